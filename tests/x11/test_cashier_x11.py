"""A cashier at the real counter: Xvfb with no window manager, real key events (XTEST via
xdotool) at a person's pace (~60 ms) or a keyboard-wedge scanner's (~4 ms), the real app in its
own process, results read back from the till database.

Run: ``.venv/bin/python -m pytest -q -p no:cacheprovider tests/x11`` (``-m x11`` selects them
in the whole suite, ``-m "not x11"`` leaves them out). A failure names a screenshot of the
screen at that moment (in the test's tmp dir), which window had the X input focus, and the
app's log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from storeapp import consent_rules, sealed_records
from storeapp.db import Database
from storeapp.models import Sale, SaleLine, Topup
from storeapp.money import format_fen
from storeapp.services import catalog, consents, members, wallet
from storeapp.services.members import MemberView
from tests.helpers import CASHIER, MANAGER_CODE, register, set_setting
from tests.x11.conftest import Counter
from tests.x11.driver import (
    DIALOG_S,
    ERROR_RGB,
    PERSON_PAUSE_S,
    CounterApp,
    Geometry,
    count_near,
)

pytestmark = pytest.mark.timeout(120)

WANG = "13912345678"  # 王芳: last four 5678
LI = "13800005678"  # 李娜: last four 5678 too
PAY_PIN = "123456"
TOP_UP = "^Top up$"
CHECKOUT = "^Checkout$"
CARD = "^Card problems$"
HISTORY = "^Member history$"
REGISTER = "^Register a member$"
WATER = "6901234567892"  # EAN-13 of a product in the catalogue


# -- reading the till database ------------------------------------------------------------------

def topups(db: Database) -> int:
    with db.reader() as s:
        return int(s.execute(text("SELECT count(*) FROM topups")).scalar_one())


def sales_of(db: Database) -> list[Sale]:
    with db.reader() as s:
        return list(s.scalars(select(Sale).order_by(Sale.id)))


def lines_of(db: Database, sale: Sale) -> list[SaleLine]:
    with db.reader() as s:
        return list(s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id)))


def pin_failed(db: Database, member: MemberView) -> int:
    with db.reader() as s:
        return int(s.execute(text("SELECT pin_failed FROM members WHERE member_id = :m"),
                             {"m": member.member_id}).scalar_one())


# -- steps a cashier takes ----------------------------------------------------------------------

def find_and_pick_single(app: CounterApp, last_four: str) -> None:
    """Last four digits in the search field (it has the focus after login), Enter: a single
    match is picked at once and the cart's entry field gets the focus."""
    app.type(last_four, enter=True)
    time.sleep(0.5)  # the cashier sees the member panel fill


def open_dialog(app: CounterApp, key: str, title: str, after: str) -> str:
    app.key(key)
    return app.wait_window(title, DIALOG_S, f"{key} {after} opens the {title.strip('^$')} "
                                            "dialog")


def pay_cash(app: CounterApp, db: Database, amount: str, what: str) -> Sale:
    """F4, the checkout dialog opens with the focus on cash given; type it, Enter; the sale."""
    before = len(sales_of(db))
    open_dialog(app, "F4", CHECKOUT, what)
    app.type(amount, enter=True)
    app.wait_until(lambda: len(sales_of(db)) > before, "the cash sale is stored")
    app.wait_no_window(CHECKOUT, DIALOG_S, "the checkout dialog after the sale")
    return sales_of(db)[-1]


# -- 1 + 2: log in, find by last four, pick, top up with a preset key -------------------------

