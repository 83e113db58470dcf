"""What a scanned code means: the part of the counter it belongs to, decided by its shape alone
(a member, a product, a receipt to refund, a coupon)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stdnum import ean

from storeapp.identity import Shape, classify


class Target(StrEnum):
    """The part of the counter a scanned code belongs to."""

    MEMBER = "member"
    PRODUCT = "product"
    REFUND = "refund"
    COUPON = "coupon"
    COUNT_CARD = "count_card"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Routed:
    target: Target
    code: str  # cleaned: surrounding whitespace removed, letters upper-cased where case is noise


class ScanRouter:
    """Sends a scanned code (from the wedge detector or a serial scanner) where it belongs.

    Decided by shape alone (:func:`storeapp.identity.classify`), no database: a member QR, phone
    or card number → member; an EAN-8/EAN-13/UPC-A with a valid check digit → product; a receipt
    number → refund; a coupon code → coupon; a count card's QR or number → count card. QR
    signatures are checked later by the lookup, which holds the chain secret. A four-digit
    phone tail is not routed: it matches many members, so a scanned one is more likely some
    other label (→ unknown), and a product-length number with a wrong check digit is a misread
    or a typo (→ unknown).
    """

    def route(self, code: str) -> Routed:
        text = code.strip()
        match classify(text):
            case Shape.MEMBER_QR | Shape.RECEIPT | Shape.COUPON | Shape.COUNT_CARD as shape:
                return Routed(_TARGET_BY_SHAPE[shape], text.upper())
            case Shape.PHONE | Shape.CARD_NO:
                return Routed(Target.MEMBER, text)
            case Shape.PRODUCT:
                digits = text.replace(" ", "").replace("-", "")
                if is_retail_barcode(digits):
                    return Routed(Target.PRODUCT, digits)
        return Routed(Target.UNKNOWN, text)


_TARGET_BY_SHAPE = {
    Shape.MEMBER_QR: Target.MEMBER,
    Shape.RECEIPT: Target.REFUND,
    Shape.COUPON: Target.COUPON,
    Shape.COUNT_CARD: Target.COUNT_CARD,
}


def is_retail_barcode(code: str) -> bool:
    """EAN-8, UPC-A (12 digits) or EAN-13 with a valid check digit."""
    return len(code) in (8, 12, 13) and code.isdigit() and ean.is_valid(code)
