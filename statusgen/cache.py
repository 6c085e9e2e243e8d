"""The build cache: ``.statusgen-cache/`` in the site folder, keyed by content hash.

A status site grows by a few hundred entries a year, and every push, and
every save under ``serve``, rebuilds all of it. Most of a build's time goes
into work whose result only depends on bytes that rarely change: YAML and
validation of a content file, Markdown of a text, Jinja of a page. This
module keeps those results between builds, all in one folder:

* ``parsed/``: each content file's model object and its problems (warnings
  included, so a cached file still reports them), valid while the file's
  SHA-256 and what parsing reads besides the file are the same: its path,
  the site's time zone (with its tz database rules) and the service ids.
  An unchanged file is never parsed again.
* ``markup/``: the sanitised HTML of each Markdown text, keyed by a hash of
  the text alone (`markup.use_store`).
* ``manifest/``: each entry's record of the build manifest, serialised
  (`ManifestCache`).
* ``templates/``: Jinja's compiled templates (checked by Jinja against
  each template's source).
* ``outputs/``: for each output folder, every file's page key, digest,
  size and identity (inode, mtime), for the live tree and for the spare
  tree (`OutputIndex`, `output.sync_tree`). A page whose key is unchanged
  is not rendered again; a file whose identity is unchanged is not read.
* ``trees/``: the spare tree of an output folder inside the site.

Every entry also depends, through the name of the folder that holds them
all, on the statusgen version, this cache's format number, and a digest of
statusgen's own code and of the versions of the libraries that shape the
output (Markdown, nh3, Jinja, PyYAML, feedgen, lxml, icalendar): an upgrade,
or an edit to statusgen itself, starts from an empty cache, and the next
build deletes the stale folder.

Robustness rather than cleverness: plain data (tuples, strings, numbers)
written with `marshal` (no pickle: loading never runs code) behind a magic
line and a SHA-256 of the payload, written to a temporary file and renamed
into place, so a reader never sees half a file. Anything unreadable,
corrupt or of another shape is a miss, never an error, and the whole folder
is safe to delete at any time: the next build is a cold one, with the same
output. Writing is best-effort too: a read-only site still builds.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import shutil
import sys
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import TZPATH

from . import __version__, codec
from .content import Parsed, Pending, parse_entry
from .manifest import Before, fragment, join
from .model import (
    Incident,
    Maintenance,
    NewsItem,
    Site,
    SiteConfig,
)
from .output import FileState
from .urls import entry_path

if TYPE_CHECKING:
    from .status import SiteStatus

CACHE_DIR = ".statusgen-cache"
"""The cache folder, in the site folder (``.gitignore`` it)."""

FORMAT = 2
"""Bumped whenever what is stored changes shape; part of the folder name."""

MIN_FILES = 100
"""Content files from which a site gets a cache folder by default. A smaller site
builds in a fraction of a second, about what reading and writing a cache costs, and
is spared a folder it has no use for."""

_MAGIC = b"statusgen cache\n"
_LIBRARIES = ("markdown", "nh3", "jinja2", "markupsafe", "pyyaml", "feedgen", "lxml", "icalendar")
"""Libraries whose version can change the bytes of an output."""


# --- where ------------------------------------------------------------------------------


def environment_digest() -> str:
    """The statusgen version, the cache format, Python, statusgen's own code and the
    versions of the libraries that shape the output: whatever changes the result of
    the same input in a way no content hash can see."""
    return _environment_digest(__version__)


@functools.cache
def _environment_digest(version: str) -> str:
    """Once per process (and version): the code cannot change under a running one."""
    h = hashlib.sha256()
    h.update(f"{version}\0{FORMAT}\0{sys.version}\0".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        with contextlib.suppress(OSError):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    from importlib import metadata

    for name in _LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name}={version}\0".encode())
    return h.hexdigest()


def digest(*parts: str | bytes) -> str:
    """One hex digest of several parts, unambiguously joined."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def worth_caching(site_root: Path) -> bool:
    """True when the site has a cache folder, or `MIN_FILES` content files or more."""
    if (site_root / CACHE_DIR).is_dir():
        return True
    count = 0
    for folder in ("incidents", "news"):
        with contextlib.suppress(OSError), os.scandir(site_root / "content" / folder) as it:
            count += sum(1 for item in it if item.name.endswith(".md"))
    return count >= MIN_FILES


