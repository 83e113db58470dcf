"""Anonymous prepaid gift cards (不记名预付卡): sold in batches up to ¥1,000 each, valid at least
three years, spent at any store as a sale's ``giftcard`` tender by scanning the card's QR.

A card's QR carries its number, face value and expiry month under the chain's signature, so a
till can take a card it has never seen; what was spent elsewhere it learns from head office,
which holds each spend like a stored-value spend (:mod:`storeapp.services.spend_gate`, kind
"gift"). A till that cannot reach head office lets a card pay at most
``giftcard_offline_max_fen`` there until it can; two stores overspending the same card offline is
listed at head office as an exception. The journal (``gift_entries``: sale, spend,
spend_refund) is append-only and adds up to each card's balance as this till knows it; its sum
over the cards sold here is the gift-card liability.

The sale follows the prepaid-card rules (:mod:`storeapp.prepaid_rules`): the cap per card, the
buyer's real name from ¥10,000, a company's batch of ¥5,000 or more (a person's of ¥50,000)
only by bank transfer with the payer's account recorded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storeapp import prepaid_rules, receipt_jobs, sealed_records, sync_state
from storeapp.actions import Ctx, journal_moved, key_or_new, run_action
from storeapp.clock import add_months, to_local
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.identity import (
    GIFT_QR_PREFIX,
    GiftQr,
    is_gift_card_no,
    make_gift_card_no,
    mask_name,
    sign_gift_qr,
    verify_gift_qr,
)
from storeapp.ids import ActionKey
from storeapp.models import GiftCard, GiftEntry, GiftSale
from storeapp.money import format_fen
from storeapp.results import ActionResult, Record
from storeapp.sequences import insert_row, next_value
from storeapp.services import shifts
from storeapp.services.spend_gate import Verdict

SELL_METHODS = ("cash", "card", "wechat", "alipay", "transfer")

_SPENT_OFFLINE = select(func.coalesce(func.sum(GiftEntry.amount_fen), 0)).where(
    GiftEntry.card_no == bindparam("card_no"), GiftEntry.kind == "spend",
    GiftEntry.created_at >= bindparam("since"))


@dataclass(frozen=True, eq=False)
class GiftCardView(Record):
    card_no: str
    face_fen: int
    #: as this till knows it (spends at other stores arrive through head office's holds)
    balance_fen: int
    status: str  # active|expired
    sold_at: str
    expires_at: str
    qr: str


@dataclass(frozen=True, eq=False)
class GiftCardsSold(ActionResult):
    at: str
    cards: list[GiftCardView]
    face_fen: int
    total_fen: int
    method: str
    company: bool
    buyer_name: str | None
    payer_account: str | None


def sell(db: Database, *, face_fen: int, cards: int = 1, method: str, actor: str,
         company: bool = False, buyer_name: str | None = None,
         payer_account: str | None = None, key: str | None = None) -> GiftCardsSold:
    """Sell ``cards`` gift cards of ``face_fen`` each, paid by ``method``."""
    if method not in SELL_METHODS:
        raise InvalidInput("bad_method", f"Payment method must be one of "
                           f"{', '.join(SELL_METHODS)}", allowed=", ".join(SELL_METHODS))
    buyer_name = (buyer_name or "").strip() or None
    payer_account = (payer_account or "").strip() or None
    if (buyer_name and len(buyer_name) > 64) or (payer_account and len(payer_account) > 64):
        raise InvalidInput("bad_buyer", "The buyer's name and account: at most 64 characters")
    if method == "transfer":  # recorded as typed; a top-up's transfer is checked alike
        prepaid_rules.payer_account(payer_account)
    prepaid_rules.check_gift_sale(face_fen=face_fen, cards=cards, method=method,
                                  company=company, buyer_name=buyer_name,
                                  payer_account=payer_account)

    def body(ctx: Ctx) -> GiftCardsSold:
        s, settings = ctx.session, ctx.db.settings
        months = max(settings.giftcard_valid_months, prepaid_rules.MIN_VALID_MONTHS)
        expires = _month_end(add_months(ctx.now, months))
        total = face_fen * cards
        shifts.record_payment(ctx, "giftcard", method, total)
        s.add(GiftSale(action_key=ctx.key, cards=cards, face_fen=face_fen, total_fen=total,
                       method=method, company=company, buyer_name=buyer_name,
                       payer_account=payer_account, cashier=ctx.actor, created_at=ctx.now))
        made: list[GiftCard] = []
        for _ in range(cards):
            card = GiftCard(
                card_no=make_gift_card_no(settings.store_code, int(settings.till_no),
                                          next_value(s, "gift_card")),
                face_fen=face_fen, balance_fen=0, status="active",
                store_code=settings.store_code, action_key=ctx.key, sold_at=ctx.now,
                expires_at=expires)
            s.add(card)
            made.append(card)
        s.flush()
        for card in made:
            post(s, card, key=ctx.key, at=ctx.now, kind="sale", amount_fen=face_fen, ref=None)
        views = [card_view(db, c, now=ctx.now) for c in made]
        ctx.audit("giftcards_sold", made[0].card_no, cards=cards, face_fen=face_fen,
                  method=method, buyer=bool(buyer_name), company=company)
        ctx.emit("giftcards_sold", cards=[{"card_no": c.card_no, "face_fen": face_fen}
                                          for c in made], face_fen=face_fen, total_fen=total,
                 method=method, company=company, expires_at=expires.isoformat(),
                 **sealed_records.event_fields(s, settings.hq_member_key, "gift_sales", ctx.key,
                                               buyer_name=buyer_name,
                                               payer_account=payer_account))
        # the answer is stored with the key (actions.result_json) without the buyer and the
        # payer: sell() reads them back from the sealed sale
        result = GiftCardsSold(at=ctx.now.isoformat(), cards=views, face_fen=face_fen,
                               total_fen=total, method=method, company=company,
                               buyer_name=None, payer_account=None)
        slip = receipt_jobs.result_part(result)  # the buyer masked: print jobs are stored
        if buyer_name:
            slip["buyer_name"] = mask_name(buyer_name)
        if payer_account:
            slip["payer_account"] = "****" + payer_account.replace(" ", "")[-4:]
        ctx.receipt("giftcard", {"sold": slip, "at": ctx.now.isoformat()},
                    ref=f"giftcard:{ctx.key}")
        return result

    action_key = key_or_new(key)
    sold = run_action(db, key=action_key, kind="giftcard_sell", actor=actor,
                      request={"face": face_fen, "cards": cards, "method": method,
                               "company": company, "buyer": buyer_name,
                               "payer": payer_account}, body=body, returns=GiftCardsSold)
    with db.reader() as s:
        sale = s.get(GiftSale, action_key)
        buyer, payer = (sale.buyer_name, sale.payer_account) if sale else (None, None)
    return dataclasses.replace(sold, buyer_name=buyer, payer_account=payer)


# -- spending (a sale's giftcard tender) ----------------------------------------------------------

def spend(ctx: Ctx, card_ref: str, amount_fen: int, *, ref: str | None = None,
          verdict: Verdict | None = None) -> str:
    """Take ``amount_fen`` from the gift card ``card_ref`` (its QR, or the number of a card this
    till knows) inside a sale (``ref``: its receipt); returns the card's number."""
    card = _card_for_spend(ctx, card_ref)
    if card.status != "active":
        raise Refused("giftcard_inactive", f"Gift card {card.card_no} is {card.status}",
                      card_no=card.card_no)
    if card.expires_at <= ctx.now:
        raise Refused("giftcard_expired", f"Gift card {card.card_no} expired on "
                      f"{to_local(card.expires_at):%Y-%m-%d}", card_no=card.card_no)
    if amount_fen > card.balance_fen:
        raise Refused("giftcard_insufficient", f"Gift card {card.card_no} holds "
                      f"{format_fen(card.balance_fen)}, less than {format_fen(amount_fen)}",
                      card_no=card.card_no, balance_fen=card.balance_fen,
                      amount_fen=amount_fen)
    if verdict == "offline":
        _check_offline_allowance(ctx, card, amount_fen)
    post(ctx.session, card, key=ctx.key, at=ctx.now, kind="spend", amount_fen=-amount_fen,
         ref=ref)
    return card.card_no


