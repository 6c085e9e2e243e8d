"""Credentials live in the environment and nowhere else: never in an output, a line, a traceback.

The four X variables are set to sentinels, then every command that can run
with them is run: check, build, publish --dry-run, publish against an X
(mocked with `responses`) that answers 401, 500 and nonsense, and internal
errors with --debug, one of them raised with the credential in its message.
Every output file, every printed line and every exception message is
searched for every sentinel. Then a theme file that links to a file holding
a credential (as /proc/self/environ does in CI) must fail the build.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import responses

from statusgen import cli

NOW = "2026-11-24 12:00"
TWEETS = "https://api.twitter.com/2/tweets"

SENTINELS = {
    "X_API_KEY": "SENTINEL-api-key-0001",
    "X_API_SECRET": "SENTINEL-api-secret-0002",
    "X_ACCESS_TOKEN": "SENTINEL-access-token-0003",
    "X_ACCESS_TOKEN_SECRET": "SENTINEL-access-token-secret-0004",
}

SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"

[publish]
timeout = 30
max_age = 100000  # hours: the fixture's November posts are still due on today's clock

[publish.x]
enabled = true
account = "ExampleIT"
"""

NEWS = """
---
title: New VPN client
date: 2026-11-20
summary: Install the new client before December.
---
Download it from the software centre.
"""

INCIDENT = """
---
title: Email delivery delays
services: [email]
impact: major_outage
started: 2026-11-22 08:40
updates:
  - at: 2026-11-22 08:45
    status: investigating
    message: We are looking into it.
---
"""


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SENTINELS.items():
        monkeypatch.setenv(name, value)
    # Retries wait for real otherwise (2, 4, 8 s): the clock is publish's, not ours.
    monkeypatch.setattr("statusgen.publish.SystemClock.sleep", lambda self, seconds: None)


class Leaks:
    """Everything a run showed the world, searched for every sentinel."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def add(self, where: str, text: str | bytes) -> None:
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        for value in SENTINELS.values():
            # A fragment catches a credential cut or wrapped across lines, too.
            for piece in (value, value[-12:]):
                if piece.encode() in data:
                    self.seen.append((where, piece))

    def tree(self, folder: Path) -> None:
        for path in folder.rglob("*"):
            if path.is_file():
                self.add(str(path), path.read_bytes())


@pytest.fixture
def leaks() -> Leaks:
    return Leaks()


@pytest.fixture
def site(write_site: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path]:
    """A site whose previous build (in `previous`) lacks the entries of the current one."""
    root = write_site({"site.toml": SITE_TOML})
    previous = tmp_path / "previous"
    assert cli.main(["--site", str(root), "build", "--output", str(previous), "--now", NOW]) == 0
    write_site({"content/news/vpn.md": NEWS, "content/incidents/email.md": INCIDENT}, root)
    return root, previous


def run(
    capsys: pytest.CaptureFixture[str], leaks: Leaks, *argv: str
) -> tuple[int, list[str], list[str]]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    leaks.add(f"stdout of {argv}", captured.out)
    leaks.add(f"stderr of {argv}", captured.err)
    return code, captured.out.splitlines(), captured.err.splitlines()


def test_check_build_and_dry_run_show_no_credential(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str], leaks: Leaks
) -> None:
    root, previous = site
    assert run(capsys, leaks, "--site", str(root), "check")[0] == 0
    assert run(capsys, leaks, "--site", str(root), "build", "--now", NOW)[0] == 0
    code, out, _ = run(
        capsys, leaks, "--site", str(root), "publish", "--previous", str(previous), "--dry-run"
    )
    assert code == 0
    assert sum(line.startswith("would post") for line in out) == 2
    leaks.tree(root)
    leaks.tree(previous)
    assert leaks.seen == []


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            401,
            {"title": "Unauthorized", "detail": "Unauthorized", "status": 401},
            "X refused the credentials (401 Unauthorized)",
        ),
        (500, "upstream trouble", "X is unavailable (500"),
        (
            403,
            {"detail": f"bad key {SENTINELS['X_API_KEY']}", "title": "Forbidden", "status": 403},
            "X refused the post (403",
        ),
    ],
    ids=["401", "500", "403-echoing-the-key"],
)
def test_publish_failures_show_no_credential(
    site: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    leaks: Leaks,
    status: int,
    body: object,
    expected: str,
) -> None:
    """X's own answer may even quote the key back: the CLI masks it."""
    root, previous = site
    assert cli.main(["--site", str(root), "build", "--now", NOW]) == 0
    # publish reads the account's recent posts before sending (reconciliation)
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "1", "name": "a", "username": "a"}},
    )
    responses.get("https://api.twitter.com/2/users/1/tweets", json={"meta": {"result_count": 0}})
    if isinstance(body, dict):
        responses.post(TWEETS, json=body, status=status)
    else:
        responses.post(TWEETS, body=body, status=status)
    code, out, err = run(capsys, leaks, "--site", str(root), "publish", "--previous", str(previous))
    assert code == 1
    assert any(expected in line for line in out + err), out + err
    assert responses.calls, "X was never asked"
    # The credentials did go to X, signed into the request: that is their one use.
    sent = responses.calls[0].request.headers["Authorization"]
    assert SENTINELS["X_API_KEY"] in sent and SENTINELS["X_API_SECRET"] not in sent
    leaks.tree(root)
    assert leaks.seen == []


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_an_internal_error_with_the_credential_in_its_message_is_masked(
    site: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    leaks: Leaks,
    monkeypatch: pytest.MonkeyPatch,
    debug: bool,
) -> None:
    """A bug that formats a credential into an exception: the line and the traceback are masked."""
    root, previous = site
    assert cli.main(["--site", str(root), "build", "--now", NOW]) == 0
    capsys.readouterr()

    def broken_send(self: object, text: str, reply_to: str | None) -> str:
        raise RuntimeError(
            f"client state: key={os.environ['X_API_KEY']} secret={os.environ['X_API_SECRET']}"
        )

    monkeypatch.setattr("statusgen.publish.targets.x.XTarget.send", broken_send)
    monkeypatch.setattr("statusgen.publish.targets.x.XTarget.recent", lambda self, since: [])
    argv = ["--debug"] if debug else []
    code, _, err = run(
        capsys, leaks, *argv, "--site", str(root), "publish", "--previous", str(previous)
    )
    assert code == 3
    assert err[-1].startswith("internal error: RuntimeError: client state: key=*** secret=***")
    assert ("Traceback (most recent call last):" in err) == debug
    leaks.tree(root)
    assert leaks.seen == []


