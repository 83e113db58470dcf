"""Stored value (储值): top-ups with bonus, spends split over principal and bonus, voids, refunds,
account close, PINs and adjustments.

Every movement is a ``wallet_entries`` row (append-only) plus the same change to the member's
cached ``principal_fen`` / ``bonus_fen``, inside one action transaction.

A top-up follows the prepaid-card rules (:mod:`storeapp.prepaid_rules`): the member's real name
on record (a named card), a company's ¥5,000 or more (a person's ¥50,000) at once only by bank
transfer with the payer's account recorded, and the prepaid agreement in force (version and
SHA-256) recorded with it. An account close prints how its refund comes out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storeapp import audit, ledger, prepaid_rules, receipt_jobs, sealed_records
from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.clock import to_local
from storeapp.db import Database
from storeapp.errors import AuthError, InvalidInput, NotFound, Refused
from storeapp.ids import ActionKey, MemberId
from storeapp.models import Card, Member, Topup, WalletEntry
from storeapp.money import format_fen, split_in_proportion
from storeapp.pins import check_pin
from storeapp.results import ActionResult, Record, optional
from storeapp.rules import bonus_for
from storeapp.services import members, shifts, spend_gate
from storeapp.services.spend_gate import Verdict
from storeapp.services.users import Grant, record_approval

_CARD_STATUS = select(Card.status).where(Card.card_no == bindparam("card_no"))
#: How money is taken at the counter (plans and count cards are sold by these too).
TOPUP_METHODS = ("cash", "card", "wechat", "alipay")
#: A top-up may also come by bank transfer: the only way from the transfer thresholds.
TOPUP_PAY_METHODS = (*TOPUP_METHODS, "transfer")
REFUND_METHODS = TOPUP_PAY_METHODS


@dataclass(frozen=True, eq=False)
class TopupResult(ActionResult):
    """A top-up, and the member's stored value right after it."""

    topup_key: ActionKey
    at: str
    member_id: MemberId
    principal_fen: int
    bonus_fen: int
    method: str
    #: Codes of the coupons the top-up earned (``topup_coupon_rules``).
    coupons: list[str]
    balance_fen: int
    balance_principal_fen: int
    balance_bonus_fen: int
    #: the prepaid agreement the member accepted: its version and the SHA-256 of its text
    agreement_version: str = ""
    agreement_sha256: str = ""
    #: a company paid (the transfer threshold is a company's)
    company: bool = optional(False)
    #: the payer's account, masked (****1234): the full number is in the top-up's record only
    payer_account_masked: str | None = optional(None)


@dataclass(frozen=True, eq=False)
class VoidResult(ActionResult):
    """A voided top-up: the principal paid back (by its method) and the bonus taken away."""

    member_id: MemberId
    topup_key: ActionKey
    at: str
    refund_fen: int
    method: str
    bonus_removed_fen: int


@dataclass(frozen=True, eq=False)
class CloseResult(ActionResult):
    """A closed account (退卡): the principal paid back and how, the bonus forfeited, and how
    the refund comes out (:class:`storeapp.prepaid_rules.CloseCalculation`): principal paid in,
    consumed (principal and bonus parts), other movements."""

    member_id: MemberId
    refund_fen: int
    forfeited_bonus_fen: int
    method: str
    paid_in_fen: int = 0
    bonus_given_fen: int = 0
    consumed_principal_fen: int = 0
    consumed_bonus_fen: int = 0
    other_principal_fen: int = optional(0)
    other_bonus_fen: int = optional(0)


@dataclass(frozen=True, eq=False)
class AdjustResult(ActionResult):
    member_id: MemberId
    balance_fen: int


@dataclass(frozen=True, eq=False)
class VoidableTopup(Record):
    topup_key: ActionKey
    principal_fen: int
    bonus_fen: int
    method: str
    at: str


