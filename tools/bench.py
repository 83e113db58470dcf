"""``storeapp bench``: lookups and checkout commits at scale, each beside a bare ``sqlite3``
baseline doing the same work, against the targets of DESIGN.md section 9.

The member table is filled with bulk inserts (setup, not measured); every measured storeapp
operation goes through the real services on a real file with ``synchronous=FULL``.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from storeapp.db import Database
from storeapp.demo import GIVEN, SURNAMES
from storeapp.identity import make_card_no, sign_qr, verify_qr
from storeapp.ids import new_uuid7
from storeapp.pii import Personal
from storeapp.services import members, sales, wallet
from storeapp.services.sales import LineIn, TenderIn

TARGETS_MS = {"phone": 1.0, "tail": 5.0, "qr": 1.0, "checkout": 5.0}
CHECKOUT_RATE_TARGET = 500.0
_PHONE_STEP = 982_451_653  # prime, so i -> i*step mod 10^9 is a bijection: unique phones


def run(*, members: int, samples: int, checkouts: int, workdir: Path | None,
        as_json: bool) -> dict[str, Any] | None:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="storeapp-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"bench-{members}.db"
    build_s = _build(path, members)
    db = Database(path)
    rng = random.Random(42)
    rows = [
        _lookup_phone(db, rng, members, samples),
        _lookup_tail(db, rng, samples),
        _lookup_qr(db, rng, members, samples),
        *_checkout(db, rng, members, checkouts),
    ]
    result = {
        "members": members, "database": str(path), "build_s": round(build_s, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "results": rows,
    }
    if as_json:
        return result
    print(format_table(result))
    return None


def format_table(result: dict[str, Any]) -> str:
    head = (f"storeapp bench — {result['members']:,} members "
            f"(built in {result['build_s']} s; max RSS {result['max_rss_mb']} MB)\n")
    cols = f"{'what':<26}{'storeapp p50':>13}{'p99':>9}{'bare p50':>10}{'p99':>9}" \
           f"{'ratio p99':>10}{'target':>10}  ok"
    lines = [head, cols, "-" * len(cols)]
    for r in result["results"]:
        if r["unit"] == "ms":
            lines.append(
                f"{r['what']:<26}{r['p50']:>11.3f}ms{r['p99']:>7.3f}ms{r['bare_p50']:>8.3f}ms"
                f"{r['bare_p99']:>7.3f}ms{r['ratio_p99']:>9.1f}x{'≤' + str(r['target']):>9}ms"
                f"  {'yes' if r['ok'] else 'NO'}")
        else:
            lines.append(
                f"{r['what']:<26}{r['value']:>11.0f}/s{'':>9}{r['bare_value']:>8.0f}/s{'':>9}"
                f"{r['ratio']:>9.1f}x{'≥' + str(int(r['target'])):>9}/s  "
                f"{'yes' if r['ok'] else 'NO'}")
    return "\n".join(lines)


# -- building the data set ----------------------------------------------------------------------

def _phone(i: int) -> str:
    return f"1{3 + i % 7}{(i * _PHONE_STEP) % 10**9:09d}"


def _build(path: Path, count: int) -> float:
    """Bulk-load ``count`` members (skipped when the file already holds them)."""
    started = time.perf_counter()
    db = Database(path)
    conn = sqlite3.connect(path)
    have = conn.execute("SELECT count(*) FROM members").fetchone()[0]
    if have >= count:
        conn.close()
        return 0.0
    settings = db.settings
    rng = random.Random(7)
    conn.execute("PRAGMA synchronous=OFF")  # setup only; measurements run with FULL
    now = db.clock.now()
    for start in range(have, count, 50_000):
        member_rows, card_rows = [], []
        people: dict[str, Personal] = {}
        for i in range(start, min(count, start + 50_000)):
            member_id, phone = new_uuid7(), _phone(i)
            card_no = make_card_no(settings.store_code, 1, i + 1)
            created = now.replace(microsecond=0).isoformat(sep=" ")
            visit = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d} 0{rng.randint(1, 9)}" \
                    f":{rng.randint(10, 59)}:00.000000"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            people[member_id] = Personal(phone=phone, name=name, birthday=None)
            member_rows.append((member_id, card_no, "regular", "active", 0, 0, 0, 0, 0,
                                settings.store_code, created, created, visit))
            card_rows.append((card_no, member_id, "active", created, created))
        sealed = {r.member_id: r for r in db.pii.bulk(people)}  # sealed as the till seals
        conn.executemany(
            "INSERT INTO members (member_id, card_no, tier, status,"
            " marketing_consent, pin_failed, principal_fen, bonus_fen, points, home_store,"
            " created_at, updated_at, last_visit_at, personal, phone_key, tail_key)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(*row, sealed[row[0]].personal, sealed[row[0]].phone_key, sealed[row[0]].tail_key)
             for row in member_rows])
        conn.executemany("INSERT INTO member_name_grams VALUES (?, ?)",
                         [(g, r.member_id) for r in sealed.values() for g in r.grams])
        conn.executemany("INSERT INTO cards VALUES (?,?,?,?,?)", card_rows)
        conn.commit()
    conn.execute("INSERT OR REPLACE INTO counters (name, value) VALUES ('card', ?)", (count,))
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    db.close()
    return time.perf_counter() - started


# -- lookups ------------------------------------------------------------------------------------

def _lookup_phone(db: Database, rng: random.Random, count: int, n: int) -> dict[str, Any]:
    phones = [_phone(rng.randrange(count)) for _ in range(n)]
    bare = _bare(db)

    def ours(phone: str) -> None:
        assert members.find(db, phone)

    keys = {p: db.pii.phone_key(p) for p in phones}

    def baseline(phone: str) -> None:  # the row by its (precomputed) key: no hash, no opening
        assert bare.execute("SELECT * FROM members WHERE phone_key = ?",
                            (keys[phone],)).fetchone()

    return _compare("lookup: full phone", phones, ours, baseline, TARGETS_MS["phone"])


def _lookup_tail(db: Database, rng: random.Random, n: int) -> dict[str, Any]:
    tails = [f"{rng.randrange(10_000):04d}" for _ in range(n)]
    bare = _bare(db)

    def ours(tail: str) -> None:
        members.find(db, tail)

    keys = {t: db.pii.tail_key(t) for t in tails}

    def baseline(tail: str) -> None:
        bare.execute("SELECT * FROM members WHERE tail_key = ? ORDER BY last_visit_at DESC"
                     " LIMIT 20", (keys[tail],)).fetchall()

    return _compare("lookup: last 4, first page", tails, ours, baseline, TARGETS_MS["tail"])


def _lookup_qr(db: Database, rng: random.Random, count: int, n: int) -> dict[str, Any]:
    secret = db.settings.qr_secret
    payloads = [sign_qr(make_card_no(db.settings.store_code, 1, rng.randrange(count) + 1),
                        secret) for _ in range(n)]
    bare = _bare(db)

    def ours(payload: str) -> None:
        assert members.find(db, payload)

    def baseline(payload: str) -> None:  # parse, check the signature, card -> member
        card_no = verify_qr(payload, secret)
        hmac.new(secret.encode(), card_no.encode(), hashlib.sha256).digest()
        member_id = bare.execute("SELECT member_id FROM cards WHERE card_no = ?",
                                 (card_no,)).fetchone()[0]
        assert bare.execute("SELECT * FROM members WHERE member_id = ?",
                            (member_id,)).fetchone()

    return _compare("lookup: QR scan", payloads, ours, baseline, TARGETS_MS["qr"])


# -- checkout -----------------------------------------------------------------------------------

def _checkout(db: Database, rng: random.Random, count: int, n: int) -> list[dict[str, Any]]:
    buyers = [_phone(rng.randrange(count)) for _ in range(n)]
    for phone in dict.fromkeys(buyers):
        if members.get(db, phone).balance_fen < 200_000:
            wallet.topup(db, phone, 200_000, actor="bench")
    lines = [LineIn(unit_price_fen=1234, name="bench item")]

    def ours(phone: str) -> None:
        sales.checkout(db, member_ref=phone, lines=lines, tenders=[TenderIn("wallet")],
                       actor="bench")

    bare = sqlite3.connect(db.path, isolation_level=None)
    bare.execute("PRAGMA synchronous=FULL")
    member_ids = {p: bare.execute("SELECT member_id FROM members WHERE phone_key=?",
                                  (db.pii.phone_key(p),)).fetchone()[0] for p in buyers}

    def baseline(phone: str) -> None:
        """The same rows a checkout writes, as plain SQL in one fsync'd transaction."""
        k, mid, now = new_uuid7(), member_ids[phone], "2026-11-25 10:00:00.000000"
        bare.execute("BEGIN IMMEDIATE")
        sale = bare.execute(
            "INSERT INTO sales (receipt_no, action_key, member_id, cashier, store_code, till_no,"
            " subtotal_fen, discount_fen, coupon_fen, points_redeemed, points_fen, total_fen,"
            " points_earned, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (f"B{k}", f"b{k}", mid, "bench", "0001", 1, 1234, 0, 0, 0, 0, 1234, 12,
             "completed", now)).lastrowid
        bare.execute("INSERT INTO sale_lines (sale_id, line_no, name, qty, unit_price_fen,"
                     " amount_fen) VALUES (?,?,?,?,?,?)", (sale, 1, "bench item", 1, 1234, 1234))
        bare.execute("INSERT INTO tenders (sale_id, method, amount_fen, tendered_fen,"
                     " change_fen, principal_fen, bonus_fen) VALUES (?,?,?,?,?,?,?)",
                     (sale, "wallet", 1234, 1234, 0, 1100, 134))
        for bucket, amount in (("principal", -1100), ("bonus", -134)):
            bare.execute("INSERT INTO wallet_entries (member_id, action_key, kind, bucket,"
                         " amount_fen, created_at) VALUES (?,?,?,?,?,?)",
                         (mid, f"b{k}", "spend", bucket, amount, now))
        lot = bare.execute("INSERT INTO points_lots (member_id, action_key, earned_points,"
                           " remaining_points, earned_at, expires_at) VALUES (?,?,?,?,?,?)",
                           (mid, f"b{k}", 12, 12, now, now)).lastrowid
        bare.execute("INSERT INTO points_entries (member_id, action_key, kind, points, lot_id,"
                     " created_at) VALUES (?,?,?,?,?,?)", (mid, f"b{k}", "earn", 12, lot, now))
        bare.execute("UPDATE members SET principal_fen = principal_fen - 1100,"
                     " bonus_fen = bonus_fen - 134, points = points + 12, last_visit_at = ?"
                     " WHERE member_id = ?", (now, mid))  # the database stays consistent
        bare.execute("INSERT INTO actions VALUES (?,?,?,?,?,?)",
                     (f"b{k}", "sale", "h" * 64, "{}", "bench", now))
        bare.execute("INSERT INTO counters (name, value) VALUES ('bench', 1) ON CONFLICT(name)"
                     " DO UPDATE SET value = value + 1")
        bare.execute("INSERT INTO outbox (event_id, type, payload_json, created_at, chain)"
                     " VALUES (?,?,?,?,?)", (f"e{k}", "sale_completed", "{}", now, "0" * 64))
        bare.execute("COMMIT")

    latency = _compare("checkout commit", buyers, ours, baseline, TARGETS_MS["checkout"],
                       warm=False)  # writes: a warm-up pass would only add rows
    rate = _rate("checkout sustained", buyers, ours, baseline, CHECKOUT_RATE_TARGET)
    bare.close()
    return [latency, rate]


