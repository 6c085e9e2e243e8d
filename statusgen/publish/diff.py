"""What to post: the events between two build manifests (SPEC "Publish").

An event is keyed by what it means, so that no correction posts it again:
``first`` (the entry's opening), ``update:N`` (its N-th update, by position
in the file, whatever its time or status) and ``resolved`` (an incident's
resolution, one per entry however written: ``resolved:``, the first
``status: resolved`` update, or both; a later resolved update restates it).

- No previous manifest: this build is the baseline; nothing is posted, so
  switching publish on (or a first deploy) never floods followers with the
  whole history.
- An entry seen for the first time (in neither the previous build nor the
  ledger): one event for its *current* state. An incident is OPENED, or
  RESOLVED when it is first seen already resolved (filed after the fact:
  one post saying it happened and is over, not two, which also counts as its
  resolution); a maintenance window is SCHEDULED whatever its state; news
  is NEWS. The updates already in the file are part of that state.
- An entry seen before: one event per update past the ones already told,
  which is the most the previous build and the ledger know of (a first post
  records how many updates it told, so a stale previous build cannot make
  them new); the resolution when it is new. A ``postmortem`` update (a review
  after the resolution) is an UPDATED event; it does not reopen the incident.
- Events the ledger holds as pending (due in an earlier run but not sent)
  are due again, as long as the entry still exists and may post; refused
  ones are not (``publish --retry``).
- ``post: false`` entries and drafts never post; a draft in the previous
  build counts as unseen, so publishing it posts its opening. Edits to
  titles or texts are not events.

A maintenance window has three more kinds of event, each a reply to its
announcement:

- ``started`` once the build time is past its start, ``ended`` once it is
  past its end (the manifest's ``status``, the window's state at build
  time). When both are due in one run (a window that began and finished
  between two runs) only ``ended`` is posted, and it counts as the start
  too: "completed" is what a follower needs then, not two posts in a row.
  A window whose file already says so itself (an ``in_progress`` update for
  the start, a ``completed`` one for the end) does not get the automatic
  post: the written update tells it, once. A first post tells the window's
  state as it is, so an announcement of a window already under way counts
  as its start (and its end, when over).
- ``moved:N``, the N-th reschedule in the window's move history
  (`EntryRecord.moves`, carried from build to build). Keyed by position in
  that history, not by the new time: the build records a change made within
  ``publish.max_age`` hours of the last move as a correction of that move
  (same N, new times), so fixing a typo'd time never posts again, while a
  real second reschedule, later, is ``moved:2``. Keying by the new start
  instant would post each correction as a move. To tell followers of a
  corrected time, add an update (``maintenance_update``).
- A recurring window (``rrule:``) is announced once for the series and
  moves with it; its occurrences post no start or end by default: a post
  every week or night is noise to a follower, and the page and calendar
  show each occurrence.
- Ledgers from before ``update:N`` keyed updates ``<time>/<status>``:
  `legacy_keys` maps them through the manifests.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from ..manifest import EntryRecord, Manifest, MoveRecord, UpdateRecord
from ..model import EntryKind, IncidentStatus
from .ledger import Ledger, TargetLedger

FIRST = "first"
"""Event key of an entry's opening (its first post)."""
RESOLUTION = "resolved"
"""Event key of an incident's resolution, however it was written (one per entry)."""
STARTED = "started"
"""Event key of a maintenance window's start (its build time passed the start)."""
ENDED = "ended"
"""Event key of a maintenance window's end."""
MOVE_PREFIX = "moved:"
"""Event key of a window's n-th move: ``moved:2`` (1-based, in `EntryRecord.moves`)."""
_UNDER_WAY = ("in_progress", "verifying", "completed")
"""Maintenance states at build time past the window's start."""
UPDATE_PREFIX = "update:"
"""Event key of an entry's n-th update: ``update:3`` (1-based, by position in the file)."""
_CLOSED = (IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM)
"""Incident statuses of a resolved incident: a review does not reopen it."""


class EventKind(enum.StrEnum):
    """What happened; the value names the template (``publish.templates.<value>``)."""

    OPENED = "opened"
    UPDATED = "updated"
    RESOLVED = "resolved"
    SCHEDULED = "scheduled"
    MAINTENANCE_UPDATE = "maintenance_update"
    MAINTENANCE_STARTED = "maintenance_started"
    MAINTENANCE_ENDED = "maintenance_ended"
    MAINTENANCE_MOVED = "maintenance_moved"
    NEWS = "news"


