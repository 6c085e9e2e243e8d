"""Files that reach the output as they are, and the files of an output that are statusgen's.

Two guards on what a site ships unrendered (the theme's files, and
``static_root/``, copied to the output root for the files a host reads
there: ``CNAME``, ``.well-known/``, ``_headers``):

* a file may not be a link out of its folder, nor into a ``.git`` folder
  anywhere: ``static/fonts.css -> ../../../.git/config`` would publish the
  CI checkout's token, ``static/site.txt -> ../../../site.toml`` the
  privacy rules that name the internal hosts;
* a ``static_root/`` file may not be a file statusgen generates (the two
  are named), nor inside statusgen's own ``_statusgen/``.

And one on what a build may delete: every output records the files it
wrote (`FILES_PATH`); the next build refuses to replace a folder holding any
other file (`refuse_foreign`), since the swap would delete it.

This is a lower stage: it imports only errors.
"""

from __future__ import annotations

import json
import os
from collections.abc import Container, Iterable
from pathlib import Path

from .errors import Problem, ProblemsError, StatusgenError

MARKER = "_statusgen/manifest.json"
"""Every output holds it; a folder without it is not ours to replace."""
FILES_PATH = "_statusgen/files.json"
"""Every file the build wrote (`output.write_tree` adds it):
what the next build may delete, besides `OWN_FOLDER` and `OWN_FILES`."""
OWN_FOLDER = "_statusgen"
OWN_FILES = (".nojekyll",)
STATIC_ROOT = "static_root"
"""The site's folder of files copied to the output root as they are."""
KEPT_HIDDEN = (".well-known",)
"""The one hidden folder of `STATIC_ROOT` that is copied (RFC 8615: security.txt,
domain verification); every other name starting with ``.`` is left out."""


# --- links out -----------------------------------------------------------------------------


def links_out(folder: Path, site_root: Path) -> list[Problem]:
    """A problem for every file or folder under `folder` that resolves outside
    it, or into a ``.git`` folder; paths are shown relative to `site_root`."""
    root = site_root.resolve()
    base = folder.resolve()

    def shown(path: Path) -> str:
        inside = path.is_relative_to(site_root)
        return path.relative_to(site_root).as_posix() if inside else str(path)

    def problem(path: Path, message: str) -> Problem:
        return Problem(shown(path), None, "-", message)

    if folder.is_relative_to(site_root) and not base.is_relative_to(root):
        return [problem(folder, "is a link out of the site (refused: copy the file in)")]
    problems = []
    for path in sorted(folder.rglob("*")):
        target = path.resolve()
        if target.is_relative_to(root) and ".git" in target.relative_to(root).parts:
            if ".git" not in path.relative_to(folder).parts:  # a real .git is never copied
                problems.append(
                    problem(path, "is a link into a .git folder (refused: never published)")
                )
        elif not target.is_relative_to(root) and not target.is_relative_to(base):
            problems.append(problem(path, "is a link out of the site (refused: copy the file in)"))
        elif not target.is_relative_to(base):
            problems.append(
                problem(path, f"is a link out of {shown(folder)}/ (refused: copy the file in)")
            )
    return problems


# --- static_root/ ------------------------------------------------------------------------


def root_files(site_root: Path, generated: Container[str]) -> dict[str, bytes]:
    """The files of the site's ``static_root/``, by output path.

    Raises `ProblemsError` for a link out of the folder (or to a folder: copy
    it in), a file in ``_statusgen/``, and a file that `generated` holds too.
    """
    folder = site_root / STATIC_ROOT
    if not folder.is_dir():
        return {}
    problems = links_out(folder, site_root)
    if problems:
        raise ProblemsError(problems)
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        shown = f"{STATIC_ROOT}/{rel.as_posix()}"
        hidden = [part for part in rel.parts if part.startswith(".")]
        if hidden and (hidden != [rel.parts[0]] or rel.parts[0] not in KEPT_HIDDEN):
            continue
        if path.is_symlink() and path.is_dir():
            problems.append(
                Problem(shown, None, "-", "is a link to a folder (refused: copy the folder in)")
            )
        elif not path.is_file():
            continue
        elif rel.parts[0] == OWN_FOLDER:
            problems.append(
                Problem(shown, None, "-", f"is in statusgen's own {OWN_FOLDER}/ (refused: move it)")
            )
        elif rel.as_posix() in generated:
            problems.append(
                Problem(
                    shown,
                    None,
                    "-",
                    f"is also a file statusgen generates ({rel.as_posix()}) "
                    f"(refused: remove it from {STATIC_ROOT}/)",
                )
            )
        else:
            files[rel.as_posix()] = path.read_bytes()
    if problems:
        raise ProblemsError(problems)
    return files


# --- what a build may delete ---------------------------------------------------------------


def file_list(paths: Iterable[str]) -> bytes:
    """`FILES_PATH`'s bytes for an output of `paths` (the list itself included)."""
    return json.dumps({"files": sorted({*paths, FILES_PATH})}, indent=0).encode() + b"\n"


def refuse_foreign(dest: Path, writing: Iterable[str]) -> None:
    """Refuse to replace `dest` while it holds a file that no statusgen build wrote.

    What a build wrote is its `FILES_PATH` list; an output without one (from
    a statusgen before the list) counts the files this build writes as its
    own. `OWN_FOLDER` and `OWN_FILES` are always statusgen's; empty folders
    are nobody's loss.
    """
    if not dest.is_dir():
        return
    recorded = _recorded(dest)
    allowed = recorded if recorded is not None else set(writing)
    foreign = []
    pending = [""]
    while pending:
        prefix = pending.pop()
        with os.scandir(f"{dest}/{prefix}") as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if rel != OWN_FOLDER:
                        pending.append(rel + "/")
                elif rel not in allowed and rel not in OWN_FILES:
                    foreign.append(rel)
    if foreign:
        foreign.sort()
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise StatusgenError(
            f"output folder {dest} holds {foreign[0]!r}{more}, which statusgen did not write "
            f"and will not delete: move it into the site's {STATIC_ROOT}/ folder to publish "
            "it with every build, or delete it"
        )


def _recorded(dest: Path) -> set[str] | None:
    """The files the build that wrote `dest` recorded: empty without a manifest
    (nothing there is statusgen's), None for an output without a list."""
    if not (dest / MARKER).is_file():
        return set()
    try:
        listed = json.loads((dest / FILES_PATH).read_bytes())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(listed, list):
        return None
    return {path for path in listed if isinstance(path, str)}
