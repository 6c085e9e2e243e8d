"""Writing a built site: guarded paths, and an atomic swap of the whole tree.

The new tree is written beside the old one (same parent, so the renames
stay on one file system), then swapped in with two renames. A build that
fails or is killed before the swap leaves the previous output untouched;
one killed between the two renames leaves the old tree as ``.<name>.old-*``,
which the next build puts back before doing anything else.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from .errors import StatusgenError

MARKER = "_statusgen/manifest.json"
"""Every output holds it; a folder without it is not ours to replace."""


def check_relative(path: str) -> str:
    """Refuse an output path that could escape the output folder."""
    pure = PurePosixPath(path)
    if (
        not path
        or "\\" in path
        or "\0" in path
        or pure.is_absolute()
        or any(part in ("..", ".", "") for part in path.split("/"))
    ):
        raise StatusgenError(f"refusing to write {path!r}: outside the output folder")
    return path


def merge(*parts: Mapping[str, bytes]) -> dict[str, bytes]:
    """Join renderer outputs, refusing two writers for one path."""
    merged: dict[str, bytes] = {}
    for part in parts:
        for path, data in part.items():
            if path in merged:
                raise StatusgenError(f"two outputs for {path!r} (an id used twice?)")
            merged[check_relative(path)] = data
    return merged


def guard_destination(dest: Path, site_root: Path) -> None:
    """Refuse an output folder whose replacement would destroy a user's files."""
    dest = dest.resolve()
    root = site_root.resolve()
    if dest == root or dest in root.parents:
        raise StatusgenError(f"output folder {dest} would replace the site itself (use public/)")
    if dest.exists() and not dest.is_dir():
        raise StatusgenError(f"output {dest} is a file, not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).is_file():
        raise StatusgenError(
            f"output folder {dest} holds files statusgen did not write "
            "(empty it, or choose another --output)"
        )


def recover(dest: Path) -> None:
    """Finish or undo a swap that a killed build left half done."""
    parent = dest.parent
    if not parent.is_dir():
        return
    olds = sorted(parent.glob(f".{dest.name}.old-*"))
    if olds and not dest.exists():
        olds[-1].rename(dest)
        olds = olds[:-1]
    for leftover in [*olds, *parent.glob(f".{dest.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def write_tree(
    files: Mapping[str, bytes],
    dest: Path,
    *,
    previous: Path | None = None,
) -> None:
    """Make `dest` hold exactly `files`, atomically.

    With `previous` (the old output), files whose bytes are unchanged are
    hard-linked from it instead of written again.
    """
    dest = dest.resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    recover(dest)
    staging = dest.parent / f".{dest.name}.new-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _write_files(files, staging, previous if previous and previous.is_dir() else None)
        _swap(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_files(files: Mapping[str, bytes], root: Path, previous: Path | None) -> None:
    made: set[Path] = set()
    for rel in sorted(files):
        data = files[check_relative(rel)]
        target = root / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if previous is not None and _same_bytes(previous / rel, data):
            with contextlib.suppress(OSError):
                os.link(previous / rel, target)
                continue
        with open(target, "wb") as handle:
            handle.write(data)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _swap(staging: Path, dest: Path) -> None:
    if not dest.exists():
        staging.rename(dest)
        return
    old = dest.parent / f".{dest.name}.old-{os.getpid()}"
    dest.rename(old)
    staging.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def tree_size(paths: Iterable[bytes]) -> int:
    return sum(len(p) for p in paths)
