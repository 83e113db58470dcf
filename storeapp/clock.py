"""Time for the services: naive UTC for storage, the store's own calendar for "today"."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

STORE_TZ = ZoneInfo("Asia/Shanghai")


class Clock:
    """The real clock. Services ask it rather than calling ``datetime.now`` themselves."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def local_date(self, at: dt.datetime | None = None) -> dt.date:
        return to_local(at or self.now()).date()


class FixedClock(Clock):
    """A clock that only moves when told to (tests, demo history)."""

    def __init__(self, start: dt.datetime) -> None:
        self._now = start

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when

    def advance(self, **delta: float) -> None:
        self._now += dt.timedelta(**delta)


@functools.lru_cache(maxsize=1024)
def to_local(at_utc: dt.datetime) -> dt.datetime:
    """The store's wall-clock time at ``at_utc`` (naive UTC). Cached: head office asks it of
    the same event's moment three or four times over (its day for the ledger, the visit, the
    rules), and a time-zone conversion costs some twenty times a cache hit."""
    return at_utc.replace(tzinfo=dt.UTC).astimezone(STORE_TZ).replace(tzinfo=None)


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """UTC start (inclusive) and end (exclusive) of a store-local calendar day."""
    start = dt.datetime.combine(day, dt.time(), STORE_TZ).astimezone(dt.UTC).replace(tzinfo=None)
    return start, start + dt.timedelta(days=1)


def local_month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """UTC start (inclusive) and end (exclusive) of a store-local calendar month."""
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return local_day_bounds(first)[0], local_day_bounds(following)[0]


def add_months(at: dt.datetime, months: int) -> dt.datetime:
    """Same day-of-month ``months`` later, clamped to the month's last day."""
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    for day in (at.day, 30, 29, 28):
        try:
            return at.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
