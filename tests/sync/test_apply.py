"""Applying downloaded pages to a real till database: new members, the remote part of balances
and points (posted once, whatever the timing), overdrafts, merges, and head office's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import NotFound, Refused
from storeapp.ids import new_member_id
from storeapp.models import Card, CouponTemplate, Plan, PointsEntry, PointsLot, WalletEntry
from storeapp.services import catalog, members, points
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from sync.apply import Applied, apply_page
from tests.helpers import (
    all_rows,
    counts,
    lots,
    outbox_types,
    points_sum,
    register,
    reload,
    sell,
    topup,
    wallet_sum,
)
from tests.sync.fake_hq import page, remote_member


def apply(db: Database, data: dict[str, Any]) -> Applied:
    with db.session() as s, s.begin():
        return apply_page(db, s, data)


def sync_rows(db: Database, member_id: str) -> list[WalletEntry]:
    return all_rows(db, WalletEntry, WalletEntry.member_id == member_id,
                    WalletEntry.kind == "sync")


# -- members ------------------------------------------------------------------------------------

def test_a_member_of_another_store_can_be_found_and_shows_the_chain_balance(db: Database) -> None:
    member_id = new_member_id()
    data = remote_member(member_id, phone="13900000001", name="李四", principal_fen=30_000,
                         bonus_fen=3_000, points=250, birthday="1990-05-01", gender="F")

    applied = apply(db, page(data))

    assert (applied.members, applied.inserted) == (1, 1)
    found = members.get(db, "13900000001")
    assert (found.member_id, found.name, found.birthday, found.gender) == (
        member_id, "李四", "1990-05-01", "F")
    assert (found.principal_fen, found.bonus_fen, found.points) == (30_000, 3_000, 250)
    assert members.get(db, data["card_no"]).member_id == member_id  # the card scans
    assert members.find(db, "0001")[0].member_id == member_id  # and the last four digits
    assert wallet_sum(db, found) == 33_000 and points_sum(db, found) == 250
    assert outbox_types(db) == []  # nothing happened at this till


def test_the_same_page_twice_posts_the_remote_part_once(db: Database) -> None:
    data = remote_member(new_member_id(), principal_fen=10_000, bonus_fen=1_000, points=80)

    apply(db, page(data))
    before = counts(db)
    again = apply(db, page(data))

    assert again.inserted == 0
    assert {k: v for k, v in counts(db).items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"}
    view = members.get(db, data["member_id"])
    assert (view.principal_fen, view.bonus_fen, view.points) == (10_000, 1_000, 80)


def test_only_the_change_of_the_remote_part_is_posted(db: Database) -> None:
    data = remote_member(new_member_id(), principal_fen=10_000, bonus_fen=1_000)
    apply(db, page(data))

    apply(db, page({**data, "principal_fen": 7_000, "bonus_fen": 700}, cursor="2::0"))

    rows = sync_rows(db, data["member_id"])
    assert [(r.bucket, r.amount_fen) for r in rows] == [
        ("principal", 10_000), ("bonus", 1_000), ("principal", -3_000), ("bonus", -300)]
    assert {r.action_key for r in rows[2:]} == {"sync:2::0"} and {r.ref for r in rows} == {"hq"}
    assert members.get(db, data["member_id"]).balance_fen == 7_700


def test_own_movements_are_not_counted_twice(db: Database, member: MemberView) -> None:
    """Topped up here (this store's contribution) and at another store (the remote part)."""
    topup(db, member, 10_000)  # ¥100, no bonus
    chain = remote_member(member.member_id, phone=member.phone, card_no=member.card_no,
                          name=member.name, home_store="0001", principal_fen=30_000,
                          mine=(10_000, 0, 0))

    apply(db, page(chain))
    apply(db, page(chain, cursor="2::0"))

    after = reload(db, member)
    assert after.principal_fen == 30_000 == wallet_sum(db, member)
    assert sum(r.amount_fen for r in sync_rows(db, member.member_id)) == 20_000


def test_a_chain_overdraft_shows_negative_and_blocks_stored_value(db: Database,
                                                                  member: MemberView) -> None:
    topup(db, member, 10_000)
    # Spent ¥100 here and ¥150 at another store while offline: the chain is ¥50 short.
    sell(db, member, 10_000, tenders=[TenderIn("wallet")])
    chain = remote_member(member.member_id, phone=member.phone, card_no=member.card_no,
                          name=member.name, principal_fen=-5_000, mine=(0, 0, 0),
                          wallet_blocked=True)

    applied = apply(db, page(chain))

    after = reload(db, member)
    assert applied.blocked == 1
    assert after.principal_fen == -5_000 == wallet_sum(db, member)
    topup(db, member, 20_000)  # paying in is still fine
    with pytest.raises(Refused) as refused:
        sell(db, member, 100, tenders=[TenderIn("wallet")])
    assert refused.value.code == "wallet_blocked"

    apply(db, page({**chain, "principal_fen": 15_000, "wallet_blocked": False}, cursor="2::0"))
    assert reload(db, member).principal_fen == 15_000 + 20_000  # unblocked, top-up kept


def test_a_merged_member_gives_its_phone_to_the_survivor(db: Database) -> None:
    local = register(db, phone="13812345678", name="张三")
    topup(db, local, 10_000)
    survivor_id = new_member_id()
    merged = remote_member(local.member_id, phone="13812345678", card_no=local.card_no,
                           name="张三", principal_fen=0, mine=(10_000, 0, 0),
                           merged_into=survivor_id)
    survivor = remote_member(survivor_id, phone="13812345678", name="张三",
                             principal_fen=10_000 + 5_000, mine=(0, 0, 0))

    applied = apply(db, page(survivor, merged))  # the till sorts merged members first

    assert applied.merged == 1
    by_phone = members.get(db, "13812345678")
    assert by_phone.member_id == survivor_id and by_phone.balance_fen == 15_000
    assert members.get(db, local.member_id).member_id == survivor_id  # old id follows
    assert [m.member_id for m in members.find(db, "5678")] == [survivor_id]
    gone = members.get(db, survivor_id)
    assert gone.balance_fen == 15_000
    with db.reader() as s:
        from storeapp.models import Member

        row = s.get(Member, local.member_id)
        assert row is not None
        assert (row.phone, row.merged_into, row.principal_fen) == (
            f"merged:{local.member_id}", survivor_id, 0)


def test_a_phone_moved_at_head_office_is_parked_until_its_owner_arrives(db: Database) -> None:
    first = remote_member(new_member_id(), phone="13900000011")
    second = remote_member(new_member_id(), phone="13900000022")
    apply(db, page(first, second))

    # At head office the two swapped phones: one page brings both, in either order.
    apply(db, page({**first, "phone": "13900000022"}, {**second, "phone": "13900000011"},
                   cursor="2::0"))

    assert members.get(db, "13900000022").member_id == first["member_id"]
    assert members.get(db, "13900000011").member_id == second["member_id"]


def test_a_card_replaced_at_another_store_scans_and_the_old_one_does_not(db: Database) -> None:
    data = remote_member(new_member_id())
    apply(db, page(data))
    new_card = remote_member(new_member_id())["card_no"]

    apply(db, page({**data, "card_no": new_card}, cursor="2::0"))

    assert members.get(db, new_card).member_id == data["member_id"]
    with pytest.raises(Refused):
        members.get(db, data["card_no"])
    with db.reader() as s:
        old = s.get(Card, data["card_no"])
        assert old is not None and old.status == "replaced"


# -- points -------------------------------------------------------------------------------------

def test_remote_points_never_expire_here(db: Database, clock: FixedClock) -> None:
    data = remote_member(new_member_id(), points=300)
    apply(db, page(data))
    member = members.get(db, data["member_id"])

    clock.advance(days=5 * 365)
    points.expire_due(db)

    assert reload(db, member).points == 300
    assert [lot.expires_at.year for lot in lots(db, member)] == [9999]


def test_remote_points_going_down_come_off_remote_lots_first(db: Database,
                                                             member: MemberView) -> None:
    sell(db, member, 8_000)  # ¥80 cash earns 80 points here, in a lot that expires here
    own_lot = lots(db, member)[0]
    assert own_lot.remaining_points == 80
    chain = remote_member(member.member_id, phone=member.phone, card_no=member.card_no,
                          name=member.name, points=80 + 100, mine=(0, 0, 80))
    apply(db, page(chain))

    apply(db, page({**chain, "points": 80 + 40}, cursor="2::0"))  # 60 redeemed elsewhere

    remaining = {lot.id: lot.remaining_points for lot in lots(db, member)}
    assert remaining[own_lot.id] == 80  # the local expiry still expires exactly these
    assert sum(remaining.values()) == 120 == reload(db, member).points == points_sum(db, member)


def test_remote_points_below_zero_use_own_lots_then_go_negative(db: Database,
                                                               member: MemberView) -> None:
    sell(db, member, 5_000)  # 50 points here
    chain = remote_member(member.member_id, phone=member.phone, card_no=member.card_no,
                          name=member.name, points=50, mine=(0, 0, 50))
    apply(db, page(chain))

    # Another store redeemed 50 of these points, then 20 more it later had to claw back.
    apply(db, page({**chain, "points": -20}, cursor="2::0"))

    assert [lot.remaining_points for lot in lots(db, member)] == [0]
    assert reload(db, member).points == -20 == points_sum(db, member)
    entries = all_rows(db, PointsEntry, PointsEntry.member_id == member.member_id,
                       PointsEntry.kind == "sync")
    assert [(e.points, e.lot_id is None) for e in entries] == [(-50, False), (-20, True)]

    apply(db, page({**chain, "points": 50}, cursor="3::0"))  # given back: a remote lot
    assert reload(db, member).points == 50 == points_sum(db, member)


# -- rules --------------------------------------------------------------------------------------

def test_chain_rules_are_taken_and_till_settings_are_not(db: Database) -> None:
    rules: list[dict[str, Any]] = [
        {"kind": "setting", "key": "points_per_yuan", "value": 2},
        {"kind": "setting", "key": "topup_bonus_rules", "value": [{"min_fen": 100,
                                                                   "bonus_fen": 10}]},
        {"kind": "setting", "key": "store_code", "value": "0999"},
        {"kind": "setting", "key": "printer_uri", "value": "tcp://10.0.0.9:9100"},
        {"kind": "setting", "key": "no_such_setting", "value": 1},
        {"kind": "product", "key": "6901234567892",
         "value": {"name": "矿泉水 Water", "price_fen": 200}},
        {"kind": "coupon_template", "key": "WELCOME",
         "value": {"name": "新人券", "kind": "amount_off", "value": 500, "min_spend_fen": 0,
                   "valid_days": 30}},
        {"kind": "plan", "key": "PLUS",
         "value": {"name": "Plus 会员", "fee_fen": 9_900, "duration_days": 365,
                   "extra_discount_pct": "5", "points_multiplier": "1.5"}},
    ]

    applied = apply(db, page(rules=rules))

    assert applied.rules == 5 and len(applied.skipped) == 1  # 2 were the till's own
    assert "no_such_setting" in applied.skipped[0]
    assert db.settings.points_per_yuan == 2 == Database(db.path).settings.points_per_yuan
    assert db.settings.topup_bonus_rules == [{"min_fen": 100, "bonus_fen": 10}]
    assert (db.settings.store_code, db.settings.printer_uri) == ("0001", "null:")
    assert catalog.by_barcode(db, "6901234567892").price_fen == 200
    with db.reader() as s:
        template = s.get(CouponTemplate, "WELCOME")
        plan = s.get(Plan, "PLUS")
        assert template is not None and (template.value, template.active) == (500, True)
        assert plan is not None and (plan.fee_fen, plan.points_multiplier) == (9_900, "1.5")


def test_rules_deleted_at_head_office(db: Database) -> None:
    apply(db, page(rules=[
        {"kind": "setting", "key": "points_per_yuan", "value": 3},
        {"kind": "product", "key": "6901234567892", "value": {"name": "水", "price_fen": 200}}]))

    apply(db, page(rules=[{"kind": "setting", "key": "points_per_yuan", "value": None},
                          {"kind": "product", "key": "6901234567892", "value": None}],
                   cursor="2::0"))

    assert db.settings.points_per_yuan == 1 == Database(db.path).settings.points_per_yuan
    with pytest.raises(NotFound):
        catalog.by_barcode(db, "6901234567892")


def test_a_bad_rule_is_reported_and_the_rest_applied(db: Database) -> None:
    applied = apply(db, page(rules=[
        {"kind": "setting", "key": "points_per_yuan", "value": "many"},
        {"kind": "product", "key": "123456", "value": {"name": "无价"}},
        {"kind": "product", "key": "654321", "value": {"name": "有价", "price_fen": 150}}]))

    assert applied.rules == 1 and len(applied.skipped) == 2
    assert db.settings.points_per_yuan == 1
    assert catalog.by_barcode(db, "654321").price_fen == 150


def test_a_remote_lot_is_a_sync_entry_and_never_an_earn(db: Database) -> None:
    """Only ``kind='sync'`` rows carry the remote part: the till never reports them as its own."""
    data = remote_member(new_member_id(), principal_fen=100, points=10)
    apply(db, page(data))
    with db.reader() as s:
        kinds = {e.kind for e in s.query(PointsEntry)} | {w.kind for w in s.query(WalletEntry)}
        lot = s.query(PointsLot).one()
    assert kinds == {"sync"} and lot.expires_at == dt.datetime(9999, 12, 31)
