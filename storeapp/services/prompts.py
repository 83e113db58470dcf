"""Head office's campaign prompts for a member (e.g. 生日快乐：已送¥20券): the one line the
counter shows when the cashier finds the member, and the sale's receipt prints. They arrive
with the member on sync (``member_prompts``) and show until their campaign's window ends; a
points-multiplier campaign's prompt also multiplies the points the member earns meanwhile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp.models import MemberPrompt


def points_multiplier(s: Session, member_id: str, now: dt.datetime) -> Decimal:
    """The highest points multiplier a live campaign gives the member (1 when none): a
    "double points this week" benefit, applied on top of tier, plan and promotion days."""
    found = [Decimal(x) for x in s.scalars(select(MemberPrompt.points_multiplier).where(
        MemberPrompt.member_id == member_id, MemberPrompt.until > now,
        MemberPrompt.points_multiplier.is_not(None))) if x]
    return max(found, default=Decimal(1))


def live(s: Session, member_id: str, now: dt.datetime) -> list[str]:
    """The member's prompts still showing at ``now``, the longest-running campaign's last."""
    return list(s.scalars(select(MemberPrompt.text).where(
        MemberPrompt.member_id == member_id, MemberPrompt.until > now)
        .order_by(MemberPrompt.until, MemberPrompt.campaign)))
