"""The programme KPIs, on SQLite and PostgreSQL, against what real tills did.

Three real tills (two at store 0001, one at 0002) register members month after month over half
a year, sell to them at their own and at other tills, refund some sales, top up stored value,
upgrade members' tiers by their purchases and, at the end, one till's tier review moves some
down; one person registers at both stores and head office merges them. Every KPI head office
gives — from its nightly figures and computed live — is compared with the same figure worked
out here from this test's own record of what the tills did (sales, refunds and tier changes as
the tills answered them, money and points from the tills' own journals), never from head
office's tables."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from storeapp.clock import to_local
from storeapp.models import Member, PointsEntry, WalletEntry
from storeapp.services import sales, tiers, users
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from sync.hq import accounts, kpis
from sync.hq.api import create_app
from sync.hq.catalogue import ZH
from sync.hq.cli import main as hq_main
from sync.hq.db import HqDatabase
from tests.helpers import START, real_name, register, sell, set_setting, topup
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till, download

RANKS = {"regular": 0, "silver": 1, "gold": 2, "diamond": 3}
USER, PASSWORD = "analyst", "correct horse battery"


@dataclass(frozen=True)
class Made:
    phone: str
    at: dt.datetime
    kind: str  # sale | refund
    amount_fen: int  # negative for a refund
    store: str

    @property
    def day(self) -> dt.date:
        return to_local(self.at).date()


@dataclass
class Record:
    """What this test did, as the tills answered it."""

    made: list[Made] = field(default_factory=list)
    #: person (phone) → (registered at, home store) of the registration head office keeps
    people: dict[str, tuple[dt.datetime, str]] = field(default_factory=dict)
    #: (local month "YYYY-MM", store, tier, "up" | "down")
    tier_moves: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: person → the member head office keeps for them
    members: dict[str, MemberView] = field(default_factory=dict)


def at(till: Till, when: dt.datetime) -> Till:
    till.db.clock.set(when)  # type: ignore[attr-defined]
    return till


def build(hq: HqDatabase, tills: list[Till], *, months: int, per_month: int,
          seed: int) -> tuple[Record, dt.datetime]:
    """Months of a chain's life; returns the record and the moment after the last action."""
    rng = random.Random(seed)
    record = Record()
    people: list[tuple[str, MemberView, int]] = []  # phone, member, home till index
    clock = START
    for month in range(months):
        begin = START + dt.timedelta(days=30 * month)
        newcomers = []
        for i in range(per_month):
            index = (month * per_month + i) % len(tills)
            when = begin + dt.timedelta(hours=rng.randrange(0, 72), minutes=i)
            phone = f"1391{month:02d}{i:05d}"
            member = register(at(tills[index], when).db, phone=phone,
                              name=real_name(month * 100 + i))
            newcomers.append((phone, member, index))
            record.people[phone] = (when, tills[index].store.code)
            record.members[phone] = member
        if month == 0:
            # the first person registers again at store 0002 before the tills have heard of
            # them: head office merges this one into the first; it buys a few times meanwhile
            phone, _, _ = newcomers[0]
            twin_at = begin + dt.timedelta(days=4)
            twin = register(at(tills[2], twin_at).db, phone=phone, name=real_name(0))
            for n in range(3):
                when = twin_at + dt.timedelta(days=2 * n + 1, hours=1)
                done = sell(at(tills[2], when).db, twin, 5_000 + 1_000 * n)
                record.made.append(Made(phone, when, "sale", done.total_fen, "0002"))
        people += newcomers
        # the month's purchases, in time order: anyone registered, mostly at their own till;
        # at another till only once its download has brought them there
        plan = []
        for phone, member, home in people:
            known = (phone, member, home) not in newcomers
            for _ in range(rng.choice([0, 1, 2, 3, 4])):
                when = begin + dt.timedelta(days=rng.randrange(5, 30), hours=rng.randrange(0, 10),
                                            minutes=rng.randrange(60))
                where = home if not known or rng.random() < 0.7 else rng.randrange(len(tills))
                plan.append((when, phone, member, where))
        for when, phone, member, where in sorted(plan, key=lambda x: (x[0], x[1])):
            till = at(tills[where], when)
            wallet = rng.random() < 0.12  # top up, and pay from stored value
            if wallet:
                topup(till.db, member, rng.choice([50_000, 100_000]))
            done = sell(till.db, member, rng.randrange(10, 400) * 100,
                        tenders=[TenderIn("wallet")] if wallet else None)
            record.made.append(Made(phone, when, "sale", done.total_fen, till.store.code))
            month_label = f"{to_local(when):%Y-%m}"
            if done.tier_upgraded_to:
                record.tier_moves.append((month_label, till.store.code, done.tier_upgraded_to,
                                          "up"))
            if rng.random() < 0.08:
                back_at = when + dt.timedelta(minutes=30)
                grant = users.approve(at(till, back_at).db, "M01", "246800", "customer")
                back = sales.refund(till.db, done.receipt_no, actor="C01", grant=grant)
                record.made.append(Made(phone, back_at, "refund", -back.amount_fen,
                                        till.store.code))
            clock = max(clock, when + dt.timedelta(hours=1))
        upload(hq, tills)
        for till in tills:
            download(till, hq)
    return record, clock


