"""The privacy guard: a forbidden pattern anywhere people write fails check and build.

Each case starts from a clean scratch site that builds, adds a forbidden
text in one place a person writes (content, site.toml, a theme override),
and expects `check` and `build` to fail with one line naming that file and
line, and the previous output to stay byte for byte what it was. The
guard's readings (escapes, feeds, iCalendar folding) are tested directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import make_config, make_site

from statusgen import cli
from statusgen.model import PrivacyConfig
from statusgen.privacy import check_outputs, guard, readings

NOW = "2026-11-24 12:00"

SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"
description = "Staff and student email"

[[services]]
id = "vpn"
name = "VPN"
description = "Remote access"

[privacy]
forbidden = ['\\.internal\\.example\\.ac\\.uk', 'srv-[0-9]+', 'R&D-[0-9]+']
"""

INCIDENT = """
---
title: Email delivery delays
services: [email]
impact: partial_outage
started: 2026-11-22 08:40
updates:
  - at: 2026-11-22 08:45
    status: investigating
    message: Incoming email is delayed.
  - at: 2026-11-22 09:30
    status: identified
    message: A filter is slow.
---
We are looking into it.

More detail follows.
"""

MAINTENANCE = """
---
kind: maintenance
title: VPN upgrade
services: [vpn]
start: 2026-11-29 06:00
end: 2026-11-29 08:00
---
Expect short drops.
"""

NEWS = """
---
title: New VPN client
date: 2026-11-20
summary: Install the new client before December.
---
Download it from the software centre.
"""

BASE = {
    "site.toml": SITE_TOML,
    "content/incidents/x.md": INCIDENT,
    "content/incidents/m.md": MAINTENANCE,
    "content/news/n.md": NEWS,
}

