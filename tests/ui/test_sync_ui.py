"""Head-office sync at the counter, against a real head office on loopback: Sync now with its
progress window, the status bar synced, offline and refused, the interval and nightly timers,
and a counter that keeps taking keys while head office hangs."""

from __future__ import annotations

import datetime as dt
import socket
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import OutboxEvent
from storeapp.services import wallet
from sync import client
from sync.hq import models as hq_models
from sync.hq import service
from sync.hq.db import utcnow
from tests.helpers import CASHIER, register
from tests.sync.conftest import LiveHq
from tests.ui.conftest import keys, login
from ui import i18n
from ui.main_window import MainWindow
from ui.sync_runner import SyncRunner, next_nightly, nightly_offset
from ui.sync_view import describe, summary

SYNCED_AT_START = "Synced 10:00 · 0 to send"  # tests.helpers.START is 10:00 in the store


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveHq]:
    """Head office over SQLite, serving on a loopback port in this process."""
    server = LiveHq(f"sqlite:///{tmp_path / 'hq.db'}").start()
    yield server
    server.stop()


@pytest.fixture
def joined(db: Database, live: LiveHq) -> Database:
    """The till joined its store (0001) at that head office, as `storeapp store join` does."""
    client.join(db, live.url, live.add_store(db.settings.store_code))
    return db


@pytest.fixture
def seen(window: MainWindow, joined: Database) -> Iterator[Seen]:
    """The sync runner wired as the app wires it, and what it said; stopped before the server
    goes."""
    yield start_sync(window, joined)
    window.detach_sync()


def start_sync(window: MainWindow, db: Database, **options: Any) -> Seen:
    runner = SyncRunner(db.path, db.clock, **options)
    window.attach_sync(runner)
    seen = Seen(window, runner)
    runner.start()
    return seen


def press_sync(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window.counter.search.field, Qt.Key.Key_T,
                   Qt.KeyboardModifier.ControlModifier)


def outbox(db: Database) -> list[str]:
    with db.reader() as s:
        return list(s.scalars(select(OutboxEvent.event_id).order_by(OutboxEvent.seq)))


def hq_events(live: LiveHq) -> list[str]:
    with live.hq.transaction() as s:
        return list(s.scalars(select(hq_models.Event.event_id).order_by(hq_models.Event.seq)))


def a_member_with_money(db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor=CASHIER)


class Seen(QObject):
    """The runner's signals as the GUI thread gets them, after the window's own slots (pytest-qt's
    receivers would run on the runner's thread, ahead of the screen), and what the Sync-now
    window showed at each progress step."""

    finished = Signal(object)
    failed = Signal(str, str, bool)

    def __init__(self, window: MainWindow, runner: SyncRunner) -> None:
        super().__init__()
        self.window = window
        self.steps: list[tuple[str, int, int, str, bool]] = []
        self.reasons: list[str] = []
        runner.sync_started.connect(self._on_started)
        runner.progress.connect(self._on_progress)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)

    @Slot(str)
    def _on_started(self, reason: str) -> None:
        self.reasons.append(reason)

    @Slot(str, int, int)
    def _on_progress(self, stage: str, done: int, total: int) -> None:
        dialog = self.window.sync_dialog
        assert dialog is not None
        busy = dialog.bar.maximum() == 0 and dialog.bar.isVisible()
        self.steps.append((stage, done, total, dialog.stage.text(), busy))

    @Slot(object)
    def _on_finished(self, report: dict[str, Any]) -> None:
        self.finished.emit(report)

    @Slot(str, str, bool)
    def _on_failed(self, code: str, message: str, offline: bool) -> None:
        self.failed.emit(code, message, offline)


