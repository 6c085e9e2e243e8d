"""Several targets in one run (issue 14): each its own events, posts, ledger
records and failures; fake target modules that keep the contract stand in for
Mastodon, Bluesky, the webhooks and e-mail until their modules are in."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from conftest import make_config, make_site
from test_publish_run import (
    NEWS,
    OPENED,
    VPN,
    FakeClock,
    build,
    config,
    deploy,
    ledger,
    with_vpn,
    without,
)

import statusgen.publish.targets as targets_package
from statusgen.manifest import LEDGER_PATH
from statusgen.model import (
    BlueskyConfig,
    EmailConfig,
    MastodonConfig,
    SiteConfig,
    WebhookConfig,
)
from statusgen.publish import PublishError, run_publish
from statusgen.publish.channels import channels
from statusgen.publish.compose import Post
from statusgen.publish.ledger import Ledger, PostRecord
from statusgen.publish.targets import PermanentError, Refused, TransientError

TOKEN = "SENTINEL-MASTODON-TOKEN"
PASSWORD = "SENTINEL-BLUESKY-PASSWORD"
HOOK_URL = "https://hooks.example.org/SENTINEL-HOOK"
ENV = {"MASTODON_ACCESS_TOKEN": TOKEN, "BLUESKY_APP_PASSWORD": PASSWORD, "TEAMS_URL": HOOK_URL}


@dataclass
class FakeTarget:
    """A target as the contract has it; `fail` makes every send raise it."""

    name: str
    label: str
    limit: int = 500
    threads: bool = True
    fail: Exception | None = None
    sent: list[tuple[str, str | None, str]] = field(default_factory=list)

    def weighted_length(self, text: str) -> int:
        return len(text)

    def send(self, post: Post, reply_to: str | None) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append((post.text, reply_to, post.key))
        return f"{self.name}-{len(self.sent)}"


@dataclass
class Services:
    """What the fake modules made: the targets by name, and who was connected."""

    made: dict[str, FakeTarget] = field(default_factory=dict)
    connected: list[str] = field(default_factory=list)
    fail: dict[str, Exception] = field(default_factory=dict)


def _module(kind: str, secret: str, limit: int, services: Services) -> types.ModuleType:
    module = types.ModuleType(f"statusgen.publish.targets.{kind}")

    def secret_names(settings: object) -> tuple[str, ...]:
        if isinstance(settings, WebhookConfig):
            return (settings.url_env,)
        return (secret,)

    def from_config(cls: type, settings: object, env: Mapping[str, str], **_: str) -> FakeTarget:
        name = getattr(settings, "name", kind)
        services.connected.append(name)
        names = secret_names(settings)
        if not env.get(names[0]):
            raise PermanentError(f"{names[0]} is not set")
        target = FakeTarget(name, name.capitalize(), limit, fail=services.fail.get(name))
        services.made[name] = target
        return target

    module.secret_names = secret_names  # type: ignore[attr-defined]
    module.offline_limit = lambda settings: limit  # type: ignore[attr-defined]
    module.weighted_length = len  # type: ignore[attr-defined]
    cls_name = {"webhooks": "Webhook", "email": "Email"}.get(kind, kind.capitalize()) + "Target"
    setattr(module, cls_name, type(cls_name, (), {"from_config": classmethod(from_config)}))
    return module


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> Services:
    made = Services()
    for kind, secret, limit in (
        ("mastodon", "MASTODON_ACCESS_TOKEN", 500),
        ("bluesky", "BLUESKY_APP_PASSWORD", 300),
        ("webhooks", "", 4000),
        ("email", "SMTP_PASSWORD", 10_000),
    ):
        module = _module(kind, secret, limit, made)
        monkeypatch.setitem(sys.modules, module.__name__, module)
        monkeypatch.setattr(targets_package, kind, module, raising=False)
    return made


def with_targets(cfg: SiteConfig | None = None, **tables: object) -> SiteConfig:
    cfg = cfg or config()
    return replace(cfg, publish=replace(cfg.publish, **tables))


MASTODON = MastodonConfig(enabled=True, instance="https://mastodon.example.ac.uk")
BLUESKY = BlueskyConfig(enabled=True, handle="itstatus.example.ac.uk")


def run(cfg: SiteConfig, output: Path, previous: Path, x: FakeTarget | None = None, **kw):
    kw.setdefault("state_dir", output.parent / "state")
    kw.setdefault("env", ENV)
    x = x or FakeTarget("x", "X", 280)
    lines: list[str] = []
    error = None
    try:
        for line in run_publish(cfg, output, str(previous), target=x, clock=FakeClock(), **kw):
            lines.append(line)
    except PublishError as exc:
        error = exc
    return lines, error, x


@pytest.fixture
def vpn_opens(tmp_path: Path) -> tuple[Path, Path]:
    """previous: without the VPN incident; current: with it (one 'opened' event)."""
    site = make_site()
    previous = build(tmp_path / "previous", without(site, "2026-11-24-vpn-slow"))
    return previous, build(tmp_path / "public", site)


def test_each_target_posts_and_records_its_own(services: Services, vpn_opens) -> None:
    previous, current = vpn_opens
    lines, error, x = run(with_targets(mastodon=MASTODON, bluesky=BLUESKY), current, previous)
    assert error is None
    assert lines == [
        f"previous build: {previous} (built 2026-11-24T12:00:00+00:00)",
        f"X: posted {VPN} (opened): id x-1",
        f"Mastodon: posted {VPN} (opened): id mastodon-1",
        f"Bluesky: posted {VPN} (opened): id bluesky-1",
    ]
    assert x.sent == [(OPENED, None, f"{VPN}#first")]
    assert services.made["mastodon"].sent == [(OPENED, None, f"{VPN}#first")]
    records = {(p.target, p.entry, p.event, p.post_id) for p in ledger(current).posts}
    assert records == {
        ("x", VPN, "first", "x-1"),
        ("mastodon", VPN, "first", "mastodon-1"),
        ("bluesky", VPN, "first", "bluesky-1"),
    }


def test_one_target_failing_does_not_stop_another_and_a_rerun_sends_only_its_posts(
    services: Services, tmp_path: Path
) -> None:
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow", "2026-11-20-mfa"))
    out1 = build(tmp_path / "out1", site)
    services.fail["mastodon"] = TransientError("HTTP 503 from mastodon.example.ac.uk")
    cfg = with_targets(config(max_age=24.0 * 30), mastodon=MASTODON)
    lines, error, x = run(cfg, out1, live)
    assert [text for text, _, _ in x.sent] == [NEWS, OPENED]
    assert (
        "Mastodon: not sent news/2026-11-20-mfa (news): HTTP 503 from mastodon.example.ac.uk "
        "(gave up after 4 attempts)" in lines
    )
    assert str(error) == (
        "Mastodon: 2 posts not sent: HTTP 503 from "
        "mastodon.example.ac.uk (gave up after 4 attempts) (a re-run sends them)"
    )
    pending = json.loads((out1 / LEDGER_PATH).read_text())["pending"]
    assert {(p["entry"], p.get("target")) for p in pending} == {
        (VPN, "mastodon"),
        ("news/2026-11-20-mfa", "mastodon"),
    }
    # The deploy carries the ledger; Mastodon is back: only its two posts go.
    deploy(out1, live)
    out2 = build(tmp_path / "out2", site)
    del services.fail["mastodon"]
    lines, error, x = run(cfg, out2, live)
    assert error is None
    assert x.sent == []
    assert "X: nothing new to post" in lines
    assert [text for text, _, _ in services.made["mastodon"].sent] == [NEWS, OPENED]


def test_a_missing_secret_stops_only_its_target(services: Services, vpn_opens) -> None:
    previous, current = vpn_opens
    env = {k: v for k, v in ENV.items() if k != "BLUESKY_APP_PASSWORD"}
    cfg = with_targets(mastodon=MASTODON, bluesky=BLUESKY)
    lines, error, _ = run(cfg, current, previous, env=env)
    assert lines[-1] == f"Mastodon: posted {VPN} (opened): id mastodon-1"
    assert str(error) == ("Bluesky: BLUESKY_APP_PASSWORD is not set; 1 post not sent")
    assert ("bluesky", VPN, "first") in ledger(current).pending_slots


def test_a_target_with_nothing_due_is_never_connected(services: Services, tmp_path: Path) -> None:
    """Bluesky's logins are rate limited: a run that sends nothing must not log in."""
    site = make_site()
    live = build(tmp_path / "live", site)
    out = build(tmp_path / "out", site)
    lines, error, _ = run(with_targets(bluesky=BLUESKY), out, live)
    assert error is None
    assert lines[1:] == ["X: nothing new to post", "Bluesky: nothing new to post"]
    assert services.connected == []


