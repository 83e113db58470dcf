"""Charts of report tables with Qt Charts, where people would rather look than read: sales by
hour, top-ups against stored-value spends per day, the tier mix and the RFM segment sizes.

Titles and series names are the report's own labels (in the report's language); axis titles go
through Qt's translation. Money is drawn in yuan: a chart axis is a float, so ``fen / 100``
here is for drawing only and no figure is ever read back from a chart.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCharts import (
    QAbstractAxis,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, QMargins, Qt, QTime
from PySide6.QtGui import QColor, QFont, QPainter

from storeapp.reports.model import Lang, Table
from ui.i18n import cjk_font
from ui.widgets import translate

#: Bars per day up to a month; a longer range is drawn as lines over a date axis.
MAX_DAY_BARS = 31
COLORS = ("#2f80ed", "#f2a900", "#27ae60", "#9b51e0", "#eb5757", "#56ccf2", "#6fcf97",
          "#bdbdbd")
CHART_HEIGHT = 280


def sales_by_hour(table: Table, lang: Lang) -> QChartView:
    """Bars of the ``by_hour`` table: the sales total in each of the day's 24 hours."""
    bars = QBarSet(_column(table, "sales_fen", lang))
    bars.append([_yuan(row["sales_fen"]) for row in table.rows])
    bars.setColor(QColor(COLORS[0]))
    series = QBarSeries()
    series.append(bars)
    chart = _chart(table.title(lang))
    chart.addSeries(series)
    chart.legend().hide()
    hours = QBarCategoryAxis()
    hours.append([str(row["hour"])[:2] for row in table.rows])
    _axes(chart, series, hours, _money_axis(max((r["sales_fen"] for r in table.rows),
                                                default=0)))
    hours.setTitleText(translate("Charts", "Hour"))
    small = hours.labelsFont()  # 24 two-digit hours in half a 1024-pixel screen, none elided
    small.setPointSize(8)
    hours.setLabelsFont(small)
    return _view(chart)


def topups_and_spends(table: Table, lang: Lang) -> QChartView:
    """The ``by_day`` table: top-ups (with bonus) against stored-value spends, per day."""
    keys = ("topup_fen", "spend_fen")
    chart = _chart(table.title(lang))
    top = max((row[k] for row in table.rows for k in keys), default=0)
    if len(table.rows) <= MAX_DAY_BARS:
        series = QBarSeries()
        for index, key in enumerate(keys):
            bars = QBarSet(_column(table, key, lang))
            bars.append([_yuan(row[key]) for row in table.rows])
            bars.setColor(QColor(COLORS[index]))
            series.append(bars)
        chart.addSeries(series)
        days = QBarCategoryAxis()
        days.append([str(row["day"])[5:] for row in table.rows])  # MM-DD
        _axes(chart, series, days, _money_axis(top))
        return _view(chart)
    axis = QDateTimeAxis()
    axis.setFormat("MM-dd")
    axis.setTickCount(8)
    lines = []
    for index, key in enumerate(keys):
        line = QLineSeries()
        line.setName(_column(table, key, lang))
        line.setColor(QColor(COLORS[index]))
        for row in table.rows:
            day = dt.date.fromisoformat(str(row["day"]))
            at = QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0))
            line.append(float(at.toMSecsSinceEpoch()), _yuan(row[key]))
        chart.addSeries(line)
        lines.append(line)
    money = _money_axis(top)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(money, Qt.AlignmentFlag.AlignLeft)
    for line in lines:
        line.attachAxis(axis)
        line.attachAxis(money)
    _fonts(chart)
    return _view(chart)


def tier_mix(table: Table, lang: Lang) -> QChartView:
    """A pie of the ``tiers`` table: members in each tier (a slice for every tier)."""
    series = QPieSeries()
    for index, row in enumerate(table.rows):
        members = int(row["members"])
        piece = series.append(f"{row['tier'](lang)} {members:,}", members)
        piece.setColor(QColor(COLORS[index % len(COLORS)]))
    series.setPieSize(0.75)  # the legend names the tiers and their counts
    chart = _chart(table.title(lang))
    chart.addSeries(series)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    _fonts(chart)
    return _view(chart)


def segment_sizes(table: Table, lang: Lang) -> QChartView:
    """Horizontal bars of the RFM ``segments`` table: members per segment, first on top."""
    rows = list(reversed(table.rows))  # a horizontal bar chart draws its first category lowest
    bars = QBarSet(_column(table, "members", lang))
    bars.append([float(row["members"]) for row in rows])
    bars.setColor(QColor(COLORS[0]))
    bars.setLabelFont(cjk_font(9))
    series = QHorizontalBarSeries()
    series.append(bars)
    series.setLabelsVisible(True)
    chart = _chart(table.title(lang))
    chart.addSeries(series)
    chart.legend().hide()
    names = QBarCategoryAxis()
    names.append([row["segment"](lang) for row in rows])
    count = QValueAxis()
    count.setRange(0, max(1, max((int(r["members"]) for r in rows), default=0)))
    count.applyNiceNumbers()
    count.setLabelFormat("%d")
    count.setTitleText(translate("Charts", "Members"))
    chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(count, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(names)
    series.attachAxis(count)
    _fonts(chart)
    view = _view(chart)
    view.setMinimumHeight(CHART_HEIGHT + 40)  # eight bars with their names
    return view


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(6)
    return chart


def _axes(chart: QChart, series: QBarSeries, categories: QAbstractAxis,
          values: QValueAxis) -> None:
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    series.attachAxis(values)
    _fonts(chart)


def _money_axis(top_fen: int) -> QValueAxis:
    axis = QValueAxis()
    axis.setRange(0, max(1.0, _yuan(top_fen)))
    axis.applyNiceNumbers()
    axis.setLabelFormat("%.0f")
    axis.setTitleText(translate("Charts", "Yuan"))
    return axis


def _fonts(chart: QChart) -> None:
    """Fonts that have hanzi: a chart draws its text itself and does not follow the app font."""
    title = cjk_font(11)
    title.setWeight(QFont.Weight.Bold)
    chart.setTitleFont(title)
    chart.legend().setFont(cjk_font(9))
    for axis in chart.axes():
        axis.setLabelsFont(cjk_font(9))
        axis.setTitleFont(cjk_font(9))


def _view(chart: QChart) -> QChartView:
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # nothing to do with the keys; Tab passes it
    view.setMinimumHeight(CHART_HEIGHT)
    return view


def _column(table: Table, key: str, lang: Lang) -> str:
    return next(c.label(lang) for c in table.columns if c.key == key)


def _yuan(fen: int) -> float:
    return int(fen) / 100  # drawing only (see the module docstring)
