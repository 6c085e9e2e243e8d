"""The HTML site: model + derived status -> ``{output path: bytes}``, pure.

Pages: the home page, one page per incident, maintenance window and news
item, the history (paged), one page per service, ``404.html``, plus
``sitemap.xml``, ``robots.txt`` and the theme's static files under
``static/``. Nothing is written here; `build` writes what this returns.

Views, not logic, in templates
------------------------------
Every value a template shows is computed here, in small frozen dataclasses
(`When`, `Badge`, `EntryView`, `ServiceRow`, ...): display times in the
site's zone, labels, CSS class names, uptime bars, links. Templates only
loop and branch, so a theme author cannot get a time zone or a link wrong,
and the tests check the rules in Python rather than by scraping HTML.

Trust: titles, names and every other string are autoescaped by Jinja;
Markdown (bodies, update messages) goes through `markup.to_html`, which
sanitises, and only those ``*_html`` fields are inserted with ``|safe``.

Themes
------
One Jinja environment per theme: its loader looks in the site's
``themes/<theme>/templates`` first and the built-in default last, so a site
overrides the built-in theme file by file (MkDocs' ``Theme.dirs``). Static
files merge the same way. Environments are cached per folder list, so
templates compile once per process however many pages are built.

Links are root-relative through the base path (`urls.link`), so the same
output works at a domain root and under a sub-path, 404 page included;
the sitemap and canonical links are absolute.

Template context (the contract with theme authors)
--------------------------------------------------
Every page gets ``site`` (`SiteView`) and ``page`` (`PageMeta`), and
``extra_head`` only when the dev server passes one. Then, by template:
``index.html`` ``home`` (`HomeView`); ``incident.html`` ``entry``
(`EntryView`, incidents and maintenance alike, ``entry.kind`` tells);
``news.html`` ``item`` (`NewsView`); ``history.html`` ``history``
(`HistoryView`); ``service.html`` ``service`` (`ServicePage`);
``404.html`` nothing more; ``sitemap.xml`` ``urls`` (`SitemapUrl` list).
The built-in partials (``_macros.html``, ``_service.html``,
``_subscribe.html``) can be overridden one by one like any template.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket

from .. import urls
from ..errors import ProblemsError
from ..markup import to_html
from ..model import (
    ComponentStatus,
    Entry,
    Impact,
    Incident,
    IncidentStatus,
    Indicator,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Service,
    Site,
    SiteConfig,
    Update,
    entry_time,
)
from ..site_files import links_out
from ..status import (
    DayUptime,
    ServiceStatus,
    SiteStatus,
    affecting,
    format_percent,
    last_change,
    maintenance_state,
    opened_event,
    resolved_event,
    uptime_over,
)
from .feeds import update_anchors
from .pngs import CARD_SIZE
from .subscribe import Channel, channels, x_handle

BUILTIN_THEME = Path(__file__).resolve().parent.parent / "themes" / "default"
"""The theme shipped in the package; a site's own theme files override it."""

HISTORY_PAGE_SIZE = 100
"""Entries per history page; page 1 is ``history/``, page n ``history/page/<n>/``."""

RECENT_NEWS = 5
"""News items on the home page."""

RECENT_DAYS = 30
"""Days of the uptime bar a narrow screen shows (the stylesheet hides the rest):
90 days in 390 px would be 3.6 px each, too thin to tap."""

# English month names, independent of the process locale (output must not vary).
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


# --- views: what templates see ------------------------------------------------


@dataclass(frozen=True)
class When:
    """A moment for display: always shown inside ``<time datetime="{{ iso }}">``."""

    iso: str
    """ISO 8601 with the offset, e.g. ``2026-11-22T08:40:00+00:00``."""
    text: str
    """``22 Nov 2026, 08:40 GMT`` in the site's zone."""
    date: str
    """``22 Nov 2026``."""
    clock: str
    """``08:40 GMT``."""


@dataclass(frozen=True)
class Badge:
    """A status as the reader sees it: words, an icon and a colour, never colour alone."""

    key: str
    """CSS modifier: ``ok``, ``deg``, ``part``, ``maj``, ``mnt``, ``sched``, ``done``."""
    label: str
    """The words, e.g. "Partial outage"."""
    icon: str
    """Icon id in the base template's sprite (``i-<icon>``)."""
    starts: str = ""
    ends: str = ""
    """A maintenance window's own badge: its start and end (ISO 8601), for
    static/clock.js to move "Scheduled" on by the reader's clock."""


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    icon: str = ""
    type: str = ""
    """MIME type, for ``<link rel="alternate">``."""


@dataclass(frozen=True)
class DayBar:
    """One day of a service's uptime bar: a focusable element whose details
    show on hover, focus and tap, and are read by screen readers."""

    summary: str
    """``17 Nov 2026: 87.5% uptime, major outage``; ``2 Nov 2026: no downtime
    recorded``; ``1 Sep 2026: no data``."""
    css: str
    """Badge key for a day with trouble, ``none`` for a day without data,
    ``""`` for a clean day."""
    entries: tuple[Link, ...]
    """The incidents and windows of that day, in the order they started."""


