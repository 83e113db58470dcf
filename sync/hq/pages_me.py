"""The member's own page at head office, ``/me/<token>``: reached by scanning the QR on a receipt
or registration slip (a signed, expiring link: :mod:`storeapp.selfservice_link`), no sign-in
and no app. It shows the member's stored value (principal and bonus apart), points, count
cards, history across stores and consents; the member withdraws or gives a consent, downloads
their data (JSON, PDF) and asks for a correction or to be erased, which a manager decides
(:mod:`sync.hq.pages_privacy`). Chinese by default; English with ``?lang=en`` or when the
browser asks for English first (``Accept-Language``), since a member's phone says which.

The link is the key, so: every view, download and form is written to the access log (user
``member``, :func:`sync.hq.selfservice.log`); a member's links are refused for a while after
:data:`~sync.hq.selfservice.BUSY_LIMIT` uses in a short time; an address that tries forged or
expired links is throttled like a failed sign-in (:mod:`sync.hq.shield`); the page masks the
name and phone (a receipt left on the counter shows no more than the receipt); a form must carry
a token bound to the link and the form (an HMAC under head office's form secret, valid
:data:`~sync.hq.pages_programme.TOKEN_HOURS` hours) and come from this site.

Head office does not hold members' payment PINs (a till keeps its members' PIN hashes and sends
only the event that one was set), so the page cannot ask for one.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from storeapp.clock import to_local
from storeapp.identity import mask_name, mask_phone
from storeapp.selfservice_link import LinkError
from sync.hq import erasure, shield
from sync.hq import models as m
from sync.hq import selfservice as ss
from sync.hq.catalogue import LEDGER_KINDS
from sync.hq.errors import HqRefusal
from sync.hq.pages import HEADERS, Ui, _Pages
from sync.hq.pages_programme import (
    MAX_FORM_BYTES,
    TOKEN_HOURS,
    ProgrammePages,
    _epoch,
    form_token,
    same_origin,
)
from sync.hq.selfservice_export import as_json, as_pdf

PURPOSE_NAMES = {
    "terms": "Membership terms", "marketing_sms": "Marketing by SMS",
    "marketing_wechat": "Marketing by WeChat", "personalised": "Personalised offers",
    "sensitive": "Sensitive personal data (such as payment details)",
}
PURPOSE_NOTES = {
    "terms": "Needed for the membership itself: to end it, ask to be erased below.",
    "marketing_sms": "Offers and news by text message.",
    "marketing_wechat": "Offers and news through WeChat.",
    "personalised": "Offers chosen from what you bought (Art. 24 PIPL).",
    "sensitive": "Kept only with your separate consent (Art. 29 PIPL).",
}
CHANNELS = {"counter": "at the counter", "self_service": "on this page",
            "head_office": "by head office", "import": "from earlier records"}
FIELD_NAMES = {"name": "Your name", "phone": "Your phone number", "birthday": "Birthday",
               "other": "Something else"}
REQUEST_NAMES = {"correction": "Correction", "erasure": "Erasure"}
REQUEST_STATUS = {"open": "Open", "approved": "Approved", "done": "Done",
                  "declined": "Declined"}
DONE = {"withdrawn": "Done: your consent is withdrawn.",
        "given": "Done: your consent is recorded.",
        "asked": "Your request is recorded: a manager will handle it and this page shows "
                 "when it is done."}
#: a refusal of :mod:`sync.hq.selfservice`, said to the member (params fill the braces)
REFUSALS = {
    "bad_request_kind": "Choose a correction or an erasure.",
    "bad_field": "Choose which detail is wrong.",
    "empty_text": "Say what is wrong and what it should be.",
    "text_too_long": "At most {most} characters, please.",
    "too_many_requests": "You already have {most} open requests: please wait until they are "
                         "handled.",
    "erasure_pending": "You already asked to be erased: a manager is handling it.",
    "bad_purpose": "This consent cannot be changed here.",
}
#: (title, text) of a link head office does not open, said in both languages at once: the
#: member may not read the one the page would guess
PROBLEMS = {
    "expired": (("链接已过期", "This link has expired"),
                ("这个链接已超过有效期。下次到店消费或请收银员重新打印会员卡，小票上会有新的二维码。",
                 "Links work for 30 days. Your next receipt, or a member card reprinted at "
                 "the counter, carries a new QR code.")),
    "forged": (("链接无效", "This link is not valid"),
               ("这个链接不是本连锁打印的，或已被改动。请扫描小票上的二维码。",
                "It was not printed by our stores, or it was changed. Please scan the QR code "
                "on your receipt.")),
    "unknown": (("暂未查到会员信息", "Your membership has not reached us yet"),
                ("门店的数据还没有同步到总部，请稍后再试。",
                 "The store has not sent its records to head office yet: please try again "
                 "later.")),
    "erased": (("会员信息已删除", "Your membership was erased"),
               ("应您的申请，您的个人信息已删除，此链接不再显示任何内容。",
                "As you asked, your personal data was erased: this link shows nothing any "
                "more.")),
    "busy": (("访问过于频繁", "Too many requests"),
             ("这个会员的链接短时间内使用次数过多，请稍后再试。",
              "This membership's links were used too often just now: please try again "
              "later.")),
}
STATUS = {"expired": 410, "forged": 404, "malformed": 404, "unknown": 404, "erased": 410,
          "busy": 429}


def mount(app: FastAPI, pages: _Pages) -> None:
    """The member's page, its downloads and its two forms."""
    me = MePages(pages)
    app.add_api_route("/me/{token}", me.endpoint(me.page), methods=["GET"],
                      response_class=HTMLResponse, include_in_schema=False)
    app.add_api_route("/me/{token}/data.json", me.endpoint(me.data_json), methods=["GET"],
                      include_in_schema=False)
    app.add_api_route("/me/{token}/data.pdf", me.endpoint(me.data_pdf), methods=["GET"],
                      include_in_schema=False)
    for route, action in (("/me/{token}/consent", me.consent),
                          ("/me/{token}/request", me.ask)):
        app.add_api_route(route, me.form_endpoint(action), methods=["POST"],
                          response_class=HTMLResponse, include_in_schema=False)


