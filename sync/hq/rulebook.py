"""The chain rules as they stood at a version: what head office checks a till's events against.

A version is a change number (:func:`sync.hq.db.next_change_no`): the rules at version *v* are
the defaults declared in :mod:`storeapp.settings`, overridden by every rule head office set at or
before *v* (``hq_rule_history``). Once a till's cursor names *v*, nothing at or below it can still
commit, so the rules at a version never change and are kept once computed.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp.settings import BY_NAME, CHAIN, Settings
from sync.hq import models as m

CACHED_VERSIONS = 64


@dataclass(frozen=True)
class ChainRules:
    """Settings and plans of one rules version, and the bounds the checks need from them,
    worked out once per version as exact fractions (the checks then need no Decimal)."""

    version: int
    settings: Settings
    plans: dict[str, dict[str, Any]]
    #: count cards the chain sells (次卡), by product code: a till sells them at this price
    card_products: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    #: the highest tier multiplier times the highest plan multiplier
    best_multiplier: Fraction = Fraction(1)
    promo_multiplier: Fraction = Fraction(1)
    birthday_multiplier: Fraction = Fraction(1)
    promo_dates: frozenset[str] = frozenset()
    #: the highest tier discount plus the highest plan discount, in percent
    most_discount_pct: Fraction = Fraction(0)
    #: the staff price's discount, in percent (only a sale that says it is a staff sale)
    staff_discount_pct: Fraction = Fraction(0)

    @classmethod
    def of(cls, version: int, settings: Settings, plans: dict[str, dict[str, Any]],
           card_products: dict[str, dict[str, Any]] | None = None) -> ChainRules:
        tiers = settings.tiers
        plan_multipliers = [_exact(p.get("points_multiplier") or 1) for p in plans.values()]
        plan_discounts = [_exact(p.get("extra_discount_pct") or 0) for p in plans.values()]
        return cls(
            version=version, settings=settings, plans=plans,
            card_products=dict(card_products or {}),
            best_multiplier=max(_exact(t["points_multiplier"]) for t in tiers)
            * max(plan_multipliers, default=Fraction(1)),
            promo_multiplier=_exact(settings.points_promo_multiplier),
            birthday_multiplier=_exact(settings.points_birthday_multiplier),
            promo_dates=frozenset(str(d) for d in settings.points_promo_dates),
            most_discount_pct=max(_exact(t["discount_pct"]) for t in tiers)
            + max(plan_discounts, default=Fraction(0)),
            staff_discount_pct=_exact(settings.staff_discount_pct))


def _exact(value: Any) -> Fraction:
    return Fraction(Decimal(str(value)))


class RuleBook:
    """Rules by version for one head-office database (kept on its :class:`HqDatabase`)."""

    def __init__(self) -> None:
        self._cache: dict[int, ChainRules] = {}

    def at(self, session: Session, version: int) -> ChainRules:
        found = self._cache.get(version)
        if found is None:
            found = _load(session, version)
            if len(self._cache) >= CACHED_VERSIONS:
                self._cache.pop(next(iter(self._cache)))
            self._cache[version] = found
        return found


def _load(session: Session, version: int) -> ChainRules:
    settings: dict[str, Any] = {}
    plans: dict[str, dict[str, Any]] = {}
    card_products: dict[str, dict[str, Any]] = {}
    rows = session.execute(
        select(m.RuleVersion.kind, m.RuleVersion.key, m.RuleVersion.value_json)
        .where(m.RuleVersion.change_no <= version,
               m.RuleVersion.kind.in_(("setting", "plan", "card_product")))
        .order_by(m.RuleVersion.change_no))
    for kind, key, value_json in rows:  # later versions of a rule overwrite earlier ones
        value = None if value_json is None else json.loads(value_json)
        if kind == "setting":
            declared = BY_NAME.get(key)
            if declared is None or declared.scope != CHAIN:
                continue
            settings[key] = declared.default if value is None else value
        else:
            table = plans if kind == "plan" else card_products
            if value is None or not value.get("active", True):
                table.pop(key, None)
            else:
                table[key] = value
    return ChainRules.of(version, Settings(settings), plans, card_products)


def current_rules(session: Session) -> ChainRules:
    """The chain rules as they stand now (every rule head office has set; not cached: the
    programme's pages and campaigns read them a few times a day)."""
    return _load(session, 2**62)
