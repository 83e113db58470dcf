"""Erasing a member at the request of the member (PIPL Art. 47), by destroying their key.

A member's phone, name and birthday exist only sealed under their own key (:mod:`storeapp.pii`):
in the ``members`` row, in the outbox, in every backup, at head office and at every till that
met them. Erasing destroys the key here; head office, told by the ``member_erased`` event,
destroys its copy and has every other till destroy theirs (:mod:`sync.hq.erasure`). Every sealed
copy is then noise, backups taken before included, while the member's rows stay: ledgers,
sales, the audit chain keep their ids and amounts, so every total and reconciliation is the
same after as before.

Money first: an open account is closed by the refund rules before anything is erased (退卡:
principal refunded by the method the member chose, bonus forfeited), with the same manager's
approval; an erasure is never a way to lose a member's money.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storeapp.actions import Ctx, key_or_new, run_action
from storeapp.db import Database
from storeapp.models import Member, MemberNameGram
from storeapp.results import ActionResult
from storeapp.services import members, wallet
from storeapp.services.users import Grant, record_approval

#: an erased member's phone key: unique, never a real phone's
ERASED_PREFIX = "erased:"


@dataclass(frozen=True, eq=False)
class MemberErased(ActionResult):
    """A member erased; ``refunded_fen``: the principal the account's closing paid back (0 when
    it was closed already), by ``refund_method``."""

    member_id: str
    refunded_fen: int
    forfeited_bonus_fen: int
    refund_method: str | None


def erase(db: Database, member_ref: str, *, actor: str, grant: Grant | None,
          refund_method: str = "cash", key: str | None = None) -> MemberErased:
    """Erase a member's personal data everywhere; an open account is closed first (refund)."""
    key = key_or_new(key)
    found = members.get(db, member_ref)
    refunded = forfeited = 0
    method: str | None = None
    if found.status != "closed":
        closed = wallet.close_account(db, found.member_id, actor=actor, grant=grant,
                                      method=refund_method, key=f"{key}:close"[:64])
        refunded, forfeited, method = closed.refund_fen, closed.forfeited_bonus_fen, \
            closed.method

    def body(ctx: Ctx) -> MemberErased:
        member = members.lock(db, ctx.session, found.member_id)
        record_approval(ctx, grant, kind="member_erase", subject=member.member_id,
                        member_id=member.member_id)
        # the key first: should the rest fail, the data is already unreadable, and a retry
        # records what happened
        db.pii.keys.destroy(member.member_id)
        blank(ctx.session, member, ctx.now)
        ctx.audit("member_erased", member.member_id, refunded_fen=refunded)
        ctx.emit("member_erased", member_id=member.member_id)
        return MemberErased(member_id=member.member_id, refunded_fen=refunded,
                            forfeited_bonus_fen=forfeited, refund_method=method)

    return run_action(db, key=key, kind="member_erase", actor=actor,
                      request={"member": found.member_id}, body=body, returns=MemberErased)


def blank(s: Session, member: Member, now: dt.datetime) -> None:
    """What an erasure leaves of a member's row: no sealed data, no lookup keys, no grams."""
    member.__dict__.pop("_pii_opened", None)
    member.__dict__.pop("_pii_staged", None)
    member.personal = ""
    member.phone_key, member.tail_key = f"{ERASED_PREFIX}{member.member_id}", ""
    member.birth_month, member.marketing_consent = None, False
    member.updated_at = now
    s.execute(delete(MemberNameGram).where(MemberNameGram.member_id == member.member_id))


__all__ = ["ERASED_PREFIX", "MemberErased", "blank", "erase"]
