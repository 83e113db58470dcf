"""What a dishonest employee with the till's database file can do to it, with plain ``sqlite3``
and none of the till's code (its algorithms are public: a forged event carries the right running
hash): insert rows the till never made, drop the triggers that keep its
ledgers append-only, and change rows already written. Tests use these to check that head office
notices."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storeapp.continuity import GENESIS, chain_next, event_digest


@contextlib.contextmanager
def opened(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def setting(conn: sqlite3.Connection, name: str, default: Any) -> Any:
    row = conn.execute("SELECT value_json FROM settings WHERE name = ?", (name,)).fetchone()
    return default if row is None else json.loads(row[0])


def forge_event(path: Path, event_type: str, *, at: dt.datetime, **payload: Any) -> str:
    """Append an outbox event as the till would write it (the till's own upload sends it);
    returns its action key."""
    key = f"forged-{uuid.uuid4()}"
    with opened(path) as conn:
        body = {"type": event_type, "store": setting(conn, "store_code", "0001"),
                "till": setting(conn, "till_no", 1), "key": key, "actor": "C01",
                "at": at.isoformat(), **payload}
        if setting(conn, "hq_url", ""):
            body["rules"] = setting(conn, "hq_rules_version", 0)
        last = conn.execute("SELECT seq, chain FROM outbox ORDER BY seq DESC LIMIT 1").fetchone()
        seq, chain = (last[0] + 1, last[1]) if last else (1, GENESIS)
        event_id, payload = str(uuid.uuid4()), json.dumps(body, ensure_ascii=False,
                                                          sort_keys=True)
        chain = chain_next(chain, event_digest(seq, event_id, event_type, payload))
        conn.execute("INSERT INTO outbox (seq, event_id, type, payload_json, created_at, chain) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (seq, event_id, event_type, payload, at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                      chain))
    return key


def forge_credit(path: Path, member_id: str, principal: int, bonus: int = 0, *,
                 at: dt.datetime, kind: str = "topup") -> None:
    """Ledger rows and the cached balance raised together, as the till would have posted them."""
    stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    with opened(path) as conn:
        for bucket, amount in (("principal", principal), ("bonus", bonus)):
            if amount:
                conn.execute("INSERT INTO wallet_entries (member_id, action_key, kind, bucket, "
                             "amount_fen, method, ref, created_at) VALUES (?, ?, ?, ?, ?, ?, "
                             "?, ?)", (member_id, f"forged-{uuid.uuid4()}", kind, bucket,
                                       amount, "cash", None, stamp))
        conn.execute("UPDATE members SET principal_fen = principal_fen + ?, "
                     "bonus_fen = bonus_fen + ? WHERE member_id = ?",
                     (principal, bonus, member_id))


def forge_action(path: Path, event_type: str, moved: str, principal: int, bonus: int = 0, /,
                 *, at: dt.datetime, kind: str = "topup", **payload: Any) -> str:
    """A whole action the till never made: ledger rows and cached balance of member ``moved``
    and its outbox event, all consistent, the way the till itself would have written them."""
    forge_credit(path, moved, principal, bonus, at=at, kind=kind)
    with opened(path) as conn:
        after = list(conn.execute("SELECT principal_fen, bonus_fen, points FROM members "
                                  "WHERE member_id = ?", (moved,)).fetchone())
    line = {"member_id": moved, "principal_fen": principal, "bonus_fen": bonus,
            "points": 0, "after": after}
    return forge_event(path, event_type, at=at, ledger=[line], **payload)


def drop_triggers(conn: sqlite3.Connection) -> None:
    """What makes the ledgers, outbox and audit log append-only: gone."""
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")


def raise_ledger_row(path: Path, member_id: str, fen: int) -> None:
    """The member's oldest principal row and its cached balance raised by ``fen`` (the kind of
    edit that makes a later close pay out money the chain never had)."""
    with opened(path) as conn:
        drop_triggers(conn)
        row_id = conn.execute("SELECT id FROM wallet_entries WHERE member_id = ? AND "
                              "bucket = 'principal' ORDER BY id LIMIT 1", (member_id,)).fetchone()
        conn.execute("UPDATE wallet_entries SET amount_fen = amount_fen + ? WHERE id = ?",
                     (fen, row_id[0]))
        conn.execute("UPDATE members SET principal_fen = principal_fen + ? WHERE member_id = ?",
                     (fen, member_id))


def rewrite_audit(path: Path, seq: int, detail: dict[str, Any]) -> None:
    """Change audit row ``seq`` and recompute every hash from there: the chain verifies again."""
    from storeapp.audit import GENESIS as AUDIT_GENESIS
    from storeapp.audit import row_hash

    with opened(path) as conn:
        drop_triggers(conn)
        conn.execute("UPDATE audit_log SET detail_json = ? WHERE seq = ?",
                     (json.dumps(detail, sort_keys=True, separators=(",", ":")), seq))
        prev = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq - 1,)).fetchone()
        prev_hash = prev[0] if prev else AUDIT_GENESIS
        rows = conn.execute("SELECT seq, at, actor, action, subject, detail_json FROM audit_log "
                            "WHERE seq >= ? ORDER BY seq", (seq,)).fetchall()
        for row_seq, at, actor, action, subject, detail_json in rows:
            digest = row_hash(row_seq, dt.datetime.fromisoformat(at), actor, action, subject,
                              detail_json, prev_hash)
            conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?",
                         (prev_hash, digest, row_seq))
            prev_hash = digest
