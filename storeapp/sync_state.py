"""The head-office sync client's progress (acked sequence, download cursor, last contact), read
and written inside the caller's session and transaction.

Stored one JSON value per field in ``sync_state``; datetimes are naive UTC as ISO strings.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp.models import SyncStateRow


@dataclass(frozen=True)
class SyncState:
    #: Highest outbox sequence head office has stored (the upload resumes after it).
    acked_seq: int = 0
    #: Download cursor as head office returned it ("" = from the start).
    cursor: str = ""
    #: When head office last answered anything.
    last_contact_at: dt.datetime | None = None
    #: Since when head office has been unreachable (None = reachable): offline spends count
    #: from here.
    offline_since: dt.datetime | None = None
    #: When the last full sync (upload and download) finished.
    last_sync_at: dt.datetime | None = None
    last_error: str = ""
    #: The store's name as head office knows it.
    store_name_hq: str = ""
    #: The newest audit row head office holds from this till (the upload sends the rows after).
    audit_acked: int = 0
    #: Why head office lets this till spend stored value only online ("" = not so): its audit
    #: chain or its balances were found edited, until a head-office user clears it.
    online_only: str = ""
    #: What the continuity check found ("" = nothing): this till lost events head office holds,
    #: and must be restored (storeapp restore) before it spends stored value or uploads again.
    restore_needed: str = ""


_FIELDS = {f.name for f in fields(SyncState)}
_DATETIMES = {"last_contact_at", "offline_since", "last_sync_at"}
_TEXTS = {"cursor", "last_error", "store_name_hq", "online_only", "restore_needed"}
_READ = select(SyncStateRow.name, SyncStateRow.value_json)


def read(session: Session) -> SyncState:
    """The stored state; fields never written keep their defaults."""
    values: dict[str, Any] = {}
    for name, value_json in session.execute(_READ):
        if name in _FIELDS:
            value = json.loads(value_json)
            values[name] = _parse_time(value) if name in _DATETIMES else value
    return SyncState(**values)


def write(session: Session, **changes: Any) -> None:
    """Store the given fields (``write(s, acked_seq=41, last_error="")``) in this transaction."""
    unknown = set(changes) - _FIELDS
    if unknown:
        raise KeyError(f"unknown sync state field(s): {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        if name in _DATETIMES:
            if value is not None and not isinstance(value, dt.datetime):
                raise TypeError(f"sync state {name} must be a datetime or None")
            value = value.isoformat() if value is not None else None
        elif name in _TEXTS and not isinstance(value, str):
            raise TypeError(f"sync state {name} must be text")
        elif name in ("acked_seq", "audit_acked") and (
                not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"sync state {name} must be an int")
        session.merge(SyncStateRow(name=name, value_json=json.dumps(value, ensure_ascii=False)))
    session.flush()


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
