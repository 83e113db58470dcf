"""What the counter is working on: who is logged in, the member at the counter, the cart.

Panels do not call each other: they change the state, the state says what changed, and each
panel refreshes itself from the state (as in Anki's operation-did-change pattern).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from storeapp.db import Database
from storeapp.results import Record
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, Quote
from storeapp.services.shifts import OpenShift
from storeapp.services.users import Grant, Staff
from ui.worker import Worker


@dataclass(frozen=True)
class CartLine:
    name: str
    qty: int
    unit_price_fen: int
    barcode: str | None = None
    overridden: bool = False  # a manager set this catalog line's price

    def to_line_in(self) -> LineIn:
        if self.barcode is not None:
            price = self.unit_price_fen if self.overridden else None
            return LineIn(qty=self.qty, barcode=self.barcode, unit_price_fen=price)
        return LineIn(qty=self.qty, unit_price_fen=self.unit_price_fen, name=self.name)


class AppState(QObject):
    """Signals: ``user_changed()``, ``member_changed()`` (picked, cleared or its balance moved),
    ``cart_changed()`` (lines, coupon or points changed), ``quote_changed()`` (new totals),
    ``message(str, bool)`` (text for the status line; True for an error),
    ``sale_completed(object)`` (the checkout result, before the counter clears),
    ``shift_changed()`` (the till's shift was found, opened or closed)."""

    user_changed = Signal()
    member_changed = Signal()
    cart_changed = Signal()
    quote_changed = Signal()
    message = Signal(str, bool)
    sale_completed = Signal(object)  # the checkout result dict
    shift_changed = Signal()
    language_changed = Signal()  # the translator is switched: screens are built anew

    def __init__(self, db: Database, worker: Worker) -> None:
        super().__init__()
        self.db = db
        self.worker = worker
        self.user: Staff | None = None
        self.member: MemberView | None = None
        self.lines: list[CartLine] = []
        self.coupon: str | None = None
        self.redeem_points = 0
        self.quote: Quote | None = None
        self.override: Grant | None = None  # the manager's approval for price overrides
        #: The till's open shift (:func:`storeapp.services.shifts.current`), None when none is.
        self.shift: OpenShift | None = None
        self._staff_names: dict[str, str] = {}  # code → name of everyone who logged in here
        #: Hands a receipt to the print queue (set by the app when devices are configured);
        #: called on the worker thread because the queue persists the job first.
        self.printer: Callable[[str, Record, str], None] | None = None
        self.cart_changed.connect(self._requote)
        self.member_changed.connect(self._requote)

    @property
    def actor(self) -> str:
        return self.user.code if self.user else "till"

    def set_user(self, user: Staff | None) -> None:
        self.user = user
        if user is not None:
            self._staff_names[user.code] = user.name
        self.user_changed.emit()

    def staff_name(self, code: str) -> str:
        """The name of a user code seen logging in at this till, else the code itself."""
        return self._staff_names.get(code, code)

    def set_member(self, member: MemberView | None) -> None:
        self.member = member
        if member is None:
            self.coupon, self.redeem_points = None, 0
        self.member_changed.emit()

    def refresh_member(self) -> None:
        """Reload the member at the counter (after a top-up, sale, card change)."""
        if self.member is None:
            return
        from storeapp.services import members

        member_id = self.member.member_id
        self.worker.submit(lambda: members.get(self.db, member_id), self.set_member,
                           self.show_error)

    def after_sync(self, report: dict[str, Any]) -> None:  # Qt boundary: a SyncReport dict
        """Head office's changes are in the file (written by the sync's own handle): take its
        rules into this handle's settings, and show the member at the counter as they are now."""
        if report.get("rules"):
            db = self.db

            def reload() -> None:
                db.settings = db.load_settings()

            self.worker.submit(reload, None, self.show_error)
        if report.get("members"):
            self.refresh_member()

    def add_line(self, line: CartLine) -> None:
        self.lines.append(line)
        self.cart_changed.emit()

    def remove_last_line(self) -> None:
        if self.lines:
            self.lines.pop()
            self.cart_changed.emit()

    def override_last_price(self, price_fen: int, grant: Grant) -> None:
        """A manager sets the last line's price; the approval goes with the sale."""
        if self.lines:
            last = self.lines[-1]
            self.lines[-1] = CartLine(last.name, last.qty, price_fen, last.barcode,
                                      overridden=last.barcode is not None)
            self.override = grant
            self.cart_changed.emit()

    def set_discounts(self, coupon: str | None, redeem_points: int) -> None:
        self.coupon, self.redeem_points = coupon, redeem_points
        self.cart_changed.emit()

    def clear_sale(self) -> None:
        """After a sale: empty cart, member gone, ready for the next customer."""
        self.lines, self.coupon, self.redeem_points, self.quote = [], None, 0, None
        self.override = None
        self.set_member(None)
        self.cart_changed.emit()

    def set_shift(self, shift: OpenShift | None) -> None:
        self.shift = shift
        self.shift_changed.emit()

    def refresh_shift(self, then: Callable[[OpenShift | None], None] | None = None) -> None:
        """Look up the till's open shift (on the worker); ``then`` gets it after the signal."""
        from storeapp.services import shifts

        def done(shift: OpenShift | None) -> None:
            self.set_shift(shift)
            if then is not None:
                then(shift)

        db = self.db
        self.worker.submit(lambda: shifts.current(db), done, self.show_error)

    def print_receipt(self, kind: str, data: Record,
                      queued: Callable[[bool], None] | None = None) -> None:
        """Queue a receipt; the sale is already committed and never waits for the printer.
        ``queued`` is told whether a print job was stored (False: the till has no printer)."""
        printer, actor = self.printer, self.actor
        if printer is None:
            if queued is not None:
                queued(False)
            return
        self.worker.submit(lambda: printer(kind, data, actor),
                           None if queued is None else lambda _none: queued(True),
                           self.show_error)

    def show_error(self, error: BaseException) -> None:
        self.message.emit(readable(error), True)

    def _requote(self) -> None:
        if not self.lines:
            self.quote = None
            self.quote_changed.emit()
            return
        from storeapp.services import sales

        member_id = self.member.member_id if self.member else None
        lines = [line.to_line_in() for line in self.lines]
        coupon, points = self.coupon, self.redeem_points

        def work() -> Quote:
            return sales.quote(self.db, member_ref=member_id, lines=lines, coupon_code=coupon,
                               redeem_points=points)

        self.worker.submit(work, self._on_quote, self._on_quote_failed)

    def _on_quote(self, quote: Quote) -> None:
        self.quote = quote
        self.quote_changed.emit()

    def _on_quote_failed(self, error: BaseException) -> None:
        self.quote = None
        self.quote_changed.emit()
        self.show_error(error)


def readable(error: BaseException) -> str:
    """A message a cashier understands, in the till's language (see :mod:`ui.messages`)."""
    from ui.messages import readable as translated

    return translated(error)
