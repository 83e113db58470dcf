"""Rotating the till's keys: a new master for the members' keys, or a new index key for lookups.

Both survive a kill at any point. The master's rotation is the key file's own
(:meth:`storeapp.pii.MemberKeys.rotate`). The index key's spans two stores: the new key is
staged in the key store (``index.next``) under the database's write lock, every member's lookup
keys and name grams are recomputed in one transaction of the database whose audit entry records
the new key's check value, and only then does the new key replace the old. Whoever opens the
till next (:func:`finish_rotation`, before its ring reads the key) compares the staged key with
that record: committed, it goes in place; not, it is dropped and the rows are as they were.

A rotation changes no member's own key, so sealed data, backups and head office are untouched;
the till's ring in this process takes the new keys at once. Other processes of the till pick up
a new master by themselves, but a new index key only when they restart: rotate with the app
closed.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, text, update
from sqlalchemy.orm import Session

from storeapp import audit, pii
from storeapp.db import Database
from storeapp.keystore import KeyStore
from storeapp.models import Member, MemberNameGram
from storeapp.pii_orm import GIVEN_BACK
from storeapp.results import Record
from storeapp.services.users import Grant

MASTER, INDEX = "master", "index"
#: the key store's name for a new index key until the rows that use it have committed
STAGED_INDEX = "index.next"
#: the audit action of a rotation; its subject is the key rotated, never the key itself
ROTATED = "key_rotated"
_BATCH = 2000
_LAST_INDEX = text("SELECT detail_json FROM audit_log WHERE action = :action AND subject = :key "
                   "ORDER BY seq DESC LIMIT 1").bindparams(action=ROTATED, key=INDEX)


@dataclass(frozen=True, eq=False)
class KeyRotated(Record):
    """A key rotated: ``members`` whose key was rewrapped (master) or whose lookups were
    recomputed (index); ``unreadable``: members whose data could not be opened (their key is
    gone) and whose phone therefore no longer finds them; ``where``: the key store."""

    key: str
    members: int
    unreadable: int
    where: str


def rotate(db: Database, *, index: bool, actor: str, grant: Grant) -> KeyRotated:
    """Rotate the master (``index`` False) or the index key, as ``actor`` with ``grant``."""
    return rotate_index(db, actor=actor, grant=grant) if index else \
        rotate_master(db, actor=actor, grant=grant)


def rotate_master(db: Database, *, actor: str, grant: Grant) -> KeyRotated:
    """A new master: every member's key in the key file rewrapped under it."""
    rewrapped = db.pii.keys.rotate()
    with db.session() as s, s.begin():
        _audit(s, db, actor, grant, MASTER, members=rewrapped)
    return KeyRotated(key=MASTER, members=rewrapped, unreadable=0, where=db.keys.where)


def rotate_index(db: Database, *, actor: str, grant: Grant) -> KeyRotated:
    """A new index key: every member's phone key, last-four key and name grams recomputed from
    their opened data in one transaction, then the key put in place."""
    store, ring = db.keys, db.pii
    new = secrets.token_bytes(pii.KEY_BYTES)
    try:
        with db.session() as s, s.begin():
            s.connection()  # BEGIN IMMEDIATE now: no opening till may drop the staged key
            store.put(STAGED_INDEX, new)
            members, unreadable = _reindex(s, ring, new)
            _audit(s, db, actor, grant, INDEX, members=members, unreadable=unreadable,
                   key_check=pii.key_check(new))
    except BaseException:
        with contextlib.suppress(Exception):  # else the till's next open settles it
            finish_rotation(db.engine, store)  # not committed: the staged key is dropped
            if store.get(INDEX) == new:
                ring.index_key = new
        raise
    ring.index_key = new
    store.put(INDEX, new)
    store.delete(STAGED_INDEX)
    return KeyRotated(key=INDEX, members=members, unreadable=unreadable, where=store.where)


def finish_rotation(engine: Engine, store: KeyStore) -> None:
    """Settle an index rotation a crash cut short, before the till's ring reads the index key:
    the staged key goes in place if the database's rows use it, else it is dropped."""
    if store.get(STAGED_INDEX) is None:
        return
    with engine.connect() as conn, conn.begin():  # waits for a rotation still running
        staged = store.get(STAGED_INDEX)
        if staged is None:
            return
        if _index_check(conn) == pii.key_check(staged):
            store.put(INDEX, staged)
        store.delete(STAGED_INDEX)


def _reindex(s: Session, ring: pii.Ring, index_key: bytes) -> tuple[int, int]:
    """Every member's lookup keys and name grams under ``index_key``, as
    :func:`storeapp.pii_orm.seal_staged` makes them; (members reindexed, members unreadable).
    A given-back phone ("merged:…", "dup:…", "erased:…") keeps its marker."""
    s.execute(delete(MemberNameGram))
    members = unreadable = 0
    after = ""
    while rows := s.execute(select(Member.member_id, Member.phone_key, Member.personal)
                            .where(Member.member_id > after).order_by(Member.member_id)
                            .limit(_BATCH)).all():
        after = rows[-1].member_id
        keys = ring.keys.get_many(r.member_id for r in rows if r.personal)
        changed, grams = [], []
        for member_id, phone_key, sealed in rows:
            person = _opened(keys.get(member_id), member_id, sealed)
            if person is None:
                if not phone_key.startswith(GIVEN_BACK):
                    unreadable += 1
                continue
            if phone_key.startswith(GIVEN_BACK) or person.phone.startswith(GIVEN_BACK):
                phone, tail = (phone_key if phone_key.startswith(GIVEN_BACK)
                               else person.phone), ""
            else:
                phone = pii.phone_key(index_key, person.phone)
                tail = pii.tail_key(index_key, person.phone[-4:])
            changed.append({"member_id": member_id, "phone_key": phone, "tail_key": tail})
            grams += [{"gram": g, "member_id": member_id}
                      for g in sorted(pii.name_grams(index_key, person.name))]
        members += len(changed)
        _write(s, changed, grams)
    return members, unreadable


def _opened(key: bytes | None, member_id: str, sealed: str) -> pii.Personal | None:
    if key is None or not sealed:
        return None
    try:
        return pii.unseal(key, member_id, sealed)
    except pii.Unreadable:
        return None


def _write(s: Session, changed: Sequence[dict[str, str]], grams: Sequence[dict[str, str]]) -> None:
    if changed:
        s.execute(update(Member), changed)  # by primary key, without the flush's resealing
    if grams:
        s.execute(insert(MemberNameGram), grams)


def _index_check(conn: Connection) -> str | None:
    """The check value of the index key the database's rows use, as the last rotation recorded
    it; None before the first rotation."""
    recorded = conn.execute(_LAST_INDEX).scalar()
    return None if recorded is None else str(json.loads(recorded)["key_check"])


def _audit(s: Session, db: Database, actor: str, grant: Grant, key: str,
           **detail: int | str) -> None:
    audit.append(s, at=db.clock.now(), actor=actor, action=ROTATED, subject=key,
                 detail={"key": key, "approver": grant.approver, "reason": grant.reason,
                         **detail})


__all__ = ["INDEX", "MASTER", "ROTATED", "STAGED_INDEX", "KeyRotated", "finish_rotation",
           "rotate", "rotate_index", "rotate_master"]
