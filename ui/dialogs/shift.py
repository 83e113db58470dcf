"""The shift at this till (班次): its X report live, a printed X slip, and the close with the
counted cash (expected, counted, over or short), which makes the numbered Z report and prints it.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from storeapp.clock import to_local
from storeapp.errors import DomainError
from storeapp.money import format_fen, parse_yuan
from storeapp.services import shifts
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable
from ui.terms import METHOD, term
from ui.widgets import key_button

# X report fields shown as money, in the order of the cash column.
CASH_FIELDS = ("float_fen", "cash_in_fen", "cash_out_fen", "expected_cash_fen")


class ShiftDialog(OpDialog):
    """Enter in the counted-cash field shows the variance; Enter again closes the shift.
    F2 prints an X slip; Esc leaves the shift open."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Shift"), parent)
        self.report: shifts.ShiftReport | None = None  # the X report, then the Z report
        self.z_report: shifts.ShiftReport | None = None
        self._confirm_fen: int | None = None  # counted cash shown for confirmation
        self.title = QLabel()
        self.title.setProperty("role", "title")
        self.figures = {key: QLabel() for key in (
            "sales", "refunds", "topup_principal_fen", "topup_bonus_fen", *CASH_FIELDS)}
        self.figures["expected_cash_fen"].setProperty("role", "money-big")
        self.methods = QFormLayout()
        self.counted = QLineEdit()
        self.counted.setObjectName("shiftCounted")
        self.counted.setPlaceholderText(self.tr("Counted cash in yuan"))
        self.variance = QLabel()
        self.variance.setProperty("role", "money-big")
        self.hint = QLabel(self.tr("Count the drawer, enter the cash and press Enter."))
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        self.print_x = key_button(self.tr("Print X report"), "F2")
        self.close_button = QPushButton(self.tr("Close shift (Enter)"))
        self.close_button.setProperty("role", "primary")
        self.done_button = QPushButton(self.tr("Done (Enter)"))
        self.done_button.hide()
        for button in (self.print_x, self.close_button, self.done_button):
            button.setAutoDefault(False)  # Enter belongs to the counted-cash field
        self._build_layout()
        self.counted.returnPressed.connect(self._on_close_step)
        self.counted.textChanged.connect(self._on_counted_changed)
        self.close_button.clicked.connect(self._on_close_step)
        self.print_x.clicked.connect(self._on_print_x)
        self.done_button.clicked.connect(self.accept)
        self.counted.setFocus()
        self._load()

    def _build_layout(self) -> None:
        sales = QFormLayout()
        sales.addRow(self.tr("Sales"), self.figures["sales"])
        sales.addRow(self.tr("Refunds"), self.figures["refunds"])
        sales.addRow(self.tr("Top-ups (principal)"), self.figures["topup_principal_fen"])
        sales.addRow(self.tr("Top-up bonus"), self.figures["topup_bonus_fen"])
        by_method = QLabel(self.tr("Net by payment method"))
        by_method.setProperty("role", "hint")
        sales.addRow(by_method)
        sales.addRow(self.methods)
        cash = QFormLayout()
        cash.addRow(self.tr("Float"), self.figures["float_fen"])
        cash.addRow(self.tr("Cash in"), self.figures["cash_in_fen"])
        cash.addRow(self.tr("Cash out"), self.figures["cash_out_fen"])
        cash.addRow(self.tr("Expected cash"), self.figures["expected_cash_fen"])
        cash.addRow(self.tr("Counted cash"), self.counted)
        cash.addRow(self.tr("Variance"), self.variance)
        columns = QHBoxLayout()
        columns.addLayout(sales, 1)
        columns.addSpacing(24)
        columns.addLayout(cash, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_x)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(columns)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(900)

    # -- X report --------------------------------------------------------------------------------

    def _load(self) -> None:
        db = self.state.db
        self.run(lambda: shifts.x_report(db), self._show, self._on_no_report)

    def _show(self, report: shifts.ShiftReport) -> None:
        self.report = report
        shift_no, who, since = describe_shift(self.state, report)
        if report.kind == "z":
            self.title.setText(self.tr("Shift #%1 closed · Z #%2").replace("%1", shift_no)
                               .replace("%2", f"{report.z_no or 0:05d}"))
        else:
            self.title.setText(self.tr("Shift #%1 · %2 · since %3").replace("%1", shift_no)
                               .replace("%2", who).replace("%3", since))
        f = self.figures
        f["sales"].setText(f"{report.sales_count} · {format_fen(report.sales_fen)}")
        f["refunds"].setText(f"{report.refunds_count} · {format_fen(report.refunds_fen)}")
        shown = {"topup_principal_fen": report.topup_principal_fen,
                 "topup_bonus_fen": report.topup_bonus_fen, "float_fen": report.float_fen,
                 "cash_in_fen": report.cash_in_fen, "cash_out_fen": report.cash_out_fen,
                 "expected_cash_fen": report.expected_cash_fen}
        for key, fen in shown.items():
            f[key].setText(format_fen(fen))
        if report.kind == "x":
            self.counted.setFocus()  # back from the worker: the dialog was disabled meanwhile
        while self.methods.rowCount():
            self.methods.removeRow(0)
        for method, amount in report.net_by_method.items():
            self.methods.addRow(term(METHOD, method), QLabel(format_fen(amount)))
        if not report.net_by_method:
            self.methods.addRow(QLabel("—"))

    def _on_no_report(self, _error: BaseException) -> None:
        for widget in (self.counted, self.close_button, self.print_x):
            widget.setEnabled(False)
        self.state.refresh_shift()  # the status bar should not claim a shift either

    def _on_print_x(self) -> None:
        """A fresh X report (the figures on screen follow it) printed as a slip."""
        db = self.state.db

        def printed(report: shifts.ShiftReport) -> None:
            self._show(report)
            self.state.print_receipt("z", report, self._on_x_queued)

        self.run(lambda: shifts.x_report(db), printed)

    def _on_x_queued(self, queued: bool) -> None:
        self.hint.setText(self.tr("X report sent to the printer.") if queued
                          else self.tr("No printer is set up: nothing was printed."))

    # -- close -----------------------------------------------------------------------------------

    def _on_counted_changed(self) -> None:
        self._confirm_fen = None
        self.variance.clear()
        self.close_button.setText(self.tr("Close shift (Enter)"))
        self.hint.setText(self.tr("Count the drawer, enter the cash and press Enter."))

    def _on_close_step(self) -> None:
        """First Enter: expected against counted. Second Enter (same amount): close."""
        if self.report is None or self.report.kind != "x":
            return
        try:
            counted_fen = parse_yuan(self.counted.text(), allow_zero=True)
        except DomainError as exc:
            self.error.setText(readable(exc))
            return
        self.error.clear()
        if self._confirm_fen != counted_fen:
            self._confirm_fen = counted_fen
            self._show_variance(counted_fen - self.report.expected_cash_fen)
            self.close_button.setText(self.tr("Confirm close (Enter)"))
            self.hint.setText(self.tr("Expected %1, counted %2. Press Enter again to close the "
                                      "shift and print the Z report; Esc keeps it open.")
                              .replace("%1", format_fen(self.report.expected_cash_fen))
                              .replace("%2", format_fen(counted_fen)))
            return
        db, key, actor = self.state.db, self.key, self.state.actor
        self.run(lambda: shifts.close_shift(db, counted_fen, actor=actor, key=key),
                 self._on_closed)

    def _on_closed(self, report: shifts.ShiftClosed) -> None:
        self.z_report = report
        self._show(report)
        variance = report.variance_fen or 0  # a Z report always has its counted cash
        self._show_variance(variance)
        z_no = f"{report.z_no or 0:05d}"
        self.counted.setEnabled(False)
        self.close_button.hide()
        self.print_x.setEnabled(False)
        self.done_button.show()
        self.done_button.setDefault(True)
        self.done_button.setFocus()
        self.hint.setText(self.tr("Z #%1 saved; printing…").replace("%1", z_no))
        self.state.set_shift(None)
        self.state.message.emit(self.tr("Shift closed: Z #%1, %2.").replace("%1", z_no)
                                .replace("%2", self.describe_variance(variance)),
                                False)
        self.state.print_receipt("z", report, lambda queued: self._on_z_queued(z_no, queued))

    def _on_z_queued(self, z_no: str, queued: bool) -> None:
        text = (self.tr("Z #%1 queued for printing.") if queued
                else self.tr("Z #%1 saved; no printer is set up.")).replace("%1", z_no)
        self.hint.setText(text)
        self.state.message.emit(text, False)

    def _show_variance(self, variance_fen: int) -> None:
        """The variance, in red when the drawer is over or short (green when it balances)."""
        self.variance.setText(self.describe_variance(variance_fen))
        self.variance.setProperty("role", "money-big" if variance_fen == 0 else "money-off")
        self.variance.style().unpolish(self.variance)
        self.variance.style().polish(self.variance)

    def describe_variance(self, variance_fen: int) -> str:
        """``counted − expected`` with what it means: over, short, or balanced."""
        if variance_fen == 0:
            return self.tr("%1 balanced").replace("%1", format_fen(0))
        word = self.tr("over") if variance_fen > 0 else self.tr("short")
        return f"{format_fen(variance_fen)} {word}"


def describe_shift(state: AppState,
                   shift: shifts.OpenShift | shifts.ShiftReport) -> tuple[str, str, str]:
    """Number, who opened it (name if known) and when (the date too if not today)."""
    opened = to_local(dt.datetime.fromisoformat(shift.opened_at))
    today = to_local(state.db.clock.now()).date()
    since = opened.strftime("%H:%M" if opened.date() == today else "%m-%d %H:%M")
    return str(shift.shift_id), state.staff_name(shift.opened_by), since

