"""The manager's reports screen: the day's figures and charts match the sales made, exports
land on disk and in the audit log, a cashier needs a manager's code and PIN, RFM and the
watchlists list the right members, liability at a past moment, past Z reports; all by keys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import AuditRow
from storeapp.money import format_fen
from storeapp.services import shifts
from storeapp.services.sales import TenderIn
from tests.helpers import CASHIER, register, sell, topup
from tests.ui.conftest import HUMAN_MS, keys, login, when_dialog
from ui import dialogs
from ui.main_window import MainWindow
from ui.reports import ReportsDialog

CTRL = Qt.KeyboardModifier.ControlModifier
MANAGER = ("M01", "246800")


def open_reports(qtbot: QtBot, win: MainWindow, drive: Any) -> None:
    """Ctrl+R at the counter, then ``drive`` the reports screen; it must have closed after."""
    done: list[bool] = []

    def run(dialog: ReportsDialog) -> None:
        def active() -> bool:
            # Offscreen Qt has no window manager: on a busy machine a new modal dialog is not
            # always made active on its own, so ask for it as the counter does after dialogs.
            if not dialog.isActiveWindow():
                dialog.activateWindow()
            return dialog.isActiveWindow()

        try:  # the dialog's own shortcuts (Ctrl+1…4) work once it is the active window
            qtbot.waitUntil(active, timeout=10_000)
            drive(dialog)
        finally:
            done.append(True)

    when_dialog(qtbot, ReportsDialog, run)
    qtbot.keyClick(win.counter, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=5000)


def press(qtbot: QtBot, widget: QWidget, key: Qt.Key) -> None:
    """A key held as long as a person holds it: the scan filter has let the press through
    (a lone key is typing) before the release comes."""
    qtbot.keyPress(widget, key)
    qtbot.wait(3 * HUMAN_MS)
    qtbot.keyRelease(widget, key)


def settled(qtbot: QtBot, dialog: ReportsDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy.isVisible() and not dialog.state.worker.busy,
                    timeout=10_000)


def audit_rows(db: Database, action: str) -> list[AuditRow]:
    with db.reader() as s:
        return list(s.scalars(select(AuditRow).where(AuditRow.action == action)
                              .order_by(AuditRow.seq)))


def test_the_days_sales_show_in_figures_and_charts_and_export_to_csv_and_pdf(
        qtbot: QtBot, window: MainWindow, db: Database, tmp_path: Path) -> None:
    member = register(db, phone="13912345678", name="王芳")
    topup(db, member, 50_000)  # ¥500 + ¥50 bonus, at 10:00
    sell(db, None, 8_800)  # ¥88.00 cash
    sell(db, member, 2_550, tenders=[TenderIn("wallet")])  # ¥25.50 from stored value
    total_fen = 8_800 + 2_550
    login(qtbot, window, *MANAGER)
    seen: dict[str, Any] = {}

    def drive(dialog: ReportsDialog) -> None:
        daily = dialog.daily
        qtbot.waitUntil(lambda: daily.shown is not None, timeout=10_000)
        assert dialog.tabs.currentWidget() is daily and daily.start.hasFocus()
        seen["sales"] = daily.view.facts["sales"]["sales_fen"].text()
        seen["count"] = daily.view.facts["sales"]["sales_count"].text()
        bars = daily.charts["by_hour"].chart().series()[0].barSets()
        seen["hours"] = [[s.at(i) for i in range(s.count())] for s in bars]
        day = daily.charts["by_day"].chart().series()[0].barSets()
        seen["days"] = [[s.at(i) for i in range(s.count())] for s in day]
        pie = daily.charts["tiers"].chart().series()[0]
        seen["tiers"] = [(piece.label(), piece.value()) for piece in pie.slices()]
        tenders = daily.view.tables["tenders"].model()
        last = tenders.rowCount() - 1
        seen["total_row"] = (tenders.index(last, 0).data(), tenders.index(last, 1).data(),
                             tenders.index(last, 0).data(Qt.ItemDataRole.FontRole).bold())
        seen["aligned"] = tenders.index(0, 1).data(Qt.ItemDataRole.TextAlignmentRole)

        dialog.export.path.clear()
        keys(qtbot, dialog.export.path, str(tmp_path / "today"))
        for fmt, key in (("csv", Qt.Key.Key_F6), ("pdf", Qt.Key.Key_F7)):
            qtbot.keyClick(dialog.export.path, key)  # from the path just typed
            qtbot.waitUntil(lambda fmt=fmt: dialog.status.text().startswith("Saved")
                            and dialog.status.text().endswith(f"today.{fmt}"), timeout=20_000)
        seen["status"] = dialog.status.text()
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_Escape)

    open_reports(qtbot, window, drive)

    assert seen["sales"] == format_fen(total_fen) == "¥113.50"
    assert seen["count"] == "2"
    [hours] = seen["hours"]
    assert len(hours) == 24
    assert round(sum(hours) * 100) == total_fen
    assert round(hours[10] * 100) == total_fen  # both at 10:00 in the store
    assert seen["days"] == [[550.0], [25.5]]  # top-ups with bonus, spends from stored value
    assert seen["tiers"] == [("Regular 1", 1), ("Silver 0", 0), ("Gold 0", 0),
                             ("Diamond 0", 0)]
    assert seen["total_row"] == ("Total", "¥113.50", True)  # cash and stored value
    assert seen["aligned"] & Qt.AlignmentFlag.AlignRight

    csv_text = (tmp_path / "today.csv").read_text(encoding="utf-8-sig")
    assert "Daily report" in csv_text and "113.50" in csv_text
    assert (tmp_path / "today.pdf").read_bytes().startswith(b"%PDF")
    exported = audit_rows(db, "report_exported")
    assert [(r.actor, r.subject, json.loads(r.detail_json)["format"]) for r in exported] == \
        [("M01", "daily", "csv"), ("M01", "daily", "pdf")]
    assert json.loads(exported[1].detail_json)["path"] == str(tmp_path / "today.pdf")


def test_a_cashier_opens_the_reports_only_with_a_managers_code_and_pin(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    login(qtbot, window)  # C01, a cashier
    asked: list[str] = []

    def refuse(approval: dialogs.ApprovalDialog) -> None:
        asked.append(approval.what.text())
        qtbot.keyClick(approval.code, Qt.Key.Key_Escape)

    when_dialog(qtbot, dialogs.ApprovalDialog, refuse)
    qtbot.keyClick(window.counter, Qt.Key.Key_R, CTRL)
    qtbot.waitUntil(lambda: "approval" in window.message.text(), timeout=5000)
    assert asked == ["Open the reports"]
    assert window.message.text() == "The reports need a manager's approval."
    assert QApplication.activeModalWidget() is None
    assert not window.counter.findChildren(ReportsDialog)

    def manager(approval: dialogs.ApprovalDialog) -> None:
        keys(qtbot, approval.code, MANAGER[0])
        keys(qtbot, approval.pin, MANAGER[1], enter=True)

    opened: list[str] = []

    def look(dialog: ReportsDialog) -> None:
        opened.append(dialog.runner.actor)
        qtbot.waitUntil(lambda: dialog.daily.shown is not None, timeout=10_000)
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_Escape)

    when_dialog(qtbot, dialogs.ApprovalDialog, manager)
    open_reports(qtbot, window, look)
    assert opened == ["M01"]  # the screen works with the approving manager's rights
    qtbot.waitUntil(window.counter.search.field.hasFocus, timeout=2000)


def test_rfm_segments_their_members_and_the_watchlists_with_full_phones_audited(
        qtbot: QtBot, window: MainWindow, db: Database, clock: FixedClock) -> None:
    start = clock.now()
    clock.set(start - dt.timedelta(days=120))
    lapsed = register(db, phone="13600001111", name="赵久未")
    sell(db, lapsed, 50_000)  # bought once, 120 days ago
    clock.set(start)
    buyers = [register(db, phone=f"1390000{i:04d}", name=f"会员{i}") for i in range(4)]
    for i, member in enumerate(buyers):
        for _ in range(i + 1):
            sell(db, member, 1_000 * (i + 1))
    login(qtbot, window, *MANAGER)
    seen: dict[str, Any] = {}

    def drive(dialog: ReportsDialog) -> None:
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_3, CTRL)
        tab = dialog.members
        assert dialog.tabs.currentWidget() is tab
        qtbot.waitUntil(lambda: tab.rfm_report is not None and tab.watch_report is not None,
                        timeout=10_000)
        segments = tab.segments.tables["segments"].model()
        seen["segments"] = segments.rowCount() - 1  # without the total row
        seen["total"] = segments.index(segments.rowCount() - 1, 1).data()
        seen["chart"] = tab.chart.chart().series()[0].barSets()[0].count()
        # the first segment with members, picked with the arrow keys
        table = tab.segments.tables["segments"]
        table.setFocus()  # the first row becomes current
        wanted = next(r for r in range(segments.rowCount() - 1)
                      if segments.index(r, 1).data() != "0")
        for _ in range(wanted):
            qtbot.keyClick(table, Qt.Key.Key_Down)
        assert table.currentIndex().row() == wanted
        qtbot.waitUntil(lambda: tab.segment_report is not None, timeout=10_000)
        members = tab.segment_members.tables["segment_members"].model()
        seen["listed"] = (members.rowCount(), segments.index(wanted, 1).data())
        seen["masked"] = {members.index(r, 2).data() for r in range(members.rowCount())}
        press(qtbot, tab.full_phones, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: "*" not in str(tab.segment_members.tables["segment_members"]
                                               .model().index(0, 2).data()), timeout=10_000)
        settled(qtbot, dialog)
        members = tab.segment_members.tables["segment_members"].model()
        seen["full"] = {members.index(r, 2).data() for r in range(members.rowCount())}
        tab.pages.setCurrentIndex(1)
        watched = tab.watch.tables["lapsed"].model()
        seen["lapsed"] = [(watched.index(r, 1).data(), watched.index(r, 2).data())
                          for r in range(watched.rowCount())]
        seen["export"] = dialog.export.path.text()
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_Escape)

    open_reports(qtbot, window, drive)

    assert seen["segments"] == seen["chart"] == 8
    assert seen["total"] == "5"  # everyone who bought in the last 12 months
    count, shown = seen["listed"]
    assert str(count) == shown
    phones = {"13600001111", *(m.phone for m in buyers)}
    assert all("****" in p for p in seen["masked"])
    assert seen["full"] <= phones and len(seen["full"]) == count
    assert seen["lapsed"] == [("赵久未", "13600001111")]  # full numbers there too
    assert Path(seen["export"]).name.startswith("watchlists_")
    revealed = audit_rows(db, "phones_revealed")
    assert {r.subject for r in revealed} == {"rfm", "watchlists"}
    assert {r.actor for r in revealed} == {"M01"}


def test_liability_at_an_earlier_time_of_the_day(
        qtbot: QtBot, window: MainWindow, db: Database, clock: FixedClock) -> None:
    member = register(db, phone="13912345678", name="王芳")
    topup(db, member, 50_000)  # 10:00: ¥500 principal + ¥50 bonus
    clock.advance(hours=2)
    topup(db, member, 10_000)  # 12:00: + ¥100, no bonus
    login(qtbot, window, *MANAGER)
    seen: dict[str, Any] = {}

    def drive(dialog: ReportsDialog) -> None:
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_2, CTRL)
        tab = dialog.liability
        qtbot.waitUntil(lambda: tab.shown is not None, timeout=10_000)
        seen["now"] = tab.view.facts["liability"]["total_fen"].text()
        assert tab.date.hasFocus()
        for _ in range(3):  # Tab walks the date's year, month and day, then the time's hour
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert tab.time.hasFocus()
        keys(qtbot, tab.time, "110000")
        qtbot.waitUntil(lambda: tab.shown is not None and tab.shown.period.endswith("11:00:00"),
                        timeout=10_000)
        facts = tab.view.facts["liability"]
        seen["then"] = {key: facts[key].text() for key in ("principal_fen", "bonus_fen",
                                                           "total_fen")}
        since = tab.view.tables["since"].model()
        seen["since"] = [(since.index(r, 0).data(), since.index(r, 1).data())
                         for r in range(since.rowCount())]
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_Escape)

    open_reports(qtbot, window, drive)

    assert seen["now"] == "¥650.00"
    assert seen["then"] == {"principal_fen": "¥500.00", "bonus_fen": "¥50.00",
                            "total_fen": "¥550.00"}
    assert seen["since"] == [("Top-up", "¥100.00"), ("Now", "¥600.00")]


def test_past_z_reports_tabs_by_keys_everything_reachable_and_lock_closes_the_screen(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    sell(db, None, 8_800)
    shifts.close_shift(db, 8_800, actor=CASHIER)  # Z #00001
    shifts.open_shift(db, 0, actor=CASHIER)
    login(qtbot, window, *MANAGER)
    seen: dict[str, Any] = {}

    def drive(dialog: ReportsDialog) -> None:
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_4, CTRL)
        tab = dialog.z
        qtbot.waitUntil(lambda: tab.shown is not None, timeout=10_000)
        seen["numbers"] = [tab.numbers.item(i).text() for i in range(tab.numbers.count())]
        seen["title"] = tab.shown.title("en")
        seen["sales"] = tab.view.facts["shift"]["sales_fen"].text()
        qtbot.keyClick(dialog.tabs, Qt.Key.Key_Tab, CTRL)  # wraps to the first tab
        seen["wrapped"] = dialog.tabs.currentIndex()
        reached: list[QWidget] = []
        for _ in range(40):
            widget = QApplication.focusWidget()
            assert widget is not None
            reached.append(widget)
            qtbot.keyClick(widget, Qt.Key.Key_Tab)
        daily, export = dialog.daily, dialog.export
        wanted = {"from": daily.start, "to": daily.end, "refresh": daily.refresh,
                  "path": export.path, "choose": export.choose, **export.buttons}
        seen["missed"] = [name for name, widget in wanted.items() if widget not in reached]
        window.lock()  # the idle lock: the figures must not stay on screen

    open_reports(qtbot, window, drive)

    assert seen["numbers"] == ["Z #00001"]
    assert seen["title"] == "Z report #00001"
    assert seen["sales"] == "¥88.00"
    assert seen["wrapped"] == 0
    assert seen["missed"] == []
    assert window.stack.currentWidget() is window.login
