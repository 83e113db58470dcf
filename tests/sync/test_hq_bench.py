"""``storeapp-hq bench`` end to end on a tiny data set: a real server subprocess over SQLite, signed
uploads, the database checked against what was generated, and the bare-insert baseline beside it
(figures are quoted in the closing notes, not asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect

from sync.hq import service
from sync.hq.cli import main
from sync.hq.db import HqDatabase, utcnow


@pytest.mark.slow
def test_bench_uploads_over_http_and_the_database_adds_up(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    status = main(["--db", url, "bench", "--stores", "2", "--events", "300", "--workers", "1",
                   "--clients", "2", "--batch", "100", "--fresh"])
    out = capsys.readouterr().out
    assert status == 0, out
    report = json.loads(out)
    assert report["verify"]["status"] == "ok", report["verify"]
    assert report["dialect"] == "sqlite" and report["server_workers"] == 1
    assert report["events"] == 600 and report["batches"] == 6
    assert set(report["event_types"]) == {"member_registered", "wallet_topped_up",
                                          "sale_completed", "member_profile_updated"}
    checks = report["verify"]["checks"]
    assert checks["events"]["found"] == 600 and checks["streams_complete"]["found"] == 2
    assert checks["principal_fen"]["found"] > 0 and checks["ledger_rows"]["found"] > 0
    assert report["events_per_s"] > 0 and report["wall_s"] > 0
    latency = report["batch_latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["max"]
    bare = report["bare_insert"]
    assert bare["event_rows"] == 600 and bare["ledger_rows"] == checks["ledger_rows"]["found"]
    assert bare["rows_per_s"] > 0 and report["ratio"]["end_to_end_over_bare"] > 0
    assert report["targets"]["events_per_s"]["target"] == 11_000
    steps = report["steps"]  # a mark each tenth of the run: rate and cost as the tables grow
    assert len(steps) >= 2 and steps[-1]["upto"] == 600
    assert all(step["events_per_s"] > 0 and step["us_per_event"]["server"] >= 0
               for step in steps)
    assert report["targets"]["cost_growth"]["measured"] is not None
    budget = report["budget"]  # what the bare-COPY target leaves the server, beside its floor
    floor = budget["python_floor"]
    assert floor["events_timed"] == 2 * 100 and floor["us_per_event"] > 0
    assert budget["events_per_s_needed"] == round(bare["events_per_s"] / 4)
    assert budget["server_us_per_event_left"] == budget["cpu_us_per_event_at_that_rate"] - (
        report["cpu"]["us_per_event"]["postgres"] + report["cpu"]["us_per_event"]["bench_process"])
    hq = HqDatabase(url)
    try:  # the baseline's scratch tables are gone, the bench stores are there
        assert not {"bench_bare_events", "bench_bare_ledger"} & set(
            inspect(hq.engine).get_table_names())
        assert len(service.list_stores(hq)) == 2
    finally:
        hq.close()


def test_bench_refuses_a_head_office_that_already_has_stores(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    hq = HqDatabase(url)
    try:
        service.add_store(hq, "0007", "Real store", utcnow())
    finally:
        hq.close()
    status = main(["--db", url, "bench", "--stores", "1", "--events", "10"])
    answer = json.loads(capsys.readouterr().out)
    assert status == 1 and answer["error"] == "not_empty"
    assert "--fresh" in answer["message"]
    hq = HqDatabase(url)
    try:
        assert [s["store_code"] for s in service.list_stores(hq)] == ["0007"]
    finally:
        hq.close()


def test_bench_in_process_profiles_ingest(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "ingest.prof"
    status = main(["--db", f"sqlite:///{tmp_path / 'hq.db'}", "bench", "--stores", "1",
                   "--events", "120", "--batch", "50", "--fresh", "--profile", str(profile)])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["verify"]["status"] == "ok"
    assert report["bench"].endswith("(in process, no HTTP)") and report["batches"] == 3
    assert profile.stat().st_size > 0 and report["profile"]["top_by_own_time"]


def test_bench_fresh_never_deletes_a_real_head_office_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    hq = HqDatabase(url)
    try:
        service.add_store(hq, "0007", "Real store", utcnow())
    finally:
        hq.close()
    status = main(["--db", url, "bench", "--stores", "1", "--events", "10", "--fresh"])
    answer = json.loads(capsys.readouterr().out)
    assert status == 1 and answer["error"] == "not_a_bench_database"
    assert (tmp_path / "hq.db").exists()
