"""Sales: pricing a cart (tier and plan discount, coupon, points), mixed tenders, receipt numbers,
and refunds by receipt number.

:func:`quote` prices a cart without writing (the counter shows it as the cart changes);
:func:`checkout` prices it again inside the transaction and posts everything at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp import pricing, receipt_jobs
from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.db import Database
from storeapp.errors import DomainError, InvalidInput, NotFound, Refused
from storeapp.ids import ActionKey, MemberId
from storeapp.models import Coupon, Member, PointsLot, Product, Refund, Sale, SaleLine, Tender
from storeapp.money import MAX_AMOUNT_FEN, format_fen
from storeapp.pricing import (
    MAX_LINES,
    TENDER_METHODS,
    MemberTerms,
    PricedLine,
    PriceOverride,
    PricingRules,
    Quote,
    TenderIn,
)
from storeapp.results import ActionResult, Record, optional
from storeapp.sequences import insert_row, next_value
from storeapp.services import (
    companies,
    coupons,
    giftcards,
    members,
    plans,
    points,
    prompts,
    shifts,
    spend_gate,
    tiers,
    wallet,
)
from storeapp.services.users import Grant, record_approval, staff_discount_used, staff_of
from storeapp.settings import Settings

__all__ = ["MAX_LINES", "TENDER_METHODS", "LineIn", "Quote", "SaleResult", "TenderIn"]
MAX_QTY = 9999


@dataclass(frozen=True)
class LineIn:
    """A cart line: a catalog barcode, or an open amount (``barcode=None``) with a name.

    A catalog line with ``unit_price_fen`` set is a price override: checkout needs a manager's
    approval for it."""

    qty: int = 1
    barcode: str | None = None
    unit_price_fen: int | None = None
    name: str = "商品 Item"


@dataclass(frozen=True, eq=False)
class PaidTender(Record):
    """What one method paid of a sale; a stored-value payment says how much was principal and
    how much bonus."""

    method: str
    amount_fen: int
    tendered_fen: int
    change_fen: int
    principal_fen: int
    bonus_fen: int
    #: a gift card payment: the card's number; a sale on account: the company's code
    ref: str | None = optional(None)


@dataclass(frozen=True, eq=False)
class MemberAfter(Record):
    """The member's balance, points and tier progress right after a sale or refund."""

    balance_fen: int
    principal_fen: int
    bonus_fen: int
    points: int
    tier: str
    next_tier: str | None
    to_next_tier_fen: int | None
    near_next_tier: bool


@dataclass(frozen=True, eq=False)
class SaleFigures(Record):
    """What a sale comes to: its subtotal, what the discount, the coupon and the points took
    off, and the total paid, with the lines and how they were paid."""

    receipt_no: str
    member_id: MemberId | None
    at: str
    subtotal_fen: int
    discount_fen: int
    coupon_code: str | None
    coupon_fen: int
    points_redeemed: int
    points_fen: int
    total_fen: int
    points_earned: int
    lines: list[PricedLine]
    tenders: list[PaidTender]


@dataclass(frozen=True, eq=False)
class SaleResult(SaleFigures, ActionResult):
    """A completed sale, as its receipt and head office see it."""

    sale_key: ActionKey
    change_fen: int
    tier_upgraded_to: str | None
    price_overrides: list[PriceOverride]
    member_after: MemberAfter | None = optional(None)
    #: a staff sale (员工价): the staff user whose member account bought, and the staff
    #: discount (all of ``discount_fen``), counted against the monthly cap
    staff_code: str | None = optional(None)
    staff_discount_fen: int = optional(0)


@dataclass(frozen=True, eq=False)
class ReturnedTender(Record):
    """Money handed back for one tender of a refunded sale. Stored value goes back to the
    balance, except to a closed account: its principal is paid out and the bonus forfeited."""

    method: str
    amount_fen: int
    principal_fen: int
    bonus_fen: int
    bonus_forfeited_fen: int = optional(0)
    #: a gift card's number or a company's code, as the sale's tender named it
    ref: str | None = optional(None)


@dataclass(frozen=True, eq=False)
class RefundResult(ActionResult):
    receipt_no: str
    refund_key: ActionKey
    amount_fen: int
    tenders: list[ReturnedTender]
    member_id: MemberId | None
    points_clawed_back: int
    points_clawback_shortfall: int
    points_returned: int
    coupon_restored: bool
    at: str
    member_after: MemberAfter | None = optional(None)


