"""Taking a till's batch of events exactly once and in order, the entry point of everything a till
sends head office.

A stream (one till's outbox) is taken strictly in order: events at or below the acked sequence
are duplicates and must match what is stored byte for byte; the contiguous run after it is
stored and applied; anything past a gap waits for the till to send the missing events. The
whole batch is one transaction: it lands completely or not at all.

Every event is checked before it is applied (:mod:`sync.hq.gate`, :mod:`sync.hq.verify`). One
that an honest till could not have sent is stored but held (``hq_held_events``, an
``implausible_event`` exception), and so is every later event of the same till for the same
members, until a head-office user accepts or rejects it (:mod:`sync.hq.review`). What applying
an event does to the chain's members and ledger is :mod:`sync.hq.apply_events`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storeapp.continuity import GENESIS
from sync.hq import anchors, bulk, member_keys, verify
from sync.hq import models as m
from sync.hq.apply_cards import CardApplier
from sync.hq.apply_consents import ConsentApplier, ConsentBatch
from sync.hq.apply_coupons import CouponApplier
from sync.hq.apply_events import Applier
from sync.hq.apply_gifts import GiftApplier
from sync.hq.apply_referrals import ReferralApplier
from sync.hq.apply_visits import VisitApplier
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal, log_refusal
from sync.hq.gate import Gate, members_of
from sync.hq.member_row import MemberRow
from sync.protocol import event_digest

MAX_EVENTS = 2000


@dataclass
class Ack:
    acked_seq: int
    stored: int
    duplicates: int
    chain: str = ""  # the stream's running hash at acked_seq
    audit_seq: int = 0  # the newest audit row head office holds from this till
    flag: str = ""  # why this till may only spend online ("" = it may offline too)
    check: dict[str, Any] = field(default_factory=dict)  # the balance check's outcome

    def answer(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class EventIn:
    seq: int
    event_id: str
    type: str
    created_at: dt.datetime
    payload: str
    digest: str = ""
    body: dict[str, Any] = field(default_factory=dict)


def ingest(hq: HqDatabase, store: m.Store, batch: dict[str, Any], now: dt.datetime) -> Ack:
    """Store and apply one batch from one of ``store``'s tills; refusals are logged."""
    try:
        till_no, batch_id, events = _parse(batch)
        keys = member_keys.opened_keys(hq, batch.get("member_keys"),
                                       batch.get("member_keys_from"))

        def work(s: Session) -> Ack:
            sent = keys.erased_here(s)
            member_keys.keep(hq, s, sent.keys, now)
            run = Ingest(hq, s, store, till_no, now)
            run.member_keys = sent
            return run.run(batch_id, events, batch)

        return hq.retrying(work)
    except HqRefusal as refusal:
        log_refusal(hq, store.code, refusal, now)
        raise


def acked_seq(session: Session, store_id: int, till_no: int) -> int:
    value = session.scalar(select(m.Stream.acked_seq).where(
        m.Stream.store_id == store_id, m.Stream.till_no == till_no))
    return int(value or 0)


def where(session: Session, store_id: int, till_no: int) -> dict[str, Any]:
    """What head office holds of a till (``GET /acked``): the acked sequence and the chain
    there, the newest audit row and its hash, and the till's flag."""
    stream = session.scalars(select(m.Stream).where(
        m.Stream.store_id == store_id, m.Stream.till_no == till_no)).first()
    if stream is None:
        return {"acked_seq": 0, "chain": GENESIS, "audit_seq": 0, "audit_hash": GENESIS,
                "flag": ""}
    return {"acked_seq": stream.acked_seq, "chain": stream.chain, "audit_seq": stream.audit_seq,
            "audit_hash": stream.audit_hash, "flag": stream.flag}


