"""Head office's own database going back in time: restored from last night's backup, or a standby
promoted that had not received the last commits. Its server order then hands out again numbers
tills already downloaded other changes under, and a till's cursor above them would skip what
they now carry. A cursor past anything head office numbers is refused (and flagged once) until a
user runs ``storeapp-hq renumber``; after it every number is past the old ones, and a cursor of
the earlier numbering downloads every member again, so no till keeps what the restore lost."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.requests import Request

from storeapp.services import members
from sync import client
from sync.hq import cli, db, pages, service
from sync.hq import models as m
from sync.hq.db import HqDatabase, change_watermark, next_change_no, utcnow
from sync.hq.errors import HqRefusal, log_refusal
from sync.hq.movements import touch
from sync.hq.reconcile import reconcile
from sync.hq.service import Cursor, parse_cursor
from sync.http import HqRefused
from sync.protocol import API, signed_headers
from tests.helpers import register, topup
from tests.sync.conftest import LiveHq
from tests.sync.test_two_tills import (
    PHONE,
    balance,
    hq_member,
    make_till,  # noqa: F401  (a fixture)
    pay_by_wallet,
)

NOW = dt.datetime(2026, 12, 6, 10, 0)
MEMBERS = 12
#: transactions a head office makes between a backup and a failure that number no change
OTHER_TRANSACTIONS = 100_000
OTHER_PHONE = "13912345678"
PG = ("--host", "127.0.0.1", "--username", "root", "--dbname", "test")


def _member(i: int) -> m.Member:
    return m.Member(member_id=f"m{i:03d}", card_no=f"{i:08d}", phone=f"139{i:08d}",
                    name=f"会员{i}", birthday=None, gender=None, tier="regular",
                    status="active", home_store="0001", principal_fen=0, bonus_fen=0, points=0,
                    wallet_blocked=False, merged_into=None, created_at=NOW, updated_at=NOW,
                    change_no=0, marketing_consent=False)


class Chain:
    """Head office with one store and its members, which it can back up and restore. SQLite: the
    file copied with SQLite's backup API, and back over the live file. PostgreSQL (a schema is
    ours, not a cluster): the schema dumped and restored with pg_dump and pg_restore, and its
    offset set so that numbers continue from the backup's, as the transaction ids of a
    cluster restored from a base backup (or of a standby promoted) do."""

    def __init__(self, url: str, hq: HqDatabase | None = None, *, seeded: bool = True) -> None:
        self.url = url
        self.hq = hq or HqDatabase(url)
        if seeded:
            service.add_store(self.hq, "0001", "一号店", NOW)
            with self.hq.transaction() as s:
                s.add_all(_member(i) for i in range(MEMBERS))
                touch(s, [f"m{i:03d}" for i in range(MEMBERS)])
        self.backup: Path | None = None
        self.backed_up_at = 0

    @property
    def store(self) -> m.Store:
        with self.hq.transaction() as s:
            return s.scalars(select(m.Store)).one()

    def change(self, *members: int) -> None:
        with self.hq.transaction() as s:
            touch(s, [f"m{i:03d}" for i in members])

    def back_up(self, where: Path) -> None:
        self.backup = where / "hq-backup"
        if not self.hq.is_postgres:
            with sqlite3.connect(self._file()) as live, sqlite3.connect(self.backup) as copy:
                live.backup(copy)
            return
        with self.hq.transaction() as s:
            self.backed_up_at = change_watermark(s)
        subprocess.run(["pg_dump", *PG, "--schema", self._schema(), "--format", "custom",
                        "--file", str(self.backup)], check=True)
        with self.hq.transaction() as s:  # every upload and login after the backup takes a
            s.execute(text("UPDATE hq_counter SET value = value + :n "  # transaction id
                           "WHERE name = 'xid_offset'"), {"n": OTHER_TRANSACTIONS})

    def restore(self) -> None:
        assert self.backup is not None
        if not self.hq.is_postgres:  # written over the live file, as SQLite's backup API may
            with sqlite3.connect(self.backup) as copy, sqlite3.connect(self._file()) as live:
                copy.backup(live)
            return
        self.hq.engine.dispose()  # no connection keeps statements prepared on the old tables
        with self.hq.transaction() as s:
            s.execute(text(f"DROP SCHEMA {self._schema()} CASCADE"))
        subprocess.run(["pg_restore", *PG, str(self.backup)], check=True)
        with self.hq.transaction() as s:  # (this transaction takes the id after the last)
            behind = change_watermark(s) + 1 - self.backed_up_at
            s.execute(text("UPDATE hq_counter SET value = value - :n "
                           "WHERE name = 'xid_offset'"), {"n": behind})

    def run_on(self) -> None:
        """Head office numbers past everything it numbered before the restore."""
        if self.hq.is_postgres:
            with self.hq.transaction() as s:
                s.execute(text("UPDATE hq_counter SET value = value + :n "
                               "WHERE name = 'xid_offset'"), {"n": 2 * OTHER_TRANSACTIONS})
            return
        for i in range(5):
            self.change(i)

    def _file(self) -> str:
        return self.url.removeprefix("sqlite:///")

    def _schema(self) -> str:
        return self.url.rpartition("search_path%3D")[2]


class Till:
    """A till downloading every page after its cursor, keeping the members each brought."""

    def __init__(self, chain: Chain) -> None:
        self.chain, self.cursor = chain, ""
        self.pages: list[list[str]] = []

    def download(self) -> list[str]:
        got: list[str] = []
        store = self.chain.store
        while True:
            with self.chain.hq.transaction() as s:
                page = service.changes(s, store, 1, self.cursor, limit=5, now=NOW)
            got += [x["member_id"] for x in page["members"]]
            self.cursor = page["cursor"]
            if not page["more"]:
                return got


@pytest.fixture
def chain(hq_url: str) -> Iterator[Chain]:
    made = Chain(hq_url)
    try:
        yield made
    finally:
        made.hq.close()


def _refused(till: Till) -> HqRefusal:
    with pytest.raises(HqRefusal) as refused:
        till.download()
    return refused.value


def test_a_till_ahead_of_a_restored_head_office_waits_for_the_renumbering_and_then_has_it_all(
        chain: Chain, tmp_path: Path) -> None:
    till = Till(chain)
    assert sorted(till.download()) == [f"m{i:03d}" for i in range(MEMBERS)]
    chain.back_up(tmp_path)
    chain.change(1, 2)
    chain.change(3)
    assert sorted(till.download()) == ["m001", "m002", "m003"]
    chain.restore()  # what m001-m003 became is lost; head office numbers from before it again
    chain.change(7)  # taken after the restore, under a number the till may have had already

    refusal = _refused(till)
    assert (refusal.status, refusal.code) == (409, "numbering_went_back")
    assert "storeapp-hq renumber" in refusal.message
    with chain.hq.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.Exception_)) == 0  # logged by the API

    done = cli.main(["--db", chain.url, "renumber", "--user", "ops", "--reason", "restored "
                     "from last night's backup"])
    assert done == 0
    # every member again, in head office's state after the restore (m007 with its new change)
    assert sorted(till.download()) == [f"m{i:03d}" for i in range(MEMBERS)]
    assert parse_cursor(till.cursor).numbering > 0
    assert till.download() == []
    chain.change(5)
    assert till.download() == ["m005"]

    with chain.hq.transaction() as s:
        logged = s.scalars(select(m.AccessLog).where(m.AccessLog.action == "renumbered")).one()
    assert logged.user == "ops"
    assert "restored from last night's backup" in logged.detail_json


def test_a_restored_head_office_that_numbered_past_a_tills_cursor_still_knows_it(
        chain: Chain, tmp_path: Path) -> None:
    """Head office keeps the cursor it last gave each till; once its numbers are past the
    till's cursor again, the cursor is still later than the one its restored record holds."""
    till = Till(chain)
    till.download()
    chain.back_up(tmp_path)
    chain.change(1)
    chain.change(2)
    assert sorted(till.download()) == ["m001", "m002"]
    chain.restore()
    chain.run_on()  # a busy day after the restore: its numbers are past the till's cursor
    with chain.hq.transaction() as s:
        assert change_watermark(s) > parse_cursor(till.cursor).change
    assert _refused(till).code == "numbering_went_back"
    service.renumber(chain.hq, user="ops", reason="restored", now=NOW)
    assert len(till.download()) == MEMBERS


