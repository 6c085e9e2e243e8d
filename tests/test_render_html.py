"""The HTML site: what a reader sees, checked on parsed pages, and the view rules in Python."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import html5lib
import pytest
from conftest import LONDON, NOW, at, make_config, make_site

from statusgen import urls
from statusgen.build import build as build_site
from statusgen.i18n.strings import english_strings
from statusgen.model import (
    AffectedService,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    PublishConfig,
    Service,
    Site,
    Update,
    XConfig,
)
from statusgen.render import html as render
from statusgen.render.feeds import update_anchors
from statusgen.render.formatting import day_summary
from statusgen.render.html import (
    HISTORY_PAGE_SIZE,
    DayBar,
    Link,
    day_bar,
    duration,
    end_text,
    render_html,
    when,
)
from statusgen.render.pngs import CARDS
from statusgen.status import DayUptime, derive, format_percent, maintenance_state

SVG = "{http://www.w3.org/2000/svg}"
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?([+-]\d\d:\d\d|Z)$")


# --- helpers --------------------------------------------------------------------


def is_clock(script: ET.Element) -> bool:
    """static/clock.js, deferred, with no inline code: the one script a page may have."""
    src = script.get("src") or ""
    return (
        src.startswith("/static/clock.js?v=")
        and script.get("defer") is not None
        and not (script.text or "").strip()
    )


def build(site: Site | None = None, now: datetime = NOW, **kwargs: str) -> dict[str, bytes]:
    site = site or make_site()
    return render_html(site, derive(site, now), **kwargs)


def parse(content: bytes) -> ET.Element:
    """Strict HTML5 parse: a parse error (bad nesting, stray end tag) fails the test."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(content)


def pages(out: dict[str, bytes]) -> Iterator[tuple[str, ET.Element]]:
    for path, content in out.items():
        if path.endswith(".html"):
            yield path, parse(content)


def text(element: ET.Element) -> str:
    """The words as read: adjacent elements (a link, then a badge) are separate words."""
    return " ".join(" ".join(element.itertext()).split())


def page_path(out_path: str) -> str:
    """``incidents/x/index.html`` -> ``incidents/x/``: the path a link uses."""
    return out_path.removesuffix("index.html")


def find_by_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(tag) if cls in (e.get("class") or "").split()]


@pytest.fixture(scope="module")
def out() -> dict[str, bytes]:
    return build()


@pytest.fixture(scope="module")
def home(out: dict[str, bytes]) -> ET.Element:
    return parse(out["index.html"])


# --- what the pages are ---------------------------------------------------------


def test_every_page_is_produced(out: dict[str, bytes]) -> None:
    site = make_site()
    expected = {"index.html", "history/index.html", "404.html", "sitemap.xml", "robots.txt"}
    expected |= {f"incidents/{i.id}/index.html" for i in site.incidents}
    expected |= {f"incidents/{m.id}/index.html" for m in site.maintenances}
    expected |= {f"news/{n.id}/index.html" for n in site.news}
    expected |= {f"services/{s.id}/index.html" for s in site.config.services}
    expected |= {"static/style.css", "static/icons.svg", "static/favicon.svg"}
    expected |= {"static/feed.xsl", "static/clock.js", "static/apple-touch-icon.png"}
    expected |= {"static/favicon-32.png", *(f"static/card-{key}.png" for key in CARDS)}
    assert set(out) == expected


def test_every_page_is_valid_html5_with_the_basics(out: dict[str, bytes]) -> None:
    for path, root in pages(out):
        assert root.get("lang") == "en-GB", path
        assert len(list(root.iter("h1"))) == 1, path
        body = root.find("body")
        landmarks = [e.tag for e in body if e.tag in ("header", "main", "footer")]
        assert landmarks == ["header", "main", "footer"], path
        metas = {m.get("name"): m.get("content") for m in root.iter("meta")}
        assert metas["viewport"] == "width=device-width, initial-scale=1", path
        skip = next(root.iter("a"))
        assert skip.get("href") == "#main" and root.find(".//main[@id='main']") is not None
        alternates = {
            link.get("type"): link.get("href")
            for link in root.iter("link")
            if link.get("rel") == "alternate" and "/services/" not in (link.get("href") or "")
        }
        assert alternates == {
            "application/rss+xml": "/feeds/all.rss",
            "application/atom+xml": "/feeds/all.atom",
        }, path
        # No JavaScript but the optional clock, and nothing loaded from elsewhere
        # (no fonts, no CDN).
        assert all(is_clock(s) for s in root.iter("script")), path
        for element in root.iter():
            value = element.get("src") or element.get("href") or ""
            loads = element.tag in ("img", SVG + "use") or (
                element.tag == "link" and element.get("rel") in ("stylesheet", "icon", "preload")
            )
            if loads:
                assert value.startswith("/"), (path, element.tag, value)


# --- the home page --------------------------------------------------------------


def test_banner_says_the_overall_status(home: ET.Element) -> None:
    status = derive(make_site(), NOW)
    banner = find_by_class(home, "section", "banner")[0]
    assert text(banner.find(".//h1")) == status.overall.description == "Minor Service Outage"
    assert "s-deg" in banner.get("class", "")  # the colour of the level, minor
    assert "Status as of 24 Nov 2026, 12:00 GMT" in text(banner)


def test_every_service_shows_its_name_and_status_in_words(home: ET.Element) -> None:
    status = derive(make_site(), NOW)
    rows = {text(row.find(".//a")): row for row in find_by_class(home, "li", "svc")}
    assert list(rows) == [s.service.name for s in status.services]
    for service in status.services:
        badge = find_by_class(rows[service.service.name], "span", "badge")[0]
        assert text(badge) == service.status.label
        assert badge.find(SVG + "svg") is not None  # an icon as well as colour and words
    assert text(find_by_class(rows["VPN"], "span", "badge")[0]) == "Partial outage"
    assert text(find_by_class(rows["Email"], "span", "badge")[0]) == "Under maintenance"
    groups = [text(h) for h in find_by_class(home, "h3", "group-name")]
    assert groups == ["Communication", "Access"]  # the ungrouped service has no heading


