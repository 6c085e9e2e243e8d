"""Status rules: pure functions of the model and the build time."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import LONDON, NOW, at, make_config, make_site

from statusgen import recurrence
from statusgen.model import (
    AffectedService,
    ComponentStatus,
    Impact,
    Incident,
    IncidentStatus,
    Indicator,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Site,
    Update,
)
from statusgen.status import (
    UPCOMING_OCCURRENCES,
    affecting,
    derive,
    format_percent,
    incident_impact,
    last_change,
    maintenance_state,
    occurrences,
    opened_event,
    overall,
    resolved_event,
    uptime_over,
)


def incident(ident: str, start: str, end: str | None, **impacts: Impact) -> Incident:
    return Incident(
        id=ident,
        title=ident,
        services=tuple(AffectedService(s, i) for s, i in impacts.items()),
        started=at(start),
        resolved=at(end) if end else None,
        updates=(),
    )


def window(ident: str, start: str, end: str, *services: str) -> Maintenance:
    return Maintenance(ident, ident, services, at(start), at(end))


def site_with(*entries: Incident | Maintenance) -> Site:
    return Site(
        config=make_config(),
        incidents=tuple(e for e in entries if isinstance(e, Incident)),
        maintenances=tuple(e for e in entries if isinstance(e, Maintenance)),
    )


def day(status, service: str, when: date):
    return next(d for d in status.service(service).days if d.day == when)


def test_demo_model_status():
    status = derive(make_site(), NOW)
    by_id = {s.service.id: s.status for s in status.services}
    assert by_id == {
        "email": ComponentStatus.UNDER_MAINTENANCE,
        "webmail": ComponentStatus.OPERATIONAL,
        "vpn": ComponentStatus.PARTIAL_OUTAGE,
        "wifi": ComponentStatus.OPERATIONAL,
        "printing": ComponentStatus.OPERATIONAL,
    }
    # One partial outage among five services: Statuspage's "minor service outage".
    assert status.overall.indicator is Indicator.MINOR
    assert status.overall.description == "Minor Service Outage"
    assert [i.id for i in status.ongoing] == ["2026-11-24-vpn-slow"]
    assert [m.id for m in status.active_maintenances] == ["2026-11-24-email-patching"]
    assert [m.id for m in status.upcoming_maintenances] == ["2026-11-29-wifi-upgrade"]
    assert [g.name for g in status.groups] == ["Communication", "Access", None]
    assert status.groups[1].status is ComponentStatus.PARTIAL_OUTAGE


def test_worst_ongoing_impact_wins_over_maintenance():
    status = derive(
        site_with(
            incident("a", "2026-11-24 09:00", None, email=Impact.DEGRADED_PERFORMANCE),
            incident("b", "2026-11-24 10:00", None, email=Impact.MAJOR_OUTAGE),
            window("m", "2026-11-24 11:00", "2026-11-24 13:00", "email"),
        ),
        NOW,
    )
    assert status.service("email").status is ComponentStatus.MAJOR_OUTAGE
    # One service of five in major outage: a partial system outage, not critical.
    assert status.overall.indicator is Indicator.MAJOR
    assert status.overall.description == "Partial System Outage"


def test_resolved_at_build_time_is_no_longer_ongoing():
    status = derive(
        site_with(incident("a", "2026-11-24 09:00", "2026-11-24 12:00", vpn=Impact.MAJOR_OUTAGE)),
        NOW,
    )
    assert status.service("vpn").status is ComponentStatus.OPERATIONAL
    assert status.ongoing == ()


def test_maintenance_state_follows_the_window():
    status = derive(site_with(window("m", "2026-11-24 12:00", "2026-11-24 13:00", "vpn")), NOW)
    assert status.service("vpn").status is ComponentStatus.UNDER_MAINTENANCE
    assert status.overall.indicator is Indicator.MAINTENANCE
    assert status.overall.description == "Service Under Maintenance"
    later = derive(
        site_with(window("m", "2026-11-24 12:00", "2026-11-24 13:00", "vpn")),
        at("2026-11-24 13:00"),
    )
    assert later.service("vpn").status is ComponentStatus.OPERATIONAL
    assert later.active_maintenances == ()


def test_of_two_updates_at_one_time_the_one_written_last_is_the_window_state():
    started = Update(at("2026-11-24 11:40"), MaintenanceStatus.IN_PROGRESS, "Started.")
    verifying = Update(at("2026-11-24 11:40"), MaintenanceStatus.VERIFYING, "Checking.")
    base = window("m", "2026-11-24 11:00", "2026-11-24 13:00", "email")
    written = replace(base, updates=(started, verifying))
    assert maintenance_state(written, NOW) is MaintenanceStatus.VERIFYING
    back = replace(base, updates=(verifying, started))
    assert maintenance_state(back, NOW) is MaintenanceStatus.IN_PROGRESS
    # The clock still decides before and after the window.
    assert maintenance_state(written, at("2026-11-24 10:00")) is MaintenanceStatus.SCHEDULED
    assert maintenance_state(written, at("2026-11-24 13:00")) is MaintenanceStatus.COMPLETED


def test_last_change_is_the_latest_own_moment_not_after_now():
    ongoing = incident("a", "2026-11-24 08:00", None, vpn=Impact.MAJOR_OUTAGE)
    assert last_change(ongoing, NOW) == at("2026-11-24 08:00")
    resolved = incident("b", "2026-11-24 08:00", "2026-11-24 09:00", vpn=Impact.MAJOR_OUTAGE)
    assert last_change(resolved, NOW) == at("2026-11-24 09:00")
    running = window("m", "2026-11-24 11:00", "2026-11-24 13:00", "vpn")
    assert last_change(running, NOW) == at("2026-11-24 11:00")
    assert last_change(running, at("2026-11-24 14:00")) == at("2026-11-24 13:00")
    assert last_change(window("f", "2026-11-29 06:00", "2026-11-29 08:00", "vpn"), NOW) is None
    news = NewsItem("n", "N", at("2026-11-20 09:00"), "S")
    assert last_change(news, NOW) == at("2026-11-20 09:00")


def test_opened_and_resolved_are_events_only_where_no_update_says_so():
    bare = incident("a", "2026-11-24 08:00", "2026-11-24 09:00", vpn=Impact.MAJOR_OUTAGE)
    assert opened_event(bare) == at("2026-11-24 08:00")
    assert resolved_event(bare) == at("2026-11-24 09:00")
    told = replace(
        bare,
        updates=(
            Update(at("2026-11-24 08:05"), IncidentStatus.INVESTIGATING, "Looking."),
            Update(at("2026-11-24 09:00"), IncidentStatus.RESOLVED, "Fixed."),
        ),
    )
    assert opened_event(told) is None
    assert resolved_event(told) is None
    assert resolved_event(incident("c", "2026-11-24 08:00", None, vpn=Impact.MAJOR_OUTAGE)) is None


def test_affecting_lists_each_services_entries_newest_first_once_each():
    old = incident("old", "2026-11-01 08:00", "2026-11-01 09:00", vpn=Impact.MAJOR_OUTAGE)
    new = incident("new", "2026-11-20 08:00", None, vpn=Impact.DEGRADED_PERFORMANCE)
    both = window("w", "2026-11-10 06:00", "2026-11-10 08:00", "vpn", "wifi", "vpn")
    found = affecting(site_with(old, new, both))
    assert [e.id for e in found["vpn"]] == ["new", "w", "old"]
    assert [e.id for e in found["wifi"]] == ["w"]
    assert found["printing"] == ()


OP = ComponentStatus.OPERATIONAL
MNT = ComponentStatus.UNDER_MAINTENANCE
DEG = ComponentStatus.DEGRADED_PERFORMANCE
PART = ComponentStatus.PARTIAL_OUTAGE
MAJ = ComponentStatus.MAJOR_OUTAGE


# Every row of Statuspage's "Top-level status and incident impact calculations":
# a page with no components, with one, and with several (every component in the
# worst status, or only some), plus the mixes that show which status decides.
@pytest.mark.parametrize(
    ("statuses", "indicator", "description"),
    [
        # no components
        ([], Indicator.NONE, "All Systems Operational"),
        # one component
        ([OP], Indicator.NONE, "All Systems Operational"),
        ([MNT], Indicator.MAINTENANCE, "Service Under Maintenance"),
        ([DEG], Indicator.MINOR, "Partially Degraded Service"),
        ([PART], Indicator.MAJOR, "Partial System Outage"),
        ([MAJ], Indicator.CRITICAL, "Major System Outage"),
        # two or more: all operational
        ([OP, OP, OP], Indicator.NONE, "All Systems Operational"),
        # major outage: all of them, or some
        ([MAJ, MAJ, MAJ], Indicator.CRITICAL, "Major System Outage"),
        ([MAJ, OP, OP], Indicator.MAJOR, "Partial System Outage"),
        ([MAJ, PART, DEG], Indicator.MAJOR, "Partial System Outage"),
        # partial outage: all, or some
        ([PART, PART], Indicator.MAJOR, "Partial System Outage"),
        ([PART, *[OP] * 12], Indicator.MINOR, "Minor Service Outage"),
        ([PART, DEG, MNT], Indicator.MINOR, "Minor Service Outage"),
        # degraded performance: all, or some
        ([DEG, DEG], Indicator.MINOR, "Degraded System Service"),
        ([DEG, OP], Indicator.MINOR, "Partially Degraded Service"),
        ([DEG, MNT], Indicator.MINOR, "Partially Degraded Service"),
        # under maintenance: all, or some (an outage outranks it)
        ([MNT, MNT], Indicator.MAINTENANCE, "Service Under Maintenance"),
        ([MNT, OP], Indicator.MAINTENANCE, "Service Under Maintenance"),
        ([MAJ, MNT], Indicator.MAJOR, "Partial System Outage"),
    ],
)
def test_overall_is_statuspages_top_level_status(statuses, indicator, description):
    result = overall(statuses)
    assert (result.indicator, result.description) == (indicator, description)
    # The order of the components never matters.
    reordered = overall(reversed(statuses))
    assert (reordered.indicator, reordered.description) == (indicator, description)


@pytest.mark.parametrize(
    ("impacts", "indicator"),
    [
        # one affected service
        ({"vpn": Impact.DEGRADED_PERFORMANCE}, Indicator.MINOR),
        ({"vpn": Impact.PARTIAL_OUTAGE}, Indicator.MAJOR),
        ({"vpn": Impact.MAJOR_OUTAGE}, Indicator.CRITICAL),
        # several: every one in major outage is critical, some is major
        ({"vpn": Impact.MAJOR_OUTAGE, "wifi": Impact.MAJOR_OUTAGE}, Indicator.CRITICAL),
        ({"vpn": Impact.MAJOR_OUTAGE, "wifi": Impact.DEGRADED_PERFORMANCE}, Indicator.MAJOR),
        ({"vpn": Impact.PARTIAL_OUTAGE, "wifi": Impact.PARTIAL_OUTAGE}, Indicator.MAJOR),
        ({"vpn": Impact.PARTIAL_OUTAGE, "wifi": Impact.DEGRADED_PERFORMANCE}, Indicator.MINOR),
        (
            {"vpn": Impact.DEGRADED_PERFORMANCE, "wifi": Impact.DEGRADED_PERFORMANCE},
            Indicator.MINOR,
        ),
    ],
)
def test_incident_impact_is_the_top_level_rule_over_its_services(impacts, indicator):
    assert incident_impact(incident("a", "2026-11-24 09:00", None, **impacts)) is indicator


def test_uptime_weights():
    status = derive(
        site_with(
            incident("major", "2026-11-20 10:00", "2026-11-20 11:00", email=Impact.MAJOR_OUTAGE),
            incident("partial", "2026-11-20 10:00", "2026-11-20 11:00", vpn=Impact.PARTIAL_OUTAGE),
            incident(
                "slow", "2026-11-20 10:00", "2026-11-20 11:00", wifi=Impact.DEGRADED_PERFORMANCE
            ),
            window("m", "2026-11-20 10:00", "2026-11-20 11:00", "printing"),
        ),
        NOW,
    )
    when = date(2026, 11, 20)
    assert day(status, "email", when).percent == pytest.approx(100 * (1 - 1 / 24))
    assert day(status, "vpn", when).percent == pytest.approx(100 * (1 - 0.3 / 24))
    assert day(status, "wifi", when).percent == 100
    assert day(status, "wifi", when).worst is ComponentStatus.DEGRADED_PERFORMANCE
    assert day(status, "printing", when).percent == 100
    assert day(status, "printing", when).worst is ComponentStatus.UNDER_MAINTENANCE
    assert day(status, "printing", when).incident_ids == ("m",)


def test_overlapping_incidents_count_once_at_the_worse_weight():
    status = derive(
        site_with(
            incident("a", "2026-11-20 10:00", "2026-11-20 12:00", email=Impact.MAJOR_OUTAGE),
            incident("b", "2026-11-20 11:00", "2026-11-20 13:00", email=Impact.PARTIAL_OUTAGE),
            incident("c", "2026-11-20 10:30", "2026-11-20 11:30", email=Impact.MAJOR_OUTAGE),
        ),
        NOW,
    )
    # 10:00-12:00 at 1, then 12:00-13:00 at 0.3
    assert day(status, "email", date(2026, 11, 20)).percent == pytest.approx(100 * (1 - 2.3 / 24))
    assert day(status, "email", date(2026, 11, 20)).incident_ids == ("a", "b", "c")


def test_ongoing_incident_counts_until_build_time_and_today_is_partial():
    status = derive(
        site_with(incident("a", "2026-11-24 10:00", None, email=Impact.MAJOR_OUTAGE)), NOW
    )
    today = status.service("email").days[-1]
    assert today.day == date(2026, 11, 24)
    assert today.percent == pytest.approx(100 * (1 - 2 / 12))


def test_midnight_splits_between_days():
    status = derive(
        site_with(incident("a", "2026-11-20 23:00", "2026-11-21 01:00", email=Impact.MAJOR_OUTAGE)),
        NOW,
    )
    assert day(status, "email", date(2026, 11, 20)).percent == pytest.approx(100 * (1 - 1 / 24))
    assert day(status, "email", date(2026, 11, 21)).percent == pytest.approx(100 * (1 - 1 / 24))


def test_autumn_dst_day_is_25_hours():
    # 00:30 BST to 03:00 GMT is 3.5 real hours on a 25-hour day.
    wifi = make_site().incidents[2]
    status = derive(Site(config=make_config(), incidents=(wifi,)), NOW)
    assert day(status, "wifi", date(2026, 10, 25)).percent == pytest.approx(100 * (1 - 3.5 / 25))


def test_spring_dst_day_is_23_hours():
    start = datetime(2026, 3, 29, 0, 0, tzinfo=LONDON)
    end = datetime(2026, 3, 29, 3, 0, tzinfo=LONDON)  # 00:00 GMT to 03:00 BST: 2 hours
    outage = Incident("a", "a", (AffectedService("vpn", Impact.MAJOR_OUTAGE),), start, end, ())
    status = derive(Site(config=make_config(), incidents=(outage,)), at("2026-04-10 12:00"))
    assert day(status, "vpn", date(2026, 3, 29)).percent == pytest.approx(100 * (1 - 2 / 23))


def test_ninety_days_ending_today():
    days = derive(make_site(), NOW).service("email").days
    assert len(days) == 90
    assert days[0].day == date(2026, 8, 27)
    assert days[-1].day == date(2026, 11, 24)


def test_old_incidents_outside_the_window_do_not_count():
    status = derive(
        site_with(
            incident("old", "2026-01-01 10:00", "2026-01-02 10:00", email=Impact.MAJOR_OUTAGE)
        ),
        NOW,
    )
    assert status.service("email").uptime == 100


def test_day_summary_is_a_text_alternative():
    status = derive(make_site(), NOW)
    assert (
        day(status, "email", date(2026, 11, 22)).summary
        == "22 Nov 2026: 89.23% uptime, major outage"
    )
    assert day(status, "email", date(2026, 11, 23)).summary == "23 Nov 2026: no downtime recorded"


@pytest.mark.parametrize(
    ("value", "text"),
    [(100.0, "100%"), (99.9999, "99.99%"), (99.5, "99.5%"), (0.0, "0%"), (87.126, "87.12%")],
)
def test_format_percent_never_rounds_up_to_perfect(value, text):
    assert format_percent(value) == text


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        derive(make_site(), datetime(2026, 11, 24, 12, 0))


# --- recurring maintenance ------------------------------------------------------------


def series(rule: str, start: str = "2026-10-20 07:00", end: str = "2026-10-20 09:00", **changes):
    """A recurring window on email, as `content.py` stores it (UTC instants)."""
    base = window("weekly-patching", start, end, "email")
    return replace(
        base, start=base.start.astimezone(UTC), end=base.end.astimezone(UTC), rrule=rule, **changes
    )


def test_weekly_occurrences_keep_their_wall_clock_across_both_dst_changes():
    # The clocks go back on Sun 25 Oct 2026 and forward on Sun 28 Mar 2027.
    weekly = series("FREQ=WEEKLY;BYDAY=TU;UNTIL=20270406T235959Z")
    found = recurrence.starts(weekly.rrule, weekly.start, LONDON)

    assert {s.astimezone(LONDON).strftime("%a %H:%M") for s in found} == {"Tue 07:00"}
    utc_hours = {s.date().isoformat(): s.hour for s in found}
    assert utc_hours["2026-10-20"] == 6  # BST
    assert utc_hours["2026-10-27"] == 7  # GMT: the UTC time moves by an hour
    assert utc_hours["2027-03-23"] == 7
    assert utc_hours["2027-03-30"] == 6  # BST again
    assert len(found) == 25
    # Each lasts as long as the first, in elapsed time.
    occurring = occurrences(weekly, LONDON, at("2026-10-26 12:00"), at("2026-10-01 00:00"))
    assert [(o.occurrence, o.end - o.start) for o in occurring[:2]] == [
        ("2026-10-20", timedelta(hours=2)),
        ("2026-10-27", timedelta(hours=2)),
    ]
    assert occurring[1].start == datetime(2026, 10, 27, 7, 0, tzinfo=UTC)


def test_a_wall_time_the_spring_gap_skips_takes_the_offset_before_it():
    # 01:30 does not exist on 28 Mar 2027 in London: RFC 5545 reads it as 01:30 GMT.
    daily = series("FREQ=DAILY;COUNT=3", "2027-03-27 01:30", "2027-03-27 02:00")
    found = recurrence.starts(daily.rrule, daily.start, LONDON)

    assert [s.astimezone(LONDON).strftime("%d %H:%M %Z") for s in found] == [
        "27 01:30 GMT",
        "28 02:30 BST",
        "29 01:30 BST",
    ]


def test_the_horizon_keeps_recent_past_in_progress_and_the_next_few():
    weekly = series("FREQ=WEEKLY;BYDAY=TU;COUNT=52")
    now = at("2026-11-24 08:00")  # during the sixth occurrence
    found = occurrences(weekly, LONDON, now, at("2026-11-01 00:00"))

    assert [o.key for o in found] == [
        "weekly-patching@2026-11-03",
        "weekly-patching@2026-11-10",
        "weekly-patching@2026-11-17",
        "weekly-patching@2026-11-24",
        "weekly-patching@2026-12-01",
        "weekly-patching@2026-12-08",
        "weekly-patching@2026-12-15",
    ][: 4 + UPCOMING_OCCURRENCES]
    assert [o.id for o in found] == ["weekly-patching"] * len(found)
    assert all(o.rrule == weekly.rrule for o in found)


def test_the_horizon_ends_days_ahead_and_a_finished_series_shows_its_past():
    yearly = series("FREQ=YEARLY;COUNT=3")
    assert [
        o.key for o in occurrences(yearly, LONDON, at("2026-12-01 00:00"), at("2026-09-01 00:00"))
    ] == ["weekly-patching@2026-10-20"]  # the next is 2027-10-20, beyond HORIZON_DAYS
    assert occurrences(yearly, LONDON, at("2030-01-01 00:00"), at("2029-10-01 00:00")) == ()


def test_an_update_belongs_to_the_next_occurrence_not_yet_over():
    weekly = series(
        "FREQ=WEEKLY;BYDAY=TU;COUNT=3",
        updates=(
            Update(at("2026-10-19 10:00"), MaintenanceStatus.SCHEDULED, "Weekly from tomorrow."),
            Update(at("2026-10-20 08:30"), MaintenanceStatus.VERIFYING, "Checking."),
            Update(at("2026-10-26 17:00"), MaintenanceStatus.SCHEDULED, "Tomorrow as usual."),
            Update(at("2026-10-27 07:10"), MaintenanceStatus.VERIFYING, "Checking."),
        ),
    )
    first, second, third = occurrences(
        weekly, LONDON, at("2026-10-27 08:00"), at("2026-10-01 00:00")
    )

    assert [u.message for u in first.updates] == ["Weekly from tomorrow.", "Checking."]
    assert [u.message for u in second.updates] == ["Tomorrow as usual.", "Checking."]
    assert third.updates == ()
    assert maintenance_state(second, at("2026-10-27 08:00")) is MaintenanceStatus.VERIFYING


def test_derive_puts_a_service_under_maintenance_during_a_later_occurrence():
    site = site_with(
        series("FREQ=WEEKLY;BYDAY=TU;COUNT=10"),
        window("one-off", "2026-12-05 07:00", "2026-12-05 08:00", "vpn"),
    )
    during = derive(site, at("2026-11-24 08:00"))

    assert during.service("email").status is ComponentStatus.UNDER_MAINTENANCE
    assert [m.key for m in during.active_maintenances] == ["weekly-patching@2026-11-24"]
    assert [m.key for m in during.upcoming_maintenances] == [
        "weekly-patching@2026-12-01",
        "one-off",
        "weekly-patching@2026-12-08",
        "weekly-patching@2026-12-15",
    ]
    assert during.maintenances[0].key == "weekly-patching@2026-12-15"  # newest first
    assert "weekly-patching@2026-10-20" in {m.key for m in during.maintenances}
    between = derive(site, at("2026-11-25 08:00"))
    assert between.service("email").status is ComponentStatus.OPERATIONAL
    # Each past occurrence marks its day in the uptime bar.
    assert day(between, "email", date(2026, 11, 17)).worst is ComponentStatus.UNDER_MAINTENANCE
    assert day(between, "email", date(2026, 11, 18)).worst is ComponentStatus.OPERATIONAL


def test_a_site_without_recurring_windows_derives_its_windows_as_written(site):
    assert derive(site, NOW).maintenances == site.maintenances


# --- since: days before it have no data ------------------------------------------


def site_since(since: date | None, *entries: Incident | Maintenance, service_since=None) -> Site:
    """`site_with`, each service starting its history at `since` (email at `service_since`)."""
    config = make_config()
    services = tuple(
        replace(s, since=service_since if s.id == "email" and service_since else since)
        for s in config.services
    )
    return replace(site_with(*entries), config=replace(config, services=services))


def test_days_before_since_have_no_data_and_do_not_count():
    # A 6-hour major outage on 20 Nov, before tracking began on the 22nd: not counted.
    old = incident("old", "2026-11-20 10:00", "2026-11-20 16:00", email=Impact.MAJOR_OUTAGE)
    new = incident("new", "2026-11-23 10:00", "2026-11-23 11:00", email=Impact.MAJOR_OUTAGE)
    status = derive(site_since(date(2026, 11, 22), old, new), NOW)
    email = status.service("email")
    assert [d.tracked for d in email.days].count(True) == 3  # 22, 23 and today (24)
    before = day(status, "email", date(2026, 11, 20))
    assert (before.tracked, before.seconds, before.downtime) == (False, 0.0, 0.0)
    assert before.summary == "20 Nov 2026: no data"
    assert before.incident_ids == ("old",)  # still linked from the day
    assert day(status, "email", date(2026, 11, 21)).summary == "21 Nov 2026: no data"
    # 1 hour down in 24 + 24 + 12 tracked hours, not in 89.5 days.
    assert email.uptime == pytest.approx(100 * (1 - 1 / 60))


def test_the_since_day_counts_whole_from_its_midnight():
    # Tracking starts on the 22nd: an outage at 00:30 that day counts in full.
    early = incident("early", "2026-11-22 00:30", "2026-11-22 02:30", email=Impact.MAJOR_OUTAGE)
    status = derive(site_since(date(2026, 11, 22), early), NOW)
    first = day(status, "email", date(2026, 11, 22))
    assert first.tracked
    assert first.seconds == 24 * 3600
    assert first.percent == pytest.approx(100 * (1 - 2 / 24))


def test_a_service_since_wins_over_the_sites():
    status = derive(site_since(date(2026, 11, 1), service_since=date(2026, 11, 23)), NOW)
    assert [d.tracked for d in status.service("email").days].count(True) == 2
    assert [d.tracked for d in status.service("vpn").days].count(True) == 24


def test_since_on_a_23_hour_day_counts_23_hours():
    spring = at("2026-03-30 12:00")
    status = derive(site_since(date(2026, 3, 29)), spring)
    first = day(status, "vpn", date(2026, 3, 29))
    assert first.tracked and first.seconds == 23 * 3600
    assert not day(status, "vpn", date(2026, 3, 28)).tracked


def test_since_in_the_future_leaves_no_uptime_to_show():
    status = derive(site_since(date(2026, 12, 1)), NOW)
    assert status.service("email").uptime is None
    assert not any(d.tracked for d in status.service("email").days)


def test_without_since_every_day_counts():
    email = derive(site_since(None), NOW).service("email")
    assert all(d.tracked for d in email.days)
    assert email.uptime == 100


def test_uptime_over_a_span_of_days():
    outage = incident("a", "2026-11-10 10:00", "2026-11-10 22:00", email=Impact.MAJOR_OUTAGE)
    days = derive(site_with(outage), NOW).service("email").days
    assert uptime_over(days[-30:]) == pytest.approx(100 * (1 - 12 / (29 * 24 + 12)))
    assert uptime_over(days[-7:]) == 100
    assert uptime_over([]) is None


# --- past incidents, by local day ---------------------------------------------------


def test_past_days_are_the_last_15_days_newest_first():
    status = derive(site_with(), NOW)
    assert [d.day for d in status.past] == [date(2026, 11, 24 - n) for n in range(15)]
    assert all(d.entries == () for d in status.past)


def test_past_days_hold_what_started_each_day_latest_first():
    a = incident("a", "2026-11-20 09:00", "2026-11-21 10:00", email=Impact.MAJOR_OUTAGE)
    b = incident("b", "2026-11-20 17:00", "2026-11-20 18:00", vpn=Impact.PARTIAL_OUTAGE)
    m = window("m", "2026-11-20 12:00", "2026-11-20 13:00", "printing")
    later = window("later", "2026-11-24 18:00", "2026-11-24 19:00", "printing")  # not yet
    old = incident("old", "2026-11-09 23:59", "2026-11-10 01:00", email=Impact.MAJOR_OUTAGE)
    status = derive(site_with(a, b, m, later, old), NOW)
    by_day = {d.day: [e.id for e in d.entries] for d in status.past}
    assert by_day[date(2026, 11, 20)] == ["b", "m", "a"]
    assert by_day[date(2026, 11, 21)] == []  # a counts on the day it started only
    assert by_day[date(2026, 11, 24)] == []
    assert date(2026, 11, 9) not in by_day  # 16 days ago


def test_past_days_on_the_25_hour_autumn_day():
    # 25 Oct 2026: 01:00-02:00 happens twice. 23:30 GMT is still the 25th;
    # 00:30 GMT the next day is the 26th.
    late = Incident(
        "late", "late", (AffectedService("vpn", Impact.MAJOR_OUTAGE),),
        datetime(2026, 10, 25, 23, 30, tzinfo=LONDON), None, (),
    )  # fmt: skip
    repeated = Incident(
        "repeated", "repeated", (AffectedService("vpn", Impact.MAJOR_OUTAGE),),
        datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON), None, (),
    )  # fmt: skip
    status = derive(site_with(late, repeated), at("2026-10-30 12:00"))
    by_day = {d.day: [e.id for e in d.entries] for d in status.past}
    assert by_day[date(2026, 10, 25)] == ["late", "repeated"]
    assert by_day[date(2026, 10, 26)] == []


def test_past_days_on_the_23_hour_spring_day():
    # 29 Mar 2026 ends at 23:00 UTC: 23:30 UTC is 00:30 BST on the 30th.
    after = Incident(
        "after", "after", (AffectedService("vpn", Impact.MAJOR_OUTAGE),),
        datetime(2026, 3, 29, 23, 30, tzinfo=UTC), None, (),
    )  # fmt: skip
    before = Incident(
        "before", "before", (AffectedService("vpn", Impact.MAJOR_OUTAGE),),
        datetime(2026, 3, 29, 22, 59, tzinfo=UTC), None, (),
    )  # fmt: skip
    status = derive(site_with(after, before), at("2026-04-02 12:00"))
    by_day = {d.day: [e.id for e in d.entries] for d in status.past}
    assert by_day[date(2026, 3, 29)] == ["before"]
    assert by_day[date(2026, 3, 30)] == ["after"]
