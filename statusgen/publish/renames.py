"""Renamed entries: a slug fixed after the entry was posted keeps its thread.

An entry is *renamed* when, between two builds, one entry is gone and one is
new that is the same thing under another id: the same kind, the same start
(``started``, ``start`` or ``date``, as an instant), and the same first
update (time, status and message), or no updates in either. Exactly one on
each side, or it is not taken for a rename.

`publish` then moves the ledger's records from the old ref to the new one
(the thread goes on under the first post), diffs the new entry against the
old one's previous record (nothing is new but what changed), and keeps the
move in the ledger, for as long as the ledger remembers it, so that every
run writes a redirect page at the old address (posted links keep working;
`redirect_pages`). `check` warns when an entry it checks is the rename of one
that was posted (`rename_warnings`): it reads the output folder's manifest
and ledger, and nothing when there are none.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from ..errors import Problem, Severity, StatusgenError
from ..manifest import LEDGER_PATH, MANIFEST_PATH, EntryRecord, Manifest, build_manifest
from ..model import Site, SiteConfig
from ..urls import absolute, entry_path
from .ledger import Ledger

_REF = re.compile(r"(incidents|news)/[A-Za-z0-9][A-Za-z0-9._-]*")
"""A ref a redirect page may be written for: never a path out of its folder."""


def _identity(record: EntryRecord) -> tuple[object, ...]:
    first = record.updates[0] if record.updates else None
    update = (
        None if first is None else (datetime.fromisoformat(first.at), first.status, first.message)
    )
    return (record.kind, datetime.fromisoformat(record.time), update)


def renames(previous: Manifest, current: Manifest) -> list[tuple[str, str]]:
    """(old ref, new ref) of each entry renamed between the two builds."""
    gone = [r for r in previous.entries if current.entry(r.ref) is None and not r.draft]
    new = [r for r in current.entries if previous.entry(r.ref) is None and not r.draft]
    pairs = []
    for old in gone:
        same = [r for r in new if _identity(r) == _identity(old)]
        if len(same) != 1:
            continue
        twins = [r for r in gone if _identity(r) == _identity(same[0])]
        if len(twins) == 1:
            pairs.append((old.ref, same[0].ref))
    return sorted(pairs)


def as_renamed(previous: Manifest, pairs: list[tuple[str, str]], current: Manifest) -> Manifest:
    """The previous build with each renamed entry's record under its new ref."""
    moved = dict(pairs)
    entries = []
    for record in previous.entries:
        new = current.entry(moved[record.ref]) if record.ref in moved else None
        if new is not None:
            record = replace(record, id=new.id, path=new.path, link=new.link)
        entries.append(record)
    return replace(previous, entries=tuple(sorted(entries, key=lambda r: r.ref)))


def redirect_pages(config: SiteConfig, ledger: Ledger, current: Manifest) -> dict[str, bytes]:
    """``incidents/<old-id>/index.html`` for each move the ledger remembers whose
    new entry is in this build and whose old address is not taken again."""
    from ..render.html import redirect_page  # only when there is a move to serve

    pages = {}
    for old, new in ledger.renamed:
        if not _REF.fullmatch(old) or current.entry(old) is not None:
            continue
        record = current.entry(new)
        if record is not None:
            pages[f"{old}/index.html"] = redirect_page(config, absolute(config, record.path))
    return pages


def rename_warnings(site: Site, output_dir: Path, now: datetime) -> list[Problem]:
    """A warning for each entry of `site` that renames a posted one (cheap: only
    the output folder's manifest and ledger are read, and only new entries built)."""
    try:
        previous = Manifest.from_bytes((output_dir / MANIFEST_PATH).read_bytes())
        ledger = Ledger.from_bytes((output_dir / LEDGER_PATH).read_bytes())
    except (OSError, StatusgenError):
        return []
    refs = {entry_path(e).rstrip("/") for e in (*site.incidents, *site.maintenances, *site.news)}
    gone = [r for r in previous.entries if r.ref not in refs]
    posted = {p.entry for p in ledger.posts}
    if not any(r.ref in posted for r in gone):
        return []
    from ..status import derive  # only when a posted entry is gone

    def new(entries: tuple) -> tuple:
        return tuple(e for e in entries if previous.entry(entry_path(e).rstrip("/")) is None)

    small = replace(
        site,
        incidents=new(site.incidents),
        maintenances=new(site.maintenances),
        news=new(site.news),
    )
    current = build_manifest(small, derive(small, now), None)
    found = []
    for old, ref in renames(replace(previous, entries=tuple(gone)), current):
        record = current.entry(ref)
        if record is None or old not in posted:
            continue
        found.append(
            Problem(
                record.source,
                None,
                "-",
                f"renamed from {old}, which was posted to X: publish keeps the thread and "
                f"makes /{old}/ a redirect here (rename it back if the old address was right)",
                Severity.WARNING,
            )
        )
    return found
