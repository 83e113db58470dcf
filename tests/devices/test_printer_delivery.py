"""A job counts as printed only when the printer has it (issue 14), over real byte channels: TCP
printers on 127.0.0.1 that never read, die mid-receipt or never answer status, a printer that
stops answering status, and a serial printer on a pseudo-terminal that stops reading. A job the
printer did not take stays queued; printed again, it comes out whole, once, marked continued."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from devices.print_queue import CONTINUED, PrintQueue
from devices.printer_ports import TcpPort
from devices.printers import PrinterError, PrinterStatus, open_printer
from storeapp.db import Database
from storeapp.models import PrintJob
from tests.devices.printer_sims import NetworkPrinter, SerialPrinter
from tests.devices.test_print_queue import Recorder, is_done, render, sale, wait_until


def stored_payload(db: Database, job_id: int) -> dict[str, Any]:
    with db.reader() as s:
        job = s.get(PrintJob, job_id)
        assert job is not None
        return dict(json.loads(job.payload_json))


def mute(printer: NetworkPrinter | SerialPrinter) -> NetworkPrinter | SerialPrinter:
    printer.answers_status = False
    return printer


RECEIPT = sale("D-0001", lines=30, marker="MARK-D0001")  # ~2.1 KB, a receipt as counters print


# -- (1) a printer that accepts the connection and never reads a byte ----------------------------

def test_a_printer_that_never_reads_gets_no_job_done_and_prints_it_once_when_it_reads(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    printer = mute(NetworkPrinter(rcvbuf=1))
    printer.pause()  # the kernel completes the connection; nothing ever reads it
    with printer:
        heard = Recorder()
        queue = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        queue.on_status(heard)
        job = queue.submit("sale", "D-0001", RECEIPT)
        offline = heard.wait_for(lambda e: e[0] is PrinterStatus.OFFLINE)
        assert "did not take the receipt" in offline[1] and "bytes still unsent" in offline[1]
        view = queue.job(job)
        assert view is not None and view.status in ("queued", "printing")
        assert "did not take the receipt" in str(view.last_error)
        assert stored_payload(db, job)[CONTINUED] is True  # part of it sat in its buffer

        printer.resume()  # a reader comes: it gets the reset fragment(s), then the whole job
        wait_until(lambda: is_done(queue, job))
        whole = render("sale", stored_payload(db, job))
        assert printer.count(whole) == 1
        assert printer.count(b"MARK-D0001") == 1
        heard.wait_for(lambda e: e[0] is PrinterStatus.ONLINE and e[2] == 0)


def test_the_port_says_a_receipt_in_a_printer_that_never_reads_is_not_printed() -> None:
    printer = mute(NetworkPrinter(rcvbuf=1))
    printer.pause()
    with printer:
        port = open_printer(printer.uri(timeout=0.3))
        assert port.status() is PrinterStatus.ONLINE  # silent from the start: it may be mute
        data = render("sale", RECEIPT)
        port.write(data)  # ~2.1 KB fits in the kernels' buffers: the send cannot tell
        started = time.monotonic()
        with pytest.raises(PrinterError, match="did not take the receipt") as failed:
            port.confirm()
        assert 0.3 <= time.monotonic() - started < 1.0  # bounded by the port's timeout
        assert failed.value.status is PrinterStatus.OFFLINE
        assert failed.value.partial


# -- (2) a printer that reads 700 bytes and hangs up --------------------------------------------

def test_a_printer_that_dies_mid_receipt_gets_it_again_whole_and_marked_continued(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    with mute(NetworkPrinter(rcvbuf=1, cut_after=700)) as printer:
        heard = Recorder()
        queue = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        queue.on_status(heard)
        job = queue.submit("sale", "D-0001", RECEIPT)
        wait_until(lambda: is_done(queue, job))
        assert len(printer.received) > 700  # the fragment, then the job again
        first_try = bytes(printer.received[:700])
        assert b"MARK-D0001" not in first_try
        payload = stored_payload(db, job)
        assert payload[CONTINUED] is True
        assert printer.count(render("sale", payload)) == 1  # whole, once, after the fragment
        assert printer.count(b"MARK-D0001") == 1
        assert printer.connections == 2
        assert PrinterStatus.OFFLINE in heard.statuses()
        view = queue.job(job)
        assert view is not None and view.attempts == 2
        assert "reset the connection" in str(view.last_error)


# -- (3) a printer that reads everything and never answers status -------------------------------

def test_a_printer_that_never_answers_is_done_once_its_side_took_every_byte(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    with mute(NetworkPrinter(rcvbuf=1)) as printer:
        queue = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        started = time.monotonic()
        job = queue.submit("sale", "D-0001", RECEIPT)
        wait_until(lambda: is_done(queue, job))
        took = time.monotonic() - started
        assert took < 1.5  # the unanswered status query (0.3 s) and the drain, no retry
        assert CONTINUED not in stored_payload(db, job)
        assert printer.count(render("sale", RECEIPT)) == 1
        assert queue.job(job).attempts == 1  # type: ignore[union-attr]
        assert "took the receipt" in queue.message
        assert printer.status_queries == 0 and b"\x10\x04\x01" in printer.received  # asked


# -- (4) a printer that answered status once, then stops answering -------------------------------

def test_a_printer_that_stops_answering_status_is_offline_and_its_job_waits(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    with NetworkPrinter() as printer:
        port = open_printer(printer.uri(timeout=0.3))
        assert port.status() is PrinterStatus.ONLINE
        printer.answers_status = False  # it still reads everything, it just does not say so
        assert port.status() is PrinterStatus.OFFLINE
        assert "stopped answering" in port.detail
        port.close()
        printer.answers_status = True

        queue = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        first = queue.submit("sale", "D-0001", RECEIPT)
        wait_until(lambda: is_done(queue, first))  # answering: confirmed by its answer
        printer.answers_status = False
        second = queue.submit("sale", "D-0002", sale("D-0002", marker="MARK-D0002"))
        # the job's error is written before the queue reports the printer's state: wait for both
        wait_until(lambda: (j := queue.job(second)) is not None and j.last_error is not None
                   and queue.status is PrinterStatus.OFFLINE)
        assert not is_done(queue, second)
        assert printer.count(b"MARK-D0002") == 0  # never handed over
        printer.answers_status = True
        wait_until(lambda: is_done(queue, second))
        assert printer.count(b"MARK-D0002") == 1
        assert CONTINUED not in stored_payload(db, second)  # nothing of it had gone out


def test_a_printer_silent_at_first_is_asked_again_and_its_paper_out_is_heard() -> None:
    with mute(NetworkPrinter()) as printer:
        port = open_printer(printer.uri(timeout=0.3))
        assert isinstance(port, TcpPort)
        assert port.status() is PrinterStatus.ONLINE
        assert port.answers_status is False
        printer.answers_status, printer.paper_out = True, True
        assert port.status() is PrinterStatus.PAPER_OUT
        assert port.answers_status is True
        port.close()


# -- (5) a serial printer on a pseudo-terminal that stops reading --------------------------------

def test_a_serial_printer_that_stops_reading_keeps_the_job_and_prints_it_whole_later(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    # A Linux pty keeps no TIOCOUTQ count (it reads 0 with bytes unread), so only a job larger
    # than the pty's ~12 KB of buffers shows a stopped reader there; a real UART or USB-serial
    # driver counts its queue and confirm() waits for it.
    big = sale("D-0003", lines=400, marker="MARK-D0003")  # ~20 KB
    printer = mute(SerialPrinter())
    printer.pause()
    with printer:
        heard = Recorder()
        queue = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        queue.on_status(heard)
        job = queue.submit("sale", "D-0003", big)
        heard.wait_for(lambda e: e[0] is PrinterStatus.OFFLINE)
        assert not is_done(queue, job)
        assert "took no data" in str(queue.job(job).last_error)  # type: ignore[union-attr]
        assert stored_payload(db, job)[CONTINUED] is True
        printer.resume()
        wait_until(lambda: is_done(queue, job))
        assert printer.count(render("sale", stored_payload(db, job))) == 1
        assert printer.count(b"MARK-D0003") == 1
