"""The till's side of head-office sync: joining a store, uploading the outbox, downloading
members and rules, day totals, and the status the counter shows (docs/sync.md).

Each operation takes the till's :class:`~storeapp.db.Database` and keeps its progress in
``sync_state`` (:mod:`storeapp.sync_state`), so an interrupted sync resumes exactly where head
office says it stopped: the upload from head office's acked sequence, the download from the
cursor stored with the last page applied.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storeapp import integrity, pii, sync_state
from storeapp.continuity import GENESIS
from storeapp.db import Database
from storeapp.errors import DomainError, Refused
from storeapp.models import AuditRow, Member, OutboxEvent, SettingRow
from storeapp.services.privacy import ERASED_PREFIX
from storeapp.settings import BY_NAME, CHAIN, DECLARED, Settings
from sync import protocol, totals
from sync.apply import Applied, apply_page
from sync.http import HqClient, HqRefused, HqUnreachable

__all__ = ["HqClient", "HqRefused", "HqUnreachable", "SyncReport", "SyncStatus", "client_for",
           "download", "join", "run_sync", "status", "take_chain_secret", "upload"]

#: ``progress(stage, done, total)``: stage is "upload", "download" or "totals"; ``total`` is 0
#: while it is not known (the download learns its size page by page).
Progress = Callable[[str, int, int], None]
TOTAL_DAYS = 2
AUDIT_BATCH = 2000
BALANCE_PAGE = 5000
LAST_ID = "~"  # sorts after every member id (hex digits and dashes)


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
    #: Head office put this till online-only (its records were found edited): why, or "".
    online_only: str = ""
    #: This till lost events head office holds and must be restored: what was found, or "".
    restore_needed: str = ""


def client_for(db: Database, *, timeout: float = 5.0,
               transport: httpx.BaseTransport | None = None) -> HqClient:
    """A client for the head office this till joined; Refused when it joined none."""
    url, token = db.settings.hq_url, db.settings.hq_token
    if not url or not token:
        raise Refused("not_linked", "This till has not joined a store at head office: "
                      "storeapp store join --server URL --token TOKEN")
    return HqClient(url, token, timeout=timeout, transport=transport)


# -- join ---------------------------------------------------------------------------------------

def join(db: Database, url: str, token: str, *,
         transport: httpx.BaseTransport | None = None) -> dict[str, Any]:
    """Link this till to its store at head office (``GET /store`` with the store's token).

    A till that already recorded events under another store code is refused: its history
    belongs to that store, and head office would refuse every upload (``wrong_store``).
    The till takes the chain's QR secret (:func:`take_chain_secret`); joining again takes it
    too (a till that joined before head office gave one out).
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
                          f"This till already recorded sales and members as store {other}; the "
                          f"token is for store {code} ({name}). Use store {other}'s token, or "
                          "a new till database for store " + code, recorded_store=str(other),
                          token_store=code, store_name=name)
        settings = db.settings
        if code != settings.store_code or url != settings.hq_url:
            sync_state.write(s, cursor="", acked_seq=0)  # another store's progress means nothing
            _take_chain_rules_from_head_office(db, s)
        db.set_setting(s, "store_code", code)
        if name:
            db.set_setting(s, "store_name", name)
        db.set_setting(s, "hq_url", url)
        db.set_setting(s, "hq_token", token)
        take_chain_secret(db, s, str(store.get("qr_secret") or ""))
        if store.get("member_key_public"):
            db.set_setting(s, "hq_member_key", str(store["member_key_public"]))
        sync_state.write(s, last_contact_at=db.clock.now(), offline_since=None, last_error="",
                         store_name_hq=name)
    return {"store_code": code, "store_name": name, "hq_url": url,
            "server_time": store.get("server_time")}


