"""The manager's daily (or date-range) report: sales and refunds by tender, stored value in and
out (principal and bonus apart), liability at both ends, points, members, tiers, coupons and per
cashier, with sales by hour and top-ups vs spends per day for the charts.

Every figure is one query over a ledger or journal for the period's UTC bounds (store-local
days); the ``created_at`` indexes keep a day's report to the day's rows, so it costs the same on
a till with a year of history as on a new one. Liability and points outstanding come from
:mod:`storeapp.reports.liability`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from storeapp.clock import STORE_TZ, local_day_bounds
from storeapp.db import Database
from storeapp.errors import InvalidInput
from storeapp.models import (
    CountEntry,
    Coupon,
    GiftEntry,
    GiftSale,
    Member,
    Payment,
    PointsEntry,
    Refund,
    Sale,
    TierChange,
    Topup,
    WalletEntry,
)
from storeapp.reports.liability import balances_at, count_cards_at, gift_cards_at
from storeapp.reports.model import Column, Fact, Facts, Label, Report, Table
from storeapp.services import tiers

MAX_RANGE_DAYS = 366
METHODS = ("cash", "card", "wechat", "alipay", "wallet", "transfer", "giftcard", "account")
METHOD_LABELS = {
    "cash": Label("现金", "Cash"), "card": Label("银行卡", "Card"),
    "wechat": Label("微信", "WeChat"), "alipay": Label("支付宝", "Alipay"),
    "wallet": Label("储值", "Stored value"), "transfer": Label("转账", "Transfer"),
    "giftcard": Label("礼品卡", "Gift card"), "account": Label("挂账", "On account"),
}
_L = Label
TOTAL = Label("合计", "Total")


def daily(db: Database, start: dt.date | None = None, end: dt.date | None = None) -> Report:
    """The report for store-local days ``start`` to ``end`` inclusive (default: today)."""
    today = db.clock.local_date()
    start = start or today
    end = end or start
    if end < start:
        raise InvalidInput("bad_range", "The end date is before the start date",
                           variant="reversed")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise InvalidInput("bad_range", f"A report covers at most {MAX_RANGE_DAYS} days",
                           max_days=MAX_RANGE_DAYS)
    since, _ = local_day_bounds(start)
    _, until = local_day_bounds(end)
    period = start.isoformat() if start == end else f"{start.isoformat()} – {end.isoformat()}"
    report = Report(kind="daily", title=_L("营业日报", "Daily report"), period=period,
                    generated_at=db.clock.now(), store_code=db.settings.store_code)
    with db.reader() as s:
        window = _Window(s, since, until)
        report.sections += [
            _sales(window), _tenders(window), _stored_value(window), _count_cards(window),
            _gift_cards(window), _points(window),
            _members(window, db), _tier_table(db, s), _coupons(window), _cashiers(window),
            _by_hour(window), _by_day(window, start, end),
        ]
    return report


class _Window:
    """A reader session and the period's UTC bounds [since, until)."""

    def __init__(self, session: Session, since: dt.datetime, until: dt.datetime) -> None:
        self.s, self.since, self.until = session, since, until
        # the store's UTC offset in the period, for grouping by local hour and day in SQL
        offset = since.replace(tzinfo=dt.UTC).astimezone(STORE_TZ).utcoffset()
        self.shift = f"{int(offset.total_seconds() // 60) if offset else 0:+d} minutes"

    def within(self, column: Any) -> Any:
        return column >= self.since, column < self.until


