"""Members changed more than once within one upload. Head office writes a batch's members in
one statement: a phone that passes from one member to another must not meet its old holder in
the unique index on live phones (it used to: the batch failed on every retry, and the till
could upload nothing more), and a name changed twice leaves the last name's grams only."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storeapp.services import members
from sync.hq import models as m
from sync.hq.db import HqDatabase
from sync.hq.member_keys import ring
from tests.helpers import CASHIER, register
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till, download

P, Q, R = "13911110001", "13911110002", "13911110003"
NOW = dt.datetime(2026, 12, 5, 9, 0)


def phones(hq: HqDatabase, *member_ids: str) -> list[str]:
    with hq.transaction() as s:
        return [row.phone for i in member_ids if (row := s.get(m.Member, i)) is not None]


def test_two_members_swap_phones_in_one_batch(chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    here = tills[0]
    a = register(here.db, phone=P, name="甲")
    b = register(here.db, phone=Q, name="乙")
    upload(hq, tills)
    members.update_profile(here.db, b.member_id, actor=CASHIER, phone=R)
    members.update_profile(here.db, a.member_id, actor=CASHIER, phone=Q)
    members.update_profile(here.db, b.member_id, actor=CASHIER, phone=P)
    upload(hq, [here])
    assert phones(hq, a.member_id, b.member_id) == [Q, P]
    download(tills[2], hq)  # another store finds each by the new phone
    assert [x.member_id for x in members.find(tills[2].db, Q)] == [a.member_id]
    assert [x.member_id for x in members.find(tills[2].db, P)] == [b.member_id]


def test_a_new_member_registers_the_number_another_just_left(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    here = tills[0]
    a = register(here.db, phone=P, name="甲")
    upload(hq, tills)
    members.update_profile(here.db, a.member_id, actor=CASHIER, phone=Q)
    c = register(here.db, phone=P, name="丙")
    upload(hq, [here])
    assert phones(hq, a.member_id, c.member_id) == [Q, P]
    with hq.transaction() as s:
        assert s.query(m.Exception_).count() == 0  # not taken for a duplicate


def test_names_changed_twice_in_one_batch_leave_the_last_names_grams(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    here = tills[0]
    old = register(here.db, phone=P, name="欧阳娜娜")
    upload(hq, tills)
    new = register(here.db, phone=Q, name="王小明")
    for who, name in ((new, "李大龙"), (new, "赵钱孙"), (old, "张三丰"), (old, "周芷若")):
        members.update_profile(here.db, who.member_id, actor=CASHIER, name=name)
    upload(hq, [here])
    with hq.transaction() as s:
        for who, name in ((new, "赵钱孙"), (old, "周芷若")):
            assert s.get(m.Member, who.member_id).name == name  # type: ignore[union-attr]
            assert sorted(s.scalars(select(m.MemberNameGram.gram).where(
                m.MemberNameGram.member_id == who.member_id))) == sorted(
                ring(s).name_grams(name))


def test_a_phone_another_upload_takes_meanwhile_is_retried_not_failed(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    """Two uploads register one phone at once. The second's insert of its new member (a COPY,
    on PostgreSQL) waits in the unique index on live phones for the first to commit, then fails
    with the driver's own error, not SQLAlchemy's: head office must take it for the race it is
    and run the batch again, which then finds the phone taken, as if the uploads had come one
    after the other."""
    hq, tills = chain
    register(tills[2].db, phone=P, name="乙")  # store 0002
    first = Session(hq.engine)
    first.add(m.Member(member_id="hq-first", card_no="99999999", phone=P, name="甲",
                       birthday=None, gender=None, tier="regular", status="active",
                       home_store="0001", principal_fen=0, bonus_fen=0, points=0,
                       wallet_blocked=False, merged_into=None, created_at=NOW,
                       updated_at=NOW, change_no=0, marketing_consent=False))
    first.flush()  # holds the phone in the unique index, not committed yet
    failed: list[BaseException] = []

    def second() -> None:
        try:
            upload(hq, [tills[2]])
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    waited = True
    if hq.engine.dialect.name == "postgresql":
        with hq.engine.connect() as watch:  # the session's own view is a snapshot
            deadline = time.monotonic() + 20
            while not (waited := bool(watch.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'COPY hq_members%'")))) and time.monotonic() < deadline:
                time.sleep(0.05)
                watch.rollback()
    first.commit()
    first.close()
    thread.join(60)
    assert waited, "the second upload never waited on the phone"
    assert not thread.is_alive() and not failed, failed
    with hq.transaction() as s:
        holders = s.scalars(select(m.Member.member_id).where(
            m.Member.phone_key == ring(s).lookup(P), m.Member.merged_into.is_(None))).all()
        assert holders == ["hq-first"]  # the phone stays with the first; the till's member is
        assert s.query(m.Member).count() == 2  # kept too, and head office says so
        assert s.query(m.Exception_).count() >= 1
