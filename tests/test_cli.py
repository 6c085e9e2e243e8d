"""The command line through main(argv): exact lines and exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from statusgen import cli

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-24 12:00"

SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"
"""

INCIDENT = """
---
title: Email down
services: [email]
impact: major_outage
started: 2026-11-24 08:00
---
"""


def run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def test_demo_site_passes_check(capsys):
    code, out, err = run(capsys, "--site", str(REPO), "check")
    assert (code, out, err) == (
        0,
        ["ok: 13 incidents (1 ongoing), 3 maintenance, 7 news (1 held back), 13 services, 1 draft"],
        [],
    )


def test_check_reports_every_problem_and_fails(capsys, write_site):
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/a.md": INCIDENT.replace("major_outage", "major"),
            "content/incidents/b.md": INCIDENT.replace("[email]", "[emial]"),
        }
    )
    code, out, err = run(capsys, "--site", str(root), "check")
    assert code == 1
    assert out == []
    assert err == [
        "content/incidents/a.md:4: impact: 'major' is not an impact "
        "(one of degraded_performance, partial_outage, major_outage)",
        "content/incidents/b.md:3: services[1]: unknown service 'emial' (did you mean 'email'?)",
        "2 errors, 0 warnings",
    ]


def test_warnings_pass_unless_strict(capsys, write_site):
    ambiguous = INCIDENT.replace("2026-11-24 08:00", "2026-10-25 01:30")
    root = write_site({"site.toml": SITE_TOML, "content/incidents/a.md": ambiguous})
    code, _, err = run(capsys, "--site", str(root), "check")
    assert code == 0
    assert err[-1] == "0 errors, 1 warning"
    assert err[0].startswith("content/incidents/a.md:5: started: warning: ")
    code, _, _ = run(capsys, "--site", str(root), "check", "--strict")
    assert code == 1


def test_build_then_failed_build_leaves_output(capsys, write_site, tmp_path):
    root = write_site({"site.toml": SITE_TOML, "content/incidents/a.md": INCIDENT})
    out_dir = tmp_path / "out"
    code, out, _ = run(capsys, "--site", str(root), "build", "--now", NOW, "--output", str(out_dir))
    assert code == 0
    assert out[0].startswith("built ") and out[0].endswith(f"in {out_dir}")
    before = {p: p.read_bytes() for p in out_dir.rglob("*") if p.is_file()}

    (root / "content/incidents/b.md").write_text("---\ntitle: [unclosed\n---\n")
    code, out, err = run(
        capsys, "--site", str(root), "build", "--now", NOW, "--output", str(out_dir)
    )
    assert code == 1
    assert err[0].startswith("content/incidents/b.md:3: -: YAML syntax error: ")
    after = {p: p.read_bytes() for p in out_dir.rglob("*") if p.is_file()}
    assert after == before


def test_bad_now_is_one_line(capsys, write_site):
    root = write_site({"site.toml": SITE_TOML})
    code, _, err = run(capsys, "--site", str(root), "build", "--now", "yesterday")
    assert code == 1
    assert len(err) == 1 and err[0].startswith("error: --now: ")


def test_missing_site_toml(capsys, tmp_path):
    code, _, err = run(capsys, "--site", str(tmp_path), "check")
    assert code == 1
    assert err == [
        f"site.toml: -: no site.toml in {tmp_path} (run statusgen init)",
        "1 error, 0 warnings",
    ]


def test_site_option_after_the_command(capsys, write_site):
    root = write_site({"site.toml": SITE_TOML})
    code, out, _ = run(capsys, "check", "--site", str(root))
    assert (code, out) == (0, ["ok: 0 incidents (0 ongoing), 0 maintenance, 0 news, 1 service"])


def test_usage_error_exits_2(capsys):
    code, _, err = run(capsys, "frobnicate")
    assert code == 2
    assert "invalid choice" in err[-1]


def test_internal_error_is_one_line_without_traceback(capsys, monkeypatch, write_site):
    root = write_site({"site.toml": SITE_TOML})

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("statusgen.build.check_site", broken)
    code, _, err = run(capsys, "--site", str(root), "check")
    assert code == 3
    assert err == [
        "internal error: RuntimeError: boom "
        "(a bug in statusgen: please report it; --debug shows the traceback)"
    ]
    code, _, err = run(capsys, "--site", str(root), "--debug", "check")
    assert err[0] == "Traceback (most recent call last):"


