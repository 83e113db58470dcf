"""The gate every event of a till passes before head office applies it (docs/sync.md, "What head
office verifies"): its checks (:mod:`sync.hq.verify`) against the chain rules at the version it
names and the sales and top-ups it refers to; an event that fails is held, and so is every later
event of the same till for the same members (``hq_held_events``), until a head-office user
decides (:mod:`sync.hq.review`). The sales and top-ups a later refund or void may name are
remembered here (``hq_refundables``).

:class:`Gate` is the part of :class:`sync.hq.ingest.Ingest` that does this.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from storeapp.clock import to_local
from sync.hq import bulk, campaigns, verify, verify_cards, verify_gifts
from sync.hq import models as m
from sync.hq.batch import Batch
from sync.hq.db import HqDatabase, current_change_no

if TYPE_CHECKING:
    from sync.hq.ingest import EventIn


class Gate(Batch):
    """Checks and holds; mixed into the ingest, whose state it shares."""

    hq: HqDatabase
    #: members held by an open event of this till: member -> (held id, its seq)
    blocked: dict[str, tuple[int, int]]
    #: sales and top-ups a refund or void of this batch may name, by ref
    given: dict[str, tuple[verify.Given, m.Refundable | dict[str, Any]]]
    #: the batch's sale members' campaign points multipliers (from, until, times)
    multipliers: dict[str, list[tuple[dt.datetime, dt.datetime, Fraction]]]
    new_given: list[dict[str, Any]]
    newest_rules: int
    _last_change_no: int

    if TYPE_CHECKING:  # the ingest's own, used here
        def exception(self, kind: str, member_id: str | None, amount_fen: int | None,
                      detail: dict[str, Any]) -> None: ...

        def card_facts(self) -> dict[str, verify_cards.Card]: ...

        def gifts_sold(self) -> frozenset[str]: ...

        def check_consents(self, event_type: str,
                           body: dict[str, Any]) -> verify.Problem | None: ...

    def load_gate(self, run: list[EventIn]) -> None:
        """Set-based, once a batch: the members this till's held events hold, and the sales and
        top-ups the batch's refunds and voids name."""
        for held in self.s.scalars(select(m.HeldEvent).where(
                m.HeldEvent.store_id == self.store_id, m.HeldEvent.till_no == self.till_no,
                m.HeldEvent.status.in_(("open", "waiting"))).order_by(m.HeldEvent.seq)):
            for member_id in json.loads(held.member_ids):
                self.blocked.setdefault(member_id, (held.blocked_by or held.id, held.seq))
        self.multipliers = campaigns.multiplier_windows(
            self.s, {str(e.body["member_id"]) for e in run
                     if e.type == "sale_completed" and e.body.get("member_id")})
        refs = {_ref(e.type, e.body) for e in run} - {None}
        if refs:
            for row in self.s.scalars(select(m.Refundable).where(
                    m.Refundable.store_id == self.store_id,
                    bulk.among(self.s, m.Refundable.ref, sorted(refs)))):
                self.given[row.ref] = (_given(row), row)

    def _remember_new_given(self) -> None:
        """Append the batch's sales and top-ups. A receipt number seen before (a till restored
        and renumbered, or a dishonest one) keeps its first sale, which a refund is checked
        against: it must never make the batch fail."""
        try:
            with self.s.begin_nested():
                self.insert(m.Refundable, self.new_given)
        except Exception as exc:  # COPY raises the driver's own error, not SQLAlchemy's
            if not bulk.unique_violation(exc):
                raise
            seen = set(self.s.connection().scalars(select(m.Refundable.ref).where(
                m.Refundable.store_id == self.store_id,
                bulk.among(self.s, m.Refundable.ref, [g["ref"] for g in self.new_given]))))
            self.insert(m.Refundable, [g for g in self.new_given if g["ref"] not in seen])
        self.new_given = []

    # -- checking ------------------------------------------------------------------------------

    def _check(self, event: EventIn) -> verify.Problem | None:
        body = event.body
        version = body.get("rules")
        rules = None
        if version is None:
            if self.newest_rules >= 0 or (self.stream is not None and self.stream.rules_seen):
                return verify.Problem("rules_missing", "the event names no chain rules, though "
                                      "this till's earlier events did")
        elif isinstance(version, int) and not isinstance(version, bool) and \
                0 <= version <= self._known_change_no(version):
            rules = self.hq.rulebook.at(self.s, version)
            self.newest_rules = max(self.newest_rules, version)
        else:
            return verify.Problem("rules_unknown", f"the event names rules version {version!r}, "
                                  "which head office never gave out", {"version": version})
        ref = _ref(event.type, body)
        given = self.given[ref][0] if ref is not None and ref in self.given else None
        member = self.members.get(str(body.get("member_id")))
        facts = verify.Facts(till_no=self.till_no, rules=rules, given=given,
                             birth_month=None if member is None else member.month_of_birth,
                             multipliers=tuple(self.multipliers.get(
                                 str(body.get("member_id")), ())))
        problem = verify.check(event.type, body, facts)
        if problem is None and (body.get("count") or event.type in verify_cards.COUNT_EVENTS):
            problem = verify_cards.check(event.type, body, facts, self.card_facts())
        if problem is None and (body.get("gift") or event.type == "giftcards_sold"):
            problem = verify_gifts.check(event.type, body, self.gifts_sold())
        if problem is None and "consents" in body:
            problem = self.check_consents(event.type, body)
        return problem

    def _known_change_no(self, version: int) -> int:
        """The newest change number given out (read again only when a version passes it)."""
        if version > self._last_change_no:
            self._last_change_no = current_change_no(self.s)
        return self._last_change_no

    def _hold(self, event: EventIn, members: set[str], status: str, problem: verify.Problem,
              blocked_by: int | None = None) -> None:
        detail = {"type": event.type, "seq": event.seq, "event_id": event.event_id,
                  "message": problem.message, **problem.amounts}
        row = m.HeldEvent(
            store_id=self.store_id, till_no=self.till_no, seq=event.seq,
            event_id=event.event_id, member_ids=json.dumps(sorted(members)), status=status,
            reason=problem.reason, detail_json=json.dumps(detail, ensure_ascii=False,
                                                          default=str),
            blocked_by=blocked_by, created_at=self.now)
        self.s.add(row)
        self.s.flush()
        for member_id in members:
            self.blocked.setdefault(member_id, (blocked_by or row.id, event.seq))
        if status == "open":
            lines = verify.parse_lines(event.body.get("ledger")) if _lines_ok(event) else []
            moved = sum(x.principal_fen + x.bonus_fen for x in lines)
            named = [x for x in members if len(x) <= verify.ID_CHARS]
            self.exception("implausible_event", min(named, default=None), moved or None,
                            {"held_id": row.id, "reason": problem.reason, "till_no": self.till_no,
                             **detail})

    # -- what later events may give back ---------------------------------------------------------

    def _remember_given(self, event: EventIn) -> None:
        body = event.body
        lines = body.get("ledger") or ()
        if event.type == "sale_completed" and body.get("member_id") and lines:
            line = lines[0]
            self._new_given(str(body["receipt_no"]), "sale", body, -int(line["principal_fen"]),
                            -int(line["bonus_fen"]), int(body["points_earned"]),
                            int(body["points_redeemed"]), int(body["total_fen"]))
        elif event.type == "wallet_topped_up" and lines:
            line = lines[0]
            self._new_given(str(body["key"]), "topup", body, int(line["principal_fen"]),
                            int(line["bonus_fen"]), 0, 0, int(line["principal_fen"]))
        else:
            ref = _ref(event.type, body)
            if ref is not None and ref in self.given:
                given, row = self.given[ref]
                self.given[ref] = (dataclasses.replace(given, used=True), row)
                if isinstance(row, dict):
                    row["used_by"] = event.event_id
                else:
                    row.used_by = event.event_id

    def _new_given(self, ref: str, kind: str, body: dict[str, Any], principal: int, bonus: int,
                   earned: int, redeemed: int, total: int) -> None:
        if ref in self.given:
            return  # a ref used twice: the first one counts (the second is checked against it)
        row = {"store_id": self.store_id, "ref": ref, "till_no": self.till_no, "kind": kind,
               "member_id": str(body["member_id"]), "principal_fen": principal,
               "bonus_fen": bonus, "points_earned": earned, "points_redeemed": redeemed,
               "total_fen": total, "day": to_local(verify.event_at(body)).date(), "used_by": None}
        self.new_given.append(row)
        self.given[ref] = (_given_from(row), row)


