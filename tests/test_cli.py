"""The ``storeapp`` command line, driven as a user drives it: a real process per command with
``--json``, run by a logged-in user (``STOREAPP_USER`` and ``STOREAPP_PIN``, as a script at the
till would). A refused or invalid request exits non-zero, prints ``{"error", "message"}`` on
stdout and changes nothing but the record of the login (row counts and balances compared before
and after)."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storeapp.db import Database
from storeapp.services import members, sales, users, wallet
from storeapp.services.sales import LineIn, TenderIn
from tests import ledger_checks

pytestmark = pytest.mark.slow

PHONE = "13812345678"
MEMBER_PIN = "123456"
MANAGER, MANAGER_PIN = "m1", "123400"
CASHIER, CASHIER_PIN = "c1", "135700"
#: who runs the commands (``init`` makes them the till's administrator)
ADMIN, ADMIN_PIN = "admin", "975310"
EXIT_INVALID, EXIT_REFUSED = 2, 1


@dataclass(frozen=True)
class Run:
    status: int
    out: dict[str, Any]
    stderr: str


def cli(db: Path, *args: str, user: str = ADMIN, pin: str = ADMIN_PIN, **env: str) -> Run:
    """One ``storeapp --db DB --json ...`` process run by ``user`` (``env``: more variables,
    e.g. ``STOREAPP_APPROVER_PIN``); its stdout must be exactly one JSON object."""
    proc = subprocess.run(
        [sys.executable, "-m", "storeapp.cli", "--db", str(db), "--json", *args],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "STOREAPP_USER": user, "STOREAPP_PIN": pin, **env})
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, f"{args}: stdout {proc.stdout!r} stderr {proc.stderr[-2000:]}"
    return Run(proc.returncode, json.loads(lines[0]), proc.stderr)


def cli_many(db: Path, commands: list[tuple[str, ...]]) -> list[Run]:
    """Several commands at once (each is its own process, as at several tills)."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return list(pool.map(lambda args: cli(db, *args), commands))


def snapshot(db: Path) -> dict[str, Any]:
    with contextlib.closing(ledger_checks.connect(db)) as conn:
        return ledger_checks.snapshot(conn)


def audit_since(db: Path, seq: int) -> list[str]:
    with contextlib.closing(ledger_checks.connect(db)) as conn:
        return [row[0] for row in conn.execute(
            "SELECT action FROM audit_log WHERE seq > ? ORDER BY seq", (seq,))]


def assert_refused(run: Run, code: str, status: int) -> None:
    assert (run.status, run.out.get("error")) == (status, code), run
    assert set(run.out) - {"params"} == {"error", "message"} and run.out["message"], run
    assert isinstance(run.out.get("params", {}), dict), run
    assert "Traceback" not in run.stderr, run


# -- the counter's everyday path ----------------------------------------------------------------

def test_register_find_top_up_sell_refund_verify(tmp_path: Path) -> None:
    db = tmp_path / "till.db"
    assert cli(db, "init").out == {"db": str(db), "store_code": "0001", "till_no": 1,
                                   "admin": ADMIN}
    made = cli(db, "user", "add", MANAGER, "--name", "王店长", "--role", "manager",
               STOREAPP_NEW_PIN=MANAGER_PIN)
    assert (made.status, made.out["role"]) == (0, "manager")

    added = cli(db, "member", "add", "--phone", "138 1234 5678", "--name", "张三")
    assert added.status == 0
    member_id, qr = added.out["member_id"], added.out["qr"]
    assert (added.out["phone"], added.out["balance_fen"]) == (PHONE, 0)

    found = cli(db, "member", "find", "5678")  # 手机尾号: the last four digits
    assert [m["member_id"] for m in found.out["members"]] == [member_id]

    topped = cli(db, "wallet", "topup", PHONE, "500")
    assert topped.status == 0
    assert (topped.out["principal_fen"], topped.out["bonus_fen"]) == (50_000, 5_000)

    shown = cli(db, "member", "show", PHONE)
    assert (shown.out["balance_fen"], shown.out["principal_fen"], shown.out["bonus_fen"]) == (
        55_000, 50_000, 5_000)
    assert shown.out["qr"] == qr

    sold = cli(db, "sale", PHONE, "--amount", "25.50", "--pay", "wallet")
    assert sold.status == 0
    receipt = sold.out["receipt_no"]
    assert receipt.startswith("R") and sold.out["total_fen"] == 2_550
    assert sold.out["tenders"][0]["method"] == "wallet"
    assert sold.out["member_after"]["balance_fen"] == 55_000 - 2_550
    assert sold.out["points_earned"] == 25

    refunded = cli(db, "refund", receipt, "--approver", MANAGER,
                   STOREAPP_APPROVER_PIN=MANAGER_PIN)
    assert refunded.status == 0, refunded
    assert (refunded.out["amount_fen"], refunded.out["points_clawed_back"]) == (2_550, 25)
    assert refunded.out["member_after"]["balance_fen"] == 55_000

    by_qr, forged = cli_many(db, [("member", "find", qr), ("member", "find", alter(qr))])
    assert [m["member_id"] for m in by_qr.out["members"]] == [member_id]
    assert_refused(forged, "forged_qr", EXIT_INVALID)

    verified = cli(db, "audit", "verify")
    assert verified.status == 0 and verified.out["ok"] is True
    with contextlib.closing(ledger_checks.connect(db)) as conn:
        assert ledger_checks.ledger_problems(conn) == []
        assert ledger_checks.balances(conn) == {member_id: (50_000, 5_000, 0)}
        assert conn.execute("SELECT requested_by, approved_by, kind FROM approvals"
                            ).fetchall() == [(ADMIN, MANAGER, "refund")]
        assert {row[0] for row in conn.execute(  # who did it: the user who logged in
            "SELECT actor FROM audit_log WHERE action NOT LIKE 'login%'")} == {ADMIN}


