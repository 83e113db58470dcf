"""Shared helpers for the receipt tests: real payloads made through the real services, and a
reader for the bytes a printer receives.

The reader knows ESC/POS, not our encoder: it splits the stream on the commands, follows the mode
switches (``FS &`` / ``FS .`` / ``FS ( C`` / ``ESC t``) and decodes each text run with Python's
own codecs, counting columns the way a printer does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from wcwidth import wcwidth

from storeapp import receipt_jobs
from storeapp.db import Database
from storeapp.results import Record
from storeapp.services import members, sales, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from tests.helpers import CASHIER, approve, set_setting

STORE = "鲜丰超市 人民路店"
MEMBER_NAME = "欧阳晓梅"
MEMBER_PHONE = "13812345678"
LINES = [
    LineIn(qty=2, unit_price_fen=350, name="农夫山泉 550ml"),
    LineIn(qty=1, unit_price_fen=4_990, name="金龙鱼 花生油 900ml"),
    LineIn(qty=3, unit_price_fen=1_280, name="伊利 纯牛奶 250ml×12"),
    LineIn(qty=1, unit_price_fen=2_590, name="Lindt 瑞士莲 Excellence 85% 可可黑巧克力"),
    LineIn(qty=2, unit_price_fen=890, name="好丽友·派（6枚装）【新品】"),
    LineIn(qty=1, unit_price_fen=1_500, name="山东富士苹果 1kg"),
]
TOTAL_FEN = 15_400


# -- real payloads -----------------------------------------------------------------------------

def shop(db: Database) -> MemberView:
    """The store gets a Chinese name; a member with stored value, near the next tier."""
    set_setting(db, "store_name", STORE)
    member = members.register(db, phone=MEMBER_PHONE, name=MEMBER_NAME, actor=CASHIER)
    wallet.topup(db, member.member_id, 100_000, method="wechat", actor=CASHIER)
    sales.checkout(db, member_ref=member.member_id, lines=[LineIn(unit_price_fen=72_000)],
                   tenders=[TenderIn("wallet")], actor=CASHIER)
    return members.get(db, member.member_id)


def sale_payload(db: Database, member: MemberView | None,
                 tenders: list[TenderIn]) -> dict[str, Any]:
    """Check out :data:`LINES` and make the payload the print queue would store (as JSON)."""
    sale = sales.checkout(db, member_ref=member.member_id if member else None, lines=LINES,
                          tenders=tenders, actor=CASHIER)
    payload = {**receipt_jobs.store_fields(db.settings, CASHIER), "sale": sale,
               "tier_names": receipt_jobs.tier_names(db.settings)}
    if member is not None:
        payload["member"] = receipt_jobs.member_fields(members.get(db, member.member_id))
    return as_stored(payload)


def topup_payload(db: Database, member: MemberView, method: str) -> dict[str, Any]:
    result = wallet.topup(db, member.member_id, 50_000, method=method, actor=CASHIER)
    return as_stored({**receipt_jobs.store_fields(db.settings, CASHIER), "topup": result,
                      "member": receipt_jobs.member_fields(member),
                      "at": db.clock.now().isoformat()})


def refund_payload(db: Database, receipt_no: str, member: MemberView | None) -> dict[str, Any]:
    result = sales.refund(db, receipt_no, actor=CASHIER, grant=approve(db))
    payload = {**receipt_jobs.store_fields(db.settings, CASHIER), "refund": result}
    if member is not None:
        payload["member"] = receipt_jobs.member_fields(member)
    return as_stored(payload)


def void_payload(db: Database, member: MemberView, topup_key: str) -> dict[str, Any]:
    result = wallet.void_topup(db, topup_key, actor=CASHIER, grant=approve(db))
    after = members.get(db, member.member_id)
    return as_stored({**receipt_jobs.store_fields(db.settings, CASHIER), "void": result,
                      "member": receipt_jobs.member_fields(after),
                      "at": db.clock.now().isoformat()})


def registration_payload(db: Database, member: MemberView) -> dict[str, Any]:
    return as_stored({**receipt_jobs.store_fields(db.settings, CASHIER),
                      "member": receipt_jobs.member_fields(member), "at": member.created_at})


def z_payload() -> dict[str, Any]:
    return {"store_name": STORE, "till": 1, "cashier": "M01", "at": "2026-03-10T14:00:00",
            "business_date": "2026-03-10",
            "rows": {"销售额 Sales": 1_234_500, "笔数 Sales count": "87", "退款 Refunds": -4_500,
                     "储值充值 Top-ups": 300_000},
            "sections": {"支付方式 Tenders": {"现金 Cash": 400_000, "微信 WeChat": 834_500}}}


def printer_test_payload() -> dict[str, Any]:
    return {"printer": "tcp://127.0.0.1:9100", "profile": "80mm", "encoding": "gb18030"}


def as_stored(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the print queue reads it back: through JSON (a service's result in its
    JSON form)."""
    return dict(json.loads(json.dumps(payload, ensure_ascii=False, default=_plain)))


def _plain(value: object) -> object:
    return value.to_json() if isinstance(value, Record) else str(value)


# -- reading what the printer receives ---------------------------------------------------------

#: ``ESC t n`` numbers in Epson's table (what the generic profiles and TM models use).
CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}


@dataclass
class Command:
    name: str  # "ESC @", "GS ( k", ...
    args: bytes = b""


