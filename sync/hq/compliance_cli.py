"""``storeapp-hq compliance``: prepaid-card issuers, their deposits and the quarterly report
(each prints one JSON object):

    storeapp-hq compliance issuer add CODE --name NAME --type size|group|brand --user U
    storeapp-hq compliance issuer set CODE [--name NAME] [--type T] --user U   (CHAIN: the chain)
    storeapp-hq compliance issuer list
    storeapp-hq compliance store assign STORE ISSUER --user U
    storeapp-hq compliance deposit record ISSUER AMOUNT --bank BANK [--account NO]
                [--date YYYY-MM-DD] [--quarter 2026Q3] --user U
    storeapp-hq compliance deposit list [--issuer CODE]
    storeapp-hq compliance setting [--revenue-share PCT] [--revenue-months N] [--user U]
    storeapp-hq compliance report [--quarter 2026Q3] [--csv F] [--pdf F] [--lang zh|en] [--json]

AMOUNT is in yuan ("1,250,000.00"). A deposit's quarter is its statement date's unless given.
The report's quarter is the current one unless given (its balances so far).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from storeapp import deposit_rules as rules
from storeapp.clock import to_local
from storeapp.deposit_rules import Quarter
from storeapp.errors import InvalidInput
from storeapp.money import parse_yuan
from storeapp.reports.export import write_csv, write_pdf
from sync.hq import compliance_report
from sync.hq import issuers as iss
from sync.hq.compliance import compliance
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal


def add_parsers(sub: Any) -> None:
    """``compliance`` and its actions, on ``storeapp-hq``'s sub-parsers."""
    top = sub.add_parser("compliance", help="prepaid-card issuers, deposits (资金存管) and the "
                         "quarterly report")
    actions = top.add_subparsers(dest="action", required=True)

    issuer = actions.add_parser("issuer", help="the chain and its franchisees as issuers"
                                ).add_subparsers(dest="verb", required=True)
    add = issuer.add_parser("add", help="a franchisee (加盟商) that issues prepaid value")
    add.add_argument("code")
    add.add_argument("--name", required=True, help="the company's registered name")
    add.add_argument("--type", dest="kind", required=True, choices=rules.ISSUER_KINDS,
                     help="size: 20 %%, group: 30 %%, brand (franchise): 40 %% on deposit")
    add.add_argument("--user", required=True)
    change = issuer.add_parser("set", help=f"change an issuer ({iss.CHAIN}: the chain itself)")
    change.add_argument("code")
    change.add_argument("--name")
    change.add_argument("--type", dest="kind", choices=rules.ISSUER_KINDS)
    change.add_argument("--user", required=True)
    issuer.add_parser("list", help="every issuer, its type, share and stores")

    store = actions.add_parser("store", help="which issuer a store sells for"
                               ).add_subparsers(dest="verb", required=True)
    assign = store.add_parser("assign", help=f"the store's issuer ({iss.CHAIN} by default)")
    assign.add_argument("store")
    assign.add_argument("issuer")
    assign.add_argument("--user", required=True)

    deposit = actions.add_parser("deposit", help="what a deposit account held for a quarter"
                                 ).add_subparsers(dest="verb", required=True)
    record = deposit.add_parser("record", help="from the bank's statement (append-only: the "
                                "quarter's latest record counts)")
    record.add_argument("issuer")
    record.add_argument("amount", help="in yuan, e.g. 1,250,000.00")
    record.add_argument("--bank", required=True)
    record.add_argument("--account", default="", help="the deposit account's number")
    record.add_argument("--date", type=dt.date.fromisoformat,
                        help="the statement's date (default: today)")
    record.add_argument("--quarter", type=_quarter, help="default: the statement date's")
    record.add_argument("--user", required=True)
    listing = deposit.add_parser("list", help="every deposit recorded")
    listing.add_argument("--issuer")

    setting = actions.add_parser("setting", help="when a store's prepaid balance is flagged")
    setting.add_argument("--revenue-share", type=int, metavar="PCT",
                         help=f"percent of its revenue (default "
                         f"{rules.DEFAULT_REVENUE_SHARE_PCT})")
    setting.add_argument("--revenue-months", type=int, metavar="N",
                         help=f"revenue over the last N months (default {rules.REVENUE_MONTHS})")
    setting.add_argument("--user", help="needed to change a setting")

    report = actions.add_parser("report", help="per issuer: prepaid balance, deposit required "
                                "and recorded, shortfall; stores against their revenue")
    report.add_argument("--quarter", type=_quarter, help="e.g. 2026Q3 (default: the current)")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the report as CSV")
    report.add_argument("--pdf", type=Path, metavar="FILE", help="also write it as A4 PDF")
    report.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="the files' language (default zh)")
    report.add_argument("--json", action="store_true", help="print JSON (always the case)")


def run(hq: HqDatabase, args: argparse.Namespace, now: dt.datetime) -> Any:
    """The command's JSON answer."""
    today = to_local(now).date()
    match args.action, getattr(args, "verb", None):
        case "issuer", ("add" | "set") as verb:
            return iss.save_issuer(hq, args.code, name=args.name, kind=args.kind,
                                   user=args.user, now=now, new=verb == "add")
        case "issuer", "list":
            with hq.transaction() as s:
                return {"issuers": [i.to_json() for i in iss.issuers(s)]}
        case "store", "assign":
            return iss.assign_store(hq, args.store, args.issuer, user=args.user, now=now)
        case "deposit", "record":
            on_day = args.date or today
            return iss.record_deposit(
                hq, args.issuer, args.quarter or Quarter.of(on_day), _amount(args.amount),
                bank=args.bank, account=args.account, on_day=on_day, user=args.user, now=now)
        case "deposit", "list":
            with hq.transaction() as s:
                return {"deposits": [d.to_json() for d in iss.deposit_history(s, args.issuer)]}
        case "setting", _:
            return _setting(hq, args, now)
        case "report", _:
            return _report(hq, args, now, today)
    raise HqRefusal(422, "usage", f"unknown compliance command {args.action}")


def _report(hq: HqDatabase, args: argparse.Namespace, now: dt.datetime,
            today: dt.date) -> dict[str, Any]:
    quarter = args.quarter or Quarter.of(today)
    if quarter.first_day > today:
        raise HqRefusal(422, "quarter_not_begun", f"quarter {quarter} has not begun yet",
                        quarter=quarter.label)
    with hq.transaction() as s:
        found = compliance(s, quarter, today)
    out = found.to_json()
    if args.csv or args.pdf:
        report = compliance_report.build(found, now)
        if args.csv:
            out["csv"] = str(write_csv(report, args.csv, args.lang))
        if args.pdf:
            out["pdf"] = str(write_pdf(report, args.pdf, args.lang))
    return out


def _setting(hq: HqDatabase, args: argparse.Namespace, now: dt.datetime) -> dict[str, Any]:
    changes = {"revenue_share_pct": args.revenue_share, "revenue_months": args.revenue_months}
    for name, value in changes.items():
        if value is not None:
            if not args.user:
                raise HqRefusal(422, "user_missing", "name the head-office user: --user NAME")
            iss.set_setting(hq, name, value, user=args.user, now=now)
    with hq.transaction() as s:
        return {name: iss.setting(s, name) for name in iss.SETTINGS}


def _amount(text: str) -> int:
    try:
        return parse_yuan(text, allow_zero=True, max_fen=iss.MAX_DEPOSIT_FEN)
    except InvalidInput as bad:
        raise HqRefusal(422, bad.code, bad.message) from None


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as bad:
        raise argparse.ArgumentTypeError(str(bad)) from None
