"""The outputs of a bilingual site's other languages, each under ``<suffix>/``.

An edition is the same renderers called on the site in that language
(`translate.site_in`) with the edition's folder added to the base URL
(`languages.edition_config`), so every link a renderer makes stays inside
the edition; its paths are then prefixed with the folder. The main
language's outputs are not touched: a site in one language has no other
edition, and its bytes are what they were.

Each edition has its pages (theme files included, so its links need no
rewriting), its sitemap, its feeds and calendar under ``feeds/``, and the
JSON API under ``api/`` (Statuspage's enumerations stay English; the texts
are the edition's). Left at the root only: ``404.html`` and ``robots.txt``
(a server and a crawler look for them there; robots.txt names every
edition's sitemap), the badges, the build manifest and the post ledger
(posts go out in the main language).

The one place an edition's language reaches the renderers is `_edition`: its
site in that language, and that language's words (`Localised.strings`), made
once and handed to every renderer.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..i18n.strings import Strings, strings_for
from ..languages import Edition, edition_config, editions
from ..model import Site
from ..status import SiteStatus, derive
from ..translate import site_in
from .api import render_api
from .feeds import render_feeds
from .html import Page, html_pages
from .ical import render_ical

ROOT_ONLY = ("404.html", "robots.txt")
"""Pages only the main edition has."""


@dataclass(frozen=True)
class Localised:
    """One other edition, ready to render."""

    edition: Edition
    site: Site
    """The site in the edition's language, its base URL the edition's."""
    status: SiteStatus
    strings: Strings
    """The edition's words, made once for all its outputs."""


def other_editions(site: Site, status: SiteStatus) -> Iterator[Localised]:
    """Every edition but the main one, in site.toml's order."""
    for edition in editions(site.config)[1:]:
        yield _edition(site, status, edition)


def _edition(site: Site, status: SiteStatus, edition: Edition) -> Localised:
    local = site_in(site, edition.language)
    local = replace(local, config=edition_config(local.config, edition))
    # Derived again: the status holds the entries (with their texts) it shows.
    return Localised(edition, local, derive(local, status.now), strings_for(local.config))


def edition_pages(localised: Localised, main: Site, bytecode: Path | None = None) -> Iterator[Page]:
    """An edition's HTML pages, at their prefixed paths."""
    prefix = localised.edition.prefix
    pages = html_pages(
        localised.site,
        localised.status,
        bytecode=bytecode,
        main=main.config,
        strings=localised.strings,
    )
    for page in pages:
        if page.path not in ROOT_ONLY:
            yield replace(page, path=prefix + page.path)


def edition_files(
    localised: Localised,
    moves: Mapping[str, Sequence[Sequence[str]]],
    sequences: Mapping[str, int],
) -> dict[str, bytes]:
    """An edition's feeds, calendar and API, at their prefixed paths."""
    site, status = localised.site, localised.status
    files = {
        **render_feeds(site, status, moves, localised.strings),
        **render_ical(site, status, sequences, localised.strings),
        **render_api(site, status),
    }
    return {localised.edition.prefix + path: data for path, data in files.items()}
