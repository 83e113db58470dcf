"""Screenshots of the counter for docs/screenshots/, in Chinese and English: login, the counter
with a member and a cart, top-up, checkout (stored value + cash, change), member history, the
member's count cards (次卡: using one, selling one), gift cards (礼品卡: one paying
at checkout, its balance, selling) and a sale on a company's account, registering a member
named by a referrer's code (推荐人), the counter with a staff member (员工), the shift (X report,
counted cash and its variance), the manager's reports (the daily report with
its charts, and the RFM segments with a segment's members), head-office sync (Sync now with
head office up, and again with it down: the status bar synced, then offline), and the member's
consents (Ctrl+N) and a large top-up under the prepaid rules (cash refused, a company's bank
transfer with the payer's account).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py [--out DIR] [--lang zh_CN]
        [--only GROUP ...]

``--only`` shoots some groups of screenshots (:data:`GROUPS`), e.g. ``--only consent-topup``
after a change to those dialogs; the demo store is built the same either way.

A demo store is built in a temporary directory through the real services; the real window is
built with ``ui.app.build`` at 1280×800 and driven the way the tests drive it. The reports are
shot on a second, busier demo store (more members over a shorter span), so the charts have a
few weeks of daily figures to show. The sync shots run a real head office (``storeapp-hq
serve``) over a SQLite file, on a copy of the demo till per language, and kill it for the
offline shot. Dialogs are drawn over the dimmed counter with a plain title bar (offscreen Qt
has no window manager); the Sync-now window, which leaves the counter usable, over its corner.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx  # noqa: E402
from PySide6.QtCore import QEventLoop, QRect, Qt  # noqa: E402 (the platform is chosen first)
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QWidget  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from storeapp import demo  # noqa: E402
from storeapp.db import Database  # noqa: E402
from storeapp.models import Coupon, Member, MemberPrompt, WalletEntry  # noqa: E402
from storeapp.money import parse_yuan  # noqa: E402
from storeapp.services import (  # noqa: E402
    companies,
    countcards,
    giftcards,
    members,
    plans,
    sales,
    shifts,
    users,
)
from storeapp.services.sales import LineIn, TenderIn  # noqa: E402
from sync import client  # noqa: E402
from sync.hq import service  # noqa: E402
from sync.hq.db import HqDatabase, utcnow  # noqa: E402
from ui import dialogs  # noqa: E402
from ui.app import build  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.reports import ReportsDialog  # noqa: E402
from ui.state import AppState  # noqa: E402
from ui.sync_runner import SyncRunner  # noqa: E402
from ui.worker import Worker  # noqa: E402

LANGUAGES = ("zh_CN", "en")
CASHIER = ("c01", "111100")  # storeapp.demo.DEMO_USERS: a cashier sees masked phones
CART = ("6906789012349", "6908901234569", "6904567890127", "6902345678907")  # coffee, shampoo…
WALLET_PART = "100.00"  # yuan from stored value at checkout; cash pays the rest
TITLE_BAR_PX = 36
FLOAT_FEN = 50_000  # the shift's float
SHORT_FEN = 200  # the drawer counted ¥2 short, so the shift screenshot shows a variance
MANAGER = ("m01", "999900")  # the reports are a manager's
REPORT_MEMBERS, REPORT_DAYS = 240, 45  # the busier store behind the reports screenshots
REPORT_RANGE_DAYS = 14  # the daily report over the last two weeks
REPORT_SIZE = (1280, 960)  # taller than the counter: charts and the figures under them
#: Common till screens: the counter, checkout with the PIN pad, a refund and the reports at each
TILL_SCREENS = ((1024, 768), (1366, 768))
PAYMENT_PIN = "246810"
#: Chain rules head office sends with the sync shots (the chain's values already: nothing moves)
HQ_RULES = (("setting", "points_promo_multiplier", "2"), ("setting", "tier_near_pct", 15))
#: Count cards on sale (code, name, uses, price in yuan, months valid); the shown member holds
#: one of each, partly used.
CARD_PRODUCTS = (("WASH10", "精洗车10次卡", 10, "300", 12, 3),
                 ("COFFEE20", "现磨咖啡20杯卡", 20, "360", 6, 5))
#: Gift cards and company accounts (礼品卡, 挂账): a ¥100 card, partly spent, is scanned at
#: checkout (it pays part, cash the rest) and in the gift-card dialog; companies buy on account
#: (code, name, credit limit in fen, owed already); the sell shot sells to a company by transfer.
GIFT_FACE_FEN, GIFT_SPENT_FEN = 10_000, 1_234
COMPANIES = (("HUAXIN", "华信科技有限公司", 2_000_000, 0),
             ("LANTIAN", "蓝天物流有限公司", 500_000, 186_000))
GIFT_SALE = ("1000", "12", "李明", "6222 0211 0000 1234")  # face, cards, buyer, payer account
#: Referrals and staff (推荐, 员工): the shown member has referred two members; a staff user's
#: own member account (员工价, part of the month's cap used) is shown on the counter too, and a
#: new member registers naming the shown member's referral code.
REFERRED = (("13700009901", "郑小雨"), ("13700009902", "冯嘉怡"))
STAFF_USER = ("s01", "周员工", "222200")
STAFF_SALE_FEN = 80_000  # at the staff price: ¥80 of the ¥300 monthly cap used
NEW_MEMBER = ("13700009903", "韩梅梅")
#: What a paid plan is worth (付费会员, PLUS: 3% off for ¥99 a year): a PLUS member who has
#: bought since joining, and a member without a plan whose ¥6,200 this year would have saved
#: ¥186 with it (phone, name, open-amount sales in yuan).
PLAN_SAVER = ("13600003001", "孙悦", ("899", "1,280", "650"))
PLAN_MISSER = ("13600006201", "赵敏", ("2,680", "1,999", "1,521"))
#: The consent shot chooses offers by WeChat (its notice shown, Enter would give it); the
#: top-up shots type a person's ¥50,000 in cash (refused: only a bank transfer may pay) and a
#: company's ¥5,000 by bank transfer from the payer's account.
CONSENT_SHOWN = "marketing_wechat"
LARGE_CASH_TOPUP = "50000"
COMPANY_TOPUP = ("5000", "6222 0211 0000 1234")
#: What ``--only`` chooses from, in the order they are shot.
GROUPS = ("counter", "sync", "giftcards", "consent-topup", "till", "plan", "reports")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", nargs="+", default=list(LANGUAGES), choices=LANGUAGES)
    parser.add_argument("--only", nargs="+", default=list(GROUPS), choices=GROUPS,
                        help="shoot only these groups (default: all)")
    args = parser.parse_args()
    wanted = set(args.only)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "demo.db")
        demo.populate(db, members=60)
        phone = pick_member(db)
        start_shift(db)
        count_cards(db, phone)
        campaign_prompt(db, phone)
        gift_qr = gift_card_and_companies(db)
        staff_phone = referrals_and_staff(db, phone)
        for language in args.lang if "counter" in wanted else ():
            for name in shoot(app, db, language, phone, args.out, staff_phone):
                print(name)
        for language in args.lang if "sync" in wanted else ():
            for name in shoot_sync(app, db, language, phone, Path(tmp), args.out):
                print(name)
        for language in args.lang if "giftcards" in wanted else ():
            for name in shoot_gift_cards(app, db, language, phone, gift_qr, args.out):
                print(name)
        for language in args.lang if "consent-topup" in wanted else ():
            for name in shoot_consent_and_topup(app, db, language, phone, args.out):
                print(name)
        receipt_no = pin_member_sale(db, phone)
        for language in args.lang if "till" in wanted else ():
            for name in shoot_till_screens(app, db, language, phone, receipt_no, args.out,
                                           staff_phone):
                print(name)
        plan_phones = plan_members(db)  # after the shift's shots: its figures stay as they were
        for language in args.lang if "plan" in wanted else ():
            for name in shoot_plan_value(app, db, language, plan_phones, args.out):
                print(name)
        db.close()
        if "reports" not in wanted:
            return 0
        busy = Database(Path(tmp) / "reports.db")
        demo.populate(busy, members=REPORT_MEMBERS, days=REPORT_DAYS)
        shifts.open_shift(busy, FLOAT_FEN, actor=MANAGER[0])  # no open-shift prompt at login
        for language in args.lang:
            for name in shoot_reports(app, busy, language, args.out):
                print(name)
        busy.close()
    return 0


#: Head office's campaign line for the shown member, as a download leaves it (docs/programme.md)
PROMPT = ("BDAY12", "生日快乐：已送¥20券，本次即可使用")


def campaign_prompt(db: Database, phone: str) -> None:
    """The shown member is in a live head-office campaign: the panel says its line, and the
    campaign's coupon (a birthday ¥20) is among the member's coupons."""
    now = db.clock.now()
    with db.session() as s, s.begin():
        member_id = s.scalar(select(Member.member_id).where(
            Member.phone_key == db.pii.phone_key(phone)))
        s.add(MemberPrompt(member_id=member_id, campaign=PROMPT[0], text=PROMPT[1],
                           until=now + dt.timedelta(days=14)))
        s.add(Coupon(code="CP-BDAY2026", template_code="BDAY20", member_id=member_id,
                     reason="campaign", action_key="hq:CP-BDAY2026", issued_at=now,
                     valid_from=now - dt.timedelta(hours=1),
                     valid_until=now + dt.timedelta(days=14)))


def pick_member(db: Database) -> str:
    """An active member above the first tier, without a payment PIN, with stored value
    (principal and bonus) and the longest stored-value history, so the panel, the tier progress
    and the history all have something to show."""
    wallet_rows = select(func.count()).where(WalletEntry.member_id == Member.member_id)
    with db.reader() as s:
        chosen = s.scalars(
            select(Member)
            .where(Member.status == "active", Member.pin_hash.is_(None), Member.bonus_fen > 0,
                   Member.principal_fen >= 10_000)
            .order_by((Member.tier == "regular").asc(), wallet_rows.scalar_subquery().desc(),
                      Member.member_id)
            .limit(1)).first()
        if chosen is None:
            raise SystemExit("the demo data has no member with a balance to show")
        return chosen.phone


def count_cards(db: Database, phone: str) -> None:
    """Count cards on sale, and the shown member holding one of each with some uses used."""
    member = members.get(db, phone)
    for code, name, uses, price, months, used in CARD_PRODUCTS:
        countcards.save_product(db, code=code, name=name, covers=name, uses=uses,
                                price_fen=parse_yuan(price), valid_months=months,
                                actor=MANAGER[0])
        sold = countcards.sell(db, member.member_id, code, method="wechat", actor=CASHIER[0])
        countcards.use(db, sold.card.card_no, uses=used, actor=CASHIER[0])


def start_shift(db: Database) -> None:
    """The cashier's shift, open with a float and a few sales, so the X report has figures."""
    actor = CASHIER[0]
    shifts.open_shift(db, FLOAT_FEN, actor=actor)
    for barcodes, method, tendered_fen in ((CART[:2], "cash", 20_000), (CART[2:], "wechat", None),
                                           (CART[:1], "cash", None)):
        sales.checkout(db, member_ref=None, lines=[LineIn(barcode=b) for b in barcodes],
                       tenders=[TenderIn(method, tendered_fen)], actor=actor)


