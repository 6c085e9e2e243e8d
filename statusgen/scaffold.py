"""`statusgen init` and `statusgen new`: the files a user starts from.

``init`` copies the templates under ``statusgen/scaffold/``. They are real
files (TOML, YAML, Markdown) rather than strings in this module, so they can
be read, linted and diffed as what they are; the only templating is a few
``@@NAME@@`` tokens for the time zone, the statusgen version that
requirements.txt pins, and the example entries' dates, which are set
relative to the day of ``init`` so that a new site looks alive and passes
``check`` and ``build`` at once.

``new`` writes one entry with every field filled, so that ``check`` passes
on the untouched file: the person on call at 2 a.m. edits a working file
instead of typing one from memory. Values that come from the user (title,
service names) go through `yaml_text`, which quotes only when YAML would
misread the text.

Neither function ever overwrites a file: ``init`` refuses a non-empty
folder, and ``new`` creates its file exclusively, adding ``-2``, ``-3``...
to the name when one exists.
"""

from __future__ import annotations

import contextlib
import enum
import itertools
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from . import __version__
from .errors import StatusgenError
from .model import Impact, IncidentStatus, MaintenanceStatus, SiteConfig
from .source import parse_time, service_hint, summary_problems

KINDS = ("incident", "maintenance", "news")
"""What `new_entry` writes; incidents and maintenance go in content/incidents/."""

SLUG_MAX = 60
"""Longest slug, in characters: file names stay readable in a forge's file list."""

IGNORED_IN_TARGET = frozenset({".git"})
"""Entries that do not make a folder "non-empty" for init (a fresh clone has .git)."""

_TOKEN_RE = re.compile(r"@@([A-Z_]+)@@")
_UNRELEASED_RE = re.compile(r"dev|\+", re.IGNORECASE)
"""A PEP 440 development (``.dev3``) or local (``+g1a2b3c``) version: rarely or never on PyPI."""
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "Ae",
        "œ": "oe",
        "Œ": "Oe",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)
"""Latin letters without an NFKD decomposition, spelt in ASCII for slugs."""
_COMMENT_COLUMN = 34
"""Where comments start in the front-matter that `new` writes (1-based)."""


