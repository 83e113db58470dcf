"""The programme's command line: segments, a campaign from draft to results and its contact
list, an automation; every answer JSON, full phones only with a user and logged."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sync.hq import models as m
from sync.hq import service
from sync.hq.cli import main as hq_main
from sync.hq.db import HqDatabase
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_programme import build_year
from tests.sync.test_sync_properties import Till


def cli(capsys: pytest.CaptureFixture[str], hq: HqDatabase, *args: str) -> Any:
    code = hq_main(["--db", hq.engine.url.render_as_string(hide_password=False), *args])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    return out


def test_from_segment_to_contacts(chain: tuple[HqDatabase, list[Till]],
                                  capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    hq, tills = chain
    build_year(tills, seed=5)
    upload(hq, tills)
    service.set_rule(hq, "coupon_template", "CAMP20", {
        "name": "活动券", "kind": "amount_off", "value": 2000, "valid_days": 30})
    segments = cli(capsys, hq, "segment", "list", "--json")  # JSON always; --json accepted
    sizes = {x["code"]: x["members"] for x in segments["segments"]}
    assert segments["scored"] == sum(sizes[c] for c in list(sizes)[:8])
    shown = cli(capsys, hq, "segment", "show", "lapsed")
    assert shown["members"] == sizes["lapsed"] == len(shown["shown"])
    assert all("*" in x["phone"] for x in shown["shown"])
    assert hq_main(["--db", hq.engine.url.render_as_string(hide_password=False), "segment",
                    "show", "lapsed", "--full-phones"]) == 2  # no user named
    capsys.readouterr()
    full = cli(capsys, hq, "segment", "show", "lapsed", "--full-phones", "--user", "boss")
    assert all("*" not in x["phone"] for x in full["shown"])

    cli(capsys, hq, "campaign", "create", "SPRING", "--name", "春季", "--coupon", "CAMP20",
        "--message", "春季礼：已送¥20券", "--user", "boss")
    preview = cli(capsys, hq, "campaign", "preview", "SPRING")
    # the test's members gave no marketing consent: everyone is left out, and counted
    assert preview["audience"] == 0 and preview["excluded_consent"] == preview["matched"] > 0
    with hq.transaction() as s:
        for row in s.scalars(select(m.Member)):
            row.marketing_consent = True
    preview = cli(capsys, hq, "campaign", "preview", "SPRING")
    launched = cli(capsys, hq, "campaign", "launch", "SPRING", "--user", "boss")
    assert launched["treated"] + launched["holdout"] == preview["audience"]
    listed = cli(capsys, hq, "campaign", "list")["campaigns"]
    assert [(x["code"], x["status"], x["treated"]) for x in listed] == [
        ("SPRING", "live", launched["treated"])]
    results = cli(capsys, hq, "campaign", "results", "SPRING")
    assert results["during"]["treated"] == launched["treated"]
    out = tmp_path / "contacts.csv"
    said = cli(capsys, hq, "campaign", "contacts", "SPRING", "--user", "boss", "--out", str(out))
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert said["contacts"] == len(rows) == launched["treated"]
    assert {r["text"] for r in rows} == {"春季礼：已送¥20券"}
    with hq.transaction() as s:
        logged = [(x.user, x.action)
                  for x in s.scalars(select(m.AccessLog).order_by(m.AccessLog.id))]
    assert logged == [("boss", "segment_full_phones"), ("boss", "contacts_export")]
    assert cli(capsys, hq, "campaign", "stop", "SPRING", "--user", "boss")["status"] == "stopped"

    cli(capsys, hq, "automation", "add", "winback", "WINBACK", "--points", "200",
        "--message", "好久不见", "--user", "boss")
    ran = cli(capsys, hq, "automation", "run")["ran"]
    assert [x["code"] for x in ran] == ["WINBACK"]
    assert cli(capsys, hq, "automation", "disable", "WINBACK", "--user", "boss")["status"] \
        == "stopped"
    assert cli(capsys, hq, "automation", "list")["automations"][0]["status"] == "stopped"
