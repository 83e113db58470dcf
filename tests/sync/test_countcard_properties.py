"""Property: count cards (次卡) sold, used, expired, refunded and adjusted at three tills of two
stores, whatever the network does to their batches, are each applied once at head office; its
uses never go below zero except as an open overuse exception; the unused value is the paid
price × unused / total within a fen everywhere; and in the end every till holds head office's
uses and value of every card, with its own journal adding up.

The tills are real till databases driven through the services; head office is the real ingest,
verification and download code over SQLite; the network is :mod:`tests.sync.test_sync_properties`'
list of batches in flight that hypothesis delivers, duplicates, drops and reorders. Every action
is an honest till's, so head office must hold none of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from storeapp import count_rules
from storeapp.errors import DomainError
from storeapp.integrity import ledger_problems
from storeapp.models import CountCard, CountEntry, Member
from storeapp.services import countcards, users
from sync.hq import models as m
from sync.hq.db import HqDatabase
from tests.helpers import register
from tests.sync.test_sync_properties import (
    Network,
    Till,
    check_exactly_once,
    deliver,
    download,
    hear_ack,
    make_tills,
    send,
    time_out,
)

PRODUCTS = (("WASH10", "洗车10次卡", 10, 30_000, 1), ("CUT12", "理发12次", 12, 38_800, 12),
            ("TEA3", "茶饮3杯", 3, 1_000, 2))
GRANT = users.Grant(approver="M01", reason="test")


def set_up(till: Till, serial: int) -> None:
    for code, name, uses, price, months in PRODUCTS:
        countcards.save_product(till.db, code=code, name=name, covers=name, uses=uses,
                                price_fen=price, valid_months=months, actor="C01")
    member = register(till.db, phone=f"1380000{serial:04d}")
    countcards.sell(till.db, member.member_id, PRODUCTS[serial % len(PRODUCTS)][0],
                    method="cash", actor="C01")


def act(till: Till, choice: int, amount: int) -> None:
    """One counter action on a member or card this till knows (stale uses included)."""
    db = till.db
    with db.reader() as s:
        known = s.scalars(select(Member.member_id).order_by(Member.member_id)).all()
        cards = s.scalars(select(CountCard.card_no).order_by(CountCard.card_no)).all()
    member = known[amount % len(known)]
    try:
        if choice <= 1:
            product = PRODUCTS[amount % len(PRODUCTS)][0]
            countcards.sell(db, member, product, method="cash", actor="C01")
        elif choice <= 4:
            countcards.use(db, cards[amount % len(cards)], uses=1 + amount % 3, actor="C01")
        elif choice == 5:
            countcards.refund(db, cards[amount % len(cards)], actor="C01", grant=GRANT)
        elif choice == 6:
            countcards.adjust(db, cards[amount % len(cards)], 1 if amount % 2 else -1,
                              actor="C01", grant=GRANT)
        else:
            countcards.expire_due(db, actor="C01")
    except DomainError:  # used up here, refunded, expired...
        pass


acting = st.tuples(st.just("act"), st.integers(0, 2), st.integers(0, 7), st.integers(0, 40))
step = st.one_of(
    acting, acting, acting, acting,
    st.tuples(st.just("send"), st.integers(0, 2), st.integers(1, 4), st.just(0)),
    st.tuples(st.just("deliver"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("duplicate"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("drop"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("ack"), st.integers(0, 99), st.just(0), st.just(0)),
    st.tuples(st.just("timeout"), st.integers(0, 2), st.just(0), st.just(0)),
    st.tuples(st.just("download"), st.integers(0, 2), st.just(0), st.just(0)),
    st.tuples(st.just("days"), st.integers(1, 40), st.just(0), st.just(0)),
    st.tuples(st.just("sync"), st.integers(0, 2), st.just(0), st.just(0)),
)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=25, max_size=70))
def test_count_cards_applied_once_and_agree_everywhere_whatever_the_network_does(
        tmp_path_factory: Any, migrated_template: Path, steps: list[tuple[str, int, int, int]],
) -> None:
    tmp = tmp_path_factory.mktemp("cards")
    hq = HqDatabase(f"sqlite:///{tmp / 'hq.db'}")
    tills = make_tills(tmp, migrated_template, hq)
    net = Network()
    try:
        for serial, till in enumerate(tills):
            set_up(till, serial)
        for kind, a, b, c in steps:
            if kind == "act":
                act(tills[a], b, c)
                for till in tills:
                    till.db.clock.advance(minutes=3)  # type: ignore[attr-defined]
            elif kind == "days":
                for till in tills:
                    till.db.clock.advance(days=a)  # type: ignore[attr-defined]
            elif kind == "send":
                send(tills[a], net, b)
            elif kind in ("deliver", "duplicate", "drop") and net.in_flight:
                index = a % len(net.in_flight)
                if kind == "drop":
                    net.in_flight.pop(index)
                else:
                    deliver(hq, net, index, keep=kind == "duplicate")
            elif kind == "ack" and net.acks:
                hear_ack(net, a % len(net.acks))
            elif kind == "timeout":
                time_out(tills[a], hq)
            elif kind == "download":
                download(tills[a], hq)
            elif kind == "sync":  # a moment the network works: all of one till up, then down
                sync_now(tills[a], hq, net)
        while net.in_flight:
            deliver(hq, net, len(net.in_flight) - 1)
        for till in tills:
            sync_now(till, hq, net)
        for till in tills:
            download(till, hq)
        check_exactly_once(hq, tills)
        check_cards_agree(hq, tills)
    finally:
        for till in tills:
            till.db.close()
        hq.close()


def sync_now(till: Till, hq: HqDatabase, net: Network) -> None:
    time_out(till, hq)
    while True:
        send(till, net, 5)
        if not net.in_flight:
            break
        deliver(hq, net, len(net.in_flight) - 1)
    download(till, hq)


def check_cards_agree(hq: HqDatabase, tills: list[Till]) -> None:
    with hq.transaction() as s:
        held = s.scalars(select(m.HeldEvent.detail_json)).all()
        assert held == [], f"head office held an honest till's events: {held}"
        chain = {c.card_no: c for c in s.scalars(select(m.CountCard))}
        shares = dict(s.execute(select(m.CountShare.card_no, func.sum(m.CountShare.uses))
                                .group_by(m.CountShare.card_no)).all())
        rows = dict(s.execute(select(m.CountRow.card_no, func.sum(m.CountRow.uses))
                              .group_by(m.CountRow.card_no)).all())
        elsewhere = s.scalar(select(func.count()).select_from(m.CountRow).join(
            m.CountCard, m.CountCard.card_no == m.CountRow.card_no).where(
            m.CountRow.store_code != m.CountCard.store_code))
        if elsewhere:
            event("a card used at another store")
        overused = {json_card(detail) for detail in s.scalars(
            select(m.Exception_.detail_json).where(m.Exception_.kind == "countcard_overuse",
                                                   m.Exception_.resolved_at.is_(None)))}
        s.expunge_all()
    for card_no, card in chain.items():
        assert shares[card_no] == rows[card_no] == card.uses_left  # each use counted once
        if card.uses_left < 0:
            assert card_no in overused, f"{card_no} overused without an exception"
            event("a card overused across stores")
        if card.status == "refunded":
            event("a card refunded")
        unused = min(max(card.uses_left, 0), card.uses_total)  # an adjustment adds no value
        exact = card.paid_fen * unused / card.uses_total
        assert abs(card.value_fen - exact) < 1  # paid × unused / total, within a fen
    for till in tills:
        with till.db.reader() as s:
            assert ledger_problems(s) == []
            local = {c.card_no: (c.uses_left, c.value_fen, c.status)
                     for c in s.scalars(select(CountCard))}
            journal = dict(s.execute(select(CountEntry.card_no, func.sum(CountEntry.uses))
                                     .group_by(CountEntry.card_no)).all())
        assert local == {no: (c.uses_left, count_rules.value_of(c.paid_fen, c.uses_total,
                                                                  c.uses_left), c.status)
                         for no, c in chain.items()}, f"till {till.store.code}/{till.till_no}"
        assert set(journal) <= set(chain)
        assert {no: journal.get(no, 0) for no in chain} == {
            no: c.uses_left for no, c in chain.items()}


def json_card(detail: str) -> str:
    import json

    return str(json.loads(detail)["card_no"])
