"""The bytes a printer receives, read back by an ESC/POS reader that decodes text with Python's
codecs (not our encoder): Chinese names right under GB18030 and GBK, no ``?``, every line within
the paper, the member's QR and the receipt number in their commands, the drawer only for cash."""

from __future__ import annotations

import time

import pytest
from escpos.printer import Dummy  # type: ignore[import-untyped]

from devices import escpos_out, receipts
from devices.escpos_out import code128_data, render
from devices.layout import QR, Barcode, Item, Receipt, Text
from devices.profiles import get_profile, profile_names
from devices.text import ENCODINGS
from storeapp.db import Database
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from tests.devices.receipt_helpers import (
    STORE,
    printer_test_payload,
    read,
    refund_payload,
    registration_payload,
    sale_payload,
    shop,
    topup_payload,
    void_payload,
    z_payload,
)

MIXED = "会员日：满100减20，欢迎光临！（限本店）【新品】¥5.00 Café"


@pytest.fixture
def shopper(db: Database, manager: object) -> MemberView:
    return shop(db)


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_chinese_store_and_member_names_print_as_the_right_characters(
        db: Database, shopper: MemberView, codec: str) -> None:
    payload = sale_payload(db, shopper, [TenderIn("wallet")])
    data = render(receipts.build("sale", payload), "80mm", codec)
    assert data.startswith(b"\x1b@\x1c&")  # init, then Chinese mode before any text
    printed = read(data, codec)
    assert any(line.text.strip() == STORE for line in printed.lines)  # 鲜丰超市 人民路店
    assert any(line.text.startswith("会员 Member") and line.text.endswith("欧**梅")
               for line in printed.lines)
    assert "农夫山泉 550ml" in printed.text and "伊利 纯牛奶 250ml×12" in printed.text
    assert "?" not in printed.text and "？" not in printed.text


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_mixed_text_has_no_question_marks_where_python_escpos_has(codec: str) -> None:
    theirs = Dummy()
    theirs.textln("（限本店）")  # hanzi: sent as GB18030, but without FS & first
    theirs.textln("，。！：（）")
    theirs.textln("Café ¥5")
    # python-escpos 3.1 alone: pure CJK punctuation is lost, Latin goes through CP437
    assert b"??????" in theirs.output and b"Caf\x82 \x9d5" in theirs.output
    assert b"\x1c&" not in theirs.output
    data = render(Receipt("x", (Text(MIXED),)), "80mm", codec)
    text = read(data, codec).text.replace("\n", "")
    assert text == MIXED.replace("¥", "￥")


@pytest.mark.parametrize("profile", ["58mm", "80mm", "TM-T88V", "POS-5890", "TM-T20II"])
def test_every_printed_line_fits_the_paper(db: Database, shopper: MemberView,
                                           profile: str) -> None:
    sale = sale_payload(db, shopper, [TenderIn("wallet", 10_000), TenderIn("cash", 6_000)])
    top = topup_payload(db, shopper, "cash")
    payloads = {
        "sale": sale, "topup": top,
        "refund": refund_payload(db, sale["sale"]["receipt_no"], shopper),
        "void": void_payload(db, shopper, top["topup"]["topup_key"]),
        "registration": registration_payload(db, shopper), "z": z_payload(),
    }
    columns = get_profile(profile).columns
    for codec in ("gb18030", "gbk"):
        for kind, payload in payloads.items():
            lines = read(render(receipts.build(kind, payload), profile, codec), codec).lines
            assert len(lines) > 10
            for line in lines:
                assert line.columns <= columns, (codec, kind, line)


def test_the_qr_command_carries_exactly_the_member_qr(db: Database, shopper: MemberView) -> None:
    for kind, payload in (("sale", sale_payload(db, shopper, [TenderIn("wallet")])),
                          ("registration", registration_payload(db, shopper))):
        printed = read(render(receipts.build(kind, payload), "80mm"))
        assert printed.qr_payloads() == [shopper.qr.encode("ascii")], kind
        assert b"\x1d(k\x03\x001C" in render(receipts.build(kind, payload))  # module size set


def test_a_printer_without_native_qr_gets_the_qr_as_an_image(
        db: Database, shopper: MemberView) -> None:
    data = render(receipts.build("registration", registration_payload(db, shopper)), "POS-5890")
    printed = read(data)
    assert printed.qr_payloads() == []
    [raster] = printed.named("GS v")
    width_bytes = raster.args[2] + 256 * raster.args[3]
    assert width_bytes * 8 == get_profile("POS-5890").pixel_width  # centred across the paper
    assert any(line.text.strip() == "到店出示此码识别会员" for line in printed.lines)


def test_the_receipt_number_is_in_the_code128_barcode(db: Database, shopper: MemberView) -> None:
    payload = sale_payload(db, shopper, [TenderIn("wallet")])
    receipt_no = payload["sale"]["receipt_no"]
    for profile in ("58mm", "80mm"):
        printed = read(render(receipts.build("sale", payload), profile))
        assert printed.barcodes() == [receipt_no]
    assert code128_data("R0001010000001") == "{BR0{C" + "".join(
        chr(int(p)) for p in ("00", "10", "10", "00", "00", "01"))
    assert code128_data("AB{1") == "{BAB{{1"


