"""Gift cards and company accounts at the counter, driven by the keyboard through the real
widgets, worker and database: part of a sale paid by scanning a gift card, a card that cannot pay
what is asked refused with nothing changed, a sale on a company's account within its limit and
refused over it or while overdue; selling gift cards (the real name and the bank transfer asked
when the rules need them, the slip printed once) and a card's balance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.identity import sign_gift_qr
from storeapp.models import GiftCard, GiftSale, PrintJob, Sale, Tender
from storeapp.services import companies, giftcards, members, sales, wallet
from storeapp.services.giftcards import GiftCardView
from storeapp.services.sales import LineIn, TenderIn
from tests.devices.printer_sims import NetworkPrinter
from tests.helpers import CASHIER, register
from tests.ui.conftest import HUMAN_MS, keys, login, pick, type_text, when_dialog
from tests.ui.test_screen_sizes import dialog_fits
from ui import dialogs
from ui.devices_bridge import open_devices
from ui.main_window import MainWindow

COMPANY = "上海示例贸易有限公司"


def gift_card(db: Database, face_fen: int = 5_000) -> GiftCardView:
    return giftcards.sell(db, face_fen=face_fen, method="cash", actor=CASHIER).cards[0]


def company(db: Database, limit_fen: int, code: str = "ACME") -> None:
    companies.add(db, code=code, name=COMPANY, contact_name="张经理",
                  contact_phone="13800138000", credit_limit_fen=limit_fen, terms_days=30,
                  actor=CASHIER)


def sale_of(qtbot: QtBot, window: MainWindow, amount: str) -> None:
    """Logged in, an open amount in the cart, no member."""
    login(qtbot, window)
    keys(qtbot, window.counter.cart.entry, amount, enter=True)
    qtbot.waitUntil(lambda: window.state.quote is not None, timeout=5000)


def scan(qtbot: QtBot, code: str) -> None:
    """A keyboard-wedge scanner: a burst of keys 5 ms apart, then Enter, into whatever has
    focus."""
    target = QApplication.focusWidget()
    assert target is not None
    for char in code:
        qtbot.keyClick(target, char, delay=5)
    qtbot.keyClick(target, Qt.Key.Key_Return, delay=5)


def active(qtbot: QtBot, dialog: QDialog) -> None:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)


def tenders(db: Database) -> list[tuple[str, int, int, str | None]]:
    with db.reader() as s:
        return [(t.method, t.amount_fen, t.tendered_fen, t.ref)
                for t in s.scalars(select(Tender).order_by(Tender.id))]


def sales_made(db: Database) -> int:
    with db.reader() as s:
        return len(s.scalars(select(Sale)).all())


def balance(db: Database, card: GiftCardView) -> int:
    return giftcards.show(db, card.card_no).balance_fen


def refused(qtbot: QtBot, dialog: dialogs.CheckoutDialog, seen: dict[str, object]) -> None:
    """Enter pays; the refusal is read from the error line and the dialog closed."""
    qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.text() != "" and dialog.isEnabled(), timeout=5000)
    seen["error"] = dialog.error.text()
    dialog.reject()


# -- paying with a gift card ----------------------------------------------------------------

def test_a_gift_card_scanned_at_the_counter_pays_part_of_the_sale(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    card = gift_card(db, 5_000)
    sale_of(qtbot, window, "80")
    seen: dict[str, object] = {}

    def pay(dialog: dialogs.CheckoutDialog) -> None:
        active(qtbot, dialog)
        qtbot.waitUntil(lambda: dialog.gift_card is not None, timeout=5000)
        seen["amount"] = dialog.gift_amount.text()
        seen["info"] = dialog.gift_info.text()
        seen["change"] = dialog.change.text()
        qtbot.waitUntil(dialog.gift_amount.hasFocus, timeout=2000)  # to change what it pays
        keys(qtbot, dialog.cash, "50", enter=True)  # the rest in cash

    when_dialog(qtbot, dialogs.CheckoutDialog, pay)
    window.counter.route_scan(card.qr)  # with a sale on the counter: checkout with the card
    qtbot.waitUntil(lambda: not window.state.lines, timeout=10_000)
    assert seen == {"amount": "50.00", "change": "still ¥30.00",
                    "info": f"Balance ¥50.00 of ¥50.00, valid until {card.expires_at[:10]}"}
    assert balance(db, card) == 0
    assert tenders(db) == [("giftcard", 5_000, 5_000, card.card_no), ("cash", 3_000, 5_000, None)]
    assert window.message.text().endswith("Change ¥20.00")


def test_a_card_scanned_into_the_cash_field_goes_to_its_own_and_can_pay_it_all(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    card = gift_card(db, 50_000)
    sale_of(qtbot, window, "123.45")

    def pay(dialog: dialogs.CheckoutDialog) -> None:
        qtbot.waitUntil(dialog.cash.hasFocus, timeout=2000)
        active(qtbot, dialog)
        scan(qtbot, card.qr)  # the keys were in the cash field
        qtbot.waitUntil(lambda: dialog.gift_card is not None, timeout=5000)
        assert (dialog.cash.text(), dialog.gift.text()) == ("", card.qr)
        assert dialog.gift_amount.text() == "123.45"  # what is due, the card holds more
        qtbot.keyClick(dialog.gift_amount, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.CheckoutDialog, pay)
    qtbot.keyClick(window.counter, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: not window.state.lines, timeout=10_000)
    assert tenders(db) == [("giftcard", 12_345, 12_345, card.card_no)]
    assert balance(db, card) == 50_000 - 12_345


def test_a_card_asked_for_more_than_it_holds_is_refused_and_nothing_changes(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    card = gift_card(db, 5_000)
    sale_of(qtbot, window, "80")
    seen: dict[str, object] = {}

    def overdraw(dialog: dialogs.CheckoutDialog) -> None:
        active(qtbot, dialog)
        keys(qtbot, dialog.gift, card.card_no, enter=True)  # the number typed by hand
        qtbot.waitUntil(lambda: dialog.gift_card is not None, timeout=5000)
        dialog.gift_amount.clear()
        keys(qtbot, dialog.gift_amount, "80")
        refused(qtbot, dialog, seen)

    when_dialog(qtbot, dialogs.CheckoutDialog, overdraw)
    qtbot.keyClick(window.counter, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: "error" in seen, timeout=10_000)
    assert seen["error"] == f"Gift card {card.card_no} holds ¥50.00, less than ¥80.00."
    assert balance(db, card) == 5_000
    assert (sales_made(db), tenders(db)) == (0, [])
    assert len(window.state.lines) == 1  # the sale is still on the counter


def test_a_forged_card_is_refused_and_enter_does_not_pay_without_it(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    card = gift_card(db, 5_000)
    richer = sign_gift_qr(card.card_no, 100_000, card.expires_at[:7].replace("-", ""),
                          "not the chain's secret")
    sale_of(qtbot, window, "80")
    seen: list[str] = []

    def forged(dialog: dialogs.CheckoutDialog) -> None:
        active(qtbot, dialog)
        dialog.gift.setFocus()
        scan(qtbot, richer)
        qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=5000)
        seen.append(dialog.error.text())
        qtbot.keyClick(dialog.gift, Qt.Key.Key_Return)  # read again: refused again, no sale
        qtbot.waitUntil(lambda: dialog.error.text() != "" and not dialog.state.worker.busy,
                        timeout=5000)
        seen.append(dialog.error.text())
        dialog.reject()

    when_dialog(qtbot, dialogs.CheckoutDialog, forged)
    qtbot.keyClick(window.counter, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=10_000)
    assert seen == ["This gift card QR code failed its check (altered?)."] * 2
    assert (sales_made(db), balance(db, card)) == (0, 5_000)


def test_every_payment_field_is_reached_with_tab(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    sale_of(qtbot, window, "80")
    order: list[str] = []

    def tab(dialog: dialogs.CheckoutDialog) -> None:
        active(qtbot, dialog)
        dialog.gift.setFocus()
        for _ in range(7):
            focused = QApplication.focusWidget()
            assert isinstance(focused, QWidget)
            order.append(focused.objectName() or type(focused).__name__)
            qtbot.keyClick(focused, Qt.Key.Key_Tab)
        dialog.reject()

    when_dialog(qtbot, dialogs.CheckoutDialog, tab)
    qtbot.keyClick(window.counter, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: len(order) == 7, timeout=10_000)
    assert order == ["payGiftCard", "payGiftAmount", "payCompany", "payAccount", "QComboBox",
                     "payOther", "payCash"]


# -- on a company's account -----------------------------------------------------------------

def on_account(qtbot: QtBot, window: MainWindow, seen: dict[str, object],
               then: str = "pay") -> None:
    """Checkout, the company chosen with the arrow key, Enter."""

    def choose(dialog: dialogs.CheckoutDialog) -> None:
        qtbot.waitUntil(lambda: dialog.company.count() == 2, timeout=5000)
        active(qtbot, dialog)
        dialog.company.setFocus()
        qtbot.keyClick(dialog.company, Qt.Key.Key_Down)
        seen["company"] = dialog.company.currentText()
        seen["amount"] = dialog.account.text()
        if then == "pay":
            qtbot.keyClick(dialog.company, Qt.Key.Key_Return)
        else:
            refused(qtbot, dialog, seen)

    when_dialog(qtbot, dialogs.CheckoutDialog, choose)
    qtbot.keyClick(window.counter, Qt.Key.Key_F4)


def test_a_sale_on_a_companys_account_within_its_limit(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    company(db, 100_000)
    sale_of(qtbot, window, "300")
    seen: dict[str, object] = {}
    on_account(qtbot, window, seen)
    qtbot.waitUntil(lambda: not window.state.lines, timeout=10_000)
    assert seen == {"company": f"ACME · ¥1,000.00 available · {COMPANY}", "amount": "300.00"}
    assert tenders(db) == [("account", 30_000, 30_000, "ACME")]
    shown = companies.show(db, "ACME")
    assert (shown.balance_fen, shown.available_fen) == (30_000, 70_000)


def test_over_the_credit_limit_is_refused_and_nothing_changes(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    company(db, 10_000)
    sale_of(qtbot, window, "300")
    seen: dict[str, object] = {}
    on_account(qtbot, window, seen, then="refused")
    qtbot.waitUntil(lambda: "error" in seen, timeout=10_000)
    assert seen == {"company": f"ACME · ¥100.00 available · {COMPANY}", "amount": "300.00",
                    "error": "This goes over the company's credit limit: ¥100.00 is available."}
    assert companies.show(db, "ACME").balance_fen == 0
    assert (sales_made(db), len(window.state.lines)) == (0, 1)


def test_an_overdue_company_is_shown_so_and_refused(
        qtbot: QtBot, window: MainWindow, db: Database, clock: FixedClock) -> None:
    company(db, 100_000)
    companies.charge(db, "ACME", 10_000, actor=CASHIER)
    clock.advance(days=31)  # past its 30-day terms, not paid
    sale_of(qtbot, window, "20")
    seen: dict[str, object] = {}
    on_account(qtbot, window, seen, then="refused")
    qtbot.waitUntil(lambda: "error" in seen, timeout=10_000)
    assert seen["company"] == f"ACME · overdue ¥100.00 · {COMPANY}"
    assert seen["error"] == ("The company's account is overdue (¥100.00 since 2026-03-10): "
                             "take a payment first.")
    assert companies.show(db, "ACME").balance_fen == 10_000
    assert sales_made(db) == 1  # only the charge from before


# -- the gift-card dialog -------------------------------------------------------------------

def gift_dialog(qtbot: QtBot, window: MainWindow) -> None:
    """Ctrl+G where the keys are at the counter (the search field after a login)."""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=2000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)


def test_selling_gift_cards_from_the_dialog(qtbot: QtBot, window: MainWindow,
                                            db: Database) -> None:
    login(qtbot, window)
    seen: dict[str, object] = {}

    def sell(dialog: dialogs.GiftCardDialog) -> None:
        active(qtbot, dialog)
        assert dialog.scan.hasFocus()  # a card scanned shows its balance
        qtbot.keyClick(dialog.scan, Qt.Key.Key_Tab)
        assert dialog.face.hasFocus()
        keys(qtbot, dialog.face, "500")
        qtbot.keyClick(dialog.face, Qt.Key.Key_Tab)
        dialog.count.selectAll()
        keys(qtbot, dialog.count, "3")
        qtbot.keyClick(dialog, Qt.Key.Key_F3)  # WeChat Pay (the button clicks a moment later)
        qtbot.waitUntil(lambda: "WeChat" in dialog.to_pay.text(), timeout=2000)
        seen["to pay"] = dialog.to_pay.text()
        seen["asks"] = (dialog.buyer.isVisible(), dialog.payer.isVisible(),
                        dialog.rule.isVisible())
        qtbot.keyClick(dialog.count, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.GiftCardDialog, sell)
    gift_dialog(qtbot, window)
    qtbot.waitUntil(lambda: "Gift cards sold" in window.message.text(), timeout=10_000)
    with db.reader() as s:
        cards = s.scalars(select(GiftCard).order_by(GiftCard.card_no)).all()
        sale = s.scalars(select(GiftSale)).one()
    assert seen == {"to pay": "¥1,500.00 by WeChat Pay", "asks": (False, False, False)}
    assert [(c.face_fen, c.balance_fen) for c in cards] == [(50_000, 50_000)] * 3
    assert (sale.method, sale.total_fen, sale.buyer_name) == ("wechat", 150_000, None)
    assert window.message.text() == (f"Gift cards sold: 3 × ¥500.00 = ¥1,500.00 by WeChat Pay "
                                     f"({cards[0].card_no} – {cards[-1].card_no})")
    qtbot.waitUntil(window.counter.search.field.hasFocus, timeout=2000)  # keys back


def test_the_buyers_real_name_is_asked_from_ten_thousand(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    login(qtbot, window)
    seen: dict[str, object] = {}

    def sell(dialog: dialogs.GiftCardDialog) -> None:
        active(qtbot, dialog)
        keys(qtbot, dialog.face, "1000")
        dialog.count.selectAll()
        keys(qtbot, dialog.count, "9")
        seen["nine"] = dialog.buyer.isVisible()
        keys(qtbot, dialog.count, "\b10")  # ¥10,000 at once
        seen["ten"] = (dialog.buyer.isVisible(), dialog.rule.text())
        qtbot.keyClick(dialog.count, Qt.Key.Key_Return)
        seen["error"] = dialog.error.text()
        seen["focus"] = dialog.buyer.hasFocus()
        type_text(dialog.buyer, "王五")
        qtbot.keyClick(dialog.buyer, Qt.Key.Key_Return)

    when_dialog(qtbot, dialogs.GiftCardDialog, sell)
    gift_dialog(qtbot, window)
    qtbot.waitUntil(lambda: "Gift cards sold" in window.message.text(), timeout=10_000)
    assert seen == {
        "nine": False,
        "ten": (True, "From ¥10,000.00 at once the buyer's real name is recorded."),
        "error": "Gift cards of ¥10,000.00 at once: record the buyer's real name (needed from "
                 "¥10,000.00).",
        "focus": True}
    with db.reader() as s:
        sale = s.scalars(select(GiftSale)).one()
    assert (sale.cards, sale.buyer_name, sale.method) == (10, "王五", "cash")


def test_a_companys_large_batch_is_paid_only_by_transfer_with_the_payers_account(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    login(qtbot, window)
    seen: dict[str, object] = {}

    def sell(dialog: dialogs.GiftCardDialog) -> None:
        active(qtbot, dialog)
        keys(qtbot, dialog.face, "500")
        dialog.count.selectAll()
        keys(qtbot, dialog.count, "10")
        dialog.company.setFocus()
        qtbot.keyPress(dialog.company, Qt.Key.Key_Space)  # bought by a company: ¥5,000
        qtbot.wait(HUMAN_MS * 2)  # a finger's press: the scan detector replays it first
        qtbot.keyRelease(dialog.company, Qt.Key.Key_Space)
        seen["rule"] = dialog.rule.text()
        qtbot.keyClick(dialog.company, Qt.Key.Key_Return)
        seen["cash"] = dialog.error.text()
        qtbot.keyClick(dialog, Qt.Key.Key_F5)  # bank transfer
        qtbot.waitUntil(dialog.payer.isVisible, timeout=2000)
        seen["rule after"] = dialog.rule.isVisible()
        qtbot.keyClick(dialog.company, Qt.Key.Key_Return)
        seen["no account"] = dialog.error.text()
        seen["focus"] = dialog.payer.hasFocus()
        keys(qtbot, dialog.payer, "6222021100001234", enter=True)

    when_dialog(qtbot, dialogs.GiftCardDialog, sell)
    gift_dialog(qtbot, window)
    qtbot.waitUntil(lambda: "Gift cards sold" in window.message.text(), timeout=10_000)
    assert seen == {
        "rule": "From ¥5,000.00 at once only a bank transfer (F5) may pay.",
        "cash": "A company prepaying ¥5,000.00 at once must pay by bank transfer (from "
                "¥5,000.00).",
        "rule after": False,
        "no account": "Enter the bank account the transfer came from.",
        "focus": True}
    with db.reader() as s:
        sale = s.scalars(select(GiftSale)).one()
    assert (sale.method, sale.company, sale.payer_account) == (
        "transfer", True, "6222021100001234")


def test_a_cards_balance_by_scanning_it(qtbot: QtBot, window: MainWindow, db: Database) -> None:
    card = gift_card(db, 50_000)
    sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=12_345)],
                   tenders=[TenderIn("giftcard", None, ref=card.qr)], actor=CASHIER)
    login(qtbot, window)
    seen: dict[str, object] = {}

    def look(dialog: dialogs.GiftCardDialog) -> None:
        active(qtbot, dialog)
        scan(qtbot, card.qr)
        qtbot.waitUntil(lambda: dialog.card is not None, timeout=5000)
        seen["shown"] = (dialog.card_no.text(), dialog.balance.text(), dialog.details.text())
        seen["kept"] = dialog.isVisible()  # the Enter that ended the scan sold nothing
        dialog.reject()

    when_dialog(qtbot, dialogs.GiftCardDialog, look)
    gift_dialog(qtbot, window)
    qtbot.waitUntil(lambda: "shown" in seen, timeout=10_000)
    assert seen == {"shown": (card.card_no, "¥376.55",
                              f"Face value ¥500.00  ·  valid until {card.expires_at[:10]}  ·  "
                              f"sold {card.sold_at[:10]}"),
                    "kept": True}
    with db.reader() as s:
        assert len(s.scalars(select(GiftSale)).all()) == 1  # the one sold before


def test_a_card_scanned_with_no_sale_on_the_counter_shows_its_balance(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    elsewhere = sign_gift_qr("G00029900000018", 20_000, "203012", db.settings.qr_secret)
    login(qtbot, window)
    seen: dict[str, object] = {}

    def look(dialog: dialogs.GiftCardDialog) -> None:
        qtbot.waitUntil(lambda: dialog.card is not None, timeout=5000)
        seen["balance"] = dialog.balance.text()
        seen["details"] = dialog.details.text()
        dialog.reject()

    when_dialog(qtbot, dialogs.GiftCardDialog, look)
    window.counter.route_scan(elsewhere)
    qtbot.waitUntil(lambda: "details" in seen, timeout=10_000)
    assert seen["balance"] == "¥200.00"
    assert str(seen["details"]).endswith("sold at another store: spends there are not known "
                                         "here")


@pytest.fixture
def printer(db: Database) -> Iterator[NetworkPrinter]:
    with NetworkPrinter() as sim:
        with db.session() as s, s.begin():
            db.set_setting(s, "printer_uri", sim.uri(timeout=0.3))
        yield sim


def test_the_gift_card_slip_prints_once(qtbot: QtBot, printer: NetworkPrinter,
                                        window: MainWindow, db: Database) -> None:
    window.attach_devices(open_devices(db))
    try:
        qtbot.waitUntil(lambda: "online" in window.status_printer.text(), timeout=10_000)
        login(qtbot, window)

        def sell(dialog: dialogs.GiftCardDialog) -> None:
            active(qtbot, dialog)
            keys(qtbot, dialog.face, "200", enter=True)

        when_dialog(qtbot, dialogs.GiftCardDialog, sell)
        gift_dialog(qtbot, window)
        qtbot.waitUntil(lambda: "Gift cards sold" in window.message.text(), timeout=10_000)
        with db.reader() as s:
            card_no = s.scalars(select(GiftCard.card_no)).one()
        qtbot.waitUntil(lambda: printer.count(card_no.encode()) >= 1, timeout=20_000)
        qtbot.wait(300)
        assert printer.count(card_no.encode()) == 1
        with db.reader() as s:
            assert [j.kind for j in s.scalars(select(PrintJob))] == ["giftcard"]
    finally:
        window.detach_devices()


def full_sell_form(dialog: QDialog) -> bool:
    """A card read, and a sale that asks for everything: the buyer's name, the payer's account
    and the rules saying why."""
    assert isinstance(dialog, dialogs.GiftCardDialog)
    if dialog.card is None:
        return False
    if not dialog.face.text():
        dialog.face.setText("1000")
        dialog.count.setText("60")
        dialog.group.button(0).setChecked(True)
        dialog.error.setText("Gift cards of ¥60,000.00 at once: record the buyer's real name "
                             "(needed from ¥10,000.00).")
    return dialog.rule.isVisible() and dialog.buyer.isVisible()


@pytest.mark.parametrize("size", [QSize(1024, 768), QSize(1366, 768)],
                         ids=lambda s: f"{s.width()}x{s.height()}")
def test_checkout_and_the_gift_card_dialog_fit_a_small_till(
        qtbot: QtBot, window: MainWindow, db: Database, size: QSize) -> None:
    """At their fullest: a member with a PIN, a card read, the companies listed; every field
    of a sale that needs a name and a transfer."""
    member = register(db, phone="13912345678", name="欧阳娜娜娜娜娜娜")
    wallet.topup(db, member.member_id, 200_000, actor=CASHIER)
    members.set_pin(db, member.member_id, "123456", actor=CASHIER)
    company(db, 100_000)
    company(db, 100_000, code="LONGNAME-CO-0001")
    card = gift_card(db, 50_000)
    login(qtbot, window)
    pick(qtbot, window, "13912345678")
    keys(qtbot, window.counter.cart.entry, "1999.99", enter=True)
    qtbot.waitUntil(lambda: window.state.quote is not None, timeout=5000)
    window.resize(size)
    checkout = dialog_fits(
        qtbot, window, dialogs.CheckoutDialog, lambda: window.counter.route_scan(card.qr), size,
        lambda d: isinstance(d, dialogs.CheckoutDialog) and d.gift_card is not None
        and d.company.count() == 3)
    window.state.clear_sale()
    gift = dialog_fits(qtbot, window, dialogs.GiftCardDialog,
                       lambda: window.counter.route_scan(card.qr), size, full_sell_form)
    assert (checkout, gift) == ([], [])
