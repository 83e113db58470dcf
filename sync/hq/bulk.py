"""Set-based writes for an upload: many rows in one statement.

On PostgreSQL the rows travel as one array per column and the statement reads them with
``unnest``, so the server plans and runs one statement for the batch, not one per row (a
pipelined ``executemany`` still runs each row's statement on its own). SQLite, a single store's
head office, takes the same rows as an ``executemany``: it runs in process, where a statement
costs little.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from storeapp.sql_sets import among as among  # set-based reads here too: bulk.among
from storeapp.sql_sets import unsized
from sync.hq import models as m


def unique_violation(exc: Exception) -> bool:
    """A unique index refused a row: SQLAlchemy's error, or the driver's own from a COPY."""
    return isinstance(exc, IntegrityError) or getattr(exc, "sqlstate", None) == "23505"


def insert_rows(conn: Connection, model: type[m.Base], rows: Sequence[dict[str, Any]]) -> None:
    """Append rows: PostgreSQL's COPY (one round trip, no statement per row), else an
    ``executemany``. A refusal by a unique index is the driver's own error here
    (:func:`unique_violation`).

    The COPY is binary, each column sent as its own type: the text format escapes every value
    (an event's payload is a kilobyte of JSON) and the server parses it back; binary cost a
    fifth of the driver's CPU per event row and half the time overall (2,000 rows of a batch's
    events, measured with psycopg 3.3). Each value must then be of its column's Python type
    (an int for an integer, a naive datetime for a timestamp), as the models declare them."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(model), rows)
        return
    columns = tuple(rows[0])
    values = operator.itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {_table(model).name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(copy_types(_table(model), columns))
        for row in rows:
            copy.write_row(values(row))


@functools.cache
def copy_types(table: Table, columns: tuple[str, ...]) -> list[str]:
    """The PostgreSQL type names of ``table``'s ``columns`` (``varchar``, ``bigint``, ...), for
    a binary COPY."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return [table.c[c].type.compile(dialect=dialect).split("(")[0].lower() for c in columns]


def update_rows(conn: Connection, model: type[m.Base], key: str, columns: Sequence[str],
                rows: Sequence[dict[str, Any]]) -> None:
    """Set ``columns`` of the rows of ``model`` whose ``key`` is each row's ``key``."""
    if not rows:
        return
    table = _table(model)
    if conn.dialect.name != "postgresql":
        stmt = update(table).where(table.c[key] == bindparam(f"k_{key}")).values(
            {c: bindparam(f"k_{c}") for c in columns})
        conn.execute(stmt, [{f"k_{c}": row[c] for c in (key, *columns)} for row in rows])
        return
    names = (key, *columns)
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    conn.execute(text(
        f"UPDATE {table.name} AS t SET {sets} FROM {_unnest(table, names)} "
        f"WHERE t.{key} = v.{key}"), _arrays(names, rows))


def add_amounts(conn: Connection, model: type[m.Base], keys: Sequence[str],
                amounts: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Insert each row, or add its ``amounts`` to the row already under its ``keys`` (a
    unique index); no two rows may share their keys."""
    if not rows:
        return
    table = _table(model)
    names = (*keys, *amounts)
    if conn.dialect.name != "postgresql":
        ins = sqlite.insert(table)
        conn.execute(ins.on_conflict_do_update(
            index_elements=list(keys),
            set_={a: table.c[a] + ins.excluded[a] for a in amounts}),
            [{c: row[c] for c in names} for row in rows])
        return
    adds = ", ".join(f"{a} = {table.name}.{a} + excluded.{a}" for a in amounts)
    conn.execute(text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM "
        f"{_unnest(table, names)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}"),
        _arrays(names, rows))


def _table(model: type[m.Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _unnest(table: Table, names: Sequence[str]) -> str:
    """``unnest(CAST(:a AS type[]), ...) AS v(a, ...)`` over ``table``'s columns ``names``."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    arrays = ", ".join(
        f"CAST(:{c} AS {unsized(table.c[c].type).compile(dialect=dialect)}[])" for c in names)
    return f"unnest({arrays}) AS v({', '.join(names)})"


def _arrays(names: Sequence[str], rows: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    return {c: [row[c] for row in rows] for c in names}
