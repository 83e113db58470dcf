"""Random sequences of counter actions keep the ledger invariants of DESIGN §3.

A hypothesis state machine registers members, tops up (presets, custom amounts, amounts past the
¥5,000 cap), sells with stored value, cash, card or a mix and with points, refunds with a
manager's approval, voids same-day top-ups, moves the clock (past points expiry too), posts
expiry and replays earlier keys, against a real SQLite file. A refused step must change nothing.
After every step the invariants are checked with plain SQL (:mod:`tests.ledger_checks`), not with
the services that wrote the rows.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from storeapp import audit
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, DomainError
from storeapp.services import members, points, sales, users, wallet
from storeapp.services.sales import LineIn, TenderIn
from tests import ledger_checks
from tests.helpers import copy_database

START = dt.datetime(2026, 3, 10, 2, 0)  # 10:00 in the store (Asia/Shanghai, UTC+8, no DST)
STORE_UTC_OFFSET = dt.timedelta(hours=8)
CASHIER, MANAGER, MANAGER_PIN = "C01", "M01", "246800"
CAP_FEN = 500_000
#: Top-up bonus rules of DESIGN §2, written out independently of the settings module.
BONUS_RULES_FEN = ((200_000, 40_000), (100_000, 15_000), (50_000, 5_000))
PRESETS_FEN = (20_000, 50_000, 100_000, 200_000)
PAST_EXPIRY = dt.timedelta(days=25 * 31)  # points lots expire after 24 months
CLOCK_STEPS = (
    dt.timedelta(minutes=7), dt.timedelta(hours=9), dt.timedelta(days=1), dt.timedelta(days=45),
    dt.timedelta(days=400), PAST_EXPIRY, PAST_EXPIRY,
)
SALE_MODES = ("wallet", "cash", "cash_exact", "card", "wallet_cash", "card_wallet", "bad_mix")

MACHINE_SETTINGS = settings(
    max_examples=50, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)


def expected_bonus(amount_fen: int) -> int:
    return next((bonus for least, bonus in BONUS_RULES_FEN if amount_fen >= least), 0)


def store_day(at_utc: dt.datetime) -> dt.date:
    return (at_utc + STORE_UTC_OFFSET).date()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated till database with a manager, made once; every example starts from a copy."""
    path = tmp_path_factory.mktemp("props-template") / "till.db"
    db = Database(path, clock=FixedClock(START))
    users.add_user(db, code=MANAGER, name="王经理", role="manager", pin=MANAGER_PIN,
                   actor="setup")
    db.close()
    return path


