"""One QR secret for the whole chain: head office makes it once and gives it to every till when it
joins and when it is rebuilt, so a member's or count card's QR code printed at one store is
genuine at every other; the secret a till signed with before joining still verifies the codes it
printed then. Over real HTTP on SQLite and PostgreSQL (``live_hq``), and head office's and the
till's own rules about the secret on their own."""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import InvalidInput, Refused
from storeapp.identity import (
    make_card_no,
    sign_count_qr,
    sign_qr,
    verify_count_qr,
    verify_qr,
)
from storeapp.services import countcards, members, till_settings, users
from storeapp.till import open_till
from sync import client
from sync.hq import models as m
from sync.hq import service
from sync.hq.db import HqDatabase, utcnow
from sync.hq.errors import HqRefusal
from sync.restore import Link, restore
from tests.helpers import CASHIER, CLI_PIN, CLI_USER, START, cli_env, copy_database, register
from tests.sync.conftest import LiveHq
from tests.sync.fake_hq import TOKEN, URL, FakeHq

PHONE, EARLY = "13812345678", "13900000009"
CARD = make_card_no("0001", 1, 14)


@pytest.fixture
def make_till(tmp_path: Path, migrated_template: Path) -> Iterator[object]:
    """Tills copied from the test template: they share its QR secret unless a test gives one
    its own, as every real till makes its own on first start."""
    opened: list[Database] = []

    def make(name: str, *, own_secret: bool = False) -> Database:
        path = tmp_path / f"till-{name}.db"
        copy_database(migrated_template, path)
        db = open_till(path, clock=FixedClock(START)).db
        if own_secret:
            with db.session() as s, s.begin():
                db.set_setting(s, "qr_secret", secrets.token_hex(32))
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Database]:
    db = Database(path, clock=FixedClock(START))
    try:
        yield db
    finally:
        db.close()


def chain_secret(hq: HqDatabase) -> str:
    with hq.transaction() as s:
        return str(s.scalar(select(m.Secret.value).where(m.Secret.name == "qr")))


def found(db: Database, qr: str) -> list[str]:
    return [v.phone for v in members.find(db, qr)]


