"""Members changed more than once within one upload. Head office writes a batch's members in
one statement: a phone that passes from one member to another must not meet its old holder in
the unique index on live phones (it used to: the batch failed on every retry, and the till
could upload nothing more), and a name changed twice leaves the last name's grams only."""

from __future__ import annotations

from sqlalchemy import select

from storeapp.services import members
from sync.hq import models as m
from sync.hq.db import HqDatabase
from sync.hq.member_keys import ring
from tests.helpers import CASHIER, register
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till, download

P, Q, R = "13911110001", "13911110002", "13911110003"


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
