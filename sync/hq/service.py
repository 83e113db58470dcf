"""Head office's operations besides ingest: stores and tokens, authentication, the download
cursor, spend holds, day totals from tills, members, rules."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import and_, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from storeapp.identity import normalize_phone
from storeapp.money import format_fen
from sync.hq import campaigns, consents, member_keys
from sync.hq import models as m
from sync.hq.apply_cards import card_out
from sync.hq.db import (
    RENUMBER_MARGIN,
    HqDatabase,
    change_watermark,
    next_change_no,
    numbering,
    utcnow,
)
from sync.hq.db import renumber as start_numbering
from sync.hq.errors import HqRefusal, log_refusal
from sync.hq.figures import StoreSync, store_syncs
from sync.hq.movements import change_log
from sync.protocol import WINDOW_SECONDS, signature_ok, token_hash

HOLD_MINUTES = 10
#: The largest number head office stores (BIGINT, with room): larger is a malformed request.
BIGGEST = 2**62
RULE_KINDS = ("setting", "product", "coupon_template", "plan", "card_product")


# -- stores ----------------------------------------------------------------------------------

def add_store(hq: HqDatabase, code: str, name: str, now: dt.datetime) -> dict[str, str]:
    """A new store and its token; the token is shown this once and only its hash is kept."""
    if not (code.isdigit() and len(code) == 4):
        raise HqRefusal(422, "bad_store_code", "store code must be 4 digits, e.g. 0002")
    token = secrets.token_urlsafe(32)
    with hq.transaction() as s:
        if s.scalar(select(m.Store.id).where(m.Store.code == code)) is not None:
            raise HqRefusal(409, "store_exists", f"store {code} already exists")
        s.add(m.Store(code=code, name=name, token_hash=token_hash(token), created_at=now))
    return {"store_code": code, "name": name, "token": token}


def revoke_store(hq: HqDatabase, code: str, now: dt.datetime) -> dict[str, Any]:
    with hq.transaction() as s:
        store = s.scalar(select(m.Store).where(m.Store.code == code))
        if store is None:
            raise HqRefusal(404, "unknown_store", f"no store {code}")
        store.revoked_at = store.revoked_at or now
        return {"store_code": code, "revoked_at": store.revoked_at.isoformat()}


def rotate_token(hq: HqDatabase, code: str, now: dt.datetime) -> dict[str, str]:
    """A new token for a store (after a revoke, or a till replaced): the old one stops working."""
    token = secrets.token_urlsafe(32)
    with hq.transaction() as s:
        store = s.scalar(select(m.Store).where(m.Store.code == code))
        if store is None:
            raise HqRefusal(404, "unknown_store", f"no store {code}")
        store.token_hash, store.revoked_at = token_hash(token), None
    return {"store_code": code, "name": store.name, "token": token}


def store_info(hq: HqDatabase, store: m.Store, now: dt.datetime) -> dict[str, Any]:
    """``GET /store``: who the token's store is, and the chain's QR secret, which a till takes
    when it joins or is restored (docs/sync.md, "The chain's QR secret")."""
    return {"store_code": store.code, "name": store.name, "server_time": now.isoformat(),
            "qr_secret": hq.retrying(lambda s: chain_secret(s, now)),
            "member_key_public": member_keys.public_key(hq)}


def chain_secret(s: Session, now: dt.datetime) -> str:
    """The chain's QR secret (made by migration 0008; made here should it be missing)."""
    row = s.get(m.Secret, "qr")
    if row is None:
        row = m.Secret(name="qr", value=secrets.token_hex(32), created_at=now)
        s.add(row)
        s.flush()
    return row.value


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query string
    body: bytes
    authorization: str
    timestamp: str
    signature: str


