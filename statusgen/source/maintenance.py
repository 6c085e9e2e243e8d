"""A maintenance window's front-matter: services, start, end, rrule, updates."""

from __future__ import annotations

from datetime import datetime

from yaml.nodes import MappingNode, Node

from ..model import Maintenance, MaintenanceStatus
from ..recurrence import check_rule
from .entries import (
    _check_order,
    _common,
    _count_updates,
    _optional_text,
    _required_time,
    _service_list,
    _source,
    _SourceArgs,
    _updates,
)
from .reader import _Reader
from .times import _before, _fmt


def _maintenance(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    entry_id: str,
    body: str,
    source: _SourceArgs,
) -> Maintenance | None:
    common = _common(reader, fields)
    ids = None
    if "services" not in fields:
        reader.missing("services")
    else:
        line, node = fields["services"]
        if isinstance(node, MappingNode):
            reader.error(
                line,
                "services",
                "a maintenance takes a list of services, without impacts (write e.g. [email, vpn])",
            )
        else:
            ids = _service_list(reader, node, line)
    start = _required_time(reader, fields, "start")
    end = _required_time(reader, fields, "end")
    if start is not None and end is not None and not _before(start, end):
        reader.error(
            fields["end"][0],
            "end",
            f"{_fmt(end)} is not after start {_fmt(start)} (a window ends after it starts)",
        )
    updates = _updates(reader, fields, MaintenanceStatus, "a maintenance status")
    total = _count_updates(fields)
    for index, update, line in updates:
        if update.status is MaintenanceStatus.COMPLETED and index != total:
            reader.error(
                reader.lines.get(f"updates[{index}].status", line),
                f"updates[{index}].status",
                "'completed' is not the last update (only the last update can be completed)",
            )
    _check_order(reader, updates)
    reference = _optional_text(reader, fields, "reference", single_line=True, allow_int=True)
    rrule = _rrule(reader, fields, start, end)
    if reader.has_errors() or ids is None or start is None or end is None:
        return None
    return Maintenance(
        id=entry_id,
        title=common.title,
        service_ids=ids,
        start=start,
        end=end,
        updates=tuple(u for _, u, _ in updates),
        body=body,
        reference=reference,
        draft=common.draft,
        post=common.post,
        post_text=common.post_text,
        source=_source(reader, source),
        rrule=rrule,
    )


def _rrule(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    start: datetime | None,
    end: datetime | None,
) -> str | None:
    """A maintenance window's ``rrule`` (see `recurrence`), checked against its
    first window; each problem is a line of its own."""
    if "rrule" not in fields:
        return None
    line, node = fields["rrule"]
    text = reader.text(node, "rrule", line, required=True, single_line=True)
    if text is None or start is None or end is None or not _before(start, end):
        return None
    rule, problems = check_rule(text, start, end, reader.config.timezone)
    for message in problems:
        reader.error(line, "rrule", message)
    return rule
