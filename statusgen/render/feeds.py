"""RSS 2.0 and Atom feeds: model -> ``{output path: bytes}``, pure.

Files: ``feeds/all``, ``feeds/incidents`` (incidents and maintenance),
``feeds/news`` and ``feeds/services/<id>`` (that service's incidents and
maintenance), each as ``.rss`` and ``.atom``.

One feed entry per update
-------------------------
A follower must learn of every incident update, not only of the incident's
creation (SPEC, "Outputs"), and a feed reader shows an entry once: it does
not re-announce an entry whose content changed. So an incident or a
maintenance window is not one entry but several, one per event:

- each update of an incident is an entry titled ``<Status>: <title>``
  (e.g. "Investigating: Email delivery delays"), dated at the update's time,
  whose content is the update's message and the affected services;
- an incident without updates gets one entry for its opening,
  "Investigating: <title>", dated when it started, with its body;
- a resolved incident none of whose updates says "resolved" gets one more
  entry, "Resolved: <title>", dated when it was resolved, so the resolution
  is never silent;
- a maintenance window gets one entry per lifecycle event:

  - its announcement, "Scheduled: <title>", with the window, the body and
    the affected services. A first update with status ``scheduled`` *is*
    the announcement (its message leads the entry, dated at its time), not a
    second "Scheduled" entry. Without one the model has no announcement
    date, so the entry is dated at the earliest of the window's start and
    its updates' times (an upcoming window without updates sits at the top
    of a newest-first feed until it begins);
  - "In progress: <title>" at its start and "Completed: <title>" at its end,
    once the build time has passed them, unless an update of the window
    says so itself (an ``in_progress`` or ``completed`` update is that
    entry). A recurring window (``rrule:``) has none: it is announced once
    for the series, and its occurrences are the calendar's;
  - "Rescheduled: <title>" for each move, with the new window, dated when a
    build first saw it (the manifest's move history, ``moves``);
  - one entry per other update;
- a news item is one entry: content is its body, summary its summary.

Identity: an entry's id (Atom id, RSS guid) is the entry's absolute URL
plus a fragment naming the event, so it never changes once published and
a reader never shows the same update twice:

- an update: ``#u-<UTC time>``, e.g. ``#u-20261122T0845Z`` (seconds added
  when non-zero; a second update in the same minute gets ``-2``, and so
  on). UTC, so a site's time zone change or a DST fold cannot change or
  duplicate it. `update_anchors` gives the same fragments for the
  incident pages;
- an incident's opening ``#opened``, its resolution ``#resolved``, a
  window's announcement ``#scheduled``, start ``#started``, end ``#ended``
  and n-th move ``#moved-<n>`` (a corrected move keeps its id);
- a news item: its URL, no fragment.

Every entry links to its page at that fragment.

Order and size: newest first by event time (ties: by entry id, then the
events' own order), at most ``config.feeds.limit`` entries per feed. Only
entries that make it into some feed are turned into `FeedEntry` objects,
once each, and shared by every feed that lists them: a site with 10,000
incidents costs a sort and ``limit`` entries per feed, not 10,000 contents.

Reproducible: the bytes depend on the site, its windows' move history, and
the build time only through which windows have started or ended (never the
time itself), so an unchanged feed keeps its bytes and its HTTP caching. A
feed's ``updated`` / ``lastBuildDate`` is its newest entry's time, or the
Unix epoch for an empty feed; the generator is plain ``statusgen``
without a version.

Read in a browser: each feed starts with an ``<?xml-stylesheet?>``
processing instruction naming the theme's ``static/feed.xsl`` (root-relative,
since browsers apply XSLT only from the feed's own origin), which turns it
into a page with the feed's address to copy into a reader. Readers ignore it.

Safety: titles and names are text, escaped by lxml; HTML content comes
only from `markup.to_html` (sanitised) and from the few tags built here
around escaped text. Characters XML cannot carry (control characters) are
dropped rather than failing the build.

RSS does not say whether a title is text or HTML, and readers differ: some
show ``<img src=x onerror=...>`` as text, others run it. So in RSS the
item ``<title>``, the news tags' ``<category>`` and the channel's
``<title>`` and ``<description>`` are `plain_text`: no tag, comment or
script survives, and no character reference is left that a reader which
decodes HTML would turn into one (WordPress strips RSS titles of tags for
the same reason). Words stay: "Upgrade <2 minutes" and "Email & calendar"
read as written. Atom says ``type="text"``, so its titles and category
terms keep every character; an item's ``<description>`` is sanitised HTML
already.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any, NamedTuple

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from .. import urls
from ..i18n.strings import Strings, strings_for
from ..markup import to_html
from ..model import (
    EntryKind,
    Incident,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Site,
    SiteConfig,
    Update,
)
from ..status import SiteStatus, opened_event, resolved_event

FEEDS_DIR = "feeds/"

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""``updated`` of an empty feed: fixed, so an empty feed's bytes never change."""

