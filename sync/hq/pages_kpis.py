"""Head office's programme KPI page (``/kpis``) and its CSV (``/kpis.csv``), mounted with the
others by :func:`sync.hq.pages.mount` (same sign-in, headers, languages and words).

The figures are the nightly ones (:func:`sync.hq.kpis.stored`); the page picks a store (or the
whole chain) and a range of Beijing days, and draws what people would rather look at than read
as plain SVG, computed here (the pages' policy allows no script): members active and monthly
churn, stored-value liability by month, and cohorts' lifetime value curves.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from sync.hq import kpis
from sync.hq.errors import HqRefusal
from sync.hq.pages import BadInput, Ui, _Pages
from sync.hq.rulebook import current_rules

#: cohorts drawn (the newest); the table lists every one in the range
DRAWN_COHORTS = 8
#: the ranges a refresh counts ahead (kpis.presets), as the page offers them
QUICK = ("Last 30 days", "Last 90 days", "Last 12 months")
#: months since registration the cohort table shows
COHORT_COLUMNS = (0, 1, 2, 3, 6, 12)


def mount(app: FastAPI, pages: _Pages) -> None:
    p = KpiPages()
    for route, view in (("/kpis", p.page), ("/kpis.csv", p.csv)):
        app.add_api_route(route, pages.endpoint("/kpis", view), methods=["GET"],
                          response_class=HTMLResponse, include_in_schema=False)


# -- charts, as numbers for the template ---------------------------------------------------------

@dataclass(frozen=True)
class Line:
    css: str
    points: str  # "x,y x,y …" for <polyline>
    dots: tuple[tuple[float, float, str], ...]  # x, y, what hovering says


@dataclass(frozen=True)
class Rect:
    css: str
    x: float
    y: float
    w: float
    h: float
    title: str


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    yticks: tuple[tuple[float, str], ...]
    xticks: tuple[tuple[float, str], ...]
    legend: tuple[tuple[str, str, float, float], ...]  # css class, label, x, y
    lines: tuple[Line, ...] = ()
    rects: tuple[Rect, ...] = ()
    zero: float | None = None  # where y = 0 is, when the axis goes below it
    empty: bool = False


WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, BOTTOM = 64, 14, 30


def _nice(low: float, high: float) -> tuple[float, float, float]:
    """A round axis from ``low`` to ``high`` (0 included) and its step: about four ticks."""
    low, high = min(0.0, low), max(0.0, high)
    if high - low <= 0:
        high = 1.0
    raw = (high - low) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _legend(names: list[tuple[str, str]]) -> tuple[tuple[tuple[str, str, float, float], ...],
                                                     float]:
    """The legend's entries placed in rows above the plot, and where the plot may start."""
    placed, x, y = [], float(LEFT), 8.0
    for css, name in names:
        width = 22 + 8 * sum(2 if ord(ch) > 0x2e80 else 1 for ch in name)
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, y = float(LEFT), y + 18
        placed.append((css, name, x, y))
        x += width + 14
    return tuple(placed), y + 26


def _frame(labels: list[str], values: Iterator[float], fmt: Callable[[float], str],
           names: list[tuple[str, str]]
           ) -> tuple[Callable[[int], float], Callable[[float], float], dict[str, Any]]:
    found = list(values)
    low, high, step = _nice(min(found, default=0.0), max(found, default=0.0))
    legend, top = _legend(names)
    left, right, bottom = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM
    band = (right - left) / max(1, len(labels))

    def x(i: int) -> float:
        return round(left + band * (i + 0.5), 1)

    def y(v: float) -> float:
        return round(bottom - (v - low) / (high - low) * (bottom - top), 1)

    every = max(1, math.ceil(len(labels) * max(map(len, labels), default=1) * 8 / (right - left)))
    ticks = []
    v = low
    while v <= high + step / 2:
        ticks.append((y(v), fmt(v)))
        v += step
    frame = {"width": WIDTH, "height": HEIGHT, "left": left, "right": right, "top": top,
             "bottom": bottom, "yticks": tuple(ticks), "legend": legend,
             "xticks": tuple((x(i), text) for i, text in enumerate(labels) if i % every == 0),
             "zero": y(0) if low < 0 else None, "empty": not any(found)}
    frame["band"] = band
    return x, y, frame


def line_chart(title: str, labels: list[str],
               series: list[tuple[str, str, list[float | None]]],
               fmt: Callable[[float], str]) -> Chart:
    """Lines over the labels; a series' None values are left out."""
    x, y, frame = _frame(labels, (v for _c, _n, vs in series for v in vs if v is not None), fmt,
                         [(css, name) for css, name, _ in series])
    lines = []
    for css, name, values in series:
        shown = [(i, v) for i, v in enumerate(values) if v is not None]
        lines.append(Line(css, " ".join(f"{x(i)},{y(v)}" for i, v in shown),
                          tuple((x(i), y(v), f"{name} · {labels[i]}: {fmt(v)}")
                                for i, v in shown)))
    frame.pop("band")
    return Chart(title=title, lines=tuple(lines), **frame)


