"""Online backup of the till database with rotation (run nightly by the OS scheduler or the app).

Uses SQLite's online backup API, so the till keeps selling while the copy is made, and the copy
is a consistent snapshot including what is still in the WAL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storeapp.db import Database


def backup(db: Database, directory: Path | None = None, *, keep: int = 14) -> dict[str, object]:
    """Write ``storeapp-YYYYmmdd-HHMMSS.db`` into ``directory`` and keep the newest ``keep``."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    directory = directory or db.path.parent / "backups"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{db.path.stem}-{db.clock.now():%Y%m%d-%H%M%S}.db"
    source = sqlite3.connect(db.path)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
        ok = dest.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        dest.close()
        source.close()
    copies = sorted(directory.glob(f"{db.path.stem}-*.db"))
    removed = copies[:-keep]
    for old in removed:
        old.unlink()
    return {"backup": str(target), "integrity_ok": ok, "kept": len(copies) - len(removed),
            "removed": [str(p) for p in removed]}
