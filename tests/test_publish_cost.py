"""What posting to X costs (issue "#10"): links only where they pay, the dry
run's estimate, and `[publish.x] max_posts_per_day` as a hard stop.

X mocked over HTTP with `responses` (tweepy's real code), a fake clock just
after the fixture site's build time, as in `test_publish_run`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import responses
from conftest import at, make_site
from test_publish_run import (
    MFA,
    NEWS,
    OPENED,
    TWEETS,
    VPN,
    VPN_LINK,
    bodies,
    build,
    config,
    ledger,
    ok,
    run,
    run_failing,
    with_vpn,
    without,
    x_reads,
)

from statusgen import cli
from statusgen.manifest import LEDGER_PATH
from statusgen.model import IncidentStatus, SiteConfig, Update
from statusgen.publish.cost import has_url
from statusgen.publish.ledger import Ledger, PostRecord

UPDATE_2 = (
    "Update on VPN connections slow & dropping <sometimes> (VPN)\n"
    "Identified: A faulty licence server is the cause."
)


def x_config(**x: object) -> SiteConfig:
    base = config()
    return replace(base, publish=replace(base.publish, x=replace(base.publish.x, **x)))


def opened_then_updated(tmp_path: Path, first_id: str | None = "100") -> tuple[Path, Path]:
    """Live: the VPN incident with its first update (posted as `first_id`); out: a second update."""
    site = make_site()
    live = build(tmp_path / "live", with_vpn(site, updates=site.incidents[0].updates[:1]))
    if first_id:
        Ledger(path=live / LEDGER_PATH).record(VPN, "first", first_id, "x", "t", updates=1)
    return live, build(tmp_path / "out", site)


# --- links -----------------------------------------------------------------------------


@responses.activate
def test_a_reply_leaves_the_link_out_by_default(tmp_path: Path) -> None:
    live, out = opened_then_updated(tmp_path)
    responses.post(TWEETS, json=ok("101"))
    assert run(config(), out, live)[-1] == f"posted {VPN} (updated): id 101, replying to 100"
    assert bodies() == [{"text": UPDATE_2, "reply": {"in_reply_to_tweet_id": "100"}}]


@responses.activate
def test_links_all_puts_the_link_in_replies_too(tmp_path: Path) -> None:
    live, out = opened_then_updated(tmp_path)
    responses.post(TWEETS, json=ok("101"))
    run(x_config(links="all"), out, live)
    assert bodies() == [
        {"text": UPDATE_2 + "\n" + VPN_LINK, "reply": {"in_reply_to_tweet_id": "100"}}
    ]


@responses.activate
def test_a_reply_with_no_thread_to_go_under_keeps_the_link(tmp_path: Path) -> None:
    live, out = opened_then_updated(tmp_path, first_id=None)
    responses.post(TWEETS, json=ok("101"))
    assert run(config(), out, live)[-1] == f"posted {VPN} (updated): id 101"
    assert bodies() == [{"text": UPDATE_2 + "\n" + VPN_LINK}]


def test_a_url_is_what_twitter_text_takes_for_one() -> None:
    assert has_url("see https://status.example.ac.uk/") is True
    assert has_url("see status.example.ac.uk for more") is True  # X links bare domains too
    assert has_url("Identified: A faulty licence server is the cause.") is False


# --- the dry run's estimate ----------------------------------------------------------------


@responses.activate
def test_the_dry_run_prices_each_post_and_totals_the_run(tmp_path: Path) -> None:
    site = make_site()
    opened = with_vpn(site, updates=site.incidents[0].updates[:1])
    live = build(tmp_path / "live", without(opened, "2026-11-20-mfa"))
    Ledger(path=live / LEDGER_PATH).record(VPN, "first", "100", "x", "t", updates=1)
    resolved = Update(at("2026-11-24 11:30"), IncidentStatus.RESOLVED, "Fixed.")
    updates = (*site.incidents[0].updates, resolved)
    out = build(tmp_path / "out", with_vpn(site, updates=updates, resolved=at("2026-11-24 11:30")))
    lines = run(config(), out, live, dry_run=True)
    assert lines[1:] == [
        f"would post (85/280, $0.200): {NEWS}",
        f"would post (109/280, $0.015), replying to 100: {UPDATE_2}",
        "would post (66/280, $0.015), replying to 100: Resolved: VPN connections slow & "
        "dropping <sometimes> (VPN)\nFixed.",
        "estimated cost: $0.230 for 3 posts (1 with a link at $0.200, 2 without at $0.015: "
        "X's list prices, checked 2026-12-01)",
    ]
    assert len(responses.calls) == 0


@responses.activate
def test_the_estimate_uses_the_sites_prices(tmp_path: Path) -> None:
    live, out = opened_then_updated(tmp_path)
    lines = run(
        x_config(price_post=0.01, price_link_post=0.25, links="all"), out, live, dry_run=True
    )
    assert lines[1:] == [
        f"would post (133/280, $0.250), replying to 100: {UPDATE_2}\n{VPN_LINK}",
        "estimated cost: $0.250 for 1 post (1 with a link at $0.250, 0 without at $0.010: "
        "site.toml's prices)",
    ]


# --- the daily cap -------------------------------------------------------------------------


def posted(live: Path, *times: str, target: str = "x") -> None:
    """Posts of other entries in the live ledger, recorded at `times` (UTC)."""
    records = [
        PostRecord(f"incidents/old-{n}", "first", str(900 + n), target, f"2026-11-{t}+00:00", 0)
        for n, t in enumerate(times)
    ]
    Ledger(records, path=live / LEDGER_PATH).save()


@responses.activate
def test_the_daily_cap_holds_the_rest_pending_and_fails_the_run(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow", "2026-11-20-mfa"))
    # 2 within the last 24 h (the clock is 2026-11-24 12:06:40 UTC), 1 older, 1 elsewhere.
    posted(live, "24T09:00:00", "23T14:00:00", "23T11:00:00")
    out = build(tmp_path / "out", site)
    responses.post(TWEETS, json=ok("700"))
    lines, error = run_failing(x_config(max_posts_per_day=3), out, live)
    assert lines[1:] == [
        f"posted {MFA} (news): id 700",
        "1 post held: [publish.x] max_posts_per_day (3) reached (3 posts in the last 24 h); "
        "they stay pending, the next can go after 2026-11-24T14:00:00+00:00",
    ]
    assert str(error) == "1 post held by [publish.x] max_posts_per_day (see above)"
    assert len(bodies()) == 1
    assert ledger(out).pending == ((VPN, "first"),)


@responses.activate
def test_a_run_the_cap_stops_reads_nothing_from_x(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow"))
    posted(live, "24T09:00:00")
    out = build(tmp_path / "out", site)
    lines, _ = run_failing(x_config(max_posts_per_day=1), out, live)
    assert lines[-1] == (
        "1 post held: [publish.x] max_posts_per_day (1) reached (1 post in the last 24 h); "
        "they stay pending, the next can go after 2026-11-25T09:00:00+00:00"
    )
    assert x_reads() == []  # X bills reads: nothing may be sent, so nothing is read
    assert bodies() == []


@responses.activate
def test_the_cap_counts_a_post_once_and_only_this_targets(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow"))
    # One post that told two events (a first post of a resolved incident), and a
    # post on another target: one post on X in the last 24 h.
    lg = Ledger(path=live / LEDGER_PATH)
    lg.record("incidents/old", "first", "1", "x", "2026-11-24T09:00:00+00:00", 0, ["resolved"])
    lg.record("incidents/other", "first", "2", "mastodon", "2026-11-24T09:00:00+00:00", 0)
    out = build(tmp_path / "out", site)
    responses.post(TWEETS, json=ok("800"))
    assert run(x_config(max_posts_per_day=2), out, live)[-1] == f"posted {VPN} (opened): id 800"
    assert bodies() == [{"text": OPENED}]


@responses.activate
def test_the_dry_run_shows_what_the_cap_would_hold(tmp_path: Path) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow", "2026-11-20-mfa"))
    out = build(tmp_path / "out", site)
    lines, error = run_failing(x_config(max_posts_per_day=1), out, live, dry_run=True)
    assert lines[1:] == [
        f"would post (85/280, $0.200): {NEWS}",
        "estimated cost: $0.200 for 1 post (1 with a link at $0.200, 0 without at $0.015: "
        "X's list prices, checked 2026-12-01)",
        "1 post held: [publish.x] max_posts_per_day (1) reached (1 post in the last 24 h); "
        "they stay pending, the next can go after 2026-11-25T12:06:40+00:00",
    ]
    assert str(error) == "1 post held by [publish.x] max_posts_per_day (see above)"


# --- site.toml -----------------------------------------------------------------------------

SITE = 'title = "S"\nbase_url = "https://s.example/"\ntimezone = "UTC"\n[publish.x]\n'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('links = "none"', 'publish.x.links: \'none\' is not "first" or "all"'),
        ("links = true", "publish.x.links: expected text in quotes"),
        (
            "max_posts_per_day = 0",
            "publish.x.max_posts_per_day: 0 is too small (at least 1; enabled = false posts "
            "nothing)",
        ),
        ("max_posts_per_day = 2.5", "publish.x.max_posts_per_day: expected a whole number"),
        ("price_post = -1", "publish.x.price_post: -1 must be US dollars, 0 or more"),
        ("price_link_post = nan", "publish.x.price_link_post: nan must be US dollars, 0 or more"),
        ('price_link_post = "$0.20"', "publish.x.price_link_post: expected a number"),
    ],
)
def test_check_names_a_bad_key(write_site, capsys, line: str, message: str) -> None:
    root = write_site({"site.toml": SITE + line + "\n"})
    assert cli.main(["--site", str(root), "check"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == f"site.toml:5: {message}"


def test_the_keys_are_read(write_site) -> None:
    from statusgen.config import load_config

    text = SITE + 'links = "all"\nmax_posts_per_day = 7\nprice_post = 0\nprice_link_post = 1\n'
    x = load_config(write_site({"site.toml": text})).publish.x
    assert (x.links, x.max_posts_per_day, x.price_post, x.price_link_post) == ("all", 7, 0.0, 1.0)
    defaults = load_config(write_site({"site.toml": SITE})).publish.x
    assert (defaults.links, defaults.max_posts_per_day) == ("first", 50)
    assert (defaults.price_post, defaults.price_link_post) == (0.015, 0.2)
