"""Hostile Markdown and front-matter produce no live script in any output.

The fixture site (tests/fixtures/hostile/site) puts script tags, event
handlers, ``javascript:``/``data:``/``vbscript:`` links (obfuscated too),
SVG with script, comments that break out, ``</title>`` and ``]]>`` in titles
and Jinja syntax in every field a person writes. It is built once; then
every output is parsed as its readers parse it (html5lib for pages,
feedparser and an XML parser for feeds, json for the API, icalendar for the
calendar) and searched for anything that could run.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import feedparser
import html5lib
import icalendar
import pytest

from statusgen import cli
from statusgen.markup import to_html, to_text

FIXTURE = Path(__file__).parent / "fixtures" / "hostile" / "site"
NOW = "2026-11-24 12:00"

DANGEROUS_ELEMENTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "form", "style", "link", "meta", "svg", "math", "img",
}  # fmt: skip
"""Never from content. The theme's own (meta and link in <head>, svg icons) are allowed below."""

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset",
    "background", "cite", "ping", "srcdoc",
}  # fmt: skip
BAD_SCHEME = re.compile(r"^(?:javascript|data|vbscript):", re.IGNORECASE)
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def url_as_browsers_read_it(value: str) -> str:
    """WHATWG URL parsing: strip C0 controls and spaces at the ends, drop tabs and newlines.

    So ``jav&#x09;ascript:`` (a tab once decoded) is ``javascript:``, while
    ``jav    ascript:`` (spaces) is a harmless relative path.
    """
    return _TAB_OR_NEWLINE.sub("", value.strip(_C0_AND_SPACE))


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("hostile") / "site"
    shutil.copytree(FIXTURE, site)
    out = site / "public"
    assert cli.main(["--site", str(site), "build", "--now", NOW]) == 0
    return out


def outputs(folder: Path, *suffixes: str) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and p.name.endswith(suffixes)]


# --- what counts as live -----------------------------------------------------------


def live_parts(root: ET.Element, *, theme: bool) -> Iterator[str]:
    """Every element or attribute of an html5lib tree that could run script or leave the page.

    `theme`: the tree is a whole page, whose <head> (meta, link) and SVG
    icons (<svg><use href="...#i-x">) the theme ships; content fragments
    get no such allowance.
    """
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in DANGEROUS_ELEMENTS and not (theme and _themed(element, tag)):
            yield f"<{tag}>"
        for name, value in element.attrib.items():
            attribute = name.rsplit("}", 1)[-1].lower()
            if name.startswith("{http://www.w3.org/1999/xlink}"):
                attribute = "xlink:" + attribute
            if attribute.startswith("on"):
                yield f"<{tag} {attribute}>"
            if attribute in URL_ATTRIBUTES and BAD_SCHEME.match(url_as_browsers_read_it(value)):
                yield f"<{tag} {attribute}={value!r}>"
            if attribute == "style" and re.search(r"expression|url\(|javascript", value, re.I):
                yield f"<{tag} style={value!r}>"
        if tag == "meta" and element.get("http-equiv", "").lower() == "refresh":
            yield "<meta http-equiv=refresh>"


def _themed(element: ET.Element, tag: str) -> bool:
    if tag in ("meta", "link"):
        return True  # only the theme writes <head>; content is sanitised into <body>
    if tag == "script":  # the optional clock (static/clock.js), deferred, nothing inline
        src = element.get("src", "")
        return (
            src.startswith("/")
            and "/static/clock.js?v=" in src
            and element.get("defer") is not None
            and not (element.text or "").strip()
        )
    if tag == "svg":
        children = [c.tag.rsplit("}", 1)[-1] for c in element]
        return element.get("aria-hidden") == "true" and set(children) <= {"use"}
    return False


def parse_html(data: bytes | str) -> ET.Element:
    return html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)


def parse_fragment(text: str) -> ET.Element:
    return html5lib.parseFragment(text, treebuilder="etree", namespaceHTMLElements=False)


# --- pages -------------------------------------------------------------------------


def test_the_hostile_site_builds_and_has_every_kind_of_output(output: Path) -> None:
    names = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    assert "incidents/2026-11-24-xss/index.html" in names
    assert "news/2026-11-20-xss-news/index.html" in names
    assert {"feeds/all.atom", "feeds/all.rss", "feeds/maintenance.ics"} <= names
    assert "api/v2/summary.json" in names


