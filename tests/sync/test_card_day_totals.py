"""Day totals of count cards (次卡) and gift cards (不记名预付卡): each till reports its own
journals' movements per local day (:mod:`sync.totals`), head office compares them with what it
applied for that till (:mod:`sync.hq.reconcile`). Honest tills reconcile clean, even when two
stores use one card between syncs (head office's own value of a use then differs from the
till's by a fen of rounding); a till whose file was edited after its events were sent shows a
``day_mismatch``. And a till's balance enquiry of a gift card (``GET /giftcard``).

Real till databases driven through the services; head office is the real ingest over SQLite and
PostgreSQL (the enquiry: a real server over HTTP)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.requests import Request

from storeapp.services import countcards, giftcards, sales, users
from storeapp.services.sales import LineIn, TenderIn
from sync import client, totals
from sync.hq import models as m
from sync.hq import pages, service
from sync.hq.db import HqDatabase, utcnow
from sync.hq.figures import till_checks
from sync.hq.reconcile import card_applied, reconcile
from sync.protocol import API, dumps, signed_headers
from tests.helpers import register
from tests.sync.conftest import LiveHq
from tests.sync.tamper import drop_triggers
from tests.sync.test_sync_properties import Network, Till, deliver, download, make_tills, send
from tests.sync.test_two_tills import make_till  # noqa: F401  (a fixture)

GRANT = users.Grant(approver="M01", reason="test")
CARD_ACCOUNTS = ("countcard:uses", "countcard:value", "giftcard")


@pytest.fixture
def chain(tmp_path: Path, migrated_template: Path, hq_url: str) -> Any:
    hq = HqDatabase(hq_url)
    tills = make_tills(tmp_path, migrated_template, hq)
    for till in tills:  # three uses for ¥100: a use is worth ¥33.33 or ¥33.34
        countcards.save_product(till.db, code="CUT3", name="理发3次卡", covers="理发",
                                uses=3, price_fen=10_000, valid_months=12, actor="C01")
    yield hq, tills
    for till in tills:
        till.db.close()
    hq.close()


def upload(hq: HqDatabase, till: Till) -> None:
    net = Network()
    while True:
        send(till, net, 50)
        if not net.in_flight:
            return
        deliver(hq, net, 0)


def sync(hq: HqDatabase, till: Till) -> None:
    upload(hq, till)
    download(till, hq)


def report(hq: HqDatabase, till: Till) -> dict[str, list[int]]:
    """The till's own day totals for today, sent to head office as ``storeapp sync`` does."""
    today = till.db.clock.local_date()
    days = totals.day_totals(till.db, [today])
    service.day_totals(hq, till.store, {"till_no": till.till_no, "days": days}, utcnow())
    return dict(days[0]["accounts"])


def mismatches(hq: HqDatabase) -> list[dict[str, Any]]:
    with hq.transaction() as s:
        return [e for e in reconcile(s)["exceptions"] if e["kind"] == "day_mismatch"]


def pay_gift(till: Till, card: str, amount_fen: int) -> sales.SaleResult:
    return sales.checkout(till.db, member_ref=None, lines=[LineIn(unit_price_fen=amount_fen)],
                          tenders=[TenderIn("giftcard", None, ref=card)], actor="C01")


def busy_day(hq: HqDatabase, tills: list[Till]) -> dict[str, Any]:
    """Count cards sold, used at two stores between syncs, refunded; gift cards sold and spent
    at other tills."""
    a, a2, b = tills
    zhang = register(a.db, phone="13812345678", name="张三")
    card = countcards.sell(a.db, zhang.member_id, "CUT3", method="cash", actor="C01").card
    other = countcards.sell(a.db, zhang.member_id, "CUT3", method="cash", actor="C01").card
    sync(hq, a)
    sync(hq, b)
    countcards.use(a.db, card.card_no, actor="C01")  # 3 -> 2 at 0001: -¥33.34
    countcards.use(b.db, card.card_no, actor="C01")  # 0002 has not heard: -¥33.34 there too
    countcards.use(a.db, other.card_no, uses=2, actor="C01")
    countcards.refund(a.db, other.card_no, actor="C01", grant=GRANT)
    gift = giftcards.sell(a.db, face_fen=50_000, cards=2, method="cash", actor="C01").cards
    pay_gift(b, gift[0].qr, 12_000)
    pay_gift(a2, gift[1].qr, 5_000)
    pay_gift(b, gift[0].qr, 7_000)
    for till in (a, a2, b):
        sync(hq, till)
    return {"card": card, "other": other, "gift": gift}


