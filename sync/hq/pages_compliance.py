"""Head office's prepaid compliance page (``/compliance``) and the quarterly report a chain
files, as CSV (``/compliance.csv``) and PDF (``/compliance.pdf``); mounted with the others by
:func:`sync.hq.pages.mount` (same sign-in, headers, languages and words). Read-only: issuers,
store assignments and deposits are recorded with ``storeapp-hq compliance``. The figures are
:func:`sync.hq.compliance.compliance`'s."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from storeapp.deposit_rules import Quarter
from storeapp.reports.model import Lang
from sync.hq import compliance_report
from sync.hq.compliance import Compliance, compliance
from sync.hq.compliance_report import CHAIN_NAME, KIND_NAMES
from sync.hq.issuers import CHAIN
from sync.hq.pages import BadInput, Ui, _Pages

#: quarters the selector offers, back from the current one
CHOICES = 8


def mount(app: FastAPI, pages: _Pages) -> None:
    p = CompliancePages(pages.today, pages.clock)
    for route, view in (("/compliance", p.page), ("/compliance.csv", p.csv),
                        ("/compliance.pdf", p.pdf)):
        app.add_api_route(route, pages.endpoint("/compliance", view), methods=["GET"],
                          response_class=HTMLResponse, include_in_schema=False)


@dataclass(frozen=True)
class AlertLine:
    kind: str
    text: str


class CompliancePages:
    def __init__(self, today: Callable[[], dt.date], clock: Callable[[], dt.datetime]) -> None:
        self.today, self.clock = today, clock

    def page(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        quarter = self._quarter(request, ui)
        found = compliance(s, quarter, self.today())
        current = Quarter.of(self.today())
        choices = [current]
        while len(choices) < CHOICES:
            choices.append(choices[-1].previous())
        return "compliance.html", {
            "title": ui._("Prepaid compliance"), "found": found, "quarter": quarter.label,
            "choices": [q.label for q in choices],
            "prev": quarter.previous().label,
            "next": quarter.next().label if quarter < current else "",
            "csv": ui.url("/compliance.csv", quarter=quarter.label),
            "pdf": ui.url("/compliance.pdf", quarter=quarter.label),
            "kind_names": KIND_NAMES, "chain": CHAIN, "chain_name": CHAIN_NAME,
            "alerts": [_alert(ui, found, a.kind, a.subject) for a in found.alerts],
            "pct": _pct}

    def csv(self, s: Session, ui: Ui, request: Request) -> Response:
        return self._download(s, ui, request, "csv")

    def pdf(self, s: Session, ui: Ui, request: Request) -> Response:
        return self._download(s, ui, request, "pdf")

    def _download(self, s: Session, ui: Ui, request: Request, kind: str) -> Response:
        quarter = self._quarter(request, ui)
        report = compliance_report.build(compliance(s, quarter, self.today()), self.clock())
        lang: Lang = "zh" if ui.zh else "en"
        if kind == "csv":
            body, media = compliance_report.csv_bytes(report, lang), "text/csv; charset=utf-8"
        else:
            body, media = compliance_report.pdf_bytes(report, lang), "application/pdf"
        name = f"prepaid-compliance-{quarter.label}-{lang}.{kind}"
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    def _quarter(self, request: Request, ui: Ui) -> Quarter:
        raw = request.query_params.get("quarter", "").strip()
        if not raw:
            return Quarter.of(self.today())
        try:
            quarter = Quarter.parse(raw)
        except ValueError:
            raise BadInput(ui._("The quarter must look like 2026Q3, not {raw}.").format(
                raw=raw[:20])) from None
        if quarter.first_day > self.today():
            raise BadInput(ui._("Quarter {q} has not begun yet.").format(q=quarter.label))
        return quarter


def _alert(ui: Ui, found: Compliance, kind: str, subject: str) -> AlertLine:
    _ = ui._
    if kind == "deposit_shortfall":
        issuer = next(i for i in found.issuers if i.code == subject)
        return AlertLine(kind, _(
            "Issuer {code}: the deposit account holds {d}; {p} % of last quarter's balance "
            "{b} is {r}: {s} short.").format(
            code=subject, d=ui.money(issuer.deposited_fen), p=issuer.share_pct,
            b=ui.money(issuer.last_balance.total_fen), r=ui.money(issuer.required_fen),
            s=ui.money(issuer.shortfall_fen)))
    store = next(st for st in found.stores if st.code == subject)
    return AlertLine(kind, _(
        "Store {code} (issuer {i}): prepaid balance {b} is more than {p} % of its revenue "
        "over the last {n} months ({r}).").format(
        code=subject, i=store.issuer, b=ui.money(store.balance.total_fen),
        p=found.revenue_share_pct, n=found.revenue_months, r=ui.money(store.revenue_fen)))


def _pct(balance_fen: int, revenue_fen: int) -> str:
    return "—" if revenue_fen <= 0 else f"{100 * balance_fen / revenue_fen:.1f} %"
