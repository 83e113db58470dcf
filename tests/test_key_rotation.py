"""Rotating the till's keys (``storeapp keys rotate [--index]``, :mod:`storeapp.services.keys`).

After a rotation every member is still found by phone, last four digits and name and their
sealed data still opens, while a copy of the old key opens or finds nothing; a kill -9 at any
point of a rotation leaves a till that works, on the old keys or the new; another process of
the till holding the old master catches up by itself; only a logged-in manager rotates, and the
audit log names who rotated what, never the key.
"""

from __future__ import annotations

import base64
import contextlib
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import cli, pii
from storeapp.db import Database
from storeapp.keystore import KeyStore
from storeapp.models import AuditRow, Member, MemberNameGram
from storeapp.pii import MemberKeys, Unreadable
from storeapp.services import keys, members, privacy
from storeapp.services.members import MemberView
from storeapp.services.users import Grant, Staff
from tests import key_rotation_worker
from tests.helpers import CASHIER, MANAGER_CODE, MANAGER_PIN, approve, register

WORKER = Path(key_rotation_worker.__file__)
GRANT = Grant(MANAGER_CODE, "yearly rotation")
PEOPLE = (("13812345678", "张三"), ("13912340001", "李四"), ("13700002468", "王小明"))


@pytest.fixture
def people(db: Database, manager: Staff) -> list[MemberView]:
    """Three members found by phone, plus one who gave their phone back and one erased."""
    found = [register(db, phone=phone, name=name) for phone, name in PEOPLE]
    parked = register(db, phone="13600009999", name="赵六")
    with db.session() as s, s.begin():  # a restore's duplicate: the phone went to another
        row = s.get(Member, parked.member_id)
        assert row is not None
        row.phone = f"dup:{parked.member_id}"
    gone = register(db, phone="13500007777", name="钱七")
    privacy.erase(db, gone.member_id, actor=CASHIER, grant=approve(db, "member asked"))
    return [*found, members.get(db, parked.member_id), members.get(db, gone.member_id)]


def test_a_new_master_rewraps_every_key_and_the_old_master_opens_none(
        db: Database, people: list[MemberView], tmp_path: Path) -> None:
    store = db.keys
    old = store.get("master")
    before = {p.member_id: db.pii.keys.get(p.member_id) for p in people[:4]}
    stolen = tmp_path / "stolen" / store.entry  # the key directory as it was, old master in it
    shutil.copytree(store.directory, stolen)

    result = keys.rotate(db, index=False, actor=MANAGER_CODE, grant=GRANT)

    assert (result.key, result.members, result.unreadable) == ("master", 4, 0)  # erased: no key
    new = store.get("master")
    assert new not in (None, old) and store.get(pii.STAGED_MASTER) is None
    assert_found(db, people[:3])
    assert members.get(db, people[3].member_id).name == "赵六"
    # a restarted till reads the same member keys through the new master
    restarted = MemberKeys(KeyStore(store.entry, store.directory.parent, use_keyring=False))
    assert {i: restarted.get(i) for i in before} == before
    restarted.close()
    # the old master opens none of today's wrapped keys, even with today's key file beside it
    with contextlib.closing(sqlite3.connect(store.directory / MemberKeys.FILE)) as conn:
        wrapped = conn.execute("SELECT member_id, wrapped FROM member_keys").fetchall()
    assert len(wrapped) == 4
    assert old is not None
    for member_id, value in wrapped:
        with pytest.raises(Unreadable):
            pii.unwrap(old, member_id, value)
    shutil.copy(store.directory / MemberKeys.FILE, stolen / MemberKeys.FILE)
    stale = MemberKeys(KeyStore(store.entry, stolen.parent, use_keyring=False))
    with pytest.raises(Unreadable):
        stale.get(people[0].member_id)
    stale.close()
    # a member registered afterwards is sealed under a key wrapped by the new master
    later = register(db, phone="13300001357", name="孙八")
    assert_found(db, [later])
    assert_audited(db, "master", old, new, members=4)


def test_a_new_index_key_recomputes_every_lookup_and_the_old_one_finds_nothing(
        db: Database, people: list[MemberView]) -> None:
    old = db.keys.get("index")
    assert old is not None and db.pii.index_key == old

    result = keys.rotate(db, index=True, actor=MANAGER_CODE, grant=GRANT)

    assert (result.key, result.members, result.unreadable) == ("index", 4, 0)
    new = db.keys.get("index")
    assert new not in (None, old) and db.keys.get(keys.STAGED_INDEX) is None
    assert db.pii.index_key == new  # the live ring, every handle of this till
    assert_found(db, people[:3])
    later = register(db, phone="13300001357", name="孙八")
    assert_found(db, [later])
    parked, gone = people[3], people[4]
    with db.reader() as s:
        rows = {m.member_id: (m.phone_key, m.tail_key) for m in s.scalars(select(Member))}
        grams = set(s.scalars(select(MemberNameGram.gram)))
    assert rows[parked.member_id] == (f"dup:{parked.member_id}", "")  # given back: kept
    assert rows[gone.member_id] == (f"erased:{gone.member_id}", "")
    assert members.get(db, parked.member_id).name == "赵六"  # sealed data opens as before
    assert members.find(db, "赵六") == [members.get(db, parked.member_id)]
    # the old index key finds nobody, before the rotation or after it
    phone_keys = {k for k, _ in rows.values()}
    tail_keys = {t for _, t in rows.values()}
    for phone, name in (*PEOPLE, ("13600009999", "赵六"), ("13300001357", "孙八")):
        assert pii.phone_key(old, phone) not in phone_keys
        assert pii.tail_key(old, phone[-4:]) not in tail_keys
        assert not pii.name_grams(old, name) & grams
        assert not pii.query_grams(old, name[:1]) & grams
    assert_audited(db, "index", old, new, members=4)


