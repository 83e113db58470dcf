"""A printer that stops answering never holds up the counter: the sale commits, the status bar
shows the printer error, and the receipt prints once when the printer is back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from storeapp.db import Database
from storeapp.models import PrintJob, Sale
from storeapp.services import wallet
from tests.devices.printer_sims import NetworkPrinter
from tests.helpers import register
from tests.ui.conftest import keys, login, pick, when_dialog
from ui import dialogs
from ui.devices_bridge import open_devices
from ui.main_window import MainWindow


@pytest.fixture
def printer(db: Database) -> Iterator[NetworkPrinter]:
    with NetworkPrinter() as sim:
        with db.session() as s, s.begin():
            db.set_setting(s, "printer_uri", sim.uri(timeout=0.3))
        yield sim


def test_sale_commits_while_the_printer_is_silent_and_prints_once_when_back(
        qtbot: QtBot, printer: NetworkPrinter, window: MainWindow, db: Database) -> None:
    window.attach_devices(open_devices(db))
    try:
        qtbot.waitUntil(lambda: "online" in window.status_printer.text(), timeout=10_000)
        member = register(db, phone="13912345678", name="王芳")
        wallet.topup(db, member.member_id, 50_000, actor="C01")
        login(qtbot, window)
        printer.pause()  # the printer stops answering
        counter = window.counter
        pick(qtbot, window, "13912345678")
        keys(qtbot, counter.cart.entry, "88", enter=True)
        qtbot.waitUntil(lambda: window.state.quote is not None, timeout=5000)
        when_dialog(qtbot, dialogs.CheckoutDialog,
                    lambda d: qtbot.keyClick(d.wallet, Qt.Key.Key_Return))
        qtbot.keyClick(counter, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: window.state.member is None, timeout=5000)  # next customer
        with db.reader() as s:
            receipt_no = s.scalars(select(Sale.receipt_no)).one()  # the sale is committed
        qtbot.waitUntil(lambda: window.status_printer.property("role") == "error",
                        timeout=10_000)
        assert "offline" in window.status_printer.text()
        with db.reader() as s:
            job = s.scalars(select(PrintJob).where(PrintJob.ref == receipt_no)).one()
        assert job.status in ("queued", "printing")

        printer.resume()  # back: the queue retries on its own
        qtbot.waitUntil(lambda: _status(db, receipt_no) == "done", timeout=20_000)
        qtbot.waitUntil(lambda: window.status_printer.property("role") != "error",
                        timeout=10_000)
        assert printer.count(receipt_no.encode() + b"\n") == 1  # the receipt, once
    finally:
        window.detach_devices()


def _status(db: Database, ref: str) -> str:
    with db.reader() as s:
        return s.scalars(select(PrintJob.status).where(PrintJob.ref == ref)).one()