def test_every_refusal_is_logged_and_one_exception_stays_open_until_the_renumbering(
        hq_url: str, tmp_path: Path) -> None:
    """Over HTTP: a till's download refused three times is three refusals in the log and one
    exception for a person, which the renumbering resolves."""
    live = LiveHq(hq_url).start()
    try:
        chain = Chain(hq_url, live.hq)
        token = live.add_store("0002")
        cursor = _changes(live, token, "").json()["cursor"]
        chain.back_up(tmp_path)
        chain.change(1)
        cursor = _changes(live, token, cursor).json()["cursor"]
        chain.restore()
        for _ in range(3):
            refused = _changes(live, token, cursor)
            assert (refused.status_code, refused.json()["error"]) == (409, "numbering_went_back")
        with chain.hq.transaction() as s:
            opened = s.scalars(select(m.Exception_)).all()
            logged = s.scalar(select(func.sum(m.Refusal.count)).where(
                m.Refusal.reason == "numbering_went_back"))
        assert logged == 3
        assert [(x.kind, x.store_code, x.resolved_at) for x in opened] == [
            ("numbering_went_back", "0002", None)]
        assert json.loads(opened[0].detail_json)["cursor"] == cursor
        with chain.hq.transaction() as s:
            [open_one] = reconcile(s)["exceptions"]
        # the exceptions page tells it (Chinese by default)
        request = Request({"type": "http", "path": "/exceptions", "query_string": b"",
                           "headers": []})
        told = pages.exception_row(pages.Ui(request), open_one)
        assert told.label == "总部数据回退" and told.store == "0002"
        assert told.detail.startswith("1 号收银机") and "storeapp-hq renumber" in told.detail

        service.renumber(chain.hq, user="ops", reason="promoted the standby", now=NOW)
        with chain.hq.transaction() as s:
            assert s.scalars(select(m.Exception_.resolved_at)).one() == NOW
        again = _changes(live, token, cursor)
        assert again.status_code == 200, again.text
        assert len(again.json()["members"]) == MEMBERS
    finally:
        live.stop()


