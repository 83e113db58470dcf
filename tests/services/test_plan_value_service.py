"""What a paid plan is worth to a member, read from a real till database
(storeapp.services.plan_value): a plan member's saving, the plan a member without one missed,
the 12-month window, refunds, and the receipt payload written in the sale's transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select
from sqlalchemy.engine import Connection

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import Coupon, CouponTemplate, Member, MemberPlan, Plan, PrintJob, Sale
from storeapp.plan_value_rules import (
    MISSED,
    NOTHING,
    SAVED,
    PastSale,
    PlanTerms,
    plan_value,
    window_start,
)
from storeapp.pricing import PricingRules
from storeapp.services import plan_value as plan_value_service
from storeapp.services import plans, sales
from storeapp.services.members import MemberView
from tests.helpers import (
    CASHIER,
    add_coupon_template,
    approve,
    coupons_of,
    register,
    sell,
    set_setting,
)
from tests.test_plan_value import PLUS, QUARTER, past_sales

DAY = dt.timedelta(days=1)
HALF = PlanTerms("HALF", "半年卡", 5_900, 180, Decimal("2.5"))


@pytest.fixture
def plus(db: Database) -> str:
    """¥99 a year: 3% extra off and a ¥10 coupon each month."""
    add_coupon_template(db, "PLUS10", value=1_000, valid_days=30)
    plans.add_plan(db, code="PLUS", name="PLUS会员", fee_fen=9_900, duration_days=365,
                   extra_discount_pct="3", monthly_coupon_template="PLUS10",
                   monthly_coupon_count=1, actor="HQ")
    return "PLUS"


def test_a_member_without_a_plan_sees_the_plan_they_missed(
        db: Database, clock: FixedClock, plus: str, member: MemberView, manager: object) -> None:
    sell(db, member, 310_000)  # 3% would have been ¥93; the tier discount changes nothing
    clock.advance(days=200)
    sell(db, member, 310_000)
    refunded = sell(db, member, 500_000)
    sales.refund(db, str(refunded["receipt_no"]), actor=CASHIER, grant=approve(db))
    shown = plan_value_service.value(db, member.phone)
    assert (shown.kind, shown.plan_code, shown.plan_name) == (MISSED, "PLUS", "PLUS会员")
    assert (shown.amount_fen, shown.fee_fen) == (18_600, 9_900)
    clock.advance(days=200)  # the first sale is out of the 12 months: ¥93 < ¥99
    assert plan_value_service.value(db, member.member_id) == NOTHING


def test_a_plan_member_sees_what_the_plan_saved(db: Database, clock: FixedClock, plus: str,
                                                member: MemberView) -> None:
    sell(db, member, 50_000)  # before the plan: nothing off
    plans.buy(db, member.member_id, plus, method="cash", actor=CASHIER)
    assert plan_value_service.value(db, member.member_id) == NOTHING  # nothing saved yet
    clock.advance(days=3)
    first = sell(db, member, 100_000)
    coupon = next(c.code for c in coupons_of(db, member)
                  if c.valid_from <= clock.now() < c.valid_until)
    second = sell(db, member, 100_000, coupon_code=coupon)
    assert (first["discount_fen"], second["coupon_fen"]) == (3_000, 1_000)
    shown = plan_value_service.value(db, member.member_id)
    assert (shown.kind, shown.plan_code, shown.amount_fen, shown.fee_fen) == (
        SAVED, "PLUS", 3_000 + 3_000 + 1_000, 9_900)


def test_a_chain_without_plans_has_nothing_to_say(db: Database, member: MemberView) -> None:
    sell(db, member, 900_000)
    assert plan_value_service.value(db, member.member_id) == NOTHING


def test_the_figures_take_few_indexed_queries(db: Database, clock: FixedClock, plus: str,
                                              member: MemberView) -> None:
    """Four small queries for a member to offer a plan to (periods, plans on sale, the sales
    with a coupon, points or staff price one by one, the plain ones summed), three for a plan
    member; the sales are read by the member-and-time index."""
    for _ in range(3):
        sell(db, member, 20_000)
    other = register(db, phone="13900001111", name="李四")
    plans.buy(db, other.member_id, plus, method="cash", actor=CASHIER)
    offered = _selects(db, member.member_id)
    assert len(offered) == 4
    assert len(_selects(db, other.member_id)) == 3
    with db.reader() as s:
        for sql, params in offered:
            if "FROM sales" in sql:
                plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql,
                                                      params).all()
                assert any("ix_sales_member_time" in str(row) for row in plan), plan


def _selects(db: Database, member_id: str) -> list[tuple[str, Any]]:
    """The SELECTs :func:`plan_value.value_in` runs for the member, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def count(conn: Connection, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if statement.startswith("SELECT"):
            seen.append((statement, params))

    with db.reader() as s:
        engine = s.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            plan_value_service.value_in(s, member_id, db.clock.now(), PricingRules.of(db.settings))
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return seen


# -- the receipt --------------------------------------------------------------------------------

def sale_slips(db: Database) -> list[dict[str, Any]]:
    with db.reader() as s:
        rows = s.scalars(select(PrintJob).where(PrintJob.kind == "sale")
                         .order_by(PrintJob.id)).all()
        return [json.loads(r.payload_json) for r in rows]


def test_the_sale_receipt_carries_the_saving_this_sale_included(
        db: Database, clock: FixedClock, plus: str, member: MemberView) -> None:
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")
    plans.buy(db, member.member_id, plus, method="cash", actor=CASHIER)
    sell(db, member, 100_000)
    sell(db, None, 100_000)  # no member: no saving to show
    sell(db, member, 20_000)
    first, anonymous, second = sale_slips(db)
    assert first["plan_value"] == {"kind": SAVED, "plan_code": "PLUS", "plan_name": "PLUS会员",
                                   "amount_fen": 3_000, "fee_fen": 9_900}
    assert "plan_value" not in anonymous
    assert second["plan_value"]["amount_fen"] == 3_600


def test_a_receipt_without_anything_to_say_has_no_plan_line(db: Database, plus: str,
                                                            member: MemberView) -> None:
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")
    sell(db, member, 10_000)  # ¥3 would not pay for a ¥99 plan
    [slip] = sale_slips(db)
    assert "plan_value" not in slip


# -- the database's sums are the rule's --------------------------------------------------------

LAYOUTS = ("none", "lapsed", "holding")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sales=st.lists(past_sales(), max_size=10), layout=st.sampled_from(LAYOUTS))
def test_the_service_shows_what_the_rule_says_of_the_same_sales(
        db: Database, sales: list[PastSale], layout: str) -> None:
    """Random sales (coupons, points, staff price, under a plan or not, one out of the window,
    one refunded) written as a till stores them: the service, which lets the database sum the
    plain ones, shows what the rule works out from all of them one by one."""
    rules = PricingRules.of(db.settings)
    # a fee of 1 fen: a plan that saves anything shows, so its figure is compared to the fen
    terms = {p.code: dataclasses.replace(p, fee_fen=1) for p in (PLUS, QUARTER, HALF)}
    now = db.clock.now()
    start = window_start(now)
    periods = {"none": [], "lapsed": [("PLUS", start + 10 * DAY, start + 200 * DAY)],
               "holding": [("PLUS", start + 10 * DAY, start + 200 * DAY),
                           ("Q", now - 30 * DAY, now + 60 * DAY)]}[layout]
    when = {code: begin + DAY for code, begin, _ in periods}
    with db.session() as s, s.begin():
        for plan in terms.values():
            s.merge(Plan(code=plan.code, name=plan.name, fee_fen=plan.fee_fen,
                         duration_days=plan.duration_days,
                         extra_discount_pct=str(plan.extra_discount_pct), active=True))
        member_id = str(uuid.uuid4())
        s.add(Member(member_id=member_id, card_no=member_id[:20], phone=member_id[-20:],
                     name="测试", home_store="0001", created_at=start,
                     updated_at=start, last_visit_at=start))
        for code, begin, end in periods:
            s.add(MemberPlan(member_id=member_id, plan_code=code, action_key=f"k{uuid.uuid4()}",
                             fee_fen=terms[code].fee_fen, method="cash", starts_at=begin,
                             expires_at=end))
        s.flush()  # the rows below refer to these
        expected = []
        for i, sale in enumerate([*sales, sales[0] if sales else None, None]):
            late = i >= len(sales)  # the last two: out of the window, refunded
            if sale is None:
                continue
            under = sale.plan_code if sale.plan_code in when else None
            at = when[under] if under else start + 5 * DAY
            code = None
            if sale.coupon is not None:
                code = f"C{uuid.uuid4().hex[:12]}".upper()
                s.merge(CouponTemplate(code=code, name="券", kind=sale.coupon.kind,
                                       value=sale.coupon.value,
                                       min_spend_fen=sale.coupon.min_spend_fen, valid_days=30))
                s.flush()
                s.add(Coupon(code=code, template_code=code, member_id=member_id,
                             reason="plan" if sale.plan_coupon else "manual", action_key="k",
                             issued_at=at, valid_from=at, valid_until=at, used_at=at))
            s.add(Sale(receipt_no=f"R{uuid.uuid4().hex[:16]}", action_key=f"k{uuid.uuid4()}",
                       member_id=member_id, cashier="C01", store_code="0001", till_no=1,
                       subtotal_fen=sale.subtotal_fen, discount_fen=sale.discount_fen,
                       coupon_code=code, coupon_fen=sale.coupon_fen,
                       points_redeemed=sale.points_redeemed, points_fen=sale.points_fen,
                       total_fen=sale.total_fen, points_earned=0,
                       status="refunded" if i == len(sales) + 1 else "completed",
                       created_at=start - DAY if i == len(sales) else at,
                       staff_code=None, staff_discount_fen=sale.staff_discount_fen))
            if not late:
                expected.append(dataclasses.replace(sale, plan_code=under,
                                                    coupon=sale.coupon if code else None))
    current = terms["Q"] if layout == "holding" else None
    want = plan_value(expected, terms, current, list(terms.values()), rules)
    with db.reader() as s:
        assert plan_value_service.value_in(s, member_id, now, rules) == want
