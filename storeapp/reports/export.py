"""Any report to a file: CSV for spreadsheets, A4 PDF for printing and sending, in Chinese or
English. Both walk the same :class:`Report` sections; the PDF embeds a subset of a CJK font.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import TTFFont

from storeapp.clock import to_local
from storeapp.errors import DomainError
from storeapp.money import format_fen
from storeapp.reports.model import (
    Facts,
    Kind,
    Label,
    Lang,
    Report,
    Section,
    Table,
    format_value,
)
from storeapp.storage import open_owner_only

PERIOD = Label("期间", "Period")
STORE = Label("门店", "Store")
GENERATED = Label("生成时间", "Generated at")
PAGE = Label("第 {page} / {nb} 页", "Page {page} / {nb}")

#: CJK fonts fpdf2 can embed, best first: (file, face index in a collection, Debian package).
#: TrueType outlines come first because text set in them extracts with every tool; fpdf2 also
#: embeds Noto CJK's CFF outlines, which render and copy fine in viewers, but pypdf (and so many
#: text pipelines) cannot read text back from a CFF CID font (pypdf issue #2295).
CJK_FONTS: tuple[tuple[str, int, str], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0, "fonts-droid-fallback"),
    ("C:/Windows/Fonts/msyh.ttc", 0, "Microsoft YaHei"),
    ("C:/Windows/Fonts/simhei.ttf", 0, "SimHei"),
    # Index 2 of the collection is Noto Sans CJK SC (simplified Chinese glyph forms).
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2, "fonts-noto-cjk"),
)
FONT_PACKAGE = CJK_FONTS[0][2]
#: Where the main font lacks a character (hanzi of CJK Extension B and later, which turn up in
#: names: 𠮷), it comes from Noto Sans CJK SC if installed. Loaded only then: it takes ~0.6 s.
FALLBACK_FONT = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)


def write_csv(report: Report, path: Path, lang: Lang = "zh") -> Path:
    """Write ``report`` as CSV for Excel/WPS and return ``path``.

    UTF-8 with a byte-order mark, which is how Excel and WPS know the file is UTF-8 (without it
    they read hanzi as GBK mojibake). The first lines name the report, period, store and time;
    then one block per section (a title line; label,value pairs for facts; header, rows and total
    row for tables), blank lines between them.

    Money is written as plain yuan numbers (``1234.50``, ``-0.50``): no ¥ sign and no thousands
    separator, so a spreadsheet reads the cells as numbers it can sum. Counts are plain integers;
    percentages keep their ``%`` (``12.5%``), which spreadsheets also read as numbers.
    """
    with open_owner_only(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([report.title(lang)])
        writer.writerows(_header_lines(report, lang))
        for section in report.sections:
            writer.writerow([])
            writer.writerow([section.title(lang)])
            if isinstance(section, Facts):
                writer.writerows([f.label(lang), _csv_value(f.value, f.kind, lang)]
                                 for f in section.items)
                continue
            writer.writerow([c.label(lang) for c in section.columns])
            for row in _table_rows(section):
                writer.writerow([_csv_value(row.get(c.key), c.kind, lang)
                                 for c in section.columns])
    return path


def write_pdf(report: Report, path: Path, lang: Lang = "zh") -> Path:
    """Write ``report`` as an A4 portrait PDF and return ``path``.

    A header (title, period, store, local generation time), then each section as a heading and a
    table: numbers right-aligned, header row shaded, total row bold, long tables continued on the
    next page under a repeated header; "第 1 / N 页" or "Page 1 / N" at the foot of each page.
    Raises :class:`DomainError` ``no_cjk_font`` when no CJK font is installed.
    """
    title = report.title(lang)
    header = [f"{label}: {value}" for label, value in _header_lines(report, lang)]
    sections = [(section.title(lang), _grid(section, lang)) for section in report.sections]

    pdf = _ReportPdf(lang)
    pdf.add_fallback_font_for([title, *header, *(text for heading, grid in sections
                                                 for text in (heading, *grid.texts()))])
    pdf.set_title(title)
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    pdf.set_creator("storeapp")
    # Dated by the report, not by the moment of export, so the same report gives the same file.
    pdf.set_creation_date(report.generated_at.replace(tzinfo=dt.UTC))
    pdf.add_page()

    pdf.set_font(size=_TITLE_PT)
    with _bold(pdf):
        pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=_BODY_PT)
    for line in header:
        pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    for heading, grid in sections:
        _draw_section(pdf, heading, grid)

    with open_owner_only(path, "wb") as out:  # members' names and phones: the owner's only
        out.write(pdf.output())
    return path


def find_cjk_font(candidates: Sequence[tuple[str, int, str]] = CJK_FONTS) -> tuple[Path, int]:
    """The first installed CJK font of ``candidates``, as (file, face index in a collection)."""
    for file, index, _package in candidates:
        if Path(file).is_file():
            return Path(file), index
    raise DomainError("no_cjk_font",
                      f"No Chinese font for PDF reports: install {FONT_PACKAGE} "
                      f"(Debian/Ubuntu: apt-get install {FONT_PACKAGE}, or run scripts/setup)",
                      package=FONT_PACKAGE)


# --- shared -------------------------------------------------------------------------------------

def _header_lines(report: Report, lang: Lang) -> list[tuple[str, str]]:
    generated = to_local(report.generated_at).strftime("%Y-%m-%d %H:%M")
    return [(PERIOD(lang), report.period), (STORE(lang), report.store_code),
            (GENERATED(lang), generated)]


def _table_rows(table: Table) -> list[dict[str, Any]]:
    return [*table.rows, *([table.total] if table.total is not None else [])]


def _csv_value(value: Any, kind: Kind, lang: Lang) -> str:
    if value is None:
        return ""
    if kind == "fen":
        return format_fen(int(value), symbol=False).replace(",", "")
    if kind == "int":
        return str(int(value))
    return format_value(value, kind, lang)


# --- PDF layout ---------------------------------------------------------------------------------

_FONT, _FALLBACK = "cjk", "cjk-fallback"
_TITLE_PT, _HEADING_PT, _BODY_PT, _FOOT_PT, _MIN_PT = 16, 12, 9.5, 8, 6
_ROW_MM = 6.5
_HEADER_FILL = 232  # grey level of the header row background
_RULE_GREY = 200  # thin lines between rows


class _ReportPdf(FPDF):
    """A4 portrait in millimetres with the CJK font loaded and a page-number footer."""

    def __init__(self, lang: Lang) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._lang = lang
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self._file, index = find_cjk_font()
        self.add_font(_FONT, "", self._file, collection_font_number=index)
        self.set_font(_FONT, size=_BODY_PT)
        self.c_margin = 1.5  # cell padding left and right

    def add_fallback_font_for(self, texts: Iterable[str]) -> None:
        """Load the fallback font if some character of ``texts`` is missing from the main font.

        Without it fpdf2 leaves the character out (and only logs a warning)."""
        font = self.fonts[_FONT]
        assert isinstance(font, TTFFont)
        missing = {char for text in texts for char in text
                   if ord(char) not in font.cmap and not char.isspace()}
        file, index = FALLBACK_FONT
        if missing and Path(file).is_file() and file != str(self._file):
            self.add_font(_FALLBACK, "", file, collection_font_number=index)
            self.set_fallback_fonts([_FALLBACK])

    def footer(self) -> None:
        # "{nb}" is fpdf2's alias for the page count, filled in when the document is closed.
        self.set_y(-12)
        self.set_font(_FONT, size=_FOOT_PT)
        self.set_text_color(110)
        text = PAGE(self._lang).format(page=self.page_no(), nb="{nb}")
        self.cell(0, 5, text, align="C")
        self.set_text_color(0)


def _bold(pdf: FPDF) -> AbstractContextManager[None]:
    """Bold by outlining each glyph as well as filling it: CJK TrueType fonts ship no bold face,
    and this keeps one embedded font for all text (and the text still extracts as text)."""
    return pdf.local_context(text_mode="FILL_STROKE", line_width=0.2, draw_color=0)


@dataclass
class _Grid:
    """A section's cells as strings, ready to lay out."""

    aligns: list[str]  # per column: "L" for text, "R" for numbers
    header: list[str] | None
    rows: list[list[str]]
    total: list[str] | None = None

    def texts(self) -> list[str]:
        return [*(self.header or []), *(t for row in self.rows for t in row), *(self.total or [])]


