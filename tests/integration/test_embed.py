"""embed/banner.js in headless Chromium, on a page of another origin.

Two HTTP servers on 127.0.0.1, on different ports: the status site (the demo
build, sending ``Access-Control-Allow-Origin: *`` as GitHub Pages does) and
an intranet page that embeds the script with one tag. While the demo has an
ongoing incident the page shows an accessible banner (role=status, the
overall description, the incident, a link to the status page), fitting the
page, with 0 axe violations at 390 and 1280 px, light and dark; when all is
well, or when the status site sends no CORS header, it shows nothing and
raises nothing.
"""

from __future__ import annotations

import functools
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .support import ONGOING_INCIDENT, Demo
from .test_browser import AXE_JS, AXE_TAGS, OVERFLOW_JS

pytestmark = pytest.mark.integration

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Staff intranet</title></head>
<body><main><h1>Staff intranet</h1>
<script src="{site}embed/banner.js" async></script>
<p>News and links for staff.</p></main></body></html>
"""


class _Handler(SimpleHTTPRequestHandler):
    cors = False

    def end_headers(self) -> None:
        if self.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _CorsHandler(_Handler):
    cors = True


@contextmanager
def serving(folder: Path, handler: type[_Handler]) -> Iterator[str]:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def embed(
    browser: Any,
    tmp_path: Path,
) -> Iterator[Callable[[Path, type[_Handler]], Any]]:
    """Open the intranet page embedding the banner of the site in `folder`."""
    opened: list[Any] = []

    @contextmanager
    def open_page(
        folder: Path, handler: type[_Handler], width: int = 1280, scheme: str = "light"
    ) -> Iterator[tuple[Any, str, list[str]]]:
        host = tmp_path / "intranet"
        host.mkdir(exist_ok=True)
        with serving(folder, handler) as site, serving(host, _Handler) as intranet:
            assert site != intranet  # two origins: another port
            (host / "index.html").write_text(HOST_PAGE.format(site=site), encoding="utf-8")
            context = browser.new_context(viewport={"width": width, "height": 800})
            opened.append(context)
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.emulate_media(color_scheme=scheme)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            # The script asks for the site's summary (the request is made even
            # when the browser will keep the answer from it for want of CORS).
            with page.expect_request(lambda r: r.url == site + "api/v2/summary.json"):
                page.goto(intranet, wait_until="load")
            yield page, site, errors

    yield open_page
    for context in opened:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_the_banner_shows_what_is_wrong_on_another_origin(
    embed: Any,
    demo: Demo,
    axe_script: Path,
    width: int,
    scheme: str,
) -> None:
    summary = json.loads((demo.output / "api/v2/summary.json").read_bytes())
    assert summary["status"]["indicator"] != "none"
    incident = json.loads((demo.output / "api/v2/incidents/unresolved.json").read_bytes())[
        "incidents"
    ][0]
    assert incident["shortlink"].rstrip("/").endswith(ONGOING_INCIDENT)
    with embed(demo.output, _CorsHandler, width, scheme) as (page, site, errors):
        banner = page.get_by_role("status")
        banner.get_by_role("link").wait_for()
        words = banner.inner_text()
        assert words.startswith(summary["status"]["description"] + ": ")
        assert incident["name"] in words
        link = banner.get_by_role("link")
        assert link.get_attribute("href") == site
        assert link.inner_text() == f"See {summary['page']['name']}"
        # Placed where the tag is, before the rest of the host's content.
        assert (
            page.evaluate(
                "() => document.querySelector('script').nextElementSibling.getAttribute('role')"
            )
            == "status"
        )
        overflow = page.evaluate(OVERFLOW_JS)
        assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
        page.add_script_tag(path=str(axe_script))
        assert page.evaluate(AXE_JS, AXE_TAGS) == []
        assert errors == []


def test_nothing_shows_when_all_is_well(embed: Any, demo: Demo, tmp_path: Path) -> None:
    calm = tmp_path / "calm"
    shutil.copytree(demo.output, calm)
    path = calm / "api/v2/summary.json"
    summary = json.loads(path.read_bytes())
    summary["status"] = {"indicator": "none", "description": "All Systems Operational"}
    summary["incidents"] = []
    summary["scheduled_maintenances"] = []
    path.write_text(json.dumps(summary), encoding="utf-8")
    with embed(calm, _CorsHandler) as (page, _, errors):
        page.wait_for_timeout(500)  # the answer, then the script's 50 ms before it writes
        assert page.locator(".statusgen-banner").count() == 0
        assert page.get_by_role("status").count() == 0
        assert errors == []


def test_without_a_cors_header_nothing_shows_and_nothing_breaks(embed: Any, demo: Demo) -> None:
    # The response arrives, but the browser keeps it from the script.
    with embed(demo.output, _Handler) as (page, _, errors):
        page.wait_for_timeout(500)
        assert page.locator(".statusgen-banner").count() == 0
        assert errors == []
        assert page.get_by_role("heading").inner_text() == "Staff intranet"
