"""Head office's figures for its pages: chain liability, liability by store, a day's totals
and each till's own day totals beside head office's, each one or two aggregate queries (on
SQLite and PostgreSQL alike), never members loaded into Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from sync.hq import models as m
from sync.hq.reconcile import ACCOUNTS, CARD_ACCOUNTS, card_applied
from sync.protocol import HQ_STORE


@dataclass
class ChainLiability:
    principal_fen: int
    bonus_fen: int
    points: int
    members: int
    blocked: int
    overdrawn_fen: int  # what overdrawn members owe, not netted against anyone's balance

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


@dataclass(frozen=True)
class StoreSync:
    """When a store's tills last synced (the latest of them), and the newest event head office
    holds from any of them."""

    synced_at: dt.datetime | None = None
    last_event_at: dt.datetime | None = None


def store_syncs(s: Session) -> dict[int, StoreSync]:
    """:class:`StoreSync` by store id (a store none of whose tills has synced is absent), one
    aggregate over the tills' streams."""
    return {int(store_id): StoreSync(synced, last_event) for store_id, synced, last_event in
            s.execute(select(m.Stream.store_id, func.max(m.Stream.synced_at),
                             func.max(m.Stream.last_event_at)).group_by(m.Stream.store_id))}


def chain_liability(s: Session) -> ChainLiability:
    """The chain's stored value as members hold it, one aggregate over live members."""
    balance = m.Member.principal_fen + m.Member.bonus_fen
    row = s.execute(select(
        func.coalesce(func.sum(m.Member.principal_fen), 0),
        func.coalesce(func.sum(m.Member.bonus_fen), 0),
        func.coalesce(func.sum(m.Member.points), 0),
        func.count(),
        func.count(case((m.Member.wallet_blocked.is_(True), 1))),
        func.coalesce(func.sum(case((balance < 0, -balance), else_=0)), 0),
    ).where(m.Member.merged_into.is_(None))).one()
    return ChainLiability(*(int(v) for v in row))


@dataclass
class CardLiabilityRow:
    """Count cards (次卡) sold at one store: what their unused uses are worth."""

    code: str
    value_fen: int
    uses: int
    cards: int  # with uses left
    overused: int  # below zero: two stores gave the last uses offline


def count_card_liability(s: Session) -> list[CardLiabilityRow]:
    """Count cards by the store that sold them, one aggregate over the chain's cards (their
    value is kept as :func:`storeapp.count_rules.value_of` of their uses)."""
    c = m.CountCard
    rows = s.execute(select(
        c.store_code, func.coalesce(func.sum(c.value_fen), 0),
        func.coalesce(func.sum(case((c.uses_left > 0, c.uses_left), else_=0)), 0),
        func.count(case((c.uses_left > 0, 1))), func.count(case((c.uses_left < 0, 1))))
        .where(c.status == "active").group_by(c.store_code).order_by(c.store_code))
    return [CardLiabilityRow(code, int(value), int(uses), int(n), int(over))
            for code, value, uses, n, over in rows]


@dataclass
class GiftLiabilityRow:
    """Gift cards sold at one store: what they still hold across the chain."""

    code: str
    balance_fen: int
    cards: int


def gift_card_liability(s: Session) -> list[GiftLiabilityRow]:
    """Gift cards by the store that sold them (spends of cards whose sale has not arrived yet
    wait until it has)."""
    g = m.GiftCard
    rows = s.execute(select(g.store_code, func.coalesce(func.sum(g.balance_fen), 0),
                            func.count()).where(g.sold.is_(True))
                     .group_by(g.store_code).order_by(g.store_code))
    return [GiftLiabilityRow(code, int(balance), int(n)) for code, balance, n in rows]


@dataclass
class LiabilityRow:
    code: str
    name: str
    principal_fen: int
    bonus_fen: int
    points: int
    members: int | None

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


def liability_by_store(s: Session, as_of: dt.date | None) -> list[LiabilityRow]:
    """Stored value by the store that contributed it (``HQ``: merges moving it between members).

    Now: from each member's per-store contributions. As of the end of a past day: from the
    ledger up to that day."""
    names = dict(s.execute(select(m.Store.code, m.Store.name)).all())
    if as_of is None:
        ms = m.MemberStore
        query = select(ms.store_code, func.sum(ms.principal_fen), func.sum(ms.bonus_fen),
                       func.sum(ms.points), func.count(func.distinct(ms.member_id))
                       ).group_by(ms.store_code)  # a row per till: count members once
    else:
        led = m.LedgerRow
        query = select(led.store_code, func.sum(led.principal_fen), func.sum(led.bonus_fen),
                       func.sum(led.points), func.count(func.distinct(led.member_id))
                       ).where(led.day <= as_of).group_by(led.store_code)
    found = {code: (int(p or 0), int(b or 0), int(pts or 0), int(n))
             for code, p, b, pts, n in s.execute(query)}
    rows = [LiabilityRow(code, names.get(code, ""), *found.get(code, (0, 0, 0, 0)))
            for code in sorted(names)]
    rows += [LiabilityRow(code, "", *found[code]) for code in sorted(found)
             if code not in names]  # HQ, and any store code that is no longer registered
    return rows


