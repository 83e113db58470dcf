"""Referrals (推广大使) at head office: only head office knows whether a referred member is new
to the whole chain, so it decides and rewards.

A ``member_registered`` naming a ``referrer_id`` records a referral (``hq_referrals``): refused
when the registration was merged into a member head office already knew by that phone ("not new
to the chain"), when it names the member themself, or a referrer head office never saw; pending
otherwise. The first applied ``sale_completed`` of a pending referee whose total reaches
``referral_min_purchase_fen`` rewards the referrer (or the member they were merged into) with
``referral_reward_points``: a movement of head office's own (store ``HQ``, till 0, ledger kind
``referral_reward``), as merges are, which every till takes with its next download as part of the
member's remote points. At most ``referral_monthly_cap`` rewards per referrer per Beijing month
(by head office's clock); past it the referral is refused ("monthly cap"). The settings are the
chain rules at the version the sale names (the defaults when it names none).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from storeapp.clock import local_month_bounds, to_local
from storeapp.settings import Settings
from sync.hq import bulk
from sync.hq import models as m
from sync.hq.batch import Batch
from sync.hq.member_row import MemberRow
from sync.protocol import HQ_STORE

if TYPE_CHECKING:
    from sync.hq.db import HqDatabase
    from sync.hq.ingest import EventIn

PENDING, REFUSED, REWARDED = "pending", "refused", "rewarded"
NOT_NEW = "not new to the chain"
MONTHLY_CAP = "monthly cap"
SELF_REFERRAL = "self-referral"
UNKNOWN_REFERRER = "unknown referrer"
REWARD_KIND = "referral_reward"
_DEFAULTS = Settings()


class ReferralApplier(Batch):
    """Referrals; mixed into the ingest, whose state it shares."""

    hq: HqDatabase
    touched: set[str]
    contributions: dict[tuple[str, str, int], list[int]]
    ledger: list[dict[str, Any]]
    #: referrals of the batch's members, by referee (None: not referred)
    referrals: dict[str, m.Referral | None]
    #: rewards per (referrer, year, month) counted so far, this batch's included
    referral_counts: dict[tuple[str, int, int], int]

    if TYPE_CHECKING:  # the ingest's own, used here
        def _lock(self, ids: set[str]) -> None: ...

        def member(self, member_id: str) -> MemberRow: ...

    def load_referrals(self, run: list[EventIn]) -> None:
        """One read for the batch: the referrals of the members whose sales it brings (their
        member rows are locked already, so no other batch decides them meanwhile)."""
        wanted = sorted({str(e.body["member_id"]) for e in run
                         if e.type == "sale_completed" and e.body.get("member_id")}
                        - self.referrals.keys())
        if not wanted:
            return
        for member_id in wanted:
            self.referrals[member_id] = None
        for row in self.s.scalars(select(m.Referral).where(
                bulk.among(self.s, m.Referral.referee_id, wanted))):
            self.referrals[row.referee_id] = row

    def apply_referral(self, event: EventIn) -> None:
        """After an applied event: a referred registration is recorded, a referee's purchase
        may earn the referrer's reward."""
        body = event.body
        if event.type == "member_registered" and body.get("referrer_id"):
            self._referred(event)
        elif event.type == "sale_completed" and body.get("member_id"):
            self._purchase(event)

    def _referred(self, event: EventIn) -> None:
        body = event.body
        referee_id, referrer_id = str(body["member_id"]), str(body["referrer_id"])
        known = self.referrals.get(referee_id)
        if known is None:  # not loaded with the batch: ask the database once
            known = self.s.get(m.Referral, referee_id)
        if known is not None:  # recorded before (a registration is applied once)
            self.referrals[referee_id] = known
            return
        referee = self.members.get(referee_id)
        self._lock({referrer_id})
        reason = ""
        if referrer_id == referee_id:
            reason = SELF_REFERRAL
        elif referee is not None and referee.merged_into is not None:
            reason = NOT_NEW  # head office already knew the phone: merged as a duplicate
        elif referrer_id not in self.members:
            reason = UNKNOWN_REFERRER
        row = m.Referral(
            referee_id=referee_id, referrer_id=referrer_id, store_code=self.store_code,
            registered_at=event.created_at, status=REFUSED if reason else PENDING,
            reason=reason, reward_points=0, rewarded_member_id=None, rewarded_at=None,
            decided_at=self.now if reason else None)
        self.s.add(row)
        self.referrals[referee_id] = row

    def _purchase(self, event: EventIn) -> None:
        body = event.body
        referee_id = str(body["member_id"])
        if referee_id not in self.referrals:
            self.referrals[referee_id] = self.s.get(m.Referral, referee_id)
        row = self.referrals[referee_id]
        if row is None or row.status != PENDING:
            return
        rules = self._rules(body)
        if int(body.get("total_fen") or 0) < rules.referral_min_purchase_fen:
            return
        target = self._live(row.referrer_id)
        local = to_local(self.now)
        month = (target.member_id, local.year, local.month)
        if month not in self.referral_counts:
            start, end = local_month_bounds(local.year, local.month)
            self.referral_counts[month] = int(self.s.scalar(
                select(func.count()).select_from(m.Referral).where(
                    m.Referral.rewarded_member_id == target.member_id,
                    m.Referral.status == REWARDED,
                    m.Referral.rewarded_at >= start, m.Referral.rewarded_at < end)) or 0)
        row.decided_at = self.now
        if self.referral_counts[month] >= rules.referral_monthly_cap:
            row.status, row.reason = REFUSED, MONTHLY_CAP
            return
        self.referral_counts[month] += 1
        points = rules.referral_reward_points
        row.status, row.reward_points = REWARDED, points
        row.rewarded_member_id, row.rewarded_at = target.member_id, self.now
        target.points += points
        self.contributions[target.member_id, HQ_STORE, 0][2] += points
        self.ledger.append({
            "member_id": target.member_id, "store_code": HQ_STORE, "till_no": 0,
            "event_id": None, "kind": REWARD_KIND, "principal_fen": 0, "bonus_fen": 0,
            "points": points, "at": self.now, "day": to_local(self.now).date()})
        self.touched.add(target.member_id)

    def _live(self, member_id: str) -> MemberRow:
        """The referrer, or the member head office merged them into (locked: one batch at a
        time counts a referrer's rewards)."""
        row = self.member(member_id)
        seen = {member_id}
        while row.merged_into is not None and row.merged_into not in seen:
            seen.add(row.merged_into)
            row = self.member(row.merged_into)
        return row

    def _rules(self, body: dict[str, Any]) -> Settings:
        version = body.get("rules")
        if isinstance(version, int) and not isinstance(version, bool) and version >= 0:
            return self.hq.rulebook.at(self.s, version).settings
        return _DEFAULTS


