"""Which events a build brings, against the previous build and the ledger."""

from __future__ import annotations

from dataclasses import replace

from conftest import NOW, at, make_site

from statusgen.manifest import Manifest, build_manifest
from statusgen.model import Incident, IncidentStatus, Site, Update
from statusgen.publish.diff import FIRST, RESOLUTION, EventKind, events
from statusgen.publish.ledger import Ledger, PostRecord
from statusgen.status import derive

VPN = "incidents/2026-11-24-vpn-slow"


def manifest(site: Site) -> Manifest:
    return build_manifest(site, derive(site, NOW), None)


def without(site: Site, entry_id: str) -> Site:
    return replace(
        site,
        incidents=tuple(i for i in site.incidents if i.id != entry_id),
        maintenances=tuple(m for m in site.maintenances if m.id != entry_id),
        news=tuple(n for n in site.news if n.id != entry_id),
    )


def with_vpn(site: Site, **changes: object) -> Site:
    vpn = replace(site.incidents[0], **changes)
    return replace(site, incidents=(vpn, *site.incidents[1:]))


def summary(found: list) -> list[tuple[str, EventKind, str]]:
    return [(e.entry.ref, e.kind, e.key) for e in found]


RESOLVED_UPDATE = Update(at("2026-11-24 11:30"), IncidentStatus.RESOLVED, "VPN is back to normal.")


def test_no_previous_build_is_the_baseline() -> None:
    assert events(None, manifest(make_site()), Ledger()) == []


def test_same_build_twice_brings_nothing() -> None:
    site = make_site()
    assert events(manifest(site), manifest(site), Ledger()) == []


def test_new_incident_is_one_event_for_its_current_state() -> None:
    site = make_site()
    found = events(manifest(without(site, "2026-11-24-vpn-slow")), manifest(site), Ledger())
    assert summary(found) == [(VPN, EventKind.OPENED, FIRST)]
    # the current state: the latest update, not one event per update in the file
    assert found[0].update is not None
    assert found[0].update.status == "identified"
    assert found[0].is_first


def test_new_update_is_one_event() -> None:
    site = make_site()
    before = with_vpn(site, updates=site.incidents[0].updates[:1])
    found = events(manifest(before), manifest(site), Ledger())
    assert summary(found) == [(VPN, EventKind.UPDATED, "update:2")]
    assert found[0].update is not None
    assert found[0].update.message == "A faulty licence server is the cause."


def test_resolution_with_an_update_is_one_resolved_event() -> None:
    site = make_site()
    after = with_vpn(
        site,
        resolved=at("2026-11-24 11:30"),
        updates=(*site.incidents[0].updates, RESOLVED_UPDATE),
    )
    found = events(manifest(site), manifest(after), Ledger())
    assert summary(found) == [(VPN, EventKind.RESOLVED, RESOLUTION)]


def test_resolution_without_an_update_still_posts_once() -> None:
    site = make_site()
    after = with_vpn(site, resolved=at("2026-11-24 11:30"))
    found = events(manifest(site), manifest(after), Ledger())
    assert summary(found) == [(VPN, EventKind.RESOLVED, RESOLUTION)]
    assert found[0].update is None
    # and only once: the next build has nothing new
    assert events(manifest(after), manifest(after), Ledger()) == []


def test_incident_first_seen_resolved_is_one_resolved_post() -> None:
    site = make_site()
    found = events(manifest(without(site, "2026-11-22-email-delays")), manifest(site), Ledger())
    assert summary(found) == [("incidents/2026-11-22-email-delays", EventKind.RESOLVED, FIRST)]


def test_maintenance_and_news_events() -> None:
    site = make_site()
    before = without(without(site, "2026-11-29-wifi-upgrade"), "2026-11-20-mfa")
    patching = site.maintenances[1]
    before = replace(before, maintenances=(replace(patching, updates=()), *before.maintenances[1:]))
    found = events(manifest(before), manifest(site), Ledger())
    assert summary(found) == [
        ("news/2026-11-20-mfa", EventKind.NEWS, FIRST),
        (
            "incidents/2026-11-24-email-patching",
            EventKind.MAINTENANCE_UPDATE,
            "update:1",
        ),
        ("incidents/2026-11-29-wifi-upgrade", EventKind.SCHEDULED, FIRST),
    ]


def test_events_are_oldest_first_across_entries() -> None:
    site = make_site()
    before = with_vpn(without(site, "2026-11-20-mfa"), updates=site.incidents[0].updates[:1])
    found = events(manifest(before), manifest(site), Ledger())
    assert [e.entry.ref for e in found] == ["news/2026-11-20-mfa", VPN]
    assert [e.time for e in found] == sorted(e.time for e in found)


