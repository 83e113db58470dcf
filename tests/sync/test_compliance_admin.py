"""Prepaid compliance's administration at head office: what ``storeapp-hq compliance`` refuses
(an unknown user, issuer or store; a bad type, amount or quarter), that a deposit record is
append-only with the quarter's latest one counting, that the page refuses a quarter that is
not one or has not begun and asks for a signed-in user, and that every word it shows has its
Chinese."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from storeapp.deposit_rules import Quarter
from sync.hq import accounts, compliance_report, issuers, pages, pages_compliance, service
from sync.hq.api import create_app
from sync.hq.catalogue import ZH
from sync.hq.cli import main as hq_main
from sync.hq.db import HqDatabase

USER, PASSWORD = "finance", "correct horse battery"
NOW = dt.datetime(2026, 5, 15, 2, 0)


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    hq = HqDatabase(url)
    for code in ("0001", "0002"):
        service.add_store(hq, code, f"门店 {code}", NOW)
    accounts.add_user(hq, USER, PASSWORD, NOW)
    hq.close()
    yield url


def run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, Any]:
    code = hq_main(["--db", url, "compliance", *args])
    return code, json.loads(capsys.readouterr().out)


REFUSED = [
    (["issuer", "add", "FR01", "--name", "加盟商", "--type", "brand", "--user", "nobody"],
     "unknown_user"),
    (["issuer", "add", "F", "--name", "加盟商", "--type", "brand", "--user", USER],
     "bad_issuer_code"),
    (["issuer", "add", "CHAIN", "--name", "连锁", "--type", "group", "--user", USER],
     "issuer_exists"),
    (["issuer", "set", "FR09", "--type", "group", "--user", USER], "unknown_issuer"),
    (["store", "assign", "0009", "CHAIN", "--user", USER], "unknown_store"),
    (["store", "assign", "0001", "FR09", "--user", USER], "unknown_issuer"),
    (["deposit", "record", "FR09", "100", "--bank", "工商银行", "--user", USER],
     "unknown_issuer"),
    (["deposit", "record", "CHAIN", "-100", "--bank", "工商银行", "--user", USER],
     "bad_amount"),
    (["deposit", "record", "CHAIN", "12.345", "--bank", "工商银行", "--user", USER],
     "bad_amount"),
    (["deposit", "record", "CHAIN", "100", "--bank", " ", "--user", USER],
     "deposit_bank_missing"),
    (["setting", "--revenue-share", "0", "--user", USER], "bad_setting"),
    (["setting", "--revenue-share", "50"], "user_missing"),
    (["report", "--quarter", "2999Q1"], "quarter_not_begun"),
]


def test_the_command_refuses_what_is_not_so(capsys: pytest.CaptureFixture[str], url: str) -> None:
    for args, error in REFUSED:
        code, out = run(capsys, url, *args)
        assert code != 0 and out["error"] == error, (args, out)
    for args in (["issuer", "add", "FR01", "--name", "x", "--type", "bank", "--user", USER],
                 ["report", "--quarter", "2026Q5"]):
        with pytest.raises(SystemExit) as stopped:
            hq_main(["--db", url, "compliance", *args])
        assert stopped.value.code == 2  # argparse's usage error
    capsys.readouterr()
    code, listed = run(capsys, url, "issuer", "list")
    assert listed["issuers"] == [{"code": "CHAIN", "name": "", "kind": "brand", "share_pct": 40,
                                  "stores": ["0001", "0002"]}]  # nothing was changed


def test_the_quarters_latest_deposit_counts_and_none_is_changed(
        capsys: pytest.CaptureFixture[str], url: str) -> None:
    assert run(capsys, url, "issuer", "add", "fr01", "--name", "杭州加盟商", "--type", "size",
               "--user", USER)[1]["code"] == "FR01"
    for amount, day in (("1,000,000.00", "2026-04-02"), ("1,200,000", "2026-04-30"),
                        ("900000", "2026-04-10")):  # recorded last, dated before the second
        assert run(capsys, url, "deposit", "record", "FR01", amount, "--bank", "招商银行",
                   "--date", day, "--user", USER)[0] == 0
    run(capsys, url, "deposit", "record", "FR01", "5", "--bank", "招商银行", "--date",
        "2026-07-01", "--user", USER)  # the third quarter's, by its date
    _, listed = run(capsys, url, "deposit", "list", "--issuer", "FR01")
    assert [(d["quarter"], d["amount_fen"]) for d in listed["deposits"]] == [
        ("2026Q2", 100_000_000), ("2026Q2", 90_000_000), ("2026Q2", 120_000_000),
        ("2026Q3", 500)]
    hq = HqDatabase(url)
    with hq.transaction() as s:
        recorded = issuers.deposits(s, Quarter(2026, 2))
    hq.close()
    assert recorded["FR01"].amount_fen == 120_000_000  # the statement of 30 April
    # more than a counter's limit of ¥1,000,000 is a deposit like any other
    assert run(capsys, url, "deposit", "record", "CHAIN", "25,000,000.00", "--bank", "工商银行",
               "--quarter", "2026Q2", "--user", USER)[1]["amount_fen"] == 2_500_000_000


def test_the_page_asks_for_a_user_and_refuses_a_quarter_that_is_not_one(url: str) -> None:
    app = create_app(url, clock=lambda: NOW)
    with TestClient(app) as client:
        assert client.get("/compliance").status_code == 401
        assert client.get("/compliance.pdf").status_code == 401
        client.auth = (USER, PASSWORD)
        page = client.get("/compliance")
        assert page.status_code == 200
        assert "2026Q2" in page.text and "本季度进行中：余额截至 2026-05-15" in page.text
        bad = client.get("/compliance?quarter=2026-13")
        assert bad.status_code == 400 and "季度格式应为 2026Q3" in bad.text
        future = client.get("/compliance?quarter=2026Q3&lang=en")
        assert future.status_code == 400 and "Quarter 2026Q3 has not begun yet." in future.text
        csv = client.get("/compliance.csv?quarter=2026Q1&lang=en")
        assert csv.status_code == 200 and "prepaid-compliance-2026Q1-en.csv" in \
            csv.headers["content-disposition"]
        assert csv.content.decode("utf-8-sig").startswith("Quarterly prepaid card deposit report")
    app.state.hq.close()


def test_every_word_of_the_page_and_report_has_its_chinese() -> None:
    texts = set(re.findall(r'_\("([^"]+)"\)', (Path(pages.__file__).parent / "templates" /
                                               "compliance.html").read_text("utf-8")))
    for module in (pages_compliance, compliance_report):
        tree = ast.parse(Path(module.__file__ or "").read_text("utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and (getattr(node.func, "id", None) in ("_", "label")
                         or getattr(node.func, "attr", None) == "_")):
                texts.add(node.args[0].value)
    texts |= set(compliance_report.KIND_NAMES.values()) | {compliance_report.CHAIN_NAME}
    assert len(texts) > 40
    assert sorted(t for t in texts if t not in ZH) == []