class MeUi(Ui):
    """:class:`Ui` that also takes English from the browser's first language, and switches
    explicitly both ways (``?lang=zh`` overrides an English browser)."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        asked = request.query_params.get("lang")
        if asked is None:
            first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
            self.lang = "en" if first.startswith("en") else "zh_CN"
        self.explicit = asked is not None

    def url(self, path: str, **params: str) -> str:
        query = {k: v for k, v in params.items() if v}
        query["lang"] = "zh" if self.zh else "en"
        return path + "?" + urlencode(query)

    def switch_url(self) -> str:
        return self.path + "?" + urlencode({**self.params, "lang": "en" if self.zh else "zh"})


#: a view: (session, language, the member as head office holds them, the request) -> answer
View = Callable[[Session, MeUi, m.Member, Request], Response]


class MePages:
    def __init__(self, pages: _Pages) -> None:
        self.pages, self.hq, self.clock = pages, pages.hq, pages.clock
        self.key = ProgrammePages(pages).secret()

    # -- the two ways in: a GET (page or download) and a form ------------------------------------

    def endpoint(self, view: View) -> Callable[[Request, str], Response]:
        def get(request: Request, token: str) -> Response:
            return self._open(request, token, view)

        get.__name__ = "me_" + view.__name__
        return get

    def form_endpoint(self, action: View) -> Callable[..., Any]:
        async def post(request: Request, token: str) -> Response:
            body = b""
            async for chunk in request.stream():  # a form is small: refuse more, unread
                body += chunk
                if len(body) > MAX_FORM_BYTES:
                    return Response("form too large", status_code=413, headers=HEADERS)
            request.state.form = parse_qs(body.decode("utf-8", "replace"),
                                          keep_blank_values=True, max_num_fields=20)
            return await run_in_threadpool(self._open, request, token, action)

        post.__name__ = "me_form_" + action.__name__
        return post

    def _open(self, request: Request, token: str, view: View) -> Response:
        ui = MeUi(request)
        now = self.clock()
        client = f"me:{request.client.host if request.client else '-'}"
        wait = shield.blocked(self.hq, [client], now)
        if wait is not None:
            return self._problem(ui, "busy", {"Retry-After": str(wait)})
        try:
            with self.hq.transaction() as s:
                link = ss.open_link(s, token, now)
        except LinkError as exc:
            shield.failed(self.hq, [client], now)
            return self._problem(ui, "expired" if exc.reason == "expired" else "forged")
        with self.hq.transaction() as s:
            member = ss.owner(s, link.member_id)
            if member is None:
                return self._problem(ui, "unknown")
            if erasure.is_erased(member):
                return self._problem(ui, "erased")
            if ss.busy(s, member.member_id, now):
                return self._problem(ui, "busy", {"Retry-After": "600"})
            request.state.token, request.state.link = token, link
            answer = view(s, ui, member, request)
        answer.headers.update(HEADERS)
        return answer

    # -- the page and the downloads --------------------------------------------------------------

    def page(self, s: Session, ui: MeUi, member: m.Member, request: Request) -> Response:
        now = self.clock()
        ss.log(s, now, "self_service_view", member.member_id, lang=ui.lang,
               **_client(request))
        return self._render(ui, "me.html", self._context(s, ui, member, request))

    def data_json(self, s: Session, _ui: MeUi, member: m.Member, request: Request) -> Response:
        now = self.clock()
        data = ss.member_data(s, member, rows=ss.EXPORT_ROWS)
        ss.log(s, now, "self_service_json", member.member_id, **_client(request))
        body = json.dumps(as_json(data, now), ensure_ascii=False, indent=2).encode("utf-8")
        return Response(body, media_type="application/json; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="member-{data.card_no}.json"'})

    def data_pdf(self, s: Session, ui: MeUi, member: m.Member, request: Request) -> Response:
        now = self.clock()
        data = ss.member_data(s, member, rows=ss.EXPORT_ROWS)
        ss.log(s, now, "self_service_pdf", member.member_id, lang=ui.lang, **_client(request))
        body = as_pdf(data, now, "zh" if ui.zh else "en")
        return Response(body, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="member-{data.card_no}.pdf"'})

    # -- the forms ----------------------------------------------------------------------------

    def consent(self, s: Session, ui: MeUi, member: m.Member, request: Request) -> Response:
        refused = self._form_refused(s, ui, member, request)
        if refused is not None:
            return refused
        form = request.state.form
        purpose, given = _one(form, "purpose")[:24], _one(form, "given") == "1"
        now = self.clock()
        try:
            ss.set_consent(s, member.member_id, purpose, given, now)
        except HqRefusal as exc:
            return self._again(s, ui, member, request, exc)
        ss.log(s, now, "self_service_consent", member.member_id, purpose=purpose, given=given,
               **_client(request))
        return self._see(ui, request, "given" if given else "withdrawn")

    def ask(self, s: Session, ui: MeUi, member: m.Member, request: Request) -> Response:
        refused = self._form_refused(s, ui, member, request)
        if refused is not None:
            return refused
        form = request.state.form
        now = self.clock()
        try:
            asked = ss.ask(s, member.member_id, _one(form, "kind")[:12],
                           _one(form, "field")[:12], _one(form, "text")[:ss.MAX_TEXT * 4], now)
        except HqRefusal as exc:
            return self._again(s, ui, member, request, exc)
        ss.log(s, now, "self_service_request", member.member_id, kind=asked.kind,
               request=asked.id, **_client(request))
        return self._see(ui, request, "asked")

    def _form_refused(self, s: Session, ui: MeUi, member: m.Member,
                      request: Request) -> Response | None:
        token: str = request.state.token
        path = request.url.path
        if not same_origin(request):
            message = ui._("This form did not come from this page: nothing was changed.")
        elif not self._token_ok(token, path, _one(request.state.form, "csrf")):
            message = ui._("This page is older than {h} hours: nothing was changed. Open it "
                           "again and repeat.").format(h=TOKEN_HOURS)
        else:
            return None
        ss.log(s, self.clock(), "self_service_refused", member.member_id, path=path[-40:],
               **_client(request))
        context = self._context(s, ui, member, request)
        context["error"] = message
        return self._render(ui, "me.html", context, 403)

    def _again(self, s: Session, ui: MeUi, member: m.Member, request: Request,
               exc: HqRefusal) -> Response:
        context = self._context(s, ui, member, request)
        text = REFUSALS.get(exc.code)
        context["error"] = (ui._(text).format(**{k: str(v) for k, v in exc.params.items()})
                            if text else exc.message)
        context["typed"] = _one(request.state.form, "text")[:ss.MAX_TEXT]
        return self._render(ui, "me.html", context, 409 if exc.status == 409 else 422)

    def _see(self, ui: MeUi, request: Request, done: str) -> Response:
        token: str = request.state.token
        return RedirectResponse(ui.url(f"/me/{token}", done=done) + "#" + done,
                                status_code=303)

    # -- what the page shows --------------------------------------------------------------------

    def _context(self, s: Session, ui: MeUi, member: m.Member,
                 request: Request) -> dict[str, Any]:
        token: str = request.state.token
        data = ss.member_data(s, member)
        base = f"/me/{token}"
        done = request.query_params.get("done", "")
        consents = [{
            "purpose": c.purpose, "name": ui._(PURPOSE_NAMES.get(c.purpose, c.purpose)),
            "note": ui._(PURPOSE_NOTES.get(c.purpose, "")), "given": c.given,
            "since": ui.when(c.at) if c.at else "",
            "channel": ui._(CHANNELS.get(c.channel, c.channel)) if c.channel else "",
            "version": c.version, "changeable": c.purpose in ss.PURPOSES,
        } for c in data.consents]
        history = _history(ui, data)
        return {
            "title": ui._("My membership"), "name": mask_name(data.name) if data.name else "",
            "phone": mask_phone(data.phone) if data.phone else "", "card_no": data.card_no,
            "balance": ui.money(data.balance_fen), "principal": ui.money(data.principal_fen),
            "bonus": ui.money(data.bonus_fen), "points": ui.points(data.points),
            "cards": [{"name": c.name, "no": c.card_no, "left": c.uses_left,
                       "total": c.uses_total, "until": to_local(c.expires_at).date().isoformat(),
                       "active": c.status == "active"} for c in data.cards],
            "history": history, "consents": consents,
            "requests": [{"kind": ui._(REQUEST_NAMES.get(r.kind, r.kind)),
                          "field": ui._(FIELD_NAMES[r.field]) if r.field in FIELD_NAMES else "",
                          "text": r.text, "at": ui.when(r.created_at),
                          "status": ui._(REQUEST_STATUS.get(r.status, r.status)),
                          "state": r.status, "outcome": r.outcome} for r in data.requests],
            "fields": [(key, ui._(label)) for key, label in FIELD_NAMES.items()],
            "consent_action": ui.url(base + "/consent"),
            "consent_token": self._token(token, base + "/consent"),
            "request_action": ui.url(base + "/request"),
            "request_token": self._token(token, base + "/request"),
            "json_url": ui.url(base + "/data.json"), "pdf_url": ui.url(base + "/data.pdf"),
            "expires": ui.when(request.state.link.expires_at), "max_text": ss.MAX_TEXT,
            "done": ui._(DONE[done]) if done in DONE else "", "done_kind": done,
            "error": "", "typed": ""}

    def _render(self, ui: MeUi, template: str, context: dict[str, Any],
                status: int = 200) -> HTMLResponse:
        html = self.pages.env.get_template(template).render(
            ui=ui, _=ui._, generated=ui.when(self.clock()), **context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def _problem(self, ui: MeUi, kind: str, extra: dict[str, str] | None = None) -> Response:
        (title_zh, title_en), (text_zh, text_en) = PROBLEMS[kind]
        html = self.pages.env.get_template("me_problem.html").render(
            ui=ui, _=ui._, title_zh=title_zh, title_en=title_en, text_zh=text_zh,
            text_en=text_en, generated=ui.when(self.clock()))
        return HTMLResponse(html, status_code=STATUS[kind],
                            headers={**HEADERS, **(extra or {})})

    # -- form tokens, bound to the link ----------------------------------------------------------

    def _token(self, link_token: str, path: str) -> str:
        return form_token(self.key, "member:" + link_token, path, _epoch(self.clock()))

    def _token_ok(self, link_token: str, path: str, token: str) -> bool:
        stamp, dot, _mac = token.partition(".")
        if not dot or not stamp.isdigit() or len(token) > 100:
            return False
        now = _epoch(self.clock())
        if not now - TOKEN_HOURS * 3600 <= int(stamp) <= now + 300:
            return False
        return hmac.compare_digest(token, form_token(self.key, "member:" + link_token, path,
                                                     int(stamp)))


def _one(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key) or [""]
    return values[0]


def _client(request: Request) -> dict[str, str]:
    return {"address": request.client.host if request.client else "-"}


def _store(stores: dict[str, str], code: str) -> str:
    return stores.get(code) or code


def _history(ui: Ui, data: ss.MemberData) -> list[dict[str, str]]:
    """One line per thing that happened, newest first: a purchase or refund (its amount) with
    the stored value and points it moved, or a movement alone (a top-up, an adjustment)."""
    moved = {r.event_id: r for r in data.ledger if r.event_id}
    lines: list[tuple[dt.datetime, dict[str, str]]] = []
    for v in data.visits:
        r = moved.pop(v.event_id, None)
        lines.append((v.at, {
            "store": _store(data.stores, v.store_code),
            "what": ui._("Purchase") if v.kind == "sale" else ui._("Refund"),
            "amount": ui.money(v.amount_fen), "detail": _moved(ui, r)}))
    for r in data.ledger:
        if (r.event_id is None or r.event_id in moved) and (
                r.principal_fen or r.bonus_fen or r.points):
            lines.append((r.at, {
                "store": _store(data.stores, r.store_code),
                "what": ui._(LEDGER_KINDS.get(r.kind, r.kind)),
                "amount": ui.money(r.principal_fen + r.bonus_fen)
                if r.principal_fen or r.bonus_fen else "",
                "detail": _moved(ui, r, amount=False)}))
    lines.sort(key=lambda line: line[0], reverse=True)
    return [{"at": ui.when(at), **line} for at, line in lines[:ss.PAGE_ROWS]]


def _moved(ui: Ui, r: ss.LedgerLine | None, *, amount: bool = True) -> str:
    """What an event did to the member's stored value (bonus apart) and points."""
    if r is None:
        return ""
    said = []
    if amount and (r.principal_fen or r.bonus_fen):
        said.append(ui._("stored value {v}").format(v=ui.money(r.principal_fen + r.bonus_fen)))
    if r.bonus_fen:
        said.append(ui._("bonus {b}").format(b=ui.money(r.bonus_fen)))
    if r.points:
        said.append(ui._("{n} points").format(n=f"{r.points:+,}").replace(" ", "\u00a0"))
    return (" · " if not ui.zh else "，").join(said)
