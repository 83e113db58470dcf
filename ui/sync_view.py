"""How head-office sync looks on the counter: the status bar's words for a sync status, and what
one sync moved, in the till's language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

from storeapp.clock import Clock, to_local
from storeapp.settings import Settings
from ui.messages import domain_message
from ui.widgets import translate

JOIN_COMMAND = "storeapp store join --server URL --token TOKEN"
_CODE = re.compile(r"\s*\[([\w.-]+)\]\s*$")  # sync.client records "message [code]"


class SyncStatusLabel(QLabel):
    """The status bar's head-office part; a click asks for a sync like the shortcut does.

    Signals: ``clicked()``."""

    clicked = Signal()

    def __init__(self, settings: Settings, clock: Clock, key: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock, self._key = clock, key
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        # Until the runner's first status (it reads one as soon as it starts).
        self.show_status({"linked": bool(settings.hq_url and settings.hq_token),
                          "pending_events": None})

    # Qt boundary: the runner's status crosses threads as a plain dict (a Signal(object)) of
    # sync.client.SyncStatus's fields plus its own ``running`` and ``fault``.
    def show_status(self, status: dict[str, Any]) -> None:
        self._last = status  # shown again in a new language (:meth:`retranslate`)
        text, role, detail = describe(status, self._clock.local_date())
        self.setText(text)
        tip = self.tr("Sync now: %1").replace("%1", self._key)
        self.setToolTip(f"{detail}\n{tip}" if detail else tip)
        self.setProperty("role", role)
        self.style().polish(self)

    def retranslate(self) -> None:
        self.show_status(self._last)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


def describe(status: dict[str, Any], today: dt.date) -> tuple[str, str, str]:  # Qt boundary
    """Status bar text, its role ("", "warning" or "error") and a longer detail for the tooltip,
    from a :class:`sync.client.SyncStatus` dict (plus the runner's ``running`` and ``fault``).
    ``today`` is the store-local date (times of other days show their date)."""
    if not status.get("linked"):
        return translate("SyncStatus", "Head office: not linked"), "", ""
    pending = status.get("pending_events")
    if pending is None:
        return translate("SyncStatus", "Head office: linked"), "", ""
    count = str(pending)
    error, fault = str(status.get("last_error") or ""), str(status.get("fault") or "")
    offline_since, last_sync = status.get("offline_since"), status.get("last_sync_at")
    role, detail = "", ""
    if status.get("restore_needed"):  # the till lost data head office holds: nothing else matters
        text = translate("SyncStatus", "Data lost: a manager runs storeapp restore · %1 to send")
        return text.replace("%1", count), "error", str(status["restore_needed"])
    if offline_since is not None:
        text = translate("SyncStatus", "Offline since %1 · %2 to send")
        text = text.replace("%1", when(offline_since, today)).replace("%2", count)
        role, detail = "warning", error
    elif fault:  # an unexpected error of the last sync (the runner's, not recorded)
        code, detail = split_code(fault)
        text = translate("SyncStatus", "Sync failed [%1] · %2 to send")
        text, role = text.replace("%1", code).replace("%2", count), "error"
    elif error:  # refused: by head office (e.g. a revoked token), or the till cannot go on
        code, message = split_code(error)
        text = translate("SyncStatus", "Sync refused [%1] · %2 to send")
        text = text.replace("%1", code).replace("%2", count)
        role, detail = "error", domain_message(code, message)
    elif last_sync is not None:
        text = translate("SyncStatus", "Synced %1 · %2 to send")
        text = text.replace("%1", when(last_sync, today)).replace("%2", count)
    else:
        text = translate("SyncStatus", "Not synced yet · %1 to send").replace("%1", count)
    if status.get("online_only"):  # head office found this till's records edited
        text += " · " + translate("SyncStatus", "stored value online only")
        role = role or "warning"
        detail = detail or translate(
            "SyncStatus", "Head office found this till's records do not match what it sent: "
                          "stored value can be used only while head office answers.")
    if status.get("running"):
        text += " · " + translate("SyncStatus", "syncing…")
    return text, role, detail


def split_code(recorded: str) -> tuple[str, str]:
    """``("revoked", "the token was revoked")`` from ``"the token was revoked [revoked]"``."""
    found = _CODE.search(recorded)
    if found is None:
        return "error", recorded
    return found.group(1), recorded[:found.start()]


def when(at: dt.datetime, today: dt.date) -> str:
    """A stored (naive UTC) time as the store reads it: 14:05 today, else 03-09 14:05."""
    local = to_local(at)
    return local.strftime("%H:%M" if local.date() == today else "%m-%d %H:%M")


def summary(report: dict[str, Any]) -> str:  # Qt boundary: a SyncReport as a dict
    """What one sync moved: "Sent 120 · 35 members · 2 rules"."""
    return translate("SyncStatus", "Sent %1 · %2 members · %3 rules") \
        .replace("%1", str(report.get("uploaded", 0))) \
        .replace("%2", str(report.get("members", 0))) \
        .replace("%3", str(report.get("rules", 0)))
