"""The spend gate at a linked till: head office holds a stored-value spend before the sale, refuses
an overspend or a blocked wallet, and when it cannot be reached the offline allowance applies."""

from __future__ import annotations

import pytest

from storeapp import sync_state
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from sync import client
from sync.guard import HttpSpendGate
from tests.helpers import START, counts, reload, sell, topup
from tests.sync.fake_hq import TOKEN, URL, FakeHq


@pytest.fixture
def hq() -> FakeHq:
    return FakeHq(store_code="0001")


@pytest.fixture
def gate(db: Database, hq: FakeHq) -> HttpSpendGate:
    client.join(db, URL, TOKEN, transport=hq.transport())
    gate = HttpSpendGate(db, transport=hq.transport())
    db.spend_gate = gate
    return gate


def offline_since(db: Database) -> object:
    with db.reader() as s:
        return sync_state.read(s).offline_since


def test_head_office_holds_the_spend_under_the_sales_key(db: Database, hq: FakeHq,
                                                         gate: HttpSpendGate,
                                                         member: MemberView) -> None:
    topup(db, member, 10_000)

    sale = sell(db, member, 2_500, tenders=[TenderIn("wallet")], key="sale-key-1")

    assert hq.holds == {"sale-key-1": {"key": "sale-key-1", "member_id": member.member_id,
                                       "amount_fen": 2_500, "kind": "spend"}}
    assert sale["total_fen"] == 2_500 and reload(db, member).balance_fen == 7_500


@pytest.mark.parametrize("code", ["insufficient_balance", "wallet_blocked"])
def test_head_office_refusing_refuses_the_sale_and_changes_nothing(
        db: Database, hq: FakeHq, gate: HttpSpendGate, member: MemberView, code: str) -> None:
    topup(db, member, 10_000)
    hq.hold_refusal = (409, code)
    before = counts(db)

    with pytest.raises(Refused) as refused:
        sell(db, member, 2_500, tenders=[TenderIn("wallet")])

    assert refused.value.code == code and refused.value.message
    assert counts(db) == before


def test_unreachable_is_offline_and_the_allowance_applies(db: Database, hq: FakeHq,
                                                          gate: HttpSpendGate,
                                                          member: MemberView,
                                                          clock: FixedClock) -> None:
    topup(db, member, 100_000)
    hq.failing["/holds"] = "down"
    clock.advance(minutes=1)

    assert gate.hold(key="k1", member_id=member.member_id, amount_fen=100) == "offline"
    sell(db, member, 20_000, tenders=[TenderIn("wallet")])  # within ¥300 a sale offline
    with pytest.raises(Refused) as refused:
        sell(db, member, 40_000, tenders=[TenderIn("wallet")])

    assert refused.value.code == "offline_limit_txn"
    assert offline_since(db) == START.replace(minute=1)
    assert "hq.test" in client.status(db).last_error


def test_reachable_again_clears_offline(db: Database, hq: FakeHq, gate: HttpSpendGate,
                                        member: MemberView) -> None:
    hq.failing["/holds"] = "down"
    gate.hold(key="k1", member_id=member.member_id, amount_fen=100)
    del hq.failing["/holds"]
    asked = len(hq.requests)

    # the next spends do not wait for head office again until a sync has reached it
    assert gate.hold(key="k2", member_id=member.member_id, amount_fen=100) == "offline"
    assert len(hq.requests) == asked
    client.run_sync(db, client=hq.client())

    assert gate.hold(key="k3", member_id=member.member_id, amount_fen=100) == "held"
    assert offline_since(db) is None


def test_a_member_head_office_does_not_know_yet_is_offline(db: Database, hq: FakeHq,
                                                          gate: HttpSpendGate) -> None:
    hq.hold_refusal = (404, "unknown_member")
    assert gate.hold(key="k", member_id="new-here", amount_fen=100) == "offline"


def test_a_till_head_office_refuses_spends_as_offline_and_says_why(db: Database, hq: FakeHq,
                                                                    gate: HttpSpendGate) -> None:
    hq.token = "rotated"
    assert gate.hold(key="k", member_id="m", amount_fen=100) == "offline"
    assert "bad_token" in client.status(db).last_error and offline_since(db) == START


def test_release_is_best_effort(db: Database, hq: FakeHq, gate: HttpSpendGate) -> None:
    gate.hold(key="k", member_id="m", amount_fen=100)
    gate.release("k")
    assert hq.holds == {}
    hq.failing["/holds/release"] = "down"
    gate.release("k")  # no error: the hold expires at head office anyway


def test_a_failed_sale_gives_its_hold_back(db: Database, hq: FakeHq, gate: HttpSpendGate,
                                           member: MemberView) -> None:
    topup(db, member, 1_000)
    with pytest.raises(Refused):  # held at head office, refused here (the local balance)
        sell(db, member, 5_000, tenders=[TenderIn("wallet")])
    assert hq.holds == {}
