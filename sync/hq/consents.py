"""The chain's consent ledger at head office: what a member consented to now and when, consents
recorded here (the member's self-service page, head office's staff), the notice texts head
office publishes, and what the tills are sent.

Tills record consents at the counter and send them in their events (:mod:`sync.hq.apply_consents`
checks and applies them); consents recorded here reach every till with the member on its next
``GET /changes`` (each member's latest entry per purpose, ``consents``), and notices as
``notice`` rules. ``hq_members.marketing_consent`` is kept as what the ledger says about
marketing (:func:`storeapp.consent_rules.may_market`): campaigns read it.

The ledger is append-only: nothing here updates or deletes a row of ``hq_consents``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp import consent_rules
from storeapp.consent_rules import Entry, Notice
from sync.hq import models as m
from sync.hq import movements
from sync.hq.db import HqDatabase, next_change_no
from sync.hq.errors import HqRefusal
from sync.protocol import HQ_STORE

#: The chain rule kind a notice travels to the tills as (key ``<purpose>:<version>``).
NOTICE_RULE = "notice"
CHUNK = 1000


@dataclass(frozen=True)
class ConsentState:
    """What holds now for one purpose: its latest entry (``given`` under notice ``version``,
    ``at``, through ``channel``), or ``given`` False and the rest None when none was ever
    recorded. :attr:`in_force` says whether the purpose may be acted on (``personalised`` is
    an opt-out: in force until withdrawn)."""

    purpose: str
    given: bool
    version: str | None
    at: dt.datetime | None
    channel: str | None

    @property
    def in_force(self) -> bool:
        if self.at is None:
            return self.purpose in consent_rules.OPT_OUT
        return self.given


@dataclass(frozen=True)
class ConsentEntry:
    """One entry of a member's consent ledger (oldest first in :func:`history`)."""

    entry_id: str
    purpose: str
    given: bool
    version: str
    sha256: str
    channel: str
    by: str
    at: dt.datetime
    store_code: str

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


# -- for the self-service page and head office's own pages ---------------------------------------

def current(s: Session, member_id: str) -> dict[str, ConsentState]:
    """Every purpose (in :data:`storeapp.consent_rules.PURPOSES` order) as it holds now for the
    member."""
    held = consent_rules.latest(_entries(s, [member_id]).get(member_id, []))
    out = {}
    for purpose in consent_rules.PURPOSES:
        entry = held.get(purpose)
        out[purpose] = ConsentState(
            purpose=purpose, given=bool(entry and entry.given),
            version=entry.version if entry else None, at=entry.at if entry else None,
            channel=entry.channel if entry else None)
    return out


def history(s: Session, member_id: str) -> list[ConsentEntry]:
    """The member's whole consent ledger across the chain, oldest first."""
    rows = s.scalars(select(m.ConsentRow).where(m.ConsentRow.member_id == member_id)
                     .order_by(m.ConsentRow.at, m.ConsentRow.id))
    return [ConsentEntry(r.entry_id, r.purpose, r.given, r.version, r.text_sha256, r.channel,
                         r.actor, r.at, r.store_code) for r in rows]


def record(s: Session, *, member_id: str, purpose: str, given: bool, channel: str, by: str,
           at: dt.datetime, version: str | None = None) -> None:
    """Record, in the caller's transaction, the member's consent to ``purpose`` given (or
    withdrawn) at ``at`` through ``channel`` (``self_service``, ``head_office`` or ``import``),
    by ``by`` (a head-office user, or ``"member"``), under notice ``version`` (None: the
    newest published for the purpose, else ``builtin-1``). The member's marketing flag
    follows, and the member gets a new place in server order so every till downloads it:
    call it last in the transaction (:func:`sync.hq.db.next_change_no`)."""
    if purpose not in consent_rules.PURPOSES:
        raise HqRefusal(422, "unknown_purpose", f"no consent purpose {purpose!r}: one of "
                        f"{', '.join(consent_rules.PURPOSES)}", purpose=str(purpose)[:24])
    if channel not in consent_rules.HQ_CHANNELS:
        raise HqRefusal(422, "bad_channel", "head office records consents through "
                        f"{', '.join(consent_rules.HQ_CHANNELS)}, not {channel!r}",
                        channel=str(channel)[:16])
    if not by or len(by) > 32:
        raise HqRefusal(422, "bad_consent", "who recorded the consent (1-32 characters) is "
                        "needed")
    notice = _notice(s, purpose, version)
    member = live_member(s, member_id)
    if given and member.status == "closed":
        raise HqRefusal(409, "member_closed", "the membership is closed")
    entry_id = str(uuid.uuid4())
    s.add(m.ConsentRow(
        entry_id=entry_id, member_id=member.member_id, purpose=purpose, given=given,
        version=notice.version, text_sha256=notice.sha256, channel=channel, actor=by,
        at=at.replace(tzinfo=None), store_code=HQ_STORE, till_no=0, event_id=None,
        received_at=at.replace(tzinfo=None)))
    s.flush()
    member.marketing_consent = consent_rules.may_market(consent_rules.latest(
        _entries(s, [member.member_id]).get(member.member_id, [])))
    member.updated_at = at.replace(tzinfo=None)
    movements.touch(s, [member.member_id])


