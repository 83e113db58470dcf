"""First start: a demo store with demo data, or this store's name and code and its first
manager."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from storeapp import demo
from storeapp.db import Database
from storeapp.errors import InvalidInput
from storeapp.services import users
from ui.dialogs.base import OpDialog
from ui.state import AppState

DEMO_MEMBERS = 200


class SetupDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Welcome to storeapp"), parent)
        intro = QLabel(self.tr("This till has no store yet. Start a demo store with demo data, "
                               "or set up your store and its first manager. A till that was "
                               "in use and lost its database is not set up again: close this "
                               "and restore it (storeapp restore)."))
        intro.setWordWrap(True)
        self.demo = QPushButton(self.tr("Start the demo store (Enter)"))
        self.demo.setDefault(True)
        self.demo.setMinimumHeight(48)
        self.store_name, self.store_code = QLineEdit(), QLineEdit()
        self.store_code.setPlaceholderText("0001")
        self.manager_code, self.manager_name, self.manager_pin = QLineEdit(), QLineEdit(), \
            QLineEdit()
        self.manager_pin.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Store name"), self.store_name)
        form.addRow(self.tr("Store code (4 digits)"), self.store_code)
        form.addRow(self.tr("Manager code"), self.manager_code)
        form.addRow(self.tr("Manager name"), self.manager_name)
        form.addRow(self.tr("Manager PIN (6-12 digits)"), self.manager_pin)
        buttons = QDialogButtonBox()
        self.set_up = buttons.addButton(self.tr("Set up my store"),
                                        QDialogButtonBox.ButtonRole.AcceptRole)
        self.working = QProgressBar()  # moving while the demo store is made
        self.working.setObjectName("setupWorking")
        self.working.setRange(0, 0)
        self.working.setTextVisible(True)
        self.working.setMinimumHeight(28)
        self.working.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.demo)
        layout.addWidget(QLabel(self.tr("— or —")))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.working)
        layout.addWidget(buttons)
        self.demo.clicked.connect(self._on_demo)
        self.set_up.clicked.connect(self._on_create)

    def _on_demo(self) -> None:
        db = self.state.db
        self.run(lambda: demo.populate(db, members=DEMO_MEMBERS), lambda _r: self.accept(),
                 lambda _error: self.working.hide())
        # a few seconds of real work (members, sales, top-ups through the services): say so
        self.working.setFormat(self.tr("Preparing the demo store: %1 members with their sales "
                                       "and top-ups…").replace("%1", str(DEMO_MEMBERS)))
        self.working.show()

    def _on_create(self) -> None:
        db = self.state.db
        name, code = self.store_name.text().strip(), self.store_code.text().strip()
        manager = (self.manager_code.text().strip(), self.manager_name.text().strip(),
                   self.manager_pin.text())
        self.run(lambda: create_store(db, name, code, *manager), lambda _r: self.accept())


def create_store(db: Database, name: str, code: str, manager_code: str, manager_name: str,
                 pin: str) -> None:
    if not name or len(name) > 40:
        raise InvalidInput("bad_store", "Store name: 1 to 40 characters", variant="name",
                           max_chars=40)
    if not (len(code) == 4 and code.isdigit()):
        raise InvalidInput("bad_store", "Store code: exactly 4 digits", variant="code")
    users.add_user(db, code=manager_code, name=manager_name, role="manager", pin=pin,
                   actor="setup")
    with db.session() as s, s.begin():
        db.set_setting(s, "store_name", name)
        db.set_setting(s, "store_code", code)
