"""Scanners: the wedge detector driven like the UI's key filter drives it (synthetic timestamps),
the router, and serial scanners read over real byte channels (a pseudo-terminal, a TCP socket).
"""

from __future__ import annotations

import os
import queue
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.scan_routing import ScanRouter, Target, is_retail_barcode
from devices.scanner import FakeScanner, NullScanner, SerialScanner, open_scanner
from devices.serial_port import LinkStatus, parse_port_url
from devices.wedge import ENTER, Action, WedgeDetector
from storeapp.identity import make_card_no, sign_qr

MEMBER_QR = sign_qr(make_card_no("0001", 1, 5), "secret")
EAN13 = "6901234567892"


# --- the wedge detector, as the counter's key filter uses it -----------------------------------


class Counter:
    """The focused field and the scan router behind the UI's event filter: keys the detector
    lets through or gives back land in ``field``; scans land in ``scans``. The filter's timer
    is modelled too: it fires at the detector's deadline when no key came first."""

    def __init__(self, detector: WedgeDetector, *, timer: bool = True) -> None:
        self.detector = detector
        self.timer = timer
        self.field: list[str] = []
        self.scans: list[str] = []
        self.released: list[str] = []  # keys that were held and then given back

    def key(self, key: str, at: float) -> Action:
        deadline = self.detector.deadline
        if self.timer and deadline is not None and deadline <= at:
            self.idle(deadline)
        decision = self.detector.feed(key, at)
        self._replay(decision.replay)
        if decision.action is Action.PASS:
            self.field.append(key)
        elif decision.action is Action.SCAN:
            self.scans.append(decision.code)
        return decision.action

    def idle(self, now: float) -> None:
        self._replay(self.detector.flush(now).replay)

    def type(self, text: str, *, start: float, gap_ms: float) -> float:
        at = start
        for key in text:
            self.key(key, at)
            at += gap_ms / 1000
        return at - gap_ms / 1000

    def settle(self) -> None:
        deadline = self.detector.deadline
        if deadline is not None:
            self.idle(deadline)

    @property
    def text(self) -> str:
        return "".join(self.field)

    def _replay(self, keys: tuple[str, ...]) -> None:
        self.field.extend(keys)
        self.released.extend(keys)


def test_a_fast_burst_ending_in_enter_is_a_scan_and_leaves_the_field_untouched() -> None:
    counter = Counter(WedgeDetector())
    actions = [counter.key(k, 10 + i * 0.004) for i, k in enumerate(EAN13 + ENTER)]

    assert counter.scans == [EAN13]
    assert counter.text == ""
    assert counter.released == []
    assert actions == [Action.HOLD] * len(EAN13) + [Action.SCAN]
    assert counter.detector.deadline is None


def test_a_member_qr_burst_with_shift_letters_is_one_scan() -> None:
    counter = Counter(WedgeDetector())
    counter.type(MEMBER_QR + "\r", start=3.0, gap_ms=8)

    assert counter.scans == [MEMBER_QR]
    assert counter.text == ""


@pytest.mark.parametrize("timer", [True, False], ids=["timer", "late-timer"])
def test_slow_typing_reaches_the_field_in_order_and_nothing_is_swallowed(timer: bool) -> None:
    counter = Counter(WedgeDetector(), timer=timer)
    counter.type("13812345678\n", start=1.0, gap_ms=120)
    counter.settle()

    assert counter.text == "13812345678\n"
    assert counter.scans == []


def test_fast_typing_with_the_odd_quick_pair_is_still_typing() -> None:
    counter = Counter(WedgeDetector())
    times = [0.0, 0.02, 0.15, 0.17, 0.30, 0.42]  # "ab" and "cd" rolled over quickly
    for key, at in zip("abcd1\n", times, strict=True):
        counter.key(key, at)

    assert counter.text == "abcd1\n"
    assert counter.scans == []


def test_a_held_key_is_given_back_only_once_the_gap_has_passed() -> None:
    detector = WedgeDetector(max_gap_ms=35)
    assert detector.feed("7", 5.0).action is Action.HOLD
    assert detector.deadline == pytest.approx(5.035)

    early = detector.flush(5.02)  # a timer that fires early releases nothing
    assert early.replay == ()
    late = detector.flush(5.04)
    assert late.action is Action.NONE
    assert late.replay == ("7",)
    assert detector.deadline is None
    assert detector.flush(6.0).replay == ()


def test_a_burst_without_enter_is_released_as_typing_after_the_gap() -> None:
    counter = Counter(WedgeDetector())
    end = counter.type("12345678", start=2.0, gap_ms=5)
    assert counter.text == ""  # still held: it may yet end in Enter

    counter.idle(end + 0.036)
    assert counter.text == "12345678"
    assert counter.scans == []


