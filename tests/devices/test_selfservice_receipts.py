"""The member's self-service link on paper: a till linked to head office prints it as a QR on the
member's sale receipt and registration slip (from the print jobs the real actions write, rendered
to ESC/POS bytes and read back); the QR's data is a link head office opens for that member, and
only that member. A till with no head office prints none."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select

from devices import escpos_out, receipts
from devices.profiles import get_profile
from storeapp.db import Database
from storeapp.models import PrintJob
from storeapp.selfservice_link import LINK_DAYS, LinkError, verify_token
from storeapp.services import members, sales, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from tests.devices.receipt_helpers import MEMBER_NAME, MEMBER_PHONE, STORE, Stream, read
from tests.helpers import CASHIER, START, set_setting

HQ = "https://hq.example.cn"


@pytest.fixture
def linked(db: Database, manager: object) -> Database:
    """A till with a printer and a head office (its address; the chain's secret it holds)."""
    set_setting(db, "store_name", STORE)
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")
    set_setting(db, "hq_url", HQ + "/")
    return db


def jobs(db: Database, kind: str) -> list[dict[str, Any]]:
    with db.reader() as s:
        rows = s.scalars(select(PrintJob).where(PrintJob.kind == kind)
                         .order_by(PrintJob.id)).all()
        return [json.loads(r.payload_json) for r in rows]


def paper(kind: str, payload: dict[str, Any], profile: str = "58mm",
          encoding: str = "gb18030") -> Stream:
    stream = read(escpos_out.render(receipts.build(kind, payload), profile, encoding),
                  "big5" if encoding == "big5" else "gb18030")
    too_wide = [line.text for line in stream.lines
                if line.columns > get_profile(profile).columns]
    assert too_wide == [], too_wide
    return stream


def opened_for(db: Database, url: bytes) -> str:
    """The member head office opens the printed link for (as it checks it: the chain's
    secret, head office's clock)."""
    text = url.decode("ascii")
    assert text.startswith(HQ + "/me/"), text
    return verify_token(text.rsplit("/", 1)[1], db.settings.qr_secret, START).member_id


def test_the_registration_slip_prints_the_members_own_link(linked: Database) -> None:
    newcomer = members.register(linked, phone=MEMBER_PHONE, name=MEMBER_NAME, actor=CASHIER)
    [payload] = jobs(linked, "registration")
    for profile in ("58mm", "80mm"):
        stream = paper("registration", payload, profile)
        member_qr, link = stream.qr_payloads()
        assert member_qr.decode("ascii") == newcomer.qr  # the counter's code comes first
        assert opened_for(linked, link) == newcomer.member_id
        assert "扫码查看余额、管理隐私" in stream.text
        until = (START + dt.timedelta(days=LINK_DAYS)).date().isoformat()
        assert f"有效期至 Valid until {until}" in stream.text
        assert MEMBER_NAME not in stream.text and MEMBER_PHONE not in stream.text
    traditional = paper("registration", payload, "58mm", "big5")
    assert "掃碼查看餘額、管理隱私" in traditional.text
    assert "有效期至 Valid until" in traditional.text


def test_the_sale_receipt_prints_it_and_it_opens_for_no_other_member(linked: Database) -> None:
    buyer = members.register(linked, phone=MEMBER_PHONE, name=MEMBER_NAME, actor=CASHIER)
    other = members.register(linked, phone="13900001111", name="李四", actor=CASHIER)
    wallet.topup(linked, buyer.member_id, 10_000, method="cash", actor=CASHIER)
    # cash: a till linked to head office spends stored value only once it has synced
    sales.checkout(linked, member_ref=buyer.member_id, lines=[LineIn(unit_price_fen=2_500)],
                   tenders=[TenderIn("cash")], actor=CASHIER)
    [payload] = jobs(linked, "sale")
    stream = paper("sale", payload)
    member_qr, link = stream.qr_payloads()
    assert member_qr.decode("ascii") == buyer.qr
    assert opened_for(linked, link) == buyer.member_id != other.member_id
    # the slip's bytes are the link: one character changed opens nothing
    tampered = link[:-1] + (b"A" if link[-1:] != b"A" else b"B")
    with pytest.raises(LinkError):
        opened_for(linked, tampered)
    with pytest.raises(LinkError) as late:
        verify_token(link.decode().rsplit("/", 1)[1], linked.settings.qr_secret,
                     START + dt.timedelta(days=LINK_DAYS, seconds=1))
    assert late.value.reason == "expired"


def test_a_till_without_head_office_prints_no_link(db: Database, manager: object) -> None:
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")
    newcomer: MemberView = members.register(db, phone=MEMBER_PHONE, name=MEMBER_NAME,
                                            actor=CASHIER)
    [payload] = jobs(db, "registration")
    assert "self_service" not in payload
    stream = paper("registration", payload)
    assert [q.decode() for q in stream.qr_payloads()] == [newcomer.qr]
    assert "扫码" not in stream.text
