"""Head office's automations: standing campaigns evaluated nightly, each member entering a rule
at most once per period, with consent and the monthly contact cap honoured, on SQLite and
PostgreSQL. Real tills make the registrations, sales and tier upgrades."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storeapp.campaign_rules import in_holdout
from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.services import plans
from storeapp.services.members import MemberView
from sync.hq import campaigns, service
from sync.hq import models as m
from sync.hq.campaigns import Audience, Benefit
from sync.hq.db import HqDatabase
from tests.helpers import START, register, sell
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till


def at(db: Database, when: dt.datetime) -> Database:
    db.clock.set(when)  # type: ignore[attr-defined]
    return db


def automation(hq: HqDatabase, rule: str, code: str, now: dt.datetime) -> None:
    campaigns.create(hq, code=code, name=rule, audience=Audience(),
                     benefit=Benefit("points", points=100), message=f"{rule} 礼",
                     holdout_pct=20, user="boss", now=now, rule=rule, seed=code)


def entered(hq: HqDatabase, code: str) -> dict[tuple[str, str], str]:
    with hq.transaction() as s:
        return {(x.member_id, x.period): x.grp for x in s.scalars(
            select(m.CampaignMember).where(m.CampaignMember.campaign_code == code))}


def test_each_rule_takes_its_members_once_per_period(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    db = tills[0].db
    now = START + dt.timedelta(days=200)
    birthday = to_local(now).date().replace(year=1990)
    people: dict[str, MemberView] = {}
    people["new"] = register(at(db, now - dt.timedelta(hours=5)), phone="13600000001",
                             name="新会员", marketing_consent=True)
    people["quiet"] = register(at(db, now - dt.timedelta(hours=4)), phone="13600000002",
                               name="不同意", marketing_consent=False)
    people["born"] = register(at(db, START), phone="13600000003", name="寿星",
                              marketing_consent=True, birthday=birthday)
    people["gone"] = register(at(db, START), phone="13600000004", name="久未到店",
                              marketing_consent=True)
    people["rhythm"] = register(at(db, START), phone="13600000005", name="规律",
                                marketing_consent=True)
    people["big"] = register(at(db, START), phone="13600000006", name="大客户",
                             marketing_consent=True)
    sell(at(db, START + dt.timedelta(days=1)), people["gone"], 5_000)  # 199 days ago
    for week in range(20):  # every 7 days until 67 days ago: a 7-day cycle, overdue
        sell(at(db, START + dt.timedelta(days=7 * week)), people["rhythm"], 3_000)
    sell(at(db, now - dt.timedelta(hours=3)), people["big"], 120_000)  # reaches silver now
    upload(hq, tills)
    for rule in campaigns.RULES:
        automation(hq, rule, rule.upper(), now - dt.timedelta(days=1))

    first = campaigns.run_automations(hq, now)
    by_code = {x["code"]: x for x in first}
    ids = {k: v.member_id for k, v in people.items()}
    welcome = entered(hq, "WELCOME")
    assert {mid for mid, _ in welcome} == {ids["new"]}  # registered in the last 2 days
    assert by_code["WELCOME"]["excluded_consent"] == 1  # "quiet" said no
    assert set(entered(hq, "BIRTHDAY")) == {(ids["born"], f"{to_local(now):%Y}")}
    assert {mid for mid, _ in entered(hq, "UPGRADE")} == {ids["big"]}
    assert set(entered(hq, "UPGRADE")) == {(ids["big"], "silver")}
    winback = entered(hq, "WINBACK")
    assert {mid for mid, _ in winback} == {ids["gone"]}  # "rhythm" came 67 days ago
    assert (ids["gone"], to_local(START + dt.timedelta(days=1)).date().isoformat()) in winback
    assert {mid for mid, _ in entered(hq, "CYCLE")} == {ids["rhythm"]}
    with hq.transaction() as s:
        seeds = {c.code: c.seed for c in s.scalars(select(m.Campaign))}
    for code in seeds:
        for (member_id, _), grp in entered(hq, code).items():
            assert grp == ("holdout" if in_holdout(seeds[code], member_id, 20) else "treated")

    again = campaigns.run_automations(hq, now + dt.timedelta(hours=1))
    assert all(x["treated"] + x["holdout"] == 0 for x in again)  # nobody twice

    # "gone" comes back, then lapses again: a new period, so win-back takes them again
    sell(at(db, now + dt.timedelta(days=1)), people["gone"], 5_000)
    upload(hq, tills)
    later = now + dt.timedelta(days=100)
    campaigns.run_automations(hq, later)
    assert len([k for k in entered(hq, "WINBACK") if k[0] == ids["gone"]]) == 2


def test_the_monthly_contact_cap_leaves_members_out_and_counts_them(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    db = tills[0].db
    now = START + dt.timedelta(days=3)
    service.set_rule(hq, "setting", "campaign_monthly_contacts", 1)
    people = [register(at(db, now - dt.timedelta(hours=1)), phone=f"1350000{i:04d}",
                       name=f"会员{i}", marketing_consent=True) for i in range(10)]
    upload(hq, tills)
    campaigns.create(hq, code="FIRST", name="first", audience=Audience(),
                     benefit=Benefit("none"), message="你好", user="boss", now=now)
    first = campaigns.launch(hq, "FIRST", user="boss", now=now)
    assert first["treated"] + first["holdout"] == 10
    campaigns.create(hq, code="SECOND", name="second", audience=Audience(),
                     benefit=Benefit("none"), message="再见", user="boss", now=now)
    second = campaigns.launch(hq, "SECOND", user="boss", now=now)
    assert (second["treated"], second["holdout"], second["excluded_cap"]) == (0, 0, 10)
    # a new month: contactable again
    next_month = now + dt.timedelta(days=40)
    campaigns.create(hq, code="THIRD", name="third", audience=Audience(),
                     benefit=Benefit("none"), message="又见", user="boss", now=next_month)
    third = campaigns.launch(hq, "THIRD", user="boss", now=next_month)
    assert third["treated"] + third["holdout"] == len(people)


def test_an_audience_by_paid_plan(chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    db = tills[0].db
    at(db, START)
    plans.add_plan(db, code="PLUS", name="PLUS会员", fee_fen=9_900, duration_days=30,
                   extra_discount_pct="3", actor="HQ")
    holder, other = (register(db, phone=f"1340000000{i}", name=f"会员{i}",
                              marketing_consent=True) for i in (1, 2))
    plans.buy(db, holder.member_id, "PLUS", method="cash", actor="C01")
    upload(hq, tills)
    with hq.transaction() as s:
        def audience(plan: str, days: int) -> set[str]:
            when = START + dt.timedelta(days=days)
            return set(campaigns.audience_ids(s, when, Audience(plan=plan)))

        assert audience("PLUS", 1) == audience("any", 1) == {holder.member_id}
        assert audience("none", 1) == {other.member_id}
        assert audience("GOLD", 1) == set()
        assert audience("PLUS", 31) == set()  # the 30-day plan has run out
