"""Access control on the command line: a money or manager command runs only as a user who
proved their PIN (from ``STOREAPP_PIN``, never an argument), is refused with a clear code and
exit status otherwise, changes nothing then, and the audit log names the user who really acted.
Files the CLI writes with members' data in them are readable by their owner only.

The commands run in this process (``storeapp.cli.main``), each opening the till file itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storeapp import cli, cli_access
from storeapp.db import Database
from storeapp.services import members, users, wallet
from tests import ledger_checks

PHONE = "13812345678"
ADMIN, ADMIN_PIN = "a1", "975310"
MANAGER, MANAGER_PIN = "m1", "246800"
CASHIER, CASHIER_PIN = "c1", "135700"


@pytest.fixture
def till(tmp_path: Path) -> Path:
    path = tmp_path / "till.db"
    with contextlib.closing(Database(path)) as db:
        for code, role, pin in ((ADMIN, "admin", ADMIN_PIN), (MANAGER, "manager", MANAGER_PIN),
                                (CASHIER, "cashier", CASHIER_PIN)):
            users.add_user(db, code=code, name=code, role=role, pin=pin, actor="setup")
        members.register(db, phone=PHONE, name="张三", actor="setup")
        wallet.topup(db, PHONE, 10_000, actor="setup")
    return path


@pytest.fixture(autouse=True)
def no_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody logged in unless a test says so (and no terminal to ask at: pytest's stdin)."""
    for name in ("STOREAPP_USER", "STOREAPP_PIN", "STOREAPP_APPROVER_PIN", "STOREAPP_NEW_PIN"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str,
        **env: str) -> tuple[int, dict[str, Any]]:
    """``storeapp --db DB --json ARGS`` with ``env`` set for the run; (exit status, output)."""
    with _environ(env):
        status = cli.main(["--db", str(db), "--json", *args])
    out = capsys.readouterr().out.strip().splitlines()
    return status, json.loads(out[-1]) if out else {}


@contextlib.contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def balance(db: Path) -> tuple[int, int, int]:
    with contextlib.closing(ledger_checks.connect(db)) as conn:
        [value] = ledger_checks.balances(conn).values()
    return value


def audit(db: Path, after: int = 0) -> list[tuple[str, str, str]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT actor, action, subject FROM audit_log WHERE seq > ? "
                            "ORDER BY seq", (after,)).fetchall()


