"""Text as people type it, made plain before it is read: full-width forms (ＡＢ１２，￥) become
their ASCII selves (Unicode NFKC), and a digit of any script becomes its ASCII digit, so that
"13８00138000" and "13800138000" are one phone and "５００" is ¥500 — never a look-alike twin.
Names are NFC and counted as a person sees them: one grapheme cluster is one character."""

from __future__ import annotations

import unicodedata

import regex  # type: ignore[import-untyped]  # ships no type hints; \X is what re lacks

_GRAPHEME = regex.compile(r"\X")


def plain(text: str) -> str:
    """NFKC, then every decimal digit of any script as its ASCII digit."""
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii():
        return folded
    return "".join(_ascii_digit(c) for c in folded)


def ascii_digits(text: str) -> bool:
    """``0-9`` only (``str.isdigit`` is true for other scripts' digits and for ² too)."""
    return bool(text) and text.isascii() and text.isdigit()


def nfc(text: str) -> str:
    """One spelling per text: ``Zoe`` + U+0301 (combining acute) is ``Zoé``."""
    return unicodedata.normalize("NFC", text)


def graphemes(text: str) -> list[str]:
    """The characters a person sees (Unicode extended grapheme clusters, NFC): a base letter
    with its combining marks is one, so is a flag or an emoji with its modifier."""
    return [str(g) for g in _GRAPHEME.findall(nfc(text))]


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return char if value is None else str(value)
