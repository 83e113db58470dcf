"""What the till's core does for head-office sync (docs/sync.md): ledger deltas in the outbox,
blocked wallets, the spend gate and the offline allowance, merged members, the sync state.

Head office itself lives in the sync package; here it is :class:`HeadOffice`, a small stand-in
implementing :class:`storeapp.services.spend_gate.SpendGate` that holds what it is asked to,
refuses like head office does, and can be unreachable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from importlib.metadata import entry_points
from typing import Any

import pytest

from storeapp import sync_state
from storeapp.actions import Ctx, ledger_deltas, run_action
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, NotFound, Refused
from storeapp.identity import mask_phone, sign_qr
from storeapp.models import Member, OutboxEvent
from storeapp.reports import daily, liability
from storeapp.results import Done
from storeapp.services import members, plans, points, sales, spend_gate, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from storeapp.services.spend_gate import Verdict
from storeapp.services.users import Staff
from tests import ledger_checks
from tests.helpers import (
    CASHIER,
    START,
    all_rows,
    approve,
    member_row,
    register,
    reload,
    sell,
    set_setting,
    topup,
)

HQ_URL = "https://hq.example.invalid"


def events(db: Database) -> list[tuple[int, str, dict[str, Any]]]:
    """(seq, type, payload) of every outbox event, in order."""
    return [(e.seq, e.type, json.loads(e.payload_json)) for e in all_rows(db, OutboxEvent)]


def events_of(db: Database, key: str) -> list[tuple[str, dict[str, Any]]]:
    return [(t, p) for _, t, p in events(db) if p["key"] == key]


def delta(member: MemberView, principal_fen: int = 0, bonus_fen: int = 0,
          pts: int = 0) -> dict[str, Any]:
    return {"member_id": member.member_id, "principal_fen": principal_fen,
            "bonus_fen": bonus_fen, "points": pts}


def moved(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """An event's ledger lines without the balance after (asserted on its own)."""
    return [{k: v for k, v in line.items() if k != "after"} for line in payload["ledger"]]


def problems(db: Database) -> list[str]:
    with contextlib.closing(ledger_checks.connect(db.path)) as conn:
        return ledger_checks.ledger_problems(conn)


def snapshot(db: Database) -> dict[str, Any]:
    with contextlib.closing(ledger_checks.connect(db.path)) as conn:
        return ledger_checks.snapshot(conn)


# -- ledger deltas in the outbox ----------------------------------------------------------------

def test_a_topup_event_carries_principal_and_bonus(db: Database, member: MemberView) -> None:
    done = topup(db, member, 50_000)
    [(kind, payload)] = events_of(db, done["topup_key"])
    assert kind == "wallet_topped_up"
    assert moved(payload) == [delta(member, 50_000, 5_000)]
    assert payload["ledger"][0]["after"] == [50_000, 5_000, 0]  # the balance it leaves


def test_a_wallet_sale_carries_the_spend_and_the_points_earned(db: Database,
                                                               member: MemberView) -> None:
    topup(db, member, 100_000)  # + 15,000 bonus
    sale = sell(db, member, 11_500, tenders=[TenderIn("wallet")])
    [paid] = sale["tenders"]
    assert paid["principal_fen"] + paid["bonus_fen"] == 11_500 and paid["bonus_fen"] > 0
    [(kind, payload)] = events_of(db, sale["sale_key"])
    assert kind == "sale_completed"
    assert moved(payload) == [delta(member, -paid["principal_fen"], -paid["bonus_fen"], 115)]


def test_only_the_first_event_of_an_action_carries_the_ledger(db: Database,
                                                             member: MemberView) -> None:
    sale = sell(db, member, 100_000)  # reaches silver: a tier change event follows the sale
    [(first, payload), (second, then)] = events_of(db, sale["sale_key"])
    assert (first, second) == ("sale_completed", "member_tier_changed")
    assert moved(payload) == [delta(member, pts=1_000)]
    assert "ledger" not in then


def test_a_refund_carries_the_money_back_and_the_points_clawed_back(
        db: Database, member: MemberView, manager: Staff) -> None:
    topup(db, member, 50_000)
    sale = sell(db, member, 20_000, tenders=[TenderIn("wallet", 5_000), TenderIn("card")])
    [paid, _] = sale["tenders"]
    refund = sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=approve(db))
    [(kind, payload)] = events_of(db, refund["refund_key"])
    assert kind == "sale_refunded"
    assert moved(payload) == [delta(member, paid["principal_fen"], paid["bonus_fen"], -200)]


