"""Two stores' tills and the real head-office server (``sync.hq.api``, in-process over its ASGI
app): money and points add up at every till whatever the order of syncs, the same phone at two
stores becomes one member, and a spend is held by head office."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storeapp.cli import main
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.services import members, users
from storeapp.services.sales import TenderIn
from sync import client
from sync.guard import HttpSpendGate
from tests.helpers import (
    MANAGER_CODE,
    MANAGER_PIN,
    START,
    copy_database,
    register,
    sell,
    set_setting,
    topup,
)

api = pytest.importorskip("sync.hq.api")
service = pytest.importorskip("sync.hq.service")
URL = "https://hq.test"


class AppTransport(httpx.BaseTransport):
    """httpx's ASGI transport is async only; the till's client is sync."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            return httpx.Response(response.status_code, headers=response.headers,
                                  content=await response.aread())
        return asyncio.run(send())


@pytest.fixture(name="app")
def app_fixture(tmp_path: Path) -> Any:
    return api.create_app(f"sqlite:///{tmp_path / 'hq.db'}")


@pytest.fixture(name="till")
def till_fixture(tmp_path: Path, migrated_template: Path,
                 app: Any) -> Iterator[Callable[..., Database]]:
    """A new till database, number ``till_no``, joined to store ``code`` (made at head office
    on first use)."""
    opened: list[Database] = []
    tokens: dict[str, str] = {}

    def make(code: str, till_no: int = 1) -> Database:
        path = tmp_path / f"till-{code}-{till_no}.db"
        copy_database(migrated_template, path)
        db = Database(path, clock=FixedClock(START))
        opened.append(db)
        if code not in tokens:
            tokens[code] = service.add_store(app.state.hq, code, f"门店 {code}", START)["token"]
        set_setting(db, "till_no", till_no)
        client.join(db, URL, tokens[code], transport=AppTransport(app))
        db.spend_gate = HttpSpendGate(db, transport=AppTransport(app))
        return db

    yield make
    for db in opened:
        db.close()


def sync(db: Database, app: Any) -> client.SyncReport:
    return client.run_sync(db, client=client.client_for(db, transport=AppTransport(app)))


def shown(db: Database, ref: str) -> tuple[int, int, int]:
    view = members.get(db, ref)
    return view.principal_fen, view.bonus_fen, view.points


def test_balances_add_up_at_both_stores(till: Callable[..., Database], app: Any) -> None:
    one, two = till("0001"), till("0002")
    member = register(one, phone="13812345678", name="张三")
    topup(one, member, 50_000)  # ¥500 + ¥50 bonus
    sell(one, member, 10_000)  # ¥100 cash: 100 points
    sync(one, app)

    report = sync(two, app)
    assert report.members == 1
    assert shown(two, "13812345678") == shown(one, "13812345678") == (50_000, 5_000, 100)

    sell(two, member, 11_000, tenders=[TenderIn("wallet")])  # held by head office first
    sync(two, app)
    sync(one, app)
    sync(two, app)  # a second round changes nothing

    assert shown(one, "13812345678") == shown(two, "13812345678")
    assert members.get(one, "13812345678").balance_fen == 55_000 - 11_000


def test_two_tills_of_one_store_see_each_others_movements(till: Callable[..., Database],
                                                          app: Any) -> None:
    first, second = till("0001", 1), till("0001", 2)
    member = register(first, phone="13812345678", name="张三")
    topup(first, member, 20_000)
    sync(first, app)
    sync(second, app)
    sell(second, member, 5_000, tenders=[TenderIn("wallet")])
    sync(second, app)
    sync(first, app)

    assert shown(first, "13812345678") == shown(second, "13812345678")
    assert members.get(first, "13812345678").balance_fen == 20_000 - 5_000  # no bonus under ¥500


