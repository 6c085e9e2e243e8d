"""Atlassian's own ``@statuspage/status-widget`` (npm), pointed at a statusgen site.

The demo build is served on 127.0.0.1 with ``Access-Control-Allow-Origin: *``
(as GitHub Pages sends); an intranet page on another origin loads the
widget's bundle and shows ``<statuspage-widget src="...">`` in both its
appearances. In headless Chromium each renders the summary's status: the
description as its text and the indicator as its colour class, exactly as it
does for a real Statuspage. The widget asks for ``/api/v2/summary.json`` at
the root of its ``src`` host, so the site must be served at a domain root.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from .support import NPM_HINT, Demo, node_modules, require
from .test_embed import _CorsHandler, _Handler, serving

pytestmark = pytest.mark.integration

WIDGET = "@statuspage/status-widget@1.0.5"  # as .ci/run installs it

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Staff intranet</title></head>
<body><main><h1>Staff intranet</h1>
<p>IT status: <statuspage-widget src="{site}"></statuspage-widget></p>
<p>Badge: <statuspage-widget src="{site}" appearance="badge" title="IT status">
</statuspage-widget></p>
<script src="status-widget.js"></script>
</main></body></html>
"""


@pytest.fixture(scope="module")
def widget_js() -> Path:
    path = node_modules() / "@statuspage" / "status-widget" / "dist" / "index.js"
    hint = NPM_HINT.replace("axe-core", f"axe-core {WIDGET}", 1)
    require(path.is_file(), f"{WIDGET} ({path})", hint)
    return path


def test_the_statuspage_widget_renders_a_statusgen_sites_status(
    browser: Any,
    demo: Demo,
    widget_js: Path,
    tmp_path: Path,
) -> None:
    status = json.loads((demo.output / "api/v2/summary.json").read_bytes())["status"]
    assert status["indicator"] != "none"  # the demo has an ongoing incident
    host = tmp_path / "intranet"
    host.mkdir()
    shutil.copy(widget_js, host / "status-widget.js")
    with serving(demo.output, _CorsHandler) as site, serving(host, _Handler) as intranet:
        assert site != intranet
        (host / "index.html").write_text(HOST_PAGE.format(site=site), encoding="utf-8")
        context = browser.new_context()
        try:
            page = context.new_page()
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            with page.expect_response(site + "api/v2/summary.json") as answer:
                page.goto(intranet, wait_until="load")
            assert answer.value.ok
            # Playwright's locators see into the widgets' open shadow roots.
            widgets = page.locator("statuspage-widget")
            basic, badge = widgets.nth(0), widgets.nth(1)
            text = basic.locator(".status-text")
            text.wait_for()
            assert text.text_content().strip() == status["description"]
            indicator = basic.locator(".status-indicator")
            assert status["indicator"] in indicator.get_attribute("class").split()
            assert basic.locator("a").get_attribute("href") == site
            # The badge: its title, then the level in the indicator's colour (the words
            # as given: its CSS shows them in lower case).
            assert badge.locator(".status-text").text_content().strip() == "IT status"
            level = badge.locator(".status-indicator")
            assert level.text_content().strip() == status["description"]
            assert status["indicator"] in level.get_attribute("class").split()
            # The bundle's own last statement assigns an undeclared global in strict
            # mode (its Babel pass after Parcel), after every module has run: the
            # widget's bug, the same on any page; nothing else may go wrong.
            assert errors == ["parcelRequire is not defined"]
        finally:
            context.close()
