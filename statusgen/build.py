"""The build, in two phases: read and validate everything, then write once.

load (config + content) -> validate -> Markdown -> derive status -> render
every output to ``{path: bytes}``, with the files of ``static_root/`` ->
privacy guard -> atomic swap. Nothing is written unless every earlier step
succeeded, so a bad input leaves the previous output as it was.

There is one pipeline. Each dear step is a pure function wrapped in a memo
(`memo.Memo`) and mapped over what the memo lacks by a `pool.Pool`
(`stages.py`). The cache and the cores only change what the pipeline is
handed: ``cache=False`` (or a small site) hands it a memo in memory for
this build, a cached build the one kept in ``.statusgen-cache/``
(`cache.Cache`); ``jobs=1`` a pool that maps in this process, else one that
forks when the work is large. With a kept memo, a file whose bytes did not
change is not parsed again, a page whose inputs did not change is not
rendered again (the output index, `cache.OutputIndex`), and the output tree
is updated in place of a spare copy rather than rewritten; without one, the
tree is staged afresh. Either way `output.write_tree` writes it.
`render_site` is the pipeline with an empty memo and a serial pool, as a
pure function; `tests/test_golden.py` holds every way of building to the
same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from . import keys, markup, privacy, stages, unchanged
from .build_time import parse_now, split_embargoed, time_problems
from .config import load_config
from .errors import Problem, ProblemsError, StatusgenError
from .i18n.problems import language_problems
from .i18n.strings import strings_for
from .manifest import LEDGER_PATH, MANIFEST_PATH, Before, Manifest, windows_of
from .memo import Memo
from .model import NewsItem, Site, SiteConfig
from .output import FileState, Planned, check_relative, guard_destination, write_tree
from .pool import Pool
from .render.api import render_api
from .render.badges import render_badges
from .render.editions import edition_files, edition_pages, other_editions
from .render.feeds import render_feeds
from .render.html import html_pages
from .render.ical import ICAL_PATH, calendar_deps, render_ical
from .site_files import root_files
from .source import Parsed, Pending, load_content
from .status import SiteStatus, derive

if TYPE_CHECKING:
    from .cache import OutputIndex, Session


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
    cache: Memo | None = None,
    jobs: int | None = None,
    pool: Pool | None = None,
) -> Loaded:
    """Config and content, validated against the build time `now` (``--now``
    text, a datetime, or None for the clock); raises `ProblemsError` when
    anything is wrong.

    `cache` is the build's memo (None: one in memory): a file it holds is not
    parsed again, and the Markdown of the files that are parsed is converted
    into it. The files parsed are parsed, and their Markdown converted, by
    `pool` (None: a `Pool` of `jobs` processes). `base_url` replaces site.toml's.
    """
    config = load_config(root, base_url)
    when = now if isinstance(now, datetime) else parse_now(now, config)
    memo = cache if cache is not None else Memo()
    pool = pool if pool is not None else Pool(jobs)
    fresh: list[stages.Entry] = []

    def parse(pending: list[Pending]) -> list[Parsed]:
        found = stages.parse_all(config, pending, memo, pool)
        fresh.extend(found.fresh)
        return found.parsed

    site, problems = load_content(config, drafts=drafts, parse=parse)
    stages.convert_texts((e for e in fresh if drafts or not e.draft), memo, pool)
    problems = [*config.warnings, *language_problems(config), *problems, *time_problems(site, when)]
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
    memo = _open_memo(root, cache)
    pool = Pool(jobs)
    with markup.converting(memo.markup):
        try:
            site, problems, when, held_back = load_site(
                root, now=now, drafts=drafts, cache=memo, pool=pool
            )
        except ProblemsError as exc:
            _save(memo)
            return CheckResult(exc.problems, None, None)
        ledger = _carried_ledger(site, site.config.output_dir.absolute(), when)
        index = _index(memo, site.config.output_dir.absolute())
        live, facts = _live(index)
        plan = _plan(site, derive(site, when), memo, {}, pool, live, facts)
        _save(memo, site)
        checked = live if facts.get("rules") == _rules(site.config) else {}
        found = privacy.check_outputs(site, {**plan.unchecked(checked), **ledger})
        found += _post_problems(site, plan, memo, found)
        found = sorted(problems + found + _renamed(site, when))
        return CheckResult(found, site, when, held_back)


def render_site(
    site: Site, now: datetime, previous: Manifest | None
) -> tuple[dict[str, bytes], Manifest]:
    """Every output file of the site at `now`; pure: the pipeline with an empty
    memo and a serial pool."""
    memo = Memo()
    with markup.converting(memo.markup):
        plan = _plan(site, derive(site, now), memo, windows_of(previous), Pool(1), {}, {})
        files = {path: plan.data(path) for path in plan.planned}
    return files, Manifest.from_bytes(files[MANIFEST_PATH])


def build(
    root: Path,
    *,
    output: Path | None = None,
    now: str | datetime | None = None,
    drafts: bool = False,
    base_url: str | None = None,
    cache: bool | None = None,
    jobs: int | None = None,
    session: Session | None = None,
    windows: Mapping[str, Before] | None = None,
) -> BuildResult:
    """Build the site in `root` into its output folder; return what was written.

    `base_url` replaces site.toml's (``statusgen serve`` builds for its own address).
    `cache` keeps parsed files, Markdown and the output index in
    ``.statusgen-cache/`` (see `cache.py`): True or False to force it on or off,
    None to use it once the site is large enough to gain from it
    (`cache.worth_caching`). `jobs` caps the processes of a large cold build
    (None: every core when it pays; 1: serial). A `cache.Session` (``serve``'s)
    keeps the cache open, with what it loaded, for the next build of its process.
    `windows` are the previous build's maintenance windows (`manifest.windows_of`,
    ``build --previous``): their SEQUENCE and moves carry on from there; None
    takes them from the manifest the output folder holds.
    """
    memo = _open_memo(root, cache, session)
    # Nothing this build reads changed since the last: its result stands (`unchanged`).
    found, key = unchanged.last_build(memo, root, output, now, drafts, base_url, windows)
    if found is not None:
        return BuildResult(*found)
    pool = Pool(jobs)
    with markup.converting(memo.markup):
        try:
            site, warnings, when, _ = load_site(
                root, now=now, drafts=drafts, base_url=base_url, cache=memo, pool=pool
            )
        except ProblemsError:
            _save(memo)  # what was parsed stays parsed, problems included
            raise
        dest = (output if output is not None else site.config.output_dir).absolute()
        guard_destination(dest, root)
        return _write(site, warnings, dest, when, memo, pool, windows, key)


def _write(
    site: Site,
    warnings: list[Problem],
    dest: Path,
    when: datetime,
    memo: Memo,
    pool: Pool,
    previous: Mapping[str, Before] | None = None,
    key: str | None = None,
) -> BuildResult:
    """Plan every output, check it, and make `dest` hold it; `key` is the whole
    build's (`keys.build_key`), recorded with the output index for the next."""
    index = _index(memo, dest)
    live, facts = _live(index)
    windows = stages.previous_windows(dest, live, facts) if previous is None else dict(previous)
    plan = _plan(site, derive(site, when), memo, windows, pool, live, facts)
    # Outputs the live tree holds with the same bytes, checked under the same
    # rules, cannot match now either: only the others are searched.
    rules = _rules(site.config)
    # The post ledger belongs to publish; it is carried into the new tree, pruned.
    ledger = _carried_ledger(site, dest, when)
    same_rules = facts.get("rules") == rules
    problems = privacy.check_outputs(site, {**plan.unchecked(live if same_rules else {}), **ledger})
    problems += _post_problems(site, plan, memo, problems)
    if problems:
        _save(memo, site)
        raise ProblemsError(problems)
    for path, data in ledger.items():
        plan.add(path, data)
    spare = None
    if index is not None:
        from .cache import spare_path

        index.facts = {
            "context": plan.context,
            "rules": rules,
            "windows": plan.windows,
            "manifest": plan.planned[MANIFEST_PATH].digest,
        }
        spare = spare_path(index.cache, dest)
    result = BuildResult(
        output=dest,
        files=len(plan.planned),
        bytes=sum(p.size for p in plan.planned.values()),
        warnings=tuple(warnings),
        manifest_data=plan.data(MANIFEST_PATH),
    )
    if index is not None and key is not None:
        unchanged.record(index, key, result.files, result.bytes, warnings)
    write_tree(plan.planned, dest, spare=spare, index=index, produce=plan.produce)
    _save(memo, site)
    return result


