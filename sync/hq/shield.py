"""Head office on an open port: what keeps a client from wearing it down.

* :class:`BodyLimit` (ASGI, outermost): a request body larger than :data:`MAX_BODY` is refused
  with 413 before anything reads it or authenticates it; a body is cut with 408 when it stops
  for :data:`BODY_SECONDS` or, trickled, arrives slower than :data:`MIN_BODY_RATE`.
* :class:`HeaderDeadline` (the server's HTTP protocol): a connection whose request headers are
  not complete within :data:`HEADER_SECONDS` of its start (or of the previous response) is
  closed: slow clients cannot hold sockets; headers past :data:`MAX_HEADER_BYTES` get 431.
* :func:`blocked` / :func:`failed`: failed sign-ins and bad signatures by client address and by
  user; past :data:`FREE_FAILURES` within :data:`WINDOW`, the next attempts get 429 with
  ``Retry-After``, twice as long each time up to :data:`MOST_WAIT`. Kept in the database, so
  every worker sees the same counts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sync.hq import models as m
from sync.hq.db import HqDatabase

MAX_BODY = 16 * 1024 * 1024  # a batch of 2,000 events with their audit rows stays well below
BODY_SECONDS = 20.0
#: bytes a second a body must average, past its first BODY_SECONDS: a till's largest batch (4 MiB)
#: may take 84 s, a client sending a byte every 19 s no longer holds a connection for ever
MIN_BODY_RATE = 64 * 1024
HEADER_SECONDS = 10.0
MAX_HEADER_BYTES = 16 * 1024
FREE_FAILURES = 5
WINDOW = dt.timedelta(minutes=10)
MOST_WAIT = dt.timedelta(minutes=15)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: the body's size and arrival are checked before the application reads
    it (authentication included)."""

    def __init__(self, app: App, *, max_body: int = MAX_BODY,
                 body_seconds: float = BODY_SECONDS, min_rate: int = MIN_BODY_RATE) -> None:
        self.app, self.max_body, self.body_seconds = app, max_body, body_seconds
        self.min_rate = min_rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _answer(send, 413, "too_large",
                          f"a request body may have at most {self.max_body} bytes")
            return
        received, complete, started = 0, False, False
        loop = asyncio.get_running_loop()
        # the whole body's deadline: its first BODY_SECONDS, then MIN_BODY_RATE for its length
        deadline = loop.time() + self.body_seconds + int(declared or 0) / self.min_rate

        async def limited() -> Message:
            nonlocal received, complete
            if complete:  # the body is in: later reads (a disconnect) are the app's business
                return await receive()
            wait = min(self.body_seconds, deadline - loop.time())
            message = await asyncio.wait_for(receive(), max(wait, 0.0))
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_body:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except _TooLarge:
            if not started:
                await _answer(send, 413, "too_large",
                              f"a request body may have at most {self.max_body} bytes")
        except TimeoutError:
            if not started:
                await _answer(send, 408, "too_slow",
                              f"the request body stopped for {self.body_seconds:g} s or came "
                              f"slower than {self.min_rate} bytes a second")


async def _answer(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol (llhttp, in C: a batch of 2,000 events is megabytes,
    which h11 parses in Python), with limits on what comes before a request's body:

    * its headers must be complete within :data:`HEADER_SECONDS` of a connection's start or of
      the previous response (uvicorn's keep-alive timer stops at a connection's first byte, so
      a client sending one byte a second would hold the socket for ever);
    * at most :data:`MAX_HEADER_BYTES` of them (431), counted as they arrive and as they parse;
    * a body must say its length (411): a chunked body ends in trailers, which llhttp parses
      like headers after the deadline is off, so an endless trailer would grow in memory with
      nothing to stop it. Tills send ``Content-Length``.
    """

    header_seconds = HEADER_SECONDS
    _deadline: asyncio.TimerHandle | None = None
    _in_headers = True  # what arrives now is a request's headers (not yet complete)
    _pending = 0  # bytes received since then
    _header_bytes = 0  # the size of the request's headers parsed so far
    _refusal: bytes | None = None  # what to answer instead of uvicorn's 400

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._in_headers:
            self._pending += len(data)
        super().data_received(data)
        if self._in_headers and self._pending > MAX_HEADER_BYTES:
            self._refuse(_TOO_LARGE)  # still no end of the headers

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        if self._header_bytes > MAX_HEADER_BYTES:
            self._refusal = _TOO_LARGE
            raise _TooLarge  # the parser stops; uvicorn answers 400, which becomes this
        if name.lower() == b"transfer-encoding":
            self._refusal = _LENGTH_REQUIRED
            raise _TooLarge
        super().on_header(name, value)

    def send_400_response(self, msg: str) -> None:
        if self._refusal is not None:
            self._refuse(self._refusal)
        else:
            super().send_400_response(msg)

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_headers, self._pending, self._header_bytes = True, 0, 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None
                                                or self.cycle.response_complete):
            self._arm()  # the next request's headers have the same time (unless pipelined
            # already: then its headers are in, and it is running)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _refuse(self, answer: bytes) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.header_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
              b"content-length: 0\r\nconnection: close\r\n\r\n")
_LENGTH_REQUIRED = (b"HTTP/1.1 411 Length Required\r\n"
                    b"content-length: 0\r\nconnection: close\r\n\r\n")


# -- failed attempts -----------------------------------------------------------------------------

def blocked(hq: HqDatabase, keys: list[str], now: dt.datetime) -> int | None:
    """Seconds to wait before any of ``keys`` may try again, or None."""
    with hq.transaction() as s:
        until = s.scalar(select(func.max(m.Throttle.blocked_until)).where(
            m.Throttle.key.in_([k[:80] for k in keys])))
    if until is None or until <= now:
        return None
    return max(1, math.ceil((until - now).total_seconds()))


def failed(hq: HqDatabase, keys: list[str], now: dt.datetime) -> None:
    """Count a failure against each key; past the free ones, block it for a while."""
    with hq.transaction() as s:
        for key in keys:
            key = key[:80]
            row = s.get(m.Throttle, key, with_for_update=True)
            if row is None:
                dialect = s.get_bind().dialect.name
                ins = (postgresql.insert(m.Throttle) if dialect == "postgresql"
                       else sqlite.insert(m.Throttle))
                s.execute(ins.values(key=key, failures=1, window_start=now, blocked_until=None)
                          .on_conflict_do_nothing())
                continue
            if now - row.window_start > WINDOW and (row.blocked_until is None
                                                    or row.blocked_until <= now):
                row.failures, row.window_start, row.blocked_until = 1, now, None
                continue
            row.failures += 1
            if row.failures > FREE_FAILURES:
                wait = dt.timedelta(seconds=2 ** min(row.failures - FREE_FAILURES, 20))
                row.blocked_until = now + min(wait, MOST_WAIT)
