"""The till's database schema as SQLAlchemy 2 typed models.

Money columns are ``Integer`` fen (SQLite stores ``Numeric`` as float). Ledgers
(``wallet_entries``, ``points_entries``, ``audit_log``, ``outbox``) are append-only: triggers
made by the migrations refuse UPDATE and DELETE on them. Timestamps are naive UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storeapp.ids import ActionKey, MemberId
from storeapp.pii_orm import PersonalFields, install
from storeapp.sealed_records import SealedText


class Base(DeclarativeBase):
    pass


class SettingRow(Base):
    __tablename__ = "settings"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)


class SyncStateRow(Base):
    """The head-office sync client's progress, one JSON value per name (see
    :mod:`storeapp.sync_state`)."""

    __tablename__ = "sync_state"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)


class Counter(Base):
    """Gapless sequences made inside the transaction that uses them (card, receipt, Z numbers)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Member(PersonalFields, Base):
    __tablename__ = "members"
    member_id: Mapped[MemberId] = mapped_column(String(36), primary_key=True)
    card_no: Mapped[str] = mapped_column(String(20), unique=True)
    #: The phone as a keyed hash (:mod:`storeapp.pii`): how a full phone finds the member.
    #: "merged:<id>" / "dup:<id>" for a member that gave its phone to another.
    phone_key: Mapped[str] = mapped_column(String(48), unique=True)
    #: The phone's last four digits as a keyed hash: how 手机尾号 finds the member.
    tail_key: Mapped[str] = mapped_column(String(32))
    #: Phone, name and birthday sealed under the member's own key (read them as ``phone``,
    #: ``name``, ``birthday``: :class:`storeapp.pii_orm.PersonalFields`).
    personal: Mapped[str] = mapped_column(Text)
    #: The birthday's month, for birthday coupons and lists (the day stays sealed).
    birth_month: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(1))
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    tier: Mapped[str] = mapped_column(String(16), default="regular")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active|frozen|closed
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_failed: Mapped[int] = mapped_column(Integer, default=0)
    principal_fen: Mapped[int] = mapped_column(Integer, default=0)
    bonus_fen: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    home_store: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_visit_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: Set by head office (an overdraft across stores): no stored-value spend until unblocked.
    wallet_blocked: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=text("0"))
    #: Set by head office when this member was merged into another (same phone at two
    #: stores); lookups follow it to the surviving member. The phone is then "merged:<id>".
    merged_into: Mapped[str | None] = mapped_column(String(36))
    #: The member who referred this one (推广大使), named at registration; head office decides
    #: whether the referral earns its reward.
    referrer_id: Mapped[str | None] = mapped_column(String(36))

    __table_args__ = (
        Index("ix_members_tail_visit", "tail_key", "last_visit_at"),
        Index("ix_members_birth_month", "birth_month"),
        Index("ix_members_tier", "tier", "status"),  # tier distribution reads only this
        Index("ix_members_created", "created_at"),
        Index("ix_members_merged", "merged_into", sqlite_where=text("merged_into IS NOT NULL")),
        # the panel counts a member's referrals; few members name a referrer
        Index("ix_members_referrer", "referrer_id",
              sqlite_where=text("referrer_id IS NOT NULL")),
    )

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


class Card(Base):
    """Every card ever issued; a lost or replaced card number stays here, blocked."""

    __tablename__ = "cards"
    card_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # active|lost|replaced|closed
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class MemberNameGram(Base):
    """A member's name as keyed grams (:func:`storeapp.pii.name_grams`): how a typed name finds
    members without opening every sealed name."""

    __tablename__ = "member_name_grams"
    gram: Mapped[str] = mapped_column(String(16), primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"),
                                                primary_key=True)


class Action(Base):
    """One row per money action, keyed by its idempotency key; the stored result answers retries."""

    __tablename__ = "actions"
    key: Mapped[ActionKey] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    request_hash: Mapped[str] = mapped_column(String(64))
    result_json: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class WalletEntry(Base):
    """Stored-value journal: one row per movement of principal or bonus, never changed."""

    __tablename__ = "wallet_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"))
    action_key: Mapped[ActionKey] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    bucket: Mapped[str] = mapped_column(String(10))  # principal|bonus
    amount_fen: Mapped[int] = mapped_column(Integer)
    method: Mapped[str | None] = mapped_column(String(16))
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_wallet_member", "member_id", "id"),
        # covering: liability as of any moment and a period's movements by kind read only this
        Index("ix_wallet_time_kind", "created_at", "kind", "bucket", "amount_fen"),
        # head office's part of a balance, by member (a till's own part is the rest)
        Index("ix_wallet_sync_member", "member_id", sqlite_where=text("kind = 'sync'")),
    )