def test_a_build_error_with_debug_shows_no_credential(
    site: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    leaks: Leaks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--debug prints the traceback of a failing build (here a renderer that breaks)."""
    root, _ = site

    def broken(*args: object, **kwargs: object) -> dict[str, bytes]:
        raise KeyError("render_feeds broke")

    monkeypatch.setattr("statusgen.build.render_feeds", broken)
    code, _, err = run(capsys, leaks, "--debug", "--site", str(root), "build", "--now", NOW)
    assert code == 3
    assert "Traceback (most recent call last):" in err
    leaks.tree(root)
    assert leaks.seen == []


def test_a_theme_file_holding_a_credential_fails_the_build(
    site: tuple[Path, Path], capsys: pytest.CaptureFixture[str], leaks: Leaks, tmp_path: Path
) -> None:
    """A link to /proc/self/environ shows this process's environment at exec time, which the
    test cannot set; a link to a file holding the sentinel is the same case."""
    root, _ = site
    assert cli.main(["--site", str(root), "build", "--now", NOW]) == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()}
    environ = tmp_path / "environ"
    environ.write_bytes(
        b"\0".join(f"{k}={v}".encode() for k, v in SENTINELS.items()) + b"\0HOME=/root\0"
    )
    static = root / "themes/default/static"
    static.mkdir(parents=True)
    # A link out of the site is refused before this guard (test_hostile); a copied
    # file holding a credential is the case left for it.
    (static / "env.txt").write_bytes(environ.read_bytes())

    for command in (["check"], ["build", "--now", NOW]):
        code, _, err = run(capsys, leaks, "--site", str(root), *command)
        assert code == 1
        assert err[:4] == [
            f"static/env.txt: privacy: holds the value of {name}, a credential from the "
            "environment, and would publish it (look for a theme file that links outside the site)"
            for name in sorted(SENTINELS)
        ]
    after = {p: p.read_bytes() for p in (root / "public").rglob("*") if p.is_file()}
    assert after == before
    leaks.tree(root / "public")
    assert leaks.seen == []
