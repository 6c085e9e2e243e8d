"""`Strings`: the words, dates and numbers of one language, for every renderer.

The render pipeline (pages, feeds, calendar, badges) takes one `Strings`
(`strings_for(config)`, or one a caller made for another language): no
module global, so a site can be rendered once per language.

A site's ``language`` (BCP 47) picks the catalogue by best match: the tag
itself, then shorter and shorter prefixes (``fr-FR`` -> ``fr``,
``zh-Hant-TW`` -> ``zh-Hant`` -> ``zh``), English when none matches. The
tag itself stays for ``<html lang>``. Over the catalogue, key by key: the
theme's catalogue for that language, then ``[strings]`` of site.toml.
Dates and numbers are Babel's CLDR formats for the tag (``en-US`` dates
read as in the US), in the site's time zone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_gmt, get_timezone_name
from babel.numbers import format_percent

from ..model import SiteConfig
from .catalogue import (
    PACKAGE_LOCALES,
    Message,
    english,
    flatten,
    message_problem,
    read_toml,
)


@dataclass(frozen=True)
class Strings:
    """One language's words (`messages`, every key of English's) and CLDR formats."""

    tag: str
    """The site's language tag, exactly as written (``fr-FR``): ``<html lang>``, feeds."""
    catalogue: str
    """The catalogue it matched (``fr``); ``en`` when none did."""
    locale: str
    """Babel's locale for dates, numbers and plurals (``fr_FR``)."""
    zone: ZoneInfo
    messages: dict[str, Message] = field(hash=False)

    def __call__(self, key: str, **values: Any) -> str:
        """The text of `key`, its placeholders filled; a plural picks its form by ``count``."""
        return self.pattern(key, values.get("count")).format(**values)

    def pattern(self, key: str, count: float | None = None) -> str:
        """The text of `key` before its placeholders are filled (the theme's
        ``t()`` fills them with HTML-escaped values)."""
        message = self.messages[key]
        if isinstance(message, str):
            return message
        category = _locale(self.locale).plural_form(count if count is not None else 0)
        return message.get(category, message["other"])

    # --- dates and numbers (CLDR, the site's zone) ---------------------------

    def moment(self, moment: datetime) -> tuple[str, str, str]:
        """(date and time, date, time): ``22 Nov 2026, 08:40 GMT``, ``22 Nov 2026``,
        ``08:40 GMT``, the zone's abbreviation as CLDR names it in this language."""
        local = moment.astimezone(self.zone)
        locale = _locale(self.locale)
        day = format_date(local, "medium", locale=locale)
        clock = f"{format_time(local, _short_time(locale), locale=locale)} {self.zone_name(local)}"
        return _combine(locale, day, clock), day, clock

    def zone_name(self, local: datetime) -> str:
        """CLDR's short name of the zone at that moment (``GMT``/``BST``, ``MEZ``),
        or its localized GMT format (``UTC+01:00``) where CLDR has none for the
        language (Babel would print a bare ``+0100``)."""
        locale = _locale(self.locale)
        name = get_timezone_name(local, "short", locale=locale, zone_variant=None)
        if name[:1] in "+-" or not name:
            if not local.utcoffset():  # CLDR's zero format: "UTC", "GMT"
                return locale.zone_formats["gmt"] % ""
            return get_timezone_gmt(local, "long", locale=locale)
        return name

    def date(self, day: date) -> str:
        """``22 Nov 2026``: CLDR's medium date."""
        return format_date(day, "medium", locale=_locale(self.locale))

    def day_month(self, day: date) -> str:
        """``1 Nov``: CLDR's day and abbreviated month."""
        locale = _locale(self.locale)
        return format_date(day, locale.datetime_skeletons["MMMd"].pattern, locale=locale)

    def month(self, moment: datetime) -> str:
        """``November 2026``: the month standing alone, in the site's zone."""
        return format_date(moment.astimezone(self.zone), "LLLL y", locale=_locale(self.locale))

    def percent(self, value: float) -> str:
        """``99.95%`` (``99,95 %`` in French), truncated to two decimals, so a bad
        day is never rounded up to 100%."""
        if value >= 100.0:
            number = Decimal(1)
        else:
            number = Decimal(f"{int(value * 100) / 100:.2f}").normalize() / 100
        return format_percent(number, locale=_locale(self.locale), decimal_quantization=False)

    @cached_property
    def digest(self) -> str:
        """The language and every message: part of the key of anything rendered
        with them (a changed ``[strings]`` must not leave old pages)."""
        text = json.dumps([self.tag, self.locale, self.messages], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=32)
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def _short_time(locale: Locale) -> str:
    return locale.time_formats["short"].pattern


