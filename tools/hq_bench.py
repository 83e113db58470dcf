"""``storeapp-hq bench``: end-to-end ingest throughput over real HTTP, beside a bare bulk insert.

What it does, in order:

1. Prepares the database: ``--fresh`` deletes a SQLite file, or on PostgreSQL drops and
   recreates the scratch database :data:`BENCH_DATABASE` on the URL's server and runs in it,
   so the head office's own tables are never touched (a database rather than a schema chosen
   by ``options=-csearch_path=...``: pgbouncer refuses startup options, and a schema set per
   connection would not survive its transaction pooling). Without ``--fresh`` it refuses a
   database that already has stores.
2. Adds N stores (``service.add_store``, real tokens) and generates, for each, M events shaped
   like a till's outbox (:meth:`storeapp.actions.Ctx.emit`): registrations, top-ups, sales
   (wallet spends within the balance the generator tracks, points earned and redeemed) and
   profile updates, gapless seq 1..M on till 1, spread over one day. Money events carry
   ``ledger`` lines, so every balance stays >= 0 and no exception is raised at head office.
3. Starts ``storeapp-hq serve`` as a subprocess on a free loopback port with W workers, waits
   for ``/healthz``, and lets C client threads take whole stores and upload their batches in
   order with signed requests, checking each answer's ``acked_seq``. (``--in-process`` skips
   HTTP and calls authenticate + ingest directly; with ``--profile FILE`` under cProfile.)
4. Verifies from the database: N*M events stored, every stream acked to M, ledger rows and
   member balances equal to the generated deltas, no exceptions.
5. Bare baseline: the same event and ledger rows inserted into scratch copies of ``hq_events``
   and ``hq_ledger`` (same columns, keys and indexes) with the fastest plain method (PostgreSQL
   COPY, SQLite one executemany transaction), dropped afterwards.

Figures go to stdout as one JSON object; progress lines go to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import URL, make_url

from storeapp.clock import to_local
from sync.hq import ingest, service
from sync.hq import models as m
from sync.hq.db import HqDatabase, make_engine, utcnow
from sync.hq.errors import HqRefusal
from sync.protocol import API, AUTHORIZATION, SIGNATURE, TIMESTAMP, event_digest
from sync.protocol import signed_headers as make_signed_headers
from tools.hq_bench_data import TILL_NO, StorePlan, generate

BENCH_DATABASE = "storeapp_bench"
TARGET_EVENTS_PER_S = 5000
TARGET_MILLION_S = 300
STORE_NAME = "Bench store "
EVENTS_PATH = f"{API}/events"

# -- the database ----------------------------------------------------------------------------

def prepare_database(url: str, fresh: bool) -> tuple[str, str | None]:
    """The URL to run against (and its scratch database); refuses a database with stores."""
    parsed = make_url(url)
    backend, scratch = parsed.get_backend_name(), None
    if backend == "sqlite":
        path = parsed.database
        if not path or path == ":memory:":
            raise HqRefusal(422, "bad_db", "bench needs a SQLite file the server can open too")
        if fresh:
            _refuse_real_stores(url)  # deleting a real head office's file would be a disaster
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(path + suffix).unlink(missing_ok=True)
    elif backend == "postgresql":
        if fresh:
            scratch = BENCH_DATABASE
            _recreate_database(parsed, scratch)
            url = parsed.set(database=scratch).render_as_string(hide_password=False)
    else:
        raise HqRefusal(422, "bad_db", f"bench runs on SQLite or PostgreSQL, not {backend}")
    names = _store_names(url)
    if names:
        raise HqRefusal(409, "not_empty", f"this database already has {len(names)} stores: a "
                        "bench run would pollute a real head office. Use an empty database, or "
                        f"--fresh (PostgreSQL: runs in the scratch database {BENCH_DATABASE}, "
                        "dropped and recreated; SQLite: deletes the file of an earlier bench)")
    return url, scratch


def _recreate_database(server: URL, name: str) -> None:
    """Drop database ``name`` on ``server``'s PostgreSQL (or pooler) and create it empty; each
    statement on its own, as neither may run inside a transaction."""
    if server.database == name:  # a database cannot be dropped from a connection to it
        server = server.set(database="postgres")
    engine = make_engine(server.render_as_string(hide_password=False))
    admin = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # FORCE: a pooler may still hold idle connections to an earlier run's database
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()


def _store_names(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("hq_stores"):
                return []
            return [str(name) for name in conn.scalars(text("SELECT name FROM hq_stores"))]
    finally:
        engine.dispose()


def _refuse_real_stores(url: str) -> None:
    real = [name for name in _store_names(url) if not name.startswith(STORE_NAME)]
    if real:
        raise HqRefusal(409, "not_a_bench_database", f"--fresh would delete this SQLite file, "
                        f"but it holds {len(real)} stores no bench made (e.g. {real[0]!r})")


def add_stores(hq: HqDatabase, count: int) -> list[StorePlan]:
    now = utcnow()
    plans = []
    for i in range(1, count + 1):
        added = service.add_store(hq, f"{i:04d}", f"{STORE_NAME}{i}", now)
        plans.append(StorePlan(code=added["store_code"], token=added["token"], store_id=0))
    with hq.transaction() as s:
        ids = {code: store_id for code, store_id in s.execute(select(m.Store.code, m.Store.id))}
    for plan in plans:
        plan.store_id = int(ids[plan.code])
    return plans


def verify(hq: HqDatabase, plans: list[StorePlan], events: int) -> dict[str, Any]:
    """What the database holds against what was generated."""
    want = {"events": len(plans) * events,
            "principal_fen": sum(p.principal for p in plans),
            "bonus_fen": sum(p.bonus for p in plans),
            "points": sum(p.points for p in plans),
            "ledger_rows": sum(p.ledger_lines for p in plans),
            "members": sum(p.members for p in plans),
            "streams_complete": len(plans), "exceptions": 0, "held_events": 0,
            "flagged_tills": 0, "audit_rows": len(plans) * events}
    with hq.transaction() as s:
        principal, bonus, points = s.execute(select(
            func.coalesce(func.sum(m.Member.principal_fen), 0),
            func.coalesce(func.sum(m.Member.bonus_fen), 0),
            func.coalesce(func.sum(m.Member.points), 0))).one()
        got = {
            "events": s.scalar(select(func.count()).select_from(m.Event)),
            "principal_fen": principal, "bonus_fen": bonus, "points": points,
            "ledger_rows": s.scalar(select(func.count()).select_from(m.LedgerRow)),
            "members": s.scalar(select(func.count()).select_from(m.Member)),
            "streams_complete": s.scalar(select(func.count()).select_from(m.Stream).where(
                m.Stream.till_no == TILL_NO, m.Stream.acked_seq == events)),
            "exceptions": s.scalar(select(func.count()).select_from(m.Exception_)),
            "held_events": s.scalar(select(func.count()).select_from(m.HeldEvent)),
            "flagged_tills": s.scalar(select(func.count()).select_from(m.Stream).where(
                m.Stream.flag != "")),
            "audit_rows": s.scalar(select(func.count()).select_from(m.AuditRow)),
        }
        store_sum = s.execute(select(
            func.coalesce(func.sum(m.MemberStore.principal_fen), 0),
            func.coalesce(func.sum(m.MemberStore.bonus_fen), 0),
            func.coalesce(func.sum(m.MemberStore.points), 0))).one()
        negative = s.scalar(select(func.count()).select_from(m.Member).where(
            (m.Member.principal_fen < 0) | (m.Member.bonus_fen < 0) | (m.Member.points < 0)))
    got = {k: int(v or 0) for k, v in got.items()}
    checks: dict[str, dict[str, Any]] = {
        k: {"expected": want[k], "found": got[k], "ok": want[k] == got[k]} for k in want}
    by_store = (int(store_sum[0]), int(store_sum[1]), int(store_sum[2]))
    checks["store_contributions"] = {
        "expected": [want["principal_fen"], want["bonus_fen"], want["points"]],
        "found": list(by_store),
        "ok": by_store == (want["principal_fen"], want["bonus_fen"], want["points"])}
    checks["negative_balances"] = {"expected": 0, "found": int(negative or 0),
                                   "ok": not negative}
    ok = all(c["ok"] for c in checks.values())
    return {"status": "ok" if ok else "failed", "ok": ok, "checks": checks}


# -- the bare baseline -----------------------------------------------------------------------

EVENT_COLUMNS = ("store_id", "till_no", "seq", "event_id", "type", "payload", "digest",
                 "created_at", "received_at")
LEDGER_COLUMNS = ("member_id", "store_code", "till_no", "event_id", "kind", "principal_fen",
                  "bonus_fen", "points", "at", "day")


def _bare_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Copies of hq_events and hq_ledger: same columns, types, keys and indexes."""
    big = BigInteger()
    events = Table(
        "bench_bare_events", metadata,
        Column("id", m.Id, primary_key=True, autoincrement=True),
        Column("store_id", m.Id, nullable=False), Column("till_no", Integer, nullable=False),
        Column("seq", big, nullable=False), Column("event_id", String(36), nullable=False),
        Column("type", String(40), nullable=False), Column("payload", Text, nullable=False),
        Column("digest", String(64), nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("received_at", DateTime, nullable=False),
        UniqueConstraint("store_id", "event_id", name="uq_bench_bare_events_store_event"),
        UniqueConstraint("store_id", "till_no", "seq", name="uq_bench_bare_events_stream_seq"))
    ledger = Table(
        "bench_bare_ledger", metadata,
        Column("id", m.Id, primary_key=True, autoincrement=True),
        Column("member_id", String(36), nullable=False),
        Column("store_code", String(8), nullable=False),
        Column("till_no", Integer, nullable=False), Column("event_id", String(36)),
        Column("kind", String(40), nullable=False), Column("principal_fen", big, nullable=False),
        Column("bonus_fen", big, nullable=False), Column("points", big, nullable=False),
        Column("at", DateTime, nullable=False), Column("day", Date, nullable=False),
        Index("ix_bench_bare_ledger_member_id", "member_id"),
        Index("ix_bench_bare_ledger_store_day", "store_code", "day"))
    return events, ledger


def _rows(plan: StorePlan, received: dt.datetime) -> tuple[list[tuple[Any, ...]],
                                                          list[tuple[Any, ...]]]:
    """The hq_events and hq_ledger rows ingest makes of one store's outbox."""
    events, ledger = [], []
    for body in plan.bodies:
        for e in json.loads(body)["events"]:
            created = dt.datetime.fromisoformat(e["created_at"])
            events.append((plan.store_id, TILL_NO, e["seq"], e["event_id"], e["type"],
                           e["payload"], event_digest(e["seq"], e["event_id"], e["type"],
                                                      e["payload"]), created, received))
            for line in json.loads(e["payload"]).get("ledger") or ():
                ledger.append((line["member_id"], plan.code, TILL_NO, e["event_id"], e["type"],
                               line["principal_fen"], line["bonus_fen"], line["points"],
                               created, to_local(created).date()))
    return events, ledger


def bare_insert(hq: HqDatabase, plans: list[StorePlan]) -> dict[str, Any]:
    """Time inserting the same rows with no application in between (rows built beforehand,
    one store at a time, outside the timing)."""
    metadata = MetaData()
    events_t, ledger_t = _bare_tables(metadata)
    metadata.drop_all(hq.engine)
    metadata.create_all(hq.engine)
    received = utcnow()
    elapsed, n_events, n_ledger = 0.0, 0, 0
    postgres = hq.is_postgres
    try:
        raw = hq.engine.raw_connection()
        try:
            conn: Any = raw.driver_connection
            if not postgres:
                conn.execute("BEGIN IMMEDIATE")
            for plan in plans:
                events, ledger = _rows(plan, received)
                if not postgres:  # SQLite stores datetimes as text, as SQLAlchemy does
                    events = [(*r[:7], str(r[7]), str(r[8])) for r in events]
                    ledger = [(*r[:8], str(r[8]), str(r[9])) for r in ledger]
                started = time.perf_counter()
                if postgres:
                    with conn.cursor() as cur:
                        _copy(cur, events_t.name, EVENT_COLUMNS, events)
                        _copy(cur, ledger_t.name, LEDGER_COLUMNS, ledger)
                else:
                    conn.executemany(_insert_sql(events_t.name, EVENT_COLUMNS), events)
                    conn.executemany(_insert_sql(ledger_t.name, LEDGER_COLUMNS), ledger)
                elapsed += time.perf_counter() - started
                n_events += len(events)
                n_ledger += len(ledger)
            started = time.perf_counter()
            if postgres:
                conn.commit()
            else:
                conn.execute("COMMIT")
            elapsed += time.perf_counter() - started
        finally:
            raw.close()
    finally:
        metadata.drop_all(hq.engine)
    rows = n_events + n_ledger
    return {"method": "COPY FROM STDIN (psycopg), one transaction" if postgres
            else "executemany in one transaction (sqlite3)",
            "tables": "copies of hq_events/hq_ledger with the same columns, keys and indexes",
            "event_rows": n_events, "ledger_rows": n_ledger, "seconds": round(elapsed, 3),
            "rows_per_s": round(rows / elapsed) if elapsed else None,
            "events_per_s": round(n_events / elapsed) if elapsed else None}


def _copy(cur: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})")