@dataclass(frozen=True)
class Swatch:
    """One colour of the uptime legend, and what it means."""

    css: str
    """As `DayBar.css`."""
    label: str


@dataclass(frozen=True)
class Uptime:
    bars: tuple[DayBar, ...]
    """Oldest first, today last."""
    percent: str
    """Over the tracked days of the whole period: ``99.98% uptime``,
    ``100% uptime since 1 Nov`` when tracking began within it, ``No data yet``."""
    label: str
    """Accessible name of the bar list."""
    days: int
    recent_days: int
    """How many days (the last ones) a narrow screen shows."""
    recent_percent: str
    """As `percent`, over those days."""


@dataclass(frozen=True)
class ServiceRow:
    id: str
    name: str
    description: str
    href: str
    badge: Badge
    uptime: Uptime


@dataclass(frozen=True)
class GroupView:
    name: str | None
    """None for services without a group."""
    badge: Badge
    services: tuple[ServiceRow, ...]


@dataclass(frozen=True)
class UpdateView:
    anchor: str
    """Element id, the same fragment the feeds link to."""
    when: When
    badge: Badge
    html: str
    """Sanitised HTML of the message (may be empty)."""


@dataclass(frozen=True)
class AffectedView:
    name: str
    href: str
    badge: Badge | None
    """The impact on this service; None for maintenance (it would only repeat itself)."""


@dataclass(frozen=True)
class EntryView:
    """An incident or a maintenance window, for its page and for lists."""

    id: str
    kind: str
    """``incident`` or ``maintenance``."""
    kind_label: str
    title: str
    href: str
    badge: Badge
    """Current status: Investigating ... Resolved; Scheduled ... Completed."""
    impact: Badge | None
    """The worst impact (incidents only)."""
    affected: tuple[AffectedView, ...]
    affected_text: str
    """Service names, comma separated, for compact lists."""
    start: When
    """Started (incident) or window start (maintenance)."""
    end: When | None
    """Resolved (incident) or window end; None while an incident is ongoing."""
    end_text: str
    """`end` shortened to the clock when it is on the start's day."""
    duration: str
    """``2 h 35 min`` elapsed (DST-aware); ``""`` while ongoing."""
    duration_text: str
    """``Duration 2 h 35 min``, or ``Ongoing``, for lists."""
    ongoing: bool
    reference: str | None
    latest: UpdateView | None
    """The newest update, for the home page."""
    timeline: tuple[UpdateView, ...]
    """Newest first, including a resolution the updates do not mention."""
    body_html: str


@dataclass(frozen=True)
class NewsView:
    id: str
    title: str
    href: str
    when: When
    summary: str
    tags: tuple[str, ...]
    body_html: str


@dataclass(frozen=True)
class HistoryItem:
    """One line in the history: an incident, a window or a news item."""

    title: str
    href: str
    kind_label: str
    badge: Badge
    when: When
    detail: str
    """Affected services, or a news item's summary."""
    impact: Badge | None = None
    """An incident's worst impact; None for maintenance and news."""
    duration: str = ""
    """``Duration 2 h 35 min``, ``Ongoing``; ``""`` for news."""


@dataclass(frozen=True)
class PastDay:
    """One day of the home page's past incidents."""

    iso: str
    """``2026-11-24``, for ``<time datetime>``."""
    date: str
    """``24 Nov 2026``."""
    items: tuple[HistoryItem, ...]
    """What started that day, latest first; empty on a quiet day."""


@dataclass(frozen=True)
class MonthView:
    name: str
    """``November 2026``."""
    items: tuple[HistoryItem, ...]


@dataclass(frozen=True)
class HistoryView:
    months: tuple[MonthView, ...]
    page: int
    pages: int
    previous_href: str
    """Newer entries; ``""`` on the first page."""
    next_href: str
    """Older entries; ``""`` on the last page."""


@dataclass(frozen=True)
class Banner:
    badge: Badge
    description: str
    """Statuspage's description, e.g. "Partial System Outage"."""


@dataclass(frozen=True)
class HomeView:
    banner: Banner
    as_of: When
    ongoing: tuple[EntryView, ...]
    active: tuple[EntryView, ...]
    upcoming: tuple[EntryView, ...]
    past: tuple[PastDay, ...]
    """The last `status.PAST_DAYS` days, today first, quiet days included."""
    groups: tuple[GroupView, ...]
    legend: tuple[Swatch, ...]
    news: tuple[NewsView, ...]


@dataclass(frozen=True)
class ServicePage:
    row: ServiceRow
    entries: tuple[EntryView, ...]
    """Its incidents and maintenance, newest first."""
    feeds: tuple[Link, ...]
    legend: tuple[Swatch, ...]


