"""One worker thread for every database and device call, results back through a signal.

Like Anki's collection ops: the GUI submits a callable with ``success``/``failure`` callbacks; the
callable runs on the worker thread (never touch widgets in it), and the callbacks run on the GUI
thread. One serialised worker is enough for SQLite and keeps writes in order.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

from storeapp import storage

log = logging.getLogger(__name__)

T = TypeVar("T")
# A job's result crosses to the GUI thread through a Qt signal (``object``), so the callback
# table holds callbacks of every result type: Any here is that Qt boundary.
Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class Worker(QObject):
    """Signals: ``busy_changed(bool)`` when work starts or the queue empties;
    ``failed(str)`` for an error no caller handled (shown in the status bar)."""

    busy_changed = Signal(bool)
    failed = Signal(str)
    _finished = Signal(int, object, object)  # op id, result, error (worker → GUI thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: queue.Queue[tuple[int, Callable[[], object]] | None] = queue.Queue()
        self._callbacks: dict[int, tuple[Success | None, Failure | None]] = {}
        self._ids = itertools.count(1)
        self._pending = 0
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._thread = threading.Thread(target=self._loop, name="storeapp-db", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[], T], success: Callable[[T], None] | None = None,
               failure: Failure | None = None) -> int:
        """Queue ``fn`` for the worker thread; callbacks run later on the GUI thread."""
        op_id = next(self._ids)
        self._callbacks[op_id] = (success, failure)
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self._jobs.put((op_id, fn))
        return op_id

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def stop(self, timeout: float = 5.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            op_id, fn = job
            try:
                result, error = fn(), None
            except BaseException as exc:  # handed to the GUI thread, never lost
                # the disk's fault (damaged, read-only, locked, full) in words for a manager
                result, error = None, storage.explain(exc) or exc
            self._finished.emit(op_id, result, error)

    @Slot(int, object, object)
    def _on_finished(self, op_id: int, result: object, error: BaseException | None) -> None:
        success, failure = self._callbacks.pop(op_id, (None, None))
        self._pending -= 1
        try:
            if error is None:
                if success is not None:
                    success(result)
            elif failure is not None:
                failure(error)
            else:
                log.error("unhandled error in worker op", exc_info=error)
                self.failed.emit(str(error))
        finally:
            if self._pending == 0:
                self.busy_changed.emit(False)
