"""The writer: guarded paths, exact trees, atomic swaps, recovery."""

from __future__ import annotations

import os

import pytest

from statusgen.errors import StatusgenError
from statusgen.output import MARKER, guard_destination, merge, recover, write_tree


@pytest.mark.parametrize(
    "bad", ["../x", "/etc/passwd", "a/../../b", "a//b", "a\\b", "", "./a", "a\0b"]
)
def test_paths_that_escape_are_refused(bad):
    with pytest.raises(StatusgenError, match="outside the output folder"):
        merge({bad: b"x"})


def test_two_writers_for_one_path_are_refused():
    with pytest.raises(StatusgenError, match=r"two outputs for 'index\.html'"):
        merge({"index.html": b"a"}, {"index.html": b"b"})


def test_tree_holds_exactly_the_files(tmp_path):
    dest = tmp_path / "public"
    write_tree({MARKER: b"{}", "a/index.html": b"A", "stale.txt": b"old"}, dest)
    write_tree({MARKER: b"{}", "a/index.html": b"A2", "b.txt": b"B"}, dest, previous=dest)
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == [MARKER, "a/index.html", "b.txt"]
    assert (dest / "a/index.html").read_bytes() == b"A2"
    assert [p.name for p in tmp_path.iterdir()] == ["public"]  # no staging left behind


def test_unchanged_files_are_linked_not_rewritten(tmp_path):
    dest = tmp_path / "public"
    write_tree({MARKER: b"{}", "same.txt": b"same"}, dest)
    inode = (dest / "same.txt").stat().st_ino
    write_tree({MARKER: b"{}", "same.txt": b"same"}, dest, previous=dest)
    assert (dest / "same.txt").stat().st_ino == inode


def test_failure_while_writing_leaves_previous_output(tmp_path, monkeypatch):
    dest = tmp_path / "public"
    write_tree({MARKER: b"{}", "index.html": b"old"}, dest)

    class Boom(dict):
        def __getitem__(self, key):
            raise OSError("disk full")

    with pytest.raises(OSError):
        write_tree(Boom({"index.html": b"new"}), dest)
    assert (dest / "index.html").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_recover_puts_back_a_half_swapped_tree(tmp_path):
    dest = tmp_path / "public"
    old = tmp_path / ".public.old-123"
    old.mkdir()
    (old / "index.html").write_bytes(b"old")
    (tmp_path / ".public.new-456").mkdir()
    recover(dest)
    assert (dest / "index.html").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]


def test_output_may_not_be_the_site(tmp_path):
    with pytest.raises(StatusgenError, match="would replace the site itself"):
        guard_destination(tmp_path, tmp_path)
    with pytest.raises(StatusgenError, match="would replace the site itself"):
        guard_destination(tmp_path.parent, tmp_path)


def test_a_folder_of_someone_elses_files_is_not_replaced(tmp_path):
    dest = tmp_path / "docs"
    dest.mkdir()
    (dest / "notes.md").write_text("mine")
    with pytest.raises(StatusgenError, match="holds files statusgen did not write"):
        guard_destination(dest, tmp_path / "site")
    os.remove(dest / "notes.md")
    guard_destination(dest, tmp_path / "site")  # empty is fine