def test_ongoing_incident_is_on_top_with_its_latest_update(home: ET.Element) -> None:
    sections = {s.get("aria-labelledby"): s for s in home.iter("section")}
    current = sections["ongoing-h"]
    card = current.find("article")
    assert text(card.find(".//h3")) == "VPN connections slow & dropping <sometimes>"
    assert "A faulty licence server is the cause." in text(card)
    assert card.find(".//em") is not None  # the message's Markdown is rendered
    assert "We are looking into reports." not in text(card)  # only the latest
    assert "Identified" in text(card) and "Partial outage" in text(card)
    order = [s.get("aria-labelledby") for s in home.iter("section") if s.get("aria-labelledby")]
    assert order.index("ongoing-h") < order.index("services-h")


def test_maintenance_in_progress_and_upcoming(home: ET.Element) -> None:
    sections = {s.get("aria-labelledby"): s for s in home.iter("section")}
    active = text(sections["active-h"])
    assert "Email server patching" in active and "In progress" in active
    assert "24 Nov 2026, 11:00 GMT – 13:00 GMT" in active
    upcoming = text(sections["upcoming-h"])
    assert "Wi-Fi controller upgrade" in upcoming and "Scheduled" in upcoming
    assert "29 Nov 2026, 06:00 GMT – 08:00 GMT" in upcoming
    assert "Printing upgrade" not in active + upcoming  # completed


def test_recent_news(home: ET.Element) -> None:
    sections = {s.get("aria-labelledby"): s for s in home.iter("section")}
    news = [text(a) for a in sections["news-h"].iter("a")]
    assert news == ["MFA for all staff", "Welcome to the new status page"]


def test_past_incidents_by_day_for_15_days(home: ET.Element) -> None:
    section = next(s for s in home.iter("section") if s.get("aria-labelledby") == "past-h")
    days = find_by_class(section, "h3", "day")
    assert len(days) == 15
    assert [text(h) for h in days[:3]] == ["24 Nov 2026", "23 Nov 2026", "22 Nov 2026"]
    assert days[0].find("time").get("datetime") == "2026-11-24"
    assert text(days[-1]) == "10 Nov 2026"
    # What follows each heading: its list, or the quiet-day line.
    children = list(section)
    after = {text(h): children[children.index(h) + 1] for h in days}
    assert text(after["23 Nov 2026"]) == "No incidents reported."
    quiet = [d for d, e in after.items() if text(e) == "No incidents reported."]
    assert len(quiet) == 13  # all but the 24th (VPN, patching) and the 22nd (email)
    titles = [text(a) for a in after["24 Nov 2026"].iter("a")]
    assert titles == ["Email server patching", "VPN connections slow & dropping <sometimes>"]
    email = text(after["22 Nov 2026"])
    assert email == (
        "Email delivery delays Resolved Incident · 22 Nov 2026, 08:40 GMT · "
        "Duration 2 h 35 min · Major outage Email, Webmail"
    )
    assert "Ongoing" in text(after["24 Nov 2026"])
    more = section.find(".//p[@class='more']/a")
    assert (more.get("href"), text(more)) == ("/history/", "Incident history")


def test_home_shows_at_most_five_news_items() -> None:
    site = make_site()
    news = tuple(
        NewsItem(f"n{i}", f"News {i}", at("2026-11-01 09:00") - timedelta(days=i), "s")
        for i in range(8)
    )
    home = parse(build(dataclasses.replace(site, news=news))["index.html"])
    section = next(s for s in home.iter("section") if s.get("aria-labelledby") == "news-h")
    assert [text(a) for a in section.iter("a")] == [f"News {i}" for i in range(5)]


def test_subscribe_lists_every_channel_with_a_link_and_a_note(home: ET.Element) -> None:
    subscribe = home.find(".//section[@id='subscribe']")
    rows = [
        (" ".join("".join(li.itertext()).split()), [(text(a), a.get("href")) for a in li.iter("a")])
        for li in subscribe.iter("li")
    ]
    assert rows == [
        (
            "Feed Every incident update, maintenance window and news item, in a feed reader"
            " app (paste the link into it). Also as RSS.",
            [("Feed", "/feeds/all.atom"), ("RSS", "/feeds/all.rss")],
        ),
        (
            "Maintenance calendar Planned maintenance in your phone's or computer's calendar,"
            " kept up to date. Or download the file.",
            [
                ("Maintenance calendar", "webcal://status.example.ac.uk/feeds/maintenance.ics"),
                ("download the file", "/feeds/maintenance.ics"),
            ],
        ),
        (
            "JSON API Statuspage-compatible, for scripts and dashboards.",
            [("JSON API", "/api/v2/summary.json")],
        ),
        (
            "@ExampleIT on X Posts about incidents, maintenance and news.",
            [("@ExampleIT on X", "https://x.com/ExampleIT")],
        ),
    ]


def test_the_calendar_is_webcal_at_a_sub_path_and_on_plain_http() -> None:
    for base, expected in (
        (
            "https://example.ac.uk/it/status/",
            "webcal://example.ac.uk/it/status/feeds/maintenance.ics",
        ),
        ("http://127.0.0.1:8000/", "webcal://127.0.0.1:8000/feeds/maintenance.ics"),
    ):
        home = parse(build(make_site(make_config(base_url=base)))["index.html"])
        hrefs = [a.get("href") for a in home.find(".//section[@id='subscribe']").iter("a")]
        assert expected in hrefs, base


def test_social_accounts_are_discoverable_from_every_page(out: dict[str, bytes]) -> None:
    for path, root in pages(out):
        me = [link.get("href") for link in root.iter("link") if link.get("rel") == "me"]
        assert me == ["https://x.com/ExampleIT"], path
        x = [a for a in root.iter("a") if a.get("href") == "https://x.com/ExampleIT"]
        assert [a.get("rel") for a in x] == ["me"], path
        if path != "404.html":
            metas = {m.get("name"): m.get("content") for m in root.iter("meta")}
            assert metas["twitter:site"] == "@ExampleIT", path


def test_no_x_link_without_an_account() -> None:
    config = make_config(publish=PublishConfig(x=XConfig(enabled=False, account=None)))
    assert b"x.com" not in build(make_site(config))["index.html"]


