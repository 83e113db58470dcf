"""Coupons (优惠券): templates, issue by rule or by hand, check at checkout, use once."""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.clock import local_day_bounds, to_local
from storeapp.db import Database
from storeapp.errors import InvalidInput, NotFound, Refused
from storeapp.ids import MemberId, new_action_key
from storeapp.models import Coupon, CouponTemplate, Member
from storeapp.pricing import CouponTerms
from storeapp.results import ActionResult, Done, Record
from storeapp.services import members

KINDS = ("amount_off", "percent_off", "gift")
#: A coupon head office issued (a campaign's benefit): usable once at any store of the chain.
CAMPAIGN = "campaign"
CODE_SHAPE = re.compile(r"CP-[A-Z2-7]{8}")


@dataclass(frozen=True, eq=False)
class CouponIssued(ActionResult):
    code: str
    member_id: MemberId | None


@dataclass(frozen=True, eq=False)
class BirthdayRun(ActionResult):
    issued: int


@dataclass(frozen=True, eq=False)
class UsableCoupon(Record):
    """A coupon the member can use now, as the member panel lists it."""

    code: str
    name: str
    kind: str
    value: int
    min_spend_fen: int
    valid_until: str


def add_template(db: Database, *, code: str, name: str, kind: str, value: int,
                 min_spend_fen: int = 0, valid_days: int = 30, actor: str) -> None:
    """Declare a coupon template: ``value`` is fen off, percent off, or the gift's value in fen."""
    if kind not in KINDS:
        allowed = ", ".join(KINDS)
        raise InvalidInput("bad_coupon_kind", f"Kind must be one of {allowed}", allowed=allowed)
    if value < 0 or (kind == "percent_off" and not 0 < value < 100):
        raise InvalidInput("bad_coupon_value", "Percent off must be between 1 and 99")
    if valid_days <= 0 or min_spend_fen < 0:
        raise InvalidInput("bad_coupon", "Validity must be positive and minimum spend >= 0",
                           variant="template")

    def body(ctx: Ctx) -> Done:
        if ctx.session.get(CouponTemplate, code) is not None:
            raise Refused("template_exists", f"Coupon template {code} already exists",
                          template=code)
        ctx.session.add(CouponTemplate(code=code, name=name, kind=kind, value=value,
                                       min_spend_fen=min_spend_fen, valid_days=valid_days))
        ctx.audit("coupon_template_added", code, kind=kind, value=value)
        ctx.emit("coupon_template_added", code=code, name=name, kind=kind, value=value,
                 min_spend_fen=min_spend_fen, valid_days=valid_days)
        return Done()

    run_action(db, key=new_action_key(), kind="coupon_template", actor=actor,
               request={"code": code}, body=body, returns=Done)


def issue(db: Database, template_code: str, member_ref: str | None, *, actor: str,
          reason: str = "manual", key: str | None = None) -> CouponIssued:
    """Issue one coupon by hand (to a member, or unnamed when ``member_ref`` is None)."""

    def body(ctx: Ctx) -> CouponIssued:
        member_id = members.lock(db, ctx.session, member_ref).member_id if member_ref else None
        code = issue_in(ctx, template_code, member_id, reason)
        return CouponIssued(code=code, member_id=member_id)

    return run_action(db, key=key_or_new(key), kind="coupon_issue", actor=actor,
                      request={"t": template_code, "m": member_ref, "r": reason}, body=body,
                      returns=CouponIssued)


def issue_in(ctx: Ctx, template_code: str, member_id: str | None, reason: str,
             valid_from: dt.datetime | None = None) -> str:
    template = ctx.session.get(CouponTemplate, template_code)
    if template is None or not template.active:
        raise NotFound("unknown_coupon_template", f"No coupon template {template_code}",
                       template=template_code)
    start = valid_from or ctx.now
    code = new_code()
    ctx.session.add(Coupon(
        code=code, template_code=template_code, member_id=member_id, reason=reason,
        action_key=ctx.key, issued_at=ctx.now, valid_from=start,
        valid_until=start + dt.timedelta(days=template.valid_days),
    ))
    ctx.audit("coupon_issued", code, template=template_code, member=member_id, reason=reason)
    ctx.emit("coupon_issued", code=code, template=template_code, member_id=member_id,
             reason=reason, valid_from=start.isoformat(),
             valid_until=(start + dt.timedelta(days=template.valid_days)).isoformat())
    return code


