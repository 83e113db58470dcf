"""What an upload proves besides its events (docs/sync.md, "What head office verifies").

* **Continuity**: a batch names the running hash of the till's stream at the sequence head
  office acknowledged; another hash there means the till's history forked (it lost events and
  went on selling): the batch is refused, ``till_forked``.
* **The audit chain**: a batch carries the till's audit rows after the newest one head office
  holds, starting from that row's hash as the till has it. Head office recomputes every hash;
  a till whose chain no longer extends the rows head office holds was edited: ``till_tampered``.
* **Balances**: the last batch of an upload carries the digest of what the till itself
  contributed to each member (:mod:`storeapp.integrity`); head office keeps the same digest as it
  applies the till's events. A difference is ``balance_mismatch``, and the till then sends the
  balances themselves so that head office names each member and amount.

A tampered or mismatched till may spend stored value only online (held here) until a
head-office user clears it (:func:`clear`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp.audit import row_hash
from storeapp.clock import to_local
from storeapp.continuity import chain_next
from storeapp.integrity import fold, member_hash
from sync.hq import bulk
from sync.hq import models as m
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal

if TYPE_CHECKING:
    from sync.hq.ingest import EventIn, Ingest

TAMPERED, MISMATCH = "till_tampered", "balance_mismatch"
MAX_AUDIT_ROWS = 5000
MAX_BALANCE_ROWS = 5000
Amounts = tuple[int, int, int]


# -- continuity ----------------------------------------------------------------------------------

def check_continuity(stream: m.Stream, proof: Any) -> None:
    """``proof`` = ``{"seq", "chain"}``: the till's chain at the sequence it believes head office
    acknowledged. At exactly head office's ack it must be head office's chain."""
    if proof is None:
        return
    try:
        seq, chain = int(proof["seq"]), str(proof["chain"])
    except (KeyError, TypeError, ValueError):
        raise HqRefusal(422, "bad_batch", "continuity needs seq and chain") from None
    if seq == stream.acked_seq and chain != stream.chain:
        raise HqRefusal(
            409, "till_forked", f"this till's events up to {seq} are not the ones head office "
            "holds (restored from a backup, or its disk lost events): run storeapp restore",
            flag={"till_no": stream.till_no, "seq": seq})


def advance(stream: m.Stream, run: list[EventIn]) -> None:
    chain = stream.chain
    for event in run:
        chain = chain_next(chain, event.digest)
    stream.chain = chain


# -- the audit chain -------------------------------------------------------------------------------

def take_audit(work: Ingest, stream: m.Stream, part: Any) -> None:
    """``part`` = ``{"from": [seq, hash], "rows": [[seq, at, actor, action, subject, detail],
    ...]}``: the till's row at head office's newest audit seq and the rows after it."""
    if part is None:
        return
    try:
        start_seq, start_hash = int(part["from"][0]), part["from"][1]
        rows = [(int(r[0]), dt.datetime.fromisoformat(str(r[1])).replace(tzinfo=None),
                 _text(r[2], 32), _text(r[3], 40), _text(r[4], 64), str(r[5]))
                for r in part["rows"][:MAX_AUDIT_ROWS]]
    except (KeyError, TypeError, ValueError, IndexError):
        raise HqRefusal(422, "bad_batch", "audit rows must be [seq, at, actor, action, "
                        "subject, detail_json]") from None
    if start_seq != stream.audit_seq:
        return  # the till's view of head office is stale; the answer tells it where to start
    if stream.audit_reanchor:  # a user cleared this till: its chain from here on is taken
        stream.audit_hash, stream.audit_reanchor = str(start_hash), False
    elif start_hash != stream.audit_hash:
        flag(work, stream, TAMPERED, {
            "audit_seq": start_seq, "till_hash": start_hash, "head_office_hash": stream.audit_hash,
            "message": f"the till's audit row {start_seq} is not the one head office holds: "
                       "its audit log was rewritten"})
        return
    prev, out = stream.audit_hash, list[dict[str, Any]]()
    store_id, till_no, expected = stream.store_id, stream.till_no, stream.audit_seq + 1
    for seq, at, actor, action, subject, detail in rows:
        if seq != expected + len(out):
            break
        prev = row_hash(seq, at, actor, action, subject, detail, prev)
        out.append({"store_id": store_id, "till_no": till_no, "seq": seq,
                    "at": at, "actor": actor, "action": action, "subject": subject,
                    "detail_json": detail, "hash": prev})
    if out:
        work.insert(m.AuditRow, out)
        stream.audit_seq, stream.audit_hash = stream.audit_seq + len(out), prev


# -- balances ------------------------------------------------------------------------------------

def compare_digest(work: Ingest, stream: m.Stream, check: Any) -> dict[str, Any]:
    """``check`` = ``{"upto", "digest"}``, taken by the till when its outbox ended at ``upto``."""
    if check is None:
        return {}
    try:
        upto, digest = int(check["upto"]), str(check["digest"])
    except (KeyError, TypeError, ValueError):
        raise HqRefusal(422, "bad_batch", "check needs upto and digest") from None
    if upto != stream.acked_seq:
        return {"ok": None}  # not all of it arrived: compared at the next upload
    if digest == expected_digest(work.s, work.store, stream):
        return {"ok": True}
    flag(work, stream, MISMATCH, {
        "upto": upto, "message": "the till's balances are not what head office computed from "
                                 "its events: the till sends them to be named"})
    return {"ok": False, "send_balances": True}


def expected_digest(s: Session, store: m.Store, stream: m.Stream) -> str:
    """Head office's digest of the till, counting the events it holds (the till's ledger has
    them; head office has not applied them)."""
    digest = stream.digest
    held = held_deltas(s, store, stream.till_no)
    mine = _contributions(s, store.code, stream.till_no, list(held))
    for member_id, delta in held.items():
        applied = mine.get(member_id, (0, 0, 0))
        claimed = tuple(a + d for a, d in zip(applied, delta, strict=True))
        digest = fold(digest, add=member_hash(member_id, *claimed),
                      remove=member_hash(member_id, *applied))
    return digest


def compare_balances(hq: HqDatabase, store: m.Store, body: dict[str, Any],
                     now: dt.datetime) -> dict[str, Any]:
    """``POST /balances``: one page of the till's own balances, every member it has after
    ``after`` up to ``to`` (member ids); each one that differs from head office's is a
    ``balance_mismatch`` exception naming the member and both amounts."""
    try:
        till_no, low, high = int(body["till_no"]), str(body["after"]), str(body["to"])
        given = {str(r[0]): (int(r[1]), int(r[2]), int(r[3]))
                 for r in body["members"][:MAX_BALANCE_ROWS]}
        if not 1 <= till_no <= 99 or any(abs(x) > 2**62 for v in given.values() for x in v):
            raise ValueError("out of range")
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        raise HqRefusal(422, "bad_balances", "balances need till_no, from, to and members "
                        "[[member_id, principal_fen, bonus_fen, points], ...]") from None
    with hq.transaction() as s:
        held = held_deltas(s, store, till_no)
        ours = {member_id: amounts for member_id, amounts in _contributions_between(
            s, store.code, till_no, low, high).items()}
        for member_id, delta in held.items():
            if low < member_id <= high:
                base = ours.get(member_id, (0, 0, 0))
                ours[member_id] = tuple(a + d for a, d in zip(base, delta, strict=True))  # type: ignore[assignment]
        differ = []
        for member_id in sorted(set(given) | set(ours)):
            till_side, hq_side = given.get(member_id, (0, 0, 0)), ours.get(member_id, (0, 0, 0))
            if till_side != hq_side:
                differ.append(member_id)
                _name_mismatch(s, store, till_no, member_id, till_side, hq_side, now)
        return {"compared": len(set(given) | set(ours)), "differ": differ}


def held_deltas(s: Session, store: m.Store, till_no: int) -> dict[str, Amounts]:
    """What this till's held (not applied) events move, per member."""
    seqs = s.scalars(select(m.HeldEvent.seq).where(
        m.HeldEvent.store_id == store.id, m.HeldEvent.till_no == till_no,
        m.HeldEvent.status.in_(("open", "waiting")))).all()
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    if not seqs:
        return {}
    for (payload,) in s.execute(select(m.Event.payload).where(
            m.Event.store_id == store.id, m.Event.till_no == till_no,
            bulk.among(s, m.Event.seq, seqs))):
        for line in json.loads(payload).get("ledger") or ():
            try:
                amounts = (int(line["principal_fen"]), int(line["bonus_fen"]),
                           int(line["points"]))
                row = out[str(line["member_id"])]
            except (KeyError, TypeError, ValueError):
                continue
            for i, amount in enumerate(amounts):
                row[i] += amount
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


