"""Company accounts (企业会员, 月结): a company buys on account up to its credit limit and pays
within its terms (e.g. 30 days), by bank transfer (with the transfer's reference) or at the till.

A sale on account is a sale's ``account`` tender naming the company (:func:`take`, called from
:mod:`storeapp.services.sales`); its refund gives the charge back as a negative charge
(:func:`give_back`). A charge is refused when the balance would pass the credit limit, or while
the company is **overdue**: some charge older than its terms is not yet covered by payments
(payments cover the oldest charges first). The journal (``company_entries``: charge +,
payment -) is append-only and adds up to each company's balance, what it owes; their sum is the
store's company receivables (企业应收). A charge is not money in the drawer; a payment is
journalled with the till's payments (kind ``company_payment``) so shift and daily reports count
it.

A company does not hold stored value here (it buys on credit, it does not prepay): its
prepayments are gift cards (:mod:`storeapp.services.giftcards`, ``company=True``), where the
bank-transfer rule for ¥5,000 and more applies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storeapp import sealed_records
from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.clock import local_month_bounds, to_local
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.ids import ActionKey
from storeapp.models import Company, CompanyEntry
from storeapp.money import MAX_AMOUNT_FEN, format_fen
from storeapp.results import ActionResult, Record
from storeapp.sequences import insert_row
from storeapp.services import shifts

if TYPE_CHECKING:  # sales imports this module
    from storeapp.services.sales import SaleResult

PAY_METHODS = ("transfer", "cash", "card", "wechat", "alipay")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
MAX_TERMS_DAYS = 365


@dataclass(frozen=True, eq=False)
class CompanyView(Record):
    code: str
    name: str
    contact_name: str | None
    contact_phone: str | None
    credit_limit_fen: int
    terms_days: int
    status: str
    #: what the company owes now
    balance_fen: int
    #: what it may still buy on account
    available_fen: int
    #: charges older than its terms not yet covered by payments
    overdue_fen: int
    #: when the oldest of those was charged (None: not overdue)
    overdue_since: str | None
    created_at: str


@dataclass(frozen=True, eq=False)
class CompanyAdded(CompanyView, ActionResult):
    pass


@dataclass(frozen=True, eq=False)
class CompanyPaid(ActionResult):
    code: str
    amount_fen: int
    method: str
    #: the bank transfer's reference
    ref: str | None
    at: str
    balance_fen: int


@dataclass(frozen=True, eq=False)
class StatementLine(Record):
    at: str  # store-local time
    kind: str  # charge|payment
    #: a charge's receipt number, a payment's bank reference
    ref: str | None
    method: str | None
    amount_fen: int
    balance_fen: int


@dataclass(frozen=True, eq=False)
class CompanyStatement(Record):
    code: str
    name: str
    month: str  # YYYY-MM, store-local
    opening_fen: int
    charges_fen: int
    payments_fen: int
    closing_fen: int
    lines: list[StatementLine]


# -- actions ------------------------------------------------------------------------------------

def add(db: Database, *, code: str, name: str, credit_limit_fen: int, terms_days: int,
        actor: str, contact_name: str | None = None, contact_phone: str | None = None,
        key: str | None = None) -> CompanyAdded:
    """Open a company account: its code (what a sale on account names), name, contact, credit
    limit and payment terms."""
    code = normalise_code(code)
    name = (name or "").strip()
    contact_name = (contact_name or "").strip() or None
    contact_phone = (contact_phone or "").strip() or None
    if not name or len(name) > 64 or (contact_name and len(contact_name) > 32) or \
            (contact_phone and len(contact_phone) > 20):
        raise InvalidInput("bad_company", "A company needs a name (at most 64 characters); a "
                           "contact at most 32, a phone at most 20", variant="name")
    if not 0 <= credit_limit_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput("bad_amount", "The credit limit must be ¥0.00 or more",
                           variant="credit_limit")
    if not 0 < terms_days <= MAX_TERMS_DAYS:
        raise InvalidInput("bad_company", f"Payment terms are 1 to {MAX_TERMS_DAYS} days",
                           variant="terms", max_days=MAX_TERMS_DAYS)

    def body(ctx: Ctx) -> CompanyAdded:
        s = ctx.session
        if s.get(Company, code) is not None:
            raise Refused("company_exists", f"There is already a company {code}", company=code)
        company = Company(code=code, name=name, contact_name=contact_name,
                          contact_phone=contact_phone, credit_limit_fen=credit_limit_fen,
                          terms_days=terms_days, status="active", balance_fen=0,
                          action_key=ctx.key, created_at=ctx.now)
        s.add(company)
        s.flush()
        ctx.audit("company_added", code, name=name, credit_limit_fen=credit_limit_fen,
                  terms_days=terms_days)
        ctx.emit("company_added", code=code, name=name, credit_limit_fen=credit_limit_fen,
                 terms_days=terms_days,
                 **sealed_records.event_fields(s, ctx.db.settings.hq_member_key, "companies",
                                               code, contact_name=contact_name,
                                               contact_phone=contact_phone))
        # stored with the key (actions.result_json) without the contact: read back below
        return CompanyAdded(**{**view_of(s, company, ctx.now).to_json(),
                               "contact_name": None, "contact_phone": None})

    added = run_action(db, key=key_or_new(key), kind="company_add", actor=actor,
                       request={"code": code, "name": name, "contact": contact_name,
                                "phone": contact_phone, "limit": credit_limit_fen,
                                "terms": terms_days}, body=body, returns=CompanyAdded)
    with db.reader() as s:
        company = s.get(Company, added.code)
        contact = (company.contact_name, company.contact_phone) if company else (None, None)
    return dataclasses.replace(added, contact_name=contact[0], contact_phone=contact[1])


def charge(db: Database, code: str, amount_fen: int, *, actor: str, member_ref: str | None = None,
           name: str = "挂账 On account", key: str | None = None) -> SaleResult:
    """A sale of ``amount_fen`` (one open-amount line) put on the company's account."""
    from storeapp.services import sales

    return sales.checkout(
        db, member_ref=member_ref, lines=[sales.LineIn(unit_price_fen=amount_fen, name=name)],
        tenders=[sales.TenderIn("account", None, ref=normalise_code(code))], actor=actor,
        key=key)


