"""`statusgen serve`: serve the built site, rebuild on change, reload open pages.

The server is handed a ``rebuild()`` callable and knows nothing else of the
build (MkDocs' livereload, Lektor's watch filter): it calls it once at
start and again after each burst of changes, and learns from the
`RebuildResult` whether the output folder now holds a good build. That
callable is the only seam, so an incremental build can replace the full
one without touching this module.

Three parts, each on its own thread:

* **HTTP**: the standard library's threading server over the output
  folder, resolved at every request (the build swaps the whole folder in
  atomically, so a handle kept from start-up would point at a deleted
  tree). Folders serve their ``index.html``; a missing path gets the
  build's ``404.html`` with status 404. HTML responses get a small script,
  added here to the bytes sent rather than to the files written, so the
  built files stay byte-identical to ``statusgen build``'s.
* **Watching** (`watch.Watcher`): a watchdog observer on the paths given (site.toml,
  content/, the site's themes/), never the output. Editors' temp files
  and open/close-without-write events are ignored; an atomic save (write a
  temp file, rename it over the real one) counts by its destination.
* **Rebuilding**: changes are debounced (~200 ms of quiet), then
  ``rebuild()`` runs and every open page is told to reload through
  Server-Sent Events at ``/__statusgen/events``.

A failed rebuild leaves the last good build in place: stylesheets, feeds
and JSON are still served from it, while HTML responses become a page
listing the problems, until a rebuild succeeds and the pages reload by
themselves. This module prints nothing: ``rebuild()`` (from the CLI) reports
to the terminal.
"""

from __future__ import annotations

import contextlib
import errno
import html
import mimetypes
import os
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from .errors import StatusgenError
from .watch import Watcher

EVENTS_PATH = "/__statusgen/events"
"""The Server-Sent Events stream that tells open pages to reload."""

DEBOUNCE = 0.2
"""Seconds of quiet after a change before rebuilding: an editor's save is
several events, and `git checkout` is hundreds; one rebuild covers them."""

KEEPALIVE = 15.0
"""Seconds between comments on an idle event stream, so a dead client is noticed."""

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml")
_EXTRA_TYPES = {
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".ics": "text/calendar",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
}


@dataclass(frozen=True)
class RebuildResult:
    """What the server needs to know of a build, and nothing more."""

    ok: bool
    """True when the output folder now holds a new, good build."""
    problems: tuple[str, ...] = ()
    """One line each: the errors of a failed build (shown in the browser),
    or the warnings of a good one (not shown: the terminal has them)."""


Rebuild = Callable[[], RebuildResult]


def serve(
    rebuild: Rebuild,
    output: Path,
    watch: Sequence[Path],
    port: int = 8000,
    bind: str = "127.0.0.1",
    *,
    on_ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
    debounce: float = DEBOUNCE,
) -> None:
    """Serve `output` at `bind`:`port` until Ctrl-C or `stop` is set.

    The port is bound first (port 0 picks a free one), then `on_ready` is
    called with the server's URL, then the watch starts and the first
    ``rebuild()`` runs: the build needs to know the URL it is served at.
    Returns normally after Ctrl-C, with every thread, the observer and the
    socket closed. Raises `StatusgenError` when the address cannot be bound.
    """
    stop = stop or threading.Event()
    state = _State()
    server = _bind(bind, port, state, output)
    observer: BaseObserver | None = None
    threads: list[threading.Thread] = []
    try:
        if on_ready is not None:
            on_ready(server.url)
        # Watch before the first build, so an edit made while it runs is not missed.
        changed = threading.Event()
        observer = Observer()
        Watcher(watch, output, changed.set).schedule(observer)
        observer.start()
        state.publish(_safe(rebuild))
        threads = [
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.2},
                name="statusgen-http",
                daemon=True,
            ),
            threading.Thread(
                target=_rebuild_loop,
                args=(rebuild, state, changed, stop, debounce),
                name="statusgen-rebuild",
                daemon=True,
            ),
        ]
        for thread in threads:
            thread.start()
        while not stop.wait(0.25):
            pass
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a user stops the server: a clean exit, not an error
    finally:
        stop.set()
        state.close()  # ends every event stream
        if observer is not None:
            observer.stop()
        if threads and threads[0].is_alive():
            server.shutdown()  # waits for serve_forever(), so only once it runs
        for thread in threads:
            thread.join(timeout=10)
        if observer is not None and observer.is_alive():
            observer.join(timeout=10)
        server.server_close()


