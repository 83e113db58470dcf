"""Staff: users with roles and PIN login, and manager approvals at a cashier's till."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from storeapp import audit
from storeapp.actions import Ctx
from storeapp.db import Database
from storeapp.errors import AuthError, InvalidInput, Refused
from storeapp.models import Approval, User
from storeapp.pins import check_pin, hash_pin

ROLES = ("cashier", "manager", "admin")
APPROVER_ROLES = ("manager", "admin")
_CODE = re.compile(r"[A-Za-z0-9_]{1,16}")
_PIN = re.compile(r"\d{4,8}")


@dataclass(frozen=True)
class Staff:
    code: str
    name: str
    role: str

    @property
    def is_manager(self) -> bool:
        return self.role in APPROVER_ROLES


@dataclass(frozen=True)
class Grant:
    """A manager's approval, checked by PIN, waiting to be recorded with the action it allows."""

    approver: str
    reason: str


def add_user(db: Database, *, code: str, name: str, role: str, pin: str, actor: str) -> Staff:
    if not _CODE.fullmatch(code):
        raise InvalidInput("bad_user_code", "User code: 1-16 letters, digits or _")
    if role not in ROLES:
        allowed = ", ".join(ROLES)
        raise InvalidInput("bad_role", f"Role must be one of {allowed}", allowed=allowed)
    if not _PIN.fullmatch(pin):
        raise InvalidInput("bad_pin", "A staff PIN has 4 to 8 digits", variant="staff")
    name = name.strip()
    if not 1 <= len(name) <= 32:
        raise InvalidInput("bad_name", "Name: 1 to 32 characters", variant="length",
                           max_chars=32)
    with db.session() as s, s.begin():
        if s.scalar(select(User.id).where(User.code == code)) is not None:
            raise Refused("user_exists", f"User {code} already exists", user=code)
        now = db.clock.now()
        s.add(User(code=code, name=name, role=role, pin_hash=hash_pin(pin), created_at=now))
        audit.append(s, at=now, actor=actor, action="user_added", subject=code,
                     detail={"role": role})
    return Staff(code, name, role)


def login(db: Database, code: str, pin: str) -> Staff:
    """Check a user's PIN; wrong PINs count towards a lock, and every attempt is audited."""
    max_tries = db.settings.user_pin_max_tries
    with db.session() as s, s.begin():
        user = s.scalar(select(User).where(User.code == code))
        now = db.clock.now()
        if user is None or not user.active:
            audit.append(s, at=now, actor=code[:32], action="login_failed", subject=code[:64],
                         detail={"why": "unknown user"})
            result: Staff | AuthError = AuthError("bad_login", "Unknown user or wrong PIN")
        elif user.failed_tries >= max_tries:
            audit.append(s, at=now, actor=code, action="login_failed", subject=code,
                         detail={"why": "locked"})
            result = AuthError("user_locked", f"User {code} is locked: ask an administrator",
                               user=code)
        elif not check_pin(pin, user.pin_hash):
            user.failed_tries += 1
            audit.append(s, at=now, actor=code, action="login_failed", subject=code,
                         detail={"tries": user.failed_tries})
            result = AuthError("bad_login", "Unknown user or wrong PIN")
        else:
            user.failed_tries = 0
            audit.append(s, at=now, actor=code, action="login", subject=code, detail={})
            result = Staff(user.code, user.name, user.role)
    if isinstance(result, AuthError):
        raise result
    return result


def approve(db: Database, code: str, pin: str, reason: str) -> Grant:
    """A manager approves at the till with code + PIN + reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason_required", "An approval needs a reason")
    if len(reason) > 200:
        raise InvalidInput("reason_too_long", "Reason: at most 200 characters", max_chars=200)
    staff = login(db, code, pin)
    if not staff.is_manager:
        raise AuthError("not_a_manager", f"User {code} is not a manager and cannot approve",
                        user=code)
    return Grant(staff.code, reason)


def record_approval(ctx: Ctx, grant: Grant | None, *, kind: str, subject: str) -> int:
    """Write the approval inside the action it allows; refuse the action without one."""
    if grant is None:
        raise AuthError("approval_required", f"This needs a manager's approval ({kind})",
                        kind=kind)
    row = Approval(kind=kind, subject=subject, requested_by=ctx.actor, approved_by=grant.approver,
                   reason=grant.reason, action_key=ctx.key, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("approved", subject, kind=kind, approver=grant.approver, reason=grant.reason)
    ctx.approval = {"kind": kind, "approved_by": grant.approver, "reason": grant.reason}
    return row.id


def unlock_user(db: Database, code: str, grant: Grant, actor: str) -> None:
    with db.session() as s, s.begin():
        user = s.scalar(select(User).where(User.code == code))
        if user is None:
            raise InvalidInput("unknown_user", f"No user {code}", user=code)
        user.failed_tries = 0
        audit.append(s, at=db.clock.now(), actor=actor, action="user_unlocked", subject=code,
                     detail={"approver": grant.approver, "reason": grant.reason})


def has_users(db: Database) -> bool:
    with db.reader() as s:
        return s.scalar(select(User.id).limit(1)) is not None
