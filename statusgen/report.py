"""Problems for the forge: GitHub Actions annotations and a GitLab Code Quality report.

The plain lines (`Problem.__str__`) are for a person reading a CI log. An
author fixing an incident from a phone never opens that log, but does see
the file in the commit or merge request view; these two formats put each
problem there:

- GitHub Actions reads workflow commands from a step's stdout:
  ``::error file=PATH,line=N,title=FIELD::MESSAGE`` (``::warning`` for a
  warning, ``::notice`` for a note) becomes an annotation on the file.
- GitLab reads a Code Quality report, a JSON array published as the job's
  ``artifacts:reports:codequality``, and shows it in the merge request.

Paths are relative to the checkout (``GITHUB_WORKSPACE``,
``CI_PROJECT_DIR``, else the current folder), not to the site folder, so a
site in a subfolder of its repository still points at the right file.

Nothing here prints; the CLI does.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import jsontext
from .atomic import write_atomic
from .errors import Problem, Severity, StatusgenError, printable

DEFAULT_REPORT = Path("gl-code-quality-report.json")
"""Where the Code Quality report goes under GitLab CI when ``--report`` is not given."""

# GitHub's workflow-command escapes (actions/toolkit, command.ts): a message
# needs only its line ends and `%` escaped; a property also `:` and `,`,
# which would end the property list or the value.
_DATA = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})
_INDEX = re.compile(r"\[\d+\]")
_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}
"""GitHub's workflow command for each severity."""
_CODE_QUALITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.NOTICE: "info"}
"""GitLab Code Quality's severity for each of ours."""


@dataclass(frozen=True)
class Forge:
    """Where a run's problems go besides the plain lines, read from the environment."""

    annotate: bool
    """Print GitHub workflow commands (``GITHUB_ACTIONS=true``)."""
    report: Path | None
    """Write a GitLab Code Quality report here (``--report``, or the default under GitLab CI)."""
    site: Path
    """The site folder; problem paths are relative to it."""
    checkout: Path
    """The repository's root; the forge names files relative to it."""

    @classmethod
    def from_env(cls, env: Mapping[str, str], site: Path, report: Path | None) -> Forge:
        gitlab = env.get("GITLAB_CI") == "true"
        if report is None and gitlab:
            report = DEFAULT_REPORT
        root = env.get("GITHUB_WORKSPACE") or env.get("CI_PROJECT_DIR") or "."
        return cls(env.get("GITHUB_ACTIONS") == "true", report, site, Path(root))

    def locate(self, path: str) -> str:
        """`path` (relative to the site) as the forge names it: relative to the checkout.

        Only the site folder is resolved, not the file: a symlinked file is
        shown where the author edits it. A site outside the checkout keeps
        its own relative paths.
        """
        try:
            where = self.site.resolve() / path
            return where.relative_to(self.checkout.resolve()).as_posix()
        except (OSError, ValueError):
            return path


def annotation(problem: Problem, path: str) -> str:
    """One GitHub workflow command for `problem`, on the file `path`.

    Escaped per GitHub's rules, then any other control character is shown
    escaped (`printable`), so a hostile key cannot end the line and forge a
    second command.
    """
    kind = _COMMANDS[problem.severity]
    properties = [f"file={_property(path)}"]
    if problem.line is not None:
        properties.append(f"line={problem.line}")
    properties.append(f"title={_property(problem.field)}")
    return f"::{kind} {','.join(properties)}::{printable(problem.message.translate(_DATA))}"


def code_quality(problems: Iterable[tuple[Problem, str]]) -> list[dict[str, object]]:
    """GitLab Code Quality issues for (problem, path) pairs, by file and line.

    The fingerprint is what GitLab compares between the merge request and
    its target branch, so it must name the problem, not where it sits: a
    hash of the path, the field and what is wrong (the message up to its
    parenthesised fix). The line is left out, so a problem keeps its
    fingerprint when a line is added above it; the fix is left out, since
    it can list things (services, keys) that change for unrelated reasons.
    GitLab shows one issue per fingerprint, so a second identical problem in
    the same file (by line order) gets its occurrence number hashed in too.
    """
    pairs = sorted(problems, key=lambda pair: (pair[1], pair[0].line or 0))
    seen: Counter[tuple[str, str, str]] = Counter()
    issues: list[dict[str, object]] = []
    for problem, path in pairs:
        key = (path, problem.field, _what(problem.message))
        occurrence = seen[key]
        seen[key] += 1
        parts = [*key, str(occurrence)] if occurrence else list(key)
        fingerprint = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()
        issue: dict[str, object] = {
            "description": printable(f"{problem.field}: {problem.message}"),
            "check_name": "statusgen." + ("file" if problem.field == "-" else _rule(problem.field)),
            "fingerprint": fingerprint,
            "severity": _CODE_QUALITY[problem.severity],
            # GitLab needs a line; a problem with the whole file is on its first.
            "location": {"path": path, "lines": {"begin": problem.line or 1}},
        }
        issues.append(issue)
    return issues


def write_code_quality(path: Path, issues: list[dict[str, object]]) -> None:
    """Write the report atomically; an empty list too, so fixed problems leave the widget."""
    try:
        write_atomic(path, jsontext.dump(issues))
    except (FileExistsError, NotADirectoryError):
        # mkdir's "File exists" would not say which file is in the way.
        raise StatusgenError(
            f"{path}: cannot write the Code Quality report "
            f"(a file is in the way of the folder {path.parent})"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StatusgenError(f"{path}: cannot write the Code Quality report ({reason})") from None


def _property(text: str) -> str:
    return printable(text.translate(_PROPERTY))


def _what(message: str) -> str:
    """What is wrong, without the parenthesised fix that follows it."""
    return message.split(" (", 1)[0]


def _rule(field: str) -> str:
    """The field without list positions: ``updates[2].at`` is the rule ``updates.at``."""
    return _INDEX.sub("", field)
