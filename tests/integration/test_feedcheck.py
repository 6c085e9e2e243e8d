"""The feed checker itself: quiet on good feeds, and each rule can fail.

Pure unit tests (no marker): they need nothing but lxml.
"""

from __future__ import annotations

import textwrap

import pytest

from .feedcheck import check_feed

RSS_URL = "https://status.example.ac.uk/feeds/all.rss"
ATOM_URL = "https://status.example.ac.uk/feeds/all.atom"

GOOD_RSS = """\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>IT status</title>
    <link>https://status.example.ac.uk/</link>
    <description>Live status</description>
    <atom:link href="https://status.example.ac.uk/feeds/all.rss" rel="self"
      type="application/rss+xml"/>
    <lastBuildDate>Tue, 24 Nov 2026 11:25:00 +0000</lastBuildDate>
    <item>
      <title>Investigating: Wi-Fi</title>
      <link>https://status.example.ac.uk/incidents/wifi/</link>
      <description>&lt;p&gt;See &lt;a href="https://status.example.ac.uk/"&gt;status&lt;/a&gt;&lt;/p&gt;</description>
      <guid isPermaLink="false">https://status.example.ac.uk/incidents/wifi/#u-1</guid>
      <pubDate>Tue, 24 Nov 2026 09:05:00 +0000</pubDate>
    </item>
    <item>
      <title>Identified: Wi-Fi</title>
      <guid>https://status.example.ac.uk/incidents/wifi/#u-2</guid>
      <pubDate>Tue, 24 Nov 2026 11:25:00 GMT</pubDate>
    </item>
  </channel>
</rss>
"""

GOOD_ATOM = """\
<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>https://status.example.ac.uk/feeds/all.atom</id>
  <title>IT status</title>
  <updated>2026-11-24T11:25:00+00:00</updated>
  <author><name>IT status</name></author>
  <link href="https://status.example.ac.uk/feeds/all.atom" rel="self"/>
  <link href="https://status.example.ac.uk/" rel="alternate" type="text/html"/>
  <entry>
    <id>https://status.example.ac.uk/incidents/wifi/#u-1</id>
    <title>Investigating: Wi-Fi</title>
    <updated>2026-11-24T09:05:00Z</updated>
    <published>2026-11-24T09:05:00.000+00:00</published>
    <content type="html">&lt;p&gt;Looking into it.&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:status.example.ac.uk,2026:wifi-2</id>
    <title>Identified: Wi-Fi</title>
    <updated>2026-11-24T11:25:00+00:00</updated>
    <link href="https://status.example.ac.uk/incidents/wifi/"/>
  </entry>
</feed>
"""


def test_good_feeds_have_no_problems() -> None:
    assert check_feed(GOOD_RSS.encode(), RSS_URL) == []
    assert check_feed(GOOD_ATOM.encode(), ATOM_URL) == []


