"""A text that fell back to the main language carries its ``lang`` on the other
language's pages and feeds (`translate.site_in` marks it, the views and
templates put it on the element holding it), so a screen reader reads an
English message on a Welsh page with English pronunciation."""

from __future__ import annotations

import textwrap
from pathlib import Path
from xml.etree import ElementTree

import html5lib
import pytest

from statusgen.build import build

SITE_TOML = """\
    title = "IT status"
    base_url = "https://status.example.ac.uk/"
    timezone = "Europe/London"
    language = "en-GB"
    other_languages = ["cy"]

    [[services]]
    id = "email"
    name = "Email"
"""
TRANSLATED = """\
    ---
    title: Email delays
    title_cy: Oedi e-bost
    services: [email]
    impact: partial_outage
    started: 2026-11-24 08:40
    updates:
      - at: 2026-11-24 08:45
        status: investigating
        message: We are looking into it.
        message_cy: Rydym yn ymchwilio.
      - at: 2026-11-24 09:30
        status: identified
        message: A disk is full.
    ---
    The review follows.
"""
UNTRANSLATED = """\
    ---
    title: VPN slow
    services: [email]
    impact: degraded_performance
    started: 2026-11-24 10:00
    updates:
      - at: 2026-11-24 10:05
        status: investigating
        message: Slow from home.
    ---
"""
NEWS = """\
    ---
    title: New VPN
    title_cy: VPN newydd
    date: 2026-11-20
    summary: The VPN moves.
    ---
    Body of the news.
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    # Built once for the module (the `write_site` fixture is per test).
    root = tmp_path_factory.mktemp("fallback") / "site"
    files = {
        "site.toml": SITE_TOML,
        "content/incidents/2026-11-24-email.md": TRANSLATED,
        "content/incidents/2026-11-24-vpn.md": UNTRANSLATED,
        "content/news/2026-11-20-vpn.md": NEWS,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    build(root, now="2026-11-24 12:00", cache=False)
    return root / "public"


def marked(page: bytes) -> list[tuple[str, str, str]]:
    """Every element below <html> with a ``lang``: (tag, lang, its text)."""
    doc = html5lib.parse(page, namespaceHTMLElements=False)
    return [
        (e.tag, e.get("lang"), " ".join("".join(e.itertext()).split()))
        for e in doc.iter()
        if e.get("lang") is not None and e.tag != "html"
    ]


def test_an_incident_page_marks_the_english_left_on_it(out):
    page = (out / "cy/incidents/2026-11-24-email/index.html").read_bytes()
    assert marked(page) == [
        ("div", "en-GB", "A disk is full."),  # the update without message_cy
        ("div", "en-GB", "The review follows."),  # bodies are not translated
    ]
    other = (out / "cy/incidents/2026-11-24-vpn/index.html").read_bytes()
    assert marked(other) == [("h1", "en-GB", "VPN slow"), ("div", "en-GB", "Slow from home.")]


def test_the_home_page_marks_titles_messages_and_summaries(out):
    found = marked((out / "cy/index.html").read_bytes())
    # The untranslated incident's card, its latest update, its line in the past
    # days, its link in the uptime bar's day; the news item's summary.
    assert ("a", "en-GB", "VPN slow") in found
    assert ("div", "en-GB", "Slow from home.") in found
    assert ("div", "en-GB", "A disk is full.") in found  # the translated one's latest
    assert ("p", "en-GB", "The VPN moves.") in found
    assert {text for _, _, text in found} == {
        "VPN slow",
        "Slow from home.",
        "A disk is full.",
        "The VPN moves.",
    }
    assert {lang for _, lang, _ in found} == {"en-GB"}
    assert not any(text in ("Oedi e-bost", "VPN newydd") for _, _, text in found)


def test_lists_and_news_pages_mark_what_fell_back(out):
    history = marked((out / "cy/history/index.html").read_bytes())
    assert history == [("a", "en-GB", "VPN slow"), ("p", "en-GB", "The VPN moves.")]
    service = marked((out / "cy/services/email/index.html").read_bytes())
    assert ("a", "en-GB", "VPN slow") in service
    assert ("a", "en-GB", "Email delays") not in service
    news = marked((out / "cy/news/2026-11-20-vpn/index.html").read_bytes())
    assert news == [("p", "en-GB", "The VPN moves."), ("div", "en-GB", "Body of the news.")]


def test_the_main_language_marks_nothing(out):
    for page in out.glob("*/**/index.html"):
        if not page.relative_to(out).as_posix().startswith("cy/"):
            assert marked(page.read_bytes()) == [], page
    assert marked((out / "index.html").read_bytes()) == []


ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_the_atom_feed_gives_whole_texts_their_xml_lang(out):
    root = ElementTree.parse(out / "cy/feeds/all.atom").getroot()
    entries = {e.findtext(f"{ATOM}title"): e for e in root.iter(f"{ATOM}entry")}
    news = entries["VPN newydd"]
    assert news.find(f"{ATOM}title").get(XML_LANG) is None
    assert news.find(f"{ATOM}summary").get(XML_LANG) == "en-GB"
    assert news.find(f"{ATOM}content").get(XML_LANG) == "en-GB"
    # A message in HTML content is marked inside it, in RSS as in Atom.
    content = entries["Wedi canfod yr achos: Oedi e-bost"].findtext(f"{ATOM}content")
    assert content.startswith('<div lang="en-GB"><p>A disk is full.</p></div>')
    translated = entries["Ymchwilio: Oedi e-bost"].findtext(f"{ATOM}content")
    assert "lang=" not in translated
    rss = (out / "cy/feeds/all.rss").read_text(encoding="utf-8")
    assert '&lt;div lang="en-GB"&gt;&lt;p&gt;A disk is full.' in rss
    english = (out / "feeds/all.atom").read_text(encoding="utf-8")
    assert "lang=" not in english.split("<entry>", 1)[1]


def test_the_calendar_names_the_language_of_an_untranslated_title(write_site):
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/2026-11-29-a.md": """\
                ---
                kind: maintenance
                title: Email upgrade
                services: [email]
                start: 2026-11-29 06:00
                end: 2026-11-29 08:00
                ---
            """,
            "content/incidents/2026-11-30-b.md": """\
                ---
                kind: maintenance
                title: VPN upgrade
                title_cy: Uwchraddio VPN
                services: [email]
                start: 2026-11-30 06:00
                end: 2026-11-30 08:00
                ---
            """,
        }
    )
    out = build(root, now="2026-11-24 12:00", cache=False).output
    welsh = (out / "cy/feeds/maintenance.ics").read_text(encoding="utf-8")
    summaries = [line for line in welsh.splitlines() if line.startswith("SUMMARY")]
    assert summaries == ["SUMMARY;LANGUAGE=en-GB:Email upgrade", "SUMMARY:Uwchraddio VPN"]
    english = (out / "feeds/maintenance.ics").read_text(encoding="utf-8")
    assert "LANGUAGE" not in english
