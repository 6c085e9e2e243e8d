"""Front-matter times: ``YYYY-MM-DD HH:MM`` in the site's zone, DST gap and fold.

Times are stored aware, in the site's zone, with ``fold`` set for the
repeated hour of a DST change. Compare them as instants (``.timestamp()``
or in UTC): aware datetimes sharing a tzinfo compare by wall time and ignore
``fold``, and (PEP 495) a time in the repeated hour never compares equal to
one in another zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

_TIME_EXAMPLE = "use YYYY-MM-DD HH:MM, e.g. 2026-11-22 08:40"
_TIME_RE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<h>\d{1,2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?"
    r"[ \t]*(?P<z>[Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)


def parse_time(
    value: object, tz: ZoneInfo, *, allow_date: bool = False
) -> tuple[datetime, str | None]:
    """Read a front-matter time; return it aware in ``tz``, and a warning or None.

    Accepts ``YYYY-MM-DD HH:MM`` with optional ``:SS`` (and fraction), ``T``
    instead of the space, and ``Z`` or ``±HH:MM``; also `datetime` objects,
    and with ``allow_date`` a date alone (midnight local), as a string or a
    `date`. A time without an offset is local to ``tz``: one that falls in a
    DST gap raises, one that happens twice is taken at its first occurrence
    with a warning. Raises ValueError whose message carries the fix.
    """
    if isinstance(value, datetime):
        if value.utcoffset() is not None:
            return value.astimezone(tz), None
        return _localize(value.replace(tzinfo=tz), tz)
    if isinstance(value, date):
        if not allow_date:
            raise ValueError(f"{value.isoformat()} has no time of day ({_TIME_EXAMPLE})")
        return _localize(datetime(value.year, value.month, value.day, tzinfo=tz), tz)
    if not isinstance(value, str):
        raise ValueError(f"expected a time, got {type(value).__name__} ({_TIME_EXAMPLE})")
    text = value.strip()
    m = _TIME_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"'{text}' is not a time ({_TIME_EXAMPLE})")
    if m["h"] is None and not allow_date:
        raise ValueError(f"'{text}' has no time of day ({_TIME_EXAMPLE})")
    offset = None
    if m["z"] is not None:
        offset = _offset(m["z"], text)
    fraction = (m["f"] or "").ljust(6, "0")
    try:
        local = datetime(
            int(m["y"]),
            int(m["mo"]),
            int(m["d"]),
            int(m["h"] or 0),
            int(m["mi"] or 0),
            int(m["s"] or 0),
            int(fraction),
            tzinfo=tz if offset is None else offset,
        )
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a valid time ({exc})") from None
    try:
        return (local.astimezone(tz), None) if offset is not None else _localize(local, tz)
    except OverflowError:
        raise ValueError(f"'{text}' is out of range ({_TIME_EXAMPLE})") from None


def _before(a: datetime, b: datetime) -> bool:
    """``a < b`` as instants: same-tzinfo comparisons ignore `fold`."""
    return a.timestamp() < b.timestamp()


def _fmt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def _offset(text: str, whole: str) -> timezone:
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"'{whole}' has an impossible offset (use ±HH:MM, e.g. +01:00)")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _localize(local: datetime, tz: ZoneInfo) -> tuple[datetime, str | None]:
    """Check a wall time in ``tz`` against DST: a gap is an error, an overlap
    a warning (taking fold 0, the first occurrence). Both are found by
    comparing fold 0 and fold 1 and round-tripping fold 0 through UTC."""
    first = local.replace(fold=0)
    second = local.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, None
    at_utc = (first.astimezone(UTC), second.astimezone(UTC))
    old, new = first.utcoffset(), second.utcoffset()
    assert old is not None and new is not None
    change = _transition(min(at_utc), max(at_utc), tz) + old
    wall = first.strftime("%Y-%m-%d %H:%M")
    name = tz.key
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != first.replace(tzinfo=None):
        later = (first.replace(tzinfo=None) + (new - old)).strftime("%H:%M")
        raise ValueError(
            f"{wall} does not exist in {name} (clocks go forward at {change:%H:%M}; "
            f"use {later} or give an offset)"
        )
    return first, (
        f"{wall} happens twice in {name} (clocks go back at {change:%H:%M}); taking the "
        f"first, {_fmt_offset(old)} (give an offset to choose: {_fmt_offset(old)} "
        f"or {_fmt_offset(new)})"
    )


def _transition(lo: datetime, hi: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant (to the second) between ``lo`` and ``hi`` when ``tz``
    changes offset; zoneinfo does not expose its transitions."""
    target = hi.astimezone(tz).utcoffset()
    low, high = int(lo.timestamp()), int(hi.timestamp())
    while high - low > 1:
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == target:
            high = mid
        else:
            low = mid
    return datetime.fromtimestamp(high, UTC)


def _fmt_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
