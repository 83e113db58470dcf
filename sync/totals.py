"""Day totals: what this till's own ledgers moved on each store-local day, for head office to
reconcile against the events it stored (``POST /day-totals``).

Only the till's own movements count: ``kind='sync'`` rows are the remote part head office sent,
not something that happened here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storeapp.clock import local_day_bounds
from storeapp.db import Database
from storeapp.models import PointsEntry, WalletEntry

SYNC_KIND = "sync"
Accounts = dict[str, list[int]]


def day_totals(db: Database, days: list[dt.date]) -> list[dict[str, Any]]:
    """``[{"day": "YYYY-MM-DD", "accounts": {"wallet:principal": [count, sum], ...}}]``."""
    with db.reader() as s:
        return [{"day": day.isoformat(), "accounts": accounts(s, day)} for day in days]


def recent_days(db: Database, count: int = 2) -> list[dt.date]:
    """The last ``count`` store-local days, oldest first, today last."""
    today = db.clock.local_date()
    return [today - dt.timedelta(days=back) for back in range(count - 1, -1, -1)]


def accounts(s: Session, day: dt.date) -> Accounts:
    """Per account, ``[count, sum]`` counted the way head office counts its ledger: one per
    action and member whose net movement on the account is not zero (a redemption that takes
    three lots is one movement, as it is one ledger line in its event)."""
    start, end = local_day_bounds(day)
    wallet = (WalletEntry.created_at >= start, WalletEntry.created_at < end,
              WalletEntry.kind != SYNC_KIND)
    points = (PointsEntry.created_at >= start, PointsEntry.created_at < end,
              PointsEntry.kind != SYNC_KIND)
    return {
        "wallet:principal": _movements(s, select(func.sum(WalletEntry.amount_fen).label("net"))
                                       .where(*wallet, WalletEntry.bucket == "principal")
                                       .group_by(WalletEntry.action_key, WalletEntry.member_id)),
        "wallet:bonus": _movements(s, select(func.sum(WalletEntry.amount_fen).label("net"))
                                   .where(*wallet, WalletEntry.bucket == "bonus")
                                   .group_by(WalletEntry.action_key, WalletEntry.member_id)),
        "points": _movements(s, select(func.sum(PointsEntry.points).label("net"))
                             .where(*points)
                             .group_by(PointsEntry.action_key, PointsEntry.member_id)),
    }


def _movements(s: Session, net_per_action: Select[Any]) -> list[int]:
    sub = net_per_action.subquery()
    count, total = s.execute(select(func.count(), func.coalesce(func.sum(sub.c.net), 0))
                             .where(sub.c.net != 0)).one()
    return [int(count), int(total)]
