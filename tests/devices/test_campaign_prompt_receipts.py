"""Head office's campaign line on the member's sale receipt: written into the print job in the
sale's transaction from the member's live prompts, and printed whole (GB18030, 80 and 58 mm)."""

from __future__ import annotations

import datetime as dt

import pytest

from storeapp.db import Database
from storeapp.models import MemberPrompt
from storeapp.services import members
from storeapp.services.members import MemberView
from tests.devices.receipt_helpers import MEMBER_NAME, MEMBER_PHONE, STORE
from tests.devices.test_plan_value_receipts import centred, last_sale_slip, paper
from tests.helpers import CASHIER, sell, set_setting

LINE = "生日快乐：已送¥20券"


@pytest.fixture
def member(db: Database) -> MemberView:
    set_setting(db, "store_name", STORE)
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")  # jobs are written
    found = members.register(db, phone=MEMBER_PHONE, name=MEMBER_NAME, actor=CASHIER)
    with db.session() as s, s.begin():
        s.add(MemberPrompt(member_id=found.member_id, campaign="BDAY", text=LINE,
                           until=db.clock.now() + dt.timedelta(days=7)))
        s.add(MemberPrompt(member_id=found.member_id, campaign="OLD", text="已结束的活动",
                           until=db.clock.now() - dt.timedelta(minutes=1)))
    return found


@pytest.mark.parametrize("profile", ["80mm", "58mm"])
def test_the_campaign_line_prints_on_the_sale_receipt(db: Database, member: MemberView,
                                                      profile: str) -> None:
    sell(db, member, 12_000)
    payload = last_sale_slip(db)
    assert payload["prompts"] == [LINE]  # the live one only
    printed = centred(paper(payload, profile))
    assert LINE in printed and "已结束的活动" not in printed


def test_a_sale_without_a_member_has_no_line(db: Database, member: MemberView) -> None:
    sell(db, None, 5_000)
    assert "prompts" not in last_sale_slip(db)
