"""The build, in two phases: read and validate everything, then write once.

load (config + content) -> validate -> derive status -> render every
output to ``{path: bytes}`` -> privacy guard -> atomic swap. Nothing is
written unless every earlier step succeeded, so a bad input leaves the
previous output as it was.

`render_site` is that pipeline as one pure function: the reference. `build`
and `check` run the same steps with the content-hash cache of `cache.py`
(``.statusgen-cache/`` in the site; ``cache=False`` turns it off) and, for a
large cold build, several processes (`parallel.py`): a file whose bytes did
not change is not parsed again, a page whose inputs did not change is not
rendered again, and the output tree is updated in place of a spare copy
(`output.sync_tree`) rather than rewritten. The bytes written are those of
`render_site`, which the tests hold them to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import markup, parallel, privacy
from .build_time import split_embargoed, time_problems
from .config import load_config
from .content import Parsed, Pending, load_content, parse_time
from .errors import Problem, ProblemsError, StatusgenError
from .manifest import LEDGER_PATH, MANIFEST_PATH, Before, Manifest, build_manifest, windows_of
from .model import EntryKind, NewsItem, Site, SiteConfig
from .output import (
    FileState,
    Planned,
    check_relative,
    guard_destination,
    merge,
    sync_tree,
    write_tree,
)
from .render.api import render_api
from .render.feeds import render_feeds
from .render.html import html_pages, render_html
from .render.ical import ICAL_PATH, render_ical
from .status import SiteStatus, derive

if TYPE_CHECKING:
    from .cache import Cache


@dataclass(frozen=True)
class BuildResult:
    output: Path
    files: int
    bytes: int
    warnings: tuple[Problem, ...]
    manifest_data: bytes = field(repr=False)
    """The manifest as written."""

    @cached_property
    def manifest(self) -> Manifest:
        """The manifest, read on first use: a site of 10,000 entries has as many
        records, and most callers (the CLI, ``serve``) never look at them."""
        return Manifest.from_bytes(self.manifest_data)


class Loaded(NamedTuple):
    site: Site
    """The entries readers may see at `now`: embargoed news left out."""
    problems: list[Problem]
    """Warnings and notes (errors raise instead)."""
    now: datetime
    """The build time, aware."""
    held_back: tuple[NewsItem, ...] = ()
    """News dated after `now`: neither built nor posted yet."""


def load_site(
    root: Path,
    *,
    now: str | datetime | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    cache: Cache | None = None,
    jobs: int | None = None,
) -> Loaded:
    """Config and content, validated against the build time `now` (``--now``
    text, a datetime, or None for the clock); raises `ProblemsError` when
    anything is wrong.

    With a `cache`, unchanged files are not parsed again; the files that are
    parsed are parsed on several cores when there are many (`jobs`, see
    `parallel.workers`). `base_url` replaces site.toml's.
    """
    config = load_config(root)
    if base_url is not None:  # site.toml's address is not the one this build links to
        kept = tuple(w for w in config.warnings if w.field != "base_url")
        config = replace(config, base_url=base_url, warnings=kept)
    when = now if isinstance(now, datetime) else parse_now(now, config)
    parse: Callable[[list[Pending]], list[Parsed]] | None = None
    if cache is not None:
        from .cache import ParseCache

        parse = partial(ParseCache(cache, config), jobs=jobs)
    elif jobs != 1:
        parse = partial(_parse_uncached, config, jobs=jobs)
    site, problems = load_content(config, drafts=drafts, parse=parse)
    problems = [*config.warnings, *problems, *time_problems(site, when)]
    site, held_back = split_embargoed(site, when)
    problems += _publish_problems(site)
    if any(p.is_error for p in problems):
        raise ProblemsError(problems)
    return Loaded(site, problems, when, held_back)


@dataclass(frozen=True)
class CheckResult:
    problems: list[Problem]
    """Every problem, sorted; errors, warnings and notes."""
    site: Site | None
    """What was checked (drafts included); None when errors stopped the load."""
    now: datetime | None
    """The build time the rules were checked against; None with `site`."""
    held_back: tuple[NewsItem, ...] = ()
    """News dated after `now`, which `site` leaves out."""


def check(
    root: Path,
    *,
    drafts: bool = True,
    now: str | datetime | None = None,
    cache: bool | None = None,
    jobs: int | None = None,
) -> list[Problem]:
    """Every problem a build at `now` would meet, including the privacy rules
    on every output (see `check_site`)."""
    return check_site(root, drafts=drafts, now=now, cache=cache, jobs=jobs).problems


def check_site(
    root: Path,
    *,
    drafts: bool = True,
    now: str | datetime | None = None,
    cache: bool | None = None,
    jobs: int | None = None,
) -> CheckResult:
    """Every problem a build at `now` would meet, and what was checked.

    Drafts are checked too: a draft is where a mistake is cheapest to fix.
    With the cache, a page that the last build of the site's output folder
    wrote and checked under the same key is not rendered or checked again.
    """
    store = _open_cache(root, cache)
    with _markup_store(store):
        try:
            site, problems, when, held_back = load_site(
                root, now=now, drafts=drafts, cache=store, jobs=jobs
            )
        except ProblemsError as exc:
            _save(store)
            return CheckResult(exc.problems, None, None)
        if store is None:
            files, _ = render_site(site, when, previous=None)
            found = sorted(problems + privacy.check_outputs(site, files))
            return CheckResult(found, site, when, held_back)
        from .cache import OutputIndex, rules_digest

        index = OutputIndex(store, site.config.output_dir.absolute())
        live = index.load()[0] or {}
        facts = index.load_facts()
        plan = _plan(site, derive(site, when), store, {}, jobs, live, facts)
        _save(store, site)
        checked = live if facts.get("rules") == rules_digest(site.config) else {}
        found = sorted(problems + privacy.check_outputs(site, plan.unchecked(checked)))
        return CheckResult(found, site, when, held_back)


def parse_now(text: str | None, config: SiteConfig) -> datetime:
    """`--now` in the site's zone, or the current time."""
    if text is None:
        return datetime.now(UTC).astimezone(config.timezone)
    try:
        when, _ = parse_time(text, config.timezone)
    except ValueError as exc:
        raise StatusgenError(f"--now: {exc}") from None
    return when


