"""A transfer's payer account, a gift-card buyer's name and payer account and a company's contact
at rest: the till's file, its WAL, a backup and an outbox batch hold none of them in any form a
grep finds, while the counter, the CLI's answers and the company statement show them as typed;
head office opens what a joined till sends it, a restore writes them back readable, a value
moved to another row does not open, and migration 0018 seals what an older till holds."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from storeapp import pii, sealed_records
from storeapp.backup import backup
from storeapp.clock import FixedClock
from storeapp.db import Database, make_engine
from storeapp.migrate import downgrade
from storeapp.models import Company, GiftSale, OutboxEvent, Topup
from storeapp.reports import company_statement
from storeapp.services import companies, giftcards, wallet
from sync.hq import models as m
from sync.hq import service
from sync.hq.db import HqDatabase
from sync.hq.member_keys import key_store
from tests.helpers import CASHIER, START, register, set_setting
from tests.sync.chain import upload
from tests.sync.test_sync_properties import Till, make_tills
from tests.test_replay import events_after, last_seq, write_back

TOPUP_ACCOUNT = "6222021100004321"
GIFT_ACCOUNT = "6228 4800 1234 5678"  # a gift sale's account is kept as typed
BUYER = "欧阳采购"
CONTACT, CONTACT_PHONE = "司马经理", "13987654321"
COMPANY = "ACME"


def needles() -> list[bytes]:
    out = []
    for text in (TOPUP_ACCOUNT, GIFT_ACCOUNT, GIFT_ACCOUNT.replace(" ", ""), CONTACT_PHONE):
        out += [text.encode(), text[-8:].encode()]
    for name in (BUYER, CONTACT):
        out += [name.encode("utf-8"), name.encode("utf-16-le"),
                name.encode("unicode_escape")]  # as JSON escapes it
    return out


def assert_nothing_readable(blob: bytes, where: str) -> None:
    for needle in needles():
        assert needle not in blob, f"{needle!r} readable in {where}"


def everything(path: Path) -> bytes:
    """The database file and its journals (-wal, -shm) as they are on disk."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def do_the_three(db: Database) -> dict[str, Any]:
    """A company's top-up by transfer, a company's gift cards bought by transfer with the
    buyer named, and a company account with its contact."""
    set_setting(db, "wallet_cap_fen", 10_000_000)
    member = register(db, phone="13800000001", name="张三")
    topped = wallet.topup(db, member.member_id, 600_000, method="transfer", company=True,
                          payer_account=TOPUP_ACCOUNT, actor=CASHIER)
    sold = giftcards.sell(db, face_fen=100_000, cards=10, method="transfer", company=True,
                          buyer_name=BUYER, payer_account=GIFT_ACCOUNT, actor=CASHIER,
                          key="gift-sale-1")
    added = companies.add(db, code=COMPANY, name="某某贸易有限公司", contact_name=CONTACT,
                          contact_phone=CONTACT_PHONE, credit_limit_fen=500_000, terms_days=30,
                          actor=CASHIER, key="company-1")
    return {"topup": topped, "sold": sold, "added": added}


def outbox(db: Database) -> list[OutboxEvent]:
    with db.reader() as s:
        return list(s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)))


def event(db: Database, kind: str) -> dict[str, Any]:
    [found] = [json.loads(e.payload_json) for e in outbox(db) if e.type == kind]
    return dict(found)


def shown(db: Database) -> dict[str, Any]:
    """What the till shows of the three, through its services and reports."""
    company = companies.show(db, COMPANY)
    report = company_statement.statement(db, COMPANY, (START.year, START.month))
    with db.reader() as s:
        topup = s.scalars(select(Topup).where(Topup.payer_account_sealed.is_not(None))).one()
        sale = s.scalars(select(GiftSale)).one()
    return {"contact": (company.contact_name, company.contact_phone),
            "statement": report.facts("company").value("contact"),
            "topup": topup.payer_account, "sale": (sale.buyer_name, sale.payer_account)}


EXPECTED = {"contact": (CONTACT, CONTACT_PHONE), "statement": f"{CONTACT} {CONTACT_PHONE}",
            "topup": TOPUP_ACCOUNT, "sale": (BUYER, GIFT_ACCOUNT)}


