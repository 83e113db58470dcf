"""The prepaid-card deposit rules (单用途商业预付卡管理办法, 资金存管): which share of last
quarter's prepaid balance an issuer keeps in its deposit account, the shortfall, a store's
balance against its revenue, and the calendar quarters they are counted in (Beijing time).

Pure functions on plain values: head office's compliance figures (:mod:`sync.hq.compliance`)
load the balances and call these, and the tests check them on their own.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal, get_args

from storeapp.clock import local_day_bounds, to_local

IssuerKind = Literal["size", "group", "brand"]
ISSUER_KINDS: tuple[IssuerKind, ...] = get_args(IssuerKind)

#: The least share of last quarter's prepaid balance an issuer of each kind must hold in its
#: deposit account, in percent: a size-qualified issuer (规模发卡企业) 20 %, a group issuer
#: (集团发卡企业) 30 %, a brand or franchise issuer (品牌发卡企业) 40 %.
DEPOSIT_SHARE_PCT: dict[IssuerKind, int] = {"size": 20, "group": 30, "brand": 40}

#: The kind an issuer is until head office says otherwise: the highest share, so that a chain
#: that has not set it up yet is told to hold too much rather than too little.
DEFAULT_KIND: IssuerKind = "brand"

#: A store's prepaid balance is flagged when it passes this share of its revenue over the last
#: ``REVENUE_MONTHS``: the 办法 caps an issuer's prepaid balance at 40 % of its last financial
#: year's main-business revenue when that business is retail, hotels or catering (100 % for
#: residents' services), so a store past 40 % is where its issuer's balance outgrows the cap
#: first. Head office sets another share for a services chain (``compliance setting``).
DEFAULT_REVENUE_SHARE_PCT = 40
REVENUE_MONTHS = 12

_QUARTER = re.compile(r"(\d{4})-?[Qq]([1-4])")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter of the stores' own calendar (Asia/Shanghai)."""

    year: int
    number: int  # 1..4

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4 or not 2000 <= self.year <= 9998:
            raise ValueError(f"no quarter {self.year}Q{self.number}")

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026Q3`` (or ``2026-Q3``, ``2026q3``) → the quarter; ValueError otherwise."""
        match = _QUARTER.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"a quarter looks like 2026Q3, not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def at(cls, at_utc: dt.datetime) -> Quarter:
        """The quarter a moment (naive UTC) falls in, in the stores' calendar: 2026-03-31
        17:00 UTC is already 1 April in Beijing, the second quarter."""
        return cls.of(to_local(at_utc).date())

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next().first_day - dt.timedelta(days=1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                          self.number - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year,
                                                                          self.number + 1)

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Naive UTC start (inclusive) and end (exclusive): Beijing midnight of its first day
        to Beijing midnight after its last."""
        return local_day_bounds(self.first_day)[0], local_day_bounds(self.last_day)[1]

    def __str__(self) -> str:
        return self.label


def deposit_share_pct(kind: str) -> int:
    """The share of last quarter's balance an issuer of ``kind`` keeps on deposit."""
    if kind not in DEPOSIT_SHARE_PCT:
        raise ValueError(f"an issuer kind is one of {', '.join(ISSUER_KINDS)}, not {kind!r}")
    return DEPOSIT_SHARE_PCT[kind]


def required_deposit_fen(kind: str, last_quarter_balance_fen: int) -> int:
    """What the issuer must hold in its deposit account this quarter: its share of last
    quarter's closing prepaid balance, rounded up to the fen (the rule says "at least"). A
    balance at or below zero requires nothing."""
    balance = max(0, last_quarter_balance_fen)
    return -(-balance * deposit_share_pct(kind) // 100)


def shortfall_fen(required_fen: int, deposited_fen: int) -> int:
    """How much the deposit account lacks (0 when it holds enough)."""
    return max(0, required_fen - deposited_fen)


def over_revenue_share(balance_fen: int, revenue_fen: int, share_pct: int) -> bool:
    """Whether a prepaid balance passes ``share_pct`` % of the revenue (exactly, in integers):
    a store holding prepaid money with no revenue at all passes any share."""
    if balance_fen <= 0:
        return False
    return balance_fen * 100 > max(0, revenue_fen) * share_pct


def revenue_window(last_day: dt.date, months: int = REVENUE_MONTHS) -> tuple[dt.date, dt.date]:
    """The local days of the ``months`` months that end with ``last_day`` (both included):
    the 12 months to 2026-09-30 are 2025-10-01 to 2026-09-30."""
    following = last_day + dt.timedelta(days=1)
    index = following.year * 12 + following.month - 1 - months
    year, month = divmod(index, 12)
    day = following.day
    while True:
        try:
            return dt.date(year, month + 1, day), last_day
        except ValueError:  # the 31st of a shorter month: its last day
            day -= 1
