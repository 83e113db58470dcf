"""Sales: pricing a cart (tier and plan discount, coupon, points), mixed tenders, receipt numbers,
and refunds by receipt number.

:func:`quote` prices a cart without writing (the counter shows it as the cart changes);
:func:`checkout` prices it again inside the transaction and posts everything at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from storeapp import receipt_jobs, rules
from storeapp.actions import Ctx, Result, key_or_new, run_action
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.models import Member, PointsLot, Product, Refund, Sale, SaleLine, Tender
from storeapp.money import MAX_AMOUNT_FEN, format_fen, percent_of
from storeapp.sequences import insert_row, next_value
from storeapp.services import coupons, members, plans, points, shifts, spend_gate, tiers, wallet
from storeapp.services.users import Grant, record_approval

TENDER_METHODS = ("wallet", "cash", "card", "wechat", "alipay")
MAX_LINES = 200
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


@dataclass(frozen=True)
class TenderIn:
    """How the customer pays part of the sale. For cash, ``amount_fen`` is what was handed over
    (change is given back); ``None`` means "whatever is left"."""

    method: str
    amount_fen: int | None = None


@dataclass
class Quote:
    lines: list[dict[str, Any]]
    subtotal_fen: int
    discount_pct: str
    discount_fen: int
    coupon_code: str | None
    coupon_fen: int
    points_redeemed: int
    points_fen: int
    max_points: int
    total_fen: int
    points_to_earn: int
    member_id: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Catalog lines sold at another price: line_no, barcode, list and charged unit price.
    overrides: list[dict[str, Any]] = field(default_factory=list)


def quote(db: Database, *, member_ref: str | None, lines: list[LineIn],
          coupon_code: str | None = None, redeem_points: int = 0) -> Quote:
    """Price a cart as checkout would, without changing anything."""
    with db.reader() as s:
        ctx = Ctx(db=db, session=s, key="quote", kind="quote", actor="", now=db.clock.now())
        member = members.load(db, s, member_ref) if member_ref else None
        return _price(ctx, member, lines, coupon_code, redeem_points)


def checkout(
    db: Database, *, member_ref: str | None, lines: list[LineIn], tenders: list[TenderIn],
    actor: str, coupon_code: str | None = None, redeem_points: int = 0, pin: str | None = None,
    key: str | None = None, override: Grant | None = None,
) -> Result:
    """Complete a sale: one transaction for sale, lines, tenders, wallet and points entries,
    coupon use, tier upgrade, audit row and outbox event. ``override`` is the manager's approval
    for price overrides (required when any line has one).

    At a till linked to head office, a stored-value payment is first held by head office
    (or checked against the offline allowance): see :mod:`storeapp.services.spend_gate`."""
    key = key_or_new(key)
    _check_tenders(tenders)
    request = {
        "member": member_ref,
        "lines": [(x.barcode, x.qty, x.unit_price_fen, x.name) for x in lines],
        "tenders": [(t.method, t.amount_fen) for t in tenders], "coupon": coupon_code,
        "points": redeem_points,
    }

    def body(ctx: Ctx) -> Result:
        s, settings = ctx.session, ctx.db.settings
        member = members.load(db, s, member_ref) if member_ref else None
        if member is not None:
            members.require_open(member)
        priced = _price(ctx, member, lines, coupon_code, redeem_points)
        receipt_no = (f"R{int(settings.store_code):04d}{int(settings.till_no):02d}"
                      f"{next_value(s, 'receipt'):07d}")
        if priced.overrides:
            record_approval(ctx, override, kind="price_override", subject=receipt_no)
            ctx.audit("price_overridden", receipt_no, lines=priced.overrides)
        member_id = member.member_id if member else None
        sale_id = insert_row(
            s, Sale, receipt_no=receipt_no, action_key=ctx.key, member_id=member_id,
            cashier=ctx.actor, store_code=settings.store_code, till_no=int(settings.till_no),
            **_money_fields(priced), points_earned=priced.points_to_earn, status="completed",
            created_at=ctx.now,
        )
        for no, line in enumerate(priced.lines, start=1):
            insert_row(s, SaleLine, sale_id=sale_id, line_no=no, **line)
        paid = _post_tenders(ctx, sale_id, receipt_no, member, tenders, priced.total_fen, pin,
                             verdict)
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
        result = {
            "receipt_no": receipt_no, "sale_key": ctx.key, "at": ctx.now.isoformat(),
            "member_id": member_id, **_money_fields(priced), "tenders": paid,
            "change_fen": sum(t["change_fen"] for t in paid), "lines": priced.lines,
            "points_earned": priced.points_to_earn,
            "tier_upgraded_to": upgraded.code if upgraded else None,
            "price_overrides": priced.overrides,
        }
        if member is not None:
            result["member_after"] = _member_after(ctx, member, growth)
        ctx.audit("sale_completed", receipt_no, total_fen=priced.total_fen,
                  tenders={t["method"]: t["amount_fen"] for t in paid})
        ctx.emit("sale_completed", **{k: v for k, v in result.items() if k != "member_after"})
        if upgraded is not None:
            assert member is not None
            tiers.record_change(ctx, member.member_id, previous_tier, upgraded.code, "checkout")
            ctx.emit("member_tier_changed", member_id=member_id, tier=upgraded.code,
                     by="sale", receipt_no=receipt_no)
        ctx.receipt("sale", _slip("sale", ctx, result, member))
        return result

    def share() -> tuple[str | None, int]:
        return _wallet_share(db, member_ref, lines, tenders, coupon_code, redeem_points)

    with spend_gate.spending(db, key=key, share=share) as verdict, \
            wallet.pin_tries_counted(db):
        return run_action(db, key=key, kind="sale", actor=actor, request=request, body=body)


def _wallet_share(db: Database, member_ref: str | None, lines: list[LineIn],
                  tenders: list[TenderIn], coupon_code: str | None,
                  redeem_points: int) -> tuple[str | None, int]:
    """The member and the stored value a sale will spend, worked out before its transaction
    as :func:`_post_tenders` will: a wallet tender without an amount takes what is left."""
    wallet_tender = next((t for t in tenders if t.method == "wallet"), None)
    if wallet_tender is None or not member_ref:
        return None, 0
    if wallet_tender.amount_fen is not None:
        with db.reader() as s:
            return members.load(db, s, member_ref).member_id, wallet_tender.amount_fen
    priced = quote(db, member_ref=member_ref, lines=lines, coupon_code=coupon_code,
                   redeem_points=redeem_points)
    fixed = sum(t.amount_fen or 0 for t in tenders if t.method != "cash")
    return priced.member_id, max(0, priced.total_fen - fixed)


def refund(db: Database, receipt_no: str, *, actor: str, grant: Grant | None,
           key: str | None = None) -> Result:
    """Refund a whole sale: money back along its tenders, earned points clawed back, redeemed
    points and the coupon (while still valid) given back. Needs a manager's approval."""
    receipt_no = (receipt_no or "").strip().upper()

    def body(ctx: Ctx) -> Result:
        s = ctx.session
        sale = s.scalar(select(Sale).where(Sale.receipt_no == receipt_no))
        if sale is None:
            raise NotFound("unknown_receipt", f"No sale with receipt number {receipt_no}",
                           receipt_no=receipt_no)
        if sale.status == "refunded":
            raise Refused("already_refunded", f"Sale {receipt_no} was already refunded",
                          receipt_no=receipt_no)
        approval_id = record_approval(ctx, grant, kind="refund", subject=receipt_no)
        member = s.get(Member, sale.member_id) if sale.member_id else None
        returned = []
        for tender in s.scalars(select(Tender).where(Tender.sale_id == sale.id)):
            if tender.method == "wallet" and member is not None and member.status == "closed":
                # the account is gone: its principal is paid out as at closing, bonus forfeited
                over = tender.principal_fen > int(ctx.db.settings.cash_refund_transfer_over_fen)
                paid_by = "transfer" if over else "cash"
                returned.append({"method": paid_by,
                                 "amount_fen": tender.principal_fen, "principal_fen": 0,
                                 "bonus_fen": 0, "bonus_forfeited_fen": tender.bonus_fen})
                shifts.record_payment(ctx, "refund", paid_by, -tender.principal_fen)
                continue
            if tender.method == "wallet":
                assert member is not None
                wallet.refund_spend(ctx, member, tender.principal_fen, tender.bonus_fen,
                                    ref=receipt_no)
            returned.append({"method": tender.method, "amount_fen": tender.amount_fen,
                             "principal_fen": tender.principal_fen,
                             "bonus_fen": tender.bonus_fen})
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
        result = {
            "receipt_no": receipt_no, "refund_key": ctx.key, "amount_fen": sale.total_fen,
            "tenders": returned, "member_id": sale.member_id, "points_clawed_back": clawed,
            "points_clawback_shortfall": shortfall, "points_returned": given_back,
            "coupon_restored": coupon_back, "at": ctx.now.isoformat(),
        }
        if member is not None:
            s.flush()  # growth is read through Core, which does not autoflush the status change
            result["member_after"] = _member_after(ctx, member)
        ctx.audit("sale_refunded", receipt_no, amount_fen=sale.total_fen,
                  approver=grant.approver if grant else None)
        ctx.emit("sale_refunded", **{k: v for k, v in result.items() if k != "member_after"})
        ctx.receipt("refund", _slip("refund", ctx, result, member))
        return result

    return run_action(db, key=key_or_new(key), kind="refund", actor=actor,
                      request={"receipt_no": receipt_no}, body=body)


