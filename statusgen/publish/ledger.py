"""The post ledger: what was posted, and what is still due.

Lektor's FTP publisher records each upload the moment it succeeds; the
ledger does the same for posts. `Ledger.record` rewrites the file
atomically (temp file in the same folder, fsync, ``os.replace``) before
`publish` moves on, so a run that dies half-way has already written down
every post it made, and a re-run skips them.

The ledger lives in the output folder (``_statusgen/ledger.json``), so the
deploy carries it to the live site and the next `publish` reads it back
from there together with the previous manifest.

Besides the posts it keeps the *pending* events: those a run found due but
did not send (over ``publish.max_posts``, rate limited, X down). The next
run diffs against the build deployed after this one, where these changes are
no longer new; pending events are how they still get posted. So "the rest
wait for the next run" holds even when the site is deployed after a failed
or capped publish, which a status page must be.

The ledger is published like every other output, so it holds no text: each
record is an entry's ref (its file name), an event key, the target's post id
and when it was posted, which is what reconciling with the target's own record
needs. `Ledger.pruned` keeps it from growing forever and from keeping the
name of a file that was renamed because a privacy rule forbids it; build and
publish prune it, and the privacy guard searches it with the other outputs.

Records (version 1 throughout; each addition is optional, so an older
ledger reads as it is and an older statusgen ignores what it does not know):

Every record belongs to one target (``target``: ``x``, ``mastodon``,
``bluesky``, a webhook's ``name``, ``email``): each target's events are
posted, pending and refused on their own.

- ``posts``: `PostRecord`; the event keys are ``first``, ``resolved`` and
  ``update:N`` (the N-th update by position). Ledgers written before
  ``update:N`` keyed updates ``<time>/<status>``; `publish` maps those to
  today's keys through the manifests (`diff.legacy_keys`, `Ledger.rekey`).
  A first post may carry ``updates``: how many updates the entry had when it
  was posted (the state it told), so a stale previous build cannot make
  them new again.
- ``pending``: ``{entry, event}`` due but not sent yet, with ``target``
  when it is not ``x`` (added with the other targets: a pending event
  without one is X's, as every one was before).
- ``refused``: `RefusedRecord`, events the target refused for good (a
  poison post): never retried by itself, only by ``publish --retry``.
- ``renamed``: ``{from, to}`` refs of renamed entries (`renames`); their
  records were moved to ``to``, and the old address is a redirect for as
  long as this is kept (pruning it ends the redirect).

Merging (`Ledger.merge`) is a union: a record is never replaced by an
older one or dropped because another copy lacks it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import jsontext
from ..atomic import write_atomic
from ..errors import StatusgenError
from ..privacy import guard

if TYPE_CHECKING:
    from ..model import SiteConfig

LEDGER_VERSION = 1
DEFAULT_TARGET = "x"
"""The target of a record that names none: ledgers from before there were others."""
RETAIN = timedelta(days=30)
"""How long the posts of an entry that is gone from the build stay in the ledger.
Long enough for an entry taken down by mistake, or renamed, to come back to its
thread rather than post again; after that its ref is only a name on a list."""


@dataclass(frozen=True)
class PostRecord:
    entry: str
    """`EntryRecord.ref` of the entry, e.g. ``incidents/2026-11-22-email-delays``."""
    event: str
    """`Event.key`: ``first``, ``resolved`` or an update key."""
    post_id: str | None
    """The target's id of the post; None when the target reported it as a duplicate."""
    target: str
    """The target's name, e.g. ``x``."""
    posted_at: str
    """ISO 8601 UTC time the post was recorded."""
    updates: int | None = None
    """First posts only: how many updates the entry had when posted."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.entry, self.event)


@dataclass(frozen=True)
class RefusedRecord:
    entry: str
    event: str
    reason: str
    """The target's own words, one line."""
    target: str
    refused_at: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.entry, self.event)


Slot = tuple[str, str, str]
"""(target, entry ref, event key): one event on one target."""


