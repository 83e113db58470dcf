"""The consent ledger at the till: registration records the terms (and offers when ticked); a
consent given or withdrawn is one entry under the notice in force, with its event for head
office and the member's marketing flag following; the ledger refuses UPDATE and DELETE even
to someone with the file; head office's notices become the ones consents name; the old
marketing flag becomes a ledger entry when the till upgrades; a restore writes the ledger back
as it was."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storeapp import backup, consent_rules, replay
from storeapp.clock import FixedClock
from storeapp.db import Database, make_engine
from storeapp.errors import InvalidInput, Refused
from storeapp.migrate import upgrade
from storeapp.models import AuditRow, Consent, OutboxEvent
from storeapp.services import consents, members, wallet
from storeapp.services.members import MemberView
from sync.rules import BadRule, apply_rule
from tests.helpers import CASHIER, START, all_rows, approve, counts, register

NOTICE = "短信营销（2026年4月版）：我们每月最多发送四条优惠短信；回复TD退订。"


def payloads(db: Database, event_type: str) -> list[dict[str, object]]:
    return [json.loads(e.payload_json) for e in all_rows(db, OutboxEvent)
            if e.type == event_type]


def publish(db: Database, text_: str = NOTICE, version: str = "2026-04",
            sha256: str | None = None) -> None:
    """Head office's notice arriving with a download (a ``notice`` rule)."""
    value = {"purpose": "marketing_sms", "version": version, "text": text_,
             "sha256": sha256 or consent_rules.text_sha256(text_),
             "published_at": (START + dt.timedelta(hours=1)).isoformat()}
    with db.session() as s, s.begin():
        apply_rule(db, s, {"kind": "notice", "key": f"marketing_sms:{version}",
                           "value": value}, START)


def test_registration_records_the_terms_and_the_offers_the_member_ticked(db: Database) -> None:
    ticked = register(db, marketing_consent=True)
    plain = register(db)
    now = consents.current(db, ticked.member_id)
    assert [p for p, c in now.items() if c.given] == ["terms", "marketing_sms"]
    assert now["terms"].version == consent_rules.BUILTIN_VERSION
    assert now["personalised"].in_force and not now["personalised"].given  # an opt-out
    assert [p for p, c in consents.current(db, plain.member_id).items() if c.given] == ["terms"]
    assert (ticked.marketing_consent, plain.marketing_consent) == (True, False)
    sent = payloads(db, "member_registered")[0]["consents"]
    assert isinstance(sent, list)
    assert [(e["purpose"], e["given"], e["sha256"]) for e in sent] == [
        ("terms", True, consent_rules.BUILTIN_SHA256["terms"]),
        ("marketing_sms", True, consent_rules.BUILTIN_SHA256["marketing_sms"])]


def test_giving_and_withdrawing_is_one_entry_each_with_its_event(db: Database,
                                                                   member: MemberView) -> None:
    given = consents.give(db, member.member_id, "marketing_wechat", actor=CASHIER, key="k-1")
    assert (given.given, given.marketing_consent) == (True, True)
    assert members.get(db, member.member_id).marketing_consent
    again = consents.give(db, member.member_id, "marketing_wechat", actor=CASHIER, key="k-1")
    assert again.replayed and again.entry_id == given.entry_id  # a retry adds nothing

    withdrawn = consents.withdraw(db, member.phone, "marketing_wechat", actor=CASHIER)
    assert withdrawn.marketing_consent is False
    assert not members.get(db, member.member_id).marketing_consent
    ledger = consents.history(db, member.member_id)
    assert [(e.purpose, e.given, e.by) for e in ledger] == [
        ("terms", True, CASHIER), ("marketing_wechat", True, CASHIER),
        ("marketing_wechat", False, CASHIER)]
    assert [e["consents"][0]["given"] for e in payloads(db, "consent_recorded")] == [True, False]
    assert [r.action for r in all_rows(db, AuditRow)][-2:] == ["consent_given",
                                                               "consent_withdrawn"]


def test_unknown_purposes_are_refused_and_a_closed_member_can_only_withdraw(
        db: Database, member: MemberView, manager: object) -> None:
    before = counts(db, "consents", "outbox")
    with pytest.raises(InvalidInput) as bad:
        consents.give(db, member.member_id, "lifetime_spam", actor=CASHIER)
    assert bad.value.code == "unknown_purpose"
    with pytest.raises(InvalidInput) as bad:
        consents.give(db, member.member_id, "personalised", actor=CASHIER,
                      channel="self_service")
    assert bad.value.code == "bad_channel"
    assert counts(db, "consents", "outbox") == before
    wallet.close_account(db, member.member_id, actor=CASHIER, grant=approve(db))
    with pytest.raises(Refused) as closed:
        consents.give(db, member.member_id, "sensitive", actor=CASHIER)
    assert closed.value.code == "member_closed"
    assert not consents.withdraw(db, member.member_id, "terms", actor=CASHIER).given


@pytest.mark.parametrize("statement", ["UPDATE consents SET given = 1 - given",
                                       "DELETE FROM consents"])
