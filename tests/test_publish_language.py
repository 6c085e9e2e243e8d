"""Posts in a target's language (``language = "cy"`` in a target's table): that
language's catalogue and templates, the entry's texts in it where the file
gives them (the manifest records them), its edition's link; and the words
inside the placeholders (the service list, the window) in the post's language."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from statusgen import cli
from statusgen.build import load_site, render_site
from statusgen.errors import StatusgenError
from statusgen.i18n.strings import strings_for
from statusgen.manifest import Manifest
from statusgen.model import MastodonConfig, PublishConfig
from statusgen.publish.compose import PostRefused, compose
from statusgen.publish.diff import FIRST, event_for

SITE_TOML = """\
    title = "IT status"
    base_url = "https://status.example.ac.uk/"
    timezone = "Europe/London"
    language = "en-GB"
    other_languages = ["cy"]
    {extra}

    [[services]]
    id = "email"
    name = "Email"

    [[services]]
    id = "webmail"
    name = "Webmail"

    [[services]]
    id = "vpn"
    name = "VPN"
"""
INCIDENT = """\
    ---
    title: Email delays
    title_cy: Oedi e-bost
    services: [email, webmail, vpn]
    impact: partial_outage
    started: 2026-11-24 08:40
    post_text: "Email is slow, we are on it."
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
WINDOW = """\
    ---
    kind: maintenance
    title: VPN upgrade
    services: [vpn, email]
    start: 2026-11-29 06:00
    end: 2026-11-29 08:00
    ---
"""
NOW = "2026-11-24 12:00"
INCIDENT_REF = "incidents/2026-11-24-email"
WINDOW_REF = "incidents/2026-11-29-vpn"


@pytest.fixture
def site_dir(write_site) -> Path:
    return write_site(
        {
            "site.toml": SITE_TOML.format(extra=""),
            "content/incidents/2026-11-24-email.md": INCIDENT,
            "content/incidents/2026-11-29-vpn.md": WINDOW,
        }
    )


def manifest_of(root: Path) -> tuple[Manifest, object]:
    loaded = load_site(root, now=NOW)
    _, manifest = render_site(loaded.site, loaded.now, None)
    return manifest, loaded.site.config


def first_post(root: Path, ref: str, key: str = FIRST, **options: object) -> str:
    manifest, config = manifest_of(root)
    record = manifest.entry(ref)
    assert record is not None, [r.ref for r in manifest.entries]
    event = event_for(record, key)
    assert event is not None
    return compose(event, config, limit=500, links="all", **options).text


# --- the manifest records the translations -------------------------------------------


def test_the_manifest_records_each_translation_once(site_dir):
    manifest, _ = manifest_of(site_dir)
    data = json.loads(manifest.to_bytes())
    incident = next(e for e in data["entries"] if e["path"] == INCIDENT_REF + "/")
    assert incident["translations"] == {
        "cy": {"title": "Oedi e-bost", "summary": None, "updates": ["Rydym yn ymchwilio.", None]}
    }
    assert incident["title"] == "Email delays"
    # Nothing translated: no translations key at all.
    window = next(e for e in data["entries"] if e["path"] == WINDOW_REF + "/")
    assert "translations" not in window
    # And it reads back as it was written.
    assert Manifest.from_bytes(manifest.to_bytes()) == manifest


def test_a_manifest_with_a_bad_translation_is_corrupt(site_dir):
    manifest, _ = manifest_of(site_dir)
    data = json.loads(manifest.to_bytes())
    data["entries"][0]["translations"] = {"cy": {"title": 3, "updates": []}}
    message = "corrupt statusgen manifest (translation 'cy': 'title' should be str)"
    with pytest.raises(StatusgenError, match=re.escape(message)):
        Manifest.from_bytes(json.dumps(data).encode())


# --- compose in the target's language --------------------------------------------------


def test_a_welsh_target_posts_the_welsh_texts_with_the_welsh_words(site_dir):
    text = first_post(site_dir, INCIDENT_REF, "update:1", language="cy")
    assert text == (
        "Diweddariad am Oedi e-bost (Email, Webmail, a(c) VPN)\n"
        "Ymchwilio: Rydym yn ymchwilio.\n"
        "https://status.example.ac.uk/cy/incidents/2026-11-24-email/"
    )


def test_an_untranslated_message_falls_back_to_the_main_language(site_dir):
    text = first_post(site_dir, INCIDENT_REF, "update:2", language="cy")
    assert text.splitlines()[1] == "Wedi canfod yr achos: A disk is full."


