"""``storeapp store join``, ``storeapp sync`` and ``storeapp sync status`` as a script sees them:
one JSON object, and head office being away is a refusal (``hq_unreachable``), never a crash.
The store manager runs them (joining is a manager's; ``sync status`` needs no login)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from storeapp.cli import main
from storeapp.db import Database
from storeapp.services.users import Staff
from tests.helpers import MANAGER_CODE, MANAGER_PIN


@pytest.fixture(autouse=True)
def logged_in(manager: Staff, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREAPP_USER", MANAGER_CODE)
    monkeypatch.setenv("STOREAPP_PIN", MANAGER_PIN)


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, dict[str, Any]]:
    status = main(["--db", str(db), "--json", *args])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1, out
    return status, json.loads(out[0])


def closed_port() -> str:
    """An address where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_status_of_a_till_that_never_joined(db: Database,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, db.path, "sync", "status")
    assert status == 0
    assert (out["linked"], out["store_code"], out["pending_events"], out["hq_token"]) == (
        False, "0001", 0, "")


def test_sync_before_joining_says_how_to_join(db: Database,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, db.path, "sync")
    assert status == 1 and out["error"] == "not_linked" and "store join" in out["message"]


def test_join_without_a_token_says_where_to_give_it(
        db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """No token on the command line, in the environment or typed (no terminal): refused, and
    nothing recorded."""
    monkeypatch.delenv("STOREAPP_HQ_TOKEN", raising=False)
    status, out = run(capsys, db.path, "store", "join", "--server", closed_port())
    assert (status, out["error"]) == (2, "token_needed")
    assert "STOREAPP_HQ_TOKEN" in out["message"]
    assert Database(db.path).settings.hq_url == ""


def test_join_when_head_office_is_away(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, db.path, "store", "join", "--server", closed_port(),
                      "--token", "t")
    assert status == 1 and out["error"] == "hq_unreachable"
    assert Database(db.path).settings.hq_url == ""


def test_sync_when_head_office_is_away_is_recorded(db: Database,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s, s.begin():
        db.set_setting(s, "hq_url", closed_port())
        db.set_setting(s, "hq_token", "secret-token")

    status, out = run(capsys, db.path, "sync")
    assert status == 1 and out["error"] == "hq_unreachable"

    _, shown = run(capsys, db.path, "sync", "status")
    assert shown["linked"] and shown["offline_since"] and shown["last_error"]
    assert shown["hq_token"] == "********"  # never printed in clear


def test_join_needs_a_server(db: Database, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREAPP_HQ_TOKEN", "t")
    status, out = run(capsys, db.path, "store", "join")
    assert status == 2 and out["error"] == "usage"