def give_back(ctx: Ctx, card_no: str, amount_fen: int, *, ref: str) -> None:
    """A refunded sale gives its gift-card payment back to the card."""
    card = ctx.session.get(GiftCard, card_no)
    if card is None:
        raise NotFound("unknown_giftcard", f"No gift card {card_no}", card_no=card_no)
    post(ctx.session, card, key=ctx.key, at=ctx.now, kind="spend_refund", amount_fen=amount_fen,
         ref=ref)


def card_no_of(db: Database, ref: str) -> str:
    """The gift card ``ref`` names (checked: a QR's signature, a number this till knows)."""
    text = (ref or "").strip().upper()
    if text.startswith(GIFT_QR_PREFIX):
        return verify_gift_qr(text, db.settings.qr_secrets).card_no
    if is_gift_card_no(text):
        return text
    raise InvalidInput("bad_qr", "This is not a gift card", variant="gift_card")


def _card_for_spend(ctx: Ctx, ref: str) -> GiftCard:
    """The card as this till knows it; a card sold elsewhere, first scanned here, is made from
    its signed QR (its face value: what it held when sold)."""
    text = (ref or "").strip().upper()
    s = ctx.session
    if not text.startswith(GIFT_QR_PREFIX):
        card = s.get(GiftCard, text) if is_gift_card_no(text) else None
        if card is None:
            raise NotFound("unknown_giftcard", f"No gift card {text} at this till: scan its QR",
                           card_no=text)
        return card
    scanned = verify_gift_qr(text, ctx.db.settings.qr_secrets)
    card = s.get(GiftCard, scanned.card_no)
    if card is None:
        card = GiftCard(card_no=scanned.card_no, face_fen=scanned.face_fen, balance_fen=0,
                        status="active", store_code=scanned.card_no[1:5],
                        action_key=ctx.key, sold_at=ctx.now, expires_at=_expiry(scanned))
        s.add(card)
        s.flush()
        post(s, card, key=ctx.key, at=ctx.now, kind="known", amount_fen=scanned.face_fen,
             ref="qr")
    return card