def test_the_main_language_post_is_unchanged_and_keeps_post_text(site_dir):
    english = first_post(site_dir, INCIDENT_REF, "update:1")
    assert english == first_post(site_dir, INCIDENT_REF, "update:1", language="en-GB")
    assert english.splitlines()[0] == "Update on Email delays (Email, Webmail and VPN)"
    assert first_post(site_dir, INCIDENT_REF).startswith("Email is slow, we are on it.")


def test_a_welsh_first_post_is_composed_not_the_english_post_text(site_dir):
    text = first_post(site_dir, INCIDENT_REF, language="cy")
    assert text.splitlines()[:2] == [
        "Wedi canfod yr achos: Oedi e-bost",
        "Yn effeithio ar: Email, Webmail, a(c) VPN",
    ]


def test_a_target_in_another_language_keeps_its_own_templates_only(site_dir):
    manifest, config = manifest_of(site_dir)
    config = replace(
        config, publish=PublishConfig(templates={"updated": "English: {title}\n{link}"})
    )
    event = event_for(manifest.entry(INCIDENT_REF), "update:1")
    assert compose(event, config).text.startswith("English: Email delays")
    welsh = compose(event, config, language="cy")
    assert welsh.text.startswith("Diweddariad am Oedi e-bost")
    assert (welsh.language, compose(event, config).language) == ("cy", "en-GB")
    own = compose(event, config, language="cy", templates={"updated": "{title}: {message}"})
    assert own.text.startswith("Oedi e-bost: Rydym yn ymchwilio.")


# --- the words inside the placeholders ------------------------------------------------


@pytest.mark.parametrize(
    ("language", "window", "services"),
    [
        ("en-GB", "Sun 29 Nov 2026, 06:00–08:00 GMT", "Email and VPN"),
        ("de-DE", "So., 29. Nov. 2026, 06:00–08:00 GMT", "Email und VPN"),
        # French names a zero offset as its CLDR release does: UTC, or GMT in older ones.
        ("fr-FR", "dim. 29 nov. 2026, 06:00–08:00 {zone}", "Email et VPN"),
        ("es-ES", "dom, 29 nov 2026, 06:00–08:00 GMT", "Email y VPN"),
        ("nl-NL", "zo 29 nov 2026, 06:00–08:00 GMT", "Email en VPN"),
        ("cy-GB", "Sul 29 Tach 2026, 06:00–08:00 GMT", "Email a(c) VPN"),
    ],
)
def test_the_window_and_the_service_list_are_in_the_post_language(
    write_site, language, window, services
):
    root = write_site(
        {
            "site.toml": SITE_TOML.replace('"en-GB"', f'"{language}"')
            .format(extra="")
            .replace('other_languages = ["cy"]', ""),
            "content/incidents/2026-11-29-vpn.md": WINDOW,
        }
    )
    text = first_post(root, WINDOW_REF)
    lines = text.splitlines()
    zone = strings_for(load_site(root, now=NOW).site.config).zone_name(
        datetime(2026, 11, 29, 8, tzinfo=ZoneInfo("Europe/London"))
    )
    assert lines[1].split(": ", 1)[1] == window.format(zone=zone), text
    assert lines[2].split(": ", 1)[1] == services, text


@pytest.mark.parametrize(
    ("language", "window"),
    [
        ("en-GB", "Sat 27 Mar 2027 23:00 GMT – Sun 28 Mar 2027 03:00 BST"),
        ("de-DE", "Sa., 27. März 2027, 23:00 GMT – So., 28. März 2027, 03:00 GMT+01:00"),
        ("cy-GB", "Sad 27 Maw 2027 23:00 GMT – Sul 28 Maw 2027 03:00 GMT+01:00"),
    ],
)
def test_a_window_across_a_clock_change_names_both_zones(write_site, language, window):
    root = write_site(
        {
            "site.toml": SITE_TOML.replace('"en-GB"', f'"{language}"')
            .format(extra="")
            .replace('other_languages = ["cy"]', ""),
            "content/incidents/2026-11-29-vpn.md": WINDOW.replace(
                "2026-11-29 06:00", "2027-03-27 23:00"
            ).replace("2026-11-29 08:00", "2027-03-28 03:00"),
        }
    )
    text = first_post(root, WINDOW_REF)
    assert text.splitlines()[1].split(": ", 1)[1] == window, text


# --- the key in site.toml ---------------------------------------------------------------

