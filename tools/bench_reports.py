"""``storeapp bench --reports``: the manager reports at chain scale against DESIGN.md §9.

The data set is what ``storeapp demo --members N --ledger-rows M`` builds (a year of members,
top-ups, sales, refunds, points and coupons, bulk-loaded); it is built once per work directory
and reused. Each report runs through the same function the CLI and the reports screen call,
``runs`` times; the first run (cold statement and page caches in this process) and the median
are both shown. A bare ``sqlite3`` sum of the whole wallet ledger stands beside the liability
figure: what the report would cost without the running totals and covering index.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storeapp.db import Database
from storeapp.reports import daily, insight, liability

#: DESIGN §9 targets; a date range and the watchlists have none (shown for scale).
TARGETS_S: dict[str, float | None] = {"daily": 1.0, "liability": 2.0, "rfm": 10.0, "none": None}


def run(*, members: int, ledger_rows: int, workdir: Path, runs: int = 3,
        as_json: bool = False) -> dict[str, Any] | None:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"reports-{members}-{ledger_rows}.db"
    build_s = _build(path, members, ledger_rows)
    db = Database(path)
    now = db.clock.now()
    today = db.clock.local_date()
    yesterday = today - dt.timedelta(days=1)
    cases: list[tuple[str, str, Callable[[], Any]]] = [
        ("daily report, yesterday", "daily", lambda: daily.daily(db, yesterday)),
        ("daily report, today", "daily", lambda: daily.daily(db, today)),
        ("report, last 30 days", "none",
         lambda: daily.daily(db, today - dt.timedelta(days=29), today)),
        ("liability now", "liability", lambda: liability.liability(db)),
        ("liability 30 days ago", "liability",
         lambda: liability.liability(db, now - dt.timedelta(days=30))),
        ("liability 9 months ago", "liability",
         lambda: liability.liability(db, now - dt.timedelta(days=270))),
        ("RFM segments", "rfm", lambda: insight.rfm(db)),
        ("members to reach", "none", lambda: insight.watchlists(db)),
    ]
    rows = [_time(what, target, fn, runs) for what, target, fn in cases]
    rows.append(_bare_liability(path, runs))
    with sqlite3.connect(path) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("members", "wallet_entries", "points_entries", "sales")}
    conn.close()
    db.close()
    result = {"database": str(path), "build_s": round(build_s, 1), "rows": counts,
              "results": rows}
    if as_json:
        return result
    print(format_table(result))
    return None


def format_table(result: dict[str, Any]) -> str:
    c = result["rows"]
    head = (f"storeapp bench --reports — {c['members']:,} members, "
            f"{c['wallet_entries'] + c['points_entries']:,} ledger rows "
            f"({c['wallet_entries']:,} wallet, {c['points_entries']:,} points), "
            f"{c['sales']:,} sales (built in {result['build_s']} s)\n")
    cols = f"{'what':<28}{'first':>9}{'median':>9}{'target':>9}  ok"
    lines = [head, cols, "-" * len(cols)]
    for r in result["results"]:
        target = f"≤{r['target_s']:g}s" if r["target_s"] else "—"
        ok = "" if r["ok"] is None else ("yes" if r["ok"] else "NO")
        lines.append(f"{r['what']:<28}{r['first_s']:>8.3f}s{r['median_s']:>8.3f}s"
                     f"{target:>9}  {ok}")
    return "\n".join(lines)


def _build(path: Path, members: int, ledger_rows: int) -> float:
    if path.exists():
        return 0.0
    from tools.demo_bulk import populate_bulk

    started = time.perf_counter()
    db = Database(path)
    try:
        populate_bulk(db, members=members, ledger_rows=ledger_rows)
    finally:
        db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def _time(what: str, target: str, fn: Callable[[], Any], runs: int) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    limit = TARGETS_S[target]
    median = statistics.median(times)
    return {"what": what, "first_s": round(times[0], 4), "median_s": round(median, 4),
            "target_s": limit, "ok": None if limit is None else max(times) <= limit}


def _bare_liability(path: Path, runs: int) -> dict[str, Any]:
    """The naive way: sum every wallet entry (no running totals), bare sqlite3."""
    conn = sqlite3.connect(path)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        conn.execute("SELECT bucket, sum(amount_fen) FROM wallet_entries GROUP BY bucket")\
            .fetchall()
        times.append(time.perf_counter() - started)
    conn.close()
    return {"what": "bare: sum whole ledger", "first_s": round(times[0], 4),
            "median_s": round(statistics.median(times), 4), "target_s": None, "ok": None}
