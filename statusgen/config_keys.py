"""What every part of site.toml's parsing shares: a key's declaration, the
lines keys are on (tomllib keeps no positions), kinds and did-you-mean.

Its own module so that `config` and `config_publish` both use it without
importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import closest

ARRAY_TABLES = ("services", "publish.webhooks")
"""Tables written ``[[name]]``, one per item: their keys are found per item."""


@dataclass(frozen=True)
class Key:
    kind: type | tuple[type, ...]
    doc: str
    required: bool = False
    example: str = ""
    """A value to show when the key is missing, as it is written in site.toml."""


class KeyLines:
    """Finds the line of a key in the TOML text; tomllib keeps no positions.

    The text is split into sections once, at its table headers, so a lookup
    reads only its own table's lines: scanning the whole file per key made
    loading a catalogue of N services take N² steps (minutes at 10,000).
    """

    def __init__(self, text: str) -> None:
        # Header text (None before the first) -> its sections, in file order,
        # each a list of (line number, line); and -> the headers' line numbers.
        self._sections: dict[str | None, list[list[tuple[int, str]]]] = {None: [[]]}
        self._headers: dict[str, list[int]] = {}
        self.text = text
        current = self._sections[None][0]
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("["):
                header = stripped.split("#")[0].strip()
                self._headers.setdefault(header, []).append(number)
                current = []
                self._sections.setdefault(header, []).append(current)
                continue
            current.append((number, line))

    def find(self, key: str, table: str = "", nth: int = 0) -> int | None:
        header = None if table == "" else _header(table)
        sections = self._sections.get(header, [])
        if table in ARRAY_TABLES:
            sections = sections[nth : nth + 1]
        elif header is not None and _item_of(table):
            sections = [s for line, s in self._owned(header, table, nth)]
        name = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for section in sections:
            for number, line in section:
                if name.match(line):
                    return number
        return None

    def table(self, table: str, nth: int = 0) -> int | None:
        numbers = self._headers.get(_header(table), [])
        if _item_of(table):
            owned = self._owned(_header(table), table, nth)
            return owned[0][0] if owned else None
        if table not in ARRAY_TABLES:
            nth = 0
        return numbers[nth] if 0 <= nth < len(numbers) else None

    def _owned(self, header: str, table: str, nth: int) -> list[tuple[int, list[tuple[int, str]]]]:
        """The ``[publish.webhooks.templates]`` sections that belong to the nth
        ``[[publish.webhooks]]`` item: those between its header and the next."""
        items = self._headers.get(_header(_item_of(table)), [])
        if not 0 <= nth < len(items):
            return []
        start = items[nth]
        end = items[nth + 1] if nth + 1 < len(items) else float("inf")
        pairs = zip(self._headers.get(header, []), self._sections.get(header, []), strict=True)
        return [(line, section) for line, section in pairs if start < line < end]


def _item_of(table: str) -> str:
    """The array table whose items `table` is a sub-table of (``publish.webhooks``
    for ``publish.webhooks.templates``), or ``""``."""
    return next((a for a in ARRAY_TABLES if table.startswith(a + ".")), "")


def _header(table: str) -> str:
    return f"[[{table}]]" if table in ARRAY_TABLES else f"[{table}]"


def suggest(word: str, choices: Any, lead: str = " ") -> str:
    close = closest(word, sorted(choices))
    return f"{lead}(did you mean {close!r}?)" if close else ""


def is_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    # TOML booleans are ints to isinstance; keep them apart.
    if isinstance(value, bool) and kind is not bool:
        return False
    return isinstance(value, kind)


_KIND_NAMES: dict[Any, str] = {
    str: "text in quotes",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
    (int, float): "a number",
    (date, str): "a date (like 2026-11-01)",
}


def kind_name(kind: type | tuple[type, ...]) -> str:
    return _KIND_NAMES.get(kind, str(kind))
