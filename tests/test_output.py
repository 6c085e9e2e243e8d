"""The writer: guarded paths, exact trees, atomic swaps, recovery."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest

from statusgen.errors import StatusgenError
from statusgen.output import (
    FILES_PATH,
    MARKER,
    Planned,
    check_relative,
    guard_destination,
    recover,
    write_tree,
)


@pytest.mark.parametrize(
    "bad", ["../x", "/etc/passwd", "a/../../b", "a//b", "a\\b", "", "./a", "a\0b"]
)
def test_paths_that_escape_are_refused(bad):
    with pytest.raises(StatusgenError, match="outside the output folder"):
        check_relative(bad)


def test_two_writers_for_one_path_are_refused():
    from statusgen.build import _Plan

    plan = _Plan()
    plan.add("index.html", b"a")
    with pytest.raises(StatusgenError, match=r"two outputs for 'index\.html'"):
        plan.add("index.html", b"b")


def test_tree_holds_exactly_the_files(tmp_path):
    dest = tmp_path / "public"
    write_tree({MARKER: b"{}", "a/index.html": b"A", "stale.txt": b"old"}, dest)
    write_tree({MARKER: b"{}", "a/index.html": b"A2", "b.txt": b"B"}, dest)
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == [FILES_PATH, MARKER, "a/index.html", "b.txt"]
    assert (dest / "a/index.html").read_bytes() == b"A2"
    assert [p.name for p in tmp_path.iterdir()] == ["public"]  # no staging left behind


def test_unchanged_files_are_linked_not_rewritten(tmp_path):
    dest = tmp_path / "public"
    write_tree({MARKER: b"{}", "same.txt": b"same"}, dest)
    inode = (dest / "same.txt").stat().st_ino
    write_tree({MARKER: b"{}", "same.txt": b"same"}, dest)
    assert (dest / "same.txt").stat().st_ino == inode


def test_failure_while_writing_leaves_previous_output(tmp_path, monkeypatch):
    dest = tmp_path / "public"
    write_tree({MARKER: b"{}", "index.html": b"old"}, dest)

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(StatusgenError) as caught:
        write_tree({MARKER: b"{}", "index.html": b"new"}, dest)
    assert str(caught.value) == (
        # The file list and the marker are the old tree's bytes: linked, not written.
        f"cannot write {dest}/index.html: No space left on device "
        "(the previous output is as it was)"
    )
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


class _Index:
    """An in-memory `TreeIndex`."""

    def __init__(self):
        self.live, self.spare = None, None

    def load(self):
        return self.live, self.spare

    def forget_spare(self):
        self.spare = None

    def save(self, live, spare):
        self.live, self.spare = live, spare


def _planned(files):
    return {p: Planned(hashlib.sha256(d).hexdigest(), len(d), d) for p, d in files.items()}


def test_without_a_spare_the_replaced_tree_is_deleted_before_the_swap_returns(tmp_path):
    www = tmp_path / "www"
    dest = www / "status"
    index = _Index()
    for body in (b"taken down", b"new", b"newer"):
        write_tree(_planned({MARKER: b"{}", "index.html": body}), dest, index=index)
        assert sorted(p.name for p in www.iterdir()) == ["status"]
    assert (dest / "index.html").read_bytes() == b"newer"
    assert index.spare is None


def test_a_spare_that_cannot_be_moved_into_the_cache_is_deleted(tmp_path, monkeypatch):
    """The cache on another file system after all: rename fails with EXDEV."""
    www, spare = tmp_path / "www", tmp_path / "cache" / "trees" / "x"
    dest = www / "status"
    index = _Index()
    real, real_link = Path.rename, os.link

    def rename(self, target):
        if Path(target) == spare:
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(self), str(target))
        return real(self, target)

    def link(source, target):
        if Path(target).is_relative_to(spare):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(source), str(target))
        return real_link(source, target)

    monkeypatch.setattr(Path, "rename", rename)
    monkeypatch.setattr(os, "link", link)
    write_tree(_planned({MARKER: b"{}", "index.html": b"old"}), dest, spare=spare, index=index)
    assert not spare.exists() and index.spare is None  # no spare of links either
    write_tree(_planned({MARKER: b"{}", "index.html": b"new"}), dest, spare=spare, index=index)
    assert sorted(p.name for p in www.iterdir()) == ["status"]
    assert not spare.exists() and index.spare is None
    assert (dest / "index.html").read_bytes() == b"new"


def test_an_output_without_a_file_list_counts_what_this_build_writes(tmp_path):
    """An output of an earlier statusgen: its files that this build rewrites are its own."""
    dest = tmp_path / "public"
    (dest / "_statusgen").mkdir(parents=True)
    (dest / MARKER).write_bytes(b"{}")
    (dest / "index.html").write_bytes(b"old")
    (dest / "CNAME").write_bytes(b"status.example.ac.uk")
    with pytest.raises(StatusgenError, match=r"holds 'CNAME', which statusgen did not write"):
        write_tree({MARKER: b"{}", "index.html": b"new"}, dest)
    assert (dest / "index.html").read_bytes() == b"old"
    write_tree({MARKER: b"{}", "index.html": b"new", "CNAME": b"status.example.ac.uk"}, dest)
    listed = json.loads((dest / FILES_PATH).read_bytes())["files"]
    assert listed == ["CNAME", FILES_PATH, MARKER, "index.html"]
    write_tree({MARKER: b"{}", "index.html": b"new"}, dest)  # recorded: it may go now
    assert not (dest / "CNAME").exists()


def test_foreign_files_are_counted_in_the_one_line(tmp_path):
    dest = tmp_path / "public"
    write_tree({MARKER: b"{}", "index.html": b"a"}, dest)
    for name in ("CNAME", "notes/a.txt", "notes/b.txt"):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes(b"mine")
    (dest / ".nojekyll").write_bytes(b"")
    (dest / "_statusgen/ledger.json").write_bytes(b"{}")
    with pytest.raises(StatusgenError) as caught:
        write_tree({MARKER: b"{}", "index.html": b"b"}, dest)
    assert str(caught.value) == (
        f"output folder {dest} holds 'CNAME' (and 2 more), which statusgen did not write and "
        "will not delete: move it into the site's static_root/ folder to publish it with "
        "every build, or delete it"
    )
