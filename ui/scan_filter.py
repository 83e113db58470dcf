"""App-wide keyboard-wedge scanning: whatever widget has focus, a scanner's burst is taken out
of the key stream and routed; typing reaches its field unchanged.

The timing logic is :class:`devices.wedge.WedgeDetector` (plain Python); this filter feeds it
Qt key presses, holds back the keys it holds, replays them when they turn out to be typing, and
emits the code when a burst ends in Enter.
"""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from devices.wedge import ENTER, Action, WedgeDetector

_MODIFIER_KEYS = {Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                  Qt.Key.Key_CapsLock, Qt.Key.Key_AltGr}


class ScanFilter(QObject):
    """Signals: ``scanned(str)`` with each complete scan (emitted on the GUI thread).

    While a modal dialog is open the burst is typed into its focused field instead (scanning a
    receipt number into the refund dialog is typing it), so dialogs never get surprise windows.
    """

    scanned = Signal(str)

    def __init__(self, detector: WedgeDetector, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._detector = detector
        self._held: list[tuple[QObject, QKeyEvent]] = []
        self._replaying = False
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._on_gap)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() in _MODIFIER_KEYS or not watched.isWidgetType():
            return False
        decision = self._detector.feed(_key_name(event), time.monotonic(),
                                       auto_repeat=event.isAutoRepeat())
        if decision.replay:
            self._replay()
        if decision.action is Action.HOLD:
            self._held.append((watched, _copy(event)))
            self._timer.start(int(self._detector.max_gap_ms) + 1)
            return True
        if decision.action is Action.SCAN:
            held, self._held = self._held, []
            if QApplication.activeModalWidget() is not None:
                self._held = held
                self._replay()
                return False  # let the Enter through: the dialog's field gets the whole code
            self.scanned.emit(decision.code)
            return True
        return False

    def _on_gap(self) -> None:
        decision = self._detector.flush(time.monotonic())
        if decision.replay:
            self._replay()
        elif self._detector.deadline is not None:
            remaining_ms = (self._detector.deadline - time.monotonic()) * 1000
            self._timer.start(max(1, int(remaining_ms) + 1))

    def _replay(self) -> None:
        held, self._held = self._held, []
        self._replaying = True
        try:
            for target, event in held:  # to the widget each key was meant for
                if shiboken6.isValid(target):  # a dialog may have closed and gone meanwhile
                    QApplication.sendEvent(target, event)
        finally:
            self._replaying = False


def _key_name(event: QKeyEvent) -> str:
    if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        return ENTER
    text = event.text()
    if len(text) == 1 and text.isprintable():
        return text
    return f"key-{event.key()}"


def _copy(event: QKeyEvent) -> QKeyEvent:
    return QKeyEvent(event.type(), event.key(), event.modifiers(), event.text(),
                     event.isAutoRepeat(), event.count())
