"""Several cores for the dear parts of a cold build: parsing with Markdown, and pages.

Processes, not threads: YAML composition, Markdown and Jinja are Python
code that holds the GIL. Each pool is forked from the building process
after everything its workers need (the site's configuration, or the site,
its status and the renderer) is in memory, so nothing is pickled on the way
in: a worker receives a range of indexes and sends back plain data or
bytes. Results come back in order and the work is pure, so a parallel
build writes exactly the bytes of a serial one (a test compares them).

A pool costs a fork per worker and the transfer of its results, a few tens
of milliseconds: it is only used when the work is large enough to repay
that (`MIN_FILES`, `MIN_PAGES`), which in practice means a cold build of a
large site; an incremental build, or a small site, stays serial. Nor is it
used where the CPUs are not really there: the first pool of a process
first checks that its workers run side by side at full speed (`_pays`).

Forking is only safe in a process with one thread (a lock that another
thread holds at the fork stays locked for ever in the child), so a process
that runs threads, such as ``serve`` with its HTTP server, builds serially,
as does any platform without ``fork`` (Windows, and macOS where it is
unsafe).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from .content import Pending, parse_entry
from .model import Incident, Maintenance, NewsItem, SiteConfig

MIN_FILES = 200
"""Files to parse before a pool of workers pays for itself."""

MIN_PAGES = 400
"""Pages to render before a pool of workers pays for itself."""

_CHUNKS_PER_WORKER = 8
"""Tasks per worker: small enough to even out pages of very different cost."""

_work: Any = None
"""(function, data) the forked workers run: set just before a pool starts, cleared after."""


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where forking worker processes is safe: Linux, one thread."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def workers(jobs: int | None, work: int, minimum: int) -> int:
    """How many processes to use for `work` items: 1 (serial) below `minimum`,
    where forking is unsafe, or when `jobs` is 1; else every core, at most `jobs`."""
    if not can_fork() or (jobs is not None and jobs <= 1) or work < minimum:
        return 1
    return max(1, min(jobs or cores(), work))


def run(function: Callable[[int, int], list[Any]], total: int, count: int, work: Any) -> list[Any]:
    """``function(start, stop)`` over ``range(total)`` in `count` forked processes,
    the results concatenated in order. `function` and `work` (what it reads from
    `_work`) reach the workers by the fork itself: nothing of them is pickled."""
    global _work
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    size = max(1, -(-total // (count * _CHUNKS_PER_WORKER)))
    bounds = [(start, min(start + size, total)) for start in range(0, total, size)]
    _work = (function, work)
    try:
        with ProcessPoolExecutor(count, mp_context=get_context("fork")) as pool:
            parts = list(pool.map(_call, bounds)) if _pays(pool, count) else None
        if parts is None:
            return function(0, total)
    finally:
        _work = None
    return [item for part in parts for item in part]


_SPIN = 400_000
"""Iterations of the probe's busy loop: some tens of milliseconds."""

_pays_for: dict[int, bool] = {}


def _pays(pool: Any, count: int) -> bool:
    """Whether `count` processes really run at once on this machine (once per process).

    A machine may show two CPUs that cannot run two processes at full speed
    together (a virtual machine's CPU quota, a busy host): the workers would
    then only add their start-up and the transfer of their results. The same
    busy loop runs alone here, then in every worker at the same moment; if
    the workers take much longer than the loop alone, the build stays serial.
    """
    if count not in _pays_for:
        import time

        alone = min(_spin(0.0) for _ in range(2))
        start = time.time() + 0.05  # every worker forked and waiting before any spins
        together = max(f.result() for f in [pool.submit(_spin, start) for _ in range(count)])
        _pays_for[count] = together < alone * 1.5
    return _pays_for[count]


def _spin(start: float) -> float:
    """Wait until the wall clock reaches `start`, then time a fixed busy loop."""
    import time

    while time.time() < start:
        time.sleep(0.001)
    began = time.perf_counter()
    total = 0
    for i in range(_SPIN):
        total += i
    return time.perf_counter() - began


def _call(bounds: tuple[int, int]) -> list[Any]:
    function, _ = _work
    return function(*bounds)  # type: ignore[no-any-return]


# --- parsing ------------------------------------------------------------------------------


def texts(entry: Incident | Maintenance | NewsItem) -> list[str]:
    """The Markdown of an entry: its body and its update messages."""
    found = [entry.body]
    if not isinstance(entry, NewsItem):
        found += [u.message for u in entry.updates]
    return found


def parse_files(
    config: SiteConfig, pending: Sequence[Pending], jobs: int | None
) -> list[tuple[Any, list[tuple[str, str]]]]:
    """Each file as (plain record, [(Markdown, HTML), ...]), in order.

    In parallel, a worker also converts the file's Markdown: that is most of
    the cost of an entry, and the build needs all of it (feeds, the API and
    the manifest quote every text), so it is done where the cores are.
    Serially, Markdown is left to the renderers, which convert on demand.
    """
    count = workers(jobs, len(pending), MIN_FILES)
    if count <= 1:
        return [_parse(config, item, render=False) for item in pending]
    return run(_parse_range, len(pending), count, (config, pending))


def _parse_range(start: int, stop: int) -> list[tuple[Any, list[tuple[str, str]]]]:
    config, pending = _work[1]
    return [_parse(config, pending[i], render=True) for i in range(start, stop)]


def _parse(config: SiteConfig, item: Pending, *, render: bool) -> tuple[Any, list[tuple[str, str]]]:
    from .cache import parsed_to_plain
    from .markup import to_html

    rel_path, data, folder = item
    parsed = parse_entry(rel_path, data, config, folder)
    rendered: list[tuple[str, str]] = []
    if render and parsed[0] is not None:
        rendered = [(text, to_html(text)) for text in texts(parsed[0])]
    return parsed_to_plain(parsed), rendered


# --- pages ------------------------------------------------------------------------------------


def render_pages(renders: Sequence[Callable[[], bytes]], jobs: int | None) -> list[bytes]:
    """Call each page's render function, on several cores when there are many."""
    count = workers(jobs, len(renders), MIN_PAGES)
    if count <= 1:
        return [render() for render in renders]
    return run(_render_range, len(renders), count, renders)


def _render_range(start: int, stop: int) -> list[bytes]:
    renders = _work[1]
    return [renders[i]() for i in range(start, stop)]
