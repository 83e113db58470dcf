"""Head office's rules and prices, applied to the till's copy: chain-scope settings, products,
coupon templates, plans, count cards on sale and consent notices (``{"kind", "key", "value"}``,
``value`` null = deleted).

Till-scope settings (store code, printer, head-office URL, ...) belong to the till and are never
taken from a download. A rule the till cannot take raises :class:`BadRule`; the caller reports it
and applies the rest of the page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Boolean, Integer
from sqlalchemy.orm import Session

from storeapp.db import Database
from storeapp.models import Base, CardProduct, CouponTemplate, Plan, Product, SettingRow
from storeapp.services import consents
from storeapp.settings import BY_NAME, CHAIN, Settings

#: Rule kind -> (model, the columns head office sends, those a new row cannot do without).
_TABLES: dict[str, tuple[type[Base], tuple[str, ...], tuple[str, ...]]] = {
    "product": (Product, ("name", "price_fen", "active"), ("name", "price_fen")),
    "coupon_template": (CouponTemplate,
                        ("name", "kind", "value", "min_spend_fen", "valid_days", "active"),
                        ("name", "kind", "value", "valid_days")),
    "plan": (Plan, ("name", "fee_fen", "duration_days", "extra_discount_pct", "points_multiplier",
                    "monthly_coupon_template", "monthly_coupon_count", "active"),
             ("name", "fee_fen", "duration_days")),
    "card_product": (CardProduct, ("name", "covers", "uses", "price_fen", "valid_months",
                                   "stores", "offline_uses", "active"),
                     ("name", "covers", "uses", "price_fen", "valid_months")),
}


class BadRule(ValueError):
    """A rule this till cannot take; the message says which and why."""


def apply_rule(db: Database, s: Session, rule: Mapping[str, Any], now: dt.datetime) -> bool:
    """Apply one rule in ``s``'s transaction: True when taken, False when it is not the till's
    to take (a till-scope setting); :class:`BadRule` when it cannot be taken."""
    kind, key, value = rule.get("kind"), str(rule.get("key", "")), rule.get("value")
    if kind == "setting":
        return _setting(db, s, key, value)
    if kind in _TABLES:
        _row(s, str(kind), key, value, now)
        return True
    if kind == "notice":  # a consent notice's text: kept by version, never withdrawn
        if value is not None:
            try:
                consents.take_notice(s, value)
            except consents.BadNotice as bad:
                raise BadRule(f"notice {key}: {bad}") from None
        return True
    raise BadRule(f"rule {kind}:{key}: unknown kind (a newer head office?)")


def _setting(db: Database, s: Session, name: str, value: Any) -> bool:
    declared = BY_NAME.get(name)
    if declared is None:
        raise BadRule(f"setting {name}: not known to this till (update the till's software)")
    if declared.scope != CHAIN:
        return False  # the till's own: head office never sends it, and the till never takes it
    if value is None:  # back to the default
        row = s.get(SettingRow, name)
        if row is not None:
            s.delete(row)
        db.settings = Settings({**db.settings.as_dict(), name: declared.default})
        return True
    try:
        db.set_setting(s, name, value)
    except (TypeError, ValueError, json.JSONDecodeError) as exc:
        raise BadRule(f"setting {name}: {exc}") from None
    return True


def _row(s: Session, kind: str, key: str, value: Any, now: dt.datetime) -> None:
    model, columns, required = _TABLES[kind]
    row = s.get(model, key)
    if value is None:  # deleted at head office: kept here (old sales name it), but inactive
        if row is not None:
            row.active = False  # type: ignore[attr-defined]
        return
    if not isinstance(value, Mapping):
        raise BadRule(f"{kind} {key}: value is not an object")
    table = model.__table__
    try:
        typed = {c: _typed(table.c[c].type, value[c]) for c in columns if c in value}
    except (TypeError, ValueError) as exc:
        raise BadRule(f"{kind} {key}: {exc}") from None
    empty = [c for c, v in typed.items() if v is None and not table.c[c].nullable]
    if empty:
        raise BadRule(f"{kind} {key}: {', '.join(empty)} cannot be empty")
    if row is None:
        missing = [c for c in required if c not in typed]
        if missing:
            raise BadRule(f"{kind} {key}: missing {', '.join(missing)}")
        primary_key = str(model.__mapper__.primary_key[0].key)
        row = model(**{primary_key: key, "active": True})
        s.add(row)
    for name, typed_value in typed.items():
        setattr(row, name, typed_value)
    if isinstance(row, Product | CardProduct):
        row.updated_at = now


def _typed(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, Boolean):
        return bool(value)
    if isinstance(column_type, Integer):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise TypeError(f"{value!r} is not a whole number")
        return int(value)
    return str(value)
