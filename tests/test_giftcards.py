"""Anonymous gift cards (不记名预付卡) at one till: the prepaid-card rules at sale, spending as a
sale's tender by scanning the signed QR, refunds back to the card, the offline allowance, and
the liability equal to an independent sum."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from storeapp import prepaid_rules, sync_state
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.identity import sign_gift_qr, verify_gift_qr
from storeapp.integrity import ledger_problems
from storeapp.models import GiftCard, GiftSale, OutboxEvent
from storeapp.reports.daily import daily
from storeapp.reports.liability import liability
from storeapp.services import giftcards, sales
from storeapp.services.sales import LineIn, TenderIn
from storeapp.services.users import Staff
from tests.helpers import CASHIER, approve, set_setting


def sell(db: Database, face_fen: int = 50_000, cards: int = 1, **kwargs: object
         ) -> giftcards.GiftCardsSold:
    kwargs.setdefault("method", "cash")
    return giftcards.sell(db, face_fen=face_fen, cards=cards, actor=CASHIER,
                          **kwargs)  # type: ignore[arg-type]


def pay(db: Database, card: str, total_fen: int, amount_fen: int | None = None,
        **kwargs: object) -> sales.SaleResult:
    tenders = [TenderIn("giftcard", amount_fen, ref=card)]
    if amount_fen is not None and amount_fen < total_fen:
        tenders.append(TenderIn("cash", total_fen - amount_fen))
    return sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=total_fen)],
                          tenders=tenders, actor=CASHIER, **kwargs)  # type: ignore[arg-type]


# -- the rules ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("face", "cards", "method", "company", "name", "account", "refused"), [
    (100_001, 1, "cash", False, None, None, "giftcard_face"),
    (0, 1, "cash", False, None, None, "giftcard_face"),
    (100_000, 10, "cash", False, None, None, "real_name_required"),  # ¥10,000 at once
    (100_000, 10, "cash", False, "王五", None, None),
    (50_000, 10, "wechat", True, None, None, "transfer_required"),  # a company's ¥5,000
    (50_000, 10, "transfer", True, None, None, "payer_account_required"),
    (50_000, 10, "transfer", True, None, "6222 0211 0000 1234", None),
    (49_999, 10, "cash", True, None, None, None),  # a company just below ¥5,000
    (100_000, 50, "card", False, "王五", None, "transfer_required"),  # a person's ¥50,000
    (100_000, 50, "transfer", False, "王五", "6222 0211 0000 1234", None),
])
def test_the_prepaid_card_rules_at_sale(face: int, cards: int, method: str, company: bool,
                                        name: str | None, account: str | None,
                                        refused: str | None) -> None:
    check = lambda: prepaid_rules.check_gift_sale(  # noqa: E731
        face_fen=face, cards=cards, method=method, company=company, buyer_name=name,
        payer_account=account)
    if refused is None:
        check()
    else:
        with pytest.raises((InvalidInput, Refused)) as broken:
            check()
        assert broken.value.code == refused


def test_a_refused_sale_changes_nothing(db: Database) -> None:
    with pytest.raises(Refused):
        sell(db, 100_000, 10)
    with db.reader() as s:
        assert s.scalars(select(GiftCard)).all() == []
        assert s.scalars(select(OutboxEvent)).all() == []


def test_a_large_sale_records_the_buyer_and_the_payer(db: Database) -> None:
    sold = sell(db, 50_000, 20, method="transfer", company=True, buyer_name="某某贸易公司",
                payer_account="6222 0211 0000 1234")
    assert len(sold.cards) == 20 and sold.total_fen == 1_000_000
    with db.reader() as s:
        row = s.scalars(select(GiftSale)).one()
    assert (row.buyer_name, row.payer_account, row.company, row.method) == (
        "某某贸易公司", "6222 0211 0000 1234", True, "transfer")


def test_the_qr_carries_the_card_face_and_expiry_under_the_signature(db: Database) -> None:
    card = sell(db).cards[0]
    assert card.expires_at >= "2029-03"  # at least three years
    scanned = verify_gift_qr(card.qr, db.settings.qr_secret)
    assert (scanned.card_no, scanned.face_fen) == (card.card_no, 50_000)
    richer = sign_gift_qr(card.card_no, 100_000, scanned.expires, "not the chain's secret")
    with pytest.raises(InvalidInput) as forged:
        verify_gift_qr(richer, db.settings.qr_secret)
    assert forged.value.code == "forged_qr"
    tampered = card.qr.replace("-50000-", "-90000-")
    with pytest.raises(InvalidInput):
        verify_gift_qr(tampered, db.settings.qr_secret)


# -- spending -------------------------------------------------------------------------------------

def test_a_gift_card_pays_and_a_refund_puts_it_back(db: Database, manager: Staff) -> None:
    card = sell(db).cards[0]
    sold = pay(db, card.qr, 12_345)
    assert [(t.method, t.amount_fen, t.ref) for t in sold.tenders] == [
        ("giftcard", 12_345, card.card_no)]
    assert giftcards.show(db, card.card_no).balance_fen == 50_000 - 12_345
    mixed = pay(db, card.card_no, 50_000, amount_fen=37_655)  # the rest of it, plus cash
    assert [t.method for t in mixed.tenders] == ["giftcard", "cash"]
    with pytest.raises(Refused) as empty:
        pay(db, card.qr, 100)
    assert empty.value.code == "giftcard_insufficient"
    sales.refund(db, sold.receipt_no, actor=CASHIER, grant=approve(db))
    assert giftcards.show(db, card.qr).balance_fen == 12_345
    with db.reader() as s:
        assert ledger_problems(s) == []
        event = json.loads(s.scalars(select(OutboxEvent.payload_json).where(
            OutboxEvent.type == "sale_refunded")).one())
    assert event["gift"] == [{"card_no": card.card_no, "amount_fen": 12_345, "after": 12_345}]


def test_a_card_sold_elsewhere_is_taken_from_its_qr(db: Database) -> None:
    elsewhere = sign_gift_qr("G00029900000018", 20_000, "203012", db.settings.qr_secret)
    assert giftcards.show(db, elsewhere).balance_fen == 20_000
    pay(db, elsewhere, 5_000)
    card = giftcards.show(db, "G00029900000018")
    assert (card.face_fen, card.balance_fen) == (20_000, 15_000)
    with db.reader() as s:
        event = json.loads(s.scalars(select(OutboxEvent.payload_json).where(
            OutboxEvent.type == "sale_completed")).one())
        assert ledger_problems(s) == []
    assert event["gift"] == [{"card_no": "G00029900000018", "amount_fen": -5_000,
                              "after": 15_000}]  # knowing the card is not a movement
    assert liability(db).to_dict()["liability"]["gift_cards_fen"] == 0  # not sold here
    with pytest.raises(NotFound):
        giftcards.show(db, "G00029900000026")  # a bare number this till never saw


def test_what_a_gift_payment_refuses_changes_nothing(db: Database, clock: FixedClock) -> None:
    card = sell(db).cards[0]
    with pytest.raises(InvalidInput) as unnamed:
        sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=100)],
                       tenders=[TenderIn("giftcard")], actor=CASHIER)
    assert unnamed.value.code == "bad_tender"
    clock.advance(days=4 * 366)
    with pytest.raises(Refused) as expired:
        pay(db, card.qr, 100)
    assert expired.value.code == "giftcard_expired"
    assert giftcards.show(db, card.card_no).balance_fen == 50_000


def test_a_linked_till_that_lost_head_office_lets_a_card_pay_only_its_allowance(
        db: Database, clock: FixedClock) -> None:
    card = sell(db).cards[0]
    set_setting(db, "hq_url", "http://127.0.0.1:9")  # nobody answers there
    with db.session() as s, s.begin():
        sync_state.write(s, last_contact_at=clock.now(), offline_since=clock.now())
    pay(db, card.qr, 15_000)
    with pytest.raises(Refused) as refused:
        pay(db, card.qr, 6_000)  # ¥200 offline in all
    assert refused.value.code == "offline_limit_giftcard"
    pay(db, card.qr, 5_000)


# -- reports --------------------------------------------------------------------------------------

def test_liability_and_daily_report_equal_the_cards_own_sum(db: Database) -> None:
    sold = sell(db, 50_000, 3).cards + sell(db, 100_000, 2).cards
    pay(db, sold[0].qr, 10_000)
    pay(db, sold[3].qr, 100_000)
    elsewhere = sign_gift_qr("G00029900000018", 20_000, "203012", db.settings.qr_secret)
    pay(db, elsewhere, 7_000)  # spent here, not owed by this store
    with db.reader() as s:
        independent = sum(c.balance_fen for c in s.scalars(
            select(GiftCard).where(GiftCard.store_code == "0001")))
    assert independent == 350_000 - 110_000
    assert liability(db).to_dict()["liability"]["gift_cards_fen"] == independent
    day = daily(db).to_dict()["gift_cards"]
    assert (day["sold_count"], day["sold_fen"], day["spent_fen"]) == (5, 350_000, 117_000)
    assert (day["opening_fen"], day["closing_fen"]) == (0, independent)
