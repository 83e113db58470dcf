"""Reconciliation: what head office wants a person to look at.

Open exceptions recorded while ingesting (overdrafts with their exact shortfall, members merged
because two stores registered one phone, conflicting events, phone clashes), and per store, till
and day, where a till's own totals differ from what head office applied for it.
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
    till_side: dict[tuple[str, int, dt.date], dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in session.scalars(reported):
        till_side[row.store_code, row.till_no, row.day][row.account] = (row.count, row.total)
    out = []
    for (store_code, till_no, the_day), accounts in sorted(till_side.items()):
        hq_side = _applied(session, store_code, till_no, the_day)
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
