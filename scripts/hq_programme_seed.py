"""The membership programme's screenshots, taken by ``scripts/hq_screenshots.py`` from a head
office of their own: ``hq-{zh_CN,en}-{members,member,segments,campaign-results}.png``.

Real tills (one at each of three stores, the counter's own services, as
``tests/sync/test_campaign_results.py`` makes them) register members and sell to them for a
year, each member at their own rhythm, mostly at their home store; head office takes it all
through the real ingest. A month before the pictures' day head office launches a campaign
(200 points, 30 % held out): in its two weeks every treated member buys ¥80 more than they
would have (a known effect, which the results page must find), and in the two weeks after,
nobody does (no effect).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path

from sqlalchemy import select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import OutboxEvent
from storeapp.services import members, users
from storeapp.services.members import MemberView
from storeapp.till import open_till
from sync import apply
from sync.client import member_keys_for
from sync.hq import (
    campaigns,
    ingest,
    member_keys,
    service,
)
from sync.hq import models as m
from sync.hq.accounts import add_user
from sync.hq.campaigns import Audience, Benefit
from sync.hq.db import HqDatabase
from tests.helpers import sell, topup

STORES = (("0001", "人民路店"), ("0002", "南京路店"), ("0003", "西湖店"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟",
         "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "华", "玲", "鹏", "婷", "丹", "宇")
MEMBERS = 240
EFFECT_FEN = 8_000
WINDOW_DAYS = 14
#: each page's browser window, as tall as the page
HEIGHTS = {"members": 1000, "member": 2300, "segments": 1000, "campaign-results": 1500}


class Till:
    def __init__(self, tmp: Path, hq: HqDatabase, code: str, start: dt.datetime) -> None:
        self.clock = FixedClock(start)
        self.db: Database = open_till(tmp / f"till-{code}.db", clock=self.clock,
                                      create=True).db
        with self.db.session() as s, s.begin():
            self.db.set_setting(s, "store_code", code)
            self.db.set_setting(s, "till_no", 1)
            self.db.set_setting(s, "hq_member_key", member_keys.public_key(hq))
        users.add_user(self.db, code="C01", name="收银员", role="cashier", pin="135700",
                       actor="setup")
        with hq.transaction() as s:
            self.store = s.scalars(select(m.Store).where(m.Store.code == code)).one()
        self.hq, self.next_seq, self.cursor = hq, 1, ""

    def at(self, when: dt.datetime) -> Database:
        self.clock.set(when)
        return self.db

    def upload(self) -> None:
        """Everything not sent yet, through head office's real ingest."""
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

    def download(self) -> None:
        """The chain's members (and their balances) from head office, as a till syncs them."""
        while True:
            with self.hq.transaction() as s:
                page = service.changes(s, self.store, 1, self.cursor, limit=500)
            with self.db.session() as s, s.begin():
                apply.apply_page(self.db, s, page)
            self.cursor = page["cursor"]
            if not page["more"]:
                return


def shoot_programme(chromium: str, out: Path, tmp: Path, now: dt.datetime) -> list[Path]:
    """Seed a head office in ``tmp``, serve it, and shoot the programme's pages."""
    import hq_screenshots as shots  # scripts/ is on the path when that script runs

    url = f"sqlite:///{tmp / 'programme.db'}"
    member_id = seed_programme(url, tmp, now)
    hq = HqDatabase(url)
    add_user(hq, shots.USER, shots.PASSWORD, now)
    hq.close()
    pages = {"members": "/members?q=王", "member": f"/members/{member_id}",
             "segments": "/segments", "campaign-results": "/campaigns/SPRING/results"}
    server, thread, base = shots.serve(url)
    made = []
    try:
        for lang in ("zh_CN", "en"):
            for name, path in pages.items():
                target = out / f"hq-{lang}-{name}.png"
                if lang == "en":
                    path += ("&" if "?" in path else "?") + "lang=en"
                shots.shoot(chromium, base + path, target, tmp / f"programme-{lang}", lang,
                            height=HEIGHTS[name])
                made.append(target)
    finally:
        server.should_exit = True
        thread.join(10)
    return made


