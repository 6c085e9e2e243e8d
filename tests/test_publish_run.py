"""`run_publish` end to end: two builds in folders (or a live site), X mocked over HTTP.

`responses` stands in for X and the live site, so tweepy's and requests'
real code runs; with nothing registered, any request fails the test.
"""

from __future__ import annotations

import json
import shutil
import socket
import traceback
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import responses
from conftest import NOW, at, make_config, make_site
from urllib3.exceptions import MaxRetryError, NewConnectionError

from statusgen import cli
from statusgen.errors import StatusgenError
from statusgen.manifest import LEDGER_PATH, MANIFEST_PATH, build_manifest
from statusgen.model import IncidentStatus, PrivacyConfig, PublishConfig, Site, SiteConfig, Update
from statusgen.publish import PublishError, run_publish
from statusgen.publish.compose import Post
from statusgen.publish.ledger import Ledger
from statusgen.rules import compile_rule
from statusgen.status import derive

TWEETS = "https://api.twitter.com/2/tweets"
ME = "https://api.twitter.com/2/users/me"
TIMELINE = "https://api.twitter.com/2/users/1850/tweets"
LIVE = "https://status.example.ac.uk/"
ENV = {
    "X_API_KEY": "SENTINEL-KEY",
    "X_API_SECRET": "SENTINEL-SECRET",
    "X_ACCESS_TOKEN": "SENTINEL-TOKEN",
    "X_ACCESS_TOKEN_SECRET": "SENTINEL-TOKEN-SECRET",
}
VPN = "incidents/2026-11-24-vpn-slow"
MFA = "news/2026-11-20-mfa"
VPN_LINK = "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/"
OPENED = (
    "Identified: VPN connections slow & dropping <sometimes>\n"
    "Affected: VPN\n"
    "A faulty licence server is the cause.\n" + VPN_LINK
)
NEWS = (
    "MFA for all staff\n"
    "From January every staff account needs MFA.\n"
    "https://status.example.ac.uk/news/2026-11-20-mfa/"
)
START = 1_795_522_000.0
"""2026-11-24 12:06:40 UTC: just after the fixture site's build time (NOW)."""


class FakeClock:
    def __init__(self) -> None:
        self.time = START
        self.slept: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += seconds


def config(**publish: object) -> SiteConfig:
    """X on; ``max_age`` long enough for the fixture's news of 20 November."""
    base = make_config()
    publish.setdefault("max_age", 24.0 * 30)
    return replace(
        base, publish=replace(base.publish, x=replace(base.publish.x, enabled=True), **publish)
    )


def x_timeline(*posts: dict) -> None:
    """X's answers to the reconciliation's reads: the account, then its recent posts."""
    responses.get(ME, json={"data": {"id": "1850", "name": "IT status", "username": "itstatus"}})
    body: dict = {"data": list(posts), "meta": {"result_count": len(posts)}}
    if not posts:
        body = {"meta": {"result_count": 0}}
    responses.get(TIMELINE, json=body)


def _reads_registered() -> bool:
    return any(getattr(r, "url", None) == ME for r in responses.registered())


def x_reads() -> list[str]:
    return [c.request.url.split("?")[0] for c in responses.calls if "/2/users/" in c.request.url]


def without(site: Site, *ids: str) -> Site:
    return replace(
        site,
        incidents=tuple(i for i in site.incidents if i.id not in ids),
        news=tuple(n for n in site.news if n.id not in ids),
    )


def with_vpn(site: Site, **changes: object) -> Site:
    return replace(site, incidents=(replace(site.incidents[0], **changes), *site.incidents[1:]))


def build(folder: Path, site: Site) -> Path:
    """What `statusgen build` leaves for publish: the manifest in the output folder."""
    path = folder / MANIFEST_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_manifest(site, derive(site, NOW), None).to_bytes())
    return folder


def deploy(output: Path, live: Path) -> Path:
    """The deploy: the live site becomes a copy of the output folder, ledger included."""
    shutil.rmtree(live, ignore_errors=True)
    shutil.copytree(output, live)
    return live