def test_typing_immediately_followed_by_a_scan() -> None:
    for timer in (True, False):
        counter = Counter(WedgeDetector(), timer=timer)
        end = counter.type("ab", start=1.0, gap_ms=150)
        counter.type(MEMBER_QR + ENTER, start=end + 0.06, gap_ms=6)

        assert counter.text == "ab", timer
        assert counter.scans == [MEMBER_QR], timer


def test_a_scan_right_after_another() -> None:
    counter = Counter(WedgeDetector())
    end = counter.type(EAN13 + ENTER, start=1.0, gap_ms=5)
    counter.type("R0001010000012" + ENTER, start=end + 0.2, gap_ms=5)

    assert counter.scans == [EAN13, "R0001010000012"]
    assert counter.text == ""


def test_a_short_fast_burst_with_enter_is_typing() -> None:
    counter = Counter(WedgeDetector(min_length=4))
    counter.type("12\n", start=1.0, gap_ms=5)

    assert counter.text == "12\n"
    assert counter.scans == []


def test_a_named_key_gives_back_what_was_held_first() -> None:
    detector = WedgeDetector()
    detector.feed("5", 1.0)
    decision = detector.feed("Backspace", 1.01)

    assert decision.action is Action.PASS
    assert decision.replay == ("5",)


def test_auto_repeat_is_never_a_scan() -> None:
    detector = WedgeDetector()
    detector.feed("0", 1.0)
    decisions = [detector.feed("0", 1.0 + i * 0.03, auto_repeat=True) for i in range(1, 9)]
    enter = detector.feed(ENTER, 1.28)

    assert decisions[0].replay == ("0",)
    assert {d.action for d in decisions} == {Action.PASS}
    assert enter.action is Action.PASS


def test_a_burst_longer_than_any_code_is_typing_to_the_end() -> None:
    counter = Counter(WedgeDetector(max_length=32))
    counter.type("x" * 100 + ENTER, start=1.0, gap_ms=2)

    assert counter.text == "x" * 100 + ENTER
    assert counter.scans == []


def test_thresholds_are_configurable() -> None:
    slow_scanner = "A" + EAN13 + ENTER  # a Bluetooth scanner: 50 ms between keys
    default = Counter(WedgeDetector())
    default.type(slow_scanner, start=1.0, gap_ms=50)
    patient = Counter(WedgeDetector(max_gap_ms=60))
    patient.type(slow_scanner, start=1.0, gap_ms=50)
    tab = Counter(WedgeDetector(terminators=(ENTER, "\t")))
    tab.type(EAN13 + "\t", start=1.0, gap_ms=5)

    assert default.scans == [] and default.text == slow_scanner
    assert patient.scans == ["A" + EAN13]
    assert tab.scans == [EAN13]
    with pytest.raises(ValueError):
        WedgeDetector(min_length=0)


# --- routing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "target", "routed_code"),
    [
        (MEMBER_QR, Target.MEMBER, MEMBER_QR),
        (MEMBER_QR.lower(), Target.MEMBER, MEMBER_QR),  # caps lock on the till
        (EAN13, Target.PRODUCT, EAN13),
        ("96385074", Target.PRODUCT, "96385074"),  # EAN-8
        ("036000291452", Target.PRODUCT, "036000291452"),  # UPC-A
        ("6901234567893", Target.UNKNOWN, "6901234567893"),  # wrong check digit
        ("R0001010000012", Target.REFUND, "R0001010000012"),
        ("CP-ABCDEFGH", Target.COUPON, "CP-ABCDEFGH"),
        ("cp-abcdefgh", Target.COUPON, "CP-ABCDEFGH"),
        ("13812345678", Target.MEMBER, "13812345678"),
        (make_card_no("0001", 1, 5), Target.MEMBER, make_card_no("0001", 1, 5)),
        (f"  {EAN13}\r\n", Target.PRODUCT, EAN13),
        ("5678", Target.UNKNOWN, "5678"),
        ("HELLO", Target.UNKNOWN, "HELLO"),
    ],
)
def test_the_router_sends_each_code_where_it_belongs(
    code: str, target: Target, routed_code: str
) -> None:
    routed = ScanRouter().route(code)

    assert (routed.target, routed.code) == (target, routed_code)
    assert routed.target == target.value  # plain strings work for the UI too


def test_retail_barcodes_need_a_valid_check_digit() -> None:
    assert is_retail_barcode(EAN13)
    assert not is_retail_barcode("6901234567890")
    assert not is_retail_barcode("690123456789")  # 12 digits but not a UPC-A
    assert not is_retail_barcode("12345678901234")


