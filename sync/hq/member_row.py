"""A member as an upload holds it while it applies a batch: the columns of ``hq_members`` as
plain attributes, personal data read and staged as on :class:`sync.hq.models.Member`
(:class:`storeapp.pii_orm.PersonalFields`).

Not an ORM object: a batch reads and sets its members' balances and fields some thirty times
per event, and an instrumented attribute costs several times a plain one (with the loading and
expunging of each object, about a tenth of the ingest's Python). The ingest reads the rows with
one locking statement and writes the changed ones back with one (:mod:`sync.hq.bulk`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import RowMapping

from storeapp.pii_orm import PersonalFields, Sealer
from sync.hq import models as m

#: every column of hq_members, in table order
COLUMNS = tuple(c.key for c in m.Member.__table__.columns)


class MemberRow(PersonalFields):
    __pii_grams__ = m.MemberNameGram
    __pii_marks__ = m.Member.__pii_marks__
    #: pii_orm asks ``stored`` of such a row where it asks the session of an ORM one
    __pii_plain__ = True

    member_id: str
    card_no: str
    phone_key: str
    tail_key: str
    personal: str
    birth_month: int | None
    gender: str | None
    tier: str
    status: str
    home_store: str
    principal_fen: int
    bonus_fen: int
    points: int
    wallet_blocked: bool
    merged_into: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    change_no: int
    marketing_consent: bool

    def __init__(self, ring: Sealer, *, stored: bool, **columns: Any) -> None:
        if not stored:  # what is not given is not set yet (the sealed columns: when sealed)
            self.__dict__.update(dict.fromkeys(COLUMNS))
        self.__dict__.update(columns)
        self.__dict__["_pii_ring"] = ring
        #: the row is in the database (its name grams too): sealing it again replaces them
        self.stored = stored
        #: the phone key the database holds for it (what the unique index sees)
        self.stored_phone_key: str | None = columns.get("phone_key") if stored else None

    @classmethod
    def read(cls, ring: Sealer, rows: Iterable[RowMapping]) -> list[MemberRow]:
        return [cls(ring, stored=True, **row) for row in rows]

    def values(self, names: Iterable[str] = COLUMNS) -> dict[str, Any]:
        """The row's ``names`` columns, to write (its personal data sealed first)."""
        return {name: self.__dict__[name] for name in names}

    def __repr__(self) -> str:
        return f"MemberRow({self.member_id!r})"


__all__ = ["COLUMNS", "MemberRow"]
