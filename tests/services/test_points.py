"""Points (积分): earning by what was paid × multipliers, redeeming (minimum, 50% cap, oldest lots
first), expiry after 24 months, and claw-back on refund."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import AuthError, InvalidInput, Refused
from storeapp.models import PointsEntry, PointsLot
from storeapp.services import points, sales
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import (
    CASHIER,
    START,
    approve,
    lots,
    outbox_types,
    points_sum,
    register,
    reload,
    sell,
    set_setting,
    topup,
)

EXPIRY = dt.datetime(2028, 3, 10, 2, 0)  # 24 months after START


def points_of(db: Database, member: MemberView) -> int:
    """The member's points, checked against the journal and the lots."""
    shown = reload(db, member).points
    assert points_sum(db, member) == shown
    with db.reader() as s:
        for lot in s.scalars(select(PointsLot).where(PointsLot.member_id == member.member_id)):
            assert lot.remaining_points >= 0
            journal = s.scalar(select(func.sum(PointsEntry.points))
                               .where(PointsEntry.lot_id == lot.id))
            assert journal == lot.remaining_points
    return shown


# -- earning ------------------------------------------------------------------------------------

def test_one_point_per_whole_yuan_paid(db: Database, member: MemberView) -> None:
    sale = sell(db, member, 12_345)  # ¥123.45
    assert sale["points_earned"] == 123
    assert points_of(db, member) == 123
    [lot] = lots(db, member)
    assert (lot.earned_points, lot.remaining_points) == (123, 123)
    assert lot.expires_at == EXPIRY


def test_less_than_a_yuan_earns_nothing(db: Database, member: MemberView) -> None:
    assert sell(db, member, 99)["points_earned"] == 0
    assert lots(db, member) == []
    assert points_of(db, member) == 0


def test_paying_from_stored_value_earns_points_but_topping_up_does_not(
        db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)
    assert points_of(db, member) == 0
    assert sell(db, member, 11_000, tenders=[TenderIn("wallet")])["points_earned"] == 110
    assert points_of(db, member) == 110


def test_non_member_sale_earns_nothing(db: Database) -> None:
    assert sell(db, None, 10_000)["points_earned"] == 0


def test_silver_tier_multiplies_by_1_2(db: Database, member: MemberView) -> None:
    sell(db, member, 100_000)  # reaches silver
    assert reload(db, member).tier == "silver"
    sale = sell(db, member, 10_000)  # 2% off: ¥98 paid
    assert sale["total_fen"] == 9_800
    assert sale["points_earned"] == 117  # 98 × 1.2 = 117.6, rounded down


def test_birthday_month_doubles_points(db: Database) -> None:
    march = register(db, birthday="1990-03-21")
    april = register(db, birthday="1990-04-02")
    assert sell(db, march, 10_000)["points_earned"] == 200
    assert sell(db, april, 10_000)["points_earned"] == 100


def test_birthday_month_follows_the_store_calendar(db: Database, clock: FixedClock) -> None:
    april = register(db, birthday="1990-04-02")
    clock.set(dt.datetime(2026, 3, 31, 17, 0))  # still March in UTC, 1 April in the store
    assert sell(db, april, 10_000)["points_earned"] == 200


def test_tier_and_birthday_multipliers_combine(db: Database) -> None:
    m = register(db, birthday="1990-03-21")
    sell(db, m, 100_000)  # silver from now on
    assert sell(db, m, 10_000)["points_earned"] == 235  # 98 × 1.2 × 2 = 235.2


def test_promotion_dates_multiply_points(db: Database, clock: FixedClock,
                                         member: MemberView) -> None:
    set_setting(db, "points_promo_dates", ["2026-03-10"])
    assert sell(db, member, 10_000)["points_earned"] == 200
    set_setting(db, "points_promo_multiplier", "3")
    assert sell(db, member, 10_000)["points_earned"] == 300
    clock.set(dt.datetime(2026, 3, 10, 16, 0))  # 00:00 on the 11th in the store: no promotion
    assert sell(db, member, 10_000)["points_earned"] == 100


