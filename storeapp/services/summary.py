"""Everything the counter shows about a member in one read: profile, balance, tier progress,
active plan, usable coupons and head office's campaign prompts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from storeapp.db import Database
from storeapp.models import Card
from storeapp.services import coupons, members, plans, prompts, tiers
from storeapp.services.coupons import UsableCoupon
from storeapp.services.members import MemberView


@dataclass(frozen=True)
class MemberSummary:
    member: MemberView
    growth_fen: int
    next_tier: str | None
    next_tier_name: str | None
    next_tier_name_en: str | None
    to_next_tier_fen: int
    near_next_tier: bool
    progress_pct: int  # 0-100 towards the next tier (100 at the top)
    plan: str | None
    plan_name: str | None
    plan_expires_at: str | None
    coupons: list[UsableCoupon]
    card_status: str  # active, lost or replaced: a lost card still finds its member by phone
    #: head office's campaign lines for this member (生日快乐：已送¥20券), to show and print
    prompts: list[str]

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        return {**data.pop("member"), **data}


def summary(db: Database, ref: str) -> MemberSummary:
    now = db.clock.now()
    with db.reader() as s:
        row = members.load(db, s, ref)
        view = members.view(db, row)
        progress = tiers.progress(s, db.settings, row, now)
        plan = plans.active(s, row.member_id, now)
        card = s.get(Card, row.card_no)
        said = prompts.live(s, row.member_id, now)
    nxt = progress.next_tier
    if nxt is None:
        pct = 100
    else:
        span = nxt.threshold_fen - progress.tier.threshold_fen
        done = progress.growth_fen - progress.tier.threshold_fen
        pct = max(0, min(100, done * 100 // span)) if span > 0 else 100
    return MemberSummary(
        member=view, growth_fen=progress.growth_fen,
        next_tier=nxt.code if nxt else None, next_tier_name=nxt.name if nxt else None,
        next_tier_name_en=nxt.name_en if nxt else None, to_next_tier_fen=progress.to_next_fen,
        near_next_tier=progress.near, progress_pct=pct,
        plan=plan.code if plan else None, plan_name=plan.name if plan else None,
        plan_expires_at=plan.expires_at.isoformat() if plan else None,
        coupons=coupons.usable(db, view.member_id),
        card_status=card.status if card is not None else "active", prompts=said,
    )
