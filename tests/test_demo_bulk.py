"""The bulk demo history (``storeapp demo --ledger-rows N``), judged with plain SQL: balances,
points and tiers equal what the ledgers say, nothing ever went negative, ids follow time, the
schema is the migrated one, and the till keeps selling afterwards."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storeapp import audit
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import InvalidInput
from storeapp.identity import is_card_no, make_card_no
from storeapp.models import Member
from storeapp.money import percent_of, split_in_proportion
from storeapp.services import members, sales, tiers
from storeapp.services.sales import LineIn, TenderIn
from storeapp.settings import Settings
from tests import ledger_checks
from tests.helpers import START
from tools import demo_bulk
from tools.demo_bulk import populate_bulk

MEMBERS, LEDGER_ROWS = 3_000, 30_000
#: Tables whose rows carry the moment they were written: (table, order, moment). UUIDv7 ids
#: and keys sort by the millisecond.
TIMED = (("wallet_entries", "id", "created_at"), ("points_entries", "id", "created_at"),
         ("points_lots", "id", "earned_at"), ("sales", "id", "created_at"),
         ("payments", "id", "created_at"), ("topups", "rowid", "created_at"),
         ("refunds", "id", "created_at"), ("approvals", "id", "created_at"),
         ("coupons", "rowid", "issued_at"), ("tier_changes", "id", "created_at"),
         ("members", "rowid", "created_at"),
         ("members", "member_id", "substr(created_at, 1, 23)"),
         ("sales", "action_key", "substr(created_at, 1, 23)"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    """One bulk-loaded till database for the module (read-only for the tests)."""
    path = tmp_path_factory.mktemp("bulk") / "till.db"
    _copy(migrated_template, path)
    db = Database(path, clock=FixedClock(START))
    result = populate_bulk(db, members=MEMBERS, ledger_rows=LEDGER_ROWS)
    db.close()
    assert result["members"] == MEMBERS
    return path


@pytest.fixture
def conn(built: Path) -> Iterator[sqlite3.Connection]:
    with contextlib.closing(ledger_checks.connect(built)) as c:
        yield c


def _copy(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source)) as a, \
            contextlib.closing(sqlite3.connect(target)) as b:
        a.backup(b)


def _one(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def test_counts_are_near_the_target_and_every_kind_of_row_is_there(
        conn: sqlite3.Connection) -> None:
    ledger = _one(conn, "SELECT (SELECT count(*) FROM wallet_entries)"
                        " + (SELECT count(*) FROM points_entries)")
    assert abs(ledger - LEDGER_ROWS) <= LEDGER_ROWS * 0.02
    assert _one(conn, "SELECT count(*) FROM members") == MEMBERS
    assert _one(conn, "SELECT count(*) FROM cards") == MEMBERS
    kinds = {f"{table}:{kind}" for table in ("wallet_entries", "points_entries")
             for (kind,) in conn.execute(f"SELECT DISTINCT kind FROM {table}")}
    assert kinds == {"wallet_entries:topup", "wallet_entries:spend", "wallet_entries:spend_refund",
                     "points_entries:earn", "points_entries:redeem", "points_entries:expire",
                     "points_entries:clawback", "points_entries:return"}
    for sql in ("SELECT count(*) FROM refunds", "SELECT count(*) FROM approvals",
                "SELECT count(*) FROM sales WHERE status = 'refunded'",
                "SELECT count(*) FROM coupons WHERE used_at IS NOT NULL",
                "SELECT count(*) FROM coupons WHERE reason = 'birthday'",
                "SELECT count(*) FROM sales WHERE coupon_code IS NOT NULL",
                "SELECT count(*) FROM tier_changes WHERE reason = 'checkout'",
                "SELECT count(*) FROM members WHERE tier = 'gold'",
                "SELECT count(*) FROM members WHERE birth_month IS NOT NULL",
                "SELECT count(*) FROM tenders WHERE method = 'cash' AND change_fen > 0",
                "SELECT count(*) FROM payments WHERE kind = 'topup'",
                "SELECT count(*) FROM sales WHERE discount_fen > 0"):
        assert _one(conn, sql) > 0, sql
    assert _one(conn, "SELECT count(*) FROM sale_lines GROUP BY sale_id ORDER BY 1 DESC") == 3


def test_cached_balances_and_points_equal_the_ledgers(conn: sqlite3.Connection) -> None:
    wrong = conn.execute("""
        SELECT m.member_id FROM members m
        LEFT JOIN (SELECT member_id,
                          sum(CASE WHEN bucket = 'principal' THEN amount_fen END) AS p,
                          sum(CASE WHEN bucket = 'bonus' THEN amount_fen END) AS b
                     FROM wallet_entries GROUP BY member_id) w USING (member_id)
        LEFT JOIN (SELECT member_id, sum(points) AS pts FROM points_entries
                    GROUP BY member_id) e USING (member_id)
        LEFT JOIN (SELECT member_id, sum(remaining_points) AS left FROM points_lots
                    GROUP BY member_id) l USING (member_id)
        WHERE m.principal_fen != coalesce(w.p, 0) OR m.bonus_fen != coalesce(w.b, 0)
           OR m.points != coalesce(e.pts, 0) OR m.points != coalesce(l.left, 0)""").fetchall()
    assert wrong == []
    assert _one(conn, "SELECT count(*) FROM members WHERE principal_fen + bonus_fen > 0") > 0


def test_lots_remaining_follow_their_entries(conn: sqlite3.Connection) -> None:
    wrong = conn.execute("""
        SELECT l.id FROM points_lots l
        JOIN (SELECT lot_id, sum(points) AS total,
                     sum(CASE WHEN kind = 'earn' THEN points END) AS earned,
                     sum(kind = 'earn') AS earns
                FROM points_entries GROUP BY lot_id) e ON e.lot_id = l.id
        WHERE l.remaining_points != e.total OR e.earned != l.earned_points OR e.earns != 1
           OR l.remaining_points NOT BETWEEN 0 AND l.earned_points""").fetchall()
    assert wrong == []
    assert _one(conn, "SELECT count(*) FROM points_lots") == _one(
        conn, "SELECT count(DISTINCT lot_id) FROM points_entries")
    # only lots past their date were expired, each by the nightly run after it
    assert _one(conn, "SELECT count(*) FROM points_entries e JOIN points_lots l ON l.id = e.lot_id"
                      " WHERE e.kind = 'expire' AND e.created_at < l.expires_at") == 0


def test_no_balance_or_points_ever_went_below_zero(conn: sqlite3.Connection) -> None:
    assert _one(conn, """
        SELECT count(*) FROM (SELECT sum(amount_fen) OVER (PARTITION BY member_id, bucket
                                                          ORDER BY id) AS running
                                FROM wallet_entries) WHERE running < 0""") == 0
    assert _one(conn, """
        SELECT count(*) FROM (SELECT sum(points) OVER (PARTITION BY member_id ORDER BY id)
                                     AS running FROM points_entries) WHERE running < 0""") == 0
    assert _one(conn, "SELECT max(principal_fen + bonus_fen) FROM members") <= 500_000


def test_spends_took_principal_and_bonus_in_proportion(conn: sqlite3.Connection) -> None:
    balance: dict[str, list[int]] = {}
    spends = 0
    rows = conn.execute("SELECT member_id, action_key, kind, bucket, amount_fen"
                        " FROM wallet_entries ORDER BY member_id, id")
    for (member_id, key, kind), entries in itertools.groupby(rows, lambda e: e[:3]):
        before = balance.setdefault(member_id, [0, 0])
        moved = {bucket: fen for *_, bucket, fen in entries}
        principal, bonus = moved.get("principal", 0), moved.get("bonus", 0)
        if kind == "spend":
            spends += 1
            assert (-principal, -bonus) == split_in_proportion(-principal - bonus, *before), key
        before[0] += principal
        before[1] += bonus
    assert spends > 100


def test_ledger_totals_are_what_the_triggers_make_of_the_ledgers(
        conn: sqlite3.Connection, built: Path, migrated_template: Path, tmp_path: Path) -> None:
    # every ledger row posted again into a freshly migrated till, whose triggers keep the totals
    replay = tmp_path / "replay.db"
    _copy(migrated_template, replay)
    with contextlib.closing(sqlite3.connect(replay, isolation_level=None)) as fresh:
        fresh.execute("ATTACH DATABASE ? AS bulk", (str(built),))
        for table in ("wallet_entries", "points_entries"):
            fresh.execute(f"INSERT INTO main.{table} SELECT * FROM bulk.{table} ORDER BY id")
        expected = dict(fresh.execute("SELECT name, amount FROM main.ledger_totals"))
    totals = dict(conn.execute("SELECT name, amount FROM ledger_totals"))
    assert totals == expected
    assert sum(v for k, v in totals.items() if k.startswith("wallet:")) == _one(
        conn, "SELECT sum(amount_fen) FROM wallet_entries")
    assert totals["points"] == _one(conn, "SELECT sum(points) FROM points_entries")


def test_ids_follow_time_and_sales_happen_in_opening_hours(conn: sqlite3.Connection) -> None:
    for table, order, column in TIMED:
        backwards = _one(conn, f"SELECT count(*) FROM (SELECT {column} AS at, lag({column})"
                               f" OVER (ORDER BY {order}) AS before FROM {table})"
                               " WHERE at < before")
        assert backwards == 0, f"{table}.{column} goes back in time along {order}"
    # 09:00-21:00 in the store (Asia/Shanghai) is 01:00-13:00 UTC
    for table in ("sales", "topups", "refunds"):
        hours = {int(h) for (h,) in conn.execute(
            f"SELECT DISTINCT substr(created_at, 12, 2) FROM {table}")}
        assert hours <= set(range(1, 13)), table
    last = conn.execute("SELECT max(created_at) FROM sales").fetchone()[0]
    assert dt.datetime.fromisoformat(last) <= START


def test_sales_add_up_and_discounts_follow_a_tier(conn: sqlite3.Connection) -> None:
    assert _one(conn, """
        SELECT count(*) FROM sales s WHERE subtotal_fen != (SELECT sum(amount_fen)
                                                              FROM sale_lines WHERE sale_id = s.id)
            OR total_fen != subtotal_fen - discount_fen - coupon_fen - points_fen
            OR points_fen != points_redeemed""") == 0
    rates = [t.discount_pct for t in tiers.table(Settings())]
    for subtotal, discount in conn.execute("SELECT subtotal_fen, discount_fen FROM sales"):
        assert discount in {percent_of(subtotal, rate) for rate in rates}
    # points: redeemed at least 100 and at most half of what was left after the coupon
    assert _one(conn, "SELECT count(*) FROM sales WHERE points_redeemed != 0 AND"
                      " (points_redeemed < 100 OR points_fen * 2"
                      " > subtotal_fen - discount_fen - coupon_fen)") == 0


def test_tiers_are_what_growth_over_the_window_reaches(conn: sqlite3.Connection,
                                                        built: Path) -> None:
    db = Database(built, clock=FixedClock(START))
    try:
        since = START - dt.timedelta(days=int(db.settings.tier_window_days))
        growth = dict(conn.execute(
            "SELECT member_id, sum(total_fen) FROM sales WHERE status = 'completed' AND"
            " created_at >= ? GROUP BY member_id", (since.strftime("%Y-%m-%d %H:%M:%S.%f"),)))
        for member_id, tier in conn.execute("SELECT member_id, tier FROM members"):
            assert tier == tiers.for_growth(db.settings, growth.get(member_id, 0)).code
    finally:
        db.close()
    by_tier = dict(conn.execute("SELECT tier, count(*) FROM members GROUP BY tier"))
    assert by_tier["regular"] > by_tier["silver"] > by_tier.get("diamond", 0)


def test_cards_phones_and_counters(conn: sqlite3.Connection) -> None:
    cards = [c for (c,) in conn.execute("SELECT card_no FROM members ORDER BY rowid")]
    assert cards[:3] == [make_card_no("0001", 1, n) for n in (1, 2, 3)]
    assert all(is_card_no(c) for c in cards)
    assert _one(conn, "SELECT count(DISTINCT phone_key) FROM members") == MEMBERS
    counters = dict(conn.execute("SELECT name, value FROM counters"))
    assert counters["card"] == MEMBERS
    assert counters["receipt"] == _one(conn, "SELECT count(*) FROM sales")
    assert conn.execute("SELECT max(receipt_no) FROM sales").fetchone()[0] == \
        f"R000101{counters['receipt']:07d}"
    assert conn.execute("SELECT DISTINCT cashier, store_code, till_no FROM sales").fetchall() \
        == [("c01", "0001", 1)]
    assert conn.execute("SELECT DISTINCT cashier FROM payments").fetchall() == [("c01",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_schema_is_byte_identical_to_a_freshly_migrated_one(
        conn: sqlite3.Connection, migrated_template: Path) -> None:
    query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    with contextlib.closing(sqlite3.connect(migrated_template)) as fresh:
        assert conn.execute(query).fetchall() == fresh.execute(query).fetchall()


def test_one_audit_row_records_the_load_and_nothing_goes_to_head_office(
        conn: sqlite3.Connection, built: Path) -> None:
    db = Database(built, clock=FixedClock(START))
    try:
        with db.reader() as s:
            assert audit.verify(s).ok
    finally:
        db.close()
    (detail,), = conn.execute("SELECT detail_json FROM audit_log WHERE action = 'demo_bulk_loaded'")
    assert json.loads(detail)["members"] == MEMBERS
    sent = {t for (t,) in conn.execute("SELECT DISTINCT type FROM outbox")}
    assert not sent & {"member_registered", "sale_completed", "wallet_topped_up"}


def test_the_till_keeps_selling_afterwards_and_the_ledgers_hold(built: Path,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "after.db"
    _copy(built, path)
    db = Database(path, clock=FixedClock(START + dt.timedelta(minutes=5)))
    try:
        with db.reader() as s:
            richest = s.scalars(select(Member.member_id).order_by(
                (Member.principal_fen + Member.bonus_fen).desc()).limit(1)).one()
        before = members.get(db, richest)
        sold = sales.checkout(db, member_ref=richest, lines=[LineIn(unit_price_fen=1_500)],
                              tenders=[TenderIn("wallet")], actor="c01")
        with contextlib.closing(ledger_checks.connect(path)) as c:
            assert sold["receipt_no"] == f"R000101{_one(c, 'SELECT count(*) FROM sales'):07d}"
            after = members.get(db, richest)
            assert after.balance_fen == before.balance_fen - sold["total_fen"]
            welcome = members.register(db, phone="13912345678", name="新会员", actor="c01")
            assert welcome.card_no == make_card_no("0001", 1, MEMBERS + 1)
            # ledger_checks looks each lot's entries up by lot: an index (on this copy only)
            c.execute("CREATE INDEX scratch_points_lot ON points_entries (lot_id)")
            assert ledger_checks.ledger_problems(c) == []
    finally:
        db.close()


def test_a_failed_load_leaves_the_database_as_it_was(
        tmp_path: Path, migrated_template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "failed.db"
    _copy(migrated_template, path)

    def fail(_history: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(demo_bulk._History, "finish", fail)
    db = Database(path, clock=FixedClock(START))
    try:
        with pytest.raises(RuntimeError, match="disk on fire"):
            populate_bulk(db, members=50, ledger_rows=500)
    finally:
        db.close()
    query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    with contextlib.closing(ledger_checks.connect(path)) as c, \
            contextlib.closing(sqlite3.connect(migrated_template)) as fresh:
        for table in ("members", "sales", "wallet_entries", "points_entries", "coupons"):
            assert _one(c, f"SELECT count(*) FROM {table}") == 0, table
        assert c.execute(query).fetchall() == fresh.execute(query).fetchall()
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_refuses_a_database_that_already_has_members(built: Path, tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    _copy(built, path)
    db = Database(path, clock=FixedClock(START))
    try:
        with pytest.raises(InvalidInput, match="already has 3,000 members"):
            populate_bulk(db, members=10, ledger_rows=100)
    finally:
        db.close()


@pytest.mark.slow
def test_cli_builds_with_json_and_refuses_a_second_time(tmp_path: Path) -> None:
    path = tmp_path / "cli.db"

    def demo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "storeapp.cli", "--db", str(path), "--json", "demo",
             "--members", "300", "--ledger-rows", "3000"],
            capture_output=True, text=True, timeout=120, check=False)

    first = demo()
    assert first.returncode == 0, first.stderr[-2000:]
    (line,) = first.stdout.splitlines()
    assert json.loads(line)["members"] == 300
    second = demo()  # into an existing till: a manager's, and nobody logged in
    assert second.returncode == 1
    (line,) = second.stdout.splitlines()
    assert json.loads(line)["error"] == "login_required"
