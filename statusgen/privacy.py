"""The privacy guard: `[privacy] forbidden` patterns never reach an output.

Every rendered file is searched, whatever produced it (content, the
theme, the catalogue), so nothing slips through a path nobody thought of.
A match is then traced back to the file and line a person wrote, because
"srv-12 found in feeds/all.atom" does not tell anyone what to fix.

Why each output is searched in several forms:

* Outputs escape what people typed: ``a&b`` is ``a&amp;b`` in HTML and
  ``a\\u0026b`` in the JSON API, a feed escapes its HTML content a second
  time, and an iCalendar line is folded every 75 bytes. A reader sees the
  unescaped text, so the rules see it too: each output is searched as
  written and as read (`rules.reader_forms`: tags stripped, so
  ``srv-<b></b>42`` reads srv-42, and character references decoded, twice
  in feeds; percent escapes in links decoded; JSON strings decoded;
  iCalendar lines unfolded and unescaped), all NFKC-normalised without
  format characters (`rules.normalise`: ``ｓｒｖ－４２``, a soft hyphen or a
  zero-width space inside a name). Rules ignore case unless they say not to.
* The forms are joined and searched by one RE2 regex of all the rules
  (`rules.any_of`) in one pass; only an output it matches is searched rule
  by rule. The origins (what people wrote) are only searched when an output
  matched, so a clean build pays for the reading and one pass alone
  (bench/guard.py measures it).

The rules are a safety net for the text people type in a hurry, not a
licence: they catch the names someone thought of listing.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import CONFIG_NAME, _KeyLines
from .credentials import SECRET_VARIABLES
from .errors import Problem
from .keys import digest
from .markup import to_text
from .model import Incident, Maintenance, NewsItem, Site, SiteConfig
from .rules import SEPARATOR, Rule, any_of, drop_format, nfkc, read_lines, reader_forms
from .site_files import STATIC_ROOT

_MARKUP_SUFFIXES = (".html", ".htm", ".xml", ".rss", ".atom", ".svg")
"""Outputs whose readers decode character references."""
_FEED_SUFFIXES = (".rss", ".atom")
"""Outputs whose HTML content is escaped once more inside the XML."""
_TEXT_SUFFIXES = (*_MARKUP_SUFFIXES, ".json", ".txt", ".ics", ".css", ".js")
"""Outputs known to be text; any other output is searched when it is valid UTF-8."""


_ICS_FOLD = re.compile(r"\r?\n[ \t]")
_ICS_ESCAPE = re.compile(r"\\([\\;,nN])")


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
    """The forbidden rules: one pass of all of them, then each where that found one.

    Measured on a site of 10,000 entries (107 MB of output, bench/guard.py):
    RE2 searches the UTF-8 bytes, so each output is encoded once here
    rather than once per rule by google-re2's str interface, and one
    alternation of the rules costs one pass whatever their number. Matches
    are then found rule by rule, each with its own case setting, naming the
    rule that matched.
    """

    rules: tuple[Rule, ...]
    anything: Any = field(repr=False, compare=False)

    def findall(self, text: str) -> Iterator[tuple[Rule, int, str]]:
        """(rule, lines before the match, matched text) of every match in `text`."""
        data = text.encode("utf-8", errors="replace")
        if self.anything.search(data) is None:
            return  # the usual output: no rule matches and no format character hides one
        data = drop_format(data)
        for rule in self.rules:
            for start, matched in rule.find(data):
                yield rule, data.count(b"\n", 0, start), matched


def guard(config: SiteConfig) -> Guard | None:
    """The rules of `config`, or None when it has none."""
    rules = config.privacy.forbidden
    return Guard(rules, any_of(rules)) if rules else None


def check_outputs(
    site: Site, files: Mapping[str, bytes], env: Mapping[str, str] | None = None
) -> list[Problem]:
    """One problem per forbidden text, named by where a person wrote it, and one
    per output that holds a credential from the environment (`env`, by default
    the process's: `secret_problems`)."""
    hooks = site.config.publish.webhooks
    named = [n for h in hooks for n in (h.url_env, h.secret_env, h.token_env) if n]
    secrets = secret_problems(files, os.environ if env is None else env, named)
    rules = guard(site.config)
    if rules is None:
        return secrets
    hits: dict[str, tuple[str, Rule]] = {}  # matched -> (first output, rule)
    for path, data in files.items():
        text = readings(path, data)
        if text is not None:
            for rule, _, matched in rules.findall(text):
                hits.setdefault(matched, (path, rule))
        # The name is published too: in the address bar, in links, in a
        # directory listing (a theme's srv-42-rack.jpg).
        for rule, _, matched in rules.findall(
            nfkc(SEPARATOR.join(reader_forms(path, markup=False)))
        ):
            hits.setdefault(matched, (path, rule))
    if not hits:
        return secrets
    return sorted(secrets + _attribute(site, rules, hits))


SECRET_MIN = 8
"""Shorter values are not searched for: they would match by chance."""


def secret_values(config: SiteConfig, env: Mapping[str, str] | None = None) -> str:
    """A digest of the credentials `check_outputs` searches the outputs for (what
    `keys.build_key` must see change: a build searches its post ledger for them)."""
    env = os.environ if env is None else env
    hooks = config.publish.webhooks
    named = [n for h in hooks for n in (h.url_env, h.secret_env, h.token_env) if n]
    return digest(*(f"{n}={env.get(n, '')}" for n in dict.fromkeys([*SECRET_VARIABLES, *named])))


def secret_problems(
    files: Mapping[str, bytes], env: Mapping[str, str], named: Iterable[str] = ()
) -> list[Problem]:
    """Outputs that hold the value of a credential from the environment: the
    fixed names, and those `named` in site.toml (a webhook's variables).

    No content can hold one by accident; a theme file that is a link to
    ``/proc/self/environ`` or to a CI secrets file can, and in the publish
    job the credentials are in the environment of the build. The problem
    names the variable, never the value.
    """
    secrets = [
        (name, value.encode())
        for name in dict.fromkeys([*SECRET_VARIABLES, *named])
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

    The forms are joined by `SEPARATOR`, so one regex pass covers all of
    them and no match spans two, and in NFKC (`rules.nfkc`); `Guard.findall`
    drops the format characters in the same pass as it looks for matches.
    """
    if path.endswith(_TEXT_SUFFIXES):
        text = data.decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None  # images, fonts: nobody types into them
    if path.endswith(_MARKUP_SUFFIXES):
        forms = reader_forms(text, markup=True)
        if path.endswith(_FEED_SUFFIXES) and "&" in text:
            # The HTML of an entry, escaped inside the XML: read it as HTML too.
            forms += reader_forms(html.unescape(text), markup=True)[1:]
    elif path.endswith(".json"):
        # Strings hold HTML (``body_html``) and escapes (``\\u002d``).
        forms = [text, *reader_forms(_json_strings(text), markup=True)]
    elif path.endswith(".ics"):
        unfolded = _ICS_ESCAPE.sub(_ics_char, _ICS_FOLD.sub("", text))
        forms = [text, *reader_forms(unfolded, markup=False)]
    else:
        forms = reader_forms(text, markup=False)
    return nfkc(SEPARATOR.join(forms))


# --- readings -------------------------------------------------------------------------


def _json_strings(text: str) -> str:
    """A JSON document with its strings decoded (``\\u002d`` is -, ``\\u003c`` is <).

    Written back by the json module's C encoder without escaping anything
    beyond quotes, backslashes and control characters: walking the values
    in Python costs five times as much on the API of a large site.
    """
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return ""


def _ics_char(match: re.Match[str]) -> str:
    char = match.group(1)
    return "\n" if char in "nN" else char


# --- tracing a match back to its source --------------------------------------------------


def _attribute(site: Site, rules: Guard, hits: Mapping[str, tuple[str, Rule]]) -> list[Problem]:
    """A problem at every place a person wrote a text that an output matched.

    Sources are searched as typed and as read, line by line (`read_lines`:
    the reading the outputs had, so a match found in an output through it
    is found at its source line too). Only the matches still unexplained
    send the Markdown ones through `to_text` (Markdown can split a match:
    srv-*12* reads srv-12), naming the field's first line. Matches found in
    no source (text that only two values side by side, or a built-in
    template, make) name the first output they are in.
    """
    problems: set[Problem] = set()
    placed: set[str] = set()
    origins = list(_origins(site))
    for origin in origins:
        text, lines = read_lines(origin.text)
        for _, newlines, matched in rules.findall(text):
            if matched not in hits:
                continue
            placed.add(matched)
            line = origin.line
            if line is not None and origin.multiline:
                line += lines[newlines]
            problems.add(_problem(origin, line, matched, hits[matched][1]))
    if placed != hits.keys():
        as_read: set[str] = set()
        for origin in (o for o in origins if o.markdown):
            for _, _, matched in rules.findall(read_lines(to_text(origin.text))[0]):
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


def _problem(origin: _Origin, line: int | None, matched: str, rule: Rule) -> Problem:
    content = origin.path.startswith("content/")
    if origin.field == "file name":
        fix = "rename the file" + (": its id is in every link to it" if content else "")
    else:
        fix = "remove it, or move it to internal_notes" if content else "remove it"
    return Problem(origin.path, line, origin.field, _message(matched, rule, fix))


def _message(matched: str, rule: Rule, fix: str) -> str:
    return f"{matched!r} matches the privacy rule {rule.pattern!r} and would be published ({fix})"


def _origins(site: Site) -> Iterator[_Origin]:
    """Every string a person wrote that can reach an output, with its place."""
    yield from _config_origins(site.config)
    yield from _theme_origins(site.config)
    yield from _static_root_origins(site.config)
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
        yield from _translated_origins(entry)


def _translated_origins(entry: Incident | Maintenance | NewsItem) -> Iterator[_Origin]:
    """An entry's texts in the site's other languages (``title_cy``), at their lines."""
    source = entry.source
    for tail, texts in entry.translations.items():
        pairs = (("title", texts.title), ("summary", texts.summary), ("post_text", texts.post_text))
        for key, text in pairs:
            if text:
                field = f"{key}_{tail}"
                yield _Origin(text, source.path, source.line_of(field), field)
    updates = () if isinstance(entry, NewsItem) else entry.updates
    for number, update in enumerate(updates, 1):
        for tail, message in update.translations.items():
            field = f"updates[{number}].message_{tail}"
            yield _Origin(message, source.path, source.line_of(field), field, markdown=True)


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


def _static_root_origins(config: SiteConfig) -> Iterator[_Origin]:
    """``static_root/``'s files, copied to the output root as they are: each
    name, and each text searched whole (read only once an output matched)."""
    folder = config.root / STATIC_ROOT
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = Path(path.relative_to(config.root)).as_posix()
        if not path.is_file():
            continue
        yield _Origin(rel, rel, None, "file name")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        yield _Origin(text, rel, 1, "static_root", multiline=True)


def _theme_origins(config: SiteConfig) -> Iterator[_Origin]:
    """The site's own theme files (templates and static), each searched whole."""
    theme = config.root / "themes" / config.theme
    if not theme.is_dir():
        return
    for path in sorted(theme.rglob("*")):
        rel = path.relative_to(config.root)
        if not path.is_file() or any(p.startswith(".") for p in rel.parts):
            continue
        yield _Origin(Path(rel).as_posix(), Path(rel).as_posix(), None, "file name")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        yield _Origin(text, Path(rel).as_posix(), 1, "theme", multiline=True)