def test_log_in_find_by_last_four_pick_and_top_up_with_preset_key_f3(counter: Counter) -> None:
    db, app = counter.db, counter.app
    register(db, phone=LI, name="李娜")
    register(db, phone=WANG, name="王芳")  # registered last: the most recent visitor, first
    counter.start()
    counter.login()
    app.type("5678", enter=True)  # two members: the pick list gets the focus
    time.sleep(0.5)  # the cashier reads the list; 王芳 is on the first row, selected
    app.key("Return")
    open_dialog(app, "F3", TOP_UP, "with 王芳 picked from the list")
    app.key("F3")  # the third preset: ¥500, bonus ¥50 (digits belong to the amount field)
    chosen = app.screenshot("top-up-after-key-f3")
    app.key("Return")
    app.wait_until(lambda: topups(db) > 0, "Enter in the top-up dialog credits the top-up")
    wang, li = members.get(db, WANG), members.get(db, LI)
    assert li.principal_fen == 0, "the top-up went to the other member on the list"
    assert (wang.principal_fen, wang.bonus_fen) == (50_000, 5_000), (
        f"F3 in the top-up dialog should choose the third preset ¥500.00 with bonus ¥50.00;"
        f" credited principal {format_fen(wang.principal_fen)} bonus "
        f"{format_fen(wang.bonus_fen)} (screen after pressing F3: {chosen})")
    app.wait_no_window(TOP_UP, DIALOG_S, "the top-up dialog after crediting")


# -- 3: the function keys work again after a dialog closed, with no click ---------------------

@dataclass(frozen=True)
class DialogCase:
    key: str
    title: str
    finish: Callable[[CounterApp, Database], None]


def close_with_escape(app: CounterApp, _db: Database) -> None:
    app.key("Escape")


def finish_top_up(app: CounterApp, db: Database) -> None:
    """A preset key, Enter: a top-up is credited (which preset is test 2's business)."""
    app.key("F1")
    app.key("Return")
    app.wait_until(lambda: topups(db) > 0, "the top-up is credited")


def finish_register(app: CounterApp, db: Database) -> None:
    """Phone, Tab, name, Enter: the new member is registered and becomes the current one."""
    app.type("13700001111")
    app.key("Tab")
    app.type("Zhao Min", enter=True)
    app.wait_until(lambda: members.find(db, "13700001111"), "the new member is registered")


#: Each closes a dialog in its own way; they run in this order in one app (the last one makes
#: the new member the current one).
DIALOG_CASES = {
    "top-up closed with Esc": DialogCase("F3", TOP_UP, close_with_escape),
    "top-up finished (credited)": DialogCase("F3", TOP_UP, finish_top_up),
    "card closed with Esc": DialogCase("F6", CARD, close_with_escape),
    "history closed with Esc": DialogCase("F7", HISTORY, close_with_escape),
    "register closed with Esc": DialogCase("F2", REGISTER, close_with_escape),
    "register finished (new member)": DialogCase("F2", REGISTER, finish_register),
}


def test_function_keys_work_again_after_each_dialog_closes(counter: Counter) -> None:
    """After every dialog, however it closed, F3 opens the top-up dialog with no click.

    All the dialogs run in one app, one after the other; when a function key is dead the case
    is recorded and the app restarted (a click would hide the fault), so one run names every
    dialog that leaves the counter deaf."""
    db, app = counter.db, counter.app
    register(db, phone=WANG, name="王芳")

    def ready() -> None:
        counter.start()
        counter.login()
        find_and_pick_single(app, "5678")

    ready()
    failures = []
    for label, case in DIALOG_CASES.items():
        name = case.title.strip("^$")
        try:
            open_dialog(app, case.key, case.title, f"on the counter (before: {label})")
            time.sleep(0.2)  # the dialog is up and has the focus
            case.finish(app, db)
            app.wait_no_window(case.title, DIALOG_S, f"the {name} dialog")
            # no click anywhere: the next function key must reach the counter
            open_dialog(app, "F3", TOP_UP, f"right after the {label} (no click)")
            app.key("Escape")
            app.wait_no_window(TOP_UP, DIALOG_S, "the second top-up dialog (Esc)")
        except AssertionError as exc:
            failures.append(f"{label}: {exc}")
            app.stop()
            ready()
    assert not failures, "\n\n".join(failures)


# -- 4: the payment PIN at checkout -----------------------------------------------------------

def member_with_pin(db: Database) -> MemberView:
    """王芳 with ¥550 stored value (¥500 + ¥50 bonus) and payment PIN 123456."""
    member = register(db, phone=WANG, name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor=CASHIER)
    return members.set_pin(db, member.member_id, PAY_PIN, actor=CASHIER)


