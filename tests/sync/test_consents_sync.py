"""Consents across the chain, on SQLite and PostgreSQL: given at a till's counter, they are
head office's current state; withdrawn at head office (the self-service page's call), every
till learns it with the member on its next download, under the notice head office published,
which the tills keep; campaigns leave out whoever withdrew; a till's event that records a
consent no honest till could (a purpose that does not exist, a notice never published, a
channel a till has not got) is held with the reason, never applied; and head office publishes
notices and records consents from its command line.

Real tills and head office's real ingest and download code (``tests.sync.chain``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import consent_rules
from storeapp.models import Member
from storeapp.services import consents
from sync.hq import campaigns
from sync.hq import cli as hq_cli
from sync.hq import consents as hq_consents
from sync.hq import models as m
from sync.hq.campaigns import Audience, Benefit
from sync.hq.db import HqDatabase, utcnow
from tests.helpers import START, register
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.tamper import forge_event
from tests.sync.test_sync_properties import Till, download

NOTICE = "个性化推荐（2026年4月版）：我们根据您的消费记录推荐优惠；您可随时拒绝。"


def flag_at_till(till: Till, member_id: str) -> bool:
    with till.db.reader() as s:
        row = s.get(Member, member_id)
        assert row is not None
        return row.marketing_consent


def hq_member(hq: HqDatabase, member_id: str) -> m.Member:
    with hq.transaction() as s:
        row = s.get(m.Member, member_id)
        assert row is not None
        return row


def test_given_at_a_till_withdrawn_at_head_office_and_every_till_learns_it(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    one, other_store = tills[0], tills[2]
    member = register(one.db, phone="13911110001", name="林一", marketing_consent=True)
    consents.give(one.db, member.member_id, "marketing_wechat", actor="C01")
    upload(hq, [one])

    with hq.transaction() as s:
        now = hq_consents.current(s, member.member_id)
        ledger = hq_consents.history(s, member.member_id)
    assert {p: (c.given, c.version, c.channel) for p, c in now.items() if c.at} == {
        "terms": (True, "builtin-1", "counter"), "marketing_sms": (True, "builtin-1", "counter"),
        "marketing_wechat": (True, "builtin-1", "counter")}
    assert now["personalised"].in_force and not now["sensitive"].in_force
    assert [e.store_code for e in ledger] == ["0001"] * 3
    assert hq_member(hq, member.member_id).marketing_consent

    published = hq_consents.publish(hq, purpose="personalised", version="2026-04", text=NOTICE,
                                    now=utcnow())
    assert published["sha256"] == consent_rules.text_sha256(NOTICE)
    at = utcnow()
    with hq.transaction() as s:  # the self-service page's withdrawal, and a letter's
        hq_consents.record(s, member_id=member.member_id, purpose="personalised", given=False,
                           channel="self_service", by="member", at=at)
    with hq.transaction() as s:
        for purpose in consent_rules.MARKETING:
            hq_consents.record(s, member_id=member.member_id, purpose=purpose, given=False,
                               channel="head_office", by="hq-anna", at=at)
    assert not hq_member(hq, member.member_id).marketing_consent

    for till in (one, other_store):
        download(till, hq)
        held = consents.current(till.db, member.member_id)
        assert (held["personalised"].given, held["personalised"].in_force,
                held["personalised"].version, held["personalised"].channel) == (
            False, False, "2026-04", "self_service")
        assert not held["marketing_sms"].in_force and not held["marketing_wechat"].in_force
        assert held["terms"].given
        assert not flag_at_till(till, member.member_id)
        kept = consents.notice(till.db, "personalised")
        assert (kept.version, kept.text) == ("2026-04", NOTICE)

    # given again at the other store's counter, under the notice it downloaded: accepted.
    # The latest choice holds, by when it was made: the till's clock is head office's (a till
    # more than five minutes off cannot sync at all).
    other_store.db.clock.set(utcnow() + dt.timedelta(minutes=1))  # type: ignore[attr-defined]
    again = consents.give(other_store.db, member.member_id, "personalised", actor="C02")
    assert again.version == "2026-04"
    upload(hq, [other_store])
    with hq.transaction() as s:
        assert hq_consents.current(s, member.member_id)["personalised"].given
        assert s.scalars(select(m.HeldEvent)).all() == []
    download(one, hq)
    assert consents.current(one.db, member.member_id)["personalised"].in_force


def test_campaigns_leave_out_members_who_withdrew(chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    one = tills[0]
    people = [register(one.db, phone=f"1391111{i:04d}", name=f"会员{i}", marketing_consent=True)
              for i in range(4)]
    upload(hq, [one])
    campaigns.create(hq, code="SPRING", name="春季", audience=Audience(),
                     benefit=Benefit("none"), message="春季上新", user="boss", now=utcnow(),
                     holdout_pct=0)
    assert campaigns.launch(hq, "SPRING", user="boss", now=utcnow())["treated"] == 4

    consents.withdraw(one.db, people[0].member_id, "marketing_sms", actor="C01")
    upload(hq, [one])
    with hq.transaction() as s:
        listed = {row["name"] for row in campaigns.contact_list(s, "SPRING")}
        assert listed == {"会员1", "会员2", "会员3"}

    with hq.transaction() as s:  # personalised offers refused at head office
        hq_consents.record(s, member_id=people[1].member_id, purpose="personalised",
                           given=False, channel="self_service", by="member", at=utcnow())
    with hq.transaction() as s:
        ids = [p.member_id for p in people]
        everyone = campaigns.screen(s, utcnow(), ids)
        by_profile = campaigns.screen(s, utcnow(), ids, profiled=True)
    assert set(everyone.chosen) == {p.member_id for p in people[1:]}
    assert set(by_profile.chosen) == {p.member_id for p in people[2:]}
    assert (by_profile.excluded_consent, everyone.excluded_consent) == (2, 1)
    assert campaigns.profiled(Audience(segment="champions"))
    assert not campaigns.profiled(Audience(tiers=("gold",)))


def test_a_consent_no_honest_till_could_record_is_held_with_the_reason(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    one = tills[0]
    honest = consent_rules.BUILTIN_SHA256["personalised"]
    forged = {
        "consent_purpose_unknown": {"purpose": "sell_my_data", "version": "builtin-1",
                                    "sha256": honest, "channel": "counter"},
        "notice_unpublished": {"purpose": "personalised", "version": "2099-01",
                               "sha256": honest, "channel": "counter"},
        "consent_channel": {"purpose": "personalised", "version": "builtin-1",
                            "sha256": honest, "channel": "self_service"},
        "notice_mismatch": {"purpose": "personalised", "version": "builtin-1",
                            "sha256": "0" * 64, "channel": "counter"},
    }
    people = {}
    for n, (reason, entry) in enumerate(forged.items()):  # one member each: held on its own
        people[reason] = register(one.db, phone=f"1391111222{n}", name=f"周{n}")
        forge_event(one.db.path, "consent_recorded", at=START + dt.timedelta(minutes=n),
                    member_id=people[reason].member_id,
                    consents=[{"entry_id": f"forged-{n}", "given": True, "by": "C01", **entry}])
    upload(hq, [one])

    with hq.transaction() as s:
        held = s.scalars(select(m.HeldEvent).order_by(m.HeldEvent.seq)).all()
        stored = s.execute(select(m.ConsentRow.entry_id, m.ConsentRow.purpose)).all()
    assert [(h.status, h.reason) for h in held] == [("open", r) for r in forged]
    said = [json.loads(h.detail_json)["message"] for h in held]
    assert "'sell_my_data'" in said[0] and "'2099-01'" in said[1] and "'self_service'" in said[2]
    assert {purpose for _, purpose in stored} == {"terms"}  # the registrations' own only
    assert not any(entry_id.startswith("forged") for entry_id, _ in stored)


def test_head_office_publishes_notices_and_records_consents_from_its_command_line(
        chain: tuple[HqDatabase, list[Till]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    hq, tills = chain
    member = register(tills[0].db, phone="13911113333", name="吴三")
    upload(hq, tills[:1])
    text = tmp_path / "personalised.txt"
    text.write_text(NOTICE + "\n", encoding="utf-8")

    def run(*args: str) -> tuple[int, dict[str, Any]]:
        status = hq_cli.main(["--db", hq.url, *args])
        return status, json.loads(capsys.readouterr().out)

    publish = ("notice", "publish", "--purpose", "personalised", "--file", str(text))
    status, done = run(*publish, "--version", "2026-04")
    assert status == 0 and done["sha256"] == consent_rules.text_sha256(NOTICE)
    assert run(*publish, "--version", "2026-04") == (1, {
        "error": "notice_exists", "message": "personalised 2026-04 is published already: "
        "publish the new text as a new version"})
    assert run(*publish, "--version", "builtin-1")[1]["error"] == "bad_notice_version"
    status, listed = run("notice", "list")
    assert [(n["purpose"], n["version"], n["text"]) for n in listed["notices"]] == [
        ("personalised", "2026-04", NOTICE)]

    status, shown = run("consent", "withdraw", member.phone, "--purpose", "personalised",
                        "--user", "hq-anna")
    assert status == 0
    assert {k: shown["current"]["personalised"][k] for k in (
        "given", "in_force", "version", "channel")} == {
        "given": False, "in_force": False, "version": "2026-04", "channel": "head_office"}
    assert [(e["purpose"], e["by"], e["store_code"]) for e in shown["history"]] == [
        ("terms", "C01", "0001"), ("personalised", "hq-anna", "HQ")]
    status, refused = run("consent", "give", member.phone, "--purpose", "terms", "--user", "")
    assert (status, refused["error"]) == (2, "bad_consent")
