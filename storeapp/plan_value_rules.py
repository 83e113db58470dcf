"""What a paid plan (付费会员) is worth to one member, from the sales they made: for a member who
holds a plan, what it saved them over the last 12 months; for one who does not, what the best
plan on sale would have saved them, shown only when that is more than the plan costs for the
year ("开通PLUS会员，过去一年可省 ¥186"). The counter's member panel and the sale receipt show it.

Pure arithmetic over figures the sales recorded, no database and no clock: the service loads the
member's sales of the window, the plans they held and the plans on sale
(:mod:`storeapp.services.plan_value`) and calls :func:`tally` and :func:`decide` (together:
:func:`plan_value`); property tests run against them directly.

What is counted, and why:

* **Saved** (a sale made under a plan, ``plan_code`` — checkout gave it the plan's discount): the
  plan's extra percent of the sale's subtotal, never more than the member discount the sale
  recorded (the sale records tier and plan discount as one figure; splitting it by percent is
  exact within a fen), plus the value of a coupon the plan issued that the sale used (recorded).
  A staff-priced sale got the staff price *instead of* the tier and plan discount, so the plan's
  percent gave nothing there.
* **Missed** (a sale made without a plan): the sale priced again by the pricing rules
  (:func:`storeapp.pricing.coupon_off`, :func:`storeapp.pricing.max_redeemable_points`) with
  the plan's extra percent added to the recorded discount; the saving is what the total would
  have dropped by, never below 0 (a coupon that no longer reaches its minimum spend can make a
  sale dearer: it counts 0) and never more than was paid. Staff-priced sales count 0.
* Not counted either way: the plan's points multiplier (points are worth money only when
  redeemed, and their multiplier mixes with tier, promotion day and birthday) and, for a missed
  plan, its monthly coupons (nobody knows whether they would have been used). Both figures are
  therefore what the member certainly saved or would have saved: never an overstatement.
* A plan shorter than the window costs its fee as many times as it takes to cover 12 months
  (:func:`year_fee`); the plan shown as missed is the one with the best saving net of that cost.

A :class:`Tally` adds up: the figures of some sales plus those of the others are the figures of
all. The service lets the database sum the *plain* sales (no coupon, no points, no staff price:
most of them), for which the two per-sale figures reduce to :func:`plain_share` and
:func:`plain_saving`, and tallies the rest here; a test checks both ways agree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from storeapp.clock import add_months
from storeapp.errors import DomainError
from storeapp.money import percent_of
from storeapp.pricing import CouponTerms, PricingRules, coupon_off, max_redeemable_points
from storeapp.results import Record

WINDOW_MONTHS = 12
#: The days a plan's fee is counted over (a 90-day plan is bought ⌈365/90⌉ = 5 times a year).
WINDOW_DAYS = 365
SAVED = "saved"
MISSED = "missed"


@dataclass(frozen=True)
class PlanTerms:
    """What a plan is sold for and what its discount is."""

    code: str
    name: str
    fee_fen: int
    duration_days: int
    extra_discount_pct: Decimal


@dataclass(frozen=True)
class Held:
    """A period the member held a plan: sales in ``starts_at <= at < expires_at`` had it."""

    plan: PlanTerms
    starts_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PastSale:
    """A completed sale of the member as it was recorded."""

    subtotal_fen: int
    #: the member discount: tier and plan together, or the staff price on a staff sale
    discount_fen: int
    staff_discount_fen: int
    coupon_fen: int
    points_redeemed: int
    points_fen: int
    total_fen: int
    #: the plan the sale was made under (checkout gave it that plan's discount), or None
    plan_code: str | None = None
    #: the coupon's terms, to price the sale again (None: no coupon, or its terms are gone)
    coupon: CouponTerms | None = None
    #: the coupon used was one a plan issued: its value is the plan's
    plan_coupon: bool = False


@dataclass(frozen=True, eq=False)
class PlanValue(Record):
    """What the member panel and the receipt show: ``kind`` ``"saved"`` (the member's plan saved
    ``amount_fen`` in the last 12 months), ``"missed"`` (plan ``plan_code`` would have saved
    ``amount_fen`` for ``fee_fen`` a year), or None (nothing worth saying)."""

    kind: str | None = None
    plan_code: str | None = None
    plan_name: str | None = None
    amount_fen: int = 0
    fee_fen: int = 0


NOTHING = PlanValue()


@dataclass(frozen=True)
class Tally:
    """What plans took off the sales made under them (``saved_fen``), and what each plan on
    sale would have taken off the sales made without one (``would_fen`` by plan code)."""

    saved_fen: int = 0
    would_fen: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: Tally) -> Tally:
        codes = {*self.would_fen, *other.would_fen}
        return Tally(self.saved_fen + other.saved_fen,
                     {c: self.would_fen.get(c, 0) + other.would_fen.get(c, 0) for c in codes})


@dataclass(frozen=True)
class Offer:
    """What one plan would have saved on the sales made without a plan, and its year's fee."""

    plan: PlanTerms
    saving_fen: int
    fee_fen: int

    @property
    def net_fen(self) -> int:
        return self.saving_fen - self.fee_fen


def window_start(now: dt.datetime) -> dt.datetime:
    """The first moment of the window the figures cover: 12 months before ``now``."""
    return add_months(now, -WINDOW_MONTHS)


