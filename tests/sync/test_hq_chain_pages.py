"""Head office's referrals page and company receivables page: their figures equal independent
sums over what the tills did.

Real till databases (two at store 0001, one at 0002) register referred members, sell, put
sales on company accounts, refund them and take payments; head office is the real ingest, on
SQLite and PostgreSQL. The expectations are worked out here from the tills' own outboxes and
company journals, never from head office's tables."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from storeapp.models import Company, OutboxEvent
from storeapp.services import companies, sales, users
from storeapp.services.sales import LineIn, TenderIn
from storeapp.settings import Settings
from sync.client import member_keys_for
from sync.hq import accounts, ingest, pages_chain
from sync.hq.api import create_app
from sync.hq.catalogue import ZH
from sync.hq.db import HqDatabase
from tests.helpers import START, register, sell
from tests.sync.test_hq_pages import table_rows
from tests.sync.test_sync_properties import Till, download, make_tills

USER, PASSWORD = "analyst", "correct horse battery"
GRANT = users.Grant(approver="M01", reason="test")
RULES = Settings()
MIN, CAP, REWARD = (RULES.referral_min_purchase_fen, RULES.referral_monthly_cap,
                    RULES.referral_reward_points)


@pytest.fixture
def chain(tmp_path: Path, migrated_template: Path,
          hq_url: str) -> Iterator[tuple[HqDatabase, list[Till]]]:
    hq = HqDatabase(hq_url)
    tills = make_tills(tmp_path, migrated_template, hq)
    yield hq, tills
    for till in tills:
        till.db.close()
    hq.close()


def upload(hq: HqDatabase, till: Till) -> list[dict[str, Any]]:
    """Everything the till has not sent, taken by head office at the till's time (so head
    office decides referrals in the month they were made); returns the events' bodies."""
    with till.db.reader() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.seq >= till.next_seq)
                         .order_by(OutboxEvent.seq)).all()
    if not rows:
        return []
    ingest.ingest(hq, till.store, {
        "batch_id": str(uuid.uuid4()), "till_no": till.till_no,
        "events": [{"seq": r.seq, "event_id": r.event_id, "type": r.type,
                    "created_at": r.created_at.isoformat(), "payload": r.payload_json}
                   for r in rows], **member_keys_for(till.db, rows)},
        till.db.clock.now())
    till.next_seq = rows[-1].seq + 1
    bodies = [json.loads(r.payload_json) for r in rows]
    # a registration's phone travels sealed: opened with the till's keys, as head office does
    return [{**b, **till.db.pii.from_event(b).as_json()} if b.get("personal") else b
            for b in bodies]


@pytest.fixture
def client(chain: tuple[HqDatabase, list[Till]], hq_url: str) -> Iterator[TestClient]:
    hq, _tills = chain
    accounts.add_user(hq, USER, PASSWORD, START)
    app = create_app(hq_url, clock=lambda: START)
    with TestClient(app) as test_client:
        test_client.auth = (USER, PASSWORD)
        yield test_client
    app.state.hq.close()