def alter(qr: str) -> str:
    """The same QR with one signature character changed (still the right shape)."""
    return qr[:-1] + ("B" if qr[-1] != "B" else "C")


# -- refusals change nothing ----------------------------------------------------------------------

@pytest.fixture
def till(tmp_path: Path) -> tuple[Path, str]:
    """A till with its administrator, a manager, a cashier, and a member holding ¥550 (PIN set)
    who bought once; returns the database path and that sale's receipt number."""
    path = tmp_path / "till.db"
    db = Database(path)
    try:
        users.add_user(db, code=ADMIN, name="管理员", role="admin", pin=ADMIN_PIN, actor="setup")
        users.add_user(db, code=MANAGER, name="王店长", role="manager", pin=MANAGER_PIN,
                       actor="setup")
        users.add_user(db, code=CASHIER, name="李收银", role="cashier", pin=CASHIER_PIN,
                       actor="setup")
        members.register(db, phone=PHONE, name="张三", actor="setup")
        wallet.topup(db, PHONE, 50_000, actor="setup")
        receipt = sales.checkout(db, member_ref=PHONE, lines=[LineIn(unit_price_fen=1_000)],
                                 tenders=[TenderIn("cash")], actor="setup")["receipt_no"]
    finally:
        db.close()
    pin_set = cli(path, "member", "pin", PHONE, "--new-pin", MEMBER_PIN)
    assert pin_set.status == 0 and pin_set.out["pin_set"] is True
    return path, receipt


def test_invalid_and_refused_requests_change_nothing(till: tuple[Path, str]) -> None:
    db, _ = till
    expected = [  # (command, error code, exit status)
        (("member", "add", "--phone", "12345", "--name", "王五"), "bad_phone", EXIT_INVALID),
        (("member", "add", "--phone", "13900001111", "--name", "长" * 40), "bad_name",
         EXIT_INVALID),
        (("wallet", "topup", PHONE, "-5"), "bad_amount", EXIT_INVALID),
        (("wallet", "topup", PHONE, "0"), "bad_amount", EXIT_INVALID),
        (("wallet", "topup", PHONE, "99999999"), "bad_amount", EXIT_INVALID),
        (("wallet", "topup", PHONE, "abc"), "bad_amount", EXIT_INVALID),
        (("wallet", "topup", PHONE, "NaN"), "bad_amount", EXIT_INVALID),
        (("wallet", "topup", PHONE, "12.345"), "bad_amount", EXIT_INVALID),
        (("sale", PHONE, "--amount", "-3", "--pay", "cash"), "bad_amount", EXIT_INVALID),
        (("wallet", "topup", "13900000000", "100"), "unknown_member", EXIT_REFUSED),
        (("member", "show", "13900000000"), "unknown_member", EXIT_REFUSED),
        (("wallet", "topup", PHONE, "4500"), "over_cap", EXIT_REFUSED),
        (("sale", PHONE, "--amount", "600", "--pay", "wallet", "--pin", MEMBER_PIN),
         "insufficient_balance", EXIT_REFUSED),
        (("sale", PHONE, "--amount", "10"), "usage", EXIT_INVALID),  # no --pay
        (("wallet", "fly", PHONE), "usage", EXIT_INVALID),
    ]
    before = snapshot(db)
    runs = cli_many(db, [command for command, _, _ in expected])
    for run, (_, code, status) in zip(runs, expected, strict=True):
        assert_refused(run, code, status)
    after = snapshot(db)
    # the logins of the runs argparse let through are all they leave
    assert set(audit_since(db, before.pop("count:audit_log"))) == {"login"}
    del after["count:audit_log"]
    assert after == before  # rows are only ever added: equal counts mean none was
    over_cap = runs[[command for command, _, _ in expected].index(
        ("wallet", "topup", PHONE, "4500"))]
    assert "¥5,000.00" in over_cap.out["message"]  # the cap, and how much still fits
    assert "¥4,450.00" in over_cap.out["message"]
    params = over_cap.out["params"]  # the same values, for a program: money in fen
    assert (params["cap_fen"], params["room_fen"]) == (500_000, 445_000)
    assert params["after_fen"] > 500_000


