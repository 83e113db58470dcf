"""Head office's campaign line at the counter: when the cashier finds a member with a live
campaign, the panel says it (生日快乐：已送¥20券) in one line; an ended campaign's line is gone;
the next member never shows the previous one's; the fullest panel still fits 1024x768."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from storeapp.db import Database
from storeapp.models import MemberPrompt
from storeapp.services.members import MemberView
from tests.helpers import register
from tests.ui.conftest import idle, login, pick
from tests.ui.test_screen_sizes import busy_counter, cut
from ui.main_window import MainWindow

LINE = "生日快乐：已送¥20券"


def prompt(db: Database, member: MemberView, text: str, campaign: str = "BDAY",
           days: int = 7) -> None:
    """The line as a download from head office leaves it (sync.apply._take_offers)."""
    with db.session() as s, s.begin():
        s.add(MemberPrompt(member_id=member.member_id, campaign=campaign, text=text,
                           until=db.clock.now() + dt.timedelta(days=days)))


def shown(qtbot: QtBot, window: MainWindow) -> str:
    panel = window.counter.member
    qtbot.waitUntil(lambda: panel.plan.text() != "", timeout=5000)
    idle(qtbot, window)
    return panel.prompt.line() if panel.prompt.isVisible() else ""


def test_a_member_with_a_live_campaign_gets_its_line(qtbot: QtBot, window: MainWindow,
                                                     db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    prompt(db, member, LINE)
    prompt(db, member, "旧活动", campaign="OLD", days=-1)  # ended: not said
    other = register(db, phone="13700001111", name="李雷")
    login(qtbot, window)
    pick(qtbot, window, "13912345678")
    assert shown(qtbot, window) == LINE
    assert window.counter.member.prompt.toolTip() == LINE
    window.state.set_member(None)
    pick(qtbot, window, "13700001111")
    qtbot.waitUntil(lambda: window.counter.member.name.text() == "李雷", timeout=5000)
    assert shown(qtbot, window) == ""
    assert other.member_id != member.member_id


def test_a_long_line_is_cut_on_the_fullest_panel_which_still_fits(
        qtbot: QtBot, window: MainWindow, db: Database) -> None:
    busy_counter(qtbot, window, db)
    member = window.state.member
    assert member is not None
    long_line = "会员日专享：全场饮品第二杯半价，另送¥20无门槛券，本周日前有效，欢迎带朋友一起来"
    prompt(db, member, long_line)
    window.state.refresh_member()
    panel = window.counter.member
    qtbot.waitUntil(lambda: panel.prompt.isVisible(), timeout=5000)
    idle(qtbot, window)
    window.resize(QSize(1024, 768))
    qtbot.wait(100)
    assert panel.prompt.line() == long_line and panel.prompt.text().endswith("…")
    assert panel.prompt.height() < 2 * panel.prompt.fontMetrics().height() + 12  # one line
    assert cut(window) == []
