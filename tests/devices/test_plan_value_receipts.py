"""The plan's value on a member's sale receipt: what the paid plan saved them in the last 12
months, or the plan that would have saved more than its fee, from the print jobs the real
services write, rendered to ESC/POS bytes and read back on 80 mm and 58 mm paper in GB18030;
and its words in Big5 (Traditional, as OpenCC writes them) and on a code page (English)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from devices import escpos_out, receipts
from devices.labels import to_traditional
from devices.layout import Line, lay_out
from devices.profiles import get_profile
from devices.text import ENCODINGS, get_encoding
from storeapp.db import Database
from storeapp.models import PrintJob
from storeapp.services import members, plans
from storeapp.services.members import MemberView
from tests.devices.receipt_helpers import MEMBER_NAME, MEMBER_PHONE, STORE, Stream, read
from tests.helpers import CASHIER, sell, set_setting

PAPERS = ("80mm", "58mm")
PLAN_NAME = "PLUS会员 年卡"


@pytest.fixture
def shopper(db: Database) -> MemberView:
    """A member of a store with a printer, where PLUS (¥99 a year, 3% off) is on sale."""
    set_setting(db, "store_name", STORE)
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")  # jobs are written
    plans.add_plan(db, code="PLUS", name=PLAN_NAME, fee_fen=9_900, duration_days=365,
                   extra_discount_pct="3", actor="HQ")
    return members.register(db, phone=MEMBER_PHONE, name=MEMBER_NAME, actor=CASHIER)


def last_sale_slip(db: Database) -> dict[str, Any]:
    with db.reader() as s:
        job = s.scalars(select(PrintJob).where(PrintJob.kind == "sale")
                        .order_by(PrintJob.id.desc())).first()
        assert job is not None
        return dict(json.loads(job.payload_json))


def paper(payload: dict[str, Any], profile: str) -> Stream:
    """What a GB18030 printer with ``profile`` paper prints; every line fits the paper."""
    stream = read(escpos_out.render(receipts.build("sale", payload), profile, "gb18030"))
    columns = get_profile(profile).columns
    assert [x.text for x in stream.lines if x.columns > columns] == []
    return stream


def centred(stream: Stream) -> str:
    """The printed lines, stripped of the spaces that centre them."""
    return "\n".join(x.text.strip() for x in stream.lines).replace("￥", "¥")


def flat(stream: Stream) -> str:
    """The printed text without spaces or line breaks (a sentence wraps where the paper ends),
    the full-width yen GB18030 prints read as ¥."""
    return "".join(stream.text.split()).replace("￥", "¥")


@pytest.mark.parametrize("profile", PAPERS)
def test_a_plan_member_reads_what_the_plan_saved_this_year(
        db: Database, shopper: MemberView, profile: str) -> None:
    plans.buy(db, shopper.member_id, "PLUS", method="cash", actor=CASHIER)
    sell(db, shopper, 20_000)
    sell(db, shopper, 60_000)  # 3% of ¥200 + ¥600, this sale included
    text = flat(paper(last_sale_slip(db), profile))
    assert "PLUS会员年卡过去一年已为您节省¥24.00" in text
    assert "可省" not in text


@pytest.mark.parametrize("profile", PAPERS)
def test_a_member_without_a_plan_reads_the_saving_they_missed(
        db: Database, shopper: MemberView, profile: str) -> None:
    sell(db, shopper, 310_000)
    sell(db, shopper, 310_000)
    stream = paper(last_sale_slip(db), profile)
    text = flat(stream)
    assert "开通PLUS会员年卡过去一年可省¥186.00（年费¥99.00）" in text
    # the two lines follow the member's figures, before the member QR
    lines = [x.text.strip() for x in stream.lines]
    start = next(i for i, x in enumerate(lines) if x.startswith("开通"))
    assert start > next(i for i, x in enumerate(lines) if x.startswith("积分 Points"))


def test_no_line_when_a_plan_would_not_pay_for_itself(db: Database,
                                                      shopper: MemberView) -> None:
    sell(db, shopper, 100_000)  # ¥30 < ¥99
    text = flat(paper(last_sale_slip(db), "80mm"))
    assert "开通" not in text and "节省" not in text


def test_big5_prints_traditional_and_a_code_page_english(db: Database,
                                                         shopper: MemberView) -> None:
    sell(db, shopper, 620_000)
    payload = last_sale_slip(db)
    big5 = read(escpos_out.render(receipts.build("sale", payload), "80mm", "big5"), "big5")
    assert "開通PLUS會員 年卡\n過去一年可省 ¥186.00\n（年費 ¥99.00）" in centred(big5)
    english = read(escpos_out.render(receipts.build("sale", payload), "80mm", "cp858"))
    assert ("Plan PLUS\nwould have saved you ¥186.00 in the past year\n(¥99.00 a year)"
            in centred(english))


@pytest.mark.parametrize("zh", ["过去一年已为您节省", "开通", "（年费）", "过去一年可省"])
def test_the_words_convert_to_traditional_as_opencc_does(zh: str) -> None:
    opencc = pytest.importorskip("opencc")
    traditional = to_traditional(zh)
    assert traditional == opencc.OpenCC("s2hk").convert(zh)
    assert traditional.encode("big5").decode("big5") == traditional


def test_the_lines_fit_every_paper_in_every_encoding(db: Database, shopper: MemberView) -> None:
    sell(db, shopper, 620_000)
    missed = last_sale_slip(db)
    plans.buy(db, shopper.member_id, "PLUS", method="cash", actor=CASHIER)
    sell(db, shopper, 620_000)
    saved = last_sale_slip(db)
    assert (missed["plan_value"]["kind"], saved["plan_value"]["kind"]) == ("missed", "saved")
    for profile in ("58mm", "80mm", "TM-T88V", "POS-5890"):
        columns = get_profile(profile).columns
        for encoding in ENCODINGS:
            for payload in (missed, saved):
                for op in lay_out(receipts.build("sale", payload), columns, encoding):
                    if isinstance(op, Line):
                        width = get_encoding(op.encoding).width(op.text) * op.size
                        assert width <= columns, (profile, encoding, op.text)
