"""A site in one of its languages: every text translated where the file gives
a translation, the main language's text where it does not (pure).

`site_in` is the derive step of a language's edition: the renderers are
handed its result and never look at translations. A text that fell back is
marked in ``text_lang`` with the tag of the language it is written in, so a
page can give it that ``lang`` (a screen reader then reads an English
message with English pronunciation on a Welsh page); a translated text is
not marked, since it is in the page's language.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import TypeVar

from .languages import suffix
from .model import Incident, Maintenance, NewsItem, Site, Update

_E = TypeVar("_E", Incident, Maintenance, NewsItem)


def site_in(site: Site, language: str) -> Site:
    """`site` with its texts in `language` (a tag of ``other_languages``, or the
    main language: then `site` itself) and its configuration's ``language`` set to it."""
    config = site.config
    if language == config.language:
        return site
    if language not in config.other_languages:
        raise ValueError(f"{language!r} is not one of the site's languages")
    tail = suffix(language)
    return replace(
        site,
        config=replace(config, language=language),
        incidents=tuple(_entry_in(e, tail, config.language) for e in site.incidents),
        maintenances=tuple(_entry_in(e, tail, config.language) for e in site.maintenances),
        news=tuple(_entry_in(e, tail, config.language) for e in site.news),
    )


def _entry_in(entry: _E, tail: str, main: str) -> _E:
    found = entry.translations.get(tail)
    fallback: dict[str, str] = {}
    changes: dict[str, object] = {}
    title = found.title if found is not None else None
    if title is None:
        fallback["title"] = main
    else:
        changes["title"] = title
    if isinstance(entry, NewsItem):
        summary = found.summary if found is not None else None
        if summary is None:
            fallback["summary"] = main
        else:
            changes["summary"] = summary
    else:
        changes["updates"] = tuple(_update_in(u, tail, main) for u in entry.updates)
    if entry.body.strip():
        # Bodies are not translated yet: one Markdown text per file.
        fallback["body"] = main
    return replace(entry, **changes, text_lang=MappingProxyType(fallback))


def _update_in(update: Update, tail: str, main: str) -> Update:
    message = update.translations.get(tail)
    if message is None:
        return replace(update, text_lang=MappingProxyType({"message": main}))
    return replace(update, message=message)


__all__ = ["site_in"]
