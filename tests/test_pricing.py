"""The pure rules layer (storeapp.pricing, storeapp.ledger's rows), property-tested directly:
no database, no clock. What checkout posts and what the counter previews come from here."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storeapp import ledger, pricing
from storeapp.errors import DomainError, InvalidInput, Refused
from storeapp.money import split_in_proportion
from storeapp.pricing import (
    CouponTerms,
    MemberTerms,
    PricedLine,
    PricingRules,
    TenderIn,
    allocate,
    price,
    typed_tenders,
)
from storeapp.settings import Settings

RULES = PricingRules.of(Settings())  # 1 point per yuan, 1 fen a point, ≥100, ≤50 %

amounts = st.integers(min_value=1, max_value=200_000)
lines = st.lists(st.builds(lambda unit, qty: PricedLine(barcode=None, name="货", qty=qty,
                                                        unit_price_fen=unit,
                                                        amount_fen=unit * qty),
                           st.integers(1, 50_000), st.integers(1, 5)), min_size=1, max_size=8)
terms = st.builds(lambda pct, pts, mult: MemberTerms(member_id="m", points=pts,
                                                     discount_pct=Decimal(pct),
                                                     points_multiplier=Decimal(mult)),
                  st.sampled_from(["0", "2", "5", "10", "12.5"]), st.integers(0, 50_000),
                  st.sampled_from(["1", "1.2", "1.5", "2.0", "3.0"]))
coupons = st.builds(lambda kind, value, least: CouponTerms(code="CP-AAAAAAAA", kind=kind,
                                                           value=value, min_spend_fen=least),
                    st.sampled_from(["amount_off", "percent_off", "gift"]), st.integers(1, 99),
                    st.integers(0, 5_000))


@given(lines, st.one_of(st.none(), terms), st.one_of(st.none(), coupons),
       st.integers(0, 60_000))
def test_a_price_adds_up_and_keeps_within_the_rules(
        cart: list[PricedLine], member: MemberTerms | None, coupon: CouponTerms | None,
        redeem: int) -> None:
    try:
        q = price(cart, member, coupon, redeem, RULES)
    except DomainError as refused:  # a refusal names a rule the request broke
        assert refused.code in {"points_below_minimum", "insufficient_points", "points_over_cap",
                                "member_required", "coupon_min_spend", "bad_amount"}
        return
    assert q.subtotal_fen == sum(line.amount_fen for line in cart)
    assert 0 <= q.discount_fen <= q.subtotal_fen
    assert 0 <= q.coupon_fen <= q.subtotal_fen - q.discount_fen
    assert q.points_redeemed == redeem <= q.max_points
    assert q.points_fen == redeem * RULES.points_fen_per_point
    assert q.total_fen == q.subtotal_fen - q.discount_fen - q.coupon_fen - q.points_fen >= 0
    if member is None:
        assert (q.discount_fen, q.points_to_earn, redeem) == (0, 0, 0)
    else:
        assert redeem <= member.points
        exact = Decimal(q.total_fen // 100 * RULES.points_per_yuan) * member.points_multiplier
        assert q.points_to_earn == int(exact.to_integral_value(rounding=ROUND_FLOOR))


def test_an_empty_or_implausible_cart_is_refused_before_anything_else() -> None:
    with pytest.raises(InvalidInput) as empty:
        price([], None, None, 0, RULES)
    assert empty.value.code == "empty_cart"
    huge = PricedLine(barcode=None, name="金", qty=1, unit_price_fen=10**9, amount_fen=10**9)
    with pytest.raises(InvalidInput) as implausible:
        price([huge], None, None, 0, RULES)
    assert (implausible.value.code, implausible.value.variant) == ("bad_amount", "sale_total")


tenders = st.lists(st.builds(TenderIn, st.sampled_from(pricing.TENDER_METHODS),
                             st.one_of(st.none(), amounts)),
                   min_size=1, max_size=4, unique_by=lambda t: t.method)


@given(tenders, st.integers(0, 300_000))
def test_an_allocation_pays_exactly_the_total_and_only_cash_gives_change(
        paid_by: list[TenderIn], total: int) -> None:
    try:
        pricing.check_tenders(paid_by)
        shares = allocate(paid_by, total)
    except (InvalidInput, Refused) as refused:
        assert refused.code in {"overpaid", "underpaid", "bad_tender"}
        return
    assert sum(s.amount_fen for s in shares) == total
    given_amounts = {t.method: t.amount_fen for t in paid_by}
    for share in shares:
        assert share.amount_fen >= 0 and share.tendered_fen - share.amount_fen == share.change_fen
        if share.method != "cash":
            assert share.change_fen == 0
            assert given_amounts[share.method] in (None, share.amount_fen)
        else:
            assert share.change_fen >= 0


@given(st.integers(0, 100_000), st.integers(0, 100_000), st.integers(0, 100_000),
       st.integers(0, 100_000), st.sampled_from(["wechat", "alipay", "card"]))
def test_what_the_cashier_types_at_checkout_pays_the_total(
        total: int, wallet: int, other: int, cash: int, method: str) -> None:
    """The checkout dialog's amounts always make tenders that pay the total, or a refusal that
    says what is wrong (never a sale that does not add up)."""
    typed = typed_tenders(total, wallet_fen=wallet, other_method=method, other_fen=other,
                          cash_fen=cash)
    try:
        shares = allocate(typed, total)
    except Refused as refused:
        assert refused.code in {"overpaid", "underpaid"}
        assert wallet + other > total or (cash and wallet + other + cash < total)
        return
    except InvalidInput as refused:
        assert (refused.code, refused.variant) == ("bad_tender", "cash_amount")
        return
    assert sum(s.amount_fen for s in shares) == total
    change = sum(s.change_fen for s in shares)
    assert change == (max(0, cash - (total - wallet - other)) if cash else 0)


@given(st.integers(0, 100_000), st.integers(0, 100_000), st.integers(0, 100_000),
       st.integers(0, 100_000), st.integers(0, 100_000), st.integers(0, 100_000),
       st.sampled_from(["wechat", "alipay", "card"]))
def test_a_gift_card_and_a_company_account_typed_at_checkout_pay_the_total(
        total: int, wallet: int, gift: int, account: int, other: int, cash: int,
        method: str) -> None:
    """With a gift card scanned and a company chosen, the typed amounts still make tenders that
    every sale could take, each naming what it takes from, paying the total or refused."""
    typed = typed_tenders(total, wallet_fen=wallet, other_method=method, other_fen=other,
                          cash_fen=cash, giftcard_ref=" G1-0001010000001-50000-202903-ABC ",
                          giftcard_fen=gift, account_ref="ACME", account_fen=account)
    pricing.check_tenders(typed)
    named = {t.method: t.ref for t in typed if t.method in ("giftcard", "account")}
    assert named == {**({"giftcard": "G1-0001010000001-50000-202903-ABC"} if gift else {}),
                     **({"account": "ACME"} if account else {})}
    fixed = wallet + gift + account + other
    try:
        shares = allocate(typed, total)
    except Refused as refused:
        assert refused.code in {"overpaid", "underpaid"}
        assert fixed > total or (cash and fixed + cash < total)
        return
    except InvalidInput as refused:
        assert (refused.code, refused.variant) == ("bad_tender", "cash_amount")
        return
    assert sum(s.amount_fen for s in shares) == total
    assert {s.method: s.ref for s in shares if s.method in ("giftcard", "account")} == named
    assert sum(s.change_fen for s in shares) == (max(0, cash - (total - fixed)) if cash else 0)


def test_the_checkout_amounts_with_a_gift_card_and_an_account() -> None:
    card = "G1-0001010000001-50000-202903-ABC"
    # the card pays part, cash the rest; the company pays all of it
    assert typed_tenders(10_000, wallet_fen=0, other_method="wechat", other_fen=0,
                         cash_fen=5_000, giftcard_ref=card, giftcard_fen=6_000) == [
        TenderIn("giftcard", 6_000, ref=card), TenderIn("cash", 5_000)]
    assert typed_tenders(10_000, wallet_fen=0, other_method="wechat", other_fen=0, cash_fen=0,
                         account_ref="ACME", account_fen=10_000) == [
        TenderIn("account", 10_000, ref="ACME")]
    # nothing else typed: the other method takes what the card leaves
    assert typed_tenders(10_000, wallet_fen=0, other_method="alipay", other_fen=0, cash_fen=0,
                         giftcard_ref=card, giftcard_fen=3_000) == [
        TenderIn("giftcard", 3_000, ref=card), TenderIn("alipay", None)]
    # a card or company named with nothing typed pays nothing
    assert typed_tenders(10_000, wallet_fen=0, other_method="card", other_fen=0, cash_fen=0,
                         giftcard_ref=card, account_ref="ACME") == [TenderIn("card", None)]


@pytest.mark.parametrize(("typed", "variant"), [
    ({"giftcard_ref": " ", "giftcard_fen": 500}, "giftcard"),
    ({"account_ref": None, "account_fen": 500}, "account"),
])
def test_an_amount_typed_without_its_card_or_company_is_refused_saying_which(
        typed: dict[str, object], variant: str) -> None:
    tenders = typed_tenders(1_000, wallet_fen=0, other_method="wechat", other_fen=0,
                            cash_fen=0, **typed)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as refused:
        pricing.check_tenders(tenders)
    assert (refused.value.code, refused.value.variant) == ("bad_tender", variant)


@given(st.integers(-100_000, 100_000), st.integers(-100_000, 100_000))
def test_ledger_rows_carry_each_bucket_that_moves(principal: int, bonus: int) -> None:
    rows = ledger.wallet_rows("m", "k", "adjustment", principal, bonus, method=None, ref=None,
                              at="t")
    assert sum(row[4] for row in rows) == principal + bonus
    assert [row[3] for row in rows] == [b for b, v in (("principal", principal),
                                                       ("bonus", bonus)) if v]


@given(st.integers(0, 500_000), st.integers(0, 500_000), st.data())
def test_a_spend_splits_in_proportion_and_keeps_principal_exact(
        principal: int, bonus: int, data: st.DataObject) -> None:
    amount = data.draw(st.integers(0, principal + bonus))
    taken_p, taken_b = split_in_proportion(amount, principal, bonus)
    assert taken_p + taken_b == amount and 0 <= taken_p <= principal and 0 <= taken_b <= bonus
