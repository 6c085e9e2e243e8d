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
4. at most ``publish.max_posts`` posts, oldest first, each recorded in the
   ledger the moment it succeeds. Updates reply to the entry's first post.

Failures: a 429 waits for the reset when that is within the run's budget
(``publish.timeout``, 60 s by default), else stops; 5xx and network errors
are retried with exponential backoff, then stop; a duplicate-content answer
counts as posted; bad credentials and other refusals stop at once. When
something is left unsent, the run ends with `PublishError` (exit non-zero)
after every line is out; posts waiting only because of ``max_posts`` are not
a failure (exit 0, "N more wait for the next run").

Nothing here prints: the generator yields one line per action and the CLI
prints them.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import requests

from ..errors import StatusgenError
from ..manifest import LEDGER_PATH, MANIFEST_PATH, Manifest
from ..model import SiteConfig
from .compose import X_LIMIT, Post, PostRefused, compose, x_weighted_length
from .diff import Event, events
from .ledger import Ledger, prune
from .targets import DuplicatePost, PermanentError, RateLimited, Target, TransientError

PREVIOUS_TIMEOUT = 10.0
"""Seconds to wait for the live site when reading the previous build."""
TRANSIENT_RETRIES = 3
"""Retries of one post after a 5xx or network error (so four attempts at most)."""
BACKOFF = 2.0
"""Seconds before the first retry; doubled for each further one."""
RATE_LIMIT_WAITS = 3
"""Waits for a rate-limit reset per post, at most."""


class PublishError(StatusgenError):
    """Something was left unsent; the ledger knows what, and a re-run sends it."""


class Unreachable(StatusgenError):
    """The live site did not answer at all (DNS, refused, time-out): not even a 404."""

    def __init__(self, url: str, reason: str, message: str) -> None:
        self.url = url
        self.reason = reason
        """A few words: "host not found", "connection refused", "no answer within 10 s"."""
        super().__init__(f"{url}: {message}")


