"""One target's part of a publish run: its events, its posts, its ledger records.

`run_publish` (the package) reads the builds and the ledger once, then runs
this for each enabled target in turn. Everything here is the target's own:
which events it is told of (``events``), its posts composed with its
templates, limit and counting, its pending and refused records (a
`TargetLedger`), its reconciliation (`reconcile`, when it can list its recent
posts), its budget (``publish.timeout``) and its failures, which it returns
as text rather than raising, so that the next target still runs.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..manifest import Manifest
from ..model import SiteConfig
from . import cost
from .channels import Channel
from .compose import Post, PostRefused, compose
from .diff import Event, events, first_event, update_events_after
from .ledger import Ledger, TargetLedger
from .reconcile import Gone, RecentPost, comparable, find, gone_pages, old_ref
from .send import Clock, RefusedPost, Stopped, send
from .targets import PermanentError, RateLimited, Refused, Target, TargetError, TransientError

Lines = Generator[str, None, list[str]]
"""Progress lines; the return value: what this target left undone (empty: nothing)."""


@dataclass(frozen=True)
class Run:
    """What every target's run shares."""

    config: SiteConfig
    before: Manifest
    current: Manifest
    ledger: Ledger
    clock: Clock
    now: datetime
    oldest: datetime
    retried: frozenset[tuple[str, str]]
    dry_run: bool
    secrets: tuple[str, ...]


def run_target(run: Run, channel: Channel, target: Target | None, env: Mapping[str, str]) -> Lines:
    """Send `channel`'s due events; yield a line per action; return its failures."""
    config = run.config
    name = target.name if target is not None else channel.name
    ledger = run.ledger.view(name)
    due, held = [], []
    for event in events(run.before, run.current, ledger):
        if not channel.wants(event.kind.value):
            continue
        publish_at = event.entry.publish_at
        if publish_at and datetime.fromisoformat(publish_at) > run.now:
            held.append(event)
            yield f"held until {publish_at}: {event.describe()} (not yet published)"
        elif event.news_time < run.oldest and (event.entry.ref, event.key) not in run.retried:
            yield (
                f"not posted {event.describe()}: from {event.news_time.isoformat()}, older "
                f"than publish.max_age ({config.publish.max_age:g} h)"
            )
        else:
            due.append(event)
    failed = _write(
        functools.partial(ledger.set_pending, [(e.entry.ref, e.key) for e in due + held])
    )
    if failed:
        # Unsent and unrecorded as pending, a post lost to a kill would not be
        # looked for; and the next target still runs (on a full disk it says so too).
        yield f"cannot write the post ledger ({failed}): nothing sent"
        unsent = count_posts(len(due) + len(held))
        return [f"cannot write the post ledger ({failed}); {unsent} not sent"]
    if not due:
        yield "nothing new to post"
        return []

    if target is None and not run.dry_run:
        # Built only now that something is due: a target logs in on its first
        # request, so a run that sends nothing never logs in.
        try:
            target = channel.connect(env)
        except PermanentError as exc:
            return [f"{mask(str(exc), run.secrets)}; {count_posts(len(due))} not sent"]
    try:
        return (yield from _post(run, channel, target, ledger, due))
    finally:
        close = getattr(target, "close", None)
        if close is not None:
            close()  # one SMTP connection per run: ended here, however the run ends


