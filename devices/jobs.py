"""Print jobs from what the core returns: the one place that turns a service result into a
receipt payload (for the counter's print queue and the CLI), and a one-off print for the CLI.

The counter, on its worker thread::

    payload = jobs.payload_for(db, "sale", checkout_result, cashier)
    queue.submit("sale", jobs.job_ref("sale", payload), payload)

Payloads hold masked member fields only (:func:`devices.receipts.member_fields`): they are stored
in ``print_jobs`` and a reprint needs nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from devices import escpos_out, print_queue, receipts
from devices.print_queue import Renderer
from devices.printers import PrinterError, PrinterPort, PrinterStatus, open_printer
from devices.profiles import PaperProfile, get_profile
from devices.text import Encoding, get_encoding
from storeapp.db import Database
from storeapp.errors import InvalidInput, Param, Refused
from storeapp.services import members, sales, shifts

Payload = dict[str, Any]

#: Receipt kinds made from a service result (``z`` and ``test`` are made elsewhere).
KINDS = ("sale", "topup", "refund", "void", "registration")
#: ``print_jobs.ref`` prefixes: a sale's ref is its receipt number and a top-up's its key, as
#: the cashier reads them off the receipt; the others are prefixed so a reprint by receipt
#: number finds the sale, not its refund slip.
REF_PREFIX = {"refund": "refund:", "void": "void:", "registration": "card:"}
TEST_REF = "printer-test"


def payload_for(db: Database, kind: str, data: Mapping[str, Any], cashier: str) -> Payload:
    """The payload of a ``kind`` receipt (one of :data:`KINDS`) for what its service returned:
    ``sale`` :func:`~storeapp.services.sales.checkout`, ``topup``
    :func:`~storeapp.services.wallet.topup`, ``refund`` :func:`~storeapp.services.sales.refund`,
    ``void`` :func:`~storeapp.services.wallet.void_topup`, ``registration`` the new member (a
    :class:`~storeapp.services.members.MemberView` dict, or any dict with ``member_id``).
    Reads the database: call it off the GUI thread."""
    if kind == "registration":
        return registration_payload(db, str(data["member_id"]), cashier=cashier)
    build = _BY_KIND.get(kind)
    if build is None:
        raise ValueError(f"no receipt payload for '{kind}': use one of {', '.join(KINDS)}")
    return build(db, data, cashier=cashier)


def job_ref(kind: str, payload: Mapping[str, Any]) -> str:
    """The ``print_jobs.ref`` for a payload made here: what a reprint looks it up by."""
    key = {"sale": ("sale", "receipt_no"), "topup": ("topup", "topup_key"),
           "refund": ("refund", "receipt_no"), "void": ("void", "topup_key"),
           "registration": ("member", "card_no")}.get(kind)
    if key is None:
        return TEST_REF if kind == "test" else kind
    return REF_PREFIX.get(kind, "") + str(payload[key[0]][key[1]])


def sale_payload(db: Database, sale: Mapping[str, Any] | str, *, cashier: str) -> Payload:
    """A sale receipt from :func:`~storeapp.services.sales.checkout`'s result, or from a receipt
    number (the sale as stored, with the cashier who made it). Only checkout knows the member's
    balance, points and tier progress after the sale, so a receipt made from a number leaves
    those lines out rather than print today's figures as the sale's."""
    if isinstance(sale, str):
        sale = sales.get_sale(db, sale)
        cashier = str(sale.get("cashier") or cashier)
    payload: Payload = {**receipts.store_fields(db.settings, cashier), "sale": _result(sale)}
    if sale.get("member_id"):
        payload["member"] = _member(db, sale["member_id"])
        payload["tier_names"] = receipts.tier_names(db.settings)
    return payload


def topup_payload(db: Database, topup: Mapping[str, Any], *, cashier: str) -> Payload:
    """A top-up slip from :func:`~storeapp.services.wallet.topup`'s result, printed now."""
    return {**receipts.store_fields(db.settings, cashier), "topup": _result(topup),
            "member": _member(db, topup["member_id"]), "at": _now(db)}


