"""Who may run which ``storeapp`` command: money and manager actions run as a user who proved
their PIN, so the audit log names who really acted.

``--as CODE`` (or ``$STOREAPP_USER``) names the user; the PIN comes from ``$STOREAPP_PIN`` or is
typed at a prompt, never from the command line (which every user of the machine sees in
``ps``). The login is the counter's own (:func:`storeapp.services.users.login`): every try is
audited and wrong PINs lock the user. A command refused here has changed nothing but that
security record.

Commands that neither move money nor show members' data run without a login: ``init`` (it makes
the new till's administrator), ``bench``, ``audit verify``, ``printer test``, ``demo`` into a new
file, and ``sync`` (head office's token, kept outside the database, is its credential; the OS
scheduler runs it). Commands not named below need a logged-in user of any role, so a command
added later is never open by mistake.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path

from storeapp import storage
from storeapp.errors import AuthError, InvalidInput, StorageError

USER_ENV, PIN_ENV = "STOREAPP_USER", "STOREAPP_PIN"
APPROVER_PIN_ENV, NEW_PIN_ENV = "STOREAPP_APPROVER_PIN", "STOREAPP_NEW_PIN"

PUBLIC, STAFF, MANAGER = "public", "staff", "manager"
#: the command checks the user's PIN itself (``user pin``: the old PIN proves who changes it)
OWN = "own"
#: the actor of a command run without a login (what it records names no user)
ANONYMOUS = "cli"

#: By command (the words after ``storeapp``; a group's entry covers its commands). What is not
#: here needs STAFF.
RULES: dict[str, str] = {
    "init": PUBLIC, "bench": PUBLIC, "audit": PUBLIC, "sync": PUBLIC,
    "printer test": PUBLIC, "user pin": OWN,
    # reports and exports: a manager's (the counter asks a manager too)
    "report": MANAGER, "company statement": MANAGER,
    # staff, settings, the till's files and its link to head office
    "user add": MANAGER, "user unlock": MANAGER, "settings": MANAGER, "backup": MANAGER,
    "store join": MANAGER, "restore": MANAGER, "demo": MANAGER, "keys": MANAGER,
    # the chain's offer and catalogue, and batch postings
    "tiers": MANAGER, "coupon": MANAGER, "plan add": MANAGER, "catalog import": MANAGER,
    "catalog add": MANAGER, "card-product add": MANAGER, "points expire": MANAGER,
    "countcard expire": MANAGER, "company add": MANAGER,
}


def required(args: argparse.Namespace) -> str:
    """What ``args``'s command needs: PUBLIC, OWN, STAFF or MANAGER."""
    command = str(getattr(args, "command", ""))
    words = command.split()
    need = STAFF
    for n in range(len(words), 0, -1):
        rule = RULES.get(" ".join(words[:n]))
        if rule is not None:
            need = rule
            break
    if command == "settings" and getattr(args, "value", None) is None:
        need = STAFF  # reading the settings (secrets show as ********)
    if getattr(args, "csv", None) or getattr(args, "pdf", None) or \
            getattr(args, "full_phones", False):
        need = MANAGER  # exports and whole phone numbers are a manager's
    if command in ("demo", "restore") and storage.is_blank(_path(args)):
        need = PUBLIC  # a new till (demo data), a blank disk (rebuilt from head office)
    return need


def authorize(args: argparse.Namespace, open_db: Callable[[argparse.Namespace], object],
              ) -> None:
    """Log in the user ``args`` names when its command needs one, and make them the actor.

    Raises ``login_required`` (no user, or no PIN to be had), the login's own refusals
    (``bad_login``, ``user_locked``) or ``manager_required``."""
    need = required(args)
    code = args.actor or os.environ.get(USER_ENV, "")
    args.user_code = code  # who was named (init makes them the new till's administrator)
    if need == PUBLIC:
        args.actor = ANONYMOUS  # nobody proved who they are: the audit must not name anyone
        return
    if need == OWN:
        args.actor = code
        return
    from storeapp.db import Database
    from storeapp.services import users

    command = str(getattr(args, "command", "")) or "storeapp"
    if not code:
        raise AuthError("login_required", f"'{command}' must be done by a user: --as CODE (or "
                        f"{USER_ENV}) with the PIN in {PIN_ENV} or typed when asked",
                        command=command)
    pin = secret(PIN_ENV, f"PIN for {code}: ")
    if pin is None:
        raise AuthError("login_required", f"'{command}' needs {code}'s PIN: in {PIN_ENV} or "
                        "typed when asked (never on the command line)", variant="pin",
                        command=command, user=code)
    if command == "restore":  # the file is about to be replaced: no handle may stay open
        try:
            db = Database(_path(args), create=False)
        except StorageError:
            return  # a damaged till: its users are unreadable; the head-office token vouches
        try:
            staff = users.login(db, code, pin, via="cli")
        finally:
            db.close()
    else:
        opened = open_db(args)
        assert isinstance(opened, Database)
        staff = users.login(opened, code, pin, via="cli")
    if need == MANAGER and not staff.is_manager:
        raise AuthError("manager_required", f"{code} is a {staff.role}: '{command}' needs a "
                        "manager", user=code, role=staff.role, command=command)
    args.actor = staff.code


def secret(env: str, prompt: str) -> str | None:
    """A PIN from the environment variable ``env``, else typed at ``prompt`` when a person is at
    the terminal (nothing is echoed); None when there is neither."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        return None
    try:
        return getpass.getpass(prompt) or None
    except (EOFError, KeyboardInterrupt):
        return None


def new_pin(who: str, *envs: str) -> str:
    """A new PIN for ``who``: from the first of ``envs`` set, else typed twice at the
    terminal."""
    for env in envs:
        value = os.environ.get(env)
        if value:
            return value
    env = envs[0]
    first = secret("", f"New PIN for {who}: ") if sys.stdin.isatty() else None
    if first is None:
        raise InvalidInput("pin_needed", f"Give the new PIN for {who} in {env}, or type it when "
                           "asked (never on the command line)", user=who, env=env)
    if secret("", "The same PIN again: ") != first:
        raise InvalidInput("pin_mismatch", "The two PINs differ: nothing was changed")
    return first


def _path(args: argparse.Namespace) -> Path:
    from storeapp.db import default_db_path

    return Path(args.db) if getattr(args, "db", None) else default_db_path()


__all__ = ["ANONYMOUS", "APPROVER_PIN_ENV", "MANAGER", "NEW_PIN_ENV", "OWN", "PIN_ENV", "PUBLIC",
           "RULES", "STAFF", "USER_ENV", "authorize", "new_pin", "required", "secret"]
