"""Realistic demo data: Chinese names, mainland phones, a year of top-ups, sales and refunds,
a catalog, coupon templates, a paid plan and staff — all posted through the real services, in
time order, so every ledger, audit row and outbox event is genuine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

from sqlalchemy import func, select

from storeapp.clock import Clock, FixedClock
from storeapp.db import Database
from storeapp.errors import DomainError
from storeapp.models import Member, Sale
from storeapp.services import catalog, coupons, members, plans, sales, users, wallet
from storeapp.services.sales import LineIn, TenderIn

DEMO_USERS = (("c01", "李收银", "cashier", "111100"), ("m01", "王店长", "manager", "999900"))
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬建国文辉力鹏飞"
    "晨宇浩然子涵欣怡梓萱雨轩佳琪思远嘉怡俊杰晓东海燕春梅志强丹丹婷婷"
)
PRODUCTS = (
    ("6901234567892", "矿泉水 550ml", 200), ("6902345678907", "鲜牛奶 1L", 1290),
    ("6903456789012", "全麦面包", 1580), ("6904567890127", "有机鸡蛋 10枚", 2380),
    ("6905678901234", "苹果 富士 1kg", 1680), ("6906789012349", "咖啡豆 250g", 6800),
    ("6907890123454", "绿茶 500ml", 350), ("6908901234569", "洗发水 400ml", 4590),
    ("6909012345674", "纸巾 10包", 2990), ("6900123456789", "巧克力 Dove", 1250),
)
PRESETS_FEN = (50_000, 50_000, 100_000, 20_000, 200_000)


def populate(db: Database, *, members: int = 200, seed: int = 7,
             days: int = 365) -> dict[str, Any]:
    """Add ``members`` demo members with about a year of history ending now."""
    rng = random.Random(seed)
    real_clock = db.clock
    end = real_clock.now()
    clock = FixedClock(end - dt.timedelta(days=days))
    db.clock = clock
    try:
        staff_and_rules(db)
        _history(db, rng, clock, members, end)
    finally:
        db.clock = real_clock
    with db.reader() as s:
        return {
            "members": s.scalar(select(func.count()).select_from(Member)),
            "sales": s.scalar(select(func.count()).select_from(Sale)),
            "users": [{"code": c, "role": r, "pin": p} for c, _, r, p in DEMO_USERS],
        }


def staff_and_rules(db: Database) -> None:
    for code, name, role, pin in DEMO_USERS:
        with contextlib.suppress(DomainError):  # already there from an earlier demo run
            users.add_user(db, code=code, name=name, role=role, pin=pin, actor="demo")
    for barcode, name, price in PRODUCTS:
        catalog.upsert(db, barcode=barcode, name=name, price_fen=price, actor="demo")
    for code, name, kind, value, min_spend in (("WELCOME10", "新人券 满50减10", "amount_off",
                                                 1000, 5000),
                                                ("BDAY20", "生日券 满100减20", "amount_off",
                                                 2000, 10000),
                                                ("PLUS95", "会员95折券", "percent_off", 5, 0)):
        with contextlib.suppress(DomainError):
            coupons.add_template(db, code=code, name=name, kind=kind, value=value,
                                 min_spend_fen=min_spend, valid_days=60, actor="demo")
    plans.add_plan(db, code="PLUS", name="PLUS会员 年卡", fee_fen=9900, duration_days=365,
                   extra_discount_pct="3", points_multiplier="1.5",
                   monthly_coupon_template="PLUS95", monthly_coupon_count=1, actor="demo")
    with db.session() as s, s.begin():
        db.set_setting(s, "welcome_coupon_template", "WELCOME10")
        db.set_setting(s, "birthday_coupon_template", "BDAY20")


def _history(db: Database, rng: random.Random, clock: FixedClock, count: int,
             end: dt.datetime) -> None:
    start = clock.now()
    span = (end - start).total_seconds()
    plan: list[tuple[dt.datetime, int, str]] = []  # (when, member index, what)
    for i in range(count):
        joined = start + dt.timedelta(seconds=rng.random() * span * 0.8)
        plan.append((joined, i, "register"))
        visits = rng.randint(1, 9)
        for _ in range(visits):
            when = joined + dt.timedelta(seconds=rng.random() * (end - joined).total_seconds())
            plan.append((_opening_hours(when, rng), i, rng.choice(
                ["sale", "sale", "sale", "topup", "sale_wallet", "sale_wallet"])))
        if rng.random() < 0.05:
            plan.append((end - dt.timedelta(hours=rng.randint(2, 200)), i, "plan"))
    plan.sort()
    phones = _phones(rng, count)
    ids: dict[int, str] = {}
    receipts: list[str] = []
    manager = users.approve(db, "m01", "999900", "demo refund")
    for when, i, what in plan:
        if when > end:
            continue
        clock.set(max(clock.now(), when))
        try:
            if what == "register":
                ids[i] = members.register(db, phone=phones[i], name=_name(rng),
                                          birthday=_birthday(rng), actor="c01").member_id
            elif i not in ids:
                continue
            elif what == "topup":
                wallet.topup(db, ids[i], rng.choice(PRESETS_FEN),
                             method=rng.choice(wallet.TOPUP_METHODS), actor="c01")
            elif what == "plan":
                plans.buy(db, ids[i], "PLUS", method="wechat", actor="c01")
            else:
                receipts.append(_sale(db, rng, ids[i], wallet_first=what == "sale_wallet"))
                if rng.random() < 0.02:
                    sales.refund(db, rng.choice(receipts), actor="c01", grant=manager)
        except DomainError:
            continue  # the demo tries what customers try; the rules say no sometimes


def _sale(db: Database, rng: random.Random, member_id: str, *, wallet_first: bool) -> str:
    lines = [LineIn(barcode=b, qty=rng.randint(1, 3))
             for b, _, _ in rng.sample(PRODUCTS, rng.randint(1, 4))]
    if rng.random() < 0.3:
        lines.append(LineIn(unit_price_fen=rng.randint(10, 800) * 100, name="散装称重"))
    methods: list[TenderIn] = [TenderIn(rng.choice(["cash", "wechat", "alipay", "card"]))]
    if wallet_first:
        balance = members.get(db, member_id).balance_fen
        total = sales.quote(db, member_ref=member_id, lines=lines).total_fen
        if balance >= total:
            methods = [TenderIn("wallet")]
        elif balance > 0:
            methods = [TenderIn("wallet", balance), TenderIn("wechat")]
    return str(sales.checkout(db, member_ref=member_id, lines=lines, tenders=methods,
                              actor="c01")["receipt_no"])


def _phones(rng: random.Random, count: int) -> list[str]:
    prefixes = ("130", "131", "135", "136", "137", "138", "139", "150", "151", "158", "159",
                "166", "177", "186", "187", "188", "189", "199")
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(rng.choice(prefixes) + f"{rng.randrange(10**8):08d}")
    phones = sorted(seen)
    rng.shuffle(phones)
    return phones


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _birthday(rng: random.Random) -> dt.date | None:
    if rng.random() < 0.3:
        return None
    return dt.date(rng.randint(1955, 2006), rng.randint(1, 12), rng.randint(1, 28))


def _opening_hours(when: dt.datetime, rng: random.Random) -> dt.datetime:
    """Move a moment into store hours (09:00-21:00 Beijing = 01:00-13:00 UTC)."""
    return when.replace(hour=rng.randint(1, 12), minute=rng.randint(0, 59))


def is_demo_needed(db: Database) -> bool:
    return not users.has_users(db)


__all__ = ["Clock", "is_demo_needed", "populate"]
