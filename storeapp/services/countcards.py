"""Count cards (次卡): "10 car washes for ¥300". A member buys a card of a product on sale; each
visit uses one (or more) of its uses, oldest card first; what is left expires at the card's
date, or is refunded for its unused value with a manager's approval.

Each card is a lot of uses with an append-only journal (``count_entries``: sale, use, expire,
refund, adjust, and ``sync`` for uses head office reports from other stores). A card's cached
``uses_left`` and ``value_fen`` are kept in step with its journal, and every entry's value is
the change of :func:`storeapp.count_rules.value_of`, so the unused value owed for all cards
(the liability) is the sum of the journal. Selling a card is not revenue yet: the money is owed
until the uses are used (a use moves its value from the liability to the day's revenue).

Across stores: every action's events carry the net uses and value per card (``count``), head
office adds them up and sends each card's chain-wide uses back with its member. A till linked to
head office that cannot reach it gives at most the card's ``offline_uses`` per card until it
can again; two stores using the same last use offline is found at head office and listed as an
overuse exception, like a stored-value overdraft.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storeapp import count_rules, receipt_jobs, sync_state
from storeapp.actions import Ctx, journal_moved, key_or_new, run_action
from storeapp.clock import add_months
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.identity import (
    COUNT_QR_PREFIX,
    is_count_card_no,
    make_count_card_no,
    sign_count_qr,
    verify_count_qr,
)
from storeapp.ids import ActionKey, MemberId, new_action_key
from storeapp.models import Action, CardProduct, CountCard, CountEntry, Member
from storeapp.results import ActionResult, Done, Record, optional
from storeapp.sequences import insert_row, next_value
from storeapp.services import members, shifts, spend_gate, wallet
from storeapp.services.users import Grant, record_approval

SELL_METHODS = (*wallet.TOPUP_METHODS, "wallet")
REFUND_METHODS = (*wallet.REFUND_METHODS, "wallet")
MAX_USES_AT_ONCE = 20
#: Journal kinds; ``sync`` rows are head office's (uses made elsewhere), posted by sync.apply.
SYNC_KIND = "sync"

_USED_OFFLINE = select(func.coalesce(func.sum(CountEntry.uses), 0)).where(
    CountEntry.card_no == bindparam("card_no"), CountEntry.kind == "use",
    CountEntry.created_at >= bindparam("since"))


# -- what the services answer -------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class CardProductView(Record):
    code: str
    name: str
    covers: str
    uses: int
    price_fen: int
    valid_months: int
    stores: str
    offline_uses: int
    active: bool


@dataclass(frozen=True, eq=False)
class CountCardView(Record):
    """One card as the counter and the receipt show it."""

    card_no: str
    member_id: MemberId
    product_code: str
    name: str
    covers: str
    uses_total: int
    uses_left: int
    paid_fen: int
    value_fen: int
    status: str  # active|refunded|expired|used
    sold_at: str
    expires_at: str
    store_code: str
    qr: str


@dataclass(frozen=True, eq=False)
class CardSold(ActionResult):
    card: CountCardView
    method: str
    #: when paid from stored value: the principal and bonus the price took
    principal_fen: int
    bonus_fen: int


@dataclass(frozen=True, eq=False)
class UsedCard(Record):
    card_no: str
    name: str
    uses: int
    uses_left: int
    expires_at: str


@dataclass(frozen=True, eq=False)
class CardsUsed(ActionResult):
    member_id: MemberId
    at: str
    uses: int
    #: the value the uses moved from the liability to revenue
    value_fen: int
    cards: list[UsedCard]


@dataclass(frozen=True, eq=False)
class CardRefunded(ActionResult):
    card_no: str
    member_id: MemberId
    at: str
    uses: int
    #: the unused value given back, of which ``bonus_fen`` to stored-value bonus
    refund_fen: int
    bonus_fen: int
    method: str
    #: the card's name, for the slip
    name: str = optional("")


@dataclass(frozen=True, eq=False)
class CardAdjusted(ActionResult):
    card_no: str
    uses: int
    uses_left: int
    value_fen: int


@dataclass(frozen=True, eq=False)
class CardsExpired(ActionResult):
    cards: int
    uses: int
    value_fen: int


# -- products -----------------------------------------------------------------------------------

def save_product(db: Database, *, code: str, name: str, covers: str, uses: int, price_fen: int,
                 valid_months: int, stores: str = "", offline_uses: int = 2, active: bool = True,
                 actor: str) -> CardProductView:
    """Declare (or change) a count card on sale at this store. Head office's card products
    arrive as chain rules (:mod:`sync.rules`) and are saved the same way."""
    code, name, covers = code.strip(), name.strip(), covers.strip()
    if not code or len(code) > 24 or not name or len(name) > 64:
        raise InvalidInput("bad_card_product", "A count card needs a code (at most 24 "
                           "characters) and a name (at most 64)", variant="names")
    if not covers or len(covers) > 64:
        raise InvalidInput("bad_card_product", "Say what one use of the card is (a product "
                           "barcode or a service)", variant="covers")
    count_rules.check_product(uses=uses, price_fen=price_fen, valid_months=valid_months)
    if not 0 <= offline_uses <= uses:
        raise InvalidInput("bad_card_product", "Offline uses must be between 0 and the card's "
                           "uses", variant="offline")

    def body(ctx: Ctx) -> Done:
        store_product(ctx.session, code=code, name=name, covers=covers, uses=uses,
                      price_fen=price_fen, valid_months=valid_months, stores=stores,
                      offline_uses=offline_uses, active=active, now=ctx.now)
        ctx.audit("card_product_saved", code, uses=uses, price_fen=price_fen,
                  months=valid_months, active=active)
        return Done()

    run_action(db, key=new_action_key(), kind="card_product_save", actor=actor,
               request={"code": code}, body=body, returns=Done)
    return product(db, code)


def store_product(s: Session, *, code: str, name: str, covers: str, uses: int, price_fen: int,
                  valid_months: int, stores: str, offline_uses: int, active: bool,
                  now: dt.datetime) -> None:
    s.merge(CardProduct(code=code, name=name, covers=covers, uses=uses, price_fen=price_fen,
                        valid_months=valid_months, stores=stores, offline_uses=offline_uses,
                        active=active, updated_at=now))


def products(db: Database, *, include_inactive: bool = False) -> list[CardProductView]:
    with db.reader() as s:
        query = select(CardProduct).order_by(CardProduct.code)
        if not include_inactive:
            query = query.where(CardProduct.active.is_(True))
        return [_product_view(p) for p in s.scalars(query)]


def product(db: Database, code: str) -> CardProductView:
    with db.reader() as s:
        return _product_view(_product(s, code, for_sale=False))


def _product(s: Session, code: str, *, for_sale: bool) -> CardProduct:
    row = s.get(CardProduct, code)
    if row is None or (for_sale and not row.active):
        raise NotFound("unknown_card_product", f"No count card {code} on sale", product=code)
    return row


def _product_view(p: CardProduct) -> CardProductView:
    return CardProductView(code=p.code, name=p.name, covers=p.covers, uses=p.uses,
                           price_fen=p.price_fen, valid_months=p.valid_months, stores=p.stores,
                           offline_uses=p.offline_uses, active=p.active)


# -- selling --------------------------------------------------------------------------------------

def sell(db: Database, member_ref: str, product_code: str, *, method: str, actor: str,
         pin: str | None = None, key: str | None = None) -> CardSold:
    """Sell a count card to a member: paid by ``method`` (stored value too, asking head office
    first like any spend), valid ``valid_months`` from now, with its own number and QR."""
    if method not in SELL_METHODS:
        raise InvalidInput("bad_method", f"Payment method must be one of "
                           f"{', '.join(SELL_METHODS)}", allowed=", ".join(SELL_METHODS))

    def body(ctx: Ctx) -> CardSold:
        s, settings = ctx.session, ctx.db.settings
        offer = _product(s, product_code, for_sale=True)
        member = members.lock(db, s, member_ref)
        members.require_open(member)
        principal = bonus = 0
        if method == "wallet":
            principal, bonus = wallet.spend(ctx, member, offer.price_fen, ref=ctx.key, pin=pin,
                                            verdict=verdict)
        shifts.record_payment(ctx, "countcard", method, offer.price_fen)
        card_no = make_count_card_no(settings.store_code, int(settings.till_no),
                                     next_value(s, "count_card"))
        card = CountCard(
            card_no=card_no, member_id=member.member_id, product_code=offer.code,
            name=offer.name, covers=offer.covers, uses_total=offer.uses,
            paid_fen=offer.price_fen, bonus_fen=bonus, method=method, stores=offer.stores,
            offline_uses=offer.offline_uses, uses_left=0, value_fen=0, status="active",
            store_code=settings.store_code, action_key=ctx.key, sold_at=ctx.now,
            expires_at=add_months(ctx.now, offer.valid_months))
        s.add(card)
        s.flush()
        move(ctx, card, "sale", offer.uses, ref=offer.code)
        view = card_view(db, card)
        ctx.audit("countcard_sold", member.member_id, card_no=card_no, product=offer.code,
                  paid_fen=offer.price_fen, method=method)
        ctx.emit("countcard_sold", member_id=member.member_id, card_no=card_no,
                 product=offer.code, name=offer.name, covers=offer.covers, uses=offer.uses,
                 paid_fen=offer.price_fen, bonus_fen=bonus, method=method, stores=offer.stores,
                 offline_uses=offer.offline_uses, expires_at=card.expires_at.isoformat())
        result = CardSold(card=view, method=method, principal_fen=principal, bonus_fen=bonus)
        ctx.receipt("countcard", _slip(ctx, member, sold=result), ref=f"countcard:{card_no}")
        return result

    def share() -> tuple[str | None, int]:
        if method != "wallet":
            return None, 0
        with db.reader() as s:
            offer = s.get(CardProduct, product_code)
            if offer is None or not offer.active:
                return None, 0  # the action refuses it
            return members.load(db, s, member_ref).member_id, offer.price_fen

    key = key_or_new(key)
    with spend_gate.spending(db, key=key, share=share) as verdict, \
            wallet.pin_tries_counted(db):
        return run_action(db, key=key, kind="countcard_sell", actor=actor,
                          request={"member": member_ref, "product": product_code,
                                   "method": method}, body=body, returns=CardSold)


# -- using ----------------------------------------------------------------------------------------

def use(db: Database, ref: str, *, uses: int = 1, product_code: str | None = None, actor: str,
        key: str | None = None) -> CardsUsed:
    """Use ``uses`` of a member's count cards: ``ref`` is a scanned card (its QR or number; that
    card goes first) or the member (then ``product_code`` says which kind of card when the
    member holds more than one). Cards soonest to expire give their uses first."""
    if not 1 <= uses <= MAX_USES_AT_ONCE:
        raise InvalidInput("bad_uses", f"Use 1 to {MAX_USES_AT_ONCE} at a time",
                           max_uses=MAX_USES_AT_ONCE)

    def body(ctx: Ctx) -> CardsUsed:
        s, settings = ctx.session, ctx.db.settings
        scanned = _card(db, s, ref) if names_card(ref) else None
        member = s.get(Member, scanned.member_id) if scanned else members.lock(db, s, ref)
        assert member is not None
        members.require_open(member)
        kind = scanned.product_code if scanned else product_code
        cards = _live_cards(s, member.member_id, ctx.now, settings.store_code, kind)
        if scanned is not None:
            _require_usable(scanned, ctx.now, settings.store_code)
        if kind is None and len({c.product_code for c in cards}) > 1:
            names = "; ".join(sorted({f"{c.product_code} {c.name}" for c in cards}))
            raise Refused("which_count_card", f"The member holds more than one kind of count "
                          f"card ({names}): scan the card or name its product", cards=names)
        held = sum(c.uses_left for c in cards)
        if held < uses:
            raise Refused("count_card_used_up", f"The member's count cards have {held} uses "
                          f"left here, not {uses}", uses_left=held, uses=uses)
        by_no = {c.card_no: c for c in cards}
        takes = count_rules.take_oldest_first(
            [count_rules.Lot(c.card_no, c.uses_left, c.expires_at) for c in cards], uses,
            first=scanned.card_no if scanned else None)
        used: list[UsedCard] = []
        value = 0
        for take in takes:
            card = by_no[take.card_no]
            _check_offline_allowance(ctx, card, take.uses)
            value += move(ctx, card, "use", -take.uses, ref=card.covers)
            used.append(UsedCard(card_no=card.card_no, name=card.name, uses=take.uses,
                                 uses_left=card.uses_left,
                                 expires_at=card.expires_at.isoformat()))
        member.last_visit_at = ctx.now
        ctx.audit("countcard_used", member.member_id, uses=uses,
                  cards=[u.card_no for u in used])
        ctx.emit("countcard_used", member_id=member.member_id, uses=uses)
        result = CardsUsed(member_id=member.member_id, at=ctx.now.isoformat(), uses=uses,
                           value_fen=-value, cards=used)
        ctx.receipt("countcard_use", _slip(ctx, member, used=result),
                    ref=f"countcard_use:{ctx.key}")
        return result

    return run_action(db, key=key_or_new(key), kind="countcard_use", actor=actor,
                      request={"ref": ref, "uses": uses, "product": product_code}, body=body,
                      returns=CardsUsed)


def _check_offline_allowance(ctx: Ctx, card: CountCard, uses: int) -> None:
    """A till linked to head office that cannot reach it gives at most the card's offline uses
    (counted since it lost head office), for at most ``offline_max_hours``."""
    if not spend_gate.linked(ctx.db):
        return
    state = sync_state.read(ctx.session)
    if state.offline_since is None:
        return
    max_hours = ctx.db.settings.offline_max_hours
    if state.last_contact_at is None or \
            ctx.now - state.last_contact_at > dt.timedelta(hours=max_hours):
        raise Refused("offline_too_long", f"Head office has not been reached for more than "
                      f"{max_hours} hours: count cards cannot be used until it is",
                      variant="count_card", max_hours=max_hours)
    used = int(ctx.session.connection().scalar(
        _USED_OFFLINE, {"card_no": card.card_no, "since": state.offline_since}) or 0)
    if -used + uses > card.offline_uses:
        raise Refused("offline_limit_uses", f"Head office is unreachable: card {card.card_no} "
                      f"may give at most {card.offline_uses} uses offline; {-used} given since",
                      card_no=card.card_no, max_uses=card.offline_uses, used=-used)


# -- refund, adjust, expire -----------------------------------------------------------------------

def refund(db: Database, card_ref: str, *, actor: str, grant: Grant | None,
           method: str | None = None, key: str | None = None) -> CardRefunded:
    """Refund a card's unused uses for their value (the price paid × unused / total), with a
    manager's approval: back to stored value when it was paid from there (principal and bonus
    as they were taken), else by ``method`` (default: how it was paid)."""
    if method is not None and method not in REFUND_METHODS:
        raise InvalidInput("bad_method", f"Refund method must be one of "
                           f"{', '.join(REFUND_METHODS)}", allowed=", ".join(REFUND_METHODS))

    def body(ctx: Ctx) -> CardRefunded:
        s = ctx.session
        card = _card(db, s, card_ref)
        if card.status != "active" or card.uses_left <= 0:
            raise Refused("count_card_not_refundable", f"Card {card.card_no} has no unused uses "
                          "to refund", card_no=card.card_no)
        member = s.get(Member, card.member_id)
        assert member is not None
        record_approval(ctx, grant, kind="countcard_refund", subject=card.card_no,
                        member_id=card.member_id)
        how = method or ("wallet" if card.method == "wallet" else card.method)
        left = card.uses_left
        value, bonus = count_rules.refund_split(card.paid_fen, card.bonus_fen, card.uses_total,
                                                left)
        move(ctx, card, "refund", -left, ref=how)
        card.status = "refunded"
        if how == "wallet":  # back as it was taken: principal to principal, bonus to bonus
            wallet.post(ctx, member, "countcard_refund", principal_fen=value - bonus,
                        bonus_fen=bonus, ref=card.card_no)
        else:  # paid out: the bonus part is never money, it is forfeited with the card
            value, bonus = value - bonus, 0
        shifts.record_payment(ctx, "countcard_refund", how, -value)
        ctx.audit("countcard_refunded", card.card_no, uses=left, refund_fen=value, method=how)
        ctx.emit("countcard_refunded", member_id=member.member_id, card_no=card.card_no,
                 uses=left, refund_fen=value, bonus_fen=bonus, method=how)
        result = CardRefunded(card_no=card.card_no, member_id=member.member_id,
                              at=ctx.now.isoformat(), uses=left, refund_fen=value,
                              bonus_fen=bonus, method=how, name=card.name)
        ctx.receipt("countcard_refund", _slip(ctx, member, refunded=result),
                    ref=f"countcard_refund:{card.card_no}")
        return result

    return run_action(db, key=key_or_new(key), kind="countcard_refund", actor=actor,
                      request={"card": card_ref, "method": method}, body=body,
                      returns=CardRefunded)


def adjust(db: Database, card_ref: str, uses: int, *, actor: str, grant: Grant | None,
           key: str | None = None) -> CardAdjusted:
    """A manager's correction of a card's uses (a use given by mistake, a goodwill use); the
    value follows :func:`storeapp.count_rules.value_of` (never above what was paid)."""
    if uses == 0 or abs(uses) > count_rules.MAX_USES:
        raise InvalidInput("bad_uses", "An adjustment must change the uses (at most 1000)",
                           variant="adjust")

    def body(ctx: Ctx) -> CardAdjusted:
        card = _card(db, ctx.session, card_ref)
        if card.status != "active":
            raise Refused("count_card_inactive", f"Card {card.card_no} is {card.status}",
                          card_no=card.card_no, status=card.status)
        if card.uses_left + uses < 0:
            raise Refused("count_card_used_up", f"Card {card.card_no} has only "
                          f"{card.uses_left} uses", uses_left=card.uses_left, uses=-uses)
        record_approval(ctx, grant, kind="countcard_adjust", subject=card.card_no,
                        member_id=card.member_id)
        move(ctx, card, "adjust", uses, ref="adjustment")
        ctx.audit("countcard_adjusted", card.card_no, uses=uses)
        ctx.emit("countcard_adjusted", member_id=card.member_id, card_no=card.card_no,
                 uses=uses)
        return CardAdjusted(card_no=card.card_no, uses=uses, uses_left=card.uses_left,
                            value_fen=card.value_fen)

    return run_action(db, key=key_or_new(key), kind="countcard_adjust", actor=actor,
                      request={"card": card_ref, "uses": uses}, body=body, returns=CardAdjusted)


def expire_due(db: Database, *, actor: str = "system") -> CardsExpired:
    """Post the expiry of every card sold at this till that is past its date with uses left. A
    card sold elsewhere (its sale is not one of this till's actions) is expired by the till
    that sold it, and its expiry arrives from head office: never expired twice."""
    def body(ctx: Ctx) -> CardsExpired:
        count = total = value = 0
        due = ctx.session.scalars(select(CountCard).where(
            CountCard.expires_at <= ctx.now, CountCard.uses_left > 0,
            CountCard.status == "active", CountCard.action_key.in_(select(Action.key)))
            .order_by(CountCard.card_no))
        for card in list(due):
            total += card.uses_left
            value -= move(ctx, card, "expire", -card.uses_left, ref=None)
            count += 1
        if count:
            ctx.audit("countcards_expired", "all", cards=count, uses=total, value_fen=value)
            ctx.emit("countcards_expired", cards=count, uses=total, value_fen=value)
        return CardsExpired(cards=count, uses=total, value_fen=value)

    return run_action(db, key=new_action_key(), kind="countcard_expiry", actor=actor,
                      request={}, body=body, returns=CardsExpired)


# -- reading --------------------------------------------------------------------------------------

def cards(db: Database, member_ref: str, *, live_only: bool = False) -> list[CountCardView]:
    """A member's count cards, soonest to expire first (``live_only``: those with uses left
    that may be used now)."""
    with db.reader() as s:
        member = members.load(db, s, member_ref)
        rows = s.scalars(select(CountCard).where(CountCard.member_id == member.member_id)
                         .order_by(CountCard.expires_at, CountCard.card_no)).all()
        now = db.clock.now()
        views = [card_view(db, c, now=now) for c in rows]
    return [v for v in views if v.status == "active"] if live_only else views


def show(db: Database, card_ref: str) -> CountCardView:
    with db.reader() as s:
        return card_view(db, _card(db, s, card_ref))


def card_view(db: Database, card: CountCard, *, now: dt.datetime | None = None) -> CountCardView:
    now = db.clock.now() if now is None else now
    status = card.status
    if status == "active" and card.uses_left <= 0:
        status = "used"
    elif status == "active" and card.expires_at <= now:
        status = "expired"
    return CountCardView(
        card_no=card.card_no, member_id=card.member_id, product_code=card.product_code,
        name=card.name, covers=card.covers, uses_total=card.uses_total,
        uses_left=card.uses_left, paid_fen=card.paid_fen, value_fen=card.value_fen,
        status=status, sold_at=card.sold_at.isoformat(), expires_at=card.expires_at.isoformat(),
        store_code=card.store_code, qr=sign_count_qr(card.card_no, db.settings.qr_secret))


# -- the journal ----------------------------------------------------------------------------------

def move(ctx: Ctx, card: CountCard, kind: str, uses: int, *, ref: str | None) -> int:
    """One journal row moving ``uses`` on ``card`` (its value by :func:`count_rules.value_change`)
    and the card's cached uses and value with it; returns the value moved."""
    value = count_rules.value_change(card.paid_fen, card.uses_total, card.uses_left, uses)
    post(ctx.session, card, key=ctx.key, at=ctx.now, kind=kind, uses=uses, value_fen=value,
         ref=ref)
    return value


