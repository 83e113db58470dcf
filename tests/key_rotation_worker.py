"""The worker of the key rotation crash tests: rotates a till's keys and kills itself with SIGKILL
at a chosen point, or opens the till as a restarted one does and says what it finds.

``python tests/key_rotation_worker.py DB rotate master|index [POINT]`` rotates the key, killed
at POINT (none: to the end):

- ``staged``: the new key is in the key store under its staging name, nothing rewritten yet;
- ``commit``: everything rewritten, as the transaction's COMMIT starts;
- ``committed``: committed, as the new key is about to replace the old one;
- ``swapped``: in place, as its staged copy is about to be removed.

``python tests/key_rotation_worker.py DB check PHONE ...`` prints one JSON line: the check
values of the till's master and index keys, the key store's files, and for each phone the
members found by it, by its last four digits and by the name they open to.

The kill points wrap the till's own key store and transactions; nothing is faked. Imports only
``storeapp`` (it runs as a script).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event

from storeapp import pii
from storeapp.db import Database
from storeapp.services import keys, members
from storeapp.services.users import Grant

POINTS = ("staged", "commit", "committed", "swapped")
MANAGER = "M01"


def rotate(db_path: Path, kind: str, point: str | None) -> None:
    db = Database(db_path)
    if point is not None:
        _arm(db, kind, point)
    keys.rotate(db, index=kind == keys.INDEX, actor=MANAGER, grant=Grant(MANAGER, "crash test"))
    db.close()


def check(db_path: Path, phones: list[str]) -> dict[str, Any]:
    db = Database(db_path)
    try:
        found = {}
        for phone in phones:
            [member] = members.find(db, phone)
            found[phone] = {"id": member.member_id, "name": member.name,
                            "by_tail": [m.member_id for m in members.find(db, phone[-4:])],
                            "by_name": [m.member_id for m in members.find(db, member.name)]}
        return {"master": _check(db, "master"), "index": _check(db, "index"),
                "files": sorted(p.name for p in db.keys.directory.iterdir()), "found": found}
    finally:
        db.close()


def _arm(db: Database, kind: str, point: str) -> None:
    """Kill this process at ``point`` of the rotation of ``kind``."""
    store = db.keys  # the very store the till's ring and the rotation use
    staged = pii.STAGED_MASTER if kind == keys.MASTER else keys.STAGED_INDEX
    put, delete = store.put, store.delete

    def put_then_die(name: str, value: bytes) -> None:
        if point == "committed" and name == kind:
            _die()
        put(name, value)
        if point == "staged" and name == staged:
            _die()

    def delete_then_die(name: str) -> None:
        if point == "swapped" and name == staged:
            _die()
        delete(name)

    store.put, store.delete = put_then_die, delete_then_die  # type: ignore[method-assign]
    if point != "commit":
        return
    if kind == keys.MASTER:  # the key file's own connection: no other way in
        db.pii.keys._db.set_trace_callback(lambda sql: _die() if sql == "COMMIT" else None)
    else:
        event.listen(db.engine, "commit", lambda _conn: _die())


def _check(db: Database, name: str) -> str:
    value = db.keys.get(name)
    assert value is not None
    return pii.key_check(value)


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    path, command, *rest = sys.argv[1:]
    if command == "rotate":
        rotate(Path(path), rest[0], rest[1] if len(rest) > 1 else None)
        print(json.dumps({"rotated": rest[0]}), flush=True)
    else:
        print(json.dumps(check(Path(path), rest), ensure_ascii=False), flush=True)