TAIL = "and would be published (remove it, or move it to internal_notes)"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes (the output as a deploy would see it)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def built(write_site: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> Path:
    """A clean scratch site, built once: the 'previous output' every case must keep."""
    root = write_site(BASE)
    code, _, err = run(capsys, "--site", str(root), "build", "--now", NOW)
    assert (code, err) == (0, [])
    return root


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


CASES = {
    # where: (file, old text, new text, the exact problem line)
    "title": (
        "content/incidents/x.md",
        "title: Email delivery delays",
        "title: Email delivery delays on srv-12",
        f"content/incidents/x.md:2: title: 'srv-12' matches the privacy rule 'srv-[0-9]+' {TAIL}",
    ),
    "update message": (
        "content/incidents/x.md",
        "message: A filter is slow.",
        "message: A filter on srv-12 is slow.",
        "content/incidents/x.md:12: updates[2].message: 'srv-12' matches the privacy rule "
        f"'srv-[0-9]+' {TAIL}",
    ),
    "body, second paragraph": (
        "content/incidents/x.md",
        "More detail follows.",
        "More detail follows from mx1.internal.example.ac.uk.",
        "content/incidents/x.md:16: body: '.internal.example.ac.uk' matches the privacy rule "
        f"'\\\\.internal\\\\.example\\\\.ac\\\\.uk' {TAIL}",
    ),
    "news summary": (
        "content/news/n.md",
        "summary: Install the new client before December.",
        "summary: Install the new client from srv-3 before December.",
        f"content/news/n.md:4: summary: 'srv-3' matches the privacy rule 'srv-[0-9]+' {TAIL}",
    ),
    "maintenance title": (
        "content/incidents/m.md",
        "title: VPN upgrade",
        "title: VPN upgrade of srv-40",
        f"content/incidents/m.md:3: title: 'srv-40' matches the privacy rule 'srv-[0-9]+' {TAIL}",
    ),
    "service description in site.toml": (
        "site.toml",
        'description = "Remote access"',
        'description = "Remote access through srv-7"',
        "site.toml:13: services[2].description: 'srv-7' matches the privacy rule 'srv-[0-9]+' "
        "and would be published (remove it)",
    ),
    "escaped in every output (& is &amp; in HTML, \\u0026 in JSON)": (
        "site.toml",
        'description = "Staff and student email"',
        'description = "Staff, student and R&D-4 lab email"',
        "site.toml:8: services[1].description: 'R&D-4' matches the privacy rule 'R&D-[0-9]+' "
        "and would be published (remove it)",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_forbidden_text_fails_check_and_build_and_keeps_the_output(
    built: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    name, old, new, expected = CASES[case]
    before = snapshot(built / "public")
    edit(built, name, old, new)

    code, out, err = run(capsys, "--site", str(built), "check")
    assert (code, out) == (1, [])
    assert expected in err, "\n".join(err)
    assert err[-1].startswith("1 error")

    code, out, err = run(capsys, "--site", str(built), "build", "--now", NOW)
    assert (code, out) == (1, [])
    assert expected in err, "\n".join(err)
    assert snapshot(built / "public") == before
    assert sorted(p.name for p in built.iterdir()) == ["content", "public", "site.toml"]


def test_a_theme_template_override_is_named_with_its_line(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(built / "public")
    template = built / "themes/default/templates/_subscribe.html"
    template.parent.mkdir(parents=True)
    template.write_text(
        '<section id="subscribe">\n<h2>Get updates</h2>\n'
        "<p>Or ask the on-call desk at oncall.internal.example.ac.uk</p>\n</section>\n",
        encoding="utf-8",
    )
    expected = (
        "themes/default/templates/_subscribe.html:3: theme: '.internal.example.ac.uk' matches "
        "the privacy rule '\\\\.internal\\\\.example\\\\.ac\\\\.uk' and would be published "
        "(remove it)"
    )
    for command in (["check"], ["build", "--now", NOW]):
        code, out, err = run(capsys, "--site", str(built), *command)
        assert (code, out) == (1, [])
        assert err[0] == expected, "\n".join(err)
    assert snapshot(built / "public") == before


def test_one_problem_per_place_even_when_a_text_is_in_many_outputs(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(built, "content/incidents/x.md", "Email delivery delays", "Email delays on srv-12")
    edit(built, "content/news/n.md", "Download it", "Download it from srv-12")
    code, _, err = run(capsys, "--site", str(built), "check")
    assert code == 1
    assert [line.split(":", 2)[:2] for line in err[:-1]] == [
        ["content/incidents/x.md", "2"],
        ["content/news/n.md", "6"],
    ]
    assert err[-1] == "2 errors, 0 warnings"


def test_rules_with_flags_and_lookbehind_do_not_crash(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Joined into one alternation, '(?i)…' was a re.error and a lookbehind lost its rule."""
    edit(
        built,
        "site.toml",
        "forbidden = [",
        "forbidden = ['(?i)SECRET-[a-z]+', '(?<=host )alpha', ",
    )
    edit(built, "content/incidents/x.md", "A filter is slow.", "Secret-plan on host alpha.")
    code, _, err = run(capsys, "--site", str(built), "check")
    assert code == 1
    assert err[:2] == [
        "content/incidents/x.md:12: updates[2].message: 'Secret-plan' matches the privacy rule "
        f"'(?i)SECRET-[a-z]+' {TAIL}",
        "content/incidents/x.md:12: updates[2].message: 'alpha' matches the privacy rule "
        f"'(?<=host )alpha' {TAIL}",
    ]


def test_markdown_that_splits_a_word_is_traced_through_the_plain_text(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`srv-*12*` is srv-<em>12</em> in pages but srv-12 in the JSON copies of the message."""
    edit(built, "content/incidents/x.md", "A filter is slow.", "A filter on srv-*12* is slow.")
    code, _, err = run(capsys, "--site", str(built), "check")
    assert code == 1
    assert err[0] == (
        f"content/incidents/x.md:12: updates[2].message: 'srv-12' matches the privacy rule "
        f"'srv-[0-9]+' {TAIL}"
    )


# --- internal_notes ------------------------------------------------------------------

NOTES = {
    "content/incidents/x.md": (
        "title: Email delivery delays",
        "internal_notes: restarted srv-12 and db7.internal.example.ac.uk NOTE-SENTINEL-1\n"
        "title: Email delivery delays",
    ),
    "content/incidents/m.md": (
        "title: VPN upgrade",
        "title: VPN upgrade\ninternal_notes:\n  - change on srv-40 NOTE-SENTINEL-2\n"
        "  - {host: vpn3.internal.example.ac.uk, who: NOTE-SENTINEL-3}",
    ),
    "content/news/n.md": (
        "summary: Install",
        "internal_notes: |\n  Ask srv-9 (NOTE-SENTINEL-4)\n  on pkg.internal.example.ac.uk\n"
        "summary: Install",
    ),
}
NOTE_TEXTS = ("NOTE-SENTINEL", "srv-", "internal.example", "db7", "vpn3")


def test_internal_notes_never_reach_any_output_or_post(
    write_site: Callable[..., Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = write_site({"site.toml": SITE_TOML})
    previous = tmp_path / "previous"
    code, _, err = run(capsys, "--site", str(root), "build", "--output", str(previous))
    assert (code, err) == (0, [])

    write_site(BASE, root)
    for name, (old, new) in NOTES.items():
        edit(root, name, old, new)
    code, _, err = run(capsys, "--site", str(root), "check")
    assert (code, err) == (0, [])
    code, _, err = run(capsys, "--site", str(root), "build", "--now", NOW)
    assert (code, err) == (0, [])

    files = snapshot(root / "public")
    assert "_statusgen/manifest.json" in files
    leaks = [
        (path, text) for path, data in files.items() for text in NOTE_TEXTS if text.encode() in data
    ]
    assert leaks == []

    code, out, err = run(
        capsys, "--site", str(root), "publish", "--previous", str(previous), "--dry-run"
    )
    assert (code, err) == (0, [])
    posts = [line for line in out if line.startswith("would post")]
    assert len(posts) == 3, out
    assert not [line for line in out for text in NOTE_TEXTS if text in line]


# --- posts -------------------------------------------------------------------------


def test_a_post_template_with_forbidden_text_is_refused(
    write_site: Callable[..., Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Templates never reach a page, so only compose's own check can stop them.
    (check and build refuse the template too; here it comes after the build.)"""
    toml = SITE_TOML + '\n[publish.templates]\nnews = "{title} (ask srv-1)\\n{link}"\n'
    root = write_site({"site.toml": SITE_TOML})
    previous = tmp_path / "previous"
    assert cli.main(["--debug", "--site", str(root), "build", "--output", str(previous)]) == 0
    write_site({"content/news/n.md": NEWS}, root)
    assert cli.main(["--site", str(root), "build", "--now", NOW]) == 0
    write_site({"site.toml": toml}, root)
    capsys.readouterr()
    code, out, err = run(
        capsys, "--site", str(root), "publish", "--previous", str(previous), "--dry-run"
    )
    assert code == 1
    assert not [line for line in out if line.startswith("would post")]
    refused = [line for line in out if line.startswith("refused")]
    assert len(refused) == 1
    assert "site.toml" in refused[0] and "publish.templates.news" in refused[0]
    assert "'srv-[0-9]+'" in refused[0]
    assert "1 post refused" in err[-1]


# --- the readings of one output ------------------------------------------------------

RULES = tuple(re.compile(p) for p in (r"srv-[0-9]+", r"R&D-[0-9]+"))


@pytest.mark.parametrize(
    ("path", "data", "found"),
    [
        ("index.html", b"<p>R&amp;D-4 lab</p>", "R&D-4"),
        ("index.html", b"<p>R&#38;D-4 lab</p>", "R&D-4"),
        ("feeds/all.atom", b"<content>&lt;p&gt;R&amp;amp;D-4&lt;/p&gt;</content>", "R&D-4"),
        ("api/v2/components.json", b'{"d": "R\\u0026D-4 lab"}', "R&D-4"),
        ("api/v2/components.json", b'{"d": "srv\\u002d12"}', "srv-12"),
        (
            "feeds/maintenance.ics",
            b"SUMMARY:Upgrade of the mail relay on s\r\n rv-12 tonight\r\n",
            "srv-12",
        ),
        ("feeds/maintenance.ics", b"DESCRIPTION:R&D-4\\, lab\r\n", "R&D-4"),
        ("static/notes.md", b"ask srv-12", "srv-12"),
    ],
)
def test_outputs_are_searched_as_readers_see_them(path: str, data: bytes, found: str) -> None:
    config = make_config(privacy=PrivacyConfig(forbidden=RULES))
    text = readings(path, data)
    assert text is not None
    rules = guard(config)
    assert rules is not None
    assert found in [m.group(0) for _, m in rules.findall(text)]


def test_binary_outputs_are_skipped() -> None:
    assert readings("static/logo.png", b"\x89PNG\r\n\x1a\n\xff\xfe srv-12") is None


def test_a_match_no_source_explains_names_the_output() -> None:
    config = make_config(privacy=PrivacyConfig(forbidden=RULES))
    site = make_site(config)
    problems = check_outputs(site, {"robots.txt": b"Disallow: /srv-99/\n"})
    assert [str(p) for p in problems] == [
        "robots.txt: privacy: 'srv-99' matches the privacy rule 'srv-[0-9]+' and would be "
        "published (remove it); found in the output, not in a source"
    ]


def test_a_clean_site_has_no_problems() -> None:
    config = make_config(privacy=PrivacyConfig(forbidden=RULES))
    assert check_outputs(make_site(config), {"index.html": b"<p>All good &amp; well</p>"}) == []


# --- posts check can foresee --------------------------------------------------------

POST_REFUSED = "the post is not sent (remove the text)"


def _with_templates(root: Path, templates: str) -> None:
    path = root / "site.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[publish.templates]\n" + templates)


def test_a_template_with_forbidden_text_fails_check_and_build(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It passed check, then publish refused every post of that event."""
    before = snapshot(built / "public")
    templates = 'updated = "{title}: {message}"\nnews = "{title} (ask srv-1)\\n{link}"\n'
    _with_templates(built, templates)
    expected = [
        "site.toml:20: publish.templates.news: matches privacy.forbidden[2] ('srv-[0-9]+'): "
        f"{POST_REFUSED}",
        "1 error, 0 warnings",
    ]
    for command in (["check"], ["build", "--now", NOW]):
        code, out, err = run(capsys, "--site", str(built), *command)
        assert (code, out, err) == (1, [], expected), command
    assert snapshot(built / "public") == before


def test_a_match_only_the_filled_in_post_makes_names_the_template(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No field and no template text matches alone: only the composed post does."""
    edit(built, "content/incidents/x.md", "started:", "reference: '42'\nstarted:")
    _with_templates(built, 'opened = "{status}: {title}\\nTicket srv-{reference}\\n{link}"\n')
    code, out, err = run(capsys, "--site", str(built), "check")
    assert (code, out) == (1, [])
    assert err == [
        "site.toml:19: publish.templates.opened: matches privacy.forbidden[2] ('srv-[0-9]+'): "
        f"{POST_REFUSED}",
        "1 error, 0 warnings",
    ]


def test_a_forbidden_field_in_a_post_is_one_line_not_two(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page already names the field: the post of it adds no second line."""
    edit(built, "content/incidents/x.md", "message: A filter is slow.", "message: srv-12 is slow.")
    code, _, err = run(capsys, "--site", str(built), "check")
    assert (code, err) == (
        1,
        [
            "content/incidents/x.md:12: updates[2].message: 'srv-12' matches the privacy rule "
            f"'srv-[0-9]+' {TAIL}",
            "1 error, 0 warnings",
        ],
    )