def run(
    cfg: SiteConfig, output: Path, previous: Path | str, clock: FakeClock | None = None, **kw
) -> list[str]:
    if not _reads_registered():
        x_timeline()  # an account with no recent posts, unless the test says otherwise
    kw.setdefault("state_dir", output.parent / "state")
    return list(run_publish(cfg, output, str(previous), env=ENV, clock=clock or FakeClock(), **kw))


def run_failing(
    cfg: SiteConfig, output: Path, previous: Path | str, clock: FakeClock | None = None, **kw
) -> tuple[list[str], PublishError]:
    lines: list[str] = []
    if not _reads_registered():
        x_timeline()
    kw.setdefault("state_dir", output.parent / "state")
    with pytest.raises(PublishError) as caught:
        for line in run_publish(
            cfg, output, str(previous), env=ENV, clock=clock or FakeClock(), **kw
        ):
            lines.append(line)
    return lines, caught.value


def bodies() -> list[dict]:
    return [json.loads(c.request.body) for c in responses.calls if c.request.method == "POST"]


def ledger(output: Path) -> Ledger:
    return Ledger.load(output / LEDGER_PATH)


def ok(post_id: str) -> dict:
    return {"data": {"id": post_id, "text": "..."}}


@pytest.fixture
def two_builds(tmp_path: Path) -> tuple[Path, Path]:
    """previous: without the VPN incident and the MFA news; current: with both."""
    site = make_site()
    previous = build(tmp_path / "previous", without(site, "2026-11-24-vpn-slow", "2026-11-20-mfa"))
    current = build(tmp_path / "public", site)
    return previous, current


# --- the baseline ---------------------------------------------------------------------------


@responses.activate
@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_no_previous_build_posts_nothing(tmp_path: Path, kind: str) -> None:
    current = build(tmp_path / "public", make_site())
    previous = tmp_path / "live"
    if kind == "empty":
        previous.mkdir()
    lines = run(config(), current, previous)
    assert lines == [
        f"no previous build at {previous}: this build is the baseline, nothing to post"
    ]
    assert len(responses.calls) == 0


@responses.activate
def test_no_manifest_at_the_live_site_is_the_baseline(tmp_path: Path) -> None:
    current = build(tmp_path / "public", make_site())
    responses.get(LIVE + MANIFEST_PATH, status=404, body="<h1>Not found</h1>")
    responses.get(LIVE + LEDGER_PATH, status=404, body="<h1>Not found</h1>")
    lines = run(config(), current, LIVE)
    assert lines[-1] == f"no previous build at {LIVE}: this build is the baseline, nothing to post"
    assert bodies() == []


# --- posting ----------------------------------------------------------------------------------


@responses.activate
def test_one_post_for_a_new_entry(tmp_path: Path) -> None:
    site = make_site()
    previous = build(tmp_path / "previous", without(site, "2026-11-24-vpn-slow"))
    current = build(tmp_path / "public", site)
    responses.post(TWEETS, json=ok("2001"))
    lines = run(config(), current, previous)
    assert bodies() == [{"text": OPENED}]
    assert lines == [
        f"previous build: {previous} (built 2026-11-24T12:00:00+00:00)",
        f"posted {VPN} (opened): id 2001",
    ]
    posts = ledger(current).posts
    assert [(p.entry, p.event, p.post_id, p.target) for p in posts] == [(VPN, "first", "2001", "x")]
    assert posts[0].posted_at == "2026-11-24T12:06:40+00:00"  # the fake clock's time
    assert ledger(current).pending == ()


