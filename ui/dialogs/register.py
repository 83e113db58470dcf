"""Register a member; the phone comes pre-filled from an unknown search. An optional referrer
(推荐人) is named by their referral code, phone or member QR and shown (masked) before the
member is registered."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from storeapp.identity import Shape, classify, mask_name, mask_phone
from storeapp.services import members
from storeapp.services.members import MemberView
from ui.dialogs.base import OpDialog
from ui.state import AppState, readable

#: A pause in typing the referrer this long looks them up (a scan's Enter looks up at once).
LOOKUP_DELAY_MS = 400
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class RegisterDialog(OpDialog):
    def __init__(self, state: AppState, phone: str = "", parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Register a member"), parent)
        self.member: MemberView | None = None
        self.referrer_found: MemberView | None = None
        # (referrer text, phone) of the lookup running and of the one shown
        self._asked: tuple[str, str] | None = None
        self._shown: tuple[str, str] | None = None
        self.phone = QLineEdit(phone)
        self.phone.setObjectName("registerPhone")
        self.name = QLineEdit()
        self.name.setObjectName("registerName")
        self.name.setMaxLength(32)
        self.birthday = QLineEdit()
        self.birthday.setPlaceholderText("YYYY-MM-DD")
        self.referrer = QLineEdit()
        self.referrer.setObjectName("registerReferrer")
        self.referrer.setMaxLength(64)
        self.referrer.setPlaceholderText(self.tr("Referral code, phone or scan"))
        self.referrer.installEventFilter(self)
        self.referrer.textChanged.connect(self._on_referrer_edited)
        self.referrer_shown = QLabel()  # who the referrer is, masked, or why not
        self.referrer_shown.setObjectName("registerReferrerShown")
        self.referrer_shown.setWordWrap(True)
        self._lookup = QTimer(self, singleShot=True, interval=LOOKUP_DELAY_MS)
        self._lookup.timeout.connect(self._look_up)
        self.consent = QCheckBox(self.tr("Agrees to receive offers"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout(self)
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Birthday"), self.birthday)
        form.addRow(self.tr("Referred by"), self.referrer)
        form.addRow("", self.referrer_shown)
        form.addRow(self.consent)
        form.addRow(self.error)
        form.addRow(buttons)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        self.referrer_shown.hide()
        (self.name if phone else self.phone).setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the referrer field (a scanner ends every scan with one) first shows who the
        referrer is; Enter again, once they are shown, registers, as Enter does elsewhere."""
        if (watched is self.referrer and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in _ENTER
                and self._key() is not None
                and (self._shown != self._key() or self.referrer_found is None)):
            self._look_up()
            return True
        return super().eventFilter(watched, event)

    def _key(self) -> tuple[str, str] | None:
        ref = self.referrer.text().strip()
        return (ref, self.phone.text().strip()) if ref else None

    def _on_referrer_edited(self) -> None:
        self.referrer_found, self._shown = None, None
        self.referrer_shown.clear()
        self.referrer_shown.hide()
        if self._key() is None:
            self._lookup.stop()
        else:
            self._lookup.start()

    def _look_up(self) -> None:
        """Who the referrer is, asked on the worker (never on the GUI thread); the answer is
        shown only if the field still says the same."""
        self._lookup.stop()
        key = self._key()
        if key is None or key in (self._asked, self._shown):
            return
        self._asked = key
        db = self.state.db
        self.state.worker.submit(lambda: members.find_referrer(db, key[0], phone=key[1]),
                                 lambda found: self._on_referrer_found(key, found),
                                 lambda error: self._on_referrer_refused(key, error))

    def _on_referrer_found(self, key: tuple[str, str], found: MemberView) -> None:
        if self._asked == key:
            self._asked = None
        if self._key() != key:
            return  # edited meanwhile: that text is looked up in its turn
        if classify(key[0]) is Shape.MEMBER_QR:
            # a scanned QR becomes the code it stands for: its signature is nobody's business
            with QSignalBlocker(self.referrer):
                self.referrer.setText(found.referral_code)
            key = (found.referral_code, key[1])
        self.referrer_found, self._shown = found, key
        self._say(f"{mask_name(found.name)} · {mask_phone(found.phone)}", error=False)

    def _on_referrer_refused(self, key: tuple[str, str], error: BaseException) -> None:
        if self._asked == key:
            self._asked = None
        if self._key() != key:
            return
        self.referrer_found, self._shown = None, key
        self._say(readable(error), error=True)

    def _say(self, text: str, *, error: bool) -> None:
        self.referrer_shown.setText(text)
        self.referrer_shown.setProperty("role", "error" if error else "")
        self.referrer_shown.style().unpolish(self.referrer_shown)
        self.referrer_shown.style().polish(self.referrer_shown)
        self.referrer_shown.show()

    def _on_ok(self) -> None:
        db, key, actor = self.state.db, self.key, self.state.actor
        phone, name = self.phone.text(), self.name.text()
        birthday, consent = self.birthday.text().strip() or None, self.consent.isChecked()
        referrer = self.referrer.text().strip() or None
        self.run(lambda: members.register(db, phone=phone, name=name, birthday=birthday,
                                          marketing_consent=consent, actor=actor, key=key,
                                          referrer=referrer),
                 self._on_registered)

    def _on_registered(self, member: MemberView) -> None:
        self.member = member
        self.state.message.emit(self.tr("Registered %1, card %2")
                                .replace("%1", member.name).replace("%2", member.card_no), False)
        self.accept()