def report(s: Session, month: tuple[int, int] | None = None) -> dict[str, Any]:
    """Per referrer: the referees registered, the referrals rewarded and refused (by reason)
    and the points given; for one Beijing month (registered, rewarded or refused in it), or
    for all time. Totals come from the referrals; ``ledger_points`` independently from head
    office's ledger (the two agree)."""
    query = select(m.Referral).order_by(m.Referral.referrer_id, m.Referral.registered_at)
    ledger = select(func.coalesce(func.sum(m.LedgerRow.points), 0)).where(
        m.LedgerRow.kind == REWARD_KIND)
    start, end = local_month_bounds(*month) if month else (dt.datetime.min, dt.datetime.max)
    if month is not None:
        query = query.where(or_(
            and_(m.Referral.registered_at >= start, m.Referral.registered_at < end),
            and_(m.Referral.decided_at >= start, m.Referral.decided_at < end)))
        ledger = ledger.where(m.LedgerRow.at >= start, m.LedgerRow.at < end)
    rows: dict[str, dict[str, Any]] = {}
    for ref in s.scalars(query):
        row = rows.setdefault(ref.referrer_id, {
            "referrer_id": ref.referrer_id, "referees": 0, "pending": 0, "rewarded": 0,
            "refused": {}, "points": 0})
        if start <= ref.registered_at < end:
            row["referees"] += 1
            if ref.status == PENDING:
                row["pending"] += 1
        decided = ref.decided_at is not None and start <= ref.decided_at < end
        if decided and ref.status == REWARDED:
            row["rewarded"] += 1
            row["points"] += int(ref.reward_points)
        elif decided and ref.status == REFUSED:
            row["refused"][ref.reason] = row["refused"].get(ref.reason, 0) + 1
    people = dict(s.execute(select(m.Member.member_id, m.Member.card_no).where(
        m.Member.member_id.in_(sorted(rows)))).all()) if rows else {}
    for referrer_id, row in rows.items():
        row["referral_code"] = people.get(referrer_id, "")
    listed = sorted(rows.values(), key=lambda r: (-r["points"], r["referrer_id"]))
    return {
        "month": f"{month[0]:04d}-{month[1]:02d}" if month else None,
        "referrers": listed,
        "referees": sum(r["referees"] for r in listed),
        "rewarded": sum(r["rewarded"] for r in listed),
        "refused": sum(sum(r["refused"].values()) for r in listed),
        "points": sum(r["points"] for r in listed),
        "ledger_points": int(s.scalar(ledger) or 0)}


def month_figures(s: Session, day: dt.date) -> dict[str, int]:
    """The overview's line: referrals rewarded and refused in ``day``'s Beijing month, the
    points given, and the referees still awaiting a qualifying purchase."""
    start, end = local_month_bounds(day.year, day.month)
    decided = dict(s.execute(
        select(m.Referral.status, func.count()).where(
            m.Referral.decided_at >= start, m.Referral.decided_at < end)
        .group_by(m.Referral.status)).all())
    points = s.scalar(select(func.coalesce(func.sum(m.Referral.reward_points), 0)).where(
        m.Referral.status == REWARDED, m.Referral.rewarded_at >= start,
        m.Referral.rewarded_at < end))
    pending = s.scalar(select(func.count()).select_from(m.Referral).where(
        m.Referral.status == PENDING))
    return {"rewarded": int(decided.get(REWARDED, 0)), "refused": int(decided.get(REFUSED, 0)),
            "points": int(points or 0), "pending": int(pending or 0)}