def test_events_filter_and_per_target_templates(services: Services, tmp_path: Path) -> None:
    site = make_site()
    opened = with_vpn(site, updates=site.incidents[0].updates[:1])
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow"))
    out = build(tmp_path / "out", opened)
    mastodon = replace(
        MASTODON,
        events=("resolved",),
    )
    bluesky = replace(BLUESKY, templates={"opened": "New on {title}: {message}"})
    cfg = with_targets(mastodon=mastodon, bluesky=bluesky)
    lines, error, _ = run(cfg, out, live)
    assert error is None
    assert "Mastodon: nothing new to post" in lines
    assert services.connected == ["bluesky"]
    link = "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/"
    assert services.made["bluesky"].sent[0][0] == (
        f"New on VPN connections slow & dropping <sometimes>: We are looking into reports.\n{link}"
    )
    # An event the filter leaves out is not pending either: it never comes due later.
    assert {s[0] for s in ledger(out).pending_slots} == set()


def test_replies_thread_per_target_and_carry_the_link_off_x(
    services: Services, tmp_path: Path
) -> None:
    site = make_site()
    first = with_vpn(site, updates=site.incidents[0].updates[:1])
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow"))
    out1 = build(tmp_path / "out1", first)
    cfg = with_targets(mastodon=MASTODON)
    run(cfg, out1, live)
    deploy(out1, live)
    out2 = build(tmp_path / "out2", site)
    lines, error, x = run(cfg, out2, live)
    assert error is None
    assert lines[-2:] == [
        f"X: posted {VPN} (updated): id x-1, replying to x-1",
        f"Mastodon: posted {VPN} (updated): id mastodon-1, replying to mastodon-1",
    ]
    assert not x.sent[0][0].endswith("/")  # X leaves the link out of replies
    assert services.made["mastodon"].sent[0][0].endswith("/incidents/2026-11-24-vpn-slow/")