def refused(db: Database, qr: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        members.find(db, qr)
    return caught.value.code


def altered(qr: str) -> str:
    """The same code with the last letter of its signature changed."""
    return qr[:-1] + ("A" if qr[-1] != "A" else "B")


def wash_card(db: Database, phone: str) -> str:
    """A count card sold to ``phone`` for cash; its QR code."""
    countcards.save_product(db, code="WASH10", name="洗车10次卡", covers="洗车", uses=10,
                            price_fen=30_000, valid_months=12, actor=CASHIER)
    return countcards.sell(db, phone, "WASH10", method="cash", actor=CASHIER).card.qr


# -- over real HTTP ------------------------------------------------------------------------------

def test_a_qr_printed_at_one_store_is_genuine_at_another(live_hq: LiveHq,
                                                         make_till: object) -> None:
    till_a = make_till("a", own_secret=True)  # type: ignore[operator]
    till_b = make_till("b", own_secret=True)  # type: ignore[operator]
    own_a, own_b = till_a.settings.qr_secret, till_b.settings.qr_secret
    assert own_a != own_b
    early_qr = register(till_a, phone=EARLY, name="李四").qr  # printed before joining

    client.join(till_a, live_hq.url, live_hq.add_store("0001", "人民路店"))
    client.join(till_b, live_hq.url, live_hq.add_store("0002", "解放路店"))
    chain = chain_secret(live_hq.hq)
    assert len(chain) == 64 and chain not in (own_a, own_b)
    for till, own in ((till_a, own_a), (till_b, own_b)):
        assert (till.settings.qr_secret, till.settings.qr_secrets_previous) == (chain, [own])
        stored = till.load_settings()  # in the file, not only in this handle
        assert (stored.qr_secret, stored.qr_secrets_previous) == (chain, [own])

    zhang = register(till_a, phone=PHONE, name="张三")
    card_qr = wash_card(till_a, PHONE)
    client.run_sync(till_a)
    client.run_sync(till_b)

    qr = members.get(till_a, PHONE).qr
    assert qr == sign_qr(zhang.card_no, chain)
    assert found(till_b, qr) == [PHONE]  # scanned at the other store
    assert found(till_b, card_qr) == [PHONE]  # the count card's too
    assert countcards.cards(till_b, PHONE)[0].qr == card_qr
    assert found(till_a, early_qr) == [EARLY]  # printed before joining: still good where printed
    assert found(till_b, members.get(till_a, EARLY).qr) == [EARLY]  # reprinted: good everywhere
    assert found(till_b, members.get(till_b, EARLY).qr) == [EARLY]

    for forged in (altered(qr), sign_qr(zhang.card_no, "a-guessed-secret")):
        assert refused(till_a, forged) == refused(till_b, forged) == "forged_qr"
    assert refused(till_b, altered(card_qr)) == "forged_qr"
    # a secret one till made for itself is no key at another store
    assert refused(till_a, sign_qr(zhang.card_no, own_b)) == "forged_qr"
    assert refused(till_b, early_qr) == "forged_qr"


def test_a_till_rebuilt_from_head_office_verifies_the_codes_printed_before(
        live_hq: LiveHq, tmp_path: Path, migrated_template: Path) -> None:
    path = tmp_path / "till" / "storeapp.db"
    path.parent.mkdir()
    copy_database(migrated_template, path)
    token = live_hq.add_store("0001")
    with opened(path) as db:
        client.join(db, live_hq.url, token)
        zhang = register(db, phone=PHONE, name="张三")
        card_qr = wash_card(db, PHONE)
        qr = members.get(db, PHONE).qr
        client.run_sync(db)
    for leftover in path.parent.iterdir():  # a new disk: its first start makes a new secret
        leftover.unlink() if leftover.is_file() else shutil.rmtree(leftover)

    restore(path, from_head_office=True, link=Link(live_hq.url, token, 1))
    with opened(path) as db:
        assert db.settings.qr_secret == chain_secret(live_hq.hq)
        assert db.settings.qr_secrets_previous == []  # the blank file's own signed nothing
        assert found(db, qr) == [PHONE]
        assert found(db, card_qr) == [PHONE]
        assert members.get(db, PHONE).qr == qr  # reprinted: the very same code
        assert countcards.use(db, card_qr, actor=CASHIER).cards[0].uses_left == 9
        assert refused(db, altered(qr)) == "forged_qr"
        assert zhang.card_no in qr


def test_a_restore_keeps_the_secret_the_till_signed_with_before_joining(
        live_hq: LiveHq, tmp_path: Path, migrated_template: Path) -> None:
    path = tmp_path / "till" / "storeapp.db"
    path.parent.mkdir()
    copy_database(migrated_template, path)
    token = live_hq.add_store("0001")
    with opened(path) as db:
        own = db.settings.qr_secret
        early_qr = register(db, phone=EARLY, name="李四").qr
        client.join(db, live_hq.url, token)
        client.run_sync(db)

    restore(path)  # from the till's own file (nothing was lost): its settings come over
    with opened(path) as db:
        assert db.settings.qr_secret == chain_secret(live_hq.hq)
        assert db.settings.qr_secrets_previous == [own]
        assert found(db, early_qr) == [EARLY]


# -- head office ---------------------------------------------------------------------------------

def test_head_office_makes_one_secret_once_and_gives_it_to_every_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    hq = HqDatabase(url)
    try:
        first = chain_secret(hq)
        for code in ("0001", "0002"):
            service.add_store(hq, code, code, utcnow())
        with hq.transaction() as s:
            stores = list(s.scalars(select(m.Store)))
        answers = [service.store_info(hq, store, utcnow()) for store in stores]
        assert [a["qr_secret"] for a in answers] == [first, first]
        with pytest.raises(HqRefusal) as caught:  # not a rule: rules are listed on the pages
            service.set_rule(hq, "setting", "qr_secret", "chosen-by-hand")
        assert caught.value.code == "not_a_chain_setting"
    finally:
        hq.close()
    again = HqDatabase(url)  # opened again (migrations already run): the same secret
    try:
        assert chain_secret(again) == first
    finally:
        again.close()
    other = HqDatabase(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        assert chain_secret(other) != first  # another chain, another secret
    finally:
        other.close()


# -- the till ------------------------------------------------------------------------------------

def test_joining_takes_the_chain_secret_and_keeps_the_till_s_own_as_previous(
        make_till: object) -> None:
    db = make_till("a", own_secret=True)  # type: ignore[operator]
    own = db.settings.qr_secret
    old_hq = FakeHq(qr_secret="")  # a head office from before there was a chain secret
    client.join(db, URL, TOKEN, transport=old_hq.transport())
    assert (db.settings.qr_secret, db.settings.qr_secrets_previous) == (own, [])

    hq = FakeHq(qr_secret="the-chain-secret")
    client.join(db, URL, TOKEN, transport=hq.transport())  # joining again takes it
    assert (db.settings.qr_secret, db.settings.qr_secrets_previous) == ("the-chain-secret", [own])
    client.join(db, URL, TOKEN, transport=hq.transport())  # and again: nothing changes
    assert db.load_settings().qr_secrets_previous == [own]
    assert db.settings.qr_secrets == ("the-chain-secret", own)


def test_qr_codes_verify_under_the_current_or_a_previous_secret_and_sign_with_the_current() -> None:
    keys = ("current", "before", "long-before")
    for key in keys:
        assert verify_qr(sign_qr(CARD, key), keys) == CARD
        assert verify_count_qr(sign_count_qr("K" + CARD, key), list(keys)) == "K" + CARD
    assert verify_qr(sign_qr(CARD, "current"), "current") == CARD  # one secret, as before
    for wrong, secrets_ in (("other", keys), ("", ("", "current")), ("x", ())):
        with pytest.raises(InvalidInput) as caught:
            verify_qr(sign_qr(CARD, wrong), secrets_)
        assert caught.value.code == "forged_qr"


def test_the_qr_secrets_are_never_shown_nor_set_by_hand_in_a_chain(make_till: object,
                                                                   tmp_path: Path) -> None:
    db = make_till("a")  # type: ignore[operator]
    with pytest.raises(Refused) as caught:
        till_settings.change(db, {"qr_secrets_previous": ["x"]}, actor="M01")
    assert caught.value.code == "sync_owned"
    client.join(db, URL, TOKEN, transport=FakeHq().transport())
    with pytest.raises(Refused) as caught:
        till_settings.change(db, {"qr_secret": "chosen-by-hand"}, actor="M01")
    assert caught.value.code == "sync_owned"

    path = tmp_path / "till-a.db"
    secrets_ = [db.settings.qr_secret, *db.settings.qr_secrets_previous]
    assert len(secrets_) == 2
    users.add_user(db, code=CLI_USER, name="管理员", role="admin", pin=CLI_PIN, actor="setup")
    for args in ((), ("qr_secret",), ("qr_secrets_previous",)):
        proc = subprocess.run([sys.executable, "-m", "storeapp.cli", "--db", str(path), "--json",
                               "settings", *args], capture_output=True, text=True, timeout=60,
                              check=True, env=cli_env())
        shown = json.loads(proc.stdout)
        assert not any(secret in proc.stdout + proc.stderr for secret in secrets_), args
        if args:
            assert shown == {args[0]: "********"}
        else:
            assert "qr_secret" not in shown and "store_code" in shown
