"""Head-office users: who may read the pages, their passwords (salted scrypt in ``hq_users``), and
signing in over HTTP Basic, with repeated failures slowed down (:mod:`sync.hq.shield`)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp.pins import check_pin, hash_pin
from sync.hq import models as m
from sync.hq import shield
from sync.hq.db import HqDatabase, utcnow
from sync.hq.errors import HqRefusal, log_refusal

Clock = Callable[[], dt.datetime]

MIN_PASSWORD = 8


ROLES = ("manager", "analyst")


def add_user(hq: HqDatabase, name: str, password: str,
             now: dt.datetime | None = None, role: str = "manager") -> dict[str, str]:
    """A new head-office user who may read the pages; refuses a taken name, a short password or
    an unknown role. A ``manager`` may see members' full phones (each view audited) and launch
    campaigns; an ``analyst`` reads, phones masked."""
    name = _check_credentials(name, password)
    if role not in ROLES:
        raise HqRefusal(422, "bad_role", f"a head-office role is one of {', '.join(ROLES)}")
    now = now or utcnow()
    with hq.transaction() as s:
        if s.get(m.User, name) is not None:
            raise HqRefusal(409, "user_exists", f"head-office user {name} already exists")
        s.add(m.User(name=name, password_hash=hash_pin(password), created_at=now, role=role))
    return {"name": name, "role": role, "created_at": now.isoformat()}


def role_of(s: Session, name: str) -> str:
    """A signed-in user's role (``analyst``, the lesser, should the row be gone)."""
    role = s.scalar(select(m.User.role).where(m.User.name == name))
    return role if role in ROLES else "analyst"


def set_password(hq: HqDatabase, name: str, password: str) -> dict[str, str]:
    """A new password for an existing head-office user (the old one stops working)."""
    name = _check_credentials(name, password)
    with hq.transaction() as s:
        user = s.get(m.User, name)
        if user is None:
            raise HqRefusal(404, "unknown_user", f"no head-office user {name}")
        user.password_hash = hash_pin(password)
    return {"name": name}


def check_user(hq: HqDatabase, name: str, password: str) -> bool:
    """Whether ``password`` is ``name``'s; as slow for an unknown name as for a known one."""
    with hq.transaction() as s:
        stored = s.scalar(select(m.User.password_hash).where(m.User.name == name[:32]))
    return check_pin(password, stored or _decoy_hash()) and stored is not None


def sign_in(hq: HqDatabase, authorization: str, client_host: str,
            clock: Clock) -> str | int | None:
    """The user an ``Authorization`` header signs in; None without (valid) credentials; the
    seconds to wait when this address or this user failed too often (a password is not even
    checked then)."""
    given = _basic_credentials(authorization)
    if given is None:
        return None
    name, password = given
    keys = [f"ip:{client_host}", f"user:{name[:32]}"]
    wait = shield.blocked(hq, keys, clock())
    if wait is not None:
        return wait
    if check_user(hq, name, password):
        return name
    shield.failed(hq, keys, clock())
    log_refusal(hq, None, HqRefusal(401, "bad_login", "wrong user or password"),
                clock(), f"page login as {name[:32]!r} refused")
    return None


def _check_credentials(name: str, password: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= 32 or ":" in name or not name.isprintable() or " " in name:
        raise HqRefusal(422, "bad_user_name",
                        "a user name has 1 to 32 characters, no spaces and no colon")
    if len(password) < MIN_PASSWORD or len(password) > 256:
        raise HqRefusal(422, "weak_password",
                        f"a password needs at least {MIN_PASSWORD} characters")
    return name


@functools.cache
def _decoy_hash() -> str:
    return hash_pin("decoy password, never matched")


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or len(value) > 1024:
        return None
    try:
        name, colon, password = base64.b64decode(value.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (name, password) if colon and name else None