def pay(db: Database, code: str, amount_fen: int, *, method: str, actor: str,
        ref: str | None = None, key: str | None = None) -> CompanyPaid:
    """A payment received from the company: a bank transfer (its reference required) or money
    at the till; it covers the oldest charges first."""
    code = normalise_code(code)
    if method not in PAY_METHODS:
        raise InvalidInput("bad_method", f"Payment method must be one of "
                           f"{', '.join(PAY_METHODS)}", allowed=", ".join(PAY_METHODS))
    ref = (ref or "").strip() or None
    if ref and len(ref) > 64:
        raise InvalidInput("bad_company", "A payment reference is at most 64 characters",
                           variant="ref")
    if method == "transfer" and not ref:
        raise InvalidInput("transfer_ref_required", "A bank transfer needs its reference "
                           "(the bank's transaction number)")
    if not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise InvalidInput("bad_amount", "A payment must be more than ¥0.00", variant="zero")

    def body(ctx: Ctx) -> CompanyPaid:
        company = _company(ctx.session, code)
        if amount_fen > company.balance_fen:
            raise Refused("company_overpaid", f"Company {code} owes "
                          f"{format_fen(company.balance_fen)}, less than "
                          f"{format_fen(amount_fen)}", company=code,
                          balance_fen=company.balance_fen, amount_fen=amount_fen)
        post(ctx.session, company, key=ctx.key, at=ctx.now, kind="payment",
             amount_fen=-amount_fen, method=method, ref=ref)
        shifts.record_payment(ctx, "company_payment", method, amount_fen)
        ctx.audit("company_paid", code, amount_fen=amount_fen, method=method, ref=ref)
        ctx.emit("company_paid", code=code, amount_fen=amount_fen, method=method, ref=ref,
                 balance_fen=company.balance_fen)
        return CompanyPaid(code=code, amount_fen=amount_fen, method=method, ref=ref,
                           at=ctx.now.isoformat(), balance_fen=company.balance_fen)

    return run_action(db, key=key_or_new(key), kind="company_pay", actor=actor,
                      request={"code": code, "amount": amount_fen, "method": method,
                               "ref": ref}, body=body, returns=CompanyPaid)


