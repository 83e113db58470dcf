"""``storeapp-hq``: stores and tokens, members, reconciliation and rules from the command line,
on the default SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sync.hq import ingest
from sync.hq.cli import main
from sync.hq.db import HqDatabase, utcnow
from sync.hq.runtime import YOUNG_THRESHOLD
from sync.protocol import token_hash
from tests.sync.wire import MEMBER, batch, registration, sale, topup


def hq(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, Any]:
    status = main(["--db", url, *args])
    return status, json.loads(capsys.readouterr().out)


def test_a_store_token_is_shown_once_kept_hashed_and_revocable(
        hq_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, added = hq(capsys, hq_url, "store", "add", "0001", "--name", "人民路店")
    assert status == 0 and added["store_code"] == "0001" and len(added["token"]) >= 40
    db = HqDatabase(hq_url)
    try:
        from sqlalchemy import select

        from sync.hq import models as m

        with db.transaction() as s:
            stored = s.scalars(select(m.Store.token_hash)).one()
        assert stored == token_hash(added["token"]) and added["token"] not in stored
    finally:
        db.close()
    assert hq(capsys, hq_url, "store", "add", "0001", "--name", "again") == (
        1, {"error": "store_exists", "message": "store 0001 already exists"})
    assert hq(capsys, hq_url, "store", "add", "12", "--name", "x")[0] == 2
    status, revoked = hq(capsys, hq_url, "store", "revoke", "0001")
    assert status == 0 and revoked["revoked_at"]
    status, listed = hq(capsys, hq_url, "store", "list")
    assert listed["stores"][0]["revoked"] is True


def test_member_show_and_reconcile_read_what_the_stores_sent(
        hq_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    hq(capsys, hq_url, "store", "add", "0001", "--name", "A")
    db = HqDatabase(hq_url)
    try:
        from sqlalchemy import select

        from sync.hq import models as m

        with db.transaction() as s:
            store = s.scalars(select(m.Store)).one()
        spend = sale("0001", 3, "R1", wallet_fen=20_000, balance=(20_000, 0))  # stale till
        ingest.ingest(db, store, batch(registration("0001", 1), topup("0001", 2, 12_300),
                                       spend), utcnow())
    finally:
        db.close()
    status, shown = hq(capsys, hq_url, "member", "show", "138 1234 5678")
    assert status == 0
    assert (shown["member_id"], shown["balance_fen"], shown["principal_fen"], shown["bonus_fen"],
            shown["points"], shown["blocked"]) == (MEMBER, -7_700, -7_700, 0, 0, True)
    status, found = hq(capsys, hq_url, "reconcile")
    assert [(e["kind"], e["amount_fen"]) for e in found["exceptions"]] == [("overdraft", 7_700)]
    assert hq(capsys, hq_url, "member", "unblock", "13812345678")[1]["blocked"] is False
    assert hq(capsys, hq_url, "reconcile")[1]["exceptions"] == []
    status, dated = hq(capsys, hq_url, "reconcile", "--date", found["exceptions"][0]["day"])
    assert [e["resolved"] for e in dated["exceptions"]] == [True]
    assert hq(capsys, hq_url, "member", "show", "13900000000")[0] == 1


def test_rules_are_validated_and_chain_wide_only(hq_url: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert hq(capsys, hq_url, "rule", "set", "setting", "points_per_yuan", "2")[0] == 0
    status, refused = hq(capsys, hq_url, "rule", "set", "setting", "store_code", '"0009"')
    assert (status, refused["error"]) == (2, "not_a_chain_setting")
    status, product = hq(capsys, hq_url, "rule", "set", "product", "6901234567892",
                         '{"name": "矿泉水 Water", "price_fen": 200}')
    assert status == 0 and product["value"]["price_fen"] == 200
    assert hq(capsys, hq_url, "rule", "set", "product", "x", "{bad")[1]["error"] == "bad_json"


def test_held_events_and_flagged_tills_are_decided_from_the_command_line(
        hq_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    hq(capsys, hq_url, "store", "add", "0001", "--name", "A")
    hq(capsys, hq_url, "user", "add", "auditor", "--password", "a long enough password")
    db = HqDatabase(hq_url)
    try:
        from sqlalchemy import select

        from sync.hq import models as m

        with db.transaction() as s:
            store = s.scalars(select(m.Store)).one()
        credits = sale("0001", 3, "R1", cash_fen=100)
        body = json.loads(credits["payload"])
        body["ledger"] = [{"member_id": MEMBER, "principal_fen": 5_000, "bonus_fen": 0,
                           "points": 0}]
        credits["payload"] = json.dumps(body)
        answer = ingest.ingest(db, store, {
            **batch(registration("0001", 1), topup("0001", 2, 10_000), credits),
            "check": {"upto": 3, "digest": "f" * 64}}, utcnow())
        assert answer.flag == "balance_mismatch"
    finally:
        db.close()
    status, held = hq(capsys, hq_url, "event", "held")
    assert status == 0 and [(h["held_id"], h["reason"]) for h in held["held"]] == [
        (1, "sale_credits")]
    assert hq(capsys, hq_url, "event", "reject", "1", "--user", "nobody", "--reason", "x")[0] == 1
    status, decided = hq(capsys, hq_url, "event", "reject", "1", "--user", "auditor",
                         "--reason", "a sale never credits")
    assert status == 0 and decided["decision"] == "reject" and decided["still_held"] == 0
    assert hq(capsys, hq_url, "member", "show", "13812345678")[1]["balance_fen"] == 10_000
    status, cleared = hq(capsys, hq_url, "till", "clear", "0001", "1", "--user", "auditor",
                         "--reason", "checked with the store manager")
    assert status == 0 and cleared["was"] == "balance_mismatch" and cleared["resolved"] == 1
    kinds = [e["kind"] for e in hq(capsys, hq_url, "reconcile")[1]["exceptions"]]
    assert "balance_mismatch" not in kinds and "implausible_event" not in kinds


def test_a_server_worker_collects_cycles_as_uploads_need(tmp_path: Path) -> None:
    """Each worker's app (``serve``'s factory) raises the cycle collector's young threshold and
    freezes what starting made (sync.hq.runtime): at CPython's default an upload ran the
    collector thousands of times. Run in a process of its own, as a worker is."""
    probe = ("import gc; from sync.hq.cli import app_from_env; app_from_env(); "
             "print(gc.get_threshold()[0], gc.get_freeze_count())")
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120,
        env={**os.environ, "STOREAPP_HQ_DB": f"sqlite:///{tmp_path / 'hq.db'}"}).stdout.split()
    assert int(out[0]) == YOUNG_THRESHOLD and int(out[1]) > 10_000