class Topup(Base):
    """A top-up, with what the prepaid-card rules ask it to record: the agreement the member
    accepted (version and SHA-256 of its text; None on top-ups made before it was recorded),
    whether a company paid, and the payer's bank account when it came by transfer."""

    __tablename__ = "topups"
    key: Mapped[ActionKey] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"), index=True)
    principal_fen: Mapped[int] = mapped_column(Integer)
    bonus_fen: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    cashier: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    voided_by: Mapped[str | None] = mapped_column(String(64))
    agreement_version: Mapped[str | None] = mapped_column(String(32))
    agreement_sha256: Mapped[str | None] = mapped_column(String(64))
    company: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("0"))
    payer_account_sealed: Mapped[str | None] = mapped_column("payer_account", Text)
    #: the bank account a transfer came from, sealed (:mod:`storeapp.sealed_records`)
    payer_account = SealedText("payer_account_sealed", "key")


class PointsLot(Base):
    """Points earned together, expiring together; ``remaining`` is kept in step with the journal."""

    __tablename__ = "points_lots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"))
    action_key: Mapped[ActionKey] = mapped_column(String(64))
    earned_points: Mapped[int] = mapped_column(Integer)
    remaining_points: Mapped[int] = mapped_column(Integer)
    earned_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)

    __table_args__ = (Index("ix_lots_member_expiry", "member_id", "expires_at"),)


class PointsEntry(Base):
    """Points journal: earn, redeem, expire, claw-back, return, adjustment; never changed."""

    __tablename__ = "points_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"))
    action_key: Mapped[ActionKey] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("points_lots.id"))
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_points_member", "member_id", "id"),
        Index("ix_points_time_kind", "created_at", "kind", "points"),
        Index("ix_points_sync_member", "member_id", sqlite_where=text("kind = 'sync'")),
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(10))  # cashier|manager|admin
    pin_hash: Mapped[str] = mapped_column(String(200))
    failed_tries: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: the member account this staff user buys as (内部会员): its sales get the staff price
    member_id: Mapped[MemberId | None] = mapped_column(String(36))
    #: locked after too many wrong PINs until then (naive UTC), unless a manager unlocks first
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: locks in a row since the last good login: each lock lasts twice the one before
    lock_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class Approval(Base):
    """A manager's yes at a till: who asked, who approved, for what, and why."""

    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(16))
    approved_by: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(200))
    action_key: Mapped[ActionKey] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Product(Base):
    __tablename__ = "products"
    barcode: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    price_fen: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Sale(Base):
    __tablename__ = "sales"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(24), unique=True)
    action_key: Mapped[ActionKey] = mapped_column(String(64), unique=True)
    member_id: Mapped[MemberId | None] = mapped_column(ForeignKey("members.member_id"))
    cashier: Mapped[str] = mapped_column(String(16))
    store_code: Mapped[str] = mapped_column(String(8))
    till_no: Mapped[int] = mapped_column(Integer)
    subtotal_fen: Mapped[int] = mapped_column(Integer)
    discount_fen: Mapped[int] = mapped_column(Integer)
    coupon_code: Mapped[str | None] = mapped_column(String(24))
    coupon_fen: Mapped[int] = mapped_column(Integer)
    points_redeemed: Mapped[int] = mapped_column(Integer)
    points_fen: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Integer)
    points_earned: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # completed|refunded
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    #: a staff sale (员工价): the staff user whose member bought, and the discount it gave
    staff_code: Mapped[str | None] = mapped_column(String(16))
    staff_discount_fen: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    # covering for growth value (tiers) and RFM: a member's sales in a window, summed
    __table_args__ = (Index("ix_sales_member_time", "member_id", "created_at", "status",
                            "total_fen"),)


class SaleLine(Base):
    __tablename__ = "sale_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    barcode: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)


class Tender(Base):
    __tablename__ = "tenders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # wallet|cash|card|wechat|alipay
    amount_fen: Mapped[int] = mapped_column(Integer)
    tendered_fen: Mapped[int] = mapped_column(Integer)
    change_fen: Mapped[int] = mapped_column(Integer)
    principal_fen: Mapped[int] = mapped_column(Integer, default=0)
    bonus_fen: Mapped[int] = mapped_column(Integer, default=0)
    #: what the tender names: a gift card's number
    ref: Mapped[str | None] = mapped_column(String(24))


