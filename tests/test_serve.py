"""`statusgen serve`: pages served, edits rebuilt and reloaded, failures shown and survived.

The server runs on a free port of 127.0.0.1 in a thread (or, for Ctrl-C, a
subprocess). Every wait has a deadline, and each test checks that the
server's threads and observer are gone when it stops.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from watchdog.events import (
    DirCreatedEvent,
    DirModifiedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from statusgen.build import build, check
from statusgen.errors import ProblemsError, StatusgenError
from statusgen.scaffold import init_site
from statusgen.serve import (
    EVENTS_PATH,
    RebuildResult,
    error_page,
    inject_reload,
    serve,
)
from statusgen.watch import Watcher, is_temp_file

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0
"""Seconds any single wait may take before the test fails (never hangs)."""
NEWS_TITLE = "Welcome to our new status page"


def wait_for(predicate: Callable[[], object], timeout: float = TIMEOUT) -> float:
    """Poll until `predicate()` is true; return the seconds it took; fail at `timeout`."""
    start = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail(f"timed out after {timeout} s")
        time.sleep(0.02)


@dataclass
class Server:
    site: Path
    output: Path
    url: str = ""
    results: list[RebuildResult] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].strip("/"))

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def page(self, path: str) -> str:
        return self.get(path)[2].decode("utf-8")


def news_file(site: Path) -> Path:
    (path,) = (site / "content/news").glob("*-welcome.md")
    return path


def incident_file(site: Path) -> Path:
    (path,) = (site / "content/incidents").glob("*-vpn-connections-dropping.md")
    return path


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    init_site(root, timezone="Europe/London")
    return root


@contextmanager
def running(site: Path, tmp_path: Path, debounce: float = 0.2) -> Iterator[Server]:
    """serve() in a thread with a rebuild() like the CLI's; stopped and checked on exit."""
    before = set(threading.enumerate())
    server = Server(site, tmp_path / "serve-out" / "site")
    ready = threading.Event()
    failure: list[BaseException] = []

    def on_ready(url: str) -> None:
        server.url = url
        ready.set()

    def rebuild() -> RebuildResult:
        try:
            build(site, output=server.output, base_url=server.url)
            result = RebuildResult(True)
        except ProblemsError as exc:
            result = RebuildResult(False, tuple(str(p) for p in exc.problems))
        server.results.append(result)
        return result

    stop = threading.Event()

    def run() -> None:
        try:
            serve(
                rebuild,
                server.output,
                [site / "site.toml", site / "content", site / "themes"],
                port=0,
                on_ready=on_ready,
                stop=stop,
                debounce=debounce,
            )
        except BaseException as exc:
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="test-serve", daemon=True)
    thread.start()
    assert ready.wait(TIMEOUT)
    assert not failure, failure
    wait_for(lambda: server.results)
    try:
        yield server
    finally:
        stop.set()
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "serve() did not return"
        assert not failure, failure
        # Every thread serve() started (HTTP, rebuild, observer, event streams) is gone.
        wait_for(lambda: set(threading.enumerate()) <= before)


@contextmanager
def event_stream(server: Server, since: int) -> Iterator[http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        conn.request("GET", f"{EVENTS_PATH}?since={since}")
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
        yield response
    finally:
        conn.close()


def next_event(stream: http.client.HTTPResponse) -> tuple[str, str]:
    """(event name, data) of the next event; comments and `retry` are skipped."""
    name, data = "message", ""
    while True:
        line = stream.fp.readline().decode("utf-8")  # the socket timeout bounds the wait
        assert line, "the event stream closed"
        line = line.rstrip("\n")
        if not line:
            if data:
                return name, data
            continue
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]


def generation(page: str) -> int:
    match = re.search(r"since=(\d+)", page)
    assert match, "no reload script in the page"
    return int(match.group(1))


# --- serving --------------------------------------------------------------------------


def test_serves_the_build_with_the_reload_script_added(site, tmp_path):
    with running(site, tmp_path) as server:
        status, headers, body = server.get("/")
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Cache-Control"] == "no-store"
        page = body.decode()
        assert "IT Services status" in page
        assert page.index(EVENTS_PATH) < page.rindex("</body>")
        # Links point at the server, not at base_url; the built files stay clean.
        assert f'href="{server.url}' in page or 'href="/' in page
        built = (server.output / "index.html").read_bytes()
        assert EVENTS_PATH.encode() not in built
        assert server.url.encode() in (server.output / "sitemap.xml").read_bytes()


