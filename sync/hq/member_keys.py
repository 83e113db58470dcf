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

Head office's own copy of a member (``hq_members``) is sealed the same way, under the same key
(:class:`HqRing`), found through keyed hashes under head office's own index key: a dump of its
database reads as noise without its key store.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storeapp import pii
from storeapp.keystore import KeyStore, new_entry
from storeapp.pii import ERASED, Personal
from storeapp.pii_orm import GIVEN_BACK
from storeapp.services.privacy import ERASED_PREFIX
from sync.hq import bulk
from sync.hq import models as m
from sync.hq.errors import HqRefusal
from sync.hq.verify import ID_CHARS

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
        with s.no_autoflush:  # perhaps asked while the session flushes (a member sealed)
            row = s.get(m.Secret, "key_entry")
            if row is not None:
                return row.value
            value = new_entry("hq")
            s.execute(insert(m.Secret).values(
                name="key_entry", value=value,
                created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None)))
            return value

    store = _STORES[hq.url] = KeyStore(entry(session) if session is not None
                                       else hq.retrying(entry))
    return store


def public_key(hq: HqDatabase) -> str:
    """What a till seals members' keys to (given with ``GET /store``)."""
    private = X25519PrivateKey.from_private_bytes(key_store(hq).secret("member_private"))
    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode()


@dataclass(frozen=True)
class BatchKeys:
    """The members' keys a batch sent (``member_keys``: member id → sealed key), opened.

    ``erased``: members the till erased before their sealed data went up (sent as
    :data:`storeapp.pii.ERASED_KEY`): their key is gone, their data is applied as no one's
    (:func:`open_body`). A till that says so of a member it did not erase withholds nothing it
    could not have falsified: the data is the till's to give, and no money depends on it."""

    keys: Mapping[str, bytes] = field(default_factory=dict)
    erased: frozenset[str] = frozenset()

    def erased_here(self, s: Session) -> BatchKeys:
        """These keys less those of members head office has erased (a till that had not yet
        heard of the erasure sent a waiting change with the key): such a key is not kept
        again, and the change is applied without the member's data, as if the till had."""
        if not self.keys:
            return self
        gone = set(s.scalars(select(m.Member.member_id).where(
            bulk.among(s, m.Member.member_id, sorted(self.keys)),
            m.Member.phone_key.startswith(ERASED_PREFIX))))
        if not gone:
            return self
        return BatchKeys({i: key for i, key in self.keys.items() if i not in gone},
                         self.erased | gone)


def opened_keys(hq: HqDatabase, sealed: Mapping[str, Any] | None,
                sender: Any = None) -> BatchKeys:
    """The members' keys a batch sent, opened: sealed together to head office with the
    one-time public key ``sender`` (``member_keys_from``, :class:`storeapp.pii.KeySealer`), or,
    from a till that has not been updated yet, each in a box of its own
    (:func:`storeapp.pii.seal_for`)."""
    if not sealed:
        return BatchKeys()
    if not isinstance(sealed, Mapping) or len(sealed) > 2000:
        raise HqRefusal(422, "bad_batch", "member_keys must map member ids to sealed keys")
    mine = pii.Opener(key_store(hq).secret("member_private"))
    opener: pii.Opener | pii.UploadOpener = mine
    if sender is not None:
        try:
            opener = mine.from_sender(str(sender))
        except ValueError:
            raise HqRefusal(422, "bad_member_key", "member_keys_from is not the public key "
                            "the members' keys were sealed with") from None
    keys, erased = {}, set()
    for member_id, box in sealed.items():
        if not 0 < len(member_id) <= ID_CHARS:  # no till makes it; no column could hold it
            raise HqRefusal(422, "bad_member_key", f"member id {member_id[:64]!r} is not one "
                            "a till makes", member_id=member_id[:64])
        if box == pii.ERASED_KEY:
            erased.add(str(member_id))
            continue
        try:
            keys[str(member_id)] = opener.open(str(member_id), str(box))
        except (pii.Unreadable, ValueError) as exc:
            raise HqRefusal(422, "bad_member_key", f"member {member_id}: the key sent cannot "
                            f"be opened here ({exc})", member_id=str(member_id)) from None
    return BatchKeys(keys, frozenset(erased))


def keep(hq: HqDatabase, s: Session, keys: Mapping[str, bytes], now: dt.datetime) -> None:
    """Keep the keys of members head office had none for (the first key a member's data was
    sealed under stays theirs)."""
    if not keys:
        return
    known = set(s.scalars(select(m.MemberKey.member_id).where(
        bulk.among(s, m.MemberKey.member_id, keys))))
    HqRing.of(hq, s).add_many({member_id: key for member_id, key in keys.items()
                               if member_id not in known}, now)


def kept(hq: HqDatabase, s: Session, member_ids: Iterable[str]) -> dict[str, bytes]:
    ids = list(set(member_ids))
    ring = HqRing.of(hq, s)
    ring.prefetch(ids)
    return {member_id: key for member_id in ids if (key := ring.key(member_id)) is not None}


