"""Money typed at the counter: parsing yuan into fen, formatting fen, discounts and the
principal/bonus split of a spend."""

from __future__ import annotations

import itertools

import pytest

from storeapp.errors import InvalidInput
from storeapp.money import MAX_AMOUNT_FEN, format_fen, parse_yuan, percent_of, split_in_proportion


@pytest.mark.parametrize(("text", "fen"), [
    ("500", 50_000),
    ("12.50", 1_250),
    ("12.5", 1_250),
    ("0.01", 1),
    ("¥1,000", 100_000),
    ("￥8.80", 880),
    ("  ¥ 66 ", 6_600),
    ("1,000,000", MAX_AMOUNT_FEN),
    ("12,345.67", 1_234_567),
    (500, 50_000),
    ("５００", 50_000),  # full-width, as a Chinese input method types it
    ("１２．５０", 1_250),
    ("٥٠٠", 50_000),  # any script's digits are digits
])
def test_parse_yuan_accepts_what_cashiers_type(text: str | int, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["-5", "-0.01", "¥-100", "-1,000"])
def test_parse_yuan_refuses_negative_amounts(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_yuan(text)
    assert refused.value.code == "bad_amount"
    assert "negative" in refused.value.message


@pytest.mark.parametrize("text", ["0", "0.00", "¥0"])
def test_parse_yuan_refuses_zero_unless_allowed(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"more than ¥0\.00"):
        parse_yuan(text)
    assert parse_yuan(text, allow_zero=True) == 0


@pytest.mark.parametrize("text", ["", "   ", "abc", "12元", "1.2.3", "¥", "five", "＄5"])
def test_parse_yuan_refuses_non_numeric_text(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not an amount of money") as refused:
        parse_yuan(text)
    assert refused.value.code == "bad_amount"


@pytest.mark.parametrize("text", ["1.234", "0.001", "12.505"])
def test_parse_yuan_refuses_fractions_of_a_fen(text: str) -> None:
    with pytest.raises(InvalidInput, match="more than two decimal places"):
        parse_yuan(text)


@pytest.mark.parametrize("text", ["NaN", "nan", "sNaN", "inf", "-Infinity", "Infinity",
                                  "1e3", "1E3", "5e-1", "1e30", "-1e30", "1_000", "10,50",
                                  ",4", "1,00", "1,0000", "12,345,67", ".5", "12.", "+5",
                                  "0x10", "1 000", "１ｅ３"])
def test_parse_yuan_refuses_nan_and_infinity(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not an amount of money"):
        parse_yuan(text)


@pytest.mark.parametrize("text", ["1000000.01", "2,000,000", "9" * 40])
def test_parse_yuan_refuses_absurd_amounts(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"larger than ¥1,000,000\.00") as refused:
        parse_yuan(text)
    assert refused.value.code == "bad_amount"


@pytest.mark.parametrize(("fen", "shown"), [
    (0, "¥0.00"),
    (5, "¥0.05"),
    (1_250, "¥12.50"),
    (123_456, "¥1,234.56"),
    (MAX_AMOUNT_FEN, "¥1,000,000.00"),
    (-50, "-¥0.50"),
    (-123_456, "-¥1,234.56"),
])
def test_format_fen_shows_yuan_with_thousands_separator(fen: int, shown: str) -> None:
    assert format_fen(fen) == shown


def test_format_fen_without_symbol() -> None:
    assert format_fen(123_456, symbol=False) == "1,234.56"


@pytest.mark.parametrize("fen", [1, 99, 100, 1_250, 55_000, 123_456, MAX_AMOUNT_FEN])
def test_formatted_amount_parses_back_to_the_same_fen(fen: int) -> None:
    assert parse_yuan(format_fen(fen)) == fen


@pytest.mark.parametrize(("amount", "percent", "off"), [
    (10_000, 2, 200),
    (12_345, "2", 247),  # 246.9 rounds up
    (25, 2, 1),  # 0.5 fen rounds half up
    (24, 2, 0),  # 0.48 fen rounds down
    (8_888, 10, 889),
    (0, 5, 0),
])
def test_percent_of_rounds_half_up_to_the_fen(amount: int, percent: int | str, off: int) -> None:
    assert percent_of(amount, percent) == off


def test_split_follows_the_balance_proportion() -> None:
    # ¥500 paid in + ¥50 bonus; a ¥110 spend takes ¥100 principal and ¥10 bonus.
    assert split_in_proportion(11_000, 50_000, 5_000) == (10_000, 1_000)


def test_split_rounding_remainder_goes_to_bonus() -> None:
    # 1 fen of a 50/5 balance is 0.909 fen principal: principal rounds down, bonus takes the rest.
    assert split_in_proportion(1, 50_000, 5_000) == (0, 1)
    assert split_in_proportion(5, 3, 3) == (2, 3)  # 2.5 each: principal 2, bonus 3
    assert split_in_proportion(10, 20, 10) == (6, 4)  # 6.67 principal: 6, bonus 4


def test_split_of_single_bucket_balances() -> None:
    assert split_in_proportion(700, 1_000, 0) == (700, 0)
    assert split_in_proportion(700, 0, 1_000) == (0, 700)
    assert split_in_proportion(0, 0, 0) == (0, 0)
    assert split_in_proportion(1_100, 1_000, 100) == (1_000, 100)


@pytest.mark.parametrize(("amount", "principal", "bonus"), [(-1, 100, 100), (201, 100, 100),
                                                            (1, 0, 0)])
def test_split_refuses_amounts_outside_the_balance(amount: int, principal: int, bonus: int) -> None:
    with pytest.raises(ValueError, match="outside balance"):
        split_in_proportion(amount, principal, bonus)


def test_split_properties_over_a_grid() -> None:
    """Parts add up, never exceed their bucket, principal is the exact share rounded down."""
    for principal, bonus in itertools.product(range(0, 41), range(0, 41)):
        balance = principal + bonus
        for amount in range(balance + 1):
            p, b = split_in_proportion(amount, principal, bonus)
            assert p + b == amount
            assert 0 <= p <= principal
            assert 0 <= b <= bonus
            if balance:
                # p is floor(amount * principal / balance): the bonus gets the remainder.
                assert p * balance <= amount * principal < (p + 1) * balance
