"""Manager approval at the cashier's till: manager code + PIN + reason."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from storeapp.services import users
from storeapp.services.users import Grant
from ui.dialogs.base import OpDialog
from ui.state import AppState


class ApprovalDialog(OpDialog):
    def __init__(self, state: AppState, what: str, reason: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Manager approval"), parent)
        self.grant: Grant | None = None
        self.what = QLabel(what)
        self.what.setProperty("role", "title")
        self.code = QLineEdit()
        self.code.setObjectName("approverCode")
        self.pin = QLineEdit()
        self.pin.setObjectName("approverPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.reason = QLineEdit(reason)
        self.reason.setObjectName("approvalReason")
        self.reason.setMaxLength(200)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout(self)
        form.addRow(self.what)
        form.addRow(self.tr("Manager"), self.code)
        form.addRow(self.tr("PIN"), self.pin)
        form.addRow(self.tr("Reason"), self.reason)
        form.addRow(self.error)
        form.addRow(buttons)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)

    @classmethod
    def ask(cls, state: AppState, what: str, parent: QWidget | None,
            reason: str = "") -> Grant | None:
        dialog = cls(state, what, reason, parent)
        return dialog.grant if dialog.exec() else None

    def _on_ok(self) -> None:
        db, code, pin, reason = (self.state.db, self.code.text().strip(), self.pin.text(),
                                 self.reason.text())
        self.run(lambda: users.approve(db, code, pin, reason), self._on_granted,
                 lambda _error: self.pin.clear())

    def _on_granted(self, grant: Grant) -> None:
        self.grant = grant
        self.accept()
