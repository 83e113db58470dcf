"""kill -9 in the middle of a run of money actions: every action still posts exactly once.

A worker process (:mod:`tests.crash_worker`) posts a fixed list of keyed top-ups, sales and
refunds; it is killed with SIGKILL twice part-way, then the same list is run to the end. The till
must come out exactly as if each action had been posted once: no half-written transaction, no
double posting, a gapless outbox and an intact audit chain.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from storeapp.clock import FixedClock, to_local
from storeapp.db import Database
from storeapp.services import users
from tests import crash_worker, ledger_checks
from tests.crash_worker import (
    BIG_TOPUP_BONUS_FEN,
    BIG_TOPUP_FEN,
    MANAGER,
    MANAGER_PIN,
    SALE_WALLET_FEN,
    START,
)

WORKER = Path(crash_worker.__file__)
KILL_AFTER = (30, 150)  # committed actions in the database when each SIGKILL is sent
PRINTER = "tcp://127.0.0.1:9?timeout=0.2"  # set up, never reached: the jobs wait for it

pytestmark = pytest.mark.slow


def test_actions_post_exactly_once_across_kill_9(tmp_path: Path) -> None:
    db_path = tmp_path / "till.db"
    make_till(db_path)
    plan = crash_worker.plan()

    committed_at_kill = [run_and_kill(db_path, after) for after in KILL_AFTER]
    assert committed_at_kill[0] < committed_at_kill[1] < len(plan)

    counts = finish(db_path)
    assert counts["posted"] + counts["replayed"] == len(plan)
    # The killed worker may have fsynced its last commit to the WAL without indexing it yet:
    # durable, but visible only after the next writer's recovery. At most one such commit.
    assert committed_at_kill[1] <= counts["replayed"] <= committed_at_kill[1] + 1

    with contextlib.closing(ledger_checks.connect(db_path)) as conn:
        check_each_key_posted_once(conn, plan)
        check_balances(conn, plan)
        assert ledger_checks.ledger_problems(conn) == []
        crashed = comparable_state(conn)

    reference = tmp_path / "reference.db"  # the same list, posted once, never interrupted
    make_till(reference)
    crash_worker.run(reference)
    with contextlib.closing(ledger_checks.connect(reference)) as conn:
        assert crashed == comparable_state(conn)

    check_each_action_has_one_receipt(db_path, plan)
    check_receipts_print_once_as_the_actions_left_them(db_path)

    verified = subprocess.run(
        [sys.executable, "-m", "storeapp.cli", "--db", str(db_path), "--json", "audit",
         "verify"], capture_output=True, text=True, timeout=60, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["ok"] is True


def make_till(path: Path) -> None:
    db = Database(path, clock=FixedClock(START))
    users.add_user(db, code=MANAGER, name="王经理", role="manager", pin=MANAGER_PIN, actor="setup")
    with db.session() as s, s.begin():  # a printer: every action writes its receipt job
        db.set_setting(s, "printer_uri", PRINTER)
    db.close()


def run_and_kill(db_path: Path, after: int) -> int:
    """Start the worker, SIGKILL it once ``after`` actions are committed; return how many are."""
    worker = subprocess.Popen([sys.executable, str(WORKER), str(db_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        with contextlib.closing(watch(db_path)) as conn:
            while committed(conn) < after:
                assert worker.poll() is None, f"worker ended early: {worker.communicate()}"
                assert time.monotonic() < deadline, "worker made no progress"
                time.sleep(0.002)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
            count = committed(conn)
    finally:
        if worker.poll() is None:
            worker.kill()
        out, err = worker.communicate(timeout=30)
    assert worker.returncode == -signal.SIGKILL, (out, err)
    assert not out, "the worker finished before it was killed"
    return count


def watch(db_path: Path) -> sqlite3.Connection:
    """A read-only connection: it never checkpoints the WAL, so the next worker is the one that
    finds the killed process's leftovers and recovers, as a restarted till would."""
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None,
                           timeout=10)


