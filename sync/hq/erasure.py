"""Erasing a member at head office (crypto-shredding): the member's own key is destroyed here,
their personal data blanked, and every till told to destroy its copy of the key.

The member's rows stay — ledgers, events, visits, the audit chain keep their ids and amounts, so
every total and reconciliation is unchanged — but every sealed copy of their phone, name and
birthday (events head office stored, a till's rows and outbox, every backup taken before) can no
longer be opened by anyone. The member then travels to the tills as erased (phone
``erased:<id>``): a till destroys the key it holds and keeps the member's balance rows.

Money first: the caller (the privacy request's approval, :mod:`sync.hq.pages_privacy`) erases a
member whose stored value was refused or refunded by the refund rules; :func:`erase_member`
refuses a member who still holds principal.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storeapp.services.privacy import ERASED_PREFIX  # the tills' marker, the same here
from sync.hq import member_keys
from sync.hq import models as m
from sync.hq.errors import HqRefusal
from sync.hq.member_row import MemberRow
from sync.hq.movements import touch


def is_erased(member: m.Member | MemberRow) -> bool:
    """By the stored phone key, or (a member an upload registers, not sealed yet) its phone."""
    return (member.phone_key or member.phone).startswith(ERASED_PREFIX)


def erase_member(s: Session, member_id: str, *, by: str, now: dt.datetime,
                 closed_by_till: bool = False,
                 member: m.Member | MemberRow | None = None) -> None:
    """Destroy ``member_id``'s key and personal data here and have every till do the same.

    ``closed_by_till``: a till's ``member_erased`` event, which its own closing of the account
    (by the refund rules, in the same upload) came before: the till was the one to pay.
    ``member``: the row as the caller holds it (an upload being applied holds its members as
    :class:`sync.hq.member_row.MemberRow` and writes them itself)."""
    member = member or s.get(m.Member, member_id)
    if member is None:
        raise HqRefusal(404, "unknown_member", f"no member {member_id}", member_id=member_id)
    if is_erased(member) and not closed_by_till and not member.personal and \
            s.get(m.MemberKey, member_id) is None:
        return  # erased already: nothing is left to destroy (a phone marked erased alone
        # is not enough: a till may send that marker, name and key staying)
    # (a till's erasure is recorded even when its registration came without the member's data)
    if member.principal_fen > 0 and not closed_by_till:
        raise HqRefusal(409, "erasure_with_balance", f"member {member_id} still holds "
                        f"{member.principal_fen} fen of principal: refund it first (the refund "
                        "rules), then erase", member_id=member_id,
                        principal_fen=member.principal_fen)
    s.execute(delete(m.MemberKey).where(m.MemberKey.member_id == member_id))
    member_keys.ring(s).forget(member_id)
    member.phone, member.name, member.birthday = f"{ERASED_PREFIX}{member_id}", "", None
    member.marketing_consent = False
    s.add(m.AccessLog(at=now, user=by, action="member_erased", subject=member_id,
                      detail_json=json.dumps({"principal_fen": member.principal_fen,
                                              "bonus_fen": member.bonus_fen})))
    s.flush()
    touch(s, [member_id])  # every till downloads the member again, erased


__all__ = ["ERASED_PREFIX", "erase_member", "is_erased"]
