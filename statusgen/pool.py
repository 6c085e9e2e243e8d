"""A scheduler for the build's pure steps: `Pool.map(fn, items)`, serial or forked.

Every stage of a build that costs seconds on a large site (parsing, Markdown,
pages) is one pure function mapped over many items, and calls `Pool.map`
with that function whatever `jobs` says: a pool only chooses where the calls
run, never which code runs, and the results come back in order, so a
parallel build writes exactly the bytes of a serial one.

Processes, not threads: YAML composition, Markdown and Jinja are Python code
that holds the GIL. The workers are forked after the function and the items
are in memory, so nothing is pickled on the way in (a function may be a
closure over the site); a worker sends back its results, which must be plain
data or bytes. Forking costs a few tens of milliseconds, so a map stays
serial below `minimum` items, for ``jobs=1``, where forking is unsafe (a
process running threads, such as ``serve``, or a platform without ``fork``)
and where the CPUs are not really there: before its first fork a pool checks
that its workers run side by side at full speed (`_pays`).

This module imports nothing of statusgen.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHUNKS_PER_WORKER = 8
"""Tasks per worker: small enough to even out items of very different cost."""

_SPIN = 400_000
"""Iterations of the probe's busy loop: some tens of milliseconds."""


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where forking worker processes is safe: Linux, one thread."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


class Pool:
    """Where a build runs its maps: here, or in up to `jobs` forked processes
    (None: every core when it pays; 1: always here)."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs
        self.forks = 0
        """Maps this pool ran in forked workers (the tests count them)."""
        self._pays: dict[int, bool] = {}

    def workers(self, items: int, minimum: int) -> int:
        """How many processes a map of `items` items would use: 1 (serial) below
        `minimum`, where forking is unsafe, or when `jobs` is 1; else every core,
        at most `jobs`."""
        jobs = self.jobs
        if not can_fork() or (jobs is not None and jobs <= 1) or items < minimum:
            return 1
        return max(1, min(jobs or cores(), items))

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, minimum: int = 1) -> list[R]:
        """``[fn(item) for item in items]``, on several cores when there are at
        least `minimum` items and the cores are real."""
        count = self.workers(len(items), minimum)
        if count > 1 and self._pays.get(count) is not False:
            found = self._forked(fn, items, count)
            if found is not None:
                self.forks += 1
                return found
        return [fn(item) for item in items]

    def _forked(self, fn: Callable[[T], R], items: Sequence[T], count: int) -> list[R] | None:
        """The map in `count` forked workers, or None when they would not run side
        by side (then the caller maps here, and so does every later map of this
        pool with as many workers: the probe runs once)."""
        from multiprocessing import get_context

        context = get_context("fork")
        size = max(1, -(-len(items) // (count * CHUNKS_PER_WORKER)))
        chunks = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
        mine = [chunks[number::count] for number in range(count)]
        probe = count not in self._pays
        alone = min(_spin(0.0) for _ in range(2)) if probe else 0.0
        start = time.time() + 0.05  # every worker forked and waiting before any spins
        links = []
        for number in range(count):
            parent, child = context.Pipe()
            process = context.Process(
                target=_work, args=(fn, items, mine[number], child, start if probe else None)
            )
            process.start()
            child.close()
            links.append((process, parent))
        try:
            if probe:
                together = max(parent.recv() for _, parent in links)
                self._pays[count] = together < alone * 1.5
            go = self._pays[count]
            for _, parent in links:
                parent.send(go)
            if not go:
                return None
            parts: dict[tuple[int, int], list[R]] = {}
            for _, parent in links:
                try:
                    failure, done = parent.recv()
                except EOFError:
                    raise RuntimeError("a worker process ended without its results") from None
                if failure is not None:
                    raise failure
                parts.update(done)
        finally:
            for process, parent in links:
                parent.close()
                process.join()
        return [result for bounds in chunks for result in parts[bounds]]


def _work(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    chunks: list[tuple[int, int]],
    link: Any,
    start: float | None,
) -> None:
    """A worker: the probe if asked, then, if told to go, its chunks of the map."""
    try:
        if start is not None:
            link.send(_spin(start))
        if not link.recv():
            return
        try:
            done = {(a, b): [fn(items[i]) for i in range(a, b)] for a, b in chunks}
            link.send((None, done))
        except Exception as exc:
            link.send((exc, {}))
    finally:
        link.close()


def _spin(start: float) -> float:
    """Wait until the wall clock reaches `start`, then time a fixed busy loop.

    A machine may show two CPUs that cannot run two processes at full speed
    together (a virtual machine's CPU quota, a busy host): the workers would
    then only add their start-up and the transfer of their results. The same
    loop runs alone here, then in every worker at the same moment; if the
    workers take much longer than the loop alone, the map stays serial.
    """
    while time.time() < start:
        time.sleep(0.001)
    began = time.perf_counter()
    total = 0
    for i in range(_SPIN):
        total += i
    return time.perf_counter() - began
