"""The hash-chained, append-only audit log and its verification.

Each row's hash covers its own content and the previous row's hash, so changing, removing or
inserting any row breaks every hash after it. The migrations also make the table refuse UPDATE
and DELETE outright.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp.models import AuditRow
from storeapp.sequences import insert_row

GENESIS = "0" * 64
_LAST = select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)


def append(
    session: Session, *, at: dt.datetime, actor: str, action: str, subject: str,
    detail: dict[str, Any],
) -> None:
    """Add one row to the chain inside the caller's transaction."""
    last = session.connection().execute(_LAST).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    detail_json = json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    insert_row(
        session, AuditRow, seq=seq, at=at, actor=actor, action=action, subject=subject,
        detail_json=detail_json, prev_hash=prev_hash,
        hash=row_hash(seq, at, actor, action, subject, detail_json, prev_hash),
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(session: Session) -> ChainReport:
    """Walk the chain from the start; report the first row that does not hold."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for row in session.scalars(select(AuditRow).order_by(AuditRow.seq)).yield_per(5000):
        count += 1
        if row.seq != expected_seq:
            return ChainReport(False, count, row.seq, f"row {expected_seq} is missing")
        if row.prev_hash != prev_hash:
            return ChainReport(False, count, row.seq, "link to the previous row is broken")
        digest = row_hash(
            row.seq, row.at, row.actor, row.action, row.subject, row.detail_json, row.prev_hash
        )
        if digest != row.hash:
            return ChainReport(False, count, row.seq, "row content does not match its hash")
        prev_hash, expected_seq = row.hash, expected_seq + 1
    return ChainReport(True, count)


def row_hash(
    seq: int, at: dt.datetime, actor: str, action: str, subject: str, detail_json: str,
    prev_hash: str,
) -> str:
    material = "\x1f".join([str(seq), at.isoformat(), actor, action, subject, detail_json,
                            prev_hash])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
