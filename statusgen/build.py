"""The build, in two phases: read and validate everything, then write once.

load (config + content) -> validate -> derive status -> render every
output to ``{path: bytes}`` -> privacy guard -> atomic swap. Nothing is
written unless every earlier step succeeded, so a bad input leaves the
previous output as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from . import privacy
from .config import load_config
from .content import load_content, parse_time
from .errors import Problem, ProblemsError, StatusgenError
from .manifest import LEDGER_PATH, MANIFEST_PATH, Manifest, build_manifest
from .model import EntryKind, Site, SiteConfig
from .output import guard_destination, merge, write_tree
from .render.api import render_api
from .render.feeds import render_feeds
from .render.html import render_html
from .render.ical import render_ical
from .status import SiteStatus, derive


@dataclass(frozen=True)
class BuildResult:
    output: Path
    files: int
    bytes: int
    warnings: tuple[Problem, ...]
    manifest: Manifest


def load_site(root: Path, *, drafts: bool = False) -> tuple[Site, list[Problem]]:
    """Config and content, validated; raises `ProblemsError` when anything is wrong."""
    config = load_config(root)
    site, problems = load_content(config, drafts=drafts)
    problems += _publish_problems(site)
    if any(p.is_error for p in problems):
        raise ProblemsError(problems)
    return site, problems


def check(root: Path, *, drafts: bool = True, now: datetime | None = None) -> list[Problem]:
    """Every problem a build would meet, including the privacy rules on every output.

    Drafts are checked too: a draft is where a mistake is cheapest to fix.
    """
    try:
        site, problems = load_site(root, drafts=drafts)
    except ProblemsError as exc:
        return exc.problems
    files, _ = render_site(site, now or datetime.now(UTC), previous=None)
    return sorted(problems + privacy.check_outputs(site, files))


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
) -> BuildResult:
    """Build the site in `root` into its output folder; return what was written.

    `base_url` replaces site.toml's (``statusgen serve`` builds for its own address).
    """
    site, warnings = load_site(root, drafts=drafts)
    if base_url is not None:
        site = replace(site, config=replace(site.config, base_url=base_url))
    config = site.config
    dest = (output if output is not None else config.output_dir).absolute()
    guard_destination(dest, root)
    when = now if isinstance(now, datetime) else parse_now(now, config)

    previous = _read_previous(dest)
    files, manifest = render_site(site, when, previous)
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
        manifest=manifest,
    )


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
    if not (config.publish.x.enabled or config.publish.templates):
        return []
    # Imported here: twitter-text and requests add most of a second to start-up,
    # and only sites that post need them.
    from .publish.compose import post_text_problems, template_problems

    return post_text_problems(site) + template_problems(config)