@dataclass
class DailyRow:
    code: str
    name: str
    rows: int = 0
    in_fen: int = 0
    out_fen: int = 0
    principal_fen: int = 0
    bonus_fen: int = 0
    points_issued: int = 0
    points_used: int = 0

    def add(self, other: DailyRow) -> None:
        for name in ("rows", "in_fen", "out_fen", "principal_fen", "bonus_fen",
                     "points_issued", "points_used"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def daily_by_store(s: Session, day: dt.date) -> list[DailyRow]:
    """Head office's ledger for one local day, per store: one grouped query on (store, day)."""
    led = m.LedgerRow
    names = dict(s.execute(select(m.Store.code, m.Store.name)).all())
    value = led.principal_fen + led.bonus_fen
    query = (select(led.store_code, func.count(),
                    _sum(case((value > 0, value), else_=0)),
                    _sum(case((value < 0, -value), else_=0)),
                    _sum(led.principal_fen), _sum(led.bonus_fen),
                    _sum(case((led.points > 0, led.points), else_=0)),
                    _sum(case((led.points < 0, -led.points), else_=0)))
             .where(led.store_code.in_([*names, HQ_STORE]), led.day == day)
             .group_by(led.store_code))
    found = {code: DailyRow(code, names.get(code, ""), *(int(v) for v in rest))
             for code, *rest in s.execute(query)}
    rows = [found.get(code) or DailyRow(code, name) for code, name in sorted(names.items())]
    if HQ_STORE in found:
        rows.append(found[HQ_STORE])
    return rows


def daily_by_kind(s: Session, day: dt.date) -> list[tuple[str, str, int, int, int, int]]:
    """(store, kind, rows, principal, bonus, points) for one day: what the movements were."""
    led = m.LedgerRow
    codes = [*s.scalars(select(m.Store.code)), HQ_STORE]
    query = (select(led.store_code, led.kind, func.count(), _sum(led.principal_fen),
                    _sum(led.bonus_fen), _sum(led.points))
             .where(led.store_code.in_(codes), led.day == day)
             .group_by(led.store_code, led.kind).order_by(led.store_code, led.kind))
    return [(code, kind, int(n), int(p), int(b), int(pts))
            for code, kind, n, p, b, pts in s.execute(query)]


@dataclass
class TillCheck:
    code: str
    till_no: int
    account: str
    till: tuple[int, int] | None  # (count, sum) the till reported; None: not reported
    hq: tuple[int, int]

    @property
    def match(self) -> bool | None:
        return None if self.till is None else self.till == self.hq


def till_checks(s: Session, day: dt.date) -> list[TillCheck]:
    """Each till's own day totals next to what head office applied for it (count of non-zero
    movements and their sum, per account), as :func:`sync.hq.reconcile.day_mismatches` compares
    them, in grouped queries. Count-card and gift-card accounts are listed where either side
    moved them."""
    led = m.LedgerRow
    columns: list[ColumnElement[Any]] = []
    for column in ACCOUNTS.values():
        columns += [func.count(case((column != 0, 1))), _sum(column)]
    codes = list(s.scalars(select(m.Store.code)))
    ours: dict[tuple[str, int], dict[str, tuple[int, int]]] = {}
    for code, till_no, *values in s.execute(
            select(led.store_code, led.till_no, *columns)
            .where(led.store_code.in_(codes), led.day == day)
            .group_by(led.store_code, led.till_no)):
        ours[code, till_no] = {account: (int(values[2 * i]), int(values[2 * i + 1]))
                               for i, account in enumerate(ACCOUNTS)}
    theirs: dict[tuple[str, int], dict[str, tuple[int, int]]] = {}
    for row in s.scalars(select(m.DayTotal).where(m.DayTotal.day == day)):
        theirs.setdefault((row.store_code, row.till_no), {})[row.account] = (
            int(row.count), int(row.total))
    for (code, till_no, _day), totals in card_applied(s, day=day).items():
        if code in codes:
            ours.setdefault((code, till_no), {}).update(totals)
    out = []
    for key in sorted(ours.keys() | theirs.keys()):
        reported, applied = theirs.get(key), ours.get(key, {})
        # count and gift cards only where either side moved them (most tills sell none)
        accounts = set(ACCOUNTS) | {a for a, v in (reported or {}).items()
                                    if a not in CARD_ACCOUNTS or v != (0, 0)} | {
            a for a in CARD_ACCOUNTS if applied.get(a, (0, 0)) != (0, 0)}
        for account in sorted(accounts, key=_account_order):
            out.append(TillCheck(key[0], key[1], account,
                                 None if reported is None else reported.get(account, (0, 0)),
                                 applied.get(account, (0, 0))))
    return out


def _sum(column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)


def _account_order(account: str) -> tuple[int, str]:
    order = [*ACCOUNTS, *CARD_ACCOUNTS]
    return (order.index(account) if account in order else len(order), account)
