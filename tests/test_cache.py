"""The build cache: hits, misses, invalidation, and bytes equal to an uncached build.

Every test builds a copy of the demo site (plus a few generated entries)
with the cache, and compares the output tree, byte for byte, with a serial
build without any cache (`render_site`'s path). Work is counted by wrapping
the functions that do it (parsing, Markdown, page rendering), never timed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from statusgen import cache as cache_module
from statusgen import codec, markup, stages
from statusgen.build import build, check, load_site
from statusgen.cache import CACHE_DIR, MIN_FILES, Session
from statusgen.errors import ProblemsError
from statusgen.render import html

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-24 12:00"


def incident(number: int, *, body: str = "", extra: str = "") -> str:
    day = 1 + number % 27
    return (
        "---\n"
        f'title: "Generated incident {number}"\n'
        "services: [email, vpn]\n"
        "impact: partial_outage\n"
        f"started: 2026-09-{day:02d} 10:{number % 60:02d}\n"
        f"resolved: 2026-09-{day:02d} 12:00\n"
        "updates:\n"
        f"  - at: 2026-09-{day:02d} 10:{number % 60:02d}\n"
        "    status: investigating\n"
        f"    message: Looking into **report {number}**.\n"
        f"  - at: 2026-09-{day:02d} 12:00\n"
        "    status: resolved\n"
        "    message: Fixed.\n"
        f"{extra}"
        "---\n"
        f"{body or f'Details of incident {number}, with a [link](https://example.org/{number}).'}\n"
    )


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The repository's demo site, copied, with a dozen generated incidents."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(REPO / "site.toml", site / "site.toml")
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(REPO / "themes", site / "themes")
    for number in range(12):
        (site / "content/incidents" / f"2026-09-gen-{number:02d}.md").write_text(
            incident(number), encoding="utf-8"
        )
    return site


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def reference(site: Path, tmp_path: Path, name: str = "reference") -> dict[str, bytes]:
    """What a serial build without a cache writes, into a folder of its own."""
    out = tmp_path / name
    build(site, output=out, now=NOW, cache=False, jobs=1)
    return tree(out)


def cached(site: Path, **kwargs: object) -> dict[str, bytes]:
    """A build with the cache, as a new process would run it (nothing in memory)."""
    result = build(site, now=NOW, cache=True, **kwargs)  # type: ignore[arg-type]
    return tree(result.output)


class Counter:
    """Wraps a function and counts its calls."""

    def __init__(self, function: Callable[..., object]) -> None:
        self.function = function
        self.calls = 0

    def __call__(self, *args: object, **kwargs: object) -> object:
        self.calls += 1
        return self.function(*args, **kwargs)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(stages.parse_entry)
    monkeypatch.setattr(stages, "parse_entry", counter)
    return counter


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(html._Renderer.entry_page)
    monkeypatch.setattr(html._Renderer, "entry_page", lambda self, e: counter(self, e))
    return counter


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    counter = Counter(markup.convert)
    monkeypatch.setattr(markup, "convert", counter)
    markup._to_html.cache_clear()
    markup._to_text.cache_clear()
    yield counter
    markup._to_html.cache_clear()
    markup._to_text.cache_clear()


def content_files(site: Path) -> int:
    return len(list((site / "content").rglob("*.md")))


# --- hits and misses ----------------------------------------------------------------------


def test_a_cached_build_writes_what_an_uncached_one_writes(demo, tmp_path, parses, pages):
    expected = reference(demo, tmp_path)
    parses.calls = pages.calls = 0
    assert cached(demo) == expected
    assert parses.calls == content_files(demo)
    assert pages.calls > 0
    assert (demo / CACHE_DIR).is_dir()

    parses.calls = pages.calls = 0
    assert cached(demo) == expected  # nothing changed: nothing parsed or rendered again
    assert parses.calls == 0
    assert pages.calls == 0


def test_markdown_is_converted_once(demo, conversions):
    cached(demo)
    assert conversions.calls > 0
    conversions.calls = 0
    markup._to_html.cache_clear()
    markup._to_text.cache_clear()
    cached(demo)
    assert conversions.calls == 0


def test_without_the_cache_each_text_is_converted_once_and_nothing_stays(demo, conversions):
    # Markdown is a stage of its own, with a memo for this build only: every text
    # once, however many outputs quote it, and nothing left for the next build.
    site, _, _, _ = load_site(demo, now=NOW)
    entries = (*site.incidents, *site.maintenances, *site.news)
    distinct = {t for e in entries for t in stages.texts(e) if t.strip()}
    conversions.calls = 0
    result = build(demo, now=NOW, cache=False, jobs=1)
    assert conversions.calls == len(distinct)
    assert result.files > len(entries)  # pages, feeds and the API quote the texts too
    assert markup._converted.get() is None
    assert not (demo / CACHE_DIR).exists()


def test_an_edited_file_is_parsed_and_rendered_again_and_only_it(demo, tmp_path, parses, pages):
    cached(demo)
    edited = demo / "content/incidents/2026-09-gen-03.md"
    edited.write_text(incident(3, body="A new paragraph about the cause."), encoding="utf-8")
    parses.calls = pages.calls = 0
    after = cached(demo)
    assert parses.calls == 1
    assert pages.calls == 1
    assert after == reference(demo, tmp_path)


def test_one_file_edits_give_the_bytes_of_a_cold_build(demo, tmp_path):
    """Edit, add and delete entries between cached builds; each output is a cold one's."""
    cached(demo)
    steps: list[Callable[[], object]] = [
        lambda: (demo / "content/incidents/2026-09-gen-05.md").write_text(
            incident(5, extra="reference: CHG-5\n"), encoding="utf-8"
        ),
        lambda: (demo / "content/incidents/2026-09-gen-99.md").write_text(
            incident(99), encoding="utf-8"
        ),
        lambda: (demo / "content/incidents/2026-09-gen-01.md").unlink(),
        lambda: (demo / "content/incidents/2026-09-gen-02.md").write_text(
            incident(2)
            .replace("resolved: 2026-09-03 12:00\n", "")
            .replace("  - at: 2026-09-03 12:00\n    status: resolved\n    message: Fixed.\n", ""),
            encoding="utf-8",
        ),
    ]
    for number, step in enumerate(steps):
        step()
        assert cached(demo) == reference(demo, tmp_path, f"reference-{number}"), number


