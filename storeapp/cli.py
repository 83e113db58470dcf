"""The ``storeapp`` command line: every counter action, scriptable, with ``--json`` output.

With ``--json`` each command prints one JSON object on stdout; a refused or invalid request
prints ``{"error": CODE, "message": TEXT}`` (with ``"params"``, the values the message names,
when it names any: money as ``*_fen``) and exits non-zero, having changed nothing but the
security record: a wrong PIN still counts towards its lock, and every login try is audited.
Money and manager actions run as a logged-in user: ``--as CODE`` with the PIN in
``$STOREAPP_PIN`` or typed when asked (:mod:`storeapp.cli_access` says which commands need whom).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from storeapp import storage
from storeapp.errors import DomainError, InvalidInput
from storeapp.money import format_fen

Handler = Callable[[argparse.Namespace], Any]
#: Packages that extend the CLI (devices: printing; sync: store join and sync) register a
#: function taking the subparsers under this entry-point group, so the core never imports them.
COMMAND_PLUGINS = "storeapp.commands"
EXIT_INVALID, EXIT_REFUSED = 2, 1


class UsageError(InvalidInput):
    code = "usage"


class _Parser(argparse.ArgumentParser):
    """Bad usage becomes an ``InvalidInput`` so ``--json`` callers get JSON for it too."""

    def error(self, message: str) -> Any:  # argparse's hook; never returns
        raise UsageError("usage", f"{self.prog}: {message}", command=self.prog, detail=message)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        return _fail(argparse.Namespace(json="--json" in argv), exc, EXIT_INVALID)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        from storeapp.app import start  # no command: start the app on the embedded default

        return start(args.db, args)
    from storeapp import cli_access
    from storeapp.commands import close_till, db_of

    try:
        cli_access.authorize(args, db_of)
        result = handler(args)
    except DomainError as exc:
        return _fail(args, exc, EXIT_INVALID if isinstance(exc, InvalidInput) else EXIT_REFUSED)
    except Exception as exc:  # the disk, not the request: a message, never a traceback
        from storeapp.db import default_db_path

        fault = storage.explain(exc, args.db or default_db_path())
        if fault is None:
            raise
        return _fail(args, fault, EXIT_REFUSED)
    finally:
        close_till(args)  # the till this run opened, whatever happened
    _print(args, result)
    if isinstance(result, dict) and result.get("ok") is False:
        return EXIT_REFUSED
    return 0


def build_parser() -> argparse.ArgumentParser:
    from storeapp import commands

    parser = _Parser(prog="storeapp", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database file (default: user data directory)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per command")
    parser.add_argument("--as", dest="actor", metavar="CODE", default=None,
                        help="the user doing it (default: $STOREAPP_USER); the PIN comes from "
                             "$STOREAPP_PIN or is asked for, never from the command line")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    commands.register(sub)
    for plugin in entry_points(group=COMMAND_PLUGINS):
        plugin.load()(sub)
    _name_commands(parser, "")
    return parser


def _name_commands(parser: argparse.ArgumentParser, prefix: str) -> None:
    """Give every command its words (``args.command``, e.g. ``"wallet topup"``), which say
    who may run it (:mod:`storeapp.cli_access`); a command's own parser sets it last."""
    for action in parser._actions:  # argparse has no public way to its subparsers
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                words = f"{prefix} {name}".strip()
                child.set_defaults(command=words)
                _name_commands(child, words)


def _fail(args: argparse.Namespace, error: DomainError, status: int) -> int:
    if args.json:
        answer: dict[str, Any] = {"error": error.code, "message": error.message}
        if error.params:
            answer["params"] = error.params
        print(json.dumps(answer, ensure_ascii=False))
    else:
        print(f"error: {error.message} [{error.code}]", file=sys.stderr)
    return status


def _print(args: argparse.Namespace, result: Any) -> None:
    if result is None:  # the handler printed its own report
        return
    plain = _plain(result)
    if args.json:
        print(json.dumps(plain, ensure_ascii=False, default=str))
        return
    _print_human(plain)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _print_human(value: Any, indent: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                print(f"{indent}{key}:")
                _print_human(item, indent + "  ")
            else:
                shown = format_fen(item) if key.endswith("_fen") and isinstance(item, int) else item
                print(f"{indent}{key}: {shown}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                print(f"{indent}-")
                _print_human(item, indent + "    ")
            else:
                print(f"{indent}- {item}")
    else:
        print(f"{indent}{value}")


if __name__ == "__main__":
    sys.exit(main())
