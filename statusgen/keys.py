"""Every cache key statusgen makes, in one place.

A key that misses an input publishes a stale file, so each is derived here,
from declared inputs, and nowhere else:

* the cache folder's name: the statusgen version, its code, Python and the
  libraries that shape bytes (`cache.environment_digest`, the `environment`
  every key below assumes);
* `site_digest`: what every output depends on besides its own inputs: the
  environment, the whole configuration (`config_text`), every theme file and
  ``serve``'s extra head;
* `parse_key`: one content file's parse: its bytes (their SHA-256), its
  folder and what parsing reads besides the file (`parse_environment`);
* `fragment_key`: one entry's manifest fragment;
* `output_key`: one output file, from what its renderer declares it shows
  (`render.html.Page.key`, `render.ical.calendar_deps`); the build keeps a
  file while this key and the site digest are those of the live tree;
* `rules_digest`: the privacy rules an output was checked under;
* `foreseen_key`: the privacy refusals of the posts publish can foresee
  (`foreseen_record_key`: one entry's);
* `build_key`: a whole build, from every input (`unchanged`).
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import TZPATH

from .model import Incident, Maintenance, NewsItem, SiteConfig
from .urls import entry_path

if TYPE_CHECKING:
    from .manifest import Before
    from .status import SiteStatus

KEY_TEXT_MAX = 200
"""An output key longer than this is kept as its digest (the index holds one per file)."""


def digest(*parts: str | bytes) -> str:
    """One hex digest of several parts, unambiguously joined."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def config_text(config: SiteConfig) -> str:
    """The whole configuration as text for a key, but for where the site folder is:
    the cache is in that folder, so the same site given as ``--site site`` or as
    ``--site /path/to/site`` is one site, and so is a CI checkout at another path
    than the one whose ``.statusgen-cache/`` was restored (no output shows the path)."""
    return repr(replace(config, root=Path(".")))


def site_digest(environment: str, config: SiteConfig, extra_head: str = "") -> str:
    """Everything every output depends on besides its own inputs: the environment,
    the configuration (all of it: over-invalidating is cheap, a stale page is not),
    the theme's files (the site's and the built-in ones, templates and static)."""
    from .i18n.strings import strings_for
    from .render.theme import theme_dirs

    h = hashlib.sha256()
    # The words too: the package's catalogues are no .py file the environment
    # digest would see, and a theme's or [strings]' change must reach every page;
    # a bilingual site's pages in each language.
    words = [strings_for(config, tag).digest for tag in (config.language, *config.other_languages)]
    h.update(digest(environment, config_text(config), extra_head, *words).encode())
    for folder in theme_dirs(config):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                h.update(digest(str(path.relative_to(folder)), path.read_bytes()).encode())
    return h.hexdigest()


def rules_digest(config: SiteConfig) -> str:
    """The privacy rules: an output checked under the same rules needs no second check."""
    return digest(*(rule.key for rule in config.privacy.forbidden))


def parse_environment(config: SiteConfig) -> str:
    """What `source.parse_entry` reads besides the file: the zone (with its tz
    database rules), the service ids and the other languages (which suffixed
    keys it takes)."""
    zone = config.timezone.key
    rules = b""
    for folder in TZPATH:
        with contextlib.suppress(OSError, ValueError):
            rules = (Path(folder) / zone).read_bytes()
            break
    languages = ("\0".join(config.other_languages),) if config.other_languages else ()
    return digest(zone, rules, "\0".join(s.id for s in config.services), *languages)


def parse_key(environment: str, folder: str, content: str) -> str:
    """A file's parse holds while `parse_environment`, its folder and the SHA-256 of
    its bytes (`content`) are the same; its path is the memo's other half."""
    return f"{environment}:{folder}:{content}"


def fragment_setting(config: SiteConfig) -> str:
    """The configuration, as every manifest fragment's key holds it."""
    return digest(config_text(config))[:32]


