"""Staff: users with roles and PIN login, manager approvals at a cashier's till (never of the
approver's own request or own member account), and staff members (内部会员): a user linked to
the member account they buy as.

Staff PINs have at least 6 digits and are hashed with argon2id (:mod:`storeapp.pins`); a few
wrong PINs in a row lock the user for a time that doubles with each lock in a row
(:mod:`storeapp.login_rules`), or until a manager unlocks them. Every try, lock and unlock is in
the audit log, whether it came from the counter or the command line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storeapp import audit, login_rules
from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.clock import local_month_bounds, to_local
from storeapp.db import Database
from storeapp.errors import AuthError, InvalidInput, Refused
from storeapp.ids import MemberId
from storeapp.models import Approval, Sale, User
from storeapp.pins import check_staff_pin, hash_staff_pin, needs_rehash
from storeapp.results import ActionResult

ROLES = ("cashier", "manager", "admin")
APPROVER_ROLES = ("manager", "admin")
_CODE = re.compile(r"[A-Za-z0-9_]{1,16}")


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


@dataclass(frozen=True, eq=False)
class StaffLinked(ActionResult):
    """A staff user linked to the member account they buy as (their sales get the staff
    price); ``previous_member_id`` is the account they were linked to before, if any."""

    code: str
    member_id: MemberId
    previous_member_id: MemberId | None


def add_user(db: Database, *, code: str, name: str, role: str, pin: str, actor: str) -> Staff:
    name = check_new_user(code=code, name=name, role=role, pin=pin)
    with db.session() as s, s.begin():
        if s.scalar(select(User.id).where(User.code == code)) is not None:
            raise Refused("user_exists", f"User {code} already exists", user=code)
        now = db.clock.now()
        s.add(User(code=code, name=name, role=role, pin_hash=hash_staff_pin(pin),
                   created_at=now))
        audit.append(s, at=now, actor=actor, action="user_added", subject=code,
                     detail={"role": role})
    return Staff(code, name, role)


def check_new_user(*, code: str, name: str, role: str, pin: str) -> str:
    """Refuse a new user's bad code, role, PIN or name before anything is made; the name as
    it is stored (trimmed)."""
    if not _CODE.fullmatch(code):
        raise InvalidInput("bad_user_code", "User code: 1-16 letters, digits or _")
    if role not in ROLES:
        allowed = ", ".join(ROLES)
        raise InvalidInput("bad_role", f"Role must be one of {allowed}", allowed=allowed)
    _require_staff_pin(pin)
    name = name.strip()
    if not 1 <= len(name) <= 32:
        raise InvalidInput("bad_name", "Name: 1 to 32 characters", variant="length",
                           max_chars=32)
    return name


def login(db: Database, code: str, pin: str, *, via: str = "till") -> Staff:
    """Check a user's PIN; every try is audited (``via``: the till or the command line).

    A locked user is refused without their PIN being checked. Wrong PINs count towards a lock
    (``user_pin_max_tries`` in a row lock the user for ``user_lock_minutes``, doubling with each
    lock in a row); a good PIN clears the count and moves an older hash to argon2id."""
    max_tries = max(db.settings.user_pin_max_tries, 1)
    with db.session() as s, s.begin():
        user = s.scalar(select(User).where(User.code == code))
        now = db.clock.now()

        def record(action: str, **detail: object) -> None:
            audit.append(s, at=now, actor=code[:32], action=action, subject=code[:64],
                         detail={**detail, "via": via})

        result: Staff | AuthError
        if user is None or not user.active:
            record("login_failed", why="unknown user")
            result = AuthError("bad_login", "Unknown user or wrong PIN")
        elif user.locked_until is not None and now < user.locked_until:
            record("login_failed", why="locked")
            result = _locked(user, now)
        elif not check_staff_pin(pin, user.pin_hash):
            user.failed_tries += 1
            record("login_failed", tries=user.failed_tries)
            result = AuthError("bad_login", "Unknown user or wrong PIN")
            if user.failed_tries >= max_tries:
                user.lock_count += 1
                user.locked_until = now + login_rules.lock_duration(
                    db.settings.user_lock_minutes, user.lock_count)
                user.failed_tries = 0
                record("user_locked", until=user.locked_until.isoformat(timespec="seconds"),
                       locks_in_a_row=user.lock_count)
                result = _locked(user, now)
        else:
            rehashed = needs_rehash(user.pin_hash)
            if rehashed:
                user.pin_hash = hash_staff_pin(pin)
            user.failed_tries, user.lock_count, user.locked_until = 0, 0, None
            record("login", **({"rehashed": "argon2id"} if rehashed else {}))
            result = Staff(user.code, user.name, user.role)
    if isinstance(result, AuthError):
        raise result
    return result


def _locked(user: User, now: dt.datetime) -> AuthError:
    until = user.locked_until
    if until is None or until >= login_rules.UNTIL_UNLOCKED:
        return AuthError("user_locked", f"User {user.code} is locked: ask a manager to unlock "
                         "them", user=user.code)
    minutes = login_rules.minutes_left(now, until)
    return AuthError("user_locked", f"User {user.code} is locked for {minutes} more minutes "
                     "(too many wrong PINs), or until a manager unlocks them", variant="timed",
                     user=user.code, minutes=minutes)


def _require_staff_pin(pin: str) -> None:
    if not login_rules.valid_staff_pin(pin):
        raise InvalidInput("bad_pin", f"A staff PIN has {login_rules.STAFF_PIN_MIN} to "
                           f"{login_rules.STAFF_PIN_MAX} digits", variant="staff",
                           min_digits=login_rules.STAFF_PIN_MIN,
                           max_digits=login_rules.STAFF_PIN_MAX)


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


def record_approval(ctx: Ctx, grant: Grant | None, *, kind: str, subject: str,
                    member_id: str | None = None) -> int:
    """Write the approval inside the action it allows; refuse the action without one, or with
    the approval of the user asking, or of the staff member whose account ``member_id`` (the
    member the action is for, when there is one) is."""
    if grant is None:
        raise AuthError("approval_required", f"This needs a manager's approval ({kind})",
                        kind=kind)
    if grant.approver == ctx.actor:
        raise AuthError("self_approval", f"{grant.approver} cannot approve their own request: "
                        "ask another manager", variant="own_request", user=grant.approver)
    if member_id is not None and member_id == _linked_member(ctx.session, grant.approver):
        raise AuthError("self_approval", f"{grant.approver} cannot approve this for their own "
                        "member account: ask another manager", variant="own_member",
                        user=grant.approver)
    row = Approval(kind=kind, subject=subject, requested_by=ctx.actor, approved_by=grant.approver,
                   reason=grant.reason, action_key=ctx.key, created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("approved", subject, kind=kind, approver=grant.approver, reason=grant.reason)
    ctx.approval = {"kind": kind, "approved_by": grant.approver, "reason": grant.reason}
    return row.id


def link_member(db: Database, code: str, member_ref: str, *, actor: str, grant: Grant | None,
                key: str | None = None) -> StaffLinked:
    """Link staff user ``code`` to the member account they buy as (内部会员): that member's
    sales get the staff price up to the monthly cap. Needs a manager's approval, not the
    user's own; one staff user per member account."""
    from storeapp.services import members  # members approves through this module

    def body(ctx: Ctx) -> StaffLinked:
        s = ctx.session
        user = s.scalar(select(User).where(User.code == code))
        if user is None:
            raise InvalidInput("unknown_user", f"No user {code}", user=code)
        member = members.load(db, s, member_ref)
        members.require_open(member)
        other = s.scalar(select(User.code).where(User.member_id == member.member_id,
                                                 User.code != code))
        if other is not None:
            raise Refused("member_is_staff", f"That member account is already staff user "
                          f"{other}'s", user=other)
        if grant is not None and grant.approver == code:
            raise AuthError("self_approval", f"{code} cannot approve this for their own member "
                            "account: ask another manager", variant="own_member", user=code)
        record_approval(ctx, grant, kind="staff_link", subject=code,
                        member_id=member.member_id)
        previous, user.member_id = user.member_id, member.member_id
        ctx.audit("staff_member_linked", code, member_id=member.member_id, previous=previous)
        return StaffLinked(code=code, member_id=member.member_id, previous_member_id=previous)

    return run_action(db, key=key_or_new(key), kind="staff_link", actor=actor,
                      request={"user": code, "member": member_ref}, body=body,
                      returns=StaffLinked)


