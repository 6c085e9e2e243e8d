"""Every real target through the real run together (issue 14's "Done when").

X, Mastodon, the Slack bot, Teams and the JSON webhook are mocked at the HTTP
layer with `responses` (tweepy's, Mastodon.py's and requests' real code),
Bluesky with `respx` (atproto speaks httpx), e-mail goes to a real aiosmtpd
server on 127.0.0.1. Builds in folders, deploys between runs, a fake clock.
#10's fault cases on these targets are in test_publish_channels_once.py.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import html
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from urllib.parse import parse_qs

import httpx
import pytest
import responses
import respx
from aiosmtpd.controller import Controller
from conftest import LONDON, at, make_site
from test_config_publish import problems
from test_publish_bluesky import DID, SESSION
from test_publish_email import Keeper, free_port
from test_publish_once import empty, vpn_only
from test_publish_run import ENV as X_ENV
from test_publish_run import (
    ME,
    TIMELINE,
    TWEETS,
    FakeClock,
    build,
    config,
    deploy,
    ledger,
    with_vpn,
)

from statusgen import cli
from statusgen.manifest import LEDGER_PATH, MANIFEST_PATH, build_manifest
from statusgen.model import (
    BlueskyConfig,
    EmailConfig,
    IncidentStatus,
    Maintenance,
    MastodonConfig,
    Site,
    SiteConfig,
    Source,
    Update,
    WebhookConfig,
)
from statusgen.publish import PublishError, run_publish
from statusgen.publish.channels import channels
from statusgen.publish.compose import Post
from statusgen.publish.target_run import mask
from statusgen.publish.targets.webhooks import SLACK_POST_MESSAGE
from statusgen.rules import compile_rule
from statusgen.status import derive

INSTANCE = "https://mastodon.example.ac.uk"
STATUSES = f"{INSTANCE}/api/v1/statuses"
XRPC = "https://bsky.social/xrpc"
TEAMS_URL = (
    "https://prod-42.uksouth.logic.azure.com/workflows/SENTINEL-FLOW/invoke?sig=SENTINEL-SIG"
)
JSON_URL = "https://hooks.example.ac.uk/statusgen/SENTINEL-PATH"
SENDER = "IT Services status <status@example.ac.uk>"
LIST = "it-status-announce@lists.example.ac.uk"
ENV = {
    **X_ENV,
    "MASTODON_ACCESS_TOKEN": "SENTINEL-MASTODON-TOKEN",
    "BLUESKY_APP_PASSWORD": "SENTINEL-BSKY-PASSWORD",
    "TEAMS_URL": TEAMS_URL,
    "JSON_URL": JSON_URL,
    "JSON_KEY": "SENTINEL-JSON-KEY",
    "SLACK_TOKEN": "xoxb-SENTINEL-SLACK-TOKEN",
}
VPN = "incidents/2026-11-24-vpn-slow"
MFA = "news/2026-11-20-mfa"
WINDOW = "incidents/2026-11-25-vpn-upgrade"
TARGETS = ("x", "mastodon", "bluesky", "teams-it", "slack-it", "ops", "email")


# --- the services -------------------------------------------------------------------------


@dataclass
class Services:
    """What each mocked service was sent, in order, and which of them fail."""

    smtp: Keeper
    port: int
    got: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in TARGETS})
    down: dict[str, tuple[int, str]] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    """Mastodon: refuse the next post (422); a webhook: a 503 after taking the next one."""
    created_then: int = 0
    """How many times Mastodon answers 503 after making the status."""
    statuses: dict[str, dict] = field(default_factory=dict)
    """Mastodon's statuses by Idempotency-Key, as it lists them."""
    cids: dict[str, str] = field(default_factory=dict)
    """Bluesky's record keys and the cid each record got."""
    """Target name -> (HTTP status, body) every request to it answers."""

    def texts(self, name: str) -> list[str]:
        return [sent["text"] for sent in self.got[name]]

    def answer(self, name: str, body: dict, made: dict | int = 200) -> tuple[int, dict, str]:
        if name in self.down:
            status, text = self.down[name]
            return status, {}, text
        self.got[name].append(body)
        answer = made if isinstance(made, dict) else {}
        return 200 if isinstance(made, dict) else made, {}, json.dumps(answer)

    def mails(self) -> list[email.message.EmailMessage]:
        return [self.smtp.parsed(i) for i in range(len(self.smtp.messages))]


