"""Entry point ``storeapp.app``: start the desktop counter when there is a screen to show it on.

Returns None (so ``storeapp`` falls back to its interactive shell) when Qt is missing or there
is no display; the import of Qt happens only here, only when needed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def launch(db_path: Path | None) -> int | None:
    if not has_display():
        print("No display found (DISPLAY/WAYLAND_DISPLAY unset): starting the counter shell. "
              "Set QT_QPA_PLATFORM=offscreen to run the window headless.", file=sys.stderr)
        return None
    try:
        from ui.app import run
    except ImportError as exc:  # PySide6 not installed: the core still works
        print(f"The desktop UI is not available ({exc}); starting the counter shell.",
              file=sys.stderr)
        return None
    return run(db_path)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM"))
