"""Count cards (次卡) across stores: sold at one store and used at another through head office,
overused by two stores offline (an exception at head office, like an overdraft), and what head
office refuses from a till that lies about them.

Real till databases driven through the services; head office is the real ingest, verification
and download code over SQLite (the network and HTTP are covered elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.models import OutboxEvent
from storeapp.services import countcards, members, users
from sync.hq import models as m
from sync.hq import service
from sync.hq.db import HqDatabase
from tests.helpers import register
from tests.sync.test_sync_properties import Network, Till, deliver, download, make_tills, send

PHONE = "13812345678"
GRANT = users.Grant(approver="M01", reason="test")


@pytest.fixture
def chain(tmp_path: Path, migrated_template: Path) -> Any:
    hq = HqDatabase(f"sqlite:///{tmp_path / 'hq.db'}")
    tills = make_tills(tmp_path, migrated_template, hq)
    for till in tills:
        countcards.save_product(till.db, code="WASH10", name="洗车10次卡", covers="洗车",
                                uses=10, price_fen=30_000, valid_months=12, actor="C01")
    yield hq, tills
    for till in tills:
        till.db.close()
    hq.close()


def sync(hq: HqDatabase, till: Till) -> None:
    """Upload everything the till has, then download."""
    net = Network()
    while True:
        send(till, net, 50)
        if not net.in_flight:
            break
        deliver(hq, net, 0)
        till.acked = net.acks[-1][1]
    download(till, hq)


def uses_left(db: Database, card_no: str) -> int:
    return countcards.show(db, card_no).uses_left


def hq_card(hq: HqDatabase, card_no: str) -> tuple[int, int, str]:
    with hq.transaction() as s:
        card = s.get(m.CountCard, card_no)
        assert card is not None
        return card.uses_left, card.value_fen, card.status


def exceptions(hq: HqDatabase, kind: str) -> list[dict[str, Any]]:
    with hq.transaction() as s:
        return [{"amount_fen": e.amount_fen, **json.loads(e.detail_json)} for e in s.scalars(
            select(m.Exception_).where(m.Exception_.kind == kind))]


def held(hq: HqDatabase) -> list[str]:
    with hq.transaction() as s:
        return list(s.scalars(select(m.HeldEvent.reason)))


def test_a_card_sold_at_one_store_is_used_at_another_and_both_agree(chain: Any) -> None:
    hq, (a, _, b) = chain
    zhang = register(a.db, phone=PHONE, name="张三")
    card = countcards.sell(a.db, zhang.member_id, "WASH10", method="cash", actor="C01").card
    countcards.use(a.db, card.card_no, uses=2, actor="C01")
    sync(hq, a)
    sync(hq, b)
    assert uses_left(b.db, card.card_no) == 8  # the card and its uses arrived with the member
    assert [c.card_no for c in countcards.cards(b.db, PHONE, live_only=True)] == [card.card_no]

    used = countcards.use(b.db, card.qr, uses=3, actor="C01")  # its QR scanned at store 0002
    assert (used.uses, used.value_fen, used.cards[0].uses_left) == (3, 9_000, 5)
    sync(hq, b)
    sync(hq, a)
    assert uses_left(a.db, card.card_no) == uses_left(b.db, card.card_no) == 5
    assert hq_card(hq, card.card_no) == (5, 15_000, "active")
    assert held(hq) == [] and exceptions(hq, "countcard_overuse") == []

    refunded = countcards.refund(b.db, card.card_no, actor="C01", grant=GRANT)
    assert (refunded.uses, refunded.refund_fen, refunded.method) == (5, 15_000, "cash")
    sync(hq, b)
    sync(hq, a)
    assert hq_card(hq, card.card_no) == (0, 0, "refunded")
    assert countcards.show(a.db, card.card_no).status == "refunded"
    with pytest.raises(Refused) as refused:
        countcards.use(a.db, PHONE, actor="C01")
    assert refused.value.code == "count_card_used_up"


def test_two_stores_giving_the_last_uses_offline_is_an_overuse_exception(chain: Any) -> None:
    hq, (a, _, b) = chain
    zhang = register(a.db, phone=PHONE)
    card = countcards.sell(a.db, zhang.member_id, "WASH10", method="cash", actor="C01").card
    countcards.use(a.db, card.card_no, uses=8, actor="C01")
    sync(hq, a)
    sync(hq, b)
    countcards.use(a.db, card.card_no, uses=2, actor="C01")  # neither knows of the other
    countcards.use(b.db, card.card_no, uses=2, actor="C01")
    sync(hq, a)
    sync(hq, b)
    assert hq_card(hq, card.card_no) == (-2, 0, "active")
    [overuse] = exceptions(hq, "countcard_overuse")
    assert overuse["card_no"] == card.card_no and overuse["uses_over"] == 2
    assert overuse["stores"] == {"0001": 0, "0002": -2}  # 0001 sold 10 and gave 10
    assert overuse["amount_fen"] == 2 * 3_000
    assert held(hq) == []  # both tills were honest: nothing refused, the overuse is listed
    sync(hq, a)
    assert uses_left(a.db, card.card_no) == uses_left(b.db, card.card_no) == -2


def test_head_office_sends_the_chains_count_card_products_to_every_till(chain: Any) -> None:
    hq, (a, _, _) = chain
    service.set_rule(hq, "card_product", "CUT12", {
        "name": "理发12次", "covers": "理发", "uses": 12, "price_fen": 38_800,
        "valid_months": 12})
    sync(hq, a)
    assert countcards.product(a.db, "CUT12").price_fen == 38_800
    zhang = register(a.db, phone=PHONE)
    sold = countcards.sell(a.db, zhang.member_id, "CUT12", method="cash", actor="C01")
    sync(hq, a)
    assert held(hq) == []
    assert hq_card(hq, sold.card.card_no) == (12, 38_800, "active")


# -- a dishonest till ---------------------------------------------------------------------------

def tamper_last_event(db: Database, change: Any) -> None:
    """Rewrite the newest outbox event's payload the way someone with the file could (the
    append-only trigger dropped first)."""
    with db.session() as s, s.begin():
        row = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq.desc())).first()
        assert row is not None
        body = json.loads(row.payload_json)
        change(body)
        s.connection().exec_driver_sql("DROP TRIGGER IF EXISTS outbox_no_update")
        s.connection().exec_driver_sql(
            "UPDATE outbox SET payload_json = ? WHERE seq = ?",
            (json.dumps(body, ensure_ascii=False, sort_keys=True), row.seq))


@pytest.mark.parametrize(("case", "reason"), [
    ("cheap_chain_card", "card_product_breaks_rule"),
    ("use_worth_nothing", "count_value_differs"),
    ("use_someone_elses_card", "count_other_member"),
    ("uses_in_a_plain_event", "moves_uses"),
])
def test_head_office_holds_count_card_events_an_honest_till_could_not_send(
        chain: Any, case: str, reason: str) -> None:
    hq, (a, _, _) = chain
    service.set_rule(hq, "card_product", "CUT12", {
        "name": "理发12次", "covers": "理发", "uses": 12, "price_fen": 38_800,
        "valid_months": 12})
    sync(hq, a)
    zhang = register(a.db, phone=PHONE)
    li = register(a.db, phone="13912345678")
    card = countcards.sell(a.db, zhang.member_id, "WASH10", method="cash", actor="C01").card
    sync(hq, a)
    if case == "cheap_chain_card":  # sold head office's card below the chain's price
        with a.db.session() as s, s.begin():  # a joined till names the rules it sold by
            a.db.set_setting(s, "hq_url", "http://127.0.0.1:9")
        countcards.sell(a.db, li.member_id, "CUT12", method="cash", actor="C01")
        tamper_last_event(a.db, lambda body: (
            body.update(paid_fen=100), body["count"][0].update(value_fen=100)))
    elif case == "use_worth_nothing":  # a use that says it moved no value
        countcards.use(a.db, card.card_no, actor="C01")
        tamper_last_event(a.db, lambda body: body["count"][0].update(value_fen=0))
    elif case == "use_someone_elses_card":
        countcards.use(a.db, card.card_no, actor="C01")
        tamper_last_event(a.db, lambda body: (
            body.update(member_id=li.member_id),
            body["count"][0].update(member_id=li.member_id)))
    else:  # uses taken by an event that is not a count-card action
        members.update_profile(a.db, PHONE, actor="C01", name="张三丰")
        tamper_last_event(a.db, lambda body: body.update(count=[{
            "card_no": card.card_no, "member_id": zhang.member_id, "uses": -5,
            "value_fen": -15_000, "after": [5, 15_000]}]))
    sync(hq, a)
    assert held(hq) == [reason]
    assert hq_card(hq, card.card_no)[0] == 10  # nothing applied


def test_head_office_pages_show_count_card_liability_and_overuse(
        chain: Any, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sync.hq import accounts
    from sync.hq.api import create_app
    from sync.hq.db import utcnow

    hq, (a, _, b) = chain
    zhang, li = register(a.db, phone=PHONE), register(a.db, phone="13912345678")
    card = countcards.sell(a.db, zhang.member_id, "WASH10", method="cash", actor="C01").card
    other = countcards.sell(a.db, li.member_id, "WASH10", method="cash", actor="C01").card
    countcards.use(a.db, card.card_no, uses=9, actor="C01")
    countcards.use(a.db, other.card_no, uses=3, actor="C01")
    sync(hq, a)
    sync(hq, b)
    countcards.use(a.db, card.card_no, actor="C01")
    countcards.use(b.db, card.card_no, actor="C01")  # the last use, given twice
    sync(hq, a)
    sync(hq, b)
    with hq.transaction() as s:  # an independent sum over the chain's cards
        cards = s.scalars(select(m.CountCard)).all()
        owed = sum(c.paid_fen * max(c.uses_left, 0) // c.uses_total for c in cards)
    assert owed == 21_000
    accounts.add_user(hq, "boss", "long enough password", utcnow())
    app = create_app(f"sqlite:///{tmp_path / 'hq.db'}")
    with TestClient(app) as client:
        client.auth = ("boss", "long enough password")
        page = client.get("/liability").text
        exceptions_page = client.get("/exceptions").text
    assert "次卡未用价值" in page and "¥210.00" in page
    assert "次卡超次" in exceptions_page
    assert f"次卡 {card.card_no}（洗车10次卡）：超出 1 次" in exceptions_page
