"""The build manifest: what one build published, in the form `publish` needs.

Every build writes ``_statusgen/manifest.json`` into its output. `publish`
compares the manifest of the build it is about to deploy with the previous
build's (a folder, or the live site fetched over HTTP), so it must never need
the source site or the rendered pages: each `EntryRecord` carries every field
a post is composed from, already as plain text, plus the source path and the
lines of the fields a post can quote, so a privacy refusal can name them.

Drafts reach a manifest only from ``build --drafts``, with ``draft=True``;
`publish` never posts them, whatever built the manifest. Entries with
``post: false`` are, with ``post=False``: they belong to the baseline, and
`publish` skips them. A news item carries its ``publish_at`` (its date), and
`publish` posts nothing before it, whatever the build left out.

On a bilingual site each record also carries the entry's texts in the other
languages (`EntryRecord.translations`), for a target that posts in one of
them; events and digests never read them, so a translation edit posts nothing.

The iCalendar ``SEQUENCE`` of a maintenance window lives here too, because it
is a rendered value that depends on the previous build: it goes up by one
whenever the window's start, end or title changes. So does a window's move
history (`EntryRecord.moves`), which the feeds and `publish` read: the source
file holds only the window's current times, so each build carries the
previous build's moves forward and adds one when the times changed
(`_with_history`). A change within ``publish.max_age`` hours of the last move
corrects that move (a typo fixed: same move, new times) rather than making a
second one. The previous build is the output folder's manifest, or the live
site's with ``build --previous`` (a CI checkout starts with no output folder).

This is a lower stage: it imports only model, status, urls, markup, languages
and errors.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from . import jsontext
from .errors import StatusgenError
from .languages import split_key, suffix
from .markup import to_text
from .model import (
    EntryKind,
    Incident,
    IncidentStatus,
    Maintenance,
    NewsItem,
    Site,
    SiteConfig,
    Update,
    entry_time,
)
from .records import (
    Corrupt,
    EntryRecord,
    MoveRecord,
    TranslationRecord,
    UpdateRecord,
    get_field,
    record_from_json,
    record_text,
    record_to_json,
)
from .status import SiteStatus
from .urls import absolute, entry_path

MANIFEST_PATH = "_statusgen/manifest.json"
"""Where a build writes its manifest, relative to the output folder."""
LEDGER_PATH = "_statusgen/ledger.json"
"""Where `publish` keeps the post ledger, relative to the output folder."""
MANIFEST_VERSION = 1
"""Bumped on any incompatible change; an older statusgen refuses a newer file."""

NEWS_STATUS = "published"
"""The `EntryRecord.status` of every news item."""

# Front-matter keys whose text can end up in a post; their lines travel with
# the record so that a refused post can name the line it came from.
_POSTED_KEYS = ("title", "summary", "post_text", "reference")


@dataclass(frozen=True)
class Manifest:
    base_url: str
    built_at: str
    """The build time (``--now``), ISO 8601."""
    entries: tuple[EntryRecord, ...]
    """Sorted by `EntryRecord.ref`, so the file is byte-stable."""
    version: int = field(default=MANIFEST_VERSION)

    @cached_property
    def _by_ref(self) -> Mapping[str, EntryRecord]:
        return {entry.ref: entry for entry in self.entries}

    def entry(self, ref: str) -> EntryRecord | None:
        return self._by_ref.get(ref)

    def to_bytes(self) -> bytes:
        """Deterministic JSON: same manifest, same bytes."""
        texts = [record_text(e) for e in self.entries]
        return join(self.base_url, self.built_at, texts, self.version)

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse a manifest; a corrupt file or another version is a `StatusgenError`.

        The message is one line without the location; the caller knows where
        the bytes came from and prefixes it.
        """
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StatusgenError(f"not a statusgen manifest (invalid JSON: {exc})") from None
        if not isinstance(raw, dict):
            raise StatusgenError("not a statusgen manifest (expected a JSON object)")
        version = raw.get("version")
        if version != MANIFEST_VERSION:
            raise StatusgenError(
                f"manifest version {version!r} is not supported "
                f"(this statusgen reads version {MANIFEST_VERSION}; use the same statusgen "
                "version for build and publish)"
            )
        try:
            entries = tuple(record_from_json(e) for e in get_field(raw, "entries", list))
            return cls(
                base_url=get_field(raw, "base_url", str),
                built_at=get_field(raw, "built_at", str),
                entries=entries,
            )
        except Corrupt as exc:
            raise StatusgenError(f"corrupt statusgen manifest ({exc})") from None


Before = tuple[str, str | None, str | None, str, int, tuple[tuple[str, str, str], ...], str | None]
"""What the next build needs of a window's record: kind, start, end, title, sequence,
moves as (at, start, end) and the recurrence rule (plain data, so that it can be
kept with the output index; an index written before moves were kept holds the first
five, one written before rules were kept the first six)."""


def windows_of(manifest: Manifest | None) -> dict[str, Before]:
    """Each maintenance window of a (previous) manifest, by `EntryRecord.ref`."""
    if manifest is None:
        return {}
    return {e.ref: window_of(e) for e in manifest.entries if e.kind is EntryKind.MAINTENANCE}


