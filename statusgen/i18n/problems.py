"""What check says of a site's language: ``[strings]``, a missing catalogue, a
theme's catalogue with wrong or missing strings. One `Problem` per fault."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import Problem, Severity, closest
from ..languages import suffix
from ..model import SiteConfig
from .catalogue import (
    PACKAGE_LOCALES,
    SHIPPED,
    english,
    flatten,
    key_line,
    message_problem,
    read_toml,
)
from .strings import best_match, catalogues, plural_categories

CONFIG_NAME = "site.toml"
_LANGUAGE = re.compile(r"[a-z]{2,3}")
"""A table of ``[strings]`` named like a language's primary subtag (``fr``)."""


def strings_table(
    raw: Any,
    language: str,
    text: str,
    problem: Callable[[str, str, int | None], None],
    prefix: str = "strings",
) -> dict[str, Any]:
    """``[strings]`` of site.toml (or ``[strings.cy]``, `prefix`) checked against
    English's keys and placeholders and `language`'s plural categories: the good
    entries; `problem(field, message, line)` for each bad one."""
    if not isinstance(raw, dict):
        problem(prefix, f"expected a table ([{prefix}])", key_line(text, prefix))
        return {}
    reference = english()
    categories = plural_categories(language)
    good: dict[str, Any] = {}
    for key, value in flatten(raw, reference).items():
        line = key_line(text, f"{prefix}.{key}")
        if key not in reference:
            near = closest(key, reference)
            hint = f" (did you mean {near}?)" if near else " (see statusgen/locales/en.toml)"
            problem(f"{prefix}.{key}", f"unknown string{hint}", line)
            continue
        fault = message_problem(key, value, reference[key], categories)
        if fault:
            problem(f"{prefix}.{key}", fault, line)
        else:
            good[key] = value
    return good


def language_tables(
    raw: Any, others: tuple[str, ...], text: str, problem: Callable[[str, str, int | None], None]
) -> tuple[Any, dict[str, Any]]:
    """``[strings]`` without its tables of other languages (``[strings.cy]``, named
    by the suffix as in ``title_cy:``), and those tables by the language's tag.
    A table named like a language the site does not declare is a problem."""
    if not isinstance(raw, dict):
        return raw, {}
    by_suffix = {suffix(tag): tag for tag in others}
    tables = {key.split(".")[0] for key in english()}
    own: dict[str, Any] = {}
    found: dict[str, Any] = {}
    for key, value in raw.items():
        if key in by_suffix and isinstance(value, dict):
            found[by_suffix[key]] = value
        elif isinstance(value, dict) and key not in tables and _LANGUAGE.fullmatch(key):
            declared = ", ".join(f"[strings.{s}]" for s in by_suffix) or "none"
            problem(
                f"strings.{key}",
                f"'{key}' is not one of this site's other languages (add it to "
                f"other_languages for its pages; tables of other languages: {declared})",
                _table_line(text, f"strings.{key}"),
            )
        else:
            own[key] = value
    return own, found


def _table_line(text: str, table: str) -> int | None:
    """The line of ``[table]`` (or of a table inside it) in site.toml's text."""
    for number, line in enumerate(text.splitlines(), 1):
        header = line.split("#")[0].strip().replace('"', "").replace(" ", "")
        if header.startswith((f"[{table}]", f"[{table}.")):
            return number
    return key_line(text, table)


def language_problems(config: SiteConfig) -> list[Problem]:
    """For each of the site's languages (``language``, then ``other_languages``):
    no catalogue (warning: English is shown), and each wrong (error) or missing
    (warning) string of the theme's catalogue for it."""
    found = catalogues(config)
    problems: list[Problem] = []
    for tag in (config.language, *config.other_languages):
        if tag == config.language:
            problems += _language_problems(config, found, tag, "language", config.strings)
        else:
            own = config.language_strings.get(tag, {})
            problems += _language_problems(config, found, tag, "other_languages", own)
    return problems


def _language_problems(
    config: SiteConfig,
    found: Mapping[str, list[Path]],
    tag: str,
    field: str,
    overrides: Mapping[str, Any],
) -> list[Problem]:
    match = best_match(tag, found)
    problems: list[Problem] = []
    if match is None:
        try:
            line = key_line((config.root / CONFIG_NAME).read_text(encoding="utf-8"), field)
        except (OSError, UnicodeDecodeError):
            line = None
        shipped = ", ".join(SHIPPED)
        problems.append(
            Problem(
                CONFIG_NAME,
                line,
                field,
                f'no catalogue for "{tag}": its pages are in English '
                f"(statusgen ships {shipped}; add themes/{config.theme}/locales/"
                f"{tag.split('-')[0].lower()}.toml to translate them)",
                Severity.WARNING,
            )
        )
        return problems
    reference = english()
    categories = plural_categories(match)
    own = [p for p in found[match] if p.parent != PACKAGE_LOCALES]
    shipped = match in SHIPPED
    for path in own:
        rel = path.relative_to(config.root).as_posix()
        try:
            data, text = read_toml(path)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(rel, None, "-", f"cannot read: {exc}"))
            continue
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(rel, None, "-", f"TOML syntax: {exc}"))
            continue
        entries = flatten(data, reference)
        for key, value in entries.items():
            if key not in reference:
                near = closest(key, reference)
                hint = f" (did you mean {near}?)" if near else ""
                problems.append(Problem(rel, key_line(text, key), key, f"unknown string{hint}"))
                continue
            fault = message_problem(key, value, reference[key], categories)
            if fault:
                problems.append(Problem(rel, key_line(text, key), key, fault))
        if shipped:
            continue  # the package's catalogue has the rest
        for key, english_text in reference.items():
            if key not in entries and key not in overrides:
                shown = english_text if isinstance(english_text, str) else english_text["other"]
                problems.append(
                    Problem(
                        rel,
                        None,
                        key,
                        f'missing string (English is shown: "{shown}")',
                        Severity.WARNING,
                    )
                )
    return problems
