"""A build killed at any moment leaves the previous output whole, and the next build recovers.

A site of 2,000 entries is built, then rebuilt with its title switched (so
that every page changes and the write takes a while) and SIGKILLed at a
random moment, over and over: during loading, rendering, writing, the swap.
After every kill the output folder must be byte for byte one complete build,
the last good one or (when the kill came after the swap) the new one, never
a mix; and a final build must give exactly the expected output and leave no
staging folder behind.

Most builds are forked from this already-imported process and run
`cli.main(["build", ...])`, the code ``python -m statusgen build`` runs,
because a fresh interpreter costs seconds of imports per kill; the first
and last kills are of real ``python -m statusgen build`` subprocesses.

The publish side: a run killed between a post and its ledger write posts
the same text again on the re-run; X refuses it as a duplicate, and the
run records it without a second post (README "Security" has the one case
that remains).
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
import responses

from statusgen import cli

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-24 12:00"
ENTRIES = 2000
KILLS = 10

SITE_TOML = """\
title = "{title}"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"

[[services]]
id = "vpn"
name = "VPN"
"""


def generate(root: Path, entries: int) -> None:
    """A site with `entries` incidents, maintenance windows and news items."""
    incidents = root / "content" / "incidents"
    news = root / "content" / "news"
    incidents.mkdir(parents=True)
    news.mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML.format(title="Status A"), encoding="utf-8")
    start = datetime(2021, 1, 1, 8, 0)
    for i in range(entries):
        when = start + timedelta(hours=7 * i)
        stamp, later = f"{when:%Y-%m-%d %H:%M}", f"{when + timedelta(hours=2):%Y-%m-%d %H:%M}"
        if i % 10 == 9:
            text = (
                f"---\ntitle: News {i}\ndate: {when:%Y-%m-%d}\nsummary: Item {i}.\n---\nBody {i}.\n"
            )
            (news / f"n{i:05d}.md").write_text(text, encoding="utf-8")
        elif i % 10 == 8:
            text = (
                f"---\nkind: maintenance\ntitle: Upgrade {i}\nservices: [vpn]\n"
                f"start: {stamp}\nend: {later}\n---\nWindow {i}.\n"
            )
            (incidents / f"m{i:05d}.md").write_text(text, encoding="utf-8")
        else:
            text = (
                f"---\ntitle: Incident {i}\nservices: [email, vpn]\nimpact: partial_outage\n"
                f"started: {stamp}\nresolved: {later}\nupdates:\n"
                f"  - at: {stamp}\n    status: investigating\n    message: Looking at *{i}*.\n"
                f"  - at: {later}\n    status: resolved\n    message: Fixed {i}.\n---\n"
                f"## What happened\n\nEntry {i} had a cause and a fix.\n"
            )
            (incidents / f"i{i:05d}.md").write_text(text, encoding="utf-8")


def set_title(root: Path, title: str) -> None:
    (root / "site.toml").write_text(SITE_TOML.format(title=title), encoding="utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(root: Path) -> list[str]:
    """Staging or half-swapped trees beside the output, and temporary files inside it."""
    beside = [p.name for p in root.iterdir() if p.name.startswith((".public.new-", ".public.old-"))]
    inside = [p.name for p in (root / "public").rglob("*.tmp")]
    return beside + inside


# --- running a build that can be killed -----------------------------------------------


def fork_build(root: Path) -> int:
    """A build in a forked child (its own process group); returns its pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 3
        try:
            os.setpgid(0, 0)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            code = cli.main(["--site", str(root), "build", "--now", NOW])
        finally:
            os._exit(code)
    return pid


