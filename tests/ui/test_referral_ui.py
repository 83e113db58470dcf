"""Referrals (推荐) and staff members (员工) at the counter, through the real widgets, worker and
database: registering a member with a referrer named by their referral code or a scanned member
QR (Enter there first shows who the referrer is, masked; Enter again registers), an unknown code
or a self-referral refused with nothing registered, the member panel's referral code with a QR
that decodes to it, and the staff marker with the staff price left this month."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from types import ModuleType

import pytest
import qrcode  # type: ignore[import-untyped]
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from storeapp.db import Database
from storeapp.services import members, shifts, users
from storeapp.services.members import MemberView
from tests.helpers import CASHIER, approve, register, sell
from tests.ui.conftest import _window, keys, login, pick, type_text, when_dialog
from ui import dialogs
from ui.main_window import MainWindow
from ui.member_panel import QR_MODULE_PX, MemberPanel

REFERRER_PHONE = "13812345678"
NEW_PHONE = "13700001111"
SHOWN = "欧**梅 · 138****5678"  # the referrer, masked as the dialog shows them


def _zxing() -> ModuleType | None:
    """A real QR reader when one is installed (``pip install zxing-cpp``); else the test
    compares the modules drawn with the ones qrcode makes for the same text."""
    try:
        return importlib.import_module("zxingcpp")
    except ImportError:
        return None


@pytest.fixture
def roomy_window(qtbot: QtBot, qapp: QApplication, db: Database, manager: object,
                 cashier: object) -> Iterator[MainWindow]:
    """The counter with a scanner allowed 90 ms pauses inside a burst (as in
    test_counter_flows): a stall on a shared CI machine must not split a scan into typing."""
    shifts.open_shift(db, 0, actor=CASHIER)
    with db.session() as s, s.begin():
        db.set_setting(s, "scanner_max_gap_ms", 90)
    yield from _window(qtbot, qapp, db)


def referrer(db: Database) -> MemberView:
    return register(db, phone=REFERRER_PHONE, name="欧阳晓梅")


def open_register(qtbot: QtBot, window: MainWindow) -> None:
    """An unknown phone searched: the registration dialog opens with it filled in."""
    keys(qtbot, window.counter.search.field, NEW_PHONE, enter=True)


def registered(db: Database) -> list[MemberView]:
    return members.find(db, NEW_PHONE)


def focus_referrer(qtbot: QtBot, dialog: dialogs.RegisterDialog) -> None:
    dialog.referrer.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.referrer, timeout=2000)


def test_register_with_a_referrers_code_shows_them_before_registering(
        qtbot: QtBot, window: MainWindow, db: Database,
        monkeypatch: pytest.MonkeyPatch) -> None:
    friend = referrer(db)
    asked_on: list[str] = []
    lookup = members.find_referrer

    def spied(*args: object, **kwargs: object) -> MemberView:
        asked_on.append(threading.current_thread().name)
        return lookup(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(members, "find_referrer", spied)
    login(qtbot, window)
    seen: list[str] = []

    def fill(dialog: dialogs.RegisterDialog) -> None:
        type_text(dialog.name, "赵敏")
        focus_referrer(qtbot, dialog)
        keys(qtbot, dialog.referrer, friend.referral_code, enter=True)
        qtbot.waitUntil(lambda: dialog.referrer_shown.text() == SHOWN, timeout=5000)
        seen.append("shown")
        assert dialog.isVisible() and registered(db) == []  # Enter showed, did not register
        assert dialog.referrer_shown.property("role") == ""
        qtbot.keyClick(dialog.referrer, Qt.Key.Key_Return)  # again: registers

    when_dialog(qtbot, dialogs.RegisterDialog, fill)
    open_register(qtbot, window)
    qtbot.waitUntil(lambda: window.state.member is not None, timeout=5000)
    assert seen == ["shown"]
    [member] = registered(db)
    assert member.name == "赵敏" and member.referrer_id == friend.member_id
    assert asked_on and all(name == "storeapp-db" for name in asked_on)  # never the GUI thread


def test_a_scanned_member_qr_names_the_referrer(qtbot: QtBot, roomy_window: MainWindow,
                                                db: Database) -> None:
    window = roomy_window
    friend = referrer(db)
    login(qtbot, window)

    def fill(dialog: dialogs.RegisterDialog) -> None:
        type_text(dialog.name, "赵敏")
        focus_referrer(qtbot, dialog)
        for char in friend.qr:  # a keyboard-wedge scanner: a burst 5 ms apart, then Enter
            qtbot.keyClick(dialog.referrer, char, delay=5)
        qtbot.keyClick(dialog.referrer, Qt.Key.Key_Return, delay=5)
        qtbot.waitUntil(lambda: dialog.referrer_shown.text() == SHOWN, timeout=5000)
        assert dialog.isVisible() and registered(db) == []  # the scan's Enter only looked up
        assert dialog.referrer.text() == friend.referral_code  # the QR shown as its code
        qtbot.keyClick(dialog.referrer, Qt.Key.Key_Return, delay=60)

    when_dialog(qtbot, dialogs.RegisterDialog, fill)
    open_register(qtbot, window)
    qtbot.waitUntil(lambda: window.state.member is not None, timeout=5000)
    [member] = registered(db)
    assert member.referrer_id == friend.member_id
    assert window.state.member is not None and window.state.member.name == "赵敏"


@pytest.mark.parametrize(("ref", "refusal"), [
    ("13000000000", "No member has referral code 13000000000."),
    (NEW_PHONE, "A member cannot refer themselves."),
], ids=["unknown", "self"])
def test_an_unknown_code_or_the_new_member_themself_is_refused(
        qtbot: QtBot, window: MainWindow, db: Database, ref: str, refusal: str) -> None:
    referrer(db)
    login(qtbot, window)
    steps: list[str] = []

    def fill(dialog: dialogs.RegisterDialog) -> None:
        type_text(dialog.name, "赵敏")
        focus_referrer(qtbot, dialog)
        keys(qtbot, dialog.referrer, ref, enter=True)
        qtbot.waitUntil(lambda: dialog.referrer_shown.text() == refusal, timeout=5000)
        assert dialog.referrer_shown.property("role") == "error"
        qtbot.keyClick(dialog.referrer, Qt.Key.Key_Return, delay=60)  # again: still not
        qtbot.wait(200)
        assert dialog.isVisible() and dialog.referrer_found is None
        steps.append("shown")
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)  # register anyway: the service refuses
        qtbot.waitUntil(lambda: dialog.error.text() == refusal, timeout=5000)
        assert dialog.isVisible()
        steps.append("refused")
        dialog.reject()

    when_dialog(qtbot, dialogs.RegisterDialog, fill)
    open_register(qtbot, window)
    qtbot.waitUntil(lambda: len(steps) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)
    assert registered(db) == [] and window.state.member is None


def qr_modules(panel: MemberPanel) -> list[list[bool]]:
    """The modules the panel drew (quiet zone included), read back from its pixels."""
    image = panel.referral_qr.pixmap().toImage()
    side = image.width() // QR_MODULE_PX
    assert image.width() == image.height() == side * QR_MODULE_PX
    middle = QR_MODULE_PX // 2
    return [[image.pixelColor(x * QR_MODULE_PX + middle, y * QR_MODULE_PX + middle)
             .lightness() < 128 for x in range(side)] for y in range(side)]


def decoded(panel: MemberPanel, reader: ModuleType) -> list[str]:
    """What a QR reader reads off the panel's pixels (scaled up, with a white margin)."""
    image = panel.referral_qr.pixmap().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    picture = Image.new("L", (image.width(), image.height()))
    picture.putdata([image.pixelColor(x, y).lightness()
                     for y in range(image.height()) for x in range(image.width())])
    framed = Image.new("L", (image.width() * 4 + 80, image.height() * 4 + 80), 255)
    framed.paste(picture.resize((image.width() * 4, image.height() * 4),
                                Image.Resampling.NEAREST), (40, 40))
    return [found.text for found in reader.read_barcodes(framed)]


