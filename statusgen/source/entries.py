"""What every kind of entry shares: its keys, its kind, the common fields,
the service list and the updates. The kinds themselves are `incident`,
`maintenance` and `news`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import closest
from ..model import EntryKind, IncidentStatus, MaintenanceStatus, Source, Update
from .reader import _NULL, _describe, _raw, _Reader
from .times import _before, _fmt
from .translations import translation_key, update_translations

_BODY_KEY_RE = re.compile(r"[ \t]*(?:-[ \t]+)?(?P<key>[a-z_]+):(?:[ \t]|$)")

# --- the keys of each kind ------------------------------------------------------------

_INCIDENT_KEYS = (
    "kind",
    "title",
    "services",
    "impact",
    "started",
    "resolved",
    "reference",
    "updates",
    "draft",
    "post",
    "post_text",
    "internal_notes",
)
_MAINTENANCE_KEYS = (
    "kind",
    "title",
    "services",
    "start",
    "end",
    "rrule",
    "reference",
    "updates",
    "draft",
    "post",
    "post_text",
    "internal_notes",
)
_NEWS_KEYS = (
    "kind",
    "title",
    "date",
    "summary",
    "tags",
    "draft",
    "post",
    "post_text",
    "internal_notes",
)
_KEYS = {
    EntryKind.INCIDENT: _INCIDENT_KEYS,
    EntryKind.MAINTENANCE: _MAINTENANCE_KEYS,
    EntryKind.NEWS: _NEWS_KEYS,
}
_UPDATE_KEYS = ("at", "status", "message")


def _front_matter_in_body(reader: _Reader, body: str, line: int, keys: Iterable[str]) -> None:
    """An update pasted below the closing ``---`` is body text, and the
    incident stays open: a body whose first line reads as a key of the entry
    (``- at: ...``, ``status: resolved``) is refused."""
    first = body.split("\n", 1)[0]
    match = _BODY_KEY_RE.match(first)
    if match is None or match["key"] not in (*keys, *_UPDATE_KEYS):
        return
    reader.error(
        line,
        "-",
        f"'{match['key']}:' is below the closing '---', so it is text of the page, not a "
        f"field (move it above the '---' on line {len(reader.front_lines) + 1})",
    )


def _kind(reader: _Reader, fields: dict[str, tuple[int, Node]], folder: str) -> EntryKind | None:
    """The entry's kind: news by folder; incident unless ``kind`` says otherwise.

    A misspelt kind with a close match is reported and then read as that
    match, so the rest of the file is still checked; with no match, the
    keys cannot be checked and the file stops here.
    """
    given = fields.get("kind")
    incident_keys = [k for k in ("started", "start", "impact", "updates") if k in fields]
    news_keys = [k for k in ("date", "summary") if k in fields]
    if folder == "news" and given is None and incident_keys and not news_keys:
        shown = " and ".join(f"'{k}'" for k in incident_keys[:2])
        reader.error(
            fields[incident_keys[0]][0],
            "-",
            f"this is an incident or maintenance (it has {shown}), but content/news/ holds "
            "news (move the file to content/incidents/)",
        )
        return None
    if folder == "incidents" and given is None and news_keys and not incident_keys:
        shown = " and ".join(f"'{k}'" for k in news_keys)
        reader.error(
            fields[news_keys[0]][0],
            "-",
            f"this is news (it has {shown}), but content/incidents/ holds incidents and "
            "maintenance (move the file to content/news/)",
        )
        return None
    if folder == "news":
        if given is not None:
            line, node = given
            if not (isinstance(node, ScalarNode) and node.value.strip() == "news"):
                reader.error(
                    line,
                    "kind",
                    f"a file in content/news/ is news, not '{_raw(node)}' (remove 'kind', "
                    "or move the file to content/incidents/)",
                )
        return EntryKind.NEWS
    if given is None:
        return EntryKind.INCIDENT
    line, node = given
    if _raw(node) == "news":
        reader.error(line, "kind", "news goes in content/news/ (move the file there)")
        return None
    options = ["incident", "maintenance"]
    word = reader.choice(node, "kind", line, options, "a kind")
    if word is None:
        match = closest(_raw(node), options)
        return EntryKind(match) if match else None
    return EntryKind(word)


# --- what every kind has ---------------------------------------------------------

_SourceArgs = tuple[str, int, str]


def _source(reader: _Reader, args: _SourceArgs) -> Source:
    path, body_line, digest = args
    return Source(path, MappingProxyType(dict(reader.lines)), body_line, digest)


class _Common(NamedTuple):
    title: str
    draft: bool
    post: bool
    post_text: str | None


def _common(reader: _Reader, fields: dict[str, tuple[int, Node]]) -> _Common:
    """Fields every kind has: title, draft, post, post_text. A bad value is
    reported and replaced by its default (the entry is dropped anyway)."""
    title = None
    if "title" in fields:
        line, node = fields["title"]
        title = reader.text(node, "title", line, required=True, single_line=True)
    else:
        reader.missing("title")
    flags = {"draft": False, "post": True}
    for key in flags:
        if key in fields:
            line, node = fields[key]
            value = reader.flag(node, key, line)
            if value is not None:
                flags[key] = value
    post_text = None
    if "post_text" in fields:
        line, node = fields["post_text"]
        post_text = reader.text(node, "post_text", line)
    return _Common(title or "", flags["draft"], flags["post"], post_text)


def _optional_text(
    reader: _Reader, fields: dict[str, tuple[int, Node]], key: str, **kwargs: bool
) -> str | None:
    if key not in fields:
        return None
    line, node = fields[key]
    return reader.text(node, key, line, **kwargs)


def _required_time(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    key: str,
    *,
    prefix: str = "",
    allow_date: bool = False,
    missing_line: int = 1,
) -> datetime | None:
    name = f"{prefix}{key}"
    if key not in fields:
        reader.missing(name, key, missing_line)
        return None
    line, node = fields[key]
    return reader.time(node, name, line, allow_date=allow_date)


def _service_list(reader: _Reader, node: Node, line: int) -> tuple[str, ...] | None:
    """A non-empty list of known, distinct service ids."""
    if not isinstance(node, SequenceNode):
        if isinstance(node, ScalarNode) and not node.value.strip():
            reader.error(line, "services", "is empty (list at least one service, e.g. [email])")
        else:
            reader.error(
                line,
                "services",
                f"expected a list, got {_describe(node)} (write e.g. [{_raw(node) or 'email'}])",
            )
        return None
    if not node.value:
        reader.error(line, "services", "is empty (list at least one service, e.g. [email])")
        return None
    ids: list[str] = []
    first: dict[str, int] = {}
    ok = True
    for number, item in enumerate(node.value, 1):
        field = f"services[{number}]"
        item_line = reader.line(item)
        reader.lines[field] = item_line
        if not isinstance(item, ScalarNode):
            reader.error(item_line, field, f"expected a service id, got {_describe(item)}")
            ok = False
            continue
        service = reader.service_id(item.value.strip(), field, item_line)
        if service is None:
            ok = False
        elif service in first:
            reader.error(
                item_line,
                field,
                f"'{service}' is listed twice (first as services[{first[service]}]; keep one)",
            )
            ok = False
        else:
            first[service] = number
            ids.append(service)
    return tuple(ids) if ok else None


def _count_updates(fields: dict[str, tuple[int, Node]]) -> int:
    node = fields.get("updates", (0, None))[1]
    return len(node.value) if isinstance(node, SequenceNode) else 0


def _updates(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    statuses: type[IncidentStatus] | type[MaintenanceStatus],
    what: str,
) -> list[tuple[int, Update, int]]:
    """The valid updates as (1-based index, update, line of ``at``)."""
    if "updates" not in fields:
        return []
    line, node = fields["updates"]
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return []
    if not isinstance(node, SequenceNode):
        reader.error(
            line,
            "updates",
            f"expected a list of updates, got {_describe(node)} "
            "(each item: '- at: ...', 'status: ...', 'message: ...')",
        )
        return []
    out: list[tuple[int, Update, int]] = []
    choices = [s.value for s in statuses]
    for index, item in enumerate(node.value, 1):
        prefix = f"updates[{index}]"
        item_line = reader.line(item)
        reader.lines[prefix] = item_line
        if not isinstance(item, MappingNode):
            reader.error(
                item_line,
                prefix,
                f"expected an update, got {_describe(item)} (give at, status and message)",
            )
            continue
        parts = reader.mapping(item, prefix)
        for key, (key_line, _) in parts.items():
            field = f"{prefix}.{key}"
            translated = translation_key(reader, key_line, field, ("message",))
            if key not in _UPDATE_KEYS and not translated:
                reader.unknown_key(key_line, field, key, _UPDATE_KEYS, prefix)
        at = _required_time(reader, parts, "at", prefix=f"{prefix}.", missing_line=item_line)
        status = None
        if "status" in parts:
            s_line, s_node = parts["status"]
            status = reader.choice(s_node, f"{prefix}.status", s_line, choices, what)
        else:
            reader.missing(f"{prefix}.status", "status", item_line)
        message = None
        if "message" in parts:
            m_line, m_node = parts["message"]
            message = reader.text(m_node, f"{prefix}.message", m_line, required=True)
        else:
            reader.missing(f"{prefix}.message", "message", item_line)
        if at is not None and status is not None and message is not None:
            at_line = parts["at"][0]
            texts = update_translations(reader, parts, prefix)
            out.append((index, Update(at, statuses(status), message, texts), at_line))
    return out


def _check_order(reader: _Reader, updates: list[tuple[int, Update, int]]) -> None:
    """Updates oldest first; no two with the same time and status (their key)."""
    for (prev_index, prev, _), (index, update, line) in itertools.pairwise(updates):
        if _before(update.at, prev.at):
            reader.error(
                line,
                f"updates[{index}].at",
                f"{_fmt(update.at)} is before updates[{prev_index}] at {_fmt(prev.at)} "
                "(list updates oldest first)",
            )
        elif update.key() == prev.key():
            reader.error(
                line,
                f"updates[{index}].at",
                f"same time and status as updates[{prev_index}] (merge them, or fix the time)",
            )
