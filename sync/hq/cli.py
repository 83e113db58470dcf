"""``storeapp-hq``: run and administer the head-office server.

    storeapp-hq [--db URL] serve [--host 127.0.0.1] [--port 8600] [--workers N]
    storeapp-hq [--db URL] store add CODE --name NAME | store revoke CODE | store token CODE
    storeapp-hq [--db URL] member show PHONE | member unblock PHONE
    storeapp-hq [--db URL] reconcile [--date YYYY-MM-DD]
    storeapp-hq [--db URL] referrals [--month YYYY-MM]
    storeapp-hq [--db URL] rule set KIND KEY JSON | rule delete KIND KEY
    storeapp-hq [--db URL] user add NAME --password PASSWORD [--role manager|analyst]
    storeapp-hq [--db URL] keys rotate [--index] --user NAME --reason TEXT
    storeapp-hq [--db URL] renumber --user NAME --reason TEXT   (after a restore or failover)
    storeapp-hq [--db URL] bench --stores N --events M
    storeapp-hq [--db URL] programme-bench --members N --visits M --stores S --fresh
    storeapp-hq [--db URL] segment|campaign|automation|kpi …   (sync/hq/programme_cli.py)
    storeapp-hq [--db URL] notice|consent …                    (sync/hq/consent_cli.py)
    storeapp-hq [--db URL] compliance issuer|store|deposit|setting|report …
                                                    (sync/hq/compliance_cli.py)

``--db`` defaults to ``$STOREAPP_HQ_DB`` or a SQLite file ``storeapp-hq.db`` in the current
directory; a chain uses ``postgresql+psycopg://user@host/db``. Every command prints one JSON
object; a refusal prints ``{"error", "message"}`` and exits 1 (2 for bad input).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from sync.hq import compliance_cli, consent_cli, programme_cli, service
from sync.hq.db import DEFAULT_URL, HqDatabase, utcnow
from sync.hq.errors import HqRefusal
from sync.hq.shield import HeaderDeadline
from sync.protocol import UPLOAD_EVENTS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="storeapp-hq", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("STOREAPP_HQ_DB", DEFAULT_URL),
                        help="database URL (default: sqlite:///storeapp-hq.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8600)
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (stateless; use PostgreSQL for more than one)")

    store = sub.add_parser("store", help="stores and their tokens").add_subparsers(
        dest="action", required=True)
    add = store.add_parser("add", help="add a store; prints its token once")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    store.add_parser("revoke", help="revoke a store's token").add_argument("code")
    store.add_parser("token", help="issue a new token (the old one stops)").add_argument("code")
    store.add_parser("list", help="every store with its last sync")

    member = sub.add_parser("member", help="chain-wide members").add_subparsers(
        dest="action", required=True)
    member.add_parser("show", help="one member by phone").add_argument("phone")
    member.add_parser("unblock", help="lift a stored-value block").add_argument("phone")

    rec = sub.add_parser("reconcile", help="exceptions for a person to follow up")
    rec.add_argument("--date", type=dt.date.fromisoformat, help="YYYY-MM-DD (local day)")

    refs = sub.add_parser("referrals", help="referrals (推广) per referrer: referees, rewarded, "
                          "refused, points given")
    refs.add_argument("--month", type=_month, help="YYYY-MM (Beijing time; default: all)")

    event = sub.add_parser("event", help="events head office held: list, accept, reject"
                           ).add_subparsers(dest="action", required=True)
    event.add_parser("held", help="open and waiting held events").add_argument(
        "--all", action="store_true", help="decided ones too")
    for decision in ("accept", "reject"):
        decide = event.add_parser(decision, help=f"{decision} an implausible event (audited)")
        decide.add_argument("held_id", type=int)
        _who_and_why(decide)

    till = sub.add_parser("till", help="a till head office flagged").add_subparsers(
        dest="action", required=True)
    clear = till.add_parser("clear", help="let a tampered or mismatched till spend offline "
                            "again (audited; a tampered till's audit chain is anchored anew)")
    clear.add_argument("code")
    clear.add_argument("till_no", type=int)
    _who_and_why(clear)

    renumber = sub.add_parser("renumber", help="after restoring head office's database or "
                              "promoting a standby: number changes past anything numbered "
                              "before (every till downloads its members again; audited)")
    _who_and_why(renumber)

    rule = sub.add_parser("rule", help="chain rules every till takes on sync").add_subparsers(
        dest="action", required=True)
    rule_set = rule.add_parser("set", help="set a rule: KIND is setting|product|"
                               "coupon_template|plan, VALUE is JSON")
    rule_set.add_argument("kind")
    rule_set.add_argument("key")
    rule_set.add_argument("value")
    rule_del = rule.add_parser("delete", help="withdraw a rule")
    rule_del.add_argument("kind")
    rule_del.add_argument("key")

    user = sub.add_parser("user", help="people who may read the head-office pages")
    user_add = user.add_subparsers(dest="action", required=True).add_parser("add")
    user_add.add_argument("name")
    user_add.add_argument("--password", required=True)
    user_add.add_argument("--role", choices=("manager", "analyst"), default="manager",
                          help="manager: full phones (audited) and campaigns; analyst: reads")

    keys = sub.add_parser("keys", help="head office's keys for members' data").add_subparsers(
        dest="action", required=True)
    rotate = keys.add_parser("rotate", help="a new master key (every member's key rewrapped), "
                             "or with --index a new index key (lookups recomputed)")
    rotate.add_argument("--index", action="store_true")
    _who_and_why(rotate)
    programme_cli.add_parsers(sub)
    consent_cli.add_parsers(sub)
    compliance_cli.add_parsers(sub)

    bench = sub.add_parser("bench", help="end-to-end ingest throughput over HTTP")
    bench.add_argument("--stores", type=int, default=10)
    bench.add_argument("--events", type=int, default=1000, help="events per store")
    bench.add_argument("--batch", type=int, default=UPLOAD_EVENTS,
                       help="events a request at most, as a till sends them")
    bench.add_argument("--workers", type=int, default=2)
    bench.add_argument("--clients", type=int, default=8, help="stores uploading at once")
    bench.add_argument("--fresh", action="store_true",
                       help="start empty (PostgreSQL: scratch database storeapp_bench; "
                       "SQLite: deletes the file)")
    bench.add_argument("--in-process", action="store_true",
                       help="no HTTP server: authenticate and ingest in this process")
    bench.add_argument("--profile", metavar="FILE",
                       help="cProfile an in-process, single-client run into FILE")

    prog = sub.add_parser("programme-bench", help="the programme's queries at chain scale: "
                          "chain RFM, a campaign launch, the KPI page")
    prog.add_argument("--members", type=int, default=100_000)
    prog.add_argument("--visits", type=int, default=1_000_000)
    prog.add_argument("--stores", type=int, default=100)
    prog.add_argument("--seed", type=int, default=1)
    prog.add_argument("--fresh", action="store_true",
                      help="start empty (PostgreSQL: scratch database storeapp_bench; "
                      "SQLite: deletes the file)")
    return parser


def _month(text: str) -> tuple[int, int]:
    try:
        day = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"month must look like 2026-03, not {text!r}") from None
    return day.year, day.month


def _who_and_why(parser: argparse.ArgumentParser) -> None:
    """A head-office decision names its user and reason (both kept with it)."""
    parser.add_argument("--user", required=True, help="the head-office user deciding")
    parser.add_argument("--reason", required=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = run(args)
    except HqRefusal as refusal:
        print(json.dumps(refusal.body(), ensure_ascii=False))
        return 2 if refusal.status == 422 else 1
    if result is not None:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


def run(args: argparse.Namespace) -> Any:
    if args.command == "serve":
        return serve(args.db, args.host, args.port, args.workers)
    if args.command in ("bench", "programme-bench"):
        from storeapp import tooling
        from storeapp.errors import DomainError

        command = f"storeapp-hq {args.command}"
        try:
            bench = tooling.load("hq_bench" if args.command == "bench" else "programme_bench",
                                 command)
        except DomainError as missing:  # an installed head office without the checkout
            raise HqRefusal(501, missing.code, missing.message, command=command) from None
        return bench.run(args)
    hq = HqDatabase(args.db)
    try:
        return _admin(hq, args)
    finally:
        hq.close()


def _admin(hq: HqDatabase, args: argparse.Namespace) -> Any:
    now = utcnow()
    match args.command, getattr(args, "action", None):
        case "store", "add":
            return service.add_store(hq, args.code, args.name, now)
        case "store", "revoke":
            return service.revoke_store(hq, args.code, now)
        case "store", "token":
            return service.rotate_token(hq, args.code, now)
        case "store", "list":
            return {"stores": service.list_stores(hq)}
        case "member", "show":
            return service.member_show(hq, args.phone)
        case "member", "unblock":
            return service.unblock(hq, args.phone, now)
        case "reconcile", _:
            from sync.hq.reconcile import reconcile

            with hq.transaction() as s:
                return reconcile(s, args.date)
        case "referrals", _:
            from sync.hq.apply_referrals import report

            with hq.transaction() as s:
                return report(s, args.month)
        case "event", "held":
            from sync.hq import review

            return {"held": review.held(hq, everything=args.all)}
        case "event", ("accept" | "reject") as decision:
            from sync.hq import review

            return review.resolve(hq, args.held_id, decision, user=args.user,
                                  reason=args.reason, now=now)
        case "till", "clear":
            from sync.hq import anchors

            return anchors.clear(hq, args.code, args.till_no, user=args.user,
                                 reason=args.reason, now=now)
        case "renumber", _:
            return service.renumber(hq, user=args.user, reason=args.reason, now=now)
        case "rule", "set":
            try:
                value = json.loads(args.value)
            except ValueError:
                raise HqRefusal(422, "bad_json", "VALUE must be JSON, e.g. 1500 or "
                                '\'{"name": "…", "price_fen": 1500}\'') from None
            return service.set_rule(hq, args.kind, args.key, value)
        case "rule", "delete":
            return service.set_rule(hq, args.kind, args.key, None)
        case ("segment" | "campaign" | "automation" | "kpi"), _:
            return programme_cli.run(hq, args, now)
        case ("notice" | "consent"), _:
            return consent_cli.run(hq, args, now)
        case "compliance", _:
            return compliance_cli.run(hq, args, now)
        case "keys", "rotate":
            from sync.hq import key_rotation

            return key_rotation.rotate(hq, "index" if args.index else "master", user=args.user,
                                       reason=args.reason, now=now)
        case "user", "add":
            from sync.hq import accounts

            accounts.add_user(hq, args.name, args.password, role=args.role)
            return {"user": args.name, "role": args.role}
    raise HqRefusal(422, "usage", f"unknown command {args.command}")


def serve(url: str, host: str, port: int, workers: int) -> None:
    """Run uvicorn; with several workers each process builds the app from the environment."""
    import uvicorn

    HqDatabase(url).close()  # migrate once before the workers start
    os.environ["STOREAPP_HQ_DB"] = url
    print(json.dumps({"serving": f"http://{host}:{port}", "db": _safe(url),
                      "workers": workers}), flush=True)
    uvicorn.run("sync.hq.cli:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning", **SERVER_LIMITS)


#: The server's own limits against clients that would wear it down (sync.hq.shield): headers
#: within 10 s of a connection, at most 16 KiB of them, idle keep-alive 5 s, at most 512
#: connections at once per worker (past that, 503); on uvloop's event loop (libuv, in C).
SERVER_LIMITS: dict[str, Any] = {"http": HeaderDeadline, "loop": "uvloop",
                                 "timeout_keep_alive": 5, "limit_concurrency": 512}


def app_from_env() -> Any:
    """The app of one server worker (:func:`serve`)."""
    from sync.hq.api import create_app
    from sync.hq.runtime import settle_gc

    app = create_app(os.environ.get("STOREAPP_HQ_DB", DEFAULT_URL))
    settle_gc()
    return app


def _safe(url: str) -> str:
    """The URL without a password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}@{host}"
    return url


if __name__ == "__main__":
    sys.exit(main())
