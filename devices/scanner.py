"""Scanners that are not keyboards: a serial scanner read on its own thread, a fake for tests and
demos, and no scanner at all, chosen by a till setting.

No Qt here: scanner callbacks run on the scanner's thread and the UI hands them to the GUI thread
itself. A keyboard-wedge scanner needs no device object (:mod:`devices.wedge`); where a code goes
is :mod:`devices.scan_routing`; the port plumbing is :mod:`devices.serial_port`.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

import serial  # type: ignore[import-untyped]

from devices.serial_port import (
    LinkStatus,
    StatusCallback,
    StatusReporter,
    close_port,
    open_error_status,
    open_port,
    parse_port_url,
)

log = logging.getLogger(__name__)

ScanCallback = Callable[[str], None]


class Scanner(ABC):
    """A scanner that is not a keyboard: delivers whole codes through ``on_scan``.

    Callbacks (given to the constructor):
        on_scan(code: str): one complete code, terminator and surrounding whitespace removed.
        on_status(status: LinkStatus, message: str): whenever the link changes.
    Real devices call them on their own thread: hand them to the GUI thread (a queued signal).
    """

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def stop(self, timeout: float = 2.0) -> None: ...

    @property
    @abstractmethod
    def status(self) -> LinkStatus: ...

    def __enter__(self) -> Scanner:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SerialScanner(Scanner):
    """A scanner on a serial port (or a USB scanner in virtual-COM mode), read on its own thread.

    Callbacks: ``on_scan(code)``, ``on_status(status, message)`` as in :class:`Scanner`; status is
    ``connected``, ``disconnected`` (port missing or lost: retried every ``reconnect_interval``
    seconds), ``error`` (bad URL, no permission, port busy: also retried) and ``off`` once
    stopped. ``url`` is anything :func:`open_port` takes. ``terminator`` ends a code; the default
    accepts CR, LF or CRLF. A partial code older than ``partial_timeout`` seconds, or cut off by
    a lost connection, is dropped rather than glued to the next scan.
    """

    def __init__(
        self,
        url: str,
        *,
        on_scan: ScanCallback,
        on_status: StatusCallback | None = None,
        baudrate: int = 9600,
        terminator: str | None = None,
        encoding: str = "ascii",
        read_timeout: float = 0.1,
        reconnect_interval: float = 1.0,
        partial_timeout: float = 1.0,
    ) -> None:
        parse_port_url(url)  # a bad URL is the caller's mistake: say so now, not on the thread
        self.url = url
        self._on_scan = on_scan
        self._status_link = StatusReporter(on_status)
        self._baudrate = baudrate
        self._framer = _Framer(_terminators(terminator))
        self._encoding = encoding
        self._read_timeout = read_timeout
        self._reconnect_interval = reconnect_interval
        self._partial_timeout = partial_timeout
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> LinkStatus:
        return self._status_link.status

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"scanner {self.url}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop reading, close the port and wait (at most ``timeout`` s) for the thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        port: serial.Serial | None = None
        try:
            while not self._stopping.is_set():
                if port is None:
                    port = self._connect()
                    if port is None:
                        self._stopping.wait(self._reconnect_interval)
                    continue
                try:
                    chunk: bytes = port.read(max(1, port.in_waiting))
                except (serial.SerialException, OSError) as exc:
                    close_port(port)
                    port = None
                    self._framer.reset()
                    self._status_link.report(LinkStatus.DISCONNECTED, f"{self.url}: lost ({exc})")
                    continue
                now = time.monotonic()
                if not chunk:
                    self._framer.drop_stale(now, self._partial_timeout)
                for raw in self._framer.feed(chunk, now):
                    self._deliver(raw)
        finally:
            if port is not None:
                close_port(port)
            self._status_link.report(LinkStatus.OFF, "stopped")

    def _connect(self) -> serial.Serial | None:
        try:
            port = open_port(self.url, baudrate=self._baudrate, timeout=self._read_timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            self._status_link.report(open_error_status(exc), f"{self.url}: {exc}")
            return None
        self._framer.reset()
        self._status_link.report(LinkStatus.CONNECTED, self.url)
        return port

    def _deliver(self, raw: bytes) -> None:
        code = raw.decode(self._encoding, errors="replace").strip()
        if not code:
            return
        try:
            self._on_scan(code)
        except Exception:  # the callback's bug must not stop the scanner
            log.exception("on_scan failed for %r", code)


class FakeScanner(Scanner):
    """A scanner for tests and demos: :meth:`push` delivers a code at once, on the caller's thread.

    Callbacks: ``on_scan(code)``, ``on_status(status, message)`` as in :class:`Scanner`.
    """

    def __init__(self, *, on_scan: ScanCallback, on_status: StatusCallback | None = None) -> None:
        self._on_scan = on_scan
        self._status_link = StatusReporter(on_status)

    @property
    def status(self) -> LinkStatus:
        return self._status_link.status

    def start(self) -> None:
        self._status_link.report(LinkStatus.CONNECTED, "fake scanner")

    def stop(self, timeout: float = 2.0) -> None:
        self._status_link.report(LinkStatus.OFF, "stopped")

    def push(self, code: str) -> None:
        """Behave as if ``code`` had just been scanned."""
        self._on_scan(code.strip())

    def set_status(self, status: LinkStatus, message: str = "") -> None:
        """Behave as if the link had changed (unplugged, error...)."""
        self._status_link.report(status, message)


class NullScanner(Scanner):
    """The till has no serial scanner (a keyboard-wedge scanner needs no device object)."""

    @property
    def status(self) -> LinkStatus:
        return LinkStatus.OFF

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 2.0) -> None:
        pass


def open_scanner(
    url: str,
    *,
    on_scan: ScanCallback,
    on_status: StatusCallback | None = None,
    baudrate: int = 9600,
    terminator: str | None = None,
) -> Scanner:
    """The scanner a till setting names: ``""``/``none`` → :class:`NullScanner`, ``fake:`` →
    :class:`FakeScanner`, anything else a :class:`SerialScanner` (not started yet)."""
    kind = url.strip().lower()
    if kind in ("", "none", "null:"):
        return NullScanner()
    if kind == "fake:":
        return FakeScanner(on_scan=on_scan, on_status=on_status)
    return SerialScanner(
        url, on_scan=on_scan, on_status=on_status, baudrate=baudrate, terminator=terminator
    )


class _Framer:
    """Cuts a byte stream into codes at the earliest terminator (longest one on a tie)."""

    MAX_PENDING = 4096  # no barcode is this long: a stream without terminators is noise

    def __init__(self, terminators: tuple[bytes, ...]) -> None:
        self._terminators = sorted(terminators, key=len, reverse=True)
        self._pending = b""
        self._last_at = 0.0

    def feed(self, data: bytes, now: float) -> list[bytes]:
        if not data:
            return []
        self._pending += data
        self._last_at = now
        codes = []
        while True:
            hits = [(self._pending.find(t), t) for t in self._terminators]
            found = [(index, term) for index, term in hits if index >= 0]
            if not found:
                break
            index, term = min(found, key=lambda hit: (hit[0], -len(hit[1])))
            codes.append(self._pending[:index])
            self._pending = self._pending[index + len(term) :]
        if len(self._pending) > self.MAX_PENDING:
            self._pending = b""
        return codes

    def drop_stale(self, now: float, max_age: float) -> None:
        if self._pending and now - self._last_at > max_age:
            log.info("dropping partial scan %r", self._pending)
            self._pending = b""

    def reset(self) -> None:
        self._pending = b""


def _terminators(terminator: str | None) -> tuple[bytes, ...]:
    if terminator is None:
        return (b"\r\n", b"\r", b"\n")
    if not terminator:
        raise ValueError("a scanner terminator cannot be empty")
    return (terminator.encode("ascii"),)