@dataclass(frozen=True)
class SiteView:
    """Site-wide values for the header, footer and ``<head>``."""

    title: str
    description: str
    language: str
    timezone: str
    """``Europe/London``, for the footer's "times are in ..." note."""
    home_href: str
    history_href: str
    css_href: str
    """With a content hash query, so a new stylesheet is never served stale."""
    icons_href: str
    """The SVG sprite (``<use href="{{ icons_href }}#i-ok">``), hash query likewise."""
    icon_href: str
    """The favicon."""
    png_icon_href: str
    """The favicon as a 32 px PNG, for browsers without SVG icons."""
    touch_icon_href: str
    """``apple-touch-icon``: 180 px PNG."""
    subscribe: tuple[Channel, ...]
    """The "Get updates" box (`subscribe.channels`)."""
    profiles: tuple[str, ...]
    """The site's accounts elsewhere, for ``<link rel="me">``."""
    x_handle: str
    """``@account`` for ``twitter:site``, or ``""``."""
    clock_src: str
    """static/clock.js, hash query included."""
    clock_states: str
    """Maintenance states for the script: ``key:icon:label`` per state, ``|`` between."""
    feeds: tuple[Link, ...]
    """Autodiscovery links: the RSS and Atom feeds of everything."""


@dataclass(frozen=True)
class PageMeta:
    title: str
    """``<title>``."""
    description: str
    canonical: str
    """Absolute URL; empty for the 404 page."""
    feeds: tuple[Link, ...]
    """Extra ``<link rel="alternate">`` for this page (a service's feeds)."""
    nav: str
    """Which header link is current: ``home``, ``history`` or ``""``."""
    image: SocialImage | None = None
    """``og:image``: the card of the page's status; None without `canonical`."""
    built: When | None = None
    """The build time, on a page that shows something still moving (every
    page's cache key then holds it): the home page, an ongoing incident, a
    window not yet completed and the lists showing them. None elsewhere."""


@dataclass(frozen=True)
class SocialImage:
    href: str
    """Absolute: ``https://.../static/card-maj.png?v=...``."""
    alt: str
    size: int


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: str
    """W3C datetime of the newest entry on the page; ``""`` when none."""


# --- time formatting ----------------------------------------------------------


def when(moment: datetime, zone: ZoneInfo) -> When:
    """A moment in the site's zone, the zone's abbreviation as of that moment (GMT/BST)."""
    local = moment.astimezone(zone)
    date = f"{local.day} {_MONTHS[local.month - 1][:3]} {local.year}"
    clock = f"{local:%H:%M} {local.tzname()}"
    return When(local.isoformat(timespec="seconds"), f"{date}, {clock}", date, clock)