def fragment_key(
    setting: str,
    entry: Incident | Maintenance | NewsItem,
    status: SiteStatus,
    before: Before | None,
) -> str | None:
    """What an entry's fragment depends on: the configuration (`setting`), the
    file (by its digest), a window's state now and its previous record. None for
    an entry made in code (no digest): never kept."""
    if not entry.source.digest:
        return None
    state = ""
    if isinstance(entry, Maintenance):
        state = entry.state_at(status.now).value
        if _moved(entry, before):  # the move it records is this build's: at `now`
            state += f"\0{status.now.isoformat()}"
    ref = entry_path(entry).rstrip("/")
    return f"{setting}\0{entry.kind.value}\0{ref}\0{entry.source.digest}\0{state}\0{before!r}"


def _moved(window: Maintenance, before: Before | None) -> bool:
    """The window's times differ from its previous record's (`manifest._with_history`)."""
    if before is None or not before[1] or not before[2]:
        return False
    try:
        start, end = datetime.fromisoformat(before[1]), datetime.fromisoformat(before[2])
    except ValueError:
        return True
    return (start, end) != (window.start, window.end)


def output_key(deps: object | None) -> str:
    """An output's key, from what its renderer declares it shows besides the
    site-wide inputs (`site_digest`): their text, or a digest of a long one;
    ``""`` (never kept) for None, an output rendered on every build."""
    if deps is None:
        return ""
    text = repr(deps)
    return text if len(text) <= KEY_TEXT_MAX else hashlib.sha256(text.encode()).hexdigest()


def foreseen_key(records: str, config: SiteConfig, words: str = "") -> str:
    """What the foreseen posts' refusals depend on: the manifest's records (their
    digest, `stages.ManifestFile.records`: not its build time), the configuration
    (rules, templates, zone) and site.toml's bytes (a refusal names a template's
    line there), and the words the posts are made of (`i18n.strings.Strings.digest`:
    a theme's catalogue can change them)."""
    try:
        toml = (config.root / "site.toml").read_bytes()
    except OSError:
        toml = b""
    return digest(records, config_text(config), toml, words)


def foreseen_record_key(setting: str, record: str) -> str:
    """One entry's share of `foreseen_key`: `setting` (`foreseen_key` of no records:
    the configuration and site.toml) and the entry's record text."""
    return digest(setting, record)


def source_stamps(config: SiteConfig, racy_ns: int) -> str | None:
    """The stat (size, mtime, inode) of every file a build reads under the site
    folder besides the theme (which `site_digest` reads whole): site.toml,
    everything under ``content/`` and the static root. None when one was
    written within `racy_ns` of now (a second save within one tick of the file
    system's clock could leave the same stat: `stages.RACY_NS`), and for a link
    among them (its target can change beneath it)."""
    import os
    import time

    from .site_files import STATIC_ROOT

    root = str(config.root)
    found: list[str] = []
    latest = 0
    pending = ["content", STATIC_ROOT]
    with contextlib.suppress(OSError):
        st = os.stat(f"{root}/site.toml")
        found.append(f"site.toml\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}")
        latest = st.st_mtime_ns
    while pending:
        prefix = pending.pop()
        try:
            entries = list(os.scandir(f"{root}/{prefix}"))
        except OSError:
            continue
        for entry in entries:
            rel = f"{prefix}/{entry.name}"
            if entry.is_symlink():  # what it points at can change beneath an unchanged link
                return None
            if entry.is_dir(follow_symlinks=False):
                pending.append(rel)
                continue
            st = entry.stat(follow_symlinks=False)
            found.append(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}")
            latest = max(latest, st.st_mtime_ns)
    if time.time_ns() - latest <= racy_ns:
        return None
    found.sort()
    return digest(*found)


def build_key(
    environment: str,
    config: SiteConfig,
    sources: str,
    *,
    now: str,
    drafts: bool,
    dest: str,
    secrets: str,
) -> str:
    """A whole build: while it is the key the live tree was built under, and that
    tree is as the output index left it, the build would write the same bytes and
    report the same warnings. Its inputs: everything every output depends on
    (`site_digest`), what parsing reads (`parse_environment`), the stat of every
    source file (`source_stamps`), the build time (exact: the manifest holds it),
    drafts, the output folder and the credentials the output guard searches for
    (`privacy.secret_values`: the post ledger is searched on every build)."""
    return digest(
        site_digest(environment, config),
        parse_environment(config),
        sources,
        now,
        str(drafts),
        dest,
        secrets,
    )
