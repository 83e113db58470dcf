"""Day totals: what this till's own ledgers moved per store-local day (head office reconciles the
events it stored against them); the remote part head office sent is not counted."""

from __future__ import annotations

import datetime as dt

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.ids import new_member_id
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from sync.apply import apply_page
from sync.totals import day_totals, recent_days
from tests.helpers import sell, topup
from tests.sync.fake_hq import page, remote_member


def test_counts_and_sums_of_own_movements_per_bucket(db: Database, member: MemberView) -> None:
    topup(db, member, 50_000)  # ¥500 + ¥50 bonus by the default rule
    sell(db, member, 11_000, tenders=[TenderIn("wallet")])  # 10000 principal + 1000 bonus
    with db.session() as s, s.begin():  # a remote part arrives the same day: not ours
        apply_page(db, s, page(remote_member(new_member_id(), principal_fen=9_999, points=99)))

    [today] = day_totals(db, [db.clock.local_date()])

    assert today == {"day": "2026-03-10", "accounts": {
        "wallet:principal": [2, 50_000 - 10_000],
        "wallet:bonus": [2, 5_000 - 1_000],
        "points": [1, 110],  # earned by the sale
        "countcard:uses": [0, 0], "countcard:value": [0, 0], "giftcard": [0, 0],
    }}


def test_a_movement_belongs_to_its_local_day(db: Database, clock: FixedClock,
                                             member: MemberView) -> None:
    clock.set(dt.datetime(2026, 3, 10, 15, 30))  # 23:30 in the store
    sell(db, member, 2_000)  # 20 points on the 10th
    clock.set(dt.datetime(2026, 3, 10, 16, 30))  # 00:30 on the 11th
    sell(db, member, 3_000)  # 30 points on the 11th

    days = recent_days(db)

    assert days == [dt.date(2026, 3, 10), dt.date(2026, 3, 11)]
    totals = {d["day"]: d["accounts"]["points"] for d in day_totals(db, days)}
    assert totals == {"2026-03-10": [1, 20], "2026-03-11": [1, 30]}


def test_a_quiet_day_reports_zeros(db: Database) -> None:
    [quiet] = day_totals(db, [dt.date(2026, 1, 1)])
    assert quiet["accounts"] == {"wallet:principal": [0, 0], "wallet:bonus": [0, 0],
                                 "points": [0, 0], "countcard:uses": [0, 0],
                                 "countcard:value": [0, 0], "giftcard": [0, 0]}


def test_a_redemption_across_two_lots_is_one_movement_as_in_its_event(
        db: Database, member: MemberView) -> None:
    sell(db, member, 10_000)  # lot of 100 points
    sell(db, member, 10_000)  # another lot of 100
    sell(db, member, 20_000, redeem_points=150)  # 100 + 50 from two lots; earns 198

    [today] = day_totals(db, [db.clock.local_date()])

    assert today["accounts"]["points"] == [3, 100 + 100 - 150 + 198]
