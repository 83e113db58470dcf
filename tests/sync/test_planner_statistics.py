"""What head office tells PostgreSQL's planner instead of letting ANALYZE guess it: members are
about 40 % of the rows of ``hq_member_name_grams`` (migration 0021). ANALYZE's sample, taken
while a night's ingest grew the table, put hundreds of rows under each member, and a batch's
delete of its renamed members' grams became a scan of the whole table (at ten million events,
5 billion rows read)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, text

from sync.hq import models as m
from sync.hq.db import HqDatabase

NOW = dt.datetime(2026, 12, 5, 9, 0)


def test_a_batch_deletes_its_members_grams_through_the_index(hq_url: str) -> None:
    hq = HqDatabase(hq_url)
    try:
        with hq.transaction() as s:
            s.execute(m.MemberNameGram.__table__.insert(), [
                {"gram": f"g{i % 997:04d}{j}", "member_id": f"m{i:06d}"}
                for i in range(20_000) for j in range(2)])
        if hq.engine.dialect.name != "postgresql":
            return  # SQLite plans by its index; nothing to tell it
        with hq.transaction() as s:
            s.execute(text("ANALYZE hq_member_name_grams"))
        with hq.transaction() as s:
            assert s.scalar(text(
                "SELECT n_distinct FROM pg_stats WHERE tablename = 'hq_member_name_grams' "
                "AND attname = 'member_id' AND schemaname = current_schema()")) == -0.4
            ids = [f"m{i:06d}" for i in range(0, 20_000, 20)]  # a batch's renamed members
            stmt = delete(m.MemberNameGram).where(m.MemberNameGram.member_id.in_(ids))
            compiled = stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            plan = "\n".join(s.scalars(text(f"EXPLAIN {compiled}")))
        assert "Seq Scan" not in plan, plan
    finally:
        hq.close()
