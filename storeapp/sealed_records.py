"""Personal data in the till's own records, sealed at rest: a transfer's payer account
(``topups``), a gift-card buyer's name and payer account (``gift_sales``), a company's contact
name and phone (``companies``).

Each value is sealed on its own with AES-256-GCM under the till-wide *records* key (its key
store's secret ``records``, outside the database like the members' keys), the row's identity
as associated data (``topups/<key>/payer_account``), so a sealed value copied onto another row
or field does not open. The models expose each as a plain attribute (:class:`SealedText`):
reading opens it, writing stages it, and the session seals it when it flushes; code reads and
writes them as before, but SQL never sees them (no query filters on them).

Events carry the value as the row holds it (sealed under the till's key: a restore writes it
back as it was) and, once the till has head office's public key (``hq_member_key``, given when
it joins), sealed to head office too (``hq_sealed``, X25519 as a member's key travels,
:func:`storeapp.pii.seal_for`): head office opens it with its private key
(:func:`opened_at_head_office`); the till cannot, nor anyone reading the upload. An event from a
till that never joined carries only the till's sealed value: head office's checks need only to
know a value is there (:mod:`sync.hq.verify`), so it is present but unreadable there.

Unlike a member's data, a record is not crypto-shredded on its own: the law keeps a prepaid
sale's payer and buyer with the sale, and a company is not a person who asks to be erased.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Mapping
from typing import Any, TypeGuard, overload

from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified

from storeapp import pii
from storeapp.keystore import KeyStore

SEALED_PREFIX = "r1."
HQ_PREFIX = "h1."
#: the key store's secret the records are sealed under
SECRET = "records"
#: what a sealed value reads as where it cannot be opened (a till restored on another machine
#: without its key store, a value altered in the file)
UNREADABLE = "[无法读取 unreadable]"
#: the event field that carries values sealed to head office, by field name
HQ_FIELD = "hq_sealed"


class Unreadable(pii.Unreadable):
    """A sealed record that this key does not open (another till's key, or altered)."""


def aad(table: str, row_id: str, field: str) -> str:
    """What a value is bound to: its table, its row and its field."""
    return f"{table}/{row_id}/{field}"


def seal_record(key: bytes, bound_to: str, value: str) -> str:
    return pii.seal_text(key, bound_to, value, prefix=SEALED_PREFIX)


def open_record(key: bytes, bound_to: str, sealed: str) -> str:
    try:
        return pii.unseal_text(key, bound_to, sealed, prefix=SEALED_PREFIX)
    except pii.Unreadable as exc:
        raise Unreadable(str(exc)) from None


def is_sealed(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


# -- the till's records key, by engine (registered by storeapp.db.Database) ---------------------

_KEYS: dict[int, bytes] = {}


def records_key(store: KeyStore) -> bytes:
    return store.secret(SECRET)


def register(engine: Engine, key: bytes) -> None:
    _KEYS[id(engine)] = key


def forget(engine: Engine) -> None:
    _KEYS.pop(id(engine), None)


def key_for(session: Session) -> bytes:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = _KEYS.get(id(engine))
    if key is None:
        raise LookupError("no records key for this database: open it with storeapp.db.Database")
    return key


# -- sealed columns as plain attributes ---------------------------------------------------------

_KEY_ATTR = "_records_key"
_UNSET = object()
#: each model with sealed fields: its fields' descriptors
_FIELDS: dict[type, list[SealedText]] = {}


class SealedText:
    """A plain ``str | None`` attribute over the sealed column attribute ``column``; the row's
    identity (for the associated data) is its attribute ``identity``."""

    def __init__(self, column: str, identity: str) -> None:
        self.column, self.identity = column, identity
        self.table = self.field = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.table, self.field = str(vars(owner)["__tablename__"]), name
        self._staged, self._opened = f"_staged_{name}", f"_opened_{name}"
        first = owner not in _FIELDS
        _FIELDS.setdefault(owner, []).append(self)
        if first:
            event.listen(owner, "load", _loaded)

    def bound_to(self, row: object) -> str:
        return aad(self.table, str(getattr(row, self.identity)), self.field)

    @overload
    def __get__(self, row: None, owner: type | None = None) -> SealedText: ...

    @overload
    def __get__(self, row: object, owner: type | None = None) -> str | None: ...

    def __get__(self, row: object | None, owner: type | None = None) -> SealedText | str | None:
        if row is None:
            return self
        staged: object = row.__dict__.get(self._staged, _UNSET)
        if staged is not _UNSET:
            return str(staged) if staged is not None else None
        sealed = getattr(row, self.column)
        if sealed is None:
            return None
        opened = row.__dict__.get(self._opened)
        if opened is not None and opened[0] == sealed:
            return opened[1]  # type: ignore[no-any-return]
        try:
            value = open_record(_key_of(row), self.bound_to(row), sealed)
        except Unreadable:
            value = UNREADABLE
        row.__dict__[self._opened] = (sealed, value)
        return value

    def __set__(self, row: object, value: str | None) -> None:
        row.__dict__[self._staged] = value
        state = inspect(row)
        if state.persistent or state.detached:
            getattr(row, self.column)  # loaded, so the flush sees it changed
            flag_modified(row, self.column)

    def is_staged(self, row: object) -> bool:
        return self._staged in row.__dict__

    def seal_staged(self, row: object, key: bytes) -> None:
        value = row.__dict__.pop(self._staged, _UNSET)
        if value is _UNSET:
            return
        sealed = None if value is None else seal_record(key, self.bound_to(row), str(value))
        setattr(row, self.column, sealed)
        row.__dict__[self._opened] = (sealed, value)


def put_sealed(row: object, field: str, value: Any) -> None:
    """``field`` of ``row`` from what an event carried: a value sealed here is kept as it came
    (its row is this one); a plain one (an event from before values were sealed) is sealed."""
    if value is None:
        return
    descriptor = _descriptor(type(row), field)
    if is_sealed(value):
        setattr(row, descriptor.column, value)
    else:
        setattr(row, field, str(value))


def _descriptor(model: type, field: str) -> SealedText:
    for descriptor in _FIELDS.get(model, ()):
        if descriptor.field == field:
            return descriptor
    raise AttributeError(f"{model.__name__}.{field} is not a sealed field")


def _key_of(row: object) -> bytes:
    key = row.__dict__.get(_KEY_ATTR)
    if key is None:
        session = object_session(row)
        if session is None:
            raise LookupError("a sealed record is read through its database")
        key = row.__dict__[_KEY_ATTR] = key_for(session)
    return bytes(key)


def _loaded(row: Any, context: Any) -> None:
    session = context.session
    if session is not None and _KEY_ATTR not in row.__dict__:
        with contextlib.suppress(LookupError):  # a bare engine: found when first read
            row.__dict__[_KEY_ATTR] = key_for(session)


@event.listens_for(Session, "before_flush")
def _seal(session: Session, _context: Any, _instances: Any) -> None:
    for row in (*session.new, *session.dirty):
        fields = _FIELDS.get(type(row))
        if not fields or not any(f.is_staged(row) for f in fields):
            continue
        key = row.__dict__.get(_KEY_ATTR) or key_for(session)
        row.__dict__[_KEY_ATTR] = key
        for descriptor in fields:
            descriptor.seal_staged(row, key)


# -- in events ----------------------------------------------------------------------------------

def event_fields(session: Session, hq_public: str, table: str, row_id: str,
                 **values: str | None) -> dict[str, Any]:
    """What an event carries of ``values`` (fields of the row ``table``/``row_id``): each
    sealed under the till's key as its row holds it, and, when the till has head office's
    public key (``hq_public``, URL-safe base64), each sealed to head office in ``hq_sealed``."""
    key = key_for(session)
    carried: dict[str, Any] = {
        name: None if value is None else seal_record(key, aad(table, row_id, name), value)
        for name, value in values.items()}
    if hq_public:
        public = base64.urlsafe_b64decode(hq_public)
        boxes = {name: HQ_PREFIX + pii.seal_for(public, aad(table, row_id, name),
                                                value.encode("utf-8"))
                 for name, value in values.items() if value is not None}
        if boxes:
            carried[HQ_FIELD] = boxes
    return carried


def opened_at_head_office(private: bytes, body: Mapping[str, Any], table: str, row_id: str,
                          field: str) -> str | None:
    """Head office's reading of ``field`` in an event's ``body`` (``private``: head office's
    ``member_private`` key): None when the event names none; :class:`Unreadable` when the till
    sealed it only under its own key (it had not joined yet); the value itself when the event
    is older than sealing."""
    value = body.get(field)
    if value is None:
        return None
    box = (body.get(HQ_FIELD) or {}).get(field)
    if box is None:
        if is_sealed(value):
            raise Unreadable(f"{aad(table, row_id, field)}: sealed at the till only")
        return str(value)
    if not str(box).startswith(HQ_PREFIX):
        raise Unreadable(f"{aad(table, row_id, field)}: not sealed to head office")
    return pii.open_from(private, aad(table, row_id, field),
                         str(box)[len(HQ_PREFIX):]).decode("utf-8")


__all__ = ["HQ_FIELD", "SEALED_PREFIX", "UNREADABLE", "SealedText", "Unreadable", "aad",
           "event_fields", "forget", "is_sealed", "key_for", "open_record",
           "opened_at_head_office", "put_sealed", "records_key", "register", "seal_record"]