def shoot(app: QApplication, db: Database, language: str, phone: str,
          out: Path, staff_phone: str) -> list[str]:
    worker, window = counter_window(app, db, language)
    names: list[str] = []

    def save(what: str, pixmap: QPixmap) -> None:
        name = f"ui-{language}-{what}.png"
        pixmap.save(str(out / name))
        names.append(name)

    try:
        window.login.code.setText(CASHIER[0])
        settle()
        save("login", window.grab())
        log_in(window)
        fill_counter(window, phone)
        save("counter", window.grab())
        save("topup", over_window(window, open_dialog(window, dialogs.TopupDialog, topup)))
        save("checkout", over_window(window, open_dialog(window, dialogs.CheckoutDialog, pay)))
        save("history", over_window(window, open_dialog(window, dialogs.HistoryDialog,
                                                        history_loaded)))
        save("countcards", over_window(window, open_dialog(window, count_cards_dialog,
                                                           cards_shown)))
        save("countcard-sell", over_window(window, open_dialog(window, dialogs.SellCardDialog,
                                                               products_shown)))
        save("shift", over_window(window, open_dialog(window, dialogs.ShiftDialog, counted)))
        save("register-referrer", over_window(window, open_dialog(
            window, registering, referrer_shown(members.get(db, phone).referral_code))))
        show_staff_member(window, staff_phone)
        save("counter-staff", window.grab())
    finally:
        for dialog in window.findChildren(QDialog):
            dialog.reject()
        window.close()
        window.deleteLater()  # its app-wide event filters go with it
        settle()
        worker.stop()
    return names


