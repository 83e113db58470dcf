"""Fixtures for driving the real counter app on Xvfb (no window manager) with real key events.

One Xvfb per screen size for the whole run, one app process per test. Each test's till database
is made through the real services (staff, an open shift, members), the app runs on it as
``python -m storeapp.cli --db PATH``, and the test reads the results back from the database.

Every test in this folder is marked ``x11``. Without Xvfb/xdotool they are skipped on a
developer's machine, but under ``CI=true`` they fail: CI runs as root and scripts/setup
installs them there.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from storeapp.db import Database
from storeapp.services import shifts, users
from tests.helpers import CASHIER, MANAGER_CODE, MANAGER_PIN, copy_database
from tests.x11.driver import CounterApp, XServer, XUnavailable, start_xvfb

CASHIER_PIN = "135700"
DEFAULT_SIZE = (1366, 768)

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.x11)


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember whether the test itself failed, for the ``counter`` fixture's screenshot."""
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


class XServers:
    """Xvfb servers by screen size, started on first use and stopped at the end of the run."""

    def __init__(self, logs: Path) -> None:
        self._logs = logs
        self._servers: dict[tuple[int, int], XServer] = {}
        self._failure: str | None = None

    def get(self, width: int, height: int) -> XServer:
        server = self._servers.get((width, height))
        if server is not None and server.process.poll() is None:
            return server
        if self._failure is None:
            try:
                server = start_xvfb(width, height, self._logs / f"xvfb-{width}x{height}.log")
            except XUnavailable as exc:
                self._failure = str(exc)
        if self._failure is not None:
            message = f"no X server for the x11 tests: {self._failure}"
            if os.environ.get("CI") == "true":
                pytest.fail(message, pytrace=False)  # CI installs Xvfb: never a silent skip
            pytest.skip(message)
        assert server is not None
        self._servers[(width, height)] = server
        return server

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


@pytest.fixture(scope="session")
def xservers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[XServers]:
    servers = XServers(tmp_path_factory.mktemp("xvfb"))
    yield servers
    servers.stop()


@pytest.fixture
def screen_size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """The screen the test runs on (parametrize it indirectly to change it)."""
    size: tuple[int, int] = getattr(request, "param", DEFAULT_SIZE)
    return size


@pytest.fixture
def xserver(xservers: XServers, screen_size: tuple[int, int]) -> XServer:
    return xservers.get(*screen_size)


@pytest.fixture(scope="session")
def staffed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated till on the real clock with manager M01 (PIN 246800) and cashier C01 (PIN 135700),
    in English; made once (PIN hashing is slow on purpose), copied for each test."""
    path = tmp_path_factory.mktemp("x11-template") / "till.db"
    db = Database(path)
    try:
        users.add_user(db, code=MANAGER_CODE, name="王经理", role="manager", pin=MANAGER_PIN,
                       actor="setup")
        users.add_user(db, code=CASHIER, name="李收银", role="cashier", pin=CASHIER_PIN,
                       actor="setup")
        with db.session() as s, s.begin():
            db.set_setting(s, "language", "en")
    finally:
        db.close()
    return path


@pytest.fixture
def till(tmp_path: Path, staffed_template: Path) -> Iterator[Database]:
    """This test's till database, a shift open (float ¥0) as during the day; the test registers
    its members on it before it starts the app, and reads results from it afterwards."""
    path = tmp_path / "till.db"
    copy_database(staffed_template, path)
    db = Database(path)
    shifts.open_shift(db, 0, actor=CASHIER)
    yield db
    db.close()


@dataclass
class Counter:
    """The running app and its database, for a test."""

    app: CounterApp
    db: Database

    def logged_in(self, code: str) -> bool:
        from sqlalchemy import text

        with self.db.reader() as s:
            return bool(s.execute(text("SELECT count(*) FROM audit_log WHERE action = 'login' "
                                       "AND actor = :code"), {"code": code}).scalar_one())

    def start(self) -> None:
        self.app.start()

    def login(self, code: str = CASHIER, pin: str = CASHIER_PIN) -> None:
        self.app.login(code, pin, lambda: self.logged_in(code))


@pytest.fixture
def counter(request: pytest.FixtureRequest, xserver: XServer, till: Database,
            tmp_path: Path) -> Iterator[Counter]:
    """The app on this test's till, not started: the test prepares ``till`` (members, PINs,
    products) and then calls ``start()``. On failure a screenshot is saved in ``tmp_path``."""
    app = CounterApp(xserver, till.path, tmp_path)
    yield Counter(app, till)
    failed = request.node.stash.get(_FAILED, False)
    if failed and app.process is not None:
        try:
            shot = app.screenshot("at-failure")
            print(f"\nscreenshot at failure: {shot}\napp log: {app.log}")
        except Exception as exc:  # the evidence must not hide the failure
            print(f"\n(no screenshot: {exc})")
    app.stop()