def _sales(w: _Window) -> Facts:
    sold = w.s.execute(
        select(func.count(), func.coalesce(func.sum(Sale.total_fen), 0),
               func.coalesce(func.sum(Sale.discount_fen + Sale.coupon_fen + Sale.points_fen), 0),
               func.count(Sale.member_id))
        .where(*w.within(Sale.created_at))).one()
    refunded = w.s.execute(
        select(func.count(), func.coalesce(func.sum(Refund.amount_fen), 0))
        .where(*w.within(Refund.created_at))).one()
    count, total, discounts, member_sales = (int(v) for v in sold)
    refunds, refunds_fen = (int(v) for v in refunded)
    return Facts("sales", _L("销售", "Sales"), [
        Fact("sales_count", _L("销售笔数", "Sales"), count, "int"),
        Fact("sales_fen", _L("销售额", "Sales total"), total),
        Fact("refunds_count", _L("退款笔数", "Refunds"), refunds, "int"),
        Fact("refunds_fen", _L("退款额", "Refunds total"), refunds_fen),
        Fact("net_sales_fen", _L("净销售额", "Net sales"), total - refunds_fen),
        Fact("discounts_fen", _L("折扣/券/积分抵扣", "Discounts, coupons, points"), discounts),
        Fact("member_sales_count", _L("会员销售笔数", "Member sales"), member_sales, "int"),
        Fact("average_fen", _L("客单价", "Average sale"), total // count if count else 0),
    ])


def _tenders(w: _Window) -> Table:
    rows = w.s.execute(select(Payment.method, Payment.kind, func.sum(Payment.amount_fen))
                       .where(*w.within(Payment.created_at))
                       .group_by(Payment.method, Payment.kind)).all()
    by: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for method, kind, amount in rows:
        by[method][kind] += int(amount)
    kinds = ("sale", "refund", "topup", "topup_void", "plan", "countcard", "countcard_refund",
             "giftcard", "company_payment", "close")
    table_rows = []
    for method in [m for m in METHODS if m in by] + sorted(set(by) - set(METHODS)):
        row: dict[str, Any] = {"method": METHOD_LABELS.get(method, _L(method, method)),
                               "method_code": method}
        row.update({kind: by[method][kind] for kind in kinds})
        row["net"] = sum(by[method].values())
        table_rows.append(row)
    total = {"method": TOTAL, "method_code": "total",
             **{k: sum(r[k] for r in table_rows) for k in (*kinds, "net")}}
    return Table("tenders", _L("按支付方式", "By payment method"), [
        Column("method", _L("支付方式", "Method")),
        Column("sale", _L("销售", "Sales"), "fen"),
        Column("refund", _L("退款", "Refunds"), "fen"),
        Column("topup", _L("充值", "Top-ups"), "fen"),
        Column("topup_void", _L("充值撤销", "Top-up voids"), "fen"),
        Column("plan", _L("付费会员", "Plans"), "fen"),
        Column("countcard", _L("次卡", "Count cards"), "fen"),
        Column("countcard_refund", _L("次卡退款", "Count card refunds"), "fen"),
        Column("giftcard", _L("礼品卡", "Gift cards"), "fen"),
        Column("company_payment", _L("企业回款", "Company payments"), "fen"),
        Column("close", _L("退卡退款", "Close payouts"), "fen"),
        Column("net", _L("净额", "Net"), "fen"),
    ], table_rows, total)


def _stored_value(w: _Window) -> Facts:
    total = func.sum(WalletEntry.amount_fen)
    rows = w.s.execute(select(WalletEntry.kind, WalletEntry.bucket, total)
                       .where(*w.within(WalletEntry.created_at))
                       .group_by(WalletEntry.kind, WalletEntry.bucket)).all()
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for kind, bucket, amount in rows:
        sums[(kind, bucket)] = int(amount)
    topups = w.s.scalar(select(func.count()).select_from(Topup)
                        .where(*w.within(Topup.created_at))) or 0
    opening = balances_at(w.s, w.since, inclusive=False)
    closing = balances_at(w.s, w.until, inclusive=False)

    def fact(key: str, zh: str, en: str, kind: str, bucket: str, sign: int = 1) -> Fact:
        return Fact(key, _L(zh, en), sign * sums[(kind, bucket)])

    # What members hold from other stores, posted by head-office sync: shown when it moved.
    other_stores = [
        fact("sync_principal_fen", "其他门店本金", "Other stores principal", "sync", "principal"),
        fact("sync_bonus_fen", "其他门店赠送", "Other stores bonus", "sync", "bonus"),
    ] if any(kind == "sync" for kind, _ in sums) else []
    return Facts("stored_value", _L("储值", "Stored value"), [
        Fact("topups_count", _L("充值笔数", "Top-ups"), int(topups), "int"),
        fact("topup_principal_fen", "充值本金", "Top-up principal", "topup", "principal"),
        fact("topup_bonus_fen", "充值赠送", "Top-up bonus", "topup", "bonus"),
        fact("spend_principal_fen", "消费本金", "Spent principal", "spend", "principal", -1),
        fact("spend_bonus_fen", "消费赠送", "Spent bonus", "spend", "bonus", -1),
        fact("spend_refund_principal_fen", "退款退回本金", "Refunded principal",
             "spend_refund", "principal"),
        fact("spend_refund_bonus_fen", "退款退回赠送", "Refunded bonus", "spend_refund", "bonus"),
        fact("void_principal_fen", "撤销本金", "Voided principal", "topup_void", "principal", -1),
        fact("void_bonus_fen", "撤销赠送", "Voided bonus", "topup_void", "bonus", -1),
        fact("adjust_principal_fen", "调整本金", "Adjusted principal", "adjustment", "principal"),
        fact("adjust_bonus_fen", "调整赠送", "Adjusted bonus", "adjustment", "bonus"),
        fact("close_refund_fen", "退卡退本金", "Principal paid out at close", "close_refund",
             "principal", -1),
        fact("forfeit_bonus_fen", "退卡作废赠送", "Bonus forfeited at close", "bonus_forfeit",
             "bonus", -1),
        *other_stores,
        Fact("opening_principal_fen", _L("期初余额本金", "Opening principal"),
             opening.principal_fen),
        Fact("opening_bonus_fen", _L("期初余额赠送", "Opening bonus"), opening.bonus_fen),
        Fact("closing_principal_fen", _L("期末余额本金", "Closing principal"),
             closing.principal_fen),
        Fact("closing_bonus_fen", _L("期末余额赠送", "Closing bonus"), closing.bonus_fen),
    ])


def _count_cards(w: _Window) -> Facts:
    """Count cards (次卡): sold (the price is owed, not yet revenue), used (their value becomes
    revenue), refunded, expired, adjusted, and what is owed at both ends."""
    rows = w.s.execute(select(CountEntry.kind, func.count(), func.sum(CountEntry.uses),
                              func.sum(CountEntry.value_fen))
                       .where(*w.within(CountEntry.created_at))
                       .group_by(CountEntry.kind)).all()
    by = {kind: (int(n), int(uses), int(value)) for kind, n, uses, value in rows}
    none = (0, 0, 0)
    opening = count_cards_at(w.s, w.since - dt.timedelta(microseconds=1))
    closing = count_cards_at(w.s, w.until - dt.timedelta(microseconds=1))
    other_stores = [
        Fact("other_stores_uses", _L("其他门店次数", "Other stores uses"), by["sync"][1], "int"),
    ] if "sync" in by else []
    return Facts("count_cards", _L("次卡", "Count cards"), [
        Fact("sold_count", _L("售出张数", "Cards sold"), by.get("sale", none)[0], "int"),
        Fact("sold_fen", _L("售卡金额", "Sold for"), by.get("sale", none)[2]),
        Fact("used_uses", _L("核销次数", "Uses"), -by.get("use", none)[1], "int"),
        Fact("used_fen", _L("核销价值", "Value used"), -by.get("use", none)[2]),
        Fact("refunded_fen", _L("退卡价值", "Value refunded"), -by.get("refund", none)[2]),
        Fact("expired_fen", _L("过期价值", "Value expired"), -by.get("expire", none)[2]),
        Fact("adjusted_uses", _L("调整次数", "Uses adjusted"), by.get("adjust", none)[1], "int"),
        *other_stores,
        Fact("opening_value_fen", _L("期初未用价值", "Opening unused value"), opening.value_fen),
        Fact("closing_value_fen", _L("期末未用价值", "Closing unused value"), closing.value_fen),
    ])


def _gift_cards(w: _Window) -> Facts:
    """Gift cards (不记名预付卡): sold here (owed, not revenue), spent here (any store's cards),
    given back by refunds, and what the cards sold here still hold at both ends."""
    sold = w.s.execute(select(func.coalesce(func.sum(GiftSale.cards), 0),
                              func.coalesce(func.sum(GiftSale.total_fen), 0))
                       .where(*w.within(GiftSale.created_at))).one()
    moved = dict(w.s.execute(select(GiftEntry.kind, func.sum(GiftEntry.amount_fen))
                             .where(*w.within(GiftEntry.created_at))
                             .group_by(GiftEntry.kind)).all())
    return Facts("gift_cards", _L("礼品卡", "Gift cards"), [
        Fact("sold_count", _L("售出张数", "Cards sold"), int(sold[0]), "int"),
        Fact("sold_fen", _L("售卡金额", "Sold for"), int(sold[1])),
        Fact("spent_fen", _L("本店消费", "Spent here"), -int(moved.get("spend") or 0)),
        Fact("refunded_fen", _L("退回卡内", "Refunded to cards"),
             int(moved.get("spend_refund") or 0)),
        Fact("opening_fen", _L("期初未用(本店售出)", "Opening unused (sold here)"),
             gift_cards_at(w.s, w.since - dt.timedelta(microseconds=1))),
        Fact("closing_fen", _L("期末未用(本店售出)", "Closing unused (sold here)"),
             gift_cards_at(w.s, w.until - dt.timedelta(microseconds=1))),
    ])


def _points(w: _Window) -> Facts:
    rows = w.s.execute(select(PointsEntry.kind, func.sum(PointsEntry.points))
                       .where(*w.within(PointsEntry.created_at))
                       .group_by(PointsEntry.kind)).all()
    sums: dict[str, int] = defaultdict(int, {kind: int(total) for kind, total in rows})
    closing = balances_at(w.s, w.until, inclusive=False)
    other_stores = [Fact("other_stores", _L("其他门店", "Other stores"), sums["sync"], "int")
                    ] if "sync" in sums else []
    return Facts("points", _L("积分", "Points"), [
        Fact("issued", _L("发放", "Issued"), sums["earn"], "int"),
        Fact("redeemed", _L("抵扣", "Redeemed"), -sums["redeem"], "int"),
        Fact("expired", _L("过期", "Expired"), -sums["expire"], "int"),
        Fact("clawed_back", _L("退款扣回", "Clawed back"), -sums["clawback"], "int"),
        Fact("returned", _L("退款退回", "Returned"), sums["return"], "int"),
        Fact("adjusted", _L("调整", "Adjusted"), sums["adjustment"], "int"),
        *other_stores,
        Fact("outstanding", _L("期末未用积分", "Outstanding at close"), closing.points, "int"),
    ])


def _members(w: _Window, db: Database) -> Facts:
    new = w.s.scalar(select(func.count()).select_from(Member)
                     .where(*w.within(Member.created_at))) or 0
    total = w.s.scalar(select(func.count()).select_from(Member)
                       .where(Member.created_at < w.until)) or 0
    rank = {t.code: i for i, t in enumerate(tiers.table(db.settings))}
    ups = downs = 0
    for before, after in w.s.execute(select(TierChange.from_tier, TierChange.to_tier)
                                     .where(*w.within(TierChange.created_at))):
        if rank.get(after, 0) > rank.get(before, 0):
            ups += 1
        else:
            downs += 1
    return Facts("members", _L("会员", "Members"), [
        Fact("new_members", _L("新会员", "New members"), int(new), "int"),
        Fact("members_total", _L("会员总数(期末)", "Members at close"), int(total), "int"),
        Fact("upgrades", _L("升级", "Tier upgrades"), ups, "int"),
        Fact("downgrades", _L("降级", "Tier downgrades"), downs, "int"),
    ])


def _tier_table(db: Database, s: Session) -> Table:
    table = tiers.table(db.settings)
    counts = dict(s.execute(select(Member.tier, func.count()).where(Member.status != "closed")
                            .group_by(Member.tier)).all())
    total = sum(counts.values())
    rows = [{"tier": _L(t.name, t.name_en), "tier_code": t.code,
             "members": int(counts.get(t.code, 0)),
             "share": 100.0 * counts.get(t.code, 0) / total if total else 0.0} for t in table]
    return Table("tiers", _L("等级分布(当前)", "Tier distribution (now)"), [
        Column("tier", _L("等级", "Tier")),
        Column("members", _L("会员数", "Members"), "int"),
        Column("share", _L("占比", "Share"), "pct"),
    ], rows, {"tier": TOTAL, "members": total, "share": 100.0 if total else 0})


def _coupons(w: _Window) -> Facts:
    issued = w.s.scalar(select(func.count()).select_from(Coupon)
                        .where(*w.within(Coupon.issued_at))) or 0
    used = w.s.scalar(select(func.count()).select_from(Coupon)
                      .where(*w.within(Coupon.used_at))) or 0
    return Facts("coupons", _L("优惠券", "Coupons"), [
        Fact("issued", _L("发放", "Issued"), int(issued), "int"),
        Fact("used", _L("使用", "Used"), int(used), "int"),
    ])


def _cashiers(w: _Window) -> Table:
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for cashier, count, total in w.s.execute(
            select(Sale.cashier, func.count(), func.sum(Sale.total_fen))
            .where(*w.within(Sale.created_at)).group_by(Sale.cashier)):
        per[cashier]["sales_count"], per[cashier]["sales_fen"] = int(count), int(total)
    for cashier, count, total in w.s.execute(
            select(Refund.cashier, func.count(), func.sum(Refund.amount_fen))
            .where(*w.within(Refund.created_at)).group_by(Refund.cashier)):
        per[cashier]["refunds_count"], per[cashier]["refunds_fen"] = int(count), int(total)
    for cashier, count, total in w.s.execute(
            select(Topup.cashier, func.count(), func.sum(Topup.principal_fen))
            .where(*w.within(Topup.created_at)).group_by(Topup.cashier)):
        per[cashier]["topups_count"], per[cashier]["topup_fen"] = int(count), int(total)
    keys = ("sales_count", "sales_fen", "refunds_count", "refunds_fen", "topups_count",
            "topup_fen")
    rows = [{"cashier": c, **{k: per[c][k] for k in keys}} for c in sorted(per)]
    return Table("cashiers", _L("按收银员", "By cashier"), [
        Column("cashier", _L("收银员", "Cashier")),
        Column("sales_count", _L("销售笔数", "Sales"), "int"),
        Column("sales_fen", _L("销售额", "Sales total"), "fen"),
        Column("refunds_count", _L("退款笔数", "Refunds"), "int"),
        Column("refunds_fen", _L("退款额", "Refunds total"), "fen"),
        Column("topups_count", _L("充值笔数", "Top-ups"), "int"),
        Column("topup_fen", _L("充值本金", "Top-up principal"), "fen"),
    ], rows, {"cashier": TOTAL, **{k: sum(r[k] for r in rows) for k in keys}} if rows else None)


def _by_hour(w: _Window) -> Table:
    hour = func.strftime("%H", Sale.created_at, literal_column(f"'{w.shift}'"))
    found = {int(h): (int(n), int(t)) for h, n, t in w.s.execute(
        select(hour, func.count(), func.sum(Sale.total_fen))
        .where(*w.within(Sale.created_at)).group_by(hour))}
    rows = [{"hour": f"{h:02d}:00", "sales_count": found.get(h, (0, 0))[0],
             "sales_fen": found.get(h, (0, 0))[1]} for h in range(24)]
    return Table("by_hour", _L("按小时销售", "Sales by hour"), [
        Column("hour", _L("时段", "Hour")),
        Column("sales_count", _L("笔数", "Sales"), "int"),
        Column("sales_fen", _L("销售额", "Sales total"), "fen"),
    ], rows)


def _by_day(w: _Window, start: dt.date, end: dt.date) -> Table:
    day_of = func.date(WalletEntry.created_at, literal_column(f"'{w.shift}'"))
    wallet: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, kind, amount in w.s.execute(
            select(day_of, WalletEntry.kind, func.sum(WalletEntry.amount_fen))
            .where(*w.within(WalletEntry.created_at), WalletEntry.kind.in_(("topup", "spend")))
            .group_by(day_of, WalletEntry.kind)):
        wallet[day][kind] = int(amount)
    sale_day = func.date(Sale.created_at, literal_column(f"'{w.shift}'"))
    sold = {day: int(total) for day, total in w.s.execute(
        select(sale_day, func.sum(Sale.total_fen)).where(*w.within(Sale.created_at))
        .group_by(sale_day))}
    rows = []
    day = start
    while day <= end:
        key = day.isoformat()
        rows.append({"day": key, "sales_fen": sold.get(key, 0),
                     "topup_fen": wallet[key]["topup"], "spend_fen": -wallet[key]["spend"]})
        day += dt.timedelta(days=1)
    return Table("by_day", _L("每日充值与消费", "Top-ups and spends per day"), [
        Column("day", _L("日期", "Day")),
        Column("sales_fen", _L("销售额", "Sales total"), "fen"),
        Column("topup_fen", _L("充值(含赠送)", "Top-ups (with bonus)"), "fen"),
        Column("spend_fen", _L("储值消费", "Stored-value spends"), "fen"),
    ], rows)
