"""Referrals (推广大使) for head office's page: per store and per referrer, one Beijing month.

Counted from ``hq_referrals`` in grouped SQL (two queries, one per grouping), never rows loaded
into Python. A referral belongs to the month its referee registered in (referrals, confirmed
new to the chain, awaiting a purchase, refused as not new or for another reason), and to the
month head office decided it in (rewarded, the points given, refused for the monthly cap): the
same split as ``storeapp-hq referrals`` (:func:`sync.hq.apply_referrals.report`). The points are
checked against head office's ledger (``referral_reward`` movements), read independently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from storeapp.clock import local_month_bounds
from sync.hq import member_keys
from sync.hq import models as m
from sync.hq.apply_referrals import (
    MONTHLY_CAP,
    NOT_NEW,
    PENDING,
    REFUSED,
    REWARD_KIND,
    REWARDED,
)

C = TypeVar("C", bound="ReferralCounts")
#: referrers listed on the page, most points first (the totals count every one)
MAX_REFERRERS = 200


@dataclass
class ReferralCounts:
    #: registered in the month naming a referrer
    referrals: int = 0
    #: of those, head office found the referee new to the whole chain
    chain_new: int = 0
    #: of those, still waiting for a first qualifying purchase
    pending: int = 0
    #: rewarded in the month, and the points given
    rewarded: int = 0
    points: int = 0
    #: registered in the month with a phone the chain already knew
    not_new: int = 0
    #: refused in the month: the referrer had had the month's cap of rewards
    capped: int = 0
    #: registered in the month and refused otherwise (a self-referral, an unknown referrer)
    other: int = 0

    def add(self, other: ReferralCounts) -> None:
        for f in fields(ReferralCounts):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class StoreReferrals(ReferralCounts):
    code: str = ""
    name: str = ""


@dataclass
class ReferrerRow(ReferralCounts):
    member_id: str = ""
    #: the referrer's referral code (their card number) and phone, as head office holds them
    card_no: str = ""
    phone: str = ""
    home_store: str = ""


@dataclass
class ReferralMonth:
    month: str
    stores: list[StoreReferrals]
    referrers: list[ReferrerRow]
    #: every referrer with something in the month (the list shows the first MAX_REFERRERS)
    referrer_count: int
    total: ReferralCounts
    #: referral rewards in head office's ledger in the month (equals ``total.points``)
    ledger_points: int


def referral_month(s: Session, year: int, month: int) -> ReferralMonth:
    start, end = local_month_bounds(year, month)
    r = m.Referral
    columns = _columns(start, end)
    active = or_(and_(r.registered_at >= start, r.registered_at < end),
                 and_(r.decided_at >= start, r.decided_at < end))
    names = dict(s.execute(select(m.Store.code, m.Store.name)).all())
    by_store = {code: _counts(StoreReferrals(code=code), values) for code, *values in s.execute(
        select(r.store_code, *columns).where(active).group_by(r.store_code))}
    stores = [by_store.get(code) or StoreReferrals(code=code) for code in sorted(names)]
    stores += [row for code, row in sorted(by_store.items()) if code not in names]
    for row in stores:
        row.name = names.get(row.code, "")
    total = ReferralCounts()
    for row in stores:
        total.add(row)

    points_order = func.coalesce(func.sum(case(
        (_rewarded_in(start, end), r.reward_points), else_=0)), 0)
    counted = s.execute(select(r.referrer_id, *columns).where(active)
                        .group_by(r.referrer_id)
                        .order_by(points_order.desc(), func.count().desc(), r.referrer_id)
                        .limit(MAX_REFERRERS)).all()
    member_keys.ring(s).prefetch(x[0] for x in counted)
    people = {x.member_id: x for x in s.scalars(select(m.Member).where(
        m.Member.member_id.in_([x[0] for x in counted])))}
    referrers = [
        _counts(ReferrerRow(member_id=member_id, card_no=who.card_no if who else "",
                            phone=who.phone if who else "",
                            home_store=who.home_store if who else ""), values)
        for member_id, *values in counted for who in (people.get(member_id),)]
    referrer_count = int(s.scalar(select(func.count(func.distinct(r.referrer_id)))
                                  .where(active)) or 0)
    ledger = int(s.scalar(select(func.coalesce(func.sum(m.LedgerRow.points), 0)).where(
        m.LedgerRow.kind == REWARD_KIND, m.LedgerRow.at >= start, m.LedgerRow.at < end)) or 0)
    return ReferralMonth(month=f"{year:04d}-{month:02d}", stores=stores, referrers=referrers,
                         referrer_count=referrer_count, total=total, ledger_points=ledger)


def _rewarded_in(start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    r = m.Referral
    return and_(r.status == REWARDED, r.rewarded_at >= start, r.rewarded_at < end)


def _columns(start: dt.datetime, end: dt.datetime) -> list[ColumnElement[Any]]:
    """The counts of :class:`ReferralCounts`, in its order, as aggregate columns."""
    r = m.Referral
    registered = and_(r.registered_at >= start, r.registered_at < end)
    decided = and_(r.decided_at >= start, r.decided_at < end)

    def count(*conditions: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.count(case((and_(*conditions), 1)))

    return [
        count(registered),
        count(registered, or_(r.status != REFUSED, r.reason == MONTHLY_CAP)),
        count(registered, r.status == PENDING),
        count(_rewarded_in(start, end)),
        func.coalesce(func.sum(case((_rewarded_in(start, end), r.reward_points), else_=0)), 0),
        count(registered, r.status == REFUSED, r.reason == NOT_NEW),
        count(decided, r.status == REFUSED, r.reason == MONTHLY_CAP),
        count(registered, r.status == REFUSED, r.reason != NOT_NEW, r.reason != MONTHLY_CAP),
    ]


def _counts(row: C, values: list[Any]) -> C:
    for f, value in zip(fields(ReferralCounts), values, strict=True):
        setattr(row, f.name, int(value or 0))
    return row
