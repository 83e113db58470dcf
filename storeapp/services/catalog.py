"""Catalog: products with barcode and price (chain-owned), and CSV import."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp import audit
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound
from storeapp.models import Product
from storeapp.money import parse_yuan

_BARCODE = re.compile(r"[0-9A-Za-z\-]{1,32}")


@dataclass(frozen=True)
class ProductView:
    barcode: str
    name: str
    price_fen: int


def upsert(db: Database, *, barcode: str, name: str, price_fen: int, actor: str) -> ProductView:
    product = _validated(barcode, name, price_fen)
    with db.session() as s, s.begin():
        _save(s, product, db)
        audit.append(s, at=db.clock.now(), actor=actor, action="product_saved",
                     subject=barcode, detail={"price_fen": price_fen})
    return product


def import_csv(db: Database, text: str, *, actor: str) -> int:
    """Import ``barcode,name,price`` rows (price in yuan; a header row is optional).

    All rows or none: the first bad row refuses the whole file with its line number.
    """
    rows: list[ProductView] = []
    for line_no, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not row or not "".join(row).strip():
            continue
        if line_no == 1 and len(row) >= 3 and not _looks_like_price(row[2]):
            continue  # a header row, whatever its language ("barcode,name,price", "条码,名称,价格")
        if len(row) < 3:
            raise InvalidInput("bad_csv", f"Line {line_no}: expected barcode,name,price",
                               variant="columns", line=line_no)
        try:
            rows.append(_validated(row[0].strip(), row[1], parse_yuan(row[2])))
        except InvalidInput as exc:
            raise InvalidInput("bad_csv", f"Line {line_no}: {exc.message}", line=line_no,
                               detail=exc.message) from None
    with db.session() as s, s.begin():
        for product in rows:
            _save(s, product, db)
        audit.append(s, at=db.clock.now(), actor=actor, action="catalog_imported",
                     subject="csv", detail={"rows": len(rows)})
    return len(rows)


def by_barcode(db: Database, barcode: str) -> ProductView:
    with db.reader() as s:
        product = s.get(Product, barcode.strip())
        if product is None or not product.active:
            raise NotFound("unknown_product", f"No product with barcode {barcode}",
                           barcode=barcode)
        return ProductView(product.barcode, product.name, product.price_fen)


def all_products(db: Database) -> list[ProductView]:
    with db.reader() as s:
        return [ProductView(p.barcode, p.name, p.price_fen)
                for p in s.scalars(select(Product).where(Product.active).order_by(Product.name))]


def _looks_like_price(text: str) -> bool:
    """A price column has digits (even a bad price); a header's has none."""
    return any(ch.isdigit() for ch in text)


def _validated(barcode: str, name: str, price_fen: int) -> ProductView:
    if not _BARCODE.fullmatch(barcode):
        raise InvalidInput("bad_barcode", f"'{barcode}' is not a barcode", barcode=barcode)
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise InvalidInput("bad_name", "Product name: 1 to 64 characters", variant="length",
                           max_chars=64)
    if price_fen < 0:
        raise InvalidInput("bad_amount", "Price must not be negative", variant="negative_price")
    return ProductView(barcode, name, price_fen)


def _save(s: Session, product: ProductView, db: Database) -> None:
    s.merge(Product(barcode=product.barcode, name=product.name, price_fen=product.price_fen,
                    active=True, updated_at=db.clock.now()))
