"""A member's self-service, end to end as the member lives it, in a real headless Chromium: a till
joined to head office (a real server on loopback) registers the member and prints the slip; the
test reads the QR off the slip's ESC/POS bytes, opens that link on a phone-sized browser, presses
"withdraw" on a consent, and downloads the data as JSON; what the file and head office then hold
must say the consent was withdrawn on the page.

Needs the ``chromium`` Debian package (``scripts/setup`` installs it): without it the test skips
on a laptop and fails under ``CI=true``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from devices import escpos_out, receipts
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import PrintJob
from storeapp.services import members
from storeapp.till import open_till
from sync import client
from sync.hq import consents
from sync.hq import models as m
from sync.hq.db import utcnow
from tests.devices.receipt_helpers import read
from tests.helpers import CASHIER, copy_database, set_setting
from tests.sync.browser import Chromium, chromium_path
from tests.sync.conftest import LiveHq

PHONE, NAME = "13812345678", "欧阳晓梅"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required under CI (scripts/setup installs it)")
        pytest.skip("chromium is not installed (scripts/setup installs it)")
    with Chromium(tmp_path / "profile") as chromium:
        yield chromium


@pytest.fixture
def head_office(tmp_path: Path) -> Iterator[LiveHq]:
    server = LiveHq(f"sqlite:///{tmp_path / 'hq.db'}").start()
    yield server
    server.stop()


@pytest.fixture
def till(tmp_path: Path, migrated_template: Path, head_office: LiveHq) -> Iterator[Database]:
    """A till of store 0001 with a receipt printer, joined to head office (the chain's secret
    and head office's address are what its links are made of). Its clock is now: head office
    checks a link's expiry and a request's signature by its own clock."""
    path = tmp_path / "till.db"
    copy_database(migrated_template, path)
    db = open_till(path, clock=FixedClock(utcnow())).db
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")  # the job is written
    client.join(db, head_office.url, head_office.add_store("0001", "人民路店"))
    yield db
    db.close()


def printed_link(db: Database) -> str:
    """The self-service link on the registration slip, as the printer gets it (the QR's data
    in the ESC/POS bytes of 58 mm paper)."""
    with db.reader() as s:
        [job] = s.scalars(select(PrintJob).where(PrintJob.kind == "registration")).all()
        payload: dict[str, Any] = json.loads(job.payload_json)
    data = escpos_out.render(receipts.build("registration", payload), "58mm", "gb18030")
    _member_qr, link = read(data).qr_payloads()
    return link.decode("ascii")


def test_scan_the_slip_open_the_page_withdraw_a_consent_download_the_data(
        till: Database, head_office: LiveHq, browser: Chromium, tmp_path: Path) -> None:
    member = members.register(till, phone=PHONE, name=NAME, actor=CASHIER)
    client.run_sync(till)  # the registration reaches head office
    url = printed_link(till)
    assert url.startswith(head_office.url + "/me/")

    browser.open(url)
    page = browser.text()
    assert "我的会员" in page and "欧**梅" in page and "138****5678" in page
    assert NAME not in page and PHONE not in page
    assert browser.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    personalised = 'li[data-purpose="personalised"]'
    assert "已同意" in browser.evaluate(f"document.querySelector('{personalised}').innerText")

    browser.click_and_load(f"{personalised} button")
    assert "已完成：您的同意已撤回。" in browser.text()
    assert "未同意" in browser.evaluate(f"document.querySelector('{personalised}').innerText")

    saved = browser.download("#download-json", tmp_path / "downloads")
    data = json.loads(saved.read_text("utf-8"))
    assert saved.name == f"member-{member.card_no}.json"
    assert data["member"]["member_id"] == member.member_id
    assert (data["member"]["name"], data["member"]["phone"]) == (NAME, PHONE)
    withdrawn = data["consents"]["personalised"]
    assert (withdrawn["given"], withdrawn["channel"]) == (False, "self_service")
    assert [e["purpose"] for e in data["consent_history"]
            if e["channel"] == "self_service"] == ["personalised"]

    with head_office.hq.transaction() as s:
        state = consents.current(s, member.member_id)["personalised"]
        assert (state.given, state.channel, state.in_force) == (False, "self_service", False)
        seen = [a for (a,) in s.execute(select(m.AccessLog.action).where(
            m.AccessLog.user == "member", m.AccessLog.subject == member.member_id)
            .order_by(m.AccessLog.id))]
    assert seen == ["self_service_view", "self_service_consent", "self_service_view",
                    "self_service_json"]
