"""Top up (充值): preset amounts on F1–F5 with the bonus shown, or a custom amount typed in the
amount field (which keeps the keys: Enter tops up); payment method.

The prepaid-card rules (:mod:`storeapp.prepaid_rules`) are said before anything is asked of the
till: a company's ¥5,000 or more (a person's ¥50,000) at once only by bank transfer, with the
payer's bank account typed in. The prepaid agreement in force is named (F8 shows its text); the
top-up records the version the member was shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from storeapp import prepaid_rules, rules
from storeapp.errors import DomainError
from storeapp.money import format_fen, parse_yuan
from storeapp.services import wallet
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable
from ui.terms import METHOD, term

PRESETS_FEN = (10_000, 20_000, 50_000, 100_000, 200_000)
METHODS = ("cash", "wechat", "alipay", "card", "transfer")
AGREEMENT_KEY = "F8"
#: Refusals a field answers: it gets the keys.
_PAYER_CODES = ("payer_account_required", "bad_payer_account")


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
        self.method.setObjectName("topupMethod")
        for code in METHODS:
            self.method.addItem(term(METHOD, code), code)
        self.company = QCheckBox(self.tr("Paid by a company"))
        self.company.setObjectName("topupCompany")
        self.payer = QLineEdit()
        self.payer.setObjectName("topupPayer")
        self.payer.setMaxLength(40)
        self.payer.setPlaceholderText(self.tr("The account the transfer came from"))
        self.rule = QLabel()
        self.rule.setObjectName("topupRule")
        self.rule.setProperty("role", "warning")
        self.rule.setWordWrap(True)
        self.agreement: prepaid_rules.Agreement | None = None
        self.agreement_line = QLabel()
        self.agreement_line.setObjectName("topupAgreement")
        self.agreement_line.setProperty("role", "hint")
        self.agreement_line.setWordWrap(True)
        self.agreement_text = QPlainTextEdit()
        self.agreement_text.setObjectName("topupAgreementText")
        self.agreement_text.setReadOnly(True)
        self.agreement_text.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # F8 hides it again
        self.agreement_text.setVisible(False)
        show_agreement = QPushButton(self.tr("F8  Agreement"))
        show_agreement.setShortcut(AGREEMENT_KEY)
        show_agreement.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.form = QFormLayout(self)
        self.form.addRow(self.who)
        self.form.addRow(presets)
        self.form.addRow(self.tr("Amount"), self.amount)
        self.form.addRow(self.tr("Bonus"), self.bonus)
        self.form.addRow(self.tr("Paid by"), self.method)
        self.form.addRow("", self.company)
        self.form.addRow(self.tr("Payer's bank account"), self.payer)
        self.form.addRow(self.rule)
        self.form.addRow(self.agreement_line, show_agreement)
        self.form.addRow(self.agreement_text)
        self.form.addRow(self.error)
        self.form.addRow(buttons)
        for first, then in ((self.amount, self.method), (self.method, self.company),
                            (self.company, self.payer)):
            QWidget.setTabOrder(first, then)
        self.group.idClicked.connect(
            lambda index: self.amount.setText(str(PRESETS_FEN[index] // 100)))
        self.amount.textChanged.connect(self._on_amount_changed)
        self.amount.returnPressed.connect(self._on_ok)
        self.payer.returnPressed.connect(self._on_ok)
        self.method.currentIndexChanged.connect(self._show_rule)
        self.company.toggled.connect(self._show_rule)
        show_agreement.clicked.connect(self._on_agreement)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        self._show_agreement()
        self._show_rule()
        self.amount.setFocus()

    def _typed(self) -> int:
        """The amount typed, in fen (0 while it is not one)."""
        try:
            return parse_yuan(self.amount.text())
        except DomainError:
            return 0

    def _on_amount_changed(self, text: str) -> None:
        amount = self._typed()
        self.bonus.setText(format_fen(rules.bonus_for(self.state.db.settings, amount))
                           if amount else "")
        self._show_rule()

    def _show_rule(self) -> None:
        """The payer's account asked for a transfer; the transfer rule said once the amount
        reaches it in another method."""
        method = self.method.currentData()
        self.form.setRowVisible(self.payer, method == "transfer")
        limit = prepaid_rules.transfer_from_fen(self.company.isChecked())
        needs = self._typed() >= limit and method != "transfer"
        self.rule.setText(self.tr("From %1 at once only a bank transfer may pay.")
                          .replace("%1", format_fen(limit)) if needs else "")
        self.rule.setVisible(needs)
        self._fit()

    def _fit(self) -> None:
        """Grow to what the rows need now. The rule's and a refusal's wrapped lines are not in
        the layout's minimum (their height depends on the width), so the open dialog would not
        grow for them: it squeezed the preset buttons and cut their bonus lines instead."""
        if self.isVisible():
            self.resize(self.width(), max(self.height(), self.heightForWidth(self.width())))

    def _show_agreement(self) -> None:
        try:
            self.agreement = wallet.agreement(self.state.db)
        except DomainError as missing:
            self.agreement_line.setText(readable(missing))
            return
        self.agreement_line.setText(
            self.tr("Prepaid agreement v%1 (%2): topping up accepts it.")
            .replace("%1", self.agreement.version).replace("%2", self.agreement.short_hash))
        self.agreement_text.setPlainText(self.agreement.text)

    def _on_agreement(self) -> None:
        self.agreement_text.setVisible(not self.agreement_text.isVisible())
        self.adjustSize()

    def _on_ok(self) -> None:
        member = self.state.member
        assert member is not None
        method, company = self.method.currentData(), self.company.isChecked()
        try:
            amount = parse_yuan(self.amount.text())
            account = prepaid_rules.payer_account(self.payer.text()) \
                if method == "transfer" else None
            prepaid_rules.needs_transfer(amount, method=method, company=company,
                                         payer_account=account)
        except DomainError as refused:
            self.error.setText(readable(refused))
            self._fit()
            field = self.payer if refused.code in _PAYER_CODES else \
                self.method if refused.code == "transfer_required" else self.amount
            field.setFocus()
            return
        db, key, actor = self.state.db, self.key, self.state.actor
        member_id = member.member_id
        shown = self.agreement.version if self.agreement is not None else None
        self.run(lambda: wallet.topup(db, member_id, amount, method=method, actor=actor,
                                      company=company, payer_account=account,
                                      agreement_version=shown, key=key),
                 self._on_done, self._on_refused)

    def _on_refused(self, error: BaseException) -> None:
        """Head office changed the agreement while the dialog was open: the new one is named
        (and on F8) for the member to read before OK again."""
        self._fit()  # the refusal's lines
        if isinstance(error, DomainError) and error.code == "agreement_changed":
            self._show_agreement()

    def _on_done(self, result: wallet.TopupResult) -> None:
        self.result_data = result
        self.state.message.emit(
            self.tr("Topped up %1 + bonus %2").replace("%1", format_fen(result.principal_fen))
            .replace("%2", format_fen(result.bonus_fen)), False)
        self.state.print_receipt("topup", result)
        self.state.refresh_member()
        self.accept()
