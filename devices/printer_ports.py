"""The real printer ports behind :func:`devices.printers.open_printer`: TCP, serial and USB
(which answer DLE EOT status queries), device files, CUPS, and the PNG preview.

Every call has a timeout; a port connects on first use and again after a failure.
"""

from __future__ import annotations

import array
import contextlib
import os
import select
import socket
import struct
import threading
import time
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from devices.printers import (
    CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    PrinterError,
    PrinterPort,
    PrinterStatus,
    decode_status,
)

STATUS_TIMEOUT = 1.0  # seconds to wait for the answer to a status query, at most
# The send buffer bounds how much a reset throws away, not when a stopped printer is noticed:
# Linux doubles SO_SNDBUF (this gives 64 KB) and the printer's own receive window comes on top,
# so a ~2.5 KB receipt to a printer that stopped reading never blocks a send. What tells that the
# printer took a receipt is its status answer, or the send queue draining (``confirm``).
TCP_SEND_BUFFER = 32 * 1024

DLE_EOT_PRINTER = b"\x10\x04\x01"  # real-time status: printer (bit 3 = offline)
DLE_EOT_PAPER = b"\x10\x04\x04"  # real-time status: roll paper sensor (bits 5,6 = paper end)
#: What ``_peer_gone`` says when the printer closed its end in order (a FIN, not a reset).
CLOSED = "closed"


# -- ports that talk both ways: TCP, serial, USB ------------------------------------------------

class _StreamPort(PrinterPort):
    """A port that can send and receive: status comes from the printer's own DLE EOT answers.

    A printer is asked at every status until it has answered once; one that never has is
    reported ONLINE while it takes data, one that answered and then stopped is OFFLINE. A job to
    a printer that answers is confirmed by its answer to a query sent after the job; to one that
    does not, by the kernel's send queue (socket or tty) draining to zero with the connection
    still up: the printer's side has acknowledged every byte.
    """

    def __init__(self, uri: str, timeout: float, status_timeout: float | None = None) -> None:
        super().__init__(uri, timeout)
        if status_timeout is None:  # a printer that must take data within ``timeout`` answers too
            status_timeout = min(STATUS_TIMEOUT, timeout)
        self.status_timeout = status_timeout
        self.answers_status: bool | None = None

    @abstractmethod
    def _open(self) -> None:
        """Connect if not connected; raise PrinterError(OFFLINE) when the printer is not there."""

    @abstractmethod
    def _send(self, data: bytes, timeout: float) -> None:
        """Send everything or raise PrinterError; each chunk may wait up to ``timeout``."""

    @abstractmethod
    def _recv_byte(self, timeout: float) -> int | None:
        """One byte from the printer, or None if none came within ``timeout``."""

    @abstractmethod
    def _drain(self) -> None:
        """Throw away input nobody asked for (late answers, bytes echoed by a line)."""

    @abstractmethod
    def _unsent(self) -> int | None:
        """Bytes written but not yet taken by the printer's side (None: this port cannot tell)."""

    @abstractmethod
    def _peer_gone(self) -> str | None:
        """Why the printer's side dropped the connection (:data:`CLOSED` after an orderly close,
        words for a reset), or None while it is up."""

    @abstractmethod
    def _drop(self, abort: bool = True) -> None:
        """Close the connection; ``abort`` abandons data not yet delivered."""

    def _line_seconds(self, count: int) -> float:
        """How long the line itself takes to carry ``count`` bytes (0 unless it is slow)."""
        return 0.0

    def write(self, data: bytes, timeout: float | None = None) -> None:
        self._open()
        self._send(data, self.timeout if timeout is None else timeout)

    def status(self) -> PrinterStatus:
        try:
            self._open()
            printer = self._ask(DLE_EOT_PRINTER, self.status_timeout)
            paper = None if printer is None else self._ask(DLE_EOT_PAPER, self.status_timeout)
        except PrinterError as e:
            self.detail = e.message
            return e.status
        if printer is None:
            if self.answers_status:
                self._drop()
                self.detail = f"printer {self.uri} stopped answering"
                return PrinterStatus.OFFLINE
            self.answers_status = False
            self.detail = "connected (this printer does not report its status)"
            return PrinterStatus.ONLINE
        self.answers_status = True
        status, self.detail = decode_status(printer, paper)
        return status

    def confirm(self, timeout: float | None = None) -> PrinterStatus:
        timeout = self.timeout if timeout is None else timeout
        try:
            if self.answers_status:
                return self._confirm_by_answer(timeout)
            return self._confirm_by_drain(timeout)
        except PrinterError as e:
            e.partial = True  # the job was handed over whole: any of it may be on paper
            raise

    def _confirm_by_answer(self, timeout: float) -> PrinterStatus:
        # The answer to a status query comes after every byte sent before it, so an answer means
        # the printer has the whole receipt (not just our kernel's send buffer).
        answer = self._ask(DLE_EOT_PRINTER, timeout)
        if answer is None:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"printer {self.uri} did not confirm it took the receipt")
        status, self.detail = decode_status(answer, None)
        return status

    def _confirm_by_drain(self, timeout: float) -> PrinterStatus:
        deadline = time.monotonic() + timeout + self._line_seconds(self._unsent() or 0)
        pause = 0.002
        while True:
            unsent, gone = self._unsent(), self._peer_gone()
            if gone is not None and (unsent != 0 or gone != CLOSED):
                # A reset: the printer's side threw away what it had not read. Even with nothing
                # unsent, acknowledged bytes may have died in its buffer.
                self._drop()
                raise PrinterError(PrinterStatus.OFFLINE,
                                   f"printer {self.uri} {gone} before it took the receipt")
            if unsent is None:
                self.detail = "sent (this printer cannot confirm it printed)"
                return PrinterStatus.ONLINE
            if unsent == 0:
                if gone is not None:  # it read everything, then hung up: a peer closing with
                    self._drop(abort=False)  # unread bytes resets instead (Linux, lwIP)
                self.detail = "the printer took the receipt (it does not report its status)"
                return PrinterStatus.ONLINE
            left = deadline - time.monotonic()
            if left <= 0:
                self._drop()
                raise PrinterError(PrinterStatus.OFFLINE,
                                   f"printer {self.uri} did not take the receipt: {unsent} bytes "
                                   f"still unsent after {timeout:g} s")
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)

    def close(self) -> None:
        self._drop(abort=False)

    def _ask(self, query: bytes, timeout: float) -> int | None:
        self._drain()
        self._send(query, timeout)
        answer = self._recv_byte(timeout)
        return answer if answer is not None and _is_status_byte(answer) else None