# --- state shared by the threads --------------------------------------------------


class _State:
    """The build generation and its problems; event streams wait on it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.generation = 0
        self.problems: tuple[str, ...] | None = None
        """None while the last build is good; else the lines of its errors."""
        self.closing = False

    def publish(self, result: RebuildResult) -> None:
        with self._cond:
            self.generation += 1
            self.problems = None if result.ok else (result.problems or ("the build failed",))
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self.closing = True
            self._cond.notify_all()

    def snapshot(self) -> tuple[int, tuple[str, ...] | None]:
        with self._cond:
            return self.generation, self.problems

    def wait_change(self, seen: int, timeout: float) -> int | None:
        """The generation once it differs from `seen` (or at `timeout`); None when closing."""
        with self._cond:
            self._cond.wait_for(lambda: self.closing or self.generation != seen, timeout)
            return None if self.closing else self.generation


def _safe(rebuild: Rebuild) -> RebuildResult:
    """``rebuild()``, where an exception is a failed build: the server must outlive it."""
    try:
        return rebuild()
    except Exception as exc:
        return RebuildResult(False, (f"the build raised {type(exc).__name__}: {exc}",))


def _rebuild_loop(
    rebuild: Rebuild,
    state: _State,
    changed: threading.Event,
    stop: threading.Event,
    debounce: float,
) -> None:
    """Wait for a change, then for `debounce` seconds of quiet, then rebuild."""
    while not stop.is_set():
        if not changed.wait(0.25):
            continue
        while True:
            changed.clear()
            if stop.wait(debounce):
                return
            if not changed.is_set():
                break
        state.publish(_safe(rebuild))


# --- HTTP --------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # an idle browser connection must never hold up Ctrl-C
    state: _State
    output: Path
    url: str

    def server_bind(self) -> None:
        """Bind without `HTTPServer`'s reverse DNS lookup of the address: slow, and unused."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Server6(_Server):
    address_family = socket.AF_INET6


