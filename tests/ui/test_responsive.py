"""Nothing slow runs on the GUI thread: the event loop keeps ticking while the database works."""

from __future__ import annotations

import itertools
import time

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from storeapp.db import Database
from ui.main_window import MainWindow


def test_event_loop_keeps_ticking_during_a_slow_database_operation(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    def slow_query() -> float:  # a real, CPU-bound SQLite query of about a second
        started = time.perf_counter()
        with db.reader() as s:
            s.execute(text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                           "WHERE i < 3000000) SELECT count(*) FROM n")).scalar()
        return time.perf_counter() - started

    ticks: list[float] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    took: list[float] = []
    window.state.worker.submit(slow_query, took.append)
    qtbot.waitUntil(lambda: bool(took), timeout=20_000)
    timer.stop()
    assert took[0] > 0.3  # it really was slow
    during = [t for t in ticks if t <= ticks[0] + took[0]]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    assert len(during) >= took[0] / 0.010 * 0.5  # at least half the ticks a free loop makes
    assert max(gaps) < 0.1  # never frozen for 100 ms (a cashier feels that)
