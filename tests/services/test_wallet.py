"""Stored value (储值): top-up bonus, the ¥5,000 cap, proportional spends, payment PIN, voids,
closing the account and manager adjustments."""

from __future__ import annotations

import datetime as dt

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, InvalidInput, Refused
from storeapp.models import Topup, WalletEntry
from storeapp.services import members, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from tests.helpers import (
    CASHIER,
    all_rows,
    approvals,
    approve,
    card_status,
    counts,
    outbox_types,
    register,
    reload,
    sell,
    set_setting,
    topup,
    wallet_sum,
)

PIN = "135790"


def balance(db: Database, member: MemberView) -> tuple[int, int]:
    """(principal, bonus) as stored, checked against the journal."""
    m = reload(db, member)
    assert wallet_sum(db, member, "principal") == m.principal_fen
    assert wallet_sum(db, member, "bonus") == m.bonus_fen
    assert m.balance_fen == m.principal_fen + m.bonus_fen
    return m.principal_fen, m.bonus_fen


# -- top-up -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("paid_fen", "bonus_fen"), [
    (1, 0),
    (49_999, 0),
    (50_000, 5_000),  # 充500送50
    (99_999, 5_000),
    (100_000, 15_000),  # 充1000送150
    (199_999, 15_000),
    (200_000, 40_000),  # 充2000送400
    (300_000, 40_000),
])
def test_topup_bonus_is_the_best_rule_reached(db: Database, member: MemberView, paid_fen: int,
                                              bonus_fen: int) -> None:
    result = topup(db, member, paid_fen)
    assert (result["principal_fen"], result["bonus_fen"]) == (paid_fen, bonus_fen)
    assert result["balance_fen"] == paid_fen + bonus_fen
    assert balance(db, member) == (paid_fen, bonus_fen)


def test_topup_is_journaled_principal_and_bonus_separately(db: Database,
                                                           member: MemberView) -> None:
    result = topup(db, member, 50_000, method="wechat")
    entries = all_rows(db, WalletEntry)
    assert [(e.kind, e.bucket, e.amount_fen, e.method) for e in entries] == [
        ("topup", "principal", 50_000, "wechat"), ("topup", "bonus", 5_000, "wechat")]
    assert result["method"] == "wechat"
    assert result["coupons"] == []
    assert outbox_types(db)[-1] == "wallet_topped_up"
    [line] = wallet.history(db, member.member_id)
    assert (line.kind, line.principal_fen, line.bonus_fen, line.balance_after_fen) == (
        "topup", 50_000, 5_000, 55_000)


def test_topup_earns_no_points(db: Database, member: MemberView) -> None:
    topup(db, member, 100_000)
    assert reload(db, member).points == 0


