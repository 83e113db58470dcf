"""The customer pole display: two lines of 20 characters facing the customer (VFD over serial),
showing the item just scanned, the total, the change and the member's balance.

These displays have no CJK characters, so text is folded to printable ASCII and labels are
English. Money shows as ``RMB 12.30`` by default, which every display renders; with
``yen_glyph=True`` the display is switched to its Japanese international character set, where
byte 0x5C is drawn as ``¥`` (the yuan uses the same sign), and amounts show as ``¥12.30``. Only
turn that on for a display that has been seen to draw it: on one that ignores the switch the
customer would read a backslash.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from abc import ABC, abstractmethod

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
from storeapp.money import format_fen

log = logging.getLogger(__name__)

WIDTH = 20  # characters per line

ESC = b"\x1b"
CLR = b"\x0c"  # clear the screen (both command sets); on a CD5220 it also leaves string mode
CR = b"\r"
US = b"\x1f"


class CustomerDisplay(ABC):
    """Two lines of :data:`WIDTH` characters facing the customer.

    :meth:`show` takes any text: it is folded to what the display can draw (see
    :func:`display_text`) and each line padded or cut to exactly 20 characters. The helpers lay
    out what a counter shows. Calls never wait for the device.

    Callbacks: ``on_status(status: LinkStatus, message: str)`` for devices with a link
    (:class:`SerialDisplay`), called on the device's thread.
    """

    def __init__(self, *, yen_glyph: bool = False) -> None:
        self.yen_glyph = yen_glyph

    def show(self, line1: str, line2: str = "") -> None:
        self._put(self._fit(line1), self._fit(line2))

    @abstractmethod
    def clear(self) -> None: ...

    @abstractmethod
    def _put(self, line1: str, line2: str) -> None:
        """Show two lines already fitted to :data:`WIDTH` displayable characters."""

    @property
    def status(self) -> LinkStatus:
        return LinkStatus.CONNECTED

    @abstractmethod
    def start(self) -> None:
        """Begin talking to the device (a no-op for devices without one)."""

    @abstractmethod
    def stop(self, timeout: float = 2.0) -> None:
        """Stop talking to the device, waiting at most ``timeout`` seconds."""

    def __enter__(self) -> CustomerDisplay:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # what the counter shows

    def show_item(self, name: str, amount_fen: int) -> None:
        """The item just added: its name above, its price at the right below."""
        label = " ".join(display_text(name, yen_glyph=self.yen_glyph).split()) or "Item"
        self.show(label, self.money(amount_fen).rjust(WIDTH))

    def show_total(self, total_fen: int) -> None:
        self.show("Total", self.money(total_fen).rjust(WIDTH))

    def show_change(self, change_fen: int, paid_fen: int | None = None) -> None:
        """The change to hand back, with what the customer paid when known."""
        if paid_fen is None:
            self.show("Change", self.money(change_fen).rjust(WIDTH))
        else:
            self.show(_row("Paid", self.money(paid_fen)), _row("Change", self.money(change_fen)))

    def show_balance(self, balance_fen: int, points: int | None = None) -> None:
        """The member's stored-value balance after this sale or top-up (and points, if given)."""
        line2 = "" if points is None else _row("Points", f"{points:,}")
        self.show(_row("Balance", self.money(balance_fen)), line2)

    def welcome(self, store: str = "") -> None:
        """The idle screen. A store name with no Latin letters (``示例店``) leaves line 2 blank."""
        name = " ".join(display_text(store, yen_glyph=self.yen_glyph).split())
        self.show("Welcome".center(WIDTH), name[:WIDTH].center(WIDTH))

    def money(self, amount_fen: int) -> str:
        """``1230 -> "RMB 12.30"`` (or ``"¥12.30"`` with the yen glyph)."""
        sign = "-" if amount_fen < 0 else ""
        prefix = "¥" if self.yen_glyph else "RMB "
        return f"{sign}{prefix}{format_fen(abs(amount_fen), symbol=False)}"

    def _fit(self, text: str) -> str:
        return display_text(text, yen_glyph=self.yen_glyph)[:WIDTH].ljust(WIDTH)


def display_text(text: str, *, yen_glyph: bool = False) -> str:
    """Fold text to what a 2×20 VFD draws: printable ASCII (plus ``¥`` with the yen glyph).

    Full-width forms become ASCII (``ＡＢ１２，`` → ``AB12,``), accents are dropped (``é`` → ``e``),
    control characters become spaces (so text can never smuggle in a display command) and
    anything else, hanzi included, is left out together with the spaces around it, leaving one
    space between the words either side (``可口可乐 Coca-Cola`` → ``Coca-Cola``). Other spaces
    are kept so callers can align columns.
    """
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        if " " <= ch <= "~":
            out.append(ch)
        elif ch == "¥":
            out.append("¥" if yen_glyph else "RMB")
        elif unicodedata.category(ch).startswith(("C", "Z")):
            out.append(" ")
        else:
            base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            out.append(base if base and base.isprintable() else _DROPPED)
    folded = _DROPPED_RUN.sub(_DROPPED, "".join(out))
    return folded.strip(_DROPPED).replace(_DROPPED, " ")


