"""Every setting declared once: name, type, default, description, and who owns it.

Chain-wide rules (tiers, bonus, points, coupons, caps) belong to head office and arrive by sync;
till-local settings (store code, devices, idle lock) stay on the till. Values that differ from the
default are stored as JSON in the ``settings`` table.

Each setting is a typed descriptor on :class:`Settings` (as Electrum's ``ConfigVar``), so
``settings.till_no`` is an ``int`` to the type checker and a misspelt name is an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, TypedDict, TypeVar, cast, overload

from storeapp import prepaid_agreement as agreement_text
from storeapp.errors import InvalidInput

T = TypeVar("T")

CHAIN = "chain"
TILL = "till"


class TierRule(TypedDict):
    """One row of ``tiers``. Percent and multiplier are decimals written as text (exact)."""

    code: str
    name: str
    name_en: str
    threshold_fen: int
    discount_pct: str
    points_multiplier: str


class TopupBonusRule(TypedDict):
    min_fen: int
    bonus_fen: int


class TopupCouponRule(TypedDict):
    min_fen: int
    template: str


class Var(Generic[T]):
    """One setting, declared once as an attribute of :class:`Settings`: its name is the
    attribute's, ``type`` the runtime type :func:`validate` checks (the item shapes of a list are
    the annotation's, not checked at run time), ``scope`` who owns it (:data:`CHAIN` or
    :data:`TILL`), and a ``secret`` is never shown in clear (see :func:`shown`)."""

    name: str

    def __init__(self, type_: type[T], default: T, description: str, scope: str = CHAIN, *,
                 secret: bool = False, key_store: bool = False) -> None:
        if not isinstance(default, type_):  # a declaration's own mistake: fails at import
            raise TypeError(f"default {default!r} is not a {type_.__name__}")
        self.type = type_
        self.default = default
        self.description = description
        self.scope = scope
        self.secret = secret
        #: kept in the till's key store (storeapp.keystore), not the settings table: a copy of
        #: the database file or a backup does not carry it (Database.set_setting/load_settings)
        self.key_store = key_store

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Var[T]: ...

    @overload
    def __get__(self, obj: Settings, owner: type[Any] | None = None) -> T: ...

    def __get__(self, obj: Settings | None, owner: type[Any] | None = None) -> Var[T] | T:
        if obj is None:
            return self
        return cast(T, obj._values[self.name])

    def __repr__(self) -> str:
        return (f"Var({self.name!r}, {self.type.__name__}, default={self.default!r}, "
                f"scope={self.scope!r}{', secret=True' if self.secret else ''})")


class Settings:
    """Typed view over the declared settings with the stored overrides applied.

    A Settings object never changes: a changed setting makes a new one.
    """

    __slots__ = ("_derived", "_values")

    # -- identity of this till
    store_code = Var(str, "0001", "4-digit store code (in card and receipt numbers)", TILL)
    store_name = Var(str, "示范门店 Demo Store", "Store name printed on receipts", TILL)
    till_no = Var(int, 1, "Till number within the store (1-99)", TILL)
    idle_lock_minutes = Var(int, 5, "Lock the till after this many idle minutes", TILL)
    language = Var(str, "zh_CN", "Language of the counter: zh_CN or en", TILL)
    scanner_max_gap_ms = Var(int, 35, "Keys closer than this belong to a scanner burst", TILL)
    scanner_min_length = Var(int, 4, "Shortest scan a keyboard-wedge burst can be", TILL)
    printer_uri = Var(str, "null:", "Receipt printer, e.g. tcp://192.168.1.50:9100", TILL)
    printer_profile = Var(str, "80mm", "Paper profile: 58mm, 80mm or a printer model", TILL)
    printer_encoding = Var(str, "gb18030", "Printer text encoding", TILL)
    scanner_uri = Var(str, "", "Serial scanner, e.g. serial:///dev/ttyACM0?baud=9600", TILL)
    display_uri = Var(str, "", "Customer display, e.g. serial:///dev/ttyUSB1?baud=9600", TILL)
    display_protocol = Var(str, "cd5220", "Customer display commands: cd5220 or escpos", TILL)
    qr_secret = Var(
        str, "", "Secret that signs member and count-card QR codes: the chain's, taken from head "
        "office on joining (made on first start until then)", TILL, secret=True)
    qr_secrets_previous = Var[list[str]](
        list, [], "Secrets this till signed QR codes with before (QR codes they signed still "
        "verify)", TILL, secret=True)
    key_entry = Var(
        str, "", "Names this till's keys in the key store (storeapp.keystore): not a secret, made "
        "on first start", TILL)
    # -- head office (docs/sync.md)
    hq_url = Var(str, "", "Head-office server URL; empty = not linked", TILL)
    hq_token = Var(str, "", "This store's token for head office (kept in the till's key store, "
                   "never in the database)", TILL, secret=True, key_store=True)
    hq_member_key = Var(
        str, "", "Head office's public key members' own keys are sealed to when uploaded "
        "(given when the till joins)", TILL)
    hq_rules_version = Var(
        int, 0, "Version of head office's chain rules this till has taken (set by sync)", TILL)
    sync_interval_minutes = Var(int, 5, "Minutes between syncs with head office", TILL)
    sync_nightly_hour = Var(int, 2, "Local hour of the nightly full sync", TILL)
    offline_max_txn_fen = Var(
        int, 30_000, "Offline (head office unreachable): most stored value one sale may spend")
    offline_max_member_fen = Var(
        int, 50_000, "Offline: most stored value one member may spend in all")
    offline_max_store_fen = Var(
        int, 500_000, "Offline: most stored value this store may take in all")
    offline_max_hours = Var(
        int, 24, "Offline: no stored-value spends once head office was last reached this long ago")
    # -- gift cards (不记名预付卡)
    giftcard_valid_months = Var(
        int, 36, "Months an anonymous gift card is valid from its sale (the law: at least 36)")
    giftcard_offline_max_fen = Var(
        int, 20_000, "Offline: most one gift card may pay at this till until head office answers")
    # -- referral (推广大使): head office decides and rewards
    referral_min_purchase_fen = Var(
        int, 10_000, "Referral: the referee's first purchase of at least this much earns the "
        "referrer's reward")
    referral_reward_points = Var(
        int, 500, "Referral: points the referrer earns for a new member's qualifying purchase")
    referral_monthly_cap = Var(
        int, 5, "Referral: most rewards one referrer earns in a calendar month (Beijing time)")
    # -- tiers: growth value is net spend over a rolling window
    tiers = Var[list[TierRule]](
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
    )
    tier_window_days = Var(int, 365, "Rolling window for growth value, in days")
    tier_near_pct = Var(int, 15, "Receipt mentions the next tier when this close (percent)")
    # -- points
    points_per_yuan = Var(int, 1, "Points earned per whole yuan actually paid")
    points_redeem_min = Var(int, 100, "Fewest points that can be redeemed at once")
    points_redeem_max_pct = Var(int, 50, "Points pay at most this percent of a sale")
    points_fen_per_point = Var(int, 1, "Value of one point in fen (100 points = ¥1)")
    points_expiry_months = Var(int, 24, "Months after which an earned lot expires")
    points_promo_dates = Var[list[str]](list, [], "Dates (YYYY-MM-DD) with a points promotion")
    points_promo_multiplier = Var(str, "2", "Multiplier on promotion dates")
    points_birthday_multiplier = Var(str, "2", "Multiplier in the member's birthday month")
    # -- stored value
    topup_bonus_rules = Var[list[TopupBonusRule]](
        list,
        [
            {"min_fen": 50_000, "bonus_fen": 5_000},
            {"min_fen": 100_000, "bonus_fen": 15_000},
            {"min_fen": 200_000, "bonus_fen": 40_000},
        ],
        "Top-up bonus: the best rule whose minimum the top-up reaches applies",
    )
    wallet_cap_fen = Var(int, 500_000, "Largest balance a named member may hold (fen)")
    wallet_pin_max_tries = Var(int, 5, "Wrong payment PINs before the PIN locks")
    cash_refund_transfer_over_fen = Var(int, 10_000, "Cash refunds above this are transfers")
    prepaid_agreement = Var[dict[str, str]](
        dict, {"version": agreement_text.VERSION, "text": agreement_text.TEXT},
        "The prepaid agreement (预付卡协议) a member accepts by topping up: {version, text}; each "
        "top-up records its version and the text's SHA-256 (a new text needs a new version)")
    # -- coupons
    welcome_coupon_template = Var(str, "", "Template code issued on registration ('' = none)")
    birthday_coupon_template = Var(str, "", "Template code issued in the birthday month")
    topup_coupon_rules = Var[list[TopupCouponRule]](
        list, [], "[{min_fen, template}] coupons issued with a top-up")
    # -- campaigns (head office's programme)
    campaign_monthly_contacts = Var(
        int, 4, "Most campaigns one member is chosen for in a month (holdout included)")
    # -- staff
    user_pin_max_tries = Var(int, 5, "Wrong login PINs in a row before a user is locked")
    user_lock_minutes = Var(
        int, 5, "Minutes a user stays locked after too many wrong PINs; each lock in a row lasts "
        "twice as long (at most a day), and a manager can unlock sooner")
    staff_discount_pct = Var(
        str, "10", "Staff price (内部会员): percent off a linked staff member's purchases, "
        "given instead of the tier and plan discount when larger")
    staff_monthly_discount_cap_fen = Var(
        int, 30_000, "Most staff discount one staff member gets in a store-local month (fen)")

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = {s.name: s.default for s in DECLARED}
        self._derived: dict[str, Any] = {}
        for name, value in (overrides or {}).items():
            if name in BY_NAME:
                self._values[name] = value

    @property
    def qr_secrets(self) -> tuple[str, ...]:
        """Every secret a QR code scanned here may be signed with: the current one (which signs
        every new code) first, then the earlier ones (storeapp.identity.verify_qr takes these)."""
        return (self.qr_secret, *(s for s in self.qr_secrets_previous if s != self.qr_secret))

    def get(self, name: str) -> Any:
        """A setting by its name, for code that goes by name (listings, forms, restore);
        ``KeyError`` for a name that is not declared."""
        if name not in BY_NAME:
            raise KeyError(f"unknown setting {name!r}")
        return self._values[name]

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


#: The declarations, in the order they are listed.
DECLARED: tuple[Var[Any], ...] = tuple(v for v in vars(Settings).values() if isinstance(v, Var))

BY_NAME: dict[str, Var[Any]] = {s.name: s for s in DECLARED}


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
