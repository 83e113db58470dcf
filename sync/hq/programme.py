"""The chain's members as the programme sees them: who they are (the directory), and which of
them are valuable, drifting or due (segments), from every store's visits (``hq_visits``).

Segments are the counter's eight RFM segments computed over the whole chain
(:mod:`storeapp.member_rules`, the same rule), plus four watchlists: lapsed (no visit for
:data:`LAPSED_DAYS`), near the next tier, birthday this month, and purchase cycle overdue. A
merged member's visits count for the member they were merged into; closed and merged members
are never listed.

Reads only: pages, the CLI and campaigns call these inside their own transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from storeapp.clock import to_local
from storeapp.member_rules import SEGMENT_CODES, Bought, Cycle, Scales, purchase_cycle
from storeapp.pii import fold_name
from storeapp.settings import Settings
from sync.hq import member_keys
from sync.hq import models as m
from sync.hq.rulebook import current_rules

RFM_DAYS = 365
LAPSED_DAYS = 90
HISTORY_LIMIT = 50
LIST_LIMIT = 200

#: every segment head office knows, RFM's eight first
WATCHLISTS = ("lapsed", "near_tier", "birthday_month", "cycle_overdue")
SEGMENTS = (*SEGMENT_CODES, *WATCHLISTS)


# -- who counts: a member as the chain knows them now ---------------------------------------

def _owner() -> ColumnElement[str]:
    """The member a visit counts for: the survivor of a merge, else the member the till named."""
    return func.coalesce(m.Member.merged_into, m.Member.member_id)


def _live() -> ColumnElement[bool]:
    return and_(m.Member.merged_into.is_(None), m.Member.status != "closed")


# -- RFM over the chain -----------------------------------------------------------------------

def chain_bought(s: Session, now: dt.datetime, days: int = RFM_DAYS) -> list[Bought]:
    """Each member who bought in the last ``days`` days at any store: whole days since their
    last purchase, purchases (sales; refunds do not count as visits) and net fen spent."""
    owner = _owner().label("owner")
    rows = s.execute(
        select(owner, func.max(m.Visit.at),
               func.sum(case((m.Visit.kind == "sale", 1), else_=0)),
               func.sum(m.Visit.amount_fen))
        .join(m.Member, m.Member.member_id == m.Visit.member_id)
        .where(m.Visit.at >= now - dt.timedelta(days=days), m.Visit.at <= now)
        .group_by(owner))
    day = dt.timedelta(days=1)
    return [Bought(str(mid), (now - last) // day, int(n), int(spent))
            for mid, last, n, spent in rows if int(n) > 0]


@dataclass(frozen=True)
class SegmentSize:
    code: str
    members: int
    avg_recency_days: int | None = None
    avg_frequency: float | None = None
    monetary_fen: int | None = None


@dataclass
class Insight:
    """The chain's segments at one moment: each segment's members, and RFM's figures."""

    now: dt.datetime
    scored: int
    members: dict[str, list[str]] = field(default_factory=dict)
    sizes: dict[str, SegmentSize] = field(default_factory=dict)
    #: a member's visit figures (RFM's Bought) where they bought in the window
    bought: dict[str, Bought] = field(default_factory=dict)
    #: cycle overdue: the member's cycle
    cycles: dict[str, Cycle] = field(default_factory=dict)
    #: near the next tier: (next tier code, growth, still to go)
    near: dict[str, tuple[str, int, int]] = field(default_factory=dict)


