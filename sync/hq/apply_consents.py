"""Consents a till recorded, as its events carry them (``consents``: a registration's terms and
offers, a profile's offers flag, a ``consent_recorded`` on its own): checked, then appended to
``hq_consents`` with the member's marketing flag following.

Head office applies only what an honest till could send: a purpose that exists, recorded at a
counter (or typed in from paper), under a notice head office published (or the one the app
ships, ``builtin-1``) whose text hashes as the entry says. Anything else is held with the
reason (:mod:`sync.hq.gate`).

:class:`ConsentApplier` is the ingest's part that does this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from storeapp import consent_rules
from storeapp.consent_rules import Entry
from sync.hq import bulk, consents
from sync.hq import models as m
from sync.hq.batch import Batch
from sync.hq.member_row import MemberRow
from sync.hq.verify import Problem

if TYPE_CHECKING:
    from sync.hq.ingest import EventIn

#: The events that may carry consents.
CONSENT_EVENTS = frozenset({"member_registered", "member_profile_updated", "consent_recorded"})
#: Ties of time inside one batch: the batch's entries come after those already stored.
_LATER = 2**62


@dataclass
class ConsentBatch:
    """What one ingest transaction knows of consents: the notices a till may name (read once),
    each touched member's latest entries, the entries this batch appended."""

    published: dict[tuple[str, str], str] | None = None
    latest: dict[str, dict[str, Entry]] = field(default_factory=dict)
    appended: set[str] = field(default_factory=set)


class ConsentApplier(Batch):
    consents: ConsentBatch
    touched: set[str]

    if TYPE_CHECKING:
        def member(self, member_id: str) -> MemberRow: ...  # sync.hq.apply_events

    def check_consents(self, event_type: str, body: dict[str, Any]) -> Problem | None:
        """None when an honest till could have recorded these consents, else why not."""
        raw = body.get("consents")
        if event_type not in CONSENT_EVENTS:
            return Problem("consent_not_here", f"a {event_type} event may not record consents")
        if not isinstance(raw, list) or not raw or len(raw) > 2 * len(consent_rules.PURPOSES) \
                or not body.get("member_id"):
            return Problem("malformed", "the event's consents cannot be read")
        if self.consents.published is None:
            self.consents.published = consents.published(self.s)
        for entry in raw:
            problem = _check_entry(entry, self.consents.published)
            if problem is not None:
                return problem
        return None

    def apply_consents(self, event: EventIn) -> None:
        """Append the event's consents (each once: an entry already here is skipped) and set
        the member's marketing flag from the ledger."""
        body = event.body
        member_id = str(body["member_id"])
        member = self.member(member_id)
        latest = self._latest(member_id)
        at = dt.datetime.fromisoformat(str(body["at"])).replace(tzinfo=None)
        wanted = {str(e["entry_id"]): e for e in body["consents"]}
        stored = set(self.s.scalars(select(m.ConsentRow.entry_id).where(
            bulk.among(self.s, m.ConsentRow.entry_id, sorted(wanted)))))
        for entry_id, e in wanted.items():
            if entry_id in stored or entry_id in self.consents.appended:
                continue
            self.consents.appended.add(entry_id)
            purpose, given = str(e["purpose"]), bool(e["given"])
            self.s.add(m.ConsentRow(
                entry_id=entry_id, member_id=member_id, purpose=purpose, given=given,
                version=str(e["version"]), text_sha256=str(e["sha256"]),
                channel=str(e["channel"]), actor=str(e.get("by") or body.get("actor") or "")[:32],
                at=at, store_code=self.store_code, till_no=self.till_no,
                event_id=event.event_id, received_at=self.now))
            latest.update(consent_rules.latest([*latest.values(), Entry(
                purpose, given, str(e["version"]), at, str(e["channel"]),
                _LATER + len(self.consents.appended))]))
        member.marketing_consent = consent_rules.may_market(latest)
        member.updated_at = self.now
        self.touched.add(member_id)

    def _latest(self, member_id: str) -> dict[str, Entry]:
        held = self.consents.latest.get(member_id)
        if held is None:
            rows = self.s.execute(select(
                m.ConsentRow.purpose, m.ConsentRow.given, m.ConsentRow.version, m.ConsentRow.at,
                m.ConsentRow.channel, m.ConsentRow.id).where(m.ConsentRow.member_id == member_id))
            held = consent_rules.latest(Entry(p, bool(g), v, at, c, order)
                                        for p, g, v, at, c, order in rows)
            self.consents.latest[member_id] = held
        return held


def _check_entry(entry: Any, published: dict[tuple[str, str], str]) -> Problem | None:
    if not isinstance(entry, dict):
        return Problem("malformed", "a consent of the event cannot be read")
    purpose, channel = entry.get("purpose"), entry.get("channel")
    version, sha256 = entry.get("version"), entry.get("sha256")
    if purpose not in consent_rules.PURPOSES:
        return Problem("consent_purpose_unknown", f"the event records a consent to "
                       f"{str(purpose)[:40]!r}, which is no consent purpose",
                       {"purpose": str(purpose)[:40]})
    if channel not in consent_rules.TILL_CHANNELS:
        return Problem("consent_channel", f"a till records consents at its counter or from "
                       f"paper, not through {str(channel)[:40]!r}",
                       {"channel": str(channel)[:40]})
    entry_id = entry.get("entry_id")
    if not isinstance(entry.get("given"), bool) or not isinstance(entry_id, str) \
            or not 0 < len(entry_id) <= 48 or len(str(entry.get("by") or "")) > 64:
        return Problem("malformed", "a consent of the event cannot be read")
    known = published.get((purpose, str(version)))
    if known is None:
        return Problem("notice_unpublished", f"the consent to {purpose} names notice version "
                       f"{str(version)[:40]!r}, which head office never published",
                       {"purpose": purpose, "version": str(version)[:40]})
    if known != sha256:
        return Problem("notice_mismatch", f"the consent to {purpose} names notice {version} "
                       "with a text other than the one published", {"purpose": purpose,
                                                                    "version": str(version)})
    return None
