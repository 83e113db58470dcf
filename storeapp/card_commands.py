"""The CLI's commands for what a store sells besides stored value: count-card products
(``card-product``) and count cards (``countcard``)."""

from __future__ import annotations

import argparse
from typing import Any

from storeapp.commands import Sub, approval_args, db_of, grant_of
from storeapp.money import parse_yuan
from storeapp.services import countcards


def register(sub: Sub) -> None:
    _product_commands(sub.add_parser("card-product", help="count cards on sale (次卡)"))
    _countcard_commands(sub.add_parser("countcard", help="sell, use, refund count cards"))


def _product_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="card-product commands", metavar="ACTION", required=True)
    d = sub.add_parser("add", help="declare (or change) a count card on sale")
    d.add_argument("code")
    d.add_argument("--name", required=True)
    d.add_argument("--covers", required=True, help="what one use is: a barcode or a service")
    d.add_argument("--uses", type=int, required=True)
    d.add_argument("--price", required=True, help="yuan")
    d.add_argument("--months", type=int, default=12, help="valid this many months from sale")
    d.add_argument("--stores", default="", help="store codes where usable (default: all)")
    d.add_argument("--offline-uses", type=int, default=2,
                   help="uses per card a till may give while head office is unreachable")
    d.add_argument("--inactive", action="store_true", help="no longer on sale")
    d.set_defaults(handler=_product_add)
    ls = sub.add_parser("list", help="count cards on sale")
    ls.add_argument("--all", action="store_true", help="with those no longer on sale")
    ls.set_defaults(handler=lambda a: {"products": countcards.products(
        db_of(a), include_inactive=a.all)})


def _product_add(a: argparse.Namespace) -> Any:
    return countcards.save_product(
        db_of(a), code=a.code, name=a.name, covers=a.covers, uses=a.uses,
        price_fen=parse_yuan(a.price), valid_months=a.months, stores=a.stores,
        offline_uses=a.offline_uses, active=not a.inactive, actor=a.actor)


def _countcard_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="countcard commands", metavar="ACTION", required=True)
    s = sub.add_parser("sell", help="sell a count card to a member")
    s.add_argument("member")
    s.add_argument("product")
    s.add_argument("--method", default="cash", choices=countcards.SELL_METHODS)
    s.add_argument("--pin", help="the member's payment PIN (paying from stored value)")
    s.add_argument("--key")
    s.set_defaults(handler=lambda a: countcards.sell(
        db_of(a), a.member, a.product, method=a.method, actor=a.actor, pin=a.pin, key=a.key))
    u = sub.add_parser("use", help="use a member's count card (scan the card or the member)")
    u.add_argument("ref", help="the card's QR or number, or the member")
    u.add_argument("--uses", type=int, default=1)
    u.add_argument("--product", help="which kind of card, when the member holds several")
    u.add_argument("--key")
    u.set_defaults(handler=lambda a: countcards.use(
        db_of(a), a.ref, uses=a.uses, product_code=a.product, actor=a.actor, key=a.key))
    r = sub.add_parser("refund", help="refund a card's unused uses (manager approval)")
    r.add_argument("card")
    r.add_argument("--method", choices=countcards.REFUND_METHODS,
                   help="default: back the way it was paid")
    approval_args(r, default_reason="count card refund at the customer's request")
    r.add_argument("--key")
    r.set_defaults(handler=lambda a: countcards.refund(
        db_of(a), a.card, actor=a.actor, grant=grant_of(a), method=a.method, key=a.key))
    j = sub.add_parser("adjust", help="correct a card's uses (manager approval)")
    j.add_argument("card")
    j.add_argument("uses", type=int)
    approval_args(j, default_reason="")
    j.add_argument("--key")
    j.set_defaults(handler=lambda a: countcards.adjust(
        db_of(a), a.card, a.uses, actor=a.actor, grant=grant_of(a), key=a.key))
    e = sub.add_parser("expire", help="post the expiry of cards past their date")
    e.set_defaults(handler=lambda a: countcards.expire_due(db_of(a), actor=a.actor))
    w = sub.add_parser("show", help="one card, or a member's cards")
    w.add_argument("ref", help="the card's QR or number, or the member")
    w.set_defaults(handler=_show)


def _show(a: argparse.Namespace) -> Any:
    if countcards.names_card(a.ref):
        return countcards.show(db_of(a), a.ref)
    return {"cards": countcards.cards(db_of(a), a.ref)}
