"""Head office's server order under concurrent writers, on PostgreSQL: transactions number their
changes with their own ids (no shared counter row), take those numbers in one order and commit
in another, while a till downloads between the commits. Whatever the orders, every change
reaches the till after it commits: the download cursor never steps over a transaction that was
still running (:func:`sync.hq.db.change_watermark`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from sync.hq import models as m
from sync.hq import service
from sync.hq.db import HqDatabase, change_watermark, next_change_no
from sync.hq.movements import touch

NOW = dt.datetime(2026, 12, 4, 10, 0)
MEMBERS = 60
WRITERS = 5


@pytest.fixture
def chain(hq_url: str) -> Iterator[tuple[HqDatabase, m.Store]]:
    hq = HqDatabase(hq_url)
    service.add_store(hq, "0001", "一号店", NOW)
    with hq.transaction() as s:
        store = s.query(m.Store).one()
        for i in range(MEMBERS):
            s.add(m.Member(member_id=f"m{i:03d}", card_no=f"{i:08d}", phone=f"139{i:08d}",
                           name=f"会员{i}", birthday=None, gender=None, tier="regular",
                           status="active", home_store="0001", principal_fen=0, bonus_fen=0,
                           points=0, wallet_blocked=False, merged_into=None, created_at=NOW,
                           updated_at=NOW, change_no=0, marketing_consent=False))
    try:
        yield hq, store
    finally:
        hq.close()


class Till:
    """A till downloading every page, noting what each brought and when."""

    def __init__(self, hq: HqDatabase, store: m.Store) -> None:
        self.hq, self.store, self.cursor = hq, store, ""
        self.seen: list[tuple[int, str]] = []  # (step, member id)

    def download(self, step: int) -> None:
        while True:
            with self.hq.transaction() as s:
                page = service.changes(s, self.store, 1, self.cursor, limit=4, now=NOW)
            self.seen += [(step, x["member_id"]) for x in page["members"]]
            self.cursor = page["cursor"]
            if not page["more"]:
                return


@pytest.mark.parametrize("hq_url", ["postgres"], indirect=True)
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writers=st.integers(2, WRITERS), data=st.data())
def test_no_change_is_skipped_whatever_the_commit_order(
        chain: tuple[HqDatabase, m.Store], writers: int, data: st.DataObject) -> None:
    hq, store = chain
    till = Till(hq, store)
    till.download(0)  # caught up with earlier examples
    start_order = data.draw(st.permutations(range(writers)), label="numbers taken")
    commit_order = data.draw(st.permutations(range(writers)), label="commits")
    downloads = data.draw(st.lists(st.booleans(), min_size=writers, max_size=writers),
                          label="a download after each commit")
    members = data.draw(st.lists(st.integers(0, MEMBERS - 1), min_size=writers,
                                 max_size=writers * 3, unique=True), label="members")
    touched = {w: [f"m{x:03d}" for x in members[w::writers]] for w in range(writers)}

    sessions = {w: Session(hq.engine, expire_on_commit=False) for w in range(writers)}
    numbers = {}
    try:
        for w in start_order:  # each takes its number (its transaction id) in this order
            sessions[w].begin()
            numbers[w] = next_change_no(sessions[w])
            touch(sessions[w], touched[w])
        assert sorted(numbers.values()) == [numbers[w] for w in start_order]
        till.download(0)  # nothing committed yet: nothing new, and the cursor waits
        committed_at = {}
        for step, w in enumerate(commit_order, start=1):
            sessions[w].commit()
            committed_at[w] = step
            if downloads[step - 1]:
                till.download(step)
        till.download(writers + 1)
    finally:
        for session in sessions.values():
            session.close()

    for w in range(writers):  # every member a writer changed reached the till after it committed
        for member_id in touched[w]:
            assert any(step >= committed_at[w] and seen == member_id
                       for step, seen in till.seen), (w, member_id, numbers, commit_order)


@pytest.mark.parametrize("hq_url", ["postgres"], indirect=True)
def test_writers_share_no_row(chain: tuple[HqDatabase, m.Store]) -> None:
    """Two transactions that change different members both number their changes without
    waiting on each other: the second takes its number while the first is still open."""
    hq, _ = chain
    with Session(hq.engine) as first, Session(hq.engine) as second:
        first.begin()
        touch(first, ["m001"])
        second.begin()
        second.execute(text("SET LOCAL lock_timeout = '2s'"))  # a shared row would wait here
        touch(second, ["m002"])
        assert next_change_no(second) > next_change_no(first)
        assert change_watermark(second) <= next_change_no(first)  # the first still runs
        second.commit()
        first.commit()