def authenticate(hq: HqDatabase, request: Request, now: dt.datetime) -> m.Store:
    """The store whose token signed this request, or a logged refusal."""
    store_code = None
    try:
        token = request.authorization.removeprefix("Bearer ").strip()
        if not token or not request.authorization.startswith("Bearer "):
            raise HqRefusal(401, "bad_token", "no store token")
        with hq.transaction() as s:
            store = s.scalar(select(m.Store).where(m.Store.token_hash == token_hash(token)))
        if store is None:
            raise HqRefusal(401, "bad_token", "unknown store token")
        store_code = store.code
        if store.revoked_at is not None:
            raise HqRefusal(401, "revoked", f"the token of store {store.code} was revoked")
        if not signature_ok(token, request.timestamp, request.method, request.path,
                            request.body, request.signature):
            raise HqRefusal(401, "bad_signature", "the request's signature does not match")
        try:
            sent = int(request.timestamp)
        except ValueError:
            raise HqRefusal(401, "stale_request", "no send time") from None
        if abs(now.replace(tzinfo=dt.UTC).timestamp() - sent) > WINDOW_SECONDS:
            raise HqRefusal(401, "stale_request",
                            f"sent {sent}, more than {WINDOW_SECONDS} s from head office's "
                            "clock (replayed, or the till's clock is wrong)")
        return store
    except HqRefusal as refusal:
        log_refusal(hq, store_code, refusal, now, f"{request.method} {request.path}: "
                    f"{refusal.message}")
        raise


# -- download --------------------------------------------------------------------------------

class Cursor(NamedTuple):
    """Where a till's download stands: the last change number and member it took, the last
    rules change, and the numbering they are in (:func:`sync.hq.db.renumber`)."""

    change: int = 0
    member_id: str = ""
    rules: int = 0
    numbering: int = 0

    def text(self) -> str:
        """``"<change_no>:<member_id>:<rules change_no>"``, and ``":<numbering>"`` once head
        office has renumbered (a till stores it as it came)."""
        head = f"{self.change}:{self.member_id}:{self.rules}"
        return f"{head}:{self.numbering}" if self.numbering else head


def parse_cursor(cursor: str) -> Cursor:
    """A cursor :meth:`Cursor.text` made; empty means from the start."""
    if not cursor:
        return Cursor()
    try:
        change, member_id, rules, *numbering = cursor.split(":")
        if len(numbering) > 1:
            raise ValueError(cursor)
        parsed = Cursor(int(change), member_id, int(rules), int(numbering[0]) if numbering else 0)
    except ValueError:
        raise HqRefusal(422, "bad_cursor",
                        f"cursor {cursor!r} is not one head office gave") from None
    if not (0 <= parsed.change <= BIGGEST and 0 <= parsed.rules <= BIGGEST
            and 0 <= parsed.numbering <= BIGGEST and len(member_id) <= 36):
        raise HqRefusal(422, "bad_cursor", f"cursor {cursor!r} is not one head office gave")
    return parsed


def _from_here(session: Session, store: m.Store, till_no: int, cursor: Cursor,
               below: int) -> Cursor:
    """The cursor to read after: ``cursor``, or the start for one of an earlier numbering.

    A cursor head office cannot have given shows its database went back in time (restored
    from a backup, a standby promoted) and was not renumbered: later than the last one given
    to this till, at or past the watermark, or of a numbering not yet made. Reading on would
    skip what the numbers it gives again carry, so it is refused until someone renumbers."""
    current = numbering(session)
    if cursor.numbering < current:
        return Cursor(numbering=current)
    given = session.get(m.TillDownload, (store.id, till_no))
    last = parse_cursor(given.cursor) if given is not None else None
    if cursor.numbering > current or max(cursor.change, cursor.rules) >= below or (
            last is not None and last.numbering == current and _later(cursor, last)):
        raise HqRefusal(409, "numbering_went_back",
                        "head office's database went back in time (restored from a backup, or "
                        "a standby promoted): this till has changes it no longer holds. Run "
                        "storeapp-hq renumber; until then downloads wait",
                        flag={"cursor": cursor.text(), "last_given": given and given.cursor,
                              "below": below, "numbering": current, "till_no": till_no,
                              "till_numbering": cursor.numbering},
                        flag_once=True)
    return cursor


def _later(cursor: Cursor, last: Cursor) -> bool:
    """Whether ``cursor`` is past ``last`` in members or in rules (every cursor head office
    gives a till is at or past the ones before it in both)."""
    return (cursor.change, cursor.member_id) > (last.change, last.member_id) \
        or cursor.rules > last.rules


