"""The counter and its dialogs fit the screens tills have — 1024x768 and 1366x768 — and scale
up to 1920x1080: nothing cut, no scrolling on the counter, the message line always in view.

"Cut" is measured, not eyeballed: every visible label and button is at least as large as it
needs to be for its text (its minimum size hint, or the height its wrapped text needs), and it
lies inside its window. The screenshots under docs/screenshots show the same screens.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QLabel,
    QScrollArea,
    QWidget,
)
from pytestqt.qtbot import QtBot

from storeapp.db import Database
from storeapp.services import countcards, members, sales, wallet
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import register
from tests.ui.conftest import keys, login, pick, when_dialog
from ui import dialogs
from ui.main_window import MainWindow
from ui.widgets import fit_to_screen

SIZES = [QSize(1024, 768), QSize(1366, 768), QSize(1920, 1080)]


def cut(window: QWidget) -> list[str]:
    """Every visible label or button in ``window`` too small for its text, or outside it."""
    problems = []
    inside = QRect(QPoint(0, 0), window.size())
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or not isinstance(widget, QLabel | QAbstractButton):
            continue
        text = widget.text()
        if not text or (isinstance(widget, QLabel) and widget.pixmap() is not None
                        and not widget.pixmap().isNull()):
            continue
        where = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if not inside.contains(where) and not scrolls(widget, window):
            problems.append(f"{text!r} at {where} outside {inside}")
        if isinstance(widget, QLabel) and widget.wordWrap():
            if widget.heightForWidth(widget.width()) > widget.height():
                problems.append(f"{text!r} wrapped needs {widget.heightForWidth(widget.width())}"
                                f" px, has {widget.height()}")
        else:
            need = widget.minimumSizeHint()
            if widget.width() < need.width() or widget.height() < need.height():
                problems.append(f"{text!r} is {widget.size()}, needs {need}")
    return problems


def scrolls(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area (a report's long page): below the fold is not cut."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def busy_counter(qtbot: QtBot, window: MainWindow, db: Database) -> None:
    """A member with a long name and two kinds of count card, lines in the cart, a long
    message: the counter at its fullest."""
    member = register(db, phone="13912345678", name="欧阳娜娜娜娜娜娜")
    wallet.topup(db, member.member_id, 200_000, actor="C01")
    for code, name, uses in (("WASH10", "精洗车 10 次卡（含内饰清洁）", 10),
                             ("CUT5", "洗剪吹5次卡", 5)):
        countcards.save_product(db, code=code, name=name, covers=name, uses=uses,
                                price_fen=30_000, valid_months=12, actor="C01")
        countcards.sell(db, member.member_id, code, method="cash", actor="C01")
    login(qtbot, window)
    pick(qtbot, window, "13912345678")
    for amount in ("12.50", "88", "1999.99"):
        keys(qtbot, window.counter.cart.entry, amount, enter=True)
    qtbot.waitUntil(lambda: window.state.quote is not None, timeout=5000)
    window.state.message.emit("Sale R0001-01-000123 done. Change ¥1,234.56. "
                              "Receipt printing.", False)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_the_counter_fits_with_its_message_line(qtbot: QtBot, window: MainWindow, db: Database,
                                                size: QSize) -> None:
    busy_counter(qtbot, window, db)
    window.resize(size)
    qtbot.wait(50)
    assert window.size() == size  # it can be that small: its minimum fits
    assert cut(window) == []
    message = QRect(window.message.mapTo(window, QPoint(0, 0)), window.message.size())
    assert window.message.isVisible() and QRect(QPoint(0, 0), size).contains(message)
    assert window.statusBar().geometry().bottom() < size.height()


def test_the_window_opens_no_larger_than_the_screen(qtbot: QtBot, window: MainWindow) -> None:
    room = window.screen().availableGeometry()
    fit_to_screen(window, QSize(1920, 1080))
    assert window.width() <= room.width() and window.height() <= room.height()
    assert room.contains(window.geometry())


def dialog_fits(qtbot: QtBot, window: MainWindow, kind: type[QDialog],
                open_it: Callable[[], None], size: QSize,
                ready: Callable[[QDialog], bool] = lambda _d: True) -> list[str]:
    found: list[list[str]] = []

    def check(dialog: QDialog) -> None:
        qtbot.waitUntil(lambda: ready(dialog), timeout=5000)
        qtbot.wait(50)
        hint = dialog.sizeHint()
        problems = cut(dialog)
        if hint.width() > size.width() or hint.height() > size.height():
            problems.append(f"{kind.__name__} wants {hint}, the screen is {size}")
        if dialog.width() > size.width() or dialog.height() > size.height():
            problems.append(f"{kind.__name__} is {dialog.size()}, the screen is {size}")
        found.append(problems)
        dialog.reject()

    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    when_dialog(qtbot, kind, check)
    open_it()
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    return found[0]


@pytest.mark.parametrize("size", SIZES[:2], ids=lambda s: f"{s.width()}x{s.height()}")
def test_every_counter_dialog_fits(qtbot: QtBot, window: MainWindow, db: Database,
                                   size: QSize) -> None:
    busy_counter(qtbot, window, db)
    member = members.get(db, "13912345678")
    members.set_pin(db, member.member_id, "123456", actor="C01")
    window.state.refresh_member()
    qtbot.waitUntil(lambda: window.state.member is not None and window.state.member.pin_set,
                    timeout=5000)
    sale = sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=8_800)],
                          tenders=[TenderIn("wallet", 3_000), TenderIn("cash", 6_000)],
                          actor="C01", pin="123456")
    window.resize(size)
    counter = window.counter
    cases: list[tuple[type[QDialog], Callable[[], None], Callable[[QDialog], bool]]] = [
        (dialogs.TopupDialog, lambda: qtbot.keyClick(counter, Qt.Key.Key_F3), lambda _d: True),
        (dialogs.CheckoutDialog, lambda: qtbot.keyClick(counter, Qt.Key.Key_F4),
         lambda _d: True),
        (dialogs.CardDialog, lambda: qtbot.keyClick(counter, Qt.Key.Key_F6), lambda _d: True),
        (dialogs.HistoryDialog, lambda: qtbot.keyClick(counter, Qt.Key.Key_F7),
         lambda d: isinstance(d, dialogs.HistoryDialog) and d.wallet_table.rowCount() > 0),
        (dialogs.RefundDialog, lambda: counter.route_scan(sale["receipt_no"]),
         lambda d: isinstance(d, dialogs.RefundDialog) and d.sale is not None),
        (dialogs.CountCardDialog, lambda: qtbot.keyClick(counter, Qt.Key.Key_K,
                                                         Qt.KeyboardModifier.ControlModifier),
         lambda d: isinstance(d, dialogs.CountCardDialog) and d.table.rowCount() == 2
         and d.after.text() != ""),
        (dialogs.SellCardDialog, lambda: dialogs.SellCardDialog(window.state, counter).exec(),
         lambda d: isinstance(d, dialogs.SellCardDialog) and d.table.rowCount() == 2
         and d.to_pay.text() != ""),
    ]
    problems = {kind.__name__: dialog_fits(qtbot, window, kind, open_it, size, ready)
                for kind, open_it, ready in cases}
    assert problems == {kind.__name__: [] for kind, _o, _r in cases}


def test_the_measure_sees_cut_text(qtbot: QtBot) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    box.resize(300, 100)
    squeezed = QLabel("会员余额不足，请充值后再结账", box)
    squeezed.setGeometry(0, 0, 40, 20)
    outside = QLabel("OK", box)
    outside.setGeometry(280, 90, 60, 30)
    box.show()
    problems = cut(box)
    assert len(problems) == 2 and "needs" in problems[0] and "outside" in problems[1]


@pytest.mark.parametrize("size", SIZES[:2], ids=lambda s: f"{s.width()}x{s.height()}")
def test_the_reports_fit_with_their_export_bar_and_close_button(
        qtbot: QtBot, window: MainWindow, db: Database, size: QSize) -> None:
    from ui.reports import ReportsDialog

    busy_counter(qtbot, window, db)
    reports = ReportsDialog(window.state, "M01", window)
    qtbot.addWidget(reports)
    reports.show()
    reports.resize(size)
    qtbot.waitUntil(lambda: reports.daily.shown is not None, timeout=10_000)
    reports.status.setText("Saved /home/manager/Documents/daily_2026-03-10_20260310-183005.pdf")
    qtbot.wait(50)
    assert reports.minimumSizeHint().height() <= size.height()
    assert reports.size() == size
    assert cut(reports) == []
    reports.reject()