def take_chain_secret(db: Database, s: Session, secret: str, *, keep_own: bool = True) -> None:
    """Sign QR codes with the chain's ``secret`` from now on (head office's, ``GET /store``), so
    a code printed here is genuine at every store. The secret this till signed with until now
    stays among ``qr_secrets_previous`` (unless ``keep_own`` is false: a blank database's, which
    signed nothing), so the codes it printed before still verify here. Nothing when head office
    gave none (an older head office) or it is the one the till already has."""
    settings = db.settings
    if not secret or secret == settings.qr_secret:
        return
    earlier = [settings.qr_secret, *settings.qr_secrets_previous] if keep_own else \
        list(settings.qr_secrets_previous)
    previous = [x for i, x in enumerate(earlier) if x and x != secret and x not in earlier[:i]]
    db.set_setting(s, "qr_secrets_previous", previous)
    db.set_setting(s, "qr_secret", secret)


def _take_chain_rules_from_head_office(db: Database, s: Session) -> None:
    """Joining a chain: the till's own chain rules give way to the defaults, and the first
    download brings head office's (head office checks every event against its own)."""
    for setting in DECLARED:
        if setting.scope == CHAIN:
            row = s.get(SettingRow, setting.name)
            if row is not None:
                s.delete(row)
    s.flush()
    db.settings = Settings({k: v for k, v in db.settings.as_dict().items()
                            if BY_NAME[k].scope != CHAIN})
    db.set_setting(s, "hq_rules_version", 0)


# -- upload -------------------------------------------------------------------------------------

def upload(db: Database, client: HqClient, *, batch_size: int = protocol.UPLOAD_EVENTS,
           progress: Progress | None = None) -> int:
    """Send the outbox after what head office already has, in order, with the audit rows after
    head office's newest and, in the last batch, the digest of this till's balances; returns
    the events head office stored.

    First the till proves it continues what head office holds (:func:`check_continuity`): a
    till that lost events stops here, until it is restored."""
    till_no = db.settings.till_no
    held = client.where(till_no)  # head office's word, not ours: resumes after any failure
    acked, audit_from = int(held["acked_seq"]), int(held["audit_seq"])
    check_continuity(db, acked, str(held["chain"]), audit_from, str(held.get("audit_hash")))
    with db.session() as s, s.begin():
        sync_state.write(s, acked_seq=acked, audit_acked=audit_from,
                         online_only=str(held.get("flag") or ""))
        if not db.settings.hq_member_key:  # a till that joined before head office gave one
            public = client.store().get("member_key_public")
            if public:
                db.set_setting(s, "hq_member_key", str(public))
    first, stored = acked, 0
    while True:
        batch, last, audit_last = _next_batch(db, till_no, acked, audit_from, batch_size)
        answer = client.post_events(batch)
        now_acked, now_audit = int(answer["acked_seq"]), int(answer.get("audit_seq", 0))
        with db.session() as s, s.begin():
            sync_state.write(s, acked_seq=now_acked, audit_acked=now_audit,
                             online_only=str(answer.get("flag") or ""))
        stored += int(answer.get("stored", 0))
        if batch["events"] and now_acked <= acked:
            first_seq, last_seq = int(batch["events"][0]["seq"]), int(batch["events"][-1]["seq"])
            raise Refused("upload_stalled",
                          f"Head office stored none of events {first_seq}-{last_seq} (it has up "
                          f"to {now_acked})", first_seq=first_seq, last_seq=last_seq,
                          acked_seq=now_acked)
        if (answer.get("check") or {}).get("send_balances"):
            send_balances(db, client, till_no)
        moved = now_acked > acked or now_audit > audit_from
        acked, audit_from = now_acked, now_audit
        if progress:
            progress("upload", acked - first, max(last, acked) - first)
        if (acked >= last and audit_from >= audit_last) or not moved:
            return stored  # all there; or head office refused the audit rows (and said why)


