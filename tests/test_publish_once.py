"""Exactly once under real operations (issue "#10"): each numbered case of the issue.

Builds in folders, X mocked over HTTP with `responses` (tweepy's real code),
X's real duplicate answer, and a fake clock just after the fixture site's
build time.
"""

from __future__ import annotations

import fcntl
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
    "Identified: A faulty licence server is the cause.\n" + VPN_LINK
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
