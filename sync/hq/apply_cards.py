"""Applying a till's accepted count-card events (次卡) at head office: the chain's cards, each
till's share of their uses, the count-card ledger, and overuse found across stores.

A card's uses at head office are the sum of every till's deltas; its value is what its uses left
are worth at its price (:func:`storeapp.count_rules.value_of`), worked out here, never summed
from what tills said (two tills each rounding their own uses would drift a fen apart). Uses below
zero mean two stores gave the last uses offline: an open ``countcard_overuse`` exception lists
who gave what, as an overdraft does for stored value. Every member whose card moved is touched,
so the member travels to every till again with their cards (:func:`sync.hq.service.changes`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from storeapp import count_rules
from storeapp.clock import to_local
from sync.hq import bulk
from sync.hq import models as m
from sync.hq.batch import Batch
from sync.hq.verify_cards import Card, cards_named

if TYPE_CHECKING:
    from sync.hq.ingest import EventIn


class CardApplier(Batch):
    """Count cards; mixed into the ingest, whose state it shares."""

    touched: set[str]
    #: head office's cards this batch names, by number (made by this batch: in the session)
    count_cards: dict[str, m.CountCard]
    count_shares: dict[tuple[str, str, int], list[int]]
    count_rows: list[dict[str, Any]]
    moved_cards: set[str]

    if TYPE_CHECKING:  # the ingest's own, used here
        def exception(self, kind: str, member_id: str | None, amount_fen: int | None,
                      detail: dict[str, Any]) -> None: ...

    def load_cards(self, run: list[EventIn]) -> None:
        """One locking read for the batch: the cards its events name."""
        wanted = sorted({no for event in run for no in cards_named(event.body)}
                        - self.count_cards.keys())
        if not wanted:
            return
        for row in self.s.scalars(select(m.CountCard)
                                  .where(bulk.among(self.s, m.CountCard.card_no, wanted))
                                  .order_by(m.CountCard.card_no).with_for_update()):
            self.count_cards[row.card_no] = row

    def card_facts(self) -> dict[str, Card]:
        """The cards as :mod:`sync.hq.verify_cards` checks against them."""
        return {no: Card(member_id=c.member_id, uses_total=c.uses_total, paid_fen=c.paid_fen,
                         bonus_fen=c.bonus_fen, status=c.status, expires_at=c.expires_at)
                for no, c in self.count_cards.items()}

    def apply_count(self, event: EventIn) -> None:
        """An accepted event's count-card part: a sale's new card, then every line's uses."""
        body = event.body
        if event.type == "countcard_sold":
            self._new_card(body, event.created_at)
        for line in body.get("count") or ():
            self._move(str(line["card_no"]), event, int(line["uses"]))
        if event.type == "countcard_refunded":
            card = self.count_cards[str(body["card_no"])]
            card.status = "refunded"

    def _new_card(self, body: dict[str, Any], at: dt.datetime) -> None:
        card = m.CountCard(
            card_no=str(body["card_no"]), member_id=str(body["member_id"]),
            product_code=str(body["product"]), name=str(body.get("name") or ""),
            covers=str(body.get("covers") or ""), uses_total=int(body["uses"]),
            paid_fen=int(body["paid_fen"]), bonus_fen=int(body.get("bonus_fen") or 0),
            method=str(body.get("method") or ""), stores=str(body.get("stores") or ""),
            offline_uses=int(body.get("offline_uses") or 0), uses_left=0, value_fen=0,
            status="active", store_code=self.store_code, sold_at=at,
            expires_at=dt.datetime.fromisoformat(str(body["expires_at"])).replace(tzinfo=None))
        self.s.add(card)
        self.count_cards[card.card_no] = card

    def _move(self, card_no: str, event: EventIn, uses: int) -> None:
        card = self.count_cards[card_no]
        before = card.value_fen
        card.uses_left += uses
        card.value_fen = count_rules.value_of(card.paid_fen, card.uses_total, card.uses_left)
        value = card.value_fen - before
        share = self.count_shares[card_no, self.store_code, self.till_no]
        share[0] += uses
        share[1] += value
        self.count_rows.append({
            "card_no": card_no, "member_id": card.member_id, "store_code": self.store_code,
            "till_no": self.till_no, "event_id": event.event_id, "kind": event.type,
            "uses": uses, "value_fen": value, "at": event.created_at,
            "day": to_local(event.created_at).date()})
        self.moved_cards.add(card_no)
        self.touched.add(card.member_id)

    def settle_cards(self) -> None:
        """After the events: the count ledger and shares written, overuse flagged."""
        self.s.flush()  # new cards exist before anything names them
        if self.count_rows:
            self.insert(m.CountRow, self.count_rows)
            self.count_rows = []
        if self.count_shares:
            rows = [{"card_no": no, "store_code": code, "till_no": till, "uses": uses,
                     "value_fen": value}
                    for (no, code, till), (uses, value) in sorted(self.count_shares.items())]
            self.count_shares.clear()
            dialect = self.s.get_bind().dialect.name
            ins = postgresql.insert(m.CountShare) if dialect == "postgresql" else sqlite.insert(
                m.CountShare)
            self.s.connection().execute(ins.on_conflict_do_update(
                index_elements=["card_no", "store_code", "till_no"],
                set_={"uses": m.CountShare.uses + ins.excluded.uses,
                      "value_fen": m.CountShare.value_fen + ins.excluded.value_fen}), rows)
        for card_no in sorted(self.moved_cards):
            card = self.count_cards[card_no]
            if card.uses_left < 0:
                self._flag_overuse(card)
        self.moved_cards.clear()

    def _flag_overuse(self, card: m.CountCard) -> None:
        over = -card.uses_left
        value = count_rules.value_of(card.paid_fen, card.uses_total, 1) * over
        detail = {"card_no": card.card_no, "card": card.name, "uses_over": over,
                  "stores": self._card_stores(card.card_no)}
        open_row = self.s.scalars(select(m.Exception_).where(
            m.Exception_.kind == "countcard_overuse", m.Exception_.member_id == card.member_id,
            m.Exception_.resolved_at.is_(None))).all()
        same = [row for row in open_row
                if json.loads(row.detail_json).get("card_no") == card.card_no]
        if not same:
            self.exception("countcard_overuse", card.member_id, value, detail)
            return
        row = same[0]
        row.amount_fen = max(int(row.amount_fen or 0), value)
        row.detail_json = json.dumps(detail, ensure_ascii=False)
        row.updated_at = self.now

    def _card_stores(self, card_no: str) -> dict[str, int]:
        """Each store's net uses of the card (who gave what)."""
        totals: dict[str, int] = defaultdict(int)
        for code, uses in self.s.execute(select(m.CountShare.store_code, m.CountShare.uses)
                                         .where(m.CountShare.card_no == card_no)):
            totals[code] += int(uses)
        return dict(sorted(totals.items()))


#: The card fields a till takes with its member (named alike in both databases).
CARD_FIELDS = ("card_no", "member_id", "product_code", "name", "covers", "uses_total",
               "paid_fen", "bonus_fen", "method", "stores", "offline_uses", "uses_left",
               "status", "store_code")


def card_out(card: m.CountCard, mine_uses: int) -> dict[str, Any]:
    """A card as a till downloads it with its member: the chain's uses and this till's own."""
    data: dict[str, Any] = {name: getattr(card, name) for name in CARD_FIELDS}
    data["sold_at"] = card.sold_at.isoformat()
    data["expires_at"] = card.expires_at.isoformat()
    data["mine_uses"] = mine_uses
    return data