class Refund(Base):
    __tablename__ = "refunds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), unique=True)
    action_key: Mapped[ActionKey] = mapped_column(String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id"))
    cashier: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class CouponTemplate(Base):
    __tablename__ = "coupon_templates"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))  # amount_off|percent_off|gift
    value: Mapped[int] = mapped_column(Integer)  # fen off, or percent off, or gift value in fen
    min_spend_fen: Mapped[int] = mapped_column(Integer, default=0)
    valid_days: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Coupon(Base):
    __tablename__ = "coupons"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    template_code: Mapped[str] = mapped_column(ForeignKey("coupon_templates.code"))
    member_id: Mapped[MemberId | None] = mapped_column(ForeignKey("members.member_id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # welcome|birthday|topup|plan|manual
    action_key: Mapped[ActionKey] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime)
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    used_receipt: Mapped[str | None] = mapped_column(String(24))


class MemberPrompt(Base):
    """A head-office campaign's one line for a member (e.g. 生日快乐：已送¥20券), shown on the
    member panel and printed on the receipt until ``until``; replaced whole at each download
    of the member."""

    __tablename__ = "member_prompts"
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"),
                                                primary_key=True)
    campaign: Mapped[str] = mapped_column(String(24), primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    until: Mapped[dt.datetime] = mapped_column(DateTime)
    #: a points-multiplier campaign: the member earns this many times the points until then
    points_multiplier: Mapped[str | None] = mapped_column(String(8))


class Consent(Base):
    """The consent ledger (PIPL): one row per consent given or withdrawn, here or (sent down
    with the member) elsewhere, never changed (:mod:`storeapp.services.consents`). ``entry_id``
    is the entry's id across the chain; ``action_key`` is None for entries made elsewhere."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(48), unique=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"))
    purpose: Mapped[str] = mapped_column(String(24))
    given: Mapped[bool] = mapped_column(Boolean)
    #: the notice it was given under: its version and the SHA-256 of its text
    version: Mapped[str] = mapped_column(String(24))
    text_sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # counter|self_service|head_office|import
    actor: Mapped[str] = mapped_column(String(32))  # a user's code, or "member"
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    store: Mapped[str] = mapped_column(String(8))
    action_key: Mapped[ActionKey | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_consents_member", "member_id", "purpose", "at"),)


class ConsentNotice(Base):
    """A notice text head office published for a consent purpose, kept by version: what the
    counter shows and a new consent names."""

    __tablename__ = "consent_notices"
    purpose: Mapped[str] = mapped_column(String(24), primary_key=True)
    version: Mapped[str] = mapped_column(String(24), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Plan(Base):
    __tablename__ = "plans"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    fee_fen: Mapped[int] = mapped_column(Integer)
    duration_days: Mapped[int] = mapped_column(Integer)
    extra_discount_pct: Mapped[str] = mapped_column(String(8), default="0")
    points_multiplier: Mapped[str] = mapped_column(String(8), default="1")
    monthly_coupon_template: Mapped[str | None] = mapped_column(String(24))
    monthly_coupon_count: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MemberPlan(Base):
    __tablename__ = "member_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"), index=True)
    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"))
    action_key: Mapped[ActionKey] = mapped_column(String(64), unique=True)
    fee_fen: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CardProduct(Base):
    """A count card (次卡) on sale: ``uses`` of a service or product for ``price_fen``, valid
    ``valid_months`` from the sale, at the stores listed (empty: every store). Head office's
    rules or a manager define them."""

    __tablename__ = "card_products"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    #: what one use is: a product barcode or a service's name ("洗车", "haircut")
    covers: Mapped[str] = mapped_column(String(64))
    uses: Mapped[int] = mapped_column(Integer)
    price_fen: Mapped[int] = mapped_column(Integer)
    valid_months: Mapped[int] = mapped_column(Integer)
    #: store codes where it may be used, comma-separated ("" = all)
    stores: Mapped[str] = mapped_column(String(200), default="")
    #: uses of one card a till may give while head office is unreachable
    offline_uses: Mapped[int] = mapped_column(Integer, default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CountCard(Base):
    """One count card sold to a member: a lot of uses. ``uses_left`` and ``value_fen`` (the
    unused value still owed) are kept in step with its journal (``count_entries``), like a
    points lot; a card sold at another store arrives from head office with its uses as
    ``sync`` entries."""

    __tablename__ = "count_cards"
    card_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"))
    product_code: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(64))
    covers: Mapped[str] = mapped_column(String(64))
    uses_total: Mapped[int] = mapped_column(Integer)
    #: what the member paid for it (its value), and the part of that taken from stored-value
    #: bonus (given back to bonus, never paid out, on a refund)
    paid_fen: Mapped[int] = mapped_column(Integer)
    bonus_fen: Mapped[int] = mapped_column(Integer, default=0)
    method: Mapped[str] = mapped_column(String(16))
    stores: Mapped[str] = mapped_column(String(200), default="")
    offline_uses: Mapped[int] = mapped_column(Integer, default=2)
    uses_left: Mapped[int] = mapped_column(Integer)
    value_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # active|refunded
    store_code: Mapped[str] = mapped_column(String(8))  # where it was sold
    action_key: Mapped[ActionKey] = mapped_column(String(64))
    sold_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)

    __table_args__ = (Index("ix_count_cards_member", "member_id", "expires_at"),)


class CountEntry(Base):
    """Count-card journal: sale, use, expire, refund, adjust, sync; never changed. ``value_fen``
    is the change of the card's unused value (:func:`storeapp.count_rules.value_of`)."""

    __tablename__ = "count_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_no: Mapped[str] = mapped_column(ForeignKey("count_cards.card_no"))
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"))
    action_key: Mapped[ActionKey] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    uses: Mapped[int] = mapped_column(Integer)
    value_fen: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_count_entries_card", "card_no", "id"),
        Index("ix_count_entries_time_kind", "created_at", "kind", "uses", "value_fen"),
    )