def window_of(record: EntryRecord) -> Before:
    """A record as the next build's `Before` (for a maintenance window)."""
    moves = tuple((m.at, m.start, m.end) for m in record.moves)
    return (
        record.kind.value,
        record.start,
        record.end,
        record.title,
        record.sequence,
        moves,
        record.rrule,
    )


def build_manifest(site: Site, status: SiteStatus, previous: Manifest | None) -> Manifest:
    """The manifest of one build; `previous` only carries the iCalendar sequences."""
    config = site.config
    windows = windows_of(previous)
    records = [
        _entry_record(config, entry, status, windows.get(entry_path(entry).rstrip("/")))
        for entry in _entries(site)
    ]
    records.sort(key=lambda r: r.ref)
    return Manifest(
        base_url=config.base_url,
        built_at=status.now.isoformat(),
        entries=tuple(records),
    )


# --- the file, from per-entry fragments ---------------------------------------------


Fragment = tuple[str, Before]
"""One entry's record as plain data, as a build keeps it between builds: its
JSON text at its depth in the file, and the record as the next build's `Before`."""


def fragment(
    config: SiteConfig,
    entry: Incident | Maintenance | NewsItem,
    status: SiteStatus,
    before: Before | None,
) -> Fragment:
    """One entry's `Fragment`, by the rules `build_manifest` follows; `join` makes
    the file of the texts of every entry's fragment, sorted by ref."""
    record = _entry_record(config, entry, status, before)
    return record_text(record), window_of(record)


def _entries(site: Site) -> Iterable[Incident | Maintenance | NewsItem]:
    return (*site.incidents, *site.maintenances, *site.news)


def _entry_record(
    config: SiteConfig,
    entry: Incident | Maintenance | NewsItem,
    status: SiteStatus,
    before: Before | None,
) -> EntryRecord:
    record = _with_sequence(_record(config, entry, status), before)
    record = _with_history(record, before, status.now, config.publish.max_age)
    return _with_digest(record, entry)


def join(
    base_url: str, built_at: str, records: list[str], version: int = MANIFEST_VERSION
) -> bytes:
    """The manifest file around its records' texts (each from `record_text`): what
    ``jsontext.dump(data, indent=1, sort_keys=True)`` writes for the whole."""
    entries = "[\n  " + ",\n  ".join(records) + "\n ]" if records else "[]"
    text = (
        "{\n"
        f' "base_url": {jsontext.string(base_url)},\n'
        f' "built_at": {jsontext.string(built_at)},\n'
        f' "entries": {entries},\n'
        f' "version": {int(version)}\n'
        "}\n"
    )
    return text.encode("utf-8")


# --- building records ----------------------------------------------------------------


def _iso(config: SiteConfig, moment: datetime) -> str:
    return moment.astimezone(config.timezone).isoformat()


def _service_names(config: SiteConfig, ids: tuple[str, ...]) -> tuple[str, ...]:
    # Catalogue order, through the config's index: scanning the catalogue
    # per entry grew with entries x services.
    order = config.service_order
    known = sorted({i for i in ids if i in order}, key=order.__getitem__)
    names = [config.services[order[i]].name for i in known]
    # Validation rejects unknown ids; keep them readable rather than drop them.
    names += [i for i in ids if i not in order]
    return tuple(names)


def _updates(config: SiteConfig, updates: tuple[Update, ...]) -> tuple[UpdateRecord, ...]:
    return tuple(
        UpdateRecord(
            key=u.key(),
            at=_iso(config, u.at),
            status=u.status.value,
            message=to_text(u.message),
        )
        for u in updates
    )


def _translations(
    config: SiteConfig, entry: Incident | Maintenance | NewsItem
) -> tuple[TranslationRecord, ...]:
    """The entry's texts in each other language that has any, as plain text like the rest."""
    found = []
    for language in config.other_languages:
        tail = suffix(language)
        given = entry.translations.get(tail)
        updates = () if isinstance(entry, NewsItem) else entry.updates
        messages = tuple(u.translations.get(tail) for u in updates)
        texts = TranslationRecord(
            language,
            title=given.title if given is not None else None,
            summary=given.summary if given is not None else None,
            post_text=given.post_text if given is not None else None,
            messages=tuple(to_text(m) if m is not None else None for m in messages),
        )
        if (texts.title, texts.summary, texts.post_text) != (None, None, None) or any(messages):
            found.append(texts)
    return tuple(found)


def _lines(entry: Incident | Maintenance | NewsItem) -> tuple[tuple[str, int], ...]:
    def posted(key: str) -> bool:
        # A translation's line too (``post_text_cy``): a post in that language quotes it.
        parts = split_key(key.rsplit(".", 1)[-1])
        key = key.removesuffix(f"_{parts[1]}") if parts is not None else key
        return key in _POSTED_KEYS or (key.startswith("updates[") and key.endswith(".message"))

    return tuple(sorted((k, v) for k, v in entry.source.lines.items() if posted(k)))


