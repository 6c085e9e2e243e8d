"""Problems for the forge: GitHub annotations (byte for byte) and GitLab's Code Quality report."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest
from test_cli import INCIDENT, NOW, SITE_TOML, run

from statusgen import cli
from statusgen.build import CheckResult
from statusgen.errors import Problem, Severity
from statusgen.report import annotation

A_IMPACT = "'major' is not an impact (one of degraded_performance, partial_outage, major_outage)"
B_SERVICE = "unknown service 'emial' (did you mean 'email'?)"
C_STARTED = (
    "2026-10-25 01:30 happens twice in Europe/London (clocks go back at 02:00); "
    "taking the first, +01:00 (give an offset to choose: +01:00 or +00:00)"
)
PLAIN = [
    f"content/incidents/a.md:4: impact: {A_IMPACT}",
    f"content/incidents/b.md:3: services[1]: {B_SERVICE}",
    f"content/incidents/c.md:5: started: warning: {C_STARTED}",
    "2 errors, 1 warning",
]


@pytest.fixture
def broken_site(write_site) -> Path:
    """Two errors and a warning, one file each."""
    return write_site(
        {
            "site.toml": SITE_TOML,
            "content/incidents/a.md": INCIDENT.replace("major_outage", "major"),
            "content/incidents/b.md": INCIDENT.replace("[email]", "[emial]"),
            "content/incidents/c.md": INCIDENT.replace("2026-11-24 08:00", "2026-10-25 01:30"),
        }
    )


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch, broken_site: Path) -> Path:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(broken_site))
    return broken_site


def fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def cli_main_raw(capsys, *argv: str) -> tuple[int, str, str]:
    """main(argv) with stdout and stderr as written, for byte-for-byte assertions."""
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- GitHub Actions ---------------------------------------------------------------------------


def test_check_under_github_actions_prints_annotations_to_stdout(capsys, github: Path) -> None:
    code, out, err = cli_main_raw(capsys, "--site", str(github), "check")
    assert code == 1
    assert out == (
        f"::error file=content/incidents/a.md,line=4,title=impact::{A_IMPACT}\n"
        f"::error file=content/incidents/b.md,line=3,title=services[1]::{B_SERVICE}\n"
        f"::warning file=content/incidents/c.md,line=5,title=started::{C_STARTED}\n"
    )
    assert err.splitlines() == PLAIN  # the plain lines stay, on stderr


def test_build_under_github_actions_annotates_its_errors(capsys, github: Path) -> None:
    code, out, err = cli_main_raw(capsys, "--site", str(github), "build", "--now", NOW)
    assert code == 1
    assert out == (
        f"::error file=content/incidents/a.md,line=4,title=impact::{A_IMPACT}\n"
        f"::error file=content/incidents/b.md,line=3,title=services[1]::{B_SERVICE}\n"
        f"::warning file=content/incidents/c.md,line=5,title=started::{C_STARTED}\n"
    )
    assert err.splitlines() == PLAIN


def test_build_under_github_actions_annotates_its_warnings(capsys, github: Path) -> None:
    (github / "content/incidents/a.md").unlink()
    (github / "content/incidents/b.md").unlink()
    code, out, err = cli_main_raw(capsys, "--site", str(github), "build", "--now", NOW)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"::warning file=content/incidents/c.md,line=5,title=started::{C_STARTED}"
    assert lines[1].startswith("built ")
    assert err.splitlines() == [PLAIN[2], "0 errors, 1 warning"]


def test_paths_are_relative_to_the_checkout(capsys, monkeypatch, broken_site: Path) -> None:
    # A site in a subfolder of its repository: GitHub names files from the root.
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(broken_site.parent))
    (broken_site / "content/incidents/b.md").unlink()
    (broken_site / "content/incidents/c.md").unlink()
    _, out, _ = cli_main_raw(capsys, "--site", str(broken_site), "check")
    assert out == f"::error file=site/content/incidents/a.md,line=4,title=impact::{A_IMPACT}\n"


def test_a_problem_without_a_line_omits_it_and_the_title_is_escaped(
    capsys, monkeypatch, write_site
) -> None:
    root = write_site({"site.toml": SITE_TOML + '"x\\n::error file=site.toml::forged" = 1\n'})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.chdir(root)
    code, out, err = cli_main_raw(capsys, "check")
    assert code == 1
    assert out == (
        "::error file=site.toml,title=services[1].x%0A%3A%3Aerror file=site.toml%3A%3Aforged"
        "::unknown key (known keys: id, name, group, description, since)\n"
    )
    assert err.splitlines() == [
        "site.toml: services[1].x\\n::error file=site.toml::forged: unknown key "
        "(known keys: id, name, group, description, since)",
        "1 error, 0 warnings",
    ]


def test_escaping_follows_githubs_rules() -> None:
    problem = Problem(
        "content/a,b:c%.md", 7, "x:y,z%\r\n", "100% done\r\nnext: a, b\x1b[31m", Severity.WARNING
    )
    assert annotation(problem, problem.path) == (
        "::warning file=content/a%2Cb%3Ac%25.md,line=7,title=x%3Ay%2Cz%25%0D%0A"
        "::100%25 done%0D%0Anext: a, b\\x1b[31m"
    )


def test_no_annotations_unless_github_actions_is_true(capsys, monkeypatch, broken_site) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    code, out, err = cli_main_raw(capsys, "--site", str(broken_site), "check")
    assert (code, out, err.splitlines()) == (1, "", PLAIN)


def test_secrets_are_masked_in_annotations_and_the_report(capsys, monkeypatch, write_site):
    root = write_site({"site.toml": SITE_TOML})
    secret = "SENTINEL:SECRET,42"
    monkeypatch.setenv("X_API_SECRET", secret)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    leaked = Problem("content/incidents/a.md", 2, "title", f"token {secret} in the title")
    monkeypatch.setattr(
        "statusgen.build.check_site", lambda *args, **kwargs: CheckResult([leaked], None, None)
    )
    report = root / "report.json"
    code, out, err = cli_main_raw(capsys, "--site", str(root), "check", "--report", str(report))
    assert code == 1
    assert out == "::error file=content/incidents/a.md,line=2,title=title::token *** in the title\n"
    assert err.splitlines()[0] == "content/incidents/a.md:2: title: token *** in the title"
    assert secret not in report.read_text()
    assert json.loads(report.read_text())[0]["description"] == "title: token *** in the title"


# --- GitLab Code Quality ----------------------------------------------------------------------


def test_report_lists_every_problem(capsys, broken_site: Path) -> None:
    report = broken_site.parent / "gl.json"
    argv = ("--site", str(broken_site), "check", "--report", str(report))
    code, _, err = cli_main_raw(capsys, *argv)
    assert code == 1
    assert err.splitlines() == PLAIN  # the plain lines stay
    assert json.loads(report.read_text()) == [
        {
            "description": f"impact: {A_IMPACT}",
            "check_name": "statusgen.impact",
            "fingerprint": fingerprint(
                "content/incidents/a.md", "impact", "'major' is not an impact"
            ),
            "severity": "major",
            "location": {"path": "content/incidents/a.md", "lines": {"begin": 4}},
        },
        {
            "description": f"services[1]: {B_SERVICE}",
            "check_name": "statusgen.services",
            "fingerprint": fingerprint(
                "content/incidents/b.md", "services[1]", "unknown service 'emial'"
            ),
            "severity": "major",
            "location": {"path": "content/incidents/b.md", "lines": {"begin": 3}},
        },
        {
            "description": f"started: {C_STARTED}",
            "check_name": "statusgen.started",
            "fingerprint": fingerprint(
                "content/incidents/c.md",
                "started",
                "2026-10-25 01:30 happens twice in Europe/London",
            ),
            "severity": "minor",
            "location": {"path": "content/incidents/c.md", "lines": {"begin": 5}},
        },
    ]


def test_build_writes_the_report_too(capsys, broken_site: Path) -> None:
    report = broken_site.parent / "gl.json"
    argv = ("--site", str(broken_site), "build", "--now", NOW, "--report", str(report))
    code, _, _ = cli_main_raw(capsys, *argv)
    assert code == 1
    issues = json.loads(report.read_text())
    assert [(i["location"]["path"], i["severity"]) for i in issues] == [
        ("content/incidents/a.md", "major"),
        ("content/incidents/b.md", "major"),
        ("content/incidents/c.md", "minor"),
    ]


def test_fingerprints_survive_moves_and_unrelated_problems(capsys, broken_site: Path) -> None:
    report = broken_site.parent / "gl.json"
    argv = ("--site", str(broken_site), "check", "--report", str(report))
    cli_main_raw(capsys, *argv)
    before = {i["location"]["path"]: i for i in json.loads(report.read_text())}
    cli_main_raw(capsys, *argv)
    assert {i["location"]["path"]: i for i in json.loads(report.read_text())} == before

    # A line added above the problem, and a new problem in another file.
    a = broken_site / "content/incidents/a.md"
    a.write_text(a.read_text().replace("title: Email down\n", "title: Email down\nreference: X\n"))
    (broken_site / "content/incidents/d.md").write_text(INCIDENT.replace("[email]", "[vpn]"))
    cli_main_raw(capsys, *argv)
    after = {i["location"]["path"]: i for i in json.loads(report.read_text())}
    assert after["content/incidents/a.md"]["location"]["lines"]["begin"] == 5
    assert len(after) == 4
    for path, issue in before.items():
        assert after[path]["fingerprint"] == issue["fingerprint"]


def test_identical_problems_in_one_file_get_their_own_fingerprints(
    capsys, monkeypatch, write_site
) -> None:
    root = write_site({"site.toml": SITE_TOML})
    twice = [
        Problem("content/incidents/a.md", 9, "-", "same mistake (fix)"),
        Problem("content/incidents/a.md", 3, "-", "same mistake (fix)"),
    ]
    monkeypatch.setattr(
        "statusgen.build.check_site", lambda *args, **kwargs: CheckResult(twice, None, None)
    )
    report = root / "gl.json"
    cli_main_raw(capsys, "--site", str(root), "check", "--report", str(report))
    issues = json.loads(report.read_text())
    first = fingerprint("content/incidents/a.md", "-", "same mistake")
    assert [(i["location"]["lines"]["begin"], i["fingerprint"]) for i in issues] == [
        (3, first),
        (9, fingerprint("content/incidents/a.md", "-", "same mistake", "1")),
    ]
    assert {i["check_name"] for i in issues} == {"statusgen.file"}


def test_no_problems_is_an_empty_report_replacing_the_last(capsys, write_site) -> None:
    root = write_site({"site.toml": SITE_TOML, "content/incidents/a.md": INCIDENT})
    report = root / "gl.json"
    report.write_text('[{"fingerprint": "fixed since"}]')
    code, out, err = run(capsys, "--site", str(root), "check", "--report", str(report))
    assert (code, out, err) == (
        0,
        ["ok: 1 incident (1 ongoing), 0 maintenance, 0 news, 1 service"],
        [],
    )
    assert json.loads(report.read_text()) == []


def test_gitlab_ci_writes_the_default_report(capsys, monkeypatch, tmp_path, broken_site) -> None:
    # The job's folder is the checkout; the site is in a subfolder of it.
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli_main_raw(capsys, "--site", "site", "check")
    assert (code, out) == (1, "")  # no GitHub annotations on GitLab
    issues = json.loads((tmp_path / "gl-code-quality-report.json").read_text())
    assert [i["location"]["path"] for i in issues] == [
        "site/content/incidents/a.md",
        "site/content/incidents/b.md",
        "site/content/incidents/c.md",
    ]


def test_no_report_outside_gitlab_unless_asked(capsys, monkeypatch, tmp_path, broken_site):
    monkeypatch.chdir(tmp_path)
    cli_main_raw(capsys, "--site", "site", "check")
    assert not (tmp_path / "gl-code-quality-report.json").exists()


def test_a_report_that_cannot_be_written_is_one_line(capsys, write_site) -> None:
    root = write_site({"site.toml": SITE_TOML})
    report = root / "site.toml" / "gl.json"
    code, out, err = run(capsys, "--site", str(root), "check", "--report", str(report))
    assert code == 1
    assert out == ["ok: 0 incidents (0 ongoing), 0 maintenance, 0 news, 1 service"]
    assert err == [
        f"error: {report}: cannot write the Code Quality report "
        f"(a file is in the way of the folder {root / 'site.toml'})"
    ]


def test_a_failed_write_leaves_the_last_report_whole(capsys, monkeypatch, write_site) -> None:
    root = write_site({"site.toml": SITE_TOML})
    report = root / "gl.json"
    report.write_text("[]\n")

    def disk_error(fd: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", disk_error)
    code, _, err = run(capsys, "--site", str(root), "check", "--report", str(report))
    assert code == 1
    assert err == [f"error: {report}: cannot write the Code Quality report (Input/output error)"]
    assert report.read_text() == "[]\n"
    assert sorted(p.name for p in root.iterdir()) == ["gl.json", "site.toml"]


def test_a_note_is_a_notice_annotation_and_an_info_issue() -> None:
    note = Problem("content/news/a.md", 3, "date", "held back (until then)", Severity.NOTICE)
    assert annotation(note, "content/news/a.md") == (
        "::notice file=content/news/a.md,line=3,title=date::held back (until then)"
    )