@dataclass(frozen=True)
class Event:
    entry: EntryRecord
    kind: EventKind
    update: UpdateRecord | None
    """The update this event posts (for a first post: the latest one, if any)."""
    key: str
    """Stable within the entry: `FIRST`, `RESOLUTION`, ``update:N``, `STARTED`,
    `ENDED` or ``moved:N``; the ledger's key."""
    move: MoveRecord | None = None
    """The move a ``moved:N`` event posts."""
    also: tuple[str, ...] = ()
    """Further keys the post tells (an ``ended`` posted with no ``started`` before)."""

    @property
    def is_first(self) -> bool:
        return self.key == FIRST

    @property
    def covers(self) -> tuple[str, ...]:
        """The keys this event tells followers about: a first post of an incident
        already resolved is also its resolution."""
        if self.is_first and self.kind is EventKind.RESOLVED:
            return (FIRST, RESOLUTION)
        if self.is_first and self.kind is EventKind.SCHEDULED:
            return (FIRST, *_told_by_state(self.entry))
        return (self.key, *self.also)

    @property
    def time(self) -> datetime:
        """When it happened, for oldest-first order."""
        if self.is_first:
            return datetime.fromisoformat(self.entry.time)
        if self.move is not None:
            return datetime.fromisoformat(self.move.at)
        if self.key == STARTED and self.entry.start:
            return datetime.fromisoformat(self.entry.start)
        if self.key == ENDED and self.entry.end:
            return datetime.fromisoformat(self.entry.end)
        if self.update is not None:
            return datetime.fromisoformat(self.update.at)
        return datetime.fromisoformat(self.entry.resolved or self.entry.time)

    @property
    def news_time(self) -> datetime:
        """How recent the news is, for ``publish.max_age``: a first post tells the
        entry's current state, so it is as recent as its latest update."""
        moments = [self.time]
        if self.is_first and self.update is not None:
            moments.append(datetime.fromisoformat(self.update.at))
        if self.entry.publish_at:
            moments.append(datetime.fromisoformat(self.entry.publish_at))
        return max(moments)

    def describe(self) -> str:
        """``incidents/x (opened)``: for progress lines."""
        return f"{self.entry.ref} ({self.kind.value})"


def update_key(number: int) -> str:
    """The event key of the `number`-th update (1-based)."""
    return f"{UPDATE_PREFIX}{number}"


def events(
    previous: Manifest | None, current: Manifest, ledger: Ledger | TargetLedger
) -> list[Event]:
    """The events due in `current`, oldest first; empty for a baseline.

    What an entry had before is the most the previous build and the ledger
    know of it, so a stale previous build (a failed deploy, a cached
    manifest) does not make an entry the ledger knows look new.
    """
    if previous is None:
        return []
    due: dict[tuple[str, str], Event] = {}
    for record in current.entries:
        if not record.post or record.draft:
            continue
        before = previous.entry(record.ref)
        if before is not None and before.draft:
            before = None  # a draft was never posted: publishing it is its opening
        # A first post recorded without its count (an older ledger) against no
        # previous record: assume it told all there is, rather than re-post.
        unknown = len(record.updates) if before is None else 0
        known = ledger.covered(record.ref, unknown=unknown)
        if before is None and known is None:
            found = [first_event(record)]
        else:
            seen = max(len(before.updates) if before else 0, known or 0)
            was_resolved = (before is not None and _resolved(before)) or ledger.has(
                record.ref, RESOLUTION
            )
            found = _changes(record, seen, was_resolved)
            if record.kind is EntryKind.MAINTENANCE:
                found += _window_changes(record, before, ledger)
        for event in found:
            due[(record.ref, event.key)] = event
    for ref, key in ledger.pending:
        record = current.entry(ref)
        if record is None or not record.post or record.draft or (ref, key) in due:
            continue
        event = event_for(record, key)
        if event is not None:
            due[(ref, key)] = event
    fresh = [
        e
        for (ref, key), e in due.items()
        if not ledger.has(ref, key) and not ledger.is_refused(ref, key)
    ]
    # A first post still unsent (pending from a failed run, or a target
    # switched on again) tells the entry as it is now: the updates, the
    # resolution, the start and end written since are in it, not posts of
    # their own, as for an entry new in this build. (A first post the target
    # turns out to have is reconciled, and what it did not tell is re-added.)
    firsts = {e.entry.ref: e for e in fresh if e.is_first}
    fresh = [e for e in fresh if e.is_first or not _told_by_first(firsts.get(e.entry.ref), e)]
    return sorted(fresh, key=lambda e: (e.time, e.entry.ref, not e.is_first, e.key))


