"""The public names of `statusgen.source`, where content files are read.

Kept so that code written against ``statusgen.content`` (tests, benches,
scripts) keeps working; the package imports from `statusgen.source`.
"""

from __future__ import annotations

from .source import (
    MAX_DEPTH,
    MAX_ENTRY_BYTES,
    SUMMARY_MAX,
    Parsed,
    Pending,
    load_content,
    parse_entry,
    parse_time,
    service_hint,
    summary_problems,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_ENTRY_BYTES",
    "SUMMARY_MAX",
    "Parsed",
    "Pending",
    "load_content",
    "parse_entry",
    "parse_time",
    "service_hint",
    "summary_problems",
]
