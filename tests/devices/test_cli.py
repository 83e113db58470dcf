"""The printing commands (``receipt print``, ``printer test``, ``member card``) as a user runs
them: a real ``storeapp --json`` process per command, against a database the core CLI built, and
printers on real byte channels (a file, a TCP listener, a PNG preview). What the printer gets is
read back by the ESC/POS reader in :mod:`tests.devices.receipt_helpers`, not by our encoder."""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from devices import jobs
from devices.text import ENCODINGS
from storeapp import receipt_jobs
from storeapp.db import Database
from storeapp.services import members
from tests.devices.printer_sims import NetworkPrinter
from tests.devices.receipt_helpers import STORE, Stream, read
from tests.helpers import cli_env

pytestmark = pytest.mark.slow

PHONE, NAME = "13812345678", "欧阳晓梅"
EXIT_INVALID, EXIT_REFUSED = 2, 1
DRAWER_KICK = b"\x1bp"


@dataclass(frozen=True)
class Run:
    status: int
    out: dict[str, Any]


@dataclass(frozen=True)
class Shop:
    """A till database made by the core CLI: a member who topped up ¥1000 and spent ¥900 of it
    from stored value (¥100 short of silver), then a walk-in who paid ¥12.50 in cash."""

    db: Path
    member: dict[str, Any]  # `member show`
    member_sale: dict[str, Any]  # `sale` (what checkout returned)
    cash_sale: dict[str, Any]


def cli(db: Path, *args: str) -> Run:
    """One ``storeapp --db DB --json ...`` process; its stdout must be exactly one JSON object."""
    proc = subprocess.run(  # run by the administrator `init` made
        [sys.executable, "-m", "storeapp.cli", "--db", str(db), "--json", *args],
        capture_output=True, text=True, timeout=60, check=False, env=cli_env())
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, f"{args}: stdout {proc.stdout!r} stderr {proc.stderr[-2000:]}"
    return Run(proc.returncode, json.loads(lines[0]))


def ok(db: Path, *args: str) -> dict[str, Any]:
    run = cli(db, *args)
    assert run.status == 0, run.out
    return run.out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    path = tmp_path_factory.mktemp("shop") / "till.db"
    ok(path, "init")
    ok(path, "settings", "store_name", STORE)
    ok(path, "member", "add", "--phone", PHONE, "--name", NAME)
    ok(path, "wallet", "topup", PHONE, "1000", "--method", "wechat")
    member_sale = ok(path, "sale", PHONE, "--amount", "900", "--pay", "wallet")
    cash_sale = ok(path, "sale", "--amount", "12.50", "--pay", "cash:20")
    return Shop(path, ok(path, "member", "show", PHONE), member_sale, cash_sale)


@pytest.fixture
def shop(template: Shop, tmp_path: Path) -> Shop:
    """This test's own copy of the shop's database."""
    path = tmp_path / "till.db"
    with contextlib.closing(sqlite3.connect(template.db)) as source, \
            contextlib.closing(sqlite3.connect(path)) as target:
        source.backup(target)
    return Shop(path, template.member, template.member_sale, template.cash_sale)


def print_jobs(db: Path) -> list[dict[str, Any]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM print_jobs ORDER BY id")]


def printed(path: Path, codec: str = "gb18030") -> Stream:
    return read(path.read_bytes(), codec)


def texts(stream: Stream) -> list[str]:
    return [line.text.strip() for line in stream.lines]


# -- receipt print --------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_a_receipt_printed_to_a_file_reads_back_in_chinese(shop: Shop, tmp_path: Path,
                                                           codec: str) -> None:
    receipt_no = shop.member_sale["receipt_no"]
    out = tmp_path / "lp0"
    result = ok(shop.db, "receipt", "print", receipt_no, "--printer", f"file://{out}",
                "--encoding", codec)
    assert not result["copy"] and result["encoding"] == codec
    stream = printed(out, codec)
    assert STORE in texts(stream)  # 鲜丰超市 人民路店, decoded by Python's own codec
    assert any(t.startswith("单号 No.") and t.endswith(receipt_no) for t in texts(stream))
    assert stream.barcodes() == [receipt_no]
    assert any(t.startswith("会员 Member") and t.endswith("欧**梅") for t in texts(stream))
    assert PHONE not in stream.text and NAME not in stream.text
    assert "?" not in stream.text and "？" not in stream.text
    assert all(line.columns <= 48 for line in stream.lines)
    assert [(j["kind"], j["ref"], j["status"]) for j in print_jobs(shop.db)] == \
        [("sale", receipt_no, "done")]


