"""Gift cards (不记名预付卡) at the counter: a card scanned shows its balance, face value and
expiry; below, cards are sold — face value, how many, paid by F1–F5, the buyer's real name when the
prepaid-card rules ask for it (¥10,000 or more at once) and the payer's bank account for a bank
transfer (a company's ¥5,000 or more, a person's ¥50,000 or more, may only be paid so).

Enter in the scan field reads the card; Enter anywhere else sells. The sale writes its slip (each
card's number and QR) in its own transaction; the dialog only wakes the printer.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QIntValidator, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from storeapp import prepaid_rules
from storeapp.clock import to_local
from storeapp.errors import DomainError, Refused
from storeapp.money import format_fen, parse_yuan
from storeapp.services import giftcards
from storeapp.services.giftcards import GiftCardsSold, GiftCardView
from ui.dialogs.base import OpDialog
from ui.dialogs.checkout import gift_scan_in, valid_until
from ui.state import AppState, readable
from ui.terms import METHOD, term

# The counter's gift-card key: "G" as the cards' numbers start (G0001…) and for gift.
GIFT_CARD_KEY = "Ctrl+G"
# How cards are paid, on F1–F5 in this order (no stored value: prepaid value does not buy
# prepaid value).
METHODS = giftcards.SELL_METHODS
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class GiftCardDialog(OpDialog):
    def __init__(self, state: AppState, card_ref: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Gift cards"), parent)
        self.result_data: GiftCardsSold | None = None
        #: the card last read (None: none scanned, or it could not be read)
        self.card: GiftCardView | None = None
        self.reading = False
        # -- balance enquiry
        self.scan = QLineEdit()
        self.scan.setObjectName("giftScan")
        self.scan.setMaxLength(64)
        self.scan.setPlaceholderText(self.tr("Scan a gift card for its balance"))
        self.card_no = QLabel()
        self.card_no.setProperty("role", "title")
        self.balance = QLabel()
        self.balance.setObjectName("giftBalance")
        self.balance.setProperty("role", "money-big")
        self.details = QLabel()
        self.details.setObjectName("giftDetails")
        self.details.setProperty("role", "hint")
        self.details.setWordWrap(True)
        self.details.setText(self._no_card())
        # -- selling
        self.face = QLineEdit()
        self.face.setObjectName("giftFace")
        self.face.setPlaceholderText(self.tr("up to %1").replace(
            "%1", format_fen(prepaid_rules.GIFT_FACE_CAP_FEN)))
        self.count = QLineEdit("1")
        self.count.setObjectName("giftCount")
        self.count.setValidator(QIntValidator(1, prepaid_rules.MAX_CARDS, self.count))
        self.company = QCheckBox(self.tr("Bought by a company"))
        self.company.setObjectName("giftCompany")
        self.group = QButtonGroup(self)
        methods = QGridLayout()
        for index, code in enumerate(METHODS):
            key = f"F{index + 1}"
            button = QPushButton(f"{key}  {term(METHOD, code)}")
            button.setCheckable(True)
            button.setShortcut(key)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the fields keep the keys
            self.group.addButton(button, index)
            methods.addWidget(button, 0, index)
        self.group.button(0).setChecked(True)
        self.buyer = QLineEdit()
        self.buyer.setObjectName("giftBuyer")
        self.buyer.setMaxLength(64)
        self.payer = QLineEdit()
        self.payer.setObjectName("giftPayer")
        self.payer.setMaxLength(64)
        self.rule = QLabel()
        self.rule.setObjectName("giftRule")
        self.rule.setProperty("role", "warning")
        self.rule.setWordWrap(True)
        self.to_pay = QLabel()
        self.to_pay.setObjectName("giftToPay")
        self.to_pay.setProperty("role", "money-big")
        self.sell_button = QPushButton(self.tr("Enter  Sell"))
        self.sell_button.setProperty("role", "primary")
        self.sell_button.setDefault(True)
        close = QPushButton(self.tr("Esc  Close"))
        for button in (self.sell_button, close):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # -- layout
        enquiry = QFormLayout()
        enquiry.addRow(self.tr("Balance enquiry"), self.scan)
        card_row = QHBoxLayout()
        card_row.addWidget(self.card_no)
        card_row.addStretch(1)
        card_row.addWidget(self.balance)
        enquiry.addRow(card_row)
        enquiry.addRow(self.details)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        title = QLabel(self.tr("Sell gift cards"))
        title.setProperty("role", "title")
        amounts = QHBoxLayout()
        amounts.addWidget(self.face, 2)
        amounts.addWidget(QLabel("×"))
        amounts.addWidget(self.count, 1)
        amounts.addWidget(self.company)
        self.sell = QFormLayout()
        self.sell.addRow(self.tr("Face value × cards"), amounts)
        self.sell.addRow(self.tr("Paid by"), methods)
        self.sell.addRow(self.tr("Buyer's real name"), self.buyer)
        self.sell.addRow(self.tr("Payer's bank account"), self.payer)
        self.sell.addRow(self.tr("To pay"), self.to_pay)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sell_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(enquiry)
        layout.addWidget(line)
        layout.addWidget(title)
        layout.addLayout(self.sell)
        layout.addWidget(self.rule)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        for first, then in ((self.scan, self.face), (self.face, self.count),
                            (self.count, self.company), (self.company, self.buyer),
                            (self.buyer, self.payer)):
            QWidget.setTabOrder(first, then)
        for field in (self.scan, self.face, self.count, self.buyer, self.payer):
            field.installEventFilter(self)
        for field in (self.face, self.count):
            field.textChanged.connect(self._show_to_pay)
        self.company.toggled.connect(self._show_to_pay)
        self.group.idClicked.connect(self._on_method)
        self.sell_button.clicked.connect(self._on_sell)
        close.clicked.connect(self.reject)
        self.resize(760, 0)
        self._on_method(0)
        self.scan.setFocus()
        if card_ref.strip():
            self.scan.setText(card_ref.strip().upper())
            self._read()

    @property
    def method(self) -> str:
        return METHODS[max(self.group.checkedId(), 0)]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit):
            assert isinstance(event, QKeyEvent)
            if event.key() in _ENTER:
                if watched is self.scan:
                    self._read()
                    return True  # Enter in the scan field reads the card, it sells nothing
                start = gift_scan_in(watched.text().strip())
                if start is not None:  # a card scanned while typing a sale: read it
                    text = watched.text().strip()
                    watched.setText(text[:start])
                    self.scan.setText(text[start:].upper())
                    self.scan.setFocus()
                    self._read()
                    return True
        return super().eventFilter(watched, event)

    # -- balance enquiry --------------------------------------------------------------------

    def _read(self) -> None:
        """Read the card on the worker (a read: the dialog stays enabled, Esc still closes)."""
        text = self.scan.text().strip()
        if not text or self.reading:
            return
        self.reading = True
        self.error.clear()
        db = self.state.db
        self.state.worker.submit(lambda: giftcards.show(db, text), self._show_card,
                                 self._read_failed)

    def _show_card(self, card: GiftCardView) -> None:
        self.reading = False
        self.card = card
        self.card_no.setText(card.card_no)
        self.balance.setText(format_fen(card.balance_fen))
        details = [self.tr("Face value %1").replace("%1", format_fen(card.face_fen)),
                   self.tr("valid until %1").replace("%1", valid_until(card))]
        if card.sold_at:
            details.append(self.tr("sold %1").replace("%1", _day(card.sold_at)))
        else:  # first seen here: what its QR says, spends at other stores not yet known
            details.append(self.tr("sold at another store: spends there are not known here"))
        if card.status != "active":
            details.append(self.tr("expired"))
        self.details.setText("  ·  ".join(details))
        self.details.setProperty("role", "hint" if card.status == "active" else "warning")
        self.details.style().polish(self.details)
        self._fit_height()
        self.scan.selectAll()  # the next scan replaces it

    def _no_card(self) -> str:
        return self.tr("A card scanned shows its number, balance, face value and expiry here.")

    def _read_failed(self, error: BaseException) -> None:
        self.reading = False
        self.card = None
        self.card_no.clear()
        self.balance.clear()
        self.details.setText(self._no_card())
        self.details.setProperty("role", "hint")
        self.details.style().polish(self.details)
        self.error.setText(readable(error))
        self._fit_height()
        self.scan.selectAll()

    # -- selling ----------------------------------------------------------------------------

    def _on_method(self, chosen: int) -> None:
        for button in self.group.buttons():  # the chosen method stands out as the primary
            button.setProperty("role", "primary" if self.group.id(button) == chosen else "")
            button.style().unpolish(button)
            button.style().polish(button)
        self._show_to_pay()

    def _typed(self) -> tuple[int, int]:
        """The face value and the number of cards typed (0 where nothing readable is)."""
        try:
            face = parse_yuan(self.face.text().strip()) if self.face.text().strip() else 0
        except DomainError:
            face = 0
        count = self.count.text().strip()
        return face, int(count) if count.isdigit() else 0

    def _show_to_pay(self) -> None:
        """The total, and the fields and rules this sale needs: the buyer's name from
        ¥10,000, the payer's account for a bank transfer (only way from the transfer limit)."""
        face, count = self._typed()
        total = face * count
        method, company = self.method, self.company.isChecked()
        self.to_pay.setText(self.tr("%1 by %2").replace("%1", format_fen(total))
                            .replace("%2", term(METHOD, method)) if total else "")
        needs_name = total >= prepaid_rules.REAL_NAME_FROM_FEN
        limit = prepaid_rules.transfer_from_fen(company)
        needs_transfer = total >= limit
        self.sell.setRowVisible(self.buyer, needs_name)
        self.sell.setRowVisible(self.payer, method == "transfer")
        rules = []
        if needs_name:
            rules.append(self.tr("From %1 at once the buyer's real name is recorded.")
                         .replace("%1", format_fen(prepaid_rules.REAL_NAME_FROM_FEN)))
        if needs_transfer and method != "transfer":
            rules.append(self.tr("From %1 at once only a bank transfer (F5) may pay.")
                         .replace("%1", format_fen(limit)))
        self.rule.setText(" ".join(rules))
        self.rule.setVisible(bool(rules))
        self._fit_height()

    def _on_sell(self) -> None:
        if self.reading or self._running:
            return
        face, count = self._typed()
        method, company = self.method, self.company.isChecked()
        buyer = self.buyer.text().strip() if self.sell.isRowVisible(self.buyer) else ""
        payer = self.payer.text().strip() if method == "transfer" else ""
        try:
            face = parse_yuan(self.face.text().strip())
            prepaid_rules.payer_account(payer)
            prepaid_rules.check_gift_sale(face_fen=face, cards=count, method=method,
                                          company=company, buyer_name=buyer,
                                          payer_account=payer)
        except DomainError as refused:
            self.error.setText(readable(refused))
            self._fit_height()
            self._focus_on(refused)
            return
        db, actor, key = self.state.db, self.state.actor, self.key
        self.run(lambda: giftcards.sell(db, face_fen=face, cards=count, method=method,
                                        actor=actor, company=company, buyer_name=buyer or None,
                                        payer_account=payer or None, key=key), self._on_sold,
                 lambda _error: self._fit_height())

    def _fit_height(self) -> None:
        """Grow to what the wrapped lines (rules, refusals) need at this width: a window's
        minimum size counts a wrapped label as one line, so rows that appear would squeeze."""
        need = self.heightForWidth(self.width())
        screen = self.screen()
        if screen is not None:
            need = min(need, screen.availableGeometry().height())
        if need > self.height():
            self.resize(self.width(), need)

    def _focus_on(self, refused: DomainError) -> None:
        """The field that answers the refusal gets the keys."""
        field = {"real_name_required": self.buyer, "payer_account_required": self.payer,
                 "bad_payer_account": self.payer,
                 "giftcard_count": self.count}.get(refused.code, self.face)
        if isinstance(refused, Refused) and refused.code == "transfer_required":
            return  # F5 answers it
        field.setFocus()
        field.selectAll()

    def _on_sold(self, result: GiftCardsSold) -> None:
        self.result_data = result
        numbers = [card.card_no for card in result.cards]
        cards = numbers[0] if len(numbers) == 1 else f"{numbers[0]} – {numbers[-1]}"
        self.state.message.emit(
            self.tr("Gift cards sold: %1 × %2 = %3 by %4 (%5)")
            .replace("%1", str(len(numbers))).replace("%2", format_fen(result.face_fen))
            .replace("%3", format_fen(result.total_fen))
            .replace("%4", term(METHOD, result.method)).replace("%5", cards), False)
        self.state.print_receipt("giftcard", result)  # its slip is already a queued job
        self.accept()


def _day(at: str) -> str:
    return f"{to_local(dt.datetime.fromisoformat(at)):%Y-%m-%d}"
