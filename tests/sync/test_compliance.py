"""Prepaid compliance at head office (资金存管), on SQLite and PostgreSQL, against what real
tills did.

Three real tills (two at store 0001, which the chain issues for; one at 0002, a franchisee's)
top members up, sell and spend stored value, sell and use count cards, sell gift cards and
take them at the other issuer's store, on both sides of the end of 2026Q1 in Beijing time
(23:30 on 31 March and 00:10 on 1 April). Head office takes everything through the real
ingest. Every figure the report gives — its JSON, the page, the CSV — is compared with sums
worked out here from the tills' own journals (stored-value principal, count cards, gift cards)
and their own sales and refunds, never from head office's tables; then deposits are recorded
and the shortfall alerts go, and the revenue alert goes when head office raises its share."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from storeapp.clock import to_local
from storeapp.deposit_rules import Quarter
from storeapp.models import CountEntry, GiftEntry, Refund, Sale, WalletEntry
from storeapp.money import format_fen
from storeapp.services import countcards, giftcards, sales, users
from storeapp.services.sales import LineIn, TenderIn
from sync.hq import accounts, figures
from sync.hq.api import create_app
from sync.hq.cli import main as hq_main
from sync.hq.compliance import compliance
from sync.hq.db import HqDatabase
from tests.helpers import MANAGER_CODE, MANAGER_PIN, START, register, sell, topup
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_hq_pages import table_rows
from tests.sync.test_sync_properties import Till, download

USER, PASSWORD = "finance", "correct horse battery"
FRANCHISEE = "FR01"
ISSUER_OF = {"0001": "CHAIN", "0002": FRANCHISEE}
SHARE = {"CHAIN": 30, FRANCHISEE: 40}  # the chain set up as a group issuer, the franchisee brand
#: the pages' clock: 10:00 on 15 May 2026 in the stores, the second quarter in progress
TODAY = dt.datetime(2026, 5, 15, 2, 0)
LAST_IN_Q1 = dt.datetime(2026, 3, 31, 15, 30)  # 23:30 on 31 March in Beijing
FIRST_IN_Q2 = dt.datetime(2026, 3, 31, 16, 10)  # 00:10 on 1 April in Beijing (still 31 March UTC)
Q1_END, Q2_TODAY = dt.date(2026, 3, 31), dt.date(2026, 5, 15)


def at(till: Till, when: dt.datetime) -> Till:
    till.db.clock.set(when)  # type: ignore[attr-defined]
    return till


def pay_with_gift_card(till: Till, qr: str, amount_fen: int) -> None:
    sales.checkout(till.db, member_ref=None, lines=[LineIn(unit_price_fen=amount_fen)],
                   tenders=[TenderIn("giftcard", None, ref=qr)], actor="C01")


def chain_life(hq: HqDatabase, tills: list[Till]) -> None:
    """Two quarters of three tills, uploaded to head office."""
    a, b, c = tills
    for till in tills:
        countcards.save_product(at(till, START).db, code="WASH10", name="洗车10次卡",
                                covers="洗车", uses=10, price_fen=30_000, valid_months=12,
                                actor="C01")
    # 2026Q1
    alice = register(a.db, phone="13900000001", name="张三")
    topup(a.db, alice, 100_000)
    sell(a.db, alice, 20_000, tenders=[TenderIn("wallet")])
    alice_card = countcards.sell(a.db, alice.member_id, "WASH10", method="cash",
                                 actor="C01").card
    countcards.use(a.db, alice_card.card_no, uses=2, actor="C01")
    sell(a.db, None, 900_000)  # the chain's store sells plenty for cash
    bob = register(at(b, START + dt.timedelta(hours=1)).db, phone="13900000002", name="李四")
    topup(b.db, bob, 50_000)
    gifts = giftcards.sell(b.db, face_fen=50_000, cards=2, method="cash", actor="C01").cards
    carol = register(at(c, START + dt.timedelta(hours=2)).db, phone="13900000003", name="王五")
    topup(c.db, carol, 200_000)
    sell(c.db, None, 30_000)
    carol_card = countcards.sell(c.db, carol.member_id, "WASH10", method="cash",
                                 actor="C01").card
    countcards.use(c.db, carol_card.card_no, uses=1, actor="C01")
    pay_with_gift_card(c, gifts[0].qr, 12_000)  # the chain's gift card, at the franchisee's
    topup(at(a, LAST_IN_Q1).db, alice, 30_000)
    topup(at(c, FIRST_IN_Q2).db, carol, 40_000)
    upload(hq, tills)
    for till in tills:
        download(till, hq)
    # 2026Q2, until 15 May
    when = dt.datetime(2026, 4, 20, 3, 0)
    sell(at(b, when).db, alice, 10_000, tenders=[TenderIn("wallet")])
    countcards.use(at(c, when).db, alice_card.qr, uses=1, actor="C01")
    pay_with_gift_card(at(b, when), gifts[1].qr, 20_000)
    sell(c.db, carol, 5_000, tenders=[TenderIn("wallet")])
    cash = sell(at(a, when).db, None, 80_000)
    grant = users.approve(a.db, MANAGER_CODE, MANAGER_PIN, "customer request")
    sales.refund(a.db, cash.receipt_no, actor="C01", grant=grant)
    upload(hq, tills)


# -- what the tills' own books say ---------------------------------------------------------------

def own_balances(tills: list[Till], last_day: dt.date, *,
                 day: Any = lambda at_: to_local(at_).date()) -> dict[str, dict[str, int]]:
    """Per issuer at the end of ``last_day`` (Beijing): principal, count-card value and gift-card
    money each till's own journals moved (not what head office sent it, ``sync`` entries, nor a
    gift card's face learned from its QR, ``known``).
    ``day``: the day a journal row belongs to."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"principal_fen": 0, "count_fen": 0,
                                                          "gift_fen": 0})
    for till in tills:
        issuer = out[ISSUER_OF[till.store.code]]
        with till.db.reader() as s:
            for amount, at_ in s.execute(select(WalletEntry.amount_fen, WalletEntry.created_at)
                                         .where(WalletEntry.bucket == "principal",
                                                WalletEntry.kind != "sync")):
                issuer["principal_fen"] += amount if day(at_) <= last_day else 0
            for amount, at_ in s.execute(select(CountEntry.value_fen, CountEntry.created_at)
                                         .where(CountEntry.kind != "sync")):
                issuer["count_fen"] += amount if day(at_) <= last_day else 0
            for amount, at_ in s.execute(select(GiftEntry.amount_fen, GiftEntry.created_at)
                                         .where(GiftEntry.kind != "known")):
                issuer["gift_fen"] += amount if day(at_) <= last_day else 0
    for figures_ in out.values():
        figures_["total_fen"] = sum(figures_.values())
    return dict(out)


