"""The printing commands the devices package adds to ``storeapp`` (entry point group
``storeapp.commands``): ``receipt print``, ``receipt preview``, ``printer test``, ``shift print``
and ``member card``.

Each prints one job at once through :func:`devices.jobs.print_now`; ``--printer``,
``--profile`` and ``--encoding`` default to the till's ``printer_*`` settings. A printer that
cannot be reached is a ``Refused`` error (the CLI prints ``{"error", "message"}`` and exits 1).
Heavy imports (python-escpos, Pillow) wait for a printing command, so every other ``storeapp``
command starts as fast as without this plugin.
"""

from __future__ import annotations

import argparse
from typing import Any

from storeapp import receipt_jobs
from storeapp.commands import db_of
from storeapp.errors import InvalidInput, Refused

Sub = Any  # argparse's private _SubParsersAction


def register(sub: Sub) -> None:
    """Add the printing commands to the ``storeapp`` parser's subcommands."""
    receipt = sub.add_parser("receipt", help="print receipts")
    actions = receipt.add_subparsers(title="receipt commands", metavar="ACTION", required=True)
    p = actions.add_parser("print", help="print a sale's receipt by its number (a copy if it "
                                         "was printed before)")
    p.add_argument("receipt_no", metavar="RECEIPT_NO", help="e.g. R0001010000001")
    _printer_args(p)
    p.set_defaults(handler=_receipt_print)
    p = actions.add_parser("preview", help="draw a sale's receipt as a PNG exactly as a printer "
                                           "in --encoding prints it (nothing is printed)")
    p.add_argument("receipt_no", metavar="RECEIPT_NO", help="e.g. R0001010000001")
    p.add_argument("--out", metavar="PATH.png", required=True, help="the PNG to write")
    _printer_args(p, printer=False)
    p.set_defaults(handler=_receipt_preview)

    printer = sub.add_parser("printer", help="receipt printer checks")
    actions = printer.add_subparsers(title="printer commands", metavar="ACTION", required=True)
    p = actions.add_parser("test", help="print a test page: every encoding, a ruler, a QR")
    _printer_args(p)
    p.set_defaults(handler=_printer_test)

    p = subcommands(sub, "shift").add_parser(
        "print", help="print the open shift's X report, or Z report N (a copy)")
    p.add_argument("z_no", nargs="?", type=int, metavar="Z_NO", help="default: X of the open shift")
    _printer_args(p)
    p.set_defaults(handler=_shift_print)

    p = subcommands(sub, "member").add_parser(
        "card", help="print the member's card slip with their QR code")
    p.add_argument("member", help="member id, card number, phone or QR")
    _printer_args(p)
    p.set_defaults(handler=_member_card)


def subcommands(sub: Sub, name: str) -> Sub:
    """The subcommands of the core's ``name`` command group, to add a command to it.

    argparse has no public way back from a parser to its subparsers, so this looks for the
    ``_SubParsersAction`` among the group's actions (``_actions``: private, but stable since
    Python 3.2). The core registers its commands before any plugin, so a missing group is a
    programming error, and says so.
    """
    group = sub.choices.get(name)
    found = [a for a in getattr(group, "_actions", ())
             if isinstance(a, argparse._SubParsersAction)]
    if len(found) != 1:
        raise RuntimeError(f"devices.cli: the core CLI has no '{name}' command group to extend")
    return found[0]


# -- handlers -------------------------------------------------------------------------------------

def _receipt_print(a: argparse.Namespace) -> dict[str, Any]:
    _need_printing()
    from devices import jobs, print_queue

    db = db_of(a)
    uri, profile, encoding = _printer(a)
    ref = a.receipt_no.strip().upper()
    with db.reader() as s:
        before = print_queue.previous(s, "sale", ref)
    if before is not None:  # what it printed then: balance and tier progress as they were
        payload = before.payload
    else:
        payload = jobs.sale_payload(db, ref, cashier=a.actor)  # NotFound: no such sale
        ref = jobs.job_ref("sale", payload)
    copy_of = before.printed_job if before is not None else None
    # The sale is long over: a printed receipt never opens the drawer again. It says REPRINT
    # exactly when it is a copy (add_job marks copies; an unprinted job's payload may say so).
    payload = {**payload, print_queue.OPEN_DRAWER: False}
    if copy_of is None:
        payload.pop(print_queue.REPRINT, None)
    return jobs.print_now(db, "sale", ref, payload, uri, profile, encoding, copy_of=copy_of)


