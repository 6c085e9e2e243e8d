"""What templates see: one small frozen dataclass per view.

Every value a template shows is computed in Python (`viewbuilder`, with
`formatting`'s rules) into these small frozen dataclasses (`When`, `Badge`,
`EntryView`, `ServiceRow`, ...): display times in the site's zone, labels,
CSS class names, uptime bars, links. Templates only loop and branch, so a
theme author cannot get a time zone or a link wrong, and the tests check the
rules in Python rather than by scraping HTML.

Trust: titles, names and every other string are autoescaped by Jinja;
Markdown (bodies, update messages) goes through `markup.to_html`, which
sanitises, and only those ``*_html`` fields are inserted with ``|safe``.

Languages: a ``*_lang`` field (``title_lang``, `UpdateView.lang`, ...) is
``""`` for a text in the page's language and a BCP 47 tag (``en-GB``) for a
text shown in another one (an untranslated text on a bilingual site's
``/cy/`` page, `translate.site_in`). The template puts it as ``lang`` on the
element holding that text alone, so a screen reader pronounces it right.

Template context (the contract with theme authors)
--------------------------------------------------
Every page gets ``site`` (`SiteView`), ``page`` (`PageMeta`), ``t`` (the
site's words: ``t("nav.status")``, ``t("home.status_as_of", time=...)``,
``t("uptime.days_ago", count=n)``; keys in ``statusgen/locales/en.toml``),
and ``extra_head`` only when the dev server passes one. Then, by template:
``index.html`` ``home`` (`HomeView`); ``incident.html`` ``entry``
(`EntryView`, incidents and maintenance alike, ``entry.kind`` tells);
``news.html`` ``item`` (`NewsView`); ``history.html`` ``history``
(`HistoryView`); ``service.html`` ``service`` (`ServicePage`);
``404.html`` nothing more; ``sitemap.xml`` ``urls`` (`SitemapUrl` list).
The built-in partials (``_macros.html``, ``_service.html``,
``_subscribe.html``) can be overridden one by one like any template.
"""

from __future__ import annotations

from dataclasses import dataclass

from .subscribe import Channel

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
    lang: str = ""
    """The language `text` is written in when it is not the page's."""


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
    lang: str = ""
    """The message's language when it is not the page's."""


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
    title_lang: str = ""
    """The title's language when it is not the page's; likewise `body_lang`."""
    body_lang: str = ""


@dataclass(frozen=True)
class NewsView:
    id: str
    title: str
    href: str
    when: When
    summary: str
    tags: tuple[str, ...]
    body_html: str
    title_lang: str = ""
    """As `EntryView.title_lang`; likewise `summary_lang` and `body_lang`."""
    summary_lang: str = ""
    body_lang: str = ""


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
    title_lang: str = ""
    """As `EntryView.title_lang`; `detail_lang` for a news item's summary."""
    detail_lang: str = ""


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
    clock_ago: str
    """The script's note on an old page, ``{age}`` its age in `clock_hours` or `clock_days`."""
    clock_hours: str
    """A plural for the script: ``category:text`` per CLDR category, ``|`` between."""
    clock_days: str
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
