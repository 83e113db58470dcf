"""The one search field: full phone, last 4 digits, name or card number, results as you type."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from storeapp.identity import Shape, classify, mask_phone
from storeapp.services import members
from storeapp.services.members import MemberView
from ui.state import AppState

TYPING_PAUSE_MS = 150


class SearchPanel(QWidget):
    """Signals: ``picked(object)`` with the chosen :class:`MemberView`;
    ``unknown_phone(str)`` when a full phone number matches nobody (offer registration)."""

    picked = Signal(object)
    unknown_phone = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._generation = 0  # answers to older queries are dropped
        self._pick_when_single = False
        self.field = QLineEdit()
        self.field.setObjectName("search")
        self.field.setPlaceholderText(self.tr("Phone, last 4, name, card (F1)"))
        self.field.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setObjectName("results")
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addWidget(self.hint)
        layout.addWidget(self.results, 1)
        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._timer.timeout.connect(self._on_pause)
        self.field.textEdited.connect(lambda _text: self._timer.start())
        self.field.returnPressed.connect(self._on_enter)
        self.field.installEventFilter(self)
        self.results.itemActivated.connect(self._on_item_activated)

    def focus(self) -> None:
        self.field.setFocus()
        self.field.selectAll()

    def search(self, text: str, *, pick_when_single: bool = True) -> None:
        """Run a search now (a scan, or Enter): a single match is picked at once."""
        self._timer.stop()
        self._pick_when_single = pick_when_single
        self._run(text.strip())

    def clear(self) -> None:
        self.field.clear()
        self.results.clear()
        self.hint.clear()

    def _on_pause(self) -> None:
        text = self.field.text().strip()
        if len(text) >= 2 or (text.isdigit() and len(text) >= 4):
            self._pick_when_single = False
            self._run(text)

    def _on_enter(self) -> None:
        """Enter searches now; one match is picked, several go to the list to choose from
        (never the first of them unseen: two members share the last four digits)."""
        self.search(self.field.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down (or Up) in the field goes to the results, to choose with the arrows + Enter."""
        if watched is self.field and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)
            self.results.setFocus()
            return True
        return False

    def _run(self, text: str) -> None:
        if not text:
            return
        self._generation += 1
        generation, db = self._generation, self._state.db
        self._state.worker.submit(
            lambda: members.find(db, text),
            lambda found: self._on_found(generation, text, found),
            lambda error: self._on_failed(generation, error),
        )

    def _on_found(self, generation: int, text: str, found: list[MemberView]) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        masked = self._state.user is None or not self._state.user.is_manager
        english = self._state.db.settings.language == "en"  # tier names come in both
        for member in found:
            phone = mask_phone(member.phone) if masked else member.phone
            tier = member.tier_name_en if english else member.tier_name
            item = QListWidgetItem(f"{member.name}    {phone}    {tier}")
            item.setData(Qt.ItemDataRole.UserRole, member)
            self.results.addItem(item)
        if not found:
            self.hint.setText(self.tr("No member found."))
            if classify(text) is Shape.PHONE and self._pick_when_single:
                self.unknown_phone.emit(text)
            return
        self.hint.setText(self.tr("%n member(s) found", "", len(found)))
        self.results.setCurrentRow(0)
        if len(found) == 1 and self._pick_when_single:
            self.picked.emit(found[0])
        elif self._pick_when_single:
            self.results.setFocus()  # a short pick list: arrows + Enter

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.results.clear()
            self._state.show_error(error)

    def _on_item_activated(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.picked.emit(item.data(Qt.ItemDataRole.UserRole))
