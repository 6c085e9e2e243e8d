"""The demo site (the repository itself) built once per session, and served on loopback."""

from __future__ import annotations

import functools
import importlib.util
import threading
import tomllib
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from statusgen.build import build

from .support import CHROMIUM, CHROMIUM_ARGS, NOW, NPM_HINT, REPO, Demo, node_modules, require


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    output = tmp_path_factory.mktemp("demo") / "public"
    build(REPO, output=output, now=NOW)
    settings = tomllib.loads((REPO / "site.toml").read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = {}
    for service in settings["services"]:
        if service.get("group"):
            groups.setdefault(service["group"], []).append(service["id"])
    return Demo(
        output=output,
        base_url=settings["base_url"].rstrip("/") + "/",
        services={s["id"]: s["name"] for s in settings["services"]},
        groups={name: tuple(ids) for name, ids in groups.items()},
    )


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def served(demo: Demo) -> Iterator[str]:
    """The build at the root of http://127.0.0.1:<free port>/ for the whole session.

    The build's links are root-relative to base_url's path ("/"), so serving
    the folder at "/" makes every link resolve.
    """
    handler = functools.partial(_QuietHandler, directory=str(demo.output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="demo-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# Chromium and axe-core for every browser test: defined here once, since a
# session fixture imported into two test modules is two fixtures, and a second
# Playwright cannot start while the first runs.


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require(
        importlib.util.find_spec("playwright"),
        "Playwright for Python",
        "pip install -e '.[test,integration]'",
    )
    require(
        CHROMIUM.is_file(),
        f"Chromium ({CHROMIUM})",
        "apt-get install -y --no-install-recommends chromium",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    path = node_modules() / "axe-core" / "axe.min.js"
    require(path.is_file(), f"axe-core ({path})", NPM_HINT)
    return path
