"""Erasing a member (crypto-shredding), end to end on SQLite and PostgreSQL: erased at one till,
the member's phone, name and birthday can no longer be read at any till, at head office, or in
a backup taken before the erasure — while the audit chain verifies and every report total and
head office's reconciliation are what they were."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storeapp import audit
from storeapp.backup import backup
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import NotFound
from storeapp.reports.daily import daily
from storeapp.reports.liability import liability
from storeapp.services import members, privacy, wallet
from storeapp.services.sales import TenderIn
from sync.hq import ingest
from sync.hq import models as m
from sync.hq.db import HqDatabase, utcnow
from sync.hq.erasure import erase_member
from sync.hq.errors import HqRefusal
from sync.hq.reconcile import reconcile
from tests.helpers import CASHIER, START, approve, register, sell, topup
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Network, Till, deliver, download, hear_ack, send

PHONE, NAME, BORN = "13911112222", "欧阳娜娜", "1990-03-04"


def numbers(value: Any) -> list[int]:
    """Every figure in a report or answer, in order: what erasing must not change (names and
    phones are text, and may)."""
    if isinstance(value, dict):
        return [n for k, v in sorted(value.items()) if k != "generated_at" for n in numbers(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in numbers(v)]
    return [value] if isinstance(value, int) and not isinstance(value, bool) else []


def figures(hq: HqDatabase, tills: list[Till]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for till in tills:
        name = f"{till.store.code}/{till.till_no}"
        out[name] = numbers(liability(till.db).to_dict()) + numbers(daily(till.db).to_dict())
        with till.db.reader() as s:
            assert audit.verify(s).ok
    with hq.transaction() as s:
        out["hq"] = numbers(reconcile(s)) + [int(v or 0) for v in s.execute(select(
            func.sum(m.Member.principal_fen), func.sum(m.Member.bonus_fen),
            func.sum(m.Member.points))).one()]
    return out


def test_an_erased_member_is_unreadable_everywhere_and_every_total_stays(
        chain: tuple[HqDatabase, list[Till]], tmp_path: Path) -> None:
    hq, tills = chain
    here, there = tills[0], tills[2]  # store 0001 and store 0002
    member = register(here.db, phone=PHONE, name=NAME, birthday=BORN)
    topup(here.db, member, 20_000, method="cash")
    sell(here.db, member, 3_000, tenders=[TenderIn("cash")])
    upload(hq, tills)
    for till in tills:
        download(till, hq)
    assert members.find(there.db, PHONE)[0].name == NAME  # met at the other store
    earlier = Path(str(backup(here.db, tmp_path / "backups")["backup"]))

    # money first: the account is closed by the refund rules (principal back, bonus forfeited)
    wallet.close_account(here.db, member.member_id, actor=CASHIER,
                         grant=approve(here.db), method="cash")
    upload(hq, tills)
    for till in tills:
        download(till, hq)
    before = figures(hq, tills)

    erased = privacy.erase(here.db, member.member_id, actor=CASHIER, grant=approve(here.db))
    assert erased.refunded_fen == 0  # closed already: nothing more to pay
    upload(hq, tills)
    for till in tills:
        download(till, hq)

    for till in tills:  # every till: the member's rows are there, their person is not
        try:
            view: members.MemberView | None = members.get(till.db, member.member_id)
        except NotFound:
            view = None
        if till is here or till is there:
            assert view is not None
        if view is not None:
            assert (view.phone, view.name) == ("", ""), till.store.code
        assert members.find(till.db, PHONE) == []
        assert members.find(till.db, NAME) == []
        assert till.db.pii.keys.get(member.member_id) is None
    with hq.transaction() as s:  # head office: blank, and no key left to open its events
        row = s.get(m.Member, member.member_id)
        assert row is not None and (row.name, row.birthday) == ("", None)
        assert row.phone.startswith("erased:")
        assert s.get(m.MemberKey, member.member_id) is None
        stored = " ".join(s.scalars(select(m.Event.payload)))
        assert PHONE not in stored and NAME not in stored and BORN not in stored
    # a backup taken before the erasure, restored with this till's own keys: unreadable
    copy = tmp_path / "restored.db"
    shutil.copy(earlier, copy)
    restored = Database(copy, clock=FixedClock(START))
    try:
        again = members.get(restored, member.member_id)
        assert (again.phone, again.name) == ("", "")
        assert again.balance_fen > 0  # the money it held then is still there to see
        # the phone's keyed hash still points at the row, which says nothing more
        assert all((x.phone, x.name) == ("", "") for x in members.find(restored, PHONE))
    finally:
        restored.close()
    # nothing else moved: ledgers, reports, the audit chain, head office's reconciliation
    assert figures(hq, tills) == before


def _erased_at_head_office(hq: HqDatabase, member_id: str) -> None:
    with hq.transaction() as s:
        row = s.get(m.Member, member_id)
        assert row is not None and row.phone == f"erased:{member_id}"
        assert (row.name, row.birthday, row.personal) == ("", None, "")
        assert s.get(m.MemberKey, member_id) is None
        assert s.scalars(select(m.AccessLog.user).where(
            m.AccessLog.action == "member_erased", m.AccessLog.subject == member_id)).all()
        assert not s.scalars(select(m.Refusal)).all()


@pytest.mark.parametrize("batch_size", [5000, 1], ids=["one batch", "an event a batch"])
def test_a_member_erased_before_their_registration_went_up_does_not_stop_the_uploads(
        chain: tuple[HqDatabase, list[Till]], batch_size: int) -> None:
    """Registered and erased between two uploads: the key the registration was sealed under is
    gone, so the till says the member is erased instead of sending it, and head office keeps
    the member (their money) without a person — whether the erasure comes in the same batch or
    a later one. It used to refuse the batch (no key) and the till could never upload again."""
    hq, tills = chain
    here = tills[0]
    member = register(here.db, phone=PHONE, name=NAME, birthday=BORN)
    topup(here.db, member, 5_000, method="cash")
    privacy.erase(here.db, member.member_id, actor=CASHIER, grant=approve(here.db))
    net = Network()
    while True:
        send(here, net, batch_size)
        if not net.in_flight:
            break
        deliver(hq, net, 0)
        hear_ack(net, 0)
    with hq.transaction() as s:
        assert ingest.acked_seq(s, here.store.id, here.till_no) == here.next_seq - 1
        stored = " ".join(s.scalars(select(m.Event.payload)))
        assert PHONE not in stored and NAME not in stored
    _erased_at_head_office(hq, member.member_id)
    assert numbers(liability(here.db).to_dict())  # the till's figures still read
    for till in tills:
        download(till, hq)
        assert members.find(till.db, PHONE) == []


def test_a_profile_change_waiting_when_the_member_is_erased_goes_up_without_the_person(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    here = tills[0]
    member = register(here.db, phone=PHONE, name=NAME, birthday=BORN)
    upload(hq, tills)
    members.update_profile(here.db, member.member_id, actor=CASHIER, name="欧阳菲菲")
    privacy.erase(here.db, member.member_id, actor=CASHIER, grant=approve(here.db))
    upload(hq, tills)
    _erased_at_head_office(hq, member.member_id)


def test_sealed_data_without_a_key_is_still_refused_from_a_member_the_till_did_not_erase(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    here = tills[0]
    register(here.db, phone=PHONE, name=NAME, birthday=BORN)
    net = Network()
    send(here, net, 5000)
    _, batch = net.in_flight[0]
    batch["member_keys"] = {}
    with pytest.raises(HqRefusal) as refused:
        ingest.ingest(hq, here.store, batch, utcnow())
    assert refused.value.code == "bad_member_key"


def test_a_change_waiting_at_a_till_when_head_office_erases_the_member_brings_no_key_back(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    """Erased at head office while a till still had a profile change to send (a till uploads
    before it downloads): the till sends the change with the member's key, as it had it. Head
    office must not keep that key again, nor the new name under it."""
    hq, tills = chain
    here = tills[0]
    member = register(here.db, phone=PHONE, name=NAME, birthday=BORN)
    upload(hq, tills)
    members.update_profile(here.db, member.member_id, actor=CASHIER, name="欧阳菲菲")
    with hq.transaction() as s:
        erase_member(s, member.member_id, by="admin", now=utcnow())
    upload(hq, [here])
    with hq.transaction() as s:
        row = s.get(m.Member, member.member_id)
        assert row is not None and (row.phone, row.name, row.birthday) == (
            f"erased:{member.member_id}", "", None)
        assert s.get(m.MemberKey, member.member_id) is None
        assert not s.scalars(select(m.MemberNameGram).where(
            m.MemberNameGram.member_id == member.member_id)).all()
    download(here, hq)
    assert here.db.pii.keys.get(member.member_id) is None


def test_a_member_only_marked_erased_is_still_erased_whole_at_head_office(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    """A phone marked erased is not an erasure: a till can send the marker (its registration
    of a member head office knows, as "erased") while the name and the key stay. Head office's
    own erasure then still destroys them."""
    hq, tills = chain
    here = tills[0]
    member = register(here.db, phone=PHONE, name=NAME, birthday=BORN)
    upload(hq, tills)
    with hq.transaction() as s:
        row = s.get(m.Member, member.member_id)
        assert row is not None
        row.phone = f"erased:{member.member_id}"  # the marker alone
    with hq.transaction() as s:
        erase_member(s, member.member_id, by="admin", now=utcnow())
    with hq.transaction() as s:
        row = s.get(m.Member, member.member_id)
        assert row is not None and (row.name, row.birthday, row.personal) == ("", None, "")
        assert s.get(m.MemberKey, member.member_id) is None
