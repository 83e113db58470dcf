"""The rules for selling prepaid value (单用途商业预付卡管理办法) as pure checks: what an anonymous
gift card may hold, when a buyer's real name must be recorded, when only a bank transfer may pay
and what account it came from, the prepaid agreement a top-up records, a named card's real name,
and the refund calculation of an account close (退卡). The till refuses a sale or top-up that
breaks them (:mod:`storeapp.services.giftcards`, :mod:`storeapp.services.wallet`), the counter's
dialogs say so before asking, and head office checks a till's gift-card sales and top-ups by them
too (:mod:`sync.hq.verify_gifts`, :mod:`sync.hq.verify`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storeapp.errors import InvalidInput, Refused
from storeapp.money import format_fen
from storeapp.typed import plain

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


def transfer_from_fen(company: bool) -> int:
    """From how much one prepayment may only be paid by bank transfer: a company's, a person's."""
    return COMPANY_TRANSFER_FROM_FEN if company else PERSON_TRANSFER_FROM_FEN


def needs_transfer(total_fen: int, *, method: str, company: bool,
                   payer_account: str | None) -> None:
    """A large prepayment (a company's of ¥5,000 or more, a person's of ¥50,000 or more) only by
    bank transfer, with the payer's account recorded."""
    limit = transfer_from_fen(company)
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


# -- the payer's bank account -------------------------------------------------------------------

#: A mainland bank account or card number: 8 to 32 digits (personal cards have 16-19, company
#: accounts up to about 25); spaces and hyphens as people group them are dropped.
_ACCOUNT = re.compile(r"[0-9]{8,32}")


def payer_account(text: str | None) -> str | None:
    """The payer's bank account as it is recorded (digits only: full-width digits typed through
    an input method count), None when nothing was typed; ``bad_payer_account`` when it is not
    one. Nothing here logs it: callers keep the full number to the top-up's record and its event
    for head office, and show :func:`masked_account` everywhere else."""
    raw = plain(text or "").strip()
    if not raw:
        return None
    digits = re.sub(r"[\s-]", "", raw)
    if not _ACCOUNT.fullmatch(digits):
        raise InvalidInput("bad_payer_account", "The payer's bank account is 8 to 32 digits "
                           "(spaces allowed)", min_digits=8, max_digits=32)
    return digits


def masked_account(account: str | None) -> str | None:
    """What a slip, the audit log or a stored answer shows of an account: its last four digits."""
    if not account:
        return None
    return "****" + account.replace(" ", "")[-4:]


# -- real name on a named card --------------------------------------------------------------------

#: Words a cashier types when the member gave no name: they name nobody.
PLACEHOLDER_NAMES = frozenset({
    "顾客", "客人", "客户", "会员", "散客", "匿名", "无名", "无名氏", "未知", "不详", "无", "测试",
    "guest", "member", "customer", "unknown", "anonymous", "test", "none", "n/a", "na", "-",
})
#: A surname with a form of address (王先生, 李女士) is not a real name either.
HONORIFICS = ("先生", "女士", "小姐", "太太", "夫人", "老板", "师傅", "阿姨", "老师")


def check_real_name(name: str) -> None:
    """A stored-value card is a named card (记名卡): its holder's real name must be on record
    before money is taken for it. Refuses a name that cannot be one: a single character, one with
    digits, a placeholder (顾客, guest) or a form of address (王先生)."""
    cleaned = unicodedata.normalize("NFKC", name or "").strip()
    compact = re.sub(r"[\s.·・]", "", cleaned)
    if len(compact) >= 2 and not any(c.isdigit() for c in compact) \
            and cleaned.casefold() not in PLACEHOLDER_NAMES and compact not in PLACEHOLDER_NAMES \
            and not any(compact.endswith(h) and len(compact) <= len(h) + 2 for h in HONORIFICS):
        return
    raise Refused("member_real_name_required", "Stored value is held on a named card: record "
                  "the member's real name (not a placeholder or a form of address such as "
                  "王先生) before topping up")


