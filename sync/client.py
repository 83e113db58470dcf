"""The till's side of head-office sync: joining a store, uploading the outbox, downloading
members and rules, day totals, and the status the counter shows (docs/sync.md).

Each operation takes the till's :class:`~storeapp.db.Database` and keeps its progress in
``sync_state`` (:mod:`storeapp.sync_state`), so an interrupted sync resumes exactly where head
office says it stopped: the upload from head office's acked sequence, the download from the
cursor stored with the last page applied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storeapp import sync_state
from storeapp.db import Database
from storeapp.errors import DomainError, Refused
from storeapp.models import OutboxEvent, SettingRow
from storeapp.settings import BY_NAME, CHAIN, DECLARED, Settings
from sync import totals
from sync.apply import Applied, apply_page
from sync.http import HqClient, HqRefused, HqUnreachable

__all__ = ["HqClient", "HqRefused", "HqUnreachable", "SyncReport", "SyncStatus", "client_for",
           "download", "join", "run_sync", "status", "upload"]

#: ``progress(stage, done, total)``: stage is "upload", "download" or "totals"; ``total`` is 0
#: while it is not known (the download learns its size page by page).
Progress = Callable[[str, int, int], None]
TOTAL_DAYS = 2


@dataclass(frozen=True)
class SyncReport:
    """What one full sync moved."""

    uploaded: int  # events head office stored (duplicates of earlier tries not counted)
    acked_seq: int  # the highest outbox sequence head office now has from this till
    members: int  # members downloaded (new or changed at head office)
    rules: int  # settings, products, coupon templates and plans taken
    blocked: int  # downloaded members whose wallet head office blocked
    merged: int  # downloaded members merged into another (same phone at two stores)
    duration_s: float
    errors: list[str]  # what the till could not take (e.g. a setting it does not know)


@dataclass(frozen=True)
class SyncStatus:
    """The counter's status bar: cheap to ask, never contacts head office."""

    linked: bool
    store_code: str
    last_sync_at: dt.datetime | None
    last_contact_at: dt.datetime | None
    offline_since: dt.datetime | None
    last_error: str
    pending_events: int  # outbox events head office has not acknowledged yet


def client_for(db: Database, *, timeout: float = 5.0,
               transport: httpx.BaseTransport | None = None) -> HqClient:
    """A client for the head office this till joined; Refused when it joined none."""
    url, token = str(db.settings.hq_url), str(db.settings.hq_token)
    if not url or not token:
        raise Refused("not_linked", "this till has not joined a store at head office: "
                      "storeapp store join --server URL --token TOKEN")
    return HqClient(url, token, timeout=timeout, transport=transport)


# -- join ---------------------------------------------------------------------------------------

