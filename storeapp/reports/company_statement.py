"""A company's monthly statement (企业对账单) as a report: its account, the balance it opened
and closed the month with, and each charge (receipt number) and payment, for the screen, CSV
and PDF (:mod:`storeapp.reports.export`)."""

from __future__ import annotations

from storeapp.db import Database
from storeapp.reports.model import Column, Fact, Facts, Label, Report, Table
from storeapp.services import companies

_L = Label
_KINDS = {"charge": _L("挂账消费", "Charge"), "payment": _L("回款", "Payment")}


def statement(db: Database, code: str, month: tuple[int, int]) -> Report:
    """The statement of company ``code`` for ``month`` (year, month), store-local."""
    account = companies.show(db, code)
    got = companies.statement(db, code, month)
    report = Report(kind="company_statement", title=_L("企业对账单", "Company statement"),
                    period=got.month, generated_at=db.clock.now(),
                    store_code=db.settings.store_code)
    rows = [{"at": x.at, "kind": _KINDS.get(x.kind, _L(x.kind, x.kind)), "kind_code": x.kind,
             "ref": x.ref or "", "method": x.method or "",
             "charge_fen": x.amount_fen if x.kind == "charge" else None,
             "payment_fen": -x.amount_fen if x.kind == "payment" else None,
             "balance_fen": x.balance_fen} for x in got.lines]
    report.sections += [
        Facts("company", _L("企业", "Company"), [
            Fact("code", _L("编号", "Code"), account.code, "text"),
            Fact("name", _L("名称", "Name"), account.name, "text"),
            Fact("contact", _L("联系人", "Contact"),
                 " ".join(x for x in (account.contact_name, account.contact_phone) if x), "text"),
            Fact("credit_limit_fen", _L("信用额度", "Credit limit"), account.credit_limit_fen),
            Fact("terms_days", _L("账期(天)", "Terms (days)"), account.terms_days, "int"),
        ]),
        Facts("summary", _L("本月汇总", "This month"), [
            Fact("opening_fen", _L("期初余额", "Opening balance"), got.opening_fen),
            Fact("charges_fen", _L("本月挂账", "Charges"), got.charges_fen),
            Fact("payments_fen", _L("本月回款", "Payments"), got.payments_fen),
            Fact("closing_fen", _L("期末余额", "Closing balance"), got.closing_fen),
        ]),
        Table("lines", _L("明细", "Entries"), [
            Column("at", _L("日期", "Date")),
            Column("kind", _L("类型", "Kind")),
            Column("ref", _L("小票号/转账参考", "Receipt / reference")),
            Column("method", _L("方式", "Method")),
            Column("charge_fen", _L("挂账", "Charge"), "fen"),
            Column("payment_fen", _L("回款", "Payment"), "fen"),
            Column("balance_fen", _L("余额", "Balance"), "fen"),
        ], rows, {"at": _L("合计", "Total"), "kind": "", "ref": "", "method": "",
                  "charge_fen": got.charges_fen, "payment_fen": got.payments_fen,
                  "balance_fen": got.closing_fen}),
    ]
    return report
