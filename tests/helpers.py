"""Shared helpers for the unit tests: the fixed start time, staff codes, registering members,
selling, topping up, and counting what is stored.

Everything here goes through the real services and a real SQLite file; nothing is mocked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import sqlite3
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storeapp.db import Database
from storeapp.models import (
    Approval,
    Base,
    Card,
    Coupon,
    Member,
    OutboxEvent,
    PointsEntry,
    PointsLot,
    WalletEntry,
)
from storeapp.results import ActionResult
from storeapp.services import coupons, members, sales, users, wallet
from storeapp.services.members import MemberView
from storeapp.services.sales import LineIn, TenderIn
from storeapp.services.users import Grant

T = TypeVar("T", bound=Base)

#: Naive UTC, as the services store it: 10:00 on Tuesday 2026-03-10 in the store (Asia/Shanghai).
START = dt.datetime(2026, 3, 10, 2, 0)
CASHIER = "C01"
MANAGER_CODE, MANAGER_PIN = "M01", "246800"
#: who runs ``storeapp`` commands in the tests (``init`` makes them the till's administrator)
CLI_USER, CLI_PIN = "admin", "975310"

#: Tables whose row counts tell whether an action posted anything.
LEDGER_TABLES = (
    "members", "cards", "actions", "wallet_entries", "topups", "points_entries", "points_lots",
    "sales", "sale_lines", "tenders", "refunds", "coupons", "approvals", "audit_log", "outbox",
    "counters", "member_plans",
)

_phone_numbers = itertools.count(1)


def cli_env(user: str = CLI_USER, pin: str = CLI_PIN, **more: str) -> dict[str, str]:
    """The environment of a ``storeapp`` process run by ``user``: the PIN travels in
    ``STOREAPP_PIN``, never as an argument (``more``: e.g. ``STOREAPP_APPROVER_PIN``)."""
    return {**os.environ, "STOREAPP_USER": user, "STOREAPP_PIN": pin, **more}


def copy_database(source: Path, target: Path) -> None:
    """Copy a till database file with SQLite's backup API (safe while it is open, WAL too)."""
    with contextlib.closing(sqlite3.connect(source)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def new_phone() -> str:
    """A fresh, valid mainland mobile number (unique within the test run)."""
    return f"137{next(_phone_numbers):08d}"


def real_name(number: int) -> str:
    """A name the prepaid rules take as a member's real name (no digits, not a placeholder such
    as 会员 or a surname with a title): 张一, 张二, … 张一二."""
    return "张" + "".join("零一二三四五六七八九"[int(d)] for d in str(number))


def register(db: Database, *, phone: str | None = None, name: str = "测试会员",
             **fields: Any) -> MemberView:
    """Register a member at the counter, as cashier ``C01``."""
    return members.register(db, phone=new_phone() if phone is None else phone, name=name,
                            actor=CASHIER, **fields)


def reload(db: Database, member: MemberView) -> MemberView:
    """The member as stored now."""
    return members.get(db, member.member_id)


def topup(db: Database, member: MemberView, amount_fen: int, **kwargs: Any) -> ActionResult:
    return wallet.topup(db, member.member_id, amount_fen, actor=CASHIER, **kwargs)


def sell(db: Database, member: MemberView | None, amount_fen: int, *,
         tenders: list[TenderIn] | None = None, **kwargs: Any) -> ActionResult:
    """One open-amount line of ``amount_fen``, paid in cash (exact) unless tenders are given."""
    return sales.checkout(
        db, member_ref=member.member_id if member else None,
        lines=[LineIn(unit_price_fen=amount_fen, name="杂货 Groceries")],
        tenders=[TenderIn("cash")] if tenders is None else tenders, actor=CASHIER,
        **kwargs,
    )


def approve(db: Database, reason: str = "customer request") -> Grant:
    """The manager (from the ``manager`` fixture) approves at the till with code and PIN."""
    return users.approve(db, MANAGER_CODE, MANAGER_PIN, reason)


def set_setting(db: Database, name: str, value: Any) -> None:
    """Change a setting the way head office's sync does: inside a session transaction."""
    with db.session() as s, s.begin():
        db.set_setting(s, name, value)


def add_coupon_template(db: Database, code: str, *, kind: str = "amount_off", value: int = 1_000,
                        min_spend_fen: int = 0, valid_days: int = 30) -> str:
    coupons.add_template(db, code=code, name=f"券 {code}", kind=kind, value=value,
                         min_spend_fen=min_spend_fen, valid_days=valid_days, actor="HQ")
    return code


def counts(db: Database, *tables: str) -> dict[str, int]:
    """Row count of each table (all ledger tables when none named)."""
    with db.reader() as s:
        return {t: int(s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in tables or LEDGER_TABLES}


def all_rows(db: Database, model: type[T], *where: Any) -> list[T]:
    """Every stored row of ``model`` matching ``where``, in insertion order."""
    with db.reader() as s:
        primary = model.__mapper__.primary_key[0]
        return list(s.scalars(select(model).where(*where).order_by(primary)))


def outbox_types(db: Database) -> list[str]:
    return [e.type for e in all_rows(db, OutboxEvent)]


def wallet_sum(db: Database, member: MemberView, bucket: str | None = None) -> int:
    """Sum of the member's stored-value journal (optionally one bucket)."""
    with db.reader() as s:
        query = select(func.coalesce(func.sum(WalletEntry.amount_fen), 0)).where(
            WalletEntry.member_id == member.member_id)
        if bucket:
            query = query.where(WalletEntry.bucket == bucket)
        return int(s.scalar(query) or 0)


def points_sum(db: Database, member: MemberView) -> int:
    with db.reader() as s:
        return int(s.scalar(select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.member_id == member.member_id)) or 0)


def lots(db: Database, member: MemberView) -> list[PointsLot]:
    return all_rows(db, PointsLot, PointsLot.member_id == member.member_id)


def coupons_of(db: Database, member: MemberView) -> list[Coupon]:
    return all_rows(db, Coupon, Coupon.member_id == member.member_id)


def card_status(db: Database, card_no: str) -> str:
    with db.reader() as s:
        card = s.get(Card, card_no)
        assert card is not None
        return card.status


def approvals(db: Database) -> list[Approval]:
    return all_rows(db, Approval)


def member_row(session: Session, member: MemberView) -> Member:
    row = session.get(Member, member.member_id)
    assert row is not None
    return row
