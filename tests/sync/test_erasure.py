"""Erasing a member (crypto-shredding), end to end on SQLite and PostgreSQL: erased at one till,
the member's phone, name and birthday can no longer be read at any till, at head office, or in
a backup taken before the erasure — while the audit chain verifies and every report total and
head office's reconciliation are what they were."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

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
from sync.hq import models as m
from sync.hq.db import HqDatabase
from sync.hq.reconcile import reconcile
from tests.helpers import CASHIER, START, approve, register, sell, topup
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till, download

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
