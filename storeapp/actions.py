"""Running a money action: one transaction, one idempotency key, audit row and outbox event.

Every action that changes money, points or a member goes through :func:`run_action`. The key is
made where the action starts (the till, before the transaction) and stored with the action's
result in the same transaction as the business rows, ledger rows, audit row and outbox event.
Submitting the same key again returns the stored result and posts nothing; the same key with a
different request is refused.

Events are written to the outbox when the body returns, in the order emitted; the first carries
the action's net ledger movement per member (docs/sync.md, "Principles").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from storeapp import audit, receipt_jobs
from storeapp.continuity import GENESIS, chain_next, event_digest
from storeapp.errors import IdempotencyConflict, InvalidInput
from storeapp.ids import ActionKey, new_action_key, new_event_id
from storeapp.models import (
    Action,
    CountCard,
    CountEntry,
    GiftCard,
    GiftEntry,
    Member,
    OutboxEvent,
    PointsEntry,
    WalletEntry,
)
from storeapp.results import ActionResult
from storeapp.sealed_records import key_for
from storeapp.sequences import insert_row

if TYPE_CHECKING:
    from storeapp.db import Database

R = TypeVar("R", bound=ActionResult)
MAX_KEY_LEN = 64
#: The request fingerprint of an action written back by a restore (storeapp.replay): its
#: request is not known, so a retry of its key answers with its result whatever it asks.
RESTORED = "restored"
_DONE = select(Action.kind, Action.request_hash, Action.result_json).where(
    Action.key == bindparam("key"))
_LAST_EVENT = select(OutboxEvent.seq, OutboxEvent.chain).order_by(OutboxEvent.seq.desc()).limit(1)
#: An action's own ledger rows (``sync`` rows are head office's, posted by the sync client).
_WALLET_NET = (
    select(WalletEntry.member_id,
           func.sum(case((WalletEntry.bucket == "principal", WalletEntry.amount_fen), else_=0)),
           func.sum(case((WalletEntry.bucket == "bonus", WalletEntry.amount_fen), else_=0)))
    .where(WalletEntry.action_key == bindparam("key"), WalletEntry.kind != "sync")
    .group_by(WalletEntry.member_id)
)
_POINTS_NET = (
    select(PointsEntry.member_id, func.sum(PointsEntry.points))
    .where(PointsEntry.action_key == bindparam("key"), PointsEntry.kind != "sync")
    .group_by(PointsEntry.member_id)
)
_GIFT_NET = (
    select(GiftEntry.card_no, func.sum(GiftEntry.amount_fen), GiftCard.balance_fen)
    .join(GiftCard, GiftCard.card_no == GiftEntry.card_no)
    .where(GiftEntry.action_key == bindparam("key"), GiftEntry.kind != "known")
    .group_by(GiftEntry.card_no, GiftCard.balance_fen)
    .order_by(GiftEntry.card_no)
)
_COUNT_NET = (
    select(CountEntry.card_no, CountEntry.member_id, func.sum(CountEntry.uses),
           func.sum(CountEntry.value_fen), CountCard.uses_left, CountCard.value_fen)
    .join(CountCard, CountCard.card_no == CountEntry.card_no)
    .where(CountEntry.action_key == bindparam("key"), CountEntry.kind != "sync")
    .group_by(CountEntry.card_no, CountEntry.member_id, CountCard.uses_left, CountCard.value_fen)
    .order_by(CountEntry.card_no)
)


@dataclass
class Ctx:
    """What an action body gets: its session (inside the open transaction), who and when."""

    db: Database
    session: Session
    key: ActionKey
    kind: str
    actor: str
    now: dt.datetime
    events: list[str] = field(default_factory=list)
    #: The manager's approval this action carries (:func:`storeapp.services.users.record_approval`);
    #: its first event tells head office who approved, so head office can check there was one.
    approval: dict[str, str] | None = None
    _queued: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)

    def audit(self, action: str, subject: str, **detail: Any) -> None:
        audit.append(self.session, at=self.now, actor=self.actor, action=action,
                     subject=subject, detail={"key": self.key, **detail})

    def emit(self, event_type: str, **payload: Any) -> None:
        """Queue a domain event for head office (names what happened); it is written to the
        outbox in this transaction when the action's body returns (:meth:`write_outbox`)."""
        settings = self.db.settings
        body = {
            "type": event_type, "store": settings.store_code, "till": settings.till_no,
            "key": self.key, "actor": self.actor, "at": self.now.isoformat(), **payload,
        }
        if settings.hq_url:  # the chain rules this till priced by: head office checks by them
            body["rules"] = settings.hq_rules_version
        self._queued.append(body)
        self.events.append(event_type)

    def receipt(self, kind: str, payload: Mapping[str, Any], *, ref: str | None = None) -> None:
        """Write this action's receipt (a print job) in its own transaction, when the till has
        a printer: the action and its slip commit together or not at all. ``payload`` is what
        the slip shows (:mod:`storeapp.receipt_jobs`); the store and cashier are added here."""
        settings = self.db.settings
        if not receipt_jobs.printing(settings):
            return
        data = {**receipt_jobs.store_fields(settings, self.actor), **payload}
        receipt_jobs.add_job(self.session, kind, ref or receipt_jobs.job_ref(kind, data), data,
                             now=self.now)

    def write_outbox(self) -> None:
        """Write the queued events in order; the first carries ``ledger``, the action's net
        movement per member summed from the ledger rows it wrote (with each member's balance
        after it), ``count``, its net uses per count card (:func:`count_deltas`), ``gift``, its
        net money per gift card (:func:`gift_deltas`), and the manager's ``approval`` when the
        action needed one. An action that moved the ledger without emitting anything emits
        ``ledger_posted``.

        :func:`run_action` calls this after the body; code that makes its own ``Ctx`` must call
        it before committing.
        """
        ledger = ledger_deltas(self.session, self.key)
        if ledger:
            if not self._queued:
                self.emit("ledger_posted")
            assert "ledger" not in self._queued[0], "an event payload may not be named ledger"
            self._queued[0]["ledger"] = [{**line, "after": _balance_after(self.session, line)}
                                         for line in ledger]
        moved = self.session.info.get(_JOURNALS_MOVED, {}).pop(self.key, ())
        for part, deltas in (("count", count_deltas), ("gift", gift_deltas)):
            lines = deltas(self.session, self.key) if part in moved else []
            if lines:
                if not self._queued:
                    self.emit("ledger_posted")
                self._queued[0][part] = lines
        if self.approval is not None and self._queued:
            self._queued[0]["approval"] = self.approval
        if self._queued:
            last = self.session.connection().execute(_LAST_EVENT).first()
            seq, chain = (last[0], last[1]) if last else (0, GENESIS)
        for body in self._queued:
            seq, event_id = seq + 1, new_event_id()
            payload = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
            chain = chain_next(chain, event_digest(seq, event_id, body["type"], payload))
            insert_row(self.session, OutboxEvent, seq=seq, event_id=event_id, type=body["type"],
                       created_at=self.now, payload_json=payload, chain=chain)
        self._queued.clear()


