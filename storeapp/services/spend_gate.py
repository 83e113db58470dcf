"""Spending stored value at a till linked to head office: head office holds the amount before
the sale's transaction, or, when it cannot be reached, the till's offline allowance applies.

The core defines the gate and the allowance; the sync package provides the gate that talks to
head office, registered under the ``storeapp.spend_gate`` entry point (docs/sync.md, "Spending
across stores").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Literal, Protocol

from sqlalchemy import bindparam, func, select

from storeapp import sync_state
from storeapp.errors import Refused
from storeapp.models import Action, WalletEntry
from storeapp.money import format_fen

if TYPE_CHECKING:
    from storeapp.actions import Ctx
    from storeapp.db import Database

GATE_PLUGINS = "storeapp.spend_gate"
#: "held": head office checked the chain balance and holds the amount under the sale's key;
#: "offline": head office is unreachable (or does not know the member yet): the offline
#: allowance applies.
Verdict = Literal["held", "offline"]
#: What leaves the member's stored value: "spend" (a sale, a plan, a top-up voided) is checked
#: against the whole chain balance; "payout" (principal paid back in cash when an account is
#: closed) against the principal head office knows; "gift" is a gift card's balance (its number
#: in place of the member); "coupon" is a head-office coupon, usable once in the chain (its
#: code in place of the member).
HoldKind = Literal["spend", "payout", "gift", "coupon"]
#: Stored value that left the till while head office was unreachable: what the allowance counts.
OFFLINE_KINDS = ("spend", "close_refund", "topup_void")

log = logging.getLogger(__name__)

_DONE = select(Action.key).where(Action.key == bindparam("key"))
_OFFLINE_SPENT = select(func.coalesce(func.sum(WalletEntry.amount_fen), 0)).where(
    WalletEntry.kind.in_(OFFLINE_KINDS), WalletEntry.created_at >= bindparam("since"))
_OFFLINE_SPENT_BY = _OFFLINE_SPENT.where(WalletEntry.member_id == bindparam("member_id"))


class SpendGate(Protocol):
    """Head office's side of a stored-value spend, asked outside any transaction."""

    def hold(self, *, key: str, member_id: str, amount_fen: int,
             kind: HoldKind = "spend") -> Verdict:
        """Hold ``amount_fen`` of the member's chain balance under ``key`` (idempotent by key).

        Raises :class:`storeapp.errors.Refused` when head office refuses
        (``insufficient_balance``, ``wallet_blocked``, ``payout_exceeds_principal``)."""
        ...

    def release(self, key: str) -> None:
        """Give back the hold made under ``key`` (best effort: it expires by itself)."""
        ...


def linked(db: Database) -> bool:
    """Whether this till answers to head office (a server URL is set, or a gate is given)."""
    return bool(db.settings.hq_url) or db.spend_gate is not None


def gate_for(db: Database) -> SpendGate | None:
    """The gate to ask: ``db.spend_gate`` when the till was given one; else, for a linked till,
    the plugin's gate the till's builder wired (:class:`HeadOfficeGates`)."""
    if db.spend_gate is not None:
        return db.spend_gate
    return db.head_office.gate(db) if db.head_office is not None else None


class HeadOfficeGates:
    """The ``storeapp.spend_gate`` plugin's gate (the sync package's, over HTTP) for the head
    office a till is linked to: made on first use for the server URL its settings name, made
    again when that changes, closed by whoever built the till (:mod:`storeapp.till`)."""

    def __init__(self) -> None:
        self._made: tuple[str, SpendGate | None] | None = None

    @property
    def made_for(self) -> str | None:
        """The server URL the current gate was made for (looked for once per URL)."""
        return self._made[0] if self._made is not None else None

    def gate(self, db: Database) -> SpendGate | None:
        url = db.settings.hq_url
        if not url:
            return None
        if self._made is None or self._made[0] != url:
            self.close()  # another head office now: drop the old link
            self._made = (url, _load_plugin(db))
        return self._made[1]

    def close(self) -> None:
        if self._made is not None:
            _close(self._made[1])
            self._made = None


