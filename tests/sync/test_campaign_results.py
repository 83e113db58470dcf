"""A campaign's results, measured against its holdout, on SQLite and PostgreSQL.

Real tills register members and, after head office launches a campaign, sell to them: in one
seeded world every treated member buys ¥80 more than they would have (a known effect), in the
other nobody's behaviour changes. Head office's results must find the effect with an interval
that covers it, call the other no effect, and equal the same figures worked out here from the
sales this test made (its own record) with the textbook formula."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import statistics
import uuid
from collections import defaultdict

import pytest
from sqlalchemy import select

from storeapp.db import Database
from storeapp.ids import MemberId
from storeapp.services import members as members_service
from storeapp.services.members import MemberView
from sync.hq import campaigns
from sync.hq import models as m
from sync.hq.campaigns import Audience, Benefit
from sync.hq.cli import main as hq_main
from sync.hq.db import HqDatabase
from tests.helpers import START, register, sell
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till

MEMBERS = 240
EFFECT_FEN = 8_000
LAUNCH = START + dt.timedelta(days=1)
WINDOW_DAYS = 14


def at(db: Database, when: dt.datetime) -> Database:
    db.clock.set(when)  # type: ignore[attr-defined]
    return db


def world(hq: HqDatabase, tills: list[Till], *, effect_fen: int, seed: int,
          monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, str], dict[str, int]]:
    """Members, a launched campaign, then each member's purchases in its window; returns each
    member's group and revenue in the window as this test made it.

    Member ids come from the seed too (a till makes random ones): the holdout is drawn from
    the campaign's seed and the member's id, so only then is the world the same every run."""
    rng = random.Random(seed)
    ids = random.Random(seed * 7919)
    monkeypatch.setattr(members_service, "new_member_id",
                        lambda: MemberId(str(uuid.UUID(int=ids.getrandbits(128), version=4))))
    people: list[MemberView] = []
    for i in range(MEMBERS):
        db = at(tills[i % 3].db, START + dt.timedelta(minutes=i))
        people.append(register(db, phone=f"1370000{i:04d}", name=f"顾客{i}",
                               marketing_consent=True))
    upload(hq, tills)
    campaigns.create(hq, code="SPRING", name="春季回馈", audience=Audience(),
                     benefit=Benefit("points", points=200), message="春季回馈：已送200积分",
                     holdout_pct=30, window_days=WINDOW_DAYS, user="boss", now=LAUNCH,
                     seed=f"world-{seed}")
    campaigns.launch(hq, "SPRING", user="boss", now=LAUNCH)
    with hq.transaction() as s:
        group = dict(s.execute(select(m.CampaignMember.member_id, m.CampaignMember.grp)).all())
    revenue: dict[str, int] = defaultdict(int)
    for i, person in enumerate(people):
        db = tills[i % 3].db  # where they registered (the others know them after a download)
        when = LAUNCH + dt.timedelta(hours=2)
        purchases = [rng.randrange(50, 150) * 100 for _ in range(rng.choice([0, 0, 1, 1, 2]))]
        if group[person.member_id] == "treated" and effect_fen:
            purchases.append(effect_fen)
        for amount in purchases:
            when += dt.timedelta(days=rng.randrange(0, 5), minutes=i)
            revenue[person.member_id] += sell(at(db, when), person, amount).total_fen
        # after the window: not counted
        sell(at(db, LAUNCH + dt.timedelta(days=WINDOW_DAYS, hours=1)), person, 10_000)
    upload(hq, tills)
    return group, revenue


def textbook(group: dict[str, str], revenue: dict[str, int]) -> tuple[float, float, float]:
    """Difference of mean revenue per member, and its 95 % interval (Welch)."""
    t = [revenue.get(x, 0) for x, g in group.items() if g == "treated"]
    h = [revenue.get(x, 0) for x, g in group.items() if g == "holdout"]
    diff = statistics.fmean(t) - statistics.fmean(h)
    se = math.sqrt(statistics.variance(t) / len(t) + statistics.variance(h) / len(h))
    return diff, diff - 1.96 * se, diff + 1.96 * se


def test_a_known_effect_is_found_and_covered(chain: tuple[HqDatabase, list[Till]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    hq, tills = chain
    group, revenue = world(hq, tills, effect_fen=EFFECT_FEN, seed=11, monkeypatch=monkeypatch)
    now = LAUNCH + dt.timedelta(days=WINDOW_DAYS + 1)
    with hq.transaction() as s:
        found = campaigns.results(s, "SPRING", now)
    est = found.during.revenue_per_member
    assert est is not None
    diff, low, high = textbook(group, revenue)
    assert est.diff == pytest.approx(diff)
    assert est.low == pytest.approx(low, rel=1e-3) and est.high == pytest.approx(high, rel=1e-3)
    assert est.low <= EFFECT_FEN <= est.high and found.during.verdict == "worked"
    treated = sum(g == "treated" for g in group.values())
    assert found.during.treated == treated and found.during.holdout == MEMBERS - treated
    assert found.during.incremental_revenue is not None
    assert found.during.incremental_revenue.diff == pytest.approx(diff * treated)
    bought = [revenue.get(x, 0) > 0 for x, g in group.items() if g == "treated"]
    assert found.during.purchase_share is not None
    assert found.during.purchase_share.treated == pytest.approx(sum(bought) / len(bought))
    assert found.points_given == 200 * treated
    assert found.during.cost_fen == 200 * treated  # 1 fen a point by default


def test_no_effect_is_called_no_effect(chain: tuple[HqDatabase, list[Till]],
                                       capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    hq, tills = chain
    group, revenue = world(hq, tills, effect_fen=0, seed=12, monkeypatch=monkeypatch)
    now = LAUNCH + dt.timedelta(days=WINDOW_DAYS + 1)
    with hq.transaction() as s:
        found = campaigns.results(s, "SPRING", now)
    est = found.during.revenue_per_member
    assert est is not None and est.covers_zero and found.during.verdict == "no_effect"
    assert est.diff == pytest.approx(textbook(group, revenue)[0])
    # and the command line says the same
    assert hq_main(["--db", str(hq.engine.url.render_as_string(hide_password=False)),
                    "campaign", "results", "SPRING"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["during"]["verdict"] in ("no_effect",)
