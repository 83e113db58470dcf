"""``storeapp restore``: bring back a till that lost events (docs/sync.md, "Continuity and
restore"; the store manager's runbook is in the same place).

1. The base: the backup given, or the newest good backup beside the database (``backups/``)
   whose events are the ones head office holds; with ``--from-head-office``, a blank database
   for the store and till number.
2. Every event of this till head office holds after the base's last is written back
   (:mod:`storeapp.replay`), and the audit rows after the base's, verbatim; the till then ends
   with the very stream head office holds (its running hash is checked).
3. Events the till made after the loss (in the file that lost events, unknown to head office)
   are written back after head office's, renumbered; their audit rows chained after.
4. Staff and the till's own settings are carried over from that file when it can be read;
   the till signs QR codes with the chain's secret (head office's), and every secret it signed
   with before that it still knows verifies codes it printed then.
5. The new file replaces the old one, which is kept beside it (``*.lost-<time>``); a sync then
   uploads what the till made after the loss and downloads the rest of the chain.

Everything happens on a copy: a restore that fails leaves the till's file as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, func, select, text

from storeapp import integrity, replay, sync_state
from storeapp.audit import row_hash
from storeapp.clock import Clock
from storeapp.continuity import GENESIS, event_digest
from storeapp.db import Database
from storeapp.errors import Refused
from storeapp.keystore import KeyStore
from storeapp.models import AuditRow, OutboxEvent, SettingRow, User
from storeapp.sequences import insert_row
from storeapp.settings import BY_NAME, TILL
from sync.apply import take_member_keys
from sync.client import take_chain_secret
from sync.http import HqClient

PAGE = 1000


@dataclass
class RestoreReport:
    base: str  # the backup written back from, or "head office" (a blank database)
    base_seq: int  # the base's last event
    pulled_events: int  # events taken back from head office
    pulled_audit: int  # audit rows taken back from head office
    rebased: int  # events made after the loss, renumbered after head office's
    acked_seq: int  # head office's last event of this till: the restored till has it
    kept_aside: str | None  # where the file that lost events went
    staff: int  # users carried over from that file
    renumbered: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Link:
    server: str
    token: str
    till_no: int


def restore(path: Path, *, backup: Path | None = None, from_head_office: bool = False,
            link: Link | None = None, clock: Clock | None = None,
            transport: httpx.BaseTransport | None = None) -> RestoreReport:
    """Restore the till database at ``path``; see the module's steps."""
    clock = clock or Clock()
    lost = path if path.exists() else None
    link = link or _link_of(lost) or (_link_of(backup) if backup else None)
    if link is None:
        raise Refused("not_linked", "Restore needs head office: give --server, --token and "
                      "--till (this till's file cannot tell them)", variant="restore")
    notes: list[str] = []
    with HqClient(link.server, link.token, transport=transport) as hq:
        held = hq.where(link.till_no)
        store = hq.store()
        work = path.with_name(f"{path.name}.restoring")
        _remove(work)
        try:
            base, base_seq = _base(path, work, backup, from_head_office, hq, link, held,
                                   store, clock)
            db = Database(work, clock=clock)
            try:
                pulled = _pull_events(db, hq, link.till_no, base_seq, int(held["acked_seq"]),
                                      str(held["chain"]))
                audit_rows, chained = _pull_audit(db, hq, link.till_no,
                                                  int(held.get("audit_seq") or 0))
                rebased, staff, renumbered = 0, 0, dict[str, str]()
                if lost is not None:
                    try:
                        rebased, renumbered, staff = _carry_over(db, lost, chained, notes)
                    except sqlite3.DatabaseError as exc:
                        notes.append(f"the file that lost events could not be read ({exc}): "
                                     "nothing made after the loss was carried over")
                _finish(db, held, store_code=str(store["store_code"]), link=link,
                        qr_secret=str(store.get("qr_secret") or ""))
            finally:
                db.close()
        except BaseException:
            _remove(work)
            raise
    kept = _swap(path, work, lost, clock)
    return RestoreReport(
        base="head office" if from_head_office else str(base), base_seq=base_seq,
        pulled_events=pulled, pulled_audit=audit_rows, rebased=rebased,
        acked_seq=int(held["acked_seq"]), kept_aside=str(kept) if kept else None, staff=staff,
        renumbered=renumbered, notes=notes)