def post(ctx: Ctx, member: Member, kind: str, *, principal_fen: int, bonus_fen: int,
         method: str | None = None, ref: str | None = None) -> None:
    """Journal a movement of the action (:func:`storeapp.ledger.post`); nothing may go below
    zero."""
    if member.principal_fen + principal_fen < 0 or member.bonus_fen + bonus_fen < 0:
        raise Refused("insufficient_balance", "Balance is not enough for this")
    ledger.post(ctx.session, member, key=ctx.key, at=ctx.now, kind=kind,
                principal_fen=principal_fen, bonus_fen=bonus_fen, method=method, ref=ref)


# -- top-up -------------------------------------------------------------------------------------

def topup(db: Database, member_ref: str, amount_fen: int, *, method: str = "cash", actor: str,
          company: bool = False, payer_account: str | None = None,
          agreement_version: str | None = None, key: str | None = None) -> TopupResult:
    """Top up: principal as paid, bonus by rule; refused when the balance would pass the cap.

    ``company``: a company pays (its transfer threshold is ¥5,000, a person's ¥50,000);
    ``payer_account``: the bank account a transfer came from; ``agreement_version``: the
    version of the prepaid agreement the member was shown (None: the one in force), refused
    when it is no longer the one in force."""
    if method not in TOPUP_PAY_METHODS:
        allowed = ", ".join(TOPUP_PAY_METHODS)
        raise InvalidInput("bad_method", f"Method must be one of {allowed}", allowed=allowed)
    if amount_fen <= 0:
        raise InvalidInput("bad_amount", "Top-up amount must be more than ¥0.00", variant="zero")
    account = prepaid_rules.payer_account(payer_account) if method == "transfer" else None
    prepaid_rules.needs_transfer(amount_fen, method=method, company=company,
                                 payer_account=account)

    def body(ctx: Ctx) -> TopupResult:
        settings = ctx.db.settings
        agreement = prepaid_rules.agreement(settings.prepaid_agreement)
        prepaid_rules.check_agreement_shown(agreement, agreement_version)
        member = members.lock(db, ctx.session, member_ref)
        members.require_open(member)
        prepaid_rules.check_real_name(member.name)
        bonus = bonus_for(settings, amount_fen)
        cap = settings.wallet_cap_fen
        after = member.principal_fen + member.bonus_fen + amount_fen + bonus
        if after > cap:
            room = max(0, cap - member.principal_fen - member.bonus_fen)
            raise Refused(
                "over_cap",
                f"A named card may hold at most {format_fen(cap)}; this top-up (with bonus) "
                f"would make {format_fen(after)}. At most {format_fen(room)} more fits.",
                cap_fen=cap, after_fen=after, room_fen=room,
            )
        post(ctx, member, "topup", principal_fen=amount_fen, bonus_fen=bonus, method=method,
             ref=ctx.key)
        shifts.record_payment(ctx, "topup", method, amount_fen)
        ctx.session.add(Topup(key=ctx.key, member_id=member.member_id, principal_fen=amount_fen,
                              bonus_fen=bonus, method=method, cashier=ctx.actor,
                              created_at=ctx.now, agreement_version=agreement.version,
                              agreement_sha256=agreement.sha256, company=company,
                              payer_account=account))
        member.last_visit_at = ctx.now
        masked = prepaid_rules.masked_account(account)
        ctx.audit("wallet_topped_up", member.member_id, principal_fen=amount_fen,
                  bonus_fen=bonus, method=method, agreement_version=agreement.version,
                  **({"company": True} if company else {}),
                  **({"payer_account": masked} if masked else {}))
        # head office records the payer's account with the top-up (the law asks for it),
        # sealed to it, and checks the transfer rule by the same function (sync.hq.verify)
        ctx.emit("wallet_topped_up", member_id=member.member_id, principal_fen=amount_fen,
                 bonus_fen=bonus, method=method, agreement_version=agreement.version,
                 agreement_sha256=agreement.sha256,
                 **({"company": True} if company else {}),
                 **(sealed_records.event_fields(ctx.session, settings.hq_member_key, "topups",
                                                ctx.key, payer_account=account)
                    if account else {}))
        from storeapp.services import coupons

        issued = coupons.issue_by_rule(ctx, member.member_id, "topup", amount_fen=amount_fen)
        result = TopupResult(
            topup_key=ctx.key, at=ctx.now.isoformat(), member_id=member.member_id,
            principal_fen=amount_fen, bonus_fen=bonus, method=method, coupons=issued,
            balance_fen=member.principal_fen + member.bonus_fen,
            balance_principal_fen=member.principal_fen, balance_bonus_fen=member.bonus_fen,
            agreement_version=agreement.version, agreement_sha256=agreement.sha256,
            company=company, payer_account_masked=masked,
        )
        ctx.receipt("topup", _slip("topup", ctx, result, member))
        return result

    request: dict[str, object] = {"member": member_ref, "amount_fen": amount_fen,
                                  "method": method}
    if company or account or agreement_version is not None:  # earlier keys keep their hash
        request.update(company=company, payer=account, agreement=agreement_version)
    return run_action(db, key=key_or_new(key), kind="wallet_topup", actor=actor,
                      request=request, body=body, returns=TopupResult)


