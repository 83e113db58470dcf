"""Count-card slips (次卡): the sale with the card's QR, a use with the uses left printed large,
and a refund of the unused uses, from the print jobs the real services write, rendered to
ESC/POS bytes and read back by the test reader on 80 mm and 58 mm paper in GB18030."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from devices import escpos_out, receipts
from devices.layout import Line, lay_out
from devices.profiles import get_profile
from devices.text import ENCODINGS, get_encoding
from storeapp.db import Database
from storeapp.models import PrintJob
from storeapp.services import countcards, members, wallet
from storeapp.services.members import MemberView
from tests.devices.receipt_helpers import MEMBER_NAME, MEMBER_PHONE, STORE, Stream, read
from tests.helpers import CASHIER, approve, set_setting

CARD_NAME = "精洗车 10 次卡（含内饰）"  # long enough to take a line of its own on 58 mm
PAPERS = ("80mm", "58mm")


@pytest.fixture
def shopper(db: Database, manager: object) -> MemberView:
    """A member of a store with a printer and a car-wash card on sale (¥300 for 10 uses)."""
    set_setting(db, "store_name", STORE)
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")  # jobs are written
    countcards.save_product(db, code="WASH10", name=CARD_NAME, covers="洗车", uses=10,
                            price_fen=30_000, valid_months=12, actor=CASHIER)
    return members.register(db, phone=MEMBER_PHONE, name=MEMBER_NAME, actor=CASHIER)


def jobs(db: Database, kind: str) -> list[dict[str, Any]]:
    """The payloads of the print jobs of ``kind`` the actions wrote, oldest first."""
    with db.reader() as s:
        rows = s.scalars(select(PrintJob).where(PrintJob.kind == kind)
                         .order_by(PrintJob.id)).all()
        return [json.loads(r.payload_json) for r in rows]


def paper(kind: str, payload: dict[str, Any], profile: str) -> Stream:
    """What a GB18030 printer with ``profile`` paper prints; every line fits the paper."""
    stream = read(escpos_out.render(receipts.build(kind, payload), profile, "gb18030"))
    columns = get_profile(profile).columns
    too_wide = [line.text for line in stream.lines if line.columns > columns]
    assert too_wide == [], too_wide
    return stream


def line(stream: Stream, label: str) -> tuple[str, int]:
    """The printed line starting with ``label`` (its text stripped, and its size)."""
    found = [(p.text.strip(), p.size) for p in stream.lines if p.text.startswith(label)]
    assert len(found) == 1, (label, stream.text)
    return found[0]


@pytest.mark.parametrize("profile", PAPERS)
def test_a_use_prints_the_uses_taken_and_the_uses_left_large(
        db: Database, shopper: MemberView, profile: str) -> None:
    sold = countcards.sell(db, shopper.member_id, "WASH10", method="wechat", actor=CASHIER)
    countcards.use(db, sold.card.qr, uses=2, actor=CASHIER)  # the card scanned
    [payload] = jobs(db, "countcard_use")
    stream = paper("countcard_use", payload, profile)
    assert line(stream, "次卡使用 Count card used")[0] == "次卡使用 Count card used"
    text = stream.text
    assert CARD_NAME in text and sold.card.card_no in text  # whole, on any paper
    assert line(stream, "本次使用 Used now")[0].endswith(" 2")
    left, size = line(stream, "可用次数")  # 58 mm has room only for the Chinese at size 2
    assert left.endswith(" 8") and size == 2
    assert line(stream, "有效期至 Valid until")[0].endswith("2027-03-10")
    assert "欧**梅" in text and "138****5678" in text
    assert MEMBER_NAME not in text and MEMBER_PHONE not in text
    assert "顾客签名 Signature" in text
    assert not stream.named("ESC p")  # no money: the drawer stays shut
    assert stream.qr_payloads() == []


def test_a_use_across_two_cards_prints_each_card_with_its_own_uses_left(
        db: Database, shopper: MemberView) -> None:
    first = countcards.sell(db, shopper.member_id, "WASH10", method="cash", actor=CASHIER)
    countcards.use(db, shopper.member_id, uses=9, actor=CASHIER)
    second = countcards.sell(db, shopper.member_id, "WASH10", method="cash", actor=CASHIER)
    countcards.use(db, shopper.member_id, uses=3, actor=CASHIER)  # 1 off the first, 2 off the next
    stream = paper("countcard_use", jobs(db, "countcard_use")[-1], "58mm")
    lefts = [p.text.split()[-1] for p in stream.lines if p.text.startswith("可用次数")]
    used = [p.text.split()[-1] for p in stream.lines if p.text.startswith("本次使用")]
    assert (used, lefts) == (["1", "2"], ["0", "8"])
    assert stream.text.index(first.card.card_no) < stream.text.index(second.card.card_no)


@pytest.mark.parametrize("profile", PAPERS)
def test_the_sale_prints_price_method_uses_expiry_and_the_cards_qr(
        db: Database, shopper: MemberView, profile: str) -> None:
    sold = countcards.sell(db, shopper.member_id, "WASH10", method="cash", actor=CASHIER)
    [payload] = jobs(db, "countcard")
    stream = paper("countcard", payload, profile)
    text = stream.text
    assert "次卡开卡 Count card sold" in text
    assert CARD_NAME in text and sold.card.card_no in text
    assert line(stream, "次数 Uses")[0].endswith(" 10")
    left, size = line(stream, "可用次数")
    assert left.endswith(" 10") and size == 2
    assert line(stream, "有效期至 Valid until")[0].endswith("2027-03-10")
    assert line(stream, "实付 Paid")[0].endswith("￥300.00")
    assert line(stream, "支付 Paid by")[0].endswith("现金 Cash")
    assert stream.qr_payloads() == [sold.card.qr.encode()]  # scanned at the next visit
    assert len(stream.named("ESC p")) == 1  # cash: the drawer opens


def test_a_sale_from_stored_value_shows_the_principal_and_bonus_it_took(
        db: Database, shopper: MemberView) -> None:
    wallet.topup(db, shopper.member_id, 50_000, method="card", actor=CASHIER)  # + ¥50 bonus
    countcards.sell(db, shopper.member_id, "WASH10", method="wallet", actor=CASHIER)
    stream = paper("countcard", jobs(db, "countcard")[0], "58mm")
    assert line(stream, "支付 Paid by")[0].endswith("储值 Stored value")
    principal, bonus = line(stream, "  本金 Principal")[0], line(stream, "  赠送 Bonus")[0]
    assert principal.endswith("￥272.72") and bonus.endswith("￥27.28")  # in proportion
    assert line(stream, "余额 Balance")[0].endswith("￥250.00")
    assert not stream.named("ESC p")


@pytest.mark.parametrize("profile", PAPERS)
def test_a_refund_prints_the_uses_given_up_and_the_money_back(
        db: Database, shopper: MemberView, profile: str) -> None:
    sold = countcards.sell(db, shopper.member_id, "WASH10", method="cash", actor=CASHIER)
    countcards.use(db, sold.card.card_no, uses=2, actor=CASHIER)
    countcards.refund(db, sold.card.card_no, actor=CASHIER, grant=approve(db))
    [payload] = jobs(db, "countcard_refund")
    stream = paper("countcard_refund", payload, profile)
    text = stream.text
    assert "次卡退卡 Count card refund" in text and sold.card.card_no in text
    assert line(stream, "退回次数 Uses refunded")[0].endswith(" 8")
    refund, size = line(stream, "退款 ")
    assert refund.endswith("￥240.00") and size == 2  # 8 of 10 uses of ¥300
    assert line(stream, "退款方式 Paid by")[0].endswith("现金 Cash")
    assert "顾客签名 Signature" in text
    assert len(stream.named("ESC p")) == 1


def test_a_refund_to_stored_value_shows_the_bonus_part_and_the_balance(
        db: Database, shopper: MemberView) -> None:
    wallet.topup(db, shopper.member_id, 50_000, method="card", actor=CASHIER)
    sold = countcards.sell(db, shopper.member_id, "WASH10", method="wallet", actor=CASHIER)
    countcards.use(db, sold.card.card_no, uses=5, actor=CASHIER)
    countcards.refund(db, sold.card.card_no, actor=CASHIER, grant=approve(db))
    stream = paper("countcard_refund", jobs(db, "countcard_refund")[0], "80mm")
    assert line(stream, "退款 ")[0].endswith("￥150.00")
    assert line(stream, "  其中赠送 incl. bonus")[0].endswith("￥13.64")
    assert line(stream, "退款方式 Paid by")[0].endswith("储值 Stored value")
    assert line(stream, "余额 Balance")[0].endswith("￥400.00")
    assert not stream.named("ESC p")


def test_count_card_slips_fit_every_paper_in_every_encoding(
        db: Database, shopper: MemberView) -> None:
    sold = countcards.sell(db, shopper.member_id, "WASH10", method="alipay", actor=CASHIER)
    countcards.use(db, sold.card.qr, actor=CASHIER)
    countcards.refund(db, sold.card.card_no, actor=CASHIER, grant=approve(db))
    payloads = {kind: jobs(db, kind)[0]
                for kind in ("countcard", "countcard_use", "countcard_refund")}
    for profile in ("58mm", "80mm", "TM-T88V", "POS-5890"):
        columns = get_profile(profile).columns
        for encoding in ENCODINGS:
            for kind, payload in payloads.items():
                for op in lay_out(receipts.build(kind, payload), columns, encoding):
                    if isinstance(op, Line):
                        width = get_encoding(op.encoding).width(op.text) * op.size
                        assert width <= columns, (profile, encoding, kind, op.text)
