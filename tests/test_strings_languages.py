"""``[strings.cy]``: a bilingual site's own words for one of its other languages,
checked like ``[strings]``, shown on that language's pages and in its posts."""

from __future__ import annotations

from pathlib import Path

import pytest

from statusgen import cli
from statusgen.build import build, load_site, render_site
from statusgen.i18n.strings import strings_for
from statusgen.publish.compose import compose
from statusgen.publish.diff import event_for

SITE_TOML = """\
    title = "IT status"
    base_url = "https://status.example.ac.uk/"
    timezone = "Europe/London"
    language = "en-GB"
    other_languages = ["cy"]

    [[services]]
    id = "email"
    name = "Email"

    [strings]
    subscribe.heading = "Follow us"

    [strings.cy]
    subscribe.heading = "Dilynwch ni"
    "status.investigating" = "Wrthi'n ymchwilio"
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
    ---
"""
NOW = "2026-11-24 12:00"


@pytest.fixture
def site_dir(write_site) -> Path:
    return write_site({"site.toml": SITE_TOML, "content/incidents/2026-11-24-email.md": INCIDENT})


def test_each_language_shows_its_own_words(site_dir):
    out = build(site_dir, now=NOW, cache=False).output
    english = (out / "index.html").read_text(encoding="utf-8")
    welsh = (out / "cy/index.html").read_text(encoding="utf-8")
    assert "Follow us" in english and "Dilynwch ni" not in english
    assert "Dilynwch ni" in welsh and "Follow us" not in welsh
    config = load_site(site_dir, now=NOW).site.config
    assert strings_for(config, "cy")("subscribe.heading") == "Dilynwch ni"
    assert strings_for(config)("subscribe.heading") == "Follow us"


def test_a_welsh_target_posts_with_the_welsh_words(site_dir):
    loaded = load_site(site_dir, now=NOW)
    _, manifest = render_site(loaded.site, loaded.now, None)
    event = event_for(manifest.entry("incidents/2026-11-24-email"), "update:1")
    assert compose(event, loaded.site.config, language="cy", links="all").text == (
        "Diweddariad am Oedi e-bost (Email)\nWrthi'n ymchwilio: Rydym yn ymchwilio.\n"
        "https://status.example.ac.uk/cy/incidents/2026-11-24-email/"
    )
    english = compose(event, loaded.site.config).text
    assert english.startswith("Update on Email delays (Email)")


def check(root: Path, capsys) -> tuple[int, list[str]]:
    code = cli.main(["--site", str(root), "check", "--now", NOW])
    return code, capsys.readouterr().err.splitlines()


def test_a_welsh_table_is_checked_like_strings(site_dir, capsys):
    toml = site_dir / "site.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + '"status.major_outge" = "Lawr"\n'
        + 'uptime.days_ago = { one = "{count} diwrnod", other = "{count} diwrnod" }\n'
        + '\n[strings.fr]\n"status.major_outage" = "En panne"\n',
        encoding="utf-8",
    )
    code, err = check(site_dir, capsys)
    assert code == 1
    assert err == [
        "site.toml:17: strings.cy.status.major_outge: unknown string (did you mean "
        "status.major_outage?)",
        # Welsh's six plural forms, not English's two.
        "site.toml:18: strings.cy.uptime.days_ago: plural form missing: zero, two, few, many "
        "(this language needs zero, one, two, few, many, other)",
        "site.toml:20: strings.fr: 'fr' is not one of this site's other languages (add it to "
        "other_languages for its pages; tables of other languages: [strings.cy])",
        "3 errors, 0 warnings",
    ]
