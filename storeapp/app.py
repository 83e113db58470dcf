"""What ``storeapp`` with no command starts: the counter on the embedded default database.

The desktop UI registers itself under the ``storeapp.app`` entry point (the core never imports
Qt); without it, or without a display, the interactive counter shell starts instead.
"""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points
from pathlib import Path

APP_PLUGINS = "storeapp.app"


def start(db_path: Path | None, args: argparse.Namespace | None = None) -> int:
    for plugin in entry_points(group=APP_PLUGINS):
        launch = plugin.load()
        status = launch(db_path)
        if status is not None:  # None: the UI could not start here; fall back to the shell
            return int(status)
    from storeapp import shell

    return shell.run(db_path)
