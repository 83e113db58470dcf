"""Register a member; the phone comes pre-filled from an unknown search."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

from storeapp.services import members
from storeapp.services.members import MemberView
from ui.dialogs.base import OpDialog
from ui.state import AppState


class RegisterDialog(OpDialog):
    def __init__(self, state: AppState, phone: str = "", parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Register a member"), parent)
        self.member: MemberView | None = None
        self.phone = QLineEdit(phone)
        self.phone.setObjectName("registerPhone")
        self.name = QLineEdit()
        self.name.setObjectName("registerName")
        self.name.setMaxLength(32)
        self.birthday = QLineEdit()
        self.birthday.setPlaceholderText("YYYY-MM-DD")
        self.consent = QCheckBox(self.tr("Agrees to receive offers"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout(self)
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Birthday"), self.birthday)
        form.addRow(self.consent)
        form.addRow(self.error)
        form.addRow(buttons)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        (self.name if phone else self.phone).setFocus()

    def _on_ok(self) -> None:
        db, key, actor = self.state.db, self.key, self.state.actor
        phone, name = self.phone.text(), self.name.text()
        birthday, consent = self.birthday.text().strip() or None, self.consent.isChecked()
        self.run(lambda: members.register(db, phone=phone, name=name, birthday=birthday,
                                          marketing_consent=consent, actor=actor, key=key),
                 self._on_registered)

    def _on_registered(self, member: MemberView) -> None:
        self.member = member
        self.state.message.emit(self.tr("Registered %1, card %2")
                                .replace("%1", member.name).replace("%2", member.card_no), False)
        self.accept()
