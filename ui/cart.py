"""The cart: scan or type barcodes, or type an open amount; lines and totals with tier
discount, coupon and points shown."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from storeapp.errors import DomainError
from storeapp.money import format_fen, parse_yuan
from storeapp.services import catalog
from storeapp.services.catalog import ProductView
from ui.state import AppState, CartLine, readable

_BARCODE = re.compile(r"\d{8}|\d{12,14}")


class CartPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.entry = QLineEdit()
        self.entry.setObjectName("cartEntry")
        self.entry.setPlaceholderText(self.tr("Barcode, or amount for an open line (F11)"))
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Item"), self.tr("Qty"), self.tr("Price"), self.tr("Amount")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.verticalHeader().setVisible(False)
        self.totals: dict[str, QLabel] = {}
        grid = QGridLayout()
        rows = (("subtotal", self.tr("Subtotal")), ("discount", self.tr("Tier discount")),
                ("coupon", self.tr("Coupon")), ("points", self.tr("Points used")),
                ("total", self.tr("To pay")), ("earn", self.tr("Points to earn")))
        for row, (key, text) in enumerate(rows):
            label, value = QLabel(text), QLabel("—")
            value.setProperty("role", "money-big" if key == "total" else "money")
            grid.addWidget(label, row, 0)
            grid.addWidget(value, row, 1)
            self.totals[key] = value
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.entry)
        layout.addWidget(self.table, 1)
        self.coupon = QLineEdit()
        self.coupon.setObjectName("couponEntry")
        self.coupon.setPlaceholderText(self.tr("Coupon code (F12)"))
        self.points = QLineEdit()
        self.points.setObjectName("pointsEntry")
        self.points.setPlaceholderText(self.tr("Points to redeem (Ctrl+P)"))
        discounts = QHBoxLayout()
        discounts.addWidget(self.coupon)
        discounts.addWidget(self.points)
        layout.addLayout(discounts)
        layout.addLayout(grid)
        self.entry.returnPressed.connect(self._on_entry)
        self.coupon.returnPressed.connect(self._on_discounts)
        self.points.returnPressed.connect(self._on_discounts)
        state.cart_changed.connect(self._on_cart_changed)
        state.member_changed.connect(self._show_discounts)
        state.quote_changed.connect(self._on_quote_changed)

    def add_barcode(self, barcode: str) -> None:
        db = self._state.db
        self._state.worker.submit(lambda: catalog.by_barcode(db, barcode), self._add_product,
                                  self._state.show_error)

    def _on_entry(self) -> None:
        text = self.entry.text().strip()
        if not text:
            return
        self.entry.clear()
        if _BARCODE.fullmatch(text):
            self.add_barcode(text)
            return
        try:
            amount = parse_yuan(text)
        except DomainError as exc:
            self._state.message.emit(readable(exc), True)
            return
        self._state.add_line(CartLine(self.tr("Item"), 1, amount))

    def _on_discounts(self) -> None:
        """Coupon and points apply to the cart at once; the totals show what they take off."""
        text = self.points.text().strip()
        if text and not text.isdigit():
            self._state.message.emit(self.tr("Points must be a whole number."), True)
            return
        coupon = self.coupon.text().strip().upper() or None
        self._state.set_discounts(coupon, int(text or 0))
        self.entry.setFocus()

    def _add_product(self, product: ProductView) -> None:
        self._state.add_line(CartLine(product.name, 1, product.price_fen, product.barcode))

    def _show_discounts(self) -> None:
        """The fields say what applies to this sale: nothing left from the last customer."""
        self.coupon.setText(self._state.coupon or "")
        points = self._state.redeem_points
        self.points.setText(str(points) if points else "")

    def _on_cart_changed(self) -> None:
        self._show_discounts()
        lines = self._state.lines
        self.table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            cells = (line.name, str(line.qty), format_fen(line.unit_price_fen),
                     format_fen(line.unit_price_fen * line.qty))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        if lines:
            self.table.scrollToBottom()

    def _on_quote_changed(self) -> None:
        quote = self._state.quote
        if quote is None:
            for value in self.totals.values():
                value.setText("—")
            return
        self.totals["subtotal"].setText(format_fen(quote.subtotal_fen))
        self.totals["discount"].setText(f"-{format_fen(quote.discount_fen)}")
        self.totals["coupon"].setText(f"-{format_fen(quote.coupon_fen)}")
        self.totals["points"].setText(f"-{format_fen(quote.points_fen)}")
        self.totals["total"].setText(format_fen(quote.total_fen))
        self.totals["earn"].setText(str(quote.points_to_earn))
