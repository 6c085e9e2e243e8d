"""The JSON API: Statuspage's public ``/api/v2/`` documents, plus ``/api/news.json``.

Dashboards, Prometheus exporters and chat bots already speak Statuspage's
public API, so the files under ``api/v2/`` copy its paths, field names,
nesting and enumerations, and an existing client pointed at our base URL
reads them unchanged. ``api/news.json`` has no Statuspage equivalent and is
our own shape.

Choices where Statuspage has state that a static site does not:

- **Ids** are 12 lowercase base-36 characters like Statuspage's, hashed
  from the entity's own stable name (a service id, a group name, an entry
  id, an update's time and status), so they survive rebuilds, reordering
  and a change of domain. Only the page id is derived from ``base_url``.
- **Times** are written as Rails writes them for Statuspage: ISO 8601 in
  the page's zone with milliseconds, ``2026-11-22T08:40:00.000+00:00``,
  and ``Z`` only when the zone's abbreviation is UTC (a page in
  ``Etc/UTC``).
- **updated_at** is never the build time, so an unchanged site gives
  unchanged bytes: it is the latest moment at or before ``now`` when the
  thing changed (an incident opened, was updated or resolved; a window
  opened or closed). Future moments do not count: a window scheduled for
  next week has not updated the page yet.
- **created_at** of a component is the site's first recorded moment: the
  catalogue has no creation dates.
- **A recurring window** is listed as its occurrences within the horizon
  (`status.occurrences`), each a scheduled maintenance of its own with its
  own id: Statuspage clients know no recurrence. Their shortlink is the
  series' page.

Every document is JSON with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped,
so it can be pasted into a ``<script>`` block of an HTML page as is.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .. import jsontext
from ..markup import to_html, to_text
from ..model import (
    ComponentStatus,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Site,
    SiteConfig,
    Update,
)
from ..status import (
    ServiceStatus,
    SiteStatus,
    entry_moments,
    incident_impact,
    last_change,
    maintenance_state,
)
from ..urls import absolute, entry_path

API_ROOT = "api/v2/"
NEWS_PATH = "api/news.json"
LIST_LIMIT = 50
"""Entries in ``incidents.json`` and ``scheduled-maintenances.json``, as Statuspage."""

ID_LENGTH = 12
_ID_SPACE = 36**ID_LENGTH
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"

# Characters that JSON allows raw but that end a <script> block, start an
# HTML entity, or end a line in pre-2019 JavaScript.

JSON = dict[str, Any]


def render_api(site: Site, status: SiteStatus) -> dict[str, bytes]:
    """Every API document, output-relative path -> bytes. Pure."""
    api = _Api(site, status)
    page = api.page
    components = api.components
    unresolved = [api.incident(i) for i in status.ongoing]
    active = [api.maintenance(m) for m in status.active_maintenances]
    upcoming = [api.maintenance(m) for m in status.upcoming_maintenances]
    recent_incidents = sorted(site.incidents, key=lambda i: (i.started, i.id), reverse=True)
    # Occurrences of a series, not the series: Statuspage clients know no recurrence.
    recent_windows = sorted(status.maintenances, key=lambda m: (m.start, m.key), reverse=True)
    overall = {
        "indicator": status.overall.indicator.value,
        "description": status.overall.description,
    }
    documents: dict[str, JSON] = {
        "summary.json": {
            "page": page,
            "components": components,
            "incidents": unresolved,
            "scheduled_maintenances": active + upcoming,
            "status": overall,
        },
        "status.json": {"page": page, "status": overall},
        "components.json": {"page": page, "components": components},
        "incidents.json": {
            "page": page,
            "incidents": [api.incident(i) for i in recent_incidents[:LIST_LIMIT]],
        },
        "incidents/unresolved.json": {"page": page, "incidents": unresolved},
        "scheduled-maintenances.json": {
            "page": page,
            "scheduled_maintenances": [api.maintenance(m) for m in recent_windows[:LIST_LIMIT]],
        },
        "scheduled-maintenances/upcoming.json": {"page": page, "scheduled_maintenances": upcoming},
        "scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": active},
    }
    files = {API_ROOT + name: encode_json(doc) for name, doc in documents.items()}
    files[NEWS_PATH] = encode_json({"page": page, "news": [api.news(n) for n in site.news]})
    return files


def encode_json(obj: object) -> bytes:
    """Indented UTF-8 JSON, safe to embed in HTML.

    Outside strings JSON never contains ``<``, ``>`` or ``&``, so escaping
    them in the serialised text only ever touches string contents, where
    ``\\u003c`` means the same character to every JSON parser.
    """
    return jsontext.dump(obj)


def stable_id(*parts: str) -> str:
    """A Statuspage-like id: 12 base-36 characters from a hash of `parts`.

    With 36**12 (about 4.7e18) values, a site with a million entities has
    roughly a one-in-ten-million chance of any collision.
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big") % _ID_SPACE
    chars = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, 36)
        chars.append(_BASE36[digit])
    return "".join(reversed(chars))


