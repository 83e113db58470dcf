"""Catalog: products by barcode, and CSV import (all rows or none)."""

from __future__ import annotations

import pytest

from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound
from storeapp.models import AuditRow
from storeapp.services import catalog
from storeapp.services.catalog import ProductView
from storeapp.services.sales import LineIn, TenderIn, checkout
from tests.helpers import CASHIER, all_rows, counts

CSV_WITH_HEADER = """barcode,name,price
6901234567892,可口可乐 Coca-Cola 330ml,3.50
6920202888883,康师傅红烧牛肉面,4.5
4006381333931,"Stabilo pen, blue",12
"""


def test_upsert_and_look_up_by_barcode(db: Database) -> None:
    catalog.upsert(db, barcode="6901234567892", name=" 可乐 ", price_fen=350, actor="M01")
    assert catalog.by_barcode(db, " 6901234567892 ") == ProductView("6901234567892", "可乐", 350)
    catalog.upsert(db, barcode="6901234567892", name="可乐", price_fen=380, actor="M01")
    assert catalog.by_barcode(db, "6901234567892").price_fen == 380
    assert [r.action for r in all_rows(db, AuditRow)] == ["product_saved", "product_saved"]


def test_unknown_barcode(db: Database) -> None:
    with pytest.raises(NotFound) as refused:
        catalog.by_barcode(db, "0000000000000")
    assert refused.value.code == "unknown_product"


@pytest.mark.parametrize(("barcode", "name", "price", "code"), [
    ("69 01", "可乐", 350, "bad_barcode"),
    ("", "可乐", 350, "bad_barcode"),
    ("X" * 33, "可乐", 350, "bad_barcode"),
    ("6901234567892", "  ", 350, "bad_name"),
    ("6901234567892", "名" * 65, 350, "bad_name"),
    ("6901234567892", "可乐", -1, "bad_amount"),
])
def test_upsert_validation(db: Database, barcode: str, name: str, price: int, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalog.upsert(db, barcode=barcode, name=name, price_fen=price, actor="M01")
    assert refused.value.code == code
    assert catalog.all_products(db) == []


def test_import_csv_with_header(db: Database) -> None:
    assert catalog.import_csv(db, CSV_WITH_HEADER, actor="M01") == 3
    assert catalog.by_barcode(db, "6901234567892") == ProductView(
        "6901234567892", "可口可乐 Coca-Cola 330ml", 350)
    assert catalog.by_barcode(db, "6920202888883").price_fen == 450
    assert catalog.by_barcode(db, "4006381333931") == ProductView(
        "4006381333931", "Stabilo pen, blue", 1_200)
    assert all_rows(db, AuditRow)[-1].action == "catalog_imported"


def test_import_csv_without_header_and_with_blank_lines(db: Database) -> None:
    text = "6901234567892,可乐,3.50\n\n6920202888883,方便面,4.50\n"
    assert catalog.import_csv(db, text, actor="M01") == 2
    assert sorted(p.barcode for p in catalog.all_products(db)) == ["6901234567892",
                                                                  "6920202888883"]


def test_import_csv_saved_by_excel_with_bom_and_crlf(db: Database) -> None:
    text = "\ufeffbarcode,name,price\r\n6901234567892,可乐,¥3.50\r\n"
    assert catalog.import_csv(db, text, actor="M01") == 1
    assert catalog.by_barcode(db, "6901234567892").price_fen == 350


def test_import_updates_existing_prices(db: Database) -> None:
    catalog.import_csv(db, CSV_WITH_HEADER, actor="M01")
    catalog.import_csv(db, "6901234567892,可口可乐,3.80\n", actor="M01")
    assert catalog.by_barcode(db, "6901234567892") == ProductView("6901234567892", "可口可乐",
                                                                  380)
    assert len(catalog.all_products(db)) == 3


@pytest.mark.parametrize(("text", "where"), [
    ("barcode,name,price\n6901234567892,可乐,3.50\n6920202888883,方便面,abc\n", "Line 3"),
    ("6901234567892,可乐,3.50\n6920202888883,方便面\n", "Line 2: expected barcode,name,price"),
    ("6901234567892,可乐,3.50\n69 20,方便面,4.50\n", "Line 2"),
    ("6901234567892,可乐,-3.50\n", "Line 1"),
    ("6901234567892,可乐,3.505\n", "Line 1"),
    ("\ufeffbarcode,name,price\n6901234567892,,3.50\n", "Line 2"),
])
def test_a_bad_row_refuses_the_whole_file_with_its_line_number(db: Database, text: str,
                                                               where: str) -> None:
    before = counts(db, "products", "audit_log")
    with pytest.raises(InvalidInput, match=where) as refused:
        catalog.import_csv(db, text, actor="M01")
    assert refused.value.code == "bad_csv"
    assert counts(db, "products", "audit_log") == before
    assert catalog.all_products(db) == []


def test_imported_products_sell_at_their_price(db: Database) -> None:
    catalog.import_csv(db, CSV_WITH_HEADER, actor="M01")
    sale = checkout(db, member_ref=None, lines=[LineIn(qty=2, barcode="6901234567892"),
                                                LineIn(barcode="6920202888883")],
                    tenders=[TenderIn("cash", 2_000)], actor=CASHIER)
    assert [(x["name"], x["qty"], x["amount_fen"]) for x in sale["lines"]] == [
        ("可口可乐 Coca-Cola 330ml", 2, 700), ("康师傅红烧牛肉面", 1, 450)]
    assert (sale["total_fen"], sale["change_fen"]) == (1_150, 850)
