"""Members' personal data sealed at rest: one key per member, keyed hashes for exact lookups.

A member's phone, name and birthday are kept as one sealed blob (AES-256-GCM under the member's
own key, the member id as associated data so a blob cannot be moved to another member), in the
``members`` table, in outbox payloads and in backups alike. Lookups never open blobs: the full
phone and its last four digits are found through keyed hashes (HMAC-SHA-256 under the till's
index key), and a name through keyed hashes of its first letter and of each pair of letters,
checked against the opened names of the few members they point at.

Each member's key lives in the till's key store (:class:`MemberKeys`, a file beside the till's
other secrets, each key wrapped under the till's master key), never in the database: erasing a
member destroys their key, and every copy of their data — this database, its backups, the
outbox, head office's copy — turns to noise (crypto-shredding) while the ledgers keep their rows.

Head office receives a member's key with the till's upload, sealed to head office's public key
(:class:`KeySealer`: one exchange an upload), and sends keys back to a till being restored or
that meets a member of another store.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storeapp.keystore import KeyStore

SEALED_PREFIX = "p1."
KEY_BYTES = 32
#: the hex length of a lookup key (128 bits of HMAC-SHA-256): collisions are not a concern
LOOKUP_HEX = 32
#: the members' keys a till keeps opened in memory (~100 bytes each): the members at the counter
#: today; a report over every member reads the rest from the key file as it goes
CACHED_KEYS = 50_000
#: a name gram keeps 64 bits: a collision only costs one extra member opened and dropped
GRAM_HEX = 16


class Unreadable(Exception):
    """A sealed value whose key is gone (an erased member) or that was altered."""


@dataclass(frozen=True)
class Personal:
    """What of a member is personal data: sealed together, opened together."""

    phone: str
    name: str
    birthday: dt.date | None

    def as_json(self) -> dict[str, str | None]:
        return {"phone": self.phone, "name": self.name,
                "birthday": self.birthday.isoformat() if self.birthday else None}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Personal:
        day = data.get("birthday")
        return cls(phone=str(data.get("phone") or ""), name=str(data.get("name") or ""),
                   birthday=dt.date.fromisoformat(str(day)) if day else None)


#: the member fields that are personal data (sealed; an event names them, never their values)
PERSONAL_FIELDS = ("phone", "name", "birthday")
#: what an erased member shows wherever their data was: no phone, no name, no birthday
ERASED = Personal(phone="", name="", birthday=None)


# -- sealing ------------------------------------------------------------------------------------

def seal(key: bytes, member_id: str, personal: Personal) -> str:
    plain = json.dumps(personal.as_json(), ensure_ascii=False, separators=(",", ":"))
    return seal_text(key, member_id, plain)


def unseal(key: bytes, member_id: str, sealed: str) -> Personal:
    return Personal.from_json(json.loads(unseal_text(key, member_id, sealed)))


def seal_text(key: bytes, context: str, text: str, prefix: str = SEALED_PREFIX) -> str:
    """``text`` sealed under ``key``, bound to ``context`` (the member id for their personal
    data; ``<id>/request/<n>`` for what they wrote to head office; a row's field for a till's
    records, :mod:`storeapp.sealed_records`): a sealed value copied to another place does not
    open there. ``prefix`` says what kind of sealed value it is."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, text.encode(), context.encode())
    return prefix + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal_text(key: bytes, context: str, sealed: str, prefix: str = SEALED_PREFIX) -> str:
    if not sealed.startswith(prefix):
        raise Unreadable(f"{context}: not a sealed value")
    raw = base64.urlsafe_b64decode(sealed[len(prefix):])
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()
    except InvalidTag:
        raise Unreadable(f"{context}: the key does not open this value") from None


# -- keyed hashes for lookups -------------------------------------------------------------------

def _mac(index_key: bytes, kind: str, value: str) -> str:
    return hmac.digest(index_key, f"{kind}\x00{value}".encode(), "sha256").hex()  # one-shot, in C


def phone_key(index_key: bytes, phone: str) -> str:
    return _mac(index_key, "phone", phone)[:LOOKUP_HEX]