def _given(session: Session, store: m.Store, till_no: int, cursor: Cursor,
           now: dt.datetime) -> None:
    """Remember how far head office has taken the till: the furthest of the cursors given, in
    members and in rules apart (two downloads of one till may overlap: a "sync now" while the
    timer's runs, and commit in either order). Written last: on PostgreSQL a download takes a
    transaction id, which holds every reader's watermark back, only from here to its commit."""
    ins = (postgresql.insert(m.TillDownload) if session.get_bind().dialect.name == "postgresql"
           else sqlite.insert(m.TillDownload))
    session.execute(ins.values(store_id=store.id, till_no=till_no, cursor=cursor.text(), at=now)
                    .on_conflict_do_nothing())
    row = session.get(m.TillDownload, (store.id, till_no), with_for_update=True,
                      populate_existing=True)
    assert row is not None
    row.cursor, row.at = _furthest(parse_cursor(row.cursor), cursor).text(), now


def _furthest(one: Cursor, other: Cursor) -> Cursor:
    if one.numbering != other.numbering:
        return max(one, other, key=lambda c: c.numbering)
    change, member_id = max((one.change, one.member_id), (other.change, other.member_id))
    return Cursor(change, member_id, max(one.rules, other.rules), one.numbering)


#: finds members' own keys by member id (sync.hq.member_keys.kept, bound to head office)
KeysOf = Callable[[list[str]], dict[str, bytes]]


def changes(session: Session, store: m.Store, till_no: int, cursor: str,
            limit: int, now: dt.datetime | None = None, keys: KeysOf | None = None,
            ) -> dict[str, Any]:
    """Members and rules changed after ``cursor``, in server order, each with what this till
    itself contributed to the member's balance (``mine``).

    A page never ends inside one change number (so a merge's two members travel together), and
    merged members come first in a page so the till frees their phone before the survivor.
    ``keys`` finds the members' own keys (:mod:`sync.hq.member_keys`), sent with them so every
    till seals a member's data under the one key erasure destroys."""
    limit = max(1, min(limit, 5000))
    mine, log = m.MemberStore, m.MemberChange
    # only changes no transaction still running can slip in under (sync.hq.db)
    below = change_watermark(session)
    change, after_member, rules_after, numbered = _from_here(
        session, store, till_no, parse_cursor(cursor), below)
    # the change log in server order, each row kept only while it is its member's latest
    query = (
        select(m.Member, mine.principal_fen, mine.bonus_fen, mine.points)
        .select_from(log)
        .join(m.Member, and_(m.Member.member_id == log.member_id,
                             m.Member.change_no == log.change_no))
        .outerjoin(mine, and_(mine.member_id == m.Member.member_id,
                              mine.store_code == store.code, mine.till_no == till_no))
        .order_by(log.change_no, log.member_id))
    rows = list(session.execute(query.where(
        tuple_(log.change_no, log.member_id) > tuple_(change, after_member),
        log.change_no < below).limit(limit)).all())
    more = len(rows) == limit
    if more:  # finish the last change number, however many members it touched
        last = rows[-1][0]
        rows += session.execute(query.where(
            log.change_no == last.change_no, log.member_id > last.member_id)).all()
    member_keys.ring(session).prefetch(row.member_id for row, *_ in rows)
    members = [_member_out(row, (p, b, pts)) for row, p, b, pts in rows]
    _attach_cards(session, members, store.code, till_no)
    _attach_offers(session, members, now or utcnow())
    _attach_consents(session, members)
    members.sort(key=lambda x: x["merged_into"] is None)
    if rows:
        change, after_member = rows[-1][0].change_no, rows[-1][0].member_id
    rules = session.scalars(select(m.Rule).where(m.Rule.change_no > rules_after,
                                                 m.Rule.change_no < below)
                            .order_by(m.Rule.change_no, m.Rule.kind, m.Rule.key)).all()
    out_rules = [{"kind": r.kind, "key": r.key,
                  "value": None if r.value_json is None else json.loads(r.value_json)}
                 for r in rules]
    if rules:
        rules_after = rules[-1].change_no
    # rules_version: the till has every rule up to this change once it applied the page; its
    # events name it, and head office checks them against the rules as they stood then.
    if keys is not None:
        for member_id, key in member_keys.as_text(keys([x["member_id"] for x in members])).items():
            for member in members:
                if member["member_id"] == member_id:
                    member["key"] = key
    given = Cursor(change, after_member, rules_after, numbered)
    _given(session, store, till_no, given, now or utcnow())
    return {"members": members, "rules": out_rules, "cursor": given.text(), "more": more,
            "rules_version": rules_after}


