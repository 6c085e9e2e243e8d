"""Parallel builds: forked workers write exactly the bytes of a serial build."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_cache import NOW, Counter, demo, tree  # noqa: F401 - `demo` is a fixture

from statusgen import parallel
from statusgen.build import build

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs fork (Linux)")


def ran_in_a_fresh_process(request: pytest.FixtureRequest) -> bool:
    """Forking is refused once another test left a thread running (the integration
    tests' server does): then run this test alone in a fresh interpreter."""
    if parallel.can_fork():
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
    """Counts the pools started, so a test knows its build did run in parallel; the
    demo site is small, so the thresholds come down to its size."""
    monkeypatch.setattr(parallel, "MIN_FILES", 10)
    monkeypatch.setattr(parallel, "MIN_PAGES", 20)
    counter = Counter(parallel.run)
    monkeypatch.setattr(parallel, "run", counter)
    return counter


def test_a_parallel_build_writes_the_bytes_of_a_serial_one(demo, tmp_path, forks, request):  # noqa: F811
    if ran_in_a_fresh_process(request):
        return
    serial = build(demo, output=tmp_path / "serial", now=NOW, cache=False, jobs=1)
    assert forks.calls == 0
    both = build(demo, output=tmp_path / "parallel", now=NOW, cache=False, jobs=2)
    assert forks.calls == 2  # parsing, then pages
    assert tree(both.output) == tree(serial.output)
    assert both.warnings == serial.warnings
    assert both.manifest == serial.manifest


def test_a_parallel_cold_build_with_the_cache_writes_the_same_bytes(demo, tmp_path, forks, request):  # noqa: F811
    if ran_in_a_fresh_process(request):
        return
    serial = build(demo, output=tmp_path / "serial", now=NOW, cache=False, jobs=1)
    cold = build(demo, now=NOW, cache=True, jobs=2)
    assert forks.calls == 2
    assert tree(cold.output) == tree(serial.output)
    forks.calls = 0
    again = build(demo, now=NOW, cache=True, jobs=2)  # nothing to parse or render
    assert forks.calls == 0
    assert tree(again.output) == tree(serial.output)


def test_small_work_stays_serial(monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    assert parallel.workers(None, parallel.MIN_FILES - 1, parallel.MIN_FILES) == 1
    assert parallel.workers(None, 10_000, parallel.MIN_FILES) == parallel.cores()
    assert parallel.workers(1, 10_000, parallel.MIN_FILES) == 1
    assert parallel.workers(3, 2, 1) == 2
    assert parallel.workers(2, 10_000, parallel.MIN_FILES) == 2


def test_a_process_with_threads_never_forks():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not parallel.can_fork()
        assert parallel.workers(4, 10_000, 1) == 1
    finally:
        stop.set()
        thread.join()


def test_results_come_back_in_order():
    def squares(start: int, stop: int) -> list[int]:
        return [i * i for i in range(start, stop)]

    assert parallel.run(squares, 1000, 2, None) == [i * i for i in range(1000)]