def _index(memo: Memo, dest: Path) -> OutputIndex | None:
    """The output index of `dest`, kept with a memo that outlives its build; None
    (a build that writes the tree afresh) for a memo in memory."""
    from .cache import Cache, OutputIndex

    return OutputIndex(memo, dest) if isinstance(memo, Cache) else None


def _live(index: OutputIndex | None) -> tuple[dict[str, FileState], dict[str, object]]:
    """The live tree's files and the facts kept with them, as the index knows them."""
    if index is None:
        return {}, {}
    return index.load()[0] or {}, index.load_facts()


def _rules(config: SiteConfig) -> str:
    return keys.rules_digest(config)


# --- planning a build ----------------------------------------------------------------


class _Plan:
    """Every output of a build, in `render_site`'s order: rendered bytes, or for a
    page whose key the live tree's index knows, the promise that it holds them."""

    def __init__(self) -> None:
        self.planned: dict[str, Planned] = {}
        self.renders: dict[str, Callable[[], bytes]] = {}
        self.windows: dict[str, Before] = {}
        """The manifest's windows, for the next build's iCalendar sequences."""
        self.context = ""
        """The site-wide inputs every key assumes (`keys.site_digest`)."""
        self.manifest: stages.ManifestFile | None = None

    def reserve(self, path: str) -> None:
        """Claim `path`, refusing two writers for one path and one outside the folder."""
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
    memo: Memo,
    windows: dict[str, Before],
    pool: Pool,
    live: dict[str, FileState],
    facts: dict[str, object],
) -> _Plan:
    """Render every output the live tree does not already hold.

    `live` is the live tree's index and `facts` what was saved with it: a page
    is kept when its key there is the key it has now and the site-wide inputs
    (configuration, theme, code: `keys.site_digest`) are those of that build.
    Keys are only made for a memo that outlives the build (one in memory has
    no index to compare them with).
    """
    from .cache import Cache

    plan = _Plan()
    keyed = isinstance(memo, Cache)
    plan.context = (
        keys.site_digest(memo.environment, site.config) if isinstance(memo, Cache) else ""
    )
    if not keyed or facts.get("context") != plan.context:
        live = {}
    fresh = []
    bytecode = memo.folder / "templates" if memo.folder is not None else None
    # One language for every output of an edition: pages, feeds, calendar, badges.
    strings = strings_for(site.config)
    localised = list(other_editions(site, status))  # a bilingual site's other languages
    pages = html_pages(site, status, bytecode=bytecode, strings=strings)
    pages += [page for local in localised for page in edition_pages(local, site, bytecode)]
    for page in pages:
        key = keys.output_key(page.key) if keyed else ""
        state = live.get(page.path)
        if key and state is not None and state.key == key:
            plan.keep(page.path, state, page.render)
        else:
            plan.reserve(page.path)
            fresh.append((page.path, key, page.render))
    renders = [render for _, _, render in fresh]
    rendered = pool.map(stages.call, renders, minimum=stages.MIN_PAGES)
    for (path, key, _), data in zip(fresh, rendered, strict=True):
        plan.add(path, data, key)
    plan.manifest = stages.manifest_file(site, status, windows, memo.manifest)
    manifest, sequences, plan.windows = plan.manifest[:3]
    # The feeds tell each move of a window, which only the manifest's history holds.
    moves = {ref.rpartition("/")[2]: w[5] for ref, w in plan.windows.items() if w[5]}
    for path, data in render_feeds(site, status, moves, strings).items():
        plan.add(path, data)
    # The calendar shows every window, never the build time: kept while no window,
    # no SEQUENCE and nothing site-wide changed (icalendar is slow to write).
    ical_key = keys.output_key(calendar_deps(site, sequences)) if keyed else ""
    state = live.get(ICAL_PATH)
    render = partial(_only, ICAL_PATH, partial(render_ical, site, status, sequences, strings))
    if ical_key and state is not None and state.key == ical_key:
        plan.keep(ICAL_PATH, state, render)
    else:
        plan.add(ICAL_PATH, render(), ical_key)
    badges = render_badges(site, status, strings)
    for path, data in (*render_api(site, status).items(), *badges.items()):
        plan.add(path, data)
    for local in localised:
        for path, data in edition_files(local, moves, sequences).items():
            plan.add(path, data)
    plan.add(MANIFEST_PATH, manifest)
    # Branch-deployed GitHub Pages runs Jekyll, which drops _statusgen/.
    plan.add(".nojekyll", b"")
    for path, data in root_files(site.config.root, plan.planned).items():
        plan.add(path, data)
    return plan


