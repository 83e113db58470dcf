"""The chain's members at head office: the directory and the segments, from real tills' sales.

Three real tills (two stores) register members and sell to them over a year, with refunds and
one member registered at both stores (head office merges them). Every figure head office's
programme gives is compared with one worked out here from the sales this test made (its own
record, not head office's tables), with RFM's quintiles by their definition."""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select

from storeapp.clock import to_local
from storeapp.services import sales, users
from sync.hq import models as m
from sync.hq import programme
from sync.hq.apply_visits import backfill
from sync.hq.db import HqDatabase
from tests.helpers import START, register, sell
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till

SEGMENTS = {  # (R high, F high, M high), written out again from the definition
    (True, True, True): "champions", (True, False, True): "big_spenders",
    (False, True, True): "at_risk_loyal", (False, False, True): "cant_lose",
    (True, True, False): "loyal_low_spend", (True, False, False): "promising",
    (False, True, False): "need_attention", (False, False, False): "hibernating",
}


@dataclass
class Made:
    phone: str
    at: dt.datetime
    amount_fen: int  # negative: a refund
    store: str


def at(till: Till, when: dt.datetime) -> Till:
    till.db.clock.set(when)  # type: ignore[attr-defined]
    return till


def build_year(tills: list[Till], seed: int = 7) -> tuple[list[Made], dict[str, str]]:
    """Members registered and sold to over a year; returns the sales made and each phone's
    store of registration."""
    rng = random.Random(seed)
    made: list[Made] = []
    home: dict[str, str] = {}
    people = []
    for i in range(30):
        till = at(tills[i % 3], START)
        phone = f"1390000{i:04d}"
        people.append((phone, register(till.db, phone=phone, name=f"会员{i:02d}")))
        home[phone] = till.store.code
    # the same person registered again at the other store: head office merges them
    twin = at(tills[2], START + dt.timedelta(hours=1))
    people.append(("13900000001", register(twin.db, phone="13900000001", name="会员01")))
    for index, (phone, member) in enumerate(people):
        rhythm = rng.choice([7, 14, 30, 45, 90])
        when = START + dt.timedelta(days=rng.randrange(0, 20), hours=3)
        end = START + dt.timedelta(days=360 - rng.choice([0, 0, 0, 100, 200]))
        till = tills[index % 3] if index < 30 else twin
        while when < end:
            amount = rng.randrange(1, 400) * 100
            result = sell(at(till, when).db, member, amount)
            made.append(Made(phone, when, result.total_fen, till.store.code))
            if rng.random() < 0.08:
                refund_at = when + dt.timedelta(hours=1)
                grant = users.approve(at(till, refund_at).db, "M01", "246800", "customer")
                back = sales.refund(till.db, result.receipt_no, actor="C01", grant=grant)
                made.append(Made(phone, refund_at, -back.amount_fen, till.store.code))
            when += dt.timedelta(days=rhythm + rng.randrange(-2, 3))
    return made, home


def score(values: dict[str, int]) -> dict[str, int]:
    n = len(values)
    return {k: 1 + sum(o < v for o in values.values()) * 5 // n for k, v in values.items()}


def test_segments_and_the_directory_equal_what_the_tills_sold(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    made, _home = build_year(tills)
    upload(hq, tills)
    now = START + dt.timedelta(days=365)
    with hq.transaction() as s:
        found = programme.insight(s, now)
        phone_of = {x.member_id: x.phone for x in s.scalars(select(m.Member))}
        live = {x.member_id for x in s.scalars(
            select(m.Member).where(m.Member.merged_into.is_(None)))}

    # the expectation, from this test's own record: per person (phone)
    window = [x for x in made if now - dt.timedelta(days=365) <= x.at <= now]
    last: dict[str, dt.datetime] = {}
    freq: dict[str, int] = defaultdict(int)
    money: dict[str, int] = defaultdict(int)
    for x in window:
        money[x.phone] += x.amount_fen
        if x.amount_fen > 0:
            freq[x.phone] += 1
            last[x.phone] = max(last.get(x.phone, x.at), x.at)
    recency = {p: (now - t) // dt.timedelta(days=1) for p, t in last.items()}
    r = score({p: -d for p, d in recency.items()})
    f = score(dict(freq))
    mo = score({p: money[p] for p in last})
    expected: dict[str, set[str]] = defaultdict(set)
    for p in last:
        expected[SEGMENTS[(r[p] >= 3, f[p] >= 3, mo[p] >= 3)]].add(p)
    assert found.scored == len(last) == 30  # the twin counts once, as its survivor
    for code in SEGMENTS.values():
        assert {phone_of[x] for x in found.members[code]} == expected[code], code
        assert all(x in live for x in found.members[code])
        size = found.sizes[code]
        assert size.members == len(expected[code])
        assert size.monetary_fen == sum(money[p] for p in expected[code])

    lapsed = {p for p, t in last.items() if now - t > dt.timedelta(days=programme.LAPSED_DAYS)}
    assert {phone_of[x] for x in found.members["lapsed"]} == lapsed
    assert lapsed  # the scenario has some

    today = to_local(now).date()
    overdue = set()
    for p in last:
        days = sorted({to_local(x.at).date() for x in window if x.phone == p and x.amount_fen > 0})
        if len(days) < 3:
            continue
        gaps = [(days[i + 1] - days[i]).days for i in range(len(days) - 1)]
        cycle = max(1, int(statistics.median(gaps) + 0.5))
        if (today - days[-1]).days > cycle * 1.5:
            overdue.add(p)
    assert {phone_of[x] for x in found.members["cycle_overdue"]} == overdue
    assert overdue

    # the directory: a member's history is every store's, newest first
    twin = "13900000001"
    with hq.transaction() as s:
        hits = programme.search(s, twin)
        assert len(hits) == 1
        detail = programme.member_detail(s, now, hits[0].member_id)
        assert programme.search(s, twin[-4:])[0].member_id == hits[0].member_id
        assert {x.phone for x in programme.search(s, "会员0")} == {
            f"1390000{i:04d}" for i in range(10)}
    assert detail is not None
    theirs = sorted(((x.at, x.amount_fen, x.store) for x in made if x.phone == twin),
                    reverse=True)
    shown = [(v.at, v.amount_fen, v.store_code) for v in detail.history]
    assert [x[0] for x in shown] == sorted((x[0] for x in shown), reverse=True)
    assert sorted(shown, reverse=True) == theirs[:programme.HISTORY_LIMIT]
    assert {x[2] for x in theirs} == {"0001", "0002"}
    assert {v.store_code for v in detail.stores} == {"0001", "0002"}
    assert detail.visits_12m == freq[twin] and detail.spent_12m_fen == money[twin]
    assert detail.segment in expected and twin in expected[detail.segment]


def test_visits_written_before_the_table_existed_are_filled_in(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    made, _ = build_year(tills, seed=3)
    upload(hq, tills)

    def visits() -> list[tuple[str, str, int, dt.datetime]]:
        with hq.transaction() as s:
            return sorted((v.member_id, v.kind, v.amount_fen, v.at)
                          for v in s.scalars(select(m.Visit)))

    before = visits()
    assert len(before) == len(made)
    with hq.transaction() as s:
        s.execute(delete(m.Visit))
        assert backfill(s.connection(), chunk=7) == len(made)
    assert visits() == before
