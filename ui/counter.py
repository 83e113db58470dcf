"""The counter screen, built for a queue: search, member panel, cart, and every action on a
function key. Focus returns to the search field after each sale."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QVBoxLayout,
    QWidget,
)

from devices.scan_routing import ScanRouter, Target
from storeapp.errors import DomainError
from storeapp.identity import Shape, classify
from storeapp.money import format_fen, parse_yuan
from storeapp.services.members import MemberView
from ui import dialogs
from ui.cart import CartPanel
from ui.dialogs.consent import CONSENT_KEY
from ui.dialogs.countcard import COUNT_CARD_KEY
from ui.dialogs.giftcard import GIFT_CARD_KEY
from ui.member_panel import MemberPanel
from ui.search import SearchPanel
from ui.state import AppState, readable
from ui.widgets import key_button

# The shift dialog's key (F1–F12 are taken; "S" for shift, as Ctrl+P is points).
SHIFT_KEY = "Ctrl+S"
# The manager's reports ("R" for reports; Ctrl+P/O/S/L are taken).
REPORTS_KEY = "Ctrl+R"
# Sync with head office now ("T" for 同步 tóngbù). Not Ctrl+Y: that is Redo, and the focused
# search or cart field takes Redo before any shortcut sees it.
SYNC_KEY = "Ctrl+T"


class CounterScreen(QWidget):
    """Signals: ``sync_requested()`` (the sync key: the window owns head-office sync)."""

    sync_requested = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._router = ScanRouter()
        self.search = SearchPanel(state)
        self.member = MemberPanel(state)
        self.cart = CartPanel(state)
        self.buttons = {
            "register": key_button(self.tr("Register"), "F2"),
            "topup": key_button(self.tr("Top up"), "F3"),
            "checkout": key_button(self.tr("Checkout"), "F4"),
            "refund": key_button(self.tr("Refund"), "F5"),
            "card": key_button(self.tr("Card"), "F6"),
            "history": key_button(self.tr("History"), "F7"),
            "clear": key_button(self.tr("Clear"), "F8"),
            "lock": key_button(self.tr("Lock"), "F9"),
            "settings": key_button(self.tr("Settings"), "F10"),
        }
        self.buttons["checkout"].setProperty("role", "primary")
        left = QVBoxLayout()
        left.addWidget(self.search, 2)
        left.addWidget(self.member, 3)
        grid = QGridLayout()
        for index, button in enumerate(self.buttons.values()):
            grid.addWidget(button, index // 3, index % 3)
        right = QVBoxLayout()
        right.addWidget(self.cart, 1)
        right.addLayout(grid)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)
        QShortcut(QKeySequence("F1"), self, self.search.focus)
        QShortcut(QKeySequence("F11"), self, self.cart.entry.setFocus)
        QShortcut(QKeySequence("F12"), self, self.cart.coupon.setFocus)
        QShortcut(QKeySequence("Ctrl+P"), self, self.cart.points.setFocus)
        QShortcut(QKeySequence("Ctrl+O"), self, self._override_price)
        QShortcut(QKeySequence("Ctrl+Backspace"), self, state.remove_last_line)
        QShortcut(QKeySequence(SHIFT_KEY), self, self.shift)
        QShortcut(QKeySequence(REPORTS_KEY), self, self.reports)
        QShortcut(QKeySequence(SYNC_KEY), self, self.sync_requested.emit)
        QShortcut(QKeySequence(COUNT_CARD_KEY), self, lambda: self.count_cards(""))
        QShortcut(QKeySequence(GIFT_CARD_KEY), self, lambda: self.gift_cards(""))
        QShortcut(QKeySequence(CONSENT_KEY), self, self.consents)
        self.search.picked.connect(self._on_picked)
        self.search.unknown_phone.connect(self._on_unknown_phone)
        b = self.buttons
        b["register"].clicked.connect(lambda: self._register(""))
        b["topup"].clicked.connect(self._topup)
        b["checkout"].clicked.connect(lambda: self._checkout())  # not its checked flag
        b["refund"].clicked.connect(lambda: self._refund(""))
        b["card"].clicked.connect(self._card)
        b["history"].clicked.connect(self._history)
        b["clear"].clicked.connect(self._clear)
        b["settings"].clicked.connect(self._settings)
        state.member_changed.connect(self._on_member_changed)
        state.user_changed.connect(self._on_user_changed)
        self._on_member_changed()

    def route_scan(self, code: str) -> None:
        """A scanner read ``code``, whatever had focus: the router says where it belongs
        (shape and check digit, in ``devices``); the counter only shows it there."""
        routed = self._router.route(code)
        match routed.target:
            case Target.MEMBER:
                shown = "" if classify(routed.code) is Shape.MEMBER_QR else routed.code
                self.search.field.setText(shown)  # a QR's signature is nobody's business
                self.search.search(routed.code)
            case Target.PRODUCT:
                self.cart.add_barcode(routed.code)
            case Target.REFUND:
                self._refund(routed.code)
            case Target.COUPON:
                self._state.set_discounts(routed.code, self._state.redeem_points)
            case Target.COUNT_CARD:
                self.count_cards(routed.code)
            case Target.UNKNOWN if classify(routed.code) is Shape.GIFT_CARD:
                self.gift_cards(routed.code)
            case _:
                self._state.message.emit(
                    self.tr("Unrecognised scan: %1").replace("%1", routed.code), True)

    def modal(self, dialog: QDialog) -> int:
        """Run ``dialog``; however it closes (done, Esc, refused) the keys come back to the
        counter. Without a window manager nobody else gives the window its focus back, and
        the function keys are window shortcuts: they die until someone clicks."""
        try:
            return dialog.exec()
        finally:
            if self._state.user is not None:  # not when the dialog closed because the till locked
                self.refocus()

    def shift(self) -> None:
        """Ctrl+S: open a shift when none is open, else the shift's X report and its close."""
        if self._state.shift is None:
            self.modal(dialogs.OpenShiftDialog(self._state, self))
        else:
            self.modal(dialogs.ShiftDialog(self._state, self))

    def count_cards(self, card_ref: str) -> None:
        """Ctrl+K: the member's count cards (use, sell, refund); a scanned card (``card_ref``,
        its QR or number) opens them for its member with that card chosen."""
        if not card_ref and self._state.member is None:
            self._state.message.emit(
                self.tr("Count cards: find the member first, or scan their count card."), True)
            return
        self.modal(dialogs.CountCardDialog(self._state, card_ref, self))

    def gift_cards(self, card_ref: str) -> None:
        """Ctrl+G: gift cards (balance, selling). A card scanned (``card_ref``) pays the sale
        on the counter (checkout opens with it read), or with no sale shows its balance."""
        if card_ref and self._state.lines:
            self._checkout(card_ref)
        else:
            self.modal(dialogs.GiftCardDialog(self._state, card_ref, self))

    def consents(self) -> None:
        """Ctrl+N: the member's consents (terms, offers by SMS or WeChat, personalised offers,
        sensitive data): what holds now, and giving or withdrawing each."""
        if self._state.member is None:
            self._state.message.emit(self.tr("Consents: find the member first."), True)
            return
        self.modal(dialogs.ConsentDialog(self._state, self))

    def reports(self) -> None:
        """Ctrl+R: the reports screen, with a manager's rights: a manager logged in, or a
        manager's code and PIN at a cashier's till (as for a refund)."""
        user = self._state.user
        if user is None:
            return
        actor = user.code
        if not user.is_manager:
            grant = dialogs.ApprovalDialog.ask(self._state, self.tr("Open the reports"), self,
                                               reason=self.tr("Read the reports"))
            if grant is None:
                self._state.message.emit(self.tr("The reports need a manager's approval."),
                                         True)
                self.refocus()
                return
            actor = grant.approver
        from ui.reports import ReportsDialog  # Qt Charts loads on first use, not at start

        self.modal(ReportsDialog(self._state, actor, self))

    def ready_for_next(self) -> None:
        self.search.clear()
        # after the event loop has handed focus back from the closing dialog
        QTimer.singleShot(0, self, self._focus_search)

    def refocus(self) -> None:
        """Keys back to where the next one belongs once a dialog has closed (what was typed
        stays): the cart with a member at the counter, else the search field."""
        QTimer.singleShot(0, self, self._focus_next)  # not if this screen is gone by then

    def _focus_search(self) -> None:
        if self._dialog_open():
            return
        self.window().activateWindow()
        self.search.focus()

    def _focus_next(self) -> None:
        if self._state.member is None:
            self._focus_search()
        elif not self._dialog_open():
            self.window().activateWindow()
            self.cart.entry.setFocus()

    @staticmethod
    def _dialog_open() -> bool:
        """A dialog opened before a deferred refocus ran (Ctrl+G pressed the moment a login
        closed): it keeps the keys; taking the window back would leave it open without them."""
        return QApplication.activeModalWidget() is not None

    def _on_picked(self, member: MemberView) -> None:
        self._state.set_member(member)
        self.cart.entry.setFocus()

    def _on_unknown_phone(self, phone: str) -> None:
        self._register(phone)

    def _on_member_changed(self) -> None:
        has = self._state.member is not None
        for key in ("topup", "card", "history"):
            self.buttons[key].setEnabled(has)

    def _on_user_changed(self) -> None:
        user = self._state.user
        self.buttons["settings"].setEnabled(user is not None and user.is_manager)

    def _settings(self) -> None:
        if self._state.user is not None and self._state.user.is_manager:
            self.modal(dialogs.SettingsDialog(self._state, self))

    def _register(self, phone: str) -> None:
        dialog = dialogs.RegisterDialog(self._state, phone, self)
        if dialog.exec():
            self.search.clear()  # "no member found" is no longer true
            self._state.set_member(dialog.member)
        self.refocus()

    def _topup(self) -> None:
        if self._state.member is not None:
            self.modal(dialogs.TopupDialog(self._state, self))

    def _checkout(self, gift_ref: str = "") -> None:
        if not self._state.lines:
            self._state.message.emit(self.tr("The cart is empty."), True)
            return
        if dialogs.CheckoutDialog(self._state, self, gift_ref=gift_ref).exec():
            self._state.clear_sale()
            self.ready_for_next()
        else:
            self.refocus()

    def _refund(self, receipt_no: str) -> None:
        self.modal(dialogs.RefundDialog(self._state, receipt_no, self))

    def _card(self) -> None:
        if self._state.member is not None:
            self.modal(dialogs.CardDialog(self._state, self))

    def _history(self) -> None:
        if self._state.member is not None:
            self.modal(dialogs.HistoryDialog(self._state, self))

    def _override_price(self) -> None:
        """Ctrl+O: a manager changes the price of the last line (damaged goods, price match)."""
        if not self._state.lines:
            return
        last = self._state.lines[-1]
        text, ok = QInputDialog.getText(
            self, self.tr("Price override"),
            self.tr("New unit price for %1 (yuan)").replace("%1", last.name))
        if not ok:
            return
        try:
            price = parse_yuan(text, allow_zero=True)
        except DomainError as exc:
            self._state.message.emit(readable(exc), True)
            return
        grant = dialogs.ApprovalDialog.ask(
            self._state, self.tr("Price override: %1").replace("%1", format_fen(price)), self,
            reason=self.tr("price match"))
        if grant is not None:
            self._state.override_last_price(price, grant)
        self.window().activateWindow()  # back from the dialogs, keys go to the counter again
        self.cart.entry.setFocus()

    def _clear(self) -> None:
        self._state.clear_sale()
        self.ready_for_next()
