"""When each store last synced, and its newest event at head office: kept on each till's own
stream row (locked by its batch anyway), never on the store's row, which every batch of the
store's tills would otherwise queue on (and which Citus would replicate to every node)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storeapp.models import OutboxEvent
from sync.hq import service
from sync.hq.db import HqDatabase, utcnow
from sync.hq.figures import store_syncs
from tests.helpers import register
from tests.sync.chain import chain_fixture, upload  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Till


def _newest_event(till: Till) -> dt.datetime:
    with till.db.reader() as s:
        return s.scalars(select(OutboxEvent.created_at).order_by(OutboxEvent.seq.desc())).first()


def test_a_store_shows_its_tills_latest_sync_and_newest_event(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    first, second, other = tills  # two tills of store 0001, one of 0002
    assert all(row["last_sync_at"] is None for row in service.list_stores(hq))
    before = utcnow()
    register(first.db, phone="13912340001")
    upload(hq, [first])
    register(second.db, phone="13912340002")
    upload(hq, [second])
    listed = {row["store_code"]: row["last_sync_at"] for row in service.list_stores(hq)}
    assert listed["0002"] is None
    assert dt.datetime.fromisoformat(listed["0001"]) >= before
    with hq.transaction() as s:
        syncs = store_syncs(s)
    assert set(syncs) == {first.store.id}
    assert syncs[first.store.id].last_event_at == max(_newest_event(first), _newest_event(second))
    assert syncs[first.store.id].synced_at == dt.datetime.fromisoformat(listed["0001"])
    assert other.store.id not in syncs
