"""Members' keys on their way to head office, on SQLite and PostgreSQL: an upload seals every
key it carries with one exchange (``member_keys_from``), head office reads the members' data
with them; a till not yet updated still sends a box a key and is read the same; keys sealed by
someone else, or named with something that is no key, refuse the batch whole."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from storeapp import pii
from sync.hq import ingest, programme
from sync.hq import models as m
from sync.hq.db import HqDatabase, utcnow
from sync.hq.errors import HqRefusal
from sync.hq.member_keys import public_key
from tests.helpers import register
from tests.sync.chain import chain_fixture  # noqa: F401 (the fixture chain)
from tests.sync.test_sync_properties import Network, Till, deliver, send

PEOPLE = [("13912345678", "欧阳娜娜"), ("13787654321", "Zoé Lefèvre")]


def registered_batch(hq: HqDatabase, till: Till) -> dict[str, object]:
    for phone, name in PEOPLE:
        register(till.db, phone=phone, name=name)
    net = Network()
    send(till, net, 5000)
    return net.in_flight[0][1]


def found(hq: HqDatabase) -> list[str]:
    with hq.transaction() as s:
        return [row.name for phone, _ in PEOPLE for row in programme.search(s, phone)]


def events_stored(hq: HqDatabase) -> int:
    with hq.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(m.Event)) or 0)


def test_an_upload_seals_its_keys_with_one_exchange_and_head_office_reads_them(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    batch = registered_batch(hq, tills[0])
    boxes = batch["member_keys"]
    assert isinstance(boxes, dict) and len(boxes) == len(PEOPLE)
    assert len(base64.urlsafe_b64decode(str(batch["member_keys_from"]))) == 32
    ingest.ingest(hq, tills[0].store, batch, utcnow())
    assert found(hq) == [name for _, name in PEOPLE]


def test_a_till_not_yet_updated_sends_a_box_a_key_and_is_read_the_same(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    hq, tills = chain
    till = tills[0]
    batch = registered_batch(hq, till)
    public = base64.urlsafe_b64decode(public_key(hq))
    keys = till.db.pii.keys.get_many(set(batch["member_keys"]))  # type: ignore[arg-type]
    batch["member_keys"] = {i: pii.seal_for(public, i, key) for i, key in keys.items()}
    del batch["member_keys_from"]
    ingest.ingest(hq, till.store, batch, utcnow())
    assert found(hq) == [name for _, name in PEOPLE]


@pytest.mark.parametrize("sender", ["another", "not a key", "AAAA", 7])
def test_keys_sealed_by_someone_else_refuse_the_batch_whole(
        chain: tuple[HqDatabase, list[Till]], sender: object) -> None:
    """A sender key that did not seal these boxes (another upload's, or anything else) opens
    none of them: the batch is refused as a bad key, and nothing of it is stored."""
    hq, tills = chain
    batch = registered_batch(hq, tills[0])
    if sender == "another":
        sender = pii.KeySealer(base64.urlsafe_b64decode(public_key(hq))).sender
    batch["member_keys_from"] = sender
    with pytest.raises(HqRefusal) as refused:
        ingest.ingest(hq, tills[0].store, batch, utcnow())
    assert refused.value.code == "bad_member_key"
    assert events_stored(hq) == 0 and found(hq) == []


def test_the_same_upload_delivered_again_reads_the_same(
        chain: tuple[HqDatabase, list[Till]]) -> None:
    """A till that did not hear the answer sends the batch again, keys and all: nothing more."""
    hq, tills = chain
    till = tills[0]
    for phone, name in PEOPLE:
        register(till.db, phone=phone, name=name)
    net = Network()
    send(till, net, 5000)
    deliver(hq, net, 0, keep=True)
    deliver(hq, net, 0)
    assert found(hq) == [name for _, name in PEOPLE]
    assert events_stored(hq) == len(PEOPLE)
