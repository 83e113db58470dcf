"""Tiers (会员等级): growth value over a rolling window, immediate upgrade, periodic downgrade.

Growth value is net spend: what completed, unrefunded sales actually charged the member over the
last ``tier_window_days`` days. Upgrades happen inside the sale that crosses a threshold;
downgrades only in :func:`review`, never in the middle of a sale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storeapp.actions import Ctx
from storeapp.db import Database
from storeapp.models import Member, Sale, TierChange
from storeapp.sequences import insert_row
from storeapp.settings import Settings


@dataclass(frozen=True)
class Tier:
    code: str
    name: str
    name_en: str
    threshold_fen: int
    discount_pct: Decimal
    points_multiplier: Decimal


@dataclass(frozen=True)
class Progress:
    tier: Tier
    growth_fen: int
    next_tier: Tier | None
    to_next_fen: int  # 0 at the top tier
    near: bool  # within tier_near_pct of the next threshold: the receipt says so


def table(settings: Settings) -> list[Tier]:
    """The tiers, lowest first (parsed once per settings snapshot)."""
    return settings.derived("tiers", _parse_tiers)


def _parse_tiers(settings: Settings) -> list[Tier]:
    tiers = [
        Tier(t["code"], t["name"], t["name_en"], int(t["threshold_fen"]),
             Decimal(str(t["discount_pct"])), Decimal(str(t["points_multiplier"])))
        for t in settings.tiers
    ]
    return sorted(tiers, key=lambda t: t.threshold_fen)


def by_code(settings: Settings, code: str) -> Tier:
    for tier in table(settings):
        if tier.code == code:
            return tier
    return table(settings)[0]


def for_growth(settings: Settings, growth_fen: int) -> Tier:
    reached = [t for t in table(settings) if growth_fen >= t.threshold_fen]
    return reached[-1] if reached else table(settings)[0]


_GROWTH = select(func.coalesce(func.sum(Sale.total_fen), 0)).where(  # built once: hot path
    Sale.member_id == bindparam("member_id"), Sale.status == "completed",
    Sale.created_at >= bindparam("since"),
)


def growth_fen(session: Session, settings: Settings, member_id: str, now: dt.datetime) -> int:
    since = now - dt.timedelta(days=settings.tier_window_days)
    total = session.connection().scalar(_GROWTH, {"member_id": member_id, "since": since})
    return int(total or 0)


def progress(session: Session, settings: Settings, member: Member, now: dt.datetime,
             growth: int | None = None) -> Progress:
    """Where the member stands; pass ``growth`` when it is already known."""
    current = by_code(settings, member.tier)
    if growth is None:
        growth = growth_fen(session, settings, member.member_id, now)
    higher = [t for t in table(settings) if t.threshold_fen > current.threshold_fen]
    if not higher:
        return Progress(current, growth, None, 0, False)
    nxt = higher[0]
    to_next = max(0, nxt.threshold_fen - growth)
    near = to_next * 100 <= nxt.threshold_fen * settings.tier_near_pct
    return Progress(current, growth, nxt, to_next, near)


def upgrade_if_reached(session: Session, settings: Settings, member: Member,
                       now: dt.datetime) -> tuple[Tier | None, int]:
    """Move the member up at once when growth crossed a threshold; never down.

    Returns the new tier (None when unchanged) and the growth value it was judged on.
    """
    growth = growth_fen(session, settings, member.member_id, now)
    reached = for_growth(settings, growth)
    if reached.threshold_fen > by_code(settings, member.tier).threshold_fen:
        member.tier = reached.code
        return reached, growth
    return None, growth


def record_change(ctx: Ctx, member_id: str, from_tier: str, to_tier: str, reason: str) -> None:
    insert_row(ctx.session, TierChange, member_id=member_id, from_tier=from_tier,
               to_tier=to_tier, reason=reason, action_key=ctx.key, created_at=ctx.now)


@dataclass(frozen=True)
class ReviewResult:
    reviewed: int
    upgraded: int
    downgraded: int


def review(db: Database, *, actor: str = "system") -> ReviewResult:
    """The periodic review: every member's tier set to what their growth value reaches now."""
    from storeapp.ids import new_action_key

    now = db.clock.now()
    up = down = count = 0
    with db.session() as s, s.begin():
        since = now - dt.timedelta(days=db.settings.tier_window_days)
        growth_by_member = dict(
            s.execute(
                select(Sale.member_id, func.sum(Sale.total_fen))
                .where(Sale.status == "completed", Sale.created_at >= since,
                       Sale.member_id.is_not(None))
                .group_by(Sale.member_id)
            ).all()
        )
        ctx = Ctx(db=db, session=s, key=new_action_key(), kind="tier_review", actor=actor, now=now)
        for member in s.scalars(select(Member).where(Member.status != "closed",
                                                     Member.merged_into.is_(None))):
            count += 1
            target = for_growth(db.settings, int(growth_by_member.get(member.member_id) or 0))
            if target.code == member.tier:
                continue
            before = by_code(db.settings, member.tier)
            member.tier = target.code
            if target.threshold_fen > before.threshold_fen:
                up += 1
            else:
                down += 1
            record_change(ctx, member.member_id, before.code, target.code, "review")
            ctx.emit("member_tier_changed", member_id=member.member_id, tier=target.code,
                     previous=before.code, by="review")
        ctx.audit("tier_review", "all", reviewed=count, upgraded=up, downgraded=down)
        ctx.write_outbox()
    return ReviewResult(count, up, down)
