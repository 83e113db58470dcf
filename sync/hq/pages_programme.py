"""Head office's pages for the membership programme: the chain member directory and a member's
page, the segments, campaigns (a new one with its audience previewed, launch and stop, honest
results against the holdout, the contact list for an SMS or WeChat provider) and automations.
Mounted with the others by :func:`sync.hq.pages.mount` (same sign-in, headers and languages).

Who may do what. Every head-office user reads. Members' phones are masked unless a *manager*
asks to see them (``?full=1``); each such view, and every contact-list export (managers only),
is written to the append-only access log (``hq_access_log``) under the signed-in user's name.
Creating, launching and stopping campaigns and switching automations on or off are POST forms
for managers; an analyst sees no button and is refused should they post anyway.

Forms and HTTP Basic: a browser sends the credentials with any request to this site, a forged
one from another site too. So every POST must carry the token its form was given (an HMAC,
under a head-office secret, of the user, the form's path and the time it was shown; valid
:data:`TOKEN_HOURS` hours) and come from this site (its ``Origin``, or failing that its
``Referer``, names this host); anything else is refused with a page saying why, and changes
nothing. The pages send ``Referrer-Policy: same-origin`` so the browser does name the origin.

The figures come from :mod:`sync.hq.programme` and :mod:`sync.hq.campaigns`; the words' Chinese
from :mod:`sync.hq.catalogue`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from storeapp.campaign_rules import DEFAULT_HOLDOUT_PCT, Z95, Estimate
from storeapp.clock import to_local
from sync.hq import accounts, campaigns, programme
from sync.hq import consents as consent_ledger
from sync.hq import models as m
from sync.hq.campaigns import Audience, Benefit
from sync.hq.errors import HqRefusal
from sync.hq.pages import HEADERS, REALM, BadInput, SignedIn, Ui, _Pages
from sync.hq.programme_cli import log_access
from sync.hq.rulebook import current_rules

TOKEN_HOURS = 12
MAX_FORM_BYTES = 16_384
SECRET_NAME = "pages_form"
#: a view's answer: a template and what it shows, or a response of its own (a refusal, a file)
Shown = tuple[str, dict[str, Any]] | Response

#: the segments as people call them (the counter's names for RFM's eight)
SEGMENT_LABELS = {
    "champions": "Champions", "big_spenders": "Promising big spenders",
    "at_risk_loyal": "Loyal at risk", "cant_lose": "Can't lose them",
    "loyal_low_spend": "Loyal, low spend", "promising": "Promising",
    "need_attention": "Need attention", "hibernating": "Hibernating",
    "lapsed": "Lapsed", "near_tier": "Near the next tier",
    "birthday_month": "Birthday this month", "cycle_overdue": "Purchase cycle overdue",
}
SEGMENT_NOTES = {
    "champions": "Bought recently, often, and spent much.",
    "big_spenders": "Bought recently and spent much, but not often.",
    "at_risk_loyal": "Bought often and spent much, but not recently.",
    "cant_lose": "Spent much, but neither recently nor often.",
    "loyal_low_spend": "Bought recently and often, but spent little.",
    "promising": "Bought recently, but not often and spent little.",
    "need_attention": "Bought often, but not recently and spent little.",
    "hibernating": "Neither recently nor often, and spent little.",
    "lapsed": "No purchase at any store for more than {n} days.",
    "near_tier": "Net spend within {n} % of the next tier's threshold.",
    "birthday_month": "Born this month (Beijing time).",
    "cycle_overdue": "Later than their usual rhythm (median days between visits) times {f}.",
}
#: a segment's own columns in its member list
SEGMENT_COLUMNS = {
    "rfm": ("Days since last purchase", "Purchases", "Net spend"),
    "cycle_overdue": ("Cycle (days)", "Last visit", "Expected visit"),
    "near_tier": ("Next tier", "Net spend", "Still to go"),
    "birthday_month": ("Birthday",),
}
STATUS_LABELS = {"draft": "Draft", "live": "Live", "stopped": "Stopped"}
GROUP_LABELS = {"treated": "Treated", "holdout": "Holdout"}
VISIT_LABELS = {"sale": "Sale", "refund": "Refund"}
RULE_LABELS = {
    "welcome": "Welcome (after registration)", "upgrade": "Upgrade congratulations",
    "birthday": "Birthday (in their month)", "winback": "Win-back (lapsed)",
    "cycle": "Cycle reminder (overdue)",
}
#: what a form did, said on the page it leads to (``?done=``)
DONE = {"created": "Draft saved: check the audience below, then launch.",
        "launched": "Launched: the treated members' benefit reaches the tills with the next sync.",
        "stopped": "Stopped: the counter no longer shows its prompt; coupons stay valid.",
        "enabled": "Automation enabled: the nightly run takes its members from now.",
        "disabled": "Automation disabled: its prompts end."}
#: a campaign function's refusal, said for people (its params fill the braces)
REFUSALS = {
    "bad_campaign_code": "A campaign code is 2 to 24 letters, digits, - or _.",
    "bad_holdout": "A holdout is 0 to 90 % of the audience.",
    "bad_window": "A campaign's window is 1 to 366 days.",
    "bad_message": "A campaign's message is 1 to 200 characters.",
    "unknown_coupon_template": "There is no chain coupon template {template}.",
    "bad_points": "A points benefit is 1 to 100,000 points.",
    "bad_benefit": "Choose a benefit: a coupon, points, or none.",
    "campaign_exists": "There is already a campaign {campaign}.",
    "campaign_not_draft": "Campaign {campaign} is not a draft any more: it cannot be launched.",
    "campaign_not_live": "Campaign {campaign} is not live: there is nothing to stop.",
    "unknown_campaign": "There is no campaign {campaign}.",
    "not_an_automation": "{campaign} is a campaign, not an automation.",
    "unknown_segment": "There is no segment {segment}.",
    "bad_month": "A birthday month is 1 to 12.",
}


def mount(app: FastAPI, pages: _Pages) -> None:
    """The programme's pages (GET, through ``pages.endpoint``) and its forms (POST)."""
    p = ProgrammePages(pages)
    p.secret()  # made now, in a transaction of its own: a view's transaction cannot wait for it
    gets: list[tuple[str, str, Callable[..., Any]]] = [
        ("/members", "/members", p.members),
        ("/members/{member_id}", "/members", p.member),
        ("/segments", "/segments", p.segments),
        ("/segments/{code}", "/segments", p.segment),
        ("/campaigns", "/campaigns", p.campaign_list),
        ("/campaigns/new", "/campaigns", p.campaign_new),  # before /campaigns/{code}
        ("/campaigns/{code}", "/campaigns", p.campaign),
        ("/campaigns/{code}/results", "/campaigns", p.results),
        ("/campaigns/{code}/contacts.csv", "/campaigns", p.contacts),
        ("/automations", "/campaigns", p.automations),
    ]
    for route, section, view in gets:
        app.add_api_route(route, pages.endpoint(section, view), methods=["GET"],
                          response_class=HTMLResponse, include_in_schema=False)
    posts: list[tuple[str, Callable[..., Response]]] = [
        ("/campaigns/new", p.create),
        ("/campaigns/{code}/launch", p.launch),
        ("/campaigns/{code}/stop", p.stop),
        ("/automations/{code}/enable", p.enable),
        ("/automations/{code}/disable", p.disable),
    ]
    for route, action in posts:
        app.add_api_route(route, p.form_endpoint(action), methods=["POST"],
                          response_class=HTMLResponse, include_in_schema=False)


