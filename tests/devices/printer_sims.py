"""Printers on real byte channels for the tests: a raw-port network printer on 127.0.0.1 and a
serial printer on a pseudo-terminal. Both record every byte, answer DLE EOT status queries the
way an ESC/POS printer does (unless made mute: ``answers_status = False``), and can be told to
stop reading (their buffers then fill up and the sender blocks), run out of paper, or hang up.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty
from typing import Self

ONLINE_BYTE = 0x12  # DLE EOT answers: fixed bits 1 and 4 set
OFFLINE_BIT = 0x08
PAPER_END_BITS = 0x60


class _Printer:
    """What both simulated printers share: the record, the status answers, the controls."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.paper_out = False
        self.answers_status = True  # False: a printer that ignores DLE EOT (it still prints)
        self.status_queries = 0
        self._reading = threading.Event()
        self._reading.set()
        self._stopping = threading.Event()
        self._changed = threading.Condition()
        self._tail = b""
        self._thread = threading.Thread(target=self._serve, name=type(self).__name__,
                                        daemon=True)

    def pause(self) -> None:
        """Stop reading: the channel's buffers fill up and the sender blocks."""
        self._reading.clear()

    def resume(self) -> None:
        self._reading.set()

    def count(self, needle: bytes) -> int:
        with self._changed:
            return bytes(self.received).count(needle)

    def wait_for(self, needle: bytes, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until ``needle`` has arrived ``count`` times."""
        with self._changed:
            return self._changed.wait_for(
                lambda: bytes(self.received).count(needle) >= count, timeout)

    def _take(self, data: bytes) -> bytes:
        """Record ``data``; return the answers to the status queries it holds."""
        answers = bytearray()
        window = self._tail + data
        start = 0
        while (at := window.find(b"\x10\x04", start)) != -1 and at + 2 < len(window):
            if at + 2 >= len(self._tail):  # not answered with the previous chunk already
                answers += self._answer(window[at + 2])
            start = at + 2
        self._tail = window[-2:]
        with self._changed:
            self.received += data
            self._changed.notify_all()
        return bytes(answers)

    def _answer(self, n: int) -> bytes:
        if n not in (1, 2, 3, 4) or not self.answers_status:
            return b""
        self.status_queries += 1
        if n == 1:
            return bytes([ONLINE_BYTE | (OFFLINE_BIT if self.paper_out else 0)])
        if n == 4:
            return bytes([ONLINE_BYTE | (PAPER_END_BITS if self.paper_out else 0)])
        return bytes([ONLINE_BYTE])

    def _serve(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stopping.set()
        self._reading.set()
        self._thread.join(5)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NetworkPrinter(_Printer):
    """A printer on a raw TCP port. It serves one connection at a time, as printers do. Linux
    doubles ``rcvbuf`` (4096 gives 8 KB, more than a receipt: a paused printer's kernel still
    acknowledges a whole one); ``rcvbuf=1`` gives the smallest, 2304 bytes, of which about 1.1 KB
    are offered to the sender. ``cut_after``: the first connection is closed after that many
    bytes (a printer that dies mid-receipt), unread bytes and all.
    """

    def __init__(self, *, rcvbuf: int = 4096, cut_after: int | None = None) -> None:
        super().__init__()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self._server.settimeout(0.02)
        self.port: int = self._server.getsockname()[1]
        self.connections = 0
        self.cut_after = cut_after
        self._hang_up = threading.Event()

    def uri(self, timeout: float = 0.5) -> str:
        return f"tcp://127.0.0.1:{self.port}?timeout={timeout}&connect_timeout={timeout}"

    def hang_up(self) -> None:
        """Close the current connection (the printer was switched off and on)."""
        self._hang_up.set()

    def _serve(self) -> None:
        conn: socket.socket | None = None
        taken = 0
        try:
            while not self._stopping.is_set():
                if not self._reading.wait(0.02):
                    continue
                if self._hang_up.is_set() and conn is not None:
                    conn.close()
                    conn = None
                self._hang_up.clear()
                if conn is None:
                    try:
                        conn, _ = self._server.accept()
                    except TimeoutError:
                        continue
                    conn.settimeout(0.02)
                    self.connections += 1
                    self._tail = b""
                    taken = 0
                cut = self.cut_after if self.connections == 1 else None
                try:
                    data = conn.recv(65536 if cut is None else cut - taken)
                except TimeoutError:
                    continue
                except OSError:  # reset by the till after a failed write
                    data = b""
                if not data:
                    conn.close()
                    conn = None
                    continue
                answers = self._take(data)
                taken += len(data)
                if cut is not None and taken >= cut:
                    self._hang_up.set()
                if answers:
                    with contextlib.suppress(OSError):
                        conn.sendall(answers)
        finally:
            if conn is not None:
                conn.close()

    def close(self) -> None:
        super().close()
        self._server.close()


class SerialPrinter(_Printer):
    """A printer at the far end of a pseudo-terminal: the port opens ``device`` (``/dev/pts/N``)
    as it would ``/dev/ttyUSB0``."""

    def __init__(self) -> None:
        super().__init__()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no newline translation, before the port opens it
        self.device = os.ttyname(self._slave)

    def uri(self, timeout: float = 0.5) -> str:
        return f"serial://{self.device}?baud=115200&timeout={timeout}"

    def _serve(self) -> None:
        while not self._stopping.is_set():
            if not self._reading.wait(0.02):
                continue
            ready, _, _ = select.select([self._master], [], [], 0.02)
            if not ready:
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:  # no one has the other end open right now
                self._stopping.wait(0.02)
                continue
            answers = self._take(data)
            if answers:
                os.write(self._master, answers)

    def close(self) -> None:
        super().close()
        os.close(self._master)
        os.close(self._slave)