def may_personalise(s: Session, member_ids: Iterable[str]) -> dict[str, bool]:
    """For each member named, whether offers chosen by their profile may be made to them
    (``personalised`` not withdrawn)."""
    ids = sorted(set(member_ids))
    withdrawn = _withdrawn_personalised(s, ids)
    return {x: x not in withdrawn for x in ids}


def _withdrawn_personalised(s: Session, ids: list[str]) -> set[str]:
    found: dict[str, list[Entry]] = {}
    for start in range(0, len(ids), CHUNK):
        for member_id, given, version, at, channel, order in s.execute(
                select(m.ConsentRow.member_id, m.ConsentRow.given, m.ConsentRow.version,
                       m.ConsentRow.at, m.ConsentRow.channel, m.ConsentRow.id)
                .where(m.ConsentRow.member_id.in_(ids[start:start + CHUNK]),
                       m.ConsentRow.purpose == "personalised")):
            found.setdefault(member_id, []).append(
                Entry("personalised", bool(given), version, at, channel, order))
    return {x for x, entries in found.items()
            if not consent_rules.may_personalise(consent_rules.latest(entries))}


# -- what the tills are sent --------------------------------------------------------------------

def for_download(s: Session, member_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each member's latest entry per purpose, as a till appends it (``GET /changes``): one
    read for the page; a member without any is left out."""
    out: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(member_ids), CHUNK):
        rows = s.scalars(select(m.ConsentRow).where(
            m.ConsentRow.member_id.in_(member_ids[start:start + CHUNK]))
            .order_by(m.ConsentRow.member_id, m.ConsentRow.at, m.ConsentRow.id))
        latest: dict[tuple[str, str], m.ConsentRow] = {}
        for row in rows:  # in time order: the last one per purpose stays
            latest[row.member_id, row.purpose] = row
        for (member_id, _purpose), r in sorted(latest.items()):
            out.setdefault(member_id, []).append({
                "entry_id": r.entry_id, "purpose": r.purpose, "given": r.given,
                "version": r.version, "sha256": r.text_sha256, "channel": r.channel,
                "by": r.actor, "at": r.at.isoformat(), "store": r.store_code})
    return out


# -- notices --------------------------------------------------------------------------------------

def publish(hq: HqDatabase, *, purpose: str, version: str, text: str,
            now: dt.datetime) -> dict[str, Any]:
    """Publish a notice text for ``purpose`` as ``version``: consents given from now on name
    it (at head office at once, at each till once it has synced). A version is published once:
    its text never changes."""
    if purpose not in consent_rules.PURPOSES:
        raise HqRefusal(422, "unknown_purpose", f"no consent purpose {purpose!r}: one of "
                        f"{', '.join(consent_rules.PURPOSES)}", purpose=str(purpose)[:24])
    version = version.strip()
    if not 0 < len(version) <= consent_rules.MAX_VERSION or ":" in version or version in (
            consent_rules.BUILTIN_VERSION, consent_rules.LEGACY_VERSION):
        raise HqRefusal(422, "bad_notice_version", "a notice version is 1-24 characters "
                        "without ':', and not builtin-1 or legacy (e.g. 2026-04)")
    text = text.strip()
    if not text or len(text) > consent_rules.MAX_NOTICE_CHARS:
        raise HqRefusal(422, "bad_notice_text", "a notice's text is 1-20,000 characters")
    sha256 = consent_rules.text_sha256(text)

    def work(s: Session) -> dict[str, Any]:
        if s.get(m.Notice, (purpose, version)) is not None:
            raise HqRefusal(409, "notice_exists", f"{purpose} {version} is published already: "
                            "publish the new text as a new version")
        s.add(m.Notice(purpose=purpose, version=version, text=text, sha256=sha256,
                       published_at=now))
        value = json.dumps({"purpose": purpose, "version": version, "text": text,
                            "sha256": sha256, "published_at": now.isoformat()},
                           ensure_ascii=False)
        key = f"{purpose}:{version}"
        s.flush()
        change_no = next_change_no(s)  # the tills take it as a rule, in server order
        s.add(m.Rule(kind=NOTICE_RULE, key=key, value_json=value, change_no=change_no))
        s.add(m.RuleVersion(kind=NOTICE_RULE, key=key, change_no=change_no, value_json=value))
        return {"purpose": purpose, "version": version, "sha256": sha256,
                "published_at": now.isoformat(), "rule_version": change_no}

    return hq.retrying(work)


def notices(s: Session) -> list[dict[str, Any]]:
    """Every published notice, newest first per purpose."""
    return [{"purpose": n.purpose, "version": n.version, "sha256": n.sha256,
             "published_at": n.published_at.isoformat(), "text": n.text}
            for n in s.scalars(select(m.Notice).order_by(m.Notice.purpose,
                                                         m.Notice.published_at.desc()))]


def latest_notice(s: Session, purpose: str) -> Notice:
    """The notice a consent to ``purpose`` given now is given under."""
    row = s.scalars(select(m.Notice).where(m.Notice.purpose == purpose)
                    .order_by(m.Notice.published_at.desc(), m.Notice.version.desc())
                    .limit(1)).first()
    if row is None:
        return consent_rules.builtin(purpose)
    return Notice(row.purpose, row.version, row.text, row.sha256, row.published_at)


def published(s: Session) -> dict[tuple[str, str], str]:
    """(purpose, version) → the text's SHA-256, for every notice an honest till may name."""
    found = {(p, consent_rules.BUILTIN_VERSION): sha
             for p, sha in consent_rules.BUILTIN_SHA256.items()}
    found.update({(p, v): sha for p, v, sha in s.execute(
        select(m.Notice.purpose, m.Notice.version, m.Notice.sha256))})
    return found


# -- helpers ------------------------------------------------------------------------------------

def _notice(s: Session, purpose: str, version: str | None) -> Notice:
    if version is None:
        return latest_notice(s, purpose)
    if version == consent_rules.BUILTIN_VERSION:
        return consent_rules.builtin(purpose)
    row = s.get(m.Notice, (purpose, version))
    if row is None:
        raise HqRefusal(422, "unknown_notice", f"notice {purpose} {version!r} was never "
                        "published", purpose=purpose, version=str(version)[:24])
    return Notice(row.purpose, row.version, row.text, row.sha256, row.published_at)


def _entries(s: Session, member_ids: list[str]) -> dict[str, list[Entry]]:
    found: dict[str, list[Entry]] = {}
    for member_id, purpose, given, version, at, channel, order in s.execute(
            select(m.ConsentRow.member_id, m.ConsentRow.purpose, m.ConsentRow.given,
                   m.ConsentRow.version, m.ConsentRow.at, m.ConsentRow.channel, m.ConsentRow.id)
            .where(m.ConsentRow.member_id.in_(member_ids))):
        found.setdefault(member_id, []).append(
            Entry(purpose, bool(given), version, at, channel, order))
    return found


def live_member(s: Session, member_id: str) -> m.Member:
    """The member (locked), or the one head office merged them into."""
    seen: set[str] = set()
    while True:
        member = s.scalars(select(m.Member).where(m.Member.member_id == member_id)
                           .with_for_update()).first()
        if member is None:
            raise HqRefusal(404, "unknown_member", "head office does not know this member")
        if member.merged_into is None or member.member_id in seen:
            return member
        seen.add(member.member_id)
        member_id = member.merged_into
