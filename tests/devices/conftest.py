"""Fixtures shared by the print-queue tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devices.print_queue import PrintQueue, Renderer
from devices.printers import PrinterPort
from storeapp.db import Database
from tests.devices.test_print_queue import render


@pytest.fixture
def make_queue(db: Database) -> Iterator[Callable[..., PrintQueue]]:
    """Queues on the test's database with short waits; all stopped at the end."""
    queues: list[PrintQueue] = []

    def make(port: Callable[[], PrinterPort], renderer: Renderer = render,
             **options: Any) -> PrintQueue:
        options = {"retry_seconds": 0.1, "max_retry_seconds": 0.4, "write_timeout": 0.3,
                   "poll_seconds": None} | options
        queue = PrintQueue(db, port, renderer, **options)
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        assert queue.stop(5)
