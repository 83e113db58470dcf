"""``column IN values`` that PostgreSQL plans once, shared by the till's core and head office.

An ``IN`` list is a new statement for every number of values: the driver parses it afresh
(past 4 KiB psycopg does not cache it) and PostgreSQL plans it anew, on a table without
statistics yet (autovacuum off, or behind) or with a bad sample, as a scan of the whole table.
One array parameter (``= ANY``) keeps the statement's text whatever the values, so it is
prepared once and its generic plan takes the index (head office's name grams at ten million
events: 4,001 full scans of a 5-billion-row read before this).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


def among(s: Session | Connection, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``."""
    values = list(values)
    dialect = s.get_bind().dialect if isinstance(s, Session) else s.dialect
    if dialect.name != "postgresql":
        return column.in_(values)  # type: ignore[no-any-return]
    array = bindparam(None, values, type_=postgresql.ARRAY(unsized(column.type)))
    return column == any_(array)  # type: ignore[no-any-return]


def unsized(type_: Any) -> Any:
    """A string column's type without its length: a cast to ``VARCHAR(n)`` cuts a longer value
    short without a word, where writing it into the column refuses it."""
    return String() if isinstance(type_, String) else type_