TARGETS = """\
    [publish.mastodon]
    instance = "https://mastodon.example.ac.uk"
    language = "{mastodon}"

    [publish.bluesky]
    handle = "itstatus.example.ac.uk"
    language = "{bluesky}"

    [[publish.webhooks]]
    name = "teams-it"
    format = "teams"
    url_env = "TEAMS_IT_WEBHOOK_URL"
    language = "{webhook}"

    [publish.email]
    language = "{email}"
"""


def check_lines(root: Path, capsys) -> tuple[int, list[str]]:
    code = cli.main(["--site", str(root), "check", "--now", NOW])
    return code, capsys.readouterr().err.splitlines()


def test_each_target_takes_a_language_of_the_site(site_dir, capsys):
    targets = TARGETS.format(mastodon="cy", bluesky="en-GB", webhook="cy", email="cy")
    toml = site_dir / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n" + targets.replace("    ", ""))
    loaded = load_site(site_dir, now=NOW)
    publish = loaded.site.config.publish
    assert (publish.mastodon.language, publish.bluesky.language) == ("cy", "en-GB")
    assert (publish.webhooks[0].language, publish.email.language) == ("cy", "cy")
    assert PublishConfig().mastodon.language is None == MastodonConfig().language


def test_a_language_the_site_does_not_have_is_named_with_a_fix(site_dir, capsys):
    targets = TARGETS.format(mastodon="cym", bluesky="CY", webhook="fr", email="en-gb")
    toml = site_dir / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n" + targets.replace("    ", ""))
    code, err = check_lines(site_dir, capsys)
    assert code == 1
    languages = 'is not one of this site\'s languages ("en-GB", "cy")'
    assert err == [
        f"site.toml:22: publish.mastodon.language: 'cym' {languages} (did you mean 'cy'?)",
        f"site.toml:26: publish.bluesky.language: 'CY' {languages} (did you mean 'cy'?)",
        f"site.toml:32: publish.webhooks[1].language: 'fr' {languages} (add it to "
        "other_languages to post in it; its pages come with it)",
        f"site.toml:35: publish.email.language: 'en-gb' {languages} (did you mean 'en-GB'?)",
        "4 errors, 0 warnings",
    ]


def test_a_site_in_one_language_is_told_how_to_add_one(site_dir, capsys):
    toml = site_dir / "site.toml"
    text = toml.read_text(encoding="utf-8").replace('other_languages = ["cy"]', "")
    for name in ("2026-11-24-email.md",):
        entry = site_dir / "content/incidents" / name
        entry.write_text(
            "\n".join(
                line
                for line in entry.read_text(encoding="utf-8").splitlines()
                if "_cy:" not in line
            )
            + "\n"
        )
    toml.write_text(text + '\n[publish.mastodon]\nlanguage = "cy"\n')
    code, err = check_lines(site_dir, capsys)
    assert (code, err) == (
        1,
        [
            "site.toml:21: publish.mastodon.language: 'cy' is not this site's language "
            '("en-GB"; add other_languages = ["cy"] to site.toml to post in a second language)',
            "1 error, 0 warnings",
        ],
    )


# --- a publish run: each target in its own language -----------------------------------


