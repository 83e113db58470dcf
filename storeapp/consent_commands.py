"""The CLI's ``consent`` commands: a member's consents given or withdrawn at this till, what
holds now with the whole ledger, and the notice a consent is given under."""

from __future__ import annotations

import argparse
from typing import Any

from storeapp import consent_rules
from storeapp.commands import Sub, db_of
from storeapp.services import consents


def register(sub: Sub) -> None:
    p = sub.add_parser("consent", help="members' consents (terms, marketing, personalised "
                                       "offers, sensitive data)")
    actions = p.add_subparsers(title="consent commands", metavar="ACTION", required=True)
    for name, given in (("give", True), ("withdraw", False)):
        c = actions.add_parser(name, help=f"the member {name}s a consent (under the notice in "
                                          "force here)")
        c.add_argument("--member", required=True, help="member id, card number, phone or QR")
        c.add_argument("--purpose", required=True, choices=consent_rules.PURPOSES)
        c.add_argument("--channel", default="counter", choices=consent_rules.TILL_CHANNELS,
                       help="import: typed in from a paper form")
        c.add_argument("--key")
        c.set_defaults(handler=_recorder(given))
    ls = actions.add_parser("list", help="what holds now for each purpose, and the ledger")
    ls.add_argument("--member", required=True)
    ls.add_argument("--purpose", choices=consent_rules.PURPOSES, help="only this purpose")
    ls.set_defaults(handler=_list)
    n = actions.add_parser("notice", help="the notice text a consent given now names")
    n.add_argument("--purpose", required=True, choices=consent_rules.PURPOSES)
    n.set_defaults(handler=_notice)


def _recorder(given: bool) -> Any:
    def handler(a: argparse.Namespace) -> Any:
        return consents.record(db_of(a), a.member, a.purpose, given=given, actor=a.actor,
                               channel=a.channel, key=a.key)
    return handler


def _list(a: argparse.Namespace) -> dict[str, Any]:
    db = db_of(a)
    now = consents.current(db, a.member)
    entries = consents.history(db, a.member)
    if a.purpose:
        now = {a.purpose: now[a.purpose]}
        entries = [e for e in entries if e.purpose == a.purpose]
    return {"current": {p: state.to_dict() for p, state in now.items()},
            "history": [e.to_dict() for e in entries]}


def _notice(a: argparse.Namespace) -> dict[str, Any]:
    notice = consents.notice(db_of(a), a.purpose)
    return {"purpose": notice.purpose, "version": notice.version, "sha256": notice.sha256,
            "text": notice.text}
