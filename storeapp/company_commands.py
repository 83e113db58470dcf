"""The CLI's commands for company accounts (企业会员, 月结): ``storeapp company add|charge|pay|
statement|show|list``."""

from __future__ import annotations

import argparse
from typing import Any

from storeapp.commands import Sub, db_of
from storeapp.errors import InvalidInput
from storeapp.money import parse_yuan
from storeapp.reports import company_statement, staff
from storeapp.reports.cli import emit_report, report_outputs
from storeapp.services import companies


def register(sub: Sub) -> None:
    p = sub.add_parser("company", help="company accounts: credit, sales on account, statements")
    csub = p.add_subparsers(title="company commands", metavar="ACTION", required=True)
    a = csub.add_parser("add", help="open a company account")
    a.add_argument("code", help="what a sale on account names, e.g. ACME")
    a.add_argument("--name", required=True)
    a.add_argument("--contact", help="the contact's name")
    a.add_argument("--phone", help="the contact's phone")
    a.add_argument("--limit", required=True, help="credit limit, yuan")
    a.add_argument("--terms", type=int, default=30, help="payment terms in days (default 30)")
    a.add_argument("--key")
    a.set_defaults(handler=lambda a: companies.add(
        db_of(a), code=a.code, name=a.name, contact_name=a.contact, contact_phone=a.phone,
        credit_limit_fen=parse_yuan(a.limit, allow_zero=True), terms_days=a.terms,
        actor=a.actor, key=a.key))
    c = csub.add_parser("charge", help="a sale of AMOUNT put on the company's account")
    c.add_argument("code")
    c.add_argument("amount", help="yuan")
    c.add_argument("--member", help="the member buying, if any")
    c.add_argument("--key")
    c.set_defaults(handler=lambda a: companies.charge(
        db_of(a), a.code, parse_yuan(a.amount), member_ref=a.member, actor=a.actor, key=a.key))
    y = csub.add_parser("pay", help="a payment received from the company")
    y.add_argument("code")
    y.add_argument("amount", help="yuan")
    y.add_argument("--method", default="transfer", choices=companies.PAY_METHODS)
    y.add_argument("--ref", help="the bank transfer's reference (required for a transfer)")
    y.add_argument("--key")
    y.set_defaults(handler=lambda a: companies.pay(
        db_of(a), a.code, parse_yuan(a.amount), method=a.method, ref=a.ref, actor=a.actor,
        key=a.key))
    s = csub.add_parser("statement", help="a month's statement (CSV/PDF with --csv/--pdf)")
    s.add_argument("code")
    s.add_argument("--month", help="store-local month YYYY-MM (default this month)")
    report_outputs(s)
    s.set_defaults(handler=_statement)
    w = csub.add_parser("show", help="a company's account: balance, credit left, overdue")
    w.add_argument("code")
    w.set_defaults(handler=lambda a: companies.show(db_of(a), a.code))
    ls = csub.add_parser("list", help="every company account")
    ls.set_defaults(handler=lambda a: {"companies": companies.list_(db_of(a))})


def _statement(a: argparse.Namespace) -> Any:
    db = db_of(a)
    if a.month is None:
        today = db.clock.local_date()
        month = (today.year, today.month)
    else:
        try:
            month = staff.month_of(a.month)
        except ValueError:
            raise InvalidInput("bad_date", f"{a.month!r} is not a month like 2026-03",
                               variant="month", text=a.month) from None
    return emit_report(a, db, company_statement.statement(db, a.code, month))
