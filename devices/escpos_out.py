"""A laid-out receipt as the ESC/POS bytes a printer receives.

python-escpos (its ``Dummy`` printer) builds the commands: init, alignment, bold, size, QR,
barcode, images, cut, drawer kick. Text never goes through python-escpos's own encoder: each
line is prepared and encoded by :mod:`devices.text` and sent raw, after the bytes that put the
printer in the matching mode.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from escpos.capabilities import BaseProfile  # type: ignore[import-untyped]
from escpos.constants import QR_ECLEVEL_M  # type: ignore[import-untyped]
from escpos.printer import Dummy  # type: ignore[import-untyped]

from devices import preview
from devices.layout import QR, Barcode, Cut, DrawerKick, Feed, Line, Op, Receipt, lay_out
from devices.profiles import DEFAULT_PROFILE, PaperProfile, get_profile
from devices.text import DEFAULT_ENCODING, Encoding, get_encoding

LF = b"\n"


def render(receipt: Receipt, profile: str | PaperProfile = DEFAULT_PROFILE,
           encoding: str | Encoding = DEFAULT_ENCODING) -> bytes:
    """Every byte to send to the printer for ``receipt``: ``ESC @``, the mode switch for
    ``encoding``, then the receipt; a cash drawer kick (``ESC p``) only where the receipt asks."""
    paper, enc = get_profile(profile), get_encoding(encoding)
    return _Writer(paper, enc).write(lay_out(receipt, paper.columns, enc))


class _Writer:
    """One rendering: the printer state it has set so far, so each change is sent once."""

    def __init__(self, paper: PaperProfile, enc: Encoding) -> None:
        self.paper, self.default = paper, enc
        self.out = Dummy()
        self.out.profile = _escpos_profile(paper)
        self.mode: Encoding | None = None
        self.align, self.bold, self.size = "left", False, 1

    def write(self, ops: list[Op]) -> bytes:
        self.out.hw("INIT")
        self._enter(self.default)
        for op in ops:
            if isinstance(op, Line):
                self._line(op)
            elif isinstance(op, QR):
                self._qr(op)
            elif isinstance(op, Barcode):
                self._barcode(op)
            elif isinstance(op, Feed):
                self.out.print_and_feed(op.lines)
            elif isinstance(op, Cut):
                self.out.cut()  # feeds past the cutter first; a profile without one only feeds
            elif isinstance(op, DrawerKick):
                self.out.cashdraw(2)
        return bytes(self.out.output)

    def _line(self, line: Line) -> None:
        self._enter(get_encoding(line.encoding))
        self._style(line.align, line.bold, line.size)
        # Line text is already prepared for its encoding by lay_out().
        self.out._raw(line.text.encode(get_encoding(line.encoding).codec) + LF)

    def _qr(self, qr: QR) -> None:
        self._style("center", False, 1)
        if self.paper.native_qr:
            self.out.qr(qr.data, ec=QR_ECLEVEL_M, size=qr.size, native=True)
            self.out._raw(LF)
        elif self.paper.image_mode:
            self._image(preview.qr_image(qr.data, qr.size))
        else:  # an impact printer: the code as text, so it can still be typed in
            self._line(Line(self.default.prepare(qr.data), "center", False, 1,
                            self.default.name))

    def _barcode(self, code: Barcode) -> None:
        self._style("center", False, 1)
        module = preview.barcode_module_px(code.data, self.paper.pixel_width)
        if self.paper.native_barcode:
            # _hw_barcode, not barcode(): the public one prints "Using hardware barcode
            # renderer" to stdout, which would corrupt the CLI's --json output.
            self.out._hw_barcode(code128_data(code.data), "CODE128", height=code.height,
                                 width=min(max(module, 2), 6), pos="BELOW", font="A", align_ct=True,
                                 function_type="B")
        elif self.paper.image_mode:
            self._image(preview.barcode_image(code.data, module, code.height))
        if not self.paper.native_barcode:  # the printer adds this text under its own barcode
            self._line(Line(self.default.prepare(code.data), "center", False, 1,
                            self.default.name))

    def _image(self, image: Any) -> None:
        self.out.image(image, impl=self.paper.image_mode, center=True)

    def _enter(self, enc: Encoding) -> None:
        if self.mode is not None and self.mode.name == enc.name:
            return
        if self.mode is not None and self.mode.kind == enc.kind == "double":
            self.mode = enc  # one Chinese mode: its font decides GB18030, GBK or Big5
            return
        if self.mode is not None:
            self.out._raw(self.mode.leave)
        self.out._raw(enc.enter(self.paper.code_pages))
        self.mode = enc

    def _style(self, align: str, bold: bool, size: int) -> None:
        if align != self.align:
            self.out.set(align=align)
            self.align = align
        if bold != self.bold:
            self.out.set(bold=bold)
            self.bold = bold
        if size != self.size:
            # GS ! (custom size), not ESC !: in Chinese mode ESC ! enlarges only ASCII.
            self.out.set(custom_size=True, width=size, height=size)
            self.size = size


def code128_data(data: str) -> str:
    """``GS k`` function B data for CODE128: code set B, switching to C (two digits per symbol)
    for an even run of digits at the end, which keeps receipt numbers short enough for 58 mm."""
    if not data or not all(" " <= c <= "~" for c in data):
        raise ValueError(f"CODE128 takes printable ASCII only, not {data!r}")
    head = data.rstrip("0123456789")
    digits = data[len(head):]
    if len(digits) % 2:
        head, digits = head + digits[0], digits[1:]
    out = "{B" + head.replace("{", "{{") if head else ""
    if len(digits) >= 4:
        pairs = "".join(chr(int(digits[i:i + 2])) for i in range(0, len(digits), 2))
        return out + "{C" + pairs
    return (out or "{B") + digits


@cache
def _escpos_profile(paper: PaperProfile) -> Any:
    """A python-escpos profile object over the paper's capability data."""
    cls = type(f"{paper.name.replace('-', '_')}Profile", (BaseProfile,),
               {"profile_data": paper.escpos_data})
    return cls()