def _record(
    config: SiteConfig, entry: Incident | Maintenance | NewsItem, status: SiteStatus
) -> EntryRecord:
    path = entry_path(entry)
    common: dict[str, Any] = dict(
        id=entry.id,
        kind=entry.kind,
        path=path,
        title=entry.title,
        link=absolute(config, path),
        time=_iso(config, entry_time(entry)),
        post=entry.post,
        draft=entry.draft,
        post_text=entry.post_text,
        source=entry.source.path,
        lines=_lines(entry),
        translations=_translations(config, entry),
    )
    if isinstance(entry, Incident):
        return EntryRecord(
            **common,
            services=_service_names(config, entry.service_ids),
            status=IncidentStatus(entry.status).value,
            impact=entry.impact.value,
            resolved=_iso(config, entry.resolved) if entry.resolved else None,
            reference=entry.reference,
            updates=_updates(config, entry.updates),
        )
    if isinstance(entry, Maintenance):
        return EntryRecord(
            **common,
            services=_service_names(config, entry.service_ids),
            status=entry.state_at(status.now).value,
            start=_iso(config, entry.start),
            end=_iso(config, entry.end),
            reference=entry.reference,
            updates=_updates(config, entry.updates),
            rrule=entry.rrule,
        )
    return EntryRecord(
        **common,
        services=(),
        status=NEWS_STATUS,
        summary=entry.summary,
        publish_at=_iso(config, entry.date),
    )


def _with_sequence(record: EntryRecord, before: Before | None) -> EntryRecord:
    """iCalendar asks for a higher SEQUENCE whenever a published event changes."""
    if record.kind is not EntryKind.MAINTENANCE or before is None:
        return record
    kind, start, end, title, sequence = before[:5]
    if kind != EntryKind.MAINTENANCE.value:
        return record
    changed = (start, end, title) != (record.start, record.end, record.title)
    # A new rule moves every later occurrence; a record from before rules were
    # kept says nothing of its rule, which is then taken as unchanged.
    changed = changed or (len(before) > 6 and before[6] != record.rrule)
    return replace(record, sequence=sequence + 1 if changed else sequence)


def _with_history(
    record: EntryRecord, before: Before | None, now: datetime, correction_hours: float
) -> EntryRecord:
    """The previous build's moves carried forward, and this build's change of the
    window's times added to them: a new move, or a correction of the last one
    when that is less than `correction_hours` old (``publish.max_age``: while a
    move is still news, a change to it is taken for fixing a typo)."""
    if record.kind is not EntryKind.MAINTENANCE or before is None:
        return record
    if before[0] != EntryKind.MAINTENANCE.value or not before[1] or not before[2]:
        return record
    moves = [MoveRecord(*m) for m in (before[5] if len(before) > 5 else ())]
    assert record.start is not None and record.end is not None
    if _instant(before[1]) != _instant(record.start) or _instant(before[2]) != _instant(record.end):
        fresh = moves and now - datetime.fromisoformat(moves[-1].at) < timedelta(
            hours=correction_hours
        )
        if fresh:
            moves[-1] = replace(moves[-1], start=record.start, end=record.end)
        else:
            moves.append(MoveRecord(now.isoformat(), record.start, record.end))
    return replace(record, moves=tuple(moves))


def _instant(text: str) -> datetime:
    # Compared as instants: a corrected time zone rewrites every offset, and
    # moves no window.
    return datetime.fromisoformat(text)


def _with_digest(record: EntryRecord, entry: Incident | Maintenance | NewsItem) -> EntryRecord:
    fields = record_to_json(record)
    fields.pop("digest", None)
    # The entry's translations are in the digest through `entry`, as before
    # they were recorded: the record's copy of them adds nothing.
    fields.pop("translations", None)
    return replace(record, digest=public_digest(entry, fields))


def public_digest(entry: Incident | Maintenance | NewsItem, fields: Mapping[str, Any]) -> str:
    """The published digest of one entry: sha256 of its record's `fields` (the
    manifest's JSON of it, less ``digest``) and of the entry's published values the
    record leaves out (body, tags, each service's impact, updates as Markdown).

    Never of the source file's bytes: those hold ``internal_notes`` and YAML
    comments, and a public hash of them is an offline guessing oracle for what they
    say (``srv-417`` falls in 418 guesses). The validated entry holds only what
    the pages, feeds and API show, since ``internal_notes`` is dropped when the file
    is read. The private cache keys (``.statusgen-cache/``) still hash the bytes.
    """
    shown = _fields(entry)
    shown.pop("source")  # where it came from: its path and lines are in `fields`
    blob = json.dumps([fields, shown], sort_keys=True, ensure_ascii=False, default=_plain)
    return hashlib.sha256(blob.encode()).hexdigest()


def _plain(value: object) -> object:
    """JSON for the model's values: times, enums, and the small dataclasses inside."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not plain data: {type(value).__name__}")


_UNTRANSLATED = ("translations", "text_lang")
"""Fields left out of a digest while empty: a site in one language keeps the
digests it had before entries could be translated (and so its manifest)."""


def _fields(value: Any) -> dict[str, Any]:
    shown = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    for name in _UNTRANSLATED:
        if name in shown and not shown[name]:
            del shown[name]
    return shown
