"""Printer ports over real byte channels: a network printer on 127.0.0.1, a serial printer on a
pseudo-terminal, files and FIFOs; URIs refused with a message; the null and fake printers."""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.printer_ports import CupsPort, FilePort, PreviewPort, SerialPort, TcpPort, UsbPort
from devices.printers import (
    FakePrinter,
    NullPort,
    PrinterError,
    PrinterStatus,
    decode_status,
    open_printer,
)
from tests.devices.printer_sims import NetworkPrinter, SerialPrinter

BIG = b"".join(b"line %05d of a long receipt\n" % i for i in range(8000))  # ~230 KB


@pytest.fixture
def network_printer() -> Iterator[NetworkPrinter]:
    with NetworkPrinter() as printer:
        yield printer


@pytest.fixture
def serial_printer() -> Iterator[SerialPrinter]:
    with SerialPrinter() as printer:
        yield printer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- URIs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("uri, says", [
    ("", "unknown printer"),
    ("lp0", "unknown printer"),
    ("http://printer/", "unknown printer"),
    ("usb://04b8", "usb://VID:PID"),
    ("usb://04b8:zz", "usb://VID:PID"),
    ("usb://04b8:0202?in_ep=foo", "usb://VID:PID"),
    ("serial://", "serial:///dev/ttyUSB0"),
    ("serial:///dev/ttyUSB0?baud=1234", "baud must be one of"),
    ("serial:///dev/ttyUSB0?speed=9600", "unknown option speed"),
    ("tcp://", "tcp://HOST:9100"),
    ("tcp://printer:http", "port must be a number"),
    ("tcp://printer:9100?timeout=0", "timeout must be seconds"),
    ("tcp://printer:9100?timeout=soon", "timeout must be seconds"),
    ("file://", "absolute path"),
    ("file://otherhost/dev/usb/lp0", "absolute path"),
    ("cups://", "cups://NAME"),
    ("cups://two words", "cups://NAME"),
    ("preview:receipt.jpg", "preview:PATH.png"),
    ("preview:", "preview:PATH.png"),
    ("preview:x.png?size=2", "unknown option size"),
    ("null:printer", "write null:"),
])
def test_bad_uris_are_refused_with_what_to_write(uri: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        open_printer(uri)


def test_uris_choose_the_port_and_its_settings() -> None:
    usb = open_printer("usb://04B8:0202?timeout=2")
    assert isinstance(usb, UsbPort)
    assert (usb.vendor, usb.product, usb.in_ep, usb.out_ep, usb.timeout) == (
        0x04B8, 0x0202, 0x82, 0x01, 2.0)
    serial = open_printer("serial:///dev/ttyUSB0?baud=19200&parity=e&rtscts=1")
    assert isinstance(serial, SerialPort)
    assert serial.device == "/dev/ttyUSB0"
    assert serial.settings["baudrate"] == 19200
    assert (serial.settings["parity"], serial.settings["rtscts"]) == ("E", True)
    tcp = open_printer("tcp://192.168.1.50")
    assert isinstance(tcp, TcpPort)
    assert (tcp.host, tcp.port, tcp.timeout) == ("192.168.1.50", 9100, 5.0)
    file = open_printer("file:///dev/usb/lp0")
    assert isinstance(file, FilePort)
    assert file.path == "/dev/usb/lp0"
    cups = open_printer("cups://EPSON_TM_T20")
    assert isinstance(cups, CupsPort)
    assert cups.name == "EPSON_TM_T20"
    preview = open_printer("preview:out/sale.png", profile="58mm")
    assert isinstance(preview, PreviewPort)
    assert (preview.path, preview.profile, preview.wants_receipt) == (
        Path("out/sale.png"), "58mm", True)
    chosen = open_printer("preview:sale.png?profile=TM-T20II")
    assert isinstance(chosen, PreviewPort)
    assert chosen.profile == "TM-T20II"
    assert isinstance(open_printer("null:"), NullPort)


def test_status_bytes_are_read_as_the_printer_means_them() -> None:
    assert decode_status(0x12, 0x12) == (PrinterStatus.ONLINE, "ready")
    assert decode_status(0x12, 0x1E)[0] is PrinterStatus.ONLINE  # near end: still printing
    assert decode_status(0x1A, 0x72)[0] is PrinterStatus.PAPER_OUT
    assert decode_status(0x1A, 0x12)[0] is PrinterStatus.ERROR  # offline: cover open


# -- network printer ----------------------------------------------------------------------------

def test_network_printer_receives_the_bytes_and_reports_its_status(
        network_printer: NetworkPrinter) -> None:
    with open_printer(network_printer.uri()) as port:
        assert port.status() is PrinterStatus.ONLINE
        port.write(b"\x1b@hello printer\n")
        assert port.confirm() is PrinterStatus.ONLINE
        assert network_printer.wait_for(b"hello printer")
        network_printer.paper_out = True
        assert port.status() is PrinterStatus.PAPER_OUT
        assert port.detail == "out of paper"
    assert network_printer.connections == 1  # status and data share the printer's one connection


def test_network_printer_that_stops_reading_fails_the_write_within_the_timeout(
        network_printer: NetworkPrinter) -> None:
    port = open_printer(network_printer.uri(timeout=0.3))
    assert port.status() is PrinterStatus.ONLINE
    network_printer.pause()
    started = time.monotonic()
    with pytest.raises(PrinterError) as failed:
        port.write(BIG)
    assert time.monotonic() - started < 2
    assert failed.value.status is PrinterStatus.OFFLINE
    assert "took no data for 0.3 s" in failed.value.message
    assert port.status() is PrinterStatus.OFFLINE  # it answered before: silence means offline
    network_printer.resume()
    port.write(b"after the jam\n")
    assert port.confirm() is PrinterStatus.ONLINE
    assert network_printer.wait_for(b"after the jam")
    port.close()


def test_network_printer_that_hangs_up_is_reconnected(network_printer: NetworkPrinter) -> None:
    port = open_printer(network_printer.uri())
    port.write(b"first\n")
    assert port.confirm() is PrinterStatus.ONLINE
    network_printer.hang_up()
    assert network_printer.wait_for(b"first")
    time.sleep(0.1)  # the printer has closed its end
    assert port.status() is PrinterStatus.OFFLINE  # the closed connection is noticed, not hidden
    assert port.status() is PrinterStatus.ONLINE  # and the next call connects again
    port.write(b"second\n")
    port.confirm()
    assert network_printer.wait_for(b"second")
    assert network_printer.connections == 2
    port.close()


def test_network_printer_that_is_not_there_is_offline() -> None:
    port = open_printer(f"tcp://127.0.0.1:{free_port()}?timeout=0.3")
    assert port.status() is PrinterStatus.OFFLINE
    assert "cannot reach printer" in port.detail
    with pytest.raises(PrinterError, match="cannot reach printer") as failed:
        port.write(b"x")
    assert failed.value.status is PrinterStatus.OFFLINE


def test_a_printer_that_never_answers_status_is_online_while_it_takes_data() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        received = bytearray()

        def mute_printer() -> None:  # reads everything, answers nothing
            conn, _ = server.accept()
            with conn:
                while data := conn.recv(65536):
                    received.extend(data)

        reader = threading.Thread(target=mute_printer)
        reader.start()
        port = open_printer(f"tcp://127.0.0.1:{server.getsockname()[1]}?timeout=0.2")
        assert isinstance(port, TcpPort)
        assert port.status() is PrinterStatus.ONLINE
        assert port.answers_status is False
        assert "does not report" in port.detail
        port.write(b"printed anyway\n")
        assert port.confirm() is PrinterStatus.ONLINE
        port.close()
        reader.join(5)
    assert received.endswith(b"printed anyway\n")


# -- serial printer on a pseudo-terminal --------------------------------------------------------

def test_serial_printer_receives_bytes_and_reports_paper_out(
        serial_printer: SerialPrinter) -> None:
    with open_printer(serial_printer.uri()) as port:
        assert port.status() is PrinterStatus.ONLINE
        port.write("小票 ¥12.50\n".encode("gb18030"))
        assert port.confirm() is PrinterStatus.ONLINE
        assert serial_printer.wait_for("小票 ¥12.50\n".encode("gb18030"))
        serial_printer.paper_out = True
        assert port.status() is PrinterStatus.PAPER_OUT


def test_serial_printer_that_stops_reading_fails_the_write(serial_printer: SerialPrinter) -> None:
    port = open_printer(serial_printer.uri(timeout=0.3))
    assert port.status() is PrinterStatus.ONLINE
    serial_printer.pause()
    with pytest.raises(PrinterError, match="took no data") as failed:
        port.write(BIG)
    assert failed.value.status is PrinterStatus.OFFLINE
    serial_printer.resume()
    port.write(b"\x1b@after\n")
    port.confirm()
    assert serial_printer.wait_for(b"\x1b@after\n")
    port.close()


def test_serial_device_that_does_not_exist_is_offline(tmp_path: Path) -> None:
    port = open_printer(f"serial://{tmp_path}/ttyUSB9")
    assert port.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterError, match="cannot open serial printer"):
        port.write(b"x")


