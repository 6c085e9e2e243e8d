"""The privacy guard: `[privacy] forbidden` patterns never reach an output.

Every rendered file is searched, whatever produced it (content, the
theme, the catalogue), so nothing slips through a path nobody thought of.
A match is then traced back to the file and line a person wrote, because
"srv-12 found in feeds/all.atom" does not tell anyone what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .config import CONFIG_NAME
from .errors import Problem
from .model import Incident, Maintenance, NewsItem, Site, SiteConfig

_TEXT_SUFFIXES = (".html", ".xml", ".txt", ".json", ".rss", ".atom", ".ics", ".css", ".svg", ".js")


@dataclass(frozen=True)
class _Origin:
    text: str
    path: str
    line: int | None
    field: str


def combined(config: SiteConfig) -> re.Pattern[str] | None:
    """All forbidden patterns as one regex, so each file is searched once."""
    patterns = config.privacy.forbidden
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


def find(config: SiteConfig, text: str) -> list[tuple[str, str]]:
    """(pattern, matched text) for every forbidden match in `text`."""
    found: list[tuple[str, str]] = []
    for pattern in config.privacy.forbidden:
        found += [(pattern.pattern, m.group(0)) for m in pattern.finditer(text)]
    return found


def check_outputs(site: Site, files: Mapping[str, bytes]) -> list[Problem]:
    """One problem per forbidden text, named by where a person wrote it."""
    pattern = combined(site.config)
    if pattern is None:
        return []
    hits: dict[str, list[str]] = {}
    for path, data in files.items():
        if not path.endswith(_TEXT_SUFFIXES):
            continue
        text = data.decode("utf-8", errors="replace")
        for match in pattern.finditer(text):
            hits.setdefault(match.group(0), []).append(path)
    problems: set[Problem] = set()
    for matched, outputs in hits.items():
        rule = next(p.pattern for p in site.config.privacy.forbidden if p.search(matched))
        message = (
            f"{matched!r} matches the privacy rule {rule!r} and would be published "
            "(remove it, or move it to internal_notes)"
        )
        origins = [o for o in _origins(site) if matched in o.text]
        for origin in origins:
            line = origin.line
            if line is not None and origin.field == "body":
                line += origin.text[: origin.text.index(matched)].count("\n")
            problems.add(Problem(origin.path, line, origin.field, message))
        if not origins:
            problems.add(Problem(outputs[0], None, "privacy", f"{message}; found in the output"))
    return sorted(problems)


def _origins(site: Site) -> Iterator[_Origin]:
    """Every string a person wrote that can reach an output, with its place."""
    config = site.config
    for key in ("title", "description", "base_url"):
        yield _Origin(getattr(config, key), CONFIG_NAME, None, key)
    for number, service in enumerate(config.services, 1):
        for key in ("name", "group", "description"):
            value = getattr(service, key) or ""
            yield _Origin(value, CONFIG_NAME, None, f"services[{number}].{key}")
    entries: list[Incident | Maintenance | NewsItem] = [
        *site.incidents,
        *site.maintenances,
        *site.news,
    ]
    for entry in entries:
        source = entry.source
        yield _Origin(entry.id, source.path, None, "file name")
        yield _Origin(entry.title, source.path, source.line_of("title"), "title")
        yield _Origin(entry.body, source.path, source.body_line, "body")
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
                yield _Origin(update.message, source.path, source.line_of(field), field)
