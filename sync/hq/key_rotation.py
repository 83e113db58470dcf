"""Rotating head office's keys: a new master for the members' keys (``hq_member_keys``), or a new
index key for its lookups (``hq_members.phone_key``, ``tail_key``, ``hq_member_name_grams``).

A rotation spans two stores, the key store and the database, and several workers read both at
once. So the database says which key its rows are under: ``hq_secrets.master_check`` /
``index_check`` hold the key's check value (:func:`storeapp.pii.key_check`, which says nothing
of the key). The new key is staged in the key store (``master.next``), the rows are rewritten
and the check value set in one transaction, and only then does the new key replace the old.
Every session picks the key its rows are under (:func:`current`): the staged one once that
transaction committed, else the one in place. So a kill at any point, or a worker reading in
the middle, never meets rows under a key it does not use; a rotation cut short is finished (or
its staged key dropped) by the next one.

A rotation changes no member's own key: sealed data, events and the tills are untouched.
Head office's X25519 key pair (what tills seal members' keys to) is not rotated here: every
till holds its public half.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from storeapp import pii
from storeapp.keystore import KeyStore
from storeapp.pii_orm import GIVEN_BACK
from sync.hq import models as m
from sync.hq.errors import HqRefusal

if TYPE_CHECKING:
    from sync.hq.db import HqDatabase

KEYS = ("master", "index")
#: members rewritten per statement
CHUNK = 2000


def _check_name(key: str) -> str:
    return f"{key}_check"


def _staged_name(key: str) -> str:
    return f"{key}.next"


def current(store: KeyStore, s: Session, key: str) -> bytes:
    """The ``key`` head office's rows are under: the staged one once the rotation that made it
    committed (its check value is the database's), else the one in place."""
    staged = store.get(_staged_name(key))
    if staged is not None:
        check = s.get(m.Secret, _check_name(key))
        if check is not None and check.value == pii.key_check(staged):
            return staged
    return store.secret(key)


def finish(hq: HqDatabase) -> None:
    """Put in place a staged key whose rotation committed; drop one whose rotation did not."""
    from sync.hq.member_keys import key_store

    store = key_store(hq)
    for key in KEYS:
        staged = store.get(_staged_name(key))
        if staged is None:
            continue
        with hq.transaction() as s:
            check = s.get(m.Secret, _check_name(key))
            committed = check is not None and check.value == pii.key_check(staged)
        if committed:
            store.put(key, staged)
        store.delete(_staged_name(key))


def rotate(hq: HqDatabase, key: str, *, user: str, reason: str,
           now: dt.datetime) -> dict[str, Any]:
    """Rotate ``key`` (``master`` or ``index``) as head-office user ``user``; the access log
    names who and why (never the key)."""
    from sync.hq.member_keys import HqRing, key_store

    if key not in KEYS:
        raise HqRefusal(422, "bad_key", "rotate the master or the index key", key=key)
    if not user.strip() or not reason.strip():
        raise HqRefusal(422, "who_and_why", "name the user and the reason")
    finish(hq)  # an earlier rotation cut short
    store = key_store(hq)
    new = os.urandom(pii.KEY_BYTES)
    store.put(_staged_name(key), new)
    with hq.transaction() as s:
        if hq.is_postgres:  # no worker writes a member or a key under the old key meanwhile
            s.execute(text("LOCK TABLE hq_members, hq_member_keys, hq_member_name_grams "
                           "IN SHARE ROW EXCLUSIVE MODE"))
        ring = HqRing.of(hq, s)
        count = (_rewrap(s, ring.master, new) if key == "master"
                 else _reindex(s, ring, new))
        row = s.get(m.Secret, _check_name(key))
        if row is None:
            s.add(m.Secret(name=_check_name(key), value=pii.key_check(new), created_at=now))
        else:
            row.value = pii.key_check(new)
        s.add(m.AccessLog(at=now, user=user[:32], action="key_rotated", subject=key,
                          detail_json=json.dumps({"members": count, "reason": reason},
                                                 ensure_ascii=False)))
    finish(hq)
    return {"key": key, "members": count, "where": store.where}


def _rewrap(s: Session, old: bytes, new: bytes) -> int:
    count, after = 0, ""
    while True:
        rows = s.execute(select(m.MemberKey.member_id, m.MemberKey.wrapped)
                         .where(m.MemberKey.member_id > after)
                         .order_by(m.MemberKey.member_id).limit(CHUNK)).all()
        if not rows:
            return count
        s.connection().execute(_REWRAP, [
            {"k_id": member_id, "k_wrapped": base64.b64encode(pii.wrap(
                new, member_id, pii.unwrap(old, member_id, base64.b64decode(wrapped)))).decode()}
            for member_id, wrapped in rows])
        count += len(rows)
        after = rows[-1][0]


def _reindex(s: Session, ring: Any, new: bytes) -> int:
    """Every member's lookup keys and name grams under ``new``, from their opened data; a
    member with no phone of its own keeps its marker."""
    s.execute(delete(m.MemberNameGram))
    count, after = 0, ""
    while True:
        rows = s.execute(select(m.Member.member_id, m.Member.phone_key, m.Member.personal)
                         .where(m.Member.member_id > after)
                         .order_by(m.Member.member_id).limit(CHUNK)).all()
        if not rows:
            return count
        ring.prefetch(member_id for member_id, _, _ in rows)
        changes, grams = [], []
        for member_id, phone_key, sealed in rows:
            person = ring.open(member_id, sealed)
            marker = phone_key.startswith(GIVEN_BACK)
            changes.append({
                "k_id": member_id,
                "k_phone": phone_key if marker or not person.phone
                else pii.phone_key(new, person.phone),
                "k_tail": "" if marker or not person.phone
                else pii.tail_key(new, person.phone[-4:])})
            grams += [{"gram": g, "member_id": member_id}
                      for g in sorted(pii.name_grams(new, person.name))]
        s.connection().execute(_REINDEX, changes)
        if grams:
            s.execute(insert(m.MemberNameGram), grams)
        count += len(rows)
        after = rows[-1][0]


_REWRAP = update(m.MemberKey).where(m.MemberKey.member_id == bindparam("k_id")).values(
    wrapped=bindparam("k_wrapped"))
_REINDEX = update(m.Member).where(m.Member.member_id == bindparam("k_id")).values(
    phone_key=bindparam("k_phone"), tail_key=bindparam("k_tail"))


__all__ = ["KEYS", "current", "finish", "rotate"]
