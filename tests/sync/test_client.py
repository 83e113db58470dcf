"""The till's sync operations against a fake head office: joining a store, uploading the outbox
(resuming exactly where head office says), downloading pages, a full sync, and the status bar."""

from __future__ import annotations

import json

import pytest

from storeapp import sync_state
from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.ids import new_member_id
from storeapp.models import OutboxEvent
from storeapp.services import members
from sync import client, protocol
from sync.http import HqUnreachable
from tests.helpers import START, all_rows, register, set_setting, topup
from tests.sync.fake_hq import TOKEN, URL, FakeHq, page, remote_member


@pytest.fixture
def hq() -> FakeHq:
    return FakeHq()


@pytest.fixture
def joined(db: Database, hq: FakeHq) -> Database:
    """The till joined store 0002 at the fake head office."""
    client.join(db, URL, TOKEN, transport=hq.transport())
    return db


def state(db: Database) -> sync_state.SyncState:
    with db.reader() as s:
        return sync_state.read(s)


# -- join ---------------------------------------------------------------------------------------

def test_join_takes_the_store_from_head_office(db: Database, hq: FakeHq) -> None:
    result = client.join(db, URL + "/", TOKEN, transport=hq.transport())

    assert result["store_code"] == "0002" and result["store_name"] == "二号店 Store 2"
    reopened = Database(db.path)
    assert (reopened.settings.store_code, reopened.settings.store_name) == ("0002", hq.name)
    assert (reopened.settings.hq_url, reopened.settings.hq_token) == (URL, TOKEN)
    assert state(db).last_contact_at == START
    assert client.status(db).linked


def test_join_refuses_a_till_with_another_stores_history(db: Database, hq: FakeHq) -> None:
    register(db)  # recorded as store 0001

    with pytest.raises(Refused) as refused:
        client.join(db, URL, TOKEN, transport=hq.transport())

    assert refused.value.code == "store_mismatch" and "0001" in refused.value.message
    assert Database(db.path).settings.hq_url == ""


def test_join_accepts_the_same_store_again(db: Database, hq: FakeHq) -> None:
    set_setting(db, "store_code", "0002")
    register(db)

    assert client.join(db, URL, TOKEN, transport=hq.transport())["store_code"] == "0002"


def test_join_with_a_wrong_token_changes_nothing(db: Database, hq: FakeHq) -> None:
    with pytest.raises(Refused) as refused:
        client.join(db, URL, "wrong", transport=hq.transport())
    assert refused.value.code == "bad_token"
    assert (db.settings.store_code, db.settings.hq_url) == ("0001", "")


# -- upload -------------------------------------------------------------------------------------

def test_upload_sends_the_outbox_in_order_as_stored(joined: Database, hq: FakeHq) -> None:
    for _ in range(3):
        register(joined)

    with hq.client() as hq_client:
        stored = client.upload(joined, hq_client, batch_size=2)

    outbox = all_rows(joined, OutboxEvent)
    assert stored == len(outbox) == hq.acked_seq == state(joined).acked_seq
    assert [e["seq"] for e in hq.events] == [e.seq for e in outbox]
    assert [e["payload"] for e in hq.events] == [e.payload_json for e in outbox]
    assert all(json.loads(e["payload"])["store"] == "0002" for e in hq.events)
    assert len({b["batch_id"] for b in hq.batches}) == len(hq.batches) >= 2


