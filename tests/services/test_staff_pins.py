"""Staff PINs: argon2id, older scrypt hashes moved to argon2id at the next good login, and a lock
after too many wrong PINs that lasts longer each time, until it ends or a manager unlocks."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import update

from storeapp import login_rules, pins
from storeapp.clock import FixedClock
from storeapp.db import Database, make_engine
from storeapp.errors import AuthError, InvalidInput
from storeapp.migrate import upgrade
from storeapp.models import AuditRow, User
from storeapp.services import users
from storeapp.services.users import Staff
from tests.helpers import CASHIER, MANAGER_CODE, START, all_rows, approve

PIN, WRONG = "135700", "000000"


def lock_out(db: Database) -> AuthError:
    """Five wrong PINs in a row: the answer to the fifth."""
    for _ in range(4):
        with pytest.raises(AuthError) as wrong:
            users.login(db, CASHIER, WRONG)
        assert wrong.value.code == "bad_login"
    with pytest.raises(AuthError) as locked:
        users.login(db, CASHIER, WRONG)
    return locked.value


def refused(db: Database, pin: str = PIN) -> AuthError:
    with pytest.raises(AuthError) as error:
        users.login(db, CASHIER, pin)
    return error.value


def audit(db: Database) -> list[tuple[str, dict[str, object]]]:
    return [(r.action, json.loads(r.detail_json)) for r in all_rows(db, AuditRow)]


def test_a_staff_pin_is_hashed_with_argon2id_and_its_parameters(db: Database,
                                                                 cashier: Staff) -> None:
    [row] = all_rows(db, User)
    assert row.pin_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert not pins.needs_rehash(row.pin_hash)
    assert pins.check_staff_pin(PIN, row.pin_hash)
    assert not pins.check_staff_pin(WRONG, row.pin_hash)
    assert not pins.check_staff_pin(PIN, "garbage")


def test_an_older_scrypt_pin_still_works_and_becomes_argon2id(db: Database,
                                                               cashier: Staff) -> None:
    with db.session() as s, s.begin():
        s.execute(update(User).values(pin_hash=pins.hash_pin(PIN)))  # as stored before
    assert refused(db, WRONG).code == "bad_login"
    assert all_rows(db, User)[0].pin_hash.startswith("scrypt$")  # a wrong PIN changes nothing
    assert users.login(db, CASHIER, PIN) == cashier
    stored = all_rows(db, User)[0].pin_hash
    assert stored.startswith("$argon2id$") and pins.check_staff_pin(PIN, stored)
    assert audit(db)[-1] == ("login", {"rehashed": "argon2id", "via": "till"})
    users.login(db, CASHIER, PIN)
    assert all_rows(db, User)[0].pin_hash == stored  # once only
    assert audit(db)[-1] == ("login", {"via": "till"})


def test_five_wrong_pins_lock_for_five_minutes_then_the_pin_works(
        db: Database, clock: FixedClock, cashier: Staff) -> None:
    locked = lock_out(db)
    assert (locked.code, locked.variant, locked.params) == (
        "user_locked", "timed", {"user": CASHIER, "minutes": 5})
    action, detail = audit(db)[-1]
    assert (action, detail["until"], detail["locks_in_a_row"]) == (
        "user_locked", (START + dt.timedelta(minutes=5)).isoformat(), 1)
    clock.advance(minutes=4, seconds=1)
    assert refused(db).params == {"user": CASHIER, "minutes": 1}  # even the right PIN
    assert audit(db)[-1] == ("login_failed", {"why": "locked", "via": "till"})
    clock.advance(seconds=59)
    assert users.login(db, CASHIER, PIN) == cashier


def test_each_lock_in_a_row_lasts_twice_as_long_until_a_good_login(
        db: Database, clock: FixedClock, cashier: Staff) -> None:
    assert lock_out(db).params["minutes"] == 5
    clock.advance(minutes=5)
    assert lock_out(db).params["minutes"] == 10
    clock.advance(minutes=5)
    assert refused(db).code == "user_locked"
    clock.advance(minutes=5)
    assert lock_out(db).params["minutes"] == 20
    clock.advance(minutes=20)
    users.login(db, CASHIER, PIN)  # a good login: the next lock is the first again
    assert lock_out(db).params["minutes"] == 5


def test_the_lock_and_its_first_minutes_follow_the_settings(
        db: Database, clock: FixedClock, cashier: Staff) -> None:
    with db.session() as s, s.begin():
        db.set_setting(s, "user_pin_max_tries", 3)
        db.set_setting(s, "user_lock_minutes", 15)
    for _ in range(2):
        assert refused(db, WRONG).code == "bad_login"
    assert refused(db, WRONG).params == {"user": CASHIER, "minutes": 15}


def test_a_manager_unlocks_at_once(db: Database, manager: Staff, cashier: Staff) -> None:
    lock_out(db)
    users.unlock_user(db, CASHIER, approve(db, "forgot PIN"), actor=MANAGER_CODE)
    assert users.login(db, CASHIER, PIN) == cashier
    unlocked = [d for a, d in audit(db) if a == "user_unlocked"]
    assert unlocked == [{"approver": MANAGER_CODE, "reason": "forgot PIN"}]


def test_lock_durations_double_up_to_a_day() -> None:
    assert [login_rules.lock_duration(5, n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [
        5, 10, 20, 40]
    assert login_rules.lock_duration(5, 30) == login_rules.MAX_LOCK
    assert login_rules.minutes_left(START, START + dt.timedelta(seconds=10)) == 1


def test_a_user_changes_their_pin_with_the_old_one(db: Database, cashier: Staff) -> None:
    with pytest.raises(InvalidInput) as short:
        users.change_pin(db, CASHIER, PIN, "2468")
    assert (short.value.code, short.value.variant) == ("bad_pin", "staff")
    with pytest.raises(AuthError):
        users.change_pin(db, CASHIER, WRONG, "864200")
    users.change_pin(db, CASHIER, PIN, "864200")
    assert refused(db).code == "bad_login"
    assert users.login(db, CASHIER, "864200") == cashier
    assert "user_pin_changed" in [a for a, _ in audit(db)]


def test_a_user_locked_before_locks_ended_stays_locked_until_unlocked(
        tmp_path: Path, clock: FixedClock) -> None:
    """0017: a user a till locked for good (before locks had an end) is still locked after the
    upgrade, however long one waits, until a manager unlocks them."""
    path = tmp_path / "old.db"
    engine = make_engine(path, immediate=True)
    upgrade(engine, "0016")
    engine.dispose()
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for code, tries in (("C01", 5), ("C02", 2)):
            conn.execute("INSERT INTO users (code, name, role, pin_hash, failed_tries, active, "
                         "created_at) VALUES (?, 'x', 'cashier', ?, ?, 1, ?)",
                         (code, pins.hash_pin(PIN), tries, "2026-01-01 00:00:00.000000"))
    db = Database(path, clock=clock)
    try:
        clock.advance(days=400)
        locked = refused(db)
        assert (locked.code, locked.variant, locked.params) == (
            "user_locked", "", {"user": "C01"})
        assert users.login(db, "C02", PIN).code == "C02"  # two wrong tries: not locked
        users.add_user(db, code=MANAGER_CODE, name="经理", role="manager", pin="246800",
                       actor="setup")
        users.unlock_user(db, "C01", approve(db), actor=MANAGER_CODE)
        assert users.login(db, "C01", PIN).code == "C01"
    finally:
        db.close()
