"""The registration slip (会员卡) carries the new member's referral code (推荐码): from the print
job the real registration writes, rendered to ESC/POS bytes and read back by the test reader on
80 mm and 58 mm paper in GB18030, and in Big5 with the Traditional label. The slip's QR is the
member's own signed QR, which the registration dialog's "referred by" field takes as well."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from devices import escpos_out, receipts
from devices.profiles import get_profile
from storeapp.db import Database
from storeapp.models import PrintJob
from storeapp.services import members
from storeapp.services.members import MemberView
from tests.devices.receipt_helpers import MEMBER_NAME, MEMBER_PHONE, STORE, Stream, read
from tests.helpers import CASHIER, set_setting

PAPERS = ("80mm", "58mm")


@pytest.fixture
def newcomer(db: Database, manager: object) -> MemberView:
    """A member registered at a store with a printer (its slip's job is written)."""
    set_setting(db, "store_name", STORE)
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")
    return members.register(db, phone=MEMBER_PHONE, name=MEMBER_NAME, actor=CASHIER)


def registration_job(db: Database, card_no: str) -> dict[str, Any]:
    with db.reader() as s:
        rows = s.scalars(select(PrintJob).where(PrintJob.kind == "registration")).all()
        payloads = [json.loads(r.payload_json) for r in rows]
    [payload] = [p for p in payloads if p["member"]["card_no"] == card_no]
    return payload


def paper(payload: dict[str, Any], profile: str, encoding: str = "gb18030") -> Stream:
    stream = read(escpos_out.render(receipts.build("registration", payload), profile, encoding),
                  "big5" if encoding == "big5" else "gb18030")
    columns = get_profile(profile).columns
    too_wide = [line.text for line in stream.lines if line.columns > columns]
    assert too_wide == [], too_wide
    return stream


def lines_starting(stream: Stream, label: str) -> list[str]:
    return [p.text.strip() for p in stream.lines if p.text.startswith(label)]


@pytest.mark.parametrize("profile", PAPERS)
def test_the_registration_slip_prints_the_referral_code_on_one_line(
        db: Database, newcomer: MemberView, profile: str) -> None:
    payload = registration_job(db, newcomer.card_no)
    assert payload["member"]["referral_code"] == newcomer.referral_code == newcomer.card_no
    stream = paper(payload, profile)
    [code_line] = lines_starting(stream, "推荐码 Referral")
    assert code_line.endswith(" " + newcomer.referral_code)
    [card_line] = lines_starting(stream, "卡号 Card No.")
    assert card_line.endswith(" " + newcomer.card_no)
    assert "欢迎入会 Welcome!" in stream.text and "欧**梅" in stream.text
    assert MEMBER_NAME not in stream.text and MEMBER_PHONE not in stream.text


def test_the_slips_qr_is_the_member_qr_the_referrer_field_takes(
        db: Database, newcomer: MemberView) -> None:
    stream = paper(registration_job(db, newcomer.card_no), "80mm")
    [qr] = stream.qr_payloads()
    assert qr.decode("ascii") == newcomer.qr
    named = members.find_referrer(db, qr.decode("ascii"), phone="13900000001")
    assert named.member_id == newcomer.member_id


def test_big5_prints_the_traditional_label(db: Database, newcomer: MemberView) -> None:
    stream = paper(registration_job(db, newcomer.card_no), "80mm", "big5")
    [code_line] = lines_starting(stream, "推薦碼 Referral")
    assert code_line.endswith(" " + newcomer.referral_code)


def test_a_slip_stored_before_the_referral_code_prints_the_card_number(
        db: Database, newcomer: MemberView) -> None:
    """A job queued by an older version (no ``referral_code``) reprints with the card number,
    which is the referral code."""
    payload = registration_job(db, newcomer.card_no)
    del payload["member"]["referral_code"]
    [code_line] = lines_starting(paper(payload, "58mm"), "推荐码 Referral")
    assert code_line.endswith(" " + newcomer.card_no)
