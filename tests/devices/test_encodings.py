"""Every encoding prints the project's own words (issue 14): receipts of real sales, top-ups,
refunds, voids, registrations and Z reports rendered to ESC/POS bytes and read back by the
test reader (ESC/POS commands stripped, text decoded with Python's codecs, strictly), never by
running our encoder again.

Big5 prints the labels in Traditional Chinese, a code page in English only, GBK and GB18030 in
Simplified; a name with characters the encoding lacks prints the documented marker (``□`` in a
Chinese mode, ``?`` on a code page), one per character a person sees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from devices import escpos_out, preview, receipts
from devices.labels import Label
from devices.layout import Barcode, Line, Receipt, Text, lay_out
from devices.profiles import get_profile
from devices.text import MISSING, get_encoding
from storeapp import receipt_jobs
from storeapp.db import Database
from storeapp.services import members
from storeapp.services.members import MemberView
from storeapp.services.sales import TenderIn
from tests.devices.receipt_helpers import (
    STORE,
    as_stored,
    read,
    refund_payload,
    registration_payload,
    sale_payload,
    shop,
    topup_payload,
    void_payload,
    z_payload,
)
from tests.helpers import CASHIER

CHINESE = ("gb18030", "gbk", "big5")
CODE_PAGES = ("cp437", "cp858")


def paper(receipt: Receipt, encoding: str, profile: str = "80mm") -> str:
    """The receipt's printed text, read from the bytes as a printer in ``encoding`` reads them."""
    data = escpos_out.render(receipt, profile, encoding)
    codec = encoding if encoding in CHINESE else "gb18030"
    return read(data, double_byte_codec=codec).text


@pytest.fixture
def shopper(db: Database, manager: object) -> MemberView:
    return shop(db)


@pytest.fixture
def every_kind(db: Database, shopper: MemberView) -> dict[str, dict[str, Any]]:
    """One payload of each kind the till prints, from the real services."""
    sale = sale_payload(db, shopper, [TenderIn("wallet", 10_000), TenderIn("cash", 6_000)])
    topup = topup_payload(db, shopper, "cash")
    return {
        "sale": sale,
        "topup": topup,
        "refund": refund_payload(db, sale["sale"]["receipt_no"], shopper),
        "void": void_payload(db, shopper, topup["topup"]["topup_key"]),
        "registration": registration_payload(db, shopper),
        "z": z_payload(),
        "test": {"printer": "tcp://127.0.0.1:9100", "profile": "80mm", "encoding": "big5"},
    }


def test_big5_prints_every_label_in_traditional_chinese(
        every_kind: dict[str, dict[str, Any]]) -> None:
    sale = paper(receipts.build("sale", every_kind["sale"]), "big5")
    for shown in ("收銀台 Till 1", "收銀員 C01", "購物小票 Receipt", "單號 No.", "時間 Time",
                  "小計 Subtotal", "合計", "儲值 Stored value", "現金 Cash", "找零 Change",
                  "本次積分 Points earned", "會員 Member", "手機 Phone", "餘額 Balance",
                  "本金 Principal", "贈送 Bonus", "積分 Points", "升級銀卡 Silver",
                  "下次到店出示此碼", "謝謝惠顧 Thank you!"):
        assert shown in sale, shown
    for simplified in ("单号", "合计", "收银", "余额", "积分"):
        assert simplified not in sale


@pytest.mark.parametrize("encoding", [*CHINESE, *CODE_PAGES])
@pytest.mark.parametrize("kind", ["sale", "topup", "refund", "void", "registration", "z"])
def test_the_projects_own_words_never_print_as_question_marks(
        every_kind: dict[str, dict[str, Any]], kind: str, encoding: str) -> None:
    """Only data (the store's and member's names, product names) may hold the marker: take the
    data out of the payload and no marker and no ``?`` is left."""
    payload = _plain_data(every_kind[kind])
    text = paper(receipts.build(kind, payload), encoding)
    assert "？" not in text and "?" not in text and "□" not in text, text


@pytest.mark.parametrize("encoding", CODE_PAGES)
def test_a_code_page_prints_the_english_labels_only(
        every_kind: dict[str, dict[str, Any]], encoding: str) -> None:
    sale = paper(receipts.build("sale", _plain_data(every_kind["sale"])), encoding)
    for shown in ("Till 1", "Cashier C01", "Receipt", "No.", "Subtotal", "Total",
                  "Stored value", "Cash", "Change", "Points earned", "Member", "Balance",
                  "more to Silver", "Thank you!"):
        assert shown in sale, shown
    z = paper(receipts.build("z", z_payload()), encoding)
    for shown in ("Z report", "Business day", "Sales", "Refunds", "Tenders", "WeChat"):
        assert shown in z, shown
    assert "Show this code at the counter" in paper(
        receipts.build("registration", _plain_data(every_kind["registration"])), encoding)


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_gbk_and_gb18030_keep_simplified_chinese(
        every_kind: dict[str, dict[str, Any]], encoding: str) -> None:
    sale = paper(receipts.build("sale", every_kind["sale"]), encoding)
    for shown in (STORE, "单号 No.", "合计", "余额 Balance", "欧**梅", "谢谢惠顾 Thank you!"):
        assert shown in sale, shown


