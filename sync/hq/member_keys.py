"""Members' keys at head office: received sealed with a till's upload, kept wrapped, handed to
the tills that need them.

A till seals a member's phone, name and birthday under the member's own key
(:mod:`storeapp.pii`) in its rows and in the events it uploads. With each upload it sends the key
of every member whose personal data the batch carries, sealed to head office's public key
(``member_keys`` in the batch; the key pair's private half lives in head office's key store,
outside its database, as does the master key the kept keys are wrapped under). Head office
opens the events' personal data with them as it applies them (the stored events stay sealed)
and keeps each member's key in ``hq_member_keys``, so a till restored from head office, or
meeting a member of another store, reads that member too. Erasing a member deletes the key
here and at every till: every sealed copy, backups included, is then noise.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp import pii
from storeapp.keystore import KeyStore, new_entry
from sync.hq import models as m
from sync.hq.errors import HqRefusal

if TYPE_CHECKING:
    from sync.hq.db import HqDatabase

_STORES: dict[str, KeyStore] = {}


def key_store(hq: HqDatabase, session: Session | None = None) -> KeyStore:
    """Head office's key store; its entry is named in the database (``hq_secrets.key_entry``),
    read through ``session`` when the caller is inside a transaction (a second one could wait
    on the first's lock)."""
    cached = _STORES.get(hq.url)
    if cached is not None:
        return cached
    def entry(s: Session) -> str:  # two workers making it at once: one wins, both read it
        row = s.get(m.Secret, "key_entry")
        if row is None:
            row = m.Secret(name="key_entry", value=new_entry("hq"),
                           created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
            s.add(row)
            s.flush()
        return row.value

    store = _STORES[hq.url] = KeyStore(entry(session) if session is not None
                                       else hq.retrying(entry))
    return store


def public_key(hq: HqDatabase) -> str:
    """What a till seals members' keys to (given with ``GET /store``)."""
    private = X25519PrivateKey.from_private_bytes(key_store(hq).secret("member_private"))
    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode()


def opened_keys(hq: HqDatabase, sealed: Mapping[str, Any] | None) -> dict[str, bytes]:
    """The members' keys a batch sent (``member_keys``: member id → sealed key), opened."""
    if not sealed:
        return {}
    if not isinstance(sealed, Mapping) or len(sealed) > 2000:
        raise HqRefusal(422, "bad_batch", "member_keys must map member ids to sealed keys")
    private = key_store(hq).secret("member_private")
    keys = {}
    for member_id, box in sealed.items():
        try:
            keys[str(member_id)] = pii.open_from(private, str(member_id), str(box))
        except (pii.Unreadable, ValueError) as exc:
            raise HqRefusal(422, "bad_member_key", f"member {member_id}: the key sent cannot "
                            f"be opened here ({exc})", member_id=str(member_id)) from None
    return keys


def keep(hq: HqDatabase, s: Session, keys: Mapping[str, bytes], now: dt.datetime) -> None:
    """Keep the keys of members head office had none for (the first key a member's data was
    sealed under stays theirs)."""
    if not keys:
        return
    known = set(s.scalars(select(m.MemberKey.member_id).where(
        m.MemberKey.member_id.in_(list(keys)))))
    master = key_store(hq, s).secret("master")
    for member_id, key in keys.items():
        if member_id not in known:
            s.add(m.MemberKey(member_id=member_id,
                              wrapped=base64.b64encode(pii.wrap(master, member_id, key)).decode(),
                              created_at=now))
    s.flush()


def kept(hq: HqDatabase, s: Session, member_ids: Iterable[str]) -> dict[str, bytes]:
    ids = list(set(member_ids))
    if not ids:
        return {}
    master = key_store(hq, s).secret("master")
    out = {}
    for start in range(0, len(ids), 1000):
        for member_id, wrapped in s.execute(select(m.MemberKey.member_id, m.MemberKey.wrapped)
                                            .where(m.MemberKey.member_id.in_(
                                                ids[start:start + 1000]))):
            out[member_id] = pii.unwrap(master, member_id, base64.b64decode(wrapped))
    return out


def as_text(keys: Mapping[str, bytes]) -> dict[str, str]:
    """Keys as they travel to a till over its signed channel."""
    return {member_id: base64.urlsafe_b64encode(key).decode() for member_id, key in keys.items()}


def open_body(body: dict[str, Any], keys: Mapping[str, bytes]) -> dict[str, Any]:
    """An event's body with its sealed personal data opened into plain fields, for applying
    (the stored payload stays sealed). A body carrying sealed data whose key the batch did not
    send is refused: an honest till always sends it."""
    sealed = body.get("personal")
    if not sealed:
        return body
    member_id = str(body.get("member_id") or "")
    key = keys.get(member_id)
    if key is None:
        raise HqRefusal(422, "bad_member_key", f"member {member_id}: personal data came "
                        "without the member's key", member_id=member_id)
    try:
        person = pii.unseal(key, member_id, str(sealed))
    except pii.Unreadable as exc:
        raise HqRefusal(422, "bad_member_key", f"member {member_id}: {exc}",
                        member_id=member_id) from None
    plain = person.as_json()
    opened = {**body, **plain}
    if isinstance(body.get("fields"), dict):
        opened["fields"] = {name: plain[name] if name in pii.PERSONAL_FIELDS else value
                            for name, value in body["fields"].items()}
    return opened


__all__ = ["as_text", "keep", "kept", "key_store", "open_body", "opened_keys", "public_key"]