def test_wrong_pins_and_wrong_approvers_refuse_and_only_leave_an_audit_trail(
        till: tuple[Path, str]) -> None:
    """Security failures are recorded (DESIGN §8): the audit log gains exactly that record and
    nothing else changes."""
    db, receipt = till
    cases = [
        (("sale", PHONE, "--amount", "10", "--pay", "wallet", "--pin", "000000"), "",
         "wrong_pin", ["login", "member_pin_failed"]),
        (("refund", receipt, "--approver", MANAGER), "999900",
         "bad_login", ["login", "login_failed"]),
        (("refund", receipt, "--approver", CASHIER), CASHIER_PIN,
         "not_a_manager", ["login", "login"]),
        (("refund", "R0001019999999", "--approver", MANAGER), MANAGER_PIN,
         "unknown_receipt", ["login", "login"]),
        (("refund", receipt, "--approver", MANAGER, "--approver-pin", "999900"), "",
         "bad_login", ["login", "login_failed"]),  # the old option still works (but shows in ps)
    ]
    for command, approver_pin, code, audited in cases:
        before = snapshot(db)
        run = cli(db, *command, STOREAPP_APPROVER_PIN=approver_pin)
        assert_refused(run, code, EXIT_REFUSED)
        after = snapshot(db)
        assert audit_since(db, before["count:audit_log"]) == audited, command
        assert after["count:audit_log"] == before["count:audit_log"] + len(audited)
        del after["count:audit_log"], before["count:audit_log"]
        assert after == before, command

    shown = cli(db, "member", "show", PHONE)
    assert (shown.out["balance_fen"], shown.out["pin_locked"]) == (55_000, False)
    with contextlib.closing(ledger_checks.connect(db)) as conn:
        assert conn.execute("SELECT pin_failed FROM members").fetchone()[0] == 1
        assert conn.execute("SELECT status FROM sales").fetchall() == [("completed",)]


# -- several processes at once --------------------------------------------------------------------

def test_simultaneous_top_ups_respect_the_cap_and_their_keys(tmp_path: Path) -> None:
    """Processes racing on one file: the cap still holds (¥600 + ¥50 bonus fits seven times
    under ¥5,000, not eight), and one key sent from six processes posts once."""
    db = tmp_path / "till.db"
    other = "13900002222"
    with contextlib.closing(Database(db)) as till:
        users.add_user(till, code=ADMIN, name="管理员", role="admin", pin=ADMIN_PIN, actor="setup")
        members.register(till, phone=PHONE, name="张三", actor="setup")
        members.register(till, phone=other, name="李四", actor="setup")

    runs = cli_many(db, [("wallet", "topup", PHONE, "600")] * 8
                    + [("wallet", "topup", other, "100", "--key", "till-1-0001")] * 6)
    capped, keyed = runs[:8], runs[8:]
    assert sorted(run.status for run in capped) == [0] * 7 + [EXIT_REFUSED]
    assert [run.out["error"] for run in capped if run.status] == ["over_cap"]
    assert all(run.status == 0 for run in keyed)
    assert sorted(run.out["replayed"] for run in keyed) == [False] + [True] * 5
    assert len({run.out["topup_key"] for run in keyed}) == 1

    with contextlib.closing(ledger_checks.connect(db)) as conn:
        assert ledger_checks.ledger_problems(conn) == []
    till = Database(db)  # phones are sealed: found through the till's keys
    try:
        for phone, held in ((PHONE, (420_000, 35_000)), (other, (10_000, 0))):
            with till.reader() as s:
                member = members.load(till, s, phone)
                assert (member.principal_fen, member.bonus_fen) == held
    finally:
        till.close()


def test_erasing_a_member_refunds_first_and_leaves_no_way_to_find_them(
        till: tuple[Path, str]) -> None:
    db, _ = till
    approver = {"STOREAPP_APPROVER_PIN": MANAGER_PIN}
    assert_refused(cli(db, "member", "erase", PHONE, "--approver", CASHIER,
                       STOREAPP_APPROVER_PIN=CASHIER_PIN), "not_a_manager", EXIT_REFUSED)
    erased = cli(db, "member", "erase", PHONE, "--approver", MANAGER, "--method", "transfer",
                 **approver)
    assert erased.status == 0, erased
    assert (erased.out["refunded_fen"], erased.out["refund_method"]) == (50_000, "transfer")
    assert_refused(cli(db, "member", "show", PHONE), "unknown_member", EXIT_REFUSED)
    with contextlib.closing(ledger_checks.connect(db)) as conn:
        assert ledger_checks.ledger_problems(conn) == []
        actors = dict(conn.execute("SELECT action, actor FROM audit_log WHERE action IN "
                                   "('member_erased', 'account_closed')"))
    assert actors.get("member_erased") == ADMIN  # who really did it, by their own login
    assert "张三".encode() not in db.read_bytes()