def review_down(hq: HqDatabase, till: Till, record: Record, when: dt.datetime) -> None:
    """The till's own tier review, under thresholds ten times higher: members move down."""
    before = _tiers(till)
    set_setting(at(till, when).db, "tiers", [
        {**t, "threshold_fen": int(t["threshold_fen"]) * 10} for t in till.db.settings.tiers])
    tiers.review(till.db)
    for member_id, tier in _tiers(till).items():
        old = before[member_id]
        if tier != old:
            record.tier_moves.append((f"{to_local(when):%Y-%m}", till.store.code, tier,
                                      "up" if RANKS[tier] > RANKS[old] else "down"))
    upload(hq, [till])


def _tiers(till: Till) -> dict[str, str]:
    with till.db.reader() as s:
        return {x.member_id: x.tier for x in s.scalars(
            select(Member).where(Member.merged_into.is_(None), Member.status != "closed"))}


def journals(tills: list[Till]) -> list[tuple[str, dt.date, int, int, int]]:
    """(store, day, principal, bonus, points) of every movement the tills made themselves."""
    out = []
    for till in tills:
        with till.db.reader() as s:
            for w in s.scalars(select(WalletEntry).where(WalletEntry.kind != "sync")):
                p = w.amount_fen if w.bucket == "principal" else 0
                out.append((till.store.code, to_local(w.created_at).date(), p,
                            w.amount_fen - p, 0))
            for pe in s.scalars(select(PointsEntry).where(PointsEntry.kind != "sync")):
                out.append((till.store.code, to_local(pe.created_at).date(), 0, 0, pe.points))
    return out


# -- the figures, worked out from the record ------------------------------------------------------

