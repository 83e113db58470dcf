"""Chain rules as pure functions of the settings: the till applies them, head office checks a
till's events against them (:mod:`sync.hq.verify`), so neither writes them again."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from storeapp.settings import Settings


def bonus_for(settings: Settings, amount_fen: int) -> int:
    """The bonus of the best rule the top-up reaches ("充500送50")."""
    reached = [int(r["bonus_fen"]) for r in settings.topup_bonus_rules
               if amount_fen >= int(r["min_fen"])]
    return max(reached, default=0)


def points_for(settings: Settings, paid_fen: int, mult: Decimal) -> int:
    """Whole yuan actually paid × points per yuan × multiplier, rounded down."""
    whole_yuan = max(0, paid_fen) // 100
    exact = Decimal(whole_yuan * int(settings.points_per_yuan)) * mult
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def max_redeemable_points(settings: Settings, payable_fen: int) -> int:
    """Most points a sale of ``payable_fen`` (after discount and coupon) may redeem."""
    share = payable_fen * int(settings.points_redeem_max_pct) // 100
    return share // int(settings.points_fen_per_point)