# -- inside a sale ------------------------------------------------------------------------------

def take(ctx: Ctx, code: str, amount_fen: int, *, ref: str) -> str:
    """Put ``amount_fen`` of a sale (receipt ``ref``) on the company's account; refused past
    the credit limit or while the company is overdue. Returns the company's code."""
    company = _company(ctx.session, normalise_code(code))
    if company.status != "active":
        raise Refused("company_inactive", f"Company {company.code} is {company.status}: it "
                      "cannot buy on account", company=company.code)
    overdue_fen, since = overdue(ctx.session, company, ctx.now)
    if overdue_fen:
        assert since is not None
        raise Refused("company_overdue", f"Company {company.code} is overdue: "
                      f"{format_fen(overdue_fen)} charged since {to_local(since):%Y-%m-%d} "
                      f"is past its {company.terms_days}-day terms; take a payment first",
                      company=company.code, overdue_fen=overdue_fen,
                      since=f"{to_local(since):%Y-%m-%d}", terms_days=company.terms_days)
    if company.balance_fen + amount_fen > company.credit_limit_fen:
        raise Refused("over_credit_limit", f"Company {company.code} owes "
                      f"{format_fen(company.balance_fen)}; {format_fen(amount_fen)} more passes "
                      f"its credit limit {format_fen(company.credit_limit_fen)}",
                      company=company.code, balance_fen=company.balance_fen,
                      amount_fen=amount_fen, limit_fen=company.credit_limit_fen,
                      available_fen=max(0, company.credit_limit_fen - company.balance_fen))
    post(ctx.session, company, key=ctx.key, at=ctx.now, kind="charge", amount_fen=amount_fen,
         method=None, ref=ref)
    return company.code


def give_back(ctx: Ctx, code: str, amount_fen: int, *, ref: str) -> None:
    """A refunded sale on account gives the charge back (a negative charge)."""
    company = _company(ctx.session, code)
    post(ctx.session, company, key=ctx.key, at=ctx.now, kind="charge", amount_fen=-amount_fen,
         method=None, ref=ref)


def post(session: Session, company: Company, *, key: ActionKey, at: dt.datetime, kind: str,
         amount_fen: int, method: str | None, ref: str | None) -> None:
    """The one way rows enter the company journal, with the company's cached balance."""
    insert_row(session, CompanyEntry, company_code=company.code, action_key=key, kind=kind,
               amount_fen=amount_fen, method=method, ref=ref, created_at=at)
    company.balance_fen += amount_fen


