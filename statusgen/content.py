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

Times are stored aware, in the site's zone, with ``fold`` set for the
repeated hour of a DST change. Compare them as instants (``.timestamp()``
or in UTC): aware datetimes sharing a tzinfo compare by wall time and ignore
``fold``, and (PEP 495) a time in the repeated hour never compares equal to
one in another zone.

Why the YAML is read the way it is:

* We compose the front-matter into nodes (libyaml's C parser when available)
  and convert the nodes ourselves instead of letting PyYAML construct Python
  objects. Nodes carry start marks, so every key gets its line; duplicate
  keys, which PyYAML silently merges, are caught; and we see the text the
  user typed, so ``no``, ``1.10`` or ``on`` in a text field is reported with
  a "quote it" hint instead of silently becoming ``False`` or ``1.1``.
* The implicit timestamp resolver is removed, so ``2026-11-22 08:40`` stays a
  string and `parse_time` applies the site's time zone (PyYAML would convert
  values with offsets to naive UTC and lose the zone).
* Aliases are refused outright (no "billion laughs"), and nesting is bounded
  before libyaml composes: its recursive composer kills the process at
  around 100,000 levels, and its scanner slows down quadratically well
  before that.
* python-frontmatter is not used for splitting: it does not tell where the
  YAML starts, re-decodes the file, and hands back constructed objects, so
  we would still need our own line offsets and nodes. Splitting on the
  ``---`` lines is a few lines here.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .entry_files import FOLDERS, entry_files, slug
from .errors import Problem, Severity, closest, printable
from .model import (
    AffectedService,
    EntryKind,
    Impact,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Site,
    SiteConfig,
    Source,
    Update,
)
from .recurrence import check_rule
from .yaml_errors import bad_fence, explain, lookalike

__all__ = ["load_content", "parse_entry", "parse_time"]

SUMMARY_MAX = 200
"""Longest news summary, in characters (it is shown in lists and feeds)."""

MAX_DEPTH = 100
"""Deepest YAML nesting accepted. Entries need 3 levels; the limit only keeps
the YAML libraries safe, and sits below all of their own: libyaml 0.2.5's
recursive composer kills the process around 100,000 levels, libyaml 0.2.6
(PyYAML 6.0.4's wheels) refuses 1,000, and PyYAML's pure-Python composer
exceeds Python's recursion limit near 500. Whichever of these fires, the
author reads the same line."""

MAX_ENTRY_BYTES = 1024 * 1024
"""Largest entry file. Far more than any incident needs; the limit keeps one
pasted dump from making every build (and every post) slow."""

_TIME_EXAMPLE = "use YYYY-MM-DD HH:MM, e.g. 2026-11-22 08:40"