def test_uptime_bars_have_one_element_per_day_with_its_summary(home: ET.Element) -> None:
    status = derive(make_site(), NOW)
    lists = {ol.get("aria-label"): ol for ol in find_by_class(home, "ol", "bars")}
    wifi = status.service("wifi")
    bars = lists["Wi-Fi: uptime per day, today last"]
    items = bars.findall("li")
    assert len(items) == 90
    # Every day, clean ones too, is focusable and holds its details in words.
    assert {li.get("tabindex") for li in items} == {"0"}
    english = english_strings(LONDON)
    assert [text(li.find("p")) for li in items if li.find(".//a") is None] == [
        day_summary(d, english) for d in wifi.days if not d.incident_ids
    ]
    dst_day = items[[d.day for d in wifi.days].index(date(2026, 10, 25))]
    # 2.5 h by the clock, 3.5 h elapsed, of a 25-hour day; then the incident, linked.
    assert text(dst_day) == "25 Oct 2026: 86% uptime, major outage Wi-Fi outage overnight"
    assert dst_day.get("class") == "maj"
    assert dst_day.find("p/a").get("href") == "/incidents/2026-10-25-wifi-dst/"
    assert text(items[0]) == "27 Aug 2026: no downtime recorded"
    assert items[0].get("class") is None and items[0].find(".//a") is None
    row = next(r for r in find_by_class(home, "li", "svc") if "Wi-Fi" in text(r))
    assert f"{format_percent(wifi.uptime)} uptime" in text(row)


# --- incident, maintenance and news pages ---------------------------------------


def test_incident_page(out: dict[str, bytes]) -> None:
    root = parse(out["incidents/2026-11-22-email-delays/index.html"])
    assert text(root.find(".//h1")) == "Email delivery delays"
    assert root.find(".//title").text == "Email delivery delays · Example IT status"
    page = text(root.find(".//main"))
    assert "Resolved" in page
    affected = {text(li) for li in find_by_class(root, "ul", "affected")[0].iter("li")}
    assert affected == {"Email Major outage", "Webmail Degraded performance"}
    assert "Started 22 Nov 2026, 08:40 GMT" in page
    assert "Resolved 22 Nov 2026, 11:15 GMT (after 2 h 35 min)" in page
    prose = find_by_class(root, "section", "prose")[0]
    assert [text(h) for h in prose.iter("h2")] == ["Details", "What happened"]
    assert [text(li) for li in prose.iter("li")] == ["renewed", "monitored"]


def test_timeline_is_newest_first_with_labels_and_feed_anchors(out: dict[str, bytes]) -> None:
    site = make_site()
    for entry in (*site.incidents, *site.maintenances):
        root = parse(out[urls.output_file(urls.entry_path(entry))])
        timeline = find_by_class(root, "ol", "timeline")
        if not entry.updates:
            continue
        items = list(timeline[0].iter("li"))
        stamps = [datetime.fromisoformat(li.find(".//time").get("datetime")) for li in items]
        assert stamps == sorted(stamps, reverse=True), entry.id
        ids = {li.get("id") for li in items}
        assert set(update_anchors(entry.updates)) <= ids, entry.id
    root = parse(out["incidents/2026-11-22-email-delays/index.html"])
    labels = [text(li.find(".//span")) for li in find_by_class(root, "ol", "timeline")[0]]
    assert labels == ["Resolved", "Monitoring", "Investigating"]


def test_resolution_without_its_own_update_is_in_the_timeline() -> None:
    incident = Incident(
        id="quiet",
        title="Quiet fix",
        services=(AffectedService("vpn", Impact.DEGRADED_PERFORMANCE),),
        started=at("2026-11-20 09:00"),
        resolved=at("2026-11-20 10:00"),
        updates=(),
    )
    site = dataclasses.replace(make_site(), incidents=(incident,))
    root = parse(build(site)["incidents/quiet/index.html"])
    items = list(find_by_class(root, "ol", "timeline")[0])
    assert [li.get("id") for li in items] == ["resolved", "opened"]
    assert "This incident has been resolved." in text(items[0])
    assert "Investigating" in text(items[1])


def test_maintenance_page_shows_window_and_state(out: dict[str, bytes]) -> None:
    root = parse(out["incidents/2026-11-29-wifi-upgrade/index.html"])
    page = text(root.find(".//main"))
    assert text(root.find(".//h1")) == "Wi-Fi controller upgrade"
    assert "Maintenance" in page and "Scheduled" in page and "CHG-77" in page
    assert "Window 29 Nov 2026, 06:00 GMT – 08:00 GMT (2 h)" in page
    assert "Expect short drops." in page
    assert root.find(".//*[@id='scheduled']") is not None  # the feeds link here


def test_news_page(out: dict[str, bytes]) -> None:
    root = parse(out["news/2026-11-20-mfa/index.html"])
    assert text(root.find(".//h1")) == "MFA for all staff"
    page = text(root.find(".//main"))
    assert "From January every staff account needs MFA." in page
    assert "20 Nov 2026" in page and "security" in page
    assert root.find(".//main//strong").text == "now"


def test_service_page(out: dict[str, bytes]) -> None:
    root = parse(out["services/wifi/index.html"])
    assert text(root.find(".//h1")) == "Wi-Fi"
    assert len(list(find_by_class(root, "ol", "bars")[0].iter("li"))) == 90
    titles = [text(a) for a in find_by_class(root, "a", "item-title")]
    assert titles == ["Wi-Fi controller upgrade", "Wi-Fi outage overnight"]  # newest first
    feeds = {link.get("href") for link in root.iter("link") if link.get("rel") == "alternate"}
    assert {"/feeds/services/wifi.rss", "/feeds/services/wifi.atom"} <= feeds


def test_404_page(out: dict[str, bytes]) -> None:
    root = parse(out["404.html"])
    assert text(root.find(".//h1")) == "Page not found"
    assert root.find(".//link[@rel='canonical']") is None


# --- history --------------------------------------------------------------------


