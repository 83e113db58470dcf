"""Head office's campaigns: pick an audience, a benefit and a message, hold a random share out,
launch, and later see honestly whether it worked.

A campaign is created as a draft (its audience can be previewed: how many, how many left out
for lack of consent or for the monthly contact cap), launched (members chosen, each recorded as
treated or holdout by :func:`storeapp.campaign_rules.in_holdout`; the treated get the benefit:
a chain coupon usable once at any store, or points; their tills download them with the
campaign's one-line prompt), and stopped (prompts end; coupons stay valid to their date).

Automations are standing campaigns (welcome, upgrade, birthday, winback, cycle) that
:func:`run_automations` evaluates (nightly: ``storeapp-hq automation run``), each member
entering a rule at most once per period.

Results compare treated with holdout over the campaign's window (:func:`results`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from storeapp import campaign_rules
from storeapp.campaign_rules import Outcome
from storeapp.clock import local_day_bounds, local_month_bounds, to_local
from storeapp.pii_orm import GIVEN_BACK
from sync.hq import bulk, consents, member_keys, movements, programme
from sync.hq import models as m
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal
from sync.hq.rulebook import current_rules

CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,23}")
BENEFITS = ("coupon", "points", "multiplier", "none")
RULES = ("welcome", "upgrade", "birthday", "winback", "cycle")
DEFAULT_WINDOW_DAYS = 14
WINBACK_DAYS = 90


@dataclass(frozen=True)
class Audience:
    """Who a campaign is for: every filter given must hold (an empty audience is everyone
    live)."""

    segment: str | None = None
    tiers: tuple[str, ...] = ()
    #: registered at, or bought at in the last 12 months, one of these stores
    stores: tuple[str, ...] = ()
    lapsed_days: int | None = None  # last purchase more than this many days ago
    cycle_overdue: bool = False
    birthday_month: int | None = None  # 1-12
    #: a paid plan held now: its code, "any" (some plan) or "none" (no plan)
    plan: str | None = None

    def to_json(self) -> str:
        return json.dumps({k: list(v) if isinstance(v, tuple) else v
                           for k, v in asdict(self).items() if v not in (None, (), False)},
                          sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Audience:
        data = json.loads(raw or "{}")
        return cls(segment=data.get("segment"), tiers=tuple(data.get("tiers") or ()),
                   stores=tuple(data.get("stores") or ()), lapsed_days=data.get("lapsed_days"),
                   cycle_overdue=bool(data.get("cycle_overdue")),
                   birthday_month=data.get("birthday_month"), plan=data.get("plan"))


@dataclass(frozen=True)
class Benefit:
    kind: str  # coupon | points | multiplier | none
    template: str | None = None  # a chain coupon template (kind coupon)
    points: int = 0  # kind points
    multiplier: str | None = None  # kind multiplier: points earned × this over the window

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Benefit:
        data = json.loads(raw)
        return cls(kind=data["kind"], template=data.get("template"),
                   points=int(data.get("points") or 0), multiplier=data.get("multiplier"))


@dataclass(frozen=True)
class Preview:
    """Who a launch would choose now."""

    matched: int
    excluded_consent: int
    excluded_cap: int
    chosen: list[str] = field(repr=False)

    @property
    def audience(self) -> int:
        return len(self.chosen)


# -- the audience -----------------------------------------------------------------------------

def audience_ids(s: Session, now: dt.datetime, audience: Audience) -> list[str]:
    """The live members ``audience`` describes, in member-id order."""
    if audience.segment is not None and audience.segment not in programme.SEGMENTS:
        raise HqRefusal(422, "unknown_segment", f"no segment {audience.segment}",
                        segment=audience.segment)
    query = select(m.Member.member_id).where(m.Member.merged_into.is_(None),
                                             m.Member.status != "closed")
    if audience.tiers:
        query = query.where(m.Member.tier.in_(audience.tiers))
    if audience.birthday_month is not None:
        if not 1 <= audience.birthday_month <= 12:
            raise HqRefusal(422, "bad_month", "a birthday month is 1-12")
        query = query.where(m.Member.birth_month == audience.birthday_month)
    ids = set(s.scalars(query))
    wanted = [code for code in (audience.segment,) if code is not None]
    if audience.cycle_overdue:
        wanted.append("cycle_overdue")
    if wanted:
        found = programme.insight(s, now, wanted)
        for code in wanted:
            ids &= set(found.members[code])
    if audience.lapsed_days is not None:
        last = dict(s.execute(select(m.Visit.member_id, func.max(m.Visit.at))
                              .where(m.Visit.kind == "sale").group_by(m.Visit.member_id)).all())
        cutoff = now - dt.timedelta(days=audience.lapsed_days)
        ids = {x for x in ids if x in last and last[x] < cutoff}
    if audience.plan is not None:
        held = plans_held(s, now)
        if audience.plan == "none":
            ids -= set(held)
        else:
            ids &= {x for x, code in held.items() if audience.plan in ("any", code)}
    if audience.stores:
        since = now - dt.timedelta(days=programme.RFM_DAYS)
        at_stores = set(s.scalars(select(m.Member.member_id).where(
            m.Member.home_store.in_(audience.stores))))
        at_stores |= set(s.scalars(select(m.Visit.member_id).distinct().where(
            m.Visit.store_code.in_(audience.stores), m.Visit.at >= since)))
        ids &= at_stores
    return sorted(ids)


def plans_held(s: Session, now: dt.datetime) -> dict[str, str]:
    """Each live member's paid plan now (付费会员), from the tills' ``plan_bought`` events (a
    merged member's plan counts for the survivor): the plan whose term covers ``now``."""
    held: dict[str, tuple[dt.datetime, str]] = {}
    for payload, in s.execute(select(m.Event.payload).where(m.Event.type == "plan_bought")):
        body = json.loads(payload)
        try:
            starts = dt.datetime.fromisoformat(body["starts_at"]).replace(tzinfo=None)
            expires = dt.datetime.fromisoformat(body["expires_at"]).replace(tzinfo=None)
        except (KeyError, TypeError, ValueError):
            continue
        if starts <= now < expires:
            member_id = str(body.get("member_id"))
            if member_id not in held or held[member_id][0] < starts:
                held[member_id] = (starts, str(body.get("plan")))
    survivors = {x: str(to) for x, to in s.execute(
        select(m.Member.member_id, m.Member.merged_into).where(
            m.Member.member_id.in_(sorted(held)), m.Member.merged_into.is_not(None)))}
    return {survivors.get(x, x): code for x, (_, code) in held.items()}


def contacts_this_month(s: Session, now: dt.datetime) -> Counter[str]:
    """Times each member was chosen by a campaign this (Beijing) month."""
    local = to_local(now)
    start, end = local_month_bounds(local.year, local.month)
    return Counter(dict(s.execute(
        select(m.CampaignMember.member_id, func.count())
        .where(m.CampaignMember.entered_at >= start, m.CampaignMember.entered_at < end)
        .group_by(m.CampaignMember.member_id)).all()))


def screen(s: Session, now: dt.datetime, candidates: Iterable[str], *,
           profiled: bool = False) -> Preview:
    """``candidates`` less those without marketing consent (or, ``profiled``: a campaign that
    chooses by profile, who withdrew personalised offers) or at the monthly contact cap."""
    ids = sorted(set(candidates))
    consent = _consents(s, ids)
    personal = consents.may_personalise(s, ids) if profiled else {}
    contacts = contacts_this_month(s, now)
    cap = current_rules(s).settings.campaign_monthly_contacts
    out: Counter[str] = Counter()
    chosen = []
    for member_id in ids:
        why = campaign_rules.may_contact(contacts[member_id], consent.get(member_id, False), cap,
                                         personalised=personal.get(member_id, True))
        if why is None:
            chosen.append(member_id)
        else:
            out[why] += 1
    return Preview(len(ids), out["consent"] + out["personalised"], out["cap"], chosen)


#: Automations that choose members by their purchase behaviour.
PROFILED_RULES = frozenset({"winback", "cycle"})


def profiled(audience: Audience, rule: str | None = None) -> bool:
    """Whether a campaign chooses members by their profile (a segment of their purchases,
    their lapse or purchase cycle): personalised offers, which a member may refuse."""
    return bool(audience.segment or audience.cycle_overdue or audience.lapsed_days is not None
                or rule in PROFILED_RULES)


def _profiled(campaign: m.Campaign) -> bool:
    return profiled(Audience.from_json(campaign.filters_json), campaign.rule)


def _consents(s: Session, ids: list[str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for start in range(0, len(ids), 1000):
        found.update((x, bool(c)) for x, c in s.execute(
            select(m.Member.member_id, m.Member.marketing_consent)
            .where(m.Member.member_id.in_(ids[start:start + 1000]))))
    return found


# -- the campaign's life -----------------------------------------------------------------------

def create(hq: HqDatabase, *, code: str, name: str, audience: Audience, benefit: Benefit,
           message: str, user: str, now: dt.datetime,
           holdout_pct: int = campaign_rules.DEFAULT_HOLDOUT_PCT,
           window_days: int = DEFAULT_WINDOW_DAYS, rule: str | None = None,
           seed: str | None = None) -> dict[str, Any]:
    """A draft campaign (or, with ``rule``, an automation, live from now). ``seed`` draws the
    holdout (random unless given: a test's seeded world)."""
    code = code.strip().upper()
    if not CODE.fullmatch(code):
        raise HqRefusal(422, "bad_campaign_code",
                        "a campaign code is 2-24 letters, digits, - or _", campaign=code[:24])
    if not 0 <= holdout_pct <= 90:
        raise HqRefusal(422, "bad_holdout", "a holdout is 0-90 % of the audience")
    if not 1 <= window_days <= 366:
        raise HqRefusal(422, "bad_window", "a campaign's window is 1-366 days")
    if rule is not None and rule not in RULES:
        raise HqRefusal(422, "unknown_rule", f"no automation rule {rule}", rule=rule)
    message = message.strip()
    if not message or len(message) > 200:
        raise HqRefusal(422, "bad_message", "a campaign's message is 1-200 characters")
    with hq.transaction() as s:
        _check_benefit(s, benefit)
        if audience.segment is not None and audience.segment not in programme.SEGMENTS:
            raise HqRefusal(422, "unknown_segment", f"no segment {audience.segment}",
                            segment=audience.segment)
        if s.get(m.Campaign, code) is not None:
            raise HqRefusal(409, "campaign_exists", f"campaign {code} already exists",
                            campaign=code)
        s.add(m.Campaign(
            code=code, name=name.strip()[:64] or code,
            kind="automation" if rule else "campaign", rule=rule,
            filters_json=audience.to_json(), benefit_json=benefit.to_json(), message=message,
            holdout_pct=holdout_pct, seed=(seed or secrets.token_hex(8))[:32],
            window_days=window_days,
            status="live" if rule else "draft", created_by=user, created_at=now,
            launched_at=now if rule else None, excluded_consent=0, excluded_cap=0))
    return {"code": code, "status": "live" if rule else "draft"}


def _check_benefit(s: Session, benefit: Benefit) -> None:
    if benefit.kind not in BENEFITS:
        raise HqRefusal(422, "bad_benefit", f"a benefit is one of {', '.join(BENEFITS)}")
    if benefit.kind == "coupon":
        template = s.get(m.Rule, ("coupon_template", benefit.template or ""))
        if template is None or template.value_json is None:
            raise HqRefusal(422, "unknown_coupon_template",
                            f"no chain coupon template {benefit.template}",
                            template=benefit.template or "")
    if benefit.kind == "points" and not 0 < benefit.points <= 100_000:
        raise HqRefusal(422, "bad_points", "a points benefit is 1-100,000 points")
    if benefit.kind == "multiplier":
        try:
            times = Decimal(benefit.multiplier or "")
        except InvalidOperation:
            times = Decimal(0)
        if not (Decimal(1) < times <= 10 and len(benefit.multiplier or "") <= 8):
            raise HqRefusal(422, "bad_multiplier", "a points multiplier is more than 1, at "
                            "most 10 (e.g. 2 or 1.5)")


def preview(hq: HqDatabase, code: str, now: dt.datetime) -> Preview:
    with hq.transaction() as s:
        campaign = _campaign(s, code)
        return screen(s, now, audience_ids(s, now, Audience.from_json(campaign.filters_json)),
                      profiled=_profiled(campaign))


def launch(hq: HqDatabase, code: str, *, user: str, now: dt.datetime) -> dict[str, Any]:
    """Choose the audience now, hold out its share, give the treated their benefit."""
    def work(s: Session) -> dict[str, Any]:
        campaign = _campaign(s, code, lock=True)
        if campaign.status != "draft":
            raise HqRefusal(409, "campaign_not_draft",
                            f"campaign {campaign.code} is {campaign.status}",
                            campaign=campaign.code, state=campaign.status)
        chosen = screen(s, now, audience_ids(s, now, Audience.from_json(campaign.filters_json)),
                        profiled=_profiled(campaign))
        campaign.status, campaign.launched_at = "live", now
        campaign.excluded_consent = chosen.excluded_consent
        campaign.excluded_cap = chosen.excluded_cap
        treated, held = enter(s, campaign, {x: "" for x in chosen.chosen}, now)
        return {"code": campaign.code, "treated": treated, "holdout": held,
                "excluded_consent": chosen.excluded_consent,
                "excluded_cap": chosen.excluded_cap, "by": user}

    return hq.retrying(work)


def enter(s: Session, campaign: m.Campaign, members: dict[str, str],
          now: dt.datetime) -> tuple[int, int]:
    """Record ``members`` (member → period) in ``campaign``, hold out its share, give the
    treated their benefit and send them down; returns (treated, held out)."""
    benefit = Benefit.from_json(campaign.benefit_json)
    until = now + dt.timedelta(days=campaign.window_days)
    # usable from the start of the launch's local day: a till whose clock is a little behind
    # head office's still takes it
    valid_from = local_day_bounds(to_local(now).date())[0]
    rows: list[dict[str, Any]] = []
    coupons: list[dict[str, Any]] = []
    points: dict[str, int] = {}
    for member_id, period in sorted(members.items()):
        held = campaign_rules.in_holdout(campaign.seed, member_id, campaign.holdout_pct)
        row = {"campaign_code": campaign.code, "member_id": member_id, "period": period,
               "grp": "holdout" if held else "treated", "entered_at": now, "until": until,
               "coupon_code": None, "points": 0,
               "multiplier": None if held or benefit.kind != "multiplier"
               else benefit.multiplier}
        if not held and benefit.kind == "coupon":
            coupon = _new_coupon_code()
            row["coupon_code"] = coupon
            coupons.append({"code": coupon, "member_id": member_id,
                            "template_code": benefit.template, "campaign_code": campaign.code,
                            "issued_at": now, "valid_from": valid_from, "valid_until": until,
                            "used_fen": 0})
        if not held and benefit.kind == "points":
            row["points"] = points[member_id] = benefit.points
        rows.append(row)
    if rows:
        s.execute(insert(m.CampaignMember), rows)
    if coupons:
        s.execute(insert(m.ChainCoupon), coupons)
    movements.post_points(s, points, kind="campaign", ref=campaign.code, now=now)
    treated = [str(r["member_id"]) for r in rows if r["grp"] == "treated"]
    movements.touch(s, treated)
    return len(treated), len(rows) - len(treated)


def _new_coupon_code() -> str:
    return "CP-" + base64.b32encode(secrets.token_bytes(5)).decode("ascii")


def stop(hq: HqDatabase, code: str, *, user: str, now: dt.datetime) -> dict[str, Any]:
    """End a live campaign or automation: its prompts stop showing; coupons stay valid."""
    def work(s: Session) -> dict[str, Any]:
        campaign = _campaign(s, code, lock=True)
        if campaign.status != "live":
            raise HqRefusal(409, "campaign_not_live",
                            f"campaign {campaign.code} is {campaign.status}",
                            campaign=campaign.code, state=campaign.status)
        _end(s, campaign, now)
        return {"code": campaign.code, "status": campaign.status, "by": user}

    return hq.retrying(work)


def _end(s: Session, campaign: m.Campaign, now: dt.datetime) -> None:
    campaign.status, campaign.stopped_at = "stopped", now
    showing = list(s.scalars(select(m.CampaignMember.member_id).where(
        m.CampaignMember.campaign_code == campaign.code, m.CampaignMember.grp == "treated",
        m.CampaignMember.until > now)))
    s.execute(update(m.CampaignMember).where(
        m.CampaignMember.campaign_code == campaign.code, m.CampaignMember.until > now)
        .values(until=now).execution_options(synchronize_session=False))
    movements.touch(s, showing)


def _campaign(s: Session, code: str, *, lock: bool = False) -> m.Campaign:
    code = code.strip().upper()
    query = select(m.Campaign).where(m.Campaign.code == code)
    found = s.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise HqRefusal(404, "unknown_campaign", f"no campaign {code}", campaign=code)
    return found


def campaigns(s: Session) -> list[m.Campaign]:
    return list(s.scalars(select(m.Campaign).order_by(m.Campaign.created_at.desc(),
                                                      m.Campaign.code)))


# -- what the tills get -----------------------------------------------------------------------

def offers_for(s: Session, member_ids: list[str], now: dt.datetime
               ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """For a download page: each member's head-office coupons still of use (unused and valid,
    or used, so a till that has it learns it is gone) and live campaign prompts (but not, to a
    member who withdrew personalised offers, those of a campaign that chose by profile)."""
    coupons: dict[str, list[dict[str, Any]]] = {}
    prompts: dict[str, list[dict[str, Any]]] = {}
    if not member_ids:
        return coupons, prompts
    for c in s.scalars(select(m.ChainCoupon).where(
            m.ChainCoupon.member_id.in_(member_ids),
            m.ChainCoupon.valid_until > now - dt.timedelta(days=1))
            .order_by(m.ChainCoupon.code)):
        coupons.setdefault(c.member_id, []).append({
            "code": c.code, "template": c.template_code,
            "valid_from": c.valid_from.isoformat(), "valid_until": c.valid_until.isoformat(),
            "used": c.used_at is not None})
    rows = s.execute(
        select(m.CampaignMember.member_id, m.Campaign.code, m.Campaign.message,
               m.CampaignMember.until, m.CampaignMember.multiplier, m.Campaign.filters_json,
               m.Campaign.rule)
        .join(m.Campaign, m.Campaign.code == m.CampaignMember.campaign_code)
        .where(m.CampaignMember.member_id.in_(member_ids),
               m.CampaignMember.grp == "treated", m.CampaignMember.until > now,
               m.Campaign.status == "live")
        .order_by(m.CampaignMember.entered_at.desc(), m.Campaign.code)).all()
    by_profile = {code for _, code, _, _, _, filters, rule in rows
                  if profiled(Audience.from_json(filters), rule)}
    refused = {x for x, ok in consents.may_personalise(
        s, [r[0] for r in rows if r[1] in by_profile]).items() if not ok}
    for member_id, code, message, until, times, _filters, _rule in rows:
        if code in by_profile and member_id in refused:
            continue
        prompts.setdefault(member_id, []).append(
            {"campaign": code, "text": message, "until": until.isoformat(),
             **({"points_multiplier": times} if times else {})})
    return coupons, prompts


def multiplier_windows(s: Session, member_ids: Iterable[str]
                       ) -> dict[str, list[tuple[dt.datetime, dt.datetime, Fraction]]]:
    """Each member's points-multiplier windows (from the local day they entered the campaign,
    for its window: a stop ends the prompt, not what a till that had not heard of it yet
    gave)."""
    ids = sorted(set(member_ids))
    found: dict[str, list[tuple[dt.datetime, dt.datetime, Fraction]]] = {}
    if not ids:
        return found
    for member_id, entered, days, times in s.execute(
            select(m.CampaignMember.member_id, m.CampaignMember.entered_at,
                   m.Campaign.window_days, m.CampaignMember.multiplier)
            .join(m.Campaign, m.Campaign.code == m.CampaignMember.campaign_code)
            .where(bulk.among(s, m.CampaignMember.member_id, ids),
                   m.CampaignMember.multiplier.is_not(None))):
        found.setdefault(member_id, []).append(  # from the entry's local day, as coupons
            (local_day_bounds(to_local(entered).date())[0],
             entered + dt.timedelta(days=days), Fraction(Decimal(str(times)))))
    return found


# -- results ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignResults:
    code: str
    window: tuple[dt.datetime, dt.datetime]
    during: campaign_rules.Results
    after: campaign_rules.Results | None  # the same length after the window, once over
    coupons_used: int
    points_given: int


def results(s: Session, code: str, now: dt.datetime) -> CampaignResults:
    """Treated against holdout over the campaign's window (and the same length after it):
    redemption, share who bought, revenue per member, incremental revenue with its 95 %
    interval, and the cost (coupon value taken off sales, points at their value)."""
    campaign = _campaign(s, code)
    if campaign.launched_at is None:
        raise HqRefusal(409, "campaign_not_launched", f"campaign {campaign.code} is a draft",
                        campaign=campaign.code)
    start = campaign.launched_at
    end = min(now, start + dt.timedelta(days=campaign.window_days))
    if campaign.stopped_at is not None:
        end = min(end, max(campaign.stopped_at, start))
    groups = dict(s.execute(select(m.CampaignMember.member_id, m.CampaignMember.grp).where(
        m.CampaignMember.campaign_code == campaign.code)).all())
    used = {member_id: int(fen) for member_id, fen in s.execute(
        select(m.ChainCoupon.member_id, m.ChainCoupon.used_fen).where(
            m.ChainCoupon.campaign_code == campaign.code, m.ChainCoupon.used_at.is_not(None)))}
    points = int(s.scalar(select(func.coalesce(func.sum(m.CampaignMember.points), 0)).where(
        m.CampaignMember.campaign_code == campaign.code)) or 0)
    fen_per_point = current_rules(s).settings.points_fen_per_point
    cost = sum(used.values()) + points * fen_per_point

    def measure(since: dt.datetime, until: dt.datetime) -> campaign_rules.Results:
        bought = programme.visits_by_member(s, sorted(groups), since, until)
        out: dict[str, list[Outcome]] = {"treated": [], "holdout": []}
        for member_id, grp in groups.items():
            n, fen = bought.get(member_id, (0, 0))
            out[grp].append(Outcome(n > 0, fen, member_id in used))
        return campaign_rules.results(out["treated"], out["holdout"], cost)

    after = None
    length = end - start
    if now >= end + length and length > dt.timedelta(0):
        after = measure(end, end + length)
    return CampaignResults(campaign.code, (start, end), measure(start, end), after,
                           len(used), points)


def contact_list(s: Session, code: str) -> list[dict[str, str]]:
    """The treated members' phone, name and message: what an SMS or WeChat provider needs (the
    caller audits the export). Consents are read as they stand now: a member who withdrew
    marketing (or, from a campaign chosen by profile, personalised offers) since the launch is
    left out."""
    campaign = _campaign(s, code)
    treated = list(s.scalars(
        select(m.Member)
        .join(m.CampaignMember, m.CampaignMember.member_id == m.Member.member_id)
        .where(m.CampaignMember.campaign_code == campaign.code,
               m.CampaignMember.grp == "treated", m.Member.marketing_consent.is_(True))))
    ids = [x.member_id for x in treated]
    member_keys.ring(s).prefetch(ids)
    personal = consents.may_personalise(s, ids) if _profiled(campaign) else {}
    rows = sorted((x.phone, x.name) for x in treated
                  if personal.get(x.member_id, True) and not x.phone_key.startswith(GIVEN_BACK))
    return [{"phone": phone, "name": name, "text": campaign.message} for phone, name in rows]


# -- automations --------------------------------------------------------------------------------

def entrants(s: Session, rule: str, now: dt.datetime) -> dict[str, str]:
    """The live members a rule takes in now, each with its period (a member enters a rule once
    per period)."""
    local = to_local(now)
    live = (m.Member.merged_into.is_(None), m.Member.status != "closed")
    if rule == "welcome":  # registered in the last two days; once ever
        return {x: "once" for x in s.scalars(select(m.Member.member_id).where(
            *live, m.Member.created_at >= now - dt.timedelta(days=2)))}
    if rule == "upgrade":  # reached a tier in the last two days; once per tier
        found = {}
        for payload, in s.execute(select(m.Event.payload).where(
                m.Event.type == "member_tier_changed",
                m.Event.created_at >= now - dt.timedelta(days=2))):
            body = json.loads(payload)
            found[str(body.get("member_id"))] = str(body.get("tier"))[:12]
        current = dict(s.execute(select(m.Member.member_id, m.Member.tier).where(
            *live, m.Member.member_id.in_(sorted(found)))).all())
        return {x: tier for x, tier in found.items() if current.get(x) == tier}
    if rule == "birthday":  # born this month; once a year
        return {x: f"{local:%Y}" for x in s.scalars(select(m.Member.member_id).where(
            *live, m.Member.birth_month == local.month))}
    if rule in ("winback", "cycle"):  # once per lapse: the period is the last visit's day
        code = "lapsed" if rule == "winback" else "cycle_overdue"
        found_ids = programme.insight(s, now, [code]).members[code]
        last = dict(s.execute(select(m.Visit.member_id, func.max(m.Visit.day))
                              .where(m.Visit.member_id.in_(found_ids), m.Visit.kind == "sale")
                              .group_by(m.Visit.member_id)).all())
        return {x: last[x].isoformat() for x in found_ids if x in last}
    raise HqRefusal(422, "unknown_rule", f"no automation rule {rule}", rule=rule)


def run_automations(hq: HqDatabase, now: dt.datetime) -> list[dict[str, Any]]:
    """Each live automation: its rule's new entrants (not in it for that period yet), screened
    for consent and the cap, entered with their holdout."""
    done = []
    with hq.transaction() as s:
        codes = list(s.scalars(select(m.Campaign.code).where(
            m.Campaign.kind == "automation", m.Campaign.status == "live")
            .order_by(m.Campaign.code)))
    for code in codes:
        def work(s: Session, code: str = code) -> dict[str, Any]:
            campaign = _campaign(s, code, lock=True)
            assert campaign.rule is not None
            candidates = entrants(s, campaign.rule, now)
            seen = set(s.execute(select(m.CampaignMember.member_id, m.CampaignMember.period)
                                 .where(m.CampaignMember.campaign_code == code)).all())
            fresh = {x: p for x, p in candidates.items() if (x, p) not in seen}
            chosen = screen(s, now, fresh, profiled=_profiled(campaign))
            treated, held = enter(s, campaign, {x: fresh[x] for x in chosen.chosen}, now)
            campaign.excluded_consent += chosen.excluded_consent
            campaign.excluded_cap += chosen.excluded_cap
            return {"code": code, "rule": campaign.rule, "treated": treated, "holdout": held,
                    "excluded_consent": chosen.excluded_consent,
                    "excluded_cap": chosen.excluded_cap}

        done.append(hq.retrying(work))
    return done


def set_status(hq: HqDatabase, code: str, *, live: bool, user: str,
               now: dt.datetime) -> dict[str, Any]:
    """Enable or disable an automation (disabling ends its prompts, as :func:`stop` does)."""
    def work(s: Session) -> dict[str, Any]:
        campaign = _campaign(s, code, lock=True)
        if campaign.kind != "automation":
            raise HqRefusal(409, "not_an_automation", f"{campaign.code} is a campaign",
                            campaign=campaign.code)
        if live:
            campaign.status, campaign.stopped_at = "live", None
        elif campaign.status == "live":
            _end(s, campaign, now)
        return {"code": campaign.code, "status": campaign.status, "by": user}

    return hq.retrying(work)
