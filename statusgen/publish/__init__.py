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

Every enabled target (`channels`: X, Mastodon, Bluesky, the webhooks, e-mail)
goes through steps 2-4 on its own (`target_run`): its events (its ``events``
filter), its posts (its templates, limit and counting), its pending and
refused records and its failures, so one target failing never stops the
next; the `PublishError` at the end names each target that left something.
With more than one target, each line starts with the target's label.

Nothing here prints: the generator yields one line per action and the CLI
prints them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..atomic import write_atomic
from ..errors import StatusgenError
from ..manifest import LEDGER_PATH, MANIFEST_PATH, Manifest
from ..model import SiteConfig
from .channels import Channel, channels
from .diff import legacy_keys
from .ledger import Ledger, prune
from .previous import Unreachable, is_url, read_current, read_previous, same_folder
from .renames import as_renamed, redirect_pages, renames
from .send import Clock, SystemClock
from .state import LEDGER_COPY_NAME, STATE_DIR, publish_lock
from .target_run import Run, count_posts, mask, run_target
from .targets import Target


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
    targets: Mapping[str, Target] | Iterable[Target] = (),
    clock: Clock | None = None,
    retry: Sequence[str] = (),
    state_dir: Path | None = None,
) -> Iterator[str]:
    """Post the changes between the build in `output_dir` and `previous`; yield progress lines.

    `previous` is a folder or an http(s) URL (the live site's base URL).
    `dry_run` composes every post and yields it exactly as it would be
    sent, and sends and writes nothing. Every enabled target (`channels`)
    gets its own events, posts and ledger records, one after the other; one
    failing never stops the next. `env` holds the targets' secrets (default:
    the process environment); `target` replaces X, and `targets` (by ledger
    name, or a list of targets named so) replace any (tests). `retry` names
    refused events to send again (``--retry``), on every target that refused
    them. `state_dir` holds the lock and the ledger's local copy (default:
    the site's ``.statusgen-cache/``). Raises `StatusgenError` when the builds
    cannot be read and `PublishError` at the end when any target left a post
    unsent or refused, naming the targets.
    """
    clock = clock or SystemClock()
    state = state_dir if state_dir is not None else config.root / STATE_DIR
    fakes = dict(targets) if isinstance(targets, Mapping) else {t.name: t for t in targets}
    if target is not None:
        fakes["x"] = target
    chosen = channels(config)
    if not chosen:
        if not dry_run:
            yield "publish.x.enabled is false: nothing to post"
            if (output_dir / MANIFEST_PATH).exists():
                with publish_lock(state, clock):
                    yield from _carry_forward(config, output_dir, previous, state)
            return
        yield "publish.x.enabled is false: showing what would be posted once it is on"
        chosen = channels(config, everything=True)[:1]  # X, as it would post

    current = read_current(output_dir)
    if not is_url(previous) and same_folder(Path(previous), output_dir):
        raise StatusgenError(
            f"--previous {previous} is the output folder itself: nothing can be new "
            "(pass the last deployed build's folder or URL)"
        )
    lock = contextlib.nullcontext() if dry_run else publish_lock(state, clock)
    with lock:
        yield from _run(
            config, current, output_dir, previous, state, dry_run, env, chosen, fakes, clock, retry
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
            f"kept the post ledger ({count_posts(len(ledger.posts))} recorded, "
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
    chosen: Sequence[Channel],
    fakes: Mapping[str, Target],
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
                f"{count_posts(len(ledger.posts))} and {len(ledger.pending)} pending: not a first "
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
    env = os.environ if env is None else env
    shared = Run(
        config,
        before,
        current,
        ledger,
        clock,
        now,
        oldest,
        frozenset(retried),
        dry_run,
        _secrets(chosen, env),
    )
    # One target alone keeps the lines it always had; with more, each line
    # says whose it is.
    labelled = len(chosen) > 1 or (chosen and chosen[0].kind != "x")
    failed: list[tuple[str, str]] = []
    for channel in chosen:
        prefix = f"{channel.label}: " if labelled else ""
        injected = fakes.get(channel.name)
        failures = yield from _prefixed(run_target(shared, channel, injected, env), prefix, shared)
        failed += [(channel.label, mask(f, shared.secrets)) for f in failures]
    if failed:
        if not labelled:
            raise PublishError("; ".join(f for _, f in failed))
        raise PublishError("; ".join(f"{label}: {f}" for label, f in failed))


def _secrets(chosen: Sequence[Channel], env: Mapping[str, str]) -> tuple[str, ...]:
    """The values of every enabled target's secrets, to mask in every line and
    ledger reason: a service may quote a credential back, and the ledger is
    deployed. Very short values are left alone (masking "a" would garble)."""
    names = {name for channel in chosen for name in channel.secret_names()}
    values = {env.get(name, "").strip() for name in names}
    return tuple(sorted((v for v in values if len(v) >= 4), key=len, reverse=True))


def _prefixed(
    lines: Generator[str, None, list[str]], prefix: str, run: Run
) -> Generator[str, None, list[str]]:
    while True:
        try:
            line = next(lines)
        except StopIteration as stop:
            return list(stop.value)
        yield prefix + mask(line, run.secrets)


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


__all__ = [
    "Clock",
    "PublishError",
    "SystemClock",
    "Unreachable",
    "read_current",
    "read_previous",
    "run_publish",
]
