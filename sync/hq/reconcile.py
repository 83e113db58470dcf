"""Reconciliation: what head office wants a person to look at.

Open exceptions recorded while ingesting (overdrafts with their exact shortfall, members merged
because two stores registered one phone, conflicting events, phone clashes), and per store, till
and day, where a till's own totals differ from what head office applied for it.

The accounts compared (:mod:`sync.totals` counts the till's side): stored value and points from
head office's ledger (``hq_ledger``); count-card uses (``hq_count_ledger``) and gift-card money
(``hq_gift_ledger``) from their own ledgers; and count-card value as the applied events' ``count``
lines state it. Head office works a card's value out from the chain's uses, so when two stores
use a card between syncs its own value of a use can honestly differ from the till's by a fen of
rounding; the value a line states was checked at ingest against the card's price and the uses
the till had (:func:`sync.hq.verify_cards.check`), so it is what the till's journal must hold.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from sync.hq import models as m

ACCOUNTS = {"wallet:principal": m.LedgerRow.principal_fen, "wallet:bonus": m.LedgerRow.bonus_fen,
            "points": m.LedgerRow.points}
#: count cards' and gift cards' accounts, from their own ledgers (:func:`card_applied`)
CARD_ACCOUNTS = ("countcard:uses", "countcard:value", "giftcard")
#: accounts counted in units (points, uses), not in fen
UNIT_ACCOUNTS = frozenset({"points", "countcard:uses"})

Totals = dict[str, tuple[int, int]]
Key = tuple[str, int, dt.date]


def reconcile(session: Session, day: dt.date | None = None) -> dict[str, Any]:
    """Exceptions still open, plus (with ``day``) everything recorded that day, resolved or not."""
    query = select(m.Exception_).order_by(m.Exception_.id)
    if day is None:
        query = query.where(m.Exception_.resolved_at.is_(None))
    else:
        query = query.where(or_(m.Exception_.day == day, m.Exception_.resolved_at.is_(None)))
    found = []
    for row in session.scalars(query):
        member = session.get(m.Member, row.member_id) if row.member_id else None
        found.append({
            "kind": row.kind, "member_id": row.member_id,
            "phone": member.phone if member else None,
            "store_code": row.store_code, "day": row.day.isoformat() if row.day else None,
            "amount_fen": row.amount_fen, "detail": json.loads(row.detail_json),
            "at": row.created_at.isoformat(), "resolved": row.resolved_at is not None,
        })
    found += day_mismatches(session, day)
    return {"date": day.isoformat() if day else None, "exceptions": found}


def day_mismatches(session: Session, day: dt.date | None = None) -> list[dict[str, Any]]:
    """Per store, till, day and account: the till's count and sum against head office's."""
    reported = select(m.DayTotal)
    if day is not None:
        reported = reported.where(m.DayTotal.day == day)
    till_side: dict[Key, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in session.scalars(reported):
        till_side[row.store_code, row.till_no, row.day][row.account] = (row.count, row.total)
    cards = card_applied(session, day=day) if till_side else {}
    out = []
    for (store_code, till_no, the_day), accounts in sorted(till_side.items()):
        hq_side = {**_applied(session, store_code, till_no, the_day),
                   **cards.get((store_code, till_no, the_day), {})}
        for account in sorted(set(accounts) | set(hq_side)):
            theirs, ours = accounts.get(account, (0, 0)), hq_side.get(account, (0, 0))
            if theirs != ours:
                out.append({
                    "kind": "day_mismatch", "store_code": store_code, "till_no": till_no,
                    "day": the_day.isoformat(), "account": account,
                    "till": {"count": theirs[0], "sum": theirs[1]},
                    "head_office": {"count": ours[0], "sum": ours[1]},
                    "amount_fen": theirs[1] - ours[1], "resolved": False,
                })
    return out


def _applied(session: Session, store_code: str, till_no: int,
             day: dt.date) -> dict[str, tuple[int, int]]:
    columns = []
    for column in ACCOUNTS.values():
        columns += [func.count(case((column != 0, 1))), func.coalesce(func.sum(column), 0)]
    row = session.execute(select(*columns).where(
        m.LedgerRow.store_code == store_code, m.LedgerRow.till_no == till_no,
        m.LedgerRow.day == day)).one()
    return {account: (int(row[2 * i]), int(row[2 * i + 1]))
            for i, account in enumerate(ACCOUNTS)}


def card_applied(session: Session, *, day: dt.date | None = None) -> dict[Key, Totals]:
    """Per store, till and local day (of ``day`` only, or every day): the count-card and
    gift-card movements head office applied for the till, counted as :mod:`sync.totals` counts
    the till's journals (one per event and card with a non-zero net; its sum). Grouped queries
    over the two ledgers' (store, day) index, and the ``count`` lines of the count-card events
    among them for the value."""
    found: dict[Key, Totals] = defaultdict(dict)
    c, g = m.CountRow, m.GiftRow
    uses = (select(c.store_code, c.till_no, c.day, func.count(case((c.uses != 0, 1))),
                   func.coalesce(func.sum(c.uses), 0))
            .group_by(c.store_code, c.till_no, c.day))
    gift = (select(g.store_code, g.till_no, g.day, func.count(case((g.amount_fen != 0, 1))),
                   func.coalesce(func.sum(g.amount_fen), 0))
            .group_by(g.store_code, g.till_no, g.day))
    if day is not None:
        uses, gift = uses.where(c.day == day), gift.where(g.day == day)
    for account, query in (("countcard:uses", uses), ("giftcard", gift)):
        for code, till_no, the_day, count, total in session.execute(query):
            found[code, int(till_no), the_day][account] = (int(count), int(total))
    for key, value in _stated_values(session, day).items():
        found[key]["countcard:value"] = value
    return dict(found)


def _stated_values(session: Session, day: dt.date | None) -> dict[Key, tuple[int, int]]:
    """Count-card value per store, till and day as the applied events' lines state it."""
    c = m.CountRow
    query = (select(c.store_code, c.till_no, c.day, c.card_no, c.value_fen, c.event_id,
                    m.Event.payload)
             .outerjoin(m.Store, m.Store.code == c.store_code)
             .outerjoin(m.Event, (m.Event.store_id == m.Store.id)
                        & (m.Event.event_id == c.event_id)))
    if day is not None:
        query = query.where(c.day == day)
    lines: dict[str, dict[str, int]] = {}
    sums: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for code, till_no, the_day, card_no, own_value, event_id, payload in session.execute(query):
        value = int(own_value)
        if event_id is not None and payload is not None:
            if event_id not in lines:
                lines[event_id] = _count_values(payload)
            value = lines[event_id].get(card_no, value)
        if value:
            total = sums[code, int(till_no), the_day]
            total[0] += 1
            total[1] += value
    return {key: (count, total) for key, (count, total) in sums.items()}


def _count_values(payload: str) -> dict[str, int]:
    """An event's ``count`` lines: the value each says it moved, by card (the event was
    applied, so they were read and checked before)."""
    try:
        return {str(line["card_no"]): int(line["value_fen"])
                for line in json.loads(payload).get("count") or ()}
    except (ValueError, TypeError, KeyError, AttributeError):
        return {}