def test_folders_404_and_non_html(site, tmp_path):
    with running(site, tmp_path) as server:
        assert server.get("/history/")[0] == 200
        status, headers, _ = server.get("/history")
        assert (status, headers["Location"]) == (301, "/history/")
        status, headers, body = server.get("/no/such/page/")
        assert status == 404
        assert body.startswith((server.output / "404.html").read_bytes().split(b"</body>")[0])
        assert EVENTS_PATH.encode() in body
        status, headers, body = server.get("/api/v2/summary.json")
        assert (status, headers["Content-Type"]) == (200, "application/json; charset=utf-8")
        assert EVENTS_PATH.encode() not in body
        assert server.get("/feeds/all.atom")[1]["Content-Type"] == (
            "application/atom+xml; charset=utf-8"
        )
        status, headers, body = server.get("/", method="HEAD")
        assert (status, body) == (200, b"")
        assert int(headers["Content-Length"]) > 0
        for escape in ("/../site.toml", "/%2e%2e/site.toml", "/..%2fsite.toml"):
            assert server.get(escape)[0] == 404


def test_an_edit_appears_within_two_seconds(site, tmp_path):
    with running(site, tmp_path) as server:
        path = news_file(site)
        page_path = f"/news/{path.stem}/"
        assert NEWS_TITLE in server.page(page_path)
        path.write_text(
            path.read_text(encoding="utf-8").replace(NEWS_TITLE, "Hello from the test"),
            encoding="utf-8",
        )
        took = wait_for(lambda: "Hello from the test" in server.page(page_path))
        assert took < 2.0


def test_the_event_stream_sends_reload_after_an_edit(site, tmp_path):
    with running(site, tmp_path) as server:
        since = generation(server.page("/"))
        with event_stream(server, since) as stream:
            path = news_file(site)
            path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
            assert next_event(stream) == ("reload", str(since + 1))
        # A page from an older build reloads as soon as it connects.
        with event_stream(server, since) as stream:
            assert next_event(stream)[0] == "reload"


def test_an_atomic_save_counts_and_editor_temp_files_do_not(site, tmp_path):
    with running(site, tmp_path) as server:
        folder = site / "content/news"
        for name in (".welcome.md.swp", "welcome.md~", "4913", ".#welcome.md", "#x.md#"):
            (folder / name).write_text("junk", encoding="utf-8")
            (folder / name).unlink()
        time.sleep(0.8)  # debounce and a build, were one started
        assert len(server.results) == 1

        path = news_file(site)
        temp = folder / f".{path.name}.tmp1234"
        temp.write_text(
            path.read_text(encoding="utf-8").replace(NEWS_TITLE, "Saved atomically"),
            encoding="utf-8",
        )
        os.replace(temp, path)
        wait_for(lambda: "Saved atomically" in server.page(f"/news/{path.stem}/"))
        wait_for(lambda: len(server.results) == 2)  # the build swaps, then returns
        time.sleep(0.5)
        assert len(server.results) == 2  # one save, one build


def test_a_broken_file_shows_the_problems_and_recovery_follows_the_fix(site, tmp_path):
    with running(site, tmp_path) as server:
        css_before = server.get("/static/style.css")[::2]
        summary_before = server.get("/api/v2/summary.json")[2]
        path = incident_file(site)
        good = path.read_text(encoding="utf-8")
        path.write_text(good.replace("impact: partial_outage", "impact: <major>"), encoding="utf-8")
        problems = [str(p) for p in check(site)]
        assert problems and "<major>" in problems[0]

        wait_for(lambda: server.get("/")[0] == 500)
        status, headers, body = server.get("/incidents/")
        page = body.decode()
        assert (status, headers["Content-Type"]) == (500, "text/html; charset=utf-8")
        assert "Build failed: 1 problem" in page
        assert html.escape(problems[0]) in page
        assert "<major>" not in page
        assert EVENTS_PATH in page  # it reloads by itself after the fix
        # The last good build is still served for everything but HTML.
        assert server.get("/static/style.css")[::2] == css_before
        assert server.get("/api/v2/summary.json")[2] == summary_before

        since = generation(page)
        with event_stream(server, since) as stream:
            path.write_text(good, encoding="utf-8")
            assert next_event(stream)[0] == "reload"
        status, _, body = server.get("/")
        assert status == 200
        assert b"Build failed" not in body


