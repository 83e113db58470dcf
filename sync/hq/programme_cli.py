"""``storeapp-hq`` commands for the membership programme (each prints one JSON object):

    storeapp-hq segment list
    storeapp-hq segment show CODE [--limit N] [--full-phones --user NAME]
    storeapp-hq member find QUERY                    (phone, last 4 digits, card or name)
    storeapp-hq campaign create CODE --name N --message TEXT --user NAME
                [--segment S] [--tier T ...] [--store C ...] [--lapsed-days N]
                [--cycle-overdue] [--birthday-month M]
                (--coupon TEMPLATE | --points N | --multiplier TIMES | --no-benefit)
                [--holdout PCT] [--window-days N]
    storeapp-hq campaign list | preview CODE | results CODE
    storeapp-hq campaign launch|stop CODE --user NAME
    storeapp-hq campaign contacts CODE --user NAME [--out FILE.csv]
    storeapp-hq automation list | run
    storeapp-hq automation add RULE CODE --message TEXT --user NAME (--coupon T | --points N)
    storeapp-hq automation enable|disable CODE --user NAME
    storeapp-hq kpi [--store CODE] [--from YYYY-MM-DD --to YYYY-MM-DD] [--live]
    storeapp-hq kpi refresh                          (nightly: the figures the page reads)

Full phones (a segment's list unmasked, a campaign's contact list) name the head-office user,
and each is written to the access log.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storeapp.identity import mask_phone
from sync.hq import campaigns, kpis, programme
from sync.hq import models as m
from sync.hq.campaigns import Audience, Benefit
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal


def add_parsers(sub: Any) -> None:
    """The programme's commands, on ``storeapp-hq``'s sub-parsers."""
    segment = sub.add_parser("segment", help="the chain's member segments (RFM and watchlists)"
                             ).add_subparsers(dest="action", required=True)
    segment.add_parser("list", help="every segment with its size")
    show = segment.add_parser("show", help="a segment's members")
    show.add_argument("code", choices=programme.SEGMENTS)
    show.add_argument("--limit", type=int, default=programme.LIST_LIMIT)
    _full_phones(show)

    campaign = sub.add_parser("campaign", help="campaigns with a holdout").add_subparsers(
        dest="action", required=True)
    create = campaign.add_parser("create", help="a draft campaign")
    create.add_argument("code")
    create.add_argument("--name", required=True)
    _audience(create)
    _offer(create)
    create.add_argument("--holdout", type=int, default=10, help="percent held out (default 10)")
    create.add_argument("--window-days", type=int, default=campaigns.DEFAULT_WINDOW_DAYS)
    campaign.add_parser("list", help="every campaign and automation")
    for action, text in (("preview", "who a launch would choose now"),
                         ("results", "treated against holdout")):
        campaign.add_parser(action, help=text).add_argument("code")
    for action, text in (("launch", "choose the audience and give the benefit"),
                         ("stop", "end the campaign's prompts")):
        cmd = campaign.add_parser(action, help=text)
        cmd.add_argument("code")
        cmd.add_argument("--user", required=True)
    contacts = campaign.add_parser("contacts", help="the treated members' phone, name and "
                                   "message for an SMS or WeChat provider (audited)")
    contacts.add_argument("code")
    contacts.add_argument("--user", required=True)
    contacts.add_argument("--out", type=Path, help="write CSV here instead of JSON")

    auto = sub.add_parser("automation", help="standing campaigns evaluated nightly"
                          ).add_subparsers(dest="action", required=True)
    auto.add_parser("list", help="the automations")
    auto.add_parser("run", help="evaluate every live automation now (nightly)")
    add = auto.add_parser("add", help="a standing campaign for a rule, live from now")
    add.add_argument("rule", choices=campaigns.RULES)
    add.add_argument("code")
    add.add_argument("--name", default="")
    _offer(add)
    add.add_argument("--holdout", type=int, default=10)
    add.add_argument("--window-days", type=int, default=campaigns.DEFAULT_WINDOW_DAYS)
    for action in ("enable", "disable"):
        cmd = auto.add_parser(action)
        cmd.add_argument("code")
        cmd.add_argument("--user", required=True)
    _kpi_parser(sub)
    for name in ("segment", "campaign", "automation", "kpi"):
        _accept_json(sub.choices[name])


def _accept_json(parser: argparse.ArgumentParser) -> None:
    """``--json`` on the command and each of its actions: every answer is JSON already, so it
    changes nothing; it is there so scripts written for the till's CLI (where it matters) work."""
    parser.add_argument("--json", action="store_true", help="print JSON (always the case)")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                child.add_argument("--json", action="store_true",
                                   help="print JSON (always the case)")