# -- CPU accounting (Linux /proc) ------------------------------------------------------------

def _cpu_snapshot(server_pgid: int | None) -> dict[str, float]:
    """CPU seconds so far: the server's process group, PostgreSQL's processes, this process,
    and the machine (busy and iowait, from /proc/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"server": 0.0, "postgres": 0.0, "bench_process": time.process_time(),
           "machine_busy": 0.0, "machine_iowait": 0.0}
    with suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            cpu = (int(fields[11]) + int(fields[12])) / tick
            if server_pgid is not None and int(fields[2]) == server_pgid:
                out["server"] += cpu
            elif comm.startswith("postgres"):
                out["postgres"] += cpu
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        ticks = [int(x) for x in first]
        idle, iowait = ticks[3], ticks[4]
        out["machine_busy"] = (sum(ticks[:8]) - idle - iowait) / tick
        out["machine_iowait"] = iowait / tick
    return out


def _cpu_used(before: dict[str, float], after: dict[str, float], wall: float,
              events: int) -> dict[str, Any]:
    """CPU spent while uploading, per process class and per event. ``other_processes`` is what
    else ran on the machine meanwhile (a shared machine slows the wall figures);
    ``events_per_s_if_cores_were_ours`` is what the measured CPU cost per event allows when
    server, PostgreSQL and client have every core to themselves."""
    used = {k: round(after[k] - before[k], 2) for k in before}
    ours = used["server"] + used["postgres"] + used["bench_process"]
    used["other_processes"] = round(max(0.0, used["machine_busy"] - ours), 2)
    cores = os.cpu_count() or 1
    return {"seconds": used, "cores": cores,
            "share_of_machine": {k: round(v / (wall * cores), 3) for k, v in used.items()}
            if wall else {},
            "us_per_event": {k: round(used[k] * 1e6 / events)
                             for k in ("server", "postgres", "bench_process")},
            "events_per_s_if_cores_were_ours": round(cores * events / ours) if ours else None}


# -- the server ------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, workers: int) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``storeapp-hq serve`` in a subprocess (its own process group) until the block ends."""
    port = _free_port()
    cmd = [sys.executable, "-m", "sync.hq.cli", "serve", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers)]
    env = {**os.environ, "STOREAPP_HQ_DB": url}  # not on the command line: it may hold a password
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 90
            while True:
                if proc.poll() is not None:
                    raise HqRefusal(500, "server_failed",
                                    f"the server exited ({proc.returncode}): {_tail(log)}")
                with suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise HqRefusal(500, "server_failed", f"no /healthz in 90 s: {_tail(log)}")
                time.sleep(0.1)
            yield base, proc
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait(timeout=10)
    # workers left behind by a parent that died first: same process group, ours
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, 15)


