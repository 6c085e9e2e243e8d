"""The codec: model objects as plain data and back, read off the model's own fields."""

from __future__ import annotations

import dataclasses
import marshal
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType

import pytest

from statusgen import codec
from statusgen.config import load_config
from statusgen.content import Parsed, load_content
from statusgen.errors import Problem, Severity
from statusgen.model import (
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    NewsItem,
    Update,
)

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden" / "site"


def entries() -> list[Incident | Maintenance | NewsItem]:
    """Every entry of the golden fixture site, as the parser makes them."""
    site, _ = load_content(load_config(GOLDEN), drafts=True)
    return [*site.incidents, *site.maintenances, *site.news]


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e.id)
def test_every_entry_comes_back_equal_through_marshal(entry):
    problems = [Problem("content/x.md", 3, "title", "too long", Severity.WARNING)]
    plain = codec.dump(Parsed, (entry, problems))
    back = codec.load(Parsed, marshal.loads(marshal.dumps(plain)))
    assert back == (entry, problems)
    assert type(back[0].source.lines) is MappingProxyType


def test_a_file_with_errors_only_comes_back_without_an_entry():
    problems = [Problem("content/x.md", None, "-", "cannot be read")]
    assert codec.load(Parsed, codec.dump(Parsed, (None, problems))) == (None, problems)


def test_an_update_keeps_the_kind_of_its_status():
    # The two status enums are a union in Update: each comes back as itself.
    when = datetime(2026, 1, 1, tzinfo=UTC).astimezone(UTC)
    when = when.replace(tzinfo=UTC)
    for status in (IncidentStatus.RESOLVED, MaintenanceStatus.VERIFYING):
        update = Update(when, status, "m")
        assert type(codec.load(Update, codec.dump(Update, update)).status) is type(status)


def test_every_field_of_the_model_is_kept():
    # What the layout holds is read off dataclasses.fields: nothing to update by hand.
    entry = entries()[0]
    plain = codec.dump(Incident, entry)
    assert len(plain) == len(dataclasses.fields(Incident))
    assert plain[[f.name for f in dataclasses.fields(Incident)].index("title")] == entry.title


def test_a_class_with_a_new_field_needs_no_change_here():
    @dataclass(frozen=True)
    class Later:
        title: str
        when: datetime
        tags: tuple[str, ...] = ()
        note: str | None = None

    value = Later("t", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), ("a",))
    assert codec.load(Later, codec.dump(Later, value)) == value


def test_a_time_that_is_not_utc_is_not_kept():
    entry = entries()[0]
    local = entry.started.astimezone(timezone(timedelta(hours=1)))
    with pytest.raises(codec.NotPlain, match="not a UTC instant"):
        codec.dump(Incident, replace(entry, started=local))


@pytest.mark.parametrize(
    "plain",
    [None, (), ("x",), (None, "problems"), ((1, 2), ()), 42, (None, (("p", 1, "f", "m", "??"),))],
)
def test_data_of_another_shape_is_a_miss(plain):
    assert codec.load_or_none(Parsed, plain) is None
