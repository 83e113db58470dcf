"""Applying a till's accepted events to head office's state: the chain's members (registrations,
profiles, merges of duplicates, overdrafts) and the ledger and each store's share of every
balance.

:class:`Applier` is the part of :class:`sync.hq.ingest.Ingest` that does this; which events reach
it, and in what order, is the ingest's (and :mod:`sync.hq.gate`'s) business.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from storeapp.clock import to_local
from storeapp.identity import mask_phone
from storeapp.integrity import fold, member_hash
from storeapp.pii_orm import GIVEN_BACK, seal_rows
from storeapp.profile_rules import GENDERS, MAX_CARD_NO
from sync.hq import bulk, erasure, member_keys, verify
from sync.hq import models as m
from sync.hq.apply_visits import VISIT_EVENTS
from sync.hq.batch import Batch
from sync.hq.db import next_change_no
from sync.hq.member_row import MemberRow
from sync.hq.movements import change_log
from sync.protocol import HQ_STORE

if TYPE_CHECKING:
    from sync.hq.ingest import EventIn

PROFILE_FIELDS = ("name", "birthday", "gender", "phone", "marketing_consent")


class Applier(Batch):
    """Members and ledger; mixed into the ingest, whose state it shares."""

    #: the live member holding each phone this batch registers or changes to (None: free), by
    #: the phone's keyed hash (:meth:`sync.hq.member_keys.HqRing.lookup`)
    live_phones: dict[str, MemberRow | None]
    touched: set[str]
    #: members stored already (read from the database, or made by this batch and inserted)
    loaded: set[str]
    #: members this batch registered, not written yet (:meth:`insert_new_members`)
    new_members: list[MemberRow]
    #: name grams of stored members sealed again, written by finish()
    loaded_grams: list[tuple[Any, str, str]]
    contributions: dict[tuple[str, str, int], list[int]]
    ledger: list[dict[str, Any]]
    hold_keys: list[str]

    if TYPE_CHECKING:  # the count cards' part of the ingest (sync.hq.apply_cards)
        def apply_count(self, event: EventIn) -> None: ...

        def apply_gift(self, event: EventIn) -> None: ...

        def apply_referral(self, event: EventIn) -> None: ...  # sync.hq.apply_referrals

        def record_visit(self, event: EventIn) -> None: ...  # sync.hq.apply_visits

        def apply_coupon(self, event: EventIn) -> None: ...  # sync.hq.apply_coupons

        def apply_consents(self, event: EventIn) -> None: ...  # sync.hq.apply_consents

    def apply_event(self, event: EventIn) -> None:
        """Apply one accepted event: its handler (members), its ledger lines, the holds it
        releases."""
        body = event.body
        handler = _HANDLERS.get(event.type)
        if handler is not None:
            handler(self, body)
        for line in body.get("ledger") or ():
            self._post(str(line["member_id"]), event, line)
        if body.get("count") or event.type == "countcard_sold":
            self.apply_count(event)
        if body.get("gift"):
            self.apply_gift(event)
        if event.type in ("member_registered", "sale_completed"):
            self.apply_referral(event)
        if body.get("consents"):
            self.apply_consents(event)
        if event.type in VISIT_EVENTS:
            self.record_visit(event)
            self.apply_coupon(event)
        key = body.get("key")
        if isinstance(key, str) and body.get("ledger"):
            self.hold_keys.append(key)

    def reject(self, event: EventIn) -> None:
        """A head-office user rejected a held event: the chain's balances stay without it, but
        its till's own share counts it (the till's ledger has it), balanced by a ``rejected``
        movement of head office's, so the till's remote part takes it back out at its next
        download and it shows what head office shows."""
        for line in event.body.get("ledger") or ():
            member_id = str(line["member_id"])
            self.member(member_id)
            amounts = (int(line["principal_fen"]), int(line["bonus_fen"]), int(line["points"]))
            for code, till_no, sign, kind, at in (
                    (self.store_code, self.till_no, 1, event.type, event.created_at),
                    (HQ_STORE, 0, -1, "rejected", self.now)):
                principal, bonus, points = (sign * a for a in amounts)
                share = self.contributions[member_id, code, till_no]
                share[0] += principal
                share[1] += bonus
                share[2] += points
                self.ledger.append({
                    "member_id": member_id, "store_code": code, "till_no": till_no,
                    "event_id": event.event_id, "kind": kind, "principal_fen": principal,
                    "bonus_fen": bonus, "points": points, "at": at,
                    "day": to_local(at).date()})
            self.touched.add(member_id)

    def finish(self) -> None:
        """Give every member this transaction changed its place in server order."""
        s = self.s
        self.insert_new_members()
        if self.touched:
            # Server order, taken last: every member this batch changed carries its number,
            # written in the same UPDATE as its balances (one write per member per batch).
            change_no = next_change_no(s)
            for member_id in self.touched:
                self.members[member_id].change_no = change_no
            s.flush()
            loaded = self._seal_loaded()
            bulk.update_rows(s.connection(), m.Member, "member_id", _MEMBER_CHANGES,
                             [row.values(_WRITTEN) for row in loaded])
            self.insert(m.MemberNameGram, [{"gram": gram, "member_id": member_id}
                                           for _model, gram, member_id in self.loaded_grams])
            self.loaded_grams = []
            self.insert(m.MemberChange, change_log(s, change_no, self.touched))
        s.flush()

    def insert_new_members(self) -> None:
        """Write the members this batch registered so far, sealed, and their name grams, in a
        statement each; from here on they are written like members read from the database
        (:meth:`finish`)."""
        new, self.new_members = self.new_members, []
        if not new:
            return
        self._seal_loaded()  # a new member may take a phone a stored one left
        grams = seal_rows(self.s, new)
        self.insert(m.Member, [row.values() for row in new])  # COPY: a statement per row was
        # a fifth of the database's time on a busy night of registrations
        self.insert(m.MemberNameGram, [{"gram": gram, "member_id": member_id}
                                       for _model, gram, member_id in grams])
        for row in new:  # stored now: sealing them again replaces their grams
            row.stored, row.stored_phone_key = True, row.phone_key
        self.loaded.update(row.member_id for row in new)

    def _seal_loaded(self) -> list[MemberRow]:
        """Seal the stored members this batch changed (their new grams kept for
        :meth:`finish`), and move every phone one of them left out of the way in the database:
        within one batch a phone may pass to another member (two swap numbers, a new member
        registers the old number of another), and the statement writing them all, or the new
        members' insert, would otherwise meet the phone's old holder in the unique index."""
        loaded = [self.members[x] for x in sorted(self.touched & self.loaded)]
        resealed = {row.member_id for row in loaded if "_pii_staged" in row.__dict__}
        if resealed:
            self.loaded_grams = [g for g in self.loaded_grams if g[2] not in resealed] + \
                seal_rows(self.s, loaded)  # their stored grams are deleted
        moved = [row for row in loaded if row.phone_key != row.stored_phone_key]
        if moved:
            bulk.update_rows(self.s.connection(), m.Member, "member_id", ("phone_key",), [
                {"member_id": row.member_id, "phone_key": f"{_MOVING}{row.member_id}"}
                for row in moved])
            for row in moved:
                row.stored_phone_key = f"{_MOVING}{row.member_id}"
        return loaded

    def _load_members(self, run: list[EventIn]) -> None:
        """One locking read for the batch: its members by id, and the live members holding
        any phone it registers or changes to (in member-id order: no deadlocks)."""
        wanted: set[str] = set()
        personal: set[str] = set()  # members whose data the batch opens or seals
        for event in run:
            if "member_id" in event.body:
                wanted.add(str(event.body["member_id"]))
                if event.type in _PERSONAL:
                    personal.add(str(event.body["member_id"]))
            wanted.update(str(line["member_id"]) for line in event.body.get("ledger") or ())
            wanted.update(str(line["member_id"]) for line in event.body.get("count") or ())
            if event.type == "member_registered":
                self.live_phones[self._phone_key(event.body.get("phone"))] = None
            elif "phone" in (event.body.get("fields") or {}):
                self.live_phones[self._phone_key(event.body["fields"]["phone"])] = None
        self.impossible_ids = {w for w in wanted if len(w) > verify.ID_CHARS}
        wanted -= self.impossible_ids
        phones = sorted(self.live_phones)
        if not wanted and not phones:
            return
        # the keys the batch opens or seals with, in one read (absent ones remembered too);
        # a member's data read for anything else (an overdraft's masked phone) reads its key
        member_keys.ring(self.s).prefetch(personal)
        self._read(or_(bulk.among(self.s, m.Member.member_id, sorted(wanted)),
                       and_(bulk.among(self.s, m.Member.phone_key, phones),
                            m.Member.merged_into.is_(None))))

    def _read(self, where: ColumnElement[bool]) -> list[MemberRow]:
        """Read and lock (PostgreSQL) the members ``where`` selects, in member-id order; those
        the batch holds already stay as it holds them."""
        found = []
        for row in MemberRow.read(member_keys.ring(self.s), self.s.execute(
                select(_TABLE).where(where).order_by(m.Member.member_id)
                .with_for_update()).mappings()):
            if row.member_id not in self.members:
                self._remember(row)
            found.append(self.members[row.member_id])
        return found

    def _remember(self, row: MemberRow) -> None:
        """A member read from the database, written by finish()."""
        self.loaded.add(row.member_id)
        self.members[row.member_id] = row
        if row.merged_into is None and row.phone_key in self.live_phones:
            self.live_phones[row.phone_key] = row

    def _phone_key(self, phone: object) -> str:
        return member_keys.ring(self.s).lookup(str(phone or ""))

    def _lock(self, ids: set[str]) -> None:
        """Load (and on PostgreSQL lock) members not loaded yet, in member-id order."""
        missing = sorted(ids - self.members.keys())
        if not missing:
            return
        self._read(bulk.among(self.s, m.Member.member_id, missing))

    def member(self, member_id: str) -> MemberRow:
        found = self.members.get(member_id)
        if found is None:
            self._lock({member_id})
            found = self.members.get(member_id)
        if found is None:  # money for a member head office never saw registered
            found = self._create(member_id, {}, phone=f"unknown:{member_id}")
            self.exception("unknown_member", member_id, None,
                            {"note": "ledger movement before registration"})
        return found

    def _create(self, member_id: str, body: dict[str, Any], *, phone: str,
                merged_into: str | None = None) -> MemberRow:
        row = MemberRow(
            member_keys.ring(self.s), stored=False,
            member_id=member_id, card_no=str(body.get("card_no") or "")[:MAX_CARD_NO],
            gender=_gender(body.get("gender")), tier="regular", status="active",
            home_store=self.store_code, principal_fen=0, bonus_fen=0, points=0,
            wallet_blocked=False, merged_into=merged_into,
            created_at=_at(body.get("at")) or self.now, updated_at=self.now, change_no=0,
            marketing_consent=bool(body.get("marketing_consent")))
        row.phone, row.name = phone, str(body.get("name") or "")
        row.birthday = _date(body.get("birthday"))
        self.new_members.append(row)  # inserted with the batch's first ledger lines
        self.members[member_id] = row
        if merged_into is None:
            self.live_phones[self._phone_key(phone)] = row
        self.touched.add(member_id)
        return row

    def registered(self, body: dict[str, Any]) -> None:
        member_id, phone = str(body["member_id"]), str(body.get("phone") or "")
        existing = self.members.get(member_id)
        survivor = self._live_by_phone(phone, exclude=member_id)
        if existing is not None:  # created earlier from a ledger line: fill in who it is
            existing.card_no = str(body.get("card_no") or existing.card_no)[:MAX_CARD_NO]
            existing.name = str(body.get("name") or existing.name)
            existing.birthday = _date(body.get("birthday")) or existing.birthday
            existing.gender = _gender(body.get("gender")) or existing.gender
            existing.marketing_consent = bool(body.get("marketing_consent"))
            if survivor is None and existing.merged_into is None:
                self.live_phones[self._phone_key(existing.phone)] = None
                existing.phone = phone
                self.live_phones[self._phone_key(phone)] = existing
            self.touched.add(member_id)
            return
        if survivor is None:
            self._create(member_id, body, phone=phone)
            return
        self._create(member_id, body, phone=phone, merged_into=survivor.member_id)
        self.touched.add(survivor.member_id)
        self.exception("merged_duplicate", member_id, None, {
            "phone": _masked(phone), "survivor": survivor.member_id, "merged": member_id,
            "survivor_store": survivor.home_store, "merged_store": self.store_code})

    def _live_by_phone(self, phone: str, *, exclude: str) -> MemberRow | None:
        """The live member holding ``phone`` (loaded with the batch's members)."""
        key = self._phone_key(phone)
        if key not in self.live_phones:  # not announced by the batch: ask the database
            self.live_phones[key] = None
            for row in self._read(and_(m.Member.phone_key == key,
                                       m.Member.merged_into.is_(None))):
                self.live_phones[key] = row
        found = self.live_phones.get(key)
        if found is None or found.member_id == exclude or found.merged_into is not None:
            return None
        return found

    def erased(self, body: dict[str, Any]) -> None:
        """A member erased at a till (:mod:`storeapp.services.privacy`): erased here too, and so
        at every till (:func:`sync.hq.erasure.erase_member`)."""
        member_id = str(body["member_id"])
        row = self.member(member_id)  # locked, and known to this batch
        erasure.erase_member(self.s, member_id, by=f"till {self.store_code}/{self.till_no}",
                             now=self.now, closed_by_till=True, member=row)
        self.touched.add(member_id)

    def profile(self, body: dict[str, Any]) -> None:
        row = self.member(str(body["member_id"]))
        fields = body.get("fields") or {}
        for name in PROFILE_FIELDS:
            if name not in fields:
                continue
            value = fields[name]
            if name == "birthday":
                value = _date(value)
            if name == "gender":
                value = _gender(value)
            if name == "marketing_consent":
                value = bool(value)
            if name == "phone":
                if row.merged_into is not None:
                    continue
                clash = self._live_by_phone(str(value), exclude=row.member_id)
                if clash is not None:
                    self.exception("phone_conflict", row.member_id, None, {
                        "phone": _masked(str(value)), "held_by": clash.member_id})
                    continue
                held = self._phone_key(row.phone)  # as the batch left it, sealed or not
                if self.live_phones.get(held) is row:
                    self.live_phones[held] = None
                self.live_phones[self._phone_key(value)] = row
            setattr(row, name, value)
        row.updated_at = self.now
        self.touched.add(row.member_id)

    def set_field(self, member_id: str, **values: Any) -> None:
        row = self.member(member_id)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = self.now
        self.touched.add(member_id)

    def _post(self, member_id: str, event: EventIn, line: dict[str, Any]) -> None:
        principal, bonus = int(line.get("principal_fen", 0)), int(line.get("bonus_fen", 0))
        points = int(line.get("points", 0))
        row = self.member(member_id)
        row.principal_fen += principal
        row.bonus_fen += bonus
        row.points += points
        self.touched.add(member_id)
        share = self.contributions[member_id, self.store_code, self.till_no]
        share[0] += principal
        share[1] += bonus
        share[2] += points
        self.ledger.append({
            "member_id": member_id, "store_code": self.store_code, "till_no": self.till_no,
            "event_id": event.event_id, "kind": event.type, "principal_fen": principal,
            "bonus_fen": bonus, "points": points, "at": event.created_at,
            "day": to_local(event.created_at).date()})

    def _transfer(self, source: MemberRow, target: MemberRow) -> None:
        """Move everything ``source`` holds to ``target``, with ledger rows on both (store HQ)."""
        amounts = (source.principal_fen, source.bonus_fen, source.points)
        if not any(amounts):
            return
        for row, sign, kind in ((source, -1, "merge_out"), (target, 1, "merge_in")):
            principal, bonus, points = (sign * a for a in amounts)
            row.principal_fen += principal
            row.bonus_fen += bonus
            row.points += points
            share = self.contributions[row.member_id, HQ_STORE, 0]
            share[0] += principal
            share[1] += bonus
            share[2] += points
            self.ledger.append({
                "member_id": row.member_id, "store_code": HQ_STORE, "till_no": 0,
                "event_id": None, "kind": kind, "principal_fen": principal, "bonus_fen": bonus,
                "points": points, "at": self.now, "day": to_local(self.now).date()})
            self.touched.add(row.member_id)

    def _sweep_merged(self) -> None:
        for member_id in sorted(self.touched):
            row = self.members.get(member_id)
            if row is None or row.merged_into is None:
                continue
            survivor = self.member(_survivor_id(self.s, row.merged_into))
            self._transfer(row, survivor)
        self._write_ledger()

    def _flag_overdrafts(self) -> None:
        for member_id in sorted(self.touched):
            row = self.members.get(member_id)
            if row is None or row.merged_into is not None:
                continue
            shortfall = -(row.principal_fen + row.bonus_fen)
            if shortfall <= 0:
                continue
            row.wallet_blocked = True
            open_row = self.s.scalars(select(m.Exception_).where(
                m.Exception_.kind == "overdraft", m.Exception_.member_id == member_id,
                m.Exception_.resolved_at.is_(None))).first()
            detail = {"phone": _masked(row.phone), "principal_fen": row.principal_fen,
                      "bonus_fen": row.bonus_fen, "stores": self._stores_of(member_id)}
            if open_row is None:
                self.exception("overdraft", member_id, shortfall, detail)
            else:
                open_row.amount_fen = max(int(open_row.amount_fen or 0), shortfall)
                open_row.detail_json = json.dumps(detail, ensure_ascii=False)
                open_row.updated_at = self.now

    def _stores_of(self, member_id: str) -> dict[str, int]:
        """Each store's net stored value for the member (who spent what)."""
        self._write_ledger()
        self.s.flush()
        rows = self.s.execute(
            select(m.MemberStore.store_code,
                   func.sum(m.MemberStore.principal_fen + m.MemberStore.bonus_fen))
            .where(m.MemberStore.member_id == member_id)
            .group_by(m.MemberStore.store_code)).all()
        return {code: int(total) for code, total in rows}

    def exception(self, kind: str, member_id: str | None, amount_fen: int | None,
                   detail: dict[str, Any]) -> None:
        self.s.add(m.Exception_(
            kind=kind, member_id=member_id, store_code=self.store_code,
            day=to_local(self.now).date(), amount_fen=amount_fen,
            detail_json=json.dumps(detail, ensure_ascii=False), created_at=self.now,
            updated_at=self.now))

    def _write_ledger(self) -> None:
        if self.ledger:
            self.insert(m.LedgerRow, self.ledger)
            self.ledger = []
        if not self.contributions:
            return
        changes = sorted(self.contributions.items())
        rows = [{"member_id": member_id, "store_code": code, "till_no": till_no,
                 "principal_fen": p, "bonus_fen": b, "points": pts}
                for (member_id, code, till_no), (p, b, pts) in changes]
        self.contributions.clear()
        self.insert_new_members()
        self.s.flush()
        own = {member_id: delta for (member_id, code, till_no), delta in changes
               if (code, till_no) == (self.store_code, self.till_no)}
        before = self._own_shares(sorted(own)) if self.stream is not None and own else {}
        bulk.add_amounts(self.s.connection(), m.MemberStore, _SHARE_KEYS, _AMOUNTS, rows)
        if self.stream is None or not own:
            return
        moved = 0  # this till's own shares moved: so does their digest
        for member_id, delta in own.items():
            p, b, pts = before.get(member_id, (0, 0, 0))
            moved += member_hash(member_id, p + delta[0], b + delta[1], pts + delta[2]) \
                - member_hash(member_id, p, b, pts)
        self.stream.digest = fold(self.stream.digest, add=moved)

    def _own_shares(self, member_ids: list[str]) -> dict[str, tuple[int, int, int]]:
        rows = self.s.connection().execute(
            select(m.MemberStore.member_id, m.MemberStore.principal_fen,
                   m.MemberStore.bonus_fen, m.MemberStore.points).where(
                bulk.among(self.s, m.MemberStore.member_id, member_ids),
                m.MemberStore.store_code == self.store_code,
                m.MemberStore.till_no == self.till_no))
        return {member_id: (p, b, pts) for member_id, p, b, pts in rows}


#: What applying events may change on a member that already existed.
_MEMBER_CHANGES = ("card_no", "phone_key", "tail_key", "personal", "birth_month", "gender",
                   "tier", "status",
                   "principal_fen", "bonus_fen", "points", "wallet_blocked", "updated_at",
                   "change_no", "marketing_consent")
_WRITTEN = ("member_id", *_MEMBER_CHANGES)
#: a phone key held only inside an upload's transaction, by a member whose phone moves
_MOVING = "moving:"
_TABLE = m.Member.__table__
_SHARE_KEYS = ("member_id", "store_code", "till_no")
_AMOUNTS = ("principal_fen", "bonus_fen", "points")


def _masked(phone: str) -> str:
    """A phone as an exception keeps it: masked (the member's row has it sealed)."""
    return phone if phone.startswith(GIVEN_BACK) else mask_phone(phone)


def _survivor_id(session: Session, member_id: str) -> str:
    """Follow merged_into to the live member (a chain of merges ends at one)."""
    seen: set[str] = set()
    while member_id not in seen:
        seen.add(member_id)
        nxt = session.scalar(select(m.Member.merged_into).where(m.Member.member_id == member_id))
        if nxt is None:
            return member_id
        member_id = nxt
    return member_id


def _at(value: Any) -> dt.datetime | None:
    """When the till says something happened (its ``at``, UTC), for a member's registration
    time: what the programme's cohorts and welcome rule count by, not when it arrived here."""
    try:
        return verify.instant(str(value)) if value else None
    except ValueError:
        return None


def _date(value: Any) -> dt.date | None:
    """A birthday as sent; one no till could write (held, then accepted by a head-office
    user: :func:`sync.hq.verify._profile_values`) is none."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _gender(value: Any) -> str | None:
    """A gender as sent, if a till's form allows it (see :func:`_date`)."""
    return value if value in GENDERS else None


#: the events whose applying opens or seals a member's personal data
_PERSONAL = frozenset({"member_registered", "member_profile_updated", "member_erased"})

_HANDLERS: dict[str, Any] = {
    "member_registered": Applier.registered,
    "member_profile_updated": Applier.profile,
    "member_status_changed": lambda self, b: self.set_field(str(b["member_id"]),
                                                            status=str(b["status"])),
    "member_closed": lambda self, b: self.set_field(str(b["member_id"]), status="closed"),
    "member_erased": lambda self, b: self.erased(b),
    "member_tier_changed": lambda self, b: self.set_field(str(b["member_id"]),
                                                          tier=str(b["tier"])),
    "member_card_replaced": lambda self, b: self.set_field(str(b["member_id"]),
                                                           card_no=str(b["card_no"])),
}