class TcpPort(_StreamPort):
    """A network printer (raw port 9100). On a failed write the connection is reset rather than
    closed, so the printer drops the half receipt instead of finishing it after we gave up."""

    def __init__(self, uri: str, host: str, port: int, *, timeout: float = DEFAULT_TIMEOUT,
                 connect_timeout: float = CONNECT_TIMEOUT,
                 status_timeout: float | None = None) -> None:
        super().__init__(uri, timeout, status_timeout)
        self.host, self.port, self.connect_timeout = host, port, connect_timeout
        self._sock: socket.socket | None = None

    def _open(self) -> None:
        if self._sock is not None:
            return
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as e:
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"cannot reach printer {self.host}:{self.port}: {_why(e)}") from e
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, TCP_SEND_BUFFER)
        self._sock = sock

    def _send(self, data: bytes, timeout: float) -> None:
        sock = self._connected()
        view, sent = memoryview(data), 0
        sock.settimeout(timeout)  # per send() call: a slow printer is fine, a silent one is not
        try:
            while sent < len(data):
                sent += sock.send(view[sent:sent + 65536])
        except TimeoutError as e:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"printer {self.host}:{self.port} took no data for {timeout:g} s "
                               f"({sent} of {len(data)} bytes sent)", partial=sent > 0) from e
        except OSError as e:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE, f"connection to printer {self.host}:"
                               f"{self.port} lost: {_why(e)}", partial=sent > 0) from e

    def _recv_byte(self, timeout: float) -> int | None:
        sock = self._connected()
        sock.settimeout(timeout)
        try:
            data = sock.recv(1)
        except TimeoutError:
            return None
        except OSError as e:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE, f"connection to printer {self.host}:"
                               f"{self.port} lost: {_why(e)}") from e
        if not data:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"printer {self.host}:{self.port} closed the connection")
        return data[0]

    def _drain(self) -> None:
        sock = self._connected()
        sock.settimeout(0)
        try:
            while sock.recv(4096):
                pass
        except BlockingIOError:
            return
        except OSError as e:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE, f"connection to printer {self.host}:"
                               f"{self.port} lost: {_why(e)}") from e
        self._drop()  # recv returned b"": the printer closed its end
        raise PrinterError(PrinterStatus.OFFLINE,
                           f"printer {self.host}:{self.port} closed the connection")

    def _unsent(self) -> int | None:
        # SIOCOUTQ (Linux, equal to TIOCOUTQ): bytes the printer's TCP has not acknowledged.
        return _queued(self._connected().fileno(), "TIOCOUTQ")

    def _peer_gone(self) -> str | None:
        sock = self._connected()
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            return f"reset the connection ({os.strerror(error)})"
        tcp_info = getattr(socket, "TCP_INFO", None)
        if tcp_info is not None:  # Linux: the state is the first byte of struct tcp_info
            state = sock.getsockopt(socket.IPPROTO_TCP, tcp_info, 1)[0]
            return {_TCP_CLOSE: "reset the connection", _TCP_CLOSE_WAIT: CLOSED}.get(state)
        sock.settimeout(0)
        try:
            return None if sock.recv(1, socket.MSG_PEEK) else CLOSED
        except BlockingIOError:
            return None
        except OSError as e:
            return f"reset the connection ({_why(e)})"

    def _drop(self, abort: bool = True) -> None:
        if self._sock is None:
            return
        sock, self._sock = self._sock, None
        if abort:  # reset: the printer's side throws away what it has not read yet
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    def _connected(self) -> socket.socket:
        if self._sock is None:
            raise PrinterError(PrinterStatus.OFFLINE, f"printer {self.uri} is not connected")
        return self._sock


