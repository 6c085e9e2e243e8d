"""The JSON API: Statuspage's shapes, checked against schemas written from its docs."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW, at, make_config, make_site
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from statusgen.model import (
    AffectedService,
    Impact,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    Site,
    Update,
)
from statusgen.render.api import encode_json, format_time, render_api, stable_id
from statusgen.status import derive

SCHEMAS = Path(__file__).parent / "schemas"
V2 = "api/v2/"

# Which schema each file must pass.
DOCUMENTS = {
    V2 + "summary.json": "summary.json",
    V2 + "status.json": "status.json",
    V2 + "components.json": "components.json",
    V2 + "incidents.json": "incidents.json",
    V2 + "incidents/unresolved.json": "incidents.json",
    V2 + "scheduled-maintenances.json": "scheduled-maintenances.json",
    V2 + "scheduled-maintenances/upcoming.json": "scheduled-maintenances.json",
    V2 + "scheduled-maintenances/active.json": "scheduled-maintenances.json",
}

# Rails' JSON time: milliseconds always, then an offset or Z.
STATUSPAGE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)")

checker = FormatChecker()


@checker.checks("date-time", raises=ValueError)
def _is_statuspage_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not STATUSPAGE_TIME.fullmatch(value):
        raise ValueError(f"not a Statuspage time: {value!r}")
    datetime.fromisoformat(value)  # raises on 2026-02-30 and the like
    return True


@checker.checks("uri")
def _is_absolute_url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


V2_SCHEMA = _load("statuspage-v2.schema.json")
NEWS_SCHEMA = _load("news.schema.json")
REGISTRY = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema)) for schema in (V2_SCHEMA, NEWS_SCHEMA)
)


def validator(definition: str | None) -> Draft202012Validator:
    """A validator for one document of the v2 schema, or for news.json."""
    if definition is None:
        schema = NEWS_SCHEMA
    else:
        schema = {"$ref": f"{V2_SCHEMA['$id']}#/$defs/{definition}"}
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=checker)


def render(site: Site | None = None, now: datetime = NOW) -> dict[str, bytes]:
    site = site or make_site()
    return render_api(site, derive(site, now))


def docs(files: dict[str, bytes]) -> dict[str, Any]:
    return {path: json.loads(data.decode("utf-8")) for path, data in files.items()}


def all_incidents(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc.get("incidents", []) + doc.get("scheduled_maintenances", [])


# --- shape --------------------------------------------------------------------


def test_every_path_is_rendered() -> None:
    assert set(render()) == {*DOCUMENTS, "api/news.json"}


@pytest.mark.parametrize("path", sorted(DOCUMENTS))
def test_documents_match_the_statuspage_schema(path: str) -> None:
    document = docs(render())[path]
    errors = sorted(validator(DOCUMENTS[path]).iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_news_matches_its_schema() -> None:
    document = docs(render())["api/news.json"]
    validator(None).validate(document)
    assert [n["id"] for n in document["news"]] == ["2026-11-20-mfa", "2026-09-01-welcome"]
    mfa = document["news"][0]
    assert mfa["url"] == "https://status.example.ac.uk/news/2026-11-20-mfa/"
    assert mfa["body_html"] == "<p>Set it up <strong>now</strong>.</p>"
    assert mfa["tags"] == ["security"]


def test_the_schemas_reject_what_clients_would_choke_on() -> None:
    """The schemas are the contract only if they can fail."""
    status = docs(render())[V2 + "status.json"]
    check = validator("status.json")
    check.validate(status)
    for broken in (
        {**status, "status": {**status["status"], "indicator": "red"}},
        {**status, "page": {**status["page"], "updated_at": "2026-11-24T12:00:00+00:00"}},
        {**status, "page": {**status["page"], "updated_at": "2026-11-24 12:00"}},
        {**status, "page": {**status["page"], "url": "/status"}},
        {**status, "extra": 1},
    ):
        assert not check.is_valid(broken), broken


# --- content ------------------------------------------------------------------


def test_status_indicator() -> None:
    status = docs(render())[V2 + "status.json"]
    # One service of five in partial outage (and one under maintenance): Statuspage
    # reads that as a minor service outage, not the worst component's level.
    assert status["status"] == {"indicator": "minor", "description": "Minor Service Outage"}
    assert status["page"]["name"] == "Example IT status"
    assert status["page"]["url"] == "https://status.example.ac.uk"
    assert status["page"]["time_zone"] == "Europe/London"


def test_summary_lists_what_is_happening_now() -> None:
    summary = docs(render())[V2 + "summary.json"]
    assert [i["shortlink"] for i in summary["incidents"]] == [
        "https://status.example.ac.uk/incidents/2026-11-24-vpn-slow/"
    ]
    assert [(m["name"], m["status"]) for m in summary["scheduled_maintenances"]] == [
        ("Email server patching", "in_progress"),
        ("Wi-Fi controller upgrade", "scheduled"),
    ]
    assert summary["status"]["indicator"] == "minor"


def test_maintenance_lists() -> None:
    documents = docs(render())
    names = {
        path: [m["name"] for m in documents[V2 + path]["scheduled_maintenances"]]
        for path in (
            "scheduled-maintenances.json",
            "scheduled-maintenances/upcoming.json",
            "scheduled-maintenances/active.json",
        )
    }
    assert names == {
        "scheduled-maintenances.json": [
            "Wi-Fi controller upgrade",
            "Email server patching",
            "Printing upgrade",
        ],
        "scheduled-maintenances/upcoming.json": ["Wi-Fi controller upgrade"],
        "scheduled-maintenances/active.json": ["Email server patching"],
    }
    past = documents[V2 + "scheduled-maintenances.json"]["scheduled_maintenances"][2]
    assert past["status"] == "completed"
    assert past["resolved_at"] == "2026-11-01T09:00:00.000+00:00"
    assert past["scheduled_for"] == "2026-11-01T07:00:00.000+00:00"
    assert past["impact"] == "maintenance"


def test_incidents_newest_first_with_statuspage_fields() -> None:
    documents = docs(render())
    incidents = documents[V2 + "incidents.json"]["incidents"]
    assert [i["name"] for i in incidents] == [
        "VPN connections slow & dropping <sometimes>",
        "Email delivery delays",
        "Wi-Fi outage overnight",
    ]
    email = incidents[1]
    assert email["status"] == "resolved"
    # Email in major outage, Webmail only degraded: some affected services in major
    # outage is a major incident; critical needs every one of them down.
    assert email["impact"] == "major"
    assert email["started_at"] == "2026-11-22T08:40:00.000+00:00"
    assert email["monitoring_at"] == "2026-11-22T10:00:00.000+00:00"
    assert email["resolved_at"] == "2026-11-22T11:15:00.000+00:00"
    assert email["updated_at"] == "2026-11-22T11:15:00.000+00:00"
    assert [c["name"] for c in email["components"]] == ["Email", "Webmail"]
    unresolved = documents[V2 + "incidents/unresolved.json"]["incidents"]
    assert [i["id"] for i in unresolved] == [incidents[0]["id"]]
    assert unresolved[0]["impact"] == "major"
    assert unresolved[0]["resolved_at"] is None


def test_incident_updates_newest_first_as_plain_text() -> None:
    incidents = docs(render())[V2 + "incidents.json"]["incidents"]
    vpn, email = incidents[0], incidents[1]
    assert [u["status"] for u in email["incident_updates"]] == [
        "resolved",
        "monitoring",
        "investigating",
    ]
    times = [u["display_at"] for u in email["incident_updates"]]
    assert times == sorted(times, reverse=True)
    assert vpn["incident_updates"][0]["body"] == "A faulty licence server is the cause."
    assert all(u["incident_id"] == email["id"] for u in email["incident_updates"])


def test_affected_components_record_each_change() -> None:
    incidents = docs(render())[V2 + "incidents.json"]["incidents"]
    email = incidents[1]
    resolved, monitoring, investigating = email["incident_updates"]
    assert monitoring["affected_components"] is None
    assert [
        (c["name"], c["old_status"], c["new_status"]) for c in investigating["affected_components"]
    ] == [
        ("Email", "operational", "major_outage"),
        ("Webmail", "operational", "degraded_performance"),
    ]
    assert [
        (c["name"], c["old_status"], c["new_status"]) for c in resolved["affected_components"]
    ] == [
        ("Email", "major_outage", "operational"),
        ("Webmail", "degraded_performance", "operational"),
    ]
    codes = {c["id"] for c in email["components"]}
    assert {c["code"] for c in resolved["affected_components"]} == codes


def test_components_include_groups_with_their_children() -> None:
    components = docs(render())[V2 + "components.json"]["components"]
    by_id = {c["id"]: c for c in components}
    groups = [c for c in components if c["group"]]
    assert [(g["name"], g["status"], g["position"]) for g in groups] == [
        ("Communication", "under_maintenance", 1),
        ("Access", "partial_outage", 2),
    ]
    access = groups[1]
    assert [by_id[i]["name"] for i in access["components"]] == ["VPN", "Wi-Fi"]
    assert all(by_id[i]["group_id"] == access["id"] for i in access["components"])
    assert [by_id[i]["position"] for i in access["components"]] == [1, 2]
    printing = next(c for c in components if c["name"] == "Printing")
    assert (printing["group_id"], printing["position"], printing["status"]) == (
        None,
        3,
        "operational",
    )
    assert "components" not in printing
    statuses = {c["name"]: c["status"] for c in components if not c["group"]}
    assert statuses == {
        "Email": "under_maintenance",
        "Webmail": "operational",
        "VPN": "partial_outage",
        "Wi-Fi": "operational",
        "Printing": "operational",
    }
    vpn = by_id[access["components"][0]]
    assert vpn["description"] == "Remote access"
    assert vpn["updated_at"] == "2026-11-24T09:30:00.000+00:00"


def test_component_objects_are_the_same_everywhere() -> None:
    """An incident's components are the components.json objects, not a variant."""
    documents = docs(render())
    by_id = {c["id"]: c for c in documents[V2 + "components.json"]["components"]}
    for path in DOCUMENTS:
        for entry in all_incidents(documents[path]):
            for component in entry["components"]:
                assert component == by_id[component["id"]]


