"""Chinese and English through Qt's translation system: sources ``resources/i18n/*.ts``,
compiled ``*.qm`` shipped beside them. English is the source language."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase

I18N = Path(__file__).resolve().parents[1] / "resources" / "i18n"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei")

_installed: list[QTranslator] = []


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark ``text`` for pyside6-lupdate under ``context`` (it looks for this name) and return
    it unchanged; translate it at use with ``QCoreApplication.translate(context, text)``.
    PySide6's own returns ``object`` to type checkers; this one is typed."""
    return text


def install(app: QCoreApplication, language: str) -> QTranslator | None:
    """Install the translator for ``language``, and for Chinese Qt's own (OK, Cancel…).

    English is the source language: its file holds only the plural forms ("1 member found",
    "2 members found"), as Qt recommends. Replaces the translators of an earlier call (the
    language is a setting; tests switch it in one process). Returns None if no file loads.
    """
    while _installed:
        app.removeTranslator(_installed.pop())
    english = language == "en"
    QLocale.setDefault(QLocale(QLocale.Language.English) if english else QLocale(language))
    translator = QTranslator(app)
    if not translator.load(str(I18N / f"storeapp_{language}.qm")):
        return None
    if not english:
        qt = QTranslator(app)
        if qt.load(f"qtbase_{language}",
                   QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt)
            _installed.append(qt)
    app.installTranslator(translator)
    _installed.append(translator)
    return translator


def cjk_font(point_size: int = 12) -> QFont:
    """A font that has hanzi (installed by scripts/setup), falling back to Qt's default."""
    families = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in families:
            return QFont(family, point_size)
    return QFont(QFont().family(), point_size)
