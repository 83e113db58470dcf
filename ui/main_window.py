"""The main window composes the screens and the status bar; it holds no business rules."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from devices.display import CustomerDisplay
from devices.print_queue import PrintQueue
from storeapp.services.shifts import OpenShift
from storeapp.services.users import Staff
from ui.counter import SHIFT_KEY, SYNC_KEY, CounterScreen
from ui.devices_bridge import DeviceBridge
from ui.dialogs.shift import describe_shift
from ui.dialogs.shift_open import OpenShiftDialog
from ui.dialogs.sync_now import SyncDialog
from ui.login import LoginScreen
from ui.state import AppState
from ui.sync_runner import SyncRunner
from ui.sync_view import SyncStatusLabel
from ui.terms import ROLE, term
from ui.widgets import fit_to_screen


class MainWindow(QMainWindow):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.setWindowTitle(self.tr("storeapp — %1").replace("%1", state.db.settings.store_name))
        self.stack = QStackedWidget()
        self.login, self.counter = self._screens()
        # The message line is the counter's own full-width row, not a corner of the status
        # bar: "Sale … done. Change ¥…" and "The cart is empty" are what the cashier reads
        # next, at 1024x768 too.
        self.message = QLabel()
        self.message.setObjectName("messageLine")
        self.message.setWordWrap(True)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.stack, 1)
        column.addWidget(self.message)
        self.setCentralWidget(central)
        self.status_user, self.status_printer = QLabel(), QLabel(self.tr("Printer: none"))
        self.status_scanner = QLabel(self.tr("Scanner: keyboard"))
        self.status_sync = SyncStatusLabel(state.db.settings, state.db.clock, SYNC_KEY)
        self.status_shift = QLabel()
        bar = self.statusBar()
        for label in (self.status_user, self.status_shift, self.status_printer,
                      self.status_scanner, self.status_sync):
            bar.addPermanentWidget(label)
        self.idle = QTimer(self, singleShot=True)
        self.idle.timeout.connect(self.lock)
        self.status_sync.clicked.connect(self.sync_now)
        state.language_changed.connect(self.retranslate)
        state.message.connect(self._on_message)
        state.shift_changed.connect(self._on_shift_changed)
        state.worker.failed.connect(lambda text: self._on_message(text, True))
        QShortcut(QKeySequence("Ctrl+L"), self, self.lock)
        self.devices: DeviceBridge | None = None
        self.shift_prompt: OpenShiftDialog | None = None  # asked after a login without a shift
        self.sync: SyncRunner | None = None  # head-office sync, once the app started it
        self.sync_dialog: SyncDialog | None = None
        self._last_user: str | None = None  # who was logged in before the till locked
        fit_to_screen(self, QSize(1920, 1080))  # the whole of a till's screen
        state.refresh_shift()  # the status bar says whether a shift is open, even when locked
        self.lock()

    def _screens(self) -> tuple[LoginScreen, CounterScreen]:
        login, counter = LoginScreen(self.state), CounterScreen(self.state)
        login.logged_in.connect(self._on_logged_in)
        counter.buttons["lock"].clicked.connect(self.lock)
        counter.sync_requested.connect(self.sync_now)
        self.stack.addWidget(login)
        self.stack.addWidget(counter)
        return login, counter

    def retranslate(self) -> None:
        """The language changed: the screens are built again in it, around the same sale,
        member and user (Qt's own way, a retranslate method in every widget, would be one
        more thing to forget in each new one)."""
        on_counter = self.stack.currentWidget() is self.counter
        old = (self.login, self.counter)
        self.login, self.counter = self._screens()
        for screen in old:
            self.stack.removeWidget(screen)
            screen.deleteLater()
        self.setWindowTitle(self.tr("storeapp — %1").replace("%1",
                                                              self.state.db.settings.store_name))
        user = self.state.user
        if on_counter and user is not None:
            self.status_user.setText(f"{user.name} ({term(ROLE, user.role)})")
            self.stack.setCurrentWidget(self.counter)
            self.state.cart_changed.emit()
            self.state.quote_changed.emit()
            self.counter.refocus()
        else:
            self.status_user.setText(self.tr("Locked"))
            self.login.reset()
        self._on_shift_changed()
        self.status_sync.retranslate()

    def lock(self) -> None:
        """Back to the login screen; what was on the counter stays for the next login."""
        self.idle.stop()
        if self.shift_prompt is not None:
            self.shift_prompt.reject()
        if self.sync_dialog is not None:
            self.sync_dialog.reject()
        self.state.set_user(None)
        self.status_user.setText(self.tr("Locked"))
        self.stack.setCurrentWidget(self.login)
        self.login.reset()

    def attach_devices(self, opened: tuple[PrintQueue, CustomerDisplay]) -> None:
        """Devices are open (on the worker): show their state, route receipts and scans."""
        queue, display = opened
        self.devices = DeviceBridge(self.state.db, queue, display, self)
        self.devices.printer_status.connect(self.set_printer_status)
        self.devices.scanner_status.connect(
            lambda text, _error: self.status_scanner.setText(text))
        self.devices.scanned.connect(self.on_scan)
        self.state.printer = self.devices.print_receipt
        self.devices.follow(self.state)

    def detach_devices(self) -> None:
        if self.devices is not None:
            self.state.printer = None
            self.devices.close()
            self.devices = None

    def attach_sync(self, runner: SyncRunner) -> None:
        """Head-office sync runs (on its own thread): show its status, follow what it changed."""
        self.sync = runner
        runner.status.connect(self.status_sync.show_status)
        runner.finished.connect(self.state.after_sync)
        self.state.worker.busy_changed.connect(self._on_worker_busy)
        # made now, so it has followed any sync when the cashier opens it
        self.sync_dialog = SyncDialog(runner, self.state, SYNC_KEY, self)

    def detach_sync(self) -> None:
        """Stop the sync thread (it finishes the request in flight) before the app goes."""
        if self.sync is not None:
            self.state.worker.busy_changed.disconnect(self._on_worker_busy)
            self.sync.stop()
            self.sync = None
        if self.sync_dialog is not None:
            self.sync_dialog.reject()
            self.sync_dialog.deleteLater()
            self.sync_dialog = None

    def sync_now(self) -> None:
        """The sync key: sync now, in a small window that leaves the keys to the counter."""
        if self.state.user is None or self.stack.currentWidget() is not self.counter:
            return
        if self.sync is None:
            self._on_message(self.tr("Head-office sync is not running on this till."), True)
            return
        self.sync.request_sync()  # when one runs already, the window follows that one
        if self.sync_dialog is not None:
            self.sync_dialog.follow()

    def on_scan(self, code: str) -> None:
        """A scanner read ``code``: the counter routes it (a locked till ignores scans)."""
        if self.state.user is not None and self.stack.currentWidget() is self.counter:
            self.counter.route_scan(code)

    def note_activity(self) -> None:
        if self.state.user is not None:
            self.idle.start(self.state.db.settings.idle_lock_minutes * 60_000)

    def set_printer_status(self, text: str, error: bool) -> None:
        self.status_printer.setText(text)
        self.status_printer.setProperty("role", "error" if error else "")
        self.status_printer.style().polish(self.status_printer)

    def _on_logged_in(self, staff: Staff) -> None:
        if self._last_user not in (None, staff.code):
            # someone else at the till: the last cashier's customer is not theirs to serve
            self.state.clear_sale()
            self.counter.search.clear()
            self._on_message("", False)
        self._last_user = staff.code
        self.state.set_user(staff)
        self.status_user.setText(f"{staff.name} ({term(ROLE, staff.role)})")
        self.stack.setCurrentWidget(self.counter)
        self.counter.ready_for_next()
        self.note_activity()
        self.state.refresh_shift(self._offer_shift)

    def _offer_shift(self, shift: OpenShift | None) -> None:
        """No shift open at this till: ask for the float. Not ``exec()``: this runs in a worker
        callback, and the counter stays usable for lookups if the cashier presses Esc."""
        if shift is not None or self.state.user is None or self.shift_prompt is not None \
                or self.stack.currentWidget() is not self.counter:
            return
        self.shift_prompt = OpenShiftDialog(self.state, self)
        self.shift_prompt.finished.connect(self._on_shift_prompt_finished)
        self.shift_prompt.open()

    def _on_shift_prompt_finished(self) -> None:
        if self.shift_prompt is not None:
            self.shift_prompt.deleteLater()
            self.shift_prompt = None
        self.counter.refocus()

    def _on_shift_changed(self) -> None:
        shift = self.state.shift
        if shift is None:
            text = self.tr("No shift open (%1)").replace("%1", SHIFT_KEY)
        else:
            number, who, since = describe_shift(self.state, shift)
            text = self.tr("Shift #%1 · %2 · %3").replace("%1", number).replace("%2", who) \
                .replace("%3", since)
        self.status_shift.setText(text)
        self.status_shift.setProperty("role", "error" if shift is None else "")
        self.status_shift.style().polish(self.status_shift)

    def _on_worker_busy(self, busy: bool) -> None:
        if not busy and self.sync is not None:
            self.sync.refresh_status()  # a sale or a registration waits to be sent

    def _on_message(self, text: str, error: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "")
        self.message.style().polish(self.message)


class ActivityFilter(QObject):
    """Any key or click anywhere restarts the idle-lock timer."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
            self._window.note_activity()
        return False
