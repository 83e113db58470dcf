"""Head office's pages for people: chain stored-value liability, stores and their sync, the
reconciliation exceptions and each day's totals, in Chinese (default) or English (``?lang=en``).

Server-rendered HTML with no script. Every page shows chain data, so every page asks for a
head-office user (HTTP Basic against ``hq_users``, salted scrypt), on loopback too. The
figures come from :mod:`sync.hq.figures`, aggregated in SQL.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
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
from storeapp.pins import check_pin, hash_pin
from sync.hq import models as m
from sync.hq import shield
from sync.hq.db import HqDatabase, utcnow
from sync.hq.errors import HqRefusal, log_refusal
from sync.hq.figures import (
    DailyRow,
    LiabilityRow,
    chain_liability,
    daily_by_kind,
    daily_by_store,
    liability_by_store,
    till_checks,
)
from sync.hq.reconcile import reconcile

Clock = Callable[[], dt.datetime]

HERE = Path(__file__).parent
LAG_ALERT = dt.timedelta(hours=1)
REALM = 'Basic realm="storeapp head office", charset="UTF-8"'
MIN_PASSWORD = 8
NAV = (("/", "Overview"), ("/stores", "Stores"), ("/liability", "Liability"),
       ("/exceptions", "Exceptions"), ("/daily", "Daily totals"))
HEADERS = {  # chain data: never cached, never framed, no script at all
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'",
}


# -- head-office users -----------------------------------------------------------------------

def add_user(hq: HqDatabase, name: str, password: str,
             now: dt.datetime | None = None) -> dict[str, str]:
    """A new head-office user who may read the pages; refuses a taken name or a short password."""
    name = _check_credentials(name, password)
    now = now or utcnow()
    with hq.transaction() as s:
        if s.get(m.User, name) is not None:
            raise HqRefusal(409, "user_exists", f"head-office user {name} already exists")
        s.add(m.User(name=name, password_hash=hash_pin(password), created_at=now))
    return {"name": name, "created_at": now.isoformat()}


def set_password(hq: HqDatabase, name: str, password: str) -> dict[str, str]:
    """A new password for an existing head-office user (the old one stops working)."""
    name = _check_credentials(name, password)
    with hq.transaction() as s:
        user = s.get(m.User, name)
        if user is None:
            raise HqRefusal(404, "unknown_user", f"no head-office user {name}")
        user.password_hash = hash_pin(password)
    return {"name": name}


def check_user(hq: HqDatabase, name: str, password: str) -> bool:
    """Whether ``password`` is ``name``'s; as slow for an unknown name as for a known one."""
    with hq.transaction() as s:
        stored = s.scalar(select(m.User.password_hash).where(m.User.name == name[:32]))
    return check_pin(password, stored or _decoy_hash()) and stored is not None


def _check_credentials(name: str, password: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= 32 or ":" in name or not name.isprintable() or " " in name:
        raise HqRefusal(422, "bad_user_name",
                        "a user name has 1 to 32 characters, no spaces and no colon")
    if len(password) < MIN_PASSWORD or len(password) > 256:
        raise HqRefusal(422, "weak_password",
                        f"a password needs at least {MIN_PASSWORD} characters")
    return name


@functools.cache
def _decoy_hash() -> str:
    return hash_pin("decoy password, never matched")


# -- mounting --------------------------------------------------------------------------------

def mount(app: FastAPI, hq: HqDatabase, clock: Clock) -> None:
    """Add the pages (and their stylesheet) to head office's application."""
    pages = _Pages(hq, clock)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="hq-static")
    views: dict[str, Callable[[Session, Ui, Request], tuple[str, dict[str, Any]]]] = {
        "/": pages.overview, "/stores": pages.stores, "/liability": pages.liability,
        "/exceptions": pages.exceptions, "/daily": pages.daily}
    for path, view in views.items():
        app.add_api_route(path, pages.endpoint(path, view), methods=["GET"],
                          response_class=HTMLResponse, include_in_schema=False)


