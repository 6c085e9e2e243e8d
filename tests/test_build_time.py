"""Tests of build_time.py: nothing that happened is dated after the build; news waits."""

from __future__ import annotations

import json

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
impact: partial_outage
started: 2026-11-24 08:00
updates:
  - at: 2026-11-24 08:05
    status: investigating
    message: We are looking into it.
---
"""

MAINTENANCE = """---
kind: maintenance
title: Email upgrade
services: [email]
start: 2026-12-01 07:00
end: 2026-12-01 09:00
updates:
  - at: 2026-11-20 10:00
    status: scheduled
    message: Email will be unavailable.
---
"""

NEWS = """---
title: New portal
date: 2026-11-25 09:00
summary: The service desk has a new portal.
---
"""

BARE = INCIDENT.split("updates:")[0] + "---\n"
"""An incident opened with no update yet."""

NOW = "2026-11-24 12:00"


def run(capsys, root, *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(["--site", str(root), *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def test_a_year_typo_in_an_ongoing_incident_fails_check_and_build(capsys, write_site):
    """It hid the incident: the page said "All Systems Operational"."""
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/a.md": BARE.replace("2026-11-24 08:00", "2027-11-24 08:00"),
        }
    )
    for command in ("check", "build"):
        code, out, err = run(capsys, root, command, "--now", NOW)
        assert (code, out) == (1, [])
        assert err == [
            "content/incidents/a.md:5: started: 2027-11-24 08:00 is in the future (the build "
            "time is 2026-11-24 12:00: check the date)",
            "1 error, 0 warnings",
        ]


def test_resolved_tomorrow_and_an_update_ahead_are_refused(capsys, write_site):
    """`resolved:` tomorrow showed "Resolved" under a "Partial System Outage" banner."""
    text = INCIDENT.replace("updates:", "resolved: 2026-11-25 10:00\nupdates:")
    text = text.replace("at: 2026-11-24 08:05", "at: 2026-11-24 13:05")
    root = write_site({"site.toml": SITE_TOML, "content/incidents/a.md": text})
    code, out, err = run(capsys, root, "check", "--now", NOW)
    assert (code, out) == (1, [])
    assert err == [
        "content/incidents/a.md:6: resolved: 2026-11-25 10:00 is in the future (the build time "
        "is 2026-11-24 12:00: leave 'resolved' out until the incident is over)",
        "content/incidents/a.md:8: updates[1].at: 2026-11-24 13:05 is in the future (the build "
        "time is 2026-11-24 12:00: add an update when it happens)",
        "2 errors, 0 warnings",
    ]


def test_maintenance_may_lie_ahead_and_news_is_held_back(capsys, write_site, tmp_path):
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/m.md": MAINTENANCE,
            "content/news/portal.md": NEWS,
        }
    )
    note = (
        "content/news/portal.md:3: date: note: 2026-11-25 09:00 is in the future: held back, "
        "neither built nor posted until then (the build time is 2026-11-24 12:00)"
    )
    code, out, err = run(capsys, root, "check", "--now", NOW, "--strict")
    assert (code, err) == (0, [note, "0 errors, 0 warnings, 1 note"])
    assert out == ["ok: 0 incidents (0 ongoing), 1 maintenance, 1 news (1 held back), 1 service"]

    output = tmp_path / "out"
    code, out, err = run(capsys, root, "build", "--now", NOW, "--output", str(output))
    assert code == 0
    assert err == [note, "0 errors, 0 warnings, 1 note"]
    assert not (output / "news/portal").exists()
    assert json.loads((output / "api/news.json").read_text())["news"] == []
    assert "portal" not in (output / "feeds/all.atom").read_text()

    code, _, err = run(capsys, root, "build", "--now", "2026-11-25 09:00", "--output", str(output))
    assert (code, err) == (0, [])
    assert (output / "news/portal/index.html").is_file()


def test_check_without_now_uses_the_clock(capsys, write_site):
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/a.md": BARE.replace("2026-11-24 08:00", "2999-01-01 08:00"),
        }
    )
    code, _, err = run(capsys, root, "check")
    assert code == 1
    assert err[0].startswith("content/incidents/a.md:5: started: 2999-01-01 08:00 is in the future")


def test_a_bad_now_is_one_line(capsys, write_site):
    root = write_site({"site.toml": SITE_TOML})
    code, out, err = run(capsys, root, "check", "--now", "tomorrow")
    assert (code, out) == (1, [])
    assert err == [
        "error: --now: 'tomorrow' is not a time (use YYYY-MM-DD HH:MM, e.g. 2026-11-22 08:40)"
    ]