GENERATOR = "statusgen"

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

STYLESHEET = "static/feed.xsl"
"""The XSLT (a theme static file) that feeds name for browsers."""

_WINDOW_EVENTS = {
    "started": "status.in_progress",
    "ended": "status.completed",
    "moved": "status.rescheduled",
}
"""The title word (its catalogue key) of a window's automatic events."""

_RSS_TYPE = "application/rss+xml"
_ATOM_TYPE = "application/atom+xml"

# XML 1.0 forbids most C0 controls and some code points even as references;
# lxml refuses them, so one stray character would otherwise fail the build.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# What an HTML reader takes for markup, as its tokenizer does: a script or
# style element with its code, a comment, or ``<`` before a letter, ``/``,
# ``!`` or ``?`` up to the next ``>`` (or the end: a tag cut off by the end
# of the title would swallow whatever the reader puts after it). A ``<``
# before anything else, as in "<2 minutes", is text to HTML too.
_MARKUP = re.compile(
    r"<(script|style)\b.*?(?:</\1\b[^>]*(?:>|\Z)|\Z)"
    r"|<!--.*?(?:-->|\Z)"
    r"|<[a-z/!?][^>]*(?:>|\Z)",
    re.IGNORECASE | re.DOTALL,
)


def render_feeds(
    site: Site,
    status: SiteStatus,
    moves: Mapping[str, Sequence[Sequence[str]]] | None = None,
    strings: Strings | None = None,
) -> dict[str, bytes]:
    """Every feed of the site, as ``{"feeds/all.rss": b"...", ...}``.

    `status` gives only the build time, for which windows have started or
    ended. `moves` maps a window's id to its moves as ``(seen at, start, end)``
    ISO 8601 texts (`manifest.EntryRecord.moves`); missing ids have none.
    """
    config = site.config
    t = strings if strings is not None else strings_for(config)
    found = _items(site, status.now, moves or {})
    items = sorted(found, key=lambda i: (i.time, i.source.id, i.step, i.id), reverse=True)
    limit = config.feeds.limit
    entries: dict[str, FeedEntry] = {}
    services = {s.id: s.name for s in config.services}

    def entry(item: _Item) -> FeedEntry:
        # Built on first use and shared: feedgen serialises a FeedEntry
        # afresh for each feed and does not modify it (we load no extensions).
        if item.id not in entries:
            entries[item.id] = _feed_entry(item, services, config, t)
        return entries[item.id]

    # Newest first already, so the first `limit` that match are the feed.
    def first(keep: Callable[[_Item], bool]) -> list[_Item]:
        return list(islice((i for i in items if keep(i)), max(limit, 0)))

    feeds: list[tuple[str, str, str, list[_Item]]] = [
        ("all", config.title, "", first(lambda i: True)),
        (
            "incidents",
            t("feed.incidents", site=config.title),
            "history/",
            first(lambda i: i.kind is not EntryKind.NEWS),
        ),
        ("news", t("feed.news", site=config.title), "", first(lambda i: i.kind is EntryKind.NEWS)),
    ]
    # The services' feeds in one pass over the items: filtering every item
    # for every service grew with their product (a catalogue of thousands).
    per_service = _per_service(items, limit)
    for service in config.services:
        feeds.append(
            (
                f"services/{service.id}",
                t("feed.service", site=config.title, service=service.name),
                urls.service_path(service.id),
                per_service.get(service.id, []),
            )
        )

    out: dict[str, bytes] = {}
    for name, title, page, chosen in feeds:
        updated = chosen[0].time if chosen else EPOCH
        rss, atom = _feed(config, t.tag, name, title, page, [entry(i) for i in chosen], updated)
        out[f"{FEEDS_DIR}{name}.rss"] = rss
        out[f"{FEEDS_DIR}{name}.atom"] = atom
    return out


