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
