"""Campaign rules: the holdout is reproducible and the configured share; results find a known
effect with an interval that covers it, and call no effect no effect."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storeapp.campaign_rules import (
    Outcome,
    difference,
    holdout_draw,
    in_holdout,
    may_contact,
    results,
)


def test_the_holdout_is_the_configured_share_within_a_binomial_bound() -> None:
    n, pct = 20_000, 10
    held = sum(in_holdout("SEED-2026", f"member-{i}", pct) for i in range(n))
    expected, sd = n * pct / 100, math.sqrt(n * 0.1 * 0.9)
    assert abs(held - expected) < 4 * sd  # |z| < 4: fails about once in 16,000 seeds


@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=36),
       st.integers(0, 90))
def test_the_same_member_is_always_in_the_same_group(seed: str, member: str, pct: int) -> None:
    assert in_holdout(seed, member, pct) == in_holdout(seed, member, pct)
    assert 0 <= holdout_draw(seed, member) < 1
    assert in_holdout(seed, member, 0) is False


def test_campaigns_hold_out_different_members() -> None:
    a = {i for i in range(5000) if in_holdout("A", str(i), 10)}
    b = {i for i in range(5000) if in_holdout("B", str(i), 10)}
    # independent draws: the overlap is about 1 % of members, not 10 %
    assert len(a & b) < 5000 * 0.02


def test_a_holdout_over_ninety_percent_is_refused() -> None:
    with pytest.raises(ValueError):
        in_holdout("s", "m", 95)


def test_no_consent_no_contact_and_the_monthly_cap() -> None:
    assert may_contact(0, False, 4) == "consent"
    assert may_contact(3, True, 4) is None
    assert may_contact(4, True, 4) == "cap"


def test_a_difference_is_mean_minus_mean_with_welch_interval() -> None:
    est = difference([1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 2.0])
    assert est is not None
    assert est.diff == pytest.approx(1.5)
    se = math.sqrt((5 / 3) / 4 + 1.0 / 3)
    assert est.low == pytest.approx(1.5 - 1.959963984540054 * se)
    assert est.high == pytest.approx(1.5 + 1.959963984540054 * se)
    assert difference([1.0], [1.0, 2.0]) is None


def _world(rng: random.Random, n: int, effect_fen: int) -> tuple[list[Outcome], list[Outcome]]:
    treated, holdout = [], []
    for i in range(n):
        held = in_holdout("world", str(i), 10)
        base = rng.choice([0, 0, 0, 5_000, 10_000, 20_000])
        lift = 0 if held else (effect_fen if rng.random() < 0.5 else 0) * 2
        outcome = Outcome(purchased=base + lift > 0, revenue_fen=base + lift,
                          redeemed=not held and lift > 0)
        (holdout if held else treated).append(outcome)
    return treated, holdout


def test_a_known_effect_is_found_and_covered_by_its_interval() -> None:
    rng = random.Random(42)
    treated, holdout = _world(rng, 20_000, effect_fen=3_000)  # +¥30 per treated member
    found = results(treated, holdout, cost_fen=0)
    est = found.revenue_per_member
    assert est is not None and est.low <= 3_000 <= est.high
    assert not est.covers_zero and found.verdict == "worked"
    assert found.incremental_revenue is not None
    assert found.incremental_revenue.diff == pytest.approx(est.diff * len(treated))


def test_no_effect_is_called_no_effect() -> None:
    rng = random.Random(43)
    treated, holdout = _world(rng, 20_000, effect_fen=0)
    found = results(treated, holdout, cost_fen=0)
    assert found.revenue_per_member is not None and found.revenue_per_member.covers_zero
    assert found.verdict == "no_effect"


def test_over_many_worlds_the_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    rng = random.Random(44)
    covered = 0
    for _ in range(200):
        treated, holdout = _world(rng, 2_000, effect_fen=1_000)
        est = difference([float(o.revenue_fen) for o in treated],
                         [float(o.revenue_fen) for o in holdout])
        assert est is not None
        covered += est.low <= 1_000 <= est.high
    assert 180 <= covered <= 200  # 95 % of 200 = 190; binomial sd ≈ 3