def staff_of(s: Session, member_id: str) -> str | None:
    """The active staff user whose member account ``member_id`` is, if any."""
    return s.scalar(select(User.code).where(User.member_id == member_id,
                                            User.active.is_(True)).limit(1))


def staff_discount_used(s: Session, member_id: str, now: dt.datetime) -> int:
    """The staff discount the member's completed sales got in the store-local month of
    ``now`` (what the monthly cap has left is the cap less this)."""
    local = to_local(now)
    since, until = local_month_bounds(local.year, local.month)
    used = s.scalar(select(func.coalesce(func.sum(Sale.staff_discount_fen), 0)).where(
        Sale.member_id == member_id, Sale.created_at >= since, Sale.created_at < until,
        Sale.status == "completed", Sale.staff_code.is_not(None)))
    return int(used or 0)


@dataclass(frozen=True)
class StaffAllowance:
    """A staff member's staff price this store-local month, as the counter's member panel shows
    it: the staff user, the monthly cap, what the month's sales took of it and what is left."""

    code: str
    cap_fen: int
    used_fen: int
    left_fen: int


def staff_allowance(db: Database, member_id: str) -> StaffAllowance | None:
    """The staff price left this month for member ``member_id``, or None when no active staff
    user is linked to that member account (the same reads checkout prices a staff sale by)."""
    with db.reader() as s:
        code = staff_of(s, member_id)
        if code is None:
            return None
        used = staff_discount_used(s, member_id, db.clock.now())
    cap = db.settings.staff_monthly_discount_cap_fen
    return StaffAllowance(code=code, cap_fen=cap, used_fen=used, left_fen=max(0, cap - used))


def _linked_member(s: Session, code: str) -> str | None:
    return s.scalar(select(User.member_id).where(User.code == code))


def unlock_user(db: Database, code: str, grant: Grant, actor: str) -> None:
    """A manager lets a locked user try again at once (their next lock is the first again)."""
    with db.session() as s, s.begin():
        user = s.scalar(select(User).where(User.code == code))
        if user is None:
            raise InvalidInput("unknown_user", f"No user {code}", user=code)
        user.failed_tries, user.lock_count, user.locked_until = 0, 0, None
        audit.append(s, at=db.clock.now(), actor=actor, action="user_unlocked", subject=code,
                     detail={"approver": grant.approver, "reason": grant.reason})


def change_pin(db: Database, code: str, old_pin: str, new_pin: str) -> None:
    """A user changes their own PIN, proving the old one (a wrong one counts towards a lock)."""
    _require_staff_pin(new_pin)
    login(db, code, old_pin)
    with db.session() as s, s.begin():
        user = s.scalar(select(User).where(User.code == code))
        assert user is not None  # login found them
        user.pin_hash = hash_staff_pin(new_pin)
        audit.append(s, at=db.clock.now(), actor=code, action="user_pin_changed", subject=code,
                     detail={})


def has_users(db: Database) -> bool:
    with db.reader() as s:
        return s.scalar(select(User.id).limit(1)) is not None
