"""Drive the real counter on a real X server: Xvfb, no window manager, real key events.

Keys go through the X server's XTEST extension (``xdotool type`` / ``xdotool key`` without
``--window``), so they reach the app exactly as a USB keyboard's or a keyboard-wedge scanner's
do: to whichever window the X server gives the input focus, decoded by Qt's xcb plugin, through
the app-wide scan filter and Qt's shortcut map. Nothing in the app is imported or patched.

Text is sent as ``xdotool key --delay N`` with one keysym per character, so that Enter is just
one more key at the same pace (``xdotool type`` sends "\\n" as Linefeed, which is not Return,
and a second xdotool run for Return would leave a process start's gap before it). Measured on
Xvfb with Qt's key events: ``key --delay 60`` gives ~60 ms from one key press to the next (a
person; the same as ``type --delay 120``) and ``key --delay 4`` gives ~4.5 ms (a keyboard-wedge
scanner; ``type --delay 8``). Shift for capitals comes with its letter.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
PERSON_GAP_MS = 60  # between key presses: a cashier typing
SCANNER_GAP_MS = 4  # between key presses: a keyboard-wedge scanner
PERSON_PAUSE_S = 0.15  # a cashier's pause between two actions (looking at the screen)
XVFB_START_S = 10.0
APP_START_S = 20.0
DIALOG_S = 5.0  # a dialog opens or closes within this after its key
EFFECT_S = 10.0  # what the worker posts reaches the database within this
#: The style sheet's error colour (resources/style.qss: QLabel[role="error"]).
ERROR_RGB = (0xC0, 0x39, 0x2B)
REQUIRED_TOOLS = ("Xvfb", "xdotool")
INSTALL_HINT = "apt-get install -y xvfb xdotool x11-apps (scripts/setup does it as root)"


class XUnavailable(RuntimeError):
    """No X server can be started here (Xvfb or xdotool missing, or Xvfb would not start)."""


def missing_tools() -> list[str]:
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]


@dataclass(frozen=True)
class Geometry:
    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def __str__(self) -> str:
        return f"{self.width}x{self.height}+{self.x}+{self.y}"


@dataclass
class XServer:
    """One Xvfb server (no window manager runs on it)."""

    display: str
    width: int
    height: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XAUTHORITY")}
        env["DISPLAY"] = self.display
        return env

    def xdotool(self, *args: str, timeout: float = 10.0, check: bool = True) -> str:
        """Run xdotool on this display; its stdout. ``check``: a non-zero exit raises."""
        result = subprocess.run(["xdotool", *args], env=self.env, capture_output=True,
                                text=True, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)} exited {result.returncode}: "
                               f"{result.stderr.strip()}")
        return result.stdout

    def screenshot(self, path: Path) -> Path:
        """The whole screen as PNG (Pillow's XCB grab), else as XWD (``xwd -root``)."""
        try:
            from PIL import ImageGrab

            ImageGrab.grab(xdisplay=self.display).save(path)
            return path
        except Exception:  # Pillow without XCB, or missing: the X server's own dump
            dump = path.with_suffix(".xwd")
            with contextlib.suppress(Exception):
                subprocess.run(["xwd", "-root", "-silent", "-out", str(dump)], env=self.env,
                               timeout=10, check=True)
            return dump

    def grab(self) -> object:
        """The screen as a Pillow RGB image (for pixel checks)."""
        from PIL import ImageGrab

        return ImageGrab.grab(xdisplay=self.display).convert("RGB")

    def focus_description(self) -> str:
        """Which X window has the input focus (for failure messages)."""
        window = self.xdotool("getwindowfocus", "-f", check=False).strip()
        if not window:
            return "X input focus: none"
        name = self.xdotool("getwindowname", window, check=False).strip()
        return f"X input focus: window {window} {name!r}"

    def stop(self) -> None:
        stop_process(self.process)


def start_xvfb(width: int, height: int, log: Path) -> XServer:
    """Xvfb on a free display number (Xvfb picks it: ``-displayfd``), ``WIDTHxHEIGHTx24``."""
    missing = missing_tools()
    if missing:
        raise XUnavailable(f"{', '.join(missing)} not installed: {INSTALL_HINT}")
    read_fd, write_fd = os.pipe()
    try:
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
                 "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        os.close(read_fd)
        os.close(write_fd)
        raise XUnavailable(f"Xvfb could not be started: {exc}") from exc
    os.close(write_fd)
    number = b""
    deadline = time.monotonic() + XVFB_START_S
    try:
        while not number.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready = select.select([read_fd], [], [], max(0.0, remaining))[0] if remaining > 0 \
                else []
            if not ready:
                stop_process(process)
                raise XUnavailable(f"Xvfb reported no display within {XVFB_START_S:.0f} s:\n"
                                   f"{_tail(log)}")
            chunk = os.read(read_fd, 32)
            if not chunk:
                stop_process(process)
                raise XUnavailable(f"Xvfb exited ({process.returncode}) before it was ready:\n"
                                   f"{_tail(log)}")
            number += chunk
    finally:
        os.close(read_fd)
    return XServer(f":{int(number)}", width, height, process, log)


@dataclass
class CounterApp:
    """The real app, ``python -m storeapp.cli --db PATH``, as its own process on ``x``."""

    x: XServer
    db_path: Path
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)
    window: str = ""
    shots: int = 0

    def __post_init__(self) -> None:
        self.log = self.workdir / "app.log"

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        env = self.x.env
        env["QT_QPA_PLATFORM"] = "xcb"
        env.pop("QT_QPA_PLATFORMTHEME", None)
        with self.log.open("ab") as out:  # a restarted app appends
            self.process = subprocess.Popen(
                [sys.executable, "-m", "storeapp.cli", "--db", str(self.db_path)],
                cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.window = self.wait_window("^storeapp", APP_START_S, "the counter's main window")
        # Qt gives the login screen's code field the focus once the window is shown; a person
        # looks at the screen before typing
        time.sleep(0.3)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- windows ------------------------------------------------------------------------------

    def windows(self, name: str) -> list[str]:
        """This app's mapped (viewable) windows whose title matches the regex ``name``."""
        assert self.process is not None
        out = self.x.xdotool("search", "--all", "--onlyvisible", "--pid", str(self.process.pid),
                             "--name", name, check=False)
        return out.split()

    def wait_window(self, name: str, timeout: float = DIALOG_S, what: str = "") -> str:
        found = self.wait_until(lambda: next(iter(self.windows(name)), None),
                                f"{what or repr(name)} is shown", timeout)
        assert found is not None
        return found

    def wait_no_window(self, name: str, timeout: float = DIALOG_S, what: str = "") -> None:
        self.wait_until(lambda: not self.windows(name), f"{what or repr(name)} is closed",
                        timeout)

    def geometry(self, window: str) -> Geometry:
        out = self.x.xdotool("getwindowgeometry", "--shell", window)
        values = dict(re.findall(r"^(\w+)=(-?\d+)$", out, re.MULTILINE))
        return Geometry(int(values["X"]), int(values["Y"]), int(values["WIDTH"]),
                        int(values["HEIGHT"]))

    # -- the keyboard -------------------------------------------------------------------------

    def type(self, text: str, *, enter: bool = False) -> None:
        """A person types ``text`` (~60 ms between keys), then Enter when ``enter``."""
        time.sleep(PERSON_PAUSE_S)
        self.x.xdotool("key", "--delay", str(PERSON_GAP_MS), *keysyms(text),
                       *(["Return"] if enter else []))

    def key(self, *keys: str) -> None:
        """A person presses keys (X keysym names: F3, Return, Escape), ~60 ms apart."""
        time.sleep(PERSON_PAUSE_S)
        self.x.xdotool("key", "--delay", str(PERSON_GAP_MS), *keys)

    def scan(self, code: str) -> None:
        """A keyboard-wedge scanner reads ``code``: ~4 ms between keys, then Enter."""
        time.sleep(PERSON_PAUSE_S)
        self.x.xdotool("key", "--delay", str(SCANNER_GAP_MS), *keysyms(code), "Return")

    # -- the counter's flows ------------------------------------------------------------------

    def login(self, code: str, pin: str, logged_in: Callable[[], bool]) -> None:
        """Code, Enter, PIN, Enter on the login screen; ``logged_in`` reads the database."""
        self.type(code, enter=True)
        self.type(pin, enter=True)
        self.wait_until(logged_in, f"{code} is logged in (audit 'login')", EFFECT_S)
        time.sleep(PERSON_PAUSE_S)  # the counter screen comes up; the search field has focus

    # -- observing ----------------------------------------------------------------------------

    def wait_until(self, probe: Callable[[], T], what: str, timeout: float = EFFECT_S,
                   interval: float = 0.05) -> T:
        """Poll ``probe`` until it returns something true; bounded. On timeout (or if the app
        died) fail with a screenshot, the X focus and the app's log."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            if not self.alive():
                raise AssertionError(f"the app exited ({self.exit_code()}) while waiting until "
                                     f"{what}\n{self.evidence('app-died')}")
            if time.monotonic() >= deadline:
                raise AssertionError(f"not within {timeout:g} s: {what}\n"
                                     f"{self.evidence('timeout')}")
            time.sleep(interval)

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def screenshot(self, label: str) -> Path:
        self.shots += 1
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label)
        return self.x.screenshot(self.workdir / f"screen-{self.shots:02d}-{safe}.png")

    def evidence(self, label: str) -> str:
        """Screenshot path, X focus and the app's log, for a failure message."""
        shot = self.screenshot(label)
        return (f"screenshot: {shot}\n{self.x.focus_description()}\n"
                f"app log ({self.log}):\n{_tail(self.log)}")


#: X keysym names of the characters the tests type that are not their own keysym name.
_KEYSYMS = {"-": "minus", " ": "space", ".": "period", "+": "plus", ",": "comma",
            "/": "slash", ":": "colon", "_": "underscore"}


def keysyms(text: str) -> list[str]:
    """One X keysym name per character (ASCII letters and digits are their own name)."""
    names = []
    for char in text:
        if char.isascii() and char.isalnum():
            names.append(char)
        elif char in _KEYSYMS:
            names.append(_KEYSYMS[char])
        else:
            raise ValueError(f"no keysym for {char!r} in {text!r}")
    return names


def stop_process(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """Terminate a process we started (its own session: its children go too), then reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)
    else:
        process.wait()


def count_near(image: object, box: tuple[int, int, int, int], rgb: tuple[int, int, int],
               tolerance: int = 40) -> int:
    """How many pixels inside ``box`` (left, top, right, bottom) are close to ``rgb``."""
    from PIL import Image, ImageChops

    assert isinstance(image, Image.Image)
    left, top, right, bottom = box
    if right <= left or bottom <= top:
        return 0
    bands = image.crop(box).split()
    masks = [band.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
             for band, c in zip(bands, rgb, strict=True)]
    both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    return both.histogram()[255]


def _tail(path: Path, limit: int = 3000) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return text[-limit:] or "(empty)"
