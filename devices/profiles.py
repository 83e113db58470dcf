"""Paper profiles: how wide a printer's paper is in columns and dots and what it can draw itself.

``58mm`` and ``80mm`` describe the common Chinese-market printers (font A 12×24 dots, GB18030
font, ``GS ( k`` QR and ``GS k`` CODE128); any python-escpos capability profile name (``TM-T20II``,
``POS-5890``...) takes its numbers from python-escpos's printer database instead.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from escpos import capabilities  # type: ignore[import-untyped]

DEFAULT_PROFILE = "80mm"
#: Font A is 12 dots wide on practically every receipt printer; a CJK character takes two.
DOTS_PER_COLUMN = 12
#: Narrower than this is a customer display or a label printer, not a receipt printer.
MIN_COLUMNS = 24
_IMAGE_MODES = ("bitImageRaster", "bitImageColumn", "graphics")


@dataclass(frozen=True)
class PaperProfile:
    """What the layout and the renderers need to know about a printer's paper."""

    name: str
    columns: int  # font A, in half-width columns
    columns_font_b: int
    pixel_width: int  # printable dots across
    dpi: int
    native_qr: bool  # GS ( k
    native_barcode: bool  # GS k, function B (CODE128)
    image_mode: str | None  # how it prints a picture; None: it cannot (impact printers)
    cuts: bool
    #: ``ESC t`` number of each code page the printer has (lowest number when listed twice).
    code_pages: dict[str, int] = field(hash=False, compare=False)
    #: The python-escpos capability data the command builder runs with.
    escpos_data: dict[str, Any] = field(hash=False, compare=False, repr=False)

    @property
    def dots_per_column(self) -> int:
        return self.pixel_width // self.columns


def get_profile(name: str | PaperProfile = DEFAULT_PROFILE) -> PaperProfile:
    """``58mm``, ``80mm`` or a python-escpos capability profile name; ``ValueError`` otherwise."""
    if isinstance(name, PaperProfile):
        return name
    return _load(name.strip())


def profile_names() -> list[str]:
    """Every name :func:`get_profile` accepts."""
    return ["58mm", "80mm", *sorted(capabilities.CAPABILITIES["profiles"])]


@cache
def _load(name: str) -> PaperProfile:
    generic = {"58mm": (32, 42, 384, 58), "80mm": (48, 64, 576, 80)}
    known = capabilities.CAPABILITIES["profiles"]
    if name.lower() in generic:
        columns, columns_b, pixels, mm = generic[name.lower()]
        data = copy.deepcopy(known["default"])
        data["name"] = f"Generic {mm} mm"
        data["media"] = {"dpi": 203, "width": {"mm": mm, "pixels": pixels}}
        data["fonts"] = {"0": {"name": "Font A", "columns": columns},
                         "1": {"name": "Font B", "columns": columns_b}}
        return _from_data(name.lower(), data)
    if name not in known:
        close = [n for n in known if n.lower() == name.lower()]
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"unknown printer profile '{name}'{hint}: use 58mm, 80mm or a "
                         f"python-escpos profile such as TM-T20II or POS-5890")
    return _from_data(name, copy.deepcopy(known[name]))


def _from_data(name: str, data: dict[str, Any]) -> PaperProfile:
    fonts = data.get("fonts", {})
    columns = int(fonts.get("0", {}).get("columns", 0))
    columns_b = int(fonts.get("1", {}).get("columns", columns))
    media = data.setdefault("media", {})
    width = media.setdefault("width", {})
    pixels = width.get("pixels")
    if not isinstance(pixels, int):
        pixels = columns * DOTS_PER_COLUMN
    if columns < MIN_COLUMNS and pixels >= MIN_COLUMNS * DOTS_PER_COLUMN:
        # The database has a few profiles whose font table is not the receipt font
        # (NT-80-V-UL: 12 columns on 576 dots); the dots are right, so trust them.
        columns, columns_b = pixels // DOTS_PER_COLUMN, pixels * 4 // (DOTS_PER_COLUMN * 3)
    if columns < MIN_COLUMNS:
        raise ValueError(f"printer profile '{name}' has {columns} columns: too narrow for a "
                         f"receipt (a display or label printer?)")
    dpi = media.get("dpi")
    if not isinstance(dpi, int):
        dpi = 203
    # The command builder reads these; "Unknown" there makes python-escpos print to stdout.
    media["dpi"], width["pixels"] = dpi, pixels
    features = data.get("features", {})
    code_pages: dict[str, int] = {}
    for number, page in sorted(data.get("codePages", {}).items(), key=lambda kv: int(kv[0])):
        code_pages.setdefault(str(page).upper(), int(number))
    return PaperProfile(
        name=name, columns=columns, columns_font_b=columns_b, pixel_width=pixels, dpi=dpi,
        native_qr=bool(features.get("qrCode")), native_barcode=bool(features.get("barcodeB")),
        image_mode=next((m for m in _IMAGE_MODES if features.get(m)), None),
        cuts=bool(features.get("paperFullCut") or features.get("paperPartCut")),
        code_pages=code_pages, escpos_data=data,
    )