class BadInput(Exception):
    """A query parameter a person typed wrong; the page says which."""


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
                                ledger_kinds=LEDGER_KINDS)

    def endpoint(self, path: str,
                 view: Callable[[Session, Ui, Request], tuple[str, dict[str, Any]]]
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
                    template, context = view(s, ui, request)
            except BadInput as exc:
                html = self._render("bad_input.html", ui, path, user,
                                    {"title": ui._("Wrong input"), "message": str(exc)})
                return HTMLResponse(html, status_code=400, headers=HEADERS)
            return HTMLResponse(self._render(template, ui, path, user, context),
                                headers=HEADERS)

        page.__name__ = "page_" + (path.strip("/") or "overview")
        return page

    def _user(self, request: Request) -> str | int | None:
        """The signed-in user; None without (valid) credentials; the seconds to wait when this
        address or this user failed too often (a password is not even checked then)."""
        given = _basic_credentials(request.headers.get("Authorization", ""))
        if given is None:
            return None
        name, password = given
        keys = [f"ip:{request.client.host if request.client else '-'}", f"user:{name[:32]}"]
        wait = shield.blocked(self.hq, keys, self.clock())
        if wait is not None:
            return wait
        if check_user(self.hq, name, password):
            return name
        shield.failed(self.hq, keys, self.clock())
        log_refusal(self.hq, None, HqRefusal(401, "bad_login", "wrong user or password"),
                    self.clock(), f"page login as {name[:32]!r} refused")
        return None

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
        stale = s.scalar(select(func.count()).where(
            m.Store.revoked_at.is_(None),
            (m.Store.last_sync_at.is_(None)) | (m.Store.last_sync_at < self.clock() - LAG_ALERT)))
        return "overview.html", {
            "title": ui._("Overview"), "chain": chain_liability(s),
            "stores": int(stores[0]), "revoked": int(stores[1]), "stale": int(stale or 0),
            "open_kinds": [(kind, int(n)) for kind, n in open_kinds],
            "open_total": sum(int(n) for _k, n in open_kinds),
            "mismatches_today": sum(1 for c in checks if c.match is False),
            "today": self.today().isoformat()}

    def stores(self, s: Session, ui: Ui, _request: Request) -> tuple[str, dict[str, Any]]:
        now = self.clock()
        tills: dict[int, list[tuple[int, int]]] = {}
        for store_id, till_no, acked in s.execute(
                select(m.Stream.store_id, m.Stream.till_no, m.Stream.acked_seq)
                .order_by(m.Stream.store_id, m.Stream.till_no)):
            tills.setdefault(store_id, []).append((till_no, int(acked)))
        rows = []
        for store in s.scalars(select(m.Store).order_by(m.Store.code)):
            lag = None if store.last_sync_at is None else now - store.last_sync_at
            rows.append(StoreRow(
                code=store.code, name=store.name, last_sync_at=store.last_sync_at, lag=lag,
                late=lag is None or lag > LAG_ALERT, last_event_at=store.last_event_at,
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
        return "liability.html", {
            "title": ui._("Stored-value liability"), "rows": rows, "total": total,
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


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or len(value) > 1024:
        return None
    try:
        name, colon, password = base64.b64decode(value.strip(), validate=True).decode(
            "utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (name, password) if colon and name else None


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
    if kind == "merged_duplicate":
        return _("Member {merged} registered at store {ms} merged into {survivor} of store "
                 "{ss}; balance moved by head office.").format(
            merged=_short(detail.get("merged")), ms=detail.get("merged_store", "?"),
            survivor=_short(detail.get("survivor")), ss=detail.get("survivor_store", "?"))
    if kind == "day_mismatch":
        till, ours = raw.get("till") or {}, raw.get("head_office") or {}
        fmt = ui.points if raw.get("account") == "points" else ui.money
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


# -- words -----------------------------------------------------------------------------------

KINDS = {
    "overdraft": "Overdraft", "merged_duplicate": "Duplicate member merged",
    "event_conflict": "Event conflict", "day_mismatch": "Day totals differ",
    "phone_conflict": "Phone conflict", "unknown_member": "Unknown member",
    "implausible_event": "Implausible event",
}
#: Why head office held an event (sync.hq.verify).
REASONS = {
    "bonus_breaks_rule": "the bonus breaks the chain's rule",
    "over_cap": "more than a named card may hold",
    "sale_credits": "a sale credited stored value",
    "refund_exceeds_sale": "the refund gives back more than its sale took",
    "refund_repeated": "the sale was already refunded",
    "void_repeated": "the top-up was already voided",
    "void_too_late": "a void on another day than its top-up",
    "void_differs": "the void does not match its top-up",
    "unknown_sale": "it names a sale this till never sent",
    "unknown_topup": "it names a top-up this till never sent",
    "ledger_other_member": "it moves money of a member it does not name",
    "ledger_differs": "its ledger is not what it says happened",
    "wallet_differs": "the stored value taken is not the wallet tender",
    "tenders_differ": "the tenders do not add up to the total",
    "split_not_proportional": "principal and bonus not taken in proportion",
    "split_differs": "the spend took more than the balance held",
    "points_differ": "the points moved are not those earned and redeemed",
    "points_break_rule": "more points than the rules give",
    "redemption_breaks_rule": "a redemption the rules do not allow",
    "discount_breaks_rule": "a discount larger than any tier and plan give",
    "plan_breaks_rule": "not a chain plan at that price",
    "no_approval": "no manager's approval",
    "moves_money": "this kind of event may not move money",
    "unexplained_movement": "money moved by an action that says nothing of itself",
    "expiry_credits": "an expiry that gives points",
    "rules_missing": "it names no chain rules",
    "rules_unknown": "it names rules head office never gave out",
    "bad_method": "an unknown payment method",
    "malformed": "it cannot be read",
}
AMOUNT_LABELS = {
    "paid_fen": "paid", "bonus_fen": "bonus", "allowed_bonus_fen": "rule's bonus",
    "amount_fen": "amount", "cap_fen": "cap", "sale": "sale took", "refund": "refund gives",
    "ledger": "ledger", "before": "balance before", "taken": "taken",
    "fair_principal_fen": "principal in proportion", "earned": "points earned",
    "allowed_max": "most allowed", "wallet_fen": "wallet tender", "total_fen": "total",
    "topup": "top-up", "fee_fen": "fee", "chain_fee_fen": "chain's fee",
    "discount_fen": "discount", "subtotal_fen": "subtotal", "redeemed": "points redeemed",
}
ACCOUNT_LABELS = {"wallet:principal": "Principal", "wallet:bonus": "Bonus",
                  "points": "Points"}
LEDGER_KINDS = {
    "wallet_topped_up": "Top-up", "wallet_topup_voided": "Top-up voided",
    "wallet_adjusted": "Stored-value adjustment", "sale_completed": "Sale",
    "sale_refunded": "Refund", "points_adjusted": "Points adjustment",
    "points_expired": "Points expired", "plan_bought": "Plan bought",
    "ledger_posted": "Other posting", "merge_in": "Merge (in)", "merge_out": "Merge (out)",
    "coupon_issued": "Coupon issued", "member_registered": "Registration",
}

ZH: dict[str, str] = {
    # frame
    "storeapp head office": "storeapp 总部", "Head office": "总部",
    "Overview": "总览", "Stores": "门店", "Liability": "储值负债",
    "Exceptions": "异常", "Daily totals": "日报",
    "Generated {t} (Beijing time)": "生成于 {t}（北京时间）", "Signed in as {u}": "登录用户 {u}",
    "Sign-in required": "需要登录", "Too many failed sign-ins": "登录失败次数过多，请稍后再试",
    "These pages show the chain's members and money: sign in as a head-office user.":
        "这些页面显示全连锁的会员与资金，请以总部用户登录。",
    "A user is created on the server with: storeapp-hq user add NAME":
        "在服务器上创建用户：storeapp-hq user add 用户名",
    "Wrong input": "输入有误", "The date must look like 2026-03-10, not {raw}.":
        "日期格式应为 2026-03-10，而不是 {raw}。",
    "Back": "返回", "Date": "日期", "Show": "显示", "All open": "全部未处理",
    "Store": "门店", "Name": "名称", "Total": "合计", "Principal": "本金", "Bonus": "赠送",
    "Points": "积分", "Members": "会员", "Yes": "是", "No": "否",
    # overview
    "Chain stored-value liability": "全连锁储值负债", "Stored value total": "储值合计",
    "Points outstanding": "积分余额", "Live members": "会员数",
    "Members with a blocked wallet": "储值被冻结的会员", "Owed by overdrawn members": "透支待追回",
    "Stores registered": "已登记门店", "revoked": "已停用",
    "Not synced for over an hour": "超过 1 小时未同步", "Open exceptions": "未处理异常",
    "Day totals differing today": "今日日结不符",
    # stores
    "Code": "编号", "Last sync": "最近同步", "Lag": "延迟", "Newest event": "最新事件",
    "Tills (acknowledged sequence)": "收银机（已确认序号）", "Revoked": "已停用",
    "never": "从未同步", "just now": "刚刚", "{m} min": "{m} 分钟",
    "{h} h {m} min": "{h} 小时 {m} 分钟", "{d} d {h} h": "{d} 天 {h} 小时",
    "till {n}": "{n} 号机", "No stores yet: add one with storeapp-hq store add.":
        "尚无门店：用 storeapp-hq store add 添加。",
    "Times are Beijing time; lag is red after an hour without sync.":
        "时间为北京时间；超过 1 小时未同步的延迟显示为红色。",
    # liability
    "Stored-value liability": "储值负债",
    "By the store that contributed it: top-ups less spends made there. Head office (HQ) "
    "moves balances when it merges duplicate members.":
        "按贡献门店统计：在该店的充值减去在该店的消费。总部（HQ）一行为合并重复会员时转移的余额。",
    "Head office (merges)": "总部（会员合并）", "Members with activity": "有往来会员",
    "As of the end of": "截至该日日终", "Now": "当前",
    "Check: members' balances add up to the same total.": "核对：会员余额合计与上表一致。",
    "Check failed: members' balances add up to {t}.": "核对不符：会员余额合计为 {t}。",
    # exceptions
    "Reconciliation exceptions": "对账异常", "Kind": "类型", "Day": "日期",
    "Member phone": "会员手机", "Amount": "金额", "Detail": "说明", "State": "状态",
    "open": "未处理", "resolved": "已处理", "No exceptions.": "没有异常。",
    "Open exceptions, plus everything recorded on the chosen day.":
        "列出全部未处理异常，以及所选日期记录的异常。",
    "Overdraft": "透支", "Duplicate member merged": "重复会员已合并",
    "Event conflict": "事件冲突", "Day totals differ": "日结不符",
    "Phone conflict": "手机号冲突", "Unknown member": "未知会员",
    "Implausible event": "可疑事件",
    "{what} (till {t}, sequence {q}): {reason}. {amounts} Held #{id}, not applied: "
    "storeapp-hq event accept|reject {id}":
        "{what}（{t} 号机，序号 {q}）：{reason}。{amounts}暂存 #{id}，未入账；处理："
        "storeapp-hq event accept|reject {id}",
    "the bonus breaks the chain's rule": "赠送金额不符合连锁规则",
    "more than a named card may hold": "超过记名卡上限",
    "a sale credited stored value": "销售反而增加了储值",
    "the refund gives back more than its sale took": "退款超过原销售扣款",
    "the sale was already refunded": "该销售已退过款",
    "the top-up was already voided": "该充值已撤销过",
    "a void on another day than its top-up": "非充值当日撤销",
    "the void does not match its top-up": "撤销金额与原充值不符",
    "it names a sale this till never sent": "引用了本机从未上传的销售",
    "it names a top-up this till never sent": "引用了本机从未上传的充值",
    "it moves money of a member it does not name": "变动了未列明会员的资金",
    "its ledger is not what it says happened": "流水与业务内容不符",
    "the stored value taken is not the wallet tender": "储值扣款与储值支付不符",
    "the tenders do not add up to the total": "支付合计与应付不符",
    "principal and bonus not taken in proportion": "未按比例扣减本金与赠送",
    "the spend took more than the balance held": "扣款超过余额",
    "the points moved are not those earned and redeemed": "积分变动与获得、抵扣不符",
    "more points than the rules give": "积分多于规则所给",
    "a redemption the rules do not allow": "积分抵扣不符合规则",
    "a discount larger than any tier and plan give": "折扣超过任何等级与套餐",
    "not a chain plan at that price": "不是连锁该价格的套餐",
    "no manager's approval": "缺少店长审批",
    "this kind of event may not move money": "此类事件不得变动资金",
    "money moved by an action that says nothing of itself": "资金变动缺少业务说明",
    "an expiry that gives points": "过期反而增加积分",
    "it names no chain rules": "未注明连锁规则版本",
    "it names rules head office never gave out": "注明的规则版本总部从未下发",
    "an unknown payment method": "未知支付方式", "it cannot be read": "无法解析",
    "paid": "实付", "bonus": "赠送", "rule's bonus": "规则赠送", "amount": "金额", "cap": "上限",
    "sale took": "原销售扣款", "refund gives": "退款返还", "ledger": "流水",
    "balance before": "扣款前余额", "taken": "扣款", "principal in proportion": "按比例应扣本金",
    "points earned": "获得积分", "most allowed": "最多允许", "wallet tender": "储值支付",
    "total": "合计", "top-up": "充值", "fee": "费用", "chain's fee": "连锁定价",
    "discount": "折扣", "subtotal": "小计", "points redeemed": "抵扣积分",
    "unknown": "未知", "merged": "已合并", "{n} points": "{n} 积分",
    "Balance: principal {p}, bonus {b}. Net by store: {s}. Wallet blocked.":
        "余额：本金 {p}，赠送 {b}。各店净额：{s}。储值已冻结。",
    "Member {merged} registered at store {ms} merged into {survivor} of store {ss}; "
    "balance moved by head office.":
        "门店 {ms} 登记的会员 {merged} 已并入门店 {ss} 的会员 {survivor}，余额由总部转移。",
    "Till {t}, {account}: till {tc} movements, {ts}; head office {hc}, {hs}.":
        "{t} 号机 {account}：收银机 {tc} 笔 {ts}；总部 {hc} 笔 {hs}。",
    "Event {e} (sequence {q}) arrived with other content: {msg}":
        "事件 {e}（序号 {q}）内容与已存不同：{msg}",
    "Phone change refused: {phone} already belongs to member {other}.":
        "手机号修改被拒：{phone} 已属于会员 {other}。",
    "Stored value or points moved before head office saw the member registered.":
        "总部收到会员登记之前已有储值或积分变动。",
    # daily
    "Ledger rows": "流水笔数", "Stored value in": "储值流入", "Stored value out": "储值流出",
    "Net principal": "本金净额", "Net bonus": "赠送净额", "Points issued": "发放积分",
    "Points used": "使用积分", "Previous day": "前一天", "Next day": "后一天",
    "By kind of movement": "按业务类型", "Tills' own day totals": "收银机日结核对",
    "Till": "收银机", "Account": "账户", "Till count": "收银机笔数", "Till sum": "收银机合计",
    "HQ count": "总部笔数", "HQ sum": "总部合计", "Match": "一致", "not reported": "未报告",
    "No movements this day.": "当日无流水。", "No till has reported this day.":
        "当日没有收银机报告日结。",
    "Head office's ledger for the local day, by store. Stored value in and out are "
    "principal plus bonus.":
        "总部流水按门店汇总（北京时间自然日）。储值流入、流出均为本金加赠送。",
    "Top-up": "充值", "Top-up voided": "充值撤销", "Stored-value adjustment": "储值调整",
    "Sale": "销售", "Refund": "退货", "Points adjustment": "积分调整",
    "Points expired": "积分过期", "Plan bought": "购买套餐", "Other posting": "其他入账",
    "Merge (in)": "合并转入", "Merge (out)": "合并转出", "Coupon issued": "发券",
    "Registration": "注册",
}

