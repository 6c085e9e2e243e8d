"""Derived status: what the page says at build time. Pure functions of the model.

Rules (SPEC "Status rules"):
- a service's status is the worst impact among its incidents ongoing at `now`;
  else `under_maintenance` while one of its windows is in progress; else operational;
- the overall indicator and description are Statuspage's top-level status
  ("Top-level status and incident impact calculations" in its docs): the
  worst service status, softened when only some services share it (one
  partial outage among thirteen services is a minor service outage, not a
  partial system outage); an incident's impact is the same calculation over
  the services it affects (`overall`, `incident_impact`);
- uptime per service per day over the last 90 days, in the site's zone: a
  major-outage minute counts 1, a partial-outage minute 0.3, degraded and
  maintenance 0; overlapping incidents count once, at the worse weight; a
  day is as long as the clock makes it (23 or 25 hours across DST), and
  today counts only up to `now`;
- a day that ends before a service's `since` has no data: it is not counted,
  and the percentage covers the tracked days only. `since` is a date, so the
  first tracked day counts whole, from its local midnight (an incident
  earlier that day counts); a service without `since` counts every day;
- the home page's past incidents: the incidents and windows that started on
  each of the last `PAST_DAYS` local days, by the same day bounds (`past_days`).

The rules every renderer shows the same way live here too, so the pages,
feeds and API cannot disagree: a maintenance window's state
(`maintenance_state`), when an entry last changed (`last_change`), the
opened and resolved events an incident's updates do not write
(`opened_event`, `resolved_event`), and the entries affecting each service
(`affecting`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from . import recurrence
from .model import (
    ComponentStatus,
    Entry,
    Impact,
    Incident,
    IncidentStatus,
    Indicator,
    Maintenance,
    MaintenanceStatus,
    Service,
    Site,
    entry_time,
)

UPTIME_DAYS = 90

_Windowed = TypeVar("_Windowed", Incident, Maintenance)

HORIZON_DAYS = 90
"""A recurring window's occurrences are shown this many days ahead at most."""
UPCOMING_OCCURRENCES = 3
"""and at most this many of them not started yet (a daily series would fill the page)."""
PAST_DAYS = 15
"""Days of past incidents on the home page, today included (as Statuspage's)."""

DOWNTIME_WEIGHT = {
    Impact.MAJOR_OUTAGE: 1.0,
    Impact.PARTIAL_OUTAGE: 0.3,
    Impact.DEGRADED_PERFORMANCE: 0.0,
}

# Statuspage's top-level status, by the worst component status and whether every
# component has it. A page of one component uses the same rows as "every",
# except that one degraded component reads as partially degraded service.
_ALL_OPERATIONAL = (Indicator.NONE, "All Systems Operational")
_TOP_LEVEL = {
    # worst status: (every component has it, only some have it)
    ComponentStatus.MAJOR_OUTAGE: (
        (Indicator.CRITICAL, "Major System Outage"),
        (Indicator.MAJOR, "Partial System Outage"),
    ),
    ComponentStatus.PARTIAL_OUTAGE: (
        (Indicator.MAJOR, "Partial System Outage"),
        (Indicator.MINOR, "Minor Service Outage"),
    ),
    ComponentStatus.DEGRADED_PERFORMANCE: (
        (Indicator.MINOR, "Degraded System Service"),
        (Indicator.MINOR, "Partially Degraded Service"),
    ),
    ComponentStatus.UNDER_MAINTENANCE: (
        (Indicator.MAINTENANCE, "Service Under Maintenance"),
        (Indicator.MAINTENANCE, "Service Under Maintenance"),
    ),
}


@dataclass(frozen=True)
class Overall:
    indicator: Indicator
    description: str


