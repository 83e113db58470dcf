"""The benchmark command runs end to end on a small data set and reports every figure beside
its bare sqlite3 baseline (the figures themselves are quoted in the closing notes, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_bench_reports_each_measure_with_its_baseline(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "storeapp.cli", "--json", "bench", "--members", "3000",
         "--samples", "60", "--checkouts", "40", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(run.stdout)
    assert report["members"] == 3000
    rows = {r["what"]: r for r in report["results"]}
    assert set(rows) == {"lookup: full phone", "lookup: last 4, first page", "lookup: QR scan",
                         "checkout commit", "checkout sustained"}
    for row in rows.values():
        if row["unit"] == "ms":
            assert 0 < row["p50"] <= row["p99"] and 0 < row["bare_p50"] <= row["bare_p99"]
        else:
            assert row["value"] > 0 and row["bare_value"] > 0
    audit = subprocess.run([sys.executable, "-m", "storeapp.cli", "--db",
                            str(tmp_path / "bench-3000.db"), "--json", "audit", "verify"],
                           capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout  # the measured checkouts were real, chained


@pytest.mark.slow
def test_bench_reports_times_every_report_on_a_bulk_demo(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "storeapp.cli", "--json", "bench", "--reports", "--members",
         "2000", "--ledger-rows", "20000", "--runs", "2", "--workdir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(run.stdout)
    assert report["rows"]["members"] == 2000
    assert abs(report["rows"]["wallet_entries"] + report["rows"]["points_entries"] - 20_000) \
        <= 400
    rows = {r["what"]: r for r in report["results"]}
    assert {"daily report, yesterday", "liability 9 months ago", "RFM segments"} <= set(rows)
    for row in rows.values():
        assert row["first_s"] > 0 and row["median_s"] > 0
    assert rows["RFM segments"]["target_s"] == 10.0
