"""Every view of a site, each made once (an entry appears on several pages) and on first use.

The pages (`html`) ask for views by id or key; links go through the base path
(`urls.link`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from .. import urls
from ..i18n.strings import Strings, strings_for
from ..markup import to_html
from ..model import (
    Entry,
    Impact,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Site,
    Update,
    entry_time,
)
from ..status import (
    ServiceStatus,
    SiteStatus,
    affecting,
    maintenance_state,
    opened_event,
    resolved_event,
)
from .feeds import update_anchors
from .formatting import (
    component_badge,
    duration,
    end_text,
    impact_badge,
    indicator_badge,
    legend,
    maintenance_badge,
    newest_first,
    news_badge,
    overall_text,
    uptime_view,
    when,
)
from .subscribe import channels, x_handle
from .theme import load_theme
from .views import (
    AffectedView,
    Badge,
    Banner,
    EntryView,
    GroupView,
    HistoryItem,
    HomeView,
    Link,
    NewsView,
    PastDay,
    ServiceRow,
    SiteView,
    UpdateView,
    When,
)

RECENT_NEWS = 5
"""News items on the home page."""


class _Lazy(dict[str, Any]):
    """Views made on first use: a cached build renders a few pages, not every view."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: str) -> Any:
        value = self[key] = self.make(key)
        return value