@dataclass(frozen=True, eq=False)
class StoredSale(SaleFigures):
    """A sale as stored, for reprints and the refund screen."""

    cashier: str
    status: str


def quote(db: Database, *, member_ref: str | None, lines: list[LineIn],
          coupon_code: str | None = None, redeem_points: int = 0) -> Quote:
    """Price a cart as checkout would, without changing anything."""
    with db.reader() as s:
        member = members.load(db, s, member_ref) if member_ref else None
        return _price(s, db.settings, db.clock.now(), member, lines, coupon_code, redeem_points)


def checkout(
    db: Database, *, member_ref: str | None, lines: list[LineIn], tenders: list[TenderIn],
    actor: str, coupon_code: str | None = None, redeem_points: int = 0, pin: str | None = None,
    key: str | None = None, override: Grant | None = None,
) -> SaleResult:
    """Complete a sale: one transaction for sale, lines, tenders, wallet and points entries,
    coupon use, tier upgrade, audit row and outbox event. ``override`` is the manager's approval
    for price overrides (required when any line has one).

    At a till linked to head office, a stored-value payment is first held by head office
    (or checked against the offline allowance): see :mod:`storeapp.services.spend_gate`."""
    key = key_or_new(key)
    pricing.check_tenders(tenders)
    request = {
        "member": member_ref,
        "lines": [(x.barcode, x.qty, x.unit_price_fen, x.name) for x in lines],
        "tenders": [(t.method, t.amount_fen, t.ref) if t.ref else (t.method, t.amount_fen)
                    for t in tenders], "coupon": coupon_code,
        "points": redeem_points,
    }

    def body(ctx: Ctx) -> SaleResult:
        s, settings = ctx.session, ctx.db.settings
        member = members.load(db, s, member_ref) if member_ref else None
        if member is not None:
            members.require_open(member)
        priced = _price(s, settings, ctx.now, member, lines, coupon_code, redeem_points)
        receipt_no = (f"R{int(settings.store_code):04d}{int(settings.till_no):02d}"
                      f"{next_value(s, 'receipt'):07d}")
        if priced.overrides:
            record_approval(ctx, override, kind="price_override", subject=receipt_no,
                            member_id=member.member_id if member else None)
            ctx.audit("price_overridden", receipt_no,
                      lines=[o.to_json() for o in priced.overrides])
        member_id = member.member_id if member else None
        sale_id = insert_row(
            s, Sale, receipt_no=receipt_no, action_key=ctx.key, member_id=member_id,
            cashier=ctx.actor, store_code=settings.store_code, till_no=int(settings.till_no),
            **_money_fields(priced), points_earned=priced.points_to_earn, status="completed",
            created_at=ctx.now, staff_code=priced.staff_code,
            staff_discount_fen=priced.staff_discount_fen,
        )
        for no, line in enumerate(priced.lines, start=1):
            insert_row(s, SaleLine, sale_id=sale_id, line_no=no, **line.to_json())
        paid = _post_tenders(ctx, sale_id, receipt_no, member, tenders, priced.total_fen, pin,
                             verdict, gift_verdict)
        if priced.coupon_code:
            coupons.mark_used(ctx, priced.coupon_code, receipt_no)
        upgraded, growth = None, 0
        if member is not None:
            if priced.points_redeemed:
                points.redeem(ctx, member, priced.points_redeemed, ref=receipt_no)
            points.earn(ctx, member, priced.points_to_earn, ref=receipt_no)
            member.last_visit_at = ctx.now
            previous_tier = member.tier
            upgraded, growth = tiers.upgrade_if_reached(s, settings, member, ctx.now)
        result = SaleResult(
            receipt_no=receipt_no, sale_key=ctx.key, at=ctx.now.isoformat(),
            member_id=member_id, subtotal_fen=priced.subtotal_fen,
            discount_fen=priced.discount_fen, coupon_code=priced.coupon_code,
            coupon_fen=priced.coupon_fen, points_redeemed=priced.points_redeemed,
            points_fen=priced.points_fen, total_fen=priced.total_fen, tenders=paid,
            change_fen=sum(t.change_fen for t in paid), lines=priced.lines,
            points_earned=priced.points_to_earn,
            tier_upgraded_to=upgraded.code if upgraded else None,
            price_overrides=priced.overrides,
            member_after=_member_after(ctx, member, growth) if member is not None else None,
            staff_code=priced.staff_code, staff_discount_fen=priced.staff_discount_fen,
        )
        ctx.audit("sale_completed", receipt_no, total_fen=priced.total_fen,
                  tenders={t.method: t.amount_fen for t in paid})
        ctx.emit("sale_completed", **_event_fields(result))
        if upgraded is not None:
            assert member is not None
            tiers.record_change(ctx, member.member_id, previous_tier, upgraded.code, "checkout")
            ctx.emit("member_tier_changed", member_id=member_id, tier=upgraded.code,
                     by="sale", receipt_no=receipt_no)
        ctx.receipt("sale", _slip("sale", ctx, result, member))
        return result

    def share() -> tuple[str | None, int]:
        return _wallet_share(db, member_ref, lines, tenders, coupon_code, redeem_points)

    def gift_share() -> tuple[str | None, int]:
        return _gift_share(db, member_ref, lines, tenders, coupon_code, redeem_points)

    def coupon_share() -> tuple[str | None, int]:
        return _chain_coupon(db, coupon_code)

    with spend_gate.spending(db, key=key, share=share) as verdict, \
            spend_gate.spending(db, key=key, share=gift_share, kind="gift",
                                hold_key=gift_hold_key(key)) as gift_verdict, \
            spend_gate.spending(db, key=key, share=coupon_share, kind="coupon",
                                hold_key=coupon_hold_key(key)), \
            wallet.pin_tries_counted(db):
        return run_action(db, key=key, kind="sale", actor=actor, request=request, body=body,
                          returns=SaleResult)