_JOURNALS_MOVED = "storeapp.journals_moved"


def journal_moved(session: Session, key: str, journal: str) -> None:
    """Note that action ``key`` wrote to ``journal`` (``count`` or ``gift``): only then does
    :meth:`Ctx.write_outbox` read that journal back for the event, so the many actions that
    move no card pay no read for it. The journals' ``post`` functions, the only way rows enter
    them, call this."""
    session.info.setdefault(_JOURNALS_MOVED, {}).setdefault(key, set()).add(journal)


def ledger_deltas(session: Session, key: str) -> list[dict[str, Any]]:
    """Net principal, bonus and points the action ``key`` posted, per member (by member id;
    members whose movements cancel out are left out). One grouped read of each ledger, by its
    ``action_key`` index."""
    net: dict[str, list[int]] = {}
    for member_id, principal, bonus in session.execute(_WALLET_NET, {"key": key}):
        net[member_id] = [int(principal), int(bonus), 0]
    for member_id, points in session.execute(_POINTS_NET, {"key": key}):
        net.setdefault(member_id, [0, 0, 0])[2] = int(points)
    return [{"member_id": member_id, "principal_fen": p, "bonus_fen": b, "points": pts}
            for member_id, (p, b, pts) in sorted(net.items()) if p or b or pts]


