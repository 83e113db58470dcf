"""Telling a keyboard-wedge scanner's burst from typing, one key event at a time.

No Qt here: the UI's key-event filter (:mod:`ui.scan_filter`) feeds :class:`WedgeDetector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: How the UI passes the Enter key to :meth:`WedgeDetector.feed` (``"\r"`` is accepted too).
ENTER = "\n"


class Action(Enum):
    """What the key-event filter does with the key it just fed (after replaying, see Decision)."""

    PASS = "pass"  # deliver this key to the focused widget as usual
    HOLD = "hold"  # swallow it for now: it may be (the start of) a scan
    SCAN = "scan"  # swallow it (the terminator): ``Decision.code`` is a complete scan
    NONE = "none"  # from flush(): there is no current key


@dataclass(frozen=True, slots=True)
class Decision:
    """The detector's answer for one key event or one flush.

    ``replay`` are keys held earlier that turned out to be typing: re-deliver them, in order,
    *before* acting on ``action``. Whenever ``replay`` is not empty it is every key that was held,
    so the filter can keep its own list of held key events and re-send all of them.
    """

    action: Action
    replay: tuple[str, ...] = ()
    code: str = ""


class WedgeDetector:
    """Tells a keyboard-wedge scanner's burst from typing, one key event at a time.

    A scanner types its code a few milliseconds per key and ends with Enter; people leave 50 ms
    or more between keys. The detector cannot know that the first key of a burst is a scan, so
    **every printable key is held** until the next key shows whether it is part of a burst, or
    until ``max_gap_ms`` passes without one (then :meth:`flush` gives it back). A typist never
    notices ~35 ms, and a scan never leaves a stray first character in the focused field.

    Use from a Qt event filter on the application (key presses only; skip bare modifier presses
    such as Shift, and the events you replay yourself)::

        d = detector.feed(event.text() or key_name, time.monotonic(),
                          auto_repeat=event.isAutoRepeat())
        if d.replay:                     # re-send every held event, in order
            resend(held); held.clear()
        if d.action is Action.HOLD:      # keep a copy, wake up when the gap has passed
            held.append(copy(event)); timer.start(detector.max_gap_ms)
            return True
        if d.action is Action.SCAN:      # the burst is a scan: drop the held copies, route it
            held.clear(); route(d.code)
            return True
        return False                     # PASS: deliver this key normally

    and on the timer: ``d = detector.flush(time.monotonic())``, re-send ``held`` if ``d.replay``;
    if nothing was released but :attr:`deadline` is still set, restart the timer for the rest.
    ``at`` and ``now`` must come from the same clock. Keys are single printable characters,
    :data:`ENTER`, or any longer name (``"Backspace"``, ``"F2"``): a named key is never held and
    gives back what was held before it.

    Thresholds: ``max_gap_ms`` is the longest pause inside a burst (raise it for slow Bluetooth
    scanners), ``min_length`` the shortest code, ``max_length`` the longest; a longer burst is
    typing from a tool, not a scan. ``terminators`` are the keys that end a scan (add ``"\\t"``
    for scanners set up to send Tab).
    """

    def __init__(
        self,
        *,
        max_gap_ms: float = 35.0,
        min_length: int = 4,
        max_length: int = 128,
        terminators: tuple[str, ...] = (ENTER,),
    ) -> None:
        if max_gap_ms <= 0 or not 1 <= min_length <= max_length or not terminators:
            raise ValueError("need max_gap_ms > 0, 1 <= min_length <= max_length, a terminator")
        self.max_gap_ms = max_gap_ms
        self.min_length = min_length
        self.max_length = max_length
        self._gap_s = max_gap_ms / 1000
        self._terminators = frozenset(_normalise_key(t) for t in terminators)
        self._held: list[str] = []
        self._last_at = 0.0
        self._overflowing = False  # inside a burst too long to be a scan: let the rest through

    @property
    def deadline(self) -> float | None:
        """When held keys become typing if no key arrives first (``None`` when nothing is held)."""
        return self._last_at + self._gap_s if self._held else None

    def feed(self, key: str, at: float, *, auto_repeat: bool = False) -> Decision:
        """Decide what to do with one key press seen at monotonic time ``at`` (seconds)."""
        key = _normalise_key(key)
        in_burst = at - self._last_at <= self._gap_s
        if key in self._terminators:
            if self._held and in_burst and len(self._held) >= self.min_length:
                code = "".join(self._held)
                self._held.clear()
                return Decision(Action.SCAN, code=code)
            return self._pass(at)
        if len(key) != 1 or not key.isprintable() or auto_repeat:
            return self._pass(at)
        if self._overflowing and in_burst:
            self._last_at = at
            return Decision(Action.PASS)
        self._overflowing = False
        replay = () if in_burst else self._take()
        if len(self._held) >= self.max_length:
            self._overflowing = True
            return self._pass(at)
        self._held.append(key)
        self._last_at = at
        return Decision(Action.HOLD, replay=replay)

    def flush(self, now: float | None = None) -> Decision:
        """Give back held keys once ``max_gap_ms`` has passed since the last one (or at once
        when ``now`` is ``None``, e.g. when the window loses focus)."""
        if not self._held or (now is not None and now - self._last_at < self._gap_s):
            return Decision(Action.NONE)
        return Decision(Action.NONE, replay=self._take())

    def _pass(self, at: float) -> Decision:
        self._last_at = at
        return Decision(Action.PASS, replay=self._take())

    def _take(self) -> tuple[str, ...]:
        held = tuple(self._held)
        self._held.clear()
        return held


def _normalise_key(key: str) -> str:
    return ENTER if key in ("\r", "\r\n") else key