def plan_members(db: Database) -> list[str]:
    """:data:`PLAN_SAVER` joins PLUS and buys; :data:`PLAN_MISSER` buys without a plan."""
    phones = []
    for (phone, name, amounts), joins in ((PLAN_SAVER, True), (PLAN_MISSER, False)):
        member = members.register(db, phone=phone, name=name, actor=CASHIER[0])
        if joins:
            plans.buy(db, member.member_id, "PLUS", method="wechat", actor=CASHIER[0])
        for amount in amounts:
            sales.checkout(db, member_ref=member.member_id,
                           lines=[LineIn(unit_price_fen=parse_yuan(amount), name="家电")],
                           tenders=[TenderIn("wechat")], actor=CASHIER[0])
        phones.append(phone)
    return phones


def shoot_plan_value(app: QApplication, db: Database, language: str, phones: list[str],
                     out: Path) -> list[str]:
    """The counter at 1024x768 (the panel's tightest) with what PLUS saved its member, under
    the plan, and with what it would have saved a member without a plan."""
    with db.session() as s, s.begin():
        db.set_setting(s, "language", language)
    names: list[str] = []
    for what, phone in zip(("plan-saved", "plan-missed"), phones, strict=True):
        worker = Worker()
        window = build(app, db, worker)
        window.resize(1024, 768)
        window.show()
        try:
            log_in(window)
            fill_counter(window, phone)
            wait(window, window.counter.member.plan_value.isVisible)
            settle()
            names.append(save_shot(window.grab(), out, f"ui-{language}-1024x768-{what}.png"))
        finally:
            window.close()
            window.deleteLater()
            settle()
            worker.stop()
    return names