def tail_key(index_key: bytes, tail: str) -> str:
    return _mac(index_key, "tail", tail)[:LOOKUP_HEX]


def fold_name(name: str) -> str:
    """A name as searched: NFC, case folded, spaces dropped ("Zoé Li" finds "zoeli" no; "zoé")."""
    return "".join(unicodedata.normalize("NFC", name).casefold().split())


def name_grams(index_key: bytes, name: str) -> set[str]:
    """The keyed grams a name is found by: its first letter (prefix search), each pair."""
    folded = fold_name(name)
    if not folded:
        return set()
    grams = {"^" + folded[0]} | {folded[i:i + 2] for i in range(len(folded) - 1)}
    return {_mac(index_key, "name", g)[:GRAM_HEX] for g in grams}


def query_grams(index_key: bytes, query: str) -> set[str]:
    """The grams every member whose name contains ``query`` has (one letter: starts with it)."""
    folded = fold_name(query)
    if len(folded) == 1:
        return {_mac(index_key, "name", "^" + folded)[:GRAM_HEX]}
    return {_mac(index_key, "name", folded[i:i + 2])[:GRAM_HEX]
            for i in range(len(folded) - 1)}


# -- sealing a key to head office ---------------------------------------------------------------

def new_keypair() -> tuple[bytes, bytes]:
    """Head office's key pair for receiving member keys: (private raw, public raw)."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    return private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption()), public


def _box_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=b"storeapp member key").derive(shared)


#: what a till sends for a member it erased before their sealed data went up: the key is gone
#: (not base64 of any sealed key, so never mistaken for one)
ERASED_KEY = "erased"


def seal_for(public: bytes, member_id: str, key: bytes) -> str:
    """``key`` sealed so only the holder of ``public``'s private key opens it (X25519 + AES-GCM
    with a one-time key pair: the till cannot open what it sent)."""
    ephemeral = X25519PrivateKey.generate()
    mine = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
    nonce = os.urandom(12)
    sealed = AESGCM(_box_key(shared, mine, public)).encrypt(nonce, key, member_id.encode())
    return base64.urlsafe_b64encode(mine + nonce + sealed).decode()


def open_from(private: bytes, member_id: str, box: str) -> bytes:
    """What :func:`seal_for` sealed to ``private``'s public key."""
    return Opener(private).open(member_id, box)


class KeySealer:
    """:func:`seal_for` for every member key of one upload, with one X25519 exchange for them
    all: a one-time key pair's exchange with ``public`` gives the upload a box key
    (:attr:`sender` is its public half, sent beside the boxes), and each member key is sealed
    under it with AES-GCM, its own nonce, the member id as associated data. Head office opens
    each with one AES-GCM step (:meth:`Opener.from_sender`) where a box of its own cost an
    exchange of some 40 µs: a fifth of a night's events carry a key."""

    def __init__(self, public: bytes) -> None:
        ephemeral = X25519PrivateKey.generate()
        mine = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                                   serialization.PublicFormat.Raw)
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
        self.sender = base64.urlsafe_b64encode(mine).decode()
        self._box = AESGCM(_upload_key(shared, mine, public))

    def seal(self, member_id: str, key: bytes) -> str:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(
            nonce + self._box.encrypt(nonce, key, member_id.encode())).decode()


def _upload_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=b"storeapp member keys of one upload").derive(shared)


class Opener:
    """:func:`open_from` for many boxes sealed to one key pair (an upload's members' keys): the
    private key is loaded, and its public half derived, once."""

    def __init__(self, private: bytes) -> None:
        self._me = X25519PrivateKey.from_private_bytes(private)
        self._public = self._me.public_key().public_bytes(serialization.Encoding.Raw,
                                                          serialization.PublicFormat.Raw)

    def from_sender(self, sender: str) -> UploadOpener:
        """What opens the boxes a :class:`KeySealer` whose :attr:`~KeySealer.sender` is
        ``sender`` sealed (``ValueError``: not a public key)."""
        mine = base64.urlsafe_b64decode(sender)
        if len(mine) != 32:
            raise ValueError("the upload's sender key is not an X25519 public key")
        shared = self._me.exchange(X25519PublicKey.from_public_bytes(mine))
        return UploadOpener(AESGCM(_upload_key(shared, mine, self._public)))

    def open(self, member_id: str, box: str) -> bytes:
        raw = base64.urlsafe_b64decode(box)
        mine, nonce, sealed = raw[:32], raw[32:44], raw[44:]
        shared = self._me.exchange(X25519PublicKey.from_public_bytes(mine))
        try:
            return AESGCM(_box_key(shared, mine, self._public)).decrypt(nonce, sealed,
                                                                        member_id.encode())
        except InvalidTag:
            raise Unreadable(f"member {member_id}: the key was not sealed to this head office") \
                from None