class Cache:
    """The cache folder of one site, for one statusgen version and environment.

    `Cache.of` keeps one per site folder in a process, with what it has loaded:
    ``serve`` calls `build` on every save, and its second build finds the
    parsed entries, the Markdown and the compiled templates in memory.
    """

    _open: dict[tuple[Path, str], Cache] = {}  # noqa: RUF012 - the process's open caches

    @classmethod
    def of(cls, site_root: Path) -> Cache:
        """This process's cache of `site_root` (made on first use)."""
        environment = environment_digest()
        key = (site_root.resolve(), environment)
        found = cls._open.get(key)
        if found is None:
            found = cls._open[key] = cls(site_root, environment)
        return found

    @classmethod
    def forget_all(cls) -> None:
        """Drop what this process holds in memory (the folders stay)."""
        cls._open.clear()

    def __init__(self, site_root: Path, environment: str | None = None) -> None:
        self.base = site_root.resolve() / CACHE_DIR
        self.environment = environment or environment_digest()
        self.folder = self.base / f"{__version__}-{FORMAT}-{self.environment[:16]}"
        self.parsed = Shards(self.folder / "parsed", 64)
        self.markup = MarkupStore(self.folder / "markup")
        self.manifest = Shards(self.folder / "manifest", 64)
        self.models: dict[str, tuple[str, Parsed]] = {}
        """Entries already made from the store in this process, by path and content
        key: a process that builds again (``serve``) skips making them again."""

    def save(self) -> None:
        """Write what changed; then remove the folders of other versions."""
        self.parsed.save()
        self.markup.save()
        self.manifest.save()
        self.prune_versions()

    def prune_versions(self) -> None:
        """Delete the folders that older (or other) statusgen versions left."""
        try:
            others = [p for p in self.base.iterdir() if p.is_dir() and p != self.folder]
        except OSError:
            return
        for other in others:
            shutil.rmtree(other, ignore_errors=True)


# --- files ------------------------------------------------------------------------------


