"""The page in the reader's language: catalogues, CLDR dates, language choice,
``[strings]``, check's problems, and builds with no English left."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import html5lib
import pytest
from conftest import make_config

from statusgen import cli
from statusgen.build import build
from statusgen.i18n.catalogue import (
    CATEGORIES,
    PACKAGE_LOCALES,
    SHIPPED,
    english,
    flatten,
    placeholders,
    read_toml,
)
from statusgen.i18n.strings import plural_categories, strings_for

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "golden" / "site"
NOW = "2026-11-24 12:00"


def run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


# --- the shipped catalogues ----------------------------------------------------------


def _names(message: object) -> frozenset[str]:
    forms = [message] if isinstance(message, str) else list(message.values())  # type: ignore[union-attr]
    return frozenset().union(*(placeholders(f) or frozenset() for f in forms))


@pytest.mark.parametrize("language", SHIPPED)
def test_every_catalogue_has_every_english_key_with_its_placeholders(language: str) -> None:
    reference = english()
    data, _ = read_toml(PACKAGE_LOCALES / f"{language}.toml")
    found = flatten(data, reference)
    assert sorted(found) == sorted(reference)
    needed = plural_categories(language)
    for key, message in found.items():
        if isinstance(reference[key], str):
            assert isinstance(message, str), key
            assert placeholders(message) == _names(reference[key]), key
        else:
            assert set(message) == needed, key
            assert placeholders(message["other"]) == _names(reference[key]), key
            for form in message.values():
                assert placeholders(form) is not None and placeholders(form) <= _names(
                    reference[key]
                ), key


def test_welsh_uses_all_six_plural_categories() -> None:
    assert plural_categories("cy") == frozenset(CATEGORIES)
    t = strings_for(make_config(language="cy-GB"))
    assert [t("uptime.days_ago", count=n) for n in (0, 1, 2, 3, 6, 90)] == [
        "0 diwrnod yn ôl",
        "1 diwrnod yn ôl",
        "2 ddiwrnod yn ôl",
        "3 diwrnod yn ôl",
        "6 diwrnod yn ôl",
        "90 diwrnod yn ôl",
    ]


# --- language choice -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "catalogue", "word"),
    [
        ("fr-FR", "fr", "Panne majeure"),
        ("fr", "fr", "Panne majeure"),
        ("de-AT", "de", "Größere Störung"),
        ("cy-GB", "cy", "Toriad mawr"),
        ("es-419", "es", "Interrupción grave"),
        ("nl-BE", "nl", "Grote storing"),
        ("en-US", "en", "Major outage"),
        ("pt-BR", "en", "Major outage"),
    ],
)
def test_language_picks_the_catalogue_by_best_match(tag: str, catalogue: str, word: str) -> None:
    t = strings_for(make_config(language=tag))
    assert (t.tag, t.catalogue, t("status.major_outage")) == (tag, catalogue, word)


def test_en_us_dates_read_as_in_the_us() -> None:
    t = strings_for(make_config(language="en-US", timezone=ZoneInfo("America/New_York")))
    text, _, _ = t.moment(datetime(2026, 7, 1, 7, 5, tzinfo=UTC))
    assert text == "Jul 1, 2026, 3:05\u202fAM EDT"


# --- dates across a DST change, in every shipped language ------------------------------

# Each zone's last Sunday of October and of March 2026, an instant either side of
# the change (UTC): 00:30 and 01:30.
_OCT_BEFORE = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
_OCT_AFTER = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
_MAR_BEFORE = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
_MAR_AFTER = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def _cldr_zero_gmt(named: str, unnamed: str) -> str:
    """Newer CLDR (46, Babel 2.16 on) no longer names London's winter time "GMT"
    in most languages (the localized GMT format shows instead); older CLDR (43,
    Babel 2.14) does. Both are CLDR's answer for its version: the case follows
    the data Babel carries."""
    from babel.dates import get_timezone_name

    winter = datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/London"))
    return named if get_timezone_name(winter, "short", locale="fr") == "GMT" else unnamed


def _nl_join(old: str, new: str) -> str:
    """Dutch's medium date-time pattern gained its comma in newer CLDR."""
    from babel import Locale

    return new if "," in Locale.parse("nl").datetime_formats["medium"] else old