def test_a_site_broken_from_the_start_is_served_once_fixed(site, tmp_path):
    config = site / "site.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(
        good.replace('timezone = "Europe/London"', 'timezone = "Europe/Lndon"'), encoding="utf-8"
    )
    with running(site, tmp_path) as server:
        assert server.results == [server.results[0]]
        assert not server.results[0].ok
        status, _, body = server.get("/")
        assert status == 500
        assert "did you mean &#x27;Europe/London&#x27;?" in body.decode()
        config.write_text(good, encoding="utf-8")
        wait_for(lambda: server.get("/")[0] == 200)


@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")  # watchdog's own race
def test_a_new_theme_folder_is_watched(site, tmp_path):
    with running(site, tmp_path) as server:
        static = site / "themes/default/static"
        static.mkdir(parents=True)
        wait_for(lambda: len(server.results) >= 2)  # themes/ appeared
        time.sleep(0.3)
        (static / "extra.css").write_text("body{}", encoding="utf-8")
        wait_for(lambda: server.get("/static/extra.css")[0] == 200)


def test_a_busy_port_is_one_line_of_error(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StatusgenError) as info:
            serve(lambda: RebuildResult(True), tmp_path, [], port=port)
    assert str(info.value) == (
        f"cannot listen on 127.0.0.1 port {port} "
        f"(another server is using it: stop it, or use --port {port + 1})"
    )


# --- the watch filter, event by event -------------------------------------------------


def test_watch_filter(tmp_path):
    root = tmp_path / "site"
    (root / "content/incidents").mkdir(parents=True)
    (root / "site.toml").write_text("", encoding="utf-8")
    output = root / "content/out"  # even an output inside a watched folder is never watched
    calls: list[int] = []
    watcher = Watcher(
        [root / "site.toml", root / "content", root / "themes"], output, lambda: calls.append(1)
    )

    def fires(event: object) -> bool:
        calls.clear()
        watcher.dispatch(event)  # type: ignore[arg-type]
        return bool(calls)

    md = str(root / "content/incidents/a.md")
    assert fires(FileModifiedEvent(md))
    assert fires(FileCreatedEvent(md))
    assert fires(FileDeletedEvent(md))
    assert fires(FileClosedEvent(md))
    assert fires(FileModifiedEvent(str(root / "site.toml")))
    assert fires(FileMovedEvent(str(root / "content/incidents/.a.md.tmp"), md))  # atomic save
    assert fires(FileMovedEvent(md, str(root / "content/incidents/a.md~")))  # renamed away
    (root / "themes").mkdir()
    assert fires(DirCreatedEvent(str(root / "themes")))  # from then on, watched as a folder
    assert fires(FileModifiedEvent(str(root / "themes/default/static/x.css")))

    assert not fires(FileOpenedEvent(md))
    assert not fires(FileClosedNoWriteEvent(md))
    assert not fires(DirModifiedEvent(str(root / "content/incidents")))
    assert not fires(FileModifiedEvent(str(root / "README.md")))
    assert not fires(FileModifiedEvent(str(root / "public/index.html")))
    assert not fires(FileModifiedEvent(str(output / "index.html")))
    assert not fires(FileCreatedEvent(str(root / "content/.git/HEAD")))
    for name in (".a.md.swp", "a.md~", "4913", ".#a.md", "#a.md#", "a.md___jb_tmp___"):
        assert not fires(FileCreatedEvent(str(root / "content/incidents" / name))), name
    assert not fires(
        FileMovedEvent(str(root / "content/incidents/x.tmp"), str(root / "content/.y.swp"))
    )


@pytest.mark.parametrize(
    ("name", "temp"),
    [
        ("a.md", False),
        ("2026-11-24-x.md", False),
        ("style.css", False),
        (".a.md.swp", True),
        (".a.md.swx", True),
        ("a.md~", True),
        ("4913", True),
        (".#a.md", True),
        ("#a.md#", True),
        ("a.md.tmp", True),
    ],
)
def test_is_temp_file(name, temp):
    assert is_temp_file(name) is temp


