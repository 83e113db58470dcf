"""Staff members (内部会员): a staff user linked to a member account buys at the staff price up to a
monthly cap, the counter's quote says what checkout charges, head office takes an honest staff
sale and holds an invented staff discount, the manager's staff report adds up, and no manager
approves their own request or an action on their own member account."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import cli
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, Refused
from storeapp.models import OutboxEvent, Sale
from storeapp.reports import staff as staff_report
from storeapp.services import countcards, points, sales, users, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from storeapp.services.users import Staff
from storeapp.settings import Settings
from sync.hq import verify
from sync.hq.rulebook import ChainRules
from tests.helpers import (
    CASHIER,
    MANAGER_CODE,
    MANAGER_PIN,
    START,
    all_rows,
    approve,
    counts,
    register,
    set_setting,
    topup,
)

OTHER_MANAGER, OTHER_PIN = "M02", "135900"


@pytest.fixture
def managers(db: Database, manager: Staff) -> tuple[Staff, Staff]:
    return manager, users.add_user(db, code=OTHER_MANAGER, name="赵经理", role="manager",
                                   pin=OTHER_PIN, actor="setup")


@pytest.fixture
def staffer(db: Database, managers: tuple[Staff, Staff]) -> MemberView:
    """Cashier ``S01``'s own member account, linked with manager M01's approval."""
    users.add_user(db, code="S01", name="员工甲", role="cashier", pin="432100", actor="setup")
    account = register(db, phone="13911110001", name="员工甲")
    users.link_member(db, "S01", account.phone, actor=CASHIER, grant=approve(db, "new staff"))
    return account


def other_grant(db: Database) -> users.Grant:
    return users.approve(db, OTHER_MANAGER, OTHER_PIN, "checked")


def buy(db: Database, member: MemberView, amount_fen: int) -> sales.SaleResult:
    """Quote the cart, check out the same cart, and check that the quote said what was charged."""
    cart = [LineIn(unit_price_fen=amount_fen, name="杂货 Groceries")]
    quoted = sales.quote(db, member_ref=member.member_id, lines=cart)
    sold = sales.checkout(db, member_ref=member.member_id, lines=cart,
                          tenders=[TenderIn("cash")], actor=CASHIER)
    assert (sold.discount_fen, sold.staff_discount_fen, sold.staff_code, sold.total_fen) == \
        (quoted.discount_fen, quoted.staff_discount_fen, quoted.staff_code, quoted.total_fen)
    return sold


def posted(db: Database) -> dict[str, int]:
    """Row counts of the ledger tables, without the audit log (each PIN check writes to it)."""
    return {table: n for table, n in counts(db).items() if table != "audit_log"}


def sale_events(db: Database) -> list[dict[str, Any]]:
    return [json.loads(e.payload_json) for e in all_rows(db, OutboxEvent)
            if e.type == "sale_completed"]


# -- the staff price and its cap ----------------------------------------------------------------

def test_staff_price_is_capped_over_a_month_and_the_cap_renews_the_next(
        db: Database, clock: FixedClock, staffer: MemberView) -> None:
    # defaults: 10 % staff price, ¥300 of staff discount a month; the account starts Regular (0 %)
    first = buy(db, staffer, 100_000)
    assert (first.staff_code, first.staff_discount_fen, first.discount_fen) == ("S01", 10_000,
                                                                                10_000)
    assert buy(db, staffer, 150_000).staff_discount_fen == 15_000  # ¥250 used; now Silver (2 %)
    third = buy(db, staffer, 100_000)  # 10 % is ¥100, but only ¥50 of the cap is left
    assert (third.staff_code, third.staff_discount_fen, third.total_fen) == ("S01", 5_000, 95_000)
    clock.set(dt.datetime(2026, 3, 31, 15, 30))  # 23:30 on 31 March in the store: still March
    fourth = buy(db, staffer, 50_000)  # cap used up: the Silver discount, not a staff sale
    assert (fourth.staff_code, fourth.staff_discount_fen, fourth.discount_fen) == (None, 0, 1_000)
    assert "staff_code" not in fourth.to_json()  # a non-staff sale's result and event as before

    clock.set(dt.datetime(2026, 3, 31, 16, 30))  # 00:30 on 1 April in the store: a new month
    april = buy(db, staffer, 100_000)
    assert (april.staff_code, april.staff_discount_fen) == ("S01", 10_000)

    with db.reader() as s:
        stored = [(x.staff_code, x.staff_discount_fen) for x in s.scalars(
            select(Sale).order_by(Sale.id))]
    assert stored == [("S01", 10_000), ("S01", 15_000), ("S01", 5_000), (None, 0),
                      ("S01", 10_000)]
    events = sale_events(db)
    assert [(e.get("staff_code"), e.get("staff_discount_fen")) for e in events] == [
        ("S01", 10_000), ("S01", 15_000), ("S01", 5_000), (None, None), ("S01", 10_000)]


def test_the_tier_discount_applies_when_larger_and_to_members_who_are_not_staff(
        db: Database, staffer: MemberView) -> None:
    set_setting(db, "staff_discount_pct", "1.5")
    other = register(db, phone="13911110002")
    for member in (staffer, other):
        buy(db, member, 120_000)  # both reach Silver (2 %)
    for member in (staffer, other):
        sold = buy(db, member, 100_000)
        assert (sold.staff_code, sold.discount_fen) == (None, 2_000)
    set_setting(db, "staff_discount_pct", "10")
    assert buy(db, other, 100_000).staff_code is None  # not linked: never the staff price
    assert buy(db, staffer, 100_000).staff_discount_fen == 10_000


def test_a_refunded_staff_sale_gives_its_discount_back_to_the_cap(
        db: Database, managers: tuple[Staff, Staff], staffer: MemberView) -> None:
    sold = buy(db, staffer, 300_000)
    assert sold.staff_discount_fen == 30_000
    assert buy(db, staffer, 10_000).staff_code is None
    sales.refund(db, sold.receipt_no, actor=CASHIER, grant=approve(db))
    assert buy(db, staffer, 10_000).staff_discount_fen == 1_000


def test_linking_needs_another_manager_and_one_staff_user_per_account(
        db: Database, managers: tuple[Staff, Staff], staffer: MemberView) -> None:
    account = register(db, phone="13911110003")
    with pytest.raises(AuthError) as no_grant:
        users.link_member(db, "S01", account.phone, actor=CASHIER, grant=None)
    assert no_grant.value.code == "approval_required"
    with pytest.raises(AuthError) as own:  # M01 cannot approve their own staff price
        users.link_member(db, MANAGER_CODE, account.phone, actor=CASHIER, grant=approve(db))
    assert (own.value.code, own.value.variant) == ("self_approval", "own_member")
    with pytest.raises(Refused) as taken:
        users.link_member(db, MANAGER_CODE, staffer.phone, actor=CASHIER,
                          grant=other_grant(db))
    assert (taken.value.code, taken.value.params) == ("member_is_staff", {"user": "S01"})
    linked = users.link_member(db, MANAGER_CODE, account.phone, actor=CASHIER,
                               grant=other_grant(db))
    assert (linked.code, linked.member_id, linked.previous_member_id) == (
        MANAGER_CODE, account.member_id, None)


# -- no self-approval ---------------------------------------------------------------------------

def test_a_manager_never_approves_for_their_own_account_or_their_own_request(
        db: Database, managers: tuple[Staff, Staff]) -> None:
    own = register(db, phone="13911110004", name="王经理")
    users.link_member(db, MANAGER_CODE, own.phone, actor=CASHIER, grant=other_grant(db))
    topup(db, own, 10_000)
    sold = sales.checkout(db, member_ref=own.member_id, lines=[LineIn(unit_price_fen=2_000)],
                          tenders=[TenderIn("wallet")], actor=CASHIER)
    before = posted(db)
    refusals = [
        lambda grant: sales.refund(db, sold.receipt_no, actor=CASHIER, grant=grant),
        lambda grant: wallet.adjust(db, own.member_id, principal_fen=5_000, bonus_fen=0,
                                    actor=CASHIER, grant=grant),
        lambda grant: points.adjust(db, own.member_id, 500, actor=CASHIER, grant=grant),
    ]
    for attempt in refusals:
        with pytest.raises(AuthError) as refused:
            attempt(approve(db))
        assert (refused.value.code, refused.value.variant) == ("self_approval", "own_member")
        assert refused.value.params == {"user": MANAGER_CODE}
    # the manager asking (logged in at the till) cannot approve their own request either
    with pytest.raises(AuthError) as asking:
        sales.refund(db, sold.receipt_no, actor=OTHER_MANAGER, grant=other_grant(db))
    assert (asking.value.code, asking.value.variant) == ("self_approval", "own_request")
    assert posted(db) == before  # nothing posted
    # another manager approves them
    assert sold.staff_discount_fen == 200  # the manager's own purchases are at the staff price
    assert sales.refund(db, sold.receipt_no, actor=CASHIER, grant=other_grant(db)).amount_fen \
        == sold.total_fen == 1_800
    assert wallet.adjust(db, own.member_id, principal_fen=5_000, bonus_fen=0, actor=CASHIER,
                         grant=other_grant(db)).balance_fen == 15_000


def test_a_count_card_adjustment_on_the_managers_own_account_is_refused(
        db: Database, managers: tuple[Staff, Staff]) -> None:
    own = register(db, phone="13911110005", name="王经理")
    users.link_member(db, MANAGER_CODE, own.phone, actor=CASHIER, grant=other_grant(db))
    countcards.save_product(db, code="WASH10", name="洗车10次", covers="洗车", uses=10,
                            price_fen=30_000, valid_months=12, actor="setup")
    card = countcards.sell(db, own.member_id, "WASH10", method="cash", actor=CASHIER).card
    with pytest.raises(AuthError) as refused:
        countcards.adjust(db, card.card_no, 2, actor=CASHIER, grant=approve(db))
    assert refused.value.code == "self_approval"
    countcards.adjust(db, card.card_no, 2, actor=CASHIER, grant=other_grant(db))


# -- the manager's report -----------------------------------------------------------------------

def test_the_staff_report_adds_up_each_staff_members_month(
        db: Database, clock: FixedClock, managers: tuple[Staff, Staff],
        staffer: MemberView) -> None:
    second = register(db, phone="13911110006", name="王经理")
    users.link_member(db, MANAGER_CODE, second.phone, actor=CASHIER, grant=other_grant(db))
    stranger = register(db, phone="13911110007")
    clock.set(dt.datetime(2026, 2, 27, 4, 0))  # February: not in March's report
    buy(db, staffer, 80_000)
    clock.set(START)
    made: list[sales.SaleResult] = []
    for who, amount in [(staffer, 120_000), (second, 50_000), (stranger, 70_000),
                        (staffer, 220_000), (second, 10_000), (staffer, 40_000)]:
        made.append(buy(db, who, amount))
        clock.advance(hours=30)
    refunded = made[4]
    sales.refund(db, refunded.receipt_no, actor=CASHIER, grant=other_grant(db))  # M01's own

    report = staff_report.staff(db, (2026, 3))
    rows = {r["code"]: r for r in report.table("staff").rows}
    assert set(rows) == {MANAGER_CODE, "S01"}
    cap = Settings().staff_monthly_discount_cap_fen
    for code, account in ((MANAGER_CODE, second), ("S01", staffer)):
        kept = [x for x in made if x.member_id == account.member_id and x is not refunded]
        used = sum(x.staff_discount_fen for x in kept)
        assert (rows[code]["purchases"], rows[code]["purchases_fen"],
                rows[code]["staff_sales"], rows[code]["staff_discount_fen"],
                rows[code]["cap_left_fen"]) == (
            len(kept), sum(x.total_fen for x in kept),
            sum(1 for x in kept if x.staff_code), used, max(0, cap - used))
    assert rows["S01"]["cap_left_fen"] == 0
    assert report.table("staff").total is not None
    assert report.table("staff").total["staff_discount_fen"] == sum(
        r["staff_discount_fen"] for r in rows.values())


def test_the_cli_links_a_staff_member_and_prints_the_report(
        db: Database, managers: tuple[Staff, Staff], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    account = register(db, phone="13911110008")
    users.add_user(db, code="S02", name="员工乙", role="cashier", pin="432100", actor="setup")
    path = str(db.path)
    monkeypatch.setenv("STOREAPP_APPROVER_PIN", MANAGER_PIN)

    def run(*args: str, user: str = OTHER_MANAGER, pin: str = OTHER_PIN,
            ) -> tuple[int, dict[str, Any]]:
        monkeypatch.setenv("STOREAPP_USER", user)
        monkeypatch.setenv("STOREAPP_PIN", pin)
        status = cli.main(["--db", path, "--json", *args])
        return status, json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    status, linked = run("user", "link-member", "S02", account.phone, "--approver",
                         MANAGER_CODE)
    assert status == 0 and linked["member_id"] == account.member_id
    status, refused = run("--as", MANAGER_CODE, "user", "link-member", "S02", account.phone,
                          "--approver", MANAGER_CODE, pin=MANAGER_PIN)
    assert refused["error"] == "self_approval"
    status, shown = run("report", "staff", "--month", "2026-03")
    assert status == 0 and shown["staff"]["rows"][0]["code"] == "S02"
    assert shown["rules"]["monthly_cap_fen"] == 30_000
    status, bad = run("report", "staff", "--month", "March")
    assert status != 0 and bad["error"] == "bad_date"


# -- head office's check ------------------------------------------------------------------------

RULES = ChainRules.of(7, Settings(), {})


def sale_event(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "sale_completed", "at": START.isoformat(), "member_id": "m-1",
        "receipt_no": "R0001010000001", "subtotal_fen": 100_000, "discount_fen": 10_000,
        "coupon_fen": 0, "points_redeemed": 0, "points_fen": 0, "total_fen": 90_000,
        "points_earned": 0, "tenders": [{"method": "cash", "amount_fen": 90_000,
                                         "tendered_fen": 90_000, "change_fen": 0,
                                         "principal_fen": 0, "bonus_fen": 0}],
        "ledger": [{"member_id": "m-1", "principal_fen": 0, "bonus_fen": 0, "points": 0}]}
    return {**body, **fields}


@pytest.mark.parametrize("pct", ["10", "25"])
def test_head_office_takes_an_honest_staff_sale_and_holds_an_invented_staff_discount(
        pct: str) -> None:
    rules = ChainRules.of(7, Settings({"staff_discount_pct": pct}), {})
    staff_fen = int(Decimal(pct) * 1_000)  # the percent of ¥1,000
    facts = verify.Facts(till_no=1, rules=rules)

    def check(**fields: Any) -> str | None:
        fields = {"discount_fen": staff_fen, **fields}
        total = 100_000 - int(fields["discount_fen"])
        problem = verify.check("sale_completed", sale_event(
            total_fen=total, tenders=[{"method": "cash", "amount_fen": total,
                                       "tendered_fen": total, "change_fen": 0,
                                       "principal_fen": 0, "bonus_fen": 0}], **fields), facts)
        return None if problem is None else problem.reason

    assert check(staff_code="S01", staff_discount_fen=staff_fen) is None
    # a staff discount on a sale that names no staff user
    assert check(staff_discount_fen=staff_fen) == "staff_discount_breaks_rule"
    # more than the staff percent, or more than the monthly cap
    assert check(staff_code="S01", staff_discount_fen=staff_fen + 100,
                 discount_fen=staff_fen + 100) == "staff_discount_breaks_rule"
    capped = verify.check("sale_completed", sale_event(
        subtotal_fen=500_000, discount_fen=40_000, total_fen=460_000, staff_code="S01",
        staff_discount_fen=40_000, tenders=[{
            "method": "cash", "amount_fen": 460_000, "tendered_fen": 460_000, "change_fen": 0,
            "principal_fen": 0, "bonus_fen": 0}]), facts)
    assert capped is not None and capped.reason == "staff_discount_breaks_rule"
    if pct == "25":  # more than any tier gives, without saying it is a staff sale
        assert check() == "discount_breaks_rule"
    assert verify.check("sale_completed", sale_event(), verify.Facts(1, RULES)) is None