def _dst_cases() -> list[tuple[str, str, datetime, str]]:
    cases = []
    london = {
        "en": [
            "25 Oct 2026, 01:30 BST",
            "25 Oct 2026, 01:30 GMT",
            "29 Mar 2026, 00:30 GMT",
            "29 Mar 2026, 02:30 BST",
        ],
        "de": [
            "25.10.2026, 01:30 GMT+01:00",
            "25.10.2026, 01:30 GMT",
            "29.03.2026, 00:30 GMT",
            "29.03.2026, 02:30 GMT+01:00",
        ],
        "fr": [
            "25 oct. 2026, 01:30 UTC+01:00",
            f"25 oct. 2026, 01:30 {_cldr_zero_gmt('GMT', 'UTC')}",
            f"29 mars 2026, 00:30 {_cldr_zero_gmt('GMT', 'UTC')}",
            "29 mars 2026, 02:30 UTC+01:00",
        ],
        "es": [
            "25 oct 2026, 1:30 GMT+01:00",
            "25 oct 2026, 1:30 GMT",
            "29 mar 2026, 0:30 GMT",
            "29 mar 2026, 2:30 GMT+01:00",
        ],
        "nl": [
            f"25 okt 2026{_nl_join('', ',')} 01:30 GMT+01:00",
            f"25 okt 2026{_nl_join('', ',')} 01:30 GMT",
            f"29 mrt 2026{_nl_join('', ',')} 00:30 GMT",
            f"29 mrt 2026{_nl_join('', ',')} 02:30 GMT+01:00",
        ],
        "cy": [
            "25 Hyd 2026 01:30 GMT+01:00",
            "25 Hyd 2026 01:30 GMT",
            "29 Maw 2026 00:30 GMT",
            "29 Maw 2026 02:30 GMT+01:00",
        ],
    }
    paris = {
        "en": [
            "25 Oct 2026, 02:30 CEST",
            "25 Oct 2026, 02:30 CET",
            "29 Mar 2026, 01:30 CET",
            "29 Mar 2026, 03:30 CEST",
        ],
        "de": [
            "25.10.2026, 02:30 MESZ",
            "25.10.2026, 02:30 MEZ",
            "29.03.2026, 01:30 MEZ",
            "29.03.2026, 03:30 MESZ",
        ],
        "fr": [
            "25 oct. 2026, 02:30 UTC+02:00",
            "25 oct. 2026, 02:30 UTC+01:00",
            "29 mars 2026, 01:30 UTC+01:00",
            "29 mars 2026, 03:30 UTC+02:00",
        ],
        "es": [
            "25 oct 2026, 2:30 CEST",
            "25 oct 2026, 2:30 CET",
            "29 mar 2026, 1:30 CET",
            "29 mar 2026, 3:30 CEST",
        ],
        "nl": [
            f"25 okt 2026{_nl_join('', ',')} 02:30 CEST",
            f"25 okt 2026{_nl_join('', ',')} 02:30 CET",
            f"29 mrt 2026{_nl_join('', ',')} 01:30 CET",
            f"29 mrt 2026{_nl_join('', ',')} 03:30 CEST",
        ],
        "cy": [
            "25 Hyd 2026 02:30 CEST",
            "25 Hyd 2026 02:30 CET",
            "29 Maw 2026 01:30 CET",
            "29 Maw 2026 03:30 CEST",
        ],
    }
    moments = (_OCT_BEFORE, _OCT_AFTER, _MAR_BEFORE, _MAR_AFTER)
    for zone, table in (("Europe/London", london), ("Europe/Paris", paris)):
        for language, texts in table.items():
            for moment, text in zip(moments, texts, strict=True):
                cases.append((zone, language, moment, text))
    return cases


@pytest.mark.parametrize(("zone", "language", "moment", "expected"), _dst_cases())
def test_dates_across_a_dst_change(
    zone: str, language: str, moment: datetime, expected: str
) -> None:
    tag = {"en": "en-GB", "cy": "cy-GB"}.get(language, language)
    t = strings_for(make_config(language=tag, timezone=ZoneInfo(zone)))
    # The expected text would be the same with any spacing Babel puts around the
    # zone: compare with ordinary spaces.
    assert t.moment(moment)[0].replace("\u202f", " ").replace("\xa0", " ") == expected


