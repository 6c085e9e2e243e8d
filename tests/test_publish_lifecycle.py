"""A maintenance window's lifecycle (issue "#10", case 11): its announcement,
start, end and moves, each posted once and threaded, fed once, and its
calendar SEQUENCE carried through the live site.

Through `statusgen.cli.main` as CI runs it: a fresh build into ``public/``
with ``build --previous`` naming the live site, ``publish``, then the deploy
(the live site becomes a copy of ``public/``). X is mocked over HTTP with
`responses` (tweepy's real code); the publish clock is pinned to each run's
build time, so ``publish.max_age`` applies as it would in CI.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
import responses
from test_publish_run import ENV, LIVE, TWEETS, bodies, ok, x_timeline

from statusgen import cli
from statusgen.manifest import LEDGER_PATH, MANIFEST_PATH
from statusgen.publish.ledger import Ledger
from statusgen.publish.send import SystemClock

SITE_TOML = (
    'title = "S"\nbase_url = "https://status.example.ac.uk/"\ntimezone = "UTC"\n'
    '[[services]]\nid = "email"\nname = "Email"\n'
    "[publish.x]\nenabled = true\n"
)
WINDOW = "content/incidents/patching.md"
REF = "incidents/patching"
LINK = "https://status.example.ac.uk/incidents/patching/"


def window(start: str, end: str) -> str:
    head = "---\nkind: maintenance\ntitle: Email patching\nservices: [email]\n"
    return f"{head}start: {start}\nend: {end}\n---\n"


class Flow:
    """One site, its CI runs and its live site (a folder, or served at LIVE)."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
        self.root = root
        self.live = root.parent / "live"
        self.public = root / "public"
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        for name, value in ENV.items():
            monkeypatch.setenv(name, value)

    def write(self, text: str | None) -> None:
        path = self.root / WINDOW
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def run(self, now: str, previous: str | None = None) -> list[str]:
        """A CI run at `now`: fresh checkout, build, publish, deploy; publish's lines."""
        shutil.rmtree(self.public, ignore_errors=True)  # a fresh checkout has no output
        shutil.rmtree(self.root / ".statusgen-cache", ignore_errors=True)
        moment = datetime.fromisoformat(now.replace(" ", "T") + "+00:00").timestamp()
        self.monkeypatch.setattr(SystemClock, "now", lambda _self: moment)
        site = ["--site", str(self.root)]
        previous = previous or str(self.live)
        assert cli.main([*site, "build", "--now", now, "--previous", previous]) == 0
        self.capsys.readouterr()
        x_timeline()
        code = cli.main([*site, "publish", "--previous", str(self.live)])
        lines = self.capsys.readouterr().out.splitlines()
        assert code == 0, lines
        shutil.rmtree(self.live, ignore_errors=True)
        shutil.copytree(self.public, self.live)
        return lines

    def ledger(self) -> list[tuple[str, str | None]]:
        return sorted((p.event, p.post_id) for p in Ledger.load(self.live / LEDGER_PATH).posts)

    def feed_ids(self) -> list[str]:
        parsed = feedparser.parse((self.live / "feeds/all.atom").read_bytes())
        return [e.id for e in parsed.entries]

    def sequence(self) -> list[str]:
        text = (self.live / "feeds/maintenance.ics").read_text()
        return [line for line in text.splitlines() if line.startswith("SEQUENCE")]


@pytest.fixture
def flow(write_site: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, capsys) -> Flow:
    root = write_site({"site.toml": SITE_TOML, "content/news/.keep": ""})
    made = Flow(root, monkeypatch, capsys)
    made.run("2026-11-20 09:00")  # the baseline: the site before the window
    return made


def sent() -> list[tuple[str, str | None]]:
    """Each post's text and the post it replies to."""
    return [(b["text"], (b.get("reply") or {}).get("in_reply_to_tweet_id")) for b in bodies()]