def test_another_process_holding_the_old_master_catches_up(db: Database,
                                                           people: list[MemberView]) -> None:
    store = db.keys
    other = MemberKeys(KeyStore(store.entry, store.directory.parent, use_keyring=False))
    known = other.get(people[0].member_id)

    keys.rotate(db, index=False, actor=MANAGER_CODE, grant=GRANT)

    assert other.get(people[1].member_id) == db.pii.keys.get(people[1].member_id)  # unwrapped
    other.put("m-late", b"k" * 32)  # wrapped under the master in use now, not its old one
    other.close()
    restarted = MemberKeys(KeyStore(store.entry, store.directory.parent, use_keyring=False))
    assert restarted.get("m-late") == b"k" * 32
    assert restarted.get(people[0].member_id) == known
    restarted.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", [keys.MASTER, keys.INDEX])
@pytest.mark.parametrize("point", key_rotation_worker.POINTS)
def test_a_kill_9_at_any_point_leaves_a_working_till(
        db: Database, people: list[MemberView], kind: str, point: str) -> None:
    phones = [p.phone for p in people[:3]]
    before = worker_json(db.path, "check", *phones)

    killed = worker(db.path, "rotate", kind, point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    after = worker_json(db.path, "check", *phones)  # a restart: it finishes or drops the rotation
    assert after["found"] == before["found"]
    for found, member in zip(after["found"].values(), people, strict=False):
        assert found == {"id": member.member_id, "name": member.name,
                         "by_tail": [member.member_id], "by_name": [member.member_id]}
    finished = point in ("committed", "swapped")  # the rewrite had committed
    assert (after[kind] != before[kind]) is finished
    other = keys.INDEX if kind == keys.MASTER else keys.MASTER
    assert after[other] == before[other]
    assert not [f for f in after["files"] if ".next" in f or f.endswith(".partial")]

    done = worker(db.path, "rotate", kind)  # and the till rotates again, to the end
    assert done.returncode == 0, done.stderr
    again = worker_json(db.path, "check", *phones)
    assert again["found"] == before["found"] and again[kind] not in (before[kind], after[kind])


def test_only_a_logged_in_manager_rotates(db: Database, people: list[MemberView],
                                          cashier: Staff, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("STOREAPP_USER", "STOREAPP_PIN", "STOREAPP_APPROVER_PIN"):
        monkeypatch.delenv(name, raising=False)
    master, index = db.keys.get("master"), db.keys.get("index")

    def run(*args: str, pin: str | None = None) -> tuple[int, dict[str, Any]]:
        if pin is not None:
            monkeypatch.setenv("STOREAPP_PIN", pin)
        status = cli.main(["--db", str(db.path), "--json", *args])
        return status, json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    assert run("keys", "rotate")[1]["error"] == "login_required"
    assert run("--as", CASHIER, "keys", "rotate", "--index", pin="135700")[1]["error"] == \
        "manager_required"
    assert run("--as", MANAGER_CODE, "keys", "rotate", pin="000000")[1]["error"] == "bad_login"
    assert (db.keys.get("master"), db.keys.get("index")) == (master, index)
    assert not rotations(db)

    status, out = run("--as", MANAGER_CODE, "keys", "rotate", "--index", "--reason",
                      "cashier left", pin=MANAGER_PIN)
    assert status == 0 and (out["key"], out["members"]) == ("index", 4), out
    status, out = run("--as", MANAGER_CODE, "keys", "rotate", pin=MANAGER_PIN)
    assert status == 0 and (out["key"], out["members"]) == ("master", 4), out
    assert [(r.actor, r.subject, json.loads(r.detail_json)["reason"]) for r in rotations(db)] == \
        [(MANAGER_CODE, "index", "cashier left"), (MANAGER_CODE, "master", "key rotation")]
    assert db.keys.get("master") != master and db.keys.get("index") != index
    assert_found(db, people[:3])


# -- helpers ------------------------------------------------------------------------------------

def assert_found(db: Database, people: list[MemberView]) -> None:
    """Each member found by full phone, last four digits and name, their data opened."""
    for person in people:
        found = members.get(db, person.member_id)
        assert (found.phone, found.name) == (person.phone, person.name)
        assert members.find(db, person.phone) == [found]
        assert found in members.find(db, person.phone[-4:])
        assert found in members.find(db, person.name)
        assert found in members.find(db, person.name[:1])  # a name's first letter


def assert_audited(db: Database, key: str, old: bytes | None, new: bytes | None, *,
                   members: int) -> None:
    """One audit entry names who rotated which key and why, and holds neither key."""
    [row] = rotations(db)
    assert (row.actor, row.subject) == (MANAGER_CODE, key)
    detail = json.loads(row.detail_json)
    assert (detail["key"], detail["approver"], detail["reason"], detail["members"]) == \
        (key, MANAGER_CODE, GRANT.reason, members)
    assert old is not None and new is not None
    for secret in (old, new):
        for shown in (secret.hex(), base64.b64encode(secret).decode(),
                      base64.urlsafe_b64encode(secret).decode()):
            assert shown not in row.detail_json


def rotations(db: Database) -> list[AuditRow]:
    with db.reader() as s:
        return list(s.scalars(select(AuditRow).where(AuditRow.action == keys.ROTATED)
                              .order_by(AuditRow.seq)))


def worker(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(WORKER), str(db_path), *args],
                          capture_output=True, text=True, timeout=120, check=False)


def worker_json(db_path: Path, *args: str) -> dict[str, Any]:
    done = worker(db_path, *args)
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer
