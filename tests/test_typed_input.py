"""Property: what people type means what they read. An amount is accepted only when a person
reads one amount in it, and then it is that amount; a phone has one number however it is
spelt (separators, +86, full-width or any script's digits), so no look-alike twin registers;
every spelling `member add` takes, `member show` and `find` take too."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storeapp.db import Database
from storeapp.errors import InvalidInput, Refused
from storeapp.identity import normalize_phone
from storeapp.money import MAX_AMOUNT_FEN, parse_yuan
from storeapp.services import members
from tests.helpers import CASHIER

#: Decimal digits of a few scripts a keyboard or input method may produce.
ZEROS = [0x30, 0xFF10, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0x1040, 0x1D7CE]


def spelt(digits: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in digits)


def grouped(whole: int) -> str:
    return f"{whole:,}"


amounts = st.tuples(st.integers(0, MAX_AMOUNT_FEN // 100), st.integers(0, 99),
                    st.sampled_from(["", "0", "00"]), st.booleans(), st.booleans(),
                    st.sampled_from(ZEROS))


@given(amounts)
def test_an_amount_written_any_honest_way_is_that_amount(parts: tuple) -> None:
    whole, cents, style, group, yen, zero = parts
    text = grouped(whole) if group else str(whole)
    fen = whole * 100
    if style:  # "12.5" or "12.05"-style decimals
        decimals = f"{cents:02d}" if style == "00" else str(cents % 10)
        text += "." + decimals
        fen += int(decimals) * (10 if len(decimals) == 1 else 1)
    shown = "".join(spelt(c, zero) if c.isdigit() else c for c in text)
    if yen:
        shown = "¥" + shown
    if fen == 0 or fen > MAX_AMOUNT_FEN:
        with pytest.raises(InvalidInput):
            parse_yuan(shown)
    else:
        assert parse_yuan(shown) == fen


@given(st.text(alphabet=st.sampled_from("0123456789,._eE+-¥ ５٥"), max_size=12))
def test_anything_accepted_is_one_amount_as_read(text: str) -> None:
    try:
        fen = parse_yuan(text)
    except InvalidInput:
        return  # refused: changes nothing (a pure function)
    folded = "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None
                     else c for c in text).strip().removeprefix("¥").strip()
    assert not set(folded) & set("eE_+- ")  # no exponent, underscore, sign or inner space
    whole, _, decimals = folded.partition(".")
    groups = whole.split(",")
    assert len(decimals) <= 2 and "," not in decimals
    assert all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3 \
        if len(groups) > 1 else True  # commas only as thousands grouping
    assert Decimal(folded.replace(",", "")) * 100 == fen


mainland = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(mainland, st.lists(st.sampled_from(["", " ", "-", " - ", "."]), min_size=2, max_size=2),
       st.sampled_from(["", "+86", "0086", "+86 "]), st.sampled_from(ZEROS), st.booleans())
def test_a_phone_has_one_number_however_it_is_spelt(number: str, gaps: list[str], prefix: str,
                                                    zero: int, brackets: bool) -> None:
    head, middle, tail = number[:3], number[3:7], number[7:]
    if brackets:
        head = f"({head})"
    text = prefix + spelt(head.strip("()"), zero).join("()" if brackets else ("", "")) \
        + gaps[0] + spelt(middle, zero) + gaps[1] + spelt(tail, zero)
    assert normalize_phone(text) == number


@given(st.text(max_size=16))
def test_a_phone_accepted_is_ascii(text: str) -> None:
    try:
        phone = normalize_phone(text)
    except InvalidInput:
        return
    assert phone.isascii() and phone.lstrip("+").isdigit()


# one till for every example on purpose: the member registered first stays, each twin is refused
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(ZEROS[1:]), st.integers(0, 10))
def test_a_look_alike_phone_cannot_register_a_twin(db: Database, zero: int,
                                                    which: int) -> None:
    number = "13800138000"
    if members.find(db, number) == []:
        members.register(db, phone=number, name="张三", actor=CASHIER)
    twin = number[:which] + spelt(number[which], zero) + number[which + 1:]
    with pytest.raises(Refused) as refused:
        members.register(db, phone=twin, name="李四", actor=CASHIER)
    assert refused.value.code == "phone_taken"
    assert members.get(db, twin).name == "张三"  # show finds the same member by that spelling


@pytest.mark.parametrize("spelling", ["(137) 5778 3637", "137-5778-3637", "137.5778.3637",
                                      "+86 137 5778 3637", "１３７５７７８３６３７"])
def test_show_and_find_take_every_spelling_add_takes(db: Database, spelling: str) -> None:
    added = members.register(db, phone=spelling, name="王五", actor=CASHIER)
    assert added.phone == "13757783637"
    assert members.get(db, spelling).member_id == added.member_id
    assert [m.member_id for m in members.find(db, spelling)] == [added.member_id]


def test_wildcards_are_searched_as_written(db: Database) -> None:
    members.register(db, phone="13800000001", name="张三", actor=CASHIER)
    members.register(db, phone="13800000002", name="100%纯", actor=CASHIER)
    assert members.find(db, "%") == []  # no name starts with a percent sign: nobody listed
    assert members.find(db, "_") == []
    assert [m.name for m in members.find(db, "0%")] == ["100%纯"]
    assert [m.name for m in members.find(db, "张")] == ["张三"]


def test_a_name_has_one_spelling(db: Database) -> None:
    composed = members.register(db, phone="13800000003", name="Zoe\u0301", actor=CASHIER)
    assert composed.name == "Zo\u00e9"
    assert [m.member_id for m in members.find(db, "Zo\u00e9")] == [composed.member_id]