def test_history_groups_by_month_newest_first(out: dict[str, bytes]) -> None:
    root = parse(out["history/index.html"])
    months = [text(h) for h in root.iter("h2") if h.get("id", "").startswith("m")]
    assert months == ["November 2026", "October 2026", "September 2026"]
    titles = [text(a) for a in find_by_class(root, "a", "item-title")]
    assert titles[:3] == [
        "Wi-Fi controller upgrade",
        "Email server patching",
        "VPN connections slow & dropping <sometimes>",
    ]
    assert titles[-1] == "Welcome to the new status page"
    assert find_by_class(root, "nav", "pager") == []


def test_history_months_are_in_the_site_zone() -> None:
    # 23:30 UTC on 31 August is 00:30 BST on 1 September.
    late = NewsItem("late", "Late", datetime(2026, 8, 31, 23, 30, tzinfo=UTC), "s")
    site = dataclasses.replace(make_site(), incidents=(), maintenances=(), news=(late,))
    root = parse(build(site)["history/index.html"])
    assert [text(h) for h in root.iter("h2") if h.get("id", "").startswith("m")] == [
        "September 2026"
    ]


def test_history_is_paged_past_100_entries() -> None:
    count = HISTORY_PAGE_SIZE * 2 + 5
    news = tuple(
        NewsItem(f"n{i:03}", f"Item {i:03}", at("2026-11-20 09:00") - timedelta(hours=i), "s")
        for i in range(count)
    )
    site = dataclasses.replace(make_site(), incidents=(), maintenances=(), news=news)
    out = build(site)
    assert {"history/index.html", "history/page/2/index.html", "history/page/3/index.html"} <= set(
        out
    )
    assert "history/page/4/index.html" not in out
    first = parse(out["history/index.html"])
    second = parse(out["history/page/2/index.html"])
    last = parse(out["history/page/3/index.html"])
    first_titles = [text(a) for a in find_by_class(first, "a", "item-title")]
    assert first_titles[0] == "Item 000" and len(first_titles) == HISTORY_PAGE_SIZE
    assert text(find_by_class(second, "a", "item-title")[0]) == "Item 100"
    assert len(find_by_class(last, "a", "item-title")) == 5
    assert {
        a.get("rel"): a.get("href") for a in second.find(".//nav[@class='pager']").iter("a")
    } == {
        "prev": "/history/",
        "next": "/history/page/3/",
    }
    assert [a.get("rel") for a in first.find(".//nav[@class='pager']").iter("a")] == ["next"]
    assert "Page 3 of 3" in text(last)


# --- times ----------------------------------------------------------------------


def test_every_time_element_has_an_iso_datetime_with_offset(out: dict[str, bytes]) -> None:
    seen = 0
    for path, root in pages(out):
        days = {h.find("time") for h in find_by_class(root, "h3", "day")}
        for element in root.iter("time"):
            value = element.get("datetime", "")
            # An instant has its offset; a whole day (past incidents) is a date.
            day = element in days and re.fullmatch(r"\d{4}-\d\d-\d\d", value)
            assert ISO_WITH_OFFSET.match(value) or day, (path, element.attrib)
            seen += 1
    assert seen > 30


def test_times_are_shown_in_the_site_zone_with_the_right_abbreviation(
    out: dict[str, bytes],
) -> None:
    # The Wi-Fi incident starts before the clocks go back and ends after.
    root = parse(out["incidents/2026-10-25-wifi-dst/index.html"])
    times = {t.get("datetime"): t.text for t in root.iter("time")}
    assert times["2026-10-25T00:30:00+01:00"] == "25 Oct 2026, 00:30 BST"
    assert times["2026-10-25T03:00:00+00:00"] == "25 Oct 2026, 03:00 GMT"
    assert "(after 3 h 30 min)" in text(root)  # elapsed, not wall-clock (2 h 30 min)


def test_when_formats_in_the_site_zone() -> None:
    moment = datetime(2026, 7, 1, 7, 5, tzinfo=UTC)
    shown = when(moment, LONDON)
    assert shown.text == "1 Jul 2026, 08:05 BST"
    assert (shown.iso, shown.date, shown.clock) == (
        "2026-07-01T08:05:00+01:00",
        "1 Jul 2026",
        "08:05 BST",
    )
    # CLDR's en-GB has no abbreviation for US Eastern time: its name, as CLDR gives it.
    new_york = when(moment, ZoneInfo("America/New_York"))
    assert new_york.text == "1 Jul 2026, 03:05 Eastern Daylight Time"


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, "0 min"), (45, "45 min"), (60, "1 h"), (155, "2 h 35 min"), (1500, "1 d 1 h")],
)
def test_duration(minutes: int, expected: str) -> None:
    start = at("2026-11-01 09:00")
    assert duration(start, start + timedelta(minutes=minutes)) == expected


def test_duration_counts_the_extra_autumn_hour() -> None:
    start = datetime(2026, 10, 24, 22, 0, tzinfo=LONDON)
    end = datetime(2026, 10, 25, 4, 0, tzinfo=LONDON)
    assert duration(start, end) == "7 h"


def test_end_text_drops_the_date_on_the_same_day() -> None:
    start = when(at("2026-11-29 06:00"), LONDON)
    assert end_text(start, when(at("2026-11-29 08:00"), LONDON)) == "08:00 GMT"
    assert end_text(start, when(at("2026-11-30 08:00"), LONDON)) == "30 Nov 2026, 08:00 GMT"


def test_maintenance_state_says_verifying_when_the_latest_update_does() -> None:
    window = Maintenance(
        id="w",
        title="W",
        service_ids=("vpn",),
        start=at("2026-11-24 10:00"),
        end=at("2026-11-24 14:00"),
        updates=(
            Update(at("2026-11-24 10:00"), MaintenanceStatus.IN_PROGRESS, "Started."),
            Update(at("2026-11-24 11:30"), MaintenanceStatus.VERIFYING, "Checking."),
        ),
    )
    assert maintenance_state(window, at("2026-11-24 11:00")) is MaintenanceStatus.IN_PROGRESS
    assert maintenance_state(window, NOW) is MaintenanceStatus.VERIFYING
    assert maintenance_state(window, at("2026-11-24 15:00")) is MaintenanceStatus.COMPLETED


