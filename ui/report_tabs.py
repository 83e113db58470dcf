"""The tabs of the reports screen that pick a period: the daily report (a date range, with
charts), stored-value liability at a moment, and the till's Z reports. Each tab asks the
:class:`Runner` for its report and shows it with :class:`ui.report_view.ReportView`."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QDate, QObject, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from storeapp.clock import STORE_TZ, to_local
from storeapp.reports import daily, liability, shift_report
from storeapp.reports.daily import MAX_RANGE_DAYS
from storeapp.reports.model import Lang, Report
from storeapp.services import shifts
from ui import charts
from ui.report_view import ReportView
from ui.state import AppState, readable
from ui.widgets import key_button

DEBOUNCE_MS = 400  # a date typed digit by digit runs one report, not one per digit

T = TypeVar("T")


class Runner(QObject):
    """Runs the screen's reports on the worker thread and hands results back to the GUI.

    A request may carry a name: a result is dropped when a newer request of the same name was
    made meanwhile (dates changed again) or after the screen closed. ``actor`` is the manager
    whose rights the screen uses: exports and full phone numbers are audited under that code.

    Signals: ``busy_changed(bool)`` while any request of this screen runs; ``failed(str)`` for
    an error no request handled, readable for the person at the till."""

    busy_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, state: AppState, actor: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.actor = state, actor
        self.closed = False
        self._pending = 0
        self._latest: dict[str, int] = {}
        self._tokens = itertools.count(1)

    def run(self, name: str | None, work: Callable[[], T], done: Callable[[T], None],
            failed: Callable[[BaseException], None] | None = None) -> None:
        token = next(self._tokens)
        if name is not None:
            self._latest[name] = token
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)

        def current() -> bool:
            self._pending -= 1
            if self.closed:
                return False
            if self._pending == 0:
                self.busy_changed.emit(False)
            return name is None or self._latest.get(name) == token

        def ok(result: T) -> None:
            if current():
                done(result)

        def fail(error: BaseException) -> None:
            if not current():
                return
            if failed is not None:
                failed(error)
            else:
                self.failed.emit(readable(error))

        self.state.worker.submit(work, ok, fail)

    def close(self) -> None:
        self.closed = True


class ReportTab(QWidget):
    """A tab of the reports screen; it loads the first time it is shown.

    Signals: ``report_shown(object)`` — the tab shows a new report (the one Export writes)."""

    report_shown = Signal(object)

    def __init__(self, runner: Runner, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner, self.lang = runner, lang
        self.db = runner.state.db
        self.loaded = False
        self.refresh = key_button(self.tr("Refresh"), "F5")
        self.refresh.setAutoDefault(False)
        self.refresh.clicked.connect(self.load)

    def ensure_loaded(self) -> None:
        if not self.loaded:
            self.loaded = True
            self.load()

    def load(self) -> None:
        raise NotImplementedError

    def report(self) -> Report | None:
        """The report on screen, for export (None until one has loaded)."""
        raise NotImplementedError

    def first_field(self) -> QWidget:
        """Where the keys go when the tab is switched to."""
        return self.refresh


class DailyTab(ReportTab):
    """The daily report for a store-local date range (default today), charts above."""

    def __init__(self, runner: Runner, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(runner, lang, parent)
        self.shown: Report | None = None
        today = _qdate(self.db.clock.local_date())
        self.start, self.end = _date_edit(today), _date_edit(today)
        self.start.setObjectName("reportFrom")
        self.end.setObjectName("reportTo")
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.load)
        self.start.dateChanged.connect(self._on_start_changed)
        self.end.dateChanged.connect(self._timer.start)
        self._limit_end()
        self.charts: dict[str, QWidget] = {}
        self._slots = {key: QVBoxLayout() for key in ("by_hour", "tiers", "by_day")}
        self.view = ReportView(lang)
        grid = QGridLayout()
        grid.addLayout(self._slots["by_hour"], 0, 0, 1, 2)
        grid.addLayout(self._slots["tiers"], 0, 2)
        grid.addLayout(self._slots["by_day"], 1, 0, 1, 3)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.addLayout(grid)
        inner.addWidget(self.view)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("From")))
        top.addWidget(self.start)
        top.addWidget(QLabel(self.tr("To")))
        top.addWidget(self.end)
        top.addWidget(self.refresh)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scrolling(content), 1)

    def first_field(self) -> QWidget:
        return self.start

    def report(self) -> Report | None:
        return self.shown

    def load(self) -> None:
        self._timer.stop()
        db, start, end = self.db, _day(self.start.date()), _day(self.end.date())
        self.runner.run("daily", lambda: daily.daily(db, start, end), self._show)

    def _show(self, report: Report) -> None:
        self.shown = report
        self.view.show_report(report)
        for key, draw in (("by_hour", charts.sales_by_hour), ("tiers", charts.tier_mix),
                          ("by_day", charts.topups_and_spends)):
            self.charts[key] = _put(self._slots[key], draw(report.table(key), self.lang))
        self.report_shown.emit(report)

    def _on_start_changed(self) -> None:
        self._limit_end()
        self._timer.start()

    def _limit_end(self) -> None:
        """The range ends on or after its start and covers at most what the report allows."""
        first = self.start.date()
        self.end.setDateRange(first, first.addDays(MAX_RANGE_DAYS - 1))


class LiabilityTab(ReportTab):
    """Stored value owed to members at a store-local date and time (default now)."""

    def __init__(self, runner: Runner, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(runner, lang, parent)
        self.shown: Report | None = None
        self.date = _date_edit(QDate.currentDate())
        self.date.setObjectName("liabilityDate")
        self.time = QTimeEdit()
        self.time.setObjectName("liabilityTime")
        self.time.setDisplayFormat("HH:mm:ss")
        self.now = QPushButton(self.tr("Now"))
        self.now.setAutoDefault(False)
        self.now.clicked.connect(self.set_now)
        self.set_now(load=False)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.load)
        self.date.dateChanged.connect(self._timer.start)
        self.time.timeChanged.connect(self._timer.start)
        self.view = ReportView(lang)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("As of")))
        top.addWidget(self.date)
        top.addWidget(self.time)
        top.addWidget(self.now)
        top.addWidget(self.refresh)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scrolling(self.view), 1)

    def first_field(self) -> QWidget:
        return self.date

    def report(self) -> Report | None:
        return self.shown

    def set_now(self, load: bool = True) -> None:
        now = to_local(self.db.clock.now())
        for edit in (self.date, self.time):
            edit.blockSignals(True)  # one report for the new moment, not one per field
        self.date.setDate(_qdate(now.date()))
        self.time.setTime(QTime(now.hour, now.minute, now.second))
        for edit in (self.date, self.time):
            edit.blockSignals(False)
        if load:
            self.load()

    def at(self) -> dt.datetime:
        """The chosen store-local moment as the naive UTC the ledgers use."""
        time = self.time.time()
        moment = dt.datetime.combine(_day(self.date.date()),
                                     dt.time(time.hour(), time.minute(), time.second()), STORE_TZ)
        return moment.astimezone(dt.UTC).replace(tzinfo=None)

    def load(self) -> None:
        self._timer.stop()
        db, at = self.db, self.at()
        self.runner.run("liability", lambda: liability.liability(db, at), self._show)

    def _show(self, report: Report) -> None:
        self.shown = report
        self.view.show_report(report)
        self.report_shown.emit(report)


class ZTab(ReportTab):
    """The till's Z reports, newest first; the selected one as it was made at the close."""

    def __init__(self, runner: Runner, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(runner, lang, parent)
        self.shown: Report | None = None
        self.numbers = QListWidget()
        self.numbers.setObjectName("zNumbers")
        self.numbers.setMaximumWidth(220)
        self.numbers.currentItemChanged.connect(self._on_picked)
        self.empty = QLabel(self.tr("No Z report yet: one is made when a shift closes."))
        self.empty.setProperty("role", "hint")
        self.empty.hide()
        self.view = ReportView(lang)
        left = QVBoxLayout()
        left.addWidget(self.numbers, 1)
        left.addWidget(self.refresh)
        right = QVBoxLayout()
        right.addWidget(self.empty)
        right.addWidget(scrolling(self.view), 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)

    def first_field(self) -> QWidget:
        return self.numbers

    def report(self) -> Report | None:
        return self.shown

    def load(self) -> None:
        db = self.db
        self.runner.run("z_numbers", lambda: shifts.z_numbers(db), self._list)

    def _list(self, numbers: list[int]) -> None:
        self.numbers.clear()
        for z_no in reversed(numbers):
            item = QListWidgetItem(f"Z #{z_no:05d}")
            item.setData(Qt.ItemDataRole.UserRole, z_no)
            self.numbers.addItem(item)
        self.empty.setVisible(not numbers)
        if numbers:
            self.numbers.setCurrentRow(0)

    def _on_picked(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        db, z_no = self.db, int(item.data(Qt.ItemDataRole.UserRole))
        self.runner.run("z", lambda: shift_report.build(db, shifts.z_report(db, z_no)),
                        self._show)

    def _show(self, report: Report) -> None:
        self.shown = report
        self.view.show_report(report)
        self.report_shown.emit(report)


def scrolling(content: QWidget) -> QScrollArea:
    """``content`` in a frameless vertical scroll area (PgUp/PgDn scroll it when focused)."""
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def _date_edit(day: QDate) -> QDateEdit:
    edit = QDateEdit(day)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return edit


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def _put(slot: QVBoxLayout, widget: QWidget) -> QWidget:
    """Show ``widget`` in ``slot`` in place of what was there."""
    while (item := slot.takeAt(0)) is not None:
        old = item.widget()
        if old is not None:
            old.deleteLater()
    slot.addWidget(widget)
    return widget
