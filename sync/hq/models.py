"""Head office's tables: stores, every till's events, chain-wide members and their ledger.

Money is in fen as BIGINT. ``change_no`` is head office's server order (see
:func:`sync.hq.db.next_change_no`): a member or rule row carries the number of the transaction
that last changed it, and tills download by it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storeapp.continuity import GENESIS
from storeapp.integrity import EMPTY_DIGEST
from storeapp.pii_orm import PersonalFields, install

#: BIGINT on PostgreSQL; INTEGER on SQLite, where only INTEGER PRIMARY KEY is the rowid.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


class Store(Base):
    __tablename__ = "hq_stores"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # when its tills last synced is kept per till (Stream.synced_at): a store's row is read by
    # every batch and written by none (a reference table under Citus, docs/scaling.md)


class Stream(Base):
    """One till's outbox as head office has stored it: everything up to ``acked_seq``."""

    __tablename__ = "hq_streams"
    store_id: Mapped[int] = mapped_column(Id, primary_key=True)
    till_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: the till's last batch, even one with nothing new; and the newest event of it stored here
    synced_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_event_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: Whether an event of this till named the chain rules it was made under: from then on
    #: every event must (a till that joined a store always does).
    rules_seen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    #: Running hash of the stream up to ``acked_seq`` (storeapp.continuity): the till must show
    #: the same to go on.
    chain: Mapped[str] = mapped_column(String(64), default=GENESIS, server_default=GENESIS)
    #: The newest audit row of the till head office holds, and its hash: the till's audit chain
    #: must go on from it.
    audit_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    audit_hash: Mapped[str] = mapped_column(String(64), default=GENESIS, server_default=GENESIS)
    #: storeapp.integrity's digest of what this till contributed to each member, kept as its
    #: events are applied.
    digest: Mapped[str] = mapped_column(String(64), default=EMPTY_DIGEST,
                                        server_default=EMPTY_DIGEST)
    #: Why this till may only spend stored value online (held here) until a head-office user
    #: clears it: "till_tampered", "balance_mismatch" ("" = none).
    flag: Mapped[str] = mapped_column(String(24), default="", server_default="")
    #: Set when a user cleared a tampered till: its next upload's audit chain is anchored anew.
    audit_reanchor: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=text("false"))


class AuditRow(Base):
    """A till's audit log as it uploaded it, each row's hash computed here (the chain it must
    continue, and what a restored till takes back)."""

    __tablename__ = "hq_audit"
    store_id: Mapped[int] = mapped_column(Id, primary_key=True)
    till_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(64))
    detail_json: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))


class Batch(Base):
    """Batch ids seen: a request replayed word for word is refused."""

    __tablename__ = "hq_batches"
    store_id: Mapped[int] = mapped_column(Id, primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Event(Base):
    __tablename__ = "hq_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(Id)
    till_no: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("store_id", "event_id", name="uq_hq_events_store_event"),
        UniqueConstraint("store_id", "till_no", "seq", name="uq_hq_events_stream_seq"),
    )


class Member(PersonalFields, Base):
    """A member as the whole chain knows them; balances are the sum of every store's deltas.

    Phone, name and birthday are sealed under the member's own key (``personal``; read them as
    ``phone``, ``name``, ``birthday``: :mod:`storeapp.pii_orm`), the keys wrapped in
    ``hq_member_keys`` under a master key outside the database; found through keyed hashes of
    the phone and its last four digits, and the name's grams (``hq_member_name_grams``)."""

    __tablename__ = "hq_members"
    __pii_marks__ = True  # an erased member reads "erased:<id>" as its phone; one not yet
    # registered, "unknown:<id>"
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    card_no: Mapped[str] = mapped_column(String(20))
    #: the phone as a keyed hash under head office's index key; "erased:<id>" / "unknown:<id>"
    phone_key: Mapped[str] = mapped_column(String(48))
    tail_key: Mapped[str] = mapped_column(String(32))
    personal: Mapped[str] = mapped_column(Text)
    #: the birthday's month, for birthday segments and campaigns (the day stays sealed)
    birth_month: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(1))
    tier: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    home_store: Mapped[str] = mapped_column(String(8))
    principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    wallet_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    change_no: Mapped[int] = mapped_column(BigInteger)
    #: the member agreed to marketing (at registration or since, at any store)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())

    __table_args__ = (
        # one live member per phone: the merge rule's guarantee, enforced by the database
        Index("uq_hq_members_live_phone", "phone_key", unique=True,
              postgresql_where=text("merged_into IS NULL"),
              sqlite_where=text("merged_into IS NULL")),
        Index("ix_hq_members_card", "card_no"),
        Index("ix_hq_members_tail", "tail_key"),
        Index("ix_hq_members_birth_month", "birth_month"),
    )


