"""site.toml -> `SiteConfig`, with every problem reported at once.

Each key is declared once, in `_SCHEMA`, with its type and a one-line
description; README's reference is checked against it by a test.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import Problem, ProblemsError, Severity, closest
from .i18n.problems import strings_table
from .model import (
    FeedsConfig,
    PrivacyConfig,
    PublishConfig,
    Service,
    SiteConfig,
    XConfig,
)
from .rules import Rule, RuleError, compile_rule

CONFIG_NAME = "site.toml"
SERVICE_ID = re.compile(r"[a-z0-9-]+")
TEMPLATE_EVENTS = (
    "opened",
    "updated",
    "resolved",
    "scheduled",
    "maintenance_update",
    "maintenance_started",
    "maintenance_ended",
    "maintenance_moved",
    "news",
)


SCAFFOLD_BASE_URL = "https://status.example.org/"
"""The address `statusgen init` writes: a site still using it warns, since its
feeds, posts and calendar would all link to a page that is not there."""


@dataclass(frozen=True)
class Key:
    kind: type | tuple[type, ...]
    doc: str
    required: bool = False
    example: str = ""
    """A value to show when the key is missing, as it is written in site.toml."""


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
    "publish": {
        "x": Key(dict, "Posting to X."),
        "max_posts": Key(int, "Posts per run at most (default 10); the rest wait."),
        "timeout": Key((int, float), "Seconds a run may spend retrying (default 60)."),
        "max_age": Key((int, float), "Hours after which an event is never posted (default 6)."),
        "templates": Key(dict, "Post templates by event, overriding the built-in ones."),
    },
    "publish.x": {
        "enabled": Key(bool, "Post to X on publish (default false)."),
        "account": Key(str, "X handle without @, for the subscribe link."),
        "links": Key(str, 'Posts that carry the entry\'s link: "first" (default) or "all".'),
        "price_post": Key(
            (int, float), "US dollars per post without a URL, for --dry-run (default 0.015)."
        ),
        "price_link_post": Key(
            (int, float), "US dollars per post with a URL, for --dry-run (default 0.200)."
        ),
        "max_posts_per_day": Key(int, "Posts in any 24 hours at most (default 50); a hard stop."),
    },
    "privacy": {
        "forbidden": Key(list, "RE2 regexes (case-insensitive) no output or post may match."),
    },
}


def schema() -> Mapping[str, Mapping[str, Key]]:
    """The declared keys, for README checks and `statusgen init`."""
    return MappingProxyType(_SCHEMA)


def load_config(root: Path) -> SiteConfig:
    """Read and validate ``root/site.toml``; raise `ProblemsError` listing every problem."""
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
    return parse_config(root, data, _KeyLines(text))


class _KeyLines:
    """Finds the line of a key in the TOML text; tomllib keeps no positions.

    The text is split into sections once, at its table headers, so a lookup
    reads only its own table's lines: scanning the whole file per key made
    loading a catalogue of N services take N² steps (minutes at 10,000).
    """

    def __init__(self, text: str) -> None:
        # Header text (None before the first) -> its sections, in file order,
        # each a list of (line number, line); and -> the headers' line numbers.
        self._sections: dict[str | None, list[list[tuple[int, str]]]] = {None: [[]]}
        self._headers: dict[str, list[int]] = {}
        self.text = text
        current = self._sections[None][0]
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("["):
                header = stripped.split("#")[0].strip()
                self._headers.setdefault(header, []).append(number)
                current = []
                self._sections.setdefault(header, []).append(current)
                continue
            current.append((number, line))

    def find(self, key: str, table: str = "", nth: int = 0) -> int | None:
        header = {"": None, "services": "[[services]]"}.get(table, f"[{table}]")
        sections = self._sections.get(header, [])
        if table == "services":
            sections = sections[nth : nth + 1]
        name = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for section in sections:
            for number, line in section:
                if name.match(line):
                    return number
        return None

    def table(self, table: str, nth: int = 0) -> int | None:
        header = "[[services]]" if table == "services" else f"[{table}]"
        numbers = self._headers.get(header, [])
        if table != "services":
            nth = 0
        return numbers[nth] if 0 <= nth < len(numbers) else None


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
        prefix = f"{table}." if table and table != "services" else ""
        if table == "services":
            prefix = f"services[{nth + 1}]."
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

    publish = PublishConfig()
    if "publish" in top:
        raw_publish = check_table("publish", top["publish"])
        x = XConfig()
        if "x" in raw_publish:
            raw_x = check_table("publish.x", raw_publish["x"])
            account = raw_x.get("account")
            if account is not None:
                account = account.removeprefix("@")
                if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", account):
                    problem(
                        "publish.x.account",
                        f"{account!r} is not an X handle (1-15 letters, digits or _)",
                        lines.find("account", "publish.x"),
                    )
            x = _x_config(raw_x, account, lines, problem)
        templates: dict[str, str] = {}
        for event, template in raw_publish.get("templates", {}).items():
            where = lines.find(event, "publish.templates")
            if event not in TEMPLATE_EVENTS:
                problem(
                    f"publish.templates.{event}",
                    f"unknown event{_suggest(event, TEMPLATE_EVENTS)}",
                    where,
                )
            elif not isinstance(template, str):
                problem(f"publish.templates.{event}", "expected text", where)
            else:
                templates[event] = template
        max_posts = raw_publish.get("max_posts", 10)
        if max_posts < 1:
            problem(
                "publish.max_posts",
                f"{max_posts} is too small (at least 1)",
                lines.find("max_posts", "publish"),
            )
        timeout = float(raw_publish.get("timeout", 60.0))
        if timeout <= 0:
            problem(
                "publish.timeout",
                f"{timeout:g} must be positive (seconds)",
                lines.find("timeout", "publish"),
            )
        max_age = float(raw_publish.get("max_age", 6.0))
        if not 0 < max_age < float("inf"):
            problem(
                "publish.max_age",
                f"{max_age:g} must be a positive number of hours",
                lines.find("max_age", "publish"),
            )
        publish = PublishConfig(
            x=x,
            max_posts=max_posts,
            timeout=timeout,
            max_age=max_age,
            templates=MappingProxyType(templates),
        )

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
    strings: dict[str, Any] = {}
    if "strings" in top:  # its keys are the catalogue's, not the schema's
        strings = strings_table(top["strings"], language, lines.text, problem)

    if problems:
        raise ProblemsError(problems)
    return SiteConfig(
        root=root,
        title=top["title"],
        base_url=base_url,
        timezone=timezone,
        language=language,
        strings=strings,
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


LINK_POLICIES = ("first", "all")


def _x_config(
    raw: dict[str, Any],
    account: str | None,
    lines: _KeyLines,
    problem: Callable[[str, str, int | None], None],
) -> XConfig:
    """``[publish.x]`` past its types: the link rule, prices, and the daily cap."""
    default = XConfig()
    links = raw.get("links", default.links)
    if links not in LINK_POLICIES:
        problem(
            "publish.x.links",
            f'{links!r} is not "first" or "all"',
            lines.find("links", "publish.x"),
        )
    prices = {}
    for key in ("price_post", "price_link_post"):
        prices[key] = float(raw.get(key, getattr(default, key)))
        if not 0 <= prices[key] < float("inf"):
            where = lines.find(key, "publish.x")
            problem(f"publish.x.{key}", f"{prices[key]:g} must be US dollars, 0 or more", where)
    per_day = raw.get("max_posts_per_day", default.max_posts_per_day)
    if per_day < 1:
        where = lines.find("max_posts_per_day", "publish.x")
        message = f"{per_day} is too small (at least 1; enabled = false posts nothing)"
        problem("publish.x.max_posts_per_day", message, where)
    return XConfig(
        enabled=raw.get("enabled", False),
        account=account,
        links=links,
        max_posts_per_day=per_day,
        **prices,
    )


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


def _suggest(word: str, choices: Any, lead: str = " ") -> str:
    close = closest(word, sorted(choices))
    return f"{lead}(did you mean {close!r}?)" if close else ""


def _is_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    # TOML booleans are ints to isinstance; keep them apart.
    if isinstance(value, bool) and kind is not bool:
        return False
    return isinstance(value, kind)


_KIND_NAMES: dict[Any, str] = {
    str: "text in quotes",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
    (int, float): "a number",
    (date, str): "a date (like 2026-11-01)",
}


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return _KIND_NAMES.get(kind, str(kind))