def to_pin_pad(counter: Counter) -> None:
    """Log in, pick 王芳, a ¥20 open line, F4: the checkout dialog, stored value prefilled and
    the focus on the payment PIN."""
    app = counter.app
    counter.start()
    counter.login()
    find_and_pick_single(app, "5678")
    app.type("20", enter=True)  # the cart's entry field has the focus after the pick
    open_dialog(app, "F4", CHECKOUT, "with a ¥20 line and a member with a PIN")
    time.sleep(0.3)


def test_a_wrong_payment_pin_then_the_right_one_completes_the_sale(counter: Counter) -> None:
    db, app = counter.db, counter.app
    member = member_with_pin(db)
    to_pin_pad(counter)
    app.type("000000", enter=True)
    app.wait_until(lambda: pin_failed(db, member) == 1, "the wrong PIN counts as one try")
    time.sleep(0.6)  # the cashier reads "wrong payment PIN" and asks the customer again
    after_wrong = app.screenshot("after-wrong-pin")
    app.type(PAY_PIN, enter=True)  # no click: the focus must still be in the PIN field
    app.wait_until(lambda: sales_of(db),
                   "the right PIN typed after a wrong one completes the sale (the focus stays "
                   f"in the PIN field; screen after the wrong PIN: {after_wrong})")
    sale = sales_of(db)[0]
    assert sale.member_id == member.member_id and sale.total_fen == 2_000
    after = members.get(db, member.member_id)
    assert after.balance_fen == 55_000 - 2_000
    assert pin_failed(db, member) == 0  # the right PIN clears the count
    app.wait_no_window(CHECKOUT, DIALOG_S, "the checkout dialog after the sale")


def test_enter_on_an_empty_payment_pin_is_not_a_wrong_try(counter: Counter) -> None:
    db, app = counter.db, counter.app
    member = member_with_pin(db)
    to_pin_pad(counter)
    for _ in range(4):  # Enter before the customer typed anything, four times
        app.key("Return")
        time.sleep(0.3)
    time.sleep(0.4)  # anything the Enters started on the worker has finished
    shot = app.screenshot("after-four-bare-enters")
    tries = pin_failed(db, member)
    assert tries == 0 and not members.get(db, member.member_id).pin_locked, (
        f"Enter on an empty PIN counted as a wrong try: pin_failed={tries} after four bare "
        f"Enters (locks at 5; screen: {shot})")
    assert not sales_of(db)
    app.type(PAY_PIN, enter=True)
    app.wait_until(lambda: sales_of(db), "the right PIN after the bare Enters completes the sale")
    assert members.get(db, member.member_id).balance_fen == 55_000 - 2_000


# -- 5: scans at a keyboard-wedge scanner's pace ------------------------------------------------

def test_a_member_qr_scanned_while_an_amount_is_typed_picks_the_member(counter: Counter) -> None:
    db, app = counter.db, counter.app
    member = register(db, phone=WANG, name="王芳")
    counter.start()
    counter.login()
    app.key("F11")  # the cart's entry field
    app.type("12")  # the cashier starts an open amount...
    app.scan(member.qr)  # ...and the customer shows the member QR
    time.sleep(0.5)
    app.key("Return")  # the amount, still in the field (and nothing of the scan)
    sale = pay_cash(app, db, "12", "with the ¥12 line typed around the scan (had the scan's "
                                   "keys gone into the cart field, its Enter made no line)")
    assert sale.member_id == member.member_id, "the scanned QR did not reach the member panel"
    assert sale.subtotal_fen == 1_200


def test_a_card_number_scanned_into_the_search_field_picks_the_member(counter: Counter) -> None:
    db, app = counter.db, counter.app
    member = register(db, phone=WANG, name="王芳")
    counter.start()
    counter.login()
    app.type("13")  # the cashier starts typing a phone in the search field...
    app.scan(member.card_no)  # ...and the customer hands over the card
    time.sleep(0.5)
    app.type("8", enter=True)  # the cart's entry field has the focus after the pick
    sale = pay_cash(app, db, "8", "with an ¥8 line after the card scan")
    assert sale.member_id == member.member_id, (
        "the scanned card number did not pick the member (typed into the search field after "
        "'13' it finds nobody)")


