"""Barcode scanners: telling a keyboard-wedge scanner's burst from typing, routing a scanned code
to the part of the counter it belongs to, and serial scanners read on their own thread.

No Qt here: the UI's key-event filter feeds :class:`WedgeDetector` and hands scanner callbacks to
the GUI thread itself. The serial-port plumbing at the bottom (:class:`LinkStatus`,
:func:`open_port`) is shared with :mod:`devices.display`.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from urllib.parse import parse_qsl, urlsplit

import serial  # type: ignore[import-untyped]
from stdnum import ean

from storeapp.identity import Shape, classify

log = logging.getLogger(__name__)

#: How the UI passes the Enter key to :meth:`WedgeDetector.feed` (``"\r"`` is accepted too).
ENTER = "\n"

ScanCallback = Callable[[str], None]
StatusCallback = Callable[["LinkStatus", str], None]


# --- keyboard-wedge scanners -----------------------------------------------------------------


class Action(Enum):
    """What the key-event filter does with the key it just fed (after replaying, see Decision)."""

    PASS = "pass"  # deliver this key to the focused widget as usual
    HOLD = "hold"  # swallow it for now: it may be (the start of) a scan
    SCAN = "scan"  # swallow it (the terminator): ``Decision.code`` is a complete scan
    NONE = "none"  # from flush(): there is no current key


@dataclass(frozen=True, slots=True)
class Decision:
    """The detector's answer for one key event or one flush.

    ``replay`` are keys held earlier that turned out to be typing: re-deliver them, in order,
    *before* acting on ``action``. Whenever ``replay`` is not empty it is every key that was held,
    so the filter can keep its own list of held key events and re-send all of them.
    """

    action: Action
    replay: tuple[str, ...] = ()
    code: str = ""


class WedgeDetector:
    """Tells a keyboard-wedge scanner's burst from typing, one key event at a time.

    A scanner types its code a few milliseconds per key and ends with Enter; people leave 50 ms
    or more between keys. The detector cannot know that the first key of a burst is a scan, so
    **every printable key is held** until the next key shows whether it is part of a burst, or
    until ``max_gap_ms`` passes without one (then :meth:`flush` gives it back). A typist never
    notices ~35 ms, and a scan never leaves a stray first character in the focused field.

    Use from a Qt event filter on the application (key presses only; skip bare modifier presses
    such as Shift, and the events you replay yourself)::

        d = detector.feed(event.text() or key_name, time.monotonic(),
                          auto_repeat=event.isAutoRepeat())
        if d.replay:                     # re-send every held event, in order
            resend(held); held.clear()
        if d.action is Action.HOLD:      # keep a copy, wake up when the gap has passed
            held.append(copy(event)); timer.start(detector.max_gap_ms)
            return True
        if d.action is Action.SCAN:      # the burst is a scan: drop the held copies, route it
            held.clear(); route(d.code)
            return True
        return False                     # PASS: deliver this key normally

    and on the timer: ``d = detector.flush(time.monotonic())``, re-send ``held`` if ``d.replay``;
    if nothing was released but :attr:`deadline` is still set, restart the timer for the rest.
    ``at`` and ``now`` must come from the same clock. Keys are single printable characters,
    :data:`ENTER`, or any longer name (``"Backspace"``, ``"F2"``): a named key is never held and
    gives back what was held before it.

    Thresholds: ``max_gap_ms`` is the longest pause inside a burst (raise it for slow Bluetooth
    scanners), ``min_length`` the shortest code, ``max_length`` the longest; a longer burst is
    typing from a tool, not a scan. ``terminators`` are the keys that end a scan (add ``"\\t"``
    for scanners set up to send Tab).
    """

    def __init__(
        self,
        *,
        max_gap_ms: float = 35.0,
        min_length: int = 4,
        max_length: int = 128,
        terminators: tuple[str, ...] = (ENTER,),
    ) -> None:
        if max_gap_ms <= 0 or not 1 <= min_length <= max_length or not terminators:
            raise ValueError("need max_gap_ms > 0, 1 <= min_length <= max_length, a terminator")
        self.max_gap_ms = max_gap_ms
        self.min_length = min_length
        self.max_length = max_length
        self._gap_s = max_gap_ms / 1000
        self._terminators = frozenset(_normalise_key(t) for t in terminators)
        self._held: list[str] = []
        self._last_at = 0.0
        self._overflowing = False  # inside a burst too long to be a scan: let the rest through

    @property
    def deadline(self) -> float | None:
        """When held keys become typing if no key arrives first (``None`` when nothing is held)."""
        return self._last_at + self._gap_s if self._held else None

    def feed(self, key: str, at: float, *, auto_repeat: bool = False) -> Decision:
        """Decide what to do with one key press seen at monotonic time ``at`` (seconds)."""
        key = _normalise_key(key)
        in_burst = at - self._last_at <= self._gap_s
        if key in self._terminators:
            if self._held and in_burst and len(self._held) >= self.min_length:
                code = "".join(self._held)
                self._held.clear()
                return Decision(Action.SCAN, code=code)
            return self._pass(at)
        if len(key) != 1 or not key.isprintable() or auto_repeat:
            return self._pass(at)
        if self._overflowing and in_burst:
            self._last_at = at
            return Decision(Action.PASS)
        self._overflowing = False
        replay = () if in_burst else self._take()
        if len(self._held) >= self.max_length:
            self._overflowing = True
            return self._pass(at)
        self._held.append(key)
        self._last_at = at
        return Decision(Action.HOLD, replay=replay)

    def flush(self, now: float | None = None) -> Decision:
        """Give back held keys once ``max_gap_ms`` has passed since the last one (or at once
        when ``now`` is ``None``, e.g. when the window loses focus)."""
        if not self._held or (now is not None and now - self._last_at < self._gap_s):
            return Decision(Action.NONE)
        return Decision(Action.NONE, replay=self._take())

    def _pass(self, at: float) -> Decision:
        self._last_at = at
        return Decision(Action.PASS, replay=self._take())

    def _take(self) -> tuple[str, ...]:
        held = tuple(self._held)
        self._held.clear()
        return held


def _normalise_key(key: str) -> str:
    return ENTER if key in ("\r", "\r\n") else key


# --- where a scanned code goes ---------------------------------------------------------------


class Target(StrEnum):
    """The part of the counter a scanned code belongs to."""

    MEMBER = "member"
    PRODUCT = "product"
    REFUND = "refund"
    COUPON = "coupon"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Routed:
    target: Target
    code: str  # cleaned: surrounding whitespace removed, letters upper-cased where case is noise


class ScanRouter:
    """Sends a scanned code (from the wedge detector or a serial scanner) where it belongs.

    Decided by shape alone (:func:`storeapp.identity.classify`), no database: a member QR, phone
    or card number → member; an EAN-8/EAN-13/UPC-A with a valid check digit → product; a receipt
    number → refund; a coupon code → coupon. The member QR's signature is checked later by the
    member lookup, which holds the chain secret. A four-digit phone tail is not routed: it
    matches many members, so a scanned one is more likely some other label (→ unknown), and a
    product-length number with a wrong check digit is a misread or a typo (→ unknown).
    """

    def route(self, code: str) -> Routed:
        text = code.strip()
        match classify(text):
            case Shape.MEMBER_QR | Shape.RECEIPT | Shape.COUPON as shape:
                return Routed(_TARGET_BY_SHAPE[shape], text.upper())
            case Shape.PHONE | Shape.CARD_NO:
                return Routed(Target.MEMBER, text)
            case Shape.PRODUCT:
                digits = text.replace(" ", "").replace("-", "")
                if is_retail_barcode(digits):
                    return Routed(Target.PRODUCT, digits)
        return Routed(Target.UNKNOWN, text)


_TARGET_BY_SHAPE = {
    Shape.MEMBER_QR: Target.MEMBER,
    Shape.RECEIPT: Target.REFUND,
    Shape.COUPON: Target.COUPON,
}


def is_retail_barcode(code: str) -> bool:
    """EAN-8, UPC-A (12 digits) or EAN-13 with a valid check digit."""
    return len(code) in (8, 12, 13) and code.isdigit() and ean.is_valid(code)


# --- scanner devices --------------------------------------------------------------------------


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


# --- serial ports (shared with devices.display) -----------------------------------------------


class LinkStatus(StrEnum):
    """The state of a device link, as the status bar shows it."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    ERROR = "error"
    OFF = "off"