@pytest.mark.parametrize(("amount", "method", "code"), [
    (0, "cash", "bad_amount"), (-100, "cash", "bad_amount"), (100, "bitcoin", "bad_method"),
])
def test_topup_refuses_bad_input(db: Database, member: MemberView, amount: int, method: str,
                                 code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        topup(db, member, amount, method=method)
    assert refused.value.code == code
    assert counts(db, "wallet_entries")["wallet_entries"] == 0


def test_balance_cap_refuses_a_topup_with_a_clear_message_and_changes_nothing(
        db: Database, member: MemberView) -> None:
    topup(db, member, 200_000)
    topup(db, member, 200_000)  # ¥4,800 with bonus
    before = counts(db)
    with pytest.raises(Refused) as refused:
        topup(db, member, 50_000)  # ¥500 + ¥50 bonus would make ¥5,350
    assert refused.value.code == "over_cap"
    assert "¥5,000.00" in refused.value.message
    assert "¥5,350.00" in refused.value.message
    assert "At most ¥200.00 more fits" in refused.value.message
    assert counts(db) == before
    assert balance(db, member) == (400_000, 80_000)
    # exactly up to the cap is fine
    assert topup(db, member, 20_000)["balance_fen"] == 500_000


def test_cap_counts_the_bonus(db: Database, member: MemberView) -> None:
    topup(db, member, 400_000)  # ¥4,000 + ¥400
    with pytest.raises(Refused) as refused:
        topup(db, member, 58_000)  # ¥4,400 + ¥580 fits, but not with its ¥50 bonus
    assert refused.value.code == "over_cap"
    assert topup(db, member, 55_000)["balance_fen"] == 500_000  # ¥550 + ¥50 lands on the cap


def test_cap_is_a_setting(db: Database, member: MemberView) -> None:
    set_setting(db, "wallet_cap_fen", 10_000)
    with pytest.raises(Refused, match=r"at most ¥100\.00"):
        topup(db, member, 10_001)


# -- spending -----------------------------------------------------------------------------------

def test_spend_takes_principal_and_bonus_in_proportion(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)  # 500 + 50
    sale = sell(db, member, 11_000, tenders=[TenderIn("wallet")])
    [tender] = sale["tenders"]
    assert (tender["method"], tender["principal_fen"], tender["bonus_fen"]) == ("wallet", 10_000,
                                                                                1_000)
    assert balance(db, member) == (40_000, 4_000)


def test_spend_rounding_remainder_goes_to_bonus(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    sell(db, member, 1, tenders=[TenderIn("wallet")])  # 1 fen: 0.909 principal, rounded down
    assert balance(db, member) == (50_000, 4_999)


def test_spend_can_use_the_whole_balance(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    sell(db, member, 55_000, tenders=[TenderIn("wallet")])
    assert balance(db, member) == (0, 0)


# -- payment PIN --------------------------------------------------------------------------------

@pytest.fixture
def with_pin(db: Database, member: MemberView) -> MemberView:
    topup(db, member, 50_000)
    return members.set_pin(db, member.member_id, PIN, actor=CASHIER)


def test_pin_is_required_once_set(db: Database, with_pin: MemberView) -> None:
    for nothing in (None, "", None, "", None, ""):  # more than the tries a PIN has
        with pytest.raises(AuthError) as refused:
            sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin=nothing)
        assert refused.value.code == "pin_required"  # asked for, not a wrong try
    assert not reload(db, with_pin).pin_locked
    assert balance(db, with_pin) == (50_000, 5_000)
    sale = sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin=PIN)
    assert sale["member_after"]["balance_fen"] == 54_000


def test_wrong_pin_is_refused_and_nothing_is_spent(db: Database, with_pin: MemberView) -> None:
    before = counts(db, "wallet_entries", "sales", "outbox", "points_entries")
    with pytest.raises(AuthError, match="4 tries left") as refused:
        sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin="000000")
    assert refused.value.code == "wrong_pin"
    assert counts(db, "wallet_entries", "sales", "outbox", "points_entries") == before
    assert balance(db, with_pin) == (50_000, 5_000)


def test_cash_sale_needs_no_pin(db: Database, with_pin: MemberView) -> None:
    assert sell(db, with_pin, 1_000)["total_fen"] == 1_000


def test_five_wrong_pins_lock_it_and_even_the_right_pin_is_then_refused(
        db: Database, manager: object, with_pin: MemberView) -> None:
    for _ in range(4):
        with pytest.raises(AuthError) as wrong:
            sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin="111111")
        assert wrong.value.code == "wrong_pin"
    with pytest.raises(AuthError, match="now locked") as fifth:
        sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin="111111")
    assert fifth.value.code == "wrong_pin"
    assert reload(db, with_pin).pin_locked
    with pytest.raises(AuthError) as locked:
        sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin=PIN)
    assert locked.value.code == "pin_locked"
    assert "manager" in locked.value.message
    assert balance(db, with_pin) == (50_000, 5_000)
    assert counts(db, "sales")["sales"] == 0
    # a manager lets the member try again: the same PIN works, a wrong one counts anew
    with pytest.raises(AuthError) as unapproved:
        members.unlock_pin(db, with_pin.member_id, actor=CASHIER, grant=None)
    assert unapproved.value.code == "approval_required"
    members.unlock_pin(db, with_pin.member_id, actor=CASHIER,
                       grant=approve(db, "member showed ID"))
    assert not reload(db, with_pin).pin_locked
    with pytest.raises(Refused) as again:
        members.unlock_pin(db, with_pin.member_id, actor=CASHIER, grant=approve(db, "twice"))
    assert again.value.code == "pin_not_locked"
    for _ in range(5):
        with pytest.raises(AuthError):
            sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin="111111")
    # a manager resets the PIN and the member pays again
    members.set_pin(db, with_pin.member_id, "246802", actor=CASHIER,
                    grant=approve(db, "member forgot PIN"))
    assert not reload(db, with_pin).pin_locked
    assert sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin="246802")["total_fen"] == (
        1_000)


