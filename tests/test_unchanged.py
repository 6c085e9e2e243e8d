"""The memo around the whole build (`unchanged`): a build whose every input is the
last build's, into a tree that is still exactly what that build wrote, returns
the last result and writes nothing; a change to any input runs the pipeline.

Each test counts the pipeline's runs (`build._write`) and compares the tree with
a serial build without any cache, byte for byte.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from test_cache import NOW, Counter, demo, incident, reference, tree  # noqa: F401 - `demo`

from statusgen import build as build_module
from statusgen.build import build
from statusgen.cache import CACHE_DIR
from statusgen.errors import StatusgenError
from statusgen.privacy import SECRET_VARIABLES

EDITED = "content/incidents/2026-09-gen-03.md"
DAY_NS = 86_400 * 10**9


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(build_module._write)
    monkeypatch.setattr(build_module, "_write", counter)
    return counter


def age(site: Path) -> None:
    """Every source last written a day ago (no longer too new to trust its stat)."""
    then = time.time_ns() - DAY_NS
    for path in [site / "site.toml", *site.rglob("*")]:
        if CACHE_DIR not in path.parts and "public" not in path.parts and not path.is_symlink():
            os.utime(path, ns=(then, then))


def built(site: Path, now: str = NOW) -> dict[str, bytes]:
    return tree(build(site, now=now, cache=True).output)


def calls(counter: Counter) -> int:
    found, counter.calls = counter.calls, 0
    return found


def test_nothing_changed_runs_no_pipeline_and_returns_the_same_result(demo, runs, tmp_path):  # noqa: F811
    (demo / "content/news/2026-12-20-later.md").write_text(
        "---\ntitle: Later\ndate: 2026-12-20 10:00\nsummary: Soon.\n---\nSoon.\n",
        encoding="utf-8",
    )  # embargoed: a note, which the short-circuit must report too
    age(demo)
    first = build(demo, now=NOW, cache=True)
    assert calls(runs) == 1
    assert any(p.path == "content/news/2026-12-20-later.md" for p in first.warnings)
    again = build(demo, now=NOW, cache=True)
    assert calls(runs) == 0
    assert (again.files, again.bytes, again.warnings) == (first.files, first.bytes, first.warnings)
    assert again.manifest_data == first.manifest_data
    assert tree(again.output) == reference(demo, tmp_path)


def test_a_content_edit_is_built(demo, runs, tmp_path):  # noqa: F811
    age(demo)
    built(demo)
    (demo / EDITED).write_text(incident(3, body="Edited now."), encoding="utf-8")
    age(demo)
    out = built(demo)
    assert calls(runs) == 2
    assert b"Edited now." in out["incidents/2026-09-gen-03/index.html"]
    assert out == reference(demo, tmp_path)


def test_a_file_touched_with_the_same_bytes_runs_the_pipeline_then_skips(demo, runs, tmp_path):  # noqa: F811
    age(demo)
    before = built(demo)
    os.utime(demo / EDITED)  # now: a new mtime, the same bytes (and too new to trust)
    assert built(demo) == before
    assert built(demo) == before  # still within the racy window: no key recorded
    assert calls(runs) == 3
    age(demo)
    built(demo)  # records the key under the file's new stat
    assert built(demo) == before
    assert calls(runs) == 1
    assert before == reference(demo, tmp_path)


def test_a_site_toml_change_is_built(demo, runs, tmp_path):  # noqa: F811
    age(demo)
    built(demo)
    toml = demo / "site.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'title = "University of Eastbridge IT Services status"', 'title = "Renamed status"'
        ),
        encoding="utf-8",
    )
    age(demo)
    out = built(demo)
    assert calls(runs) == 2
    assert b"Renamed status" in out["index.html"]
    assert out == reference(demo, tmp_path)


def test_a_theme_file_change_is_built(demo, runs, tmp_path):  # noqa: F811
    (demo / "themes/default/static/extra.css").write_text("a { color: red }\n", encoding="utf-8")
    age(demo)
    built(demo)
    built(demo)
    assert calls(runs) == 1
    (demo / "themes/default/static/extra.css").write_text("a { color: blue }\n", encoding="utf-8")
    age(demo)
    out = built(demo)
    assert calls(runs) == 1
    assert out["static/extra.css"] == b"a { color: blue }\n"
    assert out == reference(demo, tmp_path)


def test_a_deleted_or_changed_output_file_is_made_again(demo, runs, tmp_path):  # noqa: F811
    age(demo)
    first = built(demo)
    public = demo / "public"
    (public / "index.html").unlink()
    assert built(demo) == first
    (public / "history/index.html").write_bytes(b"defaced")
    assert built(demo) == first
    assert calls(runs) == 3
    assert first == reference(demo, tmp_path)


def test_a_file_put_in_the_output_is_still_refused(demo, runs):  # noqa: F811
    age(demo)
    built(demo)
    (demo / "public/CNAME").write_text("status.example.ac.uk\n", encoding="utf-8")
    with pytest.raises(StatusgenError, match="CNAME"):
        built(demo)
    assert calls(runs) == 2


def test_a_new_build_time_is_built(demo, runs, tmp_path):  # noqa: F811
    age(demo)
    built(demo)
    later = "2026-11-29 09:00"  # the demo's Learn upgrade window is in progress then
    out = built(demo, later)
    assert calls(runs) == 2
    expected = tmp_path / "later"
    build(demo, output=expected, now=later, cache=False, jobs=1)
    assert out == tree(expected)
    window = "incidents/2026-11-29-eastbridge-learn-upgrade/index.html"
    before = reference(demo, tmp_path)
    assert out[window] != before[window]  # its state, not only the build time


def test_a_credential_in_the_environment_is_searched_for_again(demo, runs, monkeypatch):  # noqa: F811
    age(demo)
    built(demo)
    monkeypatch.setenv(SECRET_VARIABLES[0], "a-secret-value-1234")
    built(demo)
    assert calls(runs) == 2


def test_a_file_just_written_records_no_key(demo, runs):  # noqa: F811
    built(demo)  # the demo's files were written a moment ago
    built(demo)
    assert calls(runs) == 2


def test_a_site_without_its_cache_runs_the_pipeline(demo, runs, tmp_path):  # noqa: F811
    age(demo)
    built(demo)
    shutil.rmtree(demo / CACHE_DIR)
    out = built(demo)
    assert calls(runs) == 2
    assert out == reference(demo, tmp_path)


def test_a_build_at_the_clocks_time_spends_nothing_on_the_whole_build_key(
    demo,  # noqa: F811
    runs,
    monkeypatch,
) -> None:
    """Without --now the build time is the clock's and in the output: no key could
    repeat, so none is made (no stat of every source, no theme digest)."""
    from statusgen import keys

    age(demo)
    stamps = Counter(keys.source_stamps)
    monkeypatch.setattr(keys, "source_stamps", stamps)
    build(demo, cache=True)
    build(demo, cache=True)
    assert (calls(runs), stamps.calls) == (2, 0)
    build(demo, now=NOW, cache=True)
    assert stamps.calls == 1
