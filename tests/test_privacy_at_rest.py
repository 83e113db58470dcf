"""Members' personal data at rest: a copy of the till's file, a backup, an outbox batch hold no
member's phone, name or birthday in any form a grep finds; the till still finds members by
phone, last four digits and name; a member's key destroyed turns every copy to noise."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from storeapp import actions, pii
from storeapp.actions import Ctx, run_action
from storeapp.backup import backup
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import IdempotencyConflict
from storeapp.migrate import downgrade, upgrade
from storeapp.models import Action, OutboxEvent
from storeapp.results import Done
from storeapp.services import members
from sync.client import member_keys_for
from tests.helpers import START, register, topup

PEOPLE = [("13912345678", "欧阳娜娜", "1991-07-23"), ("13787654321", "Zoé Lefèvre", "1985-12-01"),
          ("15011112222", "司马光", None)]


def needles(phone: str, name: str, birthday: str | None) -> list[bytes]:
    out = [phone.encode(), phone[-8:].encode(), name.encode("utf-8"), name.encode("utf-16-le")]
    if birthday:
        out += [birthday.encode(), birthday.replace("-", "").encode()]
    return out


def everything(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def assert_no_personal_data(blob: bytes, where: str) -> None:
    for person in PEOPLE:
        for needle in needles(*person):
            assert needle not in blob, f"{needle!r} readable in {where}"


def test_file_backup_and_outbox_batch_hold_no_personal_data(db: Database,
                                                            tmp_path: Path) -> None:
    made = [register(db, phone=p, name=n, birthday=b) for p, n, b in PEOPLE]
    topup(db, made[0], 10_000, method="cash")
    members.update_profile(db, made[1].member_id, name="Zoé Lefèvre", birthday="1985-12-01",
                           actor="C01")
    private, public = pii.new_keypair()  # head office's, given when the till joins
    with db.session() as s, s.begin():
        db.set_setting(s, "hq_member_key", base64.urlsafe_b64encode(public).decode())

    # the till's file and its journals, as they are on disk now
    assert_no_personal_data(everything(db.path), "the till's database")
    # a backup
    made_backup = Path(str(backup(db, tmp_path / "backups")["backup"]))
    assert_no_personal_data(made_backup.read_bytes(), "a backup")
    # an outbox batch as it is uploaded, keys included (sealed to head office)
    with db.reader() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
    sent = member_keys_for(db, rows)
    batch = json.dumps({"events": [r.payload_json for r in rows], **sent}, ensure_ascii=False)
    assert_no_personal_data(batch.encode(), "an outbox batch")
    assert_no_personal_data(batch.encode("utf-8").decode().encode("unicode_escape"),
                            "an outbox batch (escaped)")
    # ... while head office, with its private key, reads it all
    opener = pii.Opener(private).from_sender(sent["member_keys_from"])
    keys = {i: opener.open(i, box) for i, box in sent["member_keys"].items()}
    registered = [json.loads(r.payload_json) for r in rows if r.type == "member_registered"]
    opened = [pii.unseal(keys[e["member_id"]], e["member_id"], e["personal"])
              for e in registered]
    assert [(p.phone, p.name) for p in opened] == [(p, n) for p, n, _ in PEOPLE]


def test_lookups_work_on_sealed_data(db: Database) -> None:
    made = [register(db, phone=p, name=n, birthday=b) for p, n, b in PEOPLE]
    assert [m.member_id for m in members.find(db, "13912345678")] == [made[0].member_id]
    assert [m.member_id for m in members.find(db, "4321")] == [made[1].member_id]
    assert [m.name for m in members.find(db, "欧阳")] == ["欧阳娜娜"]
    assert [m.name for m in members.find(db, "娜娜")] == ["欧阳娜娜"]  # inside the name
    assert [m.name for m in members.find(db, "zoé")] == ["Zoé Lefèvre"]
    assert [m.name for m in members.find(db, "司")] == ["司马光"]  # one letter: starts with
    assert members.find(db, "马")[:1] == []  # ... and only starts with
    assert members.find(db, "欧娜") == []  # letters in another order are not the name


def test_a_destroyed_key_leaves_every_copy_unreadable(db: Database, tmp_path: Path) -> None:
    member = register(db, phone=PEOPLE[0][0], name=PEOPLE[0][1], birthday=PEOPLE[0][2])
    topup(db, member, 5_000, method="cash")
    before = Path(str(backup(db, tmp_path / "backups")["backup"]))
    db.pii.keys.destroy(member.member_id)

    # the live till: balance rows intact, personal data gone
    found = members.get(db, member.member_id)
    assert (found.name, found.phone, found.balance_fen) == ("", "", 5_000)
    # the backup taken before: opened as a till would, with this till's keys — unreadable
    copy = tmp_path / "restored.db"
    shutil.copy(before, copy)
    restored = Database(copy, clock=FixedClock(START))
    try:
        again = members.get(restored, member.member_id)
        assert (again.name, again.phone, again.balance_fen) == ("", "", 5_000)
    finally:
        restored.close()


def test_a_request_is_kept_as_a_keyed_hash_that_no_guess_reverses(db: Database) -> None:
    """``actions.request_hash`` of a registration names a phone and a name: a bare SHA-256 could
    be matched by trying phones with common names. What the file keeps is a MAC under the
    till's records key, and a retry under the same key is still recognised."""
    request = {"phone": PEOPLE[0][0], "name": PEOPLE[0][1]}

    def body(ctx: Ctx) -> Done:
        return Done()

    run_action(db, key="guess-me", kind="probe", actor="C01", request=request, body=body,
               returns=Done)
    guessed = actions._request_digest("probe", request)  # what an attacker can compute
    with db.reader() as s:
        kept = s.scalars(select(Action.request_hash).where(Action.key == "guess-me")).one()
    assert kept != guessed and guessed.encode() not in everything(db.path)
    assert kept == actions.request_mac(db.keys.secret("records"), guessed)
    again = run_action(db, key="guess-me", kind="probe", actor="C01", request=request,
                       body=body, returns=Done)
    assert again.replayed


def test_migration_0019_keys_the_hashes_an_older_till_kept(db: Database) -> None:
    """A till at 0018 kept bare request hashes: upgraded, each is keyed in place, and a retry of
    that earlier action is answered as before (not refused as a reused key)."""
    request = {"phone": PEOPLE[2][0], "name": PEOPLE[2][1]}

    def body(ctx: Ctx) -> Done:
        return Done()

    run_action(db, key="before-0019", kind="probe", actor="C01", request=request, body=body,
               returns=Done)
    downgrade(db.engine, "0018")
    bare = actions._request_digest("probe", request)  # what 0018's code kept
    with db.engine.begin() as conn:
        conn.execute(update(Action).where(Action.key == "before-0019")
                     .values(request_hash=bare))
    upgrade(db.engine)
    with db.reader() as s:
        kept = s.scalars(select(Action.request_hash).where(Action.key == "before-0019")).one()
    assert kept == actions.request_mac(db.keys.secret("records"), bare)
    assert bare.encode() not in everything(db.path)  # vacuumed: no free page keeps it
    again = run_action(db, key="before-0019", kind="probe", actor="C01", request=request,
                       body=body, returns=Done)
    assert again.replayed
    with pytest.raises(IdempotencyConflict):
        run_action(db, key="before-0019", kind="probe", actor="C01",
                   request={**request, "name": "别人"}, body=body, returns=Done)
