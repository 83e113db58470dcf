"""The manager's reports screen (报表): daily report with charts, stored-value liability, member
insight and past Z reports, each exportable to CSV and PDF.

Only a manager's rights open it (the counter asks a cashier for a manager's code and PIN, as
for refunds); exports and full phone numbers are audited under that manager's code. Every
query and file write runs on the worker thread; the screen stays live and shows it is busy.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QSize, QStandardPaths, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.reports import access
from storeapp.reports.model import Lang, Report
from ui.report_members import MembersTab
from ui.report_tabs import DailyTab, LiabilityTab, ReportTab, Runner, ZTab
from ui.state import AppState, readable
from ui.widgets import fit_to_screen

FORMATS = ("csv", "pdf")
EXPORT_KEYS = {"csv": "F6", "pdf": "F7"}  # after F5 (refresh); Ctrl+E is the path field's
# Denser than the counter: a report is read, not operated at arm's length.
DENSE = """
QWidget { font-size: 11pt; }
QLabel[role="section"] { font-size: 15pt; font-weight: bold; }
QLabel[role="subtitle"] { font-size: 12pt; font-weight: bold; padding-top: 8px; }
QFrame[role="card"] { background: white; border: 1px solid #e4e7eb; border-radius: 6px; }
QTableView { background: white; alternate-background-color: #f5f7fa;
             border: 1px solid #e4e7eb; }
QPushButton { min-height: 28px; }
"""


def report_language(state: AppState) -> Lang:
    """The language the till runs in, as the reports name it."""
    return "zh" if state.db.settings.language.startswith("zh") else "en"


class ReportsDialog(QDialog):
    """Ctrl+1…4 or Ctrl+Tab switch tabs, F5 refreshes the tab, Esc closes. It closes by itself
    when the till locks, so figures and phone numbers do not stay on an unattended screen."""

    def __init__(self, state: AppState, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle(self.tr("Reports"))
        self.setModal(True)
        self.setStyleSheet(DENSE)
        self.lang = report_language(state)
        self._user = state.user.code if state.user else None
        self.runner = Runner(state, actor, self)
        self.daily = DailyTab(self.runner, self.lang)
        self.liability = LiabilityTab(self.runner, self.lang)
        self.members = MembersTab(self.runner, self.lang)
        self.z = ZTab(self.runner, self.lang)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("reportTabs")
        for tab, title in ((self.daily, self.tr("Daily")), (self.liability, self.tr("Liability")),
                           (self.members, self.tr("Members")), (self.z, self.tr("Z reports"))):
            self.tabs.addTab(tab, title)
            tab.report_shown.connect(self._on_report_shown)
        self.export = ExportBar(default_folder(state.db))
        self.export.requested.connect(self.write)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # no percentage to tell: it just runs
        self.busy.setMaximumWidth(140)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        hint = QLabel(self.tr(
            "Ctrl+1…4 or Ctrl+Tab: tabs · F5: refresh · F6/F7: export · Esc: close"))
        hint.setProperty("role", "hint")
        close = QPushButton(self.tr("Close (Esc)"))
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.busy)
        bottom.addWidget(self.status, 1)
        bottom.addWidget(hint)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.export)
        layout.addLayout(bottom)
        for index in range(self.tabs.count()):
            QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self,
                      lambda index=index: self.tabs.setCurrentIndex(index))
        QShortcut(QKeySequence("Ctrl+Tab"), self, lambda: self._step(1))
        QShortcut(QKeySequence("Ctrl+Shift+Tab"), self, lambda: self._step(-1))
        self.runner.busy_changed.connect(self.busy.setVisible)
        self.runner.failed.connect(lambda text: self._say(text, error=True))
        self.tabs.currentChanged.connect(self._on_tab)
        state.user_changed.connect(self._on_user_changed)
        self.finished.connect(self._on_finished)
        fit_to_screen(self, QSize(1240, 820))
        self._on_tab(0)

    def current(self) -> ReportTab:
        tab = self.tabs.currentWidget()
        assert isinstance(tab, ReportTab)
        return tab

    def write(self, fmt: str) -> None:
        """Export the report on screen as ``fmt`` (csv|pdf) to the path in the export bar."""
        report = self.current().report()
        if report is None:
            self._say(self.tr("Nothing to export yet: the report is still loading."), error=True)
            return
        path = self.export.target(fmt)
        if path is None:
            self._say(self.tr("Enter where to save the file."), error=True)
            return
        db, actor, lang = self.state.db, self.runner.actor, self.lang

        def work() -> Path:
            from storeapp.reports import export  # fpdf loads here, not at the app's start

            (export.write_csv if fmt == "csv" else export.write_pdf)(report, path, lang)
            access.record_export(db, report, fmt, path, actor=actor)
            return path

        self._say(self.tr("Writing %1…").replace("%1", str(path)))
        self.runner.run(None, work, self._on_written, lambda error: self._say(
            self.tr("Could not write %1: %2").replace("%1", str(path)).replace(
                "%2", error.strerror or str(error)) if isinstance(error, OSError)
            else readable(error), error=True))

    def _on_written(self, path: Path) -> None:
        self._say(self.tr("Saved %1").replace("%1", str(path)))

    def _on_tab(self, _index: int) -> None:
        tab = self.current()
        tab.ensure_loaded()
        tab.first_field().setFocus()
        self._on_report_shown()

    def _on_report_shown(self) -> None:
        report = self.current().report()
        self.export.offer(report, name_for(report, self.state.db) if report else None)

    def _step(self, by: int) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + by) % self.tabs.count())

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("role", "error" if error else "")
        self.status.style().polish(self.status)

    def _on_user_changed(self) -> None:
        user = self.state.user
        if user is None or user.code != self._user:  # locked, or someone else logged in
            self.reject()

    def _on_finished(self) -> None:
        self.runner.close()  # results still on their way are dropped
        self.state.user_changed.disconnect(self._on_user_changed)
        self.deleteLater()


class ExportBar(QWidget):
    """Where the shown report goes: a path (the extension follows the button), Choose… for a
    file dialog, Export CSV, Export PDF. The path follows the report on screen (a timestamped
    name in the same folder) until someone edits it.

    Signals: ``requested(str)`` — "csv" or "pdf"."""

    requested = Signal(str)

    def __init__(self, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.follow = True  # the path follows the report until edited by hand
        self.path = QLineEdit()
        self.path.setObjectName("exportPath")
        self.path.setPlaceholderText(self.tr("Folder and file name; .csv or .pdf is added"))
        self.path.textEdited.connect(self._on_edited)
        self.choose = QPushButton(self.tr("Choose…"))
        self.buttons = {"csv": QPushButton(self.tr("Export CSV (F6)")),
                        "pdf": QPushButton(self.tr("Export PDF (F7)"))}
        for fmt, button in self.buttons.items():
            button.setShortcut(QKeySequence(EXPORT_KEYS[fmt]))
            button.setAutoDefault(False)
            button.setEnabled(False)
            button.clicked.connect(lambda _checked=False, fmt=fmt: self.requested.emit(fmt))
        self.choose.setAutoDefault(False)
        self.choose.clicked.connect(self._on_choose)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("Save as")))
        layout.addWidget(self.path, 1)
        layout.addWidget(self.choose)
        layout.addWidget(self.buttons["csv"])
        layout.addWidget(self.buttons["pdf"])

    def offer(self, report: Report | None, name: str | None) -> None:
        for button in self.buttons.values():
            button.setEnabled(report is not None)
        if report is not None and name is not None and self.follow:
            self.path.setText(str(self.folder / name))

    def target(self, fmt: str) -> Path | None:
        """The file to write for ``fmt``: the path with that extension."""
        text = self.path.text().strip()
        if not text:
            return None
        path = Path(text).expanduser()
        if path.suffix.lower() in tuple(f".{f}" for f in FORMATS):
            return path.with_suffix(f".{fmt}")
        return path.with_name(f"{path.name}.{fmt}")

    def _on_edited(self) -> None:
        self.follow = False

    def _on_choose(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export to"), self.path.text(), self.tr("CSV or PDF (*.csv *.pdf)"))
        if chosen:
            self.follow = False
            self.folder = Path(chosen).parent
            self.path.setText(chosen)
        self.path.setFocus()


def default_folder(db: Database) -> Path:
    """The user's documents folder if there is one, else the database's own folder."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    if documents and Path(documents).is_dir():
        return Path(documents)
    return db.path.parent


def name_for(report: Report, db: Database) -> str:
    """``daily_2026-03-10_20260310-183005``: what, for when, and when it was written."""
    period = re.sub(r"[^0-9A-Za-z-]+", "_", report.period).strip("_")
    stamp = to_local(db.clock.now()).strftime("%Y%m%d-%H%M%S")
    return f"{report.kind}_{period}_{stamp}"
