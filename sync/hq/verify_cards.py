"""What a till's event may do to count cards (次卡): pure checks, like :mod:`sync.hq.verify`'s for
stored value, by the same rule the till posts with (:mod:`storeapp.count_rules`).

An event's ``count`` lines are the net uses and value it moved per card, with the card's uses
and value at the till after it. Only count-card events may carry them. A sale makes one new card
whose uses and value are what the product gives for what was paid (a chain product's price and
uses when head office defines it); a use only takes uses from the member's own live cards; a
refund (with a manager's approval) takes all that is left for its value, given back the way it
was paid (a use at another store that had not heard of it yet is honest: it is applied and the
card's uses go below zero, an overuse); an adjustment carries an approval; an expiry only takes
uses from cards past their date. Every line's value is the change of ``value_of`` at the card's
price, and the value it says is left is ``value_of`` of the uses it says are left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storeapp import count_rules
from storeapp.profile_rules import MAX_CARD_NO
from sync.hq.verify import (
    Facts,
    Implausible,
    Line,
    Problem,
    amounts,
    an_id,
    check_split,
    event_at,
    fail,
    only_line,
    parse_lines,
    require_approval,
    whole,
)

COUNT_EVENTS = frozenset({"countcard_sold", "countcard_used", "countcard_refunded",
                          "countcard_adjusted", "countcards_expired"})


@dataclass(frozen=True)
class Card:
    """What head office holds of a count card, as the checks need it."""

    member_id: str
    uses_total: int
    paid_fen: int
    bonus_fen: int
    status: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CountLine:
    card_no: str
    member_id: str
    uses: int
    value_fen: int
    #: the card's uses and value at the till once the action was done
    after: tuple[int, int] | None


def parse_count(raw: Any) -> list[CountLine]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("count is not a list")
    lines = []
    for item in raw:
        after = item.get("after")
        lines.append(CountLine(
            card_no=an_id(item["card_no"], MAX_CARD_NO), member_id=an_id(item["member_id"]),
            uses=whole(item["uses"]), value_fen=whole(item["value_fen"]),
            after=None if after is None else (whole(after[0]), whole(after[1]))))
    if len({x.card_no for x in lines}) != len(lines):
        raise ValueError("a card appears twice in one event")
    return lines


def check(event_type: str, body: Mapping[str, Any], facts: Facts,
          cards: Mapping[str, Card]) -> Problem | None:
    """None when an honest till could have sent the event's count-card part, else why not
    (``cards``: head office's cards the event names)."""
    try:
        _check(event_type, body, parse_lines(body.get("ledger")), facts, cards)
    except Implausible as bad:
        return bad.problem
    except (KeyError, TypeError, ValueError, ArithmeticError, IndexError) as exc:
        return Problem("malformed", f"the event's count cards cannot be read: {exc!r}")
    return None


def _check(event_type: str, body: Mapping[str, Any], lines: list[Line], facts: Facts,
           cards: Mapping[str, Card]) -> None:
    counts = parse_count(body.get("count"))
    if counts and event_type not in COUNT_EVENTS:
        fail("moves_uses", f"a {event_type} event may not move count-card uses",
              cards=[c.card_no for c in counts])
    checker = _CHECKS.get(event_type)
    if checker is not None:
        checker(body, lines, counts, facts, cards)


def _sold(body: Mapping[str, Any], lines: list[Line], counts: list[CountLine], facts: Facts,
          cards: Mapping[str, Card]) -> None:
    card_no = an_id(body["card_no"], MAX_CARD_NO)
    uses, paid = whole(body["uses"]), whole(body["paid_fen"])
    if card_no in cards:
        fail("count_card_repeated", f"count card {card_no} was sold before", card_no=card_no)
    if len(counts) != 1 or counts[0].card_no != card_no or \
            counts[0].member_id != body.get("member_id"):
        fail("count_differs", "a count-card sale must make exactly the card it names",
              card_no=card_no)
    line = counts[0]
    if not 0 < uses <= count_rules.MAX_USES or paid <= 0 or (line.uses, line.value_fen) != (
            uses, paid):
        fail("count_differs", "the card's uses and value are not what was sold",
              uses=uses, paid_fen=paid, count={"uses": line.uses, "value_fen": line.value_fen})
    if facts.rules is not None:
        chain = facts.rules.card_products.get(str(body.get("product")))
        if chain is not None and (int(chain["price_fen"]), int(chain["uses"])) != (paid, uses):
            fail("card_product_breaks_rule", f"count card {body.get('product')} sold as "
                  f"{uses} uses for {paid} fen; the chain sells {chain['uses']} for "
                  f"{chain['price_fen']}", uses=uses, paid_fen=paid,
                  chain_uses=int(chain["uses"]), chain_price_fen=int(chain["price_fen"]))
    bonus = whole(body.get("bonus_fen", 0))
    if body.get("method") != "wallet":
        if lines or bonus:
            fail("ledger_differs", "a count card not paid from stored value moved it")
        return
    wallet = only_line(body, lines)
    taken_p, taken_b = -wallet.principal_fen, -wallet.bonus_fen
    if wallet.points or taken_p < 0 or taken_b != bonus or taken_p + taken_b != paid:
        fail("ledger_differs", "the stored value taken is not the card's price",
              paid_fen=paid, ledger=amounts(wallet))
    if wallet.after is not None:
        check_split(paid, taken_p, taken_b, wallet.after)


def _used(body: Mapping[str, Any], lines: list[Line], counts: list[CountLine], facts: Facts,
          cards: Mapping[str, Card]) -> None:
    if not counts or any(c.uses >= 0 for c in counts):
        fail("count_differs", "a use must take uses from cards")
    if -sum(c.uses for c in counts) != whole(body["uses"]):
        fail("count_differs", "the uses taken are not the uses it says", uses=body["uses"])
    at = event_at(body)
    for line in counts:
        # A card refunded at another store meanwhile is no reason: that till could not know;
        # the uses then go below zero and are listed as an overuse.
        card = _card(cards, line, body)
        if at > card.expires_at:
            fail("count_card_expired", f"count card {line.card_no} was used after it expired",
                  card_no=line.card_no, expires_at=card.expires_at.isoformat())
        _check_value(line, card)


def _refunded(body: Mapping[str, Any], lines: list[Line], counts: list[CountLine],
              facts: Facts, cards: Mapping[str, Card]) -> None:
    require_approval(body)
    if len(counts) != 1 or counts[0].card_no != body.get("card_no"):
        fail("count_differs", "a refund must take the uses of the card it names")
    line = counts[0]
    card = _card(cards, line, body)
    left = -line.uses
    if left <= 0 or left != whole(body["uses"]) or (line.after is not None and line.after[0]):
        fail("count_differs", "a refund takes every use left on the card", uses=body["uses"])
    _check_value(line, card)
    value, bonus = count_rules.refund_split(card.paid_fen, card.bonus_fen, card.uses_total, left)
    if -line.value_fen != value:
        fail("refund_differs", f"the card's {left} unused uses are worth {value} fen, not "
              f"{-line.value_fen}", value_fen=value)
    if body.get("method") == "wallet":
        wallet = only_line(body, lines)
        if (wallet.principal_fen, wallet.bonus_fen, wallet.points) != (value - bonus, bonus, 0):
            fail("refund_differs", "the stored value given back is not the card's unused "
                  "value as it was paid", value_fen=value, bonus_fen=bonus,
                  ledger=amounts(wallet))
    elif lines or whole(body["refund_fen"]) != value - bonus:
        fail("refund_differs", f"a refund paid out {body['refund_fen']} fen; the card's unused "
              f"value less its bonus part is {value - bonus}", value_fen=value - bonus)


def _adjusted(body: Mapping[str, Any], lines: list[Line], counts: list[CountLine],
              facts: Facts, cards: Mapping[str, Card]) -> None:
    require_approval(body)
    if len(counts) != 1 or counts[0].card_no != body.get("card_no") or \
            counts[0].uses != whole(body["uses"]):
        fail("count_differs", "an adjustment moves the uses of the card it names, as it says")
    _check_value(counts[0], _card(cards, counts[0], body))


def _expired(body: Mapping[str, Any], lines: list[Line], counts: list[CountLine],
             facts: Facts, cards: Mapping[str, Card]) -> None:
    at = event_at(body)
    for line in counts:
        card = cards.get(line.card_no)
        if card is None:
            fail("unknown_count_card", f"count card {line.card_no} was never sold",
                  card_no=line.card_no)
            raise AssertionError  # unreachable: fail raises
        if line.uses >= 0 or card.expires_at > at or (line.after is not None and line.after[0]):
            fail("expiry_differs", f"count card {line.card_no} expired before its date or "
                  "not whole", card_no=line.card_no, expires_at=card.expires_at.isoformat())
        _check_value(line, card)
    if -sum(c.uses for c in counts) != whole(body["uses"]):
        fail("count_differs", "the uses expired are not the uses it says", uses=body["uses"])


def _card(cards: Mapping[str, Card], line: CountLine, body: Mapping[str, Any]) -> Card:
    card = cards.get(line.card_no)
    if card is None:
        fail("unknown_count_card", f"count card {line.card_no} was never sold",
              card_no=line.card_no)
        raise AssertionError  # unreachable: fail raises
    if card.member_id != line.member_id or body.get("member_id") not in (None, card.member_id):
        fail("count_other_member", f"count card {line.card_no} is another member's",
              card_no=line.card_no)
    return card


def _check_value(line: CountLine, card: Card) -> None:
    """The line's value is the change of the card's value for its uses, from the uses the till
    says were left before."""
    if line.after is None:
        return
    left_after, value_after = line.after
    expected = count_rules.value_change(card.paid_fen, card.uses_total, left_after - line.uses,
                                        line.uses)
    if line.value_fen != expected or value_after != count_rules.value_of(
            card.paid_fen, card.uses_total, left_after):
        fail("count_value_differs", f"count card {line.card_no}: {line.uses} uses moved "
              f"{line.value_fen} fen; at its price they are worth {expected}",
              card_no=line.card_no, value_fen=line.value_fen, expected_fen=expected)


CountCheck = Callable[[Mapping[str, Any], list[Line], list[CountLine], Facts,
                       Mapping[str, Card]], None]
_CHECKS: dict[str, CountCheck] = {
    "countcard_sold": _sold, "countcard_used": _used, "countcard_refunded": _refunded,
    "countcard_adjusted": _adjusted, "countcards_expired": _expired,
}


def cards_named(body: Mapping[str, Any]) -> Sequence[str]:
    """The count cards an event names (its lines, and a sale's new card)."""
    found = [str(item.get("card_no")) for item in body.get("count") or ()
             if isinstance(item, Mapping)]
    if body.get("card_no"):
        found.append(str(body["card_no"]))
    return found