def test_a_dry_run_posts_each_target_in_its_language(site_dir, tmp_path, capsys):
    toml = site_dir / "site.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        # Events of last week are still news to this run.
        + "\n[publish]\nmax_age = 10000\n"
        + '\n[publish.mastodon]\nenabled = true\ninstance = "https://mastodon.example.ac.uk"\n'
        + 'language = "cy"\n\n[publish.bluesky]\nenabled = true\nhandle = "it.example.ac.uk"\n'
    )
    entry = site_dir / "content/incidents/2026-11-24-email.md"
    text = entry.read_text(encoding="utf-8")
    entry.unlink()
    previous = tmp_path / "previous"
    assert (
        cli.main(["--site", str(site_dir), "build", "--output", str(previous), "--now", NOW]) == 0
    )
    entry.write_text(text, encoding="utf-8")
    assert cli.main(["--site", str(site_dir), "build", "--now", NOW]) == 0
    capsys.readouterr()
    argv = ["publish", "--previous", str(previous), "--output", str(site_dir / "public")]
    assert cli.main(["--site", str(site_dir), *argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Mastodon: would post (" in out and "Bluesky: would post (" in out, out
    mastodon = out.split("Mastodon: would post (", 1)[1].split("Bluesky:", 1)[0]
    bluesky = out.split("Bluesky: would post (", 1)[1]
    assert "Wedi canfod yr achos: Oedi e-bost" in mastodon, out
    assert "https://status.example.ac.uk/cy/incidents/2026-11-24-email/" in mastodon
    assert "Email is slow, we are on it." in bluesky  # the main language's post_text


def test_cards_and_mail_carry_the_post_language_words(site_dir):
    from statusgen.publish.targets.email import subject
    from statusgen.publish.targets.webhooks import slack_body, teams_body

    manifest, config = manifest_of(site_dir)
    event = event_for(manifest.entry(INCIDENT_REF), "update:1")
    welsh = compose(event, config, language="cy", links="all")
    card = teams_body(welsh)["attachments"][0]["content"]
    assert card["body"][1]["facts"] == [
        {"title": "Statws", "value": "Ymchwilio"},
        {"title": "Yn effeithio ar", "value": "Email, Webmail, a(c) VPN"},
    ]
    assert card["actions"][0]["title"] == "Gweld ar y dudalen statws"
    slack = slack_body(welsh)["blocks"]
    assert slack[2]["elements"][0]["text"] == "Yn effeithio ar: Email, Webmail, a(c) VPN"
    assert slack[3]["elements"][0]["text"]["text"] == "Gweld ar y dudalen statws"
    assert subject(welsh) == "[Statws] Ymchwilio: Oedi e-bost"
    english = compose(event, config, links="all")
    assert subject(english) == "[Status] Investigating: Email delays"
    facts = teams_body(english)["attachments"][0]["content"]["body"][1]["facts"]
    assert [f["title"] for f in facts] == ["Status", "Affected"]


def test_a_mail_says_its_language(site_dir):
    from statusgen.model import EmailConfig
    from statusgen.publish.targets.email import build_message

    manifest, config = manifest_of(site_dir)
    event = event_for(manifest.entry(INCIDENT_REF), "update:1")
    settings = EmailConfig(to=("list@example.ac.uk",), sender="status@example.ac.uk")
    mail = build_message(compose(event, config, language="cy"), None, settings)
    assert mail["Content-Language"] == "cy"
    rich = mail.get_body(("html",)).get_content()
    assert rich.startswith('<!DOCTYPE html>\n<html lang="cy"><head>')
    english = build_message(compose(event, config), None, settings)
    assert english["Content-Language"] == "en-GB"


def test_a_welsh_post_text_is_the_welsh_targets_first_post(site_dir):
    entry = site_dir / "content/incidents/2026-11-24-email.md"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(
        text.replace(
            'post_text: "Email is slow, we are on it."',
            'post_text: "Email is slow, we are on it."\npost_text_cy: "Mae e-bost yn araf."',
        ),
        encoding="utf-8",
    )
    manifest, _ = manifest_of(site_dir)
    data = json.loads(manifest.to_bytes())
    incident = next(e for e in data["entries"] if e["path"] == INCIDENT_REF + "/")
    assert incident["translations"]["cy"]["post_text"] == "Mae e-bost yn araf."
    assert incident["lines"]["post_text_cy"] == 8
    assert first_post(site_dir, INCIDENT_REF, language="cy") == (
        "Mae e-bost yn araf.\nhttps://status.example.ac.uk/cy/incidents/2026-11-24-email/"
    )
    assert first_post(site_dir, INCIDENT_REF).startswith("Email is slow, we are on it.")
    # Too long for the target: refused at its own line.
    record = manifest.entry(INCIDENT_REF)
    _, config = manifest_of(site_dir)
    with pytest.raises(PostRefused) as refused:
        compose(event_for(record, FIRST), config, limit=30, language="cy", label="Mastodon")
    assert str(refused.value.problem) == (
        "content/incidents/2026-11-24-email.md:8: post_text_cy: is 43 characters as Mastodon "
        "counts them (at most 30 with the link)"
    )


def test_a_forbidden_name_in_a_welsh_post_text_is_named_at_its_line(site_dir, capsys):
    toml = site_dir / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[privacy]\nforbidden = ['srv-[0-9]+']\n")
    entry = site_dir / "content/incidents/2026-11-24-email.md"
    entry.write_text(
        entry.read_text(encoding="utf-8").replace(
            'post_text: "Email is slow, we are on it."',
            'post_text: "Email is slow, we are on it."\npost_text_cy: "Mae srv-12 yn araf."',
        ),
        encoding="utf-8",
    )
    code, err = check_lines(site_dir, capsys)
    assert code == 1
    assert err[0].startswith(
        "content/incidents/2026-11-24-email.md:8: post_text_cy: 'srv-12' matches "
    ), err
