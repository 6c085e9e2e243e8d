"""A post's placeholders (`compose.PLACEHOLDERS`) filled in from an event, in
one of the site's languages.

The words are the language's catalogue (`Strings`): the status word, the
service list's "and" (CLDR's list pattern through Babel: ``Email, Webmail
and VPN``, ``Email, Webmail und VPN``) and its "and 3 more"
(``post_words.more``), and a maintenance window's dates (``post_words.window_*``,
with Babel's weekday and month names). The texts are the entry's in that
language where the manifest records a translation (`EntryRecord.translations`),
else the main language's, and the link is the page in that language's
edition (``/cy/incidents/<id>/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from babel.dates import format_date
from babel.lists import format_list

from ..i18n.strings import Strings
from ..languages import Edition, edition_config, suffix
from ..manifest import EntryRecord, MoveRecord
from ..model import EntryKind, IncidentStatus, SiteConfig
from ..urls import absolute
from .diff import Event, EventKind

# {status} of a maintenance post, as catalogue keys ``post_status.<state>``.
_MAINTENANCE_WORDS = ("scheduled", "in_progress", "verifying", "completed")
_LIFECYCLE_WORDS = {
    EventKind.MAINTENANCE_STARTED: "post_status.in_progress",
    EventKind.MAINTENANCE_ENDED: "post_status.completed",
    EventKind.MAINTENANCE_MOVED: "post_status.moved",
}


def post_fields(
    event: Event, config: SiteConfig, t: Strings, language: str | None = None
) -> dict[str, str]:
    """Every placeholder of `event`'s post, in `t`'s words; `language` (a tag of
    ``other_languages``, None for the main one) picks the entry's texts and link."""
    entry = event.entry
    title, summary = entry.title, entry.summary or ""
    message = event.update.message if event.update else ""
    link = entry.link
    texts = entry.texts_in(language) if language else None
    if language:
        edition = edition_config(config, Edition(language, f"{suffix(language)}/"))
        link = absolute(edition, entry.path)
    if texts is not None:
        title = texts.title or title
        summary = texts.summary or summary
        if event.update is not None:
            number = entry.update_number(event.update.key)
            if number <= len(texts.messages):
                message = texts.messages[number - 1] or message
    return {
        "status": status_word(event, t),
        "title": title,
        "services": join(entry.services, t),
        "message": message,
        "link": link,
        "reference": entry.reference or "",
        "summary": summary,
        "window": window(event.move or entry, t),
    }


def status_word(event: Event, t: Strings) -> str:
    entry = event.entry
    if entry.kind is EntryKind.NEWS:
        return t("post_status.news")
    if event.kind in _LIFECYCLE_WORDS:
        return t(_LIFECYCLE_WORDS[event.kind])
    value = entry.status if event.is_first or event.update is None else event.update.status
    if event.kind is EventKind.RESOLVED:
        value = IncidentStatus.RESOLVED.value
    if entry.kind is EntryKind.MAINTENANCE and value in _MAINTENANCE_WORDS:
        return t(f"post_status.{value}")
    try:
        return t(f"status.{IncidentStatus(value).value}")
    except ValueError:
        return value.replace("_", " ").capitalize()


def join(names: tuple[str, ...], t: Strings) -> str:
    """``Email, Webmail and VPN``: CLDR's list pattern of the language."""
    return format_list(list(names), locale=_list_locale(t)) if names else ""


def service_variants(names: tuple[str, ...], t: Strings) -> Iterator[str]:
    """``Email, Webmail and 3 more``, one name fewer each time, down to one."""
    for shown in range(len(names) - 1, 0, -1):
        more = t("post_words.more", count=len(names) - shown)
        yield format_list([*names[:shown], more], locale=_list_locale(t))


# English posts keep the words they have always had, in every region: lists
# without a serial comma ("Email, Webmail and VPN", CLDR's en-GB pattern) and
# CLDR's root English names in dates ("Sep", where en-GB says "Sept").


def _list_locale(t: Strings) -> str:
    return "en_GB" if t.catalogue == "en" else t.locale


def _date_locale(t: Strings) -> str:
    return "en" if t.catalogue == "en" else t.locale


def window(entry: EntryRecord | MoveRecord, t: Strings) -> str:
    """``Sun 29 Nov 2026, 06:00–08:00 GMT``; across days or a clock change, each
    end in full: ``Sat 28 Mar 2026 23:00 GMT – Sun 29 Mar 2026 03:00 BST``."""
    if not (entry.start and entry.end):
        return ""
    start = datetime.fromisoformat(entry.start).astimezone(t.zone)
    end = datetime.fromisoformat(entry.end).astimezone(t.zone)
    if start.date() == end.date() and start.tzname() == end.tzname():
        return t(
            "post_words.window_same_day",
            day=_day(start, t),
            start=f"{start:%H:%M}",
            end=f"{end:%H:%M}",
            zone=t.zone_name(end),
        )
    return t(
        "post_words.window_days",
        start_day=_day(start, t),
        start=f"{start:%H:%M}",
        start_zone=t.zone_name(start),
        end_day=_day(end, t),
        end=f"{end:%H:%M}",
        end_zone=t.zone_name(end),
    )


def _day(moment: datetime, t: Strings) -> str:
    locale = _date_locale(t)

    def part(pattern: str) -> str:
        return format_date(moment, pattern, locale=locale)

    return t(
        "post_words.window_day",
        weekday=part("EEE"),
        day=str(moment.day),
        month=part("MMM"),
        year=str(moment.year),
    )