def test_a_right_pin_resets_the_count_of_wrong_tries(db: Database, with_pin: MemberView) -> None:
    for _ in range(4):
        with pytest.raises(AuthError):
            sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin="111111")
    sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin=PIN)
    with pytest.raises(AuthError, match="4 tries left"):
        sell(db, with_pin, 1_000, tenders=[TenderIn("wallet")], pin="111111")
    assert not reload(db, with_pin).pin_locked


# -- voiding a top-up ---------------------------------------------------------------------------

def test_same_day_void_with_manager_approval_takes_the_bonus_too(
        db: Database, manager: object, member: MemberView) -> None:
    made = topup(db, member, 50_000)
    with pytest.raises(AuthError) as refused:
        wallet.void_topup(db, made["topup_key"], actor=CASHIER, grant=None)
    assert refused.value.code == "approval_required"
    assert balance(db, member) == (50_000, 5_000)
    voided = wallet.void_topup(db, made["topup_key"], actor=CASHIER,
                               grant=approve(db, "wrong member"))
    assert (voided["refund_fen"], voided["bonus_removed_fen"], voided["method"]) == (50_000,
                                                                                      5_000, "cash")
    assert balance(db, member) == (0, 0)
    [row] = all_rows(db, Topup)
    assert row.voided_by is not None
    assert [e.kind for e in all_rows(db, WalletEntry)][-2:] == ["topup_void", "topup_void"]
    assert [a.kind for a in approvals(db)] == ["topup_void"]
    assert "wallet_topup_voided" in outbox_types(db)
    with pytest.raises(Refused) as again:
        wallet.void_topup(db, made["topup_key"], actor=CASHIER, grant=approve(db))
    assert again.value.code == "already_voided"


def test_void_is_refused_the_next_store_day(db: Database, manager: object, clock: FixedClock,
                                            member: MemberView) -> None:
    made = topup(db, member, 50_000)  # 10:00 on the 10th, store time
    clock.set(dt.datetime(2026, 3, 10, 16, 0))  # same UTC date, but 00:00 on the 11th in store
    with pytest.raises(Refused, match="on the day it was made") as refused:
        wallet.void_topup(db, made["topup_key"], actor=CASHIER, grant=approve(db))
    assert refused.value.code == "void_too_late"
    assert balance(db, member) == (50_000, 5_000)


def test_void_follows_the_store_day_not_the_utc_day(db: Database, manager: object,
                                                    clock: FixedClock, member: MemberView) -> None:
    clock.set(dt.datetime(2026, 3, 10, 17, 0))  # 01:00 on the 11th in store
    made = topup(db, member, 50_000)
    clock.set(dt.datetime(2026, 3, 11, 15, 59))  # 23:59 the same store day, next UTC day
    wallet.void_topup(db, made["topup_key"], actor=CASHIER, grant=approve(db))
    assert balance(db, member) == (0, 0)


def test_void_is_refused_once_part_of_the_topup_was_spent(db: Database, manager: object,
                                                          member: MemberView) -> None:
    made = topup(db, member, 50_000)
    sell(db, member, 11_000, tenders=[TenderIn("wallet")])
    with pytest.raises(Refused) as refused:
        wallet.void_topup(db, made["topup_key"], actor=CASHIER, grant=approve(db))
    assert refused.value.code == "void_not_covered"
    assert balance(db, member) == (40_000, 4_000)


# -- closing the account (退卡) -----------------------------------------------------------------

def test_close_refunds_principal_forfeits_bonus_and_large_cash_becomes_transfer(
        db: Database, manager: object, member: MemberView) -> None:
    topup(db, member, 50_000)
    sell(db, member, 11_000, tenders=[TenderIn("wallet")])  # 400 + 40 left
    with pytest.raises(AuthError):
        wallet.close_account(db, member.member_id, actor=CASHIER, grant=None)
    closed = wallet.close_account(db, member.member_id, actor=CASHIER,
                                  grant=approve(db, "moving away"))
    assert (closed["refund_fen"], closed["forfeited_bonus_fen"], closed["method"]) == (
        40_000, 4_000, "transfer")
    after = reload(db, member)
    assert (after.status, after.balance_fen) == ("closed", 0)
    assert balance(db, member) == (0, 0)
    assert card_status(db, member.card_no) == "closed"
    kinds = [(e.kind, e.bucket, e.amount_fen, e.method) for e in all_rows(db, WalletEntry)][-2:]
    assert kinds == [("close_refund", "principal", -40_000, "transfer"),
                     ("bonus_forfeit", "bonus", -4_000, None)]
    assert "member_closed" in outbox_types(db)
    with pytest.raises(Refused) as no_topup:
        topup(db, member, 10_000)
    assert no_topup.value.code == "member_closed"
    with pytest.raises(Refused):
        members.find(db, member.card_no)
    with pytest.raises(Refused) as again:
        wallet.close_account(db, member.member_id, actor=CASHIER, grant=approve(db))
    assert again.value.code == "member_closed"


