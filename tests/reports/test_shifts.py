"""Shifts (班次): the X report at any moment and the Z report at the close equal the test's own
book of the drawer — kept from what each service call returned, never read from ``payments`` —
and Z numbers run 1, 2, 3 without gaps, each Z frozen as it was made.

The book counts cash the way a cashier would: the float, plus cash taken for sales (what was
kept, change already given back), cash top-ups and cash plan fees, minus cash given back for
refunds, top-up voids and account closes. Expected cash is float + in − out; the variance is
counted − expected.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import exc, text

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import DomainError, InvalidInput, NotFound, Refused
from storeapp.results import ActionResult
from storeapp.services import members, plans, sales, shifts, users, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from storeapp.services.users import Grant, Staff
from tests.helpers import (
    CASHIER,
    MANAGER_CODE,
    MANAGER_PIN,
    START,
    approve,
    copy_database,
    counts,
    register,
)

PLAN, PLAN_FEE = "YEAR", 9_900


@dataclass
class Drawer:
    """The test's book of one shift, fed only with service results."""

    float_fen: int
    by_method: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cash_in: int = 0
    cash_out: int = 0
    sales_count: int = 0
    sales_fen: int = 0
    refunds_count: int = 0
    refunds_fen: int = 0
    topups_count: int = 0
    topup_principal_fen: int = 0
    topup_bonus_fen: int = 0
    topup_voids_fen: int = 0
    plans_fen: int = 0
    close_payouts_fen: int = 0

    @property
    def expected_cash(self) -> int:
        return self.float_fen + self.cash_in - self.cash_out

    def money(self, method: str, fen: int) -> None:
        """``fen`` came into (+) or went out of (−) the till by ``method``."""
        if fen == 0:
            return  # nothing changed hands (wallet paid it all, the cash was handed back)
        self.by_method[method] += fen
        if method == "cash":
            if fen > 0:
                self.cash_in += fen
            else:
                self.cash_out -= fen

    def sold(self, r: ActionResult) -> None:
        self.sales_count += 1
        self.sales_fen += r["total_fen"]
        for t in r["tenders"]:
            # what the drawer keeps: handed over minus the change given back
            self.money(t["method"], t["tendered_fen"] - t["change_fen"])

    def refunded(self, r: ActionResult) -> None:
        self.refunds_count += 1
        for t in r["tenders"]:
            self.refunds_fen += t["amount_fen"]
            self.money(t["method"], -t["amount_fen"])

    def topped_up(self, r: ActionResult) -> None:
        self.topups_count += 1
        self.topup_principal_fen += r["principal_fen"]
        self.topup_bonus_fen += r["bonus_fen"]
        self.money(r["method"], r["principal_fen"])

    def voided(self, r: ActionResult) -> None:
        self.topup_voids_fen += r["refund_fen"]
        self.money(r["method"], -r["refund_fen"])

    def plan_bought(self, r: ActionResult, method: str) -> None:
        self.plans_fen += r["fee_fen"]
        self.money(method, r["fee_fen"])

    def closed_account(self, r: ActionResult) -> None:
        self.close_payouts_fen += r["refund_fen"]
        self.money(r["method"], -r["refund_fen"])

    def assert_matches(self, report: ActionResult) -> None:
        """Every figure of an X or Z report equals this book."""
        assert {k: report[k] for k in _FIGURES} == {k: getattr(self, k) for k in _FIGURES}
        assert report["net_by_method"] == self.by_method  # a method whose net is ¥0 stays
        assert (report["float_fen"], report["cash_in_fen"], report["cash_out_fen"],
                report["expected_cash_fen"]) == (self.float_fen, self.cash_in, self.cash_out,
                                                 self.expected_cash)


_FIGURES = ("sales_count", "sales_fen", "refunds_count", "refunds_fen", "topups_count",
            "topup_principal_fen", "topup_bonus_fen", "topup_voids_fen", "plans_fen",
            "close_payouts_fen")


@pytest.fixture
def grant(manager: Staff, db: Database) -> Grant:
    return approve(db, "shift test")


@pytest.fixture
def plan(db: Database) -> str:
    plans.add_plan(db, code=PLAN, name="年卡会员", fee_fen=PLAN_FEE, duration_days=365,
                   actor="HQ")
    return PLAN


