"""A headless Chromium for the tests: open a page, report its images and console errors.

Talks the DevTools protocol over ``--remote-debugging-pipe`` (JSON messages separated by NUL
bytes on file descriptors 3 and 4 of the browser), so it needs no Python package: only a
browser binary, Debian's ``chromium-headless-shell`` or ``chromium`` (``OFFLOADSCHED_BROWSER``
names another).  :func:`find_browser` returns None where there is none; the tests skip then.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
NO_BROWSER = ("no headless browser installed (Debian: apt-get install chromium-headless-shell, or set "
              "OFFLOADSCHED_BROWSER to a Chromium binary)")
#: What the page reports once loaded: every image's size and position, and where figures and tables sit.
PAGE_STATE = """JSON.stringify({
  title: document.title,
  viewport: window.innerHeight,
  images: Array.from(document.images, i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth,
                                            height: i.naturalHeight, top: i.getBoundingClientRect().top})),
  tags: Array.from(document.body.querySelectorAll('h1, h2, h3, figure, table'), e => e.tagName.toLowerCase()),
})"""


def find_browser() -> str | None:
    """The Chromium binary to use, or None."""
    named = os.environ.get("OFFLOADSCHED_BROWSER")
    if named:
        return shutil.which(named)
    return next((path for path in map(shutil.which, CANDIDATES) if path), None)


@dataclass
class PageReport:
    """What a page showed: its state (see :data:`PAGE_STATE`) and the errors logged while loading it."""

    state: dict[str, Any]
    errors: list[str] = field(default_factory=list)


class BrowserError(RuntimeError):
    pass


#: Run by a helper interpreter (argv: the two pipe ends, then the browser's command): the pipe ends
#: become descriptors 3 and 4 (through copies numbered 10 and up, whatever their numbers), then exec.
EXEC_WITH_PIPES = """
import fcntl, os, sys
ends = [fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3]]
for fd in sys.argv[1:3]:
    os.close(int(fd))
for target, fd in zip((3, 4), ends):
    os.dup2(fd, target)
    os.close(fd)
os.execv(sys.argv[3], sys.argv[3:])
"""


class Chromium:
    """One headless browser process driven over the DevTools pipe (a context manager)."""

    def __init__(self, binary: str, timeout: float = 60.0):
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="offloadsched-browser-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        args = [sys.executable, "-c", EXEC_WITH_PIPES, str(to_browser_r), str(from_browser_w),
                binary, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--window-size=1280,900", f"--user-data-dir={self._profile.name}", "about:blank"]
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, pass_fds=(to_browser_r, from_browser_w))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                self._send("Browser.close")
                self._proc.wait(timeout=10)
        except (BrowserError, OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            for fd in (self._to_browser, self._from_browser):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._profile.cleanup()

    # -- the protocol ---------------------------------------------------------------------------------
    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise BrowserError(f"no answer from the browser within {self.timeout:g} s")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise BrowserError(f"the browser closed the pipe (exit status {self._proc.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and return its result (events that arrive meanwhile are kept)."""
        ident = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read(deadline)
            if message.get("id") == ident:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._events.append(message)

    def wait_for(self, event: str) -> dict:
        """The first event named ``event`` (already received or still to come)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for message in self._events:
                if message.get("method") == event:
                    return message
            self._events.append(self._read(deadline))

    # -- one page ---------------------------------------------------------------------------------------
    def open(self, path: Path) -> PageReport:
        """Load ``path`` in a new tab; its state once loaded and every error logged on the way."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=session)
        self._events.clear()
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        self.wait_for("Page.loadEventFired")
        value = self.call("Runtime.evaluate", {"expression": PAGE_STATE, "returnByValue": True},
                          session=session)["result"]["value"]
        return PageReport(json.loads(value), [_error(m) for m in self._events if _error(m)])


def _error(message: dict) -> str:
    """The text of an error event (console error, uncaught exception, failed load), else ''."""
    params = message.get("params", {})
    method = message.get("method")
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        return "console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        return "exception: " + str(details.get("exception", {}).get("description", details.get("text", "")))
    if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        return "log: " + str(params["entry"].get("text", ""))
    return ""
