"""The print queue: every receipt is a ``print_jobs`` row before it goes near a printer, and one
worker thread prints the rows oldest first, retrying with backoff while the printer is away.

The counter only ever inserts a row (:meth:`PrintQueue.submit`, or :func:`add_job` inside the
sale's own transaction); it never waits on the printer. Status changes reach the UI through
:meth:`PrintQueue.on_status` listeners, called on the worker thread.

A job moves ``queued -> printing -> done`` (or back to ``queued`` with ``last_error`` when the
printer fails, or to ``failed`` when its payload cannot be rendered at all). Each step is its own
short transaction, and ``done`` is committed right after the printer confirms the bytes (its
status answer, or the send queue drained: see :meth:`devices.printers.PrinterPort.confirm`), so a
job marked done is never printed again. A job the printer failed after taking some of it goes
back to ``queued`` marked :data:`CONTINUED` and prints again whole. The one window left is a
crash (power cut, kill) between the printer taking the receipt and that commit, a few
milliseconds: the job is still ``printing`` at the next start, goes back to ``queued`` (marked
continued) and prints a second time. The other order (done first, then print) would lose the
receipt instead, which is worse for a sale.

The steps of one job (:func:`claim`, :func:`send`, :func:`mark_done`, :func:`requeue`...) are
module functions, so a one-off print without the worker (the CLI's) moves jobs the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from devices.printers import PrinterError, PrinterPort, PrinterStatus
from storeapp.db import Database
from storeapp.errors import NotFound
from storeapp.models import PrintJob
from storeapp.receipt_jobs import CONTINUED as CONTINUED
from storeapp.receipt_jobs import OPEN_DRAWER as OPEN_DRAWER
from storeapp.receipt_jobs import QUEUED
from storeapp.receipt_jobs import REPRINT as REPRINT
from storeapp.receipt_jobs import add_job as add_job
from storeapp.receipt_jobs import takes_cash as takes_cash

log = logging.getLogger(__name__)

#: Renders a job (kind, payload) to the ESC/POS bytes the printer gets.
Renderer = Callable[[str, dict[str, Any]], bytes]
#: Called with (status, message, pending job count) whenever one of them changes.
StatusListener = Callable[[PrinterStatus, str, int], None]

# Jobs are added by the core, inside the action they print (storeapp.receipt_jobs): the payload
# keys and add_job live there, and are used here under the same names.
PRINTING, DONE, FAILED = "printing", "done", "failed"  # and QUEUED, from the core


@dataclass(frozen=True)
class JobView:
    """A print job as the UI lists it."""

    id: int
    kind: str
    ref: str
    status: str
    attempts: int
    last_error: str | None
    copy_of: int | None
    created_at: dt.datetime
    printed_at: dt.datetime | None


class PrintQueue:
    """Receipts persisted, then printed on a worker thread with retry and backoff.

    ``port_factory`` is called on the worker thread (so opening a device never happens on the
    caller's) the first time a port is needed, and again only if it raised. ``write_timeout`` is
    how long the printer may take no data before an attempt fails; after ``n`` failures in a row
    the next attempt waits ``retry_seconds * 2**(n-1)``, at most ``max_retry_seconds``. While
    idle the printer's status is polled every ``poll_seconds`` (None: never).
    """

    def __init__(self, db: Database, port_factory: Callable[[], PrinterPort],
                 renderer: Renderer, *, retry_seconds: float = 2.0,
                 max_retry_seconds: float = 60.0, write_timeout: float = 10.0,
                 poll_seconds: float | None = 30.0, start: bool = True) -> None:
        self._db = db
        self._factory = port_factory
        self._renderer = renderer
        self._retry_seconds = retry_seconds
        self._max_retry_seconds = max_retry_seconds
        self._write_timeout = write_timeout
        self._poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._listeners: list[StatusListener] = []
        self._to_greet: list[StatusListener] = []
        self._state: tuple[PrinterStatus, str, int] = (PrinterStatus.UNKNOWN, "starting", -1)
        # Worker-thread only:
        self._port: PrinterPort | None = None
        self._new_factory: Callable[[], PrinterPort] | None = None
        self._recovered = False
        self._failures = 0
        self._retry_at = 0.0
        self._next_poll = 0.0
        self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
        if start:
            self.start()

    # -- the counter's side (any thread) -----------------------------------------------------

    def submit(self, kind: str, ref: str, payload: Mapping[str, Any]) -> int:
        """Store a job and wake the worker; returns the job id at once, printer or not."""
        with self._db.session() as s, s.begin():
            job_id = add_job(s, kind, ref, payload, now=self._db.clock.now())
        self.wake()
        return job_id

    def reprint(self, ref: str) -> int:
        """Queue a copy of the newest job for ``ref`` (a receipt number, a top-up key...)."""
        with self._db.session() as s, s.begin():
            newest = s.scalars(select(PrintJob).where(PrintJob.ref == ref)
                               .order_by(PrintJob.id.desc()).limit(1)).first()
            if newest is None:
                raise NotFound("unknown_receipt", f"No receipt {ref} has been printed here",
                               variant="printed", receipt_no=ref)
            payload = json.loads(newest.payload_json)
            payload.pop(CONTINUED, None)
            job_id = add_job(s, newest.kind, ref, payload, now=self._db.clock.now(),
                             copy_of=newest.copy_of or newest.id)
        self.wake()
        return job_id

    def cancel(self, job_id: int) -> bool:
        """Give up on a queued job (the customer has gone); it stays listed as failed and can
        still be reprinted. False if it is printing or already finished."""
        with self._db.session() as s, s.begin():
            changed = s.execute(update(PrintJob)
                                .where(PrintJob.id == job_id, PrintJob.status == QUEUED)
                                .values(status=FAILED, last_error="cancelled at the counter"))
        self.wake()
        return bool(changed.rowcount)  # type: ignore[attr-defined]

    def pending(self) -> list[JobView]:
        """Jobs not yet printed (queued or printing), oldest first."""
        return self._jobs(PrintJob.status.in_((QUEUED, PRINTING)))

    def failed(self) -> list[JobView]:
        """Jobs given up on (unrenderable payload, or cancelled), newest first."""
        return self._jobs(PrintJob.status == FAILED, newest_first=True)

    def job(self, job_id: int) -> JobView | None:
        found = self._jobs(PrintJob.id == job_id)
        return found[0] if found else None

    @property
    def status(self) -> PrinterStatus:
        """The printer's status as last seen by the worker (UNKNOWN until the first contact)."""
        with self._lock:
            return self._state[0]

    @property
    def message(self) -> str:
        """The last status in words (the error, or "ready")."""
        with self._lock:
            return self._state[1]

    def on_status(self, listener: StatusListener) -> Callable[[], None]:
        """Call ``listener(status, message, pending)`` on the worker thread at every change,
        starting with the current state; returns a function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)
            self._to_greet.append(listener)
        self.wake()

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def retry_now(self) -> None:
        """Skip the backoff wait: try the oldest job again at once (the "retry" button)."""
        with self._lock:
            self._retry_at = 0.0
            self._next_poll = 0.0
        self.wake()

    def use_printer(self, port_factory: Callable[[], PrinterPort]) -> None:
        """Switch printers (a settings change); takes effect before the next job."""
        with self._lock:
            self._new_factory = port_factory
            self._retry_at = 0.0
            self._next_poll = 0.0
        self.wake()

    def wake(self) -> None:
        """Tell the worker to look at the table (after committing a job made by add_job)."""
        self._wake.set()

    def start(self) -> PrintQueue:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the worker; False if it is still inside a write after ``timeout`` seconds (it
        finishes that write, bounded by the write timeout, and then exits on its own)."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> PrintQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the worker ---------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before looking, so a wake during this step is not lost
            try:
                if not self._recovered:
                    self._recover_interrupted()
                    self._recovered = True
                wait = self._step()
            except Exception as e:  # the database is locked or gone: say so and try later
                log.exception("print queue step failed")
                self._failures += 1
                wait = self._backoff()
                self._report(PrinterStatus.ERROR, f"print queue: {e}", max(self._state[2], 0))
            self._wake.wait(wait)
        self._close_port()

    def _step(self) -> float | None:
        """Do one thing; return how long to sleep unless woken (None: until woken)."""
        self._switch_printer()
        now = time.monotonic()
        pending = self._count_pending()
        with self._lock:
            retry_at, next_poll = self._retry_at, self._next_poll
        if pending and now < retry_at:
            self._report(*self._state[:2], pending)
            return retry_at - now
        job = self._claim_next()
        if job is not None:
            self._print(job)
            return 0.0
        if self._poll_seconds is not None and now >= next_poll:
            with self._lock:
                self._next_poll = now + self._poll_seconds
            status, message = self._poll()
            self._report(status, message, pending)
        else:
            self._report(*self._state[:2], pending)
        if self._poll_seconds is None:
            return None
        with self._lock:
            return max(self._next_poll - now, 0.0)

    def _print(self, job: ClaimedJob) -> None:
        try:
            port = self._open_port()
            after = send(port, job, self._renderer, self._write_timeout)
        except Unprintable as e:
            self._fail(job, e)
            return
        except PrinterError as e:
            self._retry_later(job, e)
            return
        except Exception as e:  # a driver failing in a way it should not: still the printer's
            log.exception("printer failed on job %s", job.id)
            self._retry_later(job, PrinterError(PrinterStatus.ERROR, f"printer failed: {e!r}"))
            return
        self._finish(job)
        self._failures = 0
        if self._poll_seconds is not None:  # it has just answered: no need to ask again soon
            with self._lock:
                self._next_poll = time.monotonic() + self._poll_seconds
        self._report(after, port.detail or "ready", self._count_pending())

    def _retry_later(self, job: ClaimedJob, error: PrinterError) -> None:
        if self._port is not None:
            with contextlib.suppress(Exception):
                self._port.close()
        with self._db.session() as s, s.begin():
            requeue(s, job.id, error.message, continued=error.partial)
        self._failures += 1
        delay = self._backoff()
        with self._lock:
            self._retry_at = time.monotonic() + delay
        log.warning("print job %s (%s) not printed: %s; retrying in %.1f s", job.id, job.ref,
                    error.message, delay)
        self._report(error.status, error.message, self._count_pending())

    def _fail(self, job: ClaimedJob, error: Unprintable) -> None:
        log.error("print job %s (%s %s) failed: %s", job.id, job.kind, job.ref, error)
        with self._db.session() as s, s.begin():
            mark_failed(s, job.id, str(error))

    def _finish(self, job: ClaimedJob) -> None:
        with self._db.session() as s, s.begin():
            mark_done(s, job.id, self._db.clock.now())

    def _backoff(self) -> float:
        exponent = min(max(self._failures - 1, 0), 30)
        return float(min(self._retry_seconds * 2 ** exponent, self._max_retry_seconds))

    def _poll(self) -> tuple[PrinterStatus, str]:
        try:
            port = self._open_port()
        except PrinterError as e:
            return e.status, e.message
        status = port.status()
        return status, port.detail or status.value

    def _open_port(self) -> PrinterPort:
        if self._port is None:
            try:
                self._port = self._factory()
            except PrinterError:
                raise
            except Exception as e:  # a bad URI in the settings, a missing driver
                raise PrinterError(PrinterStatus.ERROR, f"printer setting: {e}") from e
        return self._port

    def _switch_printer(self) -> None:
        with self._lock:
            factory, self._new_factory = self._new_factory, None
        if factory is not None:
            self._close_port()
            self._factory = factory
            self._failures = 0

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def _report(self, status: PrinterStatus, message: str, pending: int) -> None:
        with self._lock:
            changed = (status, message, pending) != self._state
            self._state = (status, message, pending)
            targets = list(self._listeners) if changed else list(self._to_greet)
            self._to_greet.clear()
        for listener in targets:
            try:
                listener(status, message, pending)
            except Exception:  # a broken listener must not stop the printing
                log.exception("print queue status listener failed")

    # -- database steps, each its own short transaction --------------------------------------

    def _recover_interrupted(self) -> None:
        with self._db.session() as s, s.begin():
            for job_id in s.scalars(select(PrintJob.id).where(PrintJob.status == PRINTING)):
                requeue(s, job_id, "interrupted while printing (the till stopped); it may have "
                        "printed once already", continued=True)

    def _claim_next(self) -> ClaimedJob | None:
        with self._db.session() as s, s.begin():
            return claim(s)

    def _count_pending(self) -> int:
        with self._db.reader() as s:
            return int(s.scalar(select(func.count()).select_from(PrintJob)
                                .where(PrintJob.status.in_((QUEUED, PRINTING)))) or 0)

    def _jobs(self, where: Any, *, newest_first: bool = False) -> list[JobView]:
        order = PrintJob.id.desc() if newest_first else PrintJob.id
        with self._db.reader() as s:
            return [JobView(j.id, j.kind, j.ref, j.status, j.attempts, j.last_error, j.copy_of,
                            j.created_at, j.printed_at)
                    for j in s.scalars(select(PrintJob).where(where).order_by(order))]


# -- one job's steps: the worker and a one-off print (``storeapp receipt print``) share these -----

class Unprintable(Exception):
    """The job itself cannot be printed (its payload does not render): retrying will not help."""


@dataclass(frozen=True)
class ClaimedJob:
    """A job marked ``printing`` by :func:`claim`: what printing it needs."""

    id: int
    kind: str
    ref: str
    payload_json: str


def claim(session: Session, job_id: int | None = None) -> ClaimedJob | None:
    """Mark the oldest queued job (or ``job_id``, if it is still queued) ``printing`` and count
    the attempt. Call inside a write transaction (BEGIN IMMEDIATE), so no one else claims it too;
    None when there is nothing (or that job is not queued)."""
    query = select(PrintJob).where(PrintJob.status == QUEUED)
    if job_id is not None:
        query = query.where(PrintJob.id == job_id)
    job = session.scalars(query.order_by(PrintJob.id).limit(1)).first()
    if job is None:
        return None
    job.status = PRINTING
    job.attempts += 1
    return ClaimedJob(job.id, job.kind, job.ref, job.payload_json)


def send(port: PrinterPort, job: ClaimedJob, renderer: Renderer,
         timeout: float) -> PrinterStatus:
    """Render and print one claimed job; returns the printer's status after it. A printer
    problem raises :class:`PrinterError` (retry later), a job that cannot be rendered
    :class:`Unprintable` (retrying will not help)."""
    try:
        payload: dict[str, Any] = json.loads(job.payload_json)
        data = None if port.wants_receipt else renderer(job.kind, payload)
    except Exception as e:
        raise Unprintable(f"cannot render: {e}") from e
    _check_ready(port)
    if data is not None:
        port.write(data, timeout=timeout)
        return port.confirm(timeout=timeout)
    try:
        port.write_receipt(job.kind, payload)
    except PrinterError:
        raise
    except Exception as e:  # for a preview, drawing the receipt is rendering it
        raise Unprintable(f"cannot render: {e}") from e
    return PrinterStatus.ONLINE


def mark_done(session: Session, job_id: int, now: dt.datetime) -> None:
    """The printer confirmed the job: it is never printed again (but can be reprinted)."""
    session.execute(update(PrintJob).where(PrintJob.id == job_id)
                    .values(status=DONE, printed_at=now))


def requeue(session: Session, job_id: int, error: str, *, continued: bool = False) -> None:
    """A printing job the printer failed: queued again, with the reason for the UI. With
    ``continued`` (the printer may have part of it: :attr:`PrinterError.partial`) its payload is
    marked :data:`CONTINUED`, so the next print, whole, says it continues a broken one."""
    job = session.get(PrintJob, job_id)
    if job is None or job.status != PRINTING:
        return
    job.status, job.last_error = QUEUED, error[:200]
    if continued:
        payload = json.loads(job.payload_json)
        payload[CONTINUED] = True
        job.payload_json = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    session.flush()


def mark_failed(session: Session, job_id: int, error: str) -> None:
    """A job given up on (it cannot be rendered): listed as failed, never retried."""
    session.execute(update(PrintJob).where(PrintJob.id == job_id)
                    .values(status=FAILED, last_error=error[:200]))


def supersede(session: Session, job_id: int) -> int:
    """Job ``job_id`` has printed: older queued jobs for the same receipt (same kind and ref)
    are given up on, so the receipt does not print again when their printer comes back.
    Returns how many there were."""
    job = session.get(PrintJob, job_id)
    if job is None:
        return 0
    changed = session.execute(
        update(PrintJob)
        .where(PrintJob.kind == job.kind, PrintJob.ref == job.ref, PrintJob.id < job_id,
               PrintJob.status == QUEUED)
        .values(status=FAILED, last_error=f"printed as job {job_id} instead"))
    return int(changed.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Previous:
    """What was printed before for a receipt: the newest payload, and the job that first
    printed it (None if none has printed yet), for a reprint to name as its original."""

    payload: dict[str, Any]
    printed_job: int | None


def previous(session: Session, kind: str, ref: str) -> Previous | None:
    """The earlier jobs of ``kind`` for ``ref``; None if there were none."""
    newest = session.scalars(select(PrintJob).where(PrintJob.kind == kind, PrintJob.ref == ref)
                             .order_by(PrintJob.id.desc()).limit(1)).first()
    if newest is None:
        return None
    printed = session.scalars(select(PrintJob).where(PrintJob.kind == kind, PrintJob.ref == ref,
                                                     PrintJob.status == DONE)
                              .order_by(PrintJob.id).limit(1)).first()
    original = None if printed is None else printed.copy_of or printed.id
    payload = json.loads(newest.payload_json)
    payload.pop(CONTINUED, None)  # a new print of it is not the continuation of a broken one
    return Previous(payload, original)


def _check_ready(port: PrinterPort) -> None:
    # Do not hand a receipt to a printer that says it cannot print it. A printer that never
    # answers status queries reports ONLINE here, and the write and confirm() decide instead.
    status = port.status()
    if status is not PrinterStatus.ONLINE:
        raise PrinterError(status, port.detail or status.value)