def _bind(bind: str, port: int, state: _State, output: Path) -> _Server:
    cls = _Server6 if ":" in bind else _Server
    try:
        server = cls((bind, port), _Handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            hint = f"another server is using it: stop it, or use --port {port + 1}"
        else:
            hint = exc.strerror or str(exc)
        raise StatusgenError(f"cannot listen on {bind} port {port} ({hint})") from None
    server.state = state
    server.output = output
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(bind, bind)
    shown = f"[{host}]" if ":" in host else host
    server.url = f"http://{shown}:{server.server_address[1]}/"
    return server


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "statusgen-serve"
    timeout = 30  # seconds a connection may stay silent

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal shows builds and their problems, not every request."""

    def _respond(self, *, send_body: bool) -> None:
        url = urlsplit(self.path)
        if url.path == EVENTS_PATH:
            self._events(url.query)
            return
        generation, problems = self.server.state.snapshot()
        found = _find(self.server.output, unquote(url.path))
        if isinstance(found, _Redirect):
            location = url.path + "/" + (f"?{url.query}" if url.query else "")
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", send_body, location)
            return
        status, data, content_type = found
        if content_type.startswith("text/html") or data is None:
            if problems is not None:
                page = error_page(problems, generation)
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, page, _HTML, send_body)
                return
            if data is None:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", send_body)
                return
            data = inject_reload(data, generation)
        self._send(status, data, content_type, send_body)

    def _send(
        self,
        status: HTTPStatus,
        data: bytes,
        content_type: str,
        send_body: bool,
        location: str | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", _with_charset(content_type))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")  # a reload must fetch the new build
        if location is not None:
            self.send_header("Location", location)
        self.end_headers()
        if send_body:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    def _events(self, query: str) -> None:
        """Server-Sent Events: ``reload`` whenever the generation differs from the page's."""
        state = self.server.state
        try:
            seen = int(parse_qs(query).get("since", [""])[0])
        except ValueError:
            seen = state.snapshot()[0]
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while True:
                current = state.wait_change(seen, KEEPALIVE)
                if current is None:
                    return
                if current != seen:
                    self.wfile.write(f"event: reload\ndata: {current}\n\n".encode())
                    seen = current
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            return  # the page went away


_HTML = "text/html"


@dataclass(frozen=True)
class _Redirect:
    """A folder asked for without its trailing slash."""


def _find(output: Path, path: str) -> _Redirect | tuple[HTTPStatus, bytes | None, str]:
    """The response for a URL path: (status, bytes or None when nothing fits, type).

    The output folder is resolved here, at each request, because every build
    swaps in a new folder under the same name.
    """
    root = Path(os.path.realpath(output))
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts or any("\0" in p or "\\" in p for p in parts):
        return HTTPStatus.NOT_FOUND, None, _HTML
    target = root.joinpath(*parts)
    if target.is_dir():
        if not path.endswith("/"):
            return _Redirect()
        target = target / "index.html"
    for attempt in range(3):
        data = _read_inside(target, root)
        if data is not None:
            return HTTPStatus.OK, data, _content_type(target)
        if attempt < 2:
            time.sleep(0.02)  # the build may be between its two renames
    missing = _read_inside(root / "404.html", root)
    return HTTPStatus.NOT_FOUND, missing, _HTML


def _read_inside(path: Path, root: Path) -> bytes | None:
    try:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(root) or not real.is_file():
            return None
        return real.read_bytes()
    except OSError:
        return None


def _content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _EXTRA_TYPES:
        return _EXTRA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def _with_charset(content_type: str) -> str:
    if content_type.startswith(_TEXT_TYPES) or content_type.endswith("+xml"):
        return f"{content_type}; charset=utf-8"
    return content_type


# --- what the browser gets ------------------------------------------------------------


def reload_script(generation: int) -> bytes:
    """The script that reloads the page when the server says the build changed."""
    return (
        "<script>/* statusgen serve: reload after each rebuild */(function(){"
        f'var s=new EventSource("{EVENTS_PATH}?since={generation}");'
        's.addEventListener("reload",function(){s.close();location.reload();});'
        "})();</script>\n"
    ).encode()


def inject_reload(page: bytes, generation: int) -> bytes:
    """`page` with the reload script before its last ``</body>`` (or at the end)."""
    script = reload_script(generation)
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + script
    return page[:at] + script + page[at:]


def error_page(problems: Sequence[str], generation: int) -> bytes:
    """The page shown instead of any HTML page while the last build failed."""
    items = "\n".join(f"<li><code>{html.escape(line)}</code></li>" for line in problems)
    count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        "<title>Build failed · statusgen serve</title>\n"
        "<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem}h1{font-size:1.4rem}ul{padding-left:1.2rem}li{margin:.4rem 0}"
        "code{white-space:pre-wrap;word-break:break-word}</style>\n"
        "</head>\n<body>\n<main>\n"
        f"<h1>Build failed: {count}</h1>\n"
        "<p>The site is not shown until these are fixed. This page reloads by itself "
        "when a rebuild succeeds.</p>\n"
        f"<ul>\n{items}\n</ul>\n"
        "</main>\n" + reload_script(generation).decode() + "</body>\n</html>\n"
    ).encode("utf-8")