_DROPPED = "\x00"  # stands for a character the display cannot draw, until the end of folding
_DROPPED_RUN = re.compile(r" *\x00[\x00 ]*")


def _row(label: str, value: str) -> str:
    """``label`` at the left, ``value`` at the right of one line; the label gives way."""
    if len(value) >= WIDTH:
        return value[:WIDTH]
    room = WIDTH - len(value) - 1
    return label[:room].ljust(WIDTH - len(value)) + value


# --- command sets ------------------------------------------------------------------------------


class CommandSet(ABC):
    """The bytes one family of displays understands."""

    name: str

    def __init__(self, *, yen_glyph: bool = False) -> None:
        self.yen_glyph = yen_glyph

    @abstractmethod
    def init(self) -> bytes:
        """Sent after every (re)connect, before anything is shown."""

    def clear(self) -> bytes:
        return CLR

    @abstractmethod
    def lines(self, line1: str, line2: str) -> bytes:
        """Both lines, each exactly :data:`WIDTH` displayable characters."""

    def encode(self, line: str) -> bytes:
        if len(line) != WIDTH:
            raise ValueError(f"a display line has {WIDTH} characters, not {len(line)}: {line!r}")
        if self.yen_glyph:  # in the Japanese set 0x5C *is* the yen sign, so no backslash
            line = line.replace("\\", "/").replace("¥", "\\")
        return line.encode("ascii", errors="replace")


class CD5220(CommandSet):
    """The CD5220 command set (Partner Tech CD5220 and the many displays that copy it).

    ``CLR`` (0C) clears the screen and leaves string mode; ``ESC @`` (1B 40) initialises;
    ``ESC Q A`` text ``CR`` (1B 51 41 … 0D) writes the upper line and ``ESC Q B`` text ``CR``
    (1B 51 42 … 0D) the lower one, 20 characters each ("string display mode"; while in it the
    display accepts only these, ``CLR`` and ``CAN``, hence ``CLR`` before ``ESC @``).
    ``ESC f n`` (1B 66 n) selects the international font set, ``n = "J"`` for Japan (¥ at 0x5C).
    """

    name = "cd5220"

    def init(self) -> bytes:
        return CLR + ESC + b"@" + (ESC + b"fJ" if self.yen_glyph else b"")

    def lines(self, line1: str, line2: str) -> bytes:
        return ESC + b"QA" + self.encode(line1) + CR + ESC + b"QB" + self.encode(line2) + CR


class EscPosDisplay(CommandSet):
    """The ESC/POS customer-display command set (Epson DM-D and compatibles).

    ``ESC = 2`` (1B 3D 02) selects the display (needed when it is daisy-chained with a
    printer, harmless otherwise), ``ESC @`` (1B 40) initialises, ``US MD1`` (1F 01) selects
    overwrite mode, ``US C 0`` (1F 43 00) hides the cursor, ``ESC R 8`` (1B 52 08) selects the
    Japanese international set (¥ at 0x5C); ``CLR`` (0C) clears; ``US $ x y`` (1F 24 x y) moves
    the cursor to column x (1-20) of line y (1-2), where each line is then written in full.
    """

    name = "escpos"

    def init(self) -> bytes:
        yen = ESC + b"R\x08" if self.yen_glyph else b""
        # the first two are python-escpos's LINE_DISPLAY_OPEN and LINE_DISPLAY_CLEAR
        return ESC + b"=\x02" + ESC + b"@" + US + b"\x01" + US + b"C\x00" + yen

    def lines(self, line1: str, line2: str) -> bytes:
        return US + b"$\x01\x01" + self.encode(line1) + US + b"$\x01\x02" + self.encode(line2)


COMMAND_SETS: dict[str, type[CommandSet]] = {"cd5220": CD5220, "escpos": EscPosDisplay}


# --- devices ----------------------------------------------------------------------------------


