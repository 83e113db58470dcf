"""The state one ingest transaction shares between its parts (:class:`sync.hq.gate.Gate`, which
checks and holds, and :class:`sync.hq.apply_events.Applier`, which applies): declared once here;
:class:`sync.hq.ingest.Ingest` sets it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from sync.hq import bulk
from sync.hq import models as m
from sync.hq.member_keys import BatchKeys
from sync.hq.member_row import MemberRow


class Batch:
    """One till's batch in one transaction: where it is written, whose it is, and the members it
    has touched so far."""

    s: Session
    store: m.Store
    store_id: int  # the store's, read once: an ORM attribute costs in a per-event loop
    store_code: str
    till_no: int
    now: dt.datetime
    stream: m.Stream | None
    members: dict[str, MemberRow]
    #: member ids the batch names that no till makes (longer than an id): their events are
    #: held, never applied (head office could not store them)
    impossible_ids: set[str]
    #: the members' keys the batch sent, opened
    member_keys: BatchKeys = BatchKeys()

    def insert(self, model: type[m.Base], rows: list[dict[str, Any]]) -> None:
        """Append ``rows`` of ``model`` in one statement (:func:`sync.hq.bulk.insert_rows`)."""
        bulk.insert_rows(self.s.connection(), model, rows)