def test_secrets_are_masked_in_every_line(capsys, monkeypatch, write_site):
    root = write_site({"site.toml": SITE_TOML})
    monkeypatch.setenv("X_API_SECRET", "SENTINEL-SECRET-42")

    def leaky(*args, **kwargs):
        raise RuntimeError("auth failed for SENTINEL-SECRET-42")

    monkeypatch.setattr("statusgen.build.check_site", leaky)
    code, out, err = run(capsys, "--site", str(root), "--debug", "check")
    assert code == 3
    assert "SENTINEL-SECRET-42" not in "\n".join(out + err)
    assert "auth failed for ***" in err[-1]


def test_python_dash_m_is_the_same(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "statusgen", "--site", str(tmp_path), "check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        result.stderr.splitlines()[0]
        == f"site.toml: -: no site.toml in {tmp_path} (run statusgen init)"
    )
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["--version"]])
def test_version(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert out == ["statusgen 0.1.0"]


def test_a_key_with_a_newline_cannot_forge_a_problem_line(capsys, write_site):
    root = write_site({"site.toml": SITE_TOML + '"x\\n::error file=site.toml::forged" = 1\n'})
    code, _, err = run(capsys, "--site", str(root), "check")
    assert code == 1
    assert err == [
        "site.toml: services[1].x\\n::error file=site.toml::forged: unknown key "
        "(known keys: id, name, group, description, since)",
        "1 error, 0 warnings",
    ]


def test_a_misspelt_required_key_is_one_line_not_a_crash(capsys, write_site):
    """`timzone =` gave a problem with a line beside one without: sorting them crashed."""
    root = write_site({"site.toml": SITE_TOML.replace("timezone", "timzone")})
    code, out, err = run(capsys, "--site", str(root), "check")
    assert (code, out) == (1, [])
    assert "internal error" not in "\n".join(err)
    assert err[-1] == "2 errors, 0 warnings"
    assert err[:-1] == [
        'site.toml: timezone: missing (add a line like timezone = "Europe/London")',
        "site.toml:3: timzone: unknown key (did you mean 'timezone'?)",
    ]


def test_a_file_name_with_spaces_beside_another_problem_is_two_lines(capsys, write_site):
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/email down.md": INCIDENT.replace("[email]", "[emial]"),
        }
    )
    for command in ("check", "build"):
        code, out, err = run(capsys, "--site", str(root), command, "--now", NOW)
        assert (code, out) == (1, [])
        assert err == [
            "content/incidents/email down.md: -: file name 'email down.md' is not safe in a "
            "URL (use letters, digits, '.', '_' and '-': rename it to 'email-down.md')",
            "content/incidents/email down.md:3: services[1]: unknown service 'emial' "
            "(did you mean 'email'?)",
            "2 errors, 0 warnings",
        ]


def test_post_text_is_checked_while_posting_is_off(capsys, write_site):
    """It was checked only with [publish.x] enabled, so it failed the day X was switched on."""
    long_text = "Email is down. " * 20
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/a.md": INCIDENT.replace(
                "started:", f"post_text: {long_text.strip()}\nstarted:"
            ),
        }
    )
    code, out, err = run(capsys, "--site", str(root), "check", "--now", NOW)
    assert (code, out) == (1, [])
    assert err == [
        "content/incidents/a.md:5: post_text: is 323 characters as X counts them "
        "(at most 280 with the link)",
        "1 error, 0 warnings",
    ]


def test_a_hurried_authors_slips_fail_check_and_build_one_line_each(capsys, write_site):
    """A '#' that cuts a title, an update pasted below the fence, a phone's en
    dash fence: each silently lost text or was misread before."""
    root = write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/a.md": INCIDENT.replace("Email down", "Printer room #3 offline"),
            "content/incidents/b.md": INCIDENT.strip()
            + "\n  - at: 2026-11-24 09:00\n    status: resolved\n    message: Fixed.\n",
            "content/incidents/c.md": INCIDENT.replace("---", "–––", 1),
        }
    )
    for command in ("check", "build"):
        code, out, err = run(capsys, "--site", str(root), command, "--now", NOW)
        assert (code, out) == (1, [])
        assert err == [
            "content/incidents/a.md:2: title: '#3 offline' would be dropped: YAML reads ' #' as "
            'the start of a comment (quote the whole value: title: "Printer room #3 offline")',
            "content/incidents/b.md:7: -: 'at:' is below the closing '---', so it is text of "
            "the page, not a field (move it above the '---' on line 6)",
            "content/incidents/c.md:1: -: no front-matter: the first line '–––' uses '–' "
            "(U+2013 EN DASH), not hyphens (type three hyphens: ---)",
            "3 errors, 0 warnings",
        ]