# -- files, FIFOs, device nodes -----------------------------------------------------------------

def test_file_printer_appends_each_job(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    port = open_printer(f"file://{target}")
    assert port.status() is PrinterStatus.ONLINE
    port.write(b"one\n")
    port.write(b"two\n")
    assert target.read_bytes() == b"one\ntwo\n"


def test_file_printer_under_dev_is_never_created(tmp_path: Path) -> None:
    port = open_printer("file:///dev/usb/storeapp-test-lp9")
    assert port.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterError, match="cannot open printer"):
        port.write(b"x")
    assert not os.path.exists("/dev/usb/storeapp-test-lp9")
    with pytest.raises(PrinterError):
        open_printer(f"file://{tmp_path}/no/such/dir/lp0").write(b"x")


def test_fifo_printer_with_no_reader_is_offline_and_with_one_prints(tmp_path: Path) -> None:
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    port = open_printer(f"file://{fifo}?timeout=0.3")
    with pytest.raises(PrinterError) as failed:  # ENXIO: nothing at the other end
        port.write(b"x")
    assert failed.value.status is PrinterStatus.OFFLINE
    got = bytearray()
    reader_open = threading.Event()

    def read() -> None:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        reader_open.set()
        try:
            deadline = time.monotonic() + 5
            while not got.endswith(b"END") and time.monotonic() < deadline:
                try:
                    got.extend(os.read(fd, 65536))
                except BlockingIOError:
                    time.sleep(0.005)
        finally:
            os.close(fd)

    reader = threading.Thread(target=read)
    reader.start()
    reader_open.wait(5)
    port.write(BIG + b"END")
    reader.join(5)
    assert bytes(got) == BIG + b"END"


