"""The prepaid compliance page's screenshots, taken by ``scripts/hq_screenshots.py`` from a
head office of its own: ``hq-{zh_CN,en}-compliance.png``.

Real tills at four stores (the counter's own services, one till each) top members up, sell
and spend stored value, sell count cards and gift cards, over the last quarter of 2025 and the
first weeks of 2026; head office takes it all through the real ingest. Stores 0001 and 0002 are
the chain's (a group issuer), 0003 and 0004 two franchisees' (brand issuers). The chain and one
franchisee recorded their deposits for the quarter; the other franchisee's is short, and store
0004 sold little beside its top-ups: the page shows both alerts.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from pathlib import Path

from sqlalchemy import select

from storeapp.clock import FixedClock, to_local
from storeapp.db import Database
from storeapp.deposit_rules import Quarter
from storeapp.models import OutboxEvent
from storeapp.services import countcards, giftcards
from storeapp.services.sales import TenderIn
from storeapp.till import open_till
from sync.client import member_keys_for
from sync.hq import ingest, issuers, member_keys, service
from sync.hq import models as m
from sync.hq.accounts import add_user
from sync.hq.compliance import compliance
from sync.hq.db import HqDatabase
from tests.helpers import register, sell, topup

STORES = (("0001", "人民路店"), ("0002", "南京路店"), ("0003", "西湖加盟店"),
          ("0004", "平江路加盟店"))
FRANCHISEES = (("FR-HZ01", "杭州西湖餐饮管理有限公司", "0003"),
               ("FR-SZ02", "苏州平江商贸有限公司", "0004"))
#: per store: members, top-ups each, cash sales per member (what sells there beside top-ups)
LIFE = {"0001": (14, 2, 6), "0002": (10, 2, 4), "0003": (8, 2, 3), "0004": (8, 3, 0)}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
USER = "finance"


def shoot_compliance(chromium: str, out: Path, tmp: Path, now: dt.datetime) -> list[Path]:
    """Seed a head office in ``tmp``, serve it, and shoot the compliance page."""
    import hq_screenshots as shots  # scripts/ is on the path when that script runs

    # the throwaway tills' and head office's keys with them, not in the user's key store
    os.environ.setdefault("STOREAPP_KEY_DIR", str(tmp / "keys"))
    url = f"sqlite:///{tmp / 'compliance.db'}"
    seed_compliance(url, tmp, now)
    hq = HqDatabase(url)
    add_user(hq, shots.USER, shots.PASSWORD, now)
    hq.close()
    server, thread, base = shots.serve(url)
    made = []
    try:
        for lang in ("zh_CN", "en"):
            target = out / f"hq-{lang}-compliance.png"
            path = "/compliance" + ("?lang=en" if lang == "en" else "")
            shots.shoot(chromium, base + path, target, tmp / f"compliance-{lang}", lang,
                        height=1400)
            made.append(target)
    finally:
        server.should_exit = True
        thread.join(10)
    return made


class Till:
    """A real till of one store (its own database and services), uploading through head
    office's real ingest as ``storeapp sync`` would, members' keys sealed to head office."""

    def __init__(self, tmp: Path, hq: HqDatabase, code: str, start: dt.datetime) -> None:
        self.clock = FixedClock(start)
        self.db: Database = open_till(tmp / f"till-{code}.db", clock=self.clock,
                                      create=True).db
        with self.db.session() as s, s.begin():
            self.db.set_setting(s, "store_code", code)
            self.db.set_setting(s, "till_no", 1)
            self.db.set_setting(s, "hq_member_key", member_keys.public_key(hq))
        with hq.transaction() as s:
            self.store = s.scalars(select(m.Store).where(m.Store.code == code)).one()
        self.hq, self.next_seq = hq, 1

    def at(self, when: dt.datetime) -> Database:
        self.clock.set(when)
        return self.db

    def upload(self) -> None:
        while True:
            with self.db.reader() as s:
                rows = s.scalars(select(OutboxEvent).where(OutboxEvent.seq >= self.next_seq)
                                 .order_by(OutboxEvent.seq).limit(2000)).all()
            if not rows:
                return
            ingest.ingest(self.hq, self.store, {
                "batch_id": str(uuid.uuid4()), "till_no": 1,
                "events": [{"seq": r.seq, "event_id": r.event_id, "type": r.type,
                            "created_at": r.created_at.isoformat(), "payload": r.payload_json}
                           for r in rows],
                "member_keys": member_keys_for(self.db, rows)}, self.clock.now())
            self.next_seq = rows[-1].seq + 1


def seed_compliance(url: str, tmp: Path, now: dt.datetime, seed: int = 7) -> None:
    rng = random.Random(seed)
    hq = HqDatabase(url)
    start = dt.datetime(2025, 10, 8, 2, 0)
    for code, name in STORES:
        service.add_store(hq, code, name, start - dt.timedelta(days=30))
    add_user(hq, USER, "finance-only-password", start)
    issuers.save_issuer(hq, issuers.CHAIN, name="沪上生活连锁有限公司", kind="group", user=USER,
                        now=start, new=False)
    for code, name, store in FRANCHISEES:
        issuers.save_issuer(hq, code, name=name, kind="brand", user=USER, now=start, new=True)
        issuers.assign_store(hq, store, code, user=USER, now=start)
    tills = {code: Till(tmp, hq, code, start) for code, _ in STORES}
    for till in tills.values():
        countcards.save_product(till.db, code="WASH10", name="洗车10次卡", covers="洗车", uses=10,
                                price_fen=30_000, valid_months=12, actor="C01")
    days = (now - start).days
    for code, (members, topups, cash_sales) in LIFE.items():
        till = tills[code]
        for i in range(members):
            when = start + dt.timedelta(days=rng.randrange(0, days - 60), minutes=i)
            member = register(till.at(when), phone=f"139{int(code):04d}{i:04d}",
                              name=rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强磊洋杰"))
            for n in range(topups):
                topup(till.at(when + dt.timedelta(days=n * 20)), member,
                      rng.choice([30_000, 50_000, 100_000]))
                sell(till.db, member, rng.randrange(50, 250) * 100,
                     tenders=[TenderIn("wallet")])
            for n in range(cash_sales):
                sell(till.at(when + dt.timedelta(days=3 + n * 9, hours=2)), member,
                     rng.randrange(300, 3000) * 100)
            if i % 3 == 0:
                card = countcards.sell(till.db, member.member_id, "WASH10", method="cash",
                                       actor="C01").card
                countcards.use(till.db, card.card_no, uses=rng.randrange(1, 5), actor="C01")
        giftcards.sell(till.at(start + dt.timedelta(days=40)), face_fen=50_000, cards=4,
                       method="cash", actor="C01")
        till.upload()
    deposit = {issuers.CHAIN: 1.0, "FR-HZ01": 1.05, "FR-SZ02": 0.6}  # of what is required
    with hq.transaction() as s:
        found = compliance(s, Quarter.at(now), to_local(now).date())
    banks = {issuers.CHAIN: "中国工商银行上海分行", "FR-HZ01": "招商银行杭州分行",
             "FR-SZ02": "中国银行苏州分行"}
    for figures in found.issuers:
        amount = -(-int(figures.required_fen * deposit[figures.code]) // 100) * 100  # whole yuan
        issuers.record_deposit(hq, figures.code, found.quarter, amount, bank=banks[figures.code],
                               account="", on_day=found.quarter.first_day + dt.timedelta(days=4),
                               user=USER, now=now - dt.timedelta(days=60))
    hq.close()