def _grid(section: Section, lang: Lang) -> _Grid:
    if isinstance(section, Facts):
        # Label and value, no header row; a value reads best right-aligned whatever its kind.
        return _Grid(aligns=["L", "R"], header=None,
                     rows=[[f.label(lang), format_value(f.value, f.kind, lang)]
                           for f in section.items])
    columns = section.columns
    return _Grid(aligns=[_align(c.kind) for c in columns],
                 header=[c.label(lang) for c in columns],
                 rows=[[format_value(row.get(c.key), c.kind, lang) for c in columns]
                       for row in section.rows],
                 total=None if section.total is None else
                 [format_value(section.total.get(c.key), c.kind, lang) for c in columns])


def _align(kind: Kind) -> str:
    return "L" if kind == "text" else "R"


def _draw_section(pdf: FPDF, title: str, grid: _Grid) -> None:
    # Keep the heading with the header row and the first row.
    needed = 12 + _ROW_MM * (2 if grid.header else 1)
    if pdf.will_page_break(needed):
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(size=_HEADING_PT)
    with _bold(pdf):
        pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(size=_BODY_PT)
    widths = _fit_columns(pdf, grid)
    if grid.header:
        _draw_header(pdf, grid.header, widths, grid.aligns)
    lines = [(cells, False) for cells in grid.rows]
    if grid.total:
        lines.append((grid.total, True))
    for cells, is_total in lines:
        if pdf.will_page_break(_ROW_MM):  # the table goes on, under its header, on a new page
            pdf.add_page()
            if grid.header:
                _draw_header(pdf, grid.header, widths, grid.aligns)
        if is_total:
            _rule(pdf, widths, grey=0, width=0.3)
            with _bold(pdf):
                _draw_row(pdf, cells, widths, grid.aligns)
        else:
            _draw_row(pdf, cells, widths, grid.aligns)
            _rule(pdf, widths, grey=_RULE_GREY, width=0.1)
    pdf.set_font(size=_BODY_PT)  # _fit_columns may have set a wide table smaller


