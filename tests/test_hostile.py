"""Hostile files: whatever is in content/, check and build answer in lines, in time, in place.

A property test feeds random front-matter (YAML-ish text, and random
structures dumped with PyYAML) and random bodies through ``check`` and
``build`` (via `cli.main`, as CI runs them) and holds them to three rules:
never an internal error (exit 3, a traceback), never a hang (an alarm
fails the example), never a write outside the output folder (the site's
whole tree is compared before and after; only the output folder may
change). Then the explicit cases of issue 8: an alias bomb,
a 5 MB file, deep nesting, links out of the site, awkward file names, an
empty file, and Markdown that Python-Markdown needs quadratic time for.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import FrameType

import feedparser
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from statusgen import cli

NOW = "2026-11-24 12:00"

SITE_TOML = """\
title = "Hostile status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"

[[services]]
id = "vpn"
name = "VPN"

[privacy]
forbidden = ['srv-[0-9]+']
"""

INCIDENT = """\
---
title: Email delivery delays
services: [email]
impact: partial_outage
started: 2026-11-22 08:40
---
"""

OWN_FOLDERS = ("public",)
"""What a build may write in the site folder: the output. (A large site also gets the
cache folder `.statusgen-cache/`; these sites are too small for one, so none may appear.)"""

PROBLEM_LINE = re.compile(r"^(content/|site\.toml)[^\n]*?(:\d+)?: .+$|^\d+ errors?, \d+ warnings?$")
"""Every line `check` and `build` print about a site: one problem, or the count."""


# --- helpers ----------------------------------------------------------------------------


class Hang(Exception):
    """The alarm went off: something took far longer than any input should."""


@contextlib.contextmanager
def hang_guard(seconds: float) -> Iterator[None]:
    """Fail instead of hanging (hypothesis' deadline only reports after the fact)."""

    def ring(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def tree(root: Path, site_root: Path) -> dict[str, str]:
    """Every path under `root` but the build's own folders in `site_root` -> what it is."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        if base == site_root:
            dirs[:] = [d for d in dirs if d not in OWN_FOLDERS]
        for name in dirs + files:
            path = base / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[rel] = "dir"
    return found


def run(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, list[str]]:
    """One command through main(); its exit code and stderr lines, checked for one-line problems."""
    code = cli.main(["--site", str(root), *argv])
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert code in (0, 1), captured.err
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    bad = [line for line in err if not PROBLEM_LINE.match(line)]
    assert bad == [], "a problem that is not one line:\n" + captured.err
    return code, err


def site(root: Path, files: dict[str, str | bytes]) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    (root / "content" / "incidents").mkdir(parents=True)
    (root / "content" / "news").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


# --- random files --------------------------------------------------------------------

KEYS = (
    "kind", "title", "services", "impact", "started", "resolved", "reference", "updates",
    "draft", "post", "post_text", "internal_notes", "start", "end", "date", "summary",
    "tags", "at", "status", "message",
)  # fmt: skip
WORDS = (
    "incident", "maintenance", "news", "email", "vpn", "major_outage", "partial_outage",
    "investigating", "resolved", "scheduled", "2026-11-22 08:40", "2026-11-22T08:40:00+01:00",
    "2026-02-30 25:61", "2026-03-29 01:30", "no", "yes", "on", "1.10", "0x1F", "~", "null",
    "", "srv-12", "[email]", "{email: major_outage}", "!!python/object/apply:os.system ['id']",
    "!!binary aGk=", "&a", "*a", "<<: *a", "|", ">-", "'", '"', "#", "%TAG ! x", "---", "...",
    "<script>alert(1)</script>", "{{ 7*7 }}", "\u2028", "\ufeff", "\x85", "\t", "é", "🙂",
)  # fmt: skip
YAMLISH = st.text(
    alphabet=st.sampled_from(list(":-[]{}&*!|>'\"%@`#,?\n \tabc019éü\u2028\x85🙂")), max_size=60
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.sampled_from(WORDS),
    st.text(max_size=40),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


MARKDOWNISH = st.text(alphabet=st.sampled_from(list("[]()<>*_`~#-|!:&\\ \n\tax1/é")), max_size=120)


@st.composite
def front_matter(draw: st.DrawFn, folder: str = "incidents") -> str:
    """Random front-matter, one of three kinds: lines of 'key: YAML-ish text'; a random
    structure dumped; or a valid incident with some values swapped for random ones, so
    that hostile values also reach the renderers."""
    form = draw(st.integers(0, 2))
    if form == 0:
        lines = draw(
            st.lists(
                st.tuples(st.sampled_from(KEYS) | YAMLISH, st.sampled_from(WORDS) | YAMLISH),
                max_size=8,
            )
        )
        return "\n".join(f"{key}: {value}" for key, value in lines)
    if form == 1:
        data = draw(
            st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), VALUES, max_size=8)
        )
    elif folder == "news":
        data = {"title": "New VPN", "date": "2026-11-20", "summary": "Install it.", "tags": []}
    else:
        data = {
            "title": "Email delays",
            "services": ["email"],
            "impact": "major_outage",
            "started": "2026-11-22 08:40",
            "updates": [{"at": "2026-11-22 08:45", "status": "investigating", "message": "m"}],
        }
    if form == 2:
        for key in draw(st.lists(st.sampled_from((*data, "reference", "post_text")), max_size=2)):
            data[key] = draw(VALUES | MARKDOWNISH)
        if isinstance(data.get("updates"), list):
            update = {"at": "2026-11-22 09:00", "status": "identified"}
            data["updates"].append({**update, "message": draw(MARKDOWNISH)})
    flow = draw(st.sampled_from([None, True, False]))
    return yaml.safe_dump(data, allow_unicode=draw(st.booleans()), default_flow_style=flow)


BODIES = st.one_of(
    st.text(max_size=200),
    MARKDOWNISH,
    st.sampled_from(["", "---", "<script>x</script>", "[x](javascript:x)", "```\n[[[\n"]),
)


@st.composite
def entry_file(draw: st.DrawFn, folder: str) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))  # not even text
    text = f"---\n{draw(front_matter(folder))}\n---\n{draw(BODIES)}"
    return text.encode("utf-8", errors="surrogatepass")


@settings(
    max_examples=100,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(incident=entry_file("incidents"), news=entry_file("news"))
def test_random_files_never_crash_hang_or_write_outside(
    capsys: pytest.CaptureFixture[str], incident: bytes, news: bytes
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        base = Path(temp)
        root = site(
            base / "site",
            {
                "content/incidents/x.md": incident,
                "content/news/x.md": news,
                "content/incidents/ok.md": INCIDENT,
            },
        )
        (base / "cwd").mkdir()
        before = tree(base, root)
        cwd = Path.cwd()
        os.chdir(base / "cwd")  # a relative write would land here, inside the snapshot
        try:
            with hang_guard(30):
                run(capsys, root, "check")
                code, _ = run(capsys, root, "build", "--now", NOW)
        finally:
            os.chdir(cwd)
        assert tree(base, root) == before
        assert (root / "public").is_dir() == (code == 0)
        event(f"build exit {code}")


TEXT = st.text(max_size=80) | MARKDOWNISH | st.sampled_from(WORDS)


@st.composite
def valid_entries(draw: st.DrawFn) -> dict[str, bytes]:
    """An incident and a news item that mostly validate, with random text in the text fields
    (an empty message is an error of its own, so messages are never blank)."""
    incident = {
        "title": draw(TEXT.filter(lambda t: t.strip() and "\n" not in t.strip())),
        "services": ["email"],
        "impact": "major_outage",
        "started": "2026-11-22 08:40",
        "reference": draw(st.sampled_from(["INC-1", "srv-x <b>", "{{ 7*7 }}"])),
        "updates": [
            {
                "at": "2026-11-22 08:45",
                "status": "investigating",
                "message": draw(TEXT).strip() or "m",
            },
            {
                "at": "2026-11-22 09:00",
                "status": "identified",
                "message": draw(TEXT).strip() or "m",
            },
        ],
        "internal_notes": draw(VALUES),
    }
    news = {"title": "N", "date": "2026-11-20", "summary": "S", "tags": ["a"]}
    return {
        "content/incidents/x.md": _entry(incident, draw(BODIES)),
        "content/news/x.md": _entry(news, draw(BODIES)),
    }


def _entry(front: dict[str, object], body: str) -> bytes:
    text = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n{body}"
    return text.encode("utf-8", errors="surrogatepass")


@settings(
    max_examples=40,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(files=valid_entries())
def test_random_text_that_validates_builds_valid_outputs(
    capsys: pytest.CaptureFixture[str], files: dict[str, bytes]
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = site(Path(temp) / "site", files)
        with hang_guard(30):
            code, _ = run(capsys, root, "build", "--now", NOW)
        event(f"build exit {code}")
        if code == 0:
            for path in (root / "public").rglob("*.json"):
                json.loads(path.read_bytes())
            for path in (root / "public").rglob("*.atom"):
                ET.fromstring(path.read_bytes())


# --- explicit cases ------------------------------------------------------------------

P = "content/incidents/x.md"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return site(tmp_path / "site", {"content/incidents/ok.md": INCIDENT})


def check_and_build(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[int, list[str]]:
    """check, then build: the same lines from both (build stops before writing)."""
    code, err = run(capsys, root, "check")
    build_code, build_err = run(capsys, root, "build", "--now", NOW)
    assert (build_code, build_err) == (code, err)
    return code, err


def test_an_alias_bomb_is_refused_at_once(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb = "---\n" + "\n".join(levels) + "\ntitle: *a9\n---\n"
    (root / P).write_text(bomb, encoding="utf-8")
    started = time.perf_counter()
    with hang_guard(20):
        code, err = check_and_build(capsys, root)
    assert code == 1
    assert err == [
        f"{P}:3: -: YAML aliases are not allowed (write the value out)",
        "1 error, 0 warnings",
    ]
    assert time.perf_counter() - started < 10


def test_a_5_mb_file_is_refused_with_its_size(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    body = ("A long pasted report line with [brackets and *stars " * 100 + "\n") * 1000
    (root / P).write_text(INCIDENT + body, encoding="utf-8")
    size = (root / P).stat().st_size
    assert size > 5_000_000
    started = time.perf_counter()
    with hang_guard(20):
        code, err = check_and_build(capsys, root)
    assert code == 1
    assert err == [
        f"{P}: -: is {size // 1024} KB (at most 1024 KB: shorten it, or link a long report)",
        "1 error, 0 warnings",
    ]
    assert time.perf_counter() - started < 10
    assert not (root / "public").exists()


@pytest.mark.parametrize(
    "front",
    [
        "title: " + "[" * 100_000,
        "title:\n" + "- " * 50_000 + "x",
        "title: " + "{a: " * 20_000 + "x" + "}" * 20_000,
    ],
    ids=["flow", "block", "mappings"],
)
def test_deep_yaml_is_refused(capsys: pytest.CaptureFixture[str], root: Path, front: str) -> None:
    (root / P).write_text(f"---\n{front}\n---\n", encoding="utf-8")
    with hang_guard(20):
        code, err = check_and_build(capsys, root)
    assert code == 1
    assert err == [
        f"{P}: -: the front-matter nests deeper than 100 levels (entries need 3)",
        "1 error, 0 warnings",
    ]


def test_markdown_that_needs_quadratic_time_builds_in_seconds(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    """Each of these took from 10 s to minutes before `markup` bounded them (see its comments)."""
    bodies = {
        "ansi-log": "".join(f"\x1b[32m08:{i % 60:02d} worker {i} ok\x1b[0m\n" for i in range(4000)),
        "brackets": "[" * 100_000,
        "nested-brackets": "[" * 50_000 + "]" * 50_000,
        "unclosed-links": "[x](http://a.example/" * 5000,
        "tags": "<a" * 50_000,
        "fences": "```a\n" * 20_000,
        "setext": "a\n---\n" * 15_000,
        "nested-list": "".join("    " * i + "- a\n" for i in range(300)),
        "dump": "x" * 300_000,
    }
    for name, body in bodies.items():
        (root / f"content/incidents/{name}.md").write_text(INCIDENT + body, encoding="utf-8")
    started = time.perf_counter()
    with hang_guard(60):
        code, err = check_and_build(capsys, root)
    elapsed = time.perf_counter() - started
    assert (code, err) == (0, [])
    assert elapsed < 30, f"{elapsed:.1f} s"
    page = (root / "public/incidents/ansi-log/index.html").read_text(encoding="utf-8")
    assert "[32m08:00 worker 0 ok" in page
    page = (root / "public/incidents/brackets/index.html").read_text(encoding="utf-8")
    assert "[" * 1000 in page


def test_a_file_linked_from_outside_the_site_is_refused(
    capsys: pytest.CaptureFixture[str], root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(INCIDENT + "SECRET-OUTSIDE-THE-SITE\n", encoding="utf-8")
    (root / "content/incidents/leak.md").symlink_to(outside / "secret.md")
    (root / "shared").mkdir()
    (root / "shared/inside.md").write_text(INCIDENT + "inside the site\n", encoding="utf-8")
    (root / "content/incidents/inside.md").symlink_to(root / "shared/inside.md")
    code, err = check_and_build(capsys, root)
    assert code == 1
    assert err == [
        "content/incidents/leak.md: -: is a link out of the site (refused)",
        "1 error, 0 warnings",
    ]
    (root / "content/incidents/leak.md").unlink()
    code, err = check_and_build(capsys, root)
    assert (code, err) == (0, [])
    built = b"".join(p.read_bytes() for p in (root / "public").rglob("*") if p.is_file())
    assert b"inside the site" in built and b"SECRET-OUTSIDE" not in built


def test_a_content_folder_linked_from_outside_is_refused(
    capsys: pytest.CaptureFixture[str], root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "n.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (root / "content/news").rmdir()
    (root / "content/news").symlink_to(outside, target_is_directory=True)
    code, err = check_and_build(capsys, root)
    assert code == 1
    assert err == ["content/news: -: is a link out of the site (refused)", "1 error, 0 warnings"]


def test_a_theme_file_linked_from_outside_is_refused(
    capsys: pytest.CaptureFixture[str], root: Path, tmp_path: Path
) -> None:
    (tmp_path / "host.txt").write_text("HOST-OUTSIDE-THE-SITE", encoding="utf-8")
    static = root / "themes/default/static"
    static.mkdir(parents=True)
    (static / "host.txt").symlink_to(tmp_path / "host.txt")
    code = cli.main(["--site", str(root), "build", "--now", NOW])
    err = capsys.readouterr().err.splitlines()
    leaked = (root / "public/static/host.txt").is_file()
    assert code == 1 and not leaked
    assert err[0] == (
        "themes/default/static/host.txt: -: is a link out of the site (refused: copy the file in)"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "my incident.md",
            "content/incidents/my incident.md: -: file name 'my incident.md' is not safe in a "
            "URL (use letters, digits, '.', '_' and '-': rename it to 'my-incident.md')",
        ),
        (
            "café-outage.md",
            "content/incidents/café-outage.md: -: file name 'café-outage.md' is not safe in a "
            "URL (use letters, digits, '.', '_' and '-': rename it to 'cafe-outage.md')",
        ),
        (
            "line\nbreak.md",
            "content/incidents/'line\\nbreak.md': -: file name 'line\\nbreak.md' has a control "
            "character (rename it to 'line-break.md')",
        ),
        (
            "\u202egpj.md",
            "content/incidents/'\\u202egpj.md': -: file name '\\u202egpj.md' has a control "
            "character (rename it to 'gpj.md')",
        ),
        (
            "empty.md",
            "content/incidents/empty.md: -: the file is empty (start it with a '---' line and "
            "the front-matter)",
        ),
    ],
    ids=["space", "unicode", "newline", "bidi-override", "empty"],
)
def test_awkward_file_names_get_one_line(
    capsys: pytest.CaptureFixture[str], root: Path, name: str, expected: str
) -> None:
    (root / "content/incidents" / name).write_text("" if name == "empty.md" else INCIDENT)
    code, err = check_and_build(capsys, root)
    assert code == 1
    assert err == [expected, "1 error, 0 warnings"]


def test_hidden_files_are_skipped_and_odd_names_build(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    (root / "content/incidents/.hidden.md").write_text("not even front-matter")
    (root / "content/incidents/.#ok.md").write_text("an editor's lock file")
    for name in ("index.md", "index.html.md", "-.md", "_.md", "a..b.md", "feeds.md"):
        (root / "content/incidents" / name).write_text(INCIDENT)
        (root / "content/news" / name).write_text(
            "---\ntitle: N\ndate: 2026-11-20\nsummary: S\n---\n"
        )
    code, err = check_and_build(capsys, root)
    assert (code, err) == (0, [])
    assert (root / "public/incidents/index.html/index.html").is_file()
    assert not (root / "public/incidents/.hidden").exists()


# --- privacy rules that backtracking would never finish ----------------------------------


@pytest.mark.parametrize(
    ("rule", "body"),
    [
        # exponential for a backtracking engine: 2**30 ways to split the a's
        (r"(a+)+$", "a" * 30 + "!"),
        # quadratic: [\w.-]+ runs to the end of the token from each of its characters
        (r"[\w.-]+\.internal\.example\.ac\.uk", "```\n" + "a" * 200_000 + "\n```\n"),
    ],
    ids=["nested-repeat", "long-token"],
)
def test_a_privacy_rule_cannot_hang_check(
    capsys: pytest.CaptureFixture[str], root: Path, rule: str, body: str
) -> None:
    site(root, {"content/incidents/x.md": INCIDENT + body})
    toml = root / "site.toml"
    toml.write_text(
        SITE_TOML.replace("forbidden = ['srv-[0-9]+']", f"forbidden = ['{rule}']"),
        encoding="utf-8",
    )
    # A process, not a thread or an alarm: a backtracking `re` holds the GIL and takes
    # no signal until it returns, so only killing the process can stop it.
    try:
        done = subprocess.run(
            [sys.executable, "-m", "statusgen", "--site", str(root), "check"],
            capture_output=True,
            text=True,
            timeout=30,
            env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent)),
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"check with the rule {rule!r} did not finish in 30 s")
    assert (done.returncode, done.stderr) == (0, "")


# --- issue 13: links in the theme, files beside the output, static_root/ -------------------


def build_lines(
    capsys: pytest.CaptureFixture[str], root: Path, *argv: str
) -> tuple[int, list[str]]:
    code = cli.main(["--site", str(root), "build", "--now", NOW, *argv])
    return code, capsys.readouterr().err.splitlines()


def published(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def test_a_theme_file_linked_to_the_checkout_token_is_refused(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    (root / ".git").mkdir()
    (root / ".git/config").write_text(
        '[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic TOKEN-IN-GIT\n'
    )
    static = root / "themes/default/static"
    static.mkdir(parents=True)
    (static / "fonts.css").symlink_to("../../../.git/config")
    code, err = build_lines(capsys, root)
    assert code == 1
    assert err == [
        "themes/default/static/fonts.css: -: is a link into a .git folder (refused: never "
        "published)",
        "1 error, 0 warnings",
    ]
    assert not (root / "public").exists()


def test_a_theme_file_linked_to_the_privacy_rules_is_refused(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    static = root / "themes/default/static"
    static.mkdir(parents=True)
    (static / "site.txt").symlink_to("../../../site.toml")
    (static / "ok.css").symlink_to("../style/ok.css")  # inside the theme: fine
    (root / "themes/default/style").mkdir()
    (root / "themes/default/style/ok.css").write_text("body{}")
    code, err = build_lines(capsys, root)
    assert code == 1
    assert err == [
        "themes/default/static/site.txt: -: is a link out of themes/default/ (refused: copy "
        "the file in)",
        "1 error, 0 warnings",
    ]
    (static / "site.txt").unlink()
    assert build_lines(capsys, root) == (0, [])
    assert (root / "public/static/ok.css").read_text() == "body{}"
    assert b"srv-[0-9]+" not in published(root / "public")


def test_a_file_someone_else_put_in_the_output_is_never_deleted(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    """GitHub writes CNAME into a branch-deployed folder; the next build would wipe it."""
    assert build_lines(capsys, root) == (0, [])
    dest = (root / "public").resolve()
    (dest / "CNAME").write_text("status.example.ac.uk\n")
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    (root / "content/incidents/ok.md").unlink()  # its page is statusgen's: it may go
    code, err = build_lines(capsys, root)
    assert code == 1
    assert err == [
        f"error: output folder {dest} holds 'CNAME', which statusgen did not write and will "
        "not delete: move it into the site's static_root/ folder to publish it with every "
        "build, or delete it"
    ]
    assert {p: p.read_bytes() for p in dest.rglob("*") if p.is_file()} == before
    (dest / "CNAME").unlink()
    assert build_lines(capsys, root) == (0, [])
    assert not (dest / "incidents/ok").exists()


@pytest.mark.parametrize("cache", [False, True], ids=["uncached", "cached"])
def test_static_root_is_copied_to_the_output_root(
    capsys: pytest.CaptureFixture[str], root: Path, cache: bool
) -> None:
    from statusgen.build import build

    files = {
        "CNAME": "status.example.ac.uk\n",
        "_headers": "/*\n  X-Frame-Options: DENY\n",
        ".well-known/security.txt": "Contact: mailto:security@example.ac.uk\n",
        ".htaccess": "Options -Indexes\n",
        ".DS_Store": "junk",
        ".well-known/.swp": "junk",
    }
    for name, text in files.items():
        (root / "static_root" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "static_root" / name).write_text(text)
    for _ in range(2):  # the second build replaces what the first wrote
        build(root, now=NOW, cache=cache)
    dest = root / "public"
    for name in ("CNAME", "_headers", ".well-known/security.txt"):
        assert (dest / name).read_text() == files[name]
    for name in (".htaccess", ".DS_Store", ".well-known/.swp"):
        assert not (dest / name).exists()
    (root / "static_root/_headers").unlink()
    build(root, now=NOW, cache=cache)
    assert not (dest / "_headers").exists() and (dest / "CNAME").is_file()


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        (
            "index.html",
            lambda p: p.write_text("<p>mine</p>"),
            "static_root/index.html: -: is also a file statusgen generates (index.html) "
            "(refused: remove it from static_root/)",
        ),
        (
            "_statusgen/files.json",
            lambda p: p.write_text("{}"),
            "static_root/_statusgen/files.json: -: is in statusgen's own _statusgen/ "
            "(refused: move it)",
        ),
        (
            "CNAME",
            lambda p: p.symlink_to("../site.toml"),
            "static_root/CNAME: -: is a link out of static_root/ (refused: copy the file in)",
        ),
        (
            "token",
            lambda p: p.symlink_to("../.git/config"),
            "static_root/token: -: is a link into a .git folder (refused: never published)",
        ),
        (
            "docs",
            lambda p: p.symlink_to("sub", target_is_directory=True),
            "static_root/docs: -: is a link to a folder (refused: copy the folder in)",
        ),
    ],
    ids=["generated", "own-folder", "link-out", "git", "folder-link"],
)
def test_static_root_is_guarded(
    capsys: pytest.CaptureFixture[str], root: Path, name: str, make, expected: str
) -> None:
    (root / ".git").mkdir()
    (root / ".git/config").write_text("token")
    (root / "static_root/sub").mkdir(parents=True)
    (root / "static_root" / name).parent.mkdir(parents=True, exist_ok=True)
    make(root / "static_root" / name)
    for command in ("check", "build"):
        code = cli.main(["--site", str(root), command, "--now", NOW])
        assert (code, capsys.readouterr().err.splitlines()) == (
            1,
            [expected, "1 error, 0 warnings"],
        )
    assert not (root / "public").exists()


def test_static_root_goes_through_the_privacy_guard(
    capsys: pytest.CaptureFixture[str], root: Path
) -> None:
    (root / "static_root").mkdir()
    (root / "static_root/_headers").write_text("/*\n  X-Backend: srv-42\n")
    code, err = build_lines(capsys, root)
    assert code == 1
    assert err == [
        "static_root/_headers:2: static_root: 'srv-42' matches the privacy rule 'srv-[0-9]+' "
        "and would be published (remove it)",
        "1 error, 0 warnings",
    ]
    assert not (root / "public").exists()


# --- RSS text a reader may take for HTML (issue #11, item 8) ------------------------------

HOSTILE_SITE = Path(__file__).parent / "fixtures" / "hostile" / "site"
MARKUP_START = re.compile(r"<[a-z/!?]", re.IGNORECASE)
"""Where an HTML tokenizer starts a tag, a comment or a declaration."""


def test_the_hostile_sites_rss_holds_no_markup_where_rss_may_be_html(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Every RSS channel title and description, item title and category of the
    # hostile site, decoded as XML and again as HTML, shows no markup. An RSS
    # reader may show these as text or render them as HTML.
    root = tmp_path / "site"
    shutil.copytree(HOSTILE_SITE, root)
    assert run(capsys, root, "build", "--now", NOW) == (0, [])
    feeds = sorted((root / "public" / "feeds").rglob("*.rss"))
    assert len(feeds) == 5  # all, incidents, news and the two services
    seen: dict[str, list[str]] = {}
    for feed in feeds:
        data = feed.read_bytes()
        channel = ET.fromstring(data).find("channel")
        assert channel is not None
        texts = [channel.findtext("title"), channel.findtext("description")]
        texts += [i.findtext("title") for i in channel.iter("item")]
        texts += [c.text for c in channel.iter("category")]
        parsed = feedparser.parse(data)
        texts += [parsed.feed.title, *(e.title for e in parsed.entries)]
        texts += [t.term for e in parsed.entries for t in e.get("tags", [])]
        for text in texts:
            assert text is not None
            assert not MARKUP_START.search(text), (feed.name, text)
            assert not MARKUP_START.search(html.unescape(text)), (feed.name, text)
        seen[feed.relative_to(root / "public").as_posix()] = texts

    # The words stay: the service names and what was around the markup.
    email_title = seen["feeds/services/email.rss"][0]
    assert email_title.endswith(": Email"), email_title
    assert "{{ 7*7 }}" in email_title  # the site's title, Jinja not run
    assert "Upgrade {{ 7*7 }}" in " ".join(seen["feeds/incidents.rss"])
