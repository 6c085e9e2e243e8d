"""Recurring maintenance: RFC 5545 RRULEs checked here and expanded by dateutil.

A window with ``rrule:`` is a series. Its ``start``/``end`` are the first
occurrence; every occurrence lasts ``end - start`` (elapsed time) and starts
at the same wall-clock time in the site's zone, so a 07:00 window stays 07:00
across a DST change and its UTC time moves by the hour. A wall time that a
spring-forward gap skips is taken with the offset before the gap, and one
that a fall-back repeats is its first pass: RFC 5545 3.3.5's rule for a TZID
time, so the page and a calendar app agree.

dateutil's `rrulestr` does the expansion; this module only splits the rule
into its parts first, for messages that name the part and the fix, and to
keep what a maintenance window cannot mean out (DTSTART and EXDATE: the
start is the ``start`` field; sub-daily frequencies and BYHOUR/BYMINUTE/
BYSECOND: the time of day is the start's, so occurrences fall on distinct
local days and ``<id>@<YYYY-MM-DD>`` names each one).

Expansion is bounded: every rule is expanded with an UNTIL of at most
`MAX_YEARS` after its start, and a series holds at most `MAX_OCCURRENCES`.
dateutil checks UNTIL only against occurrences it finds, so a rule that has
none (``BYMONTH=2;BYMONTHDAY=30``) scans every period up to the year 9999;
month and day numbers no calendar has are refused before it runs, and the
rarer contradictions it is left to find (about a second).
All of it is a pure function of the rule, the first window and the zone.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import closest

__all__ = ["MAX_OCCURRENCES", "MAX_YEARS", "check_rule", "starts"]

MAX_OCCURRENCES = 1000
"""Occurrences in one series at most (a weekly window for 19 years, a daily one
for 2.7): a longer series is a new file when this one ends."""

MAX_YEARS = 10
"""A series ends within this many years of its start."""

_SPAN = timedelta(days=366 * MAX_YEARS)

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_SUB_DAILY = ("HOURLY", "MINUTELY", "SECONDLY")
_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_NOT_HERE = {
    "DTSTART": "the first occurrence is the window's 'start' and 'end'; remove DTSTART",
    "EXDATE": "skipping dates is not supported: end the series with UNTIL and start a new file",
    "RDATE": "extra dates are not supported: write a separate window for each",
    "EXRULE": "exception rules are not supported: end the series with UNTIL and start a new file",
    "BYHOUR": "the time of day is the start's: remove BYHOUR",
    "BYMINUTE": "the time of day is the start's: remove BYMINUTE",
    "BYSECOND": "the time of day is the start's: remove BYSECOND",
}
_UNTIL_RE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?")
_EXAMPLE = "e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10"


def check_rule(
    text: str, start: datetime, end: datetime, zone: ZoneInfo
) -> tuple[str | None, list[str]]:
    """Validate a front-matter ``rrule`` for the window `start`..`end`.

    Returns the rule normalised (part names and values upper case, in the
    order written, UNTIL as a UTC time ``YYYYMMDDTHHMMSSZ`` as RFC 5545 asks
    of a rule whose DTSTART has a TZID) or None, and the problems, each a
    message with its fix in parentheses.
    """
    parts, problems = _split(text)
    if problems:
        return None, problems
    freq = parts.get("FREQ")
    if freq is None:
        problems.append(f"FREQ is missing (start the rule with FREQ=WEEKLY, {_EXAMPLE})")
    elif freq in _SUB_DAILY:
        problems.append(
            f"FREQ={freq} is too frequent for a maintenance window "
            f"(it recurs at most daily: one of {', '.join(FREQUENCIES)})"
        )
    elif freq not in FREQUENCIES:
        match = closest(freq, FREQUENCIES)
        hint = f"did you mean FREQ={match}?" if match else f"one of {', '.join(FREQUENCIES)}"
        problems.append(f"FREQ={freq} is not a frequency ({hint})")
    if "UNTIL" not in parts and "COUNT" not in parts:
        problems.append(
            "has no end (add ;COUNT=10 for ten occurrences, or ;UNTIL=20270331 for the last date)"
        )
    elif "UNTIL" in parts and "COUNT" in parts:
        problems.append("has both UNTIL and COUNT (RFC 5545 allows one: keep one of them)")
    for name, low, high in (("COUNT", 1, MAX_OCCURRENCES), ("INTERVAL", 1, 1000)):
        if name in parts:
            value = parts[name]
            if not value.isdigit() or not low <= int(value) <= high:
                problems.append(f"{name}={value} is not a whole number from {low} to {high}")
    if "UNTIL" in parts:
        until = _until(parts["UNTIL"], zone)
        if until is None:
            problems.append(
                f"UNTIL={parts['UNTIL']} is not a date or time "
                "(write UNTIL=20270331, or UNTIL=20270331T090000 in the site's zone, "
                "or UNTIL=20270331T080000Z in UTC)"
            )
        else:
            written = parts["UNTIL"]
            parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%SZ")
            if until < start:
                problems.append(
                    f"UNTIL={written} is before the first occurrence's start "
                    "(the series ends after it starts)"
                )
    problems += _impossible_days(parts)
    if problems:
        return None, problems
    rule = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        found = _expand(rule, start, zone, MAX_OCCURRENCES + 1)
    except (ValueError, OverflowError, KeyError, IndexError, TypeError) as exc:
        return None, [f"is not a valid RRULE ({_dateutil_message(exc)}; {_EXAMPLE})"]
    return _check_occurrences(rule, found, parts, start, end, zone)


def starts(rule: str, first: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every occurrence's start of a rule that `check_rule` returned, as UTC
    instants, oldest first; the first is `first`."""
    return _expand(rule, first, zone, MAX_OCCURRENCES)


