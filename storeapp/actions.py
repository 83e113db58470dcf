"""Running a money action: one transaction, one idempotency key, audit row and outbox event.

Every action that changes money, points or a member goes through :func:`run_action`. The key is
made where the action starts (the till, before the transaction) and stored with the action's
result in the same transaction as the business rows, ledger rows, audit row and outbox event.
Submitting the same key again returns the stored result and posts nothing; the same key with a
different request is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storeapp import audit
from storeapp.errors import IdempotencyConflict, InvalidInput
from storeapp.ids import new_event_id
from storeapp.models import Action, OutboxEvent
from storeapp.sequences import insert_row

if TYPE_CHECKING:
    from storeapp.db import Database

Result = dict[str, Any]
MAX_KEY_LEN = 64
_DONE = select(Action.kind, Action.request_hash, Action.result_json).where(
    Action.key == bindparam("key"))


@dataclass
class Ctx:
    """What an action body gets: its session (inside the open transaction), who and when."""

    db: Database
    session: Session
    key: str
    kind: str
    actor: str
    now: dt.datetime
    events: list[str] = field(default_factory=list)

    def audit(self, action: str, subject: str, **detail: Any) -> None:
        audit.append(self.session, at=self.now, actor=self.actor, action=action,
                     subject=subject, detail={"key": self.key, **detail})

    def emit(self, event_type: str, **payload: Any) -> None:
        """Queue a domain event for head office in this transaction (names what happened)."""
        settings = self.db.settings
        body = {
            "type": event_type, "store": settings.store_code, "till": settings.till_no,
            "key": self.key, "actor": self.actor, "at": self.now.isoformat(), **payload,
        }
        insert_row(
            self.session, OutboxEvent, event_id=new_event_id(), type=event_type,
            created_at=self.now,
            payload_json=json.dumps(body, ensure_ascii=False, sort_keys=True, default=str),
        )
        self.events.append(event_type)


def run_action(
    db: Database, *, key: str, kind: str, actor: str, request: dict[str, Any],
    body: Callable[[Ctx], Result],
) -> Result:
    """Run ``body`` exactly once for ``key``; a retry returns the first run's result."""
    check_key(key)
    request_hash = _request_hash(kind, request)
    with db.session() as session, session.begin():
        done = session.connection().execute(_DONE, {"key": key}).first()
        if done is not None:
            done_kind, done_hash, done_json = done
            if done_kind != kind or done_hash != request_hash:
                raise IdempotencyConflict(
                    "key_reused", f"key {key} was already used for a different {done_kind}"
                )
            result: Result = json.loads(done_json)
            return {**result, "replayed": True}
        ctx = Ctx(db=db, session=session, key=key, kind=kind, actor=actor, now=db.clock.now())
        result = body(ctx)
        insert_row(
            session, Action, key=key, kind=kind, request_hash=request_hash, actor=actor,
            created_at=ctx.now, result_json=json.dumps(result, ensure_ascii=False, default=str),
        )
    return {**result, "replayed": False}


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LEN or not key.isprintable():
        raise InvalidInput("bad_key", f"idempotency key must be 1-{MAX_KEY_LEN} printable chars")


def _request_hash(kind: str, request: dict[str, Any]) -> str:
    canonical = json.dumps({"kind": kind, **request}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