@dataclass(frozen=True)
class UploadOpener:
    """Opens the member keys of one upload (:meth:`Opener.from_sender`)."""

    box: AESGCM

    def open(self, member_id: str, box: str) -> bytes:
        raw = base64.urlsafe_b64decode(box)
        try:
            return self.box.decrypt(raw[:12], raw[12:], member_id.encode())
        except InvalidTag:
            raise Unreadable(f"member {member_id}: the key was not sealed to this head office") \
                from None


def wrap(master: bytes, member_id: str, key: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(master).encrypt(nonce, key, member_id.encode())


def unwrap(master: bytes, member_id: str, wrapped: bytes) -> bytes:
    try:
        return AESGCM(master).decrypt(wrapped[:12], wrapped[12:], member_id.encode())
    except InvalidTag:
        raise Unreadable(f"member {member_id}: the key store's master key changed") from None


# -- the till's member keys ---------------------------------------------------------------------

#: the key store's name for a new master until it is in place (:meth:`MemberKeys.rotate`)
STAGED_MASTER = "master.next"
#: keys rewrapped per statement while a rotation walks the file
_BATCH = 2000


def key_check(key: bytes) -> str:
    """A key's check value: which key something was made under, saying nothing of the key (a
    keyed hash of a fixed text), so it may be written beside what the key protects."""
    return hmac.new(key, b"storeapp key check", hashlib.sha256).hexdigest()[:LOOKUP_HEX]


class MemberKeys:
    """Each member's key, kept in a small file in the till's key store, wrapped under its master
    key; keys are cached in memory once read. Thread-safe (the counter reads from workers).

    The file records which master its keys are under (:func:`key_check`), so the master can be
    rotated (:meth:`rotate`) safely against a crash at any point and against the till's other
    processes: one holding an older master takes the current one before it wraps a key, and
    when a key it reads does not open."""

    FILE = "members.keys"

    def __init__(self, store: KeyStore) -> None:
        self._store = store
        path = Path(store.directory) / self.FILE
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fresh = not path.exists()
        # a rotation holds the file's write lock while it rewraps every key: others wait for it
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None,
                                   timeout=60)
        if fresh:
            path.chmod(0o600)
        self._db.execute("PRAGMA secure_delete = ON")  # a destroyed key leaves no copy behind
        self._db.execute("CREATE TABLE IF NOT EXISTS member_keys ("
                         "member_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL)")
        self._db.execute("CREATE TABLE IF NOT EXISTS master_check ("
                         "one INTEGER PRIMARY KEY CHECK (one = 1), value TEXT NOT NULL)")
        self._cache: OrderedDict[str, bytes] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()
        self._use(self._settled())

    def _remember(self, member_id: str, key: bytes) -> None:
        self._cache[member_id] = key
        self._cache.move_to_end(member_id)
        if len(self._cache) > CACHED_KEYS:
            self._cache.popitem(last=False)

    def get(self, member_id: str) -> bytes | None:
        with self._lock:
            key = self._cache.get(member_id)
            if key is not None:
                self._cache.move_to_end(member_id)
                return key
            row = self._db.execute("SELECT wrapped FROM member_keys WHERE member_id = ?",
                                   (member_id,)).fetchone()
            if row is None:
                return None
            key = self._unwrapped(member_id, row[0])
            self._remember(member_id, key)
            return key

    def get_many(self, member_ids: Iterable[str]) -> dict[str, bytes]:
        member_ids = list(member_ids)
        with self._lock:
            found = {i: self._cache[i] for i in member_ids if i in self._cache}
            wanted = [i for i in member_ids if i not in found]
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for member_id, wrapped in self._db.execute(
                        f"SELECT member_id, wrapped FROM member_keys WHERE member_id IN "
                        f"({marks})", chunk):
                    found[member_id] = self._unwrapped(member_id, wrapped)
            for member_id, key in found.items():
                self._remember(member_id, key)
            return found

    def put(self, member_id: str, key: bytes) -> None:
        """Keep ``key`` for ``member_id`` (durably, before the caller's transaction commits)."""
        with self._lock:
            with self._writing():
                self._catch_up()
                self._db.execute("INSERT OR REPLACE INTO member_keys VALUES (?, ?)",
                                 (member_id, wrap(self._master, member_id, key)))
            self._remember(member_id, key)

    def get_or_create(self, member_id: str) -> bytes:
        key = self.get(member_id)
        if key is None:
            key = os.urandom(KEY_BYTES)
            self.put(member_id, key)
        return key

    def create_many(self, member_ids: Iterable[str]) -> dict[str, bytes]:
        """New keys for many members at once, in one transaction (bulk loaders, benchmarks)."""
        made = {i: os.urandom(KEY_BYTES) for i in member_ids}
        with self._lock, self._writing():
            self._catch_up()
            self._db.executemany("INSERT OR REPLACE INTO member_keys VALUES (?, ?)",
                                 [(i, wrap(self._master, i, k)) for i, k in made.items()])
        return made  # not cached: a bulk load reads them back if asked

    def destroy(self, member_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM member_keys WHERE member_id = ?", (member_id,))
            self._cache.pop(member_id, None)

    def rotate(self) -> int:
        """Rewrap every member's key under a new master and put it in place; how many keys.

        The new master is staged in the key store (``master.next``) under the file's write
        lock, the keys are rewrapped and its check value recorded in one transaction of the
        file, and only then does it replace the old master. A crash before that commit leaves
        every key under the old master (the staged one is dropped at the next open), a crash
        after it leaves them under the staged one (put in place at the next open). A key the
        current master does not open refuses the rotation: nothing changes."""
        new = os.urandom(KEY_BYTES)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._catch_up()
                self._store.put(STAGED_MASTER, new)
                rewrapped = self._rewrap(new)
                self._record(key_check(new))
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                if self._recorded() != key_check(new):  # not committed: never in use
                    self._store.delete(STAGED_MASTER)
                raise
            self._use(new)
        self._store.put("master", new)
        self._store.delete(STAGED_MASTER)
        return rewrapped

    def close(self) -> None:
        self._db.close()

    def _rewrap(self, new: bytes) -> int:
        """Every wrapped key rewrapped under ``new``, a batch at a time (the file may hold a
        million), inside the caller's transaction."""
        done, after = 0, ""
        while True:
            rows = self._db.execute(
                "SELECT member_id, wrapped FROM member_keys WHERE member_id > ? "
                "ORDER BY member_id LIMIT ?", (after, _BATCH)).fetchall()
            if not rows:
                return done
            self._db.executemany(
                "UPDATE member_keys SET wrapped = ? WHERE member_id = ?",
                [(wrap(new, i, unwrap(self._master, i, w)), i) for i, w in rows])
            done, after = done + len(rows), rows[-1][0]

    def _settled(self) -> bytes:
        """The master the file's keys are under, once a rotation a crash cut short is finished
        (its rewrap committed: the staged master goes in place) or dropped (it did not: the keys
        are still under the master in place)."""
        master = self._store.secret("master")
        if self._recorded() == key_check(master) and self._store.get(STAGED_MASTER) is None:
            return master
        with self._writing():  # a rotation running in another process ends first
            master = self._store.secret("master")
            recorded = self._recorded()
            if recorded is None:  # a new file, or one from before rotations
                recorded = key_check(master)
                self._record(recorded)
            staged = self._store.get(STAGED_MASTER)
            if staged is not None:
                if key_check(staged) == recorded:
                    self._store.put("master", staged)
                    master = staged
                self._store.delete(STAGED_MASTER)
        return master

    def _catch_up(self) -> bool:
        """Take the master the file says its keys are under when another process rotated it
        since this one read its own; whether it changed."""
        recorded = self._recorded()
        if recorded is None or recorded == self._check:
            return False
        for name in ("master", STAGED_MASTER):  # staged: rewrapped, not yet in place
            candidate = self._store.get(name)
            if candidate is not None and key_check(candidate) == recorded:
                self._use(candidate)
                return True
        return False

    def _unwrapped(self, member_id: str, wrapped: bytes) -> bytes:
        try:
            return unwrap(self._master, member_id, wrapped)
        except Unreadable:
            if not self._catch_up():
                raise
            return unwrap(self._master, member_id, wrapped)

    def _use(self, master: bytes) -> None:
        self._master, self._check = master, key_check(master)

    def _recorded(self) -> str | None:
        row = self._db.execute("SELECT value FROM master_check").fetchone()
        return None if row is None else str(row[0])

    def _record(self, check: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO master_check VALUES (1, ?)", (check,))

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction of the file, holding its write lock from the start."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


@dataclass(frozen=True)
class SealedRow:
    """A member's sealed columns, as :meth:`Ring.bulk` makes them."""

    member_id: str
    personal: str
    phone_key: str
    tail_key: str
    birth_month: int | None
    grams: list[str]


class Ring:
    """Everything a till needs to seal, open and find members' personal data."""

    _open: ClassVar[dict[str, Ring]] = {}
    _guard = threading.Lock()

    @classmethod
    def of(cls, store: KeyStore) -> Ring:
        """The ring of ``store``, one per key store in a process (several handles on one till
        share its keys, and an erased member's key leaves every handle's cache at once)."""
        with cls._guard:
            ring = cls._open.get(str(store.directory))
            if ring is None:
                ring = cls._open[str(store.directory)] = cls(store)
            return ring

    def __init__(self, store: KeyStore) -> None:
        self.index_key = store.secret("index")
        self.keys = MemberKeys(store)

    def seal(self, member_id: str, personal: Personal) -> str:
        return seal(self.keys.get_or_create(member_id), member_id, personal)

    def open(self, member_id: str, sealed: str | None) -> Personal:
        """The member's personal data; :data:`ERASED` when their key is gone (an erased member
        or a member whose key this till never received)."""
        if not sealed:
            return ERASED
        key = self.keys.get(member_id)
        if key is None:
            return ERASED
        return unseal(key, member_id, sealed)

    def bulk(self, people: Mapping[str, Personal]) -> list[SealedRow]:
        """Many members' rows at once (bulk loaders and benchmarks write members without the
        ORM): their keys made in one transaction, each member's data sealed and indexed."""
        keys = self.keys.create_many(people)
        return [SealedRow(member_id=i, personal=seal(keys[i], i, p),
                          phone_key=self.phone_key(p.phone), tail_key=self.tail_key(p.phone[-4:]),
                          birth_month=p.birthday.month if p.birthday else None,
                          grams=sorted(self.name_grams(p.name)))
                for i, p in people.items()]

    def from_event(self, body: Mapping[str, object]) -> Personal:
        """The personal data an event carries: sealed (``personal``), or in plain fields in
        events written before sealing."""
        sealed = body.get("personal")
        if sealed:
            return self.open(str(body["member_id"]), str(sealed))
        return Personal.from_json(dict(body))

    def phone_key(self, phone: str) -> str:
        return phone_key(self.index_key, phone)

    def tail_key(self, tail: str) -> str:
        return tail_key(self.index_key, tail)

    def name_grams(self, name: str) -> set[str]:
        return name_grams(self.index_key, name)

    def query_grams(self, query: str) -> set[str]:
        return query_grams(self.index_key, query)

    def close(self) -> None:
        self.keys.close()


__all__ = ["ERASED", "ERASED_KEY", "PERSONAL_FIELDS", "STAGED_MASTER", "KeySealer", "MemberKeys",
           "Opener", "Personal", "Ring", "Unreadable", "UploadOpener", "fold_name", "key_check",
           "name_grams", "new_keypair", "open_from", "phone_key", "query_grams", "seal",
           "seal_for", "seal_text", "tail_key", "unseal", "unseal_text", "unwrap", "wrap"]