def _only(path: str, render: Callable[[], dict[str, bytes]]) -> bytes:
    """The one file a renderer of one file returns."""
    files = render()
    if list(files) != [path]:  # pragma: no cover - the renderer changed: fail loudly
        raise StatusgenError(f"expected only {path}, got {sorted(files)}")
    return files[path]


def _open_memo(root: Path, wanted: bool | None, session: Session | None = None) -> Memo:
    """The site's cache: always with True, never with False (a memo in memory for
    this build); with None (the default), when the site has one already or is
    large enough to gain from one. Kept open in `session`, if given."""
    if wanted is False:
        return Memo()
    from .cache import Cache, worth_caching

    if wanted is None and not worth_caching(root):
        return Memo()
    return session.cache(root) if session is not None else Cache(root)


def _save(memo: Memo, site: Site | None = None) -> None:
    """Keep what this build learnt; texts no entry holds any more are dropped."""
    if memo.folder is None:
        return
    if site is not None:
        stages.retain_texts(site, memo)
    memo.save()


def _publish_problems(site: Site) -> list[Problem]:
    """Post texts and templates that publish would refuse, found before any build."""
    config = site.config
    entries = (*site.incidents, *site.maintenances, *site.news)
    publish = config.publish
    own = (publish.mastodon, publish.bluesky, publish.email, *publish.webhooks)
    templates = publish.templates or any(t.templates for t in own)
    if not (templates or any(e.post_text for e in entries)):
        return []
    # Imported here: twitter-text and requests add most of a second to start-up,
    # and only sites that post need them.
    from .publish.channels import publish_problems

    return publish_problems(site)