def get(client: TestClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    return answer.text


# -- referrals -----------------------------------------------------------------------------------

def referral_day(hq: HqDatabase, tills: list[Till]) -> list[dict[str, Any]]:
    """Two referrers; one has more qualifying referees than the monthly cap, one referee is
    already a member at another store, one has not bought yet, one bought too little. Returns
    the events in the order head office took them."""
    a1, a2, b1 = tills
    first, second = register(a1.db, name="推荐人一"), register(b1.db, name="推荐人二")
    taken = [body for till in (a1, a2, b1) for body in upload(hq, till)]
    for till in (a1, a2, b1):
        download(till, hq)  # every till knows both referrers
    plan = [(a1, first), (a2, first), (b1, first), (a1, first), (b1, first), (a2, first),
            (a1, second)]
    for till, referrer in plan:  # CAP + 1 for the first: one is over the cap
        referee = register(till.db, referrer=referrer.card_no)
        sell(till.db, referee, MIN)
    register(a2.db, referrer=first.card_no)  # awaiting a first purchase
    known = register(a2.db, phone="13700009999")
    taken += upload(hq, a2)  # head office knows the phone before 0002's registration arrives
    referee = register(b1.db, phone=known.phone, referrer=second.card_no)
    sell(b1.db, referee, 3 * MIN)
    sell(a1.db, register(a1.db, referrer=second.card_no), MIN - 1)  # too little to reward
    for till in (a1, a2, b1):
        taken += upload(hq, till)
    return taken


def expected_referrals(events: list[dict[str, Any]]) -> tuple[
        dict[str, Counter[str]], dict[str, Counter[str]]]:
    """The page's figures folded from the events, by store and by referrer code: phones seen
    before a registration make it not new; a referee's first sale of at least MIN rewards the
    referrer, up to CAP a month."""
    phones: set[str] = set()
    card_of: dict[str, str] = {}
    referee_of: dict[str, tuple[str, str]] = {}  # referee -> (referrer, store)
    decided: set[str] = set()
    rewards: Counter[str] = Counter()
    by_store: dict[str, Counter[str]] = defaultdict(Counter)
    by_referrer: dict[str, Counter[str]] = defaultdict(Counter)

    def count(store: str, referrer: str, what: str, n: int = 1) -> None:
        by_store[store][what] += n
        by_referrer[card_of[referrer]][what] += n

    for body in events:
        if body["type"] == "member_registered":
            card_of[body["member_id"]] = body["card_no"]
            referrer = body.get("referrer_id")
            if referrer:
                count(body["store"], referrer, "referrals")
                if body["phone"] in phones:
                    count(body["store"], referrer, "not_new")
                    decided.add(body["member_id"])
                else:
                    count(body["store"], referrer, "chain_new")
                    referee_of[body["member_id"]] = (referrer, body["store"])
            phones.add(body["phone"])
        elif body["type"] == "sale_completed" and body.get("member_id") in referee_of:
            referee = body["member_id"]
            referrer, store = referee_of[referee]
            if referee in decided or body["total_fen"] < MIN:
                continue
            decided.add(referee)
            if rewards[referrer] >= CAP:
                count(store, referrer, "capped")
            else:
                rewards[referrer] += 1
                count(store, referrer, "rewarded")
                count(store, referrer, "points", REWARD)
    for referee, (referrer, store) in referee_of.items():
        if referee not in decided:
            count(store, referrer, "pending")
    return by_store, by_referrer


COLUMNS = ("referrals", "chain_new", "pending", "rewarded", "points", "not_new", "capped",
           "other")


def test_the_referrals_page_adds_up_what_the_tills_did(
        chain: tuple[HqDatabase, list[Till]], client: TestClient) -> None:
    hq, tills = chain
    by_store, by_referrer = expected_referrals(referral_day(hq, tills))
    assert by_store["0001"]["capped"] + by_store["0002"]["capped"] == 1  # the scenario's point
    assert sum(c["not_new"] for c in by_store.values()) == 1

    zh = get(client, "/referrals")
    assert "<h1>推广</h1>" in zh and "2026-03" in zh
    rows = table_rows(zh)
    for code in ("0001", "0002"):
        assert rows[code][1:] == [f"{by_store[code][c]:,}" for c in COLUMNS], code
    total = Counter[str]()
    for counts in by_store.values():
        total.update(counts)
    assert rows["合计"] == [f"{total[c]:,}" for c in COLUMNS]
    assert total["points"] == CAP * REWARD + REWARD
    for card_no, counts in by_referrer.items():
        assert rows[card_no][2:] == [f"{counts[c]:,}" for c in COLUMNS], card_no
        assert "*" in rows[card_no][0]  # the referrer's phone, masked
    assert "✓ 核对：总部流水中的推广奖励积分与上表一致。" in zh

    en = get(client, "/referrals?lang=en&month=2026-03")
    assert "<h1>Referrals</h1>" in en and "Over monthly cap" in en
    assert table_rows(en)["Total"] == rows["合计"]
    empty = table_rows(get(client, "/referrals?month=2026-02"))
    assert empty["合计"] == ["0"] * len(COLUMNS)
    assert client.get("/referrals?month=2026-13").status_code == 400
    assert "月份格式应为" in client.get("/referrals?month=March").text


# -- company receivables --------------------------------------------------------------------------

def company_day(tills: list[Till]) -> None:
    a1, a2, b1 = tills
    companies.add(a1.db, code="ACME", name="上海某某贸易有限公司", credit_limit_fen=500_000,
                  terms_days=30, actor="C01")
    companies.add(a2.db, code="ACME", name="同名不同户", credit_limit_fen=100_000, terms_days=30,
                  actor="C01")  # a company is its till's: the same code at another till
    companies.add(b1.db, code="BETA", name="杭州某某科技", credit_limit_fen=200_000,
                  terms_days=15, actor="C01")
    first = companies.charge(a1.db, "ACME", 12_000, actor="C01")
    companies.charge(a1.db, "ACME", 30_000, actor="C01")
    sales.refund(a1.db, first.receipt_no, actor="C01", grant=GRANT)  # the charge given back
    companies.pay(a1.db, "ACME", 5_000, method="transfer", ref="BANK-0001", actor="C01")
    sales.checkout(a1.db, member_ref=None, lines=[LineIn(unit_price_fen=9_900)],
                   tenders=[TenderIn("account", 6_000, ref="ACME"), TenderIn("cash")],
                   actor="C01")  # part on account, part in cash
    companies.charge(a2.db, "ACME", 7_700, actor="C01")
    companies.charge(b1.db, "BETA", 20_000, actor="C01")
    companies.charge(b1.db, "BETA", 8_000, actor="C01")
    companies.pay(b1.db, "BETA", 20_000, method="cash", actor="C01")


def till_companies(till: Till) -> dict[str, int]:
    """What each company owes, as the till's own journal keeps it (independent of events)."""
    with till.db.reader() as s:
        return {c.code: c.balance_fen for c in s.scalars(select(Company))}


def test_company_receivables_equal_what_the_tills_own_journals_hold(
        chain: tuple[HqDatabase, list[Till]], client: TestClient) -> None:
    hq, tills = chain
    company_day(tills)
    for till in tills:
        upload(hq, till)
    owed = {(t.store.code, t.till_no, code): fen for t in tills
            for code, fen in till_companies(t).items()}
    assert owed == {("0001", 1, "ACME"): 12_000 + 30_000 - 12_000 - 5_000 + 6_000,
                    ("0001", 2, "ACME"): 7_700, ("0002", 1, "BETA"): 8_000}

    zh = get(client, "/companies")
    assert "<h1>企业应收款</h1>" in zh
    rows = table_rows(zh)
    for code in ("0001", "0002"):
        store_owed = sum(fen for (store, _t, _c), fen in owed.items() if store == code)
        assert rows[code][-1] == f"¥{store_owed / 100:,.2f}", code
    # companies, charged, given back by refunds, paid, owed
    assert rows["0001"][1:] == ["2", "¥557.00", "¥120.00", "¥50.00", "¥387.00"]
    assert rows["合计"][-1] == f"¥{sum(owed.values()) / 100:,.2f}"
    companies_table = zh.split("<h2>按企业</h2>")[1]
    by_company = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
                  for row in re.findall(r"<tr>(.*?)</tr>", companies_table, re.S)]
    found = {(cells[0], int(cells[1]), strip(cells[2])): strip(cells[8])
             for cells in by_company if len(cells) == 10}
    assert found == {key: f"¥{fen / 100:,.2f}" for key, fen in owed.items()}
    assert "上海某某贸易有限公司" in zh and "BANK-0001" not in zh

    en = get(client, "/companies?lang=en")
    assert "<h1>Company receivables</h1>" in en and "Given back by refunds" in en
    assert table_rows(en)["Total"] == rows["合计"]


def strip(cell: str) -> str:
    return re.sub(r"<[^>]+>", "", cell).strip()


def test_the_overview_links_the_new_pages_and_every_text_has_its_chinese(
        client: TestClient) -> None:
    zh = get(client, "/")
    assert 'href="/referrals"' in zh and 'href="/companies"' in zh
    assert 'href="/companies?lang=en"' in get(client, "/?lang=en")
    for path in ("/referrals", "/companies"):
        assert client.get(path, auth=None).status_code == 401
    here = Path(pages_chain.__file__).parent
    texts: set[str] = set()
    for name in ("referrals.html", "companies.html", "overview.html"):
        texts |= set(re.findall(r'_\("([^"]+)"\)', (here / "templates" / name).read_text("utf-8")))
    texts |= set(re.findall(r'ui\._\(\s*"([^"]+)"', Path(pages_chain.__file__).read_text("utf-8")))
    assert len(texts) > 30
    assert sorted(t for t in texts if t not in ZH) == []
