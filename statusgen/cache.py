"""The build cache: ``.statusgen-cache/`` in the site folder, keyed by content hash.

A status site grows by a few hundred entries a year, and every push, and
every save under ``serve``, rebuilds all of it. Most of a build's time goes
into work whose result only depends on bytes that rarely change: YAML and
validation of a content file, Markdown of a text, Jinja of a page. A
`Cache` is the build's `memo.Memo` kept between builds, all in one folder:

* ``stamps/``: each content file's size, mtime and inode with the SHA-256 of
  its bytes: a file whose stat is unchanged is not read (`stages.content_digest`).
* ``parsed/``: each content file's model object and its problems (warnings
  included, so a cached file still reports them), valid while the file's
  SHA-256 and what parsing reads besides the file are the same: its path,
  the site's time zone (with its tz database rules) and the service ids
  (`stages.parse_all`). An unchanged file is never parsed again.
* ``markup/``: the sanitised HTML of each Markdown text, keyed by a hash of
  the text alone (`stages.convert_texts`).
* ``manifest/``: each entry's fragment of the build manifest
  (`stages.manifest_file`).
* ``templates/``: Jinja's compiled templates (checked by Jinja against
  each template's source).
* ``outputs/``: for each output folder, every file's page key, digest,
  size and identity (inode, mtime), for the live tree and for the spare
  tree (`OutputIndex`, `output.write_tree`). A page whose key is unchanged
  is not rendered again; a file whose identity is unchanged is not read.
* ``trees/``: the spare tree of each output folder on the cache's file system.

Every entry also depends, through the name of the folder that holds them
all, on the statusgen version, this cache's format number, and a digest of
statusgen's own code and of the versions of the libraries that shape the
output (Markdown, nh3, Jinja, PyYAML, feedgen, lxml, icalendar): an upgrade,
or an edit to statusgen itself, starts from an empty cache, and the next
build deletes the stale folder. The whole folder is safe to delete at any
time: the next build is a cold one, with the same output (see `memo` for
how files are written and read, and `keys` for every key).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .keys import digest
from .memo import Memo, read_blob, write_blob
from .output import FileState

CACHE_DIR = ".statusgen-cache"
"""The cache folder, in the site folder (``.gitignore`` it)."""

FORMAT = 2
"""Bumped whenever what is stored changes shape; part of the folder name."""

MIN_FILES = 100
"""Content files from which a site gets a cache folder by default. A smaller site
builds in a fraction of a second, about what reading and writing a cache costs, and
is spared a folder it has no use for."""

_LIBRARIES = (
    "markdown",
    "nh3",
    "jinja2",
    "markupsafe",
    "pyyaml",
    "feedgen",
    "lxml",
    "icalendar",
    "python-dateutil",
)
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


def worth_caching(site_root: Path) -> bool:
    """True when the site has a cache folder, or `MIN_FILES` content files or more."""
    if (site_root / CACHE_DIR).is_dir():
        return True
    count = 0
    for folder in ("incidents", "news"):
        with contextlib.suppress(OSError), os.scandir(site_root / "content" / folder) as it:
            count += sum(1 for item in it if item.name.endswith(".md"))
    return count >= MIN_FILES


class Session:
    """What a process that builds again and again keeps warm between its builds:
    the open cache of each site, with what it has loaded. ``serve`` holds one
    and hands it to `build` on every save, so its second build finds the parsed
    entries, the Markdown and the manifest fragments in memory. A build without
    a session opens the cache folder afresh."""

    def __init__(self) -> None:
        self._open: dict[tuple[Path, str], Cache] = {}

    def cache(self, site_root: Path) -> Cache:
        """This session's cache of `site_root` (opened on first use)."""
        environment = environment_digest()
        key = (site_root.resolve(), environment)
        found = self._open.get(key)
        if found is None:
            found = self._open[key] = Cache(site_root, environment)
        return found


