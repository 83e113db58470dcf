"""Head office's set-based writes (:mod:`sync.hq.bulk`): the same rows and the same refusals as
writing them one by one, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from sync.hq import bulk, service
from sync.hq import models as m
from sync.hq.db import HqDatabase, utcnow


@pytest.fixture
def hq(hq_url: str) -> Iterator[HqDatabase]:
    db = HqDatabase(hq_url)
    for code in ("0001", "0002"):
        service.add_store(db, code, f"Store {code}", utcnow())
    try:
        yield db
    finally:
        db.close()


def test_rows_are_updated_by_key_and_looked_up_among_values(hq: HqDatabase) -> None:
    with hq.transaction() as s:
        bulk.update_rows(s.connection(), m.Store, "code", ("name",), [
            {"code": "0001", "name": "一号店"}, {"code": "0002", "name": "二号店"}])
        names = dict(s.execute(select(m.Store.code, m.Store.name).where(
            bulk.among(s, m.Store.code, ["0001", "0002", "0003"]))).all())
        assert names == {"0001": "一号店", "0002": "二号店"}
        assert s.scalars(select(m.Store.code).where(bulk.among(s, m.Store.code, []))).all() == []


@pytest.mark.parametrize("hq_url", ["postgres"], indirect=True)
def test_a_value_too_long_for_its_column_is_refused_not_cut_short(hq: HqDatabase) -> None:
    too_long = "店" * 65  # the name column holds 64
    with pytest.raises(DBAPIError, match="too long"), hq.transaction() as s:
        bulk.update_rows(s.connection(), m.Store, "code", ("name",),
                         [{"code": "0001", "name": too_long}])
    with hq.transaction() as s:  # and a lookup by a longer value finds nothing
        assert s.scalars(select(m.Store.code).where(
            bulk.among(s, m.Store.code, ["0001" + "x" * 10]))).all() == []
