"""Prepaid compliance figures per issuer and quarter (单用途商业预付卡管理办法, 资金存管), from
head office's ledgers: what the page, its CSV and PDF, and ``storeapp-hq compliance report``
show.

**Prepaid balance** at a day's end (Beijing time) = stored-value principal + count cards'
unused value + gift cards' unused balance, each the sum of head office's own ledger up to that
day by the store that moved it, which is the liability page's rule for a past day
(:func:`sync.hq.figures.liability_by_store`, reused here for the principal): a top-up counts
for the store that took it, a spend against the store that gave the goods; bonus is not money
a member paid and is left out. An issuer's balance is the sum of its stores'. Value sold by
one issuer and spent at another's store therefore moves between their figures: the chain
settles that between them; the chain total is exact whatever the assignment. A gift card
counts once head office has its sale (as on the liability page).

**Required deposit** for a quarter = the issuer kind's share of its balance at the end of the
quarter before; **recorded** = the quarter's latest deposit record; **shortfall** = what the
record lacks (an alert). For the quarter in progress the balance is as of today, and the
deposit the next quarter will require from it is shown too.

**Revenue alert**: a store whose prepaid balance passes the configured share of its sales over
the months to the same day (sales less refunds of every ``sale_completed`` and
``sale_refunded`` event head office applied, members or not).

The arithmetic is :mod:`storeapp.deposit_rules`'; each ledger is read in one grouped query over
its (store, day) index; revenue in one grouped query over the window's sale events.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, cast, exists, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from storeapp import deposit_rules as rules
from storeapp.clock import local_day_bounds
from storeapp.deposit_rules import Quarter
from sync.hq import issuers as iss
from sync.hq import models as m
from sync.hq.figures import liability_by_store


@dataclass(frozen=True)
class Prepaid:
    """A prepaid balance and its parts, in fen."""

    principal_fen: int = 0
    count_fen: int = 0
    gift_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.count_fen + self.gift_fen

    def __add__(self, other: Prepaid) -> Prepaid:
        return Prepaid(self.principal_fen + other.principal_fen,
                       self.count_fen + other.count_fen, self.gift_fen + other.gift_fen)

    def to_json(self) -> dict[str, int]:
        return {"principal_fen": self.principal_fen, "count_fen": self.count_fen,
                "gift_fen": self.gift_fen, "total_fen": self.total_fen}


@dataclass(frozen=True)
class StoreFigures:
    code: str
    name: str
    issuer: str
    balance: Prepaid  # at the day the figures are as of
    revenue_fen: int  # over the revenue window
    over_revenue: bool

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "issuer": self.issuer,
                "balance": self.balance.to_json(), "revenue_fen": self.revenue_fen,
                "over_revenue": self.over_revenue}


@dataclass(frozen=True)
class IssuerFigures:
    code: str
    name: str
    kind: str
    share_pct: int
    stores: tuple[str, ...]
    balance: Prepaid  # at the quarter's end (so far, for the quarter in progress)
    last_balance: Prepaid  # at the end of the quarter before
    required_fen: int
    deposit: iss.DepositView | None
    next_required_fen: int  # what the next quarter will require from ``balance``

    @property
    def deposited_fen(self) -> int:
        return self.deposit.amount_fen if self.deposit else 0

    @property
    def shortfall_fen(self) -> int:
        return rules.shortfall_fen(self.required_fen, self.deposited_fen)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "kind": self.kind,
                "share_pct": self.share_pct, "stores": list(self.stores),
                "balance": self.balance.to_json(), "last_balance": self.last_balance.to_json(),
                "required_fen": self.required_fen, "deposited_fen": self.deposited_fen,
                "shortfall_fen": self.shortfall_fen,
                "deposit": self.deposit.to_json() if self.deposit else None,
                "next_required_fen": self.next_required_fen}


@dataclass(frozen=True)
class Alert:
    kind: str  # deposit_shortfall | revenue_share
    subject: str  # the issuer's or the store's code
    amount_fen: int  # the shortfall; the store's prepaid balance
    limit_fen: int  # the deposit required; the revenue share the balance passed

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "amount_fen": self.amount_fen,
                "limit_fen": self.limit_fen}


@dataclass(frozen=True)
class Compliance:
    quarter: Quarter
    as_of: dt.date  # the quarter's last day, or today while it runs
    complete: bool
    revenue_share_pct: int
    revenue_months: int
    revenue_from: dt.date
    revenue_to: dt.date
    issuers: tuple[IssuerFigures, ...]
    stores: tuple[StoreFigures, ...]
    alerts: tuple[Alert, ...] = field(default=())

    @property
    def total(self) -> Prepaid:
        return sum((i.balance for i in self.issuers), Prepaid())

    @property
    def last_total(self) -> Prepaid:
        return sum((i.last_balance for i in self.issuers), Prepaid())

    @property
    def required_fen(self) -> int:
        return sum(i.required_fen for i in self.issuers)

    @property
    def deposited_fen(self) -> int:
        return sum(i.deposited_fen for i in self.issuers)

    @property
    def shortfall_fen(self) -> int:
        return sum(i.shortfall_fen for i in self.issuers)

    def to_json(self) -> dict[str, Any]:
        return {"quarter": self.quarter.label, "first_day": self.quarter.first_day.isoformat(),
                "last_day": self.quarter.last_day.isoformat(),
                "as_of": self.as_of.isoformat(), "complete": self.complete,
                "previous_quarter": self.quarter.previous().label,
                "revenue_share_pct": self.revenue_share_pct,
                "revenue_months": self.revenue_months,
                "revenue_from": self.revenue_from.isoformat(),
                "revenue_to": self.revenue_to.isoformat(),
                "issuers": [i.to_json() for i in self.issuers],
                "stores": [st.to_json() for st in self.stores],
                "total": {"balance": self.total.to_json(),
                          "last_balance": self.last_total.to_json(),
                          "required_fen": self.required_fen,
                          "deposited_fen": self.deposited_fen,
                          "shortfall_fen": self.shortfall_fen},
                "alerts": [a.to_json() for a in self.alerts]}


def compliance(s: Session, quarter: Quarter, today: dt.date) -> Compliance:
    """The quarter's figures (a quarter not begun yet is refused by the caller)."""
    complete = quarter.last_day < today
    as_of = quarter.last_day if complete else today
    last_day = quarter.previous().last_day
    now_by_store, last_by_store = balances(s, as_of), balances(s, last_day)
    months, share = iss.setting(s, "revenue_months"), iss.setting(s, "revenue_share_pct")
    first, _ = rules.revenue_window(as_of, months)
    revenue = revenue_by_store(s, first, as_of)
    owner = iss.store_issuers(s)
    names = dict(s.execute(select(m.Store.code, m.Store.name)).all())

    stores = []
    for code in sorted(names):
        balance = now_by_store.get(code, Prepaid())
        stores.append(StoreFigures(
            code=code, name=names[code], issuer=owner[code], balance=balance,
            revenue_fen=revenue.get(code, 0),
            over_revenue=rules.over_revenue_share(balance.total_fen, revenue.get(code, 0),
                                                  share)))
    by_issuer_now: dict[str, Prepaid] = defaultdict(Prepaid)
    by_issuer_last: dict[str, Prepaid] = defaultdict(Prepaid)
    for code in now_by_store.keys() | last_by_store.keys():
        issuer = owner.get(code, iss.CHAIN)  # HQ's merges, a store no longer registered
        by_issuer_now[issuer] += now_by_store.get(code, Prepaid())
        by_issuer_last[issuer] += last_by_store.get(code, Prepaid())
    recorded = iss.deposits(s, quarter)
    figures = []
    for who in iss.issuers(s):
        now, last = by_issuer_now[who.code], by_issuer_last[who.code]
        figures.append(IssuerFigures(
            code=who.code, name=who.name, kind=who.kind, share_pct=who.share_pct,
            stores=who.stores, balance=now, last_balance=last,
            required_fen=rules.required_deposit_fen(who.kind, last.total_fen),
            deposit=recorded.get(who.code),
            next_required_fen=rules.required_deposit_fen(who.kind, now.total_fen)))
    alerts = [Alert("deposit_shortfall", f.code, f.shortfall_fen, f.required_fen)
              for f in figures if f.shortfall_fen > 0]
    alerts += [Alert("revenue_share", st.code, st.balance.total_fen,
                     st.revenue_fen * share // 100) for st in stores if st.over_revenue]
    return Compliance(quarter=quarter, as_of=as_of, complete=complete, revenue_share_pct=share,
                      revenue_months=months, revenue_from=first, revenue_to=as_of,
                      issuers=tuple(figures), stores=tuple(stores), alerts=tuple(alerts))


def balances(s: Session, as_of: dt.date) -> dict[str, Prepaid]:
    """Each store's prepaid balance at the end of the local day ``as_of``, by the store that
    moved it (``HQ``: head office's merges), from the three ledgers."""
    principal = {row.code: row.principal_fen for row in liability_by_store(s, as_of)}
    count = count_value_by_store(s, as_of)
    gift = gift_balance_by_store(s, as_of)
    return {code: Prepaid(principal.get(code, 0), count.get(code, 0), gift.get(code, 0))
            for code in principal.keys() | count.keys() | gift.keys()}


def count_value_by_store(s: Session, as_of: dt.date) -> dict[str, int]:
    """Count cards' unused value at the end of ``as_of`` by the store that moved it: the sum of
    head office's count-card ledger (a sale adds the card's value, a use, expiry or refund takes
    the value of the uses it took; each worked out by :func:`storeapp.count_rules.value_of`)."""
    c = m.CountRow
    return {code: int(value) for code, value in s.execute(
        select(c.store_code, _sum(c.value_fen)).where(c.day <= as_of).group_by(c.store_code))}


def gift_balance_by_store(s: Session, as_of: dt.date) -> dict[str, int]:
    """Gift cards' unused balance at the end of ``as_of`` by the store that moved it, over the
    cards head office has seen sold (a spend whose card's sale has not arrived waits for it,
    as on the liability page)."""
    g = m.GiftRow
    sold = select(m.GiftCard.card_no).where(m.GiftCard.sold.is_(True))
    return {code: int(value) for code, value in s.execute(
        select(g.store_code, _sum(g.amount_fen))
        .where(g.day <= as_of, g.card_no.in_(sold)).group_by(g.store_code))}


def revenue_by_store(s: Session, first: dt.date, last: dt.date) -> dict[str, int]:
    """Each store's sales less refunds over the local days ``first``..``last``, from the sale
    and refund events head office applied (an event it holds or rejected is not revenue)."""
    e, held = m.Event, m.HeldEvent
    start, end = local_day_bounds(first)[0], local_day_bounds(last)[1]
    amount = case((e.type == "sale_completed", _json_int(s, "total_fen")),
                  else_=-_json_int(s, "amount_fen"))
    not_applied = exists().where(held.store_id == e.store_id, held.till_no == e.till_no,
                                 held.seq == e.seq,
                                 held.status.in_(("open", "waiting", "rejected")))
    rows = s.execute(
        select(m.Store.code, _sum(amount)).join(m.Store, m.Store.id == e.store_id)
        .where(e.type.in_(("sale_completed", "sale_refunded")), e.created_at >= start,
               e.created_at < end, ~not_applied)
        .group_by(m.Store.code))
    return {code: int(value) for code, value in rows}


def _json_int(s: Session, key: str) -> ColumnElement[Any]:
    """An integer field of an event's JSON payload, in SQL."""
    if s.get_bind().dialect.name == "postgresql":
        return cast(cast(m.Event.payload, JSONB)[key].astext, BigInteger)
    return cast(func.json_extract(m.Event.payload, f"$.{key}"), BigInteger)


def _sum(column: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)
