"""Member insight against histories the test builds itself: RFM values, 1–5 quintile scores and
segments for a known population; the watchlists (not seen for 90 days, birthdays this week in
store time, near the next tier) at their boundaries.

The expected scores are worked out here by hand from what the test booked: ten members with
distinct recency, frequency and money each, so each score 1–5 goes to exactly two of them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.reports import insight
from storeapp.services import sales, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from storeapp.services.users import Grant, Staff
from tests.helpers import CASHIER, START, approve, register

NOW = START  # 10:00 on Tuesday 2026-03-10 in the store
DAY = dt.timedelta(days=1)

#: The eight segments by (R high, F high, M high), a score of 3 or more being high.
SEGMENT_OF = {
    (True, True, True): "champions", (True, False, True): "big_spenders",
    (False, True, True): "at_risk_loyal", (False, False, True): "cant_lose",
    (True, True, False): "loyal_low_spend", (True, False, False): "promising",
    (False, True, False): "need_attention", (False, False, False): "hibernating",
}


@pytest.fixture
def grant(manager: Staff, db: Database) -> Grant:
    return approve(db, "insight test")


def sell_at(db: Database, clock: FixedClock, at: dt.datetime, member: MemberView | None,
            amount_fen: int) -> dict[str, Any]:
    clock.set(at)
    return sales.checkout(db, member_ref=member.member_id if member else None,
                          lines=[LineIn(unit_price_fen=amount_fen, name="货")],
                          tenders=[TenderIn("card")], actor=CASHIER)


def masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


# -- RFM ----------------------------------------------------------------------------------------

@dataclass
class Buyer:
    """One member's booked history inside the 12-month window."""

    member: MemberView
    phone: str
    days_ago: int  # of the last purchase
    purchases: int
    unit_fen: int
    times: list[dt.datetime] = field(default_factory=list)
    spent_fen: int = 0


#: (days since the last purchase, purchases, price of each): every column distinct, and
#: shuffled against each other so the members fall into different segments.
HISTORIES = [(3, 10, 9_000), (360, 1, 40_000), (10, 9, 1_500), (290, 2, 2_000),
             (20, 8, 6_000), (200, 3, 21_000), (35, 7, 700), (120, 4, 4_000),
             (50, 6, 12_000), (80, 5, 3_000)]