# -- the base ------------------------------------------------------------------------------------

def _base(path: Path, work: Path, backup: Path | None, from_head_office: bool, hq: HqClient,
          link: Link, held: dict[str, Any], store: dict[str, Any],
          clock: Clock) -> tuple[Path | str, int]:
    if from_head_office:
        db = Database(work, clock=clock)
        try:
            with db.session() as s, s.begin():
                for name, value in (("store_code", store["store_code"]),
                                    ("store_name", store.get("name") or ""),
                                    ("till_no", link.till_no), ("hq_url", link.server),
                                    ("hq_token", link.token)):
                    db.set_setting(s, name, value)
                # the chain's QR secret: the codes this till printed since it joined verify
                take_chain_secret(db, s, str(store.get("qr_secret") or ""), keep_own=False)
        finally:
            db.close()
        return "head office", 0
    # without a backup named: the till's own file when it merely ends early (WAL lost, no
    # sale since), else its backups, newest first
    candidates = [backup] if backup else [
        *([path] if path.exists() else []),
        *sorted((path.parent / "backups").glob(f"{path.stem}-*.db"), reverse=True)]
    refused = []
    for candidate in candidates:
        problem = _try_base(candidate, work, hq, link.till_no, int(held["acked_seq"]), clock)
        if problem is None:
            with contextlib.closing(sqlite3.connect(work)) as conn:
                last = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
            return candidate, int(last)
        refused.append(f"{candidate.name}: {problem}")
        _remove(work)
    why = "; ".join(refused) if refused else f"none found in {path.parent / 'backups'}"
    raise Refused("no_good_backup", f"No backup continues what head office holds ({why}): "
                  "restore with --from-head-office", detail=why)


def _try_base(candidate: Path, work: Path, hq: HqClient, till_no: int, acked: int,
              clock: Clock) -> str | None:
    """Copy ``candidate`` to ``work`` (migrated); why it cannot be the base, or None."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)) as src, \
                contextlib.closing(sqlite3.connect(work)) as dst:
            if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                return "it is damaged"
            src.backup(dst)
    except sqlite3.DatabaseError as exc:
        return f"it cannot be read ({exc})"
    Database(work, clock=clock).close()  # an older backup takes the current schema
    with contextlib.closing(sqlite3.connect(work)) as conn:
        last, = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()
        probe = min(int(last), acked)
        if probe == 0:
            return None
        row = conn.execute("SELECT seq, event_id, type, payload_json FROM outbox WHERE seq = ?",
                           (probe,)).fetchone()
    theirs = hq.own_events(till_no, probe - 1, 1)["events"]
    if not theirs or event_digest(*row) != event_digest(
            theirs[0]["seq"], theirs[0]["event_id"], theirs[0]["type"], theirs[0]["payload"]):
        return f"its event {probe} is not the one head office holds (another till's backup?)"
    return None


# -- what head office holds ----------------------------------------------------------------------

def _pull_events(db: Database, hq: HqClient, till_no: int, after: int, acked: int,
                 chain: str) -> int:
    pulled = 0
    while after < acked:
        answer = hq.own_events(till_no, after, PAGE)
        take_member_keys(db, answer.get("member_keys"))
        page = answer["events"]
        if not page:
            break
        events = [replay.StoredEvent(int(e["seq"]), str(e["event_id"]), str(e["type"]),
                                     dt.datetime.fromisoformat(e["created_at"]),
                                     str(e["payload"])) for e in page if e["seq"] <= acked]
        with db.session() as s, s.begin():
            replay.replay(db, s, events)
        pulled += len(events)
        after = events[-1].seq
    with db.reader() as s:
        mine = GENESIS if acked == 0 else s.scalar(
            select(OutboxEvent.chain).where(OutboxEvent.seq == acked))
    if mine != chain:
        raise Refused("restore_failed", f"After writing back head office's events the till's "
                      f"stream does not end as head office's does at {acked}: nothing was "
                      "changed; call head office", variant="events", acked_seq=acked)
    return pulled


def _pull_audit(db: Database, hq: HqClient, till_no: int,
                held_seq: int) -> tuple[int, set[tuple[Any, ...]]]:
    """Head office's audit rows, verbatim, after the longest prefix the base shares with them;
    the base's own rows past that prefix (written after a loss) follow, chained anew. Returns
    the rows pulled and the contents of the base's own rows."""
    with db.reader() as s:
        newest = int(s.scalar(select(func.coalesce(func.max(AuditRow.seq), 0))) or 0)
    common = _common_audit(db, hq, till_no, min(newest, held_seq))
    own: list[tuple[Any, ...]] = []
    if common < newest:  # a restore works on a copy: the append-only rule is lifted for it
        with db.session() as s, s.begin():
            own = [tuple(r) for r in s.execute(
                select(AuditRow.at, AuditRow.actor, AuditRow.action, AuditRow.subject,
                       AuditRow.detail_json).where(AuditRow.seq > common)
                .order_by(AuditRow.seq))]
            s.execute(text("DROP TRIGGER audit_log_no_delete"))
            s.execute(delete(AuditRow).where(AuditRow.seq > common))
            s.execute(text(_NO_DELETE))
    after, prev = common, _audit_hash(db, common)
    pulled = 0
    while after < held_seq:
        answer = hq.own_audit(till_no, after, 2000)
        rows = answer["rows"]
        if not rows:
            break
        with db.session() as s, s.begin():
            for seq, at, actor, action, subject, detail, digest in rows:
                when = dt.datetime.fromisoformat(at)
                if seq != after + 1 or row_hash(seq, when, actor, action, subject, detail,
                                                prev) != digest:
                    raise Refused("restore_failed", f"Head office's audit row {seq} does not "
                                  "continue this till's: nothing was changed; call head office",
                                  variant="audit", audit_seq=int(seq))
                insert_row(s, AuditRow, seq=seq, at=when, actor=actor, action=action,
                           subject=subject, detail_json=detail, prev_hash=prev, hash=digest)
                after, prev, pulled = seq, digest, pulled + 1
        if not answer.get("more"):
            break
    with db.session() as s, s.begin():
        _chain_audit(s, own)
    return pulled, {_content(r) for r in own}