def update_anchors(updates: Sequence[Update]) -> list[str]:
    """The fragment (without ``#``) of each update, in the given order.

    ``u-`` and the update's time in UTC, ``u-20261122T0845Z``; seconds only
    when non-zero; repeats within one entry numbered ``-2``, ``-3``. Pages
    that show a timeline should give each update this ``id`` so that feed
    links land on it.
    """
    seen: dict[str, int] = {}
    anchors = []
    for update in updates:
        base = "u-" + _utc_stamp(update.at)
        seen[base] = seen.get(base, 0) + 1
        anchors.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return anchors


# --- the entries, before XML --------------------------------------------------


class _Item(NamedTuple):
    """One feed entry as data: cheap to make for every event on the site,
    turned into a FeedEntry only when some feed lists it."""

    time: datetime
    id: str
    """Absolute URL with the event's fragment: the Atom id and RSS guid."""
    event: str
    """``update``, ``opened``, ``resolved``, ``scheduled``, ``started``, ``ended``,
    ``moved`` or ``news``."""
    source: Incident | Maintenance | NewsItem
    step: int
    """Position among its entry's events, so events at one instant keep their order."""
    update: Update | None = None
    window: tuple[datetime, datetime] | None = None
    """A move's new start and end."""

    @property
    def kind(self) -> EntryKind:
        return self.source.kind

    @property
    def service_ids(self) -> tuple[str, ...]:
        source = self.source
        return () if isinstance(source, NewsItem) else source.service_ids


def _items(
    site: Site, now: datetime, moves: Mapping[str, Sequence[Sequence[str]]]
) -> Iterator[_Item]:
    # `_new` skips the NamedTuple's Python-level constructor: a large site has
    # tens of thousands of events, and this is most of what a feed costs.
    config = site.config
    for incident in site.incidents:
        url = urls.absolute(config, urls.entry_path(incident))
        anchors = update_anchors(incident.updates)
        if (opened_at := opened_event(incident)) is not None:
            yield _new(_Item, (opened_at, f"{url}#opened", "opened", incident, 0, None, None))
        for step, (update, anchor) in enumerate(zip(incident.updates, anchors, strict=True), 1):
            yield _new(
                _Item, (update.at, f"{url}#{anchor}", "update", incident, step, update, None)
            )
        if (resolved_at := resolved_event(incident)) is not None:
            last = len(incident.updates) + 1
            yield _new(
                _Item, (resolved_at, f"{url}#resolved", "resolved", incident, last, None, None)
            )
    for window in site.maintenances:
        yield from _window_items(config, window, now, moves.get(window.id, ()))
    for news in site.news:
        url = urls.absolute(config, urls.entry_path(news))
        yield _new(_Item, (news.date, url, "news", news, 0, None, None))


def _window_items(
    config: SiteConfig, window: Maintenance, now: datetime, moves: Sequence[Sequence[str]]
) -> Iterator[_Item]:
    """A window's announcement, start, end, moves and updates (module docstring)."""
    url = urls.absolute(config, urls.entry_path(window))
    updates = window.updates
    anchors = update_anchors(updates)
    told = {u.status for u in updates}
    # A first update saying "scheduled" is the announcement itself.
    opening = updates[0] if updates and updates[0].status is MaintenanceStatus.SCHEDULED else None
    announced = opening.at if opening else min([window.start, *(u.at for u in updates)])
    yield _new(_Item, (announced, f"{url}#scheduled", "scheduled", window, 0, opening, None))
    for step, (update, anchor) in enumerate(zip(updates, anchors, strict=True), 1):
        if update is not opening:
            yield _new(_Item, (update.at, f"{url}#{anchor}", "update", window, step, update, None))
    last = len(updates) + 1
    for number, (seen, start, end) in enumerate(moves, 1):
        new = (datetime.fromisoformat(start), datetime.fromisoformat(end))
        moved = (datetime.fromisoformat(seen), f"{url}#moved-{number}", "moved", window)
        yield _new(_Item, (*moved, last + number, None, new))
    if window.rrule:
        return
    if now >= window.start and MaintenanceStatus.IN_PROGRESS not in told:
        yield _new(_Item, (window.start, f"{url}#started", "started", window, 0, None, None))
    if now >= window.end and MaintenanceStatus.COMPLETED not in told:
        yield _new(_Item, (window.end, f"{url}#ended", "ended", window, last, None, None))


