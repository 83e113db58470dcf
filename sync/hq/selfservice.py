"""A member's own data as head office holds it, for the self-service page and its downloads
(:mod:`sync.hq.pages_me`), and the member's privacy requests, which managers decide
(:mod:`sync.hq.pages_privacy`).

The page is opened by a signed link (:mod:`storeapp.selfservice_link`) and nothing else, so
every view and download is written to the access log under the user ``member`` with the member
as subject: the member can be shown who looked (themselves), a manager can see how a link was
used, and a link used too often in a short time is refused (:func:`busy`).

A merged member's link names the id the till knew; the page shows the surviving member, whose
balances and history include the merged one's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storeapp import consent_rules
from storeapp.errors import InvalidInput
from storeapp.identity import normalize_phone
from storeapp.selfservice_link import Link, verify_token
from storeapp.typed import nfc
from sync.hq import consents, member_keys
from sync.hq import models as m
from sync.hq.db import next_change_no
from sync.hq.errors import HqRefusal
from sync.hq.movements import change_log
from sync.hq.programme_cli import log_access
from sync.hq.service import chain_secret

#: The access log's user for what a member did through their own link.
MEMBER_USER = "member"
PAGE_ROWS = 30
EXPORT_ROWS = 5000
#: More views, downloads and forms than this from one member's links within the window are
#: refused for a while: a link on a lost receipt cannot be used to hammer head office.
BUSY_LIMIT = 60
BUSY_WINDOW = dt.timedelta(minutes=10)
MAX_TEXT = 500
MAX_OPEN = 5
REQUEST_KINDS = ("correction", "erasure")
FIELDS = ("name", "phone", "birthday", "other")
#: The consents a member may withdraw or give again on the page (the ledger's purposes but the
#: terms, which are the membership itself: ending it is an erasure request).
PURPOSES = tuple(p for p in consent_rules.PURPOSES if p != "terms")


def open_link(s: Session, token: str, now: dt.datetime) -> Link:
    """The link inside ``token`` if the chain's secret signed it and it is current (raises
    :class:`storeapp.selfservice_link.LinkError`)."""
    return verify_token(token, chain_secret(s, now), now)


def owner(s: Session, member_id: str) -> m.Member | None:
    """The member a link's id stands for now: the survivor of a merge (merges chain at most a
    few deep), or None when head office has not heard of them."""
    row = s.get(m.Member, member_id)
    for _ in range(8):
        if row is None or row.merged_into is None:
            return row
        row = s.get(m.Member, row.merged_into)
    return row


def log(s: Session, now: dt.datetime, action: str, member_id: str, **detail: Any) -> None:
    """One of the member's own views, downloads or forms, in the append-only access log."""
    log_access(s, now, MEMBER_USER, action, member_id, **detail)


def busy(s: Session, member_id: str, now: dt.datetime) -> bool:
    """Whether this member's links were used :data:`BUSY_LIMIT` times within the window."""
    used = s.scalar(select(func.count()).select_from(m.AccessLog).where(
        m.AccessLog.subject == member_id, m.AccessLog.at > now - BUSY_WINDOW,
        m.AccessLog.user == MEMBER_USER))
    return int(used or 0) >= BUSY_LIMIT


# -- what the member sees ------------------------------------------------------------------------

@dataclass(frozen=True)
class CardLine:
    card_no: str
    name: str
    uses_left: int
    uses_total: int
    value_fen: int
    expires_at: dt.datetime
    status: str


@dataclass(frozen=True)
class VisitLine:
    at: dt.datetime
    store_code: str
    kind: str  # sale | refund
    amount_fen: int
    event_id: str


@dataclass(frozen=True)
class LedgerLine:
    at: dt.datetime
    store_code: str
    kind: str  # the event that moved it (catalogue.LEDGER_KINDS)
    principal_fen: int
    bonus_fen: int
    points: int
    event_id: str | None  # None: head office's own (a merge)


@dataclass(frozen=True)
class ConsentLine:
    purpose: str
    given: bool
    version: str
    at: dt.datetime | None
    channel: str


@dataclass(frozen=True)
class RequestLine:
    id: int
    kind: str
    field: str
    text: str
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    outcome: str


