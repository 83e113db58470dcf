"""The KPI page's screenshots (``hq-{zh_CN,en}-kpis.png``), taken by ``scripts/hq_screenshots.py``
from a head office of their own: a year of a chain's members.

Through the real ingest, on a till of each of four stores: members registering month after
month (more each month), each coming back at their own rhythm, some drifting away; purchases
paid in cash or from stored value (earning points), top-ups, and tier upgrades as spend grows.
Then the nightly refresh (:func:`sync.hq.kpis.refresh`), so the page has its figures.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from sync.hq import kpis, service
from sync.hq import models as m
from sync.hq.accounts import add_user
from sync.hq.db import HqDatabase
from sync.hq.ingest import ingest
from tests.sync.wire import plausible

STORES = ("0001", "0002", "0003", "0004")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = (
         "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳",
         "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
         "刚", "桂英", "华", "玲", "鹏", "婷", "丹", "宇", "浩", "琳",
)
TIERS = ((500_000, "gold"), (100_000, "silver"))
#: the page is long: the browser's window is as tall as it
HEIGHT = 3500


def shoot_kpis(chromium: str, out: Path, tmp: Path, now: dt.datetime) -> list[Path]:
    """Seed a head office in ``tmp``, serve it, and shoot its KPI page in both languages."""
    import hq_screenshots as shots  # scripts/ is on the path when that script runs

    url = f"sqlite:///{tmp / 'kpis.db'}"
    hq = HqDatabase(url)
    for code, name in zip(STORES, ("人民路店", "南京路店", "西湖店", "中山路店"), strict=True):
        service.add_store(hq, code, name, now - dt.timedelta(days=400))
    seed_kpis(hq, now)
    add_user(hq, shots.USER, shots.PASSWORD, now)
    hq.close()
    server, thread, base = shots.serve(url)
    made = []
    try:
        for lang in ("zh_CN", "en"):
            target = out / f"hq-{lang}-kpis.png"
            query = "?lang=en" if lang == "en" else ""
            shots.shoot(chromium, base + "/kpis" + query, target, tmp / f"kpis-{lang}", lang,
                        height=HEIGHT)
            made.append(target)
    finally:
        server.should_exit = True
        thread.join(10)
    return made


def seed_kpis(hq: HqDatabase, now: dt.datetime, seed: int = 17) -> None:
    rng = random.Random(seed)
    start = now - dt.timedelta(days=365)
    events: dict[str, list[tuple[dt.datetime, str, dict[str, Any]]]] = {c: [] for c in STORES}
    serial = 0
    for month in range(12):
        joining = 8 + month * 2 + rng.randrange(0, 5)
        for _ in range(joining):
            serial += 1
            store = rng.choices(STORES, weights=(4, 3, 2, 1))[0]
            joined = start + dt.timedelta(days=30 * month + rng.uniform(0, 29))
            member_id = f"0193d000-0000-7000-8000-{serial:012d}"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            events[store].append((joined, "member_registered", {
                "member_id": member_id, "phone": f"1391{serial:07d}", "name": name,
                "card_no": f"K{serial:07d}"}))
            _visits(rng, events, store, member_id, joined, now)
    # every registration first: a member may buy at another store's till the day after
    for registrations in (True, False):
        for store, made in events.items():
            _send(hq, store, sorted((e for e in made if (e[1] == "member_registered")
                                     == registrations), key=lambda e: e[0]), now)
    kpis.refresh(hq, now)


def _visits(rng: random.Random, events: dict[str, list[tuple[dt.datetime, str, dict[str, Any]]]],
            home: str, member_id: str, joined: dt.datetime, now: dt.datetime) -> None:
    rhythm = rng.choice((7, 10, 14, 21, 30, 45, 60))
    stays = now if rng.random() < 0.65 else joined + dt.timedelta(days=rng.uniform(20, 200))
    balance = spent = 0
    tier = "regular"
    at = joined + dt.timedelta(hours=rng.uniform(0.2, 48))
    while at < min(stays, now - dt.timedelta(minutes=40)):
        store = home if rng.random() < 0.85 else rng.choice(STORES)
        total = rng.randrange(30, 600) * 100
        if balance < total and rng.random() < 0.25:
            principal = rng.choice((50_000, 100_000, 200_000))
            events[store].append((at - dt.timedelta(minutes=5), *plausible(
                "wallet_topped_up", member_id, principal, principal // 10)))
            balance += principal + principal // 10
        if balance >= total:
            bonus = total // 11
            events[store].append((at, *plausible("sale_completed", member_id,
                                                 -(total - bonus), -bonus, total // 100)))
            balance -= total
        else:
            events[store].append((at, *_cash_sale(member_id, total)))
        spent += total
        for threshold, code in TIERS:
            if spent >= threshold and tier != code and (tier, code) != ("gold", "silver"):
                events[store].append((at + dt.timedelta(seconds=1), "member_tier_changed",
                                      {"member_id": member_id, "tier": code, "by": "sale"}))
                tier = code
                break
        at += dt.timedelta(days=max(1.0, rng.gauss(rhythm, rhythm / 3)),
                           hours=rng.uniform(-3, 3))


def _cash_sale(member_id: str, total: int) -> tuple[str, dict[str, Any]]:
    paid = {"method": "cash", "amount_fen": total, "tendered_fen": total, "change_fen": 0,
            "principal_fen": 0, "bonus_fen": 0, "ref": None}
    return "sale_completed", {
        "receipt_no": f"R{uuid.uuid4().hex[:12]}", "member_id": member_id,
        "subtotal_fen": total, "discount_fen": 0, "coupon_fen": 0, "points_redeemed": 0,
        "points_fen": 0, "total_fen": total, "tenders": [paid], "points_earned": 0}


def _send(hq: HqDatabase, code: str, made: list[tuple[dt.datetime, str, dict[str, Any]]],
          now: dt.datetime, till_no: int = 3, size: int = 500) -> None:
    with hq.transaction() as s:
        store = s.scalars(select(m.Store).where(m.Store.code == code)).one()
        sent = int(s.scalar(select(m.Stream.acked_seq).where(
            m.Stream.store_id == store.id, m.Stream.till_no == till_no)) or 0)
    for start in range(0, len(made), size):
        out = []
        for seq, (at, event_type, fields) in enumerate(made[start:start + size],
                                                       sent + start + 1):
            body = {"type": event_type, "store": code, "till": till_no, "key": str(uuid.uuid4()),
                    "at": at.isoformat(), **fields}
            out.append({"seq": seq, "event_id": str(uuid.uuid4()), "type": event_type,
                        "created_at": at.isoformat(), "payload": json.dumps(body)})
        ingest(hq, store, {"batch_id": str(uuid.uuid4()), "till_no": till_no, "events": out},
               now)
