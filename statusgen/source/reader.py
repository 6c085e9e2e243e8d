"""One file's problems and key lines, and YAML node -> value conversions.

Values are converted from composed nodes (see `frontmatter`), so each
conversion sees the resolved tag and the text the user typed, and can name
YAML's typing traps (``no``, ``1.10``, ``on``) with a "quote it" hint.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Problem, Severity, closest, printable
from ..model import SiteConfig
from .times import _TIME_EXAMPLE, parse_time
from .yaml_errors import lookalike

# --- YAML -------------------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_NULL = "tag:yaml.org,2002:null"
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
