"""Head office for the sync tests: a real server on loopback over SQLite or the real PostgreSQL.

PostgreSQL tests get a schema of their own (``search_path``) in database ``test`` on
127.0.0.1:5432, dropped afterwards. Without PostgreSQL they skip on a laptop and fail under
``CI=true``, where it must be there.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from sync.hq import service
from sync.hq.api import create_app
from sync.hq.cli import SERVER_LIMITS
from sync.hq.db import HqDatabase, utcnow

PG_SERVER = "postgresql+psycopg://root@127.0.0.1:5432/test"


def postgres_url(schema: str) -> str:
    return f"{PG_SERVER}?options=-csearch_path%3D{schema}"


def require_postgres() -> None:
    import psycopg

    try:
        psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=root",
                        connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is required under CI: {exc}")
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not running: {exc}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def hq_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A head-office database URL: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hq.db'}"
        return
    require_postgres()
    import psycopg

    schema = f"hq_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect("host=127.0.0.1 dbname=test user=root", autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield postgres_url(schema)
    finally:
        with psycopg.connect("host=127.0.0.1 dbname=test user=root", autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"head office at {url} did not come up")
        time.sleep(0.05)


@dataclass
class LiveHq:
    """A head-office server running in this process on a loopback port."""

    db_url: str
    url: str = ""
    hq: HqDatabase = field(init=False)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> LiveHq:
        port = free_port()
        app = create_app(self.db_url)
        self.hq = app.state.hq
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="off", **SERVER_LIMITS)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{port}"
        wait_healthy(self.url)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self.hq.close()

    def add_store(self, code: str, name: str = "") -> str:
        """A new store; returns its token."""
        return service.add_store(self.hq, code, name or f"门店 {code}", utcnow())["token"]


@pytest.fixture
def live_hq(hq_url: str) -> Iterator[LiveHq]:
    server = LiveHq(hq_url).start()
    yield server
    server.stop()


@dataclass
class HqProcess:
    """``storeapp-hq serve`` as a real process, which a test may kill and start again."""

    db_url: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None  # the server's stderr, appended across restarts

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HqProcess:
        with open(self.log or os.devnull, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sync.hq.cli", "--db", self.db_url, "serve",
                 "--port", str(self.port)],
                stdout=subprocess.DEVNULL, stderr=log)
        wait_healthy(self.url)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, a request in flight is cut off."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def hq_process(hq_url: str) -> Iterator[tuple[HqProcess, HqDatabase]]:
    """Head office as a real process (a test may kill and restart it), and its database."""
    server = HqProcess(hq_url).start()
    hq = HqDatabase(hq_url)
    try:
        yield server, hq
    finally:
        server.stop()
        hq.close()
