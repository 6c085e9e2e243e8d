"""The maintenance calendar, parsed back with icalendar as a subscriber's client would."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import LONDON, NOW, at, make_config, make_site
from icalendar import Calendar, Event

from statusgen.model import Maintenance, MaintenanceStatus, Site, Update
from statusgen.render.ical import ICAL_PATH, PRODID, render_ical
from statusgen.status import derive


def render(site: Site | None = None, sequences: dict[str, int] | None = None) -> bytes:
    site = site or make_site()
    output = render_ical(site, derive(site, NOW), sequences)
    assert set(output) == {ICAL_PATH}
    return output[ICAL_PATH]


def events(data: bytes) -> dict[str, Event]:
    calendar = Calendar.from_ical(data)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def window(**changes: object) -> Maintenance:
    base = Maintenance(
        id="2026-10-25-core-switch",
        title="Core switch replacement",
        service_ids=("wifi",),
        start=at("2026-10-25 00:30"),  # BST, UTC+1
        end=at("2026-10-25 03:00"),  # GMT, after the clocks went back
    )
    return dataclasses.replace(base, **changes)


def test_calendar_properties() -> None:
    calendar = Calendar.from_ical(render())

    assert calendar["prodid"] == PRODID
    assert calendar["version"] == "2.0"
    assert calendar["method"] == "PUBLISH"
    assert calendar["x-wr-calname"] == "Example IT status maintenance"


def test_one_event_per_window_with_stable_uids() -> None:
    found = events(render())

    assert set(found) == {
        "2026-11-29-wifi-upgrade@status.example.ac.uk",
        "2026-11-24-email-patching@status.example.ac.uk",
        "2026-11-01-printing-upgrade@status.example.ac.uk",
    }
    # The host only, whatever the sub-path.
    sub_path = make_site(make_config(base_url="https://x.example/status/"))
    assert "2026-11-29-wifi-upgrade@x.example" in events(render(sub_path))


def test_event_fields() -> None:
    event = events(render())["2026-11-29-wifi-upgrade@status.example.ac.uk"]

    assert event["summary"] == "Wi-Fi controller upgrade"
    assert event["description"] == (
        "Expect short drops.\n\nAffected services: Wi-Fi, VPN\n\nReference: CHG-77"
    )
    assert event["url"] == "https://status.example.ac.uk/incidents/2026-11-29-wifi-upgrade/"
    assert event["status"] == "CONFIRMED"
    assert event["transp"] == "TRANSPARENT"
    assert event.decoded("dtstart") == at("2026-11-29 06:00")
    assert event.decoded("dtend") == at("2026-11-29 08:00")


def test_times_carry_the_site_zone_and_its_vtimezone() -> None:
    data = render()
    calendar = Calendar.from_ical(data)
    event = events(data)["2026-11-24-email-patching@status.example.ac.uk"]

    assert event["dtstart"].params["TZID"] == "Europe/London"
    assert event["dtend"].params["TZID"] == "Europe/London"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert calendar.get_missing_tzids() == set()
    assert b"DTSTART;TZID=Europe/London:20261124T110000\r\n" in data


def test_window_across_the_dst_change_is_right_in_utc() -> None:
    site = Site(make_config(), maintenances=(window(),))
    event = events(render(site))["2026-10-25-core-switch@status.example.ac.uk"]

    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start.astimezone(UTC) == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=3, minutes=30)


def test_second_pass_of_a_repeated_hour_is_written_in_utc() -> None:
    # 01:30 happens twice on 25 Oct 2026; a TZID time would mean the first (BST).
    second = datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON)
    site = Site(make_config(), maintenances=(window(start=second, end=at("2026-10-25 04:00")),))
    data = render(site)
    event = events(data)["2026-10-25-core-switch@status.example.ac.uk"]

    assert b"DTSTART:20261025T013000Z\r\n" in data
    assert event.decoded("dtstart") == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert event["dtend"].params["TZID"] == "Europe/London"


def test_times_are_shown_in_the_site_zone_whatever_offset_they_were_written_in() -> None:
    tokyo = datetime(2026, 11, 29, 15, 0, tzinfo=ZoneInfo("Asia/Tokyo"))  # 06:00 London
    site = Site(make_config(), maintenances=(window(start=tokyo, end=at("2026-11-29 08:00")),))
    assert b"DTSTART;TZID=Europe/London:20261129T060000\r\n" in render(site)


def test_sequence_comes_from_the_mapping() -> None:
    found = events(render(sequences={"2026-11-29-wifi-upgrade": 4}))

    assert found["2026-11-29-wifi-upgrade@status.example.ac.uk"]["sequence"] == 4
    assert found["2026-11-01-printing-upgrade@status.example.ac.uk"]["sequence"] == 0


def test_dtstamp_is_the_last_update_or_the_start_never_the_build_time() -> None:
    announced = Update(at("2026-10-20 10:00"), MaintenanceStatus.SCHEDULED, "Booked.")
    site = Site(
        make_config(),
        maintenances=(window(), window(id="2026-10-25-announced", updates=(announced,))),
    )
    found = events(render(site))

    plain = found["2026-10-25-core-switch@status.example.ac.uk"]
    assert plain.decoded("dtstamp") == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    updated = found["2026-10-25-announced@status.example.ac.uk"]
    assert updated.decoded("dtstamp") == datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


def test_bytes_are_reproducible_and_independent_of_build_time() -> None:
    site = make_site()
    first = render_ical(site, derive(site, NOW))
    assert render_ical(site, derive(site, NOW)) == first
    assert render_ical(site, derive(site, NOW + timedelta(hours=1))) == first
    assert render_ical(site, derive(site, NOW + timedelta(days=400))) == first


def test_hostile_text_stays_inside_its_property() -> None:
    hostile = window(
        title="Evil\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:forged",
        body="<script>alert(1)</script> Text; with, separators\\",
    )
    data = render(Site(make_config(), maintenances=(hostile,)))
    found = events(data)

    assert list(found) == ["2026-10-25-core-switch@status.example.ac.uk"]
    event = found["2026-10-25-core-switch@status.example.ac.uk"]
    # Line breaks are escaped as \n (icalendar folds CR LF into it): still one property.
    assert event["summary"] == "Evil\nEND:VEVENT\nBEGIN:VEVENT\nUID:forged"
    assert "<script>" not in event["description"]


def test_no_windows_gives_an_empty_calendar() -> None:
    calendar = Calendar.from_ical(render(Site(make_config())))
    assert calendar.walk("VEVENT") == []
    assert calendar["method"] == "PUBLISH"


def recurring(rule: str | None = "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270406T235959Z") -> Maintenance:
    """Tuesdays 07:00-09:00 London from 20 Oct 2026, across both DST changes."""
    return window(
        id="weekly-patching",
        title="Weekly patching",
        start=at("2026-10-20 07:00").astimezone(UTC),
        end=at("2026-10-20 09:00").astimezone(UTC),
        rrule=rule,
    )


def test_a_recurring_window_is_one_event_with_its_rule() -> None:
    data = render(Site(make_config(), maintenances=(recurring(),)))
    found = events(data)

    assert list(found) == ["weekly-patching@status.example.ac.uk"]
    event = found["weekly-patching@status.example.ac.uk"]
    assert b"DTSTART;TZID=Europe/London:20261020T070000\r\n" in data
    # icalendar writes the parts in RFC 5545's order.
    assert b"RRULE:FREQ=WEEKLY;UNTIL=20270406T235959Z;BYDAY=TU\r\n" in data
    assert b"DURATION:PT2H\r\n" in data
    assert "dtend" not in event
    assert Calendar.from_ical(data).get_missing_tzids() == set()


def test_the_vtimezone_reaches_the_last_occurrence() -> None:
    data = render(Site(make_config(), maintenances=(recurring("FREQ=YEARLY;COUNT=5"),)))
    zone = data[data.index(b"BEGIN:VTIMEZONE") : data.index(b"END:VTIMEZONE")]
    assert b"20311026T020000" in zone  # the last occurrence is in Oct 2030: a year beyond
    one_off = render(Site(make_config(), maintenances=(recurring(None),)))
    assert b"2031" not in one_off


def test_a_calendar_expanding_the_rule_finds_the_page_occurrences() -> None:
    from dateutil.rrule import rrulestr

    series = recurring()
    site = Site(make_config(), maintenances=(series,))
    event = events(render(site))["weekly-patching@status.example.ac.uk"]
    start = event.decoded("dtstart")
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    in_calendar = [o.astimezone(UTC) for o in rule]

    now = at("2026-10-26 12:00")  # the clocks went back yesterday
    shown = derive(site, now).maintenances
    assert [m.start for m in reversed(shown)] == in_calendar[: len(shown)]
    assert [o.astimezone(LONDON).strftime("%H:%M") for o in in_calendar] == ["07:00"] * 25
    assert in_calendar[0].hour == 6 and in_calendar[1].hour == 7  # BST, then GMT
    assert in_calendar[-1] == datetime(2027, 4, 6, 6, 0, tzinfo=UTC)  # BST again
    assert event.decoded("duration") == timedelta(hours=2)


def test_a_one_off_window_keeps_dtend_and_no_rule() -> None:
    event = events(render())["2026-11-29-wifi-upgrade@status.example.ac.uk"]
    assert "rrule" not in event
    assert "duration" not in event
