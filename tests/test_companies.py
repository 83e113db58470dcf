"""Company accounts (企业会员, 月结): credit limit, sales on account and their refunds, overdue
accounts blocked, payments, the monthly statement (CSV and PDF) and the receivables line."""

from __future__ import annotations

import contextlib
import csv
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from storeapp import cli
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.models import CompanyEntry, OutboxEvent, Payment
from storeapp.reports import company_statement, export
from storeapp.reports.daily import daily
from storeapp.reports.liability import liability
from storeapp.services import companies, sales, shifts, users
from storeapp.services.sales import LineIn, TenderIn
from storeapp.services.users import Staff
from tests.helpers import CASHIER, CLI_PIN, CLI_USER, START, all_rows, approve, counts

NAME = "上海示例贸易有限公司"
MONEY_TABLES = ("company_entries", "sales", "tenders", "payments", "outbox", "audit_log",
                "actions")


def add(db: Database, code: str = "ACME", limit_fen: int = 100_000, terms: int = 30,
        **kwargs: object) -> companies.CompanyAdded:
    return companies.add(db, code=code, name=NAME, contact_name="张经理",
                         contact_phone="13800138000", credit_limit_fen=limit_fen,
                         terms_days=terms, actor=CASHIER, **kwargs)  # type: ignore[arg-type]


def charge(db: Database, amount_fen: int, code: str = "ACME", **kwargs: object
           ) -> sales.SaleResult:
    return companies.charge(db, code, amount_fen, actor=CASHIER, **kwargs)  # type: ignore[arg-type]


def journal_sum(db: Database, code: str | None = None) -> int:
    with db.reader() as s:
        rows = s.scalars(select(CompanyEntry.amount_fen).where(
            *(() if code is None else (CompanyEntry.company_code == code,)))).all()
    return sum(rows)


def test_add_show_list(db: Database) -> None:
    added = add(db, code="acme")
    assert (added.code, added.name, added.balance_fen, added.available_fen) == (
        "ACME", NAME, 0, 100_000)
    shown = companies.show(db, "ACME")
    assert shown.credit_limit_fen == 100_000 and shown.terms_days == 30
    assert [c.code for c in companies.list_(db)] == ["ACME"]
    with pytest.raises(Refused) as refused:
        add(db, code="ACME")
    assert refused.value.code == "company_exists"
    with pytest.raises(NotFound):
        companies.show(db, "NOPE")
    with pytest.raises(InvalidInput):
        add(db, code="bad code!")


def test_sale_on_account_and_its_refund(db: Database, manager: Staff) -> None:
    add(db)
    sale = charge(db, 30_000)
    assert [(t.method, t.amount_fen, t.ref) for t in sale.tenders] == [("account", 30_000,
                                                                        "ACME")]
    assert companies.show(db, "ACME").balance_fen == journal_sum(db) == 30_000
    with db.reader() as s:
        event = json.loads(s.scalars(select(OutboxEvent.payload_json)
                                     .where(OutboxEvent.type == "sale_completed")).one())
    assert event["tenders"][0]["method"] == "account" and event["tenders"][0]["ref"] == "ACME"
    refund = sales.refund(db, sale.receipt_no, actor=CASHIER, grant=approve(db))
    assert [(t.method, t.amount_fen) for t in refund.tenders] == [("account", 30_000)]
    assert companies.show(db, "ACME").balance_fen == journal_sum(db) == 0
    entries = all_rows(db, CompanyEntry)
    assert [(e.kind, e.amount_fen, e.ref) for e in entries] == [
        ("charge", 30_000, sale.receipt_no), ("charge", -30_000, sale.receipt_no)]
    # the sale is no money in the drawer: the payments journal says on account, not cash
    assert {(p.kind, p.method) for p in all_rows(db, Payment)} == {
        ("sale", "account"), ("refund", "account")}


