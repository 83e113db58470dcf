"""Slow hashes for PINs: argon2id for staff PINs, scrypt (standard library) for members' payment
PINs.

A staff PIN opens the till's money and manager actions, and a copied database file lets a
guessing program try PINs offline with no lockout; a memory-hard hash makes each guess cost
memory as well as time, so graphics cards gain little. Staff PINs hashed before argon2id (scrypt)
still verify, and :func:`needs_rehash` says when a login should store a new hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# Members' payment PINs: ~30 ms per check on a till, cheap for one member, expensive for a
# guessing program (a member's PIN also locks after a few wrong tries).
_N, _R, _P = 2**14, 8, 1

#: Staff PINs: argon2id with OWASP's recommended 19 MiB, 2 passes, one lane: ~30 ms per check
#: on this 2-core machine (32 MiB measured 80 ms: past the CPU's cache, every approval at the
#: counter and every test waited for it), and every offline guess still needs 19 MiB. A PIN of
#: 6 digits is kept by the lockout, not by the hash alone: 5 wrong tries lock the user.
STAFF_MEMORY_KIB, STAFF_TIME_COST, STAFF_PARALLELISM = 19 * 1024, 2, 1
_STAFF = PasswordHasher(time_cost=STAFF_TIME_COST, memory_cost=STAFF_MEMORY_KIB,
                        parallelism=STAFF_PARALLELISM, hash_len=32, salt_len=16, type=Type.ID)


def hash_staff_pin(pin: str) -> str:
    """A new staff PIN's hash (``$argon2id$…``, parameters and salt included)."""
    return _STAFF.hash(pin)


def check_staff_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the staff PIN ``stored`` hashes: argon2id, or scrypt from before."""
    if stored.startswith("$argon2"):
        try:
            return _STAFF.verify(stored, pin)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    return check_pin(pin, stored)


def needs_rehash(stored: str) -> bool:
    """A staff hash to replace at the next successful login: scrypt, or argon2id with other
    parameters than today's."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        return _STAFF.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def hash_pin(pin: str) -> str:
    """A member's payment PIN's hash (scrypt)."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    salt_b64, digest_b64 = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"scrypt${_N}${_R}${_P}${salt_b64}${digest_b64}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        pin.encode(), salt=base64.b64decode(salt_b64), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))
