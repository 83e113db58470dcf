"""The one way rows enter the stored-value and points ledgers: a journal row per bucket and the
same change to the member's cached balance, in the caller's transaction.

Services (:func:`storeapp.services.wallet.post`, :func:`storeapp.services.points.entry`), the
sync client's head-office movements (:mod:`sync.apply`), a restore writing events back
(:mod:`storeapp.replay`) and the bulk demo generator (rows only, see :func:`wallet_rows`) all
post through here. Nothing here refuses: a service checks its rules first (a spend may not
overdraw), while what head office or a restore reports as done is posted as it happened.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from sqlalchemy.orm import Session

from storeapp.ids import ActionKey
from storeapp.models import Member, PointsEntry, WalletEntry
from storeapp.sequences import insert_row

At = TypeVar("At")

#: The columns of a ``wallet_entries`` row as :func:`wallet_rows` gives them.
WALLET_COLUMNS = ("member_id", "action_key", "kind", "bucket", "amount_fen", "method", "ref",
                  "created_at")
#: The columns of a ``points_entries`` row as :func:`points_row` gives them.
POINTS_COLUMNS = ("member_id", "action_key", "kind", "points", "lot_id", "ref", "created_at")

WalletRow = tuple[str, str, str, str, int, str | None, str | None, At]
PointsRow = tuple[str, str, str, int, int | None, str | None, At]


def post(session: Session, member: Member, *, key: ActionKey, at: dt.datetime, kind: str,
         principal_fen: int = 0, bonus_fen: int = 0, points: int = 0,
         lot_id: int | None = None, method: str | None = None, ref: str | None = None) -> None:
    """Journal a movement of the member's principal, bonus and points under action ``key``
    and apply it to the cached balances. ``lot_id`` is the points lot the points came from or
    went to (the caller keeps the lot itself in step)."""
    for row in wallet_rows(member.member_id, key, kind, principal_fen, bonus_fen,
                           method=method, ref=ref, at=at):
        insert_row(session, WalletEntry, **dict(zip(WALLET_COLUMNS, row, strict=True)))
    if points:
        row_p = points_row(member.member_id, key, kind, points, lot_id, ref=ref, at=at)
        insert_row(session, PointsEntry, **dict(zip(POINTS_COLUMNS, row_p, strict=True)))
    member.principal_fen += principal_fen
    member.bonus_fen += bonus_fen
    member.points += points
    member.updated_at = at


def wallet_rows(member_id: str, key: str, kind: str, principal_fen: int, bonus_fen: int, *,
                method: str | None, ref: str | None, at: At) -> list[WalletRow[At]]:
    """The ``wallet_entries`` rows of a movement: one per bucket that moves, principal first."""
    return [(member_id, key, kind, bucket, amount, method, ref, at)
            for bucket, amount in (("principal", principal_fen), ("bonus", bonus_fen))
            if amount]


def points_row(member_id: str, key: str, kind: str, points: int, lot_id: int | None, *,
               ref: str | None, at: At) -> PointsRow[At]:
    """The ``points_entries`` row of a points movement."""
    return (member_id, key, kind, points, lot_id, ref, at)
