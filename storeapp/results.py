"""What services answer: frozen dataclasses, each with one JSON form.

Code reads a result by attribute (``result.principal_fen``); its JSON form (:meth:`Record.to_json`)
is written once here for the CLI's ``--json``, the receipt payload, the outbox and the stored
answer of an idempotency key, from which :meth:`Record.from_json` rebuilds the same type.

A record is also a read-only mapping over that JSON form (``result["principal_fen"]``,
``dict(result)``): for generic printing and for tests that compare a result with a literal. Its
values are typed ``object`` there, so typed code has to use the attributes.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, Self, TypeVar, Union, get_args, get_origin

from storeapp.ids import MemberId

T = TypeVar("T")


class Record(Mapping[str, object]):
    """Base of every result dataclass (declare them ``@dataclass(frozen=True, eq=False)``: the
    mapping's equality compares JSON forms, so a result equals the dict it prints as)."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values: nested records as objects, lists and dicts as they are."""
        data = {}
        for name, omit_default, default in _layout(type(self)):
            value = getattr(self, name)
            if omit_default and value == default:
                continue
            data[name] = value if type(value) in _SCALARS else _plain(value)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """The record ``data`` was made from (unknown keys are ignored). A field ``data`` lacks
        takes its default, or an empty value of its type: the answer a restore wrote back for a
        key is its event, which carries most fields of the result but not all."""
        hints = _hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if not f.init or not f.metadata.get("json", True):
                continue
            if f.name in data:
                values[f.name] = _rebuild(hints[f.name], data[f.name])
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                values[f.name] = _empty(hints[f.name])
        return cls(**values)

    # -- the read-only mapping over the JSON form ------------------------------------------------

    def _view(self) -> dict[str, Any]:
        return self.to_json()

    def __getitem__(self, key: str) -> object:
        return self._view()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._view())

    def __len__(self) -> int:
        return len(self._view())


def optional(default: T) -> T:
    """A field its JSON form leaves out while it holds ``default`` (a sale without a member
    has no ``member_after``; a tender that forfeited no bonus says nothing of it)."""
    return dataclasses.field(default=default, metadata={"omit_default": True})


@dataclasses.dataclass(frozen=True, eq=False)
class ActionResult(Record):
    """The answer of a money action (:func:`storeapp.actions.run_action`). ``replayed`` says this
    call found the key already done and answers with the first run's result; it is about the
    call, so it is not part of the stored JSON form (it is in the mapping view and the CLI's)."""

    replayed: bool = dataclasses.field(default=False, kw_only=True, metadata={"json": False})

    def _view(self) -> dict[str, Any]:
        return {**self.to_json(), "replayed": self.replayed}


_SCALARS = frozenset({int, str, bool, float, type(None)})


@functools.cache
def _layout(cls: type) -> tuple[tuple[str, bool, object], ...]:
    """The fields of a record's JSON form: name, whether a default is left out, the default
    (worked out once per class: a checkout writes its result's JSON form several times)."""
    return tuple((f.name, bool(f.metadata.get("omit_default")), f.default)
                 for f in dataclasses.fields(cls) if f.metadata.get("json", True))


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _rebuild(hint: Any, value: Any) -> Any:
    """``value`` (plain JSON) as the field typed ``hint`` holds it."""
    if value is None:
        return None
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        return _rebuild(inner[0], value) if len(inner) == 1 else value
    if origin in (list, tuple):
        (item,) = get_args(hint)[:1]
        items = [_rebuild(item, v) for v in value]
        return items if origin is list else tuple(items)
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_json(value)
    return value


def _empty(hint: Any) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType) and type(None) in get_args(hint):
        return None
    if origin in (list, tuple):
        return [] if origin is list else ()
    if origin is dict:
        return {}
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_json({})
    if hint in (int, str, bool):
        return hint()
    return None


@dataclasses.dataclass(frozen=True, eq=False)
class Done(ActionResult):
    """An action whose caller needs nothing back but that it happened (once)."""


@dataclasses.dataclass(frozen=True, eq=False)
class MemberChanged(ActionResult):
    """An action on a member; the caller reads the member as it now is."""

    member_id: MemberId
