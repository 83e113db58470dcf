"""The programme's pure member rules: RFM quintiles and segments, and the purchase cycle,
checked against their definitions written the slow, obvious way."""

from __future__ import annotations

import datetime as dt
import statistics

from hypothesis import given
from hypothesis import strategies as st

from storeapp.member_rules import (
    SEGMENTS,
    Bought,
    Quintiles,
    Scales,
    purchase_cycle,
    score,
)

values = st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=60)


@given(values)
def test_a_quintile_score_is_one_plus_the_share_of_lower_values(xs: list[int]) -> None:
    q = Quintiles(xs)
    n = len(xs)
    for x in xs:
        lower = sum(y < x for y in xs)
        assert q.score(x) == 1 + lower * 5 // n
        assert q.high(x) == (q.score(x) >= 3)


def test_ten_distinct_values_score_two_of_each() -> None:
    q = Quintiles(range(10))
    assert [q.score(x) for x in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_a_crowd_of_one_time_buyers_is_not_lifted() -> None:
    q = Quintiles([1] * 90 + [2] * 5 + [7] * 5)
    assert q.score(1) == 1 and not q.high(1)
    assert q.score(7) == 5


buyers = st.lists(st.tuples(st.integers(0, 365), st.integers(1, 50), st.integers(1, 10**7)),
                  min_size=1, max_size=40)


@given(buyers)
def test_the_fast_segment_equals_the_scored_segment(rows: list[tuple[int, int, int]]) -> None:
    bought = [Bought(f"m{i}", rd, f, m) for i, (rd, f, m) in enumerate(rows)]
    scales = Scales.of(bought)
    for b, scored in zip(bought, score(bought), strict=True):
        assert scales.segment(b) == scored.segment
        assert scored.segment == SEGMENTS[(scored.r >= 3, scored.f >= 3, scored.m >= 3)]
        # recency scores the other way round: the most recent buyer scores highest
        fewer_days = sum(o.recency_days > b.recency_days for o in bought)
        assert scored.r == 1 + fewer_days * 5 // len(bought)


def test_the_most_recent_most_frequent_biggest_spender_is_a_champion() -> None:
    bought = [Bought(f"m{i}", 100 - i, i + 1, (i + 1) * 1000) for i in range(10)]
    best = score(bought)[-1]
    assert (best.r, best.f, best.m, best.segment) == (5, 5, 5, "champions")
    assert score(bought)[0].segment == "hibernating"


day = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2026, 12, 31))


@given(st.lists(day, max_size=30))
def test_a_cycle_is_the_median_gap_between_distinct_visit_days(visits: list[dt.date]) -> None:
    cycle = purchase_cycle(visits)
    days = sorted(set(visits))
    if len(days) < 3:
        assert cycle is None
        return
    assert cycle is not None
    gaps = [(days[i + 1] - days[i]).days for i in range(len(days) - 1)]
    assert abs(cycle.days - statistics.median(gaps)) <= 0.5
    assert cycle.days >= 1 and cycle.last_visit == days[-1]
    assert min(gaps) <= cycle.days <= max(gaps)


def test_a_thirty_day_rhythm_is_overdue_after_forty_five_days() -> None:
    start = dt.date(2026, 1, 1)
    cycle = purchase_cycle([start + dt.timedelta(days=30 * i) for i in range(5)])
    assert cycle is not None and cycle.days == 30
    last = cycle.last_visit
    assert cycle.next_visit == last + dt.timedelta(days=30)
    assert not cycle.overdue(last + dt.timedelta(days=45))
    assert cycle.overdue(last + dt.timedelta(days=46))
    assert cycle.days_overdue(last + dt.timedelta(days=50)) == 5
    assert cycle.days_overdue(last + dt.timedelta(days=40)) == 0


def test_two_purchases_on_one_day_are_one_visit() -> None:
    d = dt.date(2026, 3, 1)
    assert purchase_cycle([d, d, d + dt.timedelta(days=10)]) is None
