"""Shifts (班次): open with a cash float, X report at any time, close with the counted cash into a
numbered, frozen Z report; and the till's payments journal they are read from.

Every service that takes or gives back money calls :func:`record_payment` inside its action, so
the journal holds one row per payment method per action, stamped with the till's open shift.
A shift's expected cash is its float plus its cash rows; nothing else is summed by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from storeapp import receipt_jobs
from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.models import Payment, Shift, Topup, ZReport
from storeapp.money import MAX_AMOUNT_FEN, format_fen
from storeapp.results import ActionResult, Record, optional
from storeapp.sequences import insert_row, next_value

PAYMENT_KINDS = ("sale", "refund", "topup", "topup_void", "plan", "close", "countcard",
                 "countcard_refund", "giftcard", "company_payment")
_OPEN_SHIFT = select(Shift.id).where(Shift.till_no == bindparam("till"),
                                     Shift.closed_at.is_(None))


@dataclass(frozen=True, eq=False)
class OpenShift(Record):
    """The till's open shift."""

    shift_id: int
    till_no: int
    opened_by: str
    opened_at: str
    float_fen: int


@dataclass(frozen=True, eq=False)
class ShiftOpened(OpenShift, ActionResult):
    pass


@dataclass(frozen=True, eq=False)
class ShiftReport(Record):
    """An X report (``kind`` "x": the open shift so far) or a Z report (``kind`` "z", numbered
    ``z_no``: the shift as it was closed, never changed)."""

    kind: str
    at: str
    store_code: str
    till_no: int
    shift_id: int
    opened_by: str
    opened_at: str
    closed_by: str | None
    closed_at: str | None
    business_date: str
    float_fen: int
    sales_count: int
    sales_fen: int
    refunds_count: int
    refunds_fen: int
    topups_count: int
    topup_principal_fen: int
    topup_bonus_fen: int
    topup_voids_fen: int
    plans_fen: int
    close_payouts_fen: int
    #: Money in (+) and out (-) per payment kind and method.
    by_kind: dict[str, dict[str, int]]
    net_by_method: dict[str, int]
    cash_in_fen: int
    cash_out_fen: int
    expected_cash_fen: int
    counted_fen: int | None
    variance_fen: int | None
    z_no: int | None = optional(None)


@dataclass(frozen=True, eq=False)
class ShiftClosed(ShiftReport, ActionResult):
    """A close: its Z report."""


def record_payment(ctx: Ctx, kind: str, method: str, amount_fen: int) -> None:
    """Journal money in (+) or out (-) of the till by ``method``, in the action's transaction."""
    if amount_fen == 0:
        return
    assert kind in PAYMENT_KINDS, kind
    shift_id = ctx.session.connection().scalar(_OPEN_SHIFT, {"till": ctx.db.settings.till_no})
    insert_row(ctx.session, Payment, action_key=ctx.key, kind=kind, method=method,
               amount_fen=amount_fen, shift_id=shift_id, cashier=ctx.actor, created_at=ctx.now)


# -- open, X, close -----------------------------------------------------------------------------

def open_shift(db: Database, float_fen: int, *, actor: str,
               key: str | None = None) -> ShiftOpened:
    """Open the till's shift with the cash put in the drawer; one open shift per till."""
    if not 0 <= float_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput("bad_amount", "The float must be ¥0.00 or more", variant="float")

    def body(ctx: Ctx) -> ShiftOpened:
        till = ctx.db.settings.till_no
        if ctx.session.scalar(_OPEN_SHIFT, {"till": till}) is not None:
            raise Refused("shift_open", f"Till {till} already has an open shift: close it first",
                          till=int(till))
        shift = Shift(till_no=till, opened_by=ctx.actor, opened_at=ctx.now, float_fen=float_fen)
        ctx.session.add(shift)
        ctx.session.flush()
        ctx.audit("shift_opened", str(shift.id), float_fen=float_fen, till=till)
        ctx.emit("shift_opened", shift_id=shift.id, float_fen=float_fen)
        return ShiftOpened(**_open_fields(shift))

    return run_action(db, key=key_or_new(key), kind="shift_open", actor=actor,
                      request={"float_fen": float_fen}, body=body, returns=ShiftOpened)


