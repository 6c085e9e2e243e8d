"""An incident's front-matter: services with their impact, started, resolved, updates."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode

from ..model import AffectedService, Impact, Incident, IncidentStatus
from .entries import (
    _check_order,
    _common,
    _optional_text,
    _required_time,
    _service_list,
    _source,
    _SourceArgs,
    _updates,
)
from .reader import _NULL, _Reader
from .times import _before, _fmt


def _incident(
    reader: _Reader,
    fields: dict[str, tuple[int, Node]],
    entry_id: str,
    body: str,
    source: _SourceArgs,
) -> Incident | None:
    common = _common(reader, fields)
    services = _incident_services(reader, fields)
    started = _required_time(reader, fields, "started")
    resolved = None
    if "resolved" in fields:
        line, node = fields["resolved"]
        if not (isinstance(node, ScalarNode) and node.tag == _NULL):
            resolved = reader.time(node, "resolved", line)
            if resolved is not None and started is not None and _before(resolved, started):
                reader.error(
                    line,
                    "resolved",
                    f"{_fmt(resolved)} is before started {_fmt(started)} "
                    "(an incident is resolved after it starts)",
                )
    updates = _updates(reader, fields, IncidentStatus, "an incident status")
    final = IncidentStatus.RESOLVED
    review = IncidentStatus.POSTMORTEM
    for index, update, line in updates:
        at = f"updates[{index}].at"
        if started is not None and _before(update.at, started):
            reader.error(
                line,
                at,
                f"{_fmt(update.at)} is before started {_fmt(started)} "
                "(an update comes at or after the start)",
            )
        # A post-incident review is written after the resolution, so only it may
        # come after `resolved` or after the resolved update.
        if update.status is not review and resolved is not None and _before(resolved, update.at):
            reader.error(
                line,
                at,
                f"{_fmt(update.at)} is after resolved {_fmt(resolved)} "
                "(move 'resolved' to the last update, or fix this time)",
            )
        if update.status is final:
            later = next(
                ((n, u) for n, u, _ in updates if n > index and u.status is not review), None
            )
            if later is not None:
                reader.error(
                    reader.lines.get(f"updates[{index}].status", line),
                    f"updates[{index}].status",
                    f"'resolved' is followed by '{later[1].status.value}' in updates[{later[0]}] "
                    "(only 'postmortem' updates may follow the resolved one)",
                )
    _check_order(reader, updates)
    closing = [u for _, u, _ in updates if u.status is not review]
    if resolved is None and closing and closing[-1].status is final:
        resolved = closing[-1].at
    for index, update, line in updates:
        if update.status is not review:
            continue
        field = f"updates[{index}].status"
        if resolved is None:
            reader.error(
                reader.lines.get(field, line),
                field,
                "'postmortem' on an incident that is not resolved "
                "(a post-incident review follows a 'resolved' update or 'resolved:')",
            )
        elif _before(update.at, resolved):
            reader.error(
                line,
                f"updates[{index}].at",
                f"{_fmt(update.at)} is before resolved {_fmt(resolved)} "
                "(a post-incident review comes after the resolution)",
            )
    reference = _optional_text(reader, fields, "reference", single_line=True, allow_int=True)
    if reader.has_errors() or services is None or started is None:
        return None
    return Incident(
        id=entry_id,
        title=common.title,
        services=services,
        started=started,
        resolved=resolved,
        updates=tuple(u for _, u, _ in updates),
        body=body,
        reference=reference,
        draft=common.draft,
        post=common.post,
        post_text=common.post_text,
        source=_source(reader, source),
    )


def _incident_services(
    reader: _Reader, fields: dict[str, tuple[int, Node]]
) -> tuple[AffectedService, ...] | None:
    """``services`` as a list (with one ``impact``) or a map id -> impact."""
    impacts = [i.value for i in Impact]
    impact_field = fields.get("impact")
    if "services" not in fields:
        reader.missing("services")
        return None
    line, node = fields["services"]
    if isinstance(node, MappingNode):
        if not node.value:
            reader.error(line, "services", "is empty (list at least one service, e.g. [email])")
            return None
        if impact_field is not None:
            reader.error(
                impact_field[0], "impact", "give impact per service in the map, or use a list"
            )
        out: list[AffectedService] = []
        for key, (item_line, value) in reader.mapping(node, "services").items():
            field = f"services.{key}"
            service = reader.service_id(key, field, item_line)
            impact = reader.choice(value, field, item_line, impacts, "an impact")
            if service is not None and impact is not None:
                out.append(AffectedService(service, Impact(impact)))
        return tuple(out)
    ids = _service_list(reader, node, line)
    impact = None
    if impact_field is None:
        reader.missing("impact")
    else:
        impact = reader.choice(impact_field[1], "impact", impact_field[0], impacts, "an impact")
    if ids is None or impact is None:
        return None
    return tuple(AffectedService(s, Impact(impact)) for s in ids)
