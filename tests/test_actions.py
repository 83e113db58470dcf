"""The action framework: idempotency keys, one transaction per action, one outbox event per
domain event, audit rows, and a gapless outbox sequence."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from storeapp.actions import Ctx, run_action
from storeapp.db import Database
from storeapp.errors import IdempotencyConflict, InvalidInput, Refused
from storeapp.models import AuditRow, OutboxEvent
from storeapp.results import ActionResult, Done
from storeapp.services import members, sales, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import (
    CASHIER,
    LEDGER_TABLES,
    all_rows,
    approve,
    counts,
    outbox_types,
    register,
    reload,
    sell,
    topup,
)


def audit_actions(db: Database) -> list[str]:
    return [r.action for r in all_rows(db, AuditRow)]


def outbox_seqs(db: Database) -> list[int]:
    return [e.seq for e in all_rows(db, OutboxEvent)]


# -- idempotency --------------------------------------------------------------------------------

def test_same_topup_key_twice_posts_once(db: Database, member: MemberView) -> None:
    first = topup(db, member, 50_000, key="till1-topup-0001")
    before = counts(db)
    again = topup(db, member, 50_000, key="till1-topup-0001")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert {k: v for k, v in again.items() if k != "replayed"} == {
        k: v for k, v in first.items() if k != "replayed"}
    assert counts(db) == before  # no wallet entries, outbox events or audit rows added
    assert reload(db, member).balance_fen == 55_000


def test_same_sale_key_twice_is_one_sale_with_one_receipt(db: Database,
                                                          member: MemberView) -> None:
    topup(db, member, 50_000)
    pay = [TenderIn("wallet")]
    first = sell(db, member, 11_000, tenders=pay, key="sale-42")
    before = counts(db)
    again = sell(db, member, 11_000, tenders=pay, key="sale-42")
    assert again["replayed"] is True
    assert again["receipt_no"] == first["receipt_no"] == "R0001010000001"
    assert counts(db) == before
    assert reload(db, member).balance_fen == 44_000


def test_replayed_stored_value_sale_does_not_ask_for_the_pin_again(db: Database,
                                                                   member: MemberView) -> None:
    topup(db, member, 50_000)
    members.set_pin(db, member.member_id, "135790", actor=CASHIER)
    sell(db, member, 1_000, tenders=[TenderIn("wallet")], pin="135790", key="sale-pin")
    again = sell(db, member, 1_000, tenders=[TenderIn("wallet")], pin="135790", key="sale-pin")
    assert again["replayed"] is True
    assert reload(db, member).balance_fen == 54_000


def test_same_registration_key_twice_registers_once(db: Database) -> None:
    first = register(db, phone="13812345678", key="reg-1")
    again = register(db, phone="13812345678", key="reg-1")
    assert again.member_id == first.member_id
    assert counts(db, "members")["members"] == 1
    assert outbox_types(db) == ["member_registered"]


def test_same_key_with_a_different_request_is_refused(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000, key="k-1")
    before = counts(db)
    with pytest.raises(IdempotencyConflict) as different_amount:
        topup(db, member, 60_000, key="k-1")
    assert different_amount.value.code == "key_reused"
    with pytest.raises(IdempotencyConflict) as different_kind:
        sell(db, member, 1_000, key="k-1")
    assert different_kind.value.code == "key_reused"
    assert counts(db) == before


def test_a_refused_action_does_not_use_up_its_key(db: Database, member: MemberView) -> None:
    with pytest.raises(Refused):
        sell(db, member, 1_000, tenders=[TenderIn("wallet")], key="k-2")  # empty wallet
    topup(db, member, 10_000)
    sale = sell(db, member, 1_000, tenders=[TenderIn("wallet")], key="k-2")
    assert sale["replayed"] is False


@pytest.mark.parametrize("key", ["x" * 65, "line\nbreak"])
def test_malformed_keys_are_refused(db: Database, member: MemberView, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        wallet.topup(db, member.member_id, 1_000, actor=CASHIER, key=key)
    assert refused.value.code == "bad_key"
    assert reload(db, member).balance_fen == 0


def test_an_action_needs_a_key(db: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        run_action(db, key="", kind="test", actor=CASHIER, request={}, body=lambda ctx: Done(),
                   returns=Done)
    assert refused.value.code == "bad_key"


# -- outbox and audit ---------------------------------------------------------------------------

def test_each_action_writes_one_outbox_event_per_domain_event_and_audit_rows(
        db: Database, manager: object) -> None:
    def posted(action: Callable[[], object]) -> tuple[list[str], list[str]]:
        """The outbox event types and audit actions that ``action`` added."""
        events, audits = len(outbox_types(db)), len(audit_actions(db))
        action()
        return outbox_types(db)[events:], audit_actions(db)[audits:]

    registered: list[MemberView] = []
    assert posted(lambda: registered.append(register(db))) == (["member_registered"],
                                                               ["member_registered"])
    member = registered[0]
    assert posted(lambda: topup(db, member, 50_000)) == (["wallet_topped_up"],
                                                        ["wallet_topped_up"])
    crossing: dict[str, object] = {}
    assert posted(lambda: crossing.update(sell(db, member, 100_000))) == (
        ["sale_completed", "member_tier_changed"], ["sale_completed"])
    grant = approve(db, "returned")
    assert posted(lambda: sales.refund(db, crossing["receipt_no"], actor=CASHIER,
                                       grant=grant)) == (["sale_refunded"],
                                                         ["approved", "sale_refunded"])


def test_outbox_payload_names_store_till_key_and_actor(db: Database,
                                                       member: MemberView) -> None:
    result = topup(db, member, 50_000, key="till1-topup-0002")
    event = all_rows(db, OutboxEvent)[-1]
    payload = json.loads(event.payload_json)
    assert (payload["type"], payload["store"], payload["till"], payload["key"],
            payload["actor"]) == ("wallet_topped_up", "0001", 1, "till1-topup-0002", CASHIER)
    assert (payload["member_id"], payload["principal_fen"], payload["bonus_fen"]) == (
        member.member_id, 50_000, 5_000)
    assert payload["at"] == "2026-03-10T02:00:00"
    assert result["topup_key"] == "till1-topup-0002"
    audit_row = all_rows(db, AuditRow)[-1]
    assert json.loads(audit_row.detail_json)["key"] == "till1-topup-0002"


def test_a_refused_action_leaves_nothing_behind(db: Database, member: MemberView) -> None:
    def body(ctx: Ctx) -> ActionResult:
        wallet.post(ctx, members.lock(db, ctx.session, member.member_id), "adjustment",
                    principal_fen=1_000, bonus_fen=0)
        ctx.audit("test_half_done", member.member_id)
        ctx.emit("test_half_done", member_id=member.member_id)
        raise Refused("changed_my_mind", "refused after writing")

    before = counts(db, *LEDGER_TABLES)
    with pytest.raises(Refused):
        run_action(db, key="half-done", kind="test", actor=CASHIER, request={}, body=body,
                   returns=Done)
    assert counts(db, *LEDGER_TABLES) == before
    assert reload(db, member).balance_fen == 0


def test_outbox_sequence_stays_gapless_after_refused_actions(db: Database,
                                                             member: MemberView) -> None:
    def emits_then_refuses(ctx: Ctx) -> ActionResult:
        ctx.emit("test_event")
        ctx.emit("test_event")
        raise Refused("nope", "refused after emitting")

    topup(db, member, 400_000)
    assert outbox_seqs(db) == [1, 2]
    with pytest.raises(Refused):
        topup(db, member, 200_000)  # over the ¥5,000 cap
    with pytest.raises(Refused):
        run_action(db, key="emits", kind="test", actor=CASHIER, request={},
                   body=emits_then_refuses, returns=Done)
    with pytest.raises(Refused):
        sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=500_000)],
                       tenders=[TenderIn("wallet")], actor=CASHIER)
    topup(db, member, 1_000)
    assert outbox_seqs(db) == [1, 2, 3]
    assert outbox_types(db) == ["member_registered", "wallet_topped_up", "wallet_topped_up"]
