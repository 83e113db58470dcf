"""Receipt previews for docs/screenshots/: a member's sale and a registration slip on 80 and
58 mm paper (GB18030), and the same sale as a Big5 printer (Traditional labels) and a CP858
printer (English labels) print it.

    .venv/bin/python scripts/receipt_screenshots.py [--out docs/screenshots]

No other script draws receipts (scripts/screenshots.py drives the Qt counter; this needs no Qt).
A till is made in a temporary directory through the real services, and each PNG is drawn by
:func:`devices.preview.save_png` exactly as the chosen encoding's bytes decode. The Big5 store
uses Traditional names, as a Big5 shop would; the CP858 one keeps the Chinese member name to
show what a code page prints for characters it lacks (``?``, one per character).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devices import jobs, preview, receipts  # noqa: E402
from storeapp import receipt_jobs  # noqa: E402
from storeapp.clock import FixedClock  # noqa: E402
from storeapp.db import Database  # noqa: E402
from storeapp.services import members, sales, wallet  # noqa: E402
from storeapp.services.sales import LineIn, TenderIn  # noqa: E402

CASHIER = "C01"
STORES = {  # encoding -> store, member, products
    "gb18030": ("鲜丰超市 人民路店", "欧阳晓梅", ["农夫山泉 550ml", "金龙鱼 花生油 900ml",
                                             "伊利 纯牛奶 250ml×12", "山东富士苹果 1kg"]),
    "big5": ("鮮豐超市 中山路店", "歐陽曉梅", ["台灣礦泉水 600ml", "花生油 900ml",
                                           "鮮乳 936ml", "富士蘋果 1kg"]),
    "cp858": ("Fresh Mart Rue Cler", "欧阳晓梅", ["Evian 500ml", "Huile d'arachide 900ml",
                                                  "Lait demi-écrémé 1L", "Pommes Fuji 1kg"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in shoot(args.out):
        print(path)
    return 0


def shoot(out: Path) -> list[Path]:
    made = []
    for encoding, (store, name, products) in STORES.items():
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(Path(tmp) / "till.db", create=True,
                          clock=FixedClock(dt.datetime(2026, 3, 10, 2, 0)))
            try:
                sale, registration = _payloads(db, store, name, products)
            finally:
                db.close()
        if encoding == "gb18030":
            for profile in ("80mm", "58mm"):
                made.append(_png(out / f"receipt-sale-{profile}.png", "sale", sale, profile,
                                 encoding))
                made.append(_png(out / f"registration-{profile}.png", "registration",
                                 registration, profile, encoding))
        else:
            made.append(_png(out / f"receipt-sale-{encoding}-80mm.png", "sale", sale, "80mm",
                             encoding))
    return made


def _payloads(db: Database, store: str, name: str,
              products: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    with db.session() as s, s.begin():
        db.set_setting(s, "store_name", store)
    member = members.register(db, phone="13812345678", name=name, actor=CASHIER)
    wallet.topup(db, member.member_id, 100_000, method="wechat", actor=CASHIER)
    sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=72_000)],
                   tenders=[TenderIn("wallet")], actor=CASHIER)
    prices = (350, 4_990, 1_280, 1_500)
    sale = sales.checkout(db, member_ref=member.member_id,
                          lines=[LineIn(qty=1 + i % 2, unit_price_fen=p, name=n)
                                 for i, (n, p) in enumerate(zip(products, prices, strict=True))],
                          tenders=[TenderIn("wallet", 10_000), TenderIn("cash", 5_000)],
                          actor=CASHIER)
    sale_payload = {**jobs.sale_payload(db, sale.receipt_no, cashier=CASHIER)}
    sale_payload["member"] = receipt_jobs.member_fields(members.get(db, member.member_id))
    registration = jobs.registration_payload(db, member.member_id, cashier=CASHIER)
    return sale_payload, registration


def _png(path: Path, kind: str, payload: dict[str, Any], profile: str, encoding: str) -> Path:
    return preview.save_png(receipts.build(kind, payload), profile, path, encoding)


if __name__ == "__main__":
    raise SystemExit(main())
