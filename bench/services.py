"""Build time against the number of services, to catch anything quadratic in it.

    python bench/services.py                       # 1,000 / 2,000 / 4,000 / 10,000
    python bench/services.py --sizes 500,1000 --runs 3 --timeout 120
    python bench/services.py --write /tmp/site --services 4000   # just the site

`bench/corpus.py` keeps 12 services and grows the content; this keeps the
content fixed and grows the services, as a large organisation's catalogue
does. Each site has N services in N/25 groups (every tenth service
ungrouped), 200 incidents each affecting 1-5 services (one still ongoing),
20 maintenance windows (one in progress, one upcoming) and 20 news items.
The same arguments always give the same bytes (a seeded `random.Random`).

Each build is its own process (``python -m statusgen build --now ...``, no
cache, as a first CI build runs), timed by the wall clock; the median of
``--runs`` runs is printed per size. A build that runs past ``--timeout``
seconds is stopped and shown as ``> T s``. The work per service (its page
and its two feeds) is constant, so doubling N should about double the time.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import NOW, NOW_TEXT, body, quoted, safe_local, wall

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out" / "services"
SIZES = (1000, 2000, 4000, 10000)
INCIDENTS = 200
WINDOWS = 20
NEWS = 20
IMPACTS = ("degraded_performance", "partial_outage", "major_outage")

SITE_TOML = """\
title = "Bench University IT status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"
language = "en-GB"
output = "public"

{services}
[feeds]
limit = 50
"""


def write_site(root: Path, services: int, seed: int = 6) -> None:
    """Write a site with `services` services and fixed content into `root`."""
    rng = random.Random(seed)
    ids = [f"svc-{n:05d}" for n in range(services)]
    groups = max(services // 25, 1)
    toml = []
    for n, sid in enumerate(ids):
        group = "" if n % 10 == 9 else f'group = "Group {n % groups:04d}"\n'
        toml.append(f'[[services]]\nid = "{sid}"\nname = "Service {n}"\n{group}\n')
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(SITE_TOML.format(services="".join(toml)), encoding="utf-8")
    content = root / "content"
    shutil.rmtree(content, ignore_errors=True)
    (content / "incidents").mkdir(parents=True)
    (content / "news").mkdir(parents=True)

    span = timedelta(days=365)
    for number in range(INCIDENTS):
        ongoing = number == 0
        started = safe_local(NOW - timedelta(hours=2) if ongoing else NOW - span * rng.random())
        affected = rng.sample(ids, min(rng.randint(1, 5), services))
        lines = ["---", f"title: {quoted(f'Incident {number}')}", "services:"]
        lines += [f"  {sid}: {rng.choice(IMPACTS)}" for sid in affected]
        lines.append(f"started: {wall(started)}")
        end = safe_local(started + timedelta(minutes=rng.randint(20, 600)))
        if not ongoing:
            lines.append(f"resolved: {wall(end)}")
        lines += ["updates:", f"  - at: {wall(started)}", "    status: investigating"]
        lines.append("    message: We are looking into it.")
        if not ongoing:
            lines += [f"  - at: {wall(end)}", "    status: resolved", "    message: Fixed."]
        lines += ["---", body(rng)]
        stamp = started.strftime("%Y-%m-%d")
        name = f"{stamp}-incident-{number:04d}.md"
        (content / "incidents" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for number in range(WINDOWS):
        if number == 0:  # in progress
            start = NOW - timedelta(hours=1)
        elif number == 1:  # upcoming
            start = NOW + timedelta(days=2)
        else:
            start = NOW - span * rng.random() - timedelta(days=1)
        start = safe_local(start)
        end = safe_local(start + timedelta(hours=rng.randint(2, 5)))
        affected = rng.sample(ids, min(rng.randint(1, 20), services))
        lines = [
            "---",
            "kind: maintenance",
            f"title: {quoted(f'Planned work {number}')}",
            f"services: [{', '.join(affected)}]",
            f"start: {wall(start)}",
            f"end: {wall(end)}",
            "---",
            body(rng),
        ]
        name = f"{start:%Y-%m-%d}-maintenance-{number:04d}.md"
        (content / "incidents" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for number in range(NEWS):
        date = safe_local(NOW - span * rng.random())
        lines = [
            "---",
            f"title: {quoted(f'News {number}')}",
            f"date: {wall(date)}",
            'summary: "Something changes."',
            "---",
            body(rng),
        ]
        name = f"{date:%Y-%m-%d}-news-{number:04d}.md"
        (content / "news" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def time_build(site: Path, timeout: float) -> float | None:
    """Wall seconds of one cold build of `site`, or None if it ran past `timeout`."""
    shutil.rmtree(site / "public", ignore_errors=True)
    shutil.rmtree(site / ".statusgen-cache", ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "statusgen", "--site", str(site), "build", "--now", NOW_TEXT]
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"build of {site} failed ({done.returncode}):\n{done.stderr.decode()}")
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="service counts")
    parser.add_argument("--runs", type=int, default=1, help="builds per size (median)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per build")
    parser.add_argument("--write", type=Path, metavar="DIR", help="only write one site here")
    parser.add_argument("--services", type=int, default=1000, help="with --write")
    args = parser.parse_args(argv)
    if args.write:
        write_site(args.write, args.services)
        print(f"{args.services} services -> {args.write}")
        return 0
    print(f"{'services':>8}  {'build':>9}  per 1,000")
    for size in (int(s) for s in args.sizes.split(",")):
        site = OUT / str(size)
        write_site(site, size)
        times = [time_build(site, args.timeout) for _ in range(args.runs)]
        if any(t is None for t in times):
            print(f"{size:>8,}  {'> ' + format(args.timeout, '.0f') + ' s':>9}")
            continue
        median = statistics.median(t for t in times if t is not None)
        print(f"{size:>8,}  {median:>7.2f} s  {median / size * 1000:>6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
