"""Chain rules as pure functions of the settings: the till applies them, head office checks a
till's events against them (:mod:`sync.hq.verify`), so neither writes them again. Pricing a sale
(discounts, coupons, points) is :mod:`storeapp.pricing`."""

from __future__ import annotations

from storeapp.settings import Settings


def bonus_for(settings: Settings, amount_fen: int) -> int:
    """The bonus of the best rule the top-up reaches ("充500送50")."""
    reached = [int(r["bonus_fen"]) for r in settings.topup_bonus_rules
               if amount_fen >= int(r["min_fen"])]
    return max(reached, default=0)
