"""Development tooling stays out of the product (STYLE 19): tools/ (benchmarks, the bulk demo) is
not among the packages the app installs, yet ``storeapp bench``, ``storeapp demo --ledger-rows``
and ``storeapp-hq bench`` load it from the source checkout, from any directory; without the
checkout they say so instead of failing on an import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

from storeapp import cli, tooling
from sync.hq import cli as hq_cli

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("bench", "bench_reports", "demo_bulk", "hq_bench", "hq_bench_data", "startup_time")


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)


def test_the_app_installs_without_tools_and_tools_is_checked_like_the_rest() -> None:
    config = _pyproject()["tool"]
    assert isinstance(config, dict)
    find = config["setuptools"]["packages"]["find"]
    assert set(find) <= {"include", "exclude", "where", "namespaces"}, find
    # what setuptools puts in the wheel: pyproject's find, namespaces included by default
    installed = find_namespace_packages(where=str(ROOT / find.get("where", ["."])[0]),
                                        include=find.get("include", ["*"]),
                                        exclude=find.get("exclude", []))
    assert {"storeapp", "storeapp.services", "ui", "devices", "sync", "sync.hq"} <= set(installed)
    assert [p for p in installed if p.partition(".")[0] == "tools"] == []
    assert {f"tools/{name}.py" for name in TOOLS} <= {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "tools").glob("*.py")}
    assert "tools" in config["mypy"]["packages"]  # strict typing, like the shipped packages
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert "for path in storeapp devices sync ui tools tests" in script  # ruff


@pytest.mark.slow
def test_the_commands_load_tools_from_the_checkout_from_any_directory(tmp_path: Path) -> None:
    """An editable install maps only the app's packages: tools/ comes from the checkout's root,
    whatever the current directory, and the bulk demo's spawned writer finds it too."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = ("import importlib.util, json, sys\n"
             "from storeapp import tooling\n"
             "before = importlib.util.find_spec('tools') is not None\n"
             f"files = [tooling.load(n, 'x').__file__ for n in {TOOLS!r}]\n"
             "print(json.dumps({'before': before, 'files': files}))\n")
    run = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout)
    assert found["before"] is False  # not importable on its own: not installed
    assert found["files"] == [str(ROOT / "tools" / f"{name}.py") for name in TOOLS]

    run = subprocess.run(
        [sys.executable, "-m", "storeapp.cli", "--db", str(tmp_path / "bulk.db"), "--json",
         "demo", "--members", "200", "--ledger-rows", "2000"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert json.loads(run.stdout)["members"] == 200


def test_without_the_checkout_the_commands_say_they_need_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(tooling, "CHECKOUT", tmp_path)  # an installed app: no tools/ beside it
    assert tooling.checkout() is None
    db = tmp_path / "till.db"
    for argv, command in ((["bench", "--members", "10"], "storeapp bench"),
                          (["bench", "--reports"], "storeapp bench --reports"),
                          (["demo", "--ledger-rows", "10"], "storeapp demo --ledger-rows")):
        assert cli.main(["--db", str(db), "--json", *argv]) == cli.EXIT_REFUSED
        answer = json.loads(capsys.readouterr().out)
        assert answer["error"] == "needs_checkout", answer
        assert answer["params"] == {"command": command}
        assert "source checkout (tools/)" in answer["message"]
    assert not db.exists()  # refused before anything was made

    assert hq_cli.main(["--db", f"sqlite:///{tmp_path / 'hq.db'}", "bench"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["error"] == "needs_checkout" and "tools/" in answer["message"]
    assert not (tmp_path / "hq.db").exists()