class GiftCard(Base):
    """An anonymous prepaid gift card (不记名预付卡) sold at this till or spent here: its face
    value, and its balance as this till knows it, kept in step with ``gift_entries``."""

    __tablename__ = "gift_cards"
    card_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    face_fen: Mapped[int] = mapped_column(Integer)
    balance_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # active|void
    store_code: Mapped[str] = mapped_column(String(8))  # where it was sold
    #: the sale of its batch (``gift_sales``)
    action_key: Mapped[ActionKey] = mapped_column(String(64), index=True)
    sold_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class GiftSale(Base):
    """One sale of gift cards: how many, how paid, and who bought them when the law asks (the
    buyer's real name from ¥10,000; the payer's bank account when it had to be a transfer)."""

    __tablename__ = "gift_sales"
    action_key: Mapped[ActionKey] = mapped_column(String(64), primary_key=True)
    cards: Mapped[int] = mapped_column(Integer)
    face_fen: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    company: Mapped[bool] = mapped_column(Boolean, default=False)
    buyer_name_sealed: Mapped[str | None] = mapped_column("buyer_name", Text)
    payer_account_sealed: Mapped[str | None] = mapped_column("payer_account", Text)
    cashier: Mapped[str] = mapped_column(String(32))
    #: sealed (:mod:`storeapp.sealed_records`)
    buyer_name = SealedText("buyer_name_sealed", "action_key")
    payer_account = SealedText("payer_account_sealed", "action_key")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class GiftEntry(Base):
    """Gift-card journal: sale, spend, spend_refund; never changed."""

    __tablename__ = "gift_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_no: Mapped[str] = mapped_column(ForeignKey("gift_cards.card_no"))
    action_key: Mapped[ActionKey] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_gift_entries_card", "card_no", "id"),
        Index("ix_gift_entries_time_kind", "created_at", "kind", "amount_fen"),
    )


class Company(Base):
    """A company customer (企业会员, 月结): buys on account up to its credit limit and pays
    within its terms; its balance (what it owes) is kept in step with ``company_entries``."""

    __tablename__ = "companies"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    contact_name_sealed: Mapped[str | None] = mapped_column("contact_name", Text)
    contact_phone_sealed: Mapped[str | None] = mapped_column("contact_phone", Text)
    credit_limit_fen: Mapped[int] = mapped_column(Integer)
    terms_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # active|blocked
    balance_fen: Mapped[int] = mapped_column(Integer)
    action_key: Mapped[ActionKey] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: the contact person, sealed (:mod:`storeapp.sealed_records`)
    contact_name = SealedText("contact_name_sealed", "code")
    contact_phone = SealedText("contact_phone_sealed", "code")