def render_site(
    site: Site, now: datetime, previous: Manifest | None
) -> tuple[dict[str, bytes], Manifest]:
    """Every output file of the site at `now`; pure."""
    status: SiteStatus = derive(site, now)
    manifest = build_manifest(site, status, previous)
    files = merge(
        render_html(site, status),
        render_feeds(site, status),
        render_ical(site, status, _sequences(manifest)),
        render_api(site, status),
        {MANIFEST_PATH: manifest.to_bytes()},
        # Branch-deployed GitHub Pages runs Jekyll, which drops _statusgen/.
        {".nojekyll": b""},
    )
    return files, manifest


def build(
    root: Path,
    *,
    output: Path | None = None,
    now: str | datetime | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    cache: bool | None = None,
    jobs: int | None = None,
) -> BuildResult:
    """Build the site in `root` into its output folder; return what was written.

    `base_url` replaces site.toml's (``statusgen serve`` builds for its own address).
    `cache` keeps parsed files, Markdown and the output index in
    ``.statusgen-cache/`` (see `cache.py`): True or False to force it on or off,
    None to use it once the site is large enough to gain from it
    (`cache.worth_caching`). `jobs` caps the processes of a large cold build
    (None: every core when it pays; 1: serial).
    """
    store = _open_cache(root, cache)
    with _markup_store(store):
        try:
            site, warnings, when, _ = load_site(
                root, now=now, drafts=drafts, base_url=base_url, cache=store, jobs=jobs
            )
        except ProblemsError:
            _save(store)  # what was parsed stays parsed, problems included
            raise
        config = site.config
        dest = (output if output is not None else config.output_dir).absolute()
        guard_destination(dest, root)
        if store is None:
            return _build_uncached(site, warnings, dest, when, jobs)
        return _build_cached(site, warnings, dest, when, store, jobs)


