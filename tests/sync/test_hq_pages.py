"""Head office's pages for people: sign-in, and the figures an analyst reads off them.

Two stores upload through the real ingest: a member registered at both (merged at head office),
top-ups and spends that overdraw the member, and each till's own day totals (one agrees, one
does not). The pages must show exactly those figures, in Chinese and in English, and never a
member's full phone number.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.exceptions import StarletteDeprecationWarning

from sync.hq import accounts, pages, service
from sync.hq import models as m
from sync.hq.api import create_app
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal
from sync.hq.ingest import ingest
from tests.sync.wire import plausible

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork for its test client; httpx works the same here
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

NOW = dt.datetime(2026, 3, 10, 4, 0)  # naive UTC: 12:00 on 2026-03-10 in the stores
DAY = "2026-03-10"
PHONE = "13800001111"
ALICE, ALICE_AGAIN, CAROL = (f"0193a000-0000-7000-8000-00000000000{i}" for i in (1, 2, 3))
USER, PASSWORD = "analyst", "correct horse battery"


class Till:
    """One till's outbox, sent to head office through the real ingest."""

    def __init__(self, hq: HqDatabase, code: str, till_no: int = 1) -> None:
        with hq.transaction() as s:
            self.store = s.scalars(select(m.Store).where(m.Store.code == code)).one()
        self.hq, self.code, self.till_no, self.seq = hq, code, till_no, 0

    def send(self, *events: tuple[str, dict[str, Any]], at: dt.datetime = NOW) -> None:
        out = []
        for event_type, fields in events:
            self.seq += 1
            body = {"type": event_type, "store": self.code, "till": self.till_no,
                    "key": str(uuid.uuid4()), "at": at.isoformat(), **fields}
            out.append({"seq": self.seq, "event_id": str(uuid.uuid4()), "type": event_type,
                        "created_at": at.isoformat(), "payload": json.dumps(body)})
        batch = {"batch_id": str(uuid.uuid4()), "till_no": self.till_no, "events": out}
        ingest(self.hq, self.store, batch, NOW)


def registered(member_id: str, phone: str, name: str) -> tuple[str, dict[str, Any]]:
    return "member_registered", {"member_id": member_id, "phone": phone, "name": name,
                                 "card_no": "C" + member_id[-4:]}


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(hq_url: str, clock: Clock) -> Iterator[TestClient]:
    """The head-office app over a chain with a merge, an overdraft and one day-total mismatch."""
    app = create_app(hq_url, clock=clock)
    hq: HqDatabase = app.state.hq
    for code, name in (("0001", "人民路店"), ("0002", "南京路店"), ("0003", "西湖店")):
        service.add_store(hq, code, name, NOW - dt.timedelta(days=30))
    Till(hq, "0001").send(
        registered(ALICE, PHONE, "张三"),
        plausible("wallet_topped_up", ALICE, 50000, 5000),
        plausible("sale_completed", ALICE, -10000, -1000, 110),
        registered(CAROL, "13900002222", "李四"),
        plausible("wallet_topped_up", CAROL, 100000, 10000))
    Till(hq, "0002").send(
        registered(ALICE_AGAIN, PHONE, "张三"),  # the same phone: merged into ALICE
        plausible("wallet_topped_up", ALICE_AGAIN, 20000),
        plausible("sale_completed", ALICE, -80000, -4000))  # overdraws ALICE by ¥200
    for code, bonus in (("0001", (3, 14000)), ("0002", (1, -5000))):  # 0002 is ¥10 off
        with hq.transaction() as s:
            store = s.scalars(select(m.Store).where(m.Store.code == code)).one()
        principal = (3, 140000) if code == "0001" else (2, -60000)
        service.day_totals(hq, store, {"till_no": 1, "days": [{"day": DAY, "accounts": {
            "wallet:principal": list(principal), "wallet:bonus": list(bonus),
            "points": [1, 110] if code == "0001" else [0, 0]}}]}, NOW)
    accounts.add_user(hq, USER, PASSWORD, NOW)
    with TestClient(app) as test_client:
        test_client.auth = (USER, PASSWORD)
        yield test_client
    hq.close()


def get(client: TestClient, path: str) -> str:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


# -- signing in ------------------------------------------------------------------------------

def test_every_page_asks_for_a_head_office_user(client: TestClient) -> None:
    for path in ("/", "/stores", "/liability", "/exceptions", "/daily?date=" + DAY):
        answer = client.get(path, auth=None)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Basic ")
        assert "需要登录" in answer.text and "¥" not in answer.text
    assert client.get("/", auth=(USER, "wrong password")).status_code == 401
    assert client.get("/", auth=("nobody", PASSWORD)).status_code == 401
    assert client.get("/", headers={"Authorization": "Basic !!not base64"},
                      auth=None).status_code == 401
    assert client.get("/").status_code == 200
    assert client.get("/static/hq.css", auth=None).status_code == 200  # no data in it


def test_a_wrong_password_is_logged_as_a_refusal(client: TestClient) -> None:
    client.get("/stores", auth=(USER, "guess guess"))
    hq: HqDatabase = client.app.state.hq
    with hq.transaction() as s:
        reasons = [(r.reason, r.detail) for r in s.scalars(select(m.Refusal))]
    assert ("bad_login", "page login as 'analyst' refused") in reasons