def _receipt_preview(a: argparse.Namespace) -> dict[str, Any]:
    """The receipt as :func:`devices.preview.save_png` draws it for the printer's encoding: the
    payload a reprint would use (as printed before, else the stored sale); nothing is queued."""
    _need_printing()
    from devices import jobs, preview, print_queue, receipts
    from devices.profiles import get_profile
    from devices.text import get_encoding

    db = db_of(a)
    settings = db.settings
    try:
        paper = get_profile(a.profile or settings.printer_profile)
    except ValueError as e:
        raise InvalidInput("bad_profile", str(e), detail=str(e)) from None
    try:
        enc = get_encoding(a.encoding or settings.printer_encoding)
    except ValueError as e:
        raise InvalidInput("bad_encoding", str(e), detail=str(e)) from None
    if not a.out.lower().endswith(".png"):
        detail = f"the preview is a PNG: give --out PATH.png, not {a.out}"
        raise InvalidInput("bad_printer", detail[:1].upper() + detail[1:], detail=detail)
    ref = a.receipt_no.strip().upper()
    with db.reader() as s:
        before = print_queue.previous(s, "sale", ref)
    payload = before.payload if before is not None else jobs.sale_payload(db, ref,
                                                                          cashier=a.actor)
    path = preview.save_png(receipts.build("sale", payload), paper, a.out, enc)
    return {"receipt_no": ref, "preview": str(path), "profile": paper.name,
            "encoding": enc.name}


def _printer_test(a: argparse.Namespace) -> dict[str, Any]:
    _need_printing()
    from devices import jobs

    db = db_of(a)
    uri, profile, encoding = _printer(a)
    payload = {**receipt_jobs.store_fields(db.settings, a.actor),
               **jobs.test_payload(uri, profile, encoding)}
    return jobs.print_now(db, "test", jobs.TEST_REF, payload, uri, profile, encoding)


def _shift_print(a: argparse.Namespace) -> dict[str, Any]:
    _need_printing()
    from devices import jobs

    db = db_of(a)
    uri, profile, encoding = _printer(a)
    report = receipt_jobs.shift_report(db, a.z_no)
    payload = jobs.shift_payload(db, report, a.actor)
    return jobs.print_now(db, "z", jobs.shift_ref(report), payload, uri, profile, encoding)


def _member_card(a: argparse.Namespace) -> dict[str, Any]:
    _need_printing()
    from devices import jobs

    db = db_of(a)
    uri, profile, encoding = _printer(a)
    payload = jobs.registration_payload(db, a.member, cashier=a.actor)
    return jobs.print_now(db, "registration", jobs.job_ref("registration", payload), payload,
                          uri, profile, encoding)


# -- shared ---------------------------------------------------------------------------------------

def _printer_args(p: argparse.ArgumentParser, *, printer: bool = True) -> None:
    if printer:
        p.add_argument("--printer", metavar="URI",
                       help="tcp://HOST:9100, usb://VID:PID, serial:///dev/ttyUSB0?baud=9600, "
                            "file:///dev/usb/lp0, cups://NAME or preview:PATH.png "
                            "(default: setting printer_uri)")
    p.add_argument("--profile", metavar="NAME",
                   help="58mm, 80mm or a python-escpos printer model (default: setting "
                        "printer_profile)")
    p.add_argument("--encoding", metavar="ENC",
                   help="gb18030, gbk, big5, utf-8 or a code page such as cp437 (default: "
                        "setting printer_encoding); labels print in Traditional Chinese under "
                        "big5 and in English on a code page")


def _need_printing() -> None:
    """A clear error where the ``devices`` extra is not installed: this plugin comes with every
    install of storeapp, python-escpos and Pillow only with that extra."""
    try:
        import devices.jobs  # noqa: F401
    except ModuleNotFoundError as e:
        raise Refused("printing_not_installed", f"Printing needs {e.name}: pip install "
                      "'storeapp[devices]'", module=str(e.name)) from None


def _printer(a: argparse.Namespace) -> tuple[str, str, str]:
    """URI, profile and encoding: the options, else the till's settings."""
    settings = db_of(a).settings
    uri = a.printer if a.printer is not None else settings.printer_uri
    if a.printer is None and uri.strip() in ("", "null:"):
        raise InvalidInput("no_printer", "This till has no receipt printer set up: give "
                           "--printer URI, or set it with: storeapp settings printer_uri URI")
    return (uri, a.profile or settings.printer_profile,
            a.encoding or settings.printer_encoding)