def _changes(live: LiveHq, token: str, cursor: str) -> httpx.Response:
    path = f"/changes?till_no=1&limit=100&cursor={cursor}"
    headers = signed_headers(token, "GET", API + path, b"", time.time())
    return httpx.get(live.url + API + path, headers=headers, timeout=10)


def test_the_renumbering_asks_who_and_why(chain: Chain) -> None:
    with pytest.raises(HqRefusal) as refused:
        service.renumber(chain.hq, user=" ", reason="restored", now=NOW)
    assert refused.value.code == "who_and_why"
    assert cli.main(["--db", chain.url, "renumber", "--user", "ops", "--reason", " "]) == 2


def test_numbers_after_a_renumbering_are_past_every_earlier_one(chain: Chain) -> None:
    with chain.hq.transaction() as s:
        before = next_change_no(s)
    first = service.renumber(chain.hq, user="ops", reason="restored", now=NOW)
    with chain.hq.transaction() as s:
        after = next_change_no(s)
    assert after > before + 2**31
    assert first["numbers_from"] > before
    # a second renumbering in the same second still starts a later numbering
    second = service.renumber(chain.hq, user="ops", reason="again", now=NOW)
    assert second["numbering"] == first["numbering"] + 1


def test_a_cursor_of_a_numbering_head_office_never_made_is_refused(chain: Chain) -> None:
    """A head office restored to before a renumbering meets cursors of the numbering it lost;
    its clock may be behind the one that made it, and the next numbering is past it all the
    same, so the till downloads from the start instead of being refused again."""
    till = Till(chain)
    till.download()
    lost = int(NOW.replace(tzinfo=dt.UTC).timestamp()) + 3600
    till.cursor = Cursor(7, "m003", 0, numbering=lost).text()
    refusal = _refused(till)
    assert refusal.code == "numbering_went_back"
    log_refusal(chain.hq, "0001", refusal, NOW)  # as the API does: the numbering is kept
    assert service.renumber(chain.hq, user="ops", reason="restored", now=NOW)["numbering"] > lost
    assert len(till.download()) == MEMBERS


def test_the_cursor_head_office_keeps_for_a_till_only_moves_forward(chain: Chain) -> None:
    """Two downloads of one till may overlap (a "sync now" while the timer's runs) and the
    older answer commit last: what head office keeps is the furthest, so the till, holding the
    newer, is never taken for one ahead of a restored head office."""
    till = Till(chain)
    till.download()
    older = till.cursor
    chain.change(1, 2)
    assert sorted(till.download()) == ["m001", "m002"]
    with chain.hq.transaction() as s:  # the older download's answer, committed last
        store = s.scalars(select(m.Store)).one()
        service._given(s, store, 1, parse_cursor(older), NOW)
    assert till.download() == []
    chain.change(3)
    assert till.download() == ["m003"]


def test_the_furthest_cursor_is_taken_in_members_and_in_rules_apart() -> None:
    members_ahead, rules_ahead = Cursor(9, "m002", 3), Cursor(9, "m001", 7)
    assert service._furthest(members_ahead, rules_ahead) == Cursor(9, "m002", 7)
    assert service._furthest(Cursor(1, "m1", 1, 5), Cursor(9, "m9", 9, 4)) == \
        Cursor(1, "m1", 1, 5)  # a later numbering wins whole


@pytest.mark.parametrize("cursor", ["1:m001:2:3:4", "1:m001:2:-3", "1:m001:2:x", "1:m001",
                                    f"1:m001:2:{2**63}"])
def test_a_cursor_head_office_cannot_have_given_is_bad_input(cursor: str) -> None:
    with pytest.raises(HqRefusal) as refused:
        parse_cursor(cursor)
    assert refused.value.code == "bad_cursor"


