"""Members' purchases at every store, as the programme measures them (``hq_visits``).

A member's sale or refund event, once applied, becomes one visit row: the sale's total, or
the refund's amount negative, at the till's time and local day. The directory's history, the
chain's RFM and purchase cycles, campaign results and the KPIs all read this one table, not
the events' JSON.

:class:`VisitApplier` is the ingest's part that collects them (one bulk insert per batch);
:func:`backfill` writes them for events received before the table existed (migration 0011).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, DateTime, column, insert, select, table

from storeapp.clock import to_local
from sync.hq import models as m
from sync.hq.batch import Batch

if TYPE_CHECKING:
    from sync.hq.ingest import EventIn

#: event type → visit kind
VISIT_EVENTS = {"sale_completed": "sale", "sale_refunded": "refund"}


def visit_row(event_type: str, body: dict[str, Any], *, store_code: str, till_no: int,
              event_id: str, at: dt.datetime) -> dict[str, Any] | None:
    """The visit an applied event makes, or None (not a member's sale or refund)."""
    kind = VISIT_EVENTS.get(event_type)
    member_id = body.get("member_id")
    if kind is None or not isinstance(member_id, str) or not member_id:
        return None
    amount = int(body.get("total_fen" if kind == "sale" else "amount_fen") or 0)
    return {"member_id": member_id, "store_code": store_code, "till_no": till_no,
            "event_id": event_id, "kind": kind,
            "amount_fen": amount if kind == "sale" else -amount,
            "at": at, "day": to_local(at).date()}


class VisitApplier(Batch):
    """Collects the batch's visits as its events are applied; written once, in :meth:`settle`."""

    visits: list[dict[str, Any]]

    def record_visit(self, event: EventIn) -> None:
        row = visit_row(event.type, event.body, store_code=self.store_code,
                        till_no=self.till_no, event_id=event.event_id, at=event.created_at)
        if row is not None:
            self.visits.append(row)

    def settle_visits(self) -> None:
        if self.visits:
            self.insert(m.Visit, self.visits)
            self.visits = []


# The tables as migration 0011 knows them (not the models, which later migrations may change).
_stores = table("hq_stores", column("id"), column("code"))
_held = table("hq_held_events", column("store_id"), column("till_no"), column("seq"),
              column("status"))
_events = table("hq_events", column("id"), column("store_id"), column("till_no"), column("seq"),
                column("event_id"), column("type"), column("payload"),
                column("created_at", DateTime))
_visits = table("hq_visits", *(column(name) for name in (
    "member_id", "store_code", "till_no", "event_id", "kind", "amount_fen", "at", "day")))


def backfill(connection: Connection, chunk: int = 5000) -> int:
    """Visits for the member sales and refunds already received and applied (not those still
    held or rejected); returns how many were written."""
    stores = {int(i): str(code) for i, code in connection.execute(
        select(_stores.c.id, _stores.c.code))}
    not_applied = {
        (int(store_id), int(till_no), int(seq))
        for store_id, till_no, seq in connection.execute(
            select(_held.c.store_id, _held.c.till_no, _held.c.seq)
            .where(_held.c.status.in_(("open", "waiting", "rejected"))))}
    e = _events.c
    query = (select(e.store_id, e.till_no, e.seq, e.event_id, e.type, e.payload, e.created_at)
             .where(e.type.in_(tuple(VISIT_EVENTS))).order_by(e.id))
    written, rows = 0, []
    for store_id, till_no, seq, event_id, type_, payload, created_at in \
            connection.execute(query):
        if (int(store_id), int(till_no), int(seq)) in not_applied:
            continue
        row = visit_row(type_, json.loads(payload), store_code=stores.get(int(store_id), "?"),
                        till_no=int(till_no), event_id=event_id, at=created_at)
        if row is not None:
            rows.append(row)
        if len(rows) >= chunk:
            connection.execute(insert(_visits), rows)
            written, rows = written + len(rows), []
    if rows:
        connection.execute(insert(_visits), rows)
        written += len(rows)
    return written
