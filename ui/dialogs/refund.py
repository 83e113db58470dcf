"""Refund a sale by receipt number (scanned from the receipt's barcode); needs a manager."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from storeapp.clock import to_local
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
        self.sale: sales.StoredSale | None = None
        self.result_data: sales.RefundResult | None = None
        self.receipt = QLineEdit(receipt_no)
        self.receipt.setObjectName("refundReceipt")
        self.summary = QLabel()  # lines of its own, not wrapped: a wrapped label in a form
        self.summary.setObjectName("refundSummary")  # is cut at top and bottom
        self.back = QLabel()  # what goes back how: the cash to hand over above all
        self.back.setObjectName("refundBack")
        self.back.setProperty("role", "money-big")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Refund (manager)"))
        form = QFormLayout()
        form.addRow(self.tr("Receipt no."), self.receipt)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.back)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.receipt.returnPressed.connect(self._look_up)
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        if receipt_no:
            self._look_up()

    def _look_up(self) -> None:
        db, receipt_no = self.state.db, self.receipt.text().strip()
        if receipt_no:
            self.run(lambda: sales.get_sale(db, receipt_no), self._show)

    def _show(self, sale: sales.StoredSale) -> None:
        self.sale = sale
        tenders = ", ".join(f"{term(METHOD, t.method)} {format_fen(t.amount_fen)}"
                            for t in sale.tenders)
        # tr() outside the f-string: lupdate does not look inside f-strings
        total, status = self.tr("Total"), self.tr("Status")
        when = f"{to_local(dt.datetime.fromisoformat(sale.at)):%Y-%m-%d %H:%M}"
        self.summary.setText(
            f"{sale.receipt_no}  {when}\n"
            f"{total} {format_fen(sale.total_fen)}  ({tenders})\n"
            f"{status}: {term(SALE_STATUS, sale.status)}")
        self.back.setText(self.hand_back(sale.tenders) if sale.status != "refunded"
                          else "")

    def hand_back(self, tenders: Sequence[sales.PaidTender | sales.ReturnedTender]) -> str:
        """What the cashier gives back, tender by tender: cash from the drawer, the rest to
        the balance or the card or app it came from."""
        lines = []
        for t in tenders:
            amount = format_fen(t.amount_fen)
            if t.method == "cash":
                lines.append(self.tr("Hand back cash: %1").replace("%1", amount))
            elif t.method == "wallet":
                lines.append(self.tr("Back to the balance: %1 (principal %2 · bonus %3)")
                             .replace("%1", amount).replace("%2", format_fen(t.principal_fen))
                             .replace("%3", format_fen(t.bonus_fen)))
            else:
                lines.append(self.tr("Back by %1: %2").replace("%1", term(METHOD, t.method))
                             .replace("%2", amount))
        return "\n".join(lines)

    def _on_ok(self) -> None:
        if self.sale is None:
            self._look_up()
            return
        receipt_no = self.sale.receipt_no
        grant = ApprovalDialog.ask(self.state, self.tr("Refund %1").replace("%1", receipt_no),
                                   self, reason=self.tr("customer return"))
        if grant is None:
            self.error.setText(self.tr("A refund needs a manager's approval."))
            return
        db, key, actor = self.state.db, self.key, self.state.actor
        self.run(lambda: sales.refund(db, receipt_no, actor=actor, grant=grant, key=key),
                 self._on_done)

    def _on_done(self, result: sales.RefundResult) -> None:
        self.result_data = result
        self.state.message.emit(
            self.tr("Refunded %1: %2. %3").replace("%1", result.receipt_no)
            .replace("%2", format_fen(result.amount_fen))
            .replace("%3", self.hand_back(result.tenders).replace("\n", "; ")), False)
        self.state.print_receipt("refund", result)
        self.state.refresh_member()
        self.accept()
