"""Staff login rules: what a staff PIN looks like and how long a lock lasts (pure functions).

Six digits at least: with the database file copied, a 4-digit PIN is 10,000 guesses, minutes of
work even behind a slow hash; six digits behind argon2id are a million, days of one CPU. At the
till itself the lock does the work: a few wrong tries lock the user for a while, each lock in a
row twice as long as the one before, so guessing at the keyboard gets nowhere either.
"""

from __future__ import annotations

import datetime as dt
import re

STAFF_PIN_MIN, STAFF_PIN_MAX = 6, 12
_STAFF_PIN = re.compile(rf"\d{{{STAFF_PIN_MIN},{STAFF_PIN_MAX}}}")
#: the longest a lock lasts, however many in a row (a manager can always unlock sooner)
MAX_LOCK = dt.timedelta(days=1)
#: a lock from before locks had an end (or set by hand): lasts until a manager unlocks
UNTIL_UNLOCKED = dt.datetime(9999, 12, 31)


def valid_staff_pin(pin: str) -> bool:
    """A new or changed staff PIN: 6 to 12 digits (ASCII)."""
    return pin.isascii() and _STAFF_PIN.fullmatch(pin) is not None


def lock_duration(first_minutes: int, locks_in_a_row: int) -> dt.timedelta:
    """How long the ``locks_in_a_row``-th lock in a row lasts: ``first_minutes``, then twice as
    long each time, at most :data:`MAX_LOCK`."""
    doublings = min(max(locks_in_a_row, 1) - 1, 16)  # 2**16 first locks outlast any cap
    return min(dt.timedelta(minutes=max(first_minutes, 1) * 2**doublings), MAX_LOCK)


def minutes_left(now: dt.datetime, until: dt.datetime) -> int:
    """Whole minutes until ``until``, rounded up (a lock ending in 10 s is 1 minute)."""
    seconds = (until - now).total_seconds()
    return max(1, -int(-seconds // 60))
