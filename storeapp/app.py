"""What ``storeapp`` with no command starts: the counter on the embedded default database."""

from __future__ import annotations

from pathlib import Path


def start(db_path: Path | None) -> int:
    from storeapp import shell

    return shell.run(db_path)
