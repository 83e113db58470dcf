"""The spend gate that asks head office (``POST /holds``) before a stored-value spend, registered
under the ``storeapp.spend_gate`` entry point as ``http = "sync.guard:HttpSpendGate"``.

The cashier is waiting: a hold gets :data:`HOLD_TIMEOUT_S`, and head office not answering is
"offline" (the till's offline allowance applies), never an error. Only head office saying no to
the spend itself (409) refuses the sale.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import httpx

from storeapp import sync_state
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.services.spend_gate import HoldKind, Verdict
from sync.client import client_for, record_trouble
from sync.http import HqClient, HqRefused, HqUnreachable

HOLD_TIMEOUT_S = 2.0
#: After head office failed to answer, spends go straight to the offline allowance for this
#: long instead of each making the cashier wait for a timeout again.
RETRY_AFTER_S = 30.0
#: Writing "head office answered" costs a write transaction; within this it is not repeated.
CONTACT_EVERY = dt.timedelta(seconds=60)
#: Head office's refusals of a spend in the till's words: (variant, message).
_MESSAGES = {
    "insufficient_balance": ("chain", "The member's stored value across all stores is not "
                                      "enough"),
    "wallet_blocked": ("", "Head office has blocked this member's stored value (overdrawn "
                           "across stores): a manager must settle it with head office"),
    "giftcard_insufficient": ("chain", "The gift card's balance across all stores is not "
                                       "enough"),
    "coupon_used": ("chain", "This coupon was already used at another store"),
}

log = logging.getLogger(__name__)


class HttpSpendGate:
    """:class:`storeapp.services.spend_gate.SpendGate` over head office's API (``transport``:
    see :class:`sync.http.HqClient`)."""

    def __init__(self, db: Database, *, transport: httpx.BaseTransport | None = None) -> None:
        self._db = db
        self._transport = transport
        self._client: HqClient | None = None
        self._linked_as: tuple[str, str] = ("", "")
        self._down_until = 0.0  # time.monotonic() before which head office is not asked

    def hold(self, *, key: str, member_id: str, amount_fen: int,
             kind: HoldKind = "spend") -> Verdict:
        if time.monotonic() < self._down_until and self._still_offline():
            return "offline"
        try:
            self._hq().hold(key, member_id, amount_fen, kind=kind)
        except HqUnreachable as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_S
            self._trouble(exc.message)
            return "offline"
        except HqRefused as exc:
            if exc.status == 409:
                self._contact()
                variant, message = _MESSAGES.get(exc.code, ("", exc.message))
                raise Refused(exc.code, message, variant=variant, **exc.params) from None
            if exc.code in ("unknown_member", "unknown_giftcard"):  # made here, not uploaded
                self._contact()
                return "offline"
            # The till itself is refused (bad or revoked token, its clock is off): as good as
            # offline for the spend, and the status bar shows why.
            self._trouble(f"head office refused this till: {exc.message} [{exc.code}]")
            return "offline"
        except Refused as exc:  # not linked (any more): nobody to ask
            self._trouble(exc.message)
            return "offline"
        self._contact()
        return "held"

    def release(self, key: str) -> None:
        """Best effort: an unreleased hold expires at head office after 10 minutes."""
        try:
            self._hq().release(key)
        except (HqUnreachable, Refused) as exc:
            log.info("head-office hold %s not released: %s", key, exc)

    def _still_offline(self) -> bool:
        """Unless a sync reached head office since (it clears ``offline_since``)."""
        with self._db.reader() as s:
            return sync_state.read(s).offline_since is not None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _hq(self) -> HqClient:
        """The client for the till's current link (a new join makes a new one)."""
        settings = self._db.settings
        linked_as = (settings.hq_url, settings.hq_token)
        if self._client is None or linked_as != self._linked_as:
            self.close()
            self._client = client_for(self._db, timeout=HOLD_TIMEOUT_S,
                                      transport=self._transport)
            self._linked_as = linked_as
        return self._client

    def _contact(self) -> None:
        now = self._db.clock.now()
        with self._db.reader() as s:
            state = sync_state.read(s)
        if (state.offline_since is None and state.last_contact_at is not None
                and now - state.last_contact_at < CONTACT_EVERY):
            return
        with self._db.session() as s, s.begin():
            sync_state.write(s, last_contact_at=now, offline_since=None)

    def _trouble(self, message: str) -> None:
        with self._db.reader() as s:
            state = sync_state.read(s)
        if state.offline_since is None or state.last_error != message:
            record_trouble(self._db, message, offline=True)
