"""Schema migrations: an old till database upgrades to the same schema as a new one, keeping its
rows; the migrations match the models; the connection pragmas money needs are on."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storeapp import audit
from storeapp.clock import FixedClock
from storeapp.db import Database, make_engine
from storeapp.migrate import alembic_config, downgrade, upgrade
from storeapp.models import Base
from storeapp.services import members, plans, sales, wallet
from storeapp.services.sales import TenderIn
from storeapp.services.users import Staff
from tests.helpers import CASHIER, approve, register, sell, topup

AT = dt.datetime(2025, 11, 1, 3, 0)
MEMBER_ID = "01930000-0000-7000-8000-000000000001"
REVISIONS = [rev.revision for rev in
             reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))]


def schema(path: Path) -> list[tuple[str, str, str, str]]:
    """Every table, index and trigger of a database file, with its SQL whitespace-normalised."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return sorted((kind, name, table, re.sub(r"\s+", " ", sql or "").strip())
                  for kind, name, table, sql in rows)


def fresh_schema(tmp_path: Path) -> list[tuple[str, str, str, str]]:
    path = tmp_path / "fresh.db"
    Database(path, clock=FixedClock(AT)).close()
    return schema(path)


@contextlib.contextmanager
def engine_at(path: Path, revision: str) -> Iterator[Engine]:
    engine = make_engine(path, immediate=True)
    try:
        upgrade(engine, revision)
        yield engine
    finally:
        engine.dispose()


def test_revisions_form_one_line_from_0001() -> None:
    assert REVISIONS[0] == "0001"
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_a_0001_database_with_rows_upgrades_to_the_fresh_schema(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with engine_at(old, "0001") as engine:
        put_old_rows(engine)

    db = Database(old, clock=FixedClock(AT + dt.timedelta(days=30)))  # migrates on open
    try:
        assert schema(old) == fresh_schema(tmp_path)
        with db.reader() as session:
            assert audit.verify(session).ok
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
                == REVISIONS[-1]
            member = conn.execute(text(
                "SELECT principal_fen, bonus_fen, points FROM members")).one()
            assert tuple(member) == (50_000, 5_000, 120)
            wallet = conn.execute(text(
                "SELECT bucket, amount_fen FROM wallet_entries ORDER BY id")).all()
            assert [tuple(row) for row in wallet] == [("principal", 50_000), ("bonus", 5_000)]
            assert conn.execute(text("SELECT remaining_points FROM points_lots")).scalar() == 120
            assert conn.execute(text("SELECT seq FROM outbox")).scalar() == 1
            assert conn.execute(text("SELECT value_json FROM settings WHERE name = 'store_code'")
                                ).scalar() == json.dumps("0042")
        # Rows written before 0002 are protected by its append-only triggers too.
        with pytest.raises(IntegrityError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("UPDATE wallet_entries SET amount_fen = 1"))
        assert db.settings.store_code == "0042"
        # 0016 sealed the member's personal data: found by phone, read back whole, and the
        # file (vacuumed after) holds the phone and name nowhere in plain text
        found = members.find(db, "13812345678")
        assert [(m.phone, m.name) for m in found] == [("13812345678", "老会员")]
        assert members.find(db, "5678")[0].name == "老会员"
        assert members.find(db, "老会")[0].phone == "13812345678"
        raw = old.read_bytes() + (Path(f"{old}-wal").read_bytes()
                                  if Path(f"{old}-wal").exists() else b"")
        assert b"13812345678" not in raw and "老会员".encode() not in raw
    finally:
        db.close()


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_every_older_revision_upgrades_to_the_fresh_schema(tmp_path: Path, revision: str) -> None:
    old = tmp_path / "old.db"
    with engine_at(old, revision):
        pass
    Database(old, clock=FixedClock(AT)).close()
    assert schema(old) == fresh_schema(tmp_path)


def test_downgrade_to_0001_and_back_gives_the_same_schema(tmp_path: Path) -> None:
    path = tmp_path / "till.db"
    Database(path, clock=FixedClock(AT)).close()
    engine = make_engine(path, immediate=True)
    try:
        downgrade(engine, "0001")
        assert not any(name.endswith("_no_update") for _, name, _, _ in schema(path))
        upgrade(engine)
    finally:
        engine.dispose()
    assert schema(path) == fresh_schema(tmp_path)


def test_migrations_match_the_models(tmp_path: Path) -> None:
    db = Database(tmp_path / "till.db", clock=FixedClock(AT))
    try:
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        db.close()
    assert differences == []


def test_opening_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "till.db"
    Database(path, clock=FixedClock(AT)).close()
    first = schema(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        secret = conn.execute("SELECT value_json FROM settings WHERE name = 'qr_secret'").fetchone()
    Database(path, clock=FixedClock(AT)).close()
    assert schema(path) == first
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT value_json FROM settings WHERE name = 'qr_secret'"
                            ).fetchone() == secret  # the QR secret is made once, never again


def test_connections_use_wal_foreign_keys_and_full_sync(tmp_path: Path) -> None:
    db = Database(tmp_path / "till.db", clock=FixedClock(AT))
    try:
        for engine in (db.engine, db.read_engine):
            with engine.connect() as conn:
                pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                           for name in ("journal_mode", "foreign_keys", "synchronous")}
            assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2}
    finally:
        db.close()


