"""Any :class:`storeapp.reports.model.Report` as widgets: facts as label/value grids, tables as
read-only views with numbers right-aligned and the total row bold. Every report on screen reads
the same way, and the same as its CSV and PDF (one ``format_value`` for all of them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from storeapp.reports.model import Facts, Lang, Report, Table, format_value

#: The row dict behind a table row (``Qt.UserRole`` of its first cell); None on the total row.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
FACT_COLUMNS = 3  # facts blocks side by side, by default
MAX_VISIBLE_ROWS = 12  # a longer table scrolls inside itself


class ReportView(QWidget):
    """Shows one report at a time. After :meth:`show_report`, ``facts[section][key]`` is the
    value label of a fact and ``tables[section]`` the view of a table.

    Signals: ``row_changed(str, object)`` — the current row of table ``section`` moved to the
    row dict (None: the total row or no row)."""

    row_changed = Signal(str, object)

    def __init__(self, lang: Lang, parent: QWidget | None = None, *,
                 only: Iterable[str] | None = None, header: bool = True,
                 fact_columns: int = FACT_COLUMNS) -> None:
        super().__init__(parent)
        self.lang = lang
        self.report: Report | None = None
        self.facts: dict[str, dict[str, QLabel]] = {}
        self.tables: dict[str, QTableView] = {}
        self._only = set(only) if only is not None else None
        self._header = header
        self._fact_columns = fact_columns
        self._body = QWidget()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self._body)

    def show_report(self, report: Report) -> None:
        self.report = report
        self.facts, self.tables = {}, {}
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        if self._header:
            title = QLabel(f"{report.title(self.lang)} · {report.period}")
            title.setProperty("role", "section")
            layout.addWidget(title)
        sections = [s for s in report.sections if self._only is None or s.key in self._only]
        blocks = QGridLayout()
        facts = [s for s in sections if isinstance(s, Facts)]
        for index, section in enumerate(facts):
            blocks.addWidget(self._facts_block(section), index // self._fact_columns,
                             index % self._fact_columns, Qt.AlignmentFlag.AlignTop)
        if facts:
            for column in range(self._fact_columns):
                blocks.setColumnStretch(column, 1)
            layout.addLayout(blocks)
        for table in (s for s in sections if isinstance(s, Table)):
            layout.addWidget(_title(table.title(self.lang)))
            view = table_view(table, self.lang)
            view.selectionModel().currentRowChanged.connect(
                lambda current, _previous, key=table.key: self._on_row(key, current))
            self.tables[table.key] = view
            layout.addWidget(view)
        layout.addStretch(1)
        self._layout.replaceWidget(self._body, body)
        self._body.deleteLater()
        self._body = body

    def _facts_block(self, section: Facts) -> QFrame:
        frame = QFrame()
        frame.setProperty("role", "card")
        grid = QGridLayout(frame)
        grid.addWidget(_title(section.title(self.lang)), 0, 0, 1, 2)
        labels: dict[str, QLabel] = {}
        for row, fact in enumerate(section.items, start=1):
            grid.addWidget(QLabel(fact.label(self.lang)), row, 0)
            value = QLabel(format_value(fact.value, fact.kind, self.lang))
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(value, row, 1)
            labels[fact.key] = value
        grid.setColumnStretch(0, 1)
        self.facts[section.key] = labels
        return frame

    def _on_row(self, key: str, current: QModelIndex) -> None:
        row = current.siblingAtColumn(0).data(ROW_ROLE) if current.isValid() else None
        self.row_changed.emit(key, row)


def table_view(table: Table, lang: Lang) -> QTableView:
    """A read-only, keyboard-friendly view of ``table``: Tab leaves it, arrows move the row."""
    view = QTableView()
    view.setModel(table_model(table, lang))
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setTabKeyNavigation(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(False)
    # as wide as its columns (no blank band on the right), narrower with a scroll bar if need be
    view.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    view.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    rows = max(1, min(view.model().rowCount(), MAX_VISIBLE_ROWS))
    view.setFixedHeight(view.verticalHeader().defaultSectionSize() * rows
                        + view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth())
    return view


def table_model(table: Table, lang: Lang) -> QStandardItemModel:
    rows: list[tuple[Mapping[str, object], bool]] = [(row, False) for row in table.rows]
    if table.total is not None:
        rows.append((table.total, True))
    model = QStandardItemModel(len(rows), len(table.columns))
    model.setHorizontalHeaderLabels([c.label(lang) for c in table.columns])
    bold = QFont()
    bold.setBold(True)
    for c, column in enumerate(table.columns):
        if column.kind != "text":
            model.setHeaderData(c, Qt.Orientation.Horizontal,
                                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                Qt.ItemDataRole.TextAlignmentRole)
    for r, (row, is_total) in enumerate(rows):
        for c, column in enumerate(table.columns):
            item = QStandardItem(format_value(row.get(column.key), column.kind, lang))
            item.setEditable(False)
            if column.kind != "text":
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if is_total:
                item.setFont(bold)
            if c == 0:
                item.setData(None if is_total else row, ROW_ROLE)
            model.setItem(r, c, item)
    return model


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "subtitle")
    return label