def own_revenue(tills: list[Till], first: dt.date, last: dt.date) -> dict[str, int]:
    """Per store: its tills' sales less refunds over the local days ``first``..``last``."""
    out: dict[str, int] = defaultdict(int)
    for till in tills:
        with till.db.reader() as s:
            moved = [*s.execute(select(Sale.total_fen, Sale.created_at)),
                     *((-amount, at_) for amount, at_ in s.execute(
                         select(Refund.amount_fen, Refund.created_at)))]
        out[till.store.code] += sum(amount for amount, at_ in moved
                                    if first <= to_local(at_).date() <= last)
    return dict(out)


def required(issuer: str, balance_fen: int) -> int:
    """The share of the balance, rounded up to the fen, worked out in whole fen × 100."""
    return (max(balance_fen, 0) * SHARE[issuer] + 99) // 100


# -- head office ----------------------------------------------------------------------------------

def cli(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> Any:
    code = hq_main(["--db", url, "compliance", *args])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    return out


def alerts(found: dict[str, Any]) -> set[tuple[str, str]]:
    return {(a["kind"], a["subject"]) for a in found["alerts"]}


def csv_section(body: bytes, title: str) -> dict[str, list[str]]:
    """One section of the report's CSV, its rows by their first cell."""
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    start = rows.index([title])
    section: dict[str, list[str]] = {}
    for row in rows[start + 2:]:
        if not row:
            break
        section[row[0]] = row[1:]
    return section


def yuan(fen: int) -> str:
    """As the CSV and the command line take it: ``-1234.50``."""
    return format_fen(fen, symbol=False).replace(",", "")


def table(html: str, css: str) -> dict[str, list[str]]:
    found = re.search(rf'<table class="{css}">(.*?)</table>', html, re.S)
    assert found, css
    return table_rows(found.group(1))


def test_figures_equal_the_tills_own_ledgers_and_alerts_follow_the_deposits(
        chain: tuple[HqDatabase, list[Till]], hq_url: str,
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    hq, tills = chain
    chain_life(hq, tills)
    accounts.add_user(hq, USER, PASSWORD, START)
    cli(capsys, hq_url, "issuer", "add", FRANCHISEE, "--name", "杭州加盟商有限公司", "--type",
        "brand", "--user", USER)
    cli(capsys, hq_url, "issuer", "set", "CHAIN", "--type", "group", "--user", USER)
    cli(capsys, hq_url, "store", "assign", "0002", FRANCHISEE, "--user", USER)

    q1, q2 = own_balances(tills, Q1_END), own_balances(tills, Q2_TODAY)
    # the quarter ends at midnight in Beijing: the top-up at 00:10 on 1 April (16:10 UTC on
    # 31 March) is the second quarter's, which a cut at the UTC date would get wrong
    by_utc_date = own_balances(tills, Q1_END, day=lambda at_: at_.date())
    assert by_utc_date[FRANCHISEE]["principal_fen"] - q1[FRANCHISEE]["principal_fen"] == 40_000
    assert by_utc_date["CHAIN"] == q1["CHAIN"]

    # the quarter that ended: JSON from the command line (and the files it writes)
    report = cli(capsys, hq_url, "report", "--quarter", "2026Q1", "--json",
                 "--csv", str(tmp_path / "q1.csv"), "--pdf", str(tmp_path / "q1.pdf"))
    assert (report["as_of"], report["complete"]) == ("2026-03-31", True)
    got = {i["code"]: i for i in report["issuers"]}
    assert set(got) == {"CHAIN", FRANCHISEE}
    for code in got:
        assert got[code]["balance"] == q1[code], code
        assert got[code]["stores"] == [s for s, i in ISSUER_OF.items() if i == code]
        assert got[code]["next_required_fen"] == required(code, q1[code]["total_fen"])
    assert report["total"]["balance"]["total_fen"] == sum(q["total_fen"] for q in q1.values())
    assert (tmp_path / "q1.pdf").read_bytes().startswith(b"%PDF")
    balances_csv = csv_section((tmp_path / "q1.csv").read_bytes(), "各发卡企业预收资金余额")
    for code in got:
        assert balances_csv[code][3:7] == [yuan(q1[code][k]) for k in (
            "principal_fen", "count_fen", "gift_fen", "total_fen")]

    # the quarter in progress, from the page and its downloads (head office's clock: 15 May)
    app = create_app(hq_url, clock=lambda: TODAY)
    with TestClient(app) as client:
        client.auth = (USER, PASSWORD)

        def q2_json() -> dict[str, Any]:
            with app.state.hq.transaction() as s:
                return compliance(s, Quarter(2026, 2), Q2_TODAY).to_json()

        found = q2_json()
        assert (found["quarter"], found["as_of"], found["complete"]) == (
            "2026Q2", "2026-05-15", False)
        for issuer in found["issuers"]:
            code = issuer["code"]
            assert issuer["balance"] == q2[code] and issuer["last_balance"] == q1[code]
            assert issuer["required_fen"] == required(code, q1[code]["total_fen"])
            assert (issuer["deposited_fen"], issuer["shortfall_fen"]) == (
                0, issuer["required_fen"])
        # the chain's total now is what the liability page holds (principal, cards, gift cards)
        with hq.transaction() as s:
            liability = (figures.chain_liability(s).principal_fen
                         + sum(r.value_fen for r in figures.count_card_liability(s))
                         + sum(r.balance_fen for r in figures.gift_card_liability(s)))
        assert found["total"]["balance"]["total_fen"] == liability

        # revenue: the 12 months to 15 May, against the tills' own sales and refunds
        revenue = own_revenue(tills, dt.date(2025, 5, 15), Q2_TODAY)
        stores = {st["code"]: st for st in found["stores"]}
        assert {code: st["revenue_fen"] for code, st in stores.items()} == revenue
        # 0002 took ¥2,400 of top-ups and sold ¥470: past 40 %; 0001 sold ¥9,500 net
        assert [code for code, st in stores.items() if st["over_revenue"]] == ["0002"]
        assert alerts(found) == {("deposit_shortfall", "CHAIN"),
                                 ("deposit_shortfall", FRANCHISEE), ("revenue_share", "0002")}

        page = client.get("/compliance?quarter=2026Q2")
        assert page.status_code == 200, page.text
        html = page.text
        assert "<h1>预付卡合规</h1>" in html and 'aria-current="page">预付卡合规' in html
        rows = table(html, "issuers")
        for code in ("CHAIN", FRANCHISEE):
            assert rows[code][3:7] == [format_fen(q2[code][k]) for k in (
                "principal_fen", "count_fen", "gift_fen", "total_fen")]
        deposits = table(html, "deposits")
        assert deposits[FRANCHISEE][:4] == [
            "40 %", format_fen(q1[FRANCHISEE]["total_fen"]),
            format_fen(required(FRANCHISEE, q1[FRANCHISEE]["total_fen"])), "¥0.00"]
        assert html.count('class="bad alert-deposit_shortfall"') == 2
        assert html.count('class="bad alert-revenue_share"') == 1

        # deposits recorded: the chain's in full, the franchisee's ¥1 short, then corrected
        chain_needs = required("CHAIN", q1["CHAIN"]["total_fen"])
        franchise_needs = required(FRANCHISEE, q1[FRANCHISEE]["total_fen"])
        cli(capsys, hq_url, "deposit", "record", "CHAIN", yuan(chain_needs), "--bank",
            "工商银行", "--date", "2026-04-03", "--user", USER)
        cli(capsys, hq_url, "deposit", "record", FRANCHISEE, yuan(franchise_needs - 100),
            "--bank", "招商银行", "--date", "2026-04-05", "--user", USER)
        found = q2_json()
        assert alerts(found) == {("deposit_shortfall", FRANCHISEE), ("revenue_share", "0002")}
        assert {i["code"]: i["shortfall_fen"] for i in found["issuers"]} == {
            "CHAIN": 0, FRANCHISEE: 100}
        english = client.get("/compliance?quarter=2026Q2&lang=en").text
        assert "Issuer FR01: the deposit account holds" in english and "¥1.00 short" in english
        cli(capsys, hq_url, "deposit", "record", FRANCHISEE, yuan(franchise_needs), "--bank",
            "招商银行", "--date", "2026-04-06", "--user", USER)
        # head office allows 0002's share of its revenue, to the percent above it: no alert
        balance, sold = stores["0002"]["balance"]["total_fen"], stores["0002"]["revenue_fen"]
        allowed = cli(capsys, hq_url, "setting", "--revenue-share",
                      str(balance * 100 // sold + 1), "--user", USER)
        assert allowed == {"revenue_share_pct": balance * 100 // sold + 1, "revenue_months": 12}
        found = q2_json()
        assert alerts(found) == set() and found["total"]["shortfall_fen"] == 0
        assert "No alerts" in client.get("/compliance?quarter=2026Q2&lang=en").text

        # the downloads say the same as the page
        body = client.get("/compliance.csv?quarter=2026Q2")
        assert body.headers["content-type"].startswith("text/csv")
        deposits_csv = csv_section(body.content, "各发卡企业资金存管")
        assert deposits_csv[FRANCHISEE][1:4] == [
            yuan(q1[FRANCHISEE]["total_fen"]), yuan(franchise_needs), yuan(franchise_needs)]
        pdf = client.get("/compliance.pdf?quarter=2026Q2&lang=en")
        assert pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Quarterly prepaid card deposit report" in text
        assert format_fen(q2[FRANCHISEE]["total_fen"]) in text
        assert format_fen(sum(q["total_fen"] for q in q2.values())) in text
    app.state.hq.close()