def test_dry_run_labels_every_target_and_connects_none(services: Services, vpn_opens) -> None:
    previous, current = vpn_opens
    hook = WebhookConfig("teams-it", "teams", url_env="TEAMS_URL")
    cfg = with_targets(mastodon=MASTODON, bluesky=BLUESKY, webhooks=(hook,))
    lines = list(
        run_publish(
            cfg, current, str(previous), dry_run=True, env={}, state_dir=current.parent / "s"
        )
    )
    assert [line.split(":")[0] for line in lines[1:]] == [
        "X",
        "X",  # X's bill estimate
        "Mastodon",
        "Bluesky",
        "teams-it (Teams)",
    ]
    assert lines[3] == f"Mastodon: would post ({len(OPENED)}/500): {OPENED}"
    assert lines[4].startswith(f"Bluesky: would post ({len(OPENED)}/300): ")
    assert services.connected == []
    assert not (current / LEDGER_PATH).exists()


def test_secrets_of_every_target_are_masked_in_lines_and_the_ledger(
    services: Services, vpn_opens
) -> None:
    previous, current = vpn_opens
    hook = WebhookConfig("teams-it", "teams", url_env="TEAMS_URL")
    services.fail["teams-it"] = Refused(f"400 from {HOOK_URL}: bad card (token {TOKEN})")
    lines, error, _ = run(with_targets(mastodon=MASTODON, webhooks=(hook,)), current, previous)
    text = "\n".join(lines) + str(error) + (current / LEDGER_PATH).read_text()
    assert "SENTINEL" not in text
    assert lines[-1] == (
        f"teams-it (Teams): refused by Teams-it: {VPN} (opened): 400 from ***: bad card "
        f"(token ***) (not retried; to send it again: statusgen publish --retry {VPN}#first)"
    )
    assert ledger(current).refused[0].reason == "400 from ***: bad card (token ***)"
    assert str(error) == "teams-it (Teams): 1 post refused (see above)"


def test_retry_sends_a_refused_event_again_on_its_target_only(
    services: Services, vpn_opens
) -> None:
    previous, current = vpn_opens
    services.fail["mastodon"] = Refused("422 Validation failed")
    cfg = with_targets(mastodon=MASTODON)
    _, error, _ = run(cfg, current, previous)
    assert [(r.target, r.entry) for r in ledger(current).refused] == [("mastodon", VPN)]
    del services.fail["mastodon"]
    lines, error, x = run(cfg, current, previous, retry=[VPN])
    assert error is None
    assert lines[1] == f"retrying {VPN}#first"
    assert x.sent == []
    assert services.made["mastodon"].sent[0][2] == f"{VPN}#first"


