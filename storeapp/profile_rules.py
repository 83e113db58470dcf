"""What a member's profile may hold, as pure rules: the till's forms apply them to what a
cashier types, and head office to what a till sends (:mod:`sync.hq.verify`), so a value no
till could have written is held there rather than stored."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from storeapp.errors import InvalidInput

MAX_NAME = 32
GENDERS = ("F", "M", "X")
#: a card number as :func:`storeapp.identity.make_card_no` makes it, at most (the column's size)
MAX_CARD_NO = 20
EARLIEST_BIRTHDAY = dt.date(1900, 1, 1)


def clean_name(name: str) -> str:
    """One spelling per name (NFC: "Zoé" typed with a combining accent is "Zoé"), one space."""
    name = re.sub(r"\s+", " ", unicodedata.normalize("NFC", name or "").strip())
    if not name:
        raise InvalidInput("bad_name", "A member needs a name", variant="missing")
    if len(name) > MAX_NAME:
        raise InvalidInput("bad_name", f"Name is too long (at most {MAX_NAME} characters)",
                           variant="too_long", max_chars=MAX_NAME)
    if not name.isprintable():
        raise InvalidInput("bad_name", "Name contains control characters", variant="control")
    return name


def parse_birthday(value: str | dt.date | None, *, today: dt.date | None = None
                   ) -> dt.date | None:
    """A birthday typed as YYYY-MM-DD, between 1900 and ``today`` (the till's date)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidInput("bad_birthday", f"Birthday '{value}' is not YYYY-MM-DD",
                               text=value) from None
    if not EARLIEST_BIRTHDAY <= day <= (today or dt.date.today()):
        raise InvalidInput("bad_birthday", f"Birthday {day} is not plausible",
                           variant="implausible", day=day.isoformat())
    return day


def check_gender(gender: str | None) -> str | None:
    if gender is not None and gender not in GENDERS:
        allowed = ", ".join(GENDERS)
        raise InvalidInput("bad_gender", f"Gender must be one of {allowed}", allowed=allowed)
    return gender
