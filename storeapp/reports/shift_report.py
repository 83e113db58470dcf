"""An X or Z report (:class:`storeapp.services.shifts.ShiftReport`) as a :class:`Report`, for the
screen, CSV and PDF; the receipt printer uses :func:`storeapp.services.shifts.receipt_rows`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.reports.daily import METHOD_LABELS
from storeapp.reports.model import Column, Fact, Facts, Label, Report, Table

if TYPE_CHECKING:
    from storeapp.services.shifts import ShiftReport

_L = Label


def build(db: Database, shift: ShiftReport) -> Report:
    is_z = shift.kind == "z"
    title = (_L(f"Z 报表 #{shift.z_no:05d}", f"Z report #{shift.z_no:05d}") if is_z
             else _L("X 报表", "X report"))
    opened = to_local(dt.datetime.fromisoformat(shift.opened_at))
    closed = shift.closed_at
    period = opened.strftime("%Y-%m-%d %H:%M") + " – " + (
        to_local(dt.datetime.fromisoformat(closed)).strftime("%H:%M") if closed else "…")
    report = Report(kind="z" if is_z else "x", title=title, period=period,
                    generated_at=dt.datetime.fromisoformat(shift.at),
                    store_code=shift.store_code)
    report.sections.append(Facts("shift", _L("班次", "Shift"), [
        Fact("till_no", _L("收银台", "Till"), shift.till_no, "int"),
        Fact("shift_id", _L("班次号", "Shift no."), shift.shift_id, "int"),
        Fact("opened_by", _L("开班", "Opened by"), shift.opened_by, "text"),
        Fact("closed_by", _L("交班", "Closed by"), shift.closed_by or "", "text"),
        Fact("sales_count", _L("销售笔数", "Sales"), shift.sales_count, "int"),
        Fact("sales_fen", _L("销售额", "Sales total"), shift.sales_fen),
        Fact("refunds_count", _L("退款笔数", "Refunds"), shift.refunds_count, "int"),
        Fact("refunds_fen", _L("退款额", "Refunds total"), shift.refunds_fen),
        Fact("topup_principal_fen", _L("充值本金", "Top-up principal"),
             shift.topup_principal_fen),
        Fact("topup_bonus_fen", _L("充值赠送", "Top-up bonus"), shift.topup_bonus_fen),
    ]))
    rows = [{"method": METHOD_LABELS.get(m, _L(m, m)), "amount_fen": fen}
            for m, fen in shift.net_by_method.items()]
    report.sections.append(Table("by_method", _L("按支付方式(净额)", "Net by method"), [
        Column("method", _L("支付方式", "Method")),
        Column("amount_fen", _L("金额", "Amount"), "fen"),
    ], rows, {"method": _L("合计", "Total"), "amount_fen": sum(r["amount_fen"] for r in rows)}))
    cash = [
        Fact("float_fen", _L("备用金", "Float"), shift.float_fen),
        Fact("cash_in_fen", _L("现金收入", "Cash in"), shift.cash_in_fen),
        Fact("cash_out_fen", _L("现金支出", "Cash out"), shift.cash_out_fen),
        Fact("expected_cash_fen", _L("应有现金", "Expected cash"), shift.expected_cash_fen),
    ]
    if shift.counted_fen is not None:
        cash += [Fact("counted_fen", _L("实点现金", "Counted cash"), shift.counted_fen),
                 Fact("variance_fen", _L("差额", "Variance"), shift.variance_fen)]
    report.sections.append(Facts("cash", _L("现金", "Cash"), cash))
    return report
