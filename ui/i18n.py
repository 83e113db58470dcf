"""Chinese and English through Qt's translation system: sources ``resources/i18n/*.ts``,
compiled ``*.qm`` shipped beside them. English is the source language."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase

I18N = Path(__file__).resolve().parents[1] / "resources" / "i18n"
LANGUAGES = {"zh_CN": "中文", "en": "English"}
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei")


def install(app: QCoreApplication, language: str) -> QTranslator | None:
    """Load the translator for ``language`` (None for English, the source language)."""
    if language == "en":
        QLocale.setDefault(QLocale(QLocale.Language.English))
        return None
    translator = QTranslator(app)
    if not translator.load(str(I18N / f"storeapp_{language}.qm")):
        return None
    app.installTranslator(translator)
    QLocale.setDefault(QLocale(language))
    return translator


def cjk_font(point_size: int = 12) -> QFont:
    """A font that has hanzi (installed by scripts/setup), falling back to Qt's default."""
    families = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in families:
            return QFont(family, point_size)
    return QFont(QFont().family(), point_size)
