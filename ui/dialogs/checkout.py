"""Checkout: stored value, a gift card, a company's account (挂账), another method, cash (change
shown), or a mix; PIN pad when the member set a payment PIN.

A gift card is scanned (or its number typed) into its field, wherever the keys are: a card
scanned into an amount field moves to the gift-card field. Its balance is read on the worker and
its amount defaults to what it can pay of what is still due. One card per sale: a sale takes each
payment method once (:func:`storeapp.pricing.check_tenders`), so a second card scanned replaces
the first, and what one card does not cover is paid another way (a second card: at a sale of
its own). The company for a sale on account is picked from the till's companies (overdue or
blocked ones say so; the sale refuses them); its amount defaults to what is still due.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from storeapp.clock import to_local
from storeapp.errors import DomainError
from storeapp.identity import Shape, classify
from storeapp.money import format_fen, parse_yuan
from storeapp.pricing import TenderIn, typed_tenders
from storeapp.services import companies, giftcards, sales
from storeapp.services.companies import CompanyView
from storeapp.services.giftcards import GiftCardView
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable
from ui.terms import METHOD, term

OTHER_METHODS = ("wechat", "alipay", "card")
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class CheckoutDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None, *,
                 gift_ref: str = "") -> None:
        """``gift_ref``: a gift card scanned at the counter, read at once to pay with."""
        super().__init__(state, self.tr("Checkout"), parent)
        self.result_data: sales.SaleResult | None = None
        #: the gift card scanned, as the worker read it (None: none, or not read yet)
        self.gift_card: GiftCardView | None = None
        self.companies: list[CompanyView] = []
        self._gift_read = ""  # the gift-card text last read (or being read)
        self._gift_reading = False
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
        self.gift = QLineEdit()
        self.gift.setObjectName("payGiftCard")
        self.gift.setMaxLength(64)
        self.gift.setPlaceholderText(self.tr("Scan the card, or type its number"))
        self.gift_amount = QLineEdit()
        self.gift_amount.setObjectName("payGiftAmount")
        self.gift_info = QLabel()  # one line: the form keeps its height when a card is read
        self.gift_info.setObjectName("giftInfo")
        self.gift_info.setProperty("role", "hint")
        self.gift_info.setText(self._no_card())
        self.company = QComboBox()
        self.company.setObjectName("payCompany")
        self.company.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.company.setMinimumContentsLength(18)  # a long company name does not widen it
        self.company.addItem(self.tr("— none —"), "")
        self.account = QLineEdit()
        self.account.setObjectName("payAccount")
        self.other_method = QComboBox()
        for code in OTHER_METHODS:
            self.other_method.addItem(term(METHOD, code), code)
        self.other = QLineEdit()
        self.other.setObjectName("payOther")
        self.cash = QLineEdit()
        self.cash.setObjectName("payCash")
        self.change = QLabel()
        self.change.setProperty("role", "money-big")
        for amount in (self.gift_amount, self.account, self.other):
            amount.setPlaceholderText(self.tr("Amount"))
            amount.setMaximumWidth(130)
        form = QFormLayout(self)
        form.addRow(self.tr("To pay"), self.total)
        if member is not None and balance > 0:
            self.wallet.setText(_yuan(min(balance, self.total_fen)))
            form.addRow(self.tr("Stored value (balance %1)").replace("%1", format_fen(balance)),
                        self.wallet)
            if self.asks_pin:
                form.addRow(self.tr("Payment PIN"), self.pin)
        form.addRow(self.tr("Gift card"), _row(self.gift, self.gift_amount))
        form.addRow("", self.gift_info)
        form.addRow(self.tr("On account (company)"), _row(self.company, self.account))
        form.addRow(self.tr("Other method"), _row(self.other_method, self.other))
        form.addRow(self.tr("Cash given"), self.cash)
        form.addRow(self.tr("Change / still to pay"), self.change)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        form.addRow(self.error)
        form.addRow(buttons)
        chain = [w for w in (self.wallet, self.pin, self.gift, self.gift_amount, self.company,
                             self.account, self.other_method, self.other, self.cash)
                 if self.isAncestorOf(w)]  # Tab goes down the form
        for first, then in pairwise(chain):
            QWidget.setTabOrder(first, then)
        for field in (self.wallet, self.gift_amount, self.account, self.other, self.cash):
            field.textChanged.connect(self._update_change)
            field.returnPressed.connect(self._on_ok)
            field.installEventFilter(self)  # a gift card scanned into it goes to its field
        self.gift.installEventFilter(self)  # Enter reads a new card, or pays
        self.gift.editingFinished.connect(self._read_gift)
        self.company.currentIndexChanged.connect(self._on_company)
        self.pin.returnPressed.connect(self._on_ok)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        self._update_change()
        # wide enough for a company's name and what it may still buy on account
        self.resize(max(self.sizeHint().width(), 960), self.sizeHint().height())
        if self.asks_pin:
            self.pin.setFocus()
        else:
            self.cash.setFocus()
        db = state.db
        # a read: the dialog stays enabled while the companies load
        state.worker.submit(lambda: companies.list_(db), self._show_companies,
                            lambda error: self.error.setText(readable(error)))
        if gift_ref.strip():
            self.gift.setText(gift_ref.strip().upper())
            self.gift.setCursorPosition(0)
            self._read_gift()

    def tenders(self) -> list[TenderIn]:
        """What the cashier typed, as tenders; cash is what was handed over."""
        return typed_tenders(self.total_fen, wallet_fen=_amount(self.wallet.text()),
                             other_method=str(self.other_method.currentData()),
                             other_fen=_amount(self.other.text()),
                             cash_fen=_amount(self.cash.text()),
                             giftcard_ref=self.gift.text(),
                             giftcard_fen=_amount(self.gift_amount.text()),
                             account_ref=str(self.company.currentData() or ""),
                             account_fen=_amount(self.account.text()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit):
            assert isinstance(event, QKeyEvent)
            if event.key() in _ENTER:
                if watched is self.gift:
                    self._on_gift_enter()
                    return True  # not the default button: a scan's Enter reads the card
                if self._take_gift_scan(watched):
                    return True
        return super().eventFilter(watched, event)

    # -- the gift card ------------------------------------------------------------------------

    def _take_gift_scan(self, field: QLineEdit) -> bool:
        """A gift card scanned (or typed) into an amount field ends up in the gift-card field,
        and what the field held before stays."""
        text = field.text().strip()
        start = gift_scan_in(text)
        if start is None:
            return False
        field.setText(text[:start])
        self.gift.setText(text[start:].upper())
        self.gift.setCursorPosition(0)  # the card's number shows, not the QR's signature
        self.gift.setFocus()
        self._read_gift()
        return True

    def _no_card(self) -> str:
        return self.tr("What a gift card can pay shows here once it is scanned.")

    def _on_gift_enter(self) -> None:
        if self._gift_unread():
            self._read_gift(again=True)
        else:
            self._on_ok()

    def _gift_unread(self) -> bool:
        """A card is in the field that has not been read, or could not be: no paying yet."""
        text = self.gift.text().strip()
        return bool(text) and (text != self._gift_read or self.gift_card is None)

    def _read_gift(self, again: bool = False) -> None:
        """Read the card's balance on the worker (a read: the dialog stays enabled)."""
        text = self.gift.text().strip()
        if text == self._gift_read and (self._gift_reading or not again):
            return
        self._gift_read = text
        self.gift_card = None
        self.gift_amount.clear()
        self.gift_info.setText(self._no_card())
        self.error.clear()
        self._gift_reading = bool(text)
        if not text:
            return
        db = self.state.db
        self.state.worker.submit(lambda: giftcards.show(db, text),
                                 lambda card: self._show_gift(text, card),
                                 lambda error: self._gift_failed(text, error))

    def _show_gift(self, text: str, card: GiftCardView) -> None:
        if text != self._gift_read:
            return  # another card was scanned meanwhile
        self._gift_reading = False
        self.gift_card = card
        info = self.tr("Balance %1 of %2, valid until %3") \
            .replace("%1", format_fen(card.balance_fen)).replace("%2", format_fen(card.face_fen)) \
            .replace("%3", valid_until(card))
        if card.status != "active":
            info += "  " + self.tr("(expired)")
        elif not card.sold_at:
            info += "  " + self.tr("(sold at another store)")
        self.gift_info.setText(info)
        payable = min(card.balance_fen, self._due_without(self.gift_amount))
        self.gift_amount.setText(_yuan(payable) if payable > 0 and card.status == "active"
                                 else "")
        self.gift_amount.setFocus()
        self.gift_amount.selectAll()

    def _gift_failed(self, text: str, error: BaseException) -> None:
        if text != self._gift_read:
            return
        self._gift_reading = False
        self.error.setText(readable(error))
        self.gift.setFocus()
        self.gift.selectAll()

    # -- the company --------------------------------------------------------------------------

    def _show_companies(self, found: list[CompanyView]) -> None:
        self.companies = found
        for company in found:
            self.company.addItem(self._company_text(company), company.code)
        view = self.company.view()  # the list shows whole names; the field may cut the end
        view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 24)

    def _company_text(self, company: CompanyView) -> str:
        """Code first (typing it picks the company), what it may buy on account (or why not)
        next, the name last: a narrow field cuts only the name."""
        if company.status != "active":
            state = self.tr("blocked")
        elif company.overdue_fen:
            state = self.tr("overdue %1").replace("%1", format_fen(company.overdue_fen))
        else:
            state = self.tr("%1 available").replace("%1", format_fen(company.available_fen))
        return f"{company.code} · {state} · {company.name}"

    def _on_company(self, _index: int) -> None:
        if not self.company.currentData():
            self.account.clear()
        elif not self.account.text().strip():
            due = self._due_without(self.account)
            self.account.setText(_yuan(due) if due > 0 else "")

    # -- paying -------------------------------------------------------------------------------

    def _due_without(self, skipped: QLineEdit) -> int:
        """What is still to pay counting every amount but ``skipped``'s (0 if unreadable)."""
        fields = (self.wallet, self.gift_amount, self.account, self.other, self.cash)
        try:
            paid = sum(_amount(f.text()) for f in fields if f is not skipped)
        except DomainError:
            return 0
        return max(0, self.total_fen - paid)

    def _update_change(self) -> None:
        fields = (self.wallet, self.gift_amount, self.account, self.other, self.cash)
        try:
            paid = sum(_amount(f.text()) for f in fields)
        except DomainError:
            self.change.setText("—")
            return
        left = self.total_fen - paid
        self.change.setText(self.tr("change %1").replace("%1", format_fen(-left)) if left <= 0
                            else self.tr("still %1").replace("%1", format_fen(left)))

    def _on_ok(self) -> None:
        if self._gift_reading:
            return  # Enter right after a scan: the card's amount is on its way
        if self._gift_unread():
            self._read_gift(again=True)  # its balance first (or again, why it was refused)
            return
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


def valid_until(card: GiftCardView) -> str:
    """The day a gift card stops being valid, as its slip prints it."""
    return f"{to_local(dt.datetime.fromisoformat(card.expires_at)):%Y-%m-%d}"


def gift_scan_in(text: str) -> int | None:
    """Where a gift card's QR or number begins in ``text`` (a field's text with a card scanned
    into it), if it ends with one."""
    upper = text.upper()
    return next((i for i, char in enumerate(upper)
                 if char == "G" and classify(upper[i:]) is Shape.GIFT_CARD), None)


def _row(wide: QWidget, amount: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(wide, 1)
    row.addWidget(amount)
    return row


def _amount(text: str) -> int:
    text = text.strip()
    return parse_yuan(text, allow_zero=True) if text else 0


def _yuan(amount_fen: int) -> str:
    return f"{amount_fen // 100}.{amount_fen % 100:02d}"
