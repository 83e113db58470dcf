"""``storeapp-hq`` commands for consents and their notices (each prints one JSON object):

    storeapp-hq notice publish --purpose P --version V --file F   (UTF-8 text; tills get it)
    storeapp-hq notice list
    storeapp-hq consent show PHONE                  (what holds now, and the whole ledger)
    storeapp-hq consent give|withdraw PHONE --purpose P --user NAME [--channel C]

A consent recorded here is the member's own choice told to head office (a letter, a call):
``--user`` names who recorded it; every till learns it on its next sync.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from storeapp import consent_rules
from sync.hq import consents, service
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal

COMMANDS = ("notice", "consent")


def add_parsers(sub: Any) -> None:
    notice = sub.add_parser("notice", help="consent notices the tills show and consents name"
                            ).add_subparsers(dest="action", required=True)
    publish = notice.add_parser("publish", help="publish a notice's text as a new version")
    publish.add_argument("--purpose", required=True, choices=consent_rules.PURPOSES)
    publish.add_argument("--version", required=True, help="e.g. 2026-04 (never reused)")
    publish.add_argument("--file", required=True, type=Path, help="the text, UTF-8")
    notice.add_parser("list", help="every published notice")

    consent = sub.add_parser("consent", help="members' consents (PIPL)").add_subparsers(
        dest="action", required=True)
    consent.add_parser("show", help="a member's consents now and their ledger").add_argument(
        "phone")
    for action in ("give", "withdraw"):
        cmd = consent.add_parser(action, help=f"record that the member {action}s a consent")
        cmd.add_argument("phone")
        cmd.add_argument("--purpose", required=True, choices=consent_rules.PURPOSES)
        cmd.add_argument("--user", required=True, help="the head-office user recording it")
        cmd.add_argument("--channel", default="head_office", choices=consent_rules.HQ_CHANNELS)


def run(hq: HqDatabase, args: argparse.Namespace, now: dt.datetime) -> Any:
    match args.command, args.action:
        case "notice", "publish":
            try:
                text = args.file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise HqRefusal(422, "bad_notice_text", f"cannot read {args.file}: {exc}") \
                    from None
            return consents.publish(hq, purpose=args.purpose, version=args.version, text=text,
                                    now=now)
        case "notice", "list":
            with hq.transaction() as s:
                return {"notices": consents.notices(s)}
        case "consent", "show":
            with hq.transaction() as s:
                member = service.member_by_phone(s, args.phone)
                return _shown(s, member.member_id)
        case "consent", ("give" | "withdraw") as action:
            def work(s: Any) -> dict[str, Any]:
                member = service.member_by_phone(s, args.phone)
                consents.record(s, member_id=member.member_id, purpose=args.purpose,
                                given=action == "give", channel=args.channel, by=args.user,
                                at=now)
                return _shown(s, member.member_id)

            return hq.retrying(work)
    raise HqRefusal(422, "usage", f"unknown command {args.command} {args.action}")


def _shown(s: Any, member_id: str) -> dict[str, Any]:
    return {"member_id": member_id,
            "current": {p: {**dataclasses.asdict(c), "in_force": c.in_force,
                            "at": c.at.isoformat() if c.at else None}
                        for p, c in consents.current(s, member_id).items()},
            "history": [e.to_json() for e in consents.history(s, member_id)]}