def _draw_header(pdf: FPDF, cells: list[str], widths: list[float], aligns: list[str]) -> None:
    pdf.set_fill_color(_HEADER_FILL)
    _draw_row(pdf, cells, widths, aligns, fill=True)
    _rule(pdf, widths, grey=0, width=0.3)


def _draw_row(pdf: FPDF, cells: list[str], widths: list[float], aligns: list[str],
              fill: bool = False) -> None:
    for text, width, align in zip(cells, widths, aligns, strict=True):
        pdf.cell(width, _ROW_MM, _clip(pdf, text, width), align=align, fill=fill)
    pdf.ln(_ROW_MM)


def _rule(pdf: FPDF, widths: list[float], grey: int, width: float) -> None:
    with pdf.local_context(draw_color=grey, line_width=width):
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + sum(widths), pdf.get_y())


def _fit_columns(pdf: FPDF, grid: _Grid) -> list[float]:
    """Column widths for ``grid``, after setting a smaller font if it is wider than the page.

    Each column is as wide as its widest cell, and the table at least 60% of the page wide. A
    table wider than the page is set smaller (down to 6 pt); if it is still too wide, its text
    columns are narrowed and their cells cut with "…". Numbers keep their width (a clipped amount
    would read as a different amount) unless they alone are wider than the page even at 6 pt.
    """
    page = pdf.epw
    natural = _natural_widths(pdf, grid)
    if sum(natural) > page:
        # Text widths scale with the font size, the cell padding does not.
        padding = len(natural) * _padding(pdf)
        scale = (page - padding) / (sum(natural) - padding)
        pdf.set_font(size=max(_MIN_PT, pdf.font_size_pt * scale * 0.99))
        natural = _natural_widths(pdf, grid)
    if sum(natural) <= page:
        target = max(sum(natural), page * 0.6)
        return [w * target / sum(natural) for w in natural]
    numbers = sum(w for w, align in zip(natural, grid.aligns, strict=True) if align == "R")
    text = sum(natural) - numbers
    if numbers >= page or not text:  # no room left for text: squeeze everything alike
        return [w * page / sum(natural) for w in natural]
    return [w if align == "R" else w * (page - numbers) / text
            for w, align in zip(natural, grid.aligns, strict=True)]


def _natural_widths(pdf: FPDF, grid: _Grid) -> list[float]:
    lines = [*([grid.header] if grid.header else []), *grid.rows,
             *([grid.total] if grid.total else [])]
    return [max((pdf.get_string_width(line[col]) for line in lines), default=0.0) + _padding(pdf)
            for col in range(len(grid.aligns))]


def _padding(pdf: FPDF) -> float:
    # +1 mm: the faux-bold outline makes header and total text a little wider.
    return 2 * pdf.c_margin + 1


def _clip(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut to fit ``width`` with an ellipsis (only when a table is wider than a page)."""
    room = width - 2 * pdf.c_margin
    if pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "…") > room:
        text = text[:-1]
    return text + "…"
