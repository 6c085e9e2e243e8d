"""Tests of content.py: every rule with a good and a bad case, exact problem lines.

Documents are written out in full at module level so their line numbers can be
read off; `swap` changes one line of a good document to make a bad one.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from statusgen.content import load_content, parse_entry, parse_time
from statusgen.errors import Severity
from statusgen.model import (
    AffectedService,
    Impact,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Service,
    SiteConfig,
)

LONDON = ZoneInfo("Europe/London")
SERVICES = ("email", "webmail", "vpn", "wifi", "sso")
FIXTURES = Path(__file__).parent / "fixtures" / "content"
MALFORMED = sorted((FIXTURES / "malformed").glob("*.md"))

P = "content/incidents/x.md"
N = "content/news/x.md"


def make_config(root: Path) -> SiteConfig:
    return SiteConfig(
        root=root,
        title="IT Services status",
        base_url="https://status.example.ac.uk/",
        timezone=LONDON,
        services=tuple(Service(s, s.title()) for s in SERVICES),
    )


CONFIG = make_config(Path("site"))


@pytest.fixture
def config(tmp_path: Path) -> SiteConfig:
    return make_config(tmp_path)


def parse(text: str | bytes, folder: str = "incidents", name: str = "x.md"):
    data = text.encode() if isinstance(text, str) else text
    return parse_entry(f"content/{folder}/{name}", data, CONFIG, folder)


def problems_for(text: str | bytes, folder: str = "incidents", name: str = "x.md") -> list[str]:
    return [str(p) for p in parse(text, folder, name)[1]]


def entry_for(text: str, folder: str = "incidents", name: str = "x.md"):
    entry, problems = parse(text, folder, name)
    assert [str(p) for p in problems] == []
    assert entry is not None
    return entry


def swap(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


INCIDENT = """\
---
title: Email delivery delays
services: [email, webmail]
impact: partial_outage
started: 2026-11-22 08:40
resolved: 2026-11-22 11:15
reference: INC-12345
updates:
  - at: 2026-11-22 08:45
    status: investigating
    message: Incoming email is delayed by up to 30 minutes.
  - at: 2026-11-22 11:15
    status: resolved
    message: Email is flowing normally again.
---

The mail relay queue filled up.

"""

MAINTENANCE = """\
---
kind: maintenance
title: VPN upgrade
services: [vpn, sso]
start: 2026-11-29 07:00
end: 2026-11-29 09:00
updates:
  - at: 2026-11-20 10:00
    status: scheduled
    message: The VPN will be unavailable for two hours.
  - at: 2026-11-29 09:05
    status: completed
    message: The upgrade is complete.
