"""Paid membership (付费会员): buying a plan, its benefits while active, renewal from the current
expiry, and the monthly coupons it brings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, InvalidInput, NotFound, Refused
from storeapp.models import MemberPlan
from storeapp.results import ActionResult
from storeapp.services import coupons, members, plans
from storeapp.services.members import MemberView
from tests.helpers import (
    CASHIER,
    START,
    add_coupon_template,
    all_rows,
    counts,
    coupons_of,
    outbox_types,
    reload,
    sell,
    topup,
)

YEAR = dt.timedelta(days=365)


@pytest.fixture
def vip(db: Database) -> str:
    """¥99 a year: 3% extra off and double points."""
    plans.add_plan(db, code="VIP", name="年卡会员", fee_fen=9_900, duration_days=365,
                   extra_discount_pct="3", points_multiplier="2", actor="HQ")
    return "VIP"


def buy(db: Database, member: MemberView, plan: str, method: str = "cash",
        **kwargs: str) -> ActionResult:
    return plans.buy(db, member.member_id, plan, method=method, actor=CASHIER, **kwargs)


@pytest.mark.parametrize(("fields", "code"), [
    ({"fee_fen": 0}, "bad_plan"), ({"duration_days": 0}, "bad_plan"),
    ({"extra_discount_pct": "50"}, "bad_plan"), ({"extra_discount_pct": "-1"}, "bad_plan"),
])
def test_plan_validation(db: Database, fields: dict[str, Any], code: str) -> None:
    plan: dict[str, Any] = {"code": "P", "name": "P", "fee_fen": 100, "duration_days": 30,
                            **fields}
    with pytest.raises(InvalidInput) as refused:
        plans.add_plan(db, actor="HQ", **plan)
    assert refused.value.code == code


def test_buying_a_plan_records_its_period(db: Database, vip: str, member: MemberView) -> None:
    bought = buy(db, member, vip)
    assert (bought["starts_at"], bought["expires_at"], bought["fee_fen"]) == (
        START.isoformat(), (START + YEAR).isoformat(), 9_900)
    [row] = all_rows(db, MemberPlan)
    assert (row.plan_code, row.method, row.starts_at, row.expires_at) == (
        "VIP", "cash", START, START + YEAR)
    assert "plan_bought" in outbox_types(db)
    assert counts(db, "wallet_entries")["wallet_entries"] == 0  # paid in cash at the till


def test_plan_benefits_apply_while_active(db: Database, clock: FixedClock, vip: str,
                                          member: MemberView) -> None:
    buy(db, member, vip)
    sale = sell(db, member, 10_000)
    assert (sale["discount_fen"], sale["total_fen"]) == (300, 9_700)
    assert sale["points_earned"] == 194  # 97 × 2
    clock.set(START + YEAR)  # the plan has run out
    sale = sell(db, member, 10_000)
    assert (sale["discount_fen"], sale["points_earned"]) == (0, 100)


def test_plan_discount_adds_to_the_tier_discount(db: Database, vip: str,
                                                 member: MemberView) -> None:
    sell(db, member, 100_000)  # silver: 2%
    buy(db, member, vip)
    sale = sell(db, member, 10_000)
    assert (sale["discount_fen"], sale["total_fen"]) == (500, 9_500)
    assert sale["points_earned"] == 228  # 95 × 1.2 × 2


def test_renewal_starts_at_the_current_expiry(db: Database, clock: FixedClock, vip: str,
                                              member: MemberView) -> None:
    buy(db, member, vip)
    clock.set(START + dt.timedelta(days=100))
    renewed = buy(db, member, vip)
    assert (renewed["starts_at"], renewed["expires_at"]) == (
        (START + YEAR).isoformat(), (START + 2 * YEAR).isoformat())
    clock.set(START + YEAR + dt.timedelta(days=1))  # in the renewed period
    assert sell(db, member, 10_000)["discount_fen"] == 300
    clock.set(START + 2 * YEAR)
    assert sell(db, member, 10_000)["discount_fen"] == 0


def test_buying_after_expiry_starts_now(db: Database, clock: FixedClock, vip: str,
                                        member: MemberView) -> None:
    buy(db, member, vip)
    later = START + dt.timedelta(days=400)
    clock.set(later)
    bought = buy(db, member, vip)
    assert (bought["starts_at"], bought["expires_at"]) == (later.isoformat(),
                                                           (later + YEAR).isoformat())


def test_monthly_coupons_are_issued_each_valid_in_its_own_month(
        db: Database, clock: FixedClock, member: MemberView) -> None:
    add_coupon_template(db, "MONTHLY", value=1_000, valid_days=30)
    plans.add_plan(db, code="Q", name="季卡", fee_fen=2_900, duration_days=90,
                   monthly_coupon_template="MONTHLY", monthly_coupon_count=2, actor="HQ")
    bought = buy(db, member, "Q")
    assert len(bought["coupons"]) == 6  # 3 months × 2
    starts = sorted(c.valid_from for c in coupons_of(db, member))
    assert starts == [START] * 2 + [dt.datetime(2026, 4, 10, 2)] * 2 + [
        dt.datetime(2026, 5, 10, 2)] * 2
    assert {c.reason for c in coupons_of(db, member)} == {"plan"}
    assert len(coupons.usable(db, member.member_id)) == 2
    clock.set(dt.datetime(2026, 4, 10, 2))  # March's pair has expired, April's is usable
    usable = coupons.usable(db, member.member_id)
    assert [u["valid_until"] for u in usable] == ["2026-05-10T02:00:00"] * 2


def test_paying_for_a_plan_from_stored_value(db: Database, vip: str, member: MemberView) -> None:
    topup(db, member, 50_000)
    buy(db, member, vip, method="wallet")
    after = reload(db, member)
    assert (after.principal_fen, after.bonus_fen) == (41_000, 4_100)  # 9,000 + 900 taken


def test_stored_value_plan_purchase_needs_the_pin(db: Database, vip: str,
                                                  member: MemberView) -> None:
    topup(db, member, 50_000)
    members.set_pin(db, member.member_id, "135790", actor=CASHIER)
    with pytest.raises(AuthError) as refused:
        buy(db, member, vip, method="wallet", pin="000000")
    assert refused.value.code == "wrong_pin"
    assert reload(db, member).balance_fen == 55_000
    assert all_rows(db, MemberPlan) == []
    buy(db, member, vip, method="wallet", pin="135790")
    assert reload(db, member).balance_fen == 55_000 - 9_900


def test_unknown_plan_bad_method_and_frozen_member_are_refused(db: Database, vip: str,
                                                               member: MemberView) -> None:
    with pytest.raises(NotFound) as unknown:
        buy(db, member, "GOLDEN")
    assert unknown.value.code == "unknown_plan"
    with pytest.raises(InvalidInput) as method:
        buy(db, member, vip, method="iou")
    assert method.value.code == "bad_method"
    members.freeze(db, member.member_id, actor=CASHIER, reason="dispute")
    with pytest.raises(Refused) as frozen:
        buy(db, member, vip)
    assert frozen.value.code == "member_frozen"
    assert all_rows(db, MemberPlan) == []
