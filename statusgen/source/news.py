"""A news item's front-matter: date, a plain-text summary, tags."""

from __future__ import annotations

import re

from yaml.nodes import Node, ScalarNode, SequenceNode

from ..model import NewsItem
from .entries import _common, _required_time, _source, _SourceArgs
from .reader import _NULL, _describe, _raw, _Reader

SUMMARY_MAX = 200
"""Longest news summary, in characters (it is shown in lists and feeds)."""
_MARKUP_RE = re.compile(r"[<*_\[`]")


def _news(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    entry_id: str,
    body: str,
    source: _SourceArgs,
) -> NewsItem | None:
    common = _common(reader, fields)
    when = _required_time(reader, fields, "date", allow_date=True)
    summary = None
    if "summary" not in fields:
        reader.missing("summary")
    else:
        line, node = fields["summary"]
        summary = reader.text(node, "summary", line, required=True, single_line=True)
        for message in summary_problems(summary or ""):
            reader.error(line, "summary", message)
    tags = _tags(reader, fields)
    if reader.has_errors() or when is None or summary is None or tags is None:
        return None
    return NewsItem(
        id=entry_id,
        title=common.title,
        date=when,
        summary=summary,
        body=body,
        tags=tags,
        draft=common.draft,
        post=common.post,
        post_text=common.post_text,
        source=_source(reader, source),
    )


def _tags(reader: _Reader, fields: dict[str, tuple[int, Node]]) -> tuple[str, ...] | None:
    if "tags" not in fields:
        return ()
    line, node = fields["tags"]
    if isinstance(node, ScalarNode) and node.tag == _NULL:
        return ()
    if not isinstance(node, SequenceNode):
        reader.error(
            line, "tags", f"expected a list, got {_describe(node)} (write e.g. [{_raw(node)}])"
        )
        return None
    tags: list[str] = []
    for number, item in enumerate(node.value, 1):
        field = f"tags[{number}]"
        item_line = reader.line(item)
        reader.lines[field] = item_line
        tag = reader.text(item, field, item_line, required=True, single_line=True)
        if tag is not None:
            tags.append(tag)
    return tuple(tags) if len(tags) == len(node.value) else None


def summary_problems(summary: str) -> list[str]:
    """What is wrong with a news summary: it is shown as plain text in lists,
    feeds and posts, so no markup, and at most `SUMMARY_MAX` characters."""
    problems = []
    bad = _MARKUP_RE.search(summary)
    if bad is not None:
        problems.append(f"contains '{bad.group()}' (plain text only: no Markdown or HTML)")
    if len(summary) > SUMMARY_MAX:
        problems.append(f"is {len(summary)} characters (at most {SUMMARY_MAX})")
    return problems