def test_points_expiry_carries_every_member_it_touched_sorted(
        db: Database, clock: FixedClock) -> None:
    first, second = register(db), register(db)
    sell(db, first, 12_000)
    sell(db, second, 3_000)
    clock.set(START + dt.timedelta(days=800))
    expired = points.expire_due(db)
    assert (expired["lots"], expired["points"]) == (2, 150)
    [payload] = [p for _, t, p in events(db) if t == "points_expired"]
    assert moved(payload) == sorted([delta(first, pts=-120), delta(second, pts=-30)],
                                       key=lambda d: d["member_id"])


def test_actions_that_move_nothing_carry_no_ledger(db: Database, member: MemberView) -> None:
    sale = sell(db, None, 5_000)
    [(kind, payload)] = events_of(db, sale["sale_key"])
    assert kind == "sale_completed" and "ledger" not in payload
    [(_, kind, payload), *_] = events(db)
    assert kind == "member_registered" and "ledger" not in payload


def test_ledger_moved_without_an_event_emits_ledger_posted(db: Database,
                                                           member: MemberView) -> None:
    def body(ctx: Ctx) -> Done:
        wallet.post(ctx, members.lock(db, ctx.session, member.member_id), "adjustment",
                    principal_fen=700, bonus_fen=0)
        return Done()

    run_action(db, key="quiet-1", kind="test_quiet", actor=CASHIER, request={}, body=body,
               returns=Done)
    [(kind, payload)] = events_of(db, "quiet-1")
    assert kind == "ledger_posted"
    assert moved(payload) == [delta(member, 700)]


def test_sync_rows_and_movements_that_cancel_out_carry_nothing(db: Database,
                                                               member: MemberView) -> None:
    def body(ctx: Ctx) -> Done:
        row = members.lock(db, ctx.session, member.member_id)
        wallet.post(ctx, row, "sync", principal_fen=9_000, bonus_fen=1_000)  # head office's
        wallet.post(ctx, row, "adjustment", principal_fen=300, bonus_fen=0)
        wallet.post(ctx, row, "adjustment", principal_fen=-300, bonus_fen=0)
        assert ledger_deltas(ctx.session, ctx.key) == []
        return Done()

    run_action(db, key="quiet-2", kind="test_quiet", actor=CASHIER, request={}, body=body,
               returns=Done)
    assert events_of(db, "quiet-2") == []
    assert reload(db, member).balance_fen == 10_000


