"""Opening a till database: SQLite pragmas for money, migrations applied on open, settings loaded.

Two engines share the file: ``engine`` begins every transaction with ``BEGIN IMMEDIATE`` so that
money actions serialise cleanly (no lock upgrade deadlocks), ``read_engine`` begins deferred so
lookups never wait for the write lock.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session

from storeapp import storage
from storeapp.clock import Clock
from storeapp.models import SettingRow
from storeapp.settings import Settings, validate

if TYPE_CHECKING:
    from storeapp.services.spend_gate import HeadOfficeGates, SpendGate

APP_NAME = "storeapp"


def default_db_path() -> Path:
    """The embedded default: a SQLite file in the user's data directory."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "storeapp.db"


def make_engine(path: Path | str, *, immediate: bool) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """A till's database file, migrated and ready, with its settings and clock."""

    def __init__(self, path: Path | str | None = None, *, clock: Clock | None = None,
                 create: bool = True) -> None:
        """Open (and migrate) the till database at ``path``. ``create``: a missing or empty
        file becomes a new till; without it that is :func:`storeapp.storage.missing` (the CLI
        and the counter make a new till only when asked to). A damaged, read-only, locked or
        full file raises :class:`storeapp.errors.StorageError`."""
        from storeapp.migrate import upgrade  # alembic is only needed when opening

        self.path = Path(path) if path else default_db_path()
        blank = storage.is_blank(self.path)
        if blank and not create:
            raise storage.missing(self.path)
        self.clock = clock or Clock()
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.engine = make_engine(self.path, immediate=True)
            self.read_engine = make_engine(self.path, immediate=False)
            upgrade(self.engine)
            if blank:
                storage.owner_only(self.path)
            self._ensure_secrets()
            self.settings = self.load_settings()
        except Exception as exc:
            fault = storage.explain(exc, self.path)
            if fault is None:
                raise
            raise fault from exc
        #: Head office's side of stored-value spends, wired by whoever builds the till
        #: (:func:`storeapp.till.open_till`): a gate given outright (tests, a tool), or the
        #: plugin's gates for the head office the till is linked to. A bare Database asks
        #: nobody: linked, it applies the offline allowance.
        self.spend_gate: SpendGate | None = None
        self.head_office: HeadOfficeGates | None = None

    def session(self) -> Session:
        """A session for one user action that writes; the caller owns it and its transaction."""
        return Session(self.engine, expire_on_commit=False)

    def reader(self) -> Session:
        """A session for lookups and reports."""
        return Session(self.read_engine, expire_on_commit=False)

    def load_settings(self) -> Settings:
        with self.reader() as s:
            rows = s.scalars(select(SettingRow)).all()
            return Settings({r.name: json.loads(r.value_json) for r in rows})

    def set_setting(self, session: Session, name: str, value: Any) -> None:
        """Store a setting inside the caller's transaction; takes effect for this handle at once."""
        value = validate(name, value)
        session.merge(SettingRow(name=name, value_json=json.dumps(value, ensure_ascii=False)))
        self.settings = Settings({**self.settings.as_dict(), name: value})

    def close(self) -> None:
        """Close the files, and the link to head office the till's builder wired, if any."""
        if self.head_office is not None:
            self.head_office.close()
        self.engine.dispose()
        self.read_engine.dispose()

    def _ensure_secrets(self) -> None:
        with self.session() as s, s.begin():
            if s.get(SettingRow, "qr_secret") is None:
                secret = secrets.token_hex(32)
                s.add(SettingRow(name="qr_secret", value_json=json.dumps(secret)))