def test_file_backup_and_outbox_hold_none_of_them_and_the_till_shows_them(
        db: Database, tmp_path: Path) -> None:
    private, public = pii.new_keypair()  # head office's, given when the till joins
    with db.session() as s, s.begin():
        db.set_setting(s, "hq_member_key", base64.urlsafe_b64encode(public).decode())
    set_setting(db, "printer_uri", "tcp://127.0.0.1:9?timeout=0.2")  # slips are stored too
    done = do_the_three(db)

    assert_nothing_readable(everything(db.path), "the till's database and its WAL")
    made = Path(str(backup(db, tmp_path / "backups")["backup"]))
    assert_nothing_readable(made.read_bytes(), "a backup")
    batch = json.dumps({"events": [e.payload_json for e in outbox(db)]}, ensure_ascii=False)
    assert_nothing_readable(batch.encode(), "an outbox batch")

    # the counter's answers, the rows, the company view and its statement show them as typed
    assert done["topup"].payer_account_masked == "****4321"
    assert (done["sold"].buyer_name, done["sold"].payer_account) == (BUYER, GIFT_ACCOUNT)
    assert (done["added"].contact_name, done["added"].contact_phone) == (CONTACT, CONTACT_PHONE)
    assert shown(db) == EXPECTED
    # a retry of the same key answers the same, though the stored answer does not hold them
    again = giftcards.sell(db, face_fen=100_000, cards=10, method="transfer", company=True,
                           buyer_name=BUYER, payer_account=GIFT_ACCOUNT, actor=CASHIER,
                           key="gift-sale-1")
    assert (again.replayed, again.buyer_name, again.payer_account) == (True, BUYER, GIFT_ACCOUNT)
    same = companies.add(db, code=COMPANY, name="某某贸易有限公司", contact_name=CONTACT,
                         contact_phone=CONTACT_PHONE, credit_limit_fen=500_000, terms_days=30,
                         actor=CASHIER, key="company-1")
    assert (same.replayed, same.contact_name, same.contact_phone) == (True, CONTACT,
                                                                      CONTACT_PHONE)

    # head office, with its private key, reads each value its event carries
    topped, sold, added = (event(db, "wallet_topped_up"), event(db, "giftcards_sold"),
                           event(db, "company_added"))
    opened = {
        "topup": sealed_records.opened_at_head_office(private, topped, "topups", topped["key"],
                                                      "payer_account"),
        "sale": tuple(sealed_records.opened_at_head_office(private, sold, "gift_sales",
                                                           sold["key"], f)
                      for f in ("buyer_name", "payer_account")),
        "contact": tuple(sealed_records.opened_at_head_office(private, added, "companies",
                                                              COMPANY, f)
                         for f in ("contact_name", "contact_phone"))}
    assert opened == {"topup": TOPUP_ACCOUNT, "sale": (BUYER, GIFT_ACCOUNT),
                      "contact": (CONTACT, CONTACT_PHONE)}
    # ... and the till's own copy in the event opens with the till's records key only
    key = db.keys.secret("records")
    assert sealed_records.open_record(key, sealed_records.aad("topups", topped["key"],
                                                              "payer_account"),
                                      topped["payer_account"]) == TOPUP_ACCOUNT
    with pytest.raises(pii.Unreadable):
        pii.open_from(pii.new_keypair()[0], "topups/x/payer_account",
                      topped[sealed_records.HQ_FIELD]["payer_account"][3:])


def test_a_value_moved_to_another_row_does_not_open(db: Database) -> None:
    do_the_three(db)
    companies.add(db, code="OTHER", name="另一家公司", credit_limit_fen=0, terms_days=30,
                  actor=CASHIER)
    with closing(sqlite3.connect(db.path)) as conn, conn:
        conn.execute("UPDATE companies SET contact_name = (SELECT contact_name FROM companies "
                     "WHERE code = 'ACME') WHERE code = 'OTHER'")
    assert companies.show(db, "OTHER").contact_name == sealed_records.UNREADABLE
    assert companies.show(db, COMPANY).contact_name == CONTACT
    with db.reader() as s:
        moved = s.get(Company, "OTHER")
        assert moved is not None
        with pytest.raises(sealed_records.Unreadable):
            sealed_records.open_record(db.keys.secret("records"),
                                       sealed_records.aad("companies", "OTHER", "contact_name"),
                                       str(moved.contact_name_sealed))


def test_a_restore_writes_them_back_readable(tmp_path: Path) -> None:
    clock = FixedClock(START)
    db = Database(tmp_path / "till.db", clock=clock)
    saved = Path(str(backup(db, tmp_path / "backups")["backup"]))
    taken_at = last_seq(db)
    clock.set(START + dt.timedelta(minutes=5))
    do_the_three(db)
    events = events_after(db, taken_at)
    before = shown(db)
    db.close()
    restored = Database(write_back(saved, events, clock), clock=clock)
    try:
        assert shown(restored) == before == EXPECTED
        assert_nothing_readable(everything(restored.path), "the restored till")
    finally:
        restored.close()


