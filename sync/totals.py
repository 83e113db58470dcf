"""Day totals: what this till's own ledgers moved on each store-local day, for head office to
reconcile against the events it stored (``POST /day-totals``).

Only the till's own movements count: ``kind='sync'`` rows are the remote part head office sent,
not something that happened here, and a gift card's ``known`` row is only the face value of a card
first scanned here (its starting point, not a movement).

Accounts: ``wallet:principal``, ``wallet:bonus``, ``points`` (the ledgers); ``countcard:uses``
and ``countcard:value`` (the count-card journal, ``count_entries``: uses and the value they
moved); ``giftcard`` (the gift-card journal, ``gift_entries``: money in and out of cards).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storeapp.clock import local_day_bounds
from storeapp.db import Database
from storeapp.models import CountEntry, GiftEntry, PointsEntry, WalletEntry

SYNC_KIND = "sync"
#: a gift card's first scan at this till: the face value it starts from, never sent
GIFT_KNOWN = "known"
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
    count = (CountEntry.created_at >= start, CountEntry.created_at < end,
             CountEntry.kind != SYNC_KIND)
    gift = (GiftEntry.created_at >= start, GiftEntry.created_at < end,
            GiftEntry.kind != GIFT_KNOWN)
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
        # one movement per action and card, as the event's ``count`` and ``gift`` lines are
        "countcard:uses": _movements(s, select(func.sum(CountEntry.uses).label("net"))
                                     .where(*count)
                                     .group_by(CountEntry.action_key, CountEntry.card_no)),
        "countcard:value": _movements(s, select(func.sum(CountEntry.value_fen).label("net"))
                                      .where(*count)
                                      .group_by(CountEntry.action_key, CountEntry.card_no)),
        "giftcard": _movements(s, select(func.sum(GiftEntry.amount_fen).label("net"))
                               .where(*gift)
                               .group_by(GiftEntry.action_key, GiftEntry.card_no)),
    }


def _movements(s: Session, net_per_action: Select[Any]) -> list[int]:
    sub = net_per_action.subquery()
    count, total = s.execute(select(func.count(), func.coalesce(func.sum(sub.c.net), 0))
                             .where(sub.c.net != 0)).one()
    return [int(count), int(total)]
