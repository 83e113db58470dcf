"""When the disk, not the request, is the problem: the till's database file damaged, read-only,
locked by another program, full, or missing. Each becomes a :class:`StorageError` with a code
and a message a store manager can act on; SQLite's transactions mean nothing was half done.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from storeapp.errors import StorageError

#: (SQLite's words, code, what to tell the manager): the first match wins. ``{db}`` is "the
#: till's database" and, when known, its path.
_FAULTS = (
    (("malformed", "not a database", "file is encrypted", "corrupt"), "db_corrupt",
     "The till's database{db} is damaged: nothing was changed. Restore it: storeapp restore "
     "(the newest good backup and head office's copy of every sale)"),
    (("readonly", "read-only", "read only"), "db_read_only",
     "The till's database{db} (or its folder) cannot be written: nothing was changed. Check "
     "the disk is not mounted read-only and the file belongs to this user"),
    (("database is locked", "database table is locked", "busy"), "db_locked",
     "Another program holds the till's database{db}: nothing was changed. Close the other "
     "counter window or command and try again"),
    (("disk is full", "database or disk is full", "no space"), "db_full",
     "The disk holding the till's database{db} is full: nothing was changed. Free some space "
     "(old backups, logs) and try again"),
    (("unable to open", "cannot open", "disk i/o error", "i/o error"), "db_unreadable",
     "The till's database{db} cannot be opened or read: nothing was changed. Check the disk; "
     "if the file is damaged: storeapp restore"),
)


def explain(exc: BaseException, path: Path | str | None = None) -> StorageError | None:
    """The storage fault ``exc`` is, in words for a manager; None when it is something else."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError) and exc.errno is not None:
        text = os.strerror(exc.errno).lower()
    elif isinstance(exc, DBAPIError | sqlite3.Error | SQLAlchemyError):
        orig = getattr(exc, "orig", None) or exc
        text = str(orig).lower()
    else:
        return None
    for words, code, message in _FAULTS:
        if any(word in text for word in words):
            return StorageError(code, message.format(db=f" ({path})" if path else ""),
                                path=str(path or ""))
    return None


def missing(path: Path) -> StorageError:
    return StorageError(
        "db_missing", f"There is no till database at {path} (or it is empty): nothing was "
        "made. A new till: storeapp init (or start the counter and follow its first-start "
        "screen); a till that lost its disk: storeapp restore", path=str(path))


def is_blank(path: Path) -> bool:
    """No file, or an empty one: not a till (a new till is made only when asked for)."""
    return not path.exists() or path.stat().st_size == 0


OWNER_ONLY = 0o600


def owner_only(path: Path) -> None:
    """Members' data is readable by the till's own user only (the file and its journals; SQLite
    makes a journal, WAL or shared-memory file with the database file's own mode). Takes the
    group's and others' rights away and gives none: a file made read-only stays read-only."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        target = Path(f"{path}{suffix}")
        if target.exists():
            mode = stat.S_IMODE(target.stat().st_mode)
            if mode & 0o077:
                target.chmod(mode & 0o700)


def create_owner_only(path: Path) -> None:
    """Make ``path`` an empty file only its owner can read, whatever the umask, so SQLite
    (which keeps a file's mode) never has a moment with members' data readable by others."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, OWNER_ONLY))
    os.chmod(path, OWNER_ONLY)


def open_owner_only(path: Path | str, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """Open ``path`` for writing (``w``/``wb``), created or truncated, readable by its owner
    only whatever the umask: exports and previews carry members' data out of the database."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    try:
        os.fchmod(fd, OWNER_ONLY)  # a file that was there before keeps its mode otherwise
        return os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        raise


__all__ = ["OWNER_ONLY", "StorageError", "create_owner_only", "explain", "is_blank", "missing",
           "open_owner_only", "owner_only"]
