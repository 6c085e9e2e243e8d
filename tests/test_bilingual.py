"""Entries in two languages: ``other_languages``, ``title_cy:``/``message_cy:``,
the site in each language (`translate.site_in`) and its edition under ``/cy/``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import html5lib
import pytest
from conftest import NOW, make_config, make_site

from statusgen import cli
from statusgen.build import build, render_site
from statusgen.config import parse_config
from statusgen.errors import ProblemsError
from statusgen.manifest import Manifest
from statusgen.model import Translation
from statusgen.publish.diff import events
from statusgen.publish.ledger import Ledger
from statusgen.source import parse_entry
from statusgen.translate import site_in

P = "content/incidents/x.md"
N = "content/news/x.md"
CONFIG = make_config(Path("site"), other_languages=("cy",))

SITE_TOML = """\
    title = "IT status"
    base_url = "https://status.example.ac.uk/it/"
    timezone = "Europe/London"
    language = "en-GB"
    other_languages = ["cy"]

    [[services]]
    id = "email"
    name = "Email"
"""
INCIDENT = """\
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
"""
NEWS = """\
    ---
    title: New VPN
    title_cy: VPN newydd
    date: 2026-11-20
    summary: The VPN moves.
    summary_cy: Mae'r VPN yn symud.
    ---
    Body.
