"""Tests of entry_files.py: every file under content/ is an entry or a named problem."""

from __future__ import annotations

from statusgen import cli

SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"
"""

INCIDENT = """---
title: Email down
services: [email]
impact: major_outage
started: 2026-11-24 08:00
---
"""

NEWS = """---
title: New portal
date: 2026-11-20 09:00
summary: The service desk has a new portal.
---
"""

NOW = "2026-11-24 12:00"


def run(capsys, root, *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(["--site", str(root), *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def test_every_misplaced_file_is_named_with_where_it_belongs(capsys, write_site):
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/ok.md": INCIDENT,
            "content/incidents/shout.MD": INCIDENT,
            "content/incidents/long.markdown": INCIDENT,
            "content/incidents/notes.txt": INCIDENT,
            "content/incidents/bare": INCIDENT,
            "content/incidents/rack.png": "",
            "content/incidents/2026/nested.md": INCIDENT,
            "content/incident/singular.md": INCIDENT,
            "content/News/portal.md": NEWS,
            "content/top.md": NEWS,
            "content/loose.md": INCIDENT,
            "content/.hidden.md": INCIDENT,
            "content/incidents/.swap.md": "",
            "content/.drafts/x.md": INCIDENT,
        }
    )
    for command in ("check", "build"):
        code, out, err = run(capsys, root, command, "--now", NOW)
        assert (code, out) == (1, [])
        assert err == [
            "content/News/portal.md: -: is not read: content/News/ is not a content folder "
            "(move it to content/news/portal.md)",
            "content/incident/singular.md: -: is not read: content/incident/ is not a content "
            "folder (move it to content/incidents/singular.md)",
            "content/incidents/2026/nested.md: -: is in a sub-folder, which is not read "
            "(move it to content/incidents/)",
            "content/incidents/bare: -: is not read: entry files end in '.md' "
            "(rename it to 'bare.md')",
            "content/incidents/long.markdown: -: is not read: entry files end in '.md' "
            "(rename it to 'long.md')",
            "content/incidents/notes.txt: -: is not read: entry files end in '.md' "
            "(rename it to 'notes.md')",
            "content/incidents/rack.png: -: is not an entry, so it is not published (entries "
            "are '.md' files; images and downloads go in the theme's static/ folder)",
            "content/incidents/shout.MD: -: is not read: entry files end in '.md' "
            "(rename it to 'shout.md')",
            "content/loose.md: -: is not read: entries go in content/incidents/ or content/news/ "
            "(move it to content/incidents/loose.md)",
            "content/top.md: -: is not read: entries go in content/incidents/ or content/news/ "
            "(move it to content/news/top.md)",
            "10 errors, 0 warnings",
        ]
    assert not (root / "public").exists()


def test_hidden_files_and_folders_stay_ignored(capsys, write_site):
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/ok.md": INCIDENT,
            "content/.hidden.md": INCIDENT,
            "content/incidents/.swap.md": "",
            "content/.drafts/x.md": INCIDENT,
            "content/incidents/.git/x": "",
        }
    )
    code, out, err = run(capsys, root, "check", "--now", NOW)
    assert (code, err) == (0, [])
    assert out == ["ok: 1 incident (1 ongoing), 0 maintenance, 0 news, 1 service"]