def _x(services: Services):
    def create(request):
        body = json.loads(request.body)
        number = len(services.got["x"]) + 1
        status, headers, text = services.answer("x", body, {"data": {"id": f"x{number}"}})
        if status == 200:
            services.got["x"][-1] = body
        return status, headers, text

    return create


def _mastodon(services: Services):
    """Statuses as Mastodon makes them: a repeated Idempotency-Key gets the status
    it made; `Services.created_then` answers 503 after making one."""

    def create(request):
        sent = {k: v[0] for k, v in parse_qs(request.body).items()}
        key = sent["idempotency_key"] = request.headers.get("Idempotency-Key")
        made = services.statuses.get(key)
        if made is not None and "mastodon" not in services.down:
            return 200, {}, json.dumps(made)
        if "mastodon" in services.refuse:
            services.refuse.discard("mastodon")
            return 422, {}, json.dumps({"error": "Validation failed: Text is too long"})
        status, headers, text = services.answer("mastodon", {**sent, "text": sent["status"]}, {})
        if status != 200:
            return status, headers, text
        number = len(services.got["mastodon"])
        made = {
            "id": f"m{number}",
            "created_at": "2026-11-24T12:00:00.000Z",
            "content": _html(sent["status"]),
            "in_reply_to_id": sent.get("in_reply_to_id"),
        }
        services.statuses[key] = made
        if services.created_then:
            services.created_then -= 1
            return 503, {}, "<h1>503 Service Unavailable</h1>"
        return 200, {}, json.dumps(made)

    def recent(request):
        return 200, {}, json.dumps(list(services.statuses.values())[::-1])

    return create, recent


def _html(text: str) -> str:
    """A status's content as Mastodon renders it: lines broken, links as anchors."""
    lines = [
        f'<a href="{line}">{line}</a>' if line.startswith("https://") else html.escape(line)
        for line in text.split("\n")
    ]
    return "<p>" + "<br>".join(lines) + "</p>"


def _slack(services: Services):
    def create(request):
        body = json.loads(request.body)
        number = len(services.got["slack-it"]) + 1
        ts = f"1795522000.00010{number}"
        return services.answer("slack-it", body, {"ok": True, "ts": ts, "channel": "C0123456"})

    return create


def _hook(services: Services, name: str, status: int):
    def create(request):
        body = json.loads(request.body)
        if name == "ops":
            body["headers"] = dict(request.headers)
        answer = services.answer(name, body, status)
        if name in services.refuse and answer[0] < 300:
            services.refuse.discard(name)  # received, and then a 503 all the same
            return 503, {}, "upstream timed out"
        return answer

    return create


def _bluesky(services: Services, records: dict[str, str]):
    def create(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        status, _, text = services.answer("bluesky", {**body, "text": body["record"]["text"]}, {})
        if status != 200:
            return httpx.Response(status, text=text)
        uri = f"at://{DID}/app.bsky.feed.post/{body['rkey']}"
        records[body["rkey"]] = cid = f"cid{len(records) + 1}"
        return httpx.Response(200, json={"uri": uri, "cid": cid})

    def get(request: httpx.Request) -> httpx.Response:
        rkey = request.url.params["rkey"]
        if rkey not in records:
            return httpx.Response(400, json={"error": "RecordNotFound", "message": "no"})
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        value = {"$type": "app.bsky.feed.post", "text": "t", "createdAt": "2026-11-24T12:00:00Z"}
        return httpx.Response(200, json={"uri": uri, "cid": records[rkey], "value": value})

    def login(request: httpx.Request) -> httpx.Response:
        if "bluesky" in services.down:
            status, text = services.down["bluesky"]
            return httpx.Response(status, text=text)
        return httpx.Response(200, json=SESSION)

    return create, get, login


@pytest.fixture
def services() -> Iterator[Services]:
    yield from mocked_services()


def mocked_services() -> Iterator[Services]:
    """Every service mocked, the SMTP server listening; for `services` fixtures."""
    keeper = Keeper()
    port = free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port)
    controller.start()
    made = Services(keeper, port)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, TWEETS, callback=_x(made))
        mock.get(ME, json={"data": {"id": "1850", "name": "IT status", "username": "itstatus"}})
        mock.get(TIMELINE, json={"meta": {"result_count": 0}})
        create_status, statuses = _mastodon(made)
        mock.add_callback(responses.POST, STATUSES, callback=create_status)
        limit = {"configuration": {"statuses": {"max_characters": 500}}}
        mock.get(f"{INSTANCE}/api/v2/instance/", json=limit)
        mock.get(f"{INSTANCE}/api/v1/accounts/verify_credentials", json={"id": "77"})
        mock.add_callback(responses.GET, f"{INSTANCE}/api/v1/accounts/77/statuses", statuses)
        mock.add_callback(responses.POST, SLACK_POST_MESSAGE, callback=_slack(made))
        mock.add_callback(responses.POST, TEAMS_URL, callback=_hook(made, "teams-it", 202))
        mock.add_callback(responses.POST, JSON_URL, callback=_hook(made, "ops", 200))
        create, get, login = _bluesky(made, made.cids)
        with respx.mock(base_url=XRPC, assert_all_called=False) as pds:
            pds.post("/com.atproto.server.createSession", name="login").mock(side_effect=login)
            pds.post("/com.atproto.repo.createRecord").mock(side_effect=create)
            pds.get("/com.atproto.repo.getRecord").mock(side_effect=get)
            pds.get("/app.bsky.feed.getAuthorFeed").respond(json={"feed": []})
            made.pds = pds  # type: ignore[attr-defined]
            made.http = mock  # type: ignore[attr-defined]
            yield made
    controller.stop()