def sell(db: Database, member: MemberView | None, amount_fen: int,
         *tenders: TenderIn) -> ActionResult:
    return sales.checkout(db, member_ref=member.member_id if member else None,
                          lines=[LineIn(unit_price_fen=amount_fen, name="货")],
                          tenders=list(tenders) or [TenderIn("cash")], actor=CASHIER)


def z_json(db: Database, z_no: int) -> str:
    """The Z report exactly as stored (the bytes, not a parse of them)."""
    with db.reader() as s:
        return str(s.execute(text("SELECT report_json FROM z_reports WHERE z_no = :n"),
                             {"n": z_no}).scalar_one())


def payment_shifts(db: Database, action_key: str) -> list[int | None]:
    with db.reader() as s:
        return [row[0] for row in s.execute(
            text("SELECT shift_id FROM payments WHERE action_key = :k"), {"k": action_key})]


def without_replayed(result: ActionResult) -> dict[str, object]:
    return {k: v for k, v in result.items() if k != "replayed"}


# -- X and Z against the book -------------------------------------------------------------------

def test_x_report_follows_every_kind_of_money_and_close_gives_the_variance(
        db: Database, clock: FixedClock, grant: Grant, plan: str) -> None:
    """Cash, card and stored-value sales (with change), refunds, top-ups with bonus, a top-up
    void, a cash plan fee and a cash payout at account close: after each one the X report
    equals the book; the close's variance is counted − expected."""
    opened = shifts.open_shift(db, 20_000, actor=CASHIER)
    assert opened["float_fen"] == 20_000 and shifts.current(db) is not None
    book = Drawer(float_fen=20_000)
    regular = register(db, name="张三")
    leaving = register(db, name="李四")

    def check() -> None:
        clock.advance(minutes=7)
        book.assert_matches(shifts.x_report(db))

    check()  # an empty shift: the float only
    cash_sale = sell(db, None, 7_350, TenderIn("cash", 10_000))  # ¥100 handed over, ¥26.50 back
    assert cash_sale["change_fen"] == 2_650
    book.sold(cash_sale)
    check()
    card_sale = sell(db, regular, 12_000, TenderIn("card"))
    book.sold(card_sale)
    check()
    top = wallet.topup(db, regular.member_id, 50_000, method="cash", actor=CASHIER)
    assert top["bonus_fen"] == 5_000  # ≥¥500 earns ¥50, shown apart from the cash
    book.topped_up(top)
    check()
    book.topped_up(wallet.topup(db, regular.member_id, 20_000, method="wechat", actor=CASHIER))
    check()
    book.sold(sell(db, regular, 3_000, TenderIn("wallet")))
    check()
    book.sold(sell(db, regular, 9_000, TenderIn("wallet", 4_000), TenderIn("cash", 5_000)))
    check()
    voidable = wallet.topup(db, leaving.member_id, 8_000, method="cash", actor=CASHIER)
    book.topped_up(voidable)
    book.voided(wallet.void_topup(db, voidable["topup_key"], actor=CASHIER, grant=grant))
    check()
    book.refunded(sales.refund(db, cash_sale["receipt_no"], actor=CASHIER, grant=grant))
    check()
    book.refunded(sales.refund(db, card_sale["receipt_no"], actor=CASHIER, grant=grant))
    check()
    book.plan_bought(plans.buy(db, regular.member_id, plan, method="cash", actor=CASHIER),
                     "cash")
    check()
    book.topped_up(wallet.topup(db, leaving.member_id, 6_000, method="cash", actor=CASHIER))
    closed = wallet.close_account(db, leaving.member_id, actor=CASHIER, grant=grant)
    assert (closed["method"], closed["refund_fen"]) == ("cash", 6_000)
    book.closed_account(closed)
    check()
    assert book.cash_in and book.cash_out  # both directions were exercised

    counted = book.expected_cash - 350  # ¥3.50 short
    clock.advance(hours=1)
    z = shifts.close_shift(db, counted, actor=CASHIER)
    book.assert_matches(z)
    assert (z["z_no"], z["counted_fen"], z["variance_fen"]) == (1, counted, -350)
    assert z["closed_by"] == CASHIER and z["closed_at"] == clock.now().isoformat()
    assert shifts.describe_variance(z["variance_fen"]) == "short by ¥3.50"
    assert shifts.current(db) is None
    assert without_replayed(z) == shifts.z_report(db, 1)