def read_blob(path: Path) -> Any:
    """The value in `path`, or None for a missing, short, corrupt or foreign file."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    if len(data) < head or not data.startswith(_MAGIC):
        return None
    payload = memoryview(data)[head:]
    if hashlib.sha256(payload).digest() != data[len(_MAGIC) : head]:
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def write_blob(path: Path, value: object) -> None:
    """Write `value` atomically (temporary file, then rename); never raises for I/O."""
    try:
        payload = marshal.dumps(value, 4)
    except ValueError:  # pragma: no cover - a value of a type marshal cannot hold: skip it
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


class Shards:
    """A dict with text keys, kept as `count` files loaded on first use.

    Sharded so that a build that changes one entry rewrites one small file,
    not the whole store.
    """

    def __init__(self, folder: Path, count: int) -> None:
        self.folder = folder
        self.count = count
        self._shards: dict[int, dict[str, Any]] = {}
        self._dirty: set[int] = set()

    def _number(self, key: str) -> int:
        return zlib.crc32(key.encode("utf-8", "surrogatepass")) % self.count

    def shard(self, number: int) -> dict[str, Any]:
        loaded = self._shards.get(number)
        if loaded is None:
            value = read_blob(self.folder / f"{number:03d}")
            loaded = value if isinstance(value, dict) else {}
            self._shards[number] = loaded
        return loaded

    def get(self, key: str) -> Any:
        return self.shard(self._number(key)).get(key)

    def put(self, key: str, value: object) -> None:
        number = self._number(key)
        self.shard(number)[key] = value
        self._dirty.add(number)

    def loaded(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return iter(self._shards.items())

    def retain(self, keep: set[str], shards: Iterable[int] | None = None) -> None:
        """Forget the keys not in `keep`, in the given (default: loaded) shards."""
        numbers = list(self._shards) if shards is None else list(shards)
        for number in numbers:
            shard = self.shard(number)
            stale = [key for key in shard if key not in keep]
            for key in stale:
                del shard[key]
            if stale:
                self._dirty.add(number)

    @property
    def dirty(self) -> set[int]:
        return set(self._dirty)

    def save(self) -> None:
        for number in sorted(self._dirty):
            write_blob(self.folder / f"{number:03d}", self._shards[number])
        self._dirty.clear()


class MarkupStore:
    """Markdown text -> sanitised HTML, for `markup.use_store`."""

    def __init__(self, folder: Path) -> None:
        self.shards = Shards(folder, 256)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def get(self, text: str) -> str | None:
        found = self.shards.get(self.key(text))
        return found if isinstance(found, str) else None

    def put(self, text: str, html: str) -> None:
        self.shards.put(self.key(text), html)

    def retain(self, texts: Iterable[str]) -> None:
        """Forget, in the shards this build changed, texts no entry holds any more.

        Only once a build changed a good part of the store: hashing every text of
        a large site costs a tenth of a second, and what an edit leaves behind
        (its old text) is a few hundred bytes until the next large change.
        """
        dirty = self.shards.dirty
        if len(dirty) * 4 >= self.shards.count:
            self.shards.retain({self.key(t) for t in texts}, dirty)

    def save(self) -> None:
        self.shards.save()


# --- parsed entries --------------------------------------------------------------------------


def parse_environment(config: SiteConfig) -> str:
    """What `content.parse_entry` reads besides the file: the zone and the service ids."""
    zone = config.timezone.key
    rules = b""
    for folder in TZPATH:
        with contextlib.suppress(OSError, ValueError):
            rules = (Path(folder) / zone).read_bytes()
            break
    return digest(zone, rules, "\0".join(s.id for s in config.services))


class ParseCache:
    """`content.load_content`'s ``parse``: answers from the cache, parses the rest.

    `parse_many` parses the misses (on several cores when there are many);
    it returns plain records, see `entry_to_plain`.
    """

    def __init__(self, cache: Cache, config: SiteConfig) -> None:
        self.cache = cache
        self.config = config
        self.environment = parse_environment(config)
        self.hits = 0
        self.misses = 0

    def file_key(self, rel_path: str, data: bytes, folder: str) -> tuple[str, str]:
        """(store key, content key): the store holds one record per path, valid while
        the file's bytes, its folder and the parse environment are the same."""
        return rel_path, f"{self.environment}:{folder}:{hashlib.sha256(data).hexdigest()}"

    def __call__(self, pending: list[Pending], jobs: int | None = None) -> list[Parsed]:
        store = self.cache.parsed
        results: list[Parsed | None] = [None] * len(pending)
        keys: list[tuple[str, str]] = []
        misses: list[int] = []
        for index, (rel_path, data, folder) in enumerate(pending):
            key = self.file_key(rel_path, data, folder)
            keys.append(key)
            known = self.cache.models.get(key[0])
            if known is not None and known[0] == key[1]:
                results[index] = (known[1][0], list(known[1][1]))
                continue
            found = store.get(key[0])
            if isinstance(found, tuple) and len(found) == 2 and found[0] == key[1]:
                parsed = parsed_from_plain(found[1])
                if parsed is not None:
                    results[index] = parsed
                    self.cache.models[key[0]] = (key[1], parsed)
                    continue
            misses.append(index)
        self.hits = len(pending) - len(misses)
        self.misses = len(misses)
        if misses:
            from .parallel import parse_files

            fresh = parse_files(self.config, [pending[i] for i in misses], jobs)
            for index, (plain, rendered) in zip(misses, fresh, strict=True):
                parsed = None if plain is None else parsed_from_plain(plain)
                if parsed is None:  # pragma: no cover - nothing the parser makes is unplain
                    rel_path, data, folder = pending[index]
                    results[index] = parse_entry(rel_path, data, self.config, folder)
                    continue
                results[index] = parsed
                self.cache.models[keys[index][0]] = (keys[index][1], parsed)
                store.put(keys[index][0], (keys[index][1], plain))
                for text, html in rendered:
                    self.cache.markup.put(text, html)
        live = {key[0] for key in keys}
        store.retain(live, (n for n, _ in list(store.loaded())))
        for stale in [path for path in self.cache.models if path not in live]:
            del self.cache.models[stale]
        return [r for r in results if r is not None]


