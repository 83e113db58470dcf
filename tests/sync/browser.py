"""Headless Chromium driven over the DevTools protocol, for tests that use a page as a person
does (open it, press a button, download a file): no Selenium or Playwright, only the
``chromium`` Debian package (``scripts/setup`` installs it) and a pipe.

Chromium started with ``--remote-debugging-pipe`` reads protocol messages (JSON, each ended by
a NUL byte) on file descriptor 3 and answers on 4; :class:`Chromium` puts two pipes there and
speaks the "flattened" protocol: one page target, its session id on every page command.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 20.0


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """One headless browser with one page (``width`` × ``height`` CSS pixels, a phone's by
    default), closed by :meth:`close` or a ``with`` block."""

    def __init__(self, profile: Path, *, width: int = 390, height: int = 844,
                 lang: str = "zh-CN", binary: str | None = None) -> None:
        binary = binary or chromium_path()
        if binary is None:
            raise FileNotFoundError("chromium is not installed (scripts/setup installs it)")
        to_child, self._out = os.pipe()  # we write commands, Chromium reads them on fd 3
        self._in, from_child = os.pipe()  # Chromium answers on fd 4, we read them

        def on_fds_3_and_4() -> None:  # in the child, before exec: only dup2, no locks
            # by way of high numbers: either pipe end may itself be fd 3 or 4
            os.dup2(to_child, 1000)
            os.dup2(from_child, 1001)
            os.dup2(1000, 3)
            os.dup2(1001, 4)
            os.close(1000)
            os.close(1001)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             f"--user-data-dir={profile}", f"--lang={lang}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=on_fds_3_and_4, close_fds=False)
        os.close(to_child)
        os.close(from_child)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        self.page("Page.enable")
        self.page("Runtime.enable")
        self.page("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=True)
        # headless Chromium asks for en-US whatever --lang says: a phone asks in its language
        agent = self.send("Browser.getVersion")["userAgent"]
        self.page("Network.setUserAgentOverride", userAgent=agent,
                  acceptLanguage=f"{lang},{lang.split('-')[0]};q=0.9")

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError, RuntimeError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        for fd in (self._in, self._out):
            with contextlib.suppress(OSError):
                os.close(fd)

    # -- the protocol --------------------------------------------------------------------------

    def send(self, method: str, *, session: str | None = None,
             timeout: float = DEFAULT_TIMEOUT, **params: Any) -> dict[str, Any]:
        """A command's result (the events that arrive meanwhile are kept in :attr:`events`)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result") or {})
            self.events.append(reply)

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        return self.send(method, session=self.session, **params)

    def wait_event(self, method: str, timeout: float = DEFAULT_TIMEOUT,
                   **match: Any) -> dict[str, Any]:
        """The first event ``method`` (whose params have ``match``) not yet waited for."""
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                params = event.get("params") or {}
                if event.get("method") == method and all(
                        params.get(k) == v for k, v in match.items()):
                    del self.events[: i + 1]
                    return dict(params)
            self.events.append(self._read(deadline))

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer in time")
            # poll, not select(): in a whole test run this pipe's fd can be above 1024
            poller = select.poll()
            poller.register(self._in, select.POLLIN | select.POLLHUP)
            if poller.poll(200):
                chunk = os.read(self._in, 65536)
                if not chunk:
                    raise RuntimeError("chromium closed the pipe (it exited)")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    # -- what a test does with the page ---------------------------------------------------------

    def open(self, url: str) -> None:
        """Go to ``url`` and wait until it has loaded."""
        self.events.clear()
        self.page("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """Press the element ``selector`` names with the mouse, at its middle, as a person
        does (it must be on screen: it is scrolled there first)."""
        found = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        if found is None:
            raise LookupError(f"nothing on the page matches {selector}")
        x, y = found
        for kind in ("mousePressed", "mouseReleased"):
            self.page("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                      clickCount=1)

    def click_and_load(self, selector: str) -> None:
        """Press ``selector`` (a form's button, a link) and wait for the page it leads to."""
        self.events.clear()
        self.click(selector)
        self.wait_event("Page.loadEventFired")

    def text(self) -> str:
        return str(self.evaluate("document.body.innerText"))

    def download(self, selector: str, folder: Path, timeout: float = DEFAULT_TIMEOUT) -> Path:
        """Press the download link ``selector`` and return the file saved in ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        self.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder),
                  eventsEnabled=True)
        self.events.clear()
        self.click(selector)
        begun = self.wait_event("Browser.downloadWillBegin", timeout)
        self.wait_event("Browser.downloadProgress", timeout, guid=begun["guid"],
                        state="completed")
        return folder / str(begun["suggestedFilename"])

    def screenshot(self, png: Path) -> None:
        shot = self.page("Page.captureScreenshot", format="png", captureBeyondViewport=False)
        png.write_bytes(base64.b64decode(shot["data"]))
