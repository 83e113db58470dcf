"""Property: whatever the network does to batches — drops, duplicates, reorders, delays, lost
acks — every event is applied at head office exactly once, and in the end every till and head
office agree on every member's principal, bonus and points.

Three real tills (two at store 0001, one at 0002) record real actions through the services,
including one phone registered at both stores while they cannot see each other (a merge), and
stored-value spends on stale balances (possible overdrafts). Head office is the real ingest and
download code over SQLite; the network between them is a list of batches in flight that
hypothesis delivers, duplicates, drops and reorders. Signing and HTTP are covered by
``test_hq_protocol`` and ``test_end_to_end``.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import DomainError
from storeapp.models import Member, OutboxEvent, PointsEntry, WalletEntry
from storeapp.services import sales
from storeapp.till import open_till
from sync import apply
from sync.client import member_keys_for
from sync.hq import ingest, member_keys, service
from sync.hq import models as m
from sync.hq.db import HqDatabase, utcnow
from sync.hq.errors import HqRefusal
from tests.helpers import START, copy_database, register, topup

TILLS = (("0001", 1), ("0001", 2), ("0002", 1))
SHARED_PHONE = "13900000000"


@dataclass
class Till:
    db: Database
    store: m.Store
    till_no: int
    acked: int = 0  # what this till has heard head office acknowledge
    next_seq: int = 1  # the next event it will send
    cursor: str = ""
    phones: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


@dataclass
class Network:
    in_flight: list[tuple[Till, dict[str, Any]]] = field(default_factory=list)
    acks: list[tuple[Till, int]] = field(default_factory=list)


def make_tills(tmp: Path, template: Path, hq: HqDatabase) -> list[Till]:
    stores: dict[str, m.Store] = {}
    for code in sorted({code for code, _ in TILLS}):
        service.add_store(hq, code, f"门店 {code}", utcnow())
        with hq.transaction() as s:
            stores[code] = s.scalars(select(m.Store).where(m.Store.code == code)).one()
    tills = []
    for code, till_no in TILLS:
        path = tmp / f"till-{code}-{till_no}.db"
        copy_database(template, path)
        db = open_till(path, clock=FixedClock(START)).db
        with db.session() as s, s.begin():
            db.set_setting(s, "store_code", code)
            db.set_setting(s, "till_no", till_no)
            db.set_setting(s, "hq_member_key", member_keys.public_key(hq))
        tills.append(Till(db=db, store=stores[code], till_no=till_no))
    return tills


def send(till: Till, net: Network, size: int) -> None:
    with till.db.reader() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.seq >= till.next_seq)
                         .order_by(OutboxEvent.seq).limit(size)).all()
    if not rows:
        return
    net.in_flight.append((till, {
        "batch_id": str(uuid.uuid4()), "till_no": till.till_no,
        "events": [{"seq": r.seq, "event_id": r.event_id, "type": r.type,
                    "created_at": r.created_at.isoformat(), "payload": r.payload_json}
                   for r in rows],
        **member_keys_for(till.db, rows)}))
    till.next_seq = rows[-1].seq + 1


def deliver(hq: HqDatabase, net: Network, index: int, *, keep: bool = False) -> None:
    till, batch = net.in_flight[index] if keep else net.in_flight.pop(index)
    try:
        ack = ingest.ingest(hq, till.store, batch, utcnow())
    except HqRefusal as refusal:  # a duplicate of a batch already received
        assert refusal.code == "replayed_batch", refusal.body()
        return
    net.acks.append((till, ack.acked_seq))


def hear_ack(net: Network, index: int) -> None:
    till, acked = net.acks.pop(index)
    till.acked = max(till.acked, acked)


def time_out(till: Till, hq: HqDatabase) -> None:
    """The till gave up waiting: it asks head office where to resume (GET /acked)."""
    with hq.transaction() as s:
        till.acked = ingest.acked_seq(s, till.store.id, till.till_no)
    till.next_seq = till.acked + 1


def download(till: Till, hq: HqDatabase) -> None:
    while True:
        with hq.transaction() as s:
            page = service.changes(s, till.store, till.till_no, till.cursor, limit=3)
        with till.db.session() as s, s.begin():
            apply.apply_page(till.db, s, page)
        till.cursor = page["cursor"]
        if not page["more"]:
            return


def act(till: Till, choice: int, amount: int, serial: int) -> None:
    """One counter action on a member this till knows (stale balances included)."""
    db = till.db
    with db.reader() as s:
        known = s.scalars(select(Member.member_id).where(Member.merged_into.is_(None))
                          .order_by(Member.member_id)).all()
    try:
        if choice == 0 or not known:
            phone = SHARED_PHONE if serial % 7 == 3 else \
                f"138{int(till.store.code):02d}{till.till_no}{next(till.phones):05d}"
            register(db, phone=phone)
        elif choice == 1:
            topup(db, _view(db, known[amount % len(known)]), 1_000 + amount * 100)
        elif choice == 2:
            sales.checkout(db, member_ref=known[amount % len(known)],
                           lines=[sales.LineIn(unit_price_fen=500 + amount * 50)],
                           tenders=[sales.TenderIn("wallet")], actor="C01")
        else:
            sales.checkout(db, member_ref=known[amount % len(known)],
                           lines=[sales.LineIn(unit_price_fen=2_000 + amount * 10)],
                           tenders=[sales.TenderIn("cash")], actor="C01")
    except DomainError:  # phone taken here, balance too low here, member blocked...
        pass


def _view(db: Database, member_id: str) -> Any:
    from storeapp.services import members

    return members.get(db, member_id)


step = st.one_of(
    st.tuples(st.just("act"), st.integers(0, 2), st.integers(0, 3), st.integers(0, 40)),
    st.tuples(st.just("send"), st.integers(0, 2), st.integers(1, 4), st.just(0)),
    st.tuples(st.just("deliver"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("duplicate"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("drop"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("ack"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("timeout"), st.integers(0, 2), st.just(0), st.just(0)),
    st.tuples(st.just("download"), st.integers(0, 2), st.just(0), st.just(0)),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=10, max_size=70))
def test_every_event_applied_once_and_all_sums_agree_whatever_the_network_does(
        tmp_path_factory: Any, migrated_template: Path, steps: list[tuple[str, int, int, int]],
) -> None:
    tmp = tmp_path_factory.mktemp("net")
    hq = HqDatabase(f"sqlite:///{tmp / 'hq.db'}")
    tills = make_tills(tmp, migrated_template, hq)
    net = Network()
    try:
        for serial, (kind, a, b, c) in enumerate(steps):
            if kind == "act":
                act(tills[a], b, c, serial)
                tills[a].db.clock.advance(minutes=3)  # type: ignore[attr-defined]
            elif kind == "send":
                send(tills[a], net, b)
            elif kind in ("deliver", "duplicate", "drop") and net.in_flight:
                index = a % len(net.in_flight)
                if kind == "drop":
                    net.in_flight.pop(index)
                else:
                    deliver(hq, net, index, keep=kind == "duplicate")
            elif kind == "ack" and net.acks:
                hear_ack(net, a % len(net.acks))
            elif kind == "timeout":
                time_out(tills[a], hq)
            elif kind == "download":
                download(tills[a], hq)
        # The network heals: what is in flight arrives (in reverse), then every till resumes
        # from head office's ack until it has nothing left, then every till downloads.
        while net.in_flight:
            deliver(hq, net, len(net.in_flight) - 1)
        for till in tills:
            time_out(till, hq)
            while True:
                send(till, net, 5)
                if not net.in_flight:
                    break
                deliver(hq, net, 0)
        for till in tills:
            download(till, hq)
        check_exactly_once(hq, tills)
        check_sums_agree(hq, tills)
    finally:
        for till in tills:
            till.db.close()
        hq.close()


def check_exactly_once(hq: HqDatabase, tills: list[Till]) -> None:
    with hq.transaction() as s:
        stored = {(store_id, till_no): (n, lo, hi) for store_id, till_no, n, lo, hi in s.execute(
            select(m.Event.store_id, m.Event.till_no, func.count(), func.min(m.Event.seq),
                   func.max(m.Event.seq)).group_by(m.Event.store_id, m.Event.till_no))}
    for till in tills:
        with till.db.reader() as s:
            outbox = int(s.scalar(select(func.count()).select_from(OutboxEvent)) or 0)
        if outbox:
            assert stored[till.store.id, till.till_no] == (outbox, 1, outbox)


def check_sums_agree(hq: HqDatabase, tills: list[Till]) -> None:
    with hq.transaction() as s:
        chain = {row.member_id: (row.principal_fen, row.bonus_fen, row.points)
                 for row in s.scalars(select(m.Member))}
        own_at_hq = {(mid, code, till_no): (p, b, pts) for mid, code, till_no, p, b, pts
                     in s.execute(select(m.MemberStore.member_id, m.MemberStore.store_code,
                                         m.MemberStore.till_no, m.MemberStore.principal_fen,
                                         m.MemberStore.bonus_fen, m.MemberStore.points))}
    own_total = [0, 0, 0]
    for till in tills:
        with till.db.reader() as s:
            local = {row.member_id: (row.principal_fen, row.bonus_fen, row.points)
                     for row in s.scalars(select(Member))}
            own = own_ledger(s)
        # every till sees exactly head office's balance of every member
        assert local == chain, f"till {till.store.code}/{till.till_no} differs"
        for member_id, sums in own.items():
            assert own_at_hq.get((member_id, till.store.code, till.till_no), (0, 0, 0)) == sums
            for i in range(3):
                own_total[i] += sums[i]
    merges = [sum(v[i] for (_, code, _), v in own_at_hq.items() if code == "HQ")
              for i in range(3)]
    assert merges == [0, 0, 0]  # a merge moves money, it never makes or loses any
    assert [sum(v[i] for v in chain.values()) for i in range(3)] == own_total


def own_ledger(s: Any) -> dict[str, tuple[int, int, int]]:
    """Per member: principal, bonus and points this till posted itself (not ``sync`` rows)."""
    sums: dict[str, list[int]] = {}
    for member_id, bucket, amount in s.execute(
            select(WalletEntry.member_id, WalletEntry.bucket, func.sum(WalletEntry.amount_fen))
            .where(WalletEntry.kind != "sync").group_by(WalletEntry.member_id,
                                                        WalletEntry.bucket)):
        sums.setdefault(member_id, [0, 0, 0])[0 if bucket == "principal" else 1] += int(amount)
    for member_id, points in s.execute(
            select(PointsEntry.member_id, func.sum(PointsEntry.points))
            .where(PointsEntry.kind != "sync").group_by(PointsEntry.member_id)):
        sums.setdefault(member_id, [0, 0, 0])[2] += int(points)
    return {k: (v[0], v[1], v[2]) for k, v in sums.items() if any(v)}


