"""Is the till's money what its ledgers say, and what head office computed from its events?

* :func:`ledger_problems`: every member's cached principal, bonus and points against the sum of
  its ledger rows, and the trigger-kept ``ledger_totals`` against the ledgers (``storeapp audit
  verify`` runs it with the audit chain). An edit made with triggers dropped shows here unless
  it changed the cached balance, the rows and the totals together.
* :func:`own_balances` and :func:`balance_digest`: what the till itself contributed to each
  member (its cached balance less the ``sync`` part head office sent), folded into one
  order-free hash. Head office keeps the same digest of what it applied from the till's events
  (:mod:`sync.hq.anchors`); a consistent edit of the till's file cannot make the two agree.

The digest is a multiset hash (the sum of one SHA-256 per member modulo 2**256: adding,
removing or changing one member's figures moves it, and it can be kept up to date one member
at a time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storeapp.models import (
    CountCard,
    CountEntry,
    GiftCard,
    GiftEntry,
    LedgerTotal,
    Member,
    PointsEntry,
    PointsLot,
    WalletEntry,
)

MODULUS = 2**256
EMPTY_DIGEST = "0" * 64
SYNC = "sync"


@dataclass(frozen=True)
class Own:
    """One member's balance as this till itself made it (head office's ``mine`` for it)."""

    member_id: str
    principal_fen: int
    bonus_fen: int
    points: int


def member_hash(member_id: str, principal_fen: int, bonus_fen: int, points: int) -> int:
    """A member's figures as a number; zero figures count as nothing."""
    if not (principal_fen or bonus_fen or points):
        return 0
    text = f"{member_id}:{principal_fen}:{bonus_fen}:{points}"
    return int.from_bytes(hashlib.sha256(text.encode("ascii")).digest(), "big")


def fold(digest: str, *, add: int = 0, remove: int = 0) -> str:
    """``digest`` with one member hash added and another taken away."""
    value = (int(digest, 16) + add - remove) % MODULUS
    return f"{value:064x}"


def balance_digest(rows: Iterable[Own]) -> str:
    total = sum(member_hash(r.member_id, r.principal_fen, r.bonus_fen, r.points) for r in rows)
    return f"{total % MODULUS:064x}"


def own_balances(session: Session) -> Iterator[Own]:
    """Every member's own part (cached balance less head office's ``sync`` rows), when not zero."""
    remote: dict[str, list[int]] = {}
    for member_id, principal, bonus in session.execute(
            select(WalletEntry.member_id,
                   func.sum(case((WalletEntry.bucket == "principal", WalletEntry.amount_fen),
                                 else_=0)),
                   func.sum(case((WalletEntry.bucket == "bonus", WalletEntry.amount_fen),
                                 else_=0)))
            .where(WalletEntry.kind == SYNC).group_by(WalletEntry.member_id)):
        remote[member_id] = [int(principal), int(bonus), 0]
    for member_id, points in session.execute(
            select(PointsEntry.member_id, func.sum(PointsEntry.points))
            .where(PointsEntry.kind == SYNC).group_by(PointsEntry.member_id)):
        remote.setdefault(member_id, [0, 0, 0])[2] = int(points)
    rows = session.execute(select(Member.member_id, Member.principal_fen, Member.bonus_fen,
                                  Member.points).execution_options(yield_per=10_000))
    for member_id, principal, bonus, points in rows:
        p, b, pts = remote.get(member_id, (0, 0, 0))
        own = Own(member_id, principal - p, bonus - b, points - pts)
        if own.principal_fen or own.bonus_fen or own.points:
            yield own