def test_a_window_verifying_at_the_time_it_said_in_progress_says_verifying_everywhere(
    write_site,
) -> None:
    """Two updates at one time (valid): the one written last is the window's state,
    on the home page, on its own page and its timeline, and in the API."""
    root = write_site(
        {
            "site.toml": """
                title = "T"
                base_url = "https://status.example.org/"
                timezone = "Europe/London"
                [[services]]
                id = "email"
                name = "Email"
            """,
            "content/incidents/w.md": """
                ---
                kind: maintenance
                title: Patching
                services: [email]
                start: 2026-11-24 11:00
                end: 2026-11-24 13:00
                updates:
                  - at: 2026-11-24 11:40
                    status: in_progress
                    message: Started.
                  - at: 2026-11-24 11:40
                    status: verifying
                    message: Done; checking.
                ---
            """,
        }
    )
    out = build_site(root, now="2026-11-24 12:00", cache=False, jobs=1).output

    def badges(path: str, tag: str, cls: str) -> list[str]:
        page = parse((out / path).read_bytes())
        return [text(e) for e in find_by_class(page, tag, cls)]

    assert badges("index.html", "p", "card-meta") == ["Verifying · Email"]
    assert badges("incidents/w/index.html", "p", "entry-status") == ["Verifying"]
    timeline = badges("incidents/w/index.html", "p", "tl-head")
    assert [t.split(" 24 Nov")[0] for t in timeline] == ["Verifying", "In progress"]
    api = json.loads((out / "api/v2/scheduled-maintenances.json").read_bytes())
    (window,) = api["scheduled_maintenances"]
    assert window["status"] == "verifying"
    assert window["incident_updates"][0]["status"] == "verifying"


def test_day_bar_lists_every_entry_of_the_day_in_the_order_they_started() -> None:
    links = {"a": Link("/incidents/a/", "A"), "b": Link("/incidents/b/", "B")}
    started = {"a": at("2026-11-01 12:00"), "b": at("2026-10-31 22:00")}
    day = DayUptime(date(2026, 11, 1), 95.0, ComponentStatus.PARTIAL_OUTAGE, ("a", "b"))
    assert day_bar(day, links, started) == DayBar(
        "1 Nov 2026: 95% uptime, partial outage", "part", (links["b"], links["a"])
    )
    clean = DayUptime(date(2026, 11, 2), 100.0, ComponentStatus.OPERATIONAL, ())
    assert day_bar(clean, links, started) == DayBar("2 Nov 2026: no downtime recorded", "", ())
    blank = DayUptime(date(2026, 10, 2), 100.0, ComponentStatus.OPERATIONAL, (), tracked=False)
    assert day_bar(blank, links, started) == DayBar("2 Oct 2026: no data", "none", ())


def site_since(since: date) -> Site:
    config = make_config()
    services = tuple(dataclasses.replace(s, since=since) for s in config.services)
    return make_site(dataclasses.replace(config, services=services))


def test_days_before_since_are_grey_no_data_and_the_percentage_says_since() -> None:
    root = parse(build(site_since(date(2026, 11, 20)))["index.html"])
    row = next(r for r in find_by_class(root, "li", "svc") if "Email" in text(r))
    items = row.find("ol").findall("li")
    assert [li.get("class") for li in items[:85]] == ["none"] * 85
    assert text(items[84]) == "19 Nov 2026: no data"
    assert items[85].get("class") is None  # 20 Nov, tracked from its midnight
    axis = row.find("p[@class='axis']")
    far, near = axis.find("b[@class='far']"), axis.find("b[@class='near']")
    # 2 h 35 min of major outage over 4 days and 12 hours, the 22nd's outage.
    assert text(far) == text(near) == "97.6% uptime since 20 Nov"
    assert text(axis.find("span[@class='near']")) == "30 days ago"
    assert text(axis.find("span[@class='far']")) == "90 days ago"


def test_no_tracked_day_says_no_data_yet() -> None:
    root = parse(build(site_since(date(2026, 12, 1)))["index.html"])
    axis = find_by_class(root, "p", "axis")[0]
    assert text(axis.find("b[@class='far']")) == "No data yet"


def test_a_narrow_screen_gets_the_last_30_days_percentage() -> None:
    outage = Incident(
        "old", "Old outage", (AffectedService("printing", Impact.MAJOR_OUTAGE),),
        at("2026-09-10 00:00"), at("2026-09-10 12:00"), (),
    )  # fmt: skip
    site = dataclasses.replace(make_site(), incidents=(outage,), maintenances=())
    root = parse(build(site)["index.html"])
    row = next(r for r in find_by_class(root, "li", "svc") if "Printing" in text(r))
    axis = row.find("p[@class='axis']")
    assert text(axis.find("b[@class='far']")) == "99.44% uptime"  # 12 h of 89.5 days
    assert text(axis.find("b[@class='near']")) == "100% uptime"


def test_the_legend_names_every_colour_the_bars_use(out: dict[str, bytes]) -> None:
    for path in ("index.html", "services/email/index.html"):
        legend = find_by_class(parse(out[path]), "ul", "legend")[0]
        assert [text(li) for li in legend] == [
            "No downtime", "Degraded performance", "Partial outage", "Major outage",
            "Maintenance", "No data",
        ]  # fmt: skip
        assert [li.find("i").get("class") for li in legend] == [
            None, "deg", "part", "maj", "mnt", "none",
        ]  # fmt: skip


def test_history_shows_each_entrys_duration_and_impact(out: dict[str, bytes]) -> None:
    root = parse(out["history/index.html"])
    items = {text(i.find(".//a")): text(i.find("p")) for i in find_by_class(root, "li", "item")}
    assert items["Email delivery delays"] == (
        "Incident · 22 Nov 2026, 08:40 GMT · Duration 2 h 35 min · Major outage"
    )
    assert items["VPN connections slow & dropping <sometimes>"] == (
        "Incident · 24 Nov 2026, 08:10 GMT · Ongoing · Partial outage"
    )
    assert items["Email server patching"] == "Maintenance · 24 Nov 2026, 11:00 GMT · Duration 2 h"
    assert items["MFA for all staff"] == "News · 20 Nov 2026, 09:00 GMT"
    service = parse(out["services/email/index.html"])
    lines = [text(i.find("p")) for i in find_by_class(service, "li", "item")]
    assert "Incident · 22 Nov 2026, 08:40 GMT · Duration 2 h 35 min · Major outage" in lines