def gift_deltas(session: Session, key: str) -> list[dict[str, Any]]:
    """Net money the action ``key`` moved per gift card, with the card's balance as this till
    knows it after (a card first scanned here starts from its face value: not a movement)."""
    return [{"card_no": card_no, "amount_fen": int(amount), "after": int(balance)}
            for card_no, amount, balance in session.execute(_GIFT_NET, {"key": key}) if amount]


def count_deltas(session: Session, key: str) -> list[dict[str, Any]]:
    """Net uses and value the action ``key`` moved per count card, with the card's uses and
    value after it (head office adds the uses up and checks the value by the card's price)."""
    return [{"card_no": card_no, "member_id": member_id, "uses": int(uses),
             "value_fen": int(value), "after": [int(left), int(left_value)]}
            for card_no, member_id, uses, value, left, left_value
            in session.execute(_COUNT_NET, {"key": key}) if uses or value]


def _balance_after(session: Session, line: dict[str, Any]) -> list[int]:
    """The member's cached principal, bonus and points once the action is done (head office
    checks a spend's split against the balance it was taken from)."""
    member = session.get(Member, line["member_id"])
    assert member is not None
    return [member.principal_fen, member.bonus_fen, member.points]


def run_action(
    db: Database, *, key: ActionKey, kind: str, actor: str, request: dict[str, Any],
    body: Callable[[Ctx], R], returns: type[R],
) -> R:
    """Run ``body`` exactly once for ``key``; a retry answers with the first run's result,
    rebuilt as ``returns`` from its stored JSON form, with ``replayed`` set."""
    check_key(key)
    with db.session() as session, session.begin():
        request_hash = request_mac(key_for(session), _request_digest(kind, request))
        done = session.connection().execute(_DONE, {"key": key}).first()
        if done is not None:
            done_kind, done_hash, done_json = done
            if done_hash != RESTORED and (done_kind != kind or done_hash != request_hash):
                raise IdempotencyConflict(
                    "key_reused", f"Key {key} was already used for a different {done_kind}",
                    key=key, kind=done_kind,
                )
            return dataclasses.replace(returns.from_json(json.loads(done_json)), replayed=True)
        ctx = Ctx(db=db, session=session, key=key, kind=kind, actor=actor, now=db.clock.now())
        result = body(ctx)
        ctx.write_outbox()
        insert_row(
            session, Action, key=key, kind=kind, request_hash=request_hash, actor=actor,
            created_at=ctx.now,
            result_json=json.dumps(result.to_json(), ensure_ascii=False, default=str),
        )
    return result


def key_or_new(key: str | None) -> ActionKey:
    """The caller's idempotency key (checked here, before anything is asked of head office),
    or a new one when none was given: an empty key is refused, never quietly made a new one."""
    if key is None:
        return new_action_key()
    check_key(key)
    return ActionKey(key)


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LEN or not key.isprintable():
        raise InvalidInput("bad_key", f"Idempotency key must be 1-{MAX_KEY_LEN} printable chars",
                           max_chars=MAX_KEY_LEN)


def _request_digest(kind: str, request: dict[str, Any]) -> str:
    canonical = json.dumps({"kind": kind, **request}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def request_mac(key: bytes, digest: str) -> str:
    """What ``actions.request_hash`` keeps of a request: its digest under the till's records
    key. A bare hash of a registration (a phone and a name) could be reversed from a copy of
    the file by trying every phone with common names; without the key it cannot."""
    return hmac.new(key, digest.encode(), hashlib.sha256).hexdigest()