class MemberNameGram(Base):
    """The keyed grams of a member's name (:func:`storeapp.pii.name_grams`): how head office's
    search finds a member by part of a name without reading any."""

    __tablename__ = "hq_member_name_grams"
    gram: Mapped[str] = mapped_column(String(16), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


install(Member, MemberNameGram)


class MemberChange(Base):
    """Server order of member changes, append-only: one row per member per changing
    transaction. Tills download by it; the row whose number equals the member's ``change_no``
    is the member's latest. Kept apart from ``hq_members`` so that rewriting a member's balances
    touches no index there (PostgreSQL updates the row in place: a "HOT" update)."""

    __tablename__ = "hq_member_changes"
    change_no: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class MemberStore(Base):
    """One till's own contribution to a member's balance (what it posted); head office's merge
    transfers are store ``HQ``, till 0."""

    __tablename__ = "hq_member_stores"
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    till_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)


class LedgerRow(Base):
    """Head office's append-only ledger: one row per member per event that moved money or
    points, and one per merge transfer (store ``HQ``)."""

    __tablename__ = "hq_ledger"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    store_code: Mapped[str] = mapped_column(String(8))
    till_no: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    day: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (Index("ix_hq_ledger_store_day", "store_code", "day"),)


class Visit(Base):
    """A member's purchase (or refund, negative) at any store: what the programme measures.
    One row per member sale or refund event, written as the event is applied; the member as
    the till named them (a merged member's visits count for the survivor in the queries)."""

    __tablename__ = "hq_visits"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(String(36))
    store_code: Mapped[str] = mapped_column(String(8))
    till_no: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(8))  # sale | refund
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    day: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (
        # a member's history in time order, and the window scans the programme's figures make
        Index("ix_hq_visits_member_at", "member_id", "at"),
        Index("ix_hq_visits_day", "day", "store_code"),
    )


class Campaign(Base):
    """A head-office campaign: an audience (segment and filters), a benefit, a message, a
    holdout share. ``kind`` ``automation`` is a standing campaign (``rule``: welcome, upgrade,
    birthday, winback, cycle) evaluated nightly, each member entering once per period."""

    __tablename__ = "hq_campaigns"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))  # campaign | automation
    rule: Mapped[str | None] = mapped_column(String(12))
    filters_json: Mapped[str] = mapped_column(Text)
    benefit_json: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(String(200))
    holdout_pct: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(32))
    window_days: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # draft | live | stopped
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    launched_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: what the last launch or nightly run left out: no marketing consent, monthly cap reached
    excluded_consent: Mapped[int] = mapped_column(Integer, default=0)
    excluded_cap: Mapped[int] = mapped_column(Integer, default=0)


