"""The one place where money is parsed from and formatted for people.

Everywhere else money is an ``int`` number of fen with ``_fen`` in its name; ``Decimal`` exists only
here, on the way in and on the way out, and ``float`` never touches money.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from storeapp.errors import InvalidInput
from storeapp.typed import plain

FEN_PER_YUAN = 100
#: No single amount typed at a counter is larger than this (¥1,000,000); larger is a typo.
MAX_AMOUNT_FEN = 100_000_000


def parse_yuan(text: str | int, *, allow_zero: bool = False,
               max_fen: int = MAX_AMOUNT_FEN) -> int:
    """Parse an amount in yuan ("500", "12.50", "¥1,000", "５００") into fen.

    An amount is what a person reads as one: digits (any script's, full-width included), at
    most two decimals, thousands grouped by commas of three ("1,000", never "10,50"); no
    exponent, underscore or sign. Refuses negative, zero (unless allowed), absurdly large and
    non-numeric amounts with a message a cashier can read. ``max_fen`` raises the limit for
    amounts that are not typed at a counter (head office's deposit-account balances).
    """
    raw = plain(str(text)).strip().removeprefix("¥").strip()
    if raw.startswith("-") and _AMOUNT.fullmatch(raw[1:]):
        raise InvalidInput("bad_amount", f"Amount must not be negative: {text}",
                           variant="negative", text=str(text))
    if not _AMOUNT.fullmatch(raw):
        if _DECIMALS.fullmatch(raw.replace(",", "")):
            raise InvalidInput("bad_amount", f"'{text}' has more than two decimal places (fen)",
                               variant="decimals", text=str(text))
        raise InvalidInput("bad_amount", f"'{text}' is not an amount of money (write it like "
                           "500, 12.50 or 1,000)", variant="not_money", text=str(text))
    value = Decimal(raw.replace(",", ""))
    if value > Decimal(max_fen) / FEN_PER_YUAN:
        limit = format_fen(max_fen)
        raise InvalidInput("bad_amount", f"Amount {text} is larger than {limit}",
                           variant="too_large", text=str(text), max_fen=max_fen)
    fen = int(value * FEN_PER_YUAN)
    if fen == 0 and not allow_zero:
        raise InvalidInput("bad_amount", "Amount must be more than ¥0.00", variant="zero")
    return fen


#: Digits, grouped by commas of three or not at all, then at most two decimals.
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")
_DECIMALS = re.compile(r"[0-9]+\.[0-9]{3,}")


def format_fen(amount_fen: int, *, symbol: bool = True) -> str:
    """Format fen as yuan for people: ``123456 -> "¥1,234.56"``, ``-50 -> "-¥0.50"``."""
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), FEN_PER_YUAN)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{fen:02d}"


def percent_of(amount_fen: int, percent: Decimal | int | str) -> int:
    """``percent`` % of an amount, rounded half up to the fen (used for discounts)."""
    exact = Decimal(amount_fen) * Decimal(str(percent)) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_in_proportion(amount_fen: int, principal_fen: int, bonus_fen: int) -> tuple[int, int]:
    """Split a spend over principal and bonus in proportion to their balances.

    The principal part is rounded down so the remainder of rounding goes to bonus, which keeps the
    refundable principal exact. Requires ``0 <= amount_fen <= principal_fen + bonus_fen``.
    """
    balance_fen = principal_fen + bonus_fen
    if not 0 <= amount_fen <= balance_fen:
        raise ValueError("amount outside balance")
    if balance_fen == 0:
        return 0, 0
    principal_part = amount_fen * principal_fen // balance_fen
    return principal_part, amount_fen - principal_part
