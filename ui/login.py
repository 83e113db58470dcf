"""The login screen: user code + PIN, Enter to log in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from storeapp.services import users
from storeapp.services.users import Staff
from ui.state import AppState, readable


class LoginScreen(QWidget):
    """Signals: ``logged_in(object)`` with the :class:`Staff` who logged in."""

    logged_in = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self.title = QLabel(self.tr("Log in to the counter"))
        self.title.setProperty("role", "title")
        self.store = QLabel(state.db.settings.store_name)
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("User code"))
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(self.tr("PIN"))
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.button = QPushButton(self.tr("Log in (Enter)"))
        self.button.setDefault(True)
        form = QFormLayout()
        form.addRow(self.tr("User"), self.code)
        form.addRow(self.tr("PIN"), self.pin)
        box = QWidget()
        box.setMaximumWidth(460)
        inner = QVBoxLayout(box)
        for widget in (self.title, self.store):
            inner.addWidget(widget)
        inner.addLayout(form)
        inner.addWidget(self.error)
        inner.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.code.returnPressed.connect(self.pin.setFocus)
        self.pin.returnPressed.connect(self._on_submit)
        self.button.clicked.connect(self._on_submit)

    def reset(self) -> None:
        self.pin.clear()
        self.error.clear()
        (self.pin if self.code.text() else self.code).setFocus()

    def _on_submit(self) -> None:
        code, pin = self.code.text().strip(), self.pin.text()
        if not code or not pin:
            self.error.setText(self.tr("Enter your user code and PIN."))
            return
        self.button.setEnabled(False)
        db = self._state.db
        self._state.worker.submit(lambda: users.login(db, code, pin), self._on_ok,
                                  self._on_failed)

    def _on_ok(self, staff: Staff) -> None:
        self.button.setEnabled(True)
        self.pin.clear()
        self.error.clear()
        self.logged_in.emit(staff)

    def _on_failed(self, error: BaseException) -> None:
        self.button.setEnabled(True)
        self.pin.clear()
        self.pin.setFocus()
        self.error.setText(readable(error))