def agreement(db: Database) -> prepaid_rules.Agreement:
    """The prepaid agreement in force at this till: what a top-up records, and what the
    counter shows and prints for the member to read."""
    return prepaid_rules.agreement(db.settings.prepaid_agreement)


def void_topup(db: Database, topup_key: str, *, actor: str, grant: Grant | None,
               key: str | None = None) -> VoidResult:
    """Void a top-up the same (store-local) day, bonus included, while the balance covers it.
    The cash goes back out of stored value: at a linked till head office holds it first like a
    spend (the member may have spent the top-up at another store); offline the allowance
    applies."""
    key = key_or_new(key)

    def body(ctx: Ctx) -> VoidResult:
        s = ctx.session
        original = s.get(Topup, topup_key)
        if original is None:
            raise NotFound("unknown_topup", f"No top-up {topup_key}", topup_key=topup_key)
        if original.voided_by:
            raise Refused("already_voided", "This top-up was already voided")
        if to_local(original.created_at).date() != to_local(ctx.now).date():
            raise Refused("void_too_late", "A top-up can only be voided on the day it was made")
        member = s.get(Member, original.member_id)
        assert member is not None
        if member.principal_fen < original.principal_fen or member.bonus_fen < original.bonus_fen:
            raise Refused("void_not_covered",
                          "The balance no longer covers this top-up (part was spent)")
        record_approval(ctx, grant, kind="topup_void", subject=topup_key,
                        member_id=member.member_id)
        if verdict == "offline":
            spend_gate.check_offline_allowance(ctx, member.member_id,
                                               original.principal_fen + original.bonus_fen)
        post(ctx, member, "topup_void", principal_fen=-original.principal_fen,
             bonus_fen=-original.bonus_fen, method=original.method, ref=topup_key)
        shifts.record_payment(ctx, "topup_void", original.method, -original.principal_fen)
        original.voided_by = ctx.key
        ctx.audit("wallet_topup_voided", member.member_id, topup=topup_key,
                  principal_fen=original.principal_fen, bonus_fen=original.bonus_fen)
        ctx.emit("wallet_topup_voided", member_id=member.member_id, topup_key=topup_key,
                 principal_fen=original.principal_fen, bonus_fen=original.bonus_fen)
        result = VoidResult(member_id=member.member_id, topup_key=original.key,
                            at=ctx.now.isoformat(), refund_fen=original.principal_fen,
                            method=original.method, bonus_removed_fen=original.bonus_fen)
        ctx.receipt("void", _slip("void", ctx, result, member))
        return result

    def share() -> tuple[str | None, int]:
        with db.reader() as s:
            original = s.get(Topup, topup_key)
            if original is None or original.voided_by:
                return None, 0  # refused inside the action, with the reason
            return original.member_id, original.principal_fen + original.bonus_fen

    with spend_gate.spending(db, key=key, share=share) as verdict:
        return run_action(db, key=key, kind="wallet_topup_void", actor=actor,
                          request={"topup": topup_key}, body=body, returns=VoidResult)


