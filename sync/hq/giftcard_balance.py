"""A gift card's balance across the chain, for a till's balance enquiry (``GET /giftcard``).

An anonymous card does not travel with a member, so a till knows only the movements it made or
saw; head office holds the sum of every till's (:mod:`sync.hq.apply_gifts`). The answer is what
a spend could take now: the balance less live holds of other tills' spends in progress. A card
head office has not seen sold is unknown here (its sale may still be on its way from a till
that was offline): the till then goes by the card's QR and its offline allowance, as for a
spend (:func:`sync.hq.service.hold`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.hq import models as m
from sync.hq.errors import HqRefusal


def gift_balance(s: Session, card_no: str, now: dt.datetime) -> dict[str, Any]:
    card = s.get(m.GiftCard, card_no)
    if card is None or not card.sold:
        raise HqRefusal(404, "unknown_giftcard", f"head office has not seen gift card {card_no} "
                        "sold yet", card_no=card_no)
    held = int(s.scalar(select(func.coalesce(func.sum(m.Hold.amount_fen), 0)).where(
        m.Hold.member_id == card_no, m.Hold.released_at.is_(None),
        m.Hold.expires_at > now)) or 0)
    expired = card.expires_at is not None and card.expires_at <= now
    return {"card_no": card.card_no, "face_fen": card.face_fen, "balance_fen": card.balance_fen,
            "held_fen": held, "available_fen": 0 if expired else max(0, card.balance_fen - held),
            "expires_at": card.expires_at.isoformat() if card.expires_at else None,
            "expired": expired, "sold_at_store": card.store_code}
