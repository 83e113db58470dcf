"""Head office and the staff price (内部会员), over real HTTP: a staff sale at the chain's staff
price is applied like any sale; a sale whose file was edited to claim a staff discount it does
not name a staff user for, or more than the staff price gives, is held and listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.services import members, sales, users
from storeapp.services.sales import LineIn, TenderIn
from storeapp.till import open_till
from sync import client
from sync.hq import review, service
from tests.helpers import CASHIER, START, copy_database, register, topup
from tests.sync.conftest import LiveHq
from tests.sync.tamper import forge_action

LATER = START + dt.timedelta(hours=1)


@pytest.fixture
def till(tmp_path: Path, migrated_template: Path, live_hq: LiveHq) -> Iterator[Database]:
    path = tmp_path / "till.db"
    copy_database(migrated_template, path)
    db = open_till(path, clock=FixedClock(START)).db
    users.add_user(db, code="M01", name="王经理", role="manager", pin="246800", actor="setup")
    users.add_user(db, code="S01", name="员工甲", role="cashier", pin="432100", actor="setup")
    client.join(db, live_hq.url, live_hq.add_store("0001"))
    yield db
    db.close()


def at_till(db: Database, phone: str) -> tuple[int, int, int]:
    view = members.get(db, phone)
    return view.principal_fen, view.bonus_fen, view.points


def sale_body(member_id: str, receipt_no: str, **staff: Any) -> dict[str, Any]:
    """¥100 at 30 % off, paid ¥70 from stored value."""
    return {"receipt_no": receipt_no, "member_id": member_id, "subtotal_fen": 10_000,
            "discount_fen": 3_000, "coupon_fen": 0, "points_redeemed": 0, "points_fen": 0,
            "total_fen": 7_000, "points_earned": 0,
            "tenders": [{"method": "wallet", "amount_fen": 7_000, "tendered_fen": 7_000,
                         "change_fen": 0, "principal_fen": 7_000, "bonus_fen": 0}], **staff}


def test_head_office_applies_an_honest_staff_sale_and_holds_an_invented_staff_discount(
        live_hq: LiveHq, till: Database) -> None:
    service.set_rule(live_hq.hq, "setting", "staff_discount_pct", "30")  # above any tier's 10 %
    client.run_sync(till)
    assert till.settings.staff_discount_pct == "30"
    worker, customer = register(till, phone="13800000001"), register(till, phone="13800000002")
    users.link_member(till, "S01", worker.phone, actor=CASHIER,
                      grant=users.approve(till, "M01", "246800", "new staff"))
    for member in (worker, customer):
        topup(till, member, 10_000)
    sold = sales.checkout(till, member_ref=worker.phone, lines=[LineIn(unit_price_fen=10_000)],
                          tenders=[TenderIn("wallet")], actor=CASHIER)
    assert (sold.staff_code, sold.discount_fen, sold.total_fen) == ("S01", 3_000, 7_000)
    client.run_sync(till)
    assert review.held(live_hq.hq) == []
    shown = service.member_show(live_hq.hq, worker.phone)
    assert (shown["principal_fen"], shown["bonus_fen"], shown["points"]) == \
        at_till(till, worker.phone)

    # the employee edits the file: the same 30 % for a customer, called a staff discount
    forge_action(till.path, "sale_completed", customer.member_id, -7_000, at=LATER,
                 kind="spend", **sale_body(customer.member_id, "R9990001",
                                           staff_discount_fen=3_000))
    # and a staff sale of more than the staff price gives
    forge_action(till.path, "sale_completed", worker.member_id, -3_000, at=LATER,
                 kind="spend", **{**sale_body(worker.member_id, "R9990002", staff_code="S01",
                                              staff_discount_fen=5_000),
                                  "discount_fen": 5_000, "total_fen": 5_000,
                                  "tenders": [{"method": "wallet", "amount_fen": 3_000,
                                               "tendered_fen": 3_000, "change_fen": 0,
                                               "principal_fen": 3_000, "bonus_fen": 0},
                                              {"method": "cash", "amount_fen": 2_000,
                                               "tendered_fen": 2_000, "change_fen": 0,
                                               "principal_fen": 0, "bonus_fen": 0}]})
    client.run_sync(till)
    held = review.held(live_hq.hq)
    assert [(h["reason"], h["status"]) for h in held] == [
        ("staff_discount_breaks_rule", "open"), ("staff_discount_breaks_rule", "open")]
    assert service.member_show(live_hq.hq, customer.phone)["principal_fen"] == 10_000
