"""A real day at the till (top-up, sales in cash, card and stored value, a refund, a shift) as the
manager receives it: the daily report and the Z report exported to PDF read back as text with
the Chinese headings and the booked totals, and as CSV with the booked amounts in yuan.

Amounts are written out by the test's own ``yuan`` helper from the figures the services
returned, not by the app's formatter.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.reports import daily, export, shift_report
from storeapp.reports.model import Report
from storeapp.services import sales, shifts, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from storeapp.services.users import Staff
from tests.helpers import CASHIER, START, approve, sell

DAY = dt.date(2026, 3, 10)  # START is 10:00 on this store day
assert START.date() == DAY


def yuan(fen: int, *, sign: bool = True) -> str:
    """¥1,234.50 as on paper (``sign=False``: 1234.50 as in a spreadsheet cell)."""
    text = f"¥{abs(fen) // 100:,}.{abs(fen) % 100:02d}" if sign else \
        f"{abs(fen) // 100}.{abs(fen) % 100:02d}"
    return ("-" if fen < 0 else "") + text


def pdf_text(path: Path) -> str:
    assert path.read_bytes().startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def line_with(text: str, label: str) -> str:
    """The extracted line that starts with ``label`` (a fact's label and its value)."""
    found = [line for line in text.splitlines() if line.startswith(label)]
    assert found, (label, text)
    return found[0]


@pytest.fixture
def day(db: Database, clock: FixedClock, manager: Staff, member: MemberView) -> dict[str, Any]:
    """The day's actions, with what each returned summed into a small book."""
    shifts.open_shift(db, 50_000, actor=CASHIER)
    top = wallet.topup(db, member.member_id, 200_000, method="cash", actor=CASHIER)
    clock.advance(minutes=20)
    cash = sell(db, None, 123_450)  # a walk-in customer: the member stays Regular (no discount)
    clock.advance(minutes=20)
    stored = sell(db, member, 8_880, tenders=[TenderIn("wallet")])
    clock.advance(hours=2)
    card = sell(db, member, 30_000, tenders=[TenderIn("card")])
    clock.advance(minutes=5)
    refund = sales.refund(db, card["receipt_no"], actor=CASHIER, grant=approve(db))
    clock.advance(hours=6)
    sold = [cash, stored, card]
    expected_cash = 50_000 + top["principal_fen"] + cash["total_fen"]
    z = shifts.close_shift(db, expected_cash - 150, actor=CASHIER)
    return {
        "sales_fen": sum(r["total_fen"] for r in sold),
        "refunds_fen": refund["amount_fen"],
        "topup_principal_fen": top["principal_fen"], "topup_bonus_fen": top["bonus_fen"],
        "points_issued": sum(r["points_earned"] for r in sold),
        "cash_sale_fen": cash["total_fen"], "wallet_sale_fen": stored["total_fen"],
        "card_sale_fen": card["total_fen"], "z": z,
    }


@pytest.fixture
def report(db: Database, day: dict[str, Any]) -> Report:
    return daily.daily(db, DAY)


def test_the_daily_pdf_in_chinese_has_the_headings_and_the_booked_totals(
        report: Report, day: dict[str, Any], tmp_path: Path) -> None:
    assert day["sales_fen"] == 162_330 and day["topup_bonus_fen"] == 40_000  # the rules held
    text = pdf_text(export.write_pdf(report, tmp_path / "daily.pdf", "zh"))

    for heading in ("营业日报", "销售", "按支付方式", "储值", "积分", "期间: 2026-03-10"):
        assert heading in text, heading
    assert yuan(day["sales_fen"]) in line_with(text, "销售额")  # ¥1,623.30
    assert yuan(day["refunds_fen"]) in line_with(text, "退款额")
    assert yuan(day["sales_fen"] - day["refunds_fen"]) in line_with(text, "净销售额")
    assert yuan(day["topup_principal_fen"]) in line_with(text, "充值本金")  # ¥2,000.00
    assert yuan(day["topup_bonus_fen"]) in line_with(text, "充值赠送")  # ¥400.00
    assert f"{day['points_issued']:,}" in line_with(text, "发放")
    cash_row = line_with(text, "现金")  # sales and the top-up taken in cash, and their net
    for fen in (day["cash_sale_fen"], day["topup_principal_fen"],
                day["cash_sale_fen"] + day["topup_principal_fen"]):
        assert yuan(fen) in cash_row, (fen, cash_row)
    assert yuan(-day["card_sale_fen"]) in line_with(text, "银行卡")  # the card refund
    assert "Daily report" not in text


def test_the_daily_pdf_in_english(report: Report, day: dict[str, Any], tmp_path: Path) -> None:
    text = pdf_text(export.write_pdf(report, tmp_path / "daily-en.pdf", "en"))
    for heading in ("Daily report", "Sales", "By payment method", "Stored value", "Points"):
        assert heading in text, heading
    assert yuan(day["sales_fen"]) in line_with(text, "Sales total")
    assert "营业日报" not in text


def test_the_z_report_pdf_shows_its_number_and_the_variance(
        db: Database, day: dict[str, Any], tmp_path: Path) -> None:
    z = shifts.z_report(db, day["z"]["z_no"])
    text = pdf_text(export.write_pdf(shift_report.build(db, z), tmp_path / "z.pdf", "zh"))
    assert "Z 报表 #00001" in text
    assert yuan(-150) in line_with(text, "差额")  # -¥1.50: counted ¥1.50 short
    expected = 50_000 + day["topup_principal_fen"] + day["cash_sale_fen"]
    assert yuan(expected) in line_with(text, "应有现金")
    assert yuan(expected - 150) in line_with(text, "实点现金")
    assert yuan(50_000) in line_with(text, "备用金")

    english = pdf_text(export.write_pdf(shift_report.build(db, z), tmp_path / "z-en.pdf", "en"))
    assert "Z report #00001" in english and yuan(-150) in line_with(english, "Variance")


def test_the_daily_csv_has_the_booked_amounts_in_yuan(
        report: Report, day: dict[str, Any], tmp_path: Path) -> None:
    path = export.write_csv(report, tmp_path / "daily.csv", "zh")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["营业日报"]

    def cell(label: str) -> str:
        return next(row[1] for row in rows if row and row[0] == label)

    assert cell("销售额") == yuan(day["sales_fen"], sign=False) == "1623.30"
    assert cell("退款额") == yuan(day["refunds_fen"], sign=False)
    assert cell("充值本金") == yuan(day["topup_principal_fen"], sign=False)
    assert cell("充值赠送") == yuan(day["topup_bonus_fen"], sign=False)
    assert cell("发放") == str(day["points_issued"])

    header = rows.index(["支付方式", "销售", "退款", "充值", "充值撤销", "付费会员", "次卡",
                         "次卡退款", "礼品卡", "企业回款", "退卡退款", "净额"])
    cash_in = day["cash_sale_fen"] + day["topup_principal_fen"]
    card, wallet_sale = day["card_sale_fen"], day["wallet_sale_fen"]
    assert rows[header + 1: header + 5] == [
        ["现金", *(yuan(f, sign=False) for f in (day["cash_sale_fen"], 0,
                                                 day["topup_principal_fen"], 0, 0, 0, 0, 0,
                                                 0, 0, cash_in))],
        ["银行卡", *(yuan(f, sign=False) for f in (card, -card, 0, 0, 0, 0, 0, 0, 0, 0, 0))],
        ["储值", *(yuan(f, sign=False) for f in (wallet_sale, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                 wallet_sale))],
        ["合计", *(yuan(f, sign=False) for f in (
            day["sales_fen"], -card, day["topup_principal_fen"], 0, 0, 0, 0, 0, 0, 0,
            cash_in + wallet_sale))],
    ]
