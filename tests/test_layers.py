"""The core stays free of Qt: the layering rules hold, and every ``storeapp`` module imports and
the CLI runs in a process where PySide6 cannot be imported at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cli_env

pytestmark = pytest.mark.slow  # both tests start a Python process

ROOT = Path(__file__).resolve().parents[1]
CHECK_LAYERS = ROOT / ".." / "shared" / "tools" / "check_layers.py"

#: Runs in a fresh interpreter: makes PySide6 unimportable, imports every storeapp module, runs
#: two CLI commands, and reports what it imported.
WITHOUT_QT = r"""
import importlib, json, pkgutil, sys

class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("PySide6", "shiboken6"):
            raise ImportError(f"{name} is not installed here")
        return None

sys.meta_path.insert(0, NoQt())
import storeapp
names = sorted(m.name for m in pkgutil.walk_packages(storeapp.__path__, "storeapp.")
               if not m.name.startswith("storeapp.migrations"))
for name in names:
    importlib.import_module(name)

from storeapp import cli
statuses = [cli.main(["--db", sys.argv[1], "--json", "init"]),
            cli.main(["--db", sys.argv[1], "--json", "member", "add", "--phone", "13812345678",
                      "--name", "无界面"]),
            cli.main(["--db", sys.argv[1], "--json", "audit", "verify"])]
loaded = sorted({m.partition(".")[0] for m in sys.modules} & {"PySide6", "shiboken6", "ui"})
print(json.dumps({"modules": names, "statuses": statuses, "qt_or_ui_loaded": loaded}))
"""


def test_layering_rules_hold() -> None:
    if not CHECK_LAYERS.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{CHECK_LAYERS} is missing")
        pytest.skip(f"{CHECK_LAYERS} is not here (outside the shared workspace)")
    run = subprocess.run([sys.executable, str(CHECK_LAYERS), str(ROOT)], capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "layering: ok"


def test_core_imports_and_cli_run_without_pyside6(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", WITHOUT_QT, str(tmp_path / "till.db")],
                         capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
                         env=cli_env())  # init makes this user the till's administrator
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["qt_or_ui_loaded"] == []
    assert report["statuses"] == [0, 0, 0]
    services = {f"storeapp.services.{p.stem}" for p in (ROOT / "storeapp" / "services").glob("*.py")
                if p.stem != "__init__"}
    expected = {"storeapp.cli", "storeapp.commands", "storeapp.demo", "storeapp.db",
                "storeapp.app", "storeapp.shell", *services}
    assert expected <= set(report["modules"])


def test_devices_render_and_send_and_never_reach_into_the_services() -> None:
    """A receipt's facts are the action's, built in the core (storeapp.receipt_jobs): devices
    only renders payloads and sends rows, so it never imports storeapp.services."""
    import ast

    reaching = []
    for path in sorted((ROOT / "devices").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            reaching += [f"{path.name}: {n}" for n in names
                         if n == "storeapp.services" or n.startswith("storeapp.services.")]
    assert reaching == []