# --- links ----------------------------------------------------------------------


def links(root: ET.Element) -> Iterator[str]:
    for element in root.iter():
        for attr in ("href", "src"):
            if element.get(attr):
                yield element.get(attr)


def test_links_work_under_a_sub_path() -> None:
    config = make_config(base_url="https://x.example/status/")
    out = build(make_site(config))
    checked = 0
    for path, root in pages(out):
        for link in links(root):
            if link.startswith("/"):
                assert link.startswith("/status/"), (path, link)
                checked += 1
    assert checked > 100
    assert re.search(rb'href="/status/static/style\.css\?v=[0-9a-f]+"', out["404.html"])
    sitemap = ET.fromstring(out["sitemap.xml"])
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert all(loc.startswith("https://x.example/status/") for loc in locs)
    assert b"Sitemap: https://x.example/status/sitemap.xml" in out["robots.txt"]


OTHER_RENDERERS = ("feeds/", "api/")
"""Outputs of render/feeds.py, ical.py and api.py: checked against the whole build below."""


@pytest.mark.parametrize("base_url", ["https://status.example.ac.uk/", "https://x.example/status/"])
def test_every_link_resolves_to_a_rendered_page(base_url: str) -> None:
    config = make_config(base_url=base_url)
    out = build(make_site(config))
    ids = {
        page_path(path): {e.get("id") for e in root.iter() if e.get("id")}
        for path, root in pages(out)
    }
    icons = ET.fromstring(out["static/icons.svg"])
    ids["static/icons.svg"] = {e.get("id") for e in icons.iter() if e.get("id")}
    for path, root in pages(out):
        for link in links(root):
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue
            if not parts.path:  # a fragment on this page
                assert parts.fragment in ids[page_path(path)], (path, link)
                continue
            assert parts.path.startswith(config.base_path), (path, link)
            target = parts.path[len(config.base_path) :]
            if target.startswith(OTHER_RENDERERS):
                continue
            assert urls.output_file(target) in out, (path, link)
            if parts.fragment:
                assert parts.fragment in ids[target], (path, link)


def test_links_to_feeds_and_api_resolve_in_the_whole_build() -> None:
    build_module = pytest.importorskip("statusgen.build")
    site = make_site()
    files, _ = build_module.render_site(site, NOW, previous=None)
    missing = set()
    for _path, root in pages(render_html(site, derive(site, NOW))):
        for link in links(root):
            target = urlsplit(link).path.removeprefix("/")
            if target.startswith(OTHER_RENDERERS) and urls.output_file(target) not in files:
                missing.add(target)
    assert missing == set()


# --- safety ---------------------------------------------------------------------


HOSTILE = "</title><script>alert(1)</script>"
HOSTILE_BODY = (
    '<script>alert(2)</script>\n\n<img src=x onerror="alert(3)">\n\n'
    "[click](javascript:alert(4)) <a href=\"javascript:alert(5)\" onclick='alert(6)'>x</a>"
)


def hostile_site() -> Site:
    config = make_config(
        title=HOSTILE,
        description=HOSTILE,
        services=(Service("vpn", HOSTILE, f"<b onmouseover=alert(7)>{HOSTILE}", HOSTILE),),
    )
    incident = Incident(
        id="bad",
        title=HOSTILE,
        services=(AffectedService("vpn", Impact.MAJOR_OUTAGE),),
        started=at("2026-11-24 09:00"),
        resolved=None,
        updates=(Update(at("2026-11-24 09:05"), IncidentStatus.INVESTIGATING, HOSTILE_BODY),),
        body=HOSTILE_BODY,
        reference=HOSTILE,
    )
    news = NewsItem("bad-news", HOSTILE, at("2026-11-20 09:00"), HOSTILE, HOSTILE_BODY, (HOSTILE,))
    return Site(config=config, incidents=(incident,), news=(news,))


def test_hostile_strings_never_become_script() -> None:
    out = build(hostile_site())
    for path, root in pages(out):
        assert all(is_clock(s) for s in root.iter("script")), path
        for element in root.iter():
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (path, element.tag, name)
                assert not value.strip().lower().startswith("javascript:"), (path, value)
    root = parse(out["incidents/bad/index.html"])
    assert text(root.find(".//h1")) == HOSTILE  # shown as text, not dropped
    assert root.find(".//title").text.startswith(HOSTILE)
    sitemap = ET.fromstring(out["sitemap.xml"])  # still well-formed XML
    assert sitemap.tag.endswith("urlset")


# --- themes ---------------------------------------------------------------------


def test_a_site_theme_overrides_file_by_file(write_site: Callable[..., Path]) -> None:
    root = write_site(
        {
            "themes/default/templates/_service.html": """
                <li class="svc"><span class="custom">{{ s.name }} is {{ s.badge.label }}</span></li>
            """,
            "themes/default/static/style.css": "body { color: rebeccapurple }\n",
            "themes/default/static/extra.txt": "hello\n",
        }
    )
    out = build(make_site(make_config(root=root)))
    home = parse(out["index.html"])
    assert [text(s) for s in find_by_class(home, "span", "custom")][:2] == [
        "Email is Under maintenance",
        "Webmail is Operational",
    ]
    assert find_by_class(home, "ol", "bars") == []  # the override replaced the row
    assert text(home.find(".//h1")) == "Minor Service Outage"  # the rest is built in
    assert find_by_class(parse(out["services/vpn/index.html"]), "ol", "bars")
    assert out["static/style.css"] == b"body { color: rebeccapurple }\n"
    assert out["static/extra.txt"] == b"hello\n"
    assert out["static/icons.svg"] == (render.BUILTIN_THEME / "static/icons.svg").read_bytes()
    # The stylesheet link changes with its content, so no browser keeps the old one.
    assert build()["index.html"] != out["index.html"]


