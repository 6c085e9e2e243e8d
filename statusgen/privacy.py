"""The privacy guard: `[privacy] forbidden` patterns never reach an output.

Every rendered file is searched, whatever produced it (content, the
theme, the catalogue), so nothing slips through a path nobody thought of.
A match is then traced back to the file and line a person wrote, because
"srv-12 found in feeds/all.atom" does not tell anyone what to fix.

Why each output is searched more than once:

* Outputs escape what people typed: ``a&b`` is ``a&amp;b`` in HTML and
  ``a\\u0026b`` in the JSON API, a feed escapes its HTML content a second
  time, and an iCalendar line is folded every 75 bytes. A reader sees the
  unescaped text, so the rules see it too: each output is searched as
  written and as read (character references decoded, twice in feeds; JSON
  strings decoded; iCalendar lines unfolded and unescaped). Tags are not
  removed: Markdown that splits a word (``srv-*12*``) is deliberate, not a
  slip, and stripping tags from every page would triple the guard's cost;
  the plain-text copies of update messages in the JSON still catch it.
* The origins (what people wrote) are only searched when an output
  matched, so a clean build pays for the output scan alone (see `Guard`
  for the measured cost).

The rules are a safety net for the text people type in a hurry, not a
licence: they catch the names someone thought of listing.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import CONFIG_NAME, _KeyLines
from .errors import Problem
from .markup import to_text
from .model import Incident, Maintenance, NewsItem, Site, SiteConfig

_MARKUP_SUFFIXES = (".html", ".htm", ".xml", ".rss", ".atom", ".svg")
"""Outputs whose readers decode character references."""
_FEED_SUFFIXES = (".rss", ".atom")
"""Outputs whose HTML content is escaped once more inside the XML."""
_TEXT_SUFFIXES = (*_MARKUP_SUFFIXES, ".json", ".txt", ".ics", ".css", ".js")
"""Outputs known to be text; any other output is searched when it is valid UTF-8."""


_ICS_FOLD = re.compile(r"\r?\n[ \t]")
_ICS_ESCAPE = re.compile(r"\\([\\;,nN])")
_SEPARATOR = "\n\0\n"
"""Between the readings of one output: no rule can match across it."""


@dataclass(frozen=True)
class _Origin:
    text: str
    path: str
    line: int | None
    field: str
    markdown: bool = False
    """Rendered through Markdown: also searched as the plain text it becomes."""
    multiline: bool = False
    """A file or a body: the line is that of its first line, and matches count on."""


@dataclass(frozen=True)
class Guard:
    """The forbidden rules, searched one after the other.

    One pass per rule, not one combined alternation: measured on a site of
    10,000 entries (68 MB of output), the two demo rules take 0.06 s as
    separate passes and 0.5 s joined, because `re` finds a rule's literal
    prefix (``srv-``) with a fast scan that an alternation (and a named
    group per rule) switches off. Separate passes also keep each rule's own
    flags (``(?i)`` may only open a whole regex) and name the rule that
    matched without guessing.
    """

    rules: tuple[re.Pattern[str], ...]

    def findall(self, text: str) -> Iterator[tuple[re.Pattern[str], re.Match[str]]]:
        for rule in self.rules:
            for match in rule.finditer(text):
                yield rule, match


def guard(config: SiteConfig) -> Guard | None:
    """The rules of `config`, or None when it has none."""
    rules = config.privacy.forbidden
    return Guard(rules) if rules else None


def check_outputs(
    site: Site, files: Mapping[str, bytes], env: Mapping[str, str] | None = None
) -> list[Problem]:
    """One problem per forbidden text, named by where a person wrote it, and one
    per output that holds a credential from the environment (`env`, by default
    the process's: `secret_problems`)."""
    secrets = secret_problems(files, os.environ if env is None else env)
    rules = guard(site.config)
    if rules is None:
        return secrets
    hits: dict[str, tuple[str, re.Pattern[str]]] = {}  # matched -> (first output, rule)
    for path, data in files.items():
        text = readings(path, data)
        if text is None:
            continue
        for rule, match in rules.findall(text):
            hits.setdefault(match.group(0), (path, rule))
    if not hits:
        return secrets
    return sorted(secrets + _attribute(site, rules, hits))


SECRET_VARIABLES = ("X_API_KEY", "X_API_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
"""Credentials publish reads from the environment (the CLI masks the same ones)."""
SECRET_MIN = 8
"""Shorter values are not searched for: they would match by chance."""


def secret_problems(files: Mapping[str, bytes], env: Mapping[str, str]) -> list[Problem]:
    """Outputs that hold the value of a credential from the environment.

    No content can hold one by accident; a theme file that is a link to
    ``/proc/self/environ`` or to a CI secrets file can, and in the publish
    job the credentials are in the environment of the build. The problem
    names the variable, never the value.
    """
    secrets = [
        (name, value.encode())
        for name in SECRET_VARIABLES
        if len(value := env.get(name, "").strip()) >= SECRET_MIN
    ]
    return [
        Problem(
            path,
            None,
            "privacy",
            f"holds the value of {name}, a credential from the environment, and would publish "
            "it (look for a theme file that links outside the site)",
        )
        for path, data in files.items()
        for name, value in secrets
        if value in data
    ]


def readings(path: str, data: bytes) -> str | None:
    """The text of one output as written and as read, for one search; None for binary.

    The readings are joined by `_SEPARATOR`, so one regex pass covers all of
    them and no match spans two.
    """
    if path.endswith(_TEXT_SUFFIXES):
        text = data.decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None  # images, fonts: nobody types into them
    parts = [text]
    if path.endswith(_MARKUP_SUFFIXES):
        if "&" in text:
            parts.append(html.unescape(parts[-1]))
            if path.endswith(_FEED_SUFFIXES) and "&" in parts[-1]:
                parts.append(html.unescape(parts[-1]))
    elif path.endswith(".json"):
        if "\\" in text:
            parts.append(_json_strings(text))
    elif path.endswith(".ics"):
        parts.append(_ICS_ESCAPE.sub(_ics_char, _ICS_FOLD.sub("", text)))
    return _SEPARATOR.join(parts)


# --- readings -------------------------------------------------------------------------


def _json_strings(text: str) -> str:
    """Every key and string of a JSON document, decoded, one per line."""
    try:
        document = json.loads(text)
    except ValueError:
        return ""
    out: list[str] = []
    stack: list[Any] = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return "\n".join(out)


def _ics_char(match: re.Match[str]) -> str:
    char = match.group(1)
    return "\n" if char in "nN" else char


# --- tracing a match back to its source --------------------------------------------------


def _attribute(
    site: Site, rules: Guard, hits: Mapping[str, tuple[str, re.Pattern[str]]]
) -> list[Problem]:
    """A problem at every place a person wrote a text that an output matched.

    Sources are searched as typed first. Only the matches still unexplained
    send the Markdown ones through `to_text` (Markdown can split a match:
    srv-*12* reads srv-12), naming the field's first line. Matches found in
    no source (text that only two values side by side, or a built-in
    template, make) name the first output they are in.
    """
    problems: set[Problem] = set()
    placed: set[str] = set()
    origins = list(_origins(site))
    for origin in origins:
        for _, match in rules.findall(origin.text):
            matched = match.group(0)
            if matched not in hits:
                continue
            placed.add(matched)
            line = origin.line
            if line is not None and origin.multiline:
                line += origin.text.count("\n", 0, match.start())
            problems.add(_problem(origin, line, matched, hits[matched][1]))
    if placed != hits.keys():
        as_read: set[str] = set()
        for origin in (o for o in origins if o.markdown):
            for _, match in rules.findall(to_text(origin.text)):
                matched = match.group(0)
                if matched in hits and matched not in placed:
                    as_read.add(matched)
                    problems.add(_problem(origin, origin.line, matched, hits[matched][1]))
        placed |= as_read
    for matched, (output, rule) in hits.items():
        if matched not in placed:
            message = _message(matched, rule, "remove it")
            problems.add(
                Problem(output, None, "privacy", f"{message}; found in the output, not in a source")
            )
    return sorted(problems)


def _problem(origin: _Origin, line: int | None, matched: str, rule: re.Pattern[str]) -> Problem:
    content = origin.path.startswith("content/")
    fix = "remove it, or move it to internal_notes" if content else "remove it"
    return Problem(origin.path, line, origin.field, _message(matched, rule, fix))


def _message(matched: str, rule: re.Pattern[str], fix: str) -> str:
    return f"{matched!r} matches the privacy rule {rule.pattern!r} and would be published ({fix})"


def _origins(site: Site) -> Iterator[_Origin]:
    """Every string a person wrote that can reach an output, with its place."""
    yield from _config_origins(site.config)
    yield from _theme_origins(site.config)
    entries: list[Incident | Maintenance | NewsItem] = [
        *site.incidents,
        *site.maintenances,
        *site.news,
    ]
    for entry in entries:
        source = entry.source
        yield _Origin(entry.id, source.path, None, "file name")
        yield _Origin(entry.title, source.path, source.line_of("title"), "title")
        yield _Origin(
            entry.body, source.path, source.body_line, "body", markdown=True, multiline=True
        )
        if entry.post_text:
            yield _Origin(entry.post_text, source.path, source.line_of("post_text"), "post_text")
        if isinstance(entry, NewsItem):
            yield _Origin(entry.summary, source.path, source.line_of("summary"), "summary")
            for number, tag in enumerate(entry.tags, 1):
                yield _Origin(
                    tag, source.path, source.line_of(f"tags[{number}]"), f"tags[{number}]"
                )
        else:
            if entry.reference:
                yield _Origin(
                    entry.reference, source.path, source.line_of("reference"), "reference"
                )
            for number, update in enumerate(entry.updates, 1):
                field = f"updates[{number}].message"
                yield _Origin(
                    update.message, source.path, source.line_of(field), field, markdown=True
                )


def _config_origins(config: SiteConfig) -> Iterator[_Origin]:
    """site.toml's published values, each at its key's line."""
    try:
        lines = _KeyLines((config.root / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        lines = _KeyLines("")
    for key in ("title", "description", "base_url", "language"):
        yield _Origin(getattr(config, key), CONFIG_NAME, lines.find(key), key)
    if config.publish.x.account:
        line = lines.find("account", "publish.x")
        yield _Origin(config.publish.x.account, CONFIG_NAME, line, "publish.x.account")
    for nth, service in enumerate(config.services):
        for key in ("id", "name", "group", "description"):
            value = getattr(service, key) or ""
            field = f"services[{nth + 1}].{key}"
            yield _Origin(value, CONFIG_NAME, lines.find(key, "services", nth), field)


def _theme_origins(config: SiteConfig) -> Iterator[_Origin]:
    """The site's own theme files (templates and static), each searched whole."""
    theme = config.root / "themes" / config.theme
    if not theme.is_dir():
        return
    for path in sorted(theme.rglob("*")):
        rel = path.relative_to(config.root)
        if not path.is_file() or any(p.startswith(".") for p in rel.parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        yield _Origin(text, Path(rel).as_posix(), 1, "theme", multiline=True)
