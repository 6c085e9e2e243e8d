"""Benchmark statusgen against the floor: one command, a table, optional JSON.

    python bench/run.py [--sizes 1000,10000] [--runs 3] [--json] [--verify]

For each size N it writes the corpus of `corpus.py` (N incidents, N/20
maintenance windows, N/10 news) and measures, each as a separate process
(``python -m statusgen ...``, the way CI and people run it):

* **cold**: ``build`` with no cache and no previous output (both moved away
  first). Also **cold, 1 process**: the same through ``build(jobs=1)``;
* **first rebuild**: the build right after a cold one, which also makes the
  spare tree that later builds update (see `output.write_tree`);
* **no-change**: ``build`` again, nothing changed;
* **one-file edit**: one update added to the newest ongoing incident (a
  different one each run), then ``build``;
* **CI-restored edit**: what CI runs: a fresh copy of the site elsewhere (no
  output folder, every file new), the cache copied in (restored: new
  inodes), one more update added, then ``build``;
* **check**: ``check`` of the unchanged site;
* **floor**: read every source file, and write as many files of the same
  sizes at the same paths as the build's output, with nothing in between
  (no parsing, no rendering): what any generator must at least spend.

Each figure is the median of ``--runs`` runs (wall, and user+sys CPU of the
build and the workers it waited for), with its ratio to the floor;
peak RSS is the largest resident set of any process of the run (the build,
or one of its workers), from ``wait4``. ``--verify`` finally builds the
site cold-serial, cold-parallel, cached and CI-restored (`verify.py`) and
exits 1, naming the first differing file, unless all four are
byte-identical. Timings depend on the machine and its disk: compare runs on
one machine, not across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

NOW = corpus.NOW_TEXT


@dataclass
class Measure:
    name: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    """User + system seconds of the process and the workers it waited for."""
    rss_kb: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def peak_mb(self) -> float:
        return max(self.rss_kb, default=0) / 1024


@dataclass
class SizeResult:
    incidents: int
    source_files: int
    source_bytes: int
    output_files: int = 0
    output_bytes: int = 0
    measures: dict[str, Measure] = field(default_factory=dict)
    verified: bool | None = None
    difference: str | None = None
    """What `verify.verify` found to differ, if anything."""

    def measure(self, name: str) -> Measure:
        return self.measures.setdefault(name, Measure(name))


# --- running ------------------------------------------------------------------------------


def timed(argv: list[str], measure: Measure, cwd: Path = REPO) -> None:
    """Run one process to completion; record its wall time and its peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    output = process.stdout.read().decode() if process.stdout else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{output}")
    measure.seconds.append(elapsed)
    measure.cpu.append(usage.ru_utime + usage.ru_stime)  # wait4: its reaped workers too
    measure.rss_kb.append(usage.ru_maxrss)


def statusgen(site: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "statusgen", "--site", str(site), *args]


def build_argv(site: Path) -> list[str]:
    return statusgen(site, "build", "--now", NOW)


def serial_cold_argv(site: Path) -> list[str]:
    code = (
        "import sys; from pathlib import Path; from statusgen.build import build; "
        f"build(Path(sys.argv[1]), now={NOW!r}, jobs=1)"
    )
    return [sys.executable, "-c", code, str(site)]


def settle(*paths: Path) -> None:
    """Move `paths` out of the way, delete them and let the disk settle: deleting
    10,000 files slows the next writes on some file systems, and that must not be
    charged to the next measurement."""
    trash = []
    for path in paths:
        if path.exists():
            moved = path.with_name(f".trash-{path.name}-{time.monotonic_ns()}")
            path.rename(moved)
            trash.append(moved)
    for moved in trash:
        shutil.rmtree(moved, ignore_errors=True)
    os.sync()
    time.sleep(1)


# --- the floor ----------------------------------------------------------------------------


def floor_main(site: Path, out: Path, listing: Path) -> int:
    """Read every source file; write files of the listed sizes at the listed paths."""
    total = 0
    for folder in ("incidents", "news"):
        for entry in sorted(os.scandir(site / "content" / folder), key=lambda e: e.name):
            with open(entry.path, "rb") as handle:
                total += len(handle.read())
    made: set[str] = set()
    for line in listing.read_text().splitlines():
        rel, size = line.rsplit("\t", 1)
        target = os.path.join(out, rel)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        with open(target, "wb") as handle:
            handle.write(b"x" * int(size))
    return 0 if total else 1


def output_listing(output: Path) -> list[tuple[str, int]]:
    return [
        (p.relative_to(output).as_posix(), p.stat().st_size)
        for p in sorted(output.rglob("*"))
        if p.is_file()
    ]


# --- the edit -----------------------------------------------------------------------------


def newest_ongoing(site: Path) -> Path:
    """The incident an incident manager would be updating at 2 a.m."""
    found = []
    for path in (site / "content/incidents").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        if "\nresolved:" not in text and "kind: maintenance" not in text:
            found.append(path)
    return max(found)


def add_update(path: Path, original: str, number: int) -> None:
    """The original file plus one update whose message no other file has (so its
    Markdown is new): each run is a real change from the run before."""
    head, rest = original.split("\n---\n", 1)  # updates: is the last key in the corpus
    update = (
        f"  - at: 2026-11-24 11:{10 + number % 40:02d}\n"
        "    status: monitoring\n"
        f'    message: "Update {number}: the fix is holding, we keep **watching**."\n'
    )
    path.write_text(f"{head}\n{update}---\n{rest}", encoding="utf-8")


# --- one size -----------------------------------------------------------------------------