# -- redeeming ----------------------------------------------------------------------------------

@pytest.fixture
def with_600(db: Database, member: MemberView) -> MemberView:
    sell(db, member, 60_000)
    assert points_of(db, member) == 600
    return member


def test_hundred_points_pay_one_yuan(db: Database, with_600: MemberView) -> None:
    sale = sell(db, with_600, 1_000, redeem_points=100)
    assert (sale["points_redeemed"], sale["points_fen"], sale["total_fen"]) == (100, 100, 900)
    assert sale["points_earned"] == 9  # points are earned on what was actually paid
    assert points_of(db, with_600) == 600 - 100 + 9


def test_redeem_minimum_is_100_points(db: Database, with_600: MemberView) -> None:
    with pytest.raises(InvalidInput, match="at least 100 points") as refused:
        sell(db, with_600, 1_000, redeem_points=99)
    assert refused.value.code == "points_below_minimum"
    assert points_of(db, with_600) == 600


def test_points_pay_at_most_half_of_a_sale(db: Database, with_600: MemberView) -> None:
    assert sales.quote(db, member_ref=with_600.member_id,
                       lines=[LineIn(unit_price_fen=1_000)]).max_points == 500
    with pytest.raises(Refused, match="at most 500 points") as refused:
        sell(db, with_600, 1_000, redeem_points=501)
    assert refused.value.code == "points_over_cap"
    sale = sell(db, with_600, 1_000, redeem_points=500)
    assert (sale["points_fen"], sale["total_fen"], sale["points_earned"]) == (500, 500, 5)
    assert points_of(db, with_600) == 105


def test_cannot_redeem_more_points_than_the_member_has(db: Database,
                                                       with_600: MemberView) -> None:
    assert sales.quote(db, member_ref=with_600.member_id,
                       lines=[LineIn(unit_price_fen=10_000)]).max_points == 600
    with pytest.raises(Refused) as refused:
        sell(db, with_600, 10_000, redeem_points=700)
    assert refused.value.code == "insufficient_points"
    assert points_of(db, with_600) == 600


