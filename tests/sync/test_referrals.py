"""Referrals (推广大使) across the chain: head office alone knows whether a referee is new to the
whole chain, so it decides and rewards; the reward reaches every till with its next download.

Real till databases (two at store 0001, one at 0002) record real registrations and sales; head
office is the real ingest and download code (the harness of ``test_sync_properties``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storeapp.clock import to_local
from storeapp.models import Member
from storeapp.services.members import MemberView
from sync.hq import models as m
from sync.hq.apply_referrals import report
from sync.hq.cli import main as hq_main
from sync.hq.db import HqDatabase, utcnow
from tests.helpers import register, sell
from tests.sync.test_sync_properties import Network, Till, deliver, download, make_tills, send

REWARD = 500
MIN_PURCHASE = 10_000


@pytest.fixture
def chain(tmp_path: Path, migrated_template: Path,
          hq_url: str) -> Iterator[tuple[HqDatabase, list[Till]]]:
    hq = HqDatabase(hq_url)
    tills = make_tills(tmp_path, migrated_template, hq)
    try:
        yield hq, tills
    finally:
        for till in tills:
            till.db.close()
        hq.close()


def upload(hq: HqDatabase, *tills: Till) -> None:
    """Each till sends everything it has not sent yet, and head office takes it."""
    net = Network()
    for till in tills:
        send(till, net, 2000)
    while net.in_flight:
        deliver(hq, net, 0)


def sync(hq: HqDatabase, tills: list[Till]) -> None:
    upload(hq, *tills)
    for till in tills:
        download(till, hq)


def hq_points(hq: HqDatabase, member_id: str) -> int:
    with hq.transaction() as s:
        return int(s.scalar(select(m.Member.points).where(m.Member.member_id == member_id)) or 0)


def till_points(till: Till, member_id: str) -> int:
    with till.db.reader() as s:
        return int(s.scalar(select(Member.points).where(Member.member_id == member_id)) or 0)


def referral(hq: HqDatabase, referee: MemberView) -> m.Referral:
    with hq.transaction() as s:
        row = s.get(m.Referral, referee.member_id)
        assert row is not None
        s.expunge(row)
        return row


def rewards(hq: HqDatabase) -> dict[str, int]:
    """Head office's ledger, read independently of the referrals: points per member."""
    with hq.transaction() as s:
        return {mid: int(p) for mid, p in s.execute(
            select(m.LedgerRow.member_id, func.sum(m.LedgerRow.points))
            .where(m.LedgerRow.kind == "referral_reward", m.LedgerRow.store_code == "HQ",
                   m.LedgerRow.till_no == 0).group_by(m.LedgerRow.member_id))}