def test_the_panel_shows_the_referral_code_and_a_qr_of_it(qtbot: QtBot, window: MainWindow,
                                                          db: Database) -> None:
    friend = referrer(db)
    for _ in range(2):
        register(db, referrer=friend.referral_code)
    login(qtbot, window)
    pick(qtbot, window, REFERRER_PHONE)
    panel = window.counter.member
    qtbot.waitUntil(lambda: panel.referral_code.text() == friend.referral_code, timeout=5000)
    assert panel.referral.text() == "Referral code · 2"  # two members named this code
    assert panel.referral_qr.isVisible() and panel.referral_code.isVisible()
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(friend.referral_code)
    code.make(fit=True)
    assert qr_modules(panel) == [[bool(m) for m in row] for row in code.get_matrix()]
    reader = _zxing()
    if reader is not None:
        assert decoded(panel, reader) == [friend.referral_code]
    # what the QR says is what the registration field takes
    assert members.find_referrer(db, friend.referral_code).member_id == friend.member_id


def test_a_member_who_referred_nobody_shows_the_code_alone(qtbot: QtBot, window: MainWindow,
                                                          db: Database) -> None:
    friend = referrer(db)
    login(qtbot, window)
    pick(qtbot, window, REFERRER_PHONE)
    panel = window.counter.member
    qtbot.waitUntil(lambda: panel.referral_code.text() == friend.referral_code, timeout=5000)
    assert panel.referral.text() == "Referral code"


