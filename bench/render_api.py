"""Time `render_api` on large synthetic sites, to catch anything quadratic.

    PYTHONPATH=. python bench/render_api.py [incidents ...]

Prints the time per run for each size; doubling the incidents should about
double the time. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from statusgen.model import (
    AffectedService,
    Impact,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    Service,
    Site,
    SiteConfig,
    Update,
)
from statusgen.render.api import render_api
from statusgen.status import derive

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=ZONE)
SERVICES = 200
IMPACTS = list(Impact)


def synthetic_site(incidents: int) -> Site:
    """`incidents` incidents over the past years, a tenth as many maintenance windows."""
    services = tuple(
        Service(f"svc-{n}", f"Service {n}", f"Group {n % 12}" if n % 5 else None, "Synthetic")
        for n in range(SERVICES)
    )
    config = SiteConfig(
        root=Path("."),
        title="Bench",
        base_url="https://status.example.ac.uk/",
        timezone=ZONE,
        services=services,
    )
    made = []
    for n in range(incidents):
        started = NOW - timedelta(hours=3 * n + 1)
        ongoing = n % 500 == 0
        made.append(
            Incident(
                id=f"incident-{n:06d}",
                title=f"Incident {n} <b>&</b>",
                services=tuple(
                    AffectedService(f"svc-{(n * 7 + k) % SERVICES}", IMPACTS[(n + k) % 3])
                    for k in range(1 + n % 3)
                ),
                started=started,
                resolved=None if ongoing else started + timedelta(hours=1),
                updates=(
                    Update(started, IncidentStatus.INVESTIGATING, f"Looking into *it* {n}."),
                    Update(started + timedelta(minutes=20), IncidentStatus.MONITORING, "Fixed."),
                    *(
                        ()
                        if ongoing
                        else (Update(started + timedelta(hours=1), IncidentStatus.RESOLVED, "Ok."),)
                    ),
                ),
            )
        )
    windows = []
    for n in range(incidents // 10):
        start = NOW + timedelta(days=30) - timedelta(hours=11 * n)
        windows.append(
            Maintenance(
                id=f"window-{n:06d}",
                title=f"Window {n}",
                service_ids=(f"svc-{n % SERVICES}",),
                start=start,
                end=start + timedelta(hours=2),
                updates=(Update(start, MaintenanceStatus.IN_PROGRESS, "Started."),),
            )
        )
    return Site(
        config=config,
        incidents=tuple(sorted(made, key=lambda i: i.started, reverse=True)),
        maintenances=tuple(sorted(windows, key=lambda m: m.start, reverse=True)),
    )


def best_of(runs: int, site: Site) -> tuple[float, float, int]:
    """Best wall time of derive and of render_api, and the bytes written."""
    derive_best = render_best = float("inf")
    size = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        status = derive(site, NOW)
        t1 = time.perf_counter()
        files = render_api(site, status)
        t2 = time.perf_counter()
        derive_best = min(derive_best, t1 - t0)
        render_best = min(render_best, t2 - t1)
        size = sum(len(b) for b in files.values())
    return derive_best, render_best, size


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [2_500, 5_000, 10_000, 20_000]
    print(f"{'incidents':>9} {'windows':>7} {'derive s':>9} {'render_api s':>12} {'KiB':>6}")
    for size in sizes:
        site = synthetic_site(size)
        derive_s, render_s, written = best_of(3, site)
        print(
            f"{size:>9} {len(site.maintenances):>7} {derive_s:>9.3f} {render_s:>12.3f}"
            f" {written // 1024:>6}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
