"""Card problems: report lost (挂失), replace (补卡), freeze / unfreeze, close and refund
principal (退卡). Everything but reporting a loss or freezing needs a manager."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from storeapp.money import format_fen
from storeapp.services import members, wallet
from ui.dialogs.approval import ApprovalDialog
from ui.dialogs.base import OpDialog
from ui.state import AppState
from ui.terms import METHOD, term


class CardDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Card problems"), parent)
        assert state.member is not None
        self.who = QLabel(f"{state.member.name}  ·  {state.member.card_no}")
        self.who.setProperty("role", "title")
        layout = QVBoxLayout(self)
        layout.addWidget(self.who)
        actions = (
            ("1", self.tr("Report card lost"), self._lost),
            ("2", self.tr("Replace card (manager)"), self._replace),
            ("3", self.tr("Freeze"), self._freeze),
            ("4", self.tr("Unfreeze (manager)"), self._unfreeze),
            ("5", self.tr("Close account, refund principal (manager)"), self._close),
            ("6", self.tr("Void today's top-up (manager)"), self._void_topup),
            ("7", self.tr("Adjust balance or points (manager)"), self._adjust),
            ("8", self.tr("Set or reset the payment PIN (manager when one is set)"),
             self._reset_pin),
            ("9", self.tr("Unlock the payment PIN after wrong tries (manager)"),
             self._unlock_pin),
        )
        for key, text, slot in actions:
            button = QPushButton(f"{key}  {text}")
            button.setShortcut(key)
            button.setMinimumHeight(44)
            button.clicked.connect(slot)
            layout.addWidget(button)
        layout.addWidget(self.error)

    def _member_id(self) -> str:
        assert self.state.member is not None
        return self.state.member.member_id

    def _lost(self) -> None:
        db, actor, member_id = self.state.db, self.state.actor, self._member_id()
        self.run(lambda: members.report_lost(db, member_id, actor=actor, key=self.key),
                 lambda m: self._done(m, self.tr("Card %1 reported lost: it no longer works; "
                                                 "the balance stays with the member")
                                      .replace("%1", m.card_no)))

    def _freeze(self) -> None:
        db, actor, member_id = self.state.db, self.state.actor, self._member_id()
        self.run(lambda: members.freeze(db, member_id, actor=actor, reason="counter",
                                        key=self.key),
                 lambda m: self._done(m, self.tr("%1 is frozen: no spending or top-ups until a "
                                                 "manager unfreezes").replace("%1", m.name)))

    def _replace(self) -> None:
        grant = ApprovalDialog.ask(self.state, self.tr("Replace card"), self,
                                   reason=self.tr("customer request"))
        if grant is not None:
            db, actor, member_id = self.state.db, self.state.actor, self._member_id()
            self.run(lambda: members.replace_card(db, member_id, actor=actor, grant=grant,
                                                  key=self.key),
                     lambda m: self._done(m, self.tr("New card %1 for %2: the old card no "
                                                     "longer works").replace("%1", m.card_no)
                                          .replace("%2", m.name)))

    def _unfreeze(self) -> None:
        grant = ApprovalDialog.ask(self.state, self.tr("Unfreeze"), self,
                                   reason=self.tr("customer request"))
        if grant is not None:
            db, actor, member_id = self.state.db, self.state.actor, self._member_id()
            self.run(lambda: members.unfreeze(db, member_id, actor=actor, grant=grant,
                                              key=self.key),
                     lambda m: self._done(m, self.tr("%1 is active again").replace("%1", m.name)))

    def _close(self) -> None:
        grant = ApprovalDialog.ask(self.state, self.tr("Close account and refund principal"),
                                   self)
        if grant is not None:
            db, actor, member_id = self.state.db, self.state.actor, self._member_id()
            self.run(lambda: wallet.close_account(db, member_id, actor=actor, grant=grant,
                                                  key=self.key), self._closed)

    def _reset_pin(self) -> None:
        """The member types a new PIN twice on the pad; replacing one needs a manager."""
        assert self.state.member is not None
        pin = NewPinDialog.ask(self)
        if pin is None:
            return
        grant = None
        if self.state.member.pin_set:
            grant = ApprovalDialog.ask(self.state, self.tr("Reset the payment PIN"), self,
                                       reason=self.tr("member forgot the PIN"))
            if grant is None:
                return
        db, actor, member_id = self.state.db, self.state.actor, self._member_id()
        self.run(lambda: members.set_pin(db, member_id, pin, actor=actor, grant=grant,
                                         key=self.key),
                 lambda m: self._done(m, self.tr("Payment PIN set for %1").replace("%1", m.name)))

    def _unlock_pin(self) -> None:
        grant = ApprovalDialog.ask(self.state, self.tr("Unlock the payment PIN"), self,
                                   reason=self.tr("member identified"))
        if grant is not None:
            db, actor, member_id = self.state.db, self.state.actor, self._member_id()
            self.run(lambda: members.unlock_pin(db, member_id, actor=actor, grant=grant,
                                                key=self.key),
                     lambda m: self._done(m, self.tr("%1 can pay with the PIN again")
                                          .replace("%1", m.name)))

    def _adjust(self) -> None:
        from ui.dialogs.adjust import AdjustDialog

        if AdjustDialog(self.state, self).exec():
            self.accept()

    def _void_topup(self) -> None:
        db, member_id = self.state.db, self._member_id()
        self.run(lambda: wallet.voidable_topups(db, member_id), self._ask_void)

    def _ask_void(self, topups: list[wallet.VoidableTopup]) -> None:
        if not topups:
            self.error.setText(self.tr("No top-up today that can be voided."))
            return
        newest = topups[0]
        what = (self.tr("Void top-up %1 + bonus %2")
                .replace("%1", format_fen(newest.principal_fen))
                .replace("%2", format_fen(newest.bonus_fen)))
        grant = ApprovalDialog.ask(self.state, what, self, reason=self.tr("customer request"))
        if grant is not None:
            db, actor, key = self.state.db, self.state.actor, self.key
            self.run(lambda: wallet.void_topup(db, newest.topup_key, actor=actor,
                                               grant=grant, key=key), self._voided)

    def _voided(self, result: wallet.VoidResult) -> None:
        self.state.print_receipt("void", result)
        self._done(result, self.tr("Top-up voided: hand back %1 by %2; bonus %3 taken back")
                   .replace("%1", format_fen(result.refund_fen))
                   .replace("%2", term(METHOD, result.method))
                   .replace("%3", format_fen(result.bonus_removed_fen)))

    def _closed(self, result: wallet.CloseResult) -> None:
        self.state.print_receipt("close", result)  # written with the close: wake the printer
        self.state.message.emit(
            self.tr("Account closed: refund %1 by %2, bonus forfeited %3")
            .replace("%1", format_fen(result.refund_fen))
            .replace("%2", term(METHOD, result.method))
            .replace("%3", format_fen(result.forfeited_bonus_fen)), False)
        self.state.set_member(None)
        self.accept()

    def _done(self, _result: object, said: str) -> None:
        """Done: the counter says what changed (the status line, not the last action's words)
        and shows the member as they are now."""
        self.state.message.emit(said, False)
        self.state.refresh_member()
        self.accept()


class NewPinDialog(QDialog):
    """The member types a new 6-digit payment PIN twice (the cashier never sees it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New payment PIN"))
        six_digits = QRegularExpressionValidator(QRegularExpression(r"\d{0,6}"), self)
        self.first, self.second = QLineEdit(), QLineEdit()
        for field, name in ((self.first, "newPin"), (self.second, "newPinAgain")):
            field.setObjectName(name)
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaxLength(6)
            field.setValidator(six_digits)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        for button in buttons.buttons():  # Enter belongs to the fields: first, then second
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)
        form = QFormLayout(self)
        form.addRow(self.tr("New PIN (6 digits)"), self.first)
        form.addRow(self.tr("Once more"), self.second)
        form.addRow(self.error)
        form.addRow(buttons)
        self.first.returnPressed.connect(self.second.setFocus)
        self.second.returnPressed.connect(self._on_ok)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        self.first.setFocus()

    @classmethod
    def ask(cls, parent: QWidget | None) -> str | None:
        dialog = cls(parent)
        return dialog.first.text() if dialog.exec() else None

    def _on_ok(self) -> None:
        if len(self.first.text()) != 6:
            self.error.setText(self.tr("A payment PIN has 6 digits."))
            self.first.setFocus()
        elif not self.second.text():
            self.second.setFocus()
        elif self.first.text() != self.second.text():
            self.error.setText(self.tr("The two PINs differ: type it again."))
            self.first.clear()
            self.second.clear()
            self.first.setFocus()
        else:
            self.accept()
