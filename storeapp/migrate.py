"""Alembic migrations, applied automatically whenever a database is opened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from storeapp.keystore import KeyStore, new_entry

MIGRATIONS = Path(__file__).parent / "migrations"


def key_store_of(bind: Connection) -> KeyStore:
    """The key store of the database a migration runs on (its entry named in ``settings``,
    made there when the database never had one)."""
    import json

    entry_json = bind.execute(text(
        "SELECT value_json FROM settings WHERE name = 'key_entry'")).scalar()
    if entry_json is not None:
        return KeyStore(json.loads(entry_json))
    entry = new_entry("till")
    bind.execute(text("INSERT INTO settings (name, value_json) VALUES ('key_entry', :v)"),
                 {"v": json.dumps(entry)})
    return KeyStore(entry)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; does nothing (cheaply) when it is already there."""
    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
        target = set(script.get_heads()) if revision == "head" else {revision}
        if set(current) == target:
            return
    with _foreign_keys_checked_at_the_end(engine) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    if current and any(min(current) < sealing <= max(target) for sealing in SEALING):
        _vacuum(engine)


@contextmanager
def _foreign_keys_checked_at_the_end(engine: Engine) -> Iterator[Connection]:
    """One transaction for the migrations, with SQLite's foreign keys off while they run and
    checked before it commits: a migration that rebuilds a table others point at (batch mode:
    copy, drop, rename) must not have the drop cascade or fail (sqlite.org/lang_altertable.html,
    "Making Other Kinds Of Table Schema Changes")."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set before it
        try:
            with conn.begin():
                yield conn
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise RuntimeError(f"a migration broke a foreign key: {tuple(broken)}")
        finally:
            raw.execute("PRAGMA foreign_keys = ON")


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to ``revision`` (tests, and an engineer undoing a release)."""
    cfg = alembic_config()
    with _foreign_keys_checked_at_the_end(engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


#: the revisions that sealed personal data (members' in 0016; payer accounts, gift-card buyers
#: and company contacts in 0018; the requests' bare hashes in 0019): a till upgraded across one
#: is vacuumed, so the plain values it held are overwritten rather than left in free pages
SEALING = ("0016", "0018", "0019")


def _vacuum(engine: Engine) -> None:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA secure_delete = ON")
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
