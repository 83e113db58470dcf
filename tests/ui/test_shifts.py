"""Shifts at the counter: the float asked for after login, the shift in the status bar, the X
report with the day's sales, and the close with the counted cash into a printed Z report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from storeapp.db import Database
from storeapp.models import PrintJob
from storeapp.money import format_fen
from storeapp.services import shifts
from tests.devices.printer_sims import NetworkPrinter
from tests.devices.receipt_helpers import read
from tests.ui.conftest import idle, keys, login, when_dialog
from ui import dialogs
from ui.devices_bridge import open_devices
from ui.main_window import MainWindow


@pytest.fixture
def printer(db: Database) -> Iterator[NetworkPrinter]:
    with NetworkPrinter() as sim:
        with db.session() as s, s.begin():
            db.set_setting(s, "printer_uri", sim.uri(timeout=0.3))
        yield sim


def open_with_float(qtbot: QtBot, win: MainWindow, float_yuan: str) -> None:
    """Log in to a till with no shift, and answer the open-shift dialog that comes up."""
    login(qtbot, win)
    qtbot.waitUntil(lambda: win.shift_prompt is not None and win.shift_prompt.isVisible(),
                    timeout=5000)
    prompt = win.shift_prompt
    assert prompt is not None and prompt.float.hasFocus()
    keys(qtbot, prompt.float, float_yuan, enter=True)
    qtbot.waitUntil(lambda: win.shift_prompt is None, timeout=5000)


def test_login_without_a_shift_asks_for_the_float_and_the_status_bar_shows_the_shift(
        qtbot: QtBot, till_without_shift: MainWindow, db: Database) -> None:
    win = till_without_shift
    qtbot.waitUntil(lambda: "No shift open" in win.status_shift.text(), timeout=5000)
    open_with_float(qtbot, win, "500")
    qtbot.waitUntil(lambda: win.status_shift.text() == "Shift #1 · 李收银 · 10:00",
                    timeout=5000)
    shift = shifts.current(db)
    assert shift is not None and (shift["float_fen"], shift["opened_by"]) == (50_000, "C01")
    qtbot.waitUntil(win.counter.search.field.hasFocus, timeout=2000)  # ready for customers


def test_escape_leaves_the_counter_usable_without_a_shift(
        qtbot: QtBot, till_without_shift: MainWindow, db: Database) -> None:
    win = till_without_shift
    login(qtbot, win)
    qtbot.waitUntil(lambda: win.shift_prompt is not None and win.shift_prompt.isVisible(),
                    timeout=5000)
    prompt = win.shift_prompt
    assert prompt is not None
    qtbot.keyClick(prompt.float, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.shift_prompt is None, timeout=5000)
    assert win.status_shift.text() == "No shift open (Ctrl+S)"
    assert shifts.current(db) is None
    qtbot.waitUntil(win.counter.search.field.hasFocus, timeout=2000)
    opened: list[str] = []

    def open_later(dialog: dialogs.OpenShiftDialog) -> None:  # Ctrl+S asks again
        opened.append(dialog.windowTitle())
        keys(qtbot, dialog.float, "0", enter=True)

    when_dialog(qtbot, dialogs.OpenShiftDialog, open_later)
    qtbot.keyClick(win.counter, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.status_shift.text().startswith("Shift #1"), timeout=5000)
    assert opened == ["Open shift"]


def test_cash_sale_shows_in_the_x_report_and_the_close_prints_a_z_with_the_variance(
        qtbot: QtBot, printer: NetworkPrinter, till_without_shift: MainWindow,
        db: Database) -> None:
    win = till_without_shift
    win.attach_devices(open_devices(db))
    try:
        qtbot.waitUntil(lambda: "online" in win.status_printer.text(), timeout=10_000)
        open_with_float(qtbot, win, "200")
        counter = win.counter
        keys(qtbot, counter.cart.entry, "88", enter=True)  # an open amount, no member
        qtbot.waitUntil(lambda: win.state.quote is not None, timeout=5000)
        when_dialog(qtbot, dialogs.CheckoutDialog,
                    lambda d: keys(qtbot, d.cash, "100", enter=True))
        qtbot.keyClick(counter, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: not win.state.lines, timeout=5000)
        idle(qtbot, win)
        seen: dict[str, str] = {}

        def x_then_close(dialog: dialogs.ShiftDialog) -> None:
            qtbot.waitUntil(lambda: dialog.report is not None, timeout=5000)
            seen["sales"] = dialog.figures["sales"].text()
            seen["expected"] = dialog.figures["expected_cash_fen"].text()
            qtbot.keyClick(dialog.counted, Qt.Key.Key_F2)  # an X slip on the printer
            qtbot.waitUntil(lambda: "X 报表" in read(bytes(printer.received)).text,
                            timeout=10_000)
            keys(qtbot, dialog.counted, "285", enter=True)  # ¥3 short
            seen["variance"] = dialog.variance.text()
            assert shifts.current(db) is not None  # nothing closes before the second Enter
            qtbot.keyClick(dialog.counted, Qt.Key.Key_Return, delay=45)
            qtbot.waitUntil(lambda: dialog.z_report is not None, timeout=5000)
            qtbot.waitUntil(lambda: "queued" in dialog.hint.text(), timeout=5000)
            seen["title"] = dialog.title.text()
            seen["hint"] = dialog.hint.text()
            qtbot.keyClick(dialog.done_button, Qt.Key.Key_Return)

        when_dialog(qtbot, dialogs.ShiftDialog, x_then_close)
        qtbot.keyClick(counter, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: "hint" in seen, timeout=10_000)

        assert seen["sales"] == "1 · ¥88.00"
        assert seen["expected"] == "¥288.00"  # float 200 + cash 88 (100 handed, 12 back)
        variance_fen = 28_500 - 28_800  # counted − expected
        assert seen["variance"].startswith(format_fen(variance_fen))
        assert "short" in seen["variance"]
        assert seen["title"] == "Shift #1 closed · Z #00001"
        assert seen["hint"] == "Z #00001 queued for printing."

        assert shifts.z_numbers(db) == [1]
        z = shifts.z_report(db, 1)
        assert (z["counted_fen"], z["expected_cash_fen"], z["variance_fen"]) == \
            (28_500, 28_800, variance_fen)
        assert shifts.current(db) is None
        qtbot.waitUntil(lambda: win.status_shift.text() == "No shift open (Ctrl+S)",
                        timeout=5000)

        qtbot.waitUntil(lambda: _job_status(db, "z:01-00001") == "done", timeout=20_000)
        text = read(bytes(printer.received)).text
        assert "Z 报表 Z report" in text and "01-00001" in text
        variance_line = next(line for line in text.splitlines() if "差额 Variance" in line)
        assert variance_line.rstrip().endswith("-￥3.00")  # GB18030 prints ¥ as ￥
    finally:
        win.detach_devices()


def _job_status(db: Database, ref: str) -> str | None:
    with db.reader() as s:
        return s.scalars(select(PrintJob.status).where(PrintJob.kind == "z",
                                                       PrintJob.ref == ref)).first()
