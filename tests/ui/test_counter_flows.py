"""The counter driven by the keyboard through the real widgets, worker and database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from storeapp.db import Database
from storeapp.models import Sale, Tender
from storeapp.services import members, sales, shifts, wallet
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import CASHIER, register
from tests.ui.conftest import _window, idle, keys, login, pick, type_text, when_dialog
from ui import dialogs
from ui.main_window import MainWindow


def test_find_by_last_four_pick_and_top_up_500(qtbot: QtBot, window: MainWindow,
                                               db: Database) -> None:
    register(db, phone="13912345678", name="王芳")
    register(db, phone="13800005678", name="李娜")
    login(qtbot, window)
    counter = window.counter
    keys(qtbot, counter.search.field, "5678", enter=True)
    qtbot.waitUntil(lambda: counter.search.results.count() == 2, timeout=5000)
    assert counter.search.results.hasFocus()  # a short pick list, keyboard ready
    names = [counter.search.results.item(i).text() for i in range(2)]
    assert all("****5678" in n for n in names)  # a cashier sees masked phones
    wang_row = next(i for i, n in enumerate(names) if "王芳" in n)
    counter.search.results.setCurrentRow(wang_row)
    qtbot.keyClick(counter.search.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.state.member is not None, timeout=5000)
    assert window.state.member is not None and window.state.member.name == "王芳"

    def top_up(dialog: dialogs.TopupDialog) -> None:
        keys(qtbot, dialog.amount, "500")
        assert dialog.bonus.text() == "¥50.00"  # the bonus is shown before paying
        qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.TopupDialog, top_up)
    qtbot.keyClick(counter, Qt.Key.Key_F3)
    panel = counter.member
    qtbot.waitUntil(lambda: panel.balance.text() == "¥550.00", timeout=5000)
    assert "¥500.00" in panel.split.text() and "¥50.00" in panel.split.text()
    assert members.get(db, "13912345678").principal_fen == 50_000


def test_checkout_with_stored_value_and_cash_gives_change(qtbot: QtBot, window: MainWindow,
                                                          db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")  # 550 with bonus
    login(qtbot, window)
    counter = window.counter
    pick(qtbot, window, "13912345678")
    keys(qtbot, counter.cart.entry, "600", enter=True)
    qtbot.waitUntil(lambda: counter.cart.totals["total"].text() == "¥600.00", timeout=5000)

    def pay(dialog: dialogs.CheckoutDialog) -> None:
        assert dialog.wallet.text() == "550.00"  # stored value first, as much as there is
        keys(qtbot, dialog.cash, "100")
        assert "¥50.00" in dialog.change.text()
        qtbot.keyClick(dialog.cash, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.CheckoutDialog, pay)
    qtbot.keyClick(counter, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: window.state.member is None and not window.state.lines, timeout=5000)
    qtbot.waitUntil(counter.search.field.hasFocus, timeout=2000)  # ready for the next customer
    with db.reader() as s:
        sale = s.scalars(select(Sale)).one()
        tenders = {t.method: t for t in s.scalars(select(Tender))}
    assert sale.total_fen == 60_000
    assert tenders["wallet"].amount_fen == 55_000
    assert (tenders["cash"].amount_fen, tenders["cash"].tendered_fen,
            tenders["cash"].change_fen) == (5_000, 10_000, 5_000)
    assert members.get(db, member.member_id).balance_fen == 0


def test_wrong_pin_is_refused_and_nothing_is_spent(qtbot: QtBot, window: MainWindow,
                                                   db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")
    members.set_pin(db, member.member_id, "123456", actor="C01")
    login(qtbot, window)
    counter = window.counter
    pick(qtbot, window, "13912345678")
    keys(qtbot, counter.cart.entry, "20", enter=True)
    qtbot.waitUntil(lambda: window.state.quote is not None, timeout=5000)
    seen: dict[str, str] = {}

    def wrong_pin(dialog: dialogs.CheckoutDialog) -> None:
        # the PIN pad comes first when the member set one
        qtbot.waitUntil(dialog.pin.hasFocus, timeout=2000)
        keys(qtbot, dialog.pin, "000000", enter=True)
        qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=5000)
        seen["error"] = dialog.error.text()
        seen["pin"] = dialog.pin.text()
        dialog.reject()

    when_dialog(qtbot, dialogs.CheckoutDialog, wrong_pin)
    qtbot.keyClick(counter, Qt.Key.Key_F4)  # the button's shortcut clicks it a moment later
    qtbot.waitUntil(lambda: "pin" in seen, timeout=5000)
    assert "wrong payment pin" in seen["error"].lower()
    assert seen["pin"] == ""  # cleared for the next try
    assert members.get(db, member.member_id).balance_fen == 55_000
    assert len(window.state.lines) == 1  # the sale is still on the counter


def test_refund_needs_a_manager(qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")
    sale = sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=8_800)],
                          tenders=[TenderIn("wallet")], actor="C01")
    login(qtbot, window)
    counter = window.counter
    steps: list[str] = []

    def refund(dialog: dialogs.RefundDialog) -> None:
        qtbot.waitUntil(lambda: dialog.sale is not None, timeout=5000)

        def no_manager(approval: dialogs.ApprovalDialog) -> None:
            steps.append("asked")
            approval.reject()

        when_dialog(qtbot, dialogs.ApprovalDialog, no_manager)
        dialog.buttons.accepted.emit()
        steps.append(dialog.error.text())

        def manager(approval: dialogs.ApprovalDialog) -> None:
            keys(qtbot, approval.code, "M01")
            keys(qtbot, approval.pin, "246800", enter=True)

        when_dialog(qtbot, dialogs.ApprovalDialog, manager)
        dialog.buttons.accepted.emit()

    when_dialog(qtbot, dialogs.RefundDialog, refund)
    counter.route_scan(sale["receipt_no"])  # the receipt's barcode, scanned
    idle(qtbot, window)
    qtbot.waitUntil(lambda: len(steps) == 2, timeout=5000)
    assert steps[0] == "asked" and "manager" in steps[1]
    assert sales.get_sale(db, sale["receipt_no"])["status"] == "refunded"
    assert members.get(db, member.member_id).balance_fen == 55_000


def test_register_from_an_unknown_phone(qtbot: QtBot, window: MainWindow,
                                        db: Database) -> None:
    login(qtbot, window)
    counter = window.counter

    def fill(dialog: dialogs.RegisterDialog) -> None:
        assert dialog.phone.text() == "13700001111"  # pre-filled from the search
        type_text(dialog.name, "赵敏")  # typed through the input method
        qtbot.keyClick(dialog.name, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.RegisterDialog, fill)
    keys(qtbot, counter.search.field, "13700001111", enter=True)
    qtbot.waitUntil(lambda: window.state.member is not None, timeout=5000)
    assert window.state.member is not None and window.state.member.name == "赵敏"
    assert members.get(db, "13700001111").name == "赵敏"


@pytest.fixture
def roomy_window(qtbot: QtBot, qapp: QApplication, db: Database, manager: object,
                 cashier: object) -> Iterator[MainWindow]:
    """The counter with a scanner allowed 90 ms pauses inside a burst (the setting a slow
    Bluetooth scanner needs): qtbot's 5 ms "scanner" keys run on a shared CI machine, where one
    stall of over the default 35 ms split the burst into typing; a person at 120 ms per key is
    still typing."""
    shifts.open_shift(db, 0, actor=CASHIER)
    with db.session() as s, s.begin():
        db.set_setting(s, "scanner_max_gap_ms", 90)
    yield from _window(qtbot, qapp, db)


def test_a_scan_while_typing_elsewhere_resolves_the_member_and_leaves_the_field_alone(
        qtbot: QtBot, roomy_window: MainWindow, db: Database) -> None:
    window = roomy_window
    member = register(db, phone="13912345678", name="王芳")
    login(qtbot, window)
    counter = window.counter
    field = counter.cart.entry
    field.setFocus()
    qtbot.keyClicks(field, "12", delay=120)  # a person typing an amount, slowly
    qtbot.wait(80)
    for char in member.qr:  # the scanner: a burst of keys 5 ms apart, then Enter
        qtbot.keyClick(field, char, delay=5)
    qtbot.keyClick(field, Qt.Key.Key_Return, delay=5)
    qtbot.waitUntil(lambda: window.state.member is not None, timeout=5000)
    assert window.state.member is not None and window.state.member.name == "王芳"
    assert field.text() == "12"  # what the cashier typed, and nothing of the scan
    assert counter.search.field.text() == ""  # the QR is not left lying in the search field


def test_todays_top_up_is_voided_with_a_manager(qtbot: QtBot, window: MainWindow,
                                                db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")
    login(qtbot, window)
    pick(qtbot, window, "13912345678")

    def card(dialog: dialogs.CardDialog) -> None:
        def manager(approval: dialogs.ApprovalDialog) -> None:
            assert "¥500.00" in approval.what.text() and "¥50.00" in approval.what.text()
            keys(qtbot, approval.code, "M01")
            keys(qtbot, approval.pin, "246800", enter=True)

        when_dialog(qtbot, dialogs.ApprovalDialog, manager)
        qtbot.keyClick(dialog, Qt.Key.Key_6)

    when_dialog(qtbot, dialogs.CardDialog, card)
    qtbot.keyClick(window.counter, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: members.get(db, member.member_id).balance_fen == 0, timeout=5000)
    qtbot.waitUntil(lambda: window.counter.member.balance.text() == "¥0.00", timeout=5000)


def test_points_redeemed_at_the_counter_and_the_customer_display_follows(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    from devices.display import FakeDisplay
    from devices.print_queue import PrintQueue
    from devices.printers import NullPort

    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")
    sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=30_000)],
                   tenders=[TenderIn("wallet")], actor="C01")  # earns 300 points
    display = FakeDisplay()
    queue = PrintQueue(db, NullPort, lambda _kind, _payload: b"")
    window.attach_devices((queue, display))
    try:
        login(qtbot, window)
        counter = window.counter
        pick(qtbot, window, "13912345678")
        keys(qtbot, counter.cart.entry, "50", enter=True)
        qtbot.waitUntil(lambda: counter.cart.totals["total"].text() == "¥50.00", timeout=5000)
        assert "RMB 50.00" in display.lines[1]  # the customer sees the total
        keys(qtbot, counter.cart.points, "200", enter=True)
        qtbot.waitUntil(lambda: counter.cart.totals["total"].text() == "¥48.00", timeout=5000)
        assert counter.cart.totals["points"].text() == "-¥2.00"  # 100 points = ¥1
        when_dialog(qtbot, dialogs.CheckoutDialog,
                    lambda d: (d.wallet.clear(), keys(qtbot, d.cash, "50"),
                               qtbot.keyClick(d.cash, Qt.Key.Key_Return)))
        qtbot.keyClick(counter, Qt.Key.Key_F4)
        qtbot.waitUntil(lambda: window.state.member is None, timeout=5000)
        assert members.get(db, member.member_id).points == 300 - 200 + 48  # paid cash
        assert display.lines[0].startswith("Paid") and "RMB 2.00" in display.lines[1]
    finally:
        window.detach_devices()


def test_a_manager_adjusts_balance_and_points_as_new_entries(qtbot: QtBot, window: MainWindow,
                                                             db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")
    login(qtbot, window)
    pick(qtbot, window, "13912345678")

    def adjust(dialog: dialogs.AdjustDialog) -> None:
        keys(qtbot, dialog.principal, "-12.50")
        keys(qtbot, dialog.points, "30")

        def manager(approval: dialogs.ApprovalDialog) -> None:
            keys(qtbot, approval.code, "M01")
            keys(qtbot, approval.pin, "246800")
            keys(qtbot, approval.reason, "counted wrong", enter=True)

        when_dialog(qtbot, dialogs.ApprovalDialog, manager)
        qtbot.keyClick(dialog.points, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.AdjustDialog, adjust)
    when_dialog(qtbot, dialogs.CardDialog, lambda d: qtbot.keyClick(d, Qt.Key.Key_7))
    qtbot.keyClick(window.counter, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: members.get(db, member.member_id).points == 30, timeout=5000)
    after = members.get(db, member.member_id)
    assert (after.principal_fen, after.bonus_fen) == (48_750, 5_000)
    assert wallet.history(db, member.member_id)[0].kind == "adjustment"


def test_a_price_override_goes_through_a_manager(qtbot: QtBot, window: MainWindow,
                                                 db: Database) -> None:
    from PySide6.QtWidgets import QInputDialog

    from storeapp.services import catalog

    catalog.upsert(db, barcode="6901234567892", name="矿泉水", price_fen=350, actor="M01")
    login(qtbot, window)
    counter = window.counter
    keys(qtbot, counter.cart.entry, "6901234567892")
    qtbot.keyClick(counter.cart.entry, Qt.Key.Key_Return, delay=60)
    qtbot.waitUntil(lambda: counter.cart.totals["total"].text() == "¥3.50", timeout=5000)

    def new_price(dialog: QInputDialog) -> None:
        def manager(approval: dialogs.ApprovalDialog) -> None:
            keys(qtbot, approval.code, "M01")
            keys(qtbot, approval.pin, "246800", enter=True)

        when_dialog(qtbot, dialogs.ApprovalDialog, manager)
        dialog.setTextValue("3")
        dialog.accept()

    when_dialog(qtbot, QInputDialog, new_price)
    qtbot.keyClick(counter.cart.entry, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: counter.cart.totals["total"].text() == "¥3.00", timeout=5000)
    def pay(d: dialogs.CheckoutDialog) -> None:
        keys(qtbot, d.cash, "5", enter=True)

    when_dialog(qtbot, dialogs.CheckoutDialog, pay)
    qtbot.keyClick(counter, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: not window.state.lines, timeout=5000)
    with db.reader() as s:
        assert s.scalars(select(Sale.total_fen)).one() == 300
