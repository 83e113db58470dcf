"""Member identifiers: phone numbers, masking, card numbers, the signed member QR, and telling
what a scanned or typed string is by its shape."""

from __future__ import annotations

import pytest
from stdnum import luhn

from storeapp.errors import InvalidInput
from storeapp.identity import (
    CARD_LEN,
    Shape,
    classify,
    is_card_no,
    make_card_no,
    mask_name,
    mask_phone,
    normalize_phone,
    phone_tail,
    sign_qr,
    verify_qr,
)

SECRET = "chain-secret-for-tests"
CARD = make_card_no("0001", 1, 16)
OTHER_CARD = make_card_no("0001", 1, 17)


# -- phone numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "13812345678",
    "138 1234 5678",
    "138-1234-5678",
    " 138 1234-5678 ",
    "+8613812345678",
    "+86 138 1234 5678",
    "008613812345678",
    "0086 138-1234-5678",
    "(138) 1234 5678",
])
def test_mainland_numbers_normalise_to_eleven_digits(typed: str) -> None:
    assert normalize_phone(typed) == "13812345678"


@pytest.mark.parametrize(("typed", "e164"), [
    ("+44 7911 123456", "+447911123456"),
    ("+1 650-253-0000", "+16502530000"),
    ("+852 9123 4567", "+85291234567"),
    ("+81 90-1234-5678", "+819012345678"),
])
def test_foreign_numbers_normalise_to_e164(typed: str, e164: str) -> None:
    assert normalize_phone(typed) == e164


@pytest.mark.parametrize("typed", [
    "",
    "12345",
    "1381234567",  # 10 digits
    "138123456789",  # 12 digits
    "12812345678",  # mainland mobiles start 13-19
    "23812345678",
    "+86 128 1234 5678",
    "86 13812345678",  # country code without + or 00
    "+44 123",  # too short to be a UK number
    "7911123456",  # foreign number without its country code
    "abc",
    "138-1234-567x",
])
def test_bad_phone_numbers_are_refused_with_a_clear_message(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_phone(typed)
    assert refused.value.code == "bad_phone"
    assert "is not a phone number" in refused.value.message


def test_phone_tail_is_the_last_four_digits() -> None:
    assert phone_tail("13812345678") == "5678"
    assert phone_tail("+447911123456") == "3456"


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),
    ("+447911123456", "+44******3456"),
    ("1234567", "*******"),
])
def test_mask_phone_hides_the_middle_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(("name", "masked"), [
    ("张三丰", "张*丰"), ("李四", "李*"), ("王", "王"), ("Alice", "A***e"),
])
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


# -- card numbers -------------------------------------------------------------------------------

def test_card_number_has_store_till_sequence_and_luhn_digit() -> None:
    card = make_card_no("0001", 1, 16)
    assert len(card) == CARD_LEN == 14
    assert card.startswith("0001" "01" "0000016")
    assert luhn.is_valid(card)
    assert is_card_no(card)


def test_card_numbers_differ_by_store_till_and_sequence() -> None:
    cards = {make_card_no("0001", 1, 1), make_card_no("0001", 1, 2), make_card_no("0001", 2, 1),
             make_card_no("0002", 1, 1)}
    assert len(cards) == 4
    assert all(is_card_no(c) for c in cards)


def test_a_mistyped_card_digit_fails_the_luhn_check() -> None:
    for position in range(CARD_LEN):
        digit = int(CARD[position])
        typo = CARD[:position] + str((digit + 1) % 10) + CARD[position + 1:]
        assert not is_card_no(typo), typo


@pytest.mark.parametrize("text", [CARD[:-1], CARD + "0", "A" + CARD[1:], "", " " + CARD[1:]])
def test_card_number_length_and_digits_are_checked(text: str) -> None:
    assert not is_card_no(text)


# -- the member QR ------------------------------------------------------------------------------

def test_member_qr_is_scanner_safe_and_verifies() -> None:
    payload = sign_qr(CARD, SECRET)
    assert payload.startswith(f"M1-{CARD}-")
    assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
    assert verify_qr(payload, SECRET) == CARD
    assert verify_qr(f"  {payload}\n", SECRET) == CARD  # scanners append a newline