def last_seq(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT max(seq) FROM audit_log").fetchone()[0])


def test_a_money_command_without_a_user_is_refused_and_changes_nothing(
        capsys: pytest.CaptureFixture[str], till: Path) -> None:
    seq, before = last_seq(till), balance(till)
    status, out = run(capsys, till, "wallet", "topup", PHONE, "100")
    assert (status, out["error"], out["params"]) == (1, "login_required",
                                                     {"command": "wallet topup"})
    assert "--as CODE" in out["message"] and "STOREAPP_PIN" in out["message"]
    # a user but no PIN (none in the environment, no terminal to type it at)
    status, out = run(capsys, till, "--as", CASHIER, "wallet", "topup", PHONE, "100")
    assert (status, out["error"], out["params"]["user"]) == (1, "login_required", CASHIER)
    assert (balance(till), audit(till, seq)) == (before, [])


def test_a_wrong_pin_is_refused_audited_and_counts_towards_the_lock(
        capsys: pytest.CaptureFixture[str], till: Path) -> None:
    seq, before = last_seq(till), balance(till)
    for _ in range(4):
        status, out = run(capsys, till, "--as", CASHIER, "wallet", "topup", PHONE, "100",
                          STOREAPP_PIN="000000")
        assert (status, out["error"]) == (1, "bad_login")
    status, out = run(capsys, till, "--as", CASHIER, "wallet", "topup", PHONE, "100",
                      STOREAPP_PIN="000000")
    assert (status, out["error"], out["params"]) == (1, "user_locked",
                                                     {"user": CASHIER, "minutes": 5})
    status, out = run(capsys, till, "--as", CASHIER, "wallet", "topup", PHONE, "100",
                      STOREAPP_PIN=CASHIER_PIN)  # the right PIN, locked all the same
    assert (status, out["error"]) == (1, "user_locked")
    assert balance(till) == before
    assert [a for _, a, _ in audit(till, seq)] == ["login_failed"] * 5 + ["user_locked",
                                                                          "login_failed"]
    # a manager unlocks from the command line; the cashier is back
    status, out = run(capsys, till, "--as", MANAGER, "user", "unlock", CASHIER,
                      STOREAPP_PIN=MANAGER_PIN)
    assert (status, out) == (0, {"unlocked": CASHIER})
    status, _ = run(capsys, till, "--as", CASHIER, "wallet", "topup", PHONE, "100",
                    STOREAPP_PIN=CASHIER_PIN)
    assert status == 0


def test_the_audit_names_the_user_who_logged_in(capsys: pytest.CaptureFixture[str],
                                                till: Path) -> None:
    seq = last_seq(till)
    status, out = run(capsys, till, "--as", CASHIER, "wallet", "topup", PHONE, "100",
                      STOREAPP_PIN=CASHIER_PIN)
    assert status == 0 and out["principal_fen"] == 10_000
    rows = audit(till, seq)
    assert rows[0] == (CASHIER, "login", CASHIER)
    assert {actor for actor, _, _ in rows} == {CASHIER}
    with contextlib.closing(sqlite3.connect(till)) as conn:
        detail = conn.execute("SELECT detail_json FROM audit_log WHERE seq = ?",
                              (seq + 1,)).fetchone()[0]
        assert json.loads(detail) == {"via": "cli"}
        assert conn.execute("SELECT cashier FROM topups ORDER BY created_at DESC LIMIT 1"
                            ).fetchone()[0] == CASHIER
    # STOREAPP_USER names the user as --as does
    status, _ = run(capsys, till, "wallet", "topup", PHONE, "100", STOREAPP_USER=MANAGER,
                    STOREAPP_PIN=MANAGER_PIN)
    assert status == 0 and audit(till)[-1][0] == MANAGER


@pytest.mark.parametrize(("command", "words"), [
    (("report", "rfm", "--full-phones"), "report rfm"),
    (("report", "daily"), "report daily"),
    (("shift", "z", "1", "--csv", "z.csv"), "shift z"),  # an export
    (("settings", "user_pin_max_tries", "9"), "settings"),
    (("user", "add", "x1", "--name", "新人", "--role", "manager"), "user add"),
    (("backup",), "backup"),
    (("coupon", "birthday"), "coupon birthday"),
])
def test_a_cashier_cannot_do_a_managers_command(capsys: pytest.CaptureFixture[str], till: Path,
                                                command: tuple[str, ...], words: str) -> None:
    seq = last_seq(till)
    with contextlib.closing(sqlite3.connect(till)) as conn:
        settings_before = conn.execute("SELECT * FROM settings ORDER BY name").fetchall()
    status, out = run(capsys, till, "--as", CASHIER, *command, STOREAPP_PIN=CASHIER_PIN,
                      STOREAPP_NEW_PIN="864200")
    assert (status, out["error"]) == (1, "manager_required"), out
    assert out["params"] == {"user": CASHIER, "role": "cashier", "command": words}
    assert [a for _, a, _ in audit(till, seq)] == ["login"]  # the login, and nothing done
    with contextlib.closing(sqlite3.connect(till)) as conn:
        assert conn.execute("SELECT * FROM settings ORDER BY name").fetchall() == settings_before
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 3
    assert not (till.parent / "backups").exists()


def test_a_manager_reads_full_phones_and_the_audit_says_who(
        capsys: pytest.CaptureFixture[str], till: Path) -> None:
    seq = last_seq(till)
    status, _ = run(capsys, till, "--as", MANAGER, "report", "rfm", "--full-phones",
                    STOREAPP_PIN=MANAGER_PIN)
    assert status == 0
    assert (MANAGER, "phones_revealed", "rfm") in audit(till, seq)


def test_harmless_commands_need_no_login(capsys: pytest.CaptureFixture[str],
                                         till: Path) -> None:
    seq = last_seq(till)
    status, out = run(capsys, till, "audit", "verify")
    assert (status, out["ok"]) == (0, True)
    status, out = run(capsys, till, "sync", "status")
    assert (status, out["linked"]) == (0, False)
    assert audit(till, seq) == []


def test_approvals_take_the_approvers_pin_from_the_environment(
        capsys: pytest.CaptureFixture[str], till: Path) -> None:
    status, out = run(capsys, till, "--as", CASHIER, "member", "freeze", PHONE,
                      STOREAPP_PIN=CASHIER_PIN)
    assert status == 0
    status, out = run(capsys, till, "--as", CASHIER, "member", "unfreeze", PHONE,
                      "--approver", MANAGER, STOREAPP_PIN=CASHIER_PIN)
    assert (status, out["error"], out["params"]) == (1, "login_required", {"user": MANAGER})
    status, out = run(capsys, till, "--as", CASHIER, "member", "unfreeze", PHONE,
                      "--approver", MANAGER, STOREAPP_PIN=CASHIER_PIN,
                      STOREAPP_APPROVER_PIN=MANAGER_PIN)
    assert status == 0, out
    with contextlib.closing(sqlite3.connect(till)) as conn:
        assert conn.execute("SELECT requested_by, approved_by FROM approvals").fetchall() == [
            (CASHIER, MANAGER)]


def test_init_makes_the_administrator_with_the_pin_chosen_then(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    status, out = run(capsys, db, "init")
    assert (status, out["error"]) == (2, "pin_needed")
    status, out = run(capsys, db, "--as", "boss", "init", STOREAPP_PIN="2468")
    assert (status, out["error"], out["params"]) == (2, "bad_pin", {
        "min_digits": 6, "max_digits": 12})
    assert not db.exists()  # a refused PIN makes no till
    status, out = run(capsys, db, "--as", "boss", "init", "--store-code", "0002",
                      STOREAPP_PIN="975310")
    assert (status, out["admin"]) == (0, "boss")
    status, _ = run(capsys, db, "--as", "boss", "settings", "store_name", "二店",
                    STOREAPP_PIN="975310")
    assert status == 0
    actors = {(actor, action) for actor, action, _ in audit(db)}
    assert {("boss", "user_added"), ("boss", "login"), ("boss", "setting_changed")} <= actors


def test_demo_fills_a_new_till_without_a_login_but_not_an_existing_one(
        capsys: pytest.CaptureFixture[str], till: Path, tmp_path: Path) -> None:
    status, out = run(capsys, till, "demo", "--members", "3")
    assert (status, out["error"]) == (1, "login_required")
    status, _ = run(capsys, tmp_path / "demo.db", "demo", "--members", "3")
    assert status == 0
    status, _ = run(capsys, tmp_path / "demo.db", "--as", "m01", "member", "find", "1234",
                    STOREAPP_PIN="999900")  # the demo manager's PIN: six digits
    assert status == 0
    assert audit(tmp_path / "demo.db")[-1][:2] == ("m01", "login")


def test_a_user_changes_their_own_pin(capsys: pytest.CaptureFixture[str], till: Path) -> None:
    status, out = run(capsys, till, "--as", CASHIER, "user", "pin", STOREAPP_PIN=CASHIER_PIN,
                      STOREAPP_NEW_PIN="1234")
    assert (status, out["error"]) == (2, "bad_pin")
    status, out = run(capsys, till, "--as", CASHIER, "user", "pin", STOREAPP_PIN=CASHIER_PIN,
                      STOREAPP_NEW_PIN="864200")
    assert (status, out) == (0, {"pin_changed": CASHIER})
    status, out = run(capsys, till, "--as", CASHIER, "member", "show", PHONE,
                      STOREAPP_PIN=CASHIER_PIN)
    assert (status, out["error"]) == (1, "bad_login")


def test_files_the_cli_writes_are_the_owners_only(capsys: pytest.CaptureFixture[str],
                                                 till: Path) -> None:
    old = os.umask(0)  # a careless umask: the files must not follow it
    try:
        csv, pdf = till.parent / "rfm.csv", till.parent / "rfm.pdf"
        status, out = run(capsys, till, "--as", MANAGER, "report", "rfm", "--full-phones",
                          "--csv", str(csv), "--pdf", str(pdf), STOREAPP_PIN=MANAGER_PIN)
        assert status == 0, out
        status, out = run(capsys, till, "--as", MANAGER, "backup", STOREAPP_PIN=MANAGER_PIN)
        assert status == 0, out
        fresh = till.parent / "fresh.db"
        with contextlib.closing(Database(fresh)) as db:
            members.register(db, phone="13900001111", name="李四", actor="setup")
            wal = [Path(f"{fresh}{suffix}") for suffix in ("-wal", "-shm")]
            assert all(p.exists() for p in wal)
            written = [csv, pdf, Path(out["backup"]), fresh, *wal]
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in written}
    finally:
        os.umask(old)
    assert modes == dict.fromkeys(modes, 0o600)
    assert stat.S_IMODE(Path(out["backup"]).parent.stat().st_mode) == 0o700


def test_an_existing_till_file_is_made_the_owners_only_when_opened(till: Path) -> None:
    till.chmod(0o644)  # a till from before, or copied in carelessly
    with contextlib.closing(Database(till)):
        pass
    assert stat.S_IMODE(till.stat().st_mode) == 0o600


def test_only_harmless_commands_run_without_a_login(till: Path) -> None:
    """Every command the parser knows, plugins' included: the ones open to anybody are the few
    that move no money and show no member (a command added later needs a login by default)."""
    import argparse

    def commands(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[str]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield f"{prefix} {name}".strip()
                    yield from commands(child, f"{prefix} {name}".strip())

    every = set(commands(cli.build_parser()))
    assert {"wallet topup", "sale", "refund", "report rfm", "store join", "restore",
            "receipt print", "member show"} <= every
    open_to_all = {c for c in every
                   if cli_access.required(argparse.Namespace(command=c, db=till)) == "public"}
    assert open_to_all == {"init", "bench", "audit", "sync", "sync status", "printer test"}
    needs_manager = {c for c in every
                     if cli_access.required(argparse.Namespace(command=c, db=till)) == "manager"}
    assert {"report rfm", "user add", "backup", "restore", "store join", "demo",
            "coupon template"} <= needs_manager  # (and `settings NAME VALUE`: a change)
    assert not {"wallet topup", "sale", "refund", "member add"} & needs_manager