def test_a_changed_time_zone_invalidates_every_parsed_file(demo, parses):
    cached(demo)
    toml = demo / "site.toml"
    toml.write_text(
        toml.read_text().replace('timezone = "Europe/London"', 'timezone = "Europe/Dublin"')
    )
    parses.calls = 0
    cached(demo)
    assert parses.calls == content_files(demo)


def test_a_changed_service_catalogue_invalidates_every_parsed_file(demo, parses):
    cached(demo)
    toml = demo / "site.toml"
    toml.write_text(toml.read_text() + '\n[[services]]\nid = "extra"\nname = "Extra"\n')
    parses.calls = 0
    cached(demo)
    assert parses.calls == content_files(demo)


def test_a_changed_site_title_renders_pages_again_but_parses_nothing(demo, tmp_path, parses, pages):
    cached(demo)
    toml = demo / "site.toml"
    toml.write_text(toml.read_text().replace("title = ", 'title = "New" #', 1))
    expected = reference(demo, tmp_path)
    parses.calls = pages.calls = 0
    assert cached(demo) == expected
    assert parses.calls == 0
    assert pages.calls > 0


def test_a_new_statusgen_version_starts_from_an_empty_cache(demo, parses, monkeypatch):
    cached(demo)
    old = [p.name for p in (demo / CACHE_DIR).iterdir()]
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    parses.calls = 0
    cached(demo)
    assert parses.calls == content_files(demo)
    now = [p.name for p in (demo / CACHE_DIR).iterdir()]
    assert len(now) == 1 and now != old and now[0].startswith("99.0.0-")


# --- robustness ---------------------------------------------------------------------------


def test_a_corrupt_cache_is_ignored(demo, tmp_path, parses):
    expected = reference(demo, tmp_path)
    cached(demo)
    for path in (demo / CACHE_DIR).rglob("*"):
        if path.is_file() and "trees" not in path.parts:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2] + b"\xff garbage")
    parses.calls = 0
    assert cached(demo) == expected
    assert parses.calls == content_files(demo)


def test_a_cache_of_another_shape_is_ignored(demo, tmp_path):
    expected = reference(demo, tmp_path)
    cached(demo)
    for path in (demo / CACHE_DIR).rglob("*"):
        if path.is_file() and "trees" not in path.parts:
            cache_module.write_blob(path, {"not": ["what", "was", "stored"]})
    assert cached(demo) == expected


def test_a_deleted_cache_gives_the_same_output(demo, tmp_path):
    expected = reference(demo, tmp_path)
    assert cached(demo) == expected
    shutil.rmtree(demo / CACHE_DIR)
    assert cached(demo) == expected
    assert cached(demo) == expected