class CampaignMember(Base):
    """A member chosen by a campaign, treated or held out, append-only. ``period`` is empty
    for a one-off campaign and names the period for an automation (``2026-12`` for a birthday
    month, the member's id for a once-ever welcome), so a member enters each rule at most once
    per period."""

    __tablename__ = "hq_campaign_members"
    campaign_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    grp: Mapped[str] = mapped_column(String(8))  # treated | holdout
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    until: Mapped[dt.datetime] = mapped_column(DateTime)  # the member's window ends
    coupon_code: Mapped[str | None] = mapped_column(String(24))
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    #: a points-multiplier benefit: the treated member earns this many times the points from
    #: entered_at for the campaign's window (head office's checks allow it then)
    multiplier: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (
        # contacts this month, per member (the cap); a member's live prompts (the download)
        Index("ix_hq_campaign_members_member", "member_id", "entered_at"),
    )


class ChainCoupon(Base):
    """A coupon head office issued (a campaign's benefit), usable once at any store: tills
    get it with the member, hold it at head office when they take it (``POST /holds`` kind
    ``coupon``), and the sale's event marks it used; used twice (two tills offline) is a
    ``coupon_reused`` exception."""

    __tablename__ = "hq_coupons"
    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    template_code: Mapped[str] = mapped_column(String(24))
    campaign_code: Mapped[str] = mapped_column(String(24))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime)
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    used_store: Mapped[str | None] = mapped_column(String(8))
    used_receipt: Mapped[str | None] = mapped_column(String(24))
    #: what the coupon took off the sale it was used in (the campaign's cost)
    used_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class AccessLog(Base):
    """Who at head office saw or took members' full phones, append-only: a member page or list
    shown unmasked, a campaign's contact list exported."""

    __tablename__ = "hq_access_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(64))
    detail_json: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        # a member's own views and downloads (user "member", subject their id): what the
        # self-service page shows them and counts to bound (sync.hq.selfservice)
        Index("ix_hq_access_log_subject_at", "subject", "at"),
    )


class PrivacyRequest(Base):
    """A member's request from the self-service page to correct their data or to be erased
    (PIPL Art. 46-47), kept after it is decided: what was asked, who approved and completed or
    declined it, and when. ``status``: ``open``; ``approved`` (an erasure one manager approved:
    a second manager completes it); ``done``; ``declined``."""

    __tablename__ = "hq_privacy_requests"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # correction | erasure
    #: what a correction is about: name | phone | birthday | other ("" for an erasure)
    field: Mapped[str] = mapped_column(String(12))
    #: the member's own words, sealed under the member's key (they may name a phone or a name;
    #: an erasure shreds them too): read through :func:`sync.hq.selfservice.request_text`
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    approved_by: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: what was done (the field's new value is not repeated here), or why it was declined
    outcome: Mapped[str] = mapped_column(String(200), default="", server_default="")

    __table_args__ = (Index("ix_hq_privacy_requests_status", "status", "created_at"),)


class Referral(Base):
    """A member registered as referred by another (推广): head office decides whether the
    referee is new to the chain and, at their first qualifying purchase, rewards the referrer
    (a ``referral_reward`` movement of store ``HQ``). ``status``: pending|refused|rewarded."""

    __tablename__ = "hq_referrals"
    referee_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    referrer_id: Mapped[str] = mapped_column(String(36))
    store_code: Mapped[str] = mapped_column(String(8))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(40), default="")
    reward_points: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the member the points went to (the referrer, or whom they were merged into)
    rewarded_member_id: Mapped[str | None] = mapped_column(String(36))
    rewarded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: when head office refused or rewarded it
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_hq_referrals_referrer", "referrer_id", "rewarded_at"),
        Index("ix_hq_referrals_decided", "decided_at"),
    )


