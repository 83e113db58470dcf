"""What a cashier with a queue hit at the counter, each driven by the keyboard on the real
widgets: the PIN pad, top-up presets, focus after dialogs, the refund, state left from the last
customer, lists and keys, settings, the demo store's wait and the scan router."""

from __future__ import annotations

import contextlib
import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.errors import AuthError
from storeapp.models import Approval, Member
from storeapp.services import members, sales, wallet
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import register
from tests.ui.conftest import idle, keys, login, pick, when_dialog
from ui import dialogs
from ui.dialogs.card import NewPinDialog
from ui.main_window import MainWindow

PIN = "123456"


def member_with_pin(db: Database, phone: str = "13912345678") -> members.MemberView:
    member = register(db, phone=phone, name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")
    return members.set_pin(db, member.member_id, PIN, actor="C01")


# -- 1. the PIN pad ----------------------------------------------------------------------------

def test_the_pin_pad_keeps_the_keys_through_a_wrong_try_and_empty_enters_are_no_tries(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = member_with_pin(db)
    login(qtbot, window)
    pick(qtbot, window, "13912345678")
    keys(qtbot, window.counter.cart.entry, "20", enter=True)
    qtbot.waitUntil(lambda: window.state.quote is not None, timeout=5000)
    seen: dict[str, object] = {}

    def pay(dialog: dialogs.CheckoutDialog) -> None:
        qtbot.waitUntil(dialog.pin.hasFocus, timeout=2000)
        for _ in range(6):  # more bare Enters than a PIN has tries
            qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
        seen["empty"] = dialog.error.text()
        keys(qtbot, dialog.pin, "000000", enter=True)
        qtbot.waitUntil(lambda: "wrong" in dialog.error.text().lower(), timeout=5000)
        seen["wrong"] = dialog.error.text()
        seen["focus"] = QApplication.focusWidget() is dialog.pin
        keys(qtbot, dialog.pin, PIN, enter=True)  # straight on: the pad still has the keys

    when_dialog(qtbot, dialogs.CheckoutDialog, pay)
    qtbot.keyClick(window.counter, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: "Sale" in window.message.text(), timeout=10_000)
    assert seen["empty"] == "Ask the member to type the payment PIN."
    assert "4 tries left" in str(seen["wrong"])  # one wrong try counted, the Enters were not
    assert seen["focus"] is True
    assert members.get(db, member.member_id).balance_fen == 53_000


def test_a_manager_unlocks_and_resets_a_pin_from_the_card_dialog(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = member_with_pin(db)
    for _ in range(5):  # the member forgot it: locked
        with contextlib.suppress(AuthError):
            sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=100)],
                           tenders=[TenderIn("wallet")], actor="C01", pin="999999")
    assert members.get(db, member.member_id).pin_locked
    login(qtbot, window)
    pick(qtbot, window, "13912345678")
    qtbot.waitUntil(lambda: "locked" in window.counter.member.status.text(), timeout=5000)

    def manager(approval: dialogs.ApprovalDialog) -> None:
        keys(qtbot, approval.code, "M01")
        keys(qtbot, approval.pin, "246800", enter=True)

    def unlock(card: dialogs.CardDialog) -> None:
        when_dialog(qtbot, dialogs.ApprovalDialog, manager)
        qtbot.keyClick(card, Qt.Key.Key_9)

    when_dialog(qtbot, dialogs.CardDialog, unlock)
    qtbot.keyClick(window.counter, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: not members.get(db, member.member_id).pin_locked, timeout=5000)
    idle(qtbot, window)
    assert "can pay with the PIN again" in window.message.text()

    def new_pin(pad: NewPinDialog) -> None:
        keys(qtbot, pad.first, "246802", enter=True)
        keys(qtbot, pad.second, "246802", enter=True)
        when_dialog(qtbot, dialogs.ApprovalDialog, manager)  # replacing a PIN: a manager

    def reset(card: dialogs.CardDialog) -> None:
        when_dialog(qtbot, NewPinDialog, new_pin)
        qtbot.keyClick(card, Qt.Key.Key_8)

    when_dialog(qtbot, dialogs.CardDialog, reset)
    qtbot.keyClick(window.counter, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "PIN set" in window.message.text(), timeout=5000)
    sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=100)],
                   tenders=[TenderIn("wallet")], actor="C01", pin="246802")
    with db.reader() as s:
        kinds = sorted(a.kind for a in s.scalars(select(Approval)))
    assert kinds == ["pin_reset", "pin_unlock"]


# -- 2. top-up presets by key ------------------------------------------------------------------

