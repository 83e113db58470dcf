"""Receipt payloads from what the real services return (real SQLite): every kind prints, members
are masked before anything is stored, a member's sale carries the balance, points and tier
progress after it, and each payload has the print-job reference a reprint finds it by."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from devices import escpos_out, jobs, receipts
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.services import members, sales, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from tests.devices.receipt_helpers import MEMBER_NAME, MEMBER_PHONE, STORE, read, shop
from tests.helpers import CASHIER, approve


@pytest.fixture
def shopper(db: Database, manager: object) -> MemberView:
    """欧阳晓梅 with ¥1,150 topped up and ¥720 spent: ¥280 short of silver."""
    return shop(db)


def printed_lines(kind: str, payload: dict[str, object]) -> list[str]:
    data = escpos_out.render(receipts.build(kind, payload), "80mm", "gb18030")
    return [line.text.strip() for line in read(data).lines]


def stored(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_a_member_sale_prints_balance_points_and_tier_progress_after_it(
        db: Database, shopper: MemberView) -> None:
    sale = sales.checkout(db, member_ref=shopper.member_id, lines=[LineIn(unit_price_fen=20_000)],
                          tenders=[TenderIn("wallet")], actor=CASHIER)
    payload = jobs.payload_for(db, "sale", sale, CASHIER)
    assert jobs.job_ref("sale", payload) == sale["receipt_no"]
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


def test_topup_void_refund_and_registration_slips(db: Database, shopper: MemberView) -> None:
    topup = wallet.topup(db, shopper.member_id, 10_000, method="cash", actor=CASHIER)
    # The CLI attaches the whole member to the top-up: it must not reach the stored payload.
    topup = {**topup, "member": members.get(db, shopper.member_id).to_dict()}
    sale = sales.checkout(db, member_ref=shopper.member_id, lines=[LineIn(unit_price_fen=5_000)],
                          tenders=[TenderIn("card")], actor=CASHIER)
    refund = sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=approve(db))
    void = wallet.void_topup(db, topup["topup_key"], actor=CASHIER, grant=approve(db))
    made = {
        "topup": jobs.payload_for(db, "topup", topup, CASHIER),
        "refund": jobs.payload_for(db, "refund", refund, CASHIER),
        "void": jobs.payload_for(db, "void", void, CASHIER),
        "registration": jobs.payload_for(db, "registration", shopper.to_dict(), CASHIER),
    }
    for kind, payload in made.items():
        assert MEMBER_PHONE not in stored(payload), kind
        assert MEMBER_NAME not in stored(payload), kind
        assert f"收银员 {CASHIER}" in " ".join(printed_lines(kind, payload)), kind
    assert "member" not in made["topup"]["topup"]
    assert any(t.startswith("充值 Top-up") for t in printed_lines("topup", made["topup"]))
    void_lines = printed_lines("void", made["void"])
    assert any(t.startswith("余额 Balance") and t.endswith("430.00") for t in void_lines)
    assert any(t.startswith("退款 Refund") for t in printed_lines("refund", made["refund"]))
    assert made["registration"]["member"]["qr"] == shopper.qr
    assert {kind: jobs.job_ref(kind, p) for kind, p in made.items()} == {
        "topup": topup["topup_key"], "refund": f"refund:{sale['receipt_no']}",
        "void": f"void:{topup['topup_key']}", "registration": f"card:{shopper.card_no}"}


def test_a_closed_membership_has_no_card_to_print(db: Database, shopper: MemberView) -> None:
    wallet.close_account(db, shopper.member_id, actor=CASHIER, grant=approve(db),
                         method="transfer")
    with pytest.raises(Refused, match="closed"):
        jobs.registration_payload(db, shopper.card_no, cashier=CASHIER)


def test_an_unknown_kind_is_a_clear_error(db: Database) -> None:
    with pytest.raises(ValueError, match="use one of sale, topup"):
        jobs.payload_for(db, "z", {}, CASHIER)


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
