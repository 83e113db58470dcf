"""Card problems: report lost (挂失), replace (补卡), freeze / unfreeze, close and refund
principal (退卡). Everything but reporting a loss or freezing needs a manager."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from storeapp.money import format_fen
from storeapp.services import members, wallet
from ui.dialogs.approval import ApprovalDialog
from ui.dialogs.base import OpDialog
from ui.state import AppState
from ui.terms import METHOD, term


class CardDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Card problems"), parent)
        assert state.member is not None
        self.who = QLabel(f"{state.member.name}  ·  {state.member.card_no}")
        self.who.setProperty("role", "title")
        layout = QVBoxLayout(self)
        layout.addWidget(self.who)
        actions = (
            ("1", self.tr("Report card lost"), self._lost),
            ("2", self.tr("Replace card (manager)"), self._replace),
            ("3", self.tr("Freeze"), self._freeze),
            ("4", self.tr("Unfreeze (manager)"), self._unfreeze),
            ("5", self.tr("Close account, refund principal (manager)"), self._close),
            ("6", self.tr("Void today's top-up (manager)"), self._void_topup),
            ("7", self.tr("Adjust balance or points (manager)"), self._adjust),
        )
        for key, text, slot in actions:
            button = QPushButton(f"{key}  {text}")
            button.setShortcut(key)
            button.setMinimumHeight(44)
            button.clicked.connect(slot)
            layout.addWidget(button)
        layout.addWidget(self.error)

    def _member_id(self) -> str:
        assert self.state.member is not None
        return self.state.member.member_id

    def _lost(self) -> None:
        db, actor, member_id = self.state.db, self.state.actor, self._member_id()
        self.run(lambda: members.report_lost(db, member_id, actor=actor, key=self.key),
                 self._done)

    def _freeze(self) -> None:
        db, actor, member_id = self.state.db, self.state.actor, self._member_id()
        self.run(lambda: members.freeze(db, member_id, actor=actor, reason="counter",
                                        key=self.key), self._done)

    def _replace(self) -> None:
        grant = ApprovalDialog.ask(self.state, self.tr("Replace card"), self,
                                   reason=self.tr("customer request"))
        if grant is not None:
            db, actor, member_id = self.state.db, self.state.actor, self._member_id()
            self.run(lambda: members.replace_card(db, member_id, actor=actor, grant=grant,
                                                  key=self.key), self._done)

    def _unfreeze(self) -> None:
        grant = ApprovalDialog.ask(self.state, self.tr("Unfreeze"), self,
                                   reason=self.tr("customer request"))
        if grant is not None:
            db, actor, member_id = self.state.db, self.state.actor, self._member_id()
            self.run(lambda: members.unfreeze(db, member_id, actor=actor, grant=grant,
                                              key=self.key), self._done)

    def _close(self) -> None:
        grant = ApprovalDialog.ask(self.state, self.tr("Close account and refund principal"),
                                   self)
        if grant is not None:
            db, actor, member_id = self.state.db, self.state.actor, self._member_id()
            self.run(lambda: wallet.close_account(db, member_id, actor=actor, grant=grant,
                                                  key=self.key), self._closed)

    def _adjust(self) -> None:
        from ui.dialogs.adjust import AdjustDialog

        if AdjustDialog(self.state, self).exec():
            self.accept()

    def _void_topup(self) -> None:
        db, member_id = self.state.db, self._member_id()
        self.run(lambda: wallet.voidable_topups(db, member_id), self._ask_void)

    def _ask_void(self, topups: list[dict[str, Any]]) -> None:
        if not topups:
            self.error.setText(self.tr("No top-up today that can be voided."))
            return
        newest = topups[0]
        what = (self.tr("Void top-up %1 + bonus %2")
                .replace("%1", format_fen(newest["principal_fen"]))
                .replace("%2", format_fen(newest["bonus_fen"])))
        grant = ApprovalDialog.ask(self.state, what, self, reason=self.tr("customer request"))
        if grant is not None:
            db, actor, key = self.state.db, self.state.actor, self.key
            self.run(lambda: wallet.void_topup(db, newest["topup_key"], actor=actor,
                                               grant=grant, key=key), self._voided)

    def _voided(self, result: dict[str, Any]) -> None:
        self.state.print_receipt("void", result)
        self._done(result)

    def _closed(self, result: dict[str, Any]) -> None:
        self.state.message.emit(
            self.tr("Account closed: refund %1 by %2, bonus forfeited %3")
            .replace("%1", format_fen(result["refund_fen"]))
            .replace("%2", term(METHOD, result["method"]))
            .replace("%3", format_fen(result["forfeited_bonus_fen"])), False)
        self.state.set_member(None)
        self.accept()

    def _done(self, _result: Any) -> None:
        self.state.refresh_member()
        self.accept()