def _full_phones(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--full-phones", action="store_true",
                        help="unmasked phones (needs --user; written to the access log)")
    parser.add_argument("--user", help="the head-office user asking")


def _audience(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--segment", choices=programme.SEGMENTS)
    parser.add_argument("--tier", action="append", default=[])
    parser.add_argument("--store", action="append", default=[],
                        help="registered or bought at this store (repeatable)")
    parser.add_argument("--lapsed-days", type=int)
    parser.add_argument("--cycle-overdue", action="store_true")
    parser.add_argument("--birthday-month", type=int)
    parser.add_argument("--plan", metavar="CODE|any|none", help="holds this paid plan now")


def _offer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--message", required=True, help="the counter's one-line prompt")
    parser.add_argument("--user", required=True)
    benefit = parser.add_mutually_exclusive_group(required=True)
    benefit.add_argument("--coupon", metavar="TEMPLATE", help="a chain coupon template")
    benefit.add_argument("--points", type=int)
    benefit.add_argument("--multiplier", metavar="TIMES",
                         help="points earned × TIMES over the window (e.g. 2)")
    benefit.add_argument("--no-benefit", action="store_true", help="a message only")


def _benefit(args: argparse.Namespace) -> Benefit:
    if args.coupon:
        return Benefit("coupon", template=args.coupon)
    if args.points is not None:
        return Benefit("points", points=args.points)
    if args.multiplier:
        return Benefit("multiplier", multiplier=args.multiplier)
    return Benefit("none")


def run(hq: HqDatabase, args: argparse.Namespace, now: dt.datetime) -> Any:
    """The command's JSON answer."""
    match args.command, args.action:
        case "segment", "list":
            with hq.transaction() as s:
                found = programme.insight(s, now)
            return {"at": now.isoformat(), "scored": found.scored,
                    "segments": [dataclasses.asdict(found.sizes[c]) for c in programme.SEGMENTS]}
        case "segment", "show":
            return _segment(hq, args, now)
        case "campaign", "create":
            return campaigns.create(
                hq, code=args.code, name=args.name, benefit=_benefit(args),
                audience=Audience(segment=args.segment, tiers=tuple(args.tier),
                                  stores=tuple(args.store), lapsed_days=args.lapsed_days,
                                  cycle_overdue=args.cycle_overdue,
                                  birthday_month=args.birthday_month, plan=args.plan),
                message=args.message, user=args.user, now=now, holdout_pct=args.holdout,
                window_days=args.window_days)
        case "automation", "add":
            return campaigns.create(
                hq, code=args.code, name=args.name or args.rule, benefit=_benefit(args),
                audience=Audience(), message=args.message, user=args.user, now=now,
                holdout_pct=args.holdout, window_days=args.window_days, rule=args.rule)
        case ("campaign" | "automation"), "list":
            with hq.transaction() as s:
                rows = [_campaign_out(s, c) for c in campaigns.campaigns(s)
                        if (c.kind == "automation") == (args.command == "automation")]
            return {"campaigns" if args.command == "campaign" else "automations": rows}
        case "campaign", "preview":
            chosen = campaigns.preview(hq, args.code, now)
            return {"code": args.code.upper(), "matched": chosen.matched,
                    "audience": chosen.audience, "excluded_consent": chosen.excluded_consent,
                    "excluded_cap": chosen.excluded_cap}
        case "campaign", "launch":
            return campaigns.launch(hq, args.code, user=args.user, now=now)
        case "campaign", "stop":
            return campaigns.stop(hq, args.code, user=args.user, now=now)
        case "campaign", "results":
            with hq.transaction() as s:
                return results_out(campaigns.results(s, args.code, now))
        case "campaign", "contacts":
            return _contacts(hq, args, now)
        case "automation", "run":
            return {"ran": campaigns.run_automations(hq, now)}
        case "automation", ("enable" | "disable") as action:
            return campaigns.set_status(hq, args.code, live=action == "enable", user=args.user,
                                        now=now)
        case "kpi", _:
            return _kpi(hq, args, now)
    return None


def _kpi_parser(sub: Any) -> None:
    kpi = sub.add_parser("kpi", help="the programme's KPIs, per store or chain-wide, from the "
                         "nightly figures (kpi refresh makes them)")
    kpi.add_argument("action", nargs="?", choices=("show", "refresh"), default="show")
    kpi.add_argument("--store", help="one store's code (default: the whole chain)")
    kpi.add_argument("--from", dest="start", type=dt.date.fromisoformat,
                     help="YYYY-MM-DD, Beijing (default: the 12 months to the figures' day)")
    kpi.add_argument("--to", dest="end", type=dt.date.fromisoformat, help="YYYY-MM-DD")
    kpi.add_argument("--live", action="store_true",
                     help="compute from the visits now instead (slow for a large chain)")


def _kpi(hq: HqDatabase, args: argparse.Namespace, now: dt.datetime) -> dict[str, Any]:
    if args.action == "refresh":
        done = kpis.refresh(hq, now)
        return {"through": done.through.isoformat(), "day_rows": done.day_rows,
                "figure_rows": done.figure_rows, "seconds": done.seconds}
    with hq.transaction() as s:
        kpis.known_store(s, args.store)
        found = (kpis.live(s, args.store, args.start, args.end, now) if args.live
                 else kpis.stored(s, args.store, args.start, args.end))
    if found is None:
        raise HqRefusal(409, "kpi_not_refreshed", "no KPI figures yet: run storeapp-hq kpi "
                        "refresh (nightly), or ask with --live")
    return kpis.as_json(found)


def _segment(hq: HqDatabase, args: argparse.Namespace, now: dt.datetime) -> dict[str, Any]:
    if args.full_phones and not args.user:
        raise HqRefusal(422, "user_required", "full phones need --user (it is logged)")
    with hq.transaction() as s:
        found = programme.insight(s, now, [args.code])
        ids = found.members[args.code][:max(0, args.limit)]
        people = programme.rows_of(s, ids)
        if args.full_phones:
            log_access(s, now, args.user, "segment_full_phones", args.code, count=len(ids))
    rows = []
    for member_id in ids:
        p = people[member_id]
        row: dict[str, Any] = {
            "member_id": p.member_id, "card_no": p.card_no, "name": p.name,
            "phone": p.phone if args.full_phones else mask_phone(p.phone), "tier": p.tier,
            "home_store": p.home_store, "balance_fen": p.principal_fen + p.bonus_fen,
            "points": p.points}
        if member_id in found.bought:
            b = found.bought[member_id]
            row |= {"recency_days": b.recency_days, "frequency": b.frequency,
                    "monetary_fen": b.monetary_fen}
        if member_id in found.cycles:
            cycle = found.cycles[member_id]
            row |= {"cycle_days": cycle.days, "next_visit": cycle.next_visit.isoformat()}
        if member_id in found.near:
            row |= {"next_tier": found.near[member_id][0], "to_go_fen": found.near[member_id][2]}
        rows.append(row)
    return {"segment": args.code, "members": found.sizes[args.code].members, "shown": rows}


def _contacts(hq: HqDatabase, args: argparse.Namespace, now: dt.datetime) -> dict[str, Any]:
    with hq.transaction() as s:
        rows = campaigns.contact_list(s, args.code)
        log_access(s, now, args.user, "contacts_export", args.code.upper(), count=len(rows))
    if args.out is None:
        return {"code": args.code.upper(), "contacts": rows}
    with args.out.open("w", newline="", encoding="utf-8-sig") as out:  # Excel reads the BOM
        writer = csv.DictWriter(out, fieldnames=["phone", "name", "text"])
        writer.writeheader()
        writer.writerows(rows)
    return {"code": args.code.upper(), "written": str(args.out), "contacts": len(rows)}


def log_access(s: Any, now: dt.datetime, user: str, action: str, subject: str,
               **detail: Any) -> None:
    """Note who saw or took full phones (the access log is append-only)."""
    s.add(m.AccessLog(at=now, user=user, action=action, subject=subject[:64],
                      detail_json=json.dumps(detail, ensure_ascii=False, sort_keys=True)))


def _campaign_out(s: Any, c: m.Campaign) -> dict[str, Any]:
    groups = dict(s.execute(select(m.CampaignMember.grp, func.count()).where(
        m.CampaignMember.campaign_code == c.code).group_by(m.CampaignMember.grp)).all())
    return {"code": c.code, "name": c.name, "kind": c.kind, "rule": c.rule, "status": c.status,
            "audience": json.loads(c.filters_json), "benefit": json.loads(c.benefit_json),
            "message": c.message, "holdout_pct": c.holdout_pct,
            "launched_at": c.launched_at.isoformat() if c.launched_at else None,
            "treated": int(groups.get("treated", 0)), "holdout": int(groups.get("holdout", 0)),
            "excluded_consent": c.excluded_consent, "excluded_cap": c.excluded_cap}


def results_out(r: campaigns.CampaignResults) -> dict[str, Any]:
    def part(x: Any) -> Any:
        if x is None:
            return None
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            out = {k: part(v) for k, v in dataclasses.asdict(x).items()}
            if hasattr(x, "verdict"):
                out["verdict"] = x.verdict
            return out
        return x

    return {"code": r.code, "from": r.window[0].isoformat(), "to": r.window[1].isoformat(),
            "during": part(r.during), "after": part(r.after), "coupons_used": r.coupons_used,
            "points_given": r.points_given}