def everything(port: int, **publish: object) -> SiteConfig:
    """All six targets on: X, Mastodon, Bluesky, Teams, a Slack bot, JSON, e-mail."""
    cfg = config(**publish)
    hooks = (
        WebhookConfig("teams-it", "teams", url_env="TEAMS_URL"),
        WebhookConfig("slack-it", "slack", token_env="SLACK_TOKEN", channel="C0123456"),
        WebhookConfig("ops", "json", url_env="JSON_URL", secret_env="JSON_KEY"),
    )
    mail = EmailConfig(
        enabled=True, to=(LIST,), sender=SENDER, host="127.0.0.1", port=port, security="none"
    )
    return replace(
        cfg,
        publish=replace(
            cfg.publish,
            mastodon=MastodonConfig(enabled=True, instance=INSTANCE),
            bluesky=BlueskyConfig(enabled=True, handle="itstatus.example.ac.uk"),
            webhooks=hooks,
            email=mail,
        ),
    )


# --- the sites ----------------------------------------------------------------------------

MONITORING = Update(at("2026-11-24 10:30"), IncidentStatus.MONITORING, "A fix is in place.")
FIXED = Update(at("2026-11-24 11:30"), IncidentStatus.RESOLVED, "VPN is back to normal.")
UPGRADE = Maintenance(
    id="2026-11-25-vpn-upgrade",
    title="VPN upgrade",
    service_ids=("vpn",),
    start=at("2026-11-25 06:00"),
    end=at("2026-11-25 08:00"),
    source=Source("content/incidents/2026-11-25-vpn-upgrade.md"),
)


def life(step: int) -> Site:
    """The VPN incident and the upgrade window as they stand at `step` (0: neither)."""
    site = make_site()
    vpn = site.incidents[0]
    updates = (*vpn.updates, MONITORING, FIXED)
    incidents = ()
    if step >= 1:
        told = min(step, 4)
        resolved = FIXED.at if told == 4 else None
        incidents = (replace(vpn, updates=updates[:told], resolved=resolved),)
    windows = (UPGRADE,) if step >= 1 else ()
    return replace(site, incidents=incidents, maintenances=windows, news=())


BUILT = {
    5: datetime(2026, 11, 25, 6, 30, tzinfo=LONDON),
    6: datetime(2026, 11, 25, 8, 30, tzinfo=LONDON),
}
"""Steps built later than the fixture's NOW: the window's start, then its end."""


def build_step(folder: Path, step: int) -> Path:
    site = life(step)
    now = BUILT.get(step, at("2026-11-24 12:00"))
    path = folder / MANIFEST_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_manifest(site, derive(site, now), None).to_bytes())
    return folder


def publish(
    cfg: SiteConfig,
    output: Path,
    live: Path,
    step: int = 0,
    env: dict | None = None,
    at: datetime | None = None,
    **kw,
) -> tuple[list[str], PublishError | None]:
    """One publish run, its clock a minute after the step's build (or at `at`)."""
    clock = FakeClock()
    if step in BUILT:
        clock.time = BUILT[step].timestamp() + 60
    if at is not None:
        clock.time = at.timestamp()
    lines: list[str] = []
    error = None
    kw.setdefault("state_dir", output.parent / "state")
    try:
        for line in run_publish(cfg, output, str(live), env=env or ENV, clock=clock, **kw):
            lines.append(line)
    except PublishError as exc:
        error = exc
    return lines, error