@pytest.mark.parametrize(("encoding", "member", "store"), [
    ("big5", "□**梅", "□丰超市 人民路店"),  # 欧 and 鲜 are Simplified-only: not in Big5
    ("gbk", "欧**梅", STORE),
    ("gb18030", "欧**梅", STORE),
    ("cp437", "?**?", "???? ????"),
    ("cp858", "?**?", "???? ????"),
])
def test_a_name_the_encoding_lacks_prints_the_marker_one_per_character(
        every_kind: dict[str, dict[str, Any]], encoding: str, member: str, store: str) -> None:
    text = paper(receipts.build("sale", every_kind["sale"]), encoding)
    lines = text.splitlines()
    assert lines[0].strip() == store
    member_line = next(line for line in lines if "Member" in line)
    assert member_line.split()[-1] == member
    assert "□" not in text if encoding in CODE_PAGES else "?" not in text
    marker = MISSING[get_encoding(encoding).kind]
    assert (marker in member) == (encoding in ("big5", *CODE_PAGES))


def test_a_combining_accent_stays_with_its_letter_on_every_printer(db: Database,
                                                                   manager: object) -> None:
    zoe = members.register(db, phone="13912345678", name="Zoe\u0301 Ng", actor=CASHIER)
    fields = receipt_jobs.member_fields(zoe)
    assert fields["name"] == "Z****g"  # 6 characters a person sees, not 7 code points
    named = receipt_jobs.member_fields({"name": "Zoe\u0301", "phone": "13912345678"})
    assert named["name"] == "Z*é"
    payload = as_stored({"store_name": "Café Zoé", "till": 1, "cashier": "C01",
                         "at": "2026-03-10T02:00:00",
                         "member": {**named, "card_no": "00010100000016", "qr": "M1-X"}})
    # Big5 has no é: the nearest it has is e (the module's documented stand-in), still one
    # character, never "e" and a marker for the accent
    for encoding, name in (("gb18030", "Z*é"), ("gbk", "Z*é"), ("big5", "Z*e"),
                           ("cp437", "Z*é"), ("cp858", "Z*é")):
        text = paper(receipts.build("registration", payload), encoding)
        member_line = next(line for line in text.splitlines()
                           if "Member" in line and "card" not in line)
        assert member_line.endswith(f" {name}"), (encoding, member_line)
        assert "\u0301" not in text  # one precomposed character, as the printer has it


def test_a_mark_the_printer_lacks_goes_with_its_letter() -> None:
    """A letter with a mark that has no precomposed form (q̃) prints as the letter alone where
    the printer lacks the mark, never as a letter followed by a stray marker."""
    for encoding in ("big5", "cp437"):
        assert get_encoding(encoding).prepare("Aq\u0303b") == "Aqb"
    assert get_encoding("big5").prepare("a\U0001f600b") == "a□b"
    assert get_encoding("cp437").prepare("a\U0001f600b") == "a?b"


@pytest.mark.parametrize("encoding", [*CHINESE, *CODE_PAGES, "utf-8"])
def test_the_preview_draws_what_the_bytes_decode_to(
        every_kind: dict[str, dict[str, Any]], encoding: str, tmp_path: Path) -> None:
    """The preview's lines are the printed lines: the same text the reader decodes from the
    bytes (Traditional labels and markers included), and it changes with the encoding."""
    receipt = receipts.build("sale", every_kind["sale"])
    enc = get_encoding(encoding)
    shown = [preview.paper_text(op.text, enc)
             for op in lay_out(receipt, get_profile("80mm").columns, enc) if isinstance(op, Line)]
    from_bytes = paper(receipt, encoding).splitlines()
    # the reader also reads the barcode's text line, which the preview draws under its bars
    assert [line.rstrip() for line in shown if line.strip()] == [
        line.rstrip() for line in from_bytes if line.strip() not in ("", receipt_no(receipt))]
    path = preview.save_png(receipt, "80mm", tmp_path / f"{encoding}.png", encoding)
    with Image.open(path) as image:
        assert image.width == get_profile("80mm").pixel_width


def test_big5_preview_differs_from_gb18030() -> None:
    receipt = Receipt("x", (Text(Label("单号", "No.")),))
    assert preview.render_image(receipt, "58mm", "big5").tobytes() != \
        preview.render_image(receipt, "58mm", "gb18030").tobytes()


@pytest.mark.parametrize("encoding", ["big5", "cp437"])
def test_every_label_the_receipts_print_has_its_words(encoding: str) -> None:
    """Every Label in receipts.py (the whole set, read from the source) encodes without loss."""
    enc = get_encoding(encoding)
    for label in _labels_in_source():
        text = label.render(enc.labels)
        assert text.encode(enc.codec).decode(enc.codec) == text, text
        if encoding == "big5":
            assert enc.prepare(text) == text, text


def test_z_report_labels_from_the_payload_are_split_into_labels() -> None:
    z = receipts.build("z", {**z_payload(), "store_name": "Fresh Mart"})
    assert "銷售額 Sales" in paper(z, "big5")
    assert "Sales" in paper(z, "cp437") and "?" not in paper(z, "cp437")


# -- helpers -----------------------------------------------------------------------------------

def receipt_no(receipt: Receipt) -> str:
    return next(b.data for b in receipt.blocks if isinstance(b, Barcode))


def _plain_data(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with its data (names, products) in ASCII: what is left is the labels."""
    out = dict(payload)
    out["store_name"] = "Fresh Mart"
    if "member" in out:
        out["member"] = {**out["member"], "name": "A*c"}
    if "sale" in out:
        out["sale"] = {**out["sale"], "lines": [{**line, "name": f"Item {i}"}
                                                for i, line in enumerate(out["sale"]["lines"])]}
    return out


def _labels_in_source() -> list[Label]:
    """Every ``L("…", "…")`` in devices/receipts.py with constant arguments, plus the tier names
    and Z report rows the payloads carry."""
    import ast

    source = Path(receipts.__file__).read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("L", "Label") and len(node.args) >= 2
                and all(isinstance(a, ast.Constant) for a in node.args[:2])):
            found.append(Label(str(node.args[0].value), str(node.args[1].value)))  # type: ignore[attr-defined]
    assert len(found) > 60
    return found