def test_the_channels_come_in_a_fixed_order(services: Services) -> None:
    hooks = (
        WebhookConfig("b-hook", "slack", url_env="B"),
        WebhookConfig("a-hook", "json", url_env="A"),
    )
    email = EmailConfig(enabled=True, to=("a@example.org",), sender="s@example.org", host="h")
    cfg = with_targets(
        make_config(), mastodon=MASTODON, bluesky=BLUESKY, webhooks=hooks, email=email
    )
    assert [(c.name, c.label, c.threads) for c in channels(cfg)] == [
        ("mastodon", "Mastodon", True),
        ("bluesky", "Bluesky", True),
        ("b-hook", "b-hook (Slack)", False),
        ("a-hook", "a-hook (JSON)", True),
        ("email", "e-mail", True),
    ]
    assert [c.offline_limit() for c in channels(cfg)] == [500, 300, 4000, 4000, 10_000]


# --- the ledger, per target -----------------------------------------------------------------


def test_an_old_ledgers_pending_events_are_xs(tmp_path: Path) -> None:
    old = {"version": 1, "posts": [], "pending": [{"entry": VPN, "event": "first"}]}
    loaded = Ledger.from_bytes(json.dumps(old).encode())
    assert loaded.view("x").pending == ((VPN, "first"),)
    assert loaded.view("mastodon").pending == ()
    # and an X-only ledger is written as before
    assert json.loads(loaded.to_bytes())["pending"] == [{"entry": VPN, "event": "first"}]


def test_targets_records_are_apart_and_merge_is_a_union() -> None:
    one = Ledger([PostRecord(VPN, "first", "1", "x", "2026-11-24T12:00:00+00:00")])
    one.view("mastodon").set_pending([(VPN, "first")])
    other = Ledger([PostRecord(VPN, "first", "m1", "mastodon", "2026-11-24T12:01:00+00:00")])
    assert one.view("mastodon").first_post(VPN) is None
    assert one.first_post(VPN) == "1"
    merged = one.merge(other)
    assert merged.view("mastodon").first_post(VPN) == "m1"
    assert merged.view("mastodon").pending == ()  # posted there now
    assert {p.target for p in merged.posts} == {"x", "mastodon"}
    # set_pending of one target leaves the others' alone
    merged.view("bluesky").set_pending([(VPN, "first")])
    merged.view("x").set_pending([])
    assert merged.pending_slots == (("bluesky", VPN, "first"),)
    round_trip = Ledger.from_bytes(merged.to_bytes())
    assert round_trip.pending_slots == (("bluesky", VPN, "first"),)
    assert round_trip.view("mastodon").has(VPN, "first")


def test_renames_and_pruning_apply_to_every_target() -> None:
    from datetime import datetime, timedelta

    from conftest import NOW

    ledger_ = Ledger(
        [
            PostRecord("incidents/old", "first", "1", "x", "2026-11-24T12:00:00+00:00"),
            PostRecord("incidents/old", "first", "m1", "mastodon", "2026-11-24T12:00:00+00:00"),
            PostRecord("incidents/gone", "first", "m2", "mastodon", "2026-10-01T12:00:00+00:00"),
        ],
        pending=[("incidents/old", "update:1", "bluesky")],
    )
    ledger_.move("incidents/old", "incidents/new")
    assert {(p.target, p.entry) for p in ledger_.posts if p.entry != "incidents/gone"} == {
        ("x", "incidents/new"),
        ("mastodon", "incidents/new"),
    }
    assert ledger_.pending_slots == (("bluesky", "incidents/new", "update:1"),)
    kept = ledger_.pruned({"incidents/new"}, NOW + timedelta(days=1))
    assert "incidents/gone" not in {p.entry for p in kept.posts}
    assert kept.pending_slots == (("bluesky", "incidents/new", "update:1"),)
    assert isinstance(NOW, datetime)


# --- check ----------------------------------------------------------------------------------