def put_old_rows(engine: Engine) -> None:
    """What a till running revision 0001 had written: a member with a top-up, points, an audit
    row, an outbox event and a setting."""
    stamp = AT.strftime("%Y-%m-%d %H:%M:%S.%f")
    with Session(engine) as session, session.begin():
        conn = session.connection()
        conn.execute(text(
            "INSERT INTO members (member_id, card_no, phone, phone_tail, name, marketing_consent,"
            " tier, status, pin_failed, principal_fen, bonus_fen, points, home_store,"
            " created_at, updated_at, last_visit_at) VALUES (:m, '00420100000017',"
            " '13812345678', '5678', '老会员', 0, 'regular', 'active', 0, 50000, 5000, 120,"
            " '0042', :t, :t, :t)"), {"m": MEMBER_ID, "t": stamp})
        conn.execute(text(
            "INSERT INTO cards (card_no, member_id, status, issued_at, changed_at)"
            " VALUES ('00420100000017', :m, 'active', :t, :t)"), {"m": MEMBER_ID, "t": stamp})
        for bucket, amount in (("principal", 50_000), ("bonus", 5_000)):
            conn.execute(text(
                "INSERT INTO wallet_entries (member_id, action_key, kind, bucket, amount_fen,"
                " method, ref, created_at) VALUES (:m, 'old-topup', 'topup', :b, :a, 'cash',"
                " 'old-topup', :t)"), {"m": MEMBER_ID, "b": bucket, "a": amount, "t": stamp})
        conn.execute(text(
            "INSERT INTO points_lots (member_id, action_key, earned_points, remaining_points,"
            " earned_at, expires_at) VALUES (:m, 'old-sale', 120, 120, :t, :t)"),
            {"m": MEMBER_ID, "t": stamp})
        conn.execute(text(
            "INSERT INTO points_entries (member_id, action_key, kind, points, lot_id, ref,"
            " created_at) VALUES (:m, 'old-sale', 'earn', 120, 1, 'R0042010000001', :t)"),
            {"m": MEMBER_ID, "t": stamp})
        conn.execute(text(
            "INSERT INTO outbox (event_id, type, payload_json, created_at)"
            " VALUES ('01930000-0000-7000-8000-0000000000e1', 'wallet_topped_up', '{}', :t)"),
            {"t": stamp})
        conn.execute(text("INSERT INTO settings (name, value_json) VALUES ('store_code', :v)"),
                     {"v": json.dumps("0042")})
        audit.append(session, at=AT, actor="C01", action="wallet_topped_up", subject=MEMBER_ID,
                     detail={"key": "old-topup", "principal_fen": 50_000})


def test_0004_rebuilds_the_payments_journal_and_ledger_totals_of_an_existing_till(
        db: Database, manager: Staff) -> None:
    """A till that ran before 0004 (simulated: the real services write everything, then the
    database goes back to 0003, dropping the journal) gets, on upgrade, the same payments rows
    the services wrote — by action, kind, method, amount and time — and its ledger totals."""
    member = register(db)
    other = register(db)
    cash_topup = topup(db, member, 100_000, method="cash")
    topup(db, other, 50_000, method="wechat")
    sold = sell(db, member, 30_000, tenders=[TenderIn("wallet", 10_000), TenderIn("cash", 25_000)])
    sell(db, None, 4_200, tenders=[TenderIn("card")])
    sales.refund(db, sold["receipt_no"], actor=CASHIER, grant=approve(db))
    wallet.void_topup(db, cash_topup["topup_key"], actor=CASHIER, grant=approve(db))
    plans.add_plan(db, code="PLUS", name="Plus 会员", fee_fen=9_900, duration_days=365,
                   actor="setup")
    plans.buy(db, other.member_id, "PLUS", method="alipay", actor=CASHIER)
    wallet.close_account(db, other.member_id, actor=CASHIER, grant=approve(db), method="cash")

    def journal() -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(db.path)) as conn:
            return sorted(conn.execute("SELECT action_key, kind, method, amount_fen, created_at "
                                       "FROM payments").fetchall())

    def totals() -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(db.path)) as conn:
            return sorted(conn.execute("SELECT * FROM ledger_totals").fetchall())

    written, kept = journal(), totals()
    assert {row[1] for row in written} == {"topup", "sale", "refund", "topup_void", "plan",
                                           "close"}
    db.close()
    engine = make_engine(db.path, immediate=True)
    try:
        downgrade(engine, "0003")
        upgrade(engine)
    finally:
        engine.dispose()
    assert journal() == written
    assert totals() == kept