@dataclass(frozen=True)
class MemberData:
    """Everything head office holds of one member that the member may see and take away."""

    member_id: str
    card_no: str
    name: str
    phone: str
    birthday: dt.date | None
    gender: str | None
    tier: str
    status: str
    home_store: str
    created_at: dt.datetime
    principal_fen: int
    bonus_fen: int
    points: int
    merged_from: list[str]
    stores: dict[str, str]  # code -> name, for the stores named below
    cards: list[CardLine] = field(default_factory=list)
    visits: list[VisitLine] = field(default_factory=list)
    ledger: list[LedgerLine] = field(default_factory=list)
    consents: list[ConsentLine] = field(default_factory=list)
    consent_history: list[ConsentLine] = field(default_factory=list)
    requests: list[RequestLine] = field(default_factory=list)

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


def member_data(s: Session, row: m.Member, *, rows: int = PAGE_ROWS) -> MemberData:
    """``row``'s data (with the members merged into it), newest history first, at most ``rows``
    lines of each history."""
    merged = list(s.scalars(select(m.Member.member_id).where(
        m.Member.merged_into == row.member_id).order_by(m.Member.member_id)))
    ids = [row.member_id, *merged]
    cards = [CardLine(c.card_no, c.name, int(c.uses_left), int(c.uses_total), int(c.value_fen),
                      c.expires_at, c.status)
             for c in s.scalars(select(m.CountCard).where(m.CountCard.member_id.in_(ids))
                                .order_by(m.CountCard.expires_at, m.CountCard.card_no))]
    visits = [VisitLine(v.at, v.store_code, v.kind, int(v.amount_fen), v.event_id)
              for v in s.scalars(
        select(m.Visit).where(m.Visit.member_id.in_(ids))
        .order_by(m.Visit.at.desc(), m.Visit.id.desc()).limit(rows))]
    ledger = [LedgerLine(r.at, r.store_code, r.kind, int(r.principal_fen), int(r.bonus_fen),
                         int(r.points), r.event_id) for r in s.scalars(
        select(m.LedgerRow).where(m.LedgerRow.member_id.in_(ids))
        .order_by(m.LedgerRow.at.desc(), m.LedgerRow.id.desc()).limit(rows))]
    named = {row.home_store, *(v.store_code for v in visits), *(r.store_code for r in ledger)}
    stores = {str(code): str(name) for code, name in s.execute(
        select(m.Store.code, m.Store.name).where(m.Store.code.in_(named)))}
    return MemberData(
        member_id=row.member_id, card_no=row.card_no, name=row.name, phone=row.phone,
        birthday=row.birthday, gender=row.gender, tier=row.tier, status=row.status,
        home_store=row.home_store, created_at=row.created_at,
        principal_fen=int(row.principal_fen), bonus_fen=int(row.bonus_fen),
        points=int(row.points), merged_from=merged, stores=stores, cards=cards,
        visits=visits, ledger=ledger, consents=current_consents(s, row.member_id),
        consent_history=consent_history(s, row.member_id, rows),
        requests=requests_of(s, row.member_id))


def current_consents(s: Session, member_id: str) -> list[ConsentLine]:
    """Each purpose as it holds now: ``given`` is whether it is in force (one never asked is
    not, except personalised offers, which hold until withdrawn)."""
    return [ConsentLine(c.purpose, c.in_force, c.version or "", c.at, c.channel or "")
            for c in consents.current(s, member_id).values()]


def consent_history(s: Session, member_id: str, rows: int) -> list[ConsentLine]:
    """The member's consent ledger, newest first."""
    entries = consents.history(s, member_id)
    return [ConsentLine(e.purpose, e.given, e.version, e.at, e.channel)
            for e in reversed(entries[-rows:])]


def set_consent(s: Session, member_id: str, purpose: str, given: bool,
                now: dt.datetime) -> None:
    """The member gives or withdraws ``purpose`` on their page (an entry in the consent
    ledger, channel ``self_service``); refused for a purpose the page does not offer."""
    if purpose not in PURPOSES:
        raise HqRefusal(422, "bad_purpose", f"{purpose[:24]} is not a consent the member "
                        "changes on the page", purpose=purpose[:24])
    consents.record(s, member_id=member_id, purpose=purpose, given=given,
                    channel="self_service", by=MEMBER_USER, at=now)


