"""Head office on an open port, attacked over real sockets on loopback: password guessing and
bad signatures are slowed down (429 with Retry-After), a huge body is refused before it is
read, slow clients are cut, a flood of refusals adds to a count instead of the log, and a
parameter out of range is a 4xx, never a 500."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from sync.hq import accounts
from sync.hq import models as m
from sync.hq.api import create_app
from sync.hq.cli import SERVER_LIMITS
from sync.hq.db import utcnow
from sync.hq.shield import FREE_FAILURES, MAX_HEADER_BYTES, HeaderDeadline
from sync.protocol import API, signed_headers
from tests.sync.conftest import LiveHq, free_port, wait_healthy


class QuickDeadline(HeaderDeadline):
    header_seconds = 1.0


@dataclass
class Server:
    url: str
    port: int
    hq: object


@pytest.fixture
def quick(tmp_path: object) -> Iterator[Server]:
    """Head office with short deadlines (headers 1 s, a body's pause 1 s and its rate at least
    1,000 bytes a second), on SQLite."""
    app = create_app(f"sqlite:///{tmp_path}/hq.db",  # type: ignore[str-bytes-safe]
                     body_seconds=1.0, min_body_rate=1_000)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical",
                            lifespan="off", **{**SERVER_LIMITS, "http": QuickDeadline})
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url)
    yield Server(url, port, app.state.hq)
    server.should_exit = True
    thread.join(10)
    app.state.hq.close()


def raw(port: int, data: bytes, *, wait: float = 5.0) -> bytes:
    """Send bytes on a fresh connection; what comes back before it closes (or ``wait``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def test_password_guessing_is_slowed_down_per_address_and_user(live_hq: LiveHq) -> None:
    accounts.add_user(live_hq.hq, "boss", "the right password here", utcnow())
    for _ in range(FREE_FAILURES):
        assert httpx.get(f"{live_hq.url}/", auth=("boss", "guess"), timeout=10).status_code == 401
    slowed = httpx.get(f"{live_hq.url}/", auth=("boss", "guess"), timeout=10)
    assert slowed.status_code == 401  # the sixth failure starts the wait
    waiting = httpx.get(f"{live_hq.url}/", auth=("boss", "the right password here"), timeout=10)
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) >= 1


def test_bad_signatures_are_slowed_down_too(live_hq: LiveHq) -> None:
    statuses = []
    for _ in range(FREE_FAILURES + 3):
        headers = signed_headers("not-a-token", "GET", f"{API}/store", b"", time.time())
        statuses.append(httpx.get(f"{live_hq.url}{API}/store", headers=headers,
                                  timeout=10).status_code)
    assert statuses[:FREE_FAILURES + 1] == [401] * (FREE_FAILURES + 1)
    assert statuses[-1] == 429


def test_a_huge_body_is_refused_before_it_is_read(quick: Server) -> None:
    started = time.monotonic()
    answer = raw(quick.port, b"POST /api/v1/events HTTP/1.1\r\nHost: hq\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 52428800\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413") and b"too_large" in answer
    assert time.monotonic() - started < 3  # answered without waiting for 50 MB

    # no length announced: refused at once (a chunked body ends in trailers, which would
    # otherwise be parsed without a limit)
    answer = raw(quick.port, b"POST /api/v1/events HTTP/1.1\r\nHost: hq\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n10\r\n" + b"x" * 16 + b"\r\n0\r\nX: "
                 + b"y" * 100_000)
    assert answer.startswith(b"HTTP/1.1 411")


def test_slow_clients_are_cut(quick: Server) -> None:
    sockets = []
    for _ in range(40):  # a slowloris: headers never finished
        sock = socket.create_connection(("127.0.0.1", quick.port), timeout=5)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: h")
        sockets.append(sock)
    time.sleep(0.5)
    for sock in sockets:
        sock.sendall(b"q")  # still dribbling
    time.sleep(1.5)
    closed = 0
    for sock in sockets:
        try:
            if sock.recv(1) == b"":
                closed += 1
        except OSError:
            closed += 1
        sock.close()
    assert closed == len(sockets)
    assert httpx.get(f"{quick.url}/healthz", timeout=5).status_code == 200  # others are served
    body = raw(quick.port, b"POST /api/v1/events HTTP/1.1\r\nHost: hq\r\n"
               b"Content-Length: 100\r\n\r\n{", wait=5)  # a body that never comes
    assert body.startswith(b"HTTP/1.1 408")