def test_pages_are_not_cached_framed_or_scripted(client: TestClient) -> None:
    answer = client.get("/")
    assert answer.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert "<script" not in answer.text


def test_add_user_refuses_a_taken_name_a_short_password_and_a_colon(tmp_path: Path) -> None:
    hq = HqDatabase(f"sqlite:///{tmp_path / 'hq.db'}")
    assert accounts.add_user(hq, "boss", "12345678")["name"] == "boss"
    with pytest.raises(HqRefusal) as taken:
        accounts.add_user(hq, "boss", "another password")
    assert taken.value.code == "user_exists"
    with pytest.raises(HqRefusal) as short:
        accounts.add_user(hq, "clerk", "1234567")
    assert short.value.code == "weak_password"
    with pytest.raises(HqRefusal) as colon:
        accounts.add_user(hq, "a:b", "12345678")
    assert colon.value.code == "bad_user_name"
    assert accounts.check_user(hq, "boss", "12345678")
    assert not accounts.check_user(hq, "boss", "87654321")
    accounts.set_password(hq, "boss", "a new password")
    assert accounts.check_user(hq, "boss", "a new password")
    assert not accounts.check_user(hq, "boss", "12345678")
    with hq.transaction() as s:
        stored = s.get(m.User, "boss")
        assert stored is not None and "a new password" not in stored.password_hash
    hq.close()


# -- what the pages show ---------------------------------------------------------------------

def test_overview_in_chinese_then_in_english(client: TestClient) -> None:
    zh = get(client, "/")
    assert "<h1>总览</h1>" in zh and 'lang="zh-CN"' in zh
    assert "全连锁储值负债" in zh
    # live members ALICE and CAROL: principal 800, bonus 100
    assert "¥800.00" in zh and "¥100.00" in zh and "¥900.00" in zh
    assert re.search(r"储值被冻结的会员</dt><dd class=\"num\">1<", zh)
    assert re.search(r"透支待追回</dt><dd class=\"num\">¥200.00<", zh)
    assert re.search(r"未处理异常</dt><dd class=\"num\">2<", zh)
    assert re.search(r"今日日结不符 <span class=\"nowrap\">2026-03-10</span></dt>"
                     r"<dd class=\"num\">1<", zh)
    assert 'href="/?lang=en"' in zh

    en = get(client, "/?lang=en")
    assert "<h1>Overview</h1>" in en and 'lang="en"' in en
    assert "Chain stored-value liability" in en and "¥900.00" in en
    assert 'href="/stores?lang=en"' in en  # links keep the language
    assert "总览" not in en


def test_liability_by_store_adds_up_to_what_was_ingested(client: TestClient) -> None:
    zh = get(client, "/liability")
    assert "<h1>储值负债</h1>" in zh
    rows = table_rows(zh)
    # 0001: ALICE 400 + 40 bonus + 110 points, CAROL 1000 + 100; 0002: ALICE_AGAIN 200, ALICE
    # -800 - 40; HQ: the merge moved ALICE_AGAIN's 200 to ALICE, netting to zero
    assert rows["0001"][1:6] == ["¥1,400.00", "¥140.00", "¥1,540.00", "110", "2"]
    assert rows["0002"][1:6] == ["-¥600.00", "-¥40.00", "-¥640.00", "0", "2"]
    assert rows["0003"][1:6] == ["¥0.00", "¥0.00", "¥0.00", "0", "0"]
    assert rows["HQ"][:6] == ["总部（会员合并）", "¥0.00", "¥0.00", "¥0.00", "0", "2"]
    assert rows["合计"] == ["¥800.00", "¥100.00", "¥900.00", "110", "—"]
    assert "✓ 核对：会员余额合计与上表一致。" in zh

    en = get(client, "/liability?lang=en")
    assert "<h1>Stored-value liability</h1>" in en and "Head office (merges)" in en
    assert table_rows(en)["Total"] == ["¥800.00", "¥100.00", "¥900.00", "110", "—"]

    past = table_rows(get(client, "/liability?date=2026-03-09"))
    assert past["合计"][:4] == ["¥0.00", "¥0.00", "¥0.00", "0"]
    assert table_rows(get(client, "/liability?date=" + DAY))["合计"][:3] == [
        "¥800.00", "¥100.00", "¥900.00"]


def test_stores_show_sync_lag_in_local_time(client: TestClient, clock: Clock) -> None:
    clock.now = NOW + dt.timedelta(minutes=3)
    zh = get(client, "/stores")
    assert "<h1>门店</h1>" in zh
    rows = table_rows(zh)
    assert rows["0001"][:5] == ["人民路店", "2026-03-10 12:00", "3 分钟", "2026-03-10 12:00",
                                "1 号机: 5"]
    assert rows["0002"][3] == "2026-03-10 12:00" and rows["0002"][4] == "1 号机: 3"
    assert rows["0003"][1:5] == ["—", "从未同步", "—", "—"]
    assert '<td class="num bad">从未同步</td>' in zh
    assert '<td class="num">3 分钟</td>' in zh

    clock.now = NOW + dt.timedelta(hours=2, minutes=5)
    service.revoke_store(client.app.state.hq, "0003", clock.now)
    en = get(client, "/stores?lang=en")
    rows = table_rows(en)
    assert rows["0001"][2] == "2 h 5 min" and '<td class="num bad">2 h 5 min</td>' in en
    assert rows["0003"][2] == "never" and rows["0003"][5].startswith("Yes")


