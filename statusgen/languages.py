"""A bilingual site's languages: the ``other_languages`` key, suffixes, editions.

A site has one main language (``language``) and may have others
(``other_languages = ["cy"]``): entries then give their texts in each of them
with a suffix on the key (``title_cy:``, ``message_cy:``), and the build makes
one *edition* of the pages, feeds and news API per language, the main one at
the site root and each other under ``/<suffix>/``.

The suffix is the tag's primary subtag, lowercase (``cy`` for ``cy-GB``): what
an author types after the underscore, and the folder of that edition. Two
languages of one site may therefore not share a primary subtag.

This module imports only model and errors: config, source, the derive step
and the renderers all read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .errors import closest
from .model import SiteConfig

# RFC 5646 langtag, without extlang, extensions and private use: what a site
# names its languages with (``cy``, ``en-GB``, ``zh-Hant-TW``, ``es-419``).
_TAG_RE = re.compile(
    r"(?P<language>[A-Za-z]{2,3})(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
)

TEXT_FIELDS = ("title", "summary", "post_text", "message")
"""The front-matter keys that take a language suffix (``message`` in an update)."""


def suffix(tag: str) -> str:
    """The key suffix and folder of a language: its primary subtag, lowercase."""
    return tag.split("-", 1)[0].lower()


def tag_problem(tag: str) -> str | None:
    """Why `tag` is not a BCP 47 language tag a site can use, or None."""
    if _TAG_RE.fullmatch(tag):
        return None
    shown = tag.replace("_", "-")
    hint = f"write {shown!r}" if _TAG_RE.fullmatch(shown) else 'like "cy" or "fr-CA"'
    return f"{tag!r} is not a BCP 47 language tag ({hint})"


def other_languages(
    value: Sequence[object], main: str, problem: Callable[[str], None]
) -> tuple[str, ...]:
    """``other_languages`` checked against the main `language`: each a tag, none
    the main language, no two with one suffix. Reports through `problem` (one
    message per mistake) and returns the good tags, in the order given."""
    main_suffix = suffix(main) if tag_problem(main) is None else None
    seen: dict[str, str] = {}
    good: list[str] = []
    for tag in value:
        if not isinstance(tag, str):
            problem(f'expected language tags in quotes, got {tag!r} (like ["cy"])')
            continue
        wrong = tag_problem(tag)
        if wrong:
            problem(wrong)
            continue
        key = suffix(tag)
        if key == main_suffix:
            problem(
                f"{tag!r} is the main language (language = {main!r}); list only the others "
                "(the main language's texts are the keys without a suffix)"
            )
            continue
        if key in seen:
            same = "is listed twice" if seen[key] == tag else f"shares the suffix {key!r} with"
            tail = "" if seen[key] == tag else f" {seen[key]!r}"
            problem(f"{tag!r} {same}{tail} (keep one: entries write {key}_ keys once)")
            continue
        seen[key] = tag
        good.append(tag)
    return tuple(good)


def split_key(key: str) -> tuple[str, str] | None:
    """``title_cy`` -> (``title``, ``cy``): a key with what may be a language
    suffix; None for a key without one. Neither part is checked here (see
    `unknown_suffix`)."""
    base, sep, tail = key.rpartition("_")
    if sep and base and 2 <= len(tail) <= 3 and tail.isascii() and tail.isalpha():
        return base, tail
    return None


def unknown_suffix(key: str, tail: str, config: SiteConfig) -> str:
    """The message for a suffix the site does not declare."""
    declared = [suffix(t) for t in config.other_languages]
    base = key[: -len(tail) - 1]
    if not declared:
        return (
            f"'{key}' is in a language this site does not declare (add "
            f'other_languages = ["{tail}"] to site.toml, or remove the key)'
        )
    if tail == suffix(config.language):
        return f"'{tail}' is the site's main language (write it as '{base}:')"
    if tail.lower() in declared:
        return f"'{tail}' must be lowercase (write '{base}_{tail.lower()}')"
    match = closest(tail, declared)
    hint = f"did you mean '{base}_{match}'?" if match else f"other_languages: {', '.join(declared)}"
    return f"'{tail}' is not one of this site's languages ({hint})"


# --- editions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    """One language's pages, feeds and news API."""

    language: str
    """Its BCP 47 tag (``hreflang``, ``<html lang>``)."""
    prefix: str
    """Its folder under the site root: ``""`` for the main language, ``cy/``."""


def editions(config: SiteConfig) -> tuple[Edition, ...]:
    """The main edition first, then one per other language, in site.toml's order."""
    others = tuple(Edition(tag, f"{suffix(tag)}/") for tag in config.other_languages)
    return (Edition(config.language, ""), *others)


def edition_config(config: SiteConfig, edition: Edition) -> SiteConfig:
    """The configuration an edition renders with: its language, and its folder
    added to the base URL, so every link the renderers make (through `urls`)
    stays inside the edition. ``[strings]`` is the main language's own words:
    an edition speaks its catalogue's, under its own ``[strings.<suffix>]``."""
    if not edition.prefix:
        return config
    return replace(
        config,
        language=edition.language,
        base_url=config.base_url + edition.prefix,
        strings=config.language_strings.get(edition.language, {}),
    )


@dataclass(frozen=True)
class Alternate:
    """One ``<link rel="alternate" hreflang=...>`` of a page."""

    hreflang: str
    href: str


def alternates(config: SiteConfig, path: str) -> tuple[Alternate, ...]:
    """A page's counterparts in every edition (itself included, as hreflang asks)
    and ``x-default`` (the main edition); empty for a site in one language.
    `config` is the site's own (main) configuration, `path` the page's path
    relative to its edition's root."""
    if not config.other_languages:
        return ()
    found = [Alternate(e.language, config.base_url + e.prefix + path) for e in editions(config)]
    return (*found, Alternate("x-default", config.base_url + path))
