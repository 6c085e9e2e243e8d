"""Time ``statusgen serve`` from saving a file to the reload event.

    python bench/serve.py [--sizes 1000,10000] [--runs 5] [--work bench/out]

For each size N it writes the corpus of `corpus.py`, starts ``python -m
statusgen serve --port 0`` on it (its own process, as a person runs it),
waits for the first build, and opens ``/__statusgen/events`` (the stream an
open page listens on). Then, ``--runs`` times: one update is added to the
newest ongoing incident (`run.add_update`, a new message each time), and the
clock runs from the moment the file is saved until ``event: reload`` arrives.
That is the whole loop a person waits for: the watcher noticing the save,
its quiet period (`serve.DEBOUNCE`), the rebuild, and the event. It prints
the median and every run, and exits 1 if an edit brings no reload within
``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from run import add_update, newest_ongoing  # noqa: E402

EVENTS_PATH = "/__statusgen/events"
SETTLE = 1.0
"""Seconds of quiet between runs, so that one save's rebuild is over before the next."""


class Events:
    """An open event stream: its lines, read as they arrive."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        request = f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n"
        self.sock.sendall(request.encode())
        self.buffer = b""

    def line(self) -> str:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the event stream closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")

    def reload(self) -> str:
        """Wait for the next ``event: reload``; return its generation."""
        while True:
            if self.line() == "event: reload":
                return self.line().removeprefix("data: ")

    def close(self) -> None:
        self.sock.close()


def start(site: Path, timeout: float) -> tuple[subprocess.Popen[str], str]:
    """``statusgen serve`` on `site`, once its first build is done; and its URL."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "statusgen", "--site", str(site), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=REPO,
    )
    assert process.stdout is not None
    url = ""
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        if line.startswith("serving "):
            url = line.split(" at ", 1)[1].split(" ", 1)[0]
        if line.startswith("built ") or line.startswith("build failed"):
            break
        if time.monotonic() > deadline:
            break
    if not url:
        process.kill()
        raise SystemExit(f"serve on {site} printed no address")
    return process, url


def drain(process: subprocess.Popen[str]) -> None:
    """Read what serve prints, so that a full pipe never stalls it."""
    import threading

    def read() -> None:
        assert process.stdout is not None
        for _ in process.stdout:
            pass

    threading.Thread(target=read, daemon=True).start()


def bench_size(incidents: int, runs: int, work: Path, timeout: float) -> list[float]:
    site = work / f"serve-{incidents}"
    corpus.write_site(site, incidents)
    path = newest_ongoing(site)
    original = path.read_text(encoding="utf-8")
    process, url = start(site, timeout * 10)
    drain(process)
    events = Events(url, timeout)
    seconds: list[float] = []
    try:
        time.sleep(SETTLE)
        for number in range(runs):
            add_update(path, original, 1000 + number)
            saved = time.perf_counter()
            events.reload()
            seconds.append(time.perf_counter() - saved)
            time.sleep(SETTLE)
    except (TimeoutError, EOFError) as exc:
        raise SystemExit(f"{incidents} incidents: no reload event after an edit ({exc})") from None
    finally:
        events.close()
        process.terminate()
        process.wait(timeout=30)
        path.write_text(original, encoding="utf-8")
    return seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="incident counts, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="edits per size (median)")
    parser.add_argument("--work", type=Path, default=HERE / "out", help="scratch folder")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait per edit")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"{'incidents':>9}  {'median':>8}  runs (save -> reload event)")
    for size in (int(s) for s in args.sizes.split(",")):
        seconds = bench_size(size, args.runs, args.work, args.timeout)
        runs = " ".join(f"{s * 1000:.0f}" for s in seconds)
        print(f"{size:>9}  {statistics.median(seconds) * 1000:>6.0f} ms  {runs} ms", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
