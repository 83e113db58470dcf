"""Campaigns measured honestly, as pure rules: who is held out, who may be contacted, and what
a campaign did compared with its holdout.

A **holdout** is a random share of a campaign's audience that gets nothing, so that what the
treated members did can be compared with what they would have done anyway. Assignment is a
hash of the campaign's seed and the member's id: reproducible (the same member is always in
the same group of a campaign), independent between campaigns, and uniform, so the holdout's
size is binomial around the configured share.

**Results** compare per-member outcomes (bought or not, revenue, redeemed or not) between the
two groups: the difference of means with a 95 % confidence interval by the normal
approximation with each group's own variance (Welch), and the incremental revenue, that
difference times the treated group's size. An interval that covers zero is a campaign that
cannot be told apart from doing nothing, and says so.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

#: two-sided 95 %
Z95 = 1.959963984540054
DEFAULT_HOLDOUT_PCT = 10
DEFAULT_MONTHLY_CONTACTS = 4


def holdout_draw(seed: str, member_id: str) -> float:
    """The member's uniform draw in [0, 1) for a campaign seeded ``seed``."""
    digest = hashlib.sha256(f"{seed}:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def in_holdout(seed: str, member_id: str, pct: int) -> bool:
    """Whether the member is held out of the campaign (``pct`` percent of members are)."""
    if not 0 <= pct <= 90:
        raise ValueError("a holdout is 0-90 % of the audience")
    return holdout_draw(seed, member_id) < pct / 100


def may_contact(contacts_this_month: int, consent: bool, cap: int, *,
                personalised: bool = True) -> str | None:
    """Why a member may not be contacted, or None: without marketing consent never; for a
    campaign that chose them by their profile, not once they withdrew personalised offers
    (``personalised`` False: PIPL Art. 24); and not more than ``cap`` times a month (holdout
    members count: they were chosen too)."""
    if not consent:
        return "consent"
    if not personalised:
        return "personalised"
    if contacts_this_month >= cap:
        return "cap"
    return None


@dataclass(frozen=True)
class Estimate:
    """A difference between treated and holdout with its 95 % interval."""

    treated: float
    holdout: float
    diff: float
    low: float
    high: float

    @property
    def covers_zero(self) -> bool:
        return self.low <= 0 <= self.high

    def scaled(self, factor: float) -> Estimate:
        return Estimate(self.treated * factor, self.holdout * factor, self.diff * factor,
                        self.low * factor, self.high * factor)


def _mean_var(values: Sequence[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return mean, var


def difference(treated: Sequence[float], holdout: Sequence[float]) -> Estimate | None:
    """Mean of ``treated`` minus mean of ``holdout``, 95 % interval (Welch, normal
    approximation); None when a group has fewer than two members."""
    if len(treated) < 2 or len(holdout) < 2:
        return None
    mt, vt = _mean_var(treated)
    mh, vh = _mean_var(holdout)
    se = math.sqrt(vt / len(treated) + vh / len(holdout))
    diff = mt - mh
    return Estimate(mt, mh, diff, diff - Z95 * se, diff + Z95 * se)


@dataclass(frozen=True)
class Outcome:
    """One member's outcome over a window."""

    purchased: bool
    revenue_fen: int
    redeemed: bool = False


@dataclass(frozen=True)
class Results:
    treated: int
    holdout: int
    redemption_rate: float  # treated members who used the benefit
    purchase_share: Estimate | None  # share of members who bought
    revenue_per_member: Estimate | None  # fen
    incremental_revenue: Estimate | None  # fen: revenue_per_member × treated
    cost_fen: int

    @property
    def verdict(self) -> str:
        """``worked``, ``harmed``, ``no_effect`` (interval covers zero) or ``too_few``."""
        est = self.revenue_per_member
        if est is None:
            return "too_few"
        if est.covers_zero:
            return "no_effect"
        return "worked" if est.diff > 0 else "harmed"


def results(treated: Sequence[Outcome], holdout: Sequence[Outcome], cost_fen: int) -> Results:
    bought = difference([float(o.purchased) for o in treated],
                        [float(o.purchased) for o in holdout])
    revenue = difference([float(o.revenue_fen) for o in treated],
                         [float(o.revenue_fen) for o in holdout])
    return Results(
        treated=len(treated), holdout=len(holdout),
        redemption_rate=sum(o.redeemed for o in treated) / len(treated) if treated else 0.0,
        purchase_share=bought, revenue_per_member=revenue,
        incremental_revenue=revenue.scaled(len(treated)) if revenue else None,
        cost_fen=cost_fen)
