"""A till written back from a backup plus its own events is the till it was: every member's
money to the fen, every ledger and journal row, sales, refunds, coupons, shifts, Z reports,
counters and the outbox with its running hash (what `storeapp restore` relies on)."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from sqlalchemy import select

from storeapp import backup, integrity, replay
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import OutboxEvent
from storeapp.services import members, plans, points, sales, shifts, users, wallet
from storeapp.services.sales import LineIn, TenderIn
from tests import ledger_checks
from tests.helpers import CASHIER, START, add_coupon_template, register, set_setting, topup

MANAGER, PIN = "M01", "246800"


def grant(db: Database) -> users.Grant:
    return users.approve(db, MANAGER, PIN, "customer asked")


def state(path: Path) -> dict[str, object]:
    with contextlib.closing(ledger_checks.connect(path)) as conn:
        return ledger_checks.restorable_state(conn)


def events_after(db: Database, seq: int) -> list[replay.StoredEvent]:
    with db.reader() as s:
        return [replay.StoredEvent(e.seq, e.event_id, e.type, e.created_at, e.payload_json)
                for e in s.scalars(select(OutboxEvent).where(OutboxEvent.seq > seq)
                                   .order_by(OutboxEvent.seq))]


def last_seq(db: Database) -> int:
    with db.reader() as s:
        return int(s.scalar(select(OutboxEvent.seq).order_by(OutboxEvent.seq.desc())) or 0)


def write_back(backup_path: Path, events: list[replay.StoredEvent], clock: FixedClock) -> Path:
    restored = Database(backup_path, clock=clock)
    try:
        with restored.session() as s, s.begin():
            replay.replay(restored, s, events)
        with restored.reader() as s:
            assert integrity.ledger_problems(s) == []
    finally:
        restored.close()
    return backup_path


def test_a_backup_plus_the_events_after_it_is_the_till_again(tmp_path: Path) -> None:
    clock = FixedClock(START)
    db = Database(tmp_path / "till.db", clock=clock)
    users.add_user(db, code=MANAGER, name="王经理", role="manager", pin=PIN, actor="setup")
    add_coupon_template(db, "TEN", value=1_000)
    set_setting(db, "welcome_coupon_template", "TEN")
    plans.add_plan(db, code="PLUS", name="PLUS 会员", fee_fen=9_900, duration_days=365,
                   extra_discount_pct="5", points_multiplier="2", actor="setup")
    shifts.open_shift(db, 20_000, actor=CASHIER)
    zhang = register(db, phone="13800000001", name="张三", birthday="1990-03-05")
    topup(db, zhang, 100_000)
    saved = backup.backup(db, tmp_path / "backups")
    taken_at = last_seq(db)

    # after the backup: everything a counter does
    wang = register(db, phone="13800000002", name="王五")
    members.set_pin(db, wang.member_id, "135790", actor=CASHIER)
    topup(db, wang, 50_000, method="wechat")
    clock.set(START + dt.timedelta(minutes=30))
    first = sales.checkout(db, member_ref=zhang.phone, lines=[LineIn(unit_price_fen=12_345)],
                           tenders=[TenderIn("wallet")], actor=CASHIER)
    plans.buy(db, wang.phone, "PLUS", method="wallet", pin="135790", actor=CASHIER)
    sold = sales.checkout(db, member_ref=wang.phone, lines=[LineIn(unit_price_fen=30_000)],
                          tenders=[TenderIn("wallet", 20_000), TenderIn("cash", 20_000)],
                          pin="135790", actor=CASHIER,
                          coupon_code=wallet_coupon(db, wang.member_id))
    sales.checkout(db, member_ref=zhang.phone, lines=[LineIn(unit_price_fen=3_000)],
                   tenders=[TenderIn("cash")], redeem_points=100, actor=CASHIER)
    sales.refund(db, first["receipt_no"], actor=CASHIER, grant=grant(db))
    sales.refund(db, sold["receipt_no"], actor=CASHIER, grant=grant(db))
    void_me = topup(db, zhang, 20_000)
    wallet.void_topup(db, void_me["topup_key"], actor=CASHIER, grant=grant(db))
    wallet.adjust(db, zhang.member_id, principal_fen=-500, bonus_fen=0, actor=CASHIER,
                  grant=grant(db))
    points.adjust(db, zhang.member_id, 300, actor=CASHIER, grant=grant(db))
    members.report_lost(db, wang.member_id, actor=CASHIER)
    members.replace_card(db, wang.member_id, actor=CASHIER, grant=grant(db))
    members.update_profile(db, wang.member_id, actor=CASHIER, name="王小五", phone="13900000002")
    li = register(db, phone="13800000003")
    topup(db, li, 30_000)
    wallet.close_account(db, li.member_id, actor=CASHIER, grant=grant(db))
    sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=800)],
                   tenders=[TenderIn("cash", 1_000)], actor=CASHIER)
    shifts.close_shift(db, 123_456, actor=CASHIER)
    shifts.open_shift(db, 10_000, actor=CASHIER)
    clock.set(START + dt.timedelta(days=800))
    points.expire_due(db)
    lost = events_after(db, taken_at)
    db.close()

    restored = write_back(Path(saved["backup"]), lost, clock)
    assert state(restored) == state(tmp_path / "till.db")


def wallet_coupon(db: Database, member_id: str) -> str | None:
    from storeapp.services import coupons

    usable = coupons.usable(db, member_id)
    return usable[0]["code"] if usable else None