class UnknownServices(StatusgenError):
    """`--services` names ids that site.toml does not declare; one message per id."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


# --- init ---------------------------------------------------------------------------


def init_site(
    target: Path,
    *,
    now: datetime | None = None,
    timezone: str | None = None,
    version: str = __version__,
) -> list[Path]:
    """Write a new site into `target` (created if missing); return the files written.

    Refuses a folder that holds anything but ``.git``, before writing
    anything. `timezone` defaults to this machine's zone (UTC when it cannot
    be told); `now` (default: the current time) dates the example entries;
    `version` (default: the running statusgen) is what requirements.txt pins.
    """
    if target.exists() and not target.is_dir():
        raise StatusgenError(f"{target} is a file (give a new or empty folder)")
    if target.is_dir():
        found = sorted(p.name for p in target.iterdir() if p.name not in IGNORED_IN_TARGET)
        if found:
            shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
            raise StatusgenError(
                f"{target} is not empty ({shown}): statusgen init writes only into a new "
                "or empty folder"
            )
    zone_name = timezone or local_zone_name()
    zone = ZoneInfo(zone_name)
    moment = (now or datetime.now(UTC)).astimezone(zone).replace(second=0, microsecond=0)
    tokens = _tokens(zone_name, zone, moment) | _version_tokens(version)

    written: list[Path] = []
    for rel, template in _templates(resources.files("statusgen") / "scaffold"):
        path = target / _fill(rel, tokens)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(_fill(template.read_text(encoding="utf-8"), tokens))
        written.append(path)
    return sorted(written)


def local_zone_name() -> str:
    """This machine's IANA zone name, or ``UTC`` when it cannot be told.

    A status page's times are read in one zone, so init guesses the one the
    team is in rather than forcing UTC on everyone; site.toml says which
    was taken and it is one line to change.
    """
    candidates: list[str] = []
    if tz := os.environ.get("TZ", "").lstrip(":"):
        candidates.append(tz)
    with contextlib.suppress(OSError):
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name and not name.startswith("/"):
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return name
    return "UTC"


def _tokens(zone_name: str, zone: ZoneInfo, now: datetime) -> dict[str, str]:
    today = now.date()
    return {
        "TIMEZONE": zone_name,
        "NOW": local_text(now, zone),
        "TODAY": today.isoformat(),
        "YESTERDAY": (today - timedelta(days=1)).isoformat(),
        "MAINTENANCE_DAY": (today + timedelta(days=7)).isoformat(),
    }


def _version_tokens(version: str) -> dict[str, str]:
    """The pin, and for a build PyPI will not have, a warning above it.

    CI installs exactly what init ran with, so that what was tried locally
    is what deploys. A development or local build cannot be installed by
    that name from PyPI: the file then says so in the lines just above the
    pin, where someone whose CI fails at ``pip install`` looks first.
    """
    note = ""
    if _UNRELEASED_RE.search(version):
        note = (
            f"# statusgen {version}, which wrote this file, is a development build:\n"
            "# PyPI rarely has one (one with a + never), so CI fails at pip install\n"
            "# until the line below says where to get it, as above, or names a release.\n"
        )
    return {"VERSION": version, "VERSION_NOTE": note}


def _templates(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    """(relative path, file) of every template, hidden ones (.gitignore, .github/) included."""
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.name == "__pycache__":
            continue
        rel = f"{prefix}{item.name}"
        if item.is_dir():
            yield from _templates(item, rel + "/")
        else:
            yield rel, item


def _fill(text: str, tokens: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        try:
            return tokens[match.group(1)]
        except KeyError:  # a template names a token this module does not set: a bug
            raise RuntimeError(f"unknown scaffold token {match.group()}") from None

    return _TOKEN_RE.sub(value, text)


# --- new ----------------------------------------------------------------------------


def new_entry(
    config: SiteConfig,
    kind: str,
    title: str,
    services: list[str] | None,
    now: datetime,
) -> Path:
    """Write a new entry of `kind` and return its path; never overwrites.

    The file is ``content/incidents/`` (incident, maintenance) or
    ``content/news/``, named ``<YYYY-MM-DD>-<slug>.md`` with the date in the
    site's zone, ``-2``, ``-3``... appended when the name is taken.
    Raises `UnknownServices` (nothing written) for ids not in site.toml.
    """
    if kind not in KINDS:
        raise StatusgenError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    title = _clean_title(title)
    if not title:
        raise StatusgenError('the title is empty (give one, e.g. "Email delivery delays")')
    zone = config.timezone
    local = now.astimezone(zone).replace(second=0, microsecond=0)
    if kind == "news":
        if services:
            raise StatusgenError("news has no services (leave out --services)")
        text = _news_text(title, local, zone)
        folder = "news"
    else:
        ids = _service_ids(config, services)
        names = [config.service(i).name for i in ids]
        if kind == "incident":
            text = _incident_text(title, ids, names, local, zone)
        else:
            text = _maintenance_text(title, ids, names, local, zone)
        folder = "incidents"
    directory = config.root / "content" / folder
    directory.mkdir(parents=True, exist_ok=True)
    return _write_new(directory, f"{local:%Y-%m-%d}-{slugify(title)}", text)


def slugify(title: str) -> str:
    """ASCII, lowercase, hyphen-separated, at most `SLUG_MAX` characters, never empty.

    Letters with accents keep their base letter (NFKD), the few Latin
    letters NFKD leaves alone are spelt out (``ß`` -> ``ss``), other
    non-ASCII characters are dropped. A long slug is cut at a hyphen when
    one is near.
    """
    decomposed = unicodedata.normalize("NFKD", title.translate(_LETTERS))
    ascii_title = decomposed.encode("ascii", "ignore").decode()
    ascii_title = ascii_title.replace("'", "")  # "it's" -> "its", not "it-s"
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        cut = slug[: SLUG_MAX + 1]
        hyphen = cut.rfind("-")
        slug = cut[:hyphen] if hyphen >= SLUG_MAX // 2 else slug[:SLUG_MAX]
        slug = slug.strip("-")
    return slug or "entry"


def yaml_text(value: str) -> str:
    """`value` as a YAML scalar that reads back as exactly this text.

    Plain when YAML would read it as the same string (``VPN slow``); else
    quoted (``DNS: down``, ``no``, ``1.10``, ``#2``, a leading quote): in
    single quotes, or double quotes for text with an apostrophe, or single
    quotes with the apostrophes doubled when it has both kinds; double
    quotes with escapes for what single quotes cannot hold (control
    characters, line breaks).
    """
    if value and _plain_is_safe(value):
        return value
    if not _CONTROL_RE.search(value):
        if "'" not in value:
            return f"'{value}'"
        if '"' not in value and "\\" not in value:
            return f'"{value}"'
        return "'" + value.replace("'", "''") + "'"
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
    )
    escaped = _CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def local_text(moment: datetime, zone: ZoneInfo) -> str:
    """``YYYY-MM-DD HH:MM`` in `zone`, with the offset only when the wall time is ambiguous.

    An entry's times are written as people type them; the offset is added
    only in the hour that happens twice when clocks go back, where the bare
    time would draw a warning from `check`.
    """
    local = moment.astimezone(zone)
    text = f"{local:%Y-%m-%d %H:%M}"
    try:
        parsed, warning = parse_time(text, zone)
    except ValueError:
        parsed, warning = None, "gap"
    if warning or parsed != local or parsed.utcoffset() != local.utcoffset():
        offset = local.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text


def unknown_service_messages(config: SiteConfig, ids: Sequence[str]) -> list[str]:
    """One line per id that site.toml does not declare, with a suggestion."""
    known = [s.id for s in config.services]
    messages = []
    for sid in ids:
        if sid in known:
            continue
        messages.append(f"--services: unknown service '{sid}' ({service_hint(sid, known)})")
    return messages


def _service_ids(config: SiteConfig, services: list[str] | None) -> list[str]:
    ids = list(dict.fromkeys(s for s in (services or []) if s))
    if not ids:
        if not config.services:
            raise StatusgenError("site.toml lists no services (add a [[services]] table first)")
        return [config.services[0].id]
    messages = unknown_service_messages(config, ids)
    if messages:
        raise UnknownServices(messages)
    return ids


def _clean_title(title: str) -> str:
    """One line: control characters and runs of white space become one space."""
    return re.sub(r"\s+", " ", _CONTROL_RE.sub(" ", title)).strip()


def _plain_is_safe(value: str) -> bool:
    """True when YAML reads `value` unquoted as this very string, and nothing else."""
    if value != value.strip() or value[0] in "'\"":
        return False
    try:
        node = yaml.compose(f"k: {value}\n", Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False
    if node is None or not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return False
    scalar = node.value[0][1]
    return (
        isinstance(scalar, yaml.ScalarNode)
        and scalar.tag == "tag:yaml.org,2002:str"
        and scalar.style is None
        and scalar.value == value
    )


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _flow_list(ids: Sequence[str]) -> str:
    return "[" + ", ".join(yaml_text(i) for i in ids) + "]"


def _line(code: str, comment: str = "") -> str:
    """A front-matter line with its comment lined up, as a person would type it."""
    if not comment:
        return code
    return f"{code.ljust(_COMMENT_COLUMN - 2)} # {comment}"


def _choices(values: type[enum.StrEnum]) -> str:
    """Every value an author may write, from the model: a comment that cannot go stale."""
    return " | ".join(v.value for v in values)


def _incident_text(
    title: str, ids: Sequence[str], names: Sequence[str], now: datetime, zone: ZoneInfo
) -> str:
    when = local_text(now, zone)
    message = f"We are investigating a problem with {_join(names)}."
    lines = [
        "---",
        _line(f"title: {yaml_text(title)}"),
        "# Service ids from site.toml; or a map, an impact each: {email: major_outage, vpn: "
        "partial_outage}",
        _line(f"services: {_flow_list(ids)}"),
        _line("impact: degraded_performance", _choices(Impact)),
        _line(f"started: {when}"),
        _line(f"# resolved: {when}", "when it is over (or end the updates with status: resolved)"),
        _line("# reference: INC-12345", "optional helpdesk number, shown on the page"),
        _line("# internal_notes: ...", "for the team only: never published"),
        _line("updates:", "oldest first: add one for each change"),
        _line(f"  - at: {when}"),
        _line("    status: investigating", _choices(IncidentStatus)),
        _line(f"    message: {yaml_text(message)}"),
        "---",
    ]
    return "\n".join(lines) + "\n"


def _maintenance_text(
    title: str, ids: Sequence[str], names: Sequence[str], now: datetime, zone: ZoneInfo
) -> str:
    day = now.date() + timedelta(days=1)
    start = datetime(day.year, day.month, day.day, 7, 0, tzinfo=zone)
    end = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)
    verb = "is" if len(names) == 1 else "are"
    message = f"This work is planned. {_join(names)} {verb} likely to be unavailable at times."
    lines = [
        "---",
        "kind: maintenance",
        _line(f"title: {yaml_text(title)}"),
        _line(f"services: {_flow_list(ids)}", "service ids from site.toml"),
        _line(f"start: {local_text(start, zone)}", "the window, in the site's time zone"),
        _line(f"end: {local_text(end, zone)}"),
        _line("# reference: CHG-12345", "optional change number, shown on the page"),
        _line("# internal_notes: ...", "for the team only: never published"),
        _line("updates:", "optional, oldest first"),
        _line(f"  - at: {local_text(now, zone)}"),
        _line("    status: scheduled", _choices(MaintenanceStatus)),
        _line(f"    message: {yaml_text(message)}"),
        "---",
    ]
    return "\n".join(lines) + "\n"


def _news_text(title: str, now: datetime, zone: ZoneInfo) -> str:
    summary = title
    if summary_problems(summary):
        summary = "News from IT Services."
    lines = [
        "---",
        _line(f"title: {yaml_text(title)}"),
        _line(f"date: {local_text(now, zone)}"),
        "# One line of plain text, at most 200 characters: shown in lists, feeds and posts.",
        _line(f"summary: {yaml_text(summary)}"),
        _line("tags: []", "e.g. [security, email]"),
        _line("# draft: true", "never built or posted while set"),
        "# The article, in Markdown, goes after the closing --- line.",
        "---",
    ]
    return "\n".join(lines) + "\n"


def _write_new(directory: Path, stem: str, text: str) -> Path:
    """Create ``<stem>.md``, else ``<stem>-2.md``...; exclusive, so never overwrites.

    Names are compared case-insensitively too: the content loader refuses
    two ids that differ only by case.
    """
    taken = {p.name.casefold() for p in directory.iterdir()}
    for number in itertools.count(1):
        name = f"{stem}.md" if number == 1 else f"{stem}-{number}.md"
        if name.casefold() in taken:
            continue
        path = directory / name
        try:
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:
            continue
        return path
    raise AssertionError("unreachable")  # pragma: no cover