# --- helpers --------------------------------------------------------------------


def _split(text: str) -> tuple[dict[str, str], list[str]]:
    parts: dict[str, str] = {}
    problems: list[str] = []
    body = text.strip()
    if body[:6].upper() == "RRULE:":  # as pasted from a calendar file
        body = body[6:]
    for raw in body.split(";"):
        piece = raw.strip()
        if not piece:
            continue
        name, equals, value = piece.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not equals or not value:
            problems.append(f"'{piece}' is not NAME=VALUE (parts are separated by ';', {_EXAMPLE})")
        elif name in _NOT_HERE:
            problems.append(f"{name} is not allowed here ({_NOT_HERE[name]})")
        elif name not in _PARTS:
            match = closest(name, _PARTS)
            hint = f"did you mean {match}?" if match else f"allowed: {', '.join(_PARTS)}"
            problems.append(f"unknown part '{name}' ({hint})")
        elif name in parts:
            problems.append(f"{name} is given twice (keep one)")
        else:
            parts[name] = value
    if not parts and not problems:
        problems.append(f"is empty (give a rule, {_EXAMPLE})")
    return parts, problems


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _numbers(value: str) -> list[int] | None:
    try:
        return [int(v) for v in value.split(",")]
    except ValueError:
        return None


def _impossible_days(parts: dict[str, str]) -> list[str]:
    """Month and day numbers no calendar has, found before dateutil runs: for a
    rule with no occurrence at all it scans every period up to the year 9999
    (seconds), whatever the UNTIL."""
    months = _numbers(parts.get("BYMONTH", "")) if "BYMONTH" in parts else list(range(1, 13))
    days = _numbers(parts["BYMONTHDAY"]) if "BYMONTHDAY" in parts else None
    if months is None or any(not 1 <= m <= 12 for m in months):
        return [f"BYMONTH={parts['BYMONTH']} is not a list of months from 1 to 12"]
    if days is None:
        return []
    if any(not 1 <= abs(d) <= 31 for d in days):
        return [
            f"BYMONTHDAY={parts['BYMONTHDAY']} is not a list of days from 1 to 31 (or -31 to -1)"
        ]
    if not any(abs(d) <= _MONTH_DAYS[m - 1] for m in months for d in days):
        return [
            f"BYMONTHDAY={parts['BYMONTHDAY']} does not occur in BYMONTH={parts.get('BYMONTH')} "
            "(no such day: the rule produces no occurrence)"
        ]
    return []