def _broken(good: str, old: str, new: str) -> bytes:
    assert old in good, old
    return good.replace(old, new, 1).encode()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("<title>IT status</title>", "", "line 3: channel: <title> is missing"),
        ("<description>Live status</description>", "", "channel: <description> is missing"),
        (
            "<link>https://status.example.ac.uk/</link>",
            "<link>/</link>",
            "channel: link '/' is not an absolute http(s) URL",
        ),
        ('rel="self"', 'rel="alternate"', 'channel atom:link: no <link rel="self">'),
        (
            'atom:link href="https://status.example.ac.uk/feeds/all.rss"',
            'atom:link href="https://status.example.ac.uk/all.rss"',
            "is not the feed's URL 'https://status.example.ac.uk/feeds/all.rss'",
        ),
        ('version="2.0"', 'version="0.91"', "rss: version '0.91' is not '2.0'"),
        (
            "<pubDate>Tue, 24 Nov 2026 09:05:00 +0000</pubDate>",
            "<pubDate>2026-11-24 09:05</pubDate>",
            "item 1 pubDate: '2026-11-24 09:05' is not an RFC 822 date",
        ),
        (
            "<pubDate>Tue, 24 Nov 2026 09:05:00 +0000</pubDate>",
            "<pubDate>Tue, 24 Nov 2026 09:05:00 -0000</pubDate>",
            "has no time zone",
        ),
        (
            "<pubDate>Tue, 24 Nov 2026 09:05:00 +0000</pubDate>",
            "",
            "item 1: <pubDate> is missing",
        ),
        (
            '<guid isPermaLink="false">https://status.example.ac.uk/incidents/wifi/#u-1</guid>',
            "",
            "item 1: <guid> is missing",
        ),
        (
            '<guid isPermaLink="false">https://status.example.ac.uk/incidents/wifi/#u-1</guid>',
            "<guid>wifi-1</guid>",
            "guid 'wifi-1' is a permalink (isPermaLink defaults to true) but not an absolute URL",
        ),
        (
            "<guid>https://status.example.ac.uk/incidents/wifi/#u-2</guid>",
            '<guid isPermaLink="false">https://status.example.ac.uk/incidents/wifi/#u-1</guid>',
            "item 2: guid 'https://status.example.ac.uk/incidents/wifi/#u-1' repeats item 1's",
        ),
        (
            '&lt;a href="https://status.example.ac.uk/"',
            '&lt;a href="/history/"',
            "item 1 <description>: relative link '/history/' inside the HTML",
        ),
        ("<title>Identified: Wi-Fi</title>", "", "item 2: neither <title> nor <description>"),
        ("</channel>", "</channel><channel/>", "rss: 2 <channel> elements"),
        ("</rss>", "", "not well-formed XML"),
    ],
)
def test_each_rss_rule_can_fail(old: str, new: str, expected: str) -> None:
    problems = check_feed(_broken(GOOD_RSS, old, new), RSS_URL)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("<id>https://status.example.ac.uk/feeds/all.atom</id>", "", "feed: <id> is missing"),
        (
            "<id>https://status.example.ac.uk/feeds/all.atom</id>",
            "<id>all</id>",
            "not an absolute IRI",
        ),
        ("<title>IT status</title>", "", "feed: <title> is missing"),
        (
            "<updated>2026-11-24T11:25:00+00:00</updated>\n  <author>",
            "<author>",
            "feed: <updated> is missing",
        ),
        (
            "<updated>2026-11-24T11:25:00+00:00</updated>\n  <author>",
            "<updated>2026-11-24T11:25:00</updated><author>",
            "feed: <updated> '2026-11-24T11:25:00' is not an RFC 3339 date with offset",
        ),
        (
            "<updated>2026-11-24T09:05:00Z</updated>",
            "<updated>Tue, 24 Nov 2026 09:05:00 +0000</updated>",
            "entry 1: <updated> 'Tue, 24 Nov 2026 09:05:00 +0000' is not an RFC 3339 date",
        ),
        (
            "<published>2026-11-24T09:05:00.000+00:00</published>",
            "<published>2026-11-31T09:05:00+00:00</published>",
            "entry 1: <published> '2026-11-31T09:05:00+00:00' is not a real date and time",
        ),
        ("<author><name>IT status</name></author>", "", "entry 1: no <author> here or on the feed"),
        ("<author><name>IT status</name></author>", "<author/>", "feed: <author> without a <name>"),
        ('rel="self"', 'rel="related"', 'feed: no <link rel="self">'),
        (
            '<link href="https://status.example.ac.uk/feeds/all.atom" rel="self"/>',
            '<link href="https://status.example.ac.uk/feeds/news.atom" rel="self"/>',
            "rel=\"self\" href 'https://status.example.ac.uk/feeds/news.atom' is not the feed's",
        ),
        (
            '<link href="https://status.example.ac.uk/incidents/wifi/"/>',
            '<link href="/incidents/wifi/"/>',
            "entry 2 <link rel='alternate'>: link '/incidents/wifi/' is not an absolute",
        ),
        (
            '<link href="https://status.example.ac.uk/incidents/wifi/"/>',
            "",
            'entry 2: neither <content> nor a <link rel="alternate">',
        ),
        ("<title>Identified: Wi-Fi</title>", "", "entry 2: <title> is missing"),
        (
            "<updated>2026-11-24T11:25:00+00:00</updated>\n    <link",
            "<link",
            "entry 2: <updated> is missing",
        ),
        (
            "<id>tag:status.example.ac.uk,2026:wifi-2</id>",
            "<id>https://status.example.ac.uk/incidents/wifi/#u-1</id>",
            "entry 2: id 'https://status.example.ac.uk/incidents/wifi/#u-1' repeats entry 1's",
        ),
        (
            "&lt;p&gt;Looking into it.&lt;/p&gt;",
            "&lt;img src=&quot;map.png&quot;&gt;",
            "entry 1 <content>: relative link 'map.png' inside the HTML",
        ),
        ('xmlns="http://www.w3.org/2005/Atom"', "", "neither <rss> nor an Atom <feed>"),
    ],
)
def test_each_atom_rule_can_fail(old: str, new: str, expected: str) -> None:
    problems = check_feed(_broken(GOOD_ATOM, old, new), ATOM_URL)
    assert any(expected in p for p in problems), problems


def test_problems_carry_line_numbers() -> None:
    feed = textwrap.dedent(GOOD_ATOM).replace("<title>Identified: Wi-Fi</title>", "")
    assert check_feed(feed.encode(), ATOM_URL) == ["line 16: entry 2: <title> is missing"]
