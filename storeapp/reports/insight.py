"""Member insight: RFM scores and segments, members not seen for 90 days (流失预警), birthdays
this week, and members within reach of the next tier.

RFM over the last 12 months of completed sales: Recency (days since the last purchase),
Frequency (purchases) and Monetary (fen spent), each scored 1–5 by quintile among the members
who bought (5 = most recent / most frequent / spent most). A score of 3 or more counts as high;
the eight classic segments (重要价值客户 …) are the high/low combinations of R, F and M.
One grouped read of the covering ``ix_sales_member_time`` index feeds both RFM and the
near-next-tier list, so neither touches the sales table itself.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from typing import Any

from sqlalchemy import DateTime, bindparam, case, func, select, text
from sqlalchemy.orm import Session

from storeapp import member_rules
from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.identity import mask_phone
from storeapp.member_rules import Bought, Scales, Scored
from storeapp.models import Member, Sale
from storeapp.reports.model import Column, Fact, Facts, Label, Report, Table
from storeapp.services import tiers

_L = Label
RFM_DAYS = 365
CHURN_DAYS = 90
LIST_LIMIT = 200

SEGMENT_LABELS = {
    "champions": _L("重要价值客户", "Champions"),
    "big_spenders": _L("重要发展客户", "Promising big spenders"),
    "at_risk_loyal": _L("重要保持客户", "Loyal at risk"),
    "cant_lose": _L("重要挽留客户", "Can't lose them"),
    "loyal_low_spend": _L("一般价值客户", "Loyal, low spend"),
    "promising": _L("一般发展客户", "Promising"),
    "need_attention": _L("一般保持客户", "Need attention"),
    "hibernating": _L("一般挽留客户", "Hibernating"),
}


#: Each member who bought in the window: whole days since the last purchase (to the
#: millisecond: julianday is a double), purchases and fen spent. ``INDEXED BY`` keeps SQLite on
#: the covering (member_id, created_at, status, total_fen) index, read in member order with no
#: sort; left to itself the planner takes the created_at range plus a lookup per sale, 3-4x
#: slower at a year of a busy store.
_BOUGHT = text("""
SELECT member_id,
       CAST(ROUND((julianday(:now) - julianday(max(created_at))) * 86400000) AS INTEGER)
           / 86400000,
       count(*), sum(total_fen)
  FROM sales INDEXED BY ix_sales_member_time
 WHERE member_id IS NOT NULL AND created_at >= :since AND created_at <= :now
   AND status = 'completed'
 GROUP BY member_id
