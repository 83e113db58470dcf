"""Development tooling lives in the source checkout's ``tools/`` package, not in the app (STYLE
19): ``storeapp bench``, ``storeapp demo --ledger-rows`` and ``storeapp-hq bench`` load it from
there when it is present, and say plainly that they need the checkout when it is not."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from storeapp.errors import Refused

#: Where the app's packages sit: in a source checkout, beside tools/. An editable install (``pip
#: install -e .``) maps only the app's packages, so tools/ is importable only once this directory
#: is on ``sys.path``; an installed wheel has no tools/ beside them at all.
CHECKOUT = Path(__file__).resolve().parents[1]


def checkout() -> Path | None:
    """The root of the source checkout the app runs from, when it has tools/; else None."""
    root = CHECKOUT
    if (root / "pyproject.toml").is_file() and (root / "tools" / "__init__.py").is_file():
        return root
    return None


def load(name: str, command: str) -> ModuleType:
    """``tools.<name>`` from the checkout (its root goes first on ``sys.path``, which spawned
    worker processes inherit); ``needs_checkout`` naming ``command`` when there is none."""
    root = checkout()
    if root is None:
        raise Refused("needs_checkout", f"{command} is development tooling: it runs from the "
                      "source checkout (tools/), which is not installed with the app",
                      command=command)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"tools.{name}")