# -- privacy requests ------------------------------------------------------------------------------

def requests_of(s: Session, member_id: str) -> list[RequestLine]:
    return [_line(s, r) for r in s.scalars(
        select(m.PrivacyRequest).where(m.PrivacyRequest.member_id == member_id)
        .order_by(m.PrivacyRequest.created_at.desc(), m.PrivacyRequest.id.desc()).limit(50))]


def ask(s: Session, member_id: str, kind: str, field_name: str, text: str,
        now: dt.datetime) -> m.PrivacyRequest:
    """The member asks for a correction (what is wrong, in their words) or to be erased; at most
    :data:`MAX_OPEN` open at once, and one open erasure."""
    if kind not in REQUEST_KINDS:
        raise HqRefusal(422, "bad_request_kind", "ask for a correction or an erasure")
    text = _text(text)
    if kind == "correction" and field_name not in FIELDS:
        raise HqRefusal(422, "bad_field", "say which detail is wrong")
    if kind == "correction" and not text:
        raise HqRefusal(422, "empty_text", "say what is wrong and what it should be")
    if len(text) > MAX_TEXT:
        raise HqRefusal(422, "text_too_long", f"at most {MAX_TEXT} characters", most=MAX_TEXT)
    open_ = list(s.scalars(select(m.PrivacyRequest).where(
        m.PrivacyRequest.member_id == member_id,
        m.PrivacyRequest.status.in_(("open", "approved")))))
    if len(open_) >= MAX_OPEN:
        raise HqRefusal(409, "too_many_requests", f"{MAX_OPEN} requests are already open",
                        most=MAX_OPEN)
    if kind == "erasure" and any(r.kind == "erasure" for r in open_):
        raise HqRefusal(409, "erasure_pending", "an erasure request is already open")
    row = m.PrivacyRequest(member_id=member_id, kind=kind,
                           field=field_name if kind == "correction" else "", text="",
                           status="open", created_at=now, outcome="")
    s.add(row)
    s.flush()  # its id is part of what its text is sealed to
    if text:
        row.text = member_keys.ring(s).seal_text(member_id, f"request/{row.id}", text)
    return row


def request_text(s: Session, request: m.PrivacyRequest) -> str:
    """What the member wrote, opened (empty once they are erased)."""
    return member_keys.ring(s).open_text(request.member_id, f"request/{request.id}",
                                         request.text)


def open_requests(s: Session) -> list[m.PrivacyRequest]:
    return list(s.scalars(select(m.PrivacyRequest).where(
        m.PrivacyRequest.status.in_(("open", "approved")))
        .order_by(m.PrivacyRequest.created_at, m.PrivacyRequest.id)))


def decided_requests(s: Session, limit: int = 50) -> list[m.PrivacyRequest]:
    return list(s.scalars(select(m.PrivacyRequest).where(
        m.PrivacyRequest.status.in_(("done", "declined")))
        .order_by(m.PrivacyRequest.decided_at.desc(), m.PrivacyRequest.id.desc()).limit(limit)))


def pending(s: Session, request_id: int) -> m.PrivacyRequest:
    row = s.get(m.PrivacyRequest, request_id, with_for_update=True)
    if row is None:
        raise HqRefusal(404, "unknown_request", f"there is no request #{request_id}",
                        request=request_id)
    if row.status not in ("open", "approved"):
        raise HqRefusal(409, "request_decided", f"request #{request_id} was already decided",
                        request=request_id)
    return row


def correct(s: Session, request: m.PrivacyRequest, value: str, note: str, *, by: str,
            now: dt.datetime) -> None:
    """Complete a correction: the member's name, phone or birthday takes ``value`` at head
    office and, with the next download, at every till (the member's change number moves on).
    A correction of something else ("other") is completed by ``note``, what the manager did."""
    if request.kind != "correction":
        raise HqRefusal(409, "not_a_correction", "this request is not a correction")
    member = owner(s, request.member_id)
    if member is None:
        raise HqRefusal(404, "unknown_member", "head office has no such member")
    note = _text(note)[:200]
    if request.field == "other":
        if not note:
            raise HqRefusal(422, "no_reason", "say what was done")
        _decide(request, "done", by, now, note)
        log_access(s, now, by, "privacy_corrected", member.member_id, request=request.id,
                   field="other")
        return
    _set_field(s, member, request.field, _text(value))
    member.updated_at = now
    number = next_change_no(s)
    member.change_no = number
    s.add_all(m.MemberChange(**row) for row in change_log(s, number, [member.member_id]))
    _decide(request, "done", by, now, note or f"{request.field} corrected")
    log_access(s, now, by, "privacy_corrected", member.member_id, request=request.id,
               field=request.field)


