"""Head office's pages for people: chain stored-value liability, stores and their sync, the
reconciliation exceptions and each day's totals, in Chinese (default) or English (``?lang=en``).

Server-rendered HTML with no script. Every page shows chain data, so every page asks for a
head-office user (HTTP Basic, :mod:`sync.hq.accounts`), on loopback too. The figures come from
:mod:`sync.hq.figures`, aggregated in SQL; the words and their Chinese from
:mod:`sync.hq.catalogue`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storeapp.clock import to_local
from storeapp.identity import mask_phone
from storeapp.money import format_fen
from sync.hq import accounts
from sync.hq import models as m
from sync.hq.apply_referrals import month_figures as referral_month
from sync.hq.catalogue import ACCOUNT_LABELS, AMOUNT_LABELS, KINDS, LEDGER_KINDS, REASONS, ZH
from sync.hq.db import HqDatabase
from sync.hq.figures import (
    CardLiabilityRow,
    DailyRow,
    GiftLiabilityRow,
    LiabilityRow,
    StoreSync,
    chain_liability,
    count_card_liability,
    daily_by_kind,
    daily_by_store,
    gift_card_liability,
    liability_by_store,
    store_syncs,
    till_checks,
)
from sync.hq.reconcile import UNIT_ACCOUNTS, reconcile

Clock = Callable[[], dt.datetime]

HERE = Path(__file__).parent
LAG_ALERT = dt.timedelta(hours=1)
REALM = 'Basic realm="storeapp head office", charset="UTF-8"'
NAV = (("/", "Overview"), ("/stores", "Stores"), ("/liability", "Liability"),
       ("/exceptions", "Exceptions"), ("/daily", "Daily totals"), ("/referrals", "Referrals"),
       ("/companies", "Company accounts"), ("/members", "Members"), ("/segments", "Segments"),
       ("/campaigns", "Campaigns"), ("/kpis", "KPIs"), ("/compliance", "Prepaid compliance"),
       ("/privacy", "Privacy requests"))
HEADERS = {  # chain data: never cached, never framed, no script at all
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" with a
    # form's POST, and the programme's forms check that they came from this very site
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'",
}


# -- mounting --------------------------------------------------------------------------------

def mount(app: FastAPI, hq: HqDatabase, clock: Clock) -> None:
    """Add the pages (and their stylesheet) to head office's application."""
    from sync.hq.pages_chain import ChainPages  # it builds on this module's Ui

    pages = _Pages(hq, clock)
    chain = ChainPages(pages.today)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="hq-static")
    views: dict[str, Callable[[Session, Ui, Request], tuple[str, dict[str, Any]]]] = {
        "/": pages.overview, "/stores": pages.stores, "/liability": pages.liability,
        "/exceptions": pages.exceptions, "/daily": pages.daily,
        "/referrals": chain.referrals, "/companies": chain.companies}
    for path, view in views.items():
        app.add_api_route(path, pages.endpoint(path, view), methods=["GET"],
                          response_class=HTMLResponse, include_in_schema=False)
    from sync.hq import pages_programme  # members, segments, campaigns: it builds on _Pages

    pages_programme.mount(app, pages)
    from sync.hq import pages_kpis  # the programme's KPIs: it builds on _Pages

    pages_kpis.mount(app, pages)
    from sync.hq import pages_compliance  # prepaid deposits per issuer: it builds on _Pages

    pages_compliance.mount(app, pages)
    from sync.hq import pages_me, pages_privacy  # members' own page, their requests

    pages_me.mount(app, pages)
    pages_privacy.mount(app, pages)


class BadInput(Exception):
    """A query parameter a person typed wrong; the page says which."""


@dataclass(frozen=True)
class SignedIn:
    """Who asks for a page (a view finds it in ``request.state.user``)."""

    name: str
    role: str  # manager | analyst

    @property
    def manager(self) -> bool:
        return self.role == "manager"