def test_printing_again_prints_a_marked_copy_and_never_opens_the_drawer(
        shop: Shop, tmp_path: Path) -> None:
    receipt_no = shop.cash_sale["receipt_no"]
    first, second = tmp_path / "first.bin", tmp_path / "second.bin"
    assert not ok(shop.db, "receipt", "print", receipt_no, "--printer", f"file://{first}")["copy"]
    assert ok(shop.db, "receipt", "print", receipt_no, "--printer", f"file://{second}")["copy"]
    assert "** 重印 REPRINT **" not in texts(printed(first))
    assert "** 重印 REPRINT **" in texts(printed(second))
    # A cash sale, but long over: neither print kicks the drawer open.
    assert DRAWER_KICK not in first.read_bytes() and DRAWER_KICK not in second.read_bytes()
    rows = print_jobs(shop.db)
    assert [j["copy_of"] for j in rows] == [None, rows[0]["id"]]


def test_a_receipt_prints_on_a_network_printer(shop: Shop) -> None:
    receipt_no = shop.member_sale["receipt_no"]
    with NetworkPrinter() as printer:
        result = ok(shop.db, "receipt", "print", receipt_no, "--printer", printer.uri(2.0))
        assert printer.wait_for(receipt_no.encode())
        received = bytes(printer.received)
    assert result["status"] == "online" and result["detail"] == "ready"
    assert printer.status_queries >= 2  # asked before printing, and confirmed after
    stream = read(received.replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x04", b""))
    assert STORE in texts(stream) and stream.barcodes() == [receipt_no]
    assert print_jobs(shop.db)[0]["status"] == "done"


def test_a_receipt_queued_at_the_counter_prints_as_it_was_and_only_once(
        shop: Shop, tmp_path: Path) -> None:
    # The counter queued the member's receipt while its printer was away...
    receipt_no = shop.member_sale["receipt_no"]
    db = Database(shop.db)
    try:
        sale = shop.member_sale
        payload = {**receipt_jobs.store_fields(db.settings, "C01"),
                   "sale": receipt_jobs.result_part(sale),
                   "member": receipt_jobs.member_fields(members.get(db, sale["member_id"])),
                   "tier_names": receipt_jobs.tier_names(db.settings)}
        with db.session() as s, s.begin():
            receipt_jobs.add_job(s, "sale", receipt_jobs.job_ref("sale", payload), payload,
                                 now=db.clock.now())
    finally:
        db.close()
    # ...and the cashier prints it from the command line instead.
    out = tmp_path / "lp0"
    result = ok(shop.db, "receipt", "print", receipt_no, "--printer", f"file://{out}")
    assert not result["copy"] and result["superseded_jobs"] == 1
    lines = texts(printed(out))
    assert any(t.startswith("收银台 Till 1") and t.endswith("收银员 C01") for t in lines)
    assert any(t.startswith("余额 Balance") and t.endswith("250.00") for t in lines)
    assert any(t.startswith("积分 Points") and t.endswith("900") for t in lines)
    assert any("还差" in t and "升级银卡 Silver" in t for t in lines)  # tier progress
    # The queued job will not print a second time when the counter's printer is back.
    assert [j["status"] for j in print_jobs(shop.db)] == ["failed", "done"]


def test_an_unreachable_printer_is_an_error_and_the_receipt_stays_queued(
        shop: Shop, tmp_path: Path) -> None:
    receipt_no = shop.member_sale["receipt_no"]
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]  # nothing listens here once it is closed
    run = cli(shop.db, "receipt", "print", receipt_no, "--printer",
              f"tcp://127.0.0.1:{closed}?connect_timeout=1")
    assert run.status == EXIT_REFUSED
    assert run.out["error"] == "printer_offline" and set(run.out) == {"error", "message",
                                                                       "params"}
    assert "kept as print job" in run.out["message"]
    [job] = print_jobs(shop.db)
    assert run.out["params"]["job_id"] == job["id"]  # the values its message names
    assert (job["ref"], job["status"], job["attempts"]) == (receipt_no, "queued", 1)
    assert "cannot reach printer" in job["last_error"]
    # Printed once the printer answers; the queued job is then not printed again.
    with NetworkPrinter() as printer:
        ok(shop.db, "receipt", "print", receipt_no, "--printer", printer.uri(2.0))
        assert printer.wait_for(receipt_no.encode())
    assert [j["status"] for j in print_jobs(shop.db)] == ["failed", "done"]