# -- what the pages show, for the templates ---------------------------------------------------

@dataclass(frozen=True)
class Person:
    member_id: str
    card_no: str
    name: str
    phone: str  # as shown: masked, or full for a manager who asked
    tier: str
    home_store: str
    balance_fen: int
    points: int
    extra: list[str] = field(default_factory=list)  # the segment's own columns


@dataclass(frozen=True)
class Bar:
    """One row of the results chart: a bar (none for the difference), its whisker, its label."""

    label: str
    y: int
    x0: float  # the bar from zero
    x1: float
    low: float  # the whisker
    high: float
    value: str
    kind: str  # treated | holdout | diff


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    zero: float
    bars: list[Bar]
    ticks: list[tuple[float, str]]


@dataclass(frozen=True)
class Window:
    """One window of a campaign's results as the page says it."""

    title: str
    since: str
    until: str
    treated: int
    holdout: int
    redemption: str
    share: list[str]  # treated, holdout, difference, interval
    revenue: list[str]
    incremental: list[str]
    verdict: str
    verdict_kind: str
    chart: Chart | None


class ProgrammePages:
    def __init__(self, pages: _Pages) -> None:
        self.pages, self.hq, self.clock = pages, pages.hq, pages.clock
        self._key: bytes | None = None

    # -- the directory --------------------------------------------------------------------

    def members(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        query = request.query_params.get("q", "").strip()[:64]
        found = programme.search(s, query) if query else []
        tiers = _tier_names(s, ui)
        live = s.scalar(select(func.count()).select_from(m.Member).where(
            m.Member.merged_into.is_(None), m.Member.status != "closed"))
        return "members.html", {
            "title": ui._("Member directory"), "q": query, "searched": bool(query),
            "rows": [_person(ui, x, tiers, full=False) for x in found],
            "limit": programme.LIST_LIMIT, "live": int(live or 0)}

    def member(self, s: Session, ui: Ui, request: Request) -> Shown:
        member_id = request.path_params["member_id"][:36]
        row = s.get(m.Member, member_id)
        if row is None:
            return self._missing(ui, "/members", ui._("There is no member {id}.").format(
                id=member_id))
        now = self.clock()
        user: SignedIn = request.state.user
        full = request.query_params.get("full") == "1" and user.manager
        if full:
            log_access(s, now, user.name, "member_full_phone", member_id, card_no=row.card_no)
        rules = current_rules(s).settings
        detail = programme.member_detail(s, now, member_id)
        assert detail is not None
        ids = [member_id, *detail.merged_from]
        tiers = _tier_names(s, ui)
        today = to_local(now).date()
        cycle = detail.cycle
        store_names = dict(s.execute(select(m.Store.code, m.Store.name)).all())
        progress, near = _tier_progress(s, ui, now, ids, row.tier, rules)
        coupons = list(s.scalars(select(m.ChainCoupon).where(m.ChainCoupon.member_id.in_(ids))
                                 .order_by(m.ChainCoupon.issued_at.desc(), m.ChainCoupon.code)))
        template_names = _template_names(s)
        joined = s.execute(
            select(m.CampaignMember, m.Campaign.name, m.Campaign.kind, m.Campaign.status)
            .join(m.Campaign, m.Campaign.code == m.CampaignMember.campaign_code)
            .where(m.CampaignMember.member_id.in_(ids))
            .order_by(m.CampaignMember.entered_at.desc(), m.CampaignMember.campaign_code)).all()
        return "member.html", {
            "title": row.name or row.card_no, "m": row, "detail": detail,
            "phone": row.phone if full else ui.phone(row.phone), "full": full,
            "manager": user.manager, "tier": tiers.get(row.tier, row.tier),
            "progress": progress,
            "stores": [(v, store_names.get(v.store_code, "")) for v in detail.stores],
            "segment": ui._(SEGMENT_LABELS[detail.segment]) if detail.segment else None,
            "rfm": detail.rfm, "cycle": cycle,
            "cycle_overdue": cycle is not None and cycle.overdue(today),
            "days_overdue": cycle.days_overdue(today) if cycle is not None else 0,
            "coupons": [(c, template_names.get(c.template_code, c.template_code))
                        for c in coupons],
            "campaigns": joined, "groups": GROUP_LABELS, "statuses": STATUS_LABELS,
            "consents": list(consent_ledger.current(s, member_id).values()),
            "visit_kinds": VISIT_LABELS, "history_limit": programme.HISTORY_LIMIT,
            "watch": [ui._(SEGMENT_LABELS[code])
                      for code in _watchlists_of(s, now, row, ids, cycle, near)],
            "full_url": ui.url(f"/members/{member_id}", full="1"),
            "masked_url": ui.url(f"/members/{member_id}")}

    # -- segments -------------------------------------------------------------------------

    def segments(self, s: Session, ui: Ui, _request: Request) -> tuple[str, dict[str, Any]]:
        found = programme.insight(s, self.clock())
        rules = current_rules(s).settings
        rows = []
        for code in programme.SEGMENTS:
            size = found.sizes[code]
            rows.append({
                "code": code, "label": ui._(SEGMENT_LABELS[code]),
                "note": _segment_note(ui, code, rules.tier_near_pct),
                "members": size.members, "rfm": code not in programme.WATCHLISTS,
                "recency": size.avg_recency_days, "frequency": size.avg_frequency,
                "spend": size.monetary_fen // size.members
                if size.members and size.monetary_fen is not None else None,
                "url": ui.url(f"/segments/{code}")})
        return "segments.html", {
            "title": ui._("Segments"), "rows": rows[:len(SEGMENT_LABELS) - 4],
            "watch": rows[len(SEGMENT_LABELS) - 4:], "scored": found.scored,
            "days": programme.RFM_DAYS}

    def segment(self, s: Session, ui: Ui, request: Request) -> Shown:
        code = request.path_params["code"]
        if code not in programme.SEGMENTS:
            return self._missing(ui, "/segments", ui._("There is no segment {segment}.").format(
                segment=code[:24]))
        now = self.clock()
        user: SignedIn = request.state.user
        full = request.query_params.get("full") == "1" and user.manager
        found = programme.insight(s, now, [code])
        ids = found.members[code]
        shown = ids[:programme.LIST_LIMIT]
        if full:
            log_access(s, now, user.name, "segment_full_phones", code, count=len(shown))
        people = programme.rows_of(s, shown)
        tiers = _tier_names(s, ui)
        rows = []
        for member_id in shown:
            extra: list[str] = []
            if code not in programme.WATCHLISTS or code == "lapsed":
                b = found.bought.get(member_id)
                extra = ([str(b.recency_days), str(b.frequency), ui.money(b.monetary_fen)]
                         if b else ["—", "—", "—"])
            if code == "cycle_overdue":
                cycle = found.cycles[member_id]
                extra = [str(cycle.days), cycle.last_visit.isoformat(),
                         cycle.next_visit.isoformat()]
            if code == "near_tier":
                nxt, grown, to_go = found.near[member_id]
                extra = [tiers.get(nxt, nxt), ui.money(grown), ui.money(to_go)]
            if code == "birthday_month":
                born = people[member_id].birthday
                extra = [born.strftime("%m-%d") if born else "—"]
            rows.append(_person(ui, people[member_id], tiers, full=full, extra=extra))
        columns = SEGMENT_COLUMNS.get(code, SEGMENT_COLUMNS["rfm"])
        return "segment.html", {
            "title": ui._(SEGMENT_LABELS[code]), "code": code,
            "note": _segment_note(ui, code, current_rules(s).settings.tier_near_pct),
            "members": len(ids), "rows": rows, "columns": [ui._(c) for c in columns],
            "full": full, "manager": user.manager,
            "full_url": ui.url(f"/segments/{code}", full="1"),
            "masked_url": ui.url(f"/segments/{code}"),
            "campaign_url": ui.url("/campaigns/new", segment=code)}

    # -- campaigns --------------------------------------------------------------------------

    def campaign_list(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        found = [c for c in campaigns.campaigns(s) if c.kind == "campaign"]
        groups = _group_sizes(s)
        user: SignedIn = request.state.user
        return "campaigns.html", {
            "title": ui._("Campaigns"), "manager": user.manager,
            "rows": [self._campaign_row(s, ui, c, groups) for c in found]}

    def automations(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        found = [c for c in campaigns.campaigns(s) if c.kind == "automation"]
        found.sort(key=lambda c: (campaigns.RULES.index(c.rule) if c.rule in campaigns.RULES
                                  else 99, c.code))
        groups = _group_sizes(s)
        user: SignedIn = request.state.user
        rows = []
        for c in found:
            row = self._campaign_row(s, ui, c, groups)
            row["rule"] = ui._(RULE_LABELS.get(c.rule or "", c.rule or ""))
            if user.manager:
                action = "disable" if c.status == "live" else "enable"
                path = f"/automations/{c.code}/{action}"
                row["form"] = {"action": ui.url(path), "token": self._token(user.name, path),
                               "label": ui._("Disable") if action == "disable"
                               else ui._("Enable")}
            rows.append(row)
        return "automations.html", {
            "title": ui._("Automations"), "rows": rows, "manager": user.manager,
            "done": _done(ui, request)}

    def _campaign_row(self, s: Session, ui: Ui, c: m.Campaign,
                      groups: dict[str, dict[str, int]]) -> dict[str, Any]:
        sizes = groups.get(c.code, {})
        return {
            "code": c.code, "name": c.name, "status": c.status,
            "status_label": ui._(STATUS_LABELS.get(c.status, c.status)),
            "audience": _audience_words(s, ui, Audience.from_json(c.filters_json)),
            "benefit": _benefit_words(s, ui, Benefit.from_json(c.benefit_json)),
            "message": c.message, "holdout_pct": c.holdout_pct, "window_days": c.window_days,
            "launched": ui.when(c.launched_at) if c.launched_at else "—",
            "treated": sizes.get("treated", 0), "holdout": sizes.get("holdout", 0),
            "excluded_consent": c.excluded_consent, "excluded_cap": c.excluded_cap,
            "url": ui.url(f"/campaigns/{c.code}"),
            "results_url": ui.url(f"/campaigns/{c.code}/results") if c.launched_at else ""}

    def campaign(self, s: Session, ui: Ui, request: Request) -> Shown:
        c = s.get(m.Campaign, request.path_params["code"].strip().upper()[:24])
        if c is None:
            return self._missing(ui, "/campaigns", ui._("There is no campaign {campaign}.").format(
                campaign=request.path_params["code"][:24]))
        user: SignedIn = request.state.user
        now = self.clock()
        row = self._campaign_row(s, ui, c, _group_sizes(s, c.code))
        preview = None
        if c.status == "draft":
            audience = Audience.from_json(c.filters_json)
            preview = campaigns.screen(s, now, campaigns.audience_ids(s, now, audience),
                                       profiled=campaigns.profiled(audience, c.rule))
        forms = []
        if user.manager:
            if c.kind == "campaign" and c.status == "draft":
                forms.append(("launch", ui._("Launch now")))
            if c.kind == "campaign" and c.status == "live":
                forms.append(("stop", ui._("Stop (prompts end; coupons stay valid)")))
            if c.kind == "automation":
                forms.append(("disable", ui._("Disable")) if c.status == "live"
                             else ("enable", ui._("Enable")))
        buttons = []
        for action, label in forms:
            base = "/automations" if action in ("enable", "disable") else "/campaigns"
            path = f"{base}/{c.code}/{action}"
            buttons.append({"action": ui.url(path), "token": self._token(user.name, path),
                            "label": label, "kind": action})
        return "campaign.html", {
            "title": ui._("Campaign {c}").format(c=c.code) if c.kind == "campaign"
            else ui._("Automation {c}").format(c=c.code),
            "c": row, "kind": c.kind, "rule": ui._(RULE_LABELS.get(c.rule or "", "")),
            "created": ui.when(c.created_at), "created_by": c.created_by,
            "stopped": ui.when(c.stopped_at) if c.stopped_at else "",
            "preview": preview, "buttons": buttons, "manager": user.manager,
            "expected_holdout": round((preview.audience if preview else 0) * c.holdout_pct / 100),
            "contacts_url": ui.url(f"/campaigns/{c.code}/contacts.csv")
            if user.manager and c.launched_at else "",
            "done": _done(ui, request)}

    def campaign_new(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        data = {k: request.query_params.getlist(k) for k in request.query_params}
        form = CampaignForm.of(data)
        preview = error = None
        if "preview" in data:
            try:
                audience = form.audience(ui)
                form.offer(ui)
                preview = campaigns.screen(s, self.clock(),
                                           campaigns.audience_ids(s, self.clock(), audience),
                                           profiled=campaigns.profiled(audience))
            except BadInput as exc:
                error = str(exc)
            except HqRefusal as exc:
                error = said(ui, exc)
        user: SignedIn = request.state.user
        return "campaign_new.html", self._form_context(s, ui, user, form, preview, error)

    def _form_context(self, s: Session, ui: Ui, user: SignedIn, form: CampaignForm,
                      preview: campaigns.Preview | None, error: str | None) -> dict[str, Any]:
        tiers = sorted(current_rules(s).settings.tiers, key=lambda t: int(t["threshold_fen"]))
        return {
            "title": ui._("New campaign"), "f": form, "preview": preview, "error": error,
            "manager": user.manager, "token": self._token(user.name, "/campaigns/new"),
            "segments": [(code, ui._(SEGMENT_LABELS[code])) for code in programme.SEGMENTS],
            "tiers": [(str(t["code"]), str(t["name"] if ui.zh else t["name_en"]))
                      for t in tiers],
            "stores": list(s.execute(select(m.Store.code, m.Store.name)
                                     .where(m.Store.revoked_at.is_(None))
                                     .order_by(m.Store.code)).all()),
            "templates": sorted(_template_names(s).items()),
            "months": list(range(1, 13)),
            "expected_holdout": round((preview.audience if preview else 0)
                                      * (form.holdout_pct() or 0) / 100),
            "hidden": form.hidden()}

    # -- results and contacts ------------------------------------------------------------------

    def results(self, s: Session, ui: Ui, request: Request) -> Shown:
        c = s.get(m.Campaign, request.path_params["code"].strip().upper()[:24])
        if c is None:
            return self._missing(ui, "/campaigns", ui._("There is no campaign {campaign}.").format(
                campaign=request.path_params["code"][:24]))
        now = self.clock()
        context: dict[str, Any] = {
            "title": ui._("Results of {c}").format(c=c.code), "c": c,
            "campaign_url": ui.url(f"/campaigns/{c.code}"), "windows": [], "launched": False}
        if c.launched_at is None:
            return "campaign_results.html", context
        found = campaigns.results(s, c.code, now)
        groups = dict(s.execute(select(m.CampaignMember.member_id, m.CampaignMember.grp).where(
            m.CampaignMember.campaign_code == c.code)).all())
        start, end = found.window
        coupons = Benefit.from_json(c.benefit_json).kind == "coupon"  # else none to redeem
        windows = [self._window(s, ui, ui._("During the campaign"), found.during, groups,
                                start, end, coupons)]
        length = end - start
        if found.after is not None:
            windows.append(self._window(s, ui, ui._("After it, as long again"), found.after,
                                        groups, end, end + length, coupons))
        context.update(
            launched=True, windows=windows, cost=ui.money(found.during.cost_fen),
            coupons_used=found.coupons_used, points_given=found.points_given,
            benefit=_benefit_words(s, ui, Benefit.from_json(c.benefit_json)),
            holdout_pct=c.holdout_pct,
            after_from=to_local(end + length).strftime("%Y-%m-%d %H:%M")
            if found.after is None and length > dt.timedelta(0) else "")
        return "campaign_results.html", context

    def _window(self, s: Session, ui: Ui, title: str, r: Any, groups: dict[str, str],
                since: dt.datetime, until: dt.datetime, coupons: bool) -> Window:
        share, revenue, incremental = (r.purchase_share, r.revenue_per_member,
                                       r.incremental_revenue)
        return Window(
            title=title, since=ui.when(since), until=ui.when(until), treated=r.treated,
            holdout=r.holdout, redemption=_pct(r.redemption_rate) if coupons else "—",
            share=_estimate(share, _pct, _points_pct),
            revenue=_estimate(revenue, _money(ui), _money(ui)),
            incremental=_estimate(incremental, _money(ui), _money(ui)),
            verdict=_verdict(ui, r), verdict_kind=r.verdict,
            chart=_chart(ui, _group_means(s, groups, since, until), revenue))

    def contacts(self, s: Session, ui: Ui, request: Request) -> Response:
        user: SignedIn = request.state.user
        code = request.path_params["code"].strip().upper()[:24]
        if not user.manager:
            return self._refused(ui, "/campaigns", user.name, 403,
                                 ui._("Only a manager may export a contact list."),
                                 ui.url(f"/campaigns/{code}"))
        if s.get(m.Campaign, code) is None:
            return self._missing(ui, "/campaigns", ui._("There is no campaign {campaign}.").format(
                campaign=code))
        rows = campaigns.contact_list(s, code)
        log_access(s, self.clock(), user.name, "contacts_export", code, count=len(rows))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["phone", "name", "text"], lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        return Response(("\ufeff" + out.getvalue()).encode("utf-8"),  # Excel reads the BOM
                        media_type="text/csv; charset=utf-8", headers={
                            "Content-Disposition": f'attachment; filename="{code}-contacts.csv"'})

    # -- forms (POST) ---------------------------------------------------------------------------

    def form_endpoint(self, action: Callable[..., Response]) -> Callable[[Request], Any]:
        async def post(request: Request) -> Response:
            body = b""
            async for chunk in request.stream():  # a form is small: refuse more, unread
                body += chunk
                if len(body) > MAX_FORM_BYTES:
                    return Response("form too large", status_code=413, headers=HEADERS)
            return await run_in_threadpool(self._post, request, body, action)

        post.__name__ = "form_" + action.__name__
        return post

    def _post(self, request: Request, body: bytes,
              action: Callable[..., Response]) -> Response:
        ui = Ui(request)
        section = "/campaigns"
        name = self.pages._user(request)
        if isinstance(name, int):
            html = self.pages._render("unauthorized.html", ui, section, None,
                                      {"title": ui._("Too many failed sign-ins")})
            return HTMLResponse(html, status_code=429,
                                headers={**HEADERS, "Retry-After": str(name)})
        if name is None:
            html = self.pages._render("unauthorized.html", ui, section, None,
                                      {"title": ui._("Sign-in required")})
            return HTMLResponse(html, status_code=401,
                                headers={**HEADERS, "WWW-Authenticate": REALM})
        with self.hq.transaction() as s:
            user = SignedIn(name, accounts.role_of(s, name))
        data = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True,
                        max_num_fields=100)
        path = request.url.path
        back = ui.url("/automations" if path.startswith("/automations/")
                      else "/campaigns" if path.endswith("/new") else path.rsplit("/", 1)[0])
        if not same_origin(request):
            return self._refused(ui, section, name, 403, ui._(
                "This form did not come from head office's own page (its origin is another "
                "site, or the browser did not say): nothing was changed."), back)
        if not self._token_ok(user.name, request.url.path, (data.get("csrf") or [""])[0]):
            return self._refused(ui, section, name, 403, ui._(
                "This form's security token is missing, wrong or older than {h} hours: "
                "nothing was changed. Open the page again and repeat.").format(h=TOKEN_HOURS),
                back)
        if not user.manager:
            return self._refused(ui, section, name, 403, ui._(
                "Only a manager may create, launch or stop campaigns and switch "
                "automations: nothing was changed."), back)
        try:
            return action(ui, user, request, data)
        except HqRefusal as exc:
            return self._refused(ui, section, name, 409 if exc.status == 409 else 422,
                                 said(ui, exc), back)

    def create(self, ui: Ui, user: SignedIn, _request: Request,
               data: dict[str, list[str]]) -> Response:
        form = CampaignForm.of(data)
        now = self.clock()
        try:
            audience, (benefit, holdout, window) = form.audience(ui), form.offer(ui)
            done = campaigns.create(self.hq, code=form.code, name=form.name or form.code,
                                    audience=audience, benefit=benefit, message=form.message,
                                    user=user.name, now=now, holdout_pct=holdout,
                                    window_days=window)
        except (BadInput, HqRefusal) as exc:
            error = str(exc) if isinstance(exc, BadInput) else said(ui, exc)
            with self.hq.transaction() as s:
                context = self._form_context(s, ui, user, form, None, error)
            html = self.pages._render("campaign_new.html", ui, "/campaigns", user.name, context)
            return HTMLResponse(html, status_code=422, headers=HEADERS)
        return _see(ui.url(f"/campaigns/{done['code']}", done="created"))

    def launch(self, ui: Ui, user: SignedIn, request: Request,
               _data: dict[str, list[str]]) -> Response:
        code = request.path_params["code"].strip().upper()[:24]
        campaigns.launch(self.hq, code, user=user.name, now=self.clock())
        return _see(ui.url(f"/campaigns/{code}", done="launched"))

    def stop(self, ui: Ui, user: SignedIn, request: Request,
             _data: dict[str, list[str]]) -> Response:
        code = request.path_params["code"].strip().upper()[:24]
        campaigns.stop(self.hq, code, user=user.name, now=self.clock())
        return _see(ui.url(f"/campaigns/{code}", done="stopped"))

    def enable(self, ui: Ui, user: SignedIn, request: Request,
               _data: dict[str, list[str]]) -> Response:
        code = request.path_params["code"].strip().upper()[:24]
        campaigns.set_status(self.hq, code, live=True, user=user.name, now=self.clock())
        return _see(ui.url("/automations", done="enabled"))

    def disable(self, ui: Ui, user: SignedIn, request: Request,
                _data: dict[str, list[str]]) -> Response:
        code = request.path_params["code"].strip().upper()[:24]
        campaigns.set_status(self.hq, code, live=False, user=user.name, now=self.clock())
        return _see(ui.url("/automations", done="disabled"))

    # -- tokens -----------------------------------------------------------------------------

    def secret(self) -> bytes:
        """Head office's secret for form tokens (``hq_secrets``, made on first use)."""
        if self._key is None:
            def work(s: Session) -> str:
                row = s.get(m.Secret, SECRET_NAME)
                if row is None:
                    row = m.Secret(name=SECRET_NAME, value=secrets.token_hex(32),
                                   created_at=self.clock())
                    s.add(row)
                    s.flush()
                return row.value

            self._key = self.hq.retrying(work).encode("ascii")
        return self._key

    def _token(self, user: str, path: str) -> str:
        return form_token(self.secret(), user, path, _epoch(self.clock()))

    def _token_ok(self, user: str, path: str, token: str) -> bool:
        stamp, dot, _mac = token.partition(".")
        if not dot or not stamp.isdigit() or len(token) > 100:
            return False
        now = _epoch(self.clock())
        if not now - TOKEN_HOURS * 3600 <= int(stamp) <= now + 300:
            return False
        return hmac.compare_digest(token, form_token(self.secret(), user, path, int(stamp)))

    # -- pages that say no ------------------------------------------------------------------

    def _refused(self, ui: Ui, section: str, user: str, status: int, message: str,
                 back: str) -> HTMLResponse:
        html = self.pages._render("refused.html", ui, section, user, {
            "title": ui._("Not done"), "message": message, "back": back})
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def _missing(self, ui: Ui, section: str, message: str) -> HTMLResponse:
        html = self.pages._render("refused.html", ui, section, None, {
            "title": ui._("Not found"), "message": message, "back": ui.url(section)})
        return HTMLResponse(html, status_code=404, headers=HEADERS)


def form_token(key: bytes, user: str, path: str, stamp: int) -> str:
    """The token a form posting to ``path`` carries for ``user``: when it was given (seconds
    since the epoch), and an HMAC-SHA256 of the three under head office's form secret."""
    mac = hmac.new(key, f"{user}\n{path}\n{stamp}".encode(), hashlib.sha256).hexdigest()
    return f"{stamp}.{mac}"


def _epoch(at: dt.datetime) -> int:
    return int(at.replace(tzinfo=dt.UTC).timestamp())  # head office's clock is naive UTC


def _see(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers=HEADERS)


def same_origin(request: Request) -> bool:
    """Whether a POST says it comes from this site: its ``Origin`` (``null`` is not), or with
    none its ``Referer``, names the host the request was sent to."""
    named = request.headers.get("origin") or request.headers.get("referer")
    if not named:
        return False
    origin = urlsplit(named)
    if origin.scheme not in ("http", "https") or not origin.hostname:
        return False
    default = 443 if origin.scheme == "https" else 80
    try:
        host = urlsplit("//" + request.headers.get("host", ""))
        return ((origin.hostname, origin.port or default)
                == ((host.hostname or "").lower(), host.port or default))
    except ValueError:  # a port that is not a number
        return False


def said(ui: Ui, exc: HqRefusal) -> str:
    """A campaign function's refusal in the page's language."""
    text = REFUSALS.get(exc.code)
    if text is None:
        return exc.message
    return ui._(text).format(**{k: str(v) for k, v in exc.params.items()})


def _done(ui: Ui, request: Request) -> str:
    done = request.query_params.get("done", "")
    return ui._(DONE[done]) if done in DONE else ""


# -- the new-campaign form ----------------------------------------------------------------------

@dataclass
class CampaignForm:
    """What a person typed into the new-campaign form (kept as text to show it again)."""

    code: str = ""
    name: str = ""
    segment: str = ""
    tiers: list[str] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    lapsed_days: str = ""
    cycle_overdue: bool = False
    birthday_month: str = ""
    benefit: str = "coupon"
    template: str = ""
    points: str = ""
    message: str = ""
    holdout: str = "10"
    window_days: str = str(campaigns.DEFAULT_WINDOW_DAYS)

    @classmethod
    def of(cls, data: Mapping[str, list[str]]) -> CampaignForm:
        def one(key: str, default: str = "") -> str:
            values = data.get(key) or [default]
            return values[0].strip()[:200]

        return cls(code=one("code").upper()[:24], name=one("name")[:64],
                   segment=one("segment"), tiers=[t[:16] for t in data.get("tier", [])][:10],
                   stores=[c[:8] for c in data.get("store", [])][:200],
                   lapsed_days=one("lapsed_days"), cycle_overdue=bool(one("cycle_overdue")),
                   birthday_month=one("birthday_month"), benefit=one("benefit", "coupon"),
                   template=one("template"), points=one("points"), message=one("message"),
                   holdout=one("holdout", "10"),
                   window_days=one("window_days", str(campaigns.DEFAULT_WINDOW_DAYS)))

    def audience(self, ui: Ui) -> Audience:
        if self.segment and self.segment not in programme.SEGMENTS:
            raise BadInput(ui._("There is no segment {segment}.").format(segment=self.segment[:24]))
        lapsed = _whole(self.lapsed_days, 1, 3650, ui._(
            "The lapsed days must be a whole number from 1 to 3650, not {raw}."))
        month = _whole(self.birthday_month, 1, 12, ui._(
            "The birthday month must be 1 to 12, not {raw}."))
        return Audience(segment=self.segment or None, tiers=tuple(self.tiers),
                        stores=tuple(self.stores), lapsed_days=lapsed,
                        cycle_overdue=self.cycle_overdue, birthday_month=month)

    def holdout_pct(self) -> int | None:
        try:
            return int(self.holdout)
        except ValueError:
            return None

    def offer(self, ui: Ui) -> tuple[Benefit, int, int]:
        """The benefit, the holdout percent and the window's days."""
        if self.benefit == "coupon":
            if not self.template:
                raise BadInput(ui._("Choose a coupon template for a coupon benefit."))
            benefit = Benefit("coupon", template=self.template)
        elif self.benefit == "points":
            points = _whole(self.points, 1, 100_000, ui._(
                "The points must be a whole number from 1 to 100,000, not {raw}."))
            if points is None:
                raise BadInput(ui._("Say how many points a points benefit gives."))
            benefit = Benefit("points", points=points)
        else:
            benefit = Benefit("none")
        holdout = _whole(self.holdout, 0, 90, ui._(
            "The holdout must be a whole percent from 0 to 90, not {raw}."))
        window = _whole(self.window_days, 1, 366, ui._(
            "The window must be 1 to 366 days, not {raw}."))
        return (benefit, DEFAULT_HOLDOUT_PCT if holdout is None
                else holdout, campaigns.DEFAULT_WINDOW_DAYS if window is None else window)

    def hidden(self) -> list[tuple[str, str]]:
        """The form's values as hidden fields (the preview's "create the draft" form)."""
        pairs = [("code", self.code), ("name", self.name), ("segment", self.segment),
                 ("lapsed_days", self.lapsed_days), ("birthday_month", self.birthday_month),
                 ("benefit", self.benefit), ("template", self.template),
                 ("points", self.points), ("message", self.message),
                 ("holdout", self.holdout), ("window_days", self.window_days)]
        pairs += [("tier", t) for t in self.tiers] + [("store", c) for c in self.stores]
        if self.cycle_overdue:
            pairs.append(("cycle_overdue", "1"))
        return [(k, v) for k, v in pairs if v]


def _whole(raw: str, low: int, high: int, message: str) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(message.format(raw=raw[:20])) from None
    if not low <= value <= high:
        raise BadInput(message.format(raw=raw[:20]))
    return value


# -- helpers -------------------------------------------------------------------------------------

def _tier_names(s: Session, ui: Ui) -> dict[str, str]:
    return {str(t["code"]): str(t["name"] if ui.zh else t["name_en"])
            for t in current_rules(s).settings.tiers}


def _template_names(s: Session) -> dict[str, str]:
    found = {}
    for key, value in s.execute(select(m.Rule.key, m.Rule.value_json).where(
            m.Rule.kind == "coupon_template", m.Rule.value_json.is_not(None))):
        body = json.loads(value or "{}")
        if body.get("active", True):
            found[str(key)] = str(body.get("name") or key)
    return found


def _person(ui: Ui, x: programme.MemberRow, tiers: dict[str, str], *, full: bool,
            extra: list[str] | None = None) -> Person:
    return Person(x.member_id, x.card_no, x.name, x.phone if full else ui.phone(x.phone),
                  tiers.get(x.tier, x.tier), x.home_store, x.principal_fen + x.bonus_fen,
                  x.points, extra or [])


def _segment_note(ui: Ui, code: str, near_pct: int) -> str:
    text = ui._(SEGMENT_NOTES[code])
    if code == "lapsed":
        return text.format(n=programme.LAPSED_DAYS)
    if code == "near_tier":
        return text.format(n=near_pct)
    if code == "cycle_overdue":
        from storeapp.member_rules import OVERDUE_FACTOR

        return text.format(f=OVERDUE_FACTOR)
    return text


def _watchlists_of(s: Session, now: dt.datetime, row: m.Member, ids: list[str],
                   cycle: Any, near: bool) -> list[str]:
    """The watchlists the member is on, by :mod:`sync.hq.programme`'s rules applied to this
    member alone (the chain's lists would scan every member for one page)."""
    if row.merged_into is not None or row.status == "closed":
        return []
    found = []
    last = s.scalar(select(func.max(m.Visit.at)).where(m.Visit.member_id.in_(ids),
                                                       m.Visit.kind == "sale"))
    if last is not None and last < now - dt.timedelta(days=programme.LAPSED_DAYS):
        found.append("lapsed")
    if near:
        found.append("near_tier")
    if row.birthday is not None and row.birthday.month == to_local(now).month:
        found.append("birthday_month")
    if cycle is not None and cycle.overdue(to_local(now).date()):
        found.append("cycle_overdue")
    return found


def _tier_progress(s: Session, ui: Ui, now: dt.datetime, ids: list[str], tier: str,
                   rules: Any) -> tuple[str, bool]:
    """"Net spend ¥x of ¥y for Gold (n %)", by the till's rule (net spend over the tier window
    at every store), and whether that is near the next tier (``tier_near_pct``)."""
    tiers = sorted(rules.tiers, key=lambda t: int(t["threshold_fen"]))
    codes = [str(t["code"]) for t in tiers]
    if tier not in codes or codes.index(tier) == len(codes) - 1:
        return ui._("Top tier"), False
    nxt = tiers[codes.index(tier) + 1]
    grown = int(s.scalar(select(func.coalesce(func.sum(m.Visit.amount_fen), 0)).where(
        m.Visit.member_id.in_(ids),
        m.Visit.at >= now - dt.timedelta(days=rules.tier_window_days),
        m.Visit.at <= now)) or 0)
    threshold = int(nxt["threshold_fen"])
    to_go = threshold - grown
    return ui._("Net spend {g} of {t} for {tier} ({p} %) over {d} days").format(
        g=ui.money(grown), t=ui.money(threshold), tier=nxt["name"] if ui.zh else nxt["name_en"],
        p=max(0, grown) * 100 // threshold if threshold else 100, d=rules.tier_window_days
    ), to_go > 0 and to_go * 100 <= threshold * rules.tier_near_pct


def _group_sizes(s: Session, code: str | None = None) -> dict[str, dict[str, int]]:
    query = (select(m.CampaignMember.campaign_code, m.CampaignMember.grp, func.count())
             .group_by(m.CampaignMember.campaign_code, m.CampaignMember.grp))
    if code is not None:
        query = query.where(m.CampaignMember.campaign_code == code)
    sizes: dict[str, dict[str, int]] = {}
    for campaign, grp, n in s.execute(query):
        sizes.setdefault(campaign, {})[grp] = int(n)
    return sizes


def _audience_words(s: Session, ui: Ui, a: Audience) -> str:
    parts = []
    if a.segment:
        parts.append(ui._("segment {s}").format(s=ui._(SEGMENT_LABELS.get(a.segment,
                                                                           a.segment))))
    if a.tiers:
        names = _tier_names(s, ui)
        parts.append(ui._("tier {t}").format(t="/".join(names.get(t, t) for t in a.tiers)))
    if a.stores:
        parts.append(ui._("store {c}").format(c="/".join(a.stores)))
    if a.lapsed_days is not None:
        parts.append(ui._("no purchase for over {n} days").format(n=a.lapsed_days))
    if a.cycle_overdue:
        parts.append(ui._("purchase cycle overdue"))
    if a.birthday_month is not None:
        parts.append(ui._("born in month {m}").format(m=a.birthday_month))
    if not parts:
        return ui._("every live member")
    return ("；" if ui.zh else "; ").join(parts)


def _benefit_words(s: Session, ui: Ui, b: Benefit) -> str:
    if b.kind == "coupon":
        name = _template_names(s).get(b.template or "", b.template or "")
        return ui._("coupon {t}").format(t=name)
    if b.kind == "points":
        return ui._("{n} points").format(n=f"{b.points:,}")
    return ui._("none (the message only)")


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _points_pct(x: float) -> str:
    return f"{x * 100:.1f} pp"


def _money(ui: Ui) -> Callable[[float], str]:
    def fmt(fen: float) -> str:
        return ui.money(round(fen)).replace("-¥", "-\u2060¥")

    return fmt


def _estimate(est: Estimate | None, level: Callable[[float], str],
              diff: Callable[[float], str]) -> list[str]:
    """Treated, holdout, difference, and the difference's 95 % interval, as shown."""
    if est is None:
        return ["—", "—", "—", "—"]
    sign = "+" if est.diff > 0 else ""
    return [level(est.treated), level(est.holdout), sign + diff(est.diff),
            f"{diff(est.low)} … {diff(est.high)}"]


def _verdict(ui: Ui, r: Any) -> str:
    est = r.revenue_per_member
    money = _money(ui)
    if est is None:
        return ui._("Too few members to measure: each group needs at least two.")
    bounds = {"low": money(est.low), "high": money(est.high), "d": money(abs(est.diff))}
    if r.verdict == "no_effect":
        return ui._("No measurable effect: the interval covers zero (from {low} to {high} "
                    "per member).").format(**bounds)
    if r.verdict == "worked":
        return ui._("It worked: treated members spent {d} more per member than the holdout "
                    "(95 % interval {low} to {high}).").format(**bounds)
    return ui._("It did harm: treated members spent {d} less per member than the holdout "
                "(95 % interval {low} to {high}).").format(**bounds)


def _group_means(s: Session, groups: dict[str, str], since: dt.datetime,
                 until: dt.datetime) -> dict[str, tuple[float, float, float]]:
    """Each group's revenue per member in the window with its own 95 % interval (for the
    chart's whiskers; the verdict rests on the difference's interval)."""
    bought = programme.visits_by_member(s, sorted(groups), since, until)
    values: dict[str, list[float]] = {"treated": [], "holdout": []}
    for member_id, grp in groups.items():
        values[grp].append(float(bought.get(member_id, (0, 0))[1]))
    out = {}
    for grp, xs in values.items():
        if len(xs) < 2:
            continue
        mean = sum(xs) / len(xs)
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
        half = Z95 * sd / math.sqrt(len(xs))
        out[grp] = (mean, mean - half, mean + half)
    return out


def _chart(ui: Ui, means: dict[str, tuple[float, float, float]],
           diff: Estimate | None) -> Chart | None:
    """Revenue per member of the two groups (bars, whiskers: each group's 95 % interval) and
    their difference (a dot, whisker: the difference's interval), on one axis from zero."""
    if diff is None or set(means) != {"treated", "holdout"}:
        return None
    rows = [("treated", ui._("Treated"), *means["treated"]),
            ("holdout", ui._("Holdout"), *means["holdout"]),
            ("diff", ui._("Difference"), diff.diff, diff.low, diff.high)]
    lo = min(0.0, *(r[3] for r in rows))
    hi = max(1.0, *(r[4] for r in rows))
    width, left, right, top, step = 640, 110, 110, 14, 34
    span = width - left - right

    def x(fen: float) -> float:
        return round(left + (fen - lo) / (hi - lo) * span, 1)

    money = _money(ui)
    bars = [Bar(label, top + i * step, x(0) if kind != "diff" else x(mean),
                x(mean), x(low), x(high), money(mean), kind)
            for i, (kind, label, mean, low, high) in enumerate(rows)]
    ticks = [(x(v), money(v)) for v in sorted({lo, 0.0, hi})]
    return Chart(width, top + len(rows) * step + 22, x(0), bars, ticks)


