"""Online backup of the till database with rotation (run nightly by the OS scheduler or the app).

Uses SQLite's online backup API, so the till keeps selling while the copy is made, and the copy
is a consistent snapshot including what is still in the WAL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storeapp import storage
from storeapp.db import Database
from storeapp.errors import StorageError


def backup(db: Database, directory: Path | None = None, *, keep: int = 14) -> dict[str, object]:
    """Write ``storeapp-YYYYmmdd-HHMMSS.db`` into ``directory`` and keep the newest ``keep``.

    The copy is checked before anything else happens: a damaged database is refused (its bad
    copy removed) and no good backup is rotated away for it. Backups, like the database, are
    readable by their owner only."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    directory = directory or db.path.parent / "backups"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = directory / f"{db.path.stem}-{db.clock.now():%Y%m%d-%H%M%S}.db"
    partial = target.with_suffix(".db.partial")  # never mistaken for a backup
    try:
        storage.create_owner_only(partial)  # owner-only before a byte of it is written
        source = sqlite3.connect(db.path)
        dest = sqlite3.connect(partial)
        try:
            source.backup(dest)
            ok = dest.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            dest.close()
            source.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise storage.explain(exc, db.path) or StorageError(
            "backup_failed", f"The backup could not be made: {exc}", detail=str(exc)) from exc
    if not ok:
        partial.unlink(missing_ok=True)
        raise StorageError("db_corrupt", f"The till's database {db.path} is damaged, so no "
                           "backup was made and every earlier backup is kept: storeapp restore",
                           variant="backup", path=str(db.path))
    partial.chmod(storage.OWNER_ONLY)
    partial.replace(target)
    copies = sorted(directory.glob(f"{db.path.stem}-*.db"))
    removed = copies[:-keep]
    for old in removed:
        old.unlink()
    return {"backup": str(target), "integrity_ok": ok, "kept": len(copies) - len(removed),
            "removed": [str(p) for p in removed]}
