"""What a till's event may do to the chain's money: pure checks, one per kind of event.

Head office applies an event's ``ledger`` (the net movement per member the till posted) only
when an honest till could have posted it: a top-up credits what was paid plus the bonus the
chain's rule gives; a sale only takes stored value, split over principal and bonus in proportion
to the balance it was taken from; a refund gives back at most what its sale took, once; a void
reverses a top-up of the same day, once; adjustments and account closes carry a manager's
approval; points earned stay within what the rules could give; a top-up follows the prepaid-card
rules' bank-transfer threshold (:func:`storeapp.prepaid_rules.needs_transfer`, the till's own
check: an honest till never takes a company's ¥5,000 or a person's ¥50,000 in cash, nor a
transfer without the payer's account). Everything here is a function of
the event, the chain rules at the version the till named and the facts head office holds; the
caller (:mod:`sync.hq.ingest`) stores a failing event without applying it (docs/sync.md).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from storeapp import prepaid_rules, pricing, profile_rules
from storeapp import rules as chain
from storeapp.clock import to_local
from storeapp.errors import DomainError
from storeapp.money import split_in_proportion
from storeapp.profile_rules import MAX_CARD_NO
from sync.hq.rulebook import ChainRules

#: the multiplier that changes nothing
ONE = Fraction(1)

#: Event kinds that may move stored value or points; any other kind carrying a ledger is refused.
MONEY_EVENTS = frozenset({
    "wallet_topped_up", "wallet_topup_voided", "wallet_adjusted", "member_closed",
    "sale_completed", "sale_refunded", "points_adjusted", "points_expired", "plan_bought",
    "countcard_sold", "countcard_refunded"})
APPROVED_EVENTS = frozenset({"wallet_topup_voided", "wallet_adjusted", "member_closed",
                             "sale_refunded", "points_adjusted", "countcard_refunded"})
TOPUP_METHODS = frozenset({"cash", "card", "wechat", "alipay", "transfer"})


@dataclass(frozen=True)
class Given:
    """Something a later event may give back: a sale (refund) or a top-up (void)."""

    kind: str  # sale|topup
    till_no: int
    member_id: str
    principal_fen: int  # a sale: taken from principal; a top-up: credited to it
    bonus_fen: int
    points_earned: int
    points_redeemed: int
    total_fen: int
    day: dt.date  # the till's local day
    used: bool


@dataclass(frozen=True, slots=True)
class Line:
    """One ledger line of an event: the net movement for one member."""

    member_id: str
    principal_fen: int
    bonus_fen: int
    points: int
    #: the member's principal, bonus and points at the till once the action was done
    after: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Problem:
    """Why head office will not apply an event, with the amounts that say so."""

    reason: str
    message: str
    amounts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Facts:
    """What head office knows that the event refers to."""

    till_no: int
    #: the chain rules at the version the event named; None for an event made before its till
    #: joined the chain (made under the store's own rules: only what needs no rule is checked)
    rules: ChainRules | None
    given: Given | None = None  # the sale a refund names, or the top-up a void names
    birth_month: int | None = None  # the member's birthday's month, as head office knows it
    #: the member's campaign points multipliers: (from, until, times) — a sale in one may earn
    #: that many times more (sync.hq.campaigns.multiplier_windows)
    multipliers: tuple[tuple[dt.datetime, dt.datetime, Fraction], ...] = ()

    def campaign_at(self, at: dt.datetime) -> Fraction:
        """The highest campaign multiplier live for the member at ``at`` (1 when none)."""
        return max((times for start, end, times in self.multipliers if start <= at < end),
                   default=ONE)


class Implausible(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def check(event_type: str, body: Mapping[str, Any], facts: Facts) -> Problem | None:
    """None when an honest till could have sent this event, else why not."""
    try:
        lines = parse_lines(body.get("ledger"))
        if lines and event_type not in MONEY_EVENTS:
            fail("moves_money", f"a {event_type} event may not move stored value or points",
                  lines=[amounts(x) for x in lines])
        if event_type in APPROVED_EVENTS and lines:
            require_approval(body)
        checker = _CHECKS.get(event_type)
        if checker is not None and (lines or event_type in _ALWAYS):
            checker(body, lines, facts)
    except Implausible as bad:
        return bad.problem
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        return Problem("malformed", f"the event cannot be read: {exc!r}")
    return None


def parse_lines(raw: Any) -> list[Line]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("ledger is not a list")
    lines = []
    for item in raw:
        after = item.get("after")
        lines.append(Line(
            member_id=an_id(item["member_id"]), principal_fen=whole(item["principal_fen"]),
            bonus_fen=whole(item["bonus_fen"]), points=whole(item["points"]),
            after=None if after is None else (whole(after[0]), whole(after[1]), whole(after[2]))))
    if len({x.member_id for x in lines}) != len(lines):
        raise ValueError("a member appears twice in one ledger")
    return lines


# -- the checks, by kind ----------------------------------------------------------------------

def _topup(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    line = only_line(body, lines)
    principal, bonus = whole(body["principal_fen"]), whole(body["bonus_fen"])
    if body.get("method") not in TOPUP_METHODS:
        fail("bad_method", f"a top-up paid by {body.get('method')!r}")
    if (line.principal_fen, line.bonus_fen, line.points) != (principal, bonus, 0) \
            or principal <= 0:
        fail("ledger_differs", "the top-up's ledger is not what it says was paid",
              paid_fen=principal, bonus_fen=bonus, ledger=amounts(line))
    _check_transfer(body, principal)
    if facts.rules is None:
        return
    allowed = chain.bonus_for(facts.rules.settings, principal)
    if bonus != allowed:
        fail("bonus_breaks_rule", f"a top-up of {principal} fen got {bonus} fen of bonus; the "
              f"chain's rule gives {allowed}", paid_fen=principal, bonus_fen=bonus,
              allowed_bonus_fen=allowed, rules_version=facts.rules.version)
    cap = facts.rules.settings.wallet_cap_fen
    if principal + bonus > cap:
        fail("over_cap", f"one top-up of {principal + bonus} fen is more than a named card "
              f"may hold ({cap})", amount_fen=principal + bonus, cap_fen=cap)


def _check_transfer(body: Mapping[str, Any], principal: int) -> None:
    """The law, not a chain rule (checked whatever rules the event names): a large top-up came
    by bank transfer, from an account the event names. The account comes sealed
    (:mod:`storeapp.sealed_records`): that it is there is all the rule asks."""
    company = body.get("company", False)
    if not isinstance(company, bool):
        raise TypeError(f"company {company!r} is not true or false")
    try:
        prepaid_rules.needs_transfer(principal, method=str(body.get("method")), company=company,
                                     payer_account=body.get("payer_account"))
    except DomainError as broken:
        fail("topup_breaks_rule", f"the top-up breaks the prepaid-card rules: {broken.message}",
             rule=broken.code, paid_fen=principal, method=str(body.get("method")),
             from_fen=prepaid_rules.transfer_from_fen(company))


def _void(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    if not lines:
        fail("void_differs", "a void that takes nothing back", topup=body.get("topup_key"))
    line = only_line(body, lines)
    topup = _given(facts, "topup", str(body.get("topup_key")), line.member_id)
    if to_local(event_at(body)).date() != topup.day:
        fail("void_too_late", "a top-up may only be voided on the day it was made",
              topup_day=topup.day.isoformat(), void_day=to_local(event_at(body)).date().isoformat())
    if (line.principal_fen, line.bonus_fen, line.points) != \
            (-topup.principal_fen, -topup.bonus_fen, 0):
        fail("void_differs", "the void does not take back exactly its top-up",
              topup={"principal_fen": topup.principal_fen, "bonus_fen": topup.bonus_fen},
              ledger=amounts(line))


def _sale(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    line = only_line(body, lines)
    if line.principal_fen > 0 or line.bonus_fen > 0:
        fail("sale_credits", "a sale credited stored value", ledger=amounts(line))
    tenders = body["tenders"]
    total = whole(body["total_fen"])
    if sum(whole(t["amount_fen"]) for t in tenders) != total or \
            any(whole(t["amount_fen"]) < 0 for t in tenders):
        fail("tenders_differ", "the tenders do not add up to the sale's total", total_fen=total)
    wallet = [t for t in tenders if t["method"] == "wallet"]
    spent = sum(whole(t["amount_fen"]) for t in wallet)
    taken_p, taken_b = -line.principal_fen, -line.bonus_fen
    if spent != taken_p + taken_b or (wallet and (
            sum(whole(t["principal_fen"]) for t in wallet),
            sum(whole(t["bonus_fen"]) for t in wallet)) != (taken_p, taken_b)):
        fail("wallet_differs", "the stored value taken is not what the wallet tender says",
              wallet_fen=spent, ledger=amounts(line))
    if spent and line.after is not None:
        check_split(spent, taken_p, taken_b, line.after)
    _check_points(body, line, facts)


def check_split(spent: int, taken_p: int, taken_b: int, after: tuple[int, int, int]) -> None:
    """Principal and bonus in proportion to the balance the spend was taken from (within one
    fen: a till that rounds the other way is still honest)."""
    before_p, before_b = after[0] + taken_p, after[1] + taken_b
    if before_p < taken_p or before_b < taken_b or min(before_p, before_b) < 0:
        fail("split_differs", "the spend took more than the balance held",
              before={"principal_fen": before_p, "bonus_fen": before_b},
              taken={"principal_fen": taken_p, "bonus_fen": taken_b})
    fair_p, _ = split_in_proportion(spent, before_p, before_b)
    if abs(taken_p - fair_p) > 1:
        fail("split_not_proportional", f"a spend of {spent} fen took {taken_p} fen of "
              f"principal; in proportion to the balance it is {fair_p}",
              before={"principal_fen": before_p, "bonus_fen": before_b},
              taken={"principal_fen": taken_p, "bonus_fen": taken_b}, fair_principal_fen=fair_p)


def _check_points(body: Mapping[str, Any], line: Line, facts: Facts) -> None:
    earned, redeemed = whole(body["points_earned"]), whole(body["points_redeemed"])
    if earned < 0 or redeemed < 0 or line.points != earned - redeemed:
        fail("points_differ", "the points moved are not those earned less those redeemed",
              earned=earned, redeemed=redeemed, ledger_points=line.points)
    rules = facts.rules
    if rules is None:
        return
    settings = rules.settings
    subtotal, discount = whole(body["subtotal_fen"]), whole(body["discount_fen"])
    most_discount = _percent_half_up(subtotal, rules.most_discount_pct)
    if body.get("staff_code") or "staff_discount_fen" in body:
        most_discount = max(most_discount, _check_staff_discount(body, discount, rules))
    if not 0 <= discount <= most_discount:
        fail("discount_breaks_rule", f"a discount of {discount} fen on {subtotal} fen is more "
              f"than any tier and plan give ({float(rules.most_discount_pct)}%)",
              discount_fen=discount, subtotal_fen=subtotal)
    if redeemed:
        payable = subtotal - discount - whole(body["coupon_fen"])
        most = pricing.max_redeemable_points(pricing.PricingRules.of(settings), payable)
        if redeemed < settings.points_redeem_min or redeemed > most or \
                whole(body["points_fen"]) != redeemed * settings.points_fen_per_point:
            fail("redemption_breaks_rule", f"{redeemed} points redeemed on a sale of "
                  f"{payable} fen; the rules allow {settings.points_redeem_min} to {most}",
                  redeemed=redeemed, allowed_max=most)
    whole_yuan = max(0, whole(body["total_fen"])) // 100
    at = event_at(body)
    multiplier = _most_multiplier(facts, to_local(at).date(), at)
    most_earned = _times_floor(whole_yuan * settings.points_per_yuan, multiplier)
    if earned > most_earned:
        fail("points_break_rule", f"{earned} points earned on {body['total_fen']} fen paid; "
              f"the rules give at most {most_earned}", earned=earned, allowed_max=most_earned)


def _check_staff_discount(body: Mapping[str, Any], discount: int, rules: ChainRules) -> int:
    """A staff sale's discount (storeapp.pricing.member_discount): all of it is the staff
    discount, at most the staff percent of the subtotal and never more than the monthly cap
    (head office does not add up a member's month: one sale alone may not pass the cap). A
    staff discount on a sale that does not name its staff user is refused."""
    staff, subtotal = whole(body.get("staff_discount_fen", 0)), whole(body["subtotal_fen"])
    cap = rules.settings.staff_monthly_discount_cap_fen
    most = min(_percent_half_up(subtotal, rules.staff_discount_pct), cap)
    if not body.get("staff_code") or staff != discount or not 0 < staff <= most:
        fail("staff_discount_breaks_rule", f"a staff discount of {staff} fen (sale discount "
              f"{discount} fen on {subtotal} fen) is not a staff price the rules give "
              f"({float(rules.staff_discount_pct)}%, at most {cap} fen a month)",
              staff_discount_fen=staff, discount_fen=discount, subtotal_fen=subtotal,
              allowed_max=most, staff_code=str(body.get("staff_code") or ""))
    return most


def _most_multiplier(facts: Facts, day: dt.date, at: dt.datetime) -> Fraction:
    """The highest multiplier the rules could give that day (storeapp.pricing.points_for's),
    with the member's campaigns live at ``at``: head office cannot know which tier or plan the
    till saw, so it takes the best of each (a Fraction product costs a gcd: only those that
    apply are taken)."""
    assert facts.rules is not None
    value = facts.rules.best_multiplier
    if facts.rules.promo_dates and day.isoformat() in facts.rules.promo_dates:
        value *= facts.rules.promo_multiplier
    if facts.birth_month == day.month:
        value *= facts.rules.birthday_multiplier
    if facts.multipliers:
        value *= facts.campaign_at(at)
    return value


def _percent_half_up(amount: int, percent: Fraction) -> int:
    """``amount`` × ``percent`` / 100 rounded half up, as storeapp.pricing.percent_of rounds,
    in whole numbers (a Fraction per step costs a gcd each)."""
    n, d = percent.numerator, percent.denominator
    return (2 * amount * n + 100 * d) // (200 * d)


def _times_floor(amount: int, times: Fraction) -> int:
    """``amount`` × ``times`` rounded down, in whole numbers."""
    return amount * times.numerator // times.denominator


def _refund(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    if not lines:  # nothing moved (a sale without a member, or one that moved nothing)
        if facts.given is not None and facts.given.used:
            fail("refund_repeated", f"sale {body.get('receipt_no')} was already refunded",
                  ref=body.get("receipt_no"))
        return
    line = only_line(body, lines)
    sale = _given(facts, "sale", str(body.get("receipt_no")), line.member_id)
    if line.principal_fen < 0 or line.bonus_fen < 0 or \
            line.principal_fen > sale.principal_fen or line.bonus_fen > sale.bonus_fen:
        fail("refund_exceeds_sale", "the refund gives back more stored value than its sale "
              "took", sale={"principal_fen": sale.principal_fen, "bonus_fen": sale.bonus_fen},
              refund=amounts(line))
    if not -sale.points_earned <= line.points <= sale.points_redeemed:
        fail("refund_exceeds_sale", "the refund moves more points than its sale did",
              sale={"earned": sale.points_earned, "redeemed": sale.points_redeemed},
              refund_points=line.points)


def _close(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    line = only_line(body, lines)
    paid, forfeit = whole(body["refund_principal_fen"]), whole(body["forfeit_bonus_fen"])
    if (line.principal_fen, line.bonus_fen, line.points) != (-paid, -forfeit, 0) or paid < 0 \
            or forfeit < 0:
        fail("ledger_differs", "the close's ledger is not the principal paid out and the "
              "bonus forfeited", paid_fen=paid, forfeit_fen=forfeit, ledger=amounts(line))


def _adjust(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    line = only_line(body, lines)
    wanted = (whole(body["principal_fen"]), whole(body["bonus_fen"]), 0)
    if (line.principal_fen, line.bonus_fen, line.points) != wanted:
        fail("ledger_differs", "the adjustment's ledger is not the adjustment",
              adjustment=list(wanted), ledger=amounts(line))


def _points_adjust(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    line = only_line(body, lines)
    if (line.principal_fen, line.bonus_fen, line.points) != (0, 0, whole(body["points"])):
        fail("ledger_differs", "the points adjustment's ledger is not the adjustment",
              points=body["points"], ledger=amounts(line))


def _expiry(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    for line in lines:
        if line.principal_fen or line.bonus_fen or line.points > 0:
            fail("expiry_credits", "an expiry may only take points away", ledger=amounts(line))
    if -sum(x.points for x in lines) != whole(body["points"]):
        fail("ledger_differs", "the points expired are not the ledger's",
              points=body["points"])


def _plan(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    fee = whole(body["fee_fen"])
    if facts.rules is not None:
        plan = facts.rules.plans.get(str(body.get("plan")))
        if plan is None or int(plan["fee_fen"]) != fee:
            fail("plan_breaks_rule", f"plan {body.get('plan')} for {fee} fen is not a chain "
                  "plan at that price", fee_fen=fee,
                  chain_fee_fen=None if plan is None else int(plan["fee_fen"]))
    if body.get("method") != "wallet":
        if lines:
            fail("ledger_differs", "a plan not paid from stored value moved it")
        return
    line = only_line(body, lines)
    taken_p, taken_b = -line.principal_fen, -line.bonus_fen
    if line.points or taken_p < 0 or taken_b < 0 or taken_p + taken_b != fee:
        fail("ledger_differs", "the stored value taken is not the plan's fee", fee_fen=fee,
              ledger=amounts(line))
    if line.after is not None:
        check_split(fee, taken_p, taken_b, line.after)


def _registered(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    """A registration as the till's form makes it (:mod:`storeapp.profile_rules`)."""
    an_id(body["member_id"])
    an_id(body.get("card_no"), MAX_CARD_NO)
    _profile_values(body, event_at(body))


def _profile_changed(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    an_id(body["member_id"])
    fields = body.get("fields")
    if not isinstance(fields, Mapping):
        raise TypeError(f"fields {fields!r} is not an object")
    _profile_values(fields, event_at(body))


def _profile_values(values: Mapping[str, Any], at: dt.datetime) -> None:
    """The profile fields ``values`` holds, each as a till's form allows it. An erased
    member's registration carries no name (head office opens it as no one's)."""
    try:
        if "gender" in values:
            profile_rules.check_gender(values["gender"])
        if "birthday" in values:
            day = values["birthday"]
            if day is not None and not isinstance(day, str):
                raise TypeError(f"birthday {day!r} is not text")
            profile_rules.parse_birthday(day, today=to_local(at).date())
        name = values.get("name", "")
        if not isinstance(name, str):
            raise TypeError(f"name {name!r} is not text")
        if name:
            profile_rules.clean_name(name)
    except DomainError as bad:
        fail("bad_profile", f"a profile no till's form allows: {bad}")
    if not isinstance(values.get("phone", ""), str):
        raise TypeError(f"phone {values['phone']!r} is not text")
    if not isinstance(values.get("marketing_consent", False), bool):
        raise TypeError(f"marketing_consent {values['marketing_consent']!r} is not yes or no")


def _ledger_posted(body: Mapping[str, Any], lines: list[Line], facts: Facts) -> None:
    fail("unexplained_movement", "money moved by an action that says nothing of itself",
          lines=[amounts(x) for x in lines])


Check = Callable[[Mapping[str, Any], list[Line], Facts], None]
_CHECKS: dict[str, Check] = {
    "wallet_topped_up": _topup, "wallet_topup_voided": _void, "sale_completed": _sale,
    "sale_refunded": _refund, "member_closed": _close, "wallet_adjusted": _adjust,
    "points_adjusted": _points_adjust, "points_expired": _expiry, "plan_bought": _plan,
    "ledger_posted": _ledger_posted, "member_registered": _registered,
    "member_profile_updated": _profile_changed,
}
#: Checked even without a ledger (the event still claims something about money, or writes
#: what a member is).
_ALWAYS = frozenset({"plan_bought", "sale_refunded", "wallet_topup_voided",
                     "member_registered", "member_profile_updated"})


# -- helpers -------------------------------------------------------------------------------------

def fail(reason: str, message: str, **amounts: Any) -> None:
    raise Implausible(Problem(reason, message, amounts))


def only_line(body: Mapping[str, Any], lines: Sequence[Line]) -> Line:
    """The event's one ledger line, for the member it names."""
    member_id = body.get("member_id")
    if len(lines) != 1 or lines[0].member_id != member_id:
        fail("ledger_other_member", "the event moves money of a member it does not name",
              named=member_id, moved=[x.member_id for x in lines])
    return lines[0]


def _given(facts: Facts, kind: str, ref: str, member_id: str) -> Given:
    given = facts.given
    what = "sale" if kind == "sale" else "top-up"
    if given is None or given.kind != kind or given.till_no != facts.till_no:
        fail(f"unknown_{'sale' if kind == 'sale' else 'topup'}",
              f"it names {what} {ref}, which this till never sent", ref=ref)
        raise AssertionError  # unreachable: fail raises
    if given.member_id != member_id:
        fail("ledger_other_member", f"{what} {ref} was another member's", ref=ref)
    if given.used:
        fail("refund_repeated" if kind == "sale" else "void_repeated",
              f"{what} {ref} was already given back", ref=ref)
    return given


def require_approval(body: Mapping[str, Any]) -> None:
    approval = body.get("approval")
    if not isinstance(approval, Mapping) or not str(approval.get("approved_by") or "").strip():
        fail("no_approval", f"a {body.get('type')} needs a manager's approval and carries none")


def amounts(line: Line) -> dict[str, Any]:
    return {"member_id": line.member_id, "principal_fen": line.principal_fen,
            "bonus_fen": line.bonus_fen, "points": line.points}


def event_at(body: Mapping[str, Any]) -> dt.datetime:
    """When the till says the event happened (its ``at``, UTC), naive."""
    return instant(str(body["at"]))


@functools.lru_cache(maxsize=4096)
def instant(text: str) -> dt.datetime:
    """An ISO 8601 moment in UTC as a naive datetime. Cached: checking and applying one event
    read its ``at`` two or three times (the same string, whose hash Python keeps)."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=None)


def whole(value: Any) -> int:
    if type(value) is not int:  # not a bool (nor an int subclass, which JSON never makes)
        raise TypeError(f"{value!r} is not a whole number")
    return value


#: the longest id a till makes (a UUID; head office's columns hold no more)
ID_CHARS = 36


def an_id(value: Any, longest: int = ID_CHARS) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= longest:
        raise TypeError(f"{value!r} is not an id")
    return value