def test_inject_reload_goes_before_the_last_body_end():
    page = b"<html><body><p>x</p></body></html>"
    out = inject_reload(page, 7)
    assert out.startswith(b"<html><body><p>x</p><script>")
    assert out.endswith(b"</script>\n</body></html>")
    assert b"since=7" in out
    assert inject_reload(b"no body", 1).startswith(b"no body<script>")
    assert inject_reload(b"<BODY></BODY>", 1).endswith(b"</BODY>")


def test_error_page_escapes_every_line():
    page = error_page(["a.md:1: title: <script>alert(1)</script> & co"], 3).decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "<script>alert(1)" not in page
    assert "since=3" in page


# --- the command ------------------------------------------------------------------------


def test_cli_serve_reports_problems_and_exits_cleanly_on_ctrl_c(site):
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "statusgen", "--site", str(site), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = _readline(proc, TIMEOUT)
        match = re.fullmatch(
            r"serving (.+) at (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)\n", line
        )
        assert match, line
        server = Server(site, Path(), url=match.group(2))
        assert _readline(proc, TIMEOUT).startswith("built ")
        assert server.get("/")[0] == 200
        assert not (site / "public").exists()  # serving never writes the site's output

        path = incident_file(site)
        good = path.read_text(encoding="utf-8")
        path.write_text(good.replace("impact: partial_outage", "impact: major"), encoding="utf-8")
        wait_for(lambda: server.get("/")[0] == 500)
        path.write_text(good, encoding="utf-8")
        wait_for(lambda: server.get("/")[0] == 200)

        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0
    assert out.splitlines()[-1] == "stopped"
    rel = path.relative_to(site).as_posix()
    assert f"{rel}:6: impact: 'major' is not an impact (one of " in err
    assert "1 error, 0 warnings" in err
    assert "build failed: the browser shows the problems until a rebuild succeeds" in err
    assert "Traceback" not in err


def _readline(proc: subprocess.Popen[str], timeout: float) -> str:
    """One line of the child's stdout, or fail after `timeout` (readline alone could hang)."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not box:
        proc.kill()
        pytest.fail(f"no output within {timeout} s")
    return box[0]


def test_cli_serve_without_a_site(tmp_path, capsys):
    from statusgen import cli

    assert cli.main(["--site", str(tmp_path), "serve"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: no site.toml in {tmp_path} (run statusgen init, or pass --site DIR)"
    ]


def test_build_base_url_override_leaves_site_toml_alone(site, tmp_path):
    result = build(
        site, output=tmp_path / "out", base_url="http://127.0.0.1:9/", now=datetime.now(UTC)
    )
    assert b"http://127.0.0.1:9/" in (result.output / "sitemap.xml").read_bytes()
    assert b"status.example.org" not in (result.output / "sitemap.xml").read_bytes()


def test_cli_serve_rebuilds_through_one_warm_session(site, monkeypatch):
    """Every rebuild of one server shares one `Session`: its cache stays open, with
    the parsed entries in memory, and nothing of it outlives the server."""
    import statusgen.build as build_module
    import statusgen.serve as serve_module
    from statusgen import cli

    sessions = []
    real_build = build_module.build

    def recording_build(*args, **kwargs):
        sessions.append(kwargs.get("session"))
        return real_build(*args, **kwargs)

    def two_rebuilds(rebuild, output, watch, **kwargs):
        kwargs["on_ready"]("http://127.0.0.1:9/")
        assert rebuild().ok
        assert rebuild().ok

    monkeypatch.setattr(build_module, "build", recording_build)
    monkeypatch.setattr(serve_module, "serve", two_rebuilds)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # leave pytest's handlers
    assert cli.main(["--site", str(site), "serve", "--port", "0"]) == 0
    assert len(sessions) == 2
    assert sessions[0] is not None and sessions[0] is sessions[1]
    assert cli.main(["--site", str(site), "serve", "--port", "0"]) == 0
    assert sessions[2] is not sessions[0]  # a new server, a new session