"""


def problems(text: str, path: str = P, config=CONFIG) -> list[str]:
    folder = path.split("/")[1]
    _, found = parse_entry(path, text.encode(), config, folder)
    return [str(p) for p in found]


def parse(text: str, path: str = P, config=CONFIG):
    folder = path.split("/")[1]
    entry, found = parse_entry(path, text.encode(), config, folder)
    assert entry is not None, [str(p) for p in found]
    return entry


def front(*lines: str) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n"


BASE = (
    "title: Email delays",
    "services: [email]",
    "impact: partial_outage",
    "started: 2026-11-24 08:40",
)


# --- site.toml ----------------------------------------------------------------------


def config_problems(**values: object) -> list[str]:
    data = {"title": "x", "base_url": "https://x.example/", "timezone": "UTC", **values}
    try:
        parse_config(Path("."), data)
    except ProblemsError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_other_languages_are_read_in_order():
    data = {"title": "x", "base_url": "https://x.example/", "timezone": "UTC"}
    config = parse_config(Path("."), {**data, "other_languages": ["cy", "fr-CA"]})
    assert config.other_languages == ("cy", "fr-CA")
    assert parse_config(Path("."), data).other_languages == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["cy_GB"], "'cy_GB' is not a BCP 47 language tag (write 'cy-GB')"),
        (["Welsh!"], '\'Welsh!\' is not a BCP 47 language tag (like "cy" or "fr-CA")'),
        (
            ["en-US"],
            "'en-US' is the main language (language = 'en-GB'); list only the others "
            "(the main language's texts are the keys without a suffix)",
        ),
        (["cy", "cy"], "'cy' is listed twice (keep one: entries write cy_ keys once)"),
        (
            ["pt-BR", "pt-PT"],
            "'pt-PT' shares the suffix 'pt' with 'pt-BR' (keep one: entries write pt_ keys once)",
        ),
        ([3], 'expected language tags in quotes, got 3 (like ["cy"])'),
    ],
)
def test_other_languages_problems(value, message):
    assert config_problems(language="en-GB", other_languages=value) == [
        f"site.toml: other_languages: {message}"
    ]


def test_other_languages_problem_names_its_line(write_site, capsys):
    root = write_site({"site.toml": SITE_TOML.replace('["cy"]', '["cy", "en"]')})
    assert cli.main(["--site", str(root), "check"]) != 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "site.toml:5: other_languages: 'en' is the main language (language = 'en-GB'); list "
        "only the others (the main language's texts are the keys without a suffix)"
    )


# --- front-matter -----------------------------------------------------------------------


def test_translations_are_kept():
    entry = parse(INCIDENT.replace("\n    ", "\n").lstrip())
    assert entry.title == "Email delays"
    assert entry.translations == {"cy": Translation(title="Oedi e-bost")}
    assert [u.translations for u in entry.updates] == [{"cy": "Rydym yn ymchwilio."}, {}]
    news = parse(NEWS.replace("\n    ", "\n").lstrip(), N)
    assert news.translations == {"cy": Translation("VPN newydd", "Mae'r VPN yn symud.")}
    assert news.source.line_of("summary_cy") == 6


def test_a_one_language_site_keeps_empty_translations():
    entry = parse(front(*BASE), config=make_config(Path("site")))
    assert entry.translations == {}


def test_a_suffix_the_site_does_not_declare():
    text = front(*BASE, "title_cy: Oedi", "title_fr: Retards")
    assert problems(text) == [
        f"{P}:7: title_fr: 'fr' is not one of this site's languages (other_languages: cy)"
    ]
    assert problems(front(*BASE, "title_cy: Oedi", "title_cym: Oedi")) == [
        f"{P}:7: title_cym: 'cym' is not one of this site's languages (did you mean 'title_cy'?)"
    ]
    assert problems(front(*BASE, "title_cy: Oedi", "title_CY: Oedi")) == [
        f"{P}:7: title_CY: 'CY' must be lowercase (write 'title_cy')"
    ]


def test_keys_that_only_look_suffixed_are_unknown_keys():
    assert problems(front(*BASE, "title_cy: Oedi", "started_at: 2026-11-24 08:40")) == [
        f"{P}:7: started_at: unknown key 'started_at' (did you mean 'started'?)"
    ]
    news = front(
        "title: VPN",
        "title_cy: VPN",
        "date: 2026-11-20",
        "date_cy: 2026-11-20",
        "summary: Moves.",
        "summary_cy: Symud.",
    )
    assert problems(news, N) == [f"{N}:5: date_cy: unknown key 'date_cy' (did you mean 'date'?)"]


def test_the_main_language_has_no_suffix():
    assert problems(front(*BASE, "title_cy: Oedi", "title_en: Delays")) == [
        f"{P}:7: title_en: 'en' is the site's main language (write it as 'title:')"
    ]


def test_a_suffix_on_a_site_in_one_language():
    assert problems(front(*BASE, "title_cy: Oedi"), config=make_config(Path("site"))) == [
        f"{P}:6: title_cy: 'title_cy' is in a language this site does not declare (add "
        'other_languages = ["cy"] to site.toml, or remove the key)'
    ]


def test_a_misspelt_translated_key():
    text = front(
        *BASE,
        "title_cy: Oedi",
        "updates:",
        "  - at: 2026-11-24 08:45",
        "    status: investigating",
        "    message: Looking.",
        "    mesage_cy: Edrych.",
    )
    assert problems(text) == [
        f"{P}:10: updates[1].message: note: no message_cy (the cy pages show this text "
        "instead; add 'message_cy:' below it)",
        f"{P}:11: updates[1].mesage_cy: unknown key 'mesage_cy' (did you mean 'message_cy'?)",
    ]


def test_summary_only_on_news_and_post_text_in_any_language():
    assert problems(front(*BASE, "title_cy: Oedi", "summary_cy: Crynodeb")) == [
        f"{P}:7: summary_cy: unknown key 'summary_cy' (allowed: kind, title, services, "
        "impact, started, resolved, reference, updates, draft, post, post_text, internal_notes)"
    ]
    # For a target posting in Welsh; no note when it is missing (that target composes).
    entry = parse(front(*BASE, "title_cy: Oedi", "post_text: Slow.", "post_text_cy: Araf."))
    assert entry.translations["cy"] == Translation(title="Oedi", post_text="Araf.")
    assert problems(front(*BASE, "title_cy: Oedi", "post_text: Slow.")) == []


def test_translations_follow_the_rules_of_their_originals():
    text = front(
        *BASE,
        "title_cy: Ystafell argraffu #3",
        "updates:",
        "  - at: 2026-11-24 08:45",
        "    status: investigating",
        "    message: Looking.",
        "    message_cy: no",
    )
    assert problems(text) == [
        f"{P}:6: title_cy: '#3' would be dropped: YAML reads ' #' as the start of a comment "
        '(quote the whole value: title_cy: "Ystafell argraffu #3")',
        f'{P}:11: updates[1].message_cy: expected text, got a yes/no value (quote it: "no")',
    ]
    news = front(
        "title: VPN",
        "title_cy: VPN",
        "date: 2026-11-20",
        "summary: Moves.",
        "summary_cy: Mae *hyn* yn symud",
    )
    assert problems(news, N) == [
        f"{N}:6: summary_cy: contains '*' (plain text only: no Markdown or HTML)"
    ]
    multi = front(*BASE, "title_cy: |", "  Oedi", "  e-bost")
    assert problems(multi) == [f"{P}:6: title_cy: has a line break (keep it on one line)"]


def test_each_missing_translation_is_a_note():
    text = front(
        *BASE,
        "updates:",
        "  - at: 2026-11-24 08:45",
        "    status: investigating",
        "    message: Looking.",
    )
    assert problems(text) == [
        f"{P}:2: title: note: no title_cy (the cy pages show this text instead; "
        "add 'title_cy:' below it)",
        f"{P}:9: updates[1].message: note: no message_cy (the cy pages show this text "
        "instead; add 'message_cy:' below it)",
    ]
    # An empty translation is one not given yet.
    assert problems(front(*BASE, "title_cy:")) == [
        f"{P}:2: title: note: no title_cy (the cy pages show this text instead; "
        "add 'title_cy:' below it)",
    ]


# --- the site in a language ---------------------------------------------------------------


def bilingual_site():
    site = make_site(make_config(other_languages=("cy",)))
    first = site.incidents[0]
    updates = (
        replace(first.updates[0], translations=MappingProxyType({"cy": "Rydym yn edrych."})),
        *first.updates[1:],
    )
    first = replace(
        first,
        updates=updates,
        translations=MappingProxyType({"cy": Translation(title="VPN yn araf")}),
    )
    return replace(site, incidents=(first, *site.incidents[1:]))


def test_site_in_translates_and_marks_what_fell_back():
    site = bilingual_site()
    welsh = site_in(site, "cy")
    assert welsh.config.language == "cy"
    assert welsh.config.base_url == site.config.base_url
    first = welsh.incidents[0]
    assert first.title == "VPN yn araf"
    assert "title" not in first.text_lang
    assert first.updates[0].message == "Rydym yn edrych."
    assert first.updates[0].text_lang == {}
    assert first.updates[1].message == site.incidents[0].updates[1].message
    assert first.updates[1].text_lang == {"message": "en-GB"}
    # Untranslated entries keep their English, marked English.
    other = welsh.incidents[1]
    assert other.title == site.incidents[1].title
    assert other.text_lang["title"] == "en-GB"
    news = welsh.news[0]
    assert (news.title, news.summary) == (site.news[0].title, site.news[0].summary)
    assert news.text_lang["title"] == news.text_lang["summary"] == "en-GB"
    # Facts are stated once: times, statuses and services are the original's.
    assert [(u.at, u.status) for u in first.updates] == [
        (u.at, u.status) for u in site.incidents[0].updates
    ]
    assert first.services == site.incidents[0].services


def test_site_in_the_main_language_is_the_site():
    site = bilingual_site()
    assert site_in(site, "en-GB") is site
    with pytest.raises(ValueError, match="'fr' is not one of the site's languages"):
        site_in(site, "fr")


# --- the Welsh edition ----------------------------------------------------------------------

BUILD_NOW = "2026-11-24 12:00"


@pytest.fixture
def bilingual(write_site) -> Path:
    return write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/2026-11-24-email.md": INCIDENT,
            "content/news/2026-11-20-vpn.md": NEWS,
        }
    )


def built(root: Path) -> Path:
    build(root, now=BUILD_NOW, cache=False)
    return root / "public"


def alternates_of(page: bytes) -> dict[str, str]:
    doc = html5lib.parse(page, namespaceHTMLElements=False)
    links = doc.findall(".//head/link[@rel='alternate'][@hreflang]")
    return {link.get("hreflang"): link.get("href") for link in links}


def test_both_languages_build_with_reciprocal_hreflang_pairs(bilingual):
    out = built(bilingual)
    base = "https://status.example.ac.uk/it/"
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("index.html"))
    assert pages == [
        "cy/history/index.html",
        "cy/incidents/2026-11-24-email/index.html",
        "cy/index.html",
        "cy/news/2026-11-20-vpn/index.html",
        "cy/services/email/index.html",
        "history/index.html",
        "incidents/2026-11-24-email/index.html",
        "index.html",
        "news/2026-11-20-vpn/index.html",
        "services/email/index.html",
    ]
    for page in pages:
        path = page.removesuffix("index.html").removeprefix("cy/")
        english, welsh = base + path, base + "cy/" + path
        expected = {"en-GB": english, "cy": welsh, "x-default": english}
        found = alternates_of((out / page).read_bytes())
        assert found == expected, page
        # Reciprocal: each page named is a page of the build naming the same set.
        for href in found.values():
            target = out / href.removeprefix(base) / "index.html"
            assert alternates_of(target.read_bytes()) == expected
    assert html5lib.parse((out / "cy/index.html").read_bytes()).get("lang") == "cy"


def test_the_welsh_edition_shows_the_welsh_texts_and_links_inside_itself(bilingual):
    out = built(bilingual)
    page = (out / "cy/incidents/2026-11-24-email/index.html").read_text(encoding="utf-8")
    assert "<title>Oedi e-bost · IT status</title>" in page
    assert "Rydym yn ymchwilio." in page
    assert "A disk is full." in page  # no message_cy: the English is shown
    assert "We are looking into it." not in page
    english = (out / "incidents/2026-11-24-email/index.html").read_text(encoding="utf-8")
    assert "Oedi" not in english and "Rydym" not in english
    doc = html5lib.parse(page, namespaceHTMLElements=False)
    local = [a.get("href") for a in doc.iter("a") if (a.get("href") or "").startswith("/")]
    assert local and all(href.startswith("/it/cy/") for href in local)
    for href in local:
        target = out / href.split("?")[0].split("#")[0].removeprefix("/it/")
        assert target.exists() or (target / "index.html").exists(), href
    feed = (out / "cy/feeds/all.atom").read_text(encoding="utf-8")
    assert "Oedi e-bost" in feed and "https://status.example.ac.uk/it/cy/incidents/" in feed
    news = json.loads((out / "cy/api/news.json").read_bytes())
    assert [(n["title"], n["summary"]) for n in news["news"]] == [
        ("VPN newydd", "Mae'r VPN yn symud.")
    ]
    summary = json.loads((out / "cy/api/v2/incidents.json").read_bytes())
    assert summary["incidents"][0]["status"] == "identified"  # Statuspage's enum, unchanged
    robots = (out / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert robots[-2:] == [
        "Sitemap: https://status.example.ac.uk/it/sitemap.xml",
        "Sitemap: https://status.example.ac.uk/it/cy/sitemap.xml",
    ]
    assert not (out / "cy/404.html").exists() and not (out / "cy/robots.txt").exists()


def test_check_notes_each_missing_translation(bilingual, capsys):
    assert cli.main(["--site", str(bilingual), "check", "--strict", "--now", BUILD_NOW]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "content/incidents/2026-11-24-email.md:14: updates[2].message: note: no message_cy "
        "(the cy pages show this text instead; add 'message_cy:' below it)",
        "0 errors, 0 warnings, 1 note",
    ]


def test_a_forbidden_name_in_a_translation_is_named_at_its_line(bilingual, capsys):
    toml = bilingual / "site.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + "\n[privacy]\nforbidden = ['srv-[0-9]+']\n",
        encoding="utf-8",
    )
    entry = bilingual / "content/incidents/2026-11-24-email.md"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("Rydym yn ymchwilio.", "Mae srv-12 i lawr."), encoding="utf-8")
    assert cli.main(["--site", str(bilingual), "check", "--now", BUILD_NOW]) == 1
    err = capsys.readouterr().err
    assert (
        "content/incidents/2026-11-24-email.md:11: updates[1].message_cy: 'srv-12' matches " in err
    ), err


def test_a_translation_edit_is_no_event(bilingual):
    from statusgen.build import load_site

    loaded = load_site(bilingual, now=BUILD_NOW)
    _, before = render_site(loaded.site, loaded.now, None)
    entry = bilingual / "content/incidents/2026-11-24-email.md"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("Oedi e-bost", "Oedi gydag e-bost"), encoding="utf-8")
    loaded = load_site(bilingual, now=BUILD_NOW)
    files, after = render_site(loaded.site, loaded.now, before)
    assert b"Oedi gydag e-bost" in files["cy/index.html"]
    assert events(before, after, Ledger()) == []
    assert [r.title for r in after.entries] == [r.title for r in before.entries]
    # The manifest records the translation (for a target posting in Welsh), and
    # only there: the record's title and digest are the main language's.
    assert [t.title for t in after.entries[0].translations] == ["Oedi gydag e-bost"]
    assert after.entries[0].title == "Email delays"


def test_a_site_in_one_language_has_no_edition_and_no_alternates():
    files, _ = render_site(make_site(), NOW, None)
    assert not any(path.startswith("cy/") for path in files)
    assert alternates_of(files["index.html"]) == {}
    assert (
        files["robots.txt"]
        .decode()
        .endswith("\nSitemap: https://status.example.ac.uk/sitemap.xml\n")
    )


def test_render_site_has_every_edition():
    site = bilingual_site()
    files, manifest = render_site(site, NOW, None)
    assert b"VPN yn araf" in files["cy/incidents/2026-11-24-vpn-slow/index.html"]
    assert b"VPN yn araf" in files["cy/feeds/all.rss"]
    assert isinstance(manifest, Manifest)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_a_cached_build_of_both_languages_writes_what_an_uncached_one_writes(bilingual, tmp_path):
    entry = bilingual / "content/incidents/2026-11-24-email.md"
    for step in range(2):  # cold, then warm after a translation edit
        if step:
            text = entry.read_text(encoding="utf-8")
            entry.write_text(text.replace("Oedi e-bost", "Oedi gydag e-bost"), encoding="utf-8")
        cached = tree(build(bilingual, now=BUILD_NOW, cache=True).output)
        reference = tmp_path / f"reference-{step}"
        build(bilingual, output=reference, now=BUILD_NOW, cache=False, jobs=1)
        assert cached == tree(reference)
    assert "Oedi gydag e-bost" in cached["cy/index.html"].decode()


def test_declaring_a_language_parses_the_files_again(bilingual):
    from statusgen.build import check

    toml = bilingual / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("other_languages", "# o"))
    found = [str(p) for p in check(bilingual, now=BUILD_NOW, cache=True) if p.is_error]
    assert found == [
        "content/incidents/2026-11-24-email.md:3: title_cy: 'title_cy' is in a language this "
        'site does not declare (add other_languages = ["cy"] to site.toml, or remove the key)',
        "content/incidents/2026-11-24-email.md:11: updates[1].message_cy: 'message_cy' is in a "
        'language this site does not declare (add other_languages = ["cy"] to site.toml, or '
        "remove the key)",
        "content/news/2026-11-20-vpn.md:3: title_cy: 'title_cy' is in a language this site "
        'does not declare (add other_languages = ["cy"] to site.toml, or remove the key)',
        "content/news/2026-11-20-vpn.md:6: summary_cy: 'summary_cy' is in a language this site "
        'does not declare (add other_languages = ["cy"] to site.toml, or remove the key)',
    ]
    toml.write_text(toml.read_text(encoding="utf-8").replace("# o", "other_languages"))
    assert [p for p in check(bilingual, now=BUILD_NOW, cache=True) if p.is_error] == []
