"""``storeapp-hq programme-bench``: the membership programme's queries at chain scale.

What it does, in order:

1. Prepares the database as ``storeapp-hq bench`` does (``--fresh``: PostgreSQL's scratch database
   ``storeapp_bench``, dropped and recreated; SQLite: the file deleted), migrated to head.
2. Loads N members (``hq_members``: phones, names, birthdays sealed under each member's key as
   head office keeps them, with their keys in ``hq_member_keys``; no name grams, as no search is
   timed; tiers, home stores among S stores, balances, 80 % with marketing consent) and M
   visits (``hq_visits``: each member with their own rhythm of purchases over two years, some
   refunds, mostly at their home store) with the fastest plain method (PostgreSQL COPY; SQLite
   executemany), then ``ANALYZE``. The load's time is reported, as the floor of what writing
   those rows costs.
3. Times, each in its own transaction, what a head-office user waits for:
   - chain RFM: the eight segments over 12 months (:func:`sync.hq.programme.insight`);
   - every segment: RFM plus lapsed, near next tier, birthday month, cycle overdue;
   - a campaign whose audience is the largest RFM segment: created, previewed and launched
     (holdout drawn, chain coupons issued, every treated member given a new change number);
   - the KPI page's figures, when :mod:`sync.hq.kpis` is there (its nightly refresh, then the
     page's read).
4. Verifies the launch: treated + holdout + excluded = the segment's size, one coupon per
   treated member.

Figures go to stdout as one JSON object; progress to stderr.

    storeapp-hq --db postgresql+psycopg://root@127.0.0.1/test programme-bench \\
        --members 1000000 --visits 10000000 --stores 1000 --fresh
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import importlib
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, text

from storeapp import pii
from storeapp.clock import to_local
from storeapp.member_rules import SEGMENT_CODES
from sync.hq import campaigns, member_keys, programme
from sync.hq import models as m
from sync.hq.campaigns import Audience, Benefit
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal
from tools.hq_bench import prepare_database

T = TypeVar("T")
NOW = dt.datetime(2026, 11, 30, 12, 0)
TIERS = (("regular", 70), ("silver", 20), ("gold", 8), ("diamond", 2))
TEMPLATE = "BENCH20"
CHUNK = 100_000


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _timed(label: str, work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    _say(f"{label}: {seconds:.2f} s")
    return result, seconds


def _members(count: int, stores: int, rng: random.Random, master: bytes, index: bytes,
             keys: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Members as head office keeps them: phone, name and birthday sealed under each member's
    own key (appended to ``keys``, wrapped under ``master``), found by keyed hashes."""
    tiers = [code for code, weight in TIERS for _ in range(weight)]
    start = NOW - dt.timedelta(days=900)
    for i in range(count):
        created = start + dt.timedelta(seconds=rng.randrange(0, 850 * 86400))
        born = dt.date(rng.randrange(1950, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
        member_id, phone = str(uuid.UUID(int=rng.getrandbits(128))), f"13{i:09d}"
        key = rng.randbytes(pii.KEY_BYTES)
        keys.append((member_id, base64.b64encode(pii.wrap(master, member_id, key)).decode(),
                     created))
        yield (member_id, f"{80000000 + i:010d}", pii.phone_key(index, phone),
               pii.tail_key(index, phone[-4:]),
               pii.seal(key, member_id, pii.Personal(phone=phone, name=f"会员{i}", birthday=born)),
               born.month, rng.choice("FM"), rng.choice(tiers), "active",
               f"{rng.randrange(stores) + 1:04d}", rng.randrange(0, 50_000),
               rng.randrange(0, 5_000), rng.randrange(0, 20_000), False, None, created, created,
               0, rng.random() < 0.8)


MEMBER_COLUMNS = ("member_id", "card_no", "phone_key", "tail_key", "personal", "birth_month",
                  "gender", "tier", "status", "home_store", "principal_fen", "bonus_fen",
                  "points", "wallet_blocked", "merged_into", "created_at", "updated_at",
                  "change_no", "marketing_consent")
KEY_COLUMNS = ("member_id", "wrapped", "created_at")
VISIT_COLUMNS = ("member_id", "store_code", "till_no", "event_id", "kind", "amount_fen", "at",
                 "day")


def _visits(members: list[tuple[str, str, dt.datetime]], total: int, stores: int,
            rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """About ``total`` visits: each member a rhythm (days between visits) and a share of the
    total in proportion to how often they come."""
    rhythms = [rng.choice((4, 7, 10, 14, 21, 30, 45, 60, 90, 120)) for _ in members]
    weight = sum(1 / r for r in rhythms)
    made = 0
    for (member_id, home, created), rhythm in zip(members, rhythms, strict=True):
        want = max(0, round(1.15 * total * (1 / rhythm) / weight))  # some end early
        span = (NOW - created).total_seconds()
        at = created + dt.timedelta(seconds=rng.uniform(0, min(span, rhythm * 86400)))
        # some members stop coming: their visits end early (lapsed, cycles overdue)
        end = NOW - dt.timedelta(days=rng.choice((0, 0, 0, 0, 30, 100, 200)))
        for _ in range(want):
            if at >= end or made >= total:
                break
            store = home if rng.random() < 0.85 else f"{rng.randrange(stores) + 1:04d}"
            amount = rng.randrange(10, 400) * 100
            refund = rng.random() < 0.03
            yield (member_id, store, 1, uuid.uuid4().hex[:32], "refund" if refund else "sale",
                   -amount if refund else amount, at, to_local(at).date())
            made += 1
            at += dt.timedelta(days=max(1.0, rng.gauss(rhythm, rhythm / 4)))


def _load(hq: HqDatabase, table: str, columns: tuple[str, ...],
          rows: Iterator[tuple[Any, ...]]) -> int:
    """Rows into ``table`` in chunks: COPY on PostgreSQL, executemany on SQLite."""
    count = 0
    while True:
        chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
        if not chunk:
            return count
        with hq.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                driver = conn.connection.driver_connection
                assert driver is not None
                with driver.cursor() as cur, cur.copy(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                model = {"hq_members": m.Member, "hq_visits": m.Visit,
                         "hq_member_keys": m.MemberKey}[table]
                conn.execute(insert(model), [dict(zip(columns, row, strict=True))
                                             for row in chunk])
        count += len(chunk)
        _say(f"  {table}: {count:,}")


def run(args: argparse.Namespace) -> dict[str, Any]:
    members, visits, stores = int(args.members), int(args.visits), int(args.stores)
    if not (0 < members <= 10_000_000 and 0 <= visits <= 100_000_000 and 0 < stores <= 9999):
        raise HqRefusal(422, "bad_bench", "need --members 1-10,000,000, --visits 0-100,000,000, "
                        "--stores 1-9999")
    url, _schema = prepare_database(args.db, bool(args.fresh))
    hq = HqDatabase(url)
    try:
        return _bench(hq, members, visits, stores, int(args.seed))
    finally:
        hq.close()


def _bench(hq: HqDatabase, members: int, visits: int, stores: int,
           seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    figures: dict[str, Any] = {"members": members, "visits": visits, "stores": stores,
                               "backend": hq.engine.dialect.name}
    with hq.transaction() as s:
        s.execute(insert(m.Rule).values(kind="coupon_template", key=TEMPLATE, change_no=1,
                                        value_json='{"name": "活动券", "kind": "amount_off", '
                                        '"value": 2000, "valid_days": 14}'))
    made: list[tuple[str, str, dt.datetime]] = []
    store = member_keys.key_store(hq)
    keys: list[tuple[Any, ...]] = []

    def member_rows() -> Iterator[tuple[Any, ...]]:
        for row in _members(members, stores, rng, store.secret("master"),
                            store.secret("index"), keys):
            made.append((row[0], row[9], row[15]))
            yield row

    start = time.perf_counter()
    _load(hq, "hq_members", MEMBER_COLUMNS, member_rows())
    _load(hq, "hq_member_keys", KEY_COLUMNS, iter(keys))
    keys.clear()
    loaded = _load(hq, "hq_visits", VISIT_COLUMNS, _visits(made, visits, stores, rng))
    with hq.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    figures["load_s"] = round(time.perf_counter() - start, 1)
    figures["visits_loaded"] = loaded
    made.clear()

    def in_tx(work: Callable[[Any], T]) -> Callable[[], T]:
        def go() -> T:
            with hq.transaction() as s:
                return work(s)
        return go

    rfm, figures["chain_rfm_s"] = _timed("chain RFM", in_tx(
        lambda s: programme.insight(s, NOW, SEGMENT_CODES)))
    figures["scored"] = rfm.scored
    every, figures["all_segments_s"] = _timed("every segment", in_tx(
        lambda s: programme.insight(s, NOW)))
    figures["segments"] = {code: size.members for code, size in every.sizes.items()}
    biggest = max(SEGMENT_CODES, key=lambda c: every.sizes[c].members)
    figures["campaign_segment"] = biggest

    def launch() -> dict[str, Any]:
        campaigns.create(hq, code="BENCH", name="bench", audience=Audience(segment=biggest),
                         benefit=Benefit("coupon", template=TEMPLATE), message="bench",
                         user="bench", now=NOW, seed=str(seed))
        return campaigns.launch(hq, "BENCH", user="bench", now=NOW)

    launched, figures["campaign_launch_s"] = _timed("campaign launch", launch)
    figures["campaign"] = launched
    with hq.transaction() as s:
        coupons = s.scalar(select(func.count()).select_from(m.ChainCoupon))
    chosen = launched["treated"] + launched["holdout"] + launched["excluded_consent"] \
        + launched["excluded_cap"]
    figures["campaign_verified"] = (chosen == every.sizes[biggest].members
                                    and coupons == launched["treated"])
    figures |= _kpis(hq)
    return figures


def _kpis(hq: HqDatabase) -> dict[str, Any]:
    """The KPI page's cost, when the KPI module is there (its refresh, then its read)."""
    try:
        kpis = importlib.import_module("sync.hq.kpis")
    except ImportError:
        return {"kpi": "sync.hq.kpis not present"}
    out: dict[str, Any] = {}
    refresh = getattr(kpis, "refresh", None)
    page = getattr(kpis, "page_figures", None)
    if refresh is not None:
        _, out["kpi_refresh_s"] = _timed("KPI refresh", lambda: refresh(hq, NOW))
    if page is not None:
        _, out["kpi_page_s"] = _timed("KPI page", lambda: page(hq, NOW))
    return out

