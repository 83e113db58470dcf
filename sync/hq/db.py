"""Opening head office's database (SQLite by default, PostgreSQL for a chain) and its server
order.

Every transaction that changes members or rules numbers its changes (:func:`next_change_no`):
on PostgreSQL with its own transaction id, so no shared row is written and ingests never queue
on one another; readers take only numbers below the oldest transaction still running
(:func:`change_watermark`), so a download cursor never steps over a row committed late. On
SQLite (one writer at a time) the number is the next value of the ``hq_counter`` row.

Numbers only ever grow, so a till's cursor is always below them, until head office's database
goes back in time: restored from a backup, or a standby promoted that had not received the last
commits. Head office then hands out again numbers that tills already downloaded other changes
under, and a cursor above them would skip what they now number. :func:`renumber` moves server
order past anything head office numbered before and starts a new numbering (the ``hq_counter``
row ``numbering``); a cursor of an earlier numbering starts again from the start
(:func:`sync.hq.service.changes`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from storeapp import pii_orm

T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_URL = "sqlite:///storeapp-hq.db"
RETRIES = 8
#: the migration that sealed members' personal data (a SQLite file crossing it is vacuumed)
SEALED_REVISION = "0018"


def utcnow() -> dt.datetime:
    """Head office's clock: naive UTC, like the tills' stored datetimes."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def make_engine(url: str) -> Engine:
    """An engine for ``url``. On PostgreSQL it is safe behind pgbouncer in transaction pooling
    mode (``docs/sync.md``, "Behind pgbouncer"): it relies on no state of a server connection
    between transactions, since the next transaction may run on another one.

    psycopg 3 prepares a statement on the server after its fifth run on a connection; behind a
    transaction pooler that statement is then missing, or already taken, on the server
    connection the next transaction gets (pgbouncer < 1.21 cannot track prepared statements;
    Debian 12 ships 1.18), so by default it never prepares. Straight to PostgreSQL,
    ``?prepare_threshold=5`` in the URL lets it (about 30 µs of PostgreSQL's CPU less per
    ingested event)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    parsed = make_url(url)
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() == "psycopg":
        threshold = parsed.query.get("prepare_threshold")
        connect_args["prepare_threshold"] = int(str(threshold)) if threshold else None
        parsed = parsed.difference_update_query(["prepare_threshold"])
    engine = create_engine(parsed, pool_size=10, max_overflow=10, pool_pre_ping=True,
                           connect_args=connect_args)
    if parsed.get_driver_name() == "psycopg":
        from psycopg.types.array import ListBinaryDumper

        @event.listens_for(engine, "connect")
        def _arrays_in_binary(dbapi_connection: Any, _record: Any) -> None:
            # an upload's set-based statements pass a column of a batch as one array
            # (sync.hq.bulk); in text form psycopg quotes each element after a regex search,
            # about three times the work of the binary form
            dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)

    return engine


def upgrade(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    with engine.connect() as conn:
        current = MigrationContext.configure(
            conn, opts={"version_table": "hq_alembic_version"}).get_current_heads()
        if set(current) == set(script.get_heads()):
            return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # several workers may start at once
            conn.execute(text("SELECT pg_advisory_xact_lock(860001)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    if engine.dialect.name == "sqlite" and current and max(current) < SEALED_REVISION:
        # members' plain data was just sealed: the pages that held it are free pages now,
        # still readable in the file until they are written over
        raw = engine.raw_connection()  # outside any transaction (the engine begins its own)
        try:
            raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
        finally:
            raw.close()


class HqDatabase:
    """Head office's database: an engine, migrated on open."""

    def __init__(self, url: str = DEFAULT_URL) -> None:
        from sync.hq.member_keys import HqRing
        from sync.hq.rulebook import RuleBook

        self.url = url
        self.engine = make_engine(url)
        upgrade(self.engine)
        #: the chain rules by version, as events are checked against them
        self.rulebook = RuleBook()
        # members' personal data opens and seals with the keys read through each session
        pii_orm.register(self.engine, lambda session: HqRing.of(self, session))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def retrying(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, again from the start when it lost a race (a deadlock,
        a serialization failure, or a unique index another transaction filled first)."""
        for attempt in range(RETRIES):
            try:
                with self.transaction() as session:
                    return work(session)
            except Exception as exc:  # SQLAlchemy's errors, or the driver's own from a COPY
                if attempt == RETRIES - 1 or not is_race(exc):
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        pii_orm.forget(self.engine)
        self.engine.dispose()


#: Unique indexes two concurrent transactions may both try to fill (a retry sees the winner): the
#: tables whose unique indexes are all such, and the indexes of other tables that are.
RACY_TABLES = frozenset({"hq_batches", "hq_streams", "hq_member_stores", "hq_holds", "hq_secrets",
                         "hq_member_keys"})
RACY_INDEXES = frozenset({"uq_hq_members_live_phone"})
#: SQLite names an index by its columns (``UNIQUE constraint failed: hq_members.phone_key``)
RACY_COLUMNS = frozenset({"hq_members.phone_key"})
_SQLITE_UNIQUE = "UNIQUE constraint failed: "


def is_race(exc: Exception) -> bool:
    """Whether ``exc`` lost a race that running the transaction again would win."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(orig, "sqlstate", None)
    if code == "23505" or (code is None and isinstance(exc, IntegrityError)):
        return _racy_unique(orig)  # (SQLite's errors carry no SQLSTATE)
    if isinstance(exc, DBAPIError) or code is not None:
        return code in ("40001", "40P01") or "database is locked" in str(orig)
    return False


def _racy_unique(orig: BaseException | None) -> bool:
    """Read the index from what the driver says it is, never from the message: PostgreSQL's
    message carries the clashing values, which a till chooses (an event id ``hq_streams``)."""
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg: PostgreSQL's own fields
        return diag.table_name in RACY_TABLES or diag.constraint_name in RACY_INDEXES
    message = str(orig)
    if not message.startswith(_SQLITE_UNIQUE):
        return False
    columns = message.removeprefix(_SQLITE_UNIQUE).split(", ")
    return any(c in RACY_COLUMNS or c.partition(".")[0] in RACY_TABLES for c in columns)


def current_change_no(session: Session) -> int:
    """The highest number a till can have been given (a rules version a till names is at most
    this). No lock."""
    if _postgres(session):
        return change_watermark(session) - 1
    return int(session.execute(text("SELECT value FROM hq_counter WHERE name = 'change'"))
               .scalar_one())


def next_change_no(session: Session) -> int:
    """This transaction's number in server order, the same for the whole transaction.

    PostgreSQL: the transaction's own id plus a fixed offset (migration 0019): no shared row is
    written, so concurrent ingests never queue on one another; numbers are not given out in
    commit order, which :func:`change_watermark` makes safe for readers. SQLite (one writer at
    a time): the next value of the counter row, called last, just before commit."""
    if _postgres(session):
        return int(session.execute(_XACT_NUMBER).scalar_one())
    value = session.execute(
        text("UPDATE hq_counter SET value = value + 1 WHERE name = 'change' RETURNING value")
    ).scalar_one()
    return int(value)


def change_watermark(session: Session) -> int:
    """Readers take only changes numbered below this: every transaction with a smaller number
    has committed or rolled back, so a row below it that is not visible now never will be, and a
    cursor moved up to it skips nothing. PostgreSQL: the oldest transaction still running
    (the snapshot's xmin) plus the offset; SQLite: past every number (numbers commit in order)."""
    if _postgres(session):
        return int(session.execute(_WATERMARK).scalar_one())
    return current_change_no(session) + 1


#: how far :func:`renumber` moves server order: more transactions than a head office makes
#: between a backup and its restore (PostgreSQL's own ids are 64-bit: no wrap-around)
RENUMBER_MARGIN = 2**32
#: how long :func:`renumber` waits for the transactions before it (PostgreSQL)
RENUMBER_WAIT = "30s"


def numbering(session: Session) -> int:
    """The numbering server order is in: 0 until the first :func:`renumber`."""
    value = session.execute(text("SELECT value FROM hq_counter WHERE name = 'numbering'")
                            ).scalar_one_or_none()
    return int(value or 0)


def renumber(session: Session, now: dt.datetime, margin: int = RENUMBER_MARGIN, *,
             past: int = 0) -> int:
    """Start a new numbering (returned) whose numbers are all ``margin`` past this one's.

    A numbering is named by when it began (Unix seconds), and is always past the one in force
    and ``past`` (one a till showed: a restore lost it, and this host's clock may be behind the
    one that made it). PostgreSQL: the table lock waits for every transaction that read the
    old offset to end and holds back the ones that have not, so no change is numbered under
    the old offset once the new one is in force (the watermark takes one offset for every
    running transaction); it gives up after :data:`RENUMBER_WAIT` rather than stall every
    upload and download behind a long transaction."""
    if _postgres(session):
        session.execute(text(f"SET LOCAL lock_timeout = '{RENUMBER_WAIT}'"))
        session.execute(text("LOCK TABLE hq_counter IN ACCESS EXCLUSIVE MODE"))
        session.execute(text("UPDATE hq_counter SET value = value + :margin "
                             "WHERE name = 'xid_offset'"), {"margin": margin})
    else:
        session.execute(text("UPDATE hq_counter SET value = value + :margin "
                             "WHERE name = 'change'"), {"margin": margin})
    started = max(numbering(session) + 1, past + 1,
                  int(now.replace(tzinfo=dt.UTC).timestamp()))
    session.execute(text("DELETE FROM hq_counter WHERE name = 'numbering'"))
    session.execute(text("INSERT INTO hq_counter (name, value) VALUES ('numbering', :started)"),
                    {"started": started})
    return started


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


_OFFSET = "(SELECT value FROM hq_counter WHERE name = 'xid_offset')"
_XACT_NUMBER = text(f"SELECT pg_current_xact_id()::text::bigint + {_OFFSET}")
_WATERMARK = text(f"SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint + {_OFFSET}")