class Life:
    """The site's CI: a build per step into its own folder, publish, deploy."""

    def __init__(self, root: Path, cfg: SiteConfig) -> None:
        self.root = root
        self.cfg = cfg
        self.live = build_step(root / "live", 0)

    def step(self, step: int, deploy_after: bool = True, **kw):
        out = self.last = build_step(self.root / f"out{step}", step)
        lines, error = publish(self.cfg, out, self.live, step, **kw)
        if deploy_after:
            deploy(out, self.live)
        return lines, error


# --- 1. the Done-when scenario ------------------------------------------------------------

VPN_LINK = "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/"
WINDOW_LINK = "https://status.example.ac.uk/incidents/2026-11-25-vpn-upgrade/"
TITLE = "VPN connections slow & dropping <sometimes>"
LIFE = [  # (entry, text without its link, whether X's post carries the link)
    (VPN, f"Investigating: {TITLE}\nAffected: VPN\nWe are looking into reports.", True),
    (
        WINDOW,
        "Scheduled maintenance: VPN upgrade\nWhen: Wed 25 Nov 2026, 06:00–08:00 GMT\nAffected: VPN",
        True,
    ),
    (VPN, f"Update on {TITLE} (VPN)\nIdentified: A faulty licence server is the cause.", False),
    (VPN, f"Update on {TITLE} (VPN)\nMonitoring: A fix is in place.", False),
    (VPN, f"Resolved: {TITLE} (VPN)\nVPN is back to normal.", False),
    (
        WINDOW,
        "Maintenance in progress: VPN upgrade (VPN)\nWhen: Wed 25 Nov 2026, 06:00–08:00 GMT",
        False,
    ),
    (WINDOW, "Maintenance completed: VPN upgrade (VPN)", False),
]
KEYS = [
    (VPN, "first"),
    (WINDOW, "first"),
    (VPN, "update:2"),
    (VPN, "update:3"),
    (VPN, "resolved"),
    (WINDOW, "started"),
    (WINDOW, "ended"),
]
FIRSTS = {VPN: 0, WINDOW: 1}
"""Which of the seven messages opens each entry's thread."""


def expected(link_everywhere: bool = True) -> list[str]:
    links = {VPN: VPN_LINK, WINDOW: WINDOW_LINK}
    return [
        f"{text}\n{links[ref]}" if (link_everywhere or on_x) else text for ref, text, on_x in LIFE
    ]


def texts(services: Services, name: str) -> list[str]:
    """What each message said, in the target's own form."""
    got = services.got[name]
    if name == "email":
        return [m.get_body(("plain",)).get_content().rstrip("\n") for m in services.mails()]
    if name == "teams-it":
        return [g["attachments"][0]["content"]["fallbackText"] for g in got]
    if name == "slack-it":
        return [html.unescape(g["text"]) for g in got]
    return [g["text"] for g in got]


def threads(services: Services, name: str) -> list[object]:
    """What each message replied to, in the target's own fields (None: nothing)."""
    got = services.got[name]
    if name == "x":
        return [g.get("reply", {}).get("in_reply_to_tweet_id") for g in got]
    if name == "mastodon":
        return [g.get("in_reply_to_id") for g in got]
    if name == "bluesky":
        return [g["record"].get("reply") for g in got]
    if name == "slack-it":
        return [g.get("thread_ts") for g in got]
    if name == "ops":
        return [g["in_reply_to"] for g in got]
    if name == "email":
        return [
            (m["In-Reply-To"], m["References"]) if m["In-Reply-To"] else None
            for m in services.mails()
        ]
    return [None for _ in got]  # Teams cannot thread


def first_ids(services: Services, name: str, firsts: dict[str, int] = FIRSTS) -> dict[str, object]:
    """Each entry's thread start as a reply names it."""
    got = services.got[name]
    if name == "x":
        return {ref: f"x{n + 1}" for ref, n in firsts.items()}
    if name == "mastodon":
        return {ref: f"m{n + 1}" for ref, n in firsts.items()}
    if name == "slack-it":
        return {ref: f"1795522000.00010{n + 1}" for ref, n in firsts.items()}
    if name == "ops":
        return {ref: f"{ref}#first" for ref in firsts}
    if name == "email":
        mails = services.mails()
        return {ref: (mails[n]["Message-ID"],) * 2 for ref, n in firsts.items()}
    if name == "bluesky":
        found = {}
        for ref, n in firsts.items():
            uri = f"at://{DID}/app.bsky.feed.post/{got[n]['rkey']}"
            cid = services.cids[got[n]["rkey"]]
            strong = {"uri": uri, "cid": cid, "$type": "com.atproto.repo.strongRef"}
            found[ref] = {"root": strong, "parent": strong, "$type": "app.bsky.feed.post#replyRef"}
        return found
    return {ref: None for ref in firsts}