@responses.activate
def test_announce_start_and_end_post_three_posts_threaded(flow: Flow) -> None:
    flow.write(window("2026-11-29 07:00", "2026-11-29 09:00"))
    responses.post(TWEETS, json=ok("1"))
    assert flow.run("2026-11-20 10:00")[-1] == f"posted {REF} (scheduled): id 1"
    responses.post(TWEETS, json=ok("2"))
    lines = flow.run("2026-11-29 07:05")
    assert lines[-1] == f"posted {REF} (maintenance_started): id 2, replying to 1"
    responses.post(TWEETS, json=ok("3"))
    lines = flow.run("2026-11-29 09:05")
    assert lines[-1] == f"posted {REF} (maintenance_ended): id 3, replying to 1"
    assert flow.run("2026-11-29 10:00")[-1] == "nothing new to post"

    assert sent() == [
        (
            "Scheduled maintenance: Email patching\n"
            "When: Sun 29 Nov 2026, 07:00–09:00 UTC\nAffected: Email\n" + LINK,
            None,
        ),
        (
            # Replies leave the link out ([publish.x] links = "first", the default).
            "Maintenance in progress: Email patching (Email)\n"
            "When: Sun 29 Nov 2026, 07:00–09:00 UTC",
            "1",
        ),
        ("Maintenance completed: Email patching (Email)", "1"),
    ]
    assert flow.ledger() == [("ended", "3"), ("first", "1"), ("started", "2")]
    # One feed entry per lifecycle event, each once.
    assert flow.feed_ids() == [f"{LINK}#ended", f"{LINK}#started", f"{LINK}#scheduled"]


@responses.activate
def test_a_window_that_started_and_ended_between_two_runs_posts_its_end_only(
    flow: Flow,
) -> None:
    flow.write(window("2026-11-29 07:00", "2026-11-29 09:00"))
    responses.post(TWEETS, json=ok("1"))
    flow.run("2026-11-20 10:00")
    responses.post(TWEETS, json=ok("2"))
    lines = flow.run("2026-11-29 11:00")  # both fresh: "completed" tells it all
    assert lines[-1] == f"posted {REF} (maintenance_ended): id 2, replying to 1"
    assert flow.ledger() == [("ended", "2"), ("first", "1"), ("started", "2")]
    assert flow.run("2026-11-29 11:30")[-1] == "nothing new to post"
    assert len(bodies()) == 2


@responses.activate
def test_an_end_older_than_max_age_is_not_posted(flow: Flow) -> None:
    flow.write(window("2026-11-29 07:00", "2026-11-29 09:00"))
    responses.post(TWEETS, json=ok("1"))
    flow.run("2026-11-20 10:00")
    lines = flow.run("2026-11-29 16:00")  # the end was 7 h ago (max_age 6 h)
    assert lines[-2:] == [
        f"not posted {REF} (maintenance_ended): from 2026-11-29T09:00:00+00:00, "
        "older than publish.max_age (6 h)",
        "nothing new to post",
    ]
    assert flow.run("2026-11-29 16:30")[-1] == "nothing new to post"
    assert len(bodies()) == 1


