"""Pricing a cart and sharing its total over the tenders: pure functions, no database, no clock.

A service loads what they need (catalog prices, the member's terms, the coupon's terms, the
chain's rules) and calls :func:`price` and :func:`allocate`; the counter's checkout dialog, the
bulk demo and the benchmarks call the same functions, and property tests run against them
directly. Head office checks a till's sale by the same rules (:mod:`sync.hq.verify`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from storeapp.errors import InvalidInput, Refused
from storeapp.ids import MemberId
from storeapp.money import MAX_AMOUNT_FEN, format_fen, percent_of
from storeapp.results import Record
from storeapp.settings import Settings

MAX_LINES = 200
TENDER_METHODS = ("wallet", "cash", "card", "wechat", "alipay", "giftcard", "account")
#: the tenders that name what they take from (``TenderIn.ref``): a gift card, a company
REF_METHODS = ("giftcard", "account")


# -- what pricing takes -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PricedLine(Record):
    """A cart line at the price it sells for."""

    barcode: str | None
    name: str
    qty: int
    unit_price_fen: int
    amount_fen: int


@dataclass(frozen=True, eq=False)
class PriceOverride(Record):
    """A catalog line sold at another price than the catalog's (needs a manager)."""

    line_no: int
    barcode: str | None
    list_price_fen: int
    unit_price_fen: int


@dataclass(frozen=True)
class MemberTerms:
    """What a member's sale is priced by: the points they hold, the discount of their tier and
    paid plan together, and the points multiplier of tier, plan, promotion day and birthday.
    A member linked to a staff user (内部会员) names that user and the staff discount already
    given this store-local month (:func:`member_discount`)."""

    member_id: MemberId
    points: int
    discount_pct: Decimal
    points_multiplier: Decimal
    staff_code: str | None = None
    staff_used_fen: int = 0


@dataclass(frozen=True)
class CouponTerms:
    """A coupon already found usable by this member now; what it takes off depends on the
    amount (:func:`coupon_off`)."""

    code: str
    kind: str
    value: int
    min_spend_fen: int


@dataclass(frozen=True)
class PricingRules:
    """The chain's points and staff-price rules a sale is priced by."""

    points_per_yuan: int
    points_fen_per_point: int
    points_redeem_min: int
    points_redeem_max_pct: int
    staff_discount_pct: Decimal = Decimal(0)
    staff_monthly_discount_cap_fen: int = 0

    @classmethod
    def of(cls, settings: Settings) -> PricingRules:
        return cls(points_per_yuan=settings.points_per_yuan,
                   points_fen_per_point=settings.points_fen_per_point,
                   points_redeem_min=settings.points_redeem_min,
                   points_redeem_max_pct=settings.points_redeem_max_pct,
                   staff_discount_pct=Decimal(settings.staff_discount_pct),
                   staff_monthly_discount_cap_fen=settings.staff_monthly_discount_cap_fen)


# -- the price ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quote:
    """A priced cart: what the counter shows as the cart changes, and what checkout posts."""

    lines: list[PricedLine]
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
    overrides: list[PriceOverride] = field(default_factory=list)
    #: a staff sale (员工价): the staff user, and ``discount_fen`` is the staff discount
    staff_code: str | None = None
    staff_discount_fen: int = 0


def price(lines: Sequence[PricedLine], member: MemberTerms | None, coupon: CouponTerms | None,
          redeem_points: int, rules: PricingRules, *,
          overrides: Sequence[PriceOverride] = ()) -> Quote:
    """The sale's price: subtotal, the member's discount, the coupon, the points redeemed, the
    total to pay and the points it earns. Refuses what the rules do not allow."""
    subtotal = subtotal_of(lines)
    pct, discount, staff = member_discount(subtotal, member, rules)
    after_discount = subtotal - discount
    coupon_fen = coupon_off(coupon, after_discount) if coupon is not None else 0
    after_coupon = after_discount - coupon_fen
    max_points = max_redeemable_points(rules, after_coupon)
    if member is not None:
        max_points = min(max_points, member.points)
    _check_redeem(redeem_points, member, max_points, rules)
    points_fen = redeem_points * rules.points_fen_per_point
    total = after_coupon - points_fen
    earn = points_for(rules, total, member.points_multiplier) if member is not None else 0
    return Quote(list(lines), subtotal, str(pct), discount, coupon.code if coupon else None,
                 coupon_fen, redeem_points, points_fen, max_points, total, earn,
                 member.member_id if member else None, overrides=list(overrides),
                 staff_code=member.staff_code if member and staff else None,
                 staff_discount_fen=staff)


