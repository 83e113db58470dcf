"""Head-office sync off the GUI thread: a runner on a thread of its own with its own database
handle, syncing every few minutes, once a night and on demand.

Not the counter's database worker (:mod:`ui.worker`): a sync can take seconds, and a cashier's
lookups and sales must never queue behind it. SQLite in WAL mode lets both handles use the
file; each sync page is its own short transaction, so the worker's writes only ever wait for
one page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QDeadlineTimer, QObject, Qt, QThread, QTimer, Signal, Slot

from storeapp.clock import STORE_TZ, Clock, to_local
from storeapp.db import Database
from storeapp.errors import DomainError

log = logging.getLogger(__name__)

STATUS_EVERY_MS = 30_000  # the status bar's pending count and offline time stay fresh
STOP_WAIT_MS = 20_000  # a sync stops after the HTTP request in flight (5 s timeout each)
NIGHTLY_MIN_DELAY_MS = 1_000  # never re-fire at once, whatever the clock says
#: a chain's tills take their nightly sync over the hour after ``sync_nightly_hour``, each at a
#: second of its own (docs/scaling.md): thousands of tills uploading at 02:00:00 would queue
#: at head office for what it takes in an hour
NIGHTLY_SPREAD_S = 3600

MANUAL, INTERVAL, NIGHTLY = "manual", "interval", "nightly"


class SyncRunner(QObject):
    """Runs :func:`sync.client.run_sync` on its own QThread: every ``sync_interval_minutes``
    while the till is linked, at ``sync_nightly_hour`` (store-local time) once a day, and when
    asked (:meth:`request_sync`). One sync at a time: a request while one runs is ignored (the
    caller follows the running one).

    Signals (emitted on the runner's thread; Qt queues them to the receivers' threads):
    ``sync_started(str)`` with the reason ("manual", "interval", "nightly");
    ``progress(str, int, int)`` stage ("upload", "download", "totals"), done, total (0 while
    not known); ``finished(object)`` the :class:`~sync.client.SyncReport` as a dict;
    ``failed(str, str, bool)`` code, message, and True when head office was unreachable (the
    till works offline) rather than refusing; ``status(object)`` the
    :class:`~sync.client.SyncStatus` as a dict plus ``running`` (bool) and ``fault`` (an
    unexpected error of the last sync, "" after a good one), after every sync, every 30 s, and
    when asked (:meth:`refresh_status`).
    """

    sync_started = Signal(str)
    progress = Signal(str, int, int)
    finished = Signal(object)
    failed = Signal(str, str, bool)
    status = Signal(object)
    _start_wanted = Signal()  # the GUI's thread → the runner's thread (queued, once)
    _sync_wanted = Signal(str)  # any thread → the runner's thread
    _status_wanted = Signal()
    _stop_wanted = Signal()

    def __init__(self, db_path: Path, clock: Clock, *, minute_ms: int = 60_000) -> None:
        """``db_path`` and ``clock`` are the counter's; ``minute_ms`` is how long a minute of
        ``sync_interval_minutes`` lasts (tests shorten it)."""
        super().__init__()  # no parent: it moves to its own thread
        self._path, self._clock, self._minute_ms = db_path, clock, minute_ms
        self._db: Database | None = None
        self._lock = threading.Lock()
        self._busy = False  # a sync is asked for or running
        self._status_queued = False
        self._stopping = False
        self._cancel = threading.Event()
        self._running = False
        self._fault = ""
        self._nightly_day: dt.date | None = None  # the local day the nightly timer aims at
        self._nightly_done: dt.date | None = None
        self._interval: QTimer | None = None  # the timers are made on the runner's thread
        self._nightly: QTimer | None = None
        self._poll: QTimer | None = None
        self._thread = QThread()
        self._thread.setObjectName("storeapp-sync")
        self.moveToThread(self._thread)
        # Not QThread.started: PySide6 runs a Python slot connected to it on the GUI thread.
        self._start_wanted.connect(self._on_start_wanted)
        self._sync_wanted.connect(self._on_sync_wanted)
        self._status_wanted.connect(self._on_status_wanted)
        self._stop_wanted.connect(self._on_stop_wanted)
        # Queued now, so it is the thread's first event, before any sync asked for meanwhile.
        self._start_wanted.emit()

    # -- the GUI's side (any thread) --------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop timers, let a running sync end after its current request, close the database,
        and wait for the thread (never leaves a QThread running behind a closed app)."""
        if not self._thread.isRunning():
            return
        with self._lock:
            self._stopping = True
        self._cancel.set()
        self._stop_wanted.emit()
        if not self._thread.wait(QDeadlineTimer(STOP_WAIT_MS)):
            log.warning("head-office sync still running after %d ms; waiting for it",
                        STOP_WAIT_MS)
            self._thread.wait()

    @property
    def busy(self) -> bool:
        """A sync is running or about to."""
        return self._busy

    def request_sync(self, reason: str = MANUAL) -> bool:
        """Ask for a sync now; False when one is already running (it is not queued twice)."""
        with self._lock:
            if self._busy or self._stopping:
                return False
            self._busy = True
        self._sync_wanted.emit(reason)
        return True

    def refresh_status(self) -> None:
        """Read the status again soon (after the counter wrote something: pending count)."""
        with self._lock:
            if self._status_queued or self._stopping:
                return
            self._status_queued = True
        self._status_wanted.emit()

    # -- the runner's thread ----------------------------------------------------------------------

    @Slot()
    def _on_start_wanted(self) -> None:
        try:
            # Imported here, on this thread: httpx stays off the window's start path, and a
            # till installed without the sync extra still runs its counter.
            import sync.client  # noqa: F401
            self._db = Database(self._path, clock=self._clock)
        except Exception as exc:  # the counter keeps working without sync; say why
            log.exception("head-office sync cannot start")
            self.failed.emit(type(exc).__name__, str(exc), False)
            return
        # made here, so they live (and fire) on this thread
        self._interval = QTimer(self, interval=self._interval_ms())
        self._interval.timeout.connect(self._on_interval)
        self._poll = QTimer(self, interval=STATUS_EVERY_MS)
        self._poll.timeout.connect(self._emit_status)
        self._nightly = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
        self._nightly.timeout.connect(self._on_nightly)
        self._interval.start()
        self._poll.start()
        self._schedule_nightly()
        self._emit_status()

    @Slot()
    def _on_interval(self) -> None:
        assert self._interval is not None
        self._interval.setInterval(self._interval_ms())  # the settings may have changed
        self._schedule_nightly()
        self.request_sync(INTERVAL)

    @Slot()
    def _on_nightly(self) -> None:
        self._nightly_done = self._nightly_day
        self.request_sync(NIGHTLY)  # when one is running already, that one is tonight's
        self._schedule_nightly()

    def _schedule_nightly(self) -> None:
        db = self._db
        assert db is not None and self._nightly is not None
        settings = db.settings
        at = next_nightly(self._clock.now(), settings.sync_nightly_hour, self._nightly_done,
                          nightly_offset(settings.store_code, settings.till_no))
        self._nightly_day = to_local(at).date()
        delay_s = (at - self._clock.now()).total_seconds()
        self._nightly.start(max(NIGHTLY_MIN_DELAY_MS, int(delay_s * 1000)))

    @Slot(str)
    def _on_sync_wanted(self, reason: str) -> None:
        try:
            self._sync(reason)
        finally:
            with self._lock:
                self._busy = False
            self._running = False
            self._emit_status()

    def _sync(self, reason: str) -> None:
        from sync import client

        db = self._db
        if self._cancel.is_set():
            return
        if db is None:  # it could not start (logged, and said once with failed)
            if reason == MANUAL:
                self.failed.emit("sync_unavailable", "head-office sync could not start on "
                                 "this till (see the log)", False)
            return
        db.settings = db.load_settings()  # joined or re-configured since (the CLI, settings)
        if reason != MANUAL and not (db.settings.hq_url and db.settings.hq_token):
            return  # not linked: nothing to do until someone links the till
        self._running = True
        self.sync_started.emit(reason)
        self._emit_status()
        try:
            report = client.run_sync(db, progress=self._on_progress)
        except client.HqUnreachable as exc:
            self.failed.emit("unreachable", exc.message, True)
        except DomainError as exc:  # refused by head office, or the till cannot go on
            self.failed.emit(exc.code, exc.message, False)
        except _Stopped:
            pass
        except Exception as exc:  # a bug or a broken file: shown, never the app's end
            log.exception("head-office sync failed")
            self._fault = f"{exc} [{type(exc).__name__}]"
            self.failed.emit(type(exc).__name__, str(exc), False)
        else:
            self._fault = ""
            self.finished.emit(dataclasses.asdict(report))

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise _Stopped  # between pages: what was applied is committed, the rest resumes
        self.progress.emit(stage, done, total)

    @Slot()
    def _on_status_wanted(self) -> None:
        with self._lock:
            self._status_queued = False
        self._emit_status()

    def _emit_status(self) -> None:
        from sync import client

        db = self._db
        if db is None:
            return
        try:
            db.settings = db.load_settings()
            current = client.status(db)
        except Exception:  # e.g. the file is busy for longer than the timeout: next time
            log.exception("head-office sync status unreadable")
            return
        self.status.emit({**dataclasses.asdict(current), "running": self._running,
                          "fault": self._fault})

    @Slot()
    def _on_stop_wanted(self) -> None:
        for timer in (self._interval, self._poll, self._nightly):
            if timer is not None:
                timer.stop()
        if self._db is not None:
            self._db.close()
            self._db = None
        self._thread.quit()

    def _interval_ms(self) -> int:
        minutes = self._db.settings.sync_interval_minutes if self._db else 5
        return max(1, minutes) * self._minute_ms


class _Stopped(Exception):
    """The app is closing: the sync stops at the next page boundary."""


def nightly_offset(store_code: str, till_no: int) -> dt.timedelta:
    """This till's place in the nightly hour: the same every night, spread evenly over the
    chain's tills."""
    digest = hashlib.sha256(f"{store_code}/{till_no}".encode()).digest()
    return dt.timedelta(seconds=int.from_bytes(digest[:4], "big") % NIGHTLY_SPREAD_S)


def next_nightly(now: dt.datetime, hour: int, done: dt.date | None = None,
                 offset: dt.timedelta = dt.timedelta(0)) -> dt.datetime:
    """The next ``hour``:00 store-local time, plus this till's ``offset`` (under an hour), after
    ``now`` (naive UTC in and out), skipping the local day ``done`` (the nightly sync already
    ran then)."""
    local = to_local(now)
    at = local.replace(hour=hour % 24, minute=0, second=0, microsecond=0) + offset
    while at <= local or at.date() == done:
        at += dt.timedelta(days=1)
    return at.replace(tzinfo=STORE_TZ).astimezone(dt.UTC).replace(tzinfo=None)
