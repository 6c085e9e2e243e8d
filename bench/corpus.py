"""A deterministic, valid status site of any size, for the benchmark.

    python bench/corpus.py DIR --incidents 10000 [--seed 6]

Writes ``DIR/site.toml`` and ``DIR/content/``: N incidents spread over the
five years before `NOW` across 12 services, each with 1-4 updates and a
2-4 paragraph Markdown body (about 1.5 KB), N/20 maintenance windows mixed
in among them (a few still to come, one in progress), and N/10 news items.
The same arguments always give the same bytes (a seeded `random.Random`,
no wall clock), so two machines benchmark the same site.

Valid per SPEC, so the build measures the work of a real site, not of
error reporting: local times never fall in a spring-forward gap or in the
repeated autumn hour of Europe/London (either would be an error or a
warning), updates are in order, and only two incidents are ongoing.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
"""The build time the benchmark pins with ``--now``; the corpus ends here."""
NOW_TEXT = "2026-11-24 12:00"
YEARS = 5

SERVICES = (
    ("email", "Email", "Communication"),
    ("webmail", "Webmail", "Communication"),
    ("teams", "Microsoft Teams", "Communication"),
    ("vle", "Learning environment", "Learning & Teaching"),
    ("lecture-capture", "Lecture Capture", "Learning & Teaching"),
    ("library-search", "Library Search", "Learning & Teaching"),
    ("sso", "Single Sign-On", "Identity & Access"),
    ("mfa", "Multi-Factor Authentication", "Identity & Access"),
    ("vpn", "VPN", "Identity & Access"),
    ("wifi", "Wi-Fi (eduroam)", "Identity & Access"),
    ("hpc", "High Performance Computing", "Research & Infrastructure"),
    ("file-storage", "File Storage", "Research & Infrastructure"),
)
IMPACTS = ("degraded_performance", "partial_outage", "major_outage")
PROBLEMS = (
    "slow to respond",
    "unavailable for some users",
    "login failures",
    "intermittent errors",
    "delays",
    "connection drops",
    "not loading on mobile",
    "errors after the update",
)
SUBJECTS = (
    "Users on the main campus",
    "Staff working from home",
    "Students in the halls of residence",
    "A number of departments",
    "Some users of the mobile app",
    "People signing in for the first time",
)
VERBS = (
    "reported",
    "noticed",
    "told the Service Desk about",
    "saw",
    "experienced",
)
THINGS = (
    "pages timing out after about thirty seconds",
    "messages arriving late or out of order",
    "the sign-in page asking for a password twice",
    "uploads failing at the last step",
    "calls dropping after a few minutes",
    "error 502 on the home page",
    "search results that never finish loading",
)
CAUSES = (
    "A certificate on the load balancer expired overnight",
    "A configuration change made during routine work had an unexpected side effect",
    "The supplier's data centre lost power in one of its halls",
    "A database index was rebuilt during working hours by mistake",
    "A faulty network switch in the main data centre dropped packets",
    "An upstream provider throttled our traffic",
)
ACTIONS = (
    "We rolled back the change and confirmed that the service recovered",
    "The supplier moved the service to their second site",
    "We replaced the faulty hardware and restored the normal route",
    "We renewed the certificate and restarted the affected servers",
    "We added capacity and will review the monitoring thresholds",
)
MESSAGES = {
    "investigating": (
        "We are investigating reports of problems.",
        "Some users cannot connect. We are looking into it.",
        "We are aware of the issue and are investigating the cause.",
    ),
    "identified": (
        "We have found the cause and are working on a fix.",
        "The supplier has identified the problem and is applying a fix.",
    ),
    "monitoring": (
        "A fix has been applied. We are **monitoring** the service.",
        "The service is recovering; we are keeping an eye on it.",
    ),
    "resolved": (
        "The service has been working normally for an hour. This incident is resolved.",
        "Everything is back to normal. Thank you for your patience.",
    ),
}
NEWS_TOPICS = (
    "New printing system",
    "Changes to the VPN",
    "Wi-Fi upgrade in the library",
    "Password policy update",
    "Summer maintenance programme",
    "Storage quota increase",
)


def safe_local(moment: datetime) -> datetime:
    """`moment` moved forward until its Europe/London wall time is unambiguous.

    A wall time in the spring gap does not exist (an error) and one in the
    autumn's repeated hour happens twice (a warning); a real site rarely has
    either, so the corpus never does. Returned in UTC.
    """
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    while True:
        local = moment.astimezone(ZONE).replace(tzinfo=None)
        first = local.replace(tzinfo=ZONE, fold=0)
        second = local.replace(tzinfo=ZONE, fold=1)
        round_trip = first.astimezone(UTC).astimezone(ZONE).replace(tzinfo=None)
        if first.utcoffset() == second.utcoffset() and round_trip == local:
            return moment
        moment += timedelta(minutes=30)


def wall(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` in the site's zone, as people type it."""
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def paragraph(rng: random.Random) -> str:
    sentences = [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(THINGS)}.",
        f"{rng.choice(CAUSES)}, which meant that requests were queued for longer than usual.",
        f"{rng.choice(ACTIONS)}, and we will keep watching the **error rates** for a few days.",
        "If you are still affected, please contact the "
        "[Service Desk](https://www.example.ac.uk/it/help) with the time and your user name.",
        f"{rng.choice(SUBJECTS)} may also have seen {rng.choice(THINGS)} during this period.",
    ]
    rng.shuffle(sentences)
    return " ".join(sentences[: rng.randint(3, 5)])