class SerialPort(_StreamPort):
    """A serial printer through pyserial. Writes go in chunks of about a second of line time,
    each allowed ``timeout`` seconds more, so a slow line is fine and a blocked one is not."""

    def __init__(self, uri: str, device: str, *, baud: int = 9600, bytesize: int = 8,
                 parity: str = "N", stopbits: int = 1, rtscts: bool = False,
                 xonxoff: bool = False, timeout: float = DEFAULT_TIMEOUT,
                 status_timeout: float | None = None) -> None:
        super().__init__(uri, timeout, status_timeout)
        self.device = device
        self.settings: dict[str, Any] = {"baudrate": baud, "bytesize": bytesize, "parity": parity,
                                         "stopbits": stopbits, "rtscts": rtscts,
                                         "xonxoff": xonxoff}
        self._serial: Any = None

    def _open(self) -> None:
        if self._serial is not None:
            return
        import serial  # type: ignore[import-untyped]

        try:
            self._serial = serial.Serial(self.device, timeout=self.status_timeout,
                                         write_timeout=self.timeout, **self.settings)
        except (serial.SerialException, OSError) as e:
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"cannot open serial printer {self.device}: {_why(e)}") from e

    def _send(self, data: bytes, timeout: float) -> None:
        import serial

        port, baud = self._serial, int(self.settings["baudrate"])
        chunk = max(64, baud // 100)  # ~0.1 s of line time at 10 bits a byte
        sent = 0
        try:
            while sent < len(data):
                piece = data[sent:sent + chunk]
                _set(port, "write_timeout", timeout + len(piece) * 10 / baud)
                port.write(piece)
                sent += len(piece)
        except serial.SerialTimeoutException as e:  # part of the piece may have gone out
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"serial printer {self.device} took no data for {timeout:g} s "
                               f"(about {sent} of {len(data)} bytes sent)", partial=True) from e
        except (serial.SerialException, OSError) as e:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"serial printer {self.device} lost: {_why(e)}",
                               partial=True) from e

    def _recv_byte(self, timeout: float) -> int | None:
        import serial

        try:
            _set(self._serial, "timeout", timeout)
            data = self._serial.read(1)
        except (serial.SerialException, OSError) as e:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"serial printer {self.device} lost: {_why(e)}") from e
        return data[0] if data else None

    def _drain(self) -> None:
        import serial

        try:
            self._serial.reset_input_buffer()
        except (serial.SerialException, OSError) as e:
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"serial printer {self.device} lost: {_why(e)}") from e

    def _unsent(self) -> int | None:
        # TIOCOUTQ: bytes in the driver's output buffer (UART FIFO or USB-serial adapter), which
        # drains only as the line carries them (and stops while a printer holds CTS low). A
        # pseudo-terminal always reads 0 here: Linux ptys keep no count.
        return _queued(self._serial.fileno(), "TIOCOUTQ")

    def _peer_gone(self) -> str | None:
        return None  # a serial line has no connection to lose; a dead one stops draining

    def _line_seconds(self, count: int) -> float:
        return count * 10 / int(self.settings["baudrate"])  # start + 8 data + stop bits

    def _drop(self, abort: bool = True) -> None:
        if self._serial is not None:
            port, self._serial = self._serial, None
            with contextlib.suppress(OSError):
                if abort:
                    port.reset_output_buffer()  # unsent bytes would finish the half receipt
                port.close()


