"""Two statusgen trees side by side, on one corpus, runs interleaved.

    python bench/ab.py --before /tmp/old-checkout --after . --incidents 1000 --rounds 5

A refactor is judged by before/after on the same machine under the same
load; on a shared machine the load changes by the minute, so two separate
`run.py` runs minutes apart can differ by more than the change. This
alternates the two trees round by round (before, after; then after,
before) on copies of one `corpus.py` site, and reports each figure's
median wall time, with user+sys, and the ratio:

* **cold**: ``build`` with no ``.statusgen-cache/`` and no output;
* **first rebuild**: ``build`` again, which also makes the spare tree;
* **no-change**: ``build`` once more;
* **one-file edit**: a paragraph appended to the newest incident, then ``build``.

Finally it checks that both trees wrote the same bytes.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

FIGURES = ("cold", "first rebuild", "no-change", "one-file edit")


def timed(tree: Path, site: Path) -> tuple[float, float]:
    """(wall, user+sys) seconds of one ``python -m statusgen build`` from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = [
        sys.executable,
        "-m",
        "statusgen",
        "--site",
        str(site),
        "build",
        "--now",
        corpus.NOW_TEXT,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # From the tree itself: `python -m` puts the working folder first on sys.path, so
    # run from another checkout, both trees would import that one.
    subprocess.run(argv, env=env, cwd=tree, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="a statusgen checkout")
    parser.add_argument("--after", type=Path, default=HERE.parent, help="another (default: this)")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=HERE / "out" / "ab")
    args = parser.parse_args(argv)
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    source = args.work / f"corpus-{args.incidents}"
    if not (source / "site.toml").is_file():
        corpus.write_site(source, args.incidents)
    sites = {}
    for name in trees:
        sites[name] = args.work / f"{name}-{args.incidents}"
        shutil.rmtree(sites[name], ignore_errors=True)
        shutil.copytree(source / "content", sites[name] / "content")
        shutil.copy(source / "site.toml", sites[name] / "site.toml")
    newest = sorted((source / "content" / "incidents").glob("*.md"))[-1].name
    found: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for number in range(args.rounds):
        order = list(trees) if number % 2 == 0 else list(reversed(trees))
        for name in order:
            site = sites[name]
            for stale in (site / ".statusgen-cache", site / "public"):
                shutil.rmtree(stale, ignore_errors=True)
            os.sync()
            found.setdefault((name, "cold"), []).append(timed(trees[name], site))
            found.setdefault((name, "first rebuild"), []).append(timed(trees[name], site))
            found.setdefault((name, "no-change"), []).append(timed(trees[name], site))
            edited = site / "content" / "incidents" / newest
            edited.write_text(edited.read_text() + f"\nEdit number {number}.\n")
            found.setdefault((name, "one-file edit"), []).append(timed(trees[name], site))
    print(
        f"{args.incidents} incidents, median of {args.rounds} interleaved runs: wall s (user+sys s)"
    )
    for figure in FIGURES:
        cells = []
        medians = {}
        for name in trees:
            runs = found[name, figure]
            medians[name] = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            cells.append(f"{name} {medians[name]:6.2f} ({cpu:5.2f})")
        ratio = medians["after"] / medians["before"]
        print(f"  {figure:14s} " + "   ".join(cells) + f"   after/before {ratio:4.2f}")
    same = files(sites["before"] / "public") == files(sites["after"] / "public")
    print(f"  outputs identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
