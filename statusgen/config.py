"""site.toml -> `SiteConfig`, with every problem reported at once.

Each key is declared once, in `_SCHEMA`, with its type and a one-line
description; README's reference is checked against it by a test.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .config_keys import ARRAY_TABLES, Key, KeyLines
from .config_keys import is_kind as _is_kind
from .config_keys import kind_name as _kind_name
from .config_keys import suggest as _suggest
from .config_publish import SCHEMA as _PUBLISH_SCHEMA
from .config_publish import TEMPLATE_EVENTS as TEMPLATE_EVENTS  # re-exported: tests, compose
from .config_publish import parse_publish
from .errors import Problem, ProblemsError, Severity
from .i18n.problems import language_tables, strings_table
from .languages import other_languages, suffix
from .model import (
    FeedsConfig,
    PrivacyConfig,
    PublishConfig,
    Service,
    SiteConfig,
)
from .rules import Rule, RuleError, compile_rule

_KeyLines = KeyLines
"""The old name, which `privacy` and `publish.compose` import."""

CONFIG_NAME = "site.toml"
SERVICE_ID = re.compile(r"[a-z0-9-]+")


SCAFFOLD_BASE_URL = "https://status.example.org/"
"""The address `statusgen init` writes: a site still using it warns, since its
feeds, posts and calendar would all link to a page that is not there."""


# The whole site.toml vocabulary: table -> key -> declaration.
_SCHEMA: dict[str, dict[str, Key]] = {
    "": {
        "title": Key(
            str,
            "Page title, shown in the header, feeds and the API.",
            required=True,
            example='"IT Services status"',
        ),
        "base_url": Key(
            str,
            "Public address of the site; may have a sub-path.",
            required=True,
            example='"https://status.example.ac.uk/"',
        ),
        "timezone": Key(
            str,
            "IANA zone for naive times and for display.",
            required=True,
            example='"Europe/London"',
        ),
        "language": Key(str, "BCP 47 language tag of the pages and feeds; picks the catalogue."),
        "other_languages": Key(list, "BCP 47 tags entries are also written in (title_cy:)."),
        "strings": Key(dict, "The site's own words for catalogue keys, over the language's."),
        "description": Key(str, "One line under the title and in feed descriptions."),
        "theme": Key(str, "themes/<theme>/ in the site, else the built-in theme."),
        "output": Key(str, "Build output folder, relative to the site."),
        "services": Key(list, "The service catalogue, in display order."),
        "feeds": Key(dict, "Feed settings."),
        "publish": Key(dict, "Social posting settings."),
        "privacy": Key(dict, "Rules every output must pass."),
        "since": Key(
            (date, str),
            "First day of every service's uptime history; earlier days show no data.",
            example="2026-11-01",
        ),
    },
    "services": {
        "id": Key(
            str,
            "Stable id, [a-z0-9-]+, used in URLs and the API.",
            required=True,
            example='"email"',
        ),
        "name": Key(str, "Display name.", required=True, example='"Email"'),
        "group": Key(str, "Display group (optional)."),
        "description": Key(str, "One line under the name (optional)."),
        "since": Key(
            (date, str),
            "First day of this service's uptime history, over the site's `since`.",
            example="2026-11-01",
        ),
    },
    "feeds": {
        "limit": Key(int, "Entries per feed (default 50)."),
    },
    "privacy": {
        "forbidden": Key(list, "RE2 regexes (case-insensitive) no output or post may match."),
    },
    **_PUBLISH_SCHEMA,
}


def schema() -> Mapping[str, Mapping[str, Key]]:
    """The declared keys, for README checks and `statusgen init`."""
    return MappingProxyType(_SCHEMA)


def load_config(root: Path, base_url: str | None = None) -> SiteConfig:
    """Read and validate ``root/site.toml``; raise `ProblemsError` listing every problem.
    `base_url` replaces its address (``statusgen serve`` builds for its own)."""
    path = root / CONFIG_NAME
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ProblemsError(
            [Problem(CONFIG_NAME, None, "-", f"no {CONFIG_NAME} in {root} (run statusgen init)")]
        ) from None
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw_bytes[: exc.start].count(b"\n") + 1
        raise ProblemsError(
            [Problem(CONFIG_NAME, line, "-", "not valid UTF-8 (save the file as UTF-8)")]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ProblemsError([Problem(CONFIG_NAME, line, "-", f"TOML syntax: {reason}")]) from None
    config = parse_config(root, data, _KeyLines(text))
    if base_url is not None:  # site.toml's address is not the one this build links to
        kept = tuple(w for w in config.warnings if w.field != "base_url")
        config = replace(config, base_url=base_url, warnings=kept)
    return config


def parse_config(root: Path, data: dict[str, Any], lines: _KeyLines | None = None) -> SiteConfig:
    """Validate parsed TOML into a `SiteConfig`; raise `ProblemsError` with every problem."""
    lines = lines or _KeyLines("")
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def problem(field: str, message: str, line: int | None) -> None:
        problems.append(Problem(CONFIG_NAME, line, field, message))

    def check_table(table: str, values: dict[str, Any], nth: int = 0) -> dict[str, Any]:
        """Report unknown keys, wrong types and missing required keys; return the good ones."""
        declared = _SCHEMA[table]
        prefix = f"{table}." if table else ""
        if table in ARRAY_TABLES:
            prefix = f"{table}[{nth + 1}]."
        good: dict[str, Any] = {}
        for key, value in values.items():
            where = lines.find(key, table, nth)
            if key not in declared:
                hint = _suggest(key, declared) or f" (known keys: {', '.join(declared)})"
                problem(prefix + key, f"unknown key{hint}", where)
            elif not _is_kind(value, declared[key].kind):
                problem(prefix + key, f"expected {_kind_name(declared[key].kind)}", where)
            else:
                good[key] = value
        for key, decl in declared.items():
            if decl.required and key not in values:
                hint = f"add a line like {key} = {decl.example}" if decl.example else "required"
                problem(prefix + key, f"missing ({hint})", lines.table(table, nth))
        return good

    top = check_table("", data)

    base_url = top.get("base_url", "https://example.invalid/")
    if "base_url" in top:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", base_url):
            problem(
                "base_url",
                f"{base_url!r} is not an absolute http(s) URL (like https://status.example.ac.uk/)",
                lines.find("base_url"),
            )
        base_url = base_url.split("#")[0].split("?")[0]
        if not base_url.endswith("/"):
            base_url += "/"
        if base_url == SCAFFOLD_BASE_URL:
            warnings.append(
                Problem(
                    CONFIG_NAME,
                    lines.find("base_url"),
                    "base_url",
                    "is still the example address that statusgen init wrote (set it to the "
                    "page's public address, e.g. https://status.example.ac.uk/)",
                    Severity.WARNING,
                )
            )

    timezone = ZoneInfo("UTC")
    if "timezone" in top:
        timezone_problem = _zone_problem(top["timezone"])
        if timezone_problem:
            problem("timezone", timezone_problem, lines.find("timezone"))
        else:
            timezone = ZoneInfo(top["timezone"])

    site_since = _since(top.get("since"), "since", lines.find("since"), problem)

    services: list[Service] = []
    seen_ids: set[str] = set()
    for nth, raw in enumerate(top.get("services", [])):
        if not isinstance(raw, dict):
            problem(f"services[{nth + 1}]", "expected a [[services]] table", None)
            continue
        entry = check_table("services", raw, nth)
        sid = entry.get("id")
        if sid is None or "name" not in entry:
            continue
        if not SERVICE_ID.fullmatch(sid):
            slug = re.sub(r"[^a-z0-9-]+", "-", sid.lower()).strip("-") or "service"
            problem(
                f"services[{nth + 1}].id",
                f"{sid!r} may hold only a-z, 0-9 and - (like {slug!r})",
                lines.find("id", "services", nth),
            )
            continue
        if sid in seen_ids:
            problem(
                f"services[{nth + 1}].id",
                f"{sid!r} is used by an earlier service (ids must be unique)",
                lines.find("id", "services", nth),
            )
            continue
        seen_ids.add(sid)
        field = f"services[{nth + 1}].since"
        since = _since(entry.get("since"), field, lines.find("since", "services", nth), problem)
        services.append(
            Service(
                id=sid,
                name=entry["name"],
                group=entry.get("group") or None,
                description=entry.get("description", ""),
                since=since if "since" in entry else site_since,
            )
        )

    feeds = FeedsConfig()
    if "feeds" in top:
        raw_feeds = check_table("feeds", top["feeds"])
        limit = raw_feeds.get("limit", 50)
        if limit < 1:
            problem(
                "feeds.limit", f"{limit} is too small (at least 1)", lines.find("limit", "feeds")
            )
        else:
            feeds = FeedsConfig(limit=limit)

    privacy = PrivacyConfig()
    if "privacy" in top:
        raw_privacy = check_table("privacy", top["privacy"])
        rules: list[Rule] = []
        for nth, entry in enumerate(raw_privacy.get("forbidden", [])):
            field = f"privacy.forbidden[{nth + 1}]"
            where = lines.find("forbidden", "privacy")
            try:
                rules.append(_rule(entry))
            except RuleError as exc:
                problem(field, str(exc), where)
        privacy = PrivacyConfig(forbidden=tuple(rules))

    language = top.get("language", "en-GB")
    others = other_languages(
        top.get("other_languages", []),
        language,
        lambda message: problem("other_languages", message, lines.find("other_languages")),
    )
    publish = PublishConfig()
    if "publish" in top:
        raw_publish = check_table("publish", top["publish"])
        publish = parse_publish(raw_publish, lines, problem, check_table, (language, *others))

    strings: dict[str, Any] = {}
    language_strings: dict[str, dict[str, Any]] = {}
    if "strings" in top:  # its keys are the catalogue's, not the schema's
        own, tables = language_tables(top["strings"], others, lines.text, problem)
        strings = strings_table(own, language, lines.text, problem)
        for tag, table in tables.items():
            where = f"strings.{suffix(tag)}"
            language_strings[tag] = strings_table(table, tag, lines.text, problem, where)

    if problems:
        raise ProblemsError(problems)
    return SiteConfig(
        root=root,
        title=top["title"],
        base_url=base_url,
        timezone=timezone,
        language=language,
        other_languages=others,
        strings=strings,
        language_strings=language_strings,
        theme=top.get("theme", "default"),
        output=Path(top.get("output", "public")),
        description=top.get("description", ""),
        services=tuple(services),
        feeds=feeds,
        publish=publish,
        privacy=privacy,
        warnings=tuple(warnings),
    )


def _since(
    value: date | str | None,
    field: str,
    line: int | None,
    problem: Callable[[str, str, int | None], None],
) -> date | None:
    """A ``since`` value: a TOML date (``since = 2026-11-01``), or the same date in
    quotes, which is how it is often typed. A time of day is refused: a day
    is tracked whole (status.py), so a time would promise what is not done."""
    if value is None:
        return None
    if isinstance(value, datetime):
        problem(
            field, f"{value} has a time of day (a day counts whole: since = {value.date()})", line
        )
        return None
    if isinstance(value, date):
        return value
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(text)
    problem(field, f"{value!r} is not a date (like since = 2026-11-01)", line)
    return None


_RULE_KEYS = ("pattern", "case_sensitive")


def _rule(entry: Any) -> Rule:
    """A ``forbidden`` entry: a regex in quotes, or ``{pattern = "...", case_sensitive = true}``."""
    if isinstance(entry, dict):
        unknown = [key for key in entry if key not in _RULE_KEYS]
        if unknown:
            hint = _suggest(unknown[0], _RULE_KEYS) or f" (known keys: {', '.join(_RULE_KEYS)})"
            raise RuleError(f"unknown key {unknown[0]!r}{hint}")
        pattern, case_sensitive = entry.get("pattern"), entry.get("case_sensitive", False)
        if not isinstance(case_sensitive, bool):
            raise RuleError("case_sensitive: expected true or false")
    else:
        pattern, case_sensitive = entry, False
    if not isinstance(pattern, str):
        raise RuleError(
            "expected a regular expression in quotes, or {pattern = '...', case_sensitive = true}"
        )
    return compile_rule(pattern, case_sensitive)


def _zone_problem(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r}{_suggest(name, available_timezones(), ' ')}"
    return None
