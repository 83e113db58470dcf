"""The till's devices seen from the UI: the print queue, a serial scanner and the customer
display run on their own threads; this bridge turns their callbacks into Qt signals and hands
receipts to the queue from the worker thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from devices import escpos_out, receipts
from devices.display import CustomerDisplay, NullDisplay, open_display
from devices.print_queue import PrintQueue
from devices.printers import NullPort, PrinterPort, PrinterStatus, open_printer
from devices.scanner import NullScanner, Scanner, open_scanner
from devices.serial_port import LinkStatus
from storeapp.db import Database
from storeapp.receipt_jobs import Payload
from storeapp.results import Record
from storeapp.services.sales import SaleResult
from ui.state import AppState
from ui.terms import LINK, PRINTER, term


def open_devices(db: Database) -> tuple[PrintQueue, CustomerDisplay]:
    """Open what the till settings name (on the worker thread: the queue touches the DB)."""
    settings = db.settings
    uri, profile, encoding = (settings.printer_uri, settings.printer_profile,
                              settings.printer_encoding)

    def port() -> PrinterPort:
        try:
            return open_printer(uri, profile=profile, encoding=encoding)
        except ValueError:
            return NullPort()  # a bad URI shows as "no printer"; the settings screen says why

    def render(kind: str, payload: Payload) -> bytes:
        return escpos_out.render(receipts.build(kind, payload), profile, encoding)

    queue = PrintQueue(db, port, render)
    display = open_display(settings.display_uri, protocol=settings.display_protocol) \
        if settings.display_uri else NullDisplay()
    display.start()  # writes on its own thread; a missing display only shows as an error
    return queue, display


class DeviceBridge(QObject):
    """Signals: ``printer_status(str, bool)`` (text for the status bar; True for an error),
    ``scanner_status(str, bool)``, ``scanned(str)`` (a serial scanner read a code).
    Device threads emit these; Qt queues them to the GUI thread."""

    printer_status = Signal(str, bool)
    scanner_status = Signal(str, bool)
    scanned = Signal(str)

    def __init__(self, db: Database, queue: PrintQueue, display: CustomerDisplay,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.queue = queue
        self.display = display
        uri = db.settings.scanner_uri
        self.scanner: Scanner = NullScanner() if not uri else open_scanner(
            uri, on_scan=self.scanned.emit, on_status=self._on_scanner)
        self.scanner.start()  # a serial scanner reads on its own thread
        self._unsubscribe = queue.on_status(self._on_printer)

    def print_receipt(self, kind: str, data: Record, cashier: str) -> None:
        """Worker thread: an action's receipt is already a queued job, written in the action's
        own transaction (:mod:`storeapp.receipt_jobs`): wake the queue. Only an X report,
        which is a reading and no action, is queued here."""
        from devices import jobs

        if kind == "z" and data.get("kind") == "x":
            payload = jobs.shift_payload(self._db, data, cashier)
            self.queue.submit(kind, jobs.shift_ref(data), payload)
            return
        self.queue.wake()

    def follow(self, state: AppState) -> None:
        """Mirror the counter on the customer display: item, total, change, balance.

        Display calls only store the newest screen; the display's own thread writes it.
        """
        display = self.display

        def on_cart() -> None:
            if state.lines:
                line = state.lines[-1]
                display.show_item(line.name, line.unit_price_fen * line.qty)

        def on_quote() -> None:
            if state.quote is not None:
                display.show_total(state.quote.total_fen)

        def on_sale(result: SaleResult) -> None:
            after = result.member_after
            if result.change_fen:
                paid = sum(t.tendered_fen for t in result.tenders)
                display.show_change(result.change_fen, paid)
            elif after is not None:
                display.show_balance(after.balance_fen, after.points)
            else:
                display.show_total(result.total_fen)

        state.cart_changed.connect(on_cart)
        state.quote_changed.connect(on_quote)
        state.sale_completed.connect(on_sale)
        display.welcome(self._db.settings.store_name)

    def close(self) -> None:
        self._unsubscribe()
        self.queue.stop(2.0)
        self.scanner.stop()
        self.display.stop()

    def _on_printer(self, status: PrinterStatus, message: str, pending: int) -> None:
        text = self.tr("Printer: %1").replace("%1", term(PRINTER, status.value))
        if pending > 0:
            text += " " + self.tr("(%1 waiting)").replace("%1", str(pending))
        error = status in (PrinterStatus.OFFLINE, PrinterStatus.ERROR, PrinterStatus.PAPER_OUT)
        self.printer_status.emit(f"{text} {message}".strip() if error else text, error)

    def _on_scanner(self, status: LinkStatus, message: str) -> None:
        self.scanner_status.emit(self.tr("Scanner: %1").replace("%1", term(LINK, status.value)),
                                 status is LinkStatus.ERROR)

