"""The top-up dialog under the prepaid-card rules, in Chinese, driven by the keyboard through the
real widgets, worker and database: cash over the transfer threshold refused in the till's
language before anything is asked, bank transfer chosen, the payer's account typed and recorded,
the agreement named and shown on F8."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from storeapp import prepaid_agreement
from storeapp.db import Database
from storeapp.models import Topup
from storeapp.services import shifts, wallet
from tests.helpers import CASHIER, register, set_setting
from tests.ui.conftest import HUMAN_MS, keys, login, pick, when_dialog
from ui import dialogs, i18n
from ui.app import build
from ui.main_window import MainWindow
from ui.worker import Worker

PHONE = "13912345678"


@pytest.fixture
def counter_zh(qtbot: QtBot, qapp: QApplication, db: Database, manager: object,
               cashier: object) -> Iterator[MainWindow]:
    """The counter in Chinese, a shift open, named cards allowed ¥100,000 (so a person's
    ¥50,000 can be reached: the default cap, ¥5,000, refuses first) and a member picked."""
    set_setting(db, "language", "zh_CN")
    set_setting(db, "wallet_cap_fen", 10_000_000)
    shifts.open_shift(db, 0, actor=CASHIER)
    register(db, phone=PHONE, name="王芳")
    worker = Worker()
    win = build(qapp, db, worker)
    qtbot.addWidget(win)
    win.show()
    login(qtbot, win)
    pick(qtbot, win, PHONE)
    yield win
    worker.stop()
    i18n.install(qapp, "en")  # the next test starts from the source language


def topups(db: Database) -> list[Topup]:
    with db.reader() as s:
        return list(s.scalars(select(Topup)))


def test_cash_over_the_line_is_refused_in_chinese_and_a_transfer_records_the_payer(
        qtbot: QtBot, counter_zh: MainWindow, db: Database) -> None:
    seen: dict[str, object] = {}

    def top_up(dialog: dialogs.TopupDialog) -> None:
        agreement = wallet.agreement(db)
        seen["agreement"] = (prepaid_agreement.VERSION in dialog.agreement_line.text()
                             and agreement.short_hash in dialog.agreement_line.text())
        qtbot.keyClick(dialog.amount, Qt.Key.Key_F8, delay=HUMAN_MS)  # its text, to read
        qtbot.waitUntil(dialog.agreement_text.isVisible, timeout=2000)
        seen["text shown"] = dialog.agreement_text.toPlainText() == agreement.text
        qtbot.keyClick(dialog.amount, Qt.Key.Key_F8, delay=HUMAN_MS)
        qtbot.waitUntil(lambda: not dialog.agreement_text.isVisible(), timeout=2000)
        seen["text hidden"] = dialog.amount.hasFocus()  # the keys stay in the amount
        keys(qtbot, dialog.amount, "50000")
        qtbot.waitUntil(lambda: dialog.amount.text() == "50000", timeout=2000)
        seen["rule"] = dialog.rule.isVisible()
        seen["payer before"] = dialog.payer.isVisible()
        qtbot.keyClick(dialog.amount, Qt.Key.Key_Return, delay=HUMAN_MS)  # cash: refused
        qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=2000)
        seen["cash"] = dialog.error.text()
        seen["method focused"] = dialog.method.hasFocus()
        qtbot.keyClick(dialog.method, Qt.Key.Key_End, delay=HUMAN_MS)  # bank transfer
        qtbot.waitUntil(dialog.payer.isVisible, timeout=2000)
        seen["method"] = dialog.method.currentData()
        seen["rule after"] = dialog.rule.isVisible()
        qtbot.keyClick(dialog.method, Qt.Key.Key_Tab, delay=HUMAN_MS)  # the company box
        qtbot.waitUntil(dialog.company.hasFocus, timeout=2000)
        qtbot.keyClick(dialog.company, Qt.Key.Key_Tab, delay=HUMAN_MS)
        qtbot.waitUntil(dialog.payer.hasFocus, timeout=2000)
        seen["payer focused"] = True
        dialog.error.clear()
        keys(qtbot, dialog.payer, "1234", enter=True)
        qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=2000)
        seen["short account"] = dialog.error.text()
        dialog.payer.selectAll()
        keys(qtbot, dialog.payer, "6222 0211 0000 1234", enter=True)

    when_dialog(qtbot, dialogs.TopupDialog, top_up)
    qtbot.keyClick(counter_zh.counter, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: len(topups(db)) == 1, timeout=10_000)
    assert seen == {
        "agreement": True, "text shown": True, "text hidden": True,
        "rule": True, "payer before": False,
        "cash": "个人一次预付 ¥50,000.00，须通过银行转账支付（¥50,000.00 起）。",
        "method focused": True, "method": "transfer", "rule after": False,
        "payer focused": True,
        "short account": seen["short account"],  # said in the till's language (below)
    }
    assert seen["short account"] and "8" in str(seen["short account"])  # 8 to 32 digits
    [row] = topups(db)
    assert (row.method, row.company, row.payer_account, row.principal_fen) == (
        "transfer", False, "6222021100001234", 5_000_000)
    assert (row.agreement_version, row.agreement_sha256) == (
        prepaid_agreement.VERSION, wallet.agreement(db).sha256)


def test_a_companys_top_up_is_refused_in_cash_from_5000(
        qtbot: QtBot, counter_zh: MainWindow, db: Database) -> None:
    seen: dict[str, object] = {}

    def top_up(dialog: dialogs.TopupDialog) -> None:
        keys(qtbot, dialog.amount, "5000")
        qtbot.waitUntil(lambda: dialog.amount.text() == "5000", timeout=2000)
        seen["person"] = dialog.rule.isVisible()  # a person's ¥5,000 may be cash
        qtbot.keyClick(dialog.amount, Qt.Key.Key_Tab, delay=HUMAN_MS)
        qtbot.waitUntil(dialog.method.hasFocus, timeout=2000)
        qtbot.keyClick(dialog.method, Qt.Key.Key_Tab, delay=HUMAN_MS)
        qtbot.waitUntil(dialog.company.hasFocus, timeout=2000)
        seen["company focused"] = True
        qtbot.keyPress(dialog.company, Qt.Key.Key_Space)
        qtbot.wait(HUMAN_MS * 2)  # a finger's press: the scan detector replays it first
        qtbot.keyRelease(dialog.company, Qt.Key.Key_Space)
        qtbot.waitUntil(dialog.company.isChecked, timeout=2000)
        seen["company"] = dialog.rule.isVisible()
        qtbot.keyClick(dialog.company, Qt.Key.Key_Return, delay=HUMAN_MS)
        qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=2000)
        seen["cash"] = dialog.error.text()
        dialog.reject()

    when_dialog(qtbot, dialogs.TopupDialog, top_up)
    qtbot.keyClick(counter_zh.counter, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: "cash" in seen, timeout=10_000)
    assert seen == {"person": False, "company focused": True, "company": True,
                    "cash": "企业一次预付 ¥5,000.00，须通过银行转账支付（¥5,000.00 起）。"}
    assert topups(db) == []


def test_an_agreement_changed_while_the_dialog_was_open_is_shown_before_the_top_up(
        qtbot: QtBot, counter_zh: MainWindow, db: Database) -> None:
    seen: dict[str, object] = {}

    def top_up(dialog: dialogs.TopupDialog) -> None:
        set_setting(db, "prepaid_agreement", {"version": "2026.1", "text": "新版协议"})  # a sync
        keys(qtbot, dialog.amount, "100", enter=True)
        qtbot.waitUntil(lambda: "2026.1" in dialog.agreement_line.text(), timeout=5000)
        seen["refused"] = "2026.1" in dialog.error.text() and topups(db) == []
        qtbot.keyClick(dialog.amount, Qt.Key.Key_Return, delay=HUMAN_MS)

    when_dialog(qtbot, dialogs.TopupDialog, top_up)
    qtbot.keyClick(counter_zh.counter, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: len(topups(db)) == 1, timeout=10_000)
    assert seen == {"refused": True}
    [row] = topups(db)
    assert (row.agreement_version, row.principal_fen) == ("2026.1", 10_000)


def test_the_rule_and_a_refusal_do_not_squeeze_the_preset_buttons(
        qtbot: QtBot, counter_zh: MainWindow) -> None:
    """Their lines wrap, so their height is not in the layout's minimum: the open dialog grows
    for them instead of cutting the presets' bonus lines (seen at 1024x768 on Xvfb)."""
    seen: dict[str, object] = {}

    def top_up(dialog: dialogs.TopupDialog) -> None:
        keys(qtbot, dialog.amount, "50000", enter=True)
        qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=2000)
        qtbot.wait(100)  # the layout has been laid out again
        seen["cut"] = [button.text().replace("\n", " ") for button in dialog.group.buttons()
                       if button.height() < button.sizeHint().height()]
        dialog.reject()

    when_dialog(qtbot, dialogs.TopupDialog, top_up)
    qtbot.keyClick(counter_zh.counter, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: "cut" in seen, timeout=10_000)
    assert seen["cut"] == []