def voidable_topups(db: Database, member_ref: str) -> list[VoidableTopup]:
    """Today's (store-local) top-ups of the member that are not voided, newest first."""
    from storeapp.clock import local_day_bounds

    start, end = local_day_bounds(db.clock.local_date())
    with db.reader() as s:
        member = members.load(db, s, member_ref)
        rows = s.scalars(select(Topup).where(
            Topup.member_id == member.member_id, Topup.voided_by.is_(None),
            Topup.created_at >= start, Topup.created_at < end).order_by(Topup.created_at.desc()))
        return [VoidableTopup(topup_key=t.key, principal_fen=t.principal_fen,
                              bonus_fen=t.bonus_fen, method=t.method,
                              at=t.created_at.isoformat()) for t in rows]


def _slip(kind: str, ctx: Ctx, result: ActionResult, member: Member) -> dict[str, object]:
    """A top-up, void or account-close slip: the action's result and the member right after
    it."""
    return {kind: receipt_jobs.result_part(result),
            "member": receipt_jobs.member_fields(members.view(ctx.db, member)),
            "at": ctx.now.isoformat()}


# -- spending (inside a sale) -------------------------------------------------------------------

class WrongPin(AuthError):
    """Raised inside a spend; :func:`pin_tries_counted` records the try after the rollback."""

    def __init__(self, member_id: str) -> None:
        super().__init__("wrong_pin", "Wrong payment PIN")
        self.member_id = member_id


@contextmanager
def pin_tries_counted(db: Database) -> Iterator[None]:
    """Around an action that may spend: a wrong PIN rolls the action back, then counts the try
    in a transaction of its own so the lock after ``wallet_pin_max_tries`` holds."""
    try:
        yield
    except WrongPin as wrong:
        max_tries = db.settings.wallet_pin_max_tries
        with db.session() as s, s.begin():
            member = s.get(Member, wrong.member_id)
            assert member is not None
            member.pin_failed += 1
            left = max_tries - member.pin_failed
            audit.append(s, at=db.clock.now(), actor="till", action="member_pin_failed",
                         subject=member.member_id, detail={"tries_left": left})
        if left > 0:
            raise AuthError("wrong_pin", f"Wrong payment PIN ({left} tries left)",
                            variant="tries_left", tries_left=left) from None
        raise AuthError("wrong_pin", "Wrong payment PIN: the PIN is now locked",
                        variant="locked") from None


def check_member_pin(ctx: Ctx, member: Member, pin: str | None) -> None:
    """Inside the spending action: no PIN set passes; a locked PIN or a wrong one refuses."""
    if member.pin_hash is None:
        return
    if member.pin_failed >= ctx.db.settings.wallet_pin_max_tries:
        raise AuthError("pin_locked", "Payment PIN is locked after too many wrong tries: "
                        "a manager must reset it")
    if not pin:  # nothing typed is not a try: Enter on an empty PIN pad must not lock it
        raise AuthError("pin_required", "The member's payment PIN is needed to pay from the "
                        "balance")
    if not check_pin(pin, member.pin_hash):
        raise WrongPin(member.member_id)
    if member.pin_failed:
        member.pin_failed = 0


