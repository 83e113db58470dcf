"""Print jobs for the command line and the counter's X slip: a receipt from a stored sale or a
member (what a reprint prints when no earlier job holds the original), the shift slips, a
printer test page, and a one-off print.

An action's own receipt is not made here: it is written in the action's transaction, from the
action's result (:mod:`storeapp.receipt_jobs`), and the print queue prints it. Payloads hold
masked member fields only: they are stored in ``print_jobs`` and a reprint needs nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devices import escpos_out, print_queue, receipts
from devices.print_queue import Renderer
from devices.printers import PrinterError, PrinterPort, PrinterStatus, open_printer
from devices.profiles import PaperProfile, get_profile
from devices.text import Encoding, get_encoding
from storeapp import receipt_jobs
from storeapp.db import Database
from storeapp.errors import InvalidInput, Param, Refused
from storeapp.receipt_jobs import Payload, job_ref, shift_ref

TEST_REF = "printer-test"


def sale_payload(db: Database, receipt_no: str, *, cashier: str) -> Payload:
    """A sale's receipt from the sale as stored (:func:`storeapp.receipt_jobs.stored_sale`)."""
    return receipt_jobs.stored_sale(db, receipt_no, cashier=cashier)


def registration_payload(db: Database, member_ref: str, *, cashier: str) -> Payload:
    """A member card slip (:func:`storeapp.receipt_jobs.member_card`)."""
    return receipt_jobs.member_card(db, member_ref, cashier=cashier)


def shift_payload(db: Database, report: Mapping[str, Any], cashier: str) -> Payload:
    """The ``z`` receipt payload of an X report (mid-shift) or a Z report (the close)."""
    return receipt_jobs.shift_payload(db.settings, report, cashier)


def test_payload(uri: str, profile: str, encoding: str) -> Payload:
    """A printer test page naming the printer, profile and encoding it was printed with."""
    return {"printer": uri, "profile": profile, "encoding": encoding}


def renderer(profile: str | PaperProfile, encoding: str | Encoding) -> Renderer:
    """The print queue's renderer for a printer: receipt model, then ESC/POS bytes."""
    paper, enc = get_profile(profile), get_encoding(encoding)

    def render(kind: str, payload: dict[str, Any]) -> bytes:
        return escpos_out.render(receipts.build(kind, payload), paper, enc)

    return render


class PrintFailed(Refused):
    """The printer did not take the job: ``code`` is ``printer_offline``, ``paper_out`` or
    ``printer_error``; ``job_id`` is the stored job (still queued for a receipt)."""

    def __init__(self, code: str, message: str, job_id: int, *, variant: str = "",
                 **params: Param) -> None:
        super().__init__(code, message, variant=variant, job_id=job_id, **params)
        self.job_id = job_id


def print_now(db: Database, kind: str, ref: str, payload: Mapping[str, Any], uri: str,
              profile: str, encoding: str, *, copy_of: int | None = None) -> dict[str, Any]:
    """Print one job at once on the caller's thread, with no worker (the CLI, a settings
    screen's test button: call it off the GUI thread); returns what was printed where.

    The job is stored and claimed in one transaction, printed, then marked done; older queued
    jobs for the same receipt are then dropped (it has printed). A bad printer, profile or
    encoding raises :class:`~storeapp.errors.InvalidInput` before anything is stored. A printer
    that fails raises :class:`PrintFailed`: a receipt stays queued with the reason, for the
    till's print queue to print when the printer is back; a test page or a preview is marked
    failed instead (no one wants it later). A payload that cannot be rendered is marked failed
    and raises ``Refused("unprintable")``. ``copy_of`` names the original job of a reprint (it
    then says "重印 REPRINT" and never opens the drawer).
    """
    paper, enc, port = _target(uri, profile, encoding)
    with db.session() as s, s.begin():
        job_id = print_queue.add_job(s, kind, ref, payload, now=db.clock.now(), copy_of=copy_of)
        job = print_queue.claim(s, job_id)
    assert job is not None  # added and claimed in one transaction
    result: dict[str, Any] = {"job_id": job_id, "kind": kind, "ref": ref,
                              "copy": copy_of is not None, "printer": uri,
                              "profile": paper.name, "encoding": enc.name}
    try:
        status = print_queue.send(port, job, renderer(paper, enc), port.timeout)
    except print_queue.Unprintable as e:
        with db.session() as s, s.begin():
            print_queue.mark_failed(s, job_id, str(e))
        raise Refused("unprintable", f"Print job {job_id}: {e}", job_id=job_id,
                      detail=str(e)) from None
    except PrinterError as e:
        raise _failed(db, job, port, e) from None
    finally:
        port.close()
    with db.session() as s, s.begin():
        print_queue.mark_done(s, job_id, db.clock.now())
        superseded = print_queue.supersede(s, job_id)
    return {**result, "status": status.value, "detail": port.detail or "ready",
            "superseded_jobs": superseded}


# -- helpers --------------------------------------------------------------------------------------

_ERROR_CODES = {PrinterStatus.OFFLINE: "printer_offline", PrinterStatus.PAPER_OUT: "paper_out",
                PrinterStatus.ERROR: "printer_error", PrinterStatus.UNKNOWN: "printer_offline"}


def _target(uri: str, profile: str,
            encoding: str) -> tuple[PaperProfile, Encoding, PrinterPort]:
    """The printer a one-off print goes to, every part checked before anything is stored."""
    try:
        paper = get_profile(profile)
    except ValueError as e:
        raise InvalidInput("bad_profile", _sentence(e), detail=str(e)) from None
    try:
        enc = get_encoding(encoding)
    except ValueError as e:
        raise InvalidInput("bad_encoding", _sentence(e), detail=str(e)) from None
    try:
        port = open_printer(uri, profile=paper.name, encoding=enc.name)  # no I/O yet
    except ValueError as e:
        raise InvalidInput("bad_printer", _sentence(e), detail=str(e)) from None
    return paper, enc, port


def _failed(db: Database, job: print_queue.ClaimedJob, port: PrinterPort,
            error: PrinterError) -> PrintFailed:
    keep = job.kind != "test" and not port.wants_receipt
    with db.session() as s, s.begin():
        if keep:
            print_queue.requeue(s, job.id, error.message, continued=error.partial)
        else:
            print_queue.mark_failed(s, job.id, error.message)
    then = (f"the receipt is kept as print job {job.id} and prints when the till's printer is "
            "back" if keep else "nothing was kept to print later")
    return PrintFailed(_ERROR_CODES[error.status], f"The printer failed: {error.message}; {then}",
                       job.id, variant="kept" if keep else "dropped", detail=error.message)


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:]


__all__ = ["TEST_REF", "PrintFailed", "job_ref", "print_now", "registration_payload",
           "renderer", "sale_payload", "shift_payload", "shift_ref", "test_payload"]
