"""Count cards (次卡) at the counter: the member's cards with their uses left, a use on Enter
(1 unless typed), F2 sells a card, F5 refunds a card's unused uses with a manager's approval.

Opened by the counter's count-card key for the member at the counter, or by scanning a card's
QR (or typing its number), which finds the card's member and puts that card first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.identity import mask_phone
from storeapp.money import format_fen
from storeapp.services import countcards, members
from storeapp.services.countcards import CardRefunded, CardsUsed, CountCardView
from storeapp.services.members import MemberView
from ui.dialogs.approval import ApprovalDialog
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable
from ui.terms import COUNT_CARD_STATUS, METHOD, term
from ui.widgets import key_button

# The counter's count-card key: "K" as the cards' numbers start (K0001…) and as 卡 kǎ. Not
# Ctrl+U or Ctrl+E: a focused line edit takes those (delete line, end of line) on X11 before
# any shortcut sees them.
COUNT_CARD_KEY = "Ctrl+K"
# Keys the uses field hands to the card list: the arrows choose the card, digits the uses.
_LIST_KEYS = {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}


@dataclass(frozen=True)
class Holdings:
    """A member and their count cards (all of them: a scanned card may be used up)."""

    member: MemberView
    cards: list[CountCardView]
    scanned: str | None  # the card number scanned or typed, if one was


def holdings(db: Database, member_id: str | None, card_ref: str | None) -> Holdings:
    """Worker thread: the member of ``card_ref`` (a card's QR or number), else ``member_id``,
    with their cards."""
    scanned = countcards.show(db, card_ref) if card_ref else None
    member = members.get(db, scanned.member_id if scanned else str(member_id))
    return Holdings(member, countcards.cards(db, member.member_id),
                    scanned.card_no if scanned else None)


class CountCardDialog(OpDialog):
    def __init__(self, state: AppState, card_ref: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Count cards"), parent)
        self.result_data: CardsUsed | CardRefunded | None = None
        self.live: list[CountCardView] = []
        self.loading = False
        self.member: MemberView | None = None
        self.who = QLabel()
        self.who.setProperty("role", "title")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("countCards")
        self.table.setHorizontalHeaderLabels([self.tr("Card"), self.tr("Uses left"),
                                              self.tr("Valid until"), self.tr("Card No.")])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the uses field keeps the keys
        self.table.setMinimumHeight(160)
        self.empty = QLabel(self.tr("No count card with uses left: F2 sells one."))
        self.empty.setProperty("role", "hint")
        self.uses = QLineEdit("1")
        self.uses.setObjectName("countUses")
        self.uses.setMaxLength(64)  # a card scanned into it is read as a card, not as uses
        self.uses.setPlaceholderText(self.tr("Uses"))
        self.after = QLabel()
        self.after.setObjectName("countAfter")
        self.after.setProperty("role", "money-big")
        self.use_button = QPushButton(self.tr("Enter  Use"))
        self.use_button.setProperty("role", "primary")
        self.use_button.setDefault(True)
        self.sell_button = key_button(self.tr("Sell a card"), "F2")
        self.refund_button = key_button(self.tr("Refund card (manager)"), "F5")
        close = QPushButton(self.tr("Esc  Close"))
        for button in (self.use_button, self.sell_button, self.refund_button, close):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        uses_row = QHBoxLayout()
        uses_row.addWidget(QLabel(self.tr("Uses now")))
        uses_row.addWidget(self.uses)
        uses_row.addWidget(self.after, 1)
        buttons = QHBoxLayout()
        for button in (self.use_button, self.sell_button, self.refund_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.who)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(uses_row)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.uses.installEventFilter(self)
        self.uses.textChanged.connect(self._show_after)
        self.table.itemSelectionChanged.connect(self._show_after)
        self.use_button.clicked.connect(self._on_use)
        self.sell_button.clicked.connect(self._on_sell)
        self.refund_button.clicked.connect(self._on_refund)
        close.clicked.connect(self.reject)
        self.resize(820, 460)
        self.uses.selectAll()
        self.uses.setFocus()
        self._load(card_ref.strip())

    def selected(self) -> CountCardView | None:
        row = self.table.currentRow()
        return self.live[row] if 0 <= row < len(self.live) else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.uses and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in _LIST_KEYS:
                QApplication.sendEvent(self.table, event)  # the arrows choose the card
                return True
        return super().eventFilter(watched, event)

    # -- loading ----------------------------------------------------------------------------

    def _load(self, card_ref: str = "", select: str | None = None) -> None:
        """A read: the dialog stays enabled (Esc closes it, and a disabled window opening is
        never made active) while the cards load; Enter waits for them."""
        member = self.state.member
        if not card_ref and member is None:
            return
        db, member_id = self.state.db, member.member_id if member else None
        self.loading = True
        self.error.clear()
        self.state.worker.submit(lambda: holdings(db, member_id, card_ref or None),
                                 lambda found: self._show(found, select), self._on_not_found)

    def _on_not_found(self, error: BaseException) -> None:
        self.loading = False
        self.error.setText(readable(error))

    def _show(self, found: Holdings, select: str | None) -> None:
        self.loading = False
        self.member = found.member
        current = self.state.member
        if current is None or current.member_id != found.member.member_id:
            self.state.set_member(found.member)  # a scanned card brings its member
        self.who.setText(f"{found.member.name}  ·  {mask_phone(found.member.phone)}")
        self.live = [c for c in found.cards if c.status == "active"]
        self.table.setRowCount(len(self.live))
        for row, card in enumerate(self.live):
            cells = (card.name, f"{card.uses_left} / {card.uses_total}", _day(card.expires_at),
                     card.card_no)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.empty.setVisible(not self.live)
        wanted = select or found.scanned
        numbers = [c.card_no for c in self.live]
        self.table.selectRow(numbers.index(wanted) if wanted in numbers else 0)
        if found.scanned and found.scanned not in numbers:
            card = next(c for c in found.cards if c.card_no == found.scanned)
            self.error.setText(self.tr("Card %1 cannot be used: %2").replace("%1", card.card_no)
                               .replace("%2", term(COUNT_CARD_STATUS, card.status)))
        self.uses.setText("1")
        self.uses.selectAll()
        self._keys_back()

    def _keys_back(self) -> None:
        """The keys to the uses field, once the event loop has handed focus back from a dialog
        that closed over this one (without a window manager nobody else makes this window
        active again)."""
        QTimer.singleShot(0, self, self._focus_uses)

    def _focus_uses(self) -> None:
        self.activateWindow()
        self.uses.setFocus()

    def _show_after(self) -> None:
        """The uses the member keeps of this kind of card after the uses typed (taken from the
        chosen card first, then the member's other cards of the same kind)."""
        card = self.selected()
        text = self.uses.text().strip()
        if card is None:
            self.after.setText("")
            return
        left = sum(c.uses_left for c in self.live if c.product_code == card.product_code)
        uses = int(text) if text.isdigit() else 0
        self.after.setText(self.tr("%1 left after this").replace("%1", str(left - uses))
                           if 0 < uses <= left else "")

    # -- actions ----------------------------------------------------------------------------

    def _on_use(self) -> None:
        if self.loading:
            return
        text = self.uses.text().strip()
        if countcards.names_card(text):  # a card scanned while the dialog is open
            self._load(text)
            return
        card = self.selected()
        if card is None:
            self.error.setText(self.tr("No count card to use: F2 sells one."))
            return
        if not text.isdigit() or not 1 <= int(text) <= countcards.MAX_USES_AT_ONCE:
            self.error.setText(self.tr("Type the number of uses (1 to %1).")
                               .replace("%1", str(countcards.MAX_USES_AT_ONCE)))
            self.uses.selectAll()
            return
        db, actor, key, uses = self.state.db, self.state.actor, self.key, int(text)
        card_no = card.card_no
        self.run(lambda: countcards.use(db, card_no, uses=uses, actor=actor, key=key),
                 self._on_used)

    def _on_used(self, result: CardsUsed) -> None:
        self.result_data = result
        said = "; ".join(self.tr("%1: used %2, %3 left").replace("%1", c.name)
                         .replace("%2", str(c.uses)).replace("%3", str(c.uses_left))
                         for c in result.cards)
        self.state.message.emit(said, False)
        self.state.print_receipt("countcard_use", result)
        self.state.refresh_member()
        self.accept()

    def _on_sell(self) -> None:
        from ui.dialogs.countcard_sell import SellCardDialog

        if self.member is None:
            return
        dialog = SellCardDialog(self.state, self)
        if dialog.exec() and dialog.result_data is not None:
            self._load(select=dialog.result_data.card.card_no)  # the new card, ready to use
        self._keys_back()

    def _on_refund(self) -> None:
        card = self.selected()
        if card is None:
            self.error.setText(self.tr("Choose the card to refund."))
            return
        what = (self.tr("Refund %1 unused uses of %2 (%3), worth %4")
                .replace("%1", str(card.uses_left)).replace("%2", card.name)
                .replace("%3", card.card_no).replace("%4", format_fen(card.value_fen)))
        grant = ApprovalDialog.ask(self.state, what, self, reason=self.tr("customer request"))
        self._keys_back()
        if grant is None:
            self.error.setText(self.tr("A refund needs a manager's approval."))
            return
        db, actor, key, card_no = self.state.db, self.state.actor, self.key, card.card_no
        self.run(lambda: countcards.refund(db, card_no, actor=actor, grant=grant, key=key),
                 self._on_refunded)

    def _on_refunded(self, result: CardRefunded) -> None:
        self.result_data = result
        amount = format_fen(result.refund_fen)
        if result.method == "wallet":
            said = self.tr("Count card %1 refunded (%2 uses): %3 back to the balance")
        else:
            said = self.tr("Count card %1 refunded (%2 uses): hand back %3 by %4")
        self.state.message.emit(
            said.replace("%1", result.card_no).replace("%2", str(result.uses))
            .replace("%3", amount).replace("%4", term(METHOD, result.method)), False)
        self.state.print_receipt("countcard_refund", result)
        self.state.refresh_member()
        self.accept()


def summary(cards: list[CountCardView]) -> list[tuple[str, int]]:
    """Each kind of live card a member holds, with the uses left of all their cards of it."""
    left: dict[str, int] = defaultdict(int)
    for card in cards:
        if card.status == "active":
            left[card.name] += card.uses_left
    return list(left.items())


def _day(at: str) -> str:
    return f"{to_local(dt.datetime.fromisoformat(at)):%Y-%m-%d}"