@pytest.mark.parametrize(("tenders", "kicks"), [
    ([TenderIn("cash", 20_000)], True),
    ([TenderIn("wallet", 10_000), TenderIn("cash", 6_000)], True),
    ([TenderIn("wallet")], False),
    ([TenderIn("card")], False),
    ([TenderIn("wechat")], False),
])
def test_the_drawer_kick_is_sent_for_cash_only(db: Database, shopper: MemberView,
                                              tenders: list[TenderIn], kicks: bool) -> None:
    data = render(receipts.build("sale", sale_payload(db, shopper, tenders)))
    kicks_sent = read(data).named("ESC p")
    assert bool(kicks_sent) is kicks
    if kicks:
        assert kicks_sent[0].args == b"\x00\x32\x32"  # pin 2, 100 ms on/off
        assert data.index(b"\x1bp") < data.index(b"\n")  # drawer opens before printing


def test_big5_utf8_and_a_code_page_round_trip() -> None:
    big5 = read(render(Receipt("x", (Text("台北信義店：謝謝光臨！¥12"),)), "80mm", "big5"), "big5")
    assert big5.lines[0].text == "台北信義店：謝謝光臨！¥12"
    data = render(Receipt("x", (Text(MIXED),)), "80mm", "utf-8")
    assert b"\x1c\x28\x43\x02\x00\x30\x02" in data
    assert read(data).text.replace("\n", "") == MIXED
    data = render(Receipt("x", (Text("Café Ñandú €5 ¥12"),)), "80mm", "cp858")
    assert b"\x1c.\x1bt\x13" in data  # leave Chinese mode, ESC t 19
    assert read(data).lines[0].text == "Café Ñandú €5 ¥12"


def test_the_test_page_prints_each_sample_in_its_own_encoding() -> None:
    data = render(receipts.build("test", printer_test_payload()), "80mm")
    printed = read(data)  # Chinese mode read as GB18030, the other modes as they switch
    for name in ("gb18030", "utf-8", "cp437", "cp850", "cp858", "cp1252"):
        assert ENCODINGS[name].sample.replace("¥", "￥" if name == "gb18030" else "¥") \
            in printed.text.split("\n"), name
    for name in ("gbk", "big5"):  # also Chinese mode: their bytes, by Python's codecs
        assert ENCODINGS[name].sample.encode(name) + b"\n" in data


def test_large_text_uses_gs_size_which_chinese_mode_obeys(db: Database,
                                                           shopper: MemberView) -> None:
    printed = read(render(receipts.build("sale", sale_payload(db, shopper, [TenderIn("card")]))))
    assert [c.args for c in printed.named("GS !")][:2] == [b"\x11", b"\x00"]
    assert not printed.named("ESC !")


def test_a_product_name_cannot_inject_printer_commands() -> None:
    receipt = Receipt("x", (Item("坏名字\x1b@\x1dV\x00\x1bp\x00", "1 × ¥1.00", "¥1.00"),))
    printed = read(render(receipt))
    assert len(printed.named("ESC @")) == 1 and not printed.named("ESC p")
    assert not printed.named("GS V")


def test_profiles_come_from_paper_width_or_the_escpos_database() -> None:
    assert (get_profile("58mm").columns, get_profile("58mm").pixel_width) == (32, 384)
    eighty = get_profile("80mm")
    assert (eighty.columns, eighty.pixel_width, eighty.native_qr) == (48, 576, True)
    pos = get_profile("POS-5890")
    assert (pos.columns, pos.pixel_width, pos.native_qr, pos.native_barcode) == (32, 384, False,
                                                                                 False)
    assert get_profile("TM-T88V").columns == 42
    assert get_profile("NT-80-V-UL").columns == 48  # its font table is wrong; its dots are not
    with pytest.raises(ValueError, match=r"profile 'tm-t20ii' \(did you mean TM-T20II\?\)"):
        get_profile("tm-t20ii")
    with pytest.raises(ValueError, match="too narrow"):
        get_profile("OCD-300")
    assert {"58mm", "80mm", "TM-T20II"} <= set(profile_names())


def test_a_20_line_sale_renders_within_5_ms(db: Database, shopper: MemberView) -> None:
    payload = sale_payload(db, shopper, [TenderIn("wallet", 10_000), TenderIn("cash", 6_000)])
    payload["sale"]["lines"] = (payload["sale"]["lines"] * 4)[:20]
    receipt = receipts.build("sale", payload)
    render(receipt)
    best = min(_timed(lambda: escpos_out.render(receipt, "80mm", "gb18030")) for _ in range(30))
    assert best < 0.005, f"{best * 1000:.2f} ms"


def _timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


def test_barcode_and_qr_blocks_render_without_python_escpos_printing(
        capsys: pytest.CaptureFixture[str]) -> None:
    receipt = Receipt("x", (QR("M1-TEST"), Barcode("R0001010000001")))
    for profile in ("80mm", "POS-5890", "TM-U220"):
        render(receipt, profile)
    assert capsys.readouterr().out == ""