class Ledger:
    """Posts made and events pending, per target; bound to a file when `path` is set.

    Each record belongs to one target (its ledger name: ``x``, ``mastodon``, a
    webhook's ``name``): the same event is posted, pending or refused on each
    target on its own. `view` gives one target's records with the API a
    single-target run uses; the per-target methods here take the target as a
    keyword and default to ``x``, which is also what a pending event written
    before there were other targets (no ``target``) belongs to.

    Mutable on purpose: it is the running record of one publish run, and
    every change is written through to the file at once.
    """

    def __init__(
        self,
        posts: Iterable[PostRecord] = (),
        pending: Iterable[tuple[str, str] | tuple[str, str, str]] = (),
        path: Path | None = None,
        refused: Iterable[RefusedRecord] = (),
    ) -> None:
        self._posts: dict[Slot, PostRecord] = {}
        self._threads: dict[tuple[str, str], dict[str, PostRecord]] = {}
        """(target, entry) -> its posts by event: `covered` and `first_post` are asked
        once per entry of a build, so scanning every post each time was quadratic."""
        for post in posts:
            self._add(post)
        self._refused: dict[Slot, RefusedRecord] = {
            _slot(r): r for r in refused if _slot(r) not in self._posts
        }
        # (entry, event, target), or (entry, event): X's, as every pending event
        # was before there were other targets.
        slots = {(p[2] if len(p) == 3 else DEFAULT_TARGET, p[0], p[1]) for p in pending}
        self._pending: set[Slot] = slots - self._posts.keys() - self._refused.keys()
        self._renamed: dict[str, str] = {}
        self.path = path
        self.copy: Path | None = None
        """A second file written with every save (publish's copy in .statusgen-cache)."""

    # --- reading ---------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes, path: Path | None = None) -> Ledger:
        """Parse a ledger; a corrupt one is an error, since ignoring it could post twice."""
        try:
            raw = json.loads(data.decode("utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("expected a JSON object")
            if raw.get("version") != LEDGER_VERSION:
                raise ValueError(f"unsupported version {raw.get('version')!r}")
            posts = [_post_from_json(p) for p in raw.get("posts", [])]
            pending = [_pending_from_json(p) for p in raw.get("pending", [])]
            refused = [_refused_from_json(r) for r in raw.get("refused", [])]
            renamed = [_renamed_from_json(r) for r in raw.get("renamed", [])]
        except (UnicodeDecodeError, ValueError, TypeError, KeyError) as exc:
            raise StatusgenError(f"corrupt post ledger ({exc})") from None
        ledger = cls(posts, pending, path, refused)
        ledger._renamed = dict(renamed)
        return ledger

    @classmethod
    def load(cls, path: Path) -> Ledger:
        """The ledger at `path`, bound to it; a missing file is an empty ledger."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(path=path)
        except OSError as exc:
            raise StatusgenError(f"{path}: cannot read the post ledger ({exc.strerror})") from None
        try:
            return cls.from_bytes(data, path)
        except StatusgenError as exc:
            raise StatusgenError(f"{path}: {exc}") from None

    def view(self, target: str) -> TargetLedger:
        """`target`'s records, read and written through this ledger."""
        return TargetLedger(self, target)

    @property
    def posts(self) -> tuple[PostRecord, ...]:
        """Every target's posts (each record names its target)."""
        return tuple(
            sorted(self._posts.values(), key=lambda p: (p.posted_at, p.entry, p.event, p.target))
        )

    @property
    def pending(self) -> tuple[tuple[str, str], ...]:
        """The pending events of every target, as (entry, event), one per target."""
        return tuple(sorted((e, k) for _, e, k in self._pending))

    @property
    def pending_slots(self) -> tuple[Slot, ...]:
        return tuple(sorted(self._pending))

    @property
    def refused(self) -> tuple[RefusedRecord, ...]:
        return tuple(sorted(self._refused.values(), key=lambda r: (r.entry, r.event, r.target)))

    @property
    def renamed(self) -> tuple[tuple[str, str], ...]:
        """(old ref, new ref) of each renamed entry."""
        return tuple(sorted(self._renamed.items()))

    def has(self, entry: str, event: str, target: str = DEFAULT_TARGET) -> bool:
        return (target, entry, event) in self._posts

    def is_refused(self, entry: str, event: str, target: str = DEFAULT_TARGET) -> bool:
        return (target, entry, event) in self._refused

    def is_empty(self) -> bool:
        return not (self._posts or self._pending or self._refused)

    def event_keys(self, target: str | None = None) -> set[tuple[str, str]]:
        """Every (entry, event) the ledger holds, posted, pending or refused; of
        one target, or (None) of any."""
        slots = set(self._posts) | self._pending | set(self._refused)
        return {(e, k) for t, e, k in slots if target in (None, t)}

    def covered(self, entry: str, unknown: int, target: str = DEFAULT_TARGET) -> int | None:
        """How many of the entry's updates its posts told followers of; None
        when nothing of the entry was posted. A first post recorded without
        its count (older ledgers) counts as `unknown`."""
        mine = list(self._threads.get((target, entry), {}).values())
        if not mine:
            return None
        told = [
            unknown if p.event == "first" and p.updates is None else p.updates or 0 for p in mine
        ]
        for post in mine:
            number = post.event.removeprefix("update:")
            if post.event.startswith("update:") and number.isdigit():
                told.append(int(number))
        return max(told)

    def first_post(self, entry: str, target: str = DEFAULT_TARGET) -> str | None:
        """The id of the entry's first post, the root of its thread; None when unknown."""
        mine = [p for p in self._threads.get((target, entry), {}).values() if p.post_id]
        if not mine:
            return None
        first = [p for p in mine if p.event == "first"]
        return min(first or mine, key=lambda p: (p.posted_at, p.event)).post_id

    def merge(self, other: Ledger) -> Ledger:
        """Both ledgers' posts and pending events; bound to this ledger's file.

        On a clash the post with a real id wins (a later duplicate answer
        knows no id), then the earlier one.
        """
        merged = Ledger(self._posts.values(), path=self.path)
        merged.copy = self.copy
        for post in other._posts.values():
            merged._add(post)
        refused = {**other._refused, **self._refused}
        merged._refused = {k: r for k, r in refused.items() if k not in merged._posts}
        merged._pending = (self._pending | other._pending) - merged._posts.keys()
        merged._pending -= merged._refused.keys()
        merged._renamed = {**other._renamed, **self._renamed}
        return merged

    def move(self, old: str, new: str) -> None:
        """Move every record of entry `old` to `new` (a rename), on every target; in memory."""
        posts = list(self._posts.values())
        self._posts, self._threads = {}, {}
        for post in posts:
            self._add(replace(post, entry=new) if post.entry == old else post)
        refused = [replace(r, entry=new) if r.entry == old else r for r in self._refused.values()]
        self._refused = {_slot(r): r for r in refused}
        self._pending = {(t, new if e == old else e, k) for t, e, k in self._pending}
        self._pending -= self._posts.keys() | self._refused.keys()
        # An entry renamed twice: every old address leads to the newest.
        self._renamed = {o: (new if n == old else n) for o, n in self._renamed.items()}
        self._renamed[old] = new
        self._renamed.pop(new, None)

    def rekey(self, mapping: dict[tuple[str, str], str]) -> None:
        """Rename event keys (old ledgers' update keys to today's), on every target; in memory."""
        posts = list(self._posts.values())
        self._posts, self._threads = {}, {}
        for post in posts:
            new = mapping.get(post.key)
            self._add(replace(post, event=new) if new else post)
        refused = [replace(r, event=mapping.get(r.key, r.event)) for r in self._refused.values()]
        self._refused = {_slot(r): r for r in refused}
        self._pending = {(t, e, mapping.get((e, k), k)) for t, e, k in self._pending}
        self._pending -= self._posts.keys() | self._refused.keys()

    def pruned(
        self,
        entries: Collection[str],
        now: datetime,
        forbidden: Callable[[str], bool] = lambda ref: False,
    ) -> Ledger:
        """The records still worth keeping, of every target, bound to this ledger's file.

        `entries` are the refs of the entries in the build the ledger goes out
        with: every post of theirs is kept (what was sent, and the root of each
        thread), and their pending events. Of an entry that is gone, only posts
        made less than `RETAIN` before `now` are kept, and none whose ref
        `forbidden` matches (a file renamed because a privacy rule names it: its
        old name must not stay published, even at the cost of its thread). A
        gone entry's pending events are dropped: nothing posts for an entry
        the build does not hold.
        """
        cutoff = now - RETAIN

        def keep(post: PostRecord) -> bool:
            if post.entry in entries:
                return True
            if forbidden(post.entry):
                return False
            when = _parse_time(post.posted_at)
            return when is not None and when >= cutoff

        posts = [p for p in self._posts.values() if keep(p)]
        pending = [(e, k, t) for t, e, k in self._pending if e in entries]
        refused = [r for r in self._refused.values() if r.entry in entries]
        kept = Ledger(posts, pending, self.path, refused)
        # A rename is kept while its new entry is built and the old name may be
        # published: it is what keeps the old address a redirect.
        kept._renamed = {
            old: new for old, new in self._renamed.items() if new in entries and not forbidden(old)
        }
        kept.copy = self.copy
        return kept

    # --- writing ---------------------------------------------------------------

    def record(
        self,
        entry: str,
        event: str,
        post_id: str | None,
        target: str,
        posted_at: str,
        updates: int | None = None,
        also: Iterable[str] = (),
    ) -> PostRecord:
        """Add a post and write the ledger before returning; `also`: further
        event keys the same post told (a first post of a resolved incident)."""
        post = PostRecord(entry, event, post_id, target, posted_at, updates)
        for key in (event, *also):
            self._add(replace(post, event=key))
            self._pending.discard((target, entry, key))
            self._refused.pop((target, entry, key), None)
        self.save()
        return post

    def refuse(self, entry: str, event: str, reason: str, target: str, at: str) -> None:
        """Mark an event refused for good on `target` and write the ledger."""
        self._refused[(target, entry, event)] = RefusedRecord(entry, event, reason, target, at)
        self._pending.discard((target, entry, event))
        self.save()

    def retry(
        self, entry: str, event: str | None, target: str | None = None
    ) -> list[tuple[str, str]]:
        """Make refused events of `entry` (all, or `event`) pending again, on
        `target` or (None) on every target that refused them; in memory."""
        slots = [
            s
            for s in self._refused
            if s[1] == entry and event in (None, s[2]) and target in (None, s[0])
        ]
        for slot in slots:
            del self._refused[slot]
            self._pending.add(slot)
        return sorted({(e, k) for _, e, k in slots})

    def set_pending(self, events: Iterable[tuple[str, str]], target: str = DEFAULT_TARGET) -> None:
        """Replace `target`'s pending events and write the ledger."""
        others = {s for s in self._pending if s[0] != target}
        mine = {(target, e, k) for e, k in events}
        self._pending = others | (mine - self._posts.keys() - self._refused.keys())
        self.save()

    def to_bytes(self) -> bytes:
        posts = [
            {k: v for k, v in asdict(p).items() if v is not None or k == "post_id"}
            for p in self.posts
        ]
        # A pending event of X is written as before there were other targets,
        # so a ledger of an X-only site reads the same to an older statusgen.
        pending = [
            {"entry": e, "event": k, **({} if t == DEFAULT_TARGET else {"target": t})}
            for t, e, k in sorted(self._pending, key=lambda s: (s[1], s[2], s[0]))
        ]
        data: dict[str, Any] = {"version": LEDGER_VERSION, "posts": posts, "pending": pending}
        if self._refused:
            data["refused"] = [asdict(r) for r in self.refused]
        if self._renamed:
            data["renamed"] = [{"from": o, "to": n} for o, n in self.renamed]
        return jsontext.dump(data, indent=1, sort_keys=True)

    def save(self) -> None:
        """Write the ledger atomically, and its copy; a ledger without a path is
        only in memory."""
        if self.path is not None:
            data = self.to_bytes()
            write_atomic(self.path, data)
            if self.copy is not None:
                self.copy.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(self.copy, data)

    def _add(self, post: PostRecord) -> None:
        slot = _slot(post)
        known = self._posts.get(slot)
        # A real id beats a duplicate answer (which knows none); then the earlier post wins.
        rank = (post.post_id is None, post.posted_at)
        if known is None or rank < (known.post_id is None, known.posted_at):
            self._posts[slot] = post
            self._threads.setdefault((post.target, post.entry), {})[post.event] = post


class TargetLedger:
    """One target's records in a `Ledger`: the API of a single-target run,
    each change written through to the whole ledger (and its file)."""

    def __init__(self, ledger: Ledger, target: str) -> None:
        self.ledger = ledger
        self.target = target

    @property
    def posts(self) -> tuple[PostRecord, ...]:
        return tuple(p for p in self.ledger.posts if p.target == self.target)

    @property
    def pending(self) -> tuple[tuple[str, str], ...]:
        return tuple((e, k) for t, e, k in self.ledger.pending_slots if t == self.target)

    @property
    def refused(self) -> tuple[RefusedRecord, ...]:
        return tuple(r for r in self.ledger.refused if r.target == self.target)

    def has(self, entry: str, event: str) -> bool:
        return self.ledger.has(entry, event, self.target)

    def is_refused(self, entry: str, event: str) -> bool:
        return self.ledger.is_refused(entry, event, self.target)

    def event_keys(self) -> set[tuple[str, str]]:
        return self.ledger.event_keys(self.target)

    def covered(self, entry: str, unknown: int) -> int | None:
        return self.ledger.covered(entry, unknown, self.target)

    def first_post(self, entry: str) -> str | None:
        return self.ledger.first_post(entry, self.target)

    def record(
        self,
        entry: str,
        event: str,
        post_id: str | None,
        posted_at: str,
        updates: int | None = None,
        also: Iterable[str] = (),
    ) -> PostRecord:
        return self.ledger.record(entry, event, post_id, self.target, posted_at, updates, also)

    def refuse(self, entry: str, event: str, reason: str, at: str) -> None:
        self.ledger.refuse(entry, event, reason, self.target, at)

    def retry(self, entry: str, event: str | None) -> list[tuple[str, str]]:
        return self.ledger.retry(entry, event, self.target)

    def set_pending(self, events: Iterable[tuple[str, str]]) -> None:
        self.ledger.set_pending(events, self.target)

    def move(self, old: str, new: str) -> None:
        """A rename found on this target moves the entry's records on every target."""
        self.ledger.move(old, new)


def _slot(record: PostRecord | RefusedRecord) -> Slot:
    return (record.target, record.entry, record.event)


def prune(ledger: Ledger, entries: Collection[str], now: datetime, config: SiteConfig) -> Ledger:
    """`Ledger.pruned` under the site's privacy rules."""
    rules = guard(config)
    if rules is None:
        return ledger.pruned(entries, now)
    return ledger.pruned(entries, now, lambda ref: next(rules.findall(ref), None) is not None)


def _parse_time(text: str) -> datetime | None:
    """An aware time from the ledger; None for one that is not (a hand edit)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _post_from_json(raw: Any) -> PostRecord:
    if not isinstance(raw, dict):
        raise ValueError("a post is not an object")
    values = {name: raw[name] for name in ("entry", "event", "post_id", "target", "posted_at")}
    for name, value in values.items():
        if not isinstance(value, str) and not (name == "post_id" and value is None):
            raise ValueError(f"post field {name!r} should be text")
    updates = raw.get("updates")
    if updates is not None and (not isinstance(updates, int) or isinstance(updates, bool)):
        raise ValueError("post field 'updates' should be a number")
    return PostRecord(**values, updates=updates)


def _refused_from_json(raw: Any) -> RefusedRecord:
    if not isinstance(raw, dict):
        raise ValueError("a refused event is not an object")
    names = ("entry", "event", "reason", "target", "refused_at")
    values = {name: raw[name] for name in names}
    if not all(isinstance(v, str) for v in values.values()):
        raise ValueError("refused event fields should be text")
    return RefusedRecord(**values)


def _pending_from_json(raw: Any) -> tuple[str, str, str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("entry"), str):
        raise ValueError("a pending event is not an object with 'entry' and 'event'")
    if not isinstance(raw.get("event"), str):
        raise ValueError("a pending event has no 'event'")
    target = raw.get("target", DEFAULT_TARGET)
    if not isinstance(target, str):
        raise ValueError("a pending event's 'target' should be text")
    return (raw["entry"], raw["event"], target)


def _renamed_from_json(raw: Any) -> tuple[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("from", "to")):
        raise ValueError("a renamed entry is not an object with 'from' and 'to'")
    return (raw["from"], raw["to"])
