"""Refund a sale by receipt number (scanned from the receipt's barcode); needs a manager."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from storeapp.money import format_fen
from storeapp.services import sales
from ui.dialogs.approval import ApprovalDialog
from ui.dialogs.base import OpDialog
from ui.state import AppState
from ui.terms import METHOD, SALE_STATUS, term


class RefundDialog(OpDialog):
    def __init__(self, state: AppState, receipt_no: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Refund a sale"), parent)
        self.sale: dict[str, Any] | None = None
        self.result_data: dict[str, Any] | None = None
        self.receipt = QLineEdit(receipt_no)
        self.receipt.setObjectName("refundReceipt")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Refund (manager)"))
        form = QFormLayout(self)
        form.addRow(self.tr("Receipt no."), self.receipt)
        form.addRow(self.summary)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.receipt.returnPressed.connect(self._look_up)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        if receipt_no:
            self._look_up()

    def _look_up(self) -> None:
        db, receipt_no = self.state.db, self.receipt.text().strip()
        if receipt_no:
            self.run(lambda: sales.get_sale(db, receipt_no), self._show)

    def _show(self, sale: dict[str, Any]) -> None:
        self.sale = sale
        tenders = ", ".join(f"{term(METHOD, t['method'])} {format_fen(t['amount_fen'])}"
                            for t in sale["tenders"])
        # tr() outside the f-string: lupdate does not look inside f-strings
        total, status = self.tr("Total"), self.tr("Status")
        self.summary.setText(
            f"{sale['receipt_no']}  {sale['at'][:16].replace('T', ' ')}\n"
            f"{total} {format_fen(sale['total_fen'])}  ({tenders})\n"
            f"{status}: {term(SALE_STATUS, sale['status'])}")

    def _on_ok(self) -> None:
        if self.sale is None:
            self._look_up()
            return
        receipt_no = self.sale["receipt_no"]
        grant = ApprovalDialog.ask(self.state, self.tr("Refund %1").replace("%1", receipt_no),
                                   self, reason=self.tr("customer return"))
        if grant is None:
            self.error.setText(self.tr("A refund needs a manager's approval."))
            return
        db, key, actor = self.state.db, self.key, self.state.actor
        self.run(lambda: sales.refund(db, receipt_no, actor=actor, grant=grant, key=key),
                 self._on_done)

    def _on_done(self, result: dict[str, Any]) -> None:
        self.result_data = result
        self.state.message.emit(self.tr("Refunded %1: %2").replace("%1", result["receipt_no"])
                                .replace("%2", format_fen(result["amount_fen"])), False)
        self.state.print_receipt("refund", result)
        self.state.refresh_member()
        self.accept()