def test_a_new_members_first_qualifying_purchase_rewards_the_referrer_once_everywhere(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, (a1, a2, b1) = chain
    referrer = register(a1.db)
    sync(hq, [a1, a2, b1])  # store 0002 now knows the referrer
    referee = register(b1.db, referrer=referrer.card_no)
    assert referee.referrer_id == referrer.member_id
    upload(hq, b1)
    assert referral(hq, referee).status == "pending"

    sell(b1.db, referee, MIN_PURCHASE)
    upload(hq, b1)
    row = referral(hq, referee)
    assert (row.status, row.reward_points, row.rewarded_member_id) == (
        "rewarded", REWARD, referrer.member_id)
    assert hq_points(hq, referrer.member_id) == REWARD

    sell(b1.db, referee, 3 * MIN_PURCHASE)  # a second purchase rewards nothing
    sync(hq, [a1, a2, b1])
    assert hq_points(hq, referrer.member_id) == REWARD
    assert rewards(hq) == {referrer.member_id: REWARD}
    # every till shows head office's points (the reward as part of the remote points)
    for till in (a1, a2, b1):
        assert till_points(till, referrer.member_id) == REWARD


def test_a_referee_whose_phone_the_chain_already_knew_earns_nothing(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, (a1, a2, b1) = chain
    referrer = register(b1.db)
    phone = "13912340000"
    register(a1.db, phone=phone)  # the phone is a member at store 0001 already...
    upload(hq, a1)
    referee = register(b1.db, phone=phone, referrer=referrer.phone)  # ...0002 cannot see it
    sell(b1.db, referee, 5 * MIN_PURCHASE)
    upload(hq, b1)
    row = referral(hq, referee)
    assert (row.status, row.reason, row.reward_points) == ("refused", "not new to the chain", 0)
    sync(hq, [a1, a2, b1])
    assert hq_points(hq, referrer.member_id) == 0
    assert till_points(b1, referrer.member_id) == 0
    assert rewards(hq) == {}


def test_a_purchase_below_the_threshold_earns_nothing_until_one_meets_it(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, (a1, _a2, _b1) = chain
    referrer = register(a1.db)
    referee = register(a1.db, referrer=referrer.qr)
    sell(a1.db, referee, MIN_PURCHASE - 1)
    upload(hq, a1)
    assert referral(hq, referee).status == "pending"
    assert hq_points(hq, referrer.member_id) == 0
    sell(a1.db, referee, MIN_PURCHASE)
    upload(hq, a1)
    assert referral(hq, referee).status == "rewarded"
    assert hq_points(hq, referrer.member_id) == REWARD
    download(a1, hq)
    assert till_points(a1, referrer.member_id) == REWARD


def test_at_most_the_monthly_cap_of_rewards_per_referrer(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, (a1, a2, b1) = chain
    referrer = register(a1.db)
    sync(hq, [a1, a2, b1])
    referees = [register(till.db, referrer=referrer.card_no)
                for till in (a1, a2, b1, a1, a2, b1, a1)]
    for referee, till in zip(referees, (a1, a2, b1, a1, a2, b1, a1), strict=True):
        sell(till.db, referee, MIN_PURCHASE)
    upload(hq, a1, a2, b1)
    rows = [referral(hq, r) for r in referees]
    assert sorted(r.status for r in rows) == ["refused"] * 2 + ["rewarded"] * 5
    assert {r.reason for r in rows if r.status == "refused"} == {"monthly cap"}
    assert hq_points(hq, referrer.member_id) == 5 * REWARD
    for till in (a1, a2, b1):
        download(till, hq)
        assert till_points(till, referrer.member_id) == 5 * REWARD


def test_events_arriving_twice_reward_once(chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, (a1, _a2, _b1) = chain
    referrer = register(a1.db)
    referee = register(a1.db, referrer=referrer.card_no)
    sell(a1.db, referee, MIN_PURCHASE)
    net = Network()
    send(a1, net, 2000)
    deliver(hq, net, 0, keep=True)
    deliver(hq, net, 0, keep=True)  # the same batch again: refused as replayed
    a1.next_seq = 1  # the till lost the ack and sends everything again in a new batch
    send(a1, net, 2000)
    deliver(hq, net, 1)
    assert hq_points(hq, referrer.member_id) == REWARD
    assert rewards(hq) == {referrer.member_id: REWARD}


def test_the_report_sums_what_the_ledger_shows(
        chain: tuple[HqDatabase, list[Till]], hq_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    hq, (a1, a2, b1) = chain
    first, second = register(a1.db), register(b1.db)
    sync(hq, [a1, a2, b1])
    plan = [(a1, first, MIN_PURCHASE), (a2, first, MIN_PURCHASE - 1), (b1, second, MIN_PURCHASE),
            (b1, first, 2 * MIN_PURCHASE)]
    for till, referrer, amount in plan:
        referee = register(till.db, referrer=referrer.card_no)
        sell(till.db, referee, amount)
    taken = register(a2.db, phone="13700001111")
    upload(hq, a2)
    register(b1.db, phone=taken.phone, referrer=second.card_no)  # not new to the chain
    upload(hq, a1, a2, b1)

    local = to_local(utcnow())
    with hq.transaction() as s:
        everything = report(s)
        month = report(s, (local.year, local.month))
        earlier = report(s, (2001, 1))
    ledger = rewards(hq)
    assert ledger == {first.member_id: 2 * REWARD, second.member_id: REWARD}
    by_referrer = {r["referrer_id"]: r for r in everything["referrers"]}
    assert {k: v["points"] for k, v in by_referrer.items() if v["points"]} == ledger
    assert everything["points"] == everything["ledger_points"] == sum(ledger.values())
    assert by_referrer[first.member_id]["referees"] == 3
    assert by_referrer[first.member_id]["rewarded"] == 2
    assert by_referrer[first.member_id]["pending"] == 1
    assert by_referrer[first.member_id]["referral_code"] == first.card_no
    assert by_referrer[second.member_id]["refused"] == {"not new to the chain": 1}
    assert (everything["referees"], everything["rewarded"], everything["refused"]) == (5, 3, 1)
    assert month["points"] == month["ledger_points"] == 3 * REWARD
    assert earlier["referrers"] == [] and earlier["points"] == earlier["ledger_points"] == 0

    status = hq_main(["--db", hq_url, "referrals", "--month", f"{local:%Y-%m}"])
    answer: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert status == 0 and answer["points"] == 3 * REWARD and answer["month"] == f"{local:%Y-%m}"
    with pytest.raises(SystemExit) as refused:
        hq_main(["--db", hq_url, "referrals", "--month", "2026-13"])
    assert refused.value.code == 2
