"""The manager's staff report (内部会员): for one store-local month, each staff user linked to a
member account, what that account bought, the staff discount it got and what is left of the
monthly cap (:func:`storeapp.services.users.staff_discount_used` counts the same sales).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from storeapp.clock import local_month_bounds, to_local
from storeapp.db import Database
from storeapp.models import Sale, User
from storeapp.reports.model import Column, Fact, Facts, Label, Report, Table

_L = Label
_FIGURES = ("purchases", "purchases_fen", "staff_sales", "staff_discount_fen", "cap_left_fen")


def staff(db: Database, month: tuple[int, int] | None = None) -> Report:
    """The staff report for ``month`` (year, month; default: this store-local month)."""
    if month is None:
        now = to_local(db.clock.now())
        month = (now.year, now.month)
    since, until = local_month_bounds(*month)
    settings = db.settings
    cap = settings.staff_monthly_discount_cap_fen
    report = Report(kind="staff", title=_L("内部会员月报", "Staff purchases"),
                    period=f"{month[0]:04d}-{month[1]:02d}", generated_at=db.clock.now(),
                    store_code=settings.store_code)
    with db.reader() as s:
        linked = s.execute(select(User.code, User.name, User.member_id, User.active)
                           .where(User.member_id.is_not(None)).order_by(User.code)).all()
        bought = {row[0]: row[1:] for row in s.execute(
            select(Sale.member_id, func.count(), func.sum(Sale.total_fen),
                   func.count(Sale.staff_code), func.sum(Sale.staff_discount_fen))
            .where(Sale.member_id.in_([m for _, _, m, _ in linked]),
                   Sale.created_at >= since, Sale.created_at < until,
                   Sale.status == "completed")
            .group_by(Sale.member_id))}
    rows = []
    for code, name, member_id, active in linked:
        count, spent, staff_count, used = bought.get(member_id, (0, 0, 0, 0))
        rows.append({"code": code, "name": name, "member_id": member_id,
                     "active": _L("是", "yes") if active else _L("否", "no"),
                     "purchases": int(count), "purchases_fen": int(spent or 0),
                     "staff_sales": int(staff_count), "staff_discount_fen": int(used or 0),
                     "cap_left_fen": max(0, cap - int(used or 0))})
    total: dict[str, Any] = {"code": _L("合计", "Total"), "name": "", "member_id": "",
                             "active": "", **{k: sum(r[k] for r in rows) for k in _FIGURES}}
    report.sections += [
        Facts("rules", _L("员工价规则", "Staff price rules"), [
            Fact("staff_discount_pct", _L("员工折扣", "Staff discount"),
                 settings.staff_discount_pct, "pct"),
            Fact("monthly_cap_fen", _L("每月折扣上限", "Monthly discount cap"), cap),
            Fact("staff_count", _L("内部会员人数", "Staff members"), len(rows), "int"),
        ]),
        Table("staff", _L("内部会员", "Staff members"), [
            Column("code", _L("工号", "User")),
            Column("name", _L("姓名", "Name")),
            Column("member_id", _L("会员号", "Member")),
            Column("active", _L("在职", "Active")),
            Column("purchases", _L("消费笔数", "Purchases"), "int"),
            Column("purchases_fen", _L("消费金额", "Purchases total"), "fen"),
            Column("staff_sales", _L("员工价笔数", "At staff price"), "int"),
            Column("staff_discount_fen", _L("已用员工折扣", "Staff discount used"), "fen"),
            Column("cap_left_fen", _L("本月剩余额度", "Cap left"), "fen"),
        ], rows, total),
    ]
    return report


def month_of(text: str) -> tuple[int, int]:
    """``YYYY-MM`` as (year, month); ``ValueError`` for anything else."""
    parsed = dt.datetime.strptime(text, "%Y-%m")
    return parsed.year, parsed.month
