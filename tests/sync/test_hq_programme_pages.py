"""Head office's membership-programme pages: the member directory, a member's page, segments,
campaigns (preview, create, launch, stop), results against the holdout, the contact list and
automations, on SQLite and PostgreSQL.

Members and sales are made by real tills (the harness of ``test_programme`` and
``test_campaign_results``) and reach head office through the real ingest. Each figure a page
shows is checked against the programme's own functions and, for a member's history across
stores, a segment's size and a campaign's effect, against this test's own record of what the
tills did. Then who may see what: phones masked unless a manager asks (each view and export in
the access log), an analyst launches nothing, and a form posted without its token or from
another site is refused and changes nothing.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import itertools
import re
import statistics
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.exceptions import StarletteDeprecationWarning

from storeapp.clock import to_local
from storeapp.models import Member
from storeapp.money import format_fen
from storeapp.services import users
from sync.hq import accounts, campaigns, pages_programme, programme, service
from sync.hq import models as m
from sync.hq.api import create_app
from sync.hq.campaigns import Audience, Benefit
from sync.hq.catalogue import ZH
from sync.hq.cli import main as hq_main
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal
from tests.helpers import START, register
from tests.sync import test_campaign_results as results_world
from tests.sync.chain import upload
from tests.sync.test_hq_pages import table_rows
from tests.sync.test_programme import SEGMENTS, Made, build_year, score
from tests.sync.test_sync_properties import Till, make_tills

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

BOSS, ANA, PASSWORD = "boss", "ana", "correct horse battery"
TWIN = "13900000001"  # registered at two stores in build_year: merged at head office
SITE = {"Origin": "http://testserver"}


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def chain(tmp_path: Path, migrated_template: Path,
          hq_url: str) -> Iterator[tuple[HqDatabase, list[Till]]]:
    hq = HqDatabase(hq_url)
    tills = make_tills(tmp_path, migrated_template, hq)
    for till in tills:
        users.add_user(till.db, code="M01", name="经理", role="manager", pin="246800",
                       actor="setup")
    accounts.add_user(hq, BOSS, PASSWORD, START, role="manager")
    accounts.add_user(hq, ANA, PASSWORD, START, role="analyst")
    try:
        yield hq, tills
    finally:
        for till in tills:
            till.db.close()
        hq.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(START + dt.timedelta(days=365))


@pytest.fixture
def client(chain: tuple[HqDatabase, list[Till]], hq_url: str,
           clock: Clock) -> Iterator[TestClient]:
    app = create_app(hq_url, clock=clock)
    with TestClient(app) as test_client:
        test_client.auth = (BOSS, PASSWORD)
        yield test_client
    app.state.hq.close()


def get(client: TestClient, path: str, *, user: str = BOSS) -> str:
    answer = client.get(path, auth=(user, PASSWORD))
    assert answer.status_code == 200, answer.text
    assert "<script" not in answer.text
    return answer.text


def money(fen: float) -> str:
    return format_fen(round(fen)).replace("-¥", "-\u2060¥")


def when(at: dt.datetime) -> str:
    return to_local(at).strftime("%Y-%m-%d %H:%M")


def table_after(html: str, heading: str) -> list[list[str]]:
    """The body rows (cells as text) of the first table after ``heading``."""
    table = html.split(heading, 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def access_log(hq: HqDatabase) -> list[tuple[str, str, str]]:
    with hq.transaction() as s:
        return [(r.user, r.action, r.subject)
                for r in s.scalars(select(m.AccessLog).order_by(m.AccessLog.id))]


def member_id_of(hq: HqDatabase, phone: str) -> str:
    with hq.transaction() as s:
        return service.member_by_phone(s, phone).member_id


def token_for(hq: HqDatabase, user: str, path: str, at: dt.datetime) -> str:
    """A form token made the way the pages make one (an analyst never sees one)."""
    with hq.transaction() as s:
        key = s.get(m.Secret, pages_programme.SECRET_NAME)
        assert key is not None
    stamp = int(at.replace(tzinfo=dt.UTC).timestamp())
    return pages_programme.form_token(key.value.encode("ascii"), user, path, stamp)


def form_token(html: str, action: str) -> str:
    match = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*>\s*'
                      r'<input type="hidden" name="csrf" value="([^"]+)"', html)
    assert match is not None, action
    return match.group(1)


# -- what this test's own record says ------------------------------------------------------

def expected_segments(made: list[Made], now: dt.datetime) -> tuple[
        dict[str, set[str]], dict[str, dict[str, int]], set[str]]:
    """RFM segments (phones) by their definition over the last 365 days, each phone's
    figures, and the lapsed phones, from the sales this test made."""
    window = [x for x in made if now - dt.timedelta(days=365) <= x.at <= now]
    last: dict[str, dt.datetime] = {}
    freq: dict[str, int] = defaultdict(int)
    spent: dict[str, int] = defaultdict(int)
    for x in window:
        spent[x.phone] += x.amount_fen
        if x.amount_fen > 0:
            freq[x.phone] += 1
            last[x.phone] = max(last.get(x.phone, x.at), x.at)
    recency = {p: (now - t) // dt.timedelta(days=1) for p, t in last.items()}
    r = score({p: -d for p, d in recency.items()})
    f = score(dict(freq))
    mo = score({p: spent[p] for p in last})
    found: dict[str, set[str]] = defaultdict(set)
    for p in last:
        found[SEGMENTS[(r[p] >= 3, f[p] >= 3, mo[p] >= 3)]].add(p)
    figures = {p: {"recency": recency[p], "frequency": freq[p], "spent": spent[p]} for p in last}
    every_last = {x.phone: x.at for x in sorted(made, key=lambda x: x.at) if x.amount_fen > 0}
    lapsed = {p for p, t in every_last.items()
              if now - t > dt.timedelta(days=programme.LAPSED_DAYS)}
    return found, figures, lapsed


# -- the directory and a member's page ---------------------------------------------------------

def test_directory_and_member_page_show_every_store_as_the_tills_sold(
        chain: tuple[HqDatabase, list[Till]], client: TestClient, clock: Clock) -> None:
    hq, tills = chain
    made, _home = build_year(tills)
    upload(hq, tills)
    now = clock.now
    twin_id = member_id_of(hq, TWIN)

    zh = get(client, "/members?q=" + TWIN)
    rows = table_after(zh, "<table>")
    assert len(rows) == 1 and rows[0][2] == "139****0001" and rows[0][1] == "会员01"
    assert f'href="/members/{twin_id}"' in zh
    assert twin_id in get(client, "/members?q=0001")  # the last four digits
    by_name = table_after(get(client, "/members?q=会员0"), "<table>")
    assert sorted(r[1] for r in by_name) == [f"会员{i:02d}" for i in range(10)]
    assert all("****" in r[2] for r in by_name)
    assert "没有与 nobody 匹配的会员。" in get(client, "/members?q=nobody")

    page = get(client, f"/members/{twin_id}")
    assert TWIN not in page and "139****0001" in page
    theirs = sorted((x for x in made if x.phone == TWIN), key=lambda x: x.at, reverse=True)
    expected = [[when(x.at), x.store, "销售" if x.amount_fen > 0 else "退货",
                 format_fen(x.amount_fen)] for x in theirs][:programme.HISTORY_LIMIT]
    shown = table_after(page, "<h2>各门店消费记录</h2>")
    # this test's own record: both stores, newest first (two visits in one minute, the merged
    # twin's at two stores, may come in either order)
    assert sorted(shown) == sorted(expected)
    assert [r[0] for r in shown] == sorted((r[0] for r in shown), reverse=True)
    with hq.transaction() as s:
        detail = programme.member_detail(s, now, twin_id)
    assert detail is not None
    assert shown == [[when(v.at), v.store_code, "销售" if v.kind == "sale" else "退货",
                      format_fen(v.amount_fen)] for v in detail.history]
    stores = {r[0]: r for r in table_after(page, "<h2>到访门店</h2>")}
    assert set(stores) == {"0001", "0002"}
    for code, row in stores.items():
        at_store = [x for x in theirs if x.store == code]
        assert row[2] == str(sum(x.amount_fen > 0 for x in at_store))
        assert row[3] == format_fen(sum(x.amount_fen for x in at_store))
        assert row[4] == when(max(x.at for x in at_store))
    segments, figures, _lapsed = expected_segments(made, now)
    facts = table_rows(page)
    assert facts["近 12 个月消费次数"] == [str(figures[TWIN]["frequency"])]
    assert facts["近 12 个月净消费"] == [format_fen(figures[TWIN]["spent"])]
    segment = next(code for code, phones in segments.items() if TWIN in phones)
    assert detail.segment == segment
    assert facts["RFM 分群"][0].startswith(ZH[pages_programme.SEGMENT_LABELS[segment]])
    assert facts["合并来源"] == ["1 个重复注册"]
    with hq.transaction() as s:  # the member's watchlists: those of the chain's lists
        lists = programme.insight(s, now, programme.WATCHLISTS).members
    assert facts["关注名单"] == [" ".join(
        ZH[pages_programme.SEGMENT_LABELS[code]] for code in programme.WATCHLISTS
        if twin_id in lists[code]) or "—"]
    days = sorted({to_local(x.at).date() for x in theirs if x.amount_fen > 0
                   and x.at >= now - dt.timedelta(days=365)})
    cycle = max(1, int(statistics.median(
        [(b - a).days for a, b in itertools.pairwise(days)]) + 0.5))
    assert facts["消费周期"] == [f"每 {cycle} 天（两次到店间隔的中位数）"]
    assert facts["预计下次到店"][0].startswith((days[-1] + dt.timedelta(days=cycle)).isoformat())

    en = get(client, f"/members/{twin_id}?lang=en")
    assert "Visits at every store" in en and "各门店" not in en
    assert table_after(en, "<h2>Visits at every store</h2>")[0][2] in ("Sale", "Refund")
    assert client.get("/members/no-such-member").status_code == 404


def test_phones_are_masked_unless_a_manager_asks_and_each_full_view_is_logged(
        chain: tuple[HqDatabase, list[Till]], client: TestClient) -> None:
    hq, tills = chain
    build_year(tills)
    upload(hq, tills)
    twin_id = member_id_of(hq, TWIN)

    analyst = get(client, f"/members/{twin_id}?full=1", user=ANA)
    assert TWIN not in analyst and "只有经理可以查看会员的完整手机号。" in analyst
    assert "显示完整手机号" not in analyst
    masked = get(client, f"/members/{twin_id}")
    assert TWIN not in masked and f'href="/members/{twin_id}?full=1"' in masked
    assert access_log(hq) == []

    full = get(client, f"/members/{twin_id}?full=1")
    assert TWIN in full and "本次查看已以您的名义记入访问日志" in full
    assert access_log(hq) == [(BOSS, "member_full_phone", twin_id)]

    segment = get(client, "/segments/lapsed?full=1", user=ANA)
    assert "****" in segment and not re.search(r"\b139\d{8}\b", segment)
    assert len(access_log(hq)) == 1
    segment = get(client, "/segments/lapsed?full=1")
    assert re.search(r"\b139\d{8}\b", segment) and "****" not in segment
    assert access_log(hq)[-1] == (BOSS, "segment_full_phones", "lapsed")
    assert len(access_log(hq)) == 2


# -- segments -------------------------------------------------------------------------------

def test_segment_sizes_equal_the_definition_over_the_tills_sales(
        chain: tuple[HqDatabase, list[Till]], client: TestClient, clock: Clock) -> None:
    hq, tills = chain
    made, _home = build_year(tills)
    upload(hq, tills)
    now = clock.now
    expected, figures, lapsed = expected_segments(made, now)
    with hq.transaction() as s:
        found = programme.insight(s, now)

    zh = get(client, "/segments")
    rows = table_rows(zh)
    assert "RFM：共 30 位会员有消费" in zh
    for code in SEGMENTS.values():
        row = rows[ZH[pages_programme.SEGMENT_LABELS[code]]]
        phones = expected[code]
        assert row[1] == f"{len(phones):,}" == f"{found.sizes[code].members:,}", code
        if phones:
            n = len(phones)
            assert row[2] == str(sum(figures[p]["recency"] for p in phones) // n)
            assert row[3] == str(round(sum(figures[p]["frequency"] for p in phones) / n, 1))
            assert row[4] == format_fen(sum(figures[p]["spent"] for p in phones) // n)
    assert lapsed and rows["流失会员"][1] == f"{len(lapsed):,}"
    assert len(found.members["lapsed"]) == len(lapsed)

    page = get(client, "/segments/lapsed")
    assert f"{len(lapsed)} 位会员" in page
    listed = table_after(page, "<table>")
    assert len(listed) == len(lapsed) and all("****" in r[2] for r in listed)
    with hq.transaction() as s:
        phones = {x.phone for x in s.scalars(select(m.Member).where(
            m.Member.member_id.in_(found.members["lapsed"])))}
    assert phones == lapsed
    assert all(re.sub(r"\D", "", r[2][-4:]) in {p[-4:] for p in lapsed} for r in listed)

    champions = get(client, "/segments/champions?lang=en")
    assert "Days since last purchase" in champions
    assert len(table_after(champions, "<table>")) == len(expected["champions"])
    assert client.get("/segments/nonsense").status_code == 404


# -- campaigns: preview, create, launch, and who may --------------------------------------------

def consenting_members(tills: list[Till], hq: HqDatabase) -> dict[str, tuple[str, bool]]:
    """Twenty members at two stores, fourteen agreeing to marketing; phone → (store, consent)."""
    made = {}
    for i in range(20):
        till = tills[0] if i % 2 else tills[2]
        phone = f"1350000{i:04d}"
        register(till.db, phone=phone, name=f"顾客{i}", marketing_consent=i < 14)
        made[phone] = (till.store.code, i < 14)
    upload(hq, tills)
    return made


def test_a_campaign_is_previewed_saved_and_launched_by_a_manager_only(
        chain: tuple[HqDatabase, list[Till]], client: TestClient, clock: Clock) -> None:
    hq, tills = chain
    clock.now = START + dt.timedelta(days=1)
    made = consenting_members(tills, hq)
    service.set_rule(hq, "setting", "campaign_monthly_contacts", 1)
    # an earlier campaign this month reached 0002's consenting members: now at their cap
    campaigns.create(hq, code="EARLY", name="早鸟", audience=Audience(stores=("0002",)),
                     benefit=Benefit("none"), message="早鸟", user=BOSS, now=clock.now)
    campaigns.launch(hq, "EARLY", user=BOSS, now=clock.now)
    no_consent = sum(not c for _s, c in made.values())
    at_cap = sum(c and s == "0002" for s, c in made.values())

    query = ("/campaigns/new?preview=1&code=spring&name=春季&benefit=points&points=300"
             "&message=春季回馈：已送300积分&holdout=20&window_days=14")
    preview = get(client, query)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd class=\"num\">([\d,]+)</dd>", preview))
    with hq.transaction() as s:
        chosen = campaigns.screen(s, clock.now, campaigns.audience_ids(s, clock.now, Audience()))
    assert figures["符合条件的会员"] == str(len(made)) == str(chosen.matched)
    assert figures["未入选：无营销许可"] == str(no_consent) == str(chosen.excluded_consent)
    assert figures["未入选：本月联系次数已达上限"] == str(at_cap) == str(chosen.excluded_cap)
    assert figures["目标会员"] == str(len(made) - no_consent - at_cap) == str(chosen.audience)
    assert 'name="csrf"' in preview
    assert 'name="csrf"' not in get(client, query, user=ANA)  # an analyst may look, not save

    token = form_token(preview, "/campaigns/new")
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">',
                             preview.split('action="/campaigns/new"', 1)[1]))
    hidden.pop("csrf")
    saved = client.post("/campaigns/new", data={**hidden, "csrf": token}, headers=SITE,
                        follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/campaigns/SPRING?done=created"
    with hq.transaction() as s:
        draft = s.get(m.Campaign, "SPRING")
        assert draft is not None and draft.status == "draft" and draft.created_by == BOSS
        assert (draft.holdout_pct, draft.window_days) == (20, 14)
        assert draft.message == "春季回馈：已送300积分"
        assert Benefit.from_json(draft.benefit_json) == Benefit("points", points=300)
    again = client.post("/campaigns/new", data={**hidden, "csrf": token}, headers=SITE)
    assert again.status_code == 422 and "已有活动 SPRING。" in again.text

    page = get(client, "/campaigns/SPRING")
    assert "立即启动" in page and "草稿已保存" not in page
    launch = form_token(page, "/campaigns/SPRING/launch")
    analyst_page = get(client, "/campaigns/SPRING", user=ANA)
    assert "立即启动" not in analyst_page and "只有经理可以启动或停止营销活动。" in analyst_page

    def still_draft() -> None:
        with hq.transaction() as s:
            assert s.get(m.Campaign, "SPRING").status == "draft"  # type: ignore[union-attr]
            assert s.scalar(select(func.count()).select_from(m.CampaignMember).where(
                m.CampaignMember.campaign_code == "SPRING")) == 0

    # refused, and nothing changes: no token, another site's origin, no origin at all,
    # the stop form's token, an analyst's own valid token, a token too old
    path = "/campaigns/SPRING/launch"
    for data, headers, auth in (
            ({}, SITE, None),
            ({"csrf": launch}, {"Origin": "http://evil.example"}, None),
            ({"csrf": launch}, {"Origin": "null"}, None),
            ({"csrf": launch}, {}, None),
            ({"csrf": launch}, {"Referer": "http://evil.example/campaigns/SPRING"}, None),
            ({"csrf": token_for(hq, BOSS, "/campaigns/SPRING/stop", clock.now)}, SITE, None),
            ({"csrf": token_for(hq, ANA, path, clock.now)}, SITE, (ANA, PASSWORD))):
        answer = client.post(path, data=data, headers=headers, auth=auth or (BOSS, PASSWORD))
        assert answer.status_code == 403, (data, headers)
        assert "未做任何更改" in answer.text
        still_draft()
    assert "只有经理可以" in client.post(path, data={"csrf": token_for(hq, ANA, path, clock.now)},
                                        headers=SITE, auth=(ANA, PASSWORD)).text
    assert client.post(path, data={"csrf": launch}, headers=SITE, auth=None).status_code == 401
    later = clock.now
    clock.now = later + dt.timedelta(hours=pages_programme.TOKEN_HOURS, minutes=1)
    assert client.post(path, data={"csrf": launch}, headers=SITE).status_code == 403
    still_draft()
    clock.now = later

    done = client.post(path, data={"csrf": launch},
                       headers={"Referer": "http://testserver/campaigns/SPRING"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/campaigns/SPRING?done=launched"
    with hq.transaction() as s:
        groups = dict(s.execute(select(m.CampaignMember.grp, func.count()).where(
            m.CampaignMember.campaign_code == "SPRING").group_by(m.CampaignMember.grp)).all())
    assert sum(groups.values()) == len(made) - no_consent - at_cap
    page = get(client, "/campaigns/SPRING?done=launched")
    assert "已启动：实验组会员的权益将随下次同步送达各收银机。" in page
    shown = dict(re.findall(r"<dt>([^<]+)</dt><dd class=\"num\">([\d,]+)</dd>", page))
    assert shown["实验组"] == str(groups.get("treated", 0))
    assert shown["对照组"] == str(groups.get("holdout", 0))
    assert shown["未入选：无营销许可"] == str(no_consent)
    assert shown["未入选：本月联系次数已达上限"] == str(at_cap)
    listed = table_rows(get(client, "/campaigns"))
    assert listed["SPRING"][:2] == ["春季", "进行中"]
    assert listed["SPRING"][5:9] == [str(groups.get("treated", 0)), str(groups.get("holdout", 0)),
                                     str(no_consent), str(at_cap)]
    relaunch = client.post(path, data={"csrf": launch}, headers=SITE)
    assert relaunch.status_code == 409 and "已不是草稿" in relaunch.text

    stop_path = "/campaigns/SPRING/stop"
    stopped = client.post(stop_path, data={"csrf": form_token(page, stop_path)}, headers=SITE,
                          follow_redirects=False)
    assert stopped.status_code == 303
    with hq.transaction() as s:
        assert s.get(m.Campaign, "SPRING").status == "stopped"  # type: ignore[union-attr]


def test_a_wrong_form_is_shown_again_with_what_is_wrong(
        chain: tuple[HqDatabase, list[Till]], client: TestClient) -> None:
    page = get(client, "/campaigns/new?preview=1&code=X1&benefit=points&points=many&message=hi")
    assert "积分应为 1 到 100,000 的整数，而不是 many。" in page and "目标会员</dt>" not in page
    page = get(client, "/campaigns/new?preview=1&benefit=coupon&lang=en")
    assert "Choose a coupon template for a coupon benefit." in page
    token = form_token(get(client, "/campaigns/new?preview=1&benefit=none&message=hi"),
                       "/campaigns/new")
    bad = client.post("/campaigns/new", headers=SITE, data={
        "csrf": token, "code": "!", "benefit": "none", "message": "hi"})
    assert bad.status_code == 422 and "活动编号为 2 到 24 位字母、数字、- 或 _。" in bad.text
    hq: HqDatabase = client.app.state.hq  # type: ignore[attr-defined]
    with hq.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.Campaign)) == 0


# -- results and the contact list --------------------------------------------------------------

@pytest.mark.parametrize("effect_fen", [results_world.EFFECT_FEN, 0])
def test_results_page_finds_the_effect_the_tills_made(
        chain: tuple[HqDatabase, list[Till]], client: TestClient, clock: Clock,
        effect_fen: int, monkeypatch: pytest.MonkeyPatch) -> None:
    hq, tills = chain
    group, revenue = results_world.world(hq, tills, effect_fen=effect_fen,
                                         seed=11 if effect_fen else 12, monkeypatch=monkeypatch)
    clock.now = results_world.LAUNCH + dt.timedelta(days=results_world.WINDOW_DAYS + 1)
    diff, low, high = results_world.textbook(group, revenue)
    with hq.transaction() as s:
        found = campaigns.results(s, "SPRING", clock.now)
    est = found.during.revenue_per_member
    assert est is not None

    zh = get(client, "/campaigns/SPRING/results")
    rows = table_rows(zh.split("<h2>活动期内", 1)[1])
    treated = sum(g == "treated" for g in group.values())
    assert rows["会员"] == [f"{treated:,}", f"{len(group) - treated:,}", "", ""]
    sign = "+" if est.diff > 0 else ""
    assert rows["人均消费额"] == [money(est.treated), money(est.holdout), sign + money(est.diff),
                              f"{money(est.low)} … {money(est.high)}"]
    # and this test's own record, by the textbook formula (z 1.96)
    assert money(est.diff) == money(diff)
    assert abs(est.low - low) < 5 and abs(est.high - high) < 5
    inc = found.during.incremental_revenue
    assert inc is not None
    assert rows["增量收入"] == ["—", "—", sign + money(inc.diff),
                            f"{money(inc.low)} … {money(inc.high)}"]
    assert money(inc.diff) == money(diff * treated)
    share = found.during.purchase_share
    assert share is not None
    bought = [revenue.get(x, 0) > 0 for x, g in group.items() if g == "treated"]
    assert rows["消费会员占比"][0] == f"{sum(bought) / len(bought) * 100:.1f}%"
    assert f"{share.treated * 100:.1f}%" == rows["消费会员占比"][0]
    assert rows["核销率"][0] == "—"  # points: nothing to redeem
    assert money(found.during.cost_fen) in zh and found.during.cost_fen == 200 * treated
    if effect_fen:
        assert low <= effect_fen <= high
    # the verdict the interval gives (with no effect, the interval misses zero one time in
    # twenty: the holdout is drawn from the members' random ids)
    if est.covers_zero:
        assert "没有可测量的效果：置信区间包含零（人均 " + money(est.low) in zh
        assert 'class="verdict verdict-no_effect"' in zh
    elif est.diff > 0:
        assert ("有效：实验组人均比对照组多消费 " + money(est.diff)) in zh
        assert 'class="verdict verdict-worked"' in zh
    else:
        assert ("有负面效果：实验组人均比对照组少消费 " + money(-est.diff)) in zh
    svg = zh.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count('class="bar treated"') == 1 and svg.count('class="bar holdout"') == 1
    assert svg.count('class="whisker"') == 9 and 'class="dot"' in svg
    assert money(est.treated) in svg and money(est.holdout) in svg

    en = get(client, "/campaigns/SPRING/results?lang=en")
    assert ("It worked: treated members spent" in en) == (found.during.verdict == "worked")
    assert ("No measurable effect: the interval covers zero" in en) == est.covers_zero
    assert "实验组" not in en


def test_the_verdict_is_said_in_plain_words() -> None:
    from storeapp.campaign_rules import Estimate, Results

    class En:
        zh = False

        def _(self, text: str) -> str:
            return text

        def money(self, fen: int) -> str:
            return format_fen(fen)

    def said(est: Estimate | None) -> str:
        return pages_programme._verdict(En(), Results(  # type: ignore[arg-type]
            10, 10, 0.0, None, est, None, 0))

    assert said(Estimate(500, 450, 50, -20, 120)) == (
        "No measurable effect: the interval covers zero (from -\u2060¥0.20 to ¥1.20 per "
        "member).")
    assert said(Estimate(9000, 1000, 8000, 6000, 10000)).startswith(
        "It worked: treated members spent ¥80.00 more per member than the holdout (95 % "
        "interval ¥60.00 to ¥100.00)")
    assert said(Estimate(1000, 3000, -2000, -3000, -1000)).startswith(
        "It did harm: treated members spent ¥20.00 less per member")
    assert said(None) == "Too few members to measure: each group needs at least two."


def test_the_contact_list_is_for_managers_and_every_export_is_logged(
        chain: tuple[HqDatabase, list[Till]], client: TestClient, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    hq, tills = chain
    group, _revenue = results_world.world(hq, tills, effect_fen=0, seed=5,
                                          monkeypatch=monkeypatch)
    clock.now = results_world.LAUNCH + dt.timedelta(days=2)

    refused = client.get("/campaigns/SPRING/contacts.csv", auth=(ANA, PASSWORD))
    assert refused.status_code == 403 and "只有经理可以导出联系名单。" in refused.text
    assert access_log(hq) == []
    assert "联系名单（CSV" not in get(client, "/campaigns/SPRING", user=ANA)
    assert 'href="/campaigns/SPRING/contacts.csv"' in get(client, "/campaigns/SPRING")

    answer = client.get("/campaigns/SPRING/contacts.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    treated = {x for x, g in group.items() if g == "treated"}
    phones = {}
    for till in tills:
        with till.db.reader() as s:
            phones.update({x.member_id: (x.phone, x.name) for x in s.scalars(select(Member))})
    assert sorted((r["phone"], r["name"]) for r in rows) == sorted(phones[x] for x in treated)
    assert {r["text"] for r in rows} == {"春季回馈：已送200积分"}
    assert access_log(hq) == [(BOSS, "contacts_export", "SPRING")]
    with hq.transaction() as s:
        logged = s.scalars(select(m.AccessLog)).one()
    assert f'"count": {len(treated)}' in logged.detail_json


# -- automations -----------------------------------------------------------------------------

def test_automations_are_switched_by_managers(
        chain: tuple[HqDatabase, list[Till]], client: TestClient) -> None:
    hq, _tills = chain
    campaigns.create(hq, code="BDAY", name="生日", audience=Audience(),
                     benefit=Benefit("points", points=500), message="生日快乐：已送500积分",
                     user=BOSS, now=START, rule="birthday")
    page = get(client, "/automations")
    rows = table_rows(page)
    assert rows["BDAY"][:2] == ["生日（当月）", "进行中"]
    assert "停用" in page and "停用" not in get(client, "/automations", user=ANA)
    disable = "/automations/BDAY/disable"
    assert client.post(disable, data={"csrf": form_token(page, disable)},
                       headers={"Origin": "http://elsewhere"}).status_code == 403
    done = client.post(disable, data={"csrf": form_token(page, disable)}, headers=SITE,
                       follow_redirects=False)
    assert done.status_code == 303
    with hq.transaction() as s:
        assert s.get(m.Campaign, "BDAY").status == "stopped"  # type: ignore[union-attr]
    page = get(client, "/automations?done=disabled&lang=en")
    assert "Automation disabled: its prompts end." in page and "Stopped" in page
    enable = "/automations/BDAY/enable"
    assert client.post(enable + "?lang=en", data={"csrf": form_token(page, enable + "?lang=en")},
                       headers=SITE, follow_redirects=False).status_code == 303
    with hq.transaction() as s:
        assert s.get(m.Campaign, "BDAY").status == "live"  # type: ignore[union-attr]


# -- users, sign-in, words --------------------------------------------------------------------

def test_users_have_a_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    hq = HqDatabase(url)
    accounts.add_user(hq, "first", "12345678")
    with pytest.raises(HqRefusal) as bad:
        accounts.add_user(hq, "third", "12345678", role="owner")
    assert bad.value.code == "bad_role"
    assert hq_main(["--db", url, "user", "add", "second", "--password", "12345678",
                    "--role", "analyst"]) == 0
    assert '"role": "analyst"' in capsys.readouterr().out
    with hq.transaction() as s:
        assert dict(s.execute(select(m.User.name, m.User.role)).all()) == {
            "first": "manager", "second": "analyst"}
        assert accounts.role_of(s, "second") == "analyst"
        assert accounts.role_of(s, "gone") == "analyst"
    hq.close()


def test_every_programme_page_asks_for_a_user(client: TestClient) -> None:
    for path in ("/members", "/members/x", "/segments", "/segments/lapsed", "/campaigns",
                 "/campaigns/new", "/campaigns/X", "/campaigns/X/results",
                 "/campaigns/X/contacts.csv", "/automations"):
        answer = client.get(path, auth=None)
        assert answer.status_code == 401 and "需要登录" in answer.text, path
    assert client.post("/campaigns/new", auth=None, headers=SITE).status_code == 401
    big = client.post("/campaigns/new", headers=SITE, content=b"x" * 20_000,
                      auth=(BOSS, PASSWORD))
    assert big.status_code == 413
    answer = client.get("/members")
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "form-action 'self'" in answer.headers["content-security-policy"]
    for path, label in (("/members", "会员"), ("/segments", "会员分群"),
                        ("/campaigns", "营销活动")):
        assert f'<a href="{path}" aria-current="page">{label}</a>' in get(client, path)


def programme_texts() -> set[str]:
    here = Path(pages_programme.__file__).parent / "templates"
    texts: set[str] = set()
    for name in ("members.html", "member.html", "segments.html", "segment.html",
                 "campaigns.html", "campaign.html", "campaign_new.html",
                 "campaign_results.html", "automations.html", "refused.html"):
        texts |= set(re.findall(r'_\("([^"]+)"\)', (here / name).read_text("utf-8")))
    tree = ast.parse(Path(pages_programme.__file__).read_text("utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
                and getattr(node.func, "attr", None) == "_"):
            texts.add(node.args[0].value)
    p = pages_programme
    for words in (p.SEGMENT_LABELS, p.SEGMENT_NOTES, p.STATUS_LABELS, p.GROUP_LABELS,
                  p.VISIT_LABELS, p.RULE_LABELS, p.REFUSALS, p.DONE):
        texts |= set(words.values())
    for columns in p.SEGMENT_COLUMNS.values():
        texts |= set(columns)
    return texts


def test_every_text_of_the_programme_pages_has_its_chinese() -> None:
    texts = programme_texts()
    assert len(texts) > 200
    assert sorted(t for t in texts if t not in ZH) == []
    for text in texts:  # the same placeholders in both languages
        assert set(re.findall(r"\{\w*\}", text)) == set(re.findall(r"\{\w*\}", ZH[text])), text


def test_both_languages_render_every_page_in_their_own_words(
        chain: tuple[HqDatabase, list[Till]], client: TestClient, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    hq, tills = chain
    group, _revenue = results_world.world(hq, tills, effect_fen=results_world.EFFECT_FEN,
                                          seed=11, monkeypatch=monkeypatch)
    campaigns.create(hq, code="BDAY", name="生日", audience=Audience(),
                     benefit=Benefit("none"), message="生日快乐", user=BOSS, now=START,
                     rule="birthday")
    clock.now = results_world.LAUNCH + dt.timedelta(days=2 * results_world.WINDOW_DAYS + 1)
    member = next(iter(group))
    texts = programme_texts()
    english = {t for t in texts if " " in t and "{" not in t}
    chinese = {ZH[t] for t in texts if len(ZH[t]) >= 4 and "{" not in ZH[t]}
    for path in ("/members?q=顾客1", f"/members/{member}", "/segments", "/segments/promising",
                 "/campaigns", "/campaigns/new?preview=1&benefit=none&message=x",
                 "/campaigns/SPRING", "/campaigns/SPRING/results", "/automations",
                 "/campaigns/BDAY"):
        zh = get(client, path)
        assert [t for t in english if t in zh] == [], path
        en = get(client, path + ("&" if "?" in path else "?") + "lang=en")
        assert [t for t in chinese if t in en] == [], path
        assert 'lang="en"' in en and 'lang="zh-CN"' in zh
    results = get(client, "/campaigns/SPRING/results")
    assert "<h2>活动结束后的同等时长" in results  # the window after, once passed