def test_templates_compile_once_per_theme() -> None:
    render.environment.cache_clear()
    build()
    build()
    info = render.environment.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_extra_head_is_the_dev_server_hook() -> None:
    plain = build()["index.html"]
    served = build(extra_head='<script src="/livereload.js"></script>')["index.html"]
    head = parse(served).find("head")
    scripts = [s.get("src") for s in head.iter("script") if not is_clock(s)]
    assert scripts == ["/livereload.js"]
    assert b"livereload" not in plain


# --- sitemap, robots, determinism, size -----------------------------------------


def test_sitemap_lists_every_page_with_content_times(out: dict[str, bytes]) -> None:
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.fromstring(out["sitemap.xml"])
    entries = {u.find(f"{ns}loc").text: u.findtext(f"{ns}lastmod") for u in root}
    expected = {
        "https://status.example.ac.uk/" + page_path(p) for p in out if p.endswith("index.html")
    }
    assert set(entries) == expected
    assert entries["https://status.example.ac.uk/incidents/2026-11-22-email-delays/"] == (
        "2026-11-22T11:15:00+00:00"
    )
    # The home page: the latest change that has happened (the window that began at 11:00).
    assert entries["https://status.example.ac.uk/"] == "2026-11-24T11:00:00+00:00"
    # A window announced for the future, without updates, has no date to give.
    assert entries["https://status.example.ac.uk/incidents/2026-11-29-wifi-upgrade/"] is None
    for lastmod in entries.values():
        assert lastmod is None or ISO_WITH_OFFSET.match(lastmod)
    assert NOW.astimezone(UTC).isoformat() not in out["sitemap.xml"].decode()
    # A later build in which nothing happened has the same sitemap.
    later = build(now=NOW + timedelta(minutes=30))
    assert later["sitemap.xml"] == out["sitemap.xml"]


def test_robots_txt_points_at_the_sitemap(out: dict[str, bytes]) -> None:
    assert out["robots.txt"].decode().splitlines()[-1] == (
        "Sitemap: https://status.example.ac.uk/sitemap.xml"
    )


def test_output_is_deterministic() -> None:
    assert build() == build()


def test_home_page_with_13_services_stays_small() -> None:
    services = tuple(
        Service(f"svc-{i}", f"Service number {i}", f"Group {i // 4}", "A typical description")
        for i in range(13)
    )
    config = make_config(services=services)
    incidents = tuple(
        Incident(
            id=f"inc-{i}",
            title=f"Incident {i} on a service",
            services=(AffectedService(f"svc-{i}", Impact.MAJOR_OUTAGE),),
            started=at("2026-11-20 09:00") - timedelta(days=6 * i),
            resolved=at("2026-11-20 11:00") - timedelta(days=6 * i),
            updates=(Update(at("2026-11-20 09:05"), IncidentStatus.INVESTIGATING, "Looking."),),
        )
        for i in range(13)
    )
    site = dataclasses.replace(make_site(config), incidents=incidents, maintenances=())
    out = build(site, now=at("2026-11-24 12:00"))
    # Each of the 1170 days carries its details (focusable, in words), which
    # repeat: 85 KB as stored, a tenth of that as a host serves it (gzip).
    size = len(out["index.html"]) + len(out["static/style.css"])
    assert size < 100 * 1024, size
    sent = len(gzip.compress(out["index.html"])) + len(gzip.compress(out["static/style.css"]))
    assert sent < 12 * 1024, sent


def test_a_postmortem_update_has_its_own_label() -> None:
    site = make_site()
    email = site.incidents[1]
    review = Update(at("2026-11-23 10:00"), IncidentStatus.POSTMORTEM, "The queue limit is raised.")
    reviewed = dataclasses.replace(email, updates=(*email.updates, review))
    site = dataclasses.replace(site, incidents=(site.incidents[0], reviewed, *site.incidents[2:]))
    root = parse(build(site)["incidents/2026-11-22-email-delays/index.html"])
    labels = [text(li.find(".//span")) for li in find_by_class(root, "ol", "timeline")[0]]
    assert labels == ["Post-incident review", "Resolved", "Monitoring", "Investigating"]
    assert text(find_by_class(root, "p", "entry-status")[0]).startswith("Post-incident review")
    # Still resolved: the end time is the resolution, not the review.
    assert "Resolved 22 Nov 2026, 11:15 GMT (after 2 h 35 min)" in text(root.find(".//main"))


def test_the_home_page_lists_a_recurring_window_by_its_occurrences() -> None:
    series = Maintenance(
        id="weekly-patching",
        title="Weekly patching",
        service_ids=("email",),
        start=at("2026-10-20 07:00"),  # BST: the clocks go back on 25 Oct
        end=at("2026-10-20 09:00"),
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
    )
    root = parse(
        build(Site(make_config(), maintenances=(series,)), now=at("2026-11-10 08:00"))["index.html"]
    )
    sections = {s.get("aria-labelledby"): s for s in root.iter("section")}

    active = text(sections["active-h"])
    assert "Weekly patching" in active and "In progress" in active
    assert "10 Nov 2026, 07:00 GMT – 09:00 GMT" in active
    upcoming = text(sections["upcoming-h"])
    for day in ("17 Nov", "24 Nov", "1 Dec"):
        assert f"{day} 2026, 07:00 GMT – 09:00 GMT" in upcoming
    assert "8 Dec" not in upcoming  # the next three only
    assert "20 Oct" not in active + upcoming


# --- social cards and icons -------------------------------------------------------------


def head_meta(root: ET.Element) -> dict[str, str]:
    return {(m.get("property") or m.get("name")): m.get("content") for m in root.iter("meta")}


