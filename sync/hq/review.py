"""Deciding on events head office held: a head-office user accepts or rejects an implausible
event, audited (``hq_reviews``); then the events of the same till that waited behind it are
checked and applied in their order, or held again."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.hq import member_keys
from sync.hq import models as m
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal
from sync.hq.ingest import EventIn, Ingest

DECISIONS = ("accept", "reject")


def held(hq: HqDatabase, *, everything: bool = False) -> list[dict[str, Any]]:
    """Held events, oldest first: open and waiting ones (``everything``: decided ones too)."""
    with hq.transaction() as s:
        query = select(m.HeldEvent, m.Store.code).join(
            m.Store, m.Store.id == m.HeldEvent.store_id).order_by(m.HeldEvent.id)
        if not everything:
            query = query.where(m.HeldEvent.status.in_(("open", "waiting")))
        return [_out(row, code) for row, code in s.execute(query)]


def resolve(hq: HqDatabase, held_id: int, decision: str, *, user: str, reason: str,
            now: dt.datetime) -> dict[str, Any]:
    """Accept (apply it as sent) or reject (never apply it) the open held event ``held_id``."""
    if decision not in DECISIONS:
        raise HqRefusal(422, "bad_decision", "decide accept or reject")
    if not reason.strip():
        raise HqRefusal(422, "reason_required", "say why (it is kept with the decision)")

    def work(s: Session) -> dict[str, Any]:
        if s.get(m.User, user) is None:
            raise HqRefusal(404, "unknown_user", f"no head-office user {user}")
        row = s.scalars(select(m.HeldEvent).where(m.HeldEvent.id == held_id)
                        .with_for_update()).first()
        if row is None:
            raise HqRefusal(404, "unknown_held_event", f"no held event #{held_id}")
        if row.status == "waiting":
            raise HqRefusal(409, "waiting", f"#{held_id} waits behind #{row.blocked_by}: "
                            "decide that one first")
        if row.status != "open":
            raise HqRefusal(409, "already_decided", f"#{held_id} was already {row.status}")
        store = s.get(m.Store, row.store_id)
        assert store is not None
        work = Ingest(hq, s, store, row.till_no, now)
        work.stream = work.lock_stream()  # the till's uploads wait for this decision
        waiting = list(s.scalars(select(m.HeldEvent).where(
            m.HeldEvent.store_id == row.store_id, m.HeldEvent.till_no == row.till_no,
            m.HeldEvent.status == "waiting").order_by(m.HeldEvent.seq)))
        events = _events(hq, s, row.store_id, row.till_no, [row.seq] + [w.seq for w in waiting])
        row.status, row.resolved_at = f"{decision}ed", now
        for other in waiting:
            other.status, other.resolved_at = "released", now
        s.flush()
        with s.no_autoflush:
            work.prepare(events)
            if decision == "accept":
                work.process(events[0], checked=True)
            else:
                work.reject(events[0])
            for event in events[1:]:
                work.process(event)
            work.settle()
        work.finish()
        for exc in s.scalars(select(m.Exception_).where(
                m.Exception_.kind == "implausible_event", m.Exception_.resolved_at.is_(None),
                m.Exception_.store_code == store.code)):
            detail = json.loads(exc.detail_json)
            if detail.get("held_id") == held_id:
                exc.resolved_at, exc.updated_at = now, now
                exc.detail_json = json.dumps({**detail, "decision": decision, "by": user,
                                              "why": reason}, ensure_ascii=False)
        s.add(m.Review(held_id=held_id, decision=decision, by_user=user, reason=reason, at=now))
        still = s.scalars(select(m.HeldEvent.id).where(
            m.HeldEvent.store_id == row.store_id, m.HeldEvent.till_no == row.till_no,
            m.HeldEvent.status.in_(("open", "waiting")))).all()
        return {"held_id": held_id, "decision": decision, "store_code": store.code,
                "till_no": row.till_no, "released": len(waiting), "still_held": len(still)}

    return hq.retrying(work)


def _events(hq: HqDatabase, s: Session, store_id: int, till_no: int,
            seqs: list[int]) -> list[EventIn]:
    """The stored events, their personal data opened with the members' keys head office kept
    when they arrived (a member erased since has none left: their data stays unread)."""
    rows = {e.seq: e for e in s.scalars(select(m.Event).where(
        m.Event.store_id == store_id, m.Event.till_no == till_no, m.Event.seq.in_(seqs)))}
    bodies = {seq: json.loads(rows[seq].payload) for seq in seqs}
    sealed = {str(b.get("member_id")) for b in bodies.values() if b.get("personal")}
    keys = member_keys.kept(hq, s, sealed)
    opened = member_keys.BatchKeys(keys, frozenset(sealed - keys.keys()))
    events = []
    for seq in seqs:
        e = rows[seq]
        events.append(EventIn(seq=e.seq, event_id=e.event_id, type=e.type,
                              created_at=e.created_at, payload=e.payload, digest=e.digest,
                              body=member_keys.open_body(bodies[seq], opened)))
    return events


def _out(row: m.HeldEvent, store_code: str) -> dict[str, Any]:
    return {"held_id": row.id, "store_code": store_code, "till_no": row.till_no,
            "seq": row.seq, "event_id": row.event_id, "status": row.status,
            "reason": row.reason, "members": json.loads(row.member_ids),
            "detail": json.loads(row.detail_json), "blocked_by": row.blocked_by,
            "at": row.created_at.isoformat(),
            "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None}