def _check_offline_allowance(ctx: Ctx, card: GiftCard, amount_fen: int) -> None:
    state = sync_state.read(ctx.session)
    settings = ctx.db.settings
    if state.last_contact_at is None or \
            ctx.now - state.last_contact_at > dt.timedelta(hours=settings.offline_max_hours):
        raise Refused("offline_too_long", "Head office has not been reached for too long: gift "
                      "cards cannot pay until it is", variant="gift_card",
                      max_hours=settings.offline_max_hours)
    since = state.offline_since or ctx.now
    spent = -int(ctx.session.connection().scalar(
        _SPENT_OFFLINE, {"card_no": card.card_no, "since": since}) or 0)
    most = settings.giftcard_offline_max_fen
    if spent + amount_fen > most:
        raise Refused("offline_limit_giftcard", f"Head office is unreachable: a gift card may pay "
                      f"at most {format_fen(most)} here until it answers; "
                      f"{format_fen(spent)} paid since", max_fen=most, spent_fen=spent)


# -- reading --------------------------------------------------------------------------------------

def show(db: Database, ref: str) -> GiftCardView:
    """A gift card's balance as this till knows it (its QR names a card sold elsewhere too)."""
    text = (ref or "").strip().upper()
    with db.reader() as s:
        card = s.get(GiftCard, card_no_of(db, text))
        if card is not None:
            return card_view(db, card)
    if not text.startswith(GIFT_QR_PREFIX):
        raise NotFound("unknown_giftcard", f"No gift card {text} at this till: scan its QR",
                       card_no=text)
    scanned = verify_gift_qr(text, db.settings.qr_secrets)
    expires = _expiry(scanned)
    return GiftCardView(card_no=scanned.card_no, face_fen=scanned.face_fen,
                        balance_fen=scanned.face_fen,
                        status="active" if expires > db.clock.now() else "expired",
                        sold_at="", expires_at=expires.isoformat(), qr=text)


def card_view(db: Database, card: GiftCard, *, now: dt.datetime | None = None) -> GiftCardView:
    now = db.clock.now() if now is None else now
    status = "expired" if card.status == "active" and card.expires_at <= now else card.status
    return GiftCardView(
        card_no=card.card_no, face_fen=card.face_fen, balance_fen=card.balance_fen,
        status=status, sold_at=card.sold_at.isoformat(), expires_at=card.expires_at.isoformat(),
        qr=sign_gift_qr(card.card_no, card.face_fen, f"{card.expires_at:%Y%m}",
                        db.settings.qr_secret))


def post(session: Session, card: GiftCard, *, key: ActionKey, at: dt.datetime, kind: str,
         amount_fen: int, ref: str | None) -> None:
    """The one way rows enter the gift-card journal, with the card's cached balance."""
    insert_row(session, GiftEntry, card_no=card.card_no, action_key=key, kind=kind,
               amount_fen=amount_fen, ref=ref, created_at=at)
    journal_moved(session, key, "gift")
    card.balance_fen += amount_fen


def _expiry(scanned: GiftQr) -> dt.datetime:
    """When a card whose QR says it expires in month ``YYYYMM`` stops being valid."""
    return _month_end(dt.datetime(int(scanned.expires[:4]), int(scanned.expires[4:]), 1))


def _month_end(moment: dt.datetime) -> dt.datetime:
    """The first moment of the month after ``moment``'s (a card is valid to its month's end)."""
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return add_months(first, 1)