def ledger_problems(session: Session) -> list[str]:
    """Where cached balances, ledger rows and the kept totals disagree, as readable lines."""
    problems: list[str] = []
    wallet = {member_id: (int(p), int(b)) for member_id, p, b in session.execute(
        select(WalletEntry.member_id,
               func.sum(case((WalletEntry.bucket == "principal", WalletEntry.amount_fen),
                             else_=0)),
               func.sum(case((WalletEntry.bucket == "bonus", WalletEntry.amount_fen),
                             else_=0)))
        .group_by(WalletEntry.member_id))}
    points = {member_id: int(total) for member_id, total in session.execute(
        select(PointsEntry.member_id, func.sum(PointsEntry.points))
        .group_by(PointsEntry.member_id))}
    for member_id, principal, bonus, cached_points in session.execute(
            select(Member.member_id, Member.principal_fen, Member.bonus_fen, Member.points)
            .order_by(Member.member_id).execution_options(yield_per=10_000)):
        p, b = wallet.get(member_id, (0, 0))
        if (principal, bonus) != (p, b):
            problems.append(f"member {member_id}: cached principal {principal}, bonus {bonus}; "
                            f"its ledger says {p}, {b}")
        if cached_points != points.get(member_id, 0):
            problems.append(f"member {member_id}: cached points {cached_points}; its ledger "
                            f"says {points.get(member_id, 0)}")
    kept = {row.name: row.amount for row in session.scalars(select(LedgerTotal))}
    summed = {f"wallet:{kind}:{bucket}": int(total) for kind, bucket, total in session.execute(
        select(WalletEntry.kind, WalletEntry.bucket, func.sum(WalletEntry.amount_fen))
        .group_by(WalletEntry.kind, WalletEntry.bucket))}
    summed["points"] = sum(points.values())
    uses, value = session.execute(select(func.coalesce(func.sum(CountEntry.uses), 0),
                                         func.coalesce(func.sum(CountEntry.value_fen), 0))).one()
    summed["count:uses"], summed["count:value"] = int(uses), int(value)
    summed["gift:balance"] = int(session.scalar(
        select(func.coalesce(func.sum(GiftEntry.amount_fen), 0))) or 0)
    for name in sorted(set(kept) | set(summed)):
        if kept.get(name, 0) != summed.get(name, 0):
            problems.append(f"ledger total {name}: kept {kept.get(name, 0)}, rows add up to "
                            f"{summed.get(name, 0)}")
    lots = session.execute(
        select(PointsLot.id, PointsLot.remaining_points, func.coalesce(func.sum(
            PointsEntry.points), 0))
        .outerjoin(PointsEntry, PointsEntry.lot_id == PointsLot.id)
        .group_by(PointsLot.id, PointsLot.remaining_points))
    for lot_id, remaining, entries in lots:
        if remaining != entries or remaining < 0:
            problems.append(f"points lot {lot_id}: {remaining} remaining, its entries add up "
                            f"to {entries}")
    cards = session.execute(
        select(CountCard.card_no, CountCard.uses_left, CountCard.value_fen,
               func.coalesce(func.sum(CountEntry.uses), 0),
               func.coalesce(func.sum(CountEntry.value_fen), 0))
        .outerjoin(CountEntry, CountEntry.card_no == CountCard.card_no)
        .group_by(CountCard.card_no, CountCard.uses_left, CountCard.value_fen))
    for card_no, left, card_value, entry_uses, entry_value in cards:
        if (left, card_value) != (entry_uses, entry_value):
            problems.append(f"count card {card_no}: {left} uses worth {card_value} kept, its "
                            f"entries add up to {entry_uses} worth {entry_value}")
    gifts = session.execute(
        select(GiftCard.card_no, GiftCard.balance_fen,
               func.coalesce(func.sum(GiftEntry.amount_fen), 0))
        .outerjoin(GiftEntry, GiftEntry.card_no == GiftCard.card_no)
        .group_by(GiftCard.card_no, GiftCard.balance_fen))
    for card_no, balance, entries in gifts:
        if balance != entries:
            problems.append(f"gift card {card_no}: balance {balance} kept, its entries add up "
                            f"to {entries}")
    return problems
