"""The hash-chained audit log, and the append-only ledgers the database itself protects."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager

import pytest

from storeapp import audit
from storeapp.db import Database
from storeapp.models import APPEND_ONLY_TABLES, AuditRow
from storeapp.services import companies, countcards, giftcards, shifts
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from tests.helpers import CASHIER, all_rows, counts, sell, topup


@contextmanager
def raw(db: Database) -> Iterator[sqlite3.Connection]:
    """The till's database file opened directly, the way someone tampering with it would."""
    with closing(sqlite3.connect(db.path)) as connection, connection:
        yield connection


def verify(db: Database) -> audit.ChainReport:
    with db.reader() as s:
        return audit.verify(s)


@pytest.fixture
def busy(db: Database, member: MemberView) -> Database:
    """A till with a closed shift, a member, a top-up and a stored-value sale that lifts the
    member's tier: every ledger has rows."""
    topup(db, member, 150_000)
    shifts.open_shift(db, 0, actor=CASHIER)
    sell(db, member, 110_000, tenders=[TenderIn("wallet")])
    shifts.close_shift(db, 0, actor=CASHIER)
    return db


def test_empty_chain_verifies(db: Database) -> None:
    assert verify(db) == audit.ChainReport(True, 0)


def test_chain_of_real_actions_verifies(busy: Database) -> None:
    report = verify(busy)
    assert report.ok
    assert report.rows == counts(busy, "audit_log")["audit_log"] == 5
    rows = all_rows(busy, AuditRow)
    assert [r.action for r in rows] == ["member_registered", "wallet_topped_up", "shift_opened",
                                        "sale_completed", "shift_closed"]
    assert rows[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET created_at = created_at",
                                       "DELETE FROM {table}"])
def test_ledgers_refuse_update_and_delete(busy: Database, member: MemberView, table: str,
                                          statement: str) -> None:
    if table == "count_entries":  # a count card sold: its journal has a row
        countcards.save_product(busy, code="WASH", name="洗车", covers="洗车", uses=5,
                                price_fen=10_000, valid_months=12, actor=CASHIER)
        countcards.sell(busy, member.member_id, "WASH", method="cash", actor=CASHIER)
    if table == "gift_entries":  # a gift card sold: its journal has a row
        giftcards.sell(busy, face_fen=10_000, method="cash", actor=CASHIER)
    if table == "company_entries":  # a sale on a company's account: its journal has a row
        companies.add(busy, code="ACME", name="示例公司", credit_limit_fen=100_000,
                      terms_days=30, actor=CASHIER)
        companies.charge(busy, "ACME", 5_000, actor=CASHIER)
    if table in ("audit_log", "consents"):  # their time is "at"
        statement = statement.replace("created_at", "at")
    before = counts(busy, table)
    with raw(busy) as connection, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute(statement.format(table=table))
    assert counts(busy, table) == before
    assert verify(busy).ok


def test_changed_row_is_detected(busy: Database) -> None:
    with raw(busy) as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET detail_json = "
                           "replace(detail_json, '50000', '5000000') WHERE seq = 2")
    report = verify(busy)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False, 2, "row content does not match its hash")


def test_changed_timestamp_is_detected(busy: Database) -> None:
    with raw(busy) as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET at = '2026-03-09 02:00:00.000000' WHERE seq = 3")
    assert verify(busy).first_bad_seq == 3


def test_rewritten_row_with_a_recomputed_hash_breaks_the_next_link(busy: Database) -> None:
    row = all_rows(busy, AuditRow)[1]
    forged_detail = row.detail_json.replace("50000", "5000000")
    forged_hash = audit.row_hash(row.seq, row.at, row.actor, row.action, row.subject,
                                  forged_detail, row.prev_hash)
    with raw(busy) as connection:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET detail_json = ?, hash = ? WHERE seq = 2",
                           (forged_detail, forged_hash))
    report = verify(busy)
    assert (report.ok, report.first_bad_seq, report.problem) == (
        False, 3, "link to the previous row is broken")


def test_deleted_row_is_detected(busy: Database) -> None:
    with raw(busy) as connection:
        connection.execute("DROP TRIGGER audit_log_no_delete")
        connection.execute("DELETE FROM audit_log WHERE seq = 2")
    report = verify(busy)
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 3, "row 2 is missing")


def test_appending_after_verification_keeps_the_chain(busy: Database,
                                                      member: MemberView) -> None:
    assert verify(busy).ok
    topup(busy, member, 1_000)
    assert verify(busy) == audit.ChainReport(True, 6)