def expected_threads(services: Services, name: str, keys=KEYS) -> list[object]:
    starts = first_ids(services, name)
    return [None if key == "first" else starts[ref] for ref, key in keys]


def test_a_whole_life_on_all_six_targets_exactly_once_and_threaded(
    services: Services, tmp_path: Path
) -> None:
    site = Life(tmp_path, everything(services.port))
    for step in range(1, 7):
        lines, error = site.step(step)
        assert error is None, lines

    for name in TARGETS:
        want = expected(link_everywhere=name != "x")
        assert texts(services, name) == want, name
        want_threads = expected_threads(services, name)
        if name == "teams-it":
            want_threads = [None] * len(KEYS)
        assert threads(services, name) == want_threads, name
    # Bluesky is told the site's language (en-GB): its primary subtag.
    assert {tuple(g["record"]["langs"]) for g in services.got["bluesky"]} == {("en",)}
    # Each post names its event once: Mastodon's Idempotency-Key, JSON's id and key, mail's id.
    assert len({g["idempotency_key"] for g in services.got["mastodon"]}) == len(KEYS)
    ops = services.got["ops"]
    assert [g["id"] for g in ops] == [f"{ref}#{key}" for ref, key in KEYS]
    for sent in ops:
        raw = json.dumps(
            {k: v for k, v in sent.items() if k != "headers"},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        signature = "sha256=" + hmac.new(b"SENTINEL-JSON-KEY", raw, hashlib.sha256).hexdigest()
        assert sent["headers"]["X-Statusgen-Signature"] == signature
    assert [m["Subject"] for m in services.mails()][:2] == [
        f"[Status] Investigating: {TITLE}",
        "[Status] Scheduled maintenance: VPN upgrade",
    ]
    assert services.smtp.connections == 6  # one SMTP connection per run that sent

    # Slack shows a resolution and a window's end in the channel too.
    broadcast = [g.get("reply_broadcast", False) for g in services.got["slack-it"]]
    assert broadcast == [False, False, False, False, True, False, True]

    # A re-run of the last build sends nothing anywhere, and logs in nowhere.
    before = {name: len(services.got[name]) for name in TARGETS}
    mails = len(services.smtp.messages)
    logins = services.pds["login"].call_count
    lines, error = publish(site.cfg, site.last, site.live, 6)
    assert error is None
    assert [line for line in lines if "nothing new" not in line] == [
        f"previous build: {site.live} (built 2026-11-25T08:30:00+00:00)"
    ]
    assert len(lines) == 8  # the previous build, then one "nothing new" per target
    assert {name: len(services.got[name]) for name in TARGETS} == before
    assert len(services.smtp.messages) == mails
    assert services.pds["login"].call_count == logins
    assert services.smtp.connections == 6
    # The ledger holds every target's own seven records.
    records = ledger(site.last).posts
    for name in TARGETS:
        mine = [(p.entry, p.event) for p in records if p.target == name]
        assert sorted(mine) == sorted(KEYS), name


def test_a_dry_run_shows_each_target_its_posts_and_sends_nothing(
    services: Services, tmp_path: Path
) -> None:
    site = Life(tmp_path, everything(services.port))
    lines, error = site.step(1, deploy_after=False, dry_run=True)
    assert error is None, lines
    labels = ["X", "Mastodon", "Bluesky", "teams-it (Teams)", "slack-it (Slack)", "ops (JSON)"]
    for label in [*labels, "e-mail"]:
        assert len([line for line in lines if line.startswith(f"{label}: would post")]) == 2
    assert sent(services) == NOTHING
    assert services.pds["login"].call_count == 0
    assert services.smtp.connections == 0
    assert not (site.last / LEDGER_PATH).exists()


# --- 2. a failure half-way ----------------------------------------------------------------


def test_one_target_failing_half_way_sends_only_its_missed_posts_next_time(
    services: Services, tmp_path: Path
) -> None:
    site = Life(tmp_path, everything(services.port))
    for step in (1, 2):
        assert site.step(step)[1] is None
    services.down["mastodon"] = (503, "<h1>503 Service Unavailable</h1>")
    services.smtp.defer_data = 1000  # 451 to every message of the run
    lines, error = site.step(3)  # deployed all the same: the ledger keeps what is pending
    assert str(error) == (
        "Mastodon: 1 post not sent: Mastodon is unavailable (503 Service Unavailable) (gave up "
        "after 4 attempts) (a re-run sends them); e-mail: 1 post not sent: the SMTP relay "
        "deferred the message (451 4.3.0 try again later) (gave up after 4 attempts) (a re-run "
        "sends them)"
    )
    assert f"Mastodon: not sent {VPN} (updated): Mastodon is unavailable (503 Service " in (
        "\n".join(lines)
    )
    assert f"Bluesky: posted {VPN} (updated)" in "\n".join(lines)
    pending = ledger(site.last).view("mastodon").pending
    assert pending == ((VPN, "update:3"),)
    assert ledger(site.last).view("email").pending == ((VPN, "update:3"),)
    assert ledger(site.last).view("x").pending == ()

    del services.down["mastodon"]
    services.smtp.defer_data = 0
    lines, error = site.step(4)
    assert error is None, lines
    # Mastodon and e-mail: the update they missed, threaded, then the resolution; the
    # others: the resolution alone.
    assert [line for line in lines if " posted " in f" {line}"] == [
        "X: posted incidents/2026-11-24-vpn-slow (resolved): id x5, replying to x1",
        "Mastodon: posted incidents/2026-11-24-vpn-slow (updated): id m4, replying to m1",
        "Mastodon: posted incidents/2026-11-24-vpn-slow (resolved): id m5, replying to m1",
        *[line for line in lines if line.startswith("Bluesky: posted")],
        "teams-it (Teams): posted incidents/2026-11-24-vpn-slow (resolved): id "
        "incidents/2026-11-24-vpn-slow#resolved",
        "slack-it (Slack): posted incidents/2026-11-24-vpn-slow (resolved): id "
        "1795522000.000105, replying to 1795522000.000101",
        "ops (JSON): posted incidents/2026-11-24-vpn-slow (resolved): id "
        "incidents/2026-11-24-vpn-slow#resolved, replying to incidents/2026-11-24-vpn-slow#first",
        *[line for line in lines if line.startswith("e-mail: posted")],
    ]
    assert len([line for line in lines if line.startswith("e-mail: posted")]) == 2
    assert len([line for line in lines if line.startswith("Bluesky: posted")]) == 1
    # Over the whole life so far, every target has each message once, in order, threaded.
    for name in TARGETS:
        assert texts(services, name) == expected(name != "x")[:5], name
        if name != "teams-it":
            assert threads(services, name) == expected_threads(services, name, KEYS[:5]), name
    for name in TARGETS:
        assert ledger(site.last).view(name).pending == (), name


def on(port: int, *names: str, **publish: object) -> SiteConfig:
    """`everything` with only the targets `names` (ledger names) left on."""
    cfg = everything(port, **publish)
    p = cfg.publish
    return replace(
        cfg,
        publish=replace(
            p,
            x=replace(p.x, enabled="x" in names),
            mastodon=replace(p.mastodon, enabled="mastodon" in names),
            bluesky=replace(p.bluesky, enabled="bluesky" in names),
            webhooks=tuple(h for h in p.webhooks if h.name in names),
            email=replace(p.email, enabled="email" in names),
        ),
    )


def sent(services: Services) -> dict[str, int]:
    counts = {name: len(services.got[name]) for name in TARGETS if name != "email"}
    return {**counts, "email": len(services.smtp.messages)}


NOTHING = dict.fromkeys(TARGETS, 0)
OTHERS = TARGETS[1:]
"""Every target but X."""


# --- 4. secrets ---------------------------------------------------------------------------

SECRETS = {
    **ENV,
    "SMTP_USERNAME": "SENTINEL-SMTP-USER",
    "SMTP_PASSWORD": "SENTINEL-SMTP-PASSWORD",
}


def site_toml(port: int) -> str:
    return f"""
        title = "S"
        base_url = "https://status.example.ac.uk/"
        timezone = "UTC"
        [[services]]
        id = "vpn"
        name = "VPN"
        [publish]
        max_age = 100000
        [publish.x]
        enabled = true
        [publish.mastodon]
        enabled = true
        instance = "{INSTANCE}"
        [publish.bluesky]
        enabled = true
        handle = "itstatus.example.ac.uk"
        [[publish.webhooks]]
        name = "teams-it"
        format = "teams"
        url_env = "TEAMS_URL"
        [[publish.webhooks]]
        name = "slack-it"
        format = "slack"
        token_env = "SLACK_TOKEN"
        channel = "C0123456"
        [[publish.webhooks]]
        name = "ops"
        format = "json"
        url_env = "JSON_URL"
        secret_env = "JSON_KEY"
        [publish.email]
        enabled = true
        to = ["{LIST}"]
        from = "{SENDER}"
        host = "127.0.0.1"
        port = {port}
        security = "none"
        """


INCIDENT = (
    "---\ntitle: VPN down\nservices: [vpn]\nimpact: major_outage\nstarted: 2026-11-30 08:00\n"
    "---\nWe are looking into it.\n"
)


def everything_echoed(services: Services) -> None:
    """Every service fails, quoting the request's secrets back."""
    echo = " ".join(SECRETS.values())
    services.down.update(
        {
            "x": (401, json.dumps({"title": "Unauthorized", "detail": f"bad token {echo}"})),
            "mastodon": (401, json.dumps({"error": f"The access token is invalid: {echo}"})),
            "bluesky": (401, json.dumps({"error": "AuthenticationRequired", "message": echo})),
            "teams-it": (404, f"<h1>No such flow</h1><p>{TEAMS_URL}</p>"),
            "slack-it": (401, json.dumps({"ok": False, "error": "invalid_auth", "sent": echo})),
            "ops": (404, f"<p>Not found: {JSON_URL} signed with {ENV['JSON_KEY']}</p>"),
        }
    )


class Echo(Keeper):
    """A relay that refuses every recipient, quoting the login it was given."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.7.1 relaying denied for {' '.join(SECRETS.values())}"


def test_no_secret_is_shown_or_written_whatever_the_services_quote_back(
    services: Services, write_site, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    echo = Echo()
    controller = Controller(echo, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        root = write_site({"site.toml": site_toml(controller.port)})
        for name, value in SECRETS.items():
            monkeypatch.setenv(name, value)
        everything_echoed(services)
        site = ["--site", str(root)]
        live = root.parent / "live"
        assert cli.main([*site, "build", "--now", "2026-11-30 12:00", "--output", str(live)]) == 0
        incident = root / "content/incidents/2026-11-30-vpn.md"
        incident.parent.mkdir(parents=True)
        incident.write_text(INCIDENT, encoding="utf-8")
        assert cli.main([*site, "build", "--now", "2026-11-30 12:00"]) == 0
        capsys.readouterr()
        dry = cli.main([*site, "publish", "--previous", str(live), "--dry-run"])
        shown = capsys.readouterr()
        assert dry == 0, shown
        assert "e-mail: would post" in shown.out
        code = cli.main([*site, "publish", "--previous", str(live)])
        said = capsys.readouterr()
    finally:
        controller.stop()
    assert code == 1
    errors = said.err
    for label in ("X:", "Mastodon:", "Bluesky:", "teams-it (Teams):", "slack-it (Slack):"):
        assert label in errors
    assert "ops (JSON):" in errors and "e-mail:" in errors
    assert sent(services) == NOTHING
    for text in (shown.out, shown.err, said.out, said.err):
        assert "SENTINEL" not in text, text
    for path in [*root.rglob("*"), *live.rglob("*")]:
        if path.is_file():
            assert b"SENTINEL" not in path.read_bytes(), path
    assert ledger(root / "public").view("mastodon").pending == (
        ("incidents/2026-11-30-vpn", "first"),
    )


def test_a_secret_cut_off_by_a_bounded_answer_is_masked_too() -> None:
    secrets = ("https://hooks.example/SENTINEL-PATH", "SENTINEL-TOKEN")
    said = "Mastodon refused it (401: token https://hooks.example/SENT…)"
    assert mask(said, secrets) == "Mastodon refused it (401: token ***…)"
    assert mask("a cut of … nothing secret…", secrets) == "a cut of … nothing secret…"
    assert mask("SENTINEL-TOKEN and SENT…", secrets) == "*** and ***…"


# --- 5. the privacy guard, per target -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("mastodon", "Mastodon"),
        ("bluesky", "Bluesky"),
        ("teams-it", "teams-it (Teams)"),
        ("ops", "ops (JSON)"),
        ("email", "e-mail"),
    ],
)
def test_a_privacy_rule_refuses_what_only_one_targets_template_says(
    services: Services, tmp_path: Path, name: str, label: str
) -> None:
    """The rule matches only that target's own template: the post is refused there,
    the same event still goes to every other target."""
    template = MappingProxyType({"opened": "{status}: {title} (ask srv-42)\n{message}\n{link}"})
    cfg = everything(services.port)
    p = cfg.publish
    if name in ("mastodon", "bluesky", "email"):
        p = replace(p, **{name: replace(getattr(p, name), templates=template)})
    else:
        hooks = tuple(replace(h, templates=template) if h.name == name else h for h in p.webhooks)
        p = replace(p, webhooks=hooks)
    rule = compile_rule(r"srv-[0-9]+")
    cfg = replace(cfg, publish=p, privacy=replace(cfg.privacy, forbidden=(rule,)))
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", with_vpn(site, updates=site.incidents[0].updates[:1]))
    lines, error = publish(cfg, out, live)
    assert str(error) == f"{label}: 1 post refused (see above)"
    refused = [line for line in lines if "refused" in line]
    assert refused == [
        f"{label}: refused {VPN} (opened): site.toml: publish.{_where(name)}.templates.opened: "
        "matches privacy.forbidden[1] ('srv-[0-9]+'): the post is not sent (remove the text)"
    ]
    counts = sent(services)
    assert counts == {**dict.fromkeys(TARGETS, 1), name: 0}
    assert ledger(out).view(name).pending == ((VPN, "first"),)  # fixed, it goes next time


def _where(name: str) -> str:
    return {"teams-it": "webhooks[1]", "ops": "webhooks[3]"}.get(name, name)


# --- 6. gaps between the parts --------------------------------------------------------------


def test_an_output_holding_a_webhooks_secret_fails_the_build(
    write_site, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The variables a webhook names in site.toml are credentials too."""
    hook = "https://prod-1.uksouth.logic.azure.com/workflows/SENTINEL-FLOW/invoke?sig=SENTINEL-SIG"
    monkeypatch.setenv("TEAMS_IT_WEBHOOK_URL", hook)
    monkeypatch.setenv("OPS_SIGNING_KEY", "SENTINEL-SIGNING-KEY")
    root = write_site(
        {
            "site.toml": """
                title = "S"
                base_url = "https://status.example.ac.uk/"
                timezone = "UTC"
                [[publish.webhooks]]
                name = "teams-it"
                format = "teams"
                url_env = "TEAMS_IT_WEBHOOK_URL"
                [[publish.webhooks]]
                name = "ops"
                format = "json"
                url_env = "OPS_URL"
                secret_env = "OPS_SIGNING_KEY"
                """,
            # A copied CI environment file in the theme: the case this guard is for.
            "themes/default/static/env.txt": f"TEAMS_IT_WEBHOOK_URL={hook}\n"
            "OPS_SIGNING_KEY=SENTINEL-SIGNING-KEY\n",
        }
    )
    assert cli.main(["--site", str(root), "build", "--now", "2026-11-30 12:00"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        f"static/env.txt: privacy: holds the value of {name}, a credential from the "
        "environment, and would publish it (look for a theme file that links outside the site)"
        for name in ("OPS_SIGNING_KEY", "TEAMS_IT_WEBHOOK_URL")
    ]
    assert "SENTINEL" not in "\n".join(err)


def test_a_webhooks_template_problems_have_their_lines(write_site) -> None:
    text = (
        '[[publish.webhooks]]\nname = "teams-it"\nformat = "teams"\nurl_env = "TEAMS_URL"\n'
        'templates = { opend = "{title}" }\n'  # line 8
        '[[publish.webhooks]]\nname = "ops"\nformat = "json"\nurl_env = "OPS_URL"\n'
        '[publish.webhooks.templates]\nnews = "{title}"\nresolvd = "{title}"\n'  # line 15
        '[[publish.webhooks]]\nname = "slack-it"\nformat = "slack"\nurl_env = "SLACK_URL"\n'
        '[publish.webhooks.templates]\nopened = "{titel}"\nnws = "{title}"\n'  # line 22
    )
    assert problems(write_site, text) == [
        "site.toml:8: publish.webhooks[1].templates.opend: unknown event (did you mean 'opened'?)",
        "site.toml:15: publish.webhooks[2].templates.resolvd: unknown event (did you mean "
        "'resolved'?)",
        "site.toml:22: publish.webhooks[3].templates.nws: unknown event (did you mean 'news'?)",
    ]


@pytest.mark.parametrize(("language", "langs"), [("cy-GB", ["cy"]), ("de", ["de"]), ("", None)])
def test_bluesky_posts_carry_the_sites_language(language: str, langs: list | None) -> None:
    cfg = replace(on(25, "bluesky"), language=language)
    (channel,) = channels(cfg)
    target = channel.connect(ENV)
    post = Post("Investigating: VPN", False, 18, f"{VPN}#first", "opened", {})
    assert target._record(post, None).langs == langs  # type: ignore[attr-defined]
