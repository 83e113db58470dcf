"""Property: whatever honest tills do — sell, top up, refund, void, sync at any time, crash,
lose their disk and get an old backup put back, keep selling on it and be restored — and
whatever one dishonest edit of one till's file adds, head office applies exactly the honest
movements (each once), holds the dishonest one, raises no false alarm, and in the end every till
shows what head office shows.

Two real tills of two stores talk to a real head office over HTTP on loopback (SQLite, a fresh
file for every example); restores go through ``storeapp restore``'s own code.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storeapp import backup as backups
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import DomainError, Refused
from storeapp.models import Member, OutboxEvent, Sale, Topup
from storeapp.services import members, sales, users, wallet
from storeapp.till import open_till
from sync import client
from sync.hq import accounts, review, verify
from sync.hq import models as m
from sync.hq.db import utcnow
from sync.hq.reconcile import reconcile
from sync.restore import restore
from tests.helpers import CASHIER, START, copy_database
from tests.sync.conftest import LiveHq
from tests.sync.tamper import forge_action

STORES = ("0001", "0002")
ALARMS = {"balance_mismatch", "till_tampered", "till_forked", "event_conflict", "overdraft"}

step = st.one_of(
    st.tuples(st.just("act"), st.integers(0, 1), st.integers(0, 5), st.integers(0, 40)),
    st.tuples(st.just("sync"), st.integers(0, 1)),
    st.tuples(st.just("backup"), st.integers(0, 1)),
    st.tuples(st.just("lose"), st.integers(0, 1), st.integers(0, 3)),
    st.tuples(st.just("reopen"), st.integers(0, 1)),
    st.tuples(st.just("forge"), st.integers(0, 1)),
    # a backup, a few actions head office then receives, and the disk lost: the backup put back
    st.tuples(st.just("disaster"), st.integers(0, 1), st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 40)), min_size=1, max_size=4)),
)


@dataclass
class Till:
    path: Path
    clock: FixedClock
    db: Database
    backups: list[Path] = field(default_factory=list)
    phones: int = 0

    def reopen(self) -> None:
        self.db.close()
        self.db = open_till(self.path, clock=self.clock).db


@given(steps=st.lists(step, min_size=4, max_size=22))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
def test_head_office_applies_exactly_the_honest_movements_and_every_till_ends_equal(
        migrated_template: Path, steps: list[tuple[Any, ...]]) -> None:
    work = Path(tempfile.mkdtemp(prefix="verify-prop-"))
    hq = LiveHq(f"sqlite:///{work / 'hq.db'}").start()
    tills: list[Till] = []
    try:
        accounts.add_user(hq.hq, "auditor", "a long enough password", utcnow())
        for code in STORES:
            path = work / code / "storeapp.db"
            path.parent.mkdir()
            copy_database(migrated_template, path)
            clock = FixedClock(START)
            db = open_till(path, clock=clock).db
            users.add_user(db, code="M01", name="王经理", role="manager", pin="246800",
                           actor="setup")
            client.join(db, hq.url, hq.add_store(code))
            tills.append(Till(path, clock, db))
        forged: set[str] = set()
        for number, action in enumerate(steps):
            for till in tills:
                till.clock.set(START + dt.timedelta(minutes=3 * number))
            run(action, tills, hq, forged)
        settle(tills, hq)
        check(tills, hq, forged)
    finally:
        for till in tills:
            till.db.close()
        hq.stop()
        shutil.rmtree(work, ignore_errors=True)


def run(action: tuple[Any, ...], tills: list[Till], hq: LiveHq, forged: set[str]) -> None:
    kind, till = action[0], tills[action[1]]
    if kind == "act":
        act(till, action[2], action[3])
    elif kind == "sync":
        sync(till)
    elif kind == "backup":
        till.backups.append(Path(backups.backup(till.db, till.path.parent / "backups")["backup"]))
    elif kind == "lose" and till.backups:  # the disk failed: an older backup put back
        chosen = till.backups[action[2] % len(till.backups)]
        till.db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{till.path}{suffix}").unlink(missing_ok=True)
        shutil.copy(chosen, till.path)
        till.db = open_till(till.path, clock=till.clock).db
    elif kind == "disaster":
        run(("backup", action[1]), tills, hq, forged)
        for choice, amount in action[2]:
            act(till, choice, amount)
        sync(till)
        run(("lose", action[1], len(till.backups) - 1), tills, hq, forged)
    elif kind == "reopen":  # the till's process was killed and started again
        till.reopen()
    elif kind == "forge" and not forged:
        forge(till, forged)


def act(till: Till, choice: int, amount: int) -> None:
    db = till.db
    with db.reader() as s:
        known = sorted(m.phone for m in s.scalars(select(Member).where(
            Member.merged_into.is_(None), Member.status == "active")))  # phones are sealed
        last_sale = s.scalar(select(Sale.receipt_no).where(Sale.status == "completed")
                             .order_by(Sale.id.desc()))
        last_topup = s.scalar(select(Topup.key).where(Topup.voided_by.is_(None))
                              .order_by(Topup.created_at.desc()))
    grant = users.approve(db, "M01", "246800", "property")
    try:
        if choice == 0 or not known:
            till.phones += 1
            members.register(db, phone=f"13{db.settings.store_code[-1]}0000{till.phones:04d}",
                             name="张会员", actor=CASHIER)
        elif choice == 1:
            wallet.topup(db, known[amount % len(known)], 10_000 + amount * 2_500, actor=CASHIER)
        elif choice == 2:
            sales.checkout(db, member_ref=known[amount % len(known)],
                           lines=[sales.LineIn(unit_price_fen=300 + amount * 170)],
                           tenders=[sales.TenderIn("wallet")], actor=CASHIER)
        elif choice == 3:
            sales.checkout(db, member_ref=known[amount % len(known)],
                           lines=[sales.LineIn(unit_price_fen=1_000 + amount * 90)],
                           tenders=[sales.TenderIn("cash")], actor=CASHIER)
        elif choice == 4 and last_sale:
            sales.refund(db, last_sale, actor=CASHIER, grant=grant)
        elif choice == 5 and last_topup:
            wallet.void_topup(db, last_topup, actor=CASHIER, grant=grant)
    except DomainError:
        pass  # refused: the rules (or head office) said no, and nothing changed


def sync(till: Till) -> None:
    try:
        client.run_sync(till.db)
    except Refused as refused:
        if refused.code != "restore_needed":
            raise
        event("a till lost events and was restored")
        till.db.close()
        restore(till.path, clock=till.clock)
        till.db = open_till(till.path, clock=till.clock).db
        client.run_sync(till.db)


def forge(till: Till, forged: set[str]) -> None:
    """A top-up with four times the bonus the rule gives, written into the file as the till
    would have written it (ledger, balance, outbox event with the right running hash)."""
    with till.db.reader() as s:
        member_id = s.scalar(select(Member.member_id).where(Member.merged_into.is_(None),
                                                            Member.status == "active"))
    if member_id is None:
        return
    till.db.close()
    key = forge_action(till.path, "wallet_topped_up", member_id, 50_000, 20_000,
                       at=till.clock.now(), member_id=member_id, principal_fen=50_000,
                       bonus_fen=20_000, method="cash")
    forged.add(key)
    event("one till's file was edited")
    till.db = open_till(till.path, clock=till.clock).db


def settle(tills: list[Till], hq: LiveHq) -> None:
    """Everything uploaded, every held event decided (rejected), everything downloaded."""
    for till in tills:
        sync(till)
    for held in review.held(hq.hq):
        if held["status"] == "open":
            review.resolve(hq.hq, held["held_id"], "reject", user="auditor",
                           reason="not what the chain's rules allow", now=utcnow())
    for _ in range(2):
        for till in tills:
            sync(till)


def check(tills: list[Till], hq: LiveHq, forged: set[str]) -> None:
    honest: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    with hq.hq.transaction() as s:
        stored = defaultdict(list)
        for row in s.execute(select(m.Store.code, m.Event.event_id, m.Event.seq)
                             .join(m.Store, m.Store.id == m.Event.store_id)
                             .order_by(m.Event.seq)):
            stored[row.code].append((row.seq, row.event_id))
        chain = {r.member_id: (r.principal_fen, r.bonus_fen, r.points)
                 for r in s.scalars(select(m.Member))}
        applied_per_event: dict[str, int] = defaultdict(int)
        for (event_id,) in s.execute(select(m.LedgerRow.event_id).where(
                m.LedgerRow.store_code != "HQ")):
            applied_per_event[event_id] += 1
        found = reconcile(s)["exceptions"]
    for till in tills:
        with till.db.reader() as s:
            events = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
            mine = {r.member_id: (r.principal_fen, r.bonus_fen, r.points)
                    for r in s.scalars(select(Member))}
        # every event of the till stored once, in its order
        assert stored[till.db.settings.store_code] == [(e.seq, e.event_id) for e in events]
        for sent in events:
            body = json.loads(sent.payload_json)
            lines = body.get("ledger") or []
            if body["key"] in forged:
                continue
            assert applied_per_event[sent.event_id] == len(lines), sent.type  # once
            for line in lines:
                total = honest[line["member_id"]]
                total[0] += line["principal_fen"]
                total[1] += line["bonus_fen"]
                total[2] += line["points"]
        # the till shows what head office shows
        assert {k: v for k, v in mine.items() if k in chain} == \
            {k: chain[k] for k in mine if k in chain}
    # head office applied exactly the honest movements
    assert {k: tuple(v) for k, v in honest.items() if any(v)} == \
        {k: v for k, v in chain.items() if any(v)}
    # and raised no false alarm; what it held was the dishonest event only (then rejected); an
    # honest spend of the forged money at the till overdraws that member, and says so
    forged_events = [json.loads(e.payload_json) for till in tills for e in outbox(till)
                     if json.loads(e.payload_json)["key"] in forged]
    forged_ids = {e.event_id for till in tills for e in outbox(till)
                  if json.loads(e.payload_json)["key"] in forged}
    its_members = {body["member_id"] for body in forged_events}
    assert not [e for e in found if e["kind"] in ALARMS
                and not (e["kind"] == "overdraft" and e["member_id"] in its_members)], found
    decided = {h["event_id"]: h["status"] for h in review.held(hq.hq, everything=True)
               if h["status"] != "released"}
    assert decided == {event_id: "rejected" for event_id in forged_ids}


def outbox(till: Till) -> list[OutboxEvent]:
    with till.db.reader() as s:
        return list(s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)))


@given(st.integers(-10**9, 10**9), st.fractions(min_value=0, max_value=100, max_denominator=10**4))
def test_the_rules_whole_number_rounding_is_exactly_the_fractions(amount: int,
                                                                  percent: Fraction) -> None:
    """Head office limits a discount and the points earned in whole numbers (a Fraction per
    step cost a gcd each, on every sale): the same figures as the exact arithmetic."""
    assert verify._percent_half_up(amount, percent) == \
        math.floor(amount * percent / 100 + Fraction(1, 2))
    assert verify._times_floor(amount, percent) == math.floor(amount * percent)
