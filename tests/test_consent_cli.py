"""``storeapp consent give|withdraw|list|notice`` as a cashier runs it (logged in with their
PIN), through the real command line in this process: what it prints, what it records, and a
purpose that does not exist refused with nothing recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from storeapp import cli, consent_rules
from storeapp.db import Database
from storeapp.services import consents, users
from tests.helpers import counts, register

PIN = "582914"


def run(db: Database, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    status = cli.main(["--db", str(db.path), "--json", "--as", "C09", "consent", *args])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return status, json.loads(out[0])


@pytest.fixture
def logged_in(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    users.add_user(db, code="C09", name="收银九", role="cashier", pin=PIN, actor="setup")
    monkeypatch.setenv("STOREAPP_PIN", PIN)
    return db


def test_a_cashier_records_and_lists_consents_from_the_command_line(
        logged_in: Database, capsys: pytest.CaptureFixture[str]) -> None:
    db = logged_in
    member = register(db, phone="13812340009", name="赵九")
    status, given = run(db, capsys, "give", "--member", member.phone, "--purpose",
                        "marketing_wechat")
    assert status == 0
    assert (given["purpose"], given["given"], given["version"], given["marketing_consent"]) == (
        "marketing_wechat", True, consent_rules.BUILTIN_VERSION, True)
    status, _ = run(db, capsys, "withdraw", "--member", member.card_no, "--purpose",
                    "personalised", "--channel", "import")
    assert status == 0

    status, listed = run(db, capsys, "list", "--member", member.member_id)
    assert status == 0
    assert {p: (c["given"], c["in_force"]) for p, c in listed["current"].items()} == {
        "terms": (True, True), "marketing_sms": (False, False),
        "marketing_wechat": (True, True), "personalised": (False, False),
        "sensitive": (False, False)}
    assert [(e["purpose"], e["channel"], e["by"]) for e in listed["history"]] == [
        ("terms", "counter", "C01"), ("marketing_wechat", "counter", "C09"),
        ("personalised", "import", "C09")]
    status, one = run(db, capsys, "list", "--member", member.phone, "--purpose", "personalised")
    assert list(one["current"]) == ["personalised"] and len(one["history"]) == 1
    status, notice = run(db, capsys, "notice", "--purpose", "sensitive")
    assert notice["text"] == consent_rules.BUILTIN_TEXTS["sensitive"]
    assert consents.current(db, member.member_id)["marketing_wechat"].given


def test_a_purpose_that_does_not_exist_is_refused_with_nothing_recorded(
        logged_in: Database, capsys: pytest.CaptureFixture[str]) -> None:
    db = logged_in
    member = register(db)
    before = counts(db, "consents", "outbox", "actions")
    status, answer = run(db, capsys, "give", "--member", member.phone, "--purpose", "spam")
    assert status == cli.EXIT_INVALID and answer["error"] == "usage"
    assert "spam" in answer["message"]
    assert counts(db, "consents", "outbox", "actions") == before