# --- YAML -------------------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
_DROPPED_RESOLVERS = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The safe loader minus the timestamp (and ``=``) resolvers.

    Only used to compose nodes; values are converted by `_Reader`, which sees
    the resolved tag (to name YAML's typing traps) and the raw text.
    """

    yaml_implicit_resolvers = {  # noqa: RUF012 - read-only class table, as in PyYAML
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_RESOLVERS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


# --- patterns -----------------------------------------------------------------------

_OPEN_RE = re.compile(r"---[ \t]*(?:\n|\Z)")
_CLOSE_RE = re.compile(r"^---[ \t]*$", re.MULTILINE)
_ID_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_SLUG_JUNK_RE = re.compile(r"[^a-z0-9._-]+")
_TIME_RE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<h>\d{1,2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?"
    r"[ \t]*(?P<z>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)
_MARKUP_RE = re.compile(r"[<*_\[`]")
_BODY_KEY_RE = re.compile(r"[ \t]*(?:-[ \t]+)?(?P<key>[a-z_]+):(?:[ \t]|$)")

# --- the keys of each kind ------------------------------------------------------------

_INCIDENT_KEYS = (
    "kind",
    "title",
    "services",
    "impact",
    "started",
    "resolved",
    "reference",
    "updates",
    "draft",
    "post",
    "post_text",
    "internal_notes",
)
_MAINTENANCE_KEYS = (
    "kind",
    "title",
    "services",
    "start",
    "end",
    "rrule",
    "reference",
    "updates",
    "draft",
    "post",
    "post_text",
    "internal_notes",
)
_NEWS_KEYS = (
    "kind",
    "title",
    "date",
    "summary",
    "tags",
    "draft",
    "post",
    "post_text",
    "internal_notes",
)
_KEYS = {
    EntryKind.INCIDENT: _INCIDENT_KEYS,
    EntryKind.MAINTENANCE: _MAINTENANCE_KEYS,
    EntryKind.NEWS: _NEWS_KEYS,
}
_UPDATE_KEYS = ("at", "status", "message")
_DROPPED_KEYS = frozenset({"internal_notes"})
"""Allowed, never validated, never stored: notes for the people editing the file."""

_MISSING_HINTS = {
    "title": "add a line like 'title: Email delivery delays'",
    "services": "add a line like 'services: [email]'",
    "impact": "add 'impact:' with one of degraded_performance, partial_outage, major_outage",
    "started": "add a line like 'started: 2026-11-22 08:40'",
    "start": "add a line like 'start: 2026-11-22 07:00'",
    "end": "add a line like 'end: 2026-11-22 09:00'",
    "date": "add a line like 'date: 2026-11-22'",
    "summary": "add one line of plain text, e.g. 'summary: The VPN gets a new address'",
    "at": "add a line like 'at: 2026-11-22 08:45'",
    "status": "add a line like 'status: investigating'",
    "message": "add a line like 'message: We are investigating.'",
}


# --- public API -----------------------------------------------------------------------


Pending = tuple[str, bytes, str]
"""A file to parse: (path relative to the site, its bytes, its folder)."""
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

    ``parse`` turns every file read into what `parse_entry` returns for it,
    in order; by default it calls `parse_entry` on each. The build passes one
    that answers from its content-hash cache and parses the rest on several
    cores: files are read first and parsed all at once for that reason, and
    the result (entries, problems and their order) is the same either way.
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
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            problems.append(Problem(rel_path, None, "-", f"cannot be read ({exc.strerror})"))
            continue
        pending.append((rel_path, data, folder))

    if parse is None:
        parsed = [parse_entry(rel_path, data, config, folder) for rel_path, data, folder in pending]
    else:
        parsed = parse(pending)
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
        if key not in allowed:
            reader.unknown_key(line, key, key, allowed)

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
    return entry, problems


def parse_time(
    value: object, tz: ZoneInfo, *, allow_date: bool = False
) -> tuple[datetime, str | None]:
    """Read a front-matter time; return it aware in ``tz``, and a warning or None.

    Accepts ``YYYY-MM-DD HH:MM`` with optional ``:SS`` (and fraction), ``T``
    instead of the space, and ``Z`` or ``±HH:MM``; also `datetime` objects,
    and with ``allow_date`` a date alone (midnight local), as a string or a
    `date`. A time without an offset is local to ``tz``: one that falls in a
    DST gap raises, one that happens twice is taken at its first occurrence
    with a warning. Raises ValueError whose message carries the fix.
    """
    if isinstance(value, datetime):
        if value.utcoffset() is not None:
            return value.astimezone(tz), None
        return _localize(value.replace(tzinfo=tz), tz)
    if isinstance(value, date):
        if not allow_date:
            raise ValueError(f"{value.isoformat()} has no time of day ({_TIME_EXAMPLE})")
        return _localize(datetime(value.year, value.month, value.day, tzinfo=tz), tz)
    if not isinstance(value, str):
        raise ValueError(f"expected a time, got {type(value).__name__} ({_TIME_EXAMPLE})")
    text = value.strip()
    m = _TIME_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"'{text}' is not a time ({_TIME_EXAMPLE})")
    if m["h"] is None and not allow_date:
        raise ValueError(f"'{text}' has no time of day ({_TIME_EXAMPLE})")
    offset = None
    if m["z"] is not None:
        offset = _offset(m["z"], text)
    fraction = (m["f"] or "").ljust(6, "0")
    try:
        local = datetime(
            int(m["y"]),
            int(m["mo"]),
            int(m["d"]),
            int(m["h"] or 0),
            int(m["mi"] or 0),
            int(m["s"] or 0),
            int(fraction),
            tzinfo=tz if offset is None else offset,
        )
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a valid time ({exc})") from None
    try:
        return (local.astimezone(tz), None) if offset is not None else _localize(local, tz)
    except OverflowError:
        raise ValueError(f"'{text}' is out of range ({_TIME_EXAMPLE})") from None


# --- files ---------------------------------------------------------------------------


def _newest_first(entries: list[Any], when: Any) -> tuple[Any, ...]:
    """Newest first; equal times by id. Sorted on UTC timestamps, because
    aware datetimes sharing a tzinfo compare by wall time and ignore `fold`."""
    entries.sort(key=lambda e: e.id)
    entries.sort(key=lambda e: when(e).timestamp(), reverse=True)
    return tuple(entries)


# --- one file -----------------------------------------------------------------------


class _Reader:
    """Problems and key lines of one file, and node -> value conversions.

    The conversions return None after reporting a problem, so each check
    reports once and the others still run: a file with three mistakes gets
    three lines.
    """

    offset = 2
    """File line of the front-matter's first line (YAML marks count from 0)."""

    def __init__(self, path: str, config: SiteConfig) -> None:
        self.path = path
        self.config = config
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}
        self.suggested: set[str] = set()
        """Keys an unknown key was taken for: no second error saying they are missing."""
        self.front_lines: list[str] = []
        """The front-matter as typed, to see what YAML dropped as a comment."""

    def line(self, node: Node) -> int:
        return int(node.start_mark.line) + self.offset

    def error(self, line: int | None, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, printable(field), printable(message)))

    def warning(self, line: int | None, field: str, message: str) -> None:
        problem = Problem(self.path, line, printable(field), printable(message), Severity.WARNING)
        self.problems.append(problem)

    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def done(self) -> list[Problem]:
        """Problems in file order (stable, so same-line ones keep check order)."""
        return sorted(self.problems, key=lambda p: p.line or 0)

    # -- structure

    def mapping(self, node: MappingNode, prefix: str) -> dict[str, tuple[int, Node]]:
        """Keys -> (line, value node); records lines, reports duplicate keys."""
        out: dict[str, tuple[int, Node]] = {}
        for key_node, value_node in node.value:
            line = self.line(key_node)
            if not isinstance(key_node, ScalarNode):
                self.error(line, prefix or "-", "a key must be a plain word (write 'key: value')")
                continue
            key = key_node.value
            name = f"{prefix}.{key}" if prefix else key
            if key in out:
                self.error(
                    line, name, f"duplicate key (first given on line {out[key][0]}; keep one)"
                )
                continue
            out[key] = (line, value_node)
            if key not in _DROPPED_KEYS:
                self.lines[name] = line
        return out

    def missing(self, field: str, hint_key: str | None = None, line: int = 1) -> None:
        if field in self.suggested:
            return
        hint = _MISSING_HINTS[hint_key or field]
        self.error(line, field, f"missing ({hint})")

    def unknown_key(
        self, line: int, field: str, key: str, allowed: Iterable[str], prefix: str = ""
    ) -> None:
        options = list(allowed)
        match = closest(key, options)
        if match:
            self.suggested.add(f"{prefix}.{match}" if prefix else match)
            self.error(line, field, f"unknown key '{key}' (did you mean '{match}'?)")
        else:
            self.error(line, field, f"unknown key '{key}' (allowed: {', '.join(options)})")

    # -- scalars

    def text(
        self,
        node: Node,
        field: str,
        line: int,
        *,
        required: bool = False,
        single_line: bool = False,
        allow_int: bool = False,
    ) -> str | None:
        """A text value. YAML's non-text readings (``no``, ``1.10``, ``null``)
        are errors with a quoting hint; an empty optional value is absent."""
        if not isinstance(node, ScalarNode):
            self.error(line, field, f"expected text, got {_describe(node)} (write it on one line)")
            return None
        tag, raw = node.tag, node.value
        if tag == _NULL and not raw.strip():
            if required:
                self.error(line, field, "is empty (give some text)")
            return None
        if tag == _NULL and not required:
            return None
        if tag == _INT and allow_int:
            return raw
        if tag != _STR:
            self.error(
                line, field, f"expected text, got {_describe(node)} (quote it: {_quoted(raw)})"
            )
            return None
        value = raw.strip()
        if not value:
            if required:
                self.error(line, field, "is empty (give some text)")
            return None
        if single_line and "\n" in value:
            self.error(line, field, "has a line break (keep it on one line)")
            return None
        if not node.style and self._cut_by_comment(node, field, line):  # plain: '' in libyaml
            return None
        return value

    def _cut_by_comment(self, node: ScalarNode, field: str, line: int) -> bool:
        """Report text that YAML dropped as a comment: ``title: Printer room #3``.

        YAML ends a plain value at `` #``. One space before the ``#`` is how
        people type "room #3" or "#2 pending", so it is taken as text that
        would be lost, and the author is shown the value quoted. A comment
        set apart by two or more spaces (as in the files `init` and `new`
        write) or on a line of its own is a comment.
        """
        end = node.end_mark
        if end.line >= len(self.front_lines):
            return False
        rest = self.front_lines[end.line][end.column :]
        if not rest.startswith(" #"):
            return False
        dropped = rest[1:].rstrip()
        key = field.rsplit(".", 1)[-1]
        if node.start_mark.line == end.line:
            fix = f"quote the whole value: {key}: {_quoted(node.value + rest.rstrip())}"
        else:
            fix = f"quote the whole value, or write '{key}: >-' and indent the text below it"
        self.error(
            line if end.line == node.start_mark.line else end.line + self.offset,
            field,
            f"'{dropped}' would be dropped: YAML reads ' #' as the start of a comment ({fix})",
        )
        return True

    def flag(self, node: Node, field: str, line: int) -> bool | None:
        """A real YAML boolean: true/false (or yes/no, on/off), never quoted."""
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            return node.value.lower() in ("true", "yes", "on")
        if isinstance(node, ScalarNode) and node.tag == _STR and node.style in ("'", '"'):
            word = node.value.strip().lower()
            if word in ("true", "false", "yes", "no", "on", "off"):
                self.error(
                    line, field, f"expected true or false, got text (remove the quotes: {word})"
                )
                return None
        self.error(
            line, field, f"expected true or false, got {_describe(node)} (use true or false)"
        )
        return None

    def choice(
        self, node: Node, field: str, line: int, choices: Iterable[str], what: str
    ) -> str | None:
        """One of a fixed set of words (the raw text, whatever YAML made of it)."""
        options = list(choices)
        if not isinstance(node, ScalarNode):
            self.error(
                line, field, f"expected {what}, got {_describe(node)} (one of {', '.join(options)})"
            )
            return None
        word = node.value.strip()
        if word in options:
            return word
        if not word:
            self.error(line, field, f"is empty (one of {', '.join(options)})")
            return None
        slip = lookalike(word)
        hint = f"({slip})" if slip else _suggest(word, options)
        self.error(line, field, f"'{word}' is not {what} {hint}")
        return None

    def time(
        self, node: Node, field: str, line: int, *, allow_date: bool = False
    ) -> datetime | None:
        """A time (see `parse_time`) from the text as typed."""
        if not isinstance(node, ScalarNode):
            self.error(line, field, f"expected a time, got {_describe(node)} ({_TIME_EXAMPLE})")
            return None
        if node.tag == _NULL and not node.value.strip():
            self.error(line, field, f"is empty ({_TIME_EXAMPLE})")
            return None
        try:
            value, warning = parse_time(node.value, self.config.timezone, allow_date=allow_date)
        except ValueError as exc:
            self.error(line, field, str(exc))
            return None
        if warning:
            self.warning(line, field, warning)
        # The model holds UTC instants: datetimes sharing a ZoneInfo compare
        # and subtract by wall clock, which is wrong in the repeated DST hour.
        return value.astimezone(UTC)

    def service_id(self, raw: str, field: str, line: int) -> str | None:
        if raw in self.config.service_order:
            return raw
        known = [s.id for s in self.config.services]
        if not raw:
            self.error(line, field, "is empty (give a service id)")
            return None
        self.error(line, field, f"unknown service '{raw}' ({service_hint(raw, known)})")
        return None