def test_no_page_has_live_script(output: Path) -> None:
    pages = outputs(output, ".html")
    assert len(pages) >= 8
    found = {
        page.relative_to(output).as_posix(): sorted(
            set(live_parts(parse_html(page.read_bytes()), theme=True))
        )
        for page in pages
    }
    assert {k: v for k, v in found.items() if v} == {}


def test_the_theme_ships_no_script(output: Path) -> None:
    for path in outputs(output, ".html", ".svg", ".xml"):
        tree = parse_html(path.read_bytes())
        assert all(_themed(s, "script") for s in tree.iter("script")), path
    # The banner other sites embed (no page of ours loads it), and the clock.
    assert outputs(output, ".js") == [output / "embed" / "banner.js", output / "static/clock.js"]


def test_hostile_titles_and_jinja_print_literally(output: Path) -> None:
    page = parse_html((output / "incidents/2026-11-24-xss/index.html").read_bytes())
    title = page.find(".//title")
    assert title is not None and title.text is not None
    assert "</title><script>alert('title')</script><!-- {{ 7*7 }} ]]> \"'>" in title.text
    h1 = "".join(page.find(".//h1").itertext())  # type: ignore[union-attr]
    assert "{{ 7*7 }}" in h1 and "49" not in h1
    text = "".join(page.find(".//body").itertext())  # type: ignore[union-attr]
    assert "{% include 'base.html' %}" in text
    assert "{% raw %}{{ 7*7 }}{% endraw %}" in text
    assert "<script>alert('in code: shown as text, never run')</script>" in text
    service = parse_html((output / "services/email/index.html").read_bytes())
    assert "{{ 7*7 }} {% if true %}x{% endif %}" in "".join(service.itertext())


def test_safe_links_survive(output: Path) -> None:
    page = parse_html((output / "incidents/2026-11-24-xss/index.html").read_bytes())
    hrefs = [a.get("href") for a in page.iter("a")]
    assert "https://ok.example.org/" in hrefs
    ok = [a for a in page.iter("a") if a.get("href") == "https://ok.example.org/"]
    assert all(a.get("onclick") is None for a in ok)


# --- feeds ---------------------------------------------------------------------------


def feed_contents(data: bytes) -> Iterator[str]:
    parsed = feedparser.parse(data, sanitize_html=False)
    assert not parsed.bozo, parsed.get("bozo_exception")
    for entry in parsed.entries:
        for content in entry.get("content", []):
            yield content.value
        if "summary" in entry:
            yield entry.summary


def test_feeds_are_well_formed_and_carry_no_live_script(output: Path) -> None:
    feeds = outputs(output, ".rss", ".atom")
    assert len(feeds) >= 6
    found: dict[str, list[str]] = {}
    for feed in feeds:
        data = feed.read_bytes()
        ET.fromstring(data)  # well-formed XML, whatever feedparser forgives
        contents = list(feed_contents(data))
        problems = sorted({p for c in contents for p in live_parts(parse_fragment(c), theme=False)})
        if problems:
            found[feed.relative_to(output).as_posix()] = problems
    assert found == {}


def test_feed_titles_keep_the_hostile_text_as_text(output: Path) -> None:
    parsed = feedparser.parse((output / "feeds/incidents.atom").read_bytes(), sanitize_html=False)
    titles = [e.title for e in parsed.entries]
    assert any("</title><script>alert('title')</script>" in t for t in titles), titles


def test_sitemap_is_well_formed(output: Path) -> None:
    root = ET.fromstring((output / "sitemap.xml").read_bytes())
    locs = [e.text or "" for e in root.iter() if e.tag.endswith("loc")]
    assert locs and all(loc.startswith("https://status.example.ac.uk/sub/") for loc in locs)


def test_calendar_is_plain_text(output: Path) -> None:
    """iCalendar text is text: titles stay literal, bodies arrive as plain text, no HTML part."""
    data = (output / "feeds/maintenance.ics").read_bytes()
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    assert b"X-ALT-DESC" not in data and b"text/html" not in data.lower()
    assert str(events[0]["SUMMARY"]) == "Upgrade <script>alert('mnt-title')</script> {{ 7*7 }}"
    description = str(events[0].get("DESCRIPTION", ""))
    assert "mnt-body" not in description and "<svg" not in description


# --- JSON ----------------------------------------------------------------------------