def test_a_preset_is_chosen_by_its_key_and_enter_tops_it_up(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    login(qtbot, window)
    pick(qtbot, window, "13912345678")

    def preset(dialog: dialogs.TopupDialog) -> None:
        qtbot.waitUntil(dialog.amount.hasFocus, timeout=2000)  # typing goes to the amount
        qtbot.keyClick(dialog.amount, Qt.Key.Key_F3)  # the third preset, ¥500
        qtbot.waitUntil(lambda: dialog.amount.text() == "500", timeout=2000)
        assert dialog.bonus.text() == "¥50.00"
        qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.TopupDialog, preset)
    qtbot.keyClick(window.counter, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: members.get(db, member.member_id).principal_fen == 50_000,
                    timeout=5000)


# -- 3. focus after a dialog -------------------------------------------------------------------

def test_keys_come_back_to_the_counter_after_each_dialog(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    wallet.topup(db, register(db, phone="13912345678", name="王芳").member_id, 1_000,
                 actor="C01")
    login(qtbot, window)
    pick(qtbot, window, "13912345678")
    for key, kind in ((Qt.Key.Key_F3, dialogs.TopupDialog), (Qt.Key.Key_F6, dialogs.CardDialog),
                      (Qt.Key.Key_F7, dialogs.HistoryDialog),
                      (Qt.Key.Key_F5, dialogs.RefundDialog)):
        window.counter.search.field.setFocus()  # wherever the cashier was
        when_dialog(qtbot, kind, lambda dialog: qtbot.keyClick(dialog, Qt.Key.Key_Escape))
        qtbot.keyClick(window.counter, key)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is window.counter.cart.entry,
                        timeout=2000)  # a member at the counter: the next key is the cart's
        assert QApplication.activeWindow() is window


# -- 5. the refund dialog ----------------------------------------------------------------------

def test_the_refund_shows_local_time_and_the_cash_to_hand_back(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 5_000, actor="C01")
    sale = sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=8_800)],
                          tenders=[TenderIn("wallet", 3_000), TenderIn("cash", 6_000)],
                          actor="C01")
    local = sales.get_sale(db, sale["receipt_no"])["at"]
    login(qtbot, window)
    shown: dict[str, str] = {}

    def look(dialog: dialogs.RefundDialog) -> None:
        qtbot.waitUntil(lambda: dialog.sale is not None, timeout=5000)
        shown["summary"], shown["back"] = dialog.summary.text(), dialog.back.text()
        shown["fits"] = str(dialog.summary.height() >= dialog.summary.sizeHint().height())
        dialog.reject()

    when_dialog(qtbot, dialogs.RefundDialog, look)
    window.counter.route_scan(sale["receipt_no"].lower())  # the router upper-cases it
    qtbot.waitUntil(lambda: "back" in shown, timeout=5000)
    assert f"{to_local(dt.datetime.fromisoformat(local)):%Y-%m-%d %H:%M}" in shown["summary"]
    assert "Hand back cash: ¥58.00" in shown["back"]  # ¥60 given, ¥2 change: ¥58 was kept
    assert "Back to the balance: ¥30.00" in shown["back"]
    assert shown["fits"] == "True"


# -- 7. nothing left from the last customer ----------------------------------------------------

