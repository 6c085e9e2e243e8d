"""Maintenance windows as iCalendar: model -> ``{"feeds/maintenance.ics": bytes}``, pure.

Subscribing to ``feeds/maintenance.ics`` puts every window in the reader's
calendar, so it must behave like a calendar a person would keep:

- one VEVENT per window (drafts never reach the `Site`), ordered by start;
- ``UID`` is ``<maintenance id>@<host of base_url>``: stable across builds,
  so a client updates an event instead of duplicating it;
- ``DTSTART``/``DTEND`` carry ``TZID`` of the site's zone and the calendar
  has a ``VTIMEZONE`` for it (built from the tz database, covering the years
  of the windows), so a window across a DST change lands at the right
  instant. The one wall time a TZID cannot name, the second pass of an
  hour repeated when clocks go back, is written in UTC instead;
- ``DTSTAMP`` is the window's last update time, or its start without
  updates, in UTC: never the build time, so unchanged input gives unchanged
  bytes (clients poll this file; a moving DTSTAMP churns them for nothing);
- ``SEQUENCE`` comes from `sequences`, which the build derives from the
  previous build's manifest: bumped whenever a window's start, end or title
  changes, so clients that track revisions take the change. Absent: 0;
- ``SUMMARY`` is the title, ``DESCRIPTION`` plain text (the body, the
  affected services, the reference), ``URL`` the window's page;
- a recurring window (``rrule:``) is one VEVENT for the whole series, not
  its expansion, so a calendar app shows every occurrence, past and future:
  ``DTSTART;TZID=`` is the first occurrence, ``RRULE`` the rule as checked
  (UNTIL in UTC, as RFC 5545 asks beside a TZID start), and ``DURATION``
  replaces ``DTEND`` (each occurrence lasts the first one's elapsed time, as
  on the page); the VTIMEZONE covers the years up to its last occurrence;
- ``STATUS:CONFIRMED`` (there is no cancelling, a window is deleted), and
  ``TRANSP:TRANSPARENT``: maintenance must not make subscribers look busy.

The calendar is ``METHOD:PUBLISH`` with a fixed ``PRODID`` and
``X-WR-CALNAME``/``NAME`` of ``<site title> maintenance``. With no windows
it is an empty calendar (no VTIMEZONE either: nothing refers to one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .. import recurrence, urls
from ..i18n.strings import Strings, strings_for
from ..markup import to_text
from ..model import Maintenance, Site, SiteConfig
from ..status import SiteStatus

if TYPE_CHECKING:
    from icalendar import Event

ICAL_PATH = "feeds/maintenance.ics"
PRODID = "-//statusgen//statusgen//EN"


def calendar_deps(site: Site, sequences: Mapping[str, int]) -> tuple[object, ...] | None:
    """What the calendar shows besides the site-wide inputs, for its cache key
    (`keys.output_key`): every window's file and SEQUENCE, and never the build
    time. None when a window was made in code (no digest): rendered every time."""
    shown = tuple((w.id, w.source.digest, sequences.get(w.id, 0)) for w in site.maintenances)
    if not all(digest for _, digest, _ in shown):
        return None
    return ("ical", shown)


def render_ical(
    site: Site,
    status: SiteStatus,
    sequences: Mapping[str, int] | None = None,
    strings: Strings | None = None,
) -> dict[str, bytes]:
    """The maintenance calendar as ``{ICAL_PATH: bytes}``.

    `status` is not read: a window's event does not depend on the build time
    (its state, scheduled or in progress, is the reader's clock's business).
    `sequences` maps a maintenance id to its SEQUENCE (see the module
    docstring); missing ids get 0.
    """
    config = site.config
    sequences = sequences or {}
    t = strings if strings is not None else strings_for(config)
    # Imported here: icalendar costs a twentieth of a second to import, and a
    # cached build that keeps the calendar as it was never needs it.
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = t("calendar.name", site=config.title)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)

    windows = sorted(site.maintenances, key=lambda m: (m.start, m.id))
    host = (urlsplit(config.base_url).hostname or "").lower()
    for window in windows:
        calendar.add_component(_event(window, config, host, sequences.get(window.id, 0), t))
    if windows:
        # Only the years the events need: the whole tz history would be kilobytes
        # of transitions nobody reads. Derived from the input, so deterministic.
        first = min(w.start for w in windows).astimezone(config.timezone).date()
        last = max(_last_end(w, config.timezone) for w in windows).astimezone(config.timezone)
        last = last.date()
        calendar.add_missing_timezones(
            first_date=date(first.year - 1, 1, 1), last_date=date(last.year + 1, 12, 31)
        )
        # Time zones before the events that use them, as some clients need and
        # icalendar 7 writes; icalendar 6 appends them, so order them here.
        calendar.subcomponents.sort(key=lambda c: c.name != "VTIMEZONE")
    return {ICAL_PATH: calendar.to_ical()}


def _event(window: Maintenance, config: SiteConfig, host: str, sequence: int, t: Strings) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", f"{window.id}@{host}")
    event.add("dtstamp", _stamp(window))
    event.add("sequence", sequence)
    event.add("dtstart", _local(window.start, config.timezone))
    if window.rrule:
        from icalendar import vRecur

        event.add("duration", window.end - window.start)
        event.add("rrule", vRecur.from_ical(window.rrule))
    else:
        event.add("dtend", _local(window.end, config.timezone))
    # RFC 5545's LANGUAGE: a title left untranslated on another language's calendar.
    fell_back = window.text_lang.get("title")
    event.add("summary", window.title, parameters={"LANGUAGE": fell_back} if fell_back else None)
    event.add("description", _description(window, config, t))
    event.add("url", urls.absolute(config, urls.entry_path(window)))
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    return event


def _last_end(window: Maintenance, zone: ZoneInfo) -> datetime:
    """When the window's last occurrence ends (its end, if it does not recur)."""
    if not window.rrule:
        return window.end
    return recurrence.starts(window.rrule, window.start, zone)[-1] + (window.end - window.start)


def _stamp(window: Maintenance) -> datetime:
    """When the event's information last changed, as the content says: UTC (RFC 5545)."""
    moment = max(u.at for u in window.updates) if window.updates else window.start
    return moment.astimezone(UTC)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` on the site's wall clock, or in UTC where the wall clock is ambiguous.

    A TZID time repeated by a DST fold means its first occurrence (RFC 5545
    3.3.5), so the second one can only be written in UTC.
    """
    local = moment.astimezone(zone)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def _description(window: Maintenance, config: SiteConfig, t: Strings) -> str:
    names = {s.id: s.name for s in config.services}
    lines = []
    body = to_text(window.body)
    if body:
        lines.append(body)
    affected = ", ".join(names.get(s, s) for s in window.service_ids)
    lines.append(t("calendar.affected", services=affected))
    if window.reference:
        lines.append(t("calendar.reference", reference=window.reference))
    return "\n\n".join(lines)
