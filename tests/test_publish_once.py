"""Exactly once under real operations (issue "#10"): each numbered case of the issue.

Builds in folders, X mocked over HTTP with `responses` (tweepy's real code),
X's real duplicate answer, and a fake clock just after the fixture site's
build time.
"""

from __future__ import annotations

import fcntl
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses
from conftest import LONDON, at, make_site
from test_publish_run import (
    LIVE,
    ME,
    OPENED,
    TIMELINE,
    TWEETS,
    VPN,
    VPN_LINK,
    FakeClock,
    bodies,
    build,
    config,
    deploy,
    ledger,
    ok,
    run,
    run_failing,
    with_vpn,
    without,
    x_reads,
    x_timeline,
)

from statusgen import cli
from statusgen.errors import StatusgenError
from statusgen.manifest import LEDGER_PATH, MANIFEST_PATH, build_manifest
from statusgen.model import IncidentStatus, Site, Update
from statusgen.publish import run_publish
from statusgen.publish.ledger import Ledger, PostRecord
from statusgen.publish.state import LEDGER_COPY_NAME, LOCK_NAME
from statusgen.status import derive

DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
RESOLVED = Update(at("2026-11-24 11:30"), IncidentStatus.RESOLVED, "VPN is back to normal.")
UPDATE_2 = (
    "Update on VPN connections slow & dropping <sometimes> (VPN)\n"
    "Identified: A faulty licence server is the cause."  # a reply: no link (X bills it)
)


def vpn_only(site: Site, **changes: object) -> Site:
    """The fixture site with the VPN incident alone (one event per run to follow)."""
    vpn = replace(site.incidents[0], **changes)
    return replace(site, incidents=(vpn,), maintenances=(), news=())


def empty(site: Site) -> Site:
    return replace(site, incidents=(), maintenances=(), news=())


def posts(output: Path) -> list[tuple[str, str, str | None]]:
    return [(p.entry, p.event, p.post_id) for p in ledger(output).posts]


# --- 1. a corrected time zone re-posts nothing ------------------------------------------


def summer_incident(site: Site, zone: object) -> Site:
    def t(hour: int) -> datetime:
        return datetime(2026, 7, 1, hour, 0, tzinfo=zone)  # type: ignore[arg-type]

    updates = (
        Update(t(9), IncidentStatus.INVESTIGATING, "Looking."),
        Update(t(10), IncidentStatus.IDENTIFIED, "Found it."),
        Update(t(11), IncidentStatus.RESOLVED, "Fixed."),
    )
    return vpn_only(site, started=t(8), resolved=t(11), updates=updates)


@responses.activate
def test_1_correcting_the_time_zone_posts_nothing_and_migrates_the_old_ledger(
    tmp_path: Path,
) -> None:
    site = make_site()
    utc_site = summer_incident(site, UTC)
    live = build(tmp_path / "live", utc_site)
    # Today's ledger: updates keyed by time/status, exactly as the old manifest's keys.
    old = build_manifest(utc_site, derive(utc_site, at("2026-11-24 12:00")), None).entry(VPN)
    assert old is not None
    legacy = Ledger(path=live / LEDGER_PATH)
    legacy.record(VPN, "first", "100", "x", "2026-07-01T08:01:00+00:00")
    legacy.record(VPN, old.updates[1].key, "101", "x", "2026-07-01T10:01:00+00:00")
    legacy.record(VPN, old.updates[2].key, "102", "x", "2026-07-01T11:01:00+00:00")
    out = build(tmp_path / "out", summer_incident(site, LONDON))  # every time moves an hour

    lines = run(config(), out, live)
    assert lines[-1] == "nothing new to post"
    assert bodies() == []
    assert x_reads() == []  # nothing due: nothing read (X bills reads)
    assert posts(out) == [
        (VPN, "first", "100"),
        (VPN, "update:2", "101"),
        (VPN, "resolved", "102"),
    ]


# --- 3. corrections and a resolution written twice ------------------------------------