def members_of(body: dict[str, Any]) -> set[str]:
    found = {str(line["member_id"]) for part in ("ledger", "count")
             for line in body.get(part) or () if isinstance(line, dict) and "member_id" in line}
    if body.get("member_id"):
        found.add(str(body["member_id"]))
    return found


def _lines_ok(event: EventIn) -> bool:
    try:
        verify.parse_lines(event.body.get("ledger"))
    except (KeyError, TypeError, ValueError, IndexError):
        return False
    return True


def _ref(event_type: str, body: dict[str, Any]) -> str | None:
    """The sale a refund names, the top-up a void names."""
    if event_type == "sale_refunded":
        return str(body.get("receipt_no"))
    if event_type == "wallet_topup_voided":
        return str(body.get("topup_key"))
    return None


def _given(row: m.Refundable) -> verify.Given:
    return verify.Given(kind=row.kind, till_no=row.till_no, member_id=row.member_id,
                        principal_fen=row.principal_fen, bonus_fen=row.bonus_fen,
                        points_earned=row.points_earned, points_redeemed=row.points_redeemed,
                        total_fen=row.total_fen, day=row.day, used=row.used_by is not None)


def _given_from(row: dict[str, Any]) -> verify.Given:
    return verify.Given(kind=row["kind"], till_no=row["till_no"], member_id=row["member_id"],
                        principal_fen=row["principal_fen"], bonus_fen=row["bonus_fen"],
                        points_earned=row["points_earned"],
                        points_redeemed=row["points_redeemed"], total_fen=row["total_fen"],
                        day=row["day"], used=row["used_by"] is not None)
