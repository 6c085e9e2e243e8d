"""The manifest's records and their JSON: the data `publish` reads of a build.

`manifest.py` makes the records from a site; this module only holds them and
reads and writes them, so that the manifest's making and its file format each
fit in one module. Records are plain data: text, numbers, flags and tuples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from . import jsontext
from .model import EntryKind


@dataclass(frozen=True)
class UpdateRecord:
    key: str
    """`Update.key()`: the update's identity within its entry (time/status)."""
    at: str
    """ISO 8601 time with the site's offset."""
    status: str
    """`IncidentStatus` or `MaintenanceStatus` value."""
    message: str
    """The message as plain text on one line (Markdown removed)."""


@dataclass(frozen=True)
class MoveRecord:
    """One reschedule of a maintenance window, as the builds saw it."""

    at: str
    """The build time of the first build that saw it (ISO 8601): when followers heard."""
    start: str
    """The window's new start (ISO 8601); a later correction replaces it."""
    end: str
    """The window's new end (ISO 8601)."""


@dataclass(frozen=True)
class TranslationRecord:
    """An entry's texts in one of the site's other languages, for a target that
    posts in it; None (or a missing message): not translated, the main
    language's text stands."""

    language: str
    """The language's tag, as ``other_languages`` writes it (``cy``)."""
    title: str | None = None
    summary: str | None = None
    post_text: str | None = None
    messages: tuple[str | None, ...] = ()
    """Each update's message as plain text, in the order of `EntryRecord.updates`."""


@dataclass(frozen=True)
class EntryRecord:
    """One incident, maintenance window or news item as `publish` sees it."""

    id: str
    """File name without ``.md``."""
    kind: EntryKind
    path: str
    """Page path relative to the site root, ``incidents/<id>/`` or ``news/<id>/``."""
    title: str
    link: str
    """Absolute URL of the entry's page; every post ends with it."""
    services: tuple[str, ...]
    """Display names of the affected services, in catalogue order."""
    status: str
    """Incident status, maintenance state at build time, or ``published`` for news."""
    time: str
    """When the entry is filed: ``started``, ``start`` or ``date`` (ISO 8601)."""
    impact: str | None = None
    """Worst `Impact` value (incidents only)."""
    resolved: str | None = None
    """``resolved`` time (incidents only, ISO 8601)."""
    start: str | None = None
    """Maintenance window start (ISO 8601)."""
    end: str | None = None
    """Maintenance window end (ISO 8601)."""
    reference: str | None = None
    updates: tuple[UpdateRecord, ...] = ()
    """Oldest first, as in the source file."""
    summary: str | None = None
    """News summary (plain text)."""
    post: bool = True
    """False for ``post: false``: part of the baseline, never posted."""
    post_text: str | None = None
    """Hand-written text for the entry's first post."""
    sequence: int = 0
    """iCalendar SEQUENCE of a maintenance window; 0 for other entries."""
    source: str = ""
    """Source file, relative to the site folder."""
    lines: tuple[tuple[str, int], ...] = ()
    """Lines of the front-matter keys a post can quote (``updates[2].message`` style)."""
    draft: bool = False
    """``draft: true`` (only in a ``build --drafts`` manifest): never posted."""
    publish_at: str | None = None
    """News: the time it may be published (its date, ISO 8601); never posted before."""
    moves: tuple[MoveRecord, ...] = ()
    """A maintenance window's reschedules, oldest first (see the module docstring)."""
    rrule: str | None = None
    """A recurring window's rule (``rrule:``): its start and end are the first occurrence's."""
    digest: str = ""
    """sha256 of the entry's public fields (`public_digest`): changes with what the
    outputs show, never with ``internal_notes`` or anything else kept out of them."""
    translations: tuple[TranslationRecord, ...] = ()
    """Its texts in each of the site's other languages that has any.
    Read only to compose a post in that language: no event and no digest looks at
    them, so a translation edit posts nothing. Left out of the file when empty
    (a site in one language writes the manifest it always wrote)."""

    def texts_in(self, language: str) -> TranslationRecord | None:
        for texts in self.translations:
            if texts.language == language:
                return texts
        return None

    @property
    def ref(self) -> str:
        """Unique key of the entry across kinds (news and incidents may share an id)."""
        return self.path.rstrip("/")

    def line_of(self, key: str) -> int | None:
        for name, line in self.lines:
            if name == key:
                return line
        return None

    def update(self, key: str) -> UpdateRecord | None:
        for update in self.updates:
            if update.key == key:
                return update
        return None

    def update_number(self, key: str) -> int:
        """1-based position of an update, as in ``updates[2].message``."""
        for number, update in enumerate(self.updates, 1):
            if update.key == key:
                return number
        raise KeyError(key)


# --- JSON --------------------------------------------------------------------------


def record_text(record: EntryRecord) -> str:
    """The one encoder of a record: its JSON text two levels deep, where the file
    holds it (`_file`)."""
    return jsontext.indented(record_to_json(record), 2)


