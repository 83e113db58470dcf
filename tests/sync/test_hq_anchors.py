"""Head office holds each till's anchors and notices an edited till file at its next sync, over
real HTTP on SQLite and PostgreSQL: a ledger row and the cached balance raised together (the
till's own checks pass the member, head office names it), a balance moved from one member to
another, an audit chain rewritten so that it verifies again. Each puts the till online-only
until a head-office user clears it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import audit, integrity
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.services import sales, users
from storeapp.services.sales import TenderIn
from sync import client
from sync.hq import accounts, anchors
from sync.hq import models as m
from sync.hq.db import HqDatabase, utcnow
from sync.hq.reconcile import reconcile
from tests.helpers import CASHIER, START, copy_database, register, topup
from tests.sync.conftest import LiveHq
from tests.sync.tamper import opened, raise_ledger_row, rewrite_audit


@pytest.fixture
def till(tmp_path: Path, migrated_template: Path, live_hq: LiveHq) -> Iterator[Database]:
    path = tmp_path / "till.db"
    copy_database(migrated_template, path)
    db = Database(path, clock=FixedClock(START))
    users.add_user(db, code="M01", name="王经理", role="manager", pin="246800", actor="setup")
    client.join(db, live_hq.url, live_hq.add_store("0001"))
    accounts.add_user(live_hq.hq, "auditor", "a long enough password", utcnow())
    yield db
    db.close()


def open_exceptions(hq: HqDatabase, kind: str) -> list[dict[str, Any]]:
    with hq.transaction() as s:
        return [e for e in reconcile(s)["exceptions"] if e["kind"] == kind]


def spend_offline(db: Database, phone: str, fen: int) -> None:
    db.spend_gate = Unreachable()
    try:
        sales.checkout(db, member_ref=phone, lines=[sales.LineIn(unit_price_fen=fen)],
                       tenders=[TenderIn("wallet")], actor=CASHIER)
    finally:
        db.spend_gate = None


class Unreachable:
    """Head office not answering: the offline allowance decides."""

    def hold(self, **_: Any) -> str:
        return "offline"

    def release(self, key: str) -> None:
        pass


def test_a_ledger_row_and_balance_raised_together_are_named_at_the_next_sync(
        live_hq: LiveHq, till: Database) -> None:
    zhang, wang = register(till, phone="13800000001"), register(till, phone="13800000002")
    topup(till, zhang, 60_000)
    topup(till, wang, 10_000)
    client.run_sync(till)
    assert open_exceptions(live_hq.hq, "balance_mismatch") == []
    spend_offline(till, wang.phone, 1_000)  # honest till: offline spends allowed

    raise_ledger_row(till.path, zhang.member_id, 250_000)  # ¥600 becomes ¥3,100
    with till.reader() as s:  # the till's own check sees no member off its ledger...
        assert not [p for p in integrity.ledger_problems(s) if zhang.member_id in p]
    client.run_sync(till)

    [named] = [e for e in open_exceptions(live_hq.hq, "balance_mismatch") if e["member_id"]]
    assert named["phone"] == zhang.phone
    assert named["detail"]["till"]["principal_fen"] == 310_000
    assert named["detail"]["head_office"]["principal_fen"] == 60_000
    assert named["amount_fen"] == 250_000
    assert client.status(till).online_only == "balance_mismatch"
    with pytest.raises(Refused) as refused:  # offline spends stop; online ones are held at HQ
        spend_offline(till, wang.phone, 1_000)
    assert refused.value.code == "online_only"

    anchors.clear(live_hq.hq, "0001", 1, user="auditor", reason="reversed the edit by hand",
                  now=utcnow())
    client.run_sync(till)  # the edit is still there: head office says so again
    assert client.status(till).online_only == "balance_mismatch"


def test_a_balance_moved_between_two_members_is_named_on_both(
        live_hq: LiveHq, till: Database) -> None:
    zhang, wang = register(till, phone="13800000001"), register(till, phone="13800000002")
    topup(till, zhang, 30_000)
    topup(till, wang, 10_000)
    client.run_sync(till)
    with opened(till.path) as conn:  # the totals stay, so the till-wide sums agree
        conn.execute("UPDATE members SET principal_fen = principal_fen - 5000 "
                     "WHERE member_id = ?", (zhang.member_id,))
        conn.execute("UPDATE members SET principal_fen = principal_fen + 5000 "
                     "WHERE member_id = ?", (wang.member_id,))
    client.run_sync(till)
    named = {e["phone"]: e["detail"] for e in open_exceptions(live_hq.hq, "balance_mismatch")
             if e["member_id"]}
    assert named[zhang.phone]["till"]["principal_fen"] == 25_000
    assert named[wang.phone]["till"]["principal_fen"] == 15_000
    assert named[wang.phone]["head_office"]["principal_fen"] == 10_000


def test_an_audit_chain_rewritten_to_verify_again_is_caught_by_its_anchor(
        live_hq: LiveHq, till: Database) -> None:
    zhang = register(till, phone="13800000001")
    topup(till, zhang, 50_000)
    client.run_sync(till)
    with live_hq.hq.transaction() as s:
        stream = s.scalars(select(m.Stream)).one()
        anchored = stream.audit_seq
    assert anchored >= 3
    topup(till, zhang, 1_000)

    rewrite_audit(till.path, 2, {"card_no": "forged"})
    with till.reader() as s:
        assert audit.verify(s).ok  # the till's own check cannot see it
    client.run_sync(till)

    [tampered] = open_exceptions(live_hq.hq, "till_tampered")
    assert tampered["detail"]["audit_seq"] == anchored
    assert client.status(till).online_only == "till_tampered"
    with live_hq.hq.transaction() as s:  # the rows after the anchor were not taken
        assert s.scalars(select(m.Stream)).one().audit_seq == anchored

    # head office looked into it: the till's chain is anchored anew and goes on from there
    anchors.clear(live_hq.hq, "0001", 1, user="auditor", reason="manager re-keyed a card",
                  now=utcnow())
    client.run_sync(till)
    assert client.status(till).online_only == ""
    assert open_exceptions(live_hq.hq, "till_tampered") == []
    with till.reader() as s, live_hq.hq.transaction() as h:
        newest = s.scalar(select(audit.AuditRow.seq).order_by(audit.AuditRow.seq.desc()))
        assert h.scalars(select(m.Stream)).one().audit_seq == newest
        reviews = [(r.decision, r.store_code, r.till_no) for r in h.scalars(select(m.Review))]
    assert reviews == [("clear", "0001", 1)]


def test_an_honest_till_uploads_its_whole_audit_log_and_head_office_recomputes_it(
        live_hq: LiveHq, till: Database) -> None:
    zhang = register(till, phone="13800000001")
    for amount in (10_000, 20_000, 50_000):
        topup(till, zhang, amount)
    client.run_sync(till)
    with till.reader() as s, live_hq.hq.transaction() as h:
        mine = [(r.seq, r.hash) for r in s.scalars(select(audit.AuditRow)
                                                   .order_by(audit.AuditRow.seq))]
        theirs = [(r.seq, r.hash) for r in h.scalars(select(m.AuditRow).order_by(m.AuditRow.seq))]
    # all of it, but for the row the download wrote after the upload (it goes next time)
    assert len(theirs) >= 5 and theirs == mine[:len(theirs)] and len(mine) - len(theirs) <= 1
    assert client.status(till).online_only == ""
    assert open_exceptions(live_hq.hq, "balance_mismatch") == []