# -- the prepaid agreement (预付卡协议) ------------------------------------------------------------

@dataclass(frozen=True)
class Agreement:
    """The prepaid agreement a member accepts by topping up: its version, text and the SHA-256
    of the text (UTF-8), which the top-up records so it can be shown later which words applied."""

    version: str
    text: str
    sha256: str

    @property
    def short_hash(self) -> str:
        """What a slip prints: enough of the hash to compare with the published text's."""
        return self.sha256[:12]

    @property
    def qr(self) -> str:
        return agreement_qr(self.version, self.sha256)


def agreement(value: Mapping[str, Any]) -> Agreement:
    """The agreement as the ``prepaid_agreement`` setting holds it (head office sets it for the
    chain); ``prepaid_agreement_missing`` when it has no version or no text, so no top-up is taken
    under words nobody can show."""
    version = str(value.get("version") or "").strip() if isinstance(value, Mapping) else ""
    text = str(value.get("text") or "") if isinstance(value, Mapping) else ""
    if not version or len(version) > 32 or not text.strip():
        raise Refused("prepaid_agreement_missing", "The prepaid agreement (its version and "
                      "text) is not set: head office must set prepaid_agreement before top-ups")
    return Agreement(version, text, agreement_sha256(text))


def agreement_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def agreement_qr(version: str, sha256: str) -> str:
    """What the top-up slip's QR holds: the version and the full hash of the text accepted."""
    return f"PREPAID-AGREEMENT:{version}:{sha256}"


def check_agreement_shown(current: Agreement, shown_version: str | None) -> None:
    """The member accepted the version they were shown: when head office changed the agreement
    in between (a sync while the dialog was open), the member must see the new one first."""
    if shown_version is not None and shown_version != current.version:
        raise Refused("agreement_changed", f"The prepaid agreement changed to version "
                      f"{current.version}: show it to the member again", version=current.version)


# -- account close (退卡): the refund calculation -------------------------------------------------

#: Journal kinds that put money in (a top-up, less a void of one).
PAID_IN_KINDS = frozenset({"topup", "topup_void"})
#: Journal kinds that spend stored value, less what refunds of those spends gave back.
CONSUMED_KINDS = frozenset({"spend", "spend_refund", "countcard_refund"})


@dataclass(frozen=True)
class CloseCalculation:
    """How an account close's refund comes out, in figures a member can check against their
    top-up and sale slips: principal paid in, less the principal part of what was consumed
    (spends take principal and bonus in proportion to the balance), plus other movements
    (corrections, and at a linked till the net of what happened at other stores), is the
    refund; the bonus left is forfeited."""

    paid_in_fen: int
    bonus_given_fen: int
    consumed_principal_fen: int
    consumed_bonus_fen: int
    other_principal_fen: int
    other_bonus_fen: int
    refund_fen: int
    forfeited_bonus_fen: int


def close_calculation(sums: Mapping[tuple[str, str], int], *, principal_fen: int,
                      bonus_fen: int) -> CloseCalculation:
    """The calculation from the member's journal summed by ``(kind, bucket)`` and the balance
    being closed (the refund is the principal, the forfeit the bonus); "other" is what the paid
    in and consumed lines leave to make them add up."""
    def total(kinds: frozenset[str], bucket: str) -> int:
        return sum(v for (kind, b), v in sums.items() if kind in kinds and b == bucket)

    paid_in, bonus_given = total(PAID_IN_KINDS, "principal"), total(PAID_IN_KINDS, "bonus")
    consumed_p, consumed_b = -total(CONSUMED_KINDS, "principal"), -total(CONSUMED_KINDS, "bonus")
    return CloseCalculation(
        paid_in_fen=paid_in, bonus_given_fen=bonus_given, consumed_principal_fen=consumed_p,
        consumed_bonus_fen=consumed_b,
        other_principal_fen=principal_fen - paid_in + consumed_p,
        other_bonus_fen=bonus_fen - bonus_given + consumed_b,
        refund_fen=principal_fen, forfeited_bonus_fen=bonus_fen)
