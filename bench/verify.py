"""Every way of building the site writes the same bytes.

    python bench/verify.py [--incidents 1000] [--work bench/out/verify]

Builds the corpus of `corpus.py` four ways and compares each output tree,
byte for byte, with the first:

* **cold-serial**: no cache, one process (``build(cache=False, jobs=1)``);
* **cold-parallel**: no cache, two processes (``jobs=2``: forked workers
  where the work is large enough);
* **cached**: a warm rebuild through ``.statusgen-cache/`` (a first cached
  build, then the one compared), into the site's own output folder;
* **CI-restored**: what a CI run does: a fresh checkout at another path,
  no output folder, and the cached build's ``.statusgen-cache/`` restored
  as new files (copied: new inodes).

Exits 1 on the first tree that differs, naming the first differing file;
``run.py --verify`` runs the same after its measurements.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402

from statusgen.build import build  # noqa: E402
from statusgen.cache import CACHE_DIR  # noqa: E402

NOW = corpus.NOW_TEXT
WAYS = ("cold-serial", "cold-parallel", "cached", "CI-restored")


def files_of(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def first_difference(left: Path, right: Path) -> str | None:
    """The first file (by path) that one tree lacks or holds other bytes of; None: equal."""
    a, b = files_of(left), files_of(right)
    for rel in sorted(a.keys() | b.keys()):
        if rel not in a:
            return f"{rel} (only in {right.name})"
        if rel not in b:
            return f"{rel} (missing from {right.name})"
        if a[rel].read_bytes() != b[rel].read_bytes():
            return f"{rel} (other bytes)"
    return None


def outputs(site: Path, work: Path, make: Callable[..., object] = build) -> dict[str, Path]:
    """Build `site` each of the four ways; the output folder of each, by name."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.rmtree(site / "public", ignore_errors=True)
    shutil.rmtree(site / CACHE_DIR, ignore_errors=True)
    found = {}
    found["cold-serial"] = work / "cold-serial"
    make(site, output=found["cold-serial"], now=NOW, cache=False, jobs=1)
    found["cold-parallel"] = work / "cold-parallel"
    make(site, output=found["cold-parallel"], now=NOW, cache=False, jobs=2)
    make(site, now=NOW, cache=True)  # cold, and it fills the cache
    make(site, now=NOW, cache=True)  # the warm rebuild compared
    found["cached"] = site / "public"
    checkout = work / "ci" / "site"
    shutil.copytree(site, checkout, ignore=shutil.ignore_patterns("public", CACHE_DIR))
    shutil.copytree(site / CACHE_DIR, checkout / CACHE_DIR)  # restored: new inodes
    make(checkout, now=NOW, cache=True)
    found["CI-restored"] = checkout / "public"
    return found


def verify(site: Path, work: Path, make: Callable[..., object] = build) -> str | None:
    """None when the four builds of `site` are byte-identical, else what differs."""
    built = outputs(site, work, make)
    reference = built[WAYS[0]]
    for way in WAYS[1:]:
        different = first_difference(reference, built[way])
        if different is not None:
            return f"{way} differs from {WAYS[0]}: {different}"
    return None


def main(argv: list[str], make: Callable[..., object] = build) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=HERE / "out" / "verify")
    args = parser.parse_args(argv)
    site = args.work / "site"
    corpus.write_site(site, args.incidents)
    problem = verify(site, args.work / "builds", make)
    if problem is not None:
        print(f"verify: {problem}", file=sys.stderr)
        return 1
    print(f"verify: {', '.join(WAYS)} builds of {args.incidents} incidents are identical")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
