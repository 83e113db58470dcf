"""The print queue over real byte channels and a real till database: the counter never waits on
the printer, a jammed or silent printer keeps the receipt queued, and when it comes back the
receipt prints exactly once. Receipts are rendered by the real receipt modules."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from escpos.constants import CD_KICK_2  # type: ignore[import-untyped]
from sqlalchemy import update

from devices import escpos_out, receipts
from devices.print_queue import CONTINUED, PrintQueue, takes_cash
from devices.printers import FakePrinter, PrinterStatus, open_printer
from storeapp.db import Database
from storeapp.errors import NotFound
from storeapp.models import PrintJob
from tests.devices.printer_sims import NetworkPrinter, SerialPrinter

Event = tuple[PrinterStatus, str, int, str]


def render(kind: str, payload: dict[str, Any]) -> bytes:
    """The renderer the till uses: the receipt model, then ESC/POS bytes for 80 mm GB18030."""
    return bytes(escpos_out.render(receipts.build(kind, payload), "80mm", "gb18030"))


def sale(receipt_no: str, *, lines: int = 3, method: str = "cash",
         marker: str = "END-MARK") -> dict[str, Any]:
    """A sale payload as the counter submits it; ``marker`` is the name of the last line."""
    items = [{"name": f"商品 Item {i}", "qty": 1, "unit_price_fen": 150, "amount_fen": 150}
             for i in range(lines)]
    items.append({"name": marker, "qty": 1, "unit_price_fen": 100, "amount_fen": 100})
    total = 150 * lines + 100
    tender: dict[str, Any] = {"method": method, "amount_fen": total}
    if method == "cash":
        tender |= {"tendered_fen": total + 50, "change_fen": 50}
    return {"store_name": "测试店 Test store", "till": 1, "cashier": "C01", "sale": {
        "receipt_no": receipt_no, "at": "2026-03-10T02:00:00", "lines": items,
        "subtotal_fen": total, "discount_fen": 0, "coupon_fen": 0, "points_redeemed": 0,
        "points_fen": 0, "total_fen": total, "points_earned": 0, "tenders": [tender]}}


class Recorder:
    """A status listener: every call, with the thread it came from."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = threading.Condition()

    def __call__(self, status: PrinterStatus, message: str, pending: int) -> None:
        with self._changed:
            self.events.append((status, message, pending, threading.current_thread().name))
            self._changed.notify_all()

    def wait_for(self, test: Callable[[Event], bool], timeout: float = 5.0) -> Event:
        with self._changed:
            assert self._changed.wait_for(lambda: any(map(test, self.events)), timeout), \
                self.events
            return next(e for e in self.events if test(e))

    def statuses(self) -> list[PrinterStatus]:
        with self._changed:
            return [e[0] for e in self.events]