def test_an_output_changed_behind_the_cache_is_put_right(demo, tmp_path):
    expected = reference(demo, tmp_path)
    cached(demo)
    cached(demo)  # now there is a spare tree too
    public = demo / "public"
    page = next(p for p in sorted(public.glob("incidents/*/index.html")))
    page.write_bytes(b"edited by hand")  # a new file: new inode, size and mtime
    with open(public / "index.html", "ab") as handle:  # in place: shared with the spare
        handle.write(b"appended")
    (public / "robots.txt").unlink()
    assert cached(demo) == expected
    assert cached(demo) == expected


def test_a_spare_tree_left_half_done_is_discarded(demo, tmp_path):
    expected = reference(demo, tmp_path)
    cached(demo)
    cached(demo)
    spare = next((demo / CACHE_DIR).glob("*/trees/*"))
    (spare / "stray.html").write_bytes(b"left by a killed build")
    for index in (demo / CACHE_DIR).glob("*/outputs/*.spare"):
        index.unlink()  # what a build killed while changing the spare leaves
    assert cached(demo) == expected


def test_an_unwritable_cache_folder_is_no_error(demo, tmp_path, monkeypatch):
    expected = reference(demo, tmp_path)

    class Refusing:
        """The os module, as seen from cache.py, where no file can be renamed into place."""

        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        @staticmethod
        def replace(*args: object) -> None:
            raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache_module, "os", Refusing())
    assert cached(demo) == expected
    assert cached(demo) == expected


# --- problems -------------------------------------------------------------------------------


def test_warnings_are_reported_from_the_cache_too(demo, parses):
    (demo / "content/incidents/2026-10-25-fold.md").write_text(
        "---\n"
        "title: In the hour that happens twice\n"
        "services: [email]\n"
        "impact: degraded_performance\n"
        "started: 2026-10-25 01:30\n"
        "resolved: 2026-10-25 03:00\n"
        "---\n",
        encoding="utf-8",
    )
    first = build(demo, now=NOW, cache=True).warnings
    assert any("happens twice" in w.message for w in first)
    parses.calls = 0
    again = build(demo, now=NOW, cache=True).warnings
    assert parses.calls == 0
    assert again == first
    assert check(demo, cache=True) == check(demo, cache=False)


def test_errors_are_reported_from_the_cache_too(demo, parses):
    (demo / "content/incidents/broken.md").write_text(
        incident(8).replace("impact: partial_outage", "impact: major"), encoding="utf-8"
    )
    with pytest.raises(ProblemsError) as first:
        build(demo, now=NOW, cache=True)
    parses.calls = 0
    with pytest.raises(ProblemsError) as again:
        build(demo, now=NOW, cache=True)
    assert parses.calls == 0
    assert again.value.problems == first.value.problems
    assert any(p.path == "content/incidents/broken.md" for p in again.value.problems)


def test_check_with_the_cache_finds_what_check_without_finds(demo):
    cached(demo)
    leak = demo / "content/incidents/2026-09-gen-04.md"
    leak.write_text(incident(4, body="Failover to srv-42 worked."), encoding="utf-8")
    with_cache = check(demo, cache=True)
    assert with_cache == check(demo, cache=False)
    assert any("srv-42" in p.message for p in with_cache)
    assert check(demo, cache=True) == with_cache