def _wallet_share(db: Database, member_ref: str | None, lines: list[LineIn],
                  tenders: list[TenderIn], coupon_code: str | None,
                  redeem_points: int) -> tuple[str | None, int]:
    """The member and the stored value a sale will spend, worked out before its transaction
    as :func:`_post_tenders` will (:func:`storeapp.pricing.allocate`)."""
    wallet_tender = next((t for t in tenders if t.method == "wallet"), None)
    if wallet_tender is None or not member_ref:
        return None, 0
    if wallet_tender.amount_fen is not None:
        with db.reader() as s:
            return members.load(db, s, member_ref).member_id, wallet_tender.amount_fen
    priced, amount = _allocated(db, member_ref, lines, tenders, coupon_code, redeem_points,
                                "wallet")
    return priced.member_id, amount


def _allocated(db: Database, member_ref: str | None, lines: list[LineIn],
               tenders: list[TenderIn], coupon_code: str | None, redeem_points: int,
               method: str) -> tuple[Quote, int]:
    """The sale priced as checkout will price it, and what ``method`` will pay of it
    (:func:`storeapp.pricing.allocate`); 0 when the tenders cannot pay it (the action refuses
    them, with the reason)."""
    priced = quote(db, member_ref=member_ref, lines=lines, coupon_code=coupon_code,
                   redeem_points=redeem_points)
    try:
        shares = pricing.allocate(tenders, priced.total_fen)
    except DomainError:
        return priced, 0
    return priced, sum(a.amount_fen for a in shares if a.method == method)


def coupon_hold_key(key: str) -> str:
    """The head-office hold of a head-office coupon a sale takes (head office's
    ``apply_coupons.hold_key``)."""
    return f"{key[:57]}:coupon"


def _chain_coupon(db: Database, code: str | None) -> tuple[str | None, int]:
    """A head-office coupon (a campaign's, usable once in the whole chain) the sale takes:
    head office holds it before the sale, so a second store cannot take it too. Offline it is
    taken; head office flags it if another store took it first (``coupon_reused``)."""
    if not code:
        return None, 0
    with db.reader() as s:
        coupon = s.get(Coupon, code.strip().upper())
    if coupon is None or coupon.reason != coupons.CAMPAIGN or coupon.used_at is not None:
        return None, 0
    return coupon.code, 1


def gift_hold_key(key: str) -> str:
    """The head-office hold of a sale's gift-card payment (its stored-value one is ``key``)."""
    return f"{key[:59]}:gift"


def _gift_share(db: Database, member_ref: str | None, lines: list[LineIn],
                tenders: list[TenderIn], coupon_code: str | None,
                redeem_points: int) -> tuple[str | None, int]:
    """The gift card a sale will take from, and how much, worked out before its transaction
    (head office holds it like a stored-value spend)."""
    gift = next((t for t in tenders if t.method == "giftcard"), None)
    if gift is None or not gift.ref:
        return None, 0
    try:
        card_no = giftcards.card_no_of(db, gift.ref)
    except DomainError:
        return None, 0  # the action refuses it, with the reason
    if gift.amount_fen is not None:
        return card_no, gift.amount_fen
    _, amount = _allocated(db, member_ref, lines, tenders, coupon_code, redeem_points,
                           "giftcard")
    return card_no, amount


