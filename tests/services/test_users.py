"""Staff: adding users, PIN login with a lock after 5 wrong tries, and manager approvals."""

from __future__ import annotations

import pytest

from storeapp.db import Database
from storeapp.errors import AuthError, InvalidInput, Refused
from storeapp.models import AuditRow, User
from storeapp.services import users
from storeapp.services.users import Grant, Staff
from tests.helpers import MANAGER_CODE, MANAGER_PIN, all_rows, approve


def audit_actions(db: Database) -> list[str]:
    return [r.action for r in all_rows(db, AuditRow)]


def test_add_user_stores_a_slow_hash_not_the_pin(db: Database) -> None:
    assert not users.has_users(db)
    staff = users.add_user(db, code="C01", name=" 李收银 ", role="cashier", pin="135700",
                           actor="admin")
    assert staff == Staff("C01", "李收银", "cashier")
    assert not staff.is_manager
    assert users.has_users(db)
    [row] = all_rows(db, User)
    assert row.pin_hash.startswith("$argon2id$")
    assert "135700" not in row.pin_hash
    assert audit_actions(db) == ["user_added"]


@pytest.mark.parametrize(("fields", "code"), [
    ({"code": "bad code"}, "bad_user_code"),
    ({"code": ""}, "bad_user_code"),
    ({"code": "X" * 17}, "bad_user_code"),
    ({"role": "owner"}, "bad_role"),
    ({"pin": "123"}, "bad_pin"),
    ({"pin": "2468"}, "bad_pin"),  # four digits fall to a guessing program in minutes
    ({"pin": "24680"}, "bad_pin"),
    ({"pin": "1234567890123"}, "bad_pin"),
    ({"pin": "12ab56"}, "bad_pin"),
    ({"pin": "１２３４５６"}, "bad_pin"),  # full-width digits are not a keypad's
    ({"name": "  "}, "bad_name"),
    ({"name": "名" * 33}, "bad_name"),
])
def test_add_user_validation(db: Database, fields: dict[str, str], code: str) -> None:
    user = {"code": "C01", "name": "李收银", "role": "cashier", "pin": "135700", **fields}
    with pytest.raises(InvalidInput) as refused:
        users.add_user(db, actor="admin", **user)
    assert refused.value.code == code
    assert not users.has_users(db)


def test_user_codes_are_unique(db: Database, cashier: Staff) -> None:
    with pytest.raises(Refused) as refused:
        users.add_user(db, code="C01", name="another", role="cashier", pin="246800", actor="admin")
    assert refused.value.code == "user_exists"


def test_login_with_the_right_pin(db: Database, cashier: Staff) -> None:
    assert users.login(db, "C01", "135700") == cashier
    assert audit_actions(db)[-1] == "login"


def test_wrong_pin_and_unknown_user_get_the_same_answer(db: Database, cashier: Staff) -> None:
    for code, pin in (("C01", "000000"), ("NOBODY", "135700")):
        with pytest.raises(AuthError, match="Unknown user or wrong PIN") as refused:
            users.login(db, code, pin)
        assert refused.value.code == "bad_login"
    assert audit_actions(db)[-2:] == ["login_failed", "login_failed"]


def test_five_wrong_pins_lock_the_user(db: Database, manager: Staff, cashier: Staff) -> None:
    for _ in range(5):
        with pytest.raises(AuthError):
            users.login(db, "C01", "000000")
    with pytest.raises(AuthError, match="locked") as locked:
        users.login(db, "C01", "135700")  # even the right PIN
    assert locked.value.code == "user_locked"
    users.unlock_user(db, "C01", approve(db, "forgot PIN"), actor=MANAGER_CODE)
    assert users.login(db, "C01", "135700") == cashier
    assert "user_unlocked" in audit_actions(db)


def test_every_login_attempt_is_audited_even_on_a_locked_user(db: Database,
                                                               cashier: Staff) -> None:
    for _ in range(5):
        with pytest.raises(AuthError):
            users.login(db, "C01", "000000")
    before = len(audit_actions(db))
    with pytest.raises(AuthError):
        users.login(db, "C01", "135700")
    assert len(audit_actions(db)) == before + 1
    assert audit_actions(db)[-1] == "login_failed"


def test_a_right_pin_resets_the_wrong_tries(db: Database, cashier: Staff) -> None:
    for _ in range(4):
        with pytest.raises(AuthError):
            users.login(db, "C01", "000000")
    users.login(db, "C01", "135700")
    with pytest.raises(AuthError) as wrong:
        users.login(db, "C01", "000000")
    assert wrong.value.code == "bad_login"  # counting starts again: not locked
    assert users.login(db, "C01", "135700") == cashier


def test_manager_approves_with_pin_and_reason(db: Database, manager: Staff) -> None:
    grant = users.approve(db, MANAGER_CODE, MANAGER_PIN, "  customer returned goods ")
    assert grant == Grant(MANAGER_CODE, "customer returned goods")


def test_admin_can_approve(db: Database) -> None:
    users.add_user(db, code="A01", name="管理员", role="admin", pin="999900", actor="setup")
    assert users.approve(db, "A01", "999900", "correction").approver == "A01"


def test_cashier_cannot_approve(db: Database, cashier: Staff) -> None:
    with pytest.raises(AuthError, match="not a manager") as refused:
        users.approve(db, "C01", "135700", "my own refund")
    assert refused.value.code == "not_a_manager"


def test_approval_with_a_wrong_pin_is_refused(db: Database, manager: Staff) -> None:
    with pytest.raises(AuthError) as refused:
        users.approve(db, MANAGER_CODE, "000000", "refund")
    assert refused.value.code == "bad_login"


@pytest.mark.parametrize(("reason", "code"), [("", "reason_required"),
                                              ("   ", "reason_required"),
                                              ("x" * 201, "reason_too_long")])
def test_approval_needs_a_reason(db: Database, manager: Staff, reason: str, code: str) -> None:
    before = len(audit_actions(db))
    with pytest.raises(InvalidInput) as refused:
        users.approve(db, MANAGER_CODE, MANAGER_PIN, reason)
    assert refused.value.code == code
    assert len(audit_actions(db)) == before  # refused before the PIN was even checked