def _build_uncached(
    site: Site, warnings: list[Problem], dest: Path, when: datetime, jobs: int | None
) -> BuildResult:
    previous = _read_previous(dest)
    if jobs == 1 or parallel.workers(jobs, _page_count(site), parallel.MIN_PAGES) == 1:
        files, manifest = render_site(site, when, previous)
        manifest_data = manifest.to_bytes()
    else:
        plan = _plan(site, derive(site, when), None, windows_of(previous), jobs)
        files = {path: plan.data(path) for path in plan.planned}
        manifest_data = files[MANIFEST_PATH]
    problems = privacy.check_outputs(site, files)
    if problems:
        raise ProblemsError(problems)
    ledger = dest / LEDGER_PATH
    if ledger.is_file():
        # The post ledger belongs to publish; carry it into the new tree.
        files[LEDGER_PATH] = ledger.read_bytes()
    write_tree(files, dest, previous=dest)
    return BuildResult(
        output=dest,
        files=len(files),
        bytes=sum(len(b) for b in files.values()),
        warnings=tuple(warnings),
        manifest_data=manifest_data,
    )


def _build_cached(
    site: Site,
    warnings: list[Problem],
    dest: Path,
    when: datetime,
    store: Cache,
    jobs: int | None,
) -> BuildResult:
    from .cache import OutputIndex, rules_digest, spare_path

    index = OutputIndex(store, dest)
    facts = index.load_facts()
    live = index.load()[0] or {}
    rules = rules_digest(site.config)
    windows = _known_windows(dest, live, facts)
    if windows is None:
        windows = windows_of(_read_previous(dest))
    plan = _plan(site, derive(site, when), store, windows, jobs, live, facts)
    # Outputs the live tree holds with the same bytes, checked under the same
    # rules, cannot match now either: only the others are searched.
    same_rules = facts.get("rules") == rules
    problems = privacy.check_outputs(site, plan.unchecked(live if same_rules else {}))
    if problems:
        _save(store, site)
        raise ProblemsError(problems)
    ledger = dest / LEDGER_PATH
    if ledger.is_file():
        plan.add(LEDGER_PATH, ledger.read_bytes())
    index.facts = {
        "context": plan.context,
        "rules": rules,
        "windows": plan.windows,
        "manifest": plan.planned[MANIFEST_PATH].digest,
    }
    sync_tree(plan.planned, dest, spare_path(store, dest), index, plan.produce)
    _save(store, site)
    return BuildResult(
        output=dest,
        files=len(plan.planned),
        bytes=sum(p.size for p in plan.planned.values()),
        warnings=tuple(warnings),
        manifest_data=plan.data(MANIFEST_PATH),
    )


# --- planning a cached build ----------------------------------------------------------