# -- head office ------------------------------------------------------------------------------

@pytest.fixture
def chain(tmp_path: Path, migrated_template: Path) -> Iterator[tuple[HqDatabase, list[Till]]]:
    hq = HqDatabase(f"sqlite:///{tmp_path / 'hq.db'}")
    tills = make_tills(tmp_path, migrated_template, hq)
    try:
        yield hq, tills
    finally:
        for till in tills:
            till.db.close()
        hq.close()


def stored_at_head_office(hq: HqDatabase, kind: str) -> dict[str, Any]:
    with hq.transaction() as s:
        [found] = [json.loads(e.payload) for e in s.scalars(
            select(m.Event).where(m.Event.type == kind))]
    return dict(found)


def held(hq: HqDatabase) -> list[str]:
    with hq.transaction() as s:
        return [h.reason for h in s.scalars(select(m.HeldEvent))]


def test_head_office_checks_and_opens_what_a_joined_till_sends(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, (till, *_) = chain
    do_the_three(till.db)
    upload(hq, [till])
    assert held(hq) == []  # the transfer and real-name rules see their values there
    assert int(service.member_show(hq, "13800000001")["principal_fen"]) == 600_000
    private = key_store(hq).secret("member_private")
    sold = stored_at_head_office(hq, "giftcards_sold")
    assert_nothing_readable(json.dumps(sold, ensure_ascii=False).encode(), "head office's copy")
    assert [sealed_records.opened_at_head_office(private, sold, "gift_sales", sold["key"], f)
            for f in ("buyer_name", "payer_account")] == [BUYER, GIFT_ACCOUNT]
    added = stored_at_head_office(hq, "company_added")
    assert sealed_records.opened_at_head_office(private, added, "companies", COMPANY,
                                                "contact_phone") == CONTACT_PHONE


def test_a_till_without_head_offices_key_sends_them_sealed_under_its_own(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, (till, *_) = chain
    public = till.db.settings.hq_member_key
    set_setting(till.db, "hq_member_key", "")  # not joined yet: no key to seal to
    do_the_three(till.db)
    topped = event(till.db, "wallet_topped_up")
    assert sealed_records.is_sealed(topped["payer_account"])
    assert sealed_records.HQ_FIELD not in topped
    set_setting(till.db, "hq_member_key", public)  # it joins, then uploads what it made
    upload(hq, [till])
    assert held(hq) == []  # present is what the rules ask: the top-up is applied
    assert int(service.member_show(hq, "13800000001")["principal_fen"]) == 600_000
    with pytest.raises(sealed_records.Unreadable):
        sealed_records.opened_at_head_office(
            key_store(hq).secret("member_private"), stored_at_head_office(hq, "wallet_topped_up"),
            "topups", topped["key"], "payer_account")


# -- migration 0018 -----------------------------------------------------------------------------

def test_0018_seals_what_an_older_till_holds(tmp_path: Path) -> None:
    """A till at 0017 (made by the services, then taken back: its rows and stored answers plain
    again) upgraded: sealed, the file vacuumed, and the till shows the same."""
    path = tmp_path / "till.db"
    db = Database(path, clock=FixedClock(START))
    do_the_three(db)
    db.close()
    engine = make_engine(path, immediate=True)
    try:
        downgrade(engine, "0017")
    finally:
        engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        plain = conn.execute("SELECT contact_name, contact_phone FROM companies").fetchone()
        answer = json.loads(conn.execute("SELECT result_json FROM actions WHERE key = "
                                         "'gift-sale-1'").fetchone()[0])
        account = conn.execute("SELECT payer_account FROM topups WHERE payer_account IS NOT "
                               "NULL").fetchone()[0]
    assert (plain, answer["buyer_name"], account) == ((CONTACT, CONTACT_PHONE), BUYER,
                                                      TOPUP_ACCOUNT)

    again = Database(path, clock=FixedClock(START))  # migrates on open
    try:
        events = json.dumps([e.payload_json for e in outbox(again)], ensure_ascii=False)
        raw = everything(path)
        for needle in needles():  # what the outbox holds is sealed already (0018's events)
            assert needle not in raw, f"{needle!r} readable after 0018"
        assert BUYER not in events
        assert shown(again) == EXPECTED
        with closing(sqlite3.connect(path)) as conn:
            columns = conn.execute("SELECT buyer_name, payer_account FROM gift_sales").fetchone()
        assert all(sealed_records.is_sealed(c) for c in columns)
    finally:
        again.close()
