"""`statusgen publish`: post what changed since the previous build (SPEC "Publish").

The run reads everything first, then sends:

1. the current build's manifest and ledger from the output folder, and the
   previous build's from a folder or the live site (``<url>/_statusgen/``);
   no previous manifest (missing folder, 404) is the baseline: nothing is
   posted; any other failure to read it is an error, because guessing
   could post the whole history or nothing at all. Only a dry run goes on
   when the live site cannot be reached at all (not deployed yet): it
   previews a first publish, which posts nothing;
2. the events (`diff.events`), minus what the merged ledger says was posted;
   they are written to the ledger as *pending* before anything is sent, so
   whatever this run does not send, the next run will, even when the site
   is deployed after a failed run;
3. the posts (`compose.compose`); a refused post (privacy, a template that
   cannot fit) is reported and the others still go;
4. at most ``publish.max_posts`` posts, oldest first, and no more than
   ``[publish.x] max_posts_per_day`` allows (`cost`), each recorded in the
   ledger the moment it succeeds. Updates reply to the entry's first post.

Failures: a 429 waits for the reset when that is within the run's budget
(``publish.timeout``, 60 s by default), else stops; 5xx and network errors
are retried with exponential backoff, then stop; a duplicate-content answer
counts as posted; bad credentials and other refusals stop at once. When
something is left unsent, the run ends with `PublishError` (exit non-zero)
after every line is out, posts the daily cap holds included (they may wait
for hours); posts waiting only because of ``max_posts`` are not a failure
(exit 0, "N more wait for the next run").

Nothing here prints: the generator yields one line per action and the CLI
prints them.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import os
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..atomic import write_atomic
from ..errors import StatusgenError
from ..manifest import LEDGER_PATH, MANIFEST_PATH, Manifest
from ..model import SiteConfig
from . import cost
from .compose import X_LIMIT, Post, PostRefused, compose, x_weighted_length
from .diff import Event, events, first_event, legacy_keys, update_events_after
from .ledger import Ledger, prune
from .previous import Unreachable, is_url, read_current, read_previous, same_folder
from .reconcile import Gone, RecentPost, comparable, find, gone_pages, old_ref
from .renames import as_renamed, redirect_pages, renames
from .send import Clock, RefusedPost, Stopped, SystemClock, send
from .state import LEDGER_COPY_NAME, STATE_DIR, publish_lock
from .targets import (
    PermanentError,
    RateLimited,
    Refused,
    Target,
    TransientError,
)


class PublishError(StatusgenError):
    """Something was left unsent; the ledger knows what, and a re-run sends it."""


def run_publish(
    config: SiteConfig,
    output_dir: Path,
    previous: str,
    *,
    dry_run: bool = False,
    env: Mapping[str, str] | None = None,
    target: Target | None = None,
    clock: Clock | None = None,
    retry: Sequence[str] = (),
    state_dir: Path | None = None,
) -> Iterator[str]:
    """Post the changes between the build in `output_dir` and `previous`; yield progress lines.

    `previous` is a folder or an http(s) URL (the live site's base URL).
    `dry_run` composes every post and yields it exactly as it would be
    sent, and sends and writes nothing. `env` holds the X credentials
    (default: the process environment); `target` replaces X (tests, other
    services). `retry` names refused events to send again (``--retry``).
    `state_dir` holds the lock and the ledger's local copy (default: the
    site's ``.statusgen-cache/``). Raises `StatusgenError` when the builds
    cannot be read and `PublishError` at the end when any post was left
    unsent or was refused.
    """
    clock = clock or SystemClock()
    state = state_dir if state_dir is not None else config.root / STATE_DIR
    enabled = config.publish.x.enabled
    if not enabled:
        if not dry_run:
            yield "publish.x.enabled is false: nothing to post"
            if (output_dir / MANIFEST_PATH).exists():
                with publish_lock(state, clock):
                    yield from _carry_forward(config, output_dir, previous, state)
            return
        yield "publish.x.enabled is false: showing what would be posted once it is on"

    current = read_current(output_dir)
    if not is_url(previous) and same_folder(Path(previous), output_dir):
        raise StatusgenError(
            f"--previous {previous} is the output folder itself: nothing can be new "
            "(pass the last deployed build's folder or URL)"
        )
    lock = contextlib.nullcontext() if dry_run else publish_lock(state, clock)
    with lock:
        yield from _run(
            config, current, output_dir, previous, state, dry_run, env, target, clock, retry
        )


def _carry_forward(
    config: SiteConfig, output_dir: Path, previous: str, state: Path
) -> Iterator[str]:
    """A run with the target off still deploys the ledger, so it loses nothing pending."""
    ledger = _local(output_dir, state)
    try:
        _, before_ledger = read_previous(previous)
    except Unreachable:
        before_ledger = Ledger()
    ledger = ledger.merge(before_ledger)
    if not ledger.is_empty():
        ledger.save()
        _write_redirects(config, ledger, read_current(output_dir), output_dir)
        yield (
            f"kept the post ledger ({_posts(len(ledger.posts))} recorded, "
            f"{len(ledger.pending)} pending) for when it is on again"
        )


def _write_redirects(
    config: SiteConfig, ledger: Ledger, current: Manifest, output_dir: Path
) -> None:
    """The old address of every rename the ledger remembers leads to the new page."""
    for path, data in redirect_pages(config, ledger, current).items():
        write_atomic(output_dir / path, data)


def _local(output_dir: Path, state: Path) -> Ledger:
    """The output folder's ledger merged with this machine's copy, bound to both."""
    ledger = Ledger.load(output_dir / LEDGER_PATH)
    copy = Ledger.load(state / LEDGER_COPY_NAME)
    merged = ledger.merge(copy)
    merged.copy = state / LEDGER_COPY_NAME
    return merged


def _run(
    config: SiteConfig,
    current: Manifest,
    output_dir: Path,
    previous: str,
    state: Path,
    dry_run: bool,
    env: Mapping[str, str] | None,
    target: Target | None,
    clock: Clock,
    retry: Sequence[str],
) -> Iterator[str]:
    try:
        before, before_ledger = read_previous(previous)
    except Unreachable as exc:
        if not dry_run:
            raise
        # A site not deployed yet is the usual reason; a preview should say
        # what a first publish does rather than stop on the connection.
        yield (
            f"previous build: cannot reach {previous} ({exc.reason}); "
            "previewing against an empty previous build"
        )
        yield (
            "no previous build: a first publish posts nothing and makes this build the "
            f"baseline (without --dry-run, publish stops with an error until {previous} answers)"
        )
        return
    ledger = _local(output_dir, state).merge(before_ledger)
    if dry_run:
        ledger.path = ledger.copy = None  # in memory only: a dry run writes nothing
    if before is None:
        ledger.save()  # carry the ledger forward all the same
        if not ledger.is_empty():
            # A site that has posted has a manifest: its absence is a broken
            # or stale deploy, and taking it for a first publish would lose
            # every pending post (and, deployed, the ledger itself).
            raise PublishError(
                f"no build manifest at {previous}, but the post ledger holds "
                f"{_posts(len(ledger.posts))} and {len(ledger.pending)} pending: not a first "
                "publish; nothing sent, the ledger is kept (re-run once "
                f"{MANIFEST_PATH} is back)"
            )
        yield f"no previous build at {previous}: this build is the baseline, nothing to post"
        return
    yield f"previous build: {previous} (built {before.built_at})"
    ledger.rekey(legacy_keys(ledger, before, current))
    moved = renames(before, current)
    for old, new in moved:
        ledger.move(old, new)
        yield (
            f"renamed {old} to {new}: its posts and thread move with it, and /{old}/ "
            "becomes a redirect"
        )
    if moved:
        before = as_renamed(before, moved, current)
    # The live site's ledger comes back in with its old records: prune as build
    # does, once renamed entries' records have moved to their new refs.
    now = datetime.fromtimestamp(clock.now(), UTC)
    ledger = prune(ledger, {e.ref for e in current.entries}, now, config)
    if not dry_run:
        _write_redirects(config, ledger, current, output_dir)
    retried = yield from _retry(ledger, retry, config.base_url)

    oldest = now - timedelta(hours=config.publish.max_age)
    due, held = [], []
    for event in events(before, current, ledger):
        publish_at = event.entry.publish_at
        if publish_at and datetime.fromisoformat(publish_at) > now:
            held.append(event)
            yield f"held until {publish_at}: {event.describe()} (not yet published)"
        elif event.news_time < oldest and (event.entry.ref, event.key) not in retried:
            yield (
                f"not posted {event.describe()}: from {event.news_time.isoformat()}, older "
                f"than publish.max_age ({config.publish.max_age:g} h)"
            )
        else:
            due.append(event)
    ledger.set_pending((e.entry.ref, e.key) for e in [*due, *held])
    if not due:
        yield "nothing new to post"
        return

    secrets: list[str] = []
    if target is None and not dry_run:
        from .targets.x import CREDENTIALS, XTarget  # tweepy only when posting for real

        env = os.environ if env is None else env
        # X's refusals are kept in the ledger, which is deployed: never with a
        # credential in them, even when X quotes one back.
        secrets = [v for v in (env.get(name, "").strip() for name in CREDENTIALS) if len(v) >= 4]
        try:
            target = XTarget.from_env(env)
        except PermanentError as exc:
            raise PublishError(f"{exc}; {_posts(len(due))} not sent") from None
    limit = target.limit if target else X_LIMIT
    weigh = target.weighted_length if target else x_weighted_length

    posts: list[tuple[Event, Post]] = []
    refused = 0
    for event in due:
        try:
            posts.append((event, compose(event, config, weigh=weigh, limit=limit)))
        except PostRefused as exc:
            refused += 1
            yield f"refused {event.describe()}: {exc.problem}"
    x, name = config.publish.x, target.name if target else "x"
    sending, waiting = posts[: config.publish.max_posts], posts[config.publish.max_posts :]
    # The daily cap comes before the read of the account: a capped run reads
    # nothing (X bills reads too), and again after it, which may queue replies.
    left = cost.allowance(ledger, name, now, x)
    sending, held = sending[:left], sending[left:]
    if sending and not dry_run and target is not None:

        def make_post(event: Event) -> Post | None:
            try:
                return compose(event, config, weigh=weigh, limit=limit)
            except PostRefused:
                return None  # reported by the run that finds it due

        gone = gone_pages(config.base_url, {e.ref for e in current.entries})
        sending = yield from _reconcile(target, sending, ledger, clock, oldest, make_post, gone)
        left = cost.allowance(ledger, name, datetime.fromtimestamp(clock.now(), UTC), x)
        sending, held = sending[:left], sending[left:] + held

    deadline = clock.now() + config.publish.timeout
    stopped: str | None = None
    unsent = unrecorded = 0
    estimate = cost.Estimate()
    rooted: set[str] = set()  # a dry run's first posts, which its replies go under
    for event, post in sending:
        reply_to = ledger.first_post(event.entry.ref) if post.reply_to_entry else None
        replying = f", replying to {reply_to}" if reply_to else ""
        if post.reply_to_entry and not reply_to and event.entry.ref not in rooted:
            try:  # no thread to go under: it stands alone, with the link
                post = compose(event, config, weigh=weigh, limit=limit, threaded=False)
            except PostRefused as exc:
                refused += 1
                yield f"refused {event.describe()}: {exc.problem}"
                continue
        if dry_run:
            estimate = estimate.add(post.text, x)
            rooted.add(event.entry.ref)
            price = cost.dollars(cost.price(post.text, x))
            yield f"would post ({post.length}/{limit}, {price}){replying}: {post.text}"
            continue
        assert target is not None
        if stopped is None and clock.now() >= deadline:
            stopped = f"publish.timeout ({config.publish.timeout:g} s) reached"
        if stopped is not None:
            unsent += 1
            continue
        outcome = yield from send(target, post, reply_to, clock, deadline, config.publish.timeout)
        if isinstance(outcome, RefusedPost):
            refused += 1
            at = _iso(clock.now())
            outcome = RefusedPost(_mask(outcome.reason, secrets))
            yield (
                f"refused by {target.label}: {event.describe()}: {outcome.reason} (not retried; "
                f"to send it again: statusgen publish --retry {event.entry.ref}#{event.key})"
            )
            refuse = functools.partial(
                ledger.refuse, event.entry.ref, event.key, outcome.reason, target.name, at
            )
            failed = _write(refuse)
            if failed:
                unrecorded += 1
                stopped = stopped or failed
                yield f"cannot write the post ledger ({failed}): stopping"
            continue
        if isinstance(outcome, Stopped):
            stopped = outcome.reason
            unsent += 1
            yield f"not sent {event.describe()}: {outcome.reason}"
            continue
        record = functools.partial(_record, ledger, event, outcome.post_id, target.name, clock)
        failed = _write(record)
        if outcome.post_id is None:
            verb = "not recorded" if failed else "recorded"
            yield f"already on {target.label} (duplicate content), {verb}: {event.describe()}"
        else:
            yield f"posted {event.describe()}: id {outcome.post_id}{replying}"
        if failed:
            unrecorded += 1
            stopped = stopped or failed
            yield f"cannot write the post ledger ({failed}): stopping"

    if dry_run and sending:
        yield estimate.line(x)
    if held:
        this_run = len(sending) if dry_run else 0
        yield cost.held_line(len(held), ledger, name, now, x, this_run)
    if waiting:
        verb = "would wait" if dry_run else "wait"
        yield (
            f"{len(waiting)} more {verb} for the next run "
            f"(publish.max_posts = {config.publish.max_posts})"
        )
    failures = []
    if unsent:
        failures.append(f"{_posts(unsent)} not sent: {stopped} (a re-run sends them)")
    if refused:
        failures.append(f"{_posts(refused)} refused (see above)")
    if held:
        failures.append(f"{_posts(len(held))} held by [publish.x] max_posts_per_day (see above)")
    if unrecorded:
        failures.append(
            f"{_posts(unrecorded)} sent but not recorded (the next run finds "
            f"{'it' if unrecorded == 1 else 'them'} on the account)"
        )
    if failures:
        raise PublishError("; ".join(failures))


def _record(
    ledger: Ledger,
    event: Event,
    post_id: str | None,
    target: str,
    clock: Clock,
    updates: int | None = None,
) -> None:
    if event.is_first and updates is None:
        updates = len(event.entry.updates)
    ledger.record(
        event.entry.ref,
        event.key,
        post_id,
        target,
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


def _retry(
    ledger: Ledger, refs: Sequence[str], base_url: str
) -> Generator[str, None, set[tuple[str, str]]]:
    """Make the refused events that `refs` name pending again (``--retry``)."""
    retried: set[tuple[str, str]] = set()
    for ref in refs:
        entry, _, event = ref.removeprefix(base_url).strip("/").partition("#")
        entry = entry.strip("/")
        keys = ledger.retry(entry, event or None)
        if not keys:
            known = ", ".join(f"{r.entry}#{r.event}" for r in ledger.refused) or "none"
            raise StatusgenError(
                f"--retry {ref}: no refused event there (refused: {known}; "
                "REF is incidents/<id> or incidents/<id>#<event>)"
            )
        for key in keys:
            yield f"retrying {key[0]}#{key[1]}"
        retried.update(keys)
    return retried


def _reconcile(
    target: Target,
    sending: list[tuple[Event, Post]],
    ledger: Ledger,
    clock: Clock,
    oldest: datetime,
    make_post: Callable[[Event], Post | None],
    gone: Gone,
) -> Generator[str, None, list[tuple[Event, Post]]]:
    """Record what the target already has (accepted, never recorded); return the rest.

    A first post found there told the entry as it was when it was made: the
    updates written after it are then due as replies (`update_events_after`).
    """
    recent = getattr(target, "recent", None)
    if recent is None:
        return sending
    try:
        found = recent(oldest.timestamp())
    except (TransientError, RateLimited, Refused) as exc:
        yield f"cannot read recent posts on {target.label} ({exc}): sending without that check"
        return sending
    except PermanentError as exc:
        raise PublishError(f"{exc}; {_posts(len(sending))} not sent") from None
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
        _record(ledger, event, match.id, target.name, clock, updates=told)
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


def _mask(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def _posts(count: int) -> str:
    return f"{count} post" if count == 1 else f"{count} posts"


__all__ = [
    "Clock",
    "PublishError",
    "SystemClock",
    "Unreachable",
    "read_current",
    "read_previous",
    "run_publish",
]