_new = tuple.__new__


def _per_service(items: Iterable[_Item], limit: int) -> dict[str, list[_Item]]:
    """The first `limit` items naming each service id, in the given order."""
    found: dict[str, list[_Item]] = {}
    for item in items:
        for service_id in dict.fromkeys(item.service_ids):
            chosen = found.setdefault(service_id, [])
            if len(chosen) < limit:
                chosen.append(item)
    return found


class _Entry(FeedEntry):
    """A feed entry whose RSS item holds plain text where RSS is ambiguous.

    One object serves both formats (feedgen gives an entry one title for
    both), so the RSS item is made plain as feedgen builds it: Atom keeps
    the title as written.

    On a bilingual site's other edition, a text that fell back to the main
    language is marked with it: an Atom element whose whole text is in it
    gets ``xml:lang`` (`langs`), a part of the HTML content a ``<div lang>``
    (`_in_lang`, for RSS too). A title that joins the edition's status word
    to an untranslated title stays unmarked: a text element has one language.
    """

    def __init__(self) -> None:
        super().__init__()
        self.langs: dict[str, str] = {}
        """Atom element name (``title``, ``summary``, ``content``) -> its ``xml:lang``."""

    def atom_entry(self, extensions: bool = True) -> Any:  # lxml element
        entry = super().atom_entry(extensions)
        for element in entry:
            lang = self.langs.get(element.tag.rpartition("}")[2])
            if lang:
                element.set(_XML_LANG, lang)
        return entry

    def rss_entry(self, extensions: bool = True) -> Any:  # lxml element
        item = super().rss_entry(extensions)
        for element in list(item):
            if element.tag in ("title", "category"):
                element.text = plain_text(element.text or "")
                if element.tag == "category" and not element.text:
                    item.remove(element)  # a tag that was only markup
        return item


def _feed_entry(item: _Item, services: dict[str, str], config: SiteConfig, t: Strings) -> FeedEntry:
    source = item.source
    entry = _Entry()
    entry.id(item.id)
    entry.link(href=item.id, rel="alternate")
    entry.published(item.time)
    entry.updated(item.time)
    fell_back = source.text_lang
    if isinstance(source, NewsItem):
        entry.title(_xml(source.title))
        if source.body.strip():
            entry.content(_xml(to_html(source.body)), type="html")
        entry.summary(_xml(source.summary or source.title))
        summary = "summary" if source.summary else "title"
        for name, key in (("title", "title"), ("content", "body"), ("summary", summary)):
            if fell_back.get(key):
                entry.langs[name] = fell_back[key]
        for tag in source.tags:
            entry.category(term=_xml(tag))
        return entry

    window = _window(source, t) if isinstance(source, Maintenance) else ""
    body = _in_lang(to_html(source.body), fell_back.get("body"))
    message = (
        _in_lang(to_html(item.update.message), item.update.text_lang.get("message"))
        if item.update
        else ""
    )
    if item.event == "scheduled":
        label = t("status.scheduled")
        parts = [message, body]
    elif item.update is not None:
        label = t(f"status.{item.update.status.value}")
        parts = [message]
    elif item.event in _WINDOW_EVENTS:
        label = t(_WINDOW_EVENTS[item.event])
        if item.window is not None:
            window = _window_text(*item.window, t)
        parts = [f"<p>{html.escape(label)}.</p>"]
    elif item.event == "resolved":
        label = t("status.resolved")
        parts = [f"<p>{html.escape(label)}.</p>"]
    else:  # opened
        label = t("status.investigating")
        parts = [body]
    if isinstance(source, Maintenance):
        parts.append(f"<p>{_escaped(t('feed.window'), window)}</p>")
        affected = [services.get(s, s) for s in source.service_ids]
    else:
        affected = [
            f"{services.get(s.service_id, s.service_id)} ({t(f'impact.{s.impact.value}')})"
            for s in source.services
        ]
    parts.append(f"<p>{_escaped(t('feed.affected'), ', '.join(affected))}</p>")
    if source.reference:
        parts.append(f"<p>{_escaped(t('feed.reference'), source.reference)}</p>")
    entry.title(_xml(f"{label}: {source.title}"))
    entry.content(_xml("\n".join(p for p in parts if p)), type="html")
    return entry


