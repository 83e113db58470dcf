"""One place builds the till: its database file (with its settings and clock) and head office's
side of stored-value spends.

The CLI builds one per command run (:func:`storeapp.commands.db_of`), the app one per run
(:mod:`ui.app`), the tests one per test; whoever built a till closes it, and with it the link
to head office made for it. Services are handed the till's :class:`~storeapp.db.Database`; no
module keeps open databases or connections of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storeapp.clock import Clock
from storeapp.db import Database
from storeapp.services.spend_gate import HeadOfficeGates, SpendGate


@dataclass
class Till:
    """An open till: the database services act on, and the head-office gates made for it."""

    db: Database
    head_office: HeadOfficeGates

    def close(self) -> None:
        """Close the database files and the link to head office made for them."""
        self.db.close()


def open_till(path: Path | str | None = None, *, clock: Clock | None = None,
              create: bool = False, spend_gate: SpendGate | None = None) -> Till:
    """Open (and migrate) the till database at ``path`` (the embedded default when None) and
    wire head office's spend gate: ``spend_gate`` when given (tests, a tool), else the
    ``storeapp.spend_gate`` plugin for the head office the till is linked to, made on first
    use. ``create``: a missing or empty file becomes a new till."""
    db = Database(path, clock=clock, create=create)
    head_office = HeadOfficeGates()
    db.spend_gate, db.head_office = spend_gate, head_office
    return Till(db, head_office)
