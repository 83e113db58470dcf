"""Exporting a report: CSV that Excel/WPS open with hanzi intact and numbers it can sum; an A4 PDF
whose Chinese renders from an embedded font and reads back as text, across pages."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import cast

import pypdfium2 as pdfium  # type: ignore[import-untyped]  # no type hints
import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from storeapp.errors import DomainError
from storeapp.reports import export
from storeapp.reports.model import Column, Fact, Facts, Label, Report, Table

GENERATED_UTC = dt.datetime(2026, 3, 10, 14, 15)  # 22:15 in the store (UTC+8)
TOTAL = Label("合计", "Total")
COLUMNS = [Column("method", Label("支付方式", "Method")),
           Column("count", Label("笔数", "Count"), "int"),
           Column("amount", Label("金额", "Amount"), "fen")]


def daily_report() -> Report:
    """A small day: sales facts and takings by payment method (cash, WeChat) with a total."""
    return Report(
        kind="daily", title=Label("日报", "Daily report"), period="2026-03-10",
        generated_at=GENERATED_UTC, store_code="0001",
        sections=[
            Facts("sales", Label("销售", "Sales"), [
                Fact("sales_fen", Label("销售额", "Sales total"), 123450),
                Fact("sales_count", Label("销售笔数", "Sales"), 1234, "int"),
                Fact("refunds_fen", Label("退款额", "Refunds total"), -50),
                Fact("member_share", Label("会员占比", "Member share"), 62.5, "pct"),
            ]),
            Table("tenders", Label("按支付方式", "By payment method"), COLUMNS, [
                {"method": Label("现金", "Cash"), "count": 3, "amount": 23450},
                {"method": Label("微信", "WeChat"), "count": 1231, "amount": 100000},
            ], {"method": TOTAL, "count": 1234, "amount": 123450}),
        ])


def long_report(rows: int = 120) -> Report:
    table = Table("members", Label("会员明细", "Members"), COLUMNS,
                  [{"method": f"会员{i:03d}", "count": i, "amount": i * 100}
                   for i in range(1, rows + 1)],
                  {"method": TOTAL, "count": rows * (rows + 1) // 2,
                   "amount": 100 * rows * (rows + 1) // 2})
    report = daily_report()
    report.sections = [table]
    return report


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def entry(pdf_dict: DictionaryObject, key: str) -> DictionaryObject:
    """A dictionary inside a PDF dictionary, followed through its indirect reference."""
    return cast(DictionaryObject, pdf_dict[key].get_object())


# --- CSV ----------------------------------------------------------------------------------------

def test_csv_opens_in_excel_as_utf8_with_exact_cells(tmp_path: Path) -> None:
    path = export.write_csv(daily_report(), tmp_path / "daily.csv")

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel/WPS read UTF-8, not GBK
    with path.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f)) == [
            ["日报"],
            ["期间", "2026-03-10"],
            ["门店", "0001"],
            ["生成时间", "2026-03-10 22:15"],
            [],
            ["销售"],
            ["销售额", "1234.50"],  # yuan as a plain number a spreadsheet can sum
            ["销售笔数", "1234"],
            ["退款额", "-0.50"],
            ["会员占比", "62.5%"],
            [],
            ["按支付方式"],
            ["支付方式", "笔数", "金额"],
            ["现金", "3", "234.50"],
            ["微信", "1231", "1000.00"],
            ["合计", "1234", "1234.50"],
        ]


def test_csv_in_english(tmp_path: Path) -> None:
    path = export.write_csv(daily_report(), tmp_path / "daily.csv", lang="en")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[:4] == [["Daily report"], ["Period", "2026-03-10"], ["Store", "0001"],
                        ["Generated at", "2026-03-10 22:15"]]
    assert ["Sales total", "1234.50"] in rows
    assert rows[-3:] == [["Cash", "3", "234.50"], ["WeChat", "1231", "1000.00"],
                         ["Total", "1234", "1234.50"]]


# --- PDF ----------------------------------------------------------------------------------------

def test_pdf_reads_back_the_chinese_report(tmp_path: Path) -> None:
    path = export.write_pdf(daily_report(), tmp_path / "daily.pdf")

    [text] = page_texts(path)
    for expected in ("日报", "期间: 2026-03-10", "门店: 0001", "生成时间: 2026-03-10 22:15",
                     "销售", "销售额", "¥1,234.50", "销售笔数", "1,234", "-¥0.50", "62.5%",
                     "按支付方式", "支付方式", "笔数", "金额", "现金", "¥234.50",
                     "微信", "¥1,000.00", "合计", "第 1 / 1 页"):
        assert expected in text, expected
    assert PdfReader(path).pages[0].mediabox.height == pytest.approx(841.89, abs=0.1)  # A4


def test_pdf_in_english(tmp_path: Path) -> None:
    [text] = page_texts(export.write_pdf(daily_report(), tmp_path / "daily.pdf", lang="en"))
    for expected in ("Daily report", "Period: 2026-03-10", "Store: 0001", "Sales total",
                     "By payment method", "Method", "Cash", "WeChat", "Total", "¥1,234.50",
                     "Page 1 / 1"):
        assert expected in text, expected
    assert "现金" not in text and "合计" not in text


def test_a_long_table_continues_on_later_pages_under_its_header(tmp_path: Path) -> None:
    texts = page_texts(export.write_pdf(long_report(120), tmp_path / "long.pdf"))

    assert len(texts) > 1
    for number, text in enumerate(texts, start=1):
        assert "笔数" in text and "金额" in text  # the header row, on every page
        assert f"第 {number} / {len(texts)} 页" in text
    assert "会员明细" in texts[0] and "会员明细" not in texts[1]  # the heading is not repeated
    for i in range(1, 121):  # every row printed once
        assert sum(f"会员{i:03d}" in text for text in texts) == 1, i
    assert "合计" in texts[-1] and "¥7,260.00" in texts[-1]


def test_a_table_wider_than_the_page_is_set_smaller_and_no_amount_is_cut(tmp_path: Path) -> None:
    columns = [Column("cashier", Label("收银员", "Cashier")),
               *(Column(f"m{i}", Label(f"月份{i}", f"Month {i}"), "fen") for i in range(1, 10))]
    row = {"cashier": "C01", **{f"m{i}": 123_456_789 for i in range(1, 10)}}
    report = daily_report()
    report.sections = [Table("wide", Label("宽表", "Wide"), columns, [row, row], row)]

    [text] = page_texts(export.write_pdf(report, tmp_path / "wide.pdf"))
    assert text.count("¥1,234,567.89") == 27  # 9 columns × 2 rows and the total, all whole
    assert "…" not in text


def test_a_rare_hanzi_missing_from_the_main_font_still_prints(tmp_path: Path) -> None:
    if not Path(export.FALLBACK_FONT[0]).is_file():
        pytest.skip("no fallback font (fonts-noto-cjk) installed")
    report = daily_report()
    tenders = report.table("tenders")
    tenders.rows[0]["method"] = "吉𠮷"  # 𠮷 (U+20BB7, Extension B) is in Noto CJK, not WenQuanYi
    path = export.write_pdf(report, tmp_path / "rare.pdf")

    # pdfium reads the fallback font's CFF glyphs back; pypdf cannot (pypdf issue #2295).
    document = pdfium.PdfDocument(path)
    try:
        assert "吉𠮷" in document[0].get_textpage().get_text_range()
    finally:
        document.close()


def test_pdf_embeds_a_subset_of_the_cjk_font(tmp_path: Path) -> None:
    path = export.write_pdf(daily_report(), tmp_path / "daily.pdf")

    fonts = entry(entry(PdfReader(path).pages[0], "/Resources"), "/Font")
    [font] = [entry(fonts, name) for name in fonts]
    descendant = cast(DictionaryObject, cast(ArrayObject, font["/DescendantFonts"])[0].get_object())
    descriptor = entry(descendant, "/FontDescriptor")
    assert str(font["/Subtype"]) == "/Type0"
    assert "/FontFile2" in descriptor or "/FontFile3" in descriptor  # the glyphs are in the file
    assert str(font["/BaseFont"])[7] == "+"  # "ABCDEF+Name": a subset, only the glyphs used
    assert path.stat().st_size < 200_000  # a whole CJK font is megabytes


def test_no_cjk_font_is_a_clear_error() -> None:
    with pytest.raises(DomainError) as raised:
        export.find_cjk_font([("/nonexistent/font.ttc", 0, "fonts-nowhere")])
    assert raised.value.code == "no_cjk_font"
    assert export.FONT_PACKAGE in raised.value.message