class Ui:
    """One request's language: translation, money, local times, links that keep the language."""

    def __init__(self, request: Request) -> None:
        self.lang = "en" if request.query_params.get("lang") == "en" else "zh_CN"
        self.path = request.url.path
        self.params = {k: v for k, v in request.query_params.items() if k != "lang"}

    @property
    def zh(self) -> bool:
        return self.lang == "zh_CN"

    def _(self, text: str) -> str:
        return ZH.get(text, text) if self.zh else text

    def url(self, path: str, **params: str) -> str:
        query = {k: v for k, v in params.items() if v}
        if not self.zh:
            query["lang"] = "en"
        return path + ("?" + urlencode(query) if query else "")

    def switch_url(self) -> str:
        query = dict(self.params)
        if self.zh:
            query["lang"] = "en"
        return self.path + ("?" + urlencode(query) if query else "")

    def money(self, amount_fen: int | None) -> str:
        return "—" if amount_fen is None else format_fen(amount_fen)

    def points(self, points: int | None) -> str:
        return "—" if points is None else f"{points:,}"

    def when(self, at_utc: dt.datetime | None) -> str:
        return "—" if at_utc is None else to_local(at_utc).strftime("%Y-%m-%d %H:%M")

    def lag(self, delta: dt.timedelta | None) -> str:
        if delta is None:
            return self._("never")
        minutes = max(0, int(delta.total_seconds() // 60))
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        if days:
            return self._("{d} d {h} h").format(d=days, h=hours)
        if hours:
            return self._("{h} h {m} min").format(h=hours, m=minutes)
        if minutes:
            return self._("{m} min").format(m=minutes)
        return self._("just now")

    def phone(self, phone: str | None) -> str:
        """Masked, whatever head office holds: a member known only from a ledger line has
        ``unknown:<id>`` instead of a phone."""
        if not phone:
            return "—"
        if re.fullmatch(r"\+?\d{5,20}", phone):
            return mask_phone(phone)
        if re.fullmatch(r"\+?\d{3}\*+\d{4}", phone):  # kept masked (an exception's detail)
            return phone
        prefix = phone.split(":", 1)[0]
        return self._(prefix) if prefix in ("unknown", "merged") else "***"


# -- the pages -------------------------------------------------------------------------------

class _Pages:
    def __init__(self, hq: HqDatabase, clock: Clock) -> None:
        self.hq, self.clock = hq, clock
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(exception_kinds=KINDS, accounts=ACCOUNT_LABELS,
                                ledger_kinds=LEDGER_KINDS, unit_accounts=UNIT_ACCOUNTS)

    def endpoint(self, path: str,
                 view: Callable[[Session, Ui, Request], tuple[str, dict[str, Any]] | Response]
                 ) -> Callable[[Request], Response]:
        # a plain function: FastAPI runs it in its thread pool (scrypt and SQL never block
        # the event loop)
        def page(request: Request) -> Response:
            ui = Ui(request)
            user = self._user(request)
            if isinstance(user, int):  # too many failed sign-ins: wait
                html = self._render("unauthorized.html", ui, path, None,
                                    {"title": ui._("Too many failed sign-ins")})
                return HTMLResponse(html, status_code=429,
                                    headers={**HEADERS, "Retry-After": str(user)})
            if user is None:
                html = self._render("unauthorized.html", ui, path, None,
                                    {"title": ui._("Sign-in required")})
                return HTMLResponse(html, status_code=401,
                                    headers={**HEADERS, "WWW-Authenticate": REALM})
            try:
                with self.hq.transaction() as s:
                    request.state.user = SignedIn(user, accounts.role_of(s, user))
                    shown = view(s, ui, request)
            except BadInput as exc:
                html = self._render("bad_input.html", ui, path, user,
                                    {"title": ui._("Wrong input"), "message": str(exc)})
                return HTMLResponse(html, status_code=400, headers=HEADERS)
            if isinstance(shown, Response):  # a download
                shown.headers.update(HEADERS)
                return shown
            template, context = shown
            return HTMLResponse(self._render(template, ui, path, user, context),
                                headers=HEADERS)

        page.__name__ = "page_" + (path.strip("/") or "overview")
        return page

    def _user(self, request: Request) -> str | int | None:
        """The signed-in user; None without (valid) credentials; the seconds to wait when this
        address or this user failed too often (see :func:`sync.hq.accounts.sign_in`)."""
        return accounts.sign_in(self.hq, request.headers.get("Authorization", ""),
                                request.client.host if request.client else "-", self.clock)

    def _render(self, template: str, ui: Ui, path: str, user: str | None,
                context: dict[str, Any]) -> str:
        now = self.clock()
        return self.env.get_template(template).render(
            ui=ui, _=ui._, nav=NAV, current=path, user=user,
            generated=ui.when(now), **context)

    def today(self) -> dt.date:
        return to_local(self.clock()).date()

    # -- views: each returns its template and what it shows

    def overview(self, s: Session, ui: Ui, _request: Request) -> tuple[str, dict[str, Any]]:
        stores = s.execute(select(func.count(), func.count(m.Store.revoked_at))).one()
        open_kinds = s.execute(
            select(m.Exception_.kind, func.count()).where(m.Exception_.resolved_at.is_(None))
            .group_by(m.Exception_.kind).order_by(m.Exception_.kind)).all()
        checks = till_checks(s, self.today())
        syncs = store_syncs(s)
        since = self.clock() - LAG_ALERT
        stale = sum(1 for store_id in s.scalars(select(m.Store.id).where(
            m.Store.revoked_at.is_(None)))
            if (synced := syncs.get(store_id, StoreSync()).synced_at) is None or synced < since)
        return "overview.html", {
            "title": ui._("Overview"), "chain": chain_liability(s),
            "stores": int(stores[0]), "revoked": int(stores[1]), "stale": int(stale or 0),
            "open_kinds": [(kind, int(n)) for kind, n in open_kinds],
            "open_total": sum(int(n) for _k, n in open_kinds),
            "mismatches_today": sum(1 for c in checks if c.match is False),
            "today": self.today().isoformat(),
            "referrals": referral_month(s, self.today())}

    def stores(self, s: Session, ui: Ui, _request: Request) -> tuple[str, dict[str, Any]]:
        now = self.clock()
        tills: dict[int, list[tuple[int, int]]] = {}
        for store_id, till_no, acked in s.execute(
                select(m.Stream.store_id, m.Stream.till_no, m.Stream.acked_seq)
                .order_by(m.Stream.store_id, m.Stream.till_no)):
            tills.setdefault(store_id, []).append((till_no, int(acked)))
        rows = []
        syncs = store_syncs(s)
        for store in s.scalars(select(m.Store).order_by(m.Store.code)):
            sync = syncs.get(store.id, StoreSync())
            lag = None if sync.synced_at is None else now - sync.synced_at
            rows.append(StoreRow(
                code=store.code, name=store.name, last_sync_at=sync.synced_at, lag=lag,
                late=lag is None or lag > LAG_ALERT, last_event_at=sync.last_event_at,
                tills=tills.get(store.id, []), revoked_at=store.revoked_at))
        return "stores.html", {"title": ui._("Stores"), "rows": rows}

    def liability(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        as_of = _date_param(request, ui)
        rows = liability_by_store(s, as_of)
        total = LiabilityRow(code="", name="", principal_fen=sum(r.principal_fen for r in rows),
                             bonus_fen=sum(r.bonus_fen for r in rows),
                             points=sum(r.points for r in rows),
                             members=None)  # one member may be active at several stores
        chain = None if as_of else chain_liability(s)
        cards = count_card_liability(s) if as_of is None else []
        gifts = gift_card_liability(s) if as_of is None else []
        return "liability.html", {
            "title": ui._("Stored-value liability"), "rows": rows, "total": total,
            "gifts": gifts, "gifts_total": GiftLiabilityRow(
                "", sum(r.balance_fen for r in gifts), sum(r.cards for r in gifts)),
            "cards": cards, "cards_total": CardLiabilityRow(
                "", sum(r.value_fen for r in cards), sum(r.uses for r in cards),
                sum(r.cards for r in cards), sum(r.overused for r in cards)),
            "as_of": as_of.isoformat() if as_of else "", "chain": chain,
            "agrees": chain is None or (chain.principal_fen, chain.bonus_fen, chain.points)
            == (total.principal_fen, total.bonus_fen, total.points)}

    def exceptions(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        day = _date_param(request, ui)
        found = reconcile(s, day)["exceptions"]
        return "exceptions.html", {
            "title": ui._("Reconciliation exceptions"),
            "date": day.isoformat() if day else "",
            "rows": [exception_row(ui, raw) for raw in found]}

    def daily(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        day = _date_param(request, ui) or self.today()
        rows = daily_by_store(s, day)
        total = DailyRow(code="", name="")
        for row in rows:
            total.add(row)
        return "daily.html", {
            "title": ui._("Daily totals"), "date": day.isoformat(), "rows": rows,
            "total": total, "by_kind": daily_by_kind(s, day), "checks": till_checks(s, day),
            "prev": (day - dt.timedelta(days=1)).isoformat(),
            "next": (day + dt.timedelta(days=1)).isoformat()}


def _date_param(request: Request, ui: Ui) -> dt.date | None:
    raw = request.query_params.get("date", "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadInput(ui._("The date must look like 2026-03-10, not {raw}.").format(
            raw=raw[:20])) from None


# -- exceptions, told for people --------------------------------------------------------------

@dataclass
class ExceptionRow:
    kind: str
    label: str
    day: str
    store: str
    phone: str
    amount: str
    detail: str
    resolved: bool
    at: str = ""


def exception_row(ui: Ui, raw: dict[str, Any]) -> ExceptionRow:
    kind = str(raw.get("kind", ""))
    detail = raw.get("detail") if isinstance(raw.get("detail"), dict) else {}
    amount = raw.get("amount_fen")
    if kind == "day_mismatch" and raw.get("account") == "points":
        amount_text = ui._("{n} points").format(n=ui.points(amount))
    elif kind == "day_mismatch" and raw.get("account") in UNIT_ACCOUNTS:
        amount_text = ui._("{n} uses").format(n=ui.points(amount))
    else:
        amount_text = ui.money(amount) if amount is not None else "—"
    at = raw.get("at")
    return ExceptionRow(
        kind=kind, label=ui._(KINDS.get(kind, kind)), day=str(raw.get("day") or "—"),
        store=str(raw.get("store_code") or "—"), phone=ui.phone(raw.get("phone")),
        amount=amount_text, detail=_describe(ui, kind, raw, detail or {}),
        resolved=bool(raw.get("resolved")),
        at=ui.when(dt.datetime.fromisoformat(at)) if isinstance(at, str) else "")


def _describe(ui: Ui, kind: str, raw: dict[str, Any], detail: dict[str, Any]) -> str:
    # a word joiner keeps "-¥1,600.00" on one line inside a sentence
    return _sentence(ui, kind, raw, detail).replace("-¥", "-\u2060¥")


def _sentence(ui: Ui, kind: str, raw: dict[str, Any], detail: dict[str, Any]) -> str:
    _ = ui._
    if kind == "overdraft":
        stores = detail.get("stores") or {}
        by_store = ("，" if ui.zh else ", ").join(
            f"{code} {ui.money(int(v))}" for code, v in sorted(stores.items()))
        return _("Balance: principal {p}, bonus {b}. Net by store: {s}. Wallet blocked.").format(
            p=ui.money(detail.get("principal_fen")), b=ui.money(detail.get("bonus_fen")),
            s=by_store or "—")
    if kind == "giftcard_overdrawn":
        stores = detail.get("stores") or {}
        by_store = ("，" if ui.zh else ", ").join(
            f"{code} {ui.money(int(v))}" for code, v in sorted(stores.items()))
        return _("Gift card {c} (face {f}): spent {o} more than it held. Net by store: "
                 "{s}.").format(c=detail.get("card_no", "?"), f=ui.money(detail.get("face_fen")),
                                o=ui.money(raw.get("amount_fen")), s=by_store or "—")
    if kind == "countcard_overuse":
        stores = detail.get("stores") or {}
        by_store = ("，" if ui.zh else ", ").join(
            f"{code} {int(v):+d}" for code, v in sorted(stores.items()))
        return _("Card {c} ({name}): {n} uses more than it had. Uses by store: {s}.").format(
            c=detail.get("card_no", "?"), name=detail.get("card", ""),
            n=detail.get("uses_over", "?"), s=by_store or "—")
    if kind == "merged_duplicate":
        return _("Member {merged} registered at store {ms} merged into {survivor} of store "
                 "{ss}; balance moved by head office.").format(
            merged=_short(detail.get("merged")), ms=detail.get("merged_store", "?"),
            survivor=_short(detail.get("survivor")), ss=detail.get("survivor_store", "?"))
    if kind == "day_mismatch":
        till, ours = raw.get("till") or {}, raw.get("head_office") or {}
        fmt = ui.points if raw.get("account") in UNIT_ACCOUNTS else ui.money
        return _("Till {t}, {account}: till {tc} movements, {ts}; head office {hc}, {hs}.").format(
            t=raw.get("till_no"), account=_(ACCOUNT_LABELS.get(str(raw.get("account")),
                                                               str(raw.get("account")))),
            tc=till.get("count"), ts=fmt(till.get("sum")), hc=ours.get("count"),
            hs=fmt(ours.get("sum")))
    if kind == "event_conflict":
        return _("Event {e} (sequence {q}) arrived with other content: {msg}").format(
            e=detail.get("event_id", "?"), q=detail.get("seq", "—"),
            msg=detail.get("message", ""))
    if kind == "phone_conflict":
        return _("Phone change refused: {phone} already belongs to member {other}.").format(
            phone=ui.phone(detail.get("phone")), other=_short(detail.get("held_by")))
    if kind == "numbering_went_back":
        return _("Till {t} downloaded changes this database no longer holds: it was restored "
                 "from a backup or failed over. Downloads wait until someone runs "
                 "storeapp-hq renumber.").format(t=detail.get("till_no", "?"))
    if kind == "unknown_member":
        return _("Stored value or points moved before head office saw the member registered.")
    if kind == "implausible_event":
        amounts = "，".join if ui.zh else ", ".join
        shown = amounts(f"{_(AMOUNT_LABELS.get(k, k))} {_amount(ui, k, v)}"
                        for k, v in sorted(detail.items()) if k in AMOUNT_LABELS)
        return _("{what} (till {t}, sequence {q}): {reason}. {amounts} Held #{id}, not "
                 "applied: storeapp-hq event accept|reject {id}").format(
            what=_(LEDGER_KINDS.get(str(detail.get("type")), str(detail.get("type")))),
            t=detail.get("till_no", "?"), q=detail.get("seq", "?"),
            reason=_(REASONS.get(str(detail.get("reason")), str(detail.get("reason")))),
            amounts=shown + ("。" if ui.zh else ".") if shown else "", id=detail.get("held_id"))
    return "; ".join(f"{k}: {ui.phone(str(v)) if 'phone' in k else v}"
                     for k, v in sorted(detail.items()))


def _amount(ui: Ui, key: str, value: Any) -> str:
    if isinstance(value, dict):
        return " / ".join(_amount(ui, k, v) for k, v in value.items() if k != "member_id")
    if key.endswith("_fen") or key in ("principal_fen", "bonus_fen"):
        return ui.money(value) if isinstance(value, int) else str(value)
    return str(value)


def _short(member_id: Any) -> str:
    text = str(member_id or "?")
    return text if len(text) <= 13 else text[:8] + "…" + text[-4:]


@dataclass
class StoreRow:
    code: str
    name: str
    last_sync_at: dt.datetime | None
    lag: dt.timedelta | None
    late: bool
    last_event_at: dt.datetime | None
    tills: list[tuple[int, int]]
    revoked_at: dt.datetime | None
