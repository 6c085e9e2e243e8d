"""Rules that depend on the build time (``--now``, or the clock).

An incident is a record of what has happened: it cannot start, resolve or
be updated after the build time. A year typo (2027) would otherwise hide an
ongoing incident behind "All Systems Operational", and ``resolved:
tomorrow`` would show "Resolved" under an outage banner. The same holds for
any update of a maintenance window: an update is something already said. A
window itself may of course lie in the future. A news item dated in the
future is embargoed, as Hugo does by default: neither built nor posted
until its time comes, and ``check`` says so in a note.

These rules are not part of parsing: `source.parse_entry` is a pure
function of a file's bytes (and cached by them), while these answers change
with the clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .errors import Problem, Severity, StatusgenError
from .model import Incident, Maintenance, NewsItem, Site, SiteConfig
from .source.times import parse_time


def time_problems(site: Site, now: datetime) -> list[Problem]:
    """Errors for times after ``now`` in incidents and updates; a note for
    each embargoed news item. Drafts are left alone: they are not built."""
    zone = site.config.timezone
    limit = now.timestamp()
    shown_now = _fmt(now, zone)
    problems: list[Problem] = []

    def future(entry: Incident | Maintenance, field: str, when: datetime, why: str) -> None:
        if when.timestamp() > limit:
            problems.append(
                Problem(
                    entry.source.path,
                    entry.source.lines.get(field),
                    field,
                    f"{_fmt(when, zone)} is in the future (the build time is {shown_now}: {why})",
                )
            )

    for incident in site.incidents:
        if incident.draft:
            continue
        future(incident, "started", incident.started, "check the date")
        if incident.resolved is not None and "resolved" in incident.source.lines:
            future(
                incident,
                "resolved",
                incident.resolved,
                "leave 'resolved' out until the incident is over",
            )
    for entry in (*site.incidents, *site.maintenances):
        if entry.draft:
            continue
        for number, update in enumerate(entry.updates, 1):
            future(
                entry,
                f"updates[{number}].at",
                update.at,
                "add an update when it happens",
            )
    for item in site.news:
        if not item.draft and item.date.timestamp() > limit:
            problems.append(
                Problem(
                    item.source.path,
                    item.source.lines.get("date"),
                    "date",
                    f"{_fmt(item.date, zone)} is in the future: held back, neither built nor "
                    f"posted until then (the build time is {shown_now})",
                    Severity.NOTICE,
                )
            )
    return problems


def split_embargoed(site: Site, now: datetime) -> tuple[Site, tuple[NewsItem, ...]]:
    """The site as readers may see it at ``now``, and the news held back
    (dated later), which it leaves out."""
    limit = now.timestamp()
    held = tuple(n for n in site.news if n.date.timestamp() > limit)
    if not held:
        return site, held
    return replace(site, news=tuple(n for n in site.news if n not in held)), held


def _fmt(when: datetime, zone: ZoneInfo) -> str:
    local = when.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def parse_now(text: str | None, config: SiteConfig) -> datetime:
    """`--now` in the site's zone, or the current time."""
    if text is None:
        return datetime.now(UTC).astimezone(config.timezone)
    try:
        when, _ = parse_time(text, config.timezone)
    except ValueError as exc:
        raise StatusgenError(f"--now: {exc}") from None
    return when