def month_no(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def expected(record: Record, money: list[tuple[str, dt.date, int, int, int]],
             store: str | None, first: dt.date, last: dt.date, through: dt.date
             ) -> dict[str, object]:
    made = [x for x in record.made if x.day <= through and (store is None or x.store == store)]
    bought = [x for x in made if x.kind == "sale"]

    def active(day: dt.date, window: int) -> int:
        return len({x.phone for x in bought if day - dt.timedelta(days=window) < x.day <= day})

    def days_of(a: dt.date, b: dt.date) -> dict[str, set[dt.date]]:
        out: dict[str, set[dt.date]] = defaultdict(set)
        for x in bought:
            if a <= x.day <= b:
                out[x.phone].add(x.day)
        return out

    def liability(day: dt.date) -> tuple[int, int, int]:
        rows = [r for r in money if r[1] <= day and (store is None or r[0] == store)]
        return sum(r[2] for r in rows), sum(r[3] for r in rows), sum(r[4] for r in rows)

    in_range = days_of(first, last)
    ranged = [x for x in made if first <= x.day <= last]
    months = []
    for i in range(month_no(first), month_no(last) + 1):
        begin = dt.date(i // 12, i % 12 + 1, 1)
        after = dt.date((i + 1) // 12, (i + 1) % 12 + 1, 1)
        end = min(after - dt.timedelta(days=1), through)
        prior = dt.date((i - 1) // 12, (i - 1) % 12 + 1, 1)
        now_days = days_of(begin, end)
        before = set(days_of(prior, begin - dt.timedelta(days=1)))
        within = [x for x in made if begin <= x.day <= end]
        p, b, pts = liability(end)
        months.append({
            "month": f"{begin:%Y-%m}", "active_30": active(end, 30), "active_90": active(end, 90),
            "buyers": len(now_days), "repeat_buyers": sum(len(d) >= 2 for d in now_days.values()),
            "churn_base": len(before), "churned": len(before - set(now_days)),
            "purchases": sum(x.kind == "sale" for x in within),
            "sales_fen": sum(x.amount_fen for x in within if x.kind == "sale"),
            "refunds_fen": sum(x.amount_fen for x in within if x.kind == "refund"),
            "principal_fen": p, "bonus_fen": b, "points": pts})
    cohorts = []
    lo, hi = month_no(first), month_no(last)
    for c in range(lo, hi + 1):
        members = {phone for phone, (when, home) in record.people.items()
                   if month_no(to_local(when).date()) == c and (store is None or home == store)}
        if not members:
            continue
        by_k: dict[int, int] = defaultdict(int)
        for x in record.made:  # a member's spend at every store
            if x.phone in members and x.day <= through:
                by_k[max(0, month_no(x.day) - c)] += x.amount_fen
        curve, total = [], 0
        for k in range(month_no(through) - c + 1):
            total += by_k[k]
            curve.append(total)
        cohorts.append({"month": f"{c // 12:04d}-{c % 12 + 1:02d}", "members": len(members),
                        "net_fen": curve})
    moves: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for month, code, tier, way in record.tier_moves:
        if (store is None or code == store) and f"{first:%Y-%m}" <= month <= f"{last:%Y-%m}":
            moves[(month, tier)][way == "down"] += 1
    return {
        "active_30": active(last, 30), "active_90": active(last, 90),
        "buyers": len(in_range), "repeat_buyers": sum(len(d) >= 2 for d in in_range.values()),
        "purchases": sum(x.kind == "sale" for x in ranged),
        "sales_fen": sum(x.amount_fen for x in ranged if x.kind == "sale"),
        "refunds": sum(x.kind == "refund" for x in ranged),
        "refunds_fen": sum(x.amount_fen for x in ranged if x.kind == "refund"),
        "months": months, "cohorts": cohorts,
        "tiers": [{"month": mo, "tier": t, "up": u, "down": d}
                  for (mo, t), (u, d) in sorted(moves.items())],
    }


def figures_of(k: kpis.Kpis) -> dict[str, object]:
    out = dataclasses.asdict(k)
    for name in ("store", "start", "end", "through", "refreshed_at", "range_counted_now"):
        out.pop(name)
    for cohort in out["cohorts"]:
        cohort["net_fen"] = list(cohort["net_fen"])
    out["months"] = list(out["months"])
    out["cohorts"] = list(out["cohorts"])
    out["tiers"] = list(out["tiers"])
    return out


# -- the tests ----------------------------------------------------------------------------------

def test_every_kpi_equals_the_tills_record_nightly_and_live(
        chain: tuple[HqDatabase, list[Till]], capsys: pytest.CaptureFixture[str]) -> None:
    hq, tills = chain
    record, clock = build(hq, tills, months=6, per_month=6, seed=5)
    review_down(hq, tills[2], record, clock + dt.timedelta(hours=2))
    now = clock + dt.timedelta(hours=3)
    through = to_local(now).date()
    money = journals(tills)
    # the scenario has what each figure needs
    assert {x.kind for x in record.made} == {"sale", "refund"}
    assert {w for *_, w in record.tier_moves} == {"up", "down"}
    assert any(p for *_, p in money) and any(r[2] > 0 for r in money)
    assert any(r[2] < 0 for r in money) and any(r[3] < 0 for r in money)  # spent from it

    done = kpis.refresh(hq, now)
    assert done.through == through and done.day_rows > 0
    ranges = [kpis.default_range(through),  # precomputed
              (through - dt.timedelta(days=89), through),  # precomputed
              (dt.date(2026, 4, 1), dt.date(2026, 4, 30)),  # a calendar month
              (dt.date(2026, 4, 12), dt.date(2026, 6, 20)),  # counted from the visits
              (dt.date(2026, 3, 1), through + dt.timedelta(days=40))]  # ends at the figures'
    with hq.transaction() as s:
        for store in (None, "0001", "0002"):
            for first, last in ranges:
                want = expected(record, money, store, first, min(last, through), through)
                got = kpis.stored(s, store, first, last)
                assert got is not None
                assert figures_of(got) == want, (store, first, last)
                assert figures_of(kpis.live(s, store, first, last, now)) == want
                assert got.end == min(last, through) and got.refreshed_at == now
    with hq.transaction() as s:
        default = kpis.stored(s, None)
        assert default is not None and not default.range_counted_now
        assert (default.start, default.end) == kpis.default_range(through)
        assert kpis.stored(s, None, dt.date(2026, 4, 12), dt.date(2026, 6, 20)).range_counted_now

    # the command line prints the same figures, from the refresh or live
    url = hq.engine.url.render_as_string(hide_password=False)
    assert hq_main(["--db", url, "kpi", "--store", "0002", "--from", "2026-04-12",
                    "--to", "2026-06-20"]) == 0
    said = json.loads(capsys.readouterr().out)
    want = expected(record, money, "0002", dt.date(2026, 4, 12), dt.date(2026, 6, 20), through)
    assert {k: said[k] for k in ("active_30", "buyers", "repeat_buyers", "sales_fen")} == {
        k: want[k] for k in ("active_30", "buyers", "repeat_buyers", "sales_fen")}
    assert said["repurchase_rate"] == pytest.approx(
        int(want["repeat_buyers"]) / int(want["buyers"]))  # type: ignore[call-overload]
    assert [c["net_fen"] for c in said["cohorts"]] == [c["net_fen"] for c in want["cohorts"]]
    assert hq_main(["--db", url, "kpi", "--store", "0002", "--from", "2026-04-12",
                    "--to", "2026-06-20", "--live"]) == 0
    computed = json.loads(capsys.readouterr().out)  # up to today, by the real clock
    assert computed["refreshed_at"] is None
    skip = ("refreshed_at", "range_counted_now", "through", "cohorts")
    assert {k: v for k, v in computed.items() if k not in skip} \
        == {k: v for k, v in said.items() if k not in skip}
    assert [c["net_fen"][:len(s["net_fen"])] for c, s in zip(
        computed["cohorts"], said["cohorts"], strict=True)] == [c["net_fen"] for c in
                                                                said["cohorts"]]
    assert hq_main(["--db", url, "kpi", "--store", "9999"]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "unknown_store"


def test_a_later_refresh_takes_in_what_arrived_since_and_still_equals_live(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    record, clock = build(hq, tills, months=3, per_month=5, seed=8)
    kpis.refresh(hq, clock)
    # a till that was offline sends a week of sales late, dated before the refresh
    phone = next(iter(record.people))  # registered first: every till has them now
    for n in range(4):
        when = clock - dt.timedelta(days=6 - n)
        done = sell(at(tills[1], when).db, record.members[phone], 12_300)
        record.made.append(Made(phone, when, "sale", done.total_fen, tills[1].store.code))
    upload(hq, tills)
    later = clock + dt.timedelta(days=1)
    with hq.transaction() as s:
        stale = kpis.stored(s, None, None, None)
        assert stale is not None and stale.through == to_local(clock).date()
    kpis.refresh(hq, later)
    through = to_local(later).date()
    money = journals(tills)
    with hq.transaction() as s:
        for store in (None, "0001"):
            got = kpis.stored(s, store)
            assert got is not None and got.through == through
            assert figures_of(got) == figures_of(kpis.live(s, store, None, None, later))
            first, last = kpis.default_range(through)
            assert figures_of(got) == expected(record, money, store, first, last, through)


def test_the_kpi_page_shows_the_figures_in_both_languages(
        chain: tuple[HqDatabase, list[Till]], hq_url: str) -> None:
    hq, tills = chain
    record, clock = build(hq, tills, months=3, per_month=4, seed=3)
    accounts.add_user(hq, USER, PASSWORD, clock)
    app = create_app(hq_url, clock=lambda: clock)
    with TestClient(app) as client:
        client.auth = (USER, PASSWORD)
        empty = client.get("/kpis")
        assert empty.status_code == 200 and "storeapp-hq kpi refresh" in empty.text
        kpis.refresh(hq, clock)
        through = to_local(clock).date()
        money = journals(tills)
        want = expected(record, money, "0001", *kpis.default_range(through), through)
        zh = client.get("/kpis", params={"store": "0001"})
        en = client.get("/kpis", params={"store": "0001", "lang": "en"})
        assert zh.status_code == en.status_code == 200
        assert "<script" not in zh.text and "<svg" in zh.text
        assert ZH["Programme KPIs"] in zh.text and "Programme KPIs" in en.text
        assert ZH["Repurchase rate"] in zh.text and "Repurchase rate" in en.text
        for page in (zh.text, en.text):
            assert f'data-figure="active_30">{want["active_30"]}<' in page
            assert f'data-figure="buyers">{want["buyers"]}<' in page
        untranslated = [w for w in re.findall(r">([A-Z][a-z][^<>{}]*)<", zh.text)
                        if w.strip() and w.strip() not in ("English",)]
        assert untranslated == []
        csv_text = client.get("/kpis.csv", params={"store": "0001"}).text
        assert f"summary,,active_30,{want['active_30']}" in csv_text.replace("\r", "")
        bad = client.get("/kpis", params={"from": "2026-13-01"})
        assert bad.status_code == 400
        client.auth = None
        assert client.get("/kpis.csv").status_code == 401
    app.state.hq.close()