# -- measuring ----------------------------------------------------------------------------------

def _bare(db: Database) -> sqlite3.Connection:
    conn = sqlite3.connect(db.path)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def _timings(inputs: list[str], fn: Callable[[str], None]) -> list[float]:
    for item in inputs[:20]:  # warm caches and statement caches first
        fn(item)
    out = []
    for item in inputs:
        t0 = time.perf_counter_ns()
        fn(item)
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def _compare(what: str, inputs: list[str], ours: Callable[[str], None],
             bare: Callable[[str], None], target_ms: float, *,
             warm: bool = True) -> dict[str, Any]:
    if warm:  # both sides read the same pages from the OS cache, not ours cold and bare warm
        for item in inputs:
            bare(item)
    mine, base = _timings(inputs, ours), _timings(inputs, bare)
    p50, p99, b50, b99 = _pct(mine, 50), _pct(mine, 99), _pct(base, 50), _pct(base, 99)
    return {"what": what, "unit": "ms", "n": len(inputs), "p50": round(p50, 4),
            "p99": round(p99, 4), "bare_p50": round(b50, 4), "bare_p99": round(b99, 4),
            "ratio_p99": round(p99 / b99, 1) if b99 else None, "target": target_ms,
            "ok": p99 <= target_ms}


def _rate(what: str, inputs: list[str], ours: Callable[[str], None],
          bare: Callable[[str], None], target: float) -> dict[str, Any]:
    def per_second(fn: Callable[[str], None]) -> float:
        started = time.perf_counter()
        for item in inputs:
            fn(item)
        return len(inputs) / (time.perf_counter() - started)

    mine, base = per_second(ours), per_second(bare)
    return {"what": what, "unit": "per_s", "n": len(inputs), "value": round(mine, 1),
            "bare_value": round(base, 1), "ratio": round(base / mine, 1), "target": target,
            "ok": mine >= target}


def _pct(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 \
        else values[0]
