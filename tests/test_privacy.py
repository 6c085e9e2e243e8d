"""The privacy guard: a forbidden pattern anywhere people write fails check and build.

Each case starts from a clean scratch site that builds, adds a forbidden
text in one place a person writes (content, site.toml, a theme override),
and expects `check` and `build` to fail with one line naming that file and
line, and the previous output to stay byte for byte what it was. The
guard's readings (escapes, feeds, iCalendar folding) are tested directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import NOW as MODEL_NOW
from conftest import make_config, make_site

from statusgen import cli
from statusgen.manifest import build_manifest
from statusgen.model import PrivacyConfig, PublishConfig, XConfig
from statusgen.privacy import check_outputs, guard, readings
from statusgen.publish.compose import PostRefused, compose
from statusgen.publish.diff import FIRST, event_for
from statusgen.rules import compile_rule
from statusgen.status import derive

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

[publish]
max_age = 100000  # hours: the fixture's November posts are still due on today's clock
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


def test_rules_ignore_case_unless_a_rule_says_otherwise(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'(?i)…' still works; a table entry with case_sensitive = true matches only as written."""
    edit(
        built,
        "site.toml",
        "forbidden = [",
        "forbidden = ['(?i)SECRET-[a-z]+', {pattern = 'Ops-[0-9]+', case_sensitive = true}, ",
    )
    edit(built, "content/incidents/x.md", "A filter is slow.", "Secret-plan, ops-1 and Ops-2.")
    code, _, err = run(capsys, "--site", str(built), "check")
    assert code == 1
    assert err == [
        "content/incidents/x.md:12: updates[2].message: 'Ops-2' matches the privacy rule "
        f"'Ops-[0-9]+' {TAIL}",
        "content/incidents/x.md:12: updates[2].message: 'Secret-plan' matches the privacy rule "
        f"'(?i)SECRET-[a-z]+' {TAIL}",
        "2 errors, 0 warnings",
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


# --- what a reader sees: each variant of a forbidden name -----------------------------

HOST = "'\\\\.internal\\\\.example\\\\.ac\\\\.uk'"
SRV = "'srv-[0-9]+'"
TITLE = ("content/incidents/x.md:2: title", "title: Email delivery delays", "title: Email on {}")
MESSAGE = (
    "content/incidents/x.md:12: updates[2].message",
    "message: A filter is slow.",
    "message: A filter on {} is slow.",
)
BODY = ("content/incidents/x.md:16: body", "More detail follows.", "More detail from {}.")
# Markdown that splits a match is traced through the plain text: the field's first line.
BODY_START = ("content/incidents/x.md:14: body", "More detail follows.", "More detail from {}.")
SERVICE = (
    "site.toml:13: services[2].description",
    'description = "Remote access"',
    'description = "Remote access on {}"',
)
VARIANTS = {
    # name: (where, as typed, [(what matched, the rule)])
    "upper case": (TITLE, "SRV-42", [("SRV-42", SRV)]),
    "mixed case": (TITLE, "Srv-42", [("Srv-42", SRV)]),
    "mixed case host": (
        TITLE,
        "mail.Internal.Example.ac.uk",
        [(".Internal.Example.ac.uk", HOST)],
    ),
    "upper case host": (TITLE, "MAIL.INTERNAL.EXAMPLE.AC.UK", [(".INTERNAL.EXAMPLE.AC.UK", HOST)]),
    "soft hyphen": (TITLE, "srv\u00ad-42", [("srv-42", SRV)]),
    "zero-width space": (TITLE, "srv-\u200b42", [("srv-42", SRV)]),
    "word joiner": (TITLE, "srv-\u206042", [("srv-42", SRV)]),
    "zero-width joiner in a host": (
        TITLE,
        "mail.inter\u200dnal.example.ac.uk",
        [(".internal.example.ac.uk", HOST)],
    ),
    "fullwidth": (TITLE, "ｓｒｖ－４２", [("srv-42", SRV)]),
    "fullwidth upper case": (TITLE, "ＳＲＶ－４２", [("SRV-42", SRV)]),
    "fullwidth full stops": (
        TITLE,
        "mail．internal．example．ac．uk",
        [(".internal.example.ac.uk", HOST)],
    ),
    "&shy; in Markdown": (MESSAGE, "srv&shy;-42", [("srv-42", SRV)]),
    "&#8203; in Markdown": (MESSAGE, "srv-&#8203;42", [("srv-42", SRV)]),
    "empty tag in a body": (BODY, "srv-<b></b>42", [("srv-42", SRV)]),
    "empty emphasis in a body": (BODY, "srv-<em></em>42", [("srv-42", SRV)]),
    "percent-encoded link host": (
        MESSAGE,
        "[the portal](https://srv%2D42%2Einternal.example.ac.uk/)",
        [("srv-42", SRV), (".internal.example.ac.uk", HOST)],
    ),
    "percent-encoded autolink, lower-case hex": (
        MESSAGE,
        "<https://srv%2d42.example.ac.uk/>",
        [("srv-42", SRV)],
    ),
    "percent-encoded link path": (
        MESSAGE,
        "[status](https://status.example.ac.uk/srv%2D42/)",
        [("srv-42", SRV)],
    ),
    "emphasis splitting a word in a body": (BODY_START, "srv-*42*", [("srv-42", SRV)]),
    "percent-encoded host in a body": (
        BODY,
        "[here](https://www%2Einternal.example.ac.uk/)",
        [(".internal.example.ac.uk", HOST)],
    ),
    "upper case in site.toml": (SERVICE, "SRV-7", [("SRV-7", SRV)]),
    "fullwidth in site.toml": (SERVICE, "ｓｒｖ－７", [("srv-7", SRV)]),
}


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_every_variant_a_reader_sees_fails_the_build(
    built: Path, capsys: pytest.CaptureFixture[str], variant: str
) -> None:
    (where, old, new), typed, found = VARIANTS[variant]
    name = where.split(":", 1)[0]
    edit(built, name, old, new.format(typed))
    before = snapshot(built / "public")
    tail = TAIL if name.startswith("content/") else "and would be published (remove it)"
    expected = [
        f"{where}: {matched!r} matches the privacy rule {rule} {tail}" for matched, rule in found
    ]
    code, out, err = run(capsys, "--site", str(built), "build", "--now", NOW)
    assert (code, out) == (1, [])
    assert sorted(err[:-1]) == sorted(expected), "\n".join(err)
    assert snapshot(built / "public") == before


POST_RULES = (compile_rule(r"srv-[0-9]+"), compile_rule(r"\.internal\.example\.ac\.uk"))


@pytest.mark.parametrize(
    "title",
    [typed for (where, _, _), typed, _ in VARIANTS.values() if where == TITLE[0]]
    + [
        "See https://srv%2D42%2Einternal.example.ac.uk/",
        "srv&shy;-42 down",
        "srv-<b></b>42 down",
    ],
)
def test_a_composed_post_with_any_variant_is_refused(title: str) -> None:
    config = make_config(
        publish=PublishConfig(x=XConfig(enabled=True)),
        privacy=PrivacyConfig(forbidden=POST_RULES),
    )
    site = make_site(config)
    site = replace(site, incidents=(replace(site.incidents[0], title=title), *site.incidents[1:]))
    record = build_manifest(site, derive(site, MODEL_NOW), None).entry(
        "incidents/2026-11-24-vpn-slow"
    )
    assert record is not None
    event = event_for(record, FIRST)
    assert event is not None
    with pytest.raises(PostRefused) as caught:
        compose(event, site.config)
    assert str(caught.value.problem).startswith(
        "content/incidents/2026-11-24-vpn-slow.md:2: title: matches privacy.forbidden["
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

RULES = tuple(compile_rule(p) for p in (r"srv-[0-9]+", r"R&D-[0-9]+"))


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
    assert found in [matched for _, _, matched in rules.findall(text)]


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


# --- rules the linear-time engine cannot run ---------------------------------------------

RE2_LACKS = "which the linear-time engine RE2 lacks"
UNSUPPORTED = {
    # the entry as written in site.toml: the message after 'privacy.forbidden[1]: '
    r"'srv-(?=[0-9])'": (
        f"'srv-(?=[0-9])' uses lookahead (?=...), {RE2_LACKS} "
        "(match the text itself: srv-[0-9]+, not srv-(?=[0-9]))"
    ),
    r"'srv-(?!test)'": (
        f"'srv-(?!test)' uses negative lookahead (?!...), {RE2_LACKS} "
        "(list the names to forbid instead)"
    ),
    r"'(?<=host )alpha'": (
        f"'(?<=host )alpha' uses lookbehind (?<=...), {RE2_LACKS} "
        "(put the text before into the rule, or leave it out)"
    ),
    r"'(?<!x)srv'": (
        f"'(?<!x)srv' uses negative lookbehind (?<!...), {RE2_LACKS} "
        "(list the names to forbid instead)"
    ),
    r"'(srv)-\1'": (
        f"'(srv)-\\\\1' uses backreference \\1, {RE2_LACKS} "
        "(repeat the group's pattern instead: RE2 cannot refer back to a group)"
    ),
    r"'(?P<h>srv)(?P=h)'": (
        f"'(?P<h>srv)(?P=h)' uses named backreference (?P=name), {RE2_LACKS} "
        "(repeat the group's pattern instead)"
    ),
    r"'(?>srv)-1'": (
        f"'(?>srv)-1' uses atomic group (?>...), {RE2_LACKS} "
        "(write (?:...): RE2 never backtracks, so it is not needed)"
    ),
    r"'srv-[0-9]++'": (
        f"'srv-[0-9]++' uses possessive quantifier ++, {RE2_LACKS} "
        "(write +: RE2 never backtracks, so it is not needed)"
    ),
    r"'(a)?(?(1)b|c)'": (
        f"'(a)?(?(1)b|c)' uses conditional group (?(...)...), {RE2_LACKS} "
        "(write the alternatives with |)"
    ),
    r"'srv\Z'": f"'srv\\\\Z' uses end of text \\Z, {RE2_LACKS} (write \\z)",
    r"'(?x) srv - 1'": (
        f"'(?x) srv - 1' uses flag (?x), {RE2_LACKS} "
        "(RE2 knows the flags i, m, s and U; case is a rule setting (see README))"
    ),
    r"'a{1001}'": (
        f"'a{{1001}}' uses repeat count {{1001}}, {RE2_LACKS} "
        "(RE2 counts to 1000 at most; use + or a smaller count)"
    ),
    r"'srv\u00ad'": (
        f"'srv\\\\u00ad' uses escape \\uXXXX, {RE2_LACKS} "
        "(write \\x{XXXX} or the character itself)"
    ),
    "'srv-[0-9+'": "bad regular expression 'srv-[0-9+': missing ]: [0-9+ (see RE2's syntax)",
    "{pattern = 'srv', case = true}": ("unknown key 'case' (known keys: pattern, case_sensitive)"),
    "{pattern = 'srv', case_sensitive = 'yes'}": "case_sensitive: expected true or false",
    "{case_sensitive = true}": (
        "expected a regular expression in quotes, or {pattern = '...', case_sensitive = true}"
    ),
    "12": "expected a regular expression in quotes, or {pattern = '...', case_sensitive = true}",
}


@pytest.mark.parametrize("entry", UNSUPPORTED, ids=list(UNSUPPORTED))
def test_a_rule_the_engine_cannot_run_is_one_config_line(
    write_site: Callable[..., Path], capsys: pytest.CaptureFixture[str], entry: str
) -> None:
    toml = SITE_TOML.replace("forbidden = [", f"forbidden = [{entry}, ")
    root = write_site({"site.toml": toml})
    code, out, err = run(capsys, "--site", str(root), "check")
    assert (code, out) == (1, [])
    assert err == [
        f"site.toml:16: privacy.forbidden[1]: {UNSUPPORTED[entry]}",
        "1 error, 0 warnings",
    ]


@pytest.mark.parametrize(
    ("name", "matched"),
    [("srv-42-rack.jpg", "srv-42"), ("SRV%2D42.png", "SRV-42"), ("ｓｒｖ－４２.txt", "srv-42")],
)
def test_an_output_file_name_is_searched_too(
    built: Path, capsys: pytest.CaptureFixture[str], name: str, matched: str
) -> None:
    """A theme's srv-42-rack.jpg was published under that name: names are read as
    addresses are, percent-decoded and NFKC-normalised."""
    before = snapshot(built / "public")
    static = built / "themes/default/static"
    static.mkdir(parents=True)
    (static / name).write_bytes(b"\xff\xd8\xff binary, nothing to read")
    shown = f"themes/default/static/{name}"
    expected = (
        f"{shown}: file name: '{matched}' matches the privacy rule 'srv-[0-9]+' and would be "
        "published (rename the file)"
    )
    for command in (["check"], ["build", "--now", NOW]):
        code, out, err = run(capsys, "--site", str(built), *command)
        assert (code, out) == (1, [])
        assert err == [expected, "1 error, 0 warnings"]
    assert snapshot(built / "public") == before


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
        "site.toml:23: publish.templates.news: matches privacy.forbidden[2] ('srv-[0-9]+'): "
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
        "site.toml:22: publish.templates.opened: matches privacy.forbidden[2] ('srv-[0-9]+'): "
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


def test_an_entry_named_after_a_host_is_told_to_rename_the_file(
    built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (built / "content/incidents/x.md").rename(built / "content/incidents/srv-42-down.md")
    code, out, err = run(capsys, "--site", str(built), "check")
    assert (code, out) == (1, [])
    assert err == [
        "content/incidents/srv-42-down.md: file name: 'srv-42' matches the privacy rule "
        "'srv-[0-9]+' and would be published (rename the file: its id is in every link to it)",
        "1 error, 0 warnings",
    ]