class UsbPort(_StreamPort):
    """A USB printer through python-escpos's ``Usb`` (needs pyusb and libusb)."""

    def __init__(self, uri: str, vendor: int, product: int, *, in_ep: int = 0x82,
                 out_ep: int = 0x01, timeout: float = DEFAULT_TIMEOUT,
                 status_timeout: float | None = None) -> None:
        super().__init__(uri, timeout, status_timeout)
        self.vendor, self.product, self.in_ep, self.out_ep = vendor, product, in_ep, out_ep
        self._printer: Any = None

    def _open(self) -> None:
        if self._printer is not None:
            return
        from escpos.printer import usb as escpos_usb  # type: ignore[import-untyped]

        name = f"{self.vendor:04x}:{self.product:04x}"
        if not escpos_usb.is_usable():
            raise PrinterError(PrinterStatus.ERROR,
                               "USB printers need pyusb and libusb: pip install pyusb")
        printer = escpos_usb.Usb(self.vendor, self.product, timeout=int(self.timeout * 1000),
                                 in_ep=self.in_ep, out_ep=self.out_ep)
        try:
            printer.open()
        except Exception as e:  # DeviceNotFoundError, usb.core.USBError: no stubs to name them
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"USB printer {name} not found (unplugged?): {e}") from e
        self._printer = printer

    def _send(self, data: bytes, timeout: float) -> None:
        device = self._printer.device
        try:
            for start in range(0, len(data), 4096):
                device.write(self.out_ep, data[start:start + 4096], int(timeout * 1000))
        except Exception as e:  # usb.core.USBTimeoutError / USBError
            self._drop()
            raise PrinterError(PrinterStatus.OFFLINE, f"USB printer stopped: {e}",
                               partial=True) from e

    def _recv_byte(self, timeout: float) -> int | None:
        try:
            data = self._printer.device.read(self.in_ep, 16, int(timeout * 1000))
        except Exception:  # a timeout, or a printer without a readable endpoint
            return None
        return int(data[-1]) if len(data) else None

    def _drain(self) -> None:
        for _ in range(8):
            if self._recv_byte(0.01) is None:
                return

    def _unsent(self) -> int | None:
        return 0  # a bulk write returns only once the printer has acknowledged every packet

    def _peer_gone(self) -> str | None:
        return None  # an unplugged printer fails the write itself

    def _drop(self, abort: bool = True) -> None:
        if self._printer is not None:
            printer, self._printer = self._printer, None
            with contextlib.suppress(Exception):  # the device may already be gone
                printer.close()


# -- write-only ports ---------------------------------------------------------------------------

class FilePort(PrinterPort):
    """A device node (``/dev/usb/lp0``) or a plain file, opened per job and written without
    blocking. Files are only created outside ``/dev``, so an unplugged printer is reported
    OFFLINE instead of silently becoming a file."""

    def __init__(self, uri: str, path: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(uri, timeout)
        self.path = path

    def write(self, data: bytes, timeout: float | None = None) -> None:
        timeout = self.timeout if timeout is None else timeout
        flags = os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        if not self.path.startswith("/dev/"):
            flags |= os.O_CREAT
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as e:
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"cannot open printer {self.path}: {_why(e)}") from e
        sent = 0
        try:
            while sent < len(data):
                _, ready, _ = select.select([], [fd], [], timeout)
                if not ready:
                    raise PrinterError(PrinterStatus.OFFLINE,
                                       f"printer {self.path} took no data for {timeout:g} s "
                                       f"({sent} of {len(data)} bytes sent)")
                try:
                    sent += os.write(fd, data[sent:sent + 65536])
                except BlockingIOError:
                    continue
        except OSError as e:
            raise PrinterError(PrinterStatus.OFFLINE,
                               f"printer {self.path} failed: {_why(e)}") from e
        finally:
            os.close(fd)

    def status(self) -> PrinterStatus:
        exists = os.path.exists(self.path)
        if not exists and self.path.startswith("/dev/"):
            self.detail = f"{self.path} does not exist (printer unplugged?)"
            return PrinterStatus.OFFLINE
        if not os.access(self.path if exists else os.path.dirname(self.path), os.W_OK):
            self.detail = f"{self.path} is not writable"
            return PrinterStatus.OFFLINE
        self.detail = "writable (a file cannot report paper or errors)"
        return PrinterStatus.ONLINE


