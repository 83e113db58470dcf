"""Members' personal data at rest at head office, on SQLite and PostgreSQL: after members are
registered at two stores (one phone at both: a merge), changed at a till, overdrawn across
stores and corrected from the self-service page, a copy of head office's database file or a
``pg_dump`` of its schema holds no member's phone, name or birthday in any form a grep finds,
while head office still finds members by phone, last four digits and name, and shows them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import create_engine, select, text

from storeapp.services import members
from storeapp.services.sales import TenderIn
from sync.hq import models as m
from sync.hq import programme, selfservice
from sync.hq.db import MIGRATIONS, HqDatabase, utcnow
from tests.helpers import register, sell, topup
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till, download

#: (phone, name, birthday) of the members registered here; the second phone is registered at
#: both stores, the last is what the self-service correction writes
PEOPLE = [("13912345678", "欧阳娜娜", "1991-07-23"), ("13787654321", "Zoé Lefèvre", "1985-12-01"),
          ("15011112222", "司马光", None), ("18655556666", "诸葛亮", "1979-02-14")]
CORRECTED_NAME = "上官婉儿"


def needles() -> list[bytes]:
    out = [CORRECTED_NAME.encode()]
    for phone, name, birthday in PEOPLE:
        out += [phone.encode(), phone[-8:].encode(), name.encode("utf-8"),
                name.encode("utf-16-le"), name.encode("unicode_escape")]
        if birthday:
            out += [birthday.encode(), birthday.replace("-", "").encode()]
    return out


def dump(hq: HqDatabase, url: str, tmp_path: Path) -> bytes:
    """Head office's data as someone who copied it would have it: the SQLite file with its
    journal, or ``pg_dump`` of the schema."""
    if not hq.is_postgres:
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))
    schema = unquote(url).rsplit("search_path=", 1)[1]
    out = tmp_path / "hq.sql"
    subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "root", "-d", "test", "-n", schema,
                    "-f", str(out)], check=True, timeout=120)
    return out.read_bytes()


def test_head_office_holds_no_member_personal_data_in_the_clear(
        chain: tuple[HqDatabase, list[Till]], hq_url: str, tmp_path: Path) -> None:
    hq, tills = chain
    here, next_door, there = tills
    a = register(here.db, phone=PEOPLE[0][0], name=PEOPLE[0][1], birthday=PEOPLE[0][2])
    b = register(here.db, phone=PEOPLE[1][0], name=PEOPLE[1][1], birthday=PEOPLE[1][2])
    register(there.db, phone=PEOPLE[1][0], name=PEOPLE[1][1])  # the same phone at 0002: merged
    c = register(there.db, phone="13000000001", name=PEOPLE[2][1])
    members.update_profile(there.db, c.member_id, phone=PEOPLE[2][0], actor="C01")
    d = register(here.db, phone=PEOPLE[3][0], name=PEOPLE[3][1], birthday=PEOPLE[3][2])
    topup(here.db, a, 10_000, method="cash")
    upload(hq, tills)
    for till in tills:
        download(till, hq)
    # both tills of store 0001 spend the same balance offline: an overdraft head office flags
    sell(here.db, a, 8_000, tenders=[TenderIn("wallet")])
    sell(next_door.db, members.get(next_door.db, a.member_id), 8_000,
         tenders=[TenderIn("wallet")])
    upload(hq, tills)
    # the member asks to correct their name on the self-service page; a manager completes it
    with hq.transaction() as s:
        request = selfservice.ask(s, d.member_id, "correction", "name",
                                  f"我的名字是{CORRECTED_NAME}", utcnow())
        selfservice.correct(s, request, CORRECTED_NAME, "", by="hq-manager", now=utcnow())
    for till in tills:
        download(till, hq)

    with hq.transaction() as s:  # head office still reads and finds everyone
        kinds = set(s.scalars(select(m.Exception_.kind)))
        assert {"merged_duplicate", "overdraft"} <= kinds
        by_phone = programme.search(s, PEOPLE[0][0])
        assert [(x.member_id, x.name, x.phone) for x in by_phone] == [
            (a.member_id, PEOPLE[0][1], PEOPLE[0][0])]
        assert [x.member_id for x in programme.search(s, PEOPLE[2][0][-4:])] == [c.member_id]
        assert [x.member_id for x in programme.search(s, "欧阳")] == [a.member_id]
        assert [x.name for x in programme.search(s, "上官")] == [CORRECTED_NAME]
        live = s.get(m.Member, b.member_id)
        assert live is not None and live.birthday == dt.date(1985, 12, 1)
    assert members.get(there.db, d.member_id).name == CORRECTED_NAME  # reached every till

    blob = dump(hq, hq_url, tmp_path)
    assert blob
    for needle in needles():
        assert needle not in blob, f"{needle!r} readable in head office's database"


def _alembic(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def test_migration_0018_seals_what_head_office_held_in_the_clear(tmp_path: Path) -> None:
    """A head office at 0017 holding members, a privacy request and an exception in plain text:
    migrated, the file (vacuumed) holds none of it, every member is found and reads as before,
    the tables are the models'; migrated back down, the plain values return."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    path = tmp_path / "hq.db"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    cfg = _alembic(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0017")
        now = dt.datetime(2026, 12, 1, 10, 0)
        for i, (phone, name, born) in enumerate(PEOPLE):
            conn.execute(text(
                "INSERT INTO hq_members (member_id, card_no, phone, name, birthday, tier, status, "
                "home_store, principal_fen, bonus_fen, points, wallet_blocked, created_at, "
                "updated_at, change_no, marketing_consent) VALUES (:id, :card, :phone, :name, "
                ":born, 'regular', 'active', '0001', 0, 0, 0, 0, :now, :now, 1, 0)"),
                {"id": f"m{i}", "card": f"800{i}", "phone": phone, "name": name, "born": born,
                 "now": now})
        conn.execute(text(
            "INSERT INTO hq_members (member_id, card_no, phone, name, tier, status, home_store, "
            "principal_fen, bonus_fen, points, wallet_blocked, created_at, updated_at, "
            "change_no, marketing_consent) VALUES ('mx', '', 'unknown:mx', '', 'regular', "
            "'active', '0001', 0, 0, 0, 0, :now, :now, 1, 0)"), {"now": now})
        conn.execute(text(
            "INSERT INTO hq_privacy_requests (member_id, kind, field, text, status, created_at, "
            "outcome) VALUES ('m3', 'correction', 'name', :t, 'open', :now, '')"),
            {"t": f"我的名字是{CORRECTED_NAME}", "now": now})
        conn.execute(text(
            "INSERT INTO hq_exceptions (kind, member_id, detail_json, created_at, updated_at) "
            "VALUES ('phone_conflict', 'm0', :d, :now, :now)"),
            {"d": json.dumps({"phone": PEOPLE[1][0], "held_by": "m1"}), "now": now})
    engine.dispose()

    hq = HqDatabase(url)
    try:
        with hq.transaction() as s:
            assert [x.member_id for x in programme.search(s, PEOPLE[0][0])] == ["m0"]
            assert [x.member_id for x in programme.search(s, PEOPLE[1][0][-4:])] == ["m1"]
            assert [x.member_id for x in programme.search(s, "司马")] == ["m2"]
            assert s.get(m.Member, "m3").birthday == dt.date(1979, 2, 14)  # type: ignore[union-attr]
            assert s.get(m.Member, "mx").phone == "unknown:mx"  # type: ignore[union-attr]
            asked = selfservice.requests_of(s, "m3")
            assert [r.text for r in asked] == [f"我的名字是{CORRECTED_NAME}"]
            detail = json.loads(s.scalars(select(m.Exception_.detail_json)).one())
            assert detail["phone"] == "137****4321"
        with hq.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
        assert [d for d in differences if "hq_member" in repr(d)
                or "hq_privacy_requests" in repr(d)] == []
    finally:
        hq.close()
    blob = b"".join(p.read_bytes() for p in sorted(tmp_path.glob("hq.db*")))
    for needle in needles():
        assert needle not in blob, f"{needle!r} readable after the migration"

    engine = create_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0017")
        back = conn.execute(text("SELECT member_id, phone, name, birthday FROM hq_members "
                                 "ORDER BY member_id")).all()
        asked_back = conn.execute(text("SELECT text FROM hq_privacy_requests")).scalar_one()
    engine.dispose()
    assert [(p, n, str(b) if b else None) for _, p, n, b in back[:4]] == PEOPLE
    assert back[4][1] == "unknown:mx"
    assert asked_back == f"我的名字是{CORRECTED_NAME}"