def test_an_explicitly_empty_key_is_refused_not_made_new(till: tuple[Path, str]) -> None:
    db, _ = till
    before = snapshot(db)
    refused = cli(db, "wallet", "topup", PHONE, "100", "--key", "")
    assert refused.status == 2 and refused.out["error"] == "bad_key"
    after = snapshot(db)
    assert audit_since(db, before.pop("count:audit_log")) == ["login"]
    del after["count:audit_log"]
    assert after == before


# -- the audit chain ----------------------------------------------------------------------------

def test_audit_verify_fails_after_tampering(till: tuple[Path, str]) -> None:
    db, _ = till
    intact = cli(db, "audit", "verify")
    assert intact.status == 0 and intact.out["ok"] is True and intact.out["rows"] >= 5

    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")  # an attacker with the file
        conn.execute("UPDATE audit_log SET detail_json = ? WHERE seq = 3",
                     (json.dumps({"principal_fen": 1}),))
        conn.commit()

    tampered = cli(db, "audit", "verify")
    assert tampered.status != 0
    assert tampered.out["ok"] is False and tampered.out["first_bad_seq"] == 3


def test_audit_verify_checks_balances_against_ledgers_and_totals(
        till: tuple[Path, str]) -> None:
    db, _ = till
    assert cli(db, "audit", "verify").out["ledger_problems"] == []
    with contextlib.closing(sqlite3.connect(db)) as conn:  # triggers dropped, a row raised
        conn.execute("DROP TRIGGER wallet_entries_no_update")
        member_id, row_id = conn.execute(
            "SELECT member_id, id FROM wallet_entries WHERE bucket = 'principal' "
            "ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE wallet_entries SET amount_fen = amount_fen + 250000 WHERE id = ?",
                     (row_id,))
        conn.commit()
    only_row = cli(db, "audit", "verify").out
    assert only_row["ok"] is False
    assert any(member_id in line and "its ledger says" in line
               for line in only_row["ledger_problems"])
    with contextlib.closing(sqlite3.connect(db)) as conn:  # ... and the cached balance too
        conn.execute("UPDATE members SET principal_fen = principal_fen + 250000 "
                     "WHERE member_id = ?", (member_id,))
        conn.commit()
    both = cli(db, "audit", "verify").out
    assert both["ok"] is False  # the kept totals still say what the rows were
    assert [line for line in both["ledger_problems"] if "wallet:" in line]
    assert not [line for line in both["ledger_problems"] if member_id in line]


# -- settings -----------------------------------------------------------------------------------

def test_settings_show_the_head_office_link_but_never_its_token(tmp_path: Path) -> None:
    """The token is kept in the till's key store: neither the settings table nor any byte of the
    database file holds it, yet the till has it to sign its requests."""
    db = tmp_path / "till.db"
    token = "s3cret-store-token-0123456789abcdef"
    assert cli(db, "init").status == 0
    assert cli(db, "settings", "hq_url", "https://hq.example.invalid").status == 0
    changed = cli(db, "settings", "hq_token", token)
    assert changed.status == 0 and changed.out == {"hq_token": "********"}
    listed = cli(db, "settings").out
    assert listed["hq_url"] == "https://hq.example.invalid"
    assert listed["hq_token"] == "********"
    assert (listed["offline_max_txn_fen"], listed["offline_max_member_fen"],
            listed["offline_max_store_fen"], listed["offline_max_hours"]) == (
        30_000, 50_000, 500_000, 24)
    assert (listed["sync_interval_minutes"], listed["sync_nightly_hour"]) == (5, 2)
    assert cli(db, "settings", "hq_token").out == {"hq_token": "********"}
    with contextlib.closing(sqlite3.connect(db)) as conn:
        audit_rows = " ".join(row[0] for row in conn.execute("SELECT detail_json FROM audit_log"))
        stored = conn.execute("SELECT value_json FROM settings WHERE name = 'hq_token'").fetchone()
    assert token not in audit_rows  # the audit log says it changed, not what to
    assert stored is None
    assert not [f for f in tmp_path.iterdir() if token.encode() in f.read_bytes()]
    with contextlib.closing(Database(db)) as till:
        assert till.settings.hq_token == token  # the till itself still has it, to sign requests
        assert till.keys.text("hq_token") == token
