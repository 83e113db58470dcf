"""The member at the counter: name, masked phone, tier with progress, balance split into
principal and bonus, points, plan, usable coupons and count cards with their uses left."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from storeapp.identity import mask_phone
from storeapp.money import format_fen
from storeapp.services import countcards, summary
from storeapp.services.countcards import CountCardView
from storeapp.services.summary import MemberSummary
from ui.dialogs.countcard import COUNT_CARD_KEY
from ui.dialogs.countcard import summary as count_summary
from ui.state import AppState
from ui.terms import MEMBER_STATUS, term

MAX_CARD_LINES = 2  # the panel fits a 1024x768 counter


class MemberPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.setObjectName("memberPanel")
        self.name = QLabel()
        self.name.setProperty("role", "title")
        self.tier = QLabel()
        self.tier.setProperty("role", "badge")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(10)
        self.next_tier = QLabel()
        self.next_tier.setProperty("role", "hint")
        self.phone, self.card, self.points, self.plan = QLabel(), QLabel(), QLabel(), QLabel()
        self.balance = QLabel()
        self.balance.setProperty("role", "money-big")
        self.split = QLabel()
        self.coupons = QLabel()
        self.coupons.setWordWrap(True)
        self.count_cards = QLabel()  # each kind the member holds with its uses left
        self.count_cards.setObjectName("memberCountCards")
        self.count_cards.setWordWrap(True)
        self.status = QLabel()  # frozen, card lost, PIN locked: before anything is tried
        self.status.setObjectName("memberStatus")
        self.status.setProperty("role", "error")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("Card"), self.card)
        form.addRow(self.tr("Balance"), self.balance)
        form.addRow("", self.split)
        form.addRow(self.tr("Points"), self.points)
        form.addRow(self.tr("Plan"), self.plan)
        form.addRow(self.tr("Coupons"), self.coupons)
        form.addRow(self.tr("Count cards"), self.count_cards)
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.tier)
        layout.addWidget(self.progress)
        layout.addWidget(self.next_tier)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.empty = QLabel(self.tr("No member: search, scan a member QR or press F2 to register."))
        self.empty.setWordWrap(True)
        layout.insertWidget(0, self.empty)
        state.member_changed.connect(self._on_member_changed)
        self._on_member_changed()

    def _on_member_changed(self) -> None:
        member = self._state.member
        has = member is not None
        for widget in self.findChildren(QWidget):
            widget.setVisible(has if widget is not self.empty else not has)
        if member is None:
            return
        db, member_id = self._state.db, member.member_id
        self._state.worker.submit(
            lambda: (summary.summary(db, member_id), countcards.cards(db, member_id,
                                                                      live_only=True)),
            self._show, self._state.show_error)

    def _show(self, found: tuple[MemberSummary, list[CountCardView]]) -> None:
        info, cards = found
        m = info.member
        if self._state.member is None or self._state.member.member_id != m.member_id:
            return  # the member changed while this was loading
        manager = self._state.user is not None and self._state.user.is_manager
        english = self._state.db.settings.language == "en"
        self.name.setText(m.name)
        self.tier.setText(m.tier_name_en if english else m.tier_name)
        self.tier.setProperty("tier", m.tier)
        self.tier.style().unpolish(self.tier)
        self.tier.style().polish(self.tier)
        self.progress.setValue(info.progress_pct)
        if info.next_tier is None:
            self.next_tier.setText(self.tr("Top tier"))
        else:
            name = info.next_tier_name_en if english else info.next_tier_name
            self.next_tier.setText(self.tr("%1 more to %2")
                                   .replace("%1", format_fen(info.to_next_tier_fen))
                                   .replace("%2", name or ""))
        self.phone.setText(m.phone if manager else mask_phone(m.phone))
        self.card.setText(m.card_no)
        self.balance.setText(format_fen(m.balance_fen))
        self.split.setText(self.tr("principal %1 · bonus %2")
                           .replace("%1", format_fen(m.principal_fen))
                           .replace("%2", format_fen(m.bonus_fen)))
        self.points.setText(f"{m.points:,}")
        self.plan.setText(info.plan_name or self.tr("none"))
        self.coupons.setText("\n".join(c.name for c in info.coupons) or self.tr("none"))
        self.count_cards.setText(f"{self._count_cards(cards)}  ({COUNT_CARD_KEY})")
        notes = []
        if m.status != "active":
            notes.append(self.tr("Member is %1").replace("%1", term(MEMBER_STATUS, m.status)))
        if info.card_status == "lost":
            notes.append(self.tr("Card %1 reported lost: replace it (F6)").replace("%1",
                                                                                 m.card_no))
        if m.pin_locked:
            notes.append(self.tr("Payment PIN locked: a manager unlocks it (F6)"))
        self.status.setText("\n".join(notes))
        self.status.setVisible(bool(notes))  # an empty line would take the room of one

    def _count_cards(self, cards: list[CountCardView]) -> str:
        """Each kind of card the member holds with its uses left, on at most two lines (the
        count-card dialog lists them all)."""
        kinds = [self.tr("%1: %2 left").replace("%1", name).replace("%2", str(left))
                 for name, left in count_summary(cards)]
        if len(kinds) > MAX_CARD_LINES:
            more = len(kinds) - MAX_CARD_LINES + 1
            kinds = [*kinds[:MAX_CARD_LINES - 1], self.tr("%n more kind(s)", "", more)]
        return "\n".join(kinds) or self.tr("none")