def pin_member_sale(db: Database, phone: str) -> str:
    """The shown member sets a payment PIN (the checkout shots show the PIN pad) and bought
    something paid partly from the balance, partly in cash: the refund shots show both going
    back. Its receipt number."""
    member = members.get(db, phone)
    members.set_pin(db, member.member_id, PAYMENT_PIN, actor=CASHIER[0])
    sale = sales.checkout(db, member_ref=member.member_id,
                          lines=[LineIn(barcode=b) for b in CART[:2]],
                          tenders=[TenderIn("wallet", 3_000), TenderIn("cash", 10_000)],
                          actor=CASHIER[0], pin=PAYMENT_PIN)
    return str(sale["receipt_no"])


def shoot_till_screens(app: QApplication, db: Database, language: str, phone: str,
                       receipt_no: str, out: Path, staff_phone: str) -> list[str]:
    """At 1024x768 and 1366x768: the counter, checkout with the PIN pad, and a refund showing
    the cash to hand back, each the whole screen."""
    with db.session() as s, s.begin():
        db.set_setting(s, "language", language)
    worker = Worker()
    window = build(app, db, worker)
    window.show()
    settle()
    names: list[str] = []
    try:
        log_in(window)
        fill_counter(window, phone)
        for width, height in TILL_SCREENS:
            window.resize(width, height)
            settle()
            size = f"{width}x{height}"
            names.append(save_shot(window.grab(), out, f"ui-{language}-{size}-counter.png"))
            names.append(save_shot(
                over_window(window, open_dialog(window, dialogs.CheckoutDialog, pin_typed)), out,
                f"ui-{language}-{size}-checkout-pin.png"))
            names.append(save_shot(
                over_window(window, open_dialog(window, refund_of(receipt_no), refund_shown)),
                out, f"ui-{language}-{size}-refund.png"))
            names.append(save_shot(
                over_window(window, open_dialog(window, count_cards_dialog, cards_shown)),
                out, f"ui-{language}-{size}-countcards.png"))
        for dialog in window.findChildren(QDialog):
            dialog.reject()
        show_staff_member(window, staff_phone)
        for width, height in TILL_SCREENS:
            window.resize(width, height)
            settle()
            names.append(save_shot(window.grab(), out,
                                   f"ui-{language}-{width}x{height}-counter-staff.png"))
    finally:
        for dialog in window.findChildren(QDialog):
            dialog.reject()
        window.close()
        window.deleteLater()
        settle()
        worker.stop()
    return names


def referrals_and_staff(db: Database, phone: str) -> str:
    """The shown member refers :data:`REFERRED`; a staff user is linked (with the manager's
    approval) to another member, who bought at the staff price. The staff member's phone."""
    code = members.get(db, phone).referral_code
    for new_phone, name in REFERRED:
        members.register(db, phone=new_phone, name=name, referrer=code, actor=CASHIER[0])
    with db.reader() as s:  # an active member whose phone tail no one else has
        tails = select(Member.tail_key).group_by(Member.tail_key).having(func.count() == 1)
        staff = s.scalars(
            select(Member).where(Member.status == "active",
                                 Member.phone_key != db.pii.phone_key(phone),
                                 Member.pin_hash.is_(None), Member.tail_key.in_(tails))
            .order_by(Member.member_id).limit(1)).first()
        staff_phone = staff.phone if staff is not None else None
    if staff_phone is None:
        raise SystemExit("the demo data has no member to make a staff member")
    code_, name_, pin = STAFF_USER
    users.add_user(db, code=code_, name=name_, role="cashier", pin=pin, actor=MANAGER[0])
    users.link_member(db, code_, staff_phone, actor=CASHIER[0],
                      grant=users.approve(db, MANAGER[0], MANAGER[1], "new staff"))
    sales.checkout(db, member_ref=staff_phone, lines=[LineIn(unit_price_fen=STAFF_SALE_FEN)],
                   tenders=[TenderIn("wechat", None)], actor=CASHIER[0])
    return str(staff_phone)


def registering(state: AppState, parent: QWidget) -> QDialog:
    dialog = dialogs.RegisterDialog(state, NEW_MEMBER[0], parent)
    dialog.name.setText(NEW_MEMBER[1])
    return dialog


def referrer_shown(code: str) -> Callable[[dialogs.RegisterDialog], bool]:
    """The referral code typed (looked up after the typing pause): who the referrer is."""
    def ready(dialog: dialogs.RegisterDialog) -> bool:
        if not dialog.referrer.text():
            dialog.referrer.setText(code)
            dialog.referrer.setFocus()
        return dialog.referrer_found is not None and not dialog.state.worker.busy
    return ready


def show_staff_member(window: MainWindow, phone: str) -> None:
    """The counter with the staff member and the cart: the staff badge and the price left."""
    window.state.clear_sale()
    settle()
    fill_counter(window, phone)
    panel = window.counter.member
    wait(window, lambda: panel.staff.isVisible() and not window.state.worker.busy)
    settle()