class SerialDisplay(CustomerDisplay):
    """A pole display on a serial port, written by its own thread.

    :meth:`show` and :meth:`clear` only leave the newest screen for the thread and return: a
    slow or unplugged display never holds up the counter, and screens it could not keep up with
    are skipped (the customer only needs the latest). Every write has ``write_timeout``; after a
    failure the port is reopened every ``reconnect_interval`` seconds and the latest screen shown
    again. A display that is unplugged while nothing is being shown is noticed at the next write.

    Callbacks: ``on_status(status: LinkStatus, message: str)`` on changes (``connected``,
    ``disconnected``, ``error``, ``off`` once stopped), called on the display's thread.
    """

    def __init__(
        self,
        url: str,
        *,
        protocol: str = "cd5220",
        on_status: StatusCallback | None = None,
        baudrate: int = 9600,
        yen_glyph: bool = False,
        write_timeout: float = 0.5,
        reconnect_interval: float = 2.0,
    ) -> None:
        super().__init__(yen_glyph=yen_glyph)
        if protocol not in COMMAND_SETS:
            raise ValueError(f"unknown display protocol {protocol!r}: one of {list(COMMAND_SETS)}")
        parse_port_url(url)  # a bad URL is the caller's mistake: say so now, not on the thread
        self.url = url
        self.commands = COMMAND_SETS[protocol](yen_glyph=yen_glyph)
        self._status_link = StatusReporter(on_status)
        self._baudrate = baudrate
        self._write_timeout = write_timeout
        self._reconnect_interval = reconnect_interval
        self._wake = threading.Condition()
        self._screen: bytes | None = None  # the newest screen asked for
        self._dirty = False  # ... and not yet written to this connection
        self._stopping = False
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> LinkStatus:
        return self._status_link.status

    def clear(self) -> None:
        self._want(self.commands.clear())

    def _put(self, line1: str, line2: str) -> None:
        self._want(self.commands.lines(line1, line2))

    def start(self) -> None:
        if self._thread is not None:
            return
        with self._wake:
            self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"display {self.url}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the thread and close the port; the display keeps showing its last screen."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _want(self, screen: bytes) -> None:
        with self._wake:
            self._screen = screen
            self._dirty = True
            self._wake.notify()

    def _run(self) -> None:
        port: serial.Serial | None = None
        try:
            while True:
                with self._wake:
                    if port is not None:
                        self._wake.wait_for(lambda: self._dirty or self._stopping)
                    if self._stopping:
                        return
                    screen, self._dirty = self._screen, False
                if port is None:
                    port = self._connect()
                    if port is None:
                        self._pause(self._reconnect_interval)
                        continue
                try:
                    if screen is not None:
                        port.write(screen)
                except (serial.SerialException, OSError) as exc:
                    close_port(port)
                    port = None
                    with self._wake:
                        self._dirty = True
                    self._status_link.report(*_write_failure(self.url, exc))
        finally:
            if port is not None:
                close_port(port)
            self._status_link.report(LinkStatus.OFF, "stopped")

    def _connect(self) -> serial.Serial | None:
        """Open the port and initialise the display; the screen is (re)written by the caller."""
        try:
            port = open_port(self.url, baudrate=self._baudrate, write_timeout=self._write_timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            self._status_link.report(open_error_status(exc), f"{self.url}: {exc}")
            with self._wake:
                self._dirty = True
            return None
        try:
            port.write(self.commands.init())
        except (serial.SerialException, OSError) as exc:
            close_port(port)
            self._status_link.report(*_write_failure(self.url, exc))
            with self._wake:
                self._dirty = True
            return None
        self._status_link.report(LinkStatus.CONNECTED, self.url)
        return port

    def _pause(self, seconds: float) -> None:
        with self._wake:
            self._wake.wait_for(lambda: self._stopping, timeout=seconds)


class FakeDisplay(CustomerDisplay):
    """Remembers what the customer would see, for tests and for a till without a display that
    wants one on screen.

    ``lines`` is the current screen (two strings of exactly 20 characters), ``history`` every
    screen shown in order, a cleared screen included as two blank lines.
    """

    BLANK = (" " * WIDTH, " " * WIDTH)

    def __init__(self, *, yen_glyph: bool = False) -> None:
        super().__init__(yen_glyph=yen_glyph)
        self.lines: tuple[str, str] = self.BLANK
        self.history: list[tuple[str, str]] = []

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 2.0) -> None:
        pass

    def clear(self) -> None:
        self._put(*self.BLANK)

    def _put(self, line1: str, line2: str) -> None:
        self.lines = (line1, line2)
        self.history.append(self.lines)


class NullDisplay(CustomerDisplay):
    """The till has no customer display."""

    @property
    def status(self) -> LinkStatus:
        return LinkStatus.OFF

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 2.0) -> None:
        pass

    def clear(self) -> None:
        pass

    def _put(self, line1: str, line2: str) -> None:
        pass


def open_display(
    url: str,
    *,
    protocol: str = "cd5220",
    on_status: StatusCallback | None = None,
    baudrate: int = 9600,
    yen_glyph: bool = False,
) -> CustomerDisplay:
    """The display a till setting names: ``""``/``none`` → :class:`NullDisplay`, ``fake:`` →
    :class:`FakeDisplay`, anything else a :class:`SerialDisplay` (not started yet)."""
    kind = url.strip().lower()
    if kind in ("", "none", "null:"):
        return NullDisplay()
    if kind == "fake:":
        return FakeDisplay(yen_glyph=yen_glyph)
    return SerialDisplay(
        url, protocol=protocol, on_status=on_status, baudrate=baudrate, yen_glyph=yen_glyph
    )


def _write_failure(url: str, exc: Exception) -> tuple[LinkStatus, str]:
    """A write timeout is a display that is there but not taking data (flow control, jammed);
    anything else means it went away."""
    if isinstance(exc, serial.SerialTimeoutException):
        return LinkStatus.ERROR, f"{url}: not taking data (write timeout)"
    return LinkStatus.DISCONNECTED, f"{url}: write failed ({exc})"
