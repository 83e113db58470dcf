"""Head office's coupons (a campaign's benefit) used at the tills: a sale that took one marks it
used; a second sale taking the same coupon (two tills offline) is a ``coupon_reused``
exception; a refund that gave the coupon back makes it usable again. The member gets a new
place in server order either way, so every till learns the coupon's state.

:class:`CouponApplier` is the ingest's part that does this; :func:`hold_key` names the hold a
till asks for before taking one (``POST /holds`` kind ``coupon``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, or_, select

from sync.hq import bulk
from sync.hq import models as m
from sync.hq.batch import Batch
from sync.hq.member_row import MemberRow

if TYPE_CHECKING:
    from sync.hq.ingest import EventIn


def hold_key(key: str) -> str:
    """The hold a sale under ``key`` takes on its head-office coupon (the till's
    ``sales.coupon_hold_key``)."""
    return f"{key[:57]}:coupon"


class CouponApplier(Batch):
    chain_coupons: dict[str, m.ChainCoupon]
    #: (store, receipt) → the coupon a refund of that sale may give back
    coupon_by_receipt: dict[tuple[str, str], m.ChainCoupon]
    touched: set[str]
    hold_keys: list[str]

    if TYPE_CHECKING:
        def exception(self, kind: str, member_id: str | None, amount_fen: int | None,
                      detail: dict[str, Any]) -> None: ...

        def member(self, member_id: str) -> MemberRow: ...  # sync.hq.apply_events

    def _coupon_moved(self, coupon: m.ChainCoupon) -> None:
        """Its member goes to the tills again: loaded (and locked) first, when the sale was
        another member's or no member's."""
        self.member(coupon.member_id)
        self.touched.add(coupon.member_id)

    def load_coupons(self, run: list[EventIn]) -> None:
        """The head-office coupons the run's sales name, and those its refunds may give back
        (one locking read)."""
        codes = {str(e.body["coupon_code"]) for e in run
                 if e.type == "sale_completed" and e.body.get("coupon_code")}
        receipts = {str(e.body["receipt_no"]) for e in run
                    if e.type == "sale_refunded" and e.body.get("coupon_restored")}
        if not codes and not receipts:
            return
        conditions: list[ColumnElement[bool]] = []
        if codes:
            conditions.append(bulk.among(self.s, m.ChainCoupon.code, sorted(codes)))
        if receipts:
            conditions.append(and_(
                m.ChainCoupon.used_store == self.store_code,
                bulk.among(self.s, m.ChainCoupon.used_receipt, sorted(receipts))))
        for row in self.s.scalars(select(m.ChainCoupon).where(or_(*conditions))
                                  .order_by(m.ChainCoupon.code).with_for_update()):
            self.chain_coupons[row.code] = row
            if row.used_store and row.used_receipt:
                self.coupon_by_receipt[row.used_store, row.used_receipt] = row

    def apply_coupon(self, event: EventIn) -> None:
        body = event.body
        if event.type == "sale_completed":
            coupon = self.chain_coupons.get(str(body.get("coupon_code") or ""))
            if coupon is None:
                return  # the till's own coupon
            receipt = str(body.get("receipt_no") or "")
            if coupon.used_at is not None:
                self.exception("coupon_reused", coupon.member_id, int(body.get("coupon_fen") or 0),
                               {"coupon": coupon.code, "campaign": coupon.campaign_code,
                                "first_store": coupon.used_store,
                                "first_receipt": coupon.used_receipt, "receipt": receipt})
            else:
                coupon.used_at, coupon.used_store = event.created_at, self.store_code
                coupon.used_receipt, coupon.used_fen = receipt, int(body.get("coupon_fen") or 0)
                self.coupon_by_receipt[self.store_code, receipt] = coupon
            self._coupon_moved(coupon)
            key = body.get("key")
            if isinstance(key, str):
                self.hold_keys.append(hold_key(key))
        elif event.type == "sale_refunded" and body.get("coupon_restored"):
            coupon = self.coupon_by_receipt.get((self.store_code, str(body.get("receipt_no"))))
            if coupon is not None:
                coupon.used_at = coupon.used_store = coupon.used_receipt = None
                coupon.used_fen = 0
                self._coupon_moved(coupon)
