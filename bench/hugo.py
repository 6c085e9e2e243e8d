"""statusgen beside Hugo on the same corpus, in one run: the reference issue 16 names.

    python bench/hugo.py [--incidents 10000] [--runs 3] [--json]

The corpus of `corpus.py` is written once; a Hugo site is made of the same
entries with a minimal theme, the comparison issue 16 asks for: one page per
entry (its body and every update's message, all Markdown, as statusgen
renders them), a list page per section and the home page, and Hugo's own
RSS. That is far less than statusgen writes (no service pages, history,
JSON API, iCalendar, badges, manifest or privacy guard), so the ratio is a
ceiling on what statusgen may cost, not a like-for-like.

Measured alternately, each as its own process, median of ``--runs``:

* **cold**: statusgen with no ``.statusgen-cache/`` and no output; Hugo
  with no ``public/`` and no ``resources/``;
* **no-change**: the same build again (Hugo has no incremental build on the
  command line: it renders everything each time);
* **one-file edit**: one update added to the newest ongoing incident, in
  both sites, then the build.

Wall time, user+sys time (of the process and its workers, from ``wait4``)
and peak RSS. Hugo is whatever ``hugo`` is on the PATH (Debian 12 ships
0.111.3; the issue's 0.163 is not packaged here): its version is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from run import add_update, newest_ongoing, settle  # noqa: E402

NOW = corpus.NOW_TEXT

HUGO_CONFIG = """\
baseURL = "https://status.example.ac.uk/"
title = "IT Services status"
languageCode = "en-gb"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
[outputs]
home = ["HTML", "RSS"]
section = ["HTML", "RSS"]
[markup.goldmark.renderer]
unsafe = false
"""

LAYOUTS = {
    "_default/baseof.html": (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<title>{{ .Title }}</title></head><body><main>{{ block "main" . }}{{ end }}'
        "</main></body></html>\n"
    ),
    "_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1>'
        '<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">'
        '{{ .Date.Format "2 Jan 2006 15:04" }}</time>{{ .Content }}</article>{{ end }}\n'
    ),
    "_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2 Jan 2006" }}'
        "</li>{{ end }}</ul>{{ end }}\n"
    ),
    "index.html": (
        '{{ define "main" }}<h1>{{ .Site.Title }}</h1><ul>'
        '{{ range first 50 (where .Site.RegularPages "Section" "incidents") }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n'
    ),
}


@dataclass
class Figure:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{statistics.median(self.wall):7.2f} s wall {statistics.median(self.cpu):7.2f} s "
            f"user+sys {max(self.rss_kb) / 1024:6.0f} MB"
        )


def run(argv: list[str], figure: Figure, cwd: Path) -> None:
    """One process to completion: wall, user+sys of it and its children, peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    figure.wall.append(time.perf_counter() - start)
    figure.cpu.append(usage.ru_utime + usage.ru_stime)
    figure.rss_kb.append(usage.ru_maxrss)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")


def hugo_page(text: str) -> str:
    """One corpus entry as a Hugo page: the same title, time and Markdown."""
    _, head, body = text.split("---\n", 2)
    meta = yaml.safe_load(head)
    when = meta.get("started") or meta.get("start") or meta.get("date")
    parts = [body.strip()]
    for update in meta.get("updates") or ():
        parts.append(f"**{update['status']}**, {update['at']}: {update['message']}")
    front = {"title": meta["title"], "date": f"{str(when).replace(' ', 'T')}:00Z"}
    return f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n" + "\n\n".join(parts) + "\n"


def write_hugo(site: Path, hugo: Path) -> None:
    shutil.rmtree(hugo, ignore_errors=True)
    (hugo / "content").mkdir(parents=True)
    (hugo / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for rel, layout in LAYOUTS.items():
        path = hugo / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(layout, encoding="utf-8")
    for source in sorted((site / "content").rglob("*.md")):
        target = hugo / "content" / source.relative_to(site / "content")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(hugo_page(source.read_text(encoding="utf-8")), encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="write bench/out/hugo-N.json")
    args = parser.parse_args(argv)
    hugo_bin = shutil.which("hugo")
    if hugo_bin is None:
        raise SystemExit("hugo is not on the PATH (Debian: apt install hugo)")
    version = subprocess.run([hugo_bin, "version"], capture_output=True, text=True).stdout.strip()
    work = HERE / "out"
    site, hugo = work / f"site-{args.incidents}", work / f"hugo-{args.incidents}"
    corpus.write_site(site, args.incidents)
    write_hugo(site, hugo)
    print(f"{version}\n{args.incidents} incidents, {args.runs} runs each", flush=True)

    ours = [sys.executable, "-m", "statusgen", "--site", str(site), "build", "--now", NOW]
    theirs = [hugo_bin, "--quiet", "--source", str(hugo)]
    figures: dict[str, Figure] = {}
    for _ in range(args.runs):
        settle(site / "public", site / ".statusgen-cache")
        run(ours, figures.setdefault("statusgen cold", Figure()), REPO)
        settle(hugo / "public", hugo / "resources")
        run(theirs, figures.setdefault("hugo cold", Figure()), REPO)
    run(ours, Figure(), REPO)  # the first rebuild makes the spare tree
    for _ in range(args.runs):
        run(ours, figures.setdefault("statusgen no-change", Figure()), REPO)
        run(theirs, figures.setdefault("hugo no-change", Figure()), REPO)
    edited = newest_ongoing(site)
    original = edited.read_text(encoding="utf-8")
    twin = hugo / "content" / edited.relative_to(site / "content")
    for number in range(args.runs):
        add_update(edited, original, number)
        run(ours, figures.setdefault("statusgen one-file edit", Figure()), REPO)
        twin.write_text(hugo_page(edited.read_text(encoding="utf-8")), encoding="utf-8")
        run(theirs, figures.setdefault("hugo one-file edit", Figure()), REPO)
    edited.write_text(original, encoding="utf-8")

    for name, figure in figures.items():
        print(f"{name:<26}{figure.line()}")
    for what in ("cold", "no-change", "one-file edit"):
        ratio = statistics.median(figures[f"statusgen {what}"].wall) / statistics.median(
            figures[f"hugo {what}"].wall
        )
        print(f"{what:<14} statusgen / hugo: {ratio:.2f}x wall")
    if args.json:
        data = {
            "hugo": version,
            "incidents": args.incidents,
            "figures": {name: vars(figure) for name, figure in figures.items()},
        }
        out = work / f"hugo-{args.incidents}.json"
        out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