def test_a_product_barcode_scanned_at_the_search_field_goes_to_the_cart(
        counter: Counter) -> None:
    db, app = counter.db, counter.app
    catalog.upsert(db, barcode=WATER, name="Mineral water", price_fen=350, actor=MANAGER_CODE)
    counter.start()
    counter.login()
    app.scan(WATER)  # the search field has the focus
    time.sleep(0.5)
    sale = pay_cash(app, db, "5", "with the scanned product in the cart")
    assert [(line.barcode, line.amount_fen) for line in lines_of(db, sale)] == [(WATER, 350)]
    assert sale.member_id is None and sale.total_fen == 350


# -- 6: the window fits the till's screen, the status line shows ------------------------------

@pytest.mark.parametrize("screen_size", [(1366, 768), (1024, 768)], indirect=True,
                         ids=["1366x768", "1024x768"])
def test_the_counter_fits_the_screen_and_its_messages_show(counter: Counter,
                                                           screen_size: tuple[int, int]) -> None:
    app = counter.app
    width, height = screen_size
    counter.start()
    counter.login()
    problems = []
    geometry = app.geometry(app.window)
    if geometry.x < 0 or geometry.y < 0 or geometry.right > width or geometry.bottom > height:
        problems.append(f"the main window is {geometry}, not within the {width}x{height} "
                        "screen (its status bar, at the bottom, is off the screen)")
    elif geometry.width * 4 < width * 3 or geometry.height * 4 < height * 3:
        problems.append(f"the main window is {geometry}: less than 3/4 of the {width}x{height}"
                        " screen")
    before = count_near(app.x.grab(), (0, 0, width, height), ERROR_RGB)
    app.key("F4")  # an empty cart: "The cart is empty." in the error colour
    try:
        app.wait_until(
            lambda: count_near(app.x.grab(), (0, 0, width, height), ERROR_RGB) >= before + 30,
            "F4 on an empty cart shows 'The cart is empty.' (error colour) on the screen", 3)
    except AssertionError as exc:
        problems.append(str(exc))
    shot = app.screenshot(f"counter-{width}x{height}")
    assert not problems, "\n".join([*problems, f"screenshot: {shot}"])


# -- 7: a count card scanned at a scanner's speed opens it; Enter uses one ------------------------

COUNT_CARDS = "^Count cards$"


def test_a_count_card_scanned_opens_it_and_enter_uses_one(counter: Counter) -> None:
    from storeapp.services import countcards

    db, app = counter.db, counter.app
    member = register(db, phone=WANG, name="王芳")
    countcards.save_product(db, code="WASH10", name="洗车10次卡", covers="洗车", uses=10,
                            price_fen=30_000, valid_months=12, actor=MANAGER_CODE)
    card = countcards.sell(db, member.member_id, "WASH10", method="cash", actor=CASHIER).card
    counter.start()
    counter.login()
    app.type("13")  # the cashier starts typing a phone...
    app.scan(card.qr)  # ...and the customer shows the count card's QR
    app.wait_window(COUNT_CARDS, DIALOG_S, "a scanned count card opens its dialog")
    time.sleep(0.3)  # the cashier looks at the card
    app.key("Return")
    app.wait_until(lambda: countcards.show(db, card.card_no).uses_left == 9,
                   "Enter in the count-card dialog uses one (the scan's keys did not become a "
                   "number of uses)")
    app.key("Escape")
    app.wait_no_window(COUNT_CARDS, DIALOG_S, "the count-card dialog after Escape")
    app.key("ctrl+k")  # the member the scan picked is on the panel: Ctrl+K opens the cards
    app.wait_window(COUNT_CARDS, DIALOG_S, "Ctrl+K with the member picked")
    app.type("2", enter=True)  # a person types the number of uses
    app.wait_until(lambda: countcards.show(db, card.card_no).uses_left == 7,
                   "a typed 2 and Enter use two")


# -- 8: consents (Ctrl+N) by keys: the ledger has the entry, the keys come back to the cart -------