def current(db: Database) -> OpenShift | None:
    """The till's open shift, or None."""
    with db.reader() as s:
        shift = _open(s, db.settings.till_no)
        return OpenShift(**_open_fields(shift)) if shift else None


def x_report(db: Database) -> ShiftReport:
    """The open shift's figures so far (X report): changes nothing, may be taken any time."""
    with db.reader() as s:
        shift = _open(s, db.settings.till_no)
        if shift is None:
            raise NotFound("no_shift", "No shift is open at this till")
        return ShiftReport(kind="x", at=db.clock.now().isoformat(), **_figures(db, s, shift))


def close_shift(db: Database, counted_fen: int, *, actor: str,
                key: str | None = None) -> ShiftClosed:
    """Close the open shift with the counted cash: expected vs counted, and the Z report, whose
    number is the till's next (gapless: taken in the same transaction) and which never changes."""
    if not 0 <= counted_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput("bad_amount", "Counted cash must be ¥0.00 or more",
                           variant="counted")

    def body(ctx: Ctx) -> ShiftClosed:
        s, settings = ctx.session, ctx.db.settings
        shift = _open(s, settings.till_no)
        if shift is None:
            raise NotFound("no_shift", "No shift is open at this till")
        report = freeze(ctx, shift, counted_fen, next_value(s, f"z:{settings.till_no}"))
        ctx.audit("shift_closed", str(shift.id), z_no=report.z_no, counted_fen=counted_fen,
                  expected_fen=report.expected_cash_fen, variance_fen=report.variance_fen)
        ctx.emit("shift_closed", shift_id=shift.id, z_no=report.z_no, counted_fen=counted_fen,
                 expected_fen=report.expected_cash_fen, variance_fen=report.variance_fen)
        ctx.receipt("z", receipt_jobs.shift_payload(settings, report, ctx.actor),
                    ref=receipt_jobs.shift_ref(report))
        return report

    return run_action(db, key=key_or_new(key), kind="shift_close", actor=actor,
                      request={"counted_fen": counted_fen}, body=body, returns=ShiftClosed)


def freeze(ctx: Ctx, shift: Shift, counted_fen: int, z_no: int) -> ShiftClosed:
    """Close ``shift`` with the counted cash into Z report ``z_no``, inside the action (also how a
    restore writes a close back from its event: the same payments give the same report)."""
    s = ctx.session
    shift.closed_by, shift.closed_at, shift.counted_fen = ctx.actor, ctx.now, counted_fen
    figures = _figures(ctx.db, s, shift)
    shift.expected_fen = figures["expected_cash_fen"]
    shift.z_no = z_no
    report = ShiftClosed(kind="z", z_no=z_no, at=ctx.now.isoformat(), **figures)
    s.add(ZReport(till_no=shift.till_no, z_no=z_no, shift_id=shift.id,
                  report_json=json.dumps(report.to_json(), ensure_ascii=False, sort_keys=True),
                  created_at=ctx.now))
    return report


def z_report(db: Database, z_no: int, *, till_no: int | None = None) -> ShiftReport:
    """A Z report exactly as it was made at the close."""
    till = db.settings.till_no if till_no is None else till_no
    with db.reader() as s:
        row = s.scalar(select(ZReport).where(ZReport.till_no == till, ZReport.z_no == z_no))
        if row is None:
            raise NotFound("unknown_z", f"No Z report {z_no} at till {till}", z_no=z_no,
                           till=int(till))
        return ShiftReport.from_json(json.loads(row.report_json))


def z_numbers(db: Database) -> list[int]:
    with db.reader() as s:
        return list(s.scalars(select(ZReport.z_no).where(ZReport.till_no == db.settings.till_no)
                              .order_by(ZReport.z_no)))


