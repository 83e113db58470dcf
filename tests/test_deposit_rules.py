"""The prepaid deposit rules: quarters tile the stores' calendar, the deposit an issuer must
keep is at least its type's share and never a fen more, the shortfall is what is missing, and
the revenue alert fires exactly past the share."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storeapp.deposit_rules import (
    DEPOSIT_SHARE_PCT,
    ISSUER_KINDS,
    Quarter,
    deposit_share_pct,
    over_revenue_share,
    required_deposit_fen,
    revenue_window,
    shortfall_fen,
)

days = st.dates(dt.date(2001, 1, 1), dt.date(2098, 12, 31))
money = st.integers(-10**13, 10**13)
kinds = st.sampled_from(ISSUER_KINDS)


def test_the_shares_are_the_rules_20_30_40_percent() -> None:
    assert DEPOSIT_SHARE_PCT == {"size": 20, "group": 30, "brand": 40}
    assert required_deposit_fen("size", 1_000_000) == 200_000
    assert required_deposit_fen("group", 1_000_000) == 300_000
    assert required_deposit_fen("brand", 1_000_001) == 400_001  # 400,000.4 rounds up
    with pytest.raises(ValueError):
        deposit_share_pct("bank")


@given(days)
def test_every_day_is_in_exactly_one_quarter(day: dt.date) -> None:
    q = Quarter.of(day)
    assert q.first_day <= day <= q.last_day
    assert q.previous().last_day + dt.timedelta(days=1) == q.first_day
    assert q.next().first_day == q.last_day + dt.timedelta(days=1)
    assert q.next().previous() == q and q.previous().next() == q
    assert Quarter.parse(q.label) == q and Quarter.parse(f"{q.year}-q{q.number}") == q
    assert q.previous() < q < q.next()
    assert 90 <= (q.last_day - q.first_day).days + 1 <= 92


@given(st.datetimes(dt.datetime(2001, 1, 1), dt.datetime(2098, 12, 31)))
def test_a_moment_belongs_to_the_quarter_of_its_beijing_day(at: dt.datetime) -> None:
    q = Quarter.at(at)
    start, end = q.utc_bounds()
    assert start <= at < end
    # Beijing is UTC+8 all year: a quarter starts at 16:00 UTC the day before
    assert start == dt.datetime.combine(q.first_day, dt.time()) - dt.timedelta(hours=8)


def test_new_years_eve_after_4_pm_utc_is_already_the_next_quarter() -> None:
    assert Quarter.at(dt.datetime(2026, 3, 31, 15, 59)) == Quarter(2026, 1)
    assert Quarter.at(dt.datetime(2026, 3, 31, 16, 0)) == Quarter(2026, 2)
    assert Quarter.at(dt.datetime(2026, 12, 31, 16, 0)).label == "2027Q1"


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "26Q1", "2026 Q1", "Q1 2026", ""])
def test_a_quarter_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Quarter.parse(text)


@given(kinds, money)
def test_the_required_deposit_is_the_share_rounded_up_to_the_fen(kind: str,
                                                                 balance: int) -> None:
    required = required_deposit_fen(kind, balance)
    share = DEPOSIT_SHARE_PCT[kind]  # type: ignore[index]
    if balance <= 0:
        assert required == 0
        return
    assert required * 100 >= balance * share  # at least the share
    assert (required - 1) * 100 < balance * share  # and not a fen more than needed


@given(kinds, st.integers(0, 10**12), st.integers(0, 10**12))
def test_a_larger_balance_never_requires_less_and_a_higher_share_never_less(
        kind: str, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert required_deposit_fen(kind, low) <= required_deposit_fen(kind, high)
    assert (required_deposit_fen("size", high) <= required_deposit_fen("group", high)
            <= required_deposit_fen("brand", high))


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_the_shortfall_is_what_the_deposit_lacks(required: int, deposited: int) -> None:
    short = shortfall_fen(required, deposited)
    assert short >= 0
    assert (short == 0) == (deposited >= required)
    assert deposited + short >= required
    if short:
        assert deposited + short == required


@given(money, money, st.integers(1, 1000))
def test_the_revenue_alert_fires_exactly_past_the_share(balance: int, revenue: int,
                                                        share: int) -> None:
    over = over_revenue_share(balance, revenue, share)
    if balance <= 0:
        assert not over
    elif revenue <= 0:
        assert over
    else:
        assert over == (balance * 100 > revenue * share)


def test_the_revenue_alert_at_the_boundary() -> None:
    assert not over_revenue_share(40_000, 100_000, 40)  # exactly 40 %: not past it
    assert over_revenue_share(40_001, 100_000, 40)


@given(days, st.integers(1, 36))
def test_the_revenue_window_is_the_months_ending_with_the_day(last: dt.date,
                                                              months: int) -> None:
    first, end = revenue_window(last, months)
    assert end == last
    length = (last - first).days + 1
    assert 28 * months - 3 <= length <= 31 * months
    assert first <= last


def test_the_revenue_window_of_a_quarter_is_its_year() -> None:
    assert revenue_window(dt.date(2026, 9, 30)) == (dt.date(2025, 10, 1), dt.date(2026, 9, 30))
    assert revenue_window(dt.date(2026, 3, 31), 1) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert revenue_window(dt.date(2024, 3, 30), 1) == (dt.date(2024, 2, 29), dt.date(2024, 3, 30))