def test_a_trickled_body_is_cut_at_its_rate(quick: Server) -> None:
    """A body that never pauses long but comes a few bytes at a time (a slow-body attack:
    every read within its second) is cut once it falls behind the least rate, 1 s plus 1 ms a
    byte here: 2 s for 1,000 bytes."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", quick.port), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/events HTTP/1.1\r\nHost: hq\r\n"
                     b"Content-Length: 1000\r\n\r\n{")
        answer = b""
        for _ in range(40):  # 10 bytes every 0.3 s: 33 bytes a second
            time.sleep(0.3)
            try:
                sock.sendall(b" " * 10)
            except OSError:
                break
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                answer += sock.recv(65536)
            sock.setblocking(True)
            if answer:
                break
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert 1.8 < time.monotonic() - started < 4


def test_pipelined_requests_are_answered_in_turn(quick: Server) -> None:
    """Two requests in one send, the second's headers in before the first is answered: both
    are answered, and the header limits count each request's own headers."""
    half = b"X-Filler: " + b"a" * 9000 + b"\r\n"  # two of these together pass 16 KiB
    one = b"GET /healthz HTTP/1.1\r\nHost: hq\r\n" + half + b"\r\n"
    last = b"GET /healthz HTTP/1.1\r\nHost: hq\r\nConnection: close\r\n" + half + b"\r\n"
    answer = raw(quick.port, one + last)
    assert answer.count(b"HTTP/1.1 200") == 2, answer[:200]


def test_headers_past_16_kib_are_refused(quick: Server) -> None:
    big = b"X-Filler: " + b"a" * (MAX_HEADER_BYTES + 100) + b"\r\n"
    answer = raw(quick.port, b"GET /healthz HTTP/1.1\r\nHost: hq\r\n" + big + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431")
    dribbled = raw(quick.port, b"GET /healthz HTTP/1.1\r\nHost: hq\r\n" + big[:-2])
    assert dribbled.startswith(b"HTTP/1.1 431")  # never finished, and too long already
    many = b"".join(b"X-F%d: %s\r\n" % (i, b"b" * 1000) for i in range(20))
    assert raw(quick.port, b"GET /healthz HTTP/1.1\r\nHost: hq\r\n" + many + b"\r\n"
               ).startswith(b"HTTP/1.1 431")
    fine = b"X-Filler: " + b"a" * 8000 + b"\r\n"
    assert raw(quick.port, b"GET /healthz HTTP/1.1\r\nHost: hq\r\nConnection: close\r\n"
               + fine + b"\r\n").startswith(b"HTTP/1.1 200")


def test_a_flood_of_refusals_adds_to_a_count_not_to_the_log(live_hq: LiveHq) -> None:
    for _ in range(200):  # a bounded flood from addresses that are not throttled
        httpx.get(f"{live_hq.url}{API}/store", headers={"Authorization": "Bearer x"},
                  timeout=10)
    with live_hq.hq.transaction() as s:
        rows = s.scalar(select(func.count()).select_from(m.Refusal))
        counted = s.scalar(select(func.sum(m.Refusal.count)))
    assert rows <= 4  # one per reason and minute (the flood may straddle a minute)
    assert counted >= FREE_FAILURES + 1  # the rest were turned away by the throttle


ALL = ("/acked", "/events", "/audit", "/changes")


@pytest.mark.parametrize(("query", "paths"), [
    ("till_no=99999999999999999999", ALL), ("till_no=-1", ALL), ("till_no=abc", ALL),
    ("limit=0&till_no=1", ("/events", "/audit", "/changes")),
    ("after=99999999999999999999", ("/events", "/audit")),
    ("cursor=" + "9" * 300, ("/changes",)), ("cursor=a:b:c", ("/changes",))])
def test_a_parameter_out_of_range_is_a_4xx(live_hq: LiveHq, query: str,
                                           paths: tuple[str, ...]) -> None:
    token = live_hq.add_store("0001")
    for path in paths:
        full = f"{API}{path}?{query}"
        headers = signed_headers(token, "GET", full, b"", time.time())
        answer = httpx.get(f"{live_hq.url}{full}", headers=headers, timeout=10)
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text)
        assert answer.json()["error"]
