"""The CLI's commands for what a store sells besides stored value: count-card products
(``card-product``), count cards (``countcard``) and gift cards (``giftcard``)."""

from __future__ import annotations

import argparse
from typing import Any

from storeapp.commands import Sub, approval_args, db_of, grant_of
from storeapp.money import parse_yuan
from storeapp.services import countcards, giftcards, sales


def register(sub: Sub) -> None:
    _product_commands(sub.add_parser("card-product", help="count cards on sale (次卡)"))
    _countcard_commands(sub.add_parser("countcard", help="sell, use, refund count cards"))
    _giftcard_commands(sub.add_parser("giftcard", help="sell, spend, show gift cards"))


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


def _giftcard_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="giftcard commands", metavar="ACTION", required=True)
    s = sub.add_parser("sell", help="sell anonymous gift cards (at most ¥1,000 each)")
    s.add_argument("--face", required=True, help="yuan on each card")
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--method", default="cash", choices=giftcards.SELL_METHODS)
    s.add_argument("--company", action="store_true", help="bought by a company")
    s.add_argument("--buyer-name", help="the buyer's real name (from ¥10,000 at once)")
    s.add_argument("--payer-account", help="the bank account a transfer came from")
    s.add_argument("--key")
    s.set_defaults(handler=lambda a: giftcards.sell(
        db_of(a), face_fen=parse_yuan(a.face), cards=a.count, method=a.method, actor=a.actor,
        company=a.company, buyer_name=a.buyer_name, payer_account=a.payer_account, key=a.key))
    p_ = sub.add_parser("spend", help="a sale of AMOUNT paid by a gift card")
    p_.add_argument("card", help="the card's QR (or the number of a card this till knows)")
    p_.add_argument("amount", help="yuan")
    p_.add_argument("--member", help="the member buying, if any")
    p_.add_argument("--key")
    p_.set_defaults(handler=lambda a: sales.checkout(
        db_of(a), member_ref=a.member, lines=[sales.LineIn(unit_price_fen=parse_yuan(a.amount))],
        tenders=[sales.TenderIn("giftcard", None, ref=a.card)], actor=a.actor, key=a.key))
    w = sub.add_parser("show", help="a gift card's balance")
    w.add_argument("card")
    w.set_defaults(handler=lambda a: giftcards.show(db_of(a), a.card))
