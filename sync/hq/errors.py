"""Refusals: an HTTP status, a code a till can act on, a message a person can read; each one is
logged in ``hq_refusals`` (and a conflicting event also becomes a reconciliation exception)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from storeapp.clock import to_local
from sync.hq import models as m


class HqRefusal(Exception):
    """``params``: the values ``message`` names (money as ``*_fen``), sent along so a till can
    say the refusal in its own language."""

    def __init__(self, status: int, code: str, message: str, *,
                 flag: dict[str, Any] | None = None, flag_once: bool = False,
                 **params: int | str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.flag = status, code, message, flag
        #: the flag names a state, not one request: one open exception for it per store
        self.flag_once = flag_once
        self.params = params

    def body(self) -> dict[str, Any]:
        if self.params:
            return {"error": self.code, "message": self.message, "params": self.params}
        return {"error": self.code, "message": self.message}


def log_refusal(hq: Any, store_code: str | None, refusal: HqRefusal, now: dt.datetime,
                detail: str = "") -> None:
    """Record a refusal in a transaction of its own (the refused one was rolled back): counted
    into its store's, reason's and minute's row, so a flood adds to a count, not to the log."""
    bucket = f"{store_code or '-'}|{refusal.code}|{now:%Y%m%d%H%M}"
    text = (detail or refusal.message)[:500]
    with hq.transaction() as session:
        dialect = session.get_bind().dialect.name
        ins = (postgresql.insert(m.Refusal) if dialect == "postgresql"
               else sqlite.insert(m.Refusal))
        session.execute(ins.values(
            at=now, last_at=now, store_code=store_code, reason=refusal.code, detail=text,
            count=1, bucket=bucket).on_conflict_do_update(
            index_elements=["bucket"],
            set_={"count": m.Refusal.count + 1, "last_at": now, "detail": text}))
        if refusal.flag is None:
            return
        detail_json = json.dumps({**refusal.flag, "message": refusal.message},
                                 ensure_ascii=False)
        if refusal.flag_once:
            open_one = session.scalars(select(m.Exception_).where(
                m.Exception_.kind == refusal.code, m.Exception_.store_code == store_code,
                m.Exception_.resolved_at.is_(None)).limit(1)).first()
            if open_one is not None:
                open_one.detail_json, open_one.updated_at = detail_json, now
                return
        session.add(m.Exception_(
            kind=refusal.code, member_id=None, store_code=store_code, day=to_local(now).date(),
            amount_fen=None, detail_json=detail_json, created_at=now, updated_at=now))
