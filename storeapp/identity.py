"""Member identifiers: phone normalisation, card numbers, the signed QR payload, and telling
what a typed or scanned string is by its shape.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import phonenumbers
from stdnum import luhn

from storeapp.errors import InvalidInput
from storeapp.typed import ascii_digits, graphemes, plain

MAINLAND = re.compile(r"1[3-9][0-9]{9}")
#: What may stand between a phone's digits as people write it: "138 0013 8000",
#: "138-0013-8000", "(137) 5778 3637", "138.0013.8000".
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
#: Head office gives a merged member this phone, ``merged:<member id>``, so that the unique
#: phone index frees the real number for the surviving member.
MERGED_PHONE_PREFIX = "merged:"
QR_PREFIX = "M1-"
QR_SIG_LEN = 10
CARD_LEN = 14  # store(4) + till(2) + sequence(7) + Luhn(1): unique chain-wide, made offline
_QR_SHAPE = re.compile(rf"M1-(\d{{{CARD_LEN}}})-([A-Z2-7]{{{QR_SIG_LEN}}})")
#: A count card's number is "K" and a card number made like a member's (unique chain-wide,
#: made offline); its QR is "K1-<number digits>-<signature>".
COUNT_CARD_PREFIX = "K"
COUNT_QR_PREFIX = "K1-"
_COUNT_QR_SHAPE = re.compile(rf"K1-(\d{{{CARD_LEN}}})-([A-Z2-7]{{{QR_SIG_LEN}}})")
#: An anonymous gift card's number is "G" and a card number; its QR also carries its face value
#: in fen and its expiry month, signed, so any till can take a card it has never seen:
#: "G1-<number digits>-<face fen>-<YYYYMM>-<signature>".
GIFT_CARD_PREFIX = "G"
GIFT_QR_PREFIX = "G1-"
_GIFT_QR_SHAPE = re.compile(
    rf"G1-(\d{{{CARD_LEN}}})-(\d{{1,6}})-(\d{{6}})-([A-Z2-7]{{{QR_SIG_LEN}}})")


def normalize_phone(text: str) -> str:
    """Mainland numbers become 11 digits; others E.164 (``+447911123456``).

    Accepts spaces, dashes, dots, parentheses, a ``+86``/``0086`` prefix, full-width forms and
    any script's digits (made ASCII first: one number has one spelling). Raises
    ``InvalidInput`` otherwise.
    """
    raw = _PHONE_SEPARATORS.sub("", plain(text or ""))
    if raw.startswith("0086"):
        raw = "+86" + raw[4:]
    if raw.startswith("+86"):
        raw = raw[3:]
    if MAINLAND.fullmatch(raw):
        return raw
    if raw.startswith("+") and ascii_digits(raw[1:]):
        try:
            number = phonenumbers.parse(raw, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidInput(
        "bad_phone",
        f"'{text}' is not a phone number: mainland numbers have 11 digits starting 13-19, "
        "others need +country code", text=text,
    )


def phone_tail(phone: str) -> str:
    return phone[-4:]


def mask_phone(phone: str) -> str:
    """``13812345678 -> 138****5678`` (what cashiers and receipts see); the placeholder of a
    merged member (``merged:<member id>``, no phone of its own) shows as ``-``."""
    if phone.startswith(MERGED_PHONE_PREFIX):
        return "-"
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """``张三丰 -> 张*丰``, ``李四 -> 李*``, ``Alice -> A***e``, ``Zoé -> Z*é``.

    Counted in characters as a person sees them (NFC grapheme clusters): a letter typed with a
    combining accent is one character, never split from its accent."""
    chars = graphemes(name)
    if len(chars) <= 1:
        return "".join(chars)
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


def make_card_no(store_code: str, till_no: int, sequence: int) -> str:
    body = f"{int(store_code):04d}{till_no:02d}{sequence:07d}"
    return body + luhn.calc_check_digit(body)


def is_card_no(text: str) -> bool:
    return len(text) == CARD_LEN and ascii_digits(text) and luhn.is_valid(text)


def make_count_card_no(store_code: str, till_no: int, sequence: int) -> str:
    return COUNT_CARD_PREFIX + make_card_no(store_code, till_no, sequence)


def is_count_card_no(text: str) -> bool:
    return text.startswith(COUNT_CARD_PREFIX) and is_card_no(text[len(COUNT_CARD_PREFIX):])


def sign_qr(card_no: str, secret: str) -> str:
    """The member QR payload: version, card number and a keyed signature; ``[A-Z0-9-]`` only."""
    return f"{QR_PREFIX}{card_no}-{_signature(card_no, secret)}"


def sign_count_qr(count_card_no: str, secret: str) -> str:
    """A count card's QR payload (``K1-<digits>-<signature>``), signed like a member's."""
    digits = count_card_no.removeprefix(COUNT_CARD_PREFIX)
    return f"{COUNT_QR_PREFIX}{digits}-{_signature(digits, secret, COUNT_QR_PREFIX)}"


#: The secrets a QR code is checked against: one, or several (the chain's current secret and
#: those this till signed with before, ``Settings.qr_secrets``); signing always takes one.
Secrets = str | Iterable[str]


def verify_count_qr(payload: str, secrets: Secrets) -> str:
    """The count card number inside a genuine count-card QR; raise for a forged or altered one.
    ``secrets``: see :data:`Secrets`."""
    match = _COUNT_QR_SHAPE.fullmatch(payload.strip().upper())
    if match is None or not is_card_no(match.group(1)):
        raise InvalidInput("bad_qr", "This is not a count card QR code", variant="count_card")
    digits, signature = match.groups()
    if not _signed_by_any(signature, digits, secrets, COUNT_QR_PREFIX):
        raise InvalidInput("forged_qr", "Count card QR code failed its signature check "
                           "(altered?)", variant="count_card")
    return COUNT_CARD_PREFIX + digits


def verify_qr(payload: str, secrets: Secrets) -> str:
    """Return the card number inside a genuine member QR; raise for a forged or altered one.
    ``secrets``: see :data:`Secrets`."""
    match = _QR_SHAPE.fullmatch(payload.strip().upper())
    if match is None or not is_card_no(match.group(1)):
        raise InvalidInput("bad_qr", "This is not a member QR code")
    card_no, signature = match.groups()
    if not _signed_by_any(signature, card_no, secrets):
        raise InvalidInput("forged_qr", "Member QR code failed its signature check (altered?)")
    return card_no


def _signed_by_any(signature: str, card_no: str, secrets: Secrets,
                   prefix: str = QR_PREFIX) -> bool:
    """Whether one of ``secrets`` (never an empty one) made ``signature``; every secret is
    tried, so the time taken does not tell which one matched."""
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    matched = False
    for key in keys:
        if key and hmac.compare_digest(signature, _signature(card_no, key, prefix)):
            matched = True
    return matched


def make_gift_card_no(store_code: str, till_no: int, sequence: int) -> str:
    return GIFT_CARD_PREFIX + make_card_no(store_code, till_no, sequence)


def is_gift_card_no(text: str) -> bool:
    return text.startswith(GIFT_CARD_PREFIX) and is_card_no(text[len(GIFT_CARD_PREFIX):])


@dataclass(frozen=True)
class GiftQr:
    """What a genuine gift-card QR says: the card, its face value, the month it expires."""

    card_no: str
    face_fen: int
    expires: str  # YYYYMM


def sign_gift_qr(card_no: str, face_fen: int, expires: str, secret: str) -> str:
    body = f"{card_no.removeprefix(GIFT_CARD_PREFIX)}-{face_fen}-{expires}"
    return f"{GIFT_QR_PREFIX}{body}-{_signature(body, secret, GIFT_QR_PREFIX)}"


def verify_gift_qr(payload: str, secrets: Secrets) -> GiftQr:
    """The card inside a genuine gift-card QR; raise for a forged or altered one (``secrets``:
    see :data:`Secrets`)."""
    match = _GIFT_QR_SHAPE.fullmatch(payload.strip().upper())
    if match is None or not is_card_no(match.group(1)):
        raise InvalidInput("bad_qr", "This is not a gift card QR code", variant="gift_card")
    digits, face, expires, signature = match.groups()
    body = f"{digits}-{face}-{expires}"
    if not _signed_by_any(signature, body, secrets, GIFT_QR_PREFIX):
        raise InvalidInput("forged_qr", "Gift card QR code failed its signature check "
                           "(altered?)", variant="gift_card")
    return GiftQr(GIFT_CARD_PREFIX + digits, int(face), expires)


def _signature(card_no: str, secret: str, prefix: str = QR_PREFIX) -> str:
    mac = hmac.new(secret.encode(), f"{prefix}{card_no}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:QR_SIG_LEN]


class Shape(Enum):
    MEMBER_QR = "member_qr"
    COUNT_CARD = "count_card"
    GIFT_CARD = "gift_card"
    PHONE = "phone"
    PHONE_TAIL = "phone_tail"
    CARD_NO = "card_no"
    RECEIPT = "receipt"
    COUPON = "coupon"
    PRODUCT = "product"
    NAME = "name"


def classify(text: str) -> Shape:
    """What a typed or scanned string is, by its shape alone (no database)."""
    t = plain(text).strip()
    upper = t.upper()
    if upper.startswith(QR_PREFIX):
        return Shape.MEMBER_QR
    if upper.startswith(COUNT_QR_PREFIX) or is_count_card_no(upper):
        return Shape.COUNT_CARD
    if upper.startswith(GIFT_QR_PREFIX) or is_gift_card_no(upper):
        return Shape.GIFT_CARD
    if upper.startswith("R") and len(t) == 14 and ascii_digits(t[1:]):
        return Shape.RECEIPT
    if upper.startswith("CP-"):
        return Shape.COUPON
    digits = _PHONE_SEPARATORS.sub("", t)  # every spelling normalize_phone accepts
    if ascii_digits(digits):
        if len(digits) == 4:
            return Shape.PHONE_TAIL
        if MAINLAND.fullmatch(digits.removeprefix("0086")):
            return Shape.PHONE
        if is_card_no(digits):
            return Shape.CARD_NO
        if len(digits) in (8, 12, 13):
            return Shape.PRODUCT
    if digits.startswith("+") and ascii_digits(digits[1:]):
        return Shape.PHONE
    return Shape.NAME
