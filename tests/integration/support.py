"""Helpers of the integration tests: where the tools are, and the tool guard.

Every integration test needs a tool that is not a dependency of statusgen
(Java, Chromium, npm packages, an exporter). Locally a missing tool skips
the test and says how to install it; in CI (``CI=true``) it fails, so CI
can never go green by skipping.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOW = "2026-11-24 12:00"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("STATUSGEN_CHROMIUM", "/usr/bin/chromium"))
# Debian's Chromium as root, on a machine with no outside network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")

NPM_HINT = (
    'npm install --prefix "${XDG_CACHE_HOME:-$HOME/.cache}/statusgen-ci" --ignore-scripts '
    "vnu-jar axe-core "
    "(or point STATUSGEN_NODE_MODULES at a node_modules folder that holds them)"
)


def require(available: object, what: str, how: str) -> None:
    """Skip (locally) or fail (in CI) unless `available` is truthy."""
    if available:
        return
    message = f"{what} is missing; install it with: {how}"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def node_modules() -> Path:
    """Where `.ci/run` puts the npm packages (vnu-jar, axe-core)."""
    configured = os.environ.get("STATUSGEN_NODE_MODULES")
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "statusgen-ci" / "node_modules"


@dataclass(frozen=True)
class Demo:
    """The repository's demo site, built at NOW."""

    output: Path
    base_url: str  # site.toml's, with a trailing "/"
    services: dict[str, str]  # id -> name, in site.toml's order
    groups: dict[str, tuple[str, ...]]  # group name -> its service ids

    def url_of(self, path: Path) -> str:
        """The public URL of an output file, as feeds and the API spell it."""
        return self.base_url + path.relative_to(self.output).as_posix()


# The demo's ongoing incident at NOW, and the one service it affects.
ONGOING_INCIDENT = "2026-11-24-eduroam-authentication-failures"
ONGOING_SERVICE = "wifi"
# Its scheduled maintenance window (29 Nov, 07:00-12:00 UTC) and a news post.
UPCOMING_WINDOW = "2026-11-29-eastbridge-learn-upgrade"
NEWS_POST = "2026-11-10-phishing-warning"