def wait_until(test: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def is_done(queue: PrintQueue, job_id: int) -> bool:
    job = queue.job(job_id)
    return job is not None and job.status == "done"


# -- the printer that stops answering mid-receipt -----------------------------------------------

class StopsMidReceipt(NetworkPrinter):
    """A network printer that stops reading as soon as it has seen ``trigger`` (once)."""

    def __init__(self, trigger: bytes) -> None:
        super().__init__()
        self.trigger, self.stopped = trigger, threading.Event()

    def _take(self, data: bytes) -> bytes:
        answers = super()._take(data)
        if not self.stopped.is_set() and self.trigger in self.received:
            self.stopped.set()
            self.pause()
        return answers


def test_printer_that_stops_mid_receipt_never_blocks_the_counter_and_prints_once_back(
        make_queue: Callable[..., PrintQueue]) -> None:
    big = sale("S-0001", lines=2000, marker="MARK-S0001")  # ~100 KB: more than the buffers hold
    job_bytes = render("sale", {**big, CONTINUED: True})  # part of it went out: says so again
    with StopsMidReceipt(trigger=b"S-0001") as printer:
        heard = Recorder()
        queue = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        queue.on_status(heard)

        started = time.monotonic()
        first = queue.submit("sale", "S-0001", big)
        assert time.monotonic() - started < 0.2
        assert printer.stopped.wait(5)  # the printer has part of the receipt and went silent
        started = time.monotonic()  # the worker is stuck in the write: the counter is not
        second = queue.submit("sale", "S-0002", sale("S-0002", marker="MARK-S0002"))
        assert time.monotonic() - started < 0.2

        offline = heard.wait_for(lambda e: e[0] is PrinterStatus.OFFLINE)
        assert offline[2] == 2  # both receipts waiting
        assert offline[3] == "print-queue"  # told from the worker thread, never the caller's
        job = queue.job(first)
        assert job is not None
        assert job.status in ("queued", "printing")
        assert job.attempts >= 1
        wait_until(lambda: (j := queue.job(first)) is not None and j.last_error is not None)
        assert "took no data" in str(queue.job(first).last_error)  # type: ignore[union-attr]
        assert queue.status is PrinterStatus.OFFLINE
        assert [j.id for j in queue.pending()] == [first, second]
        assert printer.count(b"MARK-S0001") == 0

        printer.resume()  # the jam is cleared: retried on the queue's own backoff
        wait_until(lambda: is_done(queue, first) and is_done(queue, second))
        heard.wait_for(lambda e: e[0] is PrinterStatus.ONLINE and e[2] == 0)
        assert printer.count(job_bytes) == 1
        assert printer.count(b"MARK-S0001") == 1
        assert printer.count(b"MARK-S0002") == 1
        received = bytes(printer.received)
        assert received.index(b"MARK-S0001") < received.index(b"MARK-S0002")  # oldest first
        assert queue.pending() == []
        assert queue.job(first).printed_at is not None  # type: ignore[union-attr]


def test_printer_that_hangs_up_mid_receipt_prints_the_receipt_once_reconnected(
        make_queue: Callable[..., PrintQueue]) -> None:
    big = sale("H-0001", lines=2000, marker="MARK-H0001")

    class HangsUp(NetworkPrinter):
        def _take(self, data: bytes) -> bytes:
            answers = super()._take(data)
            if self.connections == 1 and b"H-0001" in self.received:
                self.hang_up()
            return answers

    with HangsUp() as printer:
        heard = Recorder()
        queue = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        queue.on_status(heard)
        job = queue.submit("sale", "H-0001", big)
        wait_until(lambda: is_done(queue, job))
        assert printer.count(render("sale", {**big, CONTINUED: True})) == 1  # again, whole
        assert printer.count(b"MARK-H0001") == 1
        assert printer.connections >= 2
        assert PrinterStatus.OFFLINE in heard.statuses()
        assert "lost" in str(queue.job(job).last_error)  # type: ignore[union-attr]


# -- persistence --------------------------------------------------------------------------------

def test_jobs_wait_in_the_database_for_a_later_queue(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    with NetworkPrinter() as printer:
        uri = printer.uri(timeout=0.3)
    # The printer is gone (switched off): the job waits.
    heard = Recorder()
    before = make_queue(lambda: open_printer(uri))
    before.on_status(heard)
    job = before.submit("sale", "P-0001", sale("P-0001", marker="MARK-P0001"))
    heard.wait_for(lambda e: e[0] is PrinterStatus.OFFLINE and e[2] == 1)
    assert before.stop(5)
    assert [j.id for j in before.pending()] == [job]

    with NetworkPrinter() as printer:  # the till restarts, the printer is back (elsewhere)
        after = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        wait_until(lambda: is_done(after, job))
        assert printer.count(b"MARK-P0001") == 1


def test_a_job_left_printing_by_a_crash_is_printed_at_the_next_start(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    fake = FakePrinter()
    crashed = make_queue(lambda: fake, start=False)
    job = crashed.submit("sale", "C-0001", sale("C-0001", marker="MARK-C0001"))
    with db.session() as s, s.begin():  # the till died with the job half printed
        s.execute(update(PrintJob).where(PrintJob.id == job).values(status="printing"))
    restarted = make_queue(lambda: fake)
    wait_until(lambda: is_done(restarted, job))
    assert b"MARK-C0001" in fake.received
    assert "interrupted" in str(restarted.job(job).last_error)  # type: ignore[union-attr]


# -- reprint, drawer, serial, file, null --------------------------------------------------------

def test_reprint_prints_a_marked_copy_that_does_not_open_the_drawer(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    with NetworkPrinter() as printer:
        queue = make_queue(lambda: open_printer(printer.uri()))
        original = queue.submit("sale", "R-0001", sale("R-0001", marker="MARK-R0001"))
        wait_until(lambda: is_done(queue, original))
        copy = queue.reprint("R-0001")
        wait_until(lambda: is_done(queue, copy))
        again = queue.reprint("R-0001")  # a copy of the copy still names the original
        wait_until(lambda: is_done(queue, again))
        assert printer.count(b"MARK-R0001") == 3
        assert printer.count("重印 REPRINT".encode("gb18030")) == 2
    assert queue.job(copy).copy_of == original  # type: ignore[union-attr]
    assert queue.job(again).copy_of == original  # type: ignore[union-attr]
    with db.reader() as s:
        payload = json.loads(s.get(PrintJob, copy).payload_json)  # type: ignore[union-attr]
    assert (payload["reprint"], payload["open_drawer"]) == (True, False)
    with pytest.raises(NotFound, match="No receipt NOPE"):
        queue.reprint("NOPE")


def test_a_reprinted_cash_receipt_does_not_kick_the_drawer(
        make_queue: Callable[..., PrintQueue]) -> None:
    fake = FakePrinter()
    queue = make_queue(lambda: fake)
    original = queue.submit("sale", "D-0009", sale("D-0009", method="cash"))
    copy = queue.reprint("D-0009")
    wait_until(lambda: is_done(queue, original) and is_done(queue, copy))
    assert CD_KICK_2 in fake.jobs[0]
    assert CD_KICK_2 not in fake.jobs[1]


def test_the_drawer_kick_goes_with_cash_receipts_only(
        make_queue: Callable[..., PrintQueue], db: Database) -> None:
    fake = FakePrinter()
    queue = make_queue(lambda: fake)
    cash = queue.submit("sale", "D-0001", sale("D-0001", method="cash"))
    card = queue.submit("sale", "D-0002", sale("D-0002", method="card"))
    wait_until(lambda: is_done(queue, cash) and is_done(queue, card))
    assert CD_KICK_2 in fake.jobs[0]
    assert CD_KICK_2 not in fake.jobs[1]
    with db.reader() as s:
        flags = [json.loads(s.get(PrintJob, j).payload_json)["open_drawer"]  # type: ignore
                 for j in (cash, card)]
    assert flags == [True, False]
    assert takes_cash({"topup": {"method": "cash"}})
    assert takes_cash({"refund": {"tenders": [{"method": "wallet"}, {"method": "cash"}]}})
    assert not takes_cash({"topup": {"method": "wechat"}, "member": {"name": "张三"}})


def test_serial_printer_out_of_paper_keeps_the_receipt_until_paper_is_loaded(
        make_queue: Callable[..., PrintQueue]) -> None:
    with SerialPrinter() as printer:
        printer.paper_out = True
        heard = Recorder()
        queue = make_queue(lambda: open_printer(printer.uri(timeout=0.3)))
        queue.on_status(heard)
        job = queue.submit("sale", "T-0001", sale("T-0001", marker="MARK-T0001"))
        paper_out = heard.wait_for(lambda e: e[0] is PrinterStatus.PAPER_OUT)
        assert (paper_out[1], paper_out[2]) == ("out of paper", 1)
        assert printer.count(b"MARK-T0001") == 0  # not sent into a printer that cannot print
        printer.paper_out = False
        queue.retry_now()
        wait_until(lambda: is_done(queue, job))
        assert printer.count(render("sale", sale("T-0001", marker="MARK-T0001"))) == 1


def test_file_printer_gets_exactly_the_rendered_bytes(
        make_queue: Callable[..., PrintQueue], tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    queue = make_queue(lambda: open_printer(f"file://{target}"))
    job = queue.submit("sale", "F-0001", sale("F-0001"))
    wait_until(lambda: is_done(queue, job))
    assert target.read_bytes() == render("sale", queue_payload(queue, job))


def queue_payload(queue: PrintQueue, job_id: int) -> dict[str, Any]:
    with queue._db.reader() as s:
        return dict(json.loads(s.get(PrintJob, job_id).payload_json))  # type: ignore


def test_null_printer_completes_jobs(make_queue: Callable[..., PrintQueue]) -> None:
    queue = make_queue(lambda: open_printer("null:"))
    job = queue.submit("test", "TEST", {"printer": "null:"})
    # the worker marks the job done, then reports the printer's status: wait for both
    wait_until(lambda: is_done(queue, job) and queue.status is PrinterStatus.ONLINE)


def test_preview_printer_draws_the_job(make_queue: Callable[..., PrintQueue],
                                       tmp_path: Path) -> None:
    target = tmp_path / "sale.png"
    queue = make_queue(lambda: open_printer(f"preview:{target}"))
    job = queue.submit("sale", "V-0001", sale("V-0001"))
    wait_until(lambda: is_done(queue, job))
    assert target.read_bytes().startswith(b"\x89PNG")


# -- failures that are not the printer's, and the counter's controls ----------------------------

def test_a_receipt_that_cannot_be_rendered_fails_and_the_next_one_prints(
        make_queue: Callable[..., PrintQueue]) -> None:
    fake = FakePrinter()
    queue = make_queue(lambda: fake)
    broken = queue.submit("sale", "X-0001", {"store_name": "店", "till": 1, "cashier": "C01"})
    fine = queue.submit("sale", "X-0002", sale("X-0002", marker="MARK-X0002"))
    wait_until(lambda: is_done(queue, fine))
    failed = queue.job(broken)
    assert failed is not None
    assert failed.status == "failed"
    assert "cannot render" in str(failed.last_error)
    assert [j.id for j in queue.failed()] == [broken]
    assert len(fake.jobs) == 1


def test_retry_waits_out_the_backoff_unless_asked(make_queue: Callable[..., PrintQueue]) -> None:
    fake = FakePrinter()
    fake.go_offline()
    heard = Recorder()
    queue = make_queue(lambda: fake, retry_seconds=30, max_retry_seconds=60)
    queue.on_status(heard)
    job = queue.submit("sale", "B-0001", sale("B-0001"))
    heard.wait_for(lambda e: e[0] is PrinterStatus.OFFLINE)
    fake.recover()
    time.sleep(0.3)
    assert queue.job(job).status == "queued"  # type: ignore[union-attr]
    assert queue.job(job).attempts == 1  # type: ignore[union-attr]
    queue.retry_now()  # the cashier presses "retry"
    wait_until(lambda: is_done(queue, job))
    assert queue.job(job).attempts == 2  # type: ignore[union-attr]


def test_a_cancelled_job_is_not_printed_but_can_be_reprinted(
        make_queue: Callable[..., PrintQueue]) -> None:
    fake = FakePrinter()
    queue = make_queue(lambda: fake, start=False)
    job = queue.submit("sale", "K-0001", sale("K-0001", marker="MARK-K0001"))
    assert queue.cancel(job)
    assert not queue.cancel(job)
    copy = queue.reprint("K-0001")
    queue.start()
    wait_until(lambda: is_done(queue, copy))
    assert len(fake.jobs) == 1
    assert queue.job(job).status == "failed"  # type: ignore[union-attr]


def test_an_idle_queue_watches_the_printer_and_greets_new_listeners(
        make_queue: Callable[..., PrintQueue]) -> None:
    fake = FakePrinter()
    queue = make_queue(lambda: fake, poll_seconds=0.05)
    early = Recorder()
    queue.on_status(early)
    early.wait_for(lambda e: e[0] is PrinterStatus.ONLINE and e[2] == 0)
    fake.run_out_of_paper()  # no receipt in sight: the counter still learns of it
    early.wait_for(lambda e: e[0] is PrinterStatus.PAPER_OUT)
    late = Recorder()
    unsubscribe = queue.on_status(late)
    assert late.wait_for(lambda e: True)[0] is PrinterStatus.PAPER_OUT
    unsubscribe()
    fake.recover()
    wait_until(lambda: early.statuses() == [PrinterStatus.ONLINE, PrinterStatus.PAPER_OUT,
                                            PrinterStatus.ONLINE])
    assert late.statuses() == [PrinterStatus.PAPER_OUT]


def test_a_broken_printer_setting_is_reported_and_can_be_replaced(
        make_queue: Callable[..., PrintQueue]) -> None:
    heard = Recorder()
    queue = make_queue(lambda: open_printer("lpt1"))
    queue.on_status(heard)
    job = queue.submit("sale", "U-0001", sale("U-0001"))
    error = heard.wait_for(lambda e: e[0] is PrinterStatus.ERROR)
    assert "printer setting: unknown printer 'lpt1'" in error[1]
    fake = FakePrinter()
    queue.use_printer(lambda: fake)
    wait_until(lambda: is_done(queue, job))
    assert len(fake.jobs) == 1


def test_bad_jobs_are_refused_at_submit(make_queue: Callable[..., PrintQueue]) -> None:
    queue = make_queue(lambda: FakePrinter(), start=False)
    with pytest.raises(ValueError, match="plain JSON"):
        queue.submit("sale", "J-0001", {"at": time})
    with pytest.raises(ValueError, match="reference"):
        queue.submit("sale", "", {})
    assert queue.pending() == []


def test_a_driver_that_fails_oddly_keeps_the_job_queued(
        make_queue: Callable[..., PrintQueue]) -> None:
    class Odd(FakePrinter):
        broken = True

        def write(self, data: bytes, timeout: float | None = None) -> None:
            if self.broken:
                raise RuntimeError("driver bug")
            super().write(data, timeout)

    odd = Odd()
    heard = Recorder()
    queue = make_queue(lambda: odd, retry_seconds=30, max_retry_seconds=60)
    queue.on_status(heard)
    job = queue.submit("sale", "O-0001", sale("O-0001"))
    error = heard.wait_for(lambda e: e[0] is PrinterStatus.ERROR)
    assert "driver bug" in error[1]
    assert queue.job(job).status == "queued"  # type: ignore[union-attr]
    odd.broken = False
    queue.retry_now()
    wait_until(lambda: is_done(queue, job))