def test_exceptions_are_translated_and_phones_masked(client: TestClient) -> None:
    zh = get(client, "/exceptions")
    assert "<h1>对账异常</h1>" in zh
    kinds = re.findall(r'<span class="tag">([^<]+)</span>', zh)
    assert sorted(kinds) == ["日结不符", "透支", "重复会员已合并"]
    assert "138****1111" in zh and "¥200.00" in zh
    assert "储值已冻结" in zh and "-¥10.00" in zh  # the 0002 till's bonus is ¥10 off
    assert "0002 -\u2060¥840.00" in zh  # each store's net for the overdrawn member

    en = get(client, "/exceptions?lang=en&date=" + DAY)
    assert sorted(re.findall(r'<span class="tag">([^<]+)</span>', en)) == [
        "Day totals differ", "Duplicate member merged", "Overdraft"]
    assert "Wallet blocked" in en
    nothing = get(client, "/exceptions?date=2026-03-01")
    assert "日结不符" not in nothing and "透支" in nothing  # open ones are always listed


def test_daily_totals_per_store_next_to_the_tills_own(client: TestClient) -> None:
    zh = get(client, "/daily?date=" + DAY)
    assert "<h1>日报</h1>" in zh
    rows = table_rows(zh)
    # rows, in, out, net principal, net bonus, points issued, points used
    assert rows["0001"][1:8] == ["3", "¥1,650.00", "¥110.00", "¥1,400.00", "¥140.00", "110",
                                 "0"]
    assert rows["0002"][1:8] == ["2", "¥200.00", "¥840.00", "-¥600.00", "-¥40.00", "0", "0"]
    assert rows["HQ"][1:8] == ["2", "¥200.00", "¥200.00", "¥0.00", "¥0.00", "0", "0"]
    checks = re.findall(r'<tr>\s*<td class="code">(\d{4})</td>\s*<td class="num">1</td>\s*'
                        r"<td>([^<]+)</td>.*?<td class=\"mark\">(.*?)</td>", zh, re.S)
    marks = {(code, account): ("✓" if "✓" in mark else "✗" if "✗" in mark else mark)
             for code, account, mark in checks}
    assert marks == {("0001", "本金"): "✓", ("0001", "赠送"): "✓", ("0001", "积分"): "✓",
                     ("0002", "本金"): "✓", ("0002", "赠送"): "✗", ("0002", "积分"): "✓"}

    assert table_rows(get(client, "/daily")) == rows  # today, in the stores' own calendar
    en = get(client, "/daily?lang=en&date=" + DAY)
    assert "<h1>Daily totals</h1>" in en and "Stored value in" in en and "Top-up" in en
    empty = table_rows(get(client, "/daily?date=2026-03-09"))
    assert empty["合计"][:3] == ["0", "¥0.00", "¥0.00"]


def test_a_malformed_date_is_explained(client: TestClient) -> None:
    answer = client.get("/daily?date=10/03/2026")
    assert answer.status_code == 400
    assert "日期格式应为 2026-03-10" in answer.text
    assert client.get("/exceptions?date=2026-13-01&lang=en").status_code == 400


def test_no_page_shows_a_full_phone(client: TestClient) -> None:
    for path in ("/", "/stores", "/liability", "/exceptions", "/daily?date=" + DAY):
        for lang in ("", "&lang=en" if "?" in path else "?lang=en"):
            text = get(client, path + lang)
            assert PHONE not in text and "13900002222" not in text


def test_every_text_on_the_pages_has_its_chinese() -> None:
    here = Path(pages.__file__).parent
    texts = set()
    for template in (here / "templates").glob("*.html"):
        texts |= set(re.findall(r'_\("([^"]+)"\)', template.read_text("utf-8")))
    tree = ast.parse(Path(pages.__file__).read_text("utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                and (getattr(node.func, "id", None) == "_"
                     or getattr(node.func, "attr", None) == "_")):
            texts.add(node.args[0].value)
    texts |= {label for _path, label in pages.NAV}
    texts |= set(pages.KINDS.values()) | set(pages.ACCOUNT_LABELS.values())
    texts |= set(pages.LEDGER_KINDS.values())
    assert len(texts) > 80
    assert sorted(t for t in texts if t not in pages.ZH) == []


def table_rows(html: str) -> dict[str, list[str]]:
    """Each table row's cells (text only), keyed by its first cell; later tables don't
    overwrite earlier ones."""
    rows: dict[str, list[str]] = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip()
                 for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        cells = [re.sub(r"\s+", " ", cell) for cell in cells]
        if cells and cells[0] not in rows:
            rows[cells[0]] = cells[1:]
    return rows
