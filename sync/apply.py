"""Applying one downloaded page (``GET /changes``) to the till's database, inside the caller's
write transaction: rules first (a member may name a tier a rule just added), then members.

A member's balance at this till is its own ledger plus the *remote part*: the chain total minus
this till's own contribution (``mine``), both as head office counts them. The remote part lives
in the till's ledgers as ``kind='sync'`` rows; applying a page posts only the difference between
the remote part head office sends and the ``sync`` rows already here, so applying the same page
twice posts nothing the second time. Nothing here writes outbox events: none of it happened at
this till.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, case, delete, func, select
from sqlalchemy.orm import Session

from storeapp import audit, count_rules, ledger
from storeapp.actions import Ctx
from storeapp.db import Database
from storeapp.ids import ActionKey
from storeapp.models import (
    Card,
    CountCard,
    CountEntry,
    Coupon,
    CouponTemplate,
    Member,
    MemberPrompt,
    PointsEntry,
    PointsLot,
    WalletEntry,
)
from storeapp.pii import Ring
from storeapp.pii_orm import GIVEN_BACK, ring_for
from storeapp.sequences import insert_row
from storeapp.services import consents, countcards, coupons, points
from storeapp.services.privacy import ERASED_PREFIX, blank
from sync.rules import BadRule, apply_rule

SYNC_KIND = "sync"
HQ_REF = "hq"
HQ_ACTOR = "hq"
#: Remote points never expire here: the store that earned them expires them (and its expiry
#: comes back as a smaller remote part), so the local expiry job never expires them twice.
NEVER = dt.datetime(9999, 12, 31)
_PROFILE = ("name", "birthday", "gender", "tier", "status", "home_store", "wallet_blocked",
            "merged_into")


@dataclass
class Applied:
    """What one page (or a whole download) changed at this till."""

    members: int = 0
    inserted: int = 0
    rules: int = 0
    blocked: int = 0
    merged: int = 0
    #: Rules this till could not take (unknown setting, bad value), as readable lines.
    skipped: list[str] = field(default_factory=list)

    def add(self, other: Applied) -> None:
        self.members += other.members
        self.inserted += other.inserted
        self.rules += other.rules
        self.blocked += other.blocked
        self.merged += other.merged
        self.skipped += other.skipped


def apply_page(db: Database, session: Session, page: Mapping[str, Any]) -> Applied:
    """Apply ``{"members", "rules", "cursor"}`` in ``session``'s open write transaction."""
    now = db.clock.now()
    applied = Applied()
    for rule in page.get("rules") or ():
        try:
            if apply_rule(db, session, rule, now):
                applied.rules += 1
        except BadRule as bad:
            applied.skipped.append(str(bad))
    version = page.get("rules_version")
    if isinstance(version, int) and version != db.settings.hq_rules_version:
        db.set_setting(session, "hq_rules_version", version)
    ctx = Ctx(db=db, session=session, key=ActionKey(f"sync:{page.get('cursor', '')}"[:64]),
              kind=SYNC_KIND, actor=HQ_ACTOR, now=now)
    # Merged members first (head office sends them first too): they free the phone the
    # survivor takes.
    latest = {m["member_id"]: m for m in page.get("members") or ()}  # once each, the last
    members = sorted(latest.values(), key=lambda m: not m.get("merged_into"))
    held = _current_remote(session, [m["member_id"] for m in members])
    take_member_keys(db, {m["member_id"]: m["key"] for m in members if m.get("key")})
    for data in members:
        member, inserted = _upsert_member(session, data, now)
        _post_remote_part(ctx, member, data, held.get(member.member_id, (0, 0, 0)))
        for card in data.get("count_cards") or ():
            _take_card(ctx, card)
        _take_offers(session, member.member_id, data, now)
        if data.get("consents"):  # given or withdrawn elsewhere: the self-service page, ...
            consents.take_remote(session, member, data["consents"], now)
        applied.members += 1
        applied.inserted += inserted
        applied.blocked += bool(data.get("wallet_blocked"))
        applied.merged += bool(data.get("merged_into"))
    if applied.members or applied.rules:
        audit.append(session, at=now, actor=HQ_ACTOR, action="sync_applied",
                     subject=str(page.get("cursor", ""))[:64],
                     detail={"members": applied.members, "new_members": applied.inserted,
                             "rules": applied.rules})
    return applied


# -- head office's offers: campaign coupons and prompts ----------------------------------------

def _take_offers(s: Session, member_id: str, data: Mapping[str, Any], now: dt.datetime) -> None:
    """The member's head-office coupons (new ones added; one used elsewhere is used here too)
    and campaign prompts (replaced whole: a stopped campaign's prompt goes)."""
    for offer in data.get("coupons") or ():
        code = str(offer["code"])
        coupon = s.get(Coupon, code)
        if coupon is None:
            if offer.get("used") or s.get(CouponTemplate, str(offer["template"])) is None:
                continue  # used already, or a template this till has not got
            s.add(Coupon(code=code, template_code=str(offer["template"]), member_id=member_id,
                         reason=coupons.CAMPAIGN, action_key=ActionKey(f"hq:{code}"),
                         issued_at=now, valid_from=_at(offer["valid_from"]),
                         valid_until=_at(offer["valid_until"])))
        elif offer.get("used") and coupon.used_at is None:
            coupon.used_at, coupon.used_receipt = now, HQ_REF.upper()
    s.execute(delete(MemberPrompt).where(MemberPrompt.member_id == member_id))
    for prompt in data.get("prompts") or ():
        times = prompt.get("points_multiplier")
        s.add(MemberPrompt(member_id=member_id, campaign=str(prompt["campaign"])[:24],
                           text=str(prompt["text"])[:200], until=_at(prompt["until"]),
                           points_multiplier=str(times)[:8] if times else None))