@responses.activate
def test_a_move_posts_once_and_correcting_it_posts_nothing(flow: Flow) -> None:
    flow.write(window("2026-11-29 07:00", "2026-11-29 09:00"))
    responses.post(TWEETS, json=ok("1"))
    flow.run("2026-11-20 10:00")
    flow.write(window("2026-11-30 07:00", "2026-11-30 09:00"))
    responses.post(TWEETS, json=ok("2"))
    lines = flow.run("2026-11-21 10:00")
    assert lines[-1] == f"posted {REF} (maintenance_moved): id 2, replying to 1"
    assert sent()[-1] == (
        "Maintenance rescheduled: Email patching (Email)\nNow: Mon 30 Nov 2026, 07:00–09:00 UTC",
        "1",
    )
    # A typo: 08:00 was meant. Corrected half an hour later: the same move.
    flow.write(window("2026-11-30 08:00", "2026-11-30 10:00"))
    assert flow.run("2026-11-21 10:30")[-1] == "nothing new to post"
    moves = json.loads((flow.live / MANIFEST_PATH).read_bytes())["entries"][0]["moves"]
    assert moves == [
        {
            "at": "2026-11-21T10:00:00+00:00",
            "start": "2026-11-30T08:00:00+00:00",
            "end": "2026-11-30T10:00:00+00:00",
        }
    ]
    # Moved again a day later: a second move, posted once.
    flow.write(window("2026-12-01 08:00", "2026-12-01 10:00"))
    responses.post(TWEETS, json=ok("3"))
    assert flow.run("2026-11-22 10:00")[-1] == (
        f"posted {REF} (maintenance_moved): id 3, replying to 1"
    )
    assert flow.run("2026-11-22 11:00")[-1] == "nothing new to post"
    assert len(bodies()) == 3
    assert flow.ledger() == [("first", "1"), ("moved:1", "2"), ("moved:2", "3")]
    # Without an update the announcement is dated at the window's start, the newest.
    assert flow.feed_ids() == [f"{LINK}#scheduled", f"{LINK}#moved-2", f"{LINK}#moved-1"]


@responses.activate
def test_sequence_goes_up_when_the_previous_build_is_only_the_live_site(flow: Flow) -> None:
    """CI: a fresh checkout (no output folder) and ``build --previous`` alone,
    which reads base_url's manifest."""

    def serve_live() -> None:
        for path in (MANIFEST_PATH, LEDGER_PATH):
            responses.get(LIVE + path, body=(flow.live / path).read_bytes())

    flow.write(window("2026-11-29 07:00", "2026-11-29 09:00"))
    responses.post(TWEETS, json=ok("1"))
    flow.run("2026-11-20 10:00")
    assert flow.sequence() == ["SEQUENCE:0"]
    serve_live()
    flow.write(window("2026-11-30 07:00", "2026-11-30 09:00"))
    responses.post(TWEETS, json=ok("2"))
    site = ["--site", str(flow.root)]
    shutil.rmtree(flow.public)
    assert cli.main([*site, "build", "--now", "2026-11-21 10:00", "--previous"]) == 0
    ics = (flow.public / "feeds/maintenance.ics").read_text()
    assert "SEQUENCE:1" in ics.splitlines()


def test_build_previous_a_site_not_deployed_yet_has_no_history(
    write_site: Callable[..., Path], capsys
) -> None:
    root = write_site(
        {"site.toml": SITE_TOML, WINDOW: window("2026-11-29 07:00", "2026-11-29 09:00")}
    )
    with responses.RequestsMock() as mock:
        mock.get(LIVE + MANIFEST_PATH, status=404)
        mock.get(LIVE + LEDGER_PATH, status=404)
        code = cli.main(["--site", str(root), "build", "--now", "2026-11-20 10:00", "--previous"])
    out = capsys.readouterr().out.splitlines()
    assert (code, out[0]) == (0, f"previous build: no manifest at {LIVE}; no window history")
    assert "SEQUENCE:0" in (root / "public/feeds/maintenance.ics").read_text().splitlines()


def test_build_previous_a_server_error_fails_the_build(
    write_site: Callable[..., Path], capsys
) -> None:
    root = write_site(
        {"site.toml": SITE_TOML, WINDOW: window("2026-11-29 07:00", "2026-11-29 09:00")}
    )
    with responses.RequestsMock() as mock:
        mock.get(LIVE + MANIFEST_PATH, status=500)
        code = cli.main(["--site", str(root), "build", "--previous"])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[-1].endswith(
        f"{LIVE}{MANIFEST_PATH}: HTTP 500 Internal Server Error (cannot read the previous build)"
    )
