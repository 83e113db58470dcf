"""The CLI's commands: argument declarations and handlers, each calling one service operation."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from storeapp import cli_access, profile_rules
from storeapp.db import Database
from storeapp.errors import InvalidInput
from storeapp.money import parse_yuan
from storeapp.services import (
    catalog,
    coupons,
    members,
    plans,
    points,
    privacy,
    sales,
    tiers,
    users,
    wallet,
)
from storeapp.services.sales import LineIn, TenderIn
from storeapp.till import Till, open_till

Sub = Any  # argparse's private _SubParsersAction


def register(sub: Sub) -> None:
    _member_commands(sub.add_parser("member", help="register, find and look after members"))
    _wallet_commands(sub.add_parser("wallet", help="stored value: top up, void, history"))
    _sale_command(sub)
    p = sub.add_parser("refund", help="refund a sale by receipt number (manager approval)")
    p.add_argument("receipt_no")
    approval_args(p, default_reason="refund at the customer's request")
    p.add_argument("--key")
    p.set_defaults(handler=_refund)
    _points_commands(sub.add_parser("points", help="points history, expiry, adjustments"))
    p = sub.add_parser("tiers", help="tier review (downgrades happen only here)")
    p.add_argument("action", choices=["review"])
    p.set_defaults(handler=lambda a: tiers.review(db_of(a), actor=a.actor))
    _coupon_commands(sub.add_parser("coupon", help="coupon templates and issuing"))
    _plan_commands(sub.add_parser("plan", help="paid membership plans"))
    from storeapp import card_commands

    card_commands.register(sub)
    from storeapp import company_commands

    company_commands.register(sub)
    from storeapp import consent_commands

    consent_commands.register(sub)
    from storeapp import key_commands

    key_commands.register(sub)
    _catalog_commands(sub.add_parser("catalog", help="products and prices"))
    _user_commands(sub.add_parser("user", help="staff users"))
    p = sub.add_parser("audit", help="verify the hash-chained audit log")
    p.add_argument("action", choices=["verify"])
    p.set_defaults(handler=_audit_verify)
    p = sub.add_parser("settings", help="show or change settings")
    p.add_argument("name", nargs="?")
    p.add_argument("value", nargs="?")
    p.set_defaults(handler=_settings)
    p = sub.add_parser("backup", help="online backup of the database, keeping the newest N")
    p.add_argument("--dir", type=Path, help="default: backups/ beside the database")
    p.add_argument("--keep", type=int, default=14)
    p.set_defaults(handler=_backup)
    from storeapp.reports import cli as report_cli

    report_cli.register(sub, db_of)
    p = sub.add_parser("init", help="make a new till database (a missing or empty file is "
                                    "never made one otherwise)")
    p.add_argument("--store-code", default="0001", help="4 digits (head office's, when joining)")
    p.add_argument("--store-name", default=None)
    p.add_argument("--till", type=int, default=1, help="this till's number in its store")
    p.add_argument("--admin-name", default="管理员", help="the administrator's name (their code "
                   "is --as, default admin; their PIN: STOREAPP_NEW_PIN or STOREAPP_PIN, or "
                   "typed twice)")
    p.set_defaults(handler=_init, creates=True)
    p = sub.add_parser("demo", help="fill the database with realistic demo data (a new one "
                                    "when the file does not exist yet)")
    p.add_argument("--members", type=int, default=200)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--ledger-rows", type=int, metavar="N",
                   help="bulk-load a chain-scale history of about N wallet + points entries "
                        "into a new database (for benchmarks; no outbox events)")
    p.set_defaults(handler=_demo, creates=True)
    p = sub.add_parser("bench", help="measure lookups and checkout against bare sqlite3")
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("--samples", type=int, default=2000)
    p.add_argument("--checkouts", type=int, default=2000)
    p.add_argument("--workdir", type=Path, help="where to build the bench database")
    p.add_argument("--reports", action="store_true",
                   help="time the manager reports instead, on a database `demo --ledger-rows` "
                        "builds (1M members and 10M ledger rows by default)")
    p.add_argument("--ledger-rows", type=int, default=10_000_000,
                   help="with --reports: wallet + points entries to build")
    p.add_argument("--runs", type=int, default=3, help="with --reports: runs of each report")
    p.set_defaults(handler=_bench)


# -- members ------------------------------------------------------------------------------------

def _member_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="member commands", metavar="ACTION", required=True)
    a = sub.add_parser("add", help="register a member")
    a.add_argument("--phone", required=True)
    a.add_argument("--name", required=True)
    a.add_argument("--birthday")
    a.add_argument("--gender", choices=profile_rules.GENDERS)
    a.add_argument("--consent", action="store_true", help="marketing consent")
    a.add_argument("--referrer", metavar="REF",
                   help="who referred them (推广): referral code (card number), phone or QR")
    a.add_argument("--key")
    a.set_defaults(handler=lambda a: members.register(
        db_of(a), phone=a.phone, name=a.name, birthday=a.birthday, gender=a.gender,
        marketing_consent=a.consent, actor=a.actor, key=a.key,
        referrer=a.referrer).to_dict())
    f = sub.add_parser("find", help="find by phone, last 4 digits, name, card number or QR")
    f.add_argument("query")
    f.set_defaults(handler=lambda a: {"members": [m.to_dict() for m in members.find(db_of(a),
                                                                                   a.query)]})
    s = sub.add_parser("show", help="one member by id, card number, phone or QR")
    s.add_argument("member")
    s.set_defaults(handler=_member_show)
    u = sub.add_parser("update", help="change profile fields")
    u.add_argument("member")
    u.add_argument("--name")
    u.add_argument("--phone")
    u.add_argument("--birthday")
    u.add_argument("--gender", choices=profile_rules.GENDERS)
    u.add_argument("--key")
    u.set_defaults(handler=lambda a: members.update_profile(
        db_of(a), a.member, actor=a.actor, key=a.key, name=a.name, phone=a.phone,
        birthday=a.birthday, gender=a.gender).to_dict())
    for name, helptext in (("lost", "report the card lost (挂失)"),
                           ("freeze", "freeze the member's stored value and points")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("member")
        c.add_argument("--reason", default="")
        c.add_argument("--key")
        c.set_defaults(handler=_member_lost if name == "lost" else _member_freeze)
    for name, helptext in (("replace", "replace the card (补卡), same balance"),
                           ("unfreeze", "unfreeze (manager approval)"),
                           ("close", "close and refund principal (退卡, manager approval)"),
                           ("erase", "erase the member's personal data everywhere, at their "
                                     "request (closes and refunds first; manager approval)"),
                           ("pin", "set or reset the payment PIN"),
                           ("unlock-pin", "let a member whose PIN locked try again (manager "
                                          "approval)")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("member")
        approval_args(c, default_reason=helptext, required=name not in ("pin",))
        if name in ("close", "erase"):
            c.add_argument("--method", default="cash", choices=wallet.REFUND_METHODS,
                           help="how the principal is paid back (the member's choice)")
        if name == "pin":
            c.add_argument("--new-pin", required=True)
        c.add_argument("--key")
        c.set_defaults(handler=_CARD_HANDLERS[name])


def _member_show(a: argparse.Namespace) -> dict[str, Any]:
    from storeapp.services import summary

    return summary.summary(db_of(a), a.member).to_dict()


def _member_lost(a: argparse.Namespace) -> Any:
    return members.report_lost(db_of(a), a.member, actor=a.actor, key=a.key).to_dict()


def _member_freeze(a: argparse.Namespace) -> Any:
    return members.freeze(db_of(a), a.member, actor=a.actor, reason=a.reason, key=a.key).to_dict()


_CARD_HANDLERS = {
    "replace": lambda a: members.replace_card(db_of(a), a.member, actor=a.actor,
                                              grant=grant_of(a), key=a.key).to_dict(),
    "unfreeze": lambda a: members.unfreeze(db_of(a), a.member, actor=a.actor, grant=grant_of(a),
                                           key=a.key).to_dict(),
    "close": lambda a: wallet.close_account(db_of(a), a.member, actor=a.actor, grant=grant_of(a),
                                            method=a.method, key=a.key),
    "erase": lambda a: privacy.erase(db_of(a), a.member, actor=a.actor, grant=grant_of(a),
                                     refund_method=a.method, key=a.key),
    "pin": lambda a: members.set_pin(db_of(a), a.member, a.new_pin, actor=a.actor,
                                     grant=grant_of(a), key=a.key).to_dict(),
    "unlock-pin": lambda a: members.unlock_pin(db_of(a), a.member, actor=a.actor,
                                               grant=grant_of(a), key=a.key).to_dict(),
}


# -- wallet -------------------------------------------------------------------------------------

def _wallet_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="wallet commands", metavar="ACTION", required=True)
    t = sub.add_parser("topup", help="top up stored value (bonus by rule)")
    t.add_argument("member")
    t.add_argument("amount", help="yuan, e.g. 500 or 12.50")
    t.add_argument("--method", default="cash", choices=wallet.TOPUP_PAY_METHODS,
                   help="transfer: the only way for a company's ¥5,000 or a person's ¥50,000 "
                   "at once (prepaid-card rules)")
    t.add_argument("--company", action="store_true", help="a company pays")
    t.add_argument("--payer-account", help="the bank account a transfer came from")
    t.add_argument("--agreement-version", help="the prepaid agreement version the member was "
                   "shown (refused when it is no longer the one in force)")
    t.add_argument("--key")
    t.set_defaults(handler=_topup)
    v = sub.add_parser("void", help="void a same-day top-up by its key (manager approval)")
    v.add_argument("topup_key")
    approval_args(v, default_reason="top-up void")
    v.add_argument("--key")
    v.set_defaults(handler=lambda a: wallet.void_topup(db_of(a), a.topup_key, actor=a.actor,
                                                       grant=grant_of(a), key=a.key))
    h = sub.add_parser("history", help="stored-value movements with running balance")
    h.add_argument("member")
    h.set_defaults(handler=lambda a: {"entries": wallet.history(db_of(a), a.member)})
    j = sub.add_parser("adjust", help="manual correction (manager approval)")
    j.add_argument("member")
    j.add_argument("--principal", default="0", help="signed yuan")
    j.add_argument("--bonus", default="0", help="signed yuan")
    approval_args(j, default_reason="")
    j.add_argument("--key")
    j.set_defaults(handler=_wallet_adjust)


def _topup(a: argparse.Namespace) -> Any:
    db = db_of(a)
    result = wallet.topup(db, a.member, parse_yuan(a.amount), method=a.method, actor=a.actor,
                          company=a.company, payer_account=a.payer_account,
                          agreement_version=a.agreement_version, key=a.key)
    return {**result, "member": members.get(db, result.member_id).to_dict()}


def _wallet_adjust(a: argparse.Namespace) -> Any:
    return wallet.adjust(db_of(a), a.member, principal_fen=_signed_yuan(a.principal),
                         bonus_fen=_signed_yuan(a.bonus), actor=a.actor, grant=grant_of(a),
                         key=a.key)


# -- sale and refund ----------------------------------------------------------------------------

def _sale_command(sub: Sub) -> None:
    p = sub.add_parser("sale", help="sell: open amount and/or barcodes, any mix of tenders")
    p.add_argument("member", nargs="?", help="member id, card number, phone or QR (optional)")
    p.add_argument("--amount", help="open amount in yuan")
    p.add_argument("--item", action="append", default=[], metavar="BARCODE[xQTY]",
                   help="catalog item by barcode, repeatable (e.g. 6901234567892x2)")
    p.add_argument("--pay", action="append", required=True, metavar="METHOD[:AMOUNT]",
                   help="wallet|cash|card|wechat|alipay; repeat to mix; one without amount "
                        "takes the rest; for cash the amount is what was handed over")
    p.add_argument("--pin", help="member's payment PIN")
    p.add_argument("--coupon")
    p.add_argument("--redeem-points", type=int, default=0)
    p.add_argument("--key")
    p.set_defaults(handler=_sale)


def _sale(a: argparse.Namespace) -> Any:
    lines = [_item(text) for text in a.item]
    if a.amount is not None:
        lines.append(LineIn(unit_price_fen=parse_yuan(a.amount), name="商品 Item"))
    if not lines:
        raise InvalidInput("empty_cart", "Give --amount or at least one --item",
                           variant="command")
    tenders = []
    for text in a.pay:
        method, _, amount_text = text.partition(":")
        tenders.append(TenderIn(method, parse_yuan(amount_text) if amount_text else None))
    return sales.checkout(db_of(a), member_ref=a.member, lines=lines, tenders=tenders,
                          actor=a.actor, coupon_code=a.coupon, redeem_points=a.redeem_points,
                          pin=a.pin, key=a.key)


def _item(text: str) -> LineIn:
    barcode, _, qty = text.partition("x")
    if qty and not qty.isdigit():
        raise InvalidInput("bad_qty", f"'{text}': quantity after x must be a whole number",
                           variant="command", text=text)
    return LineIn(barcode=barcode, qty=int(qty or 1))


def _refund(a: argparse.Namespace) -> Any:
    return sales.refund(db_of(a), a.receipt_no, actor=a.actor, grant=grant_of(a), key=a.key)


# -- points, coupons, plans, catalog, users -----------------------------------------------------

def _points_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="points commands", metavar="ACTION", required=True)
    h = sub.add_parser("history")
    h.add_argument("member")
    h.set_defaults(handler=lambda a: {"entries": points.history(db_of(a), a.member)})
    e = sub.add_parser("expire", help="post expiry of lots past their date")
    e.set_defaults(handler=lambda a: points.expire_due(db_of(a), actor=a.actor))
    j = sub.add_parser("adjust", help="manual correction (manager approval)")
    j.add_argument("member")
    j.add_argument("points", type=int)
    approval_args(j, default_reason="")
    j.set_defaults(handler=lambda a: points.adjust(db_of(a), a.member, a.points, actor=a.actor,
                                                   grant=grant_of(a)))


def _coupon_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="coupon commands", metavar="ACTION", required=True)
    t = sub.add_parser("template", help="add a coupon template")
    t.add_argument("code")
    t.add_argument("--name", required=True)
    t.add_argument("--kind", choices=coupons.KINDS, required=True)
    t.add_argument("--value", required=True, help="yuan off, percent off, or gift value")
    t.add_argument("--min-spend", default="0")
    t.add_argument("--days", type=int, default=30)
    t.set_defaults(handler=_coupon_template)
    i = sub.add_parser("issue", help="issue a coupon by hand")
    i.add_argument("template")
    i.add_argument("member", nargs="?")
    i.set_defaults(handler=lambda a: coupons.issue(db_of(a), a.template, a.member, actor=a.actor))
    b = sub.add_parser("birthday", help="issue this month's birthday coupons")
    b.set_defaults(handler=lambda a: coupons.issue_birthday(db_of(a), actor=a.actor))


def _coupon_template(a: argparse.Namespace) -> Any:
    value = int(a.value) if a.kind == "percent_off" else parse_yuan(a.value)
    coupons.add_template(db_of(a), code=a.code, name=a.name, kind=a.kind, value=value,
                         min_spend_fen=parse_yuan(a.min_spend, allow_zero=True),
                         valid_days=a.days, actor=a.actor)
    return {"template": a.code}


def _plan_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="plan commands", metavar="ACTION", required=True)
    d = sub.add_parser("add", help="declare a paid membership plan")
    d.add_argument("code")
    d.add_argument("--name", required=True)
    d.add_argument("--fee", required=True)
    d.add_argument("--days", type=int, default=365)
    d.add_argument("--extra-discount", default="0", help="percent")
    d.add_argument("--points-multiplier", default="1")
    d.add_argument("--monthly-coupon")
    d.add_argument("--monthly-count", type=int, default=0)
    d.set_defaults(handler=_plan_add)
    b = sub.add_parser("buy", help="buy or renew a plan for a member")
    b.add_argument("member")
    b.add_argument("plan")
    b.add_argument("--method", default="cash", choices=plans.METHODS)
    b.add_argument("--pin")
    b.add_argument("--key")
    b.set_defaults(handler=lambda a: plans.buy(db_of(a), a.member, a.plan, method=a.method,
                                               actor=a.actor, pin=a.pin, key=a.key))


def _plan_add(a: argparse.Namespace) -> Any:
    plans.add_plan(db_of(a), code=a.code, name=a.name, fee_fen=parse_yuan(a.fee),
                   duration_days=a.days, extra_discount_pct=a.extra_discount,
                   points_multiplier=a.points_multiplier,
                   monthly_coupon_template=a.monthly_coupon,
                   monthly_coupon_count=a.monthly_count, actor=a.actor)
    return {"plan": a.code}


def _catalog_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="catalog commands", metavar="ACTION", required=True)
    i = sub.add_parser("import", help="import barcode,name,price rows from a CSV file")
    i.add_argument("csv", type=Path)
    i.set_defaults(handler=lambda a: {"imported": catalog.import_csv(
        db_of(a), a.csv.read_text(encoding="utf-8"), actor=a.actor)})
    d = sub.add_parser("add", help="add or change one product")
    d.add_argument("barcode")
    d.add_argument("--name", required=True)
    d.add_argument("--price", required=True)
    d.set_defaults(handler=lambda a: catalog.upsert(
        db_of(a), barcode=a.barcode, name=a.name, price_fen=parse_yuan(a.price, allow_zero=True),
        actor=a.actor))
    ls = sub.add_parser("list")
    ls.set_defaults(handler=lambda a: {"products": catalog.all_products(db_of(a))})


def _user_commands(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(title="user commands", metavar="ACTION", required=True)
    d = sub.add_parser("add")
    d.add_argument("code")
    d.add_argument("--name", required=True)
    d.add_argument("--role", choices=users.ROLES, default="cashier")
    d.set_defaults(handler=lambda a: users.add_user(
        db_of(a), code=a.code, name=a.name, role=a.role, actor=a.actor,
        pin=cli_access.new_pin(a.code, cli_access.NEW_PIN_ENV)))
    u = sub.add_parser("unlock", help="let a user locked by wrong PINs log in again (manager)")
    u.add_argument("code")
    u.add_argument("--reason", default="unlocked at the till")
    u.set_defaults(handler=_user_unlock)
    c = sub.add_parser("pin", help="change your own PIN (--as CODE; the old PIN in "
                       "STOREAPP_PIN, the new one in STOREAPP_NEW_PIN, or both typed)")
    c.set_defaults(handler=_user_pin)
    k = sub.add_parser("link-member", help="link a staff user to the member account they buy "
                       "as (staff price, 内部会员); needs another manager's approval")
    k.add_argument("code")
    k.add_argument("member", help="member id, card number, phone or QR")
    k.add_argument("--key")
    approval_args(k, default_reason="staff member")
    k.set_defaults(handler=lambda a: users.link_member(
        db_of(a), a.code, a.member, actor=a.actor, grant=grant_of(a), key=a.key))


def _user_unlock(a: argparse.Namespace) -> Any:
    users.unlock_user(db_of(a), a.code, users.Grant(a.actor, a.reason), actor=a.actor)
    return {"unlocked": a.code}


def _user_pin(a: argparse.Namespace) -> Any:
    from storeapp.errors import AuthError

    if not a.actor:
        raise AuthError("login_required", "Whose PIN? --as CODE (or STOREAPP_USER)",
                        command="user pin")
    old = cli_access.secret(cli_access.PIN_ENV, f"Current PIN for {a.actor}: ")
    if old is None:
        raise AuthError("login_required", f"'user pin' needs {a.actor}'s current PIN: in "
                        f"{cli_access.PIN_ENV} or typed when asked", variant="pin",
                        command="user pin", user=a.actor)
    users.change_pin(db_of(a), a.actor, old, cli_access.new_pin(a.actor, cli_access.NEW_PIN_ENV))
    return {"pin_changed": a.actor}


# -- audit, settings, demo, bench ---------------------------------------------------------------

def _audit_verify(a: argparse.Namespace) -> Any:
    """The audit chain, then every member's cached balance against its ledger and the kept
    ledger totals against the rows (an edit made with the triggers dropped shows here)."""
    from storeapp import audit, integrity

    with db_of(a).reader() as s:
        report = audit.verify(s)
        money = integrity.ledger_problems(s)
    return {"ok": report.ok and not money, "rows": report.rows,
            "first_bad_seq": report.first_bad_seq, "problem": report.problem,
            "ledger_problems": money[:100], "ledger_problem_count": len(money)}


def _settings(a: argparse.Namespace) -> Any:
    from storeapp.settings import refusal, shown, validate

    db = db_of(a)
    if a.name is None:
        return {k: shown(k, v) for k, v in db.settings.as_dict().items()
                if k not in ("qr_secret", "qr_secrets_previous")}
    if a.value is None:
        return {a.name: shown(a.name, db.settings.get(a.name))}
    from storeapp.services import till_settings

    try:
        value = validate(a.name, a.value)
    except (KeyError, TypeError, ValueError) as exc:
        raise refusal(a.name, exc) from None
    till_settings.change(db, {a.name: value}, actor=a.actor)
    return {a.name: shown(a.name, db.settings.get(a.name))}


def _backup(a: argparse.Namespace) -> Any:
    from storeapp import backup

    if a.keep < 1:
        raise InvalidInput("bad_keep", "--keep must be at least 1", min_keep=1)
    return backup.backup(db_of(a), a.dir, keep=a.keep)


def _demo(a: argparse.Namespace) -> Any:
    if a.ledger_rows is None:
        from storeapp import demo

        return demo.populate(db_of(a), members=a.members, seed=a.seed)
    import sys

    from storeapp import tooling

    demo_bulk = tooling.load("demo_bulk", "storeapp demo --ledger-rows")

    def progress(text: str) -> None:  # stdout carries the one result (JSON with --json)
        print(text, file=sys.stderr, flush=True)

    return demo_bulk.populate_bulk(db_of(a), members=a.members, ledger_rows=a.ledger_rows,
                                   seed=a.seed, progress=None if a.json else progress)


def _bench(a: argparse.Namespace) -> Any:
    from storeapp import tooling

    if a.reports:
        import tempfile

        bench_reports = tooling.load("bench_reports", "storeapp bench --reports")
        workdir = a.workdir or Path(tempfile.mkdtemp(prefix="storeapp-bench-"))
        return bench_reports.run(members=a.members, ledger_rows=a.ledger_rows, workdir=workdir,
                                 runs=a.runs, as_json=a.json)
    bench = tooling.load("bench", "storeapp bench")
    return bench.run(members=a.members, samples=a.samples, checkouts=a.checkouts,
                     workdir=a.workdir, as_json=a.json)


# -- shared argument helpers --------------------------------------------------------------------

def approval_args(p: argparse.ArgumentParser, *, default_reason: str,
                   required: bool = True) -> None:
    p.add_argument("--approver", required=required, help="manager's user code (their PIN: "
                   "STOREAPP_APPROVER_PIN, or typed when asked)")
    p.add_argument("--approver-pin", help=argparse.SUPPRESS)  # shows in ps: the env is better
    p.add_argument("--reason", default=default_reason)


def grant_of(a: argparse.Namespace) -> users.Grant | None:
    if not a.approver:
        return None
    pin = a.approver_pin or cli_access.secret(cli_access.APPROVER_PIN_ENV,
                                              f"PIN for {a.approver} (approving): ")
    if pin is None:
        from storeapp.errors import AuthError

        raise AuthError("login_required", f"The approval needs {a.approver}'s PIN: in "
                        f"{cli_access.APPROVER_PIN_ENV} or typed when asked", variant="approver",
                        user=a.approver)
    return users.approve(db_of(a), a.approver, pin, a.reason)


def _signed_yuan(text: str) -> int:
    text = text.strip()
    if text.startswith("-"):
        return -parse_yuan(text[1:], allow_zero=True)
    return parse_yuan(text, allow_zero=True)


#: The command run's own attribute for the till it opened (no option is named so).
OPENED = "_opened_till"


def db_of(a: argparse.Namespace) -> Database:
    """The database of the till this command run opened (:func:`storeapp.till.open_till`, once:
    a handler may ask more than once; :func:`close_till` closes it when the command is done).
    Only ``init`` and ``demo`` make a new till of a missing or empty file; every other command
    refuses it."""
    till: Till | None = getattr(a, OPENED, None)
    if till is None:
        till = open_till(a.db, create=bool(getattr(a, "creates", False)))
        setattr(a, OPENED, till)
    return till.db


def close_till(a: argparse.Namespace) -> None:
    """Close the till the command run opened, if it opened one."""
    till: Till | None = getattr(a, OPENED, None)
    if till is not None:
        setattr(a, OPENED, None)
        till.close()


def _init(a: argparse.Namespace) -> Any:
    from storeapp import storage
    from storeapp.db import default_db_path
    from storeapp.errors import Refused
    from storeapp.settings import refusal, validate

    path = Path(a.db) if a.db else default_db_path()
    if not storage.is_blank(path):
        raise Refused("db_exists", f"There is already a till database at {path}: nothing was "
                      "changed", path=str(path))
    given = {"store_code": a.store_code, "till_no": a.till, "store_name": a.store_name}
    values: dict[str, Any] = {}
    for name, raw in given.items():
        if name == "store_name" and not raw:
            continue
        try:
            values[name] = validate(name, raw)
        except (TypeError, ValueError) as exc:
            raise refusal(name, exc) from None
    if not (len(a.store_code) == 4 and a.store_code.isascii() and a.store_code.isdigit()):
        raise InvalidInput("bad_store_code", "A store code has 4 digits, e.g. 0002")
    if not 1 <= a.till <= 99:
        raise InvalidInput("bad_till", "A till number is 1 to 99")
    admin = getattr(a, "user_code", "") or "admin"
    # the administrator's PIN before the file exists: a refused PIN makes no till
    pin = cli_access.new_pin(admin, cli_access.NEW_PIN_ENV, cli_access.PIN_ENV)
    users.check_new_user(code=admin, name=a.admin_name, role="admin", pin=pin)
    db = db_of(a)
    with db.session() as s, s.begin():
        for name, value in values.items():
            db.set_setting(s, name, value)
    users.add_user(db, code=admin, name=a.admin_name, role="admin", pin=pin, actor=admin)
    return {"db": str(path), **values, "admin": admin}