def _told_by_first(first: Event | None, event: Event) -> bool:
    if first is None:
        return False
    return event.key in first.covers or update_number(event.key) is not None


def first_event(record: EntryRecord, told: int | None = None) -> Event:
    """The entry's opening as of now, or as of its first `told` updates (a
    first post found on the target, made before the later ones)."""
    updates = record.updates if told is None else record.updates[:told]
    latest = updates[-1] if updates else None
    resolved_then = any(u.status == IncidentStatus.RESOLVED for u in updates)
    if record.kind is EntryKind.NEWS:
        kind = EventKind.NEWS
    elif record.kind is EntryKind.MAINTENANCE:
        kind = EventKind.SCHEDULED
    elif resolved_then or (told is None and record.status in _CLOSED):
        kind = EventKind.RESOLVED
    else:
        kind = EventKind.OPENED
    return Event(record, kind, latest, FIRST)


def resolving_update(record: EntryRecord) -> int | None:
    """Position (1-based) of the update that resolves an incident: the first with
    status ``resolved``; later ones restate it and are not a second resolution."""
    if record.kind is not EntryKind.INCIDENT:
        return None
    for number, update in enumerate(record.updates, 1):
        if update.status == IncidentStatus.RESOLVED:
            return number
    return None


def update_event(record: EntryRecord, number: int) -> Event | None:
    """The event of the `number`-th update; None for a restated resolution."""
    update = record.updates[number - 1]
    if record.kind is EntryKind.MAINTENANCE:
        return Event(record, EventKind.MAINTENANCE_UPDATE, update, update_key(number))
    if update.status == IncidentStatus.RESOLVED:
        if resolving_update(record) != number:
            return None
        return Event(record, EventKind.RESOLVED, update, RESOLUTION)
    return Event(record, EventKind.UPDATED, update, update_key(number))


def resolution_event(record: EntryRecord) -> Event | None:
    if not _resolved(record):
        return None
    number = resolving_update(record)
    update = record.updates[number - 1] if number else None
    return Event(record, EventKind.RESOLVED, update, RESOLUTION)


def event_for(record: EntryRecord, key: str) -> Event | None:
    """Rebuild a pending event from the current record; None when it no longer exists."""
    if key == FIRST:
        return first_event(record)
    if key == RESOLUTION:
        return resolution_event(record)
    if key in (STARTED, ENDED) or move_number(key) is not None:
        return window_event(record, key)
    number = update_number(key)
    if number is None or number > len(record.updates):
        return None
    event = update_event(record, number)
    return event if event is not None and event.key == key else None


def update_number(key: str) -> int | None:
    """N of ``update:N``; None for any other key."""
    if not key.startswith(UPDATE_PREFIX):
        return None
    digits = key.removeprefix(UPDATE_PREFIX)
    return int(digits) if digits.isdigit() and int(digits) > 0 else None


def move_key(number: int) -> str:
    """The event key of a window's `number`-th move (1-based)."""
    return f"{MOVE_PREFIX}{number}"


def move_number(key: str) -> int | None:
    """N of ``moved:N``; None for any other key."""
    digits = key.removeprefix(MOVE_PREFIX)
    if not key.startswith(MOVE_PREFIX) or not digits.isdigit() or int(digits) < 1:
        return None
    return int(digits)


def window_event(record: EntryRecord, key: str, also: tuple[str, ...] = ()) -> Event | None:
    """The ``started``, ``ended`` or ``moved:N`` event of a window, when it has one."""
    if record.kind is not EntryKind.MAINTENANCE:
        return None
    number = move_number(key)
    if number is not None:
        if number > len(record.moves):
            return None
        move = record.moves[number - 1]
        return Event(record, EventKind.MAINTENANCE_MOVED, None, key, move=move)
    if record.rrule or key not in _lifecycle(record):
        return None
    kind = EventKind.MAINTENANCE_STARTED if key == STARTED else EventKind.MAINTENANCE_ENDED
    return Event(record, kind, None, key, also=also)


