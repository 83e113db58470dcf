"""Till settings for a manager: language (switched at once), idle lock, and each device with a
test button."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from storeapp.db import Database
from storeapp.services import till_settings
from ui import i18n
from ui.dialogs.base import OpDialog
from ui.i18n import LANGUAGES
from ui.state import AppState

DEVICE_SETTINGS = frozenset({"printer_uri", "printer_profile", "printer_encoding", "scanner_uri",
                             "display_uri", "display_protocol"})
PROFILES = ("80mm", "58mm", "TM-T20II", "TM-T88V", "POS-5890")
ENCODINGS = ("gb18030", "gbk", "big5", "utf-8", "cp437", "cp858")


class SettingsDialog(OpDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, self.tr("Till settings"), parent)
        settings = state.db.settings
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.idle = QSpinBox()
        self.idle.setRange(1, 120)
        self.idle.setValue(settings.idle_lock_minutes)
        self.printer = QLineEdit(settings.printer_uri)
        self.printer.setPlaceholderText("tcp://192.168.1.50:9100 · serial:///dev/ttyUSB0 · null:")
        self.profile = _combo(PROFILES, settings.printer_profile)
        self.encoding = _combo(ENCODINGS, settings.printer_encoding)
        self.scanner = QLineEdit(settings.scanner_uri)
        self.scanner.setPlaceholderText("serial:///dev/ttyACM0?baud=9600")
        self.display = QLineEdit(settings.display_uri)
        self.display_protocol = _combo(("cd5220", "escpos"), settings.display_protocol)
        self.test_printer = QPushButton(self.tr("Print a test page"))
        self.test_display = QPushButton(self.tr("Test the display"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        form = QFormLayout(self)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Lock after idle minutes"), self.idle)
        form.addRow(self.tr("Receipt printer"), self.printer)
        form.addRow(self.tr("Paper / model"), self.profile)
        form.addRow(self.tr("Printer encoding"), self.encoding)
        form.addRow("", self.test_printer)
        form.addRow(self.tr("Serial scanner"), self.scanner)
        form.addRow(self.tr("Customer display"), self.display)
        form.addRow(self.tr("Display commands"), self.display_protocol)
        form.addRow("", self.test_display)
        form.addRow(self.error)
        form.addRow(buttons)
        self.test_printer.clicked.connect(self._on_test_printer)
        self.test_display.clicked.connect(self._on_test_display)
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)

    def values(self) -> dict[str, object]:
        return {
            "language": self.language.currentData(), "idle_lock_minutes": self.idle.value(),
            "printer_uri": self.printer.text().strip() or "null:",
            "printer_profile": self.profile.currentText(),
            "printer_encoding": self.encoding.currentText(),
            "scanner_uri": self.scanner.text().strip(),
            "display_uri": self.display.text().strip(),
            "display_protocol": self.display_protocol.currentText(),
        }

    def _on_test_printer(self) -> None:
        from devices import jobs

        db, uri = self.state.db, self.printer.text().strip() or "null:"
        profile, encoding = self.profile.currentText(), self.encoding.currentText()
        self.run(lambda: jobs.print_now(db, "test", "printer-test",
                                        jobs.test_payload(uri, profile, encoding), uri, profile,
                                        encoding),
                 lambda _r: self.error.setText(self.tr("Test page sent.")))

    def _on_test_display(self) -> None:
        from devices.display import open_display

        uri, protocol = self.display.text().strip(), self.display_protocol.currentText()

        def work() -> None:
            display = open_display(uri, protocol=protocol)
            display.start()
            display.show("storeapp", "Display OK")
            display.stop()

        self.run(work, lambda _r: self.error.setText(self.tr("Sent to the display.")))

    def _on_save(self) -> None:
        db, values, actor = self.state.db, self.values(), self.state.actor
        before = {name: db.settings.get(name) for name in values}
        changed = {name for name, value in values.items() if before[name] != value}
        self.run(lambda: save(db, values, actor), lambda _r: self._saved(changed))

    def _saved(self, changed: set[str]) -> None:
        """The language switches now, the idle lock counts from the next key; printer,
        scanner and display are opened at start, so their changes wait for it."""
        if "language" in changed:
            app = QCoreApplication.instance()
            assert app is not None
            i18n.install(app, self.state.db.settings.language)
            self.state.language_changed.emit()
        if changed & DEVICE_SETTINGS:
            text = self.tr("Settings saved. Printer, scanner and display changes apply when "
                           "the counter next starts.")
        elif changed:
            text = self.tr("Settings saved.")
        else:
            text = self.tr("Nothing was changed.")
        self.state.message.emit(text, False)
        self.accept()


def save(db: Database, values: dict[str, object], actor: str) -> None:
    """Store changed settings in one transaction, each change in the audit log (a linked till
    refuses to change a chain rule)."""
    changed = {name: value for name, value in values.items() if db.settings.get(name) != value}
    till_settings.change(db, changed, actor=actor)


def _combo(items: tuple[str, ...], current: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(items)
    combo.setCurrentText(current)
    return combo
