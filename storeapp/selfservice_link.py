"""The member's self-service link, ``https://<head office>/me/<token>``: made by the till that
prints it on a receipt or registration slip, checked by head office that serves the page.

The token carries the member id and an expiry, signed with HMAC-SHA256 under the chain's QR
secret, which both sides hold (a till takes it when it joins: ``Settings.qr_secret``; head
office made it: ``hq_secrets.qr``), so head office trusts a link without having stored it and a
till makes one offline. The MAC is over a message of its own (:data:`_DOMAIN` first), so a
signature made for a member QR is never one for a link, or the other way round.

Short enough for a QR on 58 mm paper: a UUID member id travels as its 16 bytes, the expiry as
4, the MAC truncated to 12 (96 bits: forging one means guessing it online, against head
office's throttle); 33 bytes in all, 44 URL-safe base64 characters.

Pure functions, no database and no Qt: the till and head office import the same code.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import struct
import uuid
from dataclasses import dataclass
from typing import Literal

from storeapp.identity import Secrets

LINK_PATH = "/me/"
#: How long a printed link opens the page; a newer receipt brings a newer link.
LINK_DAYS = 30
MAC_BYTES = 12
#: The longest token :func:`verify_token` reads (a text member id of 36 characters).
MAX_TOKEN = 96
_UUID, _TEXT = 1, 2  # the first byte: how the member id is written
_DOMAIN = b"storeapp self-service link v1\n"
_EXPIRY = struct.Struct(">I")  # seconds since 1970 (UTC) as 4 bytes: good until 2106

Reason = Literal["malformed", "forged", "expired"]


class LinkError(Exception):
    """A link head office does not open: ``reason`` is ``malformed`` (not one a till made),
    ``forged`` (no secret of the chain signed it, or it was altered) or ``expired``.

    Not a :class:`~storeapp.errors.DomainError`: no till shows it; head office's page says it
    in the member's language."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason: Reason = reason


@dataclass(frozen=True)
class Link:
    """What a genuine link names: the member, and when it stops opening the page (naive UTC,
    as the rest of storeapp keeps times)."""

    member_id: str
    expires_at: dt.datetime


def link_url(base_url: str, member_id: str, now: dt.datetime, secret: str,
             days: int = LINK_DAYS) -> str:
    """The link to print: ``base_url`` (head office's address as the till knows it) with
    ``/me/`` and a token valid ``days`` from ``now``."""
    token = make_token(member_id, now + dt.timedelta(days=days), secret)
    return base_url.rstrip("/") + LINK_PATH + token


def make_token(member_id: str, expires_at: dt.datetime, secret: str) -> str:
    """The signed token naming ``member_id`` until ``expires_at`` (naive UTC or aware)."""
    if not secret:
        raise ValueError("a self-service link needs the chain's secret")
    body = _member_bytes(member_id) + _EXPIRY.pack(_epoch(expires_at))
    raw = body + _mac(body, secret)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def verify_token(token: str, secrets: Secrets, now: dt.datetime) -> Link:
    """The link inside ``token`` if one of ``secrets`` signed it and it has not expired at
    ``now``; raise :class:`LinkError` otherwise. Every secret is tried (the time taken does not
    tell which one matched); an empty one never matches."""
    raw = _decode(token)
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    signed = False
    for key in keys:
        if key and hmac.compare_digest(mac, _mac(body, key)):
            signed = True
    if not signed:
        raise LinkError("forged", "the link's signature does not match (altered, or made "
                        "with another chain's secret)")
    member_id = _member_id(body[:-_EXPIRY.size])
    (seconds,) = _EXPIRY.unpack(body[-_EXPIRY.size:])
    expires_at = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)
    if _epoch(now) >= seconds:
        raise LinkError("expired", f"the link expired at {expires_at.isoformat()} UTC")
    return Link(member_id, expires_at)


# -- helpers --------------------------------------------------------------------------------

def _member_bytes(member_id: str) -> bytes:
    """A UUID in its canonical spelling travels as 16 bytes; any other id as ASCII text."""
    try:
        parsed = uuid.UUID(member_id)
    except ValueError:
        parsed = None
    if parsed is not None and str(parsed) == member_id:
        return bytes([_UUID]) + parsed.bytes
    if not member_id or len(member_id) > 36 or not member_id.isascii():
        raise ValueError(f"member id {member_id!r} cannot go into a link")
    return bytes([_TEXT]) + member_id.encode("ascii")


def _member_id(data: bytes) -> str:
    kind, rest = data[0], data[1:]
    if kind == _UUID and len(rest) == 16:
        return str(uuid.UUID(bytes=rest))
    if kind == _TEXT and 1 <= len(rest) <= 36 and rest.isascii():
        return rest.decode("ascii")
    raise LinkError("malformed", "the link names no member")  # signed, yet not ours: a bug


def _decode(token: str) -> bytes:
    if not token or len(token) > MAX_TOKEN or not all(
            c.isascii() and (c.isalnum() or c in "-_") for c in token):
        raise LinkError("malformed", "not a self-service link")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise LinkError("malformed", "not a self-service link") from None
    if len(raw) < 1 + 1 + _EXPIRY.size + MAC_BYTES:
        raise LinkError("malformed", "not a self-service link")
    return raw


def _mac(body: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode(), _DOMAIN + body, hashlib.sha256).digest()[:MAC_BYTES]


def _epoch(at: dt.datetime) -> int:
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return int(aware.timestamp())
