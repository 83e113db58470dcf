"""Screenshots of head office's pages, from a real server and a real browser.

    python scripts/hq_screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]
                                     [--only compliance|self-service]

Seeds a temporary SQLite head office through the real ingest (four stores, a member registered
at two of them and merged, an overdraft, a till whose day totals are off by ¥10), starts it with
uvicorn on a free loopback port, and has headless Chromium save
``hq-{zh_CN,en}-{overview,stores,liability,exceptions,daily,referrals,companies}.png`` (with
referrals and company accounts from the tills too), and ``hq-{zh_CN,en}-kpis.png`` from a head
office with a year of members of its own (``scripts/hq_kpi_seed.py``), and
``hq-{zh_CN,en}-{members,member,segments,campaign-results}.png`` from real tills' year and a
campaign with a known effect (``scripts/hq_programme_seed.py``), and
``hq-{zh_CN,en}-compliance.png`` from a chain of three issuers' stores
(``scripts/hq_compliance_seed.py``; ``--only compliance`` takes just those), and the member's
own page at a phone's size, ``hq-{zh_CN,en}-self-service.png`` (``scripts/hq_selfservice_seed.py``;
``--only self-service``). The pages ask for HTTP Basic credentials, which go in the URL
(``http://user:password@127.0.0.1:port/``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storeapp.clock import to_local  # noqa: E402
from sync.hq import figures, service  # noqa: E402
from sync.hq import models as m  # noqa: E402
from sync.hq.accounts import add_user  # noqa: E402
from sync.hq.api import create_app  # noqa: E402
from sync.hq.db import HqDatabase  # noqa: E402
from sync.hq.ingest import ingest  # noqa: E402
from tests.sync.wire import plausible  # noqa: E402

USER, PASSWORD = "screenshots", "screenshots-only"
#: the pages' clock (naive UTC): 14:30 on 2026-03-10 in the stores, so the pictures don't change
NOW = dt.datetime(2026, 3, 10, 6, 30)
PAGES = {"overview": "/", "stores": "/stores", "liability": "/liability",
         "exceptions": "/exceptions", "daily": "/daily", "referrals": "/referrals",
         "companies": "/companies"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--only", choices=("compliance", "self-service"),
                        help="just this page's screenshots (from its own head office)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from hq_compliance_seed import shoot_compliance  # issuers, their deposits and alerts
    from hq_selfservice_seed import shoot_self_service  # a member's own page, phone-sized

    only = {"compliance": shoot_compliance, "self-service": shoot_self_service}
    if args.only:
        with tempfile.TemporaryDirectory(prefix="hq-shots-") as tmp:
            for target in only[args.only](args.chromium, args.out, Path(tmp), NOW):
                print(target)
        return 0
    with tempfile.TemporaryDirectory(prefix="hq-shots-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'hq.db'}"
        seed(url, NOW)
        server, thread, base = serve(url)
        try:
            for lang in ("zh_CN", "en"):
                for name, path in PAGES.items():
                    target = args.out / f"hq-{lang}-{name}.png"
                    query = "?lang=en" if lang == "en" else ""
                    shoot(args.chromium, base + path + query, target, Path(tmp) / lang, lang)
                    print(target)
        finally:
            server.should_exit = True
            thread.join(10)
        from hq_kpi_seed import shoot_kpis  # the KPI page: a year of a chain of its own

        for target in shoot_kpis(args.chromium, args.out, Path(tmp), NOW):
            print(target)
        from hq_programme_seed import shoot_programme  # members, segments, a campaign's results

        for target in shoot_programme(args.chromium, args.out, Path(tmp), NOW):
            print(target)
        for target in shoot_compliance(args.chromium, args.out, Path(tmp), NOW):
            print(target)
        for target in shoot_self_service(args.chromium, args.out, Path(tmp), NOW):
            print(target)
    return 0


# -- a chain worth looking at ----------------------------------------------------------------

class Till:
    def __init__(self, hq: HqDatabase, code: str, till_no: int = 1) -> None:
        with hq.transaction() as s:
            self.store = s.scalars(select(m.Store).where(m.Store.code == code)).one()
        self.hq, self.code, self.till_no, self.seq = hq, code, till_no, 0

    def send(self, events: list[tuple[str, dict[str, Any]]], at: dt.datetime) -> None:
        out = []
        for event_type, fields in events:
            self.seq += 1
            body = {"type": event_type, "store": self.code, "till": self.till_no,
                    "key": str(uuid.uuid4()), "at": at.isoformat(), **fields}
            out.append({"seq": self.seq, "event_id": str(uuid.uuid4()), "type": event_type,
                        "created_at": at.isoformat(), "payload": json.dumps(body)})
        ingest(self.hq, self.store, {"batch_id": str(uuid.uuid4()), "till_no": self.till_no,
                                     "events": out}, at)


def registered(member_id: str, phone: str, name: str) -> tuple[str, dict[str, Any]]:
    return "member_registered", {"member_id": member_id, "phone": phone, "name": name,
                                 "card_no": "C" + member_id[-6:]}


def seed(url: str, now: dt.datetime) -> None:
    hq = HqDatabase(url)
    stores = (("0001", "人民路店"), ("0002", "南京路店"), ("0003", "西湖店"), ("0004", "中山路店"))
    for code, name in stores:
        service.add_store(hq, code, name, now - dt.timedelta(days=60))
    member = [f"0193b000-0000-7000-8000-{i:012d}" for i in range(12)]
    phones = [f"1380013{i:04d}" for i in range(12)]
    names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴婷", "徐斌",
             "孙丽"]
    one, one_b = Till(hq, "0001"), Till(hq, "0001", 2)
    two, three = Till(hq, "0002"), Till(hq, "0003")
    one.send([registered(member[i], phones[i], names[i]) for i in range(5)]
             + [plausible("wallet_topped_up", member[i], 50000 * (i + 1), 5000 * (i + 1))
                for i in range(5)]
             + [plausible("sale_completed", member[0], -12800, -1200, 128),
                plausible("sale_completed", member[2], -36500, -3500, 365),
                plausible("sale_completed", member[4], 0, 0, -500)],  # paid with points
             now - dt.timedelta(minutes=4))
    one_b.send([plausible("sale_completed", member[1], -8800, -800, 88),
                plausible("points_adjusted", member[3], 0, 0, 200)], now - dt.timedelta(minutes=2))
    two.send([registered(member[i], phones[i], names[i]) for i in range(5, 9)]
             + [plausible("wallet_topped_up", member[i], 100000, 15000) for i in range(5, 9)]
             # member 9 registers at 0002 with member 0's phone: merged into member 0
             + [registered(member[9], phones[0], names[0]),
                plausible("wallet_topped_up", member[9], 30000, 3000),
                plausible("sale_completed", member[6], -25600, -3400, 256)],
             now - dt.timedelta(minutes=27))
    # offline at 0003, member 1 spends more than the chain balance: an overdraft
    three.send([registered(member[10], phones[10], names[10]),
                plausible("wallet_topped_up", member[10], 20000, 2000),
                plausible("sale_completed", member[1], -150000, -10000, 1600)],
               now - dt.timedelta(hours=3, minutes=12))
    seed_referrals(one, two, three, member, now - dt.timedelta(minutes=20))
    seed_companies(one, one_b, two, now - dt.timedelta(minutes=10))
    report_day_totals(hq, now)
    add_user(hq, USER, PASSWORD, now)
    hq.close()


def cash_sale(member_id: str | None, total: int, *, tender: str = "cash",
              ref: str | None = None) -> tuple[str, dict[str, Any]]:
    """A sale paid in one tender that moves no stored value or points."""
    paid = {"method": tender, "amount_fen": total, "tendered_fen": total, "change_fen": 0,
            "principal_fen": 0, "bonus_fen": 0, "ref": ref}
    return "sale_completed", {
        "receipt_no": f"R{uuid.uuid4().hex[:12]}", "member_id": member_id,
        "subtotal_fen": total, "discount_fen": 0, "coupon_fen": 0, "points_redeemed": 0,
        "points_fen": 0, "total_fen": total, "tenders": [paid], "points_earned": 0}


def seed_referrals(one: Till, two: Till, three: Till, member: list[str],
                   at: dt.datetime) -> None:
    """Members brought by two referrers (推广): rewarded, one over the monthly cap of 5, one
    awaiting a purchase, one whose phone the chain knew (not new)."""
    referees = [f"0193c000-0000-7000-8000-{i:012d}" for i in range(12)]
    names = ["钱多多", "冯晓", "蒋琳", "韩梅", "朱磊", "秦川", "许静", "何平", "吕方", "施雯",
             "张敏", "曹宇"]

    def referred(i: int, referrer: str, phone: str | None = None) -> tuple[str, dict[str, Any]]:
        kind, body = registered(referees[i], phone or f"1390013{i:04d}", names[i])
        return kind, {**body, "referrer_id": referrer}

    one.send([referred(i, member[0]) for i in range(4)]
             + [cash_sale(referees[i], 15_800) for i in range(4)]
             + [referred(4, member[0])], at)  # awaits a first purchase
    two.send([referred(i, member[0]) for i in (5, 6)]
             + [cash_sale(referees[i], 22_000) for i in (5, 6)]  # the sixth: over the cap
             + [referred(7, member[5]), cash_sale(referees[7], 10_000),
                referred(8, member[5], phone=f"1380013{2:04d}")],  # member 2's phone
             at + dt.timedelta(minutes=1))
    three.send([referred(9, member[5]), cash_sale(referees[9], 9_900)],  # too little
               at + dt.timedelta(minutes=2))


def seed_companies(one: Till, one_b: Till, two: Till, at: dt.datetime) -> None:
    """Company accounts (企业月结) at two stores: sales on account and payments."""
    def added(code: str, name: str, limit: int) -> tuple[str, dict[str, Any]]:
        return "company_added", {"code": code, "name": name, "contact_name": "王经理",
                                 "contact_phone": None, "credit_limit_fen": limit,
                                 "terms_days": 30}

    def paid(code: str, amount: int, method: str, ref: str | None) -> tuple[str, dict[str, Any]]:
        return "company_paid", {"code": code, "amount_fen": amount, "method": method,
                                "ref": ref, "balance_fen": 0}

    one.send([added("PUJIANG", "上海浦江贸易有限公司", 1_000_000),
              added("XINGHE", "星河物业管理有限公司", 300_000),
              cash_sale(None, 128_000, tender="account", ref="PUJIANG"),
              cash_sale(None, 86_500, tender="account", ref="PUJIANG"),
              cash_sale(None, 45_000, tender="account", ref="XINGHE"),
              paid("PUJIANG", 128_000, "transfer", "ICBC20260305001")], at)
    one_b.send([added("LVYE", "绿叶餐饮有限公司", 200_000),
                cash_sale(None, 36_800, tender="account", ref="LVYE")],
               at + dt.timedelta(minutes=1))
    two.send([added("YUNFAN", "杭州云帆科技有限公司", 500_000),
              cash_sale(None, 240_000, tender="account", ref="YUNFAN"),
              cash_sale(None, 99_000, tender="account", ref="YUNFAN"),
              paid("YUNFAN", 100_000, "transfer", "CMB20260308117")],
             at + dt.timedelta(minutes=2))


def report_day_totals(hq: HqDatabase, now: dt.datetime) -> None:
    """Every till reports what head office applied, except 0002's bonus, ¥10 short."""
    today = to_local(now).date()
    with hq.transaction() as s:
        checks = figures.till_checks(s, today)
        stores = {st.code: st for st in s.scalars(select(m.Store))}
    reports: dict[tuple[str, int], dict[str, list[int]]] = {}
    for check in checks:
        count, total = check.hq
        if (check.code, check.account) == ("0002", "wallet:bonus"):
            total -= 1000
        reports.setdefault((check.code, check.till_no), {})[check.account] = [count, total]
    for (code, till_no), accounts in reports.items():
        service.day_totals(hq, stores[code], {"till_no": till_no, "days": [
            {"day": today.isoformat(), "accounts": accounts}]}, now)


# -- the server and the browser --------------------------------------------------------------

def serve(url: str) -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(create_app(url, clock=lambda: NOW), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"head office did not start on {base}")
        time.sleep(0.1)
    answer = httpx.get(base + "/", auth=(USER, PASSWORD), timeout=10)
    if answer.status_code != 200:
        raise SystemExit(f"head office refused the screenshot user: {answer.status_code}")
    return server, thread, f"http://{USER}:{PASSWORD}@127.0.0.1:{port}"


def shoot(chromium: str, url: str, png: Path, profile: Path, lang: str,
          height: int = 900) -> None:
    png.unlink(missing_ok=True)
    locale = "zh-CN" if lang == "zh_CN" else "en-US"
    env = {**os.environ, "LANGUAGE": lang, "LANG": f"{lang.replace('en', 'en_US')}.UTF-8"}
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={profile}", f"--lang={locale}", f"--window-size=1280,{height}",
         f"--screenshot={png}", url],
        check=True, capture_output=True, timeout=120, env=env)
    if not png.exists() or png.stat().st_size < 5000:
        raise SystemExit(f"chromium made no screenshot of {url.split('@')[-1]}")


if __name__ == "__main__":
    raise SystemExit(main())
