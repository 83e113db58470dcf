"""A till that lost events is stopped at its first contact and restored to what it was, over
real HTTP on SQLite and PostgreSQL: yesterday's backup put back on a till that kept selling,
a WAL lost after a crash, a blank disk rebuilt from head office alone."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storeapp import audit, backup, integrity
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.models import AuditRow, OutboxEvent
from storeapp.services import countcards, members, sales, users
from storeapp.services.sales import LineIn, TenderIn
from sync import client
from sync.hq import models as m
from sync.hq import service
from sync.restore import Link, restore
from tests.helpers import CASHIER, START, cli_env, copy_database, register, topup
from tests.sync.conftest import LiveHq


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def till(tmp_path: Path, migrated_template: Path, live_hq: LiveHq,
         clock: FixedClock) -> Iterator[tuple[Path, str]]:
    """A joined till's file (closed between steps, as a machine's disk is) and the store token."""
    path = tmp_path / "till" / "storeapp.db"
    path.parent.mkdir()
    copy_database(migrated_template, path)
    token = live_hq.add_store("0001")
    with opened(path, clock) as db:
        users.add_user(db, code="M01", name="王经理", role="manager", pin="246800", actor="setup")
        client.join(db, live_hq.url, token)
    yield path, token


@contextlib.contextmanager
def opened(path: Path, clock: FixedClock) -> Iterator[Database]:
    db = Database(path, clock=clock)
    try:
        yield db
    finally:
        db.close()


def wallet(db: Database, phone: str, fen: int) -> dict[str, Any]:
    return sales.checkout(db, member_ref=phone, lines=[LineIn(unit_price_fen=fen)],
                          tenders=[TenderIn("wallet")], actor=CASHIER)


def cash(db: Database, phone: str, fen: int) -> dict[str, Any]:
    return sales.checkout(db, member_ref=phone, lines=[LineIn(unit_price_fen=fen)],
                          tenders=[TenderIn("cash")], actor=CASHIER)


def chain_balance(live_hq: LiveHq, phone: str) -> tuple[int, int, int]:
    shown = service.member_show(live_hq.hq, phone)
    return shown["principal_fen"], shown["bonus_fen"], shown["points"]


def till_balance(db: Database, phone: str) -> tuple[int, int, int]:
    view = members.get(db, phone)
    return view.principal_fen, view.bonus_fen, view.points


def head_office_events(live_hq: LiveHq) -> list[tuple[int, str, str]]:
    with live_hq.hq.transaction() as s:
        return [(e.seq, e.event_id, e.payload) for e in s.scalars(
            select(m.Event).order_by(m.Event.seq))]


def outbox(db: Database) -> list[tuple[int, str, str]]:
    with db.reader() as s:
        return [(e.seq, e.event_id, e.payload_json)
                for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))]


def a_day_of_business(db: Database) -> None:
    zhang = members.get(db, "13800000001")
    topup(db, zhang, 20_000)
    wang = register(db, phone="13800000002", name="王五")
    topup(db, wang, 50_000)
    sold = wallet(db, wang.phone, 12_300)
    wallet(db, zhang.phone, 5_000)
    sales.refund(db, sold["receipt_no"], actor=CASHIER,
                 grant=users.approve(db, "M01", "246800", "changed her mind"))
    countcards.save_product(db, code="WASH10", name="洗车10次卡", covers="洗车", uses=10,
                            price_fen=30_000, valid_months=12, actor=CASHIER)
    card = countcards.sell(db, wang.member_id, "WASH10", method="wallet", actor=CASHIER).card
    countcards.use(db, card.card_no, uses=2, actor=CASHIER)
    members.set_pin(db, wang.member_id, "246810", actor=CASHIER)


def test_yesterdays_backup_put_back_is_stopped_and_restored_to_the_fen(
        live_hq: LiveHq, till: tuple[Path, str], clock: FixedClock) -> None:
    path, _ = till
    with opened(path, clock) as db:
        zhang = register(db, phone="13800000001", name="张三")
        topup(db, zhang, 50_000)
        wallet(db, zhang.phone, 10_000)
        client.run_sync(db)
        yesterday = Path(backup.backup(db, path.parent / "backups")["backup"])
        clock.set(START + dt.timedelta(days=1))
        a_day_of_business(db)
        client.run_sync(db)
        before = {p: till_balance(db, p) for p in ("13800000001", "13800000002")}
        lost_outbox = outbox(db)

    # the disk failed; the manager put yesterday's backup back, and the till sold on
    path.unlink()
    shutil.copy(yesterday, path)
    clock.set(START + dt.timedelta(days=1, hours=2))
    with opened(path, clock) as db:
        forked = cash(db, "13800000001", 1_800)  # its sequence number head office holds
        with pytest.raises(Refused) as stopped:
            client.run_sync(db)
        assert stopped.value.code == "restore_needed"
        assert "storeapp restore" in stopped.value.message
        with pytest.raises(Refused) as no_spend:
            wallet(db, "13800000001", 100)
        assert no_spend.value.code == "restore_needed"

    report = restore(path)
    assert report.base == str(yesterday) and report.rebased == 1
    assert report.pulled_events == len(lost_outbox) - report.base_seq
    assert Path(str(report.kept_aside)).exists()  # nothing is thrown away

    with opened(path, clock) as db:
        assert outbox(db)[:len(lost_outbox)] == lost_outbox  # the very events, in order
        assert client.run_sync(db).uploaded == 1  # the sale made after the loss, once
        assert till_balance(db, "13800000002") == before["13800000002"]
        points_for_cash = 18
        assert till_balance(db, "13800000001") == (
            before["13800000001"][0], before["13800000001"][1],
            before["13800000001"][2] + points_for_cash)
        for phone in ("13800000001", "13800000002"):
            assert till_balance(db, phone) == chain_balance(live_hq, phone)
        assert members.get(db, "13800000002").pin_set  # the PIN came back with its event
        with db.reader() as s:
            assert audit.verify(s).ok and integrity.ledger_problems(s) == []
        sales.get_sale(db, forked["receipt_no"])  # the sale after the loss is still there
        cash(db, "13800000002", 700)  # and selling goes on: uploaded exactly once
        assert client.run_sync(db).uploaded == 1
        assert outbox(db) == head_office_events(live_hq)
        assert client.status(db).restore_needed == ""


def test_a_sale_refunded_again_after_the_loss_is_left_out_and_said(
        live_hq: LiveHq, till: tuple[Path, str], clock: FixedClock) -> None:
    """Yesterday's backup put back, the till refunds again a sale it had refunded (and sent)
    before the loss: the restore does not refund it twice (no stored value minted, no second
    refund row), says so for a manager, and the till ends equal to head office."""
    path, _ = till
    with opened(path, clock) as db:
        zhang = register(db, phone="13800000001", name="张三")
        topup(db, zhang, 50_000)
        sold = wallet(db, zhang.phone, 10_000)
        yesterday = Path(backup.backup(db, path.parent / "backups")["backup"])
        sales.refund(db, sold["receipt_no"], actor=CASHIER,
                     grant=users.approve(db, "M01", "246800", "changed his mind"))
        client.run_sync(db)
        refunded = till_balance(db, zhang.phone)
    path.unlink()
    shutil.copy(yesterday, path)
    clock.set(START + dt.timedelta(hours=2))
    with opened(path, clock) as db:  # the old file: the sale is not refunded here
        sales.refund(db, sold["receipt_no"], actor=CASHIER,
                     grant=users.approve(db, "M01", "246800", "asked again"))
    report = restore(path)
    assert [n for n in report.notes if n.startswith("not carried over")] == [
        n for n in report.notes if sold["receipt_no"] in n]
    assert any(sold["receipt_no"] in n for n in report.notes)
    with opened(path, clock) as db:
        client.run_sync(db)
        assert till_balance(db, zhang.phone) == refunded == chain_balance(live_hq, zhang.phone)
        with db.reader() as s:
            assert audit.verify(s).ok and integrity.ledger_problems(s) == []


def test_a_lost_wal_is_stopped_and_restored_from_the_command_line(
        live_hq: LiveHq, till: tuple[Path, str], clock: FixedClock, tmp_path: Path) -> None:
    path, _ = till
    early = tmp_path / "main-file-only.db"
    with opened(path, clock) as db:
        zhang = register(db, phone="13800000001", name="张三")
        shutil.copy(path, early)  # what the main file holds while the WAL holds the rest
        topup(db, zhang, 50_000)
        a_day_of_business(db)
        client.run_sync(db)
        before = till_balance(db, zhang.phone)
    path.unlink()
    shutil.copy(early, path)  # the crash took the WAL with it

    def storeapp(*args: str) -> tuple[int, dict[str, Any]]:
        run = subprocess.run([sys.executable, "-m", "storeapp.cli", "--db", str(path), "--json",
                              *args], capture_output=True, text=True, timeout=120,
                             env=cli_env("M01", "246800"))  # the store manager restores
        return run.returncode, json.loads(run.stdout.splitlines()[-1])

    status, refused = storeapp("sync")
    assert status == 1 and refused["error"] == "restore_needed"
    status, report = storeapp("restore")
    assert status == 0, report
    assert report["base"] == str(path) and report["rebased"] == 0
    assert report["sync"]["uploaded"] == 0
    with opened(path, clock) as db:
        assert till_balance(db, zhang.phone) == before == chain_balance(live_hq, zhang.phone)
        assert outbox(db) == head_office_events(live_hq)


def test_a_blank_disk_is_rebuilt_from_head_office(live_hq: LiveHq, till: tuple[Path, str],
                                                   clock: FixedClock) -> None:
    path, token = till
    with opened(path, clock) as db:
        zhang = register(db, phone="13800000001", name="张三")
        topup(db, zhang, 50_000)
        a_day_of_business(db)
        client.run_sync(db)
        client.run_sync(db)  # the audit row the download wrote goes up too
        before = {p: till_balance(db, p) for p in ("13800000001", "13800000002")}
        cards_before = [{**c.to_json(), "qr": None} for c in countcards.cards(db, "13800000002")]
        sold = outbox(db)
        with db.reader() as s:
            rows = [(r.seq, r.hash) for r in s.scalars(select(AuditRow).order_by(AuditRow.seq))]
    for leftover in path.parent.iterdir():  # a new disk
        leftover.unlink() if leftover.is_file() else shutil.rmtree(leftover)

    report = restore(path, from_head_office=True, link=Link(live_hq.url, token, 1))
    assert report.base == "head office" and report.pulled_events == len(sold)
    with opened(path, clock) as db:
        client.run_sync(db)
        assert {p: till_balance(db, p) for p in before} == before
        assert [{**c.to_json(), "qr": None} for c in countcards.cards(db, "13800000002")] == \
            cards_before  # with its uses and value
        assert outbox(db) == sold
        with db.reader() as s:
            restored_rows = [(r.seq, r.hash) for r in s.scalars(select(AuditRow)
                                                                .order_by(AuditRow.seq))]
            assert s.scalar(select(func.count()).select_from(OutboxEvent)) == len(sold)
        assert restored_rows[:len(rows) - 1] == rows[:len(rows) - 1]
        assert db.settings.store_code == "0001" and db.settings.till_no == 1
        assert sales.get_sale(db, json.loads(sold[-2][2]).get("receipt_no") or
                              next(json.loads(p)["receipt_no"] for _, _, p in sold
                                   if "receipt_no" in json.loads(p)))