def _common_audit(db: Database, hq: HqClient, till_no: int, probe: int) -> int:
    """The newest audit row the base and head office hold alike (hash chains: once they differ
    they differ after, so a binary search finds it)."""
    def same(seq: int) -> bool:
        if seq == 0:
            return True
        rows = hq.own_audit(till_no, seq - 1, 1)["rows"]
        return bool(rows) and rows[0][0] == seq and rows[0][6] == _audit_hash(db, seq)

    if same(probe):
        return probe
    low, high = 0, probe
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if same(middle) else (low, middle)
    return low


def _audit_hash(db: Database, seq: int) -> str:
    if seq == 0:
        return GENESIS
    with db.reader() as s:
        return str(s.scalar(select(AuditRow.hash).where(AuditRow.seq == seq)))


def _content(row: tuple[Any, ...]) -> tuple[Any, ...]:
    at = row[0] if isinstance(row[0], dt.datetime) else dt.datetime.fromisoformat(str(row[0]))
    return (at, *row[1:])


_NO_DELETE = ("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
              "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


# -- what the till made after the loss -----------------------------------------------------------

def _carry_over(db: Database, lost: Path, chained: set[tuple[Any, ...]],
                notes: list[str]) -> tuple[int, dict[str, str], int]:
    """Events of the file that lost events that head office never got, its audit rows after what
    the restored till shares with it (less those the base already brought), its staff and its
    own settings."""
    with _read_only(lost) as old, db.reader() as s:
        have = set(s.scalars(select(OutboxEvent.event_id)))
        mine = {seq: digest for seq, digest in s.execute(select(AuditRow.seq, AuditRow.hash))}
        later = [replay.StoredEvent(seq, event_id, kind, dt.datetime.fromisoformat(at), payload)
                 for seq, event_id, kind, at, payload in old.execute(
                     "SELECT seq, event_id, type, created_at, payload_json FROM outbox "
                     "ORDER BY seq") if event_id not in have]
        common = 0
        for seq, digest in old.execute("SELECT seq, hash FROM audit_log ORDER BY seq"):
            if mine.get(seq) != digest:
                break
            common = seq
        audit_rows = old.execute("SELECT at, actor, action, subject, detail_json FROM audit_log "
                                 "WHERE seq > ? ORDER BY seq", (common,)).fetchall()
        staff = old.execute("SELECT code, name, role, pin_hash, failed_tries, active, created_at "
                            "FROM users").fetchall()
        settings = old.execute("SELECT name, value_json FROM settings").fetchall()
    renumbered: dict[str, str] = {}
    with db.session() as s, s.begin():
        if later:
            done = replay.replay(db, s, later, renumber=True)
            renumbered = done.renumbered
            notes += [f"not carried over: {why}" for _, why in done.left_out]
        _chain_audit(s, [r for r in audit_rows if _content(r) not in chained])
        known = set(s.scalars(select(User.code)))
        for code, name, role, pin_hash, tries, active, created in staff:
            if code not in known:
                s.add(User(code=code, name=name, role=role, pin_hash=pin_hash,
                           failed_tries=tries, active=bool(active),
                           created_at=dt.datetime.fromisoformat(created)))
        for name, value_json in settings:
            declared = BY_NAME.get(name)
            if declared is not None and declared.scope == TILL and \
                    name != "hq_rules_version" and not declared.key_store:
                s.merge(SettingRow(name=name, value_json=value_json))
    return len(later), renumbered, len(staff)


def _chain_audit(s: Any, rows: list[tuple[Any, ...]]) -> None:
    last = s.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc())
                     .limit(1)).first()
    seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS)
    for row in rows:
        when, actor, action, subject, detail = _content(row)
        seq += 1
        digest = row_hash(seq, when, actor, action, subject, detail, prev)
        insert_row(s, AuditRow, seq=seq, at=when, actor=actor, action=action, subject=subject,
                   detail_json=detail, prev_hash=prev, hash=digest)
        prev = digest


