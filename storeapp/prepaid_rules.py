"""The rules for selling prepaid value (单用途商业预付卡管理办法) as pure checks: what an anonymous
gift card may hold, when a buyer's real name must be recorded, and when only a bank transfer may
pay. The till refuses a sale that breaks them (:mod:`storeapp.services.giftcards`); head office
checks a till's gift-card sales by them too.
"""

from __future__ import annotations

from storeapp.errors import InvalidInput, Refused
from storeapp.money import format_fen

#: An anonymous (不记名) prepaid card may hold at most ¥1,000.
GIFT_FACE_CAP_FEN = 100_000
#: Buying ¥10,000 or more of anonymous cards at once records the buyer's real name.
REAL_NAME_FROM_FEN = 1_000_000
#: A company paying ¥5,000 or more at once (cards or a top-up) pays by bank transfer.
COMPANY_TRANSFER_FROM_FEN = 500_000
#: A person paying ¥50,000 or more at once pays by bank transfer.
PERSON_TRANSFER_FROM_FEN = 5_000_000
#: The most gift cards one sale makes.
MAX_CARDS = 200
#: An anonymous card is valid at least three years.
MIN_VALID_MONTHS = 36


def check_gift_sale(*, face_fen: int, cards: int, method: str, company: bool,
                    buyer_name: str | None, payer_account: str | None) -> None:
    """Refuse a gift-card sale the rules do not allow, saying which rule."""
    if not 0 < face_fen <= GIFT_FACE_CAP_FEN:
        raise InvalidInput("giftcard_face", f"A gift card holds ¥0.01 to "
                           f"{format_fen(GIFT_FACE_CAP_FEN)} (the cap for anonymous cards)",
                           cap_fen=GIFT_FACE_CAP_FEN)
    if not 1 <= cards <= MAX_CARDS:
        raise InvalidInput("giftcard_count", f"Sell 1 to {MAX_CARDS} gift cards at a time",
                           max_cards=MAX_CARDS)
    total = face_fen * cards
    if total >= REAL_NAME_FROM_FEN and not (buyer_name or "").strip():
        raise Refused("real_name_required", f"Gift cards of {format_fen(total)} at once: the "
                      f"buyer's real name must be recorded (from "
                      f"{format_fen(REAL_NAME_FROM_FEN)})", total_fen=total,
                      from_fen=REAL_NAME_FROM_FEN)
    needs_transfer(total, method=method, company=company, payer_account=payer_account)


def needs_transfer(total_fen: int, *, method: str, company: bool,
                   payer_account: str | None) -> None:
    """A large prepayment (a company's of ¥5,000 or more, a person's of ¥50,000 or more) only by
    bank transfer, with the payer's account recorded."""
    limit = COMPANY_TRANSFER_FROM_FEN if company else PERSON_TRANSFER_FROM_FEN
    if total_fen < limit:
        return
    if method != "transfer" and company:
        raise Refused("transfer_required", f"A company's prepayment of {format_fen(total_fen)} "
                      f"at once may only be paid by bank transfer (from {format_fen(limit)})",
                      variant="company", total_fen=total_fen, from_fen=limit)
    if method != "transfer":
        raise Refused("transfer_required", f"A person's prepayment of {format_fen(total_fen)} "
                      f"at once may only be paid by bank transfer (from {format_fen(limit)})",
                      variant="person", total_fen=total_fen, from_fen=limit)
    if not (payer_account or "").strip():
        raise Refused("payer_account_required", "Record the bank account the transfer came "
                      "from", total_fen=total_fen)
