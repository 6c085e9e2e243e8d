"""The RSS 2.0 and Atom rules a feed validator enforces that feedparser forgives.

feedparser reads almost anything; readers and aggregators are stricter. This
checks one feed document and returns one line per problem,
``line N: where: what is wrong`` (empty when the feed is fine):

RSS 2.0: ``<rss version="2.0">`` with one channel holding title, link and
description; an ``atom:link rel="self"`` equal to the feed's own URL; every
item with a title or description, a guid (unique, and an absolute URL unless
``isPermaLink="false"``) and a pubDate; RFC 822 dates with a zone; absolute
links, also inside the escaped HTML of descriptions.

Atom (RFC 4287): feed id, title and updated; an author on the feed or on
every entry; a ``link rel="self"`` equal to the feed's own URL; every entry
with id, title and updated, and content or an alternate link; unique entry
ids; RFC 3339 dates with an offset; absolute links, also inside HTML content.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
A = f"{{{ATOM_NS}}}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"

# RFC 3339 date-time as RFC 4287 §3.3 restricts it: upper-case T and Z, an offset required.
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def check_feed(data: bytes, self_url: str) -> list[str]:
    """Problems of one RSS 2.0 or Atom document published at `self_url`."""
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        return [f"line {exc.lineno}: not well-formed XML: {exc.msg}"]
    if root.tag == "rss":
        return _Checker(self_url).rss(root)
    if root.tag == f"{A}feed":
        return _Checker(self_url).atom(root)
    return [f"line {root.sourceline}: <{root.tag}>: neither <rss> nor an Atom <feed>"]


def is_absolute(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class _Checker:
    def __init__(self, self_url: str) -> None:
        self.self_url = self_url
        self.problems: list[str] = []

    def add(self, element: etree._Element, where: str, message: str) -> None:
        self.problems.append(f"line {element.sourceline}: {where}: {message}")

    # --- shared -------------------------------------------------------------

    def text_of(self, parent: etree._Element, tag: str, where: str) -> str | None:
        """The text of the one required child `tag`, or None after reporting."""
        found = parent.findall(tag)
        name = tag.removeprefix(A)
        if not found:
            self.add(parent, where, f"<{name}> is missing")
            return None
        if len(found) > 1:
            self.add(found[1], where, f"<{name}> appears {len(found)} times (once allowed)")
        text = (found[0].text or "").strip()
        if not text:
            self.add(found[0], where, f"<{name}> is empty")
            return None
        return text

    def link(self, element: etree._Element, where: str, url: str | None) -> None:
        if url is None or not is_absolute(url):
            self.add(element, where, f"link {url!r} is not an absolute http(s) URL")

    def html_links(self, element: etree._Element, where: str) -> None:
        """Relative href/src inside escaped HTML: a reader has no base to resolve them."""
        for url in _html_urls(element.text or ""):
            if not is_absolute(url) and not url.startswith(("mailto:", "tel:")):
                self.add(element, where, f"relative link {url!r} inside the HTML")

    def self_link(self, links: list[etree._Element], parent: etree._Element, where: str) -> None:
        selves = [link for link in links if link.get("rel") == "self"]
        if not selves:
            self.add(parent, where, f'no <link rel="self"> (expected href {self.self_url!r})')
        for link in selves:
            if link.get("href") != self.self_url:
                self.add(
                    link,
                    where,
                    f'rel="self" href {link.get("href")!r} is not the feed\'s URL '
                    f"{self.self_url!r}",
                )

    # --- RSS 2.0 ------------------------------------------------------------

    def rss(self, root: etree._Element) -> list[str]:
        if root.get("version") != "2.0":
            self.add(root, "rss", f"version {root.get('version')!r} is not '2.0'")
        channels = root.findall("channel")
        if len(channels) != 1:
            self.add(root, "rss", f"{len(channels)} <channel> elements (exactly one required)")
        if not channels:
            return self.problems
        channel = channels[0]
        self.text_of(channel, "title", "channel")
        link = self.text_of(channel, "link", "channel")
        if link is not None:
            self.link(channel.find("link"), "channel", link)
        if channel.find("description") is None:
            self.add(channel, "channel", "<description> is missing")
        atom_links = channel.findall(f"{A}link")
        for atom_link in atom_links:
            self.link(atom_link, "channel atom:link", atom_link.get("href"))
        self.self_link(atom_links, channel, "channel atom:link")
        for tag in ("pubDate", "lastBuildDate"):
            for element in channel.findall(tag):
                self.rfc822(element, f"channel {tag}")
        guids: dict[str, int] = {}
        for number, item in enumerate(channel.findall("item"), 1):
            self.rss_item(item, number, guids)
        return self.problems

    def rss_item(self, item: etree._Element, number: int, guids: dict[str, int]) -> None:
        where = f"item {number}"
        title, description = item.find("title"), item.find("description")
        if title is None and description is None:
            self.add(item, where, "neither <title> nor <description>")
        for element in item.findall("link") + item.findall("comments"):
            self.link(element, f"{where} <{element.tag}>", (element.text or "").strip())
        for element in item.findall("enclosure") + item.findall("source"):
            self.link(element, f"{where} <{element.tag}>", element.get("url"))
        for element in [description, item.find(CONTENT_ENCODED)]:
            if element is not None:
                self.html_links(element, f"{where} <{etree.QName(element).localname}>")
        guid_text = self.text_of(item, "guid", where)
        if guid_text is not None:
            guid = item.find("guid")
            permalink = guid.get("isPermaLink", "true")
            if permalink not in ("true", "false"):
                self.add(guid, where, f"guid isPermaLink={permalink!r} (true or false)")
            elif permalink == "true" and not is_absolute(guid_text):
                self.add(
                    guid,
                    where,
                    f"guid {guid_text!r} is a permalink (isPermaLink defaults to true) "
                    "but not an absolute URL",
                )
            if guid_text in guids:
                self.add(guid, where, f"guid {guid_text!r} repeats item {guids[guid_text]}'s")
            else:
                guids[guid_text] = number
        if item.find("pubDate") is None:
            self.add(item, where, "<pubDate> is missing")
        for element in item.findall("pubDate"):
            self.rfc822(element, f"{where} pubDate")

    def rfc822(self, element: etree._Element, where: str) -> None:
        text = (element.text or "").strip()
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            self.add(element, where, f"{text!r} is not an RFC 822 date")
            return
        if when.tzinfo is None:
            self.add(element, where, f"{text!r} has no time zone")

    # --- Atom ---------------------------------------------------------------

    def atom(self, feed: etree._Element) -> list[str]:
        feed_id = self.text_of(feed, f"{A}id", "feed")
        if feed_id is not None and not urlsplit(feed_id).scheme:
            self.add(feed.find(f"{A}id"), "feed", f"id {feed_id!r} is not an absolute IRI")
        self.text_of(feed, f"{A}title", "feed")
        self.rfc3339(feed, f"{A}updated", "feed", required=True)
        feed_has_author = self.authors(feed, "feed")
        links = feed.findall(f"{A}link")
        self.atom_links(links, "feed")
        self.self_link(links, feed, "feed")
        ids: dict[str, int] = {}
        for number, entry in enumerate(feed.findall(f"{A}entry"), 1):
            where = f"entry {number}"
            entry_id = self.text_of(entry, f"{A}id", where)
            if entry_id is not None:
                if not urlsplit(entry_id).scheme:
                    self.add(entry, where, f"id {entry_id!r} is not an absolute IRI")
                if entry_id in ids:
                    self.add(entry, where, f"id {entry_id!r} repeats entry {ids[entry_id]}'s")
                else:
                    ids[entry_id] = number
            self.text_of(entry, f"{A}title", where)
            self.rfc3339(entry, f"{A}updated", where, required=True)
            self.rfc3339(entry, f"{A}published", where, required=False)
            if not self.authors(entry, where) and not feed_has_author:
                self.add(entry, where, "no <author> here or on the feed")
            entry_links = entry.findall(f"{A}link")
            self.atom_links(entry_links, where)
            content = entry.find(f"{A}content")
            alternates = [
                link for link in entry_links if link.get("rel", "alternate") == "alternate"
            ]
            if content is None and not alternates:
                self.add(entry, where, 'neither <content> nor a <link rel="alternate">')
            for element in (content, entry.find(f"{A}summary")):
                if element is not None and element.get("type") == "html":
                    self.html_links(element, f"{where} <{etree.QName(element).localname}>")
        return self.problems

    def atom_links(self, links: list[etree._Element], where: str) -> None:
        for link in links:
            self.link(
                link, f"{where} <link rel={link.get('rel', 'alternate')!r}>", link.get("href")
            )

    def authors(self, parent: etree._Element, where: str) -> bool:
        authors = parent.findall(f"{A}author")
        for author in authors:
            name = author.find(f"{A}name")
            if name is None or not (name.text or "").strip():
                self.add(author, where, "<author> without a <name>")
        return bool(authors)

    def rfc3339(self, parent: etree._Element, tag: str, where: str, *, required: bool) -> None:
        name = tag.removeprefix(A)
        elements = parent.findall(tag)
        if not elements:
            if required:
                self.add(parent, where, f"<{name}> is missing")
            return
        for element in elements:
            text = (element.text or "").strip()
            if not RFC3339.fullmatch(text):
                self.add(element, where, f"<{name}> {text!r} is not an RFC 3339 date with offset")
                continue
            try:
                datetime.fromisoformat(text)
            except ValueError:
                self.add(element, where, f"<{name}> {text!r} is not a real date and time")


class _UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(v for k, v in attrs if k in ("href", "src") and v is not None)


def _html_urls(html: str) -> list[str]:
    collector = _UrlCollector()
    collector.feed(html)
    collector.close()
    return collector.urls
