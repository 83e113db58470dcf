"""Head office's pages on referrals (推广大使) and company accounts (企业应收), mounted with the
others by :func:`sync.hq.pages.mount` (same sign-in, headers, languages and words): each view
returns its template and what it shows. The figures come from :mod:`sync.hq.referral_figures`
and :mod:`sync.hq.receivables`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from sync.hq.pages import BadInput, Ui
from sync.hq.receivables import UNKNOWN, receivables
from sync.hq.referral_figures import MAX_REFERRERS, referral_month

_MONTH = re.compile(r"(\d{4})-(\d{2})")


class ChainPages:
    def __init__(self, today: Callable[[], dt.date]) -> None:
        self.today = today

    def referrals(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        year, month = _month_param(request, ui) or (self.today().year, self.today().month)
        figures = referral_month(s, year, month)
        prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
        next_month = (year, month + 1) if month < 12 else (year + 1, 1)
        return "referrals.html", {
            "title": ui._("Referrals"), "month": figures.month, "figures": figures,
            "prev": "{:04d}-{:02d}".format(*prev_month),
            "next": "{:04d}-{:02d}".format(*next_month),
            "shown_max": MAX_REFERRERS,
            "agrees": figures.total.points == figures.ledger_points}

    def companies(self, s: Session, ui: Ui, _request: Request) -> tuple[str, dict[str, Any]]:
        found = receivables(s)
        return "companies.html", {
            "title": ui._("Company receivables"), "stores": found.stores,
            "companies": found.companies, "total": found.total, "unknown": UNKNOWN}


def _month_param(request: Request, ui: Ui) -> tuple[int, int] | None:
    raw = request.query_params.get("month", "").strip()
    if not raw:
        return None
    match = _MONTH.fullmatch(raw)
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise BadInput(ui._("The month must look like 2026-03, not {raw}.").format(
            raw=raw[:20]))
    return int(match.group(1)), int(match.group(2))