def refund(db: Database, receipt_no: str, *, actor: str, grant: Grant | None,
           key: str | None = None) -> RefundResult:
    """Refund a whole sale: money back along its tenders, earned points clawed back, redeemed
    points and the coupon (while still valid) given back. Needs a manager's approval."""
    receipt_no = (receipt_no or "").strip().upper()

    def body(ctx: Ctx) -> RefundResult:
        s = ctx.session
        sale = s.scalar(select(Sale).where(Sale.receipt_no == receipt_no))
        if sale is None:
            raise NotFound("unknown_receipt", f"No sale with receipt number {receipt_no}",
                           receipt_no=receipt_no)
        if sale.status == "refunded":
            raise Refused("already_refunded", f"Sale {receipt_no} was already refunded",
                          receipt_no=receipt_no)
        approval_id = record_approval(ctx, grant, kind="refund", subject=receipt_no,
                                      member_id=sale.member_id)
        member = s.get(Member, sale.member_id) if sale.member_id else None
        returned: list[ReturnedTender] = []
        for tender in s.scalars(select(Tender).where(Tender.sale_id == sale.id)):
            if tender.method == "wallet" and member is not None and member.status == "closed":
                # the account is gone: its principal is paid out as at closing, bonus forfeited
                over = tender.principal_fen > ctx.db.settings.cash_refund_transfer_over_fen
                paid_by = "transfer" if over else "cash"
                returned.append(ReturnedTender(method=paid_by, amount_fen=tender.principal_fen,
                                               principal_fen=0, bonus_fen=0,
                                               bonus_forfeited_fen=tender.bonus_fen))
                shifts.record_payment(ctx, "refund", paid_by, -tender.principal_fen)
                continue
            if tender.method == "wallet":
                assert member is not None
                wallet.refund_spend(ctx, member, tender.principal_fen, tender.bonus_fen,
                                    ref=receipt_no)
            elif tender.method == "giftcard" and tender.ref:
                giftcards.give_back(ctx, tender.ref, tender.amount_fen, ref=receipt_no)
            elif tender.method == "account" and tender.ref:
                companies.give_back(ctx, tender.ref, tender.amount_fen, ref=receipt_no)
            returned.append(ReturnedTender(method=tender.method, amount_fen=tender.amount_fen,
                                           principal_fen=tender.principal_fen,
                                           bonus_fen=tender.bonus_fen, ref=tender.ref))
            shifts.record_payment(ctx, "refund", tender.method, -tender.amount_fen)
        clawed = shortfall = given_back = 0
        if member is not None:
            earned_lot = s.scalar(select(PointsLot.id)
                                  .where(PointsLot.action_key == sale.action_key))
            clawed = points.consume(ctx, member, sale.points_earned, kind="clawback",
                                    ref=receipt_no, first_lot=earned_lot)
            shortfall = sale.points_earned - clawed
            given_back = points.give_back(ctx, member, sale.action_key, ref=receipt_no)
        coupon_back = bool(sale.coupon_code) and coupons.restore(ctx, sale.coupon_code or "")
        sale.status = "refunded"
        s.add(Refund(sale_id=sale.id, action_key=ctx.key, amount_fen=sale.total_fen,
                     approval_id=approval_id, cashier=ctx.actor, created_at=ctx.now))
        after = None
        if member is not None:
            s.flush()  # growth is read through Core, which does not autoflush the status change
            after = _member_after(ctx, member)
        result = RefundResult(
            receipt_no=receipt_no, refund_key=ctx.key, amount_fen=sale.total_fen,
            tenders=returned, member_id=sale.member_id, points_clawed_back=clawed,
            points_clawback_shortfall=shortfall, points_returned=given_back,
            coupon_restored=coupon_back, at=ctx.now.isoformat(), member_after=after,
        )
        ctx.audit("sale_refunded", receipt_no, amount_fen=sale.total_fen,
                  approver=grant.approver if grant else None)
        ctx.emit("sale_refunded", **_event_fields(result))
        ctx.receipt("refund", _slip("refund", ctx, result, member))
        return result

    return run_action(db, key=key_or_new(key), kind="refund", actor=actor,
                      request={"receipt_no": receipt_no}, body=body, returns=RefundResult)