def duration(start: datetime, end: datetime) -> str:
    """Elapsed time, ``3 h 30 min``; computed on instants, so a DST change counts."""
    # Subtracting two datetimes of one ZoneInfo is wall-clock arithmetic (a
    # window across the autumn change would lose its extra hour): use UTC.
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    minutes = max(int(elapsed.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{mins} min"] if mins or not parts else []
    return " ".join(parts)


def end_text(start: When, end: When) -> str:
    """The end of a span as shown after the start: the clock alone on the same day."""
    return end.clock if end.date == start.date else end.text


def month_name(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{_MONTHS[local.month - 1]} {local.year}"


# --- badges -------------------------------------------------------------------

_COMPONENT_BADGE = {
    ComponentStatus.OPERATIONAL: ("ok", "ok"),
    ComponentStatus.DEGRADED_PERFORMANCE: ("deg", "deg"),
    ComponentStatus.PARTIAL_OUTAGE: ("part", "part"),
    ComponentStatus.MAJOR_OUTAGE: ("maj", "maj"),
    ComponentStatus.UNDER_MAINTENANCE: ("mnt", "mnt"),
}

_INDICATOR_STATUS = {
    Indicator.NONE: ComponentStatus.OPERATIONAL,
    Indicator.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Indicator.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Indicator.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
    Indicator.MAINTENANCE: ComponentStatus.UNDER_MAINTENANCE,
}


def component_badge(status: ComponentStatus) -> Badge:
    key, icon = _COMPONENT_BADGE[status]
    return Badge(key, status.label, icon)


def impact_badge(impact: Impact) -> Badge:
    return component_badge(ComponentStatus.from_impact(impact))


def indicator_badge(indicator: Indicator, description: str) -> Badge:
    key, icon = _COMPONENT_BADGE[_INDICATOR_STATUS[indicator]]
    return Badge(key, description, icon)


NEWS_BADGE = Badge("news", "News", "news")


def maintenance_badge(status: MaintenanceStatus) -> Badge:
    if status is MaintenanceStatus.SCHEDULED:
        return Badge("sched", status.label, "sched")
    if status is MaintenanceStatus.COMPLETED:
        return Badge("done", status.label, "ok")
    return Badge("mnt", status.label, "mnt")


# --- uptime bars --------------------------------------------------------------


LEGEND = (
    Swatch("", "No downtime"),
    Swatch("deg", "Degraded performance"),
    Swatch("part", "Partial outage"),
    Swatch("maj", "Major outage"),
    Swatch("mnt", "Maintenance"),
    Swatch("none", "No data"),
)
"""What each colour of an uptime bar means; the classes are `day_bar`'s."""


def uptime_view(
    service: ServiceStatus, entry_links: dict[str, Link], started: dict[str, datetime]
) -> Uptime:
    """The bar data of one service: a summary and the entries of each day, a
    class for trouble; the percentage over all days and over the recent ones."""
    bars = tuple(day_bar(day, entry_links, started) for day in service.days)
    recent = min(RECENT_DAYS, len(bars))
    return Uptime(
        bars=bars,
        percent=uptime_text(service.days),
        label=f"{service.service.name}: uptime per day, today last",
        days=len(bars),
        recent_days=recent,
        recent_percent=uptime_text(service.days[len(bars) - recent :]),
    )


def uptime_text(days: Sequence[DayUptime]) -> str:
    """``99.98% uptime``; ``... since 1 Nov`` when the first days have no data
    (the percentage is of the tracked ones); ``No data yet`` when none is tracked."""
    percent = uptime_over(days)
    if percent is None:
        return "No data yet"
    text = f"{format_percent(percent)} uptime"
    first = next(d.day for d in days if d.tracked)
    if first != days[0].day:
        text += f" since {first.day} {_MONTHS[first.month - 1][:3]}"
    return text


def day_bar(day: DayUptime, entry_links: dict[str, Link], started: dict[str, datetime]) -> DayBar:
    """A clean day has no class, a day without data ``none``, a day with trouble
    its worst status's; every day lists its entries, in the order they started."""
    if not day.tracked:
        css = "none"
    elif day.worst is ComponentStatus.OPERATIONAL:
        css = ""
    else:
        css = component_badge(day.worst).key
    known = sorted((i for i in day.incident_ids if i in entry_links), key=lambda i: (started[i], i))
    return DayBar(day.summary, css, tuple(entry_links[i] for i in known))


# --- the renderer -------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    env: Environment
    static: dict[str, bytes]
    """Output path (``static/...``) -> bytes, the site's files over the built-in ones."""


def theme_dirs(config: SiteConfig) -> tuple[Path, ...]:
    """The theme's folders, the site's own first and the built-in default last."""
    own = config.root / "themes" / config.theme
    dirs = [own] if own.is_dir() else []
    if not any(d.resolve() == BUILTIN_THEME for d in dirs):
        dirs.append(BUILTIN_THEME)
    return tuple(dirs)


@lru_cache(maxsize=16)
def environment(template_dirs: tuple[str, ...], bytecode: str | None = None) -> Environment:
    """One Environment per folder list, so templates compile once per process.

    With a `bytecode` folder (the build cache's), compiled templates are kept
    there too, so they compile once per theme change rather than once per
    process: a tenth of a second of every cached build otherwise.
    """
    return Environment(
        loader=FileSystemLoader(list(template_dirs)),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=_QuietBytecodeCache(bytecode) if bytecode else None,
    )


class _QuietBytecodeCache(FileSystemBytecodeCache):
    """Jinja's own cache of compiled templates (checked against each template's
    source), where a folder that cannot be written is no error: a cache, not a
    promise."""

    def __init__(self, directory: str) -> None:
        with contextlib.suppress(OSError):
            os.makedirs(directory, exist_ok=True)
        super().__init__(directory)

    def load_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def load_theme(config: SiteConfig, bytecode: Path | None = None) -> Theme:
    """The cached Environment and the merged static files (read, never written);
    compiled templates kept in `bytecode` (the build's cache folder), if given."""
    dirs = theme_dirs(config)
    _refuse_links_out(config, dirs)
    templates = tuple(str(d / "templates") for d in dirs if (d / "templates").is_dir())
    static: dict[str, bytes] = {}
    for d in reversed(dirs):  # built-in first, so the site's files win
        folder = d / "static"
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(p.startswith(".") for p in rel.parts):
                static["static/" + rel.as_posix()] = path.read_bytes()
    folder = str(bytecode) if bytecode is not None else None
    return Theme(environment(templates, folder), dict(sorted(static.items())))


def _refuse_links_out(config: SiteConfig, dirs: tuple[Path, ...]) -> None:
    """A theme file may not be a link out of its theme folder, nor into a ``.git``
    folder: it would be published (`site_files.links_out`).

    A static file linked to /proc/self/environ put the build's environment,
    credentials included, on the public site; one linked to ``.git/config``
    the CI checkout's token. Content files are held to the same rule in source/files.py.
    """
    problems = [p for theme in dirs for p in links_out(theme, config.root)]
    if problems:
        raise ProblemsError(problems)


def redirect_page(config: SiteConfig, target: str) -> bytes:
    """The page left at a renamed entry's old address: sends readers (and, by
    the canonical link, search engines) to `target`, its new absolute URL.
    `publish` writes it, for as long as its ledger remembers the rename."""
    link = escape(target, quote=True)
    return (
        f'<!doctype html>\n<html lang="{escape(config.language, quote=True)}">\n<head>\n'
        '<meta charset="utf-8">\n<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={link}">\n'
        f'<link rel="canonical" href="{link}">\n<title>Moved</title>\n</head>\n'
        f'<body><p>This page has moved: <a href="{link}">{link}</a></p></body>\n</html>\n'
    ).encode()


def render_html(site: Site, status: SiteStatus, *, extra_head: str = "") -> dict[str, bytes]:
    """Every page of the site as ``{path: bytes}``.

    `extra_head` is trusted HTML for ``<head>`` (the dev server's reload
    script); builds leave it empty and templates then never see it.
    """
    return _Renderer(site, status, extra_head).render()


@dataclass(frozen=True)
class Page:
    """One output file, not yet rendered: what a cached build needs to skip it.

    `key` names everything the file shows except the site-wide inputs (the
    site's configuration, the theme's files, `extra_head` and the statusgen
    code), which the build adds; None for a file that is always rendered
    (the home page: it shows the build time). A maintenance window's state
    is part of every key that shows it, since it moves with the build time.
    """

    path: str
    """Output path, e.g. ``incidents/<id>/index.html``."""
    key: tuple[object, ...] | None
    render: Callable[[], bytes]


def html_pages(
    site: Site, status: SiteStatus, *, extra_head: str = "", bytecode: Path | None = None
) -> list[Page]:
    """`render_html`'s files, in its order, each rendered only when asked to."""
    return _Renderer(site, status, extra_head, bytecode).pages()


class _Lazy(dict[str, Any]):
    """Views made on first use: a cached build renders a few pages, not every view."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: str) -> Any:
        value = self[key] = self.make(key)
        return value


class _Renderer:
    """Builds each view once (an entry appears on several pages), on first use."""

    def __init__(
        self, site: Site, status: SiteStatus, extra_head: str, bytecode: Path | None = None
    ) -> None:
        self.site = site
        self.status = status
        self.config = site.config
        self.zone = site.config.timezone
        self.now = status.now
        self.extra_head = extra_head
        self.theme = load_theme(self.config, bytecode)
        self.names = {s.id: s.name for s in self.config.services}
        self._whens: dict[float, When] = {}
        self._badges: dict[object, Badge] = {}
        windows: list[Incident | Maintenance] = [*site.incidents, *site.maintenances]
        by_id = {e.id: e for e in windows}
        news_by_id = {n.id: n for n in site.news}
        self.entries: dict[str, EntryView] = _Lazy(lambda i: self.entry_view(by_id[i]))
        # Windows by `Maintenance.key`: an occurrence of a series has its own times and state.
        by_key = {m.key: m for m in status.maintenances}
        self.windows: dict[str, EntryView] = _Lazy(lambda k: self.entry_view(by_key[k]))
        self.news: dict[str, NewsView] = _Lazy(lambda i: self.news_view(news_by_id[i]))
        links = {e.id: Link(self.link(urls.entry_path(e)), e.title) for e in windows}
        started = {e.id: entry_time(e) for e in windows}
        self.rows = {s.service.id: self.service_row(s, links, started) for s in status.services}
        self.site_view = self.make_site_view()
        self.affecting = affecting(site)

    # --- links -----------------------------------------------------------

    def link(self, path: str = "") -> str:
        return urls.link(self.config, path)

    def absolute(self, path: str = "") -> str:
        return urls.absolute(self.config, path)

    def static_link(self, name: str) -> str:
        """A theme file's link with a content hash, so caches can keep it for ever."""
        return self.link(f"static/{name}") + self._version(name)

    def absolute_static(self, name: str) -> str:
        """`static_link`, absolute (``og:image`` must be)."""
        return self.absolute(f"static/{name}") + self._version(name)

    def _version(self, name: str) -> str:
        data = self.theme.static.get(f"static/{name}", b"")
        return f"?v={hashlib.sha256(data).hexdigest()[:10]}"

    def make_site_view(self) -> SiteView:
        config = self.config
        feeds = (
            Link(self.link("feeds/all.rss"), f"{config.title} (RSS)", "rss", "application/rss+xml"),
            Link(
                self.link("feeds/all.atom"), f"{config.title} (Atom)", "rss", "application/atom+xml"
            ),
        )
        subscribe = channels(config, self.link, self.absolute)
        # The clock's three states, in the words and colours of the pages.
        moves = ("SCHEDULED", "IN_PROGRESS", "COMPLETED")
        badges = [maintenance_badge(MaintenanceStatus[m]) for m in moves]
        return SiteView(
            title=config.title,
            description=config.description,
            language=config.language,
            timezone=self.zone.key,
            home_href=self.link(),
            history_href=self.link("history/"),
            css_href=self.static_link("style.css"),
            icons_href=self.static_link("icons.svg"),
            icon_href=self.link("static/favicon.svg"),
            png_icon_href=self.static_link("favicon-32.png"),
            touch_icon_href=self.static_link("apple-touch-icon.png"),
            subscribe=subscribe,
            profiles=tuple(c.href for c in subscribe if c.profile),
            x_handle=x_handle(config),
            clock_src=self.static_link("clock.js"),
            clock_states="|".join(f"{b.key}:{b.icon}:{b.label}" for b in badges),
            feeds=feeds,
        )

    # --- views -----------------------------------------------------------

    def when(self, moment: datetime) -> When:
        # Memoised by instant (not by datetime equality, which ignores `fold`
        # within one zone): most pages show the same few thousand moments.
        stamp = moment.timestamp()
        known = self._whens.get(stamp)
        if known is None:
            known = self._whens[stamp] = when(moment, self.zone)
        return known

    def service_link(self, service_id: str) -> str:
        return self.link(urls.service_path(service_id))

    # Badges are small immutable values that a large site shows tens of thousands
    # of times: made once per (impact, status) rather than per update.

    def incident_badge(self, worst: Impact, status: IncidentStatus) -> Badge:
        """An incident status in the colour of its worst impact while open, green
        once resolved."""
        key = (worst, status)
        found = self._badges.get(key)
        if found is None:
            if status is IncidentStatus.RESOLVED:
                found = Badge("ok", status.label, "ok")
            elif status is IncidentStatus.POSTMORTEM:
                # Resolved, so green; a page icon says a review was written.
                found = Badge("ok", status.label, "news")
            else:
                base = impact_badge(worst)
                found = Badge(base.key, status.label, base.icon)
            self._badges[key] = found
        return found

    def impact_badge(self, impact: Impact) -> Badge:
        found = self._badges.get(impact)
        if found is None:
            found = self._badges[impact] = impact_badge(impact)
        return found

    def update_views(
        self, updates: Sequence[Update], badge_of: Callable[[Update], Badge]
    ) -> list[tuple[datetime, UpdateView]]:
        anchors = update_anchors(updates)
        return [
            (u.at, UpdateView(anchor, self.when(u.at), badge_of(u), to_html(u.message)))
            for u, anchor in zip(updates, anchors, strict=True)
        ]

    def entry_view(self, entry: Incident | Maintenance) -> EntryView:
        href = self.link(urls.entry_path(entry))
        if isinstance(entry, Incident):
            incident = entry
            worst = incident.impact
            views = self.update_views(
                incident.updates, lambda u: self.incident_badge(worst, IncidentStatus(u.status))
            )
            # The same events as the feeds (status.py's rule), with the same fragments.
            if (opened_at := opened_event(incident)) is not None:
                opened = self.incident_badge(worst, IncidentStatus.INVESTIGATING)
                views.append((opened_at, UpdateView("opened", self.when(opened_at), opened, "")))
            if (resolved_at := resolved_event(incident)) is not None:
                views.append(
                    (
                        resolved_at,
                        UpdateView(
                            "resolved",
                            self.when(resolved_at),
                            self.incident_badge(worst, IncidentStatus.RESOLVED),
                            "<p>This incident has been resolved.</p>",
                        ),
                    )
                )
            affected = tuple(
                AffectedView(
                    self.names[a.service_id],
                    self.service_link(a.service_id),
                    self.impact_badge(a.impact),
                )
                for a in incident.services
            )
            start, end_at = incident.started, incident.resolved
            badge = self.incident_badge(worst, incident.status)
            impact: Badge | None = self.impact_badge(worst)
            kind_label = "Incident"
        else:
            views = self.update_views(
                entry.updates, lambda u: maintenance_badge(MaintenanceStatus(u.status))
            )
            affected = tuple(
                AffectedView(self.names[sid], self.service_link(sid), None)
                for sid in entry.service_ids
            )
            start, end_at = entry.start, entry.end
            badge = dataclasses.replace(
                maintenance_badge(maintenance_state(entry, self.now)),
                starts=start.isoformat(),
                ends=end_at.isoformat(),
            )
            impact = None
            kind_label = "Maintenance"
        timeline = newest_first(views)
        start_when = self.when(start)
        end_when = self.when(end_at) if end_at is not None else None
        return EntryView(
            id=entry.id,
            kind=entry.kind.value,
            kind_label=kind_label,
            title=entry.title,
            href=href,
            badge=badge,
            impact=impact,
            affected=affected,
            affected_text=", ".join(a.name for a in affected),
            start=start_when,
            end=end_when,
            end_text=end_text(start_when, end_when) if end_when else "",
            duration=duration(start, end_at) if end_at is not None else "",
            duration_text=f"Duration {duration(start, end_at)}"
            if end_at is not None
            else "Ongoing",
            ongoing=isinstance(entry, Incident) and entry.resolved is None,
            reference=entry.reference,
            latest=timeline[0] if timeline else None,
            timeline=timeline,
            body_html=to_html(entry.body),
        )

    def news_view(self, item: NewsItem) -> NewsView:
        return NewsView(
            id=item.id,
            title=item.title,
            href=self.link(urls.entry_path(item)),
            when=self.when(item.date),
            summary=item.summary,
            tags=item.tags,
            body_html=to_html(item.body),
        )

    def service_row(
        self, service: ServiceStatus, links: dict[str, Link], started: dict[str, datetime]
    ) -> ServiceRow:
        s = service.service
        return ServiceRow(
            id=s.id,
            name=s.name,
            description=s.description,
            href=self.service_link(s.id),
            badge=component_badge(service.status),
            uptime=uptime_view(service, links, started),
        )

    def home_view(self) -> HomeView:
        status = self.status
        overall = status.overall
        groups = tuple(
            GroupView(
                g.name,
                component_badge(g.status),
                tuple(self.rows[s.service.id] for s in g.services),
            )
            for g in status.groups
        )
        return HomeView(
            banner=Banner(
                indicator_badge(overall.indicator, overall.description), overall.description
            ),
            as_of=self.when(self.now),
            ongoing=tuple(self.entries[i.id] for i in status.ongoing),
            active=tuple(self.windows[m.key] for m in status.active_maintenances),
            upcoming=tuple(self.windows[m.key] for m in status.upcoming_maintenances),
            past=tuple(
                PastDay(
                    d.day.isoformat(),
                    f"{d.day.day} {_MONTHS[d.day.month - 1][:3]} {d.day.year}",
                    tuple(self.history_item(e) for e in d.entries),
                )
                for d in status.past
            ),
            groups=groups,
            legend=LEGEND,
            news=tuple(self.news[n.id] for n in self.site.news[:RECENT_NEWS]),
        )

    def history_item(self, entry: Entry) -> HistoryItem:
        if isinstance(entry, NewsItem):
            news = self.news[entry.id]
            return HistoryItem(news.title, news.href, "News", NEWS_BADGE, news.when, news.summary)
        view = self.entries[entry.id]
        return HistoryItem(
            view.title,
            view.href,
            view.kind_label,
            view.badge,
            view.start,
            view.affected_text,
            view.impact,
            view.duration_text,
        )

    # --- pages -----------------------------------------------------------

    def meta(
        self,
        title: str,
        path: str | None,
        description: str = "",
        feeds: tuple[Link, ...] = (),
        nav: str = "",
        card: Badge | None = None,
        live: bool = False,
    ) -> PageMeta:
        """`card`: the status the page's social card shows (the site's own card
        when None); `live`: the page carries the build time (`PageMeta.built`)."""
        full = title if title == self.config.title else f"{title} · {self.config.title}"
        image = None
        if path is not None:
            key, alt = (card.key, card.label) if card else ("site", self.config.title)
            name = f"card-{key}.png"
            image = SocialImage(self.absolute_static(name), alt, CARD_SIZE)
        return PageMeta(
            title=full,
            description=description or self.config.description or self.config.title,
            canonical=self.absolute(path) if path is not None else "",
            feeds=feeds,
            nav=nav,
            image=image,
            built=self.when(self.now) if live else None,
        )

    def render_page(self, template: str, page: PageMeta, **values: Any) -> bytes:
        context: dict[str, Any] = {"site": self.site_view, "page": page, **values}
        if self.extra_head:
            context["extra_head"] = self.extra_head
        html = self.theme.env.get_template(template).render(context)
        return html.encode("utf-8")

    def render(self) -> dict[str, bytes]:
        return {page.path: page.render() for page in self.pages()}

    def state_key(self, entry: Entry) -> tuple[str, str, str, str]:
        """What a page shows of an entry, as far as a cache key needs it: the
        entry's file (its content hash) and, for a window, its state at the
        build time. Entries made in code have no hash: their pages are never
        cached (the key then holds the empty digest and the build skips it)."""
        state = maintenance_state(entry, self.now).value if isinstance(entry, Maintenance) else ""
        if self.live(entry):  # its pages carry the build time
            state += f"@{self.now.isoformat()}"
        return (entry.kind.value, entry.id, entry.source.digest, state)

    def live(self, entry: Entry) -> bool:
        """Still moving at the build time: an ongoing incident or a window not yet
        completed. A page that shows one carries the build time, for
        static/clock.js to move the window on and to say how old the page is;
        other pages keep their bytes from build to build (and the cache)."""
        if isinstance(entry, Incident):
            return entry.resolved is None
        if isinstance(entry, Maintenance):
            return maintenance_state(entry, self.now) is not MaintenanceStatus.COMPLETED
        return False

    def pages(self) -> list[Page]:
        site = self.site
        config = self.config
        pages: list[Page] = []
        sitemap: list[SitemapUrl] = []

        def add(
            path: str,
            key: tuple[object, ...] | None,
            render: Callable[[], bytes],
            lastmod: datetime | None,
        ) -> None:
            pages.append(Page(urls.output_file(path), key, render))
            sitemap.append(SitemapUrl(self.absolute(path), w3c(lastmod)))

        everything: list[Entry] = sorted(
            (*site.incidents, *site.maintenances, *site.news),
            key=lambda e: (entry_time(e), e.id),
            reverse=True,
        )
        # Per entry object (a news item may share its id with an incident): its
        # page path, when that page last changed, and its part of a cache key.
        known: dict[int, tuple[str, datetime | None, tuple[str, str, str, str]]] = {
            id(e): (urls.entry_path(e), last_change(e, self.now), self.state_key(e))
            for e in everything
        }

        def newest(entries: Iterable[Entry]) -> datetime | None:
            times = (known[id(e)][1] for e in entries)
            return max((t for t in times if t is not None), default=None)

        def shown(entries: Sequence[Entry]) -> tuple[tuple[str, str, str, str], ...] | None:
            """The entries' key parts; None when one was made in code (no digest)."""
            parts = tuple(known[id(e)][2] for e in entries)
            return parts if all(part[2] for part in parts) else None

        add("", None, self.home_page, newest(everything))

        for entry in (*site.incidents, *site.maintenances):
            path, changed, part = known[id(entry)]
            key = ("entry", part) if part[2] else None
            add(path, key, partial(self.entry_page, entry), changed)

        for item in site.news:
            path, changed, part = known[id(item)]
            key = ("news", part) if part[2] else None
            add(path, key, partial(self.news_page, item), changed)

        chunks = [
            everything[i : i + HISTORY_PAGE_SIZE]
            for i in range(0, len(everything), HISTORY_PAGE_SIZE)
        ] or [[]]
        for number, chunk in enumerate(chunks, 1):
            parts = shown(chunk)
            add(
                history_path(number),
                None if parts is None else ("history", number, len(chunks), parts),
                partial(self.history_page, chunk, number, len(chunks)),
                newest(chunk),
            )

        for service in config.services:
            entries = self.affecting[service.id]
            parts = shown(entries)
            row = repr(self.rows[service.id])
            add(
                urls.service_path(service.id),
                None if parts is None else ("service", service.id, row, parts),
                partial(self.service_page, service, entries),
                newest(entries),
            )

        pages.append(
            Page(
                "404.html",
                ("404",),
                lambda: self.render_page("404.html", self.meta("Page not found", None)),
            )
        )
        pages.append(
            Page(
                "sitemap.xml",
                ("sitemap", tuple((u.loc, u.lastmod) for u in sitemap)),
                lambda: (
                    self.theme.env.get_template("sitemap.xml").render(urls=sitemap).encode("utf-8")
                ),
            )
        )
        robots = f"User-agent: *\nAllow: /\n\nSitemap: {self.absolute('sitemap.xml')}\n".encode()
        pages.append(Page("robots.txt", None, lambda: robots))
        for path, data in self.theme.static.items():
            pages.append(Page(path, None, partial(bytes, data)))
        return pages

    def home_page(self) -> bytes:
        banner = indicator_badge(self.status.overall.indicator, self.status.overall.description)
        page = self.meta(self.config.title, "", nav="home", card=banner, live=True)
        return self.render_page("index.html", page, home=self.home_view())

    def entry_page(self, entry: Incident | Maintenance) -> bytes:
        view = self.entries[entry.id]
        page = self.meta(
            view.title,
            urls.entry_path(entry),
            f"{view.kind_label}: {view.badge.label}. Affected: {view.affected_text}.",
            card=view.badge,
            live=self.live(entry),
        )
        return self.render_page("incident.html", page, entry=view)

    def news_page(self, item: NewsItem) -> bytes:
        view = self.news[item.id]
        page = self.meta(view.title, urls.entry_path(item), view.summary, card=NEWS_BADGE)
        return self.render_page("news.html", page, item=view)

    def history_page(self, chunk: Sequence[Entry], number: int, pages: int) -> bytes:
        view = self.history_view(chunk, number, pages)
        title = "History" if number == 1 else f"History, page {number}"
        page = self.meta(
            title,
            history_path(number),
            "Past incidents, maintenance and news.",
            nav="history",
            live=any(self.live(e) for e in chunk),
        )
        return self.render_page("history.html", page, history=view)

    def service_page(self, service: Service, entries: Sequence[Incident | Maintenance]) -> bytes:
        row = self.rows[service.id]
        feeds = (
            Link(
                self.link(f"feeds/services/{service.id}.rss"),
                f"{service.name} (RSS)",
                "rss",
                "application/rss+xml",
            ),
            Link(
                self.link(f"feeds/services/{service.id}.atom"),
                f"{service.name} (Atom)",
                "rss",
                "application/atom+xml",
            ),
        )
        view = ServicePage(row, tuple(self.entries[e.id] for e in entries), feeds, LEGEND)
        path = urls.service_path(service.id)
        page = self.meta(
            service.name,
            path,
            service.description or f"Status of {service.name}.",
            feeds,
            card=row.badge,
            live=any(self.live(e) for e in entries),
        )
        return self.render_page("service.html", page, service=view)

    def history_view(self, chunk: Sequence[Entry], number: int, pages: int) -> HistoryView:
        months: dict[str, list[HistoryItem]] = {}
        for entry in chunk:
            months.setdefault(month_name(entry_time(entry), self.zone), []).append(
                self.history_item(entry)
            )
        return HistoryView(
            months=tuple(MonthView(name, tuple(items)) for name, items in months.items()),
            page=number,
            pages=pages,
            previous_href=self.link(history_path(number - 1)) if number > 1 else "",
            next_href=self.link(history_path(number + 1)) if number < pages else "",
        )


def history_path(number: int) -> str:
    return "history/" if number == 1 else f"history/page/{number}/"


def newest_first(views: Iterable[tuple[datetime, UpdateView]]) -> tuple[UpdateView, ...]:
    """Newest first; of two updates at the same time, the one written later first."""
    indexed = [(at, i, view) for i, (at, view) in enumerate(views)]
    indexed.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return tuple(view for _, _, view in indexed)


def w3c(moment: datetime | None) -> str:
    """Sitemap ``lastmod``: the instant in UTC, or ``""``."""
    if moment is None:
        return ""
    if moment.tzinfo is not UTC:  # the model's times already are
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")
