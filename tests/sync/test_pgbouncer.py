"""Head office behind pgbouncer in transaction pooling mode: ``storeapp-hq serve --workers 4``
reaching its database only through a pgbouncer of this test's own (4 server connections for
all its clients), four real tills uploading and downloading at once over HTTP, and what
pgbouncer and PostgreSQL saw of it.

Transaction pooling hands each transaction whichever server connection is free, so head
office must keep nothing on a connection between transactions: no prepared statements (psycopg
prepares a statement after its fifth run), no session ``SET``, no startup ``options``. The
database is one of its own (``CREATE DATABASE``), not a schema picked by ``options``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text

from storeapp.clock import FixedClock
from storeapp.db import Database
from storeapp.models import OutboxEvent
from storeapp.services import members
from storeapp.services.sales import TenderIn
from sync import client
from sync.guard import HttpSpendGate
from sync.hq import kpis, service
from sync.hq import models as m
from sync.hq.db import HqDatabase, make_engine, utcnow
from tests.helpers import START, copy_database, real_name, register, sell, topup
from tests.sync.conftest import PG_SERVER, free_port, require_postgres, wait_healthy

pytestmark = pytest.mark.postgres

POSTGRES = "host=127.0.0.1 port=5432 dbname=test user=root"
USER = "root"
POOL_SIZE = 4
WORKERS = 4
STORES = ("0001", "0002", "0003", "0004")
MEMBERS_PER_STORE = 4


@dataclass
class Pgbouncer:
    """A pgbouncer process in transaction pooling mode in front of one database."""

    database: str
    port: int
    directory: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{self.database}"

    def admin(self, command: str) -> list[dict[str, Any]]:
        """Rows of a ``SHOW`` command on pgbouncer's admin console (database ``pgbouncer``)."""
        with psycopg.connect(f"host=127.0.0.1 port={self.port} dbname=pgbouncer user={USER}",
                             autocommit=True) as conn:
            cursor = conn.execute(command)
            names = [column.name for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def row(self, command: str) -> dict[str, Any]:
        """This database's row of ``SHOW POOLS`` or ``SHOW STATS``."""
        return next(r for r in self.admin(command) if r["database"] == self.database)

    def log(self) -> str:
        return (self.directory / "pgbouncer.log").read_text(errors="replace")


def _pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(p, os.X_OK)), None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("pgbouncer is required under CI (scripts/setup installs it)")
    pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")


CONFIG = """\
[databases]
{database} = host=127.0.0.1 port=5432 dbname={database}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/users.txt
admin_users = {user}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
logfile = {directory}/pgbouncer.log
"""


