"""The consent ledger at the till: a member's consents given or withdrawn at the counter, what
holds now and what was recorded when, and the notices they were given under.

Recording a consent is an action like any change to a member (:func:`storeapp.actions.run_action`:
an idempotency key, the audit row and the outbox event in the same transaction), though it
moves no money. The ledger (``consents``) is append-only, enforced by triggers; head office's
entries (the self-service page, another store) arrive with the member on sync and are appended
too. ``members.marketing_consent`` is a cache of what the ledger says about marketing
(:func:`storeapp.consent_rules.may_market`), kept so the code that reads it keeps working.

Each consent names the notice it was given under: the newest text head office published for
its purpose (``consent_notices``, sent down as ``notice`` rules), or the text shipped with the
app (``builtin-1``) until the till has one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp import consent_rules
from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.consent_rules import Entry, Notice
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.ids import ActionKey, MemberId, new_uuid7
from storeapp.models import Consent, ConsentNotice, Member
from storeapp.results import ActionResult
from storeapp.services import members

#: The event a consent recorded on its own makes; a registration's ride in its own event.
EVENT = "consent_recorded"


@dataclass(frozen=True, eq=False)
class ConsentRecorded(ActionResult):
    """A consent entry written, and the member's marketing flag after it."""

    member_id: MemberId
    entry_id: str
    purpose: str
    given: bool
    version: str
    sha256: str
    marketing_consent: bool


@dataclass(frozen=True)
class ConsentState:
    """What holds now for one purpose: the latest entry (``given``, under notice ``version``,
    ``at``, through ``channel``; all None but ``given`` when none was ever recorded), whether
    the purpose may be acted on (``in_force``: an opt-out purpose holds until withdrawn), and
    the notice a consent given now would name."""

    purpose: str
    given: bool
    in_force: bool
    version: str | None
    at: str | None
    channel: str | None
    notice_version: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class ConsentEntryView:
    """One entry of a member's consent ledger, oldest first."""

    entry_id: str
    purpose: str
    given: bool
    version: str
    sha256: str
    channel: str
    by: str
    at: str
    store: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# -- recording ----------------------------------------------------------------------------------

def record(db: Database, member_ref: str, purpose: str, *, given: bool, actor: str,
           channel: str = "counter", key: str | None = None) -> ConsentRecorded:
    """Record the member's consent to ``purpose`` given (or withdrawn) now, under the notice in
    force for it here. Withdrawing is always possible; a closed membership gives nothing."""
    consent_rules.check_purpose(purpose)
    consent_rules.check_channel(channel)

    def body(ctx: Ctx) -> ConsentRecorded:
        member = members.lock(db, ctx.session, member_ref)
        if given and member.status == "closed":
            raise Refused("member_closed", "This membership is closed")
        entry = write(ctx, member, purpose, given=given, channel=channel)
        ctx.audit("consent_given" if given else "consent_withdrawn", member.member_id,
                  purpose=purpose, version=entry["version"])
        ctx.emit(EVENT, member_id=member.member_id, consents=[entry])
        return ConsentRecorded(member_id=member.member_id, entry_id=entry["entry_id"],
                               purpose=purpose, given=given, version=entry["version"],
                               sha256=entry["sha256"],
                               marketing_consent=member.marketing_consent)

    request = {"member": member_ref, "purpose": purpose, "given": given, "channel": channel}
    return run_action(db, key=key_or_new(key), kind=f"consent_{'give' if given else 'withdraw'}",
                      actor=actor, request=request, body=body, returns=ConsentRecorded)


def give(db: Database, member_ref: str, purpose: str, *, actor: str, channel: str = "counter",
         key: str | None = None) -> ConsentRecorded:
    return record(db, member_ref, purpose, given=True, actor=actor, channel=channel, key=key)


def withdraw(db: Database, member_ref: str, purpose: str, *, actor: str,
             channel: str = "counter", key: str | None = None) -> ConsentRecorded:
    return record(db, member_ref, purpose, given=False, actor=actor, channel=channel, key=key)


class WireEntry(TypedDict):
    """One consent entry as it travels to head office (in the event of the action that made
    it: a registration, a profile change, or a consent of its own)."""

    entry_id: str
    purpose: str
    given: bool
    version: str
    sha256: str
    channel: str
    by: str