def test_only_members_redeem_points(db: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        sell(db, None, 10_000, redeem_points=100)
    assert refused.value.code == "member_required"


def test_redeeming_consumes_the_oldest_lots_first(db: Database, clock: FixedClock,
                                                  member: MemberView) -> None:
    sell(db, member, 10_000)  # lot 1: 100 points
    clock.advance(days=30)
    sell(db, member, 20_000)  # lot 2: 200 points
    sell(db, member, 1_000, redeem_points=150)
    first, second, third = lots(db, member)
    assert (first.earned_points, first.remaining_points) == (100, 0)
    assert (second.earned_points, second.remaining_points) == (200, 150)
    assert (third.earned_points, third.remaining_points) == (8, 8)  # ¥8.50 paid
    with db.reader() as s:
        redeemed = [tuple(row) for row in s.execute(
            select(PointsEntry.lot_id, PointsEntry.points).where(PointsEntry.kind == "redeem")
            .order_by(PointsEntry.id))]
    assert redeemed == [(first.id, -100), (second.id, -50)]
    assert points_of(db, member) == 158


# -- expiry -------------------------------------------------------------------------------------

def test_points_expire_after_24_months_as_a_posted_entry(db: Database, clock: FixedClock,
                                                         member: MemberView) -> None:
    sell(db, member, 10_000)
    clock.set(EXPIRY - dt.timedelta(minutes=1))
    assert points.expire_due(db) == {"lots": 0, "points": 0, "replayed": False}
    assert points_of(db, member) == 100
    clock.set(EXPIRY)
    result = points.expire_due(db)
    assert (result["lots"], result["points"]) == (1, 100)
    assert points_of(db, member) == 0
    [latest, *_] = points.history(db, member.member_id)
    assert (latest.kind, latest.points, latest.balance_after) == ("expire", -100, 0)
    assert "points_expired" in outbox_types(db)
    # the earn entry is still there: expiry posts, it does not delete
    assert [x.kind for x in points.history(db, member.member_id)] == ["expire", "earn"]
    assert points.expire_due(db)["lots"] == 0


def test_only_what_is_left_of_a_lot_expires(db: Database, clock: FixedClock,
                                            member: MemberView) -> None:
    sell(db, member, 30_000)  # 300 points
    clock.advance(days=1)
    sell(db, member, 1_000, redeem_points=100)  # uses 100 of them, earns 9 in a newer lot
    clock.set(EXPIRY)
    assert points.expire_due(db)["points"] == 200
    assert points_of(db, member) == 9


def test_expired_points_cannot_be_redeemed_before_expiry_is_posted(
        db: Database, clock: FixedClock, member: MemberView) -> None:
    sell(db, member, 30_000)
    clock.set(EXPIRY + dt.timedelta(hours=1))
    with pytest.raises(Refused, match="expired") as refused:
        sell(db, member, 1_000, redeem_points=200)
    assert refused.value.code == "insufficient_points"
    assert points_of(db, member) == 300


# -- refunds ------------------------------------------------------------------------------------

def test_refund_claws_back_earned_and_returns_redeemed_points(
        db: Database, manager: object, with_600: MemberView) -> None:
    sale = sell(db, with_600, 2_000, redeem_points=500)  # pays ¥15, earns 15
    assert points_of(db, with_600) == 115
    refund = sales.refund(db, sale["receipt_no"], actor=CASHIER, grant=approve(db))
    assert (refund["points_clawed_back"], refund["points_returned"],
            refund["points_clawback_shortfall"]) == (15, 500, 0)
    assert points_of(db, with_600) == 600
    kinds = [(x.kind, x.points) for x in points.history(db, with_600.member_id)][:2]
    assert sorted(kinds) == [("clawback", -15), ("return", 500)]
    # the returned points went back to the lot they came from, with its original expiry
    first = lots(db, with_600)[0]
    assert (first.remaining_points, first.expires_at) == (600, EXPIRY)


def test_refund_cannot_claw_back_points_already_spent(db: Database, manager: object,
                                                      member: MemberView) -> None:
    first = sell(db, member, 30_000)  # earns 300
    sell(db, member, 1_000, redeem_points=300)  # spends them, earns 7
    refund = sales.refund(db, first["receipt_no"], actor=CASHIER, grant=approve(db))
    assert (refund["points_clawed_back"], refund["points_clawback_shortfall"]) == (7, 293)
    assert points_of(db, member) == 0  # never negative


# -- adjustments --------------------------------------------------------------------------------

def test_adjustment_needs_a_manager(db: Database, manager: object, member: MemberView) -> None:
    with pytest.raises(AuthError) as refused:
        points.adjust(db, member.member_id, 250, actor=CASHIER, grant=None)
    assert refused.value.code == "approval_required"
    assert points.adjust(db, member.member_id, 250, actor=CASHIER,
                         grant=approve(db, "promised at the event"))["points"] == 250
    assert points.adjust(db, member.member_id, -100, actor=CASHIER,
                         grant=approve(db, "entered twice"))["points"] == 150
    assert points_of(db, member) == 150
    [lot] = lots(db, member)
    assert lot.expires_at == EXPIRY


def test_adjustment_cannot_go_below_zero(db: Database, manager: object,
                                         member: MemberView) -> None:
    sell(db, member, 10_000)
    with pytest.raises(Refused) as refused:
        points.adjust(db, member.member_id, -101, actor=CASHIER, grant=approve(db))
    assert refused.value.code == "insufficient_points"
    with pytest.raises(InvalidInput) as zero:
        points.adjust(db, member.member_id, 0, actor=CASHIER, grant=approve(db))
    assert zero.value.code == "bad_points"
    assert points_of(db, member) == 100


def test_lots_are_stamped_with_the_till_clock(db: Database, member: MemberView) -> None:
    sell(db, member, 10_000)
    [lot] = lots(db, member)
    assert lot.earned_at == START
