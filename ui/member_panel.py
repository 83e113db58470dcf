"""The member at the counter: name, masked phone, tier with progress, head office's campaign
line, balance split into principal and bonus, points, plan, usable coupons and count cards with
their uses left."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from storeapp.identity import mask_phone
from storeapp.money import format_fen
from storeapp.plan_value_rules import MISSED, SAVED
from storeapp.services import countcards, members, plan_value, summary, users
from storeapp.services.countcards import CountCardView
from storeapp.services.plan_value import PlanValue
from storeapp.services.summary import MemberSummary
from storeapp.services.users import StaffAllowance
from ui.dialogs.countcard import COUNT_CARD_KEY
from ui.dialogs.countcard import summary as count_summary
from ui.qr import Matrix, qr_matrix, qr_pixmap
from ui.state import AppState
from ui.terms import MEMBER_STATUS, term
from ui.widgets import OneLineLabel

MAX_CARD_LINES = 2  # the panel fits a 1024x768 counter
QR_MODULE_PX = 3  # the referral QR: 75 px for a card number, the height of name and tier


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
        # beside the tier: 员工 for a staff member's own account, and their staff price left
        self.staff = QLabel(self.tr("Staff"))
        self.staff.setObjectName("memberStaff")
        self.staff.setProperty("role", "badge")
        self.staff_left = QLabel()
        self.staff_left.setObjectName("memberStaffLeft")
        self.staff_left.setProperty("role", "hint")
        # right of the name: the referral code (推荐码) as a QR, the code and the referrals
        self.referral = QLabel()
        self.referral.setObjectName("memberReferral")
        self.referral.setProperty("role", "hint")
        self.referral.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.referral_qr = QLabel()
        self.referral_qr.setObjectName("memberReferralQr")
        self.referral_qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.referral_code = QLabel()
        self.referral_code.setObjectName("memberReferralCode")
        self.referral_code.setProperty("role", "hint")
        self.referral_code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.phone, self.card, self.points, self.plan = QLabel(), QLabel(), QLabel(), QLabel()
        self.balance = QLabel()
        self.balance.setProperty("role", "money-big")
        self.split = QLabel()
        self.coupons = QLabel()
        self.coupons.setWordWrap(True)
        # under the plan: what it saved in 12 months; or, instead of "none", the plan that
        # would have saved more than it costs. The fullest panel at 1024x768 has room for one
        # line more than before, no more: the fee and what the figure rests on are its tooltip.
        self.plan_value = QLabel()
        self.plan_value.setObjectName("memberPlanValue")
        self.plan_value.setProperty("role", "hint")
        self.plan_value.setWordWrap(True)
        self.count_cards = QLabel()  # each kind the member holds with its uses left
        self.count_cards.setObjectName("memberCountCards")
        self.count_cards.setWordWrap(True)
        # head office's campaign line for this member (生日快乐：已送¥20券): one line, said to
        # the member; a long one is cut here and whole in the tooltip and on the receipt
        self.prompt = OneLineLabel()
        self.prompt.setObjectName("memberPrompt")
        self.prompt.setProperty("role", "prompt")
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
        plan = QVBoxLayout()
        plan.setSpacing(0)
        plan.addWidget(self.plan)
        plan.addWidget(self.plan_value)
        form.addRow(self.tr("Plan"), plan)
        form.addRow(self.tr("Coupons"), self.coupons)
        form.addRow(self.tr("Count cards"), self.count_cards)
        layout = QVBoxLayout(self)
        badges = QHBoxLayout()
        badges.addWidget(self.tier)
        badges.addWidget(self.staff)
        badges.addWidget(self.staff_left)
        badges.addStretch(1)
        who = QVBoxLayout()
        who.addWidget(self.name)
        who.addLayout(badges)
        who.addWidget(self.progress)
        who.addWidget(self.next_tier)
        referral = QVBoxLayout()
        referral.setSpacing(0)
        referral.addWidget(self.referral)
        referral.addWidget(self.referral_qr)
        referral.addWidget(self.referral_code)
        header = QHBoxLayout()  # no taller than name and tier: the panel fits 1024x768
        header.addLayout(who, 1)
        header.addLayout(referral)
        layout.addLayout(header)
        layout.addWidget(self.prompt)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.empty = QLabel(self.tr("No member: search, scan a member QR or press F2 to register."))
        self.empty.setWordWrap(True)
        layout.insertWidget(0, self.empty)
        state.member_changed.connect(self._on_member_changed)
        state.member_changed.connect(self._load_referral_and_staff)  # after: it hides some
        self._on_member_changed()

    def _on_member_changed(self) -> None:
        member = self._state.member
        has = member is not None
        if has:  # the hint goes before the rest shows: with it, the panel would ask for more
            self.empty.hide()  # height than the window has, and the window grows to fit
        for widget in self.findChildren(QWidget):
            if widget is not self.empty and widget is not self.prompt:
                widget.setVisible(has)
        self.empty.setVisible(not has)
        self.prompt.hide()  # shown by _show, only with a campaign line (never the previous one)
        if member is None:
            return
        self.plan_value.hide()  # never the previous member's saving: it comes with _show
        db, member_id = self._state.db, member.member_id
        self._state.worker.submit(
            lambda: (summary.summary(db, member_id),
                     countcards.cards(db, member_id, live_only=True),
                     plan_value.value(db, member_id)),
            self._show, self._state.show_error)

    def _show(self, found: tuple[MemberSummary, list[CountCardView], PlanValue]) -> None:
        info, cards, worth = found
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
        self.plan_value.setText(self._plan_value(worth))
        self.plan_value.setToolTip(self._plan_value_tip(worth))
        self.plan_value.setVisible(bool(worth.kind))
        self.plan.setVisible(worth.kind != MISSED)
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
        self.prompt.set_line("　".join(info.prompts))  # each campaign's line, one after another
        self.prompt.setVisible(bool(info.prompts))
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

    def _plan_value(self, worth: PlanValue) -> str:
        """What the member's plan saved them, or what the best plan would have; empty when
        neither is worth saying."""
        if worth.kind == SAVED:
            return self.tr("Saved %1 in the last 12 months").replace(
                "%1", format_fen(worth.amount_fen))
        if worth.kind == MISSED:
            return (self.tr("%1 would have saved %2").replace("%1", worth.plan_name or "")
                    .replace("%2", format_fen(worth.amount_fen)))
        return ""

    def _plan_value_tip(self, worth: PlanValue) -> str:
        """What the figure rests on, and what the plan costs (so the cashier does not oversell
        it)."""
        if worth.kind != MISSED:
            return self.tr("Discount and plan coupons over the last 12 months")
        return self.tr("On the last 12 months' purchases; the plan costs %1 a year").replace(
            "%1", format_fen(worth.fee_fen))

    def _load_referral_and_staff(self) -> None:
        """The referral code's QR, the members referred and the staff price left, read on the
        worker; until they come nothing of the previous member's shows."""
        self.staff.hide()
        self.staff_left.hide()
        self.referral_qr.clear()
        self.referral.clear()
        self.referral_code.clear()
        member = self._state.member
        if member is None:
            return
        db, member_id, code = self._state.db, member.member_id, member.referral_code
        self._state.worker.submit(
            lambda: (member_id, code, members.referred_count(db, member_id),
                     users.staff_allowance(db, member_id), qr_matrix(code)),
            self._show_referral_and_staff, self._state.show_error)

    def _show_referral_and_staff(
            self, found: tuple[str, str, int, StaffAllowance | None, Matrix]) -> None:
        member_id, code, referred, staff, matrix = found
        if self._state.member is None or self._state.member.member_id != member_id:
            return  # the member changed while this was loading
        self.referral.setText(self.tr("Referral code") if not referred else
                              self.tr("Referral code · %1").replace("%1", str(referred)))
        self.referral.setToolTip(self.tr("Members registered with this code here: %1")
                                 .replace("%1", str(referred)))
        self.referral_qr.setPixmap(qr_pixmap(matrix, QR_MODULE_PX))
        self.referral_qr.setToolTip(self.tr("Referral code %1").replace("%1", code))
        self.referral_code.setText(code)
        self.staff.setVisible(staff is not None)
        self.staff_left.setVisible(staff is not None)
        if staff is not None:  # short: the row fits beside the QR on a 1024x768 counter
            self.staff_left.setText(self.tr("%1 left").replace("%1", format_fen(staff.left_fen)))
            self.staff_left.setToolTip(self.tr("Staff price this month: %1 of %2 left")
                                       .replace("%1", format_fen(staff.left_fen))
                                       .replace("%2", format_fen(staff.cap_fen)))