---
Connect again after 09:00.
"""

NEWS = """\
---
title: New Wi-Fi in the library
date: 2026-08-12 09:30
summary: We are replacing the Wi-Fi in the library over the summer.
tags: [wifi, library]
---
More detail.
"""


# --- good entries -------------------------------------------------------------------


def test_incident_is_read_into_the_model():
    entry = entry_for(INCIDENT)
    assert isinstance(entry, Incident)
    assert entry.id == "x"
    assert entry.title == "Email delivery delays"
    assert entry.services == (
        AffectedService("email", Impact.PARTIAL_OUTAGE),
        AffectedService("webmail", Impact.PARTIAL_OUTAGE),
    )
    assert entry.started == utc(2026, 11, 22, 8, 40)
    assert entry.started.tzinfo is UTC  # the model holds UTC instants
    assert entry.resolved == utc(2026, 11, 22, 11, 15)
    assert entry.reference == "INC-12345"
    assert [(u.status, u.message) for u in entry.updates] == [
        (IncidentStatus.INVESTIGATING, "Incoming email is delayed by up to 30 minutes."),
        (IncidentStatus.RESOLVED, "Email is flowing normally again."),
    ]
    assert entry.body == "The mail relay queue filled up."
    assert (entry.draft, entry.post, entry.post_text) == (False, True, None)


def test_source_records_lines_body_line_and_digest():
    source = entry_for(INCIDENT).source
    assert source.path == P
    assert source.line_of("title") == 2
    assert source.line_of("services[2]") == 3
    assert source.line_of("updates") == 8
    assert source.line_of("updates[1]") == 9
    assert source.line_of("updates[2].at") == 12
    assert source.line_of("updates[2].message") == 14
    assert source.body_line == 17
    assert source.digest == hashlib.sha256(INCIDENT.encode()).hexdigest()


def test_maintenance_is_read_into_the_model():
    entry = entry_for(MAINTENANCE)
    assert isinstance(entry, Maintenance)
    assert entry.service_ids == ("vpn", "sso")
    assert (entry.start, entry.end) == (utc(2026, 11, 29, 7), utc(2026, 11, 29, 9))
    assert [u.status for u in entry.updates] == [
        MaintenanceStatus.SCHEDULED,
        MaintenanceStatus.COMPLETED,
    ]
    assert entry.body == "Connect again after 09:00."


def test_news_is_read_into_the_model():
    entry = entry_for(NEWS, "news")
    assert isinstance(entry, NewsItem)
    assert entry.date == utc(2026, 8, 12, 8, 30)  # BST
    assert entry.summary == "We are replacing the Wi-Fi in the library over the summer."
    assert entry.tags == ("wifi", "library")
    assert entry.source.path == N


def test_body_is_stripped_of_blank_lines_around_it_only():
    text = swap(NEWS, "More detail.\n", "\n  \n    code block\n\nLast line.\n\n\n")
    entry = entry_for(text, "news")
    assert entry.body == "    code block\n\nLast line."
    assert entry.source.body_line == 9


def test_empty_body():
    entry = entry_for(NEWS.replace("More detail.\n", ""), "news")
    assert entry.body == ""
    assert entry.source.body_line == 7


def test_windows_line_endings_and_a_bom_keep_line_numbers():
    assert entry_for("\ufeff" + INCIDENT.replace("\n", "\r\n")).body == (
        "The mail relay queue filled up."
    )
    bad = swap(INCIDENT, "impact: partial_outage", "impact: major").replace("\n", "\r\n")
    assert problems_for(bad) == [
        f"{P}:4: impact: 'major' is not an impact "
        "(one of degraded_performance, partial_outage, major_outage)"
    ]


# --- file level ---------------------------------------------------------------------


def test_not_utf8_names_the_line_of_the_first_bad_byte():
    assert problems_for(INCIDENT.encode().replace(b"updates:", b"upd\xe4tes:")) == [
        f"{P}:8: -: is not UTF-8 text (byte 0xe4 on this line; save the file as UTF-8)"
    ]
    assert entry_for(swap(INCIDENT, "Email delivery", "Café email")).title == ("Café email delays")


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file(text):
    assert problems_for(text) == [
        f"{P}: -: the file is empty (start it with a '---' line and the front-matter)"
    ]


def test_no_front_matter():
    assert problems_for(INCIDENT.removeprefix("---\n")) == [
        f"{P}:1: -: no front-matter (the first line must be '---')"
    ]
    assert problems_for("\n" + INCIDENT) == [
        f"{P}:1: -: no front-matter (the first line must be '---')"
    ]
    entry_for(swap(INCIDENT, "---\ntitle", "---  \ntitle"))  # trailing spaces are fine


def test_front_matter_never_closed():
    text = INCIDENT.split("---\n\n")[0]
    assert problems_for(text) == [
        f"{P}:1: -: the front-matter is never closed (add a '---' line after it)"
    ]


def test_yaml_syntax_error_points_at_its_line():
    text = swap(INCIDENT, "title: Email delivery delays", "title: Email: delivery delays")
    assert problems_for(text) == [
        f"{P}:2: -: YAML syntax error: mapping values are not allowed in this context "
        "(quote a value that contains ': ')"
    ]
    entry_for(swap(INCIDENT, "title: Email delivery delays", 'title: "Email: delivery delays"'))


def test_yaml_tabs_and_unclosed_quotes_get_hints():
    tabs = swap(INCIDENT, "    status: investigating", "\tstatus: investigating")
    assert problems_for(tabs) == [
        f"{P}:10: -: YAML syntax error: found a tab character that violates indentation "
        "(indent with spaces, not tabs)"
    ]
    quote = swap(INCIDENT, "title: Email delivery delays", "title: 'Email delivery delays")
    assert problems_for(quote) == [
        f"{P}:2: -: YAML syntax error: found unexpected end of stream (close the quote)"
    ]


def test_control_characters_are_refused():
    text = swap(INCIDENT, "reference: INC-12345", "reference: INC\x0012345")
    assert problems_for(text) == [f"{P}:7: -: contains the control character U+0000 (delete it)"]


@pytest.mark.parametrize(
    ("front", "what", "line"),
    [("- title\n- services\n", "a list", 2), ("Email is down\n", "text", 2)],
)
def test_front_matter_must_be_a_mapping(front, what, line):
    assert problems_for(f"---\n{front}---\n") == [
        f"{P}:{line}: -: the front-matter is {what}, not a mapping (write 'key: value' lines)"
    ]


def test_empty_front_matter_reports_each_missing_key():
    assert problems_for("---\n---\nBody\n", "news") == [
        f"{N}:1: title: missing (add a line like 'title: Email delivery delays')",
        f"{N}:1: date: missing (add a line like 'date: 2026-11-22')",
        f"{N}:1: summary: missing "
        "(add one line of plain text, e.g. 'summary: The VPN gets a new address')",
    ]


def test_duplicate_keys_point_at_the_second():
    text = swap(INCIDENT, "reference: INC-12345", "reference: INC-1\nimpact: major_outage")
    assert problems_for(text) == [f"{P}:8: impact: duplicate key (first given on line 4; keep one)"]
    text = swap(INCIDENT, "    status: investigating", "    status: investigating\n    at: 09:00")
    assert problems_for(text) == [
        f"{P}:11: updates[1].at: duplicate key (first given on line 9; keep one)"
    ]


def test_yaml_aliases_are_refused():
    text = swap(INCIDENT, "title: Email delivery delays", "title: &t Email delivery delays")
    entry_for(text)  # an anchor alone is harmless
    text = swap(text, "reference: INC-12345", "post_text: *t")
    assert problems_for(text) == [f"{P}:7: -: YAML aliases are not allowed (write the value out)"]


def test_text_starting_with_a_star_is_an_alias_to_yaml():
    text = swap(INCIDENT, "message: Email is flowing", "message: *Email* is flowing")
    assert problems_for(text) == [
        f"{P}:14: -: YAML aliases are not allowed (quote text that starts with '*')"
    ]
    text = swap(INCIDENT, "message: Email is flowing normally again.", "message: '*Email* is up'")
    assert entry_for(text).updates[-1].message == "*Email* is up"


def test_alias_bomb_and_deep_nesting_are_refused_quickly():
    bomb = (FIXTURES / "malformed" / "alias-bomb.md").read_bytes()
    flow = b"---\ntitle: " + b"[" * 1_000_000 + b"\n---\n"  # hangs libyaml's scanner
    block = b"---\ntitle:\n" + b"- " * 200_000 + b"x\n---\n"  # crashes libyaml's composer
    started = time.perf_counter()
    assert problems_for(bomb) == [f"{P}:3: -: YAML aliases are not allowed (write the value out)"]
    for text in (flow, block):
        assert problems_for(text) == [
            f"{P}: -: the front-matter nests deeper than 100 levels (entries need 3)"
        ]
    assert time.perf_counter() - started < 5


def test_unknown_keys_suggest_the_allowed_one():
    text = swap(INCIDENT, "reference: INC-12345", "refrence: INC-12345\ncolour: red")
    assert problems_for(text) == [
        f"{P}:7: refrence: unknown key 'refrence' (did you mean 'reference'?)",
        f"{P}:8: colour: unknown key 'colour' (allowed: kind, title, services, impact, "
        "started, resolved, reference, updates, draft, post, post_text, internal_notes)",
    ]


def test_a_misspelt_required_key_is_not_also_reported_missing():
    text = swap(INCIDENT, "started:", "startd:")
    assert problems_for(text) == [f"{P}:5: startd: unknown key 'startd' (did you mean 'started'?)"]


def test_keys_of_another_kind_are_unknown():
    assert problems_for(swap(MAINTENANCE, "end: 2026-11-29 09:00", "impact: major_outage")) == [
        f"{P}:1: end: missing (add a line like 'end: 2026-11-22 09:00')",
        f"{P}:6: impact: unknown key 'impact' (allowed: kind, title, services, start, end, "
        "rrule, reference, updates, draft, post, post_text, internal_notes)",
    ]


def test_internal_notes_are_allowed_anywhere_and_dropped():
    text = swap(INCIDENT, "reference: INC-12345", "internal_notes:\n  host: srv-42\n  seen: yes")
    entry = entry_for(text)
    assert "internal_notes" not in entry.source.lines
    assert "srv-42" not in repr(entry)
    entry_for(swap(NEWS, "tags: [wifi, library]", "internal_notes: call Sam"), "news")


# --- text fields -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "got"),
    [
        ("no", 'a yes/no value (quote it: "no")'),
        ("On", 'a yes/no value (quote it: "On")'),
        ("false", 'a yes/no value (quote it: "false")'),
        ("1.10", 'a number (quote it: "1.10")'),
        ("2026", 'a number (quote it: "2026")'),
        ("null", 'a null value (quote it: "null")'),
        ("[Email, delays]", "a list (write it on one line)"),
        ("{Email: delays}", "a mapping (write it on one line)"),
    ],
)
def test_text_fields_refuse_what_yaml_does_not_read_as_text(value, got):
    text = swap(INCIDENT, "title: Email delivery delays", f"title: {value}")
    assert problems_for(text) == [f"{P}:2: title: expected text, got {got}"]


@pytest.mark.parametrize(("value", "title"), [('"no"', "no"), ("'1.10'", "1.10")])
def test_quoted_text_is_text(value, title):
    assert entry_for(swap(INCIDENT, "title: Email delivery delays", f"title: {value}")).title == (
        title
    )


def test_a_date_in_a_text_field_stays_the_text_typed():
    text = swap(INCIDENT, "title: Email delivery delays", "title: 2026-11-22 email delays")
    assert entry_for(text).title == "2026-11-22 email delays"
    text = swap(INCIDENT, "reference: INC-12345", "reference: 2026-11-22")
    assert entry_for(text).reference == "2026-11-22"


def test_title_is_required_non_empty_and_one_line():
    assert problems_for(swap(INCIDENT, "title: Email delivery delays\n", "")) == [
        f"{P}:1: title: missing (add a line like 'title: Email delivery delays')"
    ]
    assert problems_for(swap(INCIDENT, "title: Email delivery delays", "title:")) == [
        f"{P}:2: title: is empty (give some text)"
    ]
    assert problems_for(swap(INCIDENT, "title: Email delivery delays", "title: '  '")) == [
        f"{P}:2: title: is empty (give some text)"
    ]
    text = swap(INCIDENT, "title: Email delivery delays", "title: |\n  Email\n  delays")
    assert problems_for(text) == [f"{P}:2: title: has a line break (keep it on one line)"]
    text = swap(INCIDENT, "title: Email delivery delays", "title: >\n  Email\n  delays")
    assert entry_for(text).title == "Email delays"  # folded: one line


def test_reference_may_be_a_whole_number_but_not_a_decimal():
    assert entry_for(swap(INCIDENT, "INC-12345", "012345")).reference == "012345"
    assert problems_for(swap(INCIDENT, "INC-12345", "1.10")) == [
        f'{P}:7: reference: expected text, got a number (quote it: "1.10")'
    ]
    assert entry_for(swap(INCIDENT, "reference: INC-12345\n", "")).reference is None


def test_update_message_is_required_text():
    assert problems_for(
        swap(INCIDENT, "    message: Incoming email is delayed by up to 30 minutes.\n", "")
    ) == [f"{P}:9: updates[1].message: missing (add a line like 'message: We are investigating.')"]
    text = swap(INCIDENT, "message: Incoming email is delayed by up to 30 minutes.", "message: yes")
    assert problems_for(text) == [
        f'{P}:11: updates[1].message: expected text, got a yes/no value (quote it: "yes")'
    ]
    text = swap(
        INCIDENT,
        "message: Incoming email is delayed by up to 30 minutes.",
        "message: |\n      Delayed.\n\n      More soon.",
    )
    assert entry_for(text).updates[0].message == "Delayed.\n\nMore soon."


def test_post_text_is_text():
    text = swap(INCIDENT, "reference: INC-12345", "post_text: Email is slow, sorry")
    assert entry_for(text).post_text == "Email is slow, sorry"
    text = swap(INCIDENT, "reference: INC-12345", "post_text: 42")
    assert problems_for(text) == [f'{P}:7: post_text: expected text, got a number (quote it: "42")']


# --- booleans ---------------------------------------------------------------------------


def test_draft_and_post_must_be_real_booleans():
    text = swap(INCIDENT, "reference: INC-12345", "draft: true\npost: false")
    entry = entry_for(text)
    assert (entry.draft, entry.post) == (True, False)
    assert entry_for(swap(INCIDENT, "reference: INC-12345", "draft: yes")).draft is True
    assert problems_for(swap(INCIDENT, "reference: INC-12345", 'draft: "true"')) == [
        f"{P}:7: draft: expected true or false, got text (remove the quotes: true)"
    ]
    assert problems_for(swap(INCIDENT, "reference: INC-12345", "post: sometimes")) == [
        f"{P}:7: post: expected true or false, got text (use true or false)"
    ]
    assert problems_for(swap(INCIDENT, "reference: INC-12345", "post: 0")) == [
        f"{P}:7: post: expected true or false, got a number (use true or false)"
    ]


# --- times -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22 08:40", utc(2026, 11, 22, 8, 40)),  # GMT
        ("2026-07-01 08:40", utc(2026, 7, 1, 7, 40)),  # BST
        ("2026-07-01 08:40:30", utc(2026, 7, 1, 7, 40, 30)),
        ("2026-07-01T08:40", utc(2026, 7, 1, 7, 40)),
        ("2026-07-01T08:40Z", utc(2026, 7, 1, 8, 40)),
        ("2026-07-01 08:40:30+02:00", utc(2026, 7, 1, 6, 40, 30)),
        ("2026-07-01 08:40 -05:00", utc(2026, 7, 1, 13, 40)),
        ("2026-07-01 8:40", utc(2026, 7, 1, 7, 40)),
    ],
)
def test_parse_time_accepts_the_documented_forms(text, expected):
    value, warning = parse_time(text, LONDON)
    assert (value, warning) == (expected, None)
    assert value.tzinfo is LONDON


def test_parse_time_accepts_datetime_and_date_objects():
    assert parse_time(datetime(2026, 7, 1, 8, 40), LONDON) == (utc(2026, 7, 1, 7, 40), None)
    assert parse_time(utc(2026, 7, 1, 8, 40), LONDON)[0].tzinfo is LONDON
    assert parse_time(date(2026, 7, 1), LONDON, allow_date=True) == (utc(2026, 6, 30, 23), None)
    with pytest.raises(ValueError, match="has no time of day"):
        parse_time(date(2026, 7, 1), LONDON)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("22/11/2026 08:40", "'22/11/2026 08:40' is not a time"),
        ("2026-11-22", "'2026-11-22' has no time of day"),
        ("08:40", "'08:40' is not a time"),
        ("2026-13-01 08:00", "'2026-13-01 08:00' is not a valid time (month must be in 1..12)"),
        ("2026-11-22 24:00", "'2026-11-22 24:00' is not a valid time (hour must be in 0..23)"),
        ("2026-11-22 08:40+25:00", "'2026-11-22 08:40+25:00' has an impossible offset"),
    ],
)
def test_parse_time_refuses_with_the_fix(text, message):
    with pytest.raises(ValueError) as caught:
        parse_time(text, LONDON)
    assert str(caught.value).startswith(message)
    assert "(" in str(caught.value)


def test_time_fields_report_bad_times_on_their_line():
    text = swap(INCIDENT, "started: 2026-11-22 08:40", "started: 22/11/2026 08:40")
    assert problems_for(text) == [
        f"{P}:5: started: '22/11/2026 08:40' is not a time "
        "(use YYYY-MM-DD HH:MM, e.g. 2026-11-22 08:40)"
    ]
    text = swap(INCIDENT, "  - at: 2026-11-22 08:45", "  - at: 2026-11-22")
    assert problems_for(text) == [
        f"{P}:9: updates[1].at: '2026-11-22' has no time of day "
        "(use YYYY-MM-DD HH:MM, e.g. 2026-11-22 08:40)"
    ]
    text = swap(INCIDENT, "started: 2026-11-22 08:40", "started: [2026-11-22 08:40]")
    assert problems_for(text) == [
        f"{P}:5: started: expected a time, got a list (use YYYY-MM-DD HH:MM, e.g. 2026-11-22 08:40)"
    ]


def test_quoted_times_are_times():
    text = swap(INCIDENT, "started: 2026-11-22 08:40", "started: '2026-11-22T08:40Z'")
    assert entry_for(text).started == utc(2026, 11, 22, 8, 40)


def test_news_date_may_be_a_date_alone_at_local_midnight():
    entry = entry_for(swap(NEWS, "date: 2026-08-12 09:30", "date: 2026-08-12"), "news")
    assert entry.date == utc(2026, 8, 11, 23)
    assert entry.date.astimezone(LONDON).hour == 0
    text = swap(INCIDENT, "started: 2026-11-22 08:40", "started: 2026-11-22")
    assert problems_for(text) == [
        f"{P}:5: started: '2026-11-22' has no time of day "
        "(use YYYY-MM-DD HH:MM, e.g. 2026-11-22 08:40)"
    ]


def test_a_local_time_in_the_dst_gap_is_an_error():
    text = swap(INCIDENT, "started: 2026-11-22 08:40", "started: 2026-03-29 01:30")
    assert problems_for(text) == [
        f"{P}:5: started: 2026-03-29 01:30 does not exist in Europe/London "
        "(clocks go forward at 01:00; use 02:30 or give an offset)"
    ]
    text = swap(INCIDENT, "started: 2026-11-22 08:40", "started: 2026-03-29 01:30+00:00")
    assert entry_for(text).started == utc(2026, 3, 29, 1, 30)


def test_an_ambiguous_local_time_takes_the_first_and_warns():
    text = swap(INCIDENT, "started: 2026-11-22 08:40", "started: 2026-10-25 01:30")
    entry, problems = parse(text)
    assert [str(p) for p in problems] == [
        f"{P}:5: started: warning: 2026-10-25 01:30 happens twice in Europe/London "
        "(clocks go back at 02:00); taking the first, +01:00 "
        "(give an offset to choose: +01:00 or +00:00)"
    ]
    assert problems[0].severity is Severity.WARNING
    assert entry is not None
    # PEP 495: a time in the repeated hour never compares equal across zones,
    # so compare in UTC.
    assert entry.started.astimezone(UTC) == utc(2026, 10, 25, 0, 30)
    assert entry.started.tzinfo is UTC
    local = entry.started.astimezone(LONDON)
    assert (local.hour, local.minute, local.fold, local.utcoffset()) == (
        1,
        30,
        0,
        timedelta(hours=1),
    )


def test_an_ambiguous_local_time_with_an_offset_is_exact():
    text = swap(INCIDENT, "started: 2026-11-22 08:40", "started: 2026-10-25 01:30+00:00")
    started = entry_for(text).started
    assert started.astimezone(UTC) == utc(2026, 10, 25, 1, 30)
    local = started.astimezone(LONDON)
    assert (local.hour, local.minute, local.fold) == (1, 30, 1)


def test_update_order_is_checked_by_instant_not_wall_time():
    # 01:45 BST is 00:45 UTC, before 01:15 GMT (01:15 UTC): in order, though the
    # wall times go backwards; same-tzinfo datetimes compare by wall time.
    text = (
        INCIDENT.replace("started: 2026-11-22 08:40", "started: 2026-10-25 00:00")
        .replace("at: 2026-11-22 08:45", "at: 2026-10-25 01:45+01:00")
        .replace("at: 2026-11-22 11:15", "at: 2026-10-25 01:15+00:00")
        .replace("resolved: 2026-11-22 11:15\n", "")
    )
    entry = entry_for(text)
    assert entry.resolved is not None
    assert entry.resolved.astimezone(UTC) == utc(2026, 10, 25, 1, 15)


# --- kinds ------------------------------------------------------------------------------


def test_kind_defaults_to_incident_and_may_say_so():
    assert isinstance(
        entry_for(swap(INCIDENT, "---\ntitle", "---\nkind: incident\ntitle")), Incident
    )


def test_a_misspelt_kind_is_reported_and_read_as_the_suggestion():
    text = swap(MAINTENANCE, "kind: maintenance", "kind: maintainance")
    assert problems_for(text) == [
        f"{P}:2: kind: 'maintainance' is not a kind (did you mean 'maintenance'?)"
    ]
    text = swap(MAINTENANCE, "kind: maintenance", "kind: outage")
    assert problems_for(text) == [
        f"{P}:2: kind: 'outage' is not a kind (one of incident, maintenance)"
    ]


def test_news_belongs_in_the_news_folder():
    assert problems_for(swap(NEWS, "---\ntitle", "---\nkind: news\ntitle")) == [
        f"{P}:2: kind: news goes in content/news/ (move the file there)"
    ]
    entry_for(swap(NEWS, "---\ntitle", "---\nkind: news\ntitle"), "news")
    assert problems_for(swap(NEWS, "---\ntitle", "---\nkind: incident\ntitle"), "news") == [
        f"{N}:2: kind: a file in content/news/ is news, not 'incident' "
        "(remove 'kind', or move the file to content/incidents/)"
    ]


# --- incident services and impact ---------------------------------------------------------


def test_services_as_a_map_give_the_impact_per_service():
    text = swap(
        INCIDENT,
        "services: [email, webmail]\nimpact: partial_outage",
        "services:\n  email: major_outage\n  webmail: degraded_performance",
    )
    entry = entry_for(text)
    assert entry.services == (
        AffectedService("email", Impact.MAJOR_OUTAGE),
        AffectedService("webmail", Impact.DEGRADED_PERFORMANCE),
    )
    assert entry.impact is Impact.MAJOR_OUTAGE
    assert entry.source.line_of("services.webmail") == 5


def test_a_services_map_with_a_separate_impact_is_an_error():
    text = swap(INCIDENT, "services: [email, webmail]", "services: {email: major_outage}")
    assert problems_for(text) == [
        f"{P}:4: impact: give impact per service in the map, or use a list"
    ]


def test_a_services_list_needs_an_impact():
    assert problems_for(swap(INCIDENT, "impact: partial_outage\n", "")) == [
        f"{P}:1: impact: missing "
        "(add 'impact:' with one of degraded_performance, partial_outage, major_outage)"
    ]


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("major", "(one of degraded_performance, partial_outage, major_outage)"),
        ("major-outage", "(did you mean 'major_outage'?)"),
    ],
)
def test_impact_must_be_known(value, hint):
    text = swap(INCIDENT, "impact: partial_outage", f"impact: {value}")
    assert problems_for(text) == [f"{P}:4: impact: '{value}' is not an impact {hint}"]
    text = swap(INCIDENT, "services: [email, webmail]\nimpact: partial_outage", "services:\n")
    text = swap(text, "services:\n", f"services:\n  email: {value}")
    assert problems_for(text) == [f"{P}:4: services.email: '{value}' is not an impact {hint}"]


def test_service_ids_must_be_known():
    text = swap(INCIDENT, "services: [email, webmail]", "services:\n  - emial\n  - printing")
    assert problems_for(text) == [
        f"{P}:4: services[1]: unknown service 'emial' (did you mean 'email'?)",
        f"{P}:5: services[2]: unknown service 'printing' (one of email, webmail, vpn, wifi, sso)",
    ]
    text = swap(INCIDENT, "services: [email, webmail]", "services: {emial: major_outage}")
    text = swap(text, "impact: partial_outage\n", "")
    assert problems_for(text) == [
        f"{P}:3: services.emial: unknown service 'emial' (did you mean 'email'?)"
    ]


def test_service_ids_must_not_repeat():
    text = swap(INCIDENT, "services: [email, webmail]", "services: [email, webmail, email]")
    assert problems_for(text) == [
        f"{P}:3: services[3]: 'email' is listed twice (first as services[1]; keep one)"
    ]
    text = swap(INCIDENT, "services: [email, webmail]", "services:\n  email: major_outage")
    text = swap(text, "impact: partial_outage", "  email: partial_outage")
    assert problems_for(text) == [
        f"{P}:5: services.email: duplicate key (first given on line 4; keep one)"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[]", "is empty (list at least one service, e.g. [email])"),
        ("{}", "is empty (list at least one service, e.g. [email])"),
        ("", "is empty (list at least one service, e.g. [email])"),
        ("email", "expected a list, got text (write e.g. [email])"),
    ],
)
def test_services_must_be_a_non_empty_list_or_map(value, message):
    text = swap(INCIDENT, "services: [email, webmail]", f"services: {value}")
    assert problems_for(text) == [f"{P}:3: services: {message}"]


def test_services_are_required():
    assert problems_for(swap(INCIDENT, "services: [email, webmail]\n", "")) == [
        f"{P}:1: services: missing (add a line like 'services: [email]')"
    ]


# --- incident times and updates -------------------------------------------------------------


def test_started_is_required():
    assert problems_for(swap(INCIDENT, "started: 2026-11-22 08:40\n", "")) == [
        f"{P}:1: started: missing (add a line like 'started: 2026-11-22 08:40')"
    ]


def test_resolved_comes_from_the_last_update_when_absent():
    entry = entry_for(swap(INCIDENT, "resolved: 2026-11-22 11:15\n", ""))
    assert entry.resolved == utc(2026, 11, 22, 11, 15)
    assert entry.status is IncidentStatus.RESOLVED


def test_an_incident_without_resolved_or_a_resolved_update_is_ongoing():
    text = swap(INCIDENT, "resolved: 2026-11-22 11:15\n", "")
    text = swap(text, "status: resolved", "status: monitoring")
    entry = entry_for(text)
    assert entry.resolved is None
    assert entry.status is IncidentStatus.MONITORING
    assert entry_for(swap(INCIDENT, "resolved: 2026-11-22 11:15", "resolved:")).resolved == utc(
        2026, 11, 22, 11, 15
    )


def test_resolved_set_while_the_last_update_is_not_resolved_is_accepted():
    entry = entry_for(swap(INCIDENT, "status: resolved", "status: monitoring"))
    assert entry.resolved == utc(2026, 11, 22, 11, 15)


def test_resolved_before_started_is_an_error():
    text = swap(INCIDENT, "resolved: 2026-11-22 11:15", "resolved: 2026-11-22 08:00")
    assert problems_for(text) == [
        f"{P}:6: resolved: 2026-11-22 08:00 is before started 2026-11-22 08:40 "
        "(an incident is resolved after it starts)",
        f"{P}:9: updates[1].at: 2026-11-22 08:45 is after resolved 2026-11-22 08:00 "
        "(move 'resolved' to the last update, or fix this time)",
        f"{P}:12: updates[2].at: 2026-11-22 11:15 is after resolved 2026-11-22 08:00 "
        "(move 'resolved' to the last update, or fix this time)",
    ]


def test_an_update_after_resolved_is_an_error():
    text = swap(INCIDENT, "resolved: 2026-11-22 11:15", "resolved: 2026-11-22 11:00")
    assert problems_for(text) == [
        f"{P}:12: updates[2].at: 2026-11-22 11:15 is after resolved 2026-11-22 11:00 "
        "(move 'resolved' to the last update, or fix this time)"
    ]


def test_an_update_before_started_is_an_error():
    text = swap(INCIDENT, "at: 2026-11-22 08:45", "at: 2026-11-22 08:30")
    assert problems_for(text) == [
        f"{P}:9: updates[1].at: 2026-11-22 08:30 is before started 2026-11-22 08:40 "
        "(an update comes at or after the start)"
    ]
    entry_for(swap(INCIDENT, "at: 2026-11-22 08:45", "at: 2026-11-22 08:40"))


def test_updates_must_be_in_chronological_order():
    text = swap(INCIDENT, "at: 2026-11-22 11:15", "at: 2026-11-22 08:41")
    text = swap(text, "at: 2026-11-22 08:45", "at: 2026-11-22 09:00")
    text = swap(text, "resolved: 2026-11-22 11:15\n", "")
    assert problems_for(text) == [
        f"{P}:11: updates[2].at: 2026-11-22 08:41 is before updates[1] at 2026-11-22 09:00 "
        "(list updates oldest first)"
    ]


def test_two_updates_with_the_same_time_and_status_are_an_error():
    text = swap(INCIDENT, "status: resolved", "status: investigating")
    text = swap(text, "at: 2026-11-22 11:15", "at: 2026-11-22 08:45")
    assert problems_for(text) == [
        f"{P}:12: updates[2].at: same time and status as updates[1] (merge them, or fix the time)"
    ]


def test_only_the_last_update_may_be_resolved():
    text = swap(INCIDENT, "status: investigating", "status: resolved")
    assert problems_for(text) == [
        f"{P}:10: updates[1].status: 'resolved' is followed by 'resolved' in updates[2] "
        "(only 'postmortem' updates may follow the resolved one)"
    ]


POSTMORTEM = """\
  - at: 2026-11-25 16:00
    status: postmortem
    message: The relay's queue limit was raised; alerting now fires at half of it.
