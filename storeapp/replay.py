"""Writing a till's own events back into its database, as the actions that made them did.

This is how a till that lost events comes back (docs/sync.md, "Continuity and restore"): its
newest good backup, plus every event head office holds that the backup lacks, written back here
in order, plus the events it made after the loss (renumbered after head office's). Each event
gives the rows its action wrote, through the same posting functions the services use (ledger
rows, points lots, payments journal, Z reports), with the event's own time, key and actor.

Audit rows are not made here: they come back verbatim (head office holds the till's audit
chain). Each action is checked as it is written back: the ledger movement it leaves must be
exactly the one its event carried, else :class:`ReplayMismatch` stops the restore.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp import ledger
from storeapp.actions import RESTORED, Ctx, count_deltas, gift_deltas, ledger_deltas
from storeapp.continuity import GENESIS, chain_next, event_digest
from storeapp.ids import ActionKey
from storeapp.models import (
    Action,
    Approval,
    Card,
    Company,
    CountCard,
    Counter,
    Coupon,
    CouponTemplate,
    GiftCard,
    GiftSale,
    Member,
    MemberPlan,
    OutboxEvent,
    PointsEntry,
    PointsLot,
    Refund,
    Sale,
    SaleLine,
    Shift,
    Tender,
    Topup,
)
from storeapp.pii import PERSONAL_FIELDS
from storeapp.sealed_records import put_sealed
from storeapp.sequences import insert_row
from storeapp.services import (
    companies,
    consents,
    countcards,
    coupons,
    giftcards,
    points,
    shifts,
    tiers,
)

if TYPE_CHECKING:
    from storeapp.db import Database


@dataclass(frozen=True)
class StoredEvent:
    """One outbox event as head office (or the till's own file) holds it."""

    seq: int
    event_id: str
    type: str
    created_at: dt.datetime
    payload: str

    @property
    def body(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload)
        return value


class ReplayMismatch(Exception):
    """An action written back did not leave the ledger movement its event carried."""


class Repeated(ReplayMismatch):
    """An action made after the loss that repeats one head office already holds: a till put
    back on an old backup refunded a sale again. Carried over, it would refund the sale twice
    (stored value minted, a refund row the sale cannot have): it is left out, and the restore
    says so, for a manager to settle the money that went out twice."""


@dataclass
class Replayed:
    events: int = 0
    actions: int = 0
    last_seq: int = 0
    #: receipt and card numbers a renumbered (forked) event had to give up: old -> new
    renumbered: dict[str, str] = field(default_factory=dict)
    #: events made after the loss that were not carried over, and why (:class:`Repeated`)
    left_out: list[tuple[str, str]] = field(default_factory=list)


class _Ctx(Ctx):
    """An action's context that writes neither audit rows nor events (both come back as they
    were)."""

    def audit(self, action: str, subject: str, **detail: Any) -> None:
        pass

    def emit(self, event_type: str, **payload: Any) -> None:
        pass


def replay(db: Database, session: Session, events: Iterable[StoredEvent], *,
           renumber: bool = False) -> Replayed:
    """Write ``events`` back in order inside ``session``'s write transaction. ``renumber``: they
    were made after the loss, so they take the next sequence numbers after this database's last
    (each keeps its id and content)."""
    done = Replayed()
    group: list[StoredEvent] = []
    for event in events:
        if group and event.body.get("key") != group[0].body.get("key"):
            _one_action(db, session, group, renumber, done)
            group = []
        group.append(event)
    if group:
        _one_action(db, session, group, renumber, done)
    return done


def _one_action(db: Database, s: Session, group: list[StoredEvent], renumber: bool,
                done: Replayed) -> None:
    if not renumber:  # head office's own events: a repeat there is a mismatch, and stops
        _action(db, s, group, renumber, done)
        return
    savepoint = s.begin_nested()
    try:
        _action(db, s, group, renumber, done)
    except Repeated as repeated:
        savepoint.rollback()
        done.left_out += [(event.event_id, str(repeated)) for event in group]
        return
    savepoint.commit()


def _action(db: Database, s: Session, group: list[StoredEvent], renumber: bool,
            done: Replayed) -> None:
    first = group[0].body
    key = ActionKey(str(first.get("key")))
    ctx = _Ctx(db=db, session=s, key=key, kind=group[0].type, actor=str(first.get("actor", "")),
               now=dt.datetime.fromisoformat(str(first["at"])).replace(tzinfo=None))
    for event in group:
        body = event.body
        handler = _HANDLERS.get(event.type, _unknown)
        handler(ctx, body, done)
        if body.get("consents"):  # a registration's, a profile's or a consent's own entries
            consents.write_back(ctx, _member(ctx, body), body)
        if renumber:  # never sent: it may say the receipt and card numbers it now has
            event = _renumbered(event, done.renumbered)
        _write_event(s, event, renumber, done)
    s.flush()
    wanted = [{k: v for k, v in line.items() if k != "after"} for line in first.get("ledger") or ()]
    got = ledger_deltas(s, key)
    if sorted(wanted, key=lambda x: x["member_id"]) != got:
        raise ReplayMismatch(f"event {group[0].seq} ({group[0].type}, key {key}): its ledger "
                             f"says {wanted}, writing it back gave {got}")
    if [line["uses"] for line in first.get("count") or ()] != [
            line["uses"] for line in count_deltas(s, key)]:
        raise ReplayMismatch(f"event {group[0].seq} ({group[0].type}, key {key}): its count "
                             "cards did not come back as it says")
    if [(x["card_no"], x["amount_fen"]) for x in first.get("gift") or ()] != [
            (x["card_no"], x["amount_fen"]) for x in gift_deltas(s, key)]:
        raise ReplayMismatch(f"event {group[0].seq} ({group[0].type}, key {key}): its gift "
                             "cards did not come back as it says")
    if s.get(Action, key) is None:
        s.add(Action(key=key, kind=group[0].type[:32], request_hash=RESTORED,
                     actor=ctx.actor[:32], created_at=ctx.now, result_json=group[0].payload))
    done.actions += 1


_NUMBERED = ("receipt_no", "card_no", "old_card_no")


def _renumbered(event: StoredEvent, mapping: dict[str, str]) -> StoredEvent:
    body = event.body
    changed = {k: mapping[body[k]] for k in _NUMBERED if isinstance(body.get(k), str)
               and body[k] in mapping}
    if not changed:
        return event
    body.update(changed, renumbered_from={k: event.body[k] for k in changed})
    return StoredEvent(event.seq, event.event_id, event.type, event.created_at,
                       json.dumps(body, ensure_ascii=False, sort_keys=True, default=str))


def _write_event(s: Session, event: StoredEvent, renumber: bool, done: Replayed) -> None:
    last = s.execute(select(OutboxEvent.seq, OutboxEvent.chain)
                     .order_by(OutboxEvent.seq.desc()).limit(1)).first()
    seq_before, chain = (last[0], last[1]) if last else (0, GENESIS)
    seq = seq_before + 1 if renumber else event.seq
    if seq != seq_before + 1:
        raise ReplayMismatch(f"event {event.seq} does not follow the last one here "
                             f"({seq_before}): a gap")
    insert_row(s, OutboxEvent, seq=seq, event_id=event.event_id, type=event.type,
               payload_json=event.payload, created_at=event.created_at,
               chain=chain_next(chain, event_digest(seq, event.event_id, event.type,
                                                    event.payload)))
    done.events += 1
    done.last_seq = seq


# -- by kind of event ------------------------------------------------------------------------

Handler = Callable[[Ctx, dict[str, Any], Replayed], None]


def _member(ctx: Ctx, body: dict[str, Any]) -> Member:
    member = ctx.session.get(Member, str(body["member_id"]))
    if member is None:
        raise ReplayMismatch(f"{body.get('type')}: member {body.get('member_id')} is not here")
    return member


def _post(ctx: Ctx, member: Member, kind: str, principal: int, bonus: int, *,
          method: str | None = None, ref: str | None = None) -> None:
    """A wallet movement as :func:`storeapp.services.wallet.post` writes it (without its
    refusal: what happened, happened, even if it overdrew a stale balance)."""
    ledger.post(ctx.session, member, key=ctx.key, at=ctx.now, kind=kind, principal_fen=principal,
                bonus_fen=bonus, method=method, ref=ref)


def _registered(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s, member_id = ctx.session, str(body["member_id"])
    if s.get(Member, member_id) is not None:
        return
    person = ctx.db.pii.from_event(body)
    phone = person.phone
    holder = s.scalar(select(Member).where(Member.phone_key == ctx.db.pii.phone_key(phone)))
    if holder is not None:  # a member downloaded later took the phone here: it gives it back
        holder.phone = f"dup:{holder.member_id}"
        s.flush()
    card_no = _free_card(s, str(body["card_no"]), done)
    s.add(Member(
        member_id=member_id, card_no=card_no, phone=phone, name=person.name,
        gender=body.get("gender"), birthday=person.birthday,
        marketing_consent=bool(body.get("marketing_consent")),
        tier=tiers.table(ctx.db.settings)[0].code, status="active", pin_failed=0,
        principal_fen=0, bonus_fen=0, points=0, home_store=str(body.get("store") or ""),
        created_at=ctx.now, updated_at=ctx.now, last_visit_at=ctx.now))
    s.flush()
    s.add(Card(card_no=card_no, member_id=member_id, status="active", issued_at=ctx.now,
               changed_at=ctx.now))
    _counter_at_least(s, "card", int(card_no[6:-1]))


def _profile(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member = _member(ctx, body)
    person = ctx.db.pii.from_event(body) if body.get("personal") else None
    for name, value in (body.get("fields") or {}).items():
        if name in PERSONAL_FIELDS:
            if person is None:
                continue
            value = getattr(person, name)
        setattr(member, name, value)
    member.updated_at = ctx.now


def _erased(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    """An erasure written back: the key is gone already (it was destroyed with the erasure, and
    head office has none to send), so the member's row is blanked as the erasure left it."""
    from storeapp.services.privacy import blank

    blank(ctx.session, _member(ctx, body), ctx.now)
    ctx.db.pii.keys.destroy(str(body["member_id"]))


def _pin(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member = _member(ctx, body)
    if body.get("pin_hash"):  # events from before it travelled cannot bring the PIN back
        member.pin_hash, member.pin_failed = str(body["pin_hash"]), 0


def _card_lost(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    card = ctx.session.get(Card, str(body["card_no"]))
    if card is not None:
        card.status, card.changed_at = "lost", ctx.now


def _card_replaced(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s, member = ctx.session, _member(ctx, body)
    old = s.get(Card, str(body["old_card_no"]))
    if old is not None:
        if old.status == "active":
            old.status = "replaced"
        old.changed_at = ctx.now
    card_no = _free_card(s, str(body["card_no"]), done)
    s.add(Card(card_no=card_no, member_id=member.member_id, status="active",
               issued_at=ctx.now, changed_at=ctx.now))
    member.card_no, member.updated_at = card_no, ctx.now
    _counter_at_least(s, "card", int(card_no[6:-1]))


def _status(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member = _member(ctx, body)
    member.status, member.updated_at = str(body["status"]), ctx.now


def _tier(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member = _member(ctx, body)
    before, member.tier = member.tier, str(body["tier"])
    tiers.record_change(ctx, member.member_id, before, member.tier,
                        "review" if body.get("by") == "review" else "checkout")


def _topped_up(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member = _member(ctx, body)
    principal, bonus, method = int(body["principal_fen"]), int(body["bonus_fen"]), body["method"]
    _post(ctx, member, "topup", principal, bonus, method=method, ref=ctx.key)
    shifts.record_payment(ctx, "topup", method, principal)
    topup = Topup(key=ctx.key, member_id=member.member_id, principal_fen=principal,
                  bonus_fen=bonus, method=method, cashier=ctx.actor, created_at=ctx.now,
                  agreement_version=body.get("agreement_version"),
                  agreement_sha256=body.get("agreement_sha256"),
                  company=bool(body.get("company")))
    put_sealed(topup, "payer_account", body.get("payer_account"))
    ctx.session.add(topup)
    member.last_visit_at = ctx.now


def _voided(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member, s = _member(ctx, body), ctx.session
    original = s.get(Topup, str(body["topup_key"]))
    method = original.method if original is not None else "cash"
    _approved(ctx, body, "topup_void", str(body["topup_key"]))
    _post(ctx, member, "topup_void", -int(body["principal_fen"]), -int(body["bonus_fen"]),
          method=method, ref=str(body["topup_key"]))
    shifts.record_payment(ctx, "topup_void", method, -int(body["principal_fen"]))
    if original is not None:
        original.voided_by = ctx.key


def _closed(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s, member = ctx.session, _member(ctx, body)
    _approved(ctx, body, "account_close", member.member_id)
    paid, forfeit, method = (int(body["refund_principal_fen"]), int(body["forfeit_bonus_fen"]),
                             str(body["method"]))
    _post(ctx, member, "close_refund", -paid, 0, method=method)
    _post(ctx, member, "bonus_forfeit", 0, -forfeit)
    shifts.record_payment(ctx, "close", method, -paid)
    member.status = "closed"
    for card in s.scalars(select(Card).where(Card.member_id == member.member_id,
                                             Card.status == "active")):
        card.status, card.changed_at = "closed", ctx.now


def _adjusted(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member = _member(ctx, body)
    _approved(ctx, body, "wallet_adjust", member.member_id)
    _post(ctx, member, "adjustment", int(body["principal_fen"]), int(body["bonus_fen"]))


def _points_adjusted(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member = _member(ctx, body)
    _approved(ctx, body, "points_adjust", member.member_id)
    amount = int(body["points"])
    if amount > 0:
        points.earn(ctx, member, amount, ref="adjustment")
    else:
        _take(ctx, member, -amount, kind="adjustment", ref="adjustment")


def _expired(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    """Each member's lots that were due at that moment, as much as the event says expired."""
    s = ctx.session
    for line in body.get("ledger") or ():
        member = _member(ctx, {"member_id": line["member_id"], "type": body.get("type")})
        wanted = -int(line["points"])
        for lot in s.scalars(select(PointsLot).where(
                PointsLot.member_id == member.member_id, PointsLot.expires_at <= ctx.now,
                PointsLot.remaining_points > 0).order_by(PointsLot.expires_at, PointsLot.id)):
            part = min(lot.remaining_points, wanted)
            if part <= 0:
                break
            lot.remaining_points -= part
            points.entry(ctx, member, "expire", -part, lot.id, None)
            wanted -= part
        if wanted > 0:
            points.entry(ctx, member, "expire", -wanted, None, None)


def _take(ctx: Ctx, member: Member, wanted: int, *, kind: str, ref: str,
          first_lot: int | None = None) -> None:
    """Take ``wanted`` points oldest lot first; what the lots here do not hold (points that came
    from head office are posted again by the next download) is a bare entry, so the member's
    points are what the event says."""
    taken = points.consume(ctx, member, wanted, kind=kind, ref=ref, first_lot=first_lot)
    if taken < wanted:
        points.entry(ctx, member, kind, -(wanted - taken), None, ref)


def _give_back(ctx: Ctx, member: Member, sale_key: str, wanted: int, ref: str) -> None:
    """The points a sale redeemed, back to the lots they came from (bare when none)."""
    for redeemed in ctx.session.scalars(select(PointsEntry).where(
            PointsEntry.action_key == sale_key, PointsEntry.kind == "redeem")):
        part = min(-redeemed.points, wanted)
        if part <= 0:
            break
        lot = ctx.session.get(PointsLot, redeemed.lot_id) if redeemed.lot_id else None
        if lot is not None:
            lot.remaining_points += part
        points.entry(ctx, member, "return", part, lot.id if lot else None, ref)
        wanted -= part
    if wanted > 0:
        points.entry(ctx, member, "return", wanted, None, ref)


def _sale(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s = ctx.session
    member = _member(ctx, body) if body.get("member_id") else None
    receipt_no = str(body["receipt_no"])
    if s.scalar(select(Sale.id).where(Sale.receipt_no == receipt_no)) is not None:
        new_no = _next_receipt(ctx)
        done.renumbered[receipt_no] = new_no
        receipt_no = new_no
    _counter_at_least(s, "receipt", int(receipt_no[-7:]))
    money = {k: body[k] for k in ("subtotal_fen", "discount_fen", "coupon_code", "coupon_fen",
                                  "points_redeemed", "points_fen", "total_fen")}
    sale_id = insert_row(
        s, Sale, receipt_no=receipt_no, action_key=ctx.key,
        member_id=member.member_id if member else None, cashier=ctx.actor,
        store_code=str(body.get("store")), till_no=int(body.get("till") or 1), **money,
        points_earned=int(body["points_earned"]), status="completed", created_at=ctx.now,
        staff_code=body.get("staff_code"),
        staff_discount_fen=int(body.get("staff_discount_fen", 0)))
    for no, line in enumerate(body["lines"], start=1):
        insert_row(s, SaleLine, sale_id=sale_id, line_no=no, barcode=line.get("barcode"),
                   name=line["name"], qty=line["qty"], unit_price_fen=line["unit_price_fen"],
                   amount_fen=line["amount_fen"])
    if body.get("price_overrides"):
        _approved(ctx, body, "price_override", receipt_no)
    for tender in body["tenders"]:
        insert_row(s, Tender, sale_id=sale_id, method=tender["method"],
                   amount_fen=tender["amount_fen"], tendered_fen=tender["tendered_fen"],
                   change_fen=tender["change_fen"], principal_fen=tender["principal_fen"],
                   bonus_fen=tender["bonus_fen"], ref=tender.get("ref"))
        if tender["method"] == "wallet" and member is not None:
            _post(ctx, member, "spend", -int(tender["principal_fen"]),
                  -int(tender["bonus_fen"]), ref=receipt_no)
        if tender["method"] == "giftcard":
            _gift_moved(ctx, body, str(tender["ref"]), "spend", receipt_no)
        if tender["method"] == "account":
            _company_moved(ctx, str(tender["ref"]), int(tender["amount_fen"]), receipt_no)
        shifts.record_payment(ctx, "sale", tender["method"], int(tender["amount_fen"]))
    if body.get("coupon_code") and s.get(Coupon, body["coupon_code"]) is not None:
        coupons.mark_used(ctx, str(body["coupon_code"]), receipt_no)
    if member is not None:
        if body["points_redeemed"]:
            _take(ctx, member, int(body["points_redeemed"]), kind="redeem", ref=receipt_no)
        points.earn(ctx, member, int(body["points_earned"]), ref=receipt_no)
        member.last_visit_at = ctx.now


def _refunded(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s = ctx.session
    receipt_no = done.renumbered.get(str(body["receipt_no"]), str(body["receipt_no"]))
    sale = s.scalar(select(Sale).where(Sale.receipt_no == receipt_no))
    if sale is None:
        raise ReplayMismatch(f"refund of {receipt_no}: the sale is not here")
    if sale.status == "refunded":
        raise Repeated(f"refund of {receipt_no} ({body.get('at')}): the sale was refunded "
                       "already, before the loss; this second refund was not carried over")
    approval_id = _approved(ctx, body, "refund", receipt_no)
    member = s.get(Member, sale.member_id) if sale.member_id else None
    for tender in body["tenders"]:
        if tender["method"] == "wallet" and member is not None:
            _post(ctx, member, "spend_refund", int(tender["principal_fen"]),
                  int(tender["bonus_fen"]), ref=receipt_no)
        if tender["method"] == "giftcard":
            card_no = next(str(x["card_no"]) for x in body.get("gift") or ())
            _gift_moved(ctx, body, card_no, "spend_refund", receipt_no)
        if tender["method"] == "account":
            code = s.scalar(select(Tender.ref).where(Tender.sale_id == sale.id,
                                                     Tender.method == "account"))
            _company_moved(ctx, str(code), -int(tender["amount_fen"]), receipt_no)
        shifts.record_payment(ctx, "refund", tender["method"], -int(tender["amount_fen"]))
    if member is not None:
        earned_lot = s.scalar(select(PointsLot.id).where(PointsLot.action_key == sale.action_key))
        _take(ctx, member, int(body["points_clawed_back"]), kind="clawback", ref=receipt_no,
              first_lot=earned_lot)
        _give_back(ctx, member, sale.action_key, int(body["points_returned"]), receipt_no)
    if sale.coupon_code and body.get("coupon_restored"):
        coupons.restore(ctx, sale.coupon_code)
    sale.status = "refunded"
    s.add(Refund(sale_id=sale.id, action_key=ctx.key, amount_fen=sale.total_fen,
                 approval_id=approval_id, cashier=ctx.actor, created_at=ctx.now))


def _coupon(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s = ctx.session
    if s.get(Coupon, str(body["code"])) is not None:
        return
    start = dt.datetime.fromisoformat(str(body.get("valid_from") or ctx.now.isoformat()))
    until = body.get("valid_until")
    if until is None:  # events from before it travelled: the template's validity
        template = s.get(CouponTemplate, str(body["template"]))
        until = (start + dt.timedelta(days=template.valid_days if template else 30)).isoformat()
    s.add(Coupon(code=str(body["code"]), template_code=str(body["template"]),
                 member_id=body.get("member_id"), reason=str(body.get("reason") or "manual"),
                 action_key=ctx.key, issued_at=ctx.now, valid_from=start,
                 valid_until=dt.datetime.fromisoformat(str(until))))


def _plan(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    member = _member(ctx, body)
    method, fee = str(body["method"]), int(body["fee_fen"])
    line = next(iter(body.get("ledger") or ()), None)
    if method == "wallet" and line is not None:
        _post(ctx, member, "spend", int(line["principal_fen"]), int(line["bonus_fen"]),
              ref=ctx.key)
    shifts.record_payment(ctx, "plan", method, fee)
    ctx.session.add(MemberPlan(
        member_id=member.member_id, plan_code=str(body["plan"]), action_key=ctx.key,
        fee_fen=fee, method=method, starts_at=dt.datetime.fromisoformat(body["starts_at"]),
        expires_at=dt.datetime.fromisoformat(body["expires_at"])))


def _shift_opened(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s = ctx.session
    shift_id = int(body["shift_id"])
    ctx.session.add(Shift(id=None if s.get(Shift, shift_id) else shift_id,
                          till_no=ctx.db.settings.till_no, opened_by=ctx.actor,
                          opened_at=ctx.now, float_fen=int(body["float_fen"])))
    s.flush()


def _shift_closed(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s = ctx.session
    shift = s.scalar(select(Shift).where(Shift.till_no == ctx.db.settings.till_no,
                                         Shift.closed_at.is_(None)))
    if shift is None:
        raise ReplayMismatch(f"shift close Z {body.get('z_no')}: no open shift here")
    z_no = int(body["z_no"])
    shifts.freeze(ctx, shift, int(body["counted_fen"]), z_no)
    _counter_at_least(s, f"z:{ctx.db.settings.till_no}", z_no)


# -- count cards (the ``count`` lines carry each card's uses and value as posted) ---------------

def _countcard_sold(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s, member = ctx.session, _member(ctx, body)
    card_no, method = str(body["card_no"]), str(body["method"])
    line = next(iter(body.get("ledger") or ()), None)
    if method == "wallet" and line is not None:
        _post(ctx, member, "spend", int(line["principal_fen"]), int(line["bonus_fen"]),
              ref=ctx.key)
    shifts.record_payment(ctx, "countcard", method, int(body["paid_fen"]))
    if s.get(CountCard, card_no) is None:
        s.add(CountCard(
            card_no=card_no, member_id=member.member_id, product_code=str(body["product"]),
            name=str(body["name"]), covers=str(body["covers"]), uses_total=int(body["uses"]),
            paid_fen=int(body["paid_fen"]), bonus_fen=int(body.get("bonus_fen") or 0),
            method=method, stores=str(body.get("stores") or ""),
            offline_uses=int(body.get("offline_uses") or 0), uses_left=0, value_fen=0,
            status="active", store_code=str(body["store"]), action_key=ctx.key,
            sold_at=ctx.now, expires_at=dt.datetime.fromisoformat(str(body["expires_at"]))))
        s.flush()
    _counter_at_least(s, "count_card", int(card_no[7:14]))
    _count_lines(ctx, body, "sale")


def _countcard_used(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    _count_lines(ctx, body, "use")
    _member(ctx, body).last_visit_at = ctx.now


def _countcard_refunded(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    card_no, method = str(body["card_no"]), str(body["method"])
    _approved(ctx, body, "countcard_refund", card_no)
    _count_lines(ctx, body, "refund")
    for line in body.get("ledger") or ():  # given back to stored value
        _post(ctx, _member(ctx, line), "countcard_refund", int(line["principal_fen"]),
              int(line["bonus_fen"]), ref=card_no)
    shifts.record_payment(ctx, "countcard_refund", method, -int(body["refund_fen"]))
    card = ctx.session.get(CountCard, card_no)
    if card is not None:
        card.status = "refunded"


def _countcard_adjusted(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    _approved(ctx, body, "countcard_adjust", str(body["card_no"]))
    _count_lines(ctx, body, "adjust")


def _countcards_expired(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    _count_lines(ctx, body, "expire")


def _count_lines(ctx: Ctx, body: dict[str, Any], kind: str) -> None:
    for line in body.get("count") or ():
        card = ctx.session.get(CountCard, str(line["card_no"]))
        if card is None:
            raise ReplayMismatch(f"{body.get('type')}: count card {line['card_no']} is not here")
        countcards.post(ctx.session, card, key=ctx.key, at=ctx.now, kind=kind,
                        uses=int(line["uses"]), value_fen=int(line["value_fen"]), ref=None)


# -- company accounts (a sale's ``account`` tender names the company) ----------------------------

def _company_added(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    if ctx.session.get(Company, str(body["code"])) is not None:
        return
    company = Company(
        code=str(body["code"]), name=str(body["name"]),
        credit_limit_fen=int(body["credit_limit_fen"]), terms_days=int(body["terms_days"]),
        status="active", balance_fen=0, action_key=ctx.key, created_at=ctx.now)
    for name in ("contact_name", "contact_phone"):
        put_sealed(company, name, body.get(name))
    ctx.session.add(company)
    ctx.session.flush()


def _company_paid(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    company = _company(ctx, str(body["code"]))
    amount, method = int(body["amount_fen"]), str(body["method"])
    companies.post(ctx.session, company, key=ctx.key, at=ctx.now, kind="payment",
                   amount_fen=-amount, method=method, ref=body.get("ref"))
    shifts.record_payment(ctx, "company_payment", method, amount)


def _company_moved(ctx: Ctx, code: str, amount_fen: int, receipt_no: str) -> None:
    """A sale's charge on account (a refund's: negative)."""
    companies.post(ctx.session, _company(ctx, code), key=ctx.key, at=ctx.now, kind="charge",
                   amount_fen=amount_fen, method=None, ref=receipt_no)


def _company(ctx: Ctx, code: str) -> Company:
    company = ctx.session.get(Company, code)
    if company is None:
        raise ReplayMismatch(f"company {code} is not here")
    return company


# -- gift cards (the ``gift`` lines carry each card's money and balance after) -------------------

def _giftcards_sold(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    s = ctx.session
    face, method = int(body["face_fen"]), str(body["method"])
    expires = dt.datetime.fromisoformat(str(body["expires_at"]))
    shifts.record_payment(ctx, "giftcard", method, int(body["total_fen"]))
    sale = GiftSale(action_key=ctx.key, cards=len(body["cards"]), face_fen=face,
                    total_fen=int(body["total_fen"]), method=method,
                    company=bool(body.get("company")), cashier=ctx.actor, created_at=ctx.now)
    for name in ("buyer_name", "payer_account"):
        put_sealed(sale, name, body.get(name))
    s.add(sale)
    for item in body["cards"]:
        card_no = str(item["card_no"])
        if s.get(GiftCard, card_no) is None:
            s.add(GiftCard(card_no=card_no, face_fen=face, balance_fen=0, status="active",
                           store_code=str(body["store"]), action_key=ctx.key, sold_at=ctx.now,
                           expires_at=expires))
        _counter_at_least(s, "gift_card", int(card_no[7:14]))
    s.flush()
    for item in body["cards"]:
        card = s.get(GiftCard, str(item["card_no"]))
        assert card is not None
        giftcards.post(s, card, key=ctx.key, at=ctx.now, kind="sale", amount_fen=face, ref=None)


def _gift_moved(ctx: Ctx, body: dict[str, Any], card_no: str, kind: str, ref: str) -> None:
    """A sale's or refund's gift-card movement as its ``gift`` line says; a card first seen
    in it comes back as the till first knew it (its balance before the movement)."""
    line = next((x for x in body.get("gift") or () if x["card_no"] == card_no), None)
    if line is None:
        raise ReplayMismatch(f"{body.get('type')}: gift card {card_no} moved no money")
    s, amount = ctx.session, int(line["amount_fen"])
    card = s.get(GiftCard, card_no)
    if card is None:
        before = int(line["after"]) - amount
        card = GiftCard(card_no=card_no, face_fen=before, balance_fen=0, status="active",
                        store_code=card_no[1:5], action_key=ctx.key, sold_at=ctx.now,
                        expires_at=ctx.now + dt.timedelta(days=3 * 366))
        s.add(card)
        s.flush()
        giftcards.post(s, card, key=ctx.key, at=ctx.now, kind="known", amount_fen=before,
                       ref="qr")
    giftcards.post(s, card, key=ctx.key, at=ctx.now, kind=kind, amount_fen=amount, ref=ref)


def _rules_of_a_lone_till(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    """A coupon template or plan the till declared before it joined a chain: head office sends
    the chain's own after the restore."""


def _unknown(ctx: Ctx, body: dict[str, Any], done: Replayed) -> None:
    """An event of a kind this version does not write back: its ledger movement still is."""
    for line in body.get("ledger") or ():
        member = _member(ctx, {"member_id": line["member_id"], "type": body.get("type")})
        _post(ctx, member, str(body.get("type"))[:24], int(line["principal_fen"]),
              int(line["bonus_fen"]))
        if int(line["points"]) > 0:
            points.earn(ctx, member, int(line["points"]), ref=str(body.get("type")))
        elif int(line["points"]) < 0:
            points.consume(ctx, member, -int(line["points"]), kind="adjustment",
                           ref=str(body.get("type")))


# -- helpers -----------------------------------------------------------------------------------

def _approved(ctx: Ctx, body: dict[str, Any], kind: str, subject: str) -> int:
    approval = body.get("approval") or {}
    row = Approval(kind=kind, subject=subject[:64], requested_by=ctx.actor[:16],
                   approved_by=str(approval.get("approved_by") or "?")[:16],
                   reason=str(approval.get("reason") or "")[:200], action_key=ctx.key,
                   created_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    return row.id


def _counter_at_least(s: Session, name: str, value: int) -> None:
    counter = s.get(Counter, name)
    if counter is None:
        s.add(Counter(name=name, value=value))
    elif counter.value < value:
        counter.value = value
    s.flush()


def _next_receipt(ctx: Ctx) -> str:
    from storeapp.sequences import next_value

    settings = ctx.db.settings
    return (f"R{int(settings.store_code):04d}{settings.till_no:02d}"
            f"{next_value(ctx.session, 'receipt'):07d}")


def _free_card(s: Session, card_no: str, done: Replayed) -> str:
    """``card_no``, or the next of this till's when a lost event had taken it already."""
    if s.get(Card, card_no) is None:
        return card_no
    from storeapp.identity import make_card_no
    from storeapp.sequences import next_value

    new_no = make_card_no(card_no[:4], int(card_no[4:6]), next_value(s, "card"))
    done.renumbered[card_no] = new_no
    return new_no


_HANDLERS: dict[str, Handler] = {
    "member_registered": _registered, "member_profile_updated": _profile,
    "member_pin_set": _pin, "member_card_lost": _card_lost,
    "member_card_replaced": _card_replaced, "member_status_changed": _status,
    "member_closed": _closed, "member_tier_changed": _tier, "member_erased": _erased,
    "wallet_topped_up": _topped_up, "wallet_topup_voided": _voided,
    "wallet_adjusted": _adjusted, "points_adjusted": _points_adjusted,
    "points_expired": _expired, "sale_completed": _sale, "sale_refunded": _refunded,
    "coupon_issued": _coupon, "plan_bought": _plan, "shift_opened": _shift_opened,
    "shift_closed": _shift_closed, "coupon_template_added": _rules_of_a_lone_till,
    "plan_saved": _rules_of_a_lone_till, "countcard_sold": _countcard_sold,
    "countcard_used": _countcard_used, "countcard_refunded": _countcard_refunded,
    "countcard_adjusted": _countcard_adjusted, "countcards_expired": _countcards_expired,
    "giftcards_sold": _giftcards_sold,
    "company_added": _company_added, "company_paid": _company_paid,
}
