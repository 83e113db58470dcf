"""Text for receipt printers: the printer's character encodings (the bytes to send and how to
switch the printer into that mode) and fitting text to the paper by display width.

python-escpos 3.1 picks an encoding per string by itself, without switching a Chinese printer's
mode: pure CJK punctuation becomes ``?`` and accented Latin goes through CP437. So the project
owns this path: one :class:`Encoding` per printer, chosen in its settings, and every line is
measured the way that printer will print it.

What a printer lacks is never left to the codec (which would print a silent ``?``). Each
character a person sees (an NFC grapheme cluster: a letter with its combining accents is one)
prints as itself where the encoding has it, else as its nearest stand-in (``，`` → ``,`` on a
code page, ``é`` → ``e`` where only the accent is missing), else as :data:`MISSING`: ``□`` in
the Chinese modes and UTF-8 (two columns wide in a Chinese mode, as the character it stands
for), ``?`` on a one-byte code page (none of them has ``□``, and ``?`` is in every one). So a
member called 欧阳晓梅 prints ``□阳晓梅`` under Big5, one box for each missing character. The
project's own words never need it: they are :class:`~devices.labels.Label` s, printed in
Traditional Chinese under Big5 and in English only on a code page (:attr:`Encoding.labels`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from wcwidth import wcwidth

from devices.labels import Script
from storeapp.typed import graphemes

Measure = Callable[[str], int]
Align = Literal["left", "center", "right"]

FS, ESC = b"\x1c", b"\x1b"
#: ``FS &``: enter the printer's double-byte (Chinese) character mode.
ENTER_CHINESE = FS + b"&"
#: ``FS .``: leave it; bytes are single characters of the selected code page again.
LEAVE_CHINESE = FS + b"."
#: ``FS ( C`` fn 48: select the character encoding system, 1 = one-byte code pages, 2 = UTF-8
#: (Epson TM models from about 2015 on). Printers without it print these bytes as garbage, so
#: UTF-8 is only ever chosen for a printer known to have it.
SELECT_UTF8 = FS + b"(C\x02\x000\x02"
SELECT_ONE_BYTE = FS + b"(C\x02\x000\x01"
#: ``ESC t n`` numbers of Epson's table, used when a capability profile does not list the page.
EPSON_CODE_PAGES = {"CP437": 0, "CP850": 2, "CP1252": 16, "CP858": 19}


def display_width(text: str) -> int:
    """Columns the text takes in a terminal-like grid: a CJK or full-width character takes 2."""
    return sum(max(wcwidth(c), 0) for c in text)


@dataclass(frozen=True)
class Encoding:
    """How text reaches one kind of printer.

    ``kind`` says how the printer reads bytes: ``double`` (GB18030/GBK/Big5 after ``FS &``: ASCII
    bytes are half-width, every multi-byte character prints full-width, 2 columns), ``utf8``, or
    ``single`` (one byte, one column, from the code page ``ESC t`` selected). ``labels`` is the
    script the project's own words print in (see :mod:`devices.labels`).
    """

    name: str
    codec: str
    kind: Literal["double", "utf8", "single"]
    label: str
    sample: str
    labels: Script
    code_page: str | None = None
    #: Characters always replaced, even when the codec has them (see ``gb18030``).
    prefer: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)

    def enter(self, code_pages: Mapping[str, int] | None = None) -> bytes:
        """The bytes that switch the printer into this mode (sent after ``ESC @``).

        ``code_pages`` maps code-page names to the printer's ``ESC t`` numbers (from its
        capability profile); Epson's numbering is the fallback.
        """
        if self.kind == "double":
            return ENTER_CHINESE
        if self.kind == "utf8":
            return LEAVE_CHINESE + SELECT_UTF8
        assert self.code_page is not None
        number = (code_pages or {}).get(self.code_page, EPSON_CODE_PAGES[self.code_page])
        # FS . first: many Chinese printers power on in Chinese mode.
        return LEAVE_CHINESE + ESC + b"t" + bytes([number])

    @property
    def leave(self) -> bytes:
        """The bytes that undo :meth:`enter` before another mode is entered."""
        return {"double": LEAVE_CHINESE, "utf8": SELECT_ONE_BYTE, "single": b""}[self.kind]

    def prepare(self, text: str) -> str:
        """The text as this printer will print it: control characters dropped (a product name
        must never smuggle in a printer command), characters the printer lacks replaced by the
        nearest it has (``，`` → ``,`` on a code page, ``¥`` → ``￥`` under GBK), else
        :data:`MISSING` (one per character a person sees: ``Zoé`` under Big5 is ``Zo□``)."""
        if text.isascii() and text.isprintable():
            return text
        return "".join(_printable(self, c) for c in graphemes(text))

    def width(self, text: str) -> int:
        """Columns the (prepared) text takes on this printer."""
        if self.kind == "double":
            return sum(1 if ord(c) < 0x80 else 2 for c in text)
        if self.kind == "single":
            return len(text)
        return display_width(text)

    def encode(self, text: str) -> bytes:
        """The bytes for the text in this mode; never ``?`` for a character the mode has.
        Strict: prepared text always encodes, so the codec never replaces anything itself."""
        return self.prepare(text).encode(self.codec)

    def missing(self) -> str:
        """What a character this printer lacks prints as: see :data:`MISSING`."""
        return MISSING[self.kind]


_CHINESE_SAMPLE = "中文：合计￥12.50，谢谢！【】"  # 29 columns: one line on 58 mm
ENCODINGS: dict[str, Encoding] = {
    e.name: e
    for e in (
        # ¥ is four bytes in GB18030 (81 30 84 36), which printers that implement only its
        # two-byte part print as garbage; ￥ (A3 A4) is in every Chinese font, 2 columns either way.
        Encoding("gb18030", "gb18030", "double", "GB18030 简体中文",
                 _CHINESE_SAMPLE, "zh-Hans", prefer={"¥": "￥"}),
        Encoding("gbk", "gbk", "double", "GBK 简体中文", _CHINESE_SAMPLE, "zh-Hans"),
        Encoding("big5", "big5", "double", "Big5 繁體中文", "繁體：合計¥12.50，謝謝！（）",
                 "zh-Hant"),
        Encoding("utf-8", "utf-8", "utf8", "UTF-8 (Epson FS ( C)", "UTF-8：中文 Café ¥12 €5",
                 "zh-Hans"),
        Encoding("cp437", "cp437", "single", "CP437 US", "CP437: Café Ñandú ¥12 £5 ½",
                 "en", code_page="CP437"),
        Encoding("cp850", "cp850", "single", "CP850 Latin-1", "CP850: Café Ñandú ¥12 £5 ©",
                 "en", code_page="CP850"),
        Encoding("cp858", "cp858", "single", "CP858 Latin-1 + €", "CP858: Café Ñandú ¥12 €5",
                 "en", code_page="CP858"),
        Encoding("cp1252", "cp1252", "single", "CP1252 Windows", "CP1252: Café Ñandú ¥12 €5 ©",
                 "en", code_page="CP1252"),
    )
}
DEFAULT_ENCODING = "gb18030"


def get_encoding(name: str | Encoding) -> Encoding:
    """The encoding by name (case-insensitive); a clear ``ValueError`` for an unknown one."""
    if isinstance(name, Encoding):
        return name
    key = name.strip().lower().replace("_", "-")
    key = {"utf8": "utf-8", "gb-18030": "gb18030", "cp936": "gbk"}.get(key, key)
    if key not in ENCODINGS:
        raise ValueError(f"unknown printer encoding '{name}': use one of "
                         f"{', '.join(ENCODINGS)}")
    return ENCODINGS[key]


def encode(text: str, encoding: str | Encoding = DEFAULT_ENCODING) -> bytes:
    """The bytes a printer in ``encoding`` mode needs to print ``text``."""
    return get_encoding(encoding).encode(text)


# -- fitting text to a width ---------------------------------------------------------------------

def fit(text: str, width: int, measure: Measure = display_width) -> str:
    """The longest start of ``text`` that fits ``width`` columns (a wide character is never
    split: one that would straddle the edge is left out)."""
    if measure(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        w = measure(c)
        if used + w > width:
            break
        out.append(c)
        used += w
    return "".join(out)


def pad(text: str, width: int, align: Align = "left", measure: Measure = display_width) -> str:
    """``text`` fitted and padded with spaces to exactly ``width`` columns."""
    text = fit(text, width, measure)
    gap = width - measure(text)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def columns(left: str, right: str, width: int, measure: Measure = display_width) -> str:
    """One line of exactly ``width`` columns: ``left`` flush left, ``right`` flush right.

    ``right`` (usually an amount) is kept whole; ``left`` is cut to leave one space before it.
    """
    right = fit(right, width, measure)
    room = width - measure(right)
    left = fit(left, max(room - 1, 0), measure) if right else fit(left, width, measure)
    return left + " " * (width - measure(left) - measure(right)) + right


def wrap(text: str, width: int, measure: Measure = display_width) -> list[str]:
    """Break ``text`` into lines of at most ``width`` columns: at spaces between Latin words,
    between any two CJK characters, and inside a word only when it is longer than a line."""
    if width <= 0:
        raise ValueError("width must be positive")
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        if token.isspace():
            if line and measure(line + token) <= width:
                line += token
            elif line:
                lines.append(line)
                line = ""
            continue
        if measure(line + token) <= width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        while measure(token) > width:  # a word longer than the line: cut it
            head = fit(token, width, measure)
            lines.append(head)
            token = token[len(head):]
        line = token
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Runs of spaces, runs of narrow characters (a Latin word, ending after an inner hyphen, so
    a top-up key breaks at its dashes), and single wide characters."""
    tokens: list[str] = []
    for c in text:
        after_hyphen = len(tokens[-1]) > 1 and tokens[-1].endswith("-") if tokens else False
        if tokens and _run(c) == _run(tokens[-1][-1]) != "wide" and not after_hyphen:
            tokens[-1] += c
        else:
            tokens.append(c)
    return tokens