def subprocess_build(root: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    return subprocess.Popen(
        [sys.executable, "-m", "statusgen", "--site", str(root), "build", "--now", NOW],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_fork(pid: int) -> int:
    """Exit code, or minus the signal that killed it (as Popen.returncode)."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def kill_group(pgid: int) -> None:
    """Orphans of a killed build (its worker processes) must not linger."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


# --- the test ----------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
def test_a_build_killed_at_any_moment_leaves_one_complete_output(tmp_path: Path) -> None:
    root = tmp_path / "site"
    generate(root, ENTRIES)

    # Two complete builds: the expected outputs for each title.
    assert wait_fork(fork_build(root)) == 0
    expected = {"Status A": snapshot(root / "public")}
    set_title(root, "Status B")
    started = time.perf_counter()
    process = subprocess_build(root)
    assert process.wait(timeout=120) == 0
    duration = time.perf_counter() - started
    expected["Status B"] = snapshot(root / "public")
    a, b = expected["Status A"], expected["Status B"]
    assert a.keys() == b.keys() and len(b) > ENTRIES
    changed = [path for path in a if a[path] != b[path]]
    assert len(changed) > ENTRIES  # every page shows the title: every write is a long one

    live = "Status B"
    rng = random.Random(8)
    outcomes: list[str] = []
    fork_duration = None
    for kill in range(KILLS):
        title = "Status A" if live == "Status B" else "Status B"
        set_title(root, title)
        real = kill in (0, KILLS - 1)
        started = time.perf_counter()
        wait: Callable[[], int]
        if real:
            process = subprocess_build(root)
            pid, wait, span = process.pid, partial(process.wait, timeout=120), duration
        else:
            pid = fork_build(root)
            wait, span = partial(wait_fork, pid), fork_duration or duration / 2
        time.sleep(rng.uniform(0.05, 1.0) * span)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        code = wait()
        elapsed = time.perf_counter() - started
        kill_group(pid)
        if code == 0 and not real:
            fork_duration = elapsed
        output = snapshot(root / "public")
        if output == expected[live]:
            outcomes.append("previous" if code else "previous?")
        elif output == expected[title]:
            outcomes.append("new" if code == 0 else "new (killed after the swap)")
            live = title
        else:
            missing = expected[live].keys() - output.keys()
            differ = [k for k in output if output[k] != expected[live].get(k)]
            pytest.fail(
                f"kill {kill} ({'subprocess' if real else 'fork'}, exit {code}): the output is "
                f"neither build: {len(missing)} files missing, {len(differ)} differ, "
                f"e.g. {sorted(missing)[:3]} {differ[:3]}"
            )
        assert code in (0, -signal.SIGKILL), f"kill {kill}: exit {code}"

    assert any(o.startswith("previous") for o in outcomes), outcomes

    # The next build recovers: exactly the expected output, nothing left beside it.
    title = "Status A" if live == "Status B" else "Status B"
    set_title(root, title)
    assert cli.main(["--site", str(root), "build", "--now", NOW]) == 0
    assert snapshot(root / "public") == expected[title]
    assert leftovers(root) == []
    print(f"{KILLS} kills: {outcomes}")  # noqa: T201 - shown with pytest -s


# --- publish killed between a post and its ledger write --------------------------------

X_URL = "https://api.twitter.com/2/tweets"
CREDENTIALS = {
    "X_API_KEY": "k" * 25,
    "X_API_SECRET": "s" * 50,
    "X_ACCESS_TOKEN": "t" * 50,
    "X_ACCESS_TOKEN_SECRET": "u" * 45,
}

# max_age in hours: the news of 20 November is still due on today's clock
PUBLISH_TOML = SITE_TOML + "\n[publish]\nmax_age = 100000\n\n[publish.x]\nenabled = true\n"
NEWS = "---\ntitle: New VPN client\ndate: 2026-11-20\nsummary: Install it.\n---\nBody.\n"


@responses.activate
def test_a_publish_killed_before_its_ledger_write_does_not_post_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """X has the post (the first run died before recording it); the re-run's post is
    refused as duplicate content, recorded, and nothing else is sent."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    root = tmp_path / "site"
    (root / "content" / "news").mkdir(parents=True)
    (root / "content" / "incidents").mkdir(parents=True)
    (root / "site.toml").write_text(PUBLISH_TOML.format(title="Status"), encoding="utf-8")
    previous = tmp_path / "previous"
    assert cli.main(["--site", str(root), "build", "--output", str(previous), "--now", NOW]) == 0
    (root / "content/news/vpn.md").write_text(NEWS, encoding="utf-8")
    assert cli.main(["--site", str(root), "build", "--now", NOW]) == 0
    capsys.readouterr()

    duplicate = {
        "errors": [{"message": "You are not allowed to create a Tweet with duplicate content."}],
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "title": "Forbidden",
        "status": 403,
    }
    responses.add(responses.POST, X_URL, json=duplicate, status=403)
    # the account's recent posts, read before sending: here X shows none
    responses.get(
        "https://api.twitter.com/2/users/me",
        json={"data": {"id": "1", "name": "a", "username": "a"}},
    )
    responses.get("https://api.twitter.com/2/users/1/tweets", json={"meta": {"result_count": 0}})

    argv = ["--site", str(root), "publish", "--previous", str(previous)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "already on X (duplicate content), recorded" in out
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1

    ledger = (root / "public/_statusgen/ledger.json").read_text(encoding="utf-8")
    assert ledger.count('"entry": "news/vpn"') == 1
    assert '"pending": []' in ledger

    # A third run (say CI retried the job) sends nothing: the ledger knows.
    assert cli.main(argv) == 0
    assert len([c for c in responses.calls if c.request.method == "POST"]) == 1
    assert "nothing new to post" in capsys.readouterr().out


# --- the file system fails: a full disk, a read-only folder ------------------------------


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A small site, built once, its title then changed so that the next build writes."""
    root = tmp_path / "site"
    generate(root, 20)
    assert cli.main(["--site", str(root), "build", "--now", NOW]) == 0
    set_title(root, "Status B")
    return root


def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every byte of output goes through `os.write`; on a full disk it fails."""

    def write(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", write)


def read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """`folder` on a read-only file system (tests run as root, where chmod stops nothing):
    every call that would change anything under it fails as the kernel would."""
    inside = f"{folder}/"

    def refuse(name: str, *paths: object) -> None:
        for path in paths:
            if os.fsdecode(path).startswith(inside):  # type: ignore[arg-type]
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))  # type: ignore[arg-type]

    real_open, real_mkdir = os.open, os.mkdir
    real_link, real_rename, real_replace = os.link, os.rename, os.replace

    def open_(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse("open", path)
        return real_open(path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        refuse("mkdir", path)
        return real_mkdir(path, *args, **kwargs)

    def two(real):  # type: ignore[no-untyped-def]
        def call(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
            refuse("rename", src, dst)
            return real(src, dst, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "link", two(real_link))
    monkeypatch.setattr(os, "rename", two(real_rename))
    monkeypatch.setattr(os, "replace", two(real_replace))


@pytest.mark.parametrize("failure", ["disk full", "read-only"])
def test_a_file_system_failure_is_one_line_and_the_output_stays(
    built: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: str,
) -> None:
    dest = (built / "public").resolve()
    before = snapshot(dest)
    capsys.readouterr()
    if failure == "disk full":
        disk_full(monkeypatch)
        expected = f"error: cannot write {dest}/404.html: No space left on device"
    else:
        read_only(monkeypatch, built.resolve())
        expected = f"error: cannot write {dest}: Read-only file system"
    code = cli.main(["--site", str(built), "build", "--now", NOW])
    err = capsys.readouterr().err.splitlines()
    monkeypatch.undo()
    assert (code, err) == (1, [expected + " (the previous output is as it was)"])
    assert snapshot(dest) == before
    assert leftovers(built) == []


@pytest.mark.parametrize("failure", ["disk full", "read-only"])
def test_a_file_system_failure_with_the_cache_is_one_line_too(
    built: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    from statusgen.build import build
    from statusgen.errors import StatusgenError

    build(built, now=NOW, cache=True)  # a spare tree in the cache, to stage in
    set_title(built, "Status C")
    dest = (built / "public").resolve()
    before = snapshot(dest)
    if failure == "disk full":
        disk_full(monkeypatch)
    else:
        read_only(monkeypatch, built.resolve())  # the site, its cache and its output
    with pytest.raises(StatusgenError) as caught:
        build(built, now=NOW, cache=True)
    monkeypatch.undo()
    message = str(caught.value)
    assert message.startswith(f"cannot write {dest}"), message
    assert message.endswith(
        (": No space left on device", ": Read-only file system")[failure == "read-only"]
        + " (the previous output is as it was)"
    )
    assert snapshot(dest) == before
    assert leftovers(built) == []


def test_a_spare_tree_never_stays_in_the_web_root(tmp_path: Path) -> None:
    """With the cache and --output in a web root, what a build took down must not stay
    reachable beside the output (it was kept as ``.status.spare/`` until the build after
    next)."""
    from statusgen.build import build

    root = tmp_path / "site"
    generate(root, 20)
    www = tmp_path / "www"
    dest = www / "status"
    build(root, output=dest, now=NOW, cache=True)
    (root / "content/incidents/i00003.md").unlink()  # taken down
    build(root, output=dest, now=NOW, cache=True)
    build(root, output=dest, now=NOW, cache=True)
    assert sorted(p.name for p in www.iterdir()) == ["status"]
    assert not (dest / "incidents/i00003").exists()
    assert b"Incident 3<" not in b"".join(snapshot(www).values())
    (www / ".status.spare").mkdir()  # where an earlier build kept it: removed
    (www / ".status.spare/index.html").write_text("Incident 3")
    build(root, output=dest, now=NOW, cache=True)
    assert sorted(p.name for p in www.iterdir()) == ["status"]
