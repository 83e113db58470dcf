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
from pathlib import Path
from typing import Any

from storeapp.commands import db_of
from storeapp.errors import InvalidInput, Refused
from storeapp.settings import shown

#: where ``store join`` and ``restore`` take the store's token from (never the command line)
TOKEN_ENV = "STOREAPP_HQ_TOKEN"

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
    p.add_argument("--token", help=f"the store's token (from storeapp-hq); better in "
                   f"${TOKEN_ENV} or typed when asked: a command line is seen by every user "
                   "of the machine (ps) and kept in shell history")
    p.set_defaults(handler=_offline_is_refused(_join))

    p = sub.add_parser("restore", help="bring back a till that lost events: its newest good "
                       "backup plus every event head office holds, then a sync")
    p.add_argument("--backup", type=Path, metavar="FILE",
                   help="restore from this backup (default: the newest good one in backups/)")
    p.add_argument("--from-head-office", action="store_true",
                   help="a blank disk: rebuild this till from head office alone")
    p.add_argument("--server", metavar="URL", help="head office (default: what the till "
                   "recorded)")
    p.add_argument("--token", help=f"the store's token (default: ${TOKEN_ENV}, else what the "
                   "till recorded)")
    p.add_argument("--till", type=int, help="this till's number in its store")
    p.add_argument("--no-sync", action="store_true", help="do not sync afterwards")
    p.set_defaults(handler=_offline_is_refused(_restore))

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

    token = _token(a)
    if not token:
        raise InvalidInput("token_needed", f"Give the store's token in {TOKEN_ENV}, or type it "
                           "when asked", env=TOKEN_ENV)
    return client.join(db_of(a), a.server, token)


def _token(a: argparse.Namespace) -> str | None:
    """The store's token: ``--token``, else ``$STOREAPP_HQ_TOKEN``, else typed at the terminal
    (not echoed) when a person is there."""
    from storeapp.cli_access import secret

    return a.token or secret(TOKEN_ENV, "Store token: ")


def _sync(a: argparse.Namespace) -> dict[str, Any]:
    from sync import client

    progress = None if a.json else _show_progress
    return asdict(client.run_sync(db_of(a), progress=progress))


def _restore(a: argparse.Namespace) -> dict[str, Any]:
    """Not through the CLI's open database: the file is replaced underneath."""
    from storeapp.db import Database, default_db_path
    from sync import client
    from sync.restore import Link, restore

    path = Path(a.db) if a.db else default_db_path()
    link = None
    if a.server or a.till:
        a.token = _token(a)
    if a.server or a.token or a.till:
        if not (a.server and a.token and a.till):
            raise Refused("usage", "Give --server, --token and --till together",
                          variant="link")
        link = Link(a.server.strip().rstrip("/"), a.token, a.till)
    if a.from_head_office and link is None:
        raise Refused("usage", "--from-head-office needs --server, --token and --till",
                      variant="link")
    report = asdict(restore(path, backup=a.backup, from_head_office=a.from_head_office,
                            link=link))
    if not a.no_sync:
        db = Database(path)
        try:
            report["sync"] = asdict(client.run_sync(db))
        except Refused as exc:
            report["notes"].append(f"the sync after the restore did not finish: {exc.message}")
        finally:
            db.close()
    return report


def _status(a: argparse.Namespace) -> dict[str, Any]:
    from sync import client

    db = db_of(a)
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
            raise Refused("hq_unreachable", exc.message, detail=exc.message) from None
    return run