@pytest.mark.parametrize("uri", ["lpt1:", "tcp://127.0.0.1:port", "file://printer{tmp}/lp0",
                                 "preview:{tmp}/receipt.jpg", "tcp://127.0.0.1:9100?speed=9"])
def test_a_bad_printer_uri_is_an_error_and_nothing_is_printed(shop: Shop, tmp_path: Path,
                                                              uri: str) -> None:
    run = cli(shop.db, "receipt", "print", shop.member_sale["receipt_no"], "--printer",
              uri.format(tmp=tmp_path))
    assert run.status == EXIT_INVALID
    assert run.out["error"] == "bad_printer" and set(run.out) == {"error", "message", "params"}
    assert print_jobs(shop.db) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["till.db"]


@pytest.mark.parametrize(("args", "code", "status"), [
    (("--profile", "99mm"), "bad_profile", EXIT_INVALID),
    (("--encoding", "latin9"), "bad_encoding", EXIT_INVALID),
    ((), "no_printer", EXIT_INVALID),  # the till's printer_uri is still null:
])
def test_bad_printer_options_are_errors(shop: Shop, args: tuple[str, ...], code: str,
                                        status: int) -> None:
    target = ("--printer", "file:///tmp/unused.bin") if args else ()
    run = cli(shop.db, "receipt", "print", shop.member_sale["receipt_no"], *target, *args)
    assert (run.status, run.out["error"]) == (status, code)
    assert print_jobs(shop.db) == []


def test_an_unknown_receipt_number_is_not_found(shop: Shop, tmp_path: Path) -> None:
    run = cli(shop.db, "receipt", "print", "R0001019999999", "--printer",
              f"file://{tmp_path}/lp0")
    assert (run.status, run.out["error"]) == (EXIT_REFUSED, "unknown_receipt")
    assert not (tmp_path / "lp0").exists()


@pytest.mark.parametrize(("profile", "width"), [("58mm", 384), ("80mm", 576)])
def test_a_preview_is_a_png_as_wide_as_the_paper(shop: Shop, tmp_path: Path, profile: str,
                                                 width: int) -> None:
    png = tmp_path / "receipt.png"
    result = ok(shop.db, "receipt", "print", shop.member_sale["receipt_no"], "--printer",
                f"preview:{png}", "--profile", profile)
    assert result["profile"] == profile
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width == width and image.height > width


def test_a_preview_printer_draws_what_a_printer_in_that_encoding_prints(
        shop: Shop, tmp_path: Path) -> None:
    """``--printer preview:…`` with ``--encoding big5`` is the Big5 picture, not GB18030's."""
    pictures = {}
    for encoding in ("gb18030", "big5"):
        png = tmp_path / f"{encoding}.png"
        ok(shop.db, "receipt", "print", shop.member_sale["receipt_no"], "--printer",
           f"preview:{png}", "--encoding", encoding)
        pictures[encoding] = png.read_bytes()
    ok(shop.db, "receipt", "preview", shop.member_sale["receipt_no"], "--out",
       str(tmp_path / "same.png"), "--encoding", "big5")
    assert pictures["big5"] != pictures["gb18030"]
    with Image.open(tmp_path / "big5.png") as printed, Image.open(tmp_path / "same.png") as drawn:
        assert printed.tobytes() == drawn.tobytes()  # what the preview command draws, exactly


def test_receipt_preview_follows_the_encoding_and_prints_nothing(shop: Shop,
                                                                 tmp_path: Path) -> None:
    """``receipt preview`` draws what a printer in ``--encoding`` prints (Big5: Traditional
    labels), the same picture devices.preview draws for that receipt; no job is queued."""
    from devices import preview, receipts

    receipt_no = shop.member_sale["receipt_no"]
    shots = {}
    for encoding in ("gb18030", "big5", "cp858"):
        png = tmp_path / f"{encoding}.png"
        result = ok(shop.db, "receipt", "preview", receipt_no, "--out", str(png),
                    "--encoding", encoding)
        assert result == {"receipt_no": receipt_no, "preview": str(png), "profile": "80mm",
                          "encoding": encoding}
        with Image.open(png) as image:
            assert image.width == 576
            shots[encoding] = image.convert("L").tobytes()
    assert len(set(shots.values())) == 3
    assert print_jobs(shop.db) == []
    db = Database(shop.db)
    try:
        payload = jobs.sale_payload(db, receipt_no, cashier="C01")
        expected = preview.render_image(receipts.build("sale", payload), "80mm", "big5")
    finally:
        db.close()
    assert expected.convert("L").tobytes() == shots["big5"]
    bad = cli(shop.db, "receipt", "preview", receipt_no, "--out", str(tmp_path / "x.png"),
              "--encoding", "latin-9")
    assert bad.status == EXIT_INVALID and bad.out["error"] == "bad_encoding"