@contextmanager
def black_hole(port: int) -> Iterator[None]:
    """Something on head office's port that takes connections and never answers."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(16)
        yield


def test_sync_now_shows_progress_then_the_time_and_nothing_to_send(
        qtbot: QtBot, window: MainWindow, joined: Database, live: LiveHq, seen: Seen) -> None:
    a_member_with_money(joined)
    pending = outbox(joined)
    login(qtbot, window)
    label = window.status_sync
    qtbot.waitUntil(lambda: label.text() == f"Not synced yet · {len(pending)} to send",
                    timeout=5000)

    with qtbot.waitSignal(seen.finished, timeout=20_000) as done:
        press_sync(qtbot, window)
    qtbot.waitUntil(lambda: label.text() == SYNCED_AT_START, timeout=5000)

    assert label.property("role") == ""
    assert hq_events(live) == pending  # head office has the till's events, in order
    report = done.args[0]
    assert report["uploaded"] == len(pending) and report["members"] == 1
    dialog = window.sync_dialog
    assert dialog is not None and dialog.isVisible()
    assert [step[:3] for step in seen.steps] == [
        ("upload", len(pending), len(pending)), ("download", 1, 0), ("totals", 2, 2)]
    shown = [(text, busy) for *_, text, busy in seen.steps]
    assert shown == [(f"Sending the till's records: {len(pending)} of {len(pending)}", False),
                     ("Receiving members and rules: 1", True),  # its size is not known
                     ("Sending day totals", False)]
    assert dialog.stage.text() == "Synced with head office."
    assert dialog.outcome.text() == f"Sent {len(pending)} · 1 members · 0 rules"
    assert (dialog.bar.maximum(), dialog.bar.value()) == (1, 1)
    # the keys stayed at the counter, and Esc there closes the window
    qtbot.waitUntil(window.counter.search.field.hasFocus, timeout=2000)
    qtbot.keyClick(window.counter.search.field, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_offline_head_office_leaves_the_counter_working_and_shows_offline(
        qtbot: QtBot, window: MainWindow, joined: Database, live: LiveHq, seen: Seen) -> None:
    register(joined, phone="13912345678", name="王芳")
    pending = len(outbox(joined))
    login(qtbot, window)
    port = int(live.url.rsplit(":", 1)[1])
    live.stop()
    counter, runner = window.counter, window.sync
    assert runner is not None
    with black_hole(port), qtbot.waitSignal(seen.failed, timeout=20_000) as failed:
        press_sync(qtbot, window)
        qtbot.waitUntil(lambda: window.status_sync.text().endswith("syncing…"), timeout=5000)
        # head office hangs (the client waits 5 s for it): the cashier goes on meanwhile
        qtbot.keyClick(counter, Qt.Key.Key_F1)
        keys(qtbot, counter.search.field, "5678", enter=True)
        qtbot.waitUntil(lambda: window.state.member is not None, timeout=5000)
        assert window.state.member is not None and window.state.member.name == "王芳"
        assert runner.busy  # all that while the sync was still waiting

    assert failed.args[0] == "unreachable" and failed.args[2] is True
    label = window.status_sync
    qtbot.waitUntil(lambda: label.text() == f"Offline since 10:00 · {pending} to send",
                    timeout=5000)
    assert label.property("role") == "warning"
    dialog = window.sync_dialog
    assert dialog is not None
    assert dialog.stage.text() == "Head office cannot be reached."
    assert dialog.outcome.text() == "The counter works offline; it tries again every 5 minutes."


def test_a_revoked_token_is_refused_in_the_status_bar_and_the_window(
        qtbot: QtBot, window: MainWindow, joined: Database, live: LiveHq, seen: Seen) -> None:
    pending = len(outbox(joined))
    login(qtbot, window)
    service.revoke_store(live.hq, joined.settings.store_code, utcnow())

    with qtbot.waitSignal(seen.failed, timeout=20_000) as failed:
        press_sync(qtbot, window)

    assert failed.args[0] == "revoked" and failed.args[2] is False
    label = window.status_sync
    qtbot.waitUntil(lambda: label.text() == f"Sync refused [revoked] · {pending} to send",
                    timeout=5000)
    assert label.property("role") == "error"
    assert "revoked this store's token" in label.toolTip()  # what to do, by its code
    dialog = window.sync_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.stage.text() == "The sync did not complete [revoked]."
    assert dialog.outcome.text() == ("Head office revoked this store's token: ask head office "
                                    "for a new one and join again.")
    assert dialog.outcome.property("role") == "error"


def test_the_interval_timer_syncs_by_itself_even_when_locked(
        qtbot: QtBot, window: MainWindow, joined: Database, live: LiveHq) -> None:
    a_member_with_money(joined)
    pending = outbox(joined)
    with joined.session() as s, s.begin():
        joined.set_setting(s, "sync_interval_minutes", 1)
    runner = SyncRunner(joined.path, joined.clock, minute_ms=300)  # a minute of 0.3 s
    window.attach_sync(runner)
    seen = Seen(window, runner)
    try:
        with qtbot.waitSignal(seen.finished, timeout=20_000):
            runner.start()
        assert seen.reasons and set(seen.reasons) == {"interval"}  # (every 0.3 s from then)
        qtbot.waitUntil(lambda: window.status_sync.text() == SYNCED_AT_START, timeout=5000)
        assert hq_events(live) == pending
        assert window.stack.currentWidget() is window.login  # nobody logged in: it still ran
    finally:
        window.detach_sync()


def test_the_nightly_sync_runs_at_its_hour(qtbot: QtBot, window: MainWindow, joined: Database,
                                           live: LiveHq, clock: FixedClock) -> None:
    a_member_with_money(joined)
    with joined.session() as s, s.begin():
        joined.set_setting(s, "sync_nightly_hour", 11)
    own = nightly_offset(joined.settings.store_code, joined.settings.till_no)
    clock.set(dt.datetime(2026, 3, 10, 2, 59, 58) + own)  # 2 s before 11:00 + this till's time
    runner = SyncRunner(joined.path, joined.clock)
    window.attach_sync(runner)
    seen = Seen(window, runner)
    try:
        with qtbot.waitSignal(seen.finished, timeout=20_000):
            runner.start()
        assert seen.reasons == ["nightly"]
        assert hq_events(live) == outbox(joined)
    finally:
        window.detach_sync()


def test_not_linked_the_window_says_how_to_link(qtbot: QtBot, window: MainWindow,
                                                db: Database) -> None:
    seen = start_sync(window, db)
    try:
        login(qtbot, window)
        assert window.status_sync.text() == "Head office: not linked"
        with qtbot.waitSignal(seen.failed, timeout=10_000) as failed:
            press_sync(qtbot, window)
        assert failed.args[0] == "not_linked"
        dialog = window.sync_dialog
        assert dialog is not None and dialog.isVisible()
        assert dialog.command.isVisible()
        assert dialog.command.text() == "storeapp store join --server URL --token TOKEN"
        assert window.status_sync.text() == "Head office: not linked"  # not an error
        qtbot.waitUntil(window.counter.search.field.hasFocus, timeout=2000)  # keys stay here
        qtbot.keyClick(window.counter.search.field, Qt.Key.Key_Escape)
        assert not dialog.isVisible()
    finally:
        window.detach_sync()


def test_the_pending_count_follows_what_the_counter_records(
        qtbot: QtBot, window: MainWindow, joined: Database, seen: Seen) -> None:
    pending = len(outbox(joined))
    label = window.status_sync
    qtbot.waitUntil(lambda: label.text() == f"Not synced yet · {pending} to send", timeout=5000)

    window.state.worker.submit(lambda: register(joined, phone="13912345678", name="王芳"))

    # at once, not at the next 30-second look
    qtbot.waitUntil(lambda: label.text() == f"Not synced yet · {pending + 1} to send",
                    timeout=3000)


def test_the_status_bar_in_chinese(qapp: QApplication) -> None:
    at = dt.datetime(2026, 3, 10, 6, 5)  # 14:05 in the store
    today = dt.date(2026, 3, 10)
    linked = {"linked": True, "pending_events": 3, "last_sync_at": at, "offline_since": None,
              "last_error": "", "fault": "", "running": False}
    i18n.install(qapp, "zh_CN")
    try:
        assert describe({"linked": False}, today) == ("总部：未连接", "", "")
        assert describe(linked, today)[:2] == ("同步 14:05 · 待传 3", "")
        offline = {**linked, "pending_events": 12, "offline_since": at - dt.timedelta(minutes=25),
                   "last_error": "cannot reach head office"}
        assert describe(offline, today)[:2] == ("离线，自 13:40 起 · 待传 12", "warning")
        refused = {**linked, "last_error": "the token of store 0001 was revoked [revoked]"}
        assert describe(refused, today) == (
            "同步被拒 [revoked] · 待传 3", "error",
            "总部已停用本店令牌：请向总部索取新令牌后重新连接。")
        assert summary({"uploaded": 120, "members": 35, "rules": 2}) == \
            "已上传 120 条 · 下载会员 35 · 规则 2"
        lost = {**linked, "restore_needed": "head office holds events up to 52"}
        assert describe(lost, today) == ("数据丢失：请店长运行 storeapp restore · 待传 3",
                                         "error", "head office holds events up to 52")
        flagged = {**linked, "online_only": "balance_mismatch"}
        assert describe(flagged, today)[:2] == ("同步 14:05 · 待传 3 · 储值仅限在线使用",
                                                "warning")
    finally:
        i18n.install(qapp, "en")


def test_the_next_nightly_sync_is_at_its_local_hour_once_a_day() -> None:
    ten_local = dt.datetime(2026, 3, 10, 2, 0)  # 10:00 in the store (UTC+8)
    assert next_nightly(ten_local, 2) == dt.datetime(2026, 3, 10, 18, 0)  # 02:00 tomorrow
    assert next_nightly(ten_local, 23) == dt.datetime(2026, 3, 10, 15, 0)  # 23:00 today
    assert next_nightly(ten_local, 23, done=dt.date(2026, 3, 10)) == \
        dt.datetime(2026, 3, 11, 15, 0)  # today's already ran


def test_a_chains_tills_spread_their_nightly_sync_over_the_hour() -> None:
    offsets = {(f"{store:04d}", till): nightly_offset(f"{store:04d}", till)
               for store in range(1, 501) for till in (1, 2)}
    assert all(dt.timedelta(0) <= o < dt.timedelta(hours=1) for o in offsets.values())
    assert nightly_offset("0007", 1) == offsets["0007", 1]  # the same every night
    per_ten_minutes = Counter(int(o.total_seconds()) // 600 for o in offsets.values())
    assert len(per_ten_minutes) == 6 and max(per_ten_minutes.values()) < 220  # ~167 each
    ten_local = dt.datetime(2026, 3, 10, 2, 0)  # 10:00 in the store (UTC+8)
    late = dt.timedelta(minutes=59, seconds=59)  # 02:59:59, then 23:59:59: the same night
    assert next_nightly(ten_local, 2, offset=late) == dt.datetime(2026, 3, 10, 18, 59, 59)
    assert next_nightly(ten_local, 23, dt.date(2026, 3, 10), late) == \
        dt.datetime(2026, 3, 11, 15, 59, 59)


def test_stopping_the_runner_ends_its_thread(qtbot: QtBot, window: MainWindow,
                                             joined: Database) -> None:
    start_sync(window, joined)
    runner = window.sync
    assert runner is not None
    qtbot.waitUntil(lambda: window.status_sync.text().startswith("Not synced yet"),
                    timeout=5000)
    thread = runner.thread()
    assert thread.isRunning() and thread is not window.thread()  # its own thread

    window.detach_sync()

    assert thread.isFinished() and window.sync is None
    assert not runner.request_sync()  # nothing runs after the stop
