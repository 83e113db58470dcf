"""Gapless counters taken inside the caller's transaction (card, receipt and Z numbers)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from storeapp.models import Counter


def next_value(session: Session, name: str) -> int:
    """The next number of ``name`` (1, 2, 3, ...); a rolled-back transaction gives it back."""
    bumped = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar()
    if bumped is None:
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    return int(bumped)