class Cache(Memo):
    """The cache folder of one site, for one statusgen version and environment."""

    def __init__(self, site_root: Path, environment: str | None = None) -> None:
        self.base = site_root.resolve() / CACHE_DIR
        self.environment = environment or environment_digest()
        super().__init__(self.base / f"{__version__}-{FORMAT}-{self.environment[:16]}")
        self.folder: Path

    def save(self) -> None:
        """Write what changed; then remove the folders of other versions."""
        super().save()
        self.prune_versions()

    def prune_versions(self) -> None:
        """Delete the folders that older (or other) statusgen versions left."""
        try:
            others = [p for p in self.base.iterdir() if p.is_dir() and p != self.folder]
        except OSError:
            return
        for other in others:
            shutil.rmtree(other, ignore_errors=True)


# --- the output index ---------------------------------------------------------------------


class OutputIndex:
    """`output.TreeIndex` for one output folder, kept in the cache.

    Besides the two trees' files it keeps, with the live tree, a few facts
    about it that the next build would otherwise read back from its files:
    the privacy rules it was checked under and what the manifest held of
    each maintenance window (for iCalendar's SEQUENCE).
    """

    def __init__(self, cache: Cache, dest: Path) -> None:
        name = output_name(cache, dest)
        folder = cache.folder / "outputs"
        self.cache = cache
        self.dest = dest
        self.live_file = folder / f"{name}.live"
        self.spare_file = folder / f"{name}.spare"
        self.dest_file = folder / f"{name}.dest"
        self.facts: dict[str, Any] = {}
        """Saved with the live tree's index: set by the build before `output.write_tree`."""
        self._memo: dict[Path, tuple[tuple[int, int, int], Any]] = {}

    def load(self) -> tuple[dict[str, FileState] | None, dict[str, FileState] | None]:
        return self._files(self._read(self.live_file)), self._files(self._read(self.spare_file))

    def load_facts(self) -> dict[str, Any]:
        stored = self._read(self.live_file)
        facts = stored.get("facts") if isinstance(stored, dict) else None
        return facts if isinstance(facts, dict) else {}

    def _read(self, path: Path) -> Any:
        """The stored value, read again only when the file changed: the build plans
        with the index, then `output.write_tree` reads it once more under the lock."""
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
        with contextlib.suppress(OSError, UnicodeDecodeError):
            # A restored cache names the folder of the checkout it was saved in.
            if not self.dest_file.exists() or self.dest_file.read_text("utf-8") != str(self.dest):
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


def output_name(cache: Cache, dest: Path) -> str:
    """The name of the index and the spare tree of the output folder `dest`: by its
    path inside the site folder (the same output in a checkout elsewhere, as CI
    restores ``.statusgen-cache/``), or by its whole path for one outside."""
    try:
        where = dest.resolve().relative_to(cache.base.parent).as_posix()
    except (OSError, ValueError):
        where = str(dest)
    return digest(where)[:24]


def spare_path(cache: Cache, dest: Path) -> Path | None:
    """Where the spare tree of `dest` lives: in the cache, or None for no spare.

    Never beside `dest`: for an output in a web root (``--output
    /var/www/html/status``) the spare would publish what the last build took
    down. In the cache only when that is on the file system of `dest` (the
    swap is a rename); elsewhere there is no spare, and `output.write_tree`
    deletes the replaced tree before it returns. A spare whose output is gone
    (``serve``'s scratch folders) is deleted here.
    """
    name = output_name(cache, dest)
    inside = cache.folder / "trees" / name
    try:
        inside.parent.mkdir(parents=True, exist_ok=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        for tree in inside.parent.iterdir():
            known = cache.folder / "outputs" / f"{tree.name}.dest"
            with contextlib.suppress(UnicodeDecodeError):
                if tree.name != name and not _names_a_folder(known):
                    shutil.rmtree(tree, ignore_errors=True)
        if os.stat(inside.parent).st_dev == os.stat(dest.parent).st_dev:
            return inside
    except OSError:
        pass
    return None


def _names_a_folder(dest_file: Path) -> bool:
    try:
        return Path(dest_file.read_text(encoding="utf-8")).exists()
    except OSError:
        return False