def test_mixed_tenders_cash_and_account(db: Database) -> None:
    add(db)
    sale = sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=10_000)],
                          tenders=[TenderIn("account", 6_000, ref="ACME"), TenderIn("cash")],
                          actor=CASHIER)
    assert {t.method: t.amount_fen for t in sale.tenders} == {"account": 6_000, "cash": 4_000}
    assert companies.show(db, "ACME").balance_fen == 6_000
    with pytest.raises(InvalidInput) as bad:
        sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=100)],
                       tenders=[TenderIn("account")], actor=CASHIER)
    assert bad.value.code == "bad_tender"


def test_credit_limit_refusal_changes_nothing(db: Database) -> None:
    add(db, limit_fen=50_000)
    charge(db, 40_000)
    before = counts(db, *MONEY_TABLES)
    with pytest.raises(Refused) as refused:
        charge(db, 10_001)
    assert refused.value.code == "over_credit_limit"
    assert refused.value.params["available_fen"] == 10_000
    assert counts(db, *MONEY_TABLES) == before
    assert companies.show(db, "ACME").balance_fen == 40_000
    charge(db, 10_000)  # exactly to the limit is allowed
    assert companies.show(db, "ACME").available_fen == 0


def test_overdue_company_is_blocked_until_it_pays(db: Database, clock: FixedClock) -> None:
    add(db, terms=30)
    first = charge(db, 20_000)
    clock.advance(days=20)
    charge(db, 5_000)  # within terms: fine
    clock.advance(days=11)  # the first charge is now 31 days old
    view = companies.show(db, "ACME")
    assert view.overdue_fen == 20_000 and view.overdue_since == START.isoformat()
    before = counts(db, *MONEY_TABLES)
    with pytest.raises(Refused) as refused:
        charge(db, 1_000)
    assert refused.value.code == "company_overdue"
    assert refused.value.params["overdue_fen"] == 20_000
    assert counts(db, *MONEY_TABLES) == before
    # a part payment covers the oldest charge first: still overdue
    companies.pay(db, "ACME", 15_000, method="transfer", ref="BANK-001", actor=CASHIER)
    with pytest.raises(Refused):
        charge(db, 1_000)
    paid = companies.pay(db, "ACME", 5_000, method="cash", actor=CASHIER)
    assert paid.balance_fen == 5_000 and companies.show(db, "ACME").overdue_fen == 0
    charge(db, 1_000)
    assert companies.show(db, "ACME").balance_fen == journal_sum(db) == 6_000
    assert all_rows(db, CompanyEntry)[0].ref == first.receipt_no


def test_refund_clears_its_own_overdue_charge(db: Database, clock: FixedClock,
                                              manager: Staff) -> None:
    add(db, terms=30)
    first = charge(db, 20_000)
    clock.advance(days=31)
    with pytest.raises(Refused):
        charge(db, 1_000)
    sales.refund(db, first.receipt_no, actor=CASHIER, grant=approve(db))
    charge(db, 1_000)


def test_payments_are_journalled_for_shift_and_daily_reports(db: Database) -> None:
    add(db)
    shifts.open_shift(db, 0, actor=CASHIER)
    charge(db, 30_000)
    with pytest.raises(InvalidInput) as no_ref:
        companies.pay(db, "ACME", 10_000, method="transfer", actor=CASHIER)
    assert no_ref.value.code == "transfer_ref_required"
    with pytest.raises(Refused) as over:
        companies.pay(db, "ACME", 30_001, method="cash", actor=CASHIER)
    assert over.value.code == "company_overpaid"
    companies.pay(db, "ACME", 10_000, method="transfer", ref="BANK-9", actor=CASHIER)
    companies.pay(db, "ACME", 5_000, method="cash", actor=CASHIER)
    x = shifts.x_report(db)
    assert x.by_kind["company_payment"] == {"cash": 5_000, "transfer": 10_000}
    assert x.expected_cash_fen == 5_000  # the sale on account put no money in the drawer
    table = daily(db).table("tenders")
    total = table.total
    assert total is not None and total["company_payment"] == 15_000
    account = next(r for r in table.rows if r["method_code"] == "account")
    assert account["sale"] == 30_000


