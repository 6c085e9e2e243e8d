"""Formatting for the views: display times, badges and uptime bars; pure.

Every word and date comes from a `Strings` (the site's language: CLDR dates
in the site's zone, with the zone's abbreviation as CLDR names it, GMT/BST
in English); a function given none uses English, so output never depends
on the process locale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..i18n.strings import Strings, english_strings
from ..model import ComponentStatus, Impact, Indicator, MaintenanceStatus
from ..status import DayUptime, Overall, ServiceStatus, uptime_over
from .views import Badge, DayBar, Link, Swatch, UpdateView, Uptime, When

RECENT_DAYS = 30
"""Days of the uptime bar a narrow screen shows (the stylesheet hides the rest):
90 days in 390 px would be 3.6 px each, too thin to tap."""


# --- time formatting ----------------------------------------------------------


def when(moment: datetime, zone: ZoneInfo, strings: Strings | None = None) -> When:
    """A moment in the site's zone, the zone's abbreviation as of that moment (GMT/BST)."""
    strings = strings or english_strings(zone)
    local = moment.astimezone(strings.zone)
    text, date, clock = strings.moment(local)
    return When(local.isoformat(timespec="seconds"), text, date, clock)


def duration(start: datetime, end: datetime, strings: Strings | None = None) -> str:
    """Elapsed time, ``3 h 30 min``; computed on instants, so a DST change counts."""
    t = strings or english_strings(ZoneInfo("UTC"))
    # Subtracting two datetimes of one ZoneInfo is wall-clock arithmetic (a
    # window across the autumn change would lose its extra hour): use UTC.
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    minutes = max(int(elapsed.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [t("duration.days", count=days)] if days else []
    parts += [t("duration.hours", count=hours)] if hours else []
    parts += [t("duration.minutes", count=mins)] if mins or not parts else []
    return " ".join(parts)


def end_text(start: When, end: When) -> str:
    """The end of a span as shown after the start: the clock alone on the same day."""
    return end.clock if end.date == start.date else end.text


def month_name(moment: datetime, strings: Strings) -> str:
    """``November 2026``."""
    return strings.month(moment)


_OVERALL_KEYS = {
    "All Systems Operational": "overall.operational",
    "Major System Outage": "overall.major_outage",
    "Partial System Outage": "overall.partial_outage",
    "Minor Service Outage": "overall.minor_outage",
    "Degraded System Service": "overall.degraded",
    "Partially Degraded Service": "overall.partially_degraded",
    "Service Under Maintenance": "overall.maintenance",
}
"""Statuspage's descriptions (the API keeps them in English) -> their display keys."""


def overall_text(overall: Overall, strings: Strings) -> str:
    """The overall description as the reader's language says it."""
    key = _OVERALL_KEYS.get(overall.description)
    return strings(key) if key else overall.description


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


def component_badge(status: ComponentStatus, strings: Strings) -> Badge:
    key, icon = _COMPONENT_BADGE[status]
    return Badge(key, strings(f"status.{status.value}"), icon)


def impact_badge(impact: Impact, strings: Strings) -> Badge:
    return component_badge(ComponentStatus.from_impact(impact), strings)


def indicator_badge(indicator: Indicator, description: str) -> Badge:
    key, icon = _COMPONENT_BADGE[_INDICATOR_STATUS[indicator]]
    return Badge(key, description, icon)


def news_badge(strings: Strings) -> Badge:
    return Badge("news", strings("kind.news"), "news")


def maintenance_badge(status: MaintenanceStatus, strings: Strings) -> Badge:
    label = strings(f"status.{status.value}")
    if status is MaintenanceStatus.SCHEDULED:
        return Badge("sched", label, "sched")
    if status is MaintenanceStatus.COMPLETED:
        return Badge("done", label, "ok")
    return Badge("mnt", label, "mnt")


# --- uptime bars --------------------------------------------------------------


def legend(strings: Strings) -> tuple[Swatch, ...]:
    """What each colour of an uptime bar means; the classes are `day_bar`'s."""
    return (
        Swatch("", strings("uptime.no_downtime")),
        Swatch("deg", strings("status.degraded_performance")),
        Swatch("part", strings("status.partial_outage")),
        Swatch("maj", strings("status.major_outage")),
        Swatch("mnt", strings("kind.maintenance")),
        Swatch("none", strings("uptime.no_data")),
    )


def uptime_view(
    service: ServiceStatus,
    entry_links: dict[str, Link],
    started: dict[str, datetime],
    strings: Strings,
) -> Uptime:
    """The bar data of one service: a summary and the entries of each day, a
    class for trouble; the percentage over all days and over the recent ones."""
    bars = tuple(day_bar(day, entry_links, started, strings) for day in service.days)
    recent = min(RECENT_DAYS, len(bars))
    return Uptime(
        bars=bars,
        percent=uptime_text(service.days, strings),
        label=strings("uptime.label", service=service.service.name),
        days=len(bars),
        recent_days=recent,
        recent_percent=uptime_text(service.days[len(bars) - recent :], strings),
    )


def uptime_text(days: Sequence[DayUptime], strings: Strings) -> str:
    """``99.98% uptime``; ``... since 1 Nov`` when the first days have no data
    (the percentage is of the tracked ones); ``No data yet`` when none is tracked."""
    percent = uptime_over(days)
    if percent is None:
        return strings("uptime.no_data_yet")
    first = next(d.day for d in days if d.tracked)
    if first != days[0].day:
        return strings(
            "uptime.since", percent=strings.percent(percent), date=strings.day_month(first)
        )
    return strings("uptime.percent", percent=strings.percent(percent))


def day_summary(day: DayUptime, strings: Strings) -> str:
    """The text alternative to a day's bar, and its tooltip's first line."""
    date = strings.date(day.day)
    if not day.tracked:
        return strings("uptime.day_no_data", date=date)
    if day.worst is ComponentStatus.OPERATIONAL:
        return strings("uptime.day_clean", date=date)
    return strings(f"uptime.day_{day.worst.value}", date=date, percent=strings.percent(day.percent))


def day_bar(
    day: DayUptime,
    entry_links: dict[str, Link],
    started: dict[str, datetime],
    strings: Strings | None = None,
) -> DayBar:
    """A clean day has no class, a day without data ``none``, a day with trouble
    its worst status's; every day lists its entries, in the order they started."""
    strings = strings or english_strings(ZoneInfo("UTC"))
    if not day.tracked:
        css = "none"
    elif day.worst is ComponentStatus.OPERATIONAL:
        css = ""
    else:
        css = _COMPONENT_BADGE[day.worst][0]
    known = sorted((i for i in day.incident_ids if i in entry_links), key=lambda i: (started[i], i))
    return DayBar(day_summary(day, strings), css, tuple(entry_links[i] for i in known))


def newest_first(views: Iterable[tuple[datetime, UpdateView]]) -> tuple[UpdateView, ...]:
    """Newest first; of two updates at the same time, the one written later first."""
    indexed = [(at, i, view) for i, (at, view) in enumerate(views)]
    indexed.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return tuple(view for _, _, view in indexed)