def _post(
    run: Run, channel: Channel, target: Target | None, ledger: TargetLedger, due: list[Event]
) -> Lines:
    """Compose, reconcile and send `due` (`target` is None only in a dry run)."""
    config, name = run.config, ledger.target
    if target is None:
        limit, weigh = channel.offline_limit(), channel.weighted_length
    else:
        weigh = target.weighted_length
        try:
            limit = target.limit
        except TargetError as exc:  # the instance could not say: its documented default
            limit = channel.offline_limit()
            yield f"cannot read the limit on {target.label} ({exc}): using {limit}"
    templates = dict(
        templates=channel.templates,
        templates_field=channel.templates_field,
        links=channel.links,
        label=channel.label,
        language=channel.post_language,
    )

    def make(event: Event, threaded: bool = True) -> Post:
        return compose(event, config, weigh=weigh, limit=limit, threaded=threaded, **templates)  # type: ignore[arg-type]

    posts: list[tuple[Event, Post]] = []
    refused = 0
    for event in due:
        try:
            posts.append((event, make(event)))
        except PostRefused as exc:
            refused += 1
            yield f"refused {event.describe()}: {exc.problem}"
    x, is_x = config.publish.x, channel.kind == "x"
    sending, waiting = posts[: config.publish.max_posts], posts[config.publish.max_posts :]
    # X's daily cap comes before the read of the account: a capped run reads
    # nothing (X bills reads too), and again after it, which may queue replies.
    left = cost.allowance(run.ledger, name, run.now, x) if is_x else len(sending)
    sending, held = sending[:left], sending[left:]
    if sending and not run.dry_run and target is not None:

        def make_post(event: Event) -> Post | None:
            try:
                return make(event)
            except PostRefused:
                return None  # reported by the run that finds it due

        gone = gone_pages(config.base_url, {e.ref for e in run.current.entries})
        try:
            sending = yield from _reconcile(
                target, sending, ledger, run.clock, run, make_post, gone
            )
        except PermanentError as exc:
            return [f"{mask(str(exc), run.secrets)}; {count_posts(len(sending))} not sent"]
        if is_x:
            now = datetime.fromtimestamp(run.clock.now(), UTC)
            left = cost.allowance(run.ledger, name, now, x)
            sending, held = sending[:left], sending[left:] + held

    deadline = run.clock.now() + config.publish.timeout
    stopped: str | None = None
    unsent = unrecorded = 0
    estimate = cost.Estimate()
    rooted: set[str] = set()  # a dry run's first posts, which its replies go under
    for event, post in sending:
        reply_to = ledger.first_post(event.entry.ref) if post.reply_to_entry else None
        replying = f", replying to {reply_to}" if reply_to and channel.threads else ""
        if post.reply_to_entry and not reply_to and event.entry.ref not in rooted:
            try:  # no thread to go under: it stands alone, with the link
                post = make(event, threaded=False)
            except PostRefused as exc:
                refused += 1
                yield f"refused {event.describe()}: {exc.problem}"
                continue
        if run.dry_run:
            rooted.add(event.entry.ref)
            if is_x:
                estimate = estimate.add(post.text, x)
                price = cost.dollars(cost.price(post.text, x))
                yield f"would post ({post.length}/{limit}, {price}){replying}: {post.text}"
            else:
                yield f"would post ({post.length}/{limit}){replying}: {post.text}"
            continue
        assert target is not None
        if stopped is None and run.clock.now() >= deadline:
            stopped = f"publish.timeout ({config.publish.timeout:g} s) reached"
        if stopped is not None:
            unsent += 1
            continue
        outcome = yield from send(
            target, post, reply_to, run.clock, deadline, config.publish.timeout
        )
        if isinstance(outcome, RefusedPost):
            refused += 1
            at = _iso(run.clock.now())
            outcome = RefusedPost(mask(outcome.reason, run.secrets))
            yield (
                f"refused by {target.label}: {event.describe()}: {outcome.reason} (not retried; "
                f"to send it again: statusgen publish --retry {event.entry.ref}#{event.key})"
            )
            refuse = functools.partial(
                ledger.refuse, event.entry.ref, event.key, outcome.reason, at
            )
            failed = _write(refuse)
            if failed:
                unrecorded += 1
                stopped = stopped or failed
                yield f"cannot write the post ledger ({failed}): stopping"
            continue
        if isinstance(outcome, Stopped):
            stopped = mask(outcome.reason, run.secrets)
            unsent += 1
            yield f"not sent {event.describe()}: {stopped}"
            continue
        failed = _write(functools.partial(record, ledger, event, outcome.post_id, run.clock))
        if outcome.post_id is None:
            verb = "not recorded" if failed else "recorded"
            yield f"already on {target.label} (duplicate content), {verb}: {event.describe()}"
        else:
            yield f"posted {event.describe()}: id {outcome.post_id}{replying}"
        if failed:
            unrecorded += 1
            stopped = stopped or failed
            yield f"cannot write the post ledger ({failed}): stopping"

    if run.dry_run and sending and is_x:
        yield estimate.line(x)
    if held:
        this_run = len(sending) if run.dry_run else 0
        yield cost.held_line(len(held), run.ledger, name, run.now, x, this_run)
    if waiting:
        verb = "would wait" if run.dry_run else "wait"
        yield (
            f"{len(waiting)} more {verb} for the next run "
            f"(publish.max_posts = {config.publish.max_posts})"
        )
    failures = []
    if unsent:
        failures.append(f"{count_posts(unsent)} not sent: {stopped} (a re-run sends them)")
    if refused:
        failures.append(f"{count_posts(refused)} refused (see above)")
    if held:
        capped = count_posts(len(held))
        failures.append(f"{capped} held by [publish.x] max_posts_per_day (see above)")
    if unrecorded:
        it = "it" if unrecorded == 1 else "them"
        if getattr(target, "recent", None) is None:
            # Nothing to find them by: README "Channels" says at least once.
            after = f"the next run sends {it} again: {channel.label} cannot be read back"
        else:
            after = f"the next run finds {it} on the account"
        failures.append(f"{count_posts(unrecorded)} sent but not recorded ({after})")
    return failures


