"""The chain rules as they stood at a version: what head office checks a till's events against.

A version is a change number (:func:`sync.hq.db.next_change_no`): the rules at version *v* are
the defaults declared in :mod:`storeapp.settings`, overridden by every rule head office set at or
before *v* (``hq_rule_history``). Once a till's cursor names *v*, nothing at or below it can still
commit, so the rules at a version never change and are kept once computed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp.settings import BY_NAME, CHAIN, Settings
from sync.hq import models as m

CACHED_VERSIONS = 64


@dataclass(frozen=True)
class ChainRules:
    """Settings and plans of one rules version, and the bounds the checks need from them."""

    version: int
    settings: Settings
    plans: dict[str, dict[str, Any]]

    @property
    def max_tier_multiplier(self) -> Decimal:
        return max(Decimal(str(t["points_multiplier"])) for t in self.settings.tiers)

    @property
    def max_tier_discount_pct(self) -> Decimal:
        return max(Decimal(str(t["discount_pct"])) for t in self.settings.tiers)

    @property
    def max_plan_multiplier(self) -> Decimal:
        return max((Decimal(str(p.get("points_multiplier") or 1)) for p in self.plans.values()),
                   default=Decimal(1))

    @property
    def max_plan_discount_pct(self) -> Decimal:
        return max((Decimal(str(p.get("extra_discount_pct") or 0)) for p in self.plans.values()),
                   default=Decimal(0))


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
    rows = session.execute(
        select(m.RuleVersion.kind, m.RuleVersion.key, m.RuleVersion.value_json)
        .where(m.RuleVersion.change_no <= version, m.RuleVersion.kind.in_(("setting", "plan")))
        .order_by(m.RuleVersion.change_no))
    for kind, key, value_json in rows:  # later versions of a rule overwrite earlier ones
        value = None if value_json is None else json.loads(value_json)
        if kind == "setting":
            declared = BY_NAME.get(key)
            if declared is None or declared.scope != CHAIN:
                continue
            settings[key] = declared.default if value is None else value
        elif value is None or not value.get("active", True):
            plans.pop(key, None)
        else:
            plans[key] = value
    return ChainRules(version=version, settings=Settings(settings), plans=plans)