def spend(ctx: Ctx, member: Member, amount_fen: int, *, ref: str, pin: str | None,
          verdict: Verdict | None = None) -> tuple[int, int]:
    """Take ``amount_fen`` from the balance in proportion; returns (principal, bonus) taken.

    ``verdict`` is head office's answer asked before the action (:func:`spend_gate.spending`):
    "offline" applies the offline allowance."""
    members.require_open(member)
    if member.wallet_blocked:
        raise Refused("wallet_blocked", "Stored value of this member is blocked by head office: "
                      "ask the manager")
    check_member_pin(ctx, member, pin)
    card_status = ctx.session.connection().scalar(_CARD_STATUS, {"card_no": member.card_no})
    if card_status == "lost":
        raise Refused("card_lost", "This card is reported lost: replace it before spending",
                      card_no=member.card_no)
    balance = member.principal_fen + member.bonus_fen
    if amount_fen > balance:
        raise Refused("insufficient_balance",
                      f"Stored value {format_fen(balance)} is less than {format_fen(amount_fen)}",
                      variant="spend", balance_fen=balance, amount_fen=amount_fen)
    if verdict == "offline":
        spend_gate.check_offline_allowance(ctx, member.member_id, amount_fen)
    principal, bonus = split_in_proportion(amount_fen, member.principal_fen, member.bonus_fen)
    post(ctx, member, "spend", principal_fen=-principal, bonus_fen=-bonus, ref=ref)
    return principal, bonus


def refund_spend(ctx: Ctx, member: Member, principal_fen: int, bonus_fen: int, *,
                 ref: str) -> None:
    """Give back exactly the principal and bonus a spend took."""
    post(ctx, member, "spend_refund", principal_fen=principal_fen, bonus_fen=bonus_fen, ref=ref)


# -- close account, adjustments -----------------------------------------------------------------

def close_account(db: Database, member_ref: str, *, actor: str, grant: Grant | None,
                  method: str = "cash", key: str | None = None) -> CloseResult:
    """退卡: refund the principal, forfeit the bonus, close the card and the membership.

    At a linked till head office holds the payout against the principal it knows first (the
    till's own figure may be stale, or edited); offline the allowance applies."""
    if method not in REFUND_METHODS:
        allowed = ", ".join(REFUND_METHODS)
        raise InvalidInput("bad_method", f"Method must be one of {allowed}", allowed=allowed)
    key = key_or_new(key)

    def body(ctx: Ctx) -> CloseResult:
        s, settings = ctx.session, ctx.db.settings
        member = members.lock(db, s, member_ref)
        if member.status == "closed":
            raise Refused("member_closed", "This membership is already closed")
        record_approval(ctx, grant, kind="account_close", subject=member.member_id,
                        member_id=member.member_id)
        principal, bonus = member.principal_fen, member.bonus_fen
        worked = prepaid_rules.close_calculation(_journal_sums(s, member.member_id),
                                                 principal_fen=principal, bonus_fen=bonus)
        if verdict == "offline" and principal > 0:
            spend_gate.check_offline_allowance(ctx, member.member_id, principal)
        paid_by = method
        if method == "cash" and principal > settings.cash_refund_transfer_over_fen:
            paid_by = "transfer"
        post(ctx, member, "close_refund", principal_fen=-principal, bonus_fen=0, method=paid_by)
        post(ctx, member, "bonus_forfeit", principal_fen=0, bonus_fen=-bonus)
        shifts.record_payment(ctx, "close", paid_by, -principal)
        member.status = "closed"
        for card in s.scalars(select(Card).where(Card.member_id == member.member_id,
                                                 Card.status == "active")):
            card.status, card.changed_at = "closed", ctx.now
        ctx.audit("member_closed", member.member_id, refund_fen=principal,
                  forfeit_bonus_fen=bonus, method=paid_by)
        ctx.emit("member_closed", member_id=member.member_id, refund_principal_fen=principal,
                 forfeit_bonus_fen=bonus, method=paid_by)
        result = CloseResult(
            member_id=member.member_id, refund_fen=principal, forfeited_bonus_fen=bonus,
            method=paid_by, paid_in_fen=worked.paid_in_fen,
            bonus_given_fen=worked.bonus_given_fen,
            consumed_principal_fen=worked.consumed_principal_fen,
            consumed_bonus_fen=worked.consumed_bonus_fen,
            other_principal_fen=worked.other_principal_fen,
            other_bonus_fen=worked.other_bonus_fen)
        ctx.receipt("close", _slip("close", ctx, result, member))
        return result

    def share() -> tuple[str | None, int]:
        with db.reader() as s:
            member = members.load(db, s, member_ref)
            return member.member_id, member.principal_fen

    with spend_gate.spending(db, key=key, share=share, kind="payout") as verdict:
        return run_action(db, key=key, kind="account_close", actor=actor,
                          request={"member": member_ref, "method": method}, body=body,
                          returns=CloseResult)