def at_registration(ctx: Ctx, member: Member, *, marketing: bool) -> list[WireEntry]:
    """Inside a registration: the membership terms given, and SMS marketing when the member
    ticked "agrees to receive offers". Returns the entries for the registration's event (head
    office records them from it: no event of their own)."""
    entries = [write(ctx, member, "terms", given=True, channel="counter")]
    if marketing:
        entries.append(write(ctx, member, "marketing_sms", given=True, channel="counter"))
    return entries


def marketing_flag_set(ctx: Ctx, member: Member, flag: bool) -> list[WireEntry]:
    """The old yes/no "agrees to receive offers" changed on a profile: yes gives SMS marketing;
    no withdraws every marketing consent in force. Returns the entries written (for the
    profile's event)."""
    if flag:
        return [write(ctx, member, "marketing_sms", given=True, channel="counter")]
    held = consent_rules.latest(_entries(ctx.session, member.member_id, consent_rules.MARKETING))
    return [write(ctx, member, purpose, given=False, channel="counter")
            for purpose in consent_rules.MARKETING
            if consent_rules.in_force(purpose, held.get(purpose))]


def write(ctx: Ctx, member: Member, purpose: str, *, given: bool,
          channel: str) -> WireEntry:
    """Append one entry for ``member`` under the notice in force, refresh the member's
    marketing flag; returns the entry as it travels to head office."""
    notice = current_notice(ctx.session, purpose)
    entry_id = new_uuid7()
    ctx.session.add(Consent(
        entry_id=entry_id, member_id=member.member_id, purpose=purpose, given=given,
        version=notice.version, text_sha256=notice.sha256, channel=channel,
        actor=ctx.actor[:32], at=ctx.now, store=ctx.db.settings.store_code,
        action_key=ctx.key))
    ctx.session.flush()
    _refresh_flag(ctx.session, member, ctx.now)
    return {"entry_id": entry_id, "purpose": purpose, "given": given,
            "version": notice.version, "sha256": notice.sha256, "channel": channel,
            "by": ctx.actor[:32]}


# -- what holds now, and what was recorded ------------------------------------------------------

def current(db: Database, member_ref: str) -> dict[str, ConsentState]:
    """Each purpose (in :data:`storeapp.consent_rules.PURPOSES` order) as it holds now."""
    with db.reader() as s:
        member = members.load(db, s, member_ref)
        latest = consent_rules.latest(_entries(s, member.member_id))
        notices = {p: current_notice(s, p).version for p in consent_rules.PURPOSES}
    out = {}
    for purpose in consent_rules.PURPOSES:
        entry = latest.get(purpose)
        out[purpose] = ConsentState(
            purpose=purpose, given=bool(entry and entry.given),
            in_force=consent_rules.in_force(purpose, entry),
            version=entry.version if entry else None,
            at=entry.at.isoformat() if entry else None,
            channel=entry.channel if entry else None, notice_version=notices[purpose])
    return out


def history(db: Database, member_ref: str) -> list[ConsentEntryView]:
    """The member's whole consent ledger as this till holds it, oldest first."""
    with db.reader() as s:
        member = members.load(db, s, member_ref)
        rows = s.scalars(select(Consent).where(Consent.member_id == member.member_id)
                         .order_by(Consent.at, Consent.id))
        return [ConsentEntryView(entry_id=r.entry_id, purpose=r.purpose, given=r.given,
                                 version=r.version, sha256=r.text_sha256, channel=r.channel,
                                 by=r.actor, at=r.at.isoformat(), store=r.store) for r in rows]


def notice(db: Database, purpose: str) -> Notice:
    """The notice a consent to ``purpose`` given now is given under (what to show the member)."""
    consent_rules.check_purpose(purpose)
    with db.reader() as s:
        return current_notice(s, purpose)


def current_notice(s: Session, purpose: str) -> Notice:
    row = s.scalars(select(ConsentNotice).where(ConsentNotice.purpose == purpose)
                    .order_by(ConsentNotice.published_at.desc(), ConsentNotice.version.desc())
                    .limit(1)).first()
    if row is None:
        return consent_rules.builtin(purpose)
    return Notice(row.purpose, row.version, row.text, row.sha256, row.published_at)


