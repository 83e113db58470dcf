"""What a paid plan is worth to a member (:mod:`storeapp.plan_value_rules`), read from their last
12 months: the member panel loads it with the member, and a member's sale receipt carries it,
written in the sale's transaction.

It runs in every member checkout at a till with a printer, so it reads little and sums in the
database: the member's plan periods (``member_plans`` by member; a chain without plans on sale
stops there for a member without one), then the member's sales of the window by
``ix_sales_member_time`` in two queries — the plain ones (no coupon, no points, no staff price:
most) summed per plan by the same integer arithmetic as :func:`~storeapp.money.percent_of`
(:func:`~storeapp.plan_value_rules.percent_ratio`), the others read one by one for the pricing
rules. Each sale's plan is the period checkout applied (:func:`storeapp.services.plans.active`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, literal, not_, null, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased

from storeapp.db import Database
from storeapp.models import Coupon, CouponTemplate, MemberPlan, Plan, Sale
from storeapp.plan_value_rules import (
    NOTHING,
    Held,
    PastSale,
    PlanTerms,
    PlanValue,
    Tally,
    decide,
    holding,
    percent_ratio,
    tally,
    window_start,
)
from storeapp.pricing import CouponTerms, PricingRules
from storeapp.services import members

__all__ = ["PlanValue", "value", "value_in"]

_TERMS = (Plan.code, Plan.name, Plan.fee_fen, Plan.duration_days, Plan.extra_discount_pct)

# Built once (as plans._ACTIVE): this runs in member checkouts.
_HELD = (
    select(MemberPlan.starts_at, MemberPlan.expires_at, *_TERMS).join(Plan)
    .where(MemberPlan.member_id == bindparam("member_id"),
           MemberPlan.expires_at > bindparam("since"), MemberPlan.starts_at <= bindparam("now"))
)
_OFFERED = select(*_TERMS).where(Plan.active.is_(True)).order_by(Plan.code)
_period = aliased(MemberPlan)
#: the plan a sale was made under, picked as checkout picks it (plans.active)
_UNDER = (
    select(_period.plan_code)
    .where(_period.member_id == Sale.member_id, _period.starts_at <= Sale.created_at,
           _period.expires_at > Sale.created_at)
    .order_by(_period.expires_at.desc()).limit(1).scalar_subquery()
)
_WINDOW = and_(Sale.member_id == bindparam("member_id"), Sale.created_at >= bindparam("since"),
               Sale.created_at <= bindparam("now"), Sale.status == "completed")
_PLAIN = and_(Sale.coupon_code.is_(None), Sale.points_redeemed == 0,
              Sale.staff_discount_fen == 0)
_OTHERS = (
    select(Sale.subtotal_fen, Sale.discount_fen, Sale.staff_discount_fen, Sale.coupon_fen,
           Sale.points_redeemed, Sale.points_fen, Sale.total_fen, _UNDER, Sale.coupon_code,
           Coupon.reason, CouponTemplate.kind, CouponTemplate.value,
           CouponTemplate.min_spend_fen)
    .outerjoin(Coupon, Coupon.code == Sale.coupon_code)
    .outerjoin(CouponTemplate, CouponTemplate.code == Coupon.template_code)
    .where(_WINDOW, not_(_PLAIN))
)


def value(db: Database, member_ref: str) -> PlanValue:
    """What the member's plan saved them in the last 12 months, or the plan they missed."""
    with db.reader() as s:
        member_id = members.load(db, s, member_ref).member_id
        return value_in(s, member_id, db.clock.now(), PricingRules.of(db.settings))


def value_in(session: Session, member_id: str, now: dt.datetime,
             rules: PricingRules) -> PlanValue:
    """:func:`value` inside the caller's transaction (a sale's, so the sale counts)."""
    conn = session.connection()
    params = {"member_id": member_id, "since": window_start(now), "now": now}
    periods = [Held(_terms(r[2:]), r[0], r[1]) for r in conn.execute(_HELD, params)]
    current = holding(periods, now)
    offered = [] if current else [_terms(r) for r in conn.execute(_OFFERED)]
    if current is None and not offered:
        return NOTHING  # nothing held, nothing on sale
    held = {h.plan.code: h.plan for h in periods}
    others = [_sale(r) for r in conn.execute(_OTHERS, params)]
    figures = (_plain_sums(conn, params, held if current else {}, offered, bool(periods))
               + tally(others, held, offered, rules))
    return decide(figures, current.plan if current else None, offered)


def _plain_sums(conn: Connection, params: Mapping[str, object], held: Mapping[str, PlanTerms],
                offered: Sequence[PlanTerms], any_held: bool) -> Tally:
    """The :class:`Tally` of the plain sales, summed by the database:
    :func:`~storeapp.plan_value_rules.plain_share` of each held plan over the sales made under
    it, :func:`~storeapp.plan_value_rules.plain_saving` of each offered plan over the others."""
    query = _plain_query(any_held, tuple(percent_ratio(p.extra_discount_pct)
                                         for p in held.values()),
                         tuple(percent_ratio(p.extra_discount_pct) for p in offered))
    saved, would = 0, dict.fromkeys((p.code for p in offered), 0)
    for plan_code, *sums in conn.execute(query, params):
        if plan_code is not None:
            if plan_code in held:
                saved += sums[list(held).index(plan_code)] or 0
        else:
            for p, total in zip(offered, sums[len(held):], strict=True):
                would[p.code] += total or 0
    return Tally(saved, would)


@functools.lru_cache(maxsize=64)
def _plain_query(any_held: bool, shares: tuple[tuple[int, int], ...],
                 savings: tuple[tuple[int, int], ...]) -> Select[Any]:
    """The plain sales' sums, grouped by the plan they were made under: per held plan (its
    percent as :func:`~storeapp.plan_value_rules.percent_ratio`) within the discount, per
    offered plan within the total. Built once per set of plans: building costs more than
    running it on a member's year."""
    under = _UNDER if any_held else null()
    columns = [func.sum(func.min(_percent(n, m), Sale.discount_fen)) for n, m in shares]
    columns += [func.sum(func.min(_percent(n, m), Sale.total_fen)) for n, m in savings]
    query = select(under, *columns).where(_WINDOW, _PLAIN)
    return query.group_by(under) if any_held else query


def _percent(n: int, m: int) -> ColumnElement[int]:
    """``percent_of(subtotal_fen, pct)`` as SQL for ``pct`` as ``(n, m)``: the same half-up
    rounding in integers."""
    return (2 * Sale.subtotal_fen * literal(n) + literal(m)) // literal(2 * m)


def _terms(row: Sequence[Any]) -> PlanTerms:
    code, name, fee_fen, days, pct = row
    return PlanTerms(code, name, fee_fen, days, Decimal(pct))


def _sale(row: Any) -> PastSale:
    # unpacked by position: reading a row's fields by name costs more than the rest together
    (subtotal, discount, staff, coupon_fen, points, points_fen, total, plan_code, code, reason,
     kind, value, min_spend) = row
    return PastSale(subtotal, discount, staff or 0, coupon_fen, points, points_fen, total,
                    plan_code, CouponTerms(code, kind, value, min_spend) if code and kind
                    else None, reason == "plan")