def get_sale(db: Database, receipt_no: str) -> Result:
    """A sale as stored, for reprints and the refund screen."""
    with db.reader() as s:
        sale = s.scalar(select(Sale).where(Sale.receipt_no == receipt_no.strip().upper()))
        if sale is None:
            raise NotFound("unknown_receipt", f"No sale with receipt number {receipt_no}",
                           receipt_no=receipt_no)
        lines = s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id)
                          .order_by(SaleLine.line_no)).all()
        paid = s.scalars(select(Tender).where(Tender.sale_id == sale.id)).all()
        return {
            "receipt_no": sale.receipt_no, "member_id": sale.member_id, "cashier": sale.cashier,
            "at": sale.created_at.isoformat(), "status": sale.status,
            "subtotal_fen": sale.subtotal_fen, "discount_fen": sale.discount_fen,
            "coupon_code": sale.coupon_code, "coupon_fen": sale.coupon_fen,
            "points_redeemed": sale.points_redeemed, "points_fen": sale.points_fen,
            "total_fen": sale.total_fen, "points_earned": sale.points_earned,
            "lines": [{"barcode": x.barcode, "name": x.name, "qty": x.qty,
                       "unit_price_fen": x.unit_price_fen, "amount_fen": x.amount_fen}
                      for x in lines],
            "tenders": [{"method": t.method, "amount_fen": t.amount_fen,
                         "tendered_fen": t.tendered_fen, "change_fen": t.change_fen,
                         "principal_fen": t.principal_fen, "bonus_fen": t.bonus_fen}
                        for t in paid],
        }


