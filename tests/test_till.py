"""One place builds the till (storeapp.till): what it wires, and that whoever built a till closes
what it made: the CLI after each command, with no module keeping databases open."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, ClassVar

import pytest

from storeapp import cli, commands
from storeapp.db import Database
from storeapp.services import spend_gate
from storeapp.till import Till, open_till
from tests.helpers import copy_database, set_setting

HQ = "https://hq.example.invalid"


class Plugin:
    """A spend-gate plugin that records what was made and closed."""

    made: ClassVar[list[str]] = []
    closed: ClassVar[list[str]] = []

    def __init__(self, db: Database) -> None:
        self.url = db.settings.hq_url
        Plugin.made.append(self.url)

    def hold(self, **_: Any) -> str:
        return "held"

    def release(self, key: str) -> None:
        pass

    def close(self) -> None:
        Plugin.closed.append(self.url)


@pytest.fixture
def plugin(monkeypatch: pytest.MonkeyPatch) -> type[Plugin]:
    Plugin.made, Plugin.closed = [], []
    point = EntryPoint(name="test", value=f"{__name__}:Plugin", group=spend_gate.GATE_PLUGINS)
    monkeypatch.setattr(spend_gate, "entry_points", lambda group: [point])
    return Plugin


def test_a_till_makes_the_head_office_gate_once_per_server_and_closes_it(
        tmp_path: Path, migrated_template: Path, plugin: type[Plugin]) -> None:
    copy_database(migrated_template, tmp_path / "till.db")
    till = open_till(tmp_path / "till.db")
    db = till.db
    assert spend_gate.gate_for(db) is None  # not linked: nobody to ask, nothing made
    set_setting(db, "hq_url", HQ)
    first = spend_gate.gate_for(db)
    assert isinstance(first, Plugin) and spend_gate.gate_for(db) is first
    set_setting(db, "hq_url", HQ + "/other")  # linked to another head office: a new link
    assert spend_gate.gate_for(db) is not first
    assert (plugin.made, plugin.closed) == ([HQ, HQ + "/other"], [HQ])
    till.close()
    assert plugin.closed == [HQ, HQ + "/other"]


def test_a_bare_database_asks_no_plugin(tmp_path: Path, migrated_template: Path,
                                        plugin: type[Plugin]) -> None:
    """Only the till's builder wires head office: a database opened on its own (a restore's
    work copy, a tool) never reaches out, and linked it applies the offline allowance."""
    copy_database(migrated_template, tmp_path / "till.db")
    db = Database(tmp_path / "till.db")
    try:
        set_setting(db, "hq_url", HQ)
        assert spend_gate.linked(db) and spend_gate.gate_for(db) is None
        assert plugin.made == []
    finally:
        db.close()


def test_the_cli_closes_the_till_each_command_opened(
        tmp_path: Path, migrated_template: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    copy_database(migrated_template, tmp_path / "till.db")
    monkeypatch.setenv("STOREAPP_USER", "nobody")  # refused at login, after opening the till
    monkeypatch.setenv("STOREAPP_PIN", "000000")
    opened: list[Till] = []
    closed: list[Till] = []

    def tracked(*args: Any, **kwargs: Any) -> Till:
        till = open_till(*args, **kwargs)
        opened.append(till)
        return till

    monkeypatch.setattr(commands, "open_till", tracked)
    monkeypatch.setattr(Till, "close", lambda self: (closed.append(self), Database.close(self.db)))
    for argv in (["member", "find", "1381"], ["settings"], ["member", "show", "nobody"]):
        cli.main(["--db", str(tmp_path / "till.db"), "--json", *argv])
    capsys.readouterr()
    assert len(opened) == 3 and closed == opened  # a refused command closes its till too
    assert not [name for name, value in vars(commands).items()
                if isinstance(value, dict) and any(isinstance(v, (Database, Till))
                                                   for v in value.values())]