def receipt_rows(shift: ShiftReport | Mapping[str, object]) -> dict[str, object]:
    """The X/Z report (or its JSON form) as the receipt printer's ``z`` payload rows and
    sections."""
    report = shift if isinstance(shift, ShiftReport) else ShiftReport.from_json(shift)
    rows: dict[str, str | int] = {
        "班次 Shift": str(report.shift_id),
        "收银员 Cashier": report.opened_by,
        "开班 Opened": _local(report.opened_at),
    }
    if report.z_no:
        rows = {"Z 号 Z no.": f"{report.till_no:02d}-{report.z_no:05d}", **rows}
        rows["交班 Closed"] = _local(report.closed_at or report.at)
    rows.update({
        "销售笔数 Sales": str(report.sales_count),
        "销售额 Sales total": report.sales_fen,
        "退款笔数 Refunds": str(report.refunds_count),
        "退款额 Refunds total": report.refunds_fen,
        "充值本金 Top-up principal": report.topup_principal_fen,
        "充值赠送 Top-up bonus": report.topup_bonus_fen,
    })
    by_method = {f"{_METHOD_LABELS.get(m, m)}": fen for m, fen in report.net_by_method.items()}
    cash = {
        "备用金 Float": report.float_fen,
        "现金收入 Cash in": report.cash_in_fen,
        "现金支出 Cash out": -report.cash_out_fen,
        "应有现金 Expected": report.expected_cash_fen,
    }
    if report.counted_fen is not None:
        cash["实点现金 Counted"] = report.counted_fen
        cash["差额 Variance"] = report.variance_fen or 0
    return {"rows": rows, "sections": {"按支付方式 By method": by_method, "现金 Cash": cash}}


_METHOD_LABELS = {"cash": "现金 Cash", "card": "银行卡 Card", "wechat": "微信 WeChat",
                  "alipay": "支付宝 Alipay", "wallet": "储值 Stored value",
                  "transfer": "转账 Transfer", "account": "挂账 On account"}


# -- figures ------------------------------------------------------------------------------------

def _open(s: Session, till: int) -> Shift | None:
    return s.scalar(select(Shift).where(Shift.till_no == till, Shift.closed_at.is_(None)))


def _figures(db: Database, s: Session, shift: Shift) -> dict[str, Any]:
    rows = s.execute(select(Payment.kind, Payment.method, Payment.amount_fen, Payment.action_key)
                     .where(Payment.shift_id == shift.id)).all()
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    net: dict[str, int] = defaultdict(int)
    keys: dict[str, set[str]] = defaultdict(set)
    cash_in = cash_out = 0
    for kind, method, amount, key in rows:
        by_kind[kind][method] += amount
        net[method] += amount
        keys[kind].add(key)
        if method == "cash":
            cash_in += max(amount, 0)
            cash_out += max(-amount, 0)
    topup_keys = keys["topup"]
    bonus = sum(s.scalars(select(Topup.bonus_fen).where(Topup.key.in_(topup_keys)))) \
        if topup_keys else 0
    expected = shift.float_fen + cash_in - cash_out
    counted = shift.counted_fen
    return {
        "store_code": db.settings.store_code, "till_no": shift.till_no, "shift_id": shift.id,
        "opened_by": shift.opened_by, "opened_at": shift.opened_at.isoformat(),
        "closed_by": shift.closed_by,
        "closed_at": shift.closed_at.isoformat() if shift.closed_at else None,
        "business_date": to_local(shift.opened_at).date().isoformat(),
        "float_fen": shift.float_fen,
        "sales_count": len(keys["sale"]), "sales_fen": sum(by_kind["sale"].values()),
        "refunds_count": len(keys["refund"]), "refunds_fen": -sum(by_kind["refund"].values()),
        "topups_count": len(topup_keys), "topup_principal_fen": sum(by_kind["topup"].values()),
        "topup_bonus_fen": bonus,
        "topup_voids_fen": -sum(by_kind["topup_void"].values()),
        "plans_fen": sum(by_kind["plan"].values()),
        "close_payouts_fen": -sum(by_kind["close"].values()),
        "by_kind": {k: dict(sorted(v.items())) for k, v in sorted(by_kind.items())},
        "net_by_method": dict(sorted(net.items())),
        "cash_in_fen": cash_in, "cash_out_fen": cash_out,
        "expected_cash_fen": expected,
        "counted_fen": counted,
        "variance_fen": None if counted is None else counted - expected,
    }


def _open_fields(shift: Shift) -> dict[str, Any]:
    return {"shift_id": shift.id, "till_no": shift.till_no, "opened_by": shift.opened_by,
            "opened_at": shift.opened_at.isoformat(), "float_fen": shift.float_fen}


def _local(iso: str) -> str:
    return to_local(dt.datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def describe_variance(variance_fen: int) -> str:
    if variance_fen == 0:
        return "balanced"
    return f"{'over' if variance_fen > 0 else 'short'} by {format_fen(abs(variance_fen))}"