# --- serial scanners over real byte channels ---------------------------------------------------


class Pty:
    """A pseudo-terminal pair: pyserial opens the slave's path as it would ``/dev/ttyUSB0``,
    the test plays the device on the master side."""

    def __init__(self) -> None:
        self.master, slave = os.openpty()
        self.path = os.ttyname(slave)
        os.close(slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def read(self, size: int, timeout: float = 3.0) -> bytes:
        """Read ``size`` bytes, or what came before ``timeout``."""
        data = b""
        deadline = time.monotonic() + timeout
        while len(data) < size:
            ready, _, _ = select.select([self.master], [], [], max(0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                data += os.read(self.master, size - len(data))
            except OSError:  # EIO: the other side is closed
                break
        return data

    def read_until(self, end: bytes, timeout: float = 3.0) -> bytes:
        """Read until what came so far ends with ``end``, or what came before ``timeout``."""
        data = b""
        deadline = time.monotonic() + timeout
        while not data.endswith(end) and time.monotonic() < deadline:
            data += self.read(1, timeout=deadline - time.monotonic())
        return data

    def close(self) -> None:
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


@pytest.fixture
def pty() -> Iterator[Pty]:
    pair = Pty()
    yield pair
    pair.close()


class Events:
    """Collects a device's callbacks, which arrive on its own thread."""

    def __init__(self) -> None:
        self.codes: queue.Queue[str] = queue.Queue()
        self.statuses: queue.Queue[tuple[LinkStatus, str]] = queue.Queue()
        self.seen: list[LinkStatus] = []

    def on_scan(self, code: str) -> None:
        self.codes.put(code)

    def on_status(self, status: LinkStatus, message: str) -> None:
        self.statuses.put((status, message))

    def wait_status(self, wanted: LinkStatus, timeout: float = 3.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, message = self.statuses.get(timeout=max(0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {wanted} status; saw {self.seen}") from None
            self.seen.append(status)
            if status is wanted:
                return message

    def next_code(self, timeout: float = 3.0) -> str:
        return self.codes.get(timeout=timeout)

    def no_more_codes(self) -> bool:
        return self.codes.empty()


@pytest.fixture
def events() -> Events:
    return Events()


def scanner_on(url: str, events: Events, *, partial_timeout: float = 1.0) -> SerialScanner:
    return SerialScanner(
        url,
        on_scan=events.on_scan,
        on_status=events.on_status,
        read_timeout=0.02,
        reconnect_interval=0.05,
        partial_timeout=partial_timeout,
    )


def test_a_serial_scanner_delivers_each_code(pty: Pty, events: Events) -> None:
    with scanner_on(pty.path, events) as scanner:
        events.wait_status(LinkStatus.CONNECTED)
        pty.write(f"{EAN13}\r".encode())
        assert events.next_code() == EAN13
        assert scanner.status is LinkStatus.CONNECTED

        pty.write(f"{MEMBER_QR}\r\nR0001010000012\n".encode())  # back to back, CRLF and LF
        assert events.next_code() == MEMBER_QR
        assert events.next_code() == "R0001010000012"

    assert events.wait_status(LinkStatus.OFF) == "stopped"
    assert events.no_more_codes()


def test_a_code_split_over_several_writes_arrives_whole(pty: Pty, events: Events) -> None:
    with scanner_on(pty.path, events):
        events.wait_status(LinkStatus.CONNECTED)
        for piece in (b"69012", b"3456", b"7892\r", b"\nCP-ABC", b"DEFGH\r", b"\n"):
            pty.write(piece)
            time.sleep(0.03)

        assert events.next_code() == EAN13
        assert events.next_code() == "CP-ABCDEFGH"
    assert events.no_more_codes()  # the LF after a CR is not an empty code


def test_a_configured_terminator_is_the_only_one(pty: Pty, events: Events) -> None:
    scanner = SerialScanner(
        pty.path, on_scan=events.on_scan, on_status=events.on_status, terminator="\t"
    )
    with scanner:
        events.wait_status(LinkStatus.CONNECTED)
        pty.write(f"{EAN13}\t96385074\t".encode())
        assert [events.next_code(), events.next_code()] == [EAN13, "96385074"]


def test_a_stale_partial_code_is_not_glued_to_the_next_scan(pty: Pty, events: Events) -> None:
    with scanner_on(pty.path, events, partial_timeout=0.1):
        events.wait_status(LinkStatus.CONNECTED)
        pty.write(b"6901")  # a scanner hiccup
        time.sleep(0.3)
        pty.write(f"{EAN13}\r".encode())
        assert events.next_code() == EAN13


def test_an_unplugged_scanner_reconnects_and_drops_the_cut_off_code(
    tmp_path: Path, events: Events
) -> None:
    link = tmp_path / "ttyScanner"  # what udev's stable name would be
    first = Pty()
    link.symlink_to(first.path)
    second = Pty()
    try:
        with scanner_on(str(link), events) as scanner:
            events.wait_status(LinkStatus.CONNECTED)
            first.write(b"69012345")  # unplugged in the middle of a code
            time.sleep(0.05)
            first.close()
            events.wait_status(LinkStatus.DISCONNECTED)

            link.unlink()
            link.symlink_to(second.path)  # plugged back in
            events.wait_status(LinkStatus.CONNECTED)
            second.write(b"96385074\r")

            assert events.next_code() == "96385074"
            assert scanner.status is LinkStatus.CONNECTED
    finally:
        first.close()
        second.close()
    assert events.no_more_codes()


def test_a_scanner_that_is_not_plugged_in_yet_is_picked_up(
    tmp_path: Path, events: Events, pty: Pty
) -> None:
    link = tmp_path / "ttyScanner"
    with scanner_on(f"serial://{link}?baud=9600", events) as scanner:
        message = events.wait_status(LinkStatus.DISCONNECTED)
        assert str(link) in message
        assert scanner.status is LinkStatus.DISCONNECTED

        link.symlink_to(pty.path)
        events.wait_status(LinkStatus.CONNECTED)
        pty.write(b"CP-ABCDEFGH\r")
        assert events.next_code() == "CP-ABCDEFGH"


def test_a_scanner_behind_a_network_serial_server(events: Events) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        host, port = server.getsockname()
        with scanner_on(f"socket://{host}:{port}", events):
            conn, _ = server.accept()
            with conn:
                events.wait_status(LinkStatus.CONNECTED)
                conn.sendall(f"{EAN13}\r\n".encode())
                assert events.next_code() == EAN13
            events.wait_status(LinkStatus.DISCONNECTED)  # the server hung up...

            conn, _ = server.accept()  # ...and the scanner dialled again
            with conn:
                events.wait_status(LinkStatus.CONNECTED)
                conn.sendall(b"CP-ABCDEFGH\r\n")
                assert events.next_code() == "CP-ABCDEFGH"


def test_a_failing_callback_does_not_stop_the_scanner(pty: Pty, events: Events) -> None:
    def on_scan(code: str) -> None:
        if code == "BOOM":
            raise RuntimeError("bug in the counter")
        events.on_scan(code)

    with SerialScanner(pty.path, on_scan=on_scan, on_status=events.on_status):
        events.wait_status(LinkStatus.CONNECTED)
        pty.write(f"BOOM\r{EAN13}\r".encode())
        assert events.next_code() == EAN13


def test_stop_joins_the_thread_and_closes_the_port(pty: Pty, events: Events) -> None:
    scanner = scanner_on(pty.path, events)
    scanner.start()
    events.wait_status(LinkStatus.CONNECTED)
    scanner.stop()

    assert scanner.status is LinkStatus.OFF
    assert not any(t.name.startswith("scanner ") for t in threading.enumerate())
    reopened = scanner_on(pty.path, events)  # the port is free again
    with reopened:
        events.wait_status(LinkStatus.CONNECTED)


def test_port_urls() -> None:
    assert parse_port_url("serial:///dev/ttyACM0?baud=9600") == ("/dev/ttyACM0", 9600)
    assert parse_port_url("serial://COM3?baudrate=115200") == ("COM3", 115200)
    assert parse_port_url("/dev/ttyUSB0") == ("/dev/ttyUSB0", None)
    assert parse_port_url("loop://") == ("loop://", None)
    for bad in ("", "serial://", "serial:///dev/ttyS0?speed=fast"):
        with pytest.raises(ValueError):
            parse_port_url(bad)
    with pytest.raises(ValueError):
        SerialScanner("serial:///dev/ttyS0?baud=x", on_scan=print)


def test_fake_and_null_scanners(events: Events) -> None:
    fake = open_scanner("fake:", on_scan=events.on_scan, on_status=events.on_status)
    assert isinstance(fake, FakeScanner)
    with fake:
        events.wait_status(LinkStatus.CONNECTED)
        fake.push(f" {EAN13}\r\n")
        assert events.next_code() == EAN13
        fake.set_status(LinkStatus.ERROR, "jammed")
        assert events.wait_status(LinkStatus.ERROR) == "jammed"

    null = open_scanner("", on_scan=events.on_scan)
    assert isinstance(null, NullScanner)
    with null:
        assert null.status is LinkStatus.OFF
    assert isinstance(open_scanner("/dev/ttyACM0", on_scan=print), SerialScanner)
