"""Stat-based skipping: a content file whose size, mtime and inode are the ones the
cache recorded is not read again; its recorded SHA-256 stands for its bytes.

The content hash stays the proof: any other stat is read and hashed, and a file
is parsed again only when its hash changed. A file written within the last
moments is never skipped by its stat (`stages.RACY_NS`): a second edit in the
same clock tick, of the same size, would have the same stat.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_cache import NOW, Counter, cached, demo, incident, reference  # noqa: F401 - `demo`

from statusgen import stages
from statusgen.build import build

EDITED = "content/incidents/2026-09-gen-03.md"
DAY_NS = 86_400 * 10**9


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(stages.read_source)
    monkeypatch.setattr(stages, "read_source", counter)
    return counter


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(stages.parse_entry)
    monkeypatch.setattr(stages, "parse_entry", counter)
    return counter


def age(site: Path) -> None:
    """Every content file last written a day ago (no longer within the racy window)."""
    then = time.time_ns() - DAY_NS
    for path in (site / "content").rglob("*.md"):
        os.utime(path, ns=(then, then))


def stat(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


def counts(*counters: Counter) -> list[int]:
    found = [c.calls for c in counters]
    for counter in counters:
        counter.calls = 0
    return found


def test_an_unchanged_file_is_not_read_again(demo, reads, parses):  # noqa: F811
    age(demo)
    cached(demo)
    assert counts(reads, parses) == [len(list((demo / "content").rglob("*.md")))] * 2
    cached(demo)
    assert counts(reads, parses) == [0, 0]


def test_a_file_touched_with_the_same_bytes_is_read_but_not_parsed(demo, reads, parses):  # noqa: F811
    age(demo)
    cached(demo)
    counts(reads, parses)
    os.utime(demo / EDITED)  # now: a new mtime, the same bytes
    cached(demo)
    assert counts(reads, parses) == [1, 0]
    age(demo)
    cached(demo)  # recorded with its new stat: skipped again once it is old enough
    cached(demo)
    assert counts(reads, parses)[1] == 0


def test_a_change_of_size_within_one_mtime_is_a_miss(demo, tmp_path, reads, parses):  # noqa: F811
    age(demo)
    cached(demo)
    path = demo / EDITED
    before = stat(path)
    with open(path, "r+b") as handle:  # in place: the same inode
        handle.seek(0, os.SEEK_END)
        handle.write(b"One more line.\n")
    os.utime(path, ns=(before[1], before[1]))  # the same mtime, as a coarse clock gives
    assert stat(path)[1:] == before[1:] and stat(path)[0] != before[0]
    counts(reads, parses)
    after = cached(demo)
    assert counts(reads, parses) == [1, 1]
    assert after == reference(demo, tmp_path)


@pytest.mark.parametrize("same_bytes", [True, False])
def test_another_inode_with_the_same_size_and_mtime_is_hashed_again(
    demo,  # noqa: F811
    tmp_path,
    reads,
    parses,
    same_bytes,
):
    """A file replaced by rename (an editor's save, a checkout) is another inode."""
    age(demo)
    cached(demo)
    path = demo / EDITED
    before = stat(path)
    data = path.read_bytes()
    new = data if same_bytes else data.replace(b"Looking into", b"Looking at!!")
    assert len(new) == len(data)
    replacement = path.with_name(".replacement")
    replacement.write_bytes(new)
    os.utime(replacement, ns=(before[1], before[1]))
    os.replace(replacement, path)
    assert stat(path)[:2] == before[:2] and stat(path)[2] != before[2]
    counts(reads, parses)
    after = cached(demo)
    assert counts(reads, parses) == [1, 0 if same_bytes else 1]
    assert after == reference(demo, tmp_path)


def test_a_file_written_just_now_is_not_trusted_by_its_stat(demo, tmp_path, reads, parses):  # noqa: F811
    """Two saves in one clock tick, of the same size, have the same stat: a stamp
    taken while the file is that new is not kept, so the second save is seen."""
    age(demo)
    path = demo / EDITED
    path.write_text(incident(3, body="First save."), encoding="utf-8")  # mtime: now
    cached(demo)
    first = stat(path)
    with open(path, "r+b") as handle:  # the second save: same size, same inode
        second = handle.read().replace(b"First save.", b"Other save.")
        handle.seek(0)
        handle.write(second)
    os.utime(path, ns=(first[1], first[1]))
    assert stat(path) == first
    counts(reads, parses)
    after = cached(demo)
    assert counts(reads, parses) == [1, 1]
    assert after == reference(demo, tmp_path)
    assert b"Other save." in (demo / "public/incidents/2026-09-gen-03/index.html").read_bytes()


def test_without_the_cache_every_file_is_read(demo, reads):  # noqa: F811
    age(demo)
    for _ in range(2):
        build(demo, now=NOW, cache=False)
        assert counts(reads)[0] == len(list((demo / "content").rglob("*.md")))


def test_an_unreadable_file_is_one_problem_with_or_without_a_stamp(demo, monkeypatch, capsys):  # noqa: F811
    from statusgen import cli

    age(demo)
    cached(demo)
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == Path(EDITED).name:
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    os.utime(demo / EDITED)  # a new stat: it must be read
    assert cli.main(["--site", str(demo), "build", "--now", NOW]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{EDITED}: -: cannot be read (Permission denied)", "1 error, 0 warnings"]


def test_a_file_known_by_its_stat_is_read_when_it_must_be_parsed_again(
    demo,  # noqa: F811
    tmp_path,
    reads,
    parses,
):
    """Another time zone: every parse is stale, though no file changed."""
    age(demo)
    cached(demo)
    toml = demo / "site.toml"
    toml.write_text(
        toml.read_text().replace('timezone = "Europe/London"', 'timezone = "Europe/Dublin"')
    )
    counts(reads, parses)
    after = cached(demo)
    files = len(list((demo / "content").rglob("*.md")))
    assert counts(reads, parses) == [files, files]
    assert after == reference(demo, tmp_path)