class CupsPort(PrinterPort):
    """A raw queue on the local CUPS server, through python-escpos's ``CupsPrinter`` (needs
    pycups). Spooling runs on a helper thread so a hung CUPS server cannot hold the caller."""

    def __init__(self, uri: str, name: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(uri, timeout)
        self.name = name

    def write(self, data: bytes, timeout: float | None = None) -> None:
        cups_printer = self._printer_class()

        def spool() -> None:
            printer = cups_printer(printer_name=self.name)
            try:
                printer.open(job_name="storeapp receipt")
                printer._raw(data)
                printer.send()
            finally:
                printer.close()

        try:
            _with_timeout(spool, self.timeout if timeout is None else timeout, "CUPS")
        except PrinterError:
            raise
        except Exception as e:  # DeviceNotFoundError, cups.IPPError
            raise PrinterError(PrinterStatus.OFFLINE, f"CUPS printer {self.name}: {e}") from e

    def status(self) -> PrinterStatus:
        try:
            self._printer_class()
            import cups  # type: ignore[import-not-found]

            printers: dict[str, Any] = _with_timeout(
                lambda: cups.Connection().getPrinters(), self.timeout, "CUPS")
        except PrinterError as e:
            self.detail = e.message
            return e.status
        except Exception as e:  # cups.IPPError, RuntimeError: no server
            self.detail = f"CUPS: {e}"
            return PrinterStatus.OFFLINE
        info = printers.get(self.name)
        if info is None:
            self.detail = f"CUPS has no printer named {self.name}"
            return PrinterStatus.OFFLINE
        self.detail = str(info.get("printer-state-message") or "ready")
        return PrinterStatus.ERROR if info.get("printer-state") == 5 else PrinterStatus.ONLINE

    @staticmethod
    def _printer_class() -> Any:
        from escpos.printer import cups as escpos_cups

        if not escpos_cups.is_usable():
            raise PrinterError(PrinterStatus.ERROR, "cups:// printers need pycups: "
                               "pip install pycups (it builds against libcups2-dev)")
        return escpos_cups.CupsPrinter


class PreviewPort(PrinterPort):
    """Draws each receipt into a PNG (the last one wins) instead of printing it."""

    wants_receipt = True

    def __init__(self, uri: str, path: str, *, profile: str = "80mm",
                 encoding: str = "gb18030") -> None:
        super().__init__(uri)
        self.path, self.profile, self.encoding = Path(path), profile, encoding

    def write(self, data: bytes, timeout: float | None = None) -> None:
        raise PrinterError(PrinterStatus.ERROR, "a preview draws receipts; it cannot take bytes")

    def write_receipt(self, kind: str, payload: dict[str, Any]) -> None:
        from devices import preview, profiles, receipts

        receipt = receipts.build(kind, payload)  # a bad payload raises: that is not the printer
        try:
            preview.save_png(receipt, profiles.get_profile(self.profile), self.path,
                             self.encoding)
        except OSError as e:
            raise PrinterError(PrinterStatus.ERROR, f"cannot save {self.path}: {_why(e)}") from e

    def status(self) -> PrinterStatus:
        folder = self.path.parent
        if folder.is_dir() and os.access(folder, os.W_OK):
            self.detail = f"previews go to {self.path}"
            return PrinterStatus.ONLINE
        self.detail = f"cannot write to {folder}"
        return PrinterStatus.ERROR


_TCP_CLOSE, _TCP_CLOSE_WAIT = 7, 8  # tcp_states.h: after a reset, after the peer's FIN


def _queued(fd: int, request: str) -> int | None:
    """The count a queue-size ioctl (``TIOCOUTQ``...) reports for ``fd``; None where the system
    has no such request or the descriptor does not support it."""
    try:
        import fcntl
        import termios
    except ImportError:  # Windows
        return None
    code = getattr(termios, request, None)
    if code is None:
        return None
    buf = array.array("i", [0])
    try:
        fcntl.ioctl(fd, code, buf, True)
    except OSError:
        return None
    return int(buf[0])


def _is_status_byte(value: int) -> bool:
    # Both answers have bit 0 and bit 7 clear and bits 1 and 4 set.
    return value & 0x93 == 0x12


def _set(port: Any, name: str, value: float) -> None:
    # pyserial reconfigures the line on every timeout assignment: only assign on a change.
    if getattr(port, name) != value:
        setattr(port, name, value)


def _why(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


T = TypeVar("T")


def _with_timeout(call: Callable[[], T], timeout: float, what: str) -> T:
    """Run a blocking library call that has no timeout of its own on a helper thread."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as e:  # handed to the caller below
            failure.append(e)

    helper = threading.Thread(target=run, name=f"printer-{what}", daemon=True)
    helper.start()
    helper.join(timeout)
    if helper.is_alive():
        raise PrinterError(PrinterStatus.OFFLINE, f"{what} did not answer within {timeout:g} s")
    if failure:
        raise failure[0]
    return result[0]
