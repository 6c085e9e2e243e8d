"""The HTML site: model + derived status -> ``{output path: bytes}``, pure.

Pages: the home page, one page per incident, maintenance window and news
item, the history (paged), one page per service, ``404.html``, plus
``sitemap.xml``, ``robots.txt`` and the theme's static files under
``static/``. Nothing is written here; `build` writes what this returns.

Links are root-relative through the base path (`urls.link`), so the same
output works at a domain root and under a sub-path, 404 page included;
the sitemap and canonical links are absolute.

The views are `views` (what templates see), made by `viewbuilder.ViewBuilder`
with `formatting`'s rules; the theme (templates, static files) is `theme`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import urls
from ..errors import StatusgenError, closest
from ..i18n.strings import Strings, strings_for
from ..languages import Alternate, alternates
from ..model import (
    Entry,
    Incident,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Service,
    Site,
    SiteConfig,
    entry_time,
)
from ..status import SiteStatus, last_change, maintenance_state
from .formatting import (
    day_bar,
    duration,
    end_text,
    indicator_badge,
    legend,
    month_name,
    news_badge,
    overall_text,
    when,
)
from .pngs import CARD_SIZE
from .theme import BUILTIN_THEME, environment
from .viewbuilder import ViewBuilder
from .views import (
    Badge,
    DayBar,
    HistoryItem,
    HistoryView,
    Link,
    MonthView,
    PageMeta,
    ServicePage,
    SitemapUrl,
    SocialImage,
)

__all__ = [
    # The pages, and (re-exported) the names code and tests written against
    # this module before the views and the theme had their own modules use.
    "BUILTIN_THEME",
    "HISTORY_PAGE_SIZE",
    "DayBar",
    "Link",
    "Page",
    "day_bar",
    "duration",
    "end_text",
    "environment",
    "html_pages",
    "redirect_page",
    "render_html",
    "when",
]

HISTORY_PAGE_SIZE = 100
"""Entries per history page; page 1 is ``history/``, page n ``history/page/<n>/``."""


def redirect_page(config: SiteConfig, target: str, strings: Strings | None = None) -> bytes:
    """The page left at a renamed entry's old address: sends readers (and, by
    the canonical link, search engines) to `target`, its new absolute URL.
    `publish` writes it, for as long as its ledger remembers the rename."""
    t = strings if strings is not None else strings_for(config)
    link = escape(target, quote=True)
    return (
        f'<!doctype html>\n<html lang="{escape(t.tag, quote=True)}">\n<head>\n'
        '<meta charset="utf-8">\n<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={link}">\n'
        f'<link rel="canonical" href="{link}">\n<title>{escape(t("moved.title"))}</title>\n'
        f'</head>\n<body><p>{escape(t("moved.text"))} <a href="{link}">{link}</a></p></body>\n'
        "</html>\n"
    ).encode()


def render_html(
    site: Site, status: SiteStatus, *, extra_head: str = "", strings: Strings | None = None
) -> dict[str, bytes]:
    """Every page of the site as ``{path: bytes}``, in `strings`' language (the
    site's when None).

    `extra_head` is trusted HTML for ``<head>`` (the dev server's reload
    script); builds leave it empty and templates then never see it.
    """
    return _Renderer(site, status, extra_head, strings=strings).render()


@dataclass(frozen=True)
class Page:
    """One output file, not yet rendered: what a cached build needs to skip it.

    `key` names everything the file shows except the site-wide inputs (the
    site's configuration, the theme's files, `extra_head` and the statusgen
    code), which the build adds; None for a file that is always rendered
    (the home page: it shows the build time). A maintenance window's state
    is part of every key that shows it, since it moves with the build time.
    """

    path: str
    """Output path, e.g. ``incidents/<id>/index.html``."""
    key: tuple[object, ...] | None
    render: Callable[[], bytes]


def html_pages(
    site: Site,
    status: SiteStatus,
    *,
    extra_head: str = "",
    bytecode: Path | None = None,
    main: SiteConfig | None = None,
    strings: Strings | None = None,
) -> list[Page]:
    """`render_html`'s files, in its order, each rendered only when asked to.

    `main`: the site's own configuration, when `site` is another language's
    edition (`render.editions`): every page then links its counterparts in
    each language by it. A page's key does not hold the language: the build
    keys every page by `Strings.digest` with the other site-wide inputs
    (`keys.site_digest`)."""
    renderer = _Renderer(site, status, extra_head, bytecode, strings)
    renderer.main = main or site.config
    return renderer.pages()


class _Renderer(ViewBuilder):
    """The pages: `ViewBuilder`'s views through the theme's templates."""

    main: SiteConfig | None = None
    """The site's main configuration (`html_pages`); None: `config` is it."""

    # --- pages -----------------------------------------------------------

    def meta(
        self,
        title: str,
        path: str | None,
        description: str = "",
        feeds: tuple[Link, ...] = (),
        nav: str = "",
        card: Badge | None = None,
        live: bool = False,
    ) -> PageMeta:
        """`card`: the status the page's social card shows (the site's own card
        when None); `live`: the page carries the build time (`PageMeta.built`)."""
        full = title if title == self.config.title else f"{title} · {self.config.title}"
        image = None
        if path is not None:
            key, alt = (card.key, card.label) if card else ("site", self.config.title)
            name = f"card-{key}.png"
            image = SocialImage(self.absolute_static(name), alt, CARD_SIZE)
        return PageMeta(
            title=full,
            description=description or self.config.description or self.config.title,
            canonical=self.absolute(path) if path is not None else "",
            feeds=feeds,
            nav=nav,
            image=image,
            built=self.when(self.now) if live else None,
        )

    def render_page(self, template: str, page: PageMeta, **values: Any) -> bytes:
        context: dict[str, Any] = {
            "site": self.site_view,
            "page": page,
            "t": self.t,
            **values,
        }
        main = self.main or self.config
        if main.other_languages and page.canonical:
            # The page's path in its edition: what `meta` made its canonical link of.
            path = page.canonical.removeprefix(self.config.base_url)
            context["alternates"] = alternates(main, path)
        if self.extra_head:
            context["extra_head"] = self.extra_head
        html = self.theme.env.get_template(template).render(context)
        return html.encode("utf-8")

    def t(self, key: str, **values: Any) -> Markup:
        """Templates' ``t("key", name=value)``: the text of `key` in the site's
        language, its placeholders filled with escaped values (HTML a macro
        made, such as a ``<time>``, stays HTML); a plural picks by ``count``."""
        if key not in self.strings.messages:  # a theme's template naming a wrong key
            near = closest(key, self.strings.messages)
            hint = f" (did you mean {near}?)" if near else ""
            raise StatusgenError(f"a template asks for the unknown string {key!r}{hint}")
        pattern = self.strings.pattern(key, values.get("count"))
        return Markup.escape(pattern).format(**values)

    def render(self) -> dict[str, bytes]:
        return {page.path: page.render() for page in self.pages()}

    def state_key(self, entry: Entry) -> tuple[str, str, str, str]:
        """What a page shows of an entry, as far as a cache key needs it: the
        entry's file (its content hash) and, for a window, its state at the
        build time. Entries made in code have no hash: their pages are never
        cached (the key then holds the empty digest and the build skips it)."""
        state = maintenance_state(entry, self.now).value if isinstance(entry, Maintenance) else ""
        if self.live(entry):  # its pages carry the build time
            state += f"@{self.now.isoformat()}"
        return (entry.kind.value, entry.id, entry.source.digest, state)

    def live(self, entry: Entry) -> bool:
        """Still moving at the build time: an ongoing incident or a window not yet
        completed. A page that shows one carries the build time, for
        static/clock.js to move the window on and to say how old the page is;
        other pages keep their bytes from build to build (and the cache)."""
        if isinstance(entry, Incident):
            return entry.resolved is None
        if isinstance(entry, Maintenance):
            return maintenance_state(entry, self.now) is not MaintenanceStatus.COMPLETED
        return False

    def pages(self) -> list[Page]:
        site = self.site
        config = self.config
        pages: list[Page] = []
        sitemap: list[SitemapUrl] = []

        def add(
            path: str,
            key: tuple[object, ...] | None,
            render: Callable[[], bytes],
            lastmod: datetime | None,
        ) -> None:
            pages.append(Page(urls.output_file(path), key, render))
            sitemap.append(SitemapUrl(self.absolute(path), w3c(lastmod)))

        everything: list[Entry] = sorted(
            (*site.incidents, *site.maintenances, *site.news),
            key=lambda e: (entry_time(e), e.id),
            reverse=True,
        )
        # Per entry object (a news item may share its id with an incident): its
        # page path, when that page last changed, and its part of a cache key.
        known: dict[int, tuple[str, datetime | None, tuple[str, str, str, str]]] = {
            id(e): (urls.entry_path(e), last_change(e, self.now), self.state_key(e))
            for e in everything
        }

        def newest(entries: Iterable[Entry]) -> datetime | None:
            times = (known[id(e)][1] for e in entries)
            return max((t for t in times if t is not None), default=None)

        def shown(entries: Sequence[Entry]) -> tuple[tuple[str, str, str, str], ...] | None:
            """The entries' key parts; None when one was made in code (no digest)."""
            parts = tuple(known[id(e)][2] for e in entries)
            return parts if all(part[2] for part in parts) else None

        add("", None, self.home_page, newest(everything))

        for entry in (*site.incidents, *site.maintenances):
            path, changed, part = known[id(entry)]
            key = ("entry", part) if part[2] else None
            add(path, key, partial(self.entry_page, entry), changed)

        for item in site.news:
            path, changed, part = known[id(item)]
            key = ("news", part) if part[2] else None
            add(path, key, partial(self.news_page, item), changed)

        chunks = [
            everything[i : i + HISTORY_PAGE_SIZE]
            for i in range(0, len(everything), HISTORY_PAGE_SIZE)
        ] or [[]]
        for number, chunk in enumerate(chunks, 1):
            parts = shown(chunk)
            add(
                history_path(number),
                None if parts is None else ("history", number, len(chunks), parts),
                partial(self.history_page, chunk, number, len(chunks)),
                newest(chunk),
            )

        for service in config.services:
            entries = self.affecting[service.id]
            parts = shown(entries)
            row = repr(self.rows[service.id])
            add(
                urls.service_path(service.id),
                None if parts is None else ("service", service.id, row, parts),
                partial(self.service_page, service, entries),
                newest(entries),
            )

        pages.append(
            Page(
                "404.html",
                ("404",),
                lambda: self.render_page(
                    "404.html", self.meta(self.strings("not_found.title"), None)
                ),
            )
        )
        pages.append(
            Page(
                "sitemap.xml",
                ("sitemap", tuple((u.loc, u.lastmod) for u in sitemap)),
                lambda: (
                    self.theme.env.get_template("sitemap.xml").render(urls=sitemap).encode("utf-8")
                ),
            )
        )
        maps = "".join(f"Sitemap: {a.href}\n" for a in self.sitemaps())
        robots = f"User-agent: *\nAllow: /\n\n{maps}".encode()
        pages.append(Page("robots.txt", None, lambda: robots))
        for path, data in self.theme.static.items():
            if path.endswith(".xsl"):  # the feeds' page in a browser: its words
                data = localise(data, self.strings)
            pages.append(Page(path, None, partial(bytes, data)))
        return pages

    def sitemaps(self) -> tuple[Alternate, ...]:
        """Every edition's sitemap (robots.txt names them all)."""
        main = self.main or self.config
        found = alternates(main, "sitemap.xml")[:-1]  # less x-default: the main one again
        return found or (Alternate(main.language, self.absolute("sitemap.xml")),)

    def home_page(self) -> bytes:
        overall = self.status.overall
        banner = indicator_badge(overall.indicator, overall_text(overall, self.strings))
        page = self.meta(self.config.title, "", nav="home", card=banner, live=True)
        return self.render_page("index.html", page, home=self.home_view())

    def entry_page(self, entry: Incident | Maintenance) -> bytes:
        view = self.entries[entry.id]
        page = self.meta(
            view.title,
            urls.entry_path(entry),
            self.strings(
                "entry.description",
                kind=view.kind_label,
                status=view.badge.label,
                services=view.affected_text,
            ),
            card=view.badge,
            live=self.live(entry),
        )
        return self.render_page("incident.html", page, entry=view)

    def news_page(self, item: NewsItem) -> bytes:
        view = self.news[item.id]
        card = news_badge(self.strings)
        page = self.meta(view.title, urls.entry_path(item), view.summary, card=card)
        return self.render_page("news.html", page, item=view)

    def history_page(self, chunk: Sequence[Entry], number: int, pages: int) -> bytes:
        view = self.history_view(chunk, number, pages)
        t = self.strings
        title = t("history.title") if number == 1 else t("history.title_page", page=number)
        page = self.meta(
            title,
            history_path(number),
            t("history.description"),
            nav="history",
            live=any(self.live(e) for e in chunk),
        )
        return self.render_page("history.html", page, history=view)

    def service_page(self, service: Service, entries: Sequence[Incident | Maintenance]) -> bytes:
        row = self.rows[service.id]
        t = self.strings
        feeds = (
            Link(
                self.link(f"feeds/services/{service.id}.rss"),
                t("feed.rss", name=service.name),
                "rss",
                "application/rss+xml",
            ),
            Link(
                self.link(f"feeds/services/{service.id}.atom"),
                t("feed.atom", name=service.name),
                "rss",
                "application/atom+xml",
            ),
        )
        shown = tuple(self.entries[e.id] for e in entries)
        view = ServicePage(row, shown, feeds, legend(t))
        path = urls.service_path(service.id)
        page = self.meta(
            service.name,
            path,
            service.description or t("service.description", service=service.name),
            feeds,
            card=row.badge,
            live=any(self.live(e) for e in entries),
        )
        return self.render_page("service.html", page, service=view)

    def history_view(self, chunk: Sequence[Entry], number: int, pages: int) -> HistoryView:
        months: dict[str, list[HistoryItem]] = {}
        for entry in chunk:
            months.setdefault(month_name(entry_time(entry), self.strings), []).append(
                self.history_item(entry)
            )
        return HistoryView(
            months=tuple(MonthView(name, tuple(items)) for name, items in months.items()),
            page=number,
            pages=pages,
            previous_href=self.link(history_path(number - 1)) if number > 1 else "",
            next_href=self.link(history_path(number + 1)) if number < pages else "",
        )


def history_path(number: int) -> str:
    return "history/" if number == 1 else f"history/page/{number}/"


def w3c(moment: datetime | None) -> str:
    """Sitemap ``lastmod``: the instant in UTC, or ``""``."""
    if moment is None:
        return ""
    if moment.tzinfo is not UTC:  # the model's times already are
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="seconds")


_MARKER = re.compile(rb"@@([a-z_]+(?:\.[a-z_]+)+)@@")


def localise(data: bytes, strings: Strings) -> bytes:
    """A static XSLT's ``@@key@@`` markers as the catalogue's text (XML-escaped);
    a marker naming no key is left as it is."""

    def text(match: re.Match[bytes]) -> bytes:
        key = match.group(1).decode()
        if key not in strings.messages:
            return match.group(0)
        return escape(strings(key), quote=False).encode("utf-8")

    return _MARKER.sub(text, data)
