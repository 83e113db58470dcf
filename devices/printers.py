"""Receipt printers: the port interface every printer has, its status, the URI that picks a real
printer (:mod:`devices.printer_ports`), and the null and fake printers.

A port only moves bytes (or, for ``preview:``, a receipt) and says how the printer is; rendering
lives in the receipt modules and retrying in :mod:`devices.print_queue`. Making a port does no
I/O: it connects on first use, and after :meth:`PrinterPort.close` or an error it reconnects on
the next call, so one port object serves a till for its whole life.
"""

from __future__ import annotations

import enum
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_TIMEOUT = 5.0  # seconds a printer may take no data before a write fails
CONNECT_TIMEOUT = 3.0


class PrinterStatus(enum.Enum):
    """What the counter shows about its printer. ``UNKNOWN`` only until the first contact."""

    ONLINE = "online"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"
    ERROR = "error"
    UNKNOWN = "unknown"


class PrinterError(Exception):
    """A write or read that failed: ``status`` says how the printer is, ``message`` why.
    ``partial`` is True when some of the job's bytes may have reached the printer (and paper):
    printed again, the job is printed whole and says it is a continuation."""

    def __init__(self, status: PrinterStatus, message: str, *, partial: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.partial = partial


class PrinterPort(ABC):
    """A receipt printer. Calls block for at most their timeout; call from one thread at a time
    (the print queue's worker). ``detail`` describes the last status or error in words."""

    #: True for ports that draw a receipt (``write_receipt``) instead of taking ESC/POS bytes.
    wants_receipt: bool = False

    def __init__(self, uri: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.uri = uri
        self.timeout = timeout
        self.detail = ""

    @abstractmethod
    def write(self, data: bytes, timeout: float | None = None) -> None:
        """Send ``data``; raise :class:`PrinterError` if the printer takes no data for
        ``timeout`` seconds (default: the port's) or the connection is lost."""

    @abstractmethod
    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises. A port that cannot read answers ONLINE when
        it can be written to and OFFLINE when it cannot be opened."""

    def confirm(self, timeout: float | None = None) -> PrinterStatus:
        """Wait, at most ``timeout`` seconds (default: the port's), until the printer has taken
        everything written so far, where the port can tell; only then is a job printed.
        Raise :class:`PrinterError` (with ``partial``) when it cannot be confirmed."""
        return PrinterStatus.ONLINE

    def write_receipt(self, kind: str, payload: dict[str, Any]) -> None:
        """Print a receipt that is not rendered to bytes (only ports with ``wants_receipt``)."""
        raise PrinterError(PrinterStatus.ERROR, f"{self.uri} takes bytes, not receipts")

    def close(self) -> None:  # noqa: B027 - most ports hold nothing open between calls
        """Release the connection; the next call opens it again."""

    def __enter__(self) -> PrinterPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.uri}>"


def open_printer(uri: str, *, profile: str = "80mm", encoding: str = "gb18030") -> PrinterPort:
    """The port for a printer URI; no I/O happens until it is used.

    ``usb://VID:PID`` · ``serial:///dev/ttyUSB0?baud=9600`` · ``tcp://HOST:9100`` ·
    ``file:///dev/usb/lp0`` · ``cups://NAME`` · ``preview:PATH.png`` · ``null:``.
    Every URI but ``null:`` and ``preview:`` takes ``?timeout=SECONDS``. ``profile`` and
    ``encoding`` are what a preview draws with, so it shows what that printer prints
    (``?profile=`` and ``?encoding=`` in the preview URI override them).
    Raises ValueError, naming what is wrong, for a URI it cannot use.
    """
    uri = uri.strip()
    scheme, sep, rest = uri.partition(":")
    scheme = scheme.lower()
    if not sep or (scheme not in _OPENERS and scheme != "preview"):
        raise ValueError(f"unknown printer {uri!r}: use one of {', '.join(EXAMPLE_URIS)}")
    parts = urlsplit(uri)
    params = dict(parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False))
    if scheme == "preview":  # preview:out.png is opaque, not hierarchical
        path, _, query = rest.removeprefix("//").partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        return _open_preview(uri, unquote(path), params, profile, encoding)
    return _OPENERS[scheme](uri, parts.netloc, unquote(parts.path), params)


EXAMPLE_URIS = ("usb://04b8:0202", "serial:///dev/ttyUSB0?baud=9600", "tcp://192.168.1.50:9100",
                "file:///dev/usb/lp0", "cups://NAME", "preview:receipt.png", "null:")


# -- status bytes -------------------------------------------------------------------------------

def decode_status(printer_byte: int, paper_byte: int | None) -> tuple[PrinterStatus, str]:
    """Read the answers to DLE EOT 1 (printer) and DLE EOT 4 (paper sensor)."""
    if paper_byte is not None and paper_byte & 0x60:
        return PrinterStatus.PAPER_OUT, "out of paper"
    if printer_byte & 0x08:
        return PrinterStatus.ERROR, "printer is offline (cover open, feeding or an error)"
    if paper_byte is not None and paper_byte & 0x0C:
        return PrinterStatus.ONLINE, "paper is running low"
    return PrinterStatus.ONLINE, "ready"


class NullPort(PrinterPort):
    """The printer of a till that has none: takes everything, prints nothing."""

    def __init__(self, uri: str = "null:") -> None:
        super().__init__(uri)
        self.detail = "no printer (null)"

    def write(self, data: bytes, timeout: float | None = None) -> None:
        return None

    def status(self) -> PrinterStatus:
        return PrinterStatus.ONLINE


class FakePrinter(PrinterPort):
    """An in-memory printer for tests: records what it gets and can be made to go offline, run
    out of paper or stall (take no data) until :meth:`recover`."""

    def __init__(self, uri: str = "fake:", *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(uri, timeout)
        self.received = bytearray()
        self.jobs: list[bytes] = []
        self.state = PrinterStatus.ONLINE
        self.closed_count = 0
        self._stalled = False
        self._changed = threading.Condition()

    def write(self, data: bytes, timeout: float | None = None) -> None:
        timeout = self.timeout if timeout is None else timeout
        with self._changed:
            if self._stalled and not self._changed.wait_for(lambda: not self._stalled, timeout):
                raise PrinterError(PrinterStatus.OFFLINE,
                                   f"fake printer took no data for {timeout:g} s")
            if self.state is not PrinterStatus.ONLINE:
                raise PrinterError(self.state, f"fake printer is {self.state.value}")
            self.received += data
            self.jobs.append(bytes(data))
            self._changed.notify_all()

    def status(self) -> PrinterStatus:
        with self._changed:
            if self._stalled:
                self.detail = "fake printer is not answering"
                return PrinterStatus.OFFLINE
            self.detail = f"fake printer is {self.state.value}"
            return self.state

    def close(self) -> None:
        self.closed_count += 1

    def go_offline(self) -> None:
        self._set(PrinterStatus.OFFLINE, stalled=False)

    def run_out_of_paper(self) -> None:
        self._set(PrinterStatus.PAPER_OUT, stalled=False)

    def stall(self) -> None:
        self._set(self.state, stalled=True)

    def recover(self) -> None:
        self._set(PrinterStatus.ONLINE, stalled=False)

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until ``count`` jobs have been written; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.jobs) >= count, timeout)

    def _set(self, state: PrinterStatus, *, stalled: bool) -> None:
        with self._changed:
            self.state, self._stalled = state, stalled
            self._changed.notify_all()


# -- URI parsing: the real ports import this module for the interface, so they are imported late -

def _open_usb(uri: str, netloc: str, path: str, params: dict[str, str]) -> PrinterPort:
    vid, sep, pid = netloc.partition(":")
    opts = _options(uri, params, {"timeout", "in_ep", "out_ep"})
    try:
        if not sep or path.strip("/"):
            raise ValueError(uri)
        ids = [_hex16(x) for x in (vid, pid, opts.get("in_ep", "82"), opts.get("out_ep", "01"))]
    except ValueError:
        raise ValueError(f"bad USB printer {uri!r}: write usb://VID:PID with hex ids, e.g. "
                         "usb://04b8:0202 (and ?in_ep=82&out_ep=01 if not the usual)") from None
    from devices.printer_ports import UsbPort

    return UsbPort(uri, ids[0], ids[1], in_ep=ids[2], out_ep=ids[3], timeout=_timeout(uri, opts))


def _open_serial(uri: str, netloc: str, path: str, params: dict[str, str]) -> PrinterPort:
    device = netloc + path if netloc else path  # serial://COM3 on Windows
    if not device:
        raise ValueError(f"bad serial printer {uri!r}: write serial:///dev/ttyUSB0?baud=9600")
    opts = _options(uri, params, {"timeout", "baud", "bytesize", "parity", "stopbits", "rtscts",
                                  "xonxoff"})
    choices: dict[str, tuple[str, ...]] = {
        "baud": ("1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200"),
        "bytesize": ("7", "8"), "parity": ("N", "E", "O"), "stopbits": ("1", "2"),
        "rtscts": ("0", "1"), "xonxoff": ("0", "1")}
    for name, allowed in choices.items():
        if name in opts and opts[name].upper() not in allowed:
            raise ValueError(f"bad serial printer {uri!r}: {name} must be one of "
                             f"{', '.join(allowed)}")
    from devices.printer_ports import SerialPort

    return SerialPort(uri, device, baud=int(opts.get("baud", 9600)),
                      bytesize=int(opts.get("bytesize", 8)), parity=opts.get("parity", "N").upper(),
                      stopbits=int(opts.get("stopbits", 1)), rtscts=opts.get("rtscts") == "1",
                      xonxoff=opts.get("xonxoff") == "1", timeout=_timeout(uri, opts))


def _open_tcp(uri: str, netloc: str, path: str, params: dict[str, str]) -> PrinterPort:
    parts = urlsplit(uri)
    try:
        host, port = parts.hostname, parts.port or 9100
    except ValueError:
        raise ValueError(f"bad network printer {uri!r}: the port must be a number") from None
    if not host or path.strip("/"):
        raise ValueError(f"bad network printer {uri!r}: write tcp://HOST:9100")
    opts = _options(uri, params, {"timeout", "connect_timeout"})
    connect = _timeout(uri, opts, "connect_timeout", CONNECT_TIMEOUT)
    from devices.printer_ports import TcpPort

    return TcpPort(uri, host, port, timeout=_timeout(uri, opts), connect_timeout=connect)


def _open_file(uri: str, netloc: str, path: str, params: dict[str, str]) -> PrinterPort:
    if netloc not in ("", "localhost") or not path or path.endswith("/"):
        raise ValueError(f"bad printer file {uri!r}: write file:///dev/usb/lp0 (an absolute path)")
    from devices.printer_ports import FilePort

    return FilePort(uri, path, timeout=_timeout(uri, _options(uri, params, {"timeout"})))


def _open_cups(uri: str, netloc: str, path: str, params: dict[str, str]) -> PrinterPort:
    name = unquote(netloc)
    if not name or path.strip("/") or any(c in name for c in " #/\\"):
        raise ValueError(f"bad CUPS printer {uri!r}: write cups://NAME with the queue's name")
    from devices.printer_ports import CupsPort

    return CupsPort(uri, name, timeout=_timeout(uri, _options(uri, params, {"timeout"})))


def _open_null(uri: str, netloc: str, path: str, params: dict[str, str]) -> PrinterPort:
    if netloc or path or params:
        raise ValueError(f"bad null printer {uri!r}: write null:")
    return NullPort(uri)


def _open_preview(uri: str, path: str, params: dict[str, str], profile: str,
                  encoding: str) -> PrinterPort:
    if not path.lower().endswith(".png") or path.lower() == ".png":
        raise ValueError(f"bad preview {uri!r}: write preview:PATH.png")
    opts = _options(uri, params, {"profile", "encoding"})
    from devices.printer_ports import PreviewPort

    return PreviewPort(uri, path, profile=opts.get("profile", profile),
                       encoding=opts.get("encoding", encoding))


_OPENERS: dict[str, Callable[[str, str, str, dict[str, str]], PrinterPort]] = {
    "usb": _open_usb, "serial": _open_serial, "tcp": _open_tcp, "file": _open_file,
    "cups": _open_cups, "null": _open_null,
}


def _options(uri: str, params: dict[str, str], allowed: set[str]) -> dict[str, str]:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(f"printer {uri!r}: unknown option {', '.join(unknown)} "
                         f"(allowed: {', '.join(sorted(allowed)) or 'none'})")
    return params


def _timeout(uri: str, opts: dict[str, str], name: str = "timeout",
             default: float = DEFAULT_TIMEOUT) -> float:
    if name not in opts:
        return default
    try:
        value = float(opts[name])
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:
        raise ValueError(f"printer {uri!r}: {name} must be seconds between 0 and 600")
    return value


def _hex16(text: str) -> int:
    value = int(text, 16)
    if not 0 <= value <= 0xFFFF:
        raise ValueError(text)
    return value