@responses.activate
def test_posts_go_oldest_first(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(TWEETS, json=ok("2001"))
    run(config(), current, previous)
    assert bodies() == [{"text": NEWS}, {"text": OPENED}]


@responses.activate
def test_update_replies_to_the_first_post(tmp_path: Path) -> None:
    site = make_site()
    first_state = with_vpn(site, updates=site.incidents[0].updates[:1])
    # run 1: the incident opens
    out1 = build(tmp_path / "out1", first_state)
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow"))
    responses.post(TWEETS, json=ok("3001"))
    run(config(), out1, live)
    deploy(out1, live)
    # run 2: a fresh CI checkout builds the next state; the ledger comes from the live site
    out2 = build(tmp_path / "out2", site)
    responses.post(TWEETS, json=ok("3002"))
    lines = run(config(), out2, live)
    assert bodies()[-1] == {
        "text": "Update on VPN connections slow & dropping <sometimes> (VPN)\n"
        "Identified: A faulty licence server is the cause.",  # a reply: no link
        "reply": {"in_reply_to_tweet_id": "3001"},
    }
    assert lines[-1] == f"posted {VPN} (updated): id 3002, replying to 3001"
    assert {p.post_id for p in ledger(out2).posts} == {"3001", "3002"}  # carried forward


@responses.activate
def test_resolution_replies_too(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", site)
    Ledger(path=tmp_path / "live" / LEDGER_PATH).record(VPN, "first", "4001", "x", "t")
    resolved = with_vpn(
        site,
        resolved=at("2026-11-24 11:30"),
        updates=(
            *site.incidents[0].updates,
            Update(at("2026-11-24 11:30"), IncidentStatus.RESOLVED, "Fixed."),
        ),
    )
    out = build(tmp_path / "out", resolved)
    responses.post(TWEETS, json=ok("4002"))
    run(config(), out, live)
    assert bodies() == [
        {
            "text": "Resolved: VPN connections slow & dropping <sometimes> (VPN)\nFixed.",
            "reply": {"in_reply_to_tweet_id": "4001"},
        }
    ]


@responses.activate
def test_update_without_a_first_post_stands_alone(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", with_vpn(site, updates=site.incidents[0].updates[:1]))
    out = build(tmp_path / "out", site)
    responses.post(TWEETS, json=ok("5001"))
    run(config(), out, live)
    assert "reply" not in bodies()[0]


@responses.activate
def test_rerun_sends_nothing(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(TWEETS, json=ok("2001"))
    run(config(), current, previous)
    assert len(bodies()) == 2
    lines = run(config(), current, previous)
    assert len(bodies()) == 2
    assert lines[-1] == "nothing new to post"


# --- failures -----------------------------------------------------------------------------------


@responses.activate
def test_failure_half_way_then_rerun_sends_only_the_rest(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(TWEETS, json=ok("6001"))
    for _ in range(4):
        responses.post(TWEETS, status=500, body="oops")
    clock = FakeClock()
    lines, error = run_failing(config(), current, previous, clock)
    assert len(bodies()) == 5  # one post, then one post tried four times
    assert clock.slept == [2, 4, 8]
    assert lines[1:] == [
        f"posted {MFA} (news): id 6001",
        "X is unavailable (500 Internal Server Error): retry 1/3 in 2 s",
        "X is unavailable (500 Internal Server Error): retry 2/3 in 4 s",
        "X is unavailable (500 Internal Server Error): retry 3/3 in 8 s",
        f"not sent {VPN} (opened): X is unavailable (500 Internal Server Error) "
        "(gave up after 4 attempts)",
    ]
    assert str(error) == (
        "1 post not sent: X is unavailable (500 Internal Server Error) (gave up after 4 attempts) "
        "(a re-run sends them)"
    )
    assert ledger(current).has(MFA, "first")
    assert ledger(current).pending == ((VPN, "first"),)

    responses.reset()
    responses.post(TWEETS, json=ok("6002"))
    run(config(), current, previous)
    assert bodies() == [{"text": OPENED}]
    assert ledger(current).pending == ()


@responses.activate
def test_transient_error_then_success(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(TWEETS, body=requests.ConnectionError("reset"))
    responses.post(TWEETS, json=ok("7001"))
    clock = FakeClock()
    lines = run(config(), current, previous, clock)
    assert clock.slept == [2]
    assert "could not connect to X: retry 1/3 in 2 s" in lines
    assert len(ledger(current).posts) == 2


@responses.activate
def test_retries_stop_within_the_run_budget(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(TWEETS, status=503)
    clock = FakeClock()
    _, error = run_failing(config(timeout=5.0), current, previous, clock)
    assert clock.slept == [2]  # 2 + 4 would pass the 5 s budget
    assert sum(clock.slept) <= 5
    assert str(error).startswith("2 posts not sent: X is unavailable (503 Service Unavailable)")


@responses.activate
def test_rate_limit_reset_near_waits_and_succeeds(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(int(START) + 20)},
    )
    responses.post(TWEETS, json=ok("8001"))
    clock = FakeClock()
    lines = run(config(), current, previous, clock)
    assert clock.slept == [21]
    assert "rate limited by X: waiting 21 s" in lines
    assert len(bodies()) == 3
    assert len(ledger(current).posts) == 2


@responses.activate
def test_rate_limit_reset_far_stops_non_zero(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(
        TWEETS,
        status=429,
        json={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(int(START) + 3600)},
    )
    clock = FakeClock()
    _, error = run_failing(config(), current, previous, clock)
    assert clock.slept == []
    assert len(bodies()) == 1  # stops: the second post is not even tried
    assert str(error) == (
        "2 posts not sent: rate limited by X until 13:06:40 UTC, after this run's 60 s "
        "(publish.timeout) (a re-run sends them)"
    )
    assert ledger(current).pending == ((VPN, "first"), (MFA, "first"))


@responses.activate
def test_duplicate_content_counts_as_posted(tmp_path: Path) -> None:
    site = make_site()
    previous = build(tmp_path / "previous", without(site, "2026-11-24-vpn-slow"))
    current = build(tmp_path / "public", site)
    responses.post(
        TWEETS,
        status=403,
        json={
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
        },
    )
    lines = run(config(), current, previous)
    assert lines[-1] == f"already on X (duplicate content), recorded: {VPN} (opened)"
    posts = ledger(current).posts
    assert [(p.entry, p.event, p.post_id) for p in posts] == [(VPN, "first", None)]
    assert run(config(), current, previous)[-1] == "nothing new to post"
    assert len(bodies()) == 1


@responses.activate
def test_unauthorized_stops_with_one_line(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(TWEETS, status=401, json={"title": "Unauthorized", "status": 401})
    _, error = run_failing(config(), current, previous)
    assert len(bodies()) == 1
    message = str(error)
    assert message == (
        "2 posts not sent: X refused the credentials (401 Unauthorized): check the "
        "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET secrets "
        "(a re-run sends them)"
    )
    assert "\n" not in message


@responses.activate
def test_missing_credentials(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    with pytest.raises(PublishError) as caught:
        list(
            run_publish(
                config(),
                current,
                str(previous),
                env={},
                clock=FakeClock(),
                state_dir=current.parent / "state",
            )
        )
    assert str(caught.value) == (
        "X credentials missing: set X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, "
        "X_ACCESS_TOKEN_SECRET in the environment (as CI secrets); 2 posts not sent"
    )
    assert ledger(current).pending == ((VPN, "first"), (MFA, "first"))


@responses.activate
def test_secrets_never_appear(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.post(TWEETS, json=ok("9001"))
    responses.post(TWEETS, status=401, json={"title": "Unauthorized", "status": 401})
    lines, error = run_failing(config(), current, previous)
    seen = [*lines, str(error), repr(error), *traceback.format_exception(error)]
    seen.append((current / LEDGER_PATH).read_text())
    for text in seen:
        for secret in ENV.values():
            assert secret not in text


@responses.activate
def test_privacy_refusal_sends_the_rest_and_fails(tmp_path: Path) -> None:

    site = make_site()
    leaky = with_vpn(site, title="VPN srv-42 slow")
    previous = build(tmp_path / "previous", without(site, "2026-11-24-vpn-slow", "2026-11-20-mfa"))
    current = build(tmp_path / "public", leaky)
    cfg = replace(config(), privacy=PrivacyConfig(forbidden=(compile_rule(r"srv-[0-9]+"),)))
    responses.post(TWEETS, json=ok("9101"))
    lines, error = run_failing(cfg, current, previous)
    assert bodies() == [{"text": NEWS}]
    assert lines[1] == (
        f"refused {VPN} (opened): content/incidents/2026-11-24-vpn-slow.md:2: title: "
        "matches privacy.forbidden[1] ('srv-[0-9]+'): the post is not sent (remove the text)"
    )
    assert str(error) == "1 post refused (see above)"


# --- the cap and pending posts -----------------------------------------------------------------


@responses.activate
def test_cap_waits_and_the_next_run_sends_the_rest_after_a_deploy(
    tmp_path: Path, two_builds: tuple[Path, Path]
) -> None:
    previous, current = two_builds
    responses.post(TWEETS, json=ok("1101"))
    lines = run(config(max_posts=1), current, previous)
    assert lines[-1] == "1 more wait for the next run (publish.max_posts = 1)"
    assert bodies() == [{"text": NEWS}]
    # deployed as it is; the next change is unrelated, yet the waiting post goes out
    live = deploy(current, tmp_path / "live")
    out = build(tmp_path / "out2", make_site())
    run(config(max_posts=1), out, live)
    assert bodies() == [{"text": NEWS}, {"text": OPENED}]
    assert ledger(out).pending == ()
    assert len(ledger(out).posts) == 2


@responses.activate
def test_unsent_posts_survive_a_deploy_after_a_failure(
    tmp_path: Path, two_builds: tuple[Path, Path]
) -> None:
    previous, current = two_builds
    responses.post(TWEETS, status=401, json={"title": "Unauthorized"})
    run_failing(config(), current, previous)
    live = deploy(current, tmp_path / "live")  # CI deploys the page whatever X said
    responses.reset()
    responses.post(TWEETS, json=ok("1201"))
    run(config(), build(tmp_path / "out2", make_site()), live)
    assert bodies() == [{"text": NEWS}, {"text": OPENED}]


# --- dry run ----------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@responses.activate
def test_dry_run_prints_and_sends_and_writes_nothing(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    before = snapshot(current), snapshot(previous)
    lines = run(config(), current, previous, dry_run=True)
    assert lines == [
        f"previous build: {previous} (built 2026-11-24T12:00:00+00:00)",
        f"would post (85/280, $0.200): {NEWS}",
        f"would post (131/280, $0.200): {OPENED}",
        "estimated cost: $0.400 for 2 posts (2 with a link at $0.200, 0 without at $0.015: "
        "X's list prices, checked 2026-12-01)",
    ]
    assert len(responses.calls) == 0
    assert (snapshot(current), snapshot(previous)) == before
    assert not (current / LEDGER_PATH).exists()


@responses.activate
def test_dry_run_shows_replies(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", with_vpn(site, updates=site.incidents[0].updates[:1]))
    Ledger(path=live / LEDGER_PATH).record(VPN, "first", "1301", "x", "t")
    out = build(tmp_path / "out", site)
    lines = run(config(), out, live, dry_run=True)
    assert lines[-2].startswith("would post (109/280, $0.015), replying to 1301: Update on VPN")


def test_dry_run_works_while_posting_is_off(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    lines = run(make_config(), current, previous, dry_run=True)
    assert lines[0] == "publish.x.enabled is false: showing what would be posted once it is on"
    assert len(lines) == 5  # the two posts between the previous build and the cost


# --- switched off, and reading the builds ----------------------------------------------------


def test_disabled_does_nothing(tmp_path: Path) -> None:
    lines = list(run_publish(make_config(), tmp_path / "nothing", "https://x.invalid/"))
    assert lines == ["publish.x.enabled is false: nothing to post"]
    assert list(tmp_path.iterdir()) == []


def test_no_current_build(tmp_path: Path) -> None:
    with pytest.raises(StatusgenError) as caught:
        run(config(), tmp_path / "public", tmp_path / "live")
    assert str(caught.value) == (
        f"{tmp_path / 'public' / MANIFEST_PATH}: no build manifest (run statusgen build first)"
    )


def test_previous_cannot_be_the_output_folder(tmp_path: Path) -> None:
    current = build(tmp_path / "public", make_site())
    with pytest.raises(StatusgenError, match="is the output folder itself"):
        run(config(), current, current)


def test_corrupt_previous_manifest_is_an_error(tmp_path: Path) -> None:
    current = build(tmp_path / "public", make_site())
    broken = tmp_path / "live" / MANIFEST_PATH
    broken.parent.mkdir(parents=True)
    broken.write_text("{")
    with pytest.raises(StatusgenError) as caught:
        run(config(), current, tmp_path / "live")
    assert str(caught.value).startswith(f"{broken}: not a statusgen manifest (invalid JSON")


@responses.activate
def test_previous_from_the_live_site(tmp_path: Path, two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.get(LIVE + MANIFEST_PATH, body=(previous / MANIFEST_PATH).read_bytes())
    responses.get(LIVE + LEDGER_PATH, status=404)
    responses.post(TWEETS, json=ok("1401"))
    lines = run(config(), current, LIVE.rstrip("/"))
    assert lines[0] == f"previous build: {LIVE.rstrip('/')} (built 2026-11-24T12:00:00+00:00)"
    assert bodies() == [{"text": NEWS}, {"text": OPENED}]
    fetches = [c.request for c in responses.calls if c.request.url.startswith(LIVE)]
    assert [r.url for r in fetches] == [LIVE + MANIFEST_PATH, LIVE + LEDGER_PATH]
    assert all(r.req_kwargs["timeout"] == 10.0 for r in fetches)


@responses.activate
def test_live_ledger_is_merged(tmp_path: Path) -> None:
    site = make_site()
    previous = build(tmp_path / "previous", with_vpn(site, updates=site.incidents[0].updates[:1]))
    live_ledger = Ledger()
    live_ledger.record(VPN, "first", "1501", "x", "2026-11-24T09:00:00+00:00")
    responses.get(LIVE + MANIFEST_PATH, body=(previous / MANIFEST_PATH).read_bytes())
    responses.get(LIVE + LEDGER_PATH, body=live_ledger.to_bytes())
    responses.post(TWEETS, json=ok("1502"))
    current = build(tmp_path / "public", site)
    run(config(), current, LIVE)
    assert bodies()[0]["reply"] == {"in_reply_to_tweet_id": "1501"}
    assert ledger(current).first_post(VPN) == "1501"


@responses.activate
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            {"status": 500},
            f"{LIVE}{MANIFEST_PATH}: HTTP 500 Internal Server Error "
            "(cannot read the previous build)",
        ),
        (
            {"status": 403},
            f"{LIVE}{MANIFEST_PATH}: HTTP 403 Forbidden (cannot read the previous build)",
        ),
        (
            {"body": requests.ConnectionError("no route")},
            f"{LIVE}{MANIFEST_PATH}: cannot connect (ConnectionError)",
        ),
        (
            {"body": requests.ReadTimeout("slow")},
            f"{LIVE}{MANIFEST_PATH}: no answer within 10 s",
        ),
        (
            {"body": "<html>Welcome</html>"},
            f"{LIVE}{MANIFEST_PATH}: not a statusgen manifest (invalid JSON",
        ),
    ],
)
def test_live_site_failures_are_errors(tmp_path: Path, answer: dict, message: str) -> None:
    current = build(tmp_path / "public", make_site())
    responses.get(LIVE + MANIFEST_PATH, **answer)
    with pytest.raises(StatusgenError) as caught:
        run(config(), current, LIVE)
    assert str(caught.value).startswith(message)
    assert not isinstance(caught.value, PublishError)
    assert bodies() == []


@responses.activate
def test_live_ledger_failure_is_an_error(tmp_path: Path, two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    responses.get(LIVE + MANIFEST_PATH, body=(previous / MANIFEST_PATH).read_bytes())
    responses.get(LIVE + LEDGER_PATH, status=502)
    with pytest.raises(StatusgenError, match=r"ledger\.json: HTTP 502"):
        run(config(), current, LIVE)


class ShortTarget:
    """Another service with a smaller limit: the run fits posts to whatever target it gets."""

    name = "short"
    label = "Short"
    limit = 100

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None]] = []

    def weighted_length(self, text: str) -> int:
        return len(text)

    def send(self, post: Post, reply_to: str | None) -> str:
        self.sent.append((post.text, reply_to))
        return f"s{len(self.sent)}"


def test_any_target_can_be_injected(two_builds: tuple[Path, Path]) -> None:
    previous, current = two_builds
    target = ShortTarget()
    lines = list(
        run_publish(
            config(),
            current,
            str(previous),
            target=target,
            clock=FakeClock(),
            state_dir=current.parent / "state",
        )
    )
    assert [len(text) <= 100 for text, _ in target.sent] == [True, True]
    assert all(text.endswith("/") for text, _ in target.sent)
    assert lines[-1] == f"posted {VPN} (opened): id s2"
    assert {p.target for p in ledger(current).posts} == {"short"}


def test_publish_config_default_budget() -> None:
    assert PublishConfig().timeout == 60.0
    assert PublishConfig().max_posts == 10


# --- a site not deployed yet, through the command line ---------------------------------------

SITE_TOML = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"

[publish.x]
enabled = true
"""
INCIDENT = """
---
title: Email down
services: [email]
impact: major_outage
started: 2026-11-24 08:00
---
"""


@pytest.fixture
def built_site(write_site, capsys) -> Path:
    """A site built into its output folder, X enabled, its base_url not answering."""
    root = write_site({"site.toml": SITE_TOML, "content/incidents/email.md": INCIDENT})
    assert cli.main(["--site", str(root), "build", "--now", "2026-11-24 12:00"]) == 0
    capsys.readouterr()
    return root


def publish(capsys, root: Path, *argv: str) -> tuple[int, list[str], list[str]]:
    code = cli.main(["--site", str(root), "publish", "--output", str(root / "public"), *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err.splitlines()


def refused() -> requests.ConnectionError:
    """What requests raises for a closed port: the socket error three links down."""
    socket_error = ConnectionRefusedError(111, "Connection refused")
    reason = NewConnectionError(None, "Failed to establish a new connection")
    reason.__cause__ = socket_error
    return requests.ConnectionError(MaxRetryError(None, "/", reason=reason))


def unknown_host() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to resolve 'status.example.ac.uk'")
    reason.__context__ = socket.gaierror(-2, "Name or service not known")
    return requests.ConnectionError(MaxRetryError(None, "/", reason=reason))


@responses.activate
@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (requests.ConnectionError("no route"), "ConnectionError"),
        (refused(), "connection refused"),
        (unknown_host(), "host not found"),
        (requests.ConnectTimeout("slow"), "no answer within 10 s"),
        (requests.ReadTimeout("slow"), "no answer within 10 s"),
    ],
)
def test_dry_run_on_a_site_not_deployed_previews_a_first_publish(
    capsys, built_site: Path, failure: Exception, reason: str
) -> None:
    responses.get(LIVE + MANIFEST_PATH, body=failure)
    code, out, err = publish(capsys, built_site, "--dry-run")
    assert (code, err) == (0, [])
    assert out == [
        f"previous build: cannot reach {LIVE} ({reason}); "
        "previewing against an empty previous build",
        "no previous build: a first publish posts nothing and makes this build the baseline "
        f"(without --dry-run, publish stops with an error until {LIVE} answers)",
    ]
    assert [c.request.url for c in responses.calls] == [LIVE + MANIFEST_PATH]
    assert not (built_site / "public" / LEDGER_PATH).exists()


@responses.activate
@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (requests.ConnectionError("no route"), "cannot connect (ConnectionError)"),
        (refused(), "cannot connect (connection refused)"),
        (unknown_host(), "cannot connect (host not found)"),
        (requests.ReadTimeout("slow"), "no answer within 10 s"),
    ],
)
def test_without_dry_run_an_unreachable_site_stays_an_error(
    capsys, built_site: Path, failure: Exception, message: str
) -> None:
    responses.get(LIVE + MANIFEST_PATH, body=failure)
    code, out, err = publish(capsys, built_site)
    assert (code, out) == (1, [])
    assert err == [f"error: {LIVE}{MANIFEST_PATH}: {message}"]
    assert not (built_site / "public" / LEDGER_PATH).exists()
    assert bodies() == []


@responses.activate
def test_dry_run_still_fails_when_the_site_answers_with_an_error(capsys, built_site: Path) -> None:
    responses.get(LIVE + MANIFEST_PATH, status=500)
    code, out, err = publish(capsys, built_site, "--dry-run")
    assert (code, out) == (1, [])
    assert err == [
        f"error: {LIVE}{MANIFEST_PATH}: HTTP 500 Internal Server Error "
        "(cannot read the previous build)"
    ]


@responses.activate
def test_dry_run_does_not_preview_a_first_publish_when_only_the_ledger_fails(
    capsys, built_site: Path
) -> None:
    # The manifest came back: the site is deployed, so a lost ledger request
    # is an error even in a dry run (an empty preview would be untrue).
    responses.get(LIVE + MANIFEST_PATH, body=(built_site / "public" / MANIFEST_PATH).read_bytes())
    responses.get(LIVE + LEDGER_PATH, body=refused())
    code, out, err = publish(capsys, built_site, "--dry-run")
    assert (code, out) == (1, [])
    assert err == [f"error: {LIVE}{LEDGER_PATH}: cannot connect (connection refused)"]