class ViewBuilder:
    """Builds each view once (an entry appears on several pages), on first use."""

    def __init__(
        self,
        site: Site,
        status: SiteStatus,
        extra_head: str,
        bytecode: Path | None = None,
        strings: Strings | None = None,
    ) -> None:
        self.site = site
        self.strings = strings if strings is not None else strings_for(site.config)
        """The language every word, date and number of the views is in."""
        self.status = status
        self.config = site.config
        self.zone = site.config.timezone
        self.now = status.now
        self.extra_head = extra_head
        self.theme = load_theme(self.config, bytecode)
        self.names = {s.id: s.name for s in self.config.services}
        self._whens: dict[float, When] = {}
        self._badges: dict[object, Badge] = {}
        windows: list[Incident | Maintenance] = [*site.incidents, *site.maintenances]
        by_id = {e.id: e for e in windows}
        news_by_id = {n.id: n for n in site.news}
        self.entries: dict[str, EntryView] = _Lazy(lambda i: self.entry_view(by_id[i]))
        # Windows by `Maintenance.key`: an occurrence of a series has its own times and state.
        by_key = {m.key: m for m in status.maintenances}
        self.windows: dict[str, EntryView] = _Lazy(lambda k: self.entry_view(by_key[k]))
        self.news: dict[str, NewsView] = _Lazy(lambda i: self.news_view(news_by_id[i]))
        links = {
            e.id: Link(self.link(urls.entry_path(e)), e.title, lang=_lang(e.text_lang, "title"))
            for e in windows
        }
        started = {e.id: entry_time(e) for e in windows}
        self.rows = {s.service.id: self.service_row(s, links, started) for s in status.services}
        self.site_view = self.make_site_view()
        self.affecting = affecting(site)

    # --- links -----------------------------------------------------------

    def link(self, path: str = "") -> str:
        return urls.link(self.config, path)

    def absolute(self, path: str = "") -> str:
        return urls.absolute(self.config, path)

    def static_link(self, name: str) -> str:
        """A theme file's link with a content hash, so caches can keep it for ever."""
        return self.link(f"static/{name}") + self._version(name)

    def absolute_static(self, name: str) -> str:
        """`static_link`, absolute (``og:image`` must be)."""
        return self.absolute(f"static/{name}") + self._version(name)

    def _version(self, name: str) -> str:
        data = self.theme.static.get(f"static/{name}", b"")
        return f"?v={hashlib.sha256(data).hexdigest()[:10]}"

    def make_site_view(self) -> SiteView:
        config = self.config
        t = self.strings
        feeds = (
            Link(
                self.link("feeds/all.rss"),
                t("feed.rss", name=config.title),
                "rss",
                "application/rss+xml",
            ),
            Link(
                self.link("feeds/all.atom"),
                t("feed.atom", name=config.title),
                "rss",
                "application/atom+xml",
            ),
        )
        subscribe = channels(config, self.link, self.absolute, t)
        # The clock's three states, in the words and colours of the pages.
        moves = ("SCHEDULED", "IN_PROGRESS", "COMPLETED")
        badges = [maintenance_badge(MaintenanceStatus[m], t) for m in moves]
        return SiteView(
            title=config.title,
            description=config.description,
            language=self.strings.tag,
            timezone=self.zone.key,
            home_href=self.link(),
            history_href=self.link("history/"),
            css_href=self.static_link("style.css"),
            icons_href=self.static_link("icons.svg"),
            icon_href=self.link("static/favicon.svg"),
            png_icon_href=self.static_link("favicon-32.png"),
            touch_icon_href=self.static_link("apple-touch-icon.png"),
            subscribe=subscribe,
            profiles=tuple(c.href for c in subscribe if c.profile),
            x_handle=x_handle(config),
            clock_src=self.static_link("clock.js"),
            clock_states="|".join(f"{b.key}:{b.icon}:{b.label}" for b in badges),
            clock_ago=t.pattern("clock.ago"),
            clock_hours=_forms(t, "clock.hours"),
            clock_days=_forms(t, "clock.days"),
            feeds=feeds,
        )

    # --- views -----------------------------------------------------------

    def when(self, moment: datetime) -> When:
        # Memoised by instant (not by datetime equality, which ignores `fold`
        # within one zone): most pages show the same few thousand moments.
        stamp = moment.timestamp()
        known = self._whens.get(stamp)
        if known is None:
            known = self._whens[stamp] = when(moment, self.zone, self.strings)
        return known

    def service_link(self, service_id: str) -> str:
        return self.link(urls.service_path(service_id))

    # Badges are small immutable values that a large site shows tens of thousands
    # of times: made once per (impact, status) rather than per update.

    def incident_badge(self, worst: Impact, status: IncidentStatus) -> Badge:
        """An incident status in the colour of its worst impact while open, green
        once resolved."""
        key = (worst, status)
        found = self._badges.get(key)
        if found is None:
            label = self.strings(f"status.{status.value}")
            if status is IncidentStatus.RESOLVED:
                found = Badge("ok", label, "ok")
            elif status is IncidentStatus.POSTMORTEM:
                # Resolved, so green; a page icon says a review was written.
                found = Badge("ok", label, "news")
            else:
                base = impact_badge(worst, self.strings)
                found = Badge(base.key, label, base.icon)
            self._badges[key] = found
        return found

    def impact_badge(self, impact: Impact) -> Badge:
        found = self._badges.get(impact)
        if found is None:
            found = self._badges[impact] = impact_badge(impact, self.strings)
        return found

    def update_views(
        self, updates: Sequence[Update], badge_of: Callable[[Update], Badge]
    ) -> list[tuple[datetime, UpdateView]]:
        anchors = update_anchors(updates)
        return [
            (
                u.at,
                UpdateView(
                    anchor,
                    self.when(u.at),
                    badge_of(u),
                    to_html(u.message),
                    _lang(u.text_lang, "message") if u.message else "",
                ),
            )
            for u, anchor in zip(updates, anchors, strict=True)
        ]

    def entry_view(self, entry: Incident | Maintenance) -> EntryView:
        href = self.link(urls.entry_path(entry))
        if isinstance(entry, Incident):
            incident = entry
            worst = incident.impact
            views = self.update_views(
                incident.updates, lambda u: self.incident_badge(worst, IncidentStatus(u.status))
            )
            # The same events as the feeds (status.py's rule), with the same fragments.
            if (opened_at := opened_event(incident)) is not None:
                opened = self.incident_badge(worst, IncidentStatus.INVESTIGATING)
                views.append((opened_at, UpdateView("opened", self.when(opened_at), opened, "")))
            if (resolved_at := resolved_event(incident)) is not None:
                views.append(
                    (
                        resolved_at,
                        UpdateView(
                            "resolved",
                            self.when(resolved_at),
                            self.incident_badge(worst, IncidentStatus.RESOLVED),
                            f"<p>{escape(self.strings('entry.resolved_message'))}</p>",
                        ),
                    )
                )
            affected = tuple(
                AffectedView(
                    self.names[a.service_id],
                    self.service_link(a.service_id),
                    self.impact_badge(a.impact),
                )
                for a in incident.services
            )
            start, end_at = incident.started, incident.resolved
            badge = self.incident_badge(worst, incident.status)
            impact: Badge | None = self.impact_badge(worst)
            kind_label = self.strings("kind.incident")
        else:
            views = self.update_views(
                entry.updates,
                lambda u: maintenance_badge(MaintenanceStatus(u.status), self.strings),
            )
            affected = tuple(
                AffectedView(self.names[sid], self.service_link(sid), None)
                for sid in entry.service_ids
            )
            start, end_at = entry.start, entry.end
            badge = dataclasses.replace(
                maintenance_badge(maintenance_state(entry, self.now), self.strings),
                starts=start.isoformat(),
                ends=end_at.isoformat(),
            )
            impact = None
            kind_label = self.strings("kind.maintenance")
        timeline = newest_first(views)
        start_when = self.when(start)
        end_when = self.when(end_at) if end_at is not None else None
        return EntryView(
            id=entry.id,
            kind=entry.kind.value,
            kind_label=kind_label,
            title=entry.title,
            href=href,
            badge=badge,
            impact=impact,
            affected=affected,
            affected_text=", ".join(a.name for a in affected),
            start=start_when,
            end=end_when,
            end_text=end_text(start_when, end_when) if end_when else "",
            duration=duration(start, end_at, self.strings) if end_at is not None else "",
            duration_text=self.strings(
                "duration.total", duration=duration(start, end_at, self.strings)
            )
            if end_at is not None
            else self.strings("duration.ongoing"),
            ongoing=isinstance(entry, Incident) and entry.resolved is None,
            reference=entry.reference,
            latest=timeline[0] if timeline else None,
            timeline=timeline,
            body_html=to_html(entry.body),
            title_lang=_lang(entry.text_lang, "title"),
            body_lang=_lang(entry.text_lang, "body"),
        )

    def news_view(self, item: NewsItem) -> NewsView:
        return NewsView(
            id=item.id,
            title=item.title,
            href=self.link(urls.entry_path(item)),
            when=self.when(item.date),
            summary=item.summary,
            tags=item.tags,
            body_html=to_html(item.body),
            title_lang=_lang(item.text_lang, "title"),
            summary_lang=_lang(item.text_lang, "summary") if item.summary else "",
            body_lang=_lang(item.text_lang, "body"),
        )

    def service_row(
        self, service: ServiceStatus, links: dict[str, Link], started: dict[str, datetime]
    ) -> ServiceRow:
        s = service.service
        return ServiceRow(
            id=s.id,
            name=s.name,
            description=s.description,
            href=self.service_link(s.id),
            badge=component_badge(service.status, self.strings),
            uptime=uptime_view(service, links, started, self.strings),
        )

    def home_view(self) -> HomeView:
        status = self.status
        overall = status.overall
        groups = tuple(
            GroupView(
                g.name,
                component_badge(g.status, self.strings),
                tuple(self.rows[s.service.id] for s in g.services),
            )
            for g in status.groups
        )
        return HomeView(
            banner=Banner(
                indicator_badge(overall.indicator, overall_text(overall, self.strings)),
                overall_text(overall, self.strings),
            ),
            as_of=self.when(self.now),
            ongoing=tuple(self.entries[i.id] for i in status.ongoing),
            active=tuple(self.windows[m.key] for m in status.active_maintenances),
            upcoming=tuple(self.windows[m.key] for m in status.upcoming_maintenances),
            past=tuple(
                PastDay(
                    d.day.isoformat(),
                    self.strings.date(d.day),
                    tuple(self.history_item(e) for e in d.entries),
                )
                for d in status.past
            ),
            groups=groups,
            legend=legend(self.strings),
            news=tuple(self.news[n.id] for n in self.site.news[:RECENT_NEWS]),
        )

    def history_item(self, entry: Entry) -> HistoryItem:
        if isinstance(entry, NewsItem):
            news = self.news[entry.id]
            return HistoryItem(
                news.title,
                news.href,
                self.strings("kind.news"),
                news_badge(self.strings),
                news.when,
                news.summary,
                title_lang=news.title_lang,
                detail_lang=news.summary_lang,
            )
        view = self.entries[entry.id]
        return HistoryItem(
            view.title,
            view.href,
            view.kind_label,
            view.badge,
            view.start,
            view.affected_text,
            view.impact,
            view.duration_text,
            title_lang=view.title_lang,
        )


def _lang(text_lang: Mapping[str, str], name: str) -> str:
    """The tag of the language text `name` fell back to, ``""`` for the page's own."""
    return text_lang.get(name) or ""


def _forms(t: Strings, key: str) -> str:
    """A plural as the clock script reads it: ``one:{count} hour|other:{count} hours``."""
    message = t.messages[key]
    forms = message.items() if not isinstance(message, str) else [("other", message)]
    return "|".join(f"{category}:{text}" for category, text in forms)
