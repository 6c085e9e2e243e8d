"""Writing a built site: guarded paths, and an atomic swap of the whole tree.

The new tree is written beside the old one (same parent, so the renames
stay on one file system), then swapped in. On Linux the swap is one
``renameat2(RENAME_EXCHANGE)``: there is no moment without an output
folder. Elsewhere (or on a file system that cannot exchange) it is two
renames; a build killed between them leaves the old tree as
``.<name>.old-*``, which the next build puts back before anything else
(`guard_destination` and `write_tree` both call `recover`).

A build that fails or is killed before the swap leaves the previous output
untouched, and its half-written ``.<name>.new-*`` is removed by the next
one. Two builds into one folder (``serve`` and a build in a terminal) take
turns: the writer holds a lock on the output's parent folder, so one never
cleans up the other's staging tree as a leftover. The lock is an ``flock``,
released by the kernel when its holder dies, even by SIGKILL.

Every output also holds ``_statusgen/files.json``, the list of the files
that build wrote. The next build deletes only those (and ``_statusgen/``,
``.nojekyll``): a file anyone else put in the folder (the ``CNAME`` GitHub
writes into a branch-deployed folder) makes it refuse instead, naming the
file. A file-system failure (a full disk, a read-only folder) is a
`StatusgenError` naming the path, with the previous output as it was.

What this does not cover: a power cut. Files are not fsynced (it would cost
seconds on a large site), so after one the new tree may hold empty files;
rebuild after an unclean shutdown.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from .atomic import exchange, locked, two_renames, write_new
from .errors import StatusgenError
from .site_files import FILES_PATH, MARKER, file_list, refuse_foreign


def check_relative(path: str) -> str:
    """Refuse an output path that could escape the output folder."""
    # String tests only (PurePosixPath would cost more than the rest of a
    # cached build's bookkeeping for 10,000 pages): a POSIX path is absolute
    # exactly when it starts with "/".
    if (
        not path
        or "\\" in path
        or "\0" in path
        or path.startswith("/")
        or any(part in ("..", ".", "") for part in path.split("/"))
    ):
        raise StatusgenError(f"refusing to write {path!r}: outside the output folder")
    return path


def guard_destination(dest: Path, site_root: Path) -> None:
    """Refuse an output folder whose replacement would destroy a user's files.

    Finishes a swap that a killed build left half done first, so that what
    is checked, and what the build then reads from the previous output (its
    manifest and post ledger), is the previous output and not a gap.
    """
    dest = dest.resolve()
    root = site_root.resolve()
    if dest == root or dest in root.parents:
        raise StatusgenError(f"output folder {dest} would replace the site itself (use public/)")
    recover(dest)
    if dest.exists() and not dest.is_dir():
        raise StatusgenError(f"output {dest} is a file, not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).is_file():
        raise StatusgenError(
            f"output folder {dest} holds files statusgen did not write "
            "(empty it, or choose another --output)"
        )


def recover(dest: Path) -> None:
    """Finish or undo a swap that a killed build left half done."""
    if not dest.parent.is_dir():
        return
    with locked(dest.parent):
        _recover(dest)


def _recover(dest: Path) -> None:
    parent = dest.parent
    olds = sorted(parent.glob(f".{dest.name}.old-*"))
    if olds and not dest.exists():
        olds[-1].rename(dest)
        olds = olds[:-1]
    # ``.<name>.spare`` is where earlier builds kept the spare tree of an output
    # outside the site: in a web root, it published what was taken down.
    legacy = [p for p in (parent / f".{dest.name}.spare",) if p.is_dir()]
    for leftover in [*olds, *parent.glob(f".{dest.name}.new-*"), *legacy]:
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def _reported(dest: Path, stages: Iterable[Path]) -> Iterator[None]:
    """Turn a file-system failure (a full disk, a read-only folder) into one line
    naming the output path it was for; a temporary tree is named as `dest`."""
    try:
        yield
    except OSError as exc:
        name = os.fsdecode(exc.filename) if exc.filename else str(dest)
        for stage in stages:
            if name == str(stage) or name.startswith(f"{stage}/"):
                name = str(dest) + name[len(str(stage)) :]
                break
        raise StatusgenError(
            f"cannot write {name}: {exc.strerror or exc} (the previous output is as it was)"
        ) from None


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


# --- the writer: a fresh staging tree, or the spare kept between builds ----------------
#
# A tree staged afresh costs a folder and a file (or link) per page, then as
# many deletions of the replaced tree: for a site of 10,000 entries 20,000
# file-system operations per build, however little changed, and on some file
# systems (ext4 on a small cloud disk) a folder costs a millisecond.
#
# Given a spare (the build cache's), `write_tree` keeps the replaced tree as the
# spare instead and stages the next build in it: it holds the output of the
# build before the last one, so only what changed since then is written, linked
# or removed, and the swap is the same atomic exchange. Nothing is ever written
# into an existing file: a file is replaced by rename, so the hard links that
# the live tree and the spare share are never changed through the other name.
#
# What each tree holds is known from an index (`FileState` per path) that the
# caller keeps (the build cache), and every state is checked against the file's
# size, mtime and inode before it is trusted, else against its SHA-256, so a
# tree changed behind the index's back costs a rewrite, never a wrong output.
# The index of the spare is forgotten before the spare is touched and saved
# again after the swap: a build killed half-way leaves a spare without an
# index, which the next build discards.


class FileState(NamedTuple):
    """What the index knows of one output file."""

    digest: str
    """SHA-256 of its bytes, hex."""
    size: int
    mtime_ns: int
    ino: int
    key: str = ""
    """The cache key of the page it holds (the caller's business), or ``""``."""


@dataclass(frozen=True)
class Planned:
    """One file of the tree to make."""

    digest: str
    size: int
    data: bytes | None
    """The bytes; None when the caller knows them to be what the live tree holds
    at this path (by its index): `produce` is asked for them only if that file
    turns out to have changed."""
    key: str = ""


class TreeIndex(Protocol):
    """Where `write_tree` reads and keeps what the live and spare trees hold."""

    def load(self) -> tuple[dict[str, FileState] | None, dict[str, FileState] | None]:
        """(live tree, spare tree), each None when unknown; read under the lock."""
        ...

    def forget_spare(self) -> None:
        """Called before the spare is changed."""
        ...

    def save(self, live: dict[str, FileState], spare: dict[str, FileState] | None) -> None:
        """Called after the swap, still under the lock; `spare` None when unknown."""
        ...


def write_tree(
    files: Mapping[str, Planned | bytes],
    dest: Path,
    *,
    spare: Path | None = None,
    index: TreeIndex | None = None,
    produce: Callable[[str], bytes] | None = None,
) -> None:
    """Make `dest` hold exactly `files`, atomically: staged in a fresh tree beside
    it, or in the `spare` tree, then swapped in. A file whose bytes the old tree
    holds is hard-linked from it rather than written again.

    `index` (`TreeIndex`) says what the live and spare trees hold; None: nothing
    is known (each file of the old tree is compared by its bytes). The tree
    replaced by the swap becomes the new spare, at `spare`, which must be on the
    file system of `dest` and outside any folder a web server may publish (the
    build cache: `cache.spare_path`); with `spare` None, or where it cannot be
    moved there, the replaced tree is deleted before this returns. `produce`
    makes the bytes of a file given without them (`Planned.data` None), should
    the live tree turn out not to hold them after all.
    """
    files = {p: d if isinstance(d, Planned) else _planned(d) for p, d in files.items()}
    index = index if index is not None else _NoIndex()
    dest = dest.resolve()
    fresh_stage = dest.parent / f".{dest.name}.new-{os.getpid()}"
    old = dest.parent / f".{dest.name}.old-{os.getpid()}"
    files[FILES_PATH] = _planned(file_list(files))
    with _reported(dest, [s for s in (spare, fresh_stage, old) if s is not None]):
        dest.parent.mkdir(parents=True, exist_ok=True)
        with locked(dest.parent):
            _recover(dest)
            refuse_foreign(dest, files)
            live_known, spare_known = index.load()
            live = live_known or {}
            fresh = False  # no usable spare: the tree is staged from scratch
            if spare is None or spare_known is None or not spare.is_dir():
                # No spare, or one a killed build left half-changed: start afresh.
                if spare is not None:
                    index.forget_spare()  # before the spare is made again below
                    shutil.rmtree(spare, ignore_errors=True)
                stage = fresh_stage
                shutil.rmtree(stage, ignore_errors=True)
                stage.mkdir()
                spare_known = {}
                fresh = True
            else:
                stage = spare
                index.forget_spare()
            try:
                states = _sync_files(
                    files, stage, spare_known, dest, live, produce or _unknown, fresh
                )
                created = not dest.exists()
                if created:
                    stage.rename(dest)
                elif not exchange(stage, dest):
                    two_renames(stage, dest, old)
                    stage = old
            except BaseException:
                if fresh:
                    shutil.rmtree(stage, ignore_errors=True)
                raise
            # The replaced tree is the spare now; unknown if the live tree was (a
            # deleted cache), and then the next build starts a tree afresh.
            kept = _keep_as_spare(stage, spare)
            spare_states = live_known if kept else None
            if created and spare is not None:
                spare_states = _link_spare(dest, spare, states)
            index.save(states, spare_states)


def _planned(data: bytes) -> Planned:
    return Planned(hashlib.sha256(data).hexdigest(), len(data), data)


def _unknown(path: str) -> bytes:  # pragma: no cover - every file came with its bytes
    raise StatusgenError(f"{path}: no bytes to write")


class _NoIndex:
    """The `TreeIndex` of a build that keeps none: nothing known, nothing saved."""

    def load(self) -> tuple[None, None]:
        return None, None

    def forget_spare(self) -> None:
        pass

    def save(self, live: dict[str, FileState], spare: dict[str, FileState] | None) -> None:
        pass


def _keep_as_spare(replaced: Path, spare: Path | None) -> bool:
    """Make the tree the swap replaced (`replaced`) the spare, or delete it; True
    when a spare is left at `spare`."""
    if replaced != spare and replaced.exists():
        if spare is None:
            shutil.rmtree(replaced, ignore_errors=True)
            return False
        try:
            shutil.rmtree(spare, ignore_errors=True)
            spare.parent.mkdir(parents=True, exist_ok=True)
            replaced.rename(spare)
        except OSError:  # another file system after all: no spare, rather than one in sight
            shutil.rmtree(replaced, ignore_errors=True)
            return False
    return spare is not None and spare.is_dir()


def _link_spare(
    live: Path, spare: Path, states: Mapping[str, FileState]
) -> dict[str, FileState] | None:
    """Make the spare a tree of hard links to the live tree `live` (holding `states`);
    return what it holds (the very files of `states`), or None when it cannot be made.

    A build with no tree to replace (a first build; CI, whose checkout has no
    output folder) leaves the spare the cache holds (``.statusgen-cache/``,
    which CI restores): the next build stages in it, and keeps each page whose
    bytes are still wanted without rendering it again, even with no output
    folder at all."""
    try:
        spare.mkdir(parents=True, exist_ok=True)
        made = {""}
        for rel in sorted(states):
            folder = os.path.dirname(rel)
            if folder not in made:
                os.makedirs(f"{spare}/{folder}", exist_ok=True)
                made.add(folder)
            os.link(f"{live}/{rel}", f"{spare}/{rel}")
    except OSError:  # another file system, or no hard links: no spare
        shutil.rmtree(spare, ignore_errors=True)
        return None
    return dict(states)


def _sync_files(
    files: Mapping[str, Planned],
    stage: Path,
    staged: Mapping[str, FileState],
    live_root: Path,
    live: Mapping[str, FileState],
    produce: Callable[[str], bytes],
    fresh: bool,
) -> dict[str, FileState]:
    """Bring `stage` (holding `staged`) to `files`; return what it then holds. In a
    `fresh` (empty) stage each file is made at its name, with no rename."""
    states: dict[str, FileState] = {}
    # Without an index of the live tree, compare bytes with it.
    compare = not live and live_root.is_dir()
    # Plain strings for the paths: pathlib costs more than the rest of the loop,
    # which for a build that changed one page is a stat per file and nothing else.
    stage_root = f"{stage}/"
    source_root = f"{live_root}/"
    for rel in sorted(files):
        want = files[check_relative(rel)]
        target = stage_root + rel
        have = staged.get(rel)
        if have is not None and have.digest == want.digest:
            # The stat says the file is the one indexed; else (a spare restored
            # from CI's cache: new inodes) its bytes are hashed again to say so.
            if not same_file(target, have):
                have = _proven(target, want)
            if have is not None:
                states[rel] = have if have.key == want.key else have._replace(key=want.key)
                continue
        source = source_root + rel
        current = live.get(rel)
        data = want.data
        same = current is not None and current.digest == want.digest and same_file(source, current)
        if same or (compare and data is not None and _same_bytes(Path(source), data)):
            try:
                state = _replace_with(Path(target), Path(source), None, fresh)
            except OSError:
                pass  # no hard links here: write it
            else:
                states[rel] = state._replace(digest=want.digest, key=want.key)
                continue
        if data is None:
            data = produce(rel)
        state = _replace_with(Path(target), None, data, fresh)
        states[rel] = state._replace(digest=want.digest, key=want.key)
    for rel in staged:
        if rel in files:
            continue
        path = stage / rel
        with contextlib.suppress(OSError):
            path.unlink()
        _remove_empty_parents(path.parent, stage)
    return states


def _proven(path: str, want: Planned) -> FileState | None:
    """The state of the file at `path` if its bytes are `want`'s (by SHA-256), else None."""
    try:
        st = os.lstat(path)
        if st.st_size != want.size:
            return None
        with open(path, "rb") as handle:
            if hashlib.file_digest(handle, "sha256").hexdigest() != want.digest:
                return None
    except OSError:
        return None
    return FileState(want.digest, st.st_size, st.st_mtime_ns, st.st_ino, want.key)


def tree_is(dest: Path, files: Mapping[str, FileState]) -> bool:
    """True when `dest` holds exactly `files`, each the very file its state describes
    (by its stat, as `same_file`), and no other file, link or empty folder."""
    folders = {""}
    for rel in files:
        parts = rel.split("/")
        folders.update("/".join(parts[:n]) for n in range(1, len(parts)))
    seen = 0
    pending = [""]
    while pending:
        prefix = pending.pop()
        try:
            entries = list(os.scandir(f"{dest}/{prefix}" if prefix else dest))
        except OSError:
            return False
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if rel not in folders:
                    return False
                pending.append(rel + "/")
                continue
            state = files.get(rel)
            if state is None or entry.is_symlink():
                return False
            st = entry.stat(follow_symlinks=False)
            if (st.st_size, st.st_mtime_ns, st.st_ino) != (state.size, state.mtime_ns, state.ino):
                return False
            seen += 1
    return seen == len(files)


def same_file(path: str | Path, state: FileState) -> bool:
    """True when `path` is still the very file `state` describes."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns, st.st_ino) == (state.size, state.mtime_ns, state.ino)


def _replace_with(
    target: Path, link: Path | None, data: bytes | None, direct: bool = False
) -> FileState:
    """Put a hard link to `link`, or a new file of `data`, at `target`: made at a
    temporary name beside it, then renamed over it; `direct`: made at `target`,
    which does not exist (a fresh stage)."""
    temporary = target if direct else target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        try:
            _make(temporary, link, data, direct)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            _make(temporary, link, data, direct)
        if not direct:
            os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    if not direct:
        with contextlib.suppress(FileNotFoundError):
            # Renaming a link over another link to the same file does nothing
            # (POSIX), and leaves the temporary name behind.
            os.unlink(temporary)
    st = os.lstat(target)
    return FileState("", st.st_size, st.st_mtime_ns, st.st_ino)


def _make(path: Path, link: Path | None, data: bytes | None, new: bool = False) -> None:
    if not new:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # a temporary file a killed build left
    if link is not None:
        os.link(link, path)
        return
    write_new(str(path), data or b"")


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
