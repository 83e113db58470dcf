"""A member's phone, name and birthday as plain attributes over their sealed column.

``member.name`` opens the member's sealed ``personal`` blob (once, then cached on the object);
``member.name = "张三"`` stages the change, and the session seals it when it flushes, with the
lookup keys (phone, last four digits, name grams) and the birthday's month recomputed from it.
Code that reads and writes members stays as it was; only a query must use the lookup keys
(``Member.phone_key == ring.phone_key(phone)``), never a personal field, which SQL cannot see.

The ring (keys and index key, :class:`storeapp.pii.Ring`) is found from the session's engine:
:class:`storeapp.db.Database` registers its ring for both its engines. Head office registers a
factory instead (its members' keys are rows of its database, read through the session:
:class:`sync.hq.member_keys.HqRing`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from sqlalchemy import Engine, delete, event, inspect
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified

from storeapp.pii import ERASED, Personal, Ring
from storeapp.sql_sets import among


class Sealer(Protocol):
    """What a member row needs of a ring: :class:`storeapp.pii.Ring` at a till,
    :class:`sync.hq.member_keys.HqRing` at head office."""

    def open(self, member_id: str, sealed: str | None) -> Personal: ...
    def seal(self, member_id: str, personal: Personal) -> str: ...
    def phone_key(self, phone: str) -> str: ...
    def tail_key(self, tail: str) -> str: ...
    def name_grams(self, name: str) -> set[str]: ...


#: the ring of each engine's database (registered by storeapp.db.Database), or what makes one
#: for a session (head office)
_RINGS: dict[int, Ring | Callable[[Session], Sealer]] = {}
#: a phone given back to another member (head office's merges, a restore's duplicates) or
#: erased with the member's key (sync.hq.erasure)
GIVEN_BACK = ("merged:", "dup:", "erased:", "unknown:")
_BLANK = Personal(phone="", name="", birthday=None)


def register(engine: Engine, ring: Ring | Callable[[Session], Sealer]) -> None:
    _RINGS[id(engine)] = ring


def forget(engine: Engine) -> None:
    _RINGS.pop(id(engine), None)


def ring_for(session: Session) -> Sealer:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    ring = _RINGS.get(id(engine))
    if ring is None:
        raise LookupError("no key ring for this database: open it with storeapp.db.Database")
    return ring if isinstance(ring, Ring) else ring(session)


def _ring_of(member: Any) -> Sealer:
    ring = member.__dict__.get("_pii_ring")
    if ring is None:
        session = object_session(member)
        if session is None:
            raise LookupError("a member's personal data is read through its database")
        ring = member.__dict__["_pii_ring"] = ring_for(session)
    return ring  # type: ignore[no-any-return]


class PersonalFields:
    """Mixed into :class:`storeapp.models.Member` and :class:`sync.hq.models.Member`."""

    #: the table of the member's keyed name grams (given by :func:`install`)
    __pii_grams__: Any = None
    #: a row with nothing personal but a given-back phone ("erased:<id>", "unknown:<id>") is
    #: kept unsealed, and reads that marker as its phone (head office); a till reads an
    #: erased member's phone as empty
    __pii_marks__ = False
    #: not an ORM object (sync.hq.member_row.MemberRow): whether it is stored is its ``stored``
    __pii_plain__ = False

    def _personal_now(self) -> Personal:
        staged = self.__dict__.get("_pii_staged")
        if staged is not None:
            return staged  # type: ignore[no-any-return]
        sealed = self.__dict__.get("personal")
        if sealed is None:
            if not _stored(self):
                return _BLANK
            sealed = self.personal  # type: ignore[attr-defined]  # an expired row: load it
        if not sealed and self.__pii_marks__:
            marker = self.__dict__.get("phone_key") or self.phone_key  # type: ignore[attr-defined]
            return Personal(phone=marker, name="", birthday=None) if marker else ERASED
        opened = self.__dict__.get("_pii_opened")
        if opened is not None and opened[0] == sealed:
            return opened[1]  # type: ignore[no-any-return]
        personal = _ring_of(self).open(self.member_id, sealed)  # type: ignore[attr-defined]
        self.__dict__["_pii_opened"] = (sealed, personal)
        return personal

    def _stage(self, **change: Any) -> None:
        self.__dict__["_pii_staged"] = dataclasses.replace(self._personal_now(), **change)
        if not self.__pii_plain__ and _stored(self):
            flag_modified(self, "personal")

    @property
    def phone(self) -> str:
        return self._personal_now().phone

    @phone.setter
    def phone(self, value: str) -> None:
        self._stage(phone=value)

    @property
    def name(self) -> str:
        return self._personal_now().name

    @name.setter
    def name(self, value: str) -> None:
        self._stage(name=value)

    @property
    def birthday(self) -> dt.date | None:
        return self._personal_now().birthday

    @birthday.setter
    def birthday(self, value: dt.date | None) -> None:
        self._stage(birthday=value)

    @property
    def month_of_birth(self) -> int | None:
        """The birthday's month, read without opening the sealed data (as staged, or as the
        row's ``birth_month``)."""
        staged = self.__dict__.get("_pii_staged")
        if staged is not None:
            return staged.birthday.month if staged.birthday else None
        return self.birth_month  # type: ignore[attr-defined,no-any-return]

    @property
    def phone_tail(self) -> str:
        phone = self.phone
        return "" if not phone or phone.startswith(GIVEN_BACK) else phone[-4:]

    @property
    def erased(self) -> bool:
        """The member's key is gone: their personal data can no longer be read."""
        return self._personal_now() is ERASED


