"""The immutable model of a status site: configuration, content, enumerations.

No I/O here. `config.py` and `source/` build these objects at the
boundary, after validation; everything downstream only reads them.
Times are aware datetimes; `source/` stores UTC instants, because two
datetimes sharing a ZoneInfo compare and subtract by wall clock (wrong
across a DST change). Renderers convert to the site's zone for display.
Enumeration values are Statuspage's own strings, so the JSON API can use
them unchanged.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .errors import Problem

if TYPE_CHECKING:
    from .rules import Rule

# --- enumerations -----------------------------------------------------------


class Impact(enum.StrEnum):
    """How badly an incident hits a service (front-matter `impact`)."""

    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        return _IMPACT_RANK[self]

    @property
    def label(self) -> str:
        return _LABELS[self.value]


_IMPACT_RANK = {
    Impact.DEGRADED_PERFORMANCE: 1,
    Impact.PARTIAL_OUTAGE: 2,
    Impact.MAJOR_OUTAGE: 3,
}


class ComponentStatus(enum.StrEnum):
    """A service's status at build time (Statuspage's component status)."""

    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"

    @property
    def rank(self) -> int:
        """Severity for "worst of": an outage outranks maintenance."""
        return _COMPONENT_RANK[self]

    @property
    def label(self) -> str:
        return _LABELS[self.value]

    @classmethod
    def from_impact(cls, impact: Impact) -> ComponentStatus:
        return cls(impact.value)


_COMPONENT_RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}


class IncidentStatus(enum.StrEnum):
    """Status of an incident update (front-matter `updates[].status`)."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"
    """A review written after the resolution (Statuspage's postmortem); the
    incident stays resolved."""

    @property
    def label(self) -> str:
        return _LABELS[self.value]


class MaintenanceStatus(enum.StrEnum):
    """Status of a maintenance window or of one of its updates."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return _LABELS[self.value]


class Indicator(enum.StrEnum):
    """Statuspage's overall page indicator."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"