# -- pricing ------------------------------------------------------------------------------------

def _price(ctx: Ctx, member: Member | None, lines: list[LineIn], coupon_code: str | None,
           redeem_points: int) -> Quote:
    settings = ctx.db.settings
    priced_lines, overrides = [], []
    for line_no, line in enumerate(lines, start=1):
        priced_line, list_price = _price_line(ctx, line)
        priced_lines.append(priced_line)
        if list_price is not None:
            overrides.append({"line_no": line_no, "barcode": line.barcode,
                              "list_price_fen": list_price,
                              "unit_price_fen": priced_line["unit_price_fen"]})
    if not priced_lines:
        raise InvalidInput("empty_cart", "The cart is empty")
    if len(priced_lines) > MAX_LINES:
        raise InvalidInput("cart_too_big", f"At most {MAX_LINES} lines in one sale",
                           max_lines=MAX_LINES)
    subtotal = sum(line["amount_fen"] for line in priced_lines)
    if subtotal > MAX_AMOUNT_FEN:
        raise InvalidInput("bad_amount", f"Sale total {format_fen(subtotal)} is not plausible",
                           variant="sale_total", total_fen=subtotal)
    pct, plan_mult = Decimal(0), Decimal(1)
    if member is not None:
        pct = tiers.by_code(settings, member.tier).discount_pct
        plan = plans.active(ctx.session, member.member_id, ctx.now)
        if plan is not None:
            pct, plan_mult = pct + plan.extra_discount_pct, plan.points_multiplier
    discount = percent_of(subtotal, pct)
    after_discount = subtotal - discount
    coupon_fen, code = 0, None
    if coupon_code:
        checked = coupons.check(ctx, coupon_code, member.member_id if member else None,
                                after_discount)
        coupon_fen, code = checked.off_fen, checked.code
    after_coupon = after_discount - coupon_fen
    fen_per_point = int(settings.points_fen_per_point)
    max_points = rules.max_redeemable_points(settings, after_coupon)
    if member is not None:
        max_points = min(max_points, member.points)
    if redeem_points < 0:
        raise InvalidInput("bad_points", "Points to redeem must not be negative")
    if redeem_points:
        if member is None:
            raise InvalidInput("member_required", "Points can only be redeemed by a member",
                               variant="points")
        least = int(settings.points_redeem_min)
        if redeem_points < least:
            raise InvalidInput("points_below_minimum", f"Redeem at least {least} points",
                               min_points=least)
        if redeem_points > member.points:
            raise Refused("insufficient_points", f"Member has only {member.points} points",
                          points=member.points)
        if redeem_points > max_points:
            max_pct = int(settings.points_redeem_max_pct)
            raise Refused("points_over_cap", f"Points may pay at most {max_pct}% of this sale: "
                          f"at most {max_points} points", max_pct=max_pct, max_points=max_points)
    points_fen = redeem_points * fen_per_point
    total = after_coupon - points_fen
    earn = 0
    if member is not None:
        earn = rules.points_for(settings, total,
                                 points.multiplier(settings, member, ctx.now, plan_mult))
    return Quote(priced_lines, subtotal, str(pct), discount, code, coupon_fen, redeem_points,
                 points_fen, max_points, total, earn, member.member_id if member else None,
                 overrides=overrides)