def _lifecycle(record: EntryRecord) -> tuple[str, ...]:
    """The start and end events a window's state at build time makes due, less
    those its own updates tell (an ``in_progress`` or ``completed`` update)."""
    if record.kind is not EntryKind.MAINTENANCE or record.rrule:
        return ()
    written = {u.status for u in record.updates}
    keys = []
    if record.status in _UNDER_WAY and "in_progress" not in written:
        keys.append(STARTED)
    if record.status == "completed" and "completed" not in written:
        keys.append(ENDED)
    return tuple(keys)


def _told_by_state(record: EntryRecord) -> tuple[str, ...]:
    """What a window's first post tells besides its announcement: its moves so far
    (it gives the current times) and its start and end when already past."""
    moves = tuple(move_key(n) for n in range(1, len(record.moves) + 1))
    passed = () if record.rrule else (STARTED,) * (record.status in _UNDER_WAY)
    ended = () if record.rrule else (ENDED,) * (record.status == "completed")
    return (*moves, *passed, *ended)


def _window_changes(
    record: EntryRecord, before: EntryRecord | None, ledger: Ledger | TargetLedger
) -> list[Event]:
    """A window's moves past those the previous build knew, and its start and end
    once the build time passes them (`ended` alone, telling the start too, when
    both are new)."""
    known = len(before.moves) if before is not None else 0
    found = [
        e
        for n in range(known + 1, len(record.moves) + 1)
        if (e := window_event(record, move_key(n))) is not None
    ]
    lifecycle = _lifecycle(record)
    was = set(_told_by_state(before)) if before is not None else set()
    new = [k for k in lifecycle if k not in was and not ledger.has(record.ref, k)]
    if ENDED in new:
        also = (STARTED,) if STARTED in new else ()
        event = window_event(record, ENDED, also)
    elif new:
        event = window_event(record, new[0])
    else:
        event = None
    return found + ([event] if event is not None else [])


def _resolved(record: EntryRecord) -> bool:
    return record.kind is EntryKind.INCIDENT and (
        record.status in _CLOSED or resolving_update(record) is not None
    )


def _changes(record: EntryRecord, seen: int, was_resolved: bool) -> list[Event]:
    """Updates past the `seen` first ones, and the resolution when it is new.

    Position, not time or status, is an update's identity: correcting the
    time, the status or the site's time zone changes none of them.
    """
    found = []
    for number in range(seen + 1, len(record.updates) + 1):
        event = update_event(record, number)
        if event is None or (event.key == RESOLUTION and was_resolved):
            continue
        found.append(event)
    if not was_resolved and not any(e.key == RESOLUTION for e in found):
        resolution = resolution_event(record)
        if resolution is not None:
            found.append(resolution)
    return found


def update_events_after(record: EntryRecord, told: int) -> list[Event]:
    """The update events after the first `told` ones (a first post found on the
    target told the entry as it was then)."""
    resolved_then = (
        any(u.status == IncidentStatus.RESOLVED for u in record.updates[:told])
        and record.kind is EntryKind.INCIDENT
    )
    return _changes(record, told, resolved_then)


# --- reading ledgers and manifests written before update:N keys ----------------------------


def legacy_keys(ledger: Ledger, *manifests: Manifest | None) -> dict[tuple[str, str], str]:
    """Ledger keys of the old form (an update's ``<time>/<status>``) mapped to today's.

    Older statusgen keyed an update by its time and status, so the
    manifests that older build wrote (the previous build) hold the same
    keys in `UpdateRecord.key`, with the update's position beside it. A key
    is looked up in each manifest in turn, then by the same instant and
    status (a key written with another UTC offset). A key found nowhere is
    left as it is: it names an update that no longer exists.
    """
    mapping: dict[tuple[str, str], str] = {}
    for ref, key in ledger.event_keys():
        if key in (FIRST, RESOLUTION, STARTED, ENDED) or update_number(key) is not None:
            continue
        if move_number(key) is not None:
            continue
        for manifest in manifests:
            record = manifest.entry(ref) if manifest else None
            number = _legacy_position(record, key) if record else None
            if record is not None and number is not None:
                event = update_event(record, number)
                mapping[(ref, key)] = event.key if event else RESOLUTION
                break
    return mapping


def _legacy_position(record: EntryRecord, key: str) -> int | None:
    for number, update in enumerate(record.updates, 1):
        if update.key == key:
            return number
    moment, _, status = key.rpartition("/")
    try:
        instant = datetime.fromisoformat(moment)
    except ValueError:
        return None
    for number, update in enumerate(record.updates, 1):
        if update.status == status and datetime.fromisoformat(update.at) == instant:
            return number
    return None
