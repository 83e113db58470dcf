"""Head office's page of members' privacy requests (``/privacy``): what members asked on their
self-service page (:mod:`sync.hq.pages_me`), and the forms that decide it.

Every head-office user sees the list (phones masked); only a *manager* decides, by a POST form
carrying the token of the form it was given and coming from this site, exactly as the campaign
forms (:mod:`sync.hq.pages_programme`), and the manager's name is recorded with the decision and
in the access log. A correction is completed by one manager, who types the corrected value
(name, phone or birthday: it reaches every till with the next download) or, for anything else,
what was done. An erasure cannot be undone, so it needs two managers: one approves it (refused
while the member still has stored value: a store closes the account first, principal refunded),
a different one erases. Either may decline a request, saying why; the member sees it on their
page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from storeapp.identity import mask_name
from sync.hq import accounts, erasure
from sync.hq import models as m
from sync.hq import selfservice as ss
from sync.hq.errors import HqRefusal
from sync.hq.pages import HEADERS, REALM, SignedIn, Ui, _Pages
from sync.hq.pages_me import REQUEST_NAMES, REQUEST_STATUS
from sync.hq.pages_programme import MAX_FORM_BYTES, TOKEN_HOURS, ProgrammePages, _see, same_origin
from sync.hq.programme_cli import log_access

SECTION = "/privacy"
FIELD_LABELS = {"name": "Member name", "phone": "Member phone", "birthday": "Birthday",
                "other": "Something else"}
ACTIONS = ("complete", "approve", "erase", "decline")
#: what a form did, said on the page it leads to (``?done=``)
DONE = {"complete": "Correction done: the member's details reach the tills with the next sync.",
        "approve": "Erasure approved: a second manager erases the member.",
        "erase": "Erased: the member's personal data is unreadable at head office and, once "
                 "they sync, at every till.",
        "decline": "Declined: the member sees why on their page."}
#: a refusal of :mod:`sync.hq.selfservice`, said to the manager (params fill the braces)
REFUSALS = {
    "unknown_request": "There is no request #{request}.",
    "request_decided": "Request #{request} was already decided.",
    "money_left": "The member still has {principal_fen} of principal: a store closes the "
                  "account first (principal refunded, bonus forfeited).",
    "not_approved": "A manager approves an erasure before it is done.",
    "same_manager": "A second manager erases: not {manager}, who approved it.",
    "not_open_erasure": "Only an open erasure request is approved.",
    "not_a_correction": "This request is not a correction.",
    "no_reason": "Say why (or what was done).",
    "bad_name": "A name is 1 to 32 characters.",
    "bad_phone": "That is not a phone number.",
    "phone_taken": "Another member has this phone.",
    "bad_birthday": "A birthday looks like 1990-05-20.",
    "bad_field": "Only a name, phone or birthday is corrected here.",
    "unknown_member": "Head office has no such member.",
    "erasure_with_balance": "The member still holds {principal_fen} of principal: a store "
                            "refunds it first.",
}


def mount(app: FastAPI, pages: _Pages) -> None:
    p = PrivacyPages(pages)
    app.add_api_route(SECTION, pages.endpoint(SECTION, p.requests), methods=["GET"],
                      response_class=HTMLResponse, include_in_schema=False)
    app.add_api_route(SECTION + "/{request_id}/{action}", p.form_endpoint(), methods=["POST"],
                      response_class=HTMLResponse, include_in_schema=False)


class PrivacyPages:
    def __init__(self, pages: _Pages) -> None:
        self.pages, self.hq, self.clock = pages, pages.hq, pages.clock
        self.forms = ProgrammePages(pages)  # its form secret and tokens
        self.forms.secret()  # read now, in a transaction of its own: a view's cannot wait for it

    def requests(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        user: SignedIn = request.state.user
        open_rows = [self._row(s, ui, user, r) for r in ss.open_requests(s)]
        decided = [self._row(s, ui, user, r) for r in ss.decided_requests(s)]
        if user.manager and open_rows:
            log_access(s, self.clock(), user.name, "privacy_requests", "open",
                       count=len(open_rows))
        done = request.query_params.get("done", "")
        return "privacy.html", {
            "title": ui._("Privacy requests"), "open": open_rows, "decided": decided,
            "manager": user.manager, "done": ui._(DONE[done]) if done in DONE else ""}

    def _row(self, s: Session, ui: Ui, user: SignedIn, r: m.PrivacyRequest) -> dict[str, Any]:
        member = ss.owner(s, r.member_id)
        current = ""
        if member is not None and r.field in ("name", "phone", "birthday"):
            value = {"name": member.name, "phone": member.phone,
                     "birthday": member.birthday.isoformat() if member.birthday else "—"}[r.field]
            # a manager corrects what they see; an analyst sees it masked
            current = value if user.manager else (
                ui.phone(value) if r.field == "phone" else mask_name(value) if r.field == "name"
                else "—")
        forms: list[dict[str, str]] = []
        if user.manager and r.status in ("open", "approved"):
            for action in self._actions(r, user.name):
                path = f"{SECTION}/{r.id}/{action}"
                forms.append({"action": ui.url(path), "kind": action,
                              "token": self.forms._token(user.name, path)})
        return {
            "id": r.id, "kind": ui._(REQUEST_NAMES.get(r.kind, r.kind)), "raw_kind": r.kind,
            "field": ui._(FIELD_LABELS[r.field]) if r.field in FIELD_LABELS else "",
            "raw_field": r.field, "text": ss.request_text(s, r), "at": ui.when(r.created_at),
            "status": ui._(REQUEST_STATUS.get(r.status, r.status)), "state": r.status,
            "card_no": member.card_no if member else "—",
            "member_name": mask_name(member.name) if member and member.name else "—",
            "phone": ui.phone(member.phone) if member else "—", "current": current,
            "principal": ui.money(member.principal_fen) if member else "—",
            "bonus": ui.money(member.bonus_fen) if member else "—",
            "approved_by": r.approved_by or "", "decided_by": r.decided_by or "",
            "decided_at": ui.when(r.decided_at) if r.decided_at else "",
            "outcome": r.outcome, "forms": forms}

    @staticmethod
    def _actions(r: m.PrivacyRequest, manager: str) -> list[str]:
        if r.kind == "correction":
            return ["complete", "decline"]
        if r.status == "open":
            return ["approve", "decline"]
        return (["erase"] if r.approved_by != manager else []) + ["decline"]

    # -- forms (POST) ---------------------------------------------------------------------------

    def form_endpoint(self) -> Callable[..., Any]:
        async def privacy_form(request: Request, request_id: str, action: str) -> Response:
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_FORM_BYTES:
                    return Response("form too large", status_code=413, headers=HEADERS)
            return await run_in_threadpool(self._post, request, body, request_id, action)

        return privacy_form

    def _post(self, request: Request, body: bytes, request_id: str, action: str) -> Response:
        ui = Ui(request)
        name = self.pages._user(request)
        if isinstance(name, int) or name is None:
            title = ui._("Too many failed sign-ins") if isinstance(name, int) \
                else ui._("Sign-in required")
            html = self.pages._render("unauthorized.html", ui, SECTION, None, {"title": title})
            headers = {**HEADERS, **({"Retry-After": str(name)} if isinstance(name, int)
                                     else {"WWW-Authenticate": REALM})}
            return HTMLResponse(html, status_code=429 if isinstance(name, int) else 401,
                                headers=headers)
        back = ui.url(SECTION)
        data = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True,
                        max_num_fields=20)
        if not same_origin(request):
            return self._refused(ui, name, 403, ui._(
                "This form did not come from head office's own page (its origin is another "
                "site, or the browser did not say): nothing was changed."), back)
        if not self.forms._token_ok(name, request.url.path, _one(data, "csrf")):
            return self._refused(ui, name, 403, ui._(
                "This form's security token is missing, wrong or older than {h} hours: "
                "nothing was changed. Open the page again and repeat.").format(h=TOKEN_HOURS),
                back)
        if action not in ACTIONS or not request_id.isdigit() or len(request_id) > 12:
            return self._refused(ui, name, 404, ui._("There is no such form."), back)
        now = self.clock()
        try:
            with self.hq.transaction() as s:
                if accounts.role_of(s, name) != "manager":
                    raise _NotManager
                row = ss.pending(s, int(request_id))
                if action == "complete":
                    ss.correct(s, row, _one(data, "value"), _one(data, "note"), by=name, now=now)
                elif action == "approve":
                    ss.approve_erasure(s, row, by=name, now=now)
                elif action == "erase":
                    ss.erasure_ready(row, name)
                    ss.finish(row, name, now, "erased")
                    log_access(s, now, name, "privacy_erased", row.member_id, request=row.id,
                               approved_by=row.approved_by or "")
                    # last: it gives the member a new place in server order (every till
                    # downloads the member erased and destroys its copy of the key)
                    erasure.erase_member(s, row.member_id, by=name, now=now)
                else:
                    ss.decline(s, row, _one(data, "reason"), by=name, now=now)
        except _NotManager:
            return self._refused(ui, name, 403, ui._(
                "Only a manager decides privacy requests: nothing was changed."), back)
        except HqRefusal as exc:
            text = REFUSALS.get(exc.code)
            params = {k: (ui.money(int(v)) if k.endswith("_fen") else str(v))
                      for k, v in exc.params.items()}
            message = ui._(text).format(**params) if text else exc.message
            return self._refused(ui, name, 409 if exc.status == 409 else 422, message, back)
        return _see(ui.url(SECTION, done=action))

    def _refused(self, ui: Ui, user: str, status: int, message: str,
                 back: str) -> HTMLResponse:
        html = self.pages._render("refused.html", ui, SECTION, user, {
            "title": ui._("Not done"), "message": message, "back": back})
        return HTMLResponse(html, status_code=status, headers=HEADERS)


class _NotManager(Exception):
    pass


def _one(form: dict[str, list[str]], key: str) -> str:
    return (form.get(key) or [""])[0][:2000]