CHECK_SITE = """
title = "Test status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"

[[services]]
id = "email"
name = "Email"

[publish.bluesky]
enabled = true
handle = "itstatus.example.ac.uk"

[[publish.webhooks]]
name = "teams-it"
format = "teams"
url_env = "TEAMS_IT_WEBHOOK_URL"
"""
LONG_POST = """
---
title: Mail delays
services: [email]
impact: major_outage
started: 2026-11-24 08:00
post_text: "{text}"
updates:
  - at: 2026-11-24 08:05
    status: investigating
    message: Looking.
---
"""


def test_check_names_each_targets_secrets_and_fits_post_text_to_every_limit(
    services: Services, write_site, capsys
) -> None:
    from statusgen import cli

    text = "Mail is slow. " * 20  # 279 characters and the link: over X's 280 and Bluesky's 300
    root = write_site(
        {
            "site.toml": CHECK_SITE,
            "content/incidents/2026-11-24-mail.md": LONG_POST.format(text=text.strip()),
        }
    )
    code = cli.main(["--site", str(root), "check", "--now", "2026-11-24 12:00"])
    out = capsys.readouterr().err.splitlines()
    assert code == 1
    assert out == [
        "content/incidents/2026-11-24-mail.md:6: post_text: is 303 characters as X counts them "
        "(at most 280 with the link)",
        "content/incidents/2026-11-24-mail.md:6: post_text: is 335 characters as Bluesky "
        "counts them (at most 300 with the link)",
        "2 errors, 0 warnings",
    ]
    (root / "content/incidents/2026-11-24-mail.md").write_text(
        LONG_POST.format(text="Mail is slow.").lstrip(), encoding="utf-8"
    )
    code = cli.main(["--site", str(root), "check", "--now", "2026-11-24 12:00"])
    assert capsys.readouterr().out.splitlines() == [
        "publish to Bluesky: secrets from BLUESKY_APP_PASSWORD",
        "publish to teams-it (Teams): secrets from TEAMS_IT_WEBHOOK_URL",
        "ok: 1 incident (1 ongoing), 0 maintenance, 0 news, 1 service",
    ]
    assert code == 0