def _split(reader: _Reader, data: bytes) -> tuple[str, str, int] | None:
    """Decode and split a file: (front-matter, body, first line of the body)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reader.error(
            line,
            "-",
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on this line; "
            "save the file as UTF-8)",
        )
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        reader.error(
            None, "-", "the file is empty (start it with a '---' line and the front-matter)"
        )
        return None
    opening = _OPEN_RE.match(text)
    if opening is None:
        slip = bad_fence(text.split("\n", 1)[0])
        if slip is not None:
            reader.error(
                1, "-", f"no front-matter: the first line {slip} (type three hyphens: ---)"
            )
        else:
            reader.error(1, "-", "no front-matter (the first line must be '---')")
        return None
    closing = _CLOSE_RE.search(text, opening.end())
    if closing is None:
        lines = text.split("\n")
        for number, line in enumerate(lines[1:], 2):
            slip = bad_fence(line)
            if slip is not None:
                reader.error(
                    number,
                    "-",
                    f"the front-matter is never closed: this line {slip} (type three hyphens: ---)",
                )
                return None
        reader.error(1, "-", "the front-matter is never closed (add a '---' line after it)")
        return None
    front = text[opening.end() : closing.start()]
    close_line = text.count("\n", 0, closing.start()) + 1
    lines = text[closing.end() + 1 :].split("\n")
    first, last = 0, len(lines)
    while first < last and not lines[first].strip():
        first += 1
    while last > first and not lines[last - 1].strip():
        last -= 1
    if first == last:  # no body: point just after the front-matter
        first = 0
    return front, "\n".join(lines[first:last]), close_line + 1 + first


def _compose(reader: _Reader, front: str) -> Node | None:
    """Compose the front-matter once; refuse aliases and absurd nesting."""
    too_deep = f"the front-matter nests deeper than {MAX_DEPTH} levels (entries need 3)"
    try:
        if _depth_bound(front) > MAX_DEPTH and _too_deep(front):
            reader.error(None, "-", too_deep)
            return None
        root = yaml.compose(front, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        if "depth" in (exc.problem or ""):  # a library's own nesting limit fired first
            reader.error(None, "-", too_deep)
        else:
            line, message = explain(exc, front, reader.offset)
            reader.error(line, "-", message)
        return None
    except RecursionError:  # PyYAML's pure-Python composer, without libyaml
        reader.error(None, "-", too_deep)
        return None
    except yaml.reader.ReaderError as exc:
        line = front.count("\n", 0, exc.position) + reader.offset
        reader.error(line, "-", f"contains the control character U+{exc.character:04X} (delete it)")
        return None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml's errors are the two above
        reader.error(None, "-", f"YAML syntax error: {str(exc).splitlines()[0]}")
        return None
    if root is None:
        return ScalarNode(_NULL, "")
    if "&" in front and _shares_nodes(root):
        reader.error(
            _alias_line(reader, front), "-", "YAML aliases are not allowed (write the value out)"
        )
        return None
    return root


def _front_matter_in_body(reader: _Reader, body: str, line: int, keys: Iterable[str]) -> None:
    """An update pasted below the closing ``---`` is body text, and the
    incident stays open: a body whose first line reads as a key of the entry
    (``- at: ...``, ``status: resolved``) is refused."""
    first = body.split("\n", 1)[0]
    match = _BODY_KEY_RE.match(first)
    if match is None or match["key"] not in (*keys, *_UPDATE_KEYS):
        return
    reader.error(
        line,
        "-",
        f"'{match['key']}:' is below the closing '---', so it is text of the page, not a "
        f"field (move it above the '---' on line {len(reader.front_lines) + 1})",
    )


def _depth_bound(front: str) -> int:
    """An upper bound on nesting, from counts alone: each level needs a new
    line, a ``-``, a ``?`` or a bracket. Cheap, so most files skip the scan."""
    return (
        front.count("\n")
        + front.count("-")
        + front.count("?")
        + front.count("[")
        + front.count("{")
        + 1
    )


def _too_deep(front: str) -> bool:
    """Scan parser events (libyaml's parser is iterative) and stop at the limit."""
    depth = 0
    for event in yaml.parse(front, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return False


def _shares_nodes(root: Node) -> bool:
    """True when a node is reachable twice: the composer's trace of an alias."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return False


def _alias_line(reader: _Reader, front: str) -> int | None:
    """Line of the first alias; only called once an alias is known to exist."""
    for event in yaml.parse(front, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            return int(event.start_mark.line) + reader.offset
    return None  # pragma: no cover


def _kind(reader: _Reader, fields: dict[str, tuple[int, Node]], folder: str) -> EntryKind | None:
    """The entry's kind: news by folder; incident unless ``kind`` says otherwise.

    A misspelt kind with a close match is reported and then read as that
    match, so the rest of the file is still checked; with no match, the
    keys cannot be checked and the file stops here.
    """
    given = fields.get("kind")
    incident_keys = [k for k in ("started", "start", "impact", "updates") if k in fields]
    news_keys = [k for k in ("date", "summary") if k in fields]
    if folder == "news" and given is None and incident_keys and not news_keys:
        shown = " and ".join(f"'{k}'" for k in incident_keys[:2])
        reader.error(
            fields[incident_keys[0]][0],
            "-",
            f"this is an incident or maintenance (it has {shown}), but content/news/ holds "
            "news (move the file to content/incidents/)",
        )
        return None
    if folder == "incidents" and given is None and news_keys and not incident_keys:
        shown = " and ".join(f"'{k}'" for k in news_keys)
        reader.error(
            fields[news_keys[0]][0],
            "-",
            f"this is news (it has {shown}), but content/incidents/ holds incidents and "
            "maintenance (move the file to content/news/)",
        )
        return None
    if folder == "news":
        if given is not None:
            line, node = given
            if not (isinstance(node, ScalarNode) and node.value.strip() == "news"):
                reader.error(
                    line,
                    "kind",
                    f"a file in content/news/ is news, not '{_raw(node)}' (remove 'kind', "
                    "or move the file to content/incidents/)",
                )
        return EntryKind.NEWS
    if given is None:
        return EntryKind.INCIDENT
    line, node = given
    if _raw(node) == "news":
        reader.error(line, "kind", "news goes in content/news/ (move the file there)")
        return None
    options = ["incident", "maintenance"]
    word = reader.choice(node, "kind", line, options, "a kind")
    if word is None:
        match = closest(_raw(node), options)
        return EntryKind(match) if match else None
    return EntryKind(word)


# --- the kinds -------------------------------------------------------------------------

_SourceArgs = tuple[str, int, str]


def _source(reader: _Reader, args: _SourceArgs) -> Source:
    path, body_line, digest = args
    return Source(path, MappingProxyType(dict(reader.lines)), body_line, digest)


class _Common(NamedTuple):
    title: str
    draft: bool
    post: bool
    post_text: str | None


def _common(reader: _Reader, fields: dict[str, tuple[int, Node]]) -> _Common:
    """Fields every kind has: title, draft, post, post_text. A bad value is
    reported and replaced by its default (the entry is dropped anyway)."""
    title = None
    if "title" in fields:
        line, node = fields["title"]
        title = reader.text(node, "title", line, required=True, single_line=True)
    else:
        reader.missing("title")
    flags = {"draft": False, "post": True}
    for key in flags:
        if key in fields:
            line, node = fields[key]
            value = reader.flag(node, key, line)
            if value is not None:
                flags[key] = value
    post_text = None
    if "post_text" in fields:
        line, node = fields["post_text"]
        post_text = reader.text(node, "post_text", line)
    return _Common(title or "", flags["draft"], flags["post"], post_text)


def _optional_text(
    reader: _Reader, fields: dict[str, tuple[int, Node]], key: str, **kwargs: bool
) -> str | None:
    if key not in fields:
        return None
    line, node = fields[key]
    return reader.text(node, key, line, **kwargs)


def _required_time(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    key: str,
    *,
    prefix: str = "",
    allow_date: bool = False,
    missing_line: int = 1,
) -> datetime | None:
    name = f"{prefix}{key}"
    if key not in fields:
        reader.missing(name, key, missing_line)
        return None
    line, node = fields[key]
    return reader.time(node, name, line, allow_date=allow_date)


def _incident(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    entry_id: str,
    body: str,
    source: _SourceArgs,
) -> Incident | None:
    common = _common(reader, fields)
    services = _incident_services(reader, fields)
    started = _required_time(reader, fields, "started")
    resolved = None
    if "resolved" in fields:
        line, node = fields["resolved"]
        if not (isinstance(node, ScalarNode) and node.tag == _NULL):
            resolved = reader.time(node, "resolved", line)
            if resolved is not None and started is not None and _before(resolved, started):
                reader.error(
                    line,
                    "resolved",
                    f"{_fmt(resolved)} is before started {_fmt(started)} "
                    "(an incident is resolved after it starts)",
                )
    updates = _updates(reader, fields, IncidentStatus, "an incident status")
    final = IncidentStatus.RESOLVED
    review = IncidentStatus.POSTMORTEM
    for index, update, line in updates:
        at = f"updates[{index}].at"
        if started is not None and _before(update.at, started):
            reader.error(
                line,
                at,
                f"{_fmt(update.at)} is before started {_fmt(started)} "
                "(an update comes at or after the start)",
            )
        # A post-incident review is written after the resolution, so only it may
        # come after `resolved` or after the resolved update.
        if update.status is not review and resolved is not None and _before(resolved, update.at):
            reader.error(
                line,
                at,
                f"{_fmt(update.at)} is after resolved {_fmt(resolved)} "
                "(move 'resolved' to the last update, or fix this time)",
            )
        if update.status is final:
            later = next(
                ((n, u) for n, u, _ in updates if n > index and u.status is not review), None
            )
            if later is not None:
                reader.error(
                    reader.lines.get(f"updates[{index}].status", line),
                    f"updates[{index}].status",
                    f"'resolved' is followed by '{later[1].status.value}' in updates[{later[0]}] "
                    "(only 'postmortem' updates may follow the resolved one)",
                )
    _check_order(reader, updates)
    closing = [u for _, u, _ in updates if u.status is not review]
    if resolved is None and closing and closing[-1].status is final:
        resolved = closing[-1].at
    for index, update, line in updates:
        if update.status is not review:
            continue
        field = f"updates[{index}].status"
        if resolved is None:
            reader.error(
                reader.lines.get(field, line),
                field,
                "'postmortem' on an incident that is not resolved "
                "(a post-incident review follows a 'resolved' update or 'resolved:')",
            )
        elif _before(update.at, resolved):
            reader.error(
                line,
                f"updates[{index}].at",
                f"{_fmt(update.at)} is before resolved {_fmt(resolved)} "
                "(a post-incident review comes after the resolution)",
            )
    reference = _optional_text(reader, fields, "reference", single_line=True, allow_int=True)
    if reader.has_errors() or services is None or started is None:
        return None
    return Incident(
        id=entry_id,
        title=common.title,
        services=services,
        started=started,
        resolved=resolved,
        updates=tuple(u for _, u, _ in updates),
        body=body,
        reference=reference,
        draft=common.draft,
        post=common.post,
        post_text=common.post_text,
        source=_source(reader, source),
    )


def _incident_services(
    reader: _Reader, fields: dict[str, tuple[int, Node]]
) -> tuple[AffectedService, ...] | None:
    """``services`` as a list (with one ``impact``) or a map id -> impact."""
    impacts = [i.value for i in Impact]
    impact_field = fields.get("impact")
    if "services" not in fields:
        reader.missing("services")
        return None
    line, node = fields["services"]
    if isinstance(node, MappingNode):
        if not node.value:
            reader.error(line, "services", "is empty (list at least one service, e.g. [email])")
            return None
        if impact_field is not None:
            reader.error(
                impact_field[0], "impact", "give impact per service in the map, or use a list"
            )
        out: list[AffectedService] = []
        for key, (item_line, value) in reader.mapping(node, "services").items():
            field = f"services.{key}"
            service = reader.service_id(key, field, item_line)
            impact = reader.choice(value, field, item_line, impacts, "an impact")
            if service is not None and impact is not None:
                out.append(AffectedService(service, Impact(impact)))
        return tuple(out)
    ids = _service_list(reader, node, line)
    impact = None
    if impact_field is None:
        reader.missing("impact")
    else:
        impact = reader.choice(impact_field[1], "impact", impact_field[0], impacts, "an impact")
    if ids is None or impact is None:
        return None
    return tuple(AffectedService(s, Impact(impact)) for s in ids)


def _service_list(reader: _Reader, node: Node, line: int) -> tuple[str, ...] | None:
    """A non-empty list of known, distinct service ids."""
    if not isinstance(node, SequenceNode):
        if isinstance(node, ScalarNode) and not node.value.strip():
            reader.error(line, "services", "is empty (list at least one service, e.g. [email])")
        else:
            reader.error(
                line,
                "services",
                f"expected a list, got {_describe(node)} (write e.g. [{_raw(node) or 'email'}])",
            )
        return None
    if not node.value:
        reader.error(line, "services", "is empty (list at least one service, e.g. [email])")
        return None
    ids: list[str] = []
    first: dict[str, int] = {}
    ok = True
    for number, item in enumerate(node.value, 1):
        field = f"services[{number}]"
        item_line = reader.line(item)
        reader.lines[field] = item_line
        if not isinstance(item, ScalarNode):
            reader.error(item_line, field, f"expected a service id, got {_describe(item)}")
            ok = False
            continue
        service = reader.service_id(item.value.strip(), field, item_line)
        if service is None:
            ok = False
        elif service in first:
            reader.error(
                item_line,
                field,
                f"'{service}' is listed twice (first as services[{first[service]}]; keep one)",
            )
            ok = False
        else:
            first[service] = number
            ids.append(service)
    return tuple(ids) if ok else None


def _count_updates(fields: dict[str, tuple[int, Node]]) -> int:
    node = fields.get("updates", (0, None))[1]
    return len(node.value) if isinstance(node, SequenceNode) else 0


def _updates(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    statuses: type[IncidentStatus] | type[MaintenanceStatus],
    what: str,
) -> list[tuple[int, Update, int]]:
    """The valid updates as (1-based index, update, line of ``at``)."""
    if "updates" not in fields:
        return []
    line, node = fields["updates"]
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return []
    if not isinstance(node, SequenceNode):
        reader.error(
            line,
            "updates",
            f"expected a list of updates, got {_describe(node)} "
            "(each item: '- at: ...', 'status: ...', 'message: ...')",
        )
        return []
    out: list[tuple[int, Update, int]] = []
    choices = [s.value for s in statuses]
    for index, item in enumerate(node.value, 1):
        prefix = f"updates[{index}]"
        item_line = reader.line(item)
        reader.lines[prefix] = item_line
        if not isinstance(item, MappingNode):
            reader.error(
                item_line,
                prefix,
                f"expected an update, got {_describe(item)} (give at, status and message)",
            )
            continue
        parts = reader.mapping(item, prefix)
        for key, (key_line, _) in parts.items():
            if key not in _UPDATE_KEYS:
                reader.unknown_key(key_line, f"{prefix}.{key}", key, _UPDATE_KEYS, prefix)
        at = _required_time(reader, parts, "at", prefix=f"{prefix}.", missing_line=item_line)
        status = None
        if "status" in parts:
            s_line, s_node = parts["status"]
            status = reader.choice(s_node, f"{prefix}.status", s_line, choices, what)
        else:
            reader.missing(f"{prefix}.status", "status", item_line)
        message = None
        if "message" in parts:
            m_line, m_node = parts["message"]
            message = reader.text(m_node, f"{prefix}.message", m_line, required=True)
        else:
            reader.missing(f"{prefix}.message", "message", item_line)
        if at is not None and status is not None and message is not None:
            at_line = parts["at"][0]
            out.append((index, Update(at, statuses(status), message), at_line))
    return out


def _check_order(reader: _Reader, updates: list[tuple[int, Update, int]]) -> None:
    """Updates oldest first; no two with the same time and status (their key)."""
    for (prev_index, prev, _), (index, update, line) in itertools.pairwise(updates):
        if _before(update.at, prev.at):
            reader.error(
                line,
                f"updates[{index}].at",
                f"{_fmt(update.at)} is before updates[{prev_index}] at {_fmt(prev.at)} "
                "(list updates oldest first)",
            )
        elif update.key() == prev.key():
            reader.error(
                line,
                f"updates[{index}].at",
                f"same time and status as updates[{prev_index}] (merge them, or fix the time)",
            )


def _maintenance(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    entry_id: str,
    body: str,
    source: _SourceArgs,
) -> Maintenance | None:
    common = _common(reader, fields)
    ids = None
    if "services" not in fields:
        reader.missing("services")
    else:
        line, node = fields["services"]
        if isinstance(node, MappingNode):
            reader.error(
                line,
                "services",
                "a maintenance takes a list of services, without impacts (write e.g. [email, vpn])",
            )
        else:
            ids = _service_list(reader, node, line)
    start = _required_time(reader, fields, "start")
    end = _required_time(reader, fields, "end")
    if start is not None and end is not None and not _before(start, end):
        reader.error(
            fields["end"][0],
            "end",
            f"{_fmt(end)} is not after start {_fmt(start)} (a window ends after it starts)",
        )
    updates = _updates(reader, fields, MaintenanceStatus, "a maintenance status")
    total = _count_updates(fields)
    for index, update, line in updates:
        if update.status is MaintenanceStatus.COMPLETED and index != total:
            reader.error(
                reader.lines.get(f"updates[{index}].status", line),
                f"updates[{index}].status",
                "'completed' is not the last update (only the last update can be completed)",
            )
    _check_order(reader, updates)
    reference = _optional_text(reader, fields, "reference", single_line=True, allow_int=True)
    rrule = _rrule(reader, fields, start, end)
    if reader.has_errors() or ids is None or start is None or end is None:
        return None
    return Maintenance(
        id=entry_id,
        title=common.title,
        service_ids=ids,
        start=start,
        end=end,
        updates=tuple(u for _, u, _ in updates),
        body=body,
        reference=reference,
        draft=common.draft,
        post=common.post,
        post_text=common.post_text,
        source=_source(reader, source),
        rrule=rrule,
    )


def _rrule(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    start: datetime | None,
    end: datetime | None,
) -> str | None:
    """A maintenance window's ``rrule`` (see `recurrence`), checked against its
    first window; each problem is a line of its own."""
    if "rrule" not in fields:
        return None
    line, node = fields["rrule"]
    text = reader.text(node, "rrule", line, required=True, single_line=True)
    if text is None or start is None or end is None or not _before(start, end):
        return None
    rule, problems = check_rule(text, start, end, reader.config.timezone)
    for message in problems:
        reader.error(line, "rrule", message)
    return rule


def _news(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    entry_id: str,
    body: str,
    source: _SourceArgs,
) -> NewsItem | None:
    common = _common(reader, fields)
    when = _required_time(reader, fields, "date", allow_date=True)
    summary = None
    if "summary" not in fields:
        reader.missing("summary")
    else:
        line, node = fields["summary"]
        summary = reader.text(node, "summary", line, required=True, single_line=True)
        for message in summary_problems(summary or ""):
            reader.error(line, "summary", message)
    tags = _tags(reader, fields)
    if reader.has_errors() or when is None or summary is None or tags is None:
        return None
    return NewsItem(
        id=entry_id,
        title=common.title,
        date=when,
        summary=summary,
        body=body,
        tags=tags,
        draft=common.draft,
        post=common.post,
        post_text=common.post_text,
        source=_source(reader, source),
    )


def _tags(reader: _Reader, fields: dict[str, tuple[int, Node]]) -> tuple[str, ...] | None:
    if "tags" not in fields:
        return ()
    line, node = fields["tags"]
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return ()
    if not isinstance(node, SequenceNode):
        reader.error(
            line, "tags", f"expected a list, got {_describe(node)} (write e.g. [{_raw(node)}])"
        )
        return None
    tags: list[str] = []
    for number, item in enumerate(node.value, 1):
        field = f"tags[{number}]"
        item_line = reader.line(item)
        reader.lines[field] = item_line
        tag = reader.text(item, field, item_line, required=True, single_line=True)
        if tag is not None:
            tags.append(tag)
    return tuple(tags) if len(tags) == len(node.value) else None


# --- small helpers ---------------------------------------------------------------------


def _describe(node: Node) -> str:
    """What YAML made of a value, in the user's words."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    tag = node.tag
    if tag == _BOOL:
        return "a yes/no value"
    if tag in (_INT, _FLOAT):
        return "a number"
    if tag == _NULL:
        return "an empty value" if not node.value.strip() else "a null value"
    if tag == _STR:
        return "text"
    return f"a value tagged {tag}"


def _raw(node: Node) -> str:
    return node.value.strip() if isinstance(node, ScalarNode) else ""


def _quoted(raw: str) -> str:
    return '"' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _suggest(word: str, options: list[str]) -> str:
    match = closest(word, options)
    return f"(did you mean '{match}'?)" if match else f"(one of {', '.join(options)})"


def service_hint(raw: str, known: list[str]) -> str:
    """What to write instead of an unknown service id (front-matter and ``new --services``)."""
    slip = lookalike(raw)
    if slip:
        return slip
    match = closest(raw, known)
    if match:
        return f"did you mean '{match}'?"
    if known and len(known) <= 10:
        return f"one of {', '.join(known)}"
    return "see [[services]] in site.toml"


def summary_problems(summary: str) -> list[str]:
    """What is wrong with a news summary: it is shown as plain text in lists,
    feeds and posts, so no markup, and at most `SUMMARY_MAX` characters."""
    problems = []
    bad = _MARKUP_RE.search(summary)
    if bad is not None:
        problems.append(f"contains '{bad.group()}' (plain text only: no Markdown or HTML)")
    if len(summary) > SUMMARY_MAX:
        problems.append(f"is {len(summary)} characters (at most {SUMMARY_MAX})")
    return problems


def _before(a: datetime, b: datetime) -> bool:
    """``a < b`` as instants: same-tzinfo comparisons ignore `fold`."""
    return a.timestamp() < b.timestamp()


def _fmt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def _offset(text: str, whole: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"'{whole}' has an impossible offset (use ±HH:MM, e.g. +01:00)")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _localize(local: datetime, tz: ZoneInfo) -> tuple[datetime, str | None]:
    """Check a wall time in ``tz`` against DST: a gap is an error, an overlap
    a warning (taking fold 0, the first occurrence). Both are found by
    comparing fold 0 and fold 1 and round-tripping fold 0 through UTC."""
    first = local.replace(fold=0)
    second = local.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, None
    at_utc = (first.astimezone(UTC), second.astimezone(UTC))
    old, new = first.utcoffset(), second.utcoffset()
    assert old is not None and new is not None
    change = _transition(min(at_utc), max(at_utc), tz) + old
    wall = first.strftime("%Y-%m-%d %H:%M")
    name = tz.key
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != first.replace(tzinfo=None):
        later = (first.replace(tzinfo=None) + (new - old)).strftime("%H:%M")
        raise ValueError(
            f"{wall} does not exist in {name} (clocks go forward at {change:%H:%M}; "
            f"use {later} or give an offset)"
        )
    return first, (
        f"{wall} happens twice in {name} (clocks go back at {change:%H:%M}); taking the "
        f"first, {_fmt_offset(old)} (give an offset to choose: {_fmt_offset(old)} "
        f"or {_fmt_offset(new)})"
    )


def _transition(lo: datetime, hi: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant (to the second) between ``lo`` and ``hi`` when ``tz``
    changes offset; zoneinfo does not expose its transitions."""
    target = hi.astimezone(tz).utcoffset()
    low, high = int(lo.timestamp()), int(hi.timestamp())
    while high - low > 1:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == target:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, UTC)


def _fmt_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
