"""The receipt as a picture of the paper: the same laid-out lines the printer gets, drawn at the
paper's dot width on a character grid (12 dots a half-width column, as font A prints), with a CJK
font, the QR code and the barcode. The on-screen preview, ``preview:`` printers and the
README's screenshots all come from here; so does the image a printer without native QR gets.

Each line is drawn as the paper will show it: its text encoded for the printer's encoding and
decoded back with Python's codec, so a character the encoding lacks shows as the marker the
printer gets (:data:`devices.text.MISSING`), and Big5 draws the Traditional labels (in the
Traditional Chinese face of the font).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

import barcode  # type: ignore[import-untyped]
import qrcode  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from devices.layout import QR, Barcode, Cut, DrawerKick, Feed, Line, Op, Receipt, lay_out
from devices.profiles import DEFAULT_PROFILE, PaperProfile, get_profile
from devices.text import DEFAULT_ENCODING, Encoding, get_encoding
from storeapp.storage import open_owner_only

LINE_DOTS = 30  # font A is 24 dots tall; printers' default line spacing is about 30 dots
MARGIN_DOTS = 12
CUT_DOTS = 48
QUIET_MODULES = 10  # each side of a barcode
_FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
               "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
_MONO_CJK_INDEX = {"SC": 7, "TC": 8}  # "Noto Sans Mono CJK SC/TC" inside the collections
#: The cached fonts are shared; a FreeType face must not draw on two threads at once (the print
#: queue's preview printer and the UI's preview may both draw).
_DRAWING = threading.Lock()


class FontMissing(RuntimeError):
    """No CJK font is installed: the preview cannot draw hanzi."""


def render_image(receipt: Receipt, profile: str | PaperProfile = DEFAULT_PROFILE,
                 encoding: str | Encoding = DEFAULT_ENCODING) -> Image.Image:
    """The receipt as a greyscale image exactly the paper's printable width in dots."""
    paper, enc = get_profile(profile), get_encoding(encoding)
    ops = lay_out(receipt, paper.columns, enc)
    with _DRAWING:
        return _Canvas(paper, ops, enc).draw()


def save_png(receipt: Receipt, profile: str | PaperProfile, path: str | Path,
             encoding: str | Encoding = DEFAULT_ENCODING) -> Path:
    """Write the preview of ``receipt`` as a PNG; returns the path."""
    target = Path(path)
    image = render_image(receipt, profile, encoding)
    with open_owner_only(target, "wb") as out:  # a member's name and balance: the owner's only
        image.save(out, format="PNG", optimize=True)
    return target


# -- pictures shared with the printer -----------------------------------------------------------

