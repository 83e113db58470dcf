"""Two tills and one head office over real HTTP on loopback, on SQLite and on PostgreSQL.

Each till is a real till database driven through the services; head office is the real server
(in this process, or as a process the test kills); the tills talk to it with the real client.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.models import Member, OutboxEvent
from storeapp.services import members, sales
from storeapp.till import open_till
from sync import client
from sync.hq import models as m
from sync.hq import service
from sync.hq.db import HqDatabase, utcnow
from sync.hq.reconcile import reconcile
from sync.http import HqRefused, HqUnreachable
from tests.helpers import CASHIER, START, copy_database, register, topup
from tests.sync.conftest import HqProcess, LiveHq

PHONE = "13812345678"


@pytest.fixture
def make_till(tmp_path: Path, migrated_template: Path) -> Iterator[
        type[Database] | object]:
    opened: list[Database] = []

    def make(store_code: str, till_no: int = 1) -> Database:
        path = tmp_path / f"till-{store_code}-{till_no}.db"
        copy_database(migrated_template, path)
        db = open_till(path, clock=FixedClock(START)).db
        with db.session() as s, s.begin():
            db.set_setting(s, "till_no", till_no)
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.close()


def pay_by_wallet(db: Database, phone: str, amount_fen: int) -> dict:
    return sales.checkout(db, member_ref=phone, lines=[sales.LineIn(unit_price_fen=amount_fen)],
                          tenders=[sales.TenderIn("wallet")], actor=CASHIER)


def balance(db: Database, phone: str) -> tuple[int, int, int]:
    view = members.get(db, phone)
    return view.principal_fen, view.bonus_fen, view.points


def hq_member(hq: HqDatabase, phone: str) -> dict:
    return service.member_show(hq, phone)


def test_register_and_top_up_at_one_store_spend_at_another(live_hq: LiveHq,
                                                           make_till: object) -> None:
    till_a, till_b = make_till("0001"), make_till("0002")  # type: ignore[operator]
    client.join(till_a, live_hq.url, live_hq.add_store("0001", "人民路店"))
    client.join(till_b, live_hq.url, live_hq.add_store("0002", "解放路店"))
    zhang = register(till_a, phone=PHONE, name="张三")
    topup(till_a, zhang, 50_000)  # ¥500 + ¥50 bonus
    assert client.run_sync(till_a).uploaded >= 2

    report = client.run_sync(till_b)
    assert report.members == 1
    assert balance(till_b, PHONE) == (50_000, 5_000, 0)

    paid = pay_by_wallet(till_b, PHONE, 11_000)  # held at head office, then posted at B
    spent = paid["tenders"][0]
    with live_hq.hq.transaction() as s:
        assert s.scalar(select(m.Hold.released_at).where(m.Hold.key == paid["sale_key"])) \
            is None  # held, the sale's event has not arrived yet
    client.run_sync(till_b)
    client.run_sync(till_a)

    expected = (50_000 - spent["principal_fen"], 5_000 - spent["bonus_fen"], 110)
    assert balance(till_a, PHONE) == balance(till_b, PHONE) == expected
    chain = hq_member(live_hq.hq, PHONE)
    assert (chain["principal_fen"], chain["bonus_fen"], chain["points"]) == expected
    assert chain["balance_fen"] == 55_000 - 11_000
    assert not chain["blocked"]
    with live_hq.hq.transaction() as s:
        assert s.scalar(select(m.Hold.released_at).where(m.Hold.key == paid["sale_key"])) \
            is not None
    assert reconcile_exceptions(live_hq.hq) == []


def test_head_office_refuses_an_online_spend_the_chain_balance_cannot_cover(
        live_hq: LiveHq, make_till: object) -> None:
    till_a, till_b = make_till("0001"), make_till("0002")  # type: ignore[operator]
    client.join(till_a, live_hq.url, live_hq.add_store("0001"))
    client.join(till_b, live_hq.url, live_hq.add_store("0002"))
    zhang = register(till_a, phone=PHONE)
    topup(till_a, zhang, 20_000)
    client.run_sync(till_a)
    client.run_sync(till_b)
    pay_by_wallet(till_a, PHONE, 15_000)  # held; B has not heard of it
    with pytest.raises(Refused) as refused:
        pay_by_wallet(till_b, PHONE, 10_000)
    assert refused.value.code == "insufficient_balance"
    assert balance(till_b, PHONE) == (20_000, 0, 0)  # nothing posted at B


def test_two_offline_stores_overspend_and_head_office_flags_exactly_the_shortfall(
        hq_process: tuple[HqProcess, HqDatabase], make_till: object) -> None:
    server, hq = hq_process
    tokens = {code: service.add_store(hq, code, code, utcnow())["token"]
              for code in ("0001", "0002")}
    till_a, till_b = make_till("0001"), make_till("0002")  # type: ignore[operator]
    client.join(till_a, server.url, tokens["0001"])
    client.join(till_b, server.url, tokens["0002"])
    zhang = register(till_a, phone=PHONE)
    topup(till_a, zhang, 30_000)
    client.run_sync(till_a)
    client.run_sync(till_b)

    server.kill()  # head office down: both tills sell on their offline allowance
    pay_by_wallet(till_a, PHONE, 25_000)
    pay_by_wallet(till_b, PHONE, 25_000)
    with pytest.raises(HqUnreachable):
        client.run_sync(till_a)
    assert client.status(till_a).offline_since is not None

    server.start()
    client.run_sync(till_a)
    client.run_sync(till_b)
    client.run_sync(till_a)

    chain = hq_member(hq, PHONE)
    assert chain["balance_fen"] == 30_000 - 50_000  # nothing lost, nothing counted twice
    assert chain["blocked"]
    overdrafts = [e for e in reconcile_exceptions(hq) if e["kind"] == "overdraft"]
    assert [(e["phone"], e["amount_fen"]) for e in overdrafts] == [(PHONE, 20_000)]
    assert overdrafts[0]["detail"]["stores"] == {"0001": 5_000, "0002": -25_000}
    for till in (till_a, till_b):
        assert sum(balance(till, PHONE)[:2]) == -20_000
        with pytest.raises(Refused) as refused:
            pay_by_wallet(till, PHONE, 100)
        assert refused.value.code == "wallet_blocked"


def test_the_offline_allowance_caps_what_a_store_may_spend_without_head_office(
        hq_process: tuple[HqProcess, HqDatabase], make_till: object) -> None:
    server, hq = hq_process
    till = make_till("0001")  # type: ignore[operator]
    client.join(till, server.url, service.add_store(hq, "0001", "A", utcnow())["token"])
    zhang = register(till, phone=PHONE)
    topup(till, zhang, 100_000)
    client.run_sync(till)
    server.kill()
    with pytest.raises(Refused) as too_big:
        pay_by_wallet(till, PHONE, 30_001)
    assert too_big.value.code == "offline_limit_txn"
    pay_by_wallet(till, PHONE, 30_000)
    with pytest.raises(Refused) as member_cap:
        pay_by_wallet(till, PHONE, 20_001)
    assert member_cap.value.code == "offline_limit_member"
    pay_by_wallet(till, PHONE, 20_000)
    till.clock.advance(hours=25)  # type: ignore[attr-defined]
    lisi = register(till, phone="13900001111")
    topup(till, lisi, 10_000)
    with pytest.raises(Refused) as too_long:
        pay_by_wallet(till, "13900001111", 1_000)
    assert too_long.value.code == "offline_too_long"


def test_a_server_killed_mid_upload_is_resumed_and_every_event_is_stored_once(
        hq_process: tuple[HqProcess, HqDatabase], make_till: object) -> None:
    server, hq = hq_process
    till = make_till("0001")  # type: ignore[operator]
    client.join(till, server.url, service.add_store(hq, "0001", "A", utcnow())["token"])
    for n in range(60):
        topup(till, register(till, phone=f"1381000{n:04d}"), 1_000 + n)
    with till.reader() as s:
        outbox = int(s.scalar(select(func.count()).select_from(OutboxEvent)) or 0)

    failure: list[BaseException] = []

    def slow_upload() -> None:
        try:
            with client.client_for(till) as hq_client:
                client.upload(till, hq_client, batch_size=3)
        except BaseException as exc:
            failure.append(exc)

    uploader = threading.Thread(target=slow_upload)
    uploader.start()
    deadline = time.monotonic() + 30
    while stored_events(hq) < 30 and time.monotonic() < deadline:
        time.sleep(0.005)
    server.kill()
    uploader.join(30)
    assert failure and isinstance(failure[0], HqUnreachable)
    assert 30 <= stored_events(hq) < outbox

    server.start()
    report = client.run_sync(till)
    assert report.acked_seq == outbox
    with hq.transaction() as s:
        seqs = s.scalars(select(m.Event.seq).order_by(m.Event.seq)).all()
        total = s.scalar(select(func.sum(m.Member.principal_fen)))
    assert seqs == list(range(1, outbox + 1))
    assert total == sum(1_000 + n for n in range(60))


def test_the_same_phone_registered_at_two_offline_stores_is_merged_and_both_tills_learn_it(
        live_hq: LiveHq, make_till: object) -> None:
    till_a, till_b = make_till("0001"), make_till("0002")  # type: ignore[operator]
    client.join(till_a, live_hq.url, live_hq.add_store("0001"))
    client.join(till_b, live_hq.url, live_hq.add_store("0002"))
    at_a = register(till_a, phone=PHONE, name="张三")
    at_b = register(till_b, phone=PHONE, name="张三")
    topup(till_a, at_a, 10_000)
    topup(till_b, at_b, 20_000)
    client.run_sync(till_a)
    client.run_sync(till_b)  # second in server order: merged into A's member
    client.run_sync(till_a)

    for till in (till_a, till_b):
        survivor = members.get(till, PHONE)
        assert survivor.member_id == at_a.member_id
        assert (survivor.principal_fen, survivor.bonus_fen) == (30_000, 0)
        assert members.get(till, at_b.card_no).member_id == at_a.member_id
    with till_b.reader() as s:
        merged = s.get(Member, at_b.member_id)
        assert merged is not None
        assert (merged.merged_into, merged.principal_fen) == (at_a.member_id, 0)
    chain = hq_member(live_hq.hq, PHONE)
    assert chain["balance_fen"] == 30_000
    assert chain["merged_from"] == [at_b.member_id]
    kinds = [e["kind"] for e in reconcile_exceptions(live_hq.hq)]
    assert kinds == ["merged_duplicate"]


def test_a_wrong_or_revoked_token_is_refused_at_the_till(live_hq: LiveHq,
                                                        make_till: object) -> None:
    till = make_till("0001")  # type: ignore[operator]
    token = live_hq.add_store("0001")
    with pytest.raises(HqRefused) as wrong:
        client.join(till, live_hq.url, token + "x")
    assert wrong.value.code == "bad_token"
    client.join(till, live_hq.url, token)
    register(till, phone=PHONE)
    service.revoke_store(live_hq.hq, "0001", utcnow())
    with pytest.raises(HqRefused) as revoked:
        client.run_sync(till)
    assert revoked.value.code == "revoked"
    assert "revoked" in client.status(till).last_error
    assert stored_events(live_hq.hq) == 0


def stored_events(hq: HqDatabase) -> int:
    with hq.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(m.Event)) or 0)


def reconcile_exceptions(hq: HqDatabase) -> list[dict]:
    with hq.transaction() as s:
        return list(reconcile(s)["exceptions"])


def test_rules_and_prices_set_at_head_office_reach_every_till(live_hq: LiveHq,
                                                             make_till: object) -> None:
    from storeapp.models import Product

    till_a = make_till("0001")  # type: ignore[operator]
    client.join(till_a, live_hq.url, live_hq.add_store("0001"))
    service.set_rule(live_hq.hq, "setting", "points_per_yuan", 3)
    service.set_rule(live_hq.hq, "product", "6901234567892",
                     {"name": "矿泉水 Water", "price_fen": 250, "active": True})
    report = client.run_sync(till_a)
    assert report.rules == 2
    assert till_a.settings.points_per_yuan == 3
    with till_a.reader() as s:
        water = s.get(Product, "6901234567892")
    assert water is not None and (water.name, water.price_fen) == ("矿泉水 Water", 250)
    register(till_a, phone=PHONE)
    sold = sales.checkout(till_a, member_ref=PHONE, lines=[sales.LineIn(barcode="6901234567892",
                                                                       qty=4)],
                          tenders=[sales.TenderIn("cash")], actor=CASHIER)
    assert (sold["total_fen"], sold["points_earned"]) == (1_000, 30)
    assert client.run_sync(till_a).rules == 0  # nothing new: the cursor moved past them
