"""What a till and head office agree on: request signing, the API's paths, refusal codes.

Every request is signed with the store's token (HMAC-SHA256 over the send time, method, path
and body); head office keeps only a hash of the token, checks it, then the signature, then that
the send time is within :data:`WINDOW_SECONDS` of its own clock. See docs/sync.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from storeapp.continuity import event_digest

__all__ = ["API", "HQ_STORE", "UPLOAD_BYTES", "UPLOAD_EVENTS", "UPLOAD_SECONDS",
           "WINDOW_SECONDS", "dumps", "event_digest", "signature", "signature_ok",
           "signed_headers", "token_hash"]

API = "/api/v1"
WINDOW_SECONDS = 300
HQ_STORE = "HQ"  # the "store" head office's own ledger movements (merges) are attributed to

#: A till's upload: at most this many events a request (head office takes up to 2,000), and
#: no more once their payloads pass :data:`UPLOAD_BYTES` (head office refuses a body past
#: 16 MiB: sales with many lines are large). Head office's work per request is about 20 ms of
#: CPU before the first event: at 500 events a batch that was a fifth of a night's upload.
UPLOAD_EVENTS = 2000
UPLOAD_BYTES = 4 * 1024 * 1024
#: How long a till waits for the answer to an upload (a busy night: a batch of 2,000 events
#: queues behind others' at head office); other requests wait 5 s.
UPLOAD_SECONDS = 30.0

AUTHORIZATION = "Authorization"
TIMESTAMP = "X-Storeapp-Timestamp"
SIGNATURE = "X-Storeapp-Signature"


def token_hash(token: str) -> str:
    """What head office stores instead of a token (tokens are 256-bit random: no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def signature(token: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body
    return hmac.new(token.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(token: str, method: str, path: str, body: bytes, now: float) -> dict[str, str]:
    """Headers for one request sent at ``now`` (unix seconds); ``path`` includes the query."""
    timestamp = str(int(now))
    return {
        AUTHORIZATION: f"Bearer {token}",
        TIMESTAMP: timestamp,
        SIGNATURE: signature(token, timestamp, method, path, body),
        "Content-Type": "application/json",
    }


def signature_ok(token: str, timestamp: str, method: str, path: str, body: bytes,
                 given: str) -> bool:
    return hmac.compare_digest(signature(token, timestamp, method, path, body), given)


def dumps(value: Any) -> bytes:
    """Request and answer bodies: compact UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