# -- flags ---------------------------------------------------------------------------------------

def flag(work: Ingest, stream: m.Stream, kind: str, detail: dict[str, Any]) -> None:
    """Put the till online-only and list why (once while it is open)."""
    if not stream.flag:
        stream.flag = kind
    open_row = work.s.scalars(select(m.Exception_).where(
        m.Exception_.kind == kind, m.Exception_.store_code == work.store.code,
        m.Exception_.resolved_at.is_(None))).first()
    detail = {"till_no": stream.till_no, **detail}
    if open_row is not None and json.loads(open_row.detail_json).get("till_no") == stream.till_no:
        open_row.updated_at = work.now
        return
    work.exception(kind, None, None, detail)


def clear(hq: HqDatabase, code: str, till_no: int, *, user: str, reason: str,
          now: dt.datetime) -> dict[str, Any]:
    """A head-office user looked into a flagged till: it may spend offline again; a tampered
    till's audit chain is anchored anew at its next upload. Audited."""
    if not reason.strip():
        raise HqRefusal(422, "reason_required", "say why (it is kept with the decision)")
    with hq.transaction() as s:
        if s.get(m.User, user) is None:
            raise HqRefusal(404, "unknown_user", f"no head-office user {user}")
        stream = s.scalars(select(m.Stream).join(m.Store, m.Store.id == m.Stream.store_id)
                           .where(m.Store.code == code, m.Stream.till_no == till_no)
                           .with_for_update()).first()
        if stream is None:
            raise HqRefusal(404, "unknown_till", f"store {code} has no till {till_no}")
        was = stream.flag
        stream.audit_reanchor = stream.audit_reanchor or was == TAMPERED
        stream.flag = ""
        resolved = 0
        for row in s.scalars(select(m.Exception_).where(
                m.Exception_.kind.in_((TAMPERED, MISMATCH)), m.Exception_.store_code == code,
                m.Exception_.resolved_at.is_(None))):
            if json.loads(row.detail_json).get("till_no") == till_no:
                row.resolved_at = row.updated_at = now
                resolved += 1
        s.add(m.Review(store_code=code, till_no=till_no, decision="clear", by_user=user,
                       reason=reason, at=now))
        return {"store_code": code, "till_no": till_no, "was": was, "resolved": resolved}