def format_time(when: datetime, zone: ZoneInfo) -> str:
    """``2026-11-22T08:40:00.000+00:00``: Statuspage's (Rails') JSON time format.

    Rails writes ``Z`` instead of ``+00:00`` only when the zone's
    abbreviation is UTC, so a London page in winter says ``+00:00``.
    """
    local = when.astimezone(zone)
    text = local.isoformat(timespec="milliseconds")
    if local.tzname() in ("UTC", "UCT"):
        return text[: -len("+00:00")] + "Z"
    return text


def page_id(config: SiteConfig) -> str:
    """The page's id; it changes only when the site moves to another base URL."""
    return stable_id("page", config.base_url)


def component_id(service_id: str) -> str:
    return stable_id("component", service_id)


def group_id(group: str) -> str:
    return stable_id("group", group)


def entry_id(entry: Incident | Maintenance) -> str:
    """Incidents and maintenances share one id space, as they share ``incidents/<id>/``;
    each occurrence of a recurring window has its own (from ``<id>@<YYYY-MM-DD>``)."""
    if isinstance(entry, Maintenance) and entry.occurrence:
        return stable_id("incident", entry.key)
    return stable_id("incident", entry.id)


def update_ids(entry: Incident | Maintenance) -> list[str]:
    """Ids of an entry's updates, oldest first.

    Keyed by the update's instant (in UTC, so changing the site's zone keeps
    them) and status, not its position, so inserting an earlier update does
    not renumber the later ones; a repeated (time, status) pair is counted.
    """
    seen: Counter[tuple[str, str]] = Counter()
    ids = []
    for update in entry.updates:
        key = (update.at.astimezone(UTC).isoformat(), update.status.value)
        seen[key] += 1
        ids.append(stable_id("update", entry.id, *key, str(seen[key])))
    return ids


