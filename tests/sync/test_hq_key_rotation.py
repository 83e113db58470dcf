"""Rotating head office's keys, on SQLite and PostgreSQL: after a new master or a new index key,
every member is found and reads as before, a member's key still opens what tills sealed, the old
key opens or finds nothing, and a rotation cut short at any point leaves head office working."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import pii
from sync.hq import key_rotation, member_keys, programme
from sync.hq import models as m
from sync.hq.cli import main as hq_main
from sync.hq.db import HqDatabase, utcnow
from tests.helpers import register
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till, download

PEOPLE = [("13912345678", "欧阳娜娜", "1991-07-23"), ("13787654321", "Zoé Lefèvre", None)]


def found(hq: HqDatabase) -> list[tuple[str, ...]]:
    """Each member as search finds them by phone, by last four digits and by part of a name."""
    with hq.transaction() as s:
        out = []
        for phone, name, _ in PEOPLE:
            by = [programme.search(s, q) for q in (phone, phone[-4:], name[:2])]
            out.append(tuple(f"{x.phone}/{x.name}" for rows in by for x in rows))
        return out


def a_chain(chain: tuple[HqDatabase, list[Till]]) -> HqDatabase:
    hq, tills = chain
    for phone, name, born in PEOPLE:
        register(tills[0].db, phone=phone, name=name, birthday=born)
    upload(hq, tills)
    return hq


def test_a_new_master_rewraps_every_key_and_the_old_one_opens_none(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq = a_chain(chain)
    before = found(hq)
    assert before == [(f"{p}/{n}",) * 3 for p, n, _ in PEOPLE]
    store = member_keys.key_store(hq)
    old = store.secret("master")
    with hq.transaction() as s:
        wrapped_before = {i: w for i, w in s.execute(
            select(m.MemberKey.member_id, m.MemberKey.wrapped))}
    answer = key_rotation.rotate(hq, "master", user="ops", reason="yearly", now=utcnow())
    assert answer["members"] == len(wrapped_before) >= 2
    assert store.secret("master") != old and store.get("master.next") is None
    assert found(hq) == before
    with hq.transaction() as s:
        for member_id, wrapped in s.execute(select(m.MemberKey.member_id, m.MemberKey.wrapped)):
            assert wrapped != wrapped_before[member_id]
            with pytest.raises(pii.Unreadable):
                pii.unwrap(old, member_id, base64.b64decode(wrapped))
        log = s.scalars(select(m.AccessLog).where(m.AccessLog.action == "key_rotated")).one()
        assert (log.user, log.subject) == ("ops", "master") and "yearly" in log.detail_json
    # the tills' uploads still open: a new member arrives with its key under the new master
    hq_, tills = chain
    register(tills[2].db, phone="15011112222", name="司马光")
    upload(hq_, tills)
    with hq.transaction() as s:
        assert [x.name for x in programme.search(s, "15011112222")] == ["司马光"]
    for till in tills:
        download(till, hq)


def test_a_new_index_key_recomputes_every_lookup(chain: tuple[HqDatabase, list[Till]]) -> None:
    hq = a_chain(chain)
    before = found(hq)
    store = member_keys.key_store(hq)
    old = store.secret("index")
    with hq.transaction() as s:
        keys_before = set(s.scalars(select(m.Member.phone_key)))
        grams_before = set(s.scalars(select(m.MemberNameGram.gram)))
    key_rotation.rotate(hq, "index", user="ops", reason="staff left", now=utcnow())
    assert found(hq) == before
    with hq.transaction() as s:
        keys_after = set(s.scalars(select(m.Member.phone_key)))
        assert keys_after.isdisjoint(keys_before)
        assert pii.phone_key(old, PEOPLE[0][0]) not in keys_after
        assert set(s.scalars(select(m.MemberNameGram.gram))).isdisjoint(grams_before)


@pytest.mark.parametrize("key", ["master", "index"])
@pytest.mark.parametrize("cut", ["staged", "committed"])
def test_a_rotation_cut_short_leaves_head_office_working(
        chain: tuple[HqDatabase, list[Till]], key: str, cut: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed after the new key was staged (nothing committed), or after the rows committed but
    before the key was put in place: either way every member reads and is found, and the next
    rotation finishes or drops what was left."""
    hq = a_chain(chain)
    before = found(hq)
    store = member_keys.key_store(hq)
    in_place = store.secret(key)

    class Killed(Exception):
        pass

    def killed(*_: Any) -> None:
        raise Killed

    if cut == "staged":  # the kill comes inside the transaction: it never commits
        monkeypatch.setattr(key_rotation, "_rewrap" if key == "master" else "_reindex", killed)
    else:  # the kill comes after the commit, before the new key replaces the old
        monkeypatch.setattr(key_rotation, "finish", lambda hq: None)
    if cut == "staged":
        with pytest.raises(Killed):
            key_rotation.rotate(hq, key, user="ops", reason="r", now=utcnow())
    else:
        key_rotation.rotate(hq, key, user="ops", reason="r", now=utcnow())
    monkeypatch.undo()
    assert store.get(f"{key}.next") is not None and store.secret(key) == in_place
    assert found(hq) == before  # a worker reading now uses the key the rows are under
    key_rotation.finish(hq)
    assert store.get(f"{key}.next") is None
    assert (store.secret(key) == in_place) == (cut == "staged")
    assert found(hq) == before
    key_rotation.rotate(hq, key, user="ops", reason="again", now=utcnow())
    assert found(hq) == before


def test_the_cli_rotates_with_a_user_and_a_reason(chain: tuple[HqDatabase, list[Till]],
                                                   hq_url: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    hq = a_chain(chain)
    before = found(hq)
    assert hq_main(["--db", hq_url, "keys", "rotate", "--index", "--user", "ops",
                    "--reason", "audit finding"]) == 0
    assert '"key": "index"' in capsys.readouterr().out
    assert found(hq) == before
    with pytest.raises(SystemExit):  # no reason: argparse refuses
        hq_main(["--db", hq_url, "keys", "rotate", "--user", "ops"])
