"""A real Statuspage client reads the demo's JSON API: statuspage-prometheus-exporter.

The exporter (PyPI) polls a Statuspage ``/api/v2/summary.json`` and turns it
into Prometheus metrics. Its daemon mode serves metrics on all interfaces;
its one-shot mode (``RUN_MODE=once``) polls once and writes the metrics to a
Prometheus textfile and exits, so that is the mode used here: the only
network traffic is its request to our server on 127.0.0.1.

Its configuration is a ``services.json`` ({key: {url, name}}) found through
``SERVICES_JSON_PATH``; it keeps a cache folder in its working directory.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass

import frontmatter
import pytest

from .support import ONGOING_INCIDENT, ONGOING_SERVICE, REPO, Demo, require

pytestmark = pytest.mark.integration

SERVICE_KEY = "eastbridge"
SERVICE_NAME = "Eastbridge IT"  # the exporter's service_name label
TIMEOUT = 120  # seconds; the exporter retries a failed request 3 times with a 15 s timeout


@dataclass(frozen=True)
class Exported:
    """The metrics of one exporter run, and what it logged."""

    samples: dict[str, list[tuple[dict[str, str], float]]]
    log: str

    def values(self, name: str) -> list[tuple[dict[str, str], float]]:
        return self.samples.get(name, [])

    def __str__(self) -> str:
        return f"exporter log (tail):\n{self.log[-3000:]}"


@pytest.fixture(scope="module")
def exported(served: str, tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """One run of the exporter against the served build."""
    require(
        importlib.util.find_spec("statuspage_prometheus_exporter"),
        "statuspage-prometheus-exporter",
        "pip install -e '.[test,integration]'",
    )
    from prometheus_client.parser import text_string_to_metric_families

    work = tmp_path_factory.mktemp("exporter")
    config = work / "services.json"
    url = served + "api/v2/summary.json"
    config.write_text(json.dumps({SERVICE_KEY: {"url": url, "name": SERVICE_NAME}}))
    textfile = work / "metrics" / "statuspage.prom"
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_WEBHOOK_URL", "DEBUG")}
    env.update(
        RUN_MODE="once",
        SERVICES_JSON_PATH=str(config),
        METRICS_TEXTFILE_PATH=str(textfile),
        CLEAR_CACHE="true",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    # Its console script is status_monitoring:main; `-m` runs the same in this venv.
    command = [sys.executable, "-m", "statuspage_prometheus_exporter.status_monitoring"]
    process = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        log, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        log, _ = process.communicate()
        pytest.fail(f"the exporter did not finish within {TIMEOUT} s:\n{log[-4000:]}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, f"the exporter exited {process.returncode}:\n{log[-4000:]}"
    assert textfile.is_file(), f"the exporter wrote no {textfile}:\n{log[-4000:]}"
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(textfile.read_text(encoding="utf-8")):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return Exported(samples, log)


def test_the_exporter_read_the_summary(exported: Exported) -> None:
    probe = {labels["service_name"]: v for labels, v in exported.values("statuspage_probe_check")}
    assert probe == {SERVICE_NAME: 1.0}, exported
    # A service in partial outage: the page is not "operational" (1) to the exporter.
    status = exported.values("statuspage_service_status")
    assert status == [({"service_name": SERVICE_NAME}, 0.0)], exported


def test_the_ongoing_incident_is_reported(exported: Exported, demo: Demo) -> None:
    source = frontmatter.load(REPO / "content" / "incidents" / f"{ONGOING_INCIDENT}.md")
    # The demo's facts this test relies on: one ongoing partial outage of Wi-Fi.
    assert source.get("services") == [ONGOING_SERVICE]
    assert source.get("impact") == "partial_outage"
    assert "resolved" not in source.metadata

    active = [labels for labels, v in exported.values("statuspage_incident_info") if v == 1]
    assert len(active) == 1, f"active incidents: {active}\n{exported}"
    incident = active[0]
    assert incident["incident_name"] == source["title"]
    # Statuspage's incident impact for a partial outage is "major".
    assert incident["impact"] == "major"
    assert incident["affected_components"] == demo.services[ONGOING_SERVICE]
    assert incident["shortlink"] == f"{demo.base_url}incidents/{ONGOING_INCIDENT}/"
    assert incident["started_at"] not in ("", "unknown", "N/A")


def test_component_statuses(exported: Exported, demo: Demo) -> None:
    seen = {
        labels["component_name"]: v for labels, v in exported.values("statuspage_component_status")
    }
    # 1 = operational, 0 = degraded or an outage; groups are components too.
    expected = dict.fromkeys(demo.services.values(), 1.0)
    expected[demo.services[ONGOING_SERVICE]] = 0.0
    for group, ids in demo.groups.items():
        expected[group] = 0.0 if ONGOING_SERVICE in ids else 1.0
    assert seen == expected, exported


def test_scheduled_maintenance_is_reported(exported: Exported, demo: Demo) -> None:
    api = demo.output / "api" / "v2" / "scheduled-maintenances"
    names = sorted(
        m["name"]
        for part in ("upcoming.json", "active.json")
        for m in json.loads((api / part).read_bytes())["scheduled_maintenances"]
    )
    assert names, "the demo has no upcoming or active maintenance at NOW"
    reported = sorted(
        labels["maintenance_name"]
        for labels, v in exported.values("statuspage_maintenance_info")
        if v == 1
    )
    assert reported == names, exported