def _stored(member: Any) -> bool:
    """The member's row is in the database (or was read from it), with its name grams."""
    if member.__pii_plain__:
        return bool(member.stored)
    state = inspect(member)
    return not (state.transient or state.pending)


def seal_staged(session: Session, member: Any) -> None:
    """Write a member's staged personal data: sealed, with its lookup keys and name grams."""
    seal_all(session, [member])


def seal_all(session: Session, members: Iterable[Any]) -> None:
    """:func:`seal_staged` for many members of one model: their old grams gone in one
    statement (an upload changes many members at once)."""
    session.add_all(model(gram=gram, member_id=member_id)
                    for model, gram, member_id in seal_rows(session, members))


def seal_rows(session: Session, members: Iterable[Any]) -> list[tuple[Any, str, str]]:
    """Seal the members' staged personal data and delete the grams of those already stored;
    returns their new grams as (grams model, gram, member id), for the caller to write after
    the members (head office writes a batch's new members and their grams itself; a member
    not yet in a session has no old grams)."""
    renamed: list[str] = []
    grams: list[tuple[Any, str, str]] = []
    for member in members:
        staged: Personal | None = member.__dict__.pop("_pii_staged", None)
        if staged is None:
            continue
        ring = member.__dict__.get("_pii_ring") or ring_for(session)
        member.__dict__["_pii_ring"] = ring
        member_id = member.member_id
        given_back = staged.phone.startswith(GIVEN_BACK)
        if given_back and member.__pii_marks__ and not staged.name and staged.birthday is None:
            member.personal = ""  # nothing personal to seal: no key is made for it
        else:
            member.personal = ring.seal(member_id, staged)
        member.__dict__["_pii_opened"] = (member.personal, staged)
        member.phone_key = staged.phone if given_back else ring.phone_key(staged.phone)
        member.tail_key = "" if given_back else ring.tail_key(staged.phone[-4:])
        member.birth_month = staged.birthday.month if staged.birthday else None
        if _stored(member):
            renamed.append(member_id)
        grams += [(type(member).__pii_grams__, g, member_id)
                  for g in sorted(ring.name_grams(staged.name))]
    if renamed:
        model = type(member).__pii_grams__
        session.execute(delete(model).where(among(session, model.member_id, renamed)))
    return grams


def install(model: type, grams: type) -> None:
    """Seal ``model``'s staged personal data at every flush, its name's grams in ``grams``;
    give loaded rows their ring."""
    model.__pii_grams__ = grams  # type: ignore[attr-defined]

    @event.listens_for(Session, "before_flush")
    def _seal(session: Session, _context: Any, _instances: Any) -> None:
        seal_all(session, [obj for obj in (*session.new, *session.dirty)
                           if isinstance(obj, model) and "_pii_staged" in obj.__dict__])

    @event.listens_for(model, "load")
    def _loaded(target: Any, context: Any) -> None:
        session = context.session
        if session is not None and "_pii_ring" not in target.__dict__:
            with contextlib.suppress(LookupError):  # a bare engine: found when first read
                target.__dict__["_pii_ring"] = ring_for(session)


__all__ = ["GIVEN_BACK", "PersonalFields", "Sealer", "forget", "install", "register", "ring_for",
           "seal_all", "seal_rows", "seal_staged"]
