"""Shared fixtures: a small site built directly as model objects, and scratch sites on disk."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from statusgen.model import (
    AffectedService,
    FeedsConfig,
    Impact,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    PrivacyConfig,
    PublishConfig,
    Service,
    Site,
    SiteConfig,
    Source,
    Update,
    XConfig,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=LONDON)


def at(text: str) -> datetime:
    """'2026-11-22 08:40' in London time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)


def make_config(root: Path = Path("/nonexistent"), **overrides: object) -> SiteConfig:
    values: dict[str, object] = dict(
        root=root,
        title="Example IT status",
        base_url="https://status.example.ac.uk/",
        timezone=LONDON,
        language="en-GB",
        description="Live status of Example University IT services",
        services=(
            Service("email", "Email", "Communication", "Staff and student email"),
            Service("webmail", "Webmail", "Communication", "Email in the browser"),
            Service("vpn", "VPN", "Access", "Remote access"),
            Service("wifi", "Wi-Fi", "Access", "eduroam on campus"),
            Service("printing", "Printing", None, "Print and copy"),
        ),
        feeds=FeedsConfig(limit=50),
        publish=PublishConfig(x=XConfig(enabled=False, account="ExampleIT")),
        privacy=PrivacyConfig(),
    )
    values.update(overrides)
    return SiteConfig(**values)  # type: ignore[arg-type]


def make_site(config: SiteConfig | None = None) -> Site:
    """A site with one ongoing incident, two resolved ones, maintenance past,
    present and future, and two news items; built at NOW."""
    config = config or make_config()
    ongoing = Incident(
        id="2026-11-24-vpn-slow",
        title="VPN connections slow & dropping <sometimes>",
        services=(AffectedService("vpn", Impact.PARTIAL_OUTAGE),),
        started=at("2026-11-24 08:10"),
        resolved=None,
        updates=(
            Update(
                at("2026-11-24 08:15"), IncidentStatus.INVESTIGATING, "We are looking into reports."
            ),
            Update(
                at("2026-11-24 09:30"),
                IncidentStatus.IDENTIFIED,
                "A faulty *licence server* is the cause.",
            ),
        ),
        body="",
        reference="INC-1001",
        source=Source("content/incidents/2026-11-24-vpn-slow.md", MappingProxyType({"title": 2})),
    )
    email = Incident(
        id="2026-11-22-email-delays",
        title="Email delivery delays",
        services=(
            AffectedService("email", Impact.MAJOR_OUTAGE),
            AffectedService("webmail", Impact.DEGRADED_PERFORMANCE),
        ),
        started=at("2026-11-22 08:40"),
        resolved=at("2026-11-22 11:15"),
        updates=(
            Update(
                at("2026-11-22 08:45"), IncidentStatus.INVESTIGATING, "Incoming email is delayed."
            ),
            Update(at("2026-11-22 10:00"), IncidentStatus.MONITORING, "A fix is in place."),
            Update(at("2026-11-22 11:15"), IncidentStatus.RESOLVED, "Email is flowing normally."),
        ),
        body="## What happened\n\nA certificate expired.\n\n- renewed\n- monitored",
        source=Source("content/incidents/2026-11-22-email-delays.md"),
    )
    wifi = Incident(
        id="2026-10-25-wifi-dst",
        title="Wi-Fi outage overnight",
        services=(AffectedService("wifi", Impact.MAJOR_OUTAGE),),
        started=at("2026-10-25 00:30"),
        resolved=datetime(2026, 10, 25, 3, 0, tzinfo=LONDON),
        updates=(
            Update(at("2026-10-25 00:35"), IncidentStatus.INVESTIGATING, "Wi-Fi is down."),
            Update(datetime(2026, 10, 25, 3, 0, tzinfo=LONDON), IncidentStatus.RESOLVED, "Back."),
        ),
        source=Source("content/incidents/2026-10-25-wifi-dst.md"),
    )
    past_window = Maintenance(
        id="2026-11-01-printing-upgrade",
        title="Printing upgrade",
        service_ids=("printing",),
        start=at("2026-11-01 07:00"),
        end=at("2026-11-01 09:00"),
        source=Source("content/incidents/2026-11-01-printing-upgrade.md"),
    )
    current_window = Maintenance(
        id="2026-11-24-email-patching",
        title="Email server patching",
        service_ids=("email",),
        start=at("2026-11-24 11:00"),
        end=at("2026-11-24 13:00"),
        updates=(Update(at("2026-11-24 11:00"), MaintenanceStatus.IN_PROGRESS, "Started."),),
        source=Source("content/incidents/2026-11-24-email-patching.md"),
    )
    future_window = Maintenance(
        id="2026-11-29-wifi-upgrade",
        title="Wi-Fi controller upgrade",
        service_ids=("wifi", "vpn"),
        start=at("2026-11-29 06:00"),
        end=at("2026-11-29 08:00"),
        body="Expect short drops.",
        reference="CHG-77",
        source=Source("content/incidents/2026-11-29-wifi-upgrade.md"),
    )
    news = (
        NewsItem(
            id="2026-11-20-mfa",
            title="MFA for all staff",
            date=at("2026-11-20 09:00"),
            summary="From January every staff account needs MFA.",
            body="Set it up **now**.",
            tags=("security",),
            source=Source("content/news/2026-11-20-mfa.md"),
        ),
        NewsItem(
            id="2026-09-01-welcome",
            title="Welcome to the new status page",
            date=at("2026-09-01 10:00"),
            summary="Follow our status here.",
            body="Hello.",
            source=Source("content/news/2026-09-01-welcome.md"),
        ),
    )
    return Site(
        config=config,
        incidents=(ongoing, email, wifi),
        maintenances=(future_window, current_window, past_window),
        news=news,
    )


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the same output on a laptop and in GitHub Actions or GitLab CI,
    where the CLI would also print annotations or write a Code Quality report."""
    for name in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "GITLAB_CI", "CI_PROJECT_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def site() -> Site:
    return make_site()


@pytest.fixture
def write_site(tmp_path: Path) -> Callable[..., Path]:
    """Write a scratch site from dedented strings: write_site({"site.toml": "...", ...})."""

    def write(files: dict[str, str | bytes], root: Path | None = None) -> Path:
        root = root or tmp_path / "site"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return root

    return write