@pytest.mark.parametrize(("paid_fen", "method", "paid_by"), [
    (10_000, "cash", "cash"),  # exactly ¥100 still goes back in cash
    (10_001, "cash", "transfer"),
    (8_000, "cash", "cash"),
    (80_000, "wechat", "wechat"),
])
def test_close_refund_method(db: Database, manager: object, member: MemberView, paid_fen: int,
                             method: str, paid_by: str) -> None:
    topup(db, member, paid_fen)
    closed = wallet.close_account(db, member.member_id, actor=CASHIER, grant=approve(db),
                                  method=method)
    assert (closed["refund_fen"], closed["method"]) == (paid_fen, paid_by)


# -- adjustments --------------------------------------------------------------------------------

def test_adjustment_needs_a_manager_and_is_its_own_entry(db: Database, manager: object,
                                                         member: MemberView) -> None:
    topup(db, member, 10_000)
    with pytest.raises(AuthError) as refused:
        wallet.adjust(db, member.member_id, principal_fen=500, bonus_fen=0, actor=CASHIER,
                      grant=None)
    assert refused.value.code == "approval_required"
    assert balance(db, member) == (10_000, 0)
    result = wallet.adjust(db, member.member_id, principal_fen=500, bonus_fen=0, actor=CASHIER,
                           grant=approve(db, "till counted short"))
    assert result["balance_fen"] == 10_500
    assert balance(db, member) == (10_500, 0)
    assert [a.kind for a in approvals(db)] == ["wallet_adjust"]
    assert all_rows(db, WalletEntry)[-1].kind == "adjustment"


def test_adjustment_cannot_take_the_balance_below_zero(db: Database, manager: object,
                                                       member: MemberView) -> None:
    topup(db, member, 10_000)
    with pytest.raises(Refused) as refused:
        wallet.adjust(db, member.member_id, principal_fen=-10_001, bonus_fen=0, actor=CASHIER,
                      grant=approve(db))
    assert refused.value.code == "insufficient_balance"
    with pytest.raises(InvalidInput) as nothing:
        wallet.adjust(db, member.member_id, principal_fen=0, bonus_fen=0, actor=CASHIER,
                      grant=approve(db))
    assert nothing.value.code == "bad_amount"
    assert balance(db, member) == (10_000, 0)
    assert approvals(db) == []


def test_history_is_newest_first_with_running_balance(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    sell(db, member, 11_000, tenders=[TenderIn("wallet")])
    topup(db, member, 1_000)
    lines = wallet.history(db, member.member_id)
    assert [(x.kind, x.principal_fen, x.bonus_fen, x.balance_after_fen) for x in lines] == [
        ("topup", 1_000, 0, 45_000),
        ("spend", -10_000, -1_000, 44_000),
        ("topup", 50_000, 5_000, 55_000),
    ]


def test_balances_are_per_member(db: Database, member: MemberView) -> None:
    other = register(db)
    topup(db, member, 50_000)
    topup(db, other, 1_000)
    assert balance(db, member) == (50_000, 5_000)
    assert balance(db, other) == (1_000, 0)


def test_the_counter_lists_only_todays_unvoided_topups(db: Database, manager: object,
                                                       clock: FixedClock,
                                                       member: MemberView) -> None:
    first = wallet.topup(db, member.member_id, 10_000, actor="C01")
    clock.advance(minutes=5)
    second = wallet.topup(db, member.member_id, 20_000, actor="C01")
    listed = wallet.voidable_topups(db, member.member_id)
    assert [t["topup_key"] for t in listed] == [second["topup_key"], first["topup_key"]]
    wallet.void_topup(db, second["topup_key"], actor="C01", grant=approve(db))
    assert [t["topup_key"] for t in wallet.voidable_topups(db, member.member_id)] == [
        first["topup_key"]]
    clock.advance(days=1)
    assert wallet.voidable_topups(db, member.member_id) == []