class EntryKind(enum.StrEnum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"
    NEWS = "news"


_LABELS = {
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "operational": "Operational",
    "under_maintenance": "Under maintenance",
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "postmortem": "Post-incident review",
    "scheduled": "Scheduled",
    "in_progress": "In progress",
    "verifying": "Verifying",
    "completed": "Completed",
}


# --- configuration (site.toml) ---------------------------------------------


@dataclass(frozen=True)
class Service:
    id: str
    """Stable identifier, ``[a-z0-9-]+``; used in URLs and the API."""
    name: str
    """Display name."""
    group: str | None = None
    """Display group; services without one are listed on their own."""
    description: str = ""
    """One line shown under the name."""
    since: date | None = None
    """The first day of its uptime history (its own ``since``, else the site's);
    earlier days have no data. None: every day of the window counts."""


@dataclass(frozen=True)
class FeedsConfig:
    limit: int = 50
    """Entries per feed, newest first."""


@dataclass(frozen=True)
class XConfig:
    enabled: bool = False
    """Post to X on `publish`. Credentials come only from the environment."""
    account: str | None = None
    """The X handle (without @), shown as a subscribe link."""
    links: str = "first"
    """``first``: only a thread's first post carries the entry's link (X bills a
    post with a URL far above one without); ``all``: replies carry it too."""
    price_post: float = 0.015
    """US dollars X bills per post without a URL (list price, `publish.cost`)."""
    price_link_post: float = 0.200
    """US dollars X bills per post with a URL (list price, `publish.cost`)."""
    max_posts_per_day: int = 50
    """Posts in any 24 hours at most, counted in the ledger: a hard stop on spending."""


@dataclass(frozen=True)
class MastodonConfig:
    """``[publish.mastodon]``; the token comes from ``MASTODON_ACCESS_TOKEN``."""

    enabled: bool = False
    instance: str = ""
    """The instance's base URL, ``https://mastodon.example.ac.uk``."""
    visibility: str = "public"
    """``public`` or ``unlisted``."""
    account: str | None = None
    """The account's address without the leading @, ``itstatus@mastodon.example.ac.uk``,
    for the subscribe link."""
    events: tuple[str, ...] = ()
    """`EventKind` values this target is told of; empty: all of them."""
    templates: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Post templates by event name for this target, over ``[publish.templates]``."""
    language: str | None = None
    """The language its posts are in: the site's ``language`` or one of its
    ``other_languages``; None: the main language."""


@dataclass(frozen=True)
class BlueskyConfig:
    """``[publish.bluesky]``; the app password comes from ``BLUESKY_APP_PASSWORD``."""

    enabled: bool = False
    handle: str = ""
    """The account's handle, ``itstatus.example.ac.uk``."""
    service: str = "https://bsky.social"
    """The account's PDS."""
    events: tuple[str, ...] = ()
    templates: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    language: str | None = None


@dataclass(frozen=True)
class WebhookConfig:
    """One ``[[publish.webhooks]]``: a Teams, Slack or plain JSON endpoint."""

    name: str
    """The target's name in the ledger and in output lines."""
    format: str
    """``teams``, ``slack`` or ``json``."""
    url_env: str = ""
    """The environment variable holding the URL (a secret)."""
    secret_env: str | None = None
    """json only: the environment variable holding the HMAC-SHA256 key."""
    token_env: str | None = None
    """slack only: a bot token's variable, for chat.postMessage (threads)."""
    channel: str | None = None
    """slack with a bot token: the channel id to post in."""
    events: tuple[str, ...] = ()
    templates: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    language: str | None = None
    enabled: bool = True
    """An item switched off is still checked, and keeps its place: problems name
    the nth ``[[publish.webhooks]]`` of the file."""


@dataclass(frozen=True)
class EmailConfig:
    """``[publish.email]``; ``SMTP_USERNAME``/``SMTP_PASSWORD`` from the environment."""

    enabled: bool = False
    to: tuple[str, ...] = ()
    sender: str = ""
    """site.toml's ``from``: ``IT Services status <status@example.ac.uk>``."""
    host: str = ""
    port: int = 587
    security: str = "starttls"
    """``starttls``, ``tls`` or ``none`` (none only for 127.0.0.1 and localhost)."""
    events: tuple[str, ...] = ()
    templates: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    language: str | None = None


@dataclass(frozen=True)
class PublishConfig:
    x: XConfig = XConfig()
    mastodon: MastodonConfig = MastodonConfig()
    bluesky: BlueskyConfig = BlueskyConfig()
    webhooks: tuple[WebhookConfig, ...] = ()
    email: EmailConfig = EmailConfig()
    max_posts: int = 10
    """Posts per `publish` run at most; the rest wait for the next run."""
    timeout: float = 60.0
    """Seconds a publish run may spend retrying before it gives up."""
    max_age: float = 6.0
    """Hours: an event older than this is never posted (README: Publishing to X)."""
    templates: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Post templates by event name, overriding the built-in ones."""


@dataclass(frozen=True)
class PrivacyConfig:
    forbidden: tuple[Rule, ...] = ()
    """Rules that must never match any output or post (`rules.compile_rule`)."""


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    """The site folder (where site.toml is)."""
    title: str
    base_url: str
    """Absolute, ends with ``/``; may carry a sub-path."""
    timezone: ZoneInfo
    language: str = "en-GB"
    other_languages: tuple[str, ...] = ()
    """BCP 47 tags of the languages entries are also written in (`languages`)."""
    theme: str = "default"
    output: Path = Path("public")
    """Output folder, relative to `root` unless absolute."""
    description: str = ""
    services: tuple[Service, ...] = ()
    feeds: FeedsConfig = FeedsConfig()
    publish: PublishConfig = PublishConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    strings: Mapping[str, Any] = field(default_factory=dict, hash=False)
    """``[strings]``: catalogue key -> the site's own text (or plural table), validated."""
    language_strings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    """``[strings.cy]``: an other language's tag -> its own words, as `strings`."""
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    """What site.toml holds that is not wrong but is worth saying (reported with
    the content's problems by check and build)."""

    @property
    def base_path(self) -> str:
        """The URL path of the site root, e.g. ``/`` or ``/status/``."""
        rest = self.base_url.split("://", 1)[-1]
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"

    @property
    def groups(self) -> tuple[str | None, ...]:
        """Groups in first-seen order (None for ungrouped services)."""
        return tuple(dict.fromkeys(s.group for s in self.services))

    @cached_property
    def service_order(self) -> Mapping[str, int]:
        """Each service id's position in `services` (the first, should one repeat).

        Built once per config (a cached_property writes the instance's
        ``__dict__``, which a frozen dataclass allows): looking an id up by
        scanning the catalogue, once per reference, made a site's build time
        grow with services x references. A plain dict, so the config still
        pickles for the build's worker processes.
        """
        order: dict[str, int] = {}
        for position, s in enumerate(self.services):
            order.setdefault(s.id, position)
        return order

    def service(self, service_id: str) -> Service:
        return self.services[self.service_order[service_id]]

    @property
    def output_dir(self) -> Path:
        return self.output if self.output.is_absolute() else self.root / self.output


# --- content ------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where an entry came from, so later stages can name the file and line."""

    path: str
    """Relative to the site folder, forward slashes."""
    lines: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, hash=False
    )
    """Line of each front-matter key (dotted paths like ``updates[1].message``)."""
    body_line: int = 1
    """First line of the Markdown body."""
    digest: str = ""
    """sha256 of the file's bytes."""

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


def _none() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Translation:
    """An entry's texts in one other language (``title_cy:``); None: not given."""

    title: str | None = None
    summary: str | None = None
    post_text: str | None = None
    """The first post of a target posting in that language (``post_text_cy:``)."""


