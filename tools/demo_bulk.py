"""Chain-scale demo history for benchmarks (``storeapp demo --ledger-rows N``): members, top-ups,
sales, refunds, points and coupons written straight through the sqlite3 driver.

:func:`populate_bulk` applies the rules the services apply — bonus by rule and the balance cap,
spends split in proportion (remainder to bonus), tier discounts and immediate upgrades, points
multipliers, redemption oldest lot first, claw-back and give-back on refund, coupons with minimum
spend and validity, expiry by the nightly run — to customers simulated in memory, and writes the
rows in large ``executemany`` batches in global time order, so ids increase with time in every
table and each member's cached balances, points and tier equal what the ledgers say. A child
process owns the database connection for the load and inserts one batch while the next is made.

Left out on purpose: outbox events and ``actions`` (idempotency) rows. The bulk history is for
benchmarks: head office must never receive it, and no retry will ever ask for these actions'
results. One audit row, ``demo_bulk_loaded``, records the load in the hash chain. The normal
demo (:func:`storeapp.demo.populate`) posts through the services, every audit row and event
genuine. Shifts, paid plans, top-up voids and PINs are not generated (payments carry no shift).

Points expire ``points_expiry_months`` (24) after they are earned, so a one-year history would
expire nothing. When ``days`` is too short for that, a cohort of long-standing members (8%)
joined 25-28 months ago and their whole history since is generated too: their first lots expire
in the last months, each posted by the nightly expiry run (02:00 store time) after its date.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import gc
import heapq
import itertools
import marshal
import math
import multiprocessing
import queue
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from storeapp import audit, ledger, pricing, rules
from storeapp.clock import FixedClock, add_months, to_local
from storeapp.db import Database
from storeapp.demo import DEMO_USERS, GIVEN, PRESETS_FEN, PRODUCTS, SURNAMES, staff_and_rules
from storeapp.errors import InvalidInput
from storeapp.ids import MemberId
from storeapp.money import percent_of, split_in_proportion
from storeapp.pii import Personal
from storeapp.pricing import CouponTerms, MemberTerms, PricedLine, PricingRules, TenderIn
from storeapp.services import tiers, wallet
from tools.bench import _phone

Progress = Callable[[str], None]

#: Tables the bulk load fills. Their secondary indexes are dropped for the load and built once
#: at the end, by sorting: then the writer has both cores, where during the load it shares them.
#: The triggers stay: they keep ``ledger_totals`` on every insert, whatever the migrations say
#: the totals are, for one small upsert per ledger row.
BULK_TABLES = ("members", "cards", "wallet_entries", "points_entries", "points_lots", "topups",
               "sales", "sale_lines", "tenders", "payments", "refunds", "approvals", "coupons",
               "tier_changes")
CASHIER, MANAGER = DEMO_USERS[0][0], DEMO_USERS[1][0]
FLUSH_ROWS = 50_000
QUEUED_BATCHES = 64  # batches made but not yet sent: a few hundred MB at most
MEMBER_CHUNK = 50_000

# How the simulated customers behave.
COHORT_SHARE = 0.08         # long-standing members whose first lots expire (module docstring)
WALLET_SHARE = 0.35         # members who keep stored value
FIRST_VISIT_AT_JOIN = 0.75  # most people register while buying something
TOPUP_THEN_SALE = 0.7
COUPON_USE = 0.6
REDEEM = 0.2
REFUND = 0.01
OPEN_LINE = 0.25            # a weighed / open-amount line, priced by the member's basket size
OPEN_LINE_NAME = "散装称重"
OTHER_METHODS = ("wechat",) * 8 + ("alipay",) * 6 + ("cash",) * 3 + ("card",) * 3
_PRODUCT_COUNT = len(PRODUCTS)

_US = 1_000_000
_HOUR = 3600 * _US
_DAY = 24 * _HOUR
_OPENS, _OPEN = 9 * _HOUR, 12 * _HOUR  # the store is open 09:00-21:00 local time
_EXPIRY_RUN = 2 * _HOUR  # the nightly points expiry, 02:00 local time
_STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's DateTime stores a moment in SQLite
_UUID7, _LOW62 = 7 << 76 | 2 << 62, (1 << 62) - 1  # version 7, RFC 4122 variant
_INSERTS = {
    "wallet_entries": "INSERT INTO wallet_entries (member_id, action_key, kind, bucket,"
                      " amount_fen, method, ref, created_at) VALUES (?,?,?,?,?,?,?,?)",
    "points_entries": "INSERT INTO points_entries (member_id, action_key, kind, points, lot_id,"
                      " ref, created_at) VALUES (?,?,?,?,?,?,?)",
    "points_lots": "INSERT INTO points_lots (id, member_id, action_key, earned_points,"
                   " remaining_points, earned_at, expires_at) VALUES (?,?,?,?,?,?,?)",
    "topups": "INSERT INTO topups (key, member_id, principal_fen, bonus_fen, method, cashier,"
              " created_at, voided_by) VALUES (?,?,?,?,?,?,?,NULL)",
    # the till's constants are in the statement, not in every row shipped (made safe by _quote)
    "sales": "INSERT INTO sales (id, receipt_no, action_key, member_id, cashier, store_code,"
             " till_no, subtotal_fen, discount_fen, coupon_code, coupon_fen, points_redeemed,"
             " points_fen, total_fen, points_earned, status, created_at)"
             " VALUES (?,?,?,?,{cashier},{store},{till},?,?,?,?,?,?,?,?,?,?)",
    "sale_lines": "INSERT INTO sale_lines (sale_id, line_no, barcode, name, qty, unit_price_fen,"
                  " amount_fen) VALUES (?,?,?,?,?,?,?)",
    "tenders": "INSERT INTO tenders (sale_id, method, amount_fen, tendered_fen, change_fen,"
               " principal_fen, bonus_fen) VALUES (?,?,?,?,?,?,?)",
    "payments": "INSERT INTO payments (action_key, kind, method, amount_fen, shift_id, cashier,"
                " created_at) VALUES (?,?,?,?,NULL,{cashier},?)",
    "refunds": "INSERT INTO refunds (sale_id, action_key, amount_fen, approval_id, cashier,"
               " created_at) VALUES (?,?,?,?,?,?)",
    "approvals": "INSERT INTO approvals (id, kind, subject, requested_by, approved_by, reason,"
                 " action_key, created_at) VALUES (?,?,?,?,?,?,?,?)",
    "coupons": "INSERT INTO coupons (code, template_code, member_id, reason, action_key,"
               " issued_at, valid_from, valid_until, used_at, used_receipt)"
               " VALUES (?,?,?,?,?,?,?,?,NULL,NULL)",
    "tier_changes": "INSERT INTO tier_changes (member_id, from_tier, to_tier, reason,"
                    " action_key, created_at) VALUES (?,?,?,?,?,?)",
    "members": "INSERT INTO members (member_id, card_no, phone_key, tail_key, personal,"
               " birth_month, gender, marketing_consent, tier, status, pin_hash, pin_failed,"
               " principal_fen, bonus_fen, points, home_store, created_at, updated_at,"
               " last_visit_at) VALUES (?,?,?,?,?,?,?,?,?,'active',NULL,0,?,?,?,?,?,?,?)",
    "member_name_grams": "INSERT INTO member_name_grams (gram, member_id) VALUES (?,?)",
    "cards": "INSERT INTO cards (card_no, member_id, status, issued_at, changed_at)"
             " VALUES (?,?,'active',?,?)",
}
_EVENT_TABLES = tuple(t for t in _INSERTS if t not in ("members", "cards", "member_name_grams"))


def populate_bulk(db: Database, *, members: int, ledger_rows: int, seed: int = 7,
                  days: int = 365, progress: Progress | None = None) -> dict[str, Any]:
    """Write ``members`` members and about ``ledger_rows`` wallet + points entries (within 2%) of
    history ending at ``db.clock.now()``, with the demo's staff, catalog and coupon templates.

    Refuses a database that already has members or sales. Returns the row counts.
    """
    say = progress or (lambda _text: None)
    if not 1 <= members <= 9_999_999:
        raise InvalidInput("bad_count", "Members must be 1 to 9,999,999 (7-digit card numbers)",
                           variant="members")
    if ledger_rows < 0 or days < 1:
        raise InvalidInput("bad_count", "Ledger rows must be 0 or more and days 1 or more",
                           variant="rows")
    started = time.perf_counter()
    end = db.clock.now()
    _refuse_unless_empty(db)
    timeline = _Timeline(end, days, db.settings.points_expiry_months)
    real_clock = db.clock
    db.clock = FixedClock(timeline.moment(_OPENS - _HOUR))
    try:
        staff_and_rules(db)  # through the services: staff, catalog, coupon templates, plan
    finally:
        db.clock = real_clock
    say(f"bulk demo: {members:,} members, ~{ledger_rows:,} ledger rows over {timeline.days} "
        f"days up to {end:%Y-%m-%d %H:%M} UTC")
    db.engine.dispose()  # the journal mode changes only with no other connection open
    db.read_engine.dispose()
    collecting = gc.isenabled()
    gc.disable()  # millions of long-lived lists, no cycles: the collector would only rescan them
    try:
        with _Writer(db.path) as writer:
            history = _History(db, writer, timeline, members, ledger_rows, seed, say)
            writer.load(history, say)
    finally:
        if collecting:
            gc.enable()
    counts = history.counts()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    with db.session() as s, s.begin():
        audit.append(s, at=end, actor="demo", action="demo_bulk_loaded", subject="demo",
                     detail={**counts, "seed": seed, "days": days})
    say(f"bulk demo: done in {counts['seconds']} s")
    return {**counts, "users": [{"code": c, "role": r, "pin": p} for c, _, r, p in DEMO_USERS]}


def _refuse_unless_empty(db: Database) -> None:
    with db.engine.connect() as c:
        people, sales = c.exec_driver_sql("SELECT (SELECT count(*) FROM members),"
                                          " (SELECT count(*) FROM sales)").one()
    if people or sales:
        raise InvalidInput("demo_not_empty",
                           f"The database already has {people:,} members and {sales:,} sales: "
                           "bulk demo history goes only into a new database", members=int(people),
                           sales=int(sales))


# -- the writer process -------------------------------------------------------------------------

class _Writer:
    """A child process that owns the database connection during the load: batches of rows are
    shipped to it (marshalled) and inserted while the next batches are made, so the load uses
    two cores. A thread sends the queued batches (a pipe holds little: without the queue the
    maker would wait for each table's batch in turn). ``many`` does not wait; ``call`` waits
    and returns the rows, or raises the first error since the last call."""

    def __init__(self, path: Path) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding engines
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(str(path), child), daemon=True)
        self.process.start()
        child.close()
        self.outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED_BATCHES)
        self.sender = threading.Thread(target=self._send, name="bulk-sender", daemon=True)
        self.sender.start()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(RuntimeError):
            self._put(marshal.dumps(("close", "", ())))
            self._put(None)
        self.sender.join(60)
        self.process.join(60)
        if self.process.is_alive():
            self.process.terminate()
        self.pipe.close()

    def _send(self) -> None:
        while (data := self.outbox.get()) is not None:
            try:
                self.pipe.send_bytes(data)
            except OSError:  # the writer died: ``call`` reports it
                return

    def _put(self, data: bytes | None) -> None:
        while True:
            try:
                self.outbox.put(data, timeout=1)
                return
            except queue.Full:
                if not self.sender.is_alive():
                    raise RuntimeError("the bulk writer process died") from None

    def many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        # version 2: no back-references, which only slow the dump of rows of fresh values
        self._put(marshal.dumps(("many", sql, rows), 2))

    def call(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self._put(marshal.dumps(("call", sql, params)))
        try:
            status, result = marshal.loads(self.pipe.recv_bytes())
        except EOFError:
            raise RuntimeError("the bulk writer process died") from None
        if status != "ok":
            raise sqlite3.DatabaseError(f"bulk load: {result}")
        return list(result)

    def load(self, history: _History, say: Progress) -> None:
        """The whole load in one transaction, so a failure leaves the database as it was:
        fast pragmas for this connection only, secondary indexes dropped, the history, the
        indexes back from their own SQL."""
        saved = [(name, self.call(f"PRAGMA {name}")[0][0])
                 for name in ("journal_mode", "synchronous")]
        # no fsync; a rollback journal, not a WAL that would hold every new page twice
        for pragma in ("journal_mode=DELETE", "synchronous=OFF", "cache_size=-2000000",
                       "temp_store=MEMORY", "threads=2"):
            self.call(f"PRAGMA {pragma}")
        try:
            self.call("BEGIN")
            schema = self._drop_indexes()
            history.run()
            history.finish()
            history.release()  # while the writer works through what is queued
            started = time.perf_counter()
            for number, (name, sql) in enumerate(schema, start=1):
                say(f"indexes: {number}/{len(schema)} {name}")
                self.call(sql)
            say(f"indexes: built in {time.perf_counter() - started:.0f} s; committing")
            self.call("COMMIT")
        except BaseException:
            for sql in ("ROLLBACK", "ROLLBACK", *(f"PRAGMA {n}={v}" for n, v in saved)):
                with contextlib.suppress(sqlite3.Error, RuntimeError, OSError):
                    self.call(sql)  # the first may only report an earlier insert's error
            raise
        for name, value in saved:
            self.call(f"PRAGMA {name}={value}")

    def _drop_indexes(self) -> list[tuple[str, str]]:
        """Drop the bulk tables' secondary indexes; returns their SQL, so the schema ends byte
        for byte as the migrations made it."""
        marks = ",".join("?" * len(BULK_TABLES))
        schema = self.call(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql "
                           f"IS NOT NULL AND tbl_name IN ({marks}) ORDER BY name", BULK_TABLES)
        for name, _ in schema:
            self.call(f"DROP INDEX {name}")
        return schema


def _serve(path: str, pipe: Connection) -> None:
    """The writer process: run what arrives, in order, on one connection."""
    conn = sqlite3.connect(path, isolation_level=None)
    error: str | None = None
    try:
        while True:
            op, sql, args = marshal.loads(pipe.recv_bytes())
            if op == "close":
                break
            if op == "many":
                if error is None:
                    try:
                        conn.executemany(sql, args)
                    except Exception as exc:  # reported at the next call
                        error = f"{type(exc).__name__}: {exc}"
                continue
            if error is None:
                try:
                    reply: tuple[str, Any] = ("ok", conn.execute(sql, args).fetchall())
                except Exception as exc:
                    reply = ("error", f"{type(exc).__name__}: {exc}")
            else:
                reply, error = ("error", error), None
            pipe.send_bytes(marshal.dumps(reply))
    except EOFError:
        pass  # the loader went away: closing rolls back whatever it left open
    finally:
        conn.close()


# -- time ---------------------------------------------------------------------------------------

class _Timeline:
    """Moments as integer microseconds since local midnight of the first day (``r``), and "open
    time" (``u``): microseconds of opening hours only, so a uniform ``u`` is a moment the store
    is open. The store's zone keeps no daylight saving (Asia/Shanghai): UTC + a fixed offset."""

    def __init__(self, end: dt.datetime, days: int, expiry_months: int) -> None:
        offset = to_local(end) - end
        self.offset_us = int(offset.total_seconds()) * _US
        expiry_days = expiry_months * 366 // 12
        self.cohort = days < expiry_days + 130
        self.days = max(days, expiry_days + 130) if self.cohort else days
        self.first_day = (end + offset).date() - dt.timedelta(days=self.days - 1)
        self.origin = dt.datetime.combine(self.first_day, dt.time()) - offset  # naive UTC
        self.origin_ms = round(self.origin.replace(tzinfo=dt.UTC).timestamp() * 1000)
        self.expiry_months = expiry_months
        delta = end - self.origin
        self.end_r = (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds
        self.end_u = self.u_of_r(self.end_r)
        self.main_start_u = (self.days - days) * _OPEN
        self.cohort_u = ((self.days - expiry_days - 130) * _OPEN,
                         (self.days - expiry_days - 20) * _OPEN)
        self.prefix: list[str] = []  # per day: "YYYY-MM-DD " (local date)
        self.month: list[int] = []
        self.expiry_shift: list[int] = []  # per day: days to the same date expiry_months later
        self.grow(self.days + 800)  # expiry dates two years on, coupon validity
        self.clock = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60)
                      for s in range(60)]

    def grow(self, day: int) -> None:
        for number in range(len(self.prefix), day + 1):
            date = self.first_day + dt.timedelta(days=number)
            self.prefix.append(f"{date.isoformat()} ")
            self.month.append(date.month)
            midnight = dt.datetime.combine(date, dt.time())
            self.expiry_shift.append((add_months(midnight, self.expiry_months) - midnight).days)

    def r_of_u(self, u: int) -> int:
        day, in_day = divmod(u, _OPEN)
        return day * _DAY + _OPENS + in_day

    def u_of_r(self, r: int) -> int:
        day, in_day = divmod(r, _DAY)
        return day * _OPEN + min(max(in_day - _OPENS, 0), _OPEN)

    def moment(self, r: int) -> dt.datetime:
        return self.origin + dt.timedelta(microseconds=r)

    def text(self, r: int) -> str:
        """The stored form of ``r`` (naive UTC)."""
        day, in_day = divmod(r, _DAY)
        utc = in_day - self.offset_us
        if not 0 <= utc < _DAY:  # the UTC date is not the local one (night hours)
            return self.moment(r).strftime(_STAMP)
        if day >= len(self.prefix):
            self.grow(day)
        seconds, micro = divmod(utc, _US)
        return f"{self.prefix[day]}{self.clock[seconds]}.{micro:06d}"

    def text_later(self, at: str, r: int, days: int) -> str:
        """The stored form of ``days`` whole days after ``r``, whose stored form is ``at``."""
        day = r // _DAY + days
        if day >= len(self.prefix) or not 0 <= r % _DAY - self.offset_us < _DAY:
            return self.text(r + days * _DAY)
        return self.prefix[day] + at[11:]

    def expiry_run_after(self, r: int) -> int:
        """The first nightly expiry run at or after ``r``."""
        day, in_day = divmod(r, _DAY)
        return day * _DAY + _EXPIRY_RUN + (_DAY if in_day > _EXPIRY_RUN else 0)

    def run_on(self, date: dt.date) -> int:
        """A monthly job's run: the given day, at opening time."""
        return (date - self.first_day).days * _DAY + _OPENS