@pytest.mark.parametrize(
    ("language", "month", "percent"),
    [
        ("en-GB", "October 2026", "99.98%"),
        ("de", "Oktober 2026", "99,98 %"),
        ("fr-FR", "octobre 2026", "99,98 %"),
        ("es", "octubre 2026", "99,98 %"),
        ("nl", "oktober 2026", "99,98%"),
        ("cy-GB", "Hydref 2026", "99.98%"),
    ],
)
def test_months_and_uptime_percentages_are_cldr(language: str, month: str, percent: str) -> None:
    t = strings_for(make_config(language=language))
    assert t.month(_OCT_AFTER) == month
    assert t.percent(99.989).replace("\xa0", " ").replace("\u202f", " ") == percent
    assert t.percent(100.0).startswith("100")


# --- builds with no English left ------------------------------------------------------


def _site_in(tmp_path: Path, language: str, extra: str = "") -> Path:
    """The golden fixture site (one of each thing a page shows) in `language`."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURE, root)
    toml = root / "site.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'language = "en-GB"', f'language = "{language}"'
    )
    toml.write_text(text + extra, encoding="utf-8")
    return root


def _forms(message: object) -> list[str]:
    return [message] if isinstance(message, str) else list(message.values())  # type: ignore[union-attr, list-item]


def _fragments(message: object) -> set[str]:
    """The fixed words of an English message: its text between placeholders."""
    found = set()
    for form in _forms(message):
        for part in re.split(r"\{[a-z_]+\}", form):
            part = part.strip(" .,:;()–-\u2019'")
            if len(re.sub(r"[^A-Za-z]", "", part)) >= 3:
                found.add(part)
    return found


def _html_texts(data: bytes) -> list[str]:
    """What a reader or a screen reader gets of a page: text, aria-label, title, alt."""
    document = html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)
    texts = []
    for element in document.iter():
        if element.tag in ("script", "style"):
            continue
        texts += [element.text or "", element.tail or ""]
        texts += [element.get(a) or "" for a in ("aria-label", "title", "alt", "content")]
    return texts


def _xml_texts(data: bytes) -> list[str]:
    """A feed's text, its escaped HTML content reduced to words."""
    from lxml import etree

    root = etree.fromstring(data)
    texts = []
    for element in root.iter():
        for text in (element.text, element.tail):
            if text:
                texts.append(re.sub(r"<[^>]+>", " ", text))
    return texts


def _user_strings(root: Path) -> set[str]:
    """The user's own words: the site's title and description, the services',
    and every entry's title, summary, update messages, reference and tags."""
    from statusgen.build import load_site

    site = load_site(root, now=NOW).site
    config = site.config
    found = {config.title, config.description}
    for service in config.services:
        found |= {service.name, service.description, service.group or ""}
    for entry in (*site.incidents, *site.maintenances):
        found |= {entry.title, entry.reference or ""}
        found |= {u.message for u in entry.updates}
    for item in site.news:
        found |= {item.title, item.summary, *item.tags}
    return {s for s in found if s}