def _at(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)


# -- members ------------------------------------------------------------------------------------

def take_member_keys(db: Database, keys: Mapping[str, str] | None) -> None:
    """Keep the members' own keys head office sent (``member_id → key``): their sealed data here
    is then under the one key an erasure destroys everywhere."""
    for member_id, key in (keys or {}).items():
        if db.pii.keys.get(member_id) is None:
            db.pii.keys.put(member_id, base64.urlsafe_b64decode(key))


def _upsert_member(s: Session, data: Mapping[str, Any], now: dt.datetime) -> tuple[Member, bool]:
    member_id = str(data["member_id"])
    merged = bool(data.get("merged_into"))
    phone = f"merged:{member_id}" if merged else str(data["phone"])
    # A merged member's phone (and so its last four digits) answers for the survivor now.
    _free_phone(s, phone, member_id)
    member = s.get(Member, member_id)
    inserted = member is None
    if member is None:
        member = Member(
            member_id=member_id, card_no=str(data["card_no"]), phone=phone,
            name=str(data["name"]), marketing_consent=False, pin_failed=0, principal_fen=0,
            bonus_fen=0, points=0, home_store=str(data["home_store"]), created_at=now,
            updated_at=now, last_visit_at=now)
        s.add(member)
        s.flush()  # the card and ledger rows below name it
        s.add(Card(card_no=member.card_no, member_id=member_id, status="active", issued_at=now,
                   changed_at=now))
    elif member.phone != phone:
        member.phone = phone
    if member.card_no != data["card_no"]:
        _new_card(s, member, str(data["card_no"]), now)
    changed = False
    for name in _PROFILE:
        value = _profile_value(name, data)
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed = True
    if phone.startswith(ERASED_PREFIX):  # erased at head office: this till's key goes too,
        blank(s, member, now)  # and with it every sealed copy here, backups included
        ring = ring_for(s)
        assert isinstance(ring, Ring)
        ring.keys.destroy(member_id)
    if changed or inserted:
        member.updated_at = now
        if member.status == "closed":
            for card in s.scalars(select(Card).where(Card.member_id == member_id,
                                                     Card.status == "active")):
                card.status, card.changed_at = "closed", now
    s.flush()
    return member, inserted


def _profile_value(name: str, data: Mapping[str, Any]) -> Any:
    value = data.get(name)
    if name == "birthday":
        return dt.date.fromisoformat(value) if value else None
    if name == "wallet_blocked":
        return bool(value)
    if name in ("gender", "merged_into"):
        return value or None
    return str(value)


def _free_phone(s: Session, phone: str, member_id: str) -> None:
    """Phones are unique at the till too. Whoever holds ``phone`` here now lost it at head office
    (a later change moved it; or it was registered here after the last upload and head office
    will merge it): it is parked on ``dup:<id>`` until its own change arrives."""
    key = phone if phone.startswith(GIVEN_BACK) else ring_for(s).phone_key(phone)
    holder = s.scalar(select(Member).where(Member.phone_key == key,
                                           Member.member_id != member_id))
    if holder is not None:
        holder.phone = f"dup:{holder.member_id}"
        s.flush()  # before the new holder's UPDATE: SQLite checks UNIQUE per statement


def _new_card(s: Session, member: Member, card_no: str, now: dt.datetime) -> None:
    """Head office's card number is the member's card now (replaced at another store)."""
    old = s.get(Card, member.card_no)
    if old is not None and old.status == "active":
        old.status, old.changed_at = "replaced", now
    if s.get(Card, card_no) is None:
        s.add(Card(card_no=card_no, member_id=member.member_id, status="active", issued_at=now,
                   changed_at=now))
    member.card_no = card_no


# -- the remote part ----------------------------------------------------------------------------

def _current_remote(s: Session, member_ids: list[str]) -> dict[str, tuple[int, int, int]]:
    """The remote part already posted here: sum of ``sync`` rows per member, in two reads."""
    held: dict[str, tuple[int, int, int]] = {}
    if not member_ids:
        return held
    wallet = s.execute(
        select(WalletEntry.member_id,
               func.sum(case((WalletEntry.bucket == "principal", WalletEntry.amount_fen),
                             else_=0)),
               func.sum(case((WalletEntry.bucket == "bonus", WalletEntry.amount_fen), else_=0)))
        .where(WalletEntry.member_id.in_(member_ids), WalletEntry.kind == SYNC_KIND)
        .group_by(WalletEntry.member_id))
    for member_id, principal, bonus in wallet:
        held[member_id] = (int(principal), int(bonus), 0)
    pts = s.execute(
        select(PointsEntry.member_id, func.sum(PointsEntry.points))
        .where(PointsEntry.member_id.in_(member_ids), PointsEntry.kind == SYNC_KIND)
        .group_by(PointsEntry.member_id))
    for member_id, total in pts:
        principal, bonus, _ = held.get(member_id, (0, 0, 0))
        held[member_id] = (principal, bonus, int(total))
    return held


