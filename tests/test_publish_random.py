"""Exactly once under random operations (issue "#10"): a hypothesis state machine.

Each step is one of what a status site lives through: an incident opens, gets
an update, is resolved, has an update corrected, is renamed; a CI run
publishes (on the same machine or a fresh one), with X answering ok, 5xx
(before or after it made the post), 400 or a duplicate, or the job killed
between X's answer and the ledger write; then the deploy succeeds, fails or
leaves a stale live site. After every step no event is on X twice; at the
end, after a few healthy runs, every event is on X (told by its own post, or
by a first post made after it) or refused with X's reason in the ledger.

X is mocked at the HTTP layer by `responses`, so tweepy's real code runs; it
answers the reconciliation reads from the posts it accepted, and refuses a
text it already has with its real duplicate answer. No sleeps: the clock is
fake. Bounded and deterministic (`derandomize`): about 10 s.

Known limits the machine keeps out (README "The limits, precisely"): reads
of the account never fail here (without them only X's duplicate refusal
guards a lost record), and no correction touches an update whose post X has
but no ledger records (such a reply is no longer found by its text), nor an
incident's first update (a rename is recognised by it); an incident renamed
before its first post reached the live site is left alone until it does
(it is found on X by its unchanged text).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import mkdtemp
from unittest import mock

import responses
from conftest import make_site
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from test_publish_once import OPENED, empty, on_x, posts, vpn_only
from test_publish_run import (
    ENV,
    ME,
    TWEETS,
    VPN,
    FakeClock,
    bodies,
    build,
    config,
    ledger,
    ok,
    run,
    with_vpn,
    x_timeline,
)

from statusgen.manifest import LEDGER_PATH, MANIFEST_PATH, Manifest
from statusgen.model import IncidentStatus, Site, Update
from statusgen.publish import PublishError, run_publish
from statusgen.publish.ledger import Ledger
from statusgen.publish.state import LEDGER_COPY_NAME

USER = "1850"
TIMELINE = f"https://api.twitter.com/2/users/{USER}/tweets"
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
TOO_LONG = {"errors": [{"message": "text is too long"}], "title": "Invalid Request", "status": 400}
BASE = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
"""Updates are written from here on, a minute apart: all before the build time."""
_LINK = re.compile(r"https?://\S+")
X_ANSWERS = ("ok", "ok", "5xx", "5xx_after", "4xx", "kill")
"""What X does with a post: make it and answer 201; answer 503 without making it;
make it and answer 503; refuse it (400); make it and the job dies before the record."""


class Killed(BaseException):
    """The CI job killed between X's answer and the ledger write."""


