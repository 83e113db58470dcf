"""Chinese and English through Qt's translation system: what the screen says in each language,
and a .ts/.qm pair that covers every string the UI asks to translate."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from storeapp.db import Database
from storeapp.services import shifts, wallet
from tests.helpers import register
from tests.ui.conftest import keys, login
from ui import i18n
from ui.app import build
from ui.main_window import MainWindow
from ui.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "resources" / "i18n"
TS = I18N / "storeapp_zh_CN.ts"
TS_EN = I18N / "storeapp_en.ts"  # English is the source: only its plural forms
PLACEHOLDER = re.compile(r"%(?:\d|n)")
#: The only places that translate a text held in a variable: each looks up a table of literal
#: QT_TRANSLATE_NOOP texts (or is the helper that passes its arguments on).
DYNAMIC_OK = {"ui/terms.py", "ui/messages.py", "ui/widgets.py"}


@pytest.fixture
def open_window(qtbot: QtBot, qapp: QApplication, db: Database, manager: object,
                cashier: object) -> Iterator[Callable[[str], MainWindow]]:
    """Build the counter window with the till's language set to the given one."""
    workers: list[Worker] = []

    def make(language: str) -> MainWindow:
        with db.session() as s, s.begin():
            db.set_setting(s, "language", language)
        if shifts.current(db) is None:
            shifts.open_shift(db, 0, actor="C01")  # no open-shift dialog at login
        workers.append(Worker())
        win = build(qapp, db, workers[-1])
        qtbot.addWidget(win)
        win.show()
        return win

    yield make
    for worker in workers:
        worker.stop()
    i18n.install(qapp, "en")  # the next test starts from the source language


def _member_with_money(db: Database) -> None:
    member = register(db, phone="13912345678", name="王芳")
    wallet.topup(db, member.member_id, 50_000, actor="C01")  # ¥500 + ¥50 bonus


def _pick(qtbot: QtBot, win: MainWindow) -> None:
    win.counter.search.search("13912345678")
    qtbot.waitUntil(lambda: win.counter.member.split.text() != "", timeout=5000)


def _form_labels(win: MainWindow) -> set[str]:
    return {label.text() for label in win.counter.member.findChildren(QLabel)}


def test_chinese_screens_come_from_the_qm(qtbot: QtBot, open_window: Callable[[str], MainWindow],
                                          db: Database) -> None:
    _member_with_money(db)
    win = open_window("zh_CN")
    assert win.login.title.text() == "收银台登录"
    assert win.login.button.text() == "登录（Enter）"
    keys(qtbot, win.login.code, "C01", enter=True)
    keys(qtbot, win.login.pin, "000000", enter=True)  # a wrong PIN, refused in Chinese
    qtbot.waitUntil(lambda: win.login.error.text() != "", timeout=5000)
    assert win.login.error.text() == "工号或密码错误。"
    win.login.code.clear()
    login(qtbot, win)
    buttons = {key: b.text() for key, b in win.counter.buttons.items()}
    assert buttons["register"] == "F2  会员注册"
    assert buttons["topup"] == "F3  充值"
    assert buttons["checkout"] == "F4  结账"
    assert buttons["refund"] == "F5  退款"
    assert buttons["card"] == "F6  卡务"
    assert buttons["history"] == "F7  会员流水"
    assert buttons["lock"] == "F9  锁屏"
    _pick(qtbot, win)
    assert {"余额", "积分", "手机号", "卡号"} <= _form_labels(win)
    assert win.counter.member.split.text() == "本金 ¥500.00 · 赠送 ¥50.00"
    assert win.counter.search.hint.text() == "找到 1 位会员"
    assert win.counter.cart.table.horizontalHeaderItem(0).text() == "商品"
    assert win.status_user.text() == "李收银 (收银员)"
    assert win.status_shift.text() == "班次 #1 · 李收银 · 10:00"