def member_discount(subtotal_fen: int, member: MemberTerms | None,
                    rules: PricingRules) -> tuple[Decimal, int, int]:
    """The member's discount on ``subtotal_fen``: percent, fen, and the staff discount in it.

    A staff member gets the staff percent instead of the tier and plan discount when it takes
    off more; it never takes the month's staff discount past the cap (what is left of the cap
    limits it). Returns the staff discount as 0 when the tier and plan discount applies."""
    if member is None:
        return Decimal(0), 0, 0
    discount = percent_of(subtotal_fen, member.discount_pct)
    if member.staff_code is None:
        return member.discount_pct, discount, 0
    room = max(0, rules.staff_monthly_discount_cap_fen - member.staff_used_fen)
    staff = min(percent_of(subtotal_fen, rules.staff_discount_pct), room)
    if staff <= discount:
        return member.discount_pct, discount, 0
    return rules.staff_discount_pct, staff, staff


def subtotal_of(lines: Sequence[PricedLine]) -> int:
    """The cart's subtotal; refuses an empty, oversized or implausible cart."""
    if not lines:
        raise InvalidInput("empty_cart", "The cart is empty")
    if len(lines) > MAX_LINES:
        raise InvalidInput("cart_too_big", f"At most {MAX_LINES} lines in one sale",
                           max_lines=MAX_LINES)
    subtotal = sum(line.amount_fen for line in lines)
    if subtotal > MAX_AMOUNT_FEN:
        raise InvalidInput("bad_amount", f"Sale total {format_fen(subtotal)} is not plausible",
                           variant="sale_total", total_fen=subtotal)
    return subtotal


def coupon_off(coupon: CouponTerms, amount_fen: int) -> int:
    """What the coupon takes off a sale of ``amount_fen`` (after the member's discount)."""
    if amount_fen < coupon.min_spend_fen:
        least = format_fen(coupon.min_spend_fen)
        raise Refused("coupon_min_spend", f"Coupon {coupon.code} needs a spend of at least "
                      f"{least}", coupon=coupon.code, min_spend_fen=coupon.min_spend_fen)
    if coupon.kind == "amount_off":
        return min(coupon.value, amount_fen)
    if coupon.kind == "percent_off":
        return percent_of(amount_fen, coupon.value)
    return 0


def max_redeemable_points(rules: PricingRules, payable_fen: int) -> int:
    """Most points a sale of ``payable_fen`` (after discount and coupon) may redeem."""
    share = payable_fen * rules.points_redeem_max_pct // 100
    return share // rules.points_fen_per_point


def points_for(rules: PricingRules, paid_fen: int, mult: Decimal) -> int:
    """Whole yuan actually paid × points per yuan × multiplier, rounded down."""
    whole_yuan = max(0, paid_fen) // 100
    exact = Decimal(whole_yuan * rules.points_per_yuan) * mult
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def check_points_held(redeem_points: int, held_points: int, rules: PricingRules) -> None:
    """Refuse redeeming fewer points than the rules' minimum, or more than the member holds."""
    least = rules.points_redeem_min
    if redeem_points < least:
        raise InvalidInput("points_below_minimum", f"Redeem at least {least} points",
                           min_points=least)
    if redeem_points > held_points:
        raise Refused("insufficient_points", f"Member has only {held_points} points",
                      points=held_points)


def _check_redeem(redeem_points: int, member: MemberTerms | None, max_points: int,
                  rules: PricingRules) -> None:
    if redeem_points < 0:
        raise InvalidInput("bad_points", "Points to redeem must not be negative")
    if not redeem_points:
        return
    if member is None:
        raise InvalidInput("member_required", "Points can only be redeemed by a member",
                           variant="points")
    check_points_held(redeem_points, member.points, rules)
    if redeem_points > max_points:
        max_pct = rules.points_redeem_max_pct
        raise Refused("points_over_cap", f"Points may pay at most {max_pct}% of this sale: "
                      f"at most {max_points} points", max_pct=max_pct, max_points=max_points)


# -- paying it ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TenderIn:
    """How the customer pays part of the sale. For cash, ``amount_fen`` is what was handed over
    (change is given back); ``None`` means "whatever is left"."""

    method: str
    amount_fen: int | None = None
    #: what the tender names: the gift card (its QR or number) a ``giftcard`` tender takes
    ref: str | None = None