# --- plain data -------------------------------------------------------------------------------


def parsed_to_plain(parsed: Parsed) -> Any:
    """`parse_entry`'s answer as plain data (`codec`); None if it holds something
    the codec cannot keep exactly."""
    try:
        return codec.dump(Parsed, parsed)
    except codec.NotPlain:
        return None


def parsed_from_plain(plain: object) -> Parsed | None:
    """The inverse of `parsed_to_plain`; None for anything malformed (a cache miss)."""
    found: Parsed | None = codec.load_or_none(Parsed, plain)
    return found


class MemoryMarkup(dict[str, str]):
    """`markup.use_store` for a build without a cache folder: this build only."""

    def put(self, text: str, html: str) -> None:
        self[text] = html


# --- site-wide inputs of every page --------------------------------------------------------


def site_digest(cache: Cache, config: SiteConfig, extra_head: str = "") -> str:
    """Everything every page depends on besides its own entries: the configuration
    (all of it: over-invalidating is cheap, a stale page is not), the theme's files
    (the site's and the built-in ones, templates and static) and the code."""
    from .render.html import theme_dirs

    h = hashlib.sha256()
    h.update(digest(cache.environment, config_text(config), extra_head).encode())
    for folder in theme_dirs(config):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                h.update(digest(str(path.relative_to(folder)), path.read_bytes()).encode())
    return h.hexdigest()


def config_text(config: SiteConfig) -> str:
    """The whole configuration as text for a key, its folder made absolute: the
    same site given as ``--site site`` or as ``--site /path/to/site`` is one site."""
    from dataclasses import replace

    return repr(replace(config, root=config.root.resolve()))


def rules_digest(config: SiteConfig) -> str:
    """The privacy rules: an output checked under the same rules needs no second check."""
    return digest(*(f"{p.pattern}\0{p.flags}" for p in config.privacy.forbidden))


# --- the output index ---------------------------------------------------------------------