@dataclass(frozen=True)
class DayUptime:
    day: date
    percent: float
    """0-100; 100 for a day with no weighted downtime (and for a day without data)."""
    worst: ComponentStatus
    """The worst status the service had at any time that day."""
    incident_ids: tuple[str, ...]
    """Incidents and maintenances that touched the service that day."""
    tracked: bool = True
    """False for a day before the service's `since`: no data, not counted."""
    seconds: float = 0.0
    """Seconds of the day that count (to `now` today; 0 without data)."""
    downtime: float = 0.0
    """Weighted seconds of downtime among them."""

    @property
    def summary(self) -> str:
        """The text alternative to a day's bar, and its tooltip's first line."""
        words = f"{self.day.day} {self.day:%b %Y}: "
        if not self.tracked:
            return words + "no data"
        if self.worst is ComponentStatus.OPERATIONAL:
            return words + "no downtime recorded"
        return words + f"{format_percent(self.percent)} uptime, {self.worst.label.lower()}"


@dataclass(frozen=True)
class ServiceStatus:
    service: Service
    status: ComponentStatus
    incidents: tuple[Incident, ...]
    """Ongoing incidents affecting the service, newest first."""
    maintenances: tuple[Maintenance, ...]
    """Maintenance windows in progress on the service."""
    days: tuple[DayUptime, ...]
    """The last `UPTIME_DAYS` days, oldest first, today last."""
    uptime: float | None
    """Percent over the tracked days of the period; None when none is tracked."""


@dataclass(frozen=True)
class GroupStatus:
    name: str | None
    services: tuple[ServiceStatus, ...]

    @property
    def status(self) -> ComponentStatus:
        return worst(s.status for s in self.services)


@dataclass(frozen=True)
class DayEntries:
    day: date
    """A local day of the site's zone."""
    entries: tuple[Incident | Maintenance, ...]
    """Incidents and windows that started that day (by `now`), latest start first."""


@dataclass(frozen=True)
class SiteStatus:
    now: datetime
    services: tuple[ServiceStatus, ...]
    """In catalogue order."""
    groups: tuple[GroupStatus, ...]
    overall: Overall
    ongoing: tuple[Incident, ...]
    """Incidents ongoing at `now`, newest first."""
    active_maintenances: tuple[Maintenance, ...]
    """Windows in progress, soonest end first."""
    upcoming_maintenances: tuple[Maintenance, ...]
    """Windows not started yet, soonest first."""
    maintenances: tuple[Maintenance, ...] = ()
    """Every window the pages and the API list, newest first: one-off windows as
    written, a recurring one as its occurrences within the horizon (`occurrences`)."""
    past: tuple[DayEntries, ...] = ()
    """The last `PAST_DAYS` days, today first, with what started on each."""

    def service(self, service_id: str) -> ServiceStatus:
        for s in self.services:
            if s.service.id == service_id:
                return s
        raise KeyError(service_id)


