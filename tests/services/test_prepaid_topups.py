"""Top-ups under the prepaid-card rules (单用途商业预付卡管理办法), through the real service and a
real till file: a large top-up refused in cash and taken as a bank transfer with the payer's
account recorded (masked everywhere but the record and head office's event), the agreement's
version and hash in the record, the event and the answer, the real name a named card needs, and
an account close that says how its refund comes out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import backup, prepaid_agreement
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import InvalidInput, Refused
from storeapp.models import Action, AuditRow, OutboxEvent, Payment, PrintJob, Topup
from storeapp.services import members, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from tests.helpers import CASHIER, START, approve, register, sell, set_setting
from tests.test_replay import events_after, last_seq, write_back

ACCOUNT = "6222 0211 0000 1234"


def sha_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


SHIPPED_SHA = sha_of(prepaid_agreement.TEXT)


@pytest.fixture
def roomy(db: Database) -> Database:
    """A chain whose named cards may hold ¥100,000, so the transfer thresholds can be reached
    (the default cap, ¥5,000, stops a top-up first)."""
    set_setting(db, "wallet_cap_fen", 10_000_000)
    return db


def topup_rows(db: Database) -> list[Topup]:
    with db.reader() as s:
        return list(s.scalars(select(Topup).order_by(Topup.created_at)))


def last_event(db: Database, kind: str) -> dict[str, Any]:
    with db.reader() as s:
        row = s.scalars(select(OutboxEvent).where(OutboxEvent.type == kind)
                        .order_by(OutboxEvent.seq.desc())).first()
        assert row is not None
        return dict(json.loads(row.payload_json))


def written_outside_the_record(db: Database) -> str:
    """Everything the till keeps of an action besides its record and head office's event:
    audit rows, stored answers and print jobs."""
    with db.reader() as s:
        return " ".join([*s.scalars(select(AuditRow.detail_json)),
                         *s.scalars(select(Action.result_json)),
                         *s.scalars(select(PrintJob.payload_json))])


# -- the bank-transfer thresholds ---------------------------------------------------------------

@pytest.mark.parametrize(("company", "amount_fen", "variant"), [
    (False, 5_000_000, "person"), (True, 500_000, "company")])
def test_a_large_top_up_is_refused_in_cash_and_nothing_changes(
        roomy: Database, member: MemberView, company: bool, amount_fen: int,
        variant: str) -> None:
    for method in ("cash", "card", "wechat", "alipay"):
        with pytest.raises(Refused) as refused:
            wallet.topup(roomy, member.member_id, amount_fen, method=method, company=company,
                         actor=CASHIER)
        assert (refused.value.code, refused.value.variant) == ("transfer_required", variant)
        assert refused.value.params["from_fen"] == amount_fen
    assert topup_rows(roomy) == []
    assert members.get(roomy, member.member_id).balance_fen == 0
    with roomy.reader() as s:
        assert s.scalars(select(OutboxEvent).where(
            OutboxEvent.type == "wallet_topped_up")).all() == []


def test_just_below_the_line_cash_is_taken(roomy: Database, member: MemberView) -> None:
    wallet.topup(roomy, member.member_id, 499_999, method="cash", company=True, actor=CASHIER)
    wallet.topup(roomy, member.member_id, 4_999_999, method="cash", actor=CASHIER)
    assert [t.method for t in topup_rows(roomy)] == ["cash", "cash"]


def test_a_large_top_up_by_transfer_records_the_payers_account(
        roomy: Database, member: MemberView) -> None:
    set_setting(roomy, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")  # its slip is written
    with pytest.raises(Refused) as unnamed:
        wallet.topup(roomy, member.member_id, 500_000, method="transfer", company=True,
                     actor=CASHIER)
    assert unnamed.value.code == "payer_account_required"
    with pytest.raises(InvalidInput) as bad:
        wallet.topup(roomy, member.member_id, 500_000, method="transfer", company=True,
                     payer_account="6222 abc", actor=CASHIER)
    assert bad.value.code == "bad_payer_account"

    result = wallet.topup(roomy, member.member_id, 500_000, method="transfer", company=True,
                          payer_account=ACCOUNT, actor=CASHIER)
    assert (result.method, result.company, result.payer_account_masked) == (
        "transfer", True, "****1234")
    [row] = topup_rows(roomy)
    assert (row.method, row.company, row.payer_account) == (
        "transfer", True, "6222021100001234")
    event = last_event(roomy, "wallet_topped_up")
    assert (event["method"], event["company"]) == ("transfer", True)
    # head office records it with the top-up, sealed (tests/test_sealed_records.py)
    assert "6222021100001234" not in json.dumps(event) and event["payer_account"]
    with roomy.reader() as s:
        assert [(p.kind, p.method, p.amount_fen) for p in s.scalars(select(Payment))] == [
            ("topup", "transfer", 500_000)]
    kept = written_outside_the_record(roomy)
    assert "****1234" in kept and "02110000" not in kept and "6222 0211" not in kept


def test_a_person_may_pay_a_large_top_up_by_transfer(roomy: Database, member: MemberView) -> None:
    wallet.topup(roomy, member.member_id, 5_000_000, method="transfer", payer_account=ACCOUNT,
                 actor=CASHIER)
    [row] = topup_rows(roomy)
    assert (row.company, row.payer_account, row.principal_fen) == (
        False, "6222021100001234", 5_000_000)
    assert "company" not in last_event(roomy, "wallet_topped_up")


# -- the prepaid agreement ------------------------------------------------------------------------

def test_the_agreement_accepted_is_in_the_record_the_event_and_the_answer(
        db: Database, member: MemberView) -> None:
    result = wallet.topup(db, member.member_id, 50_000, actor=CASHIER)
    shipped = (prepaid_agreement.VERSION, sha_of(prepaid_agreement.TEXT))
    assert (result.agreement_version, result.agreement_sha256) == shipped
    [row] = topup_rows(db)
    assert (row.agreement_version, row.agreement_sha256) == shipped
    event = last_event(db, "wallet_topped_up")
    assert (event["agreement_version"], event["agreement_sha256"]) == shipped
    assert wallet.agreement(db).sha256 == SHIPPED_SHA


def test_a_new_agreement_from_head_office_is_the_one_recorded_next(
        db: Database, member: MemberView) -> None:
    wallet.topup(db, member.member_id, 10_000, actor=CASHIER)
    shown = wallet.agreement(db).version
    text = prepaid_agreement.TEXT.replace("5,000元", "5000元")  # one character differs
    set_setting(db, "prepaid_agreement", {"version": "2026.1", "text": text})
    with pytest.raises(Refused) as changed:  # the member was shown the old one
        wallet.topup(db, member.member_id, 10_000, agreement_version=shown, actor=CASHIER)
    assert (changed.value.code, changed.value.params) == ("agreement_changed",
                                                           {"version": "2026.1"})
    wallet.topup(db, member.member_id, 10_000, agreement_version="2026.1", actor=CASHIER)
    assert [(t.agreement_version, t.agreement_sha256) for t in topup_rows(db)] == [
        (prepaid_agreement.VERSION, SHIPPED_SHA), ("2026.1", sha_of(text))]


def test_no_top_up_without_an_agreement(db: Database, member: MemberView) -> None:
    set_setting(db, "prepaid_agreement", {"version": "", "text": ""})
    with pytest.raises(Refused) as missing:
        wallet.topup(db, member.member_id, 10_000, actor=CASHIER)
    assert missing.value.code == "prepaid_agreement_missing"
    assert topup_rows(db) == []


def test_a_restored_till_keeps_what_its_top_ups_recorded(tmp_path: Path) -> None:
    clock = FixedClock(START)
    db = Database(tmp_path / "till.db", clock=clock)
    set_setting(db, "wallet_cap_fen", 10_000_000)
    zhang = register(db, phone="13800000001", name="张三")
    saved = backup.backup(db, tmp_path / "backups")
    taken_at = last_seq(db)
    clock.set(START + dt.timedelta(minutes=5))
    wallet.topup(db, zhang.member_id, 600_000, method="transfer", company=True,
                 payer_account=ACCOUNT, actor=CASHIER)
    events = events_after(db, taken_at)
    before = [(t.key, t.agreement_version, t.agreement_sha256, t.company, t.payer_account)
              for t in topup_rows(db)]
    db.close()
    restored = Database(write_back(Path(saved["backup"]), events, clock), clock=clock)
    try:
        assert [(t.key, t.agreement_version, t.agreement_sha256, t.company, t.payer_account)
                for t in topup_rows(restored)] == before
    finally:
        restored.close()


# -- real name --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["顾客", "王先生", "会员1"])
def test_a_named_card_needs_the_members_real_name(db: Database, name: str) -> None:
    nameless = register(db, name=name)
    with pytest.raises(Refused) as refused:
        wallet.topup(db, nameless.member_id, 10_000, actor=CASHIER)
    assert refused.value.code == "member_real_name_required"
    members.update_profile(db, nameless.member_id, name="王建国", actor=CASHIER)
    assert wallet.topup(db, nameless.member_id, 10_000, actor=CASHIER).principal_fen == 10_000


# -- account close: the refund worked out ------------------------------------------------------

def test_the_close_says_how_its_refund_comes_out(db: Database, member: MemberView,
                                                 manager: object) -> None:
    wallet.topup(db, member.member_id, 100_000, actor=CASHIER)  # ¥1,000 + ¥150 bonus
    sell(db, member, 46_000, tenders=[TenderIn("wallet")])  # in proportion: ¥400 + ¥60
    closed = wallet.close_account(db, member.member_id, actor=CASHIER, grant=approve(db),
                                  method="transfer")
    assert (closed.paid_in_fen, closed.bonus_given_fen) == (100_000, 15_000)
    assert (closed.consumed_principal_fen, closed.consumed_bonus_fen) == (40_000, 6_000)
    assert (closed.other_principal_fen, closed.other_bonus_fen) == (0, 0)
    assert (closed.refund_fen, closed.forfeited_bonus_fen) == (60_000, 9_000)