def check_continuity(db: Database, acked: int, chain: str, audit_seq: int = 0,
                     audit_hash: str = GENESIS) -> None:
    """The till's outbox must reach head office's ack with the same running hash there; else it
    lost events (restored from an old backup, WAL lost) or went on selling after losing them.
    Its audit log likewise must reach head office's newest audit row, unless it was never told
    of that row (then it merely lost data too). Each is recorded (stored-value spends stop) and
    refused with what to do. An audit row that differs though the till knew head office had it
    is not a loss: the upload goes on and head office names the edit (``till_tampered``)."""
    with db.reader() as s:
        last = int(s.scalar(select(func.coalesce(func.max(OutboxEvent.seq), 0))) or 0)
        mine = GENESIS if acked == 0 else s.scalar(
            select(OutboxEvent.chain).where(OutboxEvent.seq == acked))
        audit_here = GENESIS if audit_seq == 0 else s.scalar(
            select(AuditRow.hash).where(AuditRow.seq == audit_seq))
        state = sync_state.read(s)
    problem = ""
    if acked > last:
        problem = (f"Head office holds this till's events up to {acked} but its outbox ends at "
                   f"{last}: events were lost (an old backup restored, or the disk lost them)")
    elif mine != chain:
        problem = (f"This till's events up to {acked} are not the ones head office holds: it "
                   "lost events and went on selling")
    elif audit_here is None or (audit_here != audit_hash and state.audit_acked < audit_seq):
        problem = (f"This till's audit log does not reach the row {audit_seq} head office holds: "
                   "it lost data (an old backup restored, or the disk lost it)")
    was = state.restore_needed
    if problem or was:
        with db.session() as s, s.begin():
            sync_state.write(s, restore_needed=problem)
    if problem:
        raise Refused("restore_needed", f"{problem}. Do not sell stored value here; a manager "
                      "runs: storeapp restore (it restores the newest good backup and takes "
                      "back every missing event from head office)", problem=problem)


def _next_batch(db: Database, till_no: int, acked: int, audit_from: int,
                batch_size: int) -> tuple[dict[str, Any], int, int]:
    """The next request, read in one snapshot: events after ``acked`` (at most
    ``batch_size``, and no more once their payloads pass :data:`protocol.UPLOAD_BYTES`), audit
    rows after ``audit_from``, and, when it takes the till to its end, the balance check."""
    with db.reader() as s:
        rows = _within_bytes(s.scalars(select(OutboxEvent).where(OutboxEvent.seq > acked)
                                       .order_by(OutboxEvent.seq).limit(batch_size)).all())
        last = int(s.scalar(select(func.coalesce(func.max(OutboxEvent.seq), 0))) or 0)
        chain = GENESIS if acked == 0 else s.scalar(
            select(OutboxEvent.chain).where(OutboxEvent.seq == acked))
        audit_rows = s.scalars(select(AuditRow).where(AuditRow.seq > audit_from)
                               .order_by(AuditRow.seq).limit(AUDIT_BATCH)).all()
        audit_last = int(s.scalar(select(func.coalesce(func.max(AuditRow.seq), 0))) or 0)
        start_hash = GENESIS if audit_from == 0 else s.scalar(
            select(AuditRow.hash).where(AuditRow.seq == audit_from))
        final = (not rows or rows[-1].seq == last) and \
            (not audit_rows or audit_rows[-1].seq == audit_last)
        check = None
        if final:
            check = {"upto": last, "digest": integrity.balance_digest(integrity.own_balances(s))}
    batch = {
        "batch_id": str(uuid.uuid4()), "till_no": till_no,
        "events": [{"seq": e.seq, "event_id": e.event_id, "type": e.type,
                    "created_at": e.created_at.isoformat(), "payload": e.payload_json}
                   for e in rows],
        "continuity": {"seq": acked, "chain": chain},
        "audit": {"from": [audit_from, start_hash],
                  "rows": [[r.seq, r.at.isoformat(), r.actor, r.action, r.subject,
                            r.detail_json] for r in audit_rows]},
        "check": check,
    }
    batch |= member_keys_for(db, rows)
    return batch, last, audit_last