def join(db: Database, url: str, token: str, *,
         transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Link this till to its store at head office (``GET /store`` with the store's token).

    A till that already recorded events under another store code is refused: its history
    belongs to that store, and head office would refuse every upload (``wrong_store``).
    """
    url = url.strip().rstrip("/")
    with HqClient(url, token, transport=transport) as client:
        store = client.store()
    code, name = str(store["store_code"]), str(store.get("name") or "")
    with db.session() as s, s.begin():
        other = s.execute(text(
            "SELECT json_extract(payload_json, '$.store') FROM outbox "
            "WHERE json_extract(payload_json, '$.store') != :code LIMIT 1"), {"code": code},
        ).scalar()
        if other is not None:
            raise Refused("store_mismatch",
                          f"this till already recorded sales and members as store {other}; the "
                          f"token is for store {code} ({name}). Use store {other}'s token, or "
                          "a new till database for store " + code)
        settings = db.settings
        if code != settings.store_code or url != settings.hq_url:
            sync_state.write(s, cursor="", acked_seq=0)  # another store's progress means nothing
            _take_chain_rules_from_head_office(db, s)
        db.set_setting(s, "store_code", code)
        if name:
            db.set_setting(s, "store_name", name)
        db.set_setting(s, "hq_url", url)
        db.set_setting(s, "hq_token", token)
        sync_state.write(s, last_contact_at=db.clock.now(), offline_since=None, last_error="",
                         store_name_hq=name)
    return {"store_code": code, "store_name": name, "hq_url": url,
            "server_time": store.get("server_time")}


def _take_chain_rules_from_head_office(db: Database, s: Session) -> None:
    """Joining a chain: the till's own chain rules give way to the defaults, and the first
    download brings head office's (head office checks every event against its own)."""
    for setting in DECLARED:
        if setting.scope == CHAIN and setting.name != "qr_secret":
            row = s.get(SettingRow, setting.name)
            if row is not None:
                s.delete(row)
    s.flush()
    db.settings = Settings({k: v for k, v in db.settings.as_dict().items()
                            if BY_NAME[k].scope != CHAIN or k == "qr_secret"})
    db.set_setting(s, "hq_rules_version", 0)


# -- upload -------------------------------------------------------------------------------------

def upload(db: Database, client: HqClient, *, batch_size: int = 500,
           progress: Progress | None = None) -> int:
    """Send the outbox after what head office already has, in order; returns events stored."""
    till_no = int(db.settings.till_no)
    acked = client.acked(till_no)  # head office's word, not ours: resumes after any failure
    with db.reader() as s:
        last = int(s.scalar(select(func.coalesce(func.max(OutboxEvent.seq), 0))) or 0)
    if acked > last:
        raise Refused("outbox_behind",
                      f"head office has this till's events up to {acked} but its outbox ends at "
                      f"{last}: was this database restored from an old backup? Do not sell on "
                      "it; call head office")
    with db.session() as s, s.begin():
        sync_state.write(s, acked_seq=acked)
    first, stored = acked, 0
    while True:
        with db.reader() as s:
            rows = s.scalars(select(OutboxEvent).where(OutboxEvent.seq > acked)
                             .order_by(OutboxEvent.seq).limit(batch_size)).all()
        if not rows:
            return stored
        answer = client.post_events({
            "batch_id": str(uuid.uuid4()), "till_no": till_no,
            "events": [{"seq": e.seq, "event_id": e.event_id, "type": e.type,
                        "created_at": e.created_at.isoformat(), "payload": e.payload_json}
                       for e in rows]})
        now_acked = int(answer["acked_seq"])
        with db.session() as s, s.begin():
            sync_state.write(s, acked_seq=now_acked)
        stored += int(answer.get("stored", 0))
        if now_acked <= acked:
            raise Refused("upload_stalled",
                          f"head office stored none of events {rows[0].seq}-{rows[-1].seq} "
                          f"(it has up to {now_acked})")
        acked = now_acked
        if progress:
            progress("upload", acked - first, max(last, acked) - first)


# -- download -----------------------------------------------------------------------------------

def download(db: Database, client: HqClient, *, limit: int = 1000,
             progress: Progress | None = None) -> dict[str, Any]:
    """Apply every change since the stored cursor, page by page, each page with its cursor in
    one transaction; returns what changed (members, new members, rules, blocked, merged)."""
    till_no = int(db.settings.till_no)
    with db.reader() as s:
        cursor = sync_state.read(s).cursor
    total, pages = Applied(), 0
    while True:
        page = client.changes(cursor, limit, till_no=till_no)
        try:
            with db.session() as s, s.begin():
                applied = apply_page(db, s, page)
                sync_state.write(s, cursor=str(page["cursor"]))
        except BaseException:
            db.settings = db.load_settings()  # a rolled-back page's settings never happened
            raise
        total.add(applied)
        pages += 1
        if progress:
            progress("download", total.members + total.rules, 0)
        if not page.get("more"):
            break
        if str(page["cursor"]) == cursor:
            raise Refused("download_stalled", "head office sent the same page twice")
        cursor = str(page["cursor"])
    return {**dataclasses.asdict(total), "pages": pages}


# -- a full sync --------------------------------------------------------------------------------

def run_sync(db: Database, *, client: HqClient | None = None,
             progress: Progress | None = None) -> SyncReport:
    """Upload, download, then day totals of the last two local days.

    Head office unreachable: ``offline_since`` is set (when not already) and
    :class:`HqUnreachable` raised; a refusal is recorded as ``last_error`` and raised.
    """
    started = time.monotonic()
    own = client is None
    hq = client if client is not None else client_for(db)
    try:
        uploaded = upload(db, hq, progress=progress)
        got = download(db, hq, progress=progress)
        days = totals.recent_days(db, TOTAL_DAYS)
        hq.day_totals(int(db.settings.till_no), totals.day_totals(db, days))
        if progress:
            progress("totals", len(days), len(days))
    except HqUnreachable as exc:
        record_trouble(db, exc.message, offline=True)
        raise
    except DomainError as exc:
        record_trouble(db, f"{exc.message} [{exc.code}]", offline=False)
        raise
    finally:
        if own:
            hq.close()
    now = db.clock.now()
    with db.session() as s, s.begin():
        acked = sync_state.read(s).acked_seq
        sync_state.write(s, last_contact_at=now, last_sync_at=now, offline_since=None,
                         last_error="")
    return SyncReport(uploaded=uploaded, acked_seq=acked, members=got["members"],
                      rules=got["rules"], blocked=got["blocked"], merged=got["merged"],
                      duration_s=round(time.monotonic() - started, 3), errors=got["skipped"])


def record_trouble(db: Database, message: str, *, offline: bool) -> None:
    """Remember why the last contact failed; when unreachable, since when (the offline
    allowance counts from there)."""
    with db.session() as s, s.begin():
        changes: dict[str, Any] = {"last_error": message}
        if offline and sync_state.read(s).offline_since is None:
            changes["offline_since"] = db.clock.now()
        sync_state.write(s, **changes)


# -- status -------------------------------------------------------------------------------------

def status(db: Database) -> SyncStatus:
    """Read-only and cheap (two small reads): the counter's status bar asks it often."""
    settings = db.settings
    with db.reader() as s:
        state = sync_state.read(s)
        pending = int(s.scalar(select(func.count()).select_from(OutboxEvent)
                               .where(OutboxEvent.seq > state.acked_seq)) or 0)
    return SyncStatus(
        linked=bool(settings.hq_url and settings.hq_token), store_code=str(settings.store_code),
        last_sync_at=state.last_sync_at, last_contact_at=state.last_contact_at,
        offline_since=state.offline_since, last_error=state.last_error, pending_events=pending)
