"""Small shared pieces: function-key buttons, money labels, message dialogs."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from storeapp.money import format_fen


def tr(text: str, context: str = "storeapp") -> str:
    return QCoreApplication.translate(context, text)


def key_button(label: str, key: str, parent: QWidget | None = None) -> QPushButton:
    """A large button that shows and owns its shortcut: "F3  Top up"."""
    button = QPushButton(f"{key}  {label}", parent)
    button.setShortcut(QKeySequence(key))
    button.setMinimumHeight(44)
    button.setProperty("role", "action")
    return button


def money_label(amount_fen: int, parent: QWidget | None = None, *, big: bool = False) -> QLabel:
    label = QLabel(format_fen(amount_fen), parent)
    label.setProperty("role", "money-big" if big else "money")
    return label


def warn(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)
