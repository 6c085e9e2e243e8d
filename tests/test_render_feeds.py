"""RSS and Atom feeds: parsed back with feedparser, the way followers' readers see them."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import feedparser
import pytest
from conftest import NOW, at, make_config, make_site

from statusgen.i18n.strings import english_strings
from statusgen.model import (
    AffectedService,
    FeedsConfig,
    Impact,
    Incident,
    IncidentStatus,
    Site,
    Update,
)
from statusgen.render.feeds import render_feeds, update_anchors
from statusgen.render.html import localise
from statusgen.status import derive

ATOM = "{http://www.w3.org/2005/Atom}"
SERVICES = ("email", "webmail", "vpn", "wifi", "printing")
FEEDS = ("all", "incidents", "news", *(f"services/{s}" for s in SERVICES))

# Entries of make_site(): one per incident update, "Scheduled" plus one per
# update for each window, its start and end once past (printing: both; email
# patching's start is its own update), one per news item.
EXPECTED_COUNTS = {
    "all": 15,
    "incidents": 13,
    "news": 2,
    "services/email": 5,  # email incident (3 updates), patching (scheduled + 1 update)
    "services/webmail": 3,
    "services/vpn": 3,  # vpn incident (2 updates), wifi upgrade window
    "services/wifi": 3,  # wifi incident (2 updates), wifi upgrade window
    "services/printing": 3,  # scheduled, started, ended
}

# The entry pages each feed may link to.
SERVICE_ENTRIES = {
    "email": {"2026-11-22-email-delays", "2026-11-24-email-patching"},
    "webmail": {"2026-11-22-email-delays"},
    "vpn": {"2026-11-24-vpn-slow", "2026-11-29-wifi-upgrade"},
    "wifi": {"2026-10-25-wifi-dst", "2026-11-29-wifi-upgrade"},
    "printing": {"2026-11-01-printing-upgrade"},
}


def render(site: Site | None = None) -> dict[str, bytes]:
    site = site or make_site()
    return render_feeds(site, derive(site, NOW))


def parse(data: bytes, fmt: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == {"rss": "rss20", "atom": "atom10"}[fmt]
    return parsed


def entry_ids(parsed: feedparser.FeedParserDict) -> list[str]:
    return [e.id for e in parsed.entries]


def test_every_feed_is_written() -> None:
    assert set(render()) == {f"feeds/{name}.{fmt}" for name in FEEDS for fmt in ("rss", "atom")}


@pytest.mark.parametrize("fmt", ["rss", "atom"])
@pytest.mark.parametrize("name", FEEDS)
def test_feed_parses_with_expected_entries_newest_first(name: str, fmt: str) -> None:
    parsed = parse(render()[f"feeds/{name}.{fmt}"], fmt)

    assert len(parsed.entries) == EXPECTED_COUNTS[name]
    times = [e.published_parsed for e in parsed.entries]
    assert times == sorted(times, reverse=True)
    ids = entry_ids(parsed)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("base_url", ["https://status.example.ac.uk/", "https://x.example/status/"])
@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_every_link_and_id_is_absolute_under_base_url(base_url: str, fmt: str) -> None:
    output = render(make_site(make_config(base_url=base_url)))
    for name in FEEDS:
        parsed = parse(output[f"feeds/{name}.{fmt}"], fmt)
        found = [parsed.feed.link, *(link.href for link in parsed.feed.links)]
        if fmt == "atom":
            found.append(parsed.feed.id)
        for entry in parsed.entries:
            found += [entry.id, entry.link, *(link.href for link in entry.links)]
        assert found
        assert all(url.startswith(base_url) for url in found), (name, found)


def test_atom_feed_metadata() -> None:
    config = make_config()
    parsed = parse(render()["feeds/services/vpn.atom"], "atom")
    feed = parsed.feed

    assert feed.id == "https://status.example.ac.uk/feeds/services/vpn.atom"
    assert feed.title == "Example IT status: VPN"
    assert feed.subtitle == config.description
    assert feed.author == config.title
    assert feed.language == "en-GB"
    assert feed.generator == "statusgen"
    links = {link.rel: link.href for link in feed.links}
    assert links == {
        "self": "https://status.example.ac.uk/feeds/services/vpn.atom",
        "alternate": "https://status.example.ac.uk/services/vpn/",
    }


def test_rss_channel_links_to_the_site_and_to_itself() -> None:
    data = render()["feeds/all.rss"]
    channel = ElementTree.fromstring(data).find("channel")
    assert channel is not None

    assert channel.findtext("link") == "https://status.example.ac.uk/"
    self_link = channel.find(f"{ATOM}link")
    assert self_link is not None
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == "https://status.example.ac.uk/feeds/all.rss"
    assert channel.findtext("language") == "en-GB"
    assert channel.findtext("generator") == "statusgen"


def test_subtitle_falls_back_to_title() -> None:
    site = make_site(make_config(description=""))
    parsed = parse(render(site)["feeds/all.atom"], "atom")
    assert parsed.feed.subtitle == "Example IT status"


def test_one_entry_per_incident_update() -> None:
    # Atom, whose titles are text as written (RSS titles lose the tag-like
    # "<sometimes>": see test_rss_titles_hold_plain_text).
    parsed = parse(render()["feeds/services/vpn.atom"], "atom")
    vpn = [e for e in parsed.entries if "/incidents/2026-11-24-vpn-slow/" in e.id]

    assert [e.title for e in vpn] == [
        "Identified: VPN connections slow & dropping <sometimes>",
        "Investigating: VPN connections slow & dropping <sometimes>",
    ]
    assert [e.id for e in vpn] == [
        "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/#u-20261124T0930Z",
        "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/#u-20261124T0815Z",
    ]
    assert "<em>licence server</em>" in vpn[0].summary
    assert "VPN (partial outage)" in vpn[0].summary


def test_update_ids_use_utc_and_keep_offsets_in_dates() -> None:
    parsed = parse(render()["feeds/services/wifi.atom"], "atom")
    first = parsed.entries[-1]  # Wi-Fi is down, 00:35 BST on 25 Oct
    assert first.id.endswith("/incidents/2026-10-25-wifi-dst/#u-20261024T2335Z")
    assert first.published == "2026-10-25T00:35:00+01:00"


def test_maintenance_is_announced_then_updated() -> None:
    parsed = parse(render()["feeds/services/email.atom"], "atom")
    patching = [e for e in parsed.entries if "email-patching" in e.id]

    # Same instant: the update after the announcement, so it is listed first.
    assert [e.title for e in patching] == [
        "In progress: Email server patching",
        "Scheduled: Email server patching",
    ]
    assert patching[1].id.endswith("/incidents/2026-11-24-email-patching/#scheduled")
    assert "24 Nov 2026 11:00 GMT to 24 Nov 2026 13:00 GMT" in patching[1].content[0].value


def test_news_entry_has_body_and_summary() -> None:
    parsed = parse(render()["feeds/news.atom"], "atom")
    mfa = parsed.entries[0]

    assert mfa.id == "https://status.example.ac.uk/news/2026-11-20-mfa/"
    assert mfa.title == "MFA for all staff"
    assert mfa.summary == "From January every staff account needs MFA."
    assert mfa.content[0].value == "<p>Set it up <strong>now</strong>.</p>"
    assert [t.term for t in mfa.tags] == ["security"]


def incident(**changes: object) -> Incident:
    base = Incident(
        id="2026-11-23-printers",
        title="Printers offline",
        services=(AffectedService("printing", Impact.MAJOR_OUTAGE),),
        started=at("2026-11-23 09:00"),
        resolved=None,
        updates=(),
        body="Print queues are not accepting jobs.",
    )
    return dataclasses.replace(base, **changes)


def test_incident_without_updates_gets_an_opening_entry_and_a_resolution() -> None:
    site = Site(make_config(), incidents=(incident(resolved=at("2026-11-23 10:00")),))
    parsed = parse(render(site)["feeds/incidents.atom"], "atom")

    assert [(e.title, e.id.rsplit("#", 1)[1]) for e in parsed.entries] == [
        ("Resolved: Printers offline", "resolved"),
        ("Investigating: Printers offline", "opened"),
    ]
    assert "Print queues are not accepting jobs." in parsed.entries[1].content[0].value


def test_updates_in_the_same_minute_get_distinct_ids() -> None:
    updates = (
        Update(at("2026-11-23 09:00"), IncidentStatus.INVESTIGATING, "One."),
        Update(at("2026-11-23 09:00"), IncidentStatus.IDENTIFIED, "Two."),
        Update(at("2026-11-23 09:00").replace(second=30), IncidentStatus.MONITORING, "Three."),
    )
    assert update_anchors(updates) == [
        "u-20261123T0900Z",
        "u-20261123T0900Z-2",
        "u-20261123T090030Z",
    ]
    site = Site(make_config(), incidents=(incident(updates=updates),))
    parsed = parse(render(site)["feeds/all.rss"], "rss")
    assert [e.summary.split("</p>")[0] for e in parsed.entries] == [
        "<p>Three.",
        "<p>Two.",
        "<p>One.",
    ]


def test_limit_keeps_the_newest_entries() -> None:
    full = render()
    limited = render(make_site(make_config(feeds=FeedsConfig(limit=2))))
    for name in FEEDS:
        for fmt in ("rss", "atom"):
            everything = entry_ids(parse(full[f"feeds/{name}.{fmt}"], fmt))
            kept = entry_ids(parse(limited[f"feeds/{name}.{fmt}"], fmt))
            assert kept == everything[:2], name


@pytest.mark.parametrize("service", SERVICES)
def test_service_feeds_only_list_their_service(service: str) -> None:
    parsed = parse(render()[f"feeds/services/{service}.atom"], "atom")
    pages = {e.id.split("/incidents/")[1].split("/")[0] for e in parsed.entries}
    assert pages == SERVICE_ENTRIES[service]


def test_hostile_text_is_escaped_and_sanitised() -> None:
    title = "</title><script>alert(1)</script>"
    hostile = incident(
        title=title,
        updates=(
            Update(
                at("2026-11-23 09:05"),
                IncidentStatus.INVESTIGATING,
                'Look <script>alert(2)</script><img src=x onerror="alert(3)"> ]]> &amp;',
            ),
        ),
        reference="<b>INC</b>",
    )
    site = Site(make_config(), incidents=(hostile,))
    output = render(site)
    for fmt in ("rss", "atom"):
        data = output[f"feeds/all.{fmt}"]
        parse(data, fmt)
        root = ElementTree.fromstring(data)  # well-formed XML
        if fmt == "rss":
            item = root.find("channel/item")
            assert item is not None
            raw_title, content = item.findtext("title"), item.findtext("description")
        else:
            item = root.find(f"{ATOM}entry")
            assert item is not None
            raw_title, content = item.findtext(f"{ATOM}title"), item.findtext(f"{ATOM}content")
        if fmt == "rss":  # RSS may be read as HTML: the markup is gone
            assert raw_title == "Investigating:"
        else:  # Atom's type="text": every character, escaped once by the XML
            assert raw_title == f"Investigating: {title}"
        assert content is not None
        assert "<script" not in content.lower()
        assert "onerror" not in content.lower()
        assert "&lt;b&gt;INC&lt;/b&gt;" in content


def test_characters_xml_cannot_carry_are_dropped() -> None:
    site = Site(make_config(), incidents=(incident(title="Bell\x07 and\x0b tab\there"),))
    parsed = parse(render(site)["feeds/all.atom"], "atom")
    assert parsed.entries[0].title == "Investigating: Bell and tab\there"


def test_bytes_are_reproducible_and_move_only_when_a_window_starts_or_ends() -> None:
    site = make_site()
    first = render_feeds(site, derive(site, NOW))
    again = render_feeds(site, derive(site, NOW))
    later = render_feeds(site, derive(site, NOW + timedelta(minutes=59)))
    much_later = render_feeds(site, derive(site, NOW + timedelta(days=400)))

    assert first == again == later
    added = set(entry_ids(parse(much_later["feeds/all.atom"], "atom"))) - set(
        entry_ids(parse(first["feeds/all.atom"], "atom"))
    )
    base = "https://status.example.ac.uk/incidents/"
    assert added == {
        f"{base}2026-11-24-email-patching/#ended",
        f"{base}2026-11-29-wifi-upgrade/#started",
        f"{base}2026-11-29-wifi-upgrade/#ended",
    }
    assert render_feeds(site, derive(site, NOW + timedelta(days=500))) == much_later


def test_feed_updated_is_the_newest_entry_time_or_the_epoch() -> None:
    output = render(Site(make_config()))
    empty = parse(output["feeds/all.atom"], "atom")
    assert empty.entries == []
    assert empty.feed.updated == "1970-01-01T00:00:00+00:00"

    news = parse(render()["feeds/news.rss"], "rss")
    assert news.feed.updated == "Fri, 20 Nov 2026 09:00:00 +0000"


def test_content_is_html_with_escaped_service_names() -> None:
    config = make_config()
    services = tuple(
        dataclasses.replace(s, name="Email & <Calendar>") if s.id == "email" else s
        for s in config.services
    )
    site = make_site(dataclasses.replace(config, services=services))
    data = render(site)["feeds/services/email.atom"]
    content = ElementTree.fromstring(data).findtext(f"{ATOM}entry/{ATOM}content")
    assert content is not None
    assert html.escape("Email & <Calendar>") in content


# --- RSS text that a reader may take for HTML (issue #11, item 8) ------------------

TAG = re.compile(r"<[a-z/!?]", re.IGNORECASE)
"""What an HTML tokenizer starts a tag, comment or declaration at."""


def assert_plain(text: str | None) -> None:
    """`text` (decoded from the XML) shows no markup, even to a reader that
    decodes HTML, and has no reference left that would decode into some."""
    assert text is not None
    assert not TAG.search(text), text
    assert html.unescape(text) == text, text


def rss_texts(data: bytes) -> dict[str, list[str]]:
    """The decoded text of each RSS element that may be read as HTML or as text."""
    channel = ElementTree.fromstring(data).find("channel")
    assert channel is not None
    return {
        "channel": [channel.findtext("title") or "", channel.findtext("description") or ""],
        "titles": [item.findtext("title") or "" for item in channel.iter("item")],
        "categories": [c.text or "" for c in channel.iter("category")],
    }


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("<img src=x onerror=alert(1)>Email down", "Email down"),
        ("Email </title><script>alert(1)</script> down", "Email down"),
        ("&lt;img src=x onerror=alert(1)&gt;Email down", "Email down"),
        ("&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Email down", "Email down"),
        ("&#60;svg/onload=alert(1)&#x3e;Email down", "Email down"),
        ("Email down <img src=x onerror=alert(1)//", "Email down"),
        ("Email <!-- <script>alert(1)</script> --> down", "Email down"),
        ("<<script></script>img src=x onerror=alert(1)>Email down", "Email down"),
        ("Upgrade <2 minutes", "Upgrade <2 minutes"),
        ("Email & calendar", "Email & calendar"),
        ("Fish &amp; chips", "Fish & chips"),
        ("1 < 2 > 0, a<-b", "1 < 2 > 0, a<-b"),
        ("VPN slow & dropping <sometimes>", "VPN slow & dropping"),
    ],
)
def test_rss_titles_hold_plain_text(title: str, shown: str) -> None:
    site = Site(make_config(), incidents=(incident(title=title),))
    output = render(site)
    rss = output["feeds/services/printing.rss"]

    # ElementTree gives the text as XML decodes it, feedparser as a reader shows it.
    [item_title] = rss_texts(rss)["titles"]
    assert item_title == f"Investigating: {shown}"
    assert_plain(item_title)
    assert [e.title for e in parse(rss, "rss").entries] == [f"Investigating: {shown}"]
    # Atom says type="text": the title keeps every character.
    atom = parse(output["feeds/services/printing.atom"], "atom")
    assert [e.title for e in atom.entries] == [f"Investigating: {title}"]


def test_rss_channel_title_and_description_hold_plain_text() -> None:
    config = make_config(
        title="<b>Example</b> IT & AV status",
        description="\"><img src=x onerror=alert('desc')> Live status",
    )
    services = tuple(
        dataclasses.replace(s, name="<img src=x onerror=alert('svc')>Email & calendar")
        if s.id == "email"
        else s
        for s in config.services
    )
    output = render(make_site(dataclasses.replace(config, services=services)))

    for name in FEEDS:
        title, description = rss_texts(output[f"feeds/{name}.rss"])["channel"]
        assert_plain(title)
        assert_plain(description)
        assert title.startswith("Example IT & AV status")
        assert description == '"> Live status'
    channel = rss_texts(output["feeds/services/email.rss"])["channel"]
    assert channel[0] == "Example IT & AV status: Email & calendar"
    assert parse(output["feeds/services/email.rss"], "rss").feed.title == channel[0]
    atom = parse(output["feeds/services/email.atom"], "atom").feed
    assert (
        atom.title
        == "<b>Example</b> IT & AV status: <img src=x onerror=alert('svc')>Email & calendar"
    )


def test_a_channel_title_of_markup_alone_falls_back_to_the_address() -> None:
    output = render(make_site(make_config(title="<script>alert(1)</script>", description="")))
    title, description = rss_texts(output["feeds/all.rss"])["channel"]
    assert title == description == "https://status.example.ac.uk/"


def test_rss_categories_hold_plain_text() -> None:
    site = make_site()
    tags = ("<script>alert('tag')</script>", "<b onmouseover=alert(1)>network</b>", "R&D", "a<2")
    news = (dataclasses.replace(site.news[0], tags=tags), *site.news[1:])
    output = render(dataclasses.replace(site, news=news))

    rss = output["feeds/news.rss"]
    categories = rss_texts(rss)["categories"]
    assert categories == ["network", "R&D", "a<2"]  # a tag that was only script is gone
    for category in categories:
        assert_plain(category)
    assert [t.term for t in parse(rss, "rss").entries[0].tags] == categories
    atom = parse(output["feeds/news.atom"], "atom")
    assert [t.term for t in atom.entries[0].tags] == list(tags)


# --- read in a browser: the XSLT stylesheet -------------------------------------------

XSLT_FILE = Path(__file__).resolve().parent.parent / "statusgen/themes/default/static/feed.xsl"


def test_every_feed_names_the_stylesheet_after_its_declaration() -> None:
    for path, data in render().items():
        lines = data.split(b"\n", 2)
        assert lines[0] == b"<?xml version='1.0' encoding='UTF-8'?>", path
        assert lines[1] == b'<?xml-stylesheet href="/static/feed.xsl" type="text/xsl"?>', path
        fmt = path.rsplit(".", 1)[1]
        assert parse(data, fmt).entries, path  # readers still read it, unbothered


def test_the_stylesheet_link_follows_a_sub_path() -> None:
    site = make_site(make_config(base_url="https://example.ac.uk/it/status/"))
    for data in render(site).values():
        assert b'<?xml-stylesheet href="/it/status/static/feed.xsl" type="text/xsl"?>' in data


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_a_feed_in_a_browser_is_a_page_with_its_address_to_copy(fmt: str) -> None:
    from lxml import etree

    data = render()[f"feeds/services/email.{fmt}"]
    # As the build writes it: its @@key@@ markers filled in the site's language.
    xslt = localise(XSLT_FILE.read_bytes(), english_strings(ZoneInfo("UTC")))
    page = str(etree.XSLT(etree.fromstring(xslt))(etree.fromstring(data)))
    tree = etree.HTML(page)
    assert page.startswith("<!DOCTYPE html>\n")
    assert tree.get("lang") == "en-GB"
    assert tree.findtext(".//h1") == "Example IT status: Email"
    box = tree.find(".//input[@id='address']")
    assert box.get("value") == f"https://status.example.ac.uk/feeds/services/email.{fmt}"
    assert box.get("readonly") is not None
    assert tree.find(".//label[@for='address']").text == "Feed address"
    parsed = parse(data, fmt)
    items = tree.findall(".//ol/li/a")
    assert [a.text for a in items] == [e.title for e in parsed.entries]
    assert [a.get("href") for a in items] == [e.link for e in parsed.entries]
    assert next(a.text for a in tree.iter("a")) == "Open the status page"
    assert tree.find(".//a").get("href") == "https://status.example.ac.uk/services/email/"


def test_a_window_announced_with_a_scheduled_update_has_one_scheduled_entry() -> None:
    from statusgen.model import Maintenance, MaintenanceStatus

    announced = Update(at("2026-11-19 14:00"), MaintenanceStatus.SCHEDULED, "Down 07:00-12:00.")
    started = Update(at("2026-11-29 07:00"), MaintenanceStatus.IN_PROGRESS, "Work has begun.")
    window = Maintenance(
        "vle", "VLE upgrade", ("email",), at("2026-11-29 07:00"), at("2026-11-29 12:00"),
        updates=(announced, started), body="Details.",
    )  # fmt: skip
    site = Site(make_config(), maintenances=(window,))
    output = render_feeds(site, derive(site, at("2026-11-29 13:00")))
    parsed = parse(output["feeds/all.atom"], "atom")
    base = "https://status.example.ac.uk/incidents/vle/"
    # The written in_progress update is the start: no automatic "In progress" beside it.
    assert [(e.id, e.title) for e in parsed.entries] == [
        (f"{base}#ended", "Completed: VLE upgrade"),
        (f"{base}#u-20261129T0700Z", "In progress: VLE upgrade"),
        (f"{base}#scheduled", "Scheduled: VLE upgrade"),
    ]
    scheduled = parsed.entries[-1]
    assert scheduled.published == "2026-11-19T14:00:00+00:00"
    assert "Down 07:00-12:00." in scheduled.content[0].value
    assert "Details." in scheduled.content[0].value


def test_a_recurring_window_feeds_no_start_or_end() -> None:
    site = make_site()
    series = dataclasses.replace(site.maintenances[0], rrule="FREQ=WEEKLY;COUNT=3")
    site = dataclasses.replace(site, maintenances=(series,))
    output = render_feeds(site, derive(site, NOW + timedelta(days=400)))
    ids = entry_ids(parse(output["feeds/all.atom"], "atom"))
    assert not [i for i in ids if i.endswith(("#started", "#ended"))]