def bar_chart(title: str, labels: list[str], stacks: list[tuple[str, str, list[float]]],
              fmt: Callable[[float], str], partial: int | None = None) -> Chart:
    """Bars over the labels, each series stacked on the one before (all ≥ 0); the bar at
    ``partial`` is paler (a month not over yet)."""
    totals = [sum(vs[i] for _c, _n, vs in stacks) for i in range(len(labels))]
    x, y, frame = _frame(labels, iter(totals), fmt, [(css, name) for css, name, _ in stacks])
    width = max(2.0, frame.pop("band") * 0.62)
    rects = []
    base = [0.0] * len(labels)
    for css, name, values in stacks:
        for i, v in enumerate(values):
            if v <= 0:
                continue
            top, bottom = y(base[i] + v), y(base[i])
            rects.append(Rect(css + (" partial" if i == partial else ""),
                              round(x(i) - width / 2, 1), top, round(width, 1),
                              round(bottom - top, 1), f"{name} · {labels[i]}: {fmt(v)}"))
            base[i] += v
    return Chart(title=title, rects=tuple(rects), **frame)


# -- the page ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CohortRow:
    month: str
    members: int
    ltv: tuple[str, ...]  # per COHORT_COLUMNS, "" where the cohort is younger
    latest: str


@dataclass
class TierTable:
    tiers: list[tuple[str, str]] = field(default_factory=list)  # code, name
    rows: list[tuple[str, list[tuple[int, int]]]] = field(default_factory=list)