# -- drivers that may be missing, preview, null, fake -------------------------------------------

@pytest.mark.skipif(importlib.util.find_spec("usb") is not None, reason="pyusb is installed")
def test_usb_without_pyusb_says_what_to_install() -> None:
    port = open_printer("usb://04b8:0202")
    with pytest.raises(PrinterError, match="pip install pyusb") as failed:
        port.write(b"x")
    assert failed.value.status is PrinterStatus.ERROR
    assert port.status() is PrinterStatus.ERROR


@pytest.mark.skipif(importlib.util.find_spec("cups") is not None, reason="pycups is installed")
def test_cups_without_pycups_says_what_to_install() -> None:
    port = open_printer("cups://TM_T20")
    with pytest.raises(PrinterError, match="pip install pycups"):
        port.write(b"x")
    assert port.status() is PrinterStatus.ERROR
    assert "pycups" in port.detail


def test_preview_draws_the_receipt_instead_of_printing(tmp_path: Path) -> None:
    target = tmp_path / "test.png"
    port = open_printer(f"preview:{target}", profile="58mm")
    assert port.status() is PrinterStatus.ONLINE
    port.write_receipt("test", {"printer": "preview"})
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(PrinterError, match="cannot take bytes"):
        port.write(b"\x1b@")


def test_null_printer_takes_everything() -> None:
    port = open_printer("null:")
    port.write(BIG)
    assert port.status() is PrinterStatus.ONLINE
    assert port.confirm() is PrinterStatus.ONLINE


def test_fake_printer_records_and_can_fail_like_a_real_one() -> None:
    fake = FakePrinter(timeout=0.1)
    fake.write(b"one")
    fake.run_out_of_paper()
    assert fake.status() is PrinterStatus.PAPER_OUT
    with pytest.raises(PrinterError) as failed:
        fake.write(b"two")
    assert failed.value.status is PrinterStatus.PAPER_OUT
    fake.stall()
    assert fake.status() is PrinterStatus.OFFLINE
    with pytest.raises(PrinterError, match="took no data"):
        fake.write(b"two")
    fake.recover()
    fake.write(b"two")
    assert fake.jobs == [b"one", b"two"]
    assert fake.wait_for_jobs(2, timeout=0)