def test_a_spend_past_the_chain_balance_is_refused_at_the_other_store(
        till: Callable[..., Database], app: Any) -> None:
    one, two = till("0001"), till("0002")
    member = register(one, phone="13812345678", name="张三")
    topup(one, member, 10_000)
    sync(one, app)
    sync(two, app)
    sell(one, member, 8_000, tenders=[TenderIn("wallet")])  # held at head office, not synced

    with pytest.raises(Refused) as refused:
        sell(two, member, 5_000, tenders=[TenderIn("wallet")])
    assert refused.value.code == "insufficient_balance"


def test_spent_twice_while_one_store_was_offline_blocks_the_wallet_everywhere(
        till: Callable[..., Database], app: Any) -> None:
    one, two = till("0001"), till("0002")
    member = register(one, phone="13812345678", name="张三")
    topup(one, member, 10_000)
    sync(one, app)
    sync(two, app)

    one.spend_gate = HttpSpendGate(one, transport=httpx.MockTransport(_unreachable))
    sell(one, member, 8_000, tenders=[TenderIn("wallet")])  # offline allowance
    sell(two, member, 8_000, tenders=[TenderIn("wallet")])  # head office still sees ¥100
    sync(two, app)
    sync(one, app)  # head office learns of both spends: ¥60 short
    sync(two, app)

    for db in (one, two):
        assert members.get(db, "13812345678").balance_fen == -6_000
        with pytest.raises(Refused) as refused:
            sell(db, member, 100, tenders=[TenderIn("wallet")])
        assert refused.value.code == "wallet_blocked"


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no route to head office", request=request)


def test_the_same_phone_at_two_stores_becomes_one_member(till: Callable[..., Database],
                                                        app: Any) -> None:
    one, two = till("0001"), till("0002")
    first = register(one, phone="13812345678", name="张三")
    topup(one, first, 10_000)
    second = register(two, phone="13812345678", name="张三")  # two had not synced yet
    topup(two, second, 20_000)

    sync(one, app)
    sync(two, app)  # head office merges two's member into one's
    sync(one, app)

    for db in (one, two):
        survivor = members.get(db, "13812345678")
        assert survivor.member_id == first.member_id
        assert survivor.balance_fen == 30_000
        assert members.get(db, second.member_id).member_id == first.member_id


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    """The head-office app on a real HTTP port (uvicorn in a thread), for the CLI."""
    uvicorn = pytest.importorskip("uvicorn")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "head office did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_join_and_sync_from_the_command_line(served: str, app: Any, tmp_path: Path,
                                             migrated_template: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    token = service.add_store(app.state.hq, "0003", "三号店", START)["token"]
    path = tmp_path / "cli-till.db"
    copy_database(migrated_template, path)
    with contextlib.closing(Database(path)) as at_till:
        users.add_user(at_till, code=MANAGER_CODE, name="经理", role="manager", pin=MANAGER_PIN,
                       actor="setup")
    monkeypatch.setenv("STOREAPP_USER", MANAGER_CODE)  # the store manager joins the till
    monkeypatch.setenv("STOREAPP_PIN", MANAGER_PIN)

    def cli(*args: str) -> dict[str, Any]:
        assert main(["--db", str(path), "--json", *args]) == 0
        return dict(json.loads(capsys.readouterr().out))

    monkeypatch.setenv("STOREAPP_HQ_TOKEN", token)  # never on the command line
    joined = cli("store", "join", "--server", served)
    monkeypatch.delenv("STOREAPP_HQ_TOKEN")
    assert (joined["store_code"], joined["store_name"]) == ("0003", "三号店")
    # the token is in the till's key store: not in its settings, nor anywhere in its files
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM settings WHERE name = 'hq_token'"
                            ).fetchone() == (0,)
    assert not [f for f in tmp_path.glob("cli-till.db*") if token.encode() in f.read_bytes()]
    at_till = Database(path)
    assert at_till.settings.hq_token == token
    register(at_till, phone="13812345678", name="张三")
    at_till.close()

    report = cli("sync")

    assert report["uploaded"] == report["acked_seq"] > 0 and report["members"] == 1
    status = cli("sync", "status")
    assert status["linked"] and status["pending_events"] == 0 and status["last_sync_at"]