class KpiPages:
    def page(self, s: Session, ui: Ui, request: Request) -> tuple[str, dict[str, Any]]:
        store, start, end = _params(s, ui, request)
        found = _figures(s, ui, store, start, end)
        context: dict[str, Any] = {
            "title": ui._("Programme KPIs"), "stores": kpis.scopes(s), "store": store or "",
            "start": start.isoformat() if start else "", "end": end.isoformat() if end else "",
            "found": found, "cohort_columns": COHORT_COLUMNS}
        if found is None:
            return "kpis.html", context
        context |= {
            "start": found.start.isoformat(), "end": found.end.isoformat(),
            "csv": ui.url("/kpis.csv", store=store or "", **{
                "from": found.start.isoformat(), "to": found.end.isoformat()}),
            "pct": _pct, "charts": _charts(ui, found), "cohorts": _cohort_rows(ui, found),
            "so_far": "" if not found.months or _whole(found.months[-1].month, found.through)
            else found.months[-1].month,
            "tier_table": _tier_table(s, ui, found),
            "quick": [(ui._(name), ui.url("/kpis", store=store or "", **{
                "from": a.isoformat(), "to": b.isoformat()}), (a, b) == (found.start, found.end))
                for name, (a, b) in zip(QUICK, kpis.presets(found.through), strict=True)],
            "frequency": "—" if found.visit_frequency is None
            else f"{found.visit_frequency:.2f}",
            "avg_spend": "—" if found.avg_spend_fen is None
            else ui.money(round(found.avg_spend_fen))}
        return "kpis.html", context

    def csv(self, s: Session, ui: Ui, request: Request) -> Response:
        store, start, end = _params(s, ui, request)
        found = _figures(s, ui, store, start, end)
        if found is None:
            raise BadInput(ui._("No KPI figures yet: they are made nightly by "
                                "storeapp-hq kpi refresh."))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["section", "period", "figure", "value"])
        writer.writerows(csv_rows(found))
        name = f"kpis-{store or 'chain'}-{found.start}-{found.end}.csv"
        return Response(("\ufeff" + out.getvalue()).encode("utf-8"),  # Excel reads the BOM
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _params(s: Session, ui: Ui, request: Request
            ) -> tuple[str | None, dt.date | None, dt.date | None]:
    store = request.query_params.get("store", "").strip()[:8] or None
    if store and store not in {code for code, _ in kpis.scopes(s)}:
        raise BadInput(ui._("There is no store {store}.").format(store=store))
    days = []
    for name in ("from", "to"):
        raw = request.query_params.get(name, "").strip()
        try:
            days.append(dt.date.fromisoformat(raw) if raw else None)
        except ValueError:
            raise BadInput(ui._("The date must look like 2026-03-10, not {raw}.").format(
                raw=raw[:20])) from None
    return store, days[0], days[1]


def _figures(s: Session, ui: Ui, store: str | None, start: dt.date | None,
             end: dt.date | None) -> kpis.Kpis | None:
    if start and end and start > end:
        raise BadInput(ui._("The range starts after it ends."))
    try:
        return kpis.stored(s, store, start, end)
    except HqRefusal as refusal:
        if refusal.code != "bad_range":
            raise
        raise BadInput(ui._("No figures for that range: they cover at most {n} days, up to the "
                            "last refresh.").format(n=kpis.MAX_DAYS)) from None


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _yuan(x: float) -> str:
    return f"¥{x / 100:,.0f}"


def _charts(ui: Ui, k: kpis.Kpis) -> dict[str, Chart]:
    _ = ui._
    months = [x.month for x in k.months]
    short = [x[2:] if len(months) > 6 else x for x in months]  # 25-04
    partial = len(months) - 1 if months and not _whole(months[-1], k.through) else None
    charts = {
        "active": line_chart(
            _("Members active at each month's end"), short,
            [("s0", _("Active (30 days)"), [float(x.active_30) for x in k.months]),
             ("s1", _("Active (90 days)"), [float(x.active_90) for x in k.months])],
            lambda v: f"{v:,.0f}"),
        "churn": bar_chart(
            _("Monthly churn"), short,
            [("s2", _("Churn"), [(x.churn_rate or 0.0) * 100 for x in k.months])],
            lambda v: f"{v:.0f}%", partial),
        "liability": bar_chart(
            _("Stored-value liability at each month's end"), short,
            [("s0", _("Principal"), [float(max(0, x.principal_fen)) for x in k.months]),
             ("s3", _("Bonus"), [float(max(0, x.bonus_fen)) for x in k.months])], _yuan,
            partial),
    }
    drawn = [c for c in k.cohorts if c.members][-DRAWN_COHORTS:]
    span = max((len(c.net_fen) for c in drawn), default=1)
    charts["ltv"] = line_chart(
        _("Lifetime value per member, by months since registration"),
        [str(i) for i in range(span)],
        [(f"s{i % 8}", c.month, [*map(float, c.ltv_fen), *[None] * (span - len(c.net_fen))])
         for i, c in enumerate(drawn)], _yuan)
    return charts


def _whole(month: str, through: dt.date) -> bool:
    """Whether the month (YYYY-MM) is over by the figures' last day."""
    year, number = map(int, month.split("-"))
    return kpis.month_end(dt.date(year, number, 1)) <= through


def _cohort_rows(ui: Ui, k: kpis.Kpis) -> list[CohortRow]:
    rows = []
    for c in k.cohorts:
        ltv = c.ltv_fen
        rows.append(CohortRow(c.month, c.members, tuple(
            ui.money(round(ltv[i])) if i < len(ltv) and c.members else ""
            for i in COHORT_COLUMNS), ui.money(round(ltv[-1])) if ltv and c.members else "—"))
    return rows


def _tier_table(s: Session, ui: Ui, k: kpis.Kpis) -> TierTable:
    rules = sorted(current_rules(s).settings.tiers, key=lambda t: int(t["threshold_fen"]))
    names = {str(t["code"]): str(t["name"] if ui.zh else t["name_en"]) for t in rules}
    seen = {t.tier for t in k.tiers}
    order = [code for code in names if code in seen] + sorted(seen - set(names))
    table = TierTable(tiers=[(code, names.get(code, code)) for code in order])
    moves = {(t.month, t.tier): (t.up, t.down) for t in k.tiers}
    for month in (x.month for x in k.months):
        cells = [moves.get((month, code), (0, 0)) for code in order]
        if any(up or down for up, down in cells):
            table.rows.append((month, cells))
    return table


def csv_rows(k: kpis.Kpis) -> Iterator[list[Any]]:
    """Every figure as (section, period, figure, value): tidy rows a spreadsheet can pivot."""
    summary: dict[str, Any] = {
        "store": k.store or kpis.CHAIN, "from": k.start, "to": k.end, "through": k.through,
        "refreshed_at": k.refreshed_at, "active_30": k.active_30, "active_90": k.active_90,
        "buyers": k.buyers, "repeat_buyers": k.repeat_buyers,
        "repurchase_rate": k.repurchase_rate, "purchases": k.purchases,
        "sales_fen": k.sales_fen, "refunds": k.refunds, "refunds_fen": k.refunds_fen,
        "net_fen": k.net_fen, "avg_spend_fen": k.avg_spend_fen,
        "visit_frequency": k.visit_frequency}
    for name, value in summary.items():
        yield ["summary", "", name, _cell(value)]
    for month in k.months:
        for name in ("active_30", "active_90", "buyers", "repeat_buyers", "churn_base",
                     "churned", "purchases", "sales_fen", "refunds_fen", "principal_fen",
                     "bonus_fen", "points"):
            yield ["month", month.month, name, getattr(month, name)]
        yield ["month", month.month, "churn_rate", _cell(month.churn_rate)]
    for cohort in k.cohorts:
        yield ["cohort", cohort.month, "members", cohort.members]
        for i, (net, ltv) in enumerate(zip(cohort.net_fen, cohort.ltv_fen, strict=True)):
            yield ["cohort", cohort.month, f"net_fen_m{i}", net]
            yield ["cohort", cohort.month, f"ltv_fen_m{i}", _cell(ltv)]
    for move in k.tiers:
        yield ["tier", move.month, f"{move.tier}_up", move.up]
        yield ["tier", move.month, f"{move.tier}_down", move.down]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value
