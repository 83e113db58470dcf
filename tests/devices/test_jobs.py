"""Receipts written by the actions themselves (real SQLite): on a till with a printer every action
that hands over a slip writes its print job in its own transaction, members masked before
anything is stored, a member's sale carrying the balance, points and tier progress after it and
its own time, each job under the reference a reprint finds it by; a refused action writes none."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from devices import escpos_out, jobs, receipts
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.models import PrintJob
from storeapp.money import format_fen
from storeapp.services import members, sales, shifts, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from tests.devices.receipt_helpers import MEMBER_NAME, MEMBER_PHONE, STORE, read, shop
from tests.helpers import CASHIER, approve, set_setting


@pytest.fixture
def shopper(db: Database, manager: object) -> MemberView:
    """欧阳晓梅 with ¥1,150 topped up and ¥720 spent: ¥280 short of silver."""
    return shop(db)


def printed_lines(kind: str, payload: dict[str, object]) -> list[str]:
    data = escpos_out.render(receipts.build(kind, payload), "80mm", "gb18030")
    return [line.text.strip() for line in read(data).lines]


def stored(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def written(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    """The print jobs the actions wrote: kind, reference, payload."""
    with db.reader() as s:
        rows = s.scalars(select(PrintJob).order_by(PrintJob.id)).all()
        return [(r.kind, r.ref, json.loads(r.payload_json)) for r in rows]


@pytest.fixture
def printer(db: Database) -> None:
    """This till has a receipt printer (nobody listens: the jobs only have to be written)."""
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")


def test_a_member_sale_writes_its_receipt_with_balance_points_and_tier_after_it(
        db: Database, shopper: MemberView, printer: None) -> None:
    sale = sales.checkout(db, member_ref=shopper.member_id, lines=[LineIn(unit_price_fen=20_000)],
                          tenders=[TenderIn("wallet")], actor=CASHIER)
    wallet.topup(db, shopper.member_id, 50_000, actor=CASHIER)  # later: not the sale's balance
    (kind, ref, payload), _topup = written(db)
    assert (kind, ref) == ("sale", sale["receipt_no"])
    assert payload["sale"]["at"] == sale["at"]  # the sale's own time, not the print's
    lines = printed_lines("sale", payload)
    assert STORE in lines and f"会员 Member{' ' * 31}欧**梅" in lines
    assert any(t.startswith("余额 Balance") and t.endswith("230.00") for t in lines)
    assert any(t.startswith("积分 Points") and t.endswith("920") for t in lines)
    assert "还差 ￥80.00 升级银卡 Silver" in lines  # the tier name comes with the payload
    assert MEMBER_PHONE not in stored(payload) and MEMBER_NAME not in stored(payload)


def test_a_sale_by_receipt_number_is_the_sale_as_stored(db: Database,
                                                        shopper: MemberView) -> None:
    sale = sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=1_250)],
                          tenders=[TenderIn("cash", 2_000)], actor=CASHIER)
    payload = jobs.sale_payload(db, sale["receipt_no"].lower(), cashier="someone else")
    assert payload["cashier"] == CASHIER  # who made the sale, not who prints it
    lines = printed_lines("sale", payload)
    assert any(t.startswith("找零 Change") and t.endswith("7.50") for t in lines)
    assert not any(t.startswith("余额 Balance") for t in lines)


def test_every_action_writes_its_own_slip(db: Database, shopper: MemberView,
                                          printer: None) -> None:
    shifts.open_shift(db, 0, actor=CASHIER)
    topup = wallet.topup(db, shopper.member_id, 10_000, method="cash", actor=CASHIER)
    sale = sales.checkout(db, member_ref=shopper.member_id, lines=[LineIn(unit_price_fen=5_000)],
                          tenders=[TenderIn("card")], actor=CASHIER)
    sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=approve(db))
    wallet.void_topup(db, topup["topup_key"], actor=CASHIER, grant=approve(db))
    newcomer = members.register(db, phone="13700001111", name="新会员", actor=CASHIER)
    z = shifts.close_shift(db, 0, actor=CASHIER)
    made = {kind: (ref, payload) for kind, ref, payload in written(db)}
    assert {kind: ref for kind, (ref, _p) in made.items()} == {
        "topup": topup["topup_key"], "sale": sale["receipt_no"],
        "refund": f"refund:{sale['receipt_no']}", "void": f"void:{topup['topup_key']}",
        "registration": f"card:{newcomer.card_no}", "z": f"z:01-{z['z_no']:05d}"}
    for kind, (_ref, payload) in made.items():
        assert MEMBER_PHONE not in stored(payload), kind
        assert MEMBER_NAME not in stored(payload), kind
        assert f"收银员 {CASHIER}" in " ".join(printed_lines(kind, payload)), kind
    assert made["topup"][1]["open_drawer"] and not made["sale"][1]["open_drawer"]
    void_lines = printed_lines("void", made["void"][1])
    assert any(t.startswith("余额 Balance") and t.endswith("430.00") for t in void_lines)
    assert any(t.startswith("退款 Refund") for t in printed_lines("refund", made["refund"][1]))
    assert made["registration"][1]["member"]["qr"] == newcomer.qr


def test_no_printer_no_jobs_and_a_refused_action_writes_none(
        db: Database, shopper: MemberView) -> None:
    sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=1_250)],
                   tenders=[TenderIn("cash")], actor=CASHIER)
    assert written(db) == []  # printer_uri is null: by default
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")
    with pytest.raises(Refused):
        wallet.topup(db, shopper.member_id, 9_999_900, actor=CASHIER)  # over the card's cap
    assert written(db) == []  # nothing half: no slip for what did not happen


def test_closing_an_account_writes_a_slip_to_sign(db: Database, shopper: MemberView,
                                                  printer: None) -> None:
    before = members.get(db, shopper.member_id)
    wallet.close_account(db, shopper.member_id, actor=CASHIER, grant=approve(db),
                         method="cash")  # over the cash limit: paid by transfer
    [(kind, ref, payload)] = written(db)
    assert (kind, ref) == ("close", f"close:{shopper.card_no}")
    lines = printed_lines("close", payload)
    money = format_fen(before.principal_fen).replace("¥", "￥")
    assert any(t.startswith("退款 Refund") and t.endswith(money) for t in lines)
    assert any(t.startswith("扣回赠送 Bonus removed") for t in lines)
    assert any(t.startswith("退款方式 Paid by") and t.endswith("转账 Transfer") for t in lines)
    assert "顾客签名 Signature:" in lines
    assert not payload["open_drawer"] and MEMBER_NAME not in stored(payload)


def test_a_closed_membership_has_no_card_to_print(db: Database, shopper: MemberView) -> None:
    wallet.close_account(db, shopper.member_id, actor=CASHIER, grant=approve(db),
                         method="transfer")
    with pytest.raises(Refused, match="closed"):
        jobs.registration_payload(db, shopper.card_no, cashier=CASHIER)


def test_print_now_returns_what_printed_and_raises_when_the_printer_fails(
        db: Database, tmp_path: Path) -> None:
    # The settings screen's test button: a result on success, a domain error it can show.
    out = tmp_path / "lp0"
    payload = jobs.test_payload(f"file://{out}", "58mm", "gb18030")
    done = jobs.print_now(db, "test", jobs.TEST_REF, payload, f"file://{out}", "58mm", "gb18030")
    assert (done["status"], done["profile"], done["encoding"]) == ("online", "58mm", "gb18030")
    assert "打印测试" in [line.text.strip() for line in read(out.read_bytes()).lines]
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(jobs.PrintFailed, match="cannot reach printer") as failed:
        jobs.print_now(db, "test", jobs.TEST_REF, payload, closed, "80mm", "gb18030")
    assert failed.value.code == "printer_offline" and failed.value.job_id == done["job_id"] + 1


def test_a_receipt_printed_again_after_a_broken_print_says_it_continues_one(
        db: Database, shopper: MemberView, printer: None) -> None:
    sales.checkout(db, member_ref=shopper.member_id, lines=[LineIn(unit_price_fen=2_000)],
                   tenders=[TenderIn("cash")], actor=CASHIER)
    [(_kind, _ref, payload)] = written(db)
    again = {**payload, "continued": True}  # what requeue stores when the printer broke off
    assert "** 续打 CONTINUED **" in printed_lines("sale", again)
    assert not any("续打" in line for line in printed_lines("sale", payload))