@dataclass(frozen=True)
class Update:
    at: datetime
    status: IncidentStatus | MaintenanceStatus
    message: str
    """Markdown (usually one paragraph)."""
    translations: Mapping[str, str] = field(default_factory=_none)
    """``message_<suffix>`` by language suffix (`languages.suffix`)."""
    text_lang: Mapping[str, str] = field(default_factory=_none)
    """After `translate.site_in`: the tag of each text in another language than
    the site's (a fallback), by field name; ``lang`` for the page."""

    def key(self) -> str:
        """Stable identity of an update within its entry."""
        return f"{self.at.isoformat()}/{self.status.value}"


@dataclass(frozen=True)
class AffectedService:
    service_id: str
    impact: Impact


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    services: tuple[AffectedService, ...]
    started: datetime
    resolved: datetime | None
    updates: tuple[Update, ...]
    """Oldest first."""
    body: str = ""
    reference: str | None = None
    draft: bool = False
    post: bool = True
    post_text: str | None = None
    source: Source = Source("")
    translations: Mapping[str, Translation] = field(default_factory=_none)
    """Texts by language suffix (`languages.suffix`)."""
    text_lang: Mapping[str, str] = field(default_factory=_none)
    """As `Update.text_lang`."""

    kind = EntryKind.INCIDENT

    @property
    def impact(self) -> Impact:
        """The worst impact among the affected services."""
        return max((s.impact for s in self.services), key=lambda i: i.rank)

    @property
    def service_ids(self) -> tuple[str, ...]:
        return tuple(s.service_id for s in self.services)

    @property
    def status(self) -> IncidentStatus:
        """The latest update's status; resolved once `resolved` is set, or
        postmortem when a review followed the resolution (still resolved:
        `ongoing_at` goes by `resolved`)."""
        if self.resolved is not None:
            if self.updates and self.updates[-1].status == IncidentStatus.POSTMORTEM:
                return IncidentStatus.POSTMORTEM
            return IncidentStatus.RESOLVED
        if self.updates:
            return IncidentStatus(self.updates[-1].status)
        return IncidentStatus.INVESTIGATING

    def ongoing_at(self, now: datetime) -> bool:
        return self.started <= now and (self.resolved is None or now < self.resolved)


@dataclass(frozen=True)
class Maintenance:
    id: str
    title: str
    service_ids: tuple[str, ...]
    start: datetime
    end: datetime
    updates: tuple[Update, ...] = ()
    """Oldest first."""
    body: str = ""
    reference: str | None = None
    draft: bool = False
    post: bool = True
    post_text: str | None = None
    source: Source = Source("")
    rrule: str | None = None
    """RFC 5545 rule (front-matter ``rrule``, checked by `recurrence.check_rule`,
    UNTIL in UTC): the window recurs, and `start`/`end` are its first occurrence."""
    occurrence: str | None = None
    """On one occurrence of a series (`status.occurrences`): the local date it
    starts, ``YYYY-MM-DD``; None on a window as written."""
    translations: Mapping[str, Translation] = field(default_factory=_none)
    """Texts by language suffix (`languages.suffix`)."""
    text_lang: Mapping[str, str] = field(default_factory=_none)
    """As `Update.text_lang`."""

    kind = EntryKind.MAINTENANCE

    @property
    def key(self) -> str:
        """Identity of a window or of one occurrence: ``<id>`` or ``<id>@<YYYY-MM-DD>``."""
        return f"{self.id}@{self.occurrence}" if self.occurrence else self.id

    def state_at(self, now: datetime) -> MaintenanceStatus:
        """Scheduled before the window, in progress during it, completed after."""
        if now < self.start:
            return MaintenanceStatus.SCHEDULED
        if now < self.end:
            return MaintenanceStatus.IN_PROGRESS
        return MaintenanceStatus.COMPLETED


@dataclass(frozen=True)
class NewsItem:
    id: str
    title: str
    date: datetime
    summary: str
    body: str = ""
    tags: tuple[str, ...] = ()
    draft: bool = False
    post: bool = True
    post_text: str | None = None
    source: Source = Source("")
    translations: Mapping[str, Translation] = field(default_factory=_none)
    """Texts by language suffix (`languages.suffix`)."""
    text_lang: Mapping[str, str] = field(default_factory=_none)
    """As `Update.text_lang`."""

    kind = EntryKind.NEWS


Entry = Incident | Maintenance | NewsItem


@dataclass(frozen=True)
class Site:
    """A validated site: its configuration and every entry to build."""

    config: SiteConfig
    incidents: tuple[Incident, ...] = ()
    """Newest first (by `started`)."""
    maintenances: tuple[Maintenance, ...] = ()
    """Newest first (by `start`)."""
    news: tuple[NewsItem, ...] = ()
    """Newest first (by `date`)."""


def entry_time(entry: Entry) -> datetime:
    """The time an entry is filed under: started, start or date."""
    if isinstance(entry, Incident):
        return entry.started
    if isinstance(entry, Maintenance):
        return entry.start
    return entry.date