def test_post_false_never_posts() -> None:
    site = make_site()
    quiet = with_vpn(site, post=False)
    assert events(manifest(without(site, "2026-11-24-vpn-slow")), manifest(quiet), Ledger()) == []
    later = with_vpn(
        quiet,
        post=False,
        resolved=at("2026-11-24 11:30"),
        updates=(*site.incidents[0].updates, RESOLVED_UPDATE),
    )
    assert events(manifest(quiet), manifest(later), Ledger()) == []


def test_events_in_the_ledger_are_skipped() -> None:
    site = make_site()
    ledger = Ledger([PostRecord(VPN, FIRST, "1", "x", "2026-11-24T12:00:00+00:00")])
    assert events(manifest(without(site, "2026-11-24-vpn-slow")), manifest(site), ledger) == []


def test_pending_events_are_due_again_until_posted() -> None:
    site = make_site()
    ledger = Ledger(pending=[(VPN, FIRST), ("news/gone", FIRST), (VPN, "no-such-update")])
    found = events(manifest(site), manifest(site), ledger)
    assert summary(found) == [(VPN, EventKind.OPENED, FIRST)]


def test_pending_update_is_rebuilt_from_the_current_record() -> None:
    site = make_site()
    key = "update:2"
    found = events(manifest(site), manifest(site), Ledger(pending=[(VPN, key)]))
    assert summary(found) == [(VPN, EventKind.UPDATED, key)]


def test_pending_of_a_post_false_entry_is_dropped() -> None:
    site = make_site()
    quiet = with_vpn(site, post=False)
    assert events(manifest(site), manifest(quiet), Ledger(pending=[(VPN, FIRST)])) == []


def test_news_and_incident_may_share_an_id() -> None:
    site = make_site()
    twin = Incident(
        id="2026-11-20-mfa",
        title="MFA prompts missing",
        services=site.incidents[0].services,
        started=at("2026-11-24 10:00"),
        resolved=None,
        updates=(),
    )
    after = replace(site, incidents=(twin, *site.incidents))
    found = events(manifest(site), manifest(after), Ledger())
    assert summary(found) == [("incidents/2026-11-20-mfa", EventKind.OPENED, FIRST)]


EMAIL = "incidents/2026-11-22-email-delays"
REVIEW = Update(
    at("2026-11-23 10:00"), IncidentStatus.POSTMORTEM, "The relay queue limit is raised."
)


def with_review(site: Site, **changes: object) -> Site:
    email = site.incidents[1]
    email = replace(email, updates=(*email.updates, REVIEW), **changes)
    return replace(site, incidents=(site.incidents[0], email, *site.incidents[2:]))


def test_a_postmortem_update_is_one_update_event_once() -> None:
    site = make_site()
    after = with_review(site)
    found = events(manifest(site), manifest(after), Ledger())
    # An update like others, keyed by its place (the ledger's key), not a resolution again.
    assert summary(found) == [(EMAIL, EventKind.UPDATED, "update:4")]
    assert events(manifest(after), manifest(after), Ledger()) == []
    posted = Ledger([PostRecord(EMAIL, "update:4", "9", "x", "2026-11-23T10:05:00+00:00")])
    assert events(manifest(site), manifest(after), posted) == []


def test_an_incident_first_seen_with_a_postmortem_is_one_resolved_post() -> None:
    after = with_review(make_site())
    found = events(manifest(without(after, "2026-11-22-email-delays")), manifest(after), Ledger())
    assert summary(found) == [(EMAIL, EventKind.RESOLVED, FIRST)]


def test_resolved_and_reviewed_in_one_build_posts_both() -> None:
    site = make_site()
    review = Update(at("2026-11-24 11:45"), IncidentStatus.POSTMORTEM, "Cause: a licence server.")
    after = with_vpn(
        site, resolved=at("2026-11-24 11:30"), updates=(*site.incidents[0].updates, review)
    )
    found = events(manifest(site), manifest(after), Ledger())
    assert summary(found) == [
        (VPN, EventKind.RESOLVED, RESOLUTION),
        (VPN, EventKind.UPDATED, "update:3"),
    ]


def test_a_pending_first_post_tells_the_updates_and_resolution_written_since() -> None:
    """The first post failed (or its target was off); two updates and the end came
    in before the next run: it is one first post as the entry now reads, not the
    same news again as replies under it."""
    site = make_site()
    opened = with_vpn(site, updates=site.incidents[0].updates[:1])
    closed = with_vpn(
        site,
        updates=(*site.incidents[0].updates, RESOLVED_UPDATE),
        resolved=RESOLVED_UPDATE.at,
    )
    pending = Ledger(pending=[(VPN, FIRST)])
    found = events(manifest(opened), manifest(closed), pending)
    assert summary(found) == [(VPN, EventKind.RESOLVED, FIRST)]
    assert found[0].covers == (FIRST, RESOLUTION)
    # Once the first post is recorded, a later update is a reply as usual.
    posted = Ledger([PostRecord(VPN, FIRST, "1", "x", "t", updates=1)])
    assert summary(events(manifest(opened), manifest(site), posted)) == [
        (VPN, EventKind.UPDATED, "update:2")
    ]
