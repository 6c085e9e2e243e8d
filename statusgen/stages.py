"""The build's memoised stages: each a pure function, mapped over what the memo lacks.

Every stage asks the `memo.Memo` first and hands the misses to
`pool.Pool.map`, which runs the same function here or in forked workers:
neither the memo (kept in ``.statusgen-cache/`` or in memory for one build)
nor the pool (one process or several) changes which code runs.

* `parse_all`: content files -> entries and problems (``parsed``);
* `convert_texts`: Markdown -> sanitised HTML (``markup``), for the texts of
  the files parsed in this build; a text the renderers meet that is not in
  the memo yet (an entry from ``parsed`` whose HTML was dropped) is
  converted when it is first shown, and kept then;
* `manifest_file`: each entry's manifest fragment (``manifest``), joined;
  the previous build's windows (`previous_windows`) carry the sequences.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from . import codec, markup
from . import keys as keying
from .errors import Problem, StatusgenError
from .i18n.strings import strings_for
from .manifest import MANIFEST_PATH, Before, Manifest, fragment, join, windows_of
from .memo import Memo, Shards
from .model import Incident, Maintenance, NewsItem, Site, SiteConfig
from .output import FileState, same_file
from .pool import Pool
from .records import record_from_json
from .source import Parsed, Pending, parse_entry, read_source
from .urls import entry_path

if TYPE_CHECKING:
    from .status import SiteStatus

Entry = Incident | Maintenance | NewsItem

MIN_FILES = 200
"""Files to parse before forked workers pay for themselves."""

MIN_TEXTS = 400
"""Markdown texts to convert before forked workers pay for themselves."""

MIN_PAGES = 400
"""Pages to render before forked workers pay for themselves."""


# --- parsing ------------------------------------------------------------------------------


class ParsedFiles(NamedTuple):
    parsed: list[Parsed]
    """What `source.parse_entry` says of each file, in order."""
    fresh: list[Incident | Maintenance | NewsItem]
    """The entries parsed in this build (not found in the memo)."""


RACY_NS = 2 * 10**9
"""A file written this recently (by the clock) is not skipped by its stat next
time: a second save within one tick of the file system's clock, of the same
size and in place, would leave the same size, mtime and inode (git's "racily
clean" files). Two seconds covers the coarsest clock (FAT's)."""


def content_digest(rel_path: str, path: str, stamps: Shards) -> tuple[str, bytes | None] | Problem:
    """The SHA-256 of a content file, with its bytes when they were read: not read
    while its size, mtime and inode are those `stamps` recorded with the digest
    (the digest stays the proof: any other stat is read and hashed again), and
    recorded once it is no longer within `RACY_NS` of its last write."""
    try:
        st = os.stat(path)
    except OSError:
        st = None
    stamp = None if st is None else (st.st_size, st.st_mtime_ns, st.st_ino)
    known = stamps.get(rel_path)
    if stamp is not None and isinstance(known, tuple) and known[:3] == stamp:
        return known[3], None
    data = read_source(rel_path, path)
    if isinstance(data, Problem):
        return data
    digest = hashlib.sha256(data).hexdigest()
    if stamp is not None and len(data) == stamp[0] and time.time_ns() - stamp[1] > RACY_NS:
        stamps.put(rel_path, (*stamp, digest))
    return digest, data


def parse_all(config: SiteConfig, pending: list[Pending], memo: Memo, pool: Pool) -> ParsedFiles:
    """Each file's entry and problems: from the memo while its bytes (by their
    SHA-256, `content_digest`), its folder and the parse environment are the
    same, else read and parsed (`_parse_plain`, mapped)."""
    environment = keying.parse_environment(config)
    store = memo.parsed
    results: list[Parsed | None] = [None] * len(pending)
    keys: list[tuple[str, str]] = []
    misses: list[int] = []
    read: dict[int, bytes] = {}
    for index, (rel_path, path, folder) in enumerate(pending):
        found_digest = content_digest(rel_path, path, memo.stamps)
        if isinstance(found_digest, Problem):
            results[index] = (None, [found_digest])
            keys.append((rel_path, ""))
            continue
        digest, data = found_digest
        key = (rel_path, keying.parse_key(environment, folder, digest))
        keys.append(key)
        known = memo.models.get(rel_path)
        if known is not None and known[0] == key[1]:
            results[index] = (known[1][0], list(known[1][1]))
            continue
        found = store.get(rel_path)
        if isinstance(found, tuple) and len(found) == 2 and found[0] == key[1]:
            parsed = codec.load_or_none(Parsed, found[1])
            if parsed is not None:
                results[index] = parsed
                memo.models[rel_path] = (key[1], parsed)
                continue
        misses.append(index)
        if data is not None:  # kept for the parse; a hit's bytes are dropped
            read[index] = data
    for index in [i for i in misses if i not in read]:  # known by its stat, not parsed yet
        rel_path, path, folder = pending[index]
        data = read_source(rel_path, path)
        if isinstance(data, Problem):
            results[index] = (None, [data])
            continue
        read[index] = data  # keyed by these bytes, should the file have changed since its stat
        digest = hashlib.sha256(data).hexdigest()
        keys[index] = (rel_path, keying.parse_key(environment, folder, digest))
    misses = [i for i in misses if i in read]
    jobs = [(pending[i][0], read[i], pending[i][2]) for i in misses]
    made = pool.map(partial(_parse_plain, config), jobs, minimum=MIN_FILES)
    fresh: list[Incident | Maintenance | NewsItem] = []
    for index, plain in zip(misses, made, strict=True):
        rel_path, content = keys[index]
        if plain is None:  # pragma: no cover - nothing the parser makes is unplain
            parsed = parse_entry(rel_path, read[index], config, pending[index][2])
        else:
            parsed = codec.load(Parsed, plain)
            store.put(rel_path, (content, plain))
            memo.models[rel_path] = (content, parsed)
        results[index] = parsed
        if parsed[0] is not None:
            fresh.append(parsed[0])
    live = {rel_path for rel_path, _ in keys}
    store.retain(live, (n for n, _ in list(store.loaded())))
    memo.stamps.retain(live, (n for n, _ in list(memo.stamps.loaded())))
    for stale in [path for path in memo.models if path not in live]:
        del memo.models[stale]
    return ParsedFiles([r for r in results if r is not None], fresh)


def _parse_plain(config: SiteConfig, item: tuple[str, bytes, str]) -> Any:
    """One file's bytes parsed, as the plain data (`codec`) that the memo keeps and a
    worker sends back; None should it hold something the codec cannot keep."""
    rel_path, data, folder = item
    try:
        return codec.dump(Parsed, parse_entry(rel_path, data, config, folder))
    except codec.NotPlain:  # pragma: no cover - nothing the parser makes is unplain
        return None


# --- Markdown -----------------------------------------------------------------------------


def texts(entry: Incident | Maintenance | NewsItem) -> list[str]:
    """The Markdown of an entry: its body and its update messages, translations too."""
    found = [entry.body]
    if not isinstance(entry, NewsItem):
        found += [u.message for u in entry.updates]
        found += [t for u in entry.updates for t in u.translations.values()]
    return found


def convert_texts(
    entries: Iterable[Incident | Maintenance | NewsItem], memo: Memo, pool: Pool
) -> None:
    """Convert the Markdown of `entries` that the memo does not hold (`markup.convert`,
    mapped), and keep it there for the renderers (`markup.converting`)."""
    store = memo.markup
    wanted = dict.fromkeys(t for e in entries for t in texts(e) if t.strip())
    missing = [text for text in wanted if store.get(text) is None]
    for text, html in zip(
        missing, pool.map(markup.convert, missing, minimum=MIN_TEXTS), strict=True
    ):
        store.put(text, html)


def retain_texts(site: Site, memo: Memo) -> None:
    """Forget texts no entry holds any more (see `memo.MarkupStore.retain`)."""
    memo.markup.retain(
        t for e in (*site.incidents, *site.maintenances, *site.news) for t in texts(e)
    )


# --- pages --------------------------------------------------------------------------------


def call(render: Any) -> Any:
    """``render()``: what `pool.Pool.map` runs for each page."""
    return render()


# --- the manifest -------------------------------------------------------------------------


class ManifestFile(NamedTuple):
    data: bytes
    """The file, byte for byte what `manifest.build_manifest(...).to_bytes()` writes."""
    sequences: dict[str, int]
    """The iCalendar SEQUENCE of each window, by id."""
    windows: dict[str, Before]
    """The windows, for the next build's sequences."""
    records: str
    """A digest of the records alone (the file also holds the build time)."""
    texts: tuple[str, ...] = ()
    """Each record's text (`records.record_text`), in the file's order."""


def manifest_file(
    site: Site, status: SiteStatus, windows: Mapping[str, Before], store: Shards
) -> ManifestFile:
    """The manifest from each entry's `manifest.fragment`, kept in `store` under
    `keys.fragment_key`: `manifest.build_manifest` and a cold manifest cost
    seconds at 10,000 entries, and only the entries that changed (and windows
    whose state did) make a new fragment; `manifest.join` makes the file of them,
    as `Manifest.to_bytes` does."""
    config = site.config
    setting = keying.fragment_setting(config)
    parts: list[tuple[str, str]] = []
    sequences: dict[str, int] = {}
    next_windows: dict[str, Before] = {}
    keys: set[str] = set()
    for entry in (*site.incidents, *site.maintenances, *site.news):
        ref = entry_path(entry).rstrip("/")
        before = windows.get(ref) if isinstance(entry, Maintenance) else None
        key = keying.fragment_key(setting, entry, status, before)
        value = None
        if key is not None:
            keys.add(key)
            value = store.get(key)
        if not (isinstance(value, tuple) and len(value) == 2):
            value = fragment(config, entry, status, before)
            if key is not None:
                store.put(key, value)
        text, window = value
        parts.append((ref, text))
        if isinstance(entry, Maintenance):
            sequences[entry.id] = window[4]
            next_windows[ref] = window
    store.retain(keys)
    parts.sort(key=lambda part: part[0])
    texts = [text for _, text in parts]
    data = join(config.base_url, status.now.isoformat(), texts)
    records = keying.digest(config.base_url, *texts)
    return ManifestFile(data, sequences, next_windows, records, tuple(texts))


def foreseen_problems(site: Site, manifest: ManifestFile, memo: Memo) -> list[Problem]:
    """`compose.foreseen_problems` of this build's manifest, kept in the memo under
    `keys.foreseen_key`: composing and searching every post a site of 10,000
    entries could make (37,000) costs seconds, and its answer changes only with
    the records, the configuration or site.toml."""
    config = site.config
    if not config.privacy.forbidden:
        return []
    words = strings_for(config)
    key = keying.foreseen_key(manifest.records, config, words.digest)
    kept = _problems(memo.foreseen.get(key))
    if kept is not None:
        return kept
    # Imported here: twitter-text and requests add most of a second to start-up.
    from .publish.compose import foreseen_record_problems, foreseen_template_problems

    # Each entry's refusals are kept by its record too (`keys.foreseen_record_key`):
    # an edit composes and searches the posts of the entry it changed, not all 37,000.
    found, skipped = foreseen_template_problems(config)
    setting = keying.foreseen_key("", config, words.digest)
    keys = {key}
    for text in manifest.texts:
        record_key = keying.foreseen_record_key(setting, text)
        keys.add(record_key)
        problems = _problems(memo.foreseen.get(record_key))
        if problems is None:
            record = record_from_json(json.loads(text))
            problems = sorted(foreseen_record_problems(record, config, skipped, words))
            memo.foreseen.put(record_key, _plain_problems(problems))
        found.update(problems)
    result = sorted(found)
    memo.foreseen.put(key, _plain_problems(result))
    memo.foreseen.retain(keys)
    return result


def _problems(kept: object) -> list[Problem] | None:
    """Problems as the memo keeps them (`_plain_problems`); None for a miss."""
    if isinstance(kept, list):
        with contextlib.suppress(TypeError, ValueError):
            return [Problem.from_plain(p) for p in kept]
    return None


def _plain_problems(problems: list[Problem]) -> list[tuple[object, ...]]:
    return [p.plain() for p in problems]


def previous_windows(
    dest: Path, live: Mapping[str, FileState], facts: Mapping[str, object]
) -> dict[str, Before]:
    """The windows of the manifest `dest` holds, for iCalendar's SEQUENCE: as the
    output index recorded them (`live`, `facts`) while that manifest is still
    the file the index describes, else read from the file."""
    state = live.get(MANIFEST_PATH)
    windows = facts.get("windows")
    if (
        state is None
        or not isinstance(windows, dict)
        or facts.get("manifest") != state.digest
        or not same_file(dest / MANIFEST_PATH, state)
    ):
        return windows_of(read_manifest(dest))
    return windows


def read_manifest(dest: Path) -> Manifest | None:
    path = dest / MANIFEST_PATH
    if not path.is_file():
        return None
    try:
        return Manifest.from_bytes(path.read_bytes())
    except StatusgenError:
        # A corrupt old manifest only costs the iCalendar sequence history.
        return None