def refund_payload(db: Database, refund: Mapping[str, Any], *, cashier: str) -> Payload:
    """A refund slip from :func:`~storeapp.services.sales.refund`'s result."""
    payload: Payload = {**receipts.store_fields(db.settings, cashier), "refund": _result(refund)}
    if refund.get("member_id"):
        payload["member"] = _member(db, refund["member_id"])
    return payload


def void_payload(db: Database, void: Mapping[str, Any], *, cashier: str) -> Payload:
    """A top-up void slip from :func:`~storeapp.services.wallet.void_topup`'s result, with the
    member's balance after the void (read now, right after it)."""
    return {**receipts.store_fields(db.settings, cashier), "void": _result(void),
            "member": _member(db, void["member_id"]), "at": _now(db)}


def registration_payload(db: Database, member_ref: str, *, cashier: str) -> Payload:
    """A registration slip with the member's QR, for a member id, card number, phone or QR."""
    member = members.get(db, member_ref)
    if member.status == "closed":
        raise Refused("member_closed", "This membership is closed: no member card to print",
                      variant="card")
    return {**receipts.store_fields(db.settings, cashier),
            "member": receipts.member_fields(member), "at": member.created_at}


def shift_payload(db: Database, report: Mapping[str, Any], cashier: str) -> Payload:
    """The ``z`` receipt payload of an X report (mid-shift) or a Z report (the close), as
    :mod:`storeapp.services.shifts` returns them."""
    payload: Payload = {**receipts.store_fields(db.settings, cashier), "at": report["at"],
                        "business_date": report["business_date"],
                        **shifts.receipt_rows(dict(report))}
    if report["kind"] == "x":
        payload["title"] = "X 报表 X report"
    return payload


def shift_ref(report: Mapping[str, Any]) -> str:
    """The ``print_jobs.ref`` of a shift slip: ``z:TT-NNNNN`` as the Z number reads, or
    ``x:SHIFT`` (a newer X of the same shift supersedes an older one still queued)."""
    if report["kind"] == "z":
        return f"z:{report['till_no']:02d}-{report['z_no']:05d}"
    return f"x:{report['shift_id']}"


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
        port = open_printer(uri, profile=paper.name)  # no I/O yet
    except ValueError as e:
        raise InvalidInput("bad_printer", _sentence(e), detail=str(e)) from None
    return paper, enc, port


def _failed(db: Database, job: print_queue.ClaimedJob, port: PrinterPort,
            error: PrinterError) -> PrintFailed:
    keep = job.kind != "test" and not port.wants_receipt
    with db.session() as s, s.begin():
        if keep:
            print_queue.requeue(s, job.id, error.message)
        else:
            print_queue.mark_failed(s, job.id, error.message)
    then = (f"the receipt is kept as print job {job.id} and prints when the till's printer is "
            "back" if keep else "nothing was kept to print later")
    return PrintFailed(_ERROR_CODES[error.status], f"The printer failed: {error.message}; {then}",
                       job.id, variant="kept" if keep else "dropped", detail=error.message)


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:]


def _member(db: Database, member_id: str) -> dict[str, Any]:
    return receipts.member_fields(members.get(db, member_id))


def _result(result: Mapping[str, Any]) -> dict[str, Any]:
    """A service result as a payload part: plain JSON, without a full ``member`` some callers
    attach (the CLI's top-up does), which must not be stored unmasked."""
    data = {k: v for k, v in result.items() if k != "member"}
    return dict(json.loads(json.dumps(data, ensure_ascii=False, default=str)))


def _now(db: Database) -> str:
    return db.clock.now().isoformat()


_BY_KIND: dict[str, Callable[..., Payload]] = {
    "sale": sale_payload, "topup": topup_payload, "refund": refund_payload, "void": void_payload,
}
