"""The member's consents at the counter (PIPL): each purpose with what holds now and the notice
it was given under. A number key picks a purpose and shows its notice to read to (or show)
the member; Enter gives or withdraws it; Esc closes. Each change is one consent recorded
(:func:`storeapp.services.consents.record`)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from storeapp.clock import to_local
from storeapp.consent_rules import PURPOSES, Notice
from storeapp.ids import new_action_key
from storeapp.services import consents
from storeapp.services.consents import ConsentRecorded, ConsentState
from ui.dialogs.base import OpDialog
from ui.state import AppState
from ui.terms import CONSENT_PURPOSE, term

# The counter's consent key: "N" for the notice the member agrees to (Ctrl+C is copy).
CONSENT_KEY = "Ctrl+N"
#: The notice's room: four or five lines, the rest scrolls (a till screen is 768 px high).
NOTICE_HEIGHT_PX = 110
WIDTH_PX = 600

Loaded = tuple[dict[str, ConsentState], dict[str, Notice]]


class ConsentDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Consents"), parent)
        assert state.member is not None
        self.member_id = state.member.member_id
        self.states: dict[str, ConsentState] = {}
        self.notices: dict[str, Notice] = {}
        self.selected = PURPOSES[0]
        self.changed = False
        who = QLabel(f"{state.member.name}  ·  {state.member.card_no}")
        who.setProperty("role", "title")
        layout = QVBoxLayout(self)
        layout.addWidget(who)
        self.rows: dict[str, QPushButton] = {}
        for index, purpose in enumerate(PURPOSES, start=1):
            row = QPushButton()
            row.setObjectName(f"consent_{purpose}")
            row.setCheckable(True)
            row.setAutoDefault(False)
            row.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter belongs to the action below
            row.setMinimumHeight(40)
            row.clicked.connect(lambda _=False, p=purpose: self._select(p))
            # at once (a button's own shortcut clicks 100 ms later: Enter could come first)
            QShortcut(QKeySequence(str(index)), self, lambda p=purpose: self._select(p))
            self.rows[purpose] = row
            layout.addWidget(row)
        self.notice = QLabel()
        self.notice.setObjectName("consentNotice")
        self.notice.setWordWrap(True)
        self.notice.setProperty("role", "hint")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.action = QPushButton()
        self.action.setObjectName("consentAction")
        self.action.setProperty("role", "primary")
        self.action.setDefault(True)
        self.action.clicked.connect(self._toggle)
        hint = QLabel(self.tr("1–5: choose · Enter: give or withdraw, once the member has "
                              "read the notice · Esc: close"))
        hint.setProperty("role", "hint")
        notice_area = QScrollArea()  # a published notice may be long: it scrolls here
        notice_area.setWidget(self.notice)
        notice_area.setWidgetResizable(True)
        notice_area.setFrameShape(QFrame.Shape.NoFrame)
        notice_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        notice_area.setFixedHeight(NOTICE_HEIGHT_PX)
        notice_area.setMinimumWidth(WIDTH_PX)  # the dialog's own minimum grows with its rows
        layout.addWidget(notice_area)
        layout.addWidget(self.action)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        self._load()

    def done(self, result: int) -> None:
        if self.changed:  # the marketing flag the panel shows may have moved
            self.state.refresh_member()
        super().done(result)

    def _load(self) -> None:
        db, member_id = self.state.db, self.member_id

        def work() -> Loaded:
            return (consents.current(db, member_id),
                    {p: consents.notice(db, p) for p in PURPOSES})

        self.run(work, self._on_loaded)

    def _on_loaded(self, loaded: Loaded) -> None:
        self.states, self.notices = loaded
        for index, purpose in enumerate(PURPOSES, start=1):
            self.rows[purpose].setText(f"{index}  {term(CONSENT_PURPOSE, purpose)}: "
                                       f"{self._said(self.states[purpose])}")
        self._select(self.selected)
        self.action.setFocus()

    def _said(self, state: ConsentState) -> str:
        if state.at is None:
            return (self.tr("in force until refused") if state.in_force
                    else self.tr("not given"))
        day = to_local(dt.datetime.fromisoformat(state.at)).strftime("%Y-%m-%d")
        said = self.tr("given") if state.given else self.tr("withdrawn")
        return (self.tr("%1 on %2 · notice %3").replace("%1", said).replace("%2", day)
                .replace("%3", state.version or ""))

    def _select(self, purpose: str) -> None:
        self.selected = purpose
        for code, row in self.rows.items():
            row.setChecked(code == purpose)
        notice = self.notices.get(purpose)
        state = self.states.get(purpose)
        if notice is None or state is None:
            return
        self.notice.setText(self.tr("Notice %1: %2").replace("%1", notice.version)
                            .replace("%2", notice.text))
        self.action.setText(self.tr("Enter  Withdraw") if state.in_force
                            else self.tr("Enter  Give"))

    def _toggle(self) -> None:
        state = self.states.get(self.selected)
        if state is None:
            return
        db, actor, member_id, purpose = (self.state.db, self.state.actor, self.member_id,
                                         self.selected)
        give, key = not state.in_force, new_action_key()  # each change is its own action
        self.run(lambda: consents.record(db, member_id, purpose, given=give, actor=actor,
                                         key=key), self._on_recorded)

    def _on_recorded(self, result: ConsentRecorded) -> None:
        self.changed = True
        said = self.tr("%1 given") if result.given else self.tr("%1 withdrawn")
        self.state.message.emit(said.replace("%1", term(CONSENT_PURPOSE, result.purpose)),
                                False)
        self._load()
