"""Stored-value liability (储值负债) and points outstanding as of any moment.

The ledgers are append-only and every entry carries the moment it was posted, so the balance
owed to members at time T is the sum of the entries posted up to T. Summing millions of rows
is avoided both ways round: ``ledger_totals`` (kept by triggers on every insert) holds the
totals now, so for a recent T we subtract what was posted after it; for an old T we add up what
was posted before it. Either sum reads only the covering ``(created_at, bucket, amount)``
index, never the table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.models import LedgerTotal, Member, PointsEntry, WalletEntry
from storeapp.reports.model import Column, Fact, Facts, Label, Report, Table

_L = Label


@dataclass(frozen=True)
class Balances:
    principal_fen: int
    bonus_fen: int
    points: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


def balances_at(s: Session, at: dt.datetime, *, inclusive: bool = True) -> Balances:
    """What members were owed at ``at`` (entries at exactly ``at`` count when ``inclusive``)."""
    first = s.scalar(select(func.min(WalletEntry.created_at)))
    now_totals = dict(s.execute(select(LedgerTotal.name, LedgerTotal.amount)).all())
    latest = s.scalar(select(func.max(WalletEntry.created_at)))
    recent = first is None or latest is None or at >= first + (latest - first) / 2

    def wallet_sum(after: bool) -> dict[str, int]:
        when = WalletEntry.created_at
        cond = (when > at if inclusive else when >= at) if after else \
            (when <= at if inclusive else when < at)
        return {bucket: int(total) for bucket, total in s.execute(
            select(WalletEntry.bucket, func.sum(WalletEntry.amount_fen)).where(cond)
            .group_by(WalletEntry.bucket))}

    def points_sum(after: bool) -> int:
        when = PointsEntry.created_at
        cond = (when > at if inclusive else when >= at) if after else \
            (when <= at if inclusive else when < at)
        return int(s.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(cond))
                   or 0)

    if recent:
        later = wallet_sum(after=True)
        return Balances(
            int(now_totals.get("wallet:principal", 0)) - later.get("principal", 0),
            int(now_totals.get("wallet:bonus", 0)) - later.get("bonus", 0),
            int(now_totals.get("points", 0)) - points_sum(after=True),
        )
    before = wallet_sum(after=False)
    return Balances(before.get("principal", 0), before.get("bonus", 0), points_sum(after=False))


def liability(db: Database, at: dt.datetime | None = None) -> Report:
    """The liability report as of ``at`` (naive UTC; default now), with what moved since."""
    now = db.clock.now()
    at = now if at is None else at
    with db.reader() as s:
        then = balances_at(s, at)
        current = balances_at(s, now) if at < now else then
        holders = s.scalar(select(func.count()).select_from(Member).where(
            Member.principal_fen + Member.bonus_fen > 0)) if at >= now else None
        moved = s.execute(
            select(WalletEntry.kind, WalletEntry.bucket, func.sum(WalletEntry.amount_fen))
            .where(WalletEntry.created_at > at, WalletEntry.created_at <= now)
            .group_by(WalletEntry.kind, WalletEntry.bucket)).all() if at < now else []
    report = Report(kind="liability", title=_L("储值负债", "Stored-value liability"),
                    period=to_local(at).strftime("%Y-%m-%d %H:%M:%S"), generated_at=now,
                    store_code=db.settings.store_code)
    items = [
        Fact("principal_fen", _L("本金", "Principal"), then.principal_fen),
        Fact("bonus_fen", _L("赠送", "Bonus"), then.bonus_fen),
        Fact("total_fen", _L("合计", "Total"), then.total_fen),
        Fact("points_outstanding", _L("未用积分", "Points outstanding"), then.points, "int"),
    ]
    if holders is not None:
        items.append(Fact("members_with_balance", _L("有余额会员", "Members with a balance"),
                          int(holders), "int"))
    report.sections.append(Facts("liability", _L("截至时点", "As of"), items))
    if moved:
        per: dict[str, dict[str, int]] = {}
        for kind, bucket, amount in moved:
            per.setdefault(kind, {"principal": 0, "bonus": 0})[bucket] = int(amount)
        rows = [{"kind": _KIND_LABELS.get(k, _L(k, k)), "kind_code": k,
                 "principal_fen": v["principal"], "bonus_fen": v["bonus"]}
                for k, v in sorted(per.items())]
        report.sections.append(Table("since", _L("此后变动", "Movements since"), [
            Column("kind", _L("类型", "Kind")),
            Column("principal_fen", _L("本金", "Principal"), "fen"),
            Column("bonus_fen", _L("赠送", "Bonus"), "fen"),
        ], rows, {"kind": _L("现在", "Now"), "principal_fen": current.principal_fen,
                  "bonus_fen": current.bonus_fen}))
    return report


_KIND_LABELS = {
    "topup": _L("充值", "Top-up"), "spend": _L("消费", "Spend"),
    "spend_refund": _L("退款退回", "Refund"), "topup_void": _L("充值撤销", "Top-up void"),
    "adjustment": _L("调整", "Adjustment"), "close_refund": _L("退卡退款", "Close payout"),
    "bonus_forfeit": _L("作废赠送", "Bonus forfeited"),
}