def quintile_scores(values: dict[str, int], *, low_is_best: bool = False) -> dict[str, int]:
    """Ten distinct values: the lowest two score 1, the next two 2, … the highest two 5
    (the other way round when lower is better, as for days since the last purchase)."""
    ranked = sorted(values, key=lambda k: values[k], reverse=low_is_best)
    assert len(set(values.values())) == len(values) == 10
    return {k: 1 + rank // 2 for rank, k in enumerate(ranked)}


def test_rfm_scores_are_quintiles_of_the_booked_histories(
        db: Database, clock: FixedClock, grant: Grant) -> None:
    """Recency, frequency and money per member equal the booked sales of the last 365 days
    (refunded and older sales left out, members with only those not scored), each score is the
    member's quintile, the segment is the high/low combination and segment sizes add up."""
    clock.set(NOW - 400 * DAY)
    buyers = [Buyer(register(db, phone=f"1390000{i:04d}", name=f"会员{i}"), f"1390000{i:04d}",
                    days_ago, n, unit) for i, (days_ago, n, unit) in enumerate(HISTORIES)]
    only_old = register(db, phone="13911110001", name="老会员")
    only_refunded = register(db, phone="13911110002", name="退款会员")

    events: list[tuple[dt.datetime, Buyer | None, MemberView | None, int]] = []
    for i, b in enumerate(buyers):
        last = NOW - b.days_ago * DAY - dt.timedelta(hours=i % 5, minutes=13)
        events += [(last - k * DAY, b, b.member, b.unit_fen) for k in range(b.purchases)]
    events += [
        (NOW - 390 * DAY, None, buyers[0].member, 500_000),  # older than 365 days: left out
        (NOW - 366 * DAY, None, only_old, 80_000),
        (NOW - 2 * DAY, None, only_refunded, 70_000),  # refunded below
        (NOW - 1 * DAY, None, buyers[2].member, 300_000),  # refunded below
        (NOW - 1 * DAY + dt.timedelta(hours=1), None, None, 12_345),  # no member
    ]
    refund_these = []
    for at, buyer, member, amount in sorted(events, key=lambda e: e[0]):
        sold = sell_at(db, clock, at, member, amount)
        if buyer is not None:
            buyer.times.append(at)
            buyer.spent_fen += sold["total_fen"]  # as charged (a tier discount may apply)
        elif at > NOW - 3 * DAY and member is not None:
            refund_these.append(sold["receipt_no"])
    clock.set(NOW - dt.timedelta(hours=6))
    for receipt in refund_these:
        sales.refund(db, receipt, actor=CASHIER, grant=grant)
    clock.set(NOW)

    ids = {b.member.member_id: b for b in buyers}
    recency = {m: (NOW - max(b.times)).days for m, b in ids.items()}
    frequency = {m: len(b.times) for m, b in ids.items()}
    money = {m: b.spent_fen for m, b in ids.items()}
    assert recency == {b.member.member_id: b.days_ago for b in buyers}
    r, f, m = (quintile_scores(recency, low_is_best=True), quintile_scores(frequency),
               quintile_scores(money))
    for scores in (r, f, m):
        assert sorted(scores.values()) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    segment = {k: SEGMENT_OF[(r[k] >= 3, f[k] >= 3, m[k] >= 3)] for k in ids}
    assert len(set(segment.values())) >= 4  # the population really is spread out

    with db.reader() as s:
        scored = {x.member_id: x for x in insight.score_members(s, NOW)}
    assert set(scored) == set(ids)
    for k, x in scored.items():
        assert (x.recency_days, x.frequency, x.monetary_fen) == (recency[k], frequency[k],
                                                                 money[k]), ids[k].phone
        assert (x.r, x.f, x.m) == (r[k], f[k], m[k]), ids[k].phone
        assert x.segment == segment[k]

    report = insight.rfm(db).to_dict()
    assert report["summary"] == {"scored": 10, "not_scored": 2}
    sizes = {row["segment_code"]: row["members"] for row in report["segments"]["rows"]}
    assert sizes == {code: Counter(segment.values())[code] for code in SEGMENT_OF.values()}
    assert sum(sizes.values()) == report["segments"]["total"]["members"] == 10
    assert report["segments"]["total"]["monetary_fen"] == sum(money.values())

    for code in SEGMENT_OF.values():
        rows = insight.rfm(db, segment=code).to_dict()["segment_members"]["rows"]
        expected = sorted((k for k in ids if segment[k] == code), key=lambda k: -money[k])
        assert [row["member_id"] for row in rows] == expected, code
        for row in rows:
            k = row["member_id"]
            assert row["phone"] == masked(ids[k].phone)  # masked unless asked
            assert (row["recency_days"], row["frequency"], row["monetary_fen"], row["rfm"]) == (
                recency[k], frequency[k], money[k], f"{r[k]}{f[k]}{m[k]}")

    champions = [k for k in ids if segment[k] == "champions"]
    assert champions
    full = insight.rfm(db, segment="champions", full_phones=True).to_dict()
    assert {row["phone"] for row in full["segment_members"]["rows"]} == {
        ids[k].phone for k in champions}


def test_tied_values_share_the_lower_score(db: Database, clock: FixedClock) -> None:
    """Three of five members bought once, on the same day, for the same amount: they share one
    score (the lowest of their places) and are not lifted to a high frequency score."""
    clock.set(NOW - 30 * DAY)
    people = [register(db, name=f"会员{i}") for i in range(5)]
    purchases = [1, 1, 1, 2, 5]
    for k in range(5):
        for person, n in zip(people, purchases, strict=True):
            if k < n:
                sell_at(db, clock, NOW - (20 - k) * DAY, person, 1_000)
    clock.set(NOW)
    with db.reader() as s:
        scored = {x.member_id: x for x in insight.score_members(s, NOW)}
    # f: 1 + (how many bought fewer times) × 5 // 5; r: the same over days since, fewer first
    assert [scored[p.member_id].f for p in people] == [1, 1, 1, 4, 5]
    assert [scored[p.member_id].m for p in people] == [1, 1, 1, 4, 5]
    assert [scored[p.member_id].r for p in people] == [1, 1, 1, 4, 5]


def test_rfm_with_no_purchases_is_empty_not_an_error(db: Database, member: MemberView) -> None:
    report = insight.rfm(db, segment="champions").to_dict()
    assert report["summary"] == {"scored": 0, "not_scored": 1}
    assert report["segment_members"]["rows"] == []
    assert all(row["members"] == 0 for row in report["segments"]["rows"])


# -- watchlists ---------------------------------------------------------------------------------

def test_lapsed_are_active_members_not_seen_for_more_than_90_days(
        db: Database, clock: FixedClock, grant: Grant) -> None:
    """Bought 91 days ago: listed; 89 days ago: not; a top-up is a visit too; a closed
    account is not listed; members with a balance come first."""
    clock.set(NOW - 200 * DAY)
    people = {name: register(db, name=name) for name in
              ("九十一天", "八十九天", "有余额", "近期充值", "已退卡")}
    history = [
        (NOW - 150 * DAY, "有余额", "topup", 30_000),
        (NOW - 150 * DAY + dt.timedelta(minutes=5), "已退卡", "sale", 5_000),
        (NOW - 120 * DAY, "有余额", "sale", 2_000),
        (NOW - 120 * DAY + dt.timedelta(minutes=5), "近期充值", "sale", 2_000),
        (NOW - 100 * DAY, "已退卡", "close", 0),
        (NOW - 91 * DAY, "九十一天", "sale", 1_000),
        (NOW - 89 * DAY, "八十九天", "sale", 1_000),
        (NOW - 10 * DAY, "近期充值", "topup", 10_000),
    ]
    for at, name, what, fen in history:
        clock.set(at)
        if what == "sale":
            sell_at(db, clock, at, people[name], fen)
        elif what == "topup":
            wallet.topup(db, people[name].member_id, fen, actor=CASHIER)
        else:
            wallet.close_account(db, people[name].member_id, actor=CASHIER, grant=grant)
    clock.set(NOW)

    report = insight.watchlists(db).to_dict()
    lapsed = [row["name"] for row in report["lapsed"]["rows"]]
    assert lapsed == ["有余额", "九十一天"]  # ¥300 balance first
    assert report["counts"]["lapsed"] == 2
    assert report["lapsed"]["rows"][1]["last_visit"] == (
        (NOW - 91 * DAY + dt.timedelta(hours=8)).date().isoformat())  # store-local day
    assert report["lapsed"]["rows"][0]["phone"] == masked(people["有余额"].phone)


@pytest.mark.parametrize(("utc_now", "expected"), [
    # Sunday 2026-03-15 23:30 in the store: the week is Mon 03-09 … Sun 03-15
    (dt.datetime(2026, 3, 15, 15, 30), ["03-09", "03-15"]),
    # Monday 2026-03-16 00:30 in the store, still Sunday in UTC: Mon 03-16 … Sun 03-22
    (dt.datetime(2026, 3, 15, 16, 30), ["03-16", "03-22"]),
    # Thursday 2026-12-31: the week runs into the new year, Mon 12-28 … Sun 01-03
    (dt.datetime(2026, 12, 31, 4, 0), ["01-03", "12-28"]),
])
def test_birthdays_this_week_run_monday_to_sunday_in_store_time(
        db: Database, clock: FixedClock, grant: Grant, utc_now: dt.datetime,
        expected: list[str]) -> None:
    born = ["1990-03-08", "1985-03-09", "2001-03-15", "1979-03-16", "1995-03-22", "1988-03-23",
            "1992-12-27", "1993-12-28", "1994-01-03", "1996-01-04"]
    for day in born:
        register(db, name=f"生日{day}", birthday=day)
    closed = register(db, name="已退卡", birthday=f"1990-{expected[0]}")
    wallet.close_account(db, closed.member_id, actor=CASHIER, grant=grant)
    clock.set(utc_now)

    report = insight.watchlists(db).to_dict()
    rows = report["birthdays"]["rows"]
    assert [row["birthday"] for row in rows] == expected
    listed = [day for day in sorted(born, key=lambda day: day[5:]) if day[5:] in expected]
    assert [row["name"] for row in rows] == [f"生日{day}" for day in listed]
    assert report["counts"]["birthdays"] == len(expected)


def test_near_the_next_tier_means_within_tier_near_pct_of_its_threshold(
        db: Database, clock: FixedClock, grant: Grant) -> None:
    """With tier_near_pct 15: ¥860 of Silver's ¥1,000 (86%) is listed, ¥840 (84%) is not; the
    same for a Silver member at 86% / 84% of Gold's ¥5,000. Refunded sales and sales older
    than the 365-day growth window do not count."""
    assert db.settings.tier_near_pct == 15
    clock.set(NOW - 400 * DAY)
    names = ("86%银", "84%银", "退款", "过期", "86%金", "84%金")
    people = {name: register(db, name=name) for name in names}
    sell_at(db, clock, NOW - 400 * DAY, people["过期"], 86_000)
    booked = {
        "86%银": sell_at(db, clock, NOW - 30 * DAY, people["86%银"], 86_000)["total_fen"],
        "84%银": sell_at(db, clock, NOW - 30 * DAY, people["84%银"], 84_000)["total_fen"],
        "86%金": sell_at(db, clock, NOW - 20 * DAY, people["86%金"], 430_000)["total_fen"],
        "84%金": sell_at(db, clock, NOW - 20 * DAY, people["84%金"], 420_000)["total_fen"],
    }
    refunded = sell_at(db, clock, NOW - 10 * DAY, people["退款"], 90_000)
    sales.refund(db, refunded["receipt_no"], actor=CASHIER, grant=grant)
    clock.set(NOW)

    rows = insight.watchlists(db).to_dict()["near_tier"]["rows"]
    assert [(row["name"], row["next_tier_en"], row["growth_fen"], row["to_next_fen"])
            for row in rows] == [
        ("86%银", "Silver", booked["86%银"], 100_000 - booked["86%银"]),  # ¥140 to go
        ("86%金", "Gold", booked["86%金"], 500_000 - booked["86%金"]),  # ¥700 to go
    ]
    assert [row["tier_code"] for row in rows] == ["regular", "silver"]