def _journal_sums(s: Session, member_id: str) -> dict[tuple[str, str], int]:
    """The member's stored-value journal summed by kind and bucket (the close's calculation)."""
    rows = s.execute(select(WalletEntry.kind, WalletEntry.bucket,
                            func.sum(WalletEntry.amount_fen))
                     .where(WalletEntry.member_id == member_id)
                     .group_by(WalletEntry.kind, WalletEntry.bucket))
    return {(kind, bucket): int(total or 0) for kind, bucket, total in rows}


def adjust(db: Database, member_ref: str, *, principal_fen: int, bonus_fen: int, actor: str,
           grant: Grant | None, key: str | None = None) -> AdjustResult:
    """A manager's correction, posted as its own entries (never by editing old ones)."""
    if principal_fen == 0 and bonus_fen == 0:
        raise InvalidInput("bad_amount", "An adjustment must change something",
                           variant="no_change")

    def body(ctx: Ctx) -> AdjustResult:
        member = members.lock(db, ctx.session, member_ref)
        members.require_open(member)
        record_approval(ctx, grant, kind="wallet_adjust", subject=member.member_id,
                        member_id=member.member_id)
        post(ctx, member, "adjustment", principal_fen=principal_fen, bonus_fen=bonus_fen)
        ctx.audit("wallet_adjusted", member.member_id, principal_fen=principal_fen,
                  bonus_fen=bonus_fen)
        ctx.emit("wallet_adjusted", member_id=member.member_id, principal_fen=principal_fen,
                 bonus_fen=bonus_fen)
        return AdjustResult(member_id=member.member_id, balance_fen=member.balance_fen)

    return run_action(db, key=key_or_new(key), kind="wallet_adjust", actor=actor,
                      request={"member": member_ref, "p": principal_fen, "b": bonus_fen},
                      body=body, returns=AdjustResult)


# -- history ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerLine:
    at: dt.datetime
    kind: str
    principal_fen: int
    bonus_fen: int
    balance_after_fen: int
    method: str | None
    ref: str | None


def history(db: Database, member_ref: str, *, limit: int = 200) -> list[LedgerLine]:
    """The member's stored-value movements, newest first, with the running balance after each."""
    with db.reader() as s:
        member = members.load(db, s, member_ref)
        rows = s.scalars(select(WalletEntry).where(WalletEntry.member_id == member.member_id)
                         .order_by(WalletEntry.id)).all()
    lines: list[LedgerLine] = []
    balance = 0
    for row in rows:  # one line per action and kind: principal and bonus side by side
        balance += row.amount_fen
        p = row.amount_fen if row.bucket == "principal" else 0
        b = row.amount_fen if row.bucket == "bonus" else 0
        last = lines[-1] if lines else None
        if last and last.ref == row.ref and last.kind == row.kind and last.at == row.created_at:
            lines[-1] = LedgerLine(last.at, last.kind, last.principal_fen + p, last.bonus_fen + b,
                                   balance, last.method, last.ref)
        else:
            lines.append(LedgerLine(row.created_at, row.kind, p, b, balance, row.method, row.ref))
    return list(reversed(lines))[:limit]