def approve_erasure(s: Session, request: m.PrivacyRequest, *, by: str,
                    now: dt.datetime) -> None:
    """The first of the two managers an erasure needs: it cannot be undone."""
    if request.kind != "erasure" or request.status != "open":
        raise HqRefusal(409, "not_open_erasure", "only an open erasure request is approved")
    member = owner(s, request.member_id)
    if member is not None and member.principal_fen > 0:  # bonus is forfeited, as at 退卡
        raise HqRefusal(409, "money_left", "the member still has principal: a store closes "
                        "the account first (principal refunded, bonus forfeited)",
                        principal_fen=int(member.principal_fen))
    request.status, request.approved_by, request.approved_at = "approved", by, now
    log_access(s, now, by, "privacy_approved", request.member_id, request=request.id)


def erasure_ready(request: m.PrivacyRequest, by: str) -> None:
    """Refuse completing an erasure that a second manager did not approve first."""
    if request.kind != "erasure" or request.status != "approved":
        raise HqRefusal(409, "not_approved", "a manager approves an erasure first")
    if request.approved_by == by:
        raise HqRefusal(409, "same_manager", "a second manager completes an erasure: not the "
                        "one who approved it", manager=by)


def decline(s: Session, request: m.PrivacyRequest, reason: str, *, by: str,
            now: dt.datetime) -> None:
    reason = _text(reason)[:200]
    if not reason:
        raise HqRefusal(422, "no_reason", "say why the request is declined")
    _decide(request, "declined", by, now, reason)
    log_access(s, now, by, "privacy_declined", request.member_id, request=request.id)


def finish(request: m.PrivacyRequest, by: str, now: dt.datetime, outcome: str) -> None:
    """Mark a request done (an erasure once :func:`sync.hq.erasure.erase_member` ran)."""
    _decide(request, "done", by, now, outcome)


def _decide(request: m.PrivacyRequest, status: str, by: str, now: dt.datetime,
            outcome: str) -> None:
    request.status, request.decided_by, request.decided_at = status, by, now
    request.outcome = outcome[:200]


def _text(value: str | None) -> str:
    """What a person typed, in one spelling, without control characters (a newline stays)."""
    kept = "".join(c for c in nfc(value or "") if c == "\n" or c.isprintable())
    return kept.strip()


def _set_field(s: Session, member: m.Member, name: str, value: str) -> None:
    if name == "name":
        if not 1 <= len(value) <= 32:
            raise HqRefusal(422, "bad_name", "a name is 1 to 32 characters")
        member.name = value
    elif name == "phone":
        try:
            phone = normalize_phone(value)
        except InvalidInput:
            raise HqRefusal(422, "bad_phone", "not a phone number") from None
        taken = s.scalar(select(m.Member.member_id).where(
            m.Member.phone_key == member_keys.ring(s).phone_key(phone),
            m.Member.merged_into.is_(None),
            m.Member.member_id != member.member_id))
        if taken is not None:
            raise HqRefusal(409, "phone_taken", "another member has this phone")
        member.phone = phone
    elif name == "birthday":
        try:
            day = dt.date.fromisoformat(value) if value else None
        except ValueError:
            raise HqRefusal(422, "bad_birthday", "a birthday looks like 1990-05-20") from None
        member.birthday = day
    else:
        raise HqRefusal(422, "bad_field", "name, phone or birthday can be corrected here")


def _line(s: Session, r: m.PrivacyRequest) -> RequestLine:
    return RequestLine(r.id, r.kind, r.field, request_text(s, r), r.status, r.created_at,
                       r.decided_at, r.outcome)