def post(session: Session, card: CountCard, *, key: ActionKey, at: dt.datetime, kind: str,
         uses: int, value_fen: int, ref: str | None) -> None:
    """The one way rows enter the count-card journal (services, head office's ``sync`` rows)."""
    insert_row(session, CountEntry, card_no=card.card_no, member_id=card.member_id,
               action_key=key, kind=kind, uses=uses, value_fen=value_fen, ref=ref,
               created_at=at)
    journal_moved(session, key, "count")
    card.uses_left += uses
    card.value_fen += value_fen


def names_card(ref: str) -> bool:
    """Whether ``ref`` is a count card (its QR or number) rather than a member."""
    text = ref.strip().upper()
    return text.startswith(COUNT_QR_PREFIX) or is_count_card_no(text)


def _card(db: Database, s: Session, ref: str) -> CountCard:
    text = (ref or "").strip().upper()
    card_no = verify_count_qr(text, db.settings.qr_secrets) if text.startswith(
        COUNT_QR_PREFIX) else text
    card = s.get(CountCard, card_no)
    if card is None:
        raise NotFound("unknown_count_card", f"No count card {card_no}", card_no=card_no)
    return card


def _live_cards(s: Session, member_id: str, now: dt.datetime, store_code: str,
                product_code: str | None) -> list[CountCard]:
    query = select(CountCard).where(
        CountCard.member_id == member_id, CountCard.status == "active",
        CountCard.uses_left > 0, CountCard.expires_at > now)
    if product_code is not None:
        query = query.where(CountCard.product_code == product_code)
    return [c for c in s.scalars(query) if count_rules.usable_at(c.stores, store_code)]


def _require_usable(card: CountCard, now: dt.datetime, store_code: str) -> None:
    if card.status != "active":
        raise Refused("count_card_inactive", f"Card {card.card_no} is {card.status}",
                      card_no=card.card_no, status=card.status)
    if card.expires_at <= now:
        raise Refused("count_card_expired", f"Card {card.card_no} expired on "
                      f"{card.expires_at:%Y-%m-%d}", card_no=card.card_no)
    if not count_rules.usable_at(card.stores, store_code):
        raise Refused("count_card_elsewhere", f"Card {card.card_no} is not valid at this store",
                      card_no=card.card_no, stores=card.stores)


def _slip(ctx: Ctx, member: Member, **part: Record) -> dict[str, object]:
    (kind, result), = part.items()
    return {kind: receipt_jobs.result_part(result),
            "member": receipt_jobs.member_fields(members.view(ctx.db, member)),
            "at": ctx.now.isoformat()}