def issue_by_rule(ctx: Ctx, member_id: str, rule: str, *, amount_fen: int = 0) -> list[str]:
    """Coupons the chain's rules give for an event (welcome, birthday, top-up)."""
    settings = ctx.db.settings
    templates: list[str] = []
    if rule == "welcome" and settings.welcome_coupon_template:
        templates.append(settings.welcome_coupon_template)
    elif rule == "birthday" and settings.birthday_coupon_template:
        templates.append(settings.birthday_coupon_template)
    elif rule == "topup":
        templates += [r["template"] for r in settings.topup_coupon_rules
                      if amount_fen >= int(r["min_fen"])][-1:]
    # A rule naming a template this till has not received yet must not block the sale or the
    # registration it rides on: the coupon is skipped and the skip is audited.
    issued = []
    for code in templates:
        template = ctx.session.get(CouponTemplate, code)
        if template is None or not template.active:
            ctx.audit("coupon_rule_skipped", member_id, rule=rule, template=code)
            continue
        issued.append(issue_in(ctx, code, member_id, rule))
    return issued


def issue_birthday(db: Database, *, actor: str = "system") -> BirthdayRun:
    """Give every member whose birthday month this is the birthday coupon, once a year."""
    template = db.settings.birthday_coupon_template
    if not template:
        return BirthdayRun(issued=0)

    def body(ctx: Ctx) -> BirthdayRun:
        today = to_local(ctx.now).date()
        year_start, _ = local_day_bounds(dt.date(today.year, 1, 1))  # issued_at is UTC
        already = set(ctx.session.scalars(select(Coupon.member_id).where(
            Coupon.reason == "birthday", Coupon.issued_at >= year_start)))
        due = ctx.session.scalars(select(Member.member_id).where(
            Member.birth_month == today.month, Member.status == "active",
            Member.merged_into.is_(None)))
        issued = [issue_in(ctx, template, m, "birthday") for m in due if m not in already]
        return BirthdayRun(issued=len(issued))

    # A fresh key each run: ``already`` keeps it to once a year, and a member who registers (or
    # gives a birthday) later in the month is picked up by the next run instead of a replay.
    return run_action(db, key=new_action_key(), kind="coupon_birthday", actor=actor,
                      request={}, body=body, returns=BirthdayRun)


def terms(s: Session, now: dt.datetime, code: str, member_id: str | None) -> CouponTerms:
    """The terms of a coupon this member may use now (what it takes off a sale is
    :func:`storeapp.pricing.coupon_off`); refuses one that is unknown, used, another member's
    or out of its dates."""
    code = code.strip().upper()
    if not CODE_SHAPE.fullmatch(code):
        raise InvalidInput("bad_coupon", f"'{code}' is not a coupon code", coupon=code)
    coupon = s.get(Coupon, code)
    if coupon is None:
        raise NotFound("unknown_coupon", f"No coupon {code}", coupon=code)
    if coupon.used_at is not None:
        raise Refused("coupon_used", f"Coupon {code} was already used ({coupon.used_receipt})",
                      coupon=code, receipt_no=str(coupon.used_receipt or ""))
    if coupon.member_id is not None and coupon.member_id != member_id:
        raise Refused("coupon_not_yours", f"Coupon {code} belongs to another member",
                      coupon=code)
    if not coupon.valid_from <= now < coupon.valid_until:
        raise Refused("coupon_expired", f"Coupon {code} is not valid now", coupon=code)
    template = s.get(CouponTemplate, coupon.template_code)
    assert template is not None
    return CouponTerms(code=code, kind=template.kind, value=template.value,
                       min_spend_fen=template.min_spend_fen)


def mark_used(ctx: Ctx, code: str, receipt_no: str) -> None:
    coupon = ctx.session.get(Coupon, code)
    assert coupon is not None
    coupon.used_at, coupon.used_receipt = ctx.now, receipt_no


def restore(ctx: Ctx, code: str) -> bool:
    """Give a coupon back after a refund, if it is still within its validity."""
    coupon = ctx.session.get(Coupon, code)
    if coupon is None or ctx.now >= coupon.valid_until:
        return False
    coupon.used_at, coupon.used_receipt = None, None
    return True


def usable(db: Database, member_id: str) -> list[UsableCoupon]:
    """The member's coupons that can be used now (for the member panel)."""
    now = db.clock.now()
    with db.reader() as s:
        rows = s.execute(
            select(Coupon, CouponTemplate).join(CouponTemplate)
            .where(Coupon.member_id == member_id, Coupon.used_at.is_(None),
                   Coupon.valid_from <= now, Coupon.valid_until > now)
            .order_by(Coupon.valid_until)
        ).all()
    return [UsableCoupon(code=c.code, name=t.name, kind=t.kind, value=t.value,
                         min_spend_fen=t.min_spend_fen, valid_until=c.valid_until.isoformat())
            for c, t in rows]


def new_code() -> str:
    return "CP-" + base64.b32encode(secrets.token_bytes(5)).decode("ascii")