def overdue(session: Session, company: Company,
            now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """What of the company's charges older than its terms payments have not covered, and when
    the oldest of those was charged. A refund's negative charge takes back its own sale's
    charge; payments (and any refund left over) cover the oldest charges first."""
    entries = session.execute(
        select(CompanyEntry.kind, CompanyEntry.amount_fen, CompanyEntry.ref,
               CompanyEntry.created_at)
        .where(CompanyEntry.company_code == company.code).order_by(CompanyEntry.id)).all()
    charges: list[_Open] = []
    credit = 0
    for kind, amount, ref, at in entries:
        if kind == "charge" and amount > 0:
            charges.append(_Open(at, amount, ref))
    for kind, amount, ref, _ in entries:
        if amount >= 0:
            continue
        back = -amount
        if kind == "charge":
            for row in charges:
                if row.ref == ref and back:
                    part = min(back, row.left)
                    row.left -= part
                    back -= part
        credit += back
    due_before = now - dt.timedelta(days=company.terms_days)
    total, since = 0, None
    for row in charges:
        cover = min(credit, row.left)
        credit -= cover
        row.left -= cover
        if row.left and row.at < due_before:
            total += row.left
            since = row.at if since is None else since
    return total, since


@dataclass
class _Open:
    """A charge and what of it is still owed."""

    at: dt.datetime
    left: int
    ref: str | None


# -- reading ------------------------------------------------------------------------------------

def show(db: Database, code: str) -> CompanyView:
    with db.reader() as s:
        return view_of(s, _company(s, normalise_code(code)), db.clock.now())


def list_(db: Database) -> list[CompanyView]:
    """Every company account, by code."""
    now = db.clock.now()
    with db.reader() as s:
        return [view_of(s, c, now) for c in s.scalars(select(Company).order_by(Company.code))]


def statement(db: Database, code: str, month: tuple[int, int]) -> CompanyStatement:
    """The company's statement for a store-local month (year, month): the balance it opened
    with, each charge (receipt number) and payment with the running balance, and the closing
    balance."""
    since, until = local_month_bounds(*month)
    with db.reader() as s:
        company = _company(s, normalise_code(code))
        opening = int(s.scalar(
            select(func.total(CompanyEntry.amount_fen))
            .where(CompanyEntry.company_code == company.code,
                   CompanyEntry.created_at < since)) or 0)
        rows = s.execute(
            select(CompanyEntry.kind, CompanyEntry.amount_fen, CompanyEntry.ref,
                   CompanyEntry.method, CompanyEntry.created_at)
            .where(CompanyEntry.company_code == company.code, CompanyEntry.created_at >= since,
                   CompanyEntry.created_at < until).order_by(CompanyEntry.id)).all()
        lines, balance = [], opening
        for kind, amount, ref, method, at in rows:
            balance += amount
            lines.append(StatementLine(at=f"{to_local(at):%Y-%m-%d %H:%M}", kind=kind, ref=ref,
                                       method=method, amount_fen=amount, balance_fen=balance))
        charges = sum(x.amount_fen for x in lines if x.kind == "charge")
        payments = -sum(x.amount_fen for x in lines if x.kind == "payment")
        return CompanyStatement(code=company.code, name=company.name,
                                month=f"{month[0]:04d}-{month[1]:02d}", opening_fen=opening,
                                charges_fen=charges, payments_fen=payments,
                                closing_fen=balance, lines=lines)


def receivables_at(s: Session, at: dt.datetime) -> int:
    """What companies owed at ``at`` (inclusive): their journal up to then."""
    return int(s.scalar(select(func.total(CompanyEntry.amount_fen))
                        .where(CompanyEntry.created_at <= at)) or 0)


def view_of(s: Session, company: Company, now: dt.datetime) -> CompanyView:
    late, since = overdue(s, company, now)
    return CompanyView(
        code=company.code, name=company.name, contact_name=company.contact_name,
        contact_phone=company.contact_phone, credit_limit_fen=company.credit_limit_fen,
        terms_days=company.terms_days, status=company.status, balance_fen=company.balance_fen,
        available_fen=max(0, company.credit_limit_fen - company.balance_fen),
        overdue_fen=late, overdue_since=since.isoformat() if since else None,
        created_at=company.created_at.isoformat())


def normalise_code(code: str) -> str:
    text = (code or "").strip().upper()
    if not _CODE.match(text):
        raise InvalidInput("bad_company", "A company code is 1-16 letters, digits or -",
                           variant="code")
    return text


def _company(s: Session, code: str) -> Company:
    company = s.get(Company, code)
    if company is None:
        raise NotFound("unknown_company", f"No company {code}", company=code)
    return company
