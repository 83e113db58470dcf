"""Head office changing members on its own (not from a till's batch): a campaign's points, the
coupons and prompts it gives, a stopped campaign taking its prompts back.

Every such change gives the members a new place in server order (``hq_member_changes``), so
each till downloads them; points move as head office's own ledger movements (store ``HQ``,
till 0), which every till takes as part of the member's remote balance, as it does a merge's.
Set-based: one statement per kind of write, whatever the number of members.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storeapp.clock import to_local
from sync.hq import models as m
from sync.hq.db import next_change_no
from sync.protocol import HQ_STORE

CHUNK = 1000


def touch(s: Session, member_ids: Iterable[str]) -> int | None:
    """Give ``member_ids`` one new change number (they download again); returns it."""
    ids = sorted(set(member_ids))
    if not ids:
        return None
    change_no = next_change_no(s)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        s.execute(update(m.Member).where(m.Member.member_id.in_(chunk))
                  .values(change_no=change_no).execution_options(synchronize_session=False))
    log = change_log(s, change_no, ids)
    if log:
        s.execute(insert(m.MemberChange), log)
    return change_no


def change_log(s: Session, change_no: int, member_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The ``hq_member_changes`` rows ``member_ids`` need under ``change_no`` that this
    transaction has not written yet: on PostgreSQL a transaction numbers all its changes alike
    (:func:`sync.hq.db.next_change_no`), and may touch a member twice."""
    logged: set[tuple[int, str]] = s.info.setdefault("logged_changes", set())
    rows = []
    for member_id in sorted(set(member_ids)):
        if (change_no, member_id) not in logged:
            logged.add((change_no, member_id))
            rows.append({"change_no": change_no, "member_id": member_id})
    return rows


def post_points(s: Session, grants: dict[str, int], *, kind: str, ref: str,
                now: dt.datetime) -> None:
    """Give each member in ``grants`` its points as head office's movement ``kind`` (the
    caller then :func:`touch`-es them)."""
    grants = {k: v for k, v in grants.items() if v}
    if not grants:
        return
    day = to_local(now).date()
    s.execute(insert(m.LedgerRow), [
        {"member_id": member_id, "store_code": HQ_STORE, "till_no": 0, "event_id": ref,
         "kind": kind, "principal_fen": 0, "bonus_fen": 0, "points": points, "at": now,
         "day": day} for member_id, points in sorted(grants.items())])
    dialect = s.get_bind().dialect.name
    ins = (postgresql.insert(m.MemberStore) if dialect == "postgresql"
           else sqlite.insert(m.MemberStore))
    s.execute(ins.on_conflict_do_update(
        index_elements=["member_id", "store_code", "till_no"],
        set_={"points": m.MemberStore.points + ins.excluded.points}), [
        {"member_id": member_id, "store_code": HQ_STORE, "till_no": 0, "principal_fen": 0,
         "bonus_fen": 0, "points": points} for member_id, points in sorted(grants.items())])
    s.connection().execute(
        update(m.Member).where(m.Member.member_id == bindparam("k_id"))
        .values(points=m.Member.points + bindparam("k_points"), updated_at=now),
        [{"k_id": member_id, "k_points": points} for member_id, points in sorted(grants.items())])
