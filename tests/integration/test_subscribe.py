"""Subscribing and time that moves without a build, in headless Chromium.

- static/clock.js, with the page's clock set by Playwright: the demo's
  scheduled window reads "Scheduled" at the build time, "In progress" once
  its start has passed on the reader's clock and "Completed" after its end,
  on the home page card and on its own page; "Last updated 3 hours ago"
  appears only after an hour without a build; without JavaScript the page
  is the build's, complete.
- A feed opened in the browser, served as XML, is the stylesheet's page:
  the feed's title, its address in a box to copy, its entries.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from .support import UPCOMING_WINDOW, Demo

pytestmark = pytest.mark.integration

BUILT = datetime.fromisoformat("2026-11-24T12:00:00+00:00")  # support.NOW, London in November
WINDOW = UPCOMING_WINDOW
STARTS = datetime.fromisoformat("2026-11-29T07:00:00+00:00")
ENDS = datetime.fromisoformat("2026-11-29T12:00:00+00:00")


@pytest.fixture
def open_at(browser: Any, served: str) -> Iterator[Any]:
    """Open a page of the demo with the reader's clock at a given time."""
    contexts: list[Any] = []

    def open_page(path: str, moment: datetime, *, javascript: bool = True) -> Any:
        context = browser.new_context(java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.clock.install(time=moment)
        page.goto(served + path, wait_until="load")
        page.errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()


def window_badge(page: Any, path: str) -> Any:
    if path:
        return page.locator(".entry-status .badge")
    return page.locator(".card", has_text="Eastbridge Learn upgrade").locator(".badge")


@pytest.mark.parametrize("path", ["", f"incidents/{WINDOW}/"], ids=["home", "window"])
@pytest.mark.parametrize(
    ("moment", "label", "key"),
    [
        (BUILT + timedelta(minutes=10), "Scheduled", "s-sched"),
        (STARTS + timedelta(minutes=1), "In progress", "s-mnt"),
        (ENDS + timedelta(minutes=1), "Completed", "s-done"),
        (BUILT - timedelta(days=1), "Scheduled", "s-sched"),  # a slow clock: the build's
    ],
    ids=["on-time", "started", "ended", "slow-clock"],
)
def test_the_window_moves_on_by_the_readers_clock(
    open_at: Any, path: str, moment: datetime, label: str, key: str
) -> None:
    page = open_at(path, moment)
    badge = window_badge(page, path)
    assert badge.inner_text().strip() == label
    assert key in badge.get_attribute("class").split()
    icon = {"s-sched": "#i-sched", "s-mnt": "#i-mnt", "s-done": "#i-ok"}[key]
    assert badge.locator("use").get_attribute("href").endswith(icon)
    if not path:  # the card's colour follows
        card = page.locator(".card", has_text="Eastbridge Learn upgrade")
        assert key in card.get_attribute("class").split()
    assert page.errors == []


def test_an_hour_without_a_build_says_how_old_the_page_is(open_at: Any) -> None:
    fresh = open_at("", BUILT + timedelta(minutes=59))
    assert fresh.locator(".stale").is_hidden()
    late = open_at("", BUILT + timedelta(hours=3, minutes=5))
    note = late.get_by_role("status").filter(has_text="Last updated")
    assert note.inner_text() == "Last updated 3 hours ago"
    days = open_at(f"incidents/{WINDOW}/", BUILT + timedelta(days=3))
    assert days.locator(".stale").inner_text() == "Last updated 3 days ago"
    assert late.errors == [] and days.errors == []


def test_without_javascript_the_page_is_the_builds(open_at: Any) -> None:
    page = open_at("", ENDS + timedelta(hours=1), javascript=False)
    assert window_badge(page, "").inner_text().strip() == "Scheduled"
    assert page.locator(".stale").is_hidden()
    assert "Last updated 24 Nov 2026, 12:00 GMT." in page.locator(".colophon").inner_text()


def test_the_clock_script_is_small(demo: Demo) -> None:
    # 3 KB since it reads its note's words and plural forms in the page's
    # language (issue 17); about 1.2 KB as a host gzips it.
    assert (demo.output / "static/clock.js").stat().st_size < 3072


class _XmlFeeds(SimpleHTTPRequestHandler):
    """Feeds as XML, as a host does once told to (Netlify's or Cloudflare's
    ``_headers``): browsers show application/atom+xml and rss+xml as text."""

    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".atom": "application/xml",
        ".rss": "application/xml",
        ".xsl": "application/xslt+xml",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_a_feed_in_the_browser_is_a_page_to_subscribe_from(
    browser: Any,
    demo: Demo,
    fmt: str,
) -> None:
    handler = functools.partial(_XmlFeeds, directory=str(demo.output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/feeds/all.{fmt}")
        assert page.locator("h1").inner_text() == "University of Eastbridge IT Services status"
        box = page.get_by_label("Feed address")
        assert box.input_value() == f"{demo.base_url}feeds/all.{fmt}"
        assert box.get_attribute("readonly") is not None
        assert page.get_by_role("heading", name="This is a feed").is_visible()
        assert page.locator("ol li a").count() > 5
    finally:
        context.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
