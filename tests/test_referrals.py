"""Referrals (推广大使) at the till: a member's referral code is their card number; a new member
names their referrer by card number, phone or QR; the till records who referred them and tells
head office (which alone decides the reward: tests/sync/test_referrals.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import cli
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound
from storeapp.models import Member, OutboxEvent
from storeapp.services import members
from storeapp.services.users import Staff
from tests.helpers import new_phone, register


def registered_event(db: Database, member_id: str) -> dict[str, Any]:
    with db.reader() as s:
        for row in s.scalars(select(OutboxEvent).where(OutboxEvent.type == "member_registered")):
            body = json.loads(row.payload_json)
            if body["member_id"] == member_id:
                return body  # type: ignore[no-any-return]
    raise AssertionError(f"no registration event for {member_id}")


def test_the_referral_code_is_the_card_number_and_names_the_referrer(db: Database) -> None:
    referrer = register(db)
    assert referrer.referral_code == referrer.card_no and referrer.referrer_id is None
    for ref in (referrer.card_no, referrer.phone, referrer.qr, f" {referrer.card_no} "):
        referee = register(db, referrer=ref)
        assert referee.referrer_id == referrer.member_id
        assert members.get(db, referee.member_id).referrer_id == referrer.member_id
        with db.reader() as s:
            row = s.get(Member, referee.member_id)
            assert row is not None and row.referrer_id == referrer.member_id
        assert registered_event(db, referee.member_id)["referrer_id"] == referrer.member_id
    plain = register(db)
    assert plain.referrer_id is None and "referrer_id" not in registered_event(
        db, plain.member_id)


def test_a_member_cannot_refer_themselves(db: Database) -> None:
    phone = new_phone()
    with pytest.raises(InvalidInput) as refused:
        register(db, phone=phone, referrer=phone)
    assert refused.value.code == "self_referral"
    with pytest.raises(InvalidInput):
        register(db, phone=phone, referrer=f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}")
    with db.reader() as s:  # nothing was registered
        assert s.scalar(select(Member).where(Member.phone == phone)) is None


def test_an_unknown_referrer_is_refused(db: Database) -> None:
    phone = new_phone()
    for ref in ("13000000000", "8888000199999999", "nobody"):
        with pytest.raises(NotFound) as refused:
            register(db, phone=phone, referrer=ref)
        assert refused.value.code == "unknown_referrer", ref
    with pytest.raises(NotFound) as unknown:
        register(db, phone=phone, referrer="13000000000")
    assert unknown.value.code == "unknown_referrer" and "13000000000" in unknown.value.message
    with db.reader() as s:
        assert s.scalar(select(Member).where(Member.phone == phone)) is None


def test_the_cli_registers_with_a_referrer(db: Database, cashier: Staff,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREAPP_USER", cashier.code)
    monkeypatch.setenv("STOREAPP_PIN", "135700")
    referrer = register(db)
    status = cli.main(["--db", str(db.path), "--json", "member", "add", "--phone", new_phone(),
                       "--name", "李四", "--referrer", referrer.card_no])
    added = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0
    assert (added["referrer_id"], added["referral_code"]) == (
        referrer.member_id, added["card_no"])
    status = cli.main(["--db", str(db.path), "--json", "member", "add", "--phone", new_phone(),
                       "--name", "王五", "--referrer", "13000000000"])
    refused = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status != 0 and refused["error"] == "unknown_referrer"