def _price_line(ctx: Ctx, line: LineIn) -> tuple[dict[str, Any], int | None]:
    """The priced line, and the list price when the line overrides it (else None)."""
    if not 1 <= line.qty <= MAX_QTY:
        raise InvalidInput("bad_qty", f"Quantity must be 1 to {MAX_QTY}", max_qty=MAX_QTY)
    list_price = None
    if line.barcode is not None:
        product = ctx.session.get(Product, line.barcode)
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
    return ({"barcode": line.barcode, "name": name, "qty": line.qty, "unit_price_fen": price,
             "amount_fen": price * line.qty}, list_price)


def _money_fields(q: Quote) -> dict[str, Any]:
    return {"subtotal_fen": q.subtotal_fen, "discount_fen": q.discount_fen,
            "coupon_code": q.coupon_code, "coupon_fen": q.coupon_fen,
            "points_redeemed": q.points_redeemed, "points_fen": q.points_fen,
            "total_fen": q.total_fen}


# -- tenders ------------------------------------------------------------------------------------

def _check_tenders(tenders: list[TenderIn]) -> None:
    if not tenders:
        raise InvalidInput("no_tender", "Say how the customer pays")
    methods = [t.method for t in tenders]
    for method in methods:
        if method not in TENDER_METHODS:
            allowed = ", ".join(TENDER_METHODS)
            raise InvalidInput("bad_method", f"Payment method must be one of {allowed}",
                               allowed=allowed)
    if len(set(methods)) != len(methods):
        raise InvalidInput("bad_tender", "Each payment method at most once per sale",
                           variant="repeated")
    if sum(t.amount_fen is None for t in tenders) > 1:
        raise InvalidInput("bad_tender", "Only one payment method can take the rest",
                           variant="two_rests")
    for t in tenders:
        if t.amount_fen is not None and not 0 < t.amount_fen <= MAX_AMOUNT_FEN:
            raise InvalidInput("bad_amount", f"The {t.method} amount must be more than ¥0.00",
                               variant="zero", method=t.method)