def test_every_json_file_is_valid_and_holds_no_literal_script(output: Path) -> None:
    files = outputs(output, ".json")
    assert len(files) >= 10
    for path in files:
        data = path.read_bytes()
        json.loads(data)
        assert b"<script" not in data.lower(), path


# --- markup.to_html directly --------------------------------------------------------

HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href='jav&#x09;ascript:alert(1)'>x</a>",
    "<a href='jav\tascript:alert(1)'>x</a>",
    "<a href='&#x6A;avascript:alert(1)'>x</a>",
    "<a href='  JAVASCRIPT:alert(1)'>x</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "[x](javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src='https://evil.example/'></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<!-- --><script>alert(1)</script> -->",
    "<!--><script>alert(1)</script>-->",
    "<a href='https://ok.example/' onclick='alert(1)'>x</a>",
    "<a href='https://ok.example/' style='background:url(javascript:alert(1))'>x</a>",
    "<form action='javascript:alert(1)'><button>x</button></form>",
    "<object data='javascript:alert(1)'></object>",
    "<base href='javascript:alert(1)//'>",
    "<meta http-equiv='refresh' content='0;url=javascript:alert(1)'>",
    "<div><p>unclosed <b onmouseover=alert(1)>",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'>",
    "<textarea><script>alert(1)</script></textarea>",
    "<table><td background='javascript:alert(1)'>x</td></table>",
]


@pytest.mark.parametrize("text", HOSTILE_MARKDOWN)
def test_to_html_leaves_nothing_live(text: str) -> None:
    rendered = to_html(text)
    assert sorted(set(live_parts(parse_fragment(rendered), theme=False))) == []
    assert "<script" not in rendered.lower()


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("[site](https://ok.example/a?b=1&c=2)", "https://ok.example/a?b=1&c=2"),
        ("<https://ok.example/>", "https://ok.example/"),
        ("[mail](mailto:help@example.ac.uk)", "mailto:help@example.ac.uk"),
    ],
)
def test_to_html_keeps_safe_links(text: str, href: str) -> None:
    links = list(parse_fragment(to_html(text)).iter("a"))
    assert [a.get("href") for a in links] == [href]
    assert links[0].get("rel") == "noopener noreferrer nofollow"


@pytest.mark.parametrize(
    "text",
    [
        "[x](//evil.example/)",
        "[x](/\\evil.example/)",
        "[x](\\\\\\evil.example/)",
        "<a href='//evil.example/'>x</a>",
        "<a href='\\/evil.example/'>x</a>",
        "<a href=' \t//evil.example/'>x</a>",
        "<a href='/\n/evil.example/'>x</a>",
        "<a href='&#47;&#47;evil.example/'>x</a>",
        "<a href='/&#92;evil.example/'>x</a>",
    ],
)
def test_protocol_relative_links_are_not_relative(text: str) -> None:
    """A browser resolves each to https://evil.example/: no scheme, so not on the allow-list."""
    links = list(parse_fragment(to_html(text)).iter("a"))
    assert [(a.get("href"), "".join(a.itertext())) for a in links] == [(None, "x")]


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("[x](/incidents/)", "/incidents/"),
        ("[x](incidents/a/)", "incidents/a/"),
        ("[x](/%2F%2Fevil.example/)", "/%2F%2Fevil.example/"),  # a path on this site
        ("[x](#top)", "#top"),
    ],
)
def test_relative_links_stay(text: str, href: str) -> None:
    assert [a.get("href") for a in parse_fragment(to_html(text)).iter("a")] == [href]


def test_to_text_is_plain() -> None:
    assert to_text("<script>alert(1)</script> **bold** [x](javascript:alert(1))") == "bold x"


def test_the_checker_itself_sees_live_script() -> None:
    """Guard against a vacuous pass: each kind of live part is reported."""
    page = parse_html(
        "<a href='jav\tascript:x' onclick='x'>a</a><script>x</script>"
        "<iframe src='https://e.example/'></iframe><svg><a xlink:href='data:x'>s</a></svg>"
        "<meta http-equiv='refresh' content='0;url=javascript:x'>"
    )
    assert sorted(set(live_parts(page, theme=False))) == [
        "<a href='jav\\tascript:x'>",
        "<a onclick>",
        "<a xlink:href='data:x'>",
        "<iframe>",
        "<meta http-equiv=refresh>",
        "<meta>",
        "<script>",
        "<svg>",
    ]
