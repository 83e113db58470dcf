"""The shape every dialog shares: an error line, and one operation at a time on the worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QDialog, QLabel, QWidget

from storeapp.ids import new_action_key
from ui.state import AppState, readable

T = TypeVar("T")


class OpDialog(QDialog):
    """A dialog whose action runs on the worker; it stays open and says why when refused.

    ``key`` is made when the dialog opens: pressing OK twice, or retrying after a timeout,
    posts the action once.
    """

    def __init__(self, state: AppState, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.key = new_action_key()
        self.setWindowTitle(title)
        self.setModal(True)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self._running = False

    def run(self, work: Callable[[], T], done: Callable[[T], None],
            failed: Callable[[BaseException], None] | None = None) -> None:
        if self._running:
            return
        self._running = True
        self.error.clear()
        focused = self.focusWidget()  # disabling drops focus; a refusal gives it back
        self.setEnabled(False)

        def ok(result: T) -> None:
            self._running = False
            self.setEnabled(True)
            done(result)

        def fail(error: BaseException) -> None:
            self._running = False
            self.setEnabled(True)
            if focused is not None:
                focused.setFocus()
            self.error.setText(readable(error))
            if failed is not None:
                failed(error)

        self.state.worker.submit(work, ok, fail)
