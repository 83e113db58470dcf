"""Composition root of the desktop app: Qt application, translator, style, worker, database,
first-start setup, main window, head-office sync."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from devices.wedge import WedgeDetector
from storeapp.db import Database
from storeapp.services import users
from storeapp.till import Till, open_till
from ui import i18n
from ui.devices_bridge import open_devices
from ui.main_window import ActivityFilter, MainWindow
from ui.messages import readable
from ui.scan_filter import ScanFilter
from ui.state import AppState
from ui.sync_runner import SyncRunner
from ui.worker import Worker

STYLE = Path(__file__).resolve().parents[1] / "resources" / "style.qss"
SYNC_START_MS = 1000


def run(db_path: Path | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    worker = Worker()
    opened: list[Till] = []
    failure: list[BaseException] = []
    # The database opens (and migrates) on the worker thread, like every other database call;
    # a local event loop waits for the answer. Not a processEvents() spin: with PySide6 6.12 on
    # Python 3.11 every static processEvents() call drops a reference to None, and the spin
    # aborted the app ("deallocating None") before the window showed.
    waiting = QEventLoop()

    def on_opened(till: Till) -> None:
        opened.append(till)
        waiting.quit()

    def on_failed(error: BaseException) -> None:
        failure.append(error)
        waiting.quit()

    # the callbacks run on the GUI thread, inside the loop: quit() cannot come before exec()
    # the one place the app builds its till (a first start makes a new one)
    worker.submit(lambda: open_till(db_path, create=True), on_opened, on_failed)
    waiting.exec()
    if failure:  # damaged, read-only, locked, full: in words a manager can act on
        i18n.install(app, "zh_CN")  # the language setting is in the file that cannot be read
        worker.stop()
        QMessageBox.critical(None, "storeapp", readable(failure[0]))
        return 1
    till = opened[0]
    db = till.db
    window = build(app, db, worker)
    window.show()
    worker.submit(lambda: open_devices(db), window.attach_devices, window.state.show_error)
    sync = SyncRunner(db.path, db.clock)  # its own thread and database handle
    window.attach_sync(sync)
    # Started once the window has painted: opening its database handle must not delay the
    # login screen. A lambda, not sync.start: Qt would deliver a call to the runner's own
    # method on the runner's thread, which is not running yet.
    QTimer.singleShot(SYNC_START_MS, lambda: sync.start())
    status = app.exec()
    window.detach_sync()  # quit and wait: the thread never outlives the window
    window.detach_devices()
    worker.stop()
    till.close()
    return status


def build(app: QApplication, db: Database, worker: Worker) -> MainWindow:
    """Everything but the event loop (tests build the window this way)."""
    i18n.install(app, db.settings.language)
    app.setFont(i18n.cjk_font(12))
    app.setStyleSheet(STYLE.read_text(encoding="utf-8"))
    state = AppState(db, worker)
    if not users.has_users(db):
        from ui.setup import SetupDialog

        SetupDialog(state).exec()
    window = MainWindow(state)
    app.installEventFilter(ActivityFilter(window))
    settings = db.settings
    scans = ScanFilter(WedgeDetector(max_gap_ms=float(settings.scanner_max_gap_ms),
                                     min_length=settings.scanner_min_length), window)
    scans.scanned.connect(window.on_scan)
    app.installEventFilter(scans)
    return window