# -- what head office sends ---------------------------------------------------------------------

class BadNotice(ValueError):
    """A notice head office sent that this till cannot keep (the message says why)."""


def take_notice(s: Session, value: Mapping[str, object]) -> bool:
    """Keep a notice head office published (a ``notice`` rule); True when it is new here. Its
    text must hash to what it says: the hash is what consents record."""
    try:
        purpose, version = str(value["purpose"]), str(value["version"])
        text, sha256 = str(value["text"]), str(value["sha256"])
        published_at = dt.datetime.fromisoformat(str(value["published_at"])).replace(tzinfo=None)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadNotice(f"cannot be read: {exc}") from None
    if purpose not in consent_rules.PURPOSES:
        raise BadNotice(f"no consent purpose {purpose!r} at this till (update its software)")
    if not 0 < len(version) <= consent_rules.MAX_VERSION:
        raise BadNotice(f"version {version!r} is not 1-{consent_rules.MAX_VERSION} characters")
    if consent_rules.text_sha256(text) != sha256:
        raise BadNotice(f"the text of {purpose} {version} does not hash to {sha256}")
    held = s.get(ConsentNotice, (purpose, version))
    if held is not None:
        if held.sha256 != sha256:
            raise BadNotice(f"{purpose} {version} was published with another text before")
        return False
    s.add(ConsentNotice(purpose=purpose, version=version, text=text, sha256=sha256,
                        published_at=published_at))
    return True


def take_remote(s: Session, member: Member, entries: Iterable[Mapping[str, object]],
                now: dt.datetime) -> int:
    """Append the entries head office holds for ``member`` that this till lacks (made on the
    self-service page, at head office or at another store); returns how many were new."""
    return _append(s, member, entries, now, action_key=None)


def write_back(ctx: Ctx, member: Member, body: Mapping[str, object]) -> None:
    """A restore writes back the consents one of this till's own events carried, as they were
    made (their time and store are the event's)."""
    carried = body.get("consents")
    own = [{**e, "at": body["at"], "store": body.get("store") or ""}
           for e in (carried if isinstance(carried, list) else []) if isinstance(e, dict)]
    _append(ctx.session, member, own, ctx.now, action_key=ctx.key)


def _append(s: Session, member: Member, entries: Iterable[Mapping[str, Any]],
            now: dt.datetime, *, action_key: ActionKey | None) -> int:
    wanted = {str(e["entry_id"]): e for e in entries
              if str(e.get("purpose")) in consent_rules.PURPOSES}
    if not wanted:
        return 0
    have = set(s.scalars(select(Consent.entry_id).where(Consent.entry_id.in_(sorted(wanted)))))
    added = 0
    for entry_id, e in wanted.items():
        if entry_id in have:
            continue
        s.add(Consent(
            entry_id=entry_id[:48], member_id=member.member_id, purpose=str(e["purpose"]),
            given=bool(e["given"]), version=str(e.get("version") or "")[:24],
            text_sha256=str(e.get("sha256") or "")[:64],
            channel=str(e.get("channel") or "")[:16], actor=str(e.get("by") or "")[:32],
            at=dt.datetime.fromisoformat(str(e["at"])).replace(tzinfo=None),
            store=str(e.get("store") or "")[:8], action_key=action_key))
        added += 1
    if added:
        s.flush()
        _refresh_flag(s, member, now)
    return added


# -- helpers ------------------------------------------------------------------------------------

def _entries(s: Session, member_id: str, purposes: tuple[str, ...] = ()) -> list[Entry]:
    query = select(Consent.purpose, Consent.given, Consent.version, Consent.at,
                   Consent.channel, Consent.id).where(Consent.member_id == member_id)
    if purposes:
        query = query.where(Consent.purpose.in_(purposes))
    return [Entry(p, bool(g), v, at, c, order) for p, g, v, at, c, order in s.execute(query)]


def _refresh_flag(s: Session, member: Member, now: dt.datetime) -> None:
    """``marketing_consent`` as the ledger now says (SMS or WeChat marketing given)."""
    flag = consent_rules.may_market(consent_rules.latest(
        _entries(s, member.member_id, consent_rules.MARKETING)))
    if member.marketing_consent != flag:
        member.marketing_consent, member.updated_at = flag, now

