"""The members tab of the reports screen (会员洞察): RFM segments with a chart and, for the
selected segment, its members; and the watchlists — not seen for 90 days, birthdays this week,
near the next tier. Phones are masked unless the manager ticks "show full phone numbers",
which is written to the audit log each time full numbers are fetched."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from storeapp.db import Database
from storeapp.reports import access, insight
from storeapp.reports.model import Lang, Report, Table
from ui import charts
from ui.report_tabs import DEBOUNCE_MS, ReportTab, Runner, scrolling
from ui.report_view import ReportView


class MembersTab(ReportTab):
    """RFM and watchlists on two pages; Export writes the page on screen (with the chosen
    segment's members, if one is selected)."""

    def __init__(self, runner: Runner, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(runner, lang, parent)
        self.rfm_report: Report | None = None
        self.segment_report: Report | None = None  # RFM with the chosen segment's members
        self.watch_report: Report | None = None
        self.segment: str | None = None
        self.full_phones = QCheckBox(self.tr("Show full phone numbers (recorded in the audit "
                                             "log)"))
        self.full_phones.setObjectName("fullPhones")
        self.full_phones.toggled.connect(self._on_full_phones)
        self.segments = ReportView(lang, only=("segments",))
        self.segments.row_changed.connect(self._on_segment_row)
        self.summary = ReportView(lang, only=("summary",), header=False, fact_columns=1)
        self.chart: QWidget | None = None
        self._chart_slot = QVBoxLayout()
        self._chart_slot.addWidget(self.summary)
        self.members_hint = QLabel(self.tr("Select a segment in the table (arrow keys) to list "
                                           "its members."))
        self.members_hint.setProperty("role", "hint")
        self.segment_members = ReportView(lang, only=("segment_members",), header=False)
        self.watch = ReportView(lang)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._load_segment)
        self.pages = QTabWidget()
        self.pages.setObjectName("memberPages")
        self.pages.addTab(scrolling(self._rfm_page()), self.tr("RFM segments"))
        self.pages.addTab(scrolling(self.watch), self.tr("Members to reach"))
        self.pages.currentChanged.connect(lambda _index: self.report_shown.emit(self.report()))
        top = QHBoxLayout()
        top.addWidget(self.full_phones)
        top.addStretch(1)
        top.addWidget(self.refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)

    def _rfm_page(self) -> QWidget:
        page = QWidget()
        upper = QHBoxLayout()
        upper.addWidget(self.segments)  # as wide as its table; the chart takes the rest
        upper.addLayout(self._chart_slot, 1)
        layout = QVBoxLayout(page)
        layout.addLayout(upper)
        layout.addWidget(self.members_hint)
        layout.addWidget(self.segment_members)
        layout.addStretch(1)
        return page

    def first_field(self) -> QWidget:
        return self.full_phones

    def report(self) -> Report | None:
        if self.pages.currentIndex() == 1:
            return self.watch_report
        return self.segment_report or self.rfm_report

    def load(self) -> None:
        db = self.db
        self.runner.run("rfm", lambda: insight.rfm(db), self._show_rfm)
        self._load_watchlists()
        if self.segment is not None:
            self._load_segment()

    def _show_rfm(self, report: Report) -> None:
        self.rfm_report = report
        self.segments.show_report(report)
        self.summary.show_report(report)
        if self.chart is not None:
            self._chart_slot.removeWidget(self.chart)
            self.chart.deleteLater()
        self.chart = charts.segment_sizes(report.table("segments"), self.lang)
        self._chart_slot.addWidget(self.chart)
        self.report_shown.emit(self.report())

    def _on_segment_row(self, section: str, row: Mapping[str, object] | None) -> None:
        if section != "segments":
            return
        self.segment = None if row is None else str(row["segment_code"])
        self.members_hint.setVisible(self.segment is None)
        if self.segment is None:
            self._timer.stop()
            self.segment_report = None
            self.segment_members.hide()
            self.report_shown.emit(self.report())
        else:
            self._timer.start()  # arrowing down the table runs only where it stops

    def _load_segment(self) -> None:
        self._timer.stop()
        if self.segment is None:
            return
        db, segment, full, actor = self.db, self.segment, self._full(), self.runner.actor
        self.runner.run("segment", lambda: members_report(
            db, lambda: insight.rfm(db, segment=segment, full_phones=full), full, actor),
            self._show_segment)

    def _show_segment(self, report: Report) -> None:
        self.segment_report = report
        self.segment_members.show_report(report)
        self.segment_members.show()
        self.report_shown.emit(self.report())

    def _load_watchlists(self) -> None:
        db, full, actor = self.db, self._full(), self.runner.actor
        self.runner.run("watchlists", lambda: members_report(
            db, lambda: insight.watchlists(db, full_phones=full), full, actor),
            self._show_watchlists)

    def _show_watchlists(self, report: Report) -> None:
        self.watch_report = report
        self.watch.show_report(report)
        self.report_shown.emit(self.report())

    def _on_full_phones(self) -> None:
        """Fetch the member lists again, masked or whole."""
        if self.loaded:
            self._load_watchlists()
            self._load_segment()

    def _full(self) -> bool:
        return self.full_phones.isChecked()


def members_report(db: Database, make: Callable[[], Report], full_phones: bool,
                   actor: str) -> Report:
    """Worker thread: run ``make()``; with full phones, audit who saw how many."""
    report = make()
    if full_phones and any(section.rows for section in report.sections
                           if isinstance(section, Table)
                           and any(c.key == "phone" for c in section.columns)):
        access.record_phones_shown(db, report, actor=actor)
    return report
