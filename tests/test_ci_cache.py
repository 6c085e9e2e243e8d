"""A CI build: a fresh checkout, no output folder, and ``.statusgen-cache/`` restored.

`init`'s workflows save ``.statusgen-cache/`` after a build and restore it into
the next run's checkout (which may be at another path). Restoring makes new
files: new inodes, the same bytes. Such a build must reuse what the cache
holds (parsed files, Markdown, rendered pages) and write what a cold build
writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_cache import NOW, Counter, demo, incident, reference, tree  # noqa: F401 - `demo`

from statusgen import markup, stages
from statusgen.build import build
from statusgen.cache import CACHE_DIR
from statusgen.render import html


def checkout(site: Path, where: Path) -> Path:
    """What a CI run starts from: the site's files at `where`, no output folder, and
    the cache the last run saved, restored as new files (copied: new inodes)."""
    shutil.copytree(site, where, ignore=shutil.ignore_patterns("public", CACHE_DIR))
    if (site / CACHE_DIR).is_dir():
        shutil.copytree(site / CACHE_DIR, where / CACHE_DIR)
    return where


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, Counter]:
    """Parses, entry pages rendered and Markdown texts converted."""
    found = {
        "parse": Counter(stages.parse_entry),
        "page": Counter(html._Renderer.entry_page),
        "markdown": Counter(markup.convert),
    }
    monkeypatch.setattr(stages, "parse_entry", found["parse"])
    monkeypatch.setattr(html._Renderer, "entry_page", lambda self, e: found["page"](self, e))
    monkeypatch.setattr(markup, "convert", found["markdown"])
    markup._to_html.cache_clear()
    markup._to_text.cache_clear()
    return found


def calls(counted: dict[str, Counter]) -> dict[str, int]:
    made = {name: counter.calls for name, counter in counted.items()}
    for counter in counted.values():
        counter.calls = 0
    return made


def test_a_restored_cache_alone_makes_a_ci_build_incremental(demo, tmp_path, counted):  # noqa: F811
    build(demo, now=NOW, cache=True)  # the first run: cold, and its cache is saved
    expected = reference(demo, tmp_path)
    calls(counted)
    run = checkout(demo, tmp_path / "run-2" / "site")  # another path, as a CI runner may give
    result = build(run, now=NOW, cache=True)
    assert tree(result.output) == expected
    assert calls(counted) == {"parse": 0, "page": 0, "markdown": 0}


def test_one_edit_in_ci_parses_converts_and_renders_only_it(demo, tmp_path, counted):  # noqa: F811
    build(demo, now=NOW, cache=True)
    previous = demo
    for number in range(2):  # and the run after that, from the cache this one saved
        run = checkout(previous, tmp_path / f"run-{number}" / "site")
        edited = run / "content/incidents/2026-09-gen-03.md"
        edited.write_text(incident(3, body=f"The cause, take {number}."), encoding="utf-8")
        expected = reference(run, tmp_path, f"reference-{number}")
        calls(counted)
        result = build(run, now=NOW, cache=True)
        assert tree(result.output) == expected, number
        assert calls(counted) == {"parse": 1, "page": 1, "markdown": 1}, number
        previous = run


def test_a_restored_spare_whose_bytes_changed_is_not_trusted(demo, tmp_path, counted):  # noqa: F811
    """The restored tree is proven by its bytes (SHA-256), not by its index."""
    build(demo, now=NOW, cache=True)
    expected = reference(demo, tmp_path)
    run = checkout(demo, tmp_path / "run" / "site")
    spare = next((run / CACHE_DIR).glob("*/trees/*"))
    page = next(spare.glob("incidents/*/index.html"))
    page.write_bytes(page.read_bytes().replace(b"<", b">"))  # the same size, other bytes
    calls(counted)
    assert tree(build(run, now=NOW, cache=True).output) == expected
    assert calls(counted)["page"] == 1  # that page alone is rendered again


def test_a_local_rebuild_after_a_first_build_stages_in_the_spare(demo, tmp_path):  # noqa: F811
    """The first build leaves a spare of hard links to its output, so the second
    (and CI's next run) has a tree to stage in."""
    result = build(demo, now=NOW, cache=True)
    spare = next((demo / CACHE_DIR).glob("*/trees/*"))
    page = next(result.output.glob("incidents/*/index.html"))
    twin = spare / page.relative_to(result.output)
    assert twin.stat().st_ino == page.stat().st_ino
    assert tree(spare) == tree(result.output)
    assert tree(build(demo, now=NOW, cache=True).output) == reference(demo, tmp_path)
