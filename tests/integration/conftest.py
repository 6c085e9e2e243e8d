"""The demo site (the repository itself) built once per session, and served on loopback."""

from __future__ import annotations

import functools
import threading
import tomllib
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from statusgen.build import build

from .support import NOW, REPO, Demo


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
