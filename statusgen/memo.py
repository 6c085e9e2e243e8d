"""What a build keeps between its steps and, given a folder, between builds.

A `Memo` is the build's get-or-compute table for each of its pure steps,
by namespace: ``stamps`` (each content file's size, mtime and inode, and
the SHA-256 of its bytes then), ``parsed`` (each content file's entry and
problems), ``markup`` (each Markdown text's HTML), ``manifest`` (each
entry's manifest fragment) and ``foreseen`` (the privacy refusals of the
posts publish can foresee, for the manifest's records of the last build).
The build asks the memo first and computes what is missing, whether or not
there is a cache folder: a `Memo()` lives in memory for one build
(``cache=False``), a `cache.Cache` is one kept in ``.statusgen-cache/``.
Either way the same code runs.

On disk: plain data (tuples, strings, numbers) written with `marshal` (no
pickle: loading never runs code) behind a magic line and a SHA-256 of the
payload, written to a temporary file and renamed into place, so a reader
never sees half a file. Anything unreadable, corrupt or of another shape is
a miss, never an error. Writing is best-effort: a read-only site still builds.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import markup

if TYPE_CHECKING:
    from .source import Parsed

_MAGIC = b"statusgen cache\n"


class Memo:
    """The memo of one build, in memory (`folder` None) or kept in `folder`."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.stamps = Shards(None if folder is None else folder / "stamps", 16)
        self.parsed = Shards(None if folder is None else folder / "parsed", 64)
        self.markup = MarkupStore(None if folder is None else folder / "markup")
        self.manifest = Shards(None if folder is None else folder / "manifest", 64)
        self.foreseen = Shards(None if folder is None else folder / "foreseen", 1)
        self.models: dict[str, tuple[str, Parsed]] = {}
        """Entries already made from ``parsed`` in this process, by path and content
        key: a process that builds again (``serve``) skips making them again."""

    def save(self) -> None:
        """Write what changed (nothing, in memory)."""
        self.stamps.save()
        self.parsed.save()
        self.markup.save()
        self.manifest.save()
        self.foreseen.save()


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

    def __init__(self, folder: Path | None, count: int) -> None:
        self.folder = folder
        """None: in memory only, for one build."""
        self.count = count
        self._shards: dict[int, dict[str, Any]] = {}
        self._dirty: set[int] = set()

    def _number(self, key: str) -> int:
        return zlib.crc32(key.encode("utf-8", "surrogatepass")) % self.count

    def shard(self, number: int) -> dict[str, Any]:
        loaded = self._shards.get(number)
        if loaded is None:
            value = None if self.folder is None else read_blob(self.folder / f"{number:03d}")
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
        if self.folder is not None:
            for number in sorted(self._dirty):
                write_blob(self.folder / f"{number:03d}", self._shards[number])
        self._dirty.clear()


class MarkupStore:
    """Markdown text -> sanitised HTML (`markup.Converted`): what a text converts
    to, kept by a hash of the text alone."""

    def __init__(self, folder: Path | None) -> None:
        self.shards = Shards(folder, 256)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def get(self, text: str) -> str | None:
        found = self.shards.get(self.key(text))
        return found if isinstance(found, str) else None

    def put(self, text: str, html: str) -> None:
        self.shards.put(self.key(text), html)

    def html(self, text: str) -> str:
        """The HTML of `text`: kept, or converted (and kept) now."""
        found = self.get(text)
        if found is None:
            found = markup.convert(text)
            self.put(text, found)
        return found

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
