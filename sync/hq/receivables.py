"""Company receivables (企业应收) as head office can know them: from the events tills send.

Company accounts (企业会员, 月结) live at the till that opened them (:mod:`storeapp.services.
companies`): a company's code names it only at that till, so head office keys a company by
store, till and code. Everything it needs is in events every till already sends, stored whether
or not head office applied anything for them (it moves no member's money):

- ``company_added``: the company's name and credit limit;
- ``sale_completed``: a tender of method ``account`` charges its ``ref``, the company's code;
- ``sale_refunded``: gives a sale's charges back; its tenders name no company, so the charge is
  found from the sale it refunds (a refund is of a sale of the same till, whole);
- ``company_paid``: a payment (transfer with its reference, or money at the till).

What a company owes is charges less charges given back less payments, as the till's own
``company_entries`` add up to its balance. The events are read in one pass filtered in SQL by
type (sales only when their text names ``"account"``); there is no head-office ledger of
companies, so the pass grows with the event store: should that become slow, the same fold can
move into the ingest with a table of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sync.hq import models as m

COMPANY_EVENTS = ("company_added", "company_paid")
SALE_EVENTS = ("sale_completed", "sale_refunded")
ACCOUNT = "account"
#: a refund whose sale head office does not hold: its charge given back, company unknown
UNKNOWN = "?"


@dataclass
class CompanyAccount:
    store_code: str
    till_no: int
    code: str
    name: str = ""
    credit_limit_fen: int | None = None
    charged_fen: int = 0
    charges: int = 0
    #: charges given back by refunds of their sales
    returned_fen: int = 0
    paid_fen: int = 0
    payments: int = 0
    last_paid_at: dt.datetime | None = None

    @property
    def owed_fen(self) -> int:
        return self.charged_fen - self.returned_fen - self.paid_fen

    @property
    def over_limit(self) -> bool:
        return self.credit_limit_fen is not None and self.owed_fen > self.credit_limit_fen


@dataclass
class StoreReceivables:
    code: str
    name: str
    companies: int = 0
    charged_fen: int = 0
    returned_fen: int = 0
    paid_fen: int = 0

    @property
    def owed_fen(self) -> int:
        return self.charged_fen - self.returned_fen - self.paid_fen

    def add(self, account: CompanyAccount | StoreReceivables) -> None:
        self.companies += 1 if isinstance(account, CompanyAccount) else account.companies
        self.charged_fen += account.charged_fen
        self.returned_fen += account.returned_fen
        self.paid_fen += account.paid_fen


@dataclass
class Receivables:
    stores: list[StoreReceivables]
    companies: list[CompanyAccount]
    total: StoreReceivables


def receivables(s: Session) -> Receivables:
    """Every company account the tills told head office of, and per store its receivables."""
    codes = dict(s.execute(select(m.Store.id, m.Store.code)).all())
    names = dict(s.execute(select(m.Store.code, m.Store.name)).all())
    query = (select(m.Event.store_id, m.Event.till_no, m.Event.type, m.Event.payload,
                    m.Event.created_at)
             .where(or_(m.Event.type.in_(COMPANY_EVENTS),
                        m.Event.type.in_(SALE_EVENTS) & m.Event.payload.contains(f'"{ACCOUNT}"')))
             .order_by(m.Event.store_id, m.Event.till_no, m.Event.seq))
    fold = _Fold()
    for store_id, till_no, event_type, payload, at in s.execute(query):
        try:
            body = json.loads(payload)
        except ValueError:
            continue
        if isinstance(body, dict):
            fold.take(codes.get(store_id, "?"), int(till_no), event_type, body, at)
    companies = sorted(fold.accounts.values(),
                       key=lambda a: (-a.owed_fen, a.store_code, a.till_no, a.code))
    per_store = {code: StoreReceivables(code, name) for code, name in names.items()}
    for account in companies:
        per_store.setdefault(account.store_code, StoreReceivables(account.store_code, "")).add(
            account)
    stores = [per_store[code] for code in sorted(per_store)]
    total = StoreReceivables("", "")
    for row in stores:
        total.add(row)
    return Receivables(stores=stores, companies=companies, total=total)


class _Fold:
    """The events of each till in order, folded into its company accounts."""

    def __init__(self) -> None:
        self.accounts: dict[tuple[str, int, str], CompanyAccount] = {}
        #: each sale's charges, for its refund: (store, till, receipt) -> [(company, fen)]
        self.sales: dict[tuple[str, int, str], list[tuple[str, int]]] = defaultdict(list)

    def account(self, store: str, till_no: int, code: str) -> CompanyAccount:
        key = (store, till_no, code)
        if key not in self.accounts:
            self.accounts[key] = CompanyAccount(store, till_no, code)
        return self.accounts[key]

    def take(self, store: str, till_no: int, event_type: str, body: dict[str, Any],
             at: dt.datetime) -> None:
        try:
            if event_type == "company_added":
                account = self.account(store, till_no, str(body["code"]))
                account.name = str(body.get("name") or "")
                account.credit_limit_fen = int(body["credit_limit_fen"])
            elif event_type == "company_paid":
                account = self.account(store, till_no, str(body["code"]))
                account.paid_fen += int(body["amount_fen"])
                account.payments += 1
                account.last_paid_at = at
            elif event_type == "sale_completed":
                for tender in _account_tenders(body):
                    code, amount = str(tender.get("ref") or UNKNOWN), int(tender["amount_fen"])
                    account = self.account(store, till_no, code)
                    account.charged_fen += amount
                    account.charges += 1
                    self.sales[store, till_no, str(body.get("receipt_no"))].append((code, amount))
            elif event_type == "sale_refunded":
                self._refund(store, till_no, body)
        except (KeyError, TypeError, ValueError):
            return  # not a shape any till sends: nothing to count

    def _refund(self, store: str, till_no: int, body: dict[str, Any]) -> None:
        charges = list(self.sales.pop((store, till_no, str(body.get("receipt_no"))), ()))
        for tender in _account_tenders(body):
            amount = int(tender["amount_fen"])
            code = UNKNOWN
            for i, (charged_code, charged) in enumerate(charges):
                if charged == amount:
                    code = charged_code
                    del charges[i]
                    break
            self.account(store, till_no, code).returned_fen += amount


def _account_tenders(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in body.get("tenders") or ()
            if isinstance(t, dict) and t.get("method") == ACCOUNT]