@dataclass
class FakeX:
    """X as the HTTP API shows it: the posts it accepted, and what to do with the next ones."""

    clock: FakeClock
    posts: list[dict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Texts answered 400."""
    answers: list[str] = field(default_factory=list)
    armed: bool = False
    """A post was made under a "kill" answer: the next ledger record dies."""

    def create(self, request: object) -> tuple[int, dict, str]:
        body = json.loads(request.body)  # type: ignore[attr-defined]
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "5xx":
            return 503, {}, json.dumps({"title": "Service Unavailable", "status": 503})
        if any(p["text"] == body["text"] for p in self.posts):
            return 403, {}, json.dumps(DUPLICATE)
        if answer == "4xx":
            self.refused.append(body["text"])
            return 400, {}, json.dumps(TOO_LONG)
        post_id = str(2_000_000 + len(self.posts))
        reply = body.get("reply", {}).get("in_reply_to_tweet_id")
        self.posts.append({"id": post_id, "text": body["text"], "reply": reply, "at": self.now()})
        if answer == "5xx_after":
            return 503, {}, json.dumps({"title": "Service Unavailable", "status": 503})
        self.armed = answer == "kill"
        return 201, {}, json.dumps({"data": {"id": post_id, "text": body["text"]}})

    def timeline(self, request: object) -> tuple[int, dict, str]:
        data = []
        for post in reversed(self.posts):  # newest first, as X lists them
            links = _LINK.findall(post["text"])
            shown = post["text"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            for n, link in enumerate(links):
                shown = shown.replace(link, f"https://t.co/{n}")
            tweet = {
                "id": post["id"],
                "text": shown,
                "created_at": post["at"],
                "edit_history_tweet_ids": [post["id"]],
            }
            if links:
                tweet["entities"] = {
                    "urls": [
                        {"url": f"https://t.co/{n}", "expanded_url": link}
                        for n, link in enumerate(links)
                    ]
                }
            if post["reply"]:
                tweet["referenced_tweets"] = [{"type": "replied_to", "id": post["reply"]}]
            data.append(tweet)
        body = {"data": data, "meta": {"result_count": len(data)}} if data else {"meta": {}}
        return 200, {}, json.dumps(body)

    def now(self) -> str:
        return datetime.fromtimestamp(self.clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def told(text: str) -> tuple[int, str, int]:
    """(incident, event, the update number its message tells) of a post, from its text.

    Titles are ``Incident N`` and messages carry ``uK``, the update's position,
    through corrections; a first post has the ``Affected:`` line."""
    found = re.search(r"Incident (\d+)", text)
    token = re.search(r"\bu(\d+)\b", text)
    assert found and token, text
    number, update = int(found.group(1)), int(token.group(1))
    if "\nAffected: " in text:
        return number, "first", update
    if text.startswith("Resolved: "):
        return number, "resolved", update
    assert text.startswith("Update on "), text
    return number, f"update:{update}", update


@dataclass
class Model:
    """One incident as its file says it, `number` its identity through renames."""

    number: int
    slug: str
    updates: list[tuple[IncidentStatus, str]]
    ids: list[str] = field(default_factory=list)
    """Every slug it had (renames)."""
    frozen: bool = False
    """Renamed before its first post reached the live site: left alone until it does."""

    @property
    def resolved(self) -> bool:
        return any(status is IncidentStatus.RESOLVED for status, _ in self.updates)


class Publishing(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(mkdtemp(prefix="publish-random-"))
        self.clock = FakeClock()
        self.x = FakeX(self.clock)
        self.mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.mock.start()
        self.mock.add_callback(responses.POST, TWEETS, callback=self.x.create)
        self.mock.add(
            responses.GET, ME, json={"data": {"id": USER, "name": "IT", "username": "it"}}
        )
        self.mock.add_callback(responses.GET, TIMELINE, callback=self.x.timeline)
        real = Ledger.record
        machine = self

        def record(ledger: Ledger, *args: object, **kwargs: object) -> object:
            if machine.x.armed:
                machine.x.armed = False
                raise Killed()
            return real(ledger, *args, **kwargs)

        self.patch = mock.patch.object(Ledger, "record", record)
        self.patch.start()
        self.incidents: list[Model] = []
        self.runs = 0
        self.state = self.tmp / "state-0"
        self.live = build(self.tmp / "live", self.site())  # the baseline: nothing posted
        self.stale: Path | None = None
        self.config = config(max_age=24.0 * 365)

    def teardown(self) -> None:
        try:
            if self.incidents:
                self.settle()
        finally:
            self.patch.stop()
            self.mock.stop()
            self.mock.reset()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- the site ------------------------------------------------------------------------

    def site(self) -> Site:
        base = make_site()
        template = base.incidents[0]
        incidents = []
        for model in self.incidents:
            updates = tuple(
                Update(BASE + timedelta(minutes=10 * model.number + k), status, message)
                for k, (status, message) in enumerate(model.updates)
            )
            resolved = next((u.at for u in updates if u.status is IncidentStatus.RESOLVED), None)
            incidents.append(
                replace(
                    template,
                    id=model.slug,
                    title=f"Incident {model.number}",
                    started=BASE + timedelta(minutes=10 * model.number),
                    resolved=resolved,
                    updates=updates,
                )
            )
        return replace(base, incidents=tuple(incidents), maintenances=(), news=())

    @precondition(lambda self: len(self.incidents) < 3)
    @rule()
    def open_incident(self) -> None:
        number = len(self.incidents) + 1
        slug = f"2026-11-24-incident-{number}"
        first = (IncidentStatus.INVESTIGATING, f"Looking at u1 of {number}.")
        self.incidents.append(Model(number, slug, [first], [slug]))

    def editable(self) -> list[Model]:
        return [m for m in self.incidents if not m.frozen]

    @precondition(lambda self: any(len(m.updates) < 6 and not m.resolved for m in self.editable()))
    @rule(data=st.data())
    def add_update(self, data: st.DataObject) -> None:
        models = [m for m in self.editable() if len(m.updates) < 6 and not m.resolved]
        model = data.draw(st.sampled_from(models))
        k = len(model.updates) + 1
        model.updates.append((IncidentStatus.IDENTIFIED, f"Found u{k} of {model.number}."))

    @precondition(lambda self: any(not m.resolved for m in self.editable()))
    @rule(data=st.data())
    def resolve(self, data: st.DataObject) -> None:
        model = data.draw(st.sampled_from([m for m in self.editable() if not m.resolved]))
        k = len(model.updates) + 1
        model.updates.append((IncidentStatus.RESOLVED, f"Fixed u{k} of {model.number}."))

    @precondition(lambda self: any(len(m.updates) > 1 for m in self.editable()))
    @rule(data=st.data())
    def correct(self, data: st.DataObject) -> None:
        model = data.draw(st.sampled_from([m for m in self.editable() if len(m.updates) > 1]))
        k = data.draw(st.integers(2, len(model.updates)))
        status, _ = model.updates[k - 1]
        key = "resolved" if status is IncidentStatus.RESOLVED else f"update:{k}"
        if self.on_x_unrecorded(model, key):
            return  # a documented limit (module docstring)
        model.updates[k - 1] = (status, f"Corrected u{k} of {model.number}, {self.runs}.")

    @precondition(lambda self: bool(self.editable()))
    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        model = data.draw(st.sampled_from(self.editable()))
        if self.on_x()[(model.number, "first")] and not self.is_live(model):
            # Renamed before its first post reached the live site: found on X by
            # its text only while that is unchanged (module docstring).
            model.frozen = True
        model.slug = f"2026-11-24-incident-{model.number}-r{len(model.ids)}"
        model.ids.append(model.slug)

    # --- a CI run ------------------------------------------------------------------------

    @rule(
        answers=st.lists(st.sampled_from(X_ANSWERS), max_size=3),
        deploy=st.sampled_from(["ok", "ok", "fails", "stale"]),
        fresh=st.booleans(),
    )
    def publish(self, answers: list[str], deploy: str, fresh: bool) -> None:
        self.x.answers = list(answers)
        killed = self.run(fresh)
        self.x.answers, self.x.armed = [], False
        out = self.out
        if self.stale is not None:
            shutil.rmtree(self.live)
            shutil.copytree(self.stale, self.live)  # the cache catches up, a run late
            self.stale = None
        # CI deploys after publish when it wrote its ledger; a killed job deploys nothing.
        if killed or not (out / LEDGER_PATH).exists() or deploy == "fails":
            return
        if deploy == "stale":
            self.stale = out
            return
        shutil.rmtree(self.live)
        shutil.copytree(out, self.live)
        for model in self.incidents:
            model.frozen = model.frozen and not self.is_live(model)

    def is_live(self, model: Model) -> bool:
        live = Manifest.from_bytes((self.live / MANIFEST_PATH).read_bytes())
        return live.entry(f"incidents/{model.slug}") is not None

    def run(self, fresh: bool) -> bool:
        """One `statusgen publish` of the site as it is now; True when it was killed."""
        self.runs += 1
        if fresh:
            self.state = self.tmp / f"state-{self.runs}"  # a fresh CI machine
        self.out = build(self.tmp / f"run-{self.runs}" / "public", self.site())
        self.clock.time += 60
        try:
            for _ in run_publish(
                self.config,
                self.out,
                str(self.live),
                env=ENV,
                clock=self.clock,
                state_dir=self.state,
            ):
                pass
        except PublishError:
            pass
        except Killed:
            return True
        return False

    # --- the promise ---------------------------------------------------------------------

    def on_x(self) -> Counter[tuple[int, str]]:
        return Counter(told(p["text"])[:2] for p in self.x.posts)

    @invariant()
    def nothing_is_posted_twice(self) -> None:
        twice = [event for event, count in self.on_x().items() if count > 1]
        assert twice == [], self.texts()

    def texts(self) -> list[str]:
        return [p["text"] for p in self.x.posts]

    def ledgers(self) -> Ledger:
        merged = Ledger()
        for path in (self.live / LEDGER_PATH, self.state / LEDGER_COPY_NAME):
            merged = merged.merge(Ledger.load(path))
        return merged

    def on_x_unrecorded(self, model: Model, key: str) -> bool:
        ledger = self.ledgers()
        if hasattr(self, "out"):
            ledger = ledger.merge(Ledger.load(self.out / LEDGER_PATH))
        recorded = any(ledger.has(ref, key) for ref in model.ids)
        return not recorded and self.on_x()[(model.number, key)] > 0

    def settle(self) -> None:
        """Healthy runs until nothing is left; then every event is told or refused."""
        for _ in range(4):
            self.publish([], "ok", False)
        refused = {(r.entry, r.event) for r in self.ledgers().refused}
        posts = {told(p["text"])[:2]: told(p["text"])[2] for p in self.x.posts}
        for p in self.x.posts:
            number, key, update = told(p["text"])
            if key == "resolved" and not p["reply"]:
                # First seen resolved: its first post is the resolution (or it stands
                # alone, its first post refused: then it tells no more than that).
                posts.setdefault((number, "first"), update)
        for model in self.incidents:

            def done(key: str, model: Model = model) -> bool:
                refs = [f"incidents/{slug}" for slug in model.ids]
                return (model.number, key) in posts or any((r, key) in refused for r in refs)

            assert done("first"), (model, self.texts(), refused)
            # What the first post told, or would have told when X refused it.
            first_told = posts.get((model.number, "first"), 0)
            for text in self.x.refused:
                if told(text)[:2] == (model.number, "first"):
                    first_told = max(first_told, told(text)[2])
            for k, (status, _) in enumerate(model.updates[1:], 2):
                key = "resolved" if status is IncidentStatus.RESOLVED else f"update:{k}"
                assert k <= first_told or done(key), (model, key, self.texts())


Publishing.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=12,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_publishing_is_exactly_once = Publishing.TestCase


# --- what the machine found, kept as plain regression tests ----------------------------------

FIXED = "incidents/2026-11-24-vpn-slow-down"


@responses.activate
def test_renamed_after_a_kill_between_post_and_record_is_not_posted_again(tmp_path: Path) -> None:
    """open_incident, publish(answers=['kill']), rename, publish: a second first post."""
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", site)
    # A run wrote its pending events, X made the first post, and the job died.
    Ledger(path=out / LEDGER_PATH, pending=[(VPN, "first")]).save()
    out2 = build(tmp_path / "out2", with_vpn(site, id="2026-11-24-vpn-slow-down"))
    x_timeline(on_x("950", OPENED, created="2026-11-24T12:00:00.000Z"))
    lines = run(config(), out2, live)
    assert lines[1:] == [
        f"renamed {VPN} to {FIXED} before its first post was recorded",
        f"already on X, recorded: {FIXED} (opened): id 950",
    ]
    assert bodies() == []
    assert ledger(out2).first_post(FIXED) == "950"
    assert ledger(out2).renamed == ((VPN, FIXED),)  # the old address becomes a redirect


@responses.activate
def test_renamed_after_a_failed_deploy_is_not_posted_again(tmp_path: Path) -> None:
    """open_incident, publish(deploy='fails'), rename, publish: a second first post."""
    site = vpn_only(make_site())
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", site)
    responses.post(TWEETS, json=ok("960"))
    run(config(), out, live)
    # The deploy fails; the slug is fixed; the next run, on the same machine.
    responses.reset()
    x_timeline(on_x("960", OPENED, created="2026-11-24T12:00:00.000Z"))
    out2 = build(tmp_path / "out2", with_vpn(site, id="2026-11-24-vpn-slow-down"))
    lines = run(config(), out2, live, state_dir=tmp_path / "state")
    assert lines[-1] == f"already on X, recorded: {FIXED} (opened): id 960"
    assert bodies() == []
    assert posts(out2) == [(FIXED, "first", "960")]


@responses.activate
def test_an_update_dated_before_a_killed_runs_post_but_added_after_it_is_posted(
    tmp_path: Path,
) -> None:
    """open_incident, publish(answers=['kill']), add an update dated before that post, publish:
    the update was never posted (the time said the first post had told it)."""
    site = vpn_only(make_site())
    investigating, identified = site.incidents[0].updates
    live = build(tmp_path / "live", empty(site))
    out = build(tmp_path / "out", with_vpn(site, updates=(investigating,)))
    # A run wrote its pending events, X made the first post at 10:00, and the job died.
    Ledger(path=out / LEDGER_PATH, pending=[(VPN, "first")]).save()
    first = (
        "Investigating: VPN connections slow & dropping <sometimes>\n"
        "Affected: VPN\n"
        "We are looking into reports.\n"
        f"https://status.example.ac.uk/{VPN}/"
    )
    # The 09:30 update, written before that post, reaches the file after it.
    out2 = build(tmp_path / "out2", with_vpn(site, updates=(investigating, identified)))
    x_timeline(on_x("970", first, created="2026-11-24T10:00:00.000Z"))
    responses.post(TWEETS, json=ok("971"))
    lines = run(config(), out2, live)
    assert lines[1:] == [
        f"already on X, recorded: {VPN} (opened): id 970",
        f"posted {VPN} (updated): id 971, replying to 970",
    ]
    assert [b["text"] for b in bodies()] == [
        "Update on VPN connections slow & dropping <sometimes> (VPN)\n"
        "Identified: A faulty licence server is the cause."
    ]