class CountCard(Base):
    """A count card (次卡) as the whole chain knows it: sold at one store, used at any; its
    ``uses_left`` and ``value_fen`` are the sum of every till's deltas (below zero: overused
    by two stores offline, an ``countcard_overuse`` exception)."""

    __tablename__ = "hq_count_cards"
    card_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    product_code: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(64))
    covers: Mapped[str] = mapped_column(String(64))
    uses_total: Mapped[int] = mapped_column(Integer)
    paid_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(16))
    stores: Mapped[str] = mapped_column(String(200))
    offline_uses: Mapped[int] = mapped_column(Integer)
    uses_left: Mapped[int] = mapped_column(Integer)
    value_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))  # active|refunded
    store_code: Mapped[str] = mapped_column(String(8))
    sold_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CountShare(Base):
    """One till's own contribution to a count card's uses and value (what it posted): a till's
    copy of a card is its own part plus the rest head office sends."""

    __tablename__ = "hq_count_shares"
    card_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    store_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    till_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    value_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class CountRow(Base):
    """Head office's append-only count-card ledger: one row per card per event that moved it."""

    __tablename__ = "hq_count_ledger"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    card_no: Mapped[str] = mapped_column(String(20), index=True)
    member_id: Mapped[str] = mapped_column(String(36))
    store_code: Mapped[str] = mapped_column(String(8))
    till_no: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    uses: Mapped[int] = mapped_column(Integer)
    value_fen: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    day: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (Index("ix_hq_count_ledger_store_day", "store_code", "day"),)


class GiftCard(Base):
    """An anonymous gift card as the chain knows it: its balance is the sum of every till's
    movements (a spend may arrive before the card's sale: ``sold`` says whether it has)."""

    __tablename__ = "hq_gift_cards"
    card_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    face_fen: Mapped[int] = mapped_column(BigInteger)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    sold: Mapped[bool] = mapped_column(Boolean)
    store_code: Mapped[str] = mapped_column(String(8))
    sold_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class GiftRow(Base):
    """Head office's append-only gift-card ledger: one row per card per event that moved it."""

    __tablename__ = "hq_gift_ledger"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    card_no: Mapped[str] = mapped_column(String(20), index=True)
    store_code: Mapped[str] = mapped_column(String(8))
    till_no: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    day: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (Index("ix_hq_gift_ledger_store_day", "store_code", "day"),)


class Hold(Base):
    """A stored-value spend checked and held at head office until its sale's event arrives."""

    __tablename__ = "hq_holds"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(36), index=True)
    store_code: Mapped[str] = mapped_column(String(8))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Exception_(Base):
    """Something for a person at head office to look at (``reconcile`` lists them)."""

    __tablename__ = "hq_exceptions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))  # overdraft|merged_duplicate|event_conflict|...
    member_id: Mapped[str | None] = mapped_column(String(36), index=True)
    store_code: Mapped[str | None] = mapped_column(String(8))
    day: Mapped[dt.date | None] = mapped_column(Date)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    detail_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Refusal(Base):
    """The requests head office turned away, and why: one row per store, reason and minute
    with how many there were (a flood cannot make the log grow without bound), the newest
    detail kept."""

    __tablename__ = "hq_refusals"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # the first of its minute
    store_code: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    last_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    bucket: Mapped[str | None] = mapped_column(String(80))

    __table_args__ = (UniqueConstraint("bucket", name="uq_hq_refusals_bucket"),)


class Throttle(Base):
    """Failed sign-ins and signatures by client address or user: past a few within the window,
    the next attempts wait (429 with Retry-After), longer each time."""

    __tablename__ = "hq_throttle"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)


