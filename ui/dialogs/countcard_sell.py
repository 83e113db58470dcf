"""Sell a count card (次卡) to the member at the counter: the cards on sale (arrows choose),
how it is paid on F1–F5, the member's payment PIN when paid from stored value, Enter sells."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from storeapp.money import format_fen
from storeapp.services import countcards
from storeapp.services.countcards import CardProductView, CardSold
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable
from ui.terms import METHOD, term

# How a card is paid, on F1–F5 in this order (stored value last: it may ask for the PIN).
METHODS = ("cash", "card", "wechat", "alipay", "wallet")
_LIST_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


class SellCardDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Sell a count card"), parent)
        member = state.member
        assert member is not None
        self.result_data: CardSold | None = None
        self.products: list[CardProductView] = []
        self.who = QLabel(f"{member.name}  ·  {format_fen(member.balance_fen)}")
        self.who.setProperty("role", "title")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("cardProducts")
        self.table.setHorizontalHeaderLabels([self.tr("Card"), self.tr("Uses"),
                                              self.tr("Price"), self.tr("Valid")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setMinimumHeight(150)
        self.group = QButtonGroup(self)
        methods = QGridLayout()
        for index, code in enumerate(METHODS):
            key = f"F{index + 1}"
            button = QPushButton(f"{key}  {term(METHOD, code)}")
            button.setCheckable(True)
            button.setShortcut(key)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the list and the PIN keep the keys
            self.group.addButton(button, index)
            methods.addWidget(button, 0, index)
        self.group.button(0).setChecked(True)
        self.pin = QLineEdit()
        self.pin.setObjectName("sellPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(6)
        self.pin_label = QLabel(self.tr("Payment PIN"))
        self.to_pay = QLabel()
        self.to_pay.setObjectName("sellToPay")
        self.to_pay.setProperty("role", "money-big")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Sell (Enter)"))
        ok.setDefault(True)
        ok.setProperty("role", "primary")
        for each in self.buttons.buttons():
            each.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        form = QFormLayout()
        form.addRow(self.tr("Paid by"), methods)
        form.addRow(self.pin_label, self.pin)
        form.addRow(self.tr("To pay"), self.to_pay)
        layout = QVBoxLayout(self)
        layout.addWidget(self.who)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.pin.installEventFilter(self)
        self.group.idClicked.connect(self._on_method)
        self.table.itemSelectionChanged.connect(self._show_to_pay)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        self.resize(820, 480)
        self._on_method(0)
        db = state.db
        self.table.setFocus()
        # a read: the dialog stays enabled while it loads (a disabled window that opens is
        # never made the active one, and its F-keys would go nowhere)
        state.worker.submit(lambda: countcards.products(db), self._show_products,
                            lambda error: self.error.setText(readable(error)))

    @property
    def method(self) -> str:
        return METHODS[max(self.group.checkedId(), 0)]

    @property
    def asks_pin(self) -> bool:
        """Paid from stored value by a member who set a payment PIN: the PIN pad is shown."""
        member = self.state.member
        return self.method == "wallet" and member is not None and member.pin_set

    def selected(self) -> CardProductView | None:
        row = self.table.currentRow()
        return self.products[row] if 0 <= row < len(self.products) else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.pin and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _LIST_KEYS:
                QApplication.sendEvent(self.table, event)  # the arrows still choose the card
                return True
        return super().eventFilter(watched, event)

    def _show_products(self, products: list[CardProductView]) -> None:
        self.products = products
        self.table.setRowCount(len(products))
        for row, p in enumerate(products):
            cells = (p.name, self.tr("%n use(s)", "", p.uses), format_fen(p.price_fen),
                     self.tr("%n month(s)", "", p.valid_months))
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if products:
            self.table.selectRow(0)
        else:
            self.error.setText(self.tr("No count card is on sale at this store."))
        (self.pin if self.asks_pin else self.table).setFocus()

    def _on_method(self, chosen: int) -> None:
        for button in self.group.buttons():  # the chosen method stands out as the primary
            button.setProperty("role", "primary" if self.group.id(button) == chosen else "")
            button.style().unpolish(button)
            button.style().polish(button)
        shown = self.asks_pin
        self.pin_label.setVisible(shown)
        self.pin.setVisible(shown)
        if not shown:
            self.pin.clear()
        (self.pin if shown else self.table).setFocus()
        self._show_to_pay()

    def _show_to_pay(self) -> None:
        product = self.selected()
        self.to_pay.setText("" if product is None else self.tr("%1 by %2")
                            .replace("%1", format_fen(product.price_fen))
                            .replace("%2", term(METHOD, self.method)))

    def _on_ok(self) -> None:
        product = self.selected()
        if product is None:
            self.error.setText(self.tr("Choose the card to sell."))
            return
        if self.asks_pin and not self.pin.text():
            self.error.setText(self.tr("Ask the member to type the payment PIN."))
            self.pin.setFocus()
            return
        member = self.state.member
        assert member is not None
        db, actor, key, method = self.state.db, self.state.actor, self.key, self.method
        member_id, code, pin = member.member_id, product.code, self.pin.text() or None
        self.run(lambda: countcards.sell(db, member_id, code, method=method, actor=actor,
                                         pin=pin, key=key), self._on_sold, self._on_refused)

    def _on_refused(self, _error: BaseException) -> None:
        """A wrong PIN: the pad is cleared and keeps the keys for the next try."""
        self.pin.clear()
        (self.pin if self.asks_pin else self.table).setFocus()

    def _on_sold(self, result: CardSold) -> None:
        self.result_data = result
        card = result.card
        self.state.message.emit(
            self.tr("Sold %1 (card %2): %3 uses, paid %4 by %5")
            .replace("%1", card.name).replace("%2", card.card_no)
            .replace("%3", str(card.uses_left)).replace("%4", format_fen(card.paid_fen))
            .replace("%5", term(METHOD, result.method)), False)
        self.state.print_receipt("countcard", result)
        self.state.refresh_member()
        self.accept()