def _post_remote_part(ctx: Ctx, member: Member, data: Mapping[str, Any],
                      held: tuple[int, int, int]) -> None:
    mine = data.get("mine") or {}
    target = (int(data["principal_fen"]) - int(mine.get("principal_fen", 0)),
              int(data["bonus_fen"]) - int(mine.get("bonus_fen", 0)),
              int(data["points"]) - int(mine.get("points", 0)))
    principal, bonus, pts = (t - h for t, h in zip(target, held, strict=True))
    # Not wallet.post: the chain may be overdrawn (spent at two stores while offline), and the
    # till must show that as it is; head office blocks the wallet until it is settled.
    ledger.post(ctx.session, member, key=ctx.key, at=ctx.now, kind=SYNC_KIND,
                principal_fen=principal, bonus_fen=bonus, ref=HQ_REF)
    if pts > 0:
        lot_id = insert_row(ctx.session, PointsLot, member_id=member.member_id,
                            action_key=ctx.key, earned_points=pts, remaining_points=pts,
                            earned_at=ctx.now, expires_at=NEVER)
        _points_entry(ctx, member, pts, lot_id)
    elif pts < 0:
        _take_points(ctx, member, -pts)


def _take_points(ctx: Ctx, member: Member, wanted: int) -> None:
    """Remote points went down (redeemed or expired elsewhere): take them from remote lots first,
    then from this till's own lots (so the local expiry never expires points spent elsewhere);
    what no lot covers is a bare ``sync`` entry (the member's points may go below zero)."""
    taken = 0
    remote_lots = ctx.session.scalars(
        select(PointsLot).where(PointsLot.member_id == member.member_id,
                                PointsLot.remaining_points > 0, PointsLot.expires_at >= NEVER)
        .order_by(PointsLot.id))
    for lot in list(remote_lots):
        if taken == wanted:
            break
        part = min(lot.remaining_points, wanted - taken)
        taken += points.consume(ctx, member, part, kind=SYNC_KIND, ref=HQ_REF, first_lot=lot.id)
    if taken < wanted:
        taken += points.consume(ctx, member, wanted - taken, kind=SYNC_KIND, ref=HQ_REF)
    if taken < wanted:
        _points_entry(ctx, member, -(wanted - taken), None)


# -- count cards --------------------------------------------------------------------------------

_SYNC_USES = select(func.coalesce(func.sum(CountEntry.uses), 0)).where(
    CountEntry.card_no == bindparam("card_no"), CountEntry.kind == SYNC_KIND)


def _take_card(ctx: Ctx, data: Mapping[str, Any]) -> None:
    """A member's count card as head office has it: made here when sold elsewhere, and its
    uses elsewhere posted as a ``sync`` entry (the chain's uses less this till's own, less what
    earlier pages posted). The entry's value keeps the card's value what its uses left are
    worth (:func:`storeapp.count_rules.value_of`)."""
    s = ctx.session
    card_no = str(data["card_no"])
    card = s.get(CountCard, card_no)
    if card is None:
        card = CountCard(
            card_no=card_no, member_id=str(data["member_id"]),
            product_code=str(data["product_code"]), name=str(data["name"]),
            covers=str(data["covers"]), uses_total=int(data["uses_total"]),
            paid_fen=int(data["paid_fen"]), bonus_fen=int(data["bonus_fen"]),
            method=str(data["method"]), stores=str(data["stores"]),
            offline_uses=int(data["offline_uses"]), uses_left=0, value_fen=0,
            status=str(data["status"]), store_code=str(data["store_code"]),
            action_key=ctx.key, sold_at=dt.datetime.fromisoformat(str(data["sold_at"])),
            expires_at=dt.datetime.fromisoformat(str(data["expires_at"])))
        s.add(card)
        s.flush()
    else:
        card.status = str(data["status"])
    remote = int(data["uses_left"]) - int(data["mine_uses"])
    uses = remote - int(s.connection().scalar(_SYNC_USES, {"card_no": card_no}) or 0)
    value = count_rules.value_of(card.paid_fen, card.uses_total, card.uses_left + uses) \
        - card.value_fen
    if uses or value:
        countcards.post(s, card, key=ctx.key, at=ctx.now, kind=SYNC_KIND, uses=uses,
                        value_fen=value, ref=HQ_REF)


def _points_entry(ctx: Ctx, member: Member, pts: int, lot_id: int | None) -> None:
    ledger.post(ctx.session, member, key=ctx.key, at=ctx.now, kind=SYNC_KIND, points=pts,
                lot_id=lot_id, ref=HQ_REF)