def get_sale(db: Database, receipt_no: str) -> StoredSale:
    """A sale as stored, for reprints and the refund screen."""
    with db.reader() as s:
        sale = s.scalar(select(Sale).where(Sale.receipt_no == receipt_no.strip().upper()))
        if sale is None:
            raise NotFound("unknown_receipt", f"No sale with receipt number {receipt_no}",
                           receipt_no=receipt_no)
        lines = s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id)
                          .order_by(SaleLine.line_no)).all()
        paid = s.scalars(select(Tender).where(Tender.sale_id == sale.id)).all()
        return StoredSale(
            receipt_no=sale.receipt_no, member_id=sale.member_id, cashier=sale.cashier,
            at=sale.created_at.isoformat(), status=sale.status,
            subtotal_fen=sale.subtotal_fen, discount_fen=sale.discount_fen,
            coupon_code=sale.coupon_code, coupon_fen=sale.coupon_fen,
            points_redeemed=sale.points_redeemed, points_fen=sale.points_fen,
            total_fen=sale.total_fen, points_earned=sale.points_earned,
            lines=[PricedLine(barcode=x.barcode, name=x.name, qty=x.qty,
                              unit_price_fen=x.unit_price_fen, amount_fen=x.amount_fen)
                   for x in lines],
            tenders=[PaidTender(method=t.method, amount_fen=t.amount_fen,
                                tendered_fen=t.tendered_fen, change_fen=t.change_fen,
                                principal_fen=t.principal_fen, bonus_fen=t.bonus_fen)
                     for t in paid],
        )


# -- pricing ------------------------------------------------------------------------------------

def _price(s: Session, settings: Settings, now: dt.datetime, member: Member | None,
           lines: list[LineIn], coupon_code: str | None, redeem_points: int) -> Quote:
    """Load what the sale is priced by (catalog, the member's terms, the coupon) and price it
    (:func:`storeapp.pricing.price`)."""
    priced_lines, overrides = [], []
    for line_no, line in enumerate(lines, start=1):
        priced_line, list_price = _price_line(s, line)
        priced_lines.append(priced_line)
        if list_price is not None:
            overrides.append(PriceOverride(line_no=line_no, barcode=line.barcode,
                                           list_price_fen=list_price,
                                           unit_price_fen=priced_line.unit_price_fen))
    pricing.subtotal_of(priced_lines)  # an empty or implausible cart says so before the coupon
    terms = _member_terms(s, settings, now, member) if member is not None else None
    coupon = None
    if coupon_code:
        coupon = coupons.terms(s, now, coupon_code, member.member_id if member else None)
    return pricing.price(priced_lines, terms, coupon, redeem_points, PricingRules.of(settings),
                         overrides=overrides)


def _member_terms(s: Session, settings: Settings, now: dt.datetime,
                  member: Member) -> MemberTerms:
    pct, plan_mult = tiers.by_code(settings, member.tier).discount_pct, Decimal(1)
    plan = plans.active(s, member.member_id, now)
    if plan is not None:
        pct, plan_mult = pct + plan.extra_discount_pct, plan.points_multiplier
    staff = staff_of(s, member.member_id)
    return MemberTerms(member_id=member.member_id, points=member.points, discount_pct=pct,
                       points_multiplier=points.multiplier(settings, member, now, plan_mult)
                       * prompts.points_multiplier(s, member.member_id, now),
                       staff_code=staff,
                       staff_used_fen=staff_discount_used(s, member.member_id, now)
                       if staff else 0)


def _price_line(s: Session, line: LineIn) -> tuple[PricedLine, int | None]:
    """The priced line, and the list price when the line overrides it (else None)."""
    if not 1 <= line.qty <= MAX_QTY:
        raise InvalidInput("bad_qty", f"Quantity must be 1 to {MAX_QTY}", max_qty=MAX_QTY)
    list_price = None
    if line.barcode is not None:
        product = s.get(Product, line.barcode)
        if product is None or not product.active:
            raise NotFound("unknown_product", f"No product with barcode {line.barcode}",
                           barcode=str(line.barcode))
        name, price = product.name, product.price_fen
        if line.unit_price_fen is not None and line.unit_price_fen != price:
            if not 0 <= line.unit_price_fen <= MAX_AMOUNT_FEN:
                raise InvalidInput("bad_amount", "An overridden price must be ¥0.00 or more",
                                   variant="override")
            list_price, price = price, line.unit_price_fen
    else:
        if line.unit_price_fen is None or line.unit_price_fen <= 0:
            raise InvalidInput("bad_amount", "An open-amount line needs a price above ¥0.00",
                               variant="open_price")
        if line.unit_price_fen > MAX_AMOUNT_FEN:
            raise InvalidInput("bad_amount", f"{format_fen(line.unit_price_fen)} is not plausible",
                               variant="implausible", amount_fen=line.unit_price_fen)
        name, price = line.name[:64], line.unit_price_fen
    return (PricedLine(barcode=line.barcode, name=name, qty=line.qty, unit_price_fen=price,
                       amount_fen=price * line.qty), list_price)


