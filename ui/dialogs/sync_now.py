"""Sync now: a small window that follows one sync with head office while the counter goes on."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.messages import domain_message
from ui.state import AppState
from ui.sync_runner import SyncRunner
from ui.sync_view import JOIN_COMMAND, summary

MARGIN_PX = 16  # from the window's bottom-right corner, above the status bar
WIDTH_PX = 520


class SyncDialog(QDialog):
    """Not modal and not taking the keyboard: the cashier keeps typing and scanning at the
    counter. Esc closes it (from the counter too, while it is shown); the key that opened it
    syncs again. Shows the stage, a progress bar (busy while the size is not known), and what
    the sync moved, or why it did not run: offline, refused, or the till is not linked."""

    def __init__(self, runner: SyncRunner, state: AppState, key: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._state = state
        self.setWindowTitle(self.tr("Sync with head office"))
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setWindowFlag(Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setFixedWidth(WIDTH_PX)  # the height follows the text (see _fit)
        self.stage = QLabel()
        self.stage.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(10)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.command = QLabel(JOIN_COMMAND)  # a command, the same in every language
        self.command.setObjectName("command")
        self.command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.command.hide()
        hint = QLabel(self.tr("%1: sync again · Esc: close · the counter keeps working")
                      .replace("%1", key))
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        self.close_button = QPushButton(self.tr("Close (Esc)"))
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter belongs to the counter
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        for widget in (self.stage, self.bar, self.outcome, self.command):
            layout.addWidget(widget)
        layout.addLayout(bottom)
        # Esc at the counter closes this window while it is shown (it never takes the keys).
        # The counter's window owns the shortcut: a modal dialog over it keeps its own Esc.
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), parent.window(), self.reject)
        self._escape.setEnabled(False)
        self.destroyed.connect(self._escape.deleteLater)
        runner.sync_started.connect(self._on_sync_started)
        runner.progress.connect(self._on_progress)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        self._on_sync_started("")

    def follow(self) -> None:
        """Show it over the counter's corner (the sync it follows was asked for, or runs)."""
        self._fit()
        self.show()

    def _fit(self) -> None:
        """As tall as its text, its bottom-right corner kept over the counter's, above the
        status bar."""
        self.adjustSize()
        parent = self.parentWidget()
        if parent is None:
            return
        area = parent.window().geometry()
        self.move(area.right() - self.width() - MARGIN_PX,
                  area.bottom() - self.height() - MARGIN_PX * 3)

    # -- the runner's signals -------------------------------------------------------------------

    def _on_sync_started(self, _reason: str) -> None:
        self._say(self.stage, self.tr("Contacting head office…"))
        self.bar.show()
        self.bar.setRange(0, 0)  # busy until a stage knows its size
        self._say(self.outcome, "")
        self.command.hide()
        self._fit()

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        if stage == "upload":
            text = self.tr("Sending the till's records: %1 of %2")
        elif stage == "download":
            text = self.tr("Receiving members and rules: %1")
        else:
            text = self.tr("Sending day totals")
        self._say(self.stage, text.replace("%1", str(done)).replace("%2", str(total)))
        self.bar.setRange(0, total)  # (0, 0): busy, the download learns its size page by page
        self.bar.setValue(done if total else 0)

    def _on_finished(self, report: dict[str, Any]) -> None:  # Qt boundary: SyncReport dict
        self._say(self.stage, self.tr("Synced with head office."))
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        text = summary(report)
        if report.get("errors"):
            text += "\n" + self.tr("Not taken: %1").replace("%1", "; ".join(report["errors"]))
        self._say(self.outcome, text)
        self._fit()

    def _on_failed(self, code: str, message: str, offline: bool) -> None:
        self.bar.hide()
        if code == "not_linked":
            self._say(self.stage, self.tr("This till is not linked to a head office yet. Link "
                                          "it once, on this computer, with the address and the "
                                          "store's token from head office:"))
            self.command.show()
            self._say(self.outcome, "")
        elif offline:
            minutes = str(self._state.db.settings.sync_interval_minutes)
            self._say(self.stage, self.tr("Head office cannot be reached."), "warning")
            self._say(self.outcome, self.tr("The counter works offline; it tries again every %1 "
                                           "minutes.").replace("%1", minutes), "warning")
        else:
            self._say(self.stage, self.tr("The sync did not complete [%1].")
                      .replace("%1", code), "error")
            self._say(self.outcome, domain_message(code, message), "error")
        self._fit()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate:
            # Offscreen Qt (tests, screenshots) activates a shown window whatever its flags
            # say: hand the keys back to the counter, where the cashier was typing.
            parent = self.parentWidget()
            if parent is not None:
                QTimer.singleShot(0, parent.window().activateWindow)
        return super().event(event)

    def showEvent(self, event: QShowEvent) -> None:
        self._escape.setEnabled(True)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._escape.setEnabled(False)
        super().hideEvent(event)

    def _say(self, label: QLabel, text: str, role: str = "") -> None:
        label.setText(text)
        label.setVisible(bool(text))
        label.setProperty("role", role)
        label.style().polish(label)
