"""Parallel builds: forked workers write exactly the bytes of a serial build."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_cache import NOW, Counter, demo, tree  # noqa: F401 - `demo` is a fixture

from statusgen import pool, stages
from statusgen.build import build
from statusgen.pool import Pool

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs fork (Linux)")


def ran_in_a_fresh_process(request: pytest.FixtureRequest) -> bool:
    """Forking is refused once another test left a thread running (the integration
    tests' server does): then run this test alone in a fresh interpreter."""
    if pool.can_fork():
        return False
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", request.node.nodeid],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return True


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts the forked maps, so a test knows its build did run in parallel; the
    demo site is small, so the thresholds come down to its size."""
    monkeypatch.setattr(stages, "MIN_FILES", 10)
    monkeypatch.setattr(stages, "MIN_TEXTS", 10)
    monkeypatch.setattr(stages, "MIN_PAGES", 20)
    counter = Counter(Pool._forked)

    def forked(self: Pool, fn: object, items: object, count: int) -> object:
        # Whatever the probe would find on this (shared) machine: the test is
        # that forked workers write the bytes of a serial build.
        self._pays[count] = True
        return counter(self, fn, items, count)

    monkeypatch.setattr(Pool, "_forked", forked)
    return counter


def test_a_parallel_build_writes_the_bytes_of_a_serial_one(demo, tmp_path, forks, request):  # noqa: F811
    if ran_in_a_fresh_process(request):
        return
    serial = build(demo, output=tmp_path / "serial", now=NOW, cache=False, jobs=1)
    assert forks.calls == 0
    both = build(demo, output=tmp_path / "parallel", now=NOW, cache=False, jobs=2)
    assert forks.calls == 3  # parsing, Markdown, then pages
    assert tree(both.output) == tree(serial.output)
    assert both.warnings == serial.warnings
    assert both.manifest == serial.manifest


def test_a_parallel_cold_build_with_the_cache_writes_the_same_bytes(demo, tmp_path, forks, request):  # noqa: F811
    if ran_in_a_fresh_process(request):
        return
    serial = build(demo, output=tmp_path / "serial", now=NOW, cache=False, jobs=1)
    cold = build(demo, now=NOW, cache=True, jobs=2)
    assert forks.calls == 3
    assert tree(cold.output) == tree(serial.output)
    forks.calls = 0
    again = build(demo, now=NOW, cache=True, jobs=2)  # nothing to parse or render
    assert forks.calls == 0
    assert tree(again.output) == tree(serial.output)


def test_small_work_stays_serial(monkeypatch):
    monkeypatch.setattr(pool, "can_fork", lambda: True)
    assert Pool().workers(stages.MIN_FILES - 1, stages.MIN_FILES) == 1
    assert Pool().workers(10_000, stages.MIN_FILES) == pool.cores()
    assert Pool(1).workers(10_000, stages.MIN_FILES) == 1
    assert Pool(3).workers(2, 1) == 2
    assert Pool(2).workers(10_000, stages.MIN_FILES) == 2


def test_a_process_with_threads_never_forks():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not pool.can_fork()
        assert Pool(4).workers(10_000, 1) == 1
    finally:
        stop.set()
        thread.join()


def forking_pool() -> Pool:
    """A pool of two that forks even on a machine whose probe would say no."""
    made = Pool(2)
    made._pays[2] = True
    return made


def test_results_come_back_in_order_from_other_processes(request):
    if ran_in_a_fresh_process(request):
        return
    offset = 7  # a closure: the workers get it by the fork, nothing is pickled

    def square(i: int) -> tuple[int, int]:
        return i * i + offset, os.getpid()

    made = forking_pool()
    found = made.map(square, range(1000))
    assert [value for value, _ in found] == [i * i + offset for i in range(1000)]
    assert os.getpid() not in {pid for _, pid in found}
    assert made.forks == 1


def test_the_same_function_runs_serially_below_the_minimum(request):
    if ran_in_a_fresh_process(request):
        return
    made = forking_pool()
    found = made.map(lambda i: (i, os.getpid()), range(10), minimum=11)
    assert found == [(i, os.getpid()) for i in range(10)]
    assert made.forks == 0


def test_a_worker_s_error_is_raised_here(request):
    if ran_in_a_fresh_process(request):
        return

    def fail(i: int) -> int:
        if i == 500:
            raise ValueError(f"item {i}")
        return i

    with pytest.raises(ValueError, match="item 500"):
        forking_pool().map(fail, range(1000))


def test_a_pool_stays_serial_where_its_workers_would_not_run_side_by_side(request):
    if ran_in_a_fresh_process(request):
        return
    made = Pool(2)
    made._pays[2] = False  # what the probe found on a machine with one real core
    forked = []
    made._forked = lambda *args: forked.append(args)  # type: ignore[method-assign]
    assert made.map(lambda i: (i, os.getpid()), range(100)) == [
        (i, os.getpid()) for i in range(100)
    ]
    assert made.forks == 0
    assert forked == []  # not even forked to be told to stop
