"""The member's self-service page at head office (``/me/<token>``) and the managers' privacy
requests page, through the real application (TestClient) on SQLite and PostgreSQL.

Two stores upload through the real ingest: a member registered at 0001 (top-up, a purchase)
who also buys at 0002, and another member. The page must show that member's figures and no one
else's, refuse links that are forged, expired or used too often, change consents and take
requests only from its own forms, give the whole data as JSON and PDF, and record every view;
managers complete a correction (it reaches the tills) and an erasure needs two of them.
"""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from starlette.exceptions import StarletteDeprecationWarning

from storeapp.selfservice_link import make_token
from sync.hq import accounts, consents, pages_me, pages_privacy, selfservice, service
from sync.hq import models as m
from sync.hq.api import create_app
from sync.hq.catalogue import ZH
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal
from tests.sync.test_hq_pages import Clock, Till, registered
from tests.sync.wire import plausible

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

NOW = dt.datetime(2026, 3, 10, 4, 0)
ZHANG, LI = "0193d000-0000-7000-8000-000000000001", "0193d000-0000-7000-8000-000000000002"
ZHANG_PHONE = "13812345678"
ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty head-office SQLite file, migrated once for the module (migrating takes ~1 s)."""
    path = tmp_path_factory.mktemp("hq-template") / "hq.db"
    HqDatabase(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def client(tmp_path: Path, migrated: Path, clock: Clock) -> Iterator[TestClient]:
    """The chain on SQLite (a copy of the migrated file)."""
    path = tmp_path / "hq.db"
    path.write_bytes(migrated.read_bytes())
    yield from _chain(f"sqlite:///{path}", clock)


@pytest.fixture
def any_client(hq_url: str, clock: Clock) -> Iterator[TestClient]:
    """The chain on SQLite and on PostgreSQL, for what writes: consents, requests, decisions."""
    yield from _chain(hq_url, clock)


def _chain(url: str, clock: Clock) -> Iterator[TestClient]:
    app = create_app(url, clock=clock)
    hq: HqDatabase = app.state.hq
    for code, name in (("0001", "人民路店"), ("0002", "南京路店")):
        service.add_store(hq, code, name, NOW - dt.timedelta(days=30))
    Till(hq, "0001").send(
        registered(ZHANG, ZHANG_PHONE, "张三丰"),
        plausible("wallet_topped_up", ZHANG, 50000, 5000),
        plausible("sale_completed", ZHANG, -10000, -1000, 110),
        registered(LI, "13900002222", "李四"),
        plausible("wallet_topped_up", LI, 20000))
    Till(hq, "0002").send(plausible("sale_completed", ZHANG, 0, 0, 66))  # cash, points earned
    with TestClient(app) as test_client:
        yield test_client
    hq.close()


def hq_of(client: TestClient) -> HqDatabase:
    return client.app.state.hq  # type: ignore[attr-defined,no-any-return]


def link(client: TestClient, member_id: str = ZHANG, *, days: int = 30,
         secret: str | None = None) -> str:
    with hq_of(client).transaction() as s:
        key = secret or service.chain_secret(s, NOW)
    return "/me/" + make_token(member_id, NOW + dt.timedelta(days=days), key)


def staff(client: TestClient) -> None:
    """Two managers and an analyst at head office (a password hash each takes a while)."""
    hq = hq_of(client)
    accounts.add_user(hq, "boss", "manager password 1", NOW)
    accounts.add_user(hq, "deputy", "manager password 2", NOW)
    accounts.add_user(hq, "analyst", "analyst password", NOW, role="analyst")


def views(client: TestClient, action: str = "self_service_view") -> list[m.AccessLog]:
    with hq_of(client).transaction() as s:
        return list(s.scalars(select(m.AccessLog).where(m.AccessLog.action == action)))


def form_token(html: str, action: str) -> str:
    """The csrf value of the first form posting to ``action`` (a path ending)."""
    found = re.search(r'action="[^"]*' + re.escape(action) + r'[^"]*"[^>]*>\s*<input '
                      r'type="hidden" name="csrf" value="([^"]+)"', html)
    assert found, action
    return found.group(1)


# -- the page ------------------------------------------------------------------------------------

def test_the_page_shows_the_members_figures_in_chinese_on_a_phone(client: TestClient) -> None:
    answer = client.get(link(client))
    assert answer.status_code == 200
    html = answer.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'lang="zh-CN"' in html and "<h1>我的会员</h1>" in html
    assert "张*丰" in html and "138****5678" in html
    assert ZHANG_PHONE not in html and "张三丰" not in html  # masked: a receipt shows no more
    # stored value ¥500 + ¥50 bonus less the purchase's ¥100 + ¥10; points 110 + 66
    assert "¥440.00" in html and "¥400.00" in html and "¥40.00" in html
    assert '<dd id="points">176</dd>' in html
    assert "人民路店" in html and "南京路店" in html  # history across stores
    assert "¥200.00" not in html  # Li's top-up is not Zhang's
    for name in ("会员条款", "短信营销", "微信营销", "个性化推荐", "敏感个人信息"):
        assert name in html
    assert answer.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    [seen] = views(client)
    assert (seen.user, seen.subject) == ("member", ZHANG)


def test_english_by_the_switch_or_the_phones_language(client: TestClient) -> None:
    url = link(client)
    en = client.get(url + "?lang=en").text
    assert 'lang="en"' in en and "<h1>My membership</h1>" in en and "Marketing by SMS" in en
    assert "我的会员" not in en
    by_phone = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}).text
    assert "<h1>My membership</h1>" in by_phone
    assert 'href="/me/' in by_phone and "lang=zh" in by_phone  # the switch back to Chinese
    chinese = client.get(url + "?lang=zh", headers={"Accept-Language": "en-US"}).text
    assert "<h1>我的会员</h1>" in chinese


@pytest.mark.parametrize(("make", "status", "zh", "en"), [
    (lambda c: link(c, days=-1), 410, "链接已过期", "This link has expired"),
    (lambda c: link(c, secret="another chain's secret"), 404, "链接无效",
     "This link is not valid"),
    (lambda c: "/me/" + "A" * 44, 404, "链接无效", "This link is not valid"),
    (lambda c: link(c, "0193d000-0000-7000-8000-00000000dead"), 404, "暂未查到会员信息",
     "Your membership has not reached us yet"),
])
def test_links_that_do_not_open_say_why_in_both_languages(
        client: TestClient, make: Any, status: int, zh: str, en: str) -> None:
    answer = client.get(make(client))
    assert answer.status_code == status
    assert zh in answer.text and en in answer.text
    assert "¥" not in answer.text
    assert views(client) == []


def test_an_address_trying_forged_links_is_held_off(client: TestClient) -> None:
    forged = link(client, secret="guess")
    statuses = [client.get(forged).status_code for _ in range(7)]
    assert statuses[:5] == [404] * 5 and statuses[-1] == 429
    assert client.get(link(client)).status_code == 429  # the genuine one waits too
    assert "访问过于频繁" in client.get(link(client)).text


def test_a_members_links_used_too_often_are_refused_for_a_while(
        client: TestClient, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selfservice, "BUSY_LIMIT", 3)
    url = link(client)
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(link(client, LI)).status_code == 200  # another member is not held
    clock.now += selfservice.BUSY_WINDOW
    assert client.get(url).status_code == 200


# -- consents -----------------------------------------------------------------------------------

def test_the_member_withdraws_a_consent_and_gives_it_back(any_client: TestClient) -> None:
    client = any_client
    url = link(client)
    with hq_of(client).transaction() as s:
        consents.record(s, member_id=ZHANG, purpose="marketing_sms", given=True,
                        channel="head_office", by="boss", at=NOW - dt.timedelta(days=1))
    html = client.get(url).text
    token = form_token(html, "/consent")
    answer = client.post(url + "/consent", data={"csrf": token, "purpose": "marketing_sms",
                                                 "given": "0"}, headers=ORIGIN,
                         follow_redirects=False)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "已完成：您的同意已撤回。" in page
    sms = re.search(r'data-purpose="marketing_sms">(.*?)</li>', page, re.S)
    assert sms and "未同意" in sms.group(1) and "同意</button>" in sms.group(1)
    with hq_of(client).transaction() as s:
        state = consents.current(s, ZHANG)["marketing_sms"]
        assert (state.given, state.channel) == (False, "self_service")
        assert s.get(m.Member, ZHANG).marketing_consent is False  # type: ignore[union-attr]
    [changed] = views(client, "self_service_consent")
    assert json.loads(changed.detail_json)["purpose"] == "marketing_sms"
    client.post(url + "/consent", data={"csrf": token, "purpose": "marketing_sms",
                                        "given": "1"}, headers=ORIGIN)
    with hq_of(client).transaction() as s:
        assert consents.current(s, ZHANG)["marketing_sms"].given is True


def test_a_consent_form_without_its_links_token_changes_nothing(client: TestClient) -> None:
    url, other = link(client), link(client, LI)
    others_token = form_token(client.get(other).text, "/consent")
    own_token = form_token(client.get(url).text, "/consent")
    tries = [({"purpose": "personalised", "given": "0"}, ORIGIN),
             ({"csrf": others_token, "purpose": "personalised", "given": "0"}, ORIGIN),
             ({"csrf": own_token, "purpose": "personalised", "given": "0"},
              {"Origin": "https://evil.example"}),
             ({"csrf": own_token, "purpose": "personalised", "given": "0"}, {})]
    for data, headers in tries:
        answer = client.post(url + "/consent", data=data, headers=headers)
        assert answer.status_code == 403, data
        assert "未做任何更改" in answer.text
    refused = client.post(url + "/consent", data={"csrf": own_token, "purpose": "terms",
                                                  "given": "0"}, headers=ORIGIN)
    assert refused.status_code == 422 and "此项同意无法在这里更改" in refused.text
    with hq_of(client).transaction() as s:
        assert consents.history(s, ZHANG) == []
    assert len(views(client, "self_service_refused")) == 4


# -- downloads -------------------------------------------------------------------------------------

def test_the_data_downloads_as_json_with_everything_held(any_client: TestClient) -> None:
    client = any_client
    answer = client.get(link(client) + "/data.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert "attachment" in answer.headers["content-disposition"]
    data = answer.json()
    assert data["member"]["name"] == "张三丰" and data["member"]["phone"] == ZHANG_PHONE
    assert data["balances"] == {"principal_fen": 40000, "bonus_fen": 4000,
                                "balance_fen": 44000, "points": 176}
    assert {v["store_code"] for v in data["visits"]} == {"0001", "0002"}
    assert sum(r["principal_fen"] for r in data["ledger"]) == 40000
    assert set(data["consents"]) == {"terms", "marketing_sms", "marketing_wechat",
                                     "personalised", "sensitive"}
    assert data["stores"] == {"0001": "人民路店", "0002": "南京路店"}
    assert LI not in answer.text and "李四" not in answer.text
    assert len(views(client, "self_service_json")) == 1


@pytest.mark.parametrize(("lang", "words"), [
    ("", ("我的会员数据", "张三丰", "储值余额", "人民路店")),
    ("?lang=en", ("My member data", "张三丰", "Stored value", "人民路店"))])
def test_the_data_downloads_as_a_pdf_that_shows_hanzi(
        client: TestClient, lang: str, words: tuple[str, ...]) -> None:
    answer = client.get(link(client) + "/data.pdf" + lang)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    for word in words:
        assert word in text, word
    assert "¥440.00" in text and ZHANG_PHONE in text
    assert len(views(client, "self_service_pdf")) == 1


# -- requests, and the managers who decide them ----------------------------------------------------

def ask(client: TestClient, url: str, **data: str) -> Any:
    token = form_token(client.get(url).text, "/request")
    return client.post(url + "/request", data={"csrf": token, **data}, headers=ORIGIN,
                       follow_redirects=False)


def manager_form(client: TestClient, user: str, request_id: int, action: str,
                 **data: str) -> Any:
    client.auth = (user, {"boss": "manager password 1", "deputy": "manager password 2",
                          "analyst": "analyst password"}[user])
    html = client.get("/privacy").text
    found = re.search(rf'action="/privacy/{request_id}/{action}">\s*<input type="hidden" '
                      r'name="csrf" value="([^"]+)"', html)
    assert found, (user, action)
    return client.post(f"/privacy/{request_id}/{action}", data={"csrf": found.group(1), **data},
                       headers=ORIGIN, follow_redirects=False)


def test_a_correction_asked_on_the_page_is_completed_by_a_manager(any_client: TestClient) -> None:
    client = any_client
    staff(client)
    url = link(client)
    answer = ask(client, url, kind="correction", field="name", text="我叫张三峰，不是张三丰")
    assert answer.status_code == 303
    assert "您的申请已记录" in client.get(answer.headers["location"]).text
    with hq_of(client).transaction() as s:
        [request] = s.scalars(select(m.PrivacyRequest)).all()
        change_before = s.get(m.Member, ZHANG).change_no  # type: ignore[union-attr]
    client.auth = ("analyst", "analyst password")
    listed = client.get("/privacy").text
    assert "我叫张三峰" in listed and "张*丰" in listed and "/privacy/1/complete" not in listed
    done = manager_form(client, "boss", request.id, "complete", value="张三峰", note="")
    assert done.status_code == 303
    with hq_of(client).transaction() as s:
        member = s.get(m.Member, ZHANG)
        assert member is not None and member.name == "张三峰"
        assert member.change_no > change_before  # every till downloads it
        row = s.get(m.PrivacyRequest, request.id)
        assert row is not None and (row.status, row.decided_by) == ("done", "boss")
    client.auth = None
    assert "已完成" in client.get(url).text
    assert [r.user for r in views(client, "privacy_corrected")] == ["boss"]


def test_an_erasure_needs_two_managers_and_no_principal_left(any_client: TestClient) -> None:
    client = any_client
    staff(client)
    assert ask(client, link(client), kind="erasure", text="请删除").status_code == 303
    assert ask(client, link(client, LI), kind="erasure", text="").status_code == 303
    with hq_of(client).transaction() as s:
        zhang_asked, li_asked = (r.id for r in s.scalars(select(m.PrivacyRequest)
                                                         .order_by(m.PrivacyRequest.id)))
    # Zhang still has ¥400 of principal: a store closes the account first
    refused = manager_form(client, "boss", zhang_asked, "approve")
    assert refused.status_code == 409 and "¥400.00" in refused.text
    # Li's ¥200 spent at a store: then one manager approves...
    Till(hq_of(client), "0001", 2).send(plausible("sale_completed", LI, -20000))
    assert manager_form(client, "boss", li_asked, "approve").status_code == 303
    client.auth = ("boss", "manager password 1")
    assert f"/privacy/{li_asked}/erase" not in client.get("/privacy").text  # not the same one
    with hq_of(client).transaction() as s:
        row = s.get(m.PrivacyRequest, li_asked)
        assert row is not None
        with pytest.raises(HqRefusal) as same:
            selfservice.erasure_ready(row, "boss")
        assert same.value.code == "same_manager"
        change_before = s.get(m.Member, LI).change_no  # type: ignore[union-attr]
    # ... and another erases
    assert manager_form(client, "deputy", li_asked, "erase").status_code == 303
    with hq_of(client).transaction() as s:
        li = s.get(m.Member, LI)
        assert li is not None and li.name == "" and li.phone == f"erased:{LI}"
        assert li.change_no > change_before  # the tills download the member erased
        row = s.get(m.PrivacyRequest, li_asked)
        assert row is not None
        assert (row.status, row.approved_by, row.decided_by) == ("done", "boss", "deputy")
        ledger = s.scalars(select(m.LedgerRow).where(m.LedgerRow.member_id == LI)).all()
        assert sum(r.principal_fen for r in ledger) == 0 and len(ledger) == 2  # rows stay
    client.auth = None
    gone = client.get(link(client, LI))
    assert gone.status_code == 410 and "会员信息已删除" in gone.text
    assert "Your membership was erased" in gone.text


def test_requests_are_bounded(client: TestClient) -> None:
    staff(client)
    url = link(client)
    too_long = ask(client, url, kind="correction", field="other", text="字" * 501)
    assert too_long.status_code == 422 and "最多 500 个字" in too_long.text
    for n in range(selfservice.MAX_OPEN):
        assert ask(client, url, kind="correction", field="other", text=f"#{n}").status_code == 303
    over = ask(client, url, kind="correction", field="other", text="one more")
    assert over.status_code == 409
    client.auth = ("analyst", "analyst password")
    token = re.search(r'name="csrf" value="([^"]+)"',
                      client.get("/privacy").text)
    assert token is None  # an analyst is given no form
    assert client.post("/privacy/1/decline", data={"reason": "x"},
                       headers=ORIGIN).status_code == 403


# -- the words ----------------------------------------------------------------------------------

def test_every_text_of_these_pages_has_its_chinese() -> None:
    here = Path(pages_me.__file__).parent
    texts: set[str] = set()
    for name in ("me.html", "me_base.html", "privacy.html"):
        texts |= set(re.findall(r'_\("([^"]+)"\)', (here / "templates" / name).read_text("utf-8")))
    for module in (pages_me, pages_privacy):
        tree = ast.parse(Path(module.__file__ or "").read_text("utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and getattr(node.func, "attr", None) == "_"):
                texts.add(node.args[0].value)
    for table in (pages_me.PURPOSE_NAMES, pages_me.PURPOSE_NOTES, pages_me.CHANNELS,
                  pages_me.FIELD_NAMES, pages_me.REQUEST_NAMES, pages_me.REQUEST_STATUS,
                  pages_me.DONE, pages_me.REFUSALS, pages_privacy.DONE, pages_privacy.REFUSALS,
                  pages_privacy.FIELD_LABELS):
        texts |= set(table.values())
    assert len(texts) > 60
    assert sorted(t for t in texts if t not in ZH) == []


def test_migration_0016_makes_what_the_models_say(migrated: Path) -> None:
    """The privacy requests' table and the access log's index, as migrated, are the models'."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{migrated}")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    engine.dispose()
    mine = [d for d in differences
            if "hq_privacy_requests" in repr(d) or "ix_hq_access_log_subject_at" in repr(d)]
    assert mine == []