def _until(value: str, zone: ZoneInfo) -> datetime | None:
    """UNTIL as a UTC instant: a date alone is the end of that local day, a
    time without ``Z`` is in the site's zone."""
    m = _UNTIL_RE.fullmatch(value)
    if m is None:
        return None
    year, month, day, hour, minute, second, z = m.groups()
    try:
        if hour is None:
            moment = datetime.combine(date(int(year), int(month), int(day)), time(23, 59, 59), zone)
        else:
            moment = datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                int(second),
                tzinfo=UTC if z else zone,
            )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _expand(rule: str, first: datetime, zone: ZoneInfo, limit: int) -> list[datetime]:
    """Up to `limit` starts (UTC) of `rule` from `first`, within `MAX_YEARS`.

    dateutil expands in naive wall-clock time from the local start; each
    wall time is then placed in the zone with fold 0 (RFC 5545's reading).
    """
    from dateutil.rrule import rrulestr  # only builds with a recurring window need it

    local = first.astimezone(zone).replace(tzinfo=None)
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    count = int(parts.pop("COUNT", limit))
    bound = local + _SPAN
    until_utc = None
    if "UNTIL" in parts:
        until_utc = datetime.strptime(parts.pop("UNTIL"), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        bound = min(bound, until_utc.astimezone(zone).replace(tzinfo=None))
    text = ";".join(f"{k}={v}" for k, v in parts.items()) + f";UNTIL={bound:%Y%m%dT%H%M%S}"
    found = []
    for wall in rrulestr(text, dtstart=local):
        instant = wall.replace(tzinfo=zone).astimezone(UTC)
        if until_utc is not None and instant > until_utc:
            break
        found.append(instant)
        if len(found) >= min(count, limit):
            break
    return found


def _check_occurrences(
    rule: str,
    found: list[datetime],
    parts: dict[str, str],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
) -> tuple[str | None, list[str]]:
    if not found:
        return None, [
            f"produces no occurrence within {MAX_YEARS} years of start "
            "(check BYDAY, BYMONTH and BYMONTHDAY against each other)"
        ]
    local = start.astimezone(zone)
    if found[0].astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        first = found[0].astimezone(zone)
        return None, [
            f"start {local:%Y-%m-%d %H:%M} ({local:%A}) is not an occurrence of the rule "
            f"(start on the first one, {first:%Y-%m-%d %H:%M} ({first:%A}), or change the rule)"
        ]
    if len(found) > MAX_OCCURRENCES:
        return None, [
            f"gives more than {MAX_OCCURRENCES} occurrences (end it sooner with UNTIL or COUNT, "
            "and start a new file when it runs out)"
        ]
    if "COUNT" in parts and len(found) < int(parts["COUNT"]):
        return None, [
            f"COUNT={parts['COUNT']} reaches past {MAX_YEARS} years after start "
            f"(only {len(found)} occurrences fit: lower COUNT)"
        ]
    length = end - start
    for before, after in itertools.pairwise(found):
        if after - before < length:
            day = before.astimezone(zone)
            nxt = after.astimezone(zone)
            return None, [
                f"occurrences overlap: the window lasts {_hours(length)} but the one on "
                f"{day:%Y-%m-%d} is followed {_hours(after - before)} later, on {nxt:%Y-%m-%d} "
                "(shorten the window or space the occurrences)"
            ]
    return rule, []


def _hours(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    return f"{minutes // 60}h{minutes % 60:02d}"


def _dateutil_message(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.replace("'", "")
