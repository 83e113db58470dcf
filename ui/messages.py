"""Domain errors in the till's language.

The core refuses with a stable code and an English message that often carries specifics
(amounts, tries left). Each code here has one or more (pattern, text) pairs: the first pattern
found in the core's message picks the text, and its groups fill ``%1``, ``%2``… When a code is
not listed, no pattern matches, or the text has no translation (English, the source language),
the core's own message is shown: it is already written for a cashier.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

from storeapp.errors import DomainError
from ui.i18n import QT_TRANSLATE_NOOP

CONTEXT = "Errors"
_MONEY = r"(-?¥[\d,]+\.\d{2})"
_ANY = ""  # matches every message: the headline when no specific pattern did

_MESSAGES: dict[str, tuple[tuple[str, str], ...]] = {
    # paying
    "wrong_pin": (
        (r"\((\d+) tries left\)", QT_TRANSLATE_NOOP("Errors", "Wrong payment PIN: %1 tries left.")),
        (r"now locked", QT_TRANSLATE_NOOP("Errors", "Wrong payment PIN: the PIN is now locked.")),
        (_ANY, QT_TRANSLATE_NOOP("Errors", "Wrong payment PIN.")),
    ),
    "pin_locked": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "The payment PIN is locked after too many wrong tries: a manager must reset "
                  "it.")),),
    "insufficient_balance": (
        (rf"stored value {_MONEY} is less than {_MONEY}",
         QT_TRANSLATE_NOOP("Errors", "Stored value %1 is less than %2.")),
        (_ANY, QT_TRANSLATE_NOOP("Errors", "The balance is not enough for this.")),
    ),
    "over_cap": (
        (rf"at most {_MONEY}.*would make {_MONEY}.*At most {_MONEY} more",
         QT_TRANSLATE_NOOP("Errors", "A named card holds at most %1; with this top-up and its "
                                     "bonus it would hold %2. At most %3 more fits.")),
        (_ANY, QT_TRANSLATE_NOOP("Errors", "This top-up would pass the card's limit.")),
    ),
    "underpaid": (
        (rf"^payments {_MONEY} do not cover the total {_MONEY}",
         QT_TRANSLATE_NOOP("Errors", "Payments %1 do not cover the total %2.")),
        (rf"^cash {_MONEY} does not cover the {_MONEY}",
         QT_TRANSLATE_NOOP("Errors", "Cash %1 does not cover the %2 left to pay.")),
    ),
    "overpaid": ((rf"payments {_MONEY} exceed the total {_MONEY}",
                  QT_TRANSLATE_NOOP("Errors", "Payments %1 exceed the total %2.")),),
    "no_tender": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Say how the customer pays.")),),
    # the disk
    "db_corrupt": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "The till's database is damaged; nothing was changed. A manager restores it "
                  "(storeapp restore).")),),
    "db_read_only": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "The till's database cannot be written (a read-only disk?); nothing was "
                  "changed.")),),
    "db_locked": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "Another program is using the till's database; nothing was changed. Try "
                  "again in a moment.")),),
    "db_full": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "The disk is full; nothing was changed. A manager frees some space.")),),
    "db_unreadable": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "The till's database cannot be read; nothing was changed. Check the disk.")),),
    # head office
    "payout_exceeds_principal": (
        (rf"knows {_MONEY} of principal.*; {_MONEY} cannot be paid out",
         QT_TRANSLATE_NOOP("Errors", "Head office knows %1 of principal for this member: %2 "
                                     "cannot be paid out.")),
    ),
    "online_only": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "Head office found this till's records do not match: stored value can be "
                  "used only while head office answers.")),),
    "restore_needed": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "This till lost data head office holds: stored value cannot be used until a "
                  "manager runs storeapp restore.")),),
    "chain_rule": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "This is a chain rule: head office sets it for every store.")),),
    "bad_tender": (
        (r"at most once", QT_TRANSLATE_NOOP("Errors", "Each payment method at most once per "
                                                      "sale.")),
        (r"only one payment method",
         QT_TRANSLATE_NOOP("Errors", "Only one payment method can take the rest.")),
        (r"cash amount handed over",
         QT_TRANSLATE_NOOP("Errors", "Enter the cash handed over when mixing payments.")),
    ),
    "bad_method": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Choose a payment method from the "
                                                      "list.")),),
    "empty_cart": ((_ANY, QT_TRANSLATE_NOOP("Errors", "The cart is empty.")),),
    "cart_too_big": ((r"at most (\d+) lines",
                      QT_TRANSLATE_NOOP("Errors", "At most %1 lines in one sale.")),),
    "bad_qty": ((r"1 to (\d+)", QT_TRANSLATE_NOOP("Errors", "Quantity must be 1 to %1.")),),
    "unknown_product": ((r"barcode (\S+)",
                         QT_TRANSLATE_NOOP("Errors", "No product with barcode %1.")),),
    "bad_amount": (
        (r"^'(.*)' is not an amount of money",
         QT_TRANSLATE_NOOP("Errors", "“%1” is not an amount of money.")),
        (r"more than two decimal places",
         QT_TRANSLATE_NOOP("Errors", "An amount has at most two decimal places.")),
        (r"must not be negative", QT_TRANSLATE_NOOP("Errors", "An amount must not be "
                                                              "negative.")),
        (rf"larger than {_MONEY}", QT_TRANSLATE_NOOP("Errors", "An amount is at most %1.")),
        (r"(?:more than|above) ¥0\.00",
         QT_TRANSLATE_NOOP("Errors", "The amount must be more than ¥0.00.")),
        (r"not plausible", QT_TRANSLATE_NOOP("Errors", "This amount is not plausible: check "
                                                       "it.")),
        (r"adjustment must change",
         QT_TRANSLATE_NOOP("Errors", "An adjustment must change something.")),
        (r"the float must be", QT_TRANSLATE_NOOP("Errors", "The float must be ¥0.00 or more.")),
        (r"counted cash must be",
         QT_TRANSLATE_NOOP("Errors", "Counted cash must be ¥0.00 or more.")),
    ),
    # points and coupons
    "bad_points": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Points to redeem must not be "
                                                      "negative.")),),
    "insufficient_points": ((r"only (\d+) points",
                             QT_TRANSLATE_NOOP("Errors", "The member has only %1 points.")),),
    "points_below_minimum": ((r"at least (\d+) points",
                              QT_TRANSLATE_NOOP("Errors", "Redeem at least %1 points.")),),
    "points_over_cap": ((r"at most ([\d.]+)% of this sale: at most (\d+) points",
                         QT_TRANSLATE_NOOP("Errors", "Points may pay at most %1% of this sale: "
                                                     "at most %2 points.")),),
    "bad_coupon": ((r"^'(.*)' is not a coupon code",
                    QT_TRANSLATE_NOOP("Errors", "“%1” is not a coupon code.")),),
    "unknown_coupon": ((_ANY, QT_TRANSLATE_NOOP("Errors", "No such coupon.")),),
    "coupon_used": ((r"coupon (\S+) was already used",
                     QT_TRANSLATE_NOOP("Errors", "Coupon %1 was already used.")),),
    "coupon_not_yours": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This coupon belongs to another "
                                                            "member.")),),
    "coupon_expired": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This coupon is not valid now.")),),
    "coupon_min_spend": ((rf"at least {_MONEY}",
                          QT_TRANSLATE_NOOP("Errors", "This coupon needs a spend of at least "
                                                      "%1.")),),
    # members and cards
    "unknown_member": ((_ANY, QT_TRANSLATE_NOOP("Errors", "No member found.")),),
    "member_required": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This needs a member: pick one "
                                                           "first.")),),
    "member_frozen": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This member is frozen: a manager must "
                                                         "unfreeze first.")),),
    "member_closed": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This membership is closed.")),),
    "phone_taken": ((r"phone (\S+) is already registered",
                     QT_TRANSLATE_NOOP("Errors", "Phone %1 is already registered.")),),
    "bad_phone": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "Not a phone number: mainland numbers have 11 digits starting 13-19, others "
                  "need +country code.")),),
    "bad_name": (
        (r"too long \(at most (\d+)",
         QT_TRANSLATE_NOOP("Errors", "The name is too long (at most %1 characters).")),
        (_ANY, QT_TRANSLATE_NOOP("Errors", "Enter a valid name.")),
    ),
    "bad_birthday": ((_ANY, QT_TRANSLATE_NOOP("Errors", "The birthday must be a real date, "
                                                        "YYYY-MM-DD.")),),
    "bad_pin": (
        (r"exactly 6 digits", QT_TRANSLATE_NOOP("Errors", "A payment PIN has exactly 6 "
                                                          "digits.")),
        (r"4 to 8 digits", QT_TRANSLATE_NOOP("Errors", "A staff PIN has 4 to 8 digits.")),
    ),
    "bad_qr": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This is not a member QR code.")),),
    "forged_qr": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This member QR code failed its check "
                                                     "(altered?).")),),
    "unknown_card": ((_ANY, QT_TRANSLATE_NOOP("Errors", "No member has this card.")),),
    "card_lost": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This card was reported lost: replace it "
                                                     "first.")),),
    "card_inactive": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This card is no longer valid.")),),
    "already_lost": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This card is already reported "
                                                        "lost.")),),
    "no_change": ((_ANY, QT_TRANSLATE_NOOP("Errors", "The member is already in that state.")),),
    "query_too_long": ((_ANY, QT_TRANSLATE_NOOP("Errors", "The search text is too long.")),),
    # refunds and voids
    "unknown_receipt": ((r"receipt number (\S+)",
                         QT_TRANSLATE_NOOP("Errors", "No sale with receipt number %1.")),),
    "already_refunded": ((r"sale (\S+) was already refunded",
                          QT_TRANSLATE_NOOP("Errors", "Sale %1 was already refunded.")),),
    "already_voided": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This top-up was already voided.")),),
    "void_too_late": ((_ANY, QT_TRANSLATE_NOOP("Errors", "A top-up can only be voided on the day "
                                                         "it was made.")),),
    "void_not_covered": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "The balance no longer covers this top-up (part was spent).")),),
    # shifts
    "shift_open": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This till already has an open shift: close "
                                                      "it first.")),),
    "no_shift": ((_ANY, QT_TRANSLATE_NOOP("Errors", "No shift is open at this till: open one "
                                                    "first.")),),
    "unknown_z": ((r"no Z report (\d+)",
                   QT_TRANSLATE_NOOP("Errors", "There is no Z report %1 at this till.")),),
    # staff and approvals
    "bad_login": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Unknown user or wrong PIN.")),),
    "user_locked": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This user is locked: ask an "
                                                       "administrator.")),),
    "not_a_manager": ((r"^(\S+) is not a manager",
                       QT_TRANSLATE_NOOP("Errors", "%1 is not a manager and cannot approve.")),),
    "approval_required": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This needs a manager's "
                                                             "approval.")),),
    "reason_required": ((_ANY, QT_TRANSLATE_NOOP("Errors", "An approval needs a reason.")),),
    "reason_too_long": ((r"at most (\d+)",
                         QT_TRANSLATE_NOOP("Errors", "The reason is at most %1 characters.")),),
    "bad_user_code": ((_ANY, QT_TRANSLATE_NOOP("Errors", "A user code has 1-16 letters, digits "
                                                         "or _.")),),
    "user_exists": ((r"user (\S+) already exists",
                     QT_TRANSLATE_NOOP("Errors", "User %1 already exists.")),),
    # head-office sync (sync.http: head office's refusals; sync.client: the till's own)
    "not_linked": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This till is not linked to a head "
                                                      "office yet.")),),
    "revoked": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Head office revoked this store's token: ask "
                                                   "head office for a new one and join "
                                                   "again.")),),
    "bad_token": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Head office does not know this till's "
                                                     "token: join again with the store's "
                                                     "token.")),),
    "bad_signature": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Head office could not verify this "
                                                         "till's request: join again with the "
                                                         "store's token.")),),
    "stale_request": ((_ANY, QT_TRANSLATE_NOOP("Errors", "This computer's clock is more than 5 "
                                                         "minutes off: correct it, then sync "
                                                         "again.")),),
    "wrong_store": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Head office says these records belong "
                                                       "to another store: call head "
                                                       "office.")),),
    "event_conflict": ((_ANY, QT_TRANSLATE_NOOP("Errors", "Head office holds another version of "
                                                          "one of this till's records: call "
                                                          "head office.")),),
    "outbox_behind": ((_ANY, QT_TRANSLATE_NOOP(
        "Errors", "Head office has more of this till's records than this database: was it "
                  "restored from an old backup? Do not sell on it; call head office.")),),
    "bad_store": (  # raised by ui.setup
        (r"store name", QT_TRANSLATE_NOOP("Errors", "Store name: 1 to 40 characters.")),
        (r"store code", QT_TRANSLATE_NOOP("Errors", "Store code: exactly 4 digits.")),
    ),
}


def readable(error: BaseException) -> str:
    """What to show a cashier for ``error``: the rule in the till's language, or a calm generic
    line for anything that is not a domain error (nothing was committed either way)."""
    if isinstance(error, DomainError):
        return domain_message(error.code, error.message)
    return QCoreApplication.translate(  # a literal context: lupdate reads this call
        "Errors", "Something went wrong (%1); the sale was not changed.").replace(
        "%1", type(error).__name__)


def domain_message(code: str, message: str) -> str:
    for pattern, source in _MESSAGES.get(code, ()):
        found = re.search(pattern, message)
        if found is None:
            continue
        text = QCoreApplication.translate(CONTEXT, source)
        if text == source:  # untranslated: the core's message says the same, more exactly
            return message
        return _fill(text, found.groups())
    return message


def _fill(text: str, values: tuple[str, ...]) -> str:
    """``%1``, ``%2``… in one pass (a value that itself contains "%2" is left alone)."""
    return re.sub(r"%(\d)", lambda m: values[int(m.group(1)) - 1], text)