class DayTotal(Base):
    """What a till says its own ledger holds for one local day, per account."""

    __tablename__ = "hq_day_totals"
    store_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    till_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    account: Mapped[str] = mapped_column(String(24), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Notice(Base):
    """A consent notice's text as head office published it, by purpose and version (``storeapp-hq
    notice publish``); tills get it as a ``notice`` rule, and a consent names the version (and
    the text's SHA-256) it was given under (:mod:`sync.hq.consents`)."""

    __tablename__ = "hq_notices"
    purpose: Mapped[str] = mapped_column(String(24), primary_key=True)
    version: Mapped[str] = mapped_column(String(24), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ConsentRow(Base):
    """The chain's consent ledger, append-only (nothing here updates or deletes it): every
    consent given or withdrawn at a till (from its events), on the self-service page or at head
    office. ``entry_id`` is the entry's id everywhere; a till's entries name their store, till
    and event, head office's store ``HQ``, till 0."""

    __tablename__ = "hq_consents"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(48), unique=True)
    member_id: Mapped[str] = mapped_column(String(36))
    purpose: Mapped[str] = mapped_column(String(24))
    given: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[str] = mapped_column(String(24))
    text_sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # counter|self_service|head_office|import
    actor: Mapped[str] = mapped_column(String(32))  # a user's code, or "member"
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    store_code: Mapped[str] = mapped_column(String(8))
    till_no: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_hq_consents_member", "member_id", "purpose", "at"),)


class Rule(Base):
    """A chain rule head office owns: a setting, product, coupon template or plan."""

    __tablename__ = "hq_rules"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_json: Mapped[str | None] = mapped_column(Text)
    change_no: Mapped[int] = mapped_column(BigInteger, index=True)


class RuleVersion(Base):
    """Every value a chain rule has had, by the change number that set it: an event is checked
    against the rules as they stood at the version its till had applied (``rules`` in the event)."""

    __tablename__ = "hq_rule_history"
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    change_no: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    value_json: Mapped[str | None] = mapped_column(Text)


class Refundable(Base):
    """What a later event of the same till may give back: a sale's stored value and points
    (for its refund), a top-up (for its void). ``used_by`` is the event that gave it back."""

    __tablename__ = "hq_refundables"
    store_id: Mapped[int] = mapped_column(Id, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)  # receipt no. or top-up key
    till_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # sale|topup
    member_id: Mapped[str] = mapped_column(String(36))
    #: debited by the sale, credited by the top-up
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    bonus_fen: Mapped[int] = mapped_column(BigInteger)
    points_earned: Mapped[int] = mapped_column(BigInteger)
    points_redeemed: Mapped[int] = mapped_column(BigInteger)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[dt.date] = mapped_column(Date)  # the till's local day
    used_by: Mapped[str | None] = mapped_column(String(36))


class HeldEvent(Base):
    """An event head office stored but did not apply: ``open`` when it failed a check (an
    ``implausible_event`` exception), ``waiting`` when an open one of the same till holds one of
    its members; ``accepted`` or ``rejected`` once a head-office user decided."""

    __tablename__ = "hq_held_events"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(Id)
    till_no: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(36))
    member_ids: Mapped[str] = mapped_column(Text)  # JSON list
    status: Mapped[str] = mapped_column(String(10))  # open|waiting|accepted|rejected|applied
    reason: Mapped[str] = mapped_column(String(32))
    detail_json: Mapped[str] = mapped_column(Text)
    blocked_by: Mapped[int | None] = mapped_column(Id)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_hq_held_stream", "store_id", "till_no", "status"),)


class Review(Base):
    """A head-office user's decision, append-only: who, on what, what, why. A held event is
    accepted or rejected; a flagged till is cleared."""

    __tablename__ = "hq_reviews"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    held_id: Mapped[int | None] = mapped_column(Id, index=True)
    store_code: Mapped[str | None] = mapped_column(String(8))
    till_no: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(8))  # accept|reject|clear
    by_user: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class TillDownload(Base):
    """The download cursor head office last gave each till. A till that shows a later one holds
    changes this database no longer has: it was restored from a backup or failed over
    (:func:`sync.hq.service.changes`)."""

    __tablename__ = "hq_till_downloads"
    store_id: Mapped[int] = mapped_column(Id, primary_key=True)
    till_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    cursor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class Counter(Base):
    __tablename__ = "hq_counter"
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class MemberKey(Base):
    """A member's own key (:mod:`sync.hq.member_keys`), wrapped under head office's master key,
    which lives outside this database: the sealed copies of their personal data open with it."""

    __tablename__ = "hq_member_keys"
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    wrapped: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Secret(Base):
    """A secret of the whole chain, made once when head office's database is made (migration
    0008): ``qr`` signs every member and count-card QR code, so a code printed at one store is
    genuine at every other. Tills get it over the signed channel (``GET /store``); it is never
    shown on a page or logged."""

    __tablename__ = "hq_secrets"
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class User(Base):
    """A person at head office who may read its pages (HTTP Basic; a salted scrypt hash)."""

    __tablename__ = "hq_users"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: ``manager`` sees members' full phones (each view audited); ``analyst`` sees them masked
    role: Mapped[str] = mapped_column(String(12), default="manager", server_default="manager")