def holding(held: Sequence[Held], at: dt.datetime) -> Held | None:
    """The plan period that applies at ``at`` (the latest-ending, as checkout picks it)."""
    periods = [h for h in held if h.starts_at <= at < h.expires_at]
    return max(periods, key=lambda h: h.expires_at, default=None)


def plan_value(sales: Iterable[PastSale], held: Mapping[str, PlanTerms],
               current: PlanTerms | None, offered: Sequence[PlanTerms],
               rules: PricingRules) -> PlanValue:
    """What to show for a member with these sales (of the window), the plans they held (by
    code), the plan they hold now and the plans on sale."""
    return decide(tally(sales, held, () if current else offered, rules), current, offered)


def tally(sales: Iterable[PastSale], held: Mapping[str, PlanTerms],
          offered: Sequence[PlanTerms], rules: PricingRules) -> Tally:
    """The figures of ``sales``: each plan's share of the sales made under it, and each offered
    plan's saving on the sales made without one."""
    saved, would = 0, dict.fromkeys((p.code for p in offered), 0)
    for sale in sales:
        if sale.plan_code is not None:
            plan = held.get(sale.plan_code)
            saved += plan_share(sale, plan) if plan is not None else 0
        else:
            for p in offered:
                would[p.code] += would_save(sale, p, rules)
    return Tally(saved, would)


def decide(figures: Tally, current: PlanTerms | None,
           offered: Sequence[PlanTerms]) -> PlanValue:
    """What the current plan saved (when it saved anything), or else the offered plan with the
    best saving net of its year's fee, when one saves more than that fee; else nothing."""
    if current is not None:
        if figures.saved_fen <= 0:
            return NOTHING
        return PlanValue(SAVED, current.code, current.name, figures.saved_fen, current.fee_fen)
    best = best_offer(figures, offered)
    if best is None:
        return NOTHING
    return PlanValue(MISSED, best.plan.code, best.plan.name, best.saving_fen, best.fee_fen)


def best_offer(figures: Tally, offered: Sequence[PlanTerms]) -> Offer | None:
    """The offered plan with the best saving net of its year's fee; None when none saves more
    than its fee. Ties go to the cheaper plan."""
    offers = [Offer(p, figures.would_fen.get(p.code, 0), year_fee(p)) for p in offered]
    worth = [o for o in offers if o.saving_fen > o.fee_fen]
    return max(worth, key=lambda o: (o.net_fen, -o.fee_fen, o.plan.code), default=None)


def plan_share(sale: PastSale, plan: PlanTerms) -> int:
    """What ``plan`` took off a sale made under it: its percent of the subtotal within the
    recorded member discount (nothing on a staff-priced sale), and a plan coupon's value."""
    share = 0
    if not sale.staff_discount_fen:
        share = plain_share(sale.subtotal_fen, sale.discount_fen, plan.extra_discount_pct)
    return share + (sale.coupon_fen if sale.plan_coupon else 0)


def would_save(sale: PastSale, plan: PlanTerms, rules: PricingRules) -> int:
    """How much less the sale would have cost with ``plan``: priced again from its recorded
    figures with the plan's percent added to the member discount, the coupon and the points
    taken off again by the pricing rules. Between 0 and what was paid."""
    if sale.staff_discount_fen:
        return 0  # the staff price replaced the member discount: a plan's percent adds nothing
    extra = percent_of(sale.subtotal_fen, plan.extra_discount_pct)
    after_discount = max(0, sale.subtotal_fen - sale.discount_fen - extra)
    coupon = min(sale.coupon_fen, after_discount)
    if sale.coupon is not None:
        try:
            coupon = coupon_off(sale.coupon, after_discount)
        except DomainError:
            coupon = 0  # below the coupon's minimum spend now: it would not have applied
    after_coupon = after_discount - coupon
    most = max_redeemable_points(rules, after_coupon)
    points_fen = min(sale.points_redeemed, most) * rules.points_fen_per_point
    total = after_coupon - min(points_fen, sale.points_fen, after_coupon)
    return min(max(0, sale.total_fen - total), sale.total_fen)


def plain_share(subtotal_fen: int, discount_fen: int, pct: Decimal) -> int:
    """:func:`plan_share` of a sale without staff price or plan coupon."""
    return max(0, min(percent_of(subtotal_fen, pct), discount_fen))


def plain_saving(subtotal_fen: int, total_fen: int, pct: Decimal) -> int:
    """:func:`would_save` of a sale without coupon, points or staff price: the plan's percent,
    within what was paid."""
    return max(0, min(percent_of(subtotal_fen, pct), total_fen))


def percent_ratio(pct: Decimal) -> tuple[int, int]:
    """``pct`` as whole numbers ``(n, m)`` with ``percent_of(x, pct) == (2*x*n + m) // (2*m)``
    for any ``x >= 0``: the same rounding in integer arithmetic, for a database to sum."""
    sign, digits, exponent = pct.as_tuple()
    if sign or not isinstance(exponent, int):
        raise ValueError(f"a plan's percent is a finite number from 0: {pct}")
    n = int("".join(map(str, digits)) or "0")
    if exponent >= 0:
        return n * 10**exponent, 100
    return n, 100 * 10**-exponent


def year_fee(plan: PlanTerms) -> int:
    """What holding ``plan`` for the whole window costs: its fee, once per period it takes."""
    return plan.fee_fen * math.ceil(WINDOW_DAYS / max(1, plan.duration_days))
