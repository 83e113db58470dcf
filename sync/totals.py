"""Day totals: what this till's own ledgers moved on each store-local day, for head office to
reconcile against the events it stored (``POST /day-totals``).

Only the till's own movements count: ``kind='sync'`` rows are the remote part head office sent,
not something that happened here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
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
    start, end = local_day_bounds(day)
    result: Accounts = {"wallet:principal": [0, 0], "wallet:bonus": [0, 0], "points": [0, 0]}
    wallet = s.execute(
        select(WalletEntry.bucket, func.count(), func.coalesce(func.sum(WalletEntry.amount_fen), 0))
        .where(WalletEntry.created_at >= start, WalletEntry.created_at < end,
               WalletEntry.kind != SYNC_KIND)
        .group_by(WalletEntry.bucket))
    for bucket, count, total in wallet:
        result[f"wallet:{bucket}"] = [int(count), int(total)]
    count, total = s.execute(
        select(func.count(), func.coalesce(func.sum(PointsEntry.points), 0))
        .where(PointsEntry.created_at >= start, PointsEntry.created_at < end,
               PointsEntry.kind != SYNC_KIND)).one()
    result["points"] = [int(count), int(total)]
    return result
