"""``storeapp store join`` and ``storeapp sync [status]``: registered into the till's CLI through
the ``storeapp.commands`` entry point.

Head office unreachable is a refusal (``hq_unreachable``), so ``--json`` callers get
``{"error", "message"}`` and exit 1 like for any other refusal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from storeapp.commands import _db
from storeapp.errors import Refused
from storeapp.settings import shown

Sub = Any  # argparse's private _SubParsersAction
Handler = Callable[[argparse.Namespace], Any]


def register(sub: Sub) -> None:
    """Add the sync commands to the ``storeapp`` parser's subcommands."""
    store = sub.choices.get("store") or sub.add_parser(
        "store", help="this till's store at head office")
    actions = _subcommands(store, "store commands")
    p = actions.add_parser("join", help="link this till to its store at head office")
    p.add_argument("--server", required=True, metavar="URL",
                   help="head-office address, e.g. https://hq.example.com")
    p.add_argument("--token", required=True, help="the store's token (from storeapp-hq)")
    p.set_defaults(handler=_offline_is_refused(_join))

    p = sub.add_parser("sync", help="sync with head office now: upload events, download "
                                    "members and rules (or: sync status)")
    p.set_defaults(handler=_offline_is_refused(_sync))
    actions = _subcommands(p, "sync commands", required=False)
    s = actions.add_parser("status", help="when this till last reached head office, what waits")
    s.set_defaults(handler=_status)


def _subcommands(parser: argparse.ArgumentParser, title: str, *, required: bool = True) -> Sub:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if found:
        return found[0]
    return parser.add_subparsers(title=title, metavar="ACTION", required=required,
                                 parser_class=type(parser))


# -- handlers -------------------------------------------------------------------------------------

def _join(a: argparse.Namespace) -> dict[str, Any]:
    from sync import client

    return client.join(_db(a), a.server, a.token)


def _sync(a: argparse.Namespace) -> dict[str, Any]:
    from sync import client

    progress = None if a.json else _show_progress
    return asdict(client.run_sync(_db(a), progress=progress))


def _status(a: argparse.Namespace) -> dict[str, Any]:
    from sync import client

    db = _db(a)
    return {**asdict(client.status(db)), "hq_url": db.settings.hq_url,
            "hq_token": shown("hq_token", db.settings.hq_token)}


def _show_progress(stage: str, done: int, total: int) -> None:
    print(f"{stage}: {done}/{total}" if total else f"{stage}: {done}", file=sys.stderr)


def _offline_is_refused(handler: Handler) -> Handler:
    def run(a: argparse.Namespace) -> Any:
        from sync.http import HqUnreachable

        try:
            return handler(a)
        except HqUnreachable as exc:
            raise Refused("hq_unreachable", exc.message) from None
    return run
