"""Formatting for the views: display times, badges and uptime bars; pure.

Times are shown in the site's zone with its abbreviation (GMT/BST), month
names in English whatever the process locale, so output never varies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..model import ComponentStatus, Impact, Indicator, MaintenanceStatus
from ..status import DayUptime, ServiceStatus, format_percent, uptime_over
from .views import Badge, DayBar, Link, Swatch, UpdateView, Uptime, When

RECENT_DAYS = 30
"""Days of the uptime bar a narrow screen shows (the stylesheet hides the rest):
90 days in 390 px would be 3.6 px each, too thin to tap."""

# English month names, independent of the process locale (output must not vary).
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


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


def newest_first(views: Iterable[tuple[datetime, UpdateView]]) -> tuple[UpdateView, ...]:
    """Newest first; of two updates at the same time, the one written later first."""
    indexed = [(at, i, view) for i, (at, view) in enumerate(views)]
    indexed.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return tuple(view for _, _, view in indexed)
