"""Opening a till database: SQLite pragmas for money, migrations applied on open, settings loaded.

Two engines share the file: ``engine`` begins every transaction with ``BEGIN IMMEDIATE`` so that
money actions serialise cleanly (no lock upgrade deadlocks), ``read_engine`` begins deferred so
lookups never wait for the write lock.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session

from storeapp import pii_orm, sealed_records, storage
from storeapp.clock import Clock
from storeapp.keystore import KeyStore, new_entry
from storeapp.models import SettingRow
from storeapp.pii import Ring
from storeapp.settings import BY_NAME, DECLARED, Settings, validate

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
        self._keys: KeyStore | None = None
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if blank:
                storage.create_owner_only(self.path)
            else:  # a till made before files were owner-only, or copied in with another mode
                with contextlib.suppress(OSError):  # not this user's file: left as it is
                    storage.owner_only(self.path)
            self.engine = make_engine(self.path, immediate=True)
            self.read_engine = make_engine(self.path, immediate=False)
            upgrade(self.engine)
            self._ensure_secrets()
            self.settings = self.load_settings()
            from storeapp.services.keys import finish_rotation  # services import this module

            finish_rotation(self.engine, self.keys)  # one a crash cut short, before it is read
            self.pii = Ring.of(self.keys)
            pii_orm.register(self.engine, self.pii)
            pii_orm.register(self.read_engine, self.pii)
            records = sealed_records.records_key(self.keys)
            sealed_records.register(self.engine, records)
            sealed_records.register(self.read_engine, records)
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
        """The stored settings, with those kept in the key store (the head-office token) read
        from there: ``settings.hq_token`` reads the same wherever the token is kept."""
        with self.reader() as s:
            rows = s.scalars(select(SettingRow)).all()
            values = {r.name: json.loads(r.value_json) for r in rows}
        entry = values.get("key_entry")
        if entry:
            store = self._key_store(str(entry))
            for declared in _KEY_STORE_SETTINGS:
                kept = store.text(declared.name)
                if kept:  # else a row not moved yet (see _ensure_secrets), or the default
                    values[declared.name] = kept
        return Settings(values)

    def set_setting(self, session: Session, name: str, value: Any) -> None:
        """Store a setting inside the caller's transaction; takes effect for this handle at once.

        A setting declared ``key_store`` (the head-office token) goes to the till's key store
        when the transaction commits, never into the settings table."""
        value = validate(name, value)
        declared = BY_NAME.get(name)
        if declared is not None and declared.key_store:
            stale = session.get(SettingRow, name)
            if stale is not None:
                session.delete(stale)
            keys, text = self.keys, str(value)
            event.listen(session, "after_commit", lambda _s: keys.put_text(name, text),
                         once=True)
        else:
            session.merge(SettingRow(name=name, value_json=json.dumps(value,
                                                                      ensure_ascii=False)))
        self.settings = Settings({**self.settings.as_dict(), name: value})

    def close(self) -> None:
        """Close the files, and the link to head office the till's builder wired, if any."""
        if self.head_office is not None:
            self.head_office.close()
        pii_orm.forget(self.engine)
        pii_orm.forget(self.read_engine)
        sealed_records.forget(self.engine)
        sealed_records.forget(self.read_engine)
        self.engine.dispose()
        self.read_engine.dispose()

    def _ensure_secrets(self) -> None:
        with self.session() as s, s.begin():
            if s.get(SettingRow, "qr_secret") is None:
                secret = secrets.token_hex(32)
                s.add(SettingRow(name="qr_secret", value_json=json.dumps(secret)))
            entry_row = s.get(SettingRow, "key_entry")
            if entry_row is None:
                entry_row = SettingRow(name="key_entry", value_json=json.dumps(new_entry("till")))
                s.add(entry_row)
            # A till from before the head-office token left the settings table (or a file
            # carried over from one): the token moves to the key store and its row goes. A
            # migration cannot do this, as it knows the database but not where the keys are;
            # the key is written before the row's delete commits, so a crash between the two
            # only means moving it again at the next open.
            for declared in _KEY_STORE_SETTINGS:
                row = s.get(SettingRow, declared.name)
                if row is not None:
                    value = json.loads(row.value_json)
                    store = self._key_store(str(json.loads(entry_row.value_json)))
                    if value and not store.text(declared.name):
                        store.put_text(declared.name, str(value))
                    s.delete(row)

    @property
    def keys(self) -> KeyStore:
        """This till's secrets outside the database (its entry is named in the database)."""
        return self._key_store(self.settings.key_entry)

    def _key_store(self, entry: str) -> KeyStore:
        if self._keys is None or self._keys.entry != entry:
            self._keys = KeyStore(entry)
        return self._keys


#: settings kept in the till's key store, not its database (a copied file does not carry them)
_KEY_STORE_SETTINGS = tuple(declared for declared in DECLARED if declared.key_store)