def insight(s: Session, now: dt.datetime, only: Iterable[str] = SEGMENTS) -> Insight:
    """The segments named in ``only`` (all by default), each with its live members."""
    wanted = set(only)
    unknown = wanted - set(SEGMENTS)
    if unknown:
        raise ValueError(f"unknown segment {sorted(unknown)}")
    bought = chain_bought(s, now)
    live = _live_ids(s)
    found = Insight(now=now, scored=len(bought))
    found.bought = {b.member_id: b for b in bought}
    if wanted & set(SEGMENT_CODES):
        scales = Scales.of(bought)
        sums: dict[str, list[int]] = {code: [0, 0, 0, 0] for code in SEGMENT_CODES}
        lists: dict[str, list[str]] = {code: [] for code in SEGMENT_CODES}
        for b in bought:
            if b.member_id not in live:
                continue
            code = scales.segment(b)
            acc = sums[code]
            acc[0] += 1
            acc[1] += b.recency_days
            acc[2] += b.frequency
            acc[3] += b.monetary_fen
            lists[code].append(b.member_id)
        for code in SEGMENT_CODES:
            if code in wanted:
                n, days, freq, money = sums[code]
                found.members[code] = lists[code]
                found.sizes[code] = SegmentSize(
                    code, n, days // n if n else 0, round(freq / n, 1) if n else 0.0, money)
    if "lapsed" in wanted:
        found.members["lapsed"] = _lapsed(s, now)
    if "near_tier" in wanted:
        found.near = _near_tier(s, now, current_rules(s).settings)
        found.members["near_tier"] = sorted(found.near, key=lambda x: (found.near[x][2], x))
    if "birthday_month" in wanted:
        found.members["birthday_month"] = _birthday_month(s, now)
    if "cycle_overdue" in wanted:
        found.cycles = _cycles_overdue(s, now, live)
        found.members["cycle_overdue"] = sorted(found.cycles)
    for code in WATCHLISTS:
        if code in wanted:
            found.sizes[code] = SegmentSize(code, len(found.members[code]))
    return found


def _live_ids(s: Session) -> set[str]:
    return set(s.scalars(select(m.Member.member_id).where(_live())))


def _last_visits() -> Select[str, dt.datetime]:
    owner = _owner().label("owner")
    return (select(owner, func.max(m.Visit.at).label("last"))
            .join(m.Member, m.Member.member_id == m.Visit.member_id)
            .where(m.Visit.kind == "sale").group_by(owner))


def _lapsed(s: Session, now: dt.datetime) -> list[str]:
    """Live members whose last purchase anywhere is more than :data:`LAPSED_DAYS` ago, longest
    gone first."""
    last = _last_visits().subquery()
    rows = s.execute(
        select(last.c.owner).join(m.Member, m.Member.member_id == last.c.owner)
        .where(last.c.last < now - dt.timedelta(days=LAPSED_DAYS), _live())
        .order_by(last.c.last, last.c.owner))
    return [str(x) for x, in rows]


def _near_tier(s: Session, now: dt.datetime,
               settings: Settings) -> dict[str, tuple[str, int, int]]:
    """Live members within ``tier_near_pct`` of their next tier's threshold: growth is net
    spend over ``tier_window_days`` at every store (the till's rule, chain-wide)."""
    tiers = sorted(settings.tiers, key=lambda t: int(t["threshold_fen"]))
    following = {str(a["code"]): b for a, b in itertools.pairwise(tiers)}
    if not following:
        return {}
    owner = _owner().label("owner")
    growth = (select(owner, func.sum(m.Visit.amount_fen).label("growth"))
              .join(m.Member, m.Member.member_id == m.Visit.member_id)
              .where(m.Visit.at >= now - dt.timedelta(days=settings.tier_window_days),
                     m.Visit.at <= now)
              .group_by(owner).subquery())
    rows = s.execute(select(m.Member.member_id, m.Member.tier, growth.c.growth)
                     .join(growth, growth.c.owner == m.Member.member_id).where(_live()))
    pct = settings.tier_near_pct
    near = {}
    for member_id, tier, grown in rows:
        nxt = following.get(tier)
        if nxt is None:
            continue
        threshold, grown = int(nxt["threshold_fen"]), int(grown or 0)
        to_go = threshold - grown
        if to_go > 0 and to_go * 100 <= threshold * pct:
            near[str(member_id)] = (str(nxt["code"]), grown, to_go)
    return near


def _birthday_month(s: Session, now: dt.datetime) -> list[str]:
    return sorted(s.scalars(select(m.Member.member_id).where(
        m.Member.birth_month == to_local(now).month, _live())))


def _cycles_overdue(s: Session, now: dt.datetime, live: set[str]) -> dict[str, Cycle]:
    """Members whose purchase cycle (over the last :data:`RFM_DAYS`) is overdue today."""
    owner = _owner().label("owner")
    rows = s.execute(
        select(owner, m.Visit.day).distinct()
        .join(m.Member, m.Member.member_id == m.Visit.member_id)
        .where(m.Visit.kind == "sale", m.Visit.at >= now - dt.timedelta(days=RFM_DAYS),
               m.Visit.at <= now)
        .order_by(owner))
    today = to_local(now).date()
    overdue = {}
    for member_id, days in itertools.groupby(rows, key=lambda r: str(r[0])):
        if member_id not in live:
            continue
        cycle = purchase_cycle(day for _, day in days)
        if cycle is not None and cycle.overdue(today):
            overdue[member_id] = cycle
    return overdue


# -- the directory ----------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberRow:
    """A member as lists show them (the phone is the caller's to mask)."""

    member_id: str
    card_no: str
    name: str
    phone: str
    tier: str
    home_store: str
    principal_fen: int
    bonus_fen: int
    points: int
    birthday: dt.date | None
    created_at: dt.datetime


def rows_of(s: Session, member_ids: list[str]) -> dict[str, MemberRow]:
    found: dict[str, MemberRow] = {}
    ring = member_keys.ring(s)
    for start in range(0, len(member_ids), 500):
        chunk = member_ids[start:start + 500]
        ring.prefetch(chunk)
        for row in s.scalars(select(m.Member).where(m.Member.member_id.in_(chunk))):
            found[row.member_id] = _row(row)
    return found


def _row(x: m.Member) -> MemberRow:
    return MemberRow(x.member_id, x.card_no, x.name, x.phone, x.tier, x.home_store,
                     x.principal_fen, x.bonus_fen, x.points, x.birthday, x.created_at)


def search(s: Session, query: str, limit: int = LIST_LIMIT) -> list[MemberRow]:
    """Live members a head-office user's search names: a full phone, its last four digits,
    a card number, or part of a name."""
    q = query.strip()
    if not q:
        return []
    ring = member_keys.ring(s)
    if re.fullmatch(r"\+?\d{5,20}", q):
        cond = or_(m.Member.phone_key == ring.phone_key(q), m.Member.card_no == q)
    elif re.fullmatch(r"\d{4}", q):
        cond = or_(m.Member.tail_key == ring.tail_key(q), m.Member.card_no == q)
    else:
        return _by_name(s, q, limit)
    rows = list(s.scalars(select(m.Member).where(cond, m.Member.merged_into.is_(None))
                          .order_by(m.Member.member_id).limit(limit)))
    ring.prefetch(x.member_id for x in rows)
    return sorted((_row(x) for x in rows), key=lambda r: (r.name, r.member_id))


#: members whose names have every gram of a search, opened to check it (the rest are dropped)
NAME_CANDIDATES = 2000


def _by_name(s: Session, query: str, limit: int) -> list[MemberRow]:
    """Live members whose name contains ``query``, by name. Names are sealed: the query's keyed
    grams find the members whose names have them all, and only those are opened and checked
    (one letter finds names starting with it), as at the till
    (:func:`storeapp.services.members.find`)."""
    ring = member_keys.ring(s)
    wanted, grams = fold_name(query), sorted(ring.query_grams(query))
    if not wanted or not grams:
        return []
    having_all = (select(m.MemberNameGram.member_id).where(m.MemberNameGram.gram.in_(grams))
                  .group_by(m.MemberNameGram.member_id).having(func.count() == len(grams)))
    candidates = list(s.scalars(select(m.Member).where(
        m.Member.member_id.in_(having_all), m.Member.merged_into.is_(None))
        .order_by(m.Member.member_id).limit(NAME_CANDIDATES)))
    ring.prefetch(x.member_id for x in candidates)
    found = [_row(x) for x in candidates if wanted in fold_name(x.name)]
    return sorted(found, key=lambda r: (r.name, r.member_id))[:limit]


@dataclass(frozen=True)
class VisitRow:
    at: dt.datetime
    store_code: str
    kind: str
    amount_fen: int


@dataclass(frozen=True)
class StoreVisits:
    store_code: str
    visits: int
    spent_fen: int
    last: dt.datetime


@dataclass(frozen=True)
class MemberDetail:
    member: MemberRow
    status: str
    merged_from: list[str]
    stores: list[StoreVisits]
    history: list[VisitRow]
    visits_12m: int
    spent_12m_fen: int
    segment: str | None
    rfm: str | None
    cycle: Cycle | None
    count_cards: list[tuple[str, str, int, dt.datetime]]


def member_detail(s: Session, now: dt.datetime, member_id: str,
                  scales: Scales | None = None) -> MemberDetail | None:
    """One member's page: profile, balances, stores, history across stores, segment, rhythm.
    ``scales``: the chain's RFM scales when the caller has them (else computed here)."""
    row = s.get(m.Member, member_id)
    if row is None:
        return None
    merged_from = list(s.scalars(select(m.Member.member_id)
                                 .where(m.Member.merged_into == member_id)))
    ids = [member_id, *merged_from]
    stores = [StoreVisits(code, int(n), int(spent or 0), last)
              for code, n, spent, last in s.execute(
        select(m.Visit.store_code, func.sum(case((m.Visit.kind == "sale", 1), else_=0)),
               func.sum(m.Visit.amount_fen), func.max(m.Visit.at))
        .where(m.Visit.member_id.in_(ids)).group_by(m.Visit.store_code)
        .order_by(func.max(m.Visit.at).desc()))]
    history = [VisitRow(at, code, kind, int(amount)) for at, code, kind, amount in s.execute(
        select(m.Visit.at, m.Visit.store_code, m.Visit.kind, m.Visit.amount_fen)
        .where(m.Visit.member_id.in_(ids)).order_by(m.Visit.at.desc(), m.Visit.id.desc())
        .limit(HISTORY_LIMIT))]
    since = now - dt.timedelta(days=RFM_DAYS)
    year = s.execute(
        select(m.Visit.day, m.Visit.kind, m.Visit.amount_fen, m.Visit.at)
        .where(m.Visit.member_id.in_(ids), m.Visit.at >= since, m.Visit.at <= now)).all()
    sales = [r for r in year if r[1] == "sale"]
    segment = rfm = None
    if sales:
        last = max(r[3] for r in sales)
        mine = Bought(member_id, (now - last) // dt.timedelta(days=1), len(sales),
                      sum(int(r[2]) for r in year))
        scales = scales or Scales.of(chain_bought(s, now))
        scored = scales.scored(mine)
        segment, rfm = scored.segment, f"{scored.r}{scored.f}{scored.m}"
    cards = [(card_no, name, int(left), expires) for card_no, name, left, expires in s.execute(
        select(m.CountCard.card_no, m.CountCard.name, m.CountCard.uses_left,
               m.CountCard.expires_at)
        .where(m.CountCard.member_id.in_(ids)).order_by(m.CountCard.expires_at))]
    return MemberDetail(
        member=_row(row), status=row.status, merged_from=merged_from, stores=stores,
        history=history, visits_12m=len(sales), spent_12m_fen=sum(int(r[2]) for r in year),
        segment=segment, rfm=rfm, cycle=purchase_cycle(r[0] for r in sales),
        count_cards=cards)


def visits_by_member(s: Session, member_ids: list[str], since: dt.datetime,
                     until: dt.datetime) -> dict[str, tuple[int, int]]:
    """(purchases, net fen) per member (merged members counted for their survivor) between
    ``since`` and ``until``: what campaign results compare."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    owner = _owner().label("owner")
    for start in range(0, len(member_ids), 500):
        chunk = member_ids[start:start + 500]
        rows = s.execute(
            select(owner, func.sum(case((m.Visit.kind == "sale", 1), else_=0)),
                   func.sum(m.Visit.amount_fen))
            .join(m.Member, m.Member.member_id == m.Visit.member_id)
            .where(or_(m.Member.member_id.in_(chunk), m.Member.merged_into.in_(chunk)),
                   and_(m.Visit.at >= since, m.Visit.at < until))
            .group_by(owner))
        for member_id, n, spent in rows:
            acc = out[str(member_id)]
            acc[0] += int(n)
            acc[1] += int(spent or 0)
    return {k: (v[0], v[1]) for k, v in out.items()}