def finish(db_path: Path) -> dict[str, int]:
    """Run the whole list again, to the end, in a fresh process."""
    done = subprocess.run([sys.executable, str(WORKER), str(db_path)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    counts: dict[str, int] = json.loads(done.stdout)
    return counts


def committed(conn: sqlite3.Connection) -> int:
    try:
        return int(conn.execute("SELECT count(*) FROM actions").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def check_each_key_posted_once(conn: sqlite3.Connection, plan: list[crash_worker.Step]) -> None:
    keys = Counter(row[0] for row in conn.execute("SELECT key FROM actions"))
    assert keys == Counter(step.key for step in plan)
    sales_per_key = Counter(row[0] for row in conn.execute("SELECT action_key FROM sales"))
    assert sales_per_key == Counter(s.key for s in plan if s.kind == "sale")
    refunds_per_key = Counter(row[0] for row in conn.execute("SELECT action_key FROM refunds"))
    assert refunds_per_key == Counter(s.key for s in plan if s.kind == "refund")
    entries = {key: (rows, total) for key, rows, total in conn.execute(
        "SELECT action_key, count(*), SUM(amount_fen) FROM wallet_entries GROUP BY action_key")}
    for step in plan:
        if step.kind == "topup":  # a principal row, and a bonus row when the rule gives one
            big = step.amount_fen >= BIG_TOPUP_FEN
            assert entries[step.key] == (
                (2, step.amount_fen + BIG_TOPUP_BONUS_FEN) if big else (1, step.amount_fen))
        elif step.kind == "sale":
            assert entries[step.key][1] == -SALE_WALLET_FEN
        elif step.kind == "refund":
            assert entries[step.key][1] == SALE_WALLET_FEN
    events = Counter(row[0] for row in conn.execute("SELECT type FROM outbox"))
    assert events["wallet_topped_up"] == sum(s.kind == "topup" for s in plan)
    assert events["sale_completed"] == sum(s.kind == "sale" for s in plan)
    assert events["sale_refunded"] == sum(s.kind == "refund" for s in plan)
    assert events["member_registered"] == sum(s.kind == "register" for s in plan)


def check_balances(conn: sqlite3.Connection, plan: list[crash_worker.Step]) -> None:
    """Each member's balance is what applying every action once gives, worked out here."""
    expected = Counter[int]()
    refunded = {s.sale_key for s in plan if s.kind == "refund"}
    for step in plan:
        if step.kind == "topup":
            big = step.amount_fen >= BIG_TOPUP_FEN
            expected[step.member] += step.amount_fen + (BIG_TOPUP_BONUS_FEN if big else 0)
        elif step.kind == "sale" and step.key not in refunded:
            expected[step.member] -= SALE_WALLET_FEN
    till = Database(conn.execute("PRAGMA database_list").fetchone()[2])  # its keys find phones
    try:
        for member in range(crash_worker.MEMBERS):
            principal, bonus = conn.execute(
                "SELECT principal_fen, bonus_fen FROM members WHERE phone_key = ?",
                (till.pii.phone_key(crash_worker.phone(member)),)).fetchone()
            assert principal + bonus == expected[member], f"member {member}"
    finally:
        till.close()


def comparable_state(conn: sqlite3.Connection) -> dict[str, object]:
    """What must match an uninterrupted run: balances, points and tiers by card, and the row
    count of every table (the audit log without the manager's per-process logins)."""
    counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ledger_checks.TABLES if table != "audit_log"}
    audit_rows = conn.execute(
        "SELECT count(*) FROM audit_log WHERE action != 'login'").fetchone()[0]
    # by card number: each run's till has keys of its own, so its phones hash differently
    members = conn.execute("SELECT card_no, principal_fen, bonus_fen, points, tier "
                           "FROM members ORDER BY card_no").fetchall()
    receipts = conn.execute("SELECT action_key, receipt_no, total_fen, points_earned, status "
                            "FROM sales ORDER BY action_key").fetchall()
    return {"counts": counts, "audit": audit_rows, "members": members, "receipts": receipts}


def check_each_action_has_one_receipt(db_path: Path, plan: list[crash_worker.Step]) -> None:
    """Each committed action left exactly one print job, written with it: none lost to the
    kill between a commit and the printer, none written twice by the rerun."""
    with contextlib.closing(ledger_checks.connect(db_path)) as conn:
        jobs = conn.execute("SELECT kind, ref, status FROM print_jobs").fetchall()
        receipts = [r for (r,) in conn.execute("SELECT receipt_no FROM sales")]
        topups = [k for (k,) in conn.execute("SELECT key FROM topups")]
    kinds = {"register": "registration", "topup": "topup", "sale": "sale", "refund": "refund"}
    assert Counter(kind for kind, _ref, _status in jobs) == Counter(kinds[s.kind] for s in plan)
    refs = [ref for _kind, ref, _status in jobs]
    assert len(set(refs)) == len(refs)
    assert {ref for kind, ref, _s in jobs if kind == "sale"} == set(receipts)
    assert {ref for kind, ref, _s in jobs if kind == "topup"} == set(topups)
    assert {status for _k, _r, status in jobs} == {"queued"}  # nothing printed yet


def check_receipts_print_once_as_the_actions_left_them(db_path: Path) -> None:
    """The printer comes back after the restart: every receipt prints once, whole, each sale's
    with its own time and the balance it left."""
    from devices import jobs as device_jobs
    from devices.print_queue import PrintQueue
    from devices.printers import FakePrinter
    from tests.devices.receipt_helpers import read

    db = Database(db_path)
    printer = FakePrinter()
    queue = PrintQueue(db, lambda: printer, device_jobs.renderer("80mm", "gb18030"),
                       poll_seconds=0.05)
    try:
        deadline = time.monotonic() + 60
        while queue.pending():
            assert time.monotonic() < deadline, "the print queue did not drain"
            time.sleep(0.05)
    finally:
        queue.stop()
    with contextlib.closing(ledger_checks.connect(db_path)) as conn:
        total = conn.execute("SELECT count(*) FROM print_jobs").fetchone()[0]
        first = conn.execute("SELECT receipt_no, created_at, member_id FROM sales "
                             "ORDER BY id LIMIT 1").fetchone()
    db.close()
    assert len(printer.jobs) == total
    printed = ["\n".join(line.text for line in read(job).lines) for job in printer.jobs]
    sale_slips = [text for text in printed if first[0] in text and "购物小票" in text]
    assert len(sale_slips) == 1  # once
    when = to_local(dt.datetime.fromisoformat(first[1]))
    assert f"{when:%Y-%m-%d %H:%M:%S}" in sale_slips[0]  # the sale's time, not the print's
    assert "余额 Balance" in sale_slips[0] and "谢谢惠顾" in sale_slips[0]  # whole