def _tail(log: Any) -> str:
    log.seek(0)
    return str(log.read()[-3000:].decode("utf-8", "replace"))


# -- uploading -------------------------------------------------------------------------------

class _Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.lock = total, 0, threading.Lock()
        self.stop = threading.Event()
        self.started = time.perf_counter()

    def add(self, n: int) -> None:
        with self.lock:
            self.done += n

    def report(self, every: float) -> None:
        while not self.stop.wait(every):
            elapsed = time.perf_counter() - self.started
            _say(f"uploaded {self.done:,}/{self.total:,} events in {elapsed:.0f} s "
                 f"({self.done / elapsed:,.0f}/s)")


def _run_clients(plans: list[StorePlan], clients: int, make_sender: Callable[[], Any],
                 total: int, profiler: cProfile.Profile | None = None,
                 ) -> tuple[float, list[float], list[str]]:
    """``clients`` threads take whole stores and send their batches in order; returns wall
    seconds, batch latencies and errors (the first error stops everyone). A ``profiler`` runs
    in the (single) client thread."""
    work: queue.Queue[StorePlan] = queue.Queue()
    for plan in plans:
        work.put(plan)
    latencies: list[float] = []
    errors: list[str] = []
    abort = threading.Event()
    progress = _Progress(total)

    def client() -> None:
        if profiler is not None:
            profiler.enable()
        try:
            with make_sender() as send:
                while not abort.is_set():
                    try:
                        plan = work.get_nowait()
                    except queue.Empty:
                        return
                    for i, (size, last) in enumerate(zip(plan.sizes, plan.last_seqs,
                                                         strict=True)):
                        if abort.is_set():
                            return
                        started = time.perf_counter()
                        acked = send(plan, i)
                        latencies.append(time.perf_counter() - started)
                        if acked != last:
                            raise RuntimeError(f"store {plan.code} batch {i + 1}: acked_seq "
                                               f"{acked}, expected {last}")
                        progress.add(size)
        except Exception as exc:  # reported, and stops the others
            errors.append(f"{type(exc).__name__}: {exc}")
            abort.set()
        finally:
            if profiler is not None:
                profiler.disable()

    reporter = threading.Thread(target=progress.report, args=(10.0,), daemon=True)
    threads = [threading.Thread(target=client, name=f"bench-client-{i}") for i in range(clients)]
    started = time.perf_counter()
    progress.started = started
    reporter.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    progress.stop.set()
    return wall, latencies, errors