def test_a_cash_refund_for_a_closed_account_leaves_the_drawer_in_cash(
        db: Database, grant: Grant) -> None:
    """A wallet sale refunded after the account was closed pays the principal part in cash
    (the account is gone): the drawer book follows the refund's own tender lines."""
    member = register(db)
    book = Drawer(float_fen=0)
    shifts.open_shift(db, 0, actor=CASHIER)
    book.topped_up(wallet.topup(db, member.member_id, 5_000, method="card", actor=CASHIER))
    sale = sell(db, member, 2_000, TenderIn("wallet"))
    book.sold(sale)
    book.closed_account(wallet.close_account(db, member.member_id, actor=CASHIER, grant=grant))
    refund = sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=grant)
    assert [t["method"] for t in refund["tenders"]] == ["cash"]
    book.refunded(refund)
    book.assert_matches(shifts.x_report(db))
    assert book.expected_cash == -(3_000 + 2_000)


# -- open, refusals, numbering ------------------------------------------------------------------

def test_x_report_and_close_without_a_shift_are_not_found(db: Database) -> None:
    with pytest.raises(NotFound) as no_x:
        shifts.x_report(db)
    with pytest.raises(NotFound) as no_close:
        shifts.close_shift(db, 0, actor=CASHIER)
    assert no_x.value.code == no_close.value.code == "no_shift"
    assert shifts.z_numbers(db) == [] and counts(db, "actions", "counters") == {
        "actions": 0, "counters": 0}


def test_a_second_open_is_refused_and_changes_nothing(db: Database, clock: FixedClock) -> None:
    first = shifts.open_shift(db, 20_000, actor=CASHIER)
    before = counts(db, "actions", "audit_log", "outbox", "shifts")
    clock.advance(minutes=5)
    with pytest.raises(Refused) as refused:
        shifts.open_shift(db, 50_000, actor="C02")
    assert refused.value.code == "shift_open"
    assert counts(db, "actions", "audit_log", "outbox", "shifts") == before
    assert shifts.current(db) == without_replayed(first)
    assert shifts.x_report(db)["float_fen"] == 20_000


@pytest.mark.parametrize("float_fen", [-1, 100_000_001])
def test_a_bad_float_opens_nothing(db: Database, float_fen: int) -> None:
    with pytest.raises(InvalidInput):
        shifts.open_shift(db, float_fen, actor=CASHIER)
    assert shifts.current(db) is None


def test_z_numbers_run_1_2_3_through_refusals_and_replays(db: Database,
                                                          clock: FixedClock) -> None:
    """Refused closes (no shift, bad amount) and a replayed close (same key: the same Z comes
    back, even while the next shift is open) take no number; three shifts give Z 1, 2, 3."""
    with pytest.raises(NotFound):
        shifts.close_shift(db, 10_000, actor=CASHIER)

    shifts.open_shift(db, 10_000, actor=CASHIER)
    sell(db, None, 1_000)
    with pytest.raises(InvalidInput):
        shifts.close_shift(db, -1, actor=CASHIER)
    clock.advance(hours=8)
    z1 = shifts.close_shift(db, 11_000, actor=CASHIER, key="close-1")
    assert (z1["z_no"], z1["variance_fen"], z1["replayed"]) == (1, 0, False)
    again = shifts.close_shift(db, 11_000, actor=CASHIER, key="close-1")
    assert again["replayed"] is True and without_replayed(again) == without_replayed(z1)
    with pytest.raises(NotFound):
        shifts.close_shift(db, 11_000, actor=CASHIER)

    clock.advance(hours=1)
    second = shifts.open_shift(db, 5_000, actor="C02")
    replay = shifts.close_shift(db, 11_000, actor=CASHIER, key="close-1")
    assert without_replayed(replay) == without_replayed(z1)
    assert (shifts.current(db) or {})["shift_id"] == second["shift_id"]  # still open
    with pytest.raises(InvalidInput):
        shifts.close_shift(db, 100_000_001, actor="C02")
    clock.advance(hours=8)
    z2 = shifts.close_shift(db, 4_000, actor="C02")
    assert (z2["z_no"], z2["variance_fen"]) == (2, -1_000)

    clock.advance(hours=1)
    shifts.open_shift(db, 0, actor=CASHIER)
    clock.advance(hours=8)
    z3 = shifts.close_shift(db, 0, actor=CASHIER)
    assert z3["z_no"] == 3 and z3["shift_id"] != z2["shift_id"] != z1["shift_id"]
    assert shifts.z_numbers(db) == [1, 2, 3]
    with db.reader() as s:
        assert s.execute(text("SELECT z_no FROM shifts ORDER BY id")).scalars().all() == [1, 2, 3]
    assert [shifts.z_report(db, n)["z_no"] for n in (1, 2, 3)] == [1, 2, 3]
    with pytest.raises(NotFound):
        shifts.z_report(db, 4)