def test_upload_cuts_a_batch_at_its_payload_budget(joined: Database, hq: FakeHq,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(6):
        register(joined)
    def wire(payload: str) -> int:  # its bytes inside the request's JSON, quotes aside
        return len(json.dumps(payload, ensure_ascii=False).encode()) - 2

    sizes = [wire(e.payload_json) for e in all_rows(joined, OutboxEvent)]
    monkeypatch.setattr(protocol, "UPLOAD_BYTES", max(sizes) * 2)

    with hq.client() as hq_client:
        stored = client.upload(joined, hq_client)  # up to 2,000 events a batch by number

    assert stored == len(sizes) == hq.acked_seq
    for batch in hq.batches:
        payloads = [wire(e["payload"]) for e in batch["events"]]
        assert 1 <= len(payloads) <= 2 and sum(payloads) <= max(sizes) * 2
    assert max(len(b["events"]) for b in hq.batches) == 2
    monkeypatch.setattr(protocol, "UPLOAD_BYTES", 1)  # an event past the budget goes alone
    register(joined)
    with hq.client() as hq_client:
        assert client.upload(joined, hq_client) == 1


def test_upload_resumes_after_what_head_office_has(joined: Database, hq: FakeHq) -> None:
    for _ in range(4):
        register(joined)
    hq.acked_seq = 2  # an earlier upload got that far before the line dropped
    hq.chain = all_rows(joined, OutboxEvent)[1].chain

    with hq.client() as hq_client:
        client.upload(joined, hq_client)

    assert [e["seq"] for e in hq.events] == list(range(3, len(all_rows(joined, OutboxEvent)) + 1))
    assert hq.batches[0]["events"][0]["seq"] == 3


def test_upload_continues_when_head_office_stores_part_of_a_batch(joined: Database,
                                                                  hq: FakeHq) -> None:
    for _ in range(3):
        register(joined)
    hq.store_at_most = 1

    with hq.client() as hq_client:
        client.upload(joined, hq_client)

    assert hq.acked_seq == len(all_rows(joined, OutboxEvent))


def test_upload_refuses_when_head_office_has_more_than_the_till(joined: Database,
                                                                hq: FakeHq) -> None:
    """A till database restored from an old backup must not reuse sequence numbers: it stops,
    says what to do, and spends no stored value until it is restored."""
    register(joined)
    hq.acked_seq = 50

    with pytest.raises(Refused) as refused, hq.client() as hq_client:
        client.upload(joined, hq_client)
    assert refused.value.code == "restore_needed"
    assert "storeapp restore" in refused.value.message
    assert hq.batches == []  # nothing sent
    assert "up to 50" in client.status(joined).restore_needed


def test_upload_refuses_a_till_whose_history_forked(joined: Database, hq: FakeHq) -> None:
    """Restored from a backup and kept selling: as many events as head office has, other ones."""
    register(joined)
    register(joined)
    hq.acked_seq, hq.chain = 2, "f" * 64

    with pytest.raises(Refused) as refused, hq.client() as hq_client:
        client.upload(joined, hq_client)
    assert refused.value.code == "restore_needed"
    assert "not the ones head office holds" in refused.value.message


# -- download -----------------------------------------------------------------------------------

def test_download_applies_every_page_and_keeps_the_cursor(joined: Database, hq: FakeHq) -> None:
    first, second = remote_member(new_member_id()), remote_member(new_member_id(),
                                                                   phone="13900000002")
    hq.pages = [page(first, cursor="1:a:0", more=True), page(second, cursor="2:b:0")]

    with hq.client() as hq_client:
        got = client.download(joined, hq_client)

    assert (got["members"], got["inserted"], got["pages"]) == (2, 2, 2)
    assert hq.cursors_asked == ["", "1:a:0"]
    assert state(joined).cursor == "2:b:0"
    with hq.client() as hq_client:
        client.download(joined, hq_client)
    assert hq.cursors_asked[-1] == "2:b:0"


def test_a_failed_download_keeps_the_pages_already_applied(joined: Database, hq: FakeHq) -> None:
    first = remote_member(new_member_id())
    hq.pages = [page(first, cursor="1:a:0", more=True)]

    def fail_second(*_: object) -> None:
        hq.failing["/changes"] = "down"

    with hq.client() as hq_client, pytest.raises(HqUnreachable):
        client.download(joined, hq_client, progress=lambda *a: fail_second())

    assert state(joined).cursor == "1:a:0"
    assert members.get(joined, first["member_id"]).name == first["name"]


def test_a_head_office_that_repeats_itself_does_not_loop_forever(joined: Database,
                                                                 hq: FakeHq) -> None:
    hq.pages = [page(cursor="", more=True)]
    with pytest.raises(Refused) as refused, hq.client() as hq_client:
        client.download(joined, hq_client)
    assert refused.value.code == "download_stalled"


# -- full sync and status -----------------------------------------------------------------------

def test_a_full_sync_reports_what_moved(joined: Database, hq: FakeHq) -> None:
    member = register(joined)
    topup(joined, member, 10_000)
    hq.pages = [page(remote_member(new_member_id(), wallet_blocked=True),
                     rules=[{"kind": "setting", "key": "points_per_yuan", "value": 2}])]

    stages: list[tuple[str, int, int]] = []
    report = client.run_sync(joined, client=hq.client(),
                             progress=lambda *step: stages.append(step))

    assert report.uploaded == hq.acked_seq == report.acked_seq > 0
    assert [s[0] for s in stages] == ["upload", "download", "totals"]
    assert stages[0][1] == stages[0][2] == report.uploaded
    assert (report.members, report.rules, report.blocked, report.merged) == (1, 1, 1, 0)
    assert report.errors == []
    assert [d["day"] for d in hq.day_totals[0]["days"]] == ["2026-03-09", "2026-03-10"]
    status = client.status(joined)
    assert (status.last_sync_at, status.pending_events, status.offline_since) == (START, 0, None)


def test_unreachable_head_office_starts_the_offline_clock_once(joined: Database, hq: FakeHq,
                                                               clock: FixedClock) -> None:
    hq.failing["/acked"] = "down"

    with pytest.raises(HqUnreachable):
        client.run_sync(joined, client=hq.client())
    clock.advance(minutes=5)
    with pytest.raises(HqUnreachable):
        client.run_sync(joined, client=hq.client())

    status = client.status(joined)
    assert status.offline_since == START and "Cannot reach" in status.last_error

    del hq.failing["/acked"]
    client.run_sync(joined, client=hq.client())
    status = client.status(joined)
    assert (status.offline_since, status.last_error, status.last_contact_at) == (
        None, "", clock.now())


def test_a_refusal_is_shown_but_is_not_offline(joined: Database, hq: FakeHq) -> None:
    hq.token = "rotated-at-head-office"

    with pytest.raises(Refused):
        client.run_sync(joined, client=client.client_for(joined, transport=hq.transport()))

    status = client.status(joined)
    assert "bad_token" in status.last_error and status.offline_since is None


def test_status_counts_what_head_office_has_not_acknowledged(joined: Database,
                                                            hq: FakeHq) -> None:
    register(joined)
    pending = client.status(joined).pending_events
    assert pending == len(all_rows(joined, OutboxEvent)) > 0

    with hq.client() as hq_client:
        client.upload(joined, hq_client)

    assert client.status(joined).pending_events == 0


def test_a_till_that_never_joined_is_told_how(db: Database) -> None:
    with pytest.raises(Refused) as refused:
        client.run_sync(db)
    assert refused.value.code == "not_linked" and "store join" in refused.value.message
    assert not client.status(db).linked