def pin_typed(dialog: dialogs.CheckoutDialog) -> bool:
    if not dialog.pin.text():
        dialog.pin.setText(PAYMENT_PIN)  # shown as dots
        dialog.wallet.setText(WALLET_PART)
        rest_fen = dialog.total_fen - parse_yuan(WALLET_PART)
        dialog.cash.setText(str((rest_fen // 10_000 + 1) * 100))
    return dialog.change.text() != ""


def count_cards_dialog(state: AppState, parent: QWidget) -> QDialog:
    return dialogs.CountCardDialog(state, "", parent)


def cards_shown(dialog: dialogs.CountCardDialog) -> bool:
    """The member's cards listed (soonest to expire first, chosen), two uses typed: what is
    left after."""
    if dialog.table.rowCount() < len(CARD_PRODUCTS) or dialog.state.worker.busy:
        return False
    if dialog.uses.text() != "2":
        dialog.uses.setText("2")
    return dialog.after.text() != ""


def products_shown(dialog: dialogs.SellCardDialog) -> bool:
    """The cards on sale, the second chosen, paid in cash."""
    if dialog.table.rowCount() < len(CARD_PRODUCTS) or dialog.state.worker.busy:
        return False
    if dialog.table.currentRow() != 1:
        dialog.table.selectRow(1)
    return dialog.to_pay.text() != ""


def refund_of(receipt_no: str) -> Callable[..., QDialog]:
    return lambda state, parent: dialogs.RefundDialog(state, receipt_no, parent)


def refund_shown(dialog: dialogs.RefundDialog) -> bool:
    return dialog.sale is not None and not dialog.state.worker.busy


def shoot_reports(app: QApplication, db: Database, language: str, out: Path) -> list[str]:
    """The reports screen as a manager opens it (Ctrl+R): the daily report over the last two
    weeks with its charts, and the members tab with the first RFM segment's members listed."""
    worker, window = counter_window(app, db, language)
    names: list[str] = []
    try:
        log_in(window, MANAGER)
        dialog = ReportsDialog(window.state, MANAGER[0], window.counter)
        dialog.resize(*REPORT_SIZE)
        dialog.show()
        daily = dialog.daily
        daily.start.setDate(daily.start.date().addDays(1 - REPORT_RANGE_DAYS))
        daily.load()
        wait(window, lambda: daily.shown is not None and "–" in daily.shown.period
             and not worker.busy)
        settle()
        names.append(save_shot(dialog.grab(), out, f"ui-{language}-reports.png"))
        dialog.tabs.setCurrentIndex(dialog.tabs.indexOf(dialog.members))
        members = dialog.members
        wait(window, lambda: members.rfm_report is not None and not worker.busy)
        table = members.segments.tables["segments"]
        table.setFocus()
        table.setCurrentIndex(table.model().index(0, 0))  # the most valuable segment
        wait(window, lambda: members.segment_report is not None and not worker.busy)
        settle()
        names.append(save_shot(dialog.grab(), out, f"ui-{language}-reports-members.png"))
        dialog.tabs.setCurrentIndex(dialog.tabs.indexOf(daily))
        for width, height in TILL_SCREENS:  # the whole screen of a small till
            dialog.resize(width, height)
            settle()
            names.append(save_shot(dialog.grab(), out,
                                   f"ui-{language}-{width}x{height}-reports.png"))
        dialog.reject()
    finally:
        window.close()
        window.deleteLater()
        settle()
        worker.stop()
    return names


def shoot_sync(app: QApplication, demo_db: Database, language: str, phone: str, tmp: Path,
               out: Path) -> list[str]:
    """Sync now (the sync key) on a copy of the demo till joined to a fresh head office: the
    result over the counter with the status bar synced, then head office killed, a sale, and
    Sync now again: offline (in the warning colour) with the sale waiting to be sent."""
    till = tmp / f"sync-{language}.db"
    with contextlib.closing(sqlite3.connect(demo_db.path)) as src, \
            contextlib.closing(sqlite3.connect(till)) as dst:
        src.backup(dst)
    db = Database(till)
    hq_url = f"sqlite:///{tmp / f'hq-{language}.db'}"
    hq = HqDatabase(hq_url)
    token = service.add_store(hq, db.settings.store_code, db.settings.store_name,
                              utcnow())["token"]
    for kind, key, value in HQ_RULES:
        service.set_rule(hq, kind, key, value)
    hq.close()
    with db.session() as s, s.begin():
        db.set_setting(s, "language", language)
    names: list[str] = []
    with head_office(hq_url) as (url, server):
        client.join(db, url, token)
        worker = Worker()
        window = build(app, db, worker)
        window.resize(1280, 800)
        window.show()
        runner = SyncRunner(db.path, db.clock)
        window.attach_sync(runner)
        runner.start()
        try:
            log_in(window)
            fill_counter(window, phone)
            dialog = window.sync_dialog
            assert dialog is not None
            window.sync_now()
            wait(window, lambda: not runner.busy and dialog.bar.value() == 1
                 and not worker.busy and window.status_sync.property("role") == "")
            settle()
            names.append(save_shot(beside_window(window, dialog), out, f"ui-{language}-sync.png"))
            server.kill()
            server.wait(10)
            sold: list[object] = []  # a sale while head office is down waits to be sent
            worker.submit(lambda: sales.checkout(
                db, member_ref=None, lines=[LineIn(barcode=CART[0])],
                tenders=[TenderIn("cash", None)], actor=CASHIER[0]), sold.append)
            wait(window, lambda: bool(sold))
            window.sync_now()
            wait(window, lambda: not runner.busy and not dialog.bar.isVisible()
                 and window.status_sync.property("role") == "warning")
            settle()
            names.append(save_shot(beside_window(window, dialog), out,
                                   f"ui-{language}-sync-offline.png"))
        finally:
            window.detach_sync()  # the sync thread quits and is waited for
            window.close()
            window.deleteLater()
            settle()
            worker.stop()
            db.close()
    return names


@contextlib.contextmanager
def head_office(db_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``storeapp-hq serve`` on a free loopback port, as a process the shot can kill."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "sync.hq.cli", "--db", db_url, "serve",
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                raise TimeoutError(f"head office at {url} did not come up")
            time.sleep(0.05)
        yield url, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(10)


def gift_card_and_companies(db: Database) -> str:
    """A gift card sold and partly spent, and the companies buying on account: the card's QR."""
    card = giftcards.sell(db, face_fen=GIFT_FACE_FEN, method="cash", actor=CASHIER[0]).cards[0]
    sales.checkout(db, member_ref=None, lines=[LineIn(unit_price_fen=GIFT_SPENT_FEN)],
                   tenders=[TenderIn("giftcard", None, ref=card.qr)], actor=CASHIER[0])
    for code, name, limit_fen, owed_fen in COMPANIES:
        companies.add(db, code=code, name=name, contact_name="王经理",
                      contact_phone="13800138000", credit_limit_fen=limit_fen, terms_days=30,
                      actor=MANAGER[0])
        if owed_fen:
            companies.charge(db, code, owed_fen, actor=CASHIER[0])
    return card.qr


def shoot_gift_cards(app: QApplication, db: Database, language: str, phone: str, gift_qr: str,
                     out: Path) -> list[str]:
    """Checkout with a gift card scanned (it pays part, cash the rest) and on a company's
    account; the gift-card dialog (Ctrl+G) with a card's balance, and selling cards to a
    company by bank transfer with the buyer's name. The first and the last also at 1024x768 and
    1366x768, the whole screen."""
    worker, window = counter_window(app, db, language)
    names: list[str] = []

    def shot(dialog: QDialog, what: str) -> None:
        names.append(save_shot(over_window(window, dialog), out, f"ui-{language}-{what}.png"))

    scanned = functools.partial(dialogs.CheckoutDialog, gift_ref=gift_qr)

    def gift_dialog(state: AppState, parent: QWidget) -> QDialog:
        return dialogs.GiftCardDialog(state, gift_qr, parent)

    try:
        log_in(window)
        fill_counter(window, phone)
        shot(open_dialog(window, scanned, gift_card_paying), "checkout-giftcard")
        shot(open_dialog(window, dialogs.CheckoutDialog, on_account), "checkout-account")
        shot(open_dialog(window, gift_dialog, card_read), "giftcard-balance")
        shot(open_dialog(window, lambda state, parent: dialogs.GiftCardDialog(state, "", parent),
                         selling_cards), "giftcard-sell")
        for width, height in TILL_SCREENS:
            window.resize(width, height)
            settle()
            size = f"{width}x{height}"
            shot(open_dialog(window, scanned, gift_card_paying), f"{size}-checkout-giftcard")
            shot(open_dialog(window, gift_dialog, lambda d: card_read(d) and selling_cards(d)),
                 f"{size}-giftcard")
    finally:
        for dialog in window.findChildren(QDialog):
            dialog.reject()
        window.close()
        window.deleteLater()
        settle()
        worker.stop()
    return names


def shoot_consent_and_topup(app: QApplication, db: Database, language: str, phone: str,
                            out: Path) -> list[str]:
    """The member's consents (Ctrl+N) with offers by WeChat chosen and its notice shown; the
    top-up dialog refusing a person's ¥50,000 in cash, and taking a company's ¥5,000 by bank
    transfer with the payer's account typed. At 1280x800 and, the whole screen, at each till
    screen (the payer's row and the rule's lines make the top-up dialog taller there)."""
    worker, window = counter_window(app, db, language)
    names: list[str] = []
    try:
        log_in(window)
        fill_counter(window, phone)
        for size in (None, *TILL_SCREENS):
            if size is not None:
                window.resize(*size)
                settle()
            prefix = f"ui-{language}-" + ("" if size is None else f"{size[0]}x{size[1]}-")
            for kind, ready, what in ((dialogs.ConsentDialog, consent_chosen, "consent"),
                                      (dialogs.TopupDialog, cash_refused, "topup-cash-refused"),
                                      (dialogs.TopupDialog, company_transfer, "topup-transfer")):
                names.append(save_shot(over_window(window, open_dialog(window, kind, ready)),
                                       out, f"{prefix}{what}.png"))
    finally:
        for dialog in window.findChildren(QDialog):
            dialog.reject()
        window.close()
        window.deleteLater()
        settle()
        worker.stop()
    return names


def consent_chosen(dialog: dialogs.ConsentDialog) -> bool:
    """The consents listed, :data:`CONSENT_SHOWN` chosen (its key pressed): its notice."""
    if not dialog.states or dialog.state.worker.busy:
        return False
    if dialog.selected != CONSENT_SHOWN:
        dialog.rows[CONSENT_SHOWN].click()
    return dialog.notice.text() != ""


def cash_refused(dialog: dialogs.TopupDialog) -> bool:
    """A person's ¥50,000 in cash, Enter: the rule said, and the refusal."""
    if not dialog.amount.text():
        dialog.amount.setText(LARGE_CASH_TOPUP)
        dialog.amount.returnPressed.emit()
    return dialog.error.text() != ""


def company_transfer(dialog: dialogs.TopupDialog) -> bool:
    """A company's ¥5,000 by bank transfer, the payer's account typed (the keys in it)."""
    amount, payer = COMPANY_TOPUP
    if not dialog.amount.text():
        dialog.amount.setText(amount)
        dialog.company.setChecked(True)
        dialog.method.setCurrentIndex(dialog.method.findData("transfer"))
        dialog.payer.setText(payer)
        dialog.payer.setFocus()
    return dialog.payer.isVisible() and not dialog.rule.isVisible()


def gift_card_paying(dialog: dialogs.CheckoutDialog) -> bool:
    """The card read; it pays what it holds (not the stored value), cash the rest."""
    if dialog.gift_card is None or dialog.company.count() < 1 + len(COMPANIES):
        return False
    if not dialog.cash.text():
        dialog.wallet.clear()
        card_fen = min(dialog.gift_card.balance_fen, dialog.total_fen)
        dialog.gift_amount.setText(f"{card_fen // 100}.{card_fen % 100:02d}")
        rest_fen = dialog.total_fen - card_fen
        dialog.cash.setText(str((rest_fen // 10_000 + 1) * 100))  # the next ¥100 note up
    return dialog.change.text() != ""


def on_account(dialog: dialogs.CheckoutDialog) -> bool:
    """The first company chosen: all of the sale on its account."""
    if dialog.company.count() < 1 + len(COMPANIES) or dialog.state.worker.busy:
        return False
    if dialog.company.currentIndex() != 1:
        dialog.wallet.clear()
        dialog.company.setCurrentIndex(1)
        dialog.company.setFocus()
    return dialog.account.text() != ""


def card_read(dialog: dialogs.GiftCardDialog) -> bool:
    return dialog.card is not None and not dialog.state.worker.busy


def selling_cards(dialog: dialogs.GiftCardDialog) -> bool:
    """¥12,000 of cards to a company: its buyer's real name, paid by bank transfer (F5) from
    the payer's account."""
    face, count, buyer, payer = GIFT_SALE
    if not dialog.face.text():
        dialog.face.setText(face)
        dialog.count.setText(count)
        dialog.company.setChecked(True)
        dialog.group.button(giftcards.SELL_METHODS.index("transfer")).click()
        dialog.buyer.setText(buyer)
        dialog.payer.setText(payer)
        dialog.payer.setFocus()
    return dialog.buyer.isVisible() and dialog.payer.isVisible()


def counter_window(app: QApplication, db: Database, language: str) -> tuple[Worker, MainWindow]:
    """The till's main window in ``language``, shown at 1280x800 and settled."""
    with db.session() as s, s.begin():
        db.set_setting(s, "language", language)
    worker = Worker()
    window = build(app, db, worker)
    window.resize(1280, 800)
    window.show()
    settle()
    return worker, window


def save_shot(pixmap: QPixmap, out: Path, name: str) -> str:
    pixmap.save(str(out / name))
    return name


def log_in(window: MainWindow, user: tuple[str, str] = CASHIER) -> None:
    # Filled in directly: typing would have to be paced to stay clear of the scan filter.
    window.login.code.setText(user[0])
    window.login.pin.setText(user[1])
    window.login.button.click()
    wait(window, lambda: window.stack.currentWidget() is window.counter)


def fill_counter(window: MainWindow, phone: str) -> None:
    counter, state = window.counter, window.state
    counter.search.field.setText(phone[-4:])
    counter.search.search(phone[-4:])
    wait(window, lambda: state.member is not None and counter.member.split.text() != "")
    for barcode in CART:
        counter.cart.add_barcode(barcode)
    wait(window, lambda: len(state.lines) == len(CART) and state.quote is not None
         and not state.worker.busy)
    settle()


def topup(dialog: dialogs.TopupDialog) -> bool:
    if not dialog.amount.text():
        dialog.amount.setText("500")
    return dialog.bonus.text() != ""


def pay(dialog: dialogs.CheckoutDialog) -> bool:
    if not dialog.cash.text():
        dialog.wallet.setText(WALLET_PART)  # the customer keeps the rest of the balance
        rest_fen = dialog.total_fen - parse_yuan(dialog.wallet.text() or "0", allow_zero=True)
        dialog.cash.setText(str((rest_fen // 10_000 + 1) * 100))  # the next ¥100 note up
    return dialog.change.text() != ""


def history_loaded(dialog: dialogs.HistoryDialog) -> bool:
    return dialog.wallet_table.rowCount() > 0 and not dialog.state.worker.busy


def counted(dialog: dialogs.ShiftDialog) -> bool:
    """The drawer counted a little short, Enter pressed once: expected, counted, variance."""
    if dialog.report is None or dialog.state.worker.busy:
        return False
    if not dialog.counted.text():
        counted_fen = dialog.report["expected_cash_fen"] - SHORT_FEN
        dialog.counted.setText(f"{counted_fen // 100}.{counted_fen % 100:02d}")
        dialog.counted.returnPressed.emit()
    return dialog.variance.text() != ""


def open_dialog(window: MainWindow, kind: Callable[..., QDialog],
                ready: Callable[..., bool]) -> QDialog:
    """Open ``kind`` over the counter without blocking in ``exec``; fill it until ``ready``."""
    for old in window.findChildren(QDialog):
        old.reject()
        old.deleteLater()
    dialog = kind(window.state, window.counter)
    dialog.show()
    wait(window, lambda: ready(dialog))
    settle()
    return dialog


def over_window(window: MainWindow, dialog: QDialog) -> QPixmap:
    """The counter, dimmed as behind a modal dialog, with the dialog and its title on top."""
    base = window.grab()
    shot = dialog.grab()
    width, height = shot.width(), shot.height() + TITLE_BAR_PX
    x, y = (base.width() - width) // 2, max(0, (base.height() - height) // 2)
    painter = QPainter(base)
    painter.fillRect(base.rect(), QColor(0, 0, 0, 70))
    painter.fillRect(x + 6, y + 8, width, height, QColor(0, 0, 0, 50))  # a soft shadow
    painter.fillRect(x - 1, y - 1, width + 2, height + 2, QColor("#9aa5b1"))
    painter.fillRect(x, y, width, TITLE_BAR_PX, QColor("#e4e7eb"))
    painter.setPen(QColor("#1f2933"))
    painter.drawText(QRect(x + 14, y, width - 28, TITLE_BAR_PX),
                     Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                     dialog.windowTitle())
    painter.drawPixmap(x, y + TITLE_BAR_PX, shot)
    painter.end()
    return base


def beside_window(window: MainWindow, dialog: QDialog) -> QPixmap:
    """The counter as it is (not dimmed: the window leaves it usable), with the non-modal
    dialog and its title where it stands over the counter's corner."""
    base = window.grab()
    shot = dialog.grab()
    offset = dialog.geometry().topLeft() - window.geometry().topLeft()
    x, y = offset.x(), offset.y() - TITLE_BAR_PX
    width, height = shot.width(), shot.height() + TITLE_BAR_PX
    painter = QPainter(base)
    painter.fillRect(x + 6, y + 8, width, height, QColor(0, 0, 0, 50))  # a soft shadow
    painter.fillRect(x - 1, y - 1, width + 2, height + 2, QColor("#9aa5b1"))
    painter.fillRect(x, y, width, TITLE_BAR_PX, QColor("#e4e7eb"))
    painter.setPen(QColor("#1f2933"))
    painter.drawText(QRect(x + 14, y, width - 28, TITLE_BAR_PX),
                     Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                     dialog.windowTitle())
    painter.drawPixmap(x, y + TITLE_BAR_PX, shot)
    painter.end()
    return base


def wait(window: MainWindow, condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"screen did not get ready (status: {window.message.text()!r})")
        pump()
        time.sleep(0.01)


def settle() -> None:
    for _ in range(5):  # layouts, style polish and queued worker results
        pump()
        time.sleep(0.02)


@functools.cache
def _loop() -> QEventLoop:
    return QEventLoop()


def pump() -> None:
    """Deliver pending events once, through a QEventLoop of our own: PySide6 6.12's static
    QApplication.processEvents() drops a reference to None on each call (Python 3.11 aborts
    once None's count runs out)."""
    _loop().processEvents()


if __name__ == "__main__":
    sys.exit(main())
