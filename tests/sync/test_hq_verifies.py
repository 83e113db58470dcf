"""Head office checks every event before it applies it, over real HTTP on SQLite and PostgreSQL.

A dishonest employee has the till's database file and the store's token: they write actions the
till never made straight into the file with ``sqlite3`` (ledger rows, cached balance and outbox
event, all consistent), and the till's own sync sends them. Head office must apply none of them,
keep every one, list each with its reason and amounts, hold that till's later events for the
same members, and apply or reverse them only when a head-office user decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.models import OutboxEvent
from storeapp.services import members, sales, till_settings, users
from storeapp.services import wallet as wallet_service
from storeapp.services.sales import TenderIn
from storeapp.till import open_till
from sync import client
from sync.hq import accounts, review, service
from sync.hq import models as m
from sync.hq.db import HqDatabase, utcnow
from sync.hq.reconcile import reconcile
from tests.helpers import CASHIER, START, copy_database, register, set_setting, topup
from tests.sync.conftest import LiveHq
from tests.sync.tamper import forge_action, forge_credit

LATER = START + dt.timedelta(hours=1)


@pytest.fixture
def make_till(tmp_path: Path, migrated_template: Path) -> Iterator[Any]:
    opened: list[Database] = []

    def make(store_code: str, hq: LiveHq) -> Database:
        path = tmp_path / f"till-{store_code}.db"
        copy_database(migrated_template, path)
        db = open_till(path, clock=FixedClock(START)).db
        users.add_user(db, code="M01", name="王经理", role="manager", pin="246800", actor="setup")
        client.join(db, hq.url, hq.add_store(store_code))
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()


def chain(hq: HqDatabase, phone: str) -> tuple[int, int, int]:
    shown = service.member_show(hq, phone)
    return shown["principal_fen"], shown["bonus_fen"], shown["points"]


def at_till(db: Database, phone: str) -> tuple[int, int, int]:
    view = members.get(db, phone)
    return view.principal_fen, view.bonus_fen, view.points


def implausible(hq: HqDatabase) -> dict[str, dict[str, Any]]:
    """Open implausible events by the phone of the member they name first."""
    with hq.transaction() as s:
        found = reconcile(s)["exceptions"]
    return {e["phone"]: e for e in found if e["kind"] == "implausible_event"}


def wallet(db: Database, phone: str, fen: int) -> dict[str, Any]:
    return sales.checkout(db, member_ref=phone, lines=[sales.LineIn(unit_price_fen=fen)],
                          tenders=[TenderIn("wallet")], actor=CASHIER)


def test_events_no_honest_till_could_send_are_kept_listed_and_not_applied(
        live_hq: LiveHq, make_till: Any) -> None:
    a, b = make_till("0001", live_hq), make_till("0002", live_hq)
    li = register(b, phone="13900000005")  # another store's member
    topup(b, li, 20_000)
    client.run_sync(b)
    client.run_sync(a)
    people = {name: register(a, phone=f"1380000000{i}") for i, name in
              enumerate(("bonus", "credits", "bigger", "twice", "minted"), start=1)}
    for member in people.values():
        topup(a, member, 50_000)  # ¥500 + ¥50 bonus each
    bigger = wallet(a, people["bigger"].phone, 10_000)
    twice = wallet(a, people["twice"].phone, 2_000)
    sales.refund(a, twice["receipt_no"], actor=CASHIER,
                 grant=users.approve(a, "M01", "246800", "wrong item"))
    client.run_sync(a)
    honest = {p: chain(live_hq.hq, p) for p in
              ["13900000005", *(x.phone for x in people.values())]}
    taken = bigger["tenders"][0]

    # What the employee writes into the till's file, and its sync sends:
    forge_action(a.path, "wallet_topped_up", people["bonus"].member_id, 50_000, 20_000, at=LATER,
                 member_id=people["bonus"].member_id, principal_fen=50_000, bonus_fen=20_000,
                 method="cash")  # the rule gives ¥50, not ¥200
    forge_action(a.path, "sale_completed", people["credits"].member_id, 5_000, at=LATER,
                 kind="spend", **sale_body(people["credits"].member_id, "R9990001"))
    forge_action(a.path, "sale_refunded", people["bigger"].member_id,
                 taken["principal_fen"] + 5_000, taken["bonus_fen"], at=LATER,
                 kind="spend_refund", receipt_no=bigger["receipt_no"],
                 member_id=people["bigger"].member_id, amount_fen=taken["amount_fen"],
                 approval={"kind": "refund", "approved_by": "M01", "reason": "-"})
    again = twice["tenders"][0]
    forge_action(a.path, "sale_refunded", people["twice"].member_id, again["principal_fen"],
                 again["bonus_fen"], at=LATER, kind="spend_refund",
                 receipt_no=twice["receipt_no"], member_id=people["twice"].member_id,
                 amount_fen=again["amount_fen"],
                 approval={"kind": "refund", "approved_by": "M01", "reason": "-"})
    forge_action(a.path, "sale_completed", li.member_id, 100_000_000, at=LATER, kind="spend",
                 **sale_body(people["minted"].member_id, "R9990002"))  # ¥1,000,000 to B's member
    report = client.run_sync(a)
    assert report.uploaded == 5

    # nothing applied: every chain balance is what the honest actions made it
    assert {p: chain(live_hq.hq, p) for p in honest} == honest
    # nothing lost: every event of the till is stored, the stream acked to its end
    with a.reader() as s:
        last = s.scalar(select(func.max(OutboxEvent.seq)))
    with live_hq.hq.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.Event).join(
            m.Store, m.Store.id == m.Event.store_id).where(m.Store.code == "0001")) == last
    assert client.status(a).pending_events == 0
    # each listed with its reason and amounts
    listed = implausible(live_hq.hq)
    phone = {name: member.phone for name, member in people.items()}
    assert listed[phone["bonus"]]["detail"]["reason"] == "bonus_breaks_rule"
    assert (listed[phone["bonus"]]["detail"]["bonus_fen"],
            listed[phone["bonus"]]["detail"]["allowed_bonus_fen"]) == (20_000, 5_000)
    assert listed[phone["credits"]]["detail"]["reason"] == "sale_credits"
    assert listed[phone["credits"]]["amount_fen"] == 5_000
    assert listed[phone["bigger"]]["detail"]["reason"] == "refund_exceeds_sale"
    assert listed[phone["bigger"]]["detail"]["sale"]["principal_fen"] == taken["principal_fen"]
    assert listed[phone["bigger"]]["detail"]["refund"]["principal_fen"] == \
        taken["principal_fen"] + 5_000
    assert listed[phone["twice"]]["detail"]["reason"] == "refund_repeated"
    minted = next(e for e in listed.values() if e["detail"]["type"] == "sale_completed"
                  and e["detail"]["reason"] == "ledger_other_member")
    assert minted["amount_fen"] == 100_000_000
    assert len(listed) == 5
    # and on the exceptions page, in both languages
    accounts.add_user(live_hq.hq, "auditor", "a long enough password", utcnow())
    auth = ("auditor", "a long enough password")
    zh = httpx.get(f"{live_hq.url}/exceptions", auth=auth, timeout=10).text
    assert zh.count("可疑事件") >= 5 and "赠送金额不符合连锁规则" in zh
    assert "赠送 ¥200.00" in zh and "规则赠送 ¥50.00" in zh and "退款超过原销售扣款" in zh
    en = httpx.get(f"{live_hq.url}/exceptions?lang=en", auth=auth, timeout=10).text
    assert "the sale was already refunded" in en and "storeapp-hq event accept|reject" in en


def test_later_events_wait_behind_a_held_one_until_head_office_decides(
        live_hq: LiveHq, make_till: Any) -> None:
    a = make_till("0001", live_hq)
    zhang, wang = register(a, phone="13800000001"), register(a, phone="13800000002")
    topup(a, zhang, 10_000)
    topup(a, wang, 10_000)
    client.run_sync(a)
    forge_action(a.path, "wallet_topped_up", zhang.member_id, 50_000, 20_000, at=LATER,
                 member_id=zhang.member_id, principal_fen=50_000, bonus_fen=20_000,
                 method="cash")
    forge_action(a.path, "sale_completed", wang.member_id, 5_000, at=LATER, kind="spend",
                 **sale_body(wang.member_id, "R9990003"))
    topup(a, zhang, 1_000)  # honest, but after the held event of the same member
    wallet(a, wang.phone, 2_000)
    client.run_sync(a)
    assert chain(live_hq.hq, zhang.phone) == (10_000, 0, 0)
    assert chain(live_hq.hq, wang.phone) == (10_000, 0, 0)
    held = review.held(live_hq.hq)
    assert [(h["reason"], h["status"]) for h in held] == [
        ("bonus_breaks_rule", "open"), ("sale_credits", "open"),
        ("held_behind", "waiting"), ("held_behind", "waiting")]
    accounts.add_user(live_hq.hq, "auditor", "a long enough password", utcnow())

    # a waiting event cannot be decided before the one it waits behind; a user must exist
    with pytest.raises(Exception, match="decide that one first"):
        review.resolve(live_hq.hq, held[2]["held_id"], "accept", user="auditor",
                       reason="-", now=utcnow())
    # head office ran a promotion that day: the bonus is accepted as sent
    decided = review.resolve(live_hq.hq, held[0]["held_id"], "accept", user="auditor",
                             reason="store promotion approved by marketing", now=utcnow())
    assert decided["released"] == 2 and decided["still_held"] == 2  # wang's waits on
    assert chain(live_hq.hq, zhang.phone) == (10_000 + 50_000 + 1_000, 20_000, 0)
    # the sale that credited is rejected: never applied; the till is brought back to the chain
    review.resolve(live_hq.hq, held[1]["held_id"], "reject", user="auditor",
                   reason="sales never credit", now=utcnow())
    assert chain(live_hq.hq, wang.phone)[0] + chain(live_hq.hq, wang.phone)[1] == 8_000
    assert review.held(live_hq.hq) == []
    client.run_sync(a)
    assert at_till(a, wang.phone) == chain(live_hq.hq, wang.phone)
    assert at_till(a, zhang.phone) == chain(live_hq.hq, zhang.phone)
    assert "implausible_event" not in [e["kind"] for e in reconcile_open(live_hq.hq)]
    with live_hq.hq.transaction() as s:
        assert [(r.decision, r.by_user) for r in s.scalars(select(m.Review).order_by(
            m.Review.id))] == [("accept", "auditor"), ("reject", "auditor")]


def test_a_linked_till_cannot_change_the_chains_rules(live_hq: LiveHq, make_till: Any) -> None:
    a = make_till("0001", live_hq)
    with pytest.raises(Refused) as refused:
        till_settings.change(a, {"topup_bonus_rules": [{"min_fen": 100, "bonus_fen": 10_000}]},
                             actor="M01")
    assert refused.value.code == "chain_rule"
    till_settings.change(a, {"printer_uri": "null:"}, actor="M01")  # its own: fine
    service.set_rule(live_hq.hq, "setting", "topup_bonus_rules",
                     [{"min_fen": 10_000, "bonus_fen": 2_000}])
    client.run_sync(a)
    zhang = register(a, phone="13800000001")
    assert topup(a, zhang, 10_000)["bonus_fen"] == 2_000  # the chain's new rule, checked by it
    client.run_sync(a)
    assert chain(live_hq.hq, zhang.phone) == (10_000, 2_000, 0)
    assert implausible(live_hq.hq) == {}


def reconcile_open(hq: HqDatabase) -> list[dict[str, Any]]:
    with hq.transaction() as s:
        return list(reconcile(s)["exceptions"])


def sale_body(member_id: str, receipt_no: str) -> dict[str, Any]:
    return {"receipt_no": receipt_no, "member_id": member_id, "subtotal_fen": 100,
            "discount_fen": 0, "coupon_fen": 0, "points_redeemed": 0, "points_fen": 0,
            "total_fen": 100, "points_earned": 0,
            "tenders": [{"method": "cash", "amount_fen": 100, "tendered_fen": 100,
                         "change_fen": 0, "principal_fen": 0, "bonus_fen": 0}]}


def test_an_account_close_above_head_offices_principal_is_refused_online(
        live_hq: LiveHq, make_till: Any) -> None:
    a = make_till("0001", live_hq)
    zhang, wang, li = (register(a, phone=f"1380000000{i}") for i in (1, 2, 3))
    topup(a, zhang, 60_000)  # ¥600 principal + ¥50 bonus, as head office knows it
    topup(a, wang, 20_000)
    topup(a, li, 40_000)
    client.run_sync(a)
    grant = users.approve(a, "M01", "246800", "moving away")
    # head office unreachable: the offline allowance caps a payout like a spend (¥300)
    hq_url = a.settings.hq_url
    set_setting(a, "hq_url", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(Refused) as offline:
        wallet_service.close_account(a, li.phone, actor=CASHIER, grant=grant)
    assert offline.value.code == "offline_limit_txn"
    set_setting(a, "hq_url", hq_url)

    forge_credit(a.path, zhang.member_id, 250_000, at=LATER)  # the till's file now says ¥3,100
    assert at_till(a, zhang.phone)[0] == 310_000
    with pytest.raises(Refused) as refused:
        wallet_service.close_account(a, zhang.phone, actor=CASHIER, grant=grant)
    assert refused.value.code == "payout_exceeds_principal"
    assert "¥600.00" in refused.value.message and "¥3,100.00" in refused.value.message
    assert members.get(a, zhang.phone).status == "active"  # nothing paid, nothing closed
    assert at_till(a, zhang.phone)[0] == 310_000

    closed = wallet_service.close_account(a, wang.phone, actor=CASHIER, grant=grant)
    assert closed["refund_fen"] == 20_000  # what head office knows: paid out
    client.run_sync(a)
    assert chain(live_hq.hq, wang.phone) == (0, 0, 0)
    assert client.status(a).online_only == "balance_mismatch"  # the edit was seen, too


def test_a_profile_change_waiting_behind_a_held_event_is_applied_with_its_sealed_data(
        live_hq: LiveHq, make_till: Any) -> None:
    """The events released by a decision are opened with the keys head office kept when they
    arrived: a waiting profile change (its data sealed) is applied as the till made it (its
    fields once read as None, and the decision failed whichever way it went)."""
    a = make_till("0001", live_hq)
    zhang = register(a, phone="13800000001", name="张三")
    topup(a, zhang, 10_000)
    client.run_sync(a)
    forge_action(a.path, "wallet_topped_up", zhang.member_id, 50_000, 20_000, at=LATER,
                 member_id=zhang.member_id, principal_fen=50_000, bonus_fen=20_000,
                 method="cash")
    members.update_profile(a, zhang.member_id, actor=CASHIER, name="张三丰",
                           phone="13800000009")
    client.run_sync(a)
    held = review.held(live_hq.hq)
    assert [h["status"] for h in held] == ["open", "waiting"]
    accounts.add_user(live_hq.hq, "auditor", "a long enough password", utcnow())
    review.resolve(live_hq.hq, held[0]["held_id"], "reject", user="auditor",
                   reason="no such promotion", now=utcnow())
    with live_hq.hq.transaction() as s:
        row = s.get(m.Member, zhang.member_id)
        assert row is not None and (row.name, row.phone) == ("张三丰", "13800000009")