def test_idempotency_same_key_charges_once(db: Database) -> None:
    add(db, key="add-acme")
    assert add(db, key="add-acme").replayed
    first = charge(db, 12_345, key="sale-1")
    again = charge(db, 12_345, key="sale-1")
    assert again.replayed and again.receipt_no == first.receipt_no
    assert companies.show(db, "ACME").balance_fen == journal_sum(db) == 12_345
    companies.pay(db, "ACME", 345, method="transfer", ref="B1", actor=CASHIER, key="pay-1")
    paid = companies.pay(db, "ACME", 345, method="transfer", ref="B1", actor=CASHIER,
                         key="pay-1")
    assert paid.replayed
    assert companies.show(db, "ACME").balance_fen == journal_sum(db) == 12_000
    assert counts(db, "payments")["payments"] == 2  # the sale's account row and one payment


def test_statement_totals_csv_and_pdf(db: Database, clock: FixedClock, tmp_path: Path) -> None:
    add(db)
    charge(db, 10_000)  # March (START is 2026-03-10)
    clock.set(START.replace(month=4, day=5))
    april = [charge(db, 7_000), charge(db, 8_000)]
    companies.pay(db, "ACME", 19_000, method="transfer", ref="ICBC-0405", actor=CASHIER)
    clock.set(START.replace(month=5, day=2))
    charge(db, 1_000)  # May: after the statement's month
    got = companies.statement(db, "ACME", (2026, 4))
    with db.reader() as s:
        def total(*where: object) -> int:
            return int(s.scalar(select(func.coalesce(func.sum(CompanyEntry.amount_fen), 0))
                                .where(*where)) or 0)
        april_from, may_from = START.replace(month=4, day=1), START.replace(month=5, day=1)
        opening = total(CompanyEntry.created_at < april_from)
        charges = total(CompanyEntry.kind == "charge", CompanyEntry.created_at >= april_from,
                        CompanyEntry.created_at < may_from)
        payments = -total(CompanyEntry.kind == "payment", CompanyEntry.created_at >= april_from,
                          CompanyEntry.created_at < may_from)
    assert (got.opening_fen, got.charges_fen, got.payments_fen) == (opening, charges, payments)
    assert (got.opening_fen, got.charges_fen, got.payments_fen, got.closing_fen) == (
        10_000, 15_000, 19_000, 6_000)
    assert [x.ref for x in got.lines] == [april[0].receipt_no, april[1].receipt_no, "ICBC-0405"]
    report = company_statement.statement(db, "ACME", (2026, 4))
    csv_path = export.write_csv(report, tmp_path / "statement.csv")
    with csv_path.open(encoding="utf-8-sig") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert NAME in cells and april[0].receipt_no in cells and "60.00" in cells
    try:
        pdf_path = export.write_pdf(report, tmp_path / "statement.pdf")
    except Exception as exc:  # no CJK font on this machine
        pytest.skip(f"no PDF: {exc}")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf_path).pages)
    assert NAME in text and "企业对账单" in text and april[1].receipt_no in text


def test_receivables_line_equals_the_sum_of_balances(db: Database, clock: FixedClock,
                                                      manager: Staff) -> None:
    add(db, code="ACME")
    add(db, code="BETA", limit_fen=500_000)
    charge(db, 20_000, code="ACME")
    refunded = charge(db, 3_000, code="ACME")
    charge(db, 150_000, code="BETA")
    companies.pay(db, "BETA", 50_000, method="transfer", ref="T1", actor=CASHIER)
    sales.refund(db, refunded.receipt_no, actor=CASHIER, grant=approve(db))
    at = clock.now()
    clock.advance(hours=1)
    charge(db, 1_000, code="ACME")  # after the moment asked for
    independent = sum(c.balance_fen for c in companies.list_(db)) - 1_000
    assert independent == 20_000 + 100_000
    report = liability(db, at)
    assert report.facts("liability").value("company_receivables_fen") == independent
    now = liability(db).facts("liability").value("company_receivables_fen")
    assert now == journal_sum(db) == independent + 1_000


