"""A till's disk fails: the database file missing, empty, truncated, corrupted, on a read-only
filesystem, locked by another program, on a disk that fills up. Every command answers with the
CLI's JSON error and a non-zero exit — never a traceback — posts nothing half, and works again
once the fault is gone. Backups refuse a damaged database and keep the good ones; files are the
owner's only.

The read-only and full-disk cases mount a filesystem of their own (root; CI runs as root here).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storeapp.db import Database
from storeapp.services import members
from tests import ledger_checks
from tests.helpers import cli_env

PHONE = "13812345678"


# A process that keeps root's uid but not its power to write what its mode forbids.
WITHOUT_OVERRIDE = ("setpriv", "--inh-caps=-dac_override,-dac_read_search",
                    "--bounding-set=-dac_override,-dac_read_search", "--")


def storeapp(db: Path, *args: str, timeout: float = 60,
             prefix: tuple[str, ...] = ()) -> tuple[int, dict[str, Any], str]:
    """One ``storeapp --db DB --json ...``: exit status, its one JSON object, its stderr."""
    proc = subprocess.run([*prefix, sys.executable, "-m", "storeapp.cli", "--db", str(db), "--json",
                           *args], capture_output=True, text=True, timeout=timeout,
                          env=cli_env())  # run by the administrator `init` made
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, (args, proc.stdout, proc.stderr[-2000:])
    return proc.returncode, json.loads(lines[0]), proc.stderr


def refused(db: Path, *args: str, code: str | tuple[str, ...], timeout: float = 60,
            prefix: tuple[str, ...] = ()) -> dict:
    status, out, _ = storeapp(db, *args, timeout=timeout, prefix=prefix)
    assert status == 1, out
    assert out["error"] in ((code,) if isinstance(code, str) else code), out
    return out


def make_till(db: Path) -> None:
    for args in (("init",), ("member", "add", "--phone", PHONE, "--name", "张三"),
                 ("wallet", "topup", PHONE, "500")):
        status, out, _ = storeapp(db, *args)
        assert status == 0, out


def snapshot(db: Path) -> dict[str, Any]:
    with contextlib.closing(ledger_checks.connect(db)) as conn:
        return ledger_checks.snapshot(conn)


def test_a_missing_or_empty_file_is_not_made_a_till_unless_asked(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    out = refused(missing, "member", "show", PHONE, code="db_missing")
    assert "storeapp init" in out["message"] and "storeapp restore" in out["message"]
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    refused(empty, "wallet", "topup", PHONE, "100", code="db_missing")
    assert empty.stat().st_size == 0
    assert storeapp(empty, "init")[0] == 0  # asked for: a new till
    refused(empty, "init", code="db_exists")


def test_files_are_the_owners_only(tmp_path: Path) -> None:
    db = tmp_path / "till" / "storeapp.db"
    make_till(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    status, out, _ = storeapp(db, "backup")
    assert status == 0
    assert stat.S_IMODE(Path(out["backup"]).stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(out["backup"]).parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("damage", ["truncated", "garbage_header", "corrupted_pages"])
def test_a_damaged_file_gets_a_clean_error_and_backups_are_kept(tmp_path: Path,
                                                                damage: str) -> None:
    db = tmp_path / "storeapp.db"
    make_till(db)
    status, good, _ = storeapp(db, "backup")
    assert status == 0
    with contextlib.closing(Database(db, create=False)) as till:  # history on data pages
        for n in range(60):
            members.register(till, phone=f"1390000{n:04d}", name="会员" * 8, actor="setup")
    size = db.stat().st_size
    raw = bytearray(db.read_bytes())
    if damage == "truncated":
        raw = raw[: size // 2]
    elif damage == "garbage_header":
        raw[:100] = os.urandom(100)
    else:
        page = 4096
        for index in range(2, size // page, 2):  # every other page after the schema's
            raw[index * page + 8: index * page + 200] = os.urandom(192)
    db.write_bytes(bytes(raw))
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)

    for args in (("member", "show", PHONE), ("wallet", "topup", PHONE, "100"),
                 ("audit", "verify"), ("backup",)):
        status, out, _ = storeapp(db, *args)
        if status == 0:  # a page that a command never reads may still serve it
            assert args[0] != "backup" or out["integrity_ok"], out
            continue
        assert out["error"] in ("db_corrupt", "db_unreadable", "unknown_member"), out
    backups = sorted((tmp_path / "backups").glob("*.db"))
    assert Path(good["backup"]) in backups  # the good one is never rotated away
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_backup_refuses_a_damaged_database(tmp_path: Path) -> None:
    db = tmp_path / "storeapp.db"
    make_till(db)
    first = storeapp(db, "backup", "--keep", "1")[1]
    raw = bytearray(db.read_bytes())
    page = 4096
    for index in range(1, len(raw) // page):
        raw[index * page + 8: index * page + 400] = b"\xff" * 392
    db.write_bytes(bytes(raw))
    out = refused(db, "backup", "--keep", "1", code=("db_corrupt", "db_unreadable"))
    assert "damaged" in out["message"] or "cannot be opened" in out["message"]
    assert sorted((tmp_path / "backups").glob("*.db")) == [Path(first["backup"])]


def test_a_locked_database_gets_a_clean_error_and_nothing_half(tmp_path: Path) -> None:
    db = tmp_path / "storeapp.db"
    make_till(db)
    before = snapshot(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program, in the middle of a write
    try:
        refused(db, "wallet", "topup", PHONE, "100", code="db_locked", timeout=90)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert snapshot(db) == before
    assert storeapp(db, "wallet", "topup", PHONE, "100")[0] == 0  # and again once it is free


# -- filesystems of our own ------------------------------------------------------------------

@contextlib.contextmanager
def mounted(*args: str, target: Path) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount here (CI runs as root): {done.stderr}")
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_a_read_only_filesystem_gets_a_clean_error(tmp_path: Path) -> None:
    source = tmp_path / "disk"
    source.mkdir()
    db = source / "storeapp.db"
    make_till(db)
    before = snapshot(db)
    with mounted("--bind", str(source), target=tmp_path / "ro") as ro:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], check=True)
        for args in (("member", "show", PHONE), ("wallet", "topup", PHONE, "100"),
                     ("backup", "--dir", str(tmp_path / "elsewhere"))):
            refused(ro / "storeapp.db", *args, code=("db_read_only", "db_unreadable"))
    assert snapshot(db) == before
    assert storeapp(db, "wallet", "topup", PHONE, "100")[0] == 0  # writable again: fine


def test_a_read_only_file_gets_a_clean_error(tmp_path: Path) -> None:
    db = tmp_path / "storeapp.db"
    make_till(db)
    before = snapshot(db)
    db.chmod(0o400)  # someone made the file read-only; the directory stays writable
    try:
        status, out, _ = storeapp(db, "audit", "verify", prefix=WITHOUT_OVERRIDE)
        assert status == 0 and out["ok"]  # reading still works
        for args in (("member", "show", PHONE),  # its user's login cannot be recorded
                     ("wallet", "topup", PHONE, "100"),
                     ("member", "add", "--phone", "13900000000", "--name", "李四")):
            refused(db, *args, code="db_read_only", prefix=WITHOUT_OVERRIDE)
    finally:
        db.chmod(0o600)
    assert snapshot(db) == before
    assert storeapp(db, "wallet", "topup", PHONE, "100")[0] == 0  # writable again: fine


def test_a_disk_that_fills_up_mid_run_loses_nothing_and_recovers(tmp_path: Path) -> None:
    with mounted("-t", "tmpfs", "-o", "size=1200k", "tmpfs", target=tmp_path / "small") as disk:
        db = disk / "storeapp.db"
        make_till(db)
        filler = disk / "filler"
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        with contextlib.suppress(OSError):  # all but a few pages of what is left
            filler.write_bytes(b"\0" * max(0, free - 48 * 1024))
        done, faults = 0, []
        for n in range(200):
            status, out, _ = storeapp(db, "member", "add", "--phone", f"1390000{n:04d}",
                                      "--name", "会员" * 8)
            if status == 0:
                done += 1
                continue
            faults.append(out["error"])
            if len(faults) >= 3:
                break
        assert faults and set(faults) <= {"db_full", "db_unreadable"}, faults
        with contextlib.closing(ledger_checks.connect(db)) as conn:
            assert ledger_checks.ledger_problems(conn) == []  # nothing half
            members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
        assert members == done + 1  # every "ok" is there, nothing more
        filler.unlink()  # the manager freed some space
        assert storeapp(db, "member", "add", "--phone", "13977777777", "--name", "新")[0] == 0
        status, verified, _ = storeapp(db, "audit", "verify")
        assert status == 0 and verified["ok"]


def test_every_command_answers_a_damaged_file_the_same_way(tmp_path: Path) -> None:
    db = tmp_path / "storeapp.db"
    make_till(db)
    raw = bytearray(db.read_bytes())
    raw[:100] = os.urandom(100)  # the header: nothing in the file can be trusted
    db.write_bytes(bytes(raw))
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    commands = (("member", "find", "5678"), ("member", "show", PHONE),
                ("wallet", "history", PHONE), ("wallet", "topup", PHONE, "100"),
                ("sale", "--amount", "10", "--pay", "cash"), ("points", "history", PHONE),
                ("tiers", "review"), ("catalog", "list"), ("audit", "verify"),
                ("settings", "show"), ("backup",), ("report", "daily"), ("report", "liability"),
                ("shift", "open", "--float", "0"), ("shift", "x"), ("receipt", "print", "R1"),
                ("sync", "status"), ("demo", "--members", "5"), ("init",))
    for args in commands:
        out = refused(db, *args, code=("db_corrupt", "db_unreadable", "db_exists"))
        assert out["error"] != "db_exists" or args == ("init",), out
    assert db.read_bytes() == bytes(raw)  # not a byte changed