def test_the_ledger_refuses_update_and_delete_from_anyone_with_the_file(
        db: Database, member: MemberView, statement: str) -> None:
    consents.withdraw(db, member.member_id, "personalised", actor=CASHIER)
    before = [(e.entry_id, e.given) for e in consents.history(db, member.member_id)]
    with contextlib.closing(sqlite3.connect(db.path)) as conn, \
            pytest.raises(sqlite3.IntegrityError, match="consents is append-only"):
        conn.execute(statement)
    assert [(e.entry_id, e.given) for e in consents.history(db, member.member_id)] == before
    assert not consents.current(db, member.member_id)["personalised"].in_force


def test_head_offices_notice_is_the_one_a_consent_names(db: Database,
                                                         member: MemberView) -> None:
    assert consents.notice(db, "marketing_sms").version == consent_rules.BUILTIN_VERSION
    publish(db)
    shown = consents.notice(db, "marketing_sms")
    assert (shown.version, shown.text) == ("2026-04", NOTICE)
    given = consents.give(db, member.member_id, "marketing_sms", actor=CASHIER)
    assert (given.version, given.sha256) == ("2026-04", consent_rules.text_sha256(NOTICE))
    assert consents.notice(db, "terms").version == consent_rules.BUILTIN_VERSION
    with pytest.raises(BadRule, match="does not hash"):
        publish(db, version="2026-05", sha256="0" * 64)
    with pytest.raises(BadRule, match="another text"):
        publish(db, text_=NOTICE + "！")  # the same version, another text
    assert consents.notice(db, "marketing_sms").version == "2026-04"


def test_a_profile_saying_no_offers_withdraws_them_in_the_ledger(db: Database) -> None:
    member = register(db, marketing_consent=True)
    consents.give(db, member.member_id, "marketing_wechat", actor=CASHIER)
    after = members.update_profile(db, member.member_id, actor=CASHIER, marketing_consent=False)
    assert not after.marketing_consent
    now = consents.current(db, member.member_id)
    assert not now["marketing_sms"].given and not now["marketing_wechat"].given
    sent = payloads(db, "member_profile_updated")[0]["consents"]
    assert isinstance(sent, list)
    assert sorted(e["purpose"] for e in sent) == ["marketing_sms", "marketing_wechat"]


def test_the_old_marketing_flag_becomes_a_ledger_entry_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(path, immediate=True)
    try:
        upgrade(engine, "0014")
        with Session(engine) as s, s.begin():
            for n, flag in ((1, 1), (2, 0)):
                s.execute(text(
                    "INSERT INTO members (member_id, card_no, phone, phone_tail, name,"
                    " marketing_consent, tier, status, pin_failed, principal_fen, bonus_fen,"
                    " points, home_store, created_at, updated_at, last_visit_at) VALUES"
                    " (:m, :c, :p, '000' || :n, '老会员', :f, 'regular', 'active', 0, 0, 0, 0,"
                    " '0042', :t, :t, :t)"),
                    {"m": f"member-{n}", "c": f"card-{n}", "p": f"1381234000{n}", "n": n,
                     "f": flag, "t": "2025-11-01 03:00:00.000000"})
        upgrade(engine, "0015")
        with Session(engine) as s:
            rows = s.scalars(select(Consent)).all()
            assert [(r.entry_id, r.member_id, r.purpose, r.given, r.version, r.channel, r.store)
                    for r in rows] == [("legacy:member-1", "member-1", "marketing_sms", True,
                                        consent_rules.LEGACY_VERSION, "import", "0042")]
    finally:
        engine.dispose()


def test_a_restore_writes_the_consents_back_as_they_were(tmp_path: Path) -> None:
    clock = FixedClock(START)
    db = Database(tmp_path / "till.db", clock=clock)
    try:
        kept = register(db, marketing_consent=True)
        saved = backup.backup(db, tmp_path / "backups")
        with db.reader() as s:
            taken = int(s.scalar(select(OutboxEvent.seq).order_by(OutboxEvent.seq.desc())) or 0)
        clock.set(START + dt.timedelta(minutes=5))
        later = register(db)
        consents.withdraw(db, kept.member_id, "marketing_sms", actor=CASHIER)
        consents.give(db, later.member_id, "sensitive", actor=CASHIER)
        with db.reader() as s:
            events = [replay.StoredEvent(e.seq, e.event_id, e.type, e.created_at, e.payload_json)
                      for e in s.scalars(select(OutboxEvent).where(OutboxEvent.seq > taken)
                                         .order_by(OutboxEvent.seq))]
        before = ledger_rows(db)
    finally:
        db.close()
    restored = Database(Path(str(saved["backup"])), clock=clock)
    try:
        with restored.session() as s, s.begin():
            replay.replay(restored, s, events)
        assert ledger_rows(restored) == before
        assert not members.get(restored, kept.member_id).marketing_consent
    finally:
        restored.close()


def ledger_rows(db: Database) -> list[tuple[object, ...]]:
    with db.reader() as s:
        return [(r.entry_id, r.member_id, r.purpose, r.given, r.version, r.text_sha256,
                 r.channel, r.actor, r.at, r.store, r.action_key)
                for r in s.scalars(select(Consent).order_by(Consent.entry_id))]
