"""Slips of what a store sells besides stored value, decoded from the ESC/POS bytes a GB18030
printer receives on 80 mm and 58 mm paper: a sale paid by gift card (its number printed), the
gift-card sale itself (each card's QR, the buyer masked), and a sale put on a company's account.
The payloads are the print jobs the real services wrote."""

from __future__ import annotations

import pytest

from storeapp.db import Database
from storeapp.services import companies, giftcards, sales
from storeapp.services.sales import LineIn, TenderIn
from tests.devices.receipt_helpers import STORE
from tests.devices.test_countcard_receipts import PAPERS, jobs, line, paper
from tests.helpers import CASHIER, set_setting


@pytest.fixture
def till(db: Database) -> Database:
    set_setting(db, "store_name", STORE)
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")  # jobs are written
    return db


@pytest.mark.parametrize("profile", PAPERS)
def test_a_sale_paid_by_gift_card_prints_the_card(till: Database, profile: str) -> None:
    card = giftcards.sell(till, face_fen=50_000, method="cash", actor=CASHIER).cards[0]
    sales.checkout(till, member_ref=None, lines=[LineIn(unit_price_fen=12_345)],
                   tenders=[TenderIn("giftcard", None, ref=card.qr)], actor=CASHIER)
    stream = paper("sale", jobs(till, "sale")[-1], profile)
    assert line(stream, "礼品卡")[0].endswith("￥123.45")  # the printer's own yen sign
    assert card.card_no in stream.text


@pytest.mark.parametrize("profile", PAPERS)
def test_the_gift_card_sale_prints_each_cards_qr_and_masks_the_buyer(
        till: Database, profile: str) -> None:
    sold = giftcards.sell(till, face_fen=100_000, cards=10, method="transfer", actor=CASHIER,
                          buyer_name="王小五", payer_account="6222 0211 0000 1234")
    payload = jobs(till, "giftcard")[-1]
    assert "王小五" not in str(payload) and "6222" not in str(payload)  # stored masked
    stream = paper("giftcard", payload, profile)
    assert stream.qr_payloads() == [c.qr.encode() for c in sold.cards]
    assert line(stream, "合计")[1] == 2  # printed large
    assert "王*五" in stream.text and "****1234" in stream.text
    assert "不记名卡" in stream.text


@pytest.mark.parametrize("profile", PAPERS)
def test_a_sale_on_account_prints_the_company(till: Database, profile: str) -> None:
    companies.add(till, code="ACME", name="某某贸易有限公司", contact_name="张经理",
                  contact_phone="13800138000", credit_limit_fen=500_000, terms_days=30,
                  actor=CASHIER)
    companies.charge(till, "ACME", 88_000, actor=CASHIER)
    stream = paper("sale", jobs(till, "sale")[-1], profile)
    tender = [p.text.strip() for p in stream.lines
              if p.text.startswith("挂账") and "×" not in p.text and "￥" in p.text]
    assert len(tender) == 1 and tender[0].endswith("￥880.00")
    assert line(stream, "  企业")[0].endswith("ACME")