class _Plan:
    """Every output of a build, in `render_site`'s order: rendered bytes, or for a
    page whose key the live tree's index knows, the promise that it holds them."""

    def __init__(self) -> None:
        self.planned: dict[str, Planned] = {}
        self.renders: dict[str, Callable[[], bytes]] = {}
        self.windows: dict[str, Before] = {}
        """The manifest's windows, for the next build's iCalendar sequences."""
        self.context = ""
        """The site-wide inputs every key assumes (`cache.site_digest`)."""

    def reserve(self, path: str) -> None:
        """Claim `path`, refusing two writers for one path (as `output.merge`)."""
        if path in self.planned:
            raise StatusgenError(f"two outputs for {path!r} (an id used twice?)")
        self.planned[check_relative(path)] = _PENDING

    def add(self, path: str, data: bytes, key: str = "") -> None:
        if self.planned.get(path) is not _PENDING:
            self.reserve(path)
        self.planned[path] = Planned(hashlib.sha256(data).hexdigest(), len(data), data, key)

    def keep(self, path: str, state: FileState, render: Callable[[], bytes]) -> None:
        self.reserve(path)
        self.planned[path] = Planned(state.digest, state.size, None, state.key)
        self.renders[path] = render

    def data(self, path: str) -> bytes:
        planned = self.planned[path]
        return planned.data if planned.data is not None else self.produce(path)

    def produce(self, path: str) -> bytes:
        """A kept page's bytes, should its file in the live tree turn out to have
        changed: rendered again, and refused unless they are what the index said."""
        data = self.renders[path]()
        if hashlib.sha256(data).hexdigest() != self.planned[path].digest:
            raise StatusgenError(
                f"{path}: the build cache does not match this statusgen "
                "(delete .statusgen-cache/ and build again)"
            )
        return data

    def unchecked(self, checked: dict[str, FileState] | None = None) -> dict[str, bytes]:
        """The rendered outputs, less those that `checked` holds with the same bytes."""
        checked = checked or {}
        out: dict[str, bytes] = {}
        for path, planned in self.planned.items():
            if planned.data is None:
                continue
            known = checked.get(path)
            if known is not None and known.digest == planned.digest:
                continue
            out[path] = planned.data
        return out


_PENDING = Planned("", 0, None)


def _plan(
    site: Site,
    status: SiteStatus,
    store: Cache | None,
    windows: dict[str, Before],
    jobs: int | None,
    live: dict[str, FileState] | None = None,
    facts: dict[str, object] | None = None,
) -> _Plan:
    """Render every output the live tree does not already hold.

    `live` is the live tree's index and `facts` what was saved with it: a page
    is kept when its key there is the key it has now and the site-wide inputs
    (configuration, theme, code: `cache.site_digest`) are those of that build.
    """
    from .cache import manifest_file, site_digest

    plan = _Plan()
    plan.context = site_digest(store, site.config) if store is not None else ""
    if store is None or (facts or {}).get("context") != plan.context:
        live = {}
    live = live or {}
    fresh = []
    for page in html_pages(site, status):
        key = _key(page.key) if store is not None and page.key is not None else ""
        state = live.get(page.path)
        if key and state is not None and state.key == key:
            plan.keep(page.path, state, page.render)
        else:
            plan.reserve(page.path)
            fresh.append((page.path, key, page.render))
    rendered = parallel.render_pages([render for _, _, render in fresh], jobs)
    for (path, key, _), data in zip(fresh, rendered, strict=True):
        plan.add(path, data, key)
    for path, data in render_feeds(site, status).items():
        plan.add(path, data)
    store_of = store.manifest if store is not None else None
    manifest, sequences, plan.windows = manifest_file(site, status, windows, store_of)
    # The calendar shows every window, never the build time: kept while no window,
    # no SEQUENCE and nothing site-wide changed (icalendar is slow to write).
    shown = [(w.id, w.source.digest, sequences.get(w.id, 0)) for w in site.maintenances]
    ical_key = ""
    if store is not None and all(digest for _, digest, _ in shown):
        ical_key = _key(("ical", shown))
    state = live.get(ICAL_PATH)
    render = partial(_only, ICAL_PATH, partial(render_ical, site, status, sequences))
    if ical_key and state is not None and state.key == ical_key:
        plan.keep(ICAL_PATH, state, render)
    else:
        plan.add(ICAL_PATH, render(), ical_key)
    for path, data in render_api(site, status).items():
        plan.add(path, data)
    plan.add(MANIFEST_PATH, manifest)
    # Branch-deployed GitHub Pages runs Jekyll, which drops _statusgen/.
    plan.add(".nojekyll", b"")
    return plan


def _key(parts: object) -> str:
    """A page key as kept in the output index: its text, or a digest of a long one."""
    text = repr(parts)
    return text if len(text) <= 200 else hashlib.sha256(text.encode()).hexdigest()


