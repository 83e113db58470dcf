"""Serial-port plumbing shared by the serial scanner and the customer display: the device URLs a
till setting names, opening and closing a port, and the link status a device reports."""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from enum import StrEnum
from urllib.parse import parse_qsl, urlsplit

import serial  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

StatusCallback = Callable[["LinkStatus", str], None]


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
