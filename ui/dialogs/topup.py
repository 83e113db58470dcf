"""Top up (充值): preset amounts on F1–F5 with the bonus shown, or a custom amount typed in the
amount field (which keeps the keys: Enter tops up); payment method."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from storeapp import rules
from storeapp.errors import DomainError
from storeapp.money import format_fen, parse_yuan
from storeapp.services import wallet
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable
from ui.terms import METHOD, term

PRESETS_FEN = (10_000, 20_000, 50_000, 100_000, 200_000)
METHODS = ("cash", "wechat", "alipay", "card")


class TopupDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Top up"), parent)
        assert state.member is not None
        self.result_data: wallet.TopupResult | None = None
        settings = state.db.settings
        self.who = QLabel(f"{state.member.name}  ·  {format_fen(state.member.balance_fen)}")
        self.who.setProperty("role", "title")
        presets = QGridLayout()
        self.group = QButtonGroup(self)
        for index, amount in enumerate(PRESETS_FEN):
            bonus = rules.bonus_for(settings, amount)
            key = f"F{index + 1}"  # not the digit: the amount field takes digits
            text = f"{key}  {format_fen(amount)}"
            if bonus:
                text += "\n" + self.tr("bonus %1").replace("%1", format_fen(bonus))
            button = QPushButton(text)
            button.setShortcut(key)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the amount field keeps the keys
            # as tall as the row: the style sheet's min-height wins over setMinimumHeight, and
            # a two-line button (amount + bonus) must show both lines
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
            self.group.addButton(button, index)
            presets.addWidget(button, 0, index)
        self.amount = QLineEdit()
        self.amount.setObjectName("topupAmount")
        self.amount.setPlaceholderText(self.tr("Custom amount in yuan"))
        self.bonus = QLabel()
        self.method = QComboBox()
        for code in METHODS:
            self.method.addItem(term(METHOD, code), code)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout(self)
        form.addRow(self.who)
        form.addRow(presets)
        form.addRow(self.tr("Amount"), self.amount)
        form.addRow(self.tr("Bonus"), self.bonus)
        form.addRow(self.tr("Paid by"), self.method)
        form.addRow(self.error)
        form.addRow(buttons)
        self.group.idClicked.connect(
            lambda index: self.amount.setText(str(PRESETS_FEN[index] // 100)))
        self.amount.textChanged.connect(self._on_amount_changed)
        self.amount.returnPressed.connect(self._on_ok)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        self.amount.setFocus()

    def _on_amount_changed(self, text: str) -> None:
        try:
            amount = parse_yuan(text)
        except DomainError:
            self.bonus.setText("")
            return
        self.bonus.setText(format_fen(rules.bonus_for(self.state.db.settings, amount)))

    def _on_ok(self) -> None:
        try:
            amount = parse_yuan(self.amount.text())
        except DomainError as exc:
            self.error.setText(readable(exc))
            return
        member = self.state.member
        assert member is not None
        db, key, actor = self.state.db, self.key, self.state.actor
        method = self.method.currentData()
        member_id = member.member_id
        self.run(lambda: wallet.topup(db, member_id, amount, method=method, actor=actor, key=key),
                 self._on_done)

    def _on_done(self, result: wallet.TopupResult) -> None:
        self.result_data = result
        self.state.message.emit(
            self.tr("Topped up %1 + bonus %2").replace("%1", format_fen(result.principal_fen))
            .replace("%2", format_fen(result.bonus_fen)), False)
        self.state.print_receipt("topup", result)
        self.state.refresh_member()
        self.accept()
