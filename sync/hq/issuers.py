"""Who issues the chain's prepaid value, as head office records it: issuers (the chain itself
and franchisees, 加盟商) with their kind, the issuer each store sells for, each quarter's
deposit-account balance from the bank's statement, and head office's compliance settings.

Every change names the head-office user who made it, who must exist; a deposit record is never
changed (a correction is a later record of the same quarter). The figures built on these are
:mod:`sync.hq.compliance`'s.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storeapp import deposit_rules as rules
from storeapp.deposit_rules import Quarter
from sync.hq import models as m
from sync.hq.db import HqDatabase
from sync.hq.errors import HqRefusal

#: The chain itself: the issuer of every store not given to a franchisee.
CHAIN = "CHAIN"
#: Settings (``hq_compliance_settings``) and their defaults.
SETTINGS = {"revenue_share_pct": rules.DEFAULT_REVENUE_SHARE_PCT,
            "revenue_months": rules.REVENUE_MONTHS}
SETTING_RANGES = {"revenue_share_pct": (1, 1000), "revenue_months": (1, 36)}
#: Largest deposit one record may state (¥10 billion): larger is a typo.
MAX_DEPOSIT_FEN = 1_000_000_000_000

_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{1,15}")


@dataclass(frozen=True)
class IssuerView:
    code: str
    name: str
    kind: str
    share_pct: int
    stores: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "kind": self.kind,
                "share_pct": self.share_pct, "stores": list(self.stores)}


@dataclass(frozen=True)
class DepositView:
    issuer: str
    quarter: str
    amount_fen: int
    bank: str
    account: str
    on_day: dt.date
    recorded_by: str
    recorded_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "quarter": self.quarter, "amount_fen": self.amount_fen,
                "bank": self.bank, "account": self.account, "on_day": self.on_day.isoformat(),
                "recorded_by": self.recorded_by, "recorded_at": self.recorded_at.isoformat()}


# -- reading -------------------------------------------------------------------------------------

def issuers(s: Session) -> list[IssuerView]:
    """Every issuer with its stores, the chain first; the chain is there before anyone set it
    up (as a brand issuer: :data:`storeapp.deposit_rules.DEFAULT_KIND`). A store not
    assigned, and head office's own movements (``HQ``), are the chain's."""
    rows = {row.code: row for row in s.scalars(select(m.Issuer))}
    owner = store_issuers(s)
    stores: dict[str, list[str]] = {code: [] for code in rows}
    stores.setdefault(CHAIN, [])
    for store_code, issuer_code in sorted(owner.items()):
        stores.setdefault(issuer_code, []).append(store_code)
    out = []
    for code in [CHAIN, *sorted(c for c in stores if c != CHAIN)]:
        row = rows.get(code)
        kind = row.kind if row else rules.DEFAULT_KIND
        out.append(IssuerView(code=code, name=row.name if row else "", kind=kind,
                              share_pct=rules.deposit_share_pct(kind),
                              stores=tuple(stores[code])))
    return out


def store_issuers(s: Session) -> dict[str, str]:
    """Every registered store's issuer code (the chain's unless assigned)."""
    assigned = dict(s.execute(select(m.IssuerStore.store_code, m.IssuerStore.issuer_code)).all())
    return {code: assigned.get(code, CHAIN) for code in s.scalars(select(m.Store.code))}


def deposits(s: Session, quarter: Quarter) -> dict[str, DepositView]:
    """Each issuer's deposit for the quarter: its latest record (by statement date, then by
    when it was recorded)."""
    d = m.Deposit
    found: dict[str, DepositView] = {}
    for row in s.scalars(select(d).where(d.quarter == quarter.label)
                         .order_by(d.on_day, d.recorded_at, d.id)):
        found[row.issuer_code] = _deposit_view(row)
    return found


def deposit_history(s: Session, issuer: str | None = None) -> list[DepositView]:
    d = m.Deposit
    query = select(d).order_by(d.quarter, d.issuer_code, d.on_day, d.id)
    if issuer:
        query = query.where(d.issuer_code == issuer)
    return [_deposit_view(row) for row in s.scalars(query)]


def setting(s: Session, name: str) -> int:
    row = s.get(m.ComplianceSetting, name)
    return int(row.value) if row else SETTINGS[name]


# -- changing ------------------------------------------------------------------------------------

def save_issuer(hq: HqDatabase, code: str, *, name: str | None, kind: str | None, user: str,
                now: dt.datetime, new: bool) -> dict[str, Any]:
    """Add an issuer (``new``) or change one's name or kind; the chain (``CHAIN``) is only
    ever changed, never added."""
    code = code.strip().upper()
    if not _CODE.fullmatch(code):
        raise HqRefusal(422, "bad_issuer_code", "an issuer code is 2–16 letters, digits, - or _, "
                        "e.g. FR-HZ01", issuer=code[:20])
    if kind is not None and kind not in rules.ISSUER_KINDS:
        raise HqRefusal(422, "bad_issuer_kind", "an issuer kind is size (规模发卡企业), group "
                        "(集团发卡企业) or brand (品牌发卡企业)", kind=kind[:20])
    with hq.transaction() as s:
        _check_user(s, user)
        row = s.get(m.Issuer, code)
        if new and (row is not None or code == CHAIN):
            raise HqRefusal(409, "issuer_exists", f"issuer {code} already exists", issuer=code)
        if not new and row is None and code != CHAIN:
            raise HqRefusal(404, "unknown_issuer", f"no issuer {code}", issuer=code)
        if new and not (name or "").strip():
            raise HqRefusal(422, "issuer_name_missing", "a new issuer needs its company name")
        if row is None:
            row = m.Issuer(code=code, name="", kind=rules.DEFAULT_KIND)
            s.add(row)
        if name is not None:
            row.name = name.strip()[:64]
        if kind is not None:
            row.kind = kind
        row.updated_by, row.updated_at = user, now
        s.flush()
        return next(i for i in issuers(s) if i.code == code).to_json()


def assign_store(hq: HqDatabase, store_code: str, issuer_code: str, *, user: str,
                 now: dt.datetime) -> dict[str, Any]:
    """The store sells prepaid value for this issuer from now on (its balances count for it in
    every quarter's figures: the figures follow the assignment, not its history)."""
    issuer_code = issuer_code.strip().upper()
    with hq.transaction() as s:
        _check_user(s, user)
        if s.scalar(select(m.Store.id).where(m.Store.code == store_code)) is None:
            raise HqRefusal(404, "unknown_store", f"no store {store_code}")
        if issuer_code != CHAIN and s.get(m.Issuer, issuer_code) is None:
            raise HqRefusal(404, "unknown_issuer", f"no issuer {issuer_code}", issuer=issuer_code)
        row = s.get(m.IssuerStore, store_code)
        if row is None:
            row = m.IssuerStore(store_code=store_code)
            s.add(row)
        row.issuer_code, row.assigned_by, row.assigned_at = issuer_code, user, now
    return {"store_code": store_code, "issuer": issuer_code}


def record_deposit(hq: HqDatabase, issuer_code: str, quarter: Quarter, amount_fen: int, *,
                   bank: str, account: str, on_day: dt.date, user: str,
                   now: dt.datetime) -> dict[str, Any]:
    """What the issuer's deposit account held for ``quarter``, from the bank's statement of
    ``on_day``; the latest record of a quarter is the one that counts."""
    issuer_code = issuer_code.strip().upper()
    if not 0 <= amount_fen <= MAX_DEPOSIT_FEN:
        raise HqRefusal(422, "bad_deposit", "a deposit is between ¥0 and ¥10,000,000,000",
                        amount_fen=amount_fen)
    if not bank.strip():
        raise HqRefusal(422, "deposit_bank_missing", "name the bank that holds the deposit")
    with hq.transaction() as s:
        _check_user(s, user)
        if issuer_code != CHAIN and s.get(m.Issuer, issuer_code) is None:
            raise HqRefusal(404, "unknown_issuer", f"no issuer {issuer_code}", issuer=issuer_code)
        row = m.Deposit(issuer_code=issuer_code, quarter=quarter.label, amount_fen=amount_fen,
                        bank=bank.strip()[:64], account=account.strip()[:40], on_day=on_day,
                        recorded_by=user, recorded_at=now)
        s.add(row)
        s.flush()
        return _deposit_view(row).to_json()


def set_setting(hq: HqDatabase, name: str, value: int, *, user: str,
                now: dt.datetime) -> dict[str, Any]:
    low, high = SETTING_RANGES[name]
    if not low <= value <= high:
        raise HqRefusal(422, "bad_setting", f"{name} is between {low} and {high}",
                        name=name, value=value)
    with hq.transaction() as s:
        _check_user(s, user)
        row = s.get(m.ComplianceSetting, name)
        if row is None:
            row = m.ComplianceSetting(name=name)
            s.add(row)
        row.value, row.updated_by, row.updated_at = value, user, now
    return {name: value, "updated_by": user}


def _check_user(s: Session, user: str) -> None:
    if s.get(m.User, user) is None:
        raise HqRefusal(404, "unknown_user", f"no head-office user {user}")


def _deposit_view(row: m.Deposit) -> DepositView:
    return DepositView(issuer=row.issuer_code, quarter=row.quarter,
                       amount_fen=int(row.amount_fen), bank=row.bank, account=row.account,
                       on_day=row.on_day, recorded_by=row.recorded_by,
                       recorded_at=row.recorded_at)