def _english_left(output: Path, root: Path, language: str) -> list[str]:
    """Every UI string of English found in the build: each text (a node, an
    attribute, an iCalendar line) that is not the user's own content (a piece of
    site.toml or of a content file) and holds an English catalogue's words that
    the language's catalogue does not share (brand names, "(RSS)", "Incident")."""
    own = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file())
    theirs_too = sorted(_user_strings(root), key=len, reverse=True)
    t = strings_for(make_config(language=language))
    # Words the language's catalogue has too are no sign of English.
    theirs = "\n".join(f for m in t.messages.values() for f in _forms(m))
    words = sorted({f for m in english().values() for f in _fragments(m)})
    whole = {f for m in english().values() for f in _forms(m)}
    patterns = [(w, re.compile(rf"(?<![\w]){re.escape(w)}(?![\w])")) for w in words]
    patterns = [(w, p) for w, p in patterns if not p.search(theirs)]
    found = []
    for path in sorted(output.rglob("*")):
        rel = path.relative_to(output).as_posix()
        if path.suffix == ".html":
            texts = _html_texts(path.read_bytes())
        elif path.suffix in (".rss", ".atom"):
            texts = _xml_texts(path.read_bytes())
        elif path.suffix == ".ics":
            unfolded = path.read_text(encoding="utf-8").replace("\r\n ", "")
            texts = [line.split(":", 1)[-1].replace("\\n", "\n") for line in unfolded.splitlines()]
        elif rel.endswith("badge.svg") or path.suffix == ".xsl":
            texts = _xml_texts(path.read_bytes())
        else:
            continue  # the API keeps Statuspage's English; CSS, scripts, images
        for text in texts:
            for piece in text.split("\n"):
                piece = piece.strip()
                # The user's own text (a Markdown body's paragraph), unless it
                # is word for word an English string.
                if not piece or (piece in own and piece not in whole):
                    continue
                for user in theirs_too:  # a title or name within a UI string
                    piece = piece.replace(user, " ")
                piece = re.sub(r"\S+://\S+", " ", piece)  # addresses
                found += [
                    f"{rel}: {word!r} in {piece!r}" for word, p in patterns if p.search(piece)
                ]
    return found


@pytest.mark.parametrize("language", ["fr-FR", "cy-GB"])
def test_a_build_in_french_or_welsh_shows_no_english_ui_string(
    tmp_path: Path, language: str
) -> None:
    root = _site_in(tmp_path, language)
    build(root, output=tmp_path / "out", now=NOW, cache=False)
    assert _english_left(tmp_path / "out", root, language) == []
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{language}">' in page


def test_the_scan_finds_english_in_an_english_build(tmp_path: Path) -> None:
    """The scan can fail: run over the English build with French as the reference."""
    root = _site_in(tmp_path, "en-GB")
    build(root, output=tmp_path / "out", now=NOW, cache=False)
    left = "\n".join(_english_left(tmp_path / "out", root, "fr-FR"))
    for word in ("Get updates", "Major outage", "Page not found", "This is a feed"):
        assert f"{word!r} in" in left
    # the calendar's and the feeds' words too
    assert "feeds/maintenance.ics: 'Affected services' in" in left
    assert "feeds/all.atom: 'Affected' in" in left


def test_french_feeds_and_calendar_use_french_words(tmp_path: Path) -> None:
    root = _site_in(tmp_path, "fr-FR")
    build(root, output=tmp_path / "out", now=NOW, cache=False)
    atom = (tmp_path / "out" / "feeds" / "incidents.atom").read_text(encoding="utf-8")
    assert "Golden IT status : incidents et maintenances" in atom
    assert "<language>fr-FR</language>" in (tmp_path / "out" / "feeds" / "all.rss").read_text()
    ics = (tmp_path / "out" / "feeds" / "maintenance.ics").read_text(encoding="utf-8")
    assert "X-WR-CALNAME:Golden IT status : maintenances" in ics
    # The API keeps Statuspage's English values and descriptions.
    summary = (tmp_path / "out" / "api" / "v2" / "summary.json").read_text(encoding="utf-8")
    assert '"status": "major_outage"' in summary or '"indicator"' in summary


# --- check: languages without a catalogue, theme catalogues, [strings] ------------------

SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"
language = "{language}"

