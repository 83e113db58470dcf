"""Count cards (次卡) as pure arithmetic: what a card's unused uses are worth, and which cards a
use takes from. The till posts by these (:mod:`storeapp.services.countcards`) and head office
checks a till's events by them (:mod:`sync.hq.verify`), so neither writes them again.

A card bought for ``paid`` fen with ``total`` uses owes the member ``value_of(paid, total,
left)`` while ``left`` uses remain: the paid price × unused / total, rounded down to the fen.
Every movement of uses changes the value by the difference of that function before and after,
so a card's journal always adds up to exactly its value now (never drifting a fen per use), a
card used to the last is worth 0 and a new one exactly what was paid. Refunds and payouts use
the same function, so "unused value = price paid × unused / total" holds within a fen
everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from storeapp.errors import InvalidInput

MAX_USES = 1000
MAX_MONTHS = 120


def value_of(paid_fen: int, total: int, left: int) -> int:
    """What ``left`` unused uses of a card bought for ``paid_fen`` with ``total`` uses are worth
    (rounded down to the fen). Uses below 0 (overused across stores) are worth 0, above the
    card's total (an adjustment) no more than was paid."""
    if total <= 0:
        return 0
    return paid_fen * min(max(left, 0), total) // total


def value_change(paid_fen: int, total: int, left: int, uses: int) -> int:
    """The change of the card's value when ``uses`` (negative: taken) move from ``left``."""
    return value_of(paid_fen, total, left + uses) - value_of(paid_fen, total, left)


def refund_split(paid_fen: int, bonus_fen: int, total: int, left: int) -> tuple[int, int]:
    """A refund of the ``left`` unused uses: (paid back, of which back to stored-value bonus).

    The bonus part is the unused share of the stored-value bonus the card was paid with (it
    goes back to bonus, never out as money), by the same rounding as the value."""
    value = value_of(paid_fen, total, left)
    bonus = min(value_of(bonus_fen, total, left), value)
    return value, bonus


@dataclass(frozen=True)
class Lot:
    """What choosing cards needs to know of one card."""

    card_no: str
    uses_left: int
    expires_at: dt.datetime


@dataclass(frozen=True)
class Take:
    card_no: str
    uses: int  # how many uses come off this card (> 0)


def take_oldest_first(lots: Sequence[Lot], wanted: int, *, first: str | None = None) -> list[Take]:
    """Which cards give ``wanted`` uses: ``first`` (a scanned card) before the others, then the
    soonest to expire (oldest first). Fewer than asked only when the cards hold fewer."""
    order = sorted(lots, key=lambda lot: (lot.card_no != first, lot.expires_at, lot.card_no))
    takes: list[Take] = []
    for lot in order:
        if wanted <= 0:
            break
        part = min(lot.uses_left, wanted)
        if part > 0:
            takes.append(Take(lot.card_no, part))
            wanted -= part
    return takes


def check_product(*, uses: int, price_fen: int, valid_months: int) -> None:
    """A count card on sale gives 1-1000 uses for a price, valid 1-120 months."""
    if not 1 <= uses <= MAX_USES:
        raise InvalidInput("bad_card_product", f"A count card gives 1 to {MAX_USES} uses",
                           variant="uses", max_uses=MAX_USES)
    if price_fen <= 0:
        raise InvalidInput("bad_card_product", "A count card needs a price above ¥0.00",
                           variant="price")
    if not 1 <= valid_months <= MAX_MONTHS:
        raise InvalidInput("bad_card_product", f"A count card is valid 1 to {MAX_MONTHS} months",
                           variant="months", max_months=MAX_MONTHS)


def usable_at(stores: str, store_code: str) -> bool:
    """Whether a card whose product names ``stores`` (comma-separated; empty: all) may be used
    at ``store_code``."""
    listed = [code.strip() for code in stores.split(",") if code.strip()]
    return not listed or store_code in listed