def test_honest_tills_reconcile_clean_with_cards_moved_at_two_stores(chain: Any) -> None:
    hq, tills = chain
    a = tills[0]
    made = busy_day(hq, tills)
    with hq.transaction() as s:  # head office's own value of 0002's use: ¥33.33, not ¥33.34
        rows = s.scalars(select(m.CountRow).where(
            m.CountRow.card_no == made["card"].card_no,
            m.CountRow.kind == "countcard_used").order_by(m.CountRow.id)).all()
        assert [(r.store_code, r.value_fen) for r in rows] == [("0001", -3334), ("0002", -3333)]

    reported = {(t.store.code, t.till_no): report(hq, t) for t in tills}

    # what each till says, checked by hand against what happened
    assert reported["0001", 1]["countcard:uses"] == [5, 3 + 3 - 1 - 2 - 1]
    assert reported["0001", 1]["countcard:value"] == [5, 10_000 + 10_000 - 3334 - 6667 - 3333]
    assert reported["0001", 1]["giftcard"] == [2, 100_000]
    assert reported["0001", 2]["giftcard"] == [1, -5_000]
    assert reported["0002", 1]["countcard:uses"] == [1, -1]
    assert reported["0002", 1]["countcard:value"] == [1, -3334]
    assert reported["0002", 1]["giftcard"] == [2, -12_000 - 7_000]
    assert mismatches(hq) == []
    with hq.transaction() as s:
        checks = till_checks(s, a.db.clock.local_date())
        applied = card_applied(s)
    shown = {(c.code, c.till_no, c.account): c.match for c in checks}
    assert all(shown.values()) and len(shown) == 3 * 3 + 3 + 1 + 3  # cards where they moved
    assert shown["0002", 1, "countcard:value"] is True
    day = a.db.clock.local_date()
    assert applied["0002", 1, day]["countcard:value"] == (1, -3334)  # as the till stated it


def edit_journal(till: Till, table: str, column: str, kind: str, by: int) -> None:
    """Someone with the till's file changes its newest ``kind`` row after the event was sent
    (and the card's cached figure with it, so the till itself shows nothing odd)."""
    path = Path(str(till.db.engine.url.database))
    with sqlite3.connect(path) as conn:
        drop_triggers(conn)
        row_id, card_no = conn.execute(
            f"SELECT id, card_no FROM {table} WHERE kind = ? ORDER BY id DESC LIMIT 1",
            (kind,)).fetchone()
        conn.execute(f"UPDATE {table} SET {column} = {column} + ? WHERE id = ?", (by, row_id))
        cache = {"count_entries": ("count_cards", "uses_left" if column == "uses" else
                                   "value_fen"), "gift_entries": ("gift_cards", "balance_fen")}
        cached_table, cached = cache[table]
        conn.execute(f"UPDATE {cached_table} SET {cached} = {cached} + ? WHERE card_no = ?",
                     (by, card_no))
    conn.close()