class _HttpSender:
    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=httpx.Timeout(600.0))

    def __enter__(self) -> Callable[[StorePlan, int], int]:
        return self.send

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def send(self, plan: StorePlan, i: int) -> int:
        body = plan.bodies[i]
        headers = make_signed_headers(plan.token, "POST", EVENTS_PATH, body, time.time())
        answer = self.client.post(EVENTS_PATH, content=body, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"store {plan.code} batch {i + 1}: HTTP {answer.status_code} "
                               f"{answer.text[:500]}")
        return int(answer.json()["acked_seq"])


class _InProcessSender:
    """What the API's ``POST /events`` does, minus HTTP: authenticate, parse, ingest."""

    def __init__(self, hq: HqDatabase) -> None:
        self.hq = hq

    def __enter__(self) -> Callable[[StorePlan, int], int]:
        return self.send

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, plan: StorePlan, i: int) -> int:
        body = plan.bodies[i]
        headers = make_signed_headers(plan.token, "POST", EVENTS_PATH, body, time.time())
        request = service.Request(method="POST", path=EVENTS_PATH, body=body,
                                  authorization=headers[AUTHORIZATION],
                                  timestamp=headers[TIMESTAMP], signature=headers[SIGNATURE])
        store = service.authenticate(self.hq, request, utcnow())
        return ingest.ingest(self.hq, store, json.loads(body), utcnow()).acked_seq


