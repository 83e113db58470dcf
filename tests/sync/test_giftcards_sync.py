"""Gift cards (不记名预付卡) across stores: sold at one store and spent at another, in whatever
order the events reach head office; overspent by two stores offline (an exception); held by head
office when a till asks online; and what head office refuses from a till that lies about them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storeapp.errors import Refused
from storeapp.services import giftcards, sales, shifts, users
from storeapp.services.sales import LineIn, TenderIn
from sync import client
from sync.hq import models as m
from sync.hq.db import HqDatabase
from tests.sync.conftest import LiveHq
from tests.sync.test_countcards_sync import held, tamper_last_event
from tests.sync.test_sync_properties import Network, Till, deliver, make_tills, send
from tests.sync.test_two_tills import make_till  # noqa: F401  (a fixture)


@pytest.fixture
def chain(tmp_path: Path, migrated_template: Path) -> Any:
    hq = HqDatabase(f"sqlite:///{tmp_path / 'hq.db'}")
    tills = make_tills(tmp_path, migrated_template, hq)
    yield hq, tills
    for till in tills:
        till.db.close()
    hq.close()


def pay(till: Till | Any, card: str, amount_fen: int) -> sales.SaleResult:
    db = till.db if isinstance(till, Till) else till
    return sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=amount_fen)],
                          tenders=[TenderIn("giftcard", None, ref=card)], actor="C01")


def hq_gift(hq: HqDatabase, card_no: str) -> tuple[int, bool]:
    with hq.transaction() as s:
        card = s.get(m.GiftCard, card_no)
        assert card is not None
        return card.balance_fen, card.sold


def exceptions(hq: HqDatabase, kind: str) -> list[dict[str, Any]]:
    with hq.transaction() as s:
        return [{"amount_fen": e.amount_fen, **json.loads(e.detail_json)} for e in s.scalars(
            select(m.Exception_).where(m.Exception_.kind == kind))]


def upload(hq: HqDatabase, till: Till) -> None:
    net = Network()
    while True:
        send(till, net, 50)
        if not net.in_flight:
            return
        deliver(hq, net, 0)


@pytest.mark.parametrize("sale_first", [True, False])
def test_a_card_sold_at_one_store_and_spent_at_another_adds_up_in_any_order(
        chain: Any, sale_first: bool) -> None:
    hq, (a, _, b) = chain
    card = giftcards.sell(a.db, face_fen=50_000, cards=1, method="cash", actor="C01").cards[0]
    pay(b, card.qr, 12_000)  # store 0002 takes it from its QR
    for till in ((a, b) if sale_first else (b, a)):
        upload(hq, till)
    assert hq_gift(hq, card.card_no) == (38_000, True)
    assert held(hq) == [] and exceptions(hq, "giftcard_overdrawn") == []


def test_a_refund_of_a_gift_card_payment_gives_the_money_back_at_head_office(
        chain: Any) -> None:
    hq, (a, _, b) = chain
    card = giftcards.sell(a.db, face_fen=50_000, cards=1, method="cash", actor="C01").cards[0]
    sale = pay(b, card.qr, 12_000)
    users.add_user(b.db, code="M01", name="经理", role="manager", pin="246800", actor="setup")
    grant = users.approve(b.db, "M01", "246800", "customer request")
    back = sales.refund(b.db, sale.receipt_no, actor="C01", grant=grant)
    assert [(t.method, t.ref) for t in back.tenders] == [("giftcard", card.card_no)]
    upload(hq, a)
    upload(hq, b)
    assert held(hq) == []  # an honest refund is not held as gift_differs
    assert hq_gift(hq, card.card_no) == (50_000, True)


def test_two_stores_overspending_a_card_offline_is_an_exception(chain: Any) -> None:
    hq, (a, _, b) = chain
    card = giftcards.sell(a.db, face_fen=30_000, cards=1, method="cash", actor="C01").cards[0]
    pay(a, card.qr, 20_000)
    pay(b, card.qr, 25_000)  # store 0002 believes the face value
    upload(hq, a)
    upload(hq, b)
    assert hq_gift(hq, card.card_no) == (-15_000, True)
    [overdrawn] = exceptions(hq, "giftcard_overdrawn")
    assert (overdrawn["card_no"], overdrawn["amount_fen"]) == (card.card_no, 15_000)
    assert overdrawn["stores"] == {"0001": 10_000, "0002": -25_000}
    assert held(hq) == []


@pytest.mark.parametrize(("case", "reason"), [
    ("richer_card", "giftcard_breaks_rule"),
    ("spend_more_than_tender", "gift_differs"),
    ("gift_in_a_plain_event", "moves_gift"),
])
def test_head_office_holds_gift_card_events_an_honest_till_could_not_send(
        chain: Any, case: str, reason: str) -> None:
    hq, (a, _, _) = chain
    if case == "richer_card":  # a ¥2,000 anonymous card, over the legal cap
        giftcards.sell(a.db, face_fen=100_000, cards=1, method="cash", actor="C01")
        tamper_last_event(a.db, lambda body: (
            body.update(face_fen=200_000, total_fen=200_000),
            body["gift"][0].update(amount_fen=200_000)))
    elif case == "spend_more_than_tender":
        card = giftcards.sell(a.db, face_fen=50_000, cards=1, method="cash", actor="C01")
        upload(hq, a)
        pay(a, card.cards[0].qr, 1_000)
        tamper_last_event(a.db, lambda body: body["gift"][0].update(amount_fen=-50_000))
    else:
        card = giftcards.sell(a.db, face_fen=50_000, cards=1, method="cash", actor="C01")
        upload(hq, a)
        shifts.open_shift(a.db, 10_000, actor="C01")
        tamper_last_event(a.db, lambda body: body.update(gift=[{
            "card_no": card.cards[0].card_no, "amount_fen": 40_000, "after": 90_000}]))
    upload(hq, a)
    assert held(hq) == [reason]


def test_head_office_holds_an_online_gift_payment_against_the_chain_balance(
        live_hq: LiveHq, make_till: Any) -> None:  # noqa: F811
    till_a, till_b = make_till("0001"), make_till("0002")
    client.join(till_a, live_hq.url, live_hq.add_store("0001", "人民路店"))
    client.join(till_b, live_hq.url, live_hq.add_store("0002", "解放路店"))
    card = giftcards.sell(till_a, face_fen=50_000, cards=1, method="cash", actor="C01").cards[0]
    client.run_sync(till_a)
    pay(till_a, card.qr, 30_000)  # held at head office like any spend
    client.run_sync(till_a)
    with pytest.raises(Refused) as refused:  # store 0002 believes ¥500; head office knows ¥200
        pay(till_b, card.qr, 25_000)
    assert refused.value.code == "giftcard_insufficient"
    paid = pay(till_b, card.qr, 20_000)  # held at head office, then posted
    with live_hq.hq.transaction() as s:
        hold = s.get(m.Hold, sales.gift_hold_key(paid.sale_key))
        assert hold is not None and hold.released_at is None
    client.run_sync(till_b)
    with live_hq.hq.transaction() as s:
        assert s.get(m.Hold, sales.gift_hold_key(paid.sale_key)).released_at is not None
    assert hq_gift(live_hq.hq, card.card_no) == (0, True)