""").bindparams(bindparam("now", type_=DateTime), bindparam("since", type_=DateTime))


def _bought(s: Session, now: dt.datetime, days: int) -> list[Bought]:
    rows = s.execute(_BOUGHT, {"now": now, "since": now - dt.timedelta(days=days)})
    return [Bought(str(mid), int(rd), int(f), int(m)) for mid, rd, f, m in rows]


def score_members(s: Session, now: dt.datetime, days: int = RFM_DAYS) -> list[Scored]:
    """Every member with a completed sale in the last ``days`` days, scored 1–5 on R, F, M."""
    return member_rules.score(_bought(s, now, days))


def rfm(db: Database, *, segment: str | None = None, limit: int = LIST_LIMIT,
        full_phones: bool = False) -> Report:
    """Segment sizes with average R/F/M and, for ``segment``, its members (biggest spenders
    first). Phones are masked unless ``full_phones`` (the caller checks the role and audits)."""
    now = db.clock.now()
    with db.reader() as s:
        bought = _bought(s, now, RFM_DAYS)
        scales = Scales.of(bought)
        sums: dict[str, list[int]] = {code: [0, 0, 0, 0] for code in SEGMENT_LABELS}
        wanted: list[Bought] = []
        for b in bought:  # a million members: plain tuples, four compares each
            code = scales.segment(b)
            acc = sums[code]
            acc[0] += 1
            acc[1] += b.recency_days
            acc[2] += b.frequency
            acc[3] += b.monetary_fen
            if code == segment:
                wanted.append(b)
        total = len(bought)
        rows = []
        for code, label in SEGMENT_LABELS.items():
            n, days_sum, freq_sum, money_sum = sums[code]
            rows.append({
                "segment": label, "segment_code": code, "members": n,
                "share": 100.0 * n / total if total else 0.0,
                "avg_recency_days": days_sum // n if n else 0,
                "avg_frequency": round(freq_sum / n, 1) if n else 0,
                "monetary_fen": money_sum,
            })
        report = Report(kind="rfm", title=_L("会员 RFM 分群", "Member RFM segments"),
                        period=f"{to_local(now - dt.timedelta(days=RFM_DAYS)).date()} – "
                               f"{to_local(now).date()}",
                        generated_at=now, store_code=db.settings.store_code)
        active = s.scalar(select(func.count()).select_from(Member)
                          .where(Member.status != "closed")) or 0
        report.sections.append(Facts("summary", _L("概况", "Summary"), [
            Fact("scored", _L("12个月内有消费会员", "Members who bought in 12 months"), total,
                 "int"),
            Fact("not_scored", _L("12个月内无消费会员", "Members with no purchase in 12 months"),
                 max(0, int(active) - total), "int"),
        ]))
        report.sections.append(Table("segments", _L("分群", "Segments"), [
            Column("segment", _L("分群", "Segment")),
            Column("members", _L("会员数", "Members"), "int"),
            Column("share", _L("占比", "Share"), "pct"),
            Column("avg_recency_days", _L("平均距今天数", "Avg days since"), "int"),
            Column("avg_frequency", _L("平均次数", "Avg purchases"), "text"),
            Column("monetary_fen", _L("消费金额", "Spent"), "fen"),
        ], rows, {"segment": _L("合计", "Total"), "members": total,
                  "share": 100.0 if total else 0.0,
                  "monetary_fen": sum(row["monetary_fen"] for row in rows)}))
        if segment is not None:
            merged = _merged_ids(s)  # their sales stay in the scores, but no one is to call
            top = heapq.nlargest(limit, [w for w in wanted if w.member_id not in merged],
                                 key=lambda w: (w.monetary_fen, w.member_id))
            chosen = [scales.scored(b) for b in top]
            report.sections.append(_member_list(
                s, "segment_members", SEGMENT_LABELS[segment], chosen, full_phones,
                tier_names(db)))
    return report


def _member_list(s: Session, key: str, title: Label, chosen: list[Scored],
                 full_phones: bool, names: dict[str, Label]) -> Table:
    people = _people(s, [x.member_id for x in chosen])
    rows = []
    for x in chosen:
        p = people[x.member_id]
        rows.append({**_person_cells(p, full_phones, names), "recency_days": x.recency_days,
                     "frequency": x.frequency, "monetary_fen": x.monetary_fen,
                     "rfm": f"{x.r}{x.f}{x.m}"})
    return Table(key, title, [*_PERSON_COLUMNS,
                              Column("recency_days", _L("距今天数", "Days since"), "int"),
                              Column("frequency", _L("次数", "Purchases"), "int"),
                              Column("monetary_fen", _L("消费金额", "Spent"), "fen"),
                              Column("rfm", _L("RFM", "RFM"))], rows)


_PERSON_COLUMNS = [
    Column("card_no", _L("卡号", "Card")),
    Column("name", _L("姓名", "Name")),
    Column("phone", _L("手机", "Phone")),
    Column("tier", _L("等级", "Tier")),
    Column("balance_fen", _L("余额", "Balance"), "fen"),
]


def _merged_ids(s: Session) -> set[str]:
    """Members head office merged into another (a few: read by the partial index)."""
    return set(s.scalars(select(Member.member_id).where(Member.merged_into.is_not(None))))


def _people(s: Session, ids: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for start in range(0, len(ids), 500):
        for m in s.scalars(select(Member).where(Member.member_id.in_(ids[start:start + 500]))):
            found[m.member_id] = m
    return found


def _person_cells(m: Member, full_phones: bool, tier_names: dict[str, Label]) -> dict[str, Any]:
    return {"member_id": m.member_id, "card_no": m.card_no, "name": m.name,
            "phone": m.phone if full_phones else mask_phone(m.phone),
            "tier": tier_names.get(m.tier, _L(m.tier, m.tier)), "tier_code": m.tier,
            "balance_fen": m.principal_fen + m.bonus_fen}


def tier_names(db: Database) -> dict[str, Label]:
    return {t.code: _L(t.name, t.name_en) for t in tiers.table(db.settings)}


def watchlists(db: Database, *, limit: int = LIST_LIMIT, full_phones: bool = False) -> Report:
    """Who to call: not seen for 90 days (with a balance first), birthdays this week (Monday to
    Sunday, store-local), and members within ``tier_near_pct`` of the next tier."""
    now = db.clock.now()
    today = to_local(now).date()
    monday = today - dt.timedelta(days=today.weekday())
    week = [monday + dt.timedelta(days=i) for i in range(7)]
    with db.reader() as s:
        cutoff = now - dt.timedelta(days=CHURN_DAYS)
        lapsed_q = select(Member).where(Member.status == "active", Member.last_visit_at < cutoff,
                                        Member.merged_into.is_(None))
        lapsed_count = s.scalar(select(func.count()).select_from(lapsed_q.subquery())) or 0
        lapsed = s.scalars(lapsed_q.order_by((Member.principal_fen + Member.bonus_fen).desc(),
                                             Member.last_visit_at).limit(limit)).all()
        month_days = [d.strftime("%m-%d") for d in week]
        months = sorted({d.month for d in week})  # the day is sealed: opened for the few
        born = sorted((m for m in s.scalars(select(Member).where(
            Member.status == "active", Member.merged_into.is_(None),
            Member.birth_month.in_(months)))
            if m.birthday and m.birthday.strftime("%m-%d") in month_days),
            key=lambda m: (m.birthday.strftime("%m-%d") if m.birthday else "", m.name))
        near = _near_next_tier(db, s, now)
        near_people = _people(s, [member_id for member_id, *_ in near[:limit]])
    names = tier_names(db)
    report = Report(kind="watchlists", title=_L("会员关怀", "Members to reach"),
                    period=today.isoformat(), generated_at=now, store_code=db.settings.store_code)
    report.sections.append(Facts("counts", _L("人数", "Counts"), [
        Fact("lapsed", _L(f"{CHURN_DAYS}天未到店(流失预警)", f"Not seen for {CHURN_DAYS} days"),
             int(lapsed_count), "int"),
        Fact("birthdays", _L("本周生日", "Birthdays this week"), len(born), "int"),
        Fact("near_tier", _L("接近升级", "Near the next tier"), len(near), "int"),
    ]))
    report.sections.append(Table("lapsed", _L("流失预警", "Not seen for 90 days"), [
        *_PERSON_COLUMNS, Column("last_visit", _L("最近到店", "Last visit"))],
        [{**_person_cells(m, full_phones, names),
          "last_visit": to_local(m.last_visit_at).date().isoformat()} for m in lapsed]))
    report.sections.append(Table("birthdays", _L("本周生日", "Birthdays this week"), [
        *_PERSON_COLUMNS, Column("birthday", _L("生日", "Birthday"))],
        [{**_person_cells(m, full_phones, names),
          "birthday": m.birthday.strftime("%m-%d") if m.birthday else ""} for m in born[:limit]]))
    report.sections.append(Table("near_tier", _L("接近升级", "Near the next tier"), [
        *_PERSON_COLUMNS, Column("next_tier", _L("下一等级", "Next tier")),
        Column("growth_fen", _L("成长值", "Growth"), "fen"),
        Column("to_next_fen", _L("还差", "To go"), "fen")],
        [{**_person_cells(near_people[mid], full_phones, names), "next_tier": nxt,
          "growth_fen": growth, "to_next_fen": to_go}
         for mid, nxt, growth, to_go in near[:limit]]))
    return report


def _near_next_tier(db: Database, s: Session,
                    now: dt.datetime) -> list[tuple[str, Label, int, int]]:
    """(member, next tier, growth, still to spend) for members within ``tier_near_pct`` of the
    next threshold, closest first; growth as :func:`storeapp.services.tiers.growth_fen` sums."""
    table = tiers.table(db.settings)
    pct = db.settings.tier_near_pct
    since = now - dt.timedelta(days=db.settings.tier_window_days)
    following = {t.code: nxt for t, nxt in itertools.pairwise(table)}
    if not following:
        return []
    growth = (select(Sale.member_id, func.sum(Sale.total_fen).label("growth"))
              .with_hint(Sale, "INDEXED BY ix_sales_member_time", "sqlite")  # see _BOUGHT
              .where(Sale.member_id.is_not(None), Sale.created_at >= since,
                     Sale.status == "completed")
              .group_by(Sale.member_id).subquery())
    threshold = case({code: nxt.threshold_fen for code, nxt in following.items()},
                     value=Member.tier)  # NULL at the top tier: never near anything
    to_go = threshold - growth.c.growth
    rows = s.execute(
        select(Member.member_id, Member.tier, growth.c.growth, to_go)
        .join(growth, growth.c.member_id == Member.member_id)
        .where(Member.status == "active", Member.merged_into.is_(None), to_go > 0,
               to_go * 100 <= threshold * pct)
        .order_by(to_go, Member.member_id)).all()
    return [(str(member_id), _L(following[tier].name, following[tier].name_en), int(g), int(go))
            for member_id, tier, g, go in rows]