class _Api:
    """Shared pieces of every document, each computed once.

    Everything here is one pass over the site; per-entry objects are built
    only for the entries a document lists, and cached because summary.json
    and the list documents repeat them.
    """

    def __init__(self, site: Site, status: SiteStatus) -> None:
        self.config = site.config
        self.zone = site.config.timezone
        self.now = status.now
        self.status = status
        self.page_id = page_id(site.config)
        self.names = {s.id: s.name for s in site.config.services}

        entries: list[Incident | Maintenance | NewsItem] = [
            *site.incidents,
            *status.maintenances,
            *site.news,
        ]
        first: datetime | None = None
        latest: datetime | None = None
        touched: dict[str, datetime] = {}
        for entry in entries:
            earliest = min(entry_moments(entry))
            first = earliest if first is None or earliest < first else first
            changed = last_change(entry, self.now)
            if changed is None:
                continue
            latest = changed if latest is None or changed > latest else latest
            if isinstance(entry, NewsItem):
                continue
            for service in entry.service_ids:
                if service not in touched or changed > touched[service]:
                    touched[service] = changed
        self.updated = latest or self.now
        """The page's last change; the build time only for a site with no past."""
        self.epoch = min(first or self.updated, self.updated)
        """The site's first recorded moment, every component's created_at; never
        after `updated`, so no component claims to be newer than its page."""
        self.page: JSON = {
            "id": self.page_id,
            "name": self.config.title,
            "url": self.config.base_url.rstrip("/"),
            "time_zone": self.config.timezone.key,
            "updated_at": self.time(self.updated),
        }
        self.by_service: dict[str, JSON] = {}
        self.components = self._components(touched)
        self._incidents: dict[str, JSON] = {}

    def time(self, when: datetime | None) -> str | None:
        return None if when is None else format_time(when, self.zone)

    # --- components ---------------------------------------------------------

    def _components(self, touched: dict[str, datetime]) -> list[JSON]:
        """Every component in display order: a group, then its members.

        Positions count from 1 among siblings, as Statuspage's do: top-level
        groups and ungrouped services share one sequence, each group's
        members have their own.
        """
        components: list[JSON] = []
        position = 0
        for group in self.status.groups:
            if group.name is None:
                for service_status in group.services:
                    position += 1
                    components.append(self._component(service_status, position, None, touched))
                continue
            position += 1
            parent = group_id(group.name)
            members = [
                self._component(s, n, parent, touched) for n, s in enumerate(group.services, 1)
            ]
            components.append(
                {
                    "id": parent,
                    "name": group.name,
                    "status": group.status.value,
                    "created_at": self.time(self.epoch),
                    "updated_at": self.time(
                        max(
                            (touched.get(s.service.id, self.epoch) for s in group.services),
                            default=self.epoch,
                        )
                    ),
                    "position": position,
                    "description": None,
                    "showcase": False,
                    "start_date": None,
                    "group_id": None,
                    "page_id": self.page_id,
                    "group": True,
                    "only_show_if_degraded": False,
                    "components": [m["id"] for m in members],
                }
            )
            components.extend(members)
        return components

    def _component(
        self,
        service_status: ServiceStatus,
        position: int,
        parent: str | None,
        touched: dict[str, datetime],
    ) -> JSON:
        service = service_status.service
        component = {
            "id": component_id(service.id),
            "name": service.name,
            "status": service_status.status.value,
            "created_at": self.time(self.epoch),
            "updated_at": self.time(touched.get(service.id, self.epoch)),
            "position": position,
            "description": service.description or None,
            # Every service shows its 90-day uptime bar, which is what
            # Statuspage's showcase flag switches on.
            "showcase": True,
            "start_date": None,
            "group_id": parent,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }
        self.by_service[service.id] = component
        return component

    # --- incidents and maintenances -------------------------------------------

    def incident(self, incident: Incident) -> JSON:
        cached = self._incidents.get(incident.id)
        if cached is not None:
            return cached
        impacts = {a.service_id: a.impact.value for a in incident.services}
        opening = self._transitions(incident.service_ids, "operational", impacts)
        closing = self._transitions(incident.service_ids, impacts, "operational")
        resolving = next(
            (n for n, u in enumerate(incident.updates) if u.status == IncidentStatus.RESOLVED),
            None,
        )
        affected: dict[int, list[JSON]] = {}
        if incident.updates and resolving != 0:
            affected[0] = opening
        if resolving is not None:
            affected[resolving] = closing
        monitoring = next(
            (u.at for u in incident.updates if u.status == IncidentStatus.MONITORING), None
        )
        obj = self._entry(
            incident,
            status=incident.status.value,
            created=min(entry_moments(incident)),
            monitoring_at=monitoring,
            resolved_at=incident.resolved,
            impact=incident_impact(incident).value,
            started_at=incident.started,
            affected=affected,
        )
        self._incidents[incident.id] = obj
        return obj

    def maintenance(self, window: Maintenance) -> JSON:
        cached = self._incidents.get(window.key)
        if cached is not None:
            return cached
        state = maintenance_state(window, self.now)
        completed = next(
            (u.at for u in window.updates if u.status == MaintenanceStatus.COMPLETED), None
        )
        affected: dict[int, list[JSON]] = {}
        for status, old, new in (
            (MaintenanceStatus.IN_PROGRESS, "operational", "under_maintenance"),
            (MaintenanceStatus.COMPLETED, "under_maintenance", "operational"),
        ):
            index = next((n for n, u in enumerate(window.updates) if u.status == status), None)
            if index is not None:
                affected[index] = self._transitions(window.service_ids, old, new)
        obj = self._entry(
            window,
            status=state.value,
            created=min(entry_moments(window)),
            monitoring_at=None,
            resolved_at=(completed or window.end) if state is MaintenanceStatus.COMPLETED else None,
            impact="maintenance",
            started_at=window.start,
            affected=affected,
        )
        obj["scheduled_for"] = self.time(window.start)
        obj["scheduled_until"] = self.time(window.end)
        self._incidents[window.key] = obj
        return obj

    def _entry(
        self,
        entry: Incident | Maintenance,
        *,
        status: str,
        created: datetime,
        monitoring_at: datetime | None,
        resolved_at: datetime | None,
        impact: str,
        started_at: datetime,
        affected: dict[int, list[JSON]],
    ) -> JSON:
        """The fields incidents and scheduled maintenances share, in Statuspage's order."""
        ident = entry_id(entry)
        updated = last_change(entry, self.now) or created
        updates = [
            self._update(update, update_id, ident, entry.post, affected.get(n))
            for n, (update, update_id) in enumerate(
                zip(entry.updates, update_ids(entry), strict=True)
            )
        ]
        updates.reverse()  # Statuspage lists the newest update first.
        return {
            "id": ident,
            "name": entry.title,
            "status": status,
            "created_at": self.time(created),
            "updated_at": self.time(updated),
            "monitoring_at": self.time(monitoring_at),
            "resolved_at": self.time(resolved_at),
            "impact": impact,
            "shortlink": absolute(self.config, entry_path(entry)),
            "started_at": self.time(started_at),
            "page_id": self.page_id,
            "incident_updates": updates,
            "components": [self.by_service[s] for s in entry.service_ids],
        }

    def _update(
        self,
        update: Update,
        update_id: str,
        incident_id: str,
        notify: bool,
        affected: list[JSON] | None,
    ) -> JSON:
        at = self.time(update.at)
        return {
            "id": update_id,
            "status": update.status.value,
            "body": to_text(update.message),
            "incident_id": incident_id,
            "created_at": at,
            "updated_at": at,
            "display_at": at,
            "affected_components": affected,
            # Followers are told of every update unless the entry says `post: false`.
            "deliver_notifications": notify,
            "custom_tweet": None,
            "tweet_id": None,
        }

    def _transitions(
        self, service_ids: Sequence[str], old: str | dict[str, str], new: str | dict[str, str]
    ) -> list[JSON]:
        """Statuspage's ``affected_components`` of one update: each component's change."""
        return [
            {
                "code": component_id(s),
                "name": self.names[s],
                "old_status": ComponentStatus(old if isinstance(old, str) else old[s]).value,
                "new_status": ComponentStatus(new if isinstance(new, str) else new[s]).value,
            }
            for s in service_ids
        ]

    # --- news ---------------------------------------------------------------

    def news(self, item: NewsItem) -> JSON:
        return {
            "id": item.id,
            "title": item.title,
            "summary": item.summary,
            "url": absolute(self.config, entry_path(item)),
            "published_at": self.time(item.date),
            "tags": list(item.tags),
            "body_html": to_html(item.body),
        }