def test_a_post_a_target_made_but_never_recorded_is_found_there_not_sent_again(
    services: Services, vpn_opens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reconciliation on a target other than X: its `recent` lists the lost post."""
    from statusgen.publish.reconcile import RecentPost

    previous, current = vpn_opens
    link = "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/"
    lost = RecentPost("m-lost", OPENED, (link,), reply=False)

    def recent(self: FakeTarget, since: float) -> list[RecentPost]:
        return [lost] if self.name == "mastodon" else []

    monkeypatch.setattr(FakeTarget, "recent", recent, raising=False)
    lines, error, x = run(with_targets(mastodon=MASTODON), current, previous)
    assert error is None
    assert lines[-1] == f"Mastodon: already on Mastodon, recorded: {VPN} (opened): id m-lost"
    assert services.made["mastodon"].sent == []
    assert [text for text, _, _ in x.sent] == [OPENED]
    assert ledger(current).first_post(VPN, "mastodon") == "m-lost"


def test_a_rate_limit_on_one_target_waits_within_its_budget(services: Services, vpn_opens) -> None:
    from test_publish_run import START

    from statusgen.publish.targets import RateLimited

    previous, current = vpn_opens

    class Once(FakeTarget):
        def send(self, post: Post, reply_to: str | None) -> str:
            if not self.sent and self.fail is None:
                self.fail = RateLimited(START + 10)
                raise self.fail
            self.fail = None
            return super().send(post, reply_to)

    mastodon = Once("mastodon", "Mastodon")
    cfg = with_targets(mastodon=MASTODON)
    lines = list(
        run_publish(
            cfg,
            current,
            str(previous),
            targets={"x": FakeTarget("x", "X", 280), "mastodon": mastodon},
            clock=FakeClock(),
            env=ENV,
            state_dir=current.parent / "state",
        )
    )
    assert lines[-2:] == [
        "Mastodon: rate limited by Mastodon: waiting 11 s",
        f"Mastodon: posted {VPN} (opened): id mastodon-1",
    ]


def test_a_target_is_closed_even_when_it_fails(services: Services, vpn_opens) -> None:
    """E-mail keeps one SMTP connection per run: `close` ends it, whatever happened."""
    previous, current = vpn_opens
    closed: list[str] = []
    FakeTarget.close = lambda self: closed.append(self.name)  # type: ignore[attr-defined]
    try:
        services.fail["email"] = TransientError("connection refused")
        email = EmailConfig(enabled=True, to=("a@example.org",), sender="s@example.org", host="h")
        _, error, _ = run(with_targets(email=email), current, previous, env={"SMTP_PASSWORD": "pw"})
    finally:
        del FakeTarget.close  # type: ignore[attr-defined]
    assert closed == ["x", "email"]
    assert str(error).startswith("e-mail: 1 post not sent")


TEMPLATED_SITE = (
    CHECK_SITE
    + """
[publish.bluesky.templates]
opened = "{titel} on srv-12"

[privacy]
forbidden = ['srv-[0-9]+']
"""
)


def test_check_reports_a_targets_own_templates(services: Services, write_site, capsys) -> None:
    from statusgen import cli

    root = write_site({"site.toml": TEMPLATED_SITE.replace("'srv-[0-9]+'", "'nothing'")})
    assert cli.main(["--site", str(root), "check", "--now", "2026-11-24 12:00"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "site.toml: publish.bluesky.templates.opened: unknown placeholder {titel} (known: "
        "{status}, {title}, {services}, {message}, {link}, {reference}, {summary}, {window})"
    )
    root = write_site({"site.toml": TEMPLATED_SITE.replace("{titel}", "{title}")})
    assert cli.main(["--site", str(root), "check", "--now", "2026-11-24 12:00"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "site.toml:19: publish.bluesky.templates.opened: matches privacy.forbidden[1] "
        "('srv-[0-9]+'): the post is not sent (remove the text)"
    )


def test_a_target_switched_off_keeps_its_pending_posts_for_when_it_is_on(
    services: Services, tmp_path: Path
) -> None:
    """#10's case 6 on Mastodon: its pending events survive runs that skip it."""
    site = make_site()
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow"))
    out1 = build(tmp_path / "out1", site)
    services.fail["mastodon"] = TransientError("HTTP 502")
    _, error, _ = run(with_targets(mastodon=MASTODON), out1, live)
    assert error is not None
    deploy(out1, live)
    out2 = build(tmp_path / "out2", site)
    lines, error, _ = run(with_targets(mastodon=replace(MASTODON, enabled=False)), out2, live)
    assert (error, lines[-1]) == (None, "nothing new to post")
    assert ledger(out2).pending_slots == (("mastodon", VPN, "first"),)
    deploy(out2, live)
    out3 = build(tmp_path / "out3", site)
    del services.fail["mastodon"]
    lines, error, x = run(with_targets(mastodon=MASTODON), out3, live)
    assert error is None
    assert lines[-1] == f"Mastodon: posted {VPN} (opened): id mastodon-1"
    assert x.sent == []


def test_killed_between_post_and_record_on_a_target_keeps_its_thread(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#10's case 8 on Mastodon: the post it made is found, the update replies to it."""
    from statusgen.publish.reconcile import RecentPost

    site = make_site()
    first = with_vpn(site, updates=site.incidents[0].updates[:1])
    live = build(tmp_path / "live", without(site, "2026-11-24-vpn-slow"))
    out1 = build(tmp_path / "out1", first)
    real = Ledger.record

    class Killed(BaseException):
        pass

    def killed(self: Ledger, entry: str, event: str, post_id, target: str, *a, **k):
        if target == "mastodon":
            raise Killed()
        return real(self, entry, event, post_id, target, *a, **k)

    monkeypatch.setattr(Ledger, "record", killed)
    with pytest.raises(Killed):
        run(with_targets(mastodon=MASTODON), out1, live)
    monkeypatch.setattr(Ledger, "record", real)
    made = services.made["mastodon"].sent[0][0]
    link = "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/"

    def recent(self: FakeTarget, since: float) -> list[RecentPost]:
        return (
            [RecentPost("mastodon-1", made, (link,), reply=False)]
            if self.name == "mastodon"
            else []
        )

    monkeypatch.setattr(FakeTarget, "recent", recent, raising=False)
    deploy(out1, live)  # the ledger as the killed run left it: X recorded, Mastodon pending
    out2 = build(tmp_path / "out2", site)
    lines, error, _ = run(with_targets(mastodon=MASTODON), out2, live)
    assert error is None
    assert lines[-2:] == [
        f"Mastodon: already on Mastodon, recorded: {VPN} (opened): id mastodon-1",
        f"Mastodon: posted {VPN} (updated): id mastodon-1, replying to mastodon-1",
    ]