class OutputIndex:
    """`output.TreeIndex` for one output folder, kept in the cache.

    Besides the two trees' files it keeps, with the live tree, a few facts
    about it that the next build would otherwise read back from its files:
    the privacy rules it was checked under and what the manifest held of
    each maintenance window (for iCalendar's SEQUENCE).
    """

    def __init__(self, cache: Cache, dest: Path) -> None:
        name = digest(str(dest))[:24]
        folder = cache.folder / "outputs"
        self.dest = dest
        self.live_file = folder / f"{name}.live"
        self.spare_file = folder / f"{name}.spare"
        self.dest_file = folder / f"{name}.dest"
        self.facts: dict[str, Any] = {}
        """Saved with the live tree's index: set by the build before `sync_tree`."""
        self._memo: dict[Path, tuple[tuple[int, int, int], Any]] = {}

    def load(self) -> tuple[dict[str, FileState] | None, dict[str, FileState] | None]:
        return self._files(self._read(self.live_file)), self._files(self._read(self.spare_file))

    def load_facts(self) -> dict[str, Any]:
        stored = self._read(self.live_file)
        facts = stored.get("facts") if isinstance(stored, dict) else None
        return facts if isinstance(facts, dict) else {}

    def _read(self, path: Path) -> Any:
        """The stored value, read again only when the file changed: the build plans
        with the index, then `sync_tree` reads it once more under the lock."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        known = self._memo.get(path)
        if known is None or known[0] != stamp:
            known = self._memo[path] = (stamp, read_blob(path))
        return known[1]

    def _files(self, stored: object) -> dict[str, FileState] | None:
        if not isinstance(stored, dict) or not isinstance(stored.get("files"), dict):
            return None
        made = stored.get("made")
        if made is None:
            try:
                made = stored["made"] = {
                    path: FileState._make(state) for path, state in stored["files"].items()
                }
            except TypeError:
                return None
        return dict(made)

    def forget_spare(self) -> None:
        with contextlib.suppress(OSError):
            self.spare_file.unlink()

    def save(self, live: dict[str, FileState], spare: dict[str, FileState] | None) -> None:
        def plain(files: dict[str, FileState]) -> dict[str, tuple[Any, ...]]:
            return {path: tuple(state) for path, state in files.items()}

        write_blob(self.live_file, {"files": plain(live), "facts": self.facts})
        if spare is None:
            self.forget_spare()
        else:
            write_blob(self.spare_file, {"files": plain(spare)})
        if not self.dest_file.exists():
            with contextlib.suppress(OSError):
                self.dest_file.write_text(str(self.dest), encoding="utf-8")
        self.prune()

    def prune(self) -> None:
        """Forget the indexes of output folders that are gone (``serve``'s scratch
        folders): each holds a line per output file, for nothing."""
        folder = self.dest_file.parent
        with contextlib.suppress(OSError):
            for known in folder.glob("*.dest"):
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    if Path(known.read_text(encoding="utf-8")).exists():
                        continue
                    for suffix in (".live", ".spare", ".dest"):
                        known.with_suffix(suffix).unlink(missing_ok=True)


def spare_path(cache: Cache, dest: Path) -> Path:
    """Where the spare tree of `dest` lives.

    For an output inside the site (``public/``), in the cache, when that is on
    the same file system: the site folder gains nothing to ignore, and
    deleting the cache deletes it. For any other output (``serve``'s scratch
    folder, ``--output`` elsewhere), beside it as ``.<name>.spare``, where
    the staging and old trees of every build already live: it goes when its
    folder goes, rather than stay in the cache after a scratch output is gone.
    """
    beside = dest.parent / f".{dest.name}.spare"
    site = cache.base.parent.resolve()
    if not dest.resolve().is_relative_to(site):
        return beside
    inside = cache.folder / "trees" / digest(str(dest))[:24]
    try:
        inside.parent.mkdir(parents=True, exist_ok=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if os.stat(inside.parent).st_dev == os.stat(dest.parent).st_dev:
            return inside
    except OSError:
        pass
    return beside


# --- the manifest -------------------------------------------------------------------------


class ManifestFile(NamedTuple):
    data: bytes
    """The file, byte for byte what `manifest.build_manifest(...).to_bytes()` writes."""
    sequences: dict[str, int]
    """The iCalendar SEQUENCE of each window, by id."""
    windows: dict[str, Before]
    """The windows, for the next build's sequences."""


def manifest_file(
    site: Site, status: SiteStatus, windows: Mapping[str, Before], store: Shards | None
) -> ManifestFile:
    """The manifest from each entry's `manifest.fragment`, kept in `store` under
    `manifest.fragment_key`: `manifest.build_manifest` and a cold manifest cost
    seconds at 10,000 entries, and only the entries that changed (and windows
    whose state did) make a new fragment. With or without `store`, the same
    function makes each fragment and `manifest.join` the file."""
    config = site.config
    setting = digest(config_text(config))[:32]
    parts: list[tuple[str, str]] = []
    sequences: dict[str, int] = {}
    next_windows: dict[str, Before] = {}
    keys: set[str] = set()
    for entry in (*site.incidents, *site.maintenances, *site.news):
        ref = entry_path(entry).rstrip("/")
        before = windows.get(ref) if isinstance(entry, Maintenance) else None
        key = fragment_key(setting, entry, status, before) if store is not None else None
        value = None
        if key is not None and store is not None:
            keys.add(key)
            value = store.get(key)
        if not (isinstance(value, tuple) and len(value) == 6):
            value = fragment(config, entry, status, before)
            if key is not None and store is not None:
                store.put(key, value)
        text, sequence, kind, start, end, title = value
        parts.append((ref, text))
        if isinstance(entry, Maintenance):
            sequences[entry.id] = sequence
            next_windows[ref] = (kind, start, end, title, sequence)
    if store is not None:
        store.retain(keys)
    parts.sort(key=lambda part: part[0])
    data = join(config.base_url, status.now.isoformat(), [text for _, text in parts])
    return ManifestFile(data, sequences, next_windows)


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
    state = entry.state_at(status.now).value if isinstance(entry, Maintenance) else ""
    ref = entry_path(entry).rstrip("/")
    return f"{setting}\0{entry.kind.value}\0{ref}\0{entry.source.digest}\0{state}\0{before!r}"