def _run(c: str) -> str:
    return "space" if c.isspace() else "narrow" if display_width(c) == 1 else "wide"


# -- replacing what a printer lacks ---------------------------------------------------------------

#: What a character the printer lacks prints as (see the module's docstring).
MISSING = {"double": "□", "utf8": "□", "single": "?"}
#: Nearest printable stand-ins, tried in order before Unicode's own compatibility forms.
_STAND_INS: dict[str, tuple[str, ...]] = {
    "¥": ("￥", "Y"), "￥": ("¥", "Y"), "€": ("EUR",), "。": (".",), "、": (",",),
    "【": ("[",), "】": ("]",), "《": ("<",), "》": (">",), "〈": ("<",), "〉": (">",),
    "「": ('"',), "」": ('"',), "『": ('"',), "』": ('"',), "“": ('"',), "”": ('"',),
    "‘": ("'",), "’": ("'",), "—": ("-",), "–": ("-",), "…": ("...",), "·": (".",),
    "×": ("x",), "→": ("->",), "～": ("~",), "\u3000": ("  ",),
}


@lru_cache(maxsize=8192)
def _printable(encoding: Encoding, cluster: str) -> str:
    """One grapheme cluster as the printer prints it."""
    if len(cluster) > 1:
        kept = "".join(c for c in cluster if not _dropped(c))
        if kept != cluster:  # a control character is no part of what a person sees
            return "".join(_printable(encoding, g) for g in graphemes(kept))
    c = cluster
    if c in encoding.prefer:
        return encoding.prefer[c]
    if c == "\t":
        return " "
    if len(c) == 1 and _dropped(c):
        return ""
    if all(_has(encoding, x) for x in c):
        return c
    decomposed = unicodedata.normalize("NFKD", c)
    stripped = "".join(x for x in decomposed if not unicodedata.combining(x))
    for candidate in (*_STAND_INS.get(c, ()), unicodedata.normalize("NFKC", c), stripped):
        if candidate and candidate != c and all(_has(encoding, x) for x in candidate):
            return candidate
    return encoding.missing()


def _dropped(c: str) -> bool:
    return unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


def _has(encoding: Encoding, c: str) -> bool:
    """Whether the printer prints ``c`` as itself in this mode."""
    if unicodedata.category(c).startswith("C"):
        return False
    try:
        data = c.encode(encoding.codec)
    except UnicodeEncodeError:
        return False
    if encoding.kind == "double":  # a lone high byte would pair with the next one
        return len(data) >= 2 or data[0] < 0x80
    return True
