"""Every setting declared once: name, type, default, description, and who owns it.

Chain-wide rules (tiers, bonus, points, coupons, caps) belong to head office and arrive by sync;
till-local settings (store code, devices, idle lock) stay on the till. Values that differ from the
default are stored as JSON in the ``settings`` table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from storeapp.errors import InvalidInput

T = TypeVar("T")

CHAIN = "chain"
TILL = "till"


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    description: str
    scope: str = CHAIN
    #: Never shown in clear (listings, audit rows): see :func:`shown`.
    secret: bool = False


DECLARED: tuple[Setting, ...] = (
    # -- identity of this till
    Setting("store_code", str, "0001", "4-digit store code (in card and receipt numbers)", TILL),
    Setting("store_name", str, "示范门店 Demo Store", "Store name printed on receipts", TILL),
    Setting("till_no", int, 1, "Till number within the store (1-99)", TILL),
    Setting("idle_lock_minutes", int, 5, "Lock the till after this many idle minutes", TILL),
    Setting("language", str, "zh_CN", "Language of the counter: zh_CN or en", TILL),
    Setting("scanner_max_gap_ms", int, 35, "Keys closer than this belong to a scanner burst", TILL),
    Setting("scanner_min_length", int, 4, "Shortest scan a keyboard-wedge burst can be", TILL),
    Setting("printer_uri", str, "null:", "Receipt printer, e.g. tcp://192.168.1.50:9100", TILL),
    Setting("printer_profile", str, "80mm", "Paper profile: 58mm, 80mm or a printer model", TILL),
    Setting("printer_encoding", str, "gb18030", "Printer text encoding", TILL),
    Setting("scanner_uri", str, "", "Serial scanner, e.g. serial:///dev/ttyACM0?baud=9600", TILL),
    Setting("display_uri", str, "", "Customer display, e.g. serial:///dev/ttyUSB1?baud=9600", TILL),
    Setting("display_protocol", str, "cd5220", "Customer display commands: cd5220 or escpos",
            TILL),
    Setting("qr_secret", str, "", "Chain secret that signs member QR codes (made on first start)"),
    # -- head office (docs/sync.md)
    Setting("hq_url", str, "", "Head-office server URL; empty = not linked", TILL),
    Setting("hq_token", str, "", "This store's token for head office", TILL, secret=True),
    Setting("hq_rules_version", int, 0,
            "Version of head office's chain rules this till has taken (set by sync)", TILL),
    Setting("sync_interval_minutes", int, 5, "Minutes between syncs with head office", TILL),
    Setting("sync_nightly_hour", int, 2, "Local hour of the nightly full sync", TILL),
    Setting("offline_max_txn_fen", int, 30_000,
            "Offline (head office unreachable): most stored value one sale may spend"),
    Setting("offline_max_member_fen", int, 50_000,
            "Offline: most stored value one member may spend in all"),
    Setting("offline_max_store_fen", int, 500_000,
            "Offline: most stored value this store may take in all"),
    Setting("offline_max_hours", int, 24,
            "Offline: no stored-value spends once head office was last reached this long ago"),
    # -- tiers: growth value is net spend over a rolling window
    Setting(
        "tiers",
        list,
        [
            {"code": "regular", "name": "普通", "name_en": "Regular", "threshold_fen": 0,
             "discount_pct": "0", "points_multiplier": "1.0"},
            {"code": "silver", "name": "银卡", "name_en": "Silver", "threshold_fen": 100_000,
             "discount_pct": "2", "points_multiplier": "1.2"},
            {"code": "gold", "name": "金卡", "name_en": "Gold", "threshold_fen": 500_000,
             "discount_pct": "5", "points_multiplier": "1.5"},
            {"code": "diamond", "name": "钻石", "name_en": "Diamond", "threshold_fen": 2_000_000,
             "discount_pct": "10", "points_multiplier": "2.0"},
        ],
        "Tiers by growth value (net spend over the window), lowest first",
    ),
    Setting("tier_window_days", int, 365, "Rolling window for growth value, in days"),
    Setting("tier_near_pct", int, 15, "Receipt mentions the next tier when this close (percent)"),
    # -- points
    Setting("points_per_yuan", int, 1, "Points earned per whole yuan actually paid"),
    Setting("points_redeem_min", int, 100, "Fewest points that can be redeemed at once"),
    Setting("points_redeem_max_pct", int, 50, "Points pay at most this percent of a sale"),
    Setting("points_fen_per_point", int, 1, "Value of one point in fen (100 points = ¥1)"),
    Setting("points_expiry_months", int, 24, "Months after which an earned lot expires"),
    Setting("points_promo_dates", list, [], "Dates (YYYY-MM-DD) with a points promotion"),
    Setting("points_promo_multiplier", str, "2", "Multiplier on promotion dates"),
    Setting("points_birthday_multiplier", str, "2", "Multiplier in the member's birthday month"),
    # -- stored value
    Setting(
        "topup_bonus_rules",
        list,
        [
            {"min_fen": 50_000, "bonus_fen": 5_000},
            {"min_fen": 100_000, "bonus_fen": 15_000},
            {"min_fen": 200_000, "bonus_fen": 40_000},
        ],
        "Top-up bonus: the best rule whose minimum the top-up reaches applies",
    ),
    Setting("wallet_cap_fen", int, 500_000, "Largest balance a named member may hold (fen)"),
    Setting("wallet_pin_max_tries", int, 5, "Wrong payment PINs before the PIN locks"),
    Setting("cash_refund_transfer_over_fen", int, 10_000, "Cash refunds above this are transfers"),
    # -- coupons
    Setting("welcome_coupon_template", str, "", "Template code issued on registration ('' = none)"),
    Setting("birthday_coupon_template", str, "", "Template code issued in the birthday month"),
    Setting("topup_coupon_rules", list, [], "[{min_fen, template}] coupons issued with a top-up"),
    # -- staff
    Setting("user_pin_max_tries", int, 5, "Wrong login PINs before a user is locked"),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in DECLARED}


class Settings:
    """Typed view over the declared settings with the stored overrides applied."""

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = {s.name: s.default for s in DECLARED}
        self._derived: dict[str, Any] = {}
        for name, value in (overrides or {}).items():
            if name in BY_NAME:
                self._values[name] = value

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def derived(self, name: str, build: Callable[[Settings], T]) -> T:
        """A value computed from these settings once (e.g. the parsed tier table).

        A Settings object never changes: a changed setting makes a new one, so this cache can
        never go stale.
        """
        if name not in self._derived:
            self._derived[name] = build(self)
        return self._derived[name]  # type: ignore[no-any-return]


def shown(name: str, value: Any) -> Any:
    """A setting's value as it may be shown or logged: a secret only says whether it is set."""
    setting = BY_NAME.get(name)
    if setting is not None and setting.secret:
        return "********" if value else ""
    return value


def validate(name: str, value: Any) -> Any:
    """Check a value against its declaration; returns the value in its declared type."""
    setting = BY_NAME.get(name)
    if setting is None:
        raise KeyError(f"unknown setting {name!r}")
    if setting.type is int and isinstance(value, str):
        value = int(value)
    if setting.type in (list, dict) and isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, setting.type) or (setting.type is int and isinstance(value, bool)):
        raise TypeError(f"setting {name} must be {setting.type.__name__}")
    return value


def refusal(name: str, exc: Exception) -> InvalidInput:
    """``bad_setting`` for a value :func:`validate` (or storing it) refused, in its words
    (a ``KeyError``'s without the quotes ``str()`` would give them)."""
    words = str(exc.args[0]) if exc.args else type(exc).__name__
    words = words[:1].upper() + words[1:]
    return InvalidInput("bad_setting", words, setting=name, detail=words)
