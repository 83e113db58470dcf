"""Checkout and refunds: open-amount and catalog lines, tier discount, coupons, points, mixed
tenders with change, receipt numbers, and refunds by receipt number."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, DomainError, InvalidInput, NotFound, Refused
from storeapp.identity import Shape, classify
from storeapp.models import Coupon, Refund
from storeapp.results import ActionResult
from storeapp.services import catalog, coupons, members, sales
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import (
    CASHIER,
    MANAGER_CODE,
    START,
    add_coupon_template,
    all_rows,
    approvals,
    approve,
    counts,
    outbox_types,
    register,
    reload,
    sell,
    topup,
    wallet_sum,
)


def checkout(db: Database, member: MemberView | None, lines: list[LineIn],
             tenders: list[TenderIn], **kwargs: Any) -> ActionResult:
    return sales.checkout(db, member_ref=member.member_id if member else None, lines=lines,
                          tenders=tenders, actor=CASHIER, **kwargs)


# -- lines and receipts -------------------------------------------------------------------------

def test_open_amount_sale_without_a_member(db: Database) -> None:
    sale = sell(db, None, 1_250)
    assert sale["receipt_no"] == "R0001010000001"
    assert classify(sale["receipt_no"]) is Shape.RECEIPT
    assert (sale["subtotal_fen"], sale["discount_fen"], sale["total_fen"]) == (1_250, 0, 1_250)
    assert sale["member_id"] is None
    assert "member_after" not in sale
    stored = sales.get_sale(db, "R0001010000001")
    assert (stored["status"], stored["cashier"], stored["total_fen"]) == ("completed", CASHIER,
                                                                          1_250)
    assert stored["lines"] == [{"barcode": None, "name": "杂货 Groceries", "qty": 1,
                                "unit_price_fen": 1_250, "amount_fen": 1_250}]
    assert stored["tenders"] == [{"method": "cash", "amount_fen": 1_250, "tendered_fen": 1_250,
                                  "change_fen": 0, "principal_fen": 0, "bonus_fen": 0}]


def test_receipt_numbers_are_sequential(db: Database) -> None:
    numbers = [sell(db, None, 100)["receipt_no"] for _ in range(3)]
    assert numbers == ["R0001010000001", "R0001010000002", "R0001010000003"]


def test_catalog_and_open_lines_together(db: Database) -> None:
    catalog.upsert(db, barcode="6901234567892", name="可乐", price_fen=350, actor="M01")
    sale = checkout(db, None, [LineIn(qty=3, barcode="6901234567892"),
                               LineIn(unit_price_fen=999, name="散装糖果")],
                    [TenderIn("card")])
    assert [(x["name"], x["qty"], x["unit_price_fen"], x["amount_fen"])
            for x in sale["lines"]] == [("可乐", 3, 350, 1_050), ("散装糖果", 1, 999, 999)]
    assert sale["total_fen"] == 2_049


@pytest.mark.parametrize(("lines", "code"), [
    ([], "empty_cart"),
    ([LineIn(qty=0, unit_price_fen=100)], "bad_qty"),
    ([LineIn(qty=10_000, unit_price_fen=100)], "bad_qty"),
    ([LineIn(unit_price_fen=0)], "bad_amount"),
    ([LineIn(unit_price_fen=None)], "bad_amount"),
    ([LineIn(unit_price_fen=100_000_001)], "bad_amount"),
    ([LineIn(qty=200, unit_price_fen=600_000)], "bad_amount"),  # ¥1.2 million cart
])
def test_bad_carts_are_refused(db: Database, lines: list[LineIn], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checkout(db, None, lines, [TenderIn("cash")])
    assert refused.value.code == code
    assert counts(db, "sales")["sales"] == 0


def test_unknown_barcode_is_refused(db: Database) -> None:
    with pytest.raises(NotFound) as refused:
        checkout(db, None, [LineIn(barcode="6900000000000")], [TenderIn("cash")])
    assert refused.value.code == "unknown_product"


def test_quote_prices_like_checkout_and_writes_nothing(db: Database, member: MemberView) -> None:
    sell(db, member, 100_000)  # silver
    before = counts(db)
    quoted = sales.quote(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=10_000)])
    assert (quoted.subtotal_fen, quoted.discount_pct, quoted.discount_fen, quoted.total_fen,
            quoted.points_to_earn) == (10_000, "2", 200, 9_800, 117)
    assert counts(db) == before
    sale = sell(db, member, 10_000)
    assert (sale["total_fen"], sale["points_earned"]) == (quoted.total_fen, quoted.points_to_earn)


# -- tenders ------------------------------------------------------------------------------------

def test_cash_handed_over_gives_change(db: Database, member: MemberView) -> None:
    sale = sell(db, member, 8_800, tenders=[TenderIn("cash", 10_000)])
    assert sale["change_fen"] == 1_200
    [cash] = sale["tenders"]
    assert (cash["amount_fen"], cash["tendered_fen"], cash["change_fen"]) == (8_800, 10_000,
                                                                              1_200)


def test_wallet_and_cash_mixed_with_change(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)  # 500 + 50
    sale = sell(db, member, 10_000, tenders=[TenderIn("wallet", 6_000), TenderIn("cash", 5_000)])
    by_method = {t["method"]: t for t in sale["tenders"]}
    assert (by_method["wallet"]["amount_fen"], by_method["wallet"]["principal_fen"],
            by_method["wallet"]["bonus_fen"]) == (6_000, 5_454, 546)
    assert (by_method["cash"]["amount_fen"], by_method["cash"]["change_fen"]) == (4_000, 1_000)
    assert sale["change_fen"] == 1_000
    after = reload(db, member)
    assert (after.principal_fen, after.bonus_fen) == (50_000 - 5_454, 5_000 - 546)


def test_wallet_takes_the_rest_after_a_card_payment(db: Database, member: MemberView) -> None:
    topup(db, member, 10_000)
    sale = sell(db, member, 15_000, tenders=[TenderIn("card", 7_000), TenderIn("wallet")])
    assert {t["method"]: t["amount_fen"] for t in sale["tenders"]} == {"card": 7_000,
                                                                       "wallet": 8_000}
    assert reload(db, member).balance_fen == 2_000


@pytest.mark.parametrize(("tenders", "code"), [
    ([TenderIn("card", 5_000)], "underpaid"),
    ([TenderIn("cash", 9_999)], "underpaid"),
    ([TenderIn("card", 5_000), TenderIn("cash", 4_000)], "underpaid"),
    ([TenderIn("card", 10_001)], "overpaid"),
    ([TenderIn("card", 6_000), TenderIn("wechat", 6_000)], "overpaid"),
])
def test_underpaid_and_overpaid_sales_are_refused(db: Database, tenders: list[TenderIn],
                                                  code: str) -> None:
    before = counts(db)
    with pytest.raises(Refused) as refused:
        sell(db, None, 10_000, tenders=tenders)
    assert refused.value.code == code
    assert counts(db) == before


@pytest.mark.parametrize(("tenders", "code"), [
    ([], "no_tender"),
    ([TenderIn("iou")], "bad_method"),
    ([TenderIn("cash", 100), TenderIn("cash")], "bad_tender"),
    ([TenderIn("card"), TenderIn("wechat")], "bad_tender"),
    ([TenderIn("card", 0)], "bad_amount"),
    ([TenderIn("card", -100)], "bad_amount"),
])
def test_malformed_tenders_are_refused(db: Database, tenders: list[TenderIn], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        sell(db, None, 10_000, tenders=tenders)
    assert refused.value.code == code


def test_stored_value_needs_a_member(db: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        sell(db, None, 1_000, tenders=[TenderIn("wallet")])
    assert refused.value.code == "member_required"


def test_insufficient_balance_is_refused_and_nothing_changes(db: Database,
                                                             member: MemberView) -> None:
    topup(db, member, 50_000)
    before = counts(db)
    with pytest.raises(Refused, match=r"¥550\.00 is less than ¥600\.00") as refused:
        sell(db, member, 60_000, tenders=[TenderIn("wallet")])
    assert refused.value.code == "insufficient_balance"
    assert counts(db) == before  # wallet_entries, sales, outbox, audit, points ... unchanged
    assert reload(db, member).balance_fen == 55_000
    # the refused sale gave its receipt number back
    assert sell(db, member, 100)["receipt_no"] == "R0001010000001"


def test_closed_or_frozen_member_cannot_buy(db: Database, member: MemberView) -> None:
    members.freeze(db, member.member_id, actor=CASHIER, reason="dispute")
    with pytest.raises(Refused) as refused:
        sell(db, member, 1_000)
    assert refused.value.code == "member_frozen"


# -- coupons at checkout ------------------------------------------------------------------------

@pytest.fixture
def ten_off(db: Database) -> str:
    """¥10 off a spend of at least ¥50, valid 30 days."""
    return add_coupon_template(db, "TEN_OFF", value=1_000, min_spend_fen=5_000, valid_days=30)


def give(db: Database, template: str, member: MemberView | None) -> str:
    code: str = coupons.issue(db, template, member.member_id if member else None,
                              actor=CASHIER)["code"]
    return code


def test_amount_off_coupon_with_minimum_spend(db: Database, ten_off: str,
                                              member: MemberView) -> None:
    code = give(db, ten_off, member)
    with pytest.raises(Refused, match=r"at least ¥50\.00") as refused:
        sell(db, member, 4_999, coupon_code=code)
    assert refused.value.code == "coupon_min_spend"
    sale = sell(db, member, 6_000, coupon_code=code.lower())
    assert (sale["coupon_code"], sale["coupon_fen"], sale["total_fen"]) == (code, 1_000, 5_000)
    assert sale["points_earned"] == 50
    [used] = all_rows(db, Coupon)
    assert (used.used_at, used.used_receipt) == (START, sale["receipt_no"])
    assert coupons.usable(db, member.member_id) == []


def test_a_coupon_is_used_once(db: Database, ten_off: str, member: MemberView) -> None:
    code = give(db, ten_off, member)
    first = sell(db, member, 6_000, coupon_code=code)
    with pytest.raises(Refused, match=first["receipt_no"]) as refused:
        sell(db, member, 6_000, coupon_code=code)
    assert refused.value.code == "coupon_used"


def test_percent_off_coupon(db: Database, member: MemberView) -> None:
    add_coupon_template(db, "TEN_PCT", kind="percent_off", value=10)
    sale = sell(db, member, 8_888, coupon_code=give(db, "TEN_PCT", member))
    assert (sale["coupon_fen"], sale["total_fen"]) == (889, 7_999)  # 888.8 rounds half up


def test_coupon_applies_after_the_tier_discount(db: Database, member: MemberView) -> None:
    add_coupon_template(db, "TEN_PCT", kind="percent_off", value=10)
    sell(db, member, 100_000)  # silver
    sale = sell(db, member, 10_000, coupon_code=give(db, "TEN_PCT", member))
    assert (sale["discount_fen"], sale["coupon_fen"], sale["total_fen"]) == (200, 980, 8_820)


def test_amount_off_never_goes_below_zero(db: Database, member: MemberView) -> None:
    add_coupon_template(db, "FIFTY", value=5_000)
    sale = sell(db, member, 3_000, coupon_code=give(db, "FIFTY", member))
    assert (sale["coupon_fen"], sale["total_fen"], sale["tenders"]) == (3_000, 0, [])


def test_expired_coupon_is_refused(db: Database, clock: FixedClock, ten_off: str,
                                   member: MemberView) -> None:
    code = give(db, ten_off, member)
    clock.advance(days=30)
    with pytest.raises(Refused) as refused:
        sell(db, member, 6_000, coupon_code=code)
    assert refused.value.code == "coupon_expired"


def test_another_members_coupon_is_refused(db: Database, ten_off: str,
                                           member: MemberView) -> None:
    code = give(db, ten_off, member)
    other = register(db)
    for buyer in (other, None):
        with pytest.raises(Refused, match="belongs to another member") as refused:
            sell(db, buyer, 6_000, coupon_code=code)
        assert refused.value.code == "coupon_not_yours"
    assert all_rows(db, Coupon)[0].used_at is None


def test_unnamed_coupon_works_for_anyone(db: Database, ten_off: str) -> None:
    sale = sell(db, None, 6_000, coupon_code=give(db, ten_off, None))
    assert sale["coupon_fen"] == 1_000


@pytest.mark.parametrize(("code", "error", "why"), [
    ("CP-AAAAAAAA", NotFound, "unknown_coupon"),
    ("HELLO", InvalidInput, "bad_coupon"),
    ("CP-12345678", InvalidInput, "bad_coupon"),
])
def test_unknown_or_malformed_coupon_codes(db: Database, member: MemberView, code: str,
                                           error: type[DomainError], why: str) -> None:
    with pytest.raises(error) as refused:
        sell(db, member, 6_000, coupon_code=code)
    assert refused.value.code == why


# -- points at checkout -------------------------------------------------------------------------

def test_points_redemption_lowers_what_is_paid(db: Database, member: MemberView) -> None:
    sell(db, member, 60_000)  # 600 points
    sale = sell(db, member, 5_000, redeem_points=300)
    assert (sale["points_redeemed"], sale["points_fen"], sale["total_fen"]) == (300, 300, 4_700)
    assert sale["member_after"]["points"] == 600 - 300 + 47


# -- refunds ------------------------------------------------------------------------------------

def test_refund_needs_a_manager(db: Database, member: MemberView) -> None:
    sale = sell(db, member, 1_000)
    before = counts(db)
    with pytest.raises(AuthError) as refused:
        sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=None)
    assert refused.value.code == "approval_required"
    assert counts(db) == before
    assert sales.get_sale(db, sale["receipt_no"])["status"] == "completed"


def test_refund_returns_stored_value_principal_and_bonus_exactly(
        db: Database, manager: object, member: MemberView) -> None:
    topup(db, member, 50_000)
    sale = sell(db, member, 10_000, tenders=[TenderIn("wallet", 6_000), TenderIn("cash", 5_000)])
    refund = sales.refund(db, sale["receipt_no"].lower(), actor=CASHIER,
                          grant=approve(db, "wrong size"))
    assert refund["amount_fen"] == 10_000
    assert sorted((t["method"], t["amount_fen"], t["principal_fen"], t["bonus_fen"])
                  for t in refund["tenders"]) == [("cash", 4_000, 0, 0),
                                                  ("wallet", 6_000, 5_454, 546)]
    after = reload(db, member)
    assert (after.principal_fen, after.bonus_fen, after.points) == (50_000, 5_000, 0)
    assert wallet_sum(db, member) == 55_000
    assert sales.get_sale(db, sale["receipt_no"])["status"] == "refunded"
    [approval] = approvals(db)
    assert (approval.kind, approval.subject, approval.approved_by, approval.reason) == (
        "refund", sale["receipt_no"], MANAGER_CODE, "wrong size")
    [row] = all_rows(db, Refund)
    assert row.amount_fen == 10_000
    assert outbox_types(db)[-1] == "sale_refunded"


def test_a_sale_cannot_be_refunded_twice(db: Database, manager: object,
                                         member: MemberView) -> None:
    sale = sell(db, member, 1_000)
    sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=approve(db))
    grant = approve(db, "asked again")
    before = counts(db)
    with pytest.raises(Refused) as refused:
        sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=grant)
    assert refused.value.code == "already_refunded"
    assert counts(db) == before


def test_refund_of_an_unknown_receipt(db: Database, manager: object) -> None:
    with pytest.raises(NotFound) as refused:
        sales.refund(db, "R0001019999999", actor=CASHIER, grant=approve(db))
    assert refused.value.code == "unknown_receipt"
    with pytest.raises(NotFound):
        sales.get_sale(db, "R0001019999999")


def test_refund_gives_the_coupon_back_while_it_is_still_valid(
        db: Database, manager: object, ten_off: str, member: MemberView) -> None:
    code = give(db, ten_off, member)
    sale = sell(db, member, 6_000, coupon_code=code)
    assert sales.refund(db, sale["receipt_no"], actor=CASHIER,
                        grant=approve(db))["coupon_restored"] is True
    assert [c["code"] for c in coupons.usable(db, member.member_id)] == [code]


def test_refund_after_the_coupon_expired_does_not_restore_it(
        db: Database, clock: FixedClock, manager: object, ten_off: str,
        member: MemberView) -> None:
    sale = sell(db, member, 6_000, coupon_code=give(db, ten_off, member))
    clock.set(START + dt.timedelta(days=31))
    assert sales.refund(db, sale["receipt_no"], actor=CASHIER,
                        grant=approve(db))["coupon_restored"] is False


def test_non_member_cash_refund(db: Database, manager: object) -> None:
    sale = sell(db, None, 2_500, tenders=[TenderIn("cash", 5_000)])
    refund = sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=approve(db))
    assert refund["tenders"] == [{"method": "cash", "amount_fen": 2_500, "principal_fen": 0,
                                  "bonus_fen": 0}]
    assert refund["member_id"] is None


def test_refund_shows_the_distance_to_the_next_tier_without_the_refunded_sale(
        db: Database, manager: object, member: MemberView) -> None:
    sell(db, member, 30_000)
    sale = sell(db, member, 60_000)
    assert sale["member_after"]["to_next_tier_fen"] == 10_000
    refund = sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=approve(db))
    assert refund["member_after"]["to_next_tier_fen"] == 70_000
    assert refund["member_after"]["near_next_tier"] is False


def test_a_price_override_needs_a_manager_and_is_recorded(db: Database, manager: object) -> None:
    catalog.upsert(db, barcode="6901234567892", name="矿泉水", price_fen=350, actor="M01")
    cart = [LineIn(barcode="6901234567892", qty=2, unit_price_fen=300)]
    quoted = sales.quote(db, member_ref=None, lines=cart)
    assert quoted.total_fen == 600
    assert quoted.overrides == [{"line_no": 1, "barcode": "6901234567892",
                                 "list_price_fen": 350, "unit_price_fen": 300}]
    before = counts(db)
    with pytest.raises(AuthError) as refused:
        sales.checkout(db, member_ref=None, lines=cart, tenders=[TenderIn("cash")],
                       actor="C01")
    assert refused.value.code == "approval_required"
    assert counts(db) == before  # no sale without the approval
    sold = sales.checkout(db, member_ref=None, lines=cart, tenders=[TenderIn("cash")],
                          actor="C01", override=approve(db, "damaged packaging"))
    assert sold["total_fen"] == 600 and sold["price_overrides"][0]["list_price_fen"] == 350
    assert [a.kind for a in approvals(db)] == ["price_override"]
    at_list = sales.checkout(db, member_ref=None, lines=[LineIn(barcode="6901234567892")],
                             tenders=[TenderIn("cash")], actor="C01")
    assert at_list["total_fen"] == 350 and at_list["price_overrides"] == []


def test_refund_to_a_closed_account_pays_the_principal_out(db: Database,
                                                          manager: object) -> None:
    from storeapp.services import wallet

    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")  # 500 + 50 bonus
    sold = sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=11_000)],
                          tenders=[TenderIn("wallet")], actor="C01")  # principal 100, bonus 10
    wallet.close_account(db, member.member_id, actor="C01", grant=approve(db))
    refunded = sales.refund(db, sold["receipt_no"], actor="C01", grant=approve(db))
    [paid] = refunded["tenders"]
    assert (paid["method"], paid["amount_fen"], paid["bonus_forfeited_fen"]) == ("cash", 10_000,
                                                                                1_000)
    after = members.get(db, member.member_id)
    assert (after.status, after.principal_fen, after.bonus_fen) == ("closed", 0, 0)