def test_cli_company_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "till.db"
    with contextlib.closing(Database(path)) as db:  # its administrator runs the commands
        users.add_user(db, code=CLI_USER, name="管理员", role="admin", pin=CLI_PIN,
                       actor="setup")
    monkeypatch.setenv("STOREAPP_USER", CLI_USER)
    monkeypatch.setenv("STOREAPP_PIN", CLI_PIN)

    def run(*args: str) -> tuple[int, dict[str, object]]:
        status = cli.main(["--db", str(path), "--json", *args])
        out = capsys.readouterr().out.splitlines()
        assert len(out) == 1, out
        return status, json.loads(out[0])

    status, added = run("company", "add", "ACME", "--name", NAME, "--contact", "张经理",
                        "--phone", "13800138000", "--limit", "500", "--terms", "30")
    assert status == 0 and added["code"] == "ACME" and added["credit_limit_fen"] == 50_000
    status, sold = run("company", "charge", "ACME", "120.50", "--key", "k1")
    assert status == 0 and sold["total_fen"] == 12_050
    status, again = run("company", "charge", "ACME", "120.50", "--key", "k1")
    assert again["replayed"] is True
    status, refused = run("company", "charge", "ACME", "400")
    assert status == 1 and refused["error"] == "over_credit_limit"
    status, paid = run("company", "pay", "ACME", "20.50", "--ref", "BANK-1")
    assert status == 0 and paid["balance_fen"] == 10_000
    status, shown = run("company", "show", "ACME")
    assert shown["balance_fen"] == 10_000
    status, listed = run("company", "list")
    assert [c["code"] for c in listed["companies"]] == ["ACME"]  # type: ignore[union-attr]
    status, statement = run("company", "statement", "ACME", "--csv", str(tmp_path / "s.csv"))
    assert status == 0 and statement["summary"] == {  # type: ignore[comparison-overlap]
        "opening_fen": 0, "charges_fen": 12_050, "payments_fen": 2_050, "closing_fen": 10_000}
    assert (tmp_path / "s.csv").exists()


def test_head_office_takes_the_events_and_a_restore_writes_them_back(
        tmp_path: Path, clock: FixedClock) -> None:
    from storeapp import backup, integrity, replay
    from storeapp.services import users
    from sync.hq import verify
    from tests.helpers import register

    db = Database(tmp_path / "till.db", clock=clock)
    users.add_user(db, code="M01", name="王经理", role="manager", pin="246800", actor="setup")
    shifts.open_shift(db, 0, actor=CASHIER)
    saved = backup.backup(db, tmp_path / "backups")
    with db.reader() as s:
        taken_at = int(s.scalar(select(func.max(OutboxEvent.seq))) or 0)
    add(db)
    buyer = register(db)
    with_member = charge(db, 25_000, member_ref=buyer.member_id)
    plain = charge(db, 4_000)
    companies.pay(db, "ACME", 10_000, method="transfer", ref="BANK-7", actor=CASHIER)
    sales.refund(db, plain.receipt_no, actor=CASHIER, grant=approve(db))
    with db.reader() as s:
        events = [replay.StoredEvent(e.seq, e.event_id, e.type, e.created_at, e.payload_json)
                  for e in s.scalars(select(OutboxEvent).where(OutboxEvent.seq > taken_at)
                                     .order_by(OutboxEvent.seq))]
    facts = verify.Facts(till_no=1, rules=None)
    for event in events:
        if event.type != "sale_refunded":  # a refund is checked against its sale at HQ
            assert verify.check(event.type, event.body, facts) is None, event.type
    assert with_member.points_earned > 0
    before = (companies.show(db, "ACME"), all_rows(db, CompanyEntry), all_rows(db, Payment))
    db.close()

    restored = Database(Path(saved["backup"]), clock=clock)
    try:
        with restored.session() as s, s.begin():
            replay.replay(restored, s, events)
        with restored.reader() as s:
            assert integrity.ledger_problems(s) == []
        after = (companies.show(restored, "ACME"), all_rows(restored, CompanyEntry),
                 all_rows(restored, Payment))
    finally:
        restored.close()
    assert after[0] == before[0]
    assert [(e.kind, e.amount_fen, e.ref, e.method) for e in after[1]] == [
        (e.kind, e.amount_fen, e.ref, e.method) for e in before[1]]
    assert [(p.kind, p.method, p.amount_fen) for p in after[2]] == [
        (p.kind, p.method, p.amount_fen) for p in before[2]]
