"""What to post: the events between two build manifests (SPEC "Publish").

- No previous manifest: this build is the baseline; nothing is posted, so
  switching publish on (or a first deploy) never floods followers with the
  whole history.
- An entry seen for the first time: one event for its *current* state.
  An incident is OPENED, or RESOLVED when it is first seen already resolved
  (filed after the fact: one post saying it happened and is over, not two);
  a maintenance window is SCHEDULED whatever its state (the post's status
  word says "in progress" or "completed" when it is); news is NEWS. The
  updates already in the file are part of that state, not separate posts.
- An entry seen before: one event per update key it did not have, oldest
  first; an update with status ``resolved`` is the RESOLVED event, and a
  ``postmortem`` update (a review after the resolution) an UPDATED one. An
  incident that became resolved through ``resolved:`` alone, without a
  resolved update, gets one RESOLVED event with no update.
- Events the ledger holds as pending (due in an earlier run but not sent)
  are due again, as long as the entry still exists and may post.
- ``post: false`` entries never post; events already in the ledger are
  skipped. Edits to titles or texts, and a rescheduled window, are not
  events: followers get the news of a change through the update that
  explains it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ..manifest import EntryRecord, Manifest, UpdateRecord
from ..model import EntryKind, IncidentStatus
from .ledger import Ledger

FIRST = "first"
"""Event key of an entry's first post."""
RESOLUTION = "resolved"
"""Event key of a resolution given by ``resolved:`` without a resolved update."""
_CLOSED = (IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM)
"""Incident statuses of a resolved incident: a review does not reopen it."""


class EventKind(enum.StrEnum):
    """What happened; the value names the template (``publish.templates.<value>``)."""

    OPENED = "opened"
    UPDATED = "updated"
    RESOLVED = "resolved"
    SCHEDULED = "scheduled"
    MAINTENANCE_UPDATE = "maintenance_update"
    NEWS = "news"


@dataclass(frozen=True)
class Event:
    entry: EntryRecord
    kind: EventKind
    update: UpdateRecord | None
    """The update this event posts (for a first post: the latest one, if any)."""
    key: str
    """Stable within the entry: `FIRST`, `RESOLUTION` or the update's key; the ledger's key."""

    @property
    def is_first(self) -> bool:
        return self.key == FIRST

    @property
    def time(self) -> datetime:
        """When it happened, for oldest-first order."""
        if self.is_first:
            return datetime.fromisoformat(self.entry.time)
        if self.update is not None:
            return datetime.fromisoformat(self.update.at)
        return datetime.fromisoformat(self.entry.resolved or self.entry.time)

    def describe(self) -> str:
        """``incidents/x (opened)``: for progress lines."""
        return f"{self.entry.ref} ({self.kind.value})"


def events(previous: Manifest | None, current: Manifest, ledger: Ledger) -> list[Event]:
    """The events due in `current`, oldest first; empty for a baseline."""
    if previous is None:
        return []
    due: dict[tuple[str, str], Event] = {}
    for record in current.entries:
        if not record.post:
            continue
        before = previous.entry(record.ref)
        found = [first_event(record)] if before is None else _changes(before, record)
        for event in found:
            due[(record.ref, event.key)] = event
    for ref, key in ledger.pending:
        record = current.entry(ref)
        if record is None or not record.post or (ref, key) in due:
            continue
        event = event_for(record, key)
        if event is not None:
            due[(ref, key)] = event
    fresh = [e for (ref, key), e in due.items() if not ledger.has(ref, key)]
    return sorted(fresh, key=lambda e: (e.time, e.entry.ref, not e.is_first, e.key))


def first_event(record: EntryRecord) -> Event:
    latest = record.updates[-1] if record.updates else None
    if record.kind is EntryKind.NEWS:
        kind = EventKind.NEWS
    elif record.kind is EntryKind.MAINTENANCE:
        kind = EventKind.SCHEDULED
    elif record.status in _CLOSED:
        kind = EventKind.RESOLVED
    else:
        kind = EventKind.OPENED
    return Event(record, kind, latest, FIRST)


def update_event(record: EntryRecord, update: UpdateRecord) -> Event:
    if record.kind is EntryKind.MAINTENANCE:
        kind = EventKind.MAINTENANCE_UPDATE
    elif update.status == IncidentStatus.RESOLVED:
        kind = EventKind.RESOLVED
    else:
        kind = EventKind.UPDATED
    return Event(record, kind, update, update.key)


def event_for(record: EntryRecord, key: str) -> Event | None:
    """Rebuild a pending event from the current record; None when it no longer exists."""
    if key == FIRST:
        return first_event(record)
    update = record.update(key)
    if update is not None:
        return update_event(record, update)
    if key == RESOLUTION and _resolved(record):
        return Event(record, EventKind.RESOLVED, None, RESOLUTION)
    return None


def _resolved(record: EntryRecord) -> bool:
    return record.kind is EntryKind.INCIDENT and record.status in _CLOSED


def _changes(before: EntryRecord, record: EntryRecord) -> list[Event]:
    known = {u.key for u in before.updates}
    found = [update_event(record, u) for u in record.updates if u.key not in known]
    if (
        _resolved(record)
        and not _resolved(before)
        and not any(e.kind is EventKind.RESOLVED for e in found)
    ):
        found.append(Event(record, EventKind.RESOLVED, None, RESOLUTION))
    return found
