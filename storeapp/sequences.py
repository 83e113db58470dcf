"""Gapless counters taken inside the caller's transaction (card, receipt and Z numbers), and
the Core row insert used on hot paths."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from storeapp.models import Base, Counter

_BUMP = (update(Counter).where(Counter.name == bindparam("counter"))
         .values(value=Counter.value + 1).returning(Counter.value))


def next_value(session: Session, name: str) -> int:
    """The next number of ``name`` (1, 2, 3, ...); a rolled-back transaction gives it back."""
    bumped = session.connection().execute(_BUMP, {"counter": name}).scalar()
    if bumped is None:
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    return int(bumped)


def insert_row(session: Session, model: type[Base], **values: Any) -> Any:
    """Insert one row straight through the driver, inside the session's transaction, and return
    its rowid.

    For append-only rows that nothing reads back through the ORM (ledger entries, lines, audit,
    outbox): skipping the unit of work and statement compilation is what keeps a checkout
    commit within a few milliseconds. Values are stored exactly as SQLAlchemy's SQLite types
    store them, so ORM queries read these rows like any other.
    """
    table = model.__table__.name  # type: ignore[attr-defined]
    columns = tuple(values)
    sql = _INSERTS.get((table, columns))
    if sql is None:
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        _INSERTS[(table, columns)] = sql
    driver = session.connection().connection.driver_connection
    assert driver is not None
    return driver.execute(sql, [_stored(v) for v in values.values()]).lastrowid


_INSERTS: dict[tuple[str, tuple[str, ...]], str] = {}


def _stored(value: Any) -> Any:
    """The representation SQLAlchemy's SQLite ``DateTime``/``Date``/``Boolean`` use."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value
