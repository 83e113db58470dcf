"""Open a shift (开班) with the cash float counted into the drawer."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from storeapp.db import Database
from storeapp.errors import DomainError
from storeapp.money import format_fen, parse_yuan
from storeapp.services import shifts
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable


class OpenShiftDialog(OpDialog):
    """Enter opens the shift with the float typed; Esc leaves the till without one (lookups
    still work, the status bar keeps saying no shift is open)."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Open shift"), parent)
        self.result_data: shifts.ShiftOpened | None = None
        self.intro = QLabel(self.tr("No shift is open at this till. Count the float into the "
                                    "drawer and enter it."))
        self.intro.setWordWrap(True)
        self.float = QLineEdit()
        self.float.setObjectName("shiftFloat")
        self.float.setPlaceholderText(self.tr("Float in yuan"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Open shift (Enter)"))
        form = QFormLayout(self)
        form.addRow(self.intro)
        form.addRow(self.tr("Float"), self.float)
        form.addRow(self.error)
        form.addRow(buttons)
        self.float.returnPressed.connect(self._on_ok)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        self.float.setFocus()
        db = state.db
        # the last shift's float as the default: most stores start every shift with the same
        state.worker.submit(lambda: _last_float(db), self._on_last_float, lambda _error: None)

    def _on_last_float(self, float_fen: int | None) -> None:
        if float_fen is not None and not self.float.text():
            self.float.setText(f"{float_fen // 100}.{float_fen % 100:02d}")
            self.float.selectAll()

    def _on_ok(self) -> None:
        try:
            float_fen = parse_yuan(self.float.text(), allow_zero=True)
        except DomainError as exc:
            self.error.setText(readable(exc))
            return
        db, key, actor = self.state.db, self.key, self.state.actor
        self.run(lambda: shifts.open_shift(db, float_fen, actor=actor, key=key), self._on_done,
                 self._on_failed)

    def _on_done(self, shift: shifts.ShiftOpened) -> None:
        self.result_data = shift
        self.state.set_shift(shift)
        self.state.message.emit(
            self.tr("Shift #%1 opened with a float of %2.").replace("%1", str(shift.shift_id))
            .replace("%2", format_fen(shift.float_fen)), False)
        self.accept()

    def _on_failed(self, _error: BaseException) -> None:
        self.float.setFocus()
        self.state.refresh_shift()  # e.g. opened meanwhile at another session of this till


def _last_float(db: Database) -> int | None:
    """The float of the till's last closed shift, from its Z report (worker thread)."""
    numbers = shifts.z_numbers(db)
    return shifts.z_report(db, numbers[-1]).float_fen if numbers else None
