"""An interactive counter shell over the CLI: what ``storeapp`` starts with no command until the
desktop UI is installed. Type CLI commands without the ``storeapp`` prefix.
"""

from __future__ import annotations

import cmd
import contextlib
import shlex
from pathlib import Path

from storeapp import demo
from storeapp.till import open_till


def run(db_path: Path | None) -> int:
    till = open_till(db_path, create=True)
    db = till.db
    try:
        print(f"storeapp — database {db.path}")
        if demo.is_demo_needed(db):
            print("First start: adding a demo store (200 members with a year of history)...")
            result = demo.populate(db, members=200)
            print(f"  {result['members']} members, {result['sales']} sales.")
    finally:
        till.close()  # each command the shell runs opens and closes its own
    print("Demo staff: cashier c01 / PIN 1111, manager m01 / PIN 9999")
    print("Try: member find 8000 | wallet topup PHONE 500 | sale PHONE --amount 25 --pay wallet")
    Shell(db.path).cmdloop()
    return 0


class Shell(cmd.Cmd):
    intro = "Type help for commands, quit to leave."
    prompt = "storeapp> "

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self._db_path = db_path

    def default(self, line: str) -> None:
        from storeapp.cli import main

        try:
            argv = shlex.split(line)
        except ValueError as exc:
            print(f"error: {exc}")
            return
        with contextlib.suppress(SystemExit):  # argparse's --help exits
            main(["--db", str(self._db_path), *argv])

    def do_help(self, arg: str) -> bool | None:
        from storeapp.cli import main

        with contextlib.suppress(SystemExit):
            main(["--help"] if not arg else [*arg.split(), "--help"])
        return None

    def do_quit(self, _arg: str) -> bool:
        return True

    do_exit = do_quit

    def do_EOF(self, _arg: str) -> bool:
        print()
        return True

    def emptyline(self) -> bool:
        return False
