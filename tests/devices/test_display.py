"""The customer pole display: the exact bytes a CD5220 or ESC/POS display receives over a real
pseudo-terminal, what the customer reads, and a counter that never waits for the display.
"""

from __future__ import annotations

import os
import re
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.display import (
    CD5220,
    WIDTH,
    EscPosDisplay,
    FakeDisplay,
    NullDisplay,
    SerialDisplay,
    display_text,
    open_display,
)
from devices.serial_port import LinkStatus
from tests.devices.test_scanner import Events, Pty

CD5220_INIT = b"\x0c\x1b@"  # CLR, ESC @
ESCPOS_INIT = b"\x1b=\x02\x1b@\x1f\x01\x1fC\x00"  # ESC = 2, ESC @, US MD1, US C 0


def cd5220_screen(line1: bytes, line2: bytes) -> bytes:
    return b"\x1bQA" + line1 + b"\r" + b"\x1bQB" + line2 + b"\r"


def escpos_screen(line1: bytes, line2: bytes) -> bytes:
    return b"\x1f$\x01\x01" + line1 + b"\x1f$\x01\x02" + line2


def lines_of(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every screen in a CD5220 byte stream, as the display would parse it."""
    return re.findall(rb"\x1bQA([^\r]*)\r\x1bQB([^\r]*)\r", data)


@pytest.fixture
def pty() -> Iterator[Pty]:
    pair = Pty()
    yield pair
    pair.close()


@pytest.fixture
def events() -> Events:
    return Events()


def display_on(url: str, events: Events, **options: object) -> SerialDisplay:
    return SerialDisplay(
        url,
        on_status=events.on_status,
        write_timeout=0.2,
        reconnect_interval=0.05,
        **options,  # type: ignore[arg-type]
    )


# --- bytes on the wire ---------------------------------------------------------------------------


def test_a_cd5220_display_gets_its_own_commands(pty: Pty, events: Events) -> None:
    with display_on(pty.path, events, protocol="cd5220") as display:
        events.wait_status(LinkStatus.CONNECTED)
        assert pty.read(len(CD5220_INIT)) == CD5220_INIT

        display.show_total(1230)
        expected = cd5220_screen(b"Total" + b" " * 15, b" " * 11 + b"RMB 12.30")
        assert pty.read(len(expected)) == expected

        display.clear()
        assert pty.read(1) == b"\x0c"


def test_an_escpos_display_gets_its_own_commands(pty: Pty, events: Events) -> None:
    with display_on(f"serial://{pty.path}?baud=19200", events, protocol="escpos") as display:
        events.wait_status(LinkStatus.CONNECTED)
        assert pty.read(len(ESCPOS_INIT)) == ESCPOS_INIT

        display.show_change(1230, paid_fen=10000)
        expected = escpos_screen(b"Paid      RMB 100.00", b"Change     RMB 12.30")
        assert pty.read(len(expected)) == expected

        display.clear()
        assert pty.read(1) == b"\x0c"


def test_every_line_is_exactly_20_ascii_characters(pty: Pty, events: Events) -> None:
    screens = [
        ("可口可乐 Coca-Cola Zero Sugar 330ml", "Ｂｉｇ　ｃｕｐ，ｃａｆé"),
        ("", "x"),
        ("王小明", "\x0c\x1b@ sneaky \x1bQB"),  # no control byte may reach the display
        ("a" * 60, "b" * 5),
    ]
    with display_on(pty.path, events) as display:
        events.wait_status(LinkStatus.CONNECTED)
        pty.read(len(CD5220_INIT))
        for line1, line2 in screens:
            display.show(line1, line2)
            time.sleep(0.02)  # let each screen go out instead of only the newest
        data = pty.read(len(screens) * len(cd5220_screen(b" " * WIDTH, b" " * WIDTH)))

    seen = lines_of(data)
    assert seen == [
        (b"Coca-Cola Zero Sugar", b"Big cup,cafe        "),
        (b" " * 20, b"x" + b" " * 19),
        (b" " * 20, b"  @ sneaky  QB      "),
        (b"a" * 20, b"bbbbb" + b" " * 15),
    ]
    assert all(len(line) == WIDTH and line.isascii() for pair in seen for line in pair)


def test_the_yen_glyph_uses_the_japanese_character_set(pty: Pty, events: Events) -> None:
    with display_on(pty.path, events, protocol="cd5220", yen_glyph=True) as display:
        events.wait_status(LinkStatus.CONNECTED)
        japanese = b"\x1bfJ"  # ESC f J: the Japanese international font set
        assert pty.read(len(CD5220_INIT + japanese)) == CD5220_INIT + japanese

        display.show_balance(55000)
        expected = cd5220_screen(b"Balance      \\550.00", b" " * 20)  # 0x5C is drawn as ¥
        assert pty.read(len(expected)) == expected

    assert EscPosDisplay(yen_glyph=True).init().endswith(b"\x1bR\x08")  # ESC R 8
    assert CD5220(yen_glyph=True).encode("C:\\ ¥1".ljust(20)) == b"C:/ \\1" + b" " * 14


# --- the counter never waits --------------------------------------------------------------------


def test_an_unplugged_display_shows_the_latest_screen_when_it_comes_back(
    tmp_path: Path, events: Events
) -> None:
    link = tmp_path / "ttyDisplay"
    first, second = Pty(), Pty()
    try:
        with display_on(str(link), events) as display:
            events.wait_status(LinkStatus.DISCONNECTED)
            display.show_item("Cola", 350)
            display.show_total(4200)  # the customer only needs this one

            link.symlink_to(first.path)
            events.wait_status(LinkStatus.CONNECTED)
            total = cd5220_screen(b"Total" + b" " * 15, b" " * 11 + b"RMB 42.00")
            assert first.read(len(CD5220_INIT + total)) == CD5220_INIT + total

            first.close()  # unplugged while showing
            display.show_change(800)
            events.wait_status(LinkStatus.DISCONNECTED)
            link.unlink()
            link.symlink_to(second.path)
            events.wait_status(LinkStatus.CONNECTED)
            change = cd5220_screen(b"Change" + b" " * 14, b" " * 12 + b"RMB 8.00")
            assert second.read(len(CD5220_INIT + change)) == CD5220_INIT + change
    finally:
        first.close()
        second.close()


def test_a_jammed_display_never_holds_up_the_counter(pty: Pty, events: Events) -> None:
    slave = os.open(pty.path, os.O_RDWR | os.O_NOCTTY)
    try:
        with display_on(pty.path, events) as display:
            events.wait_status(LinkStatus.CONNECTED)
            pty.read(len(CD5220_INIT))
            termios.tcflow(slave, termios.TCOOFF)  # the display stops taking data

            started = time.monotonic()
            for n in range(2000):
                display.show_item(f"Item {n}", n)
            assert time.monotonic() - started < 0.5
            message = events.wait_status(LinkStatus.ERROR)
            assert "write timeout" in message

            termios.tcflow(slave, termios.TCOON)  # and takes it again
            events.wait_status(LinkStatus.CONNECTED)
            latest = cd5220_screen(b"Item 1999".ljust(20), b"RMB 19.99".rjust(20))
            assert pty.read_until(CD5220_INIT + latest).endswith(CD5220_INIT + latest)
    finally:
        os.close(slave)


# --- what the customer reads -------------------------------------------------------------------


def test_what_the_customer_reads() -> None:
    display = FakeDisplay()
    display.welcome("Sunny Mart 阳光超市")
    assert display.lines == ("      Welcome       ", "     Sunny Mart     ")
    display.welcome("示例店")  # nothing Latin to show
    assert display.lines == ("      Welcome       ", " " * 20)

    display.show_item("农夫山泉", 200)  # a name the display cannot draw
    assert display.lines == ("Item" + " " * 16, "            RMB 2.00")
    display.show_item("Crème brûlée", 1850)
    assert display.lines[0] == "Creme brulee        "

    display.show_total(123456)
    assert display.lines == ("Total" + " " * 15, "        RMB 1,234.56")
    display.show_change(0)
    assert display.lines == ("Change" + " " * 14, "            RMB 0.00")
    display.show_balance(55000, points=1234)
    assert display.lines == ("Balance   RMB 550.00", "Points         1,234")
    display.show_total(-500)  # a refund
    assert display.lines[1] == "           -RMB 5.00"

    display.clear()
    assert display.lines == (" " * 20, " " * 20)
    assert len(display.history) == 9
    assert all(len(line) == WIDTH for screen in display.history for line in screen)


def test_the_yen_glyph_changes_how_money_reads() -> None:
    display = FakeDisplay(yen_glyph=True)
    display.show_balance(5000_00)
    assert display.lines[0] == "Balance    ¥5,000.00"
    assert display_text("￥5", yen_glyph=False) == "RMB5"


def test_null_and_fake_displays_and_urls(events: Events) -> None:
    assert isinstance(open_display("fake:"), FakeDisplay)
    null = open_display("none")
    assert isinstance(null, NullDisplay)
    with null:
        null.show_total(100)
        assert null.status is LinkStatus.OFF
    serial_display = open_display("serial:///dev/ttyUSB1?baud=9600", protocol="escpos")
    assert isinstance(serial_display, SerialDisplay)
    assert isinstance(serial_display.commands, EscPosDisplay)
    with pytest.raises(ValueError):
        open_display("/dev/ttyUSB1", protocol="vt100")
    with pytest.raises(ValueError):
        SerialDisplay("serial:///dev/ttyUSB1?parity=E")
