"""Points (积分): earned in lots that expire, redeemed oldest first, expired by posting, clawed
back on refund.

The journal (``points_entries``) is append-only. A lot's ``remaining_points`` is kept in step
with the entries that name it, so sum(entries of a lot) == remaining, and never negative.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from storeapp import ledger, pricing
from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.clock import add_months, to_local
from storeapp.db import Database
from storeapp.errors import InvalidInput, Refused
from storeapp.ids import MemberId, new_action_key
from storeapp.models import Member, PointsEntry, PointsLot
from storeapp.pricing import PricingRules
from storeapp.results import ActionResult
from storeapp.sequences import insert_row
from storeapp.services import members
from storeapp.services.users import Grant, record_approval
from storeapp.settings import Settings


def multiplier(settings: Settings, member: Member, now: dt.datetime,
               plan_multiplier: Decimal = Decimal(1)) -> Decimal:
    """Tier × promotion day × birthday month × paid plan."""
    from storeapp.services import tiers

    value = tiers.by_code(settings, member.tier).points_multiplier * plan_multiplier
    local = to_local(now).date()
    if local.isoformat() in settings.points_promo_dates:
        value *= Decimal(str(settings.points_promo_multiplier))
    if member.birthday is not None and member.birthday.month == local.month:
        value *= Decimal(str(settings.points_birthday_multiplier))
    return value


def earn(ctx: Ctx, member: Member, points: int, *, ref: str) -> int | None:
    """A new lot expiring after ``points_expiry_months``; returns the lot id."""
    if points <= 0:
        return None
    lot_id = insert_row(
        ctx.session, PointsLot, member_id=member.member_id, action_key=ctx.key,
        earned_points=points, remaining_points=points, earned_at=ctx.now,
        expires_at=add_months(ctx.now, ctx.db.settings.points_expiry_months),
    )
    entry(ctx, member, "earn", points, lot_id, ref)
    return int(lot_id)


def consume(ctx: Ctx, member: Member, points: int, *, kind: str, ref: str,
            first_lot: int | None = None) -> int:
    """Take points from live lots, oldest expiry first (``first_lot`` before all others).

    Returns how many were taken (fewer than asked only when the member has fewer).
    """
    lots = list(ctx.session.scalars(
        select(PointsLot).where(PointsLot.member_id == member.member_id,
                                PointsLot.remaining_points > 0, PointsLot.expires_at > ctx.now)
        .order_by(PointsLot.expires_at, PointsLot.id)
    ))
    lots.sort(key=lambda lot: lot.id != first_lot)  # stable: keeps oldest-first otherwise
    taken = 0
    for lot in lots:
        if taken == points:
            break
        part = min(lot.remaining_points, points - taken)
        lot.remaining_points -= part
        entry(ctx, member, kind, -part, lot.id, ref)
        taken += part
    return taken


def redeem(ctx: Ctx, member: Member, points: int, *, ref: str) -> None:
    pricing.check_points_held(points, member.points, PricingRules.of(ctx.db.settings))
    if consume(ctx, member, points, kind="redeem", ref=ref) != points:
        raise Refused("insufficient_points", "Some of the member's points have expired",
                      variant="expired")


def give_back(ctx: Ctx, member: Member, redeem_key: str, *, ref: str) -> int:
    """Return the points a sale redeemed to the very lots they came from (same expiry)."""
    returned = 0
    entries = ctx.session.scalars(select(PointsEntry).where(
        PointsEntry.action_key == redeem_key, PointsEntry.kind == "redeem"))
    for redeemed in entries:
        lot = ctx.session.get(PointsLot, redeemed.lot_id)
        assert lot is not None
        lot.remaining_points += -redeemed.points
        entry(ctx, member, "return", -redeemed.points, lot.id, ref)
        returned += -redeemed.points
    return returned


@dataclass(frozen=True, eq=False)
class ExpiryResult(ActionResult):
    lots: int
    points: int


@dataclass(frozen=True, eq=False)
class PointsAdjusted(ActionResult):
    member_id: MemberId
    points: int


def expire_due(db: Database, *, actor: str = "system") -> ExpiryResult:
    """Post an expiry entry for every lot past its date that still has points."""
    def body(ctx: Ctx) -> ExpiryResult:
        count = total = 0
        due = ctx.session.scalars(select(PointsLot).where(
            PointsLot.expires_at <= ctx.now, PointsLot.remaining_points > 0))
        for lot in due:
            member = ctx.session.get(Member, lot.member_id)
            assert member is not None
            entry(ctx, member, "expire", -lot.remaining_points, lot.id, None)
            total += lot.remaining_points
            count += 1
            lot.remaining_points = 0
        if count:
            ctx.audit("points_expired", "all", lots=count, points=total)
            ctx.emit("points_expired", lots=count, points=total)
        return ExpiryResult(lots=count, points=total)

    return run_action(db, key=new_action_key(), kind="points_expiry", actor=actor,
                      request={}, body=body, returns=ExpiryResult)


def adjust(db: Database, member_ref: str, points: int, *, actor: str, grant: Grant | None,
           key: str | None = None) -> PointsAdjusted:
    """A manager's correction: a positive adjustment is a new lot, a negative one consumes."""
    if points == 0:
        raise InvalidInput("bad_points", "An adjustment must change something",
                           variant="no_change")

    def body(ctx: Ctx) -> PointsAdjusted:
        member = members.lock(db, ctx.session, member_ref)
        record_approval(ctx, grant, kind="points_adjust", subject=member.member_id,
                        member_id=member.member_id)
        if points > 0:
            earn(ctx, member, points, ref="adjustment")
        elif consume(ctx, member, -points, kind="adjustment", ref="adjustment") != -points:
            raise Refused("insufficient_points", f"Member has only {member.points} points",
                          points=member.points)
        ctx.audit("points_adjusted", member.member_id, points=points)
        ctx.emit("points_adjusted", member_id=member.member_id, points=points)
        return PointsAdjusted(member_id=member.member_id, points=member.points)

    return run_action(db, key=key_or_new(key), kind="points_adjust", actor=actor,
                      request={"member": member_ref, "points": points}, body=body,
                      returns=PointsAdjusted)


@dataclass(frozen=True)
class PointsLine:
    at: dt.datetime
    kind: str
    points: int
    balance_after: int
    ref: str | None


def history(db: Database, member_ref: str, *, limit: int = 200) -> list[PointsLine]:
    with db.reader() as s:
        member = members.load(db, s, member_ref)
        rows = s.scalars(select(PointsEntry).where(PointsEntry.member_id == member.member_id)
                         .order_by(PointsEntry.id)).all()
    lines, balance = [], 0
    for row in rows:
        balance += row.points
        lines.append(PointsLine(row.created_at, row.kind, row.points, balance, row.ref))
    return list(reversed(lines))[:limit]


def entry(ctx: Ctx, member: Member, kind: str, points: int, lot_id: int | None,
          ref: str | None) -> None:
    """One journal row and the cached balance with it (the caller keeps the lot in step)."""
    ledger.post(ctx.session, member, key=ctx.key, at=ctx.now, kind=kind, points=points,
                lot_id=lot_id, ref=ref)
