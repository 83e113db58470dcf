"""What each receipt shows, built from payloads of real sales, top-ups, refunds and voids (real
SQLite, real services) and laid out for 58 and 80 mm paper."""

from __future__ import annotations

import pytest

from devices import receipts
from devices.layout import QR, Barcode, Columns, DrawerKick, Line, Receipt, Text, lay_out
from devices.profiles import get_profile
from devices.text import ENCODINGS, get_encoding
from storeapp import receipt_jobs
from storeapp.db import Database
from storeapp.ids import short_ref
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from tests.devices.receipt_helpers import (
    MEMBER_PHONE,
    STORE,
    TOTAL_FEN,
    printer_test_payload,
    refund_payload,
    registration_payload,
    sale_payload,
    shop,
    topup_payload,
    void_payload,
    z_payload,
)

CASH_AND_WALLET = [TenderIn("wallet", 10_000), TenderIn("cash", 6_000)]


def printed(receipt: Receipt, profile: str = "80mm", encoding: str = "utf-8") -> str:
    """The receipt's text as laid out (UTF-8 keeps ¥ as ¥, which GB18030 prints as ￥)."""
    lines = lay_out(receipt, get_profile(profile).columns, encoding)
    return "\n".join(op.text for op in lines if isinstance(op, Line))


@pytest.fixture
def shopper(db: Database, manager: object) -> MemberView:
    return shop(db)


def test_a_member_sale_receipt_shows_what_design_section_5_lists(
        db: Database, shopper: MemberView) -> None:
    payload = sale_payload(db, shopper, CASH_AND_WALLET)
    sale = payload["sale"]
    receipt = receipts.build("sale", payload)
    text = printed(receipt)
    for shown in (STORE, "收银台 Till 1", "收银员 C01", sale["receipt_no"], "2026-03-10 10:00:00",
                  "农夫山泉 550ml", "2 × ¥3.50", "¥7.00", "小计 Subtotal", "¥154.00",
                  "合计 Total", "储值 Stored value", "¥100.00", "现金 Cash", "¥60.00",
                  "找零 Change", "¥6.00", "本次积分 Points earned", "+154",
                  "欧**梅", "138****5678", "余额 Balance", "本金 Principal", "赠送 Bonus",
                  "积分 Points", "还差 ¥126.00 升级银卡 Silver"):
        assert shown in text, shown
    assert MEMBER_PHONE not in text and "欧阳晓梅" not in text
    after = sale["member_after"]
    assert f"¥{after['balance_fen'] / 100:,.2f}" in text
    assert receipt.opens_drawer
    assert QR(payload["member"]["qr"], size=6) in receipt.blocks
    assert Barcode(sale["receipt_no"]) in receipt.blocks
    assert sale["total_fen"] == TOTAL_FEN


def test_the_drawer_opens_for_cash_only(db: Database, shopper: MemberView) -> None:
    by_wallet = receipts.build("sale", sale_payload(db, shopper, [TenderIn("wallet")]))
    by_card = receipts.build("sale", sale_payload(db, None, [TenderIn("card")]))
    assert not by_wallet.opens_drawer and not by_card.opens_drawer
    cash = receipts.build("sale", sale_payload(db, None, [TenderIn("cash", 20_000)]))
    assert cash.opens_drawer and isinstance(cash.blocks[0], DrawerKick)  # before printing
    assert not receipts.build("topup", topup_payload(db, shopper, "wechat")).opens_drawer
    assert receipts.build("topup", topup_payload(db, shopper, "cash")).opens_drawer


def test_a_reprint_never_opens_the_drawer_unless_told_to(db: Database,
                                                          shopper: MemberView) -> None:
    payload = sale_payload(db, shopper, [TenderIn("cash", 20_000)])
    assert not receipts.build("sale", {**payload, "reprint": True}).opens_drawer
    assert not receipts.build("sale", {**payload, "open_drawer": False}).opens_drawer
    card = sale_payload(db, shopper, [TenderIn("card")])
    assert receipts.build("sale", {**card, "open_drawer": True}).opens_drawer


def test_a_walk_in_sale_has_no_member_part(db: Database, shopper: MemberView) -> None:
    receipt = receipts.build("sale", sale_payload(db, None, [TenderIn("card")]))
    text = printed(receipt)
    assert "会员 Member" not in text and "余额" not in text
    assert not any(isinstance(b, QR) for b in receipt.blocks)


@pytest.mark.parametrize("profile", ["58mm", "80mm", "TM-T88V", "POS-5890"])
def test_every_receipt_kind_fits_the_paper_in_every_encoding(
        db: Database, shopper: MemberView, profile: str) -> None:
    sale = sale_payload(db, shopper, CASH_AND_WALLET)
    top = topup_payload(db, shopper, "cash")
    payloads = {
        "sale": sale, "topup": top,
        "refund": refund_payload(db, sale["sale"]["receipt_no"], shopper),
        "void": void_payload(db, shopper, top["topup"]["topup_key"]),
        "registration": registration_payload(db, shopper), "z": z_payload(),
        "test": printer_test_payload(),
    }
    paper = get_profile(profile)
    for encoding in ENCODINGS:
        for kind, payload in payloads.items():
            for op in lay_out(receipts.build(kind, payload), paper.columns, encoding):
                if isinstance(op, Line):
                    width = get_encoding(op.encoding).width(op.text) * op.size
                    assert width <= paper.columns, (encoding, kind, op.text)