def test_the_next_customer_starts_clean(qtbot: QtBot, window: MainWindow, db: Database) -> None:
    first = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, first.member_id, 10_000, actor="C01")
    login(qtbot, window)
    counter = window.counter
    pick(qtbot, window, "13912345678")
    keys(qtbot, counter.cart.points, "1000")  # typed, never applied
    qtbot.keyClick(counter, Qt.Key.Key_F8)  # clear: the next customer
    qtbot.waitUntil(lambda: window.state.member is None, timeout=2000)
    assert counter.cart.points.text() == ""
    # an unknown phone, registered: "no member found" goes with it
    when_dialog(qtbot, dialogs.RegisterDialog,
                lambda d: (keys(qtbot, d.name, "Zoe"),
                           qtbot.keyClick(d.name, Qt.Key.Key_Return)))
    keys(qtbot, counter.search.field, "13700001111", enter=True)
    qtbot.waitUntil(lambda: window.state.member is not None, timeout=5000)
    assert counter.search.hint.text() == ""
    # a lost card: the panel says so; its replacement: the message names the new card
    members.report_lost(db, "13700001111", actor="C01")
    pick(qtbot, window, "13912345678")
    pick(qtbot, window, "13700001111")
    qtbot.waitUntil(lambda: "reported lost" in counter.member.status.text(), timeout=5000)
    old_card = members.get(db, "13700001111").card_no

    def replace(card: dialogs.CardDialog) -> None:
        when_dialog(qtbot, dialogs.ApprovalDialog,
                    lambda a: (keys(qtbot, a.code, "M01"),
                               keys(qtbot, a.pin, "246800", enter=True)))
        qtbot.keyClick(card, Qt.Key.Key_2)

    when_dialog(qtbot, dialogs.CardDialog, replace)
    qtbot.keyClick(counter, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: "New card" in window.message.text(), timeout=5000)
    new_card = members.get(db, "13700001111").card_no
    assert new_card != old_card and new_card in window.message.text()
    # F9, and another cashier logs in: the last customer is not on their screen
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(counter, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.login, timeout=2000)
    qtbot.keyClick(window.login.code, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    login(qtbot, window, code="M01", pin="246800")  # over the last user's code
    assert window.state.member is None and counter.search.field.text() == ""


# -- 8. lists and keys -------------------------------------------------------------------------

def test_two_matches_are_chosen_from_never_taken_unseen(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    register(db, phone="13912345678", name="王芳")
    register(db, phone="13800005678", name="李娜")
    login(qtbot, window)
    search = window.counter.search
    keys(qtbot, search.field, "5678")
    qtbot.waitUntil(lambda: search.results.count() == 2, timeout=5000)  # as you type
    qtbot.keyClick(search.field, Qt.Key.Key_Return)
    idle(qtbot, window)
    assert window.state.member is None  # Enter did not take the first one
    assert search.results.hasFocus()
    search.field.setFocus()
    qtbot.keyClick(search.field, Qt.Key.Key_Down)  # Down goes to the list
    assert search.results.hasFocus()
    qtbot.keyClick(search.results, Qt.Key.Key_Down)
    qtbot.keyClick(search.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.state.member is not None, timeout=5000)
    assert window.state.member is not None
    assert window.state.member.name == search.results.item(1).text().split()[0]


def test_history_shows_a_top_up_by_a_number_a_person_can_read(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    done = wallet.topup(db, member.member_id, 10_000, actor="C01")
    login(qtbot, window)
    pick(qtbot, window, "13912345678")
    refs: list[str] = []

    def read(dialog: dialogs.HistoryDialog) -> None:
        qtbot.waitUntil(lambda: dialog.wallet_table.rowCount() == 1, timeout=5000)
        refs.append(dialog.wallet_table.item(0, 5).text())
        dialog.reject()

    when_dialog(qtbot, dialogs.HistoryDialog, read)
    qtbot.keyClick(window.counter, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: bool(refs), timeout=5000)
    tail = done["topup_key"].replace("-", "")[-8:].upper()
    assert refs == [f"{tail[:4]}-{tail[4:]}"]


# -- 9. the language switches at once ----------------------------------------------------------

def test_the_language_switches_live(qtbot: QtBot, window: MainWindow, db: Database) -> None:
    register(db, phone="13912345678", name="王芳")
    login(qtbot, window, code="M01", pin="246800")
    pick(qtbot, window, "13912345678")
    keys(qtbot, window.counter.cart.entry, "12", enter=True)
    qtbot.waitUntil(lambda: window.state.quote is not None, timeout=5000)

    def chinese(dialog: dialogs.SettingsDialog) -> None:
        dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
        dialog.save_button.click()

    when_dialog(qtbot, dialogs.SettingsDialog, chinese)
    qtbot.keyClick(window.counter, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: "结账" in window.counter.buttons["checkout"].text(), timeout=5000)
    assert window.state.member is not None and len(window.state.lines) == 1  # same sale
    qtbot.waitUntil(lambda: window.counter.cart.table.rowCount() == 1, timeout=5000)
    assert window.message.text() == "设置已保存。"


# -- 10. the demo store is made in words, not greyed-out buttons -------------------------------

def test_making_the_demo_store_says_what_it_does(qtbot: QtBot, qapp: QApplication,
                                                 db: Database) -> None:
    from ui import i18n
    from ui.setup import DEMO_MEMBERS, SetupDialog
    from ui.state import AppState
    from ui.worker import Worker

    i18n.install(qapp, "en")
    worker = Worker()
    try:
        setup = SetupDialog(AppState(db, worker))
        qtbot.addWidget(setup)
        setup.show()
        qtbot.waitUntil(setup.demo.hasFocus, timeout=2000)
        qtbot.keyClick(setup.demo, Qt.Key.Key_Return)  # the default: Enter starts the demo
        assert setup.working.isVisible()
        assert f"{DEMO_MEMBERS} members" in setup.working.format()
        qtbot.waitUntil(lambda: setup.result() == QDialog.DialogCode.Accepted, timeout=60_000)
    finally:
        worker.stop()
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == DEMO_MEMBERS


# -- 11. one scan router -----------------------------------------------------------------------

def test_a_misread_barcode_is_refused_not_sold(qtbot: QtBot, window: MainWindow,
                                               db: Database) -> None:
    login(qtbot, window)
    window.counter.route_scan("6901234567890")  # an EAN-13 whose check digit is wrong
    idle(qtbot, window)
    assert window.state.lines == []
    assert window.message.text() == "Unrecognised scan: 6901234567890"
