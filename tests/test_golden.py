"""The golden build: the fixture site's output bytes are the contract.

`tests/fixtures/golden/site` has one of each thing a page shows (an ongoing
and a resolved incident, one across the autumn clock change, maintenance
scheduled, in progress and completed, news, grouped and ungrouped services).
Built at `NOW`, its every output file must equal, byte for byte, the file of
the same path under `tests/golden/expected/`, with no file missing and none
extra, whichever way the build runs: with the cache or without, serial or on
several cores. A change that means to change the output regenerates the
expected files and commits them with it, so the diff shows what it changed:

    python tests/test_golden.py --regenerate
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from test_cache import Counter, tree

from statusgen import pool, stages
from statusgen.build import build

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "golden" / "site"
EXPECTED = HERE / "golden" / "expected"
NOW = "2026-11-24 12:00"
"""The pinned build time: the ongoing incident is open, one window in progress."""

_SHOWN = 160
"""Characters of a differing line shown in a failure."""


def build_fixture(work: Path, output: Path, *, cache: bool, jobs: int) -> dict[str, bytes]:
    """Build a copy of the fixture site (the cache lives in the site folder, so
    never in the repository's copy) into `output`; return what it wrote."""
    site = work / "site"
    if not site.exists():
        shutil.copytree(FIXTURE, site)
    build(site, output=output, now=NOW, cache=cache, jobs=jobs)
    return tree(output)


def differences(expected: dict[str, bytes], actual: dict[str, bytes]) -> list[str]:
    """One line per file that differs: missing, extra, or its first differing line."""
    found = [f"{path}: missing (expected, not built)" for path in sorted(expected.keys() - actual)]
    found += [f"{path}: extra (built, not expected)" for path in sorted(actual.keys() - expected)]
    for path in sorted(expected.keys() & actual.keys()):
        if expected[path] != actual[path]:
            found.append(f"{path}: {first_difference(expected[path], actual[path])}")
    return found


def assert_golden(expected: dict[str, bytes], actual: dict[str, bytes]) -> None:
    found = differences(expected, actual)
    if found:
        pytest.fail(
            "the build differs from tests/golden/expected/ (if meant: python "
            "tests/test_golden.py --regenerate, and commit the diff):\n" + "\n".join(found),
            pytrace=False,
        )


def first_difference(expected: bytes, actual: bytes) -> str:
    """``line 12, column 80: expected '...' got '...'``, each side cut to the part
    around the first differing character (a minified line can be long)."""
    want, got = expected.splitlines(keepends=True), actual.splitlines(keepends=True)
    for number, (a, b) in enumerate(zip(want, got, strict=False), 1):
        if a != b:
            column = next(
                (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)),
            )
            where = f"line {number}, column {column + 1}"
            return f"{where}: expected {_cut(a, column)} got {_cut(b, column)}"
    number = min(len(want), len(got)) + 1
    if len(want) > len(got):
        return f"line {number}: expected {_cut(want[number - 1])} got end of file"
    return f"line {number}: expected end of file got {_cut(got[number - 1])}"


def _cut(line: bytes, column: int = 0) -> str:
    """The line from a little before `column`, at most `_SHOWN` bytes of it."""
    start = max(column - _SHOWN // 4, 0)
    part = line[start : start + _SHOWN]
    return ("..." if start else "") + repr(part) + ("..." if start + _SHOWN < len(line) else "")


@pytest.fixture
def golden() -> dict[str, bytes]:
    if not EXPECTED.is_dir():
        pytest.fail(f"no {EXPECTED}: run python tests/test_golden.py --regenerate")
    return tree(EXPECTED)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """The fixture is small: bring the thresholds down, so that jobs=2 runs the
    parallel path rather than the serial one; count the pools it starts."""
    for threshold in ("MIN_FILES", "MIN_TEXTS", "MIN_PAGES"):
        monkeypatch.setattr(stages, threshold, 1)
    counter = Counter(pool.Pool._forked)

    def forked(self: pool.Pool, fn: object, items: object, count: int) -> object:
        # Whatever the probe would find on this (shared) machine: the test is
        # that forked workers write the bytes of a serial build.
        self._pays[count] = True
        return counter(self, fn, items, count)

    monkeypatch.setattr(pool.Pool, "_forked", forked)
    return counter


def pools_expected(jobs: int) -> int:
    """Forked maps a cold build runs (parsing, Markdown, then pages): none serially,
    nor in a process that may not fork (another test left a thread running)."""
    return 3 if jobs > 1 and pool.can_fork() else 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_without_the_cache_writes_the_golden_bytes(golden, tmp_path, pools, jobs):
    built = build_fixture(tmp_path, tmp_path / "out", cache=False, jobs=jobs)
    assert_golden(golden, built)
    assert pools.calls == pools_expected(jobs)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_with_the_cache_writes_the_golden_bytes_cold_and_warm(
    golden, tmp_path, pools, jobs
):
    cold = build_fixture(tmp_path, tmp_path / "out", cache=True, jobs=jobs)
    assert_golden(golden, cold)
    assert pools.calls == pools_expected(jobs)
    assert (tmp_path / "site" / ".statusgen-cache").is_dir()  # the cache was used
    # Again into the same folder: everything comes from the cache and the index.
    warm = build_fixture(tmp_path, tmp_path / "out", cache=True, jobs=jobs)
    assert_golden(golden, warm)
    # And into a new folder, from the cache alone.
    fresh = build_fixture(tmp_path, tmp_path / "other", cache=True, jobs=jobs)
    assert_golden(golden, fresh)


def test_the_golden_folder_stays_small(golden):
    assert sum(len(data) for data in golden.values()) < 1_000_000


def test_a_difference_names_the_file_and_its_first_differing_line():
    expected = {"a.html": b"one\ntwo\nthree\n", "gone.json": b"{}", "same": b"x"}
    actual = {"a.html": b"one\nTWO\nthree\n", "new.css": b"", "same": b"x"}
    assert differences(expected, actual) == [
        "gone.json: missing (expected, not built)",
        "new.css: extra (built, not expected)",
        "a.html: line 2, column 1: expected b'two\\n' got b'TWO\\n'",
    ]
    assert first_difference(b"a\nb\n", b"a\n") == "line 2: expected b'b\\n' got end of file"
    assert first_difference(b"a", b"a\nb") == "line 1, column 2: expected b'a' got b'a\\n'"
    # A long line is shown around its first difference, not whole.
    long = first_difference(b"x" * 1000 + b"<b>", b"x" * 1000 + b"<i>")
    assert long.startswith("line 1, column 1002: expected ...b'xxx")
    assert long.endswith("<b>' got ...b'" + "x" * (_SHOWN // 4 - 1) + "<i>'")


def regenerate() -> None:
    """Write the expected files afresh from a serial build without the cache."""
    with tempfile.TemporaryDirectory() as work:
        built = build_fixture(Path(work), Path(work) / "out", cache=False, jobs=1)
    if EXPECTED.exists():
        shutil.rmtree(EXPECTED)
    for path, data in built.items():
        target = EXPECTED / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    sys.stdout.write(f"wrote {len(built)} files to {EXPECTED}\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_golden.py --regenerate")
    regenerate()