class KpiDay(Base):
    """The programme KPIs' nightly figures per store per Beijing day (``storeapp-hq kpi
    refresh``, :mod:`sync.hq.kpis`); ``store_code`` ``*`` is the whole chain. Sums over days
    give a range's purchases and spend, and the liability at a day's end; ``active_30`` and
    ``active_90`` are changes (members becoming active minus those lapsing that day), whose sum
    up to a day is the members active on it."""

    __tablename__ = "hq_kpi_days"
    store_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    sales: Mapped[int] = mapped_column(BigInteger, default=0)
    sales_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds: Mapped[int] = mapped_column(BigInteger, default=0)
    refunds_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # negative
    active_30: Mapped[int] = mapped_column(BigInteger, default=0)
    active_90: Mapped[int] = mapped_column(BigInteger, default=0)
    principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bonus_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[int] = mapped_column(BigInteger, default=0)


class KpiFigure(Base):
    """The KPIs' nightly figures that are not sums of days: distinct buyers of a month or a
    range, members retained from the month before, registration cohorts and their spend by
    month since registration, tier moves (``figure`` and ``dim`` say which)."""

    __tablename__ = "hq_kpi_figures"
    store_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    figure: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class KpiRun(Base):
    """Each KPI refresh: when it ran, the Beijing day its figures reach, how long it took."""

    __tablename__ = "hq_kpi_runs"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    through: Mapped[dt.date] = mapped_column(Date)
    millis: Mapped[int] = mapped_column(BigInteger)


#: The tier changes among the events, which the KPI refresh reads (partial: no cost to the
#: ingest of any other event).
Index("ix_hq_events_tier_changes", Event.created_at,
      postgresql_where=text("type = 'member_tier_changed'"),
      sqlite_where=text("type = 'member_tier_changed'"))


class Issuer(Base):
    """An issuer of prepaid cards (发卡企业) the chain reports for: the chain itself (``CHAIN``)
    or a franchisee (加盟商). ``kind`` sets the share of last quarter's prepaid balance it keeps
    on deposit (:data:`storeapp.deposit_rules.DEPOSIT_SHARE_PCT`)."""

    __tablename__ = "hq_issuers"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # size | group | brand
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class IssuerStore(Base):
    """The issuer a store sells prepaid value for; a store without a row is the chain's."""

    __tablename__ = "hq_issuer_stores"
    store_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    issuer_code: Mapped[str] = mapped_column(String(16))
    assigned_by: Mapped[str] = mapped_column(String(32))
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Deposit(Base):
    """What an issuer's deposit account (存管账户) held for a quarter, as a head-office user
    recorded it from the bank's statement; append-only: the latest record of the quarter
    counts (a correction is a new record)."""

    __tablename__ = "hq_deposits"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    issuer_code: Mapped[str] = mapped_column(String(16))
    quarter: Mapped[str] = mapped_column(String(6))  # 2026Q3
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    bank: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(40))
    on_day: Mapped[dt.date] = mapped_column(Date)  # the statement's date
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_hq_deposits_quarter", "quarter", "issuer_code"),)


class ComplianceSetting(Base):
    """Head office's own compliance settings (not chain rules: no till needs them), e.g. the
    share of revenue past which a store's prepaid balance is flagged."""

    __tablename__ = "hq_compliance_settings"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