@dataclass
class Printed:
    """One printed line: its text, the columns it takes on paper, its size multiplier."""

    text: str
    columns: int
    size: int


@dataclass
class Stream:
    commands: list[Command] = field(default_factory=list)
    lines: list[Printed] = field(default_factory=list)

    def named(self, name: str) -> list[Command]:
        return [c for c in self.commands if c.name == name]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def qr_payloads(self) -> list[bytes]:
        """The data of every ``GS ( k`` store-data command (cn 49 '1', fn 80 'P', m 48 '0')."""
        return [c.args[3:] for c in self.named("GS ( k") if c.args[:3] == b"1P0"]

    def barcodes(self) -> list[str]:
        """The data of every ``GS k`` CODE128 (m 73) command, decoded from its code sets."""
        return [_code128_text(c.args[2:]) for c in self.named("GS k") if c.args[0] == 73]


def read(data: bytes, double_byte_codec: str = "gb18030") -> Stream:
    """Split ``data`` into commands and printed lines; text in Chinese mode is decoded with
    ``double_byte_codec``, in one-byte mode with the code page ``ESC t`` chose."""
    stream = Stream()
    mode, page, size = "single", 0, 1
    chars: list[tuple[str, int, int]] = []  # (character, columns, size)
    pending = bytearray()

    def flush() -> None:
        if not pending:
            return
        codec = {"double": double_byte_codec, "utf8": "utf-8"}.get(mode, CODE_PAGES[page])
        for c in bytes(pending).decode(codec):  # strict: a byte the codec rejects fails the test
            if mode == "double":
                width = 1 if ord(c) < 0x80 else 2
            elif mode == "utf8":
                width = max(wcwidth(c), 0)
            else:
                width = 1
            chars.append((c, width, size))
        pending.clear()

    i = 0
    while i < len(data):
        b = data[i]
        if b in (0x1B, 0x1C, 0x1D):
            flush()
            command, i = _command(data, i)
            stream.commands.append(command)
            if command.name == "FS &":
                mode = "double"
            elif command.name == "FS .":
                mode = "single"
            elif command.name == "FS ( C" and command.args[:2] == b"0\x02":
                mode = "utf8"
            elif command.name == "FS ( C" and command.args[:2] == b"0\x01":
                mode = "single"
            elif command.name == "ESC t":
                page = command.args[0]
            elif command.name == "GS !":
                size = (command.args[0] & 0x0F) + 1
            elif command.name == "ESC @":
                size = 1
            continue
        pending.append(b)
        i += 1
    flush()
    line: list[tuple[str, int, int]] = []
    for c, width, char_size in chars:
        if c == "\n":
            stream.lines.append(_printed(line))
            line = []
        else:
            line.append((c, width, char_size))
    if line:
        stream.lines.append(_printed(line))
    return stream


def _printed(chars: list[tuple[str, int, int]]) -> Printed:
    size = max((s for _, _, s in chars), default=1)
    return Printed("".join(c for c, _, _ in chars), sum(w * s for _, w, s in chars), size)


_FIXED = {  # command -> number of argument bytes
    "ESC @": 0, "ESC t": 1, "ESC E": 1, "ESC a": 1, "ESC !": 1, "ESC d": 1, "ESC p": 3,
    "ESC M": 1, "ESC -": 1, "ESC 2": 0, "ESC 3": 1, "ESC G": 1, "ESC {": 1,
    "GS !": 1, "GS h": 1, "GS w": 1, "GS f": 1, "GS H": 1, "GS B": 1, "GS L": 2,
    "FS &": 0, "FS .": 0, "FS !": 1,
}
_PREFIX = {0x1B: "ESC", 0x1C: "FS", 0x1D: "GS"}


def _command(data: bytes, i: int) -> tuple[Command, int]:
    name = f"{_PREFIX[data[i]]} {chr(data[i + 1])}"
    start = i + 2
    if name in _FIXED:
        end = start + _FIXED[name]
    elif name in ("GS (", "FS ("):  # GS ( k / GS ( L / FS ( C: fn letter, pL pH, data
        name += f" {chr(data[start])}"
        length = data[start + 1] + 256 * data[start + 2]
        start += 3
        end = start + length
    elif name == "GS V":
        end = start + (2 if data[start] in (65, 66) else 1)
    elif name == "GS k":
        function_b = data[start] >= 65  # m, n, then n bytes; function A ends with NUL
        end = start + 2 + data[start + 1] if function_b else data.index(0, start + 1) + 1
    elif name == "GS v":  # GS v 0 m xL xH yL yH raster
        x = data[start + 2] + 256 * data[start + 3]
        y = data[start + 4] + 256 * data[start + 5]
        end = start + 6 + x * y
    else:
        raise AssertionError(f"unexpected printer command {name!r} at byte {i}: "
                             f"{data[i:i + 12]!r}")
    return Command(name, data[start:end]), end


def _code128_text(data: bytes) -> str:
    """CODE128 ``GS k`` data ("{B" text, "{C" digit pairs as byte values) back to text."""
    out, code_set, i = [], "", 0
    while i < len(data):
        if data[i] == ord("{") and i + 1 < len(data):
            if data[i + 1] == ord("{"):
                out.append("{")
            else:
                code_set = chr(data[i + 1])
            i += 2
            continue
        out.append(f"{data[i]:02d}" if code_set == "C" else chr(data[i]))
        i += 1
    return "".join(out)