def _post_tenders(ctx: Ctx, sale_id: int, receipt_no: str, member: Member | None,
                  tenders: list[TenderIn], total_fen: int, pin: str | None,
                  verdict: spend_gate.Verdict | None) -> list[dict[str, Any]]:
    """Split the total over the tenders; cash may exceed what is left (change given)."""
    fixed = sum(t.amount_fen or 0 for t in tenders if t.method != "cash")
    rest_taker = next((t for t in tenders if t.amount_fen is None), None)
    cash = next((t for t in tenders if t.method == "cash"), None)
    if fixed > total_fen:
        raise Refused("overpaid", f"Payments {format_fen(fixed)} exceed the total "
                      f"{format_fen(total_fen)}", paid_fen=fixed, total_fen=total_fen)
    left_for_cash = total_fen - fixed
    if rest_taker is not None and rest_taker.method != "cash":
        left_for_cash = 0
    if cash is None and rest_taker is None and fixed != total_fen:
        raise Refused("underpaid", f"Payments {format_fen(fixed)} do not cover the total "
                      f"{format_fen(total_fen)}", paid_fen=fixed, total_fen=total_fen)
    if cash is not None and cash.amount_fen is not None and cash.amount_fen < left_for_cash:
        raise Refused("underpaid", f"Cash {format_fen(cash.amount_fen)} does not cover the "
                      f"{format_fen(left_for_cash)} left to pay", variant="cash",
                      cash_fen=cash.amount_fen, due_fen=left_for_cash)
    if cash is not None and rest_taker is not None and rest_taker is not cash:
        raise InvalidInput("bad_tender", "Give the cash amount handed over when mixing tenders",
                           variant="cash_amount")
    paid = []
    for t in tenders:
        if t.method == "cash":
            amount = left_for_cash
            tendered = t.amount_fen if t.amount_fen is not None else amount
        elif t.amount_fen is None:
            amount = tendered = total_fen - fixed
        else:
            amount = tendered = t.amount_fen
        principal = bonus = 0
        if t.method == "wallet" and amount:
            if member is None:
                raise InvalidInput("member_required", "Stored value needs a member",
                                   variant="wallet")
            principal, bonus = wallet.spend(ctx, member, amount, ref=receipt_no, pin=pin,
                                            verdict=verdict)
        change = tendered - amount
        if amount == 0 and change == 0:
            continue
        row = {"method": t.method, "amount_fen": amount, "tendered_fen": tendered,
               "change_fen": change, "principal_fen": principal, "bonus_fen": bonus}
        insert_row(ctx.session, Tender, sale_id=sale_id, **row)
        shifts.record_payment(ctx, "sale", t.method, amount)
        paid.append(row)
    return paid


def _slip(kind: str, ctx: Ctx, result: Result, member: Member | None) -> dict[str, Any]:
    """The receipt of a sale or refund as the action left things: its result, and the member's
    balance, points and tier after it (the sale's tier-progress line names the tiers)."""
    payload: dict[str, Any] = {kind: receipt_jobs.result_part(result)}
    if member is not None:
        payload["member"] = receipt_jobs.member_fields(members.view(ctx.db, member))
        if kind == "sale":
            payload["tier_names"] = receipt_jobs.tier_names(ctx.db.settings)
    return payload


def _member_after(ctx: Ctx, member: Member, growth: int | None = None) -> dict[str, Any]:
    progress = tiers.progress(ctx.session, ctx.db.settings, member, ctx.now, growth)
    return {
        "balance_fen": member.principal_fen + member.bonus_fen,
        "principal_fen": member.principal_fen, "bonus_fen": member.bonus_fen,
        "points": member.points, "tier": member.tier,
        "next_tier": progress.next_tier.code if progress.next_tier else None,
        "to_next_tier_fen": progress.to_next_fen, "near_next_tier": progress.near,
    }
