"""Paid membership (付费会员): a plan bought for a fee adds benefits while active, and renews."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.clock import add_months
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound
from storeapp.ids import MemberId, new_action_key
from storeapp.models import MemberPlan, Plan
from storeapp.results import ActionResult, Done
from storeapp.services import coupons, members, shifts, spend_gate, wallet

METHODS = (*wallet.TOPUP_METHODS, "wallet")


def add_plan(db: Database, *, code: str, name: str, fee_fen: int, duration_days: int,
             extra_discount_pct: str = "0", points_multiplier: str = "1",
             monthly_coupon_template: str | None = None, monthly_coupon_count: int = 0,
             actor: str) -> None:
    if fee_fen <= 0 or duration_days <= 0:
        raise InvalidInput("bad_plan", "A plan needs a positive fee and duration")
    if not Decimal(0) <= Decimal(extra_discount_pct) < Decimal(50):
        raise InvalidInput("bad_plan", "Extra discount must be between 0 and 50 percent",
                           variant="discount")

    def body(ctx: Ctx) -> Done:
        ctx.session.merge(Plan(
            code=code, name=name, fee_fen=fee_fen, duration_days=duration_days,
            extra_discount_pct=extra_discount_pct, points_multiplier=points_multiplier,
            monthly_coupon_template=monthly_coupon_template,
            monthly_coupon_count=monthly_coupon_count, active=True,
        ))
        ctx.audit("plan_saved", code, fee_fen=fee_fen, days=duration_days)
        ctx.emit("plan_saved", code=code, name=name, fee_fen=fee_fen, duration_days=duration_days,
                 extra_discount_pct=extra_discount_pct, points_multiplier=points_multiplier)
        return Done()

    run_action(db, key=new_action_key(), kind="plan_save", actor=actor,
               request={"code": code}, body=body, returns=Done)


@dataclass(frozen=True, eq=False)
class PlanBought(ActionResult):
    """A plan bought or renewed: its period, and the monthly coupons issued for all of it."""

    member_id: MemberId
    plan: str
    fee_fen: int
    starts_at: str
    expires_at: str
    coupons: list[str]


@dataclass(frozen=True)
class ActivePlan:
    code: str
    name: str
    expires_at: dt.datetime
    extra_discount_pct: Decimal
    points_multiplier: Decimal


# Built once: this runs in every member checkout, and building a statement costs more than
# running it.
_ACTIVE = (
    select(Plan.code, Plan.name, MemberPlan.expires_at, Plan.extra_discount_pct,
           Plan.points_multiplier).join(Plan)
    .where(MemberPlan.member_id == bindparam("member_id"),
           MemberPlan.starts_at <= bindparam("now"), MemberPlan.expires_at > bindparam("now"))
    .order_by(MemberPlan.expires_at.desc()).limit(1)
)


def active(session: Session, member_id: str, now: dt.datetime) -> ActivePlan | None:
    row = session.connection().execute(_ACTIVE, {"member_id": member_id, "now": now}).first()
    if row is None:
        return None
    code, name, expires_at, extra_pct, multiplier = row
    return ActivePlan(code, name, expires_at, Decimal(extra_pct), Decimal(multiplier))


def buy(db: Database, member_ref: str, plan_code: str, *, method: str, actor: str,
        pin: str | None = None, key: str | None = None) -> PlanBought:
    """Buy or renew: a renewal starts when the current period ends. Monthly coupons are issued
    for the whole period at once, each valid in its own month."""
    if method not in METHODS:
        allowed = ", ".join(METHODS)
        raise InvalidInput("bad_method", f"Payment method must be one of {allowed}",
                           allowed=allowed)
    def body(ctx: Ctx) -> PlanBought:
        s = ctx.session
        plan = s.get(Plan, plan_code)
        if plan is None or not plan.active:
            raise NotFound("unknown_plan", f"No membership plan {plan_code}", plan=plan_code)
        member = members.lock(db, s, member_ref)
        members.require_open(member)
        latest = s.scalar(select(MemberPlan.expires_at).where(
            MemberPlan.member_id == member.member_id).order_by(MemberPlan.expires_at.desc()))
        starts = max(ctx.now, latest) if latest else ctx.now
        expires = starts + dt.timedelta(days=plan.duration_days)
        if method == "wallet":
            wallet.spend(ctx, member, plan.fee_fen, ref=ctx.key, pin=pin, verdict=verdict)
        shifts.record_payment(ctx, "plan", method, plan.fee_fen)
        s.add(MemberPlan(member_id=member.member_id, plan_code=plan.code, action_key=ctx.key,
                         fee_fen=plan.fee_fen, method=method, starts_at=starts,
                         expires_at=expires))
        issued: list[str] = []
        if plan.monthly_coupon_template and plan.monthly_coupon_count:
            month = 0
            while add_months(starts, month) < expires:
                issued += [coupons.issue_in(ctx, plan.monthly_coupon_template, member.member_id,
                                            "plan", valid_from=add_months(starts, month))
                           for _ in range(plan.monthly_coupon_count)]
                month += 1
        ctx.audit("plan_bought", member.member_id, plan=plan.code, fee_fen=plan.fee_fen,
                  method=method)
        ctx.emit("plan_bought", member_id=member.member_id, plan=plan.code, fee_fen=plan.fee_fen,
                 method=method, starts_at=starts.isoformat(), expires_at=expires.isoformat())
        return PlanBought(member_id=member.member_id, plan=plan.code, fee_fen=plan.fee_fen,
                          starts_at=starts.isoformat(), expires_at=expires.isoformat(),
                          coupons=issued)

    def share() -> tuple[str | None, int]:
        """Paid from stored value: head office holds the fee first (or the offline allowance
        applies)."""
        if method != "wallet":
            return None, 0
        with db.reader() as s:
            plan = s.get(Plan, plan_code)
            if plan is None or not plan.active:
                return None, 0  # the action refuses it
            return members.load(db, s, member_ref).member_id, plan.fee_fen

    key = key_or_new(key)
    with spend_gate.spending(db, key=key, share=share) as verdict, \
            wallet.pin_tries_counted(db):
        return run_action(db, key=key, kind="plan_buy", actor=actor,
                          request={"member": member_ref, "plan": plan_code, "method": method},
                          body=body, returns=PlanBought)
