"""What a dishonest employee with the till's database file can do to it, with plain ``sqlite3``
and none of the till's code: insert rows the till never made, drop the triggers that keep its
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
        conn.execute("INSERT INTO outbox (event_id, type, payload_json, created_at) "
                     "VALUES (?, ?, ?, ?)",
                     (str(uuid.uuid4()), event_type,
                      json.dumps(body, ensure_ascii=False, sort_keys=True),
                      at.strftime("%Y-%m-%d %H:%M:%S.%f")))
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
