"""Which files under ``content/`` are entries, and where the others belong.

An author who saves ``Email outage.MD``, or creates ``content/incident/``
from a phone, sees their change vanish: nothing is built and nothing says
why. So every file under ``content/`` is either an entry or a problem that
names it and says where it belongs. Only names starting with ``.`` (editor
swap files, ``.gitkeep``, ``.DS_Store``) are passed over, files and folders
alike.

Paths are plain strings: a site of 10,000 entries would spend more on
`pathlib` objects than on reading the files.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ..errors import Problem

FOLDERS = ("incidents", "news")
"""Sub-folders of ``content/`` that hold entries."""

TEXT_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".txt", ".text", ".yaml", ".yml")
"""Endings of files that were probably meant as entries (compared case-blind)."""

_SNIFF_BYTES = 64 * 1024
_SLUG_JUNK_RE = re.compile(r"[^a-z0-9._-]+")
_NEWS_KEYS_RE = re.compile(rb"^(?:date|summary|tags)[ \t]*:", re.MULTILINE)
_INCIDENT_KEYS_RE = re.compile(rb"^(?:started|impact|start|end|updates|resolved)[ \t]*:", re.M)


def entry_files(root: Path) -> tuple[list[tuple[str, str, str]], list[Problem]]:
    """The entries under ``root/content`` as (path in the site, path to open,
    folder), sorted by folder then name, and a problem for every other file.

    Links that lead out of the site are refused, so a build never publishes
    a file from elsewhere.
    """
    root_real = Path(os.path.realpath(root))
    content = root / "content"
    found: list[tuple[str, str, str]] = []
    problems: list[Problem] = []
    if not content.is_dir():
        return found, problems
    for folder in FOLDERS:
        found += _folder_entries(content, root_real, folder, problems)
    for rel_path, path, where in _walk(content, "content"):
        if where is None:
            problems.append(_misplaced(rel_path, path))
    return found, problems


def _folder_entries(
    content: Path, root_real: Path, folder: str, problems: list[Problem]
) -> Iterator[tuple[str, str, str]]:
    rel_folder = f"content/{folder}"
    directory = content / folder
    if not directory.is_dir():
        return
    if not inside(Path(os.path.realpath(directory)), root_real):
        problems.append(Problem(rel_folder, None, "-", "is a link out of the site (refused)"))
        return
    try:
        with os.scandir(directory) as it:
            items = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(rel_folder, None, "-", f"cannot be read ({exc.strerror})"))
        return
    for item in items:
        if item.name.startswith("."):
            continue
        rel_path = f"{rel_folder}/{item.name}"
        if not item.name.isprintable():  # a line break would forge a line of the report
            shown, fix = repr(item.name), f"{slug(Path(item.name).stem)}.md"
            message = f"file name {shown} has a control character (rename it to '{fix}')"
            problems.append(Problem(f"{rel_folder}/{shown}", None, "-", message))
            continue
        if item.is_dir(follow_symlinks=False):
            problems += _subfolder(rel_path, item.path, folder)
            continue
        if not item.name.endswith(".md"):
            problems.append(_wrong_name(rel_path, item.name))
            continue
        if item.is_symlink():
            target = Path(os.path.realpath(item.path))
            if not inside(target, root_real):
                problems.append(Problem(rel_path, None, "-", "is a link out of the site (refused)"))
                continue
            if not target.exists():
                message = "is a broken link (point it at a file, or delete it)"
                problems.append(Problem(rel_path, None, "-", message))
                continue
        if item.is_file():
            yield rel_path, item.path, folder


def _walk(directory: Path, rel: str) -> Iterator[tuple[str, str, str | None]]:
    """Every non-hidden file under ``content/`` that is not in an entry
    folder, as (path in the site, path to open, None); entry folders are
    `_folder_entries`' to read."""
    try:
        with os.scandir(directory) as it:
            items = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for item in items:
        if item.name.startswith(".") or not item.name.isprintable():
            continue
        rel_path = f"{rel}/{item.name}"
        if rel == "content" and item.name in FOLDERS:
            continue
        if item.is_dir(follow_symlinks=False):
            yield from _walk(Path(item.path), rel_path)
        else:
            yield rel_path, item.path, None


def _subfolder(rel_folder: str, path: str, folder: str) -> list[Problem]:
    message = f"is in a sub-folder, which is not read (move it to content/{folder}/)"
    return [Problem(rel, None, "-", message) for rel, _, _ in _walk(Path(path), rel_folder)]


def _wrong_name(rel_path: str, name: str) -> Problem:
    """A file in an entry folder without the ``.md`` ending."""
    stem, suffix = os.path.splitext(name)
    if suffix.lower() in TEXT_SUFFIXES or not suffix:
        base = stem if suffix else name
        message = f"is not read: entry files end in '.md' (rename it to '{base}.md')"
    else:
        message = (
            "is not an entry, so it is not published (entries are '.md' files; "
            "images and downloads go in the theme's static/ folder)"
        )
    return Problem(rel_path, None, "-", message)


def _misplaced(rel_path: str, path: str) -> Problem:
    """A file under ``content/`` but outside the entry folders: say which one
    it belongs in, from the folder's name or, failing that, its keys."""
    parts = rel_path.split("/")
    name = parts[-1]
    folder = None
    if len(parts) > 2:
        matches = difflib.get_close_matches(parts[1].lower(), FOLDERS, n=1, cutoff=0.6)
        folder = matches[0] if matches else None
    if folder is None:
        folder = _sniff_folder(path)
    stem, suffix = os.path.splitext(name)
    if suffix.lower() not in TEXT_SUFFIXES and suffix:
        return Problem(
            rel_path,
            None,
            "-",
            "is not an entry, so it is not published (entries are '.md' files in "
            "content/incidents/ or content/news/; images and downloads go in the theme's "
            "static/ folder)",
        )
    target = f"content/{folder}/{stem if suffix else name}.md"
    if len(parts) == 2:
        why = "entries go in content/incidents/ or content/news/"
    else:
        why = f"{'/'.join(parts[:-1])}/ is not a content folder"
    return Problem(rel_path, None, "-", f"is not read: {why} (move it to {target})")


def _sniff_folder(path: str) -> str:
    """``news`` for a file whose keys are a news item's, else ``incidents``."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return "incidents"
    if _NEWS_KEYS_RE.search(head) and not _INCIDENT_KEYS_RE.search(head):
        return "news"
    return "incidents"


def inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def slug(stem: str) -> str:
    """A file-name stem made safe for a URL: ASCII lower case, digits, ``._-``."""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    return _SLUG_JUNK_RE.sub("-", ascii_stem.lower()).strip("-.") or "entry"
