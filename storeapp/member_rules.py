"""Who a member is to the programme, as pure rules the counter's reports and head office share:
RFM scores and the eight segments, and a member's purchase cycle.

RFM: Recency (days since the last purchase), Frequency (purchases) and Monetary (fen spent)
over a window (12 months), each scored 1–5 by quintile among the members who bought (5 = most
recent / most frequent / spent most). A score of 3 or more counts as high; the eight classic
segments (重要价值客户 …) are the high/low combinations of R, F and M.

Purchase cycle: the median number of days between a member's visits (a visit is a day with a
purchase). Once a member has a cycle, their next visit is expected a cycle after the last one,
and they are overdue when today is later than the last visit plus the cycle times a factor
(1.5 by default: a member on a 30-day rhythm is overdue after 45 days).

No database here: callers read the figures (one grouped query at the till, at head office) and
hand them in.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

#: (R high, F high, M high) → segment code.
SEGMENTS: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "champions",
    (True, False, True): "big_spenders",
    (False, True, True): "at_risk_loyal",
    (False, False, True): "cant_lose",
    (True, True, False): "loyal_low_spend",
    (True, False, False): "promising",
    (False, True, False): "need_attention",
    (False, False, False): "hibernating",
}
SEGMENT_CODES = tuple(SEGMENTS.values())

#: A cycle needs this many intervals (three visits) before it says anything.
MIN_INTERVALS = 2
#: Overdue once the gap since the last visit exceeds the cycle times this.
OVERDUE_FACTOR = 1.5


class Bought(NamedTuple):
    """One member's purchases in the window: whole days since the last, how many, fen spent."""

    member_id: str
    recency_days: int
    frequency: int
    monetary_fen: int


@dataclass(frozen=True)
class Scored:
    member_id: str
    recency_days: int
    frequency: int
    monetary_fen: int
    r: int
    f: int
    m: int

    @property
    def segment(self) -> str:
        return SEGMENTS[(self.r >= 3, self.f >= 3, self.m >= 3)]


class Quintiles:
    """Scores 1–5 by rank: ``1 + (how many values are lower) * 5 // n``.

    With n distinct values the lowest fifth scores 1 and the highest fifth 5 (ten members: two
    of each score); tied values share the lowest score of the tie, so a crowd of one-time
    buyers is not lifted into a high frequency score. Only four cut values are kept: a value
    has more than c lower values exactly when it exceeds the c-th smallest, so the score is one
    plus the number of cuts (the ⌈kn/5⌉-th smallest, k = 1..4) it exceeds.
    """

    def __init__(self, values: Iterable[int]) -> None:
        ordered = sorted(values)
        n = len(ordered)
        self.cuts = [ordered[-(-k * n // 5) - 1] for k in (1, 2, 3, 4)] if n else []

    def score(self, value: int) -> int:
        return 1 + sum(value > cut for cut in self.cuts)

    def high(self, value: int) -> bool:
        """Score 3 or more."""
        return bool(self.cuts) and value > self.cuts[1]


class Scales(NamedTuple):
    """The three quintile scales of one population of buyers."""

    recency: Quintiles  # on minus the days: fewer days since a purchase scores higher
    frequency: Quintiles
    monetary: Quintiles

    @classmethod
    def of(cls, bought: Sequence[Bought]) -> Scales:
        return cls(Quintiles(-b.recency_days for b in bought),
                   Quintiles(b.frequency for b in bought),
                   Quintiles(b.monetary_fen for b in bought))

    def segment(self, b: Bought) -> str:
        """The member's segment code (four compares: the path for a million members)."""
        return SEGMENTS[(self.recency.high(-b.recency_days), self.frequency.high(b.frequency),
                         self.monetary.high(b.monetary_fen))]

    def scored(self, b: Bought) -> Scored:
        return Scored(b.member_id, b.recency_days, b.frequency, b.monetary_fen,
                      self.recency.score(-b.recency_days), self.frequency.score(b.frequency),
                      self.monetary.score(b.monetary_fen))


def score(bought: Sequence[Bought]) -> list[Scored]:
    """Every member in ``bought`` scored 1–5 on R, F and M among them."""
    scales = Scales.of(bought)
    return [scales.scored(b) for b in bought]


@dataclass(frozen=True)
class Cycle:
    """A member's rhythm: the median days between visits, and what follows from it."""

    days: int
    last_visit: dt.date

    @property
    def next_visit(self) -> dt.date:
        return self.last_visit + dt.timedelta(days=self.days)

    def overdue(self, today: dt.date, factor: float = OVERDUE_FACTOR) -> bool:
        return (today - self.last_visit).days > self.days * factor

    def days_overdue(self, today: dt.date, factor: float = OVERDUE_FACTOR) -> int:
        """Days past the overdue line (0 when not overdue)."""
        return max(0, (today - self.last_visit).days - int(self.days * factor))


def purchase_cycle(visits: Iterable[dt.date]) -> Cycle | None:
    """The member's cycle from the days they bought (any order, repeats are one visit), or
    None with fewer than three visits. The median rounds half up to whole days, at least 1."""
    days = sorted(set(visits))
    if len(days) < MIN_INTERVALS + 1:
        return None
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    median = statistics.median(gaps)
    return Cycle(max(1, int(median + 0.5)), days[-1])