@contextmanager
def spending(db: Database, *, key: str, share: Callable[[], tuple[str | None, int]],
             kind: HoldKind = "spend", hold_key: str | None = None) -> Iterator[Verdict | None]:
    """Around an action that may spend (or pay out) stored value under ``key``, entered outside
    any transaction. ``share`` says which member spends how much (asked only at a linked till,
    for a key not done yet: a retry replays and spends nothing).

    Yields what the spend must respect inside the action: None when there is nothing to ask
    (not linked, nothing spent, a replay), "held" when head office holds the amount, "offline"
    when the offline allowance applies. A hold is released when the action fails. ``hold_key``
    names the hold when one action holds twice (a sale paid by stored value and a gift card)."""
    if not linked(db) or _done(db, key):
        yield None
        return
    _require_continuity(db)
    member_id, amount_fen = share()
    if member_id is None or amount_fen <= 0:
        yield None
        return
    gate = gate_for(db)
    held_as = hold_key or key
    verdict: Verdict = "offline" if gate is None else gate.hold(
        key=held_as, member_id=member_id, amount_fen=amount_fen, kind=kind)
    try:
        yield verdict
    except BaseException:
        if gate is not None and verdict == "held":
            _release(gate, held_as)
        raise


def check_offline_allowance(ctx: Ctx, member_id: str, amount_fen: int) -> None:
    """Inside the spending action, when head office is unreachable: refuse a spend past the
    offline limits. Spends count from ``offline_since`` (none yet: nothing counted)."""
    settings = ctx.db.settings
    state = sync_state.read(ctx.session)
    if state.online_only:
        raise Refused("online_only", "Head office found this till's records do not match what "
                      f"it sent ({state.online_only}): stored value can only be spent while head "
                      "office answers, until head office clears the till",
                      flag=state.online_only)
    max_hours = settings.offline_max_hours
    if state.last_contact_at is None:
        raise Refused("offline_too_long", "This till has never reached head office: stored "
                      "value cannot be spent until it has", variant="never")
    if ctx.now - state.last_contact_at > dt.timedelta(hours=max_hours):
        raise Refused("offline_too_long", f"Head office has not been reached for more than "
                      f"{max_hours} hours: stored value cannot be spent until it is",
                      max_hours=max_hours)
    max_txn = settings.offline_max_txn_fen
    if amount_fen > max_txn:
        raise Refused("offline_limit_txn", f"Head office is unreachable: one action may take at "
                      f"most {format_fen(max_txn)} of stored value offline", max_fen=max_txn,
                      amount_fen=amount_fen)
    since = state.offline_since or ctx.now
    conn = ctx.session.connection()
    member_spent = -int(conn.scalar(_OFFLINE_SPENT_BY, {"since": since, "member_id": member_id})
                        or 0)
    max_member = settings.offline_max_member_fen
    if member_spent + amount_fen > max_member:
        raise Refused("offline_limit_member", f"Head office is unreachable: a member may spend "
                      f"at most {format_fen(max_member)} of stored value offline; this member "
                      f"has spent {format_fen(member_spent)} since", max_fen=max_member,
                      spent_fen=member_spent, amount_fen=amount_fen)
    store_spent = -int(conn.scalar(_OFFLINE_SPENT, {"since": since}) or 0)
    max_store = settings.offline_max_store_fen
    if store_spent + amount_fen > max_store:
        raise Refused("offline_limit_store", f"Head office is unreachable: this store may take "
                      f"at most {format_fen(max_store)} of stored value offline; "
                      f"{format_fen(store_spent)} is taken already", max_fen=max_store,
                      spent_fen=store_spent, amount_fen=amount_fen)


def _require_continuity(db: Database) -> None:
    with db.reader() as s:
        problem = sync_state.read(s).restore_needed
    if problem:
        raise Refused("restore_needed", f"{problem}. Stored value cannot be used at this till "
                      "until a manager runs storeapp restore", problem=problem)


def _done(db: Database, key: str) -> bool:
    """A retry of a finished action replays it: nothing is spent, so nothing to hold."""
    with db.reader() as s:
        return s.connection().execute(_DONE, {"key": key}).first() is not None


def _release(gate: SpendGate, key: str) -> None:
    try:
        gate.release(key)
    except Exception:  # the hold expires at head office anyway; the sale's error matters
        log.warning("could not release the head-office hold %s", key, exc_info=True)


def _close(gate: SpendGate | None) -> None:
    close = getattr(gate, "close", None)
    if close is not None:
        close()


def _load_plugin(db: Database) -> SpendGate | None:
    for plugin in entry_points(group=GATE_PLUGINS):
        try:
            gate: SpendGate = plugin.load()(db)
        except Exception:  # a broken plugin must not stop the till: the allowance applies
            log.warning("spend gate plugin %s could not start", plugin.name, exc_info=True)
            return None
        return gate
    return None