def test_english_shows_the_source_texts(qtbot: QtBot, qapp: QApplication,
                                        open_window: Callable[[str], MainWindow],
                                        db: Database) -> None:
    _member_with_money(db)
    i18n.install(qapp, "zh_CN")  # as if Chinese came first: English must drop its translator
    win = open_window("en")
    assert win.login.title.text() == "Log in to the counter"
    keys(qtbot, win.login.code, "C01", enter=True)
    keys(qtbot, win.login.pin, "000000", enter=True)
    qtbot.waitUntil(lambda: win.login.error.text() != "", timeout=5000)
    assert win.login.error.text() == "Unknown user or wrong PIN."  # the template, in English
    win.login.code.clear()
    login(qtbot, win)
    assert win.counter.buttons["topup"].text() == "F3  Top up"
    assert win.counter.buttons["checkout"].text() == "F4  Checkout"
    assert win.counter.buttons["history"].text() == "F7  History"
    _pick(qtbot, win)
    assert {"Balance", "Points", "Phone", "Card"} <= _form_labels(win)
    assert win.counter.member.split.text() == "principal ¥500.00 · bonus ¥50.00"
    assert win.counter.search.hint.text() == "1 member found"  # the English plural forms


def _messages(ts: Path = TS) -> list[tuple[str, ET.Element]]:
    root = ET.parse(ts).getroot()
    return [(ctx.findtext("name") or "", message) for ctx in root.iter("context")
            for message in ctx.iter("message")]


def _translations(message: ET.Element) -> list[str]:
    translation = message.find("translation")
    assert translation is not None
    if message.get("numerus") == "yes":
        return [form.text or "" for form in translation.iter("numerusform")]
    return [translation.text or ""]


@pytest.mark.parametrize("ts", [TS, TS_EN], ids=lambda p: p.name)
def test_every_message_in_the_ts_is_translated_and_compiled(ts: Path) -> None:
    messages = _messages(ts)
    assert len(messages) > (200 if ts == TS else 0)
    qm = QTranslator()
    assert qm.load(str(ts.with_suffix(".qm")))
    for context, message in messages:
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None and translation.get("type") is None, (context, source)
        forms = _translations(message)
        assert forms and all(f.strip() for f in forms), (context, source)
        for form in forms:  # every %1, %2, %n survives translation
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(source)), \
                (context, source, form)
        counts = (1, 2, 5) if message.get("numerus") == "yes" else (-1,)
        compiled = {qm.translate(context, source, None, n) for n in counts}  # %n left to Qt
        assert compiled == set(forms), \
            f"{context}: {source!r} — the .qm is older than the .ts (run scripts/i18n --release)"


def test_every_translatable_call_in_ui_is_in_the_ts() -> None:
    """lupdate misses ``self.tr(variable)`` and calls inside f-strings: catch both here."""
    have = {(context, message.findtext("source")) for context, message in _messages()}
    wanted: set[tuple[str, str]] = set()
    dynamic: list[str] = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for cls, call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
            if name == "tr":
                if call.args and isinstance(call.args[0], ast.Constant) and cls:
                    wanted.add((cls, call.args[0].value))
                else:
                    dynamic.append(f"{rel}:{call.lineno}")
            elif name in ("translate", "QT_TRANSLATE_NOOP"):
                if len(call.args) >= 2 and all(isinstance(a, ast.Constant)
                                               for a in call.args[:2]):
                    wanted.add((call.args[0].value, call.args[1].value))
                elif rel not in DYNAMIC_OK:
                    dynamic.append(f"{rel}:{call.lineno}")
    assert not dynamic, f"texts lupdate cannot see (use ui.terms or a literal): {dynamic}"
    assert wanted - have == set(), "run scripts/i18n and translate the new strings"
    assert have - wanted == set(), "strings in the .ts that the UI no longer uses"


def _calls(tree: ast.AST) -> Iterator[tuple[str | None, ast.Call]]:
    """Every call with the class it is written in (the context ``self.tr`` uses)."""

    def walk(node: ast.AST, cls: str | None) -> Iterator[tuple[str | None, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.ClassDef) else cls
            if isinstance(child, ast.Call):
                yield cls, child
            yield from walk(child, inner)

    yield from walk(tree, None)
