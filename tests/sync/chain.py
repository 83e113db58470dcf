"""A chain for the programme's tests: head office (SQLite or PostgreSQL, by ``hq_url``) and the
three real tills of ``test_sync_properties`` (two at store 0001, one at 0002), each with a
manager M01 (PIN 246800) for refunds; ``upload`` delivers what the tills have not sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storeapp.services import users
from sync.hq.db import HqDatabase
from tests.sync.test_sync_properties import Network, Till, deliver, make_tills, send


@pytest.fixture(name="chain")
def chain_fixture(tmp_path: Path, migrated_template: Path,
                  hq_url: str) -> Iterator[tuple[HqDatabase, list[Till]]]:
    hq = HqDatabase(hq_url)
    tills = make_tills(tmp_path, migrated_template, hq)
    for till in tills:
        users.add_user(till.db, code="M01", name="经理", role="manager", pin="246800",
                       actor="setup")
    try:
        yield hq, tills
    finally:
        for till in tills:
            till.db.close()
        hq.close()


def upload(hq: HqDatabase, tills: list[Till] | tuple[Till, ...]) -> None:
    """Every till sends everything it has not sent yet, in the order given (a phone registered
    at two tills survives at the first), and head office takes it."""
    net = Network()
    for till in tills:
        send(till, net, 5000)
    while net.in_flight:
        deliver(hq, net, 0)
