"""Refusals: an HTTP status, a code a till can act on, a message a person can read; each one is
logged in ``hq_refusals`` (and a conflicting event also becomes a reconciliation exception)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from storeapp.clock import to_local
from sync.hq import models as m


class HqRefusal(Exception):
    def __init__(self, status: int, code: str, message: str, *,
                 flag: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.flag = status, code, message, flag

    def body(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def log_refusal(hq: Any, store_code: str | None, refusal: HqRefusal, now: dt.datetime,
                detail: str = "") -> None:
    """Record a refusal in a transaction of its own (the refused one was rolled back)."""
    with hq.transaction() as session:
        session.add(m.Refusal(at=now, store_code=store_code, reason=refusal.code,
                              detail=detail or refusal.message))
        if refusal.flag is not None:
            session.add(m.Exception_(
                kind=refusal.code, member_id=None, store_code=store_code,
                day=to_local(now).date(), amount_fen=None,
                detail_json=json.dumps({**refusal.flag, "message": refusal.message},
                                       ensure_ascii=False),
                created_at=now, updated_at=now))
