"""Problems found in a user's site, and the exceptions that carry them.

Every user mistake becomes a `Problem` that prints as one line,
``path:line: field: message``, so an editor or CI log can jump to it.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"
    """Worth saying, never a fault: not counted as a warning, not failed by --strict
    (a news item held back until its date)."""


_MARKS = {Severity.ERROR: "", Severity.WARNING: "warning: ", Severity.NOTICE: "note: "}


@dataclass(frozen=True)
class Problem:
    path: str
    """The file, relative to the site folder (forward slashes)."""
    line: int | None
    """1-based line of the offending key or value; None when the whole file is at fault."""
    field: str
    """The key (dotted for nested ones: ``updates[2].at``), or ``-`` for the file itself."""
    message: str
    """What is wrong, and in parentheses what would be right."""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return printable(f"{where}: {self.field}: {_MARKS[self.severity]}{self.message}")

    def plain(self) -> tuple[str, int | None, str, str, str]:
        """The problem as plain data, for a memo or an index (`from_plain`)."""
        return (self.path, self.line, self.field, self.message, self.severity.value)

    @classmethod
    def from_plain(cls, kept: object) -> Problem:
        """The problem `plain` made; TypeError or ValueError when `kept` is not one."""
        path, line, field, message, severity = kept  # type: ignore[misc]
        return cls(path, line, field, message, Severity(severity))

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity is Severity.WARNING

    def sort_key(self) -> tuple[str, int, str, str, str]:
        """File order: by path, then line (a whole-file problem, with no line,
        first), field, message. Total over every problem: ``line`` may be None
        and `Severity` has no order, so dataclass ordering would raise."""
        line = -1 if self.line is None else self.line
        return (self.path, line, self.field, self.message, self.severity.value)

    def __lt__(self, other: Problem) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return self.sort_key() < other.sort_key()


class StatusgenError(Exception):
    """A failure the user can act on; the CLI prints it as one line, no traceback."""


class ProblemsError(StatusgenError):
    """Validation found errors; nothing was written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{sum(p.is_error for p in self.problems)} error(s)")


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option a misspelt word was most likely meant as, or None: the one
    did-you-mean rule of every message (site.toml keys, front-matter keys,
    service ids, kinds)."""
    matches = difflib.get_close_matches(word, list(options), n=1)
    return matches[0] if matches else None


def printable(text: str) -> str:
    """One line whatever a user typed: control characters shown escaped.

    A key or file name holding a newline would otherwise forge a second
    problem line, which CI systems read as an annotation (``::error ...``).
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