def _combine(locale: Locale, day: str, clock: str) -> str:
    """CLDR's medium date-time pattern (``{1}, {0}``) joining a date and a time."""
    pattern = locale.datetime_formats["medium"]
    return pattern.replace("{1}", day).replace("{0}", clock)


# --- choosing the catalogue ----------------------------------------------------


def theme_locales(config: SiteConfig) -> Path:
    """``themes/<theme>/locales`` of the site: where a theme adds a language."""
    return config.root / "themes" / config.theme / "locales"


def catalogues(config: SiteConfig) -> dict[str, list[Path]]:
    """Language (lower case) -> its catalogue files, the package's before the theme's."""
    found: dict[str, list[Path]] = {}
    for folder in (PACKAGE_LOCALES, theme_locales(config)):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found.setdefault(path.stem.lower(), []).append(path)
    return found


def best_match(tag: str, languages: Any) -> str | None:
    """The catalogue for `tag`: itself, then each shorter prefix; None when none matches."""
    parts = tag.replace("_", "-").lower().split("-")
    for n in range(len(parts), 0, -1):
        candidate = "-".join(parts[:n])
        if candidate in languages:
            return candidate
    return None


def plural_categories(language: str) -> frozenset[str]:
    """The CLDR plural categories `language` needs (``other`` alone when Babel
    does not know it)."""
    try:
        tags = Locale.parse(language.replace("-", "_")).plural_form.tags
    except (UnknownLocaleError, ValueError):
        return frozenset({"other"})
    return frozenset(tags) | {"other"}


def babel_locale(tag: str, fallback: str) -> str:
    """Babel's identifier for `tag` when CLDR knows it, else for `fallback`, else English."""
    for candidate in (tag, fallback):
        try:
            return str(Locale.parse(candidate.replace("-", "_")))
        except (UnknownLocaleError, ValueError):
            continue
    return "en"


def strings_for(config: SiteConfig, language: str | None = None) -> Strings:
    """The `Strings` of `language` (default: the site's), its catalogue under the
    theme's and ``[strings]``; a wrong or missing translation falls back to the
    package's, then English (`check` reports it: `language_problems`)."""
    tag = language or config.language
    reference = english()
    found = catalogues(config)
    match = best_match(tag, found) or "en"
    categories = plural_categories(match)
    messages: dict[str, Message] = dict(reference)
    overlays: list[dict[str, Any]] = []
    for path in found.get(match, []):
        try:
            data, _ = read_toml(path)
        except (OSError, UnicodeDecodeError, ValueError):
            continue  # reported by check
        overlays.append(flatten(data, reference))
    if language is None or language == config.language:
        overlays.append(dict(config.strings))
    else:  # another of the site's languages: its own [strings.<suffix>]
        overlays.append(dict(config.language_strings.get(language, {})))
    for overlay in overlays:
        for key, value in overlay.items():
            if key in reference and message_problem(key, value, reference[key], categories) is None:
                messages[key] = _plural(value, reference[key])
    return Strings(tag, match, babel_locale(tag, match), config.timezone, messages)


def _plural(value: Any, reference: Message) -> Message:
    """A plural given as one string (a language with ``other`` alone) as a table."""
    if isinstance(value, str) and not isinstance(reference, str):
        return {"other": value}
    return value


def english_strings(zone: ZoneInfo) -> Strings:
    """English (en-GB) in `zone`, without a site: for callers that name no language."""
    return Strings("en-GB", "en", "en_GB", zone, english())