# -- helpers -------------------------------------------------------------------------------------

def _name_mismatch(s: Session, store: m.Store, till_no: int, member_id: str, till_side: Amounts,
                   hq_side: Amounts, now: dt.datetime) -> None:
    detail = {"till_no": till_no, "till": dict(zip(_NAMES, till_side, strict=True)),
              "head_office": dict(zip(_NAMES, hq_side, strict=True))}
    for row in s.scalars(select(m.Exception_).where(
            m.Exception_.kind == MISMATCH, m.Exception_.member_id == member_id,
            m.Exception_.resolved_at.is_(None))):
        if json.loads(row.detail_json) == detail:
            return  # already listed, as it is
    stream = s.scalars(select(m.Stream).where(m.Stream.store_id == store.id,
                                              m.Stream.till_no == till_no)).first()
    if stream is not None and not stream.flag:
        stream.flag = MISMATCH
    s.add(m.Exception_(
        kind=MISMATCH, member_id=member_id, store_code=store.code, day=to_local(now).date(),
        amount_fen=(till_side[0] + till_side[1]) - (hq_side[0] + hq_side[1]),
        detail_json=json.dumps(detail), created_at=now, updated_at=now))


_NAMES = ("principal_fen", "bonus_fen", "points")


def _contributions(s: Session, code: str, till_no: int,
                   member_ids: list[str]) -> dict[str, Amounts]:
    if not member_ids:
        return {}
    rows = s.execute(select(m.MemberStore.member_id, m.MemberStore.principal_fen,
                            m.MemberStore.bonus_fen, m.MemberStore.points).where(
        m.MemberStore.store_code == code, m.MemberStore.till_no == till_no,
        bulk.among(s, m.MemberStore.member_id, member_ids)))
    return {member_id: (p, b, pts) for member_id, p, b, pts in rows}


def _contributions_between(s: Session, code: str, till_no: int, low: str,
                           high: str) -> dict[str, Amounts]:
    rows = s.execute(select(m.MemberStore.member_id, m.MemberStore.principal_fen,
                            m.MemberStore.bonus_fen, m.MemberStore.points).where(
        m.MemberStore.store_code == code, m.MemberStore.till_no == till_no,
        m.MemberStore.member_id > low, m.MemberStore.member_id <= high))
    return {member_id: (p, b, pts) for member_id, p, b, pts in rows if p or b or pts}


def _text(value: Any, most: int) -> str:
    text = str(value)
    if len(text) > most:
        raise ValueError(f"{text[:20]}… is longer than {most}")
    return text