def parse_port_url(url: str) -> tuple[str, int | None]:
    """Split a device URL into what pyserial opens and a baud rate from the URL, if any.

    ``serial:///dev/ttyACM0?baud=9600`` and ``serial://COM3?baud=115200`` name a local port;
    a plain path or name (``/dev/ttyUSB0``, ``COM3``) is taken as is; pyserial's own URLs
    (``loop://``, ``socket://host:port``, ``rfc2217://host:port``) pass through unchanged.
    """
    text = url.strip()
    if not text:
        raise ValueError("no serial port given")
    if not text.lower().startswith("serial://"):
        return text, None
    parts = urlsplit(text)
    port = parts.netloc + parts.path
    if not port:
        raise ValueError(f"no port in {url!r}")
    baudrate = None
    for key, value in parse_qsl(parts.query, strict_parsing=bool(parts.query)):
        if key not in ("baud", "baudrate") or not value.isdigit():
            raise ValueError(f"{url!r}: only ?baud=NUMBER is understood, not {key}={value}")
        baudrate = int(value)
    return port, baudrate


def open_port(
    url: str,
    *,
    baudrate: int = 9600,
    timeout: float | None = None,
    write_timeout: float | None = None,
) -> serial.Serial:
    """Open the port a device URL names (see :func:`parse_port_url`); a baud rate in the URL
    wins over ``baudrate``. Raises ``serial.SerialException``/``OSError``/``ValueError``."""
    port, url_baudrate = parse_port_url(url)
    return serial.serial_for_url(
        port,
        baudrate=url_baudrate or baudrate,
        timeout=timeout,
        write_timeout=write_timeout,
    )


class StatusReporter:
    """Remembers a device's link status and calls ``on_status`` when it changes."""

    def __init__(self, on_status: StatusCallback | None) -> None:
        self._on_status = on_status
        self._lock = threading.Lock()
        self.status = LinkStatus.OFF
        self._last: tuple[LinkStatus, str] | None = None

    def report(self, status: LinkStatus, message: str) -> None:
        with self._lock:
            if self._last == (status, message):
                return
            self.status = status
            self._last = (status, message)
        if status is LinkStatus.ERROR:
            log.warning("%s", message)
        if self._on_status is not None:
            try:
                self._on_status(status, message)
            except Exception:
                log.exception("on_status failed")


def open_error_status(exc: Exception) -> LinkStatus:
    """A missing port is just unplugged; no permission or a busy port needs someone to act."""
    if isinstance(exc, ValueError):
        return LinkStatus.ERROR
    if getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EBUSY):
        return LinkStatus.ERROR
    return LinkStatus.DISCONNECTED


def close_port(port: serial.Serial) -> None:
    try:
        port.close()
    except (serial.SerialException, OSError):
        log.debug("closing %s failed", port.port, exc_info=True)