def _parse(batch: dict[str, Any]) -> tuple[int, str, list[EventIn]]:
    try:
        till_no = int(batch["till_no"])
        batch_id = str(batch["batch_id"])
        raw = batch["events"]
        if not isinstance(raw, list) or len(raw) > MAX_EVENTS or not 0 < len(batch_id) <= 36:
            raise ValueError("events must be a list of at most 2000, batch_id 1-36 chars")
        events = [
            EventIn(seq=int(e["seq"]), event_id=str(e["event_id"]), type=str(e["type"]),
                    created_at=dt.datetime.fromisoformat(str(e["created_at"])).replace(
                        tzinfo=None),
                    payload=str(e["payload"]))
            for e in raw
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise HqRefusal(422, "bad_batch", f"malformed batch: {exc}") from None
    if not 1 <= till_no <= 99:
        raise HqRefusal(422, "bad_batch", f"till_no must be 1 to 99, not {till_no}")
    for event in events:
        if not 1 <= event.seq <= 2**62 or not 0 < len(event.event_id) <= 36 \
                or not 0 < len(event.type) <= 40:
            raise HqRefusal(422, "bad_batch", f"bad event seq/id/type at seq {event.seq}")
        event.digest = event_digest(event.seq, event.event_id, event.type, event.payload)
    events.sort(key=lambda e: e.seq)
    return till_no, batch_id, events


class Ingest(Gate, Applier, CardApplier, GiftApplier, ReferralApplier, VisitApplier,
             CouponApplier, ConsentApplier):
    """One transaction's work on one till's stream: store a batch, check and apply it."""

    def __init__(self, hq: HqDatabase, session: Session, store: m.Store, till_no: int,
                 now: dt.datetime) -> None:
        self.hq, self.s, self.store, self.till_no, self.now = hq, session, store, till_no, now
        self.store_id, self.store_code = store.id, store.code
        self.stream: m.Stream | None = None
        self.members: dict[str, MemberRow] = {}
        self.impossible_ids: set[str] = set()
        #: the live member holding each phone this batch registers or changes to (None: free)
        self.live_phones: dict[str, MemberRow | None] = {}
        self.touched: set[str] = set()
        #: members stored already (read from the database, or made by this batch and inserted)
        self.loaded: set[str] = set()
        self.new_members: list[MemberRow] = []
        self.loaded_grams: list[tuple[Any, str, str]] = []
        self.contributions: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        self.ledger: list[dict[str, Any]] = []
        self.hold_keys: list[str] = []
        self.count_cards: dict[str, m.CountCard] = {}
        self.count_shares: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
        self.count_rows: list[dict[str, Any]] = []
        self.moved_cards: set[str] = set()
        self.gift_cards: dict[str, m.GiftCard] = {}
        self.gift_rows: list[dict[str, Any]] = []
        self.moved_gifts: set[str] = set()
        self.referrals: dict[str, m.Referral | None] = {}
        self.referral_counts: dict[tuple[str, int, int], int] = {}
        self.visits: list[dict[str, Any]] = []
        self.multipliers: dict[str, list[tuple[dt.datetime, dt.datetime, Fraction]]] = {}
        self.chain_coupons: dict[str, m.ChainCoupon] = {}
        self.coupon_by_receipt: dict[tuple[str, str], m.ChainCoupon] = {}
        self.consents = ConsentBatch()
        #: members held by an open event of this till: member -> (held id, its seq)
        self.blocked: dict[str, tuple[int, int]] = {}
        #: sales and top-ups a refund or void of this batch may name, by ref
        self.given: dict[str, tuple[verify.Given, m.Refundable | dict[str, Any]]] = {}
        self.new_given: list[dict[str, Any]] = []
        self.newest_rules = -1
        self._last_change_no = -1

    def run(self, batch_id: str, events: list[EventIn], proofs: dict[str, Any]) -> Ack:
        """Store and apply the batch; ``proofs``: its continuity, audit rows and balance check
        (:mod:`sync.hq.anchors`)."""
        s = self.s
        if s.get(m.Batch, (self.store_id, batch_id)) is not None:
            raise HqRefusal(409, "replayed_batch", f"batch {batch_id} was already received")
        s.add(m.Batch(store_id=self.store_id, batch_id=batch_id, received_at=self.now))
        stream = self.lock_stream()
        self.stream = stream
        anchors.check_continuity(stream, proofs.get("continuity"))
        acked = stream.acked_seq
        old = [e for e in events if e.seq <= acked]
        self._check_duplicates(old)
        run: list[EventIn] = []
        for event in events:
            if event.seq == acked + len(run) + 1:
                run.append(event)
            elif event.seq > acked + len(run) + 1:
                break  # a gap: the rest waits until the till sends what is missing
        if run:
            self._store(run)
            self._apply(run)
            anchors.advance(stream, run)
            stream.acked_seq = run[-1].seq
            stream.updated_at = self.now
            last_at = run[-1].created_at
            if stream.last_event_at is None or last_at > stream.last_event_at:
                stream.last_event_at = last_at
        stream.synced_at = self.now  # on the till's own row, locked already: no store row
        anchors.take_audit(self, stream, proofs.get("audit"))
        check = anchors.compare_digest(self, stream, proofs.get("check"))
        self.finish()
        return Ack(acked_seq=stream.acked_seq, stored=len(run), duplicates=len(old),
                   chain=stream.chain, audit_seq=stream.audit_seq, flag=stream.flag, check=check)

    # -- the stream ----------------------------------------------------------------------------

    def lock_stream(self) -> m.Stream:
        values = {"store_id": self.store_id, "till_no": self.till_no, "acked_seq": 0,
                  "updated_at": self.now}
        dialect = self.s.get_bind().dialect.name
        ins = (postgresql.insert(m.Stream) if dialect == "postgresql" else sqlite.insert(m.Stream))
        self.s.execute(ins.values(**values).on_conflict_do_nothing())
        stream = self.s.scalars(
            select(m.Stream).where(m.Stream.store_id == self.store_id,
                                   m.Stream.till_no == self.till_no)
            .with_for_update()).one()
        return stream

    def _check_duplicates(self, old: list[EventIn]) -> None:
        if not old:
            return
        stored = dict(self.s.execute(
            select(m.Event.seq, m.Event.digest).where(
                m.Event.store_id == self.store_id, m.Event.till_no == self.till_no,
                bulk.among(self.s, m.Event.seq, [e.seq for e in old]))).all())
        for event in old:
            if stored.get(event.seq) != event.digest:
                raise HqRefusal(409, "event_conflict",
                                f"event {event.event_id} (seq {event.seq}) differs from the "
                                "one already stored", flag={"event_id": event.event_id,
                                                            "seq": event.seq})

    def _store(self, run: list[EventIn]) -> None:
        """Parse and store the run's events. An event id stored before at another sequence is
        found by the unique index as the rows go in (a savepoint keeps the refusal cheap):
        asking first, with the batch's ids in a list, cost a scan of the store's events."""
        for event in run:
            try:
                body = orjson.loads(event.payload)
            except ValueError:
                raise HqRefusal(422, "bad_batch", f"event {event.event_id}: payload is not "
                                "JSON") from None
            if not isinstance(body, dict) or body.get("store") != self.store_code:
                raise HqRefusal(403, "wrong_store",
                                f"event {event.event_id} belongs to store "
                                f"{body.get('store') if isinstance(body, dict) else '?'}, "
                                f"not {self.store_code}")
            event.body = member_keys.open_body(body, self.member_keys)
        rows = [{"store_id": self.store_id, "till_no": self.till_no, "seq": e.seq,
                 "event_id": e.event_id, "type": e.type, "payload": e.payload,
                 "digest": e.digest, "created_at": e.created_at, "received_at": self.now}
                for e in run]
        try:
            with self.s.begin_nested():
                self.insert(m.Event, rows)
        except Exception as exc:
            if not bulk.unique_violation(exc):
                raise
            clash = self.s.scalars(select(m.Event.event_id).where(
                m.Event.store_id == self.store_id,
                bulk.among(self.s, m.Event.event_id, [e.event_id for e in run]))).first()
            if clash is None:
                raise
            raise HqRefusal(409, "event_conflict", f"event id {clash} was already stored "
                            "at another sequence", flag={"event_id": clash}) from None

    # -- checking and applying the run ---------------------------------------------------------

    def _apply(self, run: list[EventIn]) -> None:
        with self.s.no_autoflush:  # members are written once, at the end of the batch
            self.prepare(run)
            for event in run:
                self.process(event)
            self.settle()

    def prepare(self, run: list[EventIn]) -> None:
        """Read what checking and applying ``run`` needs, set-based: its members (locked), the
        members this till's open held events hold, the sales and top-ups it names."""
        self._load_members(run)
        self.load_cards(run)
        self.load_gifts(run)
        self.load_referrals(run)
        self.load_coupons(run)
        self.load_gate(run)

    def process(self, event: EventIn, *, checked: bool = False) -> None:
        """Apply one event, or hold it: behind an open held event of its members, or because it
        fails its checks (``checked``: a head-office user accepted it)."""
        # most batches hold none, and name no impossible id
        members = members_of(event.body) if self.blocked or self.impossible_ids else set()
        if members & self.impossible_ids:
            self._hold(event, members, "open", verify.Problem(
                "malformed", f"the event names a member id no till makes: "
                f"{min(members & self.impossible_ids)[:64]!r}"))
            return
        behind = [self.blocked[x] for x in sorted(members) if x in self.blocked
                  and self.blocked[x][1] < event.seq]
        if behind:
            blocker = min(behind, key=lambda b: b[1])[0]
            self._hold(event, members, "waiting", verify.Problem(
                "held_behind", f"an earlier event of this till for the same member is held "
                f"(#{blocker})"), blocked_by=blocker)
            return
        problem = None if checked else self._check(event)
        if problem is not None:
            self._hold(event, members_of(event.body), "open", problem)
            return
        self.apply_event(event)
        self._remember_given(event)

    def settle(self) -> None:
        """After the events: ledger and contributions written, merges swept, overdrafts
        flagged, holds released, sales and top-ups remembered."""
        self._write_ledger()
        self.settle_cards()
        self.settle_gifts()
        self.settle_visits()
        self._sweep_merged()
        self._flag_overdrafts()
        if self.hold_keys:
            self.s.execute(update(m.Hold).where(bulk.among(self.s, m.Hold.key, self.hold_keys),
                                                m.Hold.released_at.is_(None))
                           .values(released_at=self.now))
        if self.new_given:
            self._remember_new_given()
        if self.stream is not None and self.newest_rules >= 0 and not self.stream.rules_seen:
            self.stream.rules_seen = True