def seed_programme(url: str, tmp: Path, now: dt.datetime, seed: int = 23) -> str:
    """The chain's year and the campaign; returns the member the member page shows."""
    rng = random.Random(seed)
    hq = HqDatabase(url)
    start = now - dt.timedelta(days=365)
    for code, name in STORES:
        service.add_store(hq, code, name, start - dt.timedelta(days=30))
    tills = [Till(tmp, hq, code, start) for code, _ in STORES]
    launch = now - dt.timedelta(days=2 * WINDOW_DAYS + 2)
    topped: set[str] = set()
    people: list[tuple[MemberView, int, int, list[tuple[dt.datetime, int]]]] = []
    for i in range(MEMBERS):
        home = rng.choices(range(len(tills)), weights=(5, 3, 2))[0]
        joined = (start.replace(hour=0, minute=0) + dt.timedelta(  # 9:00-19:00 in the stores
            days=rng.randrange(0, 200), hours=rng.uniform(1, 11)))
        born = dt.date(1960 + rng.randrange(45), rng.randrange(1, 13), rng.randrange(1, 29))
        member = members.register(
            tills[home].at(joined), phone=f"1391{i:07d}",
            name=rng.choice(SURNAMES) + rng.choice(GIVEN), birthday=born,
            marketing_consent=rng.random() < 0.9, actor="C01")
        if rng.random() < 0.4:
            topped.add(member.member_id)
            topup(tills[home].at(joined + dt.timedelta(minutes=5)), member,
                  rng.choice([20_000, 50_000, 100_000]))
        rhythm = rng.choice([7, 10, 14, 21, 30, 45, 60])
        basket = rng.choice([40, 80, 150, 300])  # yuan: what they usually spend
        gone = rng.random() < 0.15  # drifted away months ago
        visits, day = [], joined.replace(hour=0, minute=0, second=0, microsecond=0)
        end = now - dt.timedelta(days=rng.randrange(100, 200)) if gone else now
        while True:
            day += dt.timedelta(days=max(1, round(rhythm * rng.uniform(0.7, 1.3))))
            when = day + dt.timedelta(hours=rng.uniform(1, 12.5))  # 9:00-20:30 in the stores
            if when >= end:
                break
            visits.append((when, round(basket * rng.uniform(0.5, 1.6)) * 100))
        people.append((member, home, rhythm, visits))
    for till in tills:  # every till knows every member: they shop at other stores too
        till.upload()
    for till in tills:
        till.download()

    def buy(person: tuple[MemberView, int, int, list[tuple[dt.datetime, int]]],
            when: dt.datetime, amount: int) -> None:
        member, home, _rhythm, _visits = person
        store = home if rng.random() < 0.8 else rng.randrange(len(tills))
        sell(tills[store].at(when), member, amount)

    for person in people:  # the year before the campaign
        for when, amount in person[3]:
            if when < launch:
                buy(person, when, amount)
    for till in tills:
        till.upload()
    campaigns.create(hq, code="SPRING", name="春季回馈", audience=Audience(),
                     benefit=Benefit("points", points=200), message="春季回馈：已送200积分",
                     holdout_pct=30, window_days=WINDOW_DAYS, user="boss", now=launch,
                     seed="screenshots")
    campaigns.launch(hq, "SPRING", user="boss", now=launch)
    with hq.transaction() as s:
        group = dict(s.execute(select(m.CampaignMember.member_id, m.CampaignMember.grp)).all())
    for till in tills:
        till.download()
    for person in people:  # the campaign's window and after: the treated buy ¥80 more
        for when, amount in person[3]:
            if when >= launch:
                buy(person, when, amount)
        if group.get(person[0].member_id) == "treated":
            day = launch + dt.timedelta(days=rng.randrange(1, WINDOW_DAYS - 1))
            buy(person, day.replace(hour=rng.randrange(2, 12)), EFFECT_FEN)
    for till in tills:
        till.upload()
        till.db.close()
    # the member page: a treated member who shops at every store, about once a month
    with hq.transaction() as s:
        seen: dict[str, set[str]] = {}
        for member_id, code in s.execute(select(m.Visit.member_id, m.Visit.store_code)):
            seen.setdefault(member_id, set()).add(code)
    chosen = max((p for p in people if group.get(p[0].member_id) == "treated"),
                 key=lambda p: (len(seen.get(p[0].member_id, ())), p[0].member_id in topped,
                                p[2] in (14, 21, 30),
                                p[3][-1][0] if p[3] else start, p[0].member_id))
    hq.close()
    return chosen[0].member_id
