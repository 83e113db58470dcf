"""Typed identifiers, made on the till where the action starts (works offline, sorts by time)."""

from __future__ import annotations

from typing import NewType

import uuid6

MemberId = NewType("MemberId", str)
ActionKey = NewType("ActionKey", str)
EventId = NewType("EventId", str)
UserId = NewType("UserId", int)


def new_uuid7() -> str:
    return str(uuid6.uuid7())


def new_member_id() -> MemberId:
    return MemberId(new_uuid7())


def new_action_key() -> ActionKey:
    return ActionKey(new_uuid7())


def new_event_id() -> EventId:
    return EventId(new_uuid7())


def short_ref(key: str) -> str:
    """A reference a person can read out: an action key's random end, ``9F3A-21C0`` (a UUIDv7
    starts with its time, so top-ups made minutes apart would share a prefix). Short keys that
    callers chose themselves are shown as they are."""
    digits = key.replace("-", "")
    if len(key) <= 16 or not all(c in "0123456789abcdefABCDEF" for c in digits):
        return key
    tail = digits[-8:].upper()
    return f"{tail[:4]}-{tail[4:]}"
