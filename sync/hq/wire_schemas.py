"""The JSON bodies head office's API takes, as JSON Schema for its OpenAPI document (the
handlers read the raw bytes themselves: the store's signature covers them exactly). Clients
and ``schemathesis`` read them; nothing here validates (the handlers do, with 4xx answers)."""

from __future__ import annotations

from typing import Any

_INT = {"type": "integer"}
_TEXT = {"type": "string"}

EVENT = {"type": "object", "required": ["seq", "event_id", "type", "created_at", "payload"],
         "properties": {"seq": _INT, "event_id": _TEXT, "type": _TEXT,
                        "created_at": {"type": "string", "format": "date-time"},
                        "payload": _TEXT}}
EVENTS = {
    "type": "object", "required": ["batch_id", "till_no", "events"],
    "properties": {
        "batch_id": _TEXT, "till_no": _INT, "events": {"type": "array", "items": EVENT},
        "continuity": {"type": "object", "properties": {"seq": _INT, "chain": _TEXT}},
        "audit": {"type": "object", "properties": {
            "from": {"type": "array", "items": {}}, "rows": {"type": "array", "items": {
                "type": "array", "items": {}}}}},
        "check": {"type": ["object", "null"], "properties": {"upto": _INT, "digest": _TEXT}},
        "member_keys": {"type": "object", "additionalProperties": _TEXT},
        "member_keys_from": _TEXT,
    }}
HOLD = {"type": "object", "required": ["key", "member_id", "amount_fen"],
        "properties": {"key": _TEXT, "member_id": _TEXT, "amount_fen": _INT,
                       "kind": {"type": "string", "enum": ["spend", "payout", "gift", "coupon"]}}}
RELEASE = {"type": "object", "properties": {"key": _TEXT}}
DAY_TOTALS = {"type": "object", "required": ["till_no", "days"], "properties": {
    "till_no": _INT, "days": {"type": "array", "items": {
        "type": "object", "properties": {"day": {"type": "string", "format": "date"},
                                         "accounts": {"type": "object"}}}}}}
BALANCES = {"type": "object", "required": ["till_no", "after", "to", "members"], "properties": {
    "till_no": _INT, "after": _TEXT, "to": _TEXT,
    "members": {"type": "array", "items": {"type": "array", "items": {}}}}}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` declaring a required JSON body of ``schema``."""
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}}}
