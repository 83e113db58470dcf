"""Events built by hand, shaped as a till's outbox sends them (docs/sync.md), for tests that
talk to head office without a till: each builder makes what an honest till would send unless a
test overrides a field to make it dishonest."""

from __future__ import annotations

import json
import uuid
from typing import Any

from storeapp.money import split_in_proportion
from storeapp.rules import bonus_for
from storeapp.settings import Settings

MEMBER = "0193a000-0000-7000-8000-000000000001"
AT = "2026-03-10T02:00:00"
DEFAULTS = Settings()


def event(store: str, seq: int, event_type: str = "wallet_topped_up", **fields: Any) -> dict:
    body = {"type": event_type, "store": store, "till": 1, "key": f"key-{store}-{seq}",
            "actor": "C01", "at": AT, **fields}
    return {"seq": seq, "event_id": str(uuid.uuid4()), "type": event_type,
            "created_at": body["at"], "payload": json.dumps(body, sort_keys=True)}


def line(member_id: str, principal: int, bonus: int = 0, points: int = 0,
         after: tuple[int, int, int] | None = None) -> dict:
    out: dict[str, Any] = {"member_id": member_id, "principal_fen": principal,
                           "bonus_fen": bonus, "points": points}
    if after is not None:
        out["after"] = list(after)
    return out


def registration(store: str, seq: int, member_id: str = MEMBER,
                 phone: str = "13812345678") -> dict:
    return event(store, seq, "member_registered", member_id=member_id, card_no=f"C{seq}",
                 phone=phone, name="张三")


def topup(store: str, seq: int, fen: int, member_id: str = MEMBER, *,
          bonus: int | None = None, **fields: Any) -> dict:
    """A top-up of ``fen`` with the default rule's bonus (or ``bonus``)."""
    bonus = bonus_for(DEFAULTS, fen) if bonus is None else bonus
    return event(store, seq, "wallet_topped_up", member_id=member_id, principal_fen=fen,
                 bonus_fen=bonus, method="cash", ledger=[line(member_id, fen, bonus)], **fields)


def sale(store: str, seq: int, receipt_no: str, *, wallet_fen: int = 0, cash_fen: int = 0,
         balance: tuple[int, int] = (0, 0), member_id: str = MEMBER, points_earned: int = 0,
         **fields: Any) -> dict:
    """A sale paid ``wallet_fen`` from a balance of ``balance`` (principal, bonus) and
    ``cash_fen`` in cash, split as a till splits it."""
    taken_p, taken_b = split_in_proportion(wallet_fen, *balance) if wallet_fen else (0, 0)
    tenders = []
    if wallet_fen:
        tenders.append({"method": "wallet", "amount_fen": wallet_fen, "tendered_fen": wallet_fen,
                        "change_fen": 0, "principal_fen": taken_p, "bonus_fen": taken_b})
    if cash_fen:
        tenders.append({"method": "cash", "amount_fen": cash_fen, "tendered_fen": cash_fen,
                        "change_fen": 0, "principal_fen": 0, "bonus_fen": 0})
    total = wallet_fen + cash_fen
    after = (balance[0] - taken_p, balance[1] - taken_b, points_earned)
    body: dict[str, Any] = {
        "receipt_no": receipt_no, "member_id": member_id, "subtotal_fen": total,
        "discount_fen": 0, "coupon_code": None, "coupon_fen": 0, "points_redeemed": 0,
        "points_fen": 0, "total_fen": total, "tenders": tenders, "change_fen": 0,
        "lines": [{"barcode": None, "name": "商品", "qty": 1, "unit_price_fen": total,
                   "amount_fen": total}], "points_earned": points_earned,
        "tier_upgraded_to": None, "price_overrides": []}
    if taken_p or taken_b or points_earned:
        body["ledger"] = [line(member_id, -taken_p, -taken_b, points_earned, after)]
    body.update(fields)
    return event(store, seq, "sale_completed", **body)


def refund(store: str, seq: int, receipt_no: str, *, principal: int, bonus: int = 0,
           points: int = 0, member_id: str = MEMBER, **fields: Any) -> dict:
    body: dict[str, Any] = {
        "receipt_no": receipt_no, "member_id": member_id, "amount_fen": principal + bonus,
        "approval": {"kind": "refund", "approved_by": "m01", "reason": "test"}}
    if principal or bonus or points:
        body["ledger"] = [line(member_id, principal, bonus, points)]
    body.update(fields)
    return event(store, seq, "sale_refunded", **body)


def batch(*events: dict, till_no: int = 1) -> dict:
    return {"batch_id": str(uuid.uuid4()), "till_no": till_no, "events": list(events)}


def plausible(event_type: str, member_id: str, principal: int, bonus: int = 0,
              points: int = 0) -> tuple[str, dict[str, Any]]:
    """The body of an event of ``event_type`` that moves the member's balance by ``principal``,
    ``bonus`` and ``points`` as an honest till made before joining a chain would send it (its
    events name no chain rules, so head office checks their shape, not their rules)."""
    moved = [line(member_id, principal, bonus, points)]
    if event_type == "wallet_topped_up":
        return event_type, {"member_id": member_id, "principal_fen": principal,
                            "bonus_fen": bonus, "method": "cash", "ledger": moved}
    if event_type == "sale_completed":
        wallet = -(principal + bonus)
        earned, redeemed = max(points, 0), max(-points, 0)
        tenders = [{"method": "wallet", "amount_fen": wallet, "tendered_fen": wallet,
                    "change_fen": 0, "principal_fen": -principal, "bonus_fen": -bonus}]
        if not wallet:
            tenders = [{"method": "cash", "amount_fen": 100, "tendered_fen": 100,
                        "change_fen": 0, "principal_fen": 0, "bonus_fen": 0}]
        total = sum(t["amount_fen"] for t in tenders)
        return event_type, {
            "receipt_no": f"R{uuid.uuid4().hex[:12]}", "member_id": member_id,
            "subtotal_fen": total + redeemed, "discount_fen": 0, "coupon_fen": 0,
            "points_redeemed": redeemed, "points_fen": redeemed, "total_fen": total,
            "tenders": tenders, "points_earned": earned, "ledger": moved}
    if event_type == "points_adjusted":
        return event_type, {"member_id": member_id, "points": points, "ledger": moved,
                            "approval": {"kind": "points_adjust", "approved_by": "m01",
                                         "reason": "test"}}
    raise ValueError(f"no plausible {event_type} here")