def _renamed(site: Site, when: datetime) -> list[Problem]:
    """Entries renamed after they were posted (only where the output folder
    holds a ledger: the last build's manifest and ledger are the comparison)."""
    output = site.config.output_dir
    if not (output / LEDGER_PATH).is_file():
        return []
    from .publish.renames import rename_warnings

    return rename_warnings(site, output, when)


def _carried_ledger(site: Site, dest: Path, now: datetime) -> dict[str, bytes]:
    """The post ledger of the output folder, pruned (`ledger.prune`), to carry into
    the new tree: it belongs to publish, but it is published, so the privacy guard
    searches it with the rest. One that cannot be read goes as it is (publish
    reports it: guessing at it could post twice)."""
    path = dest / LEDGER_PATH
    if not path.is_file():
        return {}
    # Imported only for a ledger: the publish package brings twitter-text (most of a
    # second of start-up), which a site that never published has no use for.
    from .publish.ledger import Ledger, prune
    from .urls import entry_path

    data = path.read_bytes()
    try:
        ledger = Ledger.from_bytes(data)
    except StatusgenError:
        return {LEDGER_PATH: data}
    entries = {entry_path(e).rstrip("/") for e in (*site.incidents, *site.maintenances, *site.news)}
    return {LEDGER_PATH: prune(ledger, entries, now, site.config).to_bytes()}


def _post_problems(site: Site, plan: _Plan, memo: Memo, reported: list[Problem]) -> list[Problem]:
    """The privacy refusals of every post publish can foresee from this build
    (`stages.foreseen_problems`), whether or not a target is on today: a site
    switches posting on long after its templates and entries were written.

    A refusal at a place the output guard `reported` already (an entry's title,
    a message: every field a post quotes is on a page too) is left out, so one
    mistake is one line; what is new is mostly the templates, on no page."""
    if plan.manifest is None:  # pragma: no cover - every plan makes the manifest
        return []
    places = {(p.path, p.line, p.field) for p in reported}
    found = stages.foreseen_problems(site, plan.manifest, memo)
    return [p for p in found if (p.path, p.line, p.field) not in places]
