"""Content files -> validated, immutable model objects, with line numbers.

A site's entries live in ``content/incidents/*.md`` (incidents and
maintenance windows) and ``content/news/*.md``: YAML front-matter between two
``---`` lines, then a Markdown body. People edit these files from a phone at
2 a.m., so every mistake must come back as one line naming the file, the line,
the field and the fix (see `statusgen.errors.Problem`), and one bad file must
never hide the problems of another: `load_content` reads everything and
returns every problem; it never raises for a user's mistake.

Conventions, so that messages stay predictable:

* Field names are dotted paths. List items count from 1, as people do:
  ``updates[1]`` is the first update, ``updates[2].at`` the time of the
  second, ``services[3]`` the third service of a list; entries of a map are
  named by key: ``services.email``. `Source.lines` uses the same names.
* Line numbers are lines of the file (the front-matter starts on line 2).
  A problem about a value points at its key's line; one about a list item at
  the item. A missing key points at line 1, the opening ``---``; a problem
  with the whole file (empty, unreadable, unsafe name) has no line.
* Messages say what is wrong and, in parentheses, what would be right.
* Enumerations (kind, impact, status) and service ids are matched exactly,
  with a did-you-mean; the files stay canonical for every other reader.

The package: `files` (which files are entries), `frontmatter` (split and
compose), `reader` (node -> value, with lines), `entries` and one module per
kind (the schemas), `translations` (``title_cy:`` and the other languages'
texts), `times` (`parse_time`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from ..errors import Problem
from ..model import EntryKind, Incident, Maintenance, NewsItem, Site, SiteConfig
from .entries import _KEYS, _front_matter_in_body, _kind
from .files import FOLDERS, entry_files, slug
from .frontmatter import MAX_DEPTH, _compose, _split
from .incident import _incident
from .maintenance import _maintenance
from .news import SUMMARY_MAX, _news, summary_problems
from .reader import _NULL, _describe, _Reader, service_hint
from .times import parse_time
from .translations import entry_translations, translation_key

__all__ = [
    "MAX_DEPTH",
    "MAX_ENTRY_BYTES",
    "SUMMARY_MAX",
    "Parsed",
    "Pending",
    "load_content",
    "parse_entry",
    "parse_file",
    "parse_time",
    "read_source",
    "service_hint",
    "summary_problems",
]

MAX_ENTRY_BYTES = 1024 * 1024
"""Largest entry file. Far more than any incident needs; the limit keeps one
pasted dump from making every build (and every post) slow."""

_ID_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


# --- public API -----------------------------------------------------------------------


Pending = tuple[str, str, str]
"""A file to parse: (path relative to the site, the path to open, its folder)."""
Parsed = tuple[Incident | Maintenance | NewsItem | None, list[Problem]]
"""What `parse_entry` returns for one file."""


def load_content(
    config: SiteConfig,
    *,
    drafts: bool = False,
    parse: Callable[[list[Pending]], list[Parsed]] | None = None,
) -> tuple[Site, list[Problem]]:
    """Read every entry of the site at ``config.root``.

    Returns a `Site` holding the valid entries (drafts only when ``drafts``),
    newest first, and every problem found in any file, errors and warnings.
    A file with an error is left out of the site; the caller decides whether
    to stop (``check`` and ``build`` stop when there is any error).

    ``parse`` turns every file found into what `parse_file` returns for it,
    in order; by default it calls `parse_file` on each. The build passes one
    that answers from its content-hash cache (without reading a file whose
    stat the cache knows) and parses the rest on several cores: files are
    found first and parsed all at once for that reason, and the result
    (entries, problems and their order) is the same either way.
    """
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []
    news: list[NewsItem] = []
    files, problems = entry_files(config.root)
    pending: list[Pending] = []
    seen: dict[tuple[str, str], str] = {}  # (folder, casefolded id) -> path: case-only clashes
    for rel_path, path, folder in files:
        entry_id = rel_path.rsplit("/", 1)[-1][:-3]
        other = seen.setdefault((folder, entry_id.casefold()), rel_path)
        if other != rel_path:
            problems.append(
                Problem(
                    rel_path,
                    None,
                    "-",
                    f"id '{entry_id}' differs from {other} only by case "
                    "(rename one: their pages would clash on Windows and macOS)",
                )
            )
            continue
        pending.append((rel_path, path, folder))

    parsed = [parse_file(item, config) for item in pending] if parse is None else parse(pending)
    for entry, found in parsed:
        problems.extend(found)
        if entry is None or (entry.draft and not drafts):
            continue
        if isinstance(entry, Incident):
            incidents.append(entry)
        elif isinstance(entry, Maintenance):
            maintenances.append(entry)
        else:
            news.append(entry)

    problems.sort()
    site = Site(
        config=config,
        incidents=_newest_first(incidents, lambda e: e.started),
        maintenances=_newest_first(maintenances, lambda e: e.start),
        news=_newest_first(news, lambda e: e.date),
    )
    return site, problems


def read_source(rel_path: str, path: str) -> bytes | Problem:
    """The bytes of the entry file at `path`, or the problem of one that cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        return Problem(rel_path, None, "-", f"cannot be read ({exc.strerror})")


