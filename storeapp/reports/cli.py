"""``storeapp report …`` and ``storeapp shift …``: every report to the screen, ``--json``,
``--csv PATH`` and ``--pdf PATH``; shift open, X, close and Z.

The CLI acts with the rights of whoever can open the database file (an administrator at the
till); exports and full phone numbers are still written to the audit log.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from storeapp.clock import STORE_TZ
from storeapp.db import Database
from storeapp.errors import InvalidInput
from storeapp.money import parse_yuan
from storeapp.reports import access, daily, insight, liability, shift_report, staff
from storeapp.reports.model import Facts, Lang, Report, format_value
from storeapp.services import shifts

Sub = Any


def register(sub: Sub, db: Any) -> None:
    """``db`` opens the command's database from its parsed arguments."""
    p = sub.add_parser("report", help="manager reports (daily, liability, RFM, members, staff)")
    rsub = p.add_subparsers(dest="report", required=True)
    d = rsub.add_parser("daily", help="sales, tenders, stored value, points, members")
    # Dates and times are parsed in the handler, not by argparse's ``type=``: argparse lets an
    # InvalidInput raised there escape as a traceback instead of the JSON error (code bad_date).
    d.add_argument("--date", help="store-local day YYYY-MM-DD (default today)")
    d.add_argument("--to", help="last day of a date range (inclusive)")
    _outputs(d)
    d.set_defaults(handler=lambda a: _emit(a, db(a), daily.daily(
        db(a), _date(a.date), _date(a.to))))
    li = rsub.add_parser("liability", help="stored value owed to members as of a moment")
    li.add_argument("--at", help="store-local YYYY-MM-DDTHH:MM:SS (default now)")
    _outputs(li)
    li.set_defaults(handler=lambda a: _emit(a, db(a), liability.liability(
        db(a), _local_time(a.at))))
    r = rsub.add_parser("rfm", help="RFM segments over 12 months, with a segment's members")
    r.add_argument("--segment", choices=sorted(insight.SEGMENT_LABELS))
    r.add_argument("--limit", type=int, default=insight.LIST_LIMIT)
    r.add_argument("--full-phones", action="store_true", help="show whole phone numbers "
                   "(written to the audit log)")
    _outputs(r)
    r.set_defaults(handler=lambda a: _emit(a, db(a), insight.rfm(
        db(a), segment=a.segment, limit=a.limit, full_phones=a.full_phones)))
    w = rsub.add_parser("members", help="not seen for 90 days, birthdays this week, near the "
                        "next tier")
    w.add_argument("--limit", type=int, default=insight.LIST_LIMIT)
    w.add_argument("--full-phones", action="store_true")
    _outputs(w)
    w.set_defaults(handler=lambda a: _emit(a, db(a), insight.watchlists(
        db(a), limit=a.limit, full_phones=a.full_phones)))
    st = rsub.add_parser("staff", help="staff members' purchases, staff discount used and the "
                         "monthly cap left")
    st.add_argument("--month", help="store-local month YYYY-MM (default this month)")
    _outputs(st)
    st.set_defaults(handler=lambda a: _emit(a, db(a), staff.staff(db(a), _month(a.month))))

    p = sub.add_parser("shift", help="open a shift, X report, close with counted cash (Z)")
    ssub = p.add_subparsers(dest="shift", required=True)
    o = ssub.add_parser("open", help="open the till's shift with a cash float")
    o.add_argument("--float", dest="float_yuan", required=True)
    o.add_argument("--key")
    o.set_defaults(handler=lambda a: shifts.open_shift(
        db(a), parse_yuan(a.float_yuan, allow_zero=True), actor=a.actor, key=a.key))
    x = ssub.add_parser("x", help="the open shift's figures so far")
    _outputs(x)
    x.set_defaults(handler=lambda a: _emit(a, db(a), shift_report.build(
        db(a), shifts.x_report(db(a)))))
    c = ssub.add_parser("close", help="close with the counted cash; makes the Z report")
    c.add_argument("--counted", required=True)
    c.add_argument("--key")
    _outputs(c)
    c.set_defaults(handler=lambda a: _emit(a, db(a), shift_report.build(
        db(a), shifts.close_shift(db(a), parse_yuan(a.counted, allow_zero=True),
                                  actor=a.actor, key=a.key))))
    z = ssub.add_parser("z", help="a Z report as it was made")
    z.add_argument("z_no", type=int)
    _outputs(z)
    z.set_defaults(handler=lambda a: _emit(a, db(a), shift_report.build(
        db(a), shifts.z_report(db(a), a.z_no))))


def report_outputs(p: argparse.ArgumentParser) -> None:
    """``--csv``, ``--pdf`` and ``--lang`` for a command that shows a report."""
    _outputs(p)


def emit_report(a: argparse.Namespace, db: Database, report: Report) -> Any:
    """Show ``report`` as every report command does (screen or ``--json``, CSV, PDF)."""
    return _emit(a, db, report)


def _outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--csv", type=Path, help="also write the report as CSV (UTF-8 with BOM)")
    p.add_argument("--pdf", type=Path, help="also write the report as PDF")
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="language of the CSV/PDF and the screen (default zh)")


def _emit(a: argparse.Namespace, db: Database, report: Report) -> Any:
    from storeapp.reports import export

    if getattr(a, "full_phones", False):
        access.record_phones_shown(db, report, actor=a.actor)
    written = {}
    for fmt, path in (("csv", a.csv), ("pdf", a.pdf)):
        if path is None:
            continue
        if fmt == "csv":
            export.write_csv(report, path, a.lang)
        else:
            export.write_pdf(report, path, a.lang)
        access.record_export(db, report, fmt, path, actor=a.actor)
        written[fmt] = str(path)
    if a.json:
        return {**report.to_dict(), **({"written": written} if written else {})}
    _print_text(report, a.lang)
    for fmt, path in written.items():
        print(f"{fmt.upper()}: {path}")
    return None


def _print_text(report: Report, lang: str) -> None:
    lg: Lang = "en" if lang == "en" else "zh"
    print(f"{report.title(lg)}  {report.period}  ({report.store_code})")
    for section in report.sections:
        print(f"\n[{section.title(lg)}]")
        if isinstance(section, Facts):
            for f in section.items:
                print(f"  {f.label(lg)}: {format_value(f.value, f.kind, lg)}")
            continue
        print("  " + " | ".join(c.label(lg) for c in section.columns))
        for row in [*section.rows, *([section.total] if section.total else [])]:
            print("  " + " | ".join(format_value(row.get(c.key), c.kind, lg)
                                    for c in section.columns))


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("bad_date", f"{text!r} is not a date like 2026-03-10",
                           text=text) from None


def _month(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        return staff.month_of(text)
    except ValueError:
        raise InvalidInput("bad_date", f"{text!r} is not a month like 2026-03", variant="month",
                           text=text) from None


def _local_time(text: str | None) -> dt.datetime | None:
    """A store-local wall time as the naive UTC the ledgers use."""
    if text is None:
        return None
    try:
        local = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("bad_time", f"{text!r} is not a time like 2026-03-10T18:00:00",
                           text=text) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=STORE_TZ)
    return local.astimezone(dt.UTC).replace(tzinfo=None)
