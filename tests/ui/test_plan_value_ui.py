"""The member panel's plan line: what a plan member's plan saved in the last 12 months, what a
member without one would have saved with the best plan (and what it costs), nothing when
neither is worth saying — loaded on the worker with the member, and fitting 1024x768."""

from __future__ import annotations

from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from storeapp.db import Database
from storeapp.services import plans
from storeapp.services.members import MemberView
from tests.helpers import CASHIER, register, sell
from tests.ui.conftest import idle, login, pick
from tests.ui.test_screen_sizes import busy_counter, cut
from ui.main_window import MainWindow

PHONE = "13912345678"


def plus(db: Database, name: str = "PLUS会员 年卡") -> None:
    plans.add_plan(db, code="PLUS", name=name, fee_fen=9_900, duration_days=365,
                   extra_discount_pct="3", actor="HQ")


def shopper(db: Database) -> MemberView:
    plus(db)
    return register(db, phone=PHONE, name="王芳")


def shown(qtbot: QtBot, window: MainWindow) -> str:
    """The plan line once the member's figures are in (their plan row filled)."""
    panel = window.counter.member
    qtbot.waitUntil(lambda: panel.plan.text() != "", timeout=5000)
    idle(qtbot, window)
    return panel.plan_value.text() if panel.plan_value.isVisible() else ""


def test_a_plan_member_sees_what_the_plan_saved(qtbot: QtBot, window: MainWindow,
                                                db: Database) -> None:
    member = shopper(db)
    plans.buy(db, member.member_id, "PLUS", method="cash", actor=CASHIER)
    sell(db, member, 100_000)
    login(qtbot, window)
    pick(qtbot, window, PHONE)
    assert shown(qtbot, window) == "Saved ¥30.00 in the last 12 months"
    assert window.counter.member.plan.text() == "PLUS会员 年卡"


def test_a_member_without_a_plan_sees_the_one_they_missed(qtbot: QtBot, window: MainWindow,
                                                          db: Database) -> None:
    member = shopper(db)
    sell(db, member, 620_000)
    login(qtbot, window)
    pick(qtbot, window, PHONE)
    assert shown(qtbot, window) == "PLUS会员 年卡 would have saved ¥186.00"
    assert not window.counter.member.plan.isVisible()  # it says so in the place of "none"
    assert window.counter.member.plan_value.toolTip() == (
        "On the last 12 months' purchases; the plan costs ¥99.00 a year")


def test_no_line_when_no_plan_would_pay_for_itself(qtbot: QtBot, window: MainWindow,
                                                    db: Database) -> None:
    member = shopper(db)
    sell(db, member, 10_000)
    login(qtbot, window)
    pick(qtbot, window, PHONE)
    assert shown(qtbot, window) == ""


def test_the_line_follows_the_member_at_the_counter(qtbot: QtBot, window: MainWindow,
                                                    db: Database) -> None:
    """The next member's panel never shows the previous member's figure."""
    member = shopper(db)
    sell(db, member, 620_000)
    register(db, phone="13700001111", name="李雷")
    login(qtbot, window)
    pick(qtbot, window, PHONE)
    assert "¥186.00" in shown(qtbot, window)
    window.state.set_member(None)
    pick(qtbot, window, "13700001111")
    qtbot.waitUntil(lambda: window.counter.member.name.text() == "李雷", timeout=5000)
    assert shown(qtbot, window) == ""


def test_the_fullest_panel_with_the_line_fits_1024x768(qtbot: QtBot, window: MainWindow,
                                                       db: Database) -> None:
    """A plan name long enough for the line to take two lines, on the busiest counter."""
    plus(db, "PLUS会员 年卡（全国门店通用）")
    busy_counter(qtbot, window, db)
    member = window.state.member
    assert member is not None
    sell(db, member, 620_000)
    window.state.refresh_member()
    panel = window.counter.member
    qtbot.waitUntil(lambda: "¥186" in panel.plan_value.text(), timeout=5000)
    idle(qtbot, window)  # the panel's other lines are in too
    window.resize(QSize(1024, 768))
    qtbot.wait(100)
    assert panel.plan_value.isVisible()
    assert panel.plan_value.height() >= 2 * panel.plan_value.fontMetrics().height()  # wrapped
    assert cut(window) == []
