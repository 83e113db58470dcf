"""The CLI's ``keys`` command: a manager rotates the till's keys (the master that wraps the
members' keys, or with ``--index`` the index key behind lookups): :mod:`storeapp.services.keys`."""

from __future__ import annotations

import argparse

from storeapp.commands import Sub, db_of
from storeapp.services import keys
from storeapp.services.users import Grant


def register(sub: Sub) -> None:
    p = sub.add_parser("keys", help="the till's keys for members' personal data (manager)")
    actions = p.add_subparsers(title="keys commands", metavar="ACTION", required=True)
    r = actions.add_parser("rotate", help="a new master key, every member's key rewrapped "
                           "under it; --index: a new index key, every lookup recomputed "
                           "(close the app on this till first)")
    r.add_argument("--index", action="store_true",
                   help="rotate the index key (phone, last 4 digits, name) instead")
    r.add_argument("--reason", default="key rotation", help="recorded in the audit log")
    r.set_defaults(handler=_rotate)


def _rotate(a: argparse.Namespace) -> keys.KeyRotated:
    return keys.rotate(db_of(a), index=a.index, actor=a.actor, grant=Grant(a.actor, a.reason))