# -- frozen Z, append-only, outside any shift ---------------------------------------------------

def test_a_z_report_is_byte_for_byte_the_same_after_later_activity(
        db: Database, clock: FixedClock, grant: Grant, member: MemberView) -> None:
    """Sales, refunds (of the closed shift's own sales too), top-ups and a void in the next
    shift change neither the stored Z nor its figures; the next shift counts them itself."""
    shifts.open_shift(db, 20_000, actor=CASHIER)
    first = Drawer(float_fen=20_000)
    early = sell(db, member, 4_500)
    first.sold(early)
    first.topped_up(wallet.topup(db, member.member_id, 100_000, method="cash", actor=CASHIER))
    clock.advance(hours=4)
    z1 = shifts.close_shift(db, first.expected_cash + 100, actor=CASHIER)
    first.assert_matches(z1)
    stored = z_json(db, 1)
    frozen = shifts.z_report(db, 1)

    clock.advance(minutes=10)
    shifts.open_shift(db, 10_000, actor="C02")
    second = Drawer(float_fen=10_000)
    second.refunded(sales.refund(db, early["receipt_no"], actor="C02", grant=grant))
    second.sold(sell(db, member, 30_000, TenderIn("wallet")))
    top = wallet.topup(db, member.member_id, 20_000, method="cash", actor="C02")
    second.topped_up(top)
    second.voided(wallet.void_topup(db, top["topup_key"], actor="C02", grant=grant))
    second.topped_up(wallet.topup(db, member.member_id, 1_000, method="alipay", actor="C02"))
    second.assert_matches(shifts.x_report(db))
    assert second.cash_out == 4_500 + 20_000  # the first shift's sale came back out of this one

    assert z_json(db, 1) == stored
    assert shifts.z_report(db, 1) == frozen == without_replayed(z1)
    clock.advance(hours=4)
    z2 = shifts.close_shift(db, second.expected_cash, actor="C02")
    second.assert_matches(z2)
    assert z_json(db, 1) == stored and z2["z_no"] == 2


def test_z_reports_and_the_payments_journal_refuse_update_and_delete(db: Database) -> None:
    shifts.open_shift(db, 1_000, actor=CASHIER)
    sell(db, None, 500)
    shifts.close_shift(db, 1_500, actor=CASHIER)
    stored = z_json(db, 1)
    for sql in ("UPDATE z_reports SET report_json = '{}'", "UPDATE z_reports SET z_no = 9",
                "DELETE FROM z_reports", "UPDATE payments SET amount_fen = 0",
                "DELETE FROM payments"):
        with pytest.raises(exc.IntegrityError, match="append-only"), \
                db.session() as s, s.begin():
            s.execute(text(sql))
    # and not only through the app's own engine
    with contextlib.closing(sqlite3.connect(db.path)) as raw, \
            pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("DELETE FROM z_reports")
    assert z_json(db, 1) == stored and shifts.z_numbers(db) == [1]


def test_money_taken_with_no_shift_open_belongs_to_no_shift(
        db: Database, clock: FixedClock, member: MemberView) -> None:
    """Before the first open and between a close and the next open, payments are journalled
    with no shift, and the next shift does not count them."""
    before = sell(db, member, 2_000)
    top = wallet.topup(db, member.member_id, 10_000, method="cash", actor=CASHIER)
    assert payment_shifts(db, before["sale_key"]) == [None]
    assert payment_shifts(db, top["topup_key"]) == [None]

    opened = shifts.open_shift(db, 5_000, actor=CASHIER)
    inside = sell(db, member, 700)
    assert payment_shifts(db, inside["sale_key"]) == [opened["shift_id"]]
    shifts.close_shift(db, 5_700, actor=CASHIER)

    clock.advance(minutes=30)
    between = sell(db, member, 3_300, TenderIn("cash", 5_000))
    assert payment_shifts(db, between["sale_key"]) == [None]
    shifts.open_shift(db, 5_000, actor=CASHIER)
    Drawer(float_fen=5_000).assert_matches(shifts.x_report(db))