def test_total_prints_large_and_keeps_bilingual_label_where_it_fits(
        db: Database, shopper: MemberView) -> None:
    receipt = receipts.build("sale", sale_payload(db, shopper, [TenderIn("wallet")]))
    wide = [op for op in lay_out(receipt, 48, "gb18030") if isinstance(op, Line) and op.size == 2]
    narrow = [op for op in lay_out(receipt, 32, "gb18030") if isinstance(op, Line) and op.size == 2]
    assert any(op.text.startswith("合计 Total") for op in wide)
    assert any(op.text.startswith("合计 ") and "Total" not in op.text for op in narrow)


def test_refund_and_void_receipts(db: Database, shopper: MemberView) -> None:
    sale = sale_payload(db, shopper, CASH_AND_WALLET)
    receipt_no = sale["sale"]["receipt_no"]
    refund = receipts.build("refund", refund_payload(db, receipt_no, shopper))
    text = printed(refund)
    for shown in ("退款凭证 Refund", receipt_no, "退回 现金 Cash", "退回 储值 Stored value",
                  "扣回积分 Points taken back", "-154", "顾客签名 Signature"):
        assert shown in text, shown
    assert refund.opens_drawer and Barcode(receipt_no) in refund.blocks

    top = topup_payload(db, shopper, "alipay")
    void = receipts.build("void", void_payload(db, shopper, top["topup"]["topup_key"]))
    text = printed(void)
    for shown in ("充值撤销 Top-up void", short_ref(top["topup"]["topup_key"]), "¥500.00",
                  "扣回赠送 Bonus removed", "¥50.00", "支付宝 Alipay", "余额 Balance"):
        assert shown in text, shown
    assert not void.opens_drawer


def test_topup_slip_shows_bonus_and_balance_split(db: Database, shopper: MemberView) -> None:
    payload = topup_payload(db, shopper, "cash")
    text = printed(receipts.build("topup", payload))
    top = payload["topup"]
    for shown in ("充值 Top-up", "¥500.00", "赠送 Bonus", "¥50.00", "现金 Cash",
                  f"¥{top['balance_principal_fen'] / 100:,.2f}",
                  f"¥{top['balance_bonus_fen'] / 100:,.2f}", "欧**梅", "138****5678"):
        assert shown in text, shown


def test_registration_slip_carries_the_member_qr(db: Database, shopper: MemberView) -> None:
    receipt = receipts.build("registration", registration_payload(db, shopper))
    assert QR(shopper.qr, size=8) in receipt.blocks
    text = printed(receipt, "58mm")
    assert shopper.card_no in text and "欧**梅" in text and "138****5678" in text


def test_z_report_prints_amounts_as_money_and_text_as_given() -> None:
    text = printed(receipts.build("z", z_payload()))
    for shown in ("Z 报表 Z report", "¥12,345.00", "87", "-¥45.00", "支付方式 Tenders",
                  "¥8,345.00", "营业日 Business day"):
        assert shown in text, shown


def test_an_x_report_prints_through_the_z_kind_under_its_own_title() -> None:
    text = printed(receipts.build("z", {**z_payload(), "title": "X 报表 X report"}), "58mm")
    assert "X 报表 X report" in text and "Z 报表" not in text
    assert "¥12,345.00" in text  # the same rows and sections


def test_printer_test_page_has_every_encoding_a_ruler_and_a_qr() -> None:
    receipt = receipts.build("test", printer_test_payload())
    samples = {b.encoding for b in receipt.blocks if isinstance(b, Text) and b.encoding}
    assert samples == set(ENCODINGS)
    text = printed(receipt)
    assert "123456789012345678901234567890123456789012345678" in text
    assert any(isinstance(b, QR) for b in receipt.blocks)


def test_reprint_is_marked_and_needs_only_the_payload(db: Database, shopper: MemberView) -> None:
    payload = sale_payload(db, shopper, CASH_AND_WALLET)
    original = receipts.build("sale", payload)
    again = receipts.build("sale", {**payload, "reprint": True})
    assert "重印 REPRINT" in printed(again) and "重印" not in printed(original)
    assert receipts.build("sale", payload) == original


def test_member_fields_are_masked_before_they_are_stored(shopper: MemberView) -> None:
    fields = receipt_jobs.member_fields(shopper)
    assert fields["name"] == "欧**梅" and fields["phone"] == "138****5678"
    assert fields["qr"] == shopper.qr and fields["card_no"] == shopper.card_no


def test_bad_kind_or_payload_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown receipt kind 'invoice'"):
        receipts.build("invoice", {})
    with pytest.raises(ValueError, match="sale receipt payload lacks 'sale'"):
        receipts.build("sale", {"store_name": STORE, "till": 1, "cashier": "C01"})


def test_a_long_label_wraps_and_its_amount_is_never_cut() -> None:
    receipt = Receipt("x", (Columns("优惠券 Coupon 春节满减大促销活动专用券", "-¥10.00"),))
    lines = [op.text for op in lay_out(receipt, 32, "gb18030") if isinstance(op, Line)]
    assert lines[-1].endswith("-￥10.00") and "".join(lines).count("券") == 2