@dataclass(frozen=True)
class Allocation:
    """What one method pays of the total; cash may have been handed over in excess
    (``tendered_fen``), the difference going back as change."""

    method: str
    amount_fen: int
    tendered_fen: int
    change_fen: int
    ref: str | None = None


def check_tenders(tenders: Sequence[TenderIn]) -> None:
    """Refuse tenders no sale could take, whatever its total."""
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
        if t.method == "account" and not t.ref:
            raise InvalidInput("bad_tender", "A sale on account names the company",
                               variant="account")
        if (t.method in REF_METHODS) != bool(t.ref):
            raise InvalidInput("bad_tender", "A gift card payment names its card (scan it)",
                               variant="giftcard")
        if t.amount_fen is not None and not 0 < t.amount_fen <= MAX_AMOUNT_FEN:
            raise InvalidInput("bad_amount", f"The {t.method} amount must be more than ¥0.00",
                               variant="zero", method=t.method)


def allocate(tenders: Sequence[TenderIn], total_fen: int) -> list[Allocation]:
    """Share ``total_fen`` over the tenders, in their order: each non-cash method pays what it
    says, the one without an amount pays what is left, cash pays the rest and gives change.
    A tender that ends up paying nothing is left out. Refuses over- and underpayment."""
    fixed = sum(t.amount_fen or 0 for t in tenders if t.method != "cash")
    rest_taker = next((t for t in tenders if t.amount_fen is None), None)
    cash = next((t for t in tenders if t.method == "cash"), None)
    non_cash_rest = rest_taker is not None and rest_taker.method != "cash"
    left_for_cash = 0 if non_cash_rest else total_fen - fixed
    _check_covered(total_fen, fixed, left_for_cash, cash, rest_taker)
    shares = [_share(t, total_fen - fixed, left_for_cash) for t in tenders]
    return [s for s in shares if s.amount_fen or s.change_fen]


def _check_covered(total_fen: int, fixed: int, left_for_cash: int, cash: TenderIn | None,
                   rest_taker: TenderIn | None) -> None:
    """Refuse tenders that pay more than the total, or less, or cash that takes the rest while
    another method does too."""
    if fixed > total_fen:
        raise Refused("overpaid", f"Payments {format_fen(fixed)} exceed the total "
                      f"{format_fen(total_fen)}", paid_fen=fixed, total_fen=total_fen)
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


def _share(tender: TenderIn, rest_fen: int, left_for_cash: int) -> Allocation:
    if tender.method == "cash":
        given = tender.amount_fen
        return Allocation("cash", left_for_cash, given if given is not None else left_for_cash,
                          (given - left_for_cash) if given is not None else 0)
    amount = rest_fen if tender.amount_fen is None else tender.amount_fen
    return Allocation(tender.method, amount, amount, 0, tender.ref)


def typed_tenders(total_fen: int, *, wallet_fen: int, other_method: str, other_fen: int,
                  cash_fen: int, giftcard_ref: str | None = None, giftcard_fen: int = 0,
                  account_ref: str | None = None, account_fen: int = 0) -> list[TenderIn]:
    """The tenders a cashier means by the amounts typed at checkout (stored value, a gift card
    scanned, a company's account, another method, cash handed over): when cash is not given and
    the rest does not cover the total, the other method takes what is left.

    A gift-card or on-account amount goes with what it names (``giftcard_ref``: the card's QR
    or number; ``account_ref``: the company's code). An amount typed without its card or
    company is kept without one, so that :func:`check_tenders` refuses it saying which is
    missing rather than the sale quietly going to another method; a card or company named with
    no amount pays nothing."""
    tenders = []
    if wallet_fen:
        tenders.append(TenderIn("wallet", wallet_fen))
    if giftcard_fen:
        tenders.append(TenderIn("giftcard", giftcard_fen, ref=_named(giftcard_ref)))
    if account_fen:
        tenders.append(TenderIn("account", account_fen, ref=_named(account_ref)))
    if other_fen:
        tenders.append(TenderIn(other_method, other_fen))
    if cash_fen:
        tenders.append(TenderIn("cash", cash_fen))
    fixed = wallet_fen + giftcard_fen + account_fen + other_fen
    if not tenders or (not cash_fen and fixed < total_fen):
        tenders = [t for t in tenders if t.method != other_method]
        tenders.append(TenderIn(other_method, None))
    return tenders


def _named(ref: str | None) -> str | None:
    """What a tender names, as typed or scanned (surrounding blanks are no name)."""
    return (ref or "").strip() or None
