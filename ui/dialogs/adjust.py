"""A manager's correction of a member's balance or points, posted as new ledger entries."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from storeapp.errors import DomainError, InvalidInput
from storeapp.money import parse_yuan
from storeapp.services import points, wallet
from ui.dialogs.approval import ApprovalDialog
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable


class AdjustDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Adjust balance or points"), parent)
        assert state.member is not None
        self.who = QLabel(state.member.name)
        self.who.setProperty("role", "title")
        self.principal, self.bonus, self.points = QLineEdit(), QLineEdit(), QLineEdit()
        for field, name in ((self.principal, "adjustPrincipal"), (self.bonus, "adjustBonus"),
                            (self.points, "adjustPoints")):
            field.setObjectName(name)
            field.setPlaceholderText(self.tr("+ or −, e.g. -12.50"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout(self)
        form.addRow(self.who)
        form.addRow(self.tr("Principal (yuan)"), self.principal)
        form.addRow(self.tr("Bonus (yuan)"), self.bonus)
        form.addRow(self.tr("Points"), self.points)
        form.addRow(self.error)
        form.addRow(buttons)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)

    def _on_ok(self) -> None:
        try:
            principal, bonus = _signed(self.principal.text()), _signed(self.bonus.text())
            pts = int(self.points.text().strip() or 0)
        except (DomainError, ValueError) as exc:
            self.error.setText(readable(exc) if isinstance(exc, DomainError)
                               else self.tr("Points must be a whole number."))
            return
        if not (principal or bonus or pts):
            self.error.setText(self.tr("Nothing to adjust."))
            return
        grant = ApprovalDialog.ask(self.state, self.tr("Adjust balance or points"), self)
        if grant is None:
            return
        assert self.state.member is not None
        db, actor, member_id, key = (self.state.db, self.state.actor,
                                     self.state.member.member_id, self.key)

        def work() -> None:
            if principal or bonus:
                wallet.adjust(db, member_id, principal_fen=principal, bonus_fen=bonus,
                              actor=actor, grant=grant, key=key)
            if pts:
                points.adjust(db, member_id, pts, actor=actor, grant=grant, key=key + "-p")

        self.run(work, self._adjusted)

    def _adjusted(self, _result: object) -> None:
        self.state.refresh_member()
        self.accept()


def _signed(text: str) -> int:
    text = text.strip().replace("−", "-")
    if not text:
        return 0
    if text.startswith("-"):
        return -parse_yuan(text[1:])
    if text.startswith("+"):
        text = text[1:]
    fen = parse_yuan(text)
    if fen == 0:
        raise InvalidInput("bad_amount", "An adjustment must change something",
                           variant="no_change")
    return fen
