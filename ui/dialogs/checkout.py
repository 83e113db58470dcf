"""Checkout: stored value, cash (change shown), another method, or a mix; PIN pad when the
member set a payment PIN."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from storeapp.errors import DomainError
from storeapp.money import format_fen, parse_yuan
from storeapp.pricing import TenderIn, typed_tenders
from storeapp.services import sales
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable
from ui.terms import METHOD, term

OTHER_METHODS = ("wechat", "alipay", "card")


class CheckoutDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Checkout"), parent)
        self.result_data: sales.SaleResult | None = None
        quote = state.quote
        self.total_fen = quote.total_fen if quote else 0
        member = state.member
        balance = member.balance_fen if member else 0
        #: the member set a payment PIN and has a balance to pay from: the PIN pad is shown
        self.asks_pin = member is not None and member.pin_set and balance > 0
        self.total = QLabel(format_fen(self.total_fen))
        self.total.setProperty("role", "money-big")
        self.wallet = QLineEdit()
        self.wallet.setObjectName("payWallet")
        self.pin = QLineEdit()
        self.pin.setObjectName("payPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(6)
        self.other_method = QComboBox()
        for code in OTHER_METHODS:
            self.other_method.addItem(term(METHOD, code), code)
        self.other = QLineEdit()
        self.other.setObjectName("payOther")
        self.cash = QLineEdit()
        self.cash.setObjectName("payCash")
        self.change = QLabel()
        self.change.setProperty("role", "money-big")
        form = QFormLayout(self)
        form.addRow(self.tr("To pay"), self.total)
        if member is not None and balance > 0:
            self.wallet.setText(_yuan(min(balance, self.total_fen)))
            form.addRow(self.tr("Stored value (balance %1)").replace("%1", format_fen(balance)),
                        self.wallet)
            if self.asks_pin:
                form.addRow(self.tr("Payment PIN"), self.pin)
        form.addRow(self.tr("Other method"), self.other_method)
        form.addRow(self.tr("Other amount"), self.other)
        form.addRow(self.tr("Cash given"), self.cash)
        form.addRow(self.tr("Change / still to pay"), self.change)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        form.addRow(self.error)
        form.addRow(buttons)
        for field in (self.wallet, self.other, self.cash):
            field.textChanged.connect(self._update_change)
            field.returnPressed.connect(self._on_ok)
        self.pin.returnPressed.connect(self._on_ok)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        self._update_change()
        if self.asks_pin:
            self.pin.setFocus()
        else:
            self.cash.setFocus()

    def tenders(self) -> list[TenderIn]:
        """What the cashier typed, as tenders; cash is what was handed over."""
        return typed_tenders(self.total_fen, wallet_fen=_amount(self.wallet.text()),
                             other_method=str(self.other_method.currentData()),
                             other_fen=_amount(self.other.text()),
                             cash_fen=_amount(self.cash.text()))

    def _update_change(self) -> None:
        try:
            paid = sum(_amount(f.text()) for f in (self.wallet, self.other, self.cash))
        except DomainError:
            self.change.setText("—")
            return
        left = self.total_fen - paid
        self.change.setText(self.tr("change %1").replace("%1", format_fen(-left)) if left <= 0
                            else self.tr("still %1").replace("%1", format_fen(left)))

    def _on_ok(self) -> None:
        try:
            tenders = self.tenders()
        except DomainError as exc:
            self.error.setText(readable(exc))
            return
        state = self.state
        if self.asks_pin and any(t.method == "wallet" for t in tenders) \
                and not self.pin.text():
            # nothing typed is not a try: the PIN pad keeps the keys
            self.error.setText(self.tr("Ask the member to type the payment PIN."))
            self.pin.setFocus()
            return
        db, key, actor, pin = state.db, self.key, state.actor, self.pin.text() or None
        member_id = state.member.member_id if state.member else None
        lines = [line.to_line_in() for line in state.lines]
        coupon, points, override = state.coupon, state.redeem_points, state.override

        def work() -> sales.SaleResult:
            return sales.checkout(db, member_ref=member_id, lines=lines, tenders=tenders,
                                  actor=actor, coupon_code=coupon, redeem_points=points,
                                  pin=pin, key=key, override=override)

        self.run(work, self._on_done, self._on_refused)

    def _on_refused(self, _error: BaseException) -> None:
        """A wrong PIN: the pad is cleared and keeps the keys for the next try."""
        self.pin.clear()
        if self.asks_pin:
            self.pin.setFocus()

    def _on_done(self, result: sales.SaleResult) -> None:
        self.result_data = result
        change = result.change_fen
        self.state.message.emit(
            self.tr("Sale %1 done. Change %2").replace("%1", result.receipt_no)
            .replace("%2", format_fen(change)), False)
        self.state.print_receipt("sale", result)
        self.state.sale_completed.emit(result)
        self.accept()


def _amount(text: str) -> int:
    text = text.strip()
    return parse_yuan(text, allow_zero=True) if text else 0


def _yuan(amount_fen: int) -> str:
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"