# -- tenders ------------------------------------------------------------------------------------

def _post_tenders(ctx: Ctx, sale_id: int, receipt_no: str, member: Member | None,
                  tenders: list[TenderIn], total_fen: int, pin: str | None,
                  verdict: spend_gate.Verdict | None,
                  gift_verdict: spend_gate.Verdict | None) -> list[PaidTender]:
    """Share the total over the tenders (:func:`storeapp.pricing.allocate`) and post each: the
    stored-value share is spent from the member's principal and bonus in proportion, a gift
    card's from its balance."""
    paid = []
    for share in pricing.allocate(tenders, total_fen):
        principal = bonus = 0
        card_no = None
        if share.method == "wallet" and share.amount_fen:
            if member is None:
                raise InvalidInput("member_required", "Stored value needs a member",
                                   variant="wallet")
            principal, bonus = wallet.spend(ctx, member, share.amount_fen, ref=receipt_no,
                                            pin=pin, verdict=verdict)
        elif share.method == "giftcard" and share.amount_fen:
            card_no = giftcards.spend(ctx, str(share.ref), share.amount_fen, ref=receipt_no,
                                      verdict=gift_verdict)
        elif share.method == "account" and share.amount_fen:
            card_no = companies.take(ctx, str(share.ref), share.amount_fen, ref=receipt_no)
        row = PaidTender(method=share.method, amount_fen=share.amount_fen,
                         tendered_fen=share.tendered_fen, change_fen=share.change_fen,
                         principal_fen=principal, bonus_fen=bonus, ref=card_no)
        insert_row(ctx.session, Tender, sale_id=sale_id, **row.to_json())
        shifts.record_payment(ctx, "sale", share.method, share.amount_fen)
        paid.append(row)
    return paid


def _event_fields(result: SaleResult | RefundResult) -> dict[str, object]:
    """A sale's or refund's event: its result without the member's state after it (head
    office has its own), and without ``member_after`` when there was no member, as before."""
    return {k: v for k, v in result.to_json().items() if k != "member_after"}


def _money_fields(q: Quote) -> dict[str, int | str | None]:
    return {"subtotal_fen": q.subtotal_fen, "discount_fen": q.discount_fen,
            "coupon_code": q.coupon_code, "coupon_fen": q.coupon_fen,
            "points_redeemed": q.points_redeemed, "points_fen": q.points_fen,
            "total_fen": q.total_fen}


def _slip(kind: str, ctx: Ctx, result: ActionResult, member: Member | None) -> dict[str, object]:
    """The receipt of a sale or refund as the action left things: its result, and the member's
    balance, points and tier after it (the sale's tier-progress line names the tiers), and
    what a paid plan saved the member or would have (this sale included), and head office's
    campaign lines for the member."""
    payload: dict[str, object] = {kind: receipt_jobs.result_part(result)}
    if member is not None:
        payload["member"] = receipt_jobs.member_fields(members.view(ctx.db, member))
        if kind == "sale":
            payload["tier_names"] = receipt_jobs.tier_names(ctx.db.settings)
            worth = receipt_jobs.plan_value(ctx.session, ctx.db.settings, member.member_id,
                                            ctx.now)
            if worth is not None:
                payload["plan_value"] = worth
            payload.update(receipt_jobs.self_service(ctx.db.settings, member.member_id,
                                                     ctx.now))
            said = prompts.live(ctx.session, member.member_id, ctx.now)
            if said:  # head office's campaign line: the cashier said it, the slip keeps it
                payload["prompts"] = said
    return payload


def _member_after(ctx: Ctx, member: Member, growth: int | None = None) -> MemberAfter:
    progress = tiers.progress(ctx.session, ctx.db.settings, member, ctx.now, growth)
    return MemberAfter(
        balance_fen=member.principal_fen + member.bonus_fen,
        principal_fen=member.principal_fen, bonus_fen=member.bonus_fen,
        points=member.points, tier=member.tier,
        next_tier=progress.next_tier.code if progress.next_tier else None,
        to_next_tier_fen=progress.to_next_fen, near_next_tier=progress.near,
    )
