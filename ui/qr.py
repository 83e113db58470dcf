"""QR codes on screen: the modules worked out off the GUI thread (:func:`qr_matrix`, plain
Python), drawn as a crisp pixmap on it (:func:`qr_pixmap`), with the error correction the
receipts' QR codes use (:func:`devices.preview.qr_image`)."""

from __future__ import annotations

import qrcode  # type: ignore[import-untyped]
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap

#: Light modules around the code; a reader needs some, the panel's white is the rest.
QUIET_MODULES = 2

Matrix = tuple[tuple[bool, ...], ...]


def qr_matrix(data: str) -> Matrix:
    """The dark (True) and light modules of the QR code of ``data``, without a quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(bool(dark) for dark in row) for row in code.get_matrix())


def qr_pixmap(matrix: Matrix, module_px: int) -> QPixmap:
    """``matrix`` drawn ``module_px`` pixels a module (whole pixels: a scaled code blurs and
    reads badly off a screen), with its quiet zone."""
    side = (len(matrix) + 2 * QUIET_MODULES) * module_px
    pixmap = QPixmap(side, side)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    try:
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    painter.fillRect(QRect((x + QUIET_MODULES) * module_px,
                                           (y + QUIET_MODULES) * module_px,
                                           module_px, module_px), Qt.GlobalColor.black)
    finally:
        painter.end()
    return pixmap
