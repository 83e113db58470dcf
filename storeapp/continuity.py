"""Proof that a till's history continues what head office holds.

Every outbox event extends a running hash: ``chain[n] = sha256(chain[n-1] + digest(event n))``.
Head office keeps the chain of each till's stream up to what it acknowledged; a till whose
outbox no longer reaches that far (restored from a backup, WAL lost, disk replaced) or whose
event at that point is another (it kept selling on an old copy) cannot show the same hash, and
stops until it is restored (docs/sync.md, "Continuity and restore").
"""

from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64


def event_digest(seq: int, event_id: str, event_type: str, payload: str) -> str:
    """Fingerprint of one event's content: the same id must always arrive with the same one.

    The SHA-256 of ``json.dumps([seq, event_id, event_type, payload], ensure_ascii=False)``,
    written out with the standard library's own string encoder: head office digests every
    event it receives, and ``json.dumps`` with an option builds an encoder each call."""
    if type(seq) is not int:  # a bool or an int subclass prints otherwise: the long way
        return _canonical_digest(seq, event_id, event_type, payload)
    canonical = f"[{seq}, {_string(event_id)}, {_string(event_type)}, {_string(payload)}]"
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical_digest(seq: int, event_id: str, event_type: str, payload: str) -> str:
    canonical = json.dumps([seq, event_id, event_type, payload], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) quotes with


def chain_next(previous: str, digest: str) -> str:
    """The chain after one more event."""
    return hashlib.sha256((previous + digest).encode("ascii")).hexdigest()