[[services]]
id = "email"
name = "Email"
"""


def test_check_reports_a_language_without_a_catalogue(capsys, write_site) -> None:
    root = write_site({"site.toml": SITE_TOML.format(language="pt-BR")})
    code, _, err = run(capsys, "--site", str(root), "check", "--now", NOW)
    assert code == 0
    assert err == [
        'site.toml:4: language: warning: no catalogue for "pt-BR": its pages are in English '
        "(statusgen ships en, de, fr, es, nl, cy; add themes/default/locales/pt.toml to "
        "translate them)",
        "0 errors, 1 warning",
    ]


def test_a_language_with_a_near_catalogue_is_no_problem(capsys, write_site) -> None:
    root = write_site({"site.toml": SITE_TOML.format(language="fr-CA")})
    code, _, err = run(capsys, "--site", str(root), "check", "--now", NOW)
    assert (code, err) == (0, [])


def test_check_names_each_missing_string_of_a_theme_catalogue_by_its_key(
    capsys, write_site
) -> None:
    # A Portuguese catalogue with every string but two (English's words will do here).
    lines = []
    for key, message in english().items():
        if key in ("status.major_outage", "nav.skip"):
            continue
        if isinstance(message, str):
            lines.append(f"{json.dumps(key)} = {json.dumps(message)}")
        else:
            forms = ", ".join(
                f"{c} = {json.dumps(message['other'])}" for c in ("one", "many", "other")
            )
            lines.append(f"{json.dumps(key)} = {{ {forms} }}")
    root = write_site(
        {
            "site.toml": SITE_TOML.format(language="pt-BR"),
            "themes/default/locales/pt.toml": "\n".join(lines) + "\n",
        }
    )
    code, _, err = run(capsys, "--site", str(root), "check", "--now", NOW)
    assert code == 0
    assert err == [
        "themes/default/locales/pt.toml: nav.skip: warning: missing string (English is shown: "
        '"Skip to main content")',
        "themes/default/locales/pt.toml: status.major_outage: warning: missing string "
        '(English is shown: "Major outage")',
        "0 errors, 2 warnings",
    ]


def test_a_theme_catalogue_adds_a_language(tmp_path: Path) -> None:
    root = _site_in(tmp_path, "pt-BR")
    folder = root / "themes" / "default" / "locales"
    folder.mkdir(parents=True)
    (folder / "pt.toml").write_text(
        '[status]\nmajor_outage = "Interrupção grave"\n'
        '[uptime]\ndays_ago = { one = "há {count} dia", many = "há {count} de dias", '
        'other = "há {count} dias" }\n',
        encoding="utf-8",
    )
    build(root, output=tmp_path / "out", now=NOW, cache=False)
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="pt-BR">' in page
    assert "Interrupção grave" in page
    assert "há 90 dias" in page
    assert "Get updates" in page  # what it leaves out stays English


def test_a_wrong_theme_translation_is_a_problem_not_a_crash(capsys, write_site) -> None:
    root = write_site(
        {
            "site.toml": SITE_TOML.format(language="fr-FR"),
            "themes/default/locales/fr.toml": """
                [footer]
                last_updated = "Mis à jour {when}."
                [uptime]
                days_ago = { one = "il y a {count} jour", other = "il y a {count} jours" }
                """,
        }
    )
    code, _, err = run(capsys, "--site", str(root), "check", "--now", NOW)
    assert code == 1
    assert err == [
        "themes/default/locales/fr.toml:2: footer.last_updated: unknown placeholder {when} "
        "(placeholders: {time})",
        "themes/default/locales/fr.toml:4: uptime.days_ago: plural form missing: many "
        "(this language needs one, many, other)",
        "2 errors, 0 warnings",
    ]


def test_strings_override_any_key(tmp_path: Path) -> None:
    extra = '\n[strings]\n"status.major_outage" = "Down"\nsubscribe.heading = "Follow us"\n'
    root = _site_in(tmp_path, "en-GB", extra)
    build(root, output=tmp_path / "out", now=NOW, cache=False)
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert '<h2 id="subscribe-h">Follow us</h2>' in page
    assert "Down" in page and "Major outage" not in page


def test_check_reports_unknown_and_wrong_strings(capsys, write_site) -> None:
    toml = SITE_TOML.format(language="en-GB") + (
        "\n[strings]\n"
        '"status.major_outge" = "Down"\n'
        'footer.last_updated = "Updated {when}"\n'
        'uptime.days_ago = "days"\n'
        '"nav.skip" = "Skip {0} {"\n'
    )
    root = write_site({"site.toml": toml})
    code, _, err = run(capsys, "--site", str(root), "check", "--now", NOW)
    assert code == 1
    assert err == [
        "site.toml:11: strings.status.major_outge: unknown string (did you mean "
        "status.major_outage?)",
        "site.toml:12: strings.footer.last_updated: unknown placeholder {when} "
        "(placeholders: {time})",
        'site.toml:13: strings.uptime.days_ago: expected a plural table (one = "...", '
        'other = "...")',
        "site.toml:14: strings.nav.skip: not a valid text: braces must name a placeholder "
        "(placeholders: none; write {{ and }} for braces)",
        "4 errors, 0 warnings",
    ]


def test_a_changed_strings_table_is_no_reused_page(tmp_path: Path) -> None:
    """The cache keeps pages by key: the words are part of it."""
    root = _site_in(tmp_path, "en-GB")
    out = tmp_path / "out"
    build(root, output=out, now=NOW, cache=True)
    news = next(out.glob("news/*/index.html"))
    assert "Skip to main content" in news.read_text(encoding="utf-8")
    with (root / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[strings]\n"nav.skip" = "Skip ahead"\n')
    build(root, output=out, now=NOW, cache=True)
    assert "Skip ahead" in news.read_text(encoding="utf-8")
    # and a theme's catalogue, which no .py digest sees
    folder = root / "themes" / "default" / "locales"
    folder.mkdir(parents=True)
    (folder / "en.toml").write_text('[history]\ntitle = "Archive"\n', encoding="utf-8")
    build(root, output=out, now=NOW, cache=True)
    assert "<h1>Archive</h1>" in (out / "history" / "index.html").read_text(encoding="utf-8")


# --- posts ---------------------------------------------------------------------------------


def test_the_english_post_templates_are_the_catalogue_s() -> None:
    from statusgen.publish.compose import DEFAULT_TEMPLATES

    assert {k.value: v for k, v in DEFAULT_TEMPLATES.items()} == {
        k.removeprefix("post."): v for k, v in english().items() if k.startswith("post.")
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr-FR",
            "Cause identifiée : VPN connections slow & dropping <sometimes>\n"
            "Services touchés : VPN\n"
            "A faulty licence server is the cause.\n"
            "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/",
        ),
        (
            "cy-GB",
            "Wedi canfod yr achos: VPN connections slow & dropping <sometimes>\n"
            "Yn effeithio ar: VPN\n"
            "A faulty licence server is the cause.\n"
            "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/",
        ),
    ],
)
def test_a_post_goes_out_in_the_site_s_language(language: str, expected: str) -> None:
    from conftest import NOW as MODEL_NOW
    from conftest import make_site

    from statusgen.manifest import build_manifest
    from statusgen.publish.compose import compose
    from statusgen.publish.diff import FIRST, event_for
    from statusgen.status import derive

    config = make_config(language=language)
    site = make_site(config)
    record = build_manifest(site, derive(site, MODEL_NOW), None).entry(
        "incidents/2026-11-24-vpn-slow"
    )
    assert record is not None
    event = event_for(record, FIRST)
    assert event is not None
    assert compose(event, config).text == expected


def test_a_template_naming_an_unknown_string_is_one_line(capsys, tmp_path: Path) -> None:
    root = _site_in(tmp_path, "en-GB")
    templates = root / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    (templates / "404.html").write_text('{{ t("nav.skipp") }}\n', encoding="utf-8")
    code, _, err = run(capsys, "--site", str(root), "build", "--now", NOW)
    assert code != 0
    assert err[-1].endswith(
        "a template asks for the unknown string 'nav.skipp' (did you mean nav.skip?)"
    )


def test_check_reports_another_language_without_a_catalogue(capsys, write_site) -> None:
    """``other_languages`` are the site's languages too: each is checked like ``language``."""
    toml = SITE_TOML.format(language="en-GB").replace(
        'language = "en-GB"\n', 'language = "en-GB"\nother_languages = ["pt"]\n'
    )
    root = write_site({"site.toml": toml})
    code, _, err = run(capsys, "--site", str(root), "check", "--now", NOW)
    assert code == 0
    assert err == [
        'site.toml:5: other_languages: warning: no catalogue for "pt": its pages are in '
        "English (statusgen ships en, de, fr, es, nl, cy; add themes/default/locales/pt.toml "
        "to translate them)",
        "0 errors, 1 warning",
    ]
