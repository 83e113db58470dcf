"""Every figure of the daily report and the liability report equals what the test itself booked
from the results the services returned — never the report's own queries.

Hypothesis draws a sequence of counter actions spread over several store days (top-ups with any
method, sales in cash, card, stored value or a mix with points redeemed, refunds, same-day top-up
voids, manager adjustments, the clock jumping past points expiry) against a real SQLite till.
The test keeps a book of what each successful action said it did; afterwards, for every day the
sequence touched, the report's figures must equal the book's sums for that day, and the
liability at moments between the actions (so after later top-ups, spends, refunds and expiries)
must equal the book's running balance at that moment.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import DomainError
from storeapp.reports import daily, liability
from storeapp.services import members, points, sales, users, wallet
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import copy_database

START = dt.datetime(2026, 3, 10, 2, 0)  # 10:00 in the store
STORE_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai, written out independently of the app
CASHIER, MANAGER, MANAGER_PIN = "C01", "M01", "246800"
METHODS = ("cash", "card", "wechat", "alipay")


def store_day(at: dt.datetime) -> dt.date:
    return (at + STORE_OFFSET).date()


@dataclass
class Booked:
    at: dt.datetime
    kind: str
    payments: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, method, fen)
    wallet: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, bucket, fen)
    points: list[tuple[str, int]] = field(default_factory=list)  # (kind, points)
    sale_fen: int = 0
    refund_fen: int = 0


@dataclass
class Book:
    entries: list[Booked] = field(default_factory=list)

    def on(self, day: dt.date) -> list[Booked]:
        return [e for e in self.entries if store_day(e.at) == day]

    def balance_at(self, at: dt.datetime) -> tuple[int, int, int]:
        principal = bonus = pts = 0
        for e in self.entries:
            if e.at <= at:
                principal += sum(f for _, b, f in e.wallet if b == "principal")
                bonus += sum(f for _, b, f in e.wallet if b == "bonus")
                pts += sum(p for _, p in e.points)
        return principal, bonus, pts


ops = st.one_of(
    st.tuples(st.just("topup"), st.sampled_from([20_000, 50_000, 100_000, 200_000, 1_234]),
              st.sampled_from(METHODS)),
    st.tuples(st.just("sale"), st.integers(100, 80_000),
              st.sampled_from(["cash", "card", "wallet", "wallet_cash", "points_wechat"])),
    st.tuples(st.just("refund"), st.integers(0, 20), st.just("")),
    st.tuples(st.just("void"), st.integers(0, 20), st.just("")),
    st.tuples(st.just("adjust"), st.integers(-3_000, 3_000), st.just("")),
    st.tuples(st.just("wait"), st.sampled_from([17, 300, 60 * 16, 60 * 24 * 800]), st.just("")),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report-template") / "till.db"
    db = Database(path, clock=FixedClock(START))
    users.add_user(db, code=MANAGER, name="王经理", role="manager", pin=MANAGER_PIN,
                   actor="setup")
    db.close()
    return path


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(ops, min_size=4, max_size=30))
def test_daily_and_liability_match_the_book(template: Path, steps: list[Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "till.db"
        copy_database(template, path)
        clock = FixedClock(START)
        db = Database(path, clock=clock)
        try:
            book = _play(db, clock, steps)
            _check_days(db, book)
            _check_liability(db, book)
        finally:
            db.close()


def _play(db: Database, clock: FixedClock, steps: list[Any]) -> Book:
    book = Book()
    member = members.register(db, phone="13900000001", name="报表会员", actor=CASHIER)
    receipts: list[str] = []
    topup_keys: list[str] = []
    for op, n, how in steps:
        clock.advance(minutes=3)
        try:
            entry = _step(db, clock, book, member.member_id, op, n, how, receipts, topup_keys)
        except DomainError:
            continue  # refused: changes nothing, books nothing
        if entry is not None:
            book.entries.append(entry)
    return book


def _step(db: Database, clock: FixedClock, book: Book, member_id: str, op: str, n: int,
          how: str, receipts: list[str], topup_keys: list[str]) -> Booked | None:
    now = clock.now()
    grant = users.approve(db, MANAGER, MANAGER_PIN, "report test")
    if op == "topup":
        r = wallet.topup(db, member_id, n, method=how, actor=CASHIER)
        topup_keys.append(r["topup_key"])
        return Booked(now, op, payments=[("topup", how, r["principal_fen"])],
                      wallet=[("topup", "principal", r["principal_fen"]),
                              ("topup", "bonus", r["bonus_fen"])])
    if op == "sale":
        tenders = {"cash": [TenderIn("cash")], "card": [TenderIn("card")],
                   "wallet": [TenderIn("wallet")],
                   "wallet_cash": [TenderIn("wallet", n // 3 or 1), TenderIn("cash")],
                   "points_wechat": [TenderIn("wechat")]}[how]
        redeem = 100 if how == "points_wechat" else 0
        r = sales.checkout(db, member_ref=member_id, lines=[LineIn(unit_price_fen=n, name="货")],
                           tenders=tenders, actor=CASHIER, redeem_points=redeem)
        receipts.append(r["receipt_no"])
        e = Booked(now, op, sale_fen=r["total_fen"],
                   points=[("earn", r["points_earned"]), ("redeem", -r["points_redeemed"])])
        for t in r["tenders"]:
            e.payments.append(("sale", t["method"], t["amount_fen"]))
            if t["method"] == "wallet":
                e.wallet += [("spend", "principal", -t["principal_fen"]),
                             ("spend", "bonus", -t["bonus_fen"])]
        return e
    if op == "refund" and receipts:
        receipt = receipts[n % len(receipts)]
        total = sales.get_sale(db, receipt)["total_fen"]
        r = sales.refund(db, receipt, actor=CASHIER, grant=grant)
        e = Booked(now, op, refund_fen=total,
                   points=[("clawback", -r["points_clawed_back"]),
                           ("return", r["points_returned"])])
        for t in r["tenders"]:
            e.payments.append(("refund", t["method"], -t["amount_fen"]))
            if t["method"] == "wallet":
                e.wallet += [("spend_refund", "principal", t["principal_fen"]),
                             ("spend_refund", "bonus", t["bonus_fen"])]
        return e
    if op == "void" and topup_keys:
        r = wallet.void_topup(db, topup_keys[n % len(topup_keys)], actor=CASHIER, grant=grant)
        return Booked(now, op, payments=[("topup_void", r["method"], -r["refund_fen"])],
                      wallet=[("topup_void", "principal", -r["refund_fen"]),
                              ("topup_void", "bonus", -r["bonus_removed_fen"])])
    if op == "adjust" and n:
        wallet.adjust(db, member_id, principal_fen=n, bonus_fen=0, actor=CASHIER, grant=grant)
        return Booked(now, op, wallet=[("adjustment", "principal", n)])
    if op == "wait":
        clock.advance(minutes=n)
        r = points.expire_due(db)
        if r["points"]:
            return Booked(clock.now(), "expire", points=[("expire", -r["points"])])
    return None


def _check_days(db: Database, book: Book) -> None:
    for day in sorted({store_day(e.at) for e in book.entries}):
        report = daily.daily(db, day).to_dict()
        on = book.on(day)
        sold = [e for e in on if e.kind == "sale"]
        refunded = [e for e in on if e.kind == "refund"]
        assert report["sales"]["sales_count"] == len(sold)
        assert report["sales"]["sales_fen"] == sum(e.sale_fen for e in sold)
        assert report["sales"]["refunds_count"] == len(refunded)
        assert report["sales"]["refunds_fen"] == sum(e.refund_fen for e in refunded)

        pay: dict[tuple[str, str], int] = defaultdict(int)
        for e in on:
            for kind, method, fen in e.payments:
                pay[(method, kind)] += fen
        rows = {r["method_code"]: r for r in report["tenders"]["rows"]}
        for (method, kind), fen in pay.items():
            assert rows[method][kind] == fen, (day, method, kind)
        for method, row in rows.items():
            assert row["net"] == sum(f for (m, _), f in pay.items() if m == method)

        wal: dict[tuple[str, str], int] = defaultdict(int)
        for e in on:
            for kind, bucket, fen in e.wallet:
                wal[(kind, bucket)] += fen
        sv = report["stored_value"]
        assert sv["topups_count"] == sum(e.kind == "topup" for e in on)
        assert sv["topup_principal_fen"] == wal[("topup", "principal")]
        assert sv["topup_bonus_fen"] == wal[("topup", "bonus")]
        assert sv["spend_principal_fen"] == -wal[("spend", "principal")]
        assert sv["spend_bonus_fen"] == -wal[("spend", "bonus")]
        assert sv["spend_refund_principal_fen"] == wal[("spend_refund", "principal")]
        assert sv["spend_refund_bonus_fen"] == wal[("spend_refund", "bonus")]
        assert sv["void_principal_fen"] == -wal[("topup_void", "principal")]
        assert sv["void_bonus_fen"] == -wal[("topup_void", "bonus")]
        assert sv["adjust_principal_fen"] == wal[("adjustment", "principal")]

        start = dt.datetime.combine(day, dt.time()) - STORE_OFFSET
        end = start + dt.timedelta(days=1)
        before = book.balance_at(start - dt.timedelta(microseconds=1))
        after = book.balance_at(end - dt.timedelta(microseconds=1))
        assert (sv["opening_principal_fen"], sv["opening_bonus_fen"]) == before[:2]
        assert (sv["closing_principal_fen"], sv["closing_bonus_fen"]) == after[:2]

        pts: dict[str, int] = defaultdict(int)
        for e in on:
            for kind, p in e.points:
                pts[kind] += p
        got = report["points"]
        assert got["issued"] == pts["earn"]
        assert got["redeemed"] == -pts["redeem"]
        assert got["expired"] == -pts["expire"]
        assert got["clawed_back"] == -pts["clawback"]
        assert got["returned"] == pts["return"]
        assert got["outstanding"] == after[2]

        by_hour = sum(r["sales_fen"] for r in report["by_hour"]["rows"])
        assert by_hour == report["sales"]["sales_fen"]


def _check_liability(db: Database, book: Book) -> None:
    moments = sorted({e.at for e in book.entries})
    probes = [START - dt.timedelta(hours=1), *moments,
              *(m + dt.timedelta(minutes=1) for m in moments)]
    for at in probes:
        got = liability.liability(db, at).to_dict()["liability"]
        principal, bonus, pts = book.balance_at(at)
        assert (got["principal_fen"], got["bonus_fen"], got["points_outstanding"]) == (
            principal, bonus, pts), at
        assert got["total_fen"] == principal + bonus