def test_qr_with_a_changed_card_digit_is_rejected() -> None:
    payload = sign_qr(CARD, SECRET)
    digit = int(payload[10])
    altered = payload[:10] + str((digit + 1) % 10) + payload[11:]
    with pytest.raises(InvalidInput) as refused:
        verify_qr(altered, SECRET)
    assert refused.value.code in ("bad_qr", "forged_qr")


def test_qr_carrying_another_valid_card_number_fails_its_signature() -> None:
    signature = sign_qr(CARD, SECRET).rsplit("-", 1)[1]
    with pytest.raises(InvalidInput, match="failed its signature check") as refused:
        verify_qr(f"M1-{OTHER_CARD}-{signature}", SECRET)
    assert refused.value.code == "forged_qr"


def test_qr_with_a_changed_signature_is_rejected() -> None:
    payload = sign_qr(CARD, SECRET)
    last = payload[-1]
    altered = payload[:-1] + ("A" if last != "A" else "B")
    with pytest.raises(InvalidInput) as refused:
        verify_qr(altered, SECRET)
    assert refused.value.code == "forged_qr"


def test_qr_signed_with_another_chain_secret_is_rejected() -> None:
    with pytest.raises(InvalidInput) as refused:
        verify_qr(sign_qr(CARD, "some-other-chain"), SECRET)
    assert refused.value.code == "forged_qr"


def test_lower_case_qr_that_was_not_signed_is_rejected() -> None:
    # A hand-made code typed in lower case gets no further than a hand-made one in upper case.
    made_up = f"m1-{CARD}-abcdefghij"
    with pytest.raises(InvalidInput) as refused:
        verify_qr(made_up, SECRET)
    assert refused.value.code == "forged_qr"


def test_genuine_qr_read_with_caps_lock_on_still_verifies() -> None:
    # A keyboard-wedge scanner with Caps Lock on sends the code in lower case. The signature is
    # Base32 (case-insensitive), so folding case loses nothing and the member is still found.
    payload = sign_qr(CARD, SECRET)
    assert verify_qr(payload.lower(), SECRET) == CARD


@pytest.mark.parametrize("payload", [
    "M1-123",
    f"M1-{CARD}",
    f"M2-{CARD}-ABCDEFGHIJ",
    f"M1-{CARD}-ABCDEFGHI",  # signature one character short
    f"M1-{CARD}-ABCDEFGHIJK",  # and one too long
    f"M1-{CARD}-ABCDEFGH01",  # 0 and 1 are not Base32
    f"M1-{CARD} ABCDEFGHIJ",
    "13812345678",
    "",
])
def test_text_that_is_not_a_member_qr_is_refused(payload: str) -> None:
    with pytest.raises(InvalidInput, match="not a member QR code") as refused:
        verify_qr(payload, SECRET)
    assert refused.value.code == "bad_qr"


# -- telling inputs apart -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "shape"), [
    (sign_qr(CARD, SECRET), Shape.MEMBER_QR),
    ("13812345678", Shape.PHONE),
    ("138 1234 5678", Shape.PHONE),
    ("+447911123456", Shape.PHONE),
    ("0086 138 1234 5678", Shape.PHONE),
    ("5678", Shape.PHONE_TAIL),
    ("0000", Shape.PHONE_TAIL),
    (CARD, Shape.CARD_NO),
    ("R0001010000001", Shape.RECEIPT),
    ("r0001010000001", Shape.RECEIPT),
    ("CP-ABCDEFGH", Shape.COUPON),
    ("cp-abcdefgh", Shape.COUPON),
    ("6901234567892", Shape.PRODUCT),  # EAN-13
    ("96385074", Shape.PRODUCT),  # EAN-8
    ("036000291452", Shape.PRODUCT),  # UPC-A
    ("张三", Shape.NAME),
    ("Alice", Shape.NAME),
    ("R12", Shape.NAME),
])
def test_classify_tells_inputs_apart_by_shape(text: str, shape: Shape) -> None:
    assert classify(text) is shape


def test_receipt_number_needs_exactly_thirteen_digits() -> None:
    assert classify("R000101000001") is not Shape.RECEIPT  # 12 digits
    assert classify("R00010100000011") is not Shape.RECEIPT  # 14 digits


def test_fourteen_digits_failing_luhn_are_not_a_card_number() -> None:
    typo = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    assert classify(typo) is not Shape.CARD_NO


def test_thirteen_digit_barcode_starting_like_a_phone_is_a_product() -> None:
    assert classify("1381234567890") is Shape.PRODUCT