# --- ids ----------------------------------------------------------------------


def _ids(documents: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {
        "page": set(),
        "component": set(),
        "entry": set(),
        "update": set(),
    }
    for path, document in documents.items():
        found["page"].add(document["page"]["id"])
        if not path.startswith(V2):
            continue
        found["component"] |= {c["id"] for c in document.get("components", [])}
        for entry in all_incidents(document):
            found["entry"].add(entry["id"])
            found["update"] |= {u["id"] for u in entry["incident_updates"]}
    return found


def test_ids_are_stable_unique_and_statuspage_like() -> None:
    first, second = docs(render()), docs(render(now=NOW + timedelta(days=2)))
    assert _ids(first) == _ids(second)
    ids = _ids(first)
    assert len(ids["page"]) == 1
    assert len(ids["component"]) == 7  # five services, two groups
    assert len(ids["entry"]) == 6  # three incidents, three windows
    assert len(ids["update"]) == 8
    everything = [i for kind in ids.values() for i in kind]
    assert len(everything) == len(set(everything))
    assert all(re.fullmatch(r"[a-z0-9]{12}", i) for i in everything)


def test_ids_do_not_depend_on_other_entries_or_order() -> None:
    site = make_site()
    before = docs(render(site))[V2 + "incidents.json"]["incidents"]
    extra = Incident(
        id="2026-11-23-printing-jam",
        title="Printers jammed",
        services=(AffectedService("printing", Impact.DEGRADED_PERFORMANCE),),
        started=at("2026-11-23 09:00"),
        resolved=at("2026-11-23 10:00"),
        updates=(Update(at("2026-11-23 09:05"), IncidentStatus.INVESTIGATING, "Jammed."),),
    )
    changed = replace(site, incidents=(site.incidents[0], extra, *site.incidents[1:]))
    after = docs(render(changed))[V2 + "incidents.json"]["incidents"]
    old = {i["name"]: (i["id"], [u["id"] for u in i["incident_updates"]]) for i in before}
    new = {i["name"]: (i["id"], [u["id"] for u in i["incident_updates"]]) for i in after}
    assert {name: new[name] for name in old} == old


def test_page_id_follows_the_base_url() -> None:
    other = make_site(make_config(base_url="https://it.example.org/status/"))
    assert (
        docs(render(other))[V2 + "status.json"]["page"]["id"]
        != (docs(render())[V2 + "status.json"]["page"]["id"])
    )
    assert stable_id("page", "x") == stable_id("page", "x")
    assert stable_id("a", "bc") != stable_id("ab", "c")


# --- URLs, times, encoding ------------------------------------------------------


def test_sub_path_links_are_absolute_under_it() -> None:
    site = make_site(make_config(base_url="https://www.example.ac.uk/it/status/"))
    documents = docs(render(site))
    assert documents[V2 + "status.json"]["page"]["url"] == "https://www.example.ac.uk/it/status"
    links = [e["shortlink"] for path in DOCUMENTS for e in all_incidents(documents[path])]
    links += [n["url"] for n in documents["api/news.json"]["news"]]
    assert links
    assert all(link.startswith("https://www.example.ac.uk/it/status/") for link in links)
    assert "https://www.example.ac.uk/it/status/incidents/2026-11-24-vpn-slow/" in links


def test_time_format_is_statuspages() -> None:
    london = ZoneInfo("Europe/London")
    assert format_time(at("2026-11-22 08:40"), london) == "2026-11-22T08:40:00.000+00:00"
    assert format_time(at("2026-07-01 09:00"), london) == "2026-07-01T09:00:00.000+01:00"
    moment = datetime(2026, 7, 1, 8, 0, 0, 123456, tzinfo=ZoneInfo("UTC"))
    assert format_time(moment, ZoneInfo("Etc/UTC")) == "2026-07-01T08:00:00.123Z"
    assert format_time(moment, ZoneInfo("America/Chicago")) == "2026-07-01T03:00:00.123-05:00"


def test_times_are_in_the_site_zone() -> None:
    site = make_site(make_config(timezone=ZoneInfo("America/New_York")))
    page = docs(render(site))[V2 + "status.json"]["page"]
    assert page["time_zone"] == "America/New_York"
    assert page["updated_at"] == "2026-11-24T06:00:00.000-05:00"


def test_hostile_text_stays_valid_json_and_inert_in_html() -> None:
    hostile = "</script><script>alert(1)</script>"
    site = make_site()
    vpn = replace(
        site.incidents[0],
        title=hostile,
        updates=(Update(at("2026-11-24 08:15"), IncidentStatus.INVESTIGATING, hostile + " &amp;"),),
    )
    files = render(replace(site, incidents=(vpn, *site.incidents[1:])))
    for path, data in files.items():
        text = data.decode("utf-8")
        assert "<script" not in text.lower(), path
        assert "<" not in text and ">" not in text and "&" not in text, path
        json.loads(text)
    summary = json.loads(files[V2 + "summary.json"])
    assert summary["incidents"][0]["name"] == hostile
    # The body is plain text of sanitised Markdown: the script is gone, the entity decoded.
    assert summary["incidents"][0]["incident_updates"][0]["body"] == "&"


def test_encode_json_escapes_only_inside_strings() -> None:
    value = {"a<b": "x & y > z \u2028\u2029 é ✓", "n": [1, None, True]}
    data = encode_json(value)
    text = data.decode("utf-8")
    assert json.loads(text) == value
    assert text.endswith("}\n")
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert "é ✓" in text  # UTF-8, not \u escapes, for everything else
    assert text.startswith('{\n  "a\\u003cb": "x \\u0026 y \\u003e z')


# --- determinism and time -----------------------------------------------------------


def test_bytes_are_deterministic() -> None:
    assert render() == render()
    assert render(make_site()) == render(make_site())


def test_page_updated_at_is_the_last_change_not_the_build_time() -> None:
    page = docs(render())[V2 + "status.json"]["page"]
    # The email window opened at 11:00 with an update; nothing changed since.
    assert page["updated_at"] == "2026-11-24T11:00:00.000+00:00"
    empty = Site(config=make_config())
    assert docs(render(empty))[V2 + "status.json"]["page"]["updated_at"] == (
        "2026-11-24T12:00:00.000+00:00"
    )


def test_later_now_changes_only_what_time_changes() -> None:
    quiet = render(now=NOW + timedelta(minutes=45))
    assert quiet == render(), "nothing happens between 12:00 and 12:45"

    before, after = docs(render()), docs(render(now=NOW + timedelta(hours=1, minutes=30)))
    # At 13:00 the email window closed: its state, email's status and the
    # maintenance lists move on; page.updated_at becomes 13:00, the moment
    # the page changed, not 13:30, the build time.
    assert after[V2 + "status.json"]["page"]["updated_at"] == "2026-11-24T13:00:00.000+00:00"
    assert [m["name"] for m in after[V2 + "summary.json"]["scheduled_maintenances"]] == [
        "Wi-Fi controller upgrade"
    ]
    window = next(
        m
        for m in after[V2 + "scheduled-maintenances.json"]["scheduled_maintenances"]
        if m["name"] == "Email server patching"
    )
    assert (window["status"], window["resolved_at"]) == (
        "completed",
        "2026-11-24T13:00:00.000+00:00",
    )
    email = next(c for c in after[V2 + "components.json"]["components"] if c["name"] == "Email")
    assert (email["status"], email["updated_at"]) == (
        "operational",
        "2026-11-24T13:00:00.000+00:00",
    )
    assert after[V2 + "status.json"]["status"] == before[V2 + "status.json"]["status"]
    # Entries themselves are unchanged.
    assert after[V2 + "incidents.json"] == {
        **before[V2 + "incidents.json"],
        "page": after[V2 + "incidents.json"]["page"],
        "incidents": _with_components(
            before[V2 + "incidents.json"]["incidents"], after[V2 + "components.json"]
        ),
    }


def _with_components(incidents: list[dict[str, Any]], components: dict[str, Any]) -> list[Any]:
    by_id = {c["id"]: c for c in components["components"]}
    return [{**i, "components": [by_id[c["id"]] for c in i["components"]]} for i in incidents]


def test_verifying_update_shows_while_the_window_runs() -> None:
    site = make_site()
    current = next(m for m in site.maintenances if m.id == "2026-11-24-email-patching")
    verifying = replace(
        current,
        updates=(
            *current.updates,
            Update(at("2026-11-24 11:50"), MaintenanceStatus.VERIFYING, "Checking."),
        ),
    )
    changed = replace(
        site,
        maintenances=tuple(verifying if m is current else m for m in site.maintenances),
    )
    active = docs(render(changed))[V2 + "scheduled-maintenances/active.json"]
    assert active["scheduled_maintenances"][0]["status"] == "verifying"
    early = docs(render(changed, now=at("2026-11-24 11:30")))
    active = early[V2 + "scheduled-maintenances/active.json"]
    assert active["scheduled_maintenances"][0]["status"] == "in_progress"


def test_lists_are_capped_at_fifty() -> None:
    site = make_site()
    many = tuple(
        Incident(
            id=f"2026-10-{n:04d}",
            title=f"Incident {n}",
            services=(AffectedService("wifi", Impact.DEGRADED_PERFORMANCE),),
            started=at("2026-10-01 09:00") + timedelta(minutes=n),
            resolved=at("2026-10-01 09:00") + timedelta(minutes=n + 1),
            updates=(),
        )
        for n in range(60)
    )
    windows = tuple(
        Maintenance(
            id=f"2026-09-{n:04d}",
            title=f"Window {n}",
            service_ids=("printing",),
            start=at("2026-09-01 09:00") + timedelta(hours=n),
            end=at("2026-09-01 09:30") + timedelta(hours=n),
        )
        for n in range(60)
    )
    bigger = replace(
        site, incidents=site.incidents + many, maintenances=site.maintenances + windows
    )
    documents = docs(render(bigger))
    incidents = documents[V2 + "incidents.json"]["incidents"]
    assert len(incidents) == 50
    assert incidents[0]["name"] == "VPN connections slow & dropping <sometimes>"
    assert incidents[-1]["name"] == "Incident 13"
    windows_doc = documents[V2 + "scheduled-maintenances.json"]["scheduled_maintenances"]
    assert len(windows_doc) == 50
    assert windows_doc[0]["name"] == "Wi-Fi controller upgrade"
    validator("incidents.json").validate(documents[V2 + "incidents.json"])


def with_email_review(site: Site) -> Site:
    email = site.incidents[1]
    review = Update(at("2026-11-23 10:00"), IncidentStatus.POSTMORTEM, "The queue limit is raised.")
    return replace(
        site,
        incidents=(
            site.incidents[0],
            replace(email, updates=(*email.updates, review)),
            *site.incidents[2:],
        ),
    )


def test_a_reviewed_incident_is_postmortem_and_still_resolved() -> None:
    documents = docs(render(with_email_review(make_site())))
    email = next(
        i
        for i in documents[V2 + "incidents.json"]["incidents"]
        if i["name"] == "Email delivery delays"
    )
    assert email["status"] == "postmortem"
    assert email["resolved_at"] == "2026-11-22T11:15:00.000+00:00"
    assert email["updated_at"] == "2026-11-23T10:00:00.000+00:00"
    assert [u["status"] for u in email["incident_updates"]] == [
        "postmortem",
        "resolved",
        "monitoring",
        "investigating",
    ]
    unresolved = documents[V2 + "incidents/unresolved.json"]["incidents"]
    assert email["id"] not in {i["id"] for i in unresolved}
    errors = list(validator("incidents.json").iter_errors(documents[V2 + "incidents.json"]))
    assert not errors


# --- recurring maintenance ------------------------------------------------------------


def weekly_site() -> Site:
    """Email patching every Tuesday 11:00-13:00 from 3 Nov 2026; NOW is Tue 24 Nov 12:00."""
    series = Maintenance(
        id="weekly-patching",
        title="Weekly patching",
        service_ids=("email",),
        start=at("2026-11-03 11:00"),
        end=at("2026-11-03 13:00"),
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
    )
    return Site(make_config(), maintenances=(series,))


def test_each_occurrence_is_a_scheduled_maintenance_of_its_own() -> None:
    found = docs(render(weekly_site()))
    listed = found[V2 + "scheduled-maintenances.json"]["scheduled_maintenances"]

    assert [(m["scheduled_for"], m["status"]) for m in listed] == [
        ("2026-12-15T11:00:00.000+00:00", "scheduled"),
        ("2026-12-08T11:00:00.000+00:00", "scheduled"),
        ("2026-12-01T11:00:00.000+00:00", "scheduled"),
        ("2026-11-24T11:00:00.000+00:00", "in_progress"),
        ("2026-11-17T11:00:00.000+00:00", "completed"),
        ("2026-11-10T11:00:00.000+00:00", "completed"),
        ("2026-11-03T11:00:00.000+00:00", "completed"),
    ]
    assert len({m["id"] for m in listed}) == 7
    assert listed[3]["id"] == stable_id("incident", "weekly-patching@2026-11-24")
    assert {m["shortlink"] for m in listed} == {
        "https://status.example.ac.uk/incidents/weekly-patching/"
    }
    active = found[V2 + "scheduled-maintenances/active.json"]["scheduled_maintenances"]
    upcoming = found[V2 + "scheduled-maintenances/upcoming.json"]["scheduled_maintenances"]
    assert [m["scheduled_for"] for m in active] == ["2026-11-24T11:00:00.000+00:00"]
    assert [m["scheduled_until"] for m in upcoming] == [
        "2026-12-01T13:00:00.000+00:00",
        "2026-12-08T13:00:00.000+00:00",
        "2026-12-15T13:00:00.000+00:00",
    ]
    summary = found[V2 + "summary.json"]
    assert summary["scheduled_maintenances"] == active + upcoming
    assert [c["status"] for c in summary["components"] if c["name"] == "Email"] == [
        "under_maintenance"
    ]
    # The page changed when the current occurrence began, not at the series' first.
    assert summary["page"]["updated_at"] == "2026-11-24T11:00:00.000+00:00"
    for path in (V2 + "scheduled-maintenances.json", V2 + "summary.json"):
        validator(DOCUMENTS[path]).validate(found[path])
