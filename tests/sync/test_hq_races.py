"""Which failed transactions head office runs again (:meth:`sync.hq.db.HqDatabase.retrying`): a
unique index two concurrent uploads may both try to fill is a race, and the retry sees the
winner; any other unique violation is an error that retrying cannot mend. The index is read from
what the driver says it is, never from the values in the message: a till chooses those."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from sync.hq import models as m
from sync.hq.db import HqDatabase, is_race

NOW = dt.datetime(2026, 12, 6, 10, 0)


@pytest.fixture
def hq(hq_url: str) -> Iterator[HqDatabase]:
    made = HqDatabase(hq_url)
    try:
        yield made
    finally:
        made.close()


def _violation(hq: HqDatabase, model: type[m.Base], *rows: dict[str, object]) -> Exception:
    with pytest.raises(IntegrityError) as failed, hq.transaction() as s:
        s.execute(insert(model), list(rows))
    return failed.value


def _event(event_id: str, seq: int) -> dict[str, object]:
    return {"store_id": 1, "till_no": 1, "seq": seq, "event_id": event_id, "type": "sale",
            "payload": "{}", "digest": "0" * 64, "created_at": NOW, "received_at": NOW}


def test_a_batch_stored_twice_at_once_is_a_race(hq: HqDatabase) -> None:
    batch = {"store_id": 1, "batch_id": "b-1", "received_at": NOW}
    assert is_race(_violation(hq, m.Batch, batch, batch))


def test_an_event_id_naming_a_racy_table_is_no_race(hq: HqDatabase) -> None:
    """PostgreSQL puts the clashing values in its message: an event id a till chose as
    ``hq_streams`` once made a plain conflict look like a race, retried eight times."""
    clash = _violation(hq, m.Event, _event("hq_streams", 1), _event("hq_streams", 2))
    assert "hq_streams" in str(clash)  # the clashing value is in the message
    assert not is_race(clash)


def test_a_missing_value_on_a_racy_table_is_no_race(hq: HqDatabase) -> None:
    """Only a unique index two uploads fill at once is a race: a NOT NULL broken on the same
    table is a bug, which retrying repeats."""
    assert not is_race(_violation(hq, m.Batch, {"store_id": 1, "batch_id": "b-2",
                                                "received_at": None}))


def test_two_live_members_with_one_phone_is_a_race(hq: HqDatabase) -> None:
    """The one-live-member-per-phone index: two tills registering the same phone at once."""
    with pytest.raises(IntegrityError) as failed, hq.transaction() as s:
        s.add_all(_member(f"m{i}") for i in range(2))
    assert is_race(failed.value)


def _member(member_id: str) -> m.Member:
    return m.Member(member_id=member_id, card_no=member_id, phone="13900001111", name="王芳",
                    birthday=None, gender=None, tier="regular", status="active",
                    home_store="0001", principal_fen=0, bonus_fen=0, points=0,
                    wallet_blocked=False, merged_into=None, created_at=NOW, updated_at=NOW,
                    change_no=0, marketing_consent=False)
