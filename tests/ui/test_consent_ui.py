"""The member's consents at the counter, driven by the keyboard through the real widgets, worker
and database: Ctrl+N lists each purpose with what holds now and its notice; a number picks one
and shows its notice text; Enter withdraws what holds (or gives what does not); the ledger, the
member's marketing flag and the rows follow; the dialog fits a 1024x768 till; without a member
the key says to find one."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from pytestqt.qtbot import QtBot

from storeapp import consent_rules
from storeapp.db import Database
from storeapp.services import consents
from tests.helpers import register
from tests.ui.conftest import login, pick, when_dialog
from tests.ui.test_screen_sizes import dialog_fits
from ui import dialogs
from ui.main_window import MainWindow


def test_consents_are_read_given_and_withdrawn_by_keys(qtbot: QtBot, window: MainWindow,
                                                       db: Database) -> None:
    member = register(db, phone="13912340077", name="钱七", marketing_consent=True)
    login(qtbot, window)
    pick(qtbot, window, member.phone)
    seen: dict[str, object] = {}

    def drive(dialog: dialogs.ConsentDialog) -> None:
        rows = dialog.rows
        qtbot.waitUntil(lambda: "Membership terms: given" in rows["terms"].text(), timeout=5000)
        seen["rows"] = [rows[p].text() for p in consent_rules.PURPOSES]
        qtbot.keyClick(dialog, Qt.Key.Key_4)  # personalised offers: its notice, and Enter withdraws
        seen["notice"] = dialog.notice.text()
        seen["action"] = dialog.action.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "withdrawn on" in rows["personalised"].text(), timeout=5000)
        qtbot.keyClick(dialog, Qt.Key.Key_2)  # offers by SMS: given at registration, withdrawn now
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "withdrawn on" in rows["marketing_sms"].text(), timeout=5000)
        qtbot.keyClick(dialog, Qt.Key.Key_5)  # sensitive data: never given, so Enter gives it
        seen["give"] = dialog.action.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "given on" in rows["sensitive"].text(), timeout=5000)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    when_dialog(qtbot, dialogs.ConsentDialog, drive)
    qtbot.keyClick(window.counter, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "give" in seen, timeout=15_000)
    qtbot.waitUntil(lambda: window.state.member is not None
                    and not window.state.member.marketing_consent, timeout=5000)

    assert seen["rows"] == [
        "1  Membership terms: given on 2026-03-10 · notice builtin-1",
        "2  Offers by SMS: given on 2026-03-10 · notice builtin-1",
        "3  Offers by WeChat: not given",
        "4  Personalised offers: in force until refused",
        "5  Sensitive data (e.g. bank account): not given"]
    assert seen["notice"] == f"Notice builtin-1: {consent_rules.BUILTIN_TEXTS['personalised']}"
    assert (seen["action"], seen["give"]) == ("Enter  Withdraw", "Enter  Give")
    now = consents.current(db, member.member_id)
    assert {p: c.in_force for p, c in now.items()} == {
        "terms": True, "marketing_sms": False, "marketing_wechat": False,
        "personalised": False, "sensitive": True}
    assert [(e.purpose, e.given, e.by) for e in consents.history(db, member.member_id)][2:] == [
        ("personalised", False, "C01"), ("marketing_sms", False, "C01"),
        ("sensitive", True, "C01")]


def test_the_consent_key_without_a_member_says_to_find_one(qtbot: QtBot,
                                                           window: MainWindow) -> None:
    login(qtbot, window)
    qtbot.keyClick(window.counter, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "find the member first" in window.message.text(), timeout=2000)


def test_the_consent_dialog_fits_a_small_till_screen(qtbot: QtBot, window: MainWindow,
                                                     db: Database) -> None:
    member = register(db, phone="13912340078", name="欧阳晓梅")
    login(qtbot, window)
    pick(qtbot, window, member.phone)
    size = QSize(1024, 768)
    window.resize(size)
    assert dialog_fits(
        qtbot, window, dialogs.ConsentDialog,
        lambda: qtbot.keyClick(window.counter, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier),
        size, lambda d: isinstance(d, dialogs.ConsentDialog) and bool(d.states)) == []
