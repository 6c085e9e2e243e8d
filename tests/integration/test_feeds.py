"""Every RSS and Atom feed of the demo build, as feedparser and a validator's rules see it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from .feedcheck import check_feed
from .support import Demo, require

pytestmark = pytest.mark.integration


def _feeds(demo: Demo) -> list[Path]:
    feeds = sorted(p for p in demo.output.rglob("*") if p.suffix in (".rss", ".atom"))
    names = {p.relative_to(demo.output).as_posix() for p in feeds}
    expected = {
        f"feeds/{name}.{ext}" for name in ("all", "incidents", "news") for ext in ("rss", "atom")
    }
    assert expected <= names, f"missing feeds: {sorted(expected - names)}"
    return feeds


def test_feedparser_reads_every_feed_without_bozo(demo: Demo) -> None:
    require(importlib.util.find_spec("feedparser"), "feedparser", "pip install -e '.[test]'")
    import feedparser

    problems = []
    for path in _feeds(demo):
        parsed = feedparser.parse(path.read_bytes())
        name = path.relative_to(demo.output).as_posix()
        want = "rss20" if path.suffix == ".rss" else "atom10"
        if parsed.bozo:
            problems.append(f"{name}: bozo: {parsed.bozo_exception!r}")
        if parsed.version != want:
            problems.append(f"{name}: feedparser sees version {parsed.version!r}, not {want!r}")
        if not parsed.entries:
            problems.append(f"{name}: no entries")
    assert not problems, "\n".join(problems)


def test_every_feed_follows_the_validator_rules(demo: Demo) -> None:
    problems = []
    for path in _feeds(demo):
        name = path.relative_to(demo.output).as_posix()
        problems += [f"{name}: {p}" for p in check_feed(path.read_bytes(), demo.url_of(path))]
    assert not problems, f"{len(problems)} feed problem(s):\n" + "\n".join(problems)