@pytest.mark.parametrize(("table", "column", "kind", "by", "account"), [
    ("count_entries", "uses", "use", 1, "countcard:uses"),  # a use given back
    ("count_entries", "value_fen", "use", 3334, "countcard:value"),  # worth nothing
    ("gift_entries", "amount_fen", "spend", 7_000, "giftcard"),  # a spend undone
])
def test_a_till_whose_journal_was_edited_after_sending_shows_a_mismatch(
        chain: Any, table: str, column: str, kind: str, by: int, account: str) -> None:
    hq, tills = chain
    busy_day(hq, tills)
    b = tills[2]
    edit_journal(b, table, column, kind, by)
    for till in tills:
        report(hq, till)

    [mismatch] = mismatches(hq)
    assert (mismatch["store_code"], mismatch["till_no"], mismatch["account"]) == (
        "0002", 1, account)
    assert mismatch["amount_fen"] == by  # the till's sum less head office's
    with hq.transaction() as s:
        checks = till_checks(s, b.db.clock.local_date())
    assert [(c.code, c.account) for c in checks if c.match is False] == [("0002", account)]
    # the exceptions page tells it in both languages, uses as uses and money as money
    request = Request({"type": "http", "path": "/exceptions", "query_string": b"",
                       "headers": []})
    zh = pages.exception_row(pages.Ui(request), mismatch)
    label = {"countcard:uses": "次卡次数", "countcard:value": "次卡价值",
             "giftcard": "礼品卡金额"}[account]
    assert zh.label == "日结不符" and label in zh.detail
    if account == "countcard:uses":
        assert zh.amount == "1 次"
    else:
        assert zh.amount.startswith("¥")


def test_a_quiet_till_reports_zero_card_movements(chain: Any) -> None:
    hq, (a, _a2, _b) = chain
    accounts = report(hq, a)
    assert {k: accounts[k] for k in CARD_ACCOUNTS} == {k: [0, 0] for k in CARD_ACCOUNTS}
    assert mismatches(hq) == []
    with hq.transaction() as s:
        checks = till_checks(s, a.db.clock.local_date())
    assert {c.account for c in checks} == {"wallet:principal", "wallet:bonus", "points"}


# -- a till's balance enquiry ---------------------------------------------------------------------

def ask(live_hq: LiveHq, token: str, method: str, path: str, body: Any = None) -> httpx.Response:
    raw = b"" if body is None else dumps(body)
    headers = signed_headers(token, method, API + path, raw, time.time())
    return httpx.request(method, live_hq.url + API + path, content=raw, headers=headers,
                         timeout=10)


def test_a_till_asks_head_office_for_a_gift_cards_chain_balance(
        live_hq: LiveHq, make_till: Any) -> None:  # noqa: F811
    till_a = make_till("0001")
    client.join(till_a, live_hq.url, live_hq.add_store("0001", "人民路店"))
    other = live_hq.add_store("0002", "解放路店")
    card = giftcards.sell(till_a, face_fen=50_000, cards=1, method="cash", actor="C01").cards[0]
    path = f"/giftcard?card_no={card.card_no}"
    unknown = ask(live_hq, other, "GET", path)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_giftcard")

    client.run_sync(till_a)
    sales.checkout(till_a, member_ref=None, lines=[LineIn(unit_price_fen=12_000)],
                   tenders=[TenderIn("giftcard", None, ref=card.qr)], actor="C01")
    client.run_sync(till_a)
    answer = ask(live_hq, other, "GET", path)  # any store of the chain may ask
    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in ("face_fen", "balance_fen", "held_fen",
                                          "available_fen", "expired")} == {
        "face_fen": 50_000, "balance_fen": 38_000, "held_fen": 0, "available_fen": 38_000,
        "expired": False}
    held = ask(live_hq, other, "POST", "/holds", {"key": "sale-at-0002:gift", "kind": "gift",
                                                  "member_id": card.card_no,
                                                  "amount_fen": 8_000})
    assert held.status_code == 200, held.text
    assert ask(live_hq, other, "GET", path).json()["available_fen"] == 30_000
    unsigned = httpx.get(live_hq.url + API + path, timeout=10)
    assert unsigned.status_code == 401
    assert ask(live_hq, other, "GET", "/giftcard?card_no=").status_code == 422
