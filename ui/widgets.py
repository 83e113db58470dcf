"""Small shared pieces: function-key buttons, money labels, message dialogs, one-line labels."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QSizePolicy, QWidget

from storeapp.money import format_fen


def translate(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """``QCoreApplication.translate`` for code outside a QObject. Keep this name and argument
    order, and pass literal strings: pyside6-lupdate extracts ``translate("Context", "text")``
    calls by that shape (a ``tr(text, context)`` helper would be filed under the wrong context).
    """
    return QCoreApplication.translate(context, text, disambiguation, n)


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


def fit_to_screen(window: QWidget, preferred: QSize) -> None:
    """Size ``window`` to ``preferred``, or to the screen when that is smaller (till screens
    are often 1024x768 or 1366x768), and place it on the screen. Whatever does not fit then
    shrinks with the layout instead of hanging off the screen's edge, where nobody can see it.
    A window manager's frame is allowed for when there is one (none at many tills)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(preferred)
        return
    room: QRect = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()  # 0x0 before the WM
    width = min(preferred.width(), room.width() - max(0, frame.width()))
    height = min(preferred.height(), room.height() - max(0, frame.height()))
    window.resize(max(width, window.minimumWidth()), max(height, window.minimumHeight()))
    window.move(room.x() + (room.width() - window.width()) // 2,
                room.y() + (room.height() - window.height()) // 2)


class OneLineLabel(QLabel):
    """A label kept to one line: a text longer than its width ends in "…" (the tooltip has it
    whole), so a long line never widens the window or takes a second line's room."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_line(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def line(self) -> str:
        """The whole text (``text()`` is what shows)."""
        return self._full

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("…") * 4, hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(0, self.contentsRect().width())
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                                   room) if room else self._full)