def renumber(hq: HqDatabase, *, user: str, reason: str, now: dt.datetime,
             margin: int = RENUMBER_MARGIN) -> dict[str, Any]:
    """After head office's database went back in time (restored from a backup, a standby
    promoted): number changes past anything it numbered before, so no till's cursor skips
    them; every till then downloads its members again from the start. Audited, and the
    ``numbering_went_back`` exception is resolved."""
    if not user.strip() or not reason.strip():
        raise HqRefusal(422, "who_and_why", "name the user and the reason")
    try:
        return _renumber(hq, user=user, reason=reason, now=now, margin=margin)
    except OperationalError as busy:
        if getattr(busy.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise HqRefusal(409, "busy", "a long transaction holds head office's server order: "
                        "run storeapp-hq renumber again once it has ended") from None


def _renumber(hq: HqDatabase, *, user: str, reason: str, now: dt.datetime,
              margin: int) -> dict[str, Any]:
    with hq.transaction() as s:
        shown = [json.loads(x).get("till_numbering", 0) for x in s.scalars(
            select(m.Exception_.detail_json).where(m.Exception_.kind == "numbering_went_back",
                                                   m.Exception_.resolved_at.is_(None)))]
        started = start_numbering(s, now, margin, past=max(shown, default=0))
        numbers_from = change_watermark(s)
        s.execute(update(m.Exception_).where(m.Exception_.kind == "numbering_went_back",
                                             m.Exception_.resolved_at.is_(None))
                  .values(resolved_at=now, updated_at=now))
        s.add(m.AccessLog(at=now, user=user[:32], action="renumbered", subject=str(started),
                          detail_json=json.dumps({"numbers_from": numbers_from,
                                                  "reason": reason}, ensure_ascii=False)))
    return {"numbering": started, "numbers_from": numbers_from}


def _member_out(row: m.Member, mine: tuple[int | None, int | None, int | None]) -> dict[str, Any]:
    return {
        "member_id": row.member_id, "card_no": row.card_no, "phone": row.phone,
        "name": row.name, "birthday": row.birthday.isoformat() if row.birthday else None,
        "gender": row.gender, "tier": row.tier, "status": row.status,
        "home_store": row.home_store, "principal_fen": row.principal_fen,
        "bonus_fen": row.bonus_fen, "points": row.points,
        "mine": {"principal_fen": mine[0] or 0, "bonus_fen": mine[1] or 0, "points": mine[2] or 0},
        "wallet_blocked": row.wallet_blocked, "merged_into": row.merged_into,
    }


def _attach_cards(session: Session, members: list[dict[str, Any]], store_code: str,
                  till_no: int) -> None:
    """Each member's count cards (``count_cards``, left out when none), with the uses this till
    itself posted on each (``mine_uses``): two reads for the page."""
    by_member = {x["member_id"]: x for x in members}
    if not by_member:
        return
    cards = session.scalars(select(m.CountCard).where(
        m.CountCard.member_id.in_(sorted(by_member))).order_by(m.CountCard.card_no)).all()
    if not cards:
        return
    mine = dict(session.execute(select(m.CountShare.card_no, m.CountShare.uses).where(
        m.CountShare.card_no.in_([c.card_no for c in cards]),
        m.CountShare.store_code == store_code, m.CountShare.till_no == till_no)).all())
    for card in cards:
        by_member[card.member_id].setdefault("count_cards", []).append(
            card_out(card, int(mine.get(card.card_no, 0))))


def _attach_offers(session: Session, members: list[dict[str, Any]], now: dt.datetime) -> None:
    """Each member's head-office coupons (``coupons``) and live campaign prompts
    (``prompts``), left out when none: two reads for the page."""
    coupons, prompts = campaigns.offers_for(session, [x["member_id"] for x in members], now)
    for member in members:
        if member["member_id"] in coupons:
            member["coupons"] = coupons[member["member_id"]]
        if member["member_id"] in prompts:
            member["prompts"] = prompts[member["member_id"]]


def _attach_consents(session: Session, members: list[dict[str, Any]]) -> None:
    """Each member's latest consent entry per purpose (``consents``, left out when none): what
    the member gave or withdrew elsewhere reaches every till. One read for the page."""
    found = consents.for_download(session, [x["member_id"] for x in members])
    for member in members:
        if member["member_id"] in found:
            member["consents"] = found[member["member_id"]]


# -- a till's own history back (restore) ---------------------------------------------------

def own_events(session: Session, store: m.Store, till_no: int, after: int,
               limit: int, keys: KeysOf | None = None) -> dict[str, Any]:
    """A till's own events after sequence ``after``, as it sent them (a restore takes back what
    its backup lacks), with the keys of the members whose sealed data they carry."""
    limit = max(1, min(limit, 5000))
    rows = session.scalars(select(m.Event).where(
        m.Event.store_id == store.id, m.Event.till_no == till_no, m.Event.seq > after)
        .order_by(m.Event.seq).limit(limit + 1)).all()
    out: dict[str, Any] = {
        "events": [{"seq": e.seq, "event_id": e.event_id, "type": e.type,
                    "created_at": e.created_at.isoformat(), "payload": e.payload}
                   for e in rows[:limit]], "more": len(rows) > limit}
    if keys is not None:
        sealed = [json.loads(e.payload).get("member_id") for e in rows[:limit]
                  if '"personal"' in e.payload]
        out["member_keys"] = member_keys.as_text(keys([str(i) for i in sealed if i]))
    return out


def own_audit(session: Session, store: m.Store, till_no: int, after: int,
              limit: int) -> dict[str, Any]:
    """A till's audit rows after ``after``, with the hash head office computed for each."""
    limit = max(1, min(limit, 5000))
    rows = session.scalars(select(m.AuditRow).where(
        m.AuditRow.store_id == store.id, m.AuditRow.till_no == till_no, m.AuditRow.seq > after)
        .order_by(m.AuditRow.seq).limit(limit + 1)).all()
    return {"rows": [[r.seq, r.at.isoformat(), r.actor, r.action, r.subject, r.detail_json,
                      r.hash] for r in rows[:limit]], "more": len(rows) > limit}


# -- holds -----------------------------------------------------------------------------------

def _hold_gift(s: Session, store: m.Store, key: str, card_no: str, amount_fen: int,
               now: dt.datetime) -> dict[str, Any]:
    """A gift card's spend against its chain balance less live holds. A card head office has
    not seen sold yet (sold offline elsewhere) is the till's to judge: its offline allowance."""
    card = s.get(m.GiftCard, card_no)
    if card is None or not card.sold:
        raise HqRefusal(404, "unknown_giftcard", f"head office has not seen gift card {card_no} "
                        "sold yet")
    held = s.scalar(select(func.coalesce(func.sum(m.Hold.amount_fen), 0)).where(
        m.Hold.member_id == card_no, m.Hold.released_at.is_(None),
        m.Hold.expires_at > now)) or 0
    available = card.balance_fen - int(held)
    if card.expires_at is not None and card.expires_at <= now:
        raise HqRefusal(409, "giftcard_expired", f"gift card {card_no} has expired",
                        card_no=card_no)
    if amount_fen > available:
        raise HqRefusal(409, "giftcard_insufficient",
                        f"gift card {card_no} holds {format_fen(available)} across the chain "
                        f"(less holds), less than {format_fen(amount_fen)}",
                        card_no=card_no, balance_fen=available, amount_fen=amount_fen)
    s.add(m.Hold(key=key, member_id=card_no, store_code=store.code, amount_fen=amount_fen,
                 created_at=now, expires_at=now + dt.timedelta(minutes=HOLD_MINUTES)))
    return {"held": True, "available_fen": available - amount_fen}


def _hold_coupon(s: Session, store: m.Store, key: str, code: str,
                 now: dt.datetime) -> dict[str, Any]:
    """A head-office coupon taken at a till: usable once in the whole chain, so held while the
    sale that takes it is in flight, and refused when used or held by another sale."""
    coupon = s.scalars(select(m.ChainCoupon).where(m.ChainCoupon.code == code)
                       .with_for_update()).first()
    if coupon is None:
        raise HqRefusal(404, "unknown_coupon", f"head office did not issue coupon {code}",
                        coupon=code)
    if coupon.used_at is not None:
        raise HqRefusal(409, "coupon_used", f"coupon {code} was used at store "
                        f"{coupon.used_store}", coupon=code, store=coupon.used_store or "")
    if coupon.valid_until <= now:
        raise HqRefusal(409, "coupon_expired", f"coupon {code} has expired", coupon=code)
    other = s.scalar(select(m.Hold.key).where(
        m.Hold.member_id == code, m.Hold.released_at.is_(None), m.Hold.expires_at > now))
    if other is not None:
        raise HqRefusal(409, "coupon_held", f"coupon {code} is being used in another sale "
                        "right now", coupon=code)
    s.add(m.Hold(key=key, member_id=code, store_code=store.code, amount_fen=1, created_at=now,
                 expires_at=now + dt.timedelta(minutes=HOLD_MINUTES)))
    return {"held": True, "available_fen": None}


def hold(hq: HqDatabase, store: m.Store, key: str, member_id: str, amount_fen: int,
         now: dt.datetime, *, kind: str = "spend") -> dict[str, Any]:
    """Check a stored-value spend against the chain balance less live holds, or a payout of
    principal (an account closed) against the chain's principal less live holds, and hold it."""
    if not key or len(key) > 64 or not 0 < amount_fen <= 10**10:
        raise HqRefusal(422, "bad_hold", "a hold needs a key and a positive amount")
    if kind not in ("spend", "payout", "gift", "coupon"):
        raise HqRefusal(422, "bad_hold",
                        "a hold is a spend, a payout, a gift card's or a coupon's")

    def work(s: Session) -> dict[str, Any]:
        existing = s.get(m.Hold, key)
        if existing is not None:
            return {"held": True, "available_fen": None, "replayed": True}
        if kind == "gift":
            return _hold_gift(s, store, key, member_id, amount_fen, now)
        if kind == "coupon":
            return _hold_coupon(s, store, key, member_id, now)
        member = consents.live_member(s, member_id)
        if member.wallet_blocked:
            raise HqRefusal(409, "wallet_blocked", "stored value of this member is blocked by "
                            "head office (an overdraft is being followed up)")
        held = s.scalar(select(func.coalesce(func.sum(m.Hold.amount_fen), 0)).where(
            m.Hold.member_id == member.member_id, m.Hold.released_at.is_(None),
            m.Hold.expires_at > now)) or 0
        if kind == "payout":
            available = member.principal_fen - int(held)
            if amount_fen > available:
                raise HqRefusal(409, "payout_exceeds_principal",
                                f"head office knows {format_fen(available)} of principal "
                                f"for this member (less holds); {format_fen(amount_fen)} "
                                "cannot be paid out", principal_fen=available,
                                amount_fen=amount_fen)
        else:
            available = member.principal_fen + member.bonus_fen - int(held)
        if amount_fen > available:
            raise HqRefusal(409, "insufficient_balance",
                            f"the chain balance available is {format_fen(available)}, less "
                            f"than {format_fen(amount_fen)}", available_fen=available,
                            amount_fen=amount_fen)
        s.add(m.Hold(key=key, member_id=member.member_id, store_code=store.code,
                     amount_fen=amount_fen, created_at=now,
                     expires_at=now + dt.timedelta(minutes=HOLD_MINUTES)))
        return {"held": True, "available_fen": available - amount_fen}

    return hq.retrying(work)


def release(hq: HqDatabase, store: m.Store, key: str, now: dt.datetime) -> dict[str, bool]:
    with hq.transaction() as s:
        done = s.execute(update(m.Hold).where(
            m.Hold.key == key, m.Hold.store_code == store.code, m.Hold.released_at.is_(None))
            .values(released_at=now))
        return {"released": bool(getattr(done, "rowcount", 0))}


# -- day totals ------------------------------------------------------------------------------

def day_totals(hq: HqDatabase, store: m.Store, body: dict[str, Any],
               now: dt.datetime) -> dict[str, int]:
    try:
        till_no = int(body["till_no"])
        rows = [(dt.date.fromisoformat(day["day"]), str(account), int(pair[0]), int(pair[1]))
                for day in body["days"] for account, pair in day["accounts"].items()]
        if not 1 <= till_no <= 99 or len(rows) > 1000 or any(
                len(a) > 24 or abs(c) > BIGGEST or abs(t) > BIGGEST for _, a, c, t in rows):
            raise ValueError("numbers or names out of range")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise HqRefusal(422, "bad_day_totals", f"malformed day totals: {exc}") from None
    with hq.transaction() as s:
        for day, account, count, total in rows:
            s.merge(m.DayTotal(store_code=store.code, till_no=till_no, day=day, account=account,
                               count=count, total=total, reported_at=now))
    return {"stored": len(rows)}


# -- members and rules (head office's own CLI) ---------------------------------------------

def member_by_phone(s: Session, phone: str) -> m.Member:
    with contextlib.suppress(Exception):  # a malformed phone is simply not found
        phone = normalize_phone(phone)
    member = s.scalars(select(m.Member).where(
        m.Member.phone_key == member_keys.ring(s).phone_key(phone))
                       .order_by(m.Member.merged_into.is_not(None))).first()
    if member is None:
        raise HqRefusal(404, "unknown_member", f"no member with phone {phone}")
    return consents.live_member(s, member.member_id)


def member_show(hq: HqDatabase, phone: str) -> dict[str, Any]:
    with hq.transaction() as s:
        member = member_by_phone(s, phone)
        stores = s.execute(select(m.MemberStore.store_code,
                                  func.sum(m.MemberStore.principal_fen),
                                  func.sum(m.MemberStore.bonus_fen),
                                  func.sum(m.MemberStore.points))
                           .where(m.MemberStore.member_id == member.member_id)
                           .group_by(m.MemberStore.store_code)
                           .order_by(m.MemberStore.store_code)).all()
        merged = s.scalars(select(m.Member.member_id)
                           .where(m.Member.merged_into == member.member_id)).all()
        return {
            **{k: v for k, v in _member_out(member, (None, None, None)).items() if k != "mine"},
            "balance_fen": member.principal_fen + member.bonus_fen,
            "blocked": member.wallet_blocked, "merged_from": list(merged),
            "by_store": [{"store_code": c, "principal_fen": int(p), "bonus_fen": int(b),
                          "points": int(pts)} for c, p, b, pts in stores],
        }


def unblock(hq: HqDatabase, phone: str, now: dt.datetime) -> dict[str, Any]:
    """Lift a stored-value block once the overdraft was followed up; tills learn it on sync."""
    with hq.transaction() as s:
        member = member_by_phone(s, phone)
        member.wallet_blocked = False
        member.updated_at = now
        s.execute(update(m.Exception_).where(
            m.Exception_.kind == "overdraft", m.Exception_.member_id == member.member_id,
            m.Exception_.resolved_at.is_(None)).values(resolved_at=now))
        s.flush()
        member.change_no = next_change_no(s)
        s.add_all(m.MemberChange(**row) for row in change_log(s, member.change_no,
                                                              [member.member_id]))
        return {"member_id": member.member_id, "blocked": False}


def set_rule(hq: HqDatabase, kind: str, key: str, value: Any) -> dict[str, Any]:
    """Set (or, with ``None``, delete) a chain rule; every till takes it on its next sync."""
    if kind not in RULE_KINDS:
        raise HqRefusal(422, "bad_rule_kind", f"kind must be one of {', '.join(RULE_KINDS)}")
    if kind == "setting":
        from storeapp.settings import BY_NAME, CHAIN, validate

        setting = BY_NAME.get(key)
        if setting is None or setting.scope != CHAIN:
            raise HqRefusal(422, "not_a_chain_setting", f"{key} is not a chain-wide setting")
        if value is not None:
            value = validate(key, value)
    with hq.transaction() as s:
        row = s.get(m.Rule, (kind, key))
        text = None if value is None else json.dumps(value, ensure_ascii=False)
        s.flush()
        change_no = next_change_no(s)
        if row is None:
            s.add(m.Rule(kind=kind, key=key, value_json=text, change_no=change_no))
        else:
            row.value_json, row.change_no = text, change_no
        s.add(m.RuleVersion(kind=kind, key=key, change_no=change_no, value_json=text))
    return {"kind": kind, "key": key, "value": value, "version": change_no}



def list_stores(hq: HqDatabase) -> list[dict[str, Any]]:
    with hq.transaction() as s:
        syncs = store_syncs(s)
        return [{"store_code": st.code, "name": st.name,
                 "last_sync_at": synced.isoformat() if (
                     synced := syncs.get(st.id, StoreSync()).synced_at) else None,
                 "revoked": st.revoked_at is not None}
                for st in s.scalars(select(m.Store).order_by(m.Store.code))]