def parse_file(item: Pending, config: SiteConfig) -> Parsed:
    """One file found (`Pending`), read and validated."""
    rel_path, path, folder = item
    data = read_source(rel_path, path)
    if isinstance(data, Problem):
        return None, [data]
    return parse_entry(rel_path, data, config, folder)


def parse_entry(
    rel_path: str, data: bytes, config: SiteConfig, folder: str
) -> tuple[Incident | Maintenance | NewsItem | None, list[Problem]]:
    """Validate one file's bytes; pure (no file system access).

    ``rel_path`` is the file's path relative to the site (forward slashes),
    used in problems and as `Source.path`; the entry id is its name without
    ``.md``. ``folder`` is ``"incidents"`` or ``"news"``. Returns the entry,
    or None when the file has any error, and the problems found (warnings
    come with an entry).
    """
    if folder not in FOLDERS:
        raise ValueError(f"folder must be one of {FOLDERS}, not {folder!r}")
    if len(data) > MAX_ENTRY_BYTES:
        size = f"is {len(data) // 1024} KB (at most {MAX_ENTRY_BYTES // 1024} KB"
        return None, [Problem(rel_path, None, "-", f"{size}: shorten it, or link a long report)")]
    name = rel_path.rsplit("/", 1)[-1]
    entry_id = name[:-3] if name.endswith(".md") else name
    reader = _Reader(rel_path, config)

    if not _ID_RE.fullmatch(entry_id):
        reader.error(
            None,
            "-",
            f"file name '{name}' is not safe in a URL (use letters, digits, '.', '_' and '-': "
            f"rename it to '{slug(entry_id)}.md')",
        )

    parts = _split(reader, data)
    if parts is None:
        return None, reader.done()
    front, body, body_line = parts
    reader.front_lines = front.split("\n")

    root = _compose(reader, front)
    if root is None:
        return None, reader.done()
    if isinstance(root, ScalarNode) and root.tag == _NULL:
        fields: dict[str, tuple[int, Node]] = {}
    elif isinstance(root, MappingNode):
        fields = reader.mapping(root, "")
    else:
        reader.error(
            reader.line(root),
            "-",
            f"the front-matter is {_describe(root)}, not a mapping (write 'key: value' lines)",
        )
        return None, reader.done()

    kind = _kind(reader, fields, folder)
    if kind is None:
        return None, reader.done()
    allowed = _KEYS[kind]
    _front_matter_in_body(reader, body, body_line, allowed)
    for key, (line, _node) in fields.items():
        if key not in allowed and not translation_key(reader, line, key, allowed):
            reader.unknown_key(line, key, key, allowed)
    translations = entry_translations(reader, fields, allowed, summary_problems)

    source_args = (rel_path, body_line, hashlib.sha256(data).hexdigest())
    entry: Incident | Maintenance | NewsItem | None
    if kind is EntryKind.INCIDENT:
        entry = _incident(reader, fields, entry_id, body, source_args)
    elif kind is EntryKind.MAINTENANCE:
        entry = _maintenance(reader, fields, entry_id, body, source_args)
    else:
        entry = _news(reader, fields, entry_id, body, source_args)
    problems = reader.done()
    if any(p.is_error for p in problems):
        return None, problems
    if entry is not None and translations:
        entry = dataclasses.replace(entry, translations=translations)
    return entry, problems


# --- helpers -----------------------------------------------------------------------


def _newest_first(entries: list[Any], when: Any) -> tuple[Any, ...]:
    """Newest first; equal times by id. Sorted on UTC timestamps, because
    aware datetimes sharing a tzinfo compare by wall time and ignore `fold`."""
    entries.sort(key=lambda e: e.id)
    entries.sort(key=lambda e: when(e).timestamp(), reverse=True)
    return tuple(entries)
