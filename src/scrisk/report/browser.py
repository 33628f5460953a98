"""Headless Chromium over the DevTools protocol: load the report as a user would, print it.

Chromium is started with ``--remote-debugging-pipe``, so the DevTools
protocol (CDP) runs over two inherited file descriptors: no port is opened
and no websocket library is needed. :func:`load_page` opens a local HTML
file in a fresh, throw-away profile with every host name resolving to
nothing (``--host-resolver-rules="MAP * ~NOTFOUND"``), records every
request the page makes, every console message and uncaught exception,
checks that each image decoded and each web font loaded, and can take a
screenshot and print the page to PDF.

On Windows (no descriptor inheritance), :func:`print_pdf` falls back to
the browser's ``--print-to-pdf`` command-line switch.

Examples
--------
>>> find_browser() is None or find_browser().exists()
True
"""

from __future__ import annotations

import base64
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

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome", "msedge", "microsoft-edge")
KNOWN_PATHS = (
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-extensions", "--disable-sync",
         "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--force-color-profile=srgb")
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
A4_INCHES = (8.27, 11.69)

# Run in the page after load: what a user would see broken.
_CHECK_JS = """
(async () => {
  await document.fonts.ready;
  const imgs = Array.from(document.images);
  const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt || i.src.slice(0, 60));
  const fonts = Array.from(document.fonts).map(f => [f.family, f.status]);
  const resources = performance.getEntriesByType('resource').map(e => e.name);
  return JSON.stringify({images: imgs.length, broken: broken, fonts: fonts,
                         resources: resources, title: document.title,
                         scripts: document.scripts.length,
                         text_length: document.body ? document.body.innerText.length : 0});
})()
"""


class BrowserError(RuntimeError):
    """Chromium could not be found, started or driven."""


def find_browser() -> Path | None:
    """Chromium, Chrome or Edge: ``$SCRISK_CHROMIUM``, then the PATH, then usual install paths."""
    env = os.environ.get("SCRISK_CHROMIUM")
    if env:
        return Path(env) if Path(env).exists() else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    for path in KNOWN_PATHS:
        if Path(path).exists():
            return Path(path)
    return None


@dataclass
class PageReport:
    """What happened when a page was loaded.

    Attributes
    ----------
    requests : list of str
        Every URL the page requested (data: URLs shortened).
    console_errors : list of str
        Console messages of level error, uncaught exceptions and browser log errors.
    images, broken_images : int, list of str
        Number of ``<img>`` elements and those that did not decode.
    fonts : list of (family, status)
        Web fonts declared by the page and whether they loaded.
    title : str
    text_length : int
    scripts : int
        Number of ``<script>`` elements in the loaded page.
    values : dict
        Results of the ``expressions`` given to :func:`load_page`.
    screenshot : bytes or None
        PNG of the first screen.
    pdf : bytes or None
    """

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    images: int = 0
    broken_images: list[str] = field(default_factory=list)
    fonts: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    text_length: int = 0
    scripts: int = 0
    values: dict = field(default_factory=dict)
    screenshot: bytes | None = None
    pdf: bytes | None = None

    @property
    def external_requests(self) -> list[str]:
        """Requests that were not for a local file, inline data or blank page."""
        return [u for u in self.requests if not u.startswith(LOCAL_SCHEMES)]