def _only(path: str, render: Callable[[], dict[str, bytes]]) -> bytes:
    """The one file a renderer of one file returns."""
    files = render()
    if list(files) != [path]:  # pragma: no cover - the renderer changed: fail loudly
        raise StatusgenError(f"expected only {path}, got {sorted(files)}")
    return files[path]


def _known_windows(
    dest: Path, live: dict[str, FileState], facts: dict[str, object]
) -> dict[str, Before] | None:
    """The live manifest's windows as the index recorded them, if that manifest is
    still the file the index describes; None means: read the manifest."""
    from .output import same_file

    state = live.get(MANIFEST_PATH)
    windows = facts.get("windows")
    if (
        state is None
        or not isinstance(windows, dict)
        or facts.get("manifest") != state.digest
        or not same_file(dest / MANIFEST_PATH, state)
    ):
        return None
    return windows


def _open_cache(root: Path, wanted: bool | None) -> Cache | None:
    """The site's cache: always with True, never with False; with None (the default),
    when the site has one already or is large enough to gain from one."""
    if wanted is False:
        return None
    from .cache import Cache, worth_caching

    if wanted is None and not worth_caching(root):
        return None
    return Cache.of(root)


@contextmanager
def _markup_store(store: Cache | None) -> Iterator[None]:
    """Markdown and compiled templates through the cache (or, without one, Markdown
    through a memo for this build only)."""
    from .cache import MemoryMarkup
    from .render import html

    markup.use_store(store.markup if store is not None else MemoryMarkup())
    html.use_bytecode_cache(store.folder / "templates" if store is not None else None)
    try:
        yield
    finally:
        markup.use_store(None)
        html.use_bytecode_cache(None)


def _save(store: Cache | None, site: Site | None = None) -> None:
    """Keep what this build learnt; texts no entry holds any more are dropped."""
    if store is None:
        return
    if site is not None:
        store.markup.retain(_texts(site))
    store.save()


def _texts(site: Site) -> Iterator[str]:
    for entry in (*site.incidents, *site.maintenances, *site.news):
        yield from parallel.texts(entry)


def _parse_uncached(
    config: SiteConfig, pending: list[Pending], *, jobs: int | None
) -> list[Parsed]:
    """Parse on several cores when there are many files, keeping their Markdown."""
    from .cache import parsed_from_plain
    from .content import parse_entry

    if parallel.workers(jobs, len(pending), parallel.MIN_FILES) == 1:
        return [parse_entry(rel_path, data, config, folder) for rel_path, data, folder in pending]
    out: list[Parsed] = []
    for item, (plain, rendered) in zip(
        pending, parallel.parse_files(config, pending, jobs), strict=True
    ):
        parsed = None if plain is None else parsed_from_plain(plain)
        out.append(parsed if parsed is not None else parse_entry(item[0], item[1], config, item[2]))
        for text, html in rendered:
            markup.remember(text, html)
    return out


def _page_count(site: Site) -> int:
    return len(site.incidents) + len(site.maintenances) + len(site.news)


def _sequences(manifest: Manifest) -> dict[str, int]:
    return {e.id: e.sequence for e in manifest.entries if e.kind is EntryKind.MAINTENANCE}


def _read_previous(dest: Path) -> Manifest | None:
    path = dest / MANIFEST_PATH
    if not path.is_file():
        return None
    try:
        return Manifest.from_bytes(path.read_bytes())
    except StatusgenError:
        # A corrupt old manifest only costs the iCalendar sequence history.
        return None


def _publish_problems(site: Site) -> list[Problem]:
    """Post texts and templates that publish would refuse, found before any build."""
    config = site.config
    entries = (*site.incidents, *site.maintenances, *site.news)
    if not (config.publish.templates or any(e.post_text for e in entries)):
        return []
    # Imported here: twitter-text and requests add most of a second to start-up,
    # and only sites that post need them.
    from .publish.compose import post_text_problems, template_problems

    return post_text_problems(site) + template_problems(config)
