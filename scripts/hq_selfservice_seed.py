"""The member's self-service page as a phone shows it, taken by ``scripts/hq_screenshots.py``
from a head office of its own: ``hq-{zh_CN,en}-self-service.png`` at 390 × 844.

Two stores' tills send their events as ``hq_screenshots`` does, through the real ingest: a
member registers at 0001, tops up and buys there, then buys twice at 0002. The member gave
the terms and marketing by SMS at head office, withdrew personalised offers on the page, and
asked for a correction that a manager has not handled yet.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from storeapp.selfservice_link import make_token
from sync.hq import consents, selfservice, service
from sync.hq.accounts import add_user
from sync.hq.db import HqDatabase
from tests.sync.wire import plausible

STORES = (("0001", "人民路店"), ("0002", "南京路店"))
MEMBER = "0193e000-0000-7000-8000-000000000001"
WIDTH, HEIGHT = 390, 844


def shoot_self_service(chromium: str, out: Path, tmp: Path, now: dt.datetime) -> list[Path]:
    """Seed a head office in ``tmp``, serve it, and shoot the member's page at phone size."""
    import hq_screenshots as shots  # scripts/ is on the path when that script runs

    url = f"sqlite:///{tmp / 'self-service.db'}"
    path = seed_self_service(url, now)
    hq = HqDatabase(url)
    add_user(hq, shots.USER, shots.PASSWORD, now)
    hq.close()
    server, thread, base = shots.serve(url)
    made = []
    try:
        for lang in ("zh_CN", "en"):
            target = out / f"hq-{lang}-self-service.png"
            query = "?lang=en" if lang == "en" else "?lang=zh"  # not the browser's en-US
            phone(chromium, base + path + query, target, tmp / f"self-service-{lang}", lang)
            made.append(target)
    finally:
        server.should_exit = True
        thread.join(10)
    return made


def phone(chromium: str, url: str, png: Path, profile: Path, lang: str,
          height: int = HEIGHT) -> None:
    """A screenshot at a phone's width: what a member sees first after scanning."""
    png.unlink(missing_ok=True)
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={profile}", f"--lang={'zh-CN' if lang == 'zh_CN' else 'en-US'}",
         f"--window-size={WIDTH},{height}", f"--screenshot={png}", url],
        check=True, capture_output=True, timeout=120)
    if not png.exists() or png.stat().st_size < 5000:
        raise SystemExit(f"chromium made no screenshot of {url.split('@')[-1]}")


def seed_self_service(url: str, now: dt.datetime) -> str:
    """The chain and its member; returns the path of the member's link (valid 30 days)."""
    from hq_screenshots import Till, registered  # events as the tills send them

    hq = HqDatabase(url)
    start = now - dt.timedelta(days=75)
    for code, name in STORES:
        service.add_store(hq, code, name, start - dt.timedelta(days=30))
    one, two = Till(hq, "0001"), Till(hq, "0002")
    one.send([registered(MEMBER, "13812345678", "欧阳晓梅"),
              plausible("wallet_topped_up", MEMBER, 100_000, 10_000)], start)
    one.send([plausible("sale_completed", MEMBER, -11_636, -1_164, 128)],
             start + dt.timedelta(days=9, hours=3))
    two.send([plausible("sale_completed", MEMBER, -33_182, -3_318, 365)],
             start + dt.timedelta(days=52, hours=5))
    two.send([plausible("sale_completed", MEMBER, 0, 0, 88)],  # paid in cash
             start + dt.timedelta(days=70, hours=1))
    with hq.transaction() as s:
        for purpose in ("terms", "marketing_sms"):
            consents.record(s, member_id=MEMBER, purpose=purpose, given=True,
                            channel="head_office", by="service",
                            at=start + dt.timedelta(minutes=1))
    with hq.transaction() as s:
        consents.record(s, member_id=MEMBER, purpose="personalised", given=False,
                        channel="self_service", by="member", at=now - dt.timedelta(days=2))
    with hq.transaction() as s:
        selfservice.ask(s, MEMBER, "correction", "birthday", "生日应为 1990-05-20",
                        now - dt.timedelta(days=1))
        secret = service.chain_secret(s, now)
    hq.close()
    return "/me/" + make_token(MEMBER, now + dt.timedelta(days=30), secret)