class _Cdp:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, browser: Path, profile: Path, timeout: float):
        self.timeout = timeout
        self.events: list[dict] = []
        self._buffer = b""
        self._next = 0
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()

        def wire() -> None:  # in the child: the browser reads fd 3 and writes fd 4
            import fcntl

            a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(res_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)  # dup2 makes 3 and 4 inheritable; every other descriptor
            os.dup2(b, 4)  # Python opened is close-on-exec (PEP 446)

        args = [str(browser), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                "about:blank"]
        try:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         close_fds=False, preexec_fn=wire)
        except OSError as err:
            raise BrowserError(f"could not start {browser}: {err}") from err
        finally:
            os.close(cmd_r)
            os.close(res_w)
        self._out, self._in = cmd_w, res_r

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next += 1
        message: dict = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            os.write(self._out, data)
        except OSError as err:
            raise BrowserError(f"the browser closed its debugging pipe ({err})") from err
        wanted = self._next
        while True:
            msg = self._read()
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method: str, session: str | None = None) -> dict:
        def wanted(msg: dict) -> bool:
            return msg.get("method") == method and (session is None
                                                    or msg.get("sessionId") == session)

        for event in self.events:
            if wanted(event):
                return event
        while True:
            msg = self._read()
            self.events.append(msg)
            if wanted(msg):
                return msg

    def _read(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"the browser did not answer within {self.timeout:g} s")
            ready, _, _ = select.select([self._in], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError("the browser exited unexpectedly")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (BrowserError, OSError, ValueError):
            pass
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def load_page(path: str | os.PathLike, *, screenshot: bool = False, pdf: bool = False,
              width: int = 1200, height: int = 900, timeout: float = 60.0,
              expressions: dict[str, str] | None = None,
              browser: str | os.PathLike | None = None) -> PageReport:
    """Open a local HTML file in headless Chromium and report what a user would meet.

    Parameters
    ----------
    path : path-like
        The HTML file.
    screenshot : bool
        Also capture a PNG of the first screen.
    pdf : bool
        Also print the page to PDF (A4, backgrounds on, no header/footer).
    width, height : int
        Viewport in CSS pixels.
    timeout : float
        Seconds to wait for any one answer of the browser.
    expressions : dict, optional
        Name -> JavaScript expression evaluated in the loaded page; the
        JSON-able results are returned in ``PageReport.values``.
    browser : path-like, optional
        Browser executable (default: :func:`find_browser`).

    Returns
    -------
    PageReport

    Raises
    ------
    BrowserError
        When no browser is found or it cannot be driven.
    """
    if sys.platform == "win32":
        raise BrowserError("load_page needs a POSIX system (the debugging pipe); "
                           "use print_pdf on Windows")
    exe = Path(browser) if browser is not None else find_browser()
    if exe is None:
        raise BrowserError("no Chromium, Chrome or Edge found; install one (Debian: "
                           "apt-get install chromium) or set SCRISK_CHROMIUM to its path")
    url = Path(path).resolve().as_uri()
    report = PageReport()
    with tempfile.TemporaryDirectory(prefix="scrisk-chromium-") as profile:
        cdp = _Cdp(exe, Path(profile), timeout)
        try:
            target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = cdp.call("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                cdp.call(f"{domain}.enable", session=session)
            cdp.call("Emulation.setDeviceMetricsOverride",
                     {"width": width, "height": height, "deviceScaleFactor": 1,
                      "mobile": False}, session=session)
            cdp.call("Page.navigate", {"url": url}, session=session)
            cdp.wait_event("Page.loadEventFired", session)
            result = cdp.call("Runtime.evaluate", {"expression": _CHECK_JS,
                                                   "awaitPromise": True,
                                                   "returnByValue": True}, session=session)
            if "exceptionDetails" in result:
                raise BrowserError(f"page check failed: {result['exceptionDetails']}")
            facts = json.loads(result["result"]["value"])
            for name, expression in (expressions or {}).items():
                value = cdp.call("Runtime.evaluate", {"expression": expression,
                                                      "awaitPromise": True,
                                                      "returnByValue": True}, session=session)
                report.values[name] = value.get("result", {}).get("value")
            if screenshot:
                shot = cdp.call("Page.captureScreenshot", {"format": "png"}, session=session)
                report.screenshot = base64.b64decode(shot["data"])
            if pdf:
                printed = cdp.call("Page.printToPDF", {
                    "printBackground": True, "preferCSSPageSize": True,
                    "displayHeaderFooter": False, "paperWidth": A4_INCHES[0],
                    "paperHeight": A4_INCHES[1], "marginTop": 0.4, "marginBottom": 0.4,
                    "marginLeft": 0.4, "marginRight": 0.4}, session=session)
                report.pdf = base64.b64decode(printed["data"])
        finally:
            cdp.close()
    for event in cdp.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            u = params.get("request", {}).get("url", "")
            report.requests.append(u[:40] + "..." if u.startswith("data:") else u)
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            texts = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
            report.console_errors.append("console: " + " ".join(texts))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            report.console_errors.append("exception: " + str(
                details.get("exception", {}).get("description", details.get("text", ""))))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            report.console_errors.append(f"log: {entry.get('text', '')} {entry.get('url', '')}")
        elif method == "Network.loadingFailed":
            report.console_errors.append(f"network: {params.get('errorText', '')}")
    report.images = int(facts["images"])
    report.broken_images = list(facts["broken"])
    report.fonts = [tuple(f) for f in facts["fonts"]]
    report.title = str(facts["title"])
    report.scripts = int(facts["scripts"])
    report.text_length = int(facts["text_length"])
    report.requests.extend(r for r in facts["resources"] if r not in report.requests
                           and not r.startswith("data:"))
    return report


def print_pdf(html: str | os.PathLike, pdf: str | os.PathLike, *, timeout: float = 120.0,
              browser: str | os.PathLike | None = None) -> Path:
    """Print a local HTML file to PDF with headless Chromium (A4, backgrounds on).

    Raises
    ------
    BrowserError
        When no browser is found or printing fails.
    """
    out = Path(pdf)
    if sys.platform != "win32":
        report = load_page(html, pdf=True, timeout=timeout, browser=browser)
        out.write_bytes(report.pdf or b"")
        return out
    exe = Path(browser) if browser is not None else find_browser()
    if exe is None:
        raise BrowserError("no Chromium, Chrome or Edge found to print the PDF")
    with tempfile.TemporaryDirectory(prefix="scrisk-chromium-") as profile:
        args = [str(exe), *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                f"--print-to-pdf={out.resolve()}", Path(html).resolve().as_uri()]
        try:
            subprocess.run(args, check=True, timeout=timeout, capture_output=True)
        except (OSError, subprocess.SubprocessError) as err:
            raise BrowserError(f"printing to PDF with {exe} failed: {err}") from err
    if not out.is_file() or out.stat().st_size == 0:
        raise BrowserError(f"{exe} wrote no PDF")
    return out
