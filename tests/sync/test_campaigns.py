"""A head-office campaign from launch to the counter: consent and the holdout decide who gets the
coupon; it reaches both stores' tills with its one-line prompt; it is usable at either and never
twice (held at head office while a sale takes it, marked used when the sale arrives, flagged
when two offline tills both took it); stopping the campaign takes the prompt back.

Real tills joined to the real head-office server (in-process, over its ASGI app, with the
till's real HTTP spend gate), as in ``test_end_to_end``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from storeapp.campaign_rules import in_holdout
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.models import Coupon, MemberPrompt
from storeapp.services.members import MemberView
from sync.hq import campaigns
from sync.hq import models as m
from sync.hq.campaigns import Audience, Benefit
from sync.hq.db import utcnow
from sync.hq.errors import HqRefusal
from tests.helpers import register, sell
from tests.sync.test_end_to_end import (  # noqa: F401 (the fixtures app and till)
    app_fixture,
    service,
    sync,
    till_fixture,
)
from tests.sync.test_hq_anchors import Unreachable

MESSAGE = "生日快乐：已送¥20券"


def chain_template(app: Any) -> None:
    service.set_rule(app.state.hq, "coupon_template", "CAMP20", {
        "name": "活动券 ¥20", "kind": "amount_off", "value": 2_000, "min_spend_fen": 5_000,
        "valid_days": 30, "active": True})


def members_at(db: Database, n: int, consenting: int) -> list[MemberView]:
    return [register(db, phone=f"1381234{i:04d}", name=f"会员{i}",
                     marketing_consent=i < consenting) for i in range(n)]


def now_at(*tills: Database) -> None:
    """The tills' clocks at head office's (a campaign's coupon is valid from now)."""
    for db in tills:
        db.clock.set(utcnow())  # type: ignore[attr-defined]


def launched(app: Any, code: str = "BDAY") -> dict[str, Any]:
    hq = app.state.hq
    campaigns.create(hq, code=code, name="生日礼", audience=Audience(),
                     benefit=Benefit("coupon", template="CAMP20"), message=MESSAGE,
                     user="boss", now=utcnow())
    return campaigns.launch(hq, code, user="boss", now=utcnow())


def coupon_of(db: Database, member: MemberView) -> Coupon | None:
    with db.reader() as s:
        return s.scalar(select(Coupon).where(Coupon.member_id == member.member_id,
                                             Coupon.reason == "campaign"))


def prompts_of(db: Database, member: MemberView) -> list[str]:
    with db.reader() as s:
        return list(s.scalars(select(MemberPrompt.text)
                              .where(MemberPrompt.member_id == member.member_id)))


def test_a_campaign_coupon_reaches_both_stores_and_is_used_once(
        till: Callable[..., Database], app: Any) -> None:
    one, two = till("0001"), till("0002")
    now_at(one, two)
    chain_template(app)
    people = members_at(one, 30, consenting=24)
    sync(one, app)

    done = launched(app)
    assert done["excluded_consent"] == 6
    assert done["treated"] + done["holdout"] == 24
    with app.state.hq.transaction() as s:
        campaign = s.get(m.Campaign, "BDAY")
        assert campaign is not None
        groups = dict(s.execute(select(m.CampaignMember.member_id, m.CampaignMember.grp)).all())
    assert groups == {p.member_id: "holdout" if in_holdout(campaign.seed, p.member_id, 10)
                      else "treated" for p in people[:24]}

    sync(one, app)
    sync(two, app)
    treated = [p for p in people if groups.get(p.member_id) == "treated"]
    others = [p for p in people if groups.get(p.member_id) != "treated"]
    for db in (one, two):
        for p in treated:
            assert coupon_of(db, p) is not None and prompts_of(db, p) == [MESSAGE]
        for p in others:
            assert coupon_of(db, p) is None and prompts_of(db, p) == []

    member = treated[0]
    coupon = coupon_of(two, member)
    assert coupon is not None
    sale = sell(two, member, 10_000, coupon_code=coupon.code)  # held at head office first
    assert sale.coupon_fen == 2_000
    with pytest.raises(Refused) as refused:  # the other store, before two's sale arrived
        sell(one, member, 10_000, coupon_code=coupon.code)
    assert refused.value.code == "coupon_held"

    sync(two, app)  # the sale arrives: used, hold released
    with pytest.raises(Refused) as refused:
        sell(one, member, 10_000, coupon_code=coupon.code)
    assert refused.value.code == "coupon_used"
    sync(one, app)  # and store one's copy says so
    mine = coupon_of(one, member)
    assert mine is not None and mine.used_at is not None
    with app.state.hq.transaction() as s:
        row = s.get(m.ChainCoupon, coupon.code)
        assert row is not None and (row.used_store, row.used_fen) == ("0002", 2_000)
        assert s.scalar(select(m.Exception_).where(m.Exception_.kind == "coupon_reused")) is None

    campaigns.stop(app.state.hq, "BDAY", user="boss", now=utcnow())
    sync(one, app)
    assert all(prompts_of(one, p) == [] for p in treated)
    still = coupon_of(one, treated[1])
    assert still is not None and still.used_at is None  # coupons stay valid to their date


def test_triple_points_for_the_window_at_any_store_and_head_office_agrees(
        till: Callable[..., Database], app: Any) -> None:
    one, two = till("0001"), till("0002")
    now_at(one, two)
    people = members_at(one, 10, consenting=10)
    sync(one, app)
    hq = app.state.hq
    campaigns.create(hq, code="DOUBLE", name="双倍积分", audience=Audience(),
                     benefit=Benefit("multiplier", multiplier="3"), message="本周三倍积分",
                     holdout_pct=0, user="boss", now=utcnow())
    campaigns.launch(hq, "DOUBLE", user="boss", now=utcnow())
    sync(two, app)
    member = people[0]
    # ¥100 at 1 point a yuan, a regular member: 300 points, more than the best tier gives
    sale = sell(two, member, 10_000)
    assert sale.points_earned == 300 and prompts_of(two, member) == ["本周三倍积分"]
    sync(two, app)
    with hq.transaction() as s:
        assert s.scalar(select(m.HeldEvent)) is None  # head office allows the doubled points
        row = s.get(m.Member, member.member_id)
        assert row is not None and row.points == 300
    with pytest.raises(HqRefusal):
        campaigns.create(hq, code="TOOMUCH", name="x", audience=Audience(),
                         benefit=Benefit("multiplier", multiplier="50"), message="x",
                         user="boss", now=utcnow())


def two_tills_with_a_coupon(till: Callable[..., Database], app: Any
                            ) -> tuple[Database, Database, MemberView, Coupon]:
    """Two stores' tills that both hold the chain campaign's coupon of one member (given at
    store 0001)."""
    one, two = till("0001"), till("0002")
    now_at(one, two)
    chain_template(app)
    people = members_at(one, 12, consenting=12)
    sync(one, app)
    launched(app)
    sync(one, app)
    sync(two, app)
    member = next(p for p in people if coupon_of(one, p) is not None)
    coupon = coupon_of(one, member)
    assert coupon is not None
    return one, two, member, coupon


def test_two_offline_tills_taking_one_coupon_are_flagged(
        till: Callable[..., Database], app: Any) -> None:
    one, two, member, coupon = two_tills_with_a_coupon(till, app)
    one.spend_gate = two.spend_gate = Unreachable()  # type: ignore[assignment]
    sell(one, member, 10_000, coupon_code=coupon.code)
    sell(two, member, 10_000, coupon_code=coupon.code)
    sync(one, app)
    sync(two, app)
    with app.state.hq.transaction() as s:
        flagged = s.scalars(select(m.Exception_).where(m.Exception_.kind == "coupon_reused")).all()
        row = s.get(m.ChainCoupon, coupon.code)
    assert len(flagged) == 1 and flagged[0].member_id == member.member_id
    assert row is not None and row.used_store == "0001"


def test_a_coupon_taken_on_a_sale_without_its_member_still_reaches_the_tills(
        till: Callable[..., Database], app: Any) -> None:
    """A dishonest till frees a member's coupon in its file and sells with it to no member:
    head office marks the coupon used and sends its member's copy to every till (applying the
    batch once failed: the member was not loaded)."""
    one, two, member, coupon = two_tills_with_a_coupon(till, app)
    with one.session() as s, s.begin():
        s.execute(update(Coupon).where(Coupon.code == coupon.code).values(member_id=None))
    one.spend_gate = Unreachable()  # type: ignore[assignment]
    sell(one, None, 10_000, coupon_code=coupon.code)
    sync(one, app)
    with app.state.hq.transaction() as s:
        row = s.get(m.ChainCoupon, coupon.code)
        assert row is not None and row.used_store == "0001"
    sync(two, app)
    theirs = coupon_of(two, member)
    assert theirs is not None and theirs.used_at is not None