def qr_image(data: str, module_dots: int) -> Image.Image:
    """A QR code (error correction M, as the native command asks) with a 2-module quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix)
    image = Image.new("1", (side, side), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    return image.resize((side * module_dots, side * module_dots), Image.Resampling.NEAREST)


def barcode_modules(data: str) -> str:
    """The CODE128 bars of ``data`` as ``1`` (bar) and ``0`` (space) modules."""
    return str(barcode.get_barcode_class("code128")(data).build()[0])


def barcode_module_px(data: str, pixel_width: int) -> int:
    """The widest module (3, 2 or 1 dots) at which the barcode and its quiet zones fit."""
    modules = len(barcode_modules(data)) + 2 * QUIET_MODULES
    return next((dots for dots in (3, 2) if modules * dots <= pixel_width), 1)


def barcode_image(data: str, module_dots: int, height: int) -> Image.Image:
    """The bars of a CODE128 barcode (no text), ``module_dots`` per module."""
    bars = barcode_modules(data)
    image = Image.new("1", (len(bars), 1), 1)
    image.putdata([0 if b == "1" else 1 for b in bars])
    return image.resize((len(bars) * module_dots, height), Image.Resampling.NEAREST)


# -- drawing ---------------------------------------------------------------------------------------

class _Canvas:
    def __init__(self, paper: PaperProfile, ops: list[Op], enc: Encoding) -> None:
        self.paper, self.ops, self.default = paper, ops, enc
        self.cell = paper.dots_per_column

    def draw(self) -> Image.Image:
        height = MARGIN_DOTS * 2 + sum(self._height(op) for op in self.ops)
        self.image = Image.new("L", (self.paper.pixel_width, height), 255)
        self.pen = ImageDraw.Draw(self.image)
        y = MARGIN_DOTS
        for op in self.ops:
            self._op(op, y)
            y += self._height(op)
        return self.image

    def _height(self, op: Op) -> int:
        if isinstance(op, Line):
            return LINE_DOTS * op.size
        if isinstance(op, QR):
            return qr_image(op.data, op.size).height + LINE_DOTS // 2
        if isinstance(op, Barcode):
            return op.height + LINE_DOTS + 6
        if isinstance(op, Feed):
            return LINE_DOTS * op.lines
        if isinstance(op, Cut):
            return CUT_DOTS
        return 0

    def _op(self, op: Op, y: int) -> None:
        if isinstance(op, Line):
            self._line(op, y)
        elif isinstance(op, QR):
            self._paste(qr_image(op.data, op.size), y)
        elif isinstance(op, Barcode):
            module = barcode_module_px(op.data, self.paper.pixel_width)
            self._paste(barcode_image(op.data, module, op.height), y)
            text = self.default.prepare(op.data)
            self._line(Line(text, "center", False, 1, self.default.name), y + op.height + 4)
        elif isinstance(op, Cut):
            middle = y + CUT_DOTS // 2
            for x in range(0, self.paper.pixel_width, 12):
                self.pen.line([(x, middle), (x + 6, middle)], fill=160, width=1)
        elif isinstance(op, DrawerKick | Feed):
            pass

    def _line(self, line: Line, y: int) -> None:
        enc = get_encoding(line.encoding)
        shown = paper_text(line.text, enc)
        cell = self.cell * line.size
        font = _font(line.bold, 2 * cell, "TC" if enc.labels == "zh-Hant" else "SC")
        width = enc.width(shown) * cell
        x = {"left": 0, "center": (self.paper.pixel_width - width) // 2,
             "right": self.paper.pixel_width - width}[line.align]
        baseline = y + (LINE_DOTS * line.size) * 4 // 5
        for c in shown:
            span = enc.width(c) * cell
            if not c.isspace():
                # Each character sits in its own cells, centred, as the printer's font grid puts
                # it: a mono font's own advance would drift from the paper for ¥ or × in GBK.
                glyph = font.getlength(c)
                self.pen.text((x + (span - glyph) / 2, baseline), c, font=font, fill=0,
                              anchor="ls")
            x += span

    def _paste(self, picture: Image.Image, y: int) -> None:
        x = (self.paper.pixel_width - picture.width) // 2
        self.image.paste(picture.convert("L"), (max(x, 0), y))


def paper_text(text: str, encoding: str | Encoding) -> str:
    """What the paper shows for a laid-out line: its bytes decoded with Python's codec."""
    enc = get_encoding(encoding)
    return text.encode(enc.codec).decode(enc.codec)


@lru_cache(maxsize=16)
def _font(bold: bool, size: int, face: str = "SC") -> ImageFont.FreeTypeFont:
    path, index = _font_file(bold, face)
    return ImageFont.truetype(path, size, index=index)


@lru_cache(maxsize=4)
def _font_file(bold: bool, face: str = "SC") -> tuple[str, int]:
    """A monospaced CJK font: fontconfig's Noto Sans Mono CJK SC (TC for Traditional), else
    the Debian path."""
    wanted = f"Noto Sans Mono CJK {face}" + (":bold" if bold else "")
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", wanted],
                               capture_output=True, text=True, timeout=10, check=False)
        parts = found.stdout.split("\n")
        if found.returncode == 0 and len(parts) == 3 and "Mono CJK" in parts[2]:
            return parts[0], int(parts[1] or 0)
    for path in (_FONT_FILES[1], _FONT_FILES[0]) if bold else (_FONT_FILES[0],):
        if Path(path).exists():
            return path, _MONO_CJK_INDEX[face]
    raise FontMissing("no CJK font for the receipt preview: install Noto Sans CJK "
                      "(Debian/Ubuntu: apt-get install fonts-noto-cjk)")