def test_each_page_names_the_card_of_its_own_status(out: dict[str, bytes]) -> None:
    site = make_site()
    status = derive(site, NOW)
    cards = {
        "index.html": ("deg", status.overall.description),  # the banner's level
        "incidents/2026-11-24-vpn-slow/index.html": ("part", "Identified"),
        "incidents/2026-11-29-wifi-upgrade/index.html": ("sched", "Scheduled"),
        "services/printing/index.html": ("ok", "Operational"),
        "news/2026-11-20-mfa/index.html": ("news", "News"),
        "history/index.html": ("site", "Example IT status"),
    }
    for path, (key, alt) in cards.items():
        meta = head_meta(parse(out[path]))
        image = meta["og:image"]
        assert image.startswith(f"https://status.example.ac.uk/static/card-{key}.png?v="), path
        assert f"static/card-{key}.png" in out
        assert (meta["og:image:alt"], meta["og:image:width"], meta["og:image:height"]) == (
            alt,
            "256",
            "256",
        ), path
        assert meta["og:image:type"] == "image/png"
        assert meta["twitter:card"] == "summary"
    assert "og:image" not in head_meta(parse(out["404.html"]))  # no canonical address


def test_png_favicon_and_touch_icon_on_every_page(out: dict[str, bytes]) -> None:
    for path, root in pages(out):
        icons = {(link.get("rel"), link.get("type")): link for link in root.iter("link")}
        png = icons[("icon", "image/png")]
        assert (
            png.get("href").startswith("/static/favicon-32.png?v=") and png.get("sizes") == "32x32"
        )
        assert (
            icons[("apple-touch-icon", None)]
            .get("href")
            .startswith("/static/apple-touch-icon.png?v=")
        ), path
        assert icons[("icon", "image/svg+xml")].get("href") == "/static/favicon.svg"


# --- time that moves without a build ------------------------------------------------------


def test_pages_with_something_still_moving_carry_the_build_time(out: dict[str, bytes]) -> None:
    live = {
        "index.html",
        "history/index.html",
        "incidents/2026-11-24-vpn-slow/index.html",  # ongoing
        "incidents/2026-11-29-wifi-upgrade/index.html",  # scheduled
        "incidents/2026-11-24-email-patching/index.html",  # in progress
        "services/email/index.html",  # its patching window is in progress
        "services/vpn/index.html",
        "services/wifi/index.html",
    }
    for path, root in pages(out):
        stale = root.find(".//main/p[@class='stale']")
        scripts = [s for s in root.iter("script") if is_clock(s)]
        if path in live:
            assert stale is not None and stale.get("hidden") is not None, path
            assert stale.get("data-built") == "2026-11-24T12:00:00+00:00", path
            assert stale.get("role") == "status" and not text(stale)
            assert [s.get("data-states") for s in scripts] == [
                "sched:sched:Scheduled|mnt:mnt:In progress|done:ok:Completed"
            ], path
            footer = text(root.find(".//footer//p[@class='colophon']"))
            assert footer.startswith("Last updated 24 Nov 2026, 12:00 GMT . Times are"), path
        else:
            assert stale is None and not scripts, path


def test_a_window_badge_carries_its_times_for_the_clock(out: dict[str, bytes]) -> None:
    root = parse(out["incidents/2026-11-29-wifi-upgrade/index.html"])
    badge = root.find(".//p[@class='entry-status']/span")
    window = next(m for m in make_site().maintenances if m.id == "2026-11-29-wifi-upgrade")
    assert badge.get("data-starts") == window.start.isoformat()
    assert badge.get("data-ends") == window.end.isoformat()
    assert badge.get("class") == "badge s-sched"
    # Update badges and incident badges do not move.
    for path, page in pages(out):
        for span in page.iter("span"):
            if span.get("data-starts"):
                assert "badge" in span.get("class", ""), path
    incident = parse(out["incidents/2026-11-24-vpn-slow/index.html"])
    assert not [s for s in incident.iter("span") if s.get("data-starts")]


def test_only_moving_entries_put_the_build_time_in_cache_keys() -> None:
    made = make_site()

    def from_file(entry: Any) -> Any:  # as the build reads it: its file's digest
        source = dataclasses.replace(entry.source, digest=f"sha-{entry.id}")
        return dataclasses.replace(entry, source=source)

    site = dataclasses.replace(
        made,
        incidents=tuple(map(from_file, made.incidents)),
        maintenances=tuple(map(from_file, made.maintenances)),
        news=tuple(map(from_file, made.news)),
    )
    keys = {page.path: page.key for page in render.html_pages(site, derive(site, NOW))}
    later = {
        page.path: page.key
        for page in render.html_pages(site, derive(site, NOW + timedelta(minutes=15)))
    }
    moved = {path for path in keys if keys[path] != later[path]}
    assert moved == {
        "history/index.html",
        "incidents/2026-11-24-vpn-slow/index.html",
        "incidents/2026-11-29-wifi-upgrade/index.html",
        "incidents/2026-11-24-email-patching/index.html",
        "services/email/index.html",
        "services/vpn/index.html",
        "services/wifi/index.html",
    }
    assert keys["index.html"] is None  # rendered every build anyway


def test_mastodon_and_bluesky_accounts_are_followed_from_the_page() -> None:
    """``[publish.mastodon] account`` and an enabled Bluesky handle are in the box,
    linked rel="me" (Mastodon then shows the site verified on the profile)."""
    from statusgen.model import BlueskyConfig, MastodonConfig

    publish = PublishConfig(
        x=XConfig(account=None),
        mastodon=MastodonConfig(account="itstatus@social.example.ac.uk"),
        bluesky=BlueskyConfig(enabled=True, handle="itstatus.example.ac.uk"),
    )
    root = parse(build(make_site(make_config(publish=publish)))["index.html"])
    subscribe = root.find(".//section[@id='subscribe']")
    social = [(text(a), a.get("href"), a.get("rel")) for a in subscribe.iter("a")][-2:]
    assert social == [
        (
            "@itstatus@social.example.ac.uk on Mastodon",
            "https://social.example.ac.uk/@itstatus",
            "me",
        ),
        (
            "@itstatus.example.ac.uk on Bluesky",
            "https://bsky.app/profile/itstatus.example.ac.uk",
            "me",
        ),
    ]
    me = [link.get("href") for link in root.iter("link") if link.get("rel") == "me"]
    assert me == [
        "https://social.example.ac.uk/@itstatus",
        "https://bsky.app/profile/itstatus.example.ac.uk",
    ]
