"""Printer text: display width, fitting and wrapping to the paper, and the encodings — checked by
decoding with Python's own codecs, never by re-running our encoder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import text
from devices.text import ENCODINGS, columns, display_width, encode, fit, get_encoding, pad, wrap

MIXED = "会员日：满100减20，欢迎光临！（限本店）【新品】¥5.00 ￥5.00 Café Müller"


def test_a_cjk_character_takes_two_columns() -> None:
    assert display_width("中文") == 4
    assert display_width("abc") == 3
    assert display_width("￥，") == 4
    assert display_width("合计 Total") == 10


def test_fit_never_splits_a_wide_character() -> None:
    assert fit("中文abc", 3) == "中"
    assert fit("a中文", 2) == "a"
    assert fit("abc", 10) == "abc"


def test_pad_and_columns_make_lines_of_exactly_the_width() -> None:
    assert pad("中", 5, "right") == "   中"
    assert pad("中文", 6, "center") == " 中文 "
    line = columns("合计 Total", "¥1,234.56", 32)
    assert display_width(line) == 32
    assert line.startswith("合计 Total") and line.endswith("¥1,234.56")
    # a label too long for the line is cut, never the amount
    cut = columns("优惠券 Coupon 春节满减大促销活动专用", "-¥10.00", 32)
    assert display_width(cut) <= 32 and cut.endswith(" -¥10.00")


def test_wrap_breaks_latin_at_spaces_and_cjk_anywhere() -> None:
    assert wrap("Show this code at the counter", 12) == ["Show this", "code at the", "counter"]
    assert wrap("下次到店出示此码", 6) == ["下次到", "店出示", "此码"]
    assert wrap("Supercalifragilistic", 8) == ["Supercal", "ifragili", "stic"]
    key = "01a21276-b84f-78ed-b7c6-6a0925758028"
    assert wrap(key, 32) == ["01a21276-b84f-78ed-b7c6-", "6a0925758028"]
    assert wrap("Points -¥3.00", 8) == ["Points", "-¥3.00"]


@given(st.text(alphabet=st.sampled_from("ab 中文，。¥￥"), max_size=60), st.integers(2, 40))
def test_wrapped_lines_fit_and_keep_every_character(s: str, width: int) -> None:
    lines = wrap(s, width)
    assert all(display_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == s.replace(" ", "")


@pytest.mark.parametrize("name", ["gb18030", "gbk"])
def test_chinese_modes_keep_every_character_and_print_yen_as_fullwidth(name: str) -> None:
    decoded = encode(MIXED, name).decode(name)
    assert "?" not in decoded and "？" not in decoded
    # ¥ is four bytes in GB18030 and absent from GBK: both print the two-byte ￥ (A3 A4)
    assert decoded == MIXED.replace("¥", "￥")
    assert "￥".encode(name) in encode("¥5", name)


def test_python_escpos_magic_encoder_loses_cjk_punctuation_and_ours_does_not() -> None:
    from escpos.printer import Dummy  # type: ignore[import-untyped]

    theirs = Dummy()
    theirs.textln("，。！：（）【】")
    assert b"?" in theirs.output  # the bug is real: pure CJK punctuation becomes '?'
    ours = encode("，。！：（）【】", "gb18030")
    assert ours.decode("gb18030") == "，。！：（）【】"


def test_big5_utf8_and_code_pages_round_trip() -> None:
    assert encode("繁體：謝謝！¥12", "big5").decode("big5") == "繁體：謝謝！¥12"
    assert encode(MIXED, "utf-8").decode("utf-8") == MIXED
    assert encode("Café Ñandú €5 ¥12", "cp858").decode("cp858") == "Café Ñandú €5 ¥12"
    assert encode("Café ¥12 ½", "cp437").decode("cp437") == "Café ¥12 ½"
    assert encode("Crème brûlée €5 ©", "cp1252").decode("cp1252") == "Crème brûlée €5 ©"


def test_characters_a_code_page_lacks_become_the_nearest_it_has() -> None:
    assert encode("合计：¥5，谢谢！（现金）【会员】", "cp437").decode("cp437") == \
        "??:¥5,??!(??)[??]"
    assert encode("€5 — ő", "cp437").decode("cp437") == "EUR5 - o"
    assert encode("￥5", "cp1252").decode("cp1252") == "¥5"


def test_characters_big5_lacks_become_a_visible_box() -> None:
    assert encode("门店", "big5").decode("big5") == "□店"


def test_control_characters_never_reach_the_printer() -> None:
    for name in ENCODINGS:
        # without ESC, GS and NUL, "@" and "V" are only letters: no reset, no cut
        assert encode("a\x1b@b\x1dV\x00c\td\n", name) == b"a@bVc d"


def test_double_byte_modes_count_every_non_ascii_character_as_two_columns() -> None:
    gbk = get_encoding("gbk")
    assert gbk.width(gbk.prepare("2 × ¥3.50")) == 11  # × and ￥ print full-width
    assert get_encoding("utf-8").width("2 × ¥3.50") == 9
    assert get_encoding("cp858").width("Café") == 4


def test_each_mode_is_entered_with_its_own_command() -> None:
    assert get_encoding("gb18030").enter() == b"\x1c\x26"
    assert get_encoding("big5").leave == b"\x1c\x2e"
    assert get_encoding("utf-8").enter() == b"\x1c\x2e\x1c\x28\x43\x02\x00\x30\x02"
    assert get_encoding("cp858").enter() == b"\x1c\x2e\x1b\x74\x13"  # ESC t 19 (Epson)
    assert get_encoding("cp858").enter({"CP858": 53}) == b"\x1c\x2e\x1b\x74\x35"


def test_names_are_forgiving_and_unknown_ones_are_refused() -> None:
    assert get_encoding("GB18030").name == "gb18030"
    assert get_encoding("UTF8").name == "utf-8"
    assert get_encoding("cp936").name == "gbk"
    with pytest.raises(ValueError, match="unknown printer encoding 'latin9'"):
        get_encoding("latin9")
    assert text.DEFAULT_ENCODING == "gb18030"