class CompanyEntry(Base):
    """Company account journal: charge (+, a sale on account; a refund's is negative) and
    payment (-); never changed."""

    __tablename__ = "company_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_code: Mapped[str] = mapped_column(ForeignKey("companies.code"))
    action_key: Mapped[ActionKey] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # charge|payment
    amount_fen: Mapped[int] = mapped_column(Integer)
    #: how a payment came (transfer|cash|card|...)
    method: Mapped[str | None] = mapped_column(String(16))
    #: a charge's receipt number, a transfer's bank reference
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_company_entries_company", "company_code", "id"),
        Index("ix_company_entries_time", "created_at", "amount_fen"),
    )


class AuditRow(Base):
    """Hash-chained, append-only: each row's hash covers its content and the previous hash."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(64))
    detail_json: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxEvent(Base):
    """Events for head office, written in the same transaction as the change they describe.

    ``seq`` is the next after the last one, taken inside the writing transaction (which holds
    the write lock), so the sequence a till ships is gapless; ``chain`` is the running hash of
    the stream up to this event (:mod:`storeapp.continuity`).
    """

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    payload_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    chain: Mapped[str] = mapped_column(String(64), server_default="")

    __table_args__ = ({"sqlite_autoincrement": True},)


class Payment(Base):
    """Money in or out of the till by payment method: the till's own journal, never changed.

    One row per tender of a sale (+), per tender given back by a refund (-), per top-up (+) and
    its void (-), per plan fee (+), per principal paid out at account close (-). ``shift_id``
    names the till's open shift at the time, so a shift's cash is float + its cash rows.
    """

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_key: Mapped[ActionKey] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # sale|refund|topup|topup_void|plan|close
    method: Mapped[str] = mapped_column(String(16))  # cash|card|wechat|alipay|wallet|transfer
    amount_fen: Mapped[int] = mapped_column(Integer)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    cashier: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class Shift(Base):
    """A cashier's turn at a till: opened with a float, closed with the counted cash."""

    __tablename__ = "shifts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    till_no: Mapped[int] = mapped_column(Integer)
    opened_by: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    float_fen: Mapped[int] = mapped_column(Integer)
    closed_by: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    counted_fen: Mapped[int | None] = mapped_column(Integer)
    expected_fen: Mapped[int | None] = mapped_column(Integer)
    z_no: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        # one open shift per till
        Index("ux_shifts_open_till", "till_no", unique=True,
              sqlite_where=text("closed_at IS NULL")),
    )


class ZReport(Base):
    """The frozen close of a shift: numbered gaplessly per till, never changed once made."""

    __tablename__ = "z_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    till_no: Mapped[int] = mapped_column(Integer)
    z_no: Mapped[int] = mapped_column(Integer)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), unique=True)
    report_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("till_no", "z_no"),)


class TierChange(Base):
    """Every move between tiers: at checkout (up only) and at the periodic review (up or down)."""

    __tablename__ = "tier_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.member_id"), index=True)
    from_tier: Mapped[str] = mapped_column(String(16))
    to_tier: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(10))  # checkout|review
    action_key: Mapped[ActionKey] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class LedgerTotal(Base):
    """Running totals of the ledgers, kept by triggers on insert: ``wallet:<kind>:<bucket>``
    (e.g. ``wallet:topup:bonus``) and ``points``. The liability now without summing millions of
    rows; as of a past moment it is this minus what was posted after (or, for an old moment,
    what was posted before it)."""

    __tablename__ = "ledger_totals"
    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)


APPEND_ONLY_TABLES = ("wallet_entries", "points_entries", "audit_log", "outbox", "payments",
                      "z_reports", "tier_changes", "count_entries", "gift_entries",
                      "company_entries", "consents")


class PrintJob(Base):
    """A receipt waiting for, or done by, a printer: persisted before printing, so a sale never
    loses its receipt to an unplugged or jammed printer. ``payload_json`` holds what the receipt
    shows, so a reprint needs nothing else."""

    __tablename__ = "print_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # sale|topup|refund|void|registration|z|test
    ref: Mapped[str] = mapped_column(String(64), index=True)  # receipt number, top-up key, ...
    payload_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)  # queued|printing|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    copy_of: Mapped[int | None] = mapped_column(Integer)  # a reprint names the original job
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    printed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# phone, name and birthday are sealed at every flush (storeapp.pii_orm)
install(Member, MemberNameGram)
