"""Fixtures shared by the unit tests: a real till database file per test, its fixed clock, staff.

Migrating a fresh file takes ~0.1 s, so the schema is built once per run and each test gets its
own copy of that file (via SQLite's backup API, which is safe with WAL) under ``tmp_path``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.services import users
from storeapp.services.members import MemberView
from storeapp.services.users import Staff
from storeapp.till import open_till
from tests.helpers import CASHIER, MANAGER_CODE, MANAGER_PIN, START, copy_database, register

# Keys live outside the databases (storeapp.keystore): this run's in a directory of its own,
# never the user's keyring or config directory; the tills the tests start as processes inherit it.
os.environ.setdefault("STOREAPP_KEY_DIR", tempfile.mkdtemp(prefix="storeapp-test-keys-"))
os.environ.setdefault("STOREAPP_KEYRING", "0")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly migrated, empty till database, made once for the whole run."""
    path = tmp_path_factory.mktemp("template") / "till.db"
    Database(path, clock=FixedClock(START)).close()
    # Each copy names its own entry in the key store at its first open, as every real till
    # does: tills copied from one template must not share secrets (a head-office token).
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DELETE FROM settings WHERE name = 'key_entry'")
    return path


@pytest.fixture
def clock() -> FixedClock:
    """The till's clock, standing at :data:`tests.helpers.START` until a test moves it."""
    return FixedClock(START)


@pytest.fixture
def db(tmp_path: Path, migrated_template: Path, clock: FixedClock) -> Iterator[Database]:
    """A real SQLite till database file of this test's own, opened the way the app opens it."""
    path = tmp_path / "till.db"
    copy_database(migrated_template, path)
    till = open_till(path, clock=clock)
    yield till.db
    till.close()


@pytest.fixture
def manager(db: Database) -> Staff:
    """A store manager ``M01`` with PIN ``246800`` (see :func:`tests.helpers.approve`)."""
    return users.add_user(db, code=MANAGER_CODE, name="王经理", role="manager", pin=MANAGER_PIN,
                          actor="setup")


@pytest.fixture
def cashier(db: Database) -> Staff:
    """A cashier ``C01`` with PIN ``135700``."""
    return users.add_user(db, code=CASHIER, name="李收银", role="cashier", pin="135700",
                          actor="setup")


@pytest.fixture
def member(db: Database) -> MemberView:
    """One registered member, 张三, phone 138 1234 5678, no birthday."""
    return register(db, phone="13812345678", name="张三")