class Clock(Protocol):
    """Time as publish sees it; tests pass a fake that sleeps instantly."""

    def now(self) -> float:
        """Unix time in seconds (the unit of X's ``x-rate-limit-reset``)."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def run_publish(
    config: SiteConfig,
    output_dir: Path,
    previous: str,
    *,
    dry_run: bool = False,
    env: Mapping[str, str] | None = None,
    target: Target | None = None,
    clock: Clock | None = None,
) -> Iterator[str]:
    """Post the changes between the build in `output_dir` and `previous`; yield progress lines.

    `previous` is a folder or an http(s) URL (the live site's base URL).
    `dry_run` composes every post and yields it exactly as it would be
    sent, and sends and writes nothing. `env` holds the X credentials
    (default: the process environment); `target` replaces X (tests, other
    services). Raises `StatusgenError` when the builds cannot be read and
    `PublishError` at the end when any post was left unsent.
    """
    clock = clock or SystemClock()
    if not config.publish.x.enabled:
        if not dry_run:
            # Touch nothing: no network, no ledger. Switching it on later
            # starts from the build deployed then, not from the history.
            yield "publish.x.enabled is false: nothing to post"
            return
        yield "publish.x.enabled is false: showing what would be posted once it is on"

    current = read_current(output_dir)
    if not _is_url(previous) and _same_folder(Path(previous), output_dir):
        raise StatusgenError(
            f"--previous {previous} is the output folder itself: nothing can be new "
            "(pass the last deployed build's folder or URL)"
        )
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
    ledger = Ledger.load(output_dir / LEDGER_PATH).merge(before_ledger)
    # The live site's ledger comes back in with its old records: prune as build does.
    now = datetime.fromtimestamp(clock.now(), UTC)
    ledger = prune(ledger, {e.ref for e in current.entries}, now, config)
    if dry_run:
        ledger.path = None  # in memory only: a dry run writes nothing
    if before is None:
        ledger.save()  # carry the ledger forward all the same
        yield f"no previous build at {previous}: this build is the baseline, nothing to post"
        return
    yield f"previous build: {previous} (built {before.built_at})"

    due = events(before, current, ledger)
    ledger.set_pending((e.entry.ref, e.key) for e in due)
    if not due:
        yield "nothing new to post"
        return

    if target is None and not dry_run:
        from .targets.x import XTarget  # tweepy only when posting for real

        try:
            target = XTarget.from_env(os.environ if env is None else env)
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
    sending, waiting = posts[: config.publish.max_posts], posts[config.publish.max_posts :]

    deadline = clock.now() + config.publish.timeout
    stopped: str | None = None
    unsent = 0
    for event, post in sending:
        reply_to = ledger.first_post(event.entry.ref) if post.reply_to_entry else None
        replying = f", replying to {reply_to}" if reply_to else ""
        if dry_run:
            yield f"would post ({post.length}/{limit}){replying}: {post.text}"
            continue
        assert target is not None
        if stopped is None and clock.now() >= deadline:
            stopped = f"publish.timeout ({config.publish.timeout:g} s) reached"
        if stopped is not None:
            unsent += 1
            continue
        outcome = yield from _send(target, post, reply_to, clock, deadline, config.publish.timeout)
        if isinstance(outcome, _Stopped):
            stopped = outcome.reason
            unsent += 1
            yield f"not sent {event.describe()}: {outcome.reason}"
            continue
        posted_at = datetime.fromtimestamp(clock.now(), UTC).isoformat(timespec="seconds")
        ledger.record(event.entry.ref, event.key, outcome.post_id, target.name, posted_at)
        if outcome.post_id is None:
            yield f"already on {target.label} (duplicate content), recorded: {event.describe()}"
        else:
            yield f"posted {event.describe()}: id {outcome.post_id}{replying}"

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
    if failures:
        raise PublishError("; ".join(failures))


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sent:
    post_id: str | None
    """None: the target already had the text (duplicate content)."""


@dataclass(frozen=True)
class _Stopped:
    reason: str


def _send(
    target: Target,
    post: Post,
    reply_to: str | None,
    clock: Clock,
    deadline: float,
    budget: float,
) -> Generator[str, None, _Sent | _Stopped]:
    """Send one post with bounded retries; yield a line per wait; return the outcome."""
    attempts = waits = 0
    while True:
        attempts += 1
        try:
            return _Sent(target.send(post.text, reply_to))
        except DuplicatePost:
            return _Sent(None)
        except PermanentError as exc:
            return _Stopped(exc.reason)
        except RateLimited as exc:
            now = clock.now()
            if exc.reset_at is None:
                return _Stopped(f"rate limited by {target.label} (no reset time given)")
            wait = max(exc.reset_at - now, 0.0) + 1.0  # the reset is whole seconds
            waits += 1
            if waits > RATE_LIMIT_WAITS or now + wait > deadline:
                return _Stopped(
                    f"rate limited by {target.label} until {_utc(exc.reset_at)}, "
                    f"after this run's {budget:g} s (publish.timeout)"
                )
            yield f"rate limited by {target.label}: waiting {wait:.0f} s"
            clock.sleep(wait)
        except TransientError as exc:
            delay = BACKOFF * 2 ** (attempts - 1)
            if attempts > TRANSIENT_RETRIES or clock.now() + delay > deadline:
                return _Stopped(f"{exc} (gave up after {attempts} attempts)")
            yield f"{exc}: retry {attempts}/{TRANSIENT_RETRIES} in {delay:g} s"
            clock.sleep(delay)


# --- reading the builds ------------------------------------------------------------------


def read_current(output_dir: Path) -> Manifest:
    """The manifest of the build about to be deployed."""
    path = output_dir / MANIFEST_PATH
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StatusgenError(f"{path}: no build manifest (run statusgen build first)") from None
    except OSError as exc:
        raise StatusgenError(f"{path}: cannot read ({exc.strerror})") from None
    return _parse(data, str(path))


def read_previous(previous: str) -> tuple[Manifest | None, Ledger]:
    """The previous build's manifest (None: no previous build) and ledger (read-only)."""
    if _is_url(previous):
        base = previous if previous.endswith("/") else previous + "/"
        data = _fetch(base + MANIFEST_PATH)
        if data is None:
            return None, Ledger()
        manifest = _parse(data, base + MANIFEST_PATH)
        try:
            ledger_data = _fetch(base + LEDGER_PATH)
        except Unreachable as exc:
            # The site answered a moment ago: it is deployed, so a dry run
            # must not preview this as a first publish.
            raise StatusgenError(str(exc)) from None
        return manifest, _ledger(ledger_data, base + LEDGER_PATH)
    folder = Path(previous)
    if folder.exists() and not folder.is_dir():
        raise StatusgenError(f"{previous}: not a folder (pass a build's output folder or a URL)")
    path = folder / MANIFEST_PATH
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, Ledger()
    except OSError as exc:
        raise StatusgenError(f"{path}: cannot read ({exc.strerror})") from None
    ledger = Ledger.load(folder / LEDGER_PATH)
    ledger.path = None  # never write into the previous build
    return _parse(data, str(path)), ledger


def _fetch(url: str) -> bytes | None:
    """The file at `url`; None for 404 (not there); any other failure is an error."""
    try:
        response = requests.get(
            url,
            timeout=PREVIOUS_TIMEOUT,
            headers={"Cache-Control": "no-cache", "User-Agent": "statusgen-publish"},
        )
    except requests.Timeout:
        slow = f"no answer within {PREVIOUS_TIMEOUT:g} s"
        raise Unreachable(url, slow, slow) from None
    except requests.ConnectionError as exc:
        why = _why(exc)
        raise Unreachable(url, why, f"cannot connect ({why})") from None
    except requests.RequestException as exc:
        raise StatusgenError(f"{url}: cannot connect ({type(exc).__name__})") from None
    if response.status_code in (404, 410):
        return None
    if response.status_code != 200:
        raise StatusgenError(
            f"{url}: HTTP {response.status_code} {response.reason or ''}".rstrip()
            + " (cannot read the previous build)"
        )
    return response.content


def _why(exc: BaseException) -> str:
    """The root of a connection failure in words, else the exception's name.

    requests wraps urllib3's MaxRetryError, which wraps the socket error.
    """
    cause: BaseException | None = exc
    for _ in range(6):  # the chain is three or four links deep
        if isinstance(cause, socket.gaierror):
            return "host not found"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if cause is None:
            break
        nested = cause.args[0] if cause.args else None
        cause = (
            getattr(cause, "reason", None)
            or cause.__cause__
            or cause.__context__
            or (nested if isinstance(nested, BaseException) else None)
        )
    return type(exc).__name__


def _parse(data: bytes, where: str) -> Manifest:
    try:
        return Manifest.from_bytes(data)
    except StatusgenError as exc:
        raise StatusgenError(f"{where}: {exc}") from None


def _ledger(data: bytes | None, where: str) -> Ledger:
    if data is None:
        return Ledger()
    try:
        return Ledger.from_bytes(data)
    except StatusgenError as exc:
        raise StatusgenError(f"{where}: {exc}") from None


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%H:%M:%S UTC")


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