def derive(site: Site, now: datetime) -> SiteStatus:
    """Everything the renderers need to know about `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    zone = site.config.timezone
    now = now.astimezone(zone)
    # Compare against a UTC instant: comparisons between datetimes that share
    # a ZoneInfo ignore `fold` and go wrong in the repeated DST hour.
    instant = now.astimezone(UTC)
    days = day_bounds(now, zone, UPTIME_DAYS)
    window_start = days[0][1]
    windows = expand_maintenances(site, instant, window_start)
    # Only entries that can touch the window matter; skip the rest once.
    recent_incidents = [
        i for i in site.incidents if i.resolved is None or i.resolved > window_start
    ]
    recent_maintenances = [m for m in windows if m.end > window_start]

    # Each service gets only its own entries, and each group its members, from
    # one pass each: filtering every entry per service and every service per
    # group grew with their products (a catalogue of thousands took minutes).
    incidents_of = _by_service(recent_incidents)
    windows_of = _by_service(recent_maintenances)
    services = tuple(
        service_status(s, incidents_of.get(s.id, ()), windows_of.get(s.id, ()), instant, days)
        for s in site.config.services
    )
    members: dict[str | None, list[ServiceStatus]] = {name: [] for name in site.config.groups}
    for service in services:
        members[service.service.group].append(service)
    groups = tuple(GroupStatus(name, tuple(found)) for name, found in members.items())
    ongoing = tuple(i for i in site.incidents if i.ongoing_at(instant))
    return SiteStatus(
        now=now,
        services=services,
        groups=groups,
        overall=overall(s.status for s in services),
        ongoing=ongoing,
        active_maintenances=tuple(
            sorted(
                (m for m in windows if m.start <= instant < m.end),
                key=lambda m: (m.end, m.key),
            )
        ),
        upcoming_maintenances=tuple(
            sorted((m for m in windows if instant < m.start), key=lambda m: (m.start, m.key))
        ),
        maintenances=windows,
        past=past_days(site, instant, days[-PAST_DAYS:]),
    )


def _by_service(entries: Iterable[_Windowed]) -> dict[str, list[_Windowed]]:
    """The entries naming each service id, in their given order; once each."""
    found: dict[str, list[_Windowed]] = {}
    for entry in entries:
        for service_id in dict.fromkeys(entry.service_ids):
            found.setdefault(service_id, []).append(entry)
    return found


def expand_maintenances(site: Site, now: datetime, since: datetime) -> tuple[Maintenance, ...]:
    """The site's windows with each series replaced by its `occurrences` from
    `since` (the start of the uptime period) on, newest first."""
    if not any(m.rrule for m in site.maintenances):
        return site.maintenances
    zone = site.config.timezone
    found: list[Maintenance] = []
    for window in site.maintenances:
        found.extend(occurrences(window, zone, now, since) if window.rrule else (window,))
    return tuple(sorted(found, key=lambda m: (m.start.timestamp(), m.key), reverse=True))


def occurrences(
    window: Maintenance, zone: ZoneInfo, now: datetime, since: datetime
) -> tuple[Maintenance, ...]:
    """The occurrences of a recurring window that the site shows at `now`, oldest
    first; `zone` is the site's, whose wall clock the rule follows.

    The horizon: those that end after `since` (so the uptime bars and the API's
    recent windows count them), those in progress, and the next
    `UPCOMING_OCCURRENCES` that start within `HORIZON_DAYS`. Each is the window
    with its own start and end, `occurrence` set (its local start date), and the
    updates posted for it: those after the previous occurrence ended, up to its
    own end (an update belongs to the next occurrence not yet over).
    """
    if not window.rrule:
        return (window,)
    length = window.end - window.start
    horizon = now + timedelta(days=HORIZON_DAYS)
    shown: list[Maintenance] = []
    upcoming = 0
    previous_end: datetime | None = None
    for start in recurrence.starts(window.rrule, window.start, zone):
        end = start + length
        if start > horizon or upcoming >= UPCOMING_OCCURRENCES:
            break
        if end > since:
            updates = tuple(
                u
                for u in window.updates
                if (previous_end is None or u.at > previous_end) and u.at <= end
            )
            local_day = start.astimezone(zone).date().isoformat()
            shown.append(
                replace(window, start=start, end=end, updates=updates, occurrence=local_day)
            )
            upcoming += now < start
        previous_end = end
    return tuple(shown)


def past_days(
    site: Site, now: datetime, days: Sequence[tuple[date, datetime, datetime]]
) -> tuple[DayEntries, ...]:
    """What started on each of `days` (`day_bounds`' local days, so a 23- or
    25-hour day holds what its clock says), newest day first; an entry counts
    on the day it started, and only once it has started by `now`."""
    if not days:
        return ()
    first = days[0][1]  # skip, once, what started before the first day
    entries: list[Incident | Maintenance] = [
        *(i for i in site.incidents if first <= i.started <= now),
        *(m for m in site.maintenances if first <= m.start <= now),
    ]
    found = []
    for day, start, end in reversed(days):
        on_day = [e for e in entries if start <= entry_time(e) < end]
        on_day.sort(key=lambda e: (entry_time(e), e.id), reverse=True)
        found.append(DayEntries(day, tuple(on_day)))
    return tuple(found)


def uptime_over(days: Iterable[DayUptime]) -> float | None:
    """Percent over the tracked ones of `days`; None when none is tracked."""
    seconds = down = 0.0
    tracked = False
    for day in days:
        tracked = tracked or day.tracked
        seconds += day.seconds
        down += day.downtime
    if not tracked:
        return None
    return 100.0 * (1 - down / seconds) if seconds else 100.0


def service_status(
    service: Service,
    incidents: Iterable[Incident],
    maintenances: Iterable[Maintenance],
    now: datetime,
    days: Sequence[tuple[date, datetime, datetime]],
) -> ServiceStatus:
    mine = [i for i in incidents if service.id in i.service_ids]
    windows = [m for m in maintenances if service.id in m.service_ids]
    ongoing = tuple(i for i in mine if i.ongoing_at(now))
    in_progress = tuple(m for m in windows if m.start <= now < m.end)
    if ongoing:
        status = worst(ComponentStatus.from_impact(impact_on(i, service.id)) for i in ongoing)
    elif in_progress:
        status = ComponentStatus.UNDER_MAINTENANCE
    else:
        status = ComponentStatus.OPERATIONAL

    now = now.astimezone(UTC)
    spans = [
        (
            i.started.astimezone(UTC),
            (i.resolved or now).astimezone(UTC),
            impact_on(i, service.id),
            i.id,
        )
        for i in mine
    ]
    day_uptimes = []
    for day, start, end in days:
        # A day that ends before `since` has no data; `since` is a whole day.
        tracked = service.since is None or day >= service.since
        end = min(end, now)
        seconds = max((end - start).total_seconds(), 0.0) if tracked else 0.0
        down = weighted_downtime(
            [
                (max(s, start), min(e, end), impact)
                for s, e, impact, _ in spans
                if s < end and e > start
            ]
        )
        touching = [(impact, ident) for s, e, impact, ident in spans if s < end and e > start]
        touching_windows = [m for m in windows if m.start < end and start < m.end]
        statuses = [ComponentStatus.from_impact(impact) for impact, _ in touching]
        if touching_windows:
            statuses.append(ComponentStatus.UNDER_MAINTENANCE)
        ids = sorted({ident for _, ident in touching} | {m.id for m in touching_windows})
        if not tracked:
            down = 0.0
        percent = 100.0 * (1 - down / seconds) if seconds else 100.0
        day_uptimes.append(
            DayUptime(day, percent, worst(statuses), tuple(ids), tracked, seconds, down)
        )
    return ServiceStatus(
        service, status, ongoing, in_progress, tuple(day_uptimes), uptime_over(day_uptimes)
    )


def maintenance_state(window: Maintenance, now: datetime) -> MaintenanceStatus:
    """The window's state at `now`: its clock says scheduled, in progress or
    completed (as it does for the component statuses, so the two never
    disagree); while in progress, ``verifying`` if the last update so far says so.

    "Last" is the last written: updates are listed oldest first, and two at
    the same time (valid) are in the order they happened, which is also the
    order the timeline shows them in, newest first.
    """
    state = window.state_at(now)
    if state is MaintenanceStatus.IN_PROGRESS:
        posted = [u for u in window.updates if u.at <= now]
        if posted and posted[-1].status == MaintenanceStatus.VERIFYING:
            return MaintenanceStatus.VERIFYING
    return state


def entry_moments(entry: Entry) -> list[datetime]:
    """Every moment at which an entry changes what the site says of it: started,
    each update and resolved (an incident); start, end and each update (a
    window, whose state changes at both ends); the date (news)."""
    if isinstance(entry, Incident):
        moments = [entry.started, *(u.at for u in entry.updates)]
        if entry.resolved is not None:
            moments.append(entry.resolved)
        return moments
    if isinstance(entry, Maintenance):
        return [entry.start, entry.end, *(u.at for u in entry.updates)]
    return [entry.date]


def last_change(entry: Entry, now: datetime) -> datetime | None:
    """When the entry last changed, from its own times: never `now` itself, so an
    unchanged site gives unchanged bytes.

    The latest of `entry_moments` not after `now`; None when all lie ahead (an
    announced window without updates): a date in the future would be wrong.
    """
    return max((m for m in entry_moments(entry) if m <= now), default=None)


def opened_event(incident: Incident) -> datetime | None:
    """When the incident's opening is an event of its own (``#opened``): an
    incident without updates opened at `started`; otherwise its first update
    is the opening, and this is None."""
    return None if incident.updates else incident.started


def resolved_event(incident: Incident) -> datetime | None:
    """When the resolution is an event of its own (``#resolved``): a resolved
    incident whose updates do not say so; None otherwise."""
    if incident.resolved is None:
        return None
    if any(u.status == IncidentStatus.RESOLVED for u in incident.updates):
        return None
    return incident.resolved


def affecting(site: Site) -> dict[str, tuple[Incident | Maintenance, ...]]:
    """The incidents and maintenance windows touching each service of the
    catalogue, newest first (by `entry_time`; ties in the site's order), in one
    pass over the entries; an entry naming a service twice is listed once."""
    found: dict[str, list[Incident | Maintenance]] = {s.id: [] for s in site.config.services}
    for entry in (*site.incidents, *site.maintenances):
        for service_id in dict.fromkeys(entry.service_ids):
            if service_id in found:
                found[service_id].append(entry)
    return {
        service_id: tuple(sorted(entries, key=entry_time, reverse=True))
        for service_id, entries in found.items()
    }


def weighted_downtime(spans: Iterable[tuple[datetime, datetime, Impact]]) -> float:
    """Seconds of downtime, overlaps counted once at the heaviest weight."""
    edges: list[tuple[datetime, int, float]] = []
    for start, end, impact in spans:
        weight = DOWNTIME_WEIGHT[impact]
        if end > start and weight:
            edges.append((start, 1, weight))
            edges.append((end, -1, weight))
    edges.sort(key=lambda e: (e[0], e[1]))
    active: dict[float, int] = {}
    total = 0.0
    previous: datetime | None = None
    for moment, step, weight in edges:
        if previous is not None and active:
            total += (moment - previous).total_seconds() * max(active)
        active[weight] = active.get(weight, 0) + step
        if not active[weight]:
            del active[weight]
        previous = moment
    return total


def day_bounds(now: datetime, zone: ZoneInfo, count: int) -> list[tuple[date, datetime, datetime]]:
    """The last `count` local days up to today: (date, start, end), bounds in UTC."""
    today = now.astimezone(zone).date()
    bounds = []
    for offset in range(count - 1, -1, -1):
        day = today - timedelta(days=offset)
        start = local_midnight(day, zone)
        end = local_midnight(day + timedelta(days=1), zone)
        bounds.append((day, start, end))
    return bounds


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day starts, in UTC.

    Durations are computed in UTC because subtracting two datetimes that
    share a ZoneInfo is wall-clock arithmetic: a 25-hour day would be 24.
    """
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def impact_on(incident: Incident, service_id: str) -> Impact:
    for affected in incident.services:
        if affected.service_id == service_id:
            return affected.impact
    raise KeyError(service_id)


def worst(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    return max(statuses, key=lambda s: s.rank, default=ComponentStatus.OPERATIONAL)


def overall(statuses: Iterable[ComponentStatus]) -> Overall:
    """Statuspage's top-level status of a page whose components have `statuses`.

    The worst status decides the level; when only some components have it the
    page reads one step milder (a major outage of one service among several is
    a partial system outage, a partial outage a minor service outage, degraded
    performance a partially degraded service). No components, or all
    operational: all systems operational.
    """
    statuses = list(statuses)
    top = worst(statuses)
    if top is ComponentStatus.OPERATIONAL:
        return Overall(*_ALL_OPERATIONAL)
    every, some = _TOP_LEVEL[top]
    if len(statuses) == 1 and top is ComponentStatus.DEGRADED_PERFORMANCE:
        return Overall(*some)
    return Overall(*(every if all(s is top for s in statuses) else some))


def incident_impact(incident: Incident) -> Indicator:
    """Statuspage's incident `impact`: the top-level calculation over the services
    the incident affects, each at its impact. So an incident with every affected
    service in major outage is critical, one with some in major outage major,
    and one with only some in partial outage minor."""
    return overall(ComponentStatus.from_impact(a.impact) for a in incident.services).indicator


def format_percent(value: float) -> str:
    """99.95% style, never rounding a bad day up to 100%."""
    if value >= 100.0:
        return "100%"
    text = f"{int(value * 100) / 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"
