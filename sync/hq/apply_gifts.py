"""Applying a till's accepted gift-card movements (不记名预付卡) at head office: each card's
balance as the sum of every till's movements, head office's gift-card ledger, and a card spent
below zero by two stores offline listed as an exception.

A spend can arrive before its card's sale (sold at one store, spent at another, uploaded first):
the card is then known but not yet ``sold``, and its balance is only judged once the sale is in.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from storeapp.clock import to_local
from sync.hq import bulk
from sync.hq import models as m
from sync.hq.batch import Batch
from sync.hq.verify_gifts import parse_gift

if TYPE_CHECKING:
    from sync.hq.ingest import EventIn


def cards_named(body: dict[str, Any]) -> list[str]:
    return [str(x.get("card_no")) for x in body.get("gift") or () if isinstance(x, dict)]


def hold_key(key: str) -> str:
    """The hold a sale's gift-card payment was held under (:func:`storeapp.services.sales.
    gift_hold_key`)."""
    return f"{key[:59]}:gift"


class GiftApplier(Batch):
    """Gift cards; mixed into the ingest, whose state it shares."""

    gift_cards: dict[str, m.GiftCard]
    gift_rows: list[dict[str, Any]]
    moved_gifts: set[str]
    hold_keys: list[str]

    if TYPE_CHECKING:  # the ingest's own, used here
        def exception(self, kind: str, member_id: str | None, amount_fen: int | None,
                      detail: dict[str, Any]) -> None: ...

    def load_gifts(self, run: list[EventIn]) -> None:
        """One locking read for the batch: the gift cards its events name."""
        wanted = sorted({no for e in run for no in cards_named(e.body)} - self.gift_cards.keys())
        if not wanted:
            return
        for row in self.s.scalars(select(m.GiftCard)
                                  .where(bulk.among(self.s, m.GiftCard.card_no, wanted))
                                  .order_by(m.GiftCard.card_no).with_for_update()):
            self.gift_cards[row.card_no] = row

    def gifts_sold(self) -> frozenset[str]:
        return frozenset(no for no, card in self.gift_cards.items() if card.sold)

    def apply_gift(self, event: EventIn) -> None:
        body = event.body
        expires = body.get("expires_at") if event.type == "giftcards_sold" else None
        for line in parse_gift(body.get("gift")):
            card = self._card(line.card_no)
            if event.type == "giftcards_sold":
                card.sold, card.face_fen = True, line.amount_fen
                card.store_code, card.sold_at = self.store_code, event.created_at
                card.expires_at = dt.datetime.fromisoformat(str(expires)) if expires else None
            card.balance_fen += line.amount_fen
            self.moved_gifts.add(line.card_no)
            self.gift_rows.append({
                "card_no": line.card_no, "store_code": self.store_code,
                "till_no": self.till_no, "event_id": event.event_id, "kind": event.type,
                "amount_fen": line.amount_fen, "at": event.created_at,
                "day": to_local(event.created_at).date()})
        key = body.get("key")
        if isinstance(key, str) and body.get("gift") and event.type == "sale_completed":
            self.hold_keys.append(hold_key(key))

    def _card(self, card_no: str) -> m.GiftCard:
        card = self.gift_cards.get(card_no)
        if card is None:
            card = m.GiftCard(card_no=card_no, face_fen=0, balance_fen=0, sold=False,
                              store_code=card_no[1:5], sold_at=None, expires_at=None)
            self.s.add(card)
            self.gift_cards[card_no] = card
        return card

    def settle_gifts(self) -> None:
        self.s.flush()
        if self.gift_rows:
            self.insert(m.GiftRow, self.gift_rows)
            self.gift_rows = []
        for card_no in sorted(self.moved_gifts):
            card = self.gift_cards[card_no]
            if card.sold and card.balance_fen < 0:
                self._flag_overdrawn(card)
        self.moved_gifts.clear()

    def _flag_overdrawn(self, card: m.GiftCard) -> None:
        detail = {"card_no": card.card_no, "face_fen": card.face_fen,
                  "stores": self._gift_stores(card.card_no)}
        open_rows = [row for row in self.s.scalars(select(m.Exception_).where(
            m.Exception_.kind == "giftcard_overdrawn", m.Exception_.resolved_at.is_(None)))
            if json.loads(row.detail_json).get("card_no") == card.card_no]
        if not open_rows:
            self.exception("giftcard_overdrawn", None, -card.balance_fen, detail)
            return
        row = open_rows[0]
        row.amount_fen = max(int(row.amount_fen or 0), -card.balance_fen)
        row.detail_json = json.dumps(detail, ensure_ascii=False)
        row.updated_at = self.now

    def _gift_stores(self, card_no: str) -> dict[str, int]:
        totals: dict[str, int] = {}
        for code, amount in self.s.execute(select(m.GiftRow.store_code, m.GiftRow.amount_fen)
                                           .where(m.GiftRow.card_no == card_no)):
            totals[code] = totals.get(code, 0) + int(amount)
        return dict(sorted(totals.items()))