def body(rng: random.Random) -> str:
    parts = [paragraph(rng) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.3:
        parts.insert(1, "What happened:\n\n- " + "\n- ".join(rng.sample(THINGS, 3)))
    return "\n\n".join(parts)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def incident(rng: random.Random, number: int, started: datetime, ongoing: bool) -> tuple[str, str]:
    """(file name, text) of one incident."""
    count = rng.randint(1, 3) if rng.random() < 0.8 else 1
    chosen = rng.sample(SERVICES, count)
    impact = rng.choice(IMPACTS)
    service_id, name, _ = chosen[0]
    title = f"{name} {rng.choice(PROBLEMS)}"
    steps = ["investigating", "identified", "monitoring", "resolved"]
    updates = steps[: rng.randint(1, 4)] if not ongoing else steps[:2]
    if not ongoing and updates[-1] != "resolved":
        updates = [*updates[:-1], "resolved"] if len(updates) > 1 else ["resolved"]
    at = started
    lines = ["---", f"title: {quoted(title)}"]
    if rng.random() < 0.5:
        lines.append(f"services: [{', '.join(s[0] for s in chosen)}]")
        lines.append(f"impact: {impact}")
    else:
        lines.append("services:")
        lines += [f"  {s[0]}: {rng.choice(IMPACTS)}" for s in chosen]
    lines.append(f"started: {wall(started)}")
    times = []
    for _ in updates:
        at = safe_local(at + timedelta(minutes=rng.randint(5, 180)))
        times.append(at)
    if not ongoing:
        lines.append(f"resolved: {wall(times[-1])}")
    if rng.random() < 0.4:
        lines.append(f"reference: INC-{100000 + number}")
    lines.append("updates:")
    for status, moment in zip(updates, times, strict=True):
        message = rng.choice(MESSAGES[status])
        lines.append(f"  - at: {wall(moment)}")
        lines.append(f"    status: {status}")
        if rng.random() < 0.5:
            lines.append(f"    message: {quoted(message)}")
        else:
            lines.append("    message: >-")
            lines.append(f"      {message}")
    lines.append("---")
    lines.append(body(rng))
    stamp = started.astimezone(ZONE).strftime("%Y-%m-%d")
    return f"{stamp}-{service_id}-{number:05d}.md", "\n".join(lines) + "\n"


def maintenance(rng: random.Random, number: int, start: datetime) -> tuple[str, str]:
    chosen = rng.sample(SERVICES, rng.randint(1, 2))
    end = safe_local(start + timedelta(hours=rng.randint(1, 6)))
    title = f"Planned maintenance of {chosen[0][1]}"
    lines = [
        "---",
        "kind: maintenance",
        f"title: {quoted(title)}",
        f"services: [{', '.join(s[0] for s in chosen)}]",
        f"start: {wall(start)}",
        f"end: {wall(end)}",
    ]
    if end < NOW:
        lines += [
            "updates:",
            f"  - at: {wall(start)}",
            "    status: in_progress",
            "    message: The work has started.",
            f"  - at: {wall(end)}",
            "    status: completed",
            "    message: The work is complete.",
        ]
    lines.append("---")
    lines.append(body(rng))
    stamp = start.astimezone(ZONE).strftime("%Y-%m-%d")
    return f"{stamp}-maintenance-{number:05d}.md", "\n".join(lines) + "\n"


def news(rng: random.Random, number: int, date: datetime) -> tuple[str, str]:
    topic = rng.choice(NEWS_TOPICS)
    summary = f"{topic}: what changes for staff and students, and when."
    lines = [
        "---",
        f"title: {quoted(topic)}",
        f"date: {wall(date)}",
        f"summary: {quoted(summary.replace(':', ' -'))}",
        f"tags: [{rng.choice(['printing', 'network', 'accounts', 'storage'])}]",
        "---",
        body(rng),
    ]
    stamp = date.astimezone(ZONE).strftime("%Y-%m-%d")
    return f"{stamp}-news-{number:05d}.md", "\n".join(lines) + "\n"


SITE_TOML = """\
title = "Bench University IT status"
base_url = "https://status.example.ac.uk/"
timezone = "Europe/London"
language = "en-GB"
description = "Live status of Bench University IT services"
output = "public"

{services}
[feeds]
limit = 50

[publish.x]
enabled = false

[privacy]
forbidden = ['\\.internal\\.example\\.ac\\.uk', 'srv-[0-9]+']
"""


def write_site(root: Path, incidents: int, seed: int = 6) -> dict[str, int]:
    """Write the corpus into `root` (replacing its content/); return the counts."""
    rng = random.Random(seed)
    services = "".join(
        f'[[services]]\nid = "{i}"\nname = "{n}"\ngroup = "{g}"\n'
        f'description = "{n} for everyone"\n\n'
        for i, n, g in SERVICES
    )
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(SITE_TOML.format(services=services), encoding="utf-8")
    content = root / "content"
    shutil.rmtree(content, ignore_errors=True)
    (content / "incidents").mkdir(parents=True)
    (content / "news").mkdir(parents=True)

    span = timedelta(days=365 * YEARS)
    begin = NOW - span
    files: dict[str, str] = {}
    for number in range(incidents):
        ongoing = number in (incidents - 1, incidents - 2)
        if ongoing:  # the two newest, still open
            started = NOW - timedelta(hours=3 + 5 * (incidents - number))
        else:
            started = begin + span * rng.random() - timedelta(days=2)
        name, text = incident(rng, number, safe_local(started), ongoing)
        files[f"incidents/{name}"] = text
    windows = max(incidents // 20, 3)
    for number in range(windows):
        if number == 0:  # in progress at NOW
            start = NOW - timedelta(hours=1)
        elif number < 3:  # upcoming
            start = NOW + timedelta(days=3 * number)
        else:
            start = begin + span * rng.random() - timedelta(days=2)
        name, text = maintenance(rng, number, safe_local(start))
        files[f"incidents/{name}"] = text
    items = max(incidents // 10, 1)
    for number in range(items):
        name, text = news(rng, number, safe_local(begin + span * rng.random()))
        files[f"news/{name}"] = text
    for rel, text in files.items():
        (content / rel).write_text(text, encoding="utf-8")
    return {"incidents": incidents, "maintenance": windows, "news": items}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    counts = write_site(args.dir, args.incidents, args.seed)
    print(", ".join(f"{v} {k}" for k, v in counts.items()), "->", args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
