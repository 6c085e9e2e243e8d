"""What `publish` keeps on the machine that runs it: a lock and a copy of the ledger.

Both are files directly in ``.statusgen-cache/`` in the site folder (files,
because the build cache removes folders there that are not its own):

- ``publish.lock``: held with ``fcntl.flock`` for the whole run, so two
  publishes of one site on one machine run one after the other; a second
  run waits `LOCK_WAIT` seconds at most, then stops with one line. Across
  machines (CI runners) the CI's own serialisation covers it (README: "In
  CI").
- ``publish-ledger.json``: the ledger as this machine last wrote it,
  merged with the output folder's and the live site's on every run, so a
  failed deploy or a stale cache of the live site cannot make this machine
  forget what it posted. Deleting it is safe: it is only a copy.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from ..errors import StatusgenError

STATE_DIR = ".statusgen-cache"
"""The site's cache folder (`cache.CACHE_DIR`), where these files live."""
LOCK_NAME = "publish.lock"
LEDGER_COPY_NAME = "publish-ledger.json"
LOCK_WAIT = 120.0
"""Seconds a second publish waits for the first to finish."""
LOCK_POLL = 1.0


class _Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


@contextlib.contextmanager
def publish_lock(folder: Path, clock: _Clock, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the site's publish lock; `StatusgenError` when another run keeps it past `wait`."""
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+b")
    except OSError as exc:
        raise StatusgenError(f"{path}: cannot open the publish lock ({exc.strerror})") from None
    with handle:
        deadline = clock.now() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if clock.now() >= deadline:
                    raise StatusgenError(
                        f"another statusgen publish of this site is running ({path} is "
                        f"locked); gave up after {wait:g} s (run publish again when it ends)"
                    ) from None
                clock.sleep(LOCK_POLL)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
