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
from pathlib import Path

from hq_programme_seed import Till  # scripts/ is on the path: the programme's real tills

from storeapp.clock import to_local
from storeapp.deposit_rules import Quarter
from storeapp.services import countcards, giftcards
from storeapp.services.sales import TenderIn
from sync.hq import issuers, service
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