CONSENTS = "^Consents$"
TILL_SIZES = pytest.mark.parametrize("screen_size", [(1024, 768), (1366, 768)], indirect=True,
                                     ids=["1024x768", "1366x768"])
#: A consent row chosen (resources/style.qss: QPushButton:checked), drawn once the list loaded.
CHOSEN_RGB = (0xDB, 0xEA, 0xFE)
#: The notice head office published for offers by WeChat (a ``notice`` rule, as a sync keeps it).
WECHAT_NOTICE = {"purpose": "marketing_wechat", "version": "2026.02",
                 "text": "我们会通过微信公众号向您发送会员优惠，您可随时在柜台或公众号退订。",
                 "published_at": "2026-02-01T00:00:00"}


def on_screen(app: CounterApp, window: str, size: tuple[int, int], what: str) -> Geometry:
    """``window``'s geometry, failing when any of it is off the screen (nothing can scroll it
    into view: no window manager moves it, and the cashier has no mouse to drag it)."""
    geometry = app.geometry(window)
    width, height = size
    assert geometry.x >= 0 and geometry.y >= 0 and geometry.right <= width \
        and geometry.bottom <= height, (
        f"{what} is {geometry}, not within the {width}x{height} screen "
        f"(screen: {app.screenshot('off-screen')})")
    return geometry


def box(geometry: Geometry) -> tuple[int, int, int, int]:
    return geometry.x, geometry.y, geometry.right, geometry.bottom


@TILL_SIZES
def test_a_consent_given_by_keys_is_in_the_ledger_and_the_keys_return_to_the_cart(
        counter: Counter, screen_size: tuple[int, int]) -> None:
    db, app = counter.db, counter.app
    with db.session() as s, s.begin():
        consents.take_notice(s, {**WECHAT_NOTICE,
                                 "sha256": consent_rules.text_sha256(WECHAT_NOTICE["text"])})
    member = register(db, phone=WANG, name="王芳")
    before = consents.history(db, member.member_id)
    assert not consents.current(db, member.member_id)["marketing_wechat"].in_force
    counter.start()
    counter.login()
    find_and_pick_single(app, "5678")
    dialog = open_dialog(app, "ctrl+n", CONSENTS, "with 王芳 picked")
    shown = on_screen(app, dialog, screen_size, "the consent dialog")
    app.wait_until(lambda: count_near(app.x.grab(), box(shown), CHOSEN_RGB, 6) > 500,
                   "the member's consents are listed (the first row chosen)", DIALOG_S)
    app.key("3")  # offers by WeChat: not given; its notice is read to the member
    time.sleep(0.5)
    read = app.screenshot("consent-wechat-notice")
    app.key("Return")
    app.wait_until(lambda: len(consents.history(db, member.member_id)) > len(before),
                   f"Enter records the consent (screen after 3: {read})")
    [entry] = consents.history(db, member.member_id)[len(before):]
    assert (entry.purpose, entry.given, entry.by, entry.channel, entry.version) == (
        "marketing_wechat", True, CASHIER, "counter", WECHAT_NOTICE["version"]), (
        f"the ledger's new entry is {entry} (screen after 3: {read})")
    assert consents.current(db, member.member_id)["marketing_wechat"].in_force
    time.sleep(0.3)  # the row says "given" now
    app.key("Escape")
    app.wait_no_window(CONSENTS, DIALOG_S, "the consent dialog after Esc")
    app.type("8", enter=True)  # no click: the keys must be back in the cart's entry field
    sale = pay_cash(app, db, "8", "with an ¥8 line typed right after the consent dialog closed "
                                  "(typed anywhere but the cart's entry field, it makes no line)")
    assert (sale.member_id, sale.total_fen) == (member.member_id, 800)


# -- 9: a large top-up: cash refused on screen, bank transfer with the payer's account taken ----

PAYER = "6222 0211 0000 1234"


@dataclass(frozen=True)
class LargeTopup:
    company: bool
    amount: str  # typed, in yuan: the transfer threshold itself (its first refused amount)