# -- a property over random shifts --------------------------------------------------------------

actions = st.lists(st.one_of(
    st.tuples(st.just("sale"), st.integers(1, 60_000),
              st.sampled_from(["cash", "cash_change", "card", "wallet", "wallet_cash"])),
    st.tuples(st.just("topup"), st.sampled_from([1_000, 50_000, 100_000, 200_000]),
              st.sampled_from(["cash", "card", "wechat", "alipay"])),
    st.tuples(st.just("refund"), st.integers(0, 50), st.just("")),
    st.tuples(st.just("void"), st.integers(0, 50), st.just("")),
    st.tuples(st.just("plan"), st.just(0), st.sampled_from(["cash", "wallet", "card"])),
), min_size=1, max_size=25)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A till with a manager and a plan on sale; each example starts from a copy."""
    path = tmp_path_factory.mktemp("shift-template") / "till.db"
    db = Database(path, clock=FixedClock(START))
    users.add_user(db, code=MANAGER_CODE, name="王经理", role="manager", pin=MANAGER_PIN,
                   actor="setup")
    plans.add_plan(db, code=PLAN, name="年卡会员", fee_fen=PLAN_FEE, duration_days=365,
                   actor="HQ")
    db.close()
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=actions, float_fen=st.integers(0, 100_000), miscount=st.integers(-5_000, 5_000))
def test_expected_cash_equals_the_book_for_any_mix(template: Path, steps: list[Any],
                                                   float_fen: int, miscount: int) -> None:
    """Any mix of sales (any tender, with change), top-ups, refunds, voids and plan fees in a
    shift, with activity before it opened: X and Z equal the book; variance = counted − expected.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "till.db"
        copy_database(template, path)
        clock = FixedClock(START)
        db = Database(path, clock=clock)
        try:
            member = members.register(db, phone="13900000001", name="班次会员", actor=CASHIER)
            wallet.topup(db, member.member_id, 30_000, actor=CASHIER)  # before the shift
            sell(db, member, 1_234)
            shifts.open_shift(db, float_fen, actor=CASHIER)
            book = Drawer(float_fen=float_fen)
            _play(db, clock, book, member, steps)
            book.assert_matches(shifts.x_report(db))
            counted = max(0, book.expected_cash + miscount)
            z = shifts.close_shift(db, counted, actor=CASHIER)
            book.assert_matches(z)
            assert z["variance_fen"] == counted - book.expected_cash
            assert shifts.z_numbers(db) == [1]
        finally:
            db.close()


def _play(db: Database, clock: FixedClock, book: Drawer, member: MemberView,
          steps: list[Any]) -> None:
    grant = Grant(MANAGER_CODE, "shift property")  # as users.approve returns it
    receipts: list[str] = []
    topups: list[str] = []
    for op, n, how in steps:
        clock.advance(minutes=3)
        try:
            if op == "sale":
                tenders = {"cash": [TenderIn("cash")], "cash_change": [TenderIn("cash", n + 77)],
                           "card": [TenderIn("card")], "wallet": [TenderIn("wallet")],
                           "wallet_cash": [TenderIn("wallet", n // 2 or 1),
                                           TenderIn("cash", n)]}[how]
                r = sell(db, member, n, *tenders)
                receipts.append(r["receipt_no"])
                book.sold(r)
            elif op == "topup":
                r = wallet.topup(db, member.member_id, n, method=how, actor=CASHIER)
                topups.append(r["topup_key"])
                book.topped_up(r)
            elif op == "refund" and receipts:
                book.refunded(sales.refund(db, receipts[n % len(receipts)], actor=CASHIER,
                                           grant=grant))
            elif op == "void" and topups:
                book.voided(wallet.void_topup(db, topups[n % len(topups)], actor=CASHIER,
                                              grant=grant))
            elif op == "plan":
                book.plan_bought(plans.buy(db, member.member_id, PLAN, method=how,
                                           actor=CASHIER), how)
        except DomainError:
            continue  # refused (over the cap, not enough balance, already refunded…): nothing