def test_the_staff_marker_and_the_staff_price_left(qtbot: QtBot, window: MainWindow,
                                                   db: Database) -> None:
    """A member linked to a staff user shows 员工 and what is left of the month's cap (¥300
    by default, less the ¥50 a ¥500 sale at the staff price took); another member shows
    neither, and neither is left over from the staff member before."""
    users.add_user(db, code="S01", name="员工甲", role="cashier", pin="432100", actor="setup")
    staffer = register(db, phone="13911110001", name="员工甲")
    users.link_member(db, "S01", staffer.phone, actor=CASHIER, grant=approve(db, "new staff"))
    sell(db, staffer, 50_000)
    register(db, phone="13911110002", name="李娜")
    login(qtbot, window)
    panel = window.counter.member
    pick(qtbot, window, "13911110001")
    qtbot.waitUntil(lambda: panel.staff.isVisible(), timeout=5000)
    assert panel.staff.text() == "Staff" and panel.staff_left.isVisible()
    assert panel.staff_left.text() == "¥250.00 left"
    assert "¥300.00" in panel.staff_left.toolTip()
    window.state.clear_sale()
    pick(qtbot, window, "13911110002")
    qtbot.waitUntil(lambda: panel.referral_code.text() == members.get(
        db, "13911110002").referral_code, timeout=5000)
    assert not panel.staff.isVisible() and not panel.staff_left.isVisible()


def test_the_next_member_never_grows_the_window(qtbot: QtBot, window: MainWindow,
                                                db: Database) -> None:
    """The panel fills while the no-member hint goes: both on screen at once would ask a
    1024x768 counter for more height than it has, and the window would grow past the screen
    (the referral QR and the staff row add no height of their own)."""
    friend = referrer(db)
    register(db, referrer=friend.referral_code)
    other = register(db, phone="13911110002", name="李娜")
    login(qtbot, window)
    window.resize(1024, 768)
    panel = window.counter.member
    for phone, code in ((REFERRER_PHONE, friend.referral_code), (other.phone, other.card_no)):
        window.state.clear_sale()
        qtbot.wait(50)
        pick(qtbot, window, phone)
        qtbot.waitUntil(lambda code=code: panel.referral_code.text() == code, timeout=5000)
        qtbot.wait(50)
        assert (window.width(), window.height()) == (1024, 768)