def _within_bytes(rows: Sequence[OutboxEvent]) -> Sequence[OutboxEvent]:
    """The first of ``rows`` whose payloads fit :data:`protocol.UPLOAD_BYTES` (one at least),
    counted as they go on the wire: UTF-8, inside a JSON string (a quote or a backslash is
    two bytes there). The rest of a request (audit rows, keys) stays well below the 12 MiB
    left of what head office takes."""
    size = 0
    for i, row in enumerate(rows):
        text = row.payload_json
        size += len(text.encode()) + text.count('"') + text.count("\\")
        if size > protocol.UPLOAD_BYTES and i > 0:
            return rows[:i]
    return rows


#: the events that carry a member's personal data, sealed (storeapp.pii)
_SEALED = ("member_registered", "member_profile_updated")


def member_keys_for(db: Database, rows: Sequence[OutboxEvent]) -> dict[str, Any]:
    """The own keys of the members whose sealed data ``rows`` carry, sealed to head office's
    public key (given when the till joined): head office opens their data with them, and no
    one who reads the batch on its way can. What the batch carries for them:
    ``member_keys`` (member id → sealed key) and ``member_keys_from`` (the one-time public
    key they were sealed with, :class:`storeapp.pii.KeySealer`); nothing when there are none.

    A member erased here before these events went up has no key left to send: they are sent as
    :data:`pii.ERASED_KEY`, and head office applies the events without the data no one can open
    any more (:func:`sync.hq.member_keys.open_body`)."""
    ids = {str(json.loads(e.payload_json)["member_id"]) for e in rows
           if e.type in _SEALED and '"personal"' in e.payload_json}
    if not ids:
        return {}
    public = db.settings.hq_member_key
    if not public:
        raise Refused("hq_key_missing", "Head office has not given this till its key for "
                      "members' data: join head office again (storeapp sync join)")
    sealer = pii.KeySealer(base64.urlsafe_b64decode(public))
    keys = db.pii.keys.get_many(ids)
    sent = {i: sealer.seal(i, keys[i]) for i in sorted(ids) if i in keys}
    if len(sent) < len(ids):
        with db.reader() as s:
            sent |= dict.fromkeys(s.scalars(select(Member.member_id).where(
                Member.member_id.in_(sorted(ids - sent.keys())),
                Member.phone_key.startswith(ERASED_PREFIX))), pii.ERASED_KEY)
    return {"member_keys": sent, "member_keys_from": sealer.sender}


def send_balances(db: Database, client: HqClient, till_no: int) -> list[str]:
    """Head office found this till's balance digest different: send every member's own balance,
    page by page over the member ids, so that it names each one that differs."""
    with db.reader() as s:
        owns = sorted(integrity.own_balances(s), key=lambda o: o.member_id)
    differ: list[str] = []
    after = ""
    for start in range(0, max(len(owns), 1), BALANCE_PAGE):
        page = owns[start:start + BALANCE_PAGE]
        to = page[-1].member_id if start + BALANCE_PAGE < len(owns) else LAST_ID
        answer = client.post_balances({
            "till_no": till_no, "after": after, "to": to,
            "members": [[o.member_id, o.principal_fen, o.bonus_fen, o.points] for o in page]})
        differ += [str(x) for x in answer.get("differ") or ()]
        after = to
    return differ


# -- download -----------------------------------------------------------------------------------

def download(db: Database, client: HqClient, *, limit: int = 1000,
             progress: Progress | None = None) -> dict[str, Any]:
    """Apply every change since the stored cursor, page by page, each page with its cursor in
    one transaction; returns what changed (members, new members, rules, blocked, merged)."""
    till_no = db.settings.till_no
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
            raise Refused("download_stalled", "Head office sent the same page twice",
                          cursor=cursor)
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
        hq.day_totals(db.settings.till_no, totals.day_totals(db, days))
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
        linked=bool(settings.hq_url and settings.hq_token), store_code=settings.store_code,
        last_sync_at=state.last_sync_at, last_contact_at=state.last_contact_at,
        offline_since=state.offline_since, last_error=state.last_error, pending_events=pending,
        online_only=state.online_only, restore_needed=state.restore_needed)
