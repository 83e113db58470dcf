"""What a report is, apart from how it is shown: titled sections of facts and tables, every label
in Chinese and English, every value typed (fen, count, percent, text) so the CLI, the screen,
CSV and PDF format it the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from storeapp.money import format_fen

Kind = Literal["text", "int", "fen", "pct"]
Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Fact:
    key: str
    label: Label
    value: Any
    kind: Kind = "fen"


@dataclass(frozen=True)
class Column:
    key: str
    label: Label
    kind: Kind = "text"


@dataclass
class Facts:
    """A block of named figures (label → value)."""

    key: str
    title: Label
    items: list[Fact]

    def value(self, key: str) -> Any:
        return next(f.value for f in self.items if f.key == key)


@dataclass
class Table:
    """Rows under typed columns; ``total`` (if any) is the last row, set apart."""

    key: str
    title: Label
    columns: list[Column]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None


Section = Facts | Table


@dataclass
class Report:
    kind: str  # daily|liability|rfm|shift|...
    title: Label
    period: str  # what the figures cover, e.g. "2026-03-10" or "2026-03-01 – 2026-03-31"
    generated_at: dt.datetime  # naive UTC
    store_code: str
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def facts(self, key: str) -> Facts:
        found = self.section(key)
        assert isinstance(found, Facts), key
        return found

    def table(self, key: str) -> Table:
        found = self.section(key)
        assert isinstance(found, Table), key
        return found

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable form (``--json``): raw values, fen as integers."""
        out: dict[str, Any] = {"report": self.kind, "period": self.period,
                               "store_code": self.store_code,
                               "generated_at": self.generated_at.isoformat()}
        for section in self.sections:
            if isinstance(section, Facts):
                out[section.key] = {f.key: f.value for f in section.items}
            else:
                out[section.key] = {"rows": [_plain(r) for r in section.rows],
                                    "total": _plain(section.total) if section.total else None}
        return out


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row for JSON: label cells become their Chinese text, with ``<key>_en`` beside."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Label):
            out[key], out[f"{key}_en"] = value.zh, value.en
        else:
            out[key] = value
    return out


def format_value(value: Any, kind: Kind, lang: Lang = "zh") -> str:
    """How a value reads on screen, paper, CSV and PDF (a :class:`Label` cell in ``lang``)."""
    if value is None:
        return ""
    if isinstance(value, Label):
        return value(lang)
    if kind == "fen":
        return format_fen(int(value))
    if kind == "int":
        return f"{int(value):,}"
    if kind == "pct":
        return f"{float(value):.1f}%"
    return str(value)