def bench_size(incidents: int, runs: int, work: Path, verify: bool) -> SizeResult:
    site = work / f"site-{incidents}"
    corpus.write_site(site, incidents)
    sources = list((site / "content").rglob("*.md"))
    result = SizeResult(incidents, len(sources), sum(p.stat().st_size for p in sources))
    output = site / "public"
    cache = site / ".statusgen-cache"
    print(f"\n== {incidents} incidents: {len(sources)} source files", flush=True)

    for name, argv in (("cold, 1 process", serial_cold_argv(site)), ("cold", build_argv(site))):
        for run in range(runs):
            settle(output, cache)
            timed(argv, result.measure(name))
            print(f"  {name:<16} run {run + 1}: {result.measures[name].seconds[-1]:.2f} s")
    listing = output_listing(output)
    result.output_files = len(listing)
    result.output_bytes = sum(size for _, size in listing)

    timed(build_argv(site), result.measure("first rebuild"))
    for _ in range(runs):
        timed(build_argv(site), result.measure("no-change"))
    print(f"  no-change: {result.measures['no-change'].median:.2f} s", flush=True)

    edited = newest_ongoing(site)
    original = edited.read_bytes()
    for run in range(runs):
        add_update(edited, original.decode("utf-8"), run)
        timed(build_argv(site), result.measure("one-file edit"))
    print(f"  one-file edit: {result.measures['one-file edit'].median:.2f} s", flush=True)

    # CI: a fresh checkout (at another path, every file new), no output folder, the
    # cache restored as new files, and one edit since the run that saved it.
    checkout = work / f"ci-{incidents}" / "site"
    for run in range(runs):
        settle(checkout.parent)
        shutil.copytree(site, checkout, ignore=shutil.ignore_patterns("public", cache.name))
        shutil.copytree(cache, checkout / cache.name)
        add_update(checkout / edited.relative_to(site), original.decode("utf-8"), runs + run)
        timed(build_argv(checkout), result.measure("CI-restored edit"))
    settle(checkout.parent)
    print(f"  CI-restored edit: {result.measures['CI-restored edit'].median:.2f} s", flush=True)

    for _ in range(runs):
        timed(statusgen(site, "check"), result.measure("check"))

    if verify:
        import verify as verifying

        result.difference = verifying.verify(site, work / f"verify-{incidents}")
        result.verified = result.difference is None
        print(f"  {', '.join(verifying.WAYS)} identical: {result.difference or 'yes'}", flush=True)
    edited.write_bytes(original)

    floor_out = work / f"floor-{incidents}"
    floor_list = work / f"floor-{incidents}.txt"
    floor_list.write_text("".join(f"{rel}\t{size}\n" for rel, size in listing))
    for _ in range(runs):
        settle(floor_out)
        timed(
            [sys.executable, __file__, "--floor", str(site), str(floor_out), str(floor_list)],
            result.measure("floor"),
        )
    settle(floor_out)
    print(f"  floor: {result.measures['floor'].median:.2f} s", flush=True)
    return result


# --- report -------------------------------------------------------------------------------

ORDER = (
    "cold",
    "cold, 1 process",
    "first rebuild",
    "no-change",
    "one-file edit",
    "CI-restored edit",
    "check",
    "floor",
)


def table(results: list[SizeResult]) -> str:
    lines = [
        f"{'N':>6}  {'measure':<16} {'median s':>9} {'cpu s':>7} {'x floor':>8}"
        f" {'peak RSS MB':>12}",
        "-" * 64,
    ]
    for r in results:
        floor = r.measures["floor"].median
        for name in ORDER:
            m = r.measures.get(name)
            if m is None:
                continue
            lines.append(
                f"{r.incidents:>6}  {name:<16} {m.median:>9.2f} {m.median_cpu:>7.2f}"
                f" {m.median / floor:>8.1f} {m.peak_mb:>12.0f}"
            )
        lines.append(
            f"{'':>6}  output: {r.output_files} files, {r.output_bytes / 1e6:.1f} MB;"
            f" sources: {r.source_files} files, {r.source_bytes / 1e6:.1f} MB"
            + ("" if r.verified is None else f"; four ways identical: {r.verified}")
        )
    return "\n".join(lines)


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "cpu": cpu,
        "cores": len(affinity(0)) if affinity else os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--floor"]:
        return floor_main(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="incident counts, comma separated")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--work", type=Path, default=HERE / "out" / "work", help="scratch folder")
    parser.add_argument("--json", action="store_true", help="also write bench/out/bench-*.json")
    parser.add_argument(
        "--verify", action="store_true", help="also check that all ways of building agree"
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"machine: {info}")
    results = [bench_size(int(n), args.runs, args.work, args.verify) for n in args.sizes.split(",")]
    print()
    print(table(results))
    if args.json:
        out = HERE / "out" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
        data = {
            "machine": info,
            "results": [
                {
                    **{k: v for k, v in asdict(r).items() if k != "measures"},
                    "measures": {
                        name: {
                            "median_s": m.median,
                            "runs_s": m.seconds,
                            "median_cpu_s": m.median_cpu,
                            "runs_cpu_s": m.cpu,
                            "x_floor": m.median / r.measures["floor"].median,
                            "peak_rss_mb": m.peak_mb,
                        }
                        for name, m in r.measures.items()
                    },
                }
                for r in results
            ],
        }
        out.parent.mkdir(parents=True, exist_ok=True)  # with --work elsewhere, not made yet
        out.write_text(json.dumps(data, indent=2))
        print(f"\nwrote {out}")
    for r in results:
        if r.difference is not None:
            print(f"verify: {r.incidents} incidents: {r.difference}", file=sys.stderr)
    return 1 if any(r.difference is not None for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
