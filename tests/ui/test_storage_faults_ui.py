"""The till's database held by another program in the middle of a top-up: the cashier reads
what happened in words, nothing is posted, and the same top-up goes through once it is free."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from storeapp.db import Database
from storeapp.services import members
from tests.helpers import register
from tests.ui.conftest import keys, login, pick, when_dialog
from ui import dialogs
from ui.main_window import MainWindow


def test_a_locked_database_is_explained_and_the_top_up_goes_through_later(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    login(qtbot, window)
    pick(qtbot, window, "13912345678")
    holder = sqlite3.connect(db.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program, in the middle of a write
    seen: list[str] = []

    def top_up(dialog: dialogs.TopupDialog) -> None:
        keys(qtbot, dialog.amount, "500", enter=True)
        qtbot.waitUntil(lambda: "Another program holds" in dialog.error.text(), timeout=30_000)
        seen.append(dialog.error.text())
        assert dialog.amount.hasFocus()  # typing goes on where it was
        assert members.get(db, member.member_id).balance_fen == 0  # nothing half
        holder.execute("ROLLBACK")  # the other program is done
        qtbot.keyClick(dialog.amount, Qt.Key.Key_Return)  # the cashier tries again

    try:
        when_dialog(qtbot, dialogs.TopupDialog, top_up)
        qtbot.keyClick(window.counter, Qt.Key.Key_F3)
        qtbot.waitUntil(lambda: window.counter.member.balance.text() == "¥550.00",
                        timeout=30_000)  # the first try waits out the lock (10 s)
    finally:
        holder.close()
    assert seen == ["Another program holds the till's database: nothing was changed. Close the "
                    "other counter window or command and try again."]
    assert members.get(db, member.member_id).principal_fen == 50_000  # once, not twice