@responses.activate
def test_3_correcting_an_updates_time_or_status_posts_nothing(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", site)
    Ledger(path=live / LEDGER_PATH).record(VPN, "first", "200", "x", "t", updates=2)
    first, second = site.incidents[0].updates
    fixed = with_vpn(
        site,
        updates=(
            replace(first, at=at("2026-11-24 08:20"), message="We are looking into it."),
            replace(second, status=IncidentStatus.MONITORING),
        ),
    )
    out = build(tmp_path / "out", fixed)
    assert run(config(), out, live)[-1] == "nothing new to post"
    assert bodies() == []


@responses.activate
def test_3_resolved_then_a_resolved_update_is_one_resolved_post(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    step1 = build(tmp_path / "out1", with_vpn(site, resolved=at("2026-11-24 11:30")))
    live = build(tmp_path / "live", site)
    Ledger(path=live / LEDGER_PATH).record(VPN, "first", "300", "x", "t", updates=2)
    responses.post(TWEETS, json=ok("301"))
    assert run(config(), step1, live)[-1] == f"posted {VPN} (resolved): id 301, replying to 300"
    deploy(step1, live)
    both = with_vpn(
        site,
        resolved=at("2026-11-24 11:30"),
        updates=(*site.incidents[0].updates, RESOLVED),
    )
    step2 = build(tmp_path / "out2", both)
    assert run(config(), step2, live)[-1] == "nothing new to post"
    assert len(bodies()) == 1


# --- 4 and 5. failed deploys, stale sites, two runs at once ---------------------------


@responses.activate
def test_4_a_failed_deploy_does_not_post_the_entry_again_on_the_same_machine(
    tmp_path: Path,
) -> None:
    site = vpn_only(make_site())
    opened = with_vpn(site, updates=site.incidents[0].updates[:1])
    live = build(tmp_path / "live", empty(site))
    out1 = build(tmp_path / "out1", opened)
    responses.post(TWEETS, json=ok("400"))
    run(config(), out1, live)
    # the deploy fails: the live site keeps the build without the incident
    out2 = build(tmp_path / "out2", site)
    responses.post(TWEETS, json=ok("401"))
    lines = run(config(), out2, live)
    assert lines[-1] == f"posted {VPN} (updated): id 401, replying to 400"
    assert len(bodies()) == 2
    assert (tmp_path / "state" / LEDGER_COPY_NAME).exists()


@responses.activate
def test_4_a_stale_live_site_on_a_fresh_ci_machine_reconciles_with_x(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    opened = with_vpn(site, updates=site.incidents[0].updates[:1])
    live = build(tmp_path / "live", empty(site))
    out1 = build(tmp_path / "ci1" / "public", opened)
    responses.post(TWEETS, json=ok("410"))
    run(config(), out1, live)
    # Next CI run: fresh machine (no local copy), the live site still old (CDN
    # or failed deploy), and an update came in, so a re-composed first post
    # would differ and X would accept it. The account's posts say it is there.
    responses.reset()
    x_timeline(
        {
            "id": "410",
            "created_at": "2026-11-24T08:20:00.000Z",  # after update 1, before update 2
            "text": "Investigating: VPN connections slow &amp; dropping &lt;sometimes&gt;\n"
            "Affected: VPN\nWe are looking into reports.\nhttps://t.co/abc",
            "entities": {"urls": [{"url": "https://t.co/abc", "expanded_url": VPN_LINK}]},
            "edit_history_tweet_ids": ["410"],
        }
    )
    responses.post(TWEETS, json=ok("411"))
    out2 = build(tmp_path / "ci2" / "public", site)
    lines = run(config(), out2, live)
    assert lines[1:] == [
        f"already on X, recorded: {VPN} (opened): id 410",
        f"posted {VPN} (updated): id 411, replying to 410",
    ]
    assert bodies() == [{"text": UPDATE_2, "reply": {"in_reply_to_tweet_id": "410"}}]
    assert x_reads() == [ME, TIMELINE]


@responses.activate
def test_5_a_second_run_at_once_waits_then_stops_with_one_line(
    tmp_path: Path, write_site, capsys
) -> None:
    root = write_site(
        {
            "site.toml": 'title = "S"\nbase_url = "https://s.example/"\ntimezone = "UTC"\n'
            "[publish.x]\nenabled = true\n",
        }
    )
    assert cli.main(["--site", str(root), "build", "--now", "2026-11-24 12:00"]) == 0
    lock = root / ".statusgen-cache" / LOCK_NAME
    lock.parent.mkdir(parents=True, exist_ok=True)
    capsys.readouterr()
    with lock.open("a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # the first run, still going
        clock = FakeClock()
        with pytest.raises(StatusgenError) as caught:
            list(
                run_publish(
                    replace(config(), root=root),
                    root / "public",
                    str(tmp_path / "live"),
                    clock=clock,
                )
            )
    assert str(caught.value) == (
        f"another statusgen publish of this site is running ({lock} is locked); "
        "gave up after 120 s (run publish again when it ends)"
    )
    assert sum(clock.slept) == 120
    assert not (root / "public" / LEDGER_PATH).exists()


@responses.activate
def test_5_two_runs_one_after_the_other_keep_both_records(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out_a = build(tmp_path / "a", site)
    out_b = build(tmp_path / "b", site)  # a second job built the same commit
    responses.post(TWEETS, json=ok("500"))
    run(config(), out_a, live)
    assert run(config(), out_b, live)[-1] == "nothing new to post"
    assert len(bodies()) == 1
    assert posts(out_b) == [(VPN, "first", "500")]  # not replaced by an empty ledger


# --- 6. a 404 of the live manifest, a switched-off target -------------------------------


@responses.activate
def test_6_a_404_with_a_ledger_is_not_a_first_publish(tmp_path: Path) -> None:
    out = build(tmp_path / "public", make_site())
    live_ledger = Ledger(
        [PostRecord(VPN, "first", "600", "x", "t", 2)], pending=[("news/2026-11-20-mfa", "first")]
    )
    responses.get(LIVE + MANIFEST_PATH, status=404)
    responses.get(LIVE + LEDGER_PATH, body=live_ledger.to_bytes())
    _, error = run_failing(config(), out, LIVE)
    assert str(error) == (
        f"no build manifest at {LIVE}, but the post ledger holds 1 post and 1 pending: not a "
        f"first publish; nothing sent, the ledger is kept (re-run once {MANIFEST_PATH} is back)"
    )
    assert bodies() == []
    kept = ledger(out)
    assert kept.first_post(VPN) == "600"
    assert kept.pending == (("news/2026-11-20-mfa", "first"),)


@responses.activate
def test_6_a_run_with_x_switched_off_keeps_pending_posts(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow"))
    Ledger(path=live / LEDGER_PATH, pending=[(VPN, "first")]).save()
    off = replace(
        config(), publish=replace(config().publish, x=replace(config().publish.x, enabled=False))
    )
    out1 = build(tmp_path / "out1", site)
    lines = list(run_publish(off, out1, str(live), clock=FakeClock(), state_dir=tmp_path / "state"))
    assert lines == [
        "publish.x.enabled is false: nothing to post",
        "kept the post ledger (0 posts recorded, 1 pending) for when it is on again",
    ]
    assert ledger(out1).pending == ((VPN, "first"),)
    deploy(out1, live)
    out2 = build(tmp_path / "out2", site)
    responses.post(TWEETS, json=ok("610"))
    run(config(), out2, live, state_dir=tmp_path / "other-machine")
    assert bodies() == [{"text": OPENED}]


# --- max_age ---------------------------------------------------------------------------


@responses.activate
def test_an_event_older_than_max_age_is_never_sent(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow", "2026-11-20-mfa"))
    out = build(tmp_path / "out", site)
    responses.post(TWEETS, json=ok("700"))
    lines = run(config(max_age=6.0), out, live)  # the default
    assert lines[1:] == [
        "not posted news/2026-11-20-mfa (news): from 2026-11-20T09:00:00+00:00, older than "
        "publish.max_age (6 h)",
        f"posted {VPN} (opened): id 700",
    ]
    assert ledger(out).pending == ()


# --- 7. a poison post --------------------------------------------------------------------


TOO_LONG = {"errors": [{"message": "text is too long"}], "title": "Invalid Request", "status": 400}


@responses.activate
def test_7_a_post_x_refuses_for_good_is_marked_and_the_rest_still_go(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow", "2026-11-20-mfa"))
    out = build(tmp_path / "out", site)
    responses.post(TWEETS, status=400, json=TOO_LONG)  # the news post, first in time
    responses.post(TWEETS, json=ok("800"))
    lines, error = run_failing(config(), out, live)
    assert lines[1:] == [
        "refused by X: news/2026-11-20-mfa (news): X rejected the post (400 Bad Request: text "
        "is too long) (not retried; to send it again: statusgen publish --retry "
        "news/2026-11-20-mfa#first)",
        f"posted {VPN} (opened): id 800",
    ]
    assert str(error) == "1 post refused (see above)"
    (refusal,) = ledger(out).refused
    assert (refusal.entry, refusal.event, refusal.reason) == (
        "news/2026-11-20-mfa",
        "first",
        "X rejected the post (400 Bad Request: text is too long)",
    )
    assert ledger(out).pending == ()

    # The next run (the site deployed) does not try it again, and exits 0.
    live = deploy(out, live)
    out2 = build(tmp_path / "out2", site)
    assert run(config(), out2, live)[-1] == "nothing new to post"
    assert len(bodies()) == 2

    # By hand: --retry sends it again.
    responses.post(TWEETS, json=ok("801"))
    lines = run(config(), out2, live, retry=["news/2026-11-20-mfa"])
    assert lines[1:] == [
        "retrying news/2026-11-20-mfa#first",
        "posted news/2026-11-20-mfa (news): id 801",
    ]
    assert ledger(out2).refused == ()


@responses.activate
def test_7_retry_of_something_not_refused_is_one_line(tmp_path: Path, write_site, capsys) -> None:
    root = write_site(
        {
            "site.toml": 'title = "S"\nbase_url = "https://s.example/"\ntimezone = "UTC"\n'
            "[publish.x]\nenabled = true\n",
        }
    )
    assert cli.main(["--site", str(root), "build", "--now", "2026-11-24 12:00"]) == 0
    live = build(tmp_path / "live", make_site())
    capsys.readouterr()
    argv = ["--site", str(root), "publish", "--previous", str(live), "--retry", "incidents/x#first"]
    assert cli.main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "error: --retry incidents/x#first: no refused event there (refused: none; REF is "
        "incidents/<id> or incidents/<id>#<event>)"
    ]


@responses.activate
def test_7_auth_failures_still_stop_the_run(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow", "2026-11-20-mfa"))
    out = build(tmp_path / "out", site)
    responses.post(TWEETS, status=401, json={"title": "Unauthorized", "status": 401})
    _, error = run_failing(config(), out, live)
    assert str(error).startswith("2 posts not sent: X refused the credentials (401")
    assert len(bodies()) == 1
    assert ledger(out).refused == ()


# --- 8. accepted but not recorded -------------------------------------------------------


def on_x(post_id: str, text: str, *, reply: bool = False, created: str | None = None) -> dict:
    """One of the account's posts as X lists it: links shortened, & escaped."""
    shown = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    shown = shown.replace(VPN_LINK, "https://t.co/x1")
    post: dict = {"id": post_id, "text": shown, "edit_history_tweet_ids": [post_id]}
    if VPN_LINK in text:
        post["entities"] = {"urls": [{"url": "https://t.co/x1", "expanded_url": VPN_LINK}]}
    if reply:
        post["referenced_tweets"] = [{"type": "replied_to", "id": "1"}]
    if created:
        post["created_at"] = created
    return post


@responses.activate
def test_8_a_503_after_x_created_the_post_gets_its_id_back(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", site)
    x_timeline()
    for _ in range(4):
        responses.post(TWEETS, status=503)  # X made the post, then answered 503
    run_failing(config(), out, live)
    assert ledger(out).pending == ((VPN, "first"),)
    # The next run finds it among the account's posts: recorded, not sent again.
    responses.reset()
    x_timeline(on_x("900", OPENED))
    lines = run(config(), out, live)
    assert lines[-1] == f"already on X, recorded: {VPN} (opened): id 900"
    assert bodies() == []
    assert ledger(out).first_post(VPN) == "900"
    assert ledger(out).pending == ()


@responses.activate
def test_8_a_full_disk_while_recording_stops_and_the_next_run_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = vpn_only(make_site())
    opened = with_vpn(site, updates=site.incidents[0].updates[:1])
    live = build(tmp_path / "live", opened)
    Ledger(path=live / LEDGER_PATH).record(VPN, "first", "910", "x", "t", updates=1)
    out = build(tmp_path / "out", site)
    responses.post(TWEETS, json=ok("911"))
    real = Ledger.save

    def full(self: Ledger) -> None:
        if self.has(VPN, "update:2"):
            raise OSError(28, "No space left on device")
        real(self)

    monkeypatch.setattr(Ledger, "save", full)
    lines, error = run_failing(config(), out, live)
    assert str(error) == ("1 post sent but not recorded (the next run finds it on the account)")
    assert lines[-1] == "cannot write the post ledger (No space left on device): stopping"
    monkeypatch.setattr(Ledger, "save", real)
    assert ledger(out).pending == ((VPN, "update:2"),)  # as written before sending
    # The next run: X lists the reply; its id is recorded and nothing is sent again.
    responses.reset()
    x_timeline(on_x("911", UPDATE_2, reply=True))
    lines = run(config(), out, live)
    assert lines[-1] == f"already on X, recorded: {VPN} (updated): id 911"
    assert bodies() == []
    assert ledger(out).has(VPN, "update:2")


@responses.activate
def test_8_killed_between_post_and_record_keeps_the_thread(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", site)
    # A run that wrote its pending events, posted the first post, and was killed.
    Ledger(path=out / LEDGER_PATH, pending=[(VPN, "first")]).save()
    resolved = with_vpn(
        site, resolved=at("2026-11-24 11:30"), updates=(*site.incidents[0].updates, RESOLVED)
    )
    deploy(out, live)
    out2 = build(tmp_path / "out2", resolved)
    x_timeline(on_x("920", OPENED, created="2026-11-24T10:00:00.000Z"))
    responses.post(TWEETS, json=ok("921"))
    lines = run(config(), out2, live)
    assert lines[1:] == [
        f"already on X, recorded: {VPN} (opened): id 920",
        f"posted {VPN} (resolved): id 921, replying to 920",
    ]
    assert len(bodies()) == 1


# --- 9 and 10. drafts and embargoed news ------------------------------------------------


@responses.activate
def test_9_a_draft_built_with_drafts_is_never_posted(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", with_vpn(site, draft=True))  # build --drafts
    assert json.loads((out / MANIFEST_PATH).read_bytes())["entries"][0]["draft"] is True
    assert run(config(), out, live)[-1] == "nothing new to post"
    assert bodies() == []
    # Published later: its opening is posted then.
    deploy(out, live)
    out2 = build(tmp_path / "out2", site)
    responses.post(TWEETS, json=ok("930"))
    assert run(config(), out2, live)[-1] == f"posted {VPN} (opened): id 930"


def test_9_through_the_command_line(write_site, capsys, tmp_path: Path) -> None:
    root = write_site(
        {
            "site.toml": 'title = "S"\nbase_url = "https://s.example/"\ntimezone = "UTC"\n'
            '[[services]]\nid = "email"\nname = "Email"\n'
            "[publish]\nmax_age = 100000\n[publish.x]\nenabled = true\n",
            "content/incidents/email.md": "---\ntitle: Email down\nservices: [email]\n"
            "impact: major_outage\nstarted: 2026-11-24 08:00\ndraft: true\n---\n",
        }
    )
    previous = tmp_path / "previous"
    base = ["--site", str(root), "build", "--now", "2026-11-24 12:00"]
    assert cli.main([*base, "--output", str(previous)]) == 0
    (root / "content/incidents/email.md").write_text(
        "---\ntitle: Email down\nservices: [email]\nimpact: major_outage\n"
        "started: 2026-11-24 08:00\ndraft: true\n---\n"
    )
    assert cli.main([*base, "--drafts"]) == 0
    capsys.readouterr()
    code = cli.main(["--site", str(root), "publish", "--previous", str(previous)])
    assert (code, capsys.readouterr().out.splitlines()[-1]) == (0, "nothing new to post")


@responses.activate
def test_10_news_is_never_posted_before_its_time(tmp_path: Path) -> None:
    site = make_site()
    news = site.news[0]
    future = replace(news, date=at("2026-11-24 18:00"))
    only = replace(site, incidents=(), maintenances=(), news=(future,))
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", only)  # a manifest that has it (built with a later --now)
    lines = run(config(), out, live)
    assert lines[1:] == [
        "held until 2026-11-24T18:00:00+00:00: news/2026-11-20-mfa (news) (not yet published)",
        "nothing new to post",
    ]
    assert bodies() == []
    assert ledger(out).pending == (("news/2026-11-20-mfa", "first"),)
    # Due at 18:00: the next run (the site deployed in between) posts it.
    deploy(out, live)
    out2 = build(tmp_path / "out2", only)
    clock = FakeClock()
    clock.time = datetime(2026, 11, 24, 18, 5, tzinfo=UTC).timestamp()
    responses.post(TWEETS, json=ok("940"))
    assert run(config(), out2, live, clock)[-1] == "posted news/2026-11-20-mfa (news): id 940"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "site.toml:5: publish.max_age: 0 must be a positive number of hours"),
        ('"6h"', "site.toml:5: publish.max_age: expected a number"),
    ],
)
def test_check_names_a_bad_max_age(write_site, capsys, value: str, message: str) -> None:
    root = write_site(
        {
            "site.toml": 'title = "S"\nbase_url = "https://s.example/"\ntimezone = "UTC"\n'
            f"[publish]\nmax_age = {value}\n"
        }
    )
    assert cli.main(["--site", str(root), "check"]) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0] == message


# --- 2. a renamed entry ------------------------------------------------------------------

FIXED = "incidents/2026-11-24-vpn-slow-down"


@responses.activate
def test_2_a_rename_keeps_the_thread_and_the_old_address_redirects(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    opened = with_vpn(site, updates=site.incidents[0].updates[:1])
    live = build(tmp_path / "live", opened)
    Ledger(path=live / LEDGER_PATH).record(VPN, "first", "1000", "x", "t", updates=1)
    # The slug typo is fixed and an update comes in, in one push.
    renamed = with_vpn(site, id="2026-11-24-vpn-slow-down")
    out = build(tmp_path / "out", renamed)
    responses.post(TWEETS, json=ok("1001"))
    lines = run(config(), out, live)
    assert lines[1:] == [
        f"renamed {VPN} to {FIXED}: its posts and thread move with it, and /{VPN}/ becomes "
        "a redirect",
        f"posted {FIXED} (updated): id 1001, replying to 1000",
    ]
    assert len(bodies()) == 1  # no second root post
    assert ledger(out).first_post(FIXED) == "1000"
    assert ledger(out).renamed == ((VPN, FIXED),)
    page = (out / VPN / "index.html").read_text()
    new_link = f"https://status.example.ac.uk/{FIXED}/"
    assert f'<meta http-equiv="refresh" content="0; url={new_link}">' in page
    assert f'<link rel="canonical" href="{new_link}">' in page
    # Later builds keep the redirect for as long as the ledger remembers the move.
    deploy(out, live)
    out2 = build(tmp_path / "out2", renamed)
    assert run(config(), out2, live)[-1] == "nothing new to post"
    assert (out2 / VPN / "index.html").read_text() == page


def test_2_check_warns_about_a_posted_entry_renamed(write_site, capsys) -> None:
    incident = (
        "---\ntitle: Email down\nservices: [email]\nimpact: major_outage\n"
        "started: 2026-11-24 08:00\n---\n"
    )
    root = write_site(
        {
            "site.toml": 'title = "S"\nbase_url = "https://s.example/"\ntimezone = "UTC"\n'
            '[[services]]\nid = "email"\nname = "Email"\n',
            "content/incidents/emial-down.md": incident,
        }
    )
    assert cli.main(["--site", str(root), "build", "--now", "2026-11-24 12:00"]) == 0
    Ledger(path=root / "public" / LEDGER_PATH).record(
        "incidents/emial-down", "first", "1", "x", "t", updates=0
    )
    (root / "content/incidents/emial-down.md").rename(root / "content/incidents/email-down.md")
    capsys.readouterr()
    assert cli.main(["--site", str(root), "check", "--now", "2026-11-24 12:00"]) == 0
    assert capsys.readouterr().err.splitlines()[0] == (
        "content/incidents/email-down.md: -: warning: renamed from incidents/emial-down, which "
        "was posted to X: publish keeps the thread and makes /incidents/emial-down/ a redirect "
        "here (rename it back if the old address was right)"
    )


@responses.activate
def test_an_app_that_cannot_read_still_posts_without_the_check(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", site)
    responses.get(ME, json={"data": {"id": "1850", "name": "IT", "username": "it"}})
    responses.get(
        TIMELINE,
        status=403,
        json={  # X's answer to an app whose access level cannot read
            "title": "Client Forbidden",
            "detail": "When authenticating requests to the Twitter API v2 endpoints, you must "
            "use keys and tokens from a Twitter developer App that is attached to a Project.",
            "reason": "client-not-enrolled",
            "status": 403,
        },
    )
    responses.post(TWEETS, json=ok("1100"))
    lines = run(config(), out, live)
    assert lines[1].startswith(
        "cannot read recent posts on X (X refused to list the account's posts (403 Forbidden: "
        "When authenticating"
    )
    assert lines[1].endswith(")): sending without that check")
    assert lines[2:] == [f"posted {VPN} (opened): id 1100"]


@responses.activate
def test_bad_credentials_on_the_read_stop_the_run(tmp_path: Path) -> None:
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", site)
    responses.get(ME, status=401, json={"title": "Unauthorized", "status": 401})
    _, error = run_failing(config(), out, live)
    assert str(error).startswith("X refused the credentials (401 Unauthorized)")
    assert bodies() == []
    assert ledger(out).pending == ((VPN, "first"),)