"""


def test_a_postmortem_update_may_follow_the_resolved_one():
    text = swap(INCIDENT, "resolved: 2026-11-22 11:15\n", "")
    entry = entry_for(swap(text, "---\n\nThe mail", POSTMORTEM + "---\n\nThe mail"))
    # Resolved at the resolved update, not at the review: still resolved, shown as postmortem.
    assert entry.resolved == utc(2026, 11, 22, 11, 15)
    assert entry.status is IncidentStatus.POSTMORTEM
    assert [u.status for u in entry.updates][-2:] == [
        IncidentStatus.RESOLVED,
        IncidentStatus.POSTMORTEM,
    ]
    assert not entry.ongoing_at(utc(2026, 11, 26, 9, 0))


def test_a_postmortem_update_may_follow_resolved_without_a_resolved_update():
    text = swap(INCIDENT, "status: resolved", "status: monitoring")
    entry = entry_for(swap(text, "---\n\nThe mail", POSTMORTEM + "---\n\nThe mail"))
    assert entry.resolved == utc(2026, 11, 22, 11, 15)
    assert entry.status is IncidentStatus.POSTMORTEM


def test_only_postmortem_updates_may_follow_the_resolved_one():
    late = POSTMORTEM.replace("postmortem", "monitoring")
    text = swap(INCIDENT, "resolved: 2026-11-22 11:15\n", "")
    assert problems_for(swap(text, "---\n\nThe mail", late + "---\n\nThe mail")) == [
        f"{P}:12: updates[2].status: 'resolved' is followed by 'monitoring' in updates[3] "
        "(only 'postmortem' updates may follow the resolved one)"
    ]


def test_a_postmortem_on_an_incident_not_resolved_is_an_error():
    text = swap(INCIDENT, "resolved: 2026-11-22 11:15\n", "")
    text = swap(text, "status: resolved", "status: monitoring")
    assert problems_for(swap(text, "---\n\nThe mail", POSTMORTEM + "---\n\nThe mail")) == [
        f"{P}:15: updates[3].status: 'postmortem' on an incident that is not resolved "
        "(a post-incident review follows a 'resolved' update or 'resolved:')"
    ]


def test_a_postmortem_before_the_resolution_is_an_error():
    early = POSTMORTEM.replace("2026-11-25 16:00", "2026-11-22 11:00")
    text = swap(INCIDENT, "at: 2026-11-22 11:15", "at: 2026-11-22 10:30")
    text = swap(text, "status: resolved", "status: monitoring")
    assert problems_for(swap(text, "---\n\nThe mail", early + "---\n\nThe mail")) == [
        f"{P}:15: updates[3].at: 2026-11-22 11:00 is before resolved 2026-11-22 11:15 "
        "(a post-incident review comes after the resolution)"
    ]


def test_update_status_must_be_an_incident_status():
    text = swap(INCIDENT, "status: investigating", "status: fixing")
    assert problems_for(text) == [
        f"{P}:10: updates[1].status: 'fixing' is not an incident status "
        "(one of investigating, identified, monitoring, resolved, postmortem)"
    ]
    text = swap(INCIDENT, "status: investigating", "status: scheduled")
    assert problems_for(text) == [
        f"{P}:10: updates[1].status: 'scheduled' is not an incident status "
        "(one of investigating, identified, monitoring, resolved, postmortem)"
    ]


def test_an_update_needs_at_status_and_message():
    text = swap(
        INCIDENT,
        "  - at: 2026-11-22 08:45\n    status: investigating\n    message:",
        "  - message:",
    )
    assert problems_for(text) == [
        f"{P}:9: updates[1].at: missing (add a line like 'at: 2026-11-22 08:45')",
        f"{P}:9: updates[1].status: missing (add a line like 'status: investigating')",
    ]


def test_updates_must_be_a_list_of_mappings_with_known_keys():
    text = swap(INCIDENT, "    message: Incoming", "    mesage: Incoming")
    assert problems_for(text) == [
        f"{P}:11: updates[1].mesage: unknown key 'mesage' (did you mean 'message'?)"
    ]
    text = INCIDENT.split("updates:")[0] + "updates:\n  - investigating\n---\n"
    assert problems_for(text) == [
        f"{P}:9: updates[1]: expected an update, got text (give at, status and message)"
    ]
    text = INCIDENT.split("updates:")[0] + "updates: none\n---\n"
    assert problems_for(text) == [
        f"{P}:8: updates: expected a list of updates, got text "
        "(each item: '- at: ...', 'status: ...', 'message: ...')"
    ]
    assert entry_for(INCIDENT.split("updates:")[0] + "updates:\n---\n").updates == ()


# --- maintenance ---------------------------------------------------------------------------


def test_maintenance_services_are_a_list_without_impact():
    text = swap(MAINTENANCE, "services: [vpn, sso]", "services: {vpn: major_outage}")
    assert problems_for(text) == [
        f"{P}:4: services: a maintenance takes a list of services, without impacts "
        "(write e.g. [email, vpn])"
    ]


def test_maintenance_needs_start_and_end():
    text = swap(MAINTENANCE, "start: 2026-11-29 07:00\nend: 2026-11-29 09:00\n", "")
    assert problems_for(text) == [
        f"{P}:1: start: missing (add a line like 'start: 2026-11-22 07:00')",
        f"{P}:1: end: missing (add a line like 'end: 2026-11-22 09:00')",
    ]


def test_maintenance_must_end_after_it_starts():
    text = swap(MAINTENANCE, "end: 2026-11-29 09:00", "end: 2026-11-29 07:00")
    assert problems_for(text) == [
        f"{P}:6: end: 2026-11-29 07:00 is not after start 2026-11-29 07:00 "
        "(a window ends after it starts)"
    ]


def test_maintenance_update_statuses():
    for status in ("in_progress", "verifying"):
        entry_for(swap(MAINTENANCE, "status: scheduled", f"status: {status}"))
    text = swap(MAINTENANCE, "status: completed", "status: resolved")
    assert problems_for(text) == [
        f"{P}:12: updates[2].status: 'resolved' is not a maintenance status "
        "(one of scheduled, in_progress, verifying, completed)"
    ]
    text = swap(MAINTENANCE, "status: scheduled", "status: completed")
    assert problems_for(text) == [
        f"{P}:9: updates[1].status: 'completed' is not the last update "
        "(only the last update can be completed)"
    ]


def test_maintenance_updates_are_in_order():
    text = swap(MAINTENANCE, "at: 2026-11-29 09:05", "at: 2026-11-19 09:05")
    assert problems_for(text) == [
        f"{P}:11: updates[2].at: 2026-11-19 09:05 is before updates[1] at 2026-11-20 10:00 "
        "(list updates oldest first)"
    ]


# --- news ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mark", ["<b>", "*", "_", "[", "`"])
def test_news_summary_is_plain_text(mark):
    text = swap(NEWS, "over the summer.", f"over the {mark}summer.")
    assert problems_for(text, "news") == [
        f"{N}:4: summary: contains '{mark[0]}' (plain text only: no Markdown or HTML)"
    ]


def test_news_summary_is_one_line_of_at_most_200_characters():
    text = swap(NEWS, "summary: We are", "summary: |\n  We are\n  ")
    assert problems_for(text, "news") == [f"{N}:4: summary: has a line break (keep it on one line)"]
    text = swap(NEWS, "summary: We are", "summary: " + "x" * 155 + " We are")
    assert problems_for(text, "news") == [f"{N}:4: summary: is 214 characters (at most 200)"]
    entry_for(swap(NEWS, "summary: We are", "summary: " + "x" * 141 + " We are"), "news")


def test_news_needs_title_date_and_summary():
    text = swap(NEWS, "date: 2026-08-12 09:30\nsummary: We are", "summary: We are")
    text = swap(text, "summary: We are replacing", "summary: ''\nalso: replacing")
    assert problems_for(text, "news") == [
        f"{N}:1: date: missing (add a line like 'date: 2026-11-22')",
        f"{N}:3: summary: is empty (give some text)",
        f"{N}:4: also: unknown key 'also' (allowed: kind, title, date, summary, tags, draft, "
        "post, post_text, internal_notes)",
    ]


def test_news_tags_are_a_list_of_text():
    assert entry_for(swap(NEWS, "tags: [wifi, library]\n", ""), "news").tags == ()
    assert problems_for(swap(NEWS, "tags: [wifi, library]", "tags: wifi"), "news") == [
        f"{N}:5: tags: expected a list, got text (write e.g. [wifi])"
    ]
    assert problems_for(swap(NEWS, "tags: [wifi, library]", "tags: [wifi, yes]"), "news") == [
        f'{N}:5: tags[2]: expected text, got a yes/no value (quote it: "yes")'
    ]


# --- file names -----------------------------------------------------------------------------


def test_file_name_must_be_safe_in_a_url():
    assert entry_for(INCIDENT, name="2026-11-22_Email.delays.md").id == "2026-11-22_Email.delays"
    assert problems_for(INCIDENT, name="Email outage #2 (café).md") == [
        "content/incidents/Email outage #2 (café).md: -: file name 'Email outage #2 (café).md' "
        "is not safe in a URL (use letters, digits, '.', '_' and '-': "
        "rename it to 'email-outage-2-cafe.md')"
    ]


def test_parse_entry_knows_only_the_two_folders():
    with pytest.raises(ValueError, match="folder must be one of"):
        parse_entry("content/other/x.md", INCIDENT.encode(), CONFIG, "other")


# --- many problems at once ------------------------------------------------------------------


def test_every_problem_in_a_file_is_reported():
    text = (
        INCIDENT.replace("title: Email delivery delays", "title: no")
        .replace("services: [email, webmail]", "services: [emial, webmail]")
        .replace("status: investigating", "status: looking")
    )
    assert problems_for(text) == [
        f'{P}:2: title: expected text, got a yes/no value (quote it: "no")',
        f"{P}:3: services[1]: unknown service 'emial' (did you mean 'email'?)",
        f"{P}:10: updates[1].status: 'looking' is not an incident status "
        "(one of investigating, identified, monitoring, resolved, postmortem)",
    ]


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.stem)
def test_malformed_files_give_errors_and_never_raise(path):
    folder = "news" if path.name.startswith("news-") else "incidents"
    rel_path = f"content/{folder}/{path.name}"
    entry, problems = parse_entry(rel_path, path.read_bytes(), CONFIG, folder)
    assert entry is None
    assert any(p.is_error for p in problems)
    for problem in problems:
        line = str(problem)
        assert line.startswith(rel_path + ":")
        assert "\n" not in line
        assert problem.message.endswith(")"), line  # every message carries its fix


def test_there_are_enough_malformed_fixtures():
    assert len(MALFORMED) >= 20


# --- load_content -------------------------------------------------------------------------


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_load_content_reads_a_site(config, tmp_path):
    write(tmp_path, "content/incidents/b-newer.md", INCIDENT.replace("2026-11-22", "2026-11-23"))
    write(tmp_path, "content/incidents/a-older.md", INCIDENT)
    write(tmp_path, "content/incidents/c-older.md", INCIDENT)  # same time: by id
    write(tmp_path, "content/incidents/vpn.md", MAINTENANCE)
    write(tmp_path, "content/incidents/vpn-early.md", swap(MAINTENANCE, "11-29 07", "11-28 07"))
    write(tmp_path, "content/incidents/wip.md", swap(INCIDENT, "reference:", "draft: true\nx:"))
    write(
        tmp_path,
        "content/incidents/draft.md",
        swap(INCIDENT, "reference: INC-12345", "draft: true"),
    )
    write(tmp_path, "content/incidents/notes.txt", "not an entry")
    write(tmp_path, "content/incidents/.hidden.md", "not an entry")
    (tmp_path / "content/incidents/folder.md").mkdir()
    write(tmp_path, "content/news/wifi.md", NEWS)
    write(tmp_path, "content/news/later.md", swap(NEWS, "2026-08-12 09:30", "2026-09-01"))

    site, problems = load_content(config)

    assert [str(p) for p in problems] == [
        "content/incidents/notes.txt: -: is not read: entry files end in '.md' "
        "(rename it to 'notes.md')",
        "content/incidents/wip.md:8: x: unknown key 'x' (allowed: kind, title, services, "
        "impact, started, resolved, reference, updates, draft, post, post_text, internal_notes)",
    ]
    assert site.config is config
    assert [i.id for i in site.incidents] == ["b-newer", "a-older", "c-older"]
    assert [m.id for m in site.maintenances] == ["vpn", "vpn-early"]
    assert [n.id for n in site.news] == ["later", "wifi"]

    with_drafts, _ = load_content(config, drafts=True)
    assert [i.id for i in with_drafts.incidents] == ["b-newer", "a-older", "c-older", "draft"]


def test_load_content_of_a_site_without_content(config):
    site, problems = load_content(config)
    assert (site.incidents, site.maintenances, site.news, problems) == ((), (), (), [])


def test_load_content_reports_every_file(config, tmp_path):
    for path in MALFORMED:
        folder = "news" if path.name.startswith("news-") else "incidents"
        (tmp_path / "content" / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / "content" / folder / path.name).write_bytes(path.read_bytes())
    write(tmp_path, "content/incidents/zz-good.md", INCIDENT)
    site, problems = load_content(config)
    assert [i.id for i in site.incidents] == ["zz-good"]
    assert {p.path.rsplit("/", 1)[-1] for p in problems} == {p.name for p in MALFORMED}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_links_out_of_the_site_are_refused(tmp_path):
    root = tmp_path / "site"
    config = make_config(root)
    outside = write(tmp_path, "elsewhere/secret.md", INCIDENT)
    inside = write(root, "drafts/shared.md", INCIDENT)
    write(root, "content/incidents/real.md", INCIDENT)
    (root / "content/incidents/evil.md").symlink_to(outside)
    (root / "content/incidents/linked.md").symlink_to(inside)
    (root / "content/incidents/gone.md").symlink_to(root / "nowhere.md")
    (root / "content/news").symlink_to(tmp_path / "elsewhere", target_is_directory=True)

    site, problems = load_content(config)

    assert [str(p) for p in problems] == [
        "content/incidents/evil.md: -: is a link out of the site (refused)",
        "content/incidents/gone.md: -: is a broken link (point it at a file, or delete it)",
        "content/news: -: is a link out of the site (refused)",
    ]
    assert sorted(i.id for i in site.incidents) == ["linked", "real"]


def test_ids_that_differ_only_by_case_clash(config, tmp_path):
    write(tmp_path, "content/incidents/Email.md", INCIDENT)
    if (tmp_path / "content/incidents/email.md").exists():
        pytest.skip("case-insensitive file system")
    write(tmp_path, "content/incidents/email.md", INCIDENT)
    site, problems = load_content(config)
    assert [str(p) for p in problems] == [
        "content/incidents/email.md: -: id 'email' differs from content/incidents/Email.md "
        "only by case (rename one: their pages would clash on Windows and macOS)"
    ]
    assert [i.id for i in site.incidents] == ["Email"]


def test_unreadable_files_are_reported(config, tmp_path, monkeypatch):
    write(tmp_path, "content/incidents/locked.md", INCIDENT)
    write(tmp_path, "content/incidents/open.md", INCIDENT)
    read_bytes = Path.read_bytes

    def refuse_locked(path: Path) -> bytes:
        if path.name == "locked.md":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse_locked)
    site, problems = load_content(config)
    assert [str(p) for p in problems] == [
        "content/incidents/locked.md: -: cannot be read (Permission denied)"
    ]
    assert [i.id for i in site.incidents] == ["open"]


# --- text that YAML would drop, and front-matter below the fence -----------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "title: Email delivery delays",
            "title: Printer room #3 offline",
            f"{P}:2: title: '#3 offline' would be dropped: YAML reads ' #' as the start of a "
            'comment (quote the whole value: title: "Printer room #3 offline")',
        ),
        (
            "message: Email is flowing normally again.",
            "message: 2 of 3 fixed #2 pending",
            f"{P}:14: updates[2].message: '#2 pending' would be dropped: YAML reads ' #' as the "
            'start of a comment (quote the whole value: message: "2 of 3 fixed #2 pending")',
        ),
        (
            "reference: INC-12345",
            "reference: INC #12345",
            f"{P}:7: reference: '#12345' would be dropped: YAML reads ' #' as the start of a "
            'comment (quote the whole value: reference: "INC #12345")',
        ),
        (
            "reference: INC-12345",
            "post_text: Email is slow # sorry",
            f"{P}:7: post_text: '# sorry' would be dropped: YAML reads ' #' as the start of a "
            'comment (quote the whole value: post_text: "Email is slow # sorry")',
        ),
    ],
    ids=["title", "message", "reference", "post_text"],
)
def test_text_cut_by_a_comment_is_refused_with_the_quoted_fix(old, new, expected):
    assert problems_for(swap(INCIDENT, old, new)) == [expected]


def test_a_cut_summary_and_tag_are_refused_too():
    text = swap(NEWS, "summary: We are replacing", "summary: Room #2: we are replacing")
    assert problems_for(text, "news") == [
        f"{N}:4: summary: '#2: we are replacing the Wi-Fi in the library over the summer.' "
        "would be dropped: YAML reads ' #' as the start of a comment (quote the whole value: "
        'summary: "Room #2: we are replacing the Wi-Fi in the library over the summer.")'
    ]
    text = swap(NEWS, "summary: We are replacing the Wi-Fi", "summary: Rooms #2 and #3 get Wi-Fi")
    assert problems_for(text, "news") == [
        f"{N}:4: summary: '#2 and #3 get Wi-Fi in the library over the summer.' would be "
        "dropped: YAML reads ' #' as the start of a comment (quote the whole value: summary: "
        '"Rooms #2 and #3 get Wi-Fi in the library over the summer.")'
    ]
    text = swap(NEWS, "tags: [wifi, library]", "tags:\n  - wifi #5")
    assert problems_for(text, "news") == [
        f"{N}:6: tags[1]: '#5' would be dropped: YAML reads ' #' as the start of a comment "
        '(quote the whole value: tags[1]: "wifi #5")'
    ]


def test_comments_set_apart_or_quoted_text_are_kept_as_written():
    text = swap(INCIDENT, "reference: INC-12345", "reference: INC-12345    # helpdesk")
    assert entry_for(text).reference == "INC-12345"
    text = swap(INCIDENT, "title: Email delivery delays", "title: 'Printer room #3 offline'")
    assert entry_for(text).title == "Printer room #3 offline"
    text = swap(INCIDENT, "title: Email delivery delays", "title: Printer room#3 offline")
    assert entry_for(text).title == "Printer room#3 offline"


def test_a_multi_line_value_cut_by_a_comment_names_its_last_line():
    text = swap(
        INCIDENT,
        "message: Incoming email is delayed by up to 30 minutes.",
        "message: Incoming email is delayed\n      by up to 30 minutes #1",
    )
    assert problems_for(text) == [
        f"{P}:12: updates[1].message: '#1' would be dropped: YAML reads ' #' as the start of a "
        "comment (quote the whole value, or write 'message: >-' and indent the text below it)"
    ]


def test_an_update_pasted_below_the_fence_is_refused():
    text = swap(
        INCIDENT,
        "---\n\nThe mail relay",
        "---\n  - at: 2026-11-22 11:20\n    status: resolved\n    message: Fixed.\nThe mail relay",
    )
    assert problems_for(text) == [
        f"{P}:16: -: 'at:' is below the closing '---', so it is text of the page, not a field "
        "(move it above the '---' on line 15)"
    ]
    prose = swap(INCIDENT, "The mail relay queue filled up.", "Status report: the relay filled up.")
    assert entry_for(prose).body.startswith("Status report")


@pytest.mark.parametrize(
    ("folder", "text", "expected"),
    [
        (
            "news",
            INCIDENT,
            f"{N}:5: -: this is an incident or maintenance (it has 'started' and 'impact'), but "
            "content/news/ holds news (move the file to content/incidents/)",
        ),
        (
            "incidents",
            NEWS,
            f"{P}:3: -: this is news (it has 'date' and 'summary'), but content/incidents/ holds "
            "incidents and maintenance (move the file to content/news/)",
        ),
    ],
)
def test_an_entry_in_the_other_folder_says_where_it_belongs(folder, text, expected):
    assert problems_for(text, folder) == [expected]


# --- YAML slips, named where they are --------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "title: Email",
            "title Email",
            f"{P}:2: -: 'title' has no ':' after it (write 'title: value')",
        ),
        (
            "started: 2026",
            "started 2026",
            f"{P}:5: -: 'started' has no ':' after it (write 'started: value')",
        ),
        (
            "    status: investigating",
            "    status investigating",
            f"{P}:10: -: 'status' has no ':' after it (write 'status: value')",
        ),
        (
            "impact: partial_outage",
            "impact:\u00a0partial_outage",
            f"{P}:4: -: YAML cannot read this line as 'key: value' "
            "(U+00A0 NO-BREAK SPACE is not a space: type ' ')",
        ),
        (
            "title: Email delivery delays",
            "title: “Email: delays”",
            f"{P}:2: -: YAML syntax error: mapping values are not allowed in this context "
            "('“' (U+201C LEFT DOUBLE QUOTATION MARK) is not a straight quote: type '\"')",
        ),
        (
            "title: Email delivery delays",
            'title: "Email delivery delays”',
            f"{P}:2: -: YAML syntax error: found unexpected end of stream "
            "('”' (U+201D RIGHT DOUBLE QUOTATION MARK) is not a straight quote: type '\"')",
        ),
        (
            "services: [email, webmail]",
            "services: [“email”]",
            f"{P}:3: services[1]: unknown service '“email”' "
            "('“' (U+201C LEFT DOUBLE QUOTATION MARK) is not a straight quote: type '\"')",
        ),
        (
            "impact: partial_outage",
            "impact: “partial_outage”",
            f"{P}:4: impact: '“partial_outage”' is not an impact "
            "('“' (U+201C LEFT DOUBLE QUOTATION MARK) is not a straight quote: type '\"')",
        ),
    ],
    ids=["colon-title", "colon-started", "colon-update", "nbsp", "smart", "mixed", "svc", "choice"],
)
def test_yaml_slips_point_at_their_line_and_name_the_character(old, new, expected):
    assert problems_for(swap(INCIDENT, old, new)) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            INCIDENT.replace("---\n", "–––\n", 1),
            f"{P}:1: -: no front-matter: the first line '–––' uses '–' (U+2013 EN DASH), not "
            "hyphens (type three hyphens: ---)",
        ),
        (
            swap(INCIDENT, "---\n\nThe mail", "—\n\nThe mail"),
            f"{P}:15: -: the front-matter is never closed: this line '—' uses '—' "
            "(U+2014 EM DASH), not hyphens (type three hyphens: ---)",
        ),
        (
            swap(INCIDENT, "---\n\nThe mail", "----\n\nThe mail"),
            f"{P}:15: -: the front-matter is never closed: this line '----' has 4 hyphens, not 3 "
            "(type three hyphens: ---)",
        ),
    ],
    ids=["en-dash-open", "em-dash-close", "four-hyphens"],
)
def test_a_fence_typed_with_other_dashes_is_named(text, expected):
    assert problems_for(text) == [expected]


def test_a_library_nesting_limit_reads_as_ours(monkeypatch):
    """libyaml 0.2.6 refuses 1,000 levels itself; the pure-Python composer
    overflows the stack: the author sees one line either way."""
    deep = "---\ntitle: " + "[" * 150 + "\n---\n"  # over our limit, under libyaml's
    expected = [f"{P}: -: the front-matter nests deeper than 100 levels (entries need 3)"]
    assert problems_for(deep) == expected

    import yaml

    def libyaml_refuses(*args, **kwargs):
        raise yaml.scanner.ScannerError(
            "while increasing flow level", None, "exceeded maximum nesting depth", None
        )

    monkeypatch.setattr("statusgen.source.frontmatter.yaml.compose", libyaml_refuses)
    assert problems_for("---\ntitle: [[[x]]]\n---\n") == expected

    def python_recursion(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("statusgen.source.frontmatter.yaml.compose", python_recursion)
    assert problems_for("---\ntitle: [[[x]]]\n---\n") == expected


# --- recurring maintenance (rrule) ---------------------------------------------------

RECURRING = """\
---
kind: maintenance
title: Weekly patching
services: [email]
start: 2026-10-20 07:00
end: 2026-10-20 09:00
rrule: FREQ=WEEKLY;BYDAY=TU;COUNT=10
---
"""


def rrule_problems(rule: str, start: str = "2026-10-20 07:00", end: str = "2026-10-20 09:00"):
    text = swap(RECURRING, "FREQ=WEEKLY;BYDAY=TU;COUNT=10", rule)
    text = swap(
        swap(text, "start: 2026-10-20 07:00", f"start: {start}"),
        "end: 2026-10-20 09:00",
        f"end: {end}",
    )
    return problems_for(text)


def test_a_recurring_window_keeps_its_rule_normalised():
    entry = entry_for(
        swap(RECURRING, "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "freq=weekly;byday=tu;until=20261201")
    )
    assert (
        entry.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20261201T235959Z"
    )  # the whole local day, in UTC
    assert entry.start == utc(2026, 10, 20, 6, 0)
    assert entry.source.line_of("rrule") == 7
    assert entry_for(MAINTENANCE).rrule is None


def test_until_is_in_the_site_zone_unless_it_says_z():
    summer = swap(RECURRING, "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "FREQ=WEEKLY;UNTIL=20261027T070000")
    assert entry_for(summer).rrule == "FREQ=WEEKLY;UNTIL=20261027T070000Z"  # GMT by then
    early = swap(RECURRING, "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "FREQ=WEEKLY;UNTIL=20261020T073000")
    assert entry_for(early).rrule == "FREQ=WEEKLY;UNTIL=20261020T063000Z"  # BST
    # 06:30Z is 07:30 in London: after the start. 05:59Z is 06:59: before it.
    assert entry_for(swap(early, "T073000", "T063000Z")).rrule.endswith("UNTIL=20261020T063000Z")
    assert rrule_problems("FREQ=WEEKLY;UNTIL=20261020T055900Z") == [
        f"{P}:7: rrule: UNTIL=20261020T055900Z is before the first occurrence's start "
        "(the series ends after it starts)"
    ]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "FREQ=WEEKLY;BYDAY=TU",
            "has no end (add ;COUNT=10 for ten occurrences, or ;UNTIL=20270331 for the last date)",
        ),
        (
            "BYDAY=TU;COUNT=3",
            "FREQ is missing (start the rule with FREQ=WEEKLY, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10)",
        ),
        ("FREQ=WEKLY;COUNT=3", "FREQ=WEKLY is not a frequency (did you mean FREQ=WEEKLY?)"),
        (
            "FREQ=HOURLY;COUNT=3",
            "FREQ=HOURLY is too frequent for a maintenance window "
            "(it recurs at most daily: one of DAILY, WEEKLY, MONTHLY, YEARLY)",
        ),
        (
            "FREQ=WEEKLY;DTSTART=20261020T070000;COUNT=3",
            "DTSTART is not allowed here (the first occurrence is the window's 'start' and "
            "'end'; remove DTSTART)",
        ),
        (
            "FREQ=WEEKLY;EXDATE=20261027;COUNT=3",
            "EXDATE is not allowed here (skipping dates is not supported: end the series with "
            "UNTIL and start a new file)",
        ),
        (
            "FREQ=DAILY;BYHOUR=7,19;COUNT=3",
            "BYHOUR is not allowed here (the time of day is the start's: remove BYHOUR)",
        ),
        (
            "FREQ=WEEKLY;BYDAYS=TU;COUNT=3",
            "unknown part 'BYDAYS' (did you mean BYDAY?)",
        ),
        ("FREQ=WEEKLY;COUNT=3;COUNT=4", "COUNT is given twice (keep one)"),
        (
            "FREQ=WEEKLY;BYDAY=TUE;COUNT=3",
            "is not a valid RRULE (invalid BYDAY: TUE; e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=10)",
        ),
        ("FREQ=WEEKLY;COUNT=1001", "COUNT=1001 is not a whole number from 1 to 1000"),
        ("FREQ=WEEKLY;INTERVAL=0;COUNT=3", "INTERVAL=0 is not a whole number from 1 to 1000"),
        (
            "FREQ=WEEKLY;COUNT=3;UNTIL=20261201",
            "has both UNTIL and COUNT (RFC 5545 allows one: keep one of them)",
        ),
        (
            "FREQ=WEEKLY;UNTIL=2026-12-01",
            "UNTIL=2026-12-01 is not a date or time (write UNTIL=20270331, or "
            "UNTIL=20270331T090000 in the site's zone, or UNTIL=20270331T080000Z in UTC)",
        ),
        (
            "FREQ=WEEKLY;BYDAY=MO;COUNT=3",
            "start 2026-10-20 07:00 (Tuesday) is not an occurrence of the rule (start on the "
            "first one, 2026-10-26 07:00 (Monday), or change the rule)",
        ),
        (
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=3",
            "BYMONTHDAY=30 does not occur in BYMONTH=2 (no such day: the rule produces no "
            "occurrence)",
        ),
        (
            "FREQ=WEEKLY;BYDAY=TU;BYSETPOS=2;COUNT=3",
            "produces no occurrence within 10 years of start (check BYDAY, BYMONTH and "
            "BYMONTHDAY against each other)",
        ),
        (
            "FREQ=DAILY;UNTIL=20300101",
            "gives more than 1000 occurrences (end it sooner with UNTIL or COUNT, and start a "
            "new file when it runs out)",
        ),
        (
            "FREQ=YEARLY;COUNT=12",
            "COUNT=12 reaches past 10 years after start (only 11 occurrences fit: lower COUNT)",
        ),
    ],
)
def test_a_bad_rule_is_one_line_naming_the_fix(rule, message):
    assert rrule_problems(rule) == [f"{P}:7: rrule: {message}"]


def test_every_problem_of_a_rule_is_listed():
    assert rrule_problems("FREQ=SOMETIMES;FOO=1;EXDATE=20261027") == [
        f"{P}:7: rrule: unknown part 'FOO' (allowed: FREQ, UNTIL, COUNT, INTERVAL, BYDAY, "
        "BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYMONTH, BYSETPOS, WKST)",
        f"{P}:7: rrule: EXDATE is not allowed here (skipping dates is not supported: end the "
        "series with UNTIL and start a new file)",
    ]


def test_occurrences_that_would_overlap_are_refused():
    assert rrule_problems("FREQ=DAILY;COUNT=3", end="2026-10-21 08:00") == [
        f"{P}:7: rrule: occurrences overlap: the window lasts 25h00 but the one on 2026-10-20 "
        "is followed 24h00 later, on 2026-10-21 (shorten the window or space the occurrences)"
    ]


def test_an_rrule_that_is_not_text_is_refused_like_any_text():
    assert rrule_problems("[FREQ=WEEKLY]") == [
        f"{P}:7: rrule: expected text, got a list (write it on one line)"
    ]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=+;COUNT=2",
        "FREQ=MONTHLY;BYMONTHDAY=x;COUNT=2",
        "FREQ=WEEKLY;WKST=;COUNT=2",
        "FREQ=YEARLY;BYWEEKNO=99999999999999999999;COUNT=2",
        "FREQ=WEEKLY;BYSETPOS=0;COUNT=2",
        ";;;",
        "=",
    ],
)
def test_odd_rules_never_crash(rule):
    problems = rrule_problems(rule)
    assert problems and all(p.startswith(f"{P}:7: rrule: ") for p in problems)


def test_yaml_line_breaks_python_does_not_split_on_are_a_problem_not_a_crash():
    """U+0085 and U+2028 end a line for YAML but not for the file's numbering:
    libyaml's line was past the last line, and explaining it raised IndexError
    (found by test_hostile). The line number still counts YAML's breaks."""
    (problem,) = parse("---\n0\u0085\u0085\u2028: incident\n---\n", "news")[1]
    assert (problem.path, problem.field, problem.is_error) == ("content/news/x.md", "-", True)
    assert problem.message == (
        "YAML syntax error: did not find expected <document start> "
        "(check the indentation, and quote values that contain ': ' or ' #')"
    )