# -- member card and printer test -----------------------------------------------------------------

def test_the_member_card_carries_the_members_qr(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    result = ok(shop.db, "member", "card", PHONE, "--printer", f"file://{out}")
    assert result["kind"] == "registration" and result["ref"] == f"card:{shop.member['card_no']}"
    stream = printed(out)
    assert stream.qr_payloads() == [shop.member["qr"].encode()]  # what `member show` says
    assert "会员卡 Member card" in texts(stream)
    assert any(t.startswith("卡号 Card No.") and t.endswith(shop.member["card_no"])
               for t in texts(stream))
    stored = print_jobs(shop.db)[0]["payload_json"]
    for full in (PHONE, NAME):  # neither printed nor stored in full
        assert full not in stream.text and full not in stored


def test_a_member_card_for_an_unknown_member_is_not_found(shop: Shop, tmp_path: Path) -> None:
    run = cli(shop.db, "member", "card", "13900000000", "--printer", f"file://{tmp_path}/lp0")
    assert (run.status, run.out["error"]) == (EXIT_REFUSED, "unknown_member")


def test_the_printer_test_page_uses_the_tills_printer_settings(shop: Shop,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "lp0"
    ok(shop.db, "settings", "printer_uri", f"file://{out}")
    ok(shop.db, "settings", "printer_profile", "58mm")
    result = ok(shop.db, "printer", "test")
    assert (result["printer"], result["profile"], result["encoding"]) == \
        (f"file://{out}", "58mm", "gb18030")
    data = out.read_bytes()
    stream = read(data)
    lines = texts(stream)
    assert "打印测试" in lines and STORE in " ".join(lines)
    for name in ENCODINGS:  # every encoding's heading, then its sample in its own mode
        assert f"[{name}]" in lines, name
    assert ENCODINGS["cp858"].sample in lines and ENCODINGS["utf-8"].sample in lines
    assert ENCODINGS["big5"].sample.encode("big5") + b"\n" in data
    assert "1234567890" * 3 + "12" in lines  # the column ruler, 32 columns on 58 mm
    assert stream.qr_payloads() == [b"STOREAPP-PRINTER-TEST"]
    assert all(line.columns <= 32 for line in stream.lines)
    assert DRAWER_KICK not in data


def test_a_failed_test_page_is_not_kept_for_later(shop: Shop) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed = probe.getsockname()[1]
    run = cli(shop.db, "printer", "test", "--printer", f"tcp://127.0.0.1:{closed}")
    assert (run.status, run.out["error"]) == (EXIT_REFUSED, "printer_offline")
    assert [j["status"] for j in print_jobs(shop.db)] == ["failed"]


# -- shift print ----------------------------------------------------------------------------------

def test_the_x_and_z_reports_print_in_chinese_with_the_variance(shop: Shop, tmp_path: Path) -> None:
    ok(shop.db, "shift", "open", "--float", "200")
    ok(shop.db, "sale", "--amount", "30", "--pay", "cash:50")
    out = tmp_path / "x"
    ok(shop.db, "shift", "print", "--printer", f"file://{out}")
    x = texts(printed(out))
    assert "X 报表 X report" in " ".join(x)
    assert any(t.startswith("应有现金 Expected") and t.endswith("230.00") for t in x)

    closed = ok(shop.db, "shift", "close", "--counted", "228.50")
    assert closed["cash"]["variance_fen"] == -150
    out = tmp_path / "z"
    ok(shop.db, "shift", "print", "1", "--printer", f"file://{out}")
    z = texts(printed(out))
    assert "Z 报表 Z report" in " ".join(z)
    assert any(t.startswith("Z 号 Z no.") and t.endswith("01-00001") for t in z)
    assert any(t.startswith("差额 Variance") and t.endswith("-￥1.50") for t in z), "\n".join(z)
    assert [(j["kind"], j["ref"]) for j in print_jobs(shop.db)][-2:] == \
        [("z", f"x:{closed['shift']['shift_id']}"), ("z", "z:01-00001")]


def test_printing_an_unknown_z_report_is_not_found(shop: Shop, tmp_path: Path) -> None:
    run = cli(shop.db, "shift", "print", "7", "--printer", f"file://{tmp_path / 'z'}")
    assert (run.status, run.out["error"]) == (EXIT_REFUSED, "unknown_z")
