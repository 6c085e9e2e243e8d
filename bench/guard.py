"""Time the privacy guard alone: every output of a corpus site, and hostile rules.

    python bench/guard.py [--incidents 10000] [--runs 3] [--limit 30]

Figures (the median of ``--runs``; each hostile case is its own process,
stopped after ``--limit`` seconds, since with a backtracking engine it
may never finish):

* **clean**: `privacy.check_outputs` over every output of the corpus of
  `corpus.py` (N incidents, N/20 maintenance windows, N/10 news) under its
  two rules, nothing found: what every build and check pays;
* **one leak**: the same with ``srv-1`` added to the home page, where no
  source explains it, so the guard also searches every source (and the
  plain text of every Markdown field) before naming the output: the
  dearest way a match is traced;
* **hostile**: one output holding a 200 KB token searched by
  ``[\\w.-]+\\.internal\\.example\\.ac\\.uk`` (quadratic when backtracking),
  and 30 ``a`` then ``!`` by ``(a+)+$`` (exponential when backtracking).

Rendering is not timed. Run it against two checkouts (``PYTHONPATH``) to
compare them; the script uses only what both the old and the new guard have.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

HOSTILE = {
    "200 KB token, [\\w.-]+\\.internal…": (
        r"[\w.-]+\.internal\.example\.ac\.uk",
        "<pre><code>" + "a" * 200_000 + "</code></pre>",
    ),
    "(a+)+$ on 30 a and !": (r"(a+)+$", "a" * 30 + "!"),
}


def site_files(root: Path) -> tuple[object, dict[str, bytes]]:
    from statusgen.build import load_site, parse_now, render_site

    site, _ = load_site(root, jobs=1)
    files, _ = render_site(site, parse_now(corpus.NOW_TEXT, site.config), previous=None)
    return site, files


def median_of(runs: int, call: object) -> float:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def corpus_figures(incidents: int, runs: int, work: Path) -> None:
    from statusgen.privacy import check_outputs

    root = work / f"guard-{incidents}"
    corpus.write_site(root, incidents)
    site, files = site_files(root)
    size = sum(len(data) for data in files.values())
    print(f"{incidents} incidents: {len(files)} outputs, {size / 1e6:.1f} MB")
    assert check_outputs(site, files, env={}) == [], "the corpus must pass the guard"
    clean = median_of(runs, lambda: check_outputs(site, files, env={}))
    print(f"  clean     {clean:7.2f} s")
    leaky = dict(files, **{"index.html": files["index.html"] + b"<p>srv-1</p>"})
    found = check_outputs(site, leaky, env={})
    assert len(found) == 1, found
    leak = median_of(runs, lambda: check_outputs(site, leaky, env={}))
    print(f"  one leak  {leak:7.2f} s")


def hostile_child(name: str, work: Path) -> int:
    from statusgen.privacy import check_outputs

    rule, text = HOSTILE[name]
    root = work / "guard-hostile"
    corpus.write_site(root, 3)
    toml = (root / "site.toml").read_text(encoding="utf-8")
    head, _ = toml.split("forbidden = ", 1)
    literal = f"'{rule}'"  # a TOML literal string: backslashes as written
    (root / "site.toml").write_text(f"{head}forbidden = [{literal}]\n", encoding="utf-8")
    site, _ = site_files(root)
    start = time.perf_counter()
    check_outputs(site, {"index.html": text.encode()}, env={})
    print(f"{time.perf_counter() - start:.3f}")
    return 0


def hostile_figures(limit: float, work: Path) -> None:
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH", str(HERE.parent)))
    for name in HOSTILE:
        argv = [sys.executable, __file__, "--hostile", name, "--work", str(work)]
        try:
            done = subprocess.run(
                argv, env=env, capture_output=True, text=True, timeout=limit, check=False
            )
        except subprocess.TimeoutExpired:
            print(f"  {name:<36} > {limit:g} s (stopped)")
            continue
        if done.returncode != 0:
            print(f"  {name:<36} failed: {done.stderr.strip().splitlines()[-1]}")
        else:
            print(f"  {name:<36} {float(done.stdout):7.3f} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=30.0, help="seconds per hostile case")
    parser.add_argument("--work", type=Path, default=HERE / "out" / "work")
    parser.add_argument("--hostile", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.hostile:
        return hostile_child(args.hostile, args.work)
    import statusgen

    print(f"statusgen from {Path(statusgen.__file__).parent.parent}")
    corpus_figures(args.incidents, args.runs, args.work)
    print("hostile rules:")
    hostile_figures(args.limit, args.work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