def record_to_json(record: EntryRecord) -> dict[str, Any]:
    """The record as JSON data (``dataclasses.asdict`` without its deep copies:
    every field is text, a number, a flag or a tuple of those)."""
    data = {f.name: getattr(record, f.name) for f in fields(record)}
    data["kind"] = record.kind.value
    data["services"] = list(record.services)
    data["updates"] = [{f.name: getattr(u, f.name) for f in fields(u)} for u in record.updates]
    data["lines"] = {k: v for k, v in record.lines}
    data["moves"] = [{f.name: getattr(m, f.name) for f in fields(m)} for m in record.moves]
    del data["translations"]
    if record.translations:
        data["translations"] = {
            t.language: {
                "title": t.title,
                "summary": t.summary,
                "updates": list(t.messages),
                **({"post_text": t.post_text} if t.post_text is not None else {}),
            }
            for t in record.translations
        }
    return data


class Corrupt(Exception):
    """A manifest or record that does not read as one (the reader names what is off)."""


def get_field(data: Mapping[str, Any], key: str, kind: type, optional: bool = False) -> Any:
    """`data[key]` if it is a `kind`; None for a missing optional key; else `Corrupt`."""
    if key not in data:
        if optional:
            return None
        raise Corrupt(f"missing {key!r}")
    value = data[key]
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Corrupt(f"{key!r} should be {kind.__name__}")
    return value


def get_time(data: Mapping[str, Any], key: str, optional: bool = False) -> Any:
    """`data[key]` as an ISO 8601 time text, checked; as `get_field` otherwise."""
    value = get_field(data, key, str, optional)
    if value is not None:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise Corrupt(f"{key!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise Corrupt(f"{key!r} has no UTC offset")
    return value


def record_from_json(raw: Any) -> EntryRecord:
    if not isinstance(raw, dict):
        raise Corrupt("an entry is not an object")
    try:
        kind = EntryKind(get_field(raw, "kind", str))
    except ValueError:
        raise Corrupt(f"unknown entry kind {raw.get('kind')!r}") from None
    updates = []
    for u in get_field(raw, "updates", list):
        if not isinstance(u, dict):
            raise Corrupt("an update is not an object")
        updates.append(
            UpdateRecord(
                key=get_field(u, "key", str),
                at=get_time(u, "at"),
                status=get_field(u, "status", str),
                message=get_field(u, "message", str),
            )
        )
    moves = []
    for m in get_field(raw, "moves", list, optional=True) or ():
        if not isinstance(m, dict):
            raise Corrupt("a move is not an object")
        moves.append(
            MoveRecord(at=get_time(m, "at"), start=get_time(m, "start"), end=get_time(m, "end"))
        )
    services = get_field(raw, "services", list)
    lines = get_field(raw, "lines", dict)
    if not all(isinstance(s, str) for s in services):
        raise Corrupt("'services' should hold text")
    if not all(isinstance(v, int) for v in lines.values()):
        raise Corrupt("'lines' should hold numbers")
    return EntryRecord(
        translations=_translations(get_field(raw, "translations", dict, optional=True) or {}),
        id=get_field(raw, "id", str),
        kind=kind,
        path=get_field(raw, "path", str),
        title=get_field(raw, "title", str),
        link=get_field(raw, "link", str),
        services=tuple(services),
        status=get_field(raw, "status", str),
        time=get_time(raw, "time"),
        impact=get_field(raw, "impact", str, optional=True),
        resolved=get_time(raw, "resolved", optional=True),
        start=get_time(raw, "start", optional=True),
        end=get_time(raw, "end", optional=True),
        reference=get_field(raw, "reference", str, optional=True),
        updates=tuple(updates),
        summary=get_field(raw, "summary", str, optional=True),
        post=get_field(raw, "post", bool),
        draft=get_field(raw, "draft", bool, optional=True) or False,
        publish_at=get_time(raw, "publish_at", optional=True),
        post_text=get_field(raw, "post_text", str, optional=True),
        sequence=get_field(raw, "sequence", int),
        source=get_field(raw, "source", str),
        lines=tuple(sorted(lines.items())),
        moves=tuple(moves),
        rrule=get_field(raw, "rrule", str, optional=True),
        digest=get_field(raw, "digest", str),
    )


def _translations(raw: Mapping[str, Any]) -> tuple[TranslationRecord, ...]:
    found = []
    for language, texts in raw.items():
        if not isinstance(texts, dict):
            raise Corrupt(f"translation {language!r} is not an object")
        try:
            messages = get_field(texts, "updates", list)
            if not all(m is None or isinstance(m, str) for m in messages):
                raise Corrupt("'updates' should hold text or null")
            found.append(
                TranslationRecord(
                    language=language,
                    title=get_field(texts, "title", str, optional=True),
                    summary=get_field(texts, "summary", str, optional=True),
                    post_text=get_field(texts, "post_text", str, optional=True),
                    messages=tuple(messages),
                )
            )
        except Corrupt as exc:
            raise Corrupt(f"translation {language!r}: {exc}") from None
    return tuple(found)