# -- the command -----------------------------------------------------------------------------

def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    stores, events, batch = int(args.stores), int(args.events), int(args.batch)
    workers, clients = int(args.workers), int(args.clients)
    in_process = bool(getattr(args, "in_process", False))
    profile_path: str | None = getattr(args, "profile", None)
    if profile_path:
        in_process, clients = True, 1
    if (not 0 < stores <= 9999 or events < 1 or not 0 < batch <= ingest.MAX_EVENTS
            or workers < 1 or clients < 1):
        raise HqRefusal(422, "bad_bench", "need --stores 1-9999 (4-digit store codes), "
                        f"--events >= 1, --batch 1-{ingest.MAX_EVENTS}, --workers >= 1, "
                        "--clients >= 1")
    url, scratch = prepare_database(args.db, bool(args.fresh))
    hq = HqDatabase(url)
    try:
        return _bench(hq, url, scratch, stores, events, batch, workers, clients, in_process,
                      profile_path)
    finally:
        hq.close()


def _bench(hq: HqDatabase, url: str, scratch: str | None, stores: int, events: int,
           batch: int, workers: int, clients: int, in_process: bool,
           profile_path: str | None) -> dict[str, Any]:
    total = stores * events
    plans = add_stores(hq, stores)
    _say(f"generating {stores} stores x {events:,} events ({total:,}) in batches of {batch}")
    started = time.perf_counter()
    day_start = dt.datetime.combine(utcnow().date() - dt.timedelta(days=1), dt.time())
    for i, plan in enumerate(plans):
        generate(plan, i, events, batch, day_start)
    generate_s = time.perf_counter() - started
    n_batches = sum(len(p.bodies) for p in plans)
    payload_mb = sum(len(b) for p in plans for b in p.bodies) / 1e6
    _say(f"generated {n_batches:,} batches ({payload_mb:,.0f} MB) in {generate_s:.1f} s")

    profile_top: list[str] | None = None
    if in_process:
        _say(f"ingesting in process with {clients} thread(s)"
             + (f", profiled to {profile_path}" if profile_path else ""))
        before = _cpu_snapshot(None)
        if profile_path:
            profiler = cProfile.Profile()
            wall, latencies, errors = _run_clients(
                plans, 1, lambda: _InProcessSender(hq), total, profiler)
            profiler.dump_stats(profile_path)
            profile_top = _profile_top(profiler)
        else:
            wall, latencies, errors = _run_clients(
                plans, clients, lambda: _InProcessSender(hq), total)
        after = _cpu_snapshot(None)
        workers = 0
    else:
        with server(url, workers) as (base, proc):
            _say(f"server up at {base} with {workers} worker(s); {clients} client(s) uploading")
            before = _cpu_snapshot(proc.pid)
            wall, latencies, errors = _run_clients(
                plans, clients, lambda: _HttpSender(base), total)
            after = _cpu_snapshot(proc.pid)
    if errors:
        raise HqRefusal(500, "bench_failed", f"upload failed after {wall:.1f} s: {errors[0]}"
                        + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
    rate = total / wall if wall else 0.0
    _say(f"uploaded {total:,} events in {wall:.1f} s: {rate:,.0f} events/s; verifying")
    checked = verify(hq, plans, events)
    _say(f"verify: {checked['status']}")
    _say("bare insert baseline")
    bare = bare_insert(hq, plans)
    bare_rate = bare["events_per_s"] or 0
    _say(f"bare insert: {bare['rows_per_s']:,} rows/s, {bare_rate:,} events/s")
    report: dict[str, Any] = {
        "bench": "head-office ingest, end to end" + (" (in process, no HTTP)" if in_process
                                                     else " over HTTP"),
        "db": _safe(url), "dialect": hq.engine.dialect.name, "scratch_database": scratch,
        "stores": stores, "events_per_store": events, "events": total,
        "ledger_lines": sum(p.ledger_lines for p in plans),
        "event_types": _merged_types(plans), "batch": batch, "batches": n_batches,
        "payload_mb": round(payload_mb, 1),
        "server_workers": workers, "clients": clients, "generate_s": round(generate_s, 1),
        "wall_s": round(wall, 2), "events_per_s": round(rate),
        "batch_latency_ms": {"p50": round(_percentile(latencies, 0.5) * 1000, 1),
                             "p95": round(_percentile(latencies, 0.95) * 1000, 1),
                             "max": round(max(latencies) * 1000, 1)},
        "cpu": _cpu_used(before, after, wall, total),
        "targets": {
            "events_per_s": {"target": TARGET_EVENTS_PER_S, "measured": round(rate),
                             "met": rate >= TARGET_EVENTS_PER_S},
            "million_events_s": {
                "target": TARGET_MILLION_S,
                "measured" if total == 1_000_000 else "projected":
                    round(1_000_000 / rate, 1) if rate else None,
                "met": bool(rate) and 1_000_000 / rate <= TARGET_MILLION_S},
        },
        "bare_insert": bare,
        "ratio": {"end_to_end_over_bare": round(rate / bare_rate, 4) if bare_rate else None,
                  "bare_times_faster": round(bare_rate / rate, 1) if rate else None},
        "verify": checked,
    }
    if profile_top is not None:
        report["profile"] = {"file": profile_path, "top_by_own_time": profile_top}
    if not checked["ok"]:
        print(json.dumps(report, ensure_ascii=False, indent=2), file=sys.stderr)
        failed = sorted(k for k, c in checked["checks"].items() if not c["ok"])
        raise HqRefusal(500, "bench_verify_failed", "the database does not hold what was "
                        f"uploaded: {', '.join(failed)} (full report on stderr)")
    return report


def _merged_types(plans: list[StorePlan]) -> dict[str, int]:
    out: dict[str, int] = {}
    for plan in plans:
        for name, count in plan.types.items():
            out[name] = out.get(name, 0) + count
    return dict(sorted(out.items()))


def _profile_top(profiler: cProfile.Profile, limit: int = 25) -> list[str]:
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("tottime").print_stats(limit)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [line for line in lines[start:] if line.strip()]