def _finish(db: Database, held: dict[str, Any], *, store_code: str, link: Link,
            qr_secret: str) -> None:
    db.settings = db.load_settings()  # with the settings carried over from the lost file
    with db.session() as s, s.begin():
        for name, value in (("hq_url", link.server), ("hq_token", link.token),
                            ("till_no", link.till_no), ("store_code", store_code)):
            if db.settings.get(name) != value:
                db.set_setting(s, name, value)
        take_chain_secret(db, s, qr_secret)  # a till that joined before there was one
        sync_state.write(s, acked_seq=int(held["acked_seq"]),
                         audit_acked=int(held.get("audit_seq") or 0),
                         online_only=str(held.get("flag") or ""), restore_needed="",
                         last_error="")
    with db.reader() as s:
        problems = integrity.ledger_problems(s)
    if problems:
        raise Refused("restore_failed", "The restored till's balances do not match its ledgers "
                      f"({problems[0]}): nothing was changed", variant="ledgers",
                      detail=problems[0])


# -- files ---------------------------------------------------------------------------------------

def _swap(path: Path, work: Path, lost: Path | None, clock: Clock) -> Path | None:
    with contextlib.closing(sqlite3.connect(work)) as conn:  # one self-contained file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kept = None
    if lost is not None:
        kept = path.with_name(f"{path.name}.lost-{clock.now():%Y%m%d-%H%M%S}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{path}{suffix}")
            if source.exists():
                shutil.move(source, Path(f"{kept}{suffix}"))
    for suffix in ("-wal", "-shm"):
        _remove(Path(f"{work}{suffix}"))
    os.replace(work, path)
    return kept


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _link_of(path: Path | None) -> Link | None:
    """The head-office link a till file records, when it can be read."""
    if path is None or not path.exists():
        return None
    try:
        with _read_only(path) as conn:
            values = {name: json.loads(value) for name, value in conn.execute(
                "SELECT name, value_json FROM settings WHERE name IN "
                "('hq_url', 'hq_token', 'till_no', 'key_entry')")}
    except sqlite3.DatabaseError:
        return None
    if not values.get("hq_token") and values.get("key_entry"):
        # the token is in the till's key store (a file from before: in its settings)
        values["hq_token"] = KeyStore(str(values["key_entry"])).text("hq_token")
    if not values.get("hq_url") or not values.get("hq_token"):
        return None
    return Link(str(values["hq_url"]), str(values["hq_token"]), int(values.get("till_no", 1)))
