"""What a till's event may do to gift cards (不记名预付卡): pure checks, like
:mod:`sync.hq.verify`'s for stored value.

An event's ``gift`` lines are the net money it moved per gift card, with the card's balance at
the till after it. Only a gift-card sale, a sale and a refund may carry them. A sale of cards
makes new cards of its face value each, within the prepaid-card rules
(:mod:`storeapp.prepaid_rules`: the cap per card, the buyer's real name, a transfer for large
company batches); a sale takes from the gift card its ``giftcard`` tender names exactly that
tender's amount; a refund gives back exactly what its ``giftcard`` tender says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storeapp import prepaid_rules
from storeapp.errors import DomainError
from storeapp.profile_rules import MAX_CARD_NO
from sync.hq.verify import Implausible, Problem, an_id, fail, whole

GIFT_EVENTS = frozenset({"giftcards_sold", "sale_completed", "sale_refunded"})


@dataclass(frozen=True, slots=True)
class GiftLine:
    card_no: str
    amount_fen: int


def parse_gift(raw: Any) -> list[GiftLine]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("gift is not a list")
    lines = [GiftLine(an_id(item["card_no"], MAX_CARD_NO), whole(item["amount_fen"]))
             for item in raw]
    if len({x.card_no for x in lines}) != len(lines):
        raise ValueError("a gift card appears twice in one event")
    return lines


def check(event_type: str, body: Mapping[str, Any], sold: frozenset[str]) -> Problem | None:
    """None when an honest till could have sent the event's gift-card part, else why not
    (``sold``: the cards among those it names that head office already knows as sold)."""
    try:
        _check(event_type, body, parse_gift(body.get("gift")), sold)
    except Implausible as bad:
        return bad.problem
    except (KeyError, TypeError, ValueError, ArithmeticError, IndexError) as exc:
        return Problem("malformed", f"the event's gift cards cannot be read: {exc!r}")
    return None


def _check(event_type: str, body: Mapping[str, Any], lines: list[GiftLine],
           sold: frozenset[str]) -> None:
    if lines and event_type not in GIFT_EVENTS:
        fail("moves_gift", f"a {event_type} event may not move gift-card money",
             cards=[x.card_no for x in lines])
    if event_type == "giftcards_sold":
        _sold(body, lines, sold)
    elif event_type == "sale_completed":
        _tender(body, lines, sign=-1)
    elif event_type == "sale_refunded":
        _tender(body, lines, sign=1)


def _sold(body: Mapping[str, Any], lines: list[GiftLine], sold: frozenset[str]) -> None:
    face, cards = whole(body["face_fen"]), body["cards"]
    try:  # the buyer and the account come sealed (storeapp.sealed_records): present is enough
        prepaid_rules.check_gift_sale(
            face_fen=face, cards=len(cards), method=str(body.get("method")),
            company=bool(body.get("company")), buyer_name=body.get("buyer_name"),
            payer_account=body.get("payer_account"))
    except DomainError as broken:
        fail("giftcard_breaks_rule", f"the gift-card sale breaks the prepaid-card rules: "
             f"{broken.message}", rule=broken.code, face_fen=face, cards=len(cards))
    named = sorted(an_id(c["card_no"], MAX_CARD_NO) for c in cards)
    if sorted(x.card_no for x in lines) != named or any(x.amount_fen != face for x in lines) \
            or whole(body["total_fen"]) != face * len(cards):
        fail("gift_differs", "the cards made are not the cards sold at their face value",
             face_fen=face, cards=len(cards))
    again = sorted(set(named) & sold)
    if again:
        fail("giftcard_repeated", f"gift card {again[0]} was sold before", card_no=again[0])


def _tender(body: Mapping[str, Any], lines: list[GiftLine], *, sign: int) -> None:
    tenders = [t for t in body.get("tenders") or () if t.get("method") == "giftcard"]
    named = {str(t.get("ref")): sign * whole(t["amount_fen"]) for t in tenders}
    moved = {x.card_no: x.amount_fen for x in lines}
    if named != moved:
        fail("gift_differs", "the gift-card money moved is not what the gift-card tender says",
             tenders=named, moved=moved)