# -- the simulated customers --------------------------------------------------------------------

_VISIT, _JOIN, _FOLLOW_UP, _REFUND, _EXPIRE, _BIRTHDAY = range(6)
_BUCKET = _HOUR
# a points lot: [id, remaining, expires (r), listed on its member]
_ID, _LEFT, _EXPIRES, _LISTED = range(4)
Lot = list[Any]


class _Member:
    __slots__ = ("birthday", "bmonth", "bonus", "coupons", "created", "growth", "head", "idx",
                 "lots", "member_id", "points", "principal", "scale", "tier", "u", "updated",
                 "visit", "visits_left", "wallet", "window")

    def __init__(self, idx: int, member_id: str, r: int, u: int) -> None:
        self.idx, self.member_id, self.created, self.updated, self.visit = idx, member_id, r, r, r
        self.u = u
        self.birthday: dt.date | None = None
        self.bmonth = self.principal = self.bonus = self.points = self.tier = self.growth = 0
        self.head = self.visits_left = 0
        self.lots: list[Lot] = []
        self.window: list[tuple[int, int]] = []  # (r, total_fen) of sales, for growth value
        self.coupons: list[list[Any]] = []  # [code, template, valid from (r), valid until (r)]
        self.wallet = False
        self.scale = 1.0


class _History:
    """Members join in time order; their visits, refunds, expiries and birthday coupons run off
    one event queue, so every row is written in time order. Each member's visit count is drawn
    when they join, sized so that the ledger rows end near the target."""

    def __init__(self, db: Database, writer: _Writer, timeline: _Timeline, members: int,
                 ledger_rows: int, seed: int, say: Progress) -> None:
        self.writer, self.t, self.target, self.say = writer, timeline, ledger_rows, say
        self.ring = db.pii  # members are sealed as the till seals them (storeapp.pii)
        self.seed, self.rng = seed, random.Random(seed)
        self.rnd = self.rng.random
        self.bits = random.Random(seed + 1).getrandbits
        settings = db.settings
        self.store, self.till = settings.store_code, int(settings.till_no)
        self.receipt_prefix = f"R{int(self.store):04d}{self.till:02d}"
        self.inserts = {name: sql.format(cashier=_quote(CASHIER), store=_quote(self.store),
                                         till=_quote(self.till)) if "{" in sql else sql
                        for name, sql in _INSERTS.items()}
        table = tiers.table(settings)
        self.tier_codes = [t.code for t in table]
        self.thresholds = [t.threshold_fen for t in table]
        self.tier_pct = [t.discount_pct for t in table]
        birthday_x = Decimal(str(settings.points_birthday_multiplier))
        promo_x = Decimal(str(settings.points_promo_multiplier))
        self.multipliers = [  # by tier * 4 + birthday month * 2 + promotion day, as
            # storeapp.services.points.multiplier gives them (the demo sells no paid plans)
            t.points_multiplier * (promo_x if promo else 1) * (birthday_x if bday else 1)
            for t in table for bday in (False, True) for promo in (False, True)]
        self.rules = PricingRules.of(settings)
        self.promo_days = {(dt.date.fromisoformat(d) - timeline.first_day).days
                           for d in settings.points_promo_dates}
        self.redeem_min = settings.points_redeem_min
        self.window_us = settings.tier_window_days * _DAY
        self.ages_before = timeline.end_r - self.window_us  # members who joined earlier
        self.cap = settings.wallet_cap_fen
        self.bonus_for = {fen: rules.bonus_for(settings, fen) for fen in PRESETS_FEN}
        self.templates = {code: (kind, value, min_spend, valid_days)
                          for code, kind, value, min_spend, valid_days in writer.call(
                              "SELECT code, kind, value, min_spend_fen, valid_days "
                              "FROM coupon_templates WHERE active")}
        self.welcome = settings.welcome_coupon_template or None
        self.birthday_template = settings.birthday_coupon_template or None
        for code in (self.welcome, self.birthday_template):
            if code is not None and code not in self.templates:
                raise InvalidInput("unknown_coupon_template", f"No coupon template {code}",
                                   template=code)
        counters = dict(writer.call("SELECT name, value FROM counters"))
        self.receipt_base, self.card_base = counters.get("receipt", 0), counters.get("card", 0)
        ((self.sale_base, last_lot, last_approval),) = writer.call(
            "SELECT (SELECT coalesce(max(id), 0) FROM sales), (SELECT coalesce(max(id), 0) "
            "FROM points_lots), (SELECT coalesce(max(id), 0) FROM approvals)")
        self.next_lot, self.next_approval = last_lot + 1, last_approval + 1
        self.coupon_salt = self.rng.getrandbits(40)
        self.sales = self.coupons_issued = 0
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _EVENT_TABLES}
        # the hot path appends straight to the buffers (a flush empties them in place)
        self.add_sale, self.add_line = self.rows["sales"].append, self.rows["sale_lines"].append
        self.add_tender, self.add_payment = (self.rows["tenders"].append,
                                             self.rows["payments"].append)
        self.add_points = self.rows["points_entries"].append
        self.add_lot = self.rows["points_lots"].append
        self.written = dict.fromkeys(_INSERTS, 0)
        self.lot_left: dict[int, int] = {}  # lots whose remaining points moved since earned
        self.coupon_used: dict[str, tuple[str, str]] = {}  # code -> (used at, receipt)
        self.run_keys: dict[tuple[str, int], str] = {}  # one action per nightly/monthly run
        self.members: list[_Member] = []
        # events: (r, sequence, kind, member, payload), in the calendar bucket of their hour
        self.buckets: list[list[tuple[int, int, int, Any, Any]]] = [
            [] for _ in range(timeline.end_r // _BUCKET + 1)]
        self.current, self.due = -1, self.buckets[0]
        self.seq = itertools.count(members)  # joins are numbered by member
        self.pending = self.visits_done = 0
        self._plan(members)

    def _plan(self, count: int) -> None:
        """When each member joins (sorted), and how active each is (heavy-tailed: a few
        regulars make many of the visits, as in any store)."""
        t, rnd = self.t, self.rnd
        cohort = round(count * COHORT_SHARE) if t.cohort else 0
        low, high = t.cohort_u
        joins = [low + int(rnd() * (high - low)) for _ in range(cohort)]
        span = t.end_u - t.main_start_u
        joins += [t.main_start_u + int(rnd() * span) for _ in range(count - cohort)]
        joins.sort()
        self.joins = joins
        self.weights = [self.rng.lognormvariate(0.0, 1.0) * (t.end_u - u) for u in joins]
        self.weight_left = math.fsum(self.weights)

    def run(self) -> None:
        """Every event in time order: a calendar of hour buckets, each a small heap when due
        (a single heap of millions of events spends its time on cache misses)."""
        t, buckets, dispatch, pop = self.t, self.buckets, self._dispatch, heapq.heappop
        for idx, u in enumerate(self.joins):
            r = t.r_of_u(u)
            buckets[r // _BUCKET].append((r, idx, _JOIN, None, u))
        started, step = time.perf_counter(), max(1, len(buckets) // 10)
        for number in range(len(buckets)):
            heap = buckets[number]
            buckets[number] = []
            heapq.heapify(heap)
            self.current, self.due = number, heap
            while heap:
                dispatch(*pop(heap))
            self._flush_if_full()
            if number % step == step - 1:
                self.say(f"history: {t.prefix[number * _BUCKET // _DAY]}{len(self.members):,} "
                         f"members, {self._ledger_rows():,} ledger rows, "
                         f"{time.perf_counter() - started:.0f} s")

    def _dispatch(self, r: int, _seq: int, kind: int, m: Any, payload: Any) -> None:
        if kind == _VISIT:
            self._visit(m, r)
        elif kind == _JOIN:
            self._join(_seq, payload, r)
        elif kind == _FOLLOW_UP:
            self._sale(m, r, True)
        elif kind == _REFUND:
            self._refund(m, r, payload)
        elif kind == _EXPIRE:
            self._expire(m, r, payload)
        else:
            self._birthday(m, r)

    def _push(self, r: int, kind: int, m: _Member, payload: Any = None) -> None:
        event = (r, next(self.seq), kind, m, payload)
        bucket = r // _BUCKET
        if bucket == self.current:
            heapq.heappush(self.due, event)
        else:
            self.buckets[bucket].append(event)

    def _key(self, r: int) -> str:
        """A UUIDv7 action key made at ``r``: keys sort by time, as the services' do."""
        rand = self.bits(74)  # 12 bits beside the version, 62 beside the variant
        value = (self.t.origin_ms + r // 1000) << 80 | _UUID7 | (rand >> 62) << 64 | rand & _LOW62
        hexed = f"{value:032x}"
        return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"

    def _run_key(self, job: str, r: int) -> str:
        """The action key of a periodic job's run (all its rows share it, as in the service)."""
        key = self.run_keys.get((job, r))
        if key is None:
            key = self.run_keys[job, r] = self._key(r)
        return key

    def _ledger_rows(self) -> int:
        return (self.written["wallet_entries"] + self.written["points_entries"]
                + len(self.rows["wallet_entries"]) + len(self.rows["points_entries"]))

    # -- joining and visits

    def _join(self, idx: int, u: int, r: int) -> None:
        rnd = self.rnd
        m = _Member(idx, self._key(r), r, u)
        if rnd() < 0.7:
            m.birthday = dt.date(1955 + int(rnd() * 52), 1 + int(rnd() * 12), 1 + int(rnd() * 28))
            m.bmonth = m.birthday.month
        m.wallet = rnd() < WALLET_SHARE
        m.scale = min(6.0, self.rng.lognormvariate(0.0, 0.6))
        self.members.append(m)
        if self.welcome is not None:
            self._issue(m, self.welcome, "welcome", self._key(r), r)
        if m.bmonth and self.birthday_template is not None:
            self._next_birthday(m, r)
        # what is left of the target, shared by weight among the members still to come
        weight, rows = self.weights[idx], self._ledger_rows()
        per_visit = rows / self.visits_done if self.visits_done >= 1000 else 2.0
        needed = max(0.0, (self.target - rows) / per_visit - self.pending)
        expected = needed * weight / self.weight_left if self.weight_left > 0 else 0.0
        self.weight_left -= weight
        visits = int(expected)
        visits += rnd() < expected - visits
        if visits:
            m.visits_left = visits
            self.pending += visits
            self._next_visit(m, first=True)

    def _next_visit(self, m: _Member, *, first: bool = False) -> None:
        """The next of the member's visits left, spread uniformly over the rest of the history
        (the least of ``visits_left`` uniform draws, drawn directly)."""
        rnd, end_u, u = self.rnd, self.t.end_u, -1
        if first and rnd() < FIRST_VISIT_AT_JOIN:
            u = m.u + (60 + int(rnd() * 240)) * _US
            if u // _OPEN != m.u // _OPEN or u >= end_u:
                u = -1
        if u < 0:
            u = m.u + int((end_u - m.u) * (1.0 - (1.0 - rnd()) ** (1.0 / m.visits_left)))
        if u >= end_u:
            self.pending -= m.visits_left
            m.visits_left = 0
            return
        m.u = u
        self._push(self.t.r_of_u(u), _VISIT, m)

    def _visit(self, m: _Member, r: int) -> None:
        m.visits_left -= 1
        self.pending -= 1
        self.visits_done += 1
        rnd = self.rnd
        if not m.wallet:
            self._sale(m, r, False)
        elif (m.principal + m.bonus < 5_000 or rnd() < 0.1) and self._topup(m, r):
            if rnd() < TOPUP_THEN_SALE:
                later = r + (30 + int(rnd() * 210)) * _US
                if later % _DAY < _OPENS + _OPEN and later < self.t.end_r:
                    self._push(later, _FOLLOW_UP, m)
        else:
            self._sale(m, r, True)
        if m.visits_left > 0:
            self._next_visit(m)

    # -- top-up

    def _topup(self, m: _Member, r: int) -> bool:
        """A preset amount with its bonus by rule; the largest preset that fits the cap, or none
        (the service refuses a top-up that would pass it)."""
        balance = m.principal + m.bonus
        amount = PRESETS_FEN[int(self.rnd() * len(PRESETS_FEN))]
        if balance + amount + self.bonus_for[amount] > self.cap:
            fitting = [fen for fen in PRESETS_FEN
                       if balance + fen + self.bonus_for[fen] <= self.cap]
            if not fitting:
                return False
            amount = max(fitting)
        bonus = self.bonus_for[amount]
        key, at = self._key(r), self.t.text(r)
        method = wallet.TOPUP_METHODS[int(self.rnd() * len(wallet.TOPUP_METHODS))]
        self.rows["wallet_entries"].extend(ledger.wallet_rows(
            m.member_id, key, "topup", amount, bonus, method=method, ref=key, at=at))
        self.rows["topups"].append((key, m.member_id, amount, bonus, method, CASHIER, at))
        self.add_payment((key, "topup", method, amount, at))
        m.principal += amount
        m.bonus += bonus
        m.updated = m.visit = r
        return True

    # -- sale

    def _sale(self, m: _Member, r: int, pay_by_wallet: bool) -> None:
        """A checkout priced and posted as :func:`storeapp.services.sales.checkout` does
        (the hot path of the load: written for speed first)."""
        rnd, t, mid = self.rnd, self.t, m.member_id
        self.sales += 1
        sale_id = self.sale_base + self.sales
        receipt = f"{self.receipt_prefix}{self.receipt_base + self.sales:07d}"
        key, at = self._key(r), t.text(r)
        # 1-3 lines: catalog items, or a weighed line priced by the member's basket size
        add_line, count = self.add_line, 1 if (x := rnd()) < 0.45 else 2 if x < 0.8 else 3
        start, lines = int(rnd() * _PRODUCT_COUNT), []
        for line_no in range(1, count + 1):
            if rnd() < OPEN_LINE:
                price = max(100, int((10 + int(rnd() * 291)) * m.scale) * 100)
                line = PricedLine(barcode=None, name=OPEN_LINE_NAME, qty=1, unit_price_fen=price,
                                  amount_fen=price)
            else:
                barcode, name, price = PRODUCTS[(start + 3 * line_no) % _PRODUCT_COUNT]
                qty = 1 + int(rnd() * 3)
                line = PricedLine(barcode=barcode, name=name, qty=qty, unit_price_fen=price,
                                  amount_fen=price * qty)
            lines.append(line)
            add_line((sale_id, line_no, line.barcode, line.name, line.qty, line.unit_price_fen,
                      line.amount_fen))
        day = r // _DAY
        terms = MemberTerms(member_id=MemberId(mid), points=m.points,
                            discount_pct=self.tier_pct[m.tier],
                            points_multiplier=self.multipliers[
                                m.tier * 4 + (m.bmonth == t.month[day]) * 2
                                + (day in self.promo_days)])
        # what the customer does (hands over a coupon, redeems points) depends on the amounts
        # so far; the sale is then priced by storeapp.pricing as checkout prices it
        subtotal = pricing.subtotal_of(lines)
        after_discount = subtotal - percent_of(subtotal, terms.discount_pct)
        coupon = self._coupon_for(m, r, after_discount) if m.coupons else None
        coupon_terms = None
        if coupon is not None:
            kind, value, min_spend, _ = self.templates[coupon[1]]
            coupon_terms = CouponTerms(code=coupon[0], kind=kind, value=value,
                                       min_spend_fen=min_spend)
            self.coupon_used[coupon[0]] = (at, receipt)
        redeem = 0
        if m.points >= self.redeem_min and rnd() < REDEEM:
            after_coupon = after_discount - (pricing.coupon_off(coupon_terms, after_discount)
                                             if coupon_terms else 0)
            cap = min(pricing.max_redeemable_points(self.rules, after_coupon), m.points)
            live = sum(lot[_LEFT] for lot in m.lots if lot[_EXPIRES] > r)
            redeem = min(cap, live) // 100 * 100
            if redeem < self.redeem_min:
                redeem = 0
        priced = pricing.price(lines, terms, coupon_terms, redeem, self.rules)
        total, earn, coupon_fen = priced.total_fen, priced.points_to_earn, priced.coupon_fen
        paid = self._tenders(m, r, sale_id, receipt, key, at, total, pay_by_wallet)
        refund_at = -1
        if rnd() < REFUND:
            later = t.u_of_r(r) + (300 + int(rnd() * 3 * 12 * 3600)) * _US
            if later < t.end_u:
                refund_at = t.r_of_u(later)
        self.add_sale((
            sale_id, receipt, key, mid, subtotal,
            priced.discount_fen, priced.coupon_code, coupon_fen, redeem,
            priced.points_fen, total, earn,
            "refunded" if refund_at >= 0 else "completed", at))
        redeemed = self._consume(m, redeem, r, "redeem", key, receipt, at) if redeem else []
        lot: Lot | None = None
        if earn > 0:  # a new lot, expiring points_expiry_months later
            lot_id = self.next_lot
            self.next_lot += 1
            shift = t.expiry_shift[day]
            lot = [lot_id, earn, r + shift * _DAY, True]
            self.add_lot((lot_id, mid, key, earn, earn, at, t.text_later(at, r, shift)))
            self.add_points(ledger.points_row(mid, key, "earn", earn, lot_id, ref=receipt, at=at))
            m.lots.append(lot)
            m.points += earn
            if (run := t.expiry_run_after(lot[_EXPIRES])) < t.end_r:
                self._push(run, _EXPIRE, m, lot)
        m.visit = r
        if m.created < self.ages_before:  # some of its sales may leave the tier window
            self._age_window(m, r)
            m.window.append((r, total))
        m.growth += total
        reached = bisect.bisect_right(self.thresholds, m.growth) - 1
        if reached > m.tier:
            self.rows["tier_changes"].append((mid, self.tier_codes[m.tier],
                                              self.tier_codes[reached], "checkout", key, at))
            m.tier = reached
        if refund_at >= 0:
            self._push(refund_at, _REFUND, m, (sale_id, receipt, total, paid, earn, lot,
                                               redeemed, coupon, r))

    def _coupon_for(self, m: _Member, r: int, amount_fen: int) -> list[Any] | None:
        """The member's coupon the customer hands over (sometimes), taken off the member."""
        m.coupons = [c for c in m.coupons if c[3] > r]
        for number, coupon in enumerate(m.coupons):
            if coupon[2] <= r and amount_fen >= self.templates[coupon[1]][2]:
                return m.coupons.pop(number) if self.rnd() < COUPON_USE else None
        return None

    def _tenders(self, m: _Member, r: int, sale_id: int, receipt: str, key: str, at: str,
                 total: int, pay_by_wallet: bool) -> list[tuple[str, int, int, int]]:
        """Stored value first when the member pays that way (the rest by WeChat), else one
        other method; cash is handed over rounded up and the change given back."""
        mid, paid, tenders = m.member_id, [], []
        from_wallet = min(total, m.principal + m.bonus) if pay_by_wallet else 0
        if from_wallet > 0:
            tenders.append(TenderIn("wallet", from_wallet))
        rest = total - from_wallet
        if rest > 0:
            method = "wechat" if from_wallet else OTHER_METHODS[int(self.rnd() * 20)]
            handed = None  # takes what is left
            if method == "cash":
                step = (100, 1000, 5000, 10000)[int(self.rnd() * 4)]
                handed = -(-rest // step) * step
            tenders.append(TenderIn(method, handed))
        for share in pricing.allocate(tenders, total):  # as checkout shares it
            principal = bonus = 0
            if share.method == "wallet":
                principal, bonus = split_in_proportion(share.amount_fen, m.principal, m.bonus)
                self.rows["wallet_entries"].extend(ledger.wallet_rows(
                    mid, key, "spend", -principal, -bonus, method=None, ref=receipt, at=at))
                m.principal -= principal
                m.bonus -= bonus
                m.updated = r
            self.add_tender((sale_id, share.method, share.amount_fen, share.tendered_fen,
                             share.change_fen, principal, bonus))
            self.add_payment((key, "sale", share.method, share.amount_fen, at))
            paid.append((share.method, share.amount_fen, principal, bonus))
        return paid

    def _age_window(self, m: _Member, r: int) -> None:
        """Drop sales older than the tier window from the member's growth value."""
        window, since, head = m.window, r - self.window_us, m.head
        while head < len(window) and window[head][0] < since:
            m.growth -= window[head][1]
            head += 1
        if head > 32 and head * 2 > len(window):
            del window[:head]
            head = 0
        m.head = head

    # -- points

    def _consume(self, m: _Member, points: int, r: int, kind: str, key: str, ref: str, at: str,
                 first: Lot | None = None) -> list[tuple[Lot, int]]:
        """Take points from live lots, oldest first (``first`` before all), as
        :func:`storeapp.services.points.consume`; returns the (lot, points taken) pairs."""
        lots = m.lots if first is None else [first, *(lot for lot in m.lots if lot is not first)]
        out, taken, entries = [], 0, self.rows["points_entries"]
        for lot in lots:
            if taken == points:
                break
            if lot[_LEFT] <= 0 or lot[_EXPIRES] <= r:
                continue
            part = min(lot[_LEFT], points - taken)
            lot[_LEFT] -= part
            self.lot_left[lot[_ID]] = lot[_LEFT]
            entries.append(ledger.points_row(m.member_id, key, kind, -part, lot[_ID], ref=ref,
                                             at=at))
            out.append((lot, part))
            taken += part
        m.points -= taken
        _prune(m)
        return out

    def _expire(self, m: _Member, r: int, lot: Lot) -> None:
        left = lot[_LEFT]
        if left <= 0 or lot[_EXPIRES] > r:
            return
        self.rows["points_entries"].append(ledger.points_row(
            m.member_id, self._run_key("points_expiry", r), "expire", -left, lot[_ID], ref=None,
            at=self.t.text(r)))
        lot[_LEFT] = 0
        self.lot_left[lot[_ID]] = 0
        m.points -= left
        _prune(m)

    # -- refund

    def _refund(self, m: _Member, r: int, sale: tuple[Any, ...]) -> None:
        """A whole-sale refund with a manager's approval, posted as
        :func:`storeapp.services.sales.refund` posts it."""
        sale_id, receipt, total, paid, earned, earned_lot, redeemed, coupon, sold_at = sale
        rows, mid = self.rows, m.member_id
        key, at = self._key(r), self.t.text(r)
        approval = self.next_approval
        self.next_approval += 1
        rows["approvals"].append((approval, "refund", receipt, CASHIER, MANAGER,
                                  "顾客退货 customer return", key, at))
        for method, amount, principal, bonus in paid:
            if method == "wallet":
                rows["wallet_entries"].extend(ledger.wallet_rows(
                    mid, key, "spend_refund", principal, bonus, method=None, ref=receipt, at=at))
                m.principal += principal
                m.bonus += bonus
                m.updated = r
            self.add_payment((key, "refund", method, -amount, at))
        if earned:
            self._consume(m, earned, r, "clawback", key, receipt, at, first=earned_lot)
        for lot, part in redeemed:  # back to the very lots they came from
            lot[_LEFT] += part
            self.lot_left[lot[_ID]] = lot[_LEFT]
            rows["points_entries"].append(ledger.points_row(mid, key, "return", part, lot[_ID],
                                                            ref=receipt, at=at))
            m.points += part
            if not lot[_LISTED]:
                bisect.insort(m.lots, lot)
                lot[_LISTED] = True
            if lot[_EXPIRES] <= r and (run := self.t.expiry_run_after(r)) < self.t.end_r:
                self._push(run, _EXPIRE, m, lot)
        if coupon is not None and r < coupon[3]:  # still valid: the customer keeps it
            del self.coupon_used[coupon[0]]
            m.coupons.append(coupon)
        rows["refunds"].append((sale_id, key, total, approval, CASHIER, at))
        if m.created >= self.ages_before:
            m.growth -= total
            return
        self._age_window(m, r)
        for number in range(m.head, len(m.window)):  # still counted in growth: no longer
            if m.window[number][0] == sold_at:
                m.window[number] = (sold_at, 0)
                m.growth -= total
                break

    # -- coupons

    def _issue(self, m: _Member, template: str, reason: str, key: str, r: int) -> None:
        """A coupon with a code unique in the load (a scrambled counter, shaped as the
        service's ``CP-`` + 8 base-32 letters)."""
        self.coupons_issued += 1
        n = (self.coupons_issued * 0x5DEECE66D + self.coupon_salt) & (1 << 40) - 1
        code = "CP-" + "".join(_BASE32[n >> shift & 31] for shift in range(35, -1, -5))
        days = self.templates[template][3]
        at = self.t.text(r)
        self.rows["coupons"].append((code, template, m.member_id, reason, key, at, at,
                                     self.t.text_later(at, r, days)))
        until = r + days * _DAY
        m.coupons.append([code, template, r, until])

    def _next_birthday(self, m: _Member, r: int) -> None:
        """The monthly birthday-coupon run (the 1st, at opening) of the next birthday month."""
        today = self.t.first_day + dt.timedelta(days=r // _DAY)
        when = dt.date(today.year, m.bmonth, 1)
        if when <= today:
            when = dt.date(today.year + 1, m.bmonth, 1)
        run = self.t.run_on(when)
        if run < self.t.end_r:
            self._push(run, _BIRTHDAY, m)

    def _birthday(self, m: _Member, r: int) -> None:
        assert self.birthday_template is not None
        self._issue(m, self.birthday_template, "birthday", self._run_key("birthday", r), r)
        self._next_birthday(m, r)

    # -- writing

    def _flush_if_full(self) -> None:
        if sum(len(rows) for rows in self.rows.values()) >= FLUSH_ROWS:
            self._flush()

    def _flush(self) -> None:
        for name, rows in self.rows.items():
            if rows:
                self.writer.many(self.inserts[name], rows)  # marshalled before it returns
                self.written[name] += len(rows)
                rows.clear()

    def finish(self) -> None:
        """The tier review at the end (down to what growth reaches now), the members with
        their final balances, lots' remaining points, coupons' use, and counters that continue
        after the generated numbers."""
        end_r = self.t.end_r
        at, key = self.t.text(end_r), self._key(end_r)
        for m in self.members:
            self._age_window(m, end_r)
            reached = bisect.bisect_right(self.thresholds, m.growth) - 1
            if reached != m.tier:
                self.rows["tier_changes"].append((m.member_id, self.tier_codes[m.tier],
                                                  self.tier_codes[reached], "review", key, at))
                m.tier = reached
        self._flush()
        started = time.perf_counter()
        for start in range(0, len(self.members), MEMBER_CHUNK):
            self._write_members(self.members[start:start + MEMBER_CHUNK])
        lots = list(self.lot_left.items())
        for start in range(0, len(lots), FLUSH_ROWS):
            self.writer.many("UPDATE points_lots SET remaining_points = ? WHERE id = ?",
                             [(left, lot) for lot, left in lots[start:start + FLUSH_ROWS]])
        self.writer.many("UPDATE coupons SET used_at = ?, used_receipt = ? WHERE code = ?",
                         [(used, receipt, code)
                          for code, (used, receipt) in self.coupon_used.items()])
        for name, value in (("receipt", self.receipt_base + self.sales),
                            ("card", self.card_base + len(self.members))):
            self.writer.call("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name)"
                             " DO UPDATE SET value = excluded.value", (name, value))
        self.say(f"members: {len(self.members):,} written in {time.perf_counter() - started:.0f} s")

    def release(self) -> None:
        """Let go of the simulated members, lots and events (freeing millions of objects takes
        a while: better now, while the writer is busy, than at the end)."""
        self.members, self.buckets, self.joins, self.weights = [], [], [], []
        self.lot_left, self.coupon_used, self.run_keys = {}, {}, {}

    def _write_members(self, chunk: list[_Member]) -> None:
        names, text = random.Random(self.seed * 10_000_019 + chunk[0].idx), self.t.text
        members, cards, people, numbers = [], [], {}, {}
        for m in chunk:
            number = self.card_base + m.idx + 1
            name = SURNAMES[int(names.random() * len(SURNAMES))] + "".join(
                GIVEN[int(names.random() * len(GIVEN))] for _ in range(1 + (names.random() < .5)))
            people[m.member_id] = Personal(phone=_phone(number - 1), name=name,
                                           birthday=m.birthday)
            numbers[m.member_id] = number
        sealed = {r.member_id: r for r in self.ring.bulk(people)}
        for m in chunk:
            body = f"{int(self.store):04d}{self.till:02d}{numbers[m.member_id]:07d}"
            card_no = body + _luhn_digit(body)
            created, row = text(m.created), sealed[m.member_id]
            members.append((
                m.member_id, card_no, row.phone_key, row.tail_key, row.personal, row.birth_month,
                ("F", "M", "F", "M", None)[int(names.random() * 5)], int(names.random() < 0.4),
                self.tier_codes[m.tier], m.principal, m.bonus, m.points, self.store, created,
                text(m.updated), text(m.visit)))
            cards.append((card_no, m.member_id, created, created))
        self.writer.many(self.inserts["members"], members)
        self.writer.many(self.inserts["member_name_grams"],
                         [(g, r.member_id) for r in sealed.values() for g in r.grams])
        self.writer.many(self.inserts["cards"], cards)
        self.written["members"] += len(members)
        self.written["cards"] += len(cards)

    def counts(self) -> dict[str, Any]:
        return {"members": self.written["members"],
                "ledger_rows": self.written["wallet_entries"] + self.written["points_entries"],
                **{name: count for name, count in self.written.items() if name != "members"}}


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _prune(m: _Member) -> None:
    """Drop used-up lots from the front of the member's list (oldest first)."""
    lots = m.lots
    while lots and lots[0][_LEFT] == 0:
        lots.pop(0)[_LISTED] = False


def _luhn_digit(body: str) -> str:
    """The Luhn check digit, as :func:`storeapp.identity.make_card_no` appends (a tenth of the
    time per card, which counts at a million cards)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = ord(char) - 48
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def _quote(value: str | int) -> str:
    """An SQL literal of a till constant."""
    return str(int(value)) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