def press(app: CounterApp, key: str, hold_s: float = 0.08) -> None:
    """A finger presses ``key`` and lets go ~80 ms later, as a person does. ``CounterApp.key``
    lets go at once (xdotool ``key``): enough for keys acted on when pressed, not for Space on a
    check box, which toggles when released (the scan filter holds a press up to 35 ms to tell a
    scanner's burst from typing, so a release that quick arrives before its press)."""
    time.sleep(PERSON_PAUSE_S)
    app.x.xdotool("keydown", key)
    time.sleep(hold_s)
    app.x.xdotool("keyup", key)


def topup_rows(db: Database) -> list[tuple[str, int, bool, str | None, str | None]]:
    """Method, principal, company, payer's account (opened as the till reads it) and agreement
    version of each top-up."""
    with db.reader() as s:
        return [(t.method, t.principal_fen, t.company, t.payer_account, t.agreement_version)
                for t in s.scalars(select(Topup))]


@pytest.mark.parametrize(("screen_size", "case"), [
    ((1024, 768), LargeTopup(company=False, amount="50000")),
    ((1366, 768), LargeTopup(company=True, amount="5000")),
], indirect=["screen_size"], ids=["1024x768-person-50000", "1366x768-company-5000"])
def test_a_large_top_up_is_refused_in_cash_and_taken_by_transfer_with_the_payer(
        counter: Counter, screen_size: tuple[int, int], case: LargeTopup) -> None:
    db, app = counter.db, counter.app
    set_setting(db, "wallet_cap_fen", 10_000_000)  # a person's ¥50,000 fits on the card
    member = register(db, phone=WANG, name="王芳")
    counter.start()
    counter.login()
    find_and_pick_single(app, "5678")
    dialog = open_dialog(app, "F3", TOP_UP, "with 王芳 picked")
    app.type(case.amount)  # the amount field has the focus; cash is the method shown
    if case.company:
        app.key("Tab", "Tab")  # the method, then "Paid by a company"
        press(app, "space")
    time.sleep(0.5)  # the rule's warning is up (its colour is near the error colour)
    on_screen(app, dialog, screen_size, "the top-up dialog with the rule said")
    screen = (0, 0, *screen_size)
    warned = count_near(app.x.grab(), screen, ERROR_RGB, 10)

    def refusal_shown() -> bool:
        assert not topup_rows(db), (
            f"the top-up of ¥{case.amount} was credited in cash (company: {case.company})\n"
            f"{app.evidence('credited-in-cash')}")
        return count_near(app.x.grab(), screen, ERROR_RGB, 10) >= warned + 30

    app.key("Return")  # in cash: refused before anything reaches the till
    app.wait_until(refusal_shown, "Enter in cash shows the refusal (error colour)", 3)
    time.sleep(0.3)
    refused = app.screenshot("top-up-cash-refused")
    on_screen(app, dialog, screen_size, f"the top-up dialog with the refusal ({refused})")
    assert topup_rows(db) == [] and members.get(db, member.member_id).balance_fen == 0, (
        f"the cash top-up was recorded (screen: {refused})")
    app.key("End")  # the refusal put the keys on the method: bank transfer is the last
    app.key("Tab", "Tab")  # "Paid by a company" (left as it is), the payer's account
    time.sleep(0.3)
    on_screen(app, dialog, screen_size,
              f"the top-up dialog with the payer's account (screen: {app.screenshot('payer')})")
    app.type(PAYER, enter=True)
    app.wait_until(lambda: topup_rows(db),
                   f"the transfer with the payer's account typed is credited (the cash refusal "
                   f"left the keys on the method: {refused})")
    app.wait_no_window(TOP_UP, DIALOG_S, "the top-up dialog after crediting")
    amount_fen = int(case.amount) * 100
    assert topup_rows(db) == [("transfer", amount_fen, case.company, PAYER.replace(" ", ""),
                               wallet.agreement(db).version)]
    with db.reader() as s:  # the file holds it sealed, not as typed
        stored = s.execute(text("SELECT payer_account FROM topups")).scalar_one()
    assert sealed_records.is_sealed(stored) and PAYER.replace(" ", "") not in stored
    assert members.get(db, member.member_id).principal_fen == amount_fen
