"""Qt fixtures: the real main window over a real till database, driven by the keyboard.

Every test in this folder is marked ``qt`` automatically, so ``-m "not qt"`` runs the core suite
without a display.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from storeapp.db import Database
from storeapp.services import shifts
from tests.helpers import CASHIER
from ui.app import build
from ui.main_window import MainWindow
from ui.worker import Worker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt)


@pytest.fixture
def window(qtbot: QtBot, qapp: QApplication, db: Database, manager: object,
           cashier: object) -> Iterator[MainWindow]:
    """The counter window in English, logged out, on this test's database, with a shift open
    (float ¥0): the till's state during the day, so no open-shift dialog comes up at login."""
    shifts.open_shift(db, 0, actor=CASHIER)
    yield from _window(qtbot, qapp, db)


@pytest.fixture
def till_without_shift(qtbot: QtBot, qapp: QApplication, db: Database, manager: object,
                       cashier: object) -> Iterator[MainWindow]:
    """The same window at the start of the day: no shift is open yet."""
    yield from _window(qtbot, qapp, db)


def _window(qtbot: QtBot, qapp: QApplication, db: Database) -> Iterator[MainWindow]:
    with db.session() as s, s.begin():
        db.set_setting(s, "language", "en")
    worker = Worker()
    win = build(qapp, db, worker)
    qtbot.addWidget(win)
    win.show()
    yield win
    worker.stop()


#: A person's pace between keys; faster bursts ending in Enter are a scanner's (see ScanFilter).
HUMAN_MS = 45


def keys(qtbot: QtBot, widget: QWidget, text: str, *, enter: bool = False) -> None:
    """Type like a person, so the app-wide scan detector sees typing, not a scan."""
    qtbot.keyClicks(widget, text, delay=HUMAN_MS)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return, delay=HUMAN_MS)


def login(qtbot: QtBot, win: MainWindow, code: str = "C01", pin: str = "135700") -> None:
    keys(qtbot, win.login.code, code, enter=True)
    keys(qtbot, win.login.pin, pin, enter=True)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.counter, timeout=5000)


def pick(qtbot: QtBot, win: MainWindow, query: str) -> None:
    """Find a member as a scan or Enter in the search field would, and wait until picked."""
    win.counter.search.search(query)
    qtbot.waitUntil(lambda: win.state.member is not None, timeout=5000)


def when_dialog(qtbot: QtBot, kind: type[QDialog], drive: Callable[[QDialog], None]) -> None:
    """Drive the next modal dialog of ``kind`` once it is open (``exec`` blocks the test)."""

    def attempt() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            try:
                drive(widget)
            except BaseException:
                widget.reject()  # a failed step must not leave the test blocked in exec()
                raise
        else:
            QTimer.singleShot(20, attempt)

    QTimer.singleShot(0, attempt)


def type_text(widget: QWidget, text: str) -> None:
    """Type text the way an input method commits it (QTest can only type ASCII keys)."""
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def idle(qtbot: QtBot, win: MainWindow) -> None:
    """Wait until the worker has nothing left to do (results delivered to the GUI)."""
    qtbot.waitUntil(lambda: not win.state.worker.busy, timeout=5000)
