"""Count cards (次卡) at the counter, driven by the keyboard through the real widgets, worker and
database: selling a card (paid from stored value with the PIN), using one by scanning its QR,
and refunding a card's unused uses with a manager's approval."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from storeapp.db import Database
from storeapp.services import countcards, members, wallet
from storeapp.services.countcards import CardSold
from storeapp.services.members import MemberView
from tests.helpers import CASHIER, register
from tests.ui.conftest import idle, keys, login, pick, when_dialog
from ui import dialogs
from ui.main_window import MainWindow

PHONE = "13912345678"
PIN = "123456"


def card_shop(db: Database) -> MemberView:
    """Two count cards on sale, and a member with ¥550 of stored value (¥500 + ¥50 bonus)."""
    countcards.save_product(db, code="CUT5", name="洗剪吹5次卡", covers="洗剪吹", uses=5,
                            price_fen=20_000, valid_months=6, actor=CASHIER)
    countcards.save_product(db, code="WASH10", name="洗车10次卡", covers="洗车", uses=10,
                            price_fen=30_000, valid_months=12, actor=CASHIER)
    member = register(db, phone=PHONE, name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor=CASHIER)
    return member


def sell(db: Database, member: MemberView, product: str) -> CardSold:
    return countcards.sell(db, member.member_id, product, method="cash", actor=CASHIER)


def scan(qtbot: QtBot, code: str) -> None:
    """A keyboard-wedge scanner: a burst of keys 5 ms apart, then Enter, into whatever has
    focus."""
    target = QApplication.focusWidget()
    assert target is not None
    for char in code:
        qtbot.keyClick(target, char, delay=5)
    qtbot.keyClick(target, Qt.Key.Key_Return, delay=5)


def active(qtbot: QtBot, dialog: QDialog) -> None:
    """Wait until ``dialog`` is the active window: its F-keys work from then (as for a person,
    who presses them once it shows)."""
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)


def uses_left(db: Database, card_no: str) -> int:
    return countcards.show(db, card_no).uses_left


def test_sell_a_card_from_stored_value_with_the_pin_then_use_it_at_once(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = card_shop(db)
    members.set_pin(db, member.member_id, PIN, actor=CASHIER)
    login(qtbot, window)
    pick(qtbot, window, PHONE)
    panel = window.counter.member
    qtbot.waitUntil(lambda: "none" in panel.count_cards.text(), timeout=5000)
    assert "Ctrl+K" in panel.count_cards.text()  # the key is where the cards are
    seen: dict[str, object] = {}

    def sell_card(dialog: dialogs.SellCardDialog) -> None:
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
        active(qtbot, dialog)
        assert dialog.table.item(0, 0).text() == "洗剪吹5次卡"
        assert dialog.table.item(1, 1).text() == "10 uses"
        assert dialog.table.item(1, 3).text() == "12 months"
        qtbot.keyClick(dialog.table, Qt.Key.Key_Down)  # the car wash
        assert dialog.to_pay.text() == "¥300.00 by Cash"
        qtbot.keyClick(dialog, Qt.Key.Key_F5)  # paid from stored value: the PIN pad
        qtbot.waitUntil(lambda: dialog.pin.isVisible() and dialog.pin.hasFocus(), timeout=2000)
        assert dialog.to_pay.text() == "¥300.00 by Stored value"
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)  # nothing typed is no try
        seen["no pin"] = dialog.error.text()
        keys(qtbot, dialog.pin, PIN, enter=True)

    def cards(dialog: dialogs.CountCardDialog) -> None:
        qtbot.waitUntil(lambda: dialog.member is not None and not dialog.state.worker.busy,
                        timeout=5000)
        seen["empty"] = dialog.empty.isVisible()
        active(qtbot, dialog)
        when_dialog(qtbot, dialogs.SellCardDialog, sell_card)
        qtbot.keyClick(dialog.uses, Qt.Key.Key_F2)
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)  # the new card
        qtbot.waitUntil(dialog.uses.hasFocus, timeout=2000)
        assert dialog.uses.text() == "1"
        seen["after"] = dialog.after.text()
        qtbot.keyClick(dialog.uses, Qt.Key.Key_Return)  # one wash now

    when_dialog(qtbot, dialogs.CountCardDialog, cards)
    qtbot.keyClick(window.counter, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "9 left" in window.message.text(), timeout=10_000)
    assert seen == {"empty": True, "no pin": "Ask the member to type the payment PIN.",
                    "after": "9 left after this"}
    [card] = countcards.cards(db, member.member_id)
    assert (card.product_code, card.uses_left, card.paid_fen) == ("WASH10", 9, 30_000)
    assert members.get(db, member.member_id).balance_fen == 25_000
    assert window.message.text() == "洗车10次卡: used 1, 9 left"
    qtbot.waitUntil(lambda: panel.count_cards.text() == "洗车10次卡: 9 left  (Ctrl+K)",
                    timeout=5000)
    qtbot.waitUntil(window.counter.cart.entry.hasFocus, timeout=2000)  # keys back at the counter


def test_scanning_a_card_opens_its_members_cards_and_enter_uses_one(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = card_shop(db)
    cut = sell(db, member, "CUT5")
    wash = sell(db, member, "WASH10")
    login(qtbot, window)  # no member at the counter: the card brings its member
    qtbot.waitUntil(window.counter.search.field.hasFocus, timeout=2000)
    seen: dict[str, object] = {}

    def use(dialog: dialogs.CountCardDialog) -> None:
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
        selected = dialog.selected()
        seen["selected"] = selected.card_no if selected else None
        seen["who"] = dialog.who.text()
        qtbot.keyClick(dialog.uses, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.CountCardDialog, use)
    scan(qtbot, wash.card.qr)
    qtbot.waitUntil(lambda: uses_left(db, wash.card.card_no) == 9, timeout=10_000)
    assert seen == {"selected": wash.card.card_no, "who": "王芳  ·  139****5678"}
    assert uses_left(db, cut.card.card_no) == 5  # the card scanned, not the one expiring first
    assert window.state.member is not None and window.state.member.member_id == member.member_id
    qtbot.waitUntil(lambda: "洗车10次卡: 9 left" in window.counter.member.count_cards.text(),
                    timeout=5000)
    assert "洗剪吹5次卡: 5 left" in window.counter.member.count_cards.text()


def test_a_card_scanned_into_the_open_dialog_is_chosen_and_never_read_as_uses(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = card_shop(db)
    cut = sell(db, member, "CUT5")
    wash = sell(db, member, "WASH10")
    login(qtbot, window)
    pick(qtbot, window, PHONE)
    seen: dict[str, object] = {}

    def use(dialog: dialogs.CountCardDialog) -> None:
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=5000)
        active(qtbot, dialog)
        first = dialog.selected()
        seen["first"] = first.card_no if first else None
        scan(qtbot, wash.card.qr)  # typed into the uses field: read as a card
        qtbot.waitUntil(lambda: (card := dialog.selected()) is not None
                        and card.card_no == wash.card.card_no, timeout=5000)
        assert dialog.uses.text() == "1"
        keys(qtbot, dialog.uses, "\b3", enter=True)  # three washes

    when_dialog(qtbot, dialogs.CountCardDialog, use)
    qtbot.keyClick(window.counter, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: uses_left(db, wash.card.card_no) == 7, timeout=10_000)
    assert seen["first"] == cut.card.card_no  # soonest to expire comes first
    assert uses_left(db, cut.card.card_no) == 5


def test_a_used_up_card_scanned_says_so_and_uses_nothing(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = card_shop(db)
    cut = sell(db, member, "CUT5")
    countcards.use(db, cut.card.card_no, uses=5, actor=CASHIER)
    login(qtbot, window)
    seen: dict[str, object] = {}

    def look(dialog: dialogs.CountCardDialog) -> None:
        qtbot.waitUntil(lambda: dialog.member is not None, timeout=5000)
        seen["error"] = dialog.error.text()
        seen["empty"] = dialog.empty.isVisible()
        qtbot.keyClick(dialog.uses, Qt.Key.Key_Return)
        seen["enter"] = dialog.error.text()
        qtbot.keyClick(dialog.uses, Qt.Key.Key_Escape)

    when_dialog(qtbot, dialogs.CountCardDialog, look)
    window.counter.route_scan(cut.card.card_no)  # the number typed by hand works as a scan
    qtbot.waitUntil(lambda: "enter" in seen, timeout=10_000)
    assert seen == {"error": f"Card {cut.card.card_no} cannot be used: used up", "empty": True,
                    "enter": "No count card to use: F2 sells one."}
    assert uses_left(db, cut.card.card_no) == 0


def test_refund_a_cards_unused_uses_with_a_manager(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = card_shop(db)
    wash = sell(db, member, "WASH10")
    countcards.use(db, wash.card.card_no, uses=2, actor=CASHIER)
    login(qtbot, window)
    pick(qtbot, window, PHONE)
    steps: list[str] = []

    def refund(dialog: dialogs.CountCardDialog) -> None:
        qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=5000)
        active(qtbot, dialog)

        def no_manager(approval: dialogs.ApprovalDialog) -> None:
            steps.append(approval.what.text())
            approval.reject()

        when_dialog(qtbot, dialogs.ApprovalDialog, no_manager)
        qtbot.keyClick(dialog.uses, Qt.Key.Key_F5)  # the button clicks a moment later
        qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=5000)
        steps.append(dialog.error.text())
        qtbot.waitUntil(dialog.uses.hasFocus, timeout=2000)  # keys back after the approval

        def manager(approval: dialogs.ApprovalDialog) -> None:
            keys(qtbot, approval.code, "M01")
            keys(qtbot, approval.pin, "246800", enter=True)

        when_dialog(qtbot, dialogs.ApprovalDialog, manager)
        active(qtbot, dialog)
        qtbot.keyClick(dialog.uses, Qt.Key.Key_F5)

    when_dialog(qtbot, dialogs.CountCardDialog, refund)
    qtbot.keyClick(window.counter, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "refunded" in window.message.text(), timeout=10_000)
    idle(qtbot, window)
    assert steps == [f"Refund 8 unused uses of 洗车10次卡 ({wash.card.card_no}), worth ¥240.00",
                     "A refund needs a manager's approval."]
    assert window.message.text() == \
        f"Count card {wash.card.card_no} refunded (8 uses): hand back ¥240.00 by Cash"
    assert countcards.show(db, wash.card.card_no).status == "refunded"
    qtbot.waitUntil(lambda: window.counter.member.count_cards.text() == "none  (Ctrl+K)",
                    timeout=5000)


def test_the_count_card_key_without_a_member_says_what_to_do(
        qtbot: QtBot, window: MainWindow) -> None:
    login(qtbot, window)
    qtbot.keyClick(window.counter.search.field, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.message.text() == \
        "Count cards: find the member first, or scan their count card."
    assert QApplication.activeModalWidget() is None


def test_the_member_panel_lists_two_kinds_of_card_at_most(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = card_shop(db)
    countcards.save_product(db, code="MILK30", name="鲜奶30次卡", covers="鲜奶", uses=30,
                            price_fen=15_000, valid_months=3, actor=CASHIER)
    for code in ("WASH10", "CUT5", "CUT5"):
        sell(db, member, code)
    login(qtbot, window)
    pick(qtbot, window, PHONE)
    panel = window.counter.member
    qtbot.waitUntil(lambda: "left" in panel.count_cards.text(), timeout=5000)
    assert panel.count_cards.text() == "洗剪吹5次卡: 10 left\n洗车10次卡: 10 left  (Ctrl+K)"
    sell(db, member, "MILK30")
    window.state.refresh_member()
    qtbot.waitUntil(lambda: "more" in panel.count_cards.text(), timeout=5000)
    assert panel.count_cards.text() == "鲜奶30次卡: 30 left\n2 more kinds  (Ctrl+K)"
