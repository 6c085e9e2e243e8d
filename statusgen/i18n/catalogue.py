"""Catalogues of statusgen's own words: TOML files of keyed strings, read and checked.

A catalogue is ``<lang>.toml``: the package's ``statusgen/locales/`` ships
English (the reference) and the other shipped languages; a theme folder may
add one (``themes/<theme>/locales/<lang>.toml``), which wins over the
package's for that language, key by key. A key is dotted (``status.major_outage``),
as TOML's tables make it; a plural is a table of CLDR categories
(``one = "{count} day ago"``, ``other = "{count} days ago"``).

Placeholders are `str.format` names. A translation naming one English does
not have would crash the render, one leaving one out would drop a title or
a time: both are problems (`message_problem`), never a crash.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE_LOCALES = Path(__file__).resolve().parent.parent / "locales"
"""The shipped catalogues."""

SHIPPED = ("en", "de", "fr", "es", "nl", "cy")
"""The languages statusgen ships complete: English first (the reference)."""

CATEGORIES = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories, in CLDR's order."""

Message = str | Mapping[str, str]
"""A string, or a plural: CLDR category -> string."""

_FORMATTER = string.Formatter()


def flatten(
    table: Mapping[str, Any], reference: Mapping[str, Message] | None = None
) -> dict[str, Any]:
    """A TOML document's nested tables as dotted keys. A table is a plural (kept
    whole) where `reference` has a plural at its key, or, with no reference (the
    English catalogue itself), where its keys are CLDR categories with ``other``."""
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and not _is_plural(prefix, value, reference):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else key, inner)
        else:
            out[prefix] = value

    walk("", dict(table))
    return out


def _is_plural(key: str, value: dict[str, Any], reference: Mapping[str, Message] | None) -> bool:
    if not key:
        return False
    if reference is not None and key in reference:
        return not isinstance(reference[key], str)
    return bool(value) and "other" in value and set(value) <= set(CATEGORIES)


@lru_cache(maxsize=32)
def _read(path: Path, stamp: tuple[int, int]) -> tuple[dict[str, Any], str]:
    """A catalogue file's TOML, and its text (for line numbers); `stamp`
    (mtime, size) keeps a cached read honest when the file is edited (serve)."""
    text = path.read_text(encoding="utf-8")
    return tomllib.loads(text), text


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """`path` parsed (raises `tomllib.TOMLDecodeError`, `OSError`, `UnicodeDecodeError`)."""
    info = path.stat()
    return _read(path, (info.st_mtime_ns, info.st_size))


def english() -> dict[str, Message]:
    """The reference catalogue: every key statusgen shows."""
    data, _ = read_toml(PACKAGE_LOCALES / "en.toml")
    return flatten(data)


def placeholders(text: str) -> frozenset[str] | None:
    """The `str.format` names in `text`; None when it is not a valid format string."""
    try:
        names = {name for _, name, spec, conv in _FORMATTER.parse(text) if name is not None}
    except ValueError:
        return None
    if any(not re.fullmatch(r"[a-z_]+", n) for n in names):
        return None  # positional ({}, {0}) or attribute access ({a.b}): not ours
    return frozenset(names)


def message_problem(
    key: str, value: Any, reference: Message, categories: frozenset[str]
) -> str | None:
    """What is wrong with `value` as the translation of `reference` (English), or None.

    A string's placeholders are English's; a plural has every category of
    `categories` (the language's), no other, and each form names only
    English's placeholders (a form for one may say "a day" without {count}).
    """
    wanted = _names(reference)
    if isinstance(reference, str):
        if not isinstance(value, str):
            return f'expected a string, like "{reference}"'
        return _placeholder_problem(value, wanted, exact=True)
    if isinstance(value, str):
        value = {"other": value} if categories == frozenset({"other"}) else value
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        forms = ", ".join(f'{c} = "..."' for c in CATEGORIES if c in categories)
        return f"expected a plural table ({forms})"
    missing = [c for c in CATEGORIES if c in categories and c not in value]
    if missing:
        return (
            f"plural form missing: {', '.join(missing)} (this language needs {_listed(categories)})"
        )
    extra = sorted(set(value) - categories)
    if extra:
        return (
            f"plural form {', '.join(extra)} is not one this language has ({_listed(categories)})"
        )
    for category, form in value.items():
        problem = _placeholder_problem(form, wanted, exact=category == "other")
        if problem:
            return f"{category}: {problem}"
    return None


def _listed(categories: frozenset[str]) -> str:
    return ", ".join(c for c in CATEGORIES if c in categories)


def _names(reference: Message) -> frozenset[str]:
    forms = [reference] if isinstance(reference, str) else list(reference.values())
    return frozenset().union(*(placeholders(f) or frozenset() for f in forms))


def _placeholder_problem(text: str, wanted: frozenset[str], *, exact: bool) -> str | None:
    found = placeholders(text)
    expected = " ".join(f"{{{n}}}" for n in sorted(wanted)) or "none"
    if found is None:
        return (
            f"not a valid text: braces must name a placeholder (placeholders: {expected}; "
            "write {{ and }} for braces)"
        )
    unknown = sorted(found - wanted)
    if unknown:
        return f"unknown placeholder {{{unknown[0]}}} (placeholders: {expected})"
    lost = sorted(wanted - found)
    if exact and lost:
        return f"placeholder {{{lost[0]}}} missing (placeholders: {expected})"
    return None


def key_line(text: str, key: str) -> int | None:
    """The line of a dotted `key` in a catalogue's TOML text: written whole
    (``status.major_outage = ``, quoted or not) or under its table
    (``[status]`` then ``major_outage = ``); None when not found."""
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[\s*([^\]]+?)\s*\]", line)
        if header:
            current = header.group(1).replace('"', "").replace(" ", "")
            continue
        if not current:
            rest = key
        elif key.startswith(current + "."):
            rest = key[len(current) + 1 :]
        else:
            continue
        if re.match(rf'^\s*(?:"{re.escape(rest)}"|{re.escape(rest)})\s*=', line):
            return number
    return None