@pytest.fixture
def pgbouncer() -> Iterator[Pgbouncer]:
    """A database of its own on the real PostgreSQL, reached through a pgbouncer started for
    this test on a free loopback port, both gone afterwards."""
    require_postgres()
    binary = _pgbouncer_binary()
    database = f"hq_pgbouncer_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        command = [binary]
        if os.geteuid() == 0:
            # pgbouncer refuses to run as root: it becomes postgres, who must write its log here
            owner = pwd.getpwnam("postgres")
            os.chown(directory, owner.pw_uid, owner.pw_gid)
            command += ["-u", "postgres"]
        port = free_port()
        (directory / "users.txt").write_text(f'"{USER}" ""\n')
        config = directory / "pgbouncer.ini"
        config.write_text(CONFIG.format(database=database, port=port, directory=directory,
                                        user=USER, pool_size=POOL_SIZE))
        proc = subprocess.Popen([*command, str(config)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        bouncer = Pgbouncer(database, port, directory, proc)
        _wait_listening(bouncer)
        yield bouncer
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        shutil.rmtree(directory, ignore_errors=True)
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _wait_listening(bouncer: Pgbouncer, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if bouncer.proc.poll() is not None:
            raise RuntimeError(f"pgbouncer exited ({bouncer.proc.returncode}): "
                               f"{bouncer.log()[-2000:]}")
        try:
            bouncer.admin("SHOW VERSION")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture
def server(pgbouncer: Pgbouncer, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``storeapp-hq serve --workers 4`` on pgbouncer's URL: its base URL and its output."""
    log = tmp_path / "server.log"
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sync.hq.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(WORKERS)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "STOREAPP_HQ_DB": pgbouncer.url})
    try:
        wait_healthy(f"http://127.0.0.1:{port}", timeout=60)
        yield f"http://127.0.0.1:{port}", log
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(10)
        with contextlib.suppress(ProcessLookupError):  # workers left by a parent that died
            os.killpg(proc.pid, 15)


@pytest.mark.slow
def test_four_workers_behind_transaction_pooling_keep_every_till_right(
        pgbouncer: Pgbouncer, server: tuple[str, Path], tmp_path: Path,
        migrated_template: Path) -> None:
    url, server_log = server
    hq = HqDatabase(pgbouncer.url)  # the test reads head office through the pool as well
    tills: dict[str, Database] = {}
    gates: list[HttpSpendGate] = []
    try:
        tokens = {code: service.add_store(hq, code, f"门店 {code}", utcnow())["token"]
                  for code in STORES}
        for code in STORES:
            path = tmp_path / f"till-{code}.db"
            copy_database(migrated_template, path)
            tills[code] = db = Database(path, clock=FixedClock(START))
            client.join(db, url, tokens[code])
            db.spend_gate = gate = HttpSpendGate(db)
            gates.append(gate)

        uploaded = _at_once(tills, _a_day_of_business)

        outboxes = {code: _outbox(db) for code, db in tills.items()}
        stored = _stored(hq)
        for code, outbox in outboxes.items():  # every event once, in the till's order
            assert stored[code] == outbox, code
            assert uploaded[code] == len(outbox), code
        assert sum(len(events) for events in stored.values()) == sum(map(len, outboxes.values()))

        phones = [_phone(code, k) for code in STORES for k in range(MEMBERS_PER_STORE)]
        for phone in phones:
            shown = service.member_show(hq, phone)
            at_hq = (shown["principal_fen"], shown["bonus_fen"], shown["points"])
            for code, db in tills.items():
                view = members.get(db, phone)
                assert (view.principal_fen, view.bonus_fen, view.points) == at_hq, (phone, code)
        with hq.transaction() as s:
            assert len(s.scalars(select(m.Member.member_id)).all()) == len(phones)
            assert s.scalars(select(m.Exception_)).first() is None
        # the nightly KPI refresh (SET LOCAL, a transaction's advisory lock, repeatable read, a
        # temporary table), twice: the second may get the server connection holding the first's
        first, again = kpis.refresh(hq, utcnow()), kpis.refresh(hq, utcnow())
        assert first.day_rows == again.day_rows > 0
        _assert_pooled(pgbouncer)  # with this test's connection still open beside the workers'
    finally:
        for gate in gates:
            gate.close()
        for db in tills.values():
            db.close()
        hq.close()

    log = server_log.read_text(errors="replace")
    assert '"workers": 4' in log
    for sign in ("Traceback", "ERROR", "Exception", "prepared statement"):
        assert sign not in log, log[-3000:]
    bouncer_log = pgbouncer.log()
    for level in (" WARNING ", " ERROR ", " FATAL "):
        assert level not in bouncer_log, bouncer_log[-3000:]


def test_head_office_prepares_statements_only_when_its_url_asks() -> None:
    """A statement psycopg prepared on one server connection is missing on the next one a pooler
    hands out: by default head office never prepares; straight to PostgreSQL the URL may ask."""
    require_postgres()
    assert _prepared_after_repeats(PG_SERVER) == 0
    assert _prepared_after_repeats(f"{PG_SERVER}?prepare_threshold=5") >= 1


def _prepared_after_repeats(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            for n in range(10):
                conn.execute(text("SELECT 1 + :n"), {"n": n})
            return int(conn.execute(text("SELECT count(*) FROM pg_prepared_statements"))
                       .scalar_one())
    finally:
        engine.dispose()


def _assert_pooled(pgbouncer: Pgbouncer) -> None:
    """The traffic went through pgbouncer in transaction mode, more clients than servers."""
    pool, stats = pgbouncer.row("SHOW POOLS"), pgbouncer.row("SHOW STATS")
    assert pool["pool_mode"] == "transaction"
    clients = [c for c in pgbouncer.admin("SHOW CLIENTS") if c["database"] == pgbouncer.database]
    servers = [c for c in pgbouncer.admin("SHOW SERVERS") if c["database"] == pgbouncer.database]
    # every worker keeps connections of its own open, yet all share at most 4 on the server
    assert len(clients) > POOL_SIZE >= len(servers) >= 1, (clients, servers)
    assert stats["total_xact_count"] > 100, stats
    assert stats["total_query_count"] > stats["total_xact_count"], stats
    with psycopg.connect(POSTGRES) as conn:
        backends = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                (pgbouncer.database,)).fetchone()
    assert backends is not None and backends[0] <= POOL_SIZE, backends


def _a_day_of_business(code: str, db: Database, barrier: threading.Barrier) -> int:
    """Each store registers and serves its own members, syncing after each; then, once every
    store has uploaded, spends from a member of the next store (a hold at head office); then
    takes what the others did. Returns the events head office says it stored."""
    stored = 0
    for k in range(MEMBERS_PER_STORE):
        member = register(db, phone=_phone(code, k), name=real_name(int(code) * 10 + k))
        topup(db, member, 50_000 + 1_000 * k)
        sell(db, member, 10_000)  # cash: points
        sell(db, member, 3_000 + 100 * k, tenders=[TenderIn("wallet")])
        stored += client.run_sync(db).uploaded
    barrier.wait()
    stored += client.run_sync(db).uploaded  # every store's members are here now
    neighbour = STORES[(STORES.index(code) + 1) % len(STORES)]
    visitor = members.get(db, _phone(neighbour, 0))
    sell(db, visitor, 2_000, tenders=[TenderIn("wallet")])
    sell(db, visitor, 5_000)
    stored += client.run_sync(db).uploaded
    barrier.wait()
    return stored + client.run_sync(db).uploaded


def _at_once(tills: dict[str, Database],
             work: Callable[[str, Database, threading.Barrier], int]) -> dict[str, int]:
    """``work`` for every till in a thread of its own, all at once; the first error raised."""
    barrier = threading.Barrier(len(tills), timeout=60)
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def run(code: str, db: Database) -> None:
        try:
            results[code] = work(code, db, barrier)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=item) for item in tills.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]
    return results


def _phone(code: str, k: int) -> str:
    return f"139{int(code):04d}{k:04d}"


def _outbox(db: Database) -> list[tuple[int, str]]:
    with db.reader() as s:
        return [(int(seq), str(event_id)) for seq, event_id in s.execute(
            select(OutboxEvent.seq, OutboxEvent.event_id).order_by(OutboxEvent.seq))]


def _stored(hq: HqDatabase) -> dict[str, list[tuple[int, str]]]:
    """Head office's events of each store's till, by sequence."""
    out: dict[str, list[tuple[int, str]]] = {code: [] for code in STORES}
    with hq.transaction() as s:
        for code, seq, event_id in s.execute(
                select(m.Store.code, m.Event.seq, m.Event.event_id)
                .join(m.Store, m.Store.id == m.Event.store_id)
                .order_by(m.Store.code, m.Event.seq)):
            out[str(code)].append((int(seq), str(event_id)))
    return out
