"""Members: registration, lookup by phone / tail / name / card / QR, profile, card problems."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storeapp import receipt_jobs
from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.identity import (
    COUNT_QR_PREFIX,
    Shape,
    classify,
    make_card_no,
    normalize_phone,
    sign_qr,
    verify_count_qr,
    verify_qr,
)
from storeapp.ids import MemberId, new_member_id
from storeapp.models import Card, CountCard, Member, MemberNameGram
from storeapp.pii import PERSONAL_FIELDS, fold_name
from storeapp.pins import hash_pin
from storeapp.profile_rules import check_gender, clean_name, parse_birthday
from storeapp.results import MemberChanged
from storeapp.sequences import next_value
from storeapp.services import tiers
from storeapp.services.users import Grant, record_approval
from storeapp.typed import plain

PAGE = 20
# Lookups run for every keystroke and scan: their statements are built once.
_BY_PHONE = select(Member).where(Member.phone_key == bindparam("phone"))
_BY_TAIL = (select(Member).where(Member.tail_key == bindparam("tail"),
                                  Member.merged_into.is_(None))
            .order_by(Member.last_visit_at.desc()).limit(bindparam("limit")))
#: the most members a typed name opens to check: a common surname's first letter finds many
_NAME_CANDIDATES = 500


@dataclass(frozen=True)
class MemberView:
    """What the counter, the CLI and receipts know about a member."""

    member_id: MemberId
    card_no: str
    phone: str
    name: str
    tier: str
    tier_name: str
    tier_name_en: str
    status: str
    balance_fen: int
    principal_fen: int
    bonus_fen: int
    points: int
    qr: str
    birthday: str | None
    gender: str | None
    marketing_consent: bool
    pin_set: bool
    pin_locked: bool
    created_at: str
    last_visit_at: str
    #: who referred this member (推广大使), if anyone
    referrer_id: str | None = None
    #: the code this member refers others with: their card number (printed on the slip, in
    #: their QR), so a referrer is named by card number, phone or QR
    referral_code: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def view(db: Database, member: Member) -> MemberView:
    tier = tiers.by_code(db.settings, member.tier)
    return MemberView(
        member_id=member.member_id, card_no=member.card_no, phone=member.phone, name=member.name,
        tier=tier.code, tier_name=tier.name, tier_name_en=tier.name_en, status=member.status,
        balance_fen=member.principal_fen + member.bonus_fen, principal_fen=member.principal_fen,
        bonus_fen=member.bonus_fen, points=member.points,
        qr=sign_qr(member.card_no, db.settings.qr_secret),
        birthday=member.birthday.isoformat() if member.birthday else None, gender=member.gender,
        marketing_consent=member.marketing_consent, pin_set=member.pin_hash is not None,
        pin_locked=member.pin_failed >= db.settings.wallet_pin_max_tries,
        created_at=member.created_at.isoformat(), last_visit_at=member.last_visit_at.isoformat(),
        referrer_id=member.referrer_id, referral_code=member.card_no,
    )


# -- registration -------------------------------------------------------------------------------

def register(
    db: Database, *, phone: str, name: str, birthday: str | dt.date | None = None,
    gender: str | None = None, marketing_consent: bool = False, actor: str,
    key: str | None = None, referrer: str | None = None,
) -> MemberView:
    """Register a member: unique phone, a new chain-unique card number and its signed QR.

    ``referrer`` (推广): the referring member's card number (their referral code), phone or QR;
    it is recorded, and head office decides whether the referral earns its reward."""
    phone = normalize_phone(phone)
    name = clean_name(name)
    day = parse_birthday(birthday)
    check_gender(gender)
    referrer = (referrer or "").strip() or None
    request = {"phone": phone, "name": name, "birthday": str(day), "gender": gender,
               "consent": marketing_consent, **({"referrer": referrer} if referrer else {})}

    def body(ctx: Ctx) -> MemberChanged:
        s, settings = ctx.session, ctx.db.settings
        if s.scalar(select(Member.member_id).where(
                Member.phone_key == db.pii.phone_key(phone))) is not None:
            raise Refused("phone_taken", f"Phone {phone} is already registered", phone=phone)
        referrer_id = _referrer(db, s, referrer, phone).member_id if referrer else None
        card_no = make_card_no(settings.store_code, int(settings.till_no), next_value(s, "card"))
        member = Member(
            member_id=new_member_id(), card_no=card_no, phone=phone, name=name, birthday=day,
            gender=gender, marketing_consent=marketing_consent,
            tier=tiers.table(settings)[0].code, status="active", pin_failed=0, principal_fen=0,
            bonus_fen=0, points=0, home_store=settings.store_code, created_at=ctx.now,
            updated_at=ctx.now, last_visit_at=ctx.now, referrer_id=referrer_id,
        )
        s.add(member)
        s.flush()  # no ORM relationship orders these inserts: the member row must exist first
        s.add(Card(card_no=card_no, member_id=member.member_id, status="active",
                   issued_at=ctx.now, changed_at=ctx.now))
        s.flush()
        ctx.audit("member_registered", member.member_id, card_no=card_no)
        from storeapp.services import consents  # terms, and offers if ticked: the ledger's

        given = consents.at_registration(ctx, member, marketing=marketing_consent)
        # phone, name and birthday travel sealed, as the row keeps them (storeapp.pii)
        ctx.emit("member_registered", member_id=member.member_id, card_no=card_no,
                 personal=member.personal, gender=gender,
                 marketing_consent=marketing_consent, consents=given,
                 **({"referrer_id": referrer_id} if referrer_id else {}))
        from storeapp.services import coupons  # welcome coupon, if the chain has one

        coupons.issue_by_rule(ctx, member.member_id, "welcome")
        ctx.receipt("registration", {"member": receipt_jobs.member_fields(view(db, member)),
                                     "at": ctx.now.isoformat(),
                                     **receipt_jobs.self_service(settings, member.member_id,
                                                                 ctx.now)})
        return MemberChanged(member_id=member.member_id)

    result = run_action(db, key=key_or_new(key), kind="member_register", actor=actor,
                        request=request, body=body,
                        returns=MemberChanged)
    return get(db, result.member_id)


def find_referrer(db: Database, ref: str, *, phone: str = "") -> MemberView:
    """Who ``ref`` (a referral code, a phone or a member QR) names as the referrer of a member
    about to register with ``phone``: what the registration dialog shows before registering,
    refused as :func:`register` would refuse it (``phone`` not yet a valid phone is not
    checked against: registering checks it again)."""
    ref = (ref or "").strip()
    if not ref:
        raise InvalidInput("member_required", "No member given")
    with db.reader() as s:
        return view(db, _referrer(db, s, ref, _phone_or_none(phone or "")))


def referred_count(db: Database, member_id: str) -> int:
    """How many members this till knows were referred by ``member_id`` (one read of the
    ``ix_members_referrer`` index; head office counts across the chain)."""
    with db.reader() as s:
        return int(s.scalar(select(func.count()).select_from(Member)
                            .where(Member.referrer_id == member_id)) or 0)


def _referrer(db: Database, s: Session, ref: str, phone: str | None) -> Member:
    """The member ``ref`` (a referral code = card number, a phone or a member QR) names, for a
    registration by ``phone``: unknown here is refused, and so is the new member themself."""
    if phone is not None and (ref == phone or _phone_or_none(ref) == phone):
        raise InvalidInput("self_referral", "A member cannot refer themselves")
    try:
        found = load(db, s, ref)
    except NotFound:
        raise NotFound("unknown_referrer", f"No member has referral code '{ref}'",
                       ref=ref) from None
    if found.status == "closed":
        raise Refused("referrer_closed", "The referring membership is closed", ref=ref)
    return found


def _phone_or_none(text: str) -> str | None:
    try:
        return normalize_phone(text)
    except InvalidInput:
        return None


# -- lookup -------------------------------------------------------------------------------------

def find(db: Database, query: str, *, limit: int = PAGE) -> list[MemberView]:
    """Members matching what a cashier typed or scanned, best matches first.

    Full phone, last 4 digits (most recent visitors first), card number, member QR (signature
    checked: a forged QR raises), or a name (prefix first). A member head office merged into
    another is never listed: a phone, card or QR of theirs finds the surviving member.
    """
    query = (query or "").strip()
    if not query:
        return []
    if len(query) > 64:
        raise InvalidInput("query_too_long", "Search text is too long", max_chars=64)
    with db.reader() as s:
        found = _find_rows(db, s, query, limit)
        db.pii.keys.get_many(m.member_id for m in found)  # one read for the page's keys
        return [view(db, m) for m in found]


def _find_rows(db: Database, s: Session, query: str, limit: int) -> list[Member]:
    shape = classify(query)
    if shape is Shape.MEMBER_QR:
        return [surviving(s, _by_card(s, verify_qr(query, db.settings.qr_secrets)))]
    if shape is Shape.COUNT_CARD:  # a count card scanned: whose it is
        return [surviving(s, _by_count_card(db, s, query))]
    if shape is Shape.PHONE:
        member = s.scalar(_BY_PHONE, {"phone": db.pii.phone_key(normalize_phone(query))})
        return [surviving(s, member)] if member else []
    if shape is Shape.PHONE_TAIL:
        return list(s.scalars(_BY_TAIL, {"tail": db.pii.tail_key(_digits(query)),
                                         "limit": limit}))
    if shape is Shape.CARD_NO:
        return [surviving(s, _by_card(s, _digits(query)))]
    if shape is not Shape.NAME:
        return []
    return _by_name(db, s, query, limit)


def _by_name(db: Database, s: Session, query: str, limit: int) -> list[Member]:
    """Members whose name starts with ``query`` (first, by name), then those containing it.

    Names are sealed: the keyed grams of the query (:func:`storeapp.pii.query_grams`) find the
    members whose names have them all, and only those are opened and checked — a gram shared
    by chance (64-bit keys) or letters in another order cost one opened name, never a wrong
    match. One letter finds names starting with it."""
    wanted = fold_name(query)
    grams = sorted(db.pii.query_grams(query))
    if not wanted or not grams:
        return []
    having_all = (select(MemberNameGram.member_id).where(MemberNameGram.gram.in_(grams))
                  .group_by(MemberNameGram.member_id)
                  .having(func.count() == len(grams)))
    candidates = s.scalars(select(Member).where(Member.member_id.in_(having_all),
                                                Member.merged_into.is_(None))
                           .limit(_NAME_CANDIDATES))
    starts, inner = [], []
    for member in candidates:
        folded = fold_name(member.name)
        if folded.startswith(wanted):
            starts.append(member)
        elif wanted in folded:
            inner.append(member)
    starts.sort(key=lambda m: m.name)
    return (starts + inner)[:limit]


def _by_count_card(db: Database, s: Session, query: str) -> Member:
    text = query.strip().upper()
    card_no = verify_count_qr(text, db.settings.qr_secrets) if text.startswith(
        COUNT_QR_PREFIX) else text
    card = s.get(CountCard, card_no)
    if card is None:
        raise NotFound("unknown_count_card", f"No count card {card_no}", card_no=card_no)
    member = s.get(Member, card.member_id)
    assert member is not None
    return member


def _digits(query: str) -> str:
    return re.sub(r"[^0-9]", "", plain(query))


def surviving(s: Session, member: Member) -> Member:
    """The member ``member`` was merged into by head office, followed to the end (a loop, or a
    survivor not downloaded yet, stops at the last member found); ``member`` itself otherwise."""
    seen = {member.member_id}
    while member.merged_into is not None and member.merged_into not in seen:
        survivor = s.get(Member, member.merged_into)
        if survivor is None:
            break
        seen.add(survivor.member_id)
        member = survivor
    return member


def _by_card(s: Session, card_no: str) -> Member:
    card = s.get(Card, card_no)
    if card is None:
        raise NotFound("unknown_card", f"No member has card {card_no}", card_no=card_no)
    if card.status == "lost":
        raise Refused("card_lost", f"Card {card_no} was reported lost", card_no=card_no)
    if card.status != "active":
        raise Refused("card_inactive", f"Card {card_no} is no longer valid ({card.status})",
                      card_no=card_no, status=card.status)
    member = s.get(Member, card.member_id)
    assert member is not None
    return member


def get(db: Database, ref: str) -> MemberView:
    """One member by member id, card number, phone or QR text; NotFound otherwise."""
    with db.reader() as s:
        return view(db, load(db, s, ref))


def load(db: Database, s: Session, ref: str) -> Member:
    """The member ``ref`` names (member id, card number, phone or QR text); for a member merged
    into another, the surviving member."""
    ref = (ref or "").strip()
    if not ref:
        raise InvalidInput("member_required", "No member given")
    member = s.get(Member, ref) if len(ref) == 36 else None
    if member is not None:
        return surviving(s, member)
    if classify(ref) in (Shape.MEMBER_QR, Shape.CARD_NO, Shape.PHONE, Shape.COUNT_CARD):
        found = _find_rows(db, s, ref, 1)
        if found:
            return found[0]
    raise NotFound("unknown_member", f"No member matches '{ref}'", ref=ref)


def lock(db: Database, s: Session, ref: str) -> Member:
    """The member row inside a write transaction; its BEGIN IMMEDIATE already holds the lock."""
    return load(db, s, ref)


# -- profile ------------------------------------------------------------------------------------

def update_profile(
    db: Database, member_ref: str, *, actor: str, key: str | None = None,
    name: str | None = None, birthday: str | None = None, gender: str | None = None,
    marketing_consent: bool | None = None, phone: str | None = None,
) -> MemberView:
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if birthday is not None:
        changes["birthday"] = parse_birthday(birthday)
    if gender is not None:
        check_gender(gender)
        changes["gender"] = gender
    if marketing_consent is not None:
        changes["marketing_consent"] = marketing_consent
    if phone is not None:
        changes["phone"] = normalize_phone(phone)
    if not changes:
        raise InvalidInput("nothing_to_change", "No profile field given")

    def body(ctx: Ctx) -> MemberChanged:
        member = lock(db, ctx.session, member_ref)
        if "phone" in changes and changes["phone"] != member.phone:
            taken = ctx.session.scalar(select(Member.member_id).where(
                Member.phone_key == db.pii.phone_key(changes["phone"])))
            if taken:
                raise Refused("phone_taken", f"Phone {changes['phone']} is already registered",
                              phone=changes["phone"])
        for field, value in changes.items():
            setattr(member, field, value)
        member.updated_at = ctx.now
        given: list[consents.WireEntry] = []
        if "marketing_consent" in changes:  # the flag caches the consent ledger: said there
            from storeapp.services import consents

            given = consents.marketing_flag_set(ctx, member, changes["marketing_consent"])
        # a personal field is named without its value: the new values travel sealed, whole
        shown = {k: None if k in PERSONAL_FIELDS else v for k, v in changes.items()}
        sealed: dict[str, Any] = {}
        if any(k in PERSONAL_FIELDS for k in changes):
            ctx.session.flush()  # seals them
            sealed["personal"] = member.personal
        ctx.audit("member_updated", member.member_id, fields=sorted(changes))
        ctx.emit("member_profile_updated", member_id=member.member_id, fields=shown,
                 **sealed, **({"consents": given} if given else {}))
        return MemberChanged(member_id=member.member_id)

    request = {"member": member_ref, **{k: str(v) for k, v in changes.items()}}
    result = run_action(db, key=key_or_new(key), kind="member_update", actor=actor,
                        request=request, body=body,
                        returns=MemberChanged)
    return get(db, result.member_id)


def set_pin(db: Database, member_ref: str, pin: str, *, actor: str,
            grant: Grant | None = None, key: str | None = None) -> MemberView:
    """Set or reset the 6-digit payment PIN; resetting a PIN that is already set needs a manager."""
    if not re.fullmatch(r"\d{6}", pin or ""):
        raise InvalidInput("bad_pin", "A payment PIN has exactly 6 digits", variant="payment")
    pin_hash = hash_pin(pin)

    def body(ctx: Ctx) -> MemberChanged:
        member = lock(db, ctx.session, member_ref)
        if member.pin_hash is not None:
            record_approval(ctx, grant, kind="pin_reset", subject=member.member_id)
        member.pin_hash, member.pin_failed, member.updated_at = pin_hash, 0, ctx.now
        ctx.audit("member_pin_set", member.member_id)
        # the slow hash travels (never the PIN): a till restored from head office, or another
        # store, can then check the member's PIN too
        ctx.emit("member_pin_set", member_id=member.member_id, pin_hash=pin_hash)
        return MemberChanged(member_id=member.member_id)

    # The salted hash differs on every call, so it cannot identify the request: a retry under
    # the same key would be refused as "key reused". The PIN itself must not be stored in clear.
    result = run_action(db, key=key_or_new(key), kind="member_pin", actor=actor,
                        request={"member": member_ref}, body=body,
                        returns=MemberChanged)
    return get(db, result.member_id)


def unlock_pin(db: Database, member_ref: str, *, actor: str, grant: Grant | None,
               key: str | None = None) -> MemberView:
    """A manager lets a member whose payment PIN locked after wrong tries try again; the PIN
    itself stays (a forgotten one is reset with :func:`set_pin`)."""

    def body(ctx: Ctx) -> MemberChanged:
        member = lock(db, ctx.session, member_ref)
        if member.pin_hash is None:
            raise Refused("no_pin", "The member has no payment PIN")
        if not member.pin_failed:
            raise Refused("pin_not_locked", "The member's payment PIN is not locked")
        record_approval(ctx, grant, kind="pin_unlock", subject=member.member_id)
        member.pin_failed, member.updated_at = 0, ctx.now
        ctx.audit("member_pin_unlocked", member.member_id)
        return MemberChanged(member_id=member.member_id)

    result = run_action(db, key=key_or_new(key), kind="member_pin_unlock", actor=actor,
                        request={"member": member_ref}, body=body,
                        returns=MemberChanged)
    return get(db, result.member_id)


# -- card problems ------------------------------------------------------------------------------

def report_lost(db: Database, member_ref: str, *, actor: str, key: str | None = None) -> MemberView:
    """挂失: the card number is blocked at once; the balance stays with the member."""

    def body(ctx: Ctx) -> MemberChanged:
        member = lock(db, ctx.session, member_ref)
        card = ctx.session.get(Card, member.card_no)
        assert card is not None
        if card.status == "lost":
            raise Refused("already_lost", "This card is already reported lost",
                          card_no=card.card_no)
        card.status, card.changed_at = "lost", ctx.now
        ctx.audit("card_lost", member.member_id, card_no=card.card_no)
        ctx.emit("member_card_lost", member_id=member.member_id, card_no=card.card_no)
        return MemberChanged(member_id=member.member_id)

    result = run_action(db, key=key_or_new(key), kind="card_lost", actor=actor,
                        request={"member": member_ref}, body=body,
                        returns=MemberChanged)
    return get(db, result.member_id)


def replace_card(db: Database, member_ref: str, *, actor: str, grant: Grant | None,
                 key: str | None = None) -> MemberView:
    """补卡: a new card number (and QR) for the same member and balance; the old one is dead."""

    def body(ctx: Ctx) -> MemberChanged:
        s, settings = ctx.session, ctx.db.settings
        member = lock(db, s, member_ref)
        _require_open(member)
        record_approval(ctx, grant, kind="card_replace", subject=member.member_id)
        old = s.get(Card, member.card_no)
        assert old is not None
        if old.status == "active":
            old.status = "replaced"
        old.changed_at = ctx.now
        new_no = make_card_no(settings.store_code, int(settings.till_no), next_value(s, "card"))
        s.add(Card(card_no=new_no, member_id=member.member_id, status="active",
                   issued_at=ctx.now, changed_at=ctx.now))
        member.card_no, member.updated_at = new_no, ctx.now
        ctx.audit("card_replaced", member.member_id, old=old.card_no, new=new_no)
        ctx.emit("member_card_replaced", member_id=member.member_id, old_card_no=old.card_no,
                 card_no=new_no)
        return MemberChanged(member_id=member.member_id)

    result = run_action(db, key=key_or_new(key), kind="card_replace", actor=actor,
                        request={"member": member_ref}, body=body,
                        returns=MemberChanged)
    return get(db, result.member_id)


def freeze(db: Database, member_ref: str, *, actor: str, reason: str,
           key: str | None = None) -> MemberView:
    """Freeze: the member is found but can neither spend nor top up until unfrozen."""
    return _set_status(db, member_ref, "frozen", actor=actor, grant=None, key=key,
                       reason=reason)


def unfreeze(db: Database, member_ref: str, *, actor: str, grant: Grant | None,
             key: str | None = None) -> MemberView:
    return _set_status(db, member_ref, "active", actor=actor, grant=grant, key=key, reason="")


def _set_status(db: Database, member_ref: str, status: str, *, actor: str, grant: Grant | None,
                key: str | None, reason: str) -> MemberView:
    def body(ctx: Ctx) -> MemberChanged:
        member = lock(db, ctx.session, member_ref)
        _require_not_closed(member)
        if member.status == status:
            raise Refused("no_change", f"Member is already {status}",
                          variant="frozen" if status == "frozen" else "active")
        if status == "active":
            record_approval(ctx, grant, kind="unfreeze", subject=member.member_id)
        member.status, member.updated_at = status, ctx.now
        ctx.audit(f"member_{'frozen' if status == 'frozen' else 'unfrozen'}", member.member_id,
                  reason=reason)
        ctx.emit("member_status_changed", member_id=member.member_id, status=status)
        return MemberChanged(member_id=member.member_id)

    result = run_action(db, key=key_or_new(key), kind=f"member_{status}", actor=actor,
                        request={"member": member_ref, "reason": reason}, body=body,
                        returns=MemberChanged)
    return get(db, result.member_id)


def _require_not_closed(member: Member) -> None:
    if member.status == "closed":
        raise Refused("member_closed", "This membership is closed")


def _require_open(member: Member) -> None:
    _require_not_closed(member)
    if member.status == "frozen":
        raise Refused("member_frozen", "This member is frozen: a manager must unfreeze first")


require_open = _require_open