def record(
    ledger: TargetLedger,
    event: Event,
    post_id: str | None,
    clock: Clock,
    updates: int | None = None,
) -> None:
    if event.is_first and updates is None:
        updates = len(event.entry.updates)
    ledger.record(
        event.entry.ref,
        event.key,
        post_id,
        _iso(clock.now()),
        updates=updates if event.is_first else None,
        also=event.covers[1:],
    )


def _write(write: Callable[[], object]) -> str | None:
    """Write the ledger; None, or why that failed (a full disk). The run then
    stops sending: what was posted is found on the target by the next run
    (`reconcile`), through the pending events the ledger already holds."""
    try:
        write()
    except OSError as exc:
        return str(exc.strerror or exc)
    return None


def _reconcile(
    target: Target,
    sending: list[tuple[Event, Post]],
    ledger: TargetLedger,
    clock: Clock,
    run: Run,
    make_post: Callable[[Event], Post | None],
    gone: Gone,
) -> Generator[str, None, list[tuple[Event, Post]]]:
    """Record what the target already has (accepted, never recorded); return the rest.

    A first post found there told the entry as it was when it was made: the
    updates written after it are then due as replies (`update_events_after`).
    `PermanentError` (bad credentials) stops this target.
    """
    recent = getattr(target, "recent", None)
    if recent is None:
        return sending
    try:
        found = recent(run.oldest.timestamp())
    except (TransientError, RateLimited, Refused) as exc:
        yield f"cannot read recent posts on {target.label} ({exc}): sending without that check"
        return sending
    rest: list[tuple[Event, Post]] = []
    queue = list(sending)
    while queue:
        event, post = queue.pop(0)
        match = find(found, text=post.text, link=event.entry.link, first=event.is_first, gone=gone)
        if match is None:
            rest.append((event, post))
            continue
        told = None
        renamed = old_ref(match, gone) if event.is_first else None
        if renamed:
            ledger.move(renamed, event.entry.ref)  # posted under the old name: a rename
            yield f"renamed {renamed} to {event.entry.ref} before its first post was recorded"
        if event.is_first:
            told = _told(event, match, make_post)
            event = first_event(event.entry, told)  # what that post told
            later = update_events_after(event.entry, told)
            queued = {(e.entry.ref, e.key) for e, _ in rest + queue}
            for extra in later:
                key = (extra.entry.ref, extra.key)
                extra_post = None if key in queued or ledger.has(*key) else make_post(extra)
                if extra_post is not None:
                    queue.append((extra, extra_post))
        record(ledger, event, match.id, clock, updates=told)
        yield f"already on {target.label}, recorded: {event.describe()}: id {match.id}"
    return rest


_LIKE = 0.8
"""How alike a found first post and a composed one must read to be the same post."""


def _told(event: Event, match: RecentPost, make_post: Callable[[Event], Post | None]) -> int:
    """How many updates a first post found on the target told.

    Its text says it best: the first post as it reads after each number of
    updates, most first, compared with the one found (links aside). Only when
    none reads the same (a template changed since) does the time decide: the
    updates written before it was made (all, when the time is unknown). Times
    alone misjudge an update written before a killed run's post but added to
    the file after it, which would then never be posted.
    """
    updates = event.entry.updates
    seen = comparable(match.text)
    likeness: list[tuple[float, int]] = []
    for told in range(len(updates), -1, -1):
        post = make_post(first_event(event.entry, told))
        if post is None:
            continue
        text = comparable(post.text)
        if text == seen:
            return told
        likeness.append((difflib.SequenceMatcher(None, text, seen).ratio(), told))
    # A message corrected since the post reads nearly, not exactly, the same.
    best = max(likeness, default=(0.0, 0))
    if best[0] >= _LIKE:
        return best[1]
    if match.created_at is None:
        return len(updates)
    made = datetime.fromtimestamp(match.created_at, UTC)
    return sum(1 for u in updates if datetime.fromisoformat(u.at) <= made)


def mask(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    if "…" not in text:
        return text
    # A target cuts a service's long answer at 200 characters with "…": a
    # secret it quoted may end there half shown, which replace() cannot see.
    parts = text.split("…")
    for number, part in enumerate(parts[:-1]):
        cut = max((n for s in secrets for n in range(4, len(s)) if part.endswith(s[:n])), default=0)
        if cut:
            parts[number] = part[:-cut] + "***"
    return "…".join(parts)


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def count_posts(count: int) -> str:
    return f"{count} post" if count == 1 else f"{count} posts"
