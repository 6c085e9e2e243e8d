"""The work of a build grows linearly with the catalogue (issue #11, item 12).

No timings: each test counts the Python and C function calls a step makes
(`sys.setprofile`, deterministic for one input) on a site of N services
and on one of 2N, and expects about twice the calls, not four times.
Each step once scanned the whole catalogue, or every entry, per service or
per key, which took a 10,000-service site past a minute; `bench/services.py`
has the timings.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from conftest import NOW, make_config

from statusgen.config import load_config
from statusgen.manifest import build_manifest
from statusgen.model import AffectedService, Impact, Incident, Service, Site
from statusgen.render.feeds import render_feeds
from statusgen.status import derive

LINEAR = 2.5
"""Most the calls may grow when the site doubles: 2 is linear, 4 quadratic."""


def lines(step: Callable[[], object]) -> int:
    """How many lines of Python `step` runs, after one run to warm caches.

    Lines, not calls: a comprehension over the catalogue is one call but a
    line per service.
    """
    step()
    count = 0

    def trace(frame: object, event: str, arg: object) -> Callable[..., object]:
        nonlocal count
        count += 1
        return trace

    sys.settrace(trace)
    try:
        step()
    finally:
        sys.settrace(None)
    return count


def growth(step: Callable[[int], Callable[[], object]], n: int) -> float:
    """Lines the step runs at 2n over those it runs at n."""
    return lines(step(2 * n)) / lines(step(n))


def catalogue_site(n: int) -> Site:
    """n services in n/10 groups, and n incidents each on one service."""
    services = tuple(
        Service(f"svc-{k}", f"Service {k}", f"Group {k % (n // 10)}") for k in range(n)
    )
    incidents = tuple(
        Incident(
            id=f"incident-{k}",
            title=f"Incident {k}",
            services=(AffectedService(f"svc-{k}", Impact.MAJOR_OUTAGE),),
            started=NOW - timedelta(days=1 + k % 60, hours=2),
            resolved=NOW - timedelta(days=1 + k % 60),
            updates=(),
        )
        for k in range(n)
    )
    return Site(config=make_config(services=services), incidents=incidents)


def test_loading_site_toml_is_linear_in_services(tmp_path: Path) -> None:
    # Every key's line was found by reading the whole file from the top.
    def step(n: int) -> Callable[[], object]:
        root = tmp_path / str(n)
        root.mkdir()
        tables = "".join(
            f'[[services]]\nid = "svc-{k}"\nname = "Service {k}"\ngroup = "G{k % 9}"\n\n'
            for k in range(n)
        )
        (root / "site.toml").write_text(
            f'title = "T"\nbase_url = "https://status.example.ac.uk/"\n'
            f'timezone = "Europe/London"\n\n{tables}',
            encoding="utf-8",
        )
        return lambda: load_config(root)

    assert growth(step, 150) < LINEAR


def test_deriving_status_is_linear_in_services_and_incidents() -> None:
    # Each service filtered every incident, and each group every service.
    def step(n: int) -> Callable[[], object]:
        site = catalogue_site(n)
        return lambda: derive(site, NOW)

    # The 90 days of each service's uptime are linear work; at 400 the
    # product would be most of it.
    assert growth(step, 400) < LINEAR


def test_service_feeds_are_linear_in_services_and_incidents() -> None:
    # Each service's feed filtered every feed item of the site.
    def step(n: int) -> Callable[[], object]:
        site = catalogue_site(n)
        status = derive(site, NOW)
        return lambda: render_feeds(site, status)

    assert growth(step, 100) < LINEAR


def test_manifest_is_linear_in_services_and_incidents() -> None:
    # Each entry's service names came from a scan of the catalogue.
    def step(n: int) -> Callable[[], object]:
        site = catalogue_site(n)
        status = derive(site, NOW)
        return lambda: build_manifest(site, status, None)

    assert growth(step, 400) < LINEAR


def test_a_service_is_found_by_id_through_the_index() -> None:
    config = make_config()
    assert config.service("vpn").name == "VPN"
    assert config.service_order["vpn"] == 2
    assert [config.service(s.id) for s in config.services] == list(config.services)