def test_random_counter_sessions_keep_ledger_invariants(
        template: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = tmp_path_factory.mktemp("props")
    # Hypothesis documents a factory here; its annotation only names the class.
    run_state_machine_as_test(lambda: CounterSession(template, workdir),  # type: ignore[arg-type]
                              settings=MACHINE_SETTINGS)


class CounterSession(RuleBasedStateMachine):
    """One till's day(s): every rule is a cashier's action, refused or posted."""

    def __init__(self, template: Path, workdir: Path) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(dir=workdir))
        path = self.dir / "till.db"
        copy_database(template, path)
        self.clock = FixedClock(START)
        self.db = Database(path, clock=self.clock)
        self.sql = ledger_checks.connect(path)
        self.members: list[str] = []
        self.phones: set[str] = set()
        self.topups: list[str] = []  # every top-up posted
        self.voided: list[str] = []
        self.receipts: list[str] = []  # sales not refunded yet
        self.refunded: list[str] = []
        self.done: list[tuple[str, str, Callable[[], Any]]] = []  # (key, kind, call)
        self.keys_posted: set[str] = set()
        self.expiry_runs = 0
        self.next_key = 0
        self.pins: dict[str, str] = {}  # member_id -> payment PIN (one member at most: scrypt)
        self.wrong_pin_tried = False

    @initialize(first_topup=st.sampled_from(PRESETS_FEN))
    def open_the_till(self, first_topup: int) -> None:
        # One approval per session: a PIN check costs ~40 ms of scrypt on purpose.
        self.grant = users.approve(self.db, MANAGER, MANAGER_PIN, "customer returned goods")
        self.register(phone_no=0, name="首位会员")  # a regular with a card: most steps need one
        self.top_up(who=0, amount=first_topup, method="wechat")

    def teardown(self) -> None:
        self.sql.close()
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- rules ------------------------------------------------------------------------------

    @rule(phone_no=st.integers(0, 6), name=st.sampled_from(["张三", "李四", "Alice Wong"]))
    def register(self, phone_no: int, name: str) -> None:
        phone = f"1390000{phone_no:04d}"
        key = self.key("m")
        call = partial(members.register, self.db, phone=phone, name=name, actor=CASHIER, key=key)
        view = self.attempt("register", key, call, refused=phone in self.phones)
        if view is not None:
            self.phones.add(phone)
            self.members.append(view.member_id)
            assert (view.balance_fen, view.points) == (0, 0)

    @precondition(lambda self: self.members)
    @rule(who=st.integers(0, 9),
          amount=st.one_of(st.sampled_from((*PRESETS_FEN, 0, -10_000)),
                           st.integers(1, 600_000), st.integers(1, 60_000)),
          method=st.sampled_from(wallet.TOPUP_METHODS))
    def top_up(self, who: int, amount: int, method: str) -> None:
        member_id = self.pick(self.members, who)
        principal, bonus, _ = self.balance(member_id)
        extra = expected_bonus(amount)
        refused = amount <= 0 or principal + bonus + amount + extra > CAP_FEN
        key = self.key("t")
        call = partial(wallet.topup, self.db, member_id, amount, method=method, actor=CASHIER,
                       key=key)
        result = self.attempt("top-up", key, call, refused=refused)
        if result is None:
            return
        self.topups.append(key)
        assert (result["principal_fen"], result["bonus_fen"]) == (amount, extra)
        assert self.balance(member_id)[:2] == (principal + amount, bonus + extra)

    @rule(data=st.data(), mode=st.sampled_from(SALE_MODES))
    def sell(self, data: st.DataObject, mode: str) -> None:
        anonymous = data.draw(st.sampled_from([False, False, False, True]), label="anonymous")
        member_id = (None if anonymous or not self.members
                     else self.pick(self.members, data.draw(st.integers(0, 9), label="who")))
        principal, bonus, points_before = self.balance(member_id) if member_id else (0, 0, 0)
        wants_wallet = mode in ("wallet", "wallet_cash", "card_wallet", "bad_mix")
        if wants_wallet and principal + bonus > 0 and data.draw(st.booleans(), label="fits"):
            price = max(1, (principal + bonus) * data.draw(st.integers(1, 100)) // 100)
        else:
            price = data.draw(st.integers(1, 300_000), label="price")
        lines = [LineIn(unit_price_fen=price, name="杂货 Groceries")]
        redeem = 0
        if member_id is not None:
            how = data.draw(st.sampled_from(["none", "none", "none", "max", "least",
                                             "too_many"]), label="redeem")
            most = sales.quote(self.db, member_ref=member_id, lines=lines).max_points
            redeem = {"none": 0, "max": most if most >= 100 else 0, "least": 100,
                      "too_many": points_before + 100}[how]
        total = self.quoted_total(member_id, lines, redeem)
        tenders = self.tenders(data, mode, total, principal + bonus)
        key = self.key("s")
        call = partial(sales.checkout, self.db, member_ref=member_id, lines=lines,
                       tenders=tenders, actor=CASHIER, redeem_points=redeem,
                       pin=self.pins.get(member_id or ""), key=key)
        refused = True if mode == "bad_mix" else None
        result = self.attempt(f"sale {mode}", key, call, refused=refused)
        if result is None:
            return
        self.receipts.append(result["receipt_no"])
        assert result["total_fen"] == total
        assert sum(t["amount_fen"] for t in result["tenders"]) == total
        wallet_paid = [t for t in result["tenders"] if t["method"] == "wallet"]
        if member_id is None:
            assert not wallet_paid
            return
        after_p, after_b, points_after = self.balance(member_id)
        for tender in wallet_paid:  # proportional split, the rounding remainder to bonus
            assert tender["principal_fen"] == tender["amount_fen"] * principal // (principal
                                                                                  + bonus)
        spent = sum(t["amount_fen"] for t in wallet_paid)
        assert after_p + after_b == principal + bonus - spent
        assert points_after == points_before - redeem + result["points_earned"]
        if wallet_paid and member_id in self.pins:  # the right PIN clears earlier wrong tries
            assert self.pin_failed(member_id) == 0

    @precondition(lambda self: self.members and not self.pins)
    @rule(who=st.integers(0, 9))
    def set_payment_pin(self, who: int) -> None:
        member_id = self.pick(self.members, who)
        key = self.key("p")
        call = partial(members.set_pin, self.db, member_id, "246810", actor=CASHIER, key=key)
        view = self.attempt("payment PIN", key, call, refused=False)
        assert view.pin_set and not view.pin_locked
        self.pins[member_id] = "246810"

    @precondition(lambda self: self.pins and not self.wrong_pin_tried)
    @rule()
    def spend_with_a_wrong_pin(self) -> None:
        """Refused, and the whole sale rolled back; only the try is counted (and audited)."""
        self.wrong_pin_tried = True
        member_id = next(iter(self.pins))
        tries = self.pin_failed(member_id)
        before = ledger_checks.snapshot(self.sql)
        with pytest.raises(AuthError) as refused:
            sales.checkout(self.db, member_ref=member_id, lines=[LineIn(unit_price_fen=100)],
                           tenders=[TenderIn("wallet")], actor=CASHIER, pin="999999",
                           key=self.key("s"))
        assert refused.value.code == "wrong_pin"
        assert self.pin_failed(member_id) == tries + 1
        after = ledger_checks.snapshot(self.sql)
        assert after.pop("count:audit_log") == before.pop("count:audit_log") + 1
        assert after == before

    @precondition(lambda self: self.receipts or self.refunded)
    @rule(which=st.integers(0, 50),
          how=st.sampled_from(["grant", "grant", "grant", "again", "no_grant", "unknown"]))
    def refund(self, which: int, how: str) -> None:
        pool = self.refunded if how == "again" else self.receipts
        receipt = ("R0001019999999" if how == "unknown"
                   else self.pick(pool or self.receipts or self.refunded, which))
        row = self.sql.execute(
            "SELECT member_id, status, (SELECT COALESCE(SUM(amount_fen), 0) FROM tenders t "
            "WHERE t.sale_id = s.id AND t.method = 'wallet') FROM sales s WHERE receipt_no = ?",
            (receipt,)).fetchone()
        member_id, status, wallet_fen = row if row else (None, None, 0)
        before = self.balance(member_id) if member_id else (0, 0, 0)
        key = self.key("r")
        call = partial(sales.refund, self.db, receipt, actor=CASHIER,
                       grant=None if how == "no_grant" else self.grant, key=key)
        refused = how in ("no_grant", "unknown") or status == "refunded"
        result = self.attempt(f"refund {how}", key, call, refused=refused)
        if result is None:
            return
        self.receipts.remove(receipt)
        self.refunded.append(receipt)
        if member_id is None:
            return
        after = self.balance(member_id)
        assert after[0] + after[1] == before[0] + before[1] + wallet_fen
        assert after[2] == (before[2] - result["points_clawed_back"]
                            + result["points_returned"])

    @precondition(lambda self: self.topups)
    @rule(which=st.integers(0, 50),
          how=st.sampled_from(["grant", "grant", "grant", "again", "no_grant"]))
    def void_top_up(self, which: int, how: str) -> None:
        live = [k for k in self.topups if k not in self.voided]
        pool = self.voided if how == "again" else live
        topup_key = self.pick(pool or self.topups, which)
        approved = how != "no_grant"
        member_id, principal, bonus, at, voided_by = self.sql.execute(
            "SELECT member_id, principal_fen, bonus_fen, created_at, voided_by FROM topups "
            "WHERE key = ?", (topup_key,)).fetchone()
        have_p, have_b, _ = self.balance(member_id)
        same_day = store_day(dt.datetime.fromisoformat(at)) == store_day(self.clock.now())
        covered = have_p >= principal and have_b >= bonus
        refused = not (approved and voided_by is None and same_day and covered)
        key = self.key("v")
        call = partial(wallet.void_topup, self.db, topup_key, actor=CASHIER,
                       grant=self.grant if approved else None, key=key)
        if self.attempt(f"void {how}", key, call, refused=refused) is not None:
            assert self.balance(member_id)[:2] == (have_p - principal, have_b - bonus)
            self.voided.append(topup_key)

    @rule(step=st.sampled_from(CLOCK_STEPS),
          nightly_expiry=st.sampled_from([True, True, True, False]))
    def time_passes(self, step: dt.timedelta, nightly_expiry: bool) -> None:
        """The clock moves on; usually the nightly job posts points expiry, sometimes it has
        not run yet (expired lots still counted on the member, but not spendable)."""
        self.clock.advance(seconds=step.total_seconds())
        if nightly_expiry:
            self.expire_points()

    def expire_points(self) -> None:
        before = self.sql.execute("SELECT COALESCE(SUM(points), 0) FROM points_entries "
                                  "WHERE kind = 'expire'").fetchone()[0]
        result = points.expire_due(self.db, actor="system")
        self.expiry_runs += 1
        after = self.sql.execute("SELECT COALESCE(SUM(points), 0) FROM points_entries "
                                 "WHERE kind = 'expire'").fetchone()[0]
        assert before - after == result["points"]
        now = self.clock.now()
        for expires_at, remaining in self.sql.execute(
                "SELECT expires_at, remaining_points FROM points_lots"):
            if dt.datetime.fromisoformat(expires_at) <= now:
                assert remaining == 0, "a lot past its date still holds points"
        event(f"expiry: {'some' if result['points'] else 'none'}")

    @precondition(lambda self: self.done)
    @rule(which=st.integers(0, 100), same_request=st.sampled_from([True, True, True, False]))
    def retry_an_earlier_key(self, which: int, same_request: bool) -> None:
        """A retry (the till timed out, the cashier pressed twice) posts nothing new; the same
        key for a different request is refused."""
        key, kind, call = self.pick(self.done, which)
        if not same_request:
            other = partial(points.adjust, self.db, self.members[0], 500, actor=CASHIER,
                            grant=self.grant, key=key)
            error = self.attempt("reused key", key, other, refused=True, record=False)
            assert isinstance(error, DomainError) and error.code == "key_reused"
            return
        before = ledger_checks.snapshot(self.sql)
        result = call()
        assert ledger_checks.snapshot(self.sql) == before, f"replay of {key} posted something"
        if isinstance(result, dict):
            assert result["replayed"] is True
        event(f"replay {kind}")

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def ledgers_hold(self) -> None:
        problems = ledger_checks.ledger_problems(self.sql)
        assert not problems, "\n".join(problems)

    @invariant()
    def each_action_posted_once(self) -> None:
        kinds = dict(self.sql.execute("SELECT kind, count(*) FROM actions GROUP BY kind"))
        assert kinds.pop("points_expiry", 0) == self.expiry_runs
        keys = {row[0] for row in self.sql.execute(
            "SELECT key FROM actions WHERE kind != 'points_expiry'")}
        assert keys == self.keys_posted
        assert sum(kinds.values()) == len(self.keys_posted)

    @invariant()
    def audit_chain_verifies(self) -> None:
        with self.db.reader() as session:
            report = audit.verify(session)
        assert report.ok, report.problem

    # -- helpers ----------------------------------------------------------------------------

    def attempt(self, what: str, key: str, call: Callable[[], Any], *, refused: bool | None,
                record: bool = True) -> Any:
        """Run one action. A refusal must change nothing; ``refused`` says which outcome the
        rules predict (None: either). Returns the result, or the error when ``record`` is False."""
        before = ledger_checks.snapshot(self.sql)
        try:
            result = call()
        except DomainError as error:
            event(f"{what}: refused ({error.code})")
            assert refused is not False, f"{what} refused unexpectedly: {error.code} {error}"
            assert ledger_checks.snapshot(self.sql) == before, f"refused {what} changed rows"
            return None if record else error
        event(f"{what}: posted")
        assert refused is not True, f"{what} should have been refused: {result}"
        assert not (isinstance(result, dict) and result.get("replayed")), "new key replayed"
        if record:
            self.keys_posted.add(key)
            self.done.append((key, what.split()[0], call))
        return result

    def tenders(self, data: st.DataObject, mode: str, total: int | None,
                balance_fen: int) -> list[TenderIn]:
        extra = data.draw(st.sampled_from([0, 0, 50, 10_000]), label="change")
        if total is None:  # the cart itself is refused; any tender will do
            return [TenderIn("cash")]
        part = max(1, total * data.draw(st.integers(1, 99), label="part") // 100)
        wallet_part = min(part, balance_fen) or part
        return {
            "wallet": [TenderIn("wallet")],
            "cash": [TenderIn("cash", total + extra)],
            "cash_exact": [TenderIn("cash")],
            "card": [TenderIn("card")],
            "wallet_cash": [TenderIn("wallet", wallet_part),
                            TenderIn("cash", max(1, total - wallet_part + extra))],
            "card_wallet": [TenderIn("card", part), TenderIn("wallet")],
            "bad_mix": [TenderIn("wallet"), TenderIn("cash", total + extra)],
        }[mode]

    def quoted_total(self, member_id: str | None, lines: list[LineIn],
                     redeem: int) -> int | None:
        try:
            return sales.quote(self.db, member_ref=member_id, lines=lines,
                               redeem_points=redeem).total_fen
        except DomainError:
            return None

    def balance(self, member_id: str) -> tuple[int, int, int]:
        row = self.sql.execute("SELECT principal_fen, bonus_fen, points FROM members "
                               "WHERE member_id = ?", (member_id,)).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def pin_failed(self, member_id: str) -> int:
        row = self.sql.execute("SELECT pin_failed FROM members WHERE member_id = ?",
                               (member_id,)).fetchone()
        return int(row[0])

    def key(self, prefix: str) -> str:
        self.next_key += 1
        return f"{prefix}-{self.next_key:04d}"

    @staticmethod
    def pick(items: list[Any], index: int) -> Any:
        return items[index % len(items)]