def test_a_cursor_reads_back_as_it_was_written() -> None:
    assert parse_cursor("12:m001:7") == Cursor(12, "m001", 7, 0)
    assert Cursor(12, "m001", 7, 0).text() == "12:m001:7"  # tills holding one keep working
    assert parse_cursor(Cursor(12, "m001", 7, 1764000000).text()) == \
        Cursor(12, "m001", 7, 1764000000)


@pytest.mark.parametrize("hq_url", ["postgres"], indirect=True)
def test_the_renumbering_waits_for_a_writer_numbered_under_the_old_offset(chain: Chain) -> None:
    """A transaction that took its number before the renumbering commits before it takes
    effect: otherwise its change, numbered low, would commit under a watermark already moved
    past it, and a till would step over it."""
    till = Till(chain)
    till.download()
    writer = Session(chain.hq.engine)
    writer.begin()
    old_number = next_change_no(writer)
    touch(writer, ["m004"])
    done: list[dict[str, int]] = []
    renumbering = threading.Thread(target=lambda: done.append(service.renumber(
        chain.hq, user="ops", reason="failover", now=NOW)))
    renumbering.start()
    time.sleep(0.5)
    assert done == []  # waiting for the writer's transaction
    committed = time.monotonic()
    writer.commit()
    writer.close()
    renumbering.join(10)
    finished = time.monotonic()
    assert done and finished >= committed
    with chain.hq.transaction() as s:  # the writer's change is below the new watermark, and
        assert change_watermark(s) > old_number  # every new number is past the old ones
        assert next_change_no(s) > old_number + 2**31


@pytest.mark.parametrize("hq_url", ["postgres"], indirect=True)
def test_the_renumbering_gives_up_on_a_transaction_that_does_not_end(
        chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    """It says so, rather than holding every upload and download behind the one it waits
    for; run again once that transaction ended, it goes through."""
    monkeypatch.setattr(db, "RENUMBER_WAIT", "300ms")
    with Session(chain.hq.engine) as long_one:
        long_one.begin()
        next_change_no(long_one)  # numbered under the offset in force, and still running
        with pytest.raises(HqRefusal) as refused:
            service.renumber(chain.hq, user="ops", reason="failover", now=NOW)
        assert (refused.value.status, refused.value.code) == (409, "busy")
        long_one.commit()
    assert service.renumber(chain.hq, user="ops", reason="failover", now=NOW)["numbering"]


# -- real tills, a real server, and head office's file restored under it ---------------------------

def test_after_head_office_is_restored_and_renumbered_every_till_ends_with_its_money(
        live_hq: LiveHq, make_till: Any, tmp_path: Path) -> None:  # noqa: F811
    """Two stores; head office's file goes back to last night's backup, losing a spend at one
    store and a top-up at the other. The tills send again what head office no longer holds
    (they resume from its word), and after the renumbering both tills, and head office, hold
    the member's balance to the fen, and each knows the member the other registered after."""
    till_a, till_b = make_till("0001"), make_till("0002")
    client.join(till_a, live_hq.url, live_hq.add_store("0001", "人民路店"))
    client.join(till_b, live_hq.url, live_hq.add_store("0002", "解放路店"))
    zhang = register(till_a, phone=PHONE, name="张三")
    topup(till_a, zhang, 50_000)  # ¥500 + ¥50 bonus
    client.run_sync(till_a)
    client.run_sync(till_b)
    chain = Chain(live_hq.db_url, live_hq.hq, seeded=False)
    chain.back_up(tmp_path)

    pay_by_wallet(till_b, PHONE, 11_000)  # lost in the restore
    client.run_sync(till_b)
    topup(till_a, zhang, 20_000)  # lost too
    client.run_sync(till_a)
    truth = balance(till_a, PHONE)
    chain.restore()
    li = register(till_b, phone=OTHER_PHONE, name="李四")
    for till in (till_b, till_a):  # each sends again what head office lost, and may not download
        with pytest.raises(HqRefused) as refused:
            client.run_sync(till)
        assert refused.value.code == "numbering_went_back"
    assert hq_member(live_hq.hq, OTHER_PHONE)["member_id"] == li.member_id
    assert hq_member(live_hq.hq, PHONE)["principal_fen"] == truth[0]
    service.renumber(live_hq.hq, user="ops", reason="restored from last night's backup",
                     now=utcnow())
    for till in (till_a, till_b, till_a):
        client.run_sync(till)

    at_hq = hq_member(live_hq.hq, PHONE)
    assert (at_hq["principal_fen"], at_hq["bonus_fen"], at_hq["points"]) == truth
    for till in (till_a, till_b):
        assert balance(till, PHONE) == truth
        assert members.get(till, OTHER_PHONE).member_id == li.member_id
    with live_hq.hq.transaction() as s:
        left = s.scalars(select(m.Exception_.kind).where(m.Exception_.resolved_at.is_(None)))
        assert left.all() == []  # the renumbering resolved its own; nothing else to look at
