"""Tiers (会员等级): growth value over a rolling 365 days, upgrade inside the sale that crosses a
threshold, downgrade only by the periodic review, and the distance to the next tier."""

from __future__ import annotations

import datetime as dt

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import OutboxEvent
from storeapp.services import sales, tiers
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn
from tests.helpers import (
    CASHIER,
    START,
    all_rows,
    approve,
    member_row,
    outbox_types,
    register,
    reload,
    sell,
    set_setting,
)


def progress(db: Database, member: MemberView) -> tiers.Progress:
    with db.reader() as s:
        return tiers.progress(s, db.settings, member_row(s, member), db.clock.now())


def test_default_tier_table() -> None:
    from storeapp.settings import Settings

    table = tiers.table(Settings())
    assert [(t.code, t.threshold_fen, str(t.discount_pct), str(t.points_multiplier))
            for t in table] == [("regular", 0, "0", "1.0"), ("silver", 100_000, "2", "1.2"),
                                ("gold", 500_000, "5", "1.5"), ("diamond", 2_000_000, "10", "2.0")]


def test_upgrade_is_immediate_in_the_sale_that_crosses_the_threshold(
        db: Database, member: MemberView) -> None:
    first = sell(db, member, 99_999)
    assert first["tier_upgraded_to"] is None
    assert first["member_after"]["tier"] == "regular"
    assert first["member_after"]["to_next_tier_fen"] == 1
    crossing = sell(db, member, 1)
    assert crossing["tier_upgraded_to"] == "silver"
    assert crossing["member_after"]["tier"] == "silver"
    assert (crossing["member_after"]["next_tier"],
            crossing["member_after"]["to_next_tier_fen"]) == ("gold", 400_000)
    assert reload(db, member).tier_name == "银卡"
    changed = [e for e in all_rows(db, OutboxEvent) if e.type == "member_tier_changed"]
    assert len(changed) == 1
    assert '"tier": "silver"' in changed[0].payload_json


def test_the_new_tier_discount_applies_from_the_next_sale(db: Database,
                                                          member: MemberView) -> None:
    crossing = sell(db, member, 100_000)
    assert crossing["discount_fen"] == 0  # the crossing sale itself is priced at the old tier
    priced = sales.quote(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=10_000)])
    assert (priced.discount_pct, priced.discount_fen, priced.total_fen) == ("2", 200, 9_800)
    after = sell(db, member, 10_000)
    assert (after["discount_fen"], after["total_fen"]) == (200, 9_800)


def test_one_big_sale_can_skip_a_tier(db: Database, member: MemberView) -> None:
    assert sell(db, member, 500_000)["tier_upgraded_to"] == "gold"
    assert sell(db, member, 10_000)["discount_fen"] == 500


def test_diamond_has_no_next_tier(db: Database, member: MemberView) -> None:
    sale = sell(db, member, 2_000_000)
    assert sale["tier_upgraded_to"] == "diamond"
    assert (sale["member_after"]["next_tier"], sale["member_after"]["to_next_tier_fen"],
            sale["member_after"]["near_next_tier"]) == (None, 0, False)
    assert sell(db, member, 10_000)["discount_fen"] == 1_000


def test_growth_value_is_what_was_actually_paid(db: Database, member: MemberView) -> None:
    sell(db, member, 100_000)  # silver
    sell(db, member, 10_000)  # ¥98 after the 2% discount
    assert progress(db, member).growth_fen == 109_800


def test_no_downgrade_in_the_middle_of_a_sale(db: Database, manager: object,
                                              member: MemberView) -> None:
    big = sell(db, member, 100_000)
    sales.refund(db, big["receipt_no"], actor=CASHIER, grant=approve(db, "returned goods"))
    assert progress(db, member).growth_fen == 0
    after = sell(db, member, 1_000)  # growth is only ¥9.80 now, but the sale keeps the tier
    assert after["member_after"]["tier"] == "silver"
    assert after["discount_fen"] == 20
    assert reload(db, member).tier == "silver"
    result = tiers.review(db)
    assert (result.reviewed, result.upgraded, result.downgraded) == (1, 0, 1)
    assert reload(db, member).tier == "regular"


def test_review_downgrades_once_the_window_has_passed(db: Database, clock: FixedClock,
                                                      member: MemberView) -> None:
    sell(db, member, 100_000)
    clock.set(START + dt.timedelta(days=364))
    assert tiers.review(db).downgraded == 0
    assert reload(db, member).tier == "silver"
    clock.set(START + dt.timedelta(days=366))
    result = tiers.review(db)
    assert (result.reviewed, result.downgraded) == (1, 1)
    assert reload(db, member).tier == "regular"
    changed = [e.payload_json for e in all_rows(db, OutboxEvent)
               if e.type == "member_tier_changed"]
    assert '"by": "review"' in changed[-1]
    assert '"previous": "silver"' in changed[-1]


def test_review_moves_a_member_down_only_as_far_as_the_growth_reaches(
        db: Database, clock: FixedClock, member: MemberView) -> None:
    sell(db, member, 500_000)  # gold
    clock.set(START + dt.timedelta(days=300))
    sell(db, member, 110_000)  # 5% off: ¥1,045 paid
    clock.set(START + dt.timedelta(days=366))  # the big sale has left the window
    tiers.review(db)
    assert reload(db, member).tier == "silver"


def test_review_upgrades_when_head_office_lowers_a_threshold(db: Database,
                                                             member: MemberView) -> None:
    sell(db, member, 60_000)
    table = [dict(t) for t in db.settings.tiers]
    table[1]["threshold_fen"] = 50_000
    set_setting(db, "tiers", table)
    result = tiers.review(db)
    assert (result.upgraded, result.downgraded) == (1, 0)
    assert reload(db, member).tier == "silver"
    assert "member_tier_changed" in outbox_types(db)


def test_review_counts_every_open_member(db: Database) -> None:
    for _ in range(3):
        register(db)
    result = tiers.review(db)
    assert (result.reviewed, result.upgraded, result.downgraded) == (3, 0, 0)


@pytest.mark.parametrize(("spent_fen", "to_next", "near"), [
    (0, 100_000, False),
    (84_999, 15_001, False),
    (85_000, 15_000, True),  # within 15% of ¥1,000: the receipt mentions it
    (99_999, 1, True),
])
def test_distance_to_the_next_tier_and_the_near_flag(db: Database, member: MemberView,
                                                     spent_fen: int, to_next: int,
                                                     near: bool) -> None:
    if spent_fen:
        after = sell(db, member, spent_fen)["member_after"]
        assert (after["next_tier"], after["to_next_tier_fen"], after["near_next_tier"]) == (
            "silver", to_next, near)
    shown = progress(db, member)
    assert (shown.tier.code, shown.next_tier and shown.next_tier.code) == ("regular", "silver")
    assert (shown.growth_fen, shown.to_next_fen, shown.near) == (spent_fen, to_next, near)


def test_near_flag_towards_gold(db: Database, member: MemberView) -> None:
    sell(db, member, 100_000)  # silver; gold needs ¥5,000, so "near" is within ¥750
    after = sell(db, member, 331_632)["member_after"]  # ¥3,249.99 after 2% off
    assert (after["next_tier"], after["to_next_tier_fen"], after["near_next_tier"]) == (
        "gold", 75_001, False)
    after = sell(db, member, 1)["member_after"]
    assert (after["to_next_tier_fen"], after["near_next_tier"]) == (75_000, True)