def test_a_privacy_failure_with_the_cache_leaves_the_output(demo):
    before = cached(demo)
    leak = demo / "content/incidents/2026-09-gen-04.md"
    leak.write_text(incident(4, body="Failover to srv-42 worked."), encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        build(demo, now=NOW, cache=True)
    assert any("srv-42" in p.message for p in caught.value.problems)
    assert tree(demo / "public") == before


# --- where the cache applies -------------------------------------------------------------------


def test_a_small_site_gets_no_cache_folder_unless_asked(demo, tmp_path):
    assert content_files(demo) < MIN_FILES
    build(demo, now=NOW)
    assert not (demo / CACHE_DIR).exists()
    build(demo, now=NOW, cache=True)
    assert (demo / CACHE_DIR).is_dir()
    build(demo, now=NOW)  # a site with a cache folder keeps using it
    assert sorted(os.listdir(demo / CACHE_DIR))


def test_a_large_site_gets_a_cache_folder(demo, monkeypatch):
    monkeypatch.setattr(cache_module, "MIN_FILES", 5)
    build(demo, now=NOW)
    assert (demo / CACHE_DIR).is_dir()


def test_manifest_fragments_kept_in_the_cache_join_to_manifest_py_s_bytes(tmp_path):
    # One encoder: the cached manifest is manifest.py's fragments, joined. Kept,
    # they must give the bytes of `build_manifest` cold, warm, and once a window
    # moved (its SEQUENCE goes up) or time passed (its state changed).
    from conftest import NOW as MODEL_NOW
    from conftest import at, make_site

    from statusgen.manifest import build_manifest, windows_of
    from statusgen.memo import Shards
    from statusgen.model import Source
    from statusgen.stages import manifest_file
    from statusgen.status import derive

    site = make_site()
    site = replace(
        site,
        maintenances=tuple(
            replace(m, source=Source(f"content/incidents/{m.id}.md", digest=m.id))
            for m in site.maintenances
        ),
    )
    store = Shards(tmp_path / "manifest", 4)
    moved = replace(site.maintenances[0], start=at("2026-11-29 07:00"))
    later = replace(site, maintenances=(moved, *site.maintenances[1:]))
    previous = None
    for now_site, now in [
        (site, MODEL_NOW),
        (site, MODEL_NOW),
        (later, MODEL_NOW + timedelta(days=6)),
    ]:
        status = derive(now_site, now)
        expected = build_manifest(now_site, status, previous)
        made = manifest_file(now_site, status, windows_of(previous), store)
        assert made.data == expected.to_bytes()
        assert made.windows == windows_of(expected)
        previous = expected
    assert any(window[4] == 1 for window in made.windows.values())  # its sequence
    assert len(list(store.loaded())) > 0 and store.dirty


def test_a_build_served_at_another_address_keeps_its_own_output(demo, tmp_path, pages):
    """`serve` builds the same site for its own address into its own folder."""
    out = tmp_path / "served"
    build(demo, output=out, now=NOW, cache=True, base_url="http://127.0.0.1:8000/")
    cached(demo)
    pages.calls = 0
    build(demo, output=out, now=NOW, cache=True, base_url="http://127.0.0.1:8000/")
    assert pages.calls == 0
    plain = tmp_path / "plain"
    build(demo, output=plain, now=NOW, cache=False, jobs=1, base_url="http://127.0.0.1:8000/")
    assert tree(out) == tree(plain)


def test_a_process_that_builds_again_keeps_what_it_made(demo, tmp_path, monkeypatch):
    """`serve` builds in one process: its later builds make no entry again."""
    expected = reference(demo, tmp_path)
    made = Counter(codec.load)
    monkeypatch.setattr(codec, "load", made)
    monkeypatch.setattr(codec, "load_or_none", made)
    session = Session()  # what serve holds
    assert tree(build(demo, now=NOW, cache=True, session=session).output) == expected
    made.calls = 0
    assert tree(build(demo, now=NOW, cache=True, session=session).output) == expected
    assert made.calls == 0
    # Without the session, a build reads the entries back from the folder.
    assert tree(build(demo, now=NOW, cache=True).output) == expected
    assert made.calls == content_files(demo)
    edited = demo / "content/incidents/2026-09-gen-06.md"
    edited.write_text(incident(6, body="Changed while serving."), encoding="utf-8")
    again = reference(demo, tmp_path, "again")  # without the cache: it makes every entry
    made.calls = 0
    assert tree(build(demo, now=NOW, cache=True, session=session).output) == again
    assert made.calls == 1  # the edited file, parsed and made once


def test_an_output_outside_the_site_keeps_its_spare_in_the_cache(demo, tmp_path):
    """Never beside the output, which may be in a web root; and when that folder
    goes (`serve`'s scratch folder), the next build deletes its spare and index."""
    scratch = tmp_path / "scratch"
    out = scratch / "site"
    for _ in range(3):
        build(demo, output=out, now=NOW, cache=True)
    assert sorted(p.name for p in scratch.iterdir()) == ["site"]
    assert len(list((demo / CACHE_DIR).glob("*/trees/*"))) == 1
    indexes = sorted((demo / CACHE_DIR).glob("*/outputs/*"))
    assert indexes
    shutil.rmtree(scratch)
    public = cached(
        demo
    )  # a later build forgets the index and the spare of the folder that is gone
    left = {p.suffix for p in (demo / CACHE_DIR).glob("*/outputs/*")}
    assert sorted((demo / CACHE_DIR).glob("*/outputs/*.dest"))
    assert len(list((demo / CACHE_DIR).glob("*/outputs/*.dest"))) == 1
    assert left <= {".live", ".spare", ".dest"}
    # What is left is public/'s own spare: its first build links it to its output.
    (spare,) = (demo / CACHE_DIR).glob("*/trees/*")
    assert tree(spare) == public


def test_the_site_named_by_a_relative_path_is_the_same_site(demo, pages, monkeypatch):
    cached(demo)
    monkeypatch.chdir(demo.parent)
    pages.calls = 0
    build(Path(demo.name), now=NOW, cache=True)
    assert pages.calls == 0
