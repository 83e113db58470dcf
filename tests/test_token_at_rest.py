"""The head-office token lives in the till's key store, never in its database: a till that kept
it in ``settings`` moves it out when it opens, and neither the file nor a backup holds it."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

from storeapp import backup
from storeapp.clock import FixedClock
from storeapp.db import Database
from tests.helpers import copy_database

TOKEN = "store-token-5f0c2a9d41b7e3c86a1d"


def files_holding(directory: Path, secret: str) -> list[str]:
    return sorted(p.name for p in directory.rglob("*") if p.is_file()
                  and secret.encode() in p.read_bytes())


def test_a_token_kept_in_settings_moves_to_the_key_store_when_the_till_opens(
        tmp_path: Path, migrated_template: Path, clock: FixedClock) -> None:
    path = tmp_path / "till.db"
    copy_database(migrated_template, path)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:  # as a till kept it before
        conn.execute("INSERT INTO settings (name, value_json) VALUES ('hq_token', ?)",
                     (json.dumps(TOKEN),))
    with contextlib.closing(Database(path, clock=clock)) as db:
        assert db.settings.hq_token == TOKEN  # the readers see it as before
        assert db.keys.text("hq_token") == TOKEN
        with contextlib.closing(sqlite3.connect(path)) as conn:
            assert conn.execute("SELECT count(*) FROM settings WHERE name = 'hq_token'"
                                ).fetchone() == (0,)
        made = backup.backup(db, tmp_path / "backups")
        conn = sqlite3.connect(path)
        conn.execute("VACUUM")  # the deleted row's bytes leave the file's free pages too
        conn.close()
    assert Path(str(made["backup"])).exists()
    assert files_holding(tmp_path, TOKEN) == []
    with contextlib.closing(Database(path, clock=clock)) as again:
        assert again.settings.hq_token == TOKEN


def test_a_new_token_goes_to_the_key_store_when_its_transaction_commits(
        db: Database) -> None:
    with db.session() as s, s.begin():
        db.set_setting(s, "hq_token", TOKEN)
        assert db.keys.text("hq_token") == ""  # not before the join it belongs to is kept
    assert db.keys.text("hq_token") == TOKEN
    with contextlib.suppress(RuntimeError), db.session() as s, s.begin():
        db.set_setting(s, "hq_token", "a-join-that-failed")
        raise RuntimeError("head office refused")
    assert db.keys.text("hq_token") == TOKEN  # a rolled-back change leaves the key as it was
    with contextlib.closing(sqlite3.connect(db.path)) as conn:
        assert conn.execute("SELECT count(*) FROM settings WHERE name = 'hq_token'"
                            ).fetchone() == (0,)
    db.keys.delete("hq_token")  # the test run's key directory is shared by the template's tills
