"""Member history: stored-value and points movements with running balances."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from storeapp.clock import to_local
from storeapp.ids import short_ref
from storeapp.money import format_fen
from storeapp.services import points, wallet
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable
from ui.terms import LEDGER, term
from ui.widgets import fit_to_screen


class HistoryDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Member history"), parent)
        assert state.member is not None
        fit_to_screen(self, QSize(960, 560))
        self.wallet_table = _table([self.tr("Time"), self.tr("What"), self.tr("Principal"),
                                    self.tr("Bonus"), self.tr("Balance"), self.tr("Ref")])
        self.points_table = _table([self.tr("Time"), self.tr("What"), self.tr("Points"),
                                    self.tr("Balance"), self.tr("Ref")])
        tabs = QTabWidget()
        tabs.addTab(self.wallet_table, self.tr("Stored value"))
        tabs.addTab(self.points_table, self.tr("Points"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        db, member_id = state.db, state.member.member_id
        # a read: the dialog stays usable (Esc closes it) while the lists load
        state.worker.submit(lambda: (wallet.history(db, member_id), points.history(db, member_id)),
                            self._show, lambda error: self.error.setText(readable(error)))

    def _show(self, histories: tuple[list[wallet.LedgerLine],
                                     list[points.PointsLine]]) -> None:
        money, pts = histories
        self._fill(self.wallet_table, [
            (_when(x.at), term(LEDGER, x.kind), format_fen(x.principal_fen),
             format_fen(x.bonus_fen), format_fen(x.balance_after_fen), _ref(x.ref))
            for x in money])
        self._fill(self.points_table, [
            (_when(x.at), term(LEDGER, x.kind), f"{x.points:+,}", f"{x.balance_after:,}",
             _ref(x.ref)) for x in pts])

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(text))


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # every column as wide as its contents (a stretched last column would elide the reference);
    # the table scrolls sideways if a language makes the row wider than the dialog
    table.horizontalHeader().setStretchLastSection(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    return table


def _ref(ref: str | None) -> str:
    """A receipt number as printed; a top-up's key as a short number a person can read out."""
    return short_ref(ref) if ref else ""


def _when(at: dt.datetime) -> str:
    return f"{to_local(at):%Y-%m-%d %H:%M}"
