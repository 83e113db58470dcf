"""The one receipt model: blocks that say what a receipt shows, laid out into lines of the
paper's columns. The ESC/POS renderer and the on-screen/PNG preview both draw the laid-out lines,
so the preview matches the paper.

Text in a block is :data:`~devices.labels.Words`: the project's own words are
:class:`~devices.labels.Label` s, printed in the encoding's script (Traditional under Big5,
English only on a code page); plain strings are data and print as written.

Builders (:mod:`devices.receipts`) make a :class:`Receipt` without knowing the paper;
:func:`lay_out` fits it to a profile's columns as the chosen encoding will print it (under GBK
``×`` and ``￥`` print two columns wide, under a code page ``，`` becomes ``,``), so no line
ever overflows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from devices.labels import Label, Words, render
from devices.text import Align, Encoding, columns, fit, get_encoding, pad, wrap

# -- blocks: what a receipt shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper. ``size`` 2 is double width and height.
    ``encoding`` overrides the printer's (only the test page does this). A text that prints
    as nothing in the printer's script (a Chinese-only label on a code page) takes no line."""

    text: Words
    align: Align = "left"
    bold: bool = False
    size: int = 1
    encoding: str | None = None


@dataclass(frozen=True)
class Columns:
    """A label flush left and a value flush right (``合计 Total ...... ¥12.50``). ``size`` 2
    prints it double size where it fits on one line, with the ``short`` label if need be
    (``合计``), else normal size."""

    left: Words
    right: Words
    bold: bool = False
    size: int = 1
    short: Words | None = None


@dataclass(frozen=True)
class Item:
    """A sale line: name, ``qty × price`` and amount; one line on wide paper when the name fits,
    else the name on its own line and the numbers under it."""

    name: str
    detail: str
    amount: str


@dataclass(frozen=True)
class Rule:
    """A line across the paper: ``-`` repeated, or a pattern (``1234567890`` makes a ruler)."""

    char: Words = "-"


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode with its text under it."""

    data: str
    kind: str = "CODE128"
    height: int = 60  # dots


@dataclass(frozen=True)
class QR:
    data: str
    size: int = 6  # dots per module, 1-16 as ESC/POS takes it


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


@dataclass(frozen=True)
class DrawerKick:
    """Open the cash drawer wired to the printer (sent first, so it opens before printing)."""


Block = Text | Columns | Item | Rule | Barcode | QR | Feed | Cut | DrawerKick


@dataclass(frozen=True)
class Receipt:
    kind: str
    blocks: tuple[Block, ...]

    @property
    def opens_drawer(self) -> bool:
        return any(isinstance(b, DrawerKick) for b in self.blocks)


# -- laid out: what the paper gets ---------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One printed line: ``text`` (prepared for ``encoding``) fits ``columns // size``."""

    text: str
    align: Align
    bold: bool
    size: int
    encoding: str


Op = Line | Barcode | QR | Feed | Cut | DrawerKick


def lay_out(receipt: Receipt, columns: int, encoding: str | Encoding) -> list[Op]:
    """The receipt as lines of at most ``columns`` half-width columns (font A) on a printer
    that prints in ``encoding``; barcodes, QR codes, feeds and cuts pass through."""
    default = get_encoding(encoding)
    return [op for block in receipt.blocks for op in _block(block, columns, default)]


def _block(block: Block, width: int, default: Encoding) -> Iterator[Op]:
    enc = get_encoding(block.encoding) if isinstance(block, Text) and block.encoding else default
    measure = enc.width
    def words(w: Words) -> str:
        return render(w, enc.labels)

    if isinstance(block, Text):
        size = _size(block.size)
        text = words(block.text)
        if not text and isinstance(block.text, Label):
            return
        for part in text.split("\n"):
            for line in wrap(enc.prepare(part), width // size, measure):
                yield Line(line, block.align, block.bold, size, enc.name)
    elif isinstance(block, Columns):
        left, right = enc.prepare(words(block.left)), enc.prepare(words(block.right))
        size = _size(block.size)
        if size == 2 and measure(left) + 1 + measure(right) > width // 2:
            short = enc.prepare(words(block.short or ""))
            if short and measure(short) + 1 + measure(right) <= width // 2:
                left = short
            else:
                size = 1  # large only where it fits on one line
        yield from _columns(left, right, width // size, enc, block.bold, size)
    elif isinstance(block, Item):
        yield from _item(block, width, enc)
    elif isinstance(block, Rule):
        pattern = enc.prepare(words(block.char)) or "-"
        yield Line(fit(pattern * width, width, measure), "left", False, 1, enc.name)
    else:
        yield block


def _columns(left: str, right: str, width: int, enc: Encoding, bold: bool,
             size: int) -> Iterator[Line]:
    measure = enc.width
    if measure(left) + 1 + measure(right) <= width:
        yield Line(columns(left, right, width, measure), "left", bold, size, enc.name)
        return
    # Too long for one line: the label wraps, the value goes flush right under it (never cut).
    for line in wrap(left, width, measure):
        yield Line(line, "left", bold, size, enc.name)
    for line in wrap(right, width, measure):
        yield Line(pad(line, width, "right", measure), "left", bold, size, enc.name)


#: On paper this wide or wider an item takes one line when its name fits.
ONE_LINE_ITEMS_FROM = 40
_DETAIL_COLUMNS, _AMOUNT_COLUMNS = 14, 11


def _item(item: Item, width: int, enc: Encoding) -> Iterator[Line]:
    measure = enc.width
    name, detail, amount = (enc.prepare(x) for x in (item.name, item.detail, item.amount))
    detail_w = max(_DETAIL_COLUMNS, measure(detail) + 1)
    amount_w = max(_AMOUNT_COLUMNS, measure(amount) + 1)
    name_w = width - detail_w - amount_w
    if width >= ONE_LINE_ITEMS_FROM and measure(name) <= name_w:
        text = (pad(name, name_w, "left", measure) + pad(detail, detail_w, "right", measure)
                + pad(amount, amount_w, "right", measure))
        yield Line(text, "left", False, 1, enc.name)
        return
    for line in wrap(name, width, measure):
        yield Line(line, "left", False, 1, enc.name)
    yield from _columns("  " + detail, amount, width, enc, False, 1)


def _size(size: int) -> int:
    if size not in (1, 2):
        raise ValueError("text size must be 1 or 2")
    return size