def test_the_outbox_stays_gapless_and_in_order(db: Database, member: MemberView,
                                               manager: Staff) -> None:
    topup(db, member, 50_000)
    with pytest.raises(Refused):
        sell(db, member, 90_000, tenders=[TenderIn("wallet")])  # rolled back: gives back seq
    sale = sell(db, member, 10_000, tenders=[TenderIn("wallet")])
    sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=approve(db))
    seqs = [seq for seq, _, _ in events(db)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [t for _, t, _ in events(db)] == [
        "member_registered", "wallet_topped_up", "sale_completed", "sale_refunded"]
    assert problems(db) == []


# -- blocked wallets ----------------------------------------------------------------------------

def block(db: Database, member: MemberView) -> None:
    """What a download from head office does for an overdrawn member."""
    with db.session() as s, s.begin():
        member_row(s, member).wallet_blocked = True


def test_a_blocked_wallet_refuses_to_spend_and_changes_nothing(db: Database,
                                                               member: MemberView) -> None:
    topup(db, member, 50_000)
    block(db, member)
    before = snapshot(db)
    with pytest.raises(Refused) as refused:
        sell(db, member, 1_000, tenders=[TenderIn("wallet")])
    assert refused.value.code == "wallet_blocked"
    assert "blocked by head office" in refused.value.message
    assert snapshot(db) == before
    sell(db, member, 1_000, tenders=[TenderIn("cash")])  # paying otherwise still works
    assert reload(db, member).balance_fen == 55_000


def test_a_blocked_wallet_cannot_pay_for_a_plan(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    plans.add_plan(db, code="PLUS", name="Plus", fee_fen=9_900, duration_days=365,
                   actor="setup")
    block(db, member)
    before = snapshot(db)
    with pytest.raises(Refused) as refused:
        plans.buy(db, member.member_id, "PLUS", method="wallet", actor=CASHIER)
    assert refused.value.code == "wallet_blocked"
    assert snapshot(db) == before


# -- head office holds the spend ----------------------------------------------------------------

class HeadOffice:
    """Head office as far as a till's spends see it: chain balances, blocked members, live
    holds by key; or unreachable."""

    def __init__(self, balances: dict[str, int] | None = None) -> None:
        self.balances = dict(balances or {})
        self.blocked: set[str] = set()
        self.reachable = True
        self.holds: dict[str, tuple[str, int]] = {}
        self.asked: list[tuple[str, str, int]] = []
        self.released: list[str] = []

    def hold(self, *, key: str, member_id: str, amount_fen: int,
             kind: str = "spend") -> Verdict:
        self.asked.append((key, member_id, amount_fen))
        if not self.reachable or member_id not in self.balances:
            return "offline"
        if key in self.holds:
            return "held"
        if member_id in self.blocked:
            raise Refused("wallet_blocked", "head office has blocked this member's stored value")
        held = sum(amount for m, amount in self.holds.values() if m == member_id)
        if amount_fen > self.balances[member_id] - held:
            raise Refused("insufficient_balance", "stored value across all stores is not enough")
        self.holds[key] = (member_id, amount_fen)
        return "held"

    def release(self, key: str) -> None:
        self.released.append(key)
        self.holds.pop(key, None)


def link(db: Database, head_office: HeadOffice, *, contact: dt.datetime | None = START,
         offline_since: dt.datetime | None = None) -> None:
    """The till joined head office and last reached it at ``contact``."""
    set_setting(db, "hq_url", HQ_URL)
    db.spend_gate = head_office
    with db.session() as s, s.begin():
        sync_state.write(s, last_contact_at=contact, offline_since=offline_since)


def test_head_office_holds_a_stored_value_payment_under_the_sale_key(
        db: Database, member: MemberView) -> None:
    topup(db, member, 100_000)
    head_office = HeadOffice({member.member_id: 115_000})
    link(db, head_office)
    sale = sell(db, member, 45_000, tenders=[TenderIn("card", 5_000), TenderIn("wallet")],
                key="sale-held-1")
    assert head_office.asked == [("sale-held-1", member.member_id, 40_000)]
    assert head_office.holds == {"sale-held-1": (member.member_id, 40_000)}
    assert {t["method"]: t["amount_fen"] for t in sale["tenders"]} == {"card": 5_000,
                                                                       "wallet": 40_000}
    # held online, the offline per-sale limit (¥300) does not apply
    assert reload(db, member).balance_fen == 75_000
    assert head_office.released == []


def test_the_held_amount_is_what_the_sale_will_take_after_discounts(
        db: Database, member: MemberView) -> None:
    sell(db, member, 100_000)  # silver: 2% off from now on
    topup(db, member, 50_000)
    head_office = HeadOffice({member.member_id: 55_000})
    link(db, head_office)
    sale = sell(db, member, 10_000, tenders=[TenderIn("wallet")], redeem_points=500)
    assert sale["total_fen"] == 10_000 - 200 - 500
    assert [amount for _, _, amount in head_office.asked] == [9_300]


def test_head_office_refusing_refuses_the_sale_and_changes_nothing(
        db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    head_office = HeadOffice({member.member_id: 2_000})  # spent at other stores meanwhile
    link(db, head_office)
    before = snapshot(db)
    with pytest.raises(Refused) as refused:
        sell(db, member, 3_000, tenders=[TenderIn("wallet")])
    assert refused.value.code == "insufficient_balance"
    head_office.blocked.add(member.member_id)
    with pytest.raises(Refused) as blocked:
        sell(db, member, 1_000, tenders=[TenderIn("wallet")])
    assert blocked.value.code == "wallet_blocked"
    assert snapshot(db) == before
    assert head_office.holds == {}


def test_a_sale_failing_after_the_hold_releases_it(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    members.set_pin(db, member.member_id, "135790", actor=CASHIER)
    head_office = HeadOffice({member.member_id: 55_000})
    link(db, head_office)
    before = snapshot(db)
    with pytest.raises(AuthError):
        sell(db, member, 1_000, tenders=[TenderIn("wallet")], pin="000000", key="sale-pin-1")
    block(db, member)  # blocked here, not yet known at head office
    with pytest.raises(Refused):
        sell(db, member, 1_000, tenders=[TenderIn("wallet")], pin="135790", key="sale-pin-2")
    assert head_office.released == ["sale-pin-1", "sale-pin-2"]
    assert head_office.holds == {}
    assert snapshot(db)["count:wallet_entries"] == before["count:wallet_entries"]


def test_a_retried_sale_is_not_held_again(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    head_office = HeadOffice({member.member_id: 55_000})
    link(db, head_office)
    first = sell(db, member, 2_000, tenders=[TenderIn("wallet")], key="sale-retry")
    again = sell(db, member, 2_000, tenders=[TenderIn("wallet")], key="sale-retry")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert head_office.asked == [("sale-retry", member.member_id, 2_000)]
    assert head_office.released == []


def test_sales_without_stored_value_ask_head_office_nothing(db: Database,
                                                           member: MemberView) -> None:
    head_office = HeadOffice({member.member_id: 0})
    link(db, head_office)
    sell(db, member, 2_000, tenders=[TenderIn("card")])
    sell(db, None, 2_000)
    assert head_office.asked == []


def test_a_plan_paid_from_stored_value_is_held_too(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    plans.add_plan(db, code="PLUS", name="Plus", fee_fen=9_900, duration_days=365,
                   actor="setup")
    head_office = HeadOffice({member.member_id: 55_000})
    link(db, head_office)
    bought = plans.buy(db, member.member_id, "PLUS", method="wallet", actor=CASHIER,
                       key="plan-1")
    assert bought["fee_fen"] == 9_900
    assert head_office.holds == {"plan-1": (member.member_id, 9_900)}


def test_an_unlinked_till_asks_nobody(db: Database, member: MemberView) -> None:
    assert spend_gate.gate_for(db) is None and not spend_gate.linked(db)
    topup(db, member, 50_000)
    sell(db, member, 40_000, tenders=[TenderIn("wallet")])  # no offline limits either
    assert reload(db, member).balance_fen == 15_000


def test_a_linked_till_without_a_gate_applies_the_offline_allowance(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # as if the sync package were not installed: no plugin registers under this group
    monkeypatch.setattr(spend_gate, "GATE_PLUGINS", "storeapp.spend_gate.not_installed")
    assert not entry_points(group=spend_gate.GATE_PLUGINS)
    member = rich(db)
    set_setting(db, "hq_url", HQ_URL)
    assert spend_gate.gate_for(db) is None
    assert db.head_office is not None and db.head_office.made_for == HQ_URL  # looked for once
    with pytest.raises(Refused) as refused:
        sell(db, member, 1_000, tenders=[TenderIn("wallet")])
    assert refused.value.code == "offline_too_long"  # never reached head office
    with db.session() as s, s.begin():
        sync_state.write(s, last_contact_at=START, offline_since=START)
    spend(db, member, 30_000)
    assert refused_code(db, member, 30_001)[0] == "offline_limit_txn"


# -- the offline allowance ----------------------------------------------------------------------

@pytest.fixture
def offline(db: Database) -> HeadOffice:
    """A linked till whose head office is unreachable since START (last reached then)."""
    head_office = HeadOffice()
    head_office.reachable = False
    link(db, head_office, contact=START, offline_since=START)
    return head_office


def rich(db: Database, **fields: Any) -> MemberView:
    """A member holding ¥2,400 (¥2,000 topped up with ¥400 bonus)."""
    member = register(db, **fields)
    topup(db, member, 200_000)
    return member


def spend(db: Database, member: MemberView, amount_fen: int) -> dict[str, Any]:
    return sell(db, member, amount_fen, tenders=[TenderIn("wallet")])


def refused_code(db: Database, member: MemberView, amount_fen: int) -> tuple[str, str]:
    """A spend that must be refused and change nothing: its code and message."""
    before = snapshot(db)
    with pytest.raises(Refused) as refused:
        spend(db, member, amount_fen)
    assert snapshot(db) == before
    return refused.value.code, refused.value.message


def test_offline_one_sale_may_spend_up_to_the_per_sale_limit(db: Database,
                                                            offline: HeadOffice) -> None:
    member = rich(db)
    code, message = refused_code(db, member, 30_001)
    assert code == "offline_limit_txn" and "¥300.00" in message
    spend(db, member, 30_000)
    assert reload(db, member).balance_fen == 240_000 - 30_000
    assert offline.holds == {}


def test_offline_a_member_may_spend_up_to_the_member_limit(db: Database, clock: FixedClock,
                                                          offline: HeadOffice) -> None:
    member = rich(db)
    spend(db, member, 30_000)
    clock.advance(minutes=5)
    spend(db, member, 20_000)  # ¥500 in all: exactly the limit
    code, message = refused_code(db, member, 1)
    assert code == "offline_limit_member" and "¥500.00" in message
    other = rich(db)
    spend(db, other, 1_000)  # another member's allowance is their own


def test_spends_before_head_office_became_unreachable_do_not_count(
        db: Database, clock: FixedClock) -> None:
    member = rich(db)
    head_office = HeadOffice({member.member_id: 240_000})
    link(db, head_office)
    spend(db, member, 45_000)  # held online
    clock.advance(hours=1)
    head_office.reachable = False
    with db.session() as s, s.begin():
        sync_state.write(s, offline_since=clock.now())
    spend(db, member, 30_000)
    spend(db, member, 20_000)
    assert refused_code(db, member, 1)[0] == "offline_limit_member"


def test_offline_without_a_recorded_start_counts_nothing_before_now(
        db: Database, clock: FixedClock, offline: HeadOffice) -> None:
    with db.session() as s, s.begin():
        sync_state.write(s, offline_since=None)
    member = rich(db)
    spend(db, member, 30_000)
    clock.advance(seconds=1)
    spend(db, member, 30_000)  # nothing before now counted: only the per-sale limit applies
    assert reload(db, member).balance_fen == 180_000


def test_offline_the_store_may_take_up_to_the_store_limit(db: Database,
                                                         offline: HeadOffice) -> None:
    set_setting(db, "offline_max_store_fen", 60_000)
    first, second = rich(db), rich(db)
    spend(db, first, 30_000)
    spend(db, second, 30_000)  # ¥600 in all: exactly the limit
    code, message = refused_code(db, second, 1)
    assert code == "offline_limit_store" and "¥600.00" in message


def test_offline_spending_stops_after_the_time_limit(db: Database, clock: FixedClock,
                                                    offline: HeadOffice) -> None:
    member = rich(db)
    clock.set(START + dt.timedelta(hours=24))
    spend(db, member, 1_000)  # exactly 24 hours since head office was reached
    clock.advance(seconds=1)
    code, message = refused_code(db, member, 1_000)
    assert code == "offline_too_long" and "24 hours" in message
    sell(db, member, 1_000, tenders=[TenderIn("cash")])  # other tenders still work


def test_a_till_that_never_reached_head_office_cannot_spend_offline(
        db: Database, offline: HeadOffice) -> None:
    member = rich(db)
    with db.session() as s, s.begin():
        sync_state.write(s, last_contact_at=None)
    assert refused_code(db, member, 100)[0] == "offline_too_long"


def test_a_member_head_office_does_not_know_yet_spends_within_the_allowance(
        db: Database) -> None:
    known = rich(db)
    head_office = HeadOffice({known.member_id: 240_000})  # reachable
    link(db, head_office)
    new = rich(db)  # registered here, not uploaded yet
    spend(db, new, 30_000)
    assert refused_code(db, new, 30_001)[0] == "offline_limit_txn"
    sale = spend(db, known, 40_000)  # held: no offline limits
    assert head_office.holds == {sale["sale_key"]: (known.member_id, 40_000)}


# -- merged members -----------------------------------------------------------------------------

def merge(db: Database, merged: MemberView, into: MemberView) -> None:
    """What a download from head office does when ``merged`` was merged into ``into``."""
    with db.session() as s, s.begin():
        row = member_row(s, merged)
        row.merged_into = into.member_id
        row.phone = f"merged:{merged.member_id}"


def test_every_lookup_of_a_merged_member_finds_the_survivor(db: Database) -> None:
    survivor = register(db, phone="13800001111", name="张三")
    merged = register(db, phone="13900001111", name="张三")
    assert {m.member_id for m in members.find(db, "1111")} == {survivor.member_id,
                                                               merged.member_id}
    merge(db, merged, survivor)
    qr = sign_qr(merged.card_no, db.settings.qr_secret)
    assert members.get(db, merged.member_id).member_id == survivor.member_id
    for ref in (merged.card_no, qr):
        assert members.get(db, ref).member_id == survivor.member_id, ref
        assert [m.member_id for m in members.find(db, ref)] == [survivor.member_id], ref
    # by the last 4 digits (the merged member's tail kept here on purpose) and by name
    assert [m.member_id for m in members.find(db, "1111")] == [survivor.member_id]
    assert [m.member_id for m in members.find(db, "张三")] == [survivor.member_id]
    with pytest.raises(NotFound):
        members.get(db, "13900001111")  # the merged member's own number is gone


def test_a_sale_for_a_merged_member_goes_to_the_survivor(db: Database) -> None:
    survivor, merged = register(db), register(db)
    topup(db, survivor, 50_000)
    merge(db, merged, survivor)
    sale = sales.checkout(db, member_ref=merged.card_no,
                          lines=[LineIn(unit_price_fen=1_000)], tenders=[TenderIn("wallet")],
                          actor=CASHIER)
    assert sale["member_id"] == survivor.member_id
    assert reload(db, survivor).balance_fen == 54_000


def test_merges_are_followed_to_the_end_and_a_loop_does_not_hang(db: Database) -> None:
    first, second, third = register(db), register(db), register(db)
    merge(db, third, second)
    merge(db, second, first)
    assert members.get(db, third.member_id).member_id == first.member_id
    merge(db, first, third)  # a loop (never sent by head office): stops, does not spin
    assert members.get(db, first.member_id).member_id in {first.member_id, second.member_id,
                                                          third.member_id}


def test_a_survivor_not_downloaded_yet_leaves_the_merged_member(db: Database) -> None:
    merged = register(db)
    with db.session() as s, s.begin():
        member_row(s, merged).merged_into = "01930000-0000-7000-8000-00000000ffff"
    assert members.get(db, merged.member_id).member_id == merged.member_id


def test_a_merged_members_placeholder_phone_masks_without_its_id() -> None:
    assert mask_phone("merged:01930000-0000-7000-8000-000000000001") == "-"
    assert mask_phone("13812345678") == "138****5678"


# -- other stores' part and the sync state ------------------------------------------------------

def test_reports_show_what_sync_posted_as_other_stores(db: Database, clock: FixedClock,
                                                       member: MemberView) -> None:
    topup(db, member, 10_000)

    def body(ctx: Ctx) -> Done:
        wallet.post(ctx, members.lock(db, ctx.session, member.member_id), "sync",
                    principal_fen=3_000, bonus_fen=500)
        return Done()

    clock.advance(minutes=10)
    run_action(db, key="sync-1", kind="sync", actor="HQ", request={}, body=body,
               returns=Done)
    clock.advance(minutes=10)
    report = liability.liability(db, START + dt.timedelta(minutes=5)).to_dict()
    since = {row["kind_code"]: row for row in report["since"]["rows"]}
    assert (since["sync"]["principal_fen"], since["sync"]["bonus_fen"]) == (3_000, 500)
    assert (since["sync"]["kind"], since["sync"]["kind_en"]) == ("其他门店", "Other stores")
    day = daily.daily(db, clock.local_date()).to_dict()["stored_value"]
    assert (day["sync_principal_fen"], day["sync_bonus_fen"]) == (3_000, 500)
    assert day["closing_principal_fen"] == 13_000
    assert problems(db) == []


def test_sync_state_reads_back_what_was_written(db: Database) -> None:
    with db.reader() as s:
        assert sync_state.read(s) == sync_state.SyncState()
    at = dt.datetime(2026, 3, 10, 2, 30, 15, 123456)
    with db.session() as s, s.begin():
        sync_state.write(s, acked_seq=41, cursor="c:17:abc", last_contact_at=at,
                         store_name_hq="一号店 Store 1")
        sync_state.write(s, acked_seq=42, last_error="")
    with db.reader() as s:
        state = sync_state.read(s)
    assert state == sync_state.SyncState(acked_seq=42, cursor="c:17:abc", last_contact_at=at,
                                         store_name_hq="一号店 Store 1")
    with db.session() as s, s.begin():
        sync_state.write(s, last_contact_at=None)
        with pytest.raises(KeyError):
            sync_state.write(s, acked=1)
        with pytest.raises(TypeError):
            sync_state.write(s, offline_since="yesterday")
    with db.reader() as s:
        assert sync_state.read(s).last_contact_at is None


def test_the_merged_and_blocked_columns_default_for_new_members(db: Database,
                                                               member: MemberView) -> None:
    [row] = all_rows(db, Member)
    assert (row.wallet_blocked, row.merged_into) == (False, None)