def _feed(
    config: SiteConfig,
    language: str,
    name: str,
    title: str,
    page: str,
    entries: Iterable[FeedEntry],
    updated: datetime,
) -> tuple[bytes, bytes]:
    """One feed as (RSS, Atom) bytes; `updated` is its newest entry's time."""
    rss_url = urls.absolute(config, f"{FEEDS_DIR}{name}.rss")
    atom_url = urls.absolute(config, f"{FEEDS_DIR}{name}.atom")
    site_url = urls.absolute(config, page)
    fg = FeedGenerator()
    fg.id(atom_url)
    fg.title(_xml(title))
    fg.subtitle(_xml(config.description or config.title))
    fg.author(name=_xml(config.title), uri=urls.absolute(config))
    fg.language(language)
    fg.generator(GENERATOR)
    # feedgen's default is the wall clock; this is the content's own time.
    fg.updated(updated)
    for entry in entries:  # already newest first; feedgen prepends by default
        fg.add_entry(entry, order="append")

    # RSS's channel <link> is the *last* link given, so self goes first and
    # the alternate (the page) last; each format names its own file as self.
    page_link = {"href": site_url, "rel": "alternate", "type": "text/html"}
    fg.link([{"href": rss_url, "rel": "self", "type": _RSS_TYPE}, page_link], replace=True)
    # RSS must have a title and a description: when one is markup alone, the
    # site's address stands in.
    rss_title = plain_text(title) or plain_text(config.base_url)
    fg.title(rss_title)
    fg.subtitle(plain_text(config.description or config.title) or rss_title)
    rss = fg.rss_str(pretty=True)
    fg.title(_xml(title))
    fg.subtitle(_xml(config.description or config.title))
    fg.link([{"href": atom_url, "rel": "self", "type": _ATOM_TYPE}, page_link], replace=True)
    atom = fg.atom_str(pretty=True)
    return _styled(rss, config), _styled(atom, config)


# --- small helpers ------------------------------------------------------------


def _styled(xml: bytes, config: SiteConfig) -> bytes:
    """`xml` with the stylesheet instruction after its declaration (lxml
    cannot place one before the root element through feedgen)."""
    head, sep, rest = xml.partition(b"?>\n")
    href = html.escape(urls.link(config, STYLESHEET))
    pi = f'<?xml-stylesheet href="{href}" type="text/xsl"?>\n'
    return head + sep + pi.encode() + rest


def _in_lang(fragment: str, lang: str | None) -> str:
    """HTML `fragment` marked as written in `lang` (None: the feed's own language)."""
    return f'<div lang="{html.escape(lang)}">{fragment}</div>' if lang and fragment else fragment


def _xml(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def plain_text(text: str) -> str:
    """`text` as plain text that reads the same whether a reader takes it for
    text or for HTML: markup removed, words kept.

    Tags, comments and scripts are removed and character references decoded,
    again until neither changes anything, so ``&lt;img ...&gt;`` goes the way
    of ``<img ...>`` and no reference is left for a reader to decode into a
    tag. Each round only shortens the text, so this ends. Runs of white space
    (left where a tag was) become one space.
    """
    text = _xml(text)
    while True:
        plain = _xml(html.unescape(_MARKUP.sub("", text)))
        if plain == text:
            return " ".join(text.split())
        text = plain


def _escaped(label: str, value: str) -> str:
    return f"<strong>{html.escape(label)}:</strong> {html.escape(value)}"


def _utc_stamp(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime's own padding of such years varies by platform
        return utc.strftime("%Y%m%dT%H%M%SZ" if utc.second else "%Y%m%dT%H%MZ")
    # The same text without strftime, which costs more than the rest of a feed
    # entry's bookkeeping when every update of a large site gets an anchor.
    stamp = f"{utc.year}{utc.month:02d}{utc.day:02d}T{utc.hour:02d}{utc.minute:02d}"
    return f"{stamp}{utc.second:02d}Z" if utc.second else f"{stamp}Z"


def _window(window: Maintenance, t: Strings) -> str:
    """``29 Nov 2026 06:00 GMT to 29 Nov 2026 08:00 GMT`` in the site's zone."""
    return _window_text(window.start, window.end, t)


def _window_text(start: datetime, end: datetime, t: Strings) -> str:
    return t("feed.window_text", start=_local(start, t), end=_local(end, t))


def _local(moment: datetime, t: Strings) -> str:
    _, day, clock = t.moment(moment)
    return f"{day} {clock}"