class HqRing:
    """Head office's ring for one session (:class:`storeapp.pii_orm.Sealer`): members' keys read
    from ``hq_member_keys`` through the session (a key kept earlier in the same transaction is
    found; a key erased in it is gone), each read once per session."""

    def __init__(self, hq: HqDatabase, session: Session) -> None:
        from sync.hq.key_rotation import current

        store = key_store(hq, session)
        self._s = session
        with session.no_autoflush:  # perhaps made while the session flushes
            #: the keys this database's rows are under (a rotation may be under way)
            self.master = current(store, session, "master")
            self.index_key = current(store, session, "index")
        self._keys: dict[str, bytes | None] = {}

    @classmethod
    def of(cls, hq: HqDatabase, session: Session) -> HqRing:
        ring = session.info.get("pii_ring")
        if ring is None:
            ring = session.info["pii_ring"] = cls(hq, session)
        return ring

    def key(self, member_id: str) -> bytes | None:
        if member_id not in self._keys:
            self.prefetch([member_id])
        return self._keys[member_id]

    def prefetch(self, member_ids: Iterable[str]) -> None:
        """Read the keys of many members in a few statements (lists, pages, campaigns)."""
        wanted = sorted({i for i in member_ids if i not in self._keys})
        with self._s.no_autoflush:
            for start in range(0, len(wanted), 1000):
                chunk = wanted[start:start + 1000]
                self._keys.update(dict.fromkeys(chunk))
                for member_id, wrapped in self._s.execute(
                        select(m.MemberKey.member_id, m.MemberKey.wrapped)
                        .where(bulk.among(self._s, m.MemberKey.member_id, chunk))):
                    self._keys[member_id] = pii.unwrap(self.master, member_id,
                                                       base64.b64decode(wrapped))

    def add(self, member_id: str, key: bytes, now: dt.datetime) -> None:
        self._s.add(m.MemberKey(
            member_id=member_id, created_at=now,
            wrapped=base64.b64encode(pii.wrap(self.master, member_id, key)).decode()))
        self._keys[member_id] = key

    def add_many(self, keys: Mapping[str, bytes], now: dt.datetime) -> None:
        """:meth:`add` for many members, in one statement (an upload's new members)."""
        if not keys:
            return
        bulk.insert_rows(self._s.connection(), m.MemberKey, [
            {"member_id": member_id, "created_at": now,
             "wrapped": base64.b64encode(pii.wrap(self.master, member_id, key)).decode()}
            for member_id, key in keys.items()])
        self._keys.update(keys)

    def forget(self, member_id: str) -> None:
        """The member's key is being erased: nothing in this session opens their data again."""
        self._keys[member_id] = None

    def open(self, member_id: str, sealed: str | None) -> Personal:
        key = self.key(member_id) if sealed else None
        return ERASED if key is None or not sealed else pii.unseal(key, member_id, sealed)

    def seal(self, member_id: str, personal: Personal) -> str:
        """Sealed under the member's key; a member head office has no key for yet (registered
        at a till before tills sent keys) gets one here, which head office then sends to
        every till that meets the member."""
        return pii.seal(self._key_or_new(member_id), member_id, personal)

    def _key_or_new(self, member_id: str) -> bytes:
        key = self.key(member_id)
        if key is None:
            key = os.urandom(pii.KEY_BYTES)
            self.add(member_id, key, dt.datetime.now(dt.UTC).replace(tzinfo=None))
        return key

    def seal_text(self, member_id: str, context: str, text: str) -> str:
        """What a member wrote (``context``: where it is kept), sealed under their key."""
        return pii.seal_text(self._key_or_new(member_id), f"{member_id}/{context}", text)

    def open_text(self, member_id: str, context: str, sealed: str) -> str:
        """:meth:`seal_text`'s text; empty once the member is erased."""
        key = self.key(member_id) if sealed else None
        if key is None or not sealed.startswith(pii.SEALED_PREFIX):
            return ""
        return pii.unseal_text(key, f"{member_id}/{context}", sealed)

    def phone_key(self, phone: str) -> str:
        return pii.phone_key(self.index_key, phone)

    def lookup(self, phone: str) -> str:
        """What ``hq_members.phone_key`` holds for ``phone``: its keyed hash, or the marker of
        a member with no phone of its own ("unknown:<id>", "erased:<id>")."""
        return phone if phone.startswith(GIVEN_BACK) else self.phone_key(phone)

    def tail_key(self, tail: str) -> str:
        return pii.tail_key(self.index_key, tail)

    def name_grams(self, name: str) -> set[str]:
        return pii.name_grams(self.index_key, name)

    def query_grams(self, query: str) -> set[str]:
        return pii.query_grams(self.index_key, query)


def ring(s: Session) -> HqRing:
    """The ring of the head-office database ``s`` is a session of."""
    found = s.info.get("pii_ring")
    if found is None:
        from storeapp.pii_orm import ring_for
        found = ring_for(s)
    assert isinstance(found, HqRing)
    return found


def as_text(keys: Mapping[str, bytes]) -> dict[str, str]:
    """Keys as they travel to a till over its signed channel."""
    return {member_id: base64.urlsafe_b64encode(key).decode() for member_id, key in keys.items()}


def open_body(body: dict[str, Any], sent: BatchKeys) -> dict[str, Any]:
    """An event's body with its sealed personal data opened into plain fields, for applying
    (the stored payload stays sealed). A body carrying sealed data whose key the batch did not
    send is refused (an honest till always sends it), unless the till erased the member: a
    registration then carries an erased member's data, a profile change none."""
    sealed = body.get("personal")
    if not sealed:
        return body
    member_id = str(body.get("member_id") or "")
    key = sent.keys.get(member_id)
    if key is None and member_id in sent.erased:
        return _erased_body(body, member_id)
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


def _erased_body(body: dict[str, Any], member_id: str) -> dict[str, Any]:
    if isinstance(body.get("fields"), dict):
        return {**body, "fields": {name: value for name, value in body["fields"].items()
                                   if name not in pii.PERSONAL_FIELDS}}
    return {**body, "phone": f"{ERASED_PREFIX}{member_id}", "name": "", "birthday": None}


__all__ = ["BatchKeys", "HqRing", "as_text", "keep", "kept", "key_store", "open_body",
           "opened_keys", "public_key", "ring"]
